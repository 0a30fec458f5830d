/* Consumer benchmark program (driven by bench_consumer.sh, not a test): reads a stream from the
 * start with a consumer until `expected` user records arrived, then prints the user records per
 * second and the CPU seconds this process used per million user records.
 * Usage: bench_consumer ENDPOINT STREAM EXPECTED_USER_RECORDS LABEL [GET_RECORDS_LIMIT]
 *
 * The stream is read 1 + BENCH_STEADY_PASSES (default 3) times, each time by a new consumer of
 * the same client, as bench_producer.c sends its records: the first pass (`..._cold_...` lines)
 * pays what a process pays once (the first touch of the response buffers, about 10% of it on
 * aggregated records; lazy binding; the connection), and the median of the others is the steady
 * state, the headline figures. Every pass is printed.
 *
 * With --floor, it measures instead the least work any KCL-exact reader must do on those bytes,
 * with this library's fastest code and in the most favourable grouping: base64-decoding each
 * aggregate from its JSON text, checking its MD5 (the KCL's rule for telling an aggregate from a
 * plain record; all aggregates at once so every MD5 lane is busy) and deaggregating it as the KCL
 * does (the protobuf walked, each distinct partition key hashed and checked against a shard
 * range, every user record visited). Receiving the bytes, parsing the JSON around them and
 * delivering records come on top, so a reader's CPU per user record cannot go below this figure.
 * Usage: bench_consumer --floor AGGREGATES_FILE USER_RECORDS
 *   (AGGREGATES_FILE: each aggregate as a 4-byte little-endian length and its bytes)
 *
 * With --receive, it measures what receiving the GetRecords responses costs a reader that goes
 * through libcurl (the design's transport): every shard of the stream read from TRIM_HORIZON
 * with signed GetRecords calls (the same limit) through the libcurl transport, each response
 * left where libcurl puts it (only its first and last 4 KiB are kept, to find
 * NextShardIterator). The kernel's socket copy and libcurl's own work are in it; keeping the
 * response, JSON, base64, MD5, protobuf and delivery are not. Added to the floor, it is the least
 * any KCL-exact reader over libcurl can cost per user record, whether it keeps each response
 * whole (as the consumer does, to parse it in place) or decodes it chunk by chunk as it arrives.
 * Passes as for the consumer (BENCH_STEADY_PASSES), each checked to receive the same bytes.
 * Usage: bench_consumer --receive ENDPOINT STREAM USER_RECORDS GET_RECORDS_LIMIT */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_http.h"
#include "bench_passes.h"
#include "kinesis/kinesis.h"

typedef struct ctx {
    uint64_t n, expected, bytes;
} ctx;

static int on_record(void *user, const kinesis_consumer_record *r) {
    ctx *x = user;
    x->bytes += r->data_len;
    return ++x->n >= x->expected;
}

static int floor_main(const char *path, uint64_t user_records) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    size_t n = 0, cap = 0, total = 0;
    char **texts = NULL;
    size_t *text_lens = NULL, *blob_lens = NULL;
    unsigned char len4[4];
    while (fread(len4, 1, 4, f) == 4) {
        size_t len =
            (size_t)len4[0] | (size_t)len4[1] << 8 | (size_t)len4[2] << 16 | (size_t)len4[3] << 24;
        uint8_t *blob = malloc(len ? len : 1);
        if (!blob || fread(blob, 1, len, f) != len) {
            fprintf(stderr, "%s: truncated aggregate %zu\n", path, n);
            return 1;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            texts = realloc(texts, cap * sizeof(*texts));
            text_lens = realloc(text_lens, cap * sizeof(*text_lens));
            blob_lens = realloc(blob_lens, cap * sizeof(*blob_lens));
            if (!texts || !text_lens || !blob_lens) return 1;
        }
        /* As the response carries it: base64 text (encoded here, not timed). */
        size_t tcap = KINESIS_BASE64_ENCODED_LEN(len);
        texts[n] = malloc(tcap ? tcap : 1);
        if (!texts[n] ||
            kinesis_base64_encode(blob, len, texts[n], tcap, &text_lens[n]) != KINESIS_OK)
            return 1;
        blob_lens[n++] = len;
        total += len;
        free(blob);
    }
    fclose(f);
    if (!n || !user_records) {
        fprintf(stderr, "%s: no aggregates\n", path);
        return 1;
    }
    uint8_t *decoded = malloc(total), *ok = malloc(n);
    const uint8_t **blobs = malloc(n * sizeof(*blobs));
    size_t *lens = malloc(n * sizeof(*lens));
    if (!decoded || !ok || !blobs || !lens) return 1;
    /* As the consumer deaggregates: KCL mode, every member checked against a shard range (the
     * whole key space here: every member is in it, so nothing is dropped), MD5 already checked. */
    uint32_t *scratch = malloc(KINESIS_AGG_DECODER_SCRATCH_COUNT(total) * sizeof(*scratch));
    if (!scratch) return 1;
    kinesis_agg_decode_options deagg = {.mode = KINESIS_AGG_DECODE_KCL,
                                        .has_range = 1,
                                        .range_start = {0, 0},
                                        .range_end = {UINT64_MAX, UINT64_MAX},
                                        .scratch = scratch,
                                        .scratch_count = KINESIS_AGG_DECODER_SCRATCH_COUNT(total),
                                        .md5_checked = 1};
    /* Passes over the same bytes until 0.5 s of CPU (the first, on cold pages, not counted). */
    double cpu = 0;
    uint64_t passes = 0;
    for (int pass = 0; cpu < 0.5; pass++) {
        double c0 = bench_cpu_s();
        size_t off = 0;
        for (size_t i = 0; i < n; i++) {
            size_t got;
            if (kinesis_base64_decode(texts[i], text_lens[i], decoded + off, total - off, &got) !=
                    KINESIS_OK ||
                got != blob_lens[i])
                return 1;
            blobs[i] = decoded + off;
            lens[i] = got;
            off += got;
        }
        if (kinesis_agg_check_md5_many(NULL, n, blobs, lens, ok) != KINESIS_OK) return 1;
        uint64_t records = 0, data_bytes = 0;
        for (size_t i = 0; i < n; i++) {
            if (!ok[i]) {
                fprintf(stderr, "aggregate %zu: MD5 mismatch\n", i);
                return 1;
            }
            kinesis_agg_decoder dec;
            kinesis_agg_user_record r;
            if (kinesis_agg_decoder_init(&dec, blobs[i], lens[i], &deagg) != KINESIS_OK ||
                kinesis_agg_decoder_outcome(&dec) != KINESIS_AGG_AGGREGATED) {
                fprintf(stderr, "aggregate %zu: not deaggregated\n", i);
                return 1;
            }
            while (kinesis_agg_decoder_next(&dec, &r)) {
                records++;
                data_bytes += r.data_len + r.partition_key_len;
            }
        }
        if (records != user_records || !data_bytes) {
            fprintf(stderr, "%s: %llu user records, expected %llu\n", path,
                    (unsigned long long)records, (unsigned long long)user_records);
            return 1;
        }
        if (pass) {
            cpu += bench_cpu_s() - c0;
            passes++;
        }
    }
    printf("BENCH consumer_aggregated_floor_cpu_s_per_million %.3f s\n",
           cpu / (double)passes * 1e6 / (double)user_records);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(text_lens);
    free(blob_lens);
    free(decoded);
    free(scratch);
    free(ok);
    free(blobs);
    free(lens);
    return 0;
}

/* The string value of "key":"..." in [s, s + len), copied into out[cap]; 0 when absent. */
static int json_string_member(const char *s, size_t len, const char *key, char *out, size_t cap) {
    size_t kl = strlen(key);
    for (const char *p = s; (p = memchr(p, '"', len - (size_t)(p - s))) != NULL; p++) {
        if ((size_t)(s + len - p) < kl + 4 || memcmp(p + 1, key, kl) != 0 || p[kl + 1] != '"')
            continue;
        const char *v = p + kl + 2;
        while (v < s + len && (*v == ':' || *v == ' ')) v++;
        if (v >= s + len || *v != '"') continue; /* a string value that happens to be the key */
        const char *e = memchr(v + 1, '"', len - (size_t)(v + 1 - s));
        if (!e || (size_t)(e - v - 1) >= cap) return 0;
        memcpy(out, v + 1, (size_t)(e - v - 1));
        out[e - v - 1] = '\0';
        return 1;
    }
    return 0;
}

/* NextShardIterator of a GetRecords response, looked for in its last and first 4 KiB. */
static int next_iterator(const bench_http *b, char *out, size_t cap) {
    return json_string_member(b->tail, b->tail_len, "NextShardIterator", out, cap) ||
           json_string_member(b->head, b->len < BENCH_HTTP_EDGE ? b->len : BENCH_HTTP_EDGE,
                              "NextShardIterator", out, cap);
}

static int receive_main(char **argv) {
    const char *endpoint = argv[2], *stream = argv[3];
    double user_records = (double)strtoull(argv[4], NULL, 10);
    const char *limit = argv[5];
    kinesis_client_options co;
    kinesis_client_options_init(&co);
    co.endpoint_url = endpoint;
    co.region = "us-east-1";
    kinesis_client *client;
    kinesis_error err;
    static bench_http b;
    if (kinesis_client_new(&co, &client, &err) != KINESIS_OK) {
        fprintf(stderr, "client: %s\n", err.message);
        return 1;
    }
    if (bench_http_open(&b, endpoint) != 0) return 1;
    kinesis_list_shards_request lr = {.stream = stream};
    kinesis_list_shards_result shards;
    if (kinesis_list_shards(client, &lr, &shards, &err) != KINESIS_OK) {
        fprintf(stderr, "ListShards: %s\n", err.message);
        return 1;
    }
    bench_passes bp = {.steady = bench_steady_passes()};
    unsigned long long calls = 0, bytes = 0, first_bytes = 0;
    for (int pass = 0; pass <= bp.steady; pass++) {
        double c0 = bench_cpu_s(), w0 = bench_wall_s();
        calls = bytes = 0;
        for (size_t i = 0; i < shards.shard_count; i++) {
            kinesis_get_shard_iterator_request ir = {stream, shards.shards[i].shard_id,
                                                     KINESIS_ITERATOR_TRIM_HORIZON, NULL, 0};
            kinesis_get_shard_iterator_result it;
            if (kinesis_get_shard_iterator(client, &ir, &it, &err) != KINESIS_OK) {
                fprintf(stderr, "GetShardIterator: %s\n", err.message);
                return 1;
            }
            for (;;) {
                char body[KINESIS_SHARD_ITERATOR_MAX + 64];
                int body_len =
                    snprintf(body, sizeof(body), "{\"ShardIterator\":\"%s\",\"Limit\":%s}",
                             it.shard_iterator, limit);
                if (bench_http_post(&b, "Kinesis_20131202.GetRecords", body, (size_t)body_len))
                    return 1;
                if (b.status != 200) {
                    fprintf(stderr, "GetRecords: HTTP %d\n", (int)b.status);
                    return 1;
                }
                calls++;
                bytes += b.len;
                /* (an empty response is small: it alone is searched for the empty array) */
                if ((b.len < BENCH_HTTP_EDGE && memmem(b.head, b.len, "\"Records\":[]", 12)) ||
                    !next_iterator(&b, it.shard_iterator, sizeof(it.shard_iterator)))
                    break;
            }
        }
        bench_passes_add(&bp, pass, bench_cpu_s() - c0, bench_wall_s() - w0);
        /* Every pass reads the whole stream: the same bytes each time. */
        if (pass == 0) first_bytes = bytes;
        if (!bytes || bytes != first_bytes) {
            fprintf(stderr, "pass %d received %llu bytes, the first %llu\n", pass, bytes,
                    first_bytes);
            return 1;
        }
    }
    bench_passes_print(&bp, "consumer_receive", "user_records", user_records);
    printf("BENCH consumer_receive_bytes_per_pass %llu bytes (%llu GetRecords calls)\n", bytes,
           calls);
    kinesis_list_shards_result_clean_up(&shards);
    bench_http_close(&b);
    kinesis_client_destroy(client);
    return 0;
}

/* One pass: a new consumer reads the stream from the start until `expected` user records came. */
static int read_pass(kinesis_client *client, char **argv, int argc, double *cpu, double *wall,
                     kinesis_consumer_stats *stats) {
    ctx x = {0, strtoull(argv[3], NULL, 10), 0};
    kinesis_consumer_options o;
    kinesis_consumer_options_init(&o);
    o.stream = argv[2];
    o.on_record = on_record;
    o.user = &x;
    o.idle_interval_ms = 200;
    if (argc == 6) o.max_records_per_call = (uint32_t)strtoul(argv[5], NULL, 10);
    kinesis_consumer *c;
    kinesis_error err;
    double cpu0 = bench_cpu_s(), t0 = bench_wall_s();
    if (kinesis_consumer_new(client, &o, &c, &err) != KINESIS_OK) {
        fprintf(stderr, "consumer: %s\n", err.message);
        return 1;
    }
    kinesis_status st = kinesis_consumer_run(c, &err);
    kinesis_consumer_get_stats(c, stats);
    kinesis_consumer_destroy(c);
    *cpu = bench_cpu_s() - cpu0;
    *wall = bench_wall_s() - t0;
    if (st != KINESIS_OK || x.n < x.expected) {
        fprintf(stderr, "consumer: %s %s (%llu of %llu)\n", kinesis_status_name(st), err.message,
                (unsigned long long)x.n, (unsigned long long)x.expected);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--floor") == 0)
        return floor_main(argv[2], strtoull(argv[3], NULL, 10));
    if (argc == 6 && strcmp(argv[1], "--receive") == 0) return receive_main(argv);
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s ENDPOINT STREAM EXPECTED LABEL [GET_RECORDS_LIMIT]\n", argv[0]);
        return 2;
    }
    kinesis_client_options co;
    kinesis_client_options_init(&co);
    co.endpoint_url = argv[1];
    co.region = "us-east-1";
    kinesis_client *client;
    kinesis_error err;
    if (kinesis_client_new(&co, &client, &err) != KINESIS_OK) {
        fprintf(stderr, "client: %s\n", err.message);
        return 1;
    }
    bench_passes bp = {.steady = bench_steady_passes()};
    double n = (double)strtoull(argv[3], NULL, 10);
    kinesis_consumer_stats s;
    for (int pass = 0; pass <= bp.steady; pass++) {
        double cpu, wall;
        if (read_pass(client, argv, argc, &cpu, &wall, &s) != 0) return 1;
        bench_passes_add(&bp, pass, cpu, wall);
    }
    kinesis_client_destroy(client);
    const char *label = argv[4];
    char name[64];
    snprintf(name, sizeof(name), "consumer_%s", label);
    bench_passes_print(&bp, name, "user_records", n);
    printf("BENCH consumer_%s_kinesis_records %llu records\n", label,
           (unsigned long long)s.kinesis_records);
    printf("BENCH consumer_%s_get_records_calls %llu calls\n", label,
           (unsigned long long)s.get_records_calls);
    return 0;
}

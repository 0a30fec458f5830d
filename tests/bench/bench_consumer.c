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
 * aggregate from its JSON text and checking its MD5 (the KCL's rule for telling an aggregate
 * from a plain record), all aggregates at once so every MD5 lane is busy. Receiving the bytes,
 * parsing JSON and protobuf and delivering records come on top, so a reader's CPU per user record
 * cannot go below this figure.
 * Usage: bench_consumer --floor AGGREGATES_FILE USER_RECORDS
 *   (AGGREGATES_FILE: each aggregate as a 4-byte little-endian length and its bytes) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

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
        for (size_t i = 0; i < n; i++)
            if (!ok[i]) {
                fprintf(stderr, "aggregate %zu: MD5 mismatch\n", i);
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
    free(ok);
    free(blobs);
    free(lens);
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

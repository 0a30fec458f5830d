/* Producer benchmark (not a test): the same records bench_producer_boto3.py sends — 100-byte data,
 * random 16-hex-digit partition keys from the same xorshift generator — through the producer into
 * a stream, then BENCH lines with user records/s, client CPU seconds per million records
 * (getrusage of the whole process: every producer thread) and peak RSS.
 *
 * The records go through the same producer 1 + BENCH_STEADY_PASSES (default 3) times, each pass
 * ending with a flush: the first pass (`..._cold_...` lines) pays what a process pays once — the
 * first touch of the producer's record slabs and request buffers as the buffer fills, lazy symbol
 * binding, connections, the shard map — and the median of the others is the producer's steady
 * state, the headline figures (the passes vary by about ±15%: kinesalite shares the machine).
 *
 *   bench_producer ENDPOINT STREAM N agg|noagg [batch|put|copy]
 *
 * batch (default): kinesis_producer_put_batch() with 500 records per call, as the boto3 side
 * sends 500 per put_records, lending the data (KINESIS_PRODUCER_F_LEND); put: one
 * kinesis_producer_put() per record, lending; copy: as batch, but the producer copies the data
 * (its default).
 *
 * Per-shard rate limits are off: the local server does not throttle and boto3 has none.
 *
 * With --send, it measures instead the least any producer of these records over libcurl (the
 * design's transport) spends without aggregation: the PutRecords bodies (500 records each, laid
 * out as the producer writes them) are built before timing, then each is signed (SigV4, with the
 * body's SHA-256) and sent through the libcurl transport, its response left where libcurl puts it
 * (checked for "FailedRecordCount":0 at its edges). Building the bodies (base64, JSON), parsing
 * the per-record results, shard prediction, buffering, retries and delivery reports come on top,
 * so no producer without aggregation can go below this figure. Passes as above.
 *   bench_producer --send ENDPOINT STREAM N
 *
 * With --send-agg, the same for an aggregating producer (the stream must have 4 shards, split
 * evenly as CreateStream splits them): timed, each pass hashes the keys (sixteen at a time),
 * finds each record's shard in the 4-shard map, adds it to its shard's KPL aggregate (the
 * producer's default aggregation_max_bytes, 51200), and per finished aggregate does what the
 * producer does with this library's fastest code: copies it out, MD5s the waiting aggregates
 * sixteen at a time, base64s each into its PutRecords entry (PartitionKey "a" and the first
 * member's ExplicitHashKey, as the KPL writes them), and signs and sends each body (500 entries
 * or 5 MiB of records at most). Queues, threads, results, retries and delivery reports come on
 * top, so no aggregating producer built on these codecs and libcurl can go below it.
 *   bench_producer --send-agg ENDPOINT STREAM N */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "agg_internal.h"
#include "bench_http.h"
#include "bench_passes.h"
#include "kinesis/kinesis.h"

static long failed;
static void on_report(void *u, const kinesis_delivery_report *r) {
    (void)u;
    if (r->status != KINESIS_OK) failed++;
}

/* The records, made before timing as the boto3 side makes its own: 100-byte data (the record's
 * index, then 'x's) and random 16-hex-digit keys. */
typedef struct records {
    char *data, *keys; /* keys: NUL-terminated, 17 bytes apart */
    char *packed_keys; /* the same keys back to back, without NULs (for put_batch) */
    uint32_t *key_lens, *data_lens;
} records;

static int records_make(records *r, long n) {
    r->data = malloc((size_t)n * 100);
    r->keys = malloc((size_t)n * 17);
    r->packed_keys = malloc((size_t)n * 16);
    r->key_lens = malloc((size_t)n * sizeof(uint32_t));
    r->data_lens = malloc((size_t)n * sizeof(uint32_t));
    if (!r->data || !r->keys || !r->packed_keys || !r->key_lens || !r->data_lens) {
        fprintf(stderr, "out of memory\n");
        return -1;
    }
    uint64_t x = 88172645463325252ULL;
    for (long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        snprintf(r->keys + i * 17, 17, "%016llx", (unsigned long long)x);
        memcpy(r->packed_keys + i * 16, r->keys + i * 17, 16);
        char head[16];
        int h = snprintf(head, sizeof(head), "%010ld", i);
        memcpy(r->data + i * 100, head, (size_t)h);
        memset(r->data + i * 100 + h, 'x', (size_t)(100 - h));
        r->key_lens[i] = 16;
        r->data_lens[i] = 100;
    }
    return 0;
}

static void records_free(records *r) {
    free(r->data);
    free(r->keys);
    free(r->packed_keys);
    free(r->key_lens);
    free(r->data_lens);
}

/* One signed PutRecords of `body`; 0 when every record was stored ("FailedRecordCount":0 in the
 * response's first or last 4 KiB). */
static int put_records(bench_http *h, const char *body, size_t len) {
    if (bench_http_post(h, "Kinesis_20131202.PutRecords", body, len)) return -1;
    const char *ok = "\"FailedRecordCount\":0";
    if (h->status != 200 ||
        (!memmem(h->head, h->len < BENCH_HTTP_EDGE ? h->len : BENCH_HTTP_EDGE, ok, 21) &&
         !memmem(h->tail, h->tail_len, ok, 21))) {
        fprintf(stderr, "PutRecords: HTTP %d, %.*s\n", (int)h->status,
                (int)(h->len < 200 ? h->len : 200), h->head);
        return -1;
    }
    return 0;
}

/* --send: the records' PutRecords bodies signed and sent, nothing else (see the top). */
static int send_main(const char *endpoint, const char *stream, long n) {
    records recs;
    if (records_make(&recs, n) != 0) return 1;
    size_t nreq = (size_t)(n + 499) / 500, entry_max = 64 + 136 + 16;
    char **bodies = calloc(nreq, sizeof(char *));
    size_t *lens = calloc(nreq, sizeof(size_t));
    if (!bodies || !lens) return 1;
    for (size_t q = 0; q < nreq; q++) {
        size_t cap = 64 + strlen(stream) + 500 * entry_max, o = 0;
        char *b = bodies[q] = malloc(cap);
        if (!b) return 1;
        o += (size_t)snprintf(b, cap, "{\"StreamName\":\"%s\",\"Records\":[", stream);
        for (long i = (long)q * 500; i < n && i < (long)q * 500 + 500; i++) {
            size_t w = 0;
            o += (size_t)snprintf(b + o, cap - o, "%s{\"Data\":\"", i % 500 ? "," : "");
            kinesis_base64_encode((const uint8_t *)recs.data + i * 100, 100, b + o, cap - o, &w);
            o += w;
            o +=
                (size_t)snprintf(b + o, cap - o, "\",\"PartitionKey\":\"%s\"}", recs.keys + i * 17);
        }
        o += (size_t)snprintf(b + o, cap - o, "]}");
        lens[q] = o;
    }
    static bench_http h;
    if (bench_http_open(&h, endpoint) != 0) return 1;
    bench_passes bp = {.steady = bench_steady_passes()};
    unsigned long long sent = 0, received = 0;
    for (size_t q = 0; q < nreq; q++) sent += lens[q];
    for (int pass = 0; pass <= bp.steady; pass++) {
        if (bench_turn_wait()) return 1;
        double w0 = bench_wall_s(), c0 = bench_cpu_s();
        received = 0;
        for (size_t q = 0; q < nreq; q++) {
            if (put_records(&h, bodies[q], lens[q])) return 1;
            received += h.len;
        }
        bench_passes_add(&bp, pass, bench_cpu_s() - c0, bench_wall_s() - w0);
    }
    bench_passes_print(&bp, "producer_send_floor", "records", (double)n);
    printf("BENCH producer_send_floor_bytes_per_pass %llu sent, %llu received (%zu PutRecords)\n",
           sent, received, nreq);
    bench_http_close(&h);
    for (size_t q = 0; q < nreq; q++) free(bodies[q]);
    free(bodies);
    free(lens);
    records_free(&recs);
    return 0;
}

/* --send-agg: one PutRecords body being filled with aggregates, and the aggregates whose MD5
 * and base64 wait for a batch of sixteen (see the top). */
typedef struct agg_floor {
    bench_http h;
    const char *stream;
    char *body;
    size_t len, cap, entries, raw_bytes; /* raw_bytes: data + keys, the 5 MiB request limit */
    uint8_t *pend;                       /* finished aggregates, back to back */
    size_t pend_len, npending, pend_off[KAGG_MD5_BATCH], blob_len[KAGG_MD5_BATCH],
        body_off[KAGG_MD5_BATCH];
    size_t requests;
} agg_floor;

static void agg_floor_hash_pending(agg_floor *f) {
    const uint8_t *msg[KAGG_MD5_BATCH];
    size_t len[KAGG_MD5_BATCH];
    uint8_t digest[KAGG_MD5_BATCH][KINESIS_MD5_LEN];
    for (size_t i = 0; i < f->npending; i++) {
        msg[i] = f->pend + f->pend_off[i] + 4;
        len[i] = f->blob_len[i] - KAGG_OVERHEAD;
    }
    kinesis_agg_md5_many_(NULL, f->npending, msg, len, digest);
    for (size_t i = 0; i < f->npending; i++) {
        uint8_t *blob = f->pend + f->pend_off[i];
        memcpy(blob + f->blob_len[i] - KINESIS_MD5_LEN, digest[i], KINESIS_MD5_LEN);
        size_t w = 0;
        kinesis_base64_encode(blob, f->blob_len[i], f->body + f->body_off[i],
                              KINESIS_BASE64_ENCODED_LEN(f->blob_len[i]), &w);
    }
    f->npending = 0;
    f->pend_len = 0;
}

static int agg_floor_send(agg_floor *f) {
    if (!f->entries) return 0;
    agg_floor_hash_pending(f);
    f->len += (size_t)snprintf(f->body + f->len, f->cap - f->len, "]}");
    if (put_records(&f->h, f->body, f->len)) return -1;
    f->requests++;
    f->entries = f->raw_bytes = 0;
    f->len = (size_t)snprintf(f->body, f->cap, "{\"StreamName\":\"%s\",\"Records\":[", f->stream);
    return 0;
}

/* One finished aggregate (or lone record) into the body: its base64 slot is reserved now and
 * filled once sixteen aggregates wait for their MD5. */
static int agg_floor_emit(agg_floor *f, kinesis_agg_encoder *enc) {
    kinesis_agg_output out;
    if (kinesis_agg_encoder_finish_without_md5_(enc, &out) != KINESIS_OK) return -1;
    size_t raw = out.data_len + out.partition_key_len;
    if (f->entries == 500 || f->raw_bytes + raw > (5u << 20)) {
        if (agg_floor_send(f)) return -1;
    }
    f->len += (size_t)snprintf(f->body + f->len, f->cap - f->len, "%s{\"Data\":\"",
                               f->entries ? "," : "");
    size_t b64 = KINESIS_BASE64_ENCODED_LEN(out.data_len);
    if (out.aggregated) {
        if (f->npending == KAGG_MD5_BATCH) agg_floor_hash_pending(f);
        size_t k = f->npending++;
        f->pend_off[k] = f->pend_len;
        f->blob_len[k] = out.data_len;
        f->body_off[k] = f->len;
        memcpy(f->pend + f->pend_len, out.data, out.data_len);
        f->pend_len += out.data_len;
    } else {
        size_t w = 0;
        kinesis_base64_encode(out.data, out.data_len, f->body + f->len, b64, &w);
    }
    f->len += b64;
    f->len += (size_t)snprintf(f->body + f->len, f->cap - f->len, "\",\"PartitionKey\":\"%.*s\"",
                               (int)out.partition_key_len, out.partition_key);
    if (out.explicit_hash_key)
        f->len += (size_t)snprintf(f->body + f->len, f->cap - f->len, ",\"ExplicitHashKey\":\"%s\"",
                                   out.explicit_hash_key);
    f->body[f->len++] = '}';
    f->entries++;
    f->raw_bytes += raw;
    return 0;
}

static int send_agg_main(const char *endpoint, const char *stream, long n) {
    records recs;
    if (records_make(&recs, n) != 0) return 1;
    enum { SHARDS = 4 };
    const char **keys = malloc((size_t)n * sizeof(char *));
    size_t *key_lens = malloc((size_t)n * sizeof(size_t));
    kinesis_hash_key *hk = malloc((size_t)n * sizeof(kinesis_hash_key));
    static agg_floor f;
    f.stream = stream;
    f.cap = (5u << 20) / 3 * 4 + 500 * 128 + 256;
    f.body = malloc(f.cap);
    f.pend = malloc((size_t)KAGG_MD5_BATCH * 51200);
    if (!keys || !key_lens || !hk || !f.body || !f.pend) return 1;
    for (long i = 0; i < n; i++) {
        keys[i] = recs.keys + i * 17;
        key_lens[i] = 16;
    }
    /* The shards CreateStream makes for 4: equal ranges of the 128-bit hash key space. */
    kinesis_shard_map_entry map[SHARDS];
    for (int s = 0; s < SHARDS; s++) {
        map[s].start = (kinesis_hash_key){(uint64_t)s << 62, 0};
        map[s].end = (kinesis_hash_key){((uint64_t)s << 62) | ((1ULL << 62) - 1), UINT64_MAX};
        map[s].shard_id = "";
    }
    kinesis_agg_encoder enc[SHARDS];
    kinesis_agg_encoder_options eo = {.max_record_bytes = 51200};
    for (int s = 0; s < SHARDS; s++)
        if (kinesis_agg_encoder_init(&enc[s], &eo, NULL) != KINESIS_OK) return 1;
    if (bench_http_open(&f.h, endpoint) != 0) return 1;
    f.len = (size_t)snprintf(f.body, f.cap, "{\"StreamName\":\"%s\",\"Records\":[", stream);
    bench_passes bp = {.steady = bench_steady_passes()};
    for (int pass = 0; pass <= bp.steady; pass++) {
        if (bench_turn_wait()) return 1;
        double w0 = bench_wall_s(), c0 = bench_cpu_s();
        f.requests = 0;
        kinesis_hash_keys_of_partition_keys(NULL, (size_t)n, keys, key_lens, hk);
        for (long i = 0; i < n; i++) {
            int s = (int)(kinesis_shard_map_lookup(map, SHARDS, hk[i]) - map);
            kinesis_agg_record r = {keys[i], 16, NULL, 0, (const uint8_t *)recs.data + i * 100,
                                    100};
            kinesis_status st = kinesis_agg_encoder_add(&enc[s], &r);
            if (st == KINESIS_E_AGG_FULL) {
                if (agg_floor_emit(&f, &enc[s])) return 1;
                st = kinesis_agg_encoder_add(&enc[s], &r);
            }
            if (st != KINESIS_OK) return 1;
        }
        for (int s = 0; s < SHARDS; s++)
            if (kinesis_agg_encoder_count(&enc[s]) && agg_floor_emit(&f, &enc[s])) return 1;
        if (agg_floor_send(&f)) return 1;
        bench_passes_add(&bp, pass, bench_cpu_s() - c0, bench_wall_s() - w0);
    }
    bench_passes_print(&bp, "producer_agg_send_floor", "records", (double)n);
    printf("BENCH producer_agg_send_floor_requests_per_pass %zu PutRecords\n", f.requests);
    bench_http_close(&f.h);
    for (int s = 0; s < SHARDS; s++) kinesis_agg_encoder_clean_up(&enc[s]);
    free(f.body);
    free(f.pend);
    free(keys);
    free(key_lens);
    free(hk);
    records_free(&recs);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "--send") == 0)
        return send_main(argv[2], argv[3], atol(argv[4]));
    if (argc == 5 && strcmp(argv[1], "--send-agg") == 0)
        return send_agg_main(argv[2], argv[3], atol(argv[4]));
    if (argc < 5) {
        fprintf(stderr, "usage: bench_producer ENDPOINT STREAM N agg|noagg [batch|put|copy]\n"
                        "       bench_producer --send ENDPOINT STREAM N\n"
                        "       bench_producer --send-agg ENDPOINT STREAM N\n");
        return 2;
    }
    const char *endpoint = argv[1], *stream = argv[2], *mode = argv[4];
    long n = atol(argv[3]);
    int agg = strcmp(mode, "agg") == 0;
    const char *feed = argc < 6 ? "batch" : argv[5];
    int batch = strcmp(feed, "put") != 0, copy = strcmp(feed, "copy") == 0;
    if (batch && !copy && strcmp(feed, "batch") != 0) {
        fprintf(stderr, "unknown feed %s: batch, put or copy\n", feed);
        return 2;
    }
    records recs;
    if (records_make(&recs, n) != 0) return 1;
    const char *keys = recs.keys, *packed_keys = recs.packed_keys, *data = recs.data;
    uint32_t *key_lens = recs.key_lens, *data_lens = recs.data_lens;
    kinesis_client_options co;
    kinesis_client_options_init(&co);
    co.endpoint_url = endpoint;
    co.region = "us-east-1";
    kinesis_client *c;
    kinesis_error err;
    if (kinesis_client_new(&co, &c, &err)) {
        fprintf(stderr, "client: %s\n", err.message);
        return 1;
    }
    kinesis_producer_options po;
    kinesis_producer_options_init(&po);
    po.aggregation = (uint32_t)agg;
    po.shard_rate_bytes = 0;
    po.shard_rate_records = 0;
    po.dr_cb = on_report;
    kinesis_producer *p;
    if (kinesis_producer_new(c, &po, &p, &err)) {
        fprintf(stderr, "producer: %s\n", err.message);
        return 1;
    }
    bench_passes bp = {.steady = bench_steady_passes()};
    for (int pass = 0; pass <= bp.steady; pass++) {
        if (bench_turn_wait()) return 1;
        double w0 = bench_wall_s(), c0 = bench_cpu_s();
        for (long i = 0; batch && i < n;) {
            long m = n - i < 500 ? n - i : 500;
            kinesis_producer_batch b = {stream,
                                        (size_t)m,
                                        packed_keys + i * 16,
                                        key_lens + i,
                                        (const uint8_t *)data + i * 100,
                                        data_lens + i,
                                        NULL,
                                        NULL,
                                        copy ? 0u : KINESIS_PRODUCER_F_LEND};
            size_t accepted = 0;
            kinesis_status st = kinesis_producer_put_batch(p, &b, &accepted, &err);
            i += (long)accepted;
            if (st == KINESIS_E_QUEUE_FULL) {
                kinesis_producer_poll(p, 100);
            } else if (st != KINESIS_OK) {
                fprintf(stderr, "put_batch: %s\n", err.message);
                return 1;
            }
            kinesis_producer_poll(p, 0);
        }
        for (long i = 0; !batch && i < n; i++) {
            kinesis_producer_record r = {
                stream, keys + i * 17,          NULL, (const uint8_t *)data + i * 100, 100,
                NULL,   KINESIS_PRODUCER_F_LEND};
            kinesis_status st;
            while ((st = kinesis_producer_put(p, &r, &err)) == KINESIS_E_QUEUE_FULL)
                kinesis_producer_poll(p, 100);
            if (st != KINESIS_OK) {
                fprintf(stderr, "put: %s\n", err.message);
                return 1;
            }
            if ((i & 1023) == 0) kinesis_producer_poll(p, 0);
        }
        if (kinesis_producer_flush(p, 600000) != KINESIS_OK) {
            fprintf(stderr, "flush timed out\n");
            return 1;
        }
        bench_passes_add(&bp, pass, bench_cpu_s() - c0, bench_wall_s() - w0);
    }
    char *stats = NULL;
    kinesis_producer_stats_json(p, &stats, NULL);
    kinesis_producer_destroy(p);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (failed) {
        fprintf(stderr, "%ld records failed\n", failed);
        return 1;
    }
    char name[64];
    snprintf(name, sizeof(name), "producer_%s%s", agg ? "agg" : "noagg",
             copy    ? "_copy"
             : batch ? ""
                     : "_put");
    bench_passes_print(&bp, name, "records", (double)n);
    printf("BENCH %s_peak_rss %ld KiB\n", name, ru.ru_maxrss);
    fprintf(stderr, "%s stats: %s\n", name, stats ? stats : "");
    kinesis_free(kinesis_client_allocator(c), stats);
    kinesis_client_destroy(c);
    records_free(&recs);
    return 0;
}

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
 * Per-shard rate limits are off: the local server does not throttle and boto3 has none. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_passes.h"
#include "kinesis/kinesis.h"

static long failed;
static void on_report(void *u, const kinesis_delivery_report *r) {
    (void)u;
    if (r->status != KINESIS_OK) failed++;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: bench_producer ENDPOINT STREAM N agg|noagg [batch|put|copy]\n");
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
    /* The records, generated before timing (as the Python side does). */
    char *data = malloc((size_t)n * 100), *keys = malloc((size_t)n * 17);
    uint32_t *key_lens = malloc((size_t)n * sizeof(uint32_t));
    uint32_t *data_lens = malloc((size_t)n * sizeof(uint32_t));
    uint64_t x = 88172645463325252ULL;
    for (long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        snprintf(keys + i * 17, 17, "%016llx", (unsigned long long)x);
        char head[16];
        int h = snprintf(head, sizeof(head), "%010ld", i);
        memcpy(data + i * 100, head, (size_t)h);
        memset(data + i * 100 + h, 'x', (size_t)(100 - h));
        key_lens[i] = 16;
        data_lens[i] = 100;
    }
    /* put_batch() takes the keys back to back: the same keys without their NULs. */
    char *packed_keys = malloc((size_t)n * 16);
    for (long i = 0; i < n; i++) memcpy(packed_keys + i * 16, keys + i * 17, 16);
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
    free(data);
    free(keys);
    free(packed_keys);
    free(key_lens);
    free(data_lens);
    return 0;
}

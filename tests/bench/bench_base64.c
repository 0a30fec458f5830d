/* base64 speed on 1 MiB buffers (an aggregate's size): encode in MB/s of characters written,
 * decode in MB/s of characters read, for the dispatched path (AVX2 where the CPU has it) and the
 * portable one.
 *
 * usage: bench_base64 [seconds per figure, default 2]
 * Prints "BENCH <name> <value> <unit>" lines. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64_internal.h"

/* Process CPU time, as the other benchmarks use: stable on a machine shared with other work. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef kinesis_status (*encode_fn)(const uint8_t *, size_t, char *, size_t, size_t *);
typedef kinesis_status (*decode_fn)(const char *, size_t, uint8_t *, size_t, size_t *);

/* One timed figure: either an encode or a decode of n bytes (characters for decode). */
typedef struct job {
    encode_fn enc;
    decode_fn dec;
    const void *src;
    size_t n;
    void *out;
    size_t cap;
} job;

/* MB/s of base64 characters (written by encode, read by decode) over `seconds` of CPU time. */
static double bench(const job *j, double seconds) {
    size_t w = 0;
    long k = 0;
    double t0 = now_s(), t;
    do {
        for (int r = 0; r < 8; r++) {
            kinesis_status st = j->enc ? j->enc(j->src, j->n, j->out, j->cap, &w)
                                       : j->dec(j->src, j->n, j->out, j->cap, &w);
            if (st != KINESIS_OK) {
                fprintf(stderr, "%s failed\n", j->enc ? "encode" : "decode");
                exit(1);
            }
        }
        k += 8;
        t = now_s();
    } while (t - t0 < seconds);
    return (double)(j->enc ? w : j->n) * (double)k / (t - t0) / 1e6;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    if (seconds <= 0) seconds = 2.0;
    size_t n = (size_t)1 << 20, elen = KINESIS_BASE64_ENCODED_LEN(n);
    uint8_t *src = malloc(n), *dec = malloc(n);
    char *enc = malloc(elen);
    if (!src || !dec || !enc) return 1;
    uint32_t x = 2463534242u; /* xorshift: incompressible bytes, like compressed record data */
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        src[i] = (uint8_t)x;
    }
    size_t w = 0;
    if (kinesis_base64_encode_scalar_(src, n, enc, elen, &w) != KINESIS_OK || w != elen) return 1;

    printf("# 1 MiB buffers; dispatched path: %s\n",
           kinesis_base64_simd_active_() ? "AVX2" : "portable");
    const struct {
        const char *name;
        job j;
    } figures[] = {
        {"base64_encode_mb_per_s", {kinesis_base64_encode, NULL, src, n, enc, elen}},
        {"base64_decode_mb_per_s", {NULL, kinesis_base64_decode, enc, elen, dec, n}},
        {"base64_encode_scalar_mb_per_s", {kinesis_base64_encode_scalar_, NULL, src, n, enc, elen}},
        {"base64_decode_scalar_mb_per_s", {NULL, kinesis_base64_decode_scalar_, enc, elen, dec, n}},
    };
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        printf("BENCH %s %.0f MB/s\n", figures[i].name, bench(&figures[i].j, seconds));
    if (memcmp(dec, src, n) != 0) {
        fprintf(stderr, "round trip mismatch\n");
        return 1;
    }
    free(src);
    free(dec);
    free(enc);
    return 0;
}

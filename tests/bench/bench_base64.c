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

static double bench_encode(encode_fn f, const uint8_t *src, size_t n, char *out, size_t cap,
                           double seconds) {
    size_t w = 0;
    long k = 0;
    double t0 = now_s(), t;
    do {
        for (int j = 0; j < 8; j++) {
            if (f(src, n, out, cap, &w) != KINESIS_OK) {
                fprintf(stderr, "encode failed\n");
                exit(1);
            }
        }
        k += 8;
        t = now_s();
    } while (t - t0 < seconds);
    return (double)w * (double)k / (t - t0) / 1e6;
}

static double bench_decode(decode_fn f, const char *src, size_t n, uint8_t *out, size_t cap,
                           double seconds) {
    size_t w = 0;
    long k = 0;
    double t0 = now_s(), t;
    do {
        for (int j = 0; j < 8; j++) {
            if (f(src, n, out, cap, &w) != KINESIS_OK) {
                fprintf(stderr, "decode failed\n");
                exit(1);
            }
        }
        k += 8;
        t = now_s();
    } while (t - t0 < seconds);
    return (double)n * (double)k / (t - t0) / 1e6;
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
    printf("BENCH base64_encode_mb_per_s %.0f MB/s\n",
           bench_encode(kinesis_base64_encode, src, n, enc, elen, seconds));
    printf("BENCH base64_decode_mb_per_s %.0f MB/s\n",
           bench_decode(kinesis_base64_decode, enc, elen, dec, n, seconds));
    printf("BENCH base64_encode_scalar_mb_per_s %.0f MB/s\n",
           bench_encode(kinesis_base64_encode_scalar_, src, n, enc, elen, seconds));
    printf("BENCH base64_decode_scalar_mb_per_s %.0f MB/s\n",
           bench_decode(kinesis_base64_decode_scalar_, enc, elen, dec, n, seconds));
    if (memcmp(dec, src, n) != 0) {
        fprintf(stderr, "round trip mismatch\n");
        return 1;
    }
    free(src);
    free(dec);
    free(enc);
    return 0;
}

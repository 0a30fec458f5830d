/* SigV4 signing speed: a PutRecord request with a 200-byte body (signatures/s) and a PutRecords
 * request with a 1 MiB body (MB/s of body signed). Steady state: one shared signer, the signing
 * key cached, as in a client sending within one day.
 *
 * usage: bench_sigv4 [seconds per figure, default 3] [small|large (default both)]
 * Prints "BENCH <name> <value> <unit>" lines; tests/bench/bench_sigv4.sh puts them beside
 * botocore's and OpenSSL's figures. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinesis/signer.h"

/* Process CPU time, as `openssl speed` (user time unless -elapsed) and the botocore script
 * (time.process_time) use: figures stay comparable on a machine shared with other work. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signatures per CPU second, measured over `seconds` of CPU time. */
static double run(kinesis_signer *s, const kinesis_signable *req,
                  const kinesis_signing_params *params, double seconds) {
    kinesis_signing_result res;
    for (int i = 0; i < 100; i++) /* warm up: caches, key cache */
        if (kinesis_signer_sign(s, req, params, &res) != KINESIS_OK) {
            fprintf(stderr, "sign failed\n");
            exit(1);
        }
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 64; i++) kinesis_signer_sign(s, req, params, &res);
        n += 64;
        t = now_s();
    } while (t - t0 < seconds);
    return (double)n / (t - t0);
}

/* A JSON body of exactly `len` bytes shaped like the operation's (the signer only hashes it). */
static char *make_body(size_t len, const char *prefix, const char *suffix) {
    char *b = malloc(len + 1);
    if (!b) exit(1);
    size_t pl = strlen(prefix), sl = strlen(suffix);
    memcpy(b, prefix, pl);
    for (size_t i = pl; i < len - sl; i++)
        b[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"[i % 42];
    memcpy(b + len - sl, suffix, sl);
    b[len] = '\0';
    return b;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    if (seconds <= 0) seconds = 3.0;
    kinesis_signer *s = kinesis_signer_new_sigv4(NULL, NULL);
    if (!s) return 1;
    kinesis_credentials cred = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL, 0,
                                NULL};
    kinesis_signing_params params = {"us-east-1", "kinesis", 1440938160, &cred, 1, 1, 0, 0};

    const size_t small_len = 200, large_len = 1 << 20;
    char *small = make_body(
        small_len, "{\"StreamName\":\"bench-stream\",\"PartitionKey\":\"pk-1\",\"Data\":\"", "\"}");
    char *large = make_body(
        large_len,
        "{\"StreamName\":\"bench-stream\",\"Records\":[{\"PartitionKey\":\"pk\",\"Data\":\"",
        "\"}]}");
    kinesis_http_header put_record[] = {
        {"Host", "kinesis.us-east-1.amazonaws.com"},
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", "Kinesis_20131202.PutRecord"},
    };
    kinesis_http_header put_records[] = {
        {"Host", "kinesis.us-east-1.amazonaws.com"},
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", "Kinesis_20131202.PutRecords"},
    };
    kinesis_signable req_small = {"POST",   "/", "", put_record, 3, (const uint8_t *)small,
                                  small_len};
    kinesis_signable req_large = {"POST",   "/", "", put_records, 3, (const uint8_t *)large,
                                  large_len};

    const char *only = argc > 2 ? argv[2] : "";
    if (strcmp(only, "large") != 0) {
        double small_rate = run(s, &req_small, &params, seconds);
        printf("BENCH sigv4_small %.0f signatures/s\n", small_rate);
    }
    if (strcmp(only, "small") != 0) {
        double large_rate = run(s, &req_large, &params, seconds);
        printf("BENCH sigv4_large_signatures %.1f signatures/s\n", large_rate);
        printf("BENCH sigv4_large %.1f MB/s\n", large_rate * (double)large_len / 1e6);
    }

    kinesis_signer_destroy(s);
    free(small);
    free(large);
    return 0;
}

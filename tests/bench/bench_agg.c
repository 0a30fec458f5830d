/* Aggregation benchmark (not a test): pack and unpack N records of D bytes with K-character keys
 * on one thread, plus the in-process MD5 ceiling. Unpack is measured the batch way (MD5s of all
 * blobs checked together by kinesis_agg_check_md5_many, then each decoded) and one blob at a
 * time. Also the hash keys of the N partition keys, 64 at a time as the producer's put_batch()
 * hashes them (kinesis_hash_keys_of_partition_keys) and one by one (OpenSSL's MD5 per key).
 * Prints `BENCH <name> <value> <unit>` lines.
 * Records come from the xorshift32 generator that tests/bench/bench_agg_node.js also uses, so the
 * Node module sees the same input. Rates are per CPU-second of this process.
 * Usage: bench_agg [records] [data_bytes] [key_chars] */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinesis/agg.h"
#include "kinesis/hashkey.h"

static uint32_t seed = 12345;
static uint32_t rnd(void) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

/* CPU time of this process: `openssl speed` reports per CPU-second too, so the figures compare
 * even on a busy machine. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t dlen = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
    size_t klen = argc > 3 ? strtoul(argv[3], NULL, 10) : 16;
    char *keys = malloc(n * klen);
    uint8_t *data = malloc(n * dlen);
    if (!keys || !data) return 1;
    for (size_t i = 0; i < n; i++) {
        char *k = keys + i * klen;
        k[0] = ALNUM[rnd() % 52]; /* a letter first: never integer-like */
        for (size_t j = 1; j < klen; j++) k[j] = ALNUM[rnd() % 62];
        uint8_t *d = data + i * dlen;
        for (size_t j = 0; j < dlen; j++) d[j] = (uint8_t)(rnd() & 0xff);
    }

    kinesis_agg_encoder enc;
    if (kinesis_agg_encoder_init(&enc, NULL, NULL) != KINESIS_OK) return 1;

    /* Pack (timed): outputs are produced, not kept. Best of 9 runs (the machine may be shared). */
    double best_pack = 1e9;
    size_t blobs = 0, blob_bytes = 0;
    for (int run = 0; run < 9; run++) {
        blobs = blob_bytes = 0;
        double t0 = now_s();
        for (size_t i = 0; i <= n; i++) {
            kinesis_agg_record r = {0};
            if (i < n) {
                r.partition_key = keys + i * klen;
                r.partition_key_len = klen;
                r.data = data + i * dlen;
                r.data_len = dlen;
                kinesis_status st = kinesis_agg_encoder_add(&enc, &r);
                if (st == KINESIS_OK) continue;
                if (st != KINESIS_E_AGG_FULL) return 2;
            }
            kinesis_agg_output o;
            if (kinesis_agg_encoder_finish(&enc, &o) != KINESIS_OK) return 3;
            blobs++;
            blob_bytes += o.data_len;
            if (i < n && kinesis_agg_encoder_add(&enc, &r) != KINESIS_OK) return 4;
        }
        double t = now_s() - t0;
        if (t < best_pack) best_pack = t;
    }

    /* Pack again, keeping the blobs for the unpack run (untimed). */
    uint8_t *store = malloc(blob_bytes + 16);
    size_t *offs = malloc((blobs + 1) * sizeof(size_t));
    size_t nb = 0, pos = 0;
    for (size_t i = 0; i <= n; i++) {
        kinesis_agg_record r = {0};
        if (i < n) {
            r.partition_key = keys + i * klen;
            r.partition_key_len = klen;
            r.data = data + i * dlen;
            r.data_len = dlen;
            if (kinesis_agg_encoder_add(&enc, &r) == KINESIS_OK) continue;
        }
        kinesis_agg_output o;
        kinesis_agg_encoder_finish(&enc, &o);
        offs[nb++] = pos;
        memcpy(store + pos, o.data, o.data_len);
        pos += o.data_len;
        if (i < n) kinesis_agg_encoder_add(&enc, &r);
    }
    offs[nb] = pos;
    kinesis_agg_encoder_clean_up(&enc);

    /* Unpack (timed), best of 3: every user record visited. Batch path: the MD5s of all blobs
     * checked together (as a consumer does with a GetRecords batch), then each blob decoded. */
    const uint8_t **bp = malloc(nb * sizeof(*bp));
    size_t *bl = malloc(nb * sizeof(*bl));
    uint8_t *ok = malloc(nb);
    for (size_t b = 0; b < nb; b++) {
        bp[b] = store + offs[b];
        bl[b] = offs[b + 1] - offs[b];
    }
    size_t scratch_n = KINESIS_AGG_DECODER_SCRATCH_COUNT(KINESIS_AGG_DEFAULT_MAX_RECORD_BYTES);
    uint32_t *scratch = malloc(scratch_n * sizeof(uint32_t));
    kinesis_agg_decode_options dopt = {0};
    dopt.scratch = scratch;
    dopt.scratch_count = scratch_n;
    double best_unpack = 1e9, best_single = 1e9;
    size_t got = 0, sum = 0;
    for (int run = 0; run < 6; run++) {
        int batch = run % 2 == 0;
        got = 0;
        double t0 = now_s();
        if (batch) kinesis_agg_check_md5_many(NULL, nb, bp, bl, ok);
        for (size_t b = 0; b < nb; b++) {
            kinesis_agg_decoder d;
            dopt.md5_checked = batch && ok[b];
            if (kinesis_agg_decoder_init(&d, bp[b], bl[b], &dopt) != KINESIS_OK) return 5;
            if (kinesis_agg_decoder_outcome(&d) != KINESIS_AGG_AGGREGATED) return 7;
            kinesis_agg_user_record u;
            while (kinesis_agg_decoder_next(&d, &u)) {
                got++;
                sum += u.data_len + u.partition_key_len + u.data[0];
            }
        }
        double t = now_s() - t0;
        if (batch && t < best_unpack) best_unpack = t;
        if (!batch && t < best_single) best_single = t;
        if (got != n) return 6;
    }
    free(bp);
    free(bl);
    free(ok);

    /* In-process MD5 ceiling over 1 MiB buffers. */
    const kinesis_crypto *c = kinesis_crypto_default();
    size_t md5_bytes = 0;
    uint8_t dig[16];
    double t0 = now_s(), t;
    do {
        c->md5(c->user, store, 1u << 20, dig);
        md5_bytes += 1u << 20;
    } while ((t = now_s() - t0) < 1.0);

    /* Hash keys of the partition keys: 64 at a time, and one by one. Best of 9 each. */
    enum { KEY_CHUNK = 64 };
    const char *kp[KEY_CHUNK];
    size_t kl[KEY_CHUNK];
    kinesis_hash_key hk[KEY_CHUNK];
    uint64_t key_sum = 0;
    double best_keys = 1e9, best_keys_single = 1e9;
    for (int run = 0; run < 18; run++) {
        double k0 = now_s();
        for (size_t i = 0; i < n; i += KEY_CHUNK) {
            size_t m = n - i < KEY_CHUNK ? n - i : KEY_CHUNK;
            for (size_t j = 0; j < m; j++) {
                kp[j] = keys + (i + j) * klen;
                kl[j] = klen;
            }
            if (run % 2 == 0) {
                kinesis_hash_keys_of_partition_keys(NULL, m, kp, kl, hk);
            } else {
                for (size_t j = 0; j < m; j++)
                    hk[j] = kinesis_hash_key_of_partition_key(NULL, kp[j], kl[j]);
            }
            key_sum += hk[0].lo;
        }
        double kt = now_s() - k0;
        if (run % 2 == 0 && kt < best_keys) best_keys = kt;
        if (run % 2 == 1 && kt < best_keys_single) best_keys_single = kt;
    }

    printf("BENCH agg_records %zu records\n", n);
    printf("BENCH agg_blobs %zu blobs\n", nb);
    printf("BENCH agg_blob_bytes %zu bytes\n", blob_bytes);
    printf("BENCH agg_pack_records_per_s %.0f records/s\n", (double)n / best_pack);
    printf("BENCH agg_pack_bytes_per_s %.0f bytes/s\n", (double)blob_bytes / best_pack);
    printf("BENCH agg_pack_ns_per_record %.1f ns\n", best_pack * 1e9 / (double)n);
    printf("BENCH agg_unpack_records_per_s %.0f records/s\n", (double)n / best_unpack);
    printf("BENCH agg_unpack_bytes_per_s %.0f bytes/s\n", (double)blob_bytes / best_unpack);
    printf("BENCH agg_unpack_ns_per_record %.1f ns\n", best_unpack * 1e9 / (double)n);
    printf("BENCH agg_unpack_one_by_one_records_per_s %.0f records/s\n", (double)n / best_single);
    printf("BENCH agg_unpack_one_by_one_bytes_per_s %.0f bytes/s\n",
           (double)blob_bytes / best_single);
    printf("BENCH md5_inprocess_bytes_per_s %.0f bytes/s\n", (double)md5_bytes / t);
    printf("BENCH hash_keys_ns_per_key %.1f ns\n", best_keys * 1e9 / (double)n);
    printf("BENCH hash_keys_one_by_one_ns_per_key %.1f ns\n", best_keys_single * 1e9 / (double)n);
    fprintf(stderr, "(checksum %zu %02x %llu)\n", sum, dig[0], (unsigned long long)key_sum);
    free(keys);
    free(data);
    free(store);
    free(offs);
    free(scratch);
    return 0;
}

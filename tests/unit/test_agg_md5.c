/* Batch MD5 checking (kinesis_agg_check_md5_many, multi-buffer where the CPU allows) agrees with
 * the one-by-one MD5 for every length and batch size, flags corrupt and plain records, calls a
 * custom crypto once per candidate, and md5_checked decoding gives the same records. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_internal.h"
#include "kinesis/agg.h"

static uint32_t rs = 7;
static uint32_t rnd(void) {
    rs ^= rs << 13;
    rs ^= rs >> 17;
    rs ^= rs << 5;
    return rs;
}

/* Every lane width this CPU has (AVX-512, AVX2, one by one) against OpenSSL. */
static void md5_many_matches_one_by_one(void **state) {
    (void)state;
    const kinesis_crypto *c = kinesis_crypto_default();
    for (int round = 0; round < 1500; round++) {
        kinesis_agg_md5_lanes_cap_ = 2 - round / 500;
        int r = round % 500;
        size_t n = 1 + (size_t)r % 19;
        const uint8_t *msg[19];
        size_t len[19];
        uint8_t out[19][16];
        for (size_t i = 0; i < n; i++) {
            /* r 400+: all messages of one block (partition keys: the one-block path) */
            len[i] = r < 300 ? rnd() % 200 : r < 400 ? rnd() % 70000 : rnd() % 56;
            if (r % 50 == 0) len[i] = 55 + i;      /* the one/two padding block boundary */
            if (r % 50 == 1) len[i] = 55 - i % 56; /* the longest one-block messages, and 0 */
            uint8_t *m = malloc(len[i] + 1);
            for (size_t j = 0; j < len[i]; j++) m[j] = (uint8_t)rnd();
            msg[i] = m;
        }
        kinesis_agg_md5_many_(NULL, n, msg, len, out);
        for (size_t i = 0; i < n; i++) {
            uint8_t ref[16];
            c->md5(NULL, msg[i], len[i], ref);
            assert_memory_equal(ref, out[i], 16);
            free((void *)msg[i]);
        }
    }
    kinesis_agg_md5_lanes_cap_ = 2;
}

static int md5_calls;
static void counting_md5(void *user, const uint8_t *d, size_t n, uint8_t out[16]) {
    (void)user;
    md5_calls++;
    kinesis_crypto_default()->md5(NULL, d, n, out);
}

static void check_many_flags_and_decodes(void **state) {
    (void)state;
    /* 30 blobs of random records; every third corrupted, every fifth a plain record. */
    enum { N = 30 };
    uint8_t *blobs[N];
    size_t lens[N];
    int expect[N];
    kinesis_agg_encoder e;
    kinesis_agg_encoder_options eo = {0};
    eo.always_aggregate = 1;
    assert_int_equal(kinesis_agg_encoder_init(&e, &eo, NULL), KINESIS_OK);
    for (int b = 0; b < N; b++) {
        size_t recs = 1 + rnd() % 50;
        for (size_t i = 0; i < recs; i++) {
            char pk[16];
            uint8_t data[300];
            snprintf(pk, sizeof(pk), "k%u", rnd() % 40);
            size_t dl = rnd() % sizeof(data);
            for (size_t j = 0; j < dl; j++) data[j] = (uint8_t)rnd();
            kinesis_agg_record r = {pk, strlen(pk), NULL, 0, data, dl};
            assert_int_equal(kinesis_agg_encoder_add(&e, &r), KINESIS_OK);
        }
        kinesis_agg_output o;
        assert_int_equal(kinesis_agg_encoder_finish(&e, &o), KINESIS_OK);
        blobs[b] = malloc(o.data_len);
        memcpy(blobs[b], o.data, o.data_len);
        lens[b] = o.data_len;
        expect[b] = 1;
        if (b % 3 == 2) {
            blobs[b][4 + rnd() % (lens[b] - 20)] ^= 0x40;
            expect[b] = 0;
        }
        if (b % 5 == 4) {
            blobs[b][0] = 'x';
            expect[b] = 0;
        }
    }
    kinesis_agg_encoder_clean_up(&e);
    const uint8_t *bp[N];
    for (int b = 0; b < N; b++) bp[b] = blobs[b];
    uint8_t ok[N];
    assert_int_equal(kinesis_agg_check_md5_many(NULL, N, bp, lens, ok), KINESIS_OK);
    for (int b = 0; b < N; b++) assert_int_equal(ok[b], expect[b]);
    /* A custom crypto is used blob by blob, only for candidates (with the magic). */
    kinesis_crypto custom = *kinesis_crypto_default();
    custom.md5 = counting_md5;
    md5_calls = 0;
    uint8_t ok2[N];
    assert_int_equal(kinesis_agg_check_md5_many(&custom, N, bp, lens, ok2), KINESIS_OK);
    assert_memory_equal(ok, ok2, N);
    int candidates = 0;
    for (int b = 0; b < N; b++) candidates += b % 5 != 4;
    assert_int_equal(md5_calls, candidates);
    /* md5_checked decoding yields what plain decoding yields. */
    static uint32_t scratch[4096];
    for (int b = 0; b < N; b++) {
        kinesis_agg_decode_options o1 = {0}, o2 = {0};
        o1.scratch = o2.scratch = scratch;
        o1.scratch_count = o2.scratch_count = 4096;
        o2.md5_checked = ok[b];
        kinesis_agg_decoder d1, d2;
        assert_int_equal(kinesis_agg_decoder_init(&d1, blobs[b], lens[b], &o1), KINESIS_OK);
        uint64_t n1 = kinesis_agg_decoder_deliver_count(&d1);
        kinesis_agg_outcome oc1 = kinesis_agg_decoder_outcome(&d1);
        assert_int_equal(kinesis_agg_decoder_init(&d2, blobs[b], lens[b], &o2), KINESIS_OK);
        assert_int_equal(kinesis_agg_decoder_outcome(&d2), oc1);
        assert_int_equal(kinesis_agg_decoder_deliver_count(&d2), n1);
        assert_int_equal(oc1, expect[b] ? KINESIS_AGG_AGGREGATED : KINESIS_AGG_PASSTHROUGH);
        free(blobs[b]);
    }
    assert_int_equal(kinesis_agg_check_md5_many(NULL, 0, NULL, NULL, NULL), KINESIS_OK);
    assert_int_equal(kinesis_agg_check_md5_many(NULL, 1, NULL, lens, ok),
                     KINESIS_E_INVALID_ARGUMENT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(md5_many_matches_one_by_one),
        cmocka_unit_test(check_many_flags_and_decodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

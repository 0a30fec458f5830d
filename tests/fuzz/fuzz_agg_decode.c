/* libFuzzer target: the aggregation decoder on arbitrary bytes, in KCL mode (whole key space and
 * a half range) and strict mode. Checks the invariants a caller relies on: every view lies inside
 * the blob, sub-sequence numbers run 0..n-1, the delivered count matches the outcome. The first
 * input byte picks the options, the rest is the blob. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/agg.h"

static uint32_t scratch[KINESIS_AGG_DECODER_SCRATCH_COUNT(1u << 20)];

static void check_view(const uint8_t *blob, size_t len, const void *p, size_t n) {
    if (!p) {
        if (n) abort();
        return;
    }
    const uint8_t *q = p;
    if (q < blob || q + n > blob + len) abort();
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i++) sink ^= q[i]; /* let ASan see every byte */
    (void)sink;
}

/* ok (MD5 matched) must agree with the decoder's verdict on the MD5. */
static void check_md5_verdict(const kinesis_agg_decoder *d, uint8_t ok) {
    kinesis_status why = kinesis_agg_decoder_reason(d);
    int md5_bad = why == KINESIS_E_AGG_BAD_MAGIC || why == KINESIS_E_AGG_TOO_SHORT ||
                  why == KINESIS_E_AGG_BAD_MD5;
    if (ok == md5_bad) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > (1u << 20)) return 0;
    uint8_t sel = data[0];
    /* Copy so the blob has its own exact allocation for ASan to guard. */
    size_t len = size - 1;
    uint8_t *blob = malloc(len ? len : 1);
    if (!blob) return 0;
    memcpy(blob, data + 1, len);
    /* Inputs without the magic would only test the passthrough path: add it half the time, and
     * fix the MD5 so the protobuf parser is reached. */
    if ((sel & 1) && len >= 20) {
        static const uint8_t magic[4] = {0xF3, 0x89, 0x9A, 0xC2};
        memcpy(blob, magic, 4);
        kinesis_crypto_default()->md5(NULL, blob + 4, len - 20, blob + len - 16);
    }
    kinesis_agg_decode_options o;
    memset(&o, 0, sizeof(o));
    o.mode = (sel & 2) ? KINESIS_AGG_DECODE_STRICT : KINESIS_AGG_DECODE_KCL;
    if (sel & 4) {
        o.has_range = 1;
        o.range_start.hi = (sel & 8) ? (1ull << 63) : 0;
        o.range_end.hi = (sel & 8) ? UINT64_MAX : (1ull << 63) - 1;
        o.range_end.lo = UINT64_MAX;
    }
    if (sel & 16) {
        o.scratch = scratch;
        o.scratch_count = sizeof(scratch) / sizeof(scratch[0]);
    }
    kinesis_agg_decoder d;
    kinesis_status st = kinesis_agg_decoder_init(&d, blob, len, &o);
    kinesis_agg_user_record u;
    uint64_t n = 0;
    while (kinesis_agg_decoder_next(&d, &u)) {
        check_view(blob, len, u.partition_key, u.partition_key_len);
        check_view(blob, len, u.explicit_hash_key, u.explicit_hash_key_len);
        check_view(blob, len, u.data, u.data_len);
        if (u.sub_sequence_number != n) abort();
        n++;
    }
    if (st == KINESIS_OK) {
        if (n != kinesis_agg_decoder_deliver_count(&d)) abort();
        kinesis_agg_outcome oc = kinesis_agg_decoder_outcome(&d);
        if (oc == KINESIS_AGG_PASSTHROUGH && n != 1) abort();
        if (oc == KINESIS_AGG_DROPPED && n != 0) abort();
        if (oc == KINESIS_AGG_AGGREGATED && n != kinesis_agg_decoder_record_count(&d)) abort();
    } else if (n != 0) {
        abort();
    }
    /* The batch MD5 check agrees with the decoder, and decoding with md5_checked gives the same
     * outcome. */
    const uint8_t *bp[2] = {blob, blob};
    size_t bl[2] = {len, len};
    uint8_t oks[2] = {0, 0};
    if (kinesis_agg_check_md5_many(NULL, 2, bp, bl, oks) != KINESIS_OK) abort();
    if (oks[0] != oks[1]) abort();
    uint8_t ok = oks[0];
    if (st == KINESIS_OK && !(o.mode == KINESIS_AGG_DECODE_STRICT)) {
        check_md5_verdict(&d, ok);
        if (ok) {
            kinesis_agg_decoder d2;
            o.md5_checked = 1;
            if (kinesis_agg_decoder_init(&d2, blob, len, &o) != st) abort();
            if (kinesis_agg_decoder_outcome(&d2) != kinesis_agg_decoder_outcome(&d)) abort();
            if (kinesis_agg_decoder_deliver_count(&d2) != kinesis_agg_decoder_deliver_count(&d))
                abort();
        }
    }
    free(blob);
    return 0;
}

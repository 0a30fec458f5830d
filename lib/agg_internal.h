/* Shared helpers of the aggregation codec (lib/agg_*.c): protobuf varints and constants.
 * Not installed. */
#ifndef KINESIS_AGG_INTERNAL_H
#define KINESIS_AGG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kinesis/agg.h"
#include "kinesis/crypto.h"

#define KAGG_MD5_LEN 16
/* magic + MD5 trailer */
#define KAGG_OVERHEAD (4 + KAGG_MD5_LEN)

extern const uint8_t kinesis_agg_magic_[4];

/* MD5 of n messages: side by side in SIMD lanes with the default crypto where the CPU has AVX2
 * (AVX-512: one vector of sixteen lanes), KAGG_MD5_BATCH at a time, else one by one through
 * crypto->md5 (NULL = default). (lib/agg_md5x.c) Callers that gather messages to hash gather up
 * to KAGG_MD5_BATCH. */
#define KAGG_MD5_BATCH 16
void kinesis_agg_md5_many_(const kinesis_crypto *crypto, size_t n, const uint8_t *const msg[],
                           const size_t len[], uint8_t out[][KINESIS_MD5_LEN]);
/* For tests and benchmarks: the widest lanes kinesis_agg_md5_many_ may use (2: AVX-512,
 * 1: AVX2, 0: one by one), default 2. Set it before any thread hashes. */
extern int kinesis_agg_md5_lanes_cap_;

/* kinesis_agg_encoder_finish() without the MD5: an aggregate's last KINESIS_MD5_LEN bytes are
 * left for the caller to fill with the MD5 of data[4 .. data_len - 16), so that several
 * aggregates can be hashed side by side (kinesis_agg_md5_many_). Lone records are as finish()
 * gives them. (lib/agg_encode.c) */
kinesis_status kinesis_agg_encoder_finish_without_md5_(kinesis_agg_encoder *enc,
                                                       kinesis_agg_output *out);

/* Protobuf tags used by the KPL's messages.proto (field number << 3 | wire type). */
#define KAGG_TAG_PK_TABLE 0x0A  /* AggregatedRecord.partition_key_table, 1, bytes */
#define KAGG_TAG_EHK_TABLE 0x12 /* AggregatedRecord.explicit_hash_key_table, 2, bytes */
#define KAGG_TAG_RECORDS 0x1A   /* AggregatedRecord.records, 3, message */
#define KAGG_TAG_PK_INDEX 0x08  /* Record.partition_key_index, 1, varint */
#define KAGG_TAG_EHK_INDEX 0x10 /* Record.explicit_hash_key_index, 2, varint */
#define KAGG_TAG_DATA 0x1A      /* Record.data, 3, bytes */

static inline size_t kagg_varint_len(uint64_t v) {
#if defined(__GNUC__)
    return v < 0x80 ? 1 : (size_t)(70 - __builtin_clzll(v)) / 7; /* ceil(bits / 7) */
#endif
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint8_t *kagg_varint_put(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Read a varint from [*p, end) as protobuf-java's readRawVarint64 does: at most 10 bytes, bits
 * past 64 dropped. Returns 0 on truncation or a varint longer than 10 bytes. */
int kagg_varint_get_long_(const uint8_t **p, const uint8_t *end, uint64_t *out);

static inline int kagg_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *out) {
    const uint8_t *q = *p;
    if (q < end && *q < 0x80) { /* the common one-byte case, inlined */
        *out = *q;
        *p = q + 1;
        return 1;
    }
    return kagg_varint_get_long_(p, end, out);
}

#endif

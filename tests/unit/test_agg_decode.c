#define _POSIX_C_SOURCE 200809L
/* Aggregation decoder edge cases, on hand-built protobuf: protobuf-java wire rules (unknown
 * fields of every wire type, groups and their depth limit, field number 0, wire types 6/7,
 * truncated varint32 lengths), KCL index and BigInteger semantics, the keep-prefix and drop-whole
 * outcomes, strict statuses, and the key-index scratch. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/agg.h"

typedef struct pbuf {
    uint8_t b[70000];
    size_t n;
} pbuf;

static void put(pbuf *p, const void *d, size_t n) {
    memcpy(p->b + p->n, d, n);
    p->n += n;
}
static void byte(pbuf *p, uint8_t c) { p->b[p->n++] = c; }
static void varint(pbuf *p, uint64_t v) {
    while (v >= 0x80) {
        byte(p, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    byte(p, (uint8_t)v);
}
static void lenfield(pbuf *p, uint32_t field, const void *d, size_t n) {
    varint(p, (uint64_t)field << 3 | 2);
    varint(p, n);
    put(p, d, n);
}
static void str(pbuf *p, uint32_t field, const char *s) { lenfield(p, field, s, strlen(s)); }

/* A Record message: pk index, optional ehk index (-1 = none), data. */
static void record(pbuf *top, uint64_t pk, int64_t ehk, const char *data) {
    pbuf r = {.n = 0};
    byte(&r, 0x08);
    varint(&r, pk);
    if (ehk >= 0) {
        byte(&r, 0x10);
        varint(&r, (uint64_t)ehk);
    }
    str(&r, 3, data);
    lenfield(top, 3, r.b, r.n);
}

/* magic + pb + md5 into a static buffer. */
static uint8_t *blob_of(const pbuf *pb, size_t *len) {
    static uint8_t out[80000];
    static const uint8_t magic[4] = {0xF3, 0x89, 0x9A, 0xC2};
    memcpy(out, magic, 4);
    memcpy(out + 4, pb->b, pb->n);
    kinesis_crypto_default()->md5(NULL, pb->b, pb->n, out + 4 + pb->n);
    *len = pb->n + 20;
    return out;
}

static kinesis_agg_decoder dec;

static kinesis_status decode(const pbuf *pb, int strict, const kinesis_agg_decode_options *base) {
    kinesis_agg_decode_options o = {0};
    if (base) o = *base;
    o.mode = strict ? KINESIS_AGG_DECODE_STRICT : KINESIS_AGG_DECODE_KCL;
    size_t len;
    uint8_t *b = blob_of(pb, &len);
    return kinesis_agg_decoder_init(&dec, b, len, &o);
}

static void expect_kcl(const pbuf *pb, kinesis_agg_outcome oc, kinesis_status reason,
                       uint64_t deliver) {
    assert_int_equal(decode(pb, 0, NULL), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_outcome(&dec), oc);
    assert_int_equal(kinesis_agg_decoder_reason(&dec), reason);
    assert_int_equal(kinesis_agg_decoder_deliver_count(&dec), deliver);
    kinesis_agg_user_record u;
    uint64_t n = 0;
    while (kinesis_agg_decoder_next(&dec, &u)) n++;
    assert_int_equal(n, deliver);
}

static void base_tables(pbuf *p) {
    str(p, 1, "k0");
    str(p, 1, "k1");
    str(p, 2, "5");
}

static void any_field_order(void **state) {
    (void)state;
    pbuf p = {.n = 0};
    record(&p, 1, 0, "x");
    base_tables(&p);
    record(&p, 0, -1, "yy");
    expect_kcl(&p, KINESIS_AGG_AGGREGATED, KINESIS_OK, 2);
    decode(&p, 0, NULL);
    kinesis_agg_user_record u;
    assert_int_equal(kinesis_agg_decoder_next(&dec, &u), 1);
    assert_memory_equal(u.partition_key, "k1", 2);
    assert_memory_equal(u.explicit_hash_key, "5", 1);
    assert_int_equal(kinesis_agg_decoder_next(&dec, &u), 1);
    assert_memory_equal(u.partition_key, "k0", 2);
    assert_null(u.explicit_hash_key);
    assert_int_equal(u.data_len, 2);
    assert_int_equal(u.sub_sequence_number, 1);
    assert_int_equal(decode(&p, 1, NULL), KINESIS_OK);
}

static void unknown_fields_skipped(void **state) {
    (void)state;
    pbuf p = {.n = 0};
    base_tables(&p);
    byte(&p, 9 << 3 | 0); /* varint */
    varint(&p, 123456789);
    byte(&p, 10 << 3 | 1); /* fixed64 */
    put(&p, "12345678", 8);
    byte(&p, 11 << 3 | 5); /* fixed32 */
    put(&p, "1234", 4);
    str(&p, 12, "bytes");
    byte(&p, 13 << 3 | 3); /* group with content */
    byte(&p, 1 << 3 | 0);
    byte(&p, 1);
    byte(&p, 13 << 3 | 4);
    /* a record with unknown fields and a tag */
    pbuf r = {.n = 0};
    byte(&r, 0x08);
    byte(&r, 0);
    byte(&r, 7 << 3 | 0);
    byte(&r, 1);
    pbuf tag = {.n = 0};
    str(&tag, 1, "key");
    str(&tag, 2, "value");
    lenfield(&r, 4, tag.b, tag.n);
    byte(&r, 8 << 3 | 3);
    byte(&r, 8 << 3 | 4);
    str(&r, 3, "data");
    /* wrong wire type for a known field: unknown, skipped */
    str(&r, 1, "not-a-varint");
    lenfield(&p, 3, r.b, r.n);
    expect_kcl(&p, KINESIS_AGG_AGGREGATED, KINESIS_OK, 1);
    assert_int_equal(decode(&p, 1, NULL), KINESIS_OK);
}

static void malformed_protobuf(void **state) {
    (void)state;
    /* Each variant appended to valid tables + one record. */
    for (int v = 0; v < 12; v++) {
        pbuf p = {.n = 0};
        base_tables(&p);
        record(&p, 0, -1, "d");
        pbuf r = {.n = 0};
        switch (v) {
        case 0:
            byte(&p, 0x00);
            break; /* field number 0 */
        case 1:
            byte(&p, 1 << 3 | 6);
            break; /* wire type 6 */
        case 2:
            byte(&p, 1 << 3 | 7);
            break; /* wire type 7 */
        case 3:
            byte(&p, 5 << 3 | 4);
            break; /* end group without a start */
        case 4:
            byte(&p, 5 << 3 | 3);
            byte(&p, 6 << 3 | 4);
            break; /* mismatched end */
        case 5:
            byte(&p, 5 << 3 | 3);
            break; /* unterminated group */
        case 6:
            byte(&p, 0x0A);
            byte(&p, 5);
            put(&p, "ab", 2);
            break; /* truncated string */
        case 7:    /* 11-byte varint */
            byte(&p, 9 << 3);
            for (int i = 0; i < 10; i++) byte(&p, 0x80);
            byte(&p, 0);
            break;
        case 8: /* negative length (varint32 = -1) */
            byte(&p, 0x0A);
            for (int i = 0; i < 9; i++) byte(&p, 0xFF);
            byte(&p, 0x01);
            break;
        case 9: /* record without data */
            byte(&r, 0x08);
            byte(&r, 0);
            lenfield(&p, 3, r.b, r.n);
            break;
        case 10: /* record without pk index */
            str(&r, 3, "x");
            lenfield(&p, 3, r.b, r.n);
            break;
        case 11: { /* tag without key */
            pbuf tag = {.n = 0};
            str(&tag, 2, "value");
            byte(&r, 0x08);
            byte(&r, 0);
            str(&r, 3, "x");
            lenfield(&r, 4, tag.b, tag.n);
            lenfield(&p, 3, r.b, r.n);
            break;
        }
        }
        expect_kcl(&p, KINESIS_AGG_PASSTHROUGH, KINESIS_E_AGG_BAD_PROTOBUF, 1);
        assert_int_equal(decode(&p, 1, NULL), KINESIS_E_AGG_BAD_PROTOBUF);
    }
}

static void group_depth_limit(void **state) {
    (void)state;
    /* protobuf-java's recursion limit (100): 100 nested groups at top level parse, 101 do not;
     * inside a record (already one level deep) 99 parse, 100 do not. */
    for (int depth = 99; depth <= 101; depth++) {
        for (int in_record = 0; in_record < 2; in_record++) {
            pbuf p = {.n = 0};
            base_tables(&p);
            pbuf g = {.n = 0};
            for (int i = 0; i < depth; i++) byte(&g, 5 << 3 | 3);
            for (int i = 0; i < depth; i++) byte(&g, 5 << 3 | 4);
            if (in_record) {
                pbuf r = {.n = 0};
                byte(&r, 0x08);
                byte(&r, 0);
                str(&r, 3, "x");
                put(&r, g.b, g.n);
                lenfield(&p, 3, r.b, r.n);
            } else {
                put(&p, g.b, g.n);
                record(&p, 0, -1, "x");
            }
            int ok = depth <= (in_record ? 99 : 100);
            if (ok)
                expect_kcl(&p, KINESIS_AGG_AGGREGATED, KINESIS_OK, 1);
            else
                expect_kcl(&p, KINESIS_AGG_PASSTHROUGH, KINESIS_E_AGG_BAD_PROTOBUF, 1);
        }
    }
}

static void varint32_length_truncated_like_java(void **state) {
    (void)state;
    /* A data length written as 3 + 2^32 in 5 bytes reads as 3 (readRawVarint32). */
    pbuf p = {.n = 0};
    base_tables(&p);
    pbuf r = {.n = 0};
    byte(&r, 0x08);
    byte(&r, 0);
    byte(&r, 0x1A);
    put(&r, "\x83\x80\x80\x80\x10", 5);
    put(&r, "abc", 3);
    lenfield(&p, 3, r.b, r.n);
    expect_kcl(&p, KINESIS_AGG_AGGREGATED, KINESIS_OK, 1);
    decode(&p, 0, NULL);
    kinesis_agg_user_record u;
    assert_int_equal(kinesis_agg_decoder_next(&dec, &u), 1);
    assert_int_equal(u.data_len, 3);
    assert_memory_equal(u.data, "abc", 3);
}

static void kcl_index_semantics(void **state) {
    (void)state;
    /* 2^32 casts to Java int 0: valid for the KCL, an error in strict mode. */
    pbuf p = {.n = 0};
    base_tables(&p);
    record(&p, 1ull << 32, -1, "a");
    expect_kcl(&p, KINESIS_AGG_AGGREGATED, KINESIS_OK, 1);
    decode(&p, 0, NULL);
    kinesis_agg_user_record u;
    kinesis_agg_decoder_next(&dec, &u);
    assert_memory_equal(u.partition_key, "k0", 2);
    assert_int_equal(decode(&p, 1, NULL), KINESIS_E_AGG_BAD_INDEX);
    /* 2^31 casts to a negative int: IndexOutOfBounds, records before it kept. */
    p.n = 0;
    base_tables(&p);
    record(&p, 0, -1, "a");
    record(&p, 1, 0, "b");
    record(&p, 1ull << 31, -1, "c");
    record(&p, 0, -1, "d");
    expect_kcl(&p, KINESIS_AGG_PARTIAL, KINESIS_E_AGG_BAD_INDEX, 2);
    assert_int_equal(kinesis_agg_decoder_error_record(&dec), 2);
    assert_int_equal(decode(&p, 1, NULL), KINESIS_E_AGG_BAD_INDEX);
    /* ehk index out of range */
    p.n = 0;
    base_tables(&p);
    record(&p, 0, 1, "a");
    expect_kcl(&p, KINESIS_AGG_PARTIAL, KINESIS_E_AGG_BAD_INDEX, 0);
    /* last occurrence of the pk index wins */
    p.n = 0;
    base_tables(&p);
    pbuf r = {.n = 0};
    byte(&r, 0x08);
    byte(&r, 9);
    str(&r, 3, "x");
    byte(&r, 0x08);
    byte(&r, 1);
    lenfield(&p, 3, r.b, r.n);
    expect_kcl(&p, KINESIS_AGG_AGGREGATED, KINESIS_OK, 1);
    decode(&p, 0, NULL);
    kinesis_agg_decoder_next(&dec, &u);
    assert_memory_equal(u.partition_key, "k1", 2);
}

static void kcl_biginteger_semantics(void **state) {
    (void)state;
    struct {
        const char *ehk;
        kinesis_agg_outcome kcl;
        kinesis_status strict;
    } cases[] = {
        {"+5", KINESIS_AGG_AGGREGATED, KINESIS_E_AGG_BAD_HASH_KEY},
        {"-0", KINESIS_AGG_AGGREGATED, KINESIS_E_AGG_BAD_HASH_KEY},
        {"0007", KINESIS_AGG_AGGREGATED, KINESIS_OK},
        {"340282366920938463463374607431768211455", KINESIS_AGG_AGGREGATED, KINESIS_OK},
        {"-5", KINESIS_AGG_DROPPED, KINESIS_E_AGG_BAD_HASH_KEY},
        {"340282366920938463463374607431768211456", KINESIS_AGG_DROPPED,
         KINESIS_E_AGG_BAD_HASH_KEY},
        {"00000000000000000000000000000000000000000000001", KINESIS_AGG_AGGREGATED, KINESIS_OK},
        {"1000000000000000000000000000000000000000000000", KINESIS_AGG_DROPPED,
         KINESIS_E_AGG_BAD_HASH_KEY},
        {"", KINESIS_AGG_PARTIAL, KINESIS_E_AGG_BAD_HASH_KEY},
        {"-", KINESIS_AGG_PARTIAL, KINESIS_E_AGG_BAD_HASH_KEY},
        {"1 ", KINESIS_AGG_PARTIAL, KINESIS_E_AGG_BAD_HASH_KEY},
        {"0x10", KINESIS_AGG_PARTIAL, KINESIS_E_AGG_BAD_HASH_KEY},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pbuf p = {.n = 0};
        str(&p, 1, "k");
        str(&p, 2, cases[i].ehk);
        record(&p, 0, -1, "first");
        record(&p, 0, 0, "second");
        assert_int_equal(decode(&p, 0, NULL), KINESIS_OK);
        assert_int_equal(kinesis_agg_decoder_outcome(&dec), cases[i].kcl);
        uint64_t want = cases[i].kcl == KINESIS_AGG_AGGREGATED ? 2
                        : cases[i].kcl == KINESIS_AGG_PARTIAL  ? 1
                                                               : 0;
        assert_int_equal(kinesis_agg_decoder_deliver_count(&dec), want);
        if (want == 2) {
            kinesis_agg_user_record u;
            kinesis_agg_decoder_next(&dec, &u);
            kinesis_agg_decoder_next(&dec, &u);
            assert_int_equal(u.explicit_hash_key_len, strlen(cases[i].ehk));
            assert_memory_equal(u.explicit_hash_key, cases[i].ehk, strlen(cases[i].ehk));
        }
        assert_int_equal(decode(&p, 1, NULL), cases[i].strict);
    }
}

static void range_by_partition_key_md5(void **state) {
    (void)state;
    /* MD5("pk-0001") = 16068342496166492614654900242416218739 < 2^127. */
    pbuf p = {.n = 0};
    str(&p, 1, "pk-0001");
    record(&p, 0, -1, "a");
    kinesis_agg_decode_options o = {0};
    o.has_range = 1;
    o.range_end = (kinesis_hash_key){(1ull << 63) - 1, UINT64_MAX};
    assert_int_equal(decode(&p, 0, &o), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_outcome(&dec), KINESIS_AGG_AGGREGATED);
    o.range_start = (kinesis_hash_key){1ull << 63, 0};
    o.range_end = (kinesis_hash_key){UINT64_MAX, UINT64_MAX};
    assert_int_equal(decode(&p, 0, &o), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_outcome(&dec), KINESIS_AGG_DROPPED);
    assert_int_equal(decode(&p, 1, &o), KINESIS_E_AGG_OUT_OF_RANGE);
    /* Exactly at the bounds. */
    o.range_start = kinesis_hash_key_of_partition_key(NULL, "pk-0001", 7);
    o.range_end = o.range_start;
    assert_int_equal(decode(&p, 1, &o), KINESIS_OK);
    o.range_start.lo++;
    o.range_end.lo++;
    assert_int_equal(decode(&p, 1, &o), KINESIS_E_AGG_OUT_OF_RANGE);
}

/* The range is decided by the keys the records use, not by every key-table entry: an unused
 * entry out of range changes nothing (the decoder's table-wide shortcut must then fall back to
 * the per-record check), and one record using it drops the whole aggregate. */
static void range_decided_by_the_keys_records_use(void **state) {
    (void)state;
    kinesis_agg_decode_options o = {0};
    o.has_range = 1; /* the lower half: MD5("pk-0001") is in it, MD5("pk-0002") is not */
    o.range_end = (kinesis_hash_key){(1ull << 63) - 1, UINT64_MAX};
    pbuf p = {.n = 0};
    str(&p, 1, "pk-0001");
    str(&p, 1, "pk-0002");
    str(&p, 2, "340282366920938463463374607431768211455");
    str(&p, 2, "5");
    record(&p, 0, -1, "a");
    record(&p, 1, 1, "b"); /* pk out of range, but its explicit hash key 5 is in */
    assert_int_equal(decode(&p, 0, &o), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_outcome(&dec), KINESIS_AGG_AGGREGATED);
    assert_int_equal(kinesis_agg_decoder_deliver_count(&dec), 2);
    assert_int_equal(decode(&p, 1, &o), KINESIS_OK);
    pbuf q = p;
    record(&q, 0, 0, "c"); /* the explicit hash key 2^128-1 */
    assert_int_equal(decode(&q, 0, &o), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_outcome(&dec), KINESIS_AGG_DROPPED);
    assert_int_equal(kinesis_agg_decoder_error_record(&dec), 2);
    q = p;
    record(&q, 1, -1, "c"); /* MD5("pk-0002") */
    assert_int_equal(decode(&q, 1, &o), KINESIS_E_AGG_OUT_OF_RANGE);
    /* Every entry in range: all delivered. */
    p.n = 0;
    str(&p, 1, "pk-0001");
    str(&p, 2, "5");
    record(&p, 0, -1, "a");
    record(&p, 0, 0, "b");
    assert_int_equal(decode(&p, 1, &o), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_deliver_count(&dec), 2);
    p.n = 0; /* every partition key in range, the explicit hash key a record uses is not */
    str(&p, 1, "pk-0001");
    str(&p, 2, "340282366920938463463374607431768211455");
    record(&p, 0, -1, "a");
    record(&p, 0, 0, "b");
    assert_int_equal(decode(&p, 0, &o), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_outcome(&dec), KINESIS_AGG_DROPPED);
    /* The whole key space as a range: no key is out of it, but an explicit hash key of 2^128
     * still is. */
    o.range_end = (kinesis_hash_key){UINT64_MAX, UINT64_MAX};
    p.n = 0;
    str(&p, 1, "pk-0002");
    str(&p, 2, "340282366920938463463374607431768211456");
    record(&p, 0, -1, "a");
    assert_int_equal(decode(&p, 1, &o), KINESIS_OK);
    record(&p, 0, 0, "b");
    assert_int_equal(decode(&p, 0, &o), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_outcome(&dec), KINESIS_AGG_DROPPED);
}

/* Records in other layouts than the usual (pk index, ehk index, data) read the same as through
 * protobuf-java: fields in any order, a repeated scalar (the last wins), an unknown field after
 * the data. */
static void record_layouts(void **state) {
    (void)state;
    static const uint8_t reversed[] = {0x1A, 0x01, 'x', 0x10, 0x00, 0x08, 0x01};
    static const uint8_t repeated[] = {0x08, 0x00, 0x08, 0x01, 0x1A, 0x01, 'y'};
    static const uint8_t trailing[] = {0x08, 0x01, 0x1A, 0x01, 'z', 0x28, 0x05};
    static const uint8_t data_twice[] = {0x08, 0x01, 0x1A, 0x01, 'v', 0x1A, 0x01, 'w'};
    const uint8_t *recs[] = {reversed, repeated, trailing, data_twice};
    const size_t lens[] = {sizeof reversed, sizeof repeated, sizeof trailing, sizeof data_twice};
    const char want_data[] = {'x', 'y', 'z', 'w'};
    pbuf p = {.n = 0};
    str(&p, 1, "k0");
    str(&p, 1, "k1");
    str(&p, 2, "7");
    for (size_t i = 0; i < 4; i++) lenfield(&p, 3, recs[i], lens[i]);
    assert_int_equal(decode(&p, 1, NULL), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_deliver_count(&dec), 4);
    kinesis_agg_user_record u;
    for (size_t i = 0; i < 4; i++) {
        assert_true(kinesis_agg_decoder_next(&dec, &u));
        assert_int_equal(u.partition_key_len, 2);
        assert_memory_equal(u.partition_key, "k1", 2);
        assert_int_equal(u.data_len, 1);
        assert_int_equal(u.data[0], want_data[i]);
        assert_int_equal(u.explicit_hash_key != NULL, i == 0);
    }
    assert_false(kinesis_agg_decoder_next(&dec, &u));
}

static void zero_records_and_scratch(void **state) {
    (void)state;
    pbuf p = {.n = 0};
    str(&p, 1, "only-a-table");
    expect_kcl(&p, KINESIS_AGG_AGGREGATED, KINESIS_OK, 0);
    /* 200 keys: more than the inline index holds. */
    p.n = 0;
    char k[16];
    for (int i = 0; i < 200; i++) {
        snprintf(k, sizeof(k), "key%d", i);
        str(&p, 1, k);
    }
    for (int i = 199; i >= 0; i--) record(&p, (uint64_t)i, -1, "d");
    assert_int_equal(decode(&p, 0, NULL), KINESIS_E_BUFFER_TOO_SMALL);
    assert_int_equal(kinesis_agg_decoder_scratch_needed(&dec), 200);
    kinesis_agg_user_record u;
    assert_int_equal(kinesis_agg_decoder_next(&dec, &u), 0);
    uint32_t scratch[200];
    kinesis_agg_decode_options o = {0};
    o.scratch = scratch;
    o.scratch_count = 199;
    assert_int_equal(decode(&p, 0, &o), KINESIS_E_BUFFER_TOO_SMALL);
    o.scratch_count = 200;
    assert_int_equal(decode(&p, 0, &o), KINESIS_OK);
    for (int i = 199; i >= 0; i--) {
        assert_int_equal(kinesis_agg_decoder_next(&dec, &u), 1);
        snprintf(k, sizeof(k), "key%d", i);
        assert_int_equal(u.partition_key_len, strlen(k));
        assert_memory_equal(u.partition_key, k, strlen(k));
    }
    assert_int_equal(kinesis_agg_decoder_next(&dec, &u), 0);
}

static void short_and_plain_inputs(void **state) {
    (void)state;
    kinesis_agg_user_record u;
    assert_int_equal(kinesis_agg_decoder_init(&dec, NULL, 0, NULL), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_outcome(&dec), KINESIS_AGG_PASSTHROUGH);
    assert_int_equal(kinesis_agg_decoder_next(&dec, &u), 1);
    assert_int_equal(u.data_len, 0);
    assert_int_equal(kinesis_agg_decoder_init(&dec, (const uint8_t *)"\xF3\x89\x9A", 3, NULL),
                     KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_reason(&dec), KINESIS_E_AGG_BAD_MAGIC);
    uint8_t b21[21] = {0xF3, 0x89, 0x9A, 0xC2};
    assert_int_equal(kinesis_agg_decoder_init(&dec, b21, 20, NULL), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_reason(&dec), KINESIS_E_AGG_TOO_SHORT);
    assert_int_equal(kinesis_agg_decoder_init(&dec, b21, 21, NULL), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_reason(&dec), KINESIS_E_AGG_BAD_MD5);
    assert_int_equal(kinesis_agg_decoder_init(NULL, b21, 21, NULL), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_agg_decoder_init(&dec, NULL, 5, NULL), KINESIS_E_INVALID_ARGUMENT);
    assert_true(kinesis_agg_has_magic(b21, 4));
    assert_false(kinesis_agg_has_magic(b21, 3));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(any_field_order),
        cmocka_unit_test(unknown_fields_skipped),
        cmocka_unit_test(malformed_protobuf),
        cmocka_unit_test(group_depth_limit),
        cmocka_unit_test(varint32_length_truncated_like_java),
        cmocka_unit_test(kcl_index_semantics),
        cmocka_unit_test(kcl_biginteger_semantics),
        cmocka_unit_test(range_by_partition_key_md5),
        cmocka_unit_test(range_decided_by_the_keys_records_use),
        cmocka_unit_test(record_layouts),
        cmocka_unit_test(zero_records_and_scratch),
        cmocka_unit_test(short_and_plain_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

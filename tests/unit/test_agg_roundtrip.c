/* Aggregation encoder properties: random round trips (multi-byte UTF-8 keys, sizes from 0 to the
 * limit, with and without explicit hash keys) in allocating and caller-memory modes; the size
 * rule at its exact boundary; input validation; an encoder left unchanged by a refused record;
 * no leaks and clean out-of-memory failures. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/agg.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static size_t rnd_below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static size_t vlen(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* A random valid partition key of 1..max_chars characters mixing 1- to 4-byte UTF-8. Avoids
 * integer-like keys so the same generator serves the Node cross-check. */
static size_t random_pk(char *out, size_t max_chars) {
    static const char *pieces[] = {"a",
                                   "Z",
                                   "-",
                                   "_",
                                   "k",
                                   "\xc3\xa9",
                                   "\xd0\xba",
                                   "\xe6\x97\xa5",
                                   "\xe9\x8d\xb5",
                                   "\xf0\x9f\x94\x91"};
    size_t chars = 1 + rnd_below(max_chars), n = 0;
    out[n++] = 'k';
    for (size_t i = 1; i < chars; i++) {
        const char *p = pieces[rnd_below(10)];
        size_t l = strlen(p);
        memcpy(out + n, p, l);
        n += l;
    }
    out[n] = 0;
    return n;
}

typedef struct rec {
    char pk[1100];
    size_t pk_len;
    char ehk[60];
    int has_ehk;
    char ehk_canon[KINESIS_HASH_KEY_DECIMAL_MAX];
    uint8_t *data;
    size_t data_len;
} rec;

static void random_rec(rec *r, size_t max_data, const rec *reuse) {
    if (reuse && rnd_below(3) == 0) {
        memcpy(r->pk, reuse->pk, sizeof(r->pk));
        r->pk_len = reuse->pk_len;
    } else {
        r->pk_len = random_pk(r->pk, rnd_below(4) == 0 ? 256 : 20);
    }
    r->has_ehk = rnd_below(3) == 0;
    if (r->has_ehk) {
        if (reuse && reuse->has_ehk && rnd_below(2) == 0) {
            memcpy(r->ehk, reuse->ehk, sizeof(r->ehk));
        } else {
            kinesis_hash_key k = {rnd(), rnd()};
            if (rnd_below(4) == 0) k.hi = 0;
            char d[KINESIS_HASH_KEY_DECIMAL_MAX];
            kinesis_hash_key_format(k, d);
            /* Sometimes with leading zeros: the encoder must normalize. */
            snprintf(r->ehk, sizeof(r->ehk), "%s%s", rnd_below(4) == 0 ? "000" : "", d);
        }
        kinesis_hash_key k;
        assert_int_equal(kinesis_hash_key_parse(r->ehk, strlen(r->ehk), &k), KINESIS_OK);
        kinesis_hash_key_format(k, r->ehk_canon);
    }
    r->data_len = rnd_below(4) == 0 ? 0 : rnd_below(max_data + 1);
    r->data = malloc(r->data_len + 1);
    for (size_t i = 0; i < r->data_len; i++) r->data[i] = (uint8_t)rnd();
}

static kinesis_agg_record as_record(const rec *r) {
    kinesis_agg_record a = {
        r->pk,   r->pk_len,  r->has_ehk ? r->ehk : NULL, r->has_ehk ? strlen(r->ehk) : 0,
        r->data, r->data_len};
    return a;
}

/* Check one finished output against recs[first..first+count). */
static void check_output(const kinesis_agg_output *o, const rec *recs, size_t first,
                         uint32_t limit) {
    assert_true(o->data_len + o->partition_key_len <= limit);
    if (!o->aggregated) {
        assert_int_equal(o->record_count, 1);
        const rec *r = &recs[first];
        assert_int_equal(o->data_len, r->data_len);
        if (r->data_len) assert_memory_equal(o->data, r->data, r->data_len);
        assert_int_equal(o->partition_key_len, r->pk_len);
        assert_memory_equal(o->partition_key, r->pk, r->pk_len);
        if (r->has_ehk)
            assert_string_equal(o->explicit_hash_key, r->ehk_canon);
        else
            assert_null(o->explicit_hash_key);
        return;
    }
    assert_memory_equal(o->partition_key, "a", 1);
    static uint32_t
        scratch[KINESIS_AGG_DECODER_SCRATCH_COUNT(KINESIS_AGG_DEFAULT_MAX_RECORD_BYTES)];
    kinesis_agg_decode_options dopt = {0};
    dopt.mode = KINESIS_AGG_DECODE_STRICT;
    dopt.scratch = scratch;
    dopt.scratch_count = sizeof(scratch) / sizeof(scratch[0]);
    kinesis_agg_decoder d;
    assert_int_equal(kinesis_agg_decoder_init(&d, o->data, o->data_len, &dopt), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_record_count(&d), o->record_count);
    kinesis_agg_user_record u;
    for (uint32_t i = 0; i < o->record_count; i++) {
        const rec *r = &recs[first + i];
        assert_int_equal(kinesis_agg_decoder_next(&d, &u), 1);
        assert_int_equal(u.sub_sequence_number, i);
        assert_int_equal(u.partition_key_len, r->pk_len);
        assert_memory_equal(u.partition_key, r->pk, r->pk_len);
        if (r->has_ehk) {
            assert_int_equal(u.explicit_hash_key_len, strlen(r->ehk_canon));
            assert_memory_equal(u.explicit_hash_key, r->ehk_canon, u.explicit_hash_key_len);
        } else {
            assert_null(u.explicit_hash_key);
        }
        assert_int_equal(u.data_len, r->data_len);
        if (r->data_len) assert_memory_equal(u.data, r->data, r->data_len);
    }
    assert_int_equal(kinesis_agg_decoder_next(&d, &u), 0);
    /* Outer EHK = the first record's effective hash key. */
    kinesis_agg_record a = as_record(&recs[first]);
    kinesis_hash_key k;
    assert_int_equal(kinesis_agg_effective_hash_key(NULL, &a, &k), KINESIS_OK);
    char dec[KINESIS_HASH_KEY_DECIMAL_MAX];
    kinesis_hash_key_format(k, dec);
    assert_string_equal(o->explicit_hash_key, dec);
}

/* Size an aggregate of recs[first..first+n) would have (blob + outer key), computed from the
 * format independently of the encoder. */
static size_t model_size(const rec *recs, size_t first, size_t n) {
    size_t total = 4 + 16 + 1;
    const rec *pks[2000];
    const char *ehks[2000];
    size_t npk = 0, nehk = 0;
    for (size_t i = first; i < first + n; i++) {
        const rec *r = &recs[i];
        size_t pi = npk, ei = nehk;
        for (size_t j = 0; j < npk; j++)
            if (pks[j]->pk_len == r->pk_len && !memcmp(pks[j]->pk, r->pk, r->pk_len)) pi = j;
        if (pi == npk) {
            pks[npk++] = r;
            total += 1 + vlen(r->pk_len) + r->pk_len;
        }
        size_t body = 1 + vlen(pi) + 1 + vlen(r->data_len) + r->data_len;
        if (r->has_ehk) {
            for (size_t j = 0; j < nehk; j++)
                if (!strcmp(ehks[j], r->ehk_canon)) ei = j;
            if (ei == nehk) {
                ehks[nehk++] = r->ehk_canon;
                total += 1 + vlen(strlen(r->ehk_canon)) + strlen(r->ehk_canon);
            }
            body += 1 + vlen(ei);
        }
        total += 1 + vlen(body) + body;
    }
    return total;
}

/* Pack recs with the given encoder; verify every output and that each AGG_FULL was necessary. */
static size_t pack_and_check(kinesis_agg_encoder *e, rec *recs, size_t n, uint32_t limit,
                             int always, int exact) {
    size_t first = 0, outputs = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            kinesis_agg_record a = as_record(&recs[i]);
            kinesis_status st = kinesis_agg_encoder_add(e, &a);
            if (st == KINESIS_OK) continue;
            assert_int_equal(st, KINESIS_E_AGG_FULL);
            /* Exactness: with this record the aggregate would really be over the limit (unless a
             * record-count or key-table bound made it full). */
            if (exact) assert_true(model_size(recs, first, i - first + 1) > limit);
        }
        uint32_t count = kinesis_agg_encoder_count(e);
        if (count == 0) break;
        size_t predicted = kinesis_agg_encoder_size(e);
        if (count > 1 || always) assert_int_equal(predicted, model_size(recs, first, count));
        kinesis_agg_output o;
        assert_int_equal(kinesis_agg_encoder_finish(e, &o), KINESIS_OK);
        assert_int_equal(o.data_len + o.partition_key_len, predicted);
        assert_int_equal(o.record_count, count);
        check_output(&o, recs, first, limit);
        first += count;
        outputs++;
        if (i < n) {
            kinesis_agg_record a = as_record(&recs[i]);
            assert_int_equal(kinesis_agg_encoder_add(e, &a), KINESIS_OK);
        }
    }
    assert_int_equal(first, n);
    return outputs;
}

static void free_recs(rec *recs, size_t n) {
    for (size_t i = 0; i < n; i++) free(recs[i].data);
}

static void random_round_trips(void **state) {
    (void)state;
    static rec recs[600];
    for (int round = 0; round < 60; round++) {
        uint32_t limits[] = {256, 1000, 4096, 65536, KINESIS_AGG_DEFAULT_MAX_RECORD_BYTES};
        uint32_t limit = limits[round % 5];
        size_t n = 1 + rnd_below(round % 5 == 4 ? 120 : 600);
        size_t max_data = round % 5 == 4 ? 40000 : limit / (1 + rnd_below(8));
        for (size_t i = 0; i < n; i++) {
            random_rec(&recs[i], max_data, i ? &recs[rnd_below(i)] : NULL);
            /* Keep each record sendable on its own. */
            if (recs[i].pk_len + 80 > limit) recs[i].pk_len = random_pk(recs[i].pk, 20);
            while (recs[i].data_len + recs[i].pk_len > limit - 80) recs[i].data_len /= 2;
        }
        kinesis_agg_encoder_options o = {0};
        o.max_record_bytes = limit;
        o.always_aggregate = round % 2;
        if (round % 7 == 0) o.max_records = 1 + (uint32_t)rnd_below(10);
        kinesis_agg_encoder e;
        if (round % 3 == 0) {
            /* Caller-memory mode. */
            size_t ws = kinesis_agg_encoder_work_size(&o);
            uint64_t *work = malloc(ws + 8);
            uint8_t *blob = malloc(KINESIS_AGG_BLOB_CAPACITY(limit));
            assert_int_equal(kinesis_agg_encoder_init_static(
                                 &e, &o, blob, KINESIS_AGG_BLOB_CAPACITY(limit), work, ws),
                             KINESIS_OK);
            pack_and_check(&e, recs, n, limit, o.always_aggregate, 0);
            kinesis_agg_encoder_clean_up(&e);
            free(work);
            free(blob);
        } else {
            test_allocator ta;
            test_allocator_init(&ta);
            assert_int_equal(kinesis_agg_encoder_init(&e, &o, &ta.base), KINESIS_OK);
            pack_and_check(&e, recs, n, limit, o.always_aggregate, o.max_records == 0);
            kinesis_agg_encoder_clean_up(&e);
            assert_int_equal(ta.live, 0);
        }
        free_recs(recs, n);
    }
}

/* Sizes from 0 to the limit: one record per size step, alone, always aggregated. */
static void single_record_sizes_to_the_limit(void **state) {
    (void)state;
    const uint32_t limit = KINESIS_AGG_DEFAULT_MAX_RECORD_BYTES;
    kinesis_agg_encoder_options o = {0};
    o.always_aggregate = 1;
    kinesis_agg_encoder e;
    assert_int_equal(kinesis_agg_encoder_init(&e, &o, NULL), KINESIS_OK);
    uint8_t *data = calloc(limit, 1);
    rec r;
    memset(&r, 0, sizeof(r));
    strcpy(r.pk, "k\xe9\x8d\xb5");
    r.pk_len = 4;
    r.data = data;
    size_t accepted_max = 0;
    for (size_t len = 0; len <= limit; len = len < 300 ? len + 1 : len * 3 / 2) {
        for (size_t l = len; l <= len + 2 && l <= limit; l++) {
            r.data_len = l;
            size_t want = model_size(&r, 0, 1);
            kinesis_agg_record a = as_record(&r);
            kinesis_status st = kinesis_agg_encoder_add(&e, &a);
            if (want <= limit) {
                assert_int_equal(st, KINESIS_OK);
                kinesis_agg_output out;
                assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_OK);
                assert_int_equal(out.data_len + 1, want);
                accepted_max = l;
            } else {
                assert_int_equal(st, KINESIS_E_RECORD_TOO_LARGE);
            }
        }
    }
    /* The exact boundary: the largest data that fits, and one more byte. */
    size_t lo = 0, hi = limit;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        r.data_len = mid;
        if (model_size(&r, 0, 1) <= limit)
            lo = mid;
        else
            hi = mid - 1;
    }
    assert_true(accepted_max <= lo);
    r.data_len = lo;
    kinesis_agg_record a = as_record(&r);
    assert_int_equal(kinesis_agg_encoder_add(&e, &a), KINESIS_OK);
    assert_int_equal(kinesis_agg_encoder_size(&e), limit);
    kinesis_agg_output out;
    assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_OK);
    assert_int_equal(out.data_len + out.partition_key_len, limit);
    r.data_len = lo + 1;
    a = as_record(&r);
    assert_int_equal(kinesis_agg_encoder_add(&e, &a), KINESIS_E_RECORD_TOO_LARGE);
    /* As a lone record (KPL default) the limit is data + key. */
    kinesis_agg_encoder_clean_up(&e);
    assert_int_equal(kinesis_agg_encoder_init(&e, NULL, NULL), KINESIS_OK);
    r.data_len = limit - r.pk_len;
    a = as_record(&r);
    assert_int_equal(kinesis_agg_encoder_add(&e, &a), KINESIS_OK);
    assert_int_equal(kinesis_agg_encoder_size(&e), limit);
    /* A second record can never join it. */
    r.data_len = 0;
    a = as_record(&r);
    assert_int_equal(kinesis_agg_encoder_add(&e, &a), KINESIS_E_AGG_FULL);
    assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_OK);
    assert_false(out.aggregated);
    assert_int_equal(out.data_len, limit - 4);
    kinesis_agg_encoder_reset(&e);
    r.data_len = limit - r.pk_len + 1;
    a = as_record(&r);
    assert_int_equal(kinesis_agg_encoder_add(&e, &a), KINESIS_E_RECORD_TOO_LARGE);
    kinesis_agg_encoder_clean_up(&e);
    free(data);
}

/* Two records whose aggregate is exactly the limit, then one byte more. The outer key counts. */
static void two_record_boundary(void **state) {
    (void)state;
    const uint32_t limit = 1000;
    rec r[2];
    memset(r, 0, sizeof(r));
    uint8_t data[1000] = {0};
    strcpy(r[0].pk, "first");
    r[0].pk_len = 5;
    strcpy(r[1].pk, "second-\xf0\x9f\x94\x91");
    r[1].pk_len = 11;
    r[0].data = r[1].data = data;
    r[0].data_len = 300;
    for (size_t l = 500; l < 700; l++) {
        r[1].data_len = l;
        size_t want = model_size(r, 0, 2);
        kinesis_agg_encoder_options o = {0};
        o.max_record_bytes = limit;
        kinesis_agg_encoder e;
        assert_int_equal(kinesis_agg_encoder_init(&e, &o, NULL), KINESIS_OK);
        kinesis_agg_record a = as_record(&r[0]);
        assert_int_equal(kinesis_agg_encoder_add(&e, &a), KINESIS_OK);
        a = as_record(&r[1]);
        kinesis_status st = kinesis_agg_encoder_add(&e, &a);
        assert_int_equal(st, want <= limit ? KINESIS_OK : KINESIS_E_AGG_FULL);
        if (st == KINESIS_OK) {
            kinesis_agg_output out;
            assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_OK);
            assert_int_equal(out.data_len + 1, want);
        }
        kinesis_agg_encoder_clean_up(&e);
    }
}

static void invalid_inputs(void **state) {
    (void)state;
    kinesis_agg_encoder e;
    assert_int_equal(kinesis_agg_encoder_init(&e, NULL, NULL), KINESIS_OK);
    uint8_t d[4] = {1, 2, 3, 4};
    kinesis_agg_record ok = {"key", 3, NULL, 0, d, 4};
    assert_int_equal(kinesis_agg_encoder_add(&e, &ok), KINESIS_OK);
    size_t size_before = kinesis_agg_encoder_size(&e);
    char long_pk[1100];
    memset(long_pk, 'x', 257);
    kinesis_agg_record bad[] = {
        {"", 0, NULL, 0, d, 4},
        {NULL, 3, NULL, 0, d, 4},
        {long_pk, 257, NULL, 0, d, 4},
        {"\xff", 1, NULL, 0, d, 4},
        {"\xc0\x80", 2, NULL, 0, d, 4},     /* overlong */
        {"\xed\xa0\x80", 3, NULL, 0, d, 4}, /* surrogate */
        {"\xe6\x97", 2, NULL, 0, d, 4},     /* truncated */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(kinesis_agg_encoder_add(&e, &bad[i]), KINESIS_E_INVALID_PARTITION_KEY);
    /* 256 four-byte characters are fine (1024 bytes). */
    for (int i = 0; i < 256; i++) memcpy(long_pk + 4 * i, "\xf0\x9f\x94\x91", 4);
    kinesis_agg_record k256 = {long_pk, 1024, NULL, 0, d, 4};
    assert_int_equal(kinesis_agg_encoder_add(&e, &k256), KINESIS_OK);
    kinesis_agg_record k257 = {long_pk, 1025, NULL, 0, d, 4};
    long_pk[1024] = 'x';
    assert_int_equal(kinesis_agg_encoder_add(&e, &k257), KINESIS_E_INVALID_PARTITION_KEY);
    size_before = kinesis_agg_encoder_size(&e);
    const char *bad_ehk[] = {"", "-1", "12a", " 1", "340282366920938463463374607431768211456"};
    for (size_t i = 0; i < sizeof(bad_ehk) / sizeof(bad_ehk[0]); i++) {
        kinesis_agg_record r = {"key", 3, bad_ehk[i], strlen(bad_ehk[i]), d, 4};
        assert_int_equal(kinesis_agg_encoder_add(&e, &r), KINESIS_E_INVALID_EXPLICIT_HASH_KEY);
    }
    kinesis_agg_record nodata = {"key", 3, NULL, 0, NULL, 4};
    assert_int_equal(kinesis_agg_encoder_add(&e, &nodata), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_agg_encoder_size(&e), size_before);
    assert_int_equal(kinesis_agg_encoder_count(&e), 2);
    kinesis_agg_output out;
    assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_OK);
    assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_E_INVALID_ARGUMENT);
    kinesis_agg_encoder_clean_up(&e);
    kinesis_agg_encoder_options o = {0};
    o.max_record_bytes = KINESIS_AGG_MAX_RECORD_BYTES_LIMIT + 1;
    assert_int_equal(kinesis_agg_encoder_init(&e, &o, NULL), KINESIS_E_INVALID_ARGUMENT);
    o.max_record_bytes = KINESIS_AGG_MAX_RECORD_BYTES_LIMIT;
    assert_int_equal(kinesis_agg_encoder_init(&e, &o, NULL), KINESIS_OK);
    kinesis_agg_encoder_clean_up(&e);
    uint8_t blob[200];
    uint64_t work[64];
    o.max_record_bytes = 1000;
    assert_int_equal(
        kinesis_agg_encoder_init_static(&e, &o, blob, sizeof(blob), work, sizeof(work)),
        KINESIS_E_BUFFER_TOO_SMALL);
}

/* A refused record leaves the encoder as it was: the output equals one made without it. */
static void refused_record_changes_nothing(void **state) {
    (void)state;
    uint8_t d[800];
    memset(d, 7, sizeof(d));
    kinesis_agg_encoder_options o = {0};
    o.max_record_bytes = 1000;
    kinesis_agg_encoder a, b;
    assert_int_equal(kinesis_agg_encoder_init(&a, &o, NULL), KINESIS_OK);
    assert_int_equal(kinesis_agg_encoder_init(&b, &o, NULL), KINESIS_OK);
    kinesis_agg_record r1 = {"one", 3, "5", 1, d, 300};
    kinesis_agg_record r2 = {"two", 3, "6", 1, d, 700}; /* does not fit after r1 */
    kinesis_agg_record r3 = {"three", 5, NULL, 0, d, 10};
    assert_int_equal(kinesis_agg_encoder_add(&a, &r1), KINESIS_OK);
    assert_int_equal(kinesis_agg_encoder_add(&a, &r2), KINESIS_E_AGG_FULL);
    assert_int_equal(kinesis_agg_encoder_add(&a, &r3), KINESIS_OK);
    assert_int_equal(kinesis_agg_encoder_add(&b, &r1), KINESIS_OK);
    assert_int_equal(kinesis_agg_encoder_add(&b, &r3), KINESIS_OK);
    kinesis_agg_output oa, ob;
    assert_int_equal(kinesis_agg_encoder_finish(&a, &oa), KINESIS_OK);
    assert_int_equal(kinesis_agg_encoder_finish(&b, &ob), KINESIS_OK);
    assert_int_equal(oa.data_len, ob.data_len);
    assert_memory_equal(oa.data, ob.data, oa.data_len);
    assert_string_equal(oa.explicit_hash_key, "5");
    kinesis_agg_encoder_clean_up(&a);
    kinesis_agg_encoder_clean_up(&b);
}

/* Caller-memory mode: a small key table makes the aggregate full, never a failure. */
static void static_mode_key_capacity(void **state) {
    (void)state;
    kinesis_agg_encoder_options o = {0};
    o.max_record_bytes = 65536;
    o.max_keys = 8; /* 16 slots minimum is 64: max_keys becomes 32 */
    size_t ws = kinesis_agg_encoder_work_size(&o);
    uint64_t *work = malloc(ws);
    uint8_t *blob = malloc(KINESIS_AGG_BLOB_CAPACITY(65536));
    kinesis_agg_encoder e;
    assert_int_equal(
        kinesis_agg_encoder_init_static(&e, &o, blob, KINESIS_AGG_BLOB_CAPACITY(65536), work, ws),
        KINESIS_OK);
    char pk[16];
    uint8_t d = 1;
    size_t added = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(pk, sizeof(pk), "key-%d", i);
        kinesis_agg_record r = {pk, strlen(pk), NULL, 0, &d, 1};
        kinesis_status st = kinesis_agg_encoder_add(&e, &r);
        if (st == KINESIS_E_AGG_FULL) break;
        assert_int_equal(st, KINESIS_OK);
        added++;
    }
    assert_int_equal(added, 32);
    kinesis_agg_output out;
    assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_OK);
    assert_int_equal(out.record_count, 32);
    kinesis_agg_encoder_clean_up(&e);
    free(work);
    free(blob);
}

/* Out of memory at every allocation: a clean error, no leak, and the encoder stays usable. */
static void out_of_memory(void **state) {
    (void)state;
    static uint8_t d[3000];
    for (long fail = 1; fail < 40; fail++) {
        test_allocator ta;
        test_allocator_init(&ta);
        ta.fail_at = fail;
        kinesis_agg_encoder e;
        kinesis_status st = kinesis_agg_encoder_init(&e, NULL, &ta.base);
        if (st == KINESIS_OK) {
            for (int i = 0; i < 300; i++) {
                char pk[16];
                snprintf(pk, sizeof(pk), "k%d", i);
                char ehk[8];
                snprintf(ehk, sizeof(ehk), "%d", i);
                kinesis_agg_record r = {pk,          strlen(pk), i % 2 ? ehk : NULL,
                                        strlen(ehk), d,          (size_t)(i * 10)};
                st = kinesis_agg_encoder_add(&e, &r);
                if (st == KINESIS_E_AGG_FULL) {
                    kinesis_agg_output out;
                    assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_OK);
                    continue;
                }
                assert_true(st == KINESIS_OK || st == KINESIS_E_NO_MEMORY);
            }
            if (kinesis_agg_encoder_count(&e)) {
                kinesis_agg_output out;
                assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_OK);
            }
            kinesis_agg_encoder_clean_up(&e);
        } else {
            assert_int_equal(st, KINESIS_E_NO_MEMORY);
        }
        assert_int_equal(ta.live, 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_round_trips),
        cmocka_unit_test(single_record_sizes_to_the_limit),
        cmocka_unit_test(two_record_boundary),
        cmocka_unit_test(invalid_inputs),
        cmocka_unit_test(refused_record_changes_nothing),
        cmocka_unit_test(static_mode_key_capacity),
        cmocka_unit_test(out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

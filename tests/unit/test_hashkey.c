/* 128-bit hash keys: decimal parse/format round trips and bounds, MD5 of partition keys, shard
 * map lookup. */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "kinesis/hashkey.h"

static kinesis_hash_key parse_ok(const char *s) {
    kinesis_hash_key k;
    assert_int_equal(kinesis_hash_key_parse(s, strlen(s), &k), KINESIS_OK);
    return k;
}

static void check_format(kinesis_hash_key k, const char *want) {
    char out[KINESIS_HASH_KEY_DECIMAL_MAX];
    size_t n = kinesis_hash_key_format(k, out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void parse_and_format(void **state) {
    (void)state;
    kinesis_hash_key k = parse_ok("0");
    assert_true(k.hi == 0 && k.lo == 0);
    check_format(k, "0");
    k = parse_ok("340282366920938463463374607431768211455");
    assert_true(k.hi == UINT64_MAX && k.lo == UINT64_MAX);
    check_format(k, "340282366920938463463374607431768211455");
    k = parse_ok("170141183460469231731687303715884105728");
    assert_true(k.hi == (1ull << 63) && k.lo == 0);
    check_format(k, "170141183460469231731687303715884105728");
    k = parse_ok("18446744073709551616");
    assert_true(k.hi == 1 && k.lo == 0);
    check_format(k, "18446744073709551616");
    k = parse_ok("18446744073709551615");
    assert_true(k.hi == 0 && k.lo == UINT64_MAX);
    check_format(k, "18446744073709551615");
    check_format(parse_ok("000012345"), "12345");
    check_format(parse_ok("1000000000"), "1000000000");
    check_format(parse_ok("1000000000000000000000000000"), "1000000000000000000000000000");
    /* 0000...(60 zeros)1 */
    char longzeros[80];
    memset(longzeros, '0', 60);
    strcpy(longzeros + 60, "1");
    check_format(parse_ok(longzeros), "1");
}

static void parse_rejects(void **state) {
    (void)state;
    kinesis_hash_key k;
    const char *bad[] = {"",
                         "-1",
                         "+1",
                         " 1",
                         "1 ",
                         "12a",
                         "0x10",
                         "1.0",
                         "340282366920938463463374607431768211456",
                         "999999999999999999999999999999999999999",
                         "1000000000000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(kinesis_hash_key_parse(bad[i], strlen(bad[i]), &k),
                         KINESIS_E_INVALID_EXPLICIT_HASH_KEY);
    }
    assert_int_equal(kinesis_hash_key_parse(NULL, 0, &k), KINESIS_E_INVALID_EXPLICIT_HASH_KEY);
}

static void format_round_trip_random(void **state) {
    (void)state;
    uint64_t x = 0x1234567887654321ull;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        kinesis_hash_key k = {x, x * 0x9E3779B97F4A7C15ull};
        if (i % 3 == 0) k.hi >>= (i % 64);
        char out[KINESIS_HASH_KEY_DECIMAL_MAX];
        size_t n = kinesis_hash_key_format(k, out);
        kinesis_hash_key back;
        assert_int_equal(kinesis_hash_key_parse(out, n, &back), KINESIS_OK);
        assert_true(back.hi == k.hi && back.lo == k.lo);
        assert_true(n == 1 || out[0] != '0');
    }
}

static void md5_of_partition_key(void **state) {
    (void)state;
    check_format(kinesis_hash_key_of_partition_key(NULL, "pk-0001", 7),
                 "16068342496166492614654900242416218739");
    check_format(kinesis_hash_key_of_partition_key(NULL, "cl\xc3\xa9", 4),
                 "216065962979188862129025276172069957765");
    check_format(kinesis_hash_key_of_partition_key(kinesis_crypto_default(), "", 0),
                 "281949768489412648962353822266799178366");
}

/* The batched form agrees with one-by-one hashing for every count (partial SIMD groups) and for
 * key lengths across MD5's one- and two-block padding boundary. */
static void many_partition_keys(void **state) {
    (void)state;
    enum { N = 67 };
    char text[N][130];
    const char *keys[N];
    size_t lens[N];
    for (size_t i = 0; i < N; i++) {
        lens[i] = 1 + (i * 37) % 128;
        for (size_t j = 0; j < lens[i]; j++) text[i][j] = (char)('a' + (i + j) % 26);
        keys[i] = text[i];
    }
    kinesis_hash_key got[N];
    for (size_t n = 0; n <= N; n += (n < 10 ? 1 : 19)) {
        memset(got, 0, sizeof(got));
        kinesis_hash_keys_of_partition_keys(NULL, n, keys, lens, got);
        for (size_t i = 0; i < n; i++) {
            kinesis_hash_key want = kinesis_hash_key_of_partition_key(NULL, keys[i], lens[i]);
            assert_int_equal(kinesis_hash_key_compare(got[i], want), 0);
        }
    }
}

static void compare_and_lookup(void **state) {
    (void)state;
    kinesis_hash_key a = {1, 0}, b = {0, UINT64_MAX};
    assert_int_equal(kinesis_hash_key_compare(a, b), 1);
    assert_int_equal(kinesis_hash_key_compare(b, a), -1);
    assert_int_equal(kinesis_hash_key_compare(a, a), 0);
    /* Four even shards, then a gap between shard 1 and 2 (a closed parent removed). */
    kinesis_shard_map_entry map[4] = {
        {{0, 0}, {(1ull << 62) - 1, UINT64_MAX}, "s0"},
        {{1ull << 62, 0}, {(2ull << 62) - 1, UINT64_MAX}, "s1"},
        {{2ull << 62, 1}, {(3ull << 62) - 1, UINT64_MAX}, "s2"},
        {{3ull << 62, 0}, {UINT64_MAX, UINT64_MAX}, "s3"},
    };
    kinesis_hash_key k0 = {0, 0}, kmax = {UINT64_MAX, UINT64_MAX};
    assert_string_equal(kinesis_shard_map_lookup(map, 4, k0)->shard_id, "s0");
    assert_string_equal(kinesis_shard_map_lookup(map, 4, kmax)->shard_id, "s3");
    kinesis_hash_key edge = {(1ull << 62) - 1, UINT64_MAX}, next = {1ull << 62, 0};
    assert_string_equal(kinesis_shard_map_lookup(map, 4, edge)->shard_id, "s0");
    assert_string_equal(kinesis_shard_map_lookup(map, 4, next)->shard_id, "s1");
    kinesis_hash_key gap = {2ull << 62, 0};
    assert_null(kinesis_shard_map_lookup(map, 4, gap));
    kinesis_hash_key in2 = {2ull << 62, 1};
    assert_string_equal(kinesis_shard_map_lookup(map, 4, in2)->shard_id, "s2");
    assert_null(kinesis_shard_map_lookup(map, 0, k0));
    assert_null(kinesis_shard_map_lookup(NULL, 4, k0));
    assert_null(kinesis_shard_map_lookup(map + 1, 3, k0));
}

static uint64_t xorshift(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* The lookup against a linear scan, for maps of 1 to 9 shards with gaps between some of them,
 * at random keys and at every boundary (the halves and carries of the 128-bit comparison). */
static void lookup_matches_linear_scan(void **state) {
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t count = 1; count <= 9; count++) {
        for (int round = 0; round < 20; round++) {
            /* Sorted, non-overlapping ranges: start_i = i * step (+ a gap for some). */
            kinesis_shard_map_entry map[9];
            uint64_t step = UINT64_MAX / count;
            for (size_t i = 0; i < count; i++) {
                uint64_t gap = (xorshift(&x) & 3) == 0 ? (xorshift(&x) & 0xff) + 1 : 0;
                map[i].start = (kinesis_hash_key){i * step, i ? gap : 0};
                map[i].end = (kinesis_hash_key){(i + 1) * step - 1,
                                                i + 1 == count ? UINT64_MAX : UINT64_MAX - 1};
                map[i].shard_id = NULL;
            }
            kinesis_hash_key probes[64];
            size_t np = 0;
            for (size_t i = 0; i < count; i++) {
                kinesis_hash_key s = map[i].start, e = map[i].end;
                probes[np++] = s;
                probes[np++] = e;
                probes[np++] = (kinesis_hash_key){s.hi, s.lo - 1}; /* in a gap or the previous */
                probes[np++] = (kinesis_hash_key){e.hi, e.lo + 1};
            }
            while (np < 64) {
                uint64_t hi = xorshift(&x);
                probes[np++] = (kinesis_hash_key){hi, xorshift(&x)};
            }
            for (size_t k = 0; k < np; k++) {
                const kinesis_shard_map_entry *want = NULL;
                for (size_t i = 0; i < count; i++)
                    if (kinesis_hash_key_compare(map[i].start, probes[k]) <= 0 &&
                        kinesis_hash_key_compare(probes[k], map[i].end) <= 0)
                        want = &map[i];
                assert_ptr_equal(kinesis_shard_map_lookup(map, count, probes[k]), want);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_and_format),           cmocka_unit_test(parse_rejects),
        cmocka_unit_test(format_round_trip_random),   cmocka_unit_test(md5_of_partition_key),
        cmocka_unit_test(compare_and_lookup),         cmocka_unit_test(many_partition_keys),
        cmocka_unit_test(lookup_matches_linear_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

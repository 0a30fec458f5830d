/* The consumer's in-place GetRecords parser: the common shape parses, anything else (escapes in
 * kept strings, ChildShards, a missing NextShardIterator, bad base64, truncation at every byte)
 * is KINESIS_E_UNSUPPORTED so the general parser takes over — never a crash or a wrong record. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer_internal.h"

static kinesis_status parse(const char *json, kinesis_consumer_fast_result_ *r) {
    size_t n = strlen(json);
    char *body = malloc(n + 1);
    memcpy(body, json, n + 1);
    kinesis_status st = kinesis_consumer_fast_parse_(body, n, NULL, r);
    /* keep the body alive for the views: tests free it through r->records' owner below */
    static char *keep[64];
    static int nkeep;
    if (nkeep == 64) {
        for (int i = 0; i < 64; i++) free(keep[i]);
        nkeep = 0;
    }
    keep[nkeep++] = body;
    return st;
}

static const char *GOOD =
    "{\"Records\":[{\"SequenceNumber\":"
    "\"49600000000000000000000000000000000000000000000000000001\","
    "\"ApproximateArrivalTimestamp\":1700000000.25,\"Data\":\"aGVsbG8=\",\"PartitionKey\":"
    "\"k\u00e9\","
    "\"EncryptionType\":\"NONE\",\"Extra\":{\"a\":[1,2,{\"b\":\"x\\\"y\"}]}},"
    "{\"SequenceNumber\":\"2\",\"Data\":\"\",\"PartitionKey\":\"p\",\"EncryptionType\":null}],"
    "\"NextShardIterator\":\"AAA/+==\",\"MillisBehindLatest\":1234,\"ChildShards\":[]}";

static void test_common_shape(void **state) {
    (void)state;
    kinesis_consumer_fast_result_ r;
    memset(&r, 0, sizeof r);
    assert_int_equal(parse(GOOD, &r), KINESIS_OK);
    assert_int_equal(r.count, 2);
    assert_string_equal(r.records[0].sequence_number,
                        "49600000000000000000000000000000000000000000000000000001");
    assert_int_equal(r.records[0].data_len, 5);
    assert_memory_equal(r.records[0].data, "hello", 5);
    assert_string_equal(r.records[0].partition_key, "k\u00e9");
    assert_true(r.records[0].approximate_arrival_timestamp == 1700000000.25);
    assert_string_equal(r.records[0].encryption_type, "NONE");
    assert_int_equal(r.records[1].data_len, 0);
    assert_null(r.records[1].encryption_type);
    assert_string_equal(r.next_shard_iterator, "AAA/+==");
    assert_int_equal(r.millis_behind_latest, 1234);
    /* empty batch, whitespace */
    assert_int_equal(parse(" { \"Records\" : [ ] , \"NextShardIterator\" : \"i\" } ", &r),
                     KINESIS_OK);
    assert_int_equal(r.count, 0);
    assert_int_equal(r.millis_behind_latest, -1);
    free(r.records);
}

static void test_unsupported_shapes(void **state) {
    (void)state;
    const char *bad[] = {
        "",
        "[]",
        "{}",
        "{\"Records\":[]}", /* shard end: no NextShardIterator */
        "{\"Records\":[],\"NextShardIterator\":null}",
        "{\"Records\":[],\"NextShardIterator\":\"i\",\"ChildShards\":[{\"ShardId\":\"s\"}]}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"Data\":\"aGk=\",\"PartitionKey\":\"a\\\"b\"}],"
        "\"NextShardIterator\":\"i\"}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"Data\":\"a\\/k=\",\"PartitionKey\":\"k\"}],"
        "\"NextShardIterator\":\"i\"}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"Data\":\"!!!!\",\"PartitionKey\":\"k\"}],"
        "\"NextShardIterator\":\"i\"}",
        "{\"Records\":[{\"Data\":\"aGk=\",\"PartitionKey\":\"k\"}],\"NextShardIterator\":\"i\"}",
        "{\"Records\":[{}],\"NextShardIterator\":\"i\"}",
        "{\"Records\":{},\"NextShardIterator\":\"i\"}",
        "{\"Records\":[],\"NextShardIterator\":\"i\",\"MillisBehindLatest\":-5}",
        "{\"Records\":[],\"NextShardIterator\":\"i\",\"MillisBehindLatest\":\"x\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kinesis_consumer_fast_result_ r;
        memset(&r, 0, sizeof r);
        assert_int_equal(parse(bad[i], &r), KINESIS_E_UNSUPPORTED);
        free(r.records);
    }
}

static void test_every_truncation(void **state) {
    (void)state;
    size_t n = strlen(GOOD);
    kinesis_consumer_fast_result_ r;
    memset(&r, 0, sizeof r);
    for (size_t cut = 0; cut < n; cut++) {
        char *body = malloc(cut + 1);
        memcpy(body, GOOD, cut);
        body[cut] = '\0';
        assert_int_equal(kinesis_consumer_fast_parse_(body, cut, NULL, &r), KINESIS_E_UNSUPPORTED);
        free(body);
    }
    free(r.records);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_shape),
        cmocka_unit_test(test_unsupported_shapes),
        cmocka_unit_test(test_every_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

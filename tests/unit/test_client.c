#define _POSIX_C_SOURCE 200809L
/* Client pipeline with an injected transport: request building for every typed operation,
 * response parsing (null members, empty bodies, error pages of every kind, truncation), retry
 * decisions, signing per attempt, clock-skew correction and validation before sending. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client_internal.h"
#include "kinesis/kinesis.h"

#include "mock_transport.h"

/* Counts sign() calls to show every attempt is signed afresh. */
typedef struct counting_signer {
    kinesis_signer *inner;
    int calls;
} counting_signer;

static kinesis_status counting_sign(void *impl, const kinesis_signable *req,
                                    const kinesis_signing_params *params,
                                    kinesis_signing_result *out) {
    counting_signer *s = impl;
    s->calls++;
    return kinesis_signer_sign(s->inner, req, params, out);
}
static void counting_destroy(void *impl) { (void)impl; }
static const kinesis_signer_vtable counting_vtable = {counting_sign, counting_destroy};

typedef struct fixture {
    test_allocator alloc;
    mock_transport mock;
    kinesis_transport *transport;
    kinesis_credentials_provider *creds;
    counting_signer signer_impl;
    kinesis_signer *signer;
    kinesis_client *client;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    test_allocator_init(&f->alloc);
    f->transport = kinesis_transport_new(&mock_vtable, &f->mock, &f->alloc.base);
    f->creds =
        kinesis_credentials_provider_new_static("AKIDEXAMPLE", "secret", NULL, &f->alloc.base);
    f->signer_impl.inner = kinesis_signer_new_sigv4(NULL, &f->alloc.base);
    f->signer = kinesis_signer_new(&counting_vtable, &f->signer_impl, &f->alloc.base);
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "us-east-1";
    o.endpoint_url = "http://127.0.0.1:4567";
    o.transport = f->transport;
    o.credentials = f->creds;
    o.signer = f->signer;
    o.allocator = &f->alloc.base;
    o.retry.base_delay_ms = 1;
    o.retry.max_delay_ms = 2;
    kinesis_error err;
    assert_int_equal(kinesis_client_new(&o, &f->client, &err), KINESIS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    kinesis_client_destroy(f->client);
    kinesis_signer_destroy(f->signer);
    kinesis_signer_destroy(f->signer_impl.inner);
    kinesis_credentials_provider_destroy(f->creds);
    kinesis_transport_destroy(f->transport);
    assert_int_equal(f->alloc.live, 0); /* nothing leaked through the allocator hooks */
    free(f);
    return 0;
}

static void script(fixture *f, scripted_response r) { f->mock.script[f->mock.script_len++] = r; }

static void create_stream_request(void **state) {
    fixture *f = *state;
    script(f, OK_JSON(""));
    kinesis_create_stream_request req = {"s1", 3, KINESIS_STREAM_MODE_PROVISIONED};
    kinesis_error err;
    assert_int_equal(kinesis_create_stream(f->client, &req, &err), KINESIS_OK);
    assert_string_equal(f->mock.last_body, "{\"StreamName\":\"s1\",\"ShardCount\":3}");
    assert_string_equal(f->mock.last_target, "Kinesis_20131202.CreateStream");
    assert_string_equal(f->mock.last_host, "127.0.0.1:4567");
    assert_string_equal(f->mock.last_url, "http://127.0.0.1:4567/");
    assert_non_null(strstr(f->mock.last_auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
    assert_non_null(
        strstr(f->mock.last_auth, "SignedHeaders=content-type;host;x-amz-date;x-amz-target"));
    assert_false(f->mock.saw_expect);

    script(f, OK_JSON("{}"));
    kinesis_create_stream_request od = {"s2", 0, KINESIS_STREAM_MODE_ON_DEMAND};
    assert_int_equal(kinesis_create_stream(f->client, &od, &err), KINESIS_OK);
    assert_string_equal(
        f->mock.last_body,
        "{\"StreamName\":\"s2\",\"StreamModeDetails\":{\"StreamMode\":\"ON_DEMAND\"}}");
    /* provisioned without shards: refused locally */
    kinesis_create_stream_request bad = {"s3", 0, KINESIS_STREAM_MODE_PROVISIONED};
    assert_int_equal(kinesis_create_stream(f->client, &bad, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(f->mock.calls, 2);
}

static void delete_and_arn_addressing(void **state) {
    fixture *f = *state;
    script(f, OK_JSON(""));
    kinesis_error err;
    const char *arn = "arn:aws:kinesis:us-east-1:123456789012:stream/s1";
    assert_int_equal(kinesis_delete_stream(f->client, arn, 1, &err), KINESIS_OK);
    assert_string_equal(f->mock.last_body,
                        "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
                        "\"EnforceConsumerDeletion\":true}");
    assert_int_equal(kinesis_delete_stream(f->client, "", 0, &err), KINESIS_E_INVALID_STREAM);
}

static void list_streams_every_page(void **state) {
    fixture *f = *state;
    script(f,
           OK_JSON("{\"StreamNames\":[\"a\",\"b\"],\"HasMoreStreams\":true,\"NextToken\":\"t1\"}"));
    script(f, OK_JSON("{\"StreamNames\":[\"c\"],\"HasMoreStreams\":true}"));
    script(f, OK_JSON("{\"StreamNames\":[\"d\"],\"HasMoreStreams\":false,\"NextToken\":null}"));
    kinesis_list_streams_result r;
    kinesis_error err;
    assert_int_equal(kinesis_list_streams(f->client, &r, &err), KINESIS_OK);
    assert_int_equal(r.stream_count, 4);
    assert_string_equal(r.stream_names[0], "a");
    assert_string_equal(r.stream_names[3], "d");
    /* third request continued by name because page two had no token */
    assert_string_equal(f->mock.last_body, "{\"ExclusiveStartStreamName\":\"c\"}");
    kinesis_list_streams_result_clean_up(&r);
}

static const char *shard_json(const char *id, const char *start, const char *end) {
    static char buf[4][512];
    static int n;
    char *b = buf[n++ % 4];
    snprintf(b, 512,
             "{\"ShardId\":\"%s\",\"ParentShardId\":null,\"HashKeyRange\":{\"StartingHashKey\":"
             "\"%s\",\"EndingHashKey\":\"%s\"},\"SequenceNumberRange\":{"
             "\"StartingSequenceNumber\":\"4959\",\"EndingSequenceNumber\":null}}",
             id, start, end);
    return b;
}

static void list_shards_both_token_conventions(void **state) {
    fixture *f = *state;
    char page1[1024], page2[1024];
    snprintf(page1, sizeof(page1), "{\"Shards\":[%s],\"NextToken\":\"tok\"}",
             shard_json("shardId-0", "0", "170141183460469231731687303715884105727"));
    snprintf(page2, sizeof(page2), "{\"Shards\":[%s]}",
             shard_json("shardId-1", "170141183460469231731687303715884105728",
                        "340282366920938463463374607431768211455"));
    script(f, OK_JSON(page1));
    /* this server refuses NextToken without StreamName ... */
    script(f, ((scripted_response){
                  .transport_status = KINESIS_OK,
                  .http_status = 400,
                  .body = "{\"__type\":\"ValidationException\",\"message\":\"need it\"}",
                  .date = NULL,
                  .error_type_header = NULL}));
    script(f, OK_JSON(page2)); /* ... and answers when asked its way */
    kinesis_list_shards_request req = {0};
    req.stream = "s1";
    kinesis_list_shards_result r;
    kinesis_error err;
    assert_int_equal(kinesis_list_shards(f->client, &req, &r, &err), KINESIS_OK);
    assert_int_equal(r.shard_count, 2);
    assert_string_equal(r.shards[1].shard_id, "shardId-1");
    assert_null(r.shards[0].parent_shard_id);
    assert_null(r.shards[0].ending_sequence_number);
    assert_true(r.shards[1].hash_end.hi == UINT64_MAX && r.shards[1].hash_end.lo == UINT64_MAX);
    assert_true(r.shards[1].hash_start.hi == (1ULL << 63) && r.shards[1].hash_start.lo == 0);
    assert_string_equal(f->mock.last_body, "{\"StreamName\":\"s1\",\"NextToken\":\"tok\"}");
    kinesis_list_shards_result_clean_up(&r);

    /* a malformed hash range is a clear error, not garbage */
    char bad[1024];
    snprintf(bad, sizeof(bad), "{\"Shards\":[%s]}", shard_json("x", "12a", "5"));
    script(f, OK_JSON(bad));
    assert_int_equal(kinesis_list_shards(f->client, &req, &r, &err), KINESIS_E_BAD_RESPONSE);
    assert_null(r.shards);
}

static void describe_stream_pages(void **state) {
    fixture *f = *state;
    char p1[2048], p2[2048];
    snprintf(p1, sizeof(p1),
             "{\"StreamDescription\":{\"StreamName\":\"s1\",\"StreamARN\":\"arn:x\","
             "\"StreamStatus\":\"ACTIVE\",\"RetentionPeriodHours\":24,\"Shards\":[%s],"
             "\"HasMoreShards\":true,\"EncryptionType\":null}}",
             shard_json("shardId-0", "0", "1"));
    snprintf(p2, sizeof(p2),
             "{\"StreamDescription\":{\"StreamName\":\"s1\",\"StreamStatus\":\"ACTIVE\","
             "\"Shards\":[%s],\"HasMoreShards\":false}}",
             shard_json("shardId-1", "2", "3"));
    script(f, OK_JSON(p1));
    script(f, OK_JSON(p2));
    kinesis_stream_description d;
    kinesis_error err;
    assert_int_equal(kinesis_describe_stream(f->client, "s1", &d, &err), KINESIS_OK);
    assert_int_equal(d.shard_count, 2);
    assert_int_equal(d.retention_period_hours, 24);
    assert_null(d.encryption_type);
    assert_string_equal(f->mock.last_body,
                        "{\"StreamName\":\"s1\",\"ExclusiveStartShardId\":\"shardId-0\"}");
    kinesis_stream_description_clean_up(&d);
}

static void summary_and_waiter(void **state) {
    fixture *f = *state;
    script(f, OK_JSON("{\"StreamDescriptionSummary\":{\"StreamName\":\"s1\",\"StreamStatus\":"
                      "\"CREATING\",\"OpenShardCount\":2}}"));
    script(f, ((scripted_response){
                  .transport_status = KINESIS_OK,
                  .http_status = 400,
                  .body = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"x\"}",
                  .date = NULL,
                  .error_type_header = NULL}));
    script(f, OK_JSON("{\"StreamDescriptionSummary\":{\"StreamName\":\"s1\",\"StreamStatus\":"
                      "\"ACTIVE\",\"OpenShardCount\":2,\"ConsumerCount\":0}}"));
    kinesis_error err;
    assert_int_equal(kinesis_wait_stream_active(f->client, "s1", 5000, 1, &err), KINESIS_OK);
    assert_int_equal(f->mock.calls, 3);
    script(f, OK_JSON("{\"StreamDescriptionSummary\":{\"StreamName\":\"s1\",\"StreamStatus\":"
                      "\"UPDATING\"}}"));
    for (int i = 0; i < 10; i++)
        script(f, OK_JSON("{\"StreamDescriptionSummary\":{\"StreamStatus\":\"UPDATING\"}}"));
    assert_int_equal(kinesis_wait_stream_active(f->client, "s1", 1, 5, &err),
                     KINESIS_E_WAITER_TIMEOUT);
}

static void put_record_request_and_result(void **state) {
    fixture *f = *state;
    script(f, OK_JSON("{\"ShardId\":\"shardId-000000000001\",\"SequenceNumber\":"
                      "\"49590338271490256608559692538361571095921575989136588818\","
                      "\"EncryptionType\":\"NONE\"}"));
    kinesis_put_record_request req = {
        "s1", "key\"1", (const uint8_t *)"hello", 5, "170141183460469231731687303715884105728",
        "123"};
    kinesis_put_record_result r;
    kinesis_error err;
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err), KINESIS_OK);
    assert_string_equal(f->mock.last_body,
                        "{\"StreamName\":\"s1\",\"PartitionKey\":\"key\\\"1\",\"Data\":"
                        "\"aGVsbG8=\",\"ExplicitHashKey\":\"170141183460469231731687303715884105728"
                        "\",\"SequenceNumberForOrdering\":\"123\"}");
    assert_string_equal(r.shard_id, "shardId-000000000001");
    assert_string_equal(r.sequence_number,
                        "49590338271490256608559692538361571095921575989136588818");
    assert_string_equal(r.encryption_type, "NONE");
}

static void validation_before_sending(void **state) {
    fixture *f = *state;
    kinesis_put_record_result r;
    kinesis_error err;
    kinesis_put_record_request req = {"s1", "", (const uint8_t *)"x", 1, NULL, NULL};
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err),
                     KINESIS_E_INVALID_PARTITION_KEY);
    char key[260];
    memset(key, 'k', 257);
    key[257] = 0;
    req.partition_key = key;
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err),
                     KINESIS_E_INVALID_PARTITION_KEY);
    key[256] = 0; /* exactly 256 is fine ... */
    assert_int_equal(kinesis_validate_partition_key(key), KINESIS_OK);
    /* ... and 256 multi-byte characters are 256 characters, not 512 bytes */
    char wide[600] = "";
    for (int i = 0; i < 256; i++) strcat(wide, "\xc3\xa9");
    assert_int_equal(kinesis_validate_partition_key(wide), KINESIS_OK);
    assert_int_equal(kinesis_validate_partition_key("\xff\xfe"), KINESIS_E_INVALID_PARTITION_KEY);
    req.partition_key = "k";
    const char *bad_ehks[] = {"-1", "1e5", "340282366920938463463374607431768211456",
                              "",   " 1",  "0x10"};
    for (size_t i = 0; i < sizeof(bad_ehks) / sizeof(*bad_ehks); i++) {
        req.explicit_hash_key = bad_ehks[i];
        assert_int_equal(kinesis_put_record(f->client, &req, &r, &err),
                         KINESIS_E_INVALID_EXPLICIT_HASH_KEY);
    }
    assert_int_equal(kinesis_validate_explicit_hash_key("340282366920938463463374607431768211455"),
                     KINESIS_OK);
    req.explicit_hash_key = NULL;
    /* data + key over the 1 MiB record limit, counted exactly */
    static uint8_t big[1048576];
    req.data = big;
    req.data_len = sizeof(big);
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err), KINESIS_E_RECORD_TOO_LARGE);
    assert_non_null(strstr(err.message, "1048577"));
    req.data_len = sizeof(big) - 1; /* exactly at the limit: sent */
    script(f, OK_JSON("{\"ShardId\":\"s\",\"SequenceNumber\":\"1\"}"));
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err), KINESIS_OK);

    /* PutRecords: count and total size */
    kinesis_put_records_entry entries[501];
    kinesis_put_records_result_entry results[501];
    for (int i = 0; i < 501; i++)
        entries[i] = (kinesis_put_records_entry){"k", (const uint8_t *)"x", 1, NULL};
    kinesis_put_records_request pr = {"s1", entries, 501};
    assert_int_equal(kinesis_put_records(f->client, &pr, results, NULL, &err),
                     KINESIS_E_TOO_MANY_RECORDS);
    pr.entry_count = 0;
    assert_int_equal(kinesis_put_records(f->client, &pr, results, NULL, &err),
                     KINESIS_E_TOO_MANY_RECORDS);
    for (int i = 0; i < 6; i++)
        entries[i] = (kinesis_put_records_entry){"k", big, sizeof(big) - 1, NULL};
    pr.entry_count = 6;
    assert_int_equal(kinesis_put_records(f->client, &pr, results, NULL, &err),
                     KINESIS_E_REQUEST_TOO_LARGE);
    entries[2].partition_key = NULL;
    assert_int_equal(kinesis_put_records(f->client, &pr, results, NULL, &err),
                     KINESIS_E_INVALID_PARTITION_KEY);
    assert_non_null(strstr(err.message, "record 2"));
    assert_int_equal(f->mock.calls, 1); /* only the one valid PutRecord went out */
}

static void put_records_partial_failure(void **state) {
    fixture *f = *state;
    script(f, OK_JSON("{\"FailedRecordCount\":1,\"Records\":[{\"SequenceNumber\":\"1\","
                      "\"ShardId\":\"shardId-0\",\"ErrorCode\":null},{\"ErrorCode\":"
                      "\"ProvisionedThroughputExceededException\",\"ErrorMessage\":\"Rate "
                      "exceeded for shard shardId-0\"},{\"SequenceNumber\":\"3\",\"ShardId\":"
                      "\"shardId-1\"}]}"));
    kinesis_put_records_entry e[3] = {{"a", (const uint8_t *)"1", 1, NULL},
                                      {"b", (const uint8_t *)"22", 2, NULL},
                                      {"c", (const uint8_t *)"", 0, "5"}};
    kinesis_put_records_request req = {"s1", e, 3};
    kinesis_put_records_result_entry r[3];
    uint32_t failed = 99;
    kinesis_error err;
    assert_int_equal(kinesis_put_records(f->client, &req, r, &failed, &err), KINESIS_OK);
    assert_int_equal(f->mock.calls, 1); /* partial failure is never retried as a whole */
    assert_int_equal(failed, 1);
    assert_int_equal(r[0].status, KINESIS_OK);
    assert_string_equal(r[0].shard_id, "shardId-0");
    assert_int_equal(r[1].status, KINESIS_E_THROTTLED);
    assert_string_equal(r[1].error_code, "ProvisionedThroughputExceededException");
    assert_string_equal(r[1].error_message, "Rate exceeded for shard shardId-0");
    assert_string_equal(r[2].sequence_number, "3");
    assert_string_equal(f->mock.last_body,
                        "{\"StreamName\":\"s1\",\"Records\":[{\"Data\":\"MQ==\",\"PartitionKey\":"
                        "\"a\"},{\"Data\":\"MjI=\",\"PartitionKey\":\"b\"},{\"Data\":\"\","
                        "\"PartitionKey\":\"c\",\"ExplicitHashKey\":\"5\"}]}");
    /* a response that does not account for every record is an error, never a silent loss */
    script(f, OK_JSON("{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"1\","
                      "\"ShardId\":\"s\"}]}"));
    assert_int_equal(kinesis_put_records(f->client, &req, r, &failed, &err),
                     KINESIS_E_BAD_RESPONSE);
}

static void iterators_and_get_records(void **state) {
    fixture *f = *state;
    kinesis_error err;
    const char *types[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER",
                           "AT_TIMESTAMP"};
    for (int t = 0; t < 5; t++) {
        script(f, OK_JSON("{\"ShardIterator\":\"AAAA\"}"));
        kinesis_get_shard_iterator_request req = {"s1", "shardId-0", (kinesis_iterator_type)t,
                                                  "49590", 1700000000.5};
        kinesis_get_shard_iterator_result r;
        assert_int_equal(kinesis_get_shard_iterator(f->client, &req, &r, &err), KINESIS_OK);
        assert_string_equal(r.shard_iterator, "AAAA");
        assert_non_null(strstr(f->mock.last_body, types[t]));
        if (t == 4) assert_non_null(strstr(f->mock.last_body, "\"Timestamp\":1700000000.5"));
        if (t == 2)
            assert_non_null(strstr(f->mock.last_body, "\"StartingSequenceNumber\":\"49590\""));
    }
    kinesis_get_shard_iterator_request noseq = {"s1", "shardId-0",
                                                KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER, NULL, 0};
    kinesis_get_shard_iterator_result ir;
    assert_int_equal(kinesis_get_shard_iterator(f->client, &noseq, &ir, &err),
                     KINESIS_E_INVALID_ARGUMENT);

    script(f, OK_JSON("{\"Records\":[{\"SequenceNumber\":\"4959033827149025660855969253836157109"
                      "5921575989136588818\",\"ApproximateArrivalTimestamp\":1700000000.123,"
                      "\"Data\":\"aGk=\",\"PartitionKey\":\"k\",\"EncryptionType\":null}],"
                      "\"NextShardIterator\":\"BBBB\",\"MillisBehindLatest\":42,"
                      "\"ChildShards\":[{\"ShardId\":\"shardId-2\",\"ParentShards\":[\"shardId-0\","
                      "\"shardId-1\"],\"HashKeyRange\":{\"StartingHashKey\":\"0\","
                      "\"EndingHashKey\":\"99\"}}]}"));
    kinesis_get_records_request gr = {"AAAA", 100, NULL};
    kinesis_get_records_result r;
    assert_int_equal(kinesis_get_records(f->client, &gr, &r, &err), KINESIS_OK);
    assert_string_equal(f->mock.last_body, "{\"ShardIterator\":\"AAAA\",\"Limit\":100}");
    assert_int_equal(r.record_count, 1);
    assert_int_equal(r.records[0].data_len, 2);
    assert_memory_equal(r.records[0].data, "hi", 2);
    assert_null(r.records[0].encryption_type);
    assert_true(r.records[0].approximate_arrival_timestamp > 1700000000.12);
    assert_string_equal(r.next_shard_iterator, "BBBB");
    assert_int_equal(r.millis_behind_latest, 42);
    assert_int_equal(r.child_shard_count, 1);
    assert_int_equal(r.child_shards[0].parent_count, 2);
    assert_true(r.child_shards[0].hash_end.lo == 99);
    kinesis_get_records_result_clean_up(&r);

    /* closed shard: null iterator, null child list; corrupt base64 is an error */
    script(f, OK_JSON("{\"Records\":[],\"NextShardIterator\":null,\"ChildShards\":null}"));
    assert_int_equal(kinesis_get_records(f->client, &gr, &r, &err), KINESIS_OK);
    assert_null(r.next_shard_iterator);
    assert_int_equal(r.millis_behind_latest, -1);
    kinesis_get_records_result_clean_up(&r);
    script(f, OK_JSON("{\"Records\":[{\"SequenceNumber\":\"1\",\"Data\":\"a!==\","
                      "\"PartitionKey\":\"k\"}],\"NextShardIterator\":\"x\"}"));
    assert_int_equal(kinesis_get_records(f->client, &gr, &r, &err), KINESIS_E_BAD_RESPONSE);
    assert_null(r.records);
}

static void malformed_and_truncated_responses(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_put_record_result r;
    kinesis_put_record_request req = {"s1", "k", (const uint8_t *)"x", 1, NULL, NULL};
    const char *bodies[] = {"{\"ShardId\":\"s\",\"SequenceNumber\":\"1", /* truncated */
                            "<html><body>oops</body></html>",
                            "[1,2]",
                            "{\"ShardId\":null,\"SequenceNumber\":\"1\"}",
                            "{}",
                            ""};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
        script(f, OK_JSON(bodies[i]));
        assert_int_equal(kinesis_put_record(f->client, &req, &r, &err), KINESIS_E_BAD_RESPONSE);
        assert_true(strlen(err.message) > 0);
    }
    /* nesting bombs are refused, not recursed into */
    static char deep[4096];
    for (int i = 0; i < 1000; i++) deep[i] = '[';
    script(f, OK_JSON(deep));
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err), KINESIS_E_BAD_RESPONSE);
    assert_non_null(strstr(err.message, "deeper"));
}

static void error_pages_of_every_kind(void **state) {
    (void)state;
    kinesis_error err;
    struct {
        int32_t http;
        const char *body;
        const char *header;
        kinesis_status want;
        const char *type;
        const char *msg;
    } cases[] = {
        {400, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream s not found\"}", NULL,
         KINESIS_E_RESOURCE_NOT_FOUND, "ResourceNotFoundException", "Stream s not found"},
        {400, "{\"__type\":\"com.amazonaws.kinesis#ResourceInUseException\",\"Message\":\"busy\"}",
         NULL, KINESIS_E_RESOURCE_IN_USE, "ResourceInUseException", "busy"},
        {400, "{\"__type\":\"InvalidSignatureException:http://internal\",\"message\":\"m\"}", NULL,
         KINESIS_E_SIGNATURE, "InvalidSignatureException", "m"},
        {400, "{\"__type\":\"ProvisionedThroughputExceededException\",\"message\":null}", NULL,
         KINESIS_E_THROTTLED, "ProvisionedThroughputExceededException", NULL},
        {400, "{\"__type\":\"LimitExceededException\"}", NULL, KINESIS_E_LIMIT_EXCEEDED, NULL,
         NULL},
        {400, "{\"__type\":\"KMSThrottlingException\"}", NULL, KINESIS_E_THROTTLED, NULL, NULL},
        {400, "{\"__type\":\"ExpiredIteratorException\",\"message\":\"x\"}", NULL,
         KINESIS_E_EXPIRED_ITERATOR, NULL, NULL},
        {403,
         "<?xml version=\"1.0\"?><ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>"
         "<Message>The request signature we calculated does not match</Message></Error>"
         "</ErrorResponse>",
         NULL, KINESIS_E_SIGNATURE, "SignatureDoesNotMatch",
         "The request signature we calculated does not match"},
        {500, "<html><head><title>500 Internal Server Error</title></head></html>", NULL,
         KINESIS_E_SERVICE_UNAVAILABLE, "", NULL},
        {502, "", NULL, KINESIS_E_SERVICE_UNAVAILABLE, "",
         "HTTP 502 Bad Gateway with an empty body"},
        {413, "", NULL, KINESIS_E_REQUEST_TOO_LARGE, "", NULL},
        {404, "<html>Not Found</html>", NULL, KINESIS_E_HTTP, "", NULL},
        {400, "{\"unrelated\":1}", "AccessDeniedException:http://x", KINESIS_E_ACCESS_DENIED,
         "AccessDeniedException", NULL},
        {400, "{\"__type\":\"SomethingNew\",\"message\":\"?\"}", NULL, KINESIS_E_SERVICE,
         "SomethingNew", NULL},
        {503, "{\"__type\":\"SomethingNew\"}", NULL, KINESIS_E_SERVICE_UNAVAILABLE, NULL, NULL},
        {400, "{\"__type\":\"Trunc", NULL, KINESIS_E_HTTP, "", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        kinesis_error_clear(&err);
        kinesis_status st = kinesis_classify_error_response(
            cases[i].http, cases[i].body, strlen(cases[i].body), cases[i].header, &err);
        if (st != cases[i].want) fail_msg("case %zu: got %s", i, kinesis_status_name(st));
        if (cases[i].type) assert_string_equal(err.type, cases[i].type);
        if (cases[i].msg) assert_string_equal(err.message, cases[i].msg);
        assert_true(strlen(err.message) > 0);
        assert_int_equal(err.http_status, cases[i].http);
    }
}

static void retries_only_what_is_retryable(void **state) {
    fixture *f = *state;
    kinesis_error err;
    /* throttling, 500 HTML and a connection failure are retried, then success */
    script(f,
           ((scripted_response){.transport_status = KINESIS_OK,
                                .http_status = 400,
                                .body = "{\"__type\":\"ProvisionedThroughputExceededException\"}",
                                .date = NULL,
                                .error_type_header = NULL}));
    script(f, ((scripted_response){.transport_status = KINESIS_OK,
                                   .http_status = 500,
                                   .body = "<html>oops</html>",
                                   .date = NULL,
                                   .error_type_header = NULL}));
    script(f, ((scripted_response){.transport_status = KINESIS_E_CONNECT,
                                   .http_status = 0,
                                   .body = NULL,
                                   .date = NULL,
                                   .error_type_header = NULL}));
    script(f, OK_JSON("{\"ShardId\":\"s\",\"SequenceNumber\":\"1\"}"));
    kinesis_put_record_request req = {"s1", "k", (const uint8_t *)"x", 1, NULL, NULL};
    kinesis_put_record_result r;
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err), KINESIS_OK);
    assert_int_equal(f->mock.calls, 4);
    assert_int_equal(err.attempts, 4);
    assert_int_equal(f->signer_impl.calls, 4); /* each attempt signed afresh */

    /* a non-retryable error is tried once */
    script(f, ((scripted_response){
                  .transport_status = KINESIS_OK,
                  .http_status = 400,
                  .body = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no\"}",
                  .date = NULL,
                  .error_type_header = NULL}));
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err), KINESIS_E_RESOURCE_NOT_FOUND);
    assert_int_equal(f->mock.calls, 5);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(err.http_status, 400);
    assert_string_equal(err.request_id, "req-123");
    assert_string_equal(err.message, "no");

    /* attempts run out: the last error is reported with the attempt count */
    for (int i = 0; i < 5; i++)
        script(f, ((scripted_response){.transport_status = KINESIS_E_TIMEOUT,
                                       .http_status = 0,
                                       .body = NULL,
                                       .date = NULL,
                                       .error_type_header = NULL}));
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err), KINESIS_E_TIMEOUT);
    assert_int_equal(err.attempts, 5);
    assert_int_equal(f->mock.calls, 10);
}

static void backoff_is_full_jitter_and_capped(void **state) {
    (void)state;
    kinesis_retry_policy p = {5, 100, 1000};
    for (uint32_t attempt = 1; attempt <= 8; attempt++) {
        uint32_t cap = 100u << (attempt - 1);
        if (cap > 1000) cap = 1000;
        uint32_t max_seen = 0;
        for (uint64_t r = 0; r < 5000; r++) {
            uint32_t d = kinesis_backoff_delay_ms(&p, attempt, r * 2654435761u);
            assert_true(d <= cap);
            if (d > max_seen) max_seen = d;
        }
        assert_true(max_seen >= cap * 9 / 10); /* the whole range is used */
    }
    assert_int_equal(kinesis_backoff_delay_ms(&p, 1, 0), 0);
}

static void clock_skew_corrects_offset(void **state) {
    fixture *f = *state;
    kinesis_error err;
    script(f,
           ((scripted_response){.transport_status = KINESIS_OK,
                                .http_status = 400,
                                .body = "{\"__type\":\"InvalidSignatureException\",\"message\":"
                                        "\"Signature expired: 20150830T123600Z is now earlier than "
                                        "20150830T124100Z\"}",
                                .date = "Sun, 30 Aug 2015 12:51:00 GMT",
                                .error_type_header = NULL}));
    script(f, OK_JSON("{\"ShardId\":\"s\",\"SequenceNumber\":\"1\"}"));
    kinesis_put_record_request req = {"s1", "k", (const uint8_t *)"x", 1, NULL, NULL};
    kinesis_put_record_result r;
    assert_int_equal(kinesis_put_record(f->client, &req, &r, &err), KINESIS_OK);
    int64_t offset = kinesis_client_clock_offset_s(f->client);
    assert_true(offset < -100000000);                            /* the "server" lives in 2015 */
    assert_memory_equal(f->mock.last_date, "20150830T1251", 13); /* re-signed with its time */
    assert_int_equal(kinesis_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", 29), 784111777);
    assert_int_equal(kinesis_parse_http_date("garbage", 7), -1);
}

static void generic_json_call(void **state) {
    fixture *f = *state;
    kinesis_error err;
    char *out = NULL;
    size_t len = 0;
    script(f, OK_JSON("{\"ShardLimit\":500,\"OpenShardCount\":2}"));
    assert_int_equal(
        kinesis_client_call_json(f->client, "DescribeLimits", NULL, 0, &out, &len, &err),
        KINESIS_OK);
    assert_string_equal(out, "{\"ShardLimit\":500,\"OpenShardCount\":2}");
    assert_string_equal(f->mock.last_target, "Kinesis_20131202.DescribeLimits");
    assert_string_equal(f->mock.last_body, "{}");
    kinesis_free(kinesis_client_allocator(f->client), out);
    script(f, OK_JSON(""));
    const char *tags = "{\"StreamName\":\"s\",\"Tags\":{\"a\":\"1\"}}";
    assert_int_equal(kinesis_client_call_json(f->client, "AddTagsToStream", tags, strlen(tags),
                                              &out, &len, &err),
                     KINESIS_OK);
    assert_string_equal(out, "{}"); /* empty body becomes {} */
    kinesis_free(kinesis_client_allocator(f->client), out);
    assert_int_equal(kinesis_client_call_json(f->client, "X", "[1]", 3, &out, &len, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_client_call_json(f->client, "X", "{", 1, &out, &len, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_client_call_json(f->client, "Bad Name", "{}", 2, &out, &len, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_null(out);
}

static void bad_client_options(void **state) {
    (void)state;
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "us-east-1";
    kinesis_client *c = NULL;
    kinesis_error err;
    const char *bad[] = {"ftp://x", "http://", "http://h/p?q=1", "127.0.0.1:4567"};
    for (size_t i = 0; i < 4; i++) {
        o.endpoint_url = bad[i];
        assert_int_equal(kinesis_client_new(&o, &c, &err), KINESIS_E_CONFIG);
        assert_null(c);
    }
    o.endpoint_url = "http://127.0.0.1:1";
    o.max_record_bytes = 10485761;
    assert_int_equal(kinesis_client_new(&o, &c, &err), KINESIS_E_CONFIG);
}

/* With no endpoint configured, StreamARN calls go to the account's control/data hosts; with one
 * configured, everything goes there. No network: the scripted transport records the URL. */
static void arn_calls_use_account_endpoints(void **state) {
    (void)state;
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_KINESIS");
    unsetenv("AWS_USE_FIPS_ENDPOINT");
    unsetenv("AWS_USE_DUALSTACK_ENDPOINT");
    mock_transport m = {0};
    kinesis_transport *t = kinesis_transport_new(&mock_vtable, &m, NULL);
    kinesis_credentials_provider *creds =
        kinesis_credentials_provider_new_static("AKID", "secret", NULL, NULL);
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "eu-west-1";
    o.transport = t;
    o.credentials = creds;
    kinesis_client *c;
    kinesis_error err;
    assert_int_equal(kinesis_client_new(&o, &c, &err), KINESIS_OK);
    assert_string_equal(kinesis_client_endpoint(c), "https://kinesis.eu-west-1.amazonaws.com");
    const char *arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/s1";
    m.script[m.script_len++] = OK_JSON("{\"ShardId\":\"s\",\"SequenceNumber\":\"1\"}");
    kinesis_put_record_request pr = {arn, "k", (const uint8_t *)"x", 1, NULL, NULL};
    kinesis_put_record_result res;
    assert_int_equal(kinesis_put_record(c, &pr, &res, &err), KINESIS_OK);
    assert_string_equal(m.last_url, "https://123456789012.data-kinesis.eu-west-1.amazonaws.com/");
    assert_string_equal(m.last_host, "123456789012.data-kinesis.eu-west-1.amazonaws.com");
    m.script[m.script_len++] = OK_JSON("");
    assert_int_equal(kinesis_delete_stream(c, arn, 0, &err), KINESIS_OK);
    assert_string_equal(m.last_url,
                        "https://123456789012.control-kinesis.eu-west-1.amazonaws.com/");
    /* by name: the regional endpoint */
    m.script[m.script_len++] = OK_JSON("");
    assert_int_equal(kinesis_delete_stream(c, "s1", 0, &err), KINESIS_OK);
    assert_string_equal(m.last_url, "https://kinesis.eu-west-1.amazonaws.com/");
    /* an ARN of another partition is refused before sending */
    size_t calls = m.calls;
    assert_int_equal(
        kinesis_delete_stream(c, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s", 0, &err),
        KINESIS_E_INVALID_STREAM);
    assert_int_equal(m.calls, calls);
    kinesis_client_destroy(c);

    /* a configured endpoint (with a path) takes every call, ARN or not */
    setenv("AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:9/base/", 1);
    assert_int_equal(kinesis_client_new(&o, &c, &err), KINESIS_OK);
    m.script[m.script_len++] = OK_JSON("");
    assert_int_equal(kinesis_delete_stream(c, arn, 0, &err), KINESIS_OK);
    assert_string_equal(m.last_url, "http://127.0.0.1:9/base/");
    assert_string_equal(m.last_host, "127.0.0.1:9");
    kinesis_client_destroy(c);
    unsetenv("AWS_ENDPOINT_URL_KINESIS");
    kinesis_credentials_provider_destroy(creds);
    kinesis_transport_destroy(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_stream_request, setup, teardown),
        cmocka_unit_test_setup_teardown(delete_and_arn_addressing, setup, teardown),
        cmocka_unit_test_setup_teardown(list_streams_every_page, setup, teardown),
        cmocka_unit_test_setup_teardown(list_shards_both_token_conventions, setup, teardown),
        cmocka_unit_test_setup_teardown(describe_stream_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(summary_and_waiter, setup, teardown),
        cmocka_unit_test_setup_teardown(put_record_request_and_result, setup, teardown),
        cmocka_unit_test_setup_teardown(validation_before_sending, setup, teardown),
        cmocka_unit_test_setup_teardown(put_records_partial_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(iterators_and_get_records, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_and_truncated_responses, setup, teardown),
        cmocka_unit_test(error_pages_of_every_kind),
        cmocka_unit_test_setup_teardown(retries_only_what_is_retryable, setup, teardown),
        cmocka_unit_test(backoff_is_full_jitter_and_capped),
        cmocka_unit_test_setup_teardown(clock_skew_corrects_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(generic_json_call, setup, teardown),
        cmocka_unit_test(bad_client_options),
        cmocka_unit_test(arn_calls_use_account_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

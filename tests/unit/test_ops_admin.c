#define _POSIX_C_SOURCE 200809L
/* Stream-management operations (admin.h) with a scripted transport: the exact request JSON of
 * every operation, response parsing (absent and null members, empty bodies, malformed members),
 * validation before sending, paging of ListTagsForStream, service errors, allocation failures,
 * and that every error type the service model lists for any of its 39 operations maps to a
 * specific status. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client_internal.h"
#include "kinesis/kinesis.h"

/* ---- scripted transport (own copy, see test_client.c) ---- */
typedef struct adm_response {
    int32_t http_status;
    const char *body;
} adm_response;

typedef struct adm_mock {
    adm_response script[16];
    size_t script_len, calls;
    char last_body[65536];
    char last_target[128];
    /* When set, allocation failures stop once a scripted response is delivered: yajl
     * 2.1 does not check its own allocations, so failing them inside the parser would crash
     * (reported; see allocation_failures). */
    test_allocator *disarm;
} adm_mock;

static kinesis_status adm_send(void *impl, const kinesis_http_request *req,
                               const kinesis_http_response_handler *h, kinesis_error *err) {
    (void)err;
    adm_mock *m = impl;
    snprintf(m->last_body, sizeof(m->last_body), "%.*s", (int)req->body_len,
             (const char *)req->body);
    for (size_t i = 0; i < req->header_count; i++)
        if (!strcasecmp(req->headers[i].name, "X-Amz-Target"))
            snprintf(m->last_target, sizeof(m->last_target), "%s", req->headers[i].value);
    assert_true(m->calls < m->script_len);
    const adm_response *r = &m->script[m->calls++];
    if (m->disarm) m->disarm->fail_at = 0;
    h->on_status(h->user, r->http_status);
    h->on_header(h->user, "x-amzn-RequestId", 16, "req-1", 5);
    if (r->body && *r->body) h->on_body(h->user, (const uint8_t *)r->body, strlen(r->body));
    return KINESIS_OK;
}
static void adm_destroy(void *impl) { (void)impl; }
static const kinesis_transport_vtable adm_vtable = {adm_send, NULL, adm_destroy};

typedef struct fixture {
    test_allocator alloc;
    adm_mock mock;
    kinesis_transport *transport;
    kinesis_credentials_provider *creds;
    kinesis_client *client;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    test_allocator_init(&f->alloc);
    f->transport = kinesis_transport_new(&adm_vtable, &f->mock, &f->alloc.base);
    f->creds =
        kinesis_credentials_provider_new_static("AKIDEXAMPLE", "secret", NULL, &f->alloc.base);
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "us-east-1";
    o.endpoint_url = "http://127.0.0.1:4567";
    o.transport = f->transport;
    o.credentials = f->creds;
    o.allocator = &f->alloc.base;
    o.retry.max_attempts = 1;
    kinesis_error err;
    assert_int_equal(kinesis_client_new(&o, &f->client, &err), KINESIS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    kinesis_client_destroy(f->client);
    kinesis_credentials_provider_destroy(f->creds);
    kinesis_transport_destroy(f->transport);
    assert_int_equal(f->alloc.live, 0); /* nothing leaked through the allocator hooks */
    free(f);
    return 0;
}

static void reply(fixture *f, int32_t status, const char *body) {
    if (f->mock.calls == f->mock.script_len) f->mock.calls = f->mock.script_len = 0; /* all used */
    assert_true(f->mock.script_len < KINESIS_ARRAY_LEN(f->mock.script));
    f->mock.script[f->mock.script_len++] = (adm_response){status, body};
}
#define OK(f, b) reply(f, 200, b)

/* The request sent for operation `op` had exactly this body. */
static void sent(fixture *f, const char *op, const char *json) {
    char target[128];
    snprintf(target, sizeof(target), "Kinesis_20131202.%s", op);
    assert_string_equal(f->mock.last_target, target);
    assert_string_equal(f->mock.last_body, json);
}

/* A call refused before sending: the expected status and nothing sent. */
#define REFUSED(f, call, status)                                                                   \
    do {                                                                                           \
        size_t calls_before_ = (f)->mock.calls;                                                    \
        assert_int_equal((call), status);                                                          \
        assert_int_equal((f)->mock.calls, calls_before_);                                          \
    } while (0)

static const char *ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/s1";
static const char *SID = "abcdefghij0123456789-x1z";
static const char *MAX_KEY = "340282366920938463463374607431768211455";

/* ---- resharding ---- */

static void split_shard(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_split_shard_request r = {"s1", "shardId-000000000000",
                                     "170141183460469231731687303715884105728", NULL};
    OK(f, "");
    assert_int_equal(kinesis_split_shard(f->client, &r, &err), KINESIS_OK);
    sent(f, "SplitShard",
         "{\"StreamName\":\"s1\",\"ShardToSplit\":\"shardId-000000000000\","
         "\"NewStartingHashKey\":\"170141183460469231731687303715884105728\"}");
    /* ARN addressing, StreamId, the bounds of the key range; "{}" answered */
    kinesis_split_shard_request a = {ARN, "shardId-1", MAX_KEY, SID};
    OK(f, "{}");
    assert_int_equal(kinesis_split_shard(f->client, &a, &err), KINESIS_OK);
    sent(f, "SplitShard",
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"ShardToSplit\":\"shardId-1\",\"NewStartingHashKey\":"
         "\"340282366920938463463374607431768211455\",\"StreamId\":\"abcdefghij0123456789-x1z\"}");
    a.new_starting_hash_key = "0";
    a.stream_id = NULL;
    OK(f, "");
    assert_int_equal(kinesis_split_shard(f->client, &a, &err), KINESIS_OK);

    /* NewStartingHashKey must be a 128-bit decimal in the model's canonical form */
    const char *bad_keys[] = {NULL,
                              "",
                              "01",
                              "00",
                              "-1",
                              "+5",
                              " 5",
                              "5 ",
                              "12a",
                              "1.5",
                              "340282366920938463463374607431768211456",
                              "999999999999999999999999999999999999999",
                              "1000000000000000000000000000000000000000"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad_keys); i++) {
        kinesis_split_shard_request b = {"s1", "shardId-0", bad_keys[i], NULL};
        REFUSED(f, kinesis_split_shard(f->client, &b, &err), KINESIS_E_INVALID_ARGUMENT);
        assert_non_null(strstr(err.message, "SplitShard: new_starting_hash_key"));
    }
    const char *bad_shards[] = {NULL, "", "shard id", "shard/1", "\xc3\xa9"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad_shards); i++) {
        kinesis_split_shard_request b = {"s1", bad_shards[i], "5", NULL};
        REFUSED(f, kinesis_split_shard(f->client, &b, &err), KINESIS_E_INVALID_ARGUMENT);
    }
    char long_id[130];
    memset(long_id, 'a', 129);
    long_id[129] = '\0';
    kinesis_split_shard_request b = {"s1", long_id, "5", NULL};
    REFUSED(f, kinesis_split_shard(f->client, &b, &err), KINESIS_E_INVALID_ARGUMENT);
    long_id[128] = '\0'; /* 128 is the maximum */
    OK(f, "");
    assert_int_equal(kinesis_split_shard(f->client, &b, &err), KINESIS_OK);
    /* stream names: pattern and length; ARNs: length and whitespace */
    const char *bad_streams[] = {NULL, "", "my stream", "s/1", "arn:aws:kinesis:x stream/s"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad_streams); i++) {
        kinesis_split_shard_request s = {bad_streams[i], "shardId-0", "5", NULL};
        REFUSED(f, kinesis_split_shard(f->client, &s, &err), KINESIS_E_INVALID_STREAM);
    }
    kinesis_split_shard_request s = {long_id, "shardId-0", "5", NULL};
    long_id[128] = 'a'; /* 129 characters */
    REFUSED(f, kinesis_split_shard(f->client, &s, &err), KINESIS_E_INVALID_STREAM);
    char *long_arn = calloc(1, 2100);
    memcpy(long_arn, ARN, strlen(ARN));
    memset(long_arn + strlen(ARN), 'x', 2049 - strlen(ARN));
    s.stream = long_arn;
    REFUSED(f, kinesis_split_shard(f->client, &s, &err), KINESIS_E_INVALID_STREAM);
    long_arn[2048] = '\0';
    OK(f, "");
    assert_int_equal(kinesis_split_shard(f->client, &s, &err), KINESIS_OK);
    free(long_arn);
    /* StreamId pattern */
    const char *bad_ids[] = {"", "abc", "ABCDEFGHIJ0123456789-x1z", "abcdefghij0123456789_x1z",
                             "abcdefghij0123456789-x1zz"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad_ids); i++) {
        kinesis_split_shard_request d = {"s1", "shardId-0", "5", bad_ids[i]};
        REFUSED(f, kinesis_split_shard(f->client, &d, &err), KINESIS_E_INVALID_ARGUMENT);
    }
    REFUSED(f, kinesis_split_shard(f->client, NULL, &err), KINESIS_E_INVALID_ARGUMENT);
    REFUSED(f, kinesis_split_shard(NULL, &r, &err), KINESIS_E_INVALID_ARGUMENT);
    /* err is optional */
    assert_int_equal(
        kinesis_split_shard(f->client, &(kinesis_split_shard_request){"", "a", "1", NULL}, NULL),
        KINESIS_E_INVALID_STREAM);
}

static void merge_shards(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_merge_shards_request r = {"s1", "shardId-000000000000", "shardId-000000000001", NULL};
    OK(f, "");
    assert_int_equal(kinesis_merge_shards(f->client, &r, &err), KINESIS_OK);
    sent(f, "MergeShards",
         "{\"StreamName\":\"s1\",\"ShardToMerge\":\"shardId-000000000000\","
         "\"AdjacentShardToMerge\":\"shardId-000000000001\"}");
    kinesis_merge_shards_request b = {"s1", "shardId-0", NULL, NULL};
    REFUSED(f, kinesis_merge_shards(f->client, &b, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "adjacent_shard_to_merge"));
    b = (kinesis_merge_shards_request){"s1", "", "shardId-1", NULL};
    REFUSED(f, kinesis_merge_shards(f->client, &b, &err), KINESIS_E_INVALID_ARGUMENT);
    /* a service error comes back with its type */
    reply(f, 400,
          "{\"__type\":\"ResourceInUseException\",\"message\":\"Stream s1 is not ACTIVE\"}");
    assert_int_equal(kinesis_merge_shards(f->client, &r, &err), KINESIS_E_RESOURCE_IN_USE);
    assert_string_equal(err.type, "ResourceInUseException");
    assert_string_equal(err.message, "Stream s1 is not ACTIVE");
}

static void update_shard_count(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_update_shard_count_request r = {"s1", 4, KINESIS_SCALING_UNIFORM, NULL};
    kinesis_update_shard_count_result out;
    OK(f, "{\"StreamName\":\"s1\",\"CurrentShardCount\":2,\"TargetShardCount\":4,"
          "\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\"}");
    assert_int_equal(kinesis_update_shard_count(f->client, &r, &out, &err), KINESIS_OK);
    sent(f, "UpdateShardCount",
         "{\"StreamName\":\"s1\",\"TargetShardCount\":4,\"ScalingType\":\"UNIFORM_SCALING\"}");
    assert_string_equal(out.stream_name, "s1");
    assert_string_equal(out.stream_arn, ARN);
    assert_int_equal(out.current_shard_count, 2);
    assert_int_equal(out.target_shard_count, 4);
    kinesis_update_shard_count_result_clean_up(&out);
    assert_null(out.internal_);
    /* null members and an empty body: all absent */
    OK(f, "{\"StreamName\":null,\"CurrentShardCount\":null,\"StreamARN\":null}");
    assert_int_equal(kinesis_update_shard_count(f->client, &r, &out, &err), KINESIS_OK);
    assert_null(out.stream_name);
    assert_null(out.stream_arn);
    assert_int_equal(out.current_shard_count, -1);
    assert_int_equal(out.target_shard_count, -1);
    kinesis_update_shard_count_result_clean_up(&out);
    OK(f, "");
    assert_int_equal(kinesis_update_shard_count(f->client, &r, &out, &err), KINESIS_OK);
    assert_int_equal(out.current_shard_count, -1);
    kinesis_update_shard_count_result_clean_up(&out);
    /* malformed JSON is a clear error and the result stays empty */
    OK(f, "{\"StreamName\":");
    assert_int_equal(kinesis_update_shard_count(f->client, &r, &out, &err), KINESIS_E_BAD_RESPONSE);
    assert_null(out.internal_);
    kinesis_update_shard_count_result_clean_up(&out); /* harmless */
    /* validation */
    r.target_shard_count = 0;
    REFUSED(f, kinesis_update_shard_count(f->client, &r, &out, &err), KINESIS_E_INVALID_ARGUMENT);
    r.target_shard_count = 2147483648u;
    REFUSED(f, kinesis_update_shard_count(f->client, &r, &out, &err), KINESIS_E_INVALID_ARGUMENT);
    r.target_shard_count = 2;
    r.scaling_type = (kinesis_scaling_type)1;
    REFUSED(f, kinesis_update_shard_count(f->client, &r, &out, &err), KINESIS_E_INVALID_ARGUMENT);
    REFUSED(f, kinesis_update_shard_count(f->client, &r, NULL, &err), KINESIS_E_INVALID_ARGUMENT);
}

/* ---- retention and encryption ---- */

static void retention(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_stream_retention_request r = {"s1", 48, NULL};
    OK(f, "");
    assert_int_equal(kinesis_increase_stream_retention_period(f->client, &r, &err), KINESIS_OK);
    sent(f, "IncreaseStreamRetentionPeriod", "{\"StreamName\":\"s1\",\"RetentionPeriodHours\":48}");
    r = (kinesis_stream_retention_request){ARN, 24, SID};
    OK(f, "{}");
    assert_int_equal(kinesis_decrease_stream_retention_period(f->client, &r, &err), KINESIS_OK);
    sent(f, "DecreaseStreamRetentionPeriod",
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"RetentionPeriodHours\":24,\"StreamId\":\"abcdefghij0123456789-x1z\"}");
    r = (kinesis_stream_retention_request){"s1", 8760, NULL};
    OK(f, "");
    assert_int_equal(kinesis_increase_stream_retention_period(f->client, &r, &err), KINESIS_OK);
    uint32_t bad[] = {0, 1, 23, 8761, UINT32_MAX};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad); i++) {
        r.retention_period_hours = bad[i];
        REFUSED(f, kinesis_increase_stream_retention_period(f->client, &r, &err),
                KINESIS_E_INVALID_ARGUMENT);
        assert_non_null(strstr(err.message, "24 to 8760"));
        REFUSED(f, kinesis_decrease_stream_retention_period(f->client, &r, &err),
                KINESIS_E_INVALID_ARGUMENT);
    }
    r.retention_period_hours = 100;
    reply(f, 400,
          "{\"__type\":\"InvalidArgumentException\",\"message\":\"Requested retention period "
          "(100 hours) for stream s1 can not be shorter than existing retention period\"}");
    assert_int_equal(kinesis_increase_stream_retention_period(f->client, &r, &err),
                     KINESIS_E_VALIDATION);
    assert_string_equal(err.type, "InvalidArgumentException");
}

static void encryption(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_stream_encryption_request r = {"s1", KINESIS_ENCRYPTION_KMS, "alias/aws/kinesis", NULL};
    OK(f, "");
    assert_int_equal(kinesis_start_stream_encryption(f->client, &r, &err), KINESIS_OK);
    sent(f, "StartStreamEncryption",
         "{\"StreamName\":\"s1\",\"EncryptionType\":\"KMS\",\"KeyId\":\"alias/aws/kinesis\"}");
    OK(f, "{}");
    assert_int_equal(kinesis_stop_stream_encryption(f->client, &r, &err), KINESIS_OK);
    sent(f, "StopStreamEncryption",
         "{\"StreamName\":\"s1\",\"EncryptionType\":\"KMS\",\"KeyId\":\"alias/aws/kinesis\"}");
    r.encryption_type = KINESIS_ENCRYPTION_NONE; /* in the model's enum: sent as is */
    OK(f, "");
    assert_int_equal(kinesis_stop_stream_encryption(f->client, &r, &err), KINESIS_OK);
    sent(f, "StopStreamEncryption",
         "{\"StreamName\":\"s1\",\"EncryptionType\":\"NONE\",\"KeyId\":\"alias/aws/kinesis\"}");
    r.encryption_type = (kinesis_encryption_type)7;
    REFUSED(f, kinesis_start_stream_encryption(f->client, &r, &err), KINESIS_E_INVALID_ARGUMENT);
    r.encryption_type = KINESIS_ENCRYPTION_KMS;
    char *key = calloc(1, 2050);
    memset(key, 'k', 2049);
    const char *bad[] = {NULL, "", key, "\xff"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad); i++) {
        r.key_id = bad[i];
        REFUSED(f, kinesis_start_stream_encryption(f->client, &r, &err),
                KINESIS_E_INVALID_ARGUMENT);
        assert_non_null(strstr(err.message, "key_id"));
    }
    key[2048] = '\0';
    r.key_id = key;
    OK(f, "");
    assert_int_equal(kinesis_start_stream_encryption(f->client, &r, &err), KINESIS_OK);
    free(key);
    r.key_id = "alias/missing";
    reply(f, 400, "{\"__type\":\"KMSNotFoundException\",\"message\":\"no such key\"}");
    assert_int_equal(kinesis_start_stream_encryption(f->client, &r, &err), KINESIS_E_KMS);
    reply(f, 400, "{\"__type\":\"KMSThrottlingException\",\"message\":\"slow down\"}");
    assert_int_equal(kinesis_start_stream_encryption(f->client, &r, &err), KINESIS_E_THROTTLED);
}

/* ---- tags ---- */

static void add_and_remove_tags(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_tag tags[] = {
        {"env", "prod"}, {"empty", NULL}, {"q\"uote", "line\nbreak \xe2\x82\xac"}};
    kinesis_add_tags_to_stream_request r = {"s1", tags, 3, NULL};
    OK(f, "");
    assert_int_equal(kinesis_add_tags_to_stream(f->client, &r, &err), KINESIS_OK);
    sent(f, "AddTagsToStream",
         "{\"StreamName\":\"s1\",\"Tags\":{\"env\":\"prod\",\"empty\":\"\",\"q\\\"uote\":"
         "\"line\\nbreak \xe2\x82\xac\"}}");

    /* counts: 1..50 */
    kinesis_tag many[51];
    char keys[51][8];
    for (int i = 0; i < 51; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        many[i] = (kinesis_tag){keys[i], "v"};
    }
    r.tags = many;
    r.tag_count = 51;
    REFUSED(f, kinesis_add_tags_to_stream(f->client, &r, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "1 to 50 tags"));
    r.tag_count = 0;
    REFUSED(f, kinesis_add_tags_to_stream(f->client, &r, &err), KINESIS_E_INVALID_ARGUMENT);
    r.tag_count = 50;
    OK(f, "");
    assert_int_equal(kinesis_add_tags_to_stream(f->client, &r, &err), KINESIS_OK);
    r.tags = NULL;
    r.tag_count = 1;
    REFUSED(f, kinesis_add_tags_to_stream(f->client, &r, &err), KINESIS_E_INVALID_ARGUMENT);

    /* key 1..128 and value 0..256 Unicode characters, valid UTF-8, no repeated key */
    char k128[128 * 2 + 1] = "", k129[130], v256[257], v257[258];
    for (int i = 0; i < 128; i++) strcat(k128, "\xc3\xa9"); /* 128 characters, 256 bytes */
    memset(k129, 'k', 129);
    k129[129] = '\0';
    memset(v256, 'v', 256);
    v256[256] = '\0';
    memset(v257, 'v', 257);
    v257[257] = '\0';
    kinesis_tag edge[] = {{k128, v256}, {"a", ""}};
    r = (kinesis_add_tags_to_stream_request){"s1", edge, 2, NULL};
    OK(f, "");
    assert_int_equal(kinesis_add_tags_to_stream(f->client, &r, &err), KINESIS_OK);
    kinesis_tag bad[][1] = {{{k129, "v"}}, {{"", "v"}},     {{NULL, "v"}},
                            {{"k", v257}}, {{"\xc3", "v"}}, {{"k", "\xed\xa0\x80"}}};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad); i++) {
        r = (kinesis_add_tags_to_stream_request){"s1", bad[i], 1, NULL};
        REFUSED(f, kinesis_add_tags_to_stream(f->client, &r, &err), KINESIS_E_INVALID_ARGUMENT);
    }
    kinesis_tag dup[] = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
    r = (kinesis_add_tags_to_stream_request){"s1", dup, 3, NULL};
    REFUSED(f, kinesis_add_tags_to_stream(f->client, &r, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "repeats"));

    /* RemoveTagsFromStream */
    const char *rm[] = {"env", "empty"};
    kinesis_remove_tags_from_stream_request rr = {ARN, rm, 2, NULL};
    OK(f, "");
    assert_int_equal(kinesis_remove_tags_from_stream(f->client, &rr, &err), KINESIS_OK);
    sent(f, "RemoveTagsFromStream",
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"TagKeys\":[\"env\",\"empty\"]}");
    const char *many_keys[51];
    for (int i = 0; i < 51; i++) many_keys[i] = keys[i];
    rr = (kinesis_remove_tags_from_stream_request){"s1", many_keys, 51, NULL};
    REFUSED(f, kinesis_remove_tags_from_stream(f->client, &rr, &err), KINESIS_E_INVALID_ARGUMENT);
    rr.tag_key_count = 50;
    OK(f, "");
    assert_int_equal(kinesis_remove_tags_from_stream(f->client, &rr, &err), KINESIS_OK);
    rr.tag_key_count = 0;
    REFUSED(f, kinesis_remove_tags_from_stream(f->client, &rr, &err), KINESIS_E_INVALID_ARGUMENT);
    const char *bad_keys[] = {"ok", ""};
    rr = (kinesis_remove_tags_from_stream_request){"s1", bad_keys, 2, NULL};
    REFUSED(f, kinesis_remove_tags_from_stream(f->client, &rr, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "tag key 1"));
    const char *k129p[] = {k129};
    rr = (kinesis_remove_tags_from_stream_request){"s1", k129p, 1, NULL};
    REFUSED(f, kinesis_remove_tags_from_stream(f->client, &rr, &err), KINESIS_E_INVALID_ARGUMENT);
}

static void list_tags_for_stream_pages(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_list_tags_for_stream_request r = {"s1", NULL, 2, NULL};
    kinesis_tag_list out;
    OK(f, "{\"Tags\":[{\"Key\":\"a\",\"Value\":\"1\"},{\"Key\":\"b\"}],\"HasMoreTags\":true}");
    OK(f, "{\"Tags\":[{\"Key\":\"c\",\"Value\":null},{\"Key\":\"d\",\"Value\":\"\"}],"
          "\"HasMoreTags\":true}");
    OK(f, "{\"Tags\":[{\"Key\":\"e\",\"Value\":\"5\"}],\"HasMoreTags\":false}");
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_OK);
    assert_int_equal(f->mock.calls, 3);
    sent(f, "ListTagsForStream",
         "{\"StreamName\":\"s1\",\"ExclusiveStartTagKey\":\"d\",\"Limit\":2}");
    assert_int_equal(out.tag_count, 5);
    assert_true(out.has_tags);
    assert_string_equal(out.tags[0].key, "a");
    assert_string_equal(out.tags[0].value, "1");
    assert_null(out.tags[1].value); /* absent */
    assert_null(out.tags[2].value); /* null */
    assert_string_equal(out.tags[3].value, "");
    assert_string_equal(out.tags[4].key, "e");
    kinesis_tag_list_clean_up(&out);

    /* first page only, starting after a key, ARN addressing, no Limit */
    r = (kinesis_list_tags_for_stream_request){ARN, "a", 0, SID};
    OK(f, "{\"Tags\":[],\"HasMoreTags\":false}");
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_OK);
    sent(f, "ListTagsForStream",
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"ExclusiveStartTagKey\":\"a\",\"StreamId\":\"abcdefghij0123456789-x1z\"}");
    assert_int_equal(out.tag_count, 0);
    assert_null(out.tags);
    assert_true(out.has_tags);
    kinesis_tag_list_clean_up(&out);

    /* broken servers: "more" with an empty page, or the same page again, ends the listing */
    r = (kinesis_list_tags_for_stream_request){"s1", NULL, 0, NULL};
    OK(f, "{\"Tags\":[{\"Key\":\"a\"}],\"HasMoreTags\":true}");
    OK(f, "{\"Tags\":[],\"HasMoreTags\":true}");
    size_t before = f->mock.calls;
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_OK);
    assert_int_equal(f->mock.calls - before, 2);
    assert_int_equal(out.tag_count, 1);
    kinesis_tag_list_clean_up(&out);
    OK(f, "{\"Tags\":[{\"Key\":\"a\"}],\"HasMoreTags\":true}");
    OK(f, "{\"Tags\":[{\"Key\":\"a\"}],\"HasMoreTags\":true}");
    before = f->mock.calls;
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_OK);
    assert_int_equal(f->mock.calls - before, 2);
    kinesis_tag_list_clean_up(&out);

    /* a server that treats ExclusiveStartTagKey as inclusive (moto): no tag twice */
    r.limit = 2;
    OK(f, "{\"Tags\":[{\"Key\":\"a\"},{\"Key\":\"b\"}],\"HasMoreTags\":true}");
    OK(f, "{\"Tags\":[{\"Key\":\"b\"},{\"Key\":\"c\"}],\"HasMoreTags\":true}");
    OK(f, "{\"Tags\":[{\"Key\":\"c\"}],\"HasMoreTags\":false}");
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_OK);
    assert_int_equal(out.tag_count, 3);
    assert_string_equal(out.tags[0].key, "a");
    assert_string_equal(out.tags[1].key, "b");
    assert_string_equal(out.tags[2].key, "c");
    sent(f, "ListTagsForStream",
         "{\"StreamName\":\"s1\",\"ExclusiveStartTagKey\":\"c\",\"Limit\":2}");
    kinesis_tag_list_clean_up(&out);
    r.limit = 0;

    /* empty body, null Tags */
    OK(f, "");
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_OK);
    assert_int_equal(out.tag_count, 0);
    assert_false(out.has_tags);
    assert_non_null(out.internal_);
    kinesis_tag_list_clean_up(&out);
    OK(f, "{\"Tags\":null,\"HasMoreTags\":null}");
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_OK);
    assert_false(out.has_tags);
    kinesis_tag_list_clean_up(&out);

    /* malformed: Tags not a list, a tag without a Key, an error on page two */
    OK(f, "{\"Tags\":{\"a\":\"1\"},\"HasMoreTags\":false}");
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err),
                     KINESIS_E_BAD_RESPONSE);
    assert_null(out.internal_);
    OK(f, "{\"Tags\":[{\"Value\":\"1\"}],\"HasMoreTags\":false}");
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err),
                     KINESIS_E_BAD_RESPONSE);
    OK(f, "{\"Tags\":[{\"Key\":\"a\"}],\"HasMoreTags\":true}");
    reply(f, 400, "{\"__type\":\"LimitExceededException\",\"message\":\"Rate exceeded\"}");
    assert_int_equal(kinesis_list_tags_for_stream(f->client, &r, &out, &err),
                     KINESIS_E_LIMIT_EXCEEDED);
    assert_null(out.tags);
    assert_int_equal(out.tag_count, 0);

    /* validation */
    r.limit = 51;
    REFUSED(f, kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_E_INVALID_ARGUMENT);
    r.limit = 50;
    r.exclusive_start_tag_key = "";
    REFUSED(f, kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_E_INVALID_ARGUMENT);
    r.exclusive_start_tag_key = NULL;
    r.stream = "";
    REFUSED(f, kinesis_list_tags_for_stream(f->client, &r, &out, &err), KINESIS_E_INVALID_STREAM);
}

static void resource_tags(void **state) {
    fixture *f = *state;
    kinesis_error err;
    const char *consumer =
        "arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/c1:1700000000";
    kinesis_tag tags[] = {{"team", "data"}};
    kinesis_tag_resource_request t = {consumer, tags, 1, NULL};
    OK(f, "");
    assert_int_equal(kinesis_tag_resource(f->client, &t, &err), KINESIS_OK);
    sent(f, "TagResource",
         "{\"Tags\":{\"team\":\"data\"},\"ResourceARN\":\"arn:aws:kinesis:us-east-1:"
         "123456789012:stream/s1/consumer/c1:1700000000\"}");
    const char *keys[] = {"team"};
    kinesis_untag_resource_request u = {ARN, keys, 1, SID};
    OK(f, "{}");
    assert_int_equal(kinesis_untag_resource(f->client, &u, &err), KINESIS_OK);
    sent(f, "UntagResource",
         "{\"TagKeys\":[\"team\"],\"ResourceARN\":\"arn:aws:kinesis:us-east-1:123456789012:"
         "stream/s1\",\"StreamId\":\"abcdefghij0123456789-x1z\"}");
    kinesis_resource_request lr = {ARN, NULL};
    kinesis_tag_list out;
    OK(f, "{\"Tags\":[{\"Key\":\"team\",\"Value\":\"data\"},{\"Key\":\"x\"}],\"NextToken\":null}");
    assert_int_equal(kinesis_list_tags_for_resource(f->client, &lr, &out, &err), KINESIS_OK);
    sent(f, "ListTagsForResource",
         "{\"ResourceARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\"}");
    assert_true(out.has_tags);
    assert_int_equal(out.tag_count, 2);
    assert_string_equal(out.tags[0].value, "data");
    assert_null(out.tags[1].value);
    kinesis_tag_list_clean_up(&out);
    OK(f, "{}"); /* Tags is optional here */
    assert_int_equal(kinesis_list_tags_for_resource(f->client, &lr, &out, &err), KINESIS_OK);
    assert_false(out.has_tags);
    assert_null(out.tags);
    kinesis_tag_list_clean_up(&out);
    OK(f, "{\"Tags\":[{\"Key\":5}]}");
    assert_int_equal(kinesis_list_tags_for_resource(f->client, &lr, &out, &err),
                     KINESIS_E_BAD_RESPONSE);
    assert_null(out.internal_);

    /* validation: resource ARNs, tag limits as for streams */
    const char *bad_arns[] = {NULL, "", "s1", "arn:aws:kinesis:us-east-1:1:stream/a b"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad_arns); i++) {
        t.resource_arn = bad_arns[i];
        REFUSED(f, kinesis_tag_resource(f->client, &t, &err), KINESIS_E_INVALID_ARGUMENT);
        u.resource_arn = bad_arns[i];
        REFUSED(f, kinesis_untag_resource(f->client, &u, &err), KINESIS_E_INVALID_ARGUMENT);
        lr.resource_arn = bad_arns[i];
        REFUSED(f, kinesis_list_tags_for_resource(f->client, &lr, &out, &err),
                KINESIS_E_INVALID_ARGUMENT);
    }
    t = (kinesis_tag_resource_request){ARN, tags, 0, NULL};
    REFUSED(f, kinesis_tag_resource(f->client, &t, &err), KINESIS_E_INVALID_ARGUMENT);
    u = (kinesis_untag_resource_request){ARN, keys, 0, NULL};
    REFUSED(f, kinesis_untag_resource(f->client, &u, &err), KINESIS_E_INVALID_ARGUMENT);
}

/* ---- enhanced monitoring ---- */

static void enhanced_monitoring(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_enhanced_monitoring_request r = {
        "s1", KINESIS_METRIC_OUTGOING_BYTES | KINESIS_METRIC_INCOMING_BYTES, NULL};
    kinesis_enhanced_monitoring_result out;
    OK(f, "{\"StreamName\":\"s1\",\"CurrentShardLevelMetrics\":[],\"DesiredShardLevelMetrics\":"
          "[\"IncomingBytes\",\"OutgoingBytes\"],\"StreamARN\":\"arn:aws:kinesis:us-east-1:"
          "123456789012:stream/s1\"}");
    assert_int_equal(kinesis_enable_enhanced_monitoring(f->client, &r, &out, &err), KINESIS_OK);
    sent(f, "EnableEnhancedMonitoring",
         "{\"StreamName\":\"s1\",\"ShardLevelMetrics\":[\"IncomingBytes\",\"OutgoingBytes\"]}");
    assert_string_equal(out.stream_name, "s1");
    assert_string_equal(out.stream_arn, ARN);
    assert_non_null(out.current_metric_names); /* present but empty */
    assert_int_equal(out.current_metric_count, 0);
    assert_int_equal(out.current_shard_level_metrics, 0);
    assert_int_equal(out.desired_metric_count, 2);
    assert_string_equal(out.desired_metric_names[1], "OutgoingBytes");
    assert_int_equal(out.desired_shard_level_metrics,
                     KINESIS_METRIC_INCOMING_BYTES | KINESIS_METRIC_OUTGOING_BYTES);
    kinesis_enhanced_monitoring_result_clean_up(&out);

    /* every metric in the model's order; unknown names kept and flagged */
    r = (kinesis_enhanced_monitoring_request){ARN, 0x7f, SID};
    OK(f, "{\"CurrentShardLevelMetrics\":[\"ALL\",\"NewMetric\"],\"DesiredShardLevelMetrics\":null,"
          "\"StreamName\":null}");
    assert_int_equal(kinesis_disable_enhanced_monitoring(f->client, &r, &out, &err), KINESIS_OK);
    sent(f, "DisableEnhancedMonitoring",
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"ShardLevelMetrics\":[\"IncomingBytes\",\"IncomingRecords\",\"OutgoingBytes\","
         "\"OutgoingRecords\",\"WriteProvisionedThroughputExceeded\","
         "\"ReadProvisionedThroughputExceeded\",\"IteratorAgeMilliseconds\"],"
         "\"StreamId\":\"abcdefghij0123456789-x1z\"}");
    assert_null(out.stream_name);
    assert_null(out.stream_arn);
    assert_int_equal(out.current_shard_level_metrics, KINESIS_METRIC_ALL | KINESIS_METRIC_UNKNOWN);
    assert_string_equal(out.current_metric_names[1], "NewMetric");
    assert_null(out.desired_metric_names);
    assert_int_equal(out.desired_metric_count, 0);
    kinesis_enhanced_monitoring_result_clean_up(&out);
    r.shard_level_metrics = KINESIS_METRIC_ALL;
    OK(f, "");
    assert_int_equal(kinesis_enable_enhanced_monitoring(f->client, &r, &out, &err), KINESIS_OK);
    assert_null(out.current_metric_names);
    assert_null(out.desired_metric_names);
    kinesis_enhanced_monitoring_result_clean_up(&out);
    /* malformed lists */
    OK(f, "{\"CurrentShardLevelMetrics\":\"ALL\"}");
    assert_int_equal(kinesis_enable_enhanced_monitoring(f->client, &r, &out, &err),
                     KINESIS_E_BAD_RESPONSE);
    assert_null(out.internal_);
    OK(f, "{\"DesiredShardLevelMetrics\":[1]}");
    assert_int_equal(kinesis_enable_enhanced_monitoring(f->client, &r, &out, &err),
                     KINESIS_E_BAD_RESPONSE);
    /* validation: 1..7 known bits */
    uint32_t bad[] = {0, 0xff, 0x100, KINESIS_METRIC_UNKNOWN | 1};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad); i++) {
        r.shard_level_metrics = bad[i];
        REFUSED(f, kinesis_enable_enhanced_monitoring(f->client, &r, &out, &err),
                KINESIS_E_INVALID_ARGUMENT);
        REFUSED(f, kinesis_disable_enhanced_monitoring(f->client, &r, &out, &err),
                KINESIS_E_INVALID_ARGUMENT);
    }
    /* names of the bits */
    assert_string_equal(kinesis_shard_metric_name(KINESIS_METRIC_INCOMING_BYTES), "IncomingBytes");
    assert_string_equal(kinesis_shard_metric_name(KINESIS_METRIC_ITERATOR_AGE_MILLISECONDS),
                        "IteratorAgeMilliseconds");
    assert_string_equal(kinesis_shard_metric_name(KINESIS_METRIC_ALL), "ALL");
    assert_null(kinesis_shard_metric_name(0));
    assert_null(kinesis_shard_metric_name(3));
    assert_null(kinesis_shard_metric_name(KINESIS_METRIC_UNKNOWN));
}

/* ---- mode, record size, warm throughput ---- */

static void stream_mode_and_sizes(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_update_stream_mode_request m = {ARN, KINESIS_STREAM_MODE_ON_DEMAND, 0, 0, NULL};
    OK(f, "");
    assert_int_equal(kinesis_update_stream_mode(f->client, &m, &err), KINESIS_OK);
    sent(f, "UpdateStreamMode",
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"StreamModeDetails\":{\"StreamMode\":\"ON_DEMAND\"}}");
    m = (kinesis_update_stream_mode_request){ARN, KINESIS_STREAM_MODE_ON_DEMAND, 1, 0, SID};
    OK(f, "{}");
    assert_int_equal(kinesis_update_stream_mode(f->client, &m, &err), KINESIS_OK);
    sent(f, "UpdateStreamMode",
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"StreamModeDetails\":{\"StreamMode\":\"ON_DEMAND\"},\"WarmThroughputMiBps\":0,"
         "\"StreamId\":\"abcdefghij0123456789-x1z\"}");
    m = (kinesis_update_stream_mode_request){ARN, KINESIS_STREAM_MODE_PROVISIONED, 0, 0, NULL};
    OK(f, "");
    assert_int_equal(kinesis_update_stream_mode(f->client, &m, &err), KINESIS_OK);
    assert_non_null(strstr(f->mock.last_body, "\"PROVISIONED\""));
    m.stream_arn = "s1"; /* only an ARN will do */
    REFUSED(f, kinesis_update_stream_mode(f->client, &m, &err), KINESIS_E_INVALID_STREAM);
    m.stream_arn = NULL;
    REFUSED(f, kinesis_update_stream_mode(f->client, &m, &err), KINESIS_E_INVALID_STREAM);
    m.stream_arn = ARN;
    m.stream_mode = (kinesis_stream_mode)5;
    REFUSED(f, kinesis_update_stream_mode(f->client, &m, &err), KINESIS_E_INVALID_ARGUMENT);
    m.stream_mode = KINESIS_STREAM_MODE_ON_DEMAND;
    m.has_warm_throughput_mibps = 1;
    m.warm_throughput_mibps = 2147483648u;
    REFUSED(f, kinesis_update_stream_mode(f->client, &m, &err), KINESIS_E_INVALID_ARGUMENT);

    kinesis_update_max_record_size_request s = {ARN, 2048, NULL};
    OK(f, "{\"StreamName\":null,\"StreamARN\":\"x\",\"MaxRecordSizeInKiB\":2048}");
    assert_int_equal(kinesis_update_max_record_size(f->client, &s, &err), KINESIS_OK);
    sent(f, "UpdateMaxRecordSize",
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"MaxRecordSizeInKiB\":2048}");
    s = (kinesis_update_max_record_size_request){NULL, 10240, SID}; /* StreamARN is optional */
    OK(f, "");
    assert_int_equal(kinesis_update_max_record_size(f->client, &s, &err), KINESIS_OK);
    sent(f, "UpdateMaxRecordSize",
         "{\"MaxRecordSizeInKiB\":10240,\"StreamId\":\"abcdefghij0123456789-x1z\"}");
    s = (kinesis_update_max_record_size_request){ARN, 1024, NULL};
    OK(f, "");
    assert_int_equal(kinesis_update_max_record_size(f->client, &s, &err), KINESIS_OK);
    uint32_t bad_sizes[] = {0, 1023, 10241, UINT32_MAX};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad_sizes); i++) {
        s.max_record_size_kib = bad_sizes[i];
        REFUSED(f, kinesis_update_max_record_size(f->client, &s, &err), KINESIS_E_INVALID_ARGUMENT);
    }
    s = (kinesis_update_max_record_size_request){"s1", 2048, NULL};
    REFUSED(f, kinesis_update_max_record_size(f->client, &s, &err), KINESIS_E_INVALID_STREAM);
    s = (kinesis_update_max_record_size_request){NULL, 2048, NULL};
    REFUSED(f, kinesis_update_max_record_size(f->client, &s, &err), KINESIS_E_INVALID_STREAM);

    kinesis_update_stream_warm_throughput_request w = {"s1", 25, NULL};
    kinesis_update_stream_warm_throughput_result out;
    OK(f, "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\",\"StreamName\":"
          "\"s1\",\"WarmThroughput\":{\"TargetMiBps\":25,\"CurrentMiBps\":4}}");
    assert_int_equal(kinesis_update_stream_warm_throughput(f->client, &w, &out, &err), KINESIS_OK);
    sent(f, "UpdateStreamWarmThroughput", "{\"StreamName\":\"s1\",\"WarmThroughputMiBps\":25}");
    assert_string_equal(out.stream_arn, ARN);
    assert_string_equal(out.stream_name, "s1");
    assert_true(out.has_warm_throughput);
    assert_int_equal(out.target_mibps, 25);
    assert_int_equal(out.current_mibps, 4);
    kinesis_update_stream_warm_throughput_result_clean_up(&out);
    w = (kinesis_update_stream_warm_throughput_request){ARN, 0, NULL};
    OK(f, "{\"WarmThroughput\":{\"TargetMiBps\":0,\"CurrentMiBps\":null}}");
    assert_int_equal(kinesis_update_stream_warm_throughput(f->client, &w, &out, &err), KINESIS_OK);
    sent(f, "UpdateStreamWarmThroughput",
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"WarmThroughputMiBps\":0}");
    assert_null(out.stream_arn);
    assert_true(out.has_warm_throughput);
    assert_int_equal(out.target_mibps, 0);
    assert_int_equal(out.current_mibps, -1);
    kinesis_update_stream_warm_throughput_result_clean_up(&out);
    OK(f, "{\"WarmThroughput\":null}");
    assert_int_equal(kinesis_update_stream_warm_throughput(f->client, &w, &out, &err), KINESIS_OK);
    assert_false(out.has_warm_throughput);
    assert_int_equal(out.target_mibps, -1);
    kinesis_update_stream_warm_throughput_result_clean_up(&out);
    OK(f, "");
    assert_int_equal(kinesis_update_stream_warm_throughput(f->client, &w, &out, &err), KINESIS_OK);
    assert_false(out.has_warm_throughput);
    kinesis_update_stream_warm_throughput_result_clean_up(&out);
    OK(f, "{\"WarmThroughput\":[1]}");
    assert_int_equal(kinesis_update_stream_warm_throughput(f->client, &w, &out, &err),
                     KINESIS_E_BAD_RESPONSE);
    assert_null(out.internal_);
    w.warm_throughput_mibps = 2147483648u;
    REFUSED(f, kinesis_update_stream_warm_throughput(f->client, &w, &out, &err),
            KINESIS_E_INVALID_ARGUMENT);
}

/* ---- account ---- */

static void limits_and_account(void **state) {
    fixture *f = *state;
    kinesis_error err;
    kinesis_limits lim;
    OK(f, "{\"ShardLimit\":500,\"OpenShardCount\":3,\"OnDemandStreamCount\":1,"
          "\"OnDemandStreamCountLimit\":50}");
    assert_int_equal(kinesis_describe_limits(f->client, &lim, &err), KINESIS_OK);
    sent(f, "DescribeLimits", "{}");
    assert_int_equal(lim.shard_limit, 500);
    assert_int_equal(lim.open_shard_count, 3);
    assert_int_equal(lim.on_demand_stream_count, 1);
    assert_int_equal(lim.on_demand_stream_count_limit, 50);
    OK(f, "{\"ShardLimit\":500,\"OpenShardCount\":0,\"OnDemandStreamCount\":null}");
    assert_int_equal(kinesis_describe_limits(f->client, &lim, &err), KINESIS_OK);
    assert_int_equal(lim.open_shard_count, 0);
    assert_int_equal(lim.on_demand_stream_count, -1);
    assert_int_equal(lim.on_demand_stream_count_limit, -1);
    OK(f, "");
    assert_int_equal(kinesis_describe_limits(f->client, &lim, &err), KINESIS_E_BAD_RESPONSE);
    assert_int_equal(lim.shard_limit, 0);
    reply(f, 400, "{\"__type\":\"LimitExceededException\",\"message\":\"1 TPS\"}");
    assert_int_equal(kinesis_describe_limits(f->client, &lim, &err), KINESIS_E_LIMIT_EXCEEDED);

    kinesis_account_settings s;
    OK(f,
       "{\"MinimumThroughputBillingCommitment\":{\"Status\":\"ENABLED_UNTIL_EARLIEST_ALLOWED_"
       "END\",\"StartedAt\":1700000000.5,\"EndedAt\":null,\"EarliestAllowedEndAt\":1731536000}}");
    assert_int_equal(kinesis_describe_account_settings(f->client, &s, &err), KINESIS_OK);
    sent(f, "DescribeAccountSettings", "{}");
    assert_true(s.has_minimum_throughput_billing_commitment);
    assert_int_equal(s.status, KINESIS_BILLING_COMMITMENT_ENABLED_UNTIL_EARLIEST_ALLOWED_END);
    assert_string_equal(s.status_name, "ENABLED_UNTIL_EARLIEST_ALLOWED_END");
    assert_true(s.has_started_at);
    assert_true(s.started_at == 1700000000.5);
    assert_false(s.has_ended_at);
    assert_true(s.has_earliest_allowed_end_at);
    assert_true(s.earliest_allowed_end_at == 1731536000.0);
    OK(f, "{\"MinimumThroughputBillingCommitment\":null}");
    assert_int_equal(kinesis_describe_account_settings(f->client, &s, &err), KINESIS_OK);
    assert_false(s.has_minimum_throughput_billing_commitment);
    OK(f, "");
    assert_int_equal(kinesis_describe_account_settings(f->client, &s, &err), KINESIS_OK);
    assert_false(s.has_minimum_throughput_billing_commitment);
    OK(f, "{\"MinimumThroughputBillingCommitment\":{\"Status\":\"PAUSED\"}}");
    assert_int_equal(kinesis_describe_account_settings(f->client, &s, &err), KINESIS_OK);
    assert_int_equal(s.status, KINESIS_BILLING_COMMITMENT_UNSET);
    assert_string_equal(s.status_name, "PAUSED");
    OK(f, "{\"MinimumThroughputBillingCommitment\":{\"StartedAt\":1}}"); /* Status required */
    assert_int_equal(kinesis_describe_account_settings(f->client, &s, &err),
                     KINESIS_E_BAD_RESPONSE);
    assert_false(s.has_minimum_throughput_billing_commitment);
    OK(f, "{\"MinimumThroughputBillingCommitment\":{\"Status\":\"AN_EXCEEDINGLY_LONG_STATUS_"
          "NAME_THAT_DOES_NOT_FIT_IN_THE_BUFFER\"}}");
    assert_int_equal(kinesis_describe_account_settings(f->client, &s, &err),
                     KINESIS_E_BAD_RESPONSE);

    kinesis_update_account_settings_request u = {KINESIS_BILLING_COMMITMENT_ENABLED};
    OK(f, "{\"MinimumThroughputBillingCommitment\":{\"Status\":\"ENABLED\",\"StartedAt\":5}}");
    assert_int_equal(kinesis_update_account_settings(f->client, &u, &s, &err), KINESIS_OK);
    sent(f, "UpdateAccountSettings",
         "{\"MinimumThroughputBillingCommitment\":{\"Status\":"
         "\"ENABLED\"}}");
    assert_int_equal(s.status, KINESIS_BILLING_COMMITMENT_ENABLED);
    assert_true(s.started_at == 5.0);
    u.minimum_throughput_billing_commitment = KINESIS_BILLING_COMMITMENT_DISABLED;
    OK(f, "");
    assert_int_equal(kinesis_update_account_settings(f->client, &u, NULL, &err), KINESIS_OK);
    sent(f, "UpdateAccountSettings",
         "{\"MinimumThroughputBillingCommitment\":{\"Status\":"
         "\"DISABLED\"}}");
    kinesis_billing_commitment_status bad[] = {
        KINESIS_BILLING_COMMITMENT_UNSET,
        KINESIS_BILLING_COMMITMENT_ENABLED_UNTIL_EARLIEST_ALLOWED_END,
        (kinesis_billing_commitment_status)9};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad); i++) {
        u.minimum_throughput_billing_commitment = bad[i];
        REFUSED(f, kinesis_update_account_settings(f->client, &u, &s, &err),
                KINESIS_E_INVALID_ARGUMENT);
    }
}

/* ---- resource policies ---- */

static void resource_policies(void **state) {
    fixture *f = *state;
    kinesis_error err;
    const char *policy = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
    kinesis_put_resource_policy_request p = {ARN, policy, NULL};
    OK(f, "");
    assert_int_equal(kinesis_put_resource_policy(f->client, &p, &err), KINESIS_OK);
    sent(f, "PutResourcePolicy",
         "{\"ResourceARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\",\"Policy\":"
         "\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[]}\"}");
    kinesis_resource_request r = {ARN, SID};
    kinesis_resource_policy out;
    OK(f, "{\"Policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\"}\"}");
    assert_int_equal(kinesis_get_resource_policy(f->client, &r, &out, &err), KINESIS_OK);
    sent(f, "GetResourcePolicy",
         "{\"ResourceARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\","
         "\"StreamId\":\"abcdefghij0123456789-x1z\"}");
    assert_string_equal(out.policy, "{\"Version\":\"2012-10-17\"}");
    kinesis_resource_policy_clean_up(&out);
    assert_null(out.policy);
    OK(f, "{\"Policy\":null}"); /* required member missing */
    assert_int_equal(kinesis_get_resource_policy(f->client, &r, &out, &err),
                     KINESIS_E_BAD_RESPONSE);
    assert_null(out.internal_);
    OK(f, "");
    assert_int_equal(kinesis_get_resource_policy(f->client, &r, &out, &err),
                     KINESIS_E_BAD_RESPONSE);
    reply(f, 400, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"No resource policy\"}");
    assert_int_equal(kinesis_get_resource_policy(f->client, &r, &out, &err),
                     KINESIS_E_RESOURCE_NOT_FOUND);
    r.stream_id = NULL;
    OK(f, "{}");
    assert_int_equal(kinesis_delete_resource_policy(f->client, &r, &err), KINESIS_OK);
    sent(f, "DeleteResourcePolicy",
         "{\"ResourceARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s1\"}");
    /* validation */
    const char *bad_policies[] = {NULL, "", "{\"a\":\"\xff\"}"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad_policies); i++) {
        p.policy = bad_policies[i];
        REFUSED(f, kinesis_put_resource_policy(f->client, &p, &err), KINESIS_E_INVALID_ARGUMENT);
    }
    p = (kinesis_put_resource_policy_request){"s1", policy, NULL};
    REFUSED(f, kinesis_put_resource_policy(f->client, &p, &err), KINESIS_E_INVALID_ARGUMENT);
    r.resource_arn = "stream/s1";
    REFUSED(f, kinesis_get_resource_policy(f->client, &r, &out, &err), KINESIS_E_INVALID_ARGUMENT);
    REFUSED(f, kinesis_delete_resource_policy(f->client, &r, &err), KINESIS_E_INVALID_ARGUMENT);
}

/* ---- errors: every type the model lists for every operation ---- */

/* Generated once from botocore's kinesis 2013-12-02 service model:
 *   m = botocore.session.get_session().get_service_model('kinesis')
 *   [(o, [e.name for e in m.operation_model(o).error_shapes]) for o in m.operation_names] */
typedef struct op_errors {
    const char *operation;
    const char *errors[13];
} op_errors;

static const op_errors model_errors[] = {
    {"AddTagsToStream",
     {"ResourceNotFoundException", "ResourceInUseException", "InvalidArgumentException",
      "LimitExceededException", "AccessDeniedException"}},
    {"CreateStream",
     {"ResourceInUseException", "LimitExceededException", "InvalidArgumentException",
      "ValidationException"}},
    {"DecreaseStreamRetentionPeriod",
     {"ResourceInUseException", "ResourceNotFoundException", "LimitExceededException",
      "InvalidArgumentException", "AccessDeniedException"}},
    {"DeleteResourcePolicy",
     {"AccessDeniedException", "ResourceNotFoundException", "LimitExceededException",
      "InvalidArgumentException", "ResourceInUseException"}},
    {"DeleteStream",
     {"ResourceNotFoundException", "LimitExceededException", "ResourceInUseException",
      "InvalidArgumentException", "AccessDeniedException"}},
    {"DeregisterStreamConsumer",
     {"LimitExceededException", "ResourceNotFoundException", "InvalidArgumentException"}},
    {"DescribeAccountSettings", {"LimitExceededException"}},
    {"DescribeLimits", {"LimitExceededException"}},
    {"DescribeStream",
     {"ResourceNotFoundException", "LimitExceededException", "InvalidArgumentException",
      "AccessDeniedException"}},
    {"DescribeStreamConsumer",
     {"LimitExceededException", "ResourceNotFoundException", "InvalidArgumentException"}},
    {"DescribeStreamSummary",
     {"ResourceNotFoundException", "LimitExceededException", "InvalidArgumentException",
      "AccessDeniedException"}},
    {"DisableEnhancedMonitoring",
     {"InvalidArgumentException", "LimitExceededException", "ResourceInUseException",
      "ResourceNotFoundException", "AccessDeniedException"}},
    {"EnableEnhancedMonitoring",
     {"InvalidArgumentException", "LimitExceededException", "ResourceInUseException",
      "ResourceNotFoundException", "AccessDeniedException"}},
    {"GetRecords",
     {"ResourceNotFoundException", "InvalidArgumentException",
      "ProvisionedThroughputExceededException", "ExpiredIteratorException", "KMSDisabledException",
      "KMSInvalidStateException", "KMSAccessDeniedException", "KMSNotFoundException",
      "KMSOptInRequired", "KMSThrottlingException", "AccessDeniedException",
      "InternalFailureException"}},
    {"GetResourcePolicy",
     {"AccessDeniedException", "ResourceNotFoundException", "LimitExceededException",
      "InvalidArgumentException", "ResourceInUseException"}},
    {"GetShardIterator",
     {"ResourceNotFoundException", "InvalidArgumentException",
      "ProvisionedThroughputExceededException", "AccessDeniedException",
      "InternalFailureException"}},
    {"IncreaseStreamRetentionPeriod",
     {"ResourceInUseException", "ResourceNotFoundException", "LimitExceededException",
      "InvalidArgumentException", "AccessDeniedException"}},
    {"ListShards",
     {"ResourceNotFoundException", "InvalidArgumentException", "LimitExceededException",
      "ExpiredNextTokenException", "ResourceInUseException", "AccessDeniedException"}},
    {"ListStreamConsumers",
     {"ResourceNotFoundException", "InvalidArgumentException", "LimitExceededException",
      "ExpiredNextTokenException", "ResourceInUseException"}},
    {"ListStreams",
     {"LimitExceededException", "ExpiredNextTokenException", "InvalidArgumentException"}},
    {"ListTagsForResource",
     {"ResourceNotFoundException", "ResourceInUseException", "InvalidArgumentException",
      "LimitExceededException", "AccessDeniedException"}},
    {"ListTagsForStream",
     {"ResourceNotFoundException", "InvalidArgumentException", "LimitExceededException",
      "AccessDeniedException"}},
    {"MergeShards",
     {"ResourceNotFoundException", "ResourceInUseException", "InvalidArgumentException",
      "LimitExceededException", "ValidationException", "AccessDeniedException"}},
    {"PutRecord",
     {"ResourceNotFoundException", "InvalidArgumentException",
      "ProvisionedThroughputExceededException", "KMSDisabledException", "KMSInvalidStateException",
      "KMSAccessDeniedException", "KMSNotFoundException", "KMSOptInRequired",
      "KMSThrottlingException", "AccessDeniedException", "InternalFailureException"}},
    {"PutRecords",
     {"ResourceNotFoundException", "InvalidArgumentException",
      "ProvisionedThroughputExceededException", "KMSDisabledException", "KMSInvalidStateException",
      "KMSAccessDeniedException", "KMSNotFoundException", "KMSOptInRequired",
      "KMSThrottlingException", "AccessDeniedException", "InternalFailureException"}},
    {"PutResourcePolicy",
     {"AccessDeniedException", "ResourceNotFoundException", "LimitExceededException",
      "InvalidArgumentException", "ResourceInUseException"}},
    {"RegisterStreamConsumer",
     {"InvalidArgumentException", "LimitExceededException", "ResourceInUseException",
      "ResourceNotFoundException"}},
    {"RemoveTagsFromStream",
     {"ResourceNotFoundException", "ResourceInUseException", "InvalidArgumentException",
      "LimitExceededException", "AccessDeniedException"}},
    {"SplitShard",
     {"ResourceNotFoundException", "ResourceInUseException", "InvalidArgumentException",
      "LimitExceededException", "ValidationException", "AccessDeniedException"}},
    {"StartStreamEncryption",
     {"InvalidArgumentException", "LimitExceededException", "ResourceInUseException",
      "ResourceNotFoundException", "KMSDisabledException", "KMSInvalidStateException",
      "KMSAccessDeniedException", "KMSNotFoundException", "KMSOptInRequired",
      "KMSThrottlingException", "AccessDeniedException"}},
    {"StopStreamEncryption",
     {"InvalidArgumentException", "LimitExceededException", "ResourceInUseException",
      "ResourceNotFoundException", "AccessDeniedException"}},
    {"SubscribeToShard",
     {"ResourceNotFoundException", "InvalidArgumentException", "ResourceInUseException",
      "LimitExceededException", "AccessDeniedException"}},
    {"TagResource",
     {"ResourceNotFoundException", "ResourceInUseException", "InvalidArgumentException",
      "LimitExceededException", "AccessDeniedException"}},
    {"UntagResource",
     {"ResourceNotFoundException", "ResourceInUseException", "InvalidArgumentException",
      "LimitExceededException", "AccessDeniedException"}},
    {"UpdateAccountSettings",
     {"InvalidArgumentException", "ValidationException", "LimitExceededException"}},
    {"UpdateMaxRecordSize",
     {"ResourceInUseException", "ResourceNotFoundException", "LimitExceededException",
      "InvalidArgumentException", "AccessDeniedException", "ValidationException"}},
    {"UpdateShardCount",
     {"InvalidArgumentException", "LimitExceededException", "ResourceInUseException",
      "ResourceNotFoundException", "ValidationException", "AccessDeniedException"}},
    {"UpdateStreamMode",
     {"InvalidArgumentException", "LimitExceededException", "ResourceInUseException",
      "ResourceNotFoundException", "ValidationException"}},
    {"UpdateStreamWarmThroughput",
     {"AccessDeniedException", "ResourceNotFoundException", "LimitExceededException",
      "InvalidArgumentException", "ResourceInUseException", "ValidationException"}},
};

/* The status each error type should have (what a caller branches on). */
static const struct {
    const char *type;
    kinesis_status status;
} expected_status[] = {
    {"AccessDeniedException", KINESIS_E_ACCESS_DENIED},
    {"ExpiredIteratorException", KINESIS_E_EXPIRED_ITERATOR},
    {"ExpiredNextTokenException", KINESIS_E_EXPIRED_NEXT_TOKEN},
    {"InternalFailureException", KINESIS_E_SERVICE_UNAVAILABLE},
    {"InvalidArgumentException", KINESIS_E_VALIDATION},
    {"KMSAccessDeniedException", KINESIS_E_KMS},
    {"KMSDisabledException", KINESIS_E_KMS},
    {"KMSInvalidStateException", KINESIS_E_KMS},
    {"KMSNotFoundException", KINESIS_E_KMS},
    {"KMSOptInRequired", KINESIS_E_KMS},
    {"KMSThrottlingException", KINESIS_E_THROTTLED},
    {"LimitExceededException", KINESIS_E_LIMIT_EXCEEDED},
    {"ProvisionedThroughputExceededException", KINESIS_E_THROTTLED},
    {"ResourceInUseException", KINESIS_E_RESOURCE_IN_USE},
    {"ResourceNotFoundException", KINESIS_E_RESOURCE_NOT_FOUND},
    {"ValidationException", KINESIS_E_VALIDATION},
};

static void every_model_error_type_is_recognised(void **state) {
    (void)state;
    assert_int_equal(KINESIS_ARRAY_LEN(model_errors), 39);
    size_t checked = 0;
    int failures = 0;
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(model_errors); i++) {
        for (size_t j = 0; model_errors[i].errors[j]; j++) {
            const char *type = model_errors[i].errors[j];
            kinesis_status st = kinesis_status_from_error_type(type);
            kinesis_status want = KINESIS_E_SERVICE;
            for (size_t k = 0; k < KINESIS_ARRAY_LEN(expected_status); k++)
                if (strcmp(expected_status[k].type, type) == 0) want = expected_status[k].status;
            if (st == KINESIS_E_SERVICE || want == KINESIS_E_SERVICE || st != want) {
                fprintf(stderr, "%s: %s maps to %s (want %s)\n", model_errors[i].operation, type,
                        kinesis_status_name(st), kinesis_status_name(want));
                failures++;
            }
            /* the same through a whole error response, with and without a namespace */
            char body[256];
            snprintf(body, sizeof(body),
                     "{\"__type\":\"com.amazonaws.kinesis.v20131202#%s\",\"message\":\"m\"}", type);
            kinesis_error err;
            kinesis_status cst =
                kinesis_classify_error_response(400, body, strlen(body), NULL, &err);
            if (cst != st || strcmp(err.type, type) != 0) {
                fprintf(stderr, "%s: %s classified as %s/%s\n", model_errors[i].operation, type,
                        kinesis_status_name(cst), err.type);
                failures++;
            }
            checked++;
        }
    }
    assert_true(checked > 150);
    assert_int_equal(failures, 0);
}

/* A service error through each typed call: its status, type and an empty result. */
static void service_errors_through_each_call(void **state) {
    fixture *f = *state;
    kinesis_error err;
    const char *nf = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"gone\"}";
    kinesis_tag tag = {"k", "v"};
    const char *key = "k";
    kinesis_update_shard_count_result usc;
    kinesis_tag_list tl;
    kinesis_enhanced_monitoring_result em;
    kinesis_update_stream_warm_throughput_result wt;
    kinesis_resource_policy rp;
    kinesis_resource_request rr = {ARN, NULL};
#define EXPECT_NF(call)                                                                            \
    do {                                                                                           \
        reply(f, 400, nf);                                                                         \
        assert_int_equal((call), KINESIS_E_RESOURCE_NOT_FOUND);                                    \
        assert_string_equal(err.type, "ResourceNotFoundException");                                \
        assert_int_equal(err.http_status, 400);                                                    \
    } while (0)
    EXPECT_NF(
        kinesis_split_shard(f->client, &(kinesis_split_shard_request){"s", "a", "1", NULL}, &err));
    EXPECT_NF(kinesis_merge_shards(f->client, &(kinesis_merge_shards_request){"s", "a", "b", NULL},
                                   &err));
    EXPECT_NF(kinesis_update_shard_count(
        f->client, &(kinesis_update_shard_count_request){"s", 2, KINESIS_SCALING_UNIFORM, NULL},
        &usc, &err));
    assert_null(usc.internal_);
    EXPECT_NF(kinesis_increase_stream_retention_period(
        f->client, &(kinesis_stream_retention_request){"s", 48, NULL}, &err));
    EXPECT_NF(kinesis_decrease_stream_retention_period(
        f->client, &(kinesis_stream_retention_request){"s", 24, NULL}, &err));
    EXPECT_NF(kinesis_start_stream_encryption(
        f->client, &(kinesis_stream_encryption_request){"s", KINESIS_ENCRYPTION_KMS, "k", NULL},
        &err));
    EXPECT_NF(kinesis_stop_stream_encryption(
        f->client, &(kinesis_stream_encryption_request){"s", KINESIS_ENCRYPTION_KMS, "k", NULL},
        &err));
    EXPECT_NF(kinesis_add_tags_to_stream(
        f->client, &(kinesis_add_tags_to_stream_request){"s", &tag, 1, NULL}, &err));
    EXPECT_NF(kinesis_remove_tags_from_stream(
        f->client, &(kinesis_remove_tags_from_stream_request){"s", &key, 1, NULL}, &err));
    EXPECT_NF(kinesis_list_tags_for_stream(
        f->client, &(kinesis_list_tags_for_stream_request){"s", NULL, 0, NULL}, &tl, &err));
    assert_null(tl.internal_);
    EXPECT_NF(
        kinesis_tag_resource(f->client, &(kinesis_tag_resource_request){ARN, &tag, 1, NULL}, &err));
    EXPECT_NF(kinesis_untag_resource(f->client,
                                     &(kinesis_untag_resource_request){ARN, &key, 1, NULL}, &err));
    EXPECT_NF(kinesis_list_tags_for_resource(f->client, &rr, &tl, &err));
    EXPECT_NF(kinesis_enable_enhanced_monitoring(
        f->client, &(kinesis_enhanced_monitoring_request){"s", KINESIS_METRIC_ALL, NULL}, &em,
        &err));
    assert_null(em.internal_);
    EXPECT_NF(kinesis_disable_enhanced_monitoring(
        f->client, &(kinesis_enhanced_monitoring_request){"s", KINESIS_METRIC_ALL, NULL}, &em,
        &err));
    EXPECT_NF(kinesis_update_stream_mode(
        f->client,
        &(kinesis_update_stream_mode_request){ARN, KINESIS_STREAM_MODE_ON_DEMAND, 0, 0, NULL},
        &err));
    EXPECT_NF(kinesis_update_max_record_size(
        f->client, &(kinesis_update_max_record_size_request){ARN, 2048, NULL}, &err));
    EXPECT_NF(kinesis_update_stream_warm_throughput(
        f->client, &(kinesis_update_stream_warm_throughput_request){"s", 1, NULL}, &wt, &err));
    assert_null(wt.internal_);
    EXPECT_NF(kinesis_put_resource_policy(
        f->client, &(kinesis_put_resource_policy_request){ARN, "{}", NULL}, &err));
    EXPECT_NF(kinesis_get_resource_policy(f->client, &rr, &rp, &err));
    assert_null(rp.internal_);
    EXPECT_NF(kinesis_delete_resource_policy(f->client, &rr, &err));
#undef EXPECT_NF
    /* a server that lacks an operation (kinesalite) */
    reply(f, 400, "{\"__type\":\"UnknownOperationException\"}");
    kinesis_limits lim;
    assert_int_equal(kinesis_describe_limits(f->client, &lim, &err), KINESIS_E_UNSUPPORTED);
    assert_string_equal(err.type, "UnknownOperationException");
    /* and one that answers with an HTML page (moto for operations it has not implemented) */
    reply(f, 500, "<!doctype html><title>500 Internal Server Error</title>");
    kinesis_account_settings s;
    assert_int_equal(kinesis_describe_account_settings(f->client, &s, &err),
                     KINESIS_E_SERVICE_UNAVAILABLE);
    assert_int_equal(err.http_status, 500);
    assert_false(s.has_minimum_throughput_billing_commitment);
}

/* Every allocation failure while building, signing and sending the first request of a listing
 * and of a parsed result: a clean status, no leak (checked by teardown), never a crash. Failures
 * inside the response parser are left out: yajl 2.1 dereferences its own failed allocations
 * (yajl_alloc, lexer, buffers), a lib/json.c matter. */
static void allocation_failures(void **state) {
    fixture *f = *state;
    f->mock.disarm = &f->alloc;
    int saw_oom = 0, saw_ok = 0;
    for (long n = 1; n < 400 && !saw_ok; n++) {
        f->mock.calls = f->mock.script_len = 0;
        OK(f, "{\"Tags\":[{\"Key\":\"a\",\"Value\":\"1\"}],\"HasMoreTags\":true}");
        OK(f, "{\"Tags\":[{\"Key\":\"b\"}],\"HasMoreTags\":false}");
        f->alloc.fail_at = f->alloc.total + n;
        kinesis_list_tags_for_stream_request r = {"s1", NULL, 0, NULL};
        kinesis_tag_list out;
        kinesis_error err;
        kinesis_status st = kinesis_list_tags_for_stream(f->client, &r, &out, &err);
        f->alloc.fail_at = 0;
        if (st == KINESIS_OK) {
            assert_int_equal(out.tag_count, 2);
            kinesis_tag_list_clean_up(&out);
            saw_ok = 1;
        } else {
            assert_null(out.internal_);
            saw_oom |= st == KINESIS_E_NO_MEMORY;
        }
    }
    assert_true(saw_ok);
    assert_true(saw_oom);
    saw_ok = saw_oom = 0;
    for (long n = 1; n < 400 && !saw_ok; n++) {
        f->mock.calls = f->mock.script_len = 0;
        OK(f, "{\"CurrentShardLevelMetrics\":[\"ALL\"],\"DesiredShardLevelMetrics\":[]}");
        f->alloc.fail_at = f->alloc.total + n;
        kinesis_enhanced_monitoring_request r = {"s1", KINESIS_METRIC_ALL, NULL};
        kinesis_enhanced_monitoring_result out;
        kinesis_error err;
        kinesis_status st = kinesis_enable_enhanced_monitoring(f->client, &r, &out, &err);
        f->alloc.fail_at = 0;
        if (st == KINESIS_OK) {
            assert_int_equal(out.current_shard_level_metrics, KINESIS_METRIC_ALL);
            kinesis_enhanced_monitoring_result_clean_up(&out);
            saw_ok = 1;
        } else {
            assert_null(out.internal_);
            saw_oom |= st == KINESIS_E_NO_MEMORY;
        }
    }
    assert_true(saw_ok);
    assert_true(saw_oom);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(split_shard, setup, teardown),
        cmocka_unit_test_setup_teardown(merge_shards, setup, teardown),
        cmocka_unit_test_setup_teardown(update_shard_count, setup, teardown),
        cmocka_unit_test_setup_teardown(retention, setup, teardown),
        cmocka_unit_test_setup_teardown(encryption, setup, teardown),
        cmocka_unit_test_setup_teardown(add_and_remove_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(list_tags_for_stream_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(resource_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(enhanced_monitoring, setup, teardown),
        cmocka_unit_test_setup_teardown(stream_mode_and_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(limits_and_account, setup, teardown),
        cmocka_unit_test_setup_teardown(resource_policies, setup, teardown),
        cmocka_unit_test(every_model_error_type_is_recognised),
        cmocka_unit_test_setup_teardown(service_errors_through_each_call, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SubscribeToShard with a scripted transport streaming event-stream bytes: events as they arrive
 * (in any chunking), initial-response optional, exceptions and error messages mapped to
 * statuses, truncated and corrupt streams, caller stop and cancel. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/kinesis.h"
#include "mock_transport.h"

#define CONSUMER_ARN "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1"

typedef mock_client fixture;

/* The event-stream bytes the scripted transport serves; reset before each test. */
static uint8_t stream_bytes[8192];
static size_t stream_len;

static int setup(void **state) {
    stream_len = 0;
    return mock_client_setup(state);
}

static kinesis_eventstream_header str_header(const char *name, const char *value) {
    kinesis_eventstream_header h = {name, strlen(name),           KINESIS_EVENTSTREAM_STRING,
                                    0,    (const uint8_t *)value, strlen(value)};
    return h;
}

/* Append one message with the given :message-type and type header to the fixture's stream. */
static void add_message(const char *message_type, const char *type_header, const char *type,
                        const char *payload) {
    kinesis_eventstream_header h[3] = {str_header(":message-type", message_type),
                                       str_header(type_header, type),
                                       str_header(":content-type", "application/json")};
    size_t n = 0;
    assert_int_equal(kinesis_eventstream_encode(h, 3, (const uint8_t *)payload, strlen(payload),
                                                stream_bytes + stream_len,
                                                sizeof(stream_bytes) - stream_len, &n),
                     KINESIS_OK);
    stream_len += n;
}

static void add_event(const char *continuation, const char *data_b64, const char *children) {
    char payload[1024];
    snprintf(payload, sizeof(payload),
             "{\"ContinuationSequenceNumber\":\"%s\",\"MillisBehindLatest\":%d,\"Records\":"
             "[{\"Data\":\"%s\",\"PartitionKey\":\"pk\",\"SequenceNumber\":\"%s\","
             "\"ApproximateArrivalTimestamp\":1700000000.5}]%s%s}",
             continuation, 7, data_b64, continuation, children ? ",\"ChildShards\":" : "",
             children ? children : "");
    add_message("event", ":event-type", "SubscribeToShardEvent", payload);
}

static void serve(fixture *f, size_t chunk) {
    scripted_response r = {.transport_status = KINESIS_OK,
                           .http_status = 200,
                           .body = (const char *)stream_bytes,
                           .body_len = stream_len,
                           .chunk_size = chunk};
    f->mock.script[f->mock.script_len++] = r;
}

typedef struct seen {
    int events;
    int records;
    char data[8][32];
    int stop_after;
    kinesis_subscription *cancel_after_first;
} seen;

static int on_event(void *user, const kinesis_subscribe_to_shard_event *ev) {
    seen *s = user;
    for (size_t i = 0; i < ev->record_count && s->records < 8; i++) {
        snprintf(s->data[s->records++], 32, "%.*s", (int)ev->records[i].data_len,
                 (const char *)ev->records[i].data);
        double t = ev->records[i].approximate_arrival_timestamp;
        assert_true(t == 0 || t > 1.7e9);
    }
    s->events++;
    if (s->cancel_after_first) kinesis_subscription_cancel(s->cancel_after_first);
    return s->stop_after && s->events >= s->stop_after;
}

static kinesis_subscribe_to_shard_request request(void) {
    kinesis_subscribe_to_shard_request req = {
        CONSUMER_ARN, "shardId-000000000000", {KINESIS_ITERATOR_LATEST, NULL, 0}};
    return req;
}

static void events_in_any_chunking(void **state) {
    fixture *f = *state;
    add_message("event", ":event-type", "initial-response", "{}");
    add_event("1", "aGVsbG8=", NULL);
    add_event("2", "d29ybGQ=", NULL);
    add_event("3", "",
              "[{\"ShardId\":\"shardId-1\",\"ParentShards\":[\"shardId-0\"],\"HashKeyRange\":{"
              "\"StartingHashKey\":\"0\",\"EndingHashKey\":\"10\"}}]");
    const size_t chunks[] = {0, 1, 7, 64};
    for (size_t c = 0; c < 4; c++) {
        serve(f, chunks[c]);
        seen s = {0};
        kinesis_subscribe_to_shard_result res;
        kinesis_error err;
        kinesis_subscribe_to_shard_request req = request();
        assert_int_equal(
            kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, &res, &err),
            KINESIS_OK);
        assert_int_equal(s.events, 3);
        assert_string_equal(s.data[0], "hello");
        assert_string_equal(s.data[1], "world");
        assert_int_equal(res.events, 3);
        assert_int_equal(res.records, 3);
        assert_string_equal(res.continuation_sequence_number, "3");
        assert_true(res.shard_ended);
    }
    assert_string_equal(f->mock.last_target, "Kinesis_20131202.SubscribeToShard");
    assert_string_equal(f->mock.last_body, "{\"ConsumerARN\":\"" CONSUMER_ARN
                                           "\",\"ShardId\":\"shardId-000000000000\","
                                           "\"StartingPosition\":{\"Type\":\"LATEST\"}}");
}

static void without_initial_response_and_exceptions(void **state) {
    fixture *f = *state;
    add_event("1", "aGVsbG8=", NULL); /* kinesis-local omits initial-response */
    add_message("exception", ":exception-type", "ResourceInUseException",
                "{\"message\":\"Another active subscription exists\"}");
    serve(f, 5);
    seen s = {0};
    kinesis_error err;
    kinesis_subscribe_to_shard_request req = request();
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_RESOURCE_IN_USE);
    assert_int_equal(s.events, 1);
    assert_string_equal(err.type, "ResourceInUseException");
    assert_string_equal(err.message, "Another active subscription exists");

    /* an error message (not an exception) */
    stream_len = 0;
    kinesis_eventstream_header h[3] = {str_header(":message-type", "error"),
                                       str_header(":error-code", "InternalFailure"),
                                       str_header(":error-message", "boom")};
    size_t n;
    kinesis_eventstream_encode(h, 3, NULL, 0, stream_bytes, sizeof(stream_bytes), &n);
    stream_len = n;
    serve(f, 0);
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_SERVICE_UNAVAILABLE);
    assert_string_equal(err.type, "InternalFailure");
    assert_string_equal(err.message, "boom");
}

static void truncated_and_corrupt_streams(void **state) {
    fixture *f = *state;
    add_event("1", "aGVsbG8=", NULL);
    add_event("2", "aGVsbG8=", NULL);
    size_t whole = stream_len;
    kinesis_subscribe_to_shard_request req = request();
    kinesis_error err;
    /* the connection ends inside the second message */
    stream_len = whole - 5;
    serve(f, 0);
    seen s = {0};
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_EVENT_STREAM);
    assert_int_equal(s.events, 1);
    assert_non_null(strstr(err.message, "truncated"));
    /* a flipped payload byte fails the message CRC */
    stream_len = whole;
    stream_bytes[whole - 20] ^= 0x40;
    serve(f, 3);
    memset(&s, 0, sizeof(s));
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_EVENT_STREAM);
    assert_non_null(strstr(err.message, "CRC"));
    assert_int_equal(s.events, 1);
    /* an event whose JSON is broken */
    stream_len = 0;
    add_message("event", ":event-type", "SubscribeToShardEvent", "{\"Records\":[{\"Data\":");
    serve(f, 0);
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_BAD_RESPONSE);
}

static void stop_cancel_and_http_errors(void **state) {
    fixture *f = *state;
    for (int i = 0; i < 4; i++) add_event("9", "aGVsbG8=", NULL);
    kinesis_subscribe_to_shard_request req = request();
    kinesis_error err;
    serve(f, 0);
    seen s = {0};
    s.stop_after = 2;
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_CANCELLED);
    assert_int_equal(s.events, 2);

    kinesis_subscription *sub = kinesis_subscription_new(&f->alloc.base);
    serve(f, 1);
    memset(&s, 0, sizeof(s));
    s.cancel_after_first = sub;
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, sub, on_event, &s, NULL, &err),
                     KINESIS_E_CANCELLED);
    assert_int_equal(s.events, 1);
    kinesis_subscription_destroy(sub);

    /* the initial HTTP answer is an error: classified like any call, retried when retryable */
    f->mock.script[f->mock.script_len++] = (scripted_response){
        .transport_status = KINESIS_OK,
        .http_status = 400,
        .body = "{\"__type\":\"LimitExceededException\",\"message\":\"slow down\"}",
        .date = NULL,
        .error_type_header = NULL,
        .body_len = 0,
        .chunk_size = 0};
    serve(f, 0);
    memset(&s, 0, sizeof(s));
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_OK);
    assert_int_equal(s.events, 4);
    f->mock.script[f->mock.script_len++] = (scripted_response){
        .transport_status = KINESIS_OK,
        .http_status = 400,
        .body = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no consumer\"}",
        .date = NULL,
        .error_type_header = NULL,
        .body_len = 0,
        .chunk_size = 0};
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_RESOURCE_NOT_FOUND);
    assert_string_equal(err.message, "no consumer");
    /* validation before sending */
    size_t calls = f->mock.calls;
    req.consumer_arn = "not-an-arn";
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    req = request();
    req.starting_position.type = KINESIS_ITERATOR_AT_SEQUENCE_NUMBER;
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(f->mock.calls, calls);
}

static void fixture_file_from_the_decoder_tests(void **state) {
    fixture *f = *state;
    size_t len;
    uint8_t *bytes = test_read_file("eventstream/subscribe_to_shard.bin", &len);
    assert_non_null(bytes);
    assert_true(len < sizeof(stream_bytes));
    memcpy(stream_bytes, bytes, len);
    free(bytes);
    stream_len = len;
    serve(f, 11);
    seen s = {0};
    kinesis_error err;
    kinesis_subscribe_to_shard_request req = request();
    assert_int_equal(kinesis_subscribe_to_shard(f->client, &req, NULL, on_event, &s, NULL, &err),
                     KINESIS_E_RESOURCE_NOT_FOUND);
    assert_int_equal(s.events, 2);
    assert_string_equal(s.data[0], "hello");
    assert_string_equal(err.message, "Stream not found");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(events_in_any_chunking, setup, mock_client_teardown),
        cmocka_unit_test_setup_teardown(without_initial_response_and_exceptions, setup,
                                        mock_client_teardown),
        cmocka_unit_test_setup_teardown(truncated_and_corrupt_streams, setup, mock_client_teardown),
        cmocka_unit_test_setup_teardown(stop_cancel_and_http_errors, setup, mock_client_teardown),
        cmocka_unit_test_setup_teardown(fixture_file_from_the_decoder_tests, setup,
                                        mock_client_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

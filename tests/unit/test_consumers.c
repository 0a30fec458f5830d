/* Consumer operations and waiters with a scripted transport. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "kinesis/kinesis.h"
#include "mock_transport.h"

typedef mock_client fixture;

#define STREAM_ARN "arn:aws:kinesis:us-east-1:123456789012:stream/s1"
#define CONSUMER_ARN STREAM_ARN "/consumer/app:1700000000"

static void register_describe_deregister(void **state) {
    fixture *f = *state;
    mock_transport *m = &f->mock;
    kinesis_error err;
    kinesis_stream_consumer c;
    m->script[m->script_len++] =
        OK_JSON("{\"Consumer\":{\"ConsumerName\":\"app\",\"ConsumerARN\":\"" CONSUMER_ARN
                "\",\"ConsumerStatus\":\"CREATING\",\"ConsumerCreationTimestamp\":1700000000.5}}");
    assert_int_equal(kinesis_register_stream_consumer(f->client, STREAM_ARN, "app", &c, &err),
                     KINESIS_OK);
    assert_string_equal(m->last_body,
                        "{\"StreamARN\":\"" STREAM_ARN "\",\"ConsumerName\":\"app\"}");
    assert_string_equal(c.consumer_arn, CONSUMER_ARN);
    assert_string_equal(c.consumer_status, "CREATING");
    assert_true(c.consumer_creation_timestamp == 1700000000.5);

    /* waiter: CREATING, then ACTIVE */
    m->script[m->script_len++] =
        OK_JSON("{\"ConsumerDescription\":{\"ConsumerName\":\"app\",\"ConsumerARN\":\"" CONSUMER_ARN
                "\",\"ConsumerStatus\":\"CREATING\",\"StreamARN\":\"" STREAM_ARN "\"}}");
    m->script[m->script_len++] =
        OK_JSON("{\"ConsumerDescription\":{\"ConsumerName\":\"app\",\"ConsumerARN\":\"" CONSUMER_ARN
                "\",\"ConsumerStatus\":\"ACTIVE\",\"StreamARN\":\"" STREAM_ARN "\"}}");
    kinesis_consumer_ref by_arn = {NULL, NULL, CONSUMER_ARN};
    assert_int_equal(kinesis_wait_consumer_active(f->client, &by_arn, 5000, 1, &err), KINESIS_OK);
    assert_string_equal(m->last_body, "{\"ConsumerARN\":\"" CONSUMER_ARN "\"}");

    kinesis_consumer_ref by_name = {STREAM_ARN, "app", NULL};
    m->script[m->script_len++] = OK_JSON("");
    assert_int_equal(kinesis_deregister_stream_consumer(f->client, &by_name, &err), KINESIS_OK);
    assert_string_equal(m->last_body,
                        "{\"StreamARN\":\"" STREAM_ARN "\",\"ConsumerName\":\"app\"}");

    /* validation before sending */
    size_t calls = m->calls;
    assert_int_equal(kinesis_register_stream_consumer(f->client, "s1", "app", &c, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_register_stream_consumer(f->client, STREAM_ARN, "bad name", &c, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    kinesis_consumer_ref empty = {NULL, NULL, NULL};
    assert_int_equal(kinesis_describe_stream_consumer(f->client, &empty, &c, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(m->calls, calls);

    /* a response without the consumer is a clear error */
    m->script[m->script_len++] = OK_JSON("{\"ConsumerDescription\":null}");
    assert_int_equal(kinesis_describe_stream_consumer(f->client, &by_arn, &c, &err),
                     KINESIS_E_BAD_RESPONSE);
}

static void list_every_page(void **state) {
    fixture *f = *state;
    mock_transport *m = &f->mock;
    m->script[m->script_len++] = OK_JSON(
        "{\"Consumers\":[{\"ConsumerName\":\"a\",\"ConsumerARN\":\"arn:1\",\"ConsumerStatus\":"
        "\"ACTIVE\"}],\"NextToken\":\"t\"}");
    m->script[m->script_len++] = OK_JSON(
        "{\"Consumers\":[{\"ConsumerName\":\"b\",\"ConsumerARN\":\"arn:2\",\"ConsumerStatus\":"
        "\"CREATING\"}],\"NextToken\":null}");
    kinesis_list_stream_consumers_result r;
    kinesis_error err;
    assert_int_equal(kinesis_list_stream_consumers(f->client, STREAM_ARN, &r, &err), KINESIS_OK);
    assert_int_equal(r.consumer_count, 2);
    assert_string_equal(r.consumers[1].consumer_name, "b");
    assert_string_equal(m->last_body, "{\"StreamARN\":\"" STREAM_ARN "\",\"NextToken\":\"t\"}");
    kinesis_list_stream_consumers_result_clean_up(&r);
}

static void stream_not_exists_waiter(void **state) {
    fixture *f = *state;
    mock_transport *m = &f->mock;
    m->script[m->script_len++] = OK_JSON(
        "{\"StreamDescriptionSummary\":{\"StreamName\":\"s\",\"StreamStatus\":\"DELETING\"}}");
    m->script[m->script_len++] = (scripted_response){
        .transport_status = KINESIS_OK,
        .http_status = 400,
        .body = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"gone\"}",
        .date = NULL,
        .error_type_header = NULL};
    kinesis_error err;
    assert_int_equal(kinesis_wait_stream_not_exists(f->client, "s", 5000, 1, &err), KINESIS_OK);
    assert_int_equal(m->calls, 2);
    m->script[m->script_len++] = OK_JSON(
        "{\"StreamDescriptionSummary\":{\"StreamName\":\"s\",\"StreamStatus\":\"ACTIVE\"}}");
    for (int i = 0; i < 8; i++)
        m->script[m->script_len++] = OK_JSON(
            "{\"StreamDescriptionSummary\":{\"StreamName\":\"s\",\"StreamStatus\":\"ACTIVE\"}}");
    assert_int_equal(kinesis_wait_stream_not_exists(f->client, "s", 1, 5, &err),
                     KINESIS_E_WAITER_TIMEOUT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(register_describe_deregister, mock_client_setup,
                                        mock_client_teardown),
        cmocka_unit_test_setup_teardown(list_every_page, mock_client_setup, mock_client_teardown),
        cmocka_unit_test_setup_teardown(stream_not_exists_waiter, mock_client_setup,
                                        mock_client_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* libkinesis: enhanced fan-out consumers — RegisterStreamConsumer, DeregisterStreamConsumer,
 * DescribeStreamConsumer, ListStreamConsumers (every page), waiting for a consumer to become
 * ACTIVE — and SubscribeToShard, whose events arrive over an HTTP/2 event stream.
 *
 * Consumers are addressed by stream ARN + consumer name, or by consumer ARN. Results are plain
 * data (fixed-size strings) unless they end in `internal_`, which own an arena until their
 * _clean_up(). Thread-safety: calls may run concurrently on one client. Errors: status.h;
 * err is optional. */
#ifndef KINESIS_CONSUMERS_H
#define KINESIS_CONSUMERS_H

#include "kinesis/records.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KINESIS_ARN_MAX 2049          /* 2048 characters + NUL */
#define KINESIS_CONSUMER_NAME_MAX 129 /* 128 characters + NUL */

typedef struct kinesis_consumer {
    char consumer_name[KINESIS_CONSUMER_NAME_MAX];
    char consumer_arn[KINESIS_ARN_MAX];
    char consumer_status[16];           /* "CREATING", "DELETING", "ACTIVE" */
    double consumer_creation_timestamp; /* epoch seconds; 0 when not reported */
    char stream_arn[KINESIS_ARN_MAX];   /* DescribeStreamConsumer only; "" otherwise */
} kinesis_consumer;

/* Register a consumer on a stream (it starts CREATING; see kinesis_wait_consumer_active). An
 * existing consumer of the same name gives KINESIS_E_RESOURCE_IN_USE. */
KINESIS_API kinesis_status kinesis_register_stream_consumer(kinesis_client *client,
                                                            const char *stream_arn,
                                                            const char *consumer_name,
                                                            kinesis_consumer *out,
                                                            kinesis_error *err);

/* Identify a consumer: consumer_arn alone, or stream_arn + consumer_name. */
typedef struct kinesis_consumer_ref {
    const char *stream_arn;
    const char *consumer_name;
    const char *consumer_arn;
} kinesis_consumer_ref;

KINESIS_API kinesis_status kinesis_deregister_stream_consumer(kinesis_client *client,
                                                              const kinesis_consumer_ref *ref,
                                                              kinesis_error *err);

KINESIS_API kinesis_status kinesis_describe_stream_consumer(kinesis_client *client,
                                                            const kinesis_consumer_ref *ref,
                                                            kinesis_consumer *out,
                                                            kinesis_error *err);

typedef struct kinesis_list_stream_consumers_result {
    kinesis_consumer *consumers; /* every page */
    size_t consumer_count;
    void *internal_;
} kinesis_list_stream_consumers_result;

KINESIS_API kinesis_status kinesis_list_stream_consumers(kinesis_client *client,
                                                         const char *stream_arn,
                                                         kinesis_list_stream_consumers_result *out,
                                                         kinesis_error *err);
KINESIS_API void
kinesis_list_stream_consumers_result_clean_up(kinesis_list_stream_consumers_result *result);

/* Poll DescribeStreamConsumer until ACTIVE (KINESIS_OK), the timeout (KINESIS_E_WAITER_TIMEOUT)
 * or a non-retryable error. poll_interval_ms 0 = 1000. */
KINESIS_API kinesis_status kinesis_wait_consumer_active(kinesis_client *client,
                                                        const kinesis_consumer_ref *ref,
                                                        uint32_t timeout_ms,
                                                        uint32_t poll_interval_ms,
                                                        kinesis_error *err);

#ifdef __cplusplus
}
#endif
#endif

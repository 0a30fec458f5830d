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

typedef struct kinesis_stream_consumer {
    char consumer_name[KINESIS_CONSUMER_NAME_MAX];
    char consumer_arn[KINESIS_ARN_MAX];
    char consumer_status[16];           /* "CREATING", "DELETING", "ACTIVE" */
    double consumer_creation_timestamp; /* epoch seconds; 0 when not reported */
    char stream_arn[KINESIS_ARN_MAX];   /* DescribeStreamConsumer only; "" otherwise */
} kinesis_stream_consumer;

/* Register a consumer on a stream (it starts CREATING; see kinesis_wait_consumer_active). An
 * existing consumer of the same name gives KINESIS_E_RESOURCE_IN_USE. */
KINESIS_API kinesis_status kinesis_register_stream_consumer(kinesis_client *client,
                                                            const char *stream_arn,
                                                            const char *consumer_name,
                                                            kinesis_stream_consumer *out,
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
                                                            kinesis_stream_consumer *out,
                                                            kinesis_error *err);

typedef struct kinesis_list_stream_consumers_result {
    kinesis_stream_consumer *consumers; /* every page */
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

/* ---- SubscribeToShard (enhanced fan-out) ---- */

typedef struct kinesis_starting_position {
    kinesis_iterator_type type;  /* TRIM_HORIZON, LATEST, AT_/AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP */
    const char *sequence_number; /* for AT_/AFTER_SEQUENCE_NUMBER */
    double timestamp;            /* for AT_TIMESTAMP, epoch seconds */
} kinesis_starting_position;

typedef struct kinesis_subscribe_to_shard_request {
    const char *consumer_arn; /* an ACTIVE consumer */
    const char *shard_id;
    kinesis_starting_position starting_position;
} kinesis_subscribe_to_shard_request;

/* One SubscribeToShardEvent. Everything is a view valid only during the callback. */
typedef struct kinesis_subscribe_to_shard_event {
    const kinesis_record *records;
    size_t record_count;
    const char *continuation_sequence_number; /* resume AFTER_SEQUENCE_NUMBER this */
    int64_t millis_behind_latest;             /* -1 when absent */
    const kinesis_child_shard *child_shards;  /* set when the shard ended */
    size_t child_shard_count;
} kinesis_subscribe_to_shard_event;

/* Called on the subscribing thread for each event as it arrives; return 0 to go on, nonzero to
 * end the subscription (kinesis_subscribe_to_shard then returns KINESIS_E_CANCELLED). */
typedef int (*kinesis_subscribe_to_shard_event_fn)(void *user,
                                                   const kinesis_subscribe_to_shard_event *event);

/* A cancel handle for a running subscription: kinesis_subscription_cancel() may be called from
 * any thread (or a signal-safe context: it only stores an atomic flag); the subscription ends
 * within about 250 ms. One handle serves one kinesis_subscribe_to_shard call at a time; reset
 * it with kinesis_subscription_reset() to reuse it. */
typedef struct kinesis_subscription kinesis_subscription;

KINESIS_API kinesis_subscription *kinesis_subscription_new(const kinesis_allocator *allocator);
KINESIS_API void kinesis_subscription_cancel(kinesis_subscription *subscription);
KINESIS_API void kinesis_subscription_reset(kinesis_subscription *subscription);
KINESIS_API void kinesis_subscription_destroy(kinesis_subscription *subscription);

/* What a subscription saw, for resubscribing: the last continuation sequence number (resume
 * AFTER_SEQUENCE_NUMBER it), counts, and whether the shard ended (child shards were reported). */
typedef struct kinesis_subscribe_to_shard_result {
    char continuation_sequence_number[KINESIS_SEQUENCE_NUMBER_MAX];
    uint64_t events;
    uint64_t records;
    uint8_t shard_ended;
} kinesis_subscribe_to_shard_result;

/* Subscribe to a shard and deliver events to `on_event` as they arrive, over HTTP/2 (h2 by ALPN
 * on https://, h2c with prior knowledge on http://). Blocks until the service ends the
 * subscription (about 5 minutes; KINESIS_OK), the callback returns nonzero or the subscription
 * is cancelled (KINESIS_E_CANCELLED), an exception event arrives (its mapped status, with the
 * exception type and message in err — e.g. ResourceInUseException when another subscription
 * holds the shard), the stream breaks (KINESIS_E_TRANSPORT) or is malformed
 * (KINESIS_E_EVENT_STREAM / KINESIS_E_BAD_RESPONSE). The `initial-response` event is accepted
 * when present and not required. Throttling and connection failures before the first event are
 * retried like any call; after events were delivered nothing is retried: resubscribe from
 * out->continuation_sequence_number. subscription and out may be NULL. */
KINESIS_API kinesis_status kinesis_subscribe_to_shard(
    kinesis_client *client, const kinesis_subscribe_to_shard_request *req,
    kinesis_subscription *subscription, kinesis_subscribe_to_shard_event_fn on_event, void *user,
    kinesis_subscribe_to_shard_result *out, kinesis_error *err);

#ifdef __cplusplus
}
#endif
#endif

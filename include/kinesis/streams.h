/* libkinesis: stream and shard operations — CreateStream, DeleteStream, ListStreams,
 * DescribeStream, DescribeStreamSummary, ListShards, and waiting for a stream to become ACTIVE.
 *
 * Addressing: wherever a request has a `stream` field it takes a stream name or a stream ARN
 * ("arn:aws:kinesis:<region>:<account>:stream/<name>"); an ARN is sent as StreamARN.
 * Results own their memory (allocated with the client's allocator) until their _clean_up().
 * Thread-safety: calls may run concurrently on one client; a result belongs to its caller.
 * Every call blocks for at most about request_timeout_ms * retry.max_attempts plus backoff
 * (paginated calls: per page). Errors: see client.h and status.h; err is optional. */
#ifndef KINESIS_STREAMS_H
#define KINESIS_STREAMS_H

#include "kinesis/client.h"
#include "kinesis/hashkey.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kinesis_stream_mode {
    KINESIS_STREAM_MODE_PROVISIONED = 0,
    KINESIS_STREAM_MODE_ON_DEMAND = 1
} kinesis_stream_mode;

typedef struct kinesis_create_stream_request {
    const char *stream_name;
    uint32_t shard_count;     /* provisioned mode: >= 1; on-demand: 0 */
    kinesis_stream_mode mode; /* default PROVISIONED */
} kinesis_create_stream_request;

/* Create a stream (it starts CREATING; see kinesis_wait_stream_active). */
KINESIS_API kinesis_status kinesis_create_stream(kinesis_client *client,
                                                 const kinesis_create_stream_request *req,
                                                 kinesis_error *err);

/* Delete a stream by name or ARN. enforce_consumer_deletion: also deregister its consumers. */
KINESIS_API kinesis_status kinesis_delete_stream(kinesis_client *client, const char *stream,
                                                 uint8_t enforce_consumer_deletion,
                                                 kinesis_error *err);

typedef struct kinesis_stream_summary_entry {
    const char *stream_name;
    const char *stream_arn;           /* NULL when the server does not report it */
    const char *stream_status;        /* "CREATING", "ACTIVE", ... */
    const char *stream_mode;          /* "PROVISIONED", "ON_DEMAND", NULL when not reported */
    double stream_creation_timestamp; /* epoch seconds; 0 when not reported */
} kinesis_stream_summary_entry;

typedef struct kinesis_list_streams_result {
    const char **stream_names; /* every stream, all pages */
    size_t stream_count;
    kinesis_stream_summary_entry *summaries; /* stream_count entries, or NULL if not reported */
    void *internal_;
} kinesis_list_streams_result;

/* List every stream (follows NextToken / ExclusiveStartStreamName over all pages). */
KINESIS_API kinesis_status kinesis_list_streams(kinesis_client *client,
                                                kinesis_list_streams_result *out,
                                                kinesis_error *err);
KINESIS_API void kinesis_list_streams_result_clean_up(kinesis_list_streams_result *result);

/* One shard as DescribeStream and ListShards report it. Strings are decimal (hash keys and
 * sequence numbers stay strings; start/end are also parsed). Absent members are NULL. */
typedef struct kinesis_shard {
    const char *shard_id;
    const char *parent_shard_id;
    const char *adjacent_parent_shard_id;
    const char *starting_hash_key;
    const char *ending_hash_key;
    kinesis_hash_key hash_start; /* parsed starting_hash_key */
    kinesis_hash_key hash_end;   /* parsed ending_hash_key (inclusive) */
    const char *starting_sequence_number;
    const char *ending_sequence_number; /* NULL while the shard is open */
} kinesis_shard;

typedef struct kinesis_stream_summary {
    const char *stream_name;
    const char *stream_arn;
    const char *stream_status;
    const char *stream_mode; /* NULL when the server does not report it */
    uint32_t retention_period_hours;
    double stream_creation_timestamp;
    const char *encryption_type; /* "NONE" / "KMS"; NULL when not reported */
    const char *key_id;
    uint32_t open_shard_count;
    int32_t consumer_count; /* -1 when not reported */
    void *internal_;
} kinesis_stream_summary;

KINESIS_API kinesis_status kinesis_describe_stream_summary(kinesis_client *client,
                                                           const char *stream,
                                                           kinesis_stream_summary *out,
                                                           kinesis_error *err);
KINESIS_API void kinesis_stream_summary_clean_up(kinesis_stream_summary *summary);

typedef struct kinesis_stream_description {
    const char *stream_name;
    const char *stream_arn;
    const char *stream_status;
    const char *stream_mode;
    uint32_t retention_period_hours;
    double stream_creation_timestamp;
    const char *encryption_type;
    const char *key_id;
    kinesis_shard *shards; /* every shard, all pages (HasMoreShards followed) */
    size_t shard_count;
    void *internal_;
} kinesis_stream_description;

/* DescribeStream over every page of shards. */
KINESIS_API kinesis_status kinesis_describe_stream(kinesis_client *client, const char *stream,
                                                   kinesis_stream_description *out,
                                                   kinesis_error *err);
KINESIS_API void kinesis_stream_description_clean_up(kinesis_stream_description *description);

typedef enum kinesis_shard_filter_type {
    KINESIS_SHARD_FILTER_NONE = 0,
    KINESIS_SHARD_FILTER_AFTER_SHARD_ID,
    KINESIS_SHARD_FILTER_AT_TRIM_HORIZON,
    KINESIS_SHARD_FILTER_FROM_TRIM_HORIZON,
    KINESIS_SHARD_FILTER_AT_LATEST,
    KINESIS_SHARD_FILTER_AT_TIMESTAMP,
    KINESIS_SHARD_FILTER_FROM_TIMESTAMP
} kinesis_shard_filter_type;

typedef struct kinesis_list_shards_request {
    const char *stream;                   /* name or ARN */
    const char *exclusive_start_shard_id; /* optional */
    uint32_t max_results;                 /* per page, 0 = service default */
    kinesis_shard_filter_type filter;     /* optional ShardFilter */
    const char *filter_shard_id;          /* for AFTER_SHARD_ID */
    double filter_timestamp;              /* for *_TIMESTAMP, epoch seconds */
} kinesis_list_shards_request;

typedef struct kinesis_list_shards_result {
    kinesis_shard *shards; /* all pages */
    size_t shard_count;
    void *internal_;
} kinesis_list_shards_result;

/* ListShards over every page. Copes with both NextToken conventions servers use (the real API
 * forbids StreamName with NextToken; some servers require it). */
KINESIS_API kinesis_status kinesis_list_shards(kinesis_client *client,
                                               const kinesis_list_shards_request *req,
                                               kinesis_list_shards_result *out, kinesis_error *err);
KINESIS_API void kinesis_list_shards_result_clean_up(kinesis_list_shards_result *result);

/* Poll DescribeStreamSummary until the stream is ACTIVE (returns KINESIS_OK), the timeout passes
 * (KINESIS_E_WAITER_TIMEOUT), or a non-retryable error occurs. ResourceNotFound while waiting is
 * tolerated (eventual consistency) until the timeout. poll_interval_ms 0 = 1000. */
KINESIS_API kinesis_status kinesis_wait_stream_active(kinesis_client *client, const char *stream,
                                                      uint32_t timeout_ms,
                                                      uint32_t poll_interval_ms,
                                                      kinesis_error *err);

/* Poll DescribeStreamSummary until the stream no longer exists (KINESIS_OK) or the timeout
 * (KINESIS_E_WAITER_TIMEOUT), like boto3's stream_not_exists waiter. */
KINESIS_API kinesis_status kinesis_wait_stream_not_exists(kinesis_client *client,
                                                          const char *stream, uint32_t timeout_ms,
                                                          uint32_t poll_interval_ms,
                                                          kinesis_error *err);

#ifdef __cplusplus
}
#endif
#endif

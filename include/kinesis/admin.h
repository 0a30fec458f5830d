/* libkinesis: stream management — resharding (SplitShard, MergeShards, UpdateShardCount),
 * retention, server-side encryption, tags (stream and resource), enhanced monitoring, capacity
 * mode, maximum record size, warm throughput, account limits and settings, resource policies.
 *
 * Addressing: a request's `stream` takes a stream name or a stream ARN (an ARN is sent as
 * StreamARN), like streams.h. Operations whose model only has StreamARN take `stream_arn`;
 * tag/policy operations on any resource take `resource_arn`. `stream_id` is the model's optional
 * StreamId ("reserved for future use" by the service): NULL omits it.
 *
 * Validation before sending (nothing is sent when it fails; err->message says which field):
 *   stream name 1..128 of [a-zA-Z0-9_.-], stream ARN 1..2048 ("arn:...") ->
 * KINESIS_E_INVALID_STREAM everything else (shard ids, hash keys, retention hours, tags, metrics,
 * sizes, enums, stream id, resource ARN, policy)                                             ->
 * KINESIS_E_INVALID_ARGUMENT
 *
 * Absent output members: the model marks most output members optional. An absent (or JSON null)
 * string is NULL, an absent integer is -1, an absent structure or timestamp has a has_ flag of 0.
 *
 * Ownership: request strings are borrowed during the call. Results with strings own an arena
 * (allocated with the client's allocator) until their _clean_up(); on failure a result is zeroed
 * and needs no clean-up (calling it anyway is harmless). Plain results need no clean-up.
 * Thread-safety: calls may run concurrently on one client; a result belongs to its caller.
 * Timing: each call blocks for at most about request_timeout_ms * retry.max_attempts plus
 * backoff (ListTagsForStream: per page). Service errors map as in status.h (e.g.
 * ResourceNotFoundException -> KINESIS_E_RESOURCE_NOT_FOUND, ResourceInUseException ->
 * KINESIS_E_RESOURCE_IN_USE, InvalidArgumentException/ValidationException and
 * UnknownOperationException from servers that lack an operation -> KINESIS_E_VALIDATION,
 * LimitExceededException -> KINESIS_E_LIMIT_EXCEEDED, KMS*Exception -> KINESIS_E_KMS or
 * KINESIS_E_THROTTLED); err->type keeps the exact service error type. */
#ifndef KINESIS_ADMIN_H
#define KINESIS_ADMIN_H

#include "kinesis/client.h"
#include "kinesis/streams.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KINESIS_RETENTION_HOURS_MIN 24
#define KINESIS_RETENTION_HOURS_MAX 8760 /* 365 days */
/* Tags per AddTagsToStream/TagResource call (the documented limit; the model's map allows 200
 * entries but a resource holds at most 50 tags) and keys per Remove/Untag call. */
#define KINESIS_TAGS_PER_CALL_MAX 50
#define KINESIS_TAG_KEY_MAX_CHARS 128   /* Unicode characters, at least 1 */
#define KINESIS_TAG_VALUE_MAX_CHARS 256 /* Unicode characters, may be 0 */
#define KINESIS_MAX_RECORD_SIZE_KIB_MIN 1024
#define KINESIS_MAX_RECORD_SIZE_KIB_MAX 10240
#define KINESIS_NATURAL_INT_MAX 2147483647u /* the model's integers are 32-bit signed */

/* ---- resharding ---- */

typedef struct kinesis_split_shard_request {
    const char *stream;         /* name or ARN */
    const char *shard_to_split; /* ShardId, 1..128 of [a-zA-Z0-9_.-] */
    /* The first hash key of the new upper child: a decimal in [0, 2^128) without leading zeros
     * (the model's pattern 0|[1-9][0-9]{0,38}). */
    const char *new_starting_hash_key;
    const char *stream_id; /* optional */
} kinesis_split_shard_request;

/* SplitShard: the parent closes and two children open once the stream is ACTIVE again (see
 * kinesis_wait_stream_active). */
KINESIS_API kinesis_status kinesis_split_shard(kinesis_client *client,
                                               const kinesis_split_shard_request *req,
                                               kinesis_error *err);

typedef struct kinesis_merge_shards_request {
    const char *stream;
    const char *shard_to_merge;
    const char *adjacent_shard_to_merge;
    const char *stream_id; /* optional */
} kinesis_merge_shards_request;

/* MergeShards: two shards with adjacent hash ranges become one child. */
KINESIS_API kinesis_status kinesis_merge_shards(kinesis_client *client,
                                                const kinesis_merge_shards_request *req,
                                                kinesis_error *err);

typedef enum kinesis_scaling_type {
    KINESIS_SCALING_UNIFORM = 0 /* "UNIFORM_SCALING", the only type the model has */
} kinesis_scaling_type;

typedef struct kinesis_update_shard_count_request {
    const char *stream;
    uint32_t target_shard_count; /* 1..2^31-1 */
    kinesis_scaling_type scaling_type;
    const char *stream_id; /* optional */
} kinesis_update_shard_count_request;

typedef struct kinesis_update_shard_count_result {
    const char *stream_name;     /* NULL when absent */
    const char *stream_arn;      /* NULL when absent */
    int64_t current_shard_count; /* -1 when absent */
    int64_t target_shard_count;  /* -1 when absent */
    void *internal_;
} kinesis_update_shard_count_result;

/* UpdateShardCount (uniform scaling). On KINESIS_OK `out` must be cleaned up. */
KINESIS_API kinesis_status kinesis_update_shard_count(kinesis_client *client,
                                                      const kinesis_update_shard_count_request *req,
                                                      kinesis_update_shard_count_result *out,
                                                      kinesis_error *err);
KINESIS_API void kinesis_update_shard_count_result_clean_up(kinesis_update_shard_count_result *r);

/* ---- retention ---- */

typedef struct kinesis_stream_retention_request {
    const char *stream;
    uint32_t retention_period_hours; /* KINESIS_RETENTION_HOURS_MIN..MAX */
    const char *stream_id;           /* optional */
} kinesis_stream_retention_request;

/* IncreaseStreamRetentionPeriod: the new value must exceed the current one (else the service
 * answers InvalidArgumentException -> KINESIS_E_VALIDATION). */
KINESIS_API kinesis_status kinesis_increase_stream_retention_period(
    kinesis_client *client, const kinesis_stream_retention_request *req, kinesis_error *err);
/* DecreaseStreamRetentionPeriod: the new value must be below the current one. */
KINESIS_API kinesis_status kinesis_decrease_stream_retention_period(
    kinesis_client *client, const kinesis_stream_retention_request *req, kinesis_error *err);

/* ---- server-side encryption ---- */

typedef enum kinesis_encryption_type {
    KINESIS_ENCRYPTION_KMS = 0, /* "KMS": the only value the service accepts for start/stop */
    KINESIS_ENCRYPTION_NONE = 1 /* "NONE": in the model's enum; the service rejects it here */
} kinesis_encryption_type;

typedef struct kinesis_stream_encryption_request {
    const char *stream;
    kinesis_encryption_type encryption_type;
    const char *key_id;    /* required, 1..2048: key GUID, key/alias ARN, "alias/aws/kinesis" */
    const char *stream_id; /* optional */
} kinesis_stream_encryption_request;

/* StartStreamEncryption: the stream goes UPDATING, then ACTIVE with encryption on. */
KINESIS_API kinesis_status kinesis_start_stream_encryption(
    kinesis_client *client, const kinesis_stream_encryption_request *req, kinesis_error *err);
/* StopStreamEncryption: same request (the key that is in use). */
KINESIS_API kinesis_status kinesis_stop_stream_encryption(
    kinesis_client *client, const kinesis_stream_encryption_request *req, kinesis_error *err);

/* ---- tags ---- */

/* One tag. In requests `value` NULL means "" (a tag without a value). In results `value` is NULL
 * when the service did not send one. */
typedef struct kinesis_tag {
    const char *key;
    const char *value;
} kinesis_tag;

typedef struct kinesis_add_tags_to_stream_request {
    const char *stream;
    const kinesis_tag *tags; /* 1..KINESIS_TAGS_PER_CALL_MAX, distinct keys */
    size_t tag_count;
    const char *stream_id; /* optional */
} kinesis_add_tags_to_stream_request;

/* AddTagsToStream: adds tags or overwrites the values of existing keys. */
KINESIS_API kinesis_status kinesis_add_tags_to_stream(kinesis_client *client,
                                                      const kinesis_add_tags_to_stream_request *req,
                                                      kinesis_error *err);

typedef struct kinesis_remove_tags_from_stream_request {
    const char *stream;
    const char *const *tag_keys; /* 1..KINESIS_TAGS_PER_CALL_MAX keys, each 1..128 chars */
    size_t tag_key_count;
    const char *stream_id; /* optional */
} kinesis_remove_tags_from_stream_request;

/* RemoveTagsFromStream: keys that do not exist are ignored by the service. */
KINESIS_API kinesis_status kinesis_remove_tags_from_stream(
    kinesis_client *client, const kinesis_remove_tags_from_stream_request *req, kinesis_error *err);

typedef struct kinesis_list_tags_for_stream_request {
    const char *stream;
    const char *exclusive_start_tag_key; /* optional: list the tags after this key */
    uint32_t limit;                      /* tags per page, 1..50; 0 = service default */
    const char *stream_id;               /* optional */
} kinesis_list_tags_for_stream_request;

/* Tags as ListTagsForStream / ListTagsForResource return them. */
typedef struct kinesis_tag_list {
    kinesis_tag *tags; /* tag_count entries; NULL when tag_count is 0 */
    size_t tag_count;
    uint8_t has_tags; /* 0 when no response had a Tags member (optional in ListTagsForResource) */
    void *internal_;
} kinesis_tag_list;

/* ListTagsForStream over every page: follows HasMoreTags with ExclusiveStartTagKey = the last
 * key of the previous page. A page that starts with the start key itself (moto treats it as
 * inclusive) has that tag dropped, so no tag is listed twice; a server that reports more tags
 * without adding any ends the listing (no endless loop; with such a server use limit >= 2).
 * On KINESIS_OK `out` must be cleaned up. */
KINESIS_API kinesis_status kinesis_list_tags_for_stream(
    kinesis_client *client, const kinesis_list_tags_for_stream_request *req, kinesis_tag_list *out,
    kinesis_error *err);
KINESIS_API void kinesis_tag_list_clean_up(kinesis_tag_list *list);

/* A resource addressed by ARN: a stream ("arn:aws:kinesis:<region>:<account>:stream/<name>") or
 * a consumer (".../consumer/<name>:<timestamp>"). */
typedef struct kinesis_resource_request {
    const char *resource_arn; /* required, 1..2048 */
    const char *stream_id;    /* optional */
} kinesis_resource_request;

typedef struct kinesis_tag_resource_request {
    const char *resource_arn;
    const kinesis_tag *tags; /* 1..KINESIS_TAGS_PER_CALL_MAX, distinct keys */
    size_t tag_count;
    const char *stream_id; /* optional */
} kinesis_tag_resource_request;

/* TagResource: tags a stream or consumer by ARN. */
KINESIS_API kinesis_status kinesis_tag_resource(kinesis_client *client,
                                                const kinesis_tag_resource_request *req,
                                                kinesis_error *err);

typedef struct kinesis_untag_resource_request {
    const char *resource_arn;
    const char *const *tag_keys; /* 1..KINESIS_TAGS_PER_CALL_MAX */
    size_t tag_key_count;
    const char *stream_id; /* optional */
} kinesis_untag_resource_request;

/* UntagResource. */
KINESIS_API kinesis_status kinesis_untag_resource(kinesis_client *client,
                                                  const kinesis_untag_resource_request *req,
                                                  kinesis_error *err);

/* ListTagsForResource (one call; the model has no paging). On KINESIS_OK `out` must be cleaned
 * up; out->has_tags is 0 when the response has no Tags member. */
KINESIS_API kinesis_status kinesis_list_tags_for_resource(kinesis_client *client,
                                                          const kinesis_resource_request *req,
                                                          kinesis_tag_list *out,
                                                          kinesis_error *err);

/* ---- enhanced (shard-level) monitoring ---- */

/* Shard-level metrics as bits (the model's MetricsName enum, in its order). */
#define KINESIS_METRIC_INCOMING_BYTES 0x01u
#define KINESIS_METRIC_INCOMING_RECORDS 0x02u
#define KINESIS_METRIC_OUTGOING_BYTES 0x04u
#define KINESIS_METRIC_OUTGOING_RECORDS 0x08u
#define KINESIS_METRIC_WRITE_PROVISIONED_THROUGHPUT_EXCEEDED 0x10u
#define KINESIS_METRIC_READ_PROVISIONED_THROUGHPUT_EXCEEDED 0x20u
#define KINESIS_METRIC_ITERATOR_AGE_MILLISECONDS 0x40u
#define KINESIS_METRIC_ALL 0x80u
/* Output only: the service named a metric this library does not know (see the names array). */
#define KINESIS_METRIC_UNKNOWN 0x80000000u

/* The service's name of one metric bit ("IncomingBytes", ..., "ALL"); NULL for anything else. */
KINESIS_API const char *kinesis_shard_metric_name(uint32_t metric_bit);

typedef struct kinesis_enhanced_monitoring_request {
    const char *stream;
    uint32_t shard_level_metrics; /* KINESIS_METRIC_* bits: 1..7 of them, no other bits */
    const char *stream_id;        /* optional */
} kinesis_enhanced_monitoring_request;

typedef struct kinesis_enhanced_monitoring_result {
    const char *stream_name; /* NULL when absent */
    const char *stream_arn;  /* NULL when absent */
    /* Metrics before and after the call, as names (NULL when the member is absent; non-NULL with
     * count 0 for an empty list) and as KINESIS_METRIC_* bits (0 when absent or empty). */
    const char **current_metric_names;
    size_t current_metric_count;
    uint32_t current_shard_level_metrics;
    const char **desired_metric_names;
    size_t desired_metric_count;
    uint32_t desired_shard_level_metrics;
    void *internal_;
} kinesis_enhanced_monitoring_result;

/* EnableEnhancedMonitoring / DisableEnhancedMonitoring. On KINESIS_OK `out` must be cleaned
 * up. */
KINESIS_API kinesis_status kinesis_enable_enhanced_monitoring(
    kinesis_client *client, const kinesis_enhanced_monitoring_request *req,
    kinesis_enhanced_monitoring_result *out, kinesis_error *err);
KINESIS_API kinesis_status kinesis_disable_enhanced_monitoring(
    kinesis_client *client, const kinesis_enhanced_monitoring_request *req,
    kinesis_enhanced_monitoring_result *out, kinesis_error *err);
KINESIS_API void
kinesis_enhanced_monitoring_result_clean_up(kinesis_enhanced_monitoring_result *result);

/* ---- capacity mode, record size, warm throughput ---- */

typedef struct kinesis_update_stream_mode_request {
    const char *stream_arn; /* required: this operation takes only a StreamARN */
    kinesis_stream_mode stream_mode;
    /* WarmThroughputMiBps, sent only when has_warm_throughput_mibps (valid when switching to
     * ON_DEMAND); 0..2^31-1. */
    uint8_t has_warm_throughput_mibps;
    uint32_t warm_throughput_mibps;
    const char *stream_id; /* optional */
} kinesis_update_stream_mode_request;

/* UpdateStreamMode: PROVISIONED <-> ON_DEMAND. */
KINESIS_API kinesis_status kinesis_update_stream_mode(kinesis_client *client,
                                                      const kinesis_update_stream_mode_request *req,
                                                      kinesis_error *err);

typedef struct kinesis_update_max_record_size_request {
    const char *stream_arn;       /* the model's only stream address; optional there, so either this
                                     or stream_id is required */
    uint32_t max_record_size_kib; /* KINESIS_MAX_RECORD_SIZE_KIB_MIN..MAX */
    const char *stream_id;        /* optional */
} kinesis_update_max_record_size_request;

/* UpdateMaxRecordSize. The client's own max_record_bytes limit (client.h) is not changed: raise
 * it yourself when you want to send bigger records. */
KINESIS_API kinesis_status kinesis_update_max_record_size(
    kinesis_client *client, const kinesis_update_max_record_size_request *req, kinesis_error *err);

typedef struct kinesis_update_stream_warm_throughput_request {
    const char *stream;             /* name or ARN */
    uint32_t warm_throughput_mibps; /* required, 0..2^31-1 */
    const char *stream_id;          /* optional */
} kinesis_update_stream_warm_throughput_request;

typedef struct kinesis_update_stream_warm_throughput_result {
    const char *stream_arn;      /* NULL when absent */
    const char *stream_name;     /* NULL when absent */
    uint8_t has_warm_throughput; /* the WarmThroughput structure was present */
    int64_t target_mibps;        /* WarmThroughput.TargetMiBps, -1 when absent */
    int64_t current_mibps;       /* WarmThroughput.CurrentMiBps, -1 when absent */
    void *internal_;
} kinesis_update_stream_warm_throughput_result;

/* UpdateStreamWarmThroughput (on-demand streams). On KINESIS_OK `out` must be cleaned up. */
KINESIS_API kinesis_status kinesis_update_stream_warm_throughput(
    kinesis_client *client, const kinesis_update_stream_warm_throughput_request *req,
    kinesis_update_stream_warm_throughput_result *out, kinesis_error *err);
KINESIS_API void kinesis_update_stream_warm_throughput_result_clean_up(
    kinesis_update_stream_warm_throughput_result *result);

/* ---- account ---- */

/* DescribeLimits result (plain data). ShardLimit and OpenShardCount are required: a response
 * without them is KINESIS_E_BAD_RESPONSE. The model requires the on-demand counts too, but older
 * servers omit them: -1 then. */
typedef struct kinesis_limits {
    int64_t shard_limit;
    int64_t open_shard_count;
    int64_t on_demand_stream_count;       /* -1 when not reported */
    int64_t on_demand_stream_count_limit; /* -1 when not reported */
} kinesis_limits;

KINESIS_API kinesis_status kinesis_describe_limits(kinesis_client *client, kinesis_limits *out,
                                                   kinesis_error *err);

typedef enum kinesis_billing_commitment_status {
    KINESIS_BILLING_COMMITMENT_UNSET = 0, /* in results: a value this library does not know */
    KINESIS_BILLING_COMMITMENT_ENABLED,
    KINESIS_BILLING_COMMITMENT_DISABLED,
    KINESIS_BILLING_COMMITMENT_ENABLED_UNTIL_EARLIEST_ALLOWED_END /* output only */
} kinesis_billing_commitment_status;

#define KINESIS_BILLING_STATUS_MAX 48

/* Account settings as DescribeAccountSettings and UpdateAccountSettings return them (plain
 * data). Timestamps are epoch seconds. */
typedef struct kinesis_account_settings {
    uint8_t has_minimum_throughput_billing_commitment; /* 0: the member is absent or null */
    kinesis_billing_commitment_status status;          /* parsed Status */
    char status_name[KINESIS_BILLING_STATUS_MAX];      /* Status as sent */
    uint8_t has_started_at;
    double started_at;
    uint8_t has_ended_at;
    double ended_at;
    uint8_t has_earliest_allowed_end_at;
    double earliest_allowed_end_at;
} kinesis_account_settings;

KINESIS_API kinesis_status kinesis_describe_account_settings(kinesis_client *client,
                                                             kinesis_account_settings *out,
                                                             kinesis_error *err);

typedef struct kinesis_update_account_settings_request {
    /* MinimumThroughputBillingCommitment.Status: ENABLED or DISABLED (required). */
    kinesis_billing_commitment_status minimum_throughput_billing_commitment;
} kinesis_update_account_settings_request;

/* UpdateAccountSettings; `out` (optional, may be NULL) receives the updated settings. */
KINESIS_API kinesis_status kinesis_update_account_settings(
    kinesis_client *client, const kinesis_update_account_settings_request *req,
    kinesis_account_settings *out, kinesis_error *err);

/* ---- resource policies ---- */

typedef struct kinesis_put_resource_policy_request {
    const char *resource_arn; /* stream or consumer ARN */
    const char *policy;       /* the policy document, JSON text; required, non-empty */
    const char *stream_id;    /* optional */
} kinesis_put_resource_policy_request;

KINESIS_API kinesis_status kinesis_put_resource_policy(
    kinesis_client *client, const kinesis_put_resource_policy_request *req, kinesis_error *err);

typedef struct kinesis_resource_policy {
    const char *policy; /* the policy document (required in the response) */
    void *internal_;
} kinesis_resource_policy;

/* GetResourcePolicy. A response without Policy is KINESIS_E_BAD_RESPONSE. On KINESIS_OK `out`
 * must be cleaned up. */
KINESIS_API kinesis_status kinesis_get_resource_policy(kinesis_client *client,
                                                       const kinesis_resource_request *req,
                                                       kinesis_resource_policy *out,
                                                       kinesis_error *err);
KINESIS_API void kinesis_resource_policy_clean_up(kinesis_resource_policy *policy);

KINESIS_API kinesis_status kinesis_delete_resource_policy(kinesis_client *client,
                                                          const kinesis_resource_request *req,
                                                          kinesis_error *err);

#ifdef __cplusplus
}
#endif
#endif

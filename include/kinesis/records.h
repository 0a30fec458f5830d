/* libkinesis: record operations — PutRecord, PutRecords, GetShardIterator, GetRecords — and the
 * client-side validation that runs before anything is sent.
 *
 * Validation (each with its own status; nothing is sent when it fails):
 *   partition key 1..256 characters (Unicode code points of valid UTF-8) ->
 * KINESIS_E_INVALID_PARTITION_KEY explicit hash key a decimal in [0, 2^128)              ->
 * KINESIS_E_INVALID_EXPLICIT_HASH_KEY data + UTF-8 partition key <= client max_record_bytes  ->
 * KINESIS_E_RECORD_TOO_LARGE PutRecords: 1..500 entries                              ->
 * KINESIS_E_TOO_MANY_RECORDS PutRecords: sum of data + keys <= max_put_records_bytes ->
 * KINESIS_E_REQUEST_TOO_LARGE
 *
 * Strings in requests are borrowed during the call. Sequence numbers are decimal strings (they
 * exceed 64 bits). Thread-safety and timing: as streams.h. */
#ifndef KINESIS_RECORDS_H
#define KINESIS_RECORDS_H

#include "kinesis/client.h"
#include "kinesis/streams.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KINESIS_PARTITION_KEY_MAX_CHARS 256
#define KINESIS_PUT_RECORDS_MAX_ENTRIES 500
#define KINESIS_SHARD_ID_MAX 129        /* 128 characters + NUL */
#define KINESIS_SEQUENCE_NUMBER_MAX 130 /* 129 digits + NUL */
#define KINESIS_ERROR_CODE_MAX 64
#define KINESIS_RECORD_ERROR_MESSAGE_MAX 512

typedef struct kinesis_put_record_request {
    const char *stream; /* name or ARN */
    const char *partition_key;
    const uint8_t *data;
    size_t data_len;
    const char *explicit_hash_key;            /* optional decimal */
    const char *sequence_number_for_ordering; /* optional */
} kinesis_put_record_request;

typedef struct kinesis_put_record_result {
    char shard_id[KINESIS_SHARD_ID_MAX];
    char sequence_number[KINESIS_SEQUENCE_NUMBER_MAX];
    char encryption_type[8]; /* "NONE", "KMS" or "" */
} kinesis_put_record_result;

/* Put one record. The result is plain data (no clean-up). */
KINESIS_API kinesis_status kinesis_put_record(kinesis_client *client,
                                              const kinesis_put_record_request *req,
                                              kinesis_put_record_result *out, kinesis_error *err);

typedef struct kinesis_put_records_entry {
    const char *partition_key;
    const uint8_t *data;
    size_t data_len;
    const char *explicit_hash_key; /* optional */
} kinesis_put_records_entry;

/* Per-entry outcome, in request order. status is KINESIS_OK with shard_id/sequence_number, or
 * the mapped status of error_code (e.g. KINESIS_E_THROTTLED for
 * ProvisionedThroughputExceededException) with the service's error_code and error_message. */
typedef struct kinesis_put_records_result_entry {
    kinesis_status status;
    char shard_id[KINESIS_SHARD_ID_MAX];
    char sequence_number[KINESIS_SEQUENCE_NUMBER_MAX];
    char error_code[KINESIS_ERROR_CODE_MAX];
    char error_message[KINESIS_RECORD_ERROR_MESSAGE_MAX];
} kinesis_put_records_result_entry;

typedef struct kinesis_put_records_request {
    const char *stream;
    const kinesis_put_records_entry *entries;
    size_t entry_count;
} kinesis_put_records_request;

/* Put up to 500 records in one request. `results` is a caller array of entry_count elements,
 * filled for every entry on KINESIS_OK; *failed_count (optional) is how many entries failed.
 * KINESIS_OK means the request succeeded: individual entries may still have failed — check each
 * result's status (the whole request is never retried for partial failures; that would
 * duplicate the records that succeeded). If the response does not account for every entry the
 * call returns KINESIS_E_BAD_RESPONSE. */
KINESIS_API kinesis_status kinesis_put_records(kinesis_client *client,
                                               const kinesis_put_records_request *req,
                                               kinesis_put_records_result_entry *results,
                                               uint32_t *failed_count, kinesis_error *err);

typedef enum kinesis_iterator_type {
    KINESIS_ITERATOR_TRIM_HORIZON = 0,
    KINESIS_ITERATOR_LATEST,
    KINESIS_ITERATOR_AT_SEQUENCE_NUMBER,
    KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER,
    KINESIS_ITERATOR_AT_TIMESTAMP
} kinesis_iterator_type;

/* "TRIM_HORIZON", ...; NULL for an unknown value. */
KINESIS_API const char *kinesis_iterator_type_name(kinesis_iterator_type type);

#define KINESIS_SHARD_ITERATOR_MAX 1025 /* service maximum 512; room for local servers */

typedef struct kinesis_get_shard_iterator_request {
    const char *stream;
    const char *shard_id;
    kinesis_iterator_type type;
    const char *starting_sequence_number; /* AT_/AFTER_SEQUENCE_NUMBER */
    double timestamp;                     /* AT_TIMESTAMP, epoch seconds */
} kinesis_get_shard_iterator_request;

typedef struct kinesis_get_shard_iterator_result {
    char shard_iterator[KINESIS_SHARD_ITERATOR_MAX];
} kinesis_get_shard_iterator_result;

KINESIS_API kinesis_status kinesis_get_shard_iterator(kinesis_client *client,
                                                      const kinesis_get_shard_iterator_request *req,
                                                      kinesis_get_shard_iterator_result *out,
                                                      kinesis_error *err);

typedef struct kinesis_record {
    const char *sequence_number;
    const char *partition_key;
    const uint8_t *data; /* decoded bytes */
    size_t data_len;
    double approximate_arrival_timestamp; /* epoch seconds with fraction; 0 when absent */
    const char *encryption_type;          /* NULL when absent */
} kinesis_record;

typedef struct kinesis_child_shard {
    const char *shard_id;
    const char **parent_shards;
    size_t parent_count;
    kinesis_hash_key hash_start;
    kinesis_hash_key hash_end;
} kinesis_child_shard;

typedef struct kinesis_get_records_request {
    const char *shard_iterator;
    uint32_t limit;         /* 0 = service default (10000) */
    const char *stream_arn; /* optional, for ARN-addressed access */
} kinesis_get_records_request;

typedef struct kinesis_get_records_result {
    kinesis_record *records;
    size_t record_count;
    const char *next_shard_iterator;   /* NULL when the shard is closed and fully read */
    int64_t millis_behind_latest;      /* -1 when not reported */
    kinesis_child_shard *child_shards; /* set when the shard ended (resharding) */
    size_t child_shard_count;
    void *internal_;
} kinesis_get_records_result;

/* Read records with an iterator. ExpiredIteratorException -> KINESIS_E_EXPIRED_ITERATOR (get a
 * new iterator AFTER_SEQUENCE_NUMBER the last record read). */
KINESIS_API kinesis_status kinesis_get_records(kinesis_client *client,
                                               const kinesis_get_records_request *req,
                                               kinesis_get_records_result *out, kinesis_error *err);
KINESIS_API void kinesis_get_records_result_clean_up(kinesis_get_records_result *result);

/* Validation helpers used by the calls above, exposed for producers and bindings. Pure. */
KINESIS_API kinesis_status kinesis_validate_partition_key(const char *partition_key);
KINESIS_API kinesis_status kinesis_validate_explicit_hash_key(const char *explicit_hash_key);

#ifdef __cplusplus
}
#endif
#endif

/* libkinesis: the one status enum, and per-call error details.
 *
 * Every fallible function returns a kinesis_status (0 = KINESIS_OK). Functions that talk to the
 * service also fill an optional kinesis_error with what the service (or transport) said.
 * Thread-safety: the functions here are pure; a kinesis_error belongs to the caller. */
#ifndef KINESIS_STATUS_H
#define KINESIS_STATUS_H

#include "kinesis/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro so names, descriptions and the retryable flag live in one table (lib/status.c).
 * Columns: enum name, retryable (1/0), description. Append only: values are ABI. */
#define KINESIS_STATUS_TABLE(X)                                                                    \
    X(KINESIS_OK, 0, "success")                                                                    \
    /* caller errors: nothing was sent */                                                          \
    X(KINESIS_E_INVALID_ARGUMENT, 0, "invalid argument")                                           \
    X(KINESIS_E_NO_MEMORY, 0, "out of memory")                                                     \
    X(KINESIS_E_BUFFER_TOO_SMALL, 0, "caller buffer too small")                                    \
    X(KINESIS_E_INVALID_PARTITION_KEY, 0, "partition key must be 1 to 256 characters")             \
    X(KINESIS_E_INVALID_EXPLICIT_HASH_KEY, 0,                                                      \
      "explicit hash key must be a decimal integer in [0, 2^128)")                                 \
    X(KINESIS_E_RECORD_TOO_LARGE, 0, "record data plus partition key exceed the record limit")     \
    X(KINESIS_E_TOO_MANY_RECORDS, 0, "PutRecords takes at most 500 records")                       \
    X(KINESIS_E_REQUEST_TOO_LARGE, 0, "PutRecords request exceeds the request size limit")         \
    X(KINESIS_E_INVALID_STREAM, 0, "stream name or ARN missing or malformed")                      \
    X(KINESIS_E_UNSUPPORTED, 0, "operation or option not supported")                               \
    /* configuration */                                                                            \
    X(KINESIS_E_NO_CREDENTIALS, 0, "no credentials found")                                         \
    X(KINESIS_E_NO_REGION, 0, "no region configured")                                              \
    X(KINESIS_E_CONFIG, 0, "invalid configuration")                                                \
    /* transport: no (complete) answer */                                                          \
    X(KINESIS_E_CONNECT, 1, "could not connect to the endpoint")                                   \
    X(KINESIS_E_TIMEOUT, 1, "request timed out")                                                   \
    X(KINESIS_E_TLS, 0, "TLS handshake or certificate verification failed")                        \
    X(KINESIS_E_TRANSPORT, 1, "connection failed or closed before a complete response")          \
    X(KINESIS_E_CANCELLED, 0, "cancelled")                                                         \
    /* response problems */                                                                        \
    X(KINESIS_E_BAD_RESPONSE, 0, "malformed or truncated response")                                \
    X(KINESIS_E_HTTP, 0, "HTTP error without a service error body")                                \
    /* service errors (kinesis_error.type has the exact service error type) */                     \
    X(KINESIS_E_THROTTLED, 1, "throttled by the service")                                          \
    X(KINESIS_E_SERVICE_UNAVAILABLE, 1, "service unavailable or internal failure (5xx)")           \
    X(KINESIS_E_RESOURCE_NOT_FOUND, 0, "resource not found")                                       \
    X(KINESIS_E_RESOURCE_IN_USE, 0, "resource in use")                                             \
    X(KINESIS_E_LIMIT_EXCEEDED, 1, "limit exceeded")                                               \
    X(KINESIS_E_VALIDATION, 0, "the service rejected the request as invalid")                      \
    X(KINESIS_E_EXPIRED_ITERATOR, 0, "shard iterator expired")                                     \
    X(KINESIS_E_EXPIRED_NEXT_TOKEN, 0, "pagination token expired")                                 \
    X(KINESIS_E_ACCESS_DENIED, 0, "access denied")                                                 \
    X(KINESIS_E_SIGNATURE, 0, "request signature or access key rejected")                          \
    X(KINESIS_E_CLOCK_SKEW, 1, "request time too far from the service's clock")                    \
    X(KINESIS_E_KMS, 0, "KMS error")                                                               \
    X(KINESIS_E_SERVICE, 0, "service error")                                                       \
    /* aggregation codec */                                                                        \
    X(KINESIS_E_AGG_FULL, 0, "record does not fit in this aggregate; finish it first")             \
    X(KINESIS_E_AGG_BAD_MAGIC, 0, "aggregated record: bad magic")                                  \
    X(KINESIS_E_AGG_TOO_SHORT, 0, "aggregated record: too short")                                  \
    X(KINESIS_E_AGG_BAD_MD5, 0, "aggregated record: MD5 mismatch")                                 \
    X(KINESIS_E_AGG_BAD_PROTOBUF, 0, "aggregated record: unparseable protobuf")                    \
    X(KINESIS_E_AGG_BAD_INDEX, 0, "aggregated record: key table index out of range")               \
    X(KINESIS_E_AGG_BAD_HASH_KEY, 0, "aggregated record: explicit hash key not a 128-bit decimal") \
    X(KINESIS_E_AGG_OUT_OF_RANGE, 0, "aggregated record: member hash key outside the shard range") \
    /* waiting and streaming */                                                                    \
    X(KINESIS_E_WAITER_TIMEOUT, 0, "gave up waiting for the resource state")                       \
    X(KINESIS_E_EVENT_STREAM, 0, "malformed event stream")                                         \
    X(KINESIS_E_QUEUE_FULL, 1, "queue full")

typedef enum kinesis_status {
#define KINESIS_STATUS_ENUM_(name, retryable, text) name,
    KINESIS_STATUS_TABLE(KINESIS_STATUS_ENUM_)
#undef KINESIS_STATUS_ENUM_
        KINESIS_STATUS_COUNT_
} kinesis_status;

/* "KINESIS_E_TIMEOUT" etc.; "KINESIS_E_UNKNOWN" for values outside the enum. Static string. */
KINESIS_API const char *kinesis_status_name(kinesis_status status);
/* One-line English description; static string. */
KINESIS_API const char *kinesis_status_str(kinesis_status status);
/* 1 when repeating the same call later may succeed (throttling, 5xx, timeouts, connection
 * failures), else 0. */
KINESIS_API int kinesis_status_is_retryable(kinesis_status status);

#define KINESIS_ERROR_TYPE_MAX 128
#define KINESIS_ERROR_MESSAGE_MAX 1024
#define KINESIS_ERROR_REQUEST_ID_MAX 128

/* What went wrong in a call, for the caller to read. Plain fixed-size data (no ownership, easy
 * for FFI). Strings are NUL-terminated; a message longer than the buffer ends in "...".
 * type:        service error type without namespace ("ResourceNotFoundException"), or "" when
 *              the failure happened before/without a service answer.
 * message:     the service's message, or a description of the local/transport failure.
 * http_status: HTTP status of the last response, 0 when none arrived.
 * request_id:  x-amzn-RequestId of the last response, "" when none.
 * attempts:    how many HTTP attempts the call made (0 when it failed before sending). */
typedef struct kinesis_error {
    kinesis_status status;
    int32_t http_status;
    uint32_t attempts;
    char type[KINESIS_ERROR_TYPE_MAX];
    char message[KINESIS_ERROR_MESSAGE_MAX];
    char request_id[KINESIS_ERROR_REQUEST_ID_MAX];
} kinesis_error;

/* Reset `err` to "no error". NULL is accepted and ignored. */
KINESIS_API void kinesis_error_clear(kinesis_error *err);

#ifdef __cplusplus
}
#endif
#endif

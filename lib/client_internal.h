/* Internal client API shared by the operation files (ops_*.c) and unit tests. */
#ifndef KINESIS_CLIENT_INTERNAL_H
#define KINESIS_CLIENT_INTERNAL_H

#include "json.h"
#include "kinesis/client.h"
#include "kinesis/records.h"

/* Run one operation: sign, send, retry, classify errors. `request_json` is the body. On success
 * `response` (initialised by the caller with kinesis_buf_init) holds the body ("{}" when empty).
 * On failure err has status, type, message, HTTP status, request id and attempts. */
kinesis_status kinesis_client_execute(kinesis_client *client, const char *operation,
                                      const char *request_json, size_t request_len,
                                      kinesis_buf *response, kinesis_error *err);

/* The same with a single attempt, for callers that own their retries (the producer retries
 * only the records that failed, against each record's deadline). */
kinesis_status kinesis_client_execute_once(kinesis_client *client, const char *operation,
                                           const char *request_json, size_t request_len,
                                           kinesis_buf *response, kinesis_error *err);

/* Run a streaming operation (SubscribeToShard): a 2xx response body goes to stream->on_body as
 * it arrives and stream->should_abort is polled; an error response is classified as usual. The
 * call is retried only while no stream bytes were delivered. No total timeout; HTTP/2. */
kinesis_status kinesis_client_execute_stream(kinesis_client *client, const char *operation,
                                             const char *request_json, size_t request_len,
                                             const kinesis_http_response_handler *stream,
                                             kinesis_error *err);

/* Parse the Records and ChildShards members shared by GetRecords and SubscribeToShard events
 * into arrays in `arena` (views into the DOM; Data decoded from base64). */
kinesis_status kinesis_parse_records(kinesis_arena *arena, const kjson *doc, const char *what,
                                     kinesis_record **records, size_t *record_count,
                                     kinesis_child_shard **children, size_t *child_count,
                                     kinesis_error *err);

/* One poll of a waiter: KINESIS_OK with *done set when the state is reached, KINESIS_OK with
 * *done clear to poll again; a retryable status also polls again, any other ends the wait. */
typedef kinesis_status (*kinesis_waiter_check_fn)(kinesis_client *client, void *user, bool *done,
                                                  kinesis_error *err);

/* Poll `check` every poll_interval_ms (0 = 1000) until done, a non-retryable error, or
 * timeout_ms (KINESIS_E_WAITER_TIMEOUT naming `what`). */
kinesis_status kinesis_wait_for(kinesis_client *client, kinesis_waiter_check_fn check, void *user,
                                uint32_t timeout_ms, uint32_t poll_interval_ms, const char *what,
                                kinesis_error *err);

/* Run an operation and parse its response into a DOM in `arena`. */
kinesis_status kinesis_client_execute_parsed(kinesis_client *client, const char *operation,
                                             const kinesis_buf *request, kinesis_arena *arena,
                                             kjson **out, kinesis_error *err);

/* Turn a non-2xx response into a status and error details (type, message). Handles JSON bodies
 * ({"__type","message"|"Message"}, namespaced types), XML error documents (<Code>, <Message>),
 * HTML pages and empty bodies. Returns the mapped status. */
kinesis_status kinesis_classify_error_response(int32_t http_status, const char *body, size_t len,
                                               const char *amzn_error_type, kinesis_error *err);

/* Map a service error type ("ResourceNotFoundException", with or without namespace) to a
 * status; KINESIS_E_SERVICE when unknown. */
kinesis_status kinesis_status_from_error_type(const char *type);

/* Parse an RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into epoch seconds; -1 when
 * it cannot be parsed. */
int64_t kinesis_parse_http_date(const char *s, size_t len);

/* Random delay in [0, min(max_delay, base * 2^(attempt-1))] (full jitter), attempt >= 1. */
uint32_t kinesis_backoff_delay_ms(const kinesis_retry_policy *policy, uint32_t attempt,
                                  uint64_t random_value);

/* Append `"StreamName":"x"` or `"StreamARN":"arn:..."` depending on what `stream` is. */
bool kinesis_append_stream_member(kinesis_buf *b, const char *stream, bool *first);
bool kinesis_is_stream_arn(const char *stream);

/* Client limits used by validation. */
uint32_t kinesis_client_max_record_bytes(const kinesis_client *client);
uint32_t kinesis_client_max_put_records_bytes(const kinesis_client *client);
const kinesis_logger *kinesis_client_logger(const kinesis_client *client);

#endif

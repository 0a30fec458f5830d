/* libkinesis: the pluggable HTTP transport, and its libcurl implementation.
 *
 * The client builds a complete, signed request and hands it to a transport, which delivers the
 * response through callbacks as it arrives (so event streams can be consumed incrementally).
 * Unit tests inject their own transport; the default one is libcurl. */
#ifndef KINESIS_TRANSPORT_H
#define KINESIS_TRANSPORT_H

#include "kinesis/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A header as NUL-terminated name and value (ASCII; the transport sends them verbatim). */
typedef struct kinesis_http_header {
    const char *name;
    const char *value;
} kinesis_http_header;

typedef enum kinesis_http_version {
    KINESIS_HTTP_DEFAULT = 0,      /* HTTP/2 over TLS when the server offers it, else HTTP/1.1 */
    KINESIS_HTTP_1_1 = 1,          /* force HTTP/1.1 */
    KINESIS_HTTP_2_PRIOR_KNOWLEDGE /* HTTP/2 without upgrade; h2c on http:// (local servers) */
} kinesis_http_version;

/* One request. Everything is borrowed from the caller for the duration of send(). The transport
 * must not add headers that change what was signed (Content-Type, Host, X-Amz-*); it may add
 * Content-Length, Accept-Encoding-free defaults, and must never send "Expect: 100-continue".
 * kinesis_transport_send() rejects with KINESIS_E_INVALID_ARGUMENT (nothing sent): a method that
 * is not an HTTP token, a URL that is not absolute http(s):// or contains whitespace/control
 * characters, a header name that is not a token, a value containing CR or LF, an "Expect" header,
 * body == NULL with body_len > 0, headers == NULL with header_count > 0, an unknown http_version.
 * The libcurl transport also refuses a Content-Length header that differs from body_len. */
typedef struct kinesis_http_request {
    const char *method;                 /* "POST" */
    const char *url;                    /* absolute http:// or https:// URL */
    const kinesis_http_header *headers; /* includes Host as signed */
    size_t header_count;
    const uint8_t *body;
    size_t body_len;
    uint32_t connect_timeout_ms; /* 0 = transport default */
    uint32_t request_timeout_ms; /* whole exchange; 0 = no limit (streams) */
    kinesis_http_version http_version;
} kinesis_http_request;

/* Response callbacks, called on the thread that called send(), in this order: on_status once per
 * response (again if a redirect or 1xx is followed), on_header once per header line (name and
 * value trimmed, not NUL-terminated), on_body zero or more times with consecutive chunks.
 * A callback returning nonzero aborts the exchange: send() then returns KINESIS_E_CANCELLED.
 * Any callback may be NULL (ignored), and so may the whole handler (response discarded).
 * libcurl transport specifics: redirects are never followed (a 3xx is the final response); an
 * interim 1xx response gives an on_status call of its own, so reset per-response state there;
 * trailers of a chunked body arrive through on_header after on_body; obsolete folded header
 * continuation lines are skipped; HTTP/2 responses are reported the same way as HTTP/1.1. */
typedef struct kinesis_http_response_handler {
    void *user;
    int (*on_status)(void *user, int32_t http_status);
    int (*on_header)(void *user, const char *name, size_t name_len, const char *value,
                     size_t value_len);
    int (*on_body)(void *user, const uint8_t *data, size_t len);
    /* Optional: polled while the exchange runs — at least every 250 ms while it waits for data,
     * and between chunks. Nonzero aborts this exchange only (send() returns
     * KINESIS_E_CANCELLED); this is how one long-lived stream is cancelled from another thread
     * without disturbing the transport's other exchanges. Must be cheap and thread-safe. */
    int (*should_abort)(void *user);
} kinesis_http_response_handler;

/* The transport contract.
 *
 * send: perform one exchange. Returns KINESIS_OK when a complete response (any HTTP status) was
 *   received; KINESIS_E_CONNECT when no connection could be made (nothing was sent);
 *   KINESIS_E_TIMEOUT when a timeout expired; KINESIS_E_TLS on handshake/verification failure;
 *   KINESIS_E_TRANSPORT when the connection broke (the server may or may not have applied the
 *   request); KINESIS_E_CANCELLED when a callback aborted or cancel() was called;
 *   KINESIS_E_NO_MEMORY. On failure it fills err->message (if err) with a description.
 *   send() must be callable from several threads at once on the same transport.
 * cancel: optional (may be NULL). Aborts every exchange in progress on this transport as soon as
 *   possible, from any thread; those send() calls return KINESIS_E_CANCELLED.
 * destroy: frees the implementation; no send() may be in progress. */
typedef struct kinesis_transport_vtable {
    kinesis_status (*send)(void *impl, const kinesis_http_request *req,
                           const kinesis_http_response_handler *handler, kinesis_error *err);
    void (*cancel)(void *impl);
    void (*destroy)(void *impl);
} kinesis_transport_vtable;

typedef struct kinesis_transport kinesis_transport;

/* Wrap a custom implementation. The vtable must outlive the transport; `impl` is owned by the
 * transport and released through vtable->destroy. Returns NULL on allocation failure or when
 * vtable, vtable->send or vtable->destroy is NULL; `impl` then still belongs to the caller.
 * The allocator struct is copied (it need not outlive the transport); its hooks must. */
KINESIS_API kinesis_transport *kinesis_transport_new(const kinesis_transport_vtable *vtable,
                                                     void *impl,
                                                     const kinesis_allocator *allocator);

/* Options for the libcurl transport; initialise with kinesis_curl_transport_options_init(). */
typedef struct kinesis_curl_transport_options {
    uint32_t connect_timeout_ms;   /* default 5000 (when the request gives 0) */
    const char *ca_file;           /* PEM bundle; NULL = system default */
    const char *ca_path;           /* directory of hashed certs; NULL = system default */
    uint8_t insecure_skip_verify;  /* 1 = do not verify TLS peer/host. For local testing only. */
    uint32_t max_idle_connections; /* pooled connections kept for reuse; default 16 (when 0) */
    /* NULL = from http_proxy/https_proxy/all_proxy/no_proxy (HTTP_PROXY is ignored for http://
     * URLs, as libcurl does). Non-NULL overrides the environment entirely, no_proxy included;
     * "" = never use a proxy. Example: "http://proxy.internal:3128". ca_file/ca_path and
     * insecure_skip_verify apply to the endpoint, not to an https:// proxy. */
    const char *proxy;
    kinesis_log_fn log_fn; /* optional; TRACE-level wire summaries, never bodies */
    void *log_user;
    kinesis_log_level log_level;
} kinesis_curl_transport_options;

KINESIS_API void kinesis_curl_transport_options_init(kinesis_curl_transport_options *options);

/* Create the libcurl transport: reuses connections across calls (a pool of handles shared by all
 * threads), verifies TLS by default, honours the usual proxy environment variables, never sends
 * "Expect: 100-continue", and negotiates HTTP/2 over TLS when the server offers it.
 * options may be NULL (defaults); its strings are copied. On success *out owns the transport
 * (free with kinesis_transport_destroy); on failure *out is NULL.
 * Errors: KINESIS_E_INVALID_ARGUMENT (out NULL), KINESIS_E_NO_MEMORY, KINESIS_E_CONFIG
 * (curl_global_init failed). Thread-safe: one transport may serve many threads, and creating
 * transports from several threads at once is safe (libcurl is initialised once per process and
 * never cleaned up). Needs libcurl 7.68 or newer.
 * Connections: each concurrent send() uses its own connection; up to max_idle_connections idle
 * connections are kept for reuse. DNS results and TLS sessions are shared by all of them.
 * Timeouts: connect_timeout_ms of the request, else of the options (5000 by default);
 * request_timeout_ms of the request bounds the whole exchange (0 = none). A connect timeout is
 * reported as KINESIS_E_TIMEOUT. Error messages include libcurl's own description.
 * With libcurl older than 8.0.0, KINESIS_HTTP_2_PRIOR_KNOWLEDGE exchanges each use a new
 * connection (those versions fail requests on a reused prior-knowledge connection).
 * Process-wide: do not call curl_global_cleanup() while a transport exists. libcurl is used
 * without signals (CURLOPT_NOSIGNAL); it avoids SIGPIPE on Linux and macOS, but programs on other
 * systems should ignore SIGPIPE, as for any socket code. */
KINESIS_API kinesis_status kinesis_curl_transport_new(const kinesis_curl_transport_options *options,
                                                      const kinesis_allocator *allocator,
                                                      kinesis_transport **out, kinesis_error *err);

/* Perform one exchange through `transport` (see the contract above). The request is validated
 * first (KINESIS_E_INVALID_ARGUMENT, see kinesis_http_request). On success err is left as it was;
 * on failure err->status and err->message are set (err may be NULL). */
KINESIS_API kinesis_status kinesis_transport_send(kinesis_transport *transport,
                                                  const kinesis_http_request *req,
                                                  const kinesis_http_response_handler *handler,
                                                  kinesis_error *err);

/* Cancel every exchange in progress (no-op if the implementation cannot). Any thread. Only
 * exchanges already in progress are affected: a send() that starts after cancel() returns works
 * normally, so the transport stays usable. The libcurl transport wakes the waiting threads at once;
 * their send() returns KINESIS_E_CANCELLED within milliseconds and the aborted connections are
 * closed, not reused. NULL is ignored. */
KINESIS_API void kinesis_transport_cancel(kinesis_transport *transport);

/* Destroy a transport. NULL is ignored. No exchange may be in progress. */
KINESIS_API void kinesis_transport_destroy(kinesis_transport *transport);

#ifdef __cplusplus
}
#endif
#endif

/* The generic transport wrapper: a vtable plus an implementation pointer, with argument checks
 * done once here so every implementation sees well-formed requests. */
#include "kinesis/transport.h"
#include "internal.h"

struct kinesis_transport {
    const kinesis_transport_vtable *vtable;
    void *impl;
    /* Copied so the caller's allocator struct need not outlive the transport. */
    kinesis_allocator allocator;
};

kinesis_transport *kinesis_transport_new(const kinesis_transport_vtable *vtable, void *impl,
                                         const kinesis_allocator *allocator) {
    if (!vtable || !vtable->send || !vtable->destroy) return NULL;
    const kinesis_allocator *a = kinesis_alloc_or_default(allocator);
    kinesis_transport *t = kinesis_mem_calloc(a, 1, sizeof(*t));
    if (!t) return NULL;
    t->vtable = vtable;
    t->impl = impl;
    t->allocator = *a;
    return t;
}

/* A header name is an RFC 9110 token; values may not contain CR, LF or NUL (header injection). */
static bool is_token(const char *s) {
    if (!s || !*s) return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 32 || c >= 127) return false;
        if (strchr("\"(),/:;<=>?@[\\]{}", c)) return false;
    }
    return true;
}

static bool is_header_value(const char *s) {
    if (!s) return false;
    for (; *s; s++)
        if (*s == '\r' || *s == '\n') return false;
    return true;
}

static kinesis_status check_request(const kinesis_http_request *req, kinesis_error *err) {
    if (!req)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "transport: request is NULL");
    if (!is_token(req->method))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "transport: missing or malformed HTTP method");
    if (!req->url || (kinesis_strncasecmp_ascii(req->url, "http://", 7) != 0 &&
                      kinesis_strncasecmp_ascii(req->url, "https://", 8) != 0))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "transport: URL must be absolute http:// or https://");
    for (const char *p = req->url; *p; p++) {
        if ((unsigned char)*p <= 32 || *p == 127)
            return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                     "transport: URL contains whitespace or control characters");
    }
    if (req->body_len > 0 && !req->body)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "transport: body is NULL but body_len is %zu", req->body_len);
    if (req->header_count > 0 && !req->headers)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "transport: headers is NULL but header_count is %zu",
                                 req->header_count);
    for (size_t i = 0; i < req->header_count; i++) {
        const kinesis_http_header *h = &req->headers[i];
        if (!is_token(h->name) || !is_header_value(h->value))
            return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                     "transport: header %zu has a malformed name or value", i);
        /* The contract forbids "Expect: 100-continue"; refuse it rather than send it. */
        if (kinesis_strcasecmp_ascii(h->name, "Expect") == 0)
            return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                     "transport: the Expect header is not allowed");
    }
    if ((unsigned)req->http_version > (unsigned)KINESIS_HTTP_2_PRIOR_KNOWLEDGE)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "transport: unknown http_version %d", (int)req->http_version);
    return KINESIS_OK;
}

kinesis_status kinesis_transport_send(kinesis_transport *transport, const kinesis_http_request *req,
                                      const kinesis_http_response_handler *handler,
                                      kinesis_error *err) {
    if (!transport)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "transport: transport is NULL");
    kinesis_status st = check_request(req, err);
    if (st != KINESIS_OK) return st;
    /* Implementations may rely on a handler being present; NULL means "discard the response". */
    static const kinesis_http_response_handler discard = {NULL, NULL, NULL, NULL, NULL};
    return transport->vtable->send(transport->impl, req, handler ? handler : &discard, err);
}

void kinesis_transport_cancel(kinesis_transport *transport) {
    if (transport && transport->vtable->cancel) transport->vtable->cancel(transport->impl);
}

void kinesis_transport_destroy(kinesis_transport *transport) {
    if (!transport) return;
    transport->vtable->destroy(transport->impl);
    kinesis_allocator a = transport->allocator;
    kinesis_mem_free(&a, transport);
}

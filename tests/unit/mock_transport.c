#define _POSIX_C_SOURCE 200809L
#include "mock_transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "kinesis/credentials.h"
#include "support.h"

static kinesis_status mock_send(void *impl, const kinesis_http_request *req,
                                const kinesis_http_response_handler *h, kinesis_error *err) {
    mock_transport *m = impl;
    snprintf(m->last_body, sizeof(m->last_body), "%.*s", (int)req->body_len,
             (const char *)req->body);
    snprintf(m->last_url, sizeof(m->last_url), "%s", req->url);
    for (size_t i = 0; i < req->header_count; i++) {
        const kinesis_http_header *hd = &req->headers[i];
        if (!strcasecmp(hd->name, "X-Amz-Target")) snprintf(m->last_target, 128, "%s", hd->value);
        if (!strcasecmp(hd->name, "Authorization")) snprintf(m->last_auth, 512, "%s", hd->value);
        if (!strcasecmp(hd->name, "X-Amz-Date")) snprintf(m->last_date, 32, "%s", hd->value);
        if (!strcasecmp(hd->name, "Host")) snprintf(m->last_host, 128, "%s", hd->value);
        if (!strcasecmp(hd->name, "Expect")) m->saw_expect = 1;
    }
    assert_true(m->calls < m->script_len);
    const scripted_response *r = &m->script[m->calls++];
    if (r->transport_status != KINESIS_OK) {
        kinesis_error_set(err, r->transport_status, "scripted transport failure");
        return r->transport_status;
    }
    h->on_status(h->user, r->http_status);
    h->on_header(h->user, "x-amzn-RequestId", 16, "req-123", 7);
    if (r->date) h->on_header(h->user, "Date", 4, r->date, strlen(r->date));
    if (r->error_type_header)
        h->on_header(h->user, "x-amzn-ErrorType", 16, r->error_type_header,
                     strlen(r->error_type_header));
    size_t len = r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0;
    size_t chunk = r->chunk_size ? r->chunk_size : (len ? len : 1);
    for (size_t off = 0; off < len; off += chunk) {
        if (h->should_abort && h->should_abort(h->user)) return KINESIS_E_CANCELLED;
        size_t n = len - off < chunk ? len - off : chunk;
        if (h->on_body(h->user, (const uint8_t *)r->body + off, n) != 0) {
            kinesis_error_set(err, KINESIS_E_CANCELLED, "aborted by a callback");
            return KINESIS_E_CANCELLED;
        }
    }
    return KINESIS_OK;
}

static void mock_destroy(void *impl) { (void)impl; }
const kinesis_transport_vtable mock_vtable = {mock_send, NULL, mock_destroy};

int mock_client_setup(void **state) {
    mock_client *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    test_allocator_init(&f->alloc);
    f->transport = kinesis_transport_new(&mock_vtable, &f->mock, &f->alloc.base);
    f->creds = kinesis_credentials_provider_new_static("AKID", "secret", NULL, &f->alloc.base);
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "us-east-1";
    o.endpoint_url = "http://127.0.0.1:4567";
    o.transport = f->transport;
    o.credentials = f->creds;
    o.allocator = &f->alloc.base;
    o.retry.base_delay_ms = 1;
    o.retry.max_delay_ms = 2;
    kinesis_error err;
    assert_int_equal(kinesis_client_new(&o, &f->client, &err), KINESIS_OK);
    *state = f;
    return 0;
}

int mock_client_teardown(void **state) {
    mock_client *f = *state;
    kinesis_client_destroy(f->client);
    kinesis_credentials_provider_destroy(f->creds);
    kinesis_transport_destroy(f->transport);
    assert_int_equal(f->alloc.live, 0); /* nothing leaked through the allocator hooks */
    free(f);
    return 0;
}

/* Signed Kinesis JSON calls straight through the libcurl transport (header-only, shared by the
 * bench programs' bound measurements: bench_consumer --receive, bench_producer --send). No
 * client, no retries, no parsing: what any reader or producer over libcurl must at least spend
 * per call (SigV4 with the body's SHA-256, the HTTP exchange, the kernel's socket copies). The
 * response is left where libcurl puts it; only its length and its first and last 4 KiB are kept,
 * for the few members a caller looks for. */
#ifndef KINESIS_BENCH_HTTP_H
#define KINESIS_BENCH_HTTP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinesis/kinesis.h"

#define BENCH_HTTP_EDGE 4096

typedef struct bench_http {
    kinesis_transport *transport;
    kinesis_signer *signer;
    kinesis_credentials creds;
    const char *endpoint;
    char host[256];
    /* the last response */
    int32_t status;
    size_t len, tail_len;
    char head[BENCH_HTTP_EDGE], tail[BENCH_HTTP_EDGE];
} bench_http;

static int bench_http_on_status(void *user, int32_t status) {
    bench_http *b = user;
    b->status = status;
    b->len = b->tail_len = 0;
    return 0;
}

static int bench_http_on_body(void *user, const uint8_t *data, size_t len) {
    bench_http *b = user;
    if (b->len < BENCH_HTTP_EDGE) {
        size_t n = len < BENCH_HTTP_EDGE - b->len ? len : BENCH_HTTP_EDGE - b->len;
        memcpy(b->head + b->len, data, n);
    }
    b->len += len;
    if (len >= BENCH_HTTP_EDGE) {
        memcpy(b->tail, data + len - BENCH_HTTP_EDGE, BENCH_HTTP_EDGE);
        b->tail_len = BENCH_HTTP_EDGE;
    } else {
        size_t keep = b->tail_len + len > BENCH_HTTP_EDGE ? BENCH_HTTP_EDGE - len : b->tail_len;
        memmove(b->tail, b->tail + b->tail_len - keep, keep);
        memcpy(b->tail + keep, data, len);
        b->tail_len = keep + len;
    }
    return 0;
}

/* A libcurl transport and a SigV4 signer for `endpoint` (static credentials from the
 * environment, as the client reads them, else "test"). 0 on success. */
static int bench_http_open(bench_http *b, const char *endpoint) {
    memset(b, 0, sizeof(*b));
    kinesis_error err;
    b->signer = kinesis_signer_new_sigv4(NULL, NULL);
    if (!b->signer || kinesis_curl_transport_new(NULL, NULL, &b->transport, &err) != KINESIS_OK) {
        fprintf(stderr, "transport or signer: %s\n", b->signer ? err.message : "out of memory");
        return -1;
    }
    const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    b->creds = (kinesis_credentials){(char *)(id ? id : "test"), (char *)(secret ? secret : "test"),
                                     NULL, 0, NULL};
    b->endpoint = endpoint;
    const char *h = strstr(endpoint, "://");
    h = h ? h + 3 : endpoint;
    snprintf(b->host, sizeof(b->host), "%.*s", (int)strcspn(h, "/"), h);
    return 0;
}

/* One signed POST of `body` to the operation `target` ("Kinesis_20131202.GetRecords"); the
 * response's status, length and edges land in b. 0 when the exchange completed. */
static int bench_http_post(bench_http *b, const char *target, const char *body, size_t len) {
    kinesis_http_header headers[8] = {
        {"Host", b->host},
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", target},
    };
    kinesis_signable sg = {"POST", "/", "", headers, 3, (const uint8_t *)body, len};
    kinesis_signing_params sp = {"us-east-1", "kinesis", (int64_t)time(NULL), &b->creds, 1, 1,
                                 0,           0};
    kinesis_signing_result sr;
    if (kinesis_signer_sign(b->signer, &sg, &sp, &sr) != KINESIS_OK) {
        fprintf(stderr, "signing failed\n");
        return -1;
    }
    size_t n = 3;
    for (size_t k = 0; k < sr.header_count; k++) headers[n++] = sr.headers[k];
    kinesis_http_request rq = {
        "POST", b->endpoint,         headers, n, (const uint8_t *)body, len, 0,
        60000,  KINESIS_HTTP_DEFAULT};
    kinesis_http_response_handler hd = {b, bench_http_on_status, NULL, bench_http_on_body, NULL};
    kinesis_error err;
    if (kinesis_transport_send(b->transport, &rq, &hd, &err) != KINESIS_OK) {
        fprintf(stderr, "%s: %s\n", target, err.message);
        return -1;
    }
    return 0;
}

static void bench_http_close(bench_http *b) {
    kinesis_signer_destroy(b->signer);
    kinesis_transport_destroy(b->transport);
}

#endif

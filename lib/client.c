/* The client: configuration, then the request pipeline shared by every operation — credentials,
 * SigV4 signing per attempt, the transport, error classification and retries with backoff. */
#include "client_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "endpoint_internal.h"
#include "kinesis/config.h"

#define KINESIS_TARGET_PREFIX "Kinesis_20131202."
#define KINESIS_CONTENT_TYPE "application/x-amz-json-1.1"
/* A GetRecords response is at most 10 MiB of data (base64: ~14 MiB) plus metadata. Anything
 * far beyond is not a Kinesis response; refuse it instead of exhausting memory. */
#define KINESIS_MAX_RESPONSE_BYTES (64u * 1024u * 1024u)
#define KINESIS_CREDENTIALS_REFRESH_MARGIN_MS (5 * 60 * 1000)

/* An endpoint split into what the pipeline needs. */
typedef struct endpoint_parts {
    char *endpoint;   /* scheme://host[:port][/path], no trailing slash */
    char *url;        /* endpoint + "/" */
    char *host;       /* Host header: host[:port] */
    const char *path; /* into url: the request path, e.g. "/" */
} endpoint_parts;

struct kinesis_client {
    const kinesis_allocator *allocator;
    kinesis_logger log;
    char *region;
    endpoint_parts base; /* the resolved or configured endpoint */
    /* No endpoint configured (option, environment or config file): StreamARN-addressed calls
     * go to the account-specific hosts, as the SDKs' endpoint rules say. */
    bool endpoint_configured;
    uint8_t use_fips, use_dualstack;
    char *user_agent;
    uint32_t connect_timeout_ms, request_timeout_ms;
    kinesis_retry_policy retry;
    uint32_t max_record_bytes, max_put_records_bytes;
    kinesis_http_version http_version;

    kinesis_transport *transport;
    kinesis_signer *signer;
    kinesis_credentials_provider *credentials;
    bool own_transport, own_signer, own_credentials;

    pthread_mutex_t credentials_lock;
    kinesis_credentials cached_credentials;
    bool have_credentials;

    _Atomic int64_t clock_offset_s;
    _Atomic uint64_t rng_state;
};

void kinesis_client_options_init(kinesis_client_options *o) {
    memset(o, 0, sizeof(*o));
    o->connect_timeout_ms = 5000;
    o->request_timeout_ms = 30000;
    o->retry.max_attempts = 5;
    o->retry.base_delay_ms = 100;
    o->retry.max_delay_ms = 20000;
    o->max_record_bytes = 1048576;
    o->max_put_records_bytes = 5242880;
    o->log_level = KINESIS_LOG_INFO;
}

static void endpoint_parts_clean_up(const kinesis_allocator *a, endpoint_parts *p) {
    kinesis_mem_free(a, p->endpoint);
    kinesis_mem_free(a, p->url);
    kinesis_mem_free(a, p->host);
    memset(p, 0, sizeof(*p));
}

/* Split "scheme://host[:port][/path]" into the pieces the pipeline needs. */
static kinesis_status endpoint_parts_parse(const kinesis_allocator *a, const char *url,
                                           endpoint_parts *out, kinesis_error *err) {
    memset(out, 0, sizeof(*out));
    const char *p = strstr(url, "://");
    if (!p || !((p - url == 4 && kinesis_strncasecmp_ascii(url, "http", 4) == 0) ||
                (p - url == 5 && kinesis_strncasecmp_ascii(url, "https", 5) == 0)))
        return kinesis_error_set(err, KINESIS_E_CONFIG,
                                 "endpoint URL must start with http:// or https://: %s", url);
    const char *host = p + 3;
    size_t host_len = strcspn(host, "/?#");
    if (host_len == 0)
        return kinesis_error_set(err, KINESIS_E_CONFIG, "endpoint URL has no host: %s", url);
    for (size_t i = 0; i < host_len; i++)
        if ((unsigned char)host[i] <= ' ' || host[i] == '@')
            return kinesis_error_set(err, KINESIS_E_CONFIG, "endpoint URL host is malformed: %s",
                                     url);
    const char *path = host + host_len;
    size_t path_len = strcspn(path, "?#");
    if (path[path_len] != '\0')
        return kinesis_error_set(err, KINESIS_E_CONFIG,
                                 "endpoint URL must not have a query or fragment: %s", url);
    while (path_len > 0 && path[path_len - 1] == '/') path_len--;
    size_t endpoint_len = (size_t)(path - url) + path_len;
    out->host = kinesis_strndup(a, host, host_len);
    out->endpoint = kinesis_strndup(a, url, endpoint_len);
    out->url = kinesis_mem_alloc(a, endpoint_len + 2);
    if (!out->host || !out->endpoint || !out->url) {
        endpoint_parts_clean_up(a, out);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    memcpy(out->url, url, endpoint_len);
    memcpy(out->url + endpoint_len, "/", 2);
    out->path = out->url + (path - url);
    return KINESIS_OK;
}

static uint64_t next_random(kinesis_client *c) {
    /* xorshift64*, lock-free: only jitter depends on it. */
    uint64_t x = atomic_load(&c->rng_state), n;
    do {
        n = x;
        n ^= n >> 12;
        n ^= n << 25;
        n ^= n >> 27;
    } while (!atomic_compare_exchange_weak(&c->rng_state, &x, n));
    return n * 0x2545F4914F6CDD1DULL;
}

kinesis_status kinesis_client_new(const kinesis_client_options *options, kinesis_client **out,
                                  kinesis_error *err) {
    kinesis_error_clear(err);
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    kinesis_client_options defaults;
    if (!options) {
        kinesis_client_options_init(&defaults);
        options = &defaults;
    }
    if (options->max_record_bytes > 10485760)
        return kinesis_error_set(err, KINESIS_E_CONFIG,
                                 "max_record_bytes %u exceeds the 10 MiB service maximum",
                                 options->max_record_bytes);
    if (options->retry.max_attempts > 100)
        return kinesis_error_set(err, KINESIS_E_CONFIG, "retry.max_attempts must be <= 100");

    const kinesis_allocator *a = kinesis_alloc_or_default(options->allocator);
    kinesis_client *c = kinesis_mem_calloc(a, 1, sizeof(*c));
    if (!c) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    c->allocator = a;
    c->log.fn = options->log_fn;
    c->log.user = options->log_user;
    c->log.level = options->log_fn ? options->log_level : KINESIS_LOG_OFF;
    c->connect_timeout_ms = options->connect_timeout_ms ? options->connect_timeout_ms : 5000;
    c->request_timeout_ms = options->request_timeout_ms;
    c->retry = options->retry;
    if (c->retry.max_attempts == 0) c->retry.max_attempts = 1;
    c->max_record_bytes = options->max_record_bytes ? options->max_record_bytes : 1048576;
    c->max_put_records_bytes =
        options->max_put_records_bytes ? options->max_put_records_bytes : 5242880;
    c->http_version = options->http_version;
    pthread_mutex_init(&c->credentials_lock, NULL);
    atomic_store(&c->rng_state,
                 (uint64_t)kinesis_now_wall_ms() ^ (uint64_t)(uintptr_t)c ^ 0x9E3779B97F4A7C15ULL);

    kinesis_status st = KINESIS_OK;
    if (options->region && *options->region)
        c->region = kinesis_strdup(a, options->region);
    else
        st = kinesis_resolve_region(options->profile, a, &c->region, err);
    if (st == KINESIS_OK && !c->region) st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "oom");

    char *endpoint = NULL;
    if (st == KINESIS_OK) {
        kinesis_endpoint_options eo = {c->region, options->profile, options->use_fips,
                                       options->use_dualstack, 0};
        kinesis_endpoint_settings settings;
        if (options->endpoint_url && *options->endpoint_url) {
            endpoint = kinesis_strdup(a, options->endpoint_url);
            c->endpoint_configured = true;
            if (!endpoint) st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        } else if ((st = kinesis_endpoint_settings_resolve(&eo, a, &settings, err)) == KINESIS_OK) {
            c->endpoint_configured = settings.configured_endpoint != NULL;
            c->use_fips = settings.use_fips;
            c->use_dualstack = settings.use_dualstack;
            kinesis_endpoint_settings_clean_up(&settings, a);
            st = kinesis_resolve_endpoint(&eo, a, &endpoint, err);
        }
    }
    if (st == KINESIS_OK) st = endpoint_parts_parse(a, endpoint, &c->base, err);
    kinesis_mem_free(a, endpoint);

    if (st == KINESIS_OK) {
        kinesis_buf ua;
        kinesis_buf_init(&ua, a);
        kinesis_buf_appendf(&ua, "libkinesis/%s", KINESIS_VERSION_STRING);
        if (options->user_agent_suffix && *options->user_agent_suffix)
            kinesis_buf_appendf(&ua, " %s", options->user_agent_suffix);
        c->user_agent = kinesis_buf_detach(&ua, NULL);
        if (!c->user_agent) st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    if (st == KINESIS_OK) {
        if (options->transport) {
            c->transport = options->transport;
        } else {
            kinesis_curl_transport_options to;
            kinesis_curl_transport_options_init(&to);
            to.connect_timeout_ms = c->connect_timeout_ms;
            to.ca_file = options->ca_file;
            to.ca_path = options->ca_path;
            to.insecure_skip_verify = options->insecure_skip_verify;
            to.log_fn = options->log_fn;
            to.log_user = options->log_user;
            to.log_level = c->log.level;
            st = kinesis_curl_transport_new(&to, a, &c->transport, err);
            c->own_transport = st == KINESIS_OK;
        }
    }
    if (st == KINESIS_OK) {
        c->signer = options->signer;
        if (!c->signer) {
            c->signer = kinesis_signer_new_sigv4(NULL, a);
            c->own_signer = true;
            if (!c->signer) st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        }
    }
    if (st == KINESIS_OK) {
        c->credentials = options->credentials;
        if (!c->credentials) {
            c->credentials = kinesis_credentials_provider_new_default_chain(options->profile, a);
            c->own_credentials = true;
            if (!c->credentials) st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        }
    }
    if (st != KINESIS_OK) {
        kinesis_client_destroy(c);
        return st;
    }
    kinesis_log(&c->log, KINESIS_LOG_DEBUG, "client: region %s endpoint %s", c->region,
                c->base.url);
    *out = c;
    return KINESIS_OK;
}

void kinesis_client_destroy(kinesis_client *c) {
    if (!c) return;
    const kinesis_allocator *a = c->allocator;
    if (c->own_transport) kinesis_transport_destroy(c->transport);
    if (c->own_signer) kinesis_signer_destroy(c->signer);
    if (c->own_credentials) kinesis_credentials_provider_destroy(c->credentials);
    kinesis_credentials_clean_up(&c->cached_credentials);
    pthread_mutex_destroy(&c->credentials_lock);
    kinesis_mem_free(a, c->region);
    endpoint_parts_clean_up(a, &c->base);
    kinesis_mem_free(a, c->user_agent);
    kinesis_mem_free(a, c);
}

const char *kinesis_client_region(const kinesis_client *c) { return c->region; }
const char *kinesis_client_endpoint(const kinesis_client *c) { return c->base.endpoint; }
const kinesis_allocator *kinesis_client_allocator(const kinesis_client *c) { return c->allocator; }
int64_t kinesis_client_clock_offset_s(const kinesis_client *c) {
    return atomic_load(&((kinesis_client *)c)->clock_offset_s);
}
uint32_t kinesis_client_max_record_bytes(const kinesis_client *c) { return c->max_record_bytes; }
uint32_t kinesis_client_max_put_records_bytes(const kinesis_client *c) {
    return c->max_put_records_bytes;
}
const kinesis_logger *kinesis_client_logger(const kinesis_client *c) { return &c->log; }

/* A private copy of the current credentials (refreshed when they are about to expire), so a
 * concurrent refresh can never free strings a signer is using. */
static kinesis_status current_credentials(kinesis_client *c, kinesis_credentials *out,
                                          kinesis_error *err) {
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&c->credentials_lock);
    kinesis_status st = KINESIS_OK;
    int64_t exp = c->cached_credentials.expiration_epoch_ms;
    if (!c->have_credentials ||
        (exp && kinesis_now_wall_ms() + KINESIS_CREDENTIALS_REFRESH_MARGIN_MS >= exp)) {
        kinesis_credentials fresh;
        memset(&fresh, 0, sizeof(fresh));
        st = kinesis_credentials_provider_get(c->credentials, &fresh, err);
        if (st == KINESIS_OK) {
            kinesis_credentials_clean_up(&c->cached_credentials);
            c->cached_credentials = fresh;
            c->have_credentials = true;
        }
    }
    if (st == KINESIS_OK) {
        const kinesis_credentials *src = &c->cached_credentials;
        out->allocator = c->allocator;
        out->access_key_id = kinesis_strdup(c->allocator, src->access_key_id);
        out->secret_access_key = kinesis_strdup(c->allocator, src->secret_access_key);
        out->session_token = kinesis_strdup(c->allocator, src->session_token);
        out->expiration_epoch_ms = src->expiration_epoch_ms;
        if (!out->access_key_id || !out->secret_access_key ||
            (src->session_token && !out->session_token)) {
            kinesis_credentials_clean_up(out);
            st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        }
    }
    pthread_mutex_unlock(&c->credentials_lock);
    return st;
}

/* ---- response collection ---- */
typedef struct response_state {
    int32_t http_status;
    kinesis_buf *body;
    char request_id[KINESIS_ERROR_REQUEST_ID_MAX];
    char error_type[KINESIS_ERROR_TYPE_MAX]; /* x-amzn-ErrorType header */
    int64_t server_date;                     /* -1 when absent */
    bool too_large;
    /* Streaming calls: a 2xx body goes to `stream` as it arrives instead of into `body`. */
    const kinesis_http_response_handler *stream;
    bool stream_started; /* bytes were handed over: the call can no longer be retried */
} response_state;

static int on_status(void *user, int32_t status) {
    response_state *r = user;
    r->http_status = status;
    kinesis_buf_reset(r->body);
    r->request_id[0] = r->error_type[0] = '\0';
    r->server_date = -1;
    return 0;
}

static bool header_is(const char *name, size_t len, const char *want) {
    return strlen(want) == len && kinesis_strncasecmp_ascii(name, want, len) == 0;
}

static int should_abort(void *user) {
    response_state *r = user;
    return r->stream && r->stream->should_abort ? r->stream->should_abort(r->stream->user) : 0;
}

static int on_header(void *user, const char *name, size_t name_len, const char *value,
                     size_t value_len) {
    response_state *r = user;
    if (header_is(name, name_len, "x-amzn-RequestId") ||
        (header_is(name, name_len, "x-amz-request-id") && !r->request_id[0]))
        kinesis_copy_truncated(r->request_id, sizeof(r->request_id), value, value_len);
    else if (header_is(name, name_len, "x-amzn-ErrorType"))
        kinesis_copy_truncated(r->error_type, sizeof(r->error_type), value, value_len);
    else if (header_is(name, name_len, "Date"))
        r->server_date = kinesis_parse_http_date(value, value_len);
    return 0;
}

static int on_body(void *user, const uint8_t *data, size_t len) {
    response_state *r = user;
    if (r->stream && r->http_status >= 200 && r->http_status < 300) {
        r->stream_started = true;
        return r->stream->on_body ? r->stream->on_body(r->stream->user, data, len) : 0;
    }
    if (r->body->len + len > KINESIS_MAX_RESPONSE_BYTES) {
        r->too_large = true;
        return 1;
    }
    return kinesis_buf_append(r->body, data, len) ? 0 : 1;
}

uint32_t kinesis_backoff_delay_ms(const kinesis_retry_policy *p, uint32_t attempt,
                                  uint64_t random_value) {
    uint64_t cap = p->base_delay_ms;
    for (uint32_t i = 1; i < attempt && cap < p->max_delay_ms; i++) cap *= 2;
    if (cap > p->max_delay_ms) cap = p->max_delay_ms;
    return (uint32_t)(cap ? random_value % (cap + 1) : 0);
}

static bool is_clock_skew_message(const char *type, const char *message) {
    return strcmp(type, "RequestExpired") == 0 || strcmp(type, "RequestTimeTooSkewed") == 0 ||
           strcmp(type, "RequestInTheFuture") == 0 ||
           ((strcmp(type, "InvalidSignatureException") == 0 ||
             strcmp(type, "SignatureDoesNotMatch") == 0) &&
            strstr(message, "expired") != NULL);
}

/* One attempt: credentials, sign, send. Fills r and returns the transport status. */
static kinesis_status attempt_once(kinesis_client *c, const endpoint_parts *ep, const char *target,
                                   const char *body, size_t body_len, response_state *r,
                                   kinesis_error *err) {
    kinesis_credentials creds;
    kinesis_status st = current_credentials(c, &creds, err);
    if (st != KINESIS_OK) return st;

    kinesis_http_header headers[8] = {
        {"Host", ep->host},
        {"Content-Type", KINESIS_CONTENT_TYPE},
        {"X-Amz-Target", target},
    };
    size_t signed_count = 3;
    kinesis_signable signable = {
        "POST", ep->path, "", headers, signed_count, (const uint8_t *)body, body_len};
    kinesis_signing_params params;
    memset(&params, 0, sizeof(params));
    params.region = c->region;
    params.service = "kinesis";
    params.time_epoch_s = kinesis_now_wall_ms() / 1000 + atomic_load(&c->clock_offset_s);
    params.credentials = &creds;
    params.normalize_path = 1;
    params.double_encode_path = 1;
    kinesis_signing_result signature;
    st = kinesis_signer_sign(c->signer, &signable, &params, &signature);
    if (st != KINESIS_OK) {
        kinesis_credentials_clean_up(&creds);
        return kinesis_error_set(err, st, "signing failed: %s", kinesis_status_str(st));
    }
    size_t n = signed_count;
    for (size_t i = 0; i < signature.header_count && n < KINESIS_ARRAY_LEN(headers) - 1; i++)
        headers[n++] = signature.headers[i];
    headers[n++] = (kinesis_http_header){"User-Agent", c->user_agent};

    kinesis_http_request req = {"POST",
                                ep->url,
                                headers,
                                n,
                                (const uint8_t *)body,
                                body_len,
                                c->connect_timeout_ms,
                                c->request_timeout_ms,
                                c->http_version};
    if (r->stream) {
        /* An event stream lasts minutes: no total timeout; HTTP/2 is required, with prior
         * knowledge on plain http:// (local servers), negotiated by ALPN on https://. */
        req.request_timeout_ms = 0;
        req.http_version = strncmp(ep->url, "http://", 7) == 0 ? KINESIS_HTTP_2_PRIOR_KNOWLEDGE
                                                               : KINESIS_HTTP_DEFAULT;
    }
    kinesis_http_response_handler handler = {r, on_status, on_header, on_body,
                                             r->stream ? should_abort : NULL};
    r->http_status = 0;
    r->server_date = -1;
    r->too_large = false;
    kinesis_buf_reset(r->body);
    st = kinesis_transport_send(c->transport, &req, &handler, err);
    kinesis_credentials_clean_up(&creds);
    if (st == KINESIS_E_CANCELLED && r->too_large)
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                 "response larger than %u bytes refused",
                                 KINESIS_MAX_RESPONSE_BYTES);
    if (st == KINESIS_E_CANCELLED && r->body->failed)
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory reading the response");
    return st;
}

/* Operations on the data plane, for the account-specific endpoint of StreamARN calls. */
static bool is_data_plane(const char *operation) {
    static const char *const data_ops[] = {"PutRecord", "PutRecords", "GetRecords",
                                           "GetShardIterator", "SubscribeToShard"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(data_ops); i++)
        if (strcmp(operation, data_ops[i]) == 0) return true;
    return false;
}

/* The ARN a request is addressed by: "StreamARN", "ConsumerARN" or "ResourceARN" member. A JSON
 * member name cannot occur inside a string value (quotes are escaped there), so a byte search is
 * exact. Returns the ARN copied into buf, or NULL. */
static const char *request_arn(const char *body, size_t len, char *buf, size_t cap) {
    static const char *const members[] = {"\"StreamARN\":\"", "\"ConsumerARN\":\"",
                                          "\"ResourceARN\":\""};
    for (size_t m = 0; m < KINESIS_ARRAY_LEN(members); m++) {
        size_t ml = strlen(members[m]);
        for (size_t i = 0; i + ml <= len; i++) {
            if (body[i] != '"' || memcmp(body + i, members[m], ml) != 0) continue;
            const char *v = body + i + ml;
            const char *end = memchr(v, '"', len - i - ml);
            if (!end || (size_t)(end - v) >= cap) return NULL;
            memcpy(buf, v, (size_t)(end - v));
            buf[end - v] = '\0';
            return buf;
        }
    }
    return NULL;
}

/* With no endpoint configured, an ARN-addressed call goes to the account's own host
 * (<account>.control-kinesis / .data-kinesis); out->url stays NULL when the base endpoint
 * applies. */
static kinesis_status arn_endpoint_for(kinesis_client *c, const char *operation, const char *body,
                                       size_t len, endpoint_parts *out, kinesis_error *err) {
    memset(out, 0, sizeof(*out));
    if (c->endpoint_configured) return KINESIS_OK;
    char arn[2100];
    if (!request_arn(body, len, arn, sizeof(arn))) return KINESIS_OK;
    char *url = NULL;
    kinesis_status st =
        kinesis_endpoint_for_arn(NULL, c->region, arn, is_data_plane(operation), c->use_fips,
                                 c->use_dualstack, c->allocator, &url, err);
    if (st == KINESIS_OK) st = endpoint_parts_parse(c->allocator, url, out, err);
    kinesis_mem_free(c->allocator, url);
    return st;
}

static kinesis_status execute(kinesis_client *c, const char *operation, const char *request_json,
                              size_t request_len, kinesis_buf *response,
                              const kinesis_http_response_handler *stream, uint32_t max_attempts,
                              kinesis_error *err) {
    if (max_attempts == 0) max_attempts = c->retry.max_attempts;
    kinesis_error_clear(err);
    char target[128];
    int tn = snprintf(target, sizeof(target), KINESIS_TARGET_PREFIX "%s", operation);
    if (tn < 0 || (size_t)tn >= sizeof(target))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "operation name too long");

    endpoint_parts arn_endpoint;
    const endpoint_parts *ep = &c->base;
    kinesis_status st =
        arn_endpoint_for(c, operation, request_json, request_len, &arn_endpoint, err);
    if (st != KINESIS_OK) return st;
    if (arn_endpoint.url) ep = &arn_endpoint;

    response_state r;
    memset(&r, 0, sizeof(r));
    r.body = response;
    r.stream = stream;
    bool skew_corrected = false;
    for (uint32_t attempt = 1;; attempt++) {
        kinesis_error attempt_err;
        kinesis_error_clear(&attempt_err);
        st = attempt_once(c, ep, target, request_json, request_len, &r, &attempt_err);
        if (err) {
            *err = attempt_err;
            err->attempts = attempt;
        }
        if (st == KINESIS_OK) {
            if (r.http_status >= 200 && r.http_status < 300) {
                if (response->len == 0) kinesis_buf_append_str(response, "{}");
                if (response->failed)
                    st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
                kinesis_log(&c->log, KINESIS_LOG_DEBUG, "%s: HTTP %d, %zu bytes, attempt %u",
                            operation, r.http_status, response->len, attempt);
                if (err) err->http_status = r.http_status;
                endpoint_parts_clean_up(c->allocator, &arn_endpoint);
                return st;
            }
            st = kinesis_classify_error_response(r.http_status, response->data, response->len,
                                                 r.error_type, err);
            if (err) {
                err->http_status = r.http_status;
                kinesis_copy_truncated(err->request_id, sizeof(err->request_id), r.request_id,
                                       strlen(r.request_id));
            }
            if (st == KINESIS_E_SIGNATURE && err && is_clock_skew_message(err->type, err->message))
                st = err->status = KINESIS_E_CLOCK_SKEW;
            if (st == KINESIS_E_CLOCK_SKEW) {
                if (r.server_date > 0 && !skew_corrected) {
                    int64_t offset = r.server_date - kinesis_now_wall_ms() / 1000;
                    atomic_store(&c->clock_offset_s, offset);
                    skew_corrected = true;
                    kinesis_log(&c->log, KINESIS_LOG_WARN,
                                "%s: clock skew, correcting clock offset to %lld s", operation,
                                (long long)offset);
                } else {
                    /* No usable server time, or already corrected once: give up. */
                    st = KINESIS_E_SIGNATURE;
                    if (err) err->status = st;
                    break;
                }
            }
        }
        /* Once stream bytes were delivered, a retry would deliver them again: the caller
         * resumes instead (e.g. from a continuation sequence number). */
        if (!kinesis_status_is_retryable(st) || attempt >= max_attempts || r.stream_started) break;
        uint32_t delay = st == KINESIS_E_CLOCK_SKEW
                             ? 0
                             : kinesis_backoff_delay_ms(&c->retry, attempt, next_random(c));
        kinesis_log(&c->log, KINESIS_LOG_INFO, "%s: %s (%s), retry %u in %u ms", operation,
                    kinesis_status_name(st), err && err->type[0] ? err->type : "-", attempt, delay);
        if (delay) kinesis_sleep_ms(delay);
    }
    endpoint_parts_clean_up(c->allocator, &arn_endpoint);
    kinesis_buf_reset(response);
    if (err) err->status = st;
    kinesis_log(&c->log, KINESIS_LOG_WARN, "%s failed: %s %s", operation, kinesis_status_name(st),
                err ? err->type : "");
    return st;
}

kinesis_status kinesis_client_execute(kinesis_client *c, const char *operation,
                                      const char *request_json, size_t request_len,
                                      kinesis_buf *response, kinesis_error *err) {
    return execute(c, operation, request_json, request_len, response, NULL, 0, err);
}

kinesis_status kinesis_client_execute_once(kinesis_client *c, const char *operation,
                                           const char *request_json, size_t request_len,
                                           kinesis_buf *response, kinesis_error *err) {
    return execute(c, operation, request_json, request_len, response, NULL, 1, err);
}

kinesis_status kinesis_client_execute_stream(kinesis_client *c, const char *operation,
                                             const char *request_json, size_t request_len,
                                             const kinesis_http_response_handler *stream,
                                             kinesis_error *err) {
    kinesis_buf error_body;
    kinesis_buf_init(&error_body, c->allocator);
    kinesis_status st =
        execute(c, operation, request_json, request_len, &error_body, stream, 0, err);
    kinesis_buf_clean_up(&error_body);
    return st;
}

kinesis_status kinesis_client_execute_parsed(kinesis_client *c, const char *operation,
                                             const kinesis_buf *request, kinesis_arena *arena,
                                             kjson **out, kinesis_error *err) {
    if (request->failed) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kinesis_buf response;
    kinesis_buf_init(&response, c->allocator);
    kinesis_status st =
        kinesis_client_execute(c, operation, request->data, request->len, &response, err);
    if (st == KINESIS_OK) {
        st = kjson_parse(arena, response.data, response.len, out, err);
        if (st == KINESIS_OK && (*out)->type != KJSON_OBJECT)
            st = kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "%s: response is not a JSON object",
                                   operation);
    }
    kinesis_buf_clean_up(&response);
    return st;
}

kinesis_status kinesis_client_call_json(kinesis_client *c, const char *operation,
                                        const char *json_in, size_t len, char **json_out,
                                        size_t *out_len, kinesis_error *err) {
    kinesis_error_clear(err);
    if (json_out) *json_out = NULL;
    if (out_len) *out_len = 0;
    if (!c || !operation || !*operation || !json_out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "client, operation and json_out are required");
    for (const char *p = operation; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
            return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                     "operation name must be letters only: %s", operation);
    if (!json_in || len == 0) {
        json_in = "{}";
        len = 2;
    }
    /* Refuse what is not a JSON object before sending it. */
    kinesis_arena *arena = kinesis_arena_new(c->allocator);
    if (!arena) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kjson *doc = NULL;
    kinesis_status st = kjson_parse(arena, json_in, len, &doc, err);
    bool is_object = st == KINESIS_OK && doc->type == KJSON_OBJECT;
    kinesis_arena_destroy(arena);
    if (st == KINESIS_E_BAD_RESPONSE || (st == KINESIS_OK && !is_object)) {
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "request must be a JSON object%s%s", st == KINESIS_OK ? "" : ": ",
                                 st == KINESIS_OK ? "" : (err ? err->message : ""));
    }
    if (st != KINESIS_OK) return st;
    kinesis_buf response;
    kinesis_buf_init(&response, c->allocator);
    st = kinesis_client_execute(c, operation, json_in, len, &response, err);
    if (st == KINESIS_OK) *json_out = kinesis_buf_detach(&response, out_len);
    kinesis_buf_clean_up(&response);
    return st;
}

bool kinesis_is_stream_arn(const char *stream) { return stream && strncmp(stream, "arn:", 4) == 0; }

bool kinesis_append_stream_member(kinesis_buf *b, const char *stream, bool *first) {
    return kjson_append_key(b, kinesis_is_stream_arn(stream) ? "StreamARN" : "StreamName", first) &&
           kjson_append_cstring(b, stream);
}

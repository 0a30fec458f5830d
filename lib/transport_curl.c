/* The libcurl transport.
 *
 * Design: a mutex-protected pool of "slots", each a CURL easy handle paired with its own CURLM
 * multi handle. A send() takes an idle slot (or makes one), runs the transfer on the calling
 * thread with curl_multi_perform/curl_multi_poll, and puts the slot back. Each multi handle keeps
 * its connection cache, so reusing a slot reuses its keep-alive connection; the DNS cache and TLS
 * sessions are shared between slots through a CURLSH with real locks. Connections themselves are
 * deliberately not shared through CURLSH: libcurl does not support using a shared connection
 * cache from concurrent threads.
 *
 * The multi interface (rather than curl_easy_perform) is used so cancel() can wake a thread
 * blocked in curl_multi_poll immediately with curl_multi_wakeup instead of waiting for the next
 * progress tick.
 *
 * cancel() semantics: it bumps a generation counter and wakes every slot in use. A send() records
 * the generation when it takes its slot and aborts when it changes, so every exchange in progress
 * at the time of cancel() returns KINESIS_E_CANCELLED, and sends that start afterwards work
 * normally. */
#include "internal.h"
#include "kinesis/transport.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#if LIBCURL_VERSION_NUM < 0x074400
#error "libkinesis needs libcurl 7.68.0 or newer (curl_multi_poll, curl_multi_wakeup)"
#endif

#define DEFAULT_CONNECT_TIMEOUT_MS 5000u
#define DEFAULT_MAX_IDLE 16u
/* libcurl's default and largest upload buffers (CURLOPT_UPLOAD_BUFFERSIZE). */
#define UPLOAD_BUFFER_DEFAULT (64u * 1024u)
#define UPLOAD_BUFFER_MAX (2u * 1024u * 1024u)

typedef struct slot {
    CURL *easy;
    CURLM *multi;
    struct slot *next;
    struct slot *prev; /* only meaningful on the busy list */
} slot;

typedef struct curl_transport {
    kinesis_allocator allocator; /* copied: the caller's struct need not outlive us */
    kinesis_logger log;
    char *ca_file;
    char *ca_path;
    char *proxy;
    uint32_t connect_timeout_ms;
    uint32_t max_idle;
    bool insecure;

    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    bool share_locks_ready;

    pthread_mutex_t pool_lock; /* guards idle, idle_count, busy */
    bool pool_lock_ready;
    slot *idle; /* LIFO: the most recently used (warmest) connection first */
    uint32_t idle_count;
    slot *busy;

    atomic_uint_fast64_t cancel_gen;
} curl_transport;

/* State of one exchange, handed to libcurl's callbacks. */
typedef struct exchange {
    curl_transport *t;
    const kinesis_http_response_handler *handler;
    uint_fast64_t gen;
    bool aborted_by_callback;
    bool cancelled;
    int32_t last_status;
} exchange;

/* ---- global init (once per process; never cleaned up, as other libcurl users may exist) ---- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;
/* libcurl before 8.0.0 fails the second request on a reused HTTP/2 prior-knowledge connection
 * ("Error in the HTTP2 framing layer", curl issue #10634, fixed in 8.0.0). With such a runtime
 * library, prior-knowledge exchanges each get a fresh connection that is not kept. */
static bool h2_prior_knowledge_reuse_broken;

static void global_init(void) {
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    h2_prior_knowledge_reuse_broken = !v || v->version_num < 0x080000;
}

/* ---- CURLSH locking ---- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *user) {
    (void)h;
    (void)access;
    curl_transport *t = user;
    if ((unsigned)data < CURL_LOCK_DATA_LAST) pthread_mutex_lock(&t->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *user) {
    (void)h;
    curl_transport *t = user;
    if ((unsigned)data < CURL_LOCK_DATA_LAST) pthread_mutex_unlock(&t->share_locks[data]);
}

/* ---- pool ---- */

static void slot_destroy(curl_transport *t, slot *s) {
    if (!s) return;
    if (s->easy) curl_easy_cleanup(s->easy);
    if (s->multi) curl_multi_cleanup(s->multi); /* closes its cached connections */
    kinesis_mem_free(&t->allocator, s);
}

static slot *slot_new(curl_transport *t) {
    slot *s = kinesis_mem_calloc(&t->allocator, 1, sizeof(*s));
    if (!s) return NULL;
    s->easy = curl_easy_init();
    s->multi = curl_multi_init();
    /* One cached connection per slot: max_idle slots bound the idle connections. */
    if (!s->easy || !s->multi ||
        curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, 1L) != CURLM_OK) {
        slot_destroy(t, s);
        return NULL;
    }
    return s;
}

/* Take a slot and record the cancel generation under the same lock cancel() bumps it under, so
 * an exchange is either visible to a cancel() or started after it. */
static slot *slot_acquire(curl_transport *t, uint_fast64_t *gen) {
    pthread_mutex_lock(&t->pool_lock);
    slot *s = t->idle;
    if (s) {
        t->idle = s->next;
        t->idle_count--;
    } else {
        s = slot_new(t);
    }
    if (s) {
        s->prev = NULL;
        s->next = t->busy;
        if (t->busy) t->busy->prev = s;
        t->busy = s;
        *gen = atomic_load(&t->cancel_gen);
    }
    pthread_mutex_unlock(&t->pool_lock);
    return s;
}

static void slot_release(curl_transport *t, slot *s) {
    slot *drop = NULL;
    pthread_mutex_lock(&t->pool_lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        t->busy = s->next;
    if (s->next) s->next->prev = s->prev;
    s->prev = NULL;
    if (t->idle_count < t->max_idle) {
        s->next = t->idle;
        t->idle = s;
        t->idle_count++;
    } else {
        drop = s;
    }
    pthread_mutex_unlock(&t->pool_lock);
    slot_destroy(t, drop);
}

/* ---- callbacks ---- */

static bool is_cancelled(exchange *x) {
    if (!x->cancelled && atomic_load(&x->t->cancel_gen) != x->gen) x->cancelled = true;
    if (!x->cancelled && x->handler && x->handler->should_abort &&
        x->handler->should_abort(x->handler->user))
        x->cancelled = true;
    return x->cancelled;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Parse the digits after "HTTP/x[.y] "; -1 when malformed. */
static int32_t parse_status_line(const char *p, size_t n) {
    size_t i = 5; /* past "HTTP/" */
    while (i < n && !is_space(p[i])) i++;
    while (i < n && p[i] == ' ') i++;
    if (i + 3 > n) return -1;
    int32_t code = 0;
    for (size_t k = 0; k < 3; k++) {
        char c = p[i + k];
        if (c < '0' || c > '9') return -1;
        code = code * 10 + (c - '0');
    }
    if (i + 3 < n && !is_space(p[i + 3])) return -1;
    return code;
}

/* libcurl hands over one complete header line per call (CRLF included): the status line, each
 * field, the blank line ending the block, and trailers after a chunked body. */
static size_t on_header_line(char *data, size_t size, size_t nitems, void *user) {
    exchange *x = user;
    size_t n = size * nitems;
    if (is_cancelled(x)) return 0;
    const kinesis_http_response_handler *h = x->handler;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        int32_t code = parse_status_line(data, n);
        if (code < 0) return n; /* libcurl rejects a malformed status line itself */
        x->last_status = code;
        if (h->on_status && h->on_status(h->user, code) != 0) {
            x->aborted_by_callback = true;
            return 0;
        }
        return n;
    }
    const char *colon = memchr(data, ':', n);
    /* Blank separator lines and obsolete folded continuation lines carry no name: skipped. */
    if (!colon || colon == data || is_space(data[0])) return n;
    const char *name = data, *name_end = colon;
    while (name_end > name && is_space(name_end[-1])) name_end--;
    const char *value = colon + 1, *value_end = data + n;
    while (value < value_end && is_space(*value)) value++;
    while (value_end > value && is_space(value_end[-1])) value_end--;
    if (h->on_header && h->on_header(h->user, name, (size_t)(name_end - name), value,
                                     (size_t)(value_end - value)) != 0) {
        x->aborted_by_callback = true;
        return 0;
    }
    return n;
}

static size_t on_body_data(char *data, size_t size, size_t nmemb, void *user) {
    exchange *x = user;
    size_t n = size * nmemb;
    if (is_cancelled(x)) return 0;
    const kinesis_http_response_handler *h = x->handler;
    if (n > 0 && h->on_body && h->on_body(h->user, (const uint8_t *)data, n) != 0) {
        x->aborted_by_callback = true;
        return 0;
    }
    return n;
}

/* ---- error mapping ---- */

static kinesis_status map_curl_error(CURLcode rc) {
    switch (rc) {
    case CURLE_OK:
        return KINESIS_OK;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PROXY:
        return KINESIS_E_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return KINESIS_E_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return KINESIS_E_TLS;
    case CURLE_ABORTED_BY_CALLBACK:
        return KINESIS_E_CANCELLED;
    case CURLE_OUT_OF_MEMORY:
        return KINESIS_E_NO_MEMORY;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return KINESIS_E_INVALID_ARGUMENT;
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
        return KINESIS_E_UNSUPPORTED;
    default: /* RECV/SEND_ERROR, GOT_NOTHING, PARTIAL_FILE, HTTP2*, WEIRD_SERVER_REPLY, ... */
        return KINESIS_E_TRANSPORT;
    }
}

/* ---- helpers ---- */

/* The URL without userinfo or query: what may appear in logs (presigned queries hold secrets). */
static void loggable_url(const char *url, char *out, size_t cap) {
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end ? scheme_end + 3 : url;
    size_t authority_len = strcspn(host, "/?#");
    const char *at = memchr(host, '@', authority_len);
    const char *rest = at ? at + 1 : host;
    size_t keep = strcspn(rest, "?#");
    snprintf(out, cap, "%.*s%.*s", (int)(host - url), url, (int)keep, rest);
}

static bool has_header(const kinesis_http_request *req, const char *name) {
    for (size_t i = 0; i < req->header_count; i++)
        if (kinesis_strcasecmp_ascii(req->headers[i].name, name) == 0) return true;
    return false;
}

/* Build libcurl's header list. curl_slist_append copies each line, so one scratch buffer does. */
static kinesis_status build_headers(curl_transport *t, const kinesis_http_request *req,
                                    struct curl_slist **out, kinesis_error *err) {
    struct curl_slist *list = NULL;
    kinesis_buf line;
    kinesis_buf_init(&line, &t->allocator);
    kinesis_status st = KINESIS_OK;
    char body_len_text[32];
    snprintf(body_len_text, sizeof(body_len_text), "%zu", req->body_len);
    for (size_t i = 0; i < req->header_count && st == KINESIS_OK; i++) {
        const kinesis_http_header *h = &req->headers[i];
        if (kinesis_strcasecmp_ascii(h->name, "Content-Length") == 0) {
            /* libcurl sends Content-Length from body_len; a signed one must agree with it. */
            if (strcmp(h->value, body_len_text) != 0)
                st = kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                       "transport: Content-Length header %s != body length %s",
                                       h->value, body_len_text);
            continue;
        }
        kinesis_buf_reset(&line);
        /* libcurl's syntax for an empty value is "Name;" ("Name:" would delete the header).
         * Appended piece by piece: a formatted append costs two vsnprintf calls per line. */
        kinesis_buf_append_str(&line, h->name);
        if (h->value[0]) {
            kinesis_buf_append(&line, ": ", 2);
            kinesis_buf_append_str(&line, h->value);
        } else {
            kinesis_buf_append_char(&line, ';');
        }
        struct curl_slist *next = line.failed ? NULL : curl_slist_append(list, line.data);
        if (!next) {
            st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "transport: out of memory");
            break;
        }
        list = next;
    }
    /* Suppress what libcurl would add on its own: the 100-continue handshake, a form
     * Content-Type for POST bodies and "Accept: * / *". Each would change the request the caller
     * built (and signed). */
    const char *removals[] = {"Expect:", has_header(req, "Content-Type") ? NULL : "Content-Type:",
                              has_header(req, "Accept") ? NULL : "Accept:"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(removals) && st == KINESIS_OK; i++) {
        if (!removals[i]) continue;
        struct curl_slist *next = curl_slist_append(list, removals[i]);
        if (!next) {
            st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "transport: out of memory");
            break;
        }
        list = next;
    }
    kinesis_buf_clean_up(&line);
    if (st != KINESIS_OK) {
        curl_slist_free_all(list);
        list = NULL;
    }
    *out = list;
    return st;
}

/* Milliseconds as a long that is valid where long has 32 bits (about 24 days at most). */
static long clamp_ms(uint32_t ms) { return ms > INT32_MAX ? (long)INT32_MAX : (long)ms; }

/* Set every option for this exchange on a freshly reset handle. */
static CURLcode configure(curl_transport *t, CURL *e, const kinesis_http_request *req,
                          struct curl_slist *headers, exchange *x, char *errbuf) {
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if ((rc = curl_easy_setopt(e, opt, val)) != CURLE_OK) return rc;                           \
    } while (0)
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_SHARE, t->share);
    SET(CURLOPT_NOSIGNAL, 1L); /* required with threads; timeouts still work (threaded DNS) */
    SET(CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L); /* a proxy's CONNECT reply is not the response */
    SET(CURLOPT_TCP_KEEPALIVE, 1L);            /* notice dead peers on long event streams */
    /* GetRecords responses reach ~14 MB of JSON: reading them in 512 KiB pieces instead of the
     * default 16 KiB takes far fewer receive calls and callbacks (about 12% of the consumer's CPU
     * on aggregated records). Pages of the buffer are only touched as far as data arrives. */
    SET(CURLOPT_BUFFERSIZE, 512L * 1024);

    if (strcmp(req->method, "GET") == 0 && req->body_len == 0) {
        SET(CURLOPT_HTTPGET, 1L);
    } else if (strcmp(req->method, "HEAD") == 0 && req->body_len == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else {
        /* The body is borrowed for the exchange: POSTFIELDS with an explicit size does not copy
         * and gives a Content-Length (never chunked). */
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        SET(CURLOPT_POSTFIELDS, req->body_len ? (const char *)req->body : "");
        /* libcurl sends a body under 64 KiB together with the headers; a larger one goes after
         * them through its upload buffer (64 KiB by default), one send and one poll per piece,
         * and each piece can wake the server again. With libcurl's largest buffer a 100 KiB
         * PutRecords body goes in one send instead of two, a 5 MiB one in 3 instead of 80.
         * Only the pages a body fills are touched, so the buffer costs no more memory than the
         * body it copies. */
        if (req->body_len >= UPLOAD_BUFFER_DEFAULT)
            SET(CURLOPT_UPLOAD_BUFFERSIZE, (long)UPLOAD_BUFFER_MAX);
        if (strcmp(req->method, "POST") != 0) SET(CURLOPT_CUSTOMREQUEST, req->method);
    }

    long version = CURL_HTTP_VERSION_2TLS;
    if (req->http_version == KINESIS_HTTP_1_1) version = CURL_HTTP_VERSION_1_1;
    if (req->http_version == KINESIS_HTTP_2_PRIOR_KNOWLEDGE) {
        version = CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
        if (h2_prior_knowledge_reuse_broken) {
            SET(CURLOPT_FRESH_CONNECT, 1L);
            SET(CURLOPT_FORBID_REUSE, 1L);
        }
    }
    SET(CURLOPT_HTTP_VERSION, version);

    uint32_t connect_ms = req->connect_timeout_ms ? req->connect_timeout_ms : t->connect_timeout_ms;
    SET(CURLOPT_CONNECTTIMEOUT_MS, clamp_ms(connect_ms));
    SET(CURLOPT_TIMEOUT_MS, clamp_ms(req->request_timeout_ms)); /* 0 = no limit (event streams) */

    SET(CURLOPT_SSL_VERIFYPEER, t->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, t->insecure ? 0L : 2L);
    if (t->ca_file) SET(CURLOPT_CAINFO, t->ca_file);
    if (t->ca_path) SET(CURLOPT_CAPATH, t->ca_path);
    if (t->proxy) {
        /* An explicit proxy overrides the environment entirely, no_proxy included; "" means
         * "no proxy at all". */
        SET(CURLOPT_PROXY, t->proxy);
        SET(CURLOPT_NOPROXY, "");
    }

    SET(CURLOPT_HEADERFUNCTION, on_header_line);
    SET(CURLOPT_HEADERDATA, x);
    SET(CURLOPT_WRITEFUNCTION, on_body_data);
    SET(CURLOPT_WRITEDATA, x);
#undef SET
    return rc;
}

/* Drive the transfer on this thread until it finishes or the exchange is cancelled. */
static CURLcode run(slot *s, exchange *x, CURLMcode *mc_out) {
    CURLcode result = CURLE_OK;
    int running = 1;
    CURLMcode mc = curl_multi_add_handle(s->multi, s->easy);
    while (mc == CURLM_OK && running) {
        if (is_cancelled(x)) break;
        mc = curl_multi_perform(s->multi, &running);
        if (mc != CURLM_OK || !running) break;
        /* Wake at least every 250 ms so a handler's should_abort() is seen promptly. */
        mc = curl_multi_poll(s->multi, NULL, 0, x->handler && x->handler->should_abort ? 250 : 1000,
                             NULL);
    }
    *mc_out = mc;
    int pending;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(s->multi, &pending)) != NULL) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == s->easy) result = msg->data.result;
    }
    /* Removing an unfinished transfer closes its connection; a finished one stays cached. */
    curl_multi_remove_handle(s->multi, s->easy);
    return result;
}

static kinesis_status curl_send(void *impl, const kinesis_http_request *req,
                                const kinesis_http_response_handler *handler, kinesis_error *err) {
    curl_transport *t = impl;
    char where[512];
    loggable_url(req->url, where, sizeof(where));

    if ((uint64_t)req->body_len > (uint64_t)INT64_MAX)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "transport: body too large");
    struct curl_slist *headers = NULL;
    kinesis_status st = build_headers(t, req, &headers, err);
    if (st != KINESIS_OK) return st;

    exchange x = {.t = t, .handler = handler};
    slot *s = slot_acquire(t, &x.gen);
    if (!s) {
        curl_slist_free_all(headers);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY,
                                 "transport: could not create a libcurl handle");
    }

    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_reset(s->easy); /* keeps the slot's connections, drops the last request's options */
    CURLcode rc = configure(t, s->easy, req, headers, &x, errbuf);
    CURLMcode mc = CURLM_OK;
    if (rc == CURLE_OK) rc = run(s, &x, &mc);

    if (x.cancelled) {
        st = kinesis_error_set(err, KINESIS_E_CANCELLED, "transport: %s %s: cancelled", req->method,
                               where);
    } else if (x.aborted_by_callback) {
        st = kinesis_error_set(err, KINESIS_E_CANCELLED,
                               "transport: %s %s: aborted by a response callback", req->method,
                               where);
    } else if (mc != CURLM_OK) {
        st = kinesis_error_set(
            err, mc == CURLM_OUT_OF_MEMORY ? KINESIS_E_NO_MEMORY : KINESIS_E_TRANSPORT,
            "transport: %s %s: libcurl multi error: %s", req->method, where,
            curl_multi_strerror(mc));
    } else if (rc != CURLE_OK) {
        st = kinesis_error_set(err, map_curl_error(rc), "transport: %s %s: %s%s%s", req->method,
                               where, curl_easy_strerror(rc), errbuf[0] ? ": " : "", errbuf);
    }

    if (KINESIS_LOG_ENABLED(&t->log, KINESIS_LOG_TRACE)) {
        curl_off_t total_us = 0, connect_us = 0;
        long connects = 0;
        curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME_T, &total_us);
        curl_easy_getinfo(s->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
        curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects);
        kinesis_log(&t->log, KINESIS_LOG_TRACE,
                    "http %s %s -> %d (%s) in %ld ms, connect %ld ms, %s connection", req->method,
                    where, (int)x.last_status, kinesis_status_name(st), (long)(total_us / 1000),
                    (long)(connect_us / 1000), connects ? "new" : "reused");
    }
    if (st != KINESIS_OK && KINESIS_LOG_ENABLED(&t->log, KINESIS_LOG_DEBUG))
        kinesis_log(&t->log, KINESIS_LOG_DEBUG, "http %s %s failed: %s (%s%s%s)", req->method,
                    where, kinesis_status_name(st), curl_easy_strerror(rc), errbuf[0] ? ": " : "",
                    errbuf);

    /* Detach borrowed pointers before the handle goes back to the pool. */
    curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    slot_release(t, s);
    return st;
}

static void curl_cancel(void *impl) {
    curl_transport *t = impl;
    pthread_mutex_lock(&t->pool_lock);
    atomic_fetch_add(&t->cancel_gen, 1);
    for (slot *s = t->busy; s; s = s->next) curl_multi_wakeup(s->multi);
    pthread_mutex_unlock(&t->pool_lock);
}

static void curl_destroy(void *impl) {
    curl_transport *t = impl;
    if (!t) return;
    slot *lists[2] = {t->idle, t->busy}; /* busy should be empty: no send may be in progress */
    for (int i = 0; i < 2; i++) {
        for (slot *s = lists[i]; s;) {
            slot *next = s->next;
            slot_destroy(t, s);
            s = next;
        }
    }
    /* The share goes after every handle that used it. */
    if (t->share) curl_share_cleanup(t->share);
    if (t->share_locks_ready)
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&t->share_locks[i]);
    if (t->pool_lock_ready) pthread_mutex_destroy(&t->pool_lock);
    kinesis_allocator a = t->allocator;
    kinesis_mem_free(&a, t->ca_file);
    kinesis_mem_free(&a, t->ca_path);
    kinesis_mem_free(&a, t->proxy);
    kinesis_mem_free(&a, t);
}

static const kinesis_transport_vtable curl_vtable = {curl_send, curl_cancel, curl_destroy};

void kinesis_curl_transport_options_init(kinesis_curl_transport_options *options) {
    if (!options) return;
    memset(options, 0, sizeof(*options));
    options->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    options->max_idle_connections = DEFAULT_MAX_IDLE;
}

static bool copy_opt(const kinesis_allocator *a, const char *src, char **dst) {
    if (!src) return true;
    *dst = kinesis_strdup(a, src);
    return *dst != NULL;
}

kinesis_status kinesis_curl_transport_new(const kinesis_curl_transport_options *options,
                                          const kinesis_allocator *allocator,
                                          kinesis_transport **out, kinesis_error *err) {
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "transport: out is NULL");
    *out = NULL;
    kinesis_curl_transport_options defaults;
    if (!options) {
        kinesis_curl_transport_options_init(&defaults);
        options = &defaults;
    }
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return kinesis_error_set(
            err, global_rc == CURLE_OUT_OF_MEMORY ? KINESIS_E_NO_MEMORY : KINESIS_E_CONFIG,
            "transport: curl_global_init failed: %s", curl_easy_strerror(global_rc));

    const kinesis_allocator *a = kinesis_alloc_or_default(allocator);
    curl_transport *t = kinesis_mem_calloc(a, 1, sizeof(*t));
    if (!t) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "transport: out of memory");
    t->allocator = *a;
    t->log.fn = options->log_fn;
    t->log.user = options->log_user;
    t->log.level = options->log_level;
    t->connect_timeout_ms =
        options->connect_timeout_ms ? options->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    t->max_idle = options->max_idle_connections ? options->max_idle_connections : DEFAULT_MAX_IDLE;
    t->insecure = options->insecure_skip_verify != 0;
    atomic_init(&t->cancel_gen, 0);

    kinesis_status st = KINESIS_OK;
    if (!copy_opt(a, options->ca_file, &t->ca_file) ||
        !copy_opt(a, options->ca_path, &t->ca_path) || !copy_opt(a, options->proxy, &t->proxy)) {
        st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "transport: out of memory");
        goto fail;
    }
    if (pthread_mutex_init(&t->pool_lock, NULL) != 0) {
        st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "transport: cannot create a mutex");
        goto fail;
    }
    t->pool_lock_ready = true;
    int inited = 0;
    while (inited < CURL_LOCK_DATA_LAST && pthread_mutex_init(&t->share_locks[inited], NULL) == 0)
        inited++;
    if (inited < CURL_LOCK_DATA_LAST) {
        while (inited > 0) pthread_mutex_destroy(&t->share_locks[--inited]);
        st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "transport: cannot create a mutex");
        goto fail;
    }
    t->share_locks_ready = true;

    t->share = curl_share_init();
    if (!t->share || curl_share_setopt(t->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(t->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(t->share, CURLSHOPT_USERDATA, t) != CURLSHE_OK ||
        curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        st = kinesis_error_set(err, KINESIS_E_NO_MEMORY,
                               "transport: cannot set up the libcurl share handle");
        goto fail;
    }

    *out = kinesis_transport_new(&curl_vtable, t, a);
    if (!*out) {
        st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "transport: out of memory");
        goto fail;
    }
    kinesis_log(&t->log, KINESIS_LOG_DEBUG, "curl transport: %s, TLS verification %s%s",
                curl_version(), t->insecure ? "OFF" : "on", t->proxy ? ", explicit proxy" : "");
    return KINESIS_OK;

fail:
    curl_destroy(t);
    return st;
}

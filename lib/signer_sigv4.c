/* The SigV4 signer: adds X-Amz-Date (and the token and x-amz-content-sha256 headers when asked),
 * signs every header of the request plus those, and caches derived signing keys.
 *
 * The body is hashed exactly once per call and its hash handed to the canonical request; the
 * canonical request is built in a stack buffer (heap only for unusually large header sets). */
#include "sigv4_internal.h"

#include "internal.h"

#include <pthread.h>

/* A few slots cover a signer shared by clients in different regions and a credentials rotation
 * (old and new secret side by side for a while). */
#define KEY_CACHE_SLOTS 4
#define CANONICAL_STACK_CAP 4096

typedef struct key_slot {
    uint64_t last_used; /* 0 = empty */
    size_t secret_len;
    char secret[KINESIS_SIGV4_MAX_SECRET_LEN];
    char date8[8];
    char region[KINESIS_SIGV4_MAX_NAME_LEN + 1];
    char service[KINESIS_SIGV4_MAX_NAME_LEN + 1];
    uint8_t key[KINESIS_SHA256_LEN];
} key_slot;

typedef struct sigv4_signer {
    kinesis_crypto crypto;
    const kinesis_allocator *allocator;
    pthread_mutex_t lock; /* guards slots and tick */
    uint64_t tick;
    key_slot slots[KEY_CACHE_SLOTS];
} sigv4_signer;

/* Compare secrets without an early exit, so timing does not tell how much of a guess matched. */
static int secret_equal(const key_slot *s, const char *secret, size_t len) {
    if (s->secret_len != len) return 0;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++) diff |= (uint8_t)(s->secret[i] ^ secret[i]);
    return diff == 0;
}

static int slot_matches(const key_slot *s, const char *secret, size_t secret_len, const char *date8,
                        const char *region, const char *service) {
    return s->last_used && memcmp(s->date8, date8, 8) == 0 && strcmp(s->region, region) == 0 &&
           strcmp(s->service, service) == 0 && secret_equal(s, secret, secret_len);
}

/* Signing key for (secret, date, region, service): from the cache, else derived (outside the
 * lock, so other threads are not held up by the five HMACs) and stored over the least recently
 * used slot. region and service are already validated to fit the slot. */
static kinesis_status signing_key(sigv4_signer *s, const char *secret, const char *date8,
                                  const char *region, const char *service,
                                  uint8_t key[KINESIS_SHA256_LEN]) {
    size_t secret_len = strlen(secret);
    if (secret_len > KINESIS_SIGV4_MAX_SECRET_LEN) return KINESIS_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < KEY_CACHE_SLOTS; i++) {
        key_slot *slot = &s->slots[i];
        if (slot_matches(slot, secret, secret_len, date8, region, service)) {
            memcpy(key, slot->key, KINESIS_SHA256_LEN);
            slot->last_used = ++s->tick;
            pthread_mutex_unlock(&s->lock);
            return KINESIS_OK;
        }
    }
    pthread_mutex_unlock(&s->lock);

    char date_z[9];
    memcpy(date_z, date8, 8);
    date_z[8] = '\0';
    kinesis_status st = kinesis_sigv4_signing_key(&s->crypto, secret, date_z, region, service, key);
    if (st != KINESIS_OK) return st;

    pthread_mutex_lock(&s->lock);
    key_slot *victim = &s->slots[0];
    for (size_t i = 0; i < KEY_CACHE_SLOTS; i++) {
        key_slot *slot = &s->slots[i];
        if (slot_matches(slot, secret, secret_len, date8, region, service)) {
            victim = NULL; /* another thread got here first */
            break;
        }
        if (slot->last_used < victim->last_used) victim = slot;
    }
    if (victim) {
        kinesis_sigv4_wipe(victim, sizeof(*victim));
        victim->secret_len = secret_len;
        memcpy(victim->secret, secret, secret_len);
        memcpy(victim->date8, date8, 8);
        memcpy(victim->region, region, strlen(region) + 1);
        memcpy(victim->service, service, strlen(service) + 1);
        memcpy(victim->key, key, KINESIS_SHA256_LEN);
        victim->last_used = ++s->tick;
    }
    pthread_mutex_unlock(&s->lock);
    return KINESIS_OK;
}

/* Headers the signer itself adds must not already be in the request: sending two values for
 * them would make the signature (or the request) ambiguous. */
static kinesis_status check_headers(const kinesis_signable *req, int has_token, int sign_body,
                                    int *has_content_sha) {
    *has_content_sha = 0;
    if (req->header_count && !req->headers) return KINESIS_E_INVALID_ARGUMENT;
    for (size_t i = 0; i < req->header_count; i++) {
        const char *n = req->headers[i].name;
        if (!n) return KINESIS_E_INVALID_ARGUMENT;
        size_t len = strlen(n); /* cheap filter before the case-insensitive compares */
        if (len == 20 && kinesis_strcasecmp_ascii(n, "x-amz-content-sha256") == 0) {
            if (sign_body) return KINESIS_E_INVALID_ARGUMENT;
            *has_content_sha = 1;
        }
        if ((len == 10 && kinesis_strcasecmp_ascii(n, "x-amz-date") == 0) ||
            (len == 13 && kinesis_strcasecmp_ascii(n, "authorization") == 0) ||
            (len == 20 && has_token && kinesis_strcasecmp_ascii(n, "x-amz-security-token") == 0))
            return KINESIS_E_INVALID_ARGUMENT;
    }
    return KINESIS_OK;
}

/* Appends to the result's storage; false once it no longer fits. */
typedef struct appender {
    char *p;
    size_t cap, len;
} appender;

static void app(appender *a, const char *s, size_t n) {
    if (a->len <= a->cap && n <= a->cap - a->len) memcpy(a->p + a->len, s, n);
    a->len += n;
}

static void app_str(appender *a, const char *s) { app(a, s, strlen(s)); }

static kinesis_status sigv4_sign(void *impl, const kinesis_signable *req,
                                 const kinesis_signing_params *params,
                                 kinesis_signing_result *out) {
    sigv4_signer *s = impl;
    const kinesis_credentials *cred = params->credentials;
    if (!cred || !cred->access_key_id || !cred->access_key_id[0] || !cred->secret_access_key)
        return KINESIS_E_INVALID_ARGUMENT;
    if (!kinesis_sigv4_valid_scope_name(params->region) ||
        !kinesis_sigv4_valid_scope_name(params->service))
        return KINESIS_E_INVALID_ARGUMENT;
    /* the date must be four-digit-year ISO 8601 */
    if (params->time_epoch_s < 0 || params->time_epoch_s > 253402300799LL)
        return KINESIS_E_INVALID_ARGUMENT;
    if (!req->body && req->body_len) return KINESIS_E_INVALID_ARGUMENT;
    const char *token = cred->session_token && cred->session_token[0] ? cred->session_token : NULL;
    int has_content_sha;
    kinesis_status st =
        check_headers(req, token != NULL, params->sign_body_header, &has_content_sha);
    if (st != KINESIS_OK) return st;

    /* storage: amz date (17), payload hash (65), Authorization value */
    char *date = out->storage;
    char *payload_hex = out->storage + 17;
    kinesis_sigv4_format_date(params->time_epoch_s, date);
    /* A caller-set x-amz-content-sha256 (e.g. UNSIGNED-PAYLOAD) is the payload hash, as in
     * botocore; otherwise hash the body here, once, for both the header and the request. */
    const char *payload_arg = NULL;
    if (!has_content_sha) {
        static const uint8_t empty[1] = {0};
        uint8_t digest[KINESIS_SHA256_LEN];
        s->crypto.sha256(s->crypto.user, req->body ? req->body : empty, req->body_len, digest);
        kinesis_sigv4_hex(digest, sizeof(digest), payload_hex);
        payload_arg = payload_hex;
    }

    size_t n = 0;
    out->headers[n++] = (kinesis_http_header){"X-Amz-Date", date};
    if (token) out->headers[n++] = (kinesis_http_header){"X-Amz-Security-Token", token};
    if (params->sign_body_header)
        out->headers[n++] = (kinesis_http_header){"x-amz-content-sha256", payload_hex};

    char stack_buf[CANONICAL_STACK_CAP];
    char *creq = stack_buf;
    size_t creq_len = 0;
    st = kinesis_sigv4_canonical_request_ex(&s->crypto, req, out->headers, n, params, payload_arg,
                                            creq, sizeof(stack_buf), &creq_len);
    if (st == KINESIS_E_BUFFER_TOO_SMALL) {
        size_t need = creq_len;
        creq = kinesis_mem_alloc(s->allocator, need);
        if (!creq) return KINESIS_E_NO_MEMORY;
        st = kinesis_sigv4_canonical_request_ex(&s->crypto, req, out->headers, n, params,
                                                payload_arg, creq, need, &creq_len);
    }

    char sts[KINESIS_SIGV4_STS_CAP];
    size_t sts_len = 0;
    if (st == KINESIS_OK)
        st = kinesis_sigv4_string_to_sign(&s->crypto, creq, creq_len, date, params->region,
                                          params->service, sts, sizeof(sts), &sts_len);
    uint8_t key[KINESIS_SHA256_LEN];
    char signature[65];
    if (st == KINESIS_OK)
        st = signing_key(s, cred->secret_access_key, date, params->region, params->service, key);
    if (st == KINESIS_OK) {
        kinesis_sigv4_signature(&s->crypto, key, sts, sts_len, signature);
        kinesis_sigv4_wipe(key, sizeof(key));
    }

    if (st == KINESIS_OK) {
        /* SignedHeaders is the canonical request's second-to-last line */
        size_t last = creq_len;
        while (last > 0 && creq[last - 1] != '\n') last--;
        size_t first = last - 1;
        while (first > 0 && creq[first - 1] != '\n') first--;

        appender a = {out->storage + 17 + 65, sizeof(out->storage) - 17 - 65, 0};
        app_str(&a, "AWS4-HMAC-SHA256 Credential=");
        app_str(&a, cred->access_key_id);
        app(&a, "/", 1);
        app(&a, date, 8);
        app(&a, "/", 1);
        app_str(&a, params->region);
        app(&a, "/", 1);
        app_str(&a, params->service);
        app_str(&a, "/aws4_request, SignedHeaders=");
        app(&a, creq + first, last - 1 - first);
        app_str(&a, ", Signature=");
        app(&a, signature, 64);
        if (a.len >= a.cap) {
            st = KINESIS_E_BUFFER_TOO_SMALL;
        } else {
            a.p[a.len] = '\0';
            out->headers[n++] = (kinesis_http_header){"Authorization", a.p};
            out->header_count = n;
        }
    }
    if (creq != stack_buf) kinesis_mem_free(s->allocator, creq);
    return st;
}

static void sigv4_destroy(void *impl) {
    sigv4_signer *s = impl;
    if (!s) return;
    pthread_mutex_destroy(&s->lock);
    kinesis_sigv4_wipe(s->slots, sizeof(s->slots));
    kinesis_mem_free(s->allocator, s);
}

static const kinesis_signer_vtable sigv4_vtable = {sigv4_sign, sigv4_destroy};

kinesis_signer *kinesis_signer_new_sigv4(const kinesis_crypto *crypto,
                                         const kinesis_allocator *allocator) {
    sigv4_signer *s = kinesis_mem_calloc(allocator, 1, sizeof(*s));
    if (!s) return NULL;
    s->crypto = crypto ? *crypto : *kinesis_crypto_default();
    s->allocator = allocator;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        kinesis_mem_free(allocator, s);
        return NULL;
    }
    kinesis_signer *signer = kinesis_signer_new(&sigv4_vtable, s, allocator);
    if (!signer) sigv4_destroy(s);
    return signer;
}

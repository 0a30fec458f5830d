/* libkinesis: request signing. A pluggable signer interface, the SigV4 signer behind it, and the
 * SigV4 core functions that work on caller buffers without allocating.
 *
 * Thread-safety: a signer may be shared by any number of threads (the SigV4 signer's key cache
 * is locked). The core functions are pure. */
#ifndef KINESIS_SIGNER_H
#define KINESIS_SIGNER_H

#include "kinesis/credentials.h"
#include "kinesis/crypto.h"
#include "kinesis/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What is signed. Everything is borrowed for the duration of the call. */
typedef struct kinesis_signable {
    const char *method;                 /* "POST" */
    const char *path;                   /* the path as sent on the wire (already %-encoded) */
    const char *query;                  /* the query as sent, without '?'; "" or NULL if none */
    const kinesis_http_header *headers; /* all headers to sign, Host included, any order/case */
    size_t header_count;
    const uint8_t *body;
    size_t body_len;
} kinesis_signable;

typedef struct kinesis_signing_params {
    const char *region;                     /* "us-east-1" */
    const char *service;                    /* "kinesis" */
    int64_t time_epoch_s;                   /* signing time, already corrected for clock skew */
    const kinesis_credentials *credentials; /* token, when set, is added and signed */
    uint8_t normalize_path;                 /* remove dot segments/duplicate slashes (non-S3: 1) */
    uint8_t double_encode_path;             /* encode the wire path again (non-S3: 1) */
    uint8_t omit_session_token;             /* send the token but leave it out of the signature */
    uint8_t sign_body_header;               /* add and sign x-amz-content-sha256 */
} kinesis_signing_params;

#define KINESIS_SIGNED_HEADERS_MAX 4

/* Headers a signer wants added to the request: X-Amz-Date, optionally X-Amz-Security-Token and
 * x-amz-content-sha256, and Authorization. Values point into `storage` or into the credentials
 * (the token), so the result must not outlive either. */
typedef struct kinesis_signing_result {
    kinesis_http_header headers[KINESIS_SIGNED_HEADERS_MAX];
    size_t header_count;
    char storage[1024];
} kinesis_signing_result;

/* Signer contract: sign() computes the headers to add for `req` under `params`; it must not
 * modify the request. Returns KINESIS_OK, KINESIS_E_BUFFER_TOO_SMALL (a header value would not
 * fit the result's storage), KINESIS_E_INVALID_ARGUMENT. Called once per attempt, so every retry
 * is signed afresh. destroy() frees the implementation. */
typedef struct kinesis_signer_vtable {
    kinesis_status (*sign)(void *impl, const kinesis_signable *req,
                           const kinesis_signing_params *params, kinesis_signing_result *out);
    void (*destroy)(void *impl);
} kinesis_signer_vtable;

typedef struct kinesis_signer kinesis_signer;

/* Wrap a custom signer. The vtable is copied; impl is owned by the signer from a successful
 * return on (destroy() frees it) and stays the caller's on failure. NULL when vtable or
 * vtable->sign is NULL, or on allocation failure. Any thread. */
KINESIS_API kinesis_signer *kinesis_signer_new(const kinesis_signer_vtable *vtable, void *impl,
                                               const kinesis_allocator *allocator);

/* The SigV4 signer over `crypto` (NULL = OpenSSL; the table is copied, its `user` borrowed).
 * Caches the derived signing key per (secret, date, region, service) in a few slots guarded by
 * a mutex, so one signer can serve many threads. NULL on allocation failure.
 *
 * sign() adds, in this order: X-Amz-Date; X-Amz-Security-Token when the credentials have a
 * token (value points at credentials->session_token; left out of the signature when
 * omit_session_token); x-amz-content-sha256 when sign_body_header; Authorization. It signs every
 * header of the request plus those (for Kinesis: content-type;host;x-amz-date
 * [;x-amz-security-token];x-amz-target). The body is hashed once. Besides the contract's
 * statuses: KINESIS_E_INVALID_ARGUMENT when the request already has X-Amz-Date or Authorization
 * (or X-Amz-Security-Token / x-amz-content-sha256 when the signer would add them), credentials
 * lack a key id or secret, region/service are empty, longer than 63 bytes or contain '/' or
 * whitespace, the time is before 1970 or after 9999, or for anything the core functions below
 * reject; KINESIS_E_NO_MEMORY when a canonical request above 4 KiB cannot be allocated. */
KINESIS_API kinesis_signer *kinesis_signer_new_sigv4(const kinesis_crypto *crypto,
                                                     const kinesis_allocator *allocator);

/* Sign one attempt: fill *out with the headers to add (out->header_count = 0 on failure).
 * The request and params are only read. Any thread, concurrently on a shared signer.
 * KINESIS_E_INVALID_ARGUMENT for NULL arguments, else the signer's status. */
KINESIS_API kinesis_status kinesis_signer_sign(kinesis_signer *signer, const kinesis_signable *req,
                                               const kinesis_signing_params *params,
                                               kinesis_signing_result *out);

/* Destroy a signer and its implementation (the SigV4 key cache is wiped). No sign() may be
 * running. NULL is ignored. */
KINESIS_API void kinesis_signer_destroy(kinesis_signer *signer);

/* ---- SigV4 core: caller buffers, no allocation, every stage exposed ----
 * Each writes a NUL-terminated string into out[cap] and its length (without NUL) into *out_len;
 * KINESIS_E_BUFFER_TOO_SMALL when it does not fit (then *out_len is the capacity needed, i.e.
 * length + 1, and out holds a truncated prefix that must not be used).
 * `amz_date` is "YYYYMMDDTHHMMSSZ".
 *
 * Canonicalization sorts headers and query parameters through fixed-size on-stack index arrays,
 * so a request may carry at most KINESIS_SIGV4_MAX_HEADERS headers (after the signer's own are
 * added) and KINESIS_SIGV4_MAX_QUERY_PARAMS query parameters; beyond that the functions return
 * KINESIS_E_INVALID_ARGUMENT. Secrets longer than KINESIS_SIGV4_MAX_SECRET_LEN bytes are
 * rejected the same way (the key derivation needs "AWS4"+secret contiguous on the stack). */
#define KINESIS_SIGV4_MAX_HEADERS 64
#define KINESIS_SIGV4_MAX_QUERY_PARAMS 64
#define KINESIS_SIGV4_MAX_SECRET_LEN 256

/* "YYYYMMDDTHHMMSSZ" (UTC) for an epoch time; out must hold 17 bytes. Times outside years
 * 0000..9999 are clamped to that range (the signer rejects them before getting here). */
KINESIS_API void kinesis_sigv4_format_date(int64_t time_epoch_s, char out[17]);

/* The canonical request (method, canonical URI, canonical query, canonical headers, signed
 * header list, hex SHA-256 of the body). The signable's headers must already include X-Amz-Date
 * (and the token header when it is signed). Every header given is signed: names lowercased,
 * values trimmed with inner whitespace runs (including obsolete line folding) collapsed to one
 * space, repeated names joined with ','. With params->omit_session_token an
 * X-Amz-Security-Token header is left out. When an x-amz-content-sha256 header is present its
 * value is used as the payload hash (as botocore does, e.g. UNSIGNED-PAYLOAD) and the body is not
 * read. The path must start with '/' (empty = "/"); it is normalized when
 * params->normalize_path and %-encoded once more when params->double_encode_path. Query
 * parameters are %-decoded, re-encoded with the SigV4 unreserved set and sorted by encoded key,
 * then encoded value. Only params->normalize_path, double_encode_path and omit_session_token are
 * read. KINESIS_E_INVALID_ARGUMENT: NULL/empty method, path not starting with '/', NULL header
 * name/value, invalid header name, body NULL with body_len > 0, too many headers or parameters. */
KINESIS_API kinesis_status kinesis_sigv4_canonical_request(const kinesis_crypto *crypto,
                                                           const kinesis_signable *req,
                                                           const kinesis_signing_params *params,
                                                           char *out, size_t cap, size_t *out_len);

/* "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>", scope being
 * "<YYYYMMDD>/<region>/<service>/aws4_request". KINESIS_E_INVALID_ARGUMENT: NULL argument,
 * amz_date not 16 characters, empty region or service. */
KINESIS_API kinesis_status kinesis_sigv4_string_to_sign(const kinesis_crypto *crypto,
                                                        const char *canonical_request,
                                                        size_t canonical_request_len,
                                                        const char *amz_date, const char *region,
                                                        const char *service, char *out, size_t cap,
                                                        size_t *out_len);

/* kSigning = HMAC chain over ("AWS4"+secret, date "YYYYMMDD", region, service, "aws4_request").
 * Returns KINESIS_E_INVALID_ARGUMENT (and zeroes out) for a NULL argument or a secret longer
 * than KINESIS_SIGV4_MAX_SECRET_LEN. */
KINESIS_API kinesis_status kinesis_sigv4_signing_key(const kinesis_crypto *crypto,
                                                     const char *secret, const char *date8,
                                                     const char *region, const char *service,
                                                     uint8_t out[KINESIS_SHA256_LEN]);

/* Hex HMAC-SHA256(signing key, string to sign); out must hold 65 bytes. */
KINESIS_API void kinesis_sigv4_signature(const kinesis_crypto *crypto,
                                         const uint8_t signing_key[KINESIS_SHA256_LEN],
                                         const char *string_to_sign, size_t len, char out[65]);

#ifdef __cplusplus
}
#endif
#endif

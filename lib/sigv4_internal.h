/* SigV4 internals shared by the core (sigv4.c) and the signer (signer_sigv4.c). Not installed. */
#ifndef KINESIS_SIGV4_INTERNAL_H
#define KINESIS_SIGV4_INTERNAL_H

#include "kinesis/signer.h"

/* Longest region or service name accepted; keeps the scope and string to sign bounded. */
#define KINESIS_SIGV4_MAX_NAME_LEN 63
/* "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + 64 hex, with the name limits above. */
#define KINESIS_SIGV4_STS_CAP 320

/* Lowercase hex of `len` bytes into out[2 * len + 1] (NUL-terminated). */
void kinesis_sigv4_hex(const uint8_t *in, size_t len, char *out);

/* Zero key material; volatile stores so the compiler cannot drop them as dead. */
void kinesis_sigv4_wipe(void *p, size_t n);

/* kinesis_sigv4_canonical_request() with headers from two lists (the request's and the signer's
 * own, so the signer need not copy them) and an optional precomputed lowercase hex payload hash
 * (NULL = from an x-amz-content-sha256 header if present, else SHA-256 of the body). */
kinesis_status kinesis_sigv4_canonical_request_ex(
    const kinesis_crypto *crypto, const kinesis_signable *req, const kinesis_http_header *extra,
    size_t extra_count, const kinesis_signing_params *params, const char *payload_hash_hex,
    char *out, size_t cap, size_t *out_len);

/* True when region/service are usable in a scope: 1..KINESIS_SIGV4_MAX_NAME_LEN bytes, no '/',
 * no whitespace or control characters. */
int kinesis_sigv4_valid_scope_name(const char *s);

#endif

/* The default kinesis_crypto: OpenSSL one-shot digests. The low-level MD5()/SHA256()/HMAC()
 * calls avoid EVP's per-call algorithm fetch, which dominates for the short inputs we hash
 * (partition keys, canonical requests). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "kinesis/crypto.h"

#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

static void ossl_md5(void *user, const uint8_t *data, size_t len, uint8_t out[KINESIS_MD5_LEN]) {
    (void)user;
    MD5(data, len, out);
}

static void ossl_sha256(void *user, const uint8_t *data, size_t len,
                        uint8_t out[KINESIS_SHA256_LEN]) {
    (void)user;
    SHA256(data, len, out);
}

static void ossl_hmac_sha256(void *user, const uint8_t *key, size_t key_len, const uint8_t *data,
                             size_t len, uint8_t out[KINESIS_SHA256_LEN]) {
    (void)user;
    unsigned int out_len = KINESIS_SHA256_LEN;
    HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len);
}

static const kinesis_crypto openssl_crypto = {ossl_md5, ossl_sha256, ossl_hmac_sha256, NULL};

const kinesis_crypto *kinesis_crypto_default(void) { return &openssl_crypto; }

/* The default kinesis_crypto over OpenSSL's low-level MD5/SHA-256 context functions. Both the
 * one-shot MD5()/SHA256() and HMAC() of OpenSSL 3 go through EVP: an algorithm fetch (a locked
 * property lookup) and a heap context per call, which costs more than the hashing itself for the
 * short inputs we hash (partition keys, canonical requests, SigV4's HMACs). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "kinesis/crypto.h"

#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <string.h>

static void ossl_md5(void *user, const uint8_t *data, size_t len, uint8_t out[KINESIS_MD5_LEN]) {
    (void)user;
    MD5_CTX ctx;
    MD5_Init(&ctx);
    MD5_Update(&ctx, data, len);
    MD5_Final(out, &ctx);
}

static void ossl_sha256(void *user, const uint8_t *data, size_t len,
                        uint8_t out[KINESIS_SHA256_LEN]) {
    (void)user;
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, len);
    SHA256_Final(out, &ctx);
}

/* HMAC-SHA256 as RFC 2104 defines it (H((K^opad) || H((K^ipad) || data)), keys longer than a
 * block hashed first). */
#define HMAC_BLOCK 64
static void ossl_hmac_sha256(void *user, const uint8_t *key, size_t key_len, const uint8_t *data,
                             size_t len, uint8_t out[KINESIS_SHA256_LEN]) {
    (void)user;
    uint8_t k[HMAC_BLOCK] = {0}, pad[HMAC_BLOCK], inner[KINESIS_SHA256_LEN];
    if (key_len > HMAC_BLOCK)
        ossl_sha256(NULL, key, key_len, k);
    else if (key_len > 0)
        memcpy(k, key, key_len);
    SHA256_CTX ctx;
    for (size_t i = 0; i < HMAC_BLOCK; i++) pad[i] = k[i] ^ 0x36;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, pad, HMAC_BLOCK);
    SHA256_Update(&ctx, data, len);
    SHA256_Final(inner, &ctx);
    for (size_t i = 0; i < HMAC_BLOCK; i++) pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, pad, HMAC_BLOCK);
    SHA256_Update(&ctx, inner, sizeof(inner));
    SHA256_Final(out, &ctx);
    /* the padded keys are key material (the SigV4 signing key) */
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(&ctx, sizeof(ctx));
}

static const kinesis_crypto openssl_crypto = {ossl_md5, ossl_sha256, ossl_hmac_sha256, NULL};

const kinesis_crypto *kinesis_crypto_default(void) { return &openssl_crypto; }

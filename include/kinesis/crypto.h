/* libkinesis: the small hash interface the codec and the signer are built on.
 *
 * Firmware can plug its own MD5/SHA-256/HMAC (mbedTLS, an HSM, ...) by filling this struct; the
 * default one is OpenSSL's. All functions are one-shot over contiguous memory and must not fail
 * for valid pointers. Thread-safety: the default table is immutable and thread-safe; a custom
 * table must be thread-safe if used from several threads. */
#ifndef KINESIS_CRYPTO_H
#define KINESIS_CRYPTO_H

#include "kinesis/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KINESIS_MD5_LEN 16
#define KINESIS_SHA256_LEN 32

typedef struct kinesis_crypto {
    void (*md5)(void *user, const uint8_t *data, size_t len, uint8_t out[KINESIS_MD5_LEN]);
    void (*sha256)(void *user, const uint8_t *data, size_t len, uint8_t out[KINESIS_SHA256_LEN]);
    void (*hmac_sha256)(void *user, const uint8_t *key, size_t key_len, const uint8_t *data,
                        size_t len, uint8_t out[KINESIS_SHA256_LEN]);
    void *user;
} kinesis_crypto;

/* OpenSSL-backed implementation; static, never NULL. */
KINESIS_API const kinesis_crypto *kinesis_crypto_default(void);

#ifdef __cplusplus
}
#endif
#endif

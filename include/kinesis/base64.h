/* libkinesis: standard padded base64 (RFC 4648 §4), as Kinesis uses for record data in JSON.
 * Caller buffers, no allocation; thread-safe. */
#ifndef KINESIS_BASE64_H
#define KINESIS_BASE64_H

#include "kinesis/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Characters needed to encode `len` bytes (without a NUL). */
#define KINESIS_BASE64_ENCODED_LEN(len) ((((len) + 2) / 3) * 4)
/* An upper bound on the bytes decoded from `len` characters. */
#define KINESIS_BASE64_DECODED_MAX(len) ((((len) + 3) / 4) * 3)

/* Encode src[0..len) into out (cap bytes). Writes KINESIS_BASE64_ENCODED_LEN(len) characters and
 * no NUL. Returns KINESIS_E_BUFFER_TOO_SMALL (nothing written) if cap is too small. */
KINESIS_API kinesis_status kinesis_base64_encode(const uint8_t *src, size_t len, char *out,
                                                 size_t cap, size_t *out_len);

/* Decode strict padded base64 (no whitespace; length a multiple of 4; '=' only at the end;
 * unused bits zero). Returns KINESIS_E_INVALID_ARGUMENT on malformed input,
 * KINESIS_E_BUFFER_TOO_SMALL if cap is too small. out may equal src (decoding in place); no
 * other overlap is allowed. */
KINESIS_API kinesis_status kinesis_base64_decode(const char *src, size_t len, uint8_t *out,
                                                 size_t cap, size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif

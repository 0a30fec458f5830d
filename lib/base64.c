/* Strict standard base64: the service rejects anything else, so we do too. */
#include "kinesis/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for alphabet characters, 64 for '=', 255 for anything else. */
static const uint8_t decode_table[256] = {
#define N255 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255
    N255, N255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 62, 255, 255, 255, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 255, 255, 255, 64, 255, 255,
    255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 255, 255, 255, 255, 255,
    255, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 255, 255, 255, 255, 255,
    N255, N255, N255, N255, N255, N255, N255, N255,
#undef N255
};

kinesis_status kinesis_base64_encode(const uint8_t *src, size_t len, char *out, size_t cap,
                                     size_t *out_len) {
    if (len > (SIZE_MAX / 4) * 3 - 2) return KINESIS_E_INVALID_ARGUMENT;
    size_t need = KINESIS_BASE64_ENCODED_LEN(len);
    if (out_len) *out_len = need;
    if (cap < need) return KINESIS_E_BUFFER_TOO_SMALL;
    size_t i = 0, o = 0;
    for (; i + 3 <= len; i += 3, o += 4) {
        uint32_t v = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8) | src[i + 2];
        out[o] = alphabet[v >> 18];
        out[o + 1] = alphabet[(v >> 12) & 63];
        out[o + 2] = alphabet[(v >> 6) & 63];
        out[o + 3] = alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)src[i] << 16;
        if (i + 1 < len) v |= (uint32_t)src[i + 1] << 8;
        out[o] = alphabet[v >> 18];
        out[o + 1] = alphabet[(v >> 12) & 63];
        out[o + 2] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o + 3] = '=';
    }
    return KINESIS_OK;
}

kinesis_status kinesis_base64_decode(const char *src, size_t len, uint8_t *out, size_t cap,
                                     size_t *out_len) {
    if (len % 4 != 0) return KINESIS_E_INVALID_ARGUMENT;
    size_t pad = 0;
    if (len >= 1 && src[len - 1] == '=') pad++;
    if (len >= 2 && src[len - 2] == '=') pad++;
    size_t need = len / 4 * 3 - pad;
    if (out_len) *out_len = need;
    if (cap < need) return KINESIS_E_BUFFER_TOO_SMALL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint8_t a = decode_table[(uint8_t)src[i]], b = decode_table[(uint8_t)src[i + 1]];
        uint8_t c = decode_table[(uint8_t)src[i + 2]], d = decode_table[(uint8_t)src[i + 3]];
        int last = i + 4 == len;
        if (a > 63 || b > 63) return KINESIS_E_INVALID_ARGUMENT;
        if (c == 64) { /* "xx==" */
            if (!last || d != 64 || (b & 15)) return KINESIS_E_INVALID_ARGUMENT;
            out[o++] = (uint8_t)((a << 2) | (b >> 4));
        } else if (d == 64) { /* "xxx=" */
            if (!last || c > 63 || (c & 3)) return KINESIS_E_INVALID_ARGUMENT;
            out[o++] = (uint8_t)((a << 2) | (b >> 4));
            out[o++] = (uint8_t)((b << 4) | (c >> 2));
        } else {
            if (c > 63 || d > 63) return KINESIS_E_INVALID_ARGUMENT;
            out[o++] = (uint8_t)((a << 2) | (b >> 4));
            out[o++] = (uint8_t)((b << 4) | (c >> 2));
            out[o++] = (uint8_t)((c << 6) | d);
        }
    }
    return KINESIS_OK;
}

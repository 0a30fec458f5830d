/* Strict standard base64: the service rejects anything else, so we do too.
 *
 * Aggregated records make megabyte-sized Data fields, so both directions are bound by per-byte
 * work. On x86 CPUs with AVX2 the bulk goes through 32-byte vector blocks (chosen at run time, so
 * the library still builds for baseline x86-64); short inputs, tails and other CPUs use the
 * portable code. Both paths accept and reject exactly the same inputs.
 *
 * Decoding works in place (out == src): every block is read before its output, which never
 * reaches past the block's start plus its length, is written. lib/consumer_fast.c relies on it. */
#include "kinesis/base64.h"

#include <string.h>

#include "base64_internal.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define KB64_HAVE_AVX2 1
#include <immintrin.h>
#endif

/* ---- portable path ---------------------------------------------------------------------- */

/* The alphabet character for a 6-bit value, as a constant expression for the table below. */
#define KB64_CH(x)                                                                                 \
    (char)((x) < 26    ? 'A' + (x)                                                                 \
           : (x) < 52  ? 'a' + (x)-26                                                              \
           : (x) < 62  ? '0' + (x)-52                                                              \
           : (x) == 62 ? '+'                                                                       \
                       : '/')
#define KB64_P1(i) KB64_CH((i) >> 6), KB64_CH((i)&63)
#define KB64_P4(i) KB64_P1(i), KB64_P1((i) + 1), KB64_P1((i) + 2), KB64_P1((i) + 3)
#define KB64_P16(i) KB64_P4(i), KB64_P4((i) + 4), KB64_P4((i) + 8), KB64_P4((i) + 12)
#define KB64_P64(i) KB64_P16(i), KB64_P16((i) + 16), KB64_P16((i) + 32), KB64_P16((i) + 48)
#define KB64_P256(i) KB64_P64(i), KB64_P64((i) + 64), KB64_P64((i) + 128), KB64_P64((i) + 192)
#define KB64_P1024(i) KB64_P256(i), KB64_P256((i) + 256), KB64_P256((i) + 512), KB64_P256((i) + 768)

/* The two characters for every 12-bit value: half the lookups of a 64-entry alphabet (8 KiB). */
static const char pairs[4096 * 2] = {KB64_P1024(0), KB64_P1024(1024), KB64_P1024(2048),
                                     KB64_P1024(3072)};

/* 0..63 for alphabet characters, 64 for '=', 255 for anything else. */
static const uint8_t decode_table[256] = {
#define N255 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255
    N255, N255, 255,  255,  255,  255,  255,  255,  255,  255,  255, 255, 255, 62,  255, 255,
    255,  63,   52,   53,   54,   55,   56,   57,   58,   59,   60,  61,  255, 255, 255, 64,
    255,  255,  255,  0,    1,    2,    3,    4,    5,    6,    7,   8,   9,   10,  11,  12,
    13,   14,   15,   16,   17,   18,   19,   20,   21,   22,   23,  24,  25,  255, 255, 255,
    255,  255,  255,  26,   27,   28,   29,   30,   31,   32,   33,  34,  35,  36,  37,  38,
    39,   40,   41,   42,   43,   44,   45,   46,   47,   48,   49,  50,  51,  255, 255, 255,
    255,  255,  N255, N255, N255, N255, N255, N255, N255, N255,
#undef N255
};

/* Encode src[0..len) completely (padding included) into out, which has room. */
static void encode_portable(const uint8_t *src, size_t len, char *out) {
    size_t i = 0;
    for (; i + 6 <= len; i += 6, out += 8) {
        uint32_t v = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8) | src[i + 2];
        uint32_t w = ((uint32_t)src[i + 3] << 16) | ((uint32_t)src[i + 4] << 8) | src[i + 5];
        memcpy(out, pairs + 2 * (v >> 12), 2);
        memcpy(out + 2, pairs + 2 * (v & 0xfff), 2);
        memcpy(out + 4, pairs + 2 * (w >> 12), 2);
        memcpy(out + 6, pairs + 2 * (w & 0xfff), 2);
    }
    if (i + 3 <= len) {
        uint32_t v = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8) | src[i + 2];
        memcpy(out, pairs + 2 * (v >> 12), 2);
        memcpy(out + 2, pairs + 2 * (v & 0xfff), 2);
        i += 3;
        out += 4;
    }
    if (i < len) {
        uint32_t v = (uint32_t)src[i] << 16;
        if (i + 1 < len) v |= (uint32_t)src[i + 1] << 8;
        memcpy(out, pairs + 2 * (v >> 12), 2);
        out[2] = i + 1 < len ? pairs[2 * ((v >> 6) & 63) + 1] : '='; /* entry y < 64: "A", CH(y) */
        out[3] = '=';
    }
}

/* Decode src[0..len) (len a multiple of 4) into out, which has room; only the last quad may
 * hold padding. In place is fine: each quad is read before its output is written. */
static kinesis_status decode_portable(const char *src, size_t len, uint8_t *out) {
    if (len == 0) return KINESIS_OK;
    size_t i = 0, body = len - 4;
    for (; i < body; i += 4, out += 3) {
        uint32_t a = decode_table[(uint8_t)src[i]], b = decode_table[(uint8_t)src[i + 1]];
        uint32_t c = decode_table[(uint8_t)src[i + 2]], d = decode_table[(uint8_t)src[i + 3]];
        if ((a | b | c | d) & 0xC0) return KINESIS_E_INVALID_ARGUMENT; /* '=' or not base64 */
        uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
        out[0] = (uint8_t)(v >> 16);
        out[1] = (uint8_t)(v >> 8);
        out[2] = (uint8_t)v;
    }
    uint8_t a = decode_table[(uint8_t)src[i]], b = decode_table[(uint8_t)src[i + 1]];
    uint8_t c = decode_table[(uint8_t)src[i + 2]], d = decode_table[(uint8_t)src[i + 3]];
    if (a > 63 || b > 63) return KINESIS_E_INVALID_ARGUMENT;
    if (c == 64) { /* "xx==" */
        if (d != 64 || (b & 15)) return KINESIS_E_INVALID_ARGUMENT;
        out[0] = (uint8_t)((a << 2) | (b >> 4));
    } else if (d == 64) { /* "xxx=" */
        if (c > 63 || (c & 3)) return KINESIS_E_INVALID_ARGUMENT;
        out[0] = (uint8_t)((a << 2) | (b >> 4));
        out[1] = (uint8_t)((b << 4) | (c >> 2));
    } else {
        if (c > 63 || d > 63) return KINESIS_E_INVALID_ARGUMENT;
        out[0] = (uint8_t)((a << 2) | (b >> 4));
        out[1] = (uint8_t)((b << 4) | (c >> 2));
        out[2] = (uint8_t)((c << 6) | d);
    }
    return KINESIS_OK;
}

/* The argument and capacity checks shared by both paths (their order decides the status). */
static kinesis_status encode_check(size_t len, size_t cap, size_t *out_len) {
    if (len > (SIZE_MAX / 4) * 3 - 2) return KINESIS_E_INVALID_ARGUMENT;
    size_t need = KINESIS_BASE64_ENCODED_LEN(len);
    if (out_len) *out_len = need;
    if (cap < need) return KINESIS_E_BUFFER_TOO_SMALL;
    return KINESIS_OK;
}

/* Length, then capacity (from the '=' count, before any character is checked). */
static kinesis_status decode_check(const char *src, size_t len, size_t cap, size_t *out_len,
                                   size_t *need_out) {
    if (len % 4 != 0) return KINESIS_E_INVALID_ARGUMENT;
    size_t pad = 0;
    if (len >= 1 && src[len - 1] == '=') pad++;
    if (len >= 2 && src[len - 2] == '=') pad++;
    size_t need = len / 4 * 3 - pad;
    if (out_len) *out_len = need;
    if (cap < need) return KINESIS_E_BUFFER_TOO_SMALL;
    *need_out = need;
    return KINESIS_OK;
}

kinesis_status kinesis_base64_encode_scalar_(const uint8_t *src, size_t len, char *out, size_t cap,
                                             size_t *out_len) {
    kinesis_status st = encode_check(len, cap, out_len);
    if (st != KINESIS_OK) return st;
    encode_portable(src, len, out);
    return KINESIS_OK;
}

kinesis_status kinesis_base64_decode_scalar_(const char *src, size_t len, uint8_t *out, size_t cap,
                                             size_t *out_len) {
    size_t need;
    kinesis_status st = decode_check(src, len, cap, out_len, &need);
    if (st != KINESIS_OK) return st;
    return decode_portable(src, len, out);
}

/* ---- AVX2 path ---------------------------------------------------------------------------- */

#ifdef KB64_HAVE_AVX2
#define KB64_AVX2 __attribute__((target("avx2")))

/* Encodes 24-byte blocks (two 12-byte halves, one per 128-bit lane) while 28 bytes remain, so
 * the 16-byte loads stay inside src. Returns the bytes consumed (a multiple of 24); out
 * receives 4/3 as many characters. */
static KB64_AVX2 size_t encode_avx2(const uint8_t *src, size_t len, char *out) {
    /* Per lane, each 3-byte group s0 s1 s2 becomes the 32-bit word with bytes s1 s0 s2 s1:
     * its low half holds the first two 6-bit fields, its high half the last two. */
    const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, 1, 0,
                                            2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    /* Fields 1 and 3 move down to bits 0..5 of bytes 0 and 2 (a high multiply shifts right)... */
    const __m256i mask13 = _mm256_set1_epi32(0x0fc0fc00);
    const __m256i mul13 = _mm256_set1_epi32(0x04000040);
    /* ...fields 2 and 4 move up to bits 0..5 of bytes 1 and 3 (a low multiply shifts left). */
    const __m256i mask24 = _mm256_set1_epi32(0x003f03f0);
    const __m256i mul24 = _mm256_set1_epi32(0x01000010);
    /* ASCII = value + offset of its range: class 0 for 26..51 ('a'-26), 1..10 for 52..61
     * ('0'-52), 11 for 62 ('+'), 12 for 63 ('/'), 13 for 0..25 ('A'). */
    const __m256i offsets =
        _mm256_setr_epi8(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0, 71, -4, -4,
                         -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0);
    const __m256i c51 = _mm256_set1_epi8(51), c26 = _mm256_set1_epi8(26);
    const __m256i c13 = _mm256_set1_epi8(13);
    size_t i = 0;
    for (; i + 28 <= len; i += 24, out += 32) {
        __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
        __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(src + i + 12));
        __m256i in = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
        in = _mm256_shuffle_epi8(in, spread);
        __m256i f13 = _mm256_mulhi_epu16(_mm256_and_si256(in, mask13), mul13);
        __m256i f24 = _mm256_mullo_epi16(_mm256_and_si256(in, mask24), mul24);
        __m256i idx = _mm256_or_si256(f13, f24);
        __m256i cls = _mm256_subs_epu8(idx, c51);
        cls = _mm256_or_si256(cls, _mm256_and_si256(_mm256_cmpgt_epi8(c26, idx), c13));
        __m256i ascii = _mm256_add_epi8(idx, _mm256_shuffle_epi8(offsets, cls));
        _mm256_storeu_si256((__m256i *)(void *)out, ascii);
    }
    return i;
}

/* Decodes whole 32-character blocks of src, leaving at least `keep` characters (decode keeps
 * the last quad, the only one that may hold '=', and any shorter tail for decode_portable).
 * Writes 24 bytes per block, only below out + need (a 32-byte store where the 8 extra bytes
 * are rewritten later or lie past what the caller uses). Returns the characters consumed; at a
 * block holding a character outside the alphabet, SIZE_MAX, or with `stop` that block's start. */
static KB64_AVX2 size_t decode_avx2(const char *src, size_t len, uint8_t *out, size_t need,
                                    size_t keep, int stop) {
    /* A character is invalid when the flags of its low and high nibble share a bit:
     * 0x01 high 0,1,8..f (never valid), 0x02 high 2 (valid: low b '+', f '/'), 0x04 high 3
     * (valid: low 0..9), 0x08 high 4,6 (invalid: low 0), 0x10 high 5,7 (invalid: low b..f). */
    const __m256i lo_flags =
        _mm256_setr_epi8(0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x15,
                         0x17, 0x17, 0x17, 0x15, 0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
                         0x03, 0x03, 0x07, 0x15, 0x17, 0x17, 0x17, 0x15);
    const __m256i hi_flags = _mm256_setr_epi8(1, 1, 2, 4, 8, 0x10, 8, 0x10, 1, 1, 1, 1, 1, 1, 1, 1,
                                              1, 1, 2, 4, 8, 0x10, 8, 0x10, 1, 1, 1, 1, 1, 1, 1, 1);
    /* Value = character + offset chosen by high nibble; '/' (0x2f) is moved to row 1. */
    const __m256i offsets =
        _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 19, 4,
                         -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nib = _mm256_set1_epi8(0x0f), slash = _mm256_set1_epi8(0x2f);
    /* a b c d (6 bits each) -> a<<6|b, c<<6|d -> a<<18|b<<12|c<<6|d, then the three bytes of
     * each word big-end first, lanes packed into the low 24 bytes. */
    const __m256i mul_pairs = _mm256_set1_epi32(0x01400140);
    const __m256i mul_quads = _mm256_set1_epi32(0x00011000);
    const __m256i pack = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2,
                                          1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
    size_t i = 0, o = 0;
    for (; i + 32 + keep <= len && o + 24 <= need; i += 32, o += 24) {
        __m256i in = _mm256_loadu_si256((const __m256i *)(const void *)(src + i));
        __m256i hi = _mm256_and_si256(_mm256_srli_epi32(in, 4), nib);
        __m256i lo = _mm256_and_si256(in, nib);
        __m256i bad =
            _mm256_and_si256(_mm256_shuffle_epi8(lo_flags, lo), _mm256_shuffle_epi8(hi_flags, hi));
        if (!_mm256_testz_si256(bad, bad)) return stop ? i : SIZE_MAX;
        __m256i row = _mm256_add_epi8(hi, _mm256_cmpeq_epi8(in, slash));
        __m256i v = _mm256_add_epi8(in, _mm256_shuffle_epi8(offsets, row));
        v = _mm256_madd_epi16(_mm256_maddubs_epi16(v, mul_pairs), mul_quads);
        v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, pack), lanes);
        if (o + 32 <= need) {
            _mm256_storeu_si256((__m256i *)(void *)(out + o), v);
        } else {
            _mm_storeu_si128((__m128i *)(void *)(out + o), _mm256_castsi256_si128(v));
            _mm_storel_epi64((__m128i *)(void *)(out + o + 16), _mm256_extracti128_si256(v, 1));
        }
    }
    return i;
}

/* The compiler runtime fills the CPU model before main(); reading it is thread-safe. */
static int cpu_has_avx2(void) { return __builtin_cpu_supports("avx2") ? 1 : 0; }
#endif /* KB64_HAVE_AVX2 */

int kinesis_base64_simd_active_(void) {
#ifdef KB64_HAVE_AVX2
    return cpu_has_avx2();
#else
    return 0;
#endif
}

kinesis_status kinesis_base64_encode(const uint8_t *src, size_t len, char *out, size_t cap,
                                     size_t *out_len) {
    kinesis_status st = encode_check(len, cap, out_len);
    if (st != KINESIS_OK) return st;
#ifdef KB64_HAVE_AVX2
    if (len >= 28 && cpu_has_avx2()) {
        size_t done = encode_avx2(src, len, out);
        src += done;
        len -= done;
        out += done / 3 * 4;
    }
#endif
    encode_portable(src, len, out);
    return KINESIS_OK;
}

kinesis_status kinesis_base64_decode(const char *src, size_t len, uint8_t *out, size_t cap,
                                     size_t *out_len) {
    size_t need;
    kinesis_status st = decode_check(src, len, cap, out_len, &need);
    if (st != KINESIS_OK) return st;
#ifdef KB64_HAVE_AVX2
    if (len >= 36 && cpu_has_avx2()) {
        size_t done = decode_avx2(src, len, out, need, 4, 0); /* the last 4 may hold '=' */
        if (done == SIZE_MAX) return KINESIS_E_INVALID_ARGUMENT;
        src += done;
        len -= done;
        out += done / 4 * 3;
    }
#endif
    return decode_portable(src, len, out);
}

size_t kinesis_base64_decode_run_(const char *src, size_t len, uint8_t *out, size_t cap) {
#ifdef KB64_HAVE_AVX2
    if (len >= 32 && cpu_has_avx2()) return decode_avx2(src, len, out, cap, 0, 1);
#else
    (void)src, (void)len, (void)out, (void)cap;
#endif
    return 0;
}

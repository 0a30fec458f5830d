/* Internal JSON support for the client: an arena, a small DOM parsed with yajl (bounded depth,
 * allocation through the client's allocator), and writer helpers that append to a kinesis_buf. */
#ifndef KINESIS_JSON_H
#define KINESIS_JSON_H

#include "internal.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- arena: bump allocation in chunks, freed all at once ---- */
typedef struct kinesis_arena kinesis_arena;

kinesis_arena *kinesis_arena_new(const kinesis_allocator *a);
void kinesis_arena_destroy(kinesis_arena *arena);
void *kinesis_arena_alloc(kinesis_arena *arena, size_t size); /* 8-byte aligned, zeroed */
char *kinesis_arena_strndup(kinesis_arena *arena, const char *s, size_t len);

/* ---- DOM ---- */
typedef enum kjson_type {
    KJSON_NULL,
    KJSON_BOOL,
    KJSON_NUMBER, /* raw text kept in str/len */
    KJSON_STRING,
    KJSON_ARRAY,
    KJSON_OBJECT
} kjson_type;

typedef struct kjson kjson;
struct kjson {
    kjson_type type;
    bool boolean;
    const char *str; /* STRING: unescaped, NUL-terminated; NUMBER: the literal */
    size_t len;
    size_t count;      /* ARRAY/OBJECT */
    kjson **items;     /* ARRAY/OBJECT values */
    const char **keys; /* OBJECT keys */
};

#define KJSON_MAX_DEPTH 64

/* Parse a complete JSON text. KINESIS_E_BAD_RESPONSE (with a message in err) when it is not
 * valid, complete JSON or nests deeper than KJSON_MAX_DEPTH; KINESIS_E_NO_MEMORY. */
kinesis_status kjson_parse(kinesis_arena *arena, const char *text, size_t len, kjson **out,
                           kinesis_error *err);

/* Member of an object (NULL when absent, when obj is not an object). */
const kjson *kjson_get(const kjson *obj, const char *key);
/* String member, NULL when absent, null, or not a string. */
const char *kjson_get_string(const kjson *obj, const char *key);
/* Numeric member as double / int64; returns false when absent/null/not a number. */
bool kjson_get_double(const kjson *obj, const char *key, double *out);
bool kjson_get_int64(const kjson *obj, const char *key, int64_t *out);
bool kjson_get_bool(const kjson *obj, const char *key, bool *out);
/* Array member (NULL when absent/null/not an array). */
const kjson *kjson_get_array(const kjson *obj, const char *key);

/* ---- fast scanners ---- */
/* Length of the longest prefix of s[0..n) that can sit inside a JSON string as it is: it stops
 * at the first '"', '\\' or control character (or n). The fast response scanners take a string
 * whose prefix ends at its closing quote and send anything else (escapes, invalid bytes) to the
 * full parser. Sixteen bytes per step with SSE2, eight where the byte order allows: strings in
 * responses are short, and one pass beats memchr for the quote and a second pass for the rest. */
static inline size_t kjson_plain_prefix(const char *s, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  last_control = _mm_set1_epi8(0x1f);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i stop =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmpeq_epi8(_mm_min_epu8(v, last_control), v));
        unsigned bits = (unsigned)_mm_movemask_epi8(stop);
        if (bits) return i + (size_t)__builtin_ctz(bits);
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                        \
    (defined(__GNUC__) || defined(__clang__))
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        /* A byte's high bit is set where it is zero (q, b) or below 0x20 (w). Above the first
         * such byte a borrow can set bits falsely, so only the lowest set bit is trusted. */
        uint64_t hit = (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & highs;
        if (hit) return i + (size_t)__builtin_ctzll(hit) / 8;
    }
#endif
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c < 0x20) break;
    }
    return i;
}

/* ---- writer helpers ---- */
/* Append s[0..len) as a JSON string literal (quoted, escaped). */
bool kjson_append_string(kinesis_buf *b, const char *s, size_t len);
bool kjson_append_cstring(kinesis_buf *b, const char *s);
/* Append "key": as an object member prefix, with a leading comma unless *first. */
bool kjson_append_key(kinesis_buf *b, const char *key, bool *first);
/* Append the bytes as a base64 JSON string literal. */
bool kjson_append_base64(kinesis_buf *b, const uint8_t *data, size_t len);
/* Append a JSON number for a double without loss (%.17g, finite only). */
bool kjson_append_double(kinesis_buf *b, double value);

#endif

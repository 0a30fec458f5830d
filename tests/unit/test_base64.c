/* base64: RFC 4648 vectors, and differential tests of the dispatched path (AVX2 where the CPU has
 * it), the portable path and a plain reference model (the original one-quad-at-a-time code, which
 * defines the accepted language and the statuses) on random data, every length 0..300 and large
 * sizes, with invalid characters injected at every position, padding variants, in-place decoding
 * and capacities one byte short. Buffers are allocated at their exact sizes so AddressSanitizer
 * catches any read or write outside them. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "base64_internal.h"

/* ---- reference model ---------------------------------------------------------------------- */

static const char ref_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int ref_value(char ch) {
    if (ch == '=') return 64;
    const char *p = ch ? memchr(ref_alphabet, ch, 64) : NULL;
    return p ? (int)(p - ref_alphabet) : 255;
}

static kinesis_status ref_encode(const uint8_t *src, size_t len, char *out, size_t cap,
                                 size_t *out_len) {
    if (len > (SIZE_MAX / 4) * 3 - 2) return KINESIS_E_INVALID_ARGUMENT;
    size_t need = KINESIS_BASE64_ENCODED_LEN(len);
    if (out_len) *out_len = need;
    if (cap < need) return KINESIS_E_BUFFER_TOO_SMALL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)src[i] << 16;
        if (i + 1 < len) v |= (uint32_t)src[i + 1] << 8;
        if (i + 2 < len) v |= src[i + 2];
        out[o++] = ref_alphabet[v >> 18];
        out[o++] = ref_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? ref_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? ref_alphabet[v & 63] : '=';
    }
    return KINESIS_OK;
}

static kinesis_status ref_decode(const char *src, size_t len, uint8_t *out, size_t cap,
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
        int a = ref_value(src[i]), b = ref_value(src[i + 1]);
        int c = ref_value(src[i + 2]), d = ref_value(src[i + 3]);
        int last = i + 4 == len;
        if (a > 63 || b > 63) return KINESIS_E_INVALID_ARGUMENT;
        if (c == 64) {
            if (!last || d != 64 || (b & 15)) return KINESIS_E_INVALID_ARGUMENT;
            out[o++] = (uint8_t)((a << 2) | (b >> 4));
        } else if (d == 64) {
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

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) { /* xorshift64*: reproducible */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static void fill_random(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(rnd() >> 56);
}

/* A heap copy of exactly n bytes (at least one allocated byte, never read when n is 0). */
static void *dup_exact(const void *p, size_t n) {
    void *q = malloc(n ? n : 1);
    assert_non_null(q);
    if (n) memcpy(q, p, n);
    return q;
}

typedef kinesis_status (*decode_fn)(const char *, size_t, uint8_t *, size_t, size_t *);
typedef kinesis_status (*encode_fn)(const uint8_t *, size_t, char *, size_t, size_t *);

/* Decode text (len characters) with the model, the portable and the dispatched path, each from
 * an exactly-sized source into an exactly-sized (cap) output, and also in place; all must
 * agree on status, reported length and, on success, the bytes. Returns the status. */
static kinesis_status check_decode_cap(const char *text, size_t len, size_t cap) {
    uint8_t *want = malloc(cap ? cap : 1);
    assert_non_null(want);
    size_t want_len = 12345;
    kinesis_status want_st = ref_decode(text, len, want, cap, &want_len);
    static const decode_fn fns[2] = {kinesis_base64_decode_scalar_, kinesis_base64_decode};
    for (int f = 0; f < 2; f++) {
        char *src = dup_exact(text, len);
        uint8_t *out = malloc(cap ? cap : 1);
        assert_non_null(out);
        memset(out, 0xA5, cap);
        size_t got_len = 12345;
        kinesis_status st = fns[f](src, len, out, cap, &got_len);
        assert_int_equal(st, want_st);
        assert_int_equal(got_len, want_len);
        if (st == KINESIS_OK) {
            assert_memory_equal(out, want, want_len);
        } else if (st == KINESIS_E_BUFFER_TOO_SMALL) {
            for (size_t i = 0; i < cap; i++) assert_int_equal(out[i], 0xA5); /* nothing written */
        }
        /* NULL out_len is fine */
        assert_int_equal(fns[f](src, len, out, cap, NULL), want_st);
        /* in place (capacity = text length), as lib/consumer_fast.c decodes GetRecords Data */
        uint8_t *in_want = malloc(len ? len : 1);
        assert_non_null(in_want);
        size_t in_want_len = 12345, in_len = 12345;
        kinesis_status in_st = ref_decode(text, len, in_want, len, &in_want_len);
        assert_int_equal(fns[f](src, len, (uint8_t *)src, len, &in_len), in_st);
        assert_int_equal(in_len, in_want_len);
        if (in_st == KINESIS_OK) assert_memory_equal(src, in_want, in_len);
        free(in_want);
        free(src);
        free(out);
    }
    free(want);
    return want_st;
}

/* Decode with the exact capacity the text needs (or 0 when its length is not a multiple of 4). */
static kinesis_status check_decode(const char *text, size_t len) {
    size_t need = 0;                       /* stays 0 when len is not a multiple of 4 */
    ref_decode(text, len, NULL, 0, &need); /* writes nothing: need > 0 is too big for cap 0 */
    return check_decode_cap(text, len, need);
}

/* Encode data with all three, exactly-sized buffers; returns the model's text (caller frees). */
static char *check_encode(const uint8_t *data, size_t len) {
    size_t need = KINESIS_BASE64_ENCODED_LEN(len);
    char *want = malloc(need ? need : 1);
    assert_non_null(want);
    size_t want_len = 0;
    assert_int_equal(ref_encode(data, len, want, need, &want_len), KINESIS_OK);
    assert_int_equal(want_len, need);
    static const encode_fn fns[2] = {kinesis_base64_encode_scalar_, kinesis_base64_encode};
    uint8_t *src = dup_exact(data, len);
    for (int f = 0; f < 2; f++) {
        char *out = malloc(need ? need : 1);
        assert_non_null(out);
        size_t got_len = 0;
        assert_int_equal(fns[f](src, len, out, need, &got_len), KINESIS_OK);
        assert_int_equal(got_len, need);
        assert_memory_equal(out, want, need);
        free(out);
        if (need) { /* one byte short: status, length, nothing written */
            out = malloc(need - 1 ? need - 1 : 1);
            assert_non_null(out);
            memset(out, 0x5A, need - 1);
            got_len = 0;
            assert_int_equal(fns[f](src, len, out, need - 1, &got_len), KINESIS_E_BUFFER_TOO_SMALL);
            assert_int_equal(got_len, need);
            for (size_t i = 0; i + 1 < need; i++) assert_int_equal(out[i], 0x5A);
            free(out);
        }
    }
    free(src);
    return want;
}

/* Characters of every class: alphabet members of each range, '=', ASCII around the ranges,
 * controls, NUL and bytes with the high bit set (including ones whose low 7 bits are valid). */
static const uint8_t probes[] = {'A',  'Z',  'a',  'z',  '0',  '9',  '+',  '/',  '=',  0,
                                 '@',  '[',  '`',  '{',  '-',  '.',  ',',  ':',  '*',  ' ',
                                 '\n', 0x7f, 0x80, 0xC1, 0xAB, 0xAF, 0xB0, 0xFF, 0xE1, '\\',
                                 '"',  0x2a, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x1f, 0x10, 0x9a};

/* ---- tests -------------------------------------------------------------------------------- */

static void test_rfc4648_vectors(void **state) {
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *t = check_encode((const uint8_t *)plain[i], strlen(plain[i]));
        assert_memory_equal(t, enc[i], strlen(enc[i]));
        free(t);
        assert_int_equal(check_decode(enc[i], strlen(enc[i])), KINESIS_OK);
        uint8_t out[8];
        size_t n = 99;
        assert_int_equal(kinesis_base64_decode(enc[i], strlen(enc[i]), out, sizeof out, &n),
                         KINESIS_OK);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(out, plain[i], n);
    }
}

static void test_roundtrip_all_lengths(void **state) {
    (void)state;
    static uint8_t data[300];
    for (size_t len = 0; len <= 300; len++) {
        for (int rep = 0; rep < 4; rep++) {
            fill_random(data, len);
            if (rep == 1) memset(data, 0xFF, len); /* all-ones: every index 63 ('/') */
            if (rep == 2) memset(data, 0, len);    /* all-zeros: 'A' */
            char *text = check_encode(data, len);
            size_t tl = KINESIS_BASE64_ENCODED_LEN(len);
            assert_int_equal(check_decode(text, tl), KINESIS_OK);
            uint8_t back[300];
            size_t n = 0;
            assert_int_equal(kinesis_base64_decode(text, tl, back, len, &n), KINESIS_OK);
            assert_int_equal(n, len);
            assert_memory_equal(back, data, len);
            if (len)
                assert_int_equal(check_decode_cap(text, tl, len - 1), KINESIS_E_BUFFER_TOO_SMALL);
            free(text);
        }
    }
}

/* Every 6-bit value at every position of a 32-character vector block. */
static void test_every_index_every_position(void **state) {
    (void)state;
    char text[72];
    for (int v = 0; v < 64; v++) {
        for (int p = 0; p < 64; p++) {
            for (int i = 0; i < 72; i++) text[i] = ref_alphabet[(i * 7 + v) & 63];
            text[p] = ref_alphabet[v];
            assert_int_equal(check_decode(text, sizeof text), KINESIS_OK);
        }
    }
    uint8_t data[54];
    for (int rep = 0; rep < 200; rep++) {
        fill_random(data, sizeof data);
        free(check_encode(data, sizeof data));
    }
}

static void test_large_sizes(void **state) {
    (void)state;
    static const size_t sizes[] = {1023, 4096, 65536 + 1, 65536 + 2, (1u << 20) + 7, 1u << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t len = sizes[k];
        uint8_t *data = malloc(len);
        assert_non_null(data);
        fill_random(data, len);
        char *text = check_encode(data, len);
        size_t tl = KINESIS_BASE64_ENCODED_LEN(len);
        assert_int_equal(check_decode(text, tl), KINESIS_OK);
        /* invalid characters at the start, in the middle, at block edges and near the end */
        size_t spots[] = {0,
                          1,
                          31,
                          32,
                          33,
                          tl / 2,
                          tl - 37,
                          tl - 36,
                          tl - 33,
                          tl - 5,
                          tl - 4,
                          tl - 3,
                          tl - 2,
                          tl - 1,
                          (size_t)(rnd() % tl),
                          (size_t)(rnd() % tl)};
        for (size_t s = 0; s < sizeof spots / sizeof spots[0]; s++) {
            char saved = text[spots[s]];
            text[spots[s]] = (char)probes[rnd() % sizeof probes];
            check_decode(text, tl);
            text[spots[s]] = '=';
            check_decode(text, tl);
            text[spots[s]] = saved;
        }
        free(text);
        free(data);
    }
}

/* One corrupted character at every position of every length, for every probe class. */
static void test_invalid_every_position(void **state) {
    (void)state;
    static uint8_t data[300];
    size_t bad = 0;
    for (size_t len = 0; len <= 300; len++) {
        fill_random(data, len);
        char *text = check_encode(data, len);
        size_t tl = KINESIS_BASE64_ENCODED_LEN(len);
        for (size_t p = 0; p < tl; p++) {
            char saved = text[p];
            /* a few probes per position (all of them near the vector block edges and the end) */
            int all = (p % 32) < 2 || (p % 32) > 29 || p + 8 >= tl;
            size_t nprobe = all ? sizeof probes : 3;
            for (size_t k = 0; k < nprobe; k++) {
                uint8_t ch = all ? probes[k] : probes[rnd() % sizeof probes];
                text[p] = (char)ch;
                if (check_decode(text, tl) != KINESIS_OK) bad++;
            }
            text[p] = saved;
        }
        free(text);
    }
    assert_true(bad > 0);
}

/* Every byte value in positions inside the first vector block, the last quad and the tail. */
static void test_every_byte_value(void **state) {
    (void)state;
    uint8_t data[120];
    fill_random(data, sizeof data);
    char *text = check_encode(data, sizeof data); /* 160 characters */
    size_t positions[] = {0, 5, 31, 32, 63, 64, 100, 127, 128, 150, 155, 156, 157, 158, 159};
    for (size_t k = 0; k < sizeof positions / sizeof positions[0]; k++) {
        char saved = text[positions[k]];
        for (int c = 0; c < 256; c++) {
            text[positions[k]] = (char)c;
            kinesis_status st = check_decode(text, 160);
            if (!strchr(ref_alphabet, c) || c == 0) {
                /* not in the alphabet: only '=' in the last two places may be accepted */
                if (!(c == '=' && positions[k] >= 158)) assert_int_not_equal(st, KINESIS_OK);
            }
        }
        text[positions[k]] = saved;
    }
    free(text);
}

static void test_padding(void **state) {
    (void)state;
    static const struct {
        const char *text;
        kinesis_status st;
    } cases[] = {
        {"Zg==", KINESIS_OK},
        {"Zh==", KINESIS_E_INVALID_ARGUMENT}, /* unused bits set */
        {"Zm8=", KINESIS_OK},
        {"Zm9=", KINESIS_E_INVALID_ARGUMENT}, /* unused bits set */
        {"Zg=A", KINESIS_E_INVALID_ARGUMENT},
        {"Z===", KINESIS_E_INVALID_ARGUMENT},
        {"====", KINESIS_E_INVALID_ARGUMENT},
        {"=Zm9", KINESIS_E_INVALID_ARGUMENT},
        {"Zg==Zg==", KINESIS_E_INVALID_ARGUMENT}, /* padding before the end */
        {"Zm8=Zm9v", KINESIS_E_INVALID_ARGUMENT},
        {"Zg=", KINESIS_E_INVALID_ARGUMENT}, /* length not a multiple of 4 */
        {"Zg", KINESIS_E_INVALID_ARGUMENT},
        {"Zm9vY", KINESIS_E_INVALID_ARGUMENT},
        {"Zm9v====", KINESIS_E_INVALID_ARGUMENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(check_decode(cases[i].text, strlen(cases[i].text)), cases[i].st);
    }
    /* long texts: padding and trailing-bit variants after vector-sized bodies */
    for (size_t body = 0; body <= 200; body += 4) {
        char text[210];
        for (size_t i = 0; i < body; i++) text[i] = ref_alphabet[rnd() & 63];
        for (int v = 0; v < 64; v++) {
            const char *tails[] = {"Q?==", "QQ?=", "?===", "Q=?=", "QQQ?"};
            for (int t = 0; t < 5; t++) {
                memcpy(text + body, tails[t], 4);
                char *q = memchr(text + body, '?', 4);
                *q = ref_alphabet[v];
                check_decode(text, body + 4);
            }
        }
        /* '=' in the body */
        if (body >= 4) {
            memcpy(text + body, "QUE=", 4);
            size_t p = rnd() % body;
            char saved = text[p];
            text[p] = '=';
            assert_int_equal(check_decode(text, body + 4), KINESIS_E_INVALID_ARGUMENT);
            text[p] = saved;
            /* "xx==" body quad before a valid end */
            memcpy(text + (p & ~(size_t)3) + 2, "==", 2);
            assert_int_equal(check_decode(text, body + 4), KINESIS_E_INVALID_ARGUMENT);
        }
    }
}

/* Capacity is checked (from the '=' count) before any character: one short wins over bad text. */
static void test_capacity_before_characters(void **state) {
    (void)state;
    char text[96];
    for (size_t i = 0; i < sizeof text; i++) text[i] = ref_alphabet[rnd() & 63];
    text[40] = '*';
    assert_int_equal(check_decode_cap(text, sizeof text, 72), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(check_decode_cap(text, sizeof text, 71), KINESIS_E_BUFFER_TOO_SMALL);
    text[94] = '=';
    text[95] = '=';
    assert_int_equal(check_decode_cap(text, sizeof text, 70), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(check_decode_cap(text, sizeof text, 69), KINESIS_E_BUFFER_TOO_SMALL);
    /* random capacities around the need, with random corruption */
    for (int rep = 0; rep < 2000; rep++) {
        size_t len = (size_t)(rnd() % 160) * 4;
        char t[640];
        for (size_t i = 0; i < len; i++) t[i] = ref_alphabet[rnd() & 63];
        if (len && rnd() % 2) t[rnd() % len] = (char)probes[rnd() % sizeof probes];
        if (len && rnd() % 2) t[len - 1] = '=';
        if (len > 1 && rnd() % 3 == 0) t[len - 2] = '=';
        size_t need = len / 4 * 3;
        size_t cap = need >= 3 ? need - (size_t)(rnd() % 4) : need;
        check_decode_cap(t, len, cap);
    }
}

static void test_argument_errors(void **state) {
    (void)state;
    static const encode_fn enc[2] = {kinesis_base64_encode_scalar_, kinesis_base64_encode};
    static const decode_fn dec[2] = {kinesis_base64_decode_scalar_, kinesis_base64_decode};
    uint8_t b = 0;
    char c = 'A';
    for (int f = 0; f < 2; f++) {
        size_t n = 777;
        /* too long to encode: rejected before anything is read */
        assert_int_equal(enc[f](&b, SIZE_MAX, &c, 1, &n), KINESIS_E_INVALID_ARGUMENT);
        assert_int_equal(n, 777);
        assert_int_equal(enc[f](&b, (SIZE_MAX / 4) * 3 - 1, &c, 1, &n), KINESIS_E_INVALID_ARGUMENT);
        assert_int_equal(enc[f](&b, (SIZE_MAX / 4) * 3 - 2, &c, 1, &n), KINESIS_E_BUFFER_TOO_SMALL);
        /* empty input: nothing written, length 0 */
        n = 777;
        assert_int_equal(enc[f](NULL, 0, NULL, 0, &n), KINESIS_OK);
        assert_int_equal(n, 0);
        n = 777;
        assert_int_equal(dec[f](NULL, 0, NULL, 0, &n), KINESIS_OK);
        assert_int_equal(n, 0);
        /* length not a multiple of 4: out_len untouched */
        n = 777;
        assert_int_equal(dec[f]("QUJD", 3, &b, 1, &n), KINESIS_E_INVALID_ARGUMENT);
        assert_int_equal(n, 777);
    }
}

/* The two paths agree on random text of random lengths (mostly valid, sometimes not). */
static void test_random_text(void **state) {
    (void)state;
    assert_true(kinesis_base64_simd_active_() == 0 || kinesis_base64_simd_active_() == 1);
    char t[1200];
    for (int rep = 0; rep < 3000; rep++) {
        size_t len = (size_t)(rnd() % 300) * 4 + (rnd() % 8 == 0 ? rnd() % 4 : 0);
        for (size_t i = 0; i < len; i++) t[i] = ref_alphabet[rnd() & 63];
        int errs = (int)(rnd() % 3);
        for (int e = 0; e < errs && len; e++) {
            size_t p = rnd() % len;
            t[p] = (rnd() & 1) ? (char)(rnd() >> 56) : (char)probes[rnd() % sizeof probes];
        }
        check_decode(t, len);
    }
}

/* decode_run: on base64 followed by a closing quote and more JSON, it decodes exactly the
 * whole 32-character blocks before the first character outside the alphabet ('=' included),
 * in place or into a separate buffer of any capacity (allocated at its exact size, so a write
 * past it is caught), and never decodes past an injected invalid character. */
static void test_decode_run(void **state) {
    (void)state;
    int simd = kinesis_base64_simd_active_();
    for (int rep = 0; rep < 2000; rep++) {
        size_t len = rep < 300 ? (size_t)rep : (size_t)(rnd() % 3000);
        uint8_t *data = malloc(len + 1);
        assert_non_null(data);
        fill_random(data, len);
        size_t tl = KINESIS_BASE64_ENCODED_LEN(len);
        char *text = malloc(tl + 8);
        assert_non_null(text);
        assert_int_equal(kinesis_base64_encode(data, len, text, tl, NULL), KINESIS_OK);
        memcpy(text + tl, "\",\"X\":1}", 8);
        size_t stop = tl; /* the first character outside the alphabet */
        while (stop > 0 && text[stop - 1] == '=') stop--;
        if (rep % 3 == 1 && tl) { /* an invalid character somewhere inside */
            size_t at = rnd() % tl;
            text[at] = (char)probes[8 + rnd() % (sizeof probes - 8)];
            if (at < stop) stop = at;
        }
        size_t expect = simd ? stop / 32 * 32 : 0;
        /* into a separate buffer with room for everything */
        size_t cap = tl / 4 * 3;
        uint8_t *out = malloc(cap + 1);
        assert_non_null(out);
        size_t got = kinesis_base64_decode_run_(text, tl + 8, out, cap);
        assert_int_equal(got, expect);
        if (got) assert_memory_equal(out, data, got / 4 * 3);
        free(out);
        /* a capacity that ends mid-way: the run stops at the last block that fits */
        if (expect >= 64) {
            size_t small = expect / 4 * 3 - 5;
            out = malloc(small);
            assert_non_null(out);
            got = kinesis_base64_decode_run_(text, tl + 8, out, small);
            assert_true(got % 32 == 0 && got / 4 * 3 <= small && got < expect);
            assert_memory_equal(out, data, got / 4 * 3);
            free(out);
        }
        /* in place */
        got = kinesis_base64_decode_run_(text, tl + 8, (uint8_t *)text, tl + 8);
        assert_int_equal(got, expect);
        if (got) assert_memory_equal(text, data, got / 4 * 3);
        free(text);
        free(data);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_roundtrip_all_lengths),
        cmocka_unit_test(test_every_index_every_position),
        cmocka_unit_test(test_large_sizes),
        cmocka_unit_test(test_invalid_every_position),
        cmocka_unit_test(test_every_byte_value),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_capacity_before_characters),
        cmocka_unit_test(test_argument_errors),
        cmocka_unit_test(test_random_text),
        cmocka_unit_test(test_decode_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

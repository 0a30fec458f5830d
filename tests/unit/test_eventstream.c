/* Event-stream framing: CRC-32 vectors, known-answer frames, every header type, streaming with
 * any chunking, corrupted CRCs, truncation at every length, oversized and inconsistent lengths,
 * malformed headers, sticky errors, stopping from the callback, allocation failures and the
 * fixed-buffer mode. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/eventstream.h"

/* ---- helpers ---- */

#define KINESIS_ARRAY_LEN_(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ ((c & 1) ? 0xEDB88320u : 0);
    }
    return ~c;
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Recompute both CRCs of a message in place (after tampering with its lengths or headers). */
static void fix_crcs(uint8_t *m, size_t total) {
    put_be32(m + 8, kinesis_eventstream_crc32(0, m, 8));
    put_be32(m + total - 4, kinesis_eventstream_crc32(0, m, total - 4));
}

/* A message from a raw header section and payload, with correct lengths and CRCs. Returns its
 * length; out must hold 16 + hlen + plen. */
static size_t frame_raw(const uint8_t *hdr, size_t hlen, const uint8_t *payload, size_t plen,
                        uint8_t *out) {
    size_t total = 16 + hlen + plen;
    put_be32(out, (uint32_t)total);
    put_be32(out + 4, (uint32_t)hlen);
    if (hlen) memcpy(out + 12, hdr, hlen);
    if (plen) memcpy(out + 12 + hlen, payload, plen);
    fix_crcs(out, total);
    return total;
}

static kinesis_eventstream_header str_header(const char *name, const char *value) {
    kinesis_eventstream_header h = {.name = name,
                                    .name_len = strlen(name),
                                    .type = KINESIS_EVENTSTREAM_STRING,
                                    .bytes = (const uint8_t *)value,
                                    .bytes_len = strlen(value)};
    return h;
}

/* Encode into a malloc'd buffer. */
static uint8_t *encode_alloc(const kinesis_eventstream_header *h, size_t n, const void *payload,
                             size_t plen, size_t *len) {
    size_t need = 0;
    assert_int_equal(kinesis_eventstream_encode(h, n, payload, plen, NULL, 0, &need),
                     KINESIS_E_BUFFER_TOO_SMALL);
    uint8_t *out = malloc(need);
    assert_non_null(out);
    assert_int_equal(kinesis_eventstream_encode(h, n, payload, plen, out, need, len), KINESIS_OK);
    assert_int_equal(*len, need);
    return out;
}

/* Collects every message: copies of the raw bytes, concatenated, and a count. */
typedef struct collector {
    uint8_t *raw;
    size_t len;
    size_t count;
    size_t stop_after; /* 0 = never stop */
    kinesis_eventstream_decoder *dec;
} collector;

static int collect(void *user, const kinesis_eventstream_message *m) {
    collector *c = user;
    /* The views are consistent with the raw bytes. */
    assert_true(m->raw_len >= 16);
    assert_non_null(m->payload);
    assert_true(m->payload >= m->raw + 12 &&
                m->payload + m->payload_len == m->raw + m->raw_len - 4);
    /* Re-encoding a decoded message gives back the same bytes: the format has no slack. */
    uint8_t *again = malloc(m->raw_len);
    size_t again_len = 0;
    assert_int_equal(kinesis_eventstream_encode(m->headers, m->header_count, m->payload,
                                                m->payload_len, again, m->raw_len, &again_len),
                     KINESIS_OK);
    assert_int_equal(again_len, m->raw_len);
    assert_memory_equal(again, m->raw, m->raw_len);
    free(again);
    if (c->dec) {
        /* Re-entering the decoder from its callback is refused. */
        assert_int_equal(kinesis_eventstream_decoder_feed(c->dec, m->raw, 1, NULL, NULL, NULL),
                         KINESIS_E_INVALID_ARGUMENT);
        assert_int_equal(kinesis_eventstream_decoder_finish(c->dec), KINESIS_E_INVALID_ARGUMENT);
        kinesis_eventstream_decoder_reset(c->dec);       /* ignored */
        kinesis_eventstream_decoder_clean_up(c->dec);    /* ignored: the views stay valid */
        volatile uint8_t touch = m->raw[m->raw_len - 1]; /* ASan would flag a freed buffer */
        (void)touch;
    }
    c->raw = realloc(c->raw, c->len + m->raw_len);
    assert_non_null(c->raw);
    memcpy(c->raw + c->len, m->raw, m->raw_len);
    c->len += m->raw_len;
    c->count++;
    return c->stop_after && c->count == c->stop_after;
}

static void collector_free(collector *c) {
    free(c->raw);
    memset(c, 0, sizeof(*c));
}

/* Feed `data` in chunks (chunk 0 = whole; 1 = byte by byte; SIZE_MAX = random sizes). */
static kinesis_status feed_chunked(kinesis_eventstream_decoder *dec, const uint8_t *data,
                                   size_t len, size_t chunk, collector *c) {
    size_t pos = 0;
    while (pos < len) {
        size_t n = chunk == 0 ? len - pos : chunk == SIZE_MAX ? 1 + rng() % 97 : chunk;
        if (rng() % 8 == 0 && chunk == SIZE_MAX) n = 1 + rng() % 5000;
        if (n > len - pos) n = len - pos;
        size_t used = 0;
        kinesis_status st = kinesis_eventstream_decoder_feed(dec, data + pos, n, collect, c, &used);
        if (st != KINESIS_OK) return st;
        assert_int_equal(used, n);
        pos += n;
    }
    return KINESIS_OK;
}

/* Decode one whole buffer with default options; returns the status and the error detail. */
static kinesis_status decode_once(const uint8_t *data, size_t len, kinesis_eventstream_error *err,
                                  size_t *count) {
    kinesis_eventstream_decoder dec;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
    collector c = {0};
    kinesis_status st = kinesis_eventstream_decoder_feed(&dec, data, len, collect, &c, NULL);
    if (st == KINESIS_OK) st = kinesis_eventstream_decoder_finish(&dec);
    if (err) *err = kinesis_eventstream_decoder_error(&dec);
    if (count) *count = c.count;
    collector_free(&c);
    kinesis_eventstream_decoder_clean_up(&dec);
    return st;
}

static void expect_error(const uint8_t *data, size_t len, kinesis_eventstream_error want) {
    kinesis_eventstream_error err = KINESIS_EVENTSTREAM_ERR_NONE;
    size_t count = 99;
    assert_int_equal(decode_once(data, len, &err, &count), KINESIS_E_EVENT_STREAM);
    assert_int_equal(err, want);
    assert_int_equal(count, 0);
    /* The same error byte by byte. */
    kinesis_eventstream_decoder dec;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
    collector c = {0};
    assert_int_equal(feed_chunked(&dec, data, len, 1, &c), KINESIS_E_EVENT_STREAM);
    assert_int_equal(kinesis_eventstream_decoder_error(&dec), want);
    assert_int_equal(c.count, 0);
    collector_free(&c);
    kinesis_eventstream_decoder_clean_up(&dec);
}

/* ---- CRC ---- */

static void crc32_vectors(void **state) {
    (void)state;
    assert_int_equal(kinesis_eventstream_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(kinesis_eventstream_crc32(0, "", 0), 0);
    assert_int_equal(kinesis_eventstream_crc32(0, NULL, 0), 0);
    assert_int_equal(
        kinesis_eventstream_crc32(0, "The quick brown fox jumps over the lazy dog", 43),
        0x414FA339u);
    /* Chaining equals one pass. */
    uint32_t c = kinesis_eventstream_crc32(0, "12345", 5);
    assert_int_equal(kinesis_eventstream_crc32(c, "6789", 4), 0xCBF43926u);
    /* The slice-by-8 tables against the bitwise definition, every length and alignment. */
    uint8_t buf[600];
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)rng();
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; n + off <= sizeof(buf); n += (n < 64 ? 1 : 37))
            assert_int_equal(kinesis_eventstream_crc32(0, buf + off, n),
                             crc32_bitwise(buf + off, n));
}

/* ---- good frames ---- */

/* Published examples of the framing (payload {"foo": "bar"}, without and with a content-type
 * header), reproduced by zlib's crc32. */
static const uint8_t frame_no_headers[] = {0,   0,   0,   30,  0,   0,   0,   0,   186, 242,
                                           246, 138, 123, 34,  102, 111, 111, 34,  58,  32,
                                           34,  98,  97,  114, 34,  125, 174, 114, 88,  228};
static const uint8_t frame_content_type[] = {
    0,   0,   0,   62,  0,   0,   0,   32,  64,  93,  249, 70,  12,  99,  111, 110,
    116, 101, 110, 116, 45,  116, 121, 112, 101, 7,   0,   16,  97,  112, 112, 108,
    105, 99,  97,  116, 105, 111, 110, 47,  106, 115, 111, 110, 123, 34,  102, 111,
    111, 34,  58,  32,  34,  98,  97,  114, 34,  125, 111, 162, 191, 59};
/* Kinesis's first message on a SubscribeToShard stream, built with Python's zlib.crc32. */
static const char frame_initial_response_hex[] =
    "00000068000000564e6817240b3a6576656e742d74797065070010696e697469616c2d726573706f6e73650d3a"
    "636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d74797065"
    "0700056576656e747b7dd591c62b";
/* One header of every type (t true, f false, b byte -2, s int16 -300, i int32 -70000, l int64
 * -2^40, x bytes 00 ff 10, str "hello", ts 1700000000123, u uuid 00..0f), payload "payload";
 * built with Python's struct and zlib.crc32. */
static const uint8_t frame_all_types[] =
    "\x00\x00\x00\x6b\x00\x00\x00\x54\xe7\xc6\x0c\xd8\x01\x74\x00\x01\x66\x01\x01\x62\x02\xfe\x01"
    "\x73\x03\xfe\xd4\x01\x69\x04\xff\xfe\xee\x90\x01\x6c\x05\xff\xff\xff\x00\x00\x00\x00\x00\x01"
    "\x78\x06\x00\x03\x00\xff\x10\x03\x73\x74\x72\x07\x00\x05\x68\x65\x6c\x6c\x6f\x02\x74\x73\x08"
    "\x00\x00\x01\x8b\xcf\xe5\x68\x7b\x01\x75\x09\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"
    "\x0c\x0d\x0e\x0f\x70\x61\x79\x6c\x6f\x61\x64\x72\xc7\x0e\x57";

static size_t unhex(const char *hex, uint8_t *out) {
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

typedef struct last_message {
    uint8_t raw[512];
    size_t raw_len;
    int calls;
    int checked;
} last_message;

static int check_all_types(void *user, const kinesis_eventstream_message *m) {
    last_message *lm = user;
    lm->calls++;
    assert_int_equal(m->header_count, 10);
    const kinesis_eventstream_header *h = m->headers;
    assert_int_equal(h[0].type, KINESIS_EVENTSTREAM_BOOL_TRUE);
    assert_int_equal(h[0].int_value, 1);
    assert_int_equal(h[1].type, KINESIS_EVENTSTREAM_BOOL_FALSE);
    assert_int_equal(h[1].int_value, 0);
    int64_t v = 0;
    assert_true(kinesis_eventstream_get_int(m, "b", &v));
    assert_true(v == -2);
    assert_true(kinesis_eventstream_get_int(m, "s", &v));
    assert_true(v == -300);
    assert_true(kinesis_eventstream_get_int(m, "i", &v));
    assert_true(v == -70000);
    assert_true(kinesis_eventstream_get_int(m, "l", &v));
    assert_true(v == -((int64_t)1 << 40));
    assert_true(kinesis_eventstream_get_int(m, "ts", &v));
    assert_true(v == 1700000000123);
    assert_false(kinesis_eventstream_get_int(m, "t", &v));
    assert_false(kinesis_eventstream_get_int(m, "str", &v));
    assert_false(kinesis_eventstream_get_int(m, "missing", &v));
    const kinesis_eventstream_header *x = kinesis_eventstream_find_header(m, "x");
    assert_non_null(x);
    assert_int_equal(x->type, KINESIS_EVENTSTREAM_BYTES);
    assert_int_equal(x->bytes_len, 3);
    assert_memory_equal(x->bytes, "\x00\xff\x10", 3);
    const char *s = NULL;
    size_t sl = 0;
    assert_true(kinesis_eventstream_get_string(m, "str", &s, &sl));
    assert_int_equal(sl, 5);
    assert_memory_equal(s, "hello", 5);
    assert_false(kinesis_eventstream_get_string(m, "x", &s, &sl)); /* bytes, not a string */
    const kinesis_eventstream_header *u = kinesis_eventstream_find_header(m, "u");
    assert_non_null(u);
    assert_int_equal(u->type, KINESIS_EVENTSTREAM_UUID);
    assert_int_equal(u->bytes_len, 16);
    for (int i = 0; i < 16; i++) assert_int_equal(u->bytes[i], i);
    assert_null(kinesis_eventstream_find_header(m, "st")); /* prefix of "str" */
    assert_null(kinesis_eventstream_find_header(m, "strx"));
    assert_null(kinesis_eventstream_find_header(m, ""));
    assert_int_equal(m->payload_len, 7);
    assert_memory_equal(m->payload, "payload", 7);
    assert_int_equal(kinesis_eventstream_message_type(m), KINESIS_EVENTSTREAM_MESSAGE_UNKNOWN);
    memcpy(lm->raw, m->raw, m->raw_len);
    lm->raw_len = m->raw_len;
    lm->checked = 1;
    return 0;
}

static void all_header_types(void **state) {
    (void)state;
    size_t len = sizeof(frame_all_types) - 1;
    for (size_t chunk = 0; chunk < 3; chunk++) {
        kinesis_eventstream_decoder dec;
        assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
        last_message lm = {0};
        size_t step = chunk == 0 ? len : chunk == 1 ? 1 : 10;
        for (size_t pos = 0; pos < len; pos += step) {
            size_t n = len - pos < step ? len - pos : step;
            assert_int_equal(kinesis_eventstream_decoder_feed(&dec, frame_all_types + pos, n,
                                                              check_all_types, &lm, NULL),
                             KINESIS_OK);
        }
        assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_OK);
        assert_int_equal(lm.calls, 1);
        assert_true(lm.checked);
        assert_memory_equal(lm.raw, frame_all_types, len);
        kinesis_eventstream_decoder_clean_up(&dec);
    }

    /* The encoder builds the same bytes from the values. */
    uint8_t uuid[16];
    for (int i = 0; i < 16; i++) uuid[i] = (uint8_t)i;
    kinesis_eventstream_header h[10] = {
        {.name = "t", .name_len = 1, .type = KINESIS_EVENTSTREAM_BOOL_TRUE},
        {.name = "f", .name_len = 1, .type = KINESIS_EVENTSTREAM_BOOL_FALSE, .int_value = 7},
        {.name = "b", .name_len = 1, .type = KINESIS_EVENTSTREAM_BYTE, .int_value = -2},
        {.name = "s", .name_len = 1, .type = KINESIS_EVENTSTREAM_INT16, .int_value = -300},
        {.name = "i", .name_len = 1, .type = KINESIS_EVENTSTREAM_INT32, .int_value = -70000},
        {.name = "l",
         .name_len = 1,
         .type = KINESIS_EVENTSTREAM_INT64,
         .int_value = -((int64_t)1 << 40)},
        {.name = "x",
         .name_len = 1,
         .type = KINESIS_EVENTSTREAM_BYTES,
         .bytes = (const uint8_t *)"\x00\xff\x10",
         .bytes_len = 3},
        str_header("str", "hello"),
        {.name = "ts",
         .name_len = 2,
         .type = KINESIS_EVENTSTREAM_TIMESTAMP,
         .int_value = 1700000000123},
        {.name = "u",
         .name_len = 1,
         .type = KINESIS_EVENTSTREAM_UUID,
         .bytes = uuid,
         .bytes_len = 16},
    };
    uint8_t out[200];
    size_t out_len = 0;
    assert_int_equal(kinesis_eventstream_encode(h, 10, (const uint8_t *)"payload", 7, out,
                                                sizeof(out), &out_len),
                     KINESIS_OK);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, frame_all_types, len);
}

static void integer_extremes(void **state) {
    (void)state;
    kinesis_eventstream_header h[8] = {
        {.name = "a", .name_len = 1, .type = KINESIS_EVENTSTREAM_BYTE, .int_value = -128},
        {.name = "b", .name_len = 1, .type = KINESIS_EVENTSTREAM_BYTE, .int_value = 127},
        {.name = "c", .name_len = 1, .type = KINESIS_EVENTSTREAM_INT16, .int_value = INT16_MIN},
        {.name = "d", .name_len = 1, .type = KINESIS_EVENTSTREAM_INT16, .int_value = INT16_MAX},
        {.name = "e", .name_len = 1, .type = KINESIS_EVENTSTREAM_INT32, .int_value = INT32_MIN},
        {.name = "f", .name_len = 1, .type = KINESIS_EVENTSTREAM_INT32, .int_value = INT32_MAX},
        {.name = "g", .name_len = 1, .type = KINESIS_EVENTSTREAM_INT64, .int_value = INT64_MIN},
        {.name = "h", .name_len = 1, .type = KINESIS_EVENTSTREAM_TIMESTAMP, .int_value = INT64_MAX},
    };
    size_t len;
    uint8_t *m = encode_alloc(h, 8, NULL, 0, &len);
    kinesis_eventstream_decoder dec;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
    collector c = {0};
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, m, len, collect, &c, NULL), KINESIS_OK);
    assert_int_equal(c.count, 1);
    for (int i = 0; i < 8; i++) assert_true(dec.headers_[i].int_value == h[i].int_value);
    collector_free(&c);
    kinesis_eventstream_decoder_clean_up(&dec);
    free(m);
}

static int check_foo_bar(void *user, const kinesis_eventstream_message *m) {
    int *calls = user;
    assert_int_equal(m->payload_len, 14);
    assert_memory_equal(m->payload, "{\"foo\": \"bar\"}", 14);
    if (*calls == 1) {
        const char *v;
        size_t n;
        assert_int_equal(m->header_count, 1);
        assert_true(kinesis_eventstream_get_string(m, "content-type", &v, &n));
        assert_int_equal(n, 16);
        assert_memory_equal(v, "application/json", 16);
    } else {
        assert_int_equal(m->header_count, 0);
    }
    (*calls)++;
    return 0;
}

static int check_initial_response(void *user, const kinesis_eventstream_message *m) {
    int *calls = user;
    const char *v;
    size_t n;
    assert_int_equal(kinesis_eventstream_message_type(m), KINESIS_EVENTSTREAM_MESSAGE_EVENT);
    assert_true(kinesis_eventstream_get_string(m, ":event-type", &v, &n));
    assert_int_equal(n, 16);
    assert_memory_equal(v, "initial-response", 16);
    assert_true(kinesis_eventstream_get_string(m, ":content-type", &v, &n));
    assert_memory_equal(v, "application/json", 16);
    assert_int_equal(m->payload_len, 2);
    assert_memory_equal(m->payload, "{}", 2);
    (*calls)++;
    return 0;
}

static void known_answer_frames(void **state) {
    (void)state;
    kinesis_eventstream_decoder dec;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
    int calls = 0;
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, frame_no_headers,
                                                      sizeof(frame_no_headers), check_foo_bar,
                                                      &calls, NULL),
                     KINESIS_OK);
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, frame_content_type,
                                                      sizeof(frame_content_type), check_foo_bar,
                                                      &calls, NULL),
                     KINESIS_OK);
    assert_int_equal(calls, 2);

    uint8_t ir[256];
    size_t ir_len = unhex(frame_initial_response_hex, ir);
    calls = 0;
    assert_int_equal(
        kinesis_eventstream_decoder_feed(&dec, ir, ir_len, check_initial_response, &calls, NULL),
        KINESIS_OK);
    assert_int_equal(calls, 1);
    assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_OK);
    kinesis_eventstream_decoder_clean_up(&dec);

    /* The encoder reproduces all three byte for byte. */
    uint8_t out[256];
    size_t n = 0;
    assert_int_equal(kinesis_eventstream_encode(NULL, 0, (const uint8_t *)"{\"foo\": \"bar\"}", 14,
                                                out, sizeof(out), &n),
                     KINESIS_OK);
    assert_int_equal(n, sizeof(frame_no_headers));
    assert_memory_equal(out, frame_no_headers, n);
    kinesis_eventstream_header ct = str_header("content-type", "application/json");
    assert_int_equal(kinesis_eventstream_encode(&ct, 1, (const uint8_t *)"{\"foo\": \"bar\"}", 14,
                                                out, sizeof(out), &n),
                     KINESIS_OK);
    assert_int_equal(n, sizeof(frame_content_type));
    assert_memory_equal(out, frame_content_type, n);
    kinesis_eventstream_header irh[3] = {str_header(":event-type", "initial-response"),
                                         str_header(":content-type", "application/json"),
                                         str_header(":message-type", "event")};
    assert_int_equal(
        kinesis_eventstream_encode(irh, 3, (const uint8_t *)"{}", 2, out, sizeof(out), &n),
        KINESIS_OK);
    assert_int_equal(n, ir_len);
    assert_memory_equal(out, ir, n);
}

static int check_kinds(void *user, const kinesis_eventstream_message *m) {
    int *calls = user;
    const char *v;
    size_t n;
    switch (*calls) {
    case 0:
        assert_int_equal(kinesis_eventstream_message_type(m), KINESIS_EVENTSTREAM_MESSAGE_EVENT);
        assert_true(kinesis_eventstream_get_string(m, ":event-type", &v, &n));
        assert_int_equal(n, strlen("SubscribeToShardEvent"));
        break;
    case 1:
        assert_int_equal(kinesis_eventstream_message_type(m),
                         KINESIS_EVENTSTREAM_MESSAGE_EXCEPTION);
        assert_true(kinesis_eventstream_get_string(m, ":exception-type", &v, &n));
        assert_int_equal(n, strlen("ResourceNotFoundException"));
        assert_memory_equal(v, "ResourceNotFoundException", n);
        break;
    case 2:
        assert_int_equal(kinesis_eventstream_message_type(m), KINESIS_EVENTSTREAM_MESSAGE_ERROR);
        assert_true(kinesis_eventstream_get_string(m, ":error-code", &v, &n));
        assert_memory_equal(v, "InternalFailure", n);
        assert_true(kinesis_eventstream_get_string(m, ":error-message", &v, &n));
        assert_memory_equal(v, "boom", n);
        break;
    case 3:
        assert_int_equal(kinesis_eventstream_message_type(m), KINESIS_EVENTSTREAM_MESSAGE_UNKNOWN);
        break;
    case 4: /* :message-type present but not a string */
        assert_int_equal(kinesis_eventstream_message_type(m), KINESIS_EVENTSTREAM_MESSAGE_UNKNOWN);
        break;
    default:
        fail();
    }
    (*calls)++;
    return 0;
}

static void message_kinds(void **state) {
    (void)state;
    kinesis_eventstream_header ev[3] = {str_header(":message-type", "event"),
                                        str_header(":event-type", "SubscribeToShardEvent"),
                                        str_header(":content-type", "application/json")};
    kinesis_eventstream_header ex[3] = {str_header(":message-type", "exception"),
                                        str_header(":exception-type", "ResourceNotFoundException"),
                                        str_header(":content-type", "application/json")};
    kinesis_eventstream_header er[3] = {str_header(":message-type", "error"),
                                        str_header(":error-code", "InternalFailure"),
                                        str_header(":error-message", "boom")};
    kinesis_eventstream_header other = str_header(":message-type", "events");
    kinesis_eventstream_header notstr = {.name = ":message-type",
                                         .name_len = 13,
                                         .type = KINESIS_EVENTSTREAM_BYTES,
                                         .bytes = (const uint8_t *)"event",
                                         .bytes_len = 5};
    uint8_t stream[2048];
    size_t len = 0, n = 0;
    const char *payload = "{\"Records\":[],\"ContinuationSequenceNumber\":\"1\"}";
    assert_int_equal(kinesis_eventstream_encode(ev, 3, (const uint8_t *)payload, strlen(payload),
                                                stream, sizeof(stream), &n),
                     KINESIS_OK);
    len += n;
    assert_int_equal(kinesis_eventstream_encode(ex, 3, (const uint8_t *)"{\"message\":\"x\"}", 15,
                                                stream + len, sizeof(stream) - len, &n),
                     KINESIS_OK);
    len += n;
    assert_int_equal(
        kinesis_eventstream_encode(er, 3, NULL, 0, stream + len, sizeof(stream) - len, &n),
        KINESIS_OK);
    len += n;
    assert_int_equal(
        kinesis_eventstream_encode(&other, 1, NULL, 0, stream + len, sizeof(stream) - len, &n),
        KINESIS_OK);
    len += n;
    assert_int_equal(
        kinesis_eventstream_encode(&notstr, 1, NULL, 0, stream + len, sizeof(stream) - len, &n),
        KINESIS_OK);
    len += n;
    kinesis_eventstream_decoder dec;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
    int calls = 0;
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, stream, len, check_kinds, &calls, NULL),
                     KINESIS_OK);
    assert_int_equal(calls, 5);
    kinesis_eventstream_decoder_clean_up(&dec);
    assert_int_equal(kinesis_eventstream_message_type(NULL), KINESIS_EVENTSTREAM_MESSAGE_UNKNOWN);
    assert_null(kinesis_eventstream_find_header(NULL, "x"));
}

/* A SubscribeToShard response body (tests/data/eventstream/make_seeds.py). */
typedef struct kinds_seen {
    kinesis_eventstream_message_kind kinds[8];
    char types[8][32];
    size_t n;
} kinds_seen;

static int record_kind(void *user, const kinesis_eventstream_message *m) {
    kinds_seen *k = user;
    assert_true(k->n < 8);
    k->kinds[k->n] = kinesis_eventstream_message_type(m);
    const char *v = NULL;
    size_t n = 0;
    const char *name =
        k->kinds[k->n] == KINESIS_EVENTSTREAM_MESSAGE_EXCEPTION ? ":exception-type" : ":event-type";
    assert_true(kinesis_eventstream_get_string(m, name, &v, &n));
    assert_true(n < sizeof(k->types[0]));
    memcpy(k->types[k->n], v, n);
    k->types[k->n][n] = 0;
    k->n++;
    return 0;
}

static void subscribe_to_shard_fixture(void **state) {
    (void)state;
    size_t len = 0;
    uint8_t *body = test_read_file("eventstream/subscribe_to_shard.bin", &len);
    assert_non_null(body);
    for (size_t chunk = 1; chunk <= len; chunk = chunk * 3 + 1) {
        kinesis_eventstream_decoder dec;
        assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
        kinds_seen k = {0};
        for (size_t pos = 0; pos < len; pos += chunk) {
            size_t n = len - pos < chunk ? len - pos : chunk;
            assert_int_equal(
                kinesis_eventstream_decoder_feed(&dec, body + pos, n, record_kind, &k, NULL),
                KINESIS_OK);
        }
        assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_OK);
        assert_int_equal(k.n, 4);
        assert_int_equal(k.kinds[0], KINESIS_EVENTSTREAM_MESSAGE_EVENT);
        assert_string_equal(k.types[0], "initial-response");
        assert_int_equal(k.kinds[1], KINESIS_EVENTSTREAM_MESSAGE_EVENT);
        assert_string_equal(k.types[1], "SubscribeToShardEvent");
        assert_string_equal(k.types[2], "SubscribeToShardEvent");
        assert_int_equal(k.kinds[3], KINESIS_EVENTSTREAM_MESSAGE_EXCEPTION);
        assert_string_equal(k.types[3], "ResourceNotFoundException");
        kinesis_eventstream_decoder_clean_up(&dec);
    }
    free(body);
}

/* A stream of assorted messages: empty ones, large payloads, many headers. */
static uint8_t *build_stream(size_t *len_out, size_t *count_out) {
    size_t cap = 1 << 20, len = 0, count = 0;
    uint8_t *s = malloc(cap);
    assert_non_null(s);
    static uint8_t payload[200000];
    for (size_t i = 0; i < sizeof(payload); i++) payload[i] = (uint8_t)(i * 31 + 7);
    size_t sizes[] = {0, 1, 14, 0, 4095, 4096, 4097, 65536, 150000, 3, 0};
    for (size_t k = 0; k < KINESIS_ARRAY_LEN_(sizes); k++) {
        kinesis_eventstream_header h[KINESIS_EVENTSTREAM_MAX_HEADERS];
        char names[KINESIS_EVENTSTREAM_MAX_HEADERS][8];
        size_t nh = k == 3 ? 0 : k == 6 ? KINESIS_EVENTSTREAM_MAX_HEADERS : 1 + k % 4;
        for (size_t j = 0; j < nh; j++) {
            snprintf(names[j], sizeof(names[j]), "h%zu", j);
            h[j] = str_header(names[j], "value");
            if (j % 3 == 1) {
                h[j].type = KINESIS_EVENTSTREAM_INT64;
                h[j].bytes = NULL;
                h[j].bytes_len = 0;
                h[j].int_value = (int64_t)(j * 1000003);
            }
        }
        size_t n = 0;
        assert_int_equal(
            kinesis_eventstream_encode(h, nh, payload, sizes[k], s + len, cap - len, &n),
            KINESIS_OK);
        len += n;
        count++;
    }
    *len_out = len;
    *count_out = count;
    return s;
}
static void stream_any_chunking(void **state) {
    (void)state;
    size_t len, count;
    uint8_t *s = build_stream(&len, &count);
    size_t chunks[] = {0, 1, 2, 7, 11, 12, 13, 16, 4096, SIZE_MAX, SIZE_MAX, SIZE_MAX};
    for (size_t k = 0; k < KINESIS_ARRAY_LEN_(chunks); k++) {
        test_allocator ta;
        test_allocator_init(&ta);
        kinesis_eventstream_decoder_options o = {.allocator = &ta.base};
        kinesis_eventstream_decoder dec;
        assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_OK);
        collector c = {.dec = &dec};
        assert_int_equal(feed_chunked(&dec, s, len, chunks[k], &c), KINESIS_OK);
        assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_OK);
        assert_int_equal(c.count, count);
        assert_int_equal(c.len, len);
        assert_memory_equal(c.raw, s, len);
        if (chunks[k] == 0) assert_int_equal(ta.total, 0); /* whole messages decode in place */
        /* Reuse after reset. */
        kinesis_eventstream_decoder_reset(&dec);
        collector_free(&c);
        c.dec = &dec;
        assert_int_equal(feed_chunked(&dec, s, len, 5, &c), KINESIS_OK);
        assert_int_equal(c.count, count);
        collector_free(&c);
        kinesis_eventstream_decoder_clean_up(&dec);
        kinesis_eventstream_decoder_clean_up(&dec); /* twice is fine */
        assert_int_equal(ta.live, 0);
    }
    free(s);
}

static void minimal_message(void **state) {
    (void)state;
    uint8_t m[16];
    size_t n = 0;
    assert_int_equal(kinesis_eventstream_encode(NULL, 0, NULL, 0, m, sizeof(m), &n), KINESIS_OK);
    assert_int_equal(n, 16);
    size_t count = 0;
    assert_int_equal(decode_once(m, n, NULL, &count), KINESIS_OK);
    assert_int_equal(count, 1);
    /* An empty stream is fine; feeding nothing is fine. */
    kinesis_eventstream_decoder dec;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
    size_t used = 5;
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, NULL, 0, NULL, NULL, &used),
                     KINESIS_OK);
    assert_int_equal(used, 0);
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, m, n, NULL, NULL, &used), KINESIS_OK);
    assert_int_equal(used, 16);
    assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_OK);
    assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_OK);
    kinesis_eventstream_decoder_clean_up(&dec);
}

/* ---- corruption ---- */

static void corrupted_crcs(void **state) {
    (void)state;
    uint8_t m[sizeof(frame_content_type)];
    size_t len = sizeof(frame_content_type);
    /* Any flipped bit in the prelude (lengths or CRC) fails the prelude CRC. */
    for (size_t i = 0; i < 12; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(m, frame_content_type, len);
            m[i] ^= (uint8_t)(1u << bit);
            expect_error(m, len, KINESIS_EVENTSTREAM_ERR_PRELUDE_CRC);
        }
    }
    /* Any flipped bit in the headers, payload or message CRC fails the message CRC. */
    for (size_t i = 12; i < len; i++) {
        memcpy(m, frame_content_type, len);
        m[i] ^= (uint8_t)(1u << (i % 8));
        expect_error(m, len, KINESIS_EVENTSTREAM_ERR_MESSAGE_CRC);
    }
    /* A bad second message after a good one: one message, then the error. */
    uint8_t two[2 * sizeof(frame_content_type)];
    memcpy(two, frame_content_type, len);
    memcpy(two + len, frame_content_type, len);
    two[len + 40] ^= 1;
    kinesis_eventstream_error err;
    size_t count;
    assert_int_equal(decode_once(two, sizeof(two), &err, &count), KINESIS_E_EVENT_STREAM);
    assert_int_equal(err, KINESIS_EVENTSTREAM_ERR_MESSAGE_CRC);
    assert_int_equal(count, 1);
}

static void truncated_every_length(void **state) {
    (void)state;
    uint8_t two[sizeof(frame_all_types) - 1 + sizeof(frame_content_type)];
    size_t l1 = sizeof(frame_all_types) - 1;
    memcpy(two, frame_all_types, l1);
    memcpy(two + l1, frame_content_type, sizeof(frame_content_type));
    for (size_t cut = 0; cut < sizeof(two); cut++) {
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            kinesis_eventstream_decoder dec;
            assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
            collector c = {0};
            assert_int_equal(feed_chunked(&dec, two, cut, bytewise ? 1 : 0, &c), KINESIS_OK);
            assert_int_equal(c.count, cut >= l1 ? 1 : 0);
            kinesis_status want = cut == 0 || cut == l1 ? KINESIS_OK : KINESIS_E_EVENT_STREAM;
            assert_int_equal(kinesis_eventstream_decoder_finish(&dec), want);
            if (want != KINESIS_OK) {
                assert_int_equal(kinesis_eventstream_decoder_error(&dec),
                                 KINESIS_EVENTSTREAM_ERR_TRUNCATED);
                /* Sticky. */
                assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_E_EVENT_STREAM);
                assert_int_equal(kinesis_eventstream_decoder_feed(&dec, frame_no_headers,
                                                                  sizeof(frame_no_headers), NULL,
                                                                  NULL, NULL),
                                 KINESIS_E_EVENT_STREAM);
            }
            collector_free(&c);
            kinesis_eventstream_decoder_clean_up(&dec);
        }
    }
}

/* A prelude with a valid CRC announcing the given lengths, followed by nothing. */
static void prelude(uint8_t p[12], uint32_t total, uint32_t hlen) {
    put_be32(p, total);
    put_be32(p + 4, hlen);
    put_be32(p + 8, kinesis_eventstream_crc32(0, p, 8));
}

static void bad_lengths(void **state) {
    (void)state;
    uint8_t p[12];
    for (uint32_t t = 0; t < 16; t++) {
        prelude(p, t, 0);
        expect_error(p, 12, KINESIS_EVENTSTREAM_ERR_TOTAL_TOO_SMALL);
    }
    prelude(p, 0xFFFFFFFFu, 0);
    expect_error(p, 12, KINESIS_EVENTSTREAM_ERR_TOTAL_TOO_LARGE);
    prelude(p, KINESIS_EVENTSTREAM_DEFAULT_MAX_MESSAGE_BYTES + 1, 0);
    expect_error(p, 12, KINESIS_EVENTSTREAM_ERR_TOTAL_TOO_LARGE);
    prelude(p, 100, 85);
    expect_error(p, 12, KINESIS_EVENTSTREAM_ERR_HEADERS_LENGTH);
    prelude(p, 16, 1);
    expect_error(p, 12, KINESIS_EVENTSTREAM_ERR_HEADERS_LENGTH);
    prelude(p, 100, 0xFFFFFFFFu);
    expect_error(p, 12, KINESIS_EVENTSTREAM_ERR_HEADERS_LENGTH);
    prelude(p, 1000000, KINESIS_EVENTSTREAM_DEFAULT_MAX_HEADERS_BYTES + 1);
    expect_error(p, 12, KINESIS_EVENTSTREAM_ERR_HEADERS_TOO_LARGE);
    /* At the limits exactly: accepted, waiting for the rest. */
    kinesis_eventstream_decoder dec;
    test_allocator ta;
    test_allocator_init(&ta);
    kinesis_eventstream_decoder_options o = {
        .max_message_bytes = 1000, .max_headers_bytes = 100, .allocator = &ta.base};
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_OK);
    prelude(p, 1000, 100);
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, p, 12, NULL, NULL, NULL), KINESIS_OK);
    assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_E_EVENT_STREAM);
    kinesis_eventstream_decoder_reset(&dec);
    /* One over: refused before any allocation. */
    prelude(p, 1001, 0);
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, p, 12, NULL, NULL, NULL),
                     KINESIS_E_EVENT_STREAM);
    assert_int_equal(kinesis_eventstream_decoder_error(&dec),
                     KINESIS_EVENTSTREAM_ERR_TOTAL_TOO_LARGE);
    kinesis_eventstream_decoder_reset(&dec);
    prelude(p, 1000, 101);
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, p, 12, NULL, NULL, NULL),
                     KINESIS_E_EVENT_STREAM);
    assert_int_equal(kinesis_eventstream_decoder_error(&dec),
                     KINESIS_EVENTSTREAM_ERR_HEADERS_TOO_LARGE);
    assert_int_equal(ta.total, 0);
    /* A real oversized message, whole and in pieces. */
    uint8_t fill[1100], big[1100];
    memset(fill, 'x', sizeof(fill));
    size_t n = frame_raw(NULL, 0, fill, 1001 - 16, big);
    assert_int_equal(n, 1001);
    kinesis_eventstream_decoder_reset(&dec);
    collector c = {0};
    assert_int_equal(feed_chunked(&dec, big, n, 3, &c), KINESIS_E_EVENT_STREAM);
    assert_int_equal(kinesis_eventstream_decoder_error(&dec),
                     KINESIS_EVENTSTREAM_ERR_TOTAL_TOO_LARGE);
    assert_int_equal(ta.total, 0);
    assert_int_equal(c.count, 0);
    kinesis_eventstream_decoder_clean_up(&dec);
}

static void bad_headers(void **state) {
    (void)state;
    struct {
        const char *hdr;
        size_t len;
        kinesis_eventstream_error want;
    } cases[] = {
        {"\x05"
         "abc",
         4, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* name overruns */
        {"\x03"
         "abc",
         4, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* no type byte */
        {"\x01"
         "a\x02",
         3, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* byte without value */
        {"\x01"
         "a\x03\x00",
         4, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* int16 cut */
        {"\x01"
         "a\x04\x00\x00\x00",
         6, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* int32 cut */
        {"\x01"
         "a\x05\x00\x00\x00\x00\x00\x00\x00",
         10, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* int64 cut */
        {"\x01"
         "a\x08\x00",
         4, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* timestamp cut */
        {"\x01"
         "a\x07\x00",
         4, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* string length cut */
        {"\x01"
         "a\x07\x00\x05"
         "abcd",
         9, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* string value overruns */
        {"\x01"
         "a\x06\xff\xff"
         "abcd",
         9, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* bytes value overruns */
        {"\x01"
         "a\x09"
         "0123456789abcde",
         18, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* uuid cut */
        {"\x01"
         "a\x00\x01",
         4, KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED}, /* second header cut after its length */
        {"\x01"
         "a\x0a",
         3, KINESIS_EVENTSTREAM_ERR_HEADER_TYPE},
        {"\x01"
         "a\xff",
         3, KINESIS_EVENTSTREAM_ERR_HEADER_TYPE},
        {"\x00\x00", 2, KINESIS_EVENTSTREAM_ERR_HEADER_NAME_EMPTY},
        {"\x01"
         "a\x00\x01"
         "a\x01",
         6, KINESIS_EVENTSTREAM_ERR_HEADER_DUPLICATE},
    };
    uint8_t m[128];
    for (size_t i = 0; i < KINESIS_ARRAY_LEN_(cases); i++) {
        /* With and without a payload after the header section: a header must not read into it. */
        size_t n = frame_raw((const uint8_t *)cases[i].hdr, cases[i].len, NULL, 0, m);
        expect_error(m, n, cases[i].want);
        n = frame_raw((const uint8_t *)cases[i].hdr, cases[i].len, (const uint8_t *)"\x00\x10zzzz",
                      6, m);
        expect_error(m, n, cases[i].want);
    }
    /* The encoder writes what the decoder refuses (for fault injection). */
    kinesis_eventstream_header h[KINESIS_EVENTSTREAM_MAX_HEADERS + 1];
    char names[KINESIS_EVENTSTREAM_MAX_HEADERS + 1][4];
    for (size_t j = 0; j < KINESIS_EVENTSTREAM_MAX_HEADERS + 1; j++) {
        snprintf(names[j], sizeof(names[j]), "%zu", j);
        h[j] = (kinesis_eventstream_header){
            .name = names[j], .name_len = strlen(names[j]), .type = KINESIS_EVENTSTREAM_BOOL_TRUE};
    }
    size_t len;
    uint8_t *enc = encode_alloc(h, KINESIS_EVENTSTREAM_MAX_HEADERS + 1, "p", 1, &len);
    expect_error(enc, len, KINESIS_EVENTSTREAM_ERR_TOO_MANY_HEADERS);
    free(enc);
    enc = encode_alloc(h, KINESIS_EVENTSTREAM_MAX_HEADERS, "p", 1, &len); /* exactly the limit */
    size_t count = 0;
    assert_int_equal(decode_once(enc, len, NULL, &count), KINESIS_OK);
    assert_int_equal(count, 1);
    free(enc);
    h[1].name = "0";
    h[1].name_len = 1;
    enc = encode_alloc(h, 2, NULL, 0, &len);
    expect_error(enc, len, KINESIS_EVENTSTREAM_ERR_HEADER_DUPLICATE);
    free(enc);
    h[0].name_len = 0;
    enc = encode_alloc(h, 1, NULL, 0, &len);
    expect_error(enc, len, KINESIS_EVENTSTREAM_ERR_HEADER_NAME_EMPTY);
    free(enc);
    /* Longest name, longest string value: fine. */
    char name[256];
    memset(name, 'n', 255);
    name[255] = 0;
    static uint8_t value[65535];
    memset(value, 'v', sizeof(value));
    kinesis_eventstream_header longest = {.name = name,
                                          .name_len = 255,
                                          .type = KINESIS_EVENTSTREAM_STRING,
                                          .bytes = value,
                                          .bytes_len = sizeof(value)};
    enc = encode_alloc(&longest, 1, NULL, 0, &len);
    assert_int_equal(decode_once(enc, len, NULL, &count), KINESIS_OK);
    assert_int_equal(count, 1);
    free(enc);
}

static void sticky_error_and_reset(void **state) {
    (void)state;
    kinesis_eventstream_decoder dec;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
    uint8_t bad[sizeof(frame_no_headers)];
    memcpy(bad, frame_no_headers, sizeof(bad));
    bad[20] ^= 0x40;
    collector c = {0};
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, bad, sizeof(bad), collect, &c, NULL),
                     KINESIS_E_EVENT_STREAM);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kinesis_eventstream_decoder_feed(
                             &dec, frame_no_headers, sizeof(frame_no_headers), collect, &c, NULL),
                         KINESIS_E_EVENT_STREAM);
        assert_int_equal(kinesis_eventstream_decoder_feed(&dec, NULL, 0, collect, &c, NULL),
                         KINESIS_E_EVENT_STREAM);
        assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_E_EVENT_STREAM);
        assert_int_equal(kinesis_eventstream_decoder_error(&dec),
                         KINESIS_EVENTSTREAM_ERR_MESSAGE_CRC);
    }
    assert_int_equal(c.count, 0);
    kinesis_eventstream_decoder_reset(&dec);
    assert_int_equal(kinesis_eventstream_decoder_error(&dec), KINESIS_EVENTSTREAM_ERR_NONE);
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, frame_no_headers,
                                                      sizeof(frame_no_headers), collect, &c, NULL),
                     KINESIS_OK);
    assert_int_equal(c.count, 1);
    collector_free(&c);
    kinesis_eventstream_decoder_clean_up(&dec);
    /* After clean_up (or on a zeroed decoder) calls are refused, not crashes. */
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, frame_no_headers,
                                                      sizeof(frame_no_headers), NULL, NULL, NULL),
                     KINESIS_E_INVALID_ARGUMENT);
    kinesis_eventstream_decoder zero;
    memset(&zero, 0, sizeof(zero));
    assert_int_equal(kinesis_eventstream_decoder_feed(&zero, frame_no_headers,
                                                      sizeof(frame_no_headers), NULL, NULL, NULL),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_eventstream_decoder_finish(&zero), KINESIS_E_INVALID_ARGUMENT);
    kinesis_eventstream_decoder_reset(&zero);
    kinesis_eventstream_decoder_clean_up(&zero);
}

static void callback_stops(void **state) {
    (void)state;
    size_t len, count;
    uint8_t *s = build_stream(&len, &count);
    for (size_t chunk = 0; chunk < 3; chunk++) {
        kinesis_eventstream_decoder dec;
        assert_int_equal(kinesis_eventstream_decoder_init(&dec, NULL), KINESIS_OK);
        collector c = {.stop_after = 3};
        /* Feed; whenever the callback stops, feed the rest of that chunk again later. */
        size_t pos = 0, stops = 0;
        while (pos < len) {
            size_t n = chunk == 0 ? len - pos : chunk == 1 ? 1 : 1 + rng() % 3000;
            if (n > len - pos) n = len - pos;
            size_t used = 0;
            kinesis_status st =
                kinesis_eventstream_decoder_feed(&dec, s + pos, n, collect, &c, &used);
            if (st == KINESIS_E_CANCELLED) {
                stops++;
                assert_int_equal(c.count, 3);
                assert_true(used <= n);
                /* Stopped exactly after the third message. */
                assert_int_equal(pos + used, c.len);
                c.stop_after = 0;
            } else {
                assert_int_equal(st, KINESIS_OK);
                assert_int_equal(used, n);
            }
            pos += used;
        }
        assert_int_equal(stops, 1);
        assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_OK);
        assert_int_equal(c.count, count);
        assert_memory_equal(c.raw, s, len);
        collector_free(&c);
        kinesis_eventstream_decoder_clean_up(&dec);
    }
    free(s);
}

static void allocation_failures(void **state) {
    (void)state;
    size_t len, count;
    uint8_t *s = build_stream(&len, &count);
    /* Fail each allocation in turn, in various chunkings; retrying the unconsumed rest after a
     * failure loses nothing. */
    size_t chunks[] = {1, 13, 1000, SIZE_MAX};
    for (size_t k = 0; k < KINESIS_ARRAY_LEN_(chunks); k++) {
        for (long fail_at = 1;; fail_at++) {
            test_allocator ta;
            test_allocator_init(&ta);
            ta.fail_at = fail_at;
            kinesis_eventstream_decoder_options o = {.allocator = &ta.base};
            kinesis_eventstream_decoder dec;
            assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_OK);
            collector c = {0};
            size_t pos = 0;
            int failures = 0;
            while (pos < len) {
                size_t n = chunks[k] == SIZE_MAX ? 1 + rng() % 5000 : chunks[k];
                if (n > len - pos) n = len - pos;
                size_t used = 0;
                kinesis_status st =
                    kinesis_eventstream_decoder_feed(&dec, s + pos, n, collect, &c, &used);
                if (st == KINESIS_E_NO_MEMORY) {
                    failures++;
                    assert_true(used < n);
                } else {
                    assert_int_equal(st, KINESIS_OK);
                    assert_int_equal(used, n);
                }
                pos += used;
            }
            assert_int_equal(kinesis_eventstream_decoder_finish(&dec), KINESIS_OK);
            assert_int_equal(c.count, count);
            assert_memory_equal(c.raw, s, len);
            collector_free(&c);
            kinesis_eventstream_decoder_clean_up(&dec);
            assert_int_equal(ta.live, 0);
            if (!failures) break; /* fail_at is past the last allocation */
            assert_int_equal(failures, 1);
        }
    }
    free(s);
}

static void fixed_buffer(void **state) {
    (void)state;
    size_t len, count;
    uint8_t *s = build_stream(&len, &count);
    static uint8_t buffer[200000];
    test_allocator ta;
    test_allocator_init(&ta);
    kinesis_eventstream_decoder_options o = {
        .allocator = &ta.base, .buffer = buffer, .buffer_cap = sizeof(buffer)};
    kinesis_eventstream_decoder dec;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_OK);
    collector c = {0};
    assert_int_equal(feed_chunked(&dec, s, len, SIZE_MAX, &c), KINESIS_OK);
    assert_int_equal(c.count, count);
    assert_memory_equal(c.raw, s, len);
    collector_free(&c);
    kinesis_eventstream_decoder_clean_up(&dec);
    assert_int_equal(ta.total, 0);

    /* A buffer smaller than a message: the message is too large, not a crash. */
    o.buffer_cap = 100000;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_OK);
    assert_int_equal(feed_chunked(&dec, s, len, 7, &c), KINESIS_E_EVENT_STREAM);
    assert_int_equal(kinesis_eventstream_decoder_error(&dec),
                     KINESIS_EVENTSTREAM_ERR_TOTAL_TOO_LARGE);
    assert_true(c.count > 0 && c.count < count);
    collector_free(&c);
    kinesis_eventstream_decoder_clean_up(&dec);
    assert_int_equal(ta.total, 0);
    free(s);
}

static void bad_arguments(void **state) {
    (void)state;
    kinesis_eventstream_decoder dec;
    uint8_t buf[16];
    assert_int_equal(kinesis_eventstream_decoder_init(NULL, NULL), KINESIS_E_INVALID_ARGUMENT);
    kinesis_eventstream_decoder_options o = {.max_message_bytes = 15};
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, frame_no_headers, 30, NULL, NULL, NULL),
                     KINESIS_E_INVALID_ARGUMENT);
    kinesis_eventstream_decoder_clean_up(&dec);
    o = (kinesis_eventstream_decoder_options){.buffer_cap = 100};
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_E_INVALID_ARGUMENT);
    o = (kinesis_eventstream_decoder_options){.buffer = buf, .buffer_cap = 15};
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_E_INVALID_ARGUMENT);
    o = (kinesis_eventstream_decoder_options){
        .buffer = buf, .buffer_cap = 16, .max_message_bytes = 17};
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_E_INVALID_ARGUMENT);
    o.max_message_bytes = 16;
    assert_int_equal(kinesis_eventstream_decoder_init(&dec, &o), KINESIS_OK);
    uint8_t m[16];
    assert_int_equal(kinesis_eventstream_encode(NULL, 0, NULL, 0, m, sizeof(m), NULL), KINESIS_OK);
    collector c = {.dec = &dec};
    assert_int_equal(feed_chunked(&dec, m, 16, 1, &c), KINESIS_OK);
    assert_int_equal(c.count, 1);
    assert_int_equal(kinesis_eventstream_decoder_feed(&dec, NULL, 1, NULL, NULL, NULL),
                     KINESIS_E_INVALID_ARGUMENT);
    collector_free(&c);
    kinesis_eventstream_decoder_clean_up(&dec);
    assert_int_equal(kinesis_eventstream_decoder_feed(NULL, m, 16, NULL, NULL, NULL),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_eventstream_decoder_finish(NULL), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_eventstream_decoder_error(NULL), KINESIS_EVENTSTREAM_ERR_NONE);
    kinesis_eventstream_decoder_clean_up(NULL);
    kinesis_eventstream_decoder_reset(NULL);
}

static void encoder_errors(void **state) {
    (void)state;
    uint8_t out[64];
    size_t n = 0;
    kinesis_eventstream_header h = str_header("content-type", "application/json");
    /* Too small: nothing written, size reported. */
    memset(out, 0xAA, sizeof(out));
    assert_int_equal(kinesis_eventstream_encode(&h, 1, (const uint8_t *)"xy", 2, out, 49, &n),
                     KINESIS_E_BUFFER_TOO_SMALL);
    assert_int_equal(n, 16 + 1 + 12 + 1 + 2 + 16 + 2);
    for (size_t i = 0; i < sizeof(out); i++) assert_int_equal(out[i], 0xAA);
    assert_int_equal(kinesis_eventstream_encode(&h, 1, (const uint8_t *)"xy", 2, out, 50, &n),
                     KINESIS_OK);
    assert_int_equal(kinesis_eventstream_encode(NULL, 1, NULL, 0, out, sizeof(out), &n),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_eventstream_encode(NULL, 0, NULL, 1, out, sizeof(out), &n),
                     KINESIS_E_INVALID_ARGUMENT);
    kinesis_eventstream_header bad = h;
    bad.name_len = 256;
    assert_int_equal(kinesis_eventstream_encode(&bad, 1, NULL, 0, out, sizeof(out), &n),
                     KINESIS_E_INVALID_ARGUMENT);
    bad = h;
    bad.bytes_len = 65536;
    assert_int_equal(kinesis_eventstream_encode(&bad, 1, NULL, 0, out, sizeof(out), &n),
                     KINESIS_E_INVALID_ARGUMENT);
    bad = h;
    bad.bytes = NULL;
    assert_int_equal(kinesis_eventstream_encode(&bad, 1, NULL, 0, out, sizeof(out), &n),
                     KINESIS_E_INVALID_ARGUMENT);
    bad = h;
    bad.type = KINESIS_EVENTSTREAM_UUID; /* 16 bytes needed */
    bad.bytes_len = 15;
    assert_int_equal(kinesis_eventstream_encode(&bad, 1, NULL, 0, out, sizeof(out), &n),
                     KINESIS_E_INVALID_ARGUMENT);
    bad.bytes_len = 17;
    assert_int_equal(kinesis_eventstream_encode(&bad, 1, NULL, 0, out, sizeof(out), &n),
                     KINESIS_E_INVALID_ARGUMENT);
    bad = h;
    bad.type = (kinesis_eventstream_header_type)10;
    assert_int_equal(kinesis_eventstream_encode(&bad, 1, NULL, 0, out, sizeof(out), &n),
                     KINESIS_E_INVALID_ARGUMENT);
    bad = h;
    bad.name = NULL;
    assert_int_equal(kinesis_eventstream_encode(&bad, 1, NULL, 0, out, sizeof(out), &n),
                     KINESIS_E_INVALID_ARGUMENT);
}

static void error_strings(void **state) {
    (void)state;
    const char *seen[KINESIS_EVENTSTREAM_ERR_TRUNCATED + 1];
    for (int e = 0; e <= KINESIS_EVENTSTREAM_ERR_TRUNCATED; e++) {
        seen[e] = kinesis_eventstream_error_str((kinesis_eventstream_error)e);
        assert_non_null(seen[e]);
        assert_true(strlen(seen[e]) > 5);
        for (int k = 0; k < e; k++) assert_string_not_equal(seen[k], seen[e]);
    }
    assert_string_equal(kinesis_eventstream_error_str((kinesis_eventstream_error)999), "unknown");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_vectors),
        cmocka_unit_test(known_answer_frames),
        cmocka_unit_test(all_header_types),
        cmocka_unit_test(integer_extremes),
        cmocka_unit_test(message_kinds),
        cmocka_unit_test(subscribe_to_shard_fixture),
        cmocka_unit_test(stream_any_chunking),
        cmocka_unit_test(minimal_message),
        cmocka_unit_test(corrupted_crcs),
        cmocka_unit_test(truncated_every_length),
        cmocka_unit_test(bad_lengths),
        cmocka_unit_test(bad_headers),
        cmocka_unit_test(sticky_error_and_reset),
        cmocka_unit_test(callback_stops),
        cmocka_unit_test(allocation_failures),
        cmocka_unit_test(fixed_buffer),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(encoder_errors),
        cmocka_unit_test(error_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

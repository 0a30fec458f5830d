/* libFuzzer target for the event-stream decoder.
 *
 * Input: 4 control bytes, then the stream.
 *   ctl[0] bits 0-1: max message size (64, 300, 4096, 65536 bytes); bit 2: caller's fixed buffer
 *          instead of the allocator; bit 3: header limit half the message limit (else default);
 *          bit 4: the callback stops after the first message (the rest is fed again);
 *          bits 5-7: fail that allocation (1-7, 0 = none) once (the rest is fed again).
 *   ctl[1..3]: chunk sizes, used in turn (0 = everything left); ctl[3] bit 7 set: first repair
 *          the CRCs of every message the length fields delimit, so mutations reach the header
 *          parser instead of dying at a CRC check (ctl[3] & 0x7f is then its chunk size).
 * Checks, beyond the sanitizers: the chunked decode gives exactly the messages, status and error
 * detail of a one-shot decode; every message's views lie inside its raw bytes; re-encoding a
 * decoded message reproduces its raw bytes.
 *
 * The decoder's source is compiled into this target so libFuzzer's coverage instrumentation sees
 * it even when the library itself is built without -fsanitize=fuzzer-no-link. */
#include "../../lib/eventstream.c"

#include <stdlib.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

typedef struct run {
    size_t count;
    uint32_t digest; /* CRC of all raw messages, in order */
    int stop_first;
    uint8_t scratch[65536];
} run;

static int on_message(void *user, const kinesis_eventstream_message *m) {
    run *r = user;
    CHECK(m->raw_len >= KINESIS_EVENTSTREAM_MIN_MESSAGE_BYTES && m->raw_len <= sizeof(r->scratch));
    CHECK(m->payload >= m->raw + KINESIS_EVENTSTREAM_PRELUDE_BYTES);
    CHECK(m->payload + m->payload_len == m->raw + m->raw_len - 4);
    CHECK(m->header_count <= KINESIS_EVENTSTREAM_MAX_HEADERS);
    for (size_t i = 0; i < m->header_count; i++) {
        const kinesis_eventstream_header *h = &m->headers[i];
        CHECK((const uint8_t *)h->name > m->raw && (const uint8_t *)h->name < m->payload);
        CHECK(h->name_len >= 1 && (const uint8_t *)h->name + h->name_len <= m->payload);
        if (h->bytes) CHECK(h->bytes > m->raw && h->bytes + h->bytes_len <= m->payload);
    }
    /* Exercise the helpers. */
    (void)kinesis_eventstream_message_type(m);
    const char *s;
    size_t sl;
    int64_t v;
    if (kinesis_eventstream_get_string(m, ":event-type", &s, &sl)) CHECK(s != NULL);
    (void)kinesis_eventstream_get_int(m, ":date", &v);
    if (m->header_count) {
        char name[256];
        memcpy(name, m->headers[0].name, m->headers[0].name_len);
        name[m->headers[0].name_len] = 0;
        const kinesis_eventstream_header *h = kinesis_eventstream_find_header(m, name);
        /* Names are unique, unless the first one holds a NUL and matches a shorter one. */
        if (strlen(name) == m->headers[0].name_len) CHECK(h == &m->headers[0]);
    }
    /* The format has no slack: re-encoding gives the same bytes. */
    size_t n = 0;
    CHECK(kinesis_eventstream_encode(m->headers, m->header_count, m->payload, m->payload_len,
                                     r->scratch, sizeof(r->scratch), &n) == KINESIS_OK);
    CHECK(n == m->raw_len && memcmp(r->scratch, m->raw, n) == 0);
    r->digest = kinesis_eventstream_crc32(r->digest, m->raw, m->raw_len);
    r->count++;
    if (r->stop_first && r->count == 1) return 1;
    return 0;
}

/* An allocator that fails one chosen allocation. */
typedef struct flaky {
    long calls;
    long fail_at;
} flaky;
static void *flaky_alloc(void *user, size_t size) {
    flaky *f = user;
    if (++f->calls == f->fail_at) return NULL;
    return malloc(size ? size : 1);
}
static void *flaky_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
    flaky *f = user;
    (void)old_size;
    if (++f->calls == f->fail_at) return NULL;
    return realloc(ptr, new_size ? new_size : 1);
}
static void flaky_free(void *user, void *ptr) {
    (void)user;
    free(ptr);
}

static uint8_t fixed[65536];

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Recompute both CRCs of each message the (possibly mutated) length fields delimit. */
static void repair_crcs(uint8_t *p, size_t len) {
    size_t pos = 0;
    while (len - pos >= KINESIS_EVENTSTREAM_PRELUDE_BYTES) {
        uint8_t *m = p + pos;
        put_be32(m + 8, kinesis_eventstream_crc32(0, m, 8));
        uint32_t total = load_be32(m);
        if (total < KINESIS_EVENTSTREAM_MIN_MESSAGE_BYTES || total > len - pos) break;
        put_be32(m + total - 4, kinesis_eventstream_crc32(0, m, total - 4));
        pos += total;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    const uint8_t *ctl = data;
    size_t len = size - 4;
    uint8_t *copy = malloc(len ? len : 1);
    CHECK(copy != NULL);
    if (len) memcpy(copy, data + 4, len);
    uint8_t chunk_sizes[3] = {ctl[1], ctl[2], ctl[3]};
    if (ctl[3] & 0x80) {
        repair_crcs(copy, len);
        chunk_sizes[2] &= 0x7f;
    }
    const uint8_t *stream = copy;
    static const uint32_t max_sizes[4] = {64, 300, 4096, 65536};
    uint32_t max_message = max_sizes[ctl[0] & 3];
    kinesis_eventstream_decoder_options opts = {
        .max_message_bytes = max_message,
        .max_headers_bytes = (ctl[0] & 8) ? max_message / 2 : 0,
    };

    /* Reference: the whole stream in one call. */
    run *whole = calloc(1, sizeof(run));
    kinesis_eventstream_decoder dec;
    CHECK(kinesis_eventstream_decoder_init(&dec, &opts) == KINESIS_OK);
    kinesis_status st_whole =
        kinesis_eventstream_decoder_feed(&dec, stream, len, on_message, whole, NULL);
    if (st_whole == KINESIS_OK) st_whole = kinesis_eventstream_decoder_finish(&dec);
    kinesis_eventstream_error err_whole = kinesis_eventstream_decoder_error(&dec);
    CHECK(st_whole == KINESIS_OK || st_whole == KINESIS_E_EVENT_STREAM);
    CHECK((st_whole == KINESIS_OK) == (err_whole == KINESIS_EVENTSTREAM_ERR_NONE));
    kinesis_eventstream_decoder_clean_up(&dec);

    /* Chunked, maybe stopping and failing allocations, resuming each time. */
    run *chunked = calloc(1, sizeof(run));
    chunked->stop_first = (ctl[0] & 16) != 0;
    flaky fl = {0, ctl[0] >> 5};
    kinesis_allocator alloc = {flaky_alloc, flaky_realloc, flaky_free, &fl};
    opts.allocator = &alloc;
    if (ctl[0] & 4) {
        opts.buffer = fixed;
        opts.buffer_cap = max_message;
    }
    CHECK(kinesis_eventstream_decoder_init(&dec, &opts) == KINESIS_OK);
    kinesis_status st = KINESIS_OK;
    size_t pos = 0, turn = 0, retries = 0;
    while (pos < len) {
        size_t n = chunk_sizes[turn++ % 3];
        if (n == 0 || n > len - pos) n = len - pos;
        size_t used = 0;
        st = kinesis_eventstream_decoder_feed(&dec, stream + pos, n, on_message, chunked, &used);
        CHECK(used <= n);
        pos += used;
        if (st == KINESIS_E_CANCELLED || st == KINESIS_E_NO_MEMORY) {
            CHECK(++retries <= 2); /* one stop, one failed allocation at most */
            st = KINESIS_OK;
            continue;
        }
        if (st != KINESIS_OK) break;
        CHECK(used == n);
    }
    if (st == KINESIS_OK) st = kinesis_eventstream_decoder_finish(&dec);
    CHECK(st == st_whole);
    CHECK(kinesis_eventstream_decoder_error(&dec) == err_whole);
    CHECK(chunked->count == whole->count && chunked->digest == whole->digest);
    /* Sticky. */
    if (st != KINESIS_OK) {
        CHECK(kinesis_eventstream_decoder_feed(&dec, stream, len, on_message, chunked, NULL) == st);
        CHECK(kinesis_eventstream_decoder_finish(&dec) == st);
    }
    kinesis_eventstream_decoder_clean_up(&dec);
    free(whole);
    free(chunked);
    free(copy);
    return 0;
}

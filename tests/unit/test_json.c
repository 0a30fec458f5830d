/* The JSON layer: DOM parsing of valid, malformed and hostile input, allocation failure at every
 * point (yajl itself cannot report one), and the writer's escaping. */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "json.h"

static const char *doc_text = "{\"a\":[1,2.5,\"x\\u00e9\\n\",true,false,null,{\"b\":{}}],"
                              "\"StreamName\":\"s\",\"n\":-12,\"deep\":[[[[1]]]]}";

static void parses_a_document(void **state) {
    (void)state;
    test_allocator t;
    test_allocator_init(&t);
    kinesis_arena *arena = kinesis_arena_new(&t.base);
    kjson *doc;
    kinesis_error err;
    assert_int_equal(kjson_parse(arena, doc_text, strlen(doc_text), &doc, &err), KINESIS_OK);
    const kjson *a = kjson_get_array(doc, "a");
    assert_non_null(a);
    assert_int_equal(a->count, 7);
    assert_string_equal(a->items[2]->str, "x\xc3\xa9\n");
    assert_int_equal(a->items[5]->type, KJSON_NULL);
    assert_string_equal(kjson_get_string(doc, "StreamName"), "s");
    int64_t n;
    assert_true(kjson_get_int64(doc, "n", &n));
    assert_int_equal(n, -12);
    assert_null(kjson_get_string(doc, "missing"));
    assert_null(kjson_get_string(doc, "n")); /* wrong type reads as absent */
    kinesis_arena_destroy(arena);
    assert_int_equal(t.live, 0);
}

static void refuses_bad_input(void **state) {
    (void)state;
    const char *bad[] = {"",           "{",   "{\"a\":}",     "[1,]",
                         "{\"a\":1}x", "nul", "\"\\ud800\"x", "{\"a\":\"\x01\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        kinesis_arena *arena = kinesis_arena_new(NULL);
        kjson *doc = NULL;
        kinesis_error err;
        kinesis_error_clear(&err);
        kinesis_status st = kjson_parse(arena, bad[i], strlen(bad[i]), &doc, &err);
        if (st != KINESIS_E_BAD_RESPONSE) fail_msg("input %zu accepted", i);
        assert_null(doc);
        assert_true(strlen(err.message) > 0);
        kinesis_arena_destroy(arena);
    }
}

/* Fail the Nth allocation for every N: always KINESIS_E_NO_MEMORY or success, never a crash,
 * and nothing leaks. */
static void allocation_failure_anywhere(void **state) {
    (void)state;
    long needed = 0;
    {
        test_allocator t;
        test_allocator_init(&t);
        kinesis_arena *arena = kinesis_arena_new(&t.base);
        kjson *doc;
        kinesis_error err;
        assert_int_equal(kjson_parse(arena, doc_text, strlen(doc_text), &doc, &err), KINESIS_OK);
        kinesis_arena_destroy(arena);
        needed = t.total;
    }
    assert_true(needed > 3);
    for (long fail_at = 1; fail_at <= needed; fail_at++) {
        test_allocator t;
        test_allocator_init(&t);
        t.fail_at = fail_at;
        kinesis_arena *arena = kinesis_arena_new(&t.base);
        if (!arena) continue;
        kjson *doc = NULL;
        kinesis_error err;
        kinesis_status st = kjson_parse(arena, doc_text, strlen(doc_text), &doc, &err);
        if (st != KINESIS_OK && st != KINESIS_E_NO_MEMORY)
            fail_msg("fail_at %ld: %s", fail_at, kinesis_status_name(st));
        kinesis_arena_destroy(arena);
        if (t.live != 0) fail_msg("fail_at %ld leaked %ld blocks", fail_at, t.live);
    }
}

static void writer_escapes(void **state) {
    (void)state;
    kinesis_buf b;
    kinesis_buf_init(&b, NULL);
    kjson_append_string(&b, "a\"b\\c\n\x01\xc3\xa9", 9);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    kinesis_buf_reset(&b);
    kjson_append_base64(&b, (const uint8_t *)"hello", 5);
    assert_string_equal(b.data, "\"aGVsbG8=\"");
    kinesis_buf_reset(&b);
    kjson_append_double(&b, 1700000000.25);
    assert_string_equal(b.data, "1700000000.25");
    kinesis_buf_clean_up(&b);
}

/* The fast scanners' string prefix stops at exactly the first quote, backslash or control
 * byte, wherever it lies in the sixteen- and eight-byte steps (lengths up to 32 take both), and
 * at nothing else (0x20, 0x7f, UTF-8). */
static void plain_prefix_stops_at_the_first_stop_byte(void **state) {
    (void)state;
    const unsigned char stops[] = {'"', '\\', 0x00, 0x01, 0x1f};
    const unsigned char passes[] = {' ', 'a', '!', '#', '[', ']', 0x7f, 0x80, 0xc3, 0xff};
    char buf[40];
    for (size_t len = 0; len <= 32; len++) {
        for (size_t k = 0; k < sizeof(passes); k++) {
            memset(buf, (char)passes[k], sizeof(buf));
            assert_int_equal(kjson_plain_prefix(buf, len), len);
        }
        for (size_t at = 0; at < len; at++) {
            for (size_t k = 0; k < sizeof(stops); k++) {
                for (size_t f = 0; f < sizeof(passes); f++) {
                    memset(buf, (char)passes[f], sizeof(buf));
                    buf[at] = (char)stops[k];
                    /* A second stop byte later never wins over the first. */
                    if (at + 1 < len) buf[len - 1] = (char)stops[(k + 1) % sizeof(stops)];
                    assert_int_equal(kjson_plain_prefix(buf, len), at);
                }
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_a_document),
        cmocka_unit_test(refuses_bad_input),
        cmocka_unit_test(allocation_failure_anywhere),
        cmocka_unit_test(writer_escapes),
        cmocka_unit_test(plain_prefix_stops_at_the_first_stop_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the CLI's shorthand parser and shape-typed request building. The CLI is not part
 * of the library, so its sources are compiled into this test directly (they depend only on
 * yajl). */
#define _POSIX_C_SOURCE 200809L /* strndup */

#include "../../lib/cli/commands_table.c"
#include "../../lib/cli/shorthand.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static const cli_shape *member_shape(const char *command, const char *member) {
    for (size_t i = 0; i < cli_command_count; i++) {
        if (strcmp(cli_commands[i].name, command) != 0) continue;
        const cli_shape *in = cli_commands[i].input;
        for (size_t m = 0; m < in->member_count; m++)
            if (strcmp(in->members[m].name, member) == 0) return in->members[m].shape;
    }
    fail_msg("no member %s of %s", member, command);
    return NULL;
}

/* shorthand -> untyped JSON, compared as text */
static void expect_shorthand(const char *text, const char *json) {
    char err[256] = "";
    char *out = cli_shorthand_to_json(text, err, sizeof err);
    if (!out) fail_msg("shorthand %s: %s", text, err);
    if (strcmp(out, json) != 0) fail_msg("shorthand %s -> %s, expected %s", text, out, json);
    free(out);
}

static void expect_shorthand_error(const char *text) {
    char err[256] = "";
    char *out = cli_shorthand_to_json(text, err, sizeof err);
    if (out) fail_msg("shorthand %s parsed as %s", text, out);
    assert_true(err[0] != '\0');
}

/* option arguments -> typed JSON */
static char *emit(const cli_shape *shape, char **args, size_t n, char *err, size_t cap) {
    yajl_gen g = yajl_gen_alloc(NULL);
    assert_non_null(g);
    char *out = NULL;
    if (cli_emit_arguments(shape, "--opt", args, n, g, err, cap) == 0) {
        const unsigned char *buf;
        size_t len;
        assert_int_equal(yajl_gen_get_buf(g, &buf, &len), yajl_gen_status_ok);
        out = strndup((const char *)buf, len);
    }
    yajl_gen_free(g);
    return out;
}

static void expect_emit(const cli_shape *shape, const char *json, size_t n, ...) {
    char *args[16];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) args[i] = va_arg(ap, char *);
    va_end(ap);
    char err[256] = "";
    char *out = emit(shape, args, n, err, sizeof err);
    if (!out) fail_msg("%s: %s", args[0], err);
    if (strcmp(out, json) != 0) fail_msg("%s -> %s, expected %s", args[0], out, json);
    free(out);
}

static void expect_emit_error(const cli_shape *shape, const char *needle, size_t n, ...) {
    char *args[16];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) args[i] = va_arg(ap, char *);
    va_end(ap);
    char err[256] = "";
    char *out = emit(shape, args, n, err, sizeof err);
    if (out) fail_msg("%s accepted as %s", args[0], out);
    if (!strstr(err, needle)) fail_msg("%s: error '%s' lacks '%s'", args[0], err, needle);
}

static void test_shorthand_basic(void **state) {
    (void)state;
    expect_shorthand("a=1,b=two", "{\"a\":\"1\",\"b\":\"two\"}");
    expect_shorthand(" a = 1 , b = x y ", "{\"a\":\"1\",\"b\":\"x y\"}");
    expect_shorthand("Type=LATEST", "{\"Type\":\"LATEST\"}");
    expect_shorthand("k=", "{\"k\":\"\"}");
    /* base64 padding keeps its '=' */
    expect_shorthand("Data=aGVsbG8=,PartitionKey=k",
                     "{\"Data\":\"aGVsbG8=\",\"PartitionKey\":\"k\"}");
    expect_shorthand("Data=eA==", "{\"Data\":\"eA==\"}");
    /* nested structures and explicit lists */
    expect_shorthand("A={B=1,C={D=2}},E=x",
                     "{\"A\":{\"B\":\"1\",\"C\":{\"D\":\"2\"}},\"E\":\"x\"}");
    expect_shorthand("L=[a,b],M=[]", "{\"L\":[\"a\",\"b\"],\"M\":[]}");
    expect_shorthand("L=[{a=1},{a=2}]", "{\"L\":[{\"a\":\"1\"},{\"a\":\"2\"}]}");
    expect_shorthand("E={}", "{\"E\":{}}");
    /* implicit lists: values after a comma that are not key= */
    expect_shorthand("a=1,b", "{\"a\":[\"1\",\"b\"]}");
    expect_shorthand("L=a,b,c,K=d", "{\"L\":[\"a\",\"b\",\"c\"],\"K\":\"d\"}");
    /* quoting and escapes */
    expect_shorthand("k='a,b=c',j=\"x}y\"", "{\"k\":\"a,b=c\",\"j\":\"x}y\"}");
    expect_shorthand("k='it\\'s'", "{\"k\":\"it's\"}");
    expect_shorthand("k=a\\,b", "{\"k\":\"a,b\"}");
    expect_shorthand("k=\"\\\"q\\\"\"", "{\"k\":\"\\\"q\\\"\"}");
    /* unicode passes through */
    expect_shorthand("k=\xc3\xa9t\xc3\xa9", "{\"k\":\"\xc3\xa9t\xc3\xa9\"}");
}

static void test_shorthand_errors(void **state) {
    (void)state;
    expect_shorthand_error("novalue");
    expect_shorthand_error("=x");
    expect_shorthand_error("k='unterminated");
    expect_shorthand_error("k={a=1");
    expect_shorthand_error("k=[a,b");
    expect_shorthand_error("k='q'x");
    expect_shorthand_error("a={b=1}x");
    /* deep nesting is refused, not a stack overflow */
    char deep[4000];
    size_t n = 0;
    for (int i = 0; i < 500; i++) n += (size_t)sprintf(deep + n, "a={");
    deep[n] = '\0';
    expect_shorthand_error(deep);
    char deep_list[2000];
    memset(deep_list, '[', sizeof deep_list - 1);
    deep_list[0] = 'k';
    deep_list[1] = '=';
    deep_list[sizeof deep_list - 1] = '\0';
    expect_shorthand_error(deep_list);
}

static void test_typed_scalars(void **state) {
    (void)state;
    const cli_shape *count = member_shape("create-stream", "ShardCount");
    expect_emit(count, "2", 1, "2");
    expect_emit_error(count, "integer", 1, "two");
    expect_emit_error(count, "integer", 1, "2.5");
    expect_emit_error(count, "integer", 1, "");
    expect_emit_error(count, "minimum", 1, "0");
    expect_emit_error(count, "integer", 1, "99999999999");
    expect_emit_error(count, "one value", 2, "1", "2");
    const cli_shape *pk = member_shape("put-record", "PartitionKey");
    expect_emit(pk, "\"k\"", 1, "k");
    expect_emit_error(pk, "minimum", 1, "");
    char long_key[300];
    memset(long_key, 'x', 257);
    long_key[257] = '\0';
    expect_emit_error(pk, "maximum", 1, long_key);
    long_key[256] = '\0';
    char *ok = emit(pk, (char *[]){long_key}, 1, (char[64]){0}, 64);
    assert_non_null(ok);
    free(ok);
    /* 256 two-byte characters are 256 characters, not 512 */
    char wide[600] = "";
    for (int i = 0; i < 256; i++) strcat(wide, "\xc3\xa9");
    ok = emit(pk, (char *[]){wide}, 1, (char[64]){0}, 64);
    assert_non_null(ok);
    free(ok);
    expect_emit_error(pk, "UTF-8", 1, "\xff");
    const cli_shape *ts = member_shape("get-shard-iterator", "Timestamp");
    expect_emit(ts, "1714564800", 1, "2024-05-01T12:00:00Z");
    expect_emit(ts, "1714564800", 1, "2024-05-01 14:00:00+02:00");
    expect_emit(ts, "1714564800.25", 1, "1714564800.25");
    expect_emit(ts, "1714521600", 1, "2024-05-01");
    expect_emit_error(ts, "timestamp", 1, "2024-02-30");
    expect_emit_error(ts, "timestamp", 1, "tomorrow");
    expect_emit_error(ts, "timestamp", 1, "0x10");
    const cli_shape *flag = member_shape("delete-stream", "EnforceConsumerDeletion");
    expect_emit(flag, "true", 1, "true");
    expect_emit_error(flag, "true or false", 1, "yes");
}

static void test_typed_compound(void **state) {
    (void)state;
    const cli_shape *tags = member_shape("add-tags-to-stream", "Tags");
    expect_emit(tags, "{\"a\":\"1\",\"b\":\"2\"}", 1, "a=1,b=2");
    expect_emit(tags, "{\"a\":\"1\"}", 1, "{\"a\": \"1\"}");
    expect_emit_error(tags, "expected a string", 1, "{\"a\": 1}");
    expect_emit_error(tags, "invalid JSON", 1, "{\"a\": ");
    expect_emit_error(tags, "minimum", 1, "{}");
    const cli_shape *pos = member_shape("subscribe-to-shard", "StartingPosition");
    expect_emit(pos, "{\"Type\":\"AT_TIMESTAMP\",\"Timestamp\":1704067200}", 1,
                "Type=AT_TIMESTAMP,Timestamp=2024-01-01");
    expect_emit(pos, "{\"Type\":\"LATEST\"}", 1, "{\"Type\":\"LATEST\"}");
    expect_emit_error(pos, "unknown parameter \"Typo\"", 1, "Typo=LATEST");
    expect_emit_error(pos, "missing required parameter \"Type\"", 1, "SequenceNumber=1");
    expect_emit_error(pos, "structure", 1, "[1]");
    const cli_shape *metrics = member_shape("enable-enhanced-monitoring", "ShardLevelMetrics");
    expect_emit(metrics, "[\"IncomingBytes\",\"OutgoingBytes\"]", 2, "IncomingBytes",
                "OutgoingBytes");
    expect_emit(metrics, "[\"A\",\"B\",\"C\"]", 2, "A,B", "C");
    expect_emit(metrics, "[\"A,B\"]", 1, "'A,B'");
    expect_emit(metrics, "[\"ALL\"]", 1, "[\"ALL\"]");
    const cli_shape *records = member_shape("put-records", "Records");
    expect_emit(records,
                "[{\"Data\":\"eA==\",\"PartitionKey\":\"a\"},{\"Data\":\"eQ==\",\"PartitionKey\":"
                "\"b\",\"ExplicitHashKey\":\"5\"}]",
                2, "Data=eA==,PartitionKey=a", "Data=eQ==,PartitionKey=b,ExplicitHashKey=5");
    expect_emit(records, "[{\"Data\":\"eA==\",\"PartitionKey\":\"a\"}]", 1,
                "[{\"Data\":\"eA==\",\"PartitionKey\":\"a\"}]");
    expect_emit(records, "[{\"Data\":\"eA==\",\"PartitionKey\":\"a\"}]", 1,
                "{\"Data\":\"eA==\",\"PartitionKey\":\"a\"}");
    expect_emit_error(records, "PartitionKey", 1, "Data=eA==");
    expect_emit_error(records, "minimum", 1, "[]");
}

static void test_timestamps_and_utf8(void **state) {
    (void)state;
    double t;
    assert_int_equal(cli_parse_timestamp("1970-01-01T00:00:00Z", &t), 0);
    assert_true(t == 0);
    assert_int_equal(cli_parse_timestamp("2000-02-29T23:59:59.5-01:30", &t), 0);
    assert_true(t == 951868799.5 + 5400);
    assert_int_equal(cli_parse_timestamp("1969-12-31T23:59:59Z", &t), 0);
    assert_true(t == -1);
    assert_int_equal(cli_parse_timestamp("2100-02-29", &t), -1);
    assert_int_equal(cli_parse_timestamp("2024-13-01", &t), -1);
    assert_int_equal(cli_parse_timestamp("2024-01-01T25:00", &t), -1);
    assert_int_equal(cli_parse_timestamp("2024-01-01T10:00Zjunk", &t), -1);
    assert_int_equal(cli_parse_timestamp("", &t), -1);
    assert_int_equal(cli_utf8_length("abc", 3), 3);
    assert_int_equal(cli_utf8_length("\xe2\x9c\x93", 3), 1);
    assert_int_equal(cli_utf8_length("\xf0\x9f\x98\x80", 4), 1);
    assert_int_equal(cli_utf8_length("\xc0\x80", 2), -1);     /* overlong */
    assert_int_equal(cli_utf8_length("\xed\xa0\x80", 3), -1); /* surrogate */
    assert_int_equal(cli_utf8_length("\xe2\x9c", 2), -1);     /* truncated */
}

/* Random and mutated input never crashes the parser (ASan/UBSan watch). */
static void test_shorthand_garbage(void **state) {
    (void)state;
    static const char alphabet[] = "ab=,{}[]'\"\\ x1";
    uint32_t seed = 12345;
    char buf[64];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)(iter % 40);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        buf[len] = '\0';
        char err[128];
        char *out = cli_shorthand_to_json(buf, err, sizeof err);
        if (out) {
            /* whatever it produced is valid JSON */
            yajl_val v = yajl_tree_parse(out, err, sizeof err);
            if (!v) fail_msg("'%s' produced invalid JSON %s", buf, out);
            yajl_tree_free(v);
            free(out);
        }
        char *args[1] = {buf};
        char *typed =
            emit(member_shape("subscribe-to-shard", "StartingPosition"), args, 1, err, sizeof err);
        free(typed);
    }
}

static void test_table(void **state) {
    (void)state;
    assert_int_equal(cli_command_count, 39);
    for (size_t i = 0; i < cli_command_count; i++) {
        const cli_command_def *d = &cli_commands[i];
        assert_non_null(d->input);
        assert_int_equal(d->input->type, CLI_T_STRUCTURE);
        for (size_t m = 0; m < d->input->member_count; m++)
            assert_true(strncmp(d->input->members[m].option, "--", 2) == 0);
    }
    assert_int_equal(member_shape("put-record", "Data")->type, CLI_T_BLOB);
    assert_int_equal(member_shape("list-shards", "ShardFilter")->type, CLI_T_STRUCTURE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shorthand_basic),
        cmocka_unit_test(test_shorthand_errors),
        cmocka_unit_test(test_typed_scalars),
        cmocka_unit_test(test_typed_compound),
        cmocka_unit_test(test_timestamps_and_utf8),
        cmocka_unit_test(test_shorthand_garbage),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Shared config/credentials file parsing. Expected values were checked against botocore's
 * raw_config_parse/build_profile_map on the same inputs. */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "profile_internal.h"

typedef struct lookup {
    const char *section; /* profile name (or raw section for the credentials kind) */
    const char *key;
    const char *sub;  /* nested sub-key, or NULL */
    const char *want; /* NULL = absent */
} lookup;

typedef struct parse_case {
    const char *name;
    const char *text;
    kinesis_profile_kind kind;
    lookup lookups[4];
} parse_case;

static const parse_case good_cases[] = {
    {"basic",
     "[default]\nregion = us-east-1\n",
     KINESIS_PROFILE_CONFIG_FILE,
     {{"default", "region", NULL, "us-east-1"}, {"default", "output", NULL, NULL}}},
    {"comments and inline text",
     "# comment\n; other\n[default]\n   # indented comment\nregion=eu-west-1 # kept\n",
     KINESIS_PROFILE_CONFIG_FILE,
     {{"default", "region", NULL, "eu-west-1 # kept"}}},
    {"crlf",
     "[default]\r\naws_access_key_id = AKID\r\naws_secret_access_key = SECRET\r\n",
     KINESIS_PROFILE_CREDENTIALS_FILE,
     {{"default", "aws_access_key_id", NULL, "AKID"},
      {"default", "aws_secret_access_key", NULL, "SECRET"}}},
    {"bare cr",
     "[default]\rk = v\rj=w\r",
     KINESIS_PROFILE_CREDENTIALS_FILE,
     {{"default", "k", NULL, "v"}, {"default", "j", NULL, "w"}}},
    {"no final newline, tabs, colon, upper-case key",
     "[default]\n\tREGION:\tap-south-1\n\tk = a:b=c",
     KINESIS_PROFILE_CONFIG_FILE,
     {{"default", "region", NULL, "ap-south-1"}, {"default", "k", NULL, "a:b=c"}}},
    {"colon before equals",
     "[default]\nk:v=w\n",
     KINESIS_PROFILE_CONFIG_FILE,
     {{"default", "k", NULL, "v=w"}}},
    {"profiles with spaces (config)",
     "[profile \"my profile\"]\nregion = r1\n[profile   spaced  ]\nregion = r2\n"
     "[profile a b]\nregion = r3\n[profile 'q\"x']\nregion = r4\n",
     KINESIS_PROFILE_CONFIG_FILE,
     {{"my profile", "region", NULL, "r1"},
      {"spaced", "region", NULL, "r2"},
      {"a", "region", NULL, NULL},
      {"q\"x", "region", NULL, "r4"}}},
    {"profiles with spaces (credentials)",
     "[my profile]\naws_access_key_id = A\n[profile x]\naws_access_key_id = B\n",
     KINESIS_PROFILE_CREDENTIALS_FILE,
     {{"my profile", "aws_access_key_id", NULL, "A"},
      {"x", "aws_access_key_id", NULL, NULL},
      {"profile x", "aws_access_key_id", NULL, "B"}}},
    {"config needs the profile prefix",
     "[foo]\nregion = r\n[default]\nregion = d\n",
     KINESIS_PROFILE_CONFIG_FILE,
     {{"foo", "region", NULL, NULL}, {"default", "region", NULL, "d"}}},
    {"last of [default] and [profile default] wins",
     "[default]\nregion = one\n[profile default]\nregion = two\n",
     KINESIS_PROFILE_CONFIG_FILE,
     {{"default", "region", NULL, "two"}}},
    {"multi-line value",
     "[default]\nkey = a\n  b\n\n  c\n# x\n  d\n\nnext = 1\n",
     KINESIS_PROFILE_CREDENTIALS_FILE,
     {{"default", "key", NULL, "a\nb\n\nc\nd"}, {"default", "next", NULL, "1"}}},
    {"nested sub-section",
     "[default]\ns3 =\n  endpoint_url = http://s3\nkinesis =\n\n  endpoint_url = http://a\n"
     "  endpoint_url = http://b\n  Other=1\nregion = r\n",
     KINESIS_PROFILE_CREDENTIALS_FILE,
     {{"default", "kinesis", "endpoint_url", "http://b"},
      {"default", "kinesis", "Other", "1"},
      {"default", "kinesis", NULL, NULL},
      {"default", "region", NULL, "r"}}},
    {"same indentation is not a continuation",
     "[default]\n  k = 1\n  j = 2\n",
     KINESIS_PROFILE_CREDENTIALS_FILE,
     {{"default", "k", NULL, "1"}, {"default", "j", NULL, "2"}}},
    {"DEFAULT is inherited",
     "[DEFAULT]\nregion = r0\n[default]\nk=1\n[DEFAULT]\nout = x\n",
     KINESIS_PROFILE_CREDENTIALS_FILE,
     {{"default", "region", NULL, "r0"},
      {"default", "out", NULL, "x"},
      {"DEFAULT", "k", NULL, NULL}}},
    {"section header up to the last bracket",
     "[a]b] trailing\nk=1\n[ default ]\nk=2\n",
     KINESIS_PROFILE_CREDENTIALS_FILE,
     {{"a]b", "k", NULL, "1"}, {" default ", "k", NULL, "2"}, {"default", "k", NULL, NULL}}},
    {"empty values are absent",
     "[default]\nregion =\nk = \n",
     KINESIS_PROFILE_CONFIG_FILE,
     {{"default", "region", NULL, NULL}, {"default", "k", NULL, NULL}}},
    {"byte order mark",
     "\xEF\xBB\xBF[default]\nk=1\n",
     KINESIS_PROFILE_CREDENTIALS_FILE,
     {{"default", "k", NULL, "1"}}},
    {"empty file", "", KINESIS_PROFILE_CONFIG_FILE, {{"default", "region", NULL, NULL}}},
};

static void parses_like_botocore(void **state) {
    (void)state;
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(good_cases); i++) {
        const parse_case *c = &good_cases[i];
        test_allocator ta;
        test_allocator_init(&ta);
        kinesis_profile_file f;
        kinesis_error err;
        kinesis_error_clear(&err);
        kinesis_status st =
            kinesis_profile_parse(c->text, strlen(c->text), "t.ini", &ta.base, &f, &err);
        if (st != KINESIS_OK) fail_msg("%s: %s", c->name, err.message);
        for (size_t k = 0; k < KINESIS_ARRAY_LEN(c->lookups) && c->lookups[k].section; k++) {
            const lookup *l = &c->lookups[k];
            int32_t s = kinesis_profile_find(&f, c->kind, l->section);
            const char *got = l->sub ? kinesis_profile_get_nested(&f, s, l->key, l->sub)
                                     : kinesis_profile_get(&f, s, l->key);
            if (!l->want && got)
                fail_msg("%s: %s.%s: want absent, got '%s'", c->name, l->section, l->key, got);
            if (l->want && (!got || strcmp(got, l->want) != 0))
                fail_msg("%s: %s.%s: want '%s', got '%s'", c->name, l->section, l->key, l->want,
                         got ? got : "(null)");
        }
        kinesis_profile_clean_up(&f);
        assert_int_equal(ta.live, 0);
    }
}

typedef struct bad_case {
    const char *text;
    size_t len; /* 0 = strlen */
    const char *want;
} bad_case;

static const bad_case bad_cases[] = {
    {"region = x\n", 0, "t.ini:1:"},
    {"\n\n[default]\nfoo SECRETVALUE\n", 0, "t.ini:4:"},
    {"[default]\n= SECRETVALUE\n", 0, "t.ini:2:"},
    {"[a]\n\n[a]\n", 0, "t.ini:3: section appears twice"},
    {"[a]\nk=1\n[b]\nk=1\n[a ]\nK=SECRETVALUE\nk=3\n", 0, "t.ini:7: key appears twice"},
    {"[default]\nkinesis =\n  endpoint_url = x\n  SECRETVALUE\n", 0, "t.ini:4:"},
    {"[]\n", 0, "t.ini:1:"},
    {"[default]\r\nk=1\r\nk\0=2\r\n", 22, "t.ini:3: NUL"},
};

static void malformed_files_name_the_line(void **state) {
    (void)state;
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(bad_cases); i++) {
        const bad_case *c = &bad_cases[i];
        test_allocator ta;
        test_allocator_init(&ta);
        kinesis_profile_file f;
        kinesis_error err;
        kinesis_error_clear(&err);
        size_t len = c->len ? c->len : strlen(c->text);
        kinesis_status st = kinesis_profile_parse(c->text, len, "t.ini", &ta.base, &f, &err);
        if (st != KINESIS_E_CONFIG) fail_msg("case %zu: status %d", i, (int)st);
        if (!strstr(err.message, c->want))
            fail_msg("case %zu: message '%s' lacks '%s'", i, err.message, c->want);
        assert_null(strstr(err.message, "SECRETVALUE"));
        assert_int_equal(f.section_count, 0);
        assert_int_equal(ta.live, 0);
    }
}

static void allocation_failures_are_clean(void **state) {
    (void)state;
    const char *text = "[a]\nk=1\nj =\n  x = y\n[b]\nk=2\n";
    for (long n = 1;; n++) {
        test_allocator ta;
        test_allocator_init(&ta);
        ta.fail_at = n;
        kinesis_profile_file f;
        kinesis_error err;
        kinesis_status st = kinesis_profile_parse(text, strlen(text), "t.ini", &ta.base, &f, &err);
        if (st == KINESIS_OK) {
            assert_true(n > 3);
            assert_string_equal(
                kinesis_profile_get_nested(&f, kinesis_profile_find(&f, 0, "a"), "j", "x"), "y");
            kinesis_profile_clean_up(&f);
            assert_int_equal(ta.live, 0);
            break;
        }
        assert_int_equal(st, KINESIS_E_NO_MEMORY);
        assert_int_equal(ta.live, 0);
    }
}

static void files_on_disk(void **state) {
    (void)state;
    test_allocator ta;
    test_allocator_init(&ta);
    kinesis_profile_file f;
    kinesis_error err;
    kinesis_error_clear(&err);
    /* missing file and directory: not errors */
    assert_int_equal(kinesis_profile_load("/nonexistent/dir/config", &ta.base, &f, &err),
                     KINESIS_OK);
    assert_true(f.missing);
    assert_int_equal(kinesis_profile_find(&f, KINESIS_PROFILE_CONFIG_FILE, "default"), -1);
    kinesis_profile_clean_up(&f);
    assert_int_equal(kinesis_profile_load("/tmp", &ta.base, &f, &err), KINESIS_OK);
    assert_true(f.missing);
    kinesis_profile_clean_up(&f);
    /* the checked-in fixture */
    const char *path = test_data_path("profiles/config");
    assert_int_equal(kinesis_profile_load(path, &ta.base, &f, &err), KINESIS_OK);
    assert_false(f.missing);
    int32_t s = kinesis_profile_find(&f, KINESIS_PROFILE_CONFIG_FILE, "with space");
    assert_true(s >= 0);
    assert_string_equal(kinesis_profile_get(&f, s, "region"), "eu-central-1");
    kinesis_profile_clean_up(&f);
    /* a malformed fixture names its path and line */
    path = test_data_path("profiles/malformed");
    assert_int_equal(kinesis_profile_load(path, &ta.base, &f, &err), KINESIS_E_CONFIG);
    assert_non_null(strstr(err.message, "profiles/malformed:4:"));
    /* allocation failure while reading */
    path = test_data_path("profiles/config");
    for (long n = 1;; n++) {
        test_allocator tb;
        test_allocator_init(&tb);
        tb.fail_at = n;
        kinesis_status st = kinesis_profile_load(path, &tb.base, &f, &err);
        kinesis_profile_clean_up(&f);
        assert_int_equal(tb.live, 0);
        if (st == KINESIS_OK) break;
        assert_int_equal(st, KINESIS_E_NO_MEMORY);
    }
    assert_int_equal(ta.live, 0);
}

static void paths_from_env(void **state) {
    (void)state;
    test_allocator ta;
    test_allocator_init(&ta);
    char *p = NULL;
    setenv("HOME", "/home/u", 1);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    assert_int_equal(kinesis_profile_config_path(&ta.base, &p, NULL), KINESIS_OK);
    assert_string_equal(p, "/home/u/.aws/config");
    kinesis_mem_free(&ta.base, p);
    assert_int_equal(kinesis_profile_credentials_path(&ta.base, &p, NULL), KINESIS_OK);
    assert_string_equal(p, "/home/u/.aws/credentials");
    kinesis_mem_free(&ta.base, p);
    setenv("AWS_CONFIG_FILE", "~/cfg", 1);
    assert_int_equal(kinesis_profile_config_path(&ta.base, &p, NULL), KINESIS_OK);
    assert_string_equal(p, "/home/u/cfg");
    kinesis_mem_free(&ta.base, p);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/etc/creds", 1);
    assert_int_equal(kinesis_profile_credentials_path(&ta.base, &p, NULL), KINESIS_OK);
    assert_string_equal(p, "/etc/creds");
    kinesis_mem_free(&ta.base, p);
    unsetenv("HOME");
    unsetenv("AWS_CONFIG_FILE");
    assert_int_equal(kinesis_profile_config_path(&ta.base, &p, NULL), KINESIS_OK);
    assert_null(p);
    ta.fail_at = ta.total + 1;
    assert_int_equal(kinesis_profile_credentials_path(&ta.base, &p, NULL), KINESIS_E_NO_MEMORY);
    assert_null(p);
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    /* profile name */
    unsetenv("AWS_PROFILE");
    assert_string_equal(kinesis_profile_name(NULL), "default");
    setenv("AWS_PROFILE", "", 1);
    assert_string_equal(kinesis_profile_name(NULL), "default");
    setenv("AWS_PROFILE", "p1", 1);
    assert_string_equal(kinesis_profile_name(NULL), "p1");
    assert_string_equal(kinesis_profile_name("x"), "x");
    unsetenv("AWS_PROFILE");
    assert_true(kinesis_config_bool("TRUE"));
    assert_false(kinesis_config_bool("1"));
    assert_false(kinesis_config_bool(NULL));
    assert_int_equal(ta.live, 0);
}

/* Garbage must never crash or leak: a cheap deterministic stress over mutations of a file. */
static void mutations_do_not_crash(void **state) {
    (void)state;
    const char *seed = "[default]\nregion = us-east-1\nkinesis =\n  endpoint_url = http://x\n"
                       "[profile \"a b\"]\r\nk: v\n  cont\n; c\n";
    size_t len = strlen(seed);
    char buf[256];
    uint32_t rng = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, seed, len);
        for (int m = 0; m < 3; m++) {
            rng = rng * 1103515245u + 12345u;
            size_t pos = (rng >> 8) % len;
            static const char alphabet[] = "[]=: \t\r\n#;\"'\\ax";
            rng = rng * 1103515245u + 12345u;
            buf[pos] = alphabet[(rng >> 8) % (sizeof(alphabet) - 1)];
        }
        test_allocator ta;
        test_allocator_init(&ta);
        kinesis_profile_file f;
        kinesis_status st = kinesis_profile_parse(buf, len, "m", &ta.base, &f, NULL);
        if (st == KINESIS_OK) {
            int32_t s = kinesis_profile_find(&f, KINESIS_PROFILE_CONFIG_FILE, "a b");
            (void)kinesis_profile_get(&f, s, "k");
            (void)kinesis_profile_get_nested(&f, 0, "kinesis", "endpoint_url");
            (void)kinesis_profile_find_services(&f, "x");
        } else {
            assert_int_equal(st, KINESIS_E_CONFIG);
        }
        kinesis_profile_clean_up(&f);
        assert_int_equal(ta.live, 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_like_botocore),
        cmocka_unit_test(malformed_files_name_the_line),
        cmocka_unit_test(allocation_failures_are_clean),
        cmocka_unit_test(files_on_disk),
        cmocka_unit_test(paths_from_env),
        cmocka_unit_test(mutations_do_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

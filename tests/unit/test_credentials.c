/* Credentials providers: static, environment, shared files and the default chain, against
 * temporary HOME directories and environment variables. */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "kinesis/credentials.h"
#include "profile_internal.h"

static const char *const aws_vars[] = {
    "AWS_ACCESS_KEY_ID",           "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",          "AWS_PROFILE",           "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
};

static char home[64];

static void write_file(const char *rel, const char *text) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", home, rel);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
}

static void remove_file(const char *rel) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", home, rel);
    unlink(path);
}

/* Fresh HOME with an empty ~/.aws, no AWS_* variables. */
static int setup(void **state) {
    (void)state;
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(aws_vars); i++) unsetenv(aws_vars[i]);
    snprintf(home, sizeof(home), "/tmp/kinesis_cred_XXXXXX");
    if (!mkdtemp(home)) return -1;
    char aws[128];
    snprintf(aws, sizeof(aws), "%s/.aws", home);
    if (mkdir(aws, 0700) != 0) return -1;
    setenv("HOME", home, 1);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    static const char *const files[] = {".aws/config", ".aws/credentials", "other"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(files); i++) remove_file(files[i]);
    remove_file(".aws");
    char aws[128];
    snprintf(aws, sizeof(aws), "%s/.aws", home);
    rmdir(aws);
    rmdir(home);
    return 0;
}

typedef struct want {
    kinesis_status status;
    const char *id;    /* when OK */
    const char *token; /* when OK; NULL = none */
    const char *msg;   /* substring of the error message when not OK */
} want;

/* Every secret in these tests is "SECRET" plus a letter or digit; variable names such as
 * AWS_SECRET_ACCESS_KEY may appear in messages, the values never. */
static int contains_secret(const char *msg) {
    for (const char *p = strstr(msg, "SECRET"); p; p = strstr(p + 1, "SECRET"))
        if (p[6] != '_') return 1;
    return 0;
}

/* Get from a provider with a leak-checking allocator and compare; secrets never in messages. */
static void check_provider(kinesis_credentials_provider *(*make)(const char *,
                                                                 const kinesis_allocator *),
                           const char *profile, want w, const char *label) {
    test_allocator ta;
    test_allocator_init(&ta);
    kinesis_credentials_provider *p = make(profile, &ta.base);
    assert_non_null(p);
    kinesis_credentials c;
    kinesis_error err;
    kinesis_error_clear(&err);
    kinesis_status st = kinesis_credentials_provider_get(p, &c, &err);
    if (st != w.status)
        fail_msg("%s: status %s, want %s (%s)", label, kinesis_status_name(st),
                 kinesis_status_name(w.status), err.message);
    if (st == KINESIS_OK) {
        assert_string_equal(c.access_key_id, w.id);
        assert_true(strncmp(c.secret_access_key, "SECRET", 6) == 0);
        if (w.token)
            assert_string_equal(c.session_token, w.token);
        else
            assert_null(c.session_token);
        assert_int_equal(c.expiration_epoch_ms, 0);
        kinesis_credentials_clean_up(&c);
        assert_null(c.access_key_id);
    } else {
        assert_null(c.access_key_id);
        if (w.msg && !strstr(err.message, w.msg))
            fail_msg("%s: message '%s' lacks '%s'", label, err.message, w.msg);
    }
    if (contains_secret(err.message)) fail_msg("%s: secret in message '%s'", label, err.message);
    kinesis_credentials_provider_destroy(p);
    assert_int_equal(ta.live, 0);
}

static kinesis_credentials_provider *make_env(const char *profile, const kinesis_allocator *a) {
    (void)profile;
    return kinesis_credentials_provider_new_environment(a);
}

static void environment_provider(void **state) {
    (void)state;
    struct {
        const char *id, *secret, *session, *security;
        want w;
    } cases[] = {
        {NULL, NULL, NULL, NULL, {KINESIS_E_NO_CREDENTIALS, NULL, NULL, "AWS_ACCESS_KEY_ID"}},
        {"AKID", NULL, NULL, NULL, {KINESIS_E_NO_CREDENTIALS, NULL, NULL, "AWS_SECRET_ACCESS_KEY"}},
        {NULL, "SECRET1", NULL, NULL, {KINESIS_E_NO_CREDENTIALS, NULL, NULL, "not set"}},
        {"", "SECRET1", NULL, NULL, {KINESIS_E_NO_CREDENTIALS, NULL, NULL, NULL}},
        {"AKID", "", NULL, NULL, {KINESIS_E_NO_CREDENTIALS, NULL, NULL, NULL}},
        {"AKID", "SECRET1", NULL, NULL, {KINESIS_OK, "AKID", NULL, NULL}},
        {"AKID", "SECRET1", "", NULL, {KINESIS_OK, "AKID", NULL, NULL}},
        {"AKID", "SECRET1", "TOK", NULL, {KINESIS_OK, "AKID", "TOK", NULL}},
        {"AKID", "SECRET1", NULL, "OLDTOK", {KINESIS_OK, "AKID", "OLDTOK", NULL}},
        {"AKID", "SECRET1", "TOK", "OLDTOK", {KINESIS_OK, "AKID", "TOK", NULL}},
    };
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(cases); i++) {
        const char *vals[] = {cases[i].id, cases[i].secret, cases[i].session, cases[i].security};
        for (size_t k = 0; k < 4; k++) {
            if (vals[k])
                setenv(aws_vars[k], vals[k], 1);
            else
                unsetenv(aws_vars[k]);
        }
        char label[32];
        snprintf(label, sizeof(label), "env case %zu", i);
        check_provider(make_env, NULL, cases[i].w, label);
    }
}

static kinesis_credentials_provider *make_profile(const char *profile, const kinesis_allocator *a) {
    return kinesis_credentials_provider_new_profile(profile, a);
}
static kinesis_credentials_provider *make_chain(const char *profile, const kinesis_allocator *a) {
    return kinesis_credentials_provider_new_default_chain(profile, a);
}

typedef struct file_case {
    const char *label;
    const char *credentials; /* ~/.aws/credentials, NULL = absent */
    const char *config;      /* ~/.aws/config, NULL = absent */
    const char *aws_profile; /* AWS_PROFILE */
    const char *profile;     /* explicit profile argument */
    int env;                 /* 1: AWS_ACCESS_KEY_ID=ENVKEY etc. set */
    want profile_want;       /* kinesis_credentials_provider_new_profile */
    want chain_want;         /* kinesis_credentials_provider_new_default_chain */
} file_case;

#define OK_(id, tok)                                                                               \
    { KINESIS_OK, id, tok, NULL }
#define NONE_(msg)                                                                                 \
    { KINESIS_E_NO_CREDENTIALS, NULL, NULL, msg }

static const file_case file_cases[] = {
    {"nothing anywhere", NULL, NULL, NULL, NULL, 0, NONE_("profile 'default' not found"),
     NONE_("AWS_ACCESS_KEY_ID not set; shared files: profile 'default' not found")},
    {"env beats files", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = SECRET2\n",
     NULL, NULL, NULL, 1, OK_("FILEKEY", NULL), OK_("ENVKEY", NULL)},
    {"explicit profile skips env",
     "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = SECRET2\n"
     "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = SECRET3\n",
     NULL, NULL, "dev", 1, OK_("DEVKEY", NULL), OK_("DEVKEY", NULL)},
    {"AWS_PROFILE",
     "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = SECRET2\n"
     "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = SECRET3\n"
     "aws_session_token = DEVTOK\n",
     NULL, "dev", NULL, 0, OK_("DEVKEY", "DEVTOK"), OK_("DEVKEY", "DEVTOK")},
    {"profile with spaces and comments, CRLF",
     "# creds\r\n[my dev]\r\n; x\r\naws_access_key_id=SPKEY\r\naws_secret_access_key = SECRET4 \r\n"
     "aws_security_token = T\r\n",
     "[profile \"my dev\"]\nregion = eu-west-1\n", NULL, "my dev", 0, OK_("SPKEY", "T"),
     OK_("SPKEY", "T")},
    {"config file fallback", NULL,
     "[profile cfg]\naws_access_key_id = CFGKEY\naws_secret_access_key = SECRET5\n"
     "aws_session_token = CT\n",
     "cfg", NULL, 0, OK_("CFGKEY", "CT"), OK_("CFGKEY", "CT")},
    {"credentials file beats config file",
     "[default]\naws_access_key_id = CREDKEY\naws_secret_access_key = SECRET6\n",
     "[default]\naws_access_key_id = CFGKEY\naws_secret_access_key = SECRET5\n", NULL, NULL, 0,
     OK_("CREDKEY", NULL), OK_("CREDKEY", NULL)},
    {"config section needs 'profile'", NULL,
     "[cfg]\naws_access_key_id = CFGKEY\naws_secret_access_key = SECRET5\n", "cfg", NULL, 0,
     NONE_("profile 'cfg' not found"), NONE_("profile 'cfg' not found")},
    {"only key id", "[default]\naws_access_key_id = HALFKEY\n", NULL, NULL, NULL, 0,
     NONE_("no aws_secret_access_key"), NONE_("no aws_secret_access_key")},
    {"only key id in credentials, full in config", "[default]\naws_access_key_id = HALFKEY\n",
     "[default]\naws_access_key_id = CFGKEY\naws_secret_access_key = SECRET5\n", NULL, NULL, 0,
     OK_("CFGKEY", NULL), OK_("CFGKEY", NULL)},
    {"profile without keys", "[default]\nregion = x\n", NULL, NULL, NULL, 0,
     NONE_("has no aws_access_key_id"), NONE_("has no aws_access_key_id")},
    {"missing explicit profile",
     "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = SECRET2\n", NULL, NULL,
     "nope", 1, NONE_("profile 'nope' not found"), NONE_("profile 'nope' not found")},
    {"malformed credentials file",
     "[default]\naws_access_key_id = K\nSECRETLINE\n",
     NULL,
     NULL,
     NULL,
     0,
     {KINESIS_E_CONFIG, NULL, NULL, ".aws/credentials:3:"},
     {KINESIS_E_CONFIG, NULL, NULL, ".aws/credentials:3:"}},
    {"malformed file does not matter when env has keys",
     "[default\n",
     NULL,
     NULL,
     NULL,
     1,
     {KINESIS_E_CONFIG, NULL, NULL, ".aws/credentials:1:"},
     OK_("ENVKEY", NULL)},
    {"malformed config file",
     NULL,
     "[profile x]\n  = SECRETX\n",
     NULL,
     NULL,
     0,
     {KINESIS_E_CONFIG, NULL, NULL, ".aws/config:2:"},
     {KINESIS_E_CONFIG, NULL, NULL, ".aws/config:2:"}},
};

static void shared_files_and_chain(void **state) {
    (void)state;
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(file_cases); i++) {
        const file_case *c = &file_cases[i];
        if (c->credentials)
            write_file(".aws/credentials", c->credentials);
        else
            remove_file(".aws/credentials");
        if (c->config)
            write_file(".aws/config", c->config);
        else
            remove_file(".aws/config");
        if (c->aws_profile)
            setenv("AWS_PROFILE", c->aws_profile, 1);
        else
            unsetenv("AWS_PROFILE");
        if (c->env) {
            setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
            setenv("AWS_SECRET_ACCESS_KEY", "SECRET7", 1);
        } else {
            unsetenv("AWS_ACCESS_KEY_ID");
            unsetenv("AWS_SECRET_ACCESS_KEY");
        }
        char label[128];
        snprintf(label, sizeof(label), "%s (profile provider)", c->label);
        check_provider(make_profile, c->profile, c->profile_want, label);
        snprintf(label, sizeof(label), "%s (default chain)", c->label);
        check_provider(make_chain, c->profile, c->chain_want, label);
    }
}

static void file_locations_from_env(void **state) {
    (void)state;
    write_file("other",
               "[default]\naws_access_key_id = OTHERKEY\naws_secret_access_key = SECRET8\n");
    write_file(".aws/credentials",
               "[default]\naws_access_key_id = HOMEKEY\naws_secret_access_key = SECRET9\n");
    char path[256];
    snprintf(path, sizeof(path), "%s/other", home);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    check_provider(make_profile, NULL, (want)OK_("OTHERKEY", NULL), "AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    check_provider(make_profile, NULL, (want)OK_("HOMEKEY", NULL), "HOME");
    remove_file(".aws/credentials");
    setenv("AWS_CONFIG_FILE", "~/other", 1); /* config syntax: [default] is a profile there too */
    check_provider(make_profile, NULL, (want)OK_("OTHERKEY", NULL), "AWS_CONFIG_FILE");
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("HOME");
    check_provider(make_profile, NULL, (want)NONE_("not found"), "no HOME");
    setenv("HOME", home, 1);
}

static void static_provider(void **state) {
    (void)state;
    test_allocator ta;
    test_allocator_init(&ta);
    assert_null(kinesis_credentials_provider_new_static(NULL, "SECRET", NULL, &ta.base));
    assert_null(kinesis_credentials_provider_new_static("AK", "", NULL, &ta.base));
    assert_int_equal(ta.live, 0);
    /* static wins when given: a chain of static, environment and files, as a client builds it */
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SECRET7", 1);
    kinesis_credentials_provider *list[3] = {
        kinesis_credentials_provider_new_static("STATICKEY", "SECRETS", "STOK", &ta.base),
        kinesis_credentials_provider_new_environment(&ta.base),
        kinesis_credentials_provider_new_profile(NULL, &ta.base)};
    kinesis_credentials_provider *chain = kinesis_credentials_provider_new_chain(list, 3, &ta.base);
    assert_non_null(chain);
    kinesis_credentials c;
    assert_int_equal(kinesis_credentials_provider_get(chain, &c, NULL), KINESIS_OK);
    assert_string_equal(c.access_key_id, "STATICKEY");
    assert_string_equal(c.secret_access_key, "SECRETS");
    assert_string_equal(c.session_token, "STOK");
    kinesis_credentials_clean_up(&c);
    kinesis_credentials_clean_up(&c); /* twice is harmless */
    kinesis_credentials_clean_up(NULL);
    kinesis_credentials_provider_destroy(chain);
    kinesis_credentials_provider_destroy(NULL);
    assert_int_equal(ta.live, 0);
    /* bad arguments */
    kinesis_error err;
    assert_int_equal(kinesis_credentials_provider_get(NULL, &c, &err), KINESIS_E_INVALID_ARGUMENT);
    chain = kinesis_credentials_provider_new_environment(&ta.base);
    assert_int_equal(kinesis_credentials_provider_get(chain, NULL, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    kinesis_credentials_provider_destroy(chain);
    assert_int_equal(ta.live, 0);
}

/* clean_up must zero the secret and token before the allocator sees them. */
typedef struct wipe_check {
    test_allocator inner;
    kinesis_allocator base;
    const void *watch[2];
    size_t watch_len[2];
    int checked;
} wipe_check;

static void *wc_alloc(void *u, size_t n) {
    wipe_check *w = u;
    return w->inner.base.alloc(w->inner.base.user, n);
}
static void wc_free(void *u, void *p) {
    wipe_check *w = u;
    for (int i = 0; i < 2; i++) {
        if (p && p == w->watch[i]) {
            const unsigned char *b = p;
            for (size_t k = 0; k < w->watch_len[i]; k++) assert_int_equal(b[k], 0);
            w->checked++;
        }
    }
    w->inner.base.free(w->inner.base.user, p);
}

static void clean_up_wipes_secrets(void **state) {
    (void)state;
    wipe_check w;
    memset(&w, 0, sizeof(w));
    test_allocator_init(&w.inner);
    w.base.alloc = wc_alloc;
    w.base.free = wc_free; /* realloc NULL: the library falls back to alloc+copy+free */
    w.base.user = &w;
    kinesis_credentials_provider *p =
        kinesis_credentials_provider_new_static("AK", "SECRETWIPE", "TOKENWIPE", &w.base);
    assert_non_null(p);
    kinesis_credentials c;
    assert_int_equal(kinesis_credentials_provider_get(p, &c, NULL), KINESIS_OK);
    w.watch[0] = c.secret_access_key;
    w.watch_len[0] = strlen(c.secret_access_key);
    w.watch[1] = c.session_token;
    w.watch_len[1] = strlen(c.session_token);
    kinesis_credentials_clean_up(&c);
    assert_int_equal(w.checked, 2);
    kinesis_credentials_provider_destroy(p);
    assert_int_equal(w.inner.live, 0);
}

/* A custom provider: get is called through the vtable, destroy frees impl, and impl is destroyed
 * when the wrapper cannot be allocated. */
static int custom_destroyed;
static kinesis_status custom_get(void *impl, const kinesis_allocator *a, kinesis_credentials *out,
                                 kinesis_error *err) {
    (void)err;
    int *mode = impl;
    if (*mode == 1) return KINESIS_E_NO_CREDENTIALS;
    out->access_key_id = kinesis_strdup(a, "CUSTOM");
    out->secret_access_key = kinesis_strdup(a, *mode == 2 ? "" : "SECRETC");
    out->allocator = a;
    return KINESIS_OK;
}
static void custom_destroy(void *impl) {
    (void)impl;
    custom_destroyed++;
}

static void custom_provider(void **state) {
    (void)state;
    static const kinesis_credentials_provider_vtable vt = {custom_get, custom_destroy};
    test_allocator ta;
    test_allocator_init(&ta);
    int mode = 0;
    kinesis_credentials_provider *p = kinesis_credentials_provider_new(&vt, &mode, &ta.base);
    kinesis_credentials c;
    assert_int_equal(kinesis_credentials_provider_get(p, &c, NULL), KINESIS_OK);
    assert_string_equal(c.access_key_id, "CUSTOM");
    kinesis_credentials_clean_up(&c);
    mode = 1;
    assert_int_equal(kinesis_credentials_provider_get(p, &c, NULL), KINESIS_E_NO_CREDENTIALS);
    mode = 2; /* empty secret: refused, and what it allocated is freed */
    assert_int_equal(kinesis_credentials_provider_get(p, &c, NULL), KINESIS_E_NO_CREDENTIALS);
    custom_destroyed = 0;
    kinesis_credentials_provider_destroy(p);
    assert_int_equal(custom_destroyed, 1);
    ta.fail_at = ta.total + 1;
    assert_null(kinesis_credentials_provider_new(&vt, &mode, &ta.base));
    assert_int_equal(custom_destroyed, 2);
    assert_int_equal(ta.live, 0);
}

/* Every allocation of construction and get() may fail: NO_MEMORY (or NULL), never a leak. */
static void allocation_failures(void **state) {
    (void)state;
    write_file(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\n"
                                   "aws_secret_access_key = SECRET2\naws_session_token = T\n");
    write_file(".aws/config", "[default]\nregion = us-east-1\n");
    for (int kind = 0; kind < 3; kind++) {
        for (long n = 1;; n++) {
            test_allocator ta;
            test_allocator_init(&ta);
            ta.fail_at = n;
            kinesis_credentials_provider *p =
                kind == 0 ? kinesis_credentials_provider_new_static("AK", "SECRETS", "T", &ta.base)
                : kind == 1 ? kinesis_credentials_provider_new_profile("default", &ta.base)
                            : kinesis_credentials_provider_new_default_chain(NULL, &ta.base);
            if (!p) {
                assert_int_equal(ta.live, 0);
                continue;
            }
            kinesis_credentials c;
            kinesis_error err;
            kinesis_status st = kinesis_credentials_provider_get(p, &c, &err);
            if (st == KINESIS_OK) kinesis_credentials_clean_up(&c);
            kinesis_credentials_provider_destroy(p);
            assert_int_equal(ta.live, 0);
            if (st == KINESIS_OK && ta.total < n) break;
            if (st != KINESIS_OK) assert_int_equal(st, KINESIS_E_NO_MEMORY);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(environment_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(shared_files_and_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(file_locations_from_env, setup, teardown),
        cmocka_unit_test_setup_teardown(static_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(clean_up_wipes_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(custom_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

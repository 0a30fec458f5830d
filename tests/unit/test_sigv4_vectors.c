/* Every SigV4 vector in tests/data/sigv4, one cmocka test per case, compared byte for byte at
 * every stage (canonical request, string to sign, signing key where given, signature,
 * Authorization, the headers of the signed request).
 *
 * Each case runs twice: through the core functions on the request as written (layouts 1 and 3
 * carry X-Amz-Date already), and through kinesis_signer_sign() with X-Amz-Date and the token
 * header removed so the signer adds them itself (layout 2 has only this path). A small HTTP
 * request parser below reads the .req / request.txt files. The first test checks that every
 * expected case was found, so a missing data folder cannot pass. */
#define _DEFAULT_SOURCE
#include "support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "kinesis/signer.h"

#define EXPECTED_LAYOUT1 34
#define EXPECTED_LAYOUT2 38
#define EXPECTED_KINESIS 4
#define MAX_CASES 128
#define MAX_HDRS 64

static const char *DEFAULT_AK = "AKIDEXAMPLE";
static const char *DEFAULT_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

typedef enum { LAYOUT1, LAYOUT2, KINESIS } layout;

typedef struct vcase {
    layout lay;
    char dir[1024]; /* relative to tests/data */
    char name[256]; /* file stem for layouts 1 and 3 */
    char label[1024];
} vcase;

static vcase cases[MAX_CASES];
static size_t case_count;
static size_t layout_counts[3];

/* ---- file helpers ---- */
static int file_exists(const char *rel) {
    struct stat st;
    return stat(test_data_path(rel), &st) == 0 && S_ISREG(st.st_mode);
}

static char *read_rel(const char *dir, const char *file, size_t *len) {
    char rel[2048];
    snprintf(rel, sizeof(rel), "%s/%s", dir, file);
    return (char *)test_read_file(rel, len);
}

static char *read_case_file(const vcase *c, const char *ext, size_t *len) {
    char f[512];
    snprintf(f, sizeof(f), "%s.%s", c->name, ext);
    return read_rel(c->dir, f, len);
}

static void add_case(layout lay, const char *dir, const char *name, const char *label) {
    assert_true(case_count < MAX_CASES);
    vcase *c = &cases[case_count++];
    c->lay = lay;
    snprintf(c->dir, sizeof(c->dir), "%s", dir);
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->label, sizeof(c->label), "%s", label);
    layout_counts[lay]++;
}

/* Layout 1 and 3: a case is a folder holding <folder>.req; groups nest one level deeper. */
static void scan_stem_layout(layout lay, const char *root, const char *prefix, int depth) {
    DIR *d = opendir(test_data_path(root));
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char sub[1024], req[2048], label[1024];
        snprintf(sub, sizeof(sub), "%s/%s", root, e->d_name);
        snprintf(req, sizeof(req), "%s/%s.req", sub, e->d_name);
        snprintf(label, sizeof(label), "%s/%s", prefix, e->d_name);
        if (file_exists(req))
            add_case(lay, sub, e->d_name, label);
        else if (depth == 0)
            scan_stem_layout(lay, sub, label, 1);
    }
    closedir(d);
}

static void scan_layout2(const char *root) {
    DIR *d = opendir(test_data_path(root));
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char sub[1024], req[2048], label[1024];
        snprintf(sub, sizeof(sub), "%s/%s", root, e->d_name);
        snprintf(req, sizeof(req), "%s/request.txt", sub);
        snprintf(label, sizeof(label), "v4/%s", e->d_name);
        if (file_exists(req)) add_case(LAYOUT2, sub, "", label);
    }
    closedir(d);
}

static int case_cmp(const void *a, const void *b) {
    return strcmp(((const vcase *)a)->label, ((const vcase *)b)->label);
}

/* ---- minimal HTTP/1.1 request parser ----
 * Request target = text between the first and the last space of the request line (so a raw
 * space in the path survives). Header lines are Name:value; lines starting with space or tab
 * continue the previous value (obsolete folding), kept raw for the signer to collapse. A blank
 * line starts the body, taken byte for byte. Works in place on the file buffer. */
typedef struct parsed {
    char *buf;
    const char *method, *path, *query;
    kinesis_http_header headers[MAX_HDRS];
    size_t header_count;
    const uint8_t *body;
    size_t body_len;
} parsed;

static int parse_request(char *buf, size_t len, parsed *r) {
    memset(r, 0, sizeof(*r));
    r->buf = buf;
    char *end = buf + len, *p = buf;
    char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    char *sp2 = eol;
    while (sp2 > p && sp2[-1] != ' ') sp2--;
    if (!sp1 || sp2 <= sp1 + 1) return -1;
    sp2--;
    *sp1 = '\0';
    *sp2 = '\0';
    r->method = p;
    char *target = sp1 + 1;
    char *q = strchr(target, '?');
    if (q) {
        *q = '\0';
        r->query = q + 1;
    } else {
        r->query = "";
    }
    r->path = target;
    p = eol < end ? eol + 1 : end;

    char *value_end[MAX_HDRS];
    char *name_end[MAX_HDRS];
    while (p < end) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        if (eol == p) { /* blank line: the body follows */
            r->body = (const uint8_t *)(p + 1 <= end ? p + 1 : end);
            r->body_len = (size_t)(end - (char *)r->body);
            break;
        }
        if (*p == ' ' || *p == '\t') {
            if (r->header_count == 0) return -1;
            value_end[r->header_count - 1] = eol;
        } else {
            char *colon = memchr(p, ':', (size_t)(eol - p));
            if (!colon || r->header_count == MAX_HDRS) return -1;
            name_end[r->header_count] = colon;
            value_end[r->header_count] = eol;
            r->headers[r->header_count].name = p;
            r->headers[r->header_count].value = colon + 1;
            r->header_count++;
        }
        p = eol + 1;
    }
    for (size_t i = 0; i < r->header_count; i++) {
        *name_end[i] = '\0';
        *value_end[i] = '\0';
    }
    return 0;
}

static const char *find_header(const parsed *r, const char *name) {
    for (size_t i = 0; i < r->header_count; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    return NULL;
}

/* ---- tiny JSON field reader for the flat context.json files ---- */
static int json_string(const char *json, const char *key, char *out, size_t cap) {
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\"", key);
    const char *p = strstr(json, pat);
    if (!p) return 0;
    p += strlen(pat);
    while (*p == ' ' || *p == '\n' || *p == ':') p++;
    if (*p != '"') return 0;
    p++;
    size_t n = 0;
    while (*p && *p != '"') {
        if (*p == '\\' || n + 1 >= cap) return 0; /* no escapes in these files */
        out[n++] = *p++;
    }
    out[n] = '\0';
    return *p == '"';
}

static int json_bool(const char *json, const char *key, int dflt) {
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\"", key);
    const char *p = strstr(json, pat);
    if (!p) return dflt;
    p += strlen(pat);
    while (*p == ' ' || *p == '\n' || *p == ':') p++;
    return strncmp(p, "true", 4) == 0;
}

/* ---- time, computed here independently of the library ---- */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    /* days since 1970-01-01, proleptic Gregorian, for years >= 1970 */
    static const int cum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t days = 0;
    for (int64_t yy = 1970; yy < y; yy++)
        days += ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0) ? 366 : 365;
    days += cum[m - 1] + d - 1;
    if (m > 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) days++;
    return days;
}

static int64_t num(const char *s, int n) {
    int64_t v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

/* "YYYYMMDDTHHMMSSZ" or "YYYY-MM-DDTHH:MM:SSZ" */
static int64_t parse_time(const char *s) {
    char d[15];
    int n = 0;
    for (; *s && n < 14; s++)
        if (*s >= '0' && *s <= '9') d[n++] = *s;
    assert_int_equal(n, 14);
    return days_from_civil(num(d, 4), num(d + 4, 2), num(d + 6, 2)) * 86400 + num(d + 8, 2) * 3600 +
           num(d + 10, 2) * 60 + num(d + 12, 2);
}

/* The value after `prefix` up to the end of its line, from a text file. */
static int line_value(const char *text, const char *prefix, char *out, size_t cap) {
    const char *p = strstr(text, prefix);
    if (!p) return 0;
    p += strlen(prefix);
    size_t n = strcspn(p, "\n");
    if (n >= cap) return 0;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

static void trim(const char *s, char *out, size_t cap) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    assert_true(n < cap);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* ---- one case ---- */
typedef struct expect {
    const char *creq, *sts, *signature, *authz; /* authz may be NULL */
    const char *signing_key_hex;                /* may be NULL */
    const parsed *sreq;                         /* may be NULL */
    int sreq_signature_stale; /* upstream erratum: the .sreq's Signature is not the .authz's */
} expect;

static void check_stages(const kinesis_signable *req, const kinesis_signing_params *params,
                         const char *amz_date, const expect *x) {
    char creq[16384], sts[512], sig[65];
    size_t creq_len = 0, sts_len = 0;
    assert_int_equal(
        kinesis_sigv4_canonical_request(NULL, req, params, creq, sizeof(creq), &creq_len),
        KINESIS_OK);
    assert_string_equal(creq, x->creq);
    assert_int_equal(creq_len, strlen(x->creq));
    assert_int_equal(kinesis_sigv4_string_to_sign(NULL, creq, creq_len, amz_date, params->region,
                                                  params->service, sts, sizeof(sts), &sts_len),
                     KINESIS_OK);
    assert_string_equal(sts, x->sts);
    char date8[9];
    memcpy(date8, amz_date, 8);
    date8[8] = '\0';
    uint8_t key[32];
    assert_int_equal(kinesis_sigv4_signing_key(NULL, params->credentials->secret_access_key, date8,
                                               params->region, params->service, key),
                     KINESIS_OK);
    if (x->signing_key_hex) {
        char hex[65];
        for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", key[i]);
        assert_string_equal(hex, x->signing_key_hex);
    }
    kinesis_sigv4_signature(NULL, key, sts, sts_len, sig);
    assert_string_equal(sig, x->signature);
}

static int is_added_by_signer(const char *name) {
    return strcasecmp(name, "X-Amz-Date") == 0 || strcasecmp(name, "X-Amz-Security-Token") == 0;
}

static void run_signer_path(const parsed *r, kinesis_signing_params *params, const char *amz_date,
                            const expect *x) {
    kinesis_signable req = {r->method, r->path, r->query, NULL, 0, r->body, r->body_len};
    kinesis_http_header hdrs[MAX_HDRS + 4];
    size_t n = 0;
    for (size_t i = 0; i < r->header_count; i++)
        if (!is_added_by_signer(r->headers[i].name)) hdrs[n++] = r->headers[i];
    req.headers = hdrs;
    req.header_count = n;

    kinesis_signer *signer = kinesis_signer_new_sigv4(NULL, NULL);
    assert_non_null(signer);
    kinesis_signing_result res;
    assert_int_equal(kinesis_signer_sign(signer, &req, params, &res), KINESIS_OK);
    kinesis_signer_destroy(signer);

    /* what the signer added */
    assert_true(res.header_count >= 2);
    assert_string_equal(res.headers[0].name, "X-Amz-Date");
    assert_string_equal(res.headers[0].value, amz_date);
    const char *authz = NULL;
    int saw_token = 0, saw_sha = 0;
    for (size_t i = 0; i < res.header_count; i++) {
        if (strcmp(res.headers[i].name, "Authorization") == 0) {
            assert_int_equal(i, res.header_count - 1);
            authz = res.headers[i].value;
        }
        if (strcmp(res.headers[i].name, "X-Amz-Security-Token") == 0) {
            saw_token = 1;
            assert_ptr_equal(res.headers[i].value, params->credentials->session_token);
        }
        if (strcmp(res.headers[i].name, "x-amz-content-sha256") == 0) saw_sha = 1;
    }
    assert_non_null(authz);
    assert_int_equal(saw_token, params->credentials->session_token != NULL);
    assert_int_equal(saw_sha, params->sign_body_header != 0);

    /* every stage again, over the request as the signer completed it */
    for (size_t i = 0; i + 1 < res.header_count; i++) hdrs[n++] = res.headers[i];
    req.header_count = n;
    check_stages(&req, params, amz_date, x);
    if (x->authz) assert_string_equal(authz, x->authz);
    const char *sig = strstr(authz, "Signature=");
    assert_non_null(sig);
    assert_string_equal(sig + 10, x->signature);

    /* the signed request carries exactly these headers (order aside) */
    hdrs[n++] = res.headers[res.header_count - 1];
    if (x->sreq) {
        assert_int_equal(x->sreq->header_count, n);
        int used[MAX_HDRS + 4] = {0};
        for (size_t i = 0; i < x->sreq->header_count; i++) {
            char want[2048], have[2048];
            trim(x->sreq->headers[i].value, want, sizeof(want));
            int is_authz = strcasecmp(x->sreq->headers[i].name, "Authorization") == 0;
            if (is_authz && x->sreq_signature_stale) {
                /* compare all but the signature, which was checked against .authz above */
                char *sig_at = strstr(want, "Signature=");
                assert_non_null(sig_at);
                sig_at[10] = '\0';
            }
            size_t j = 0;
            for (; j < n; j++) {
                if (used[j] || strcasecmp(hdrs[j].name, x->sreq->headers[i].name) != 0) continue;
                trim(hdrs[j].value, have, sizeof(have));
                if (is_authz && x->sreq_signature_stale) have[strlen(want)] = '\0';
                if (strcmp(want, have) == 0) break;
            }
            if (j == n)
                fail_msg("signed request header not produced: %s", x->sreq->headers[i].name);
            used[j] = 1;
        }
    }
}

static void run_case(void **state) {
    const vcase *c = *state;
    char token[2048] = "", region[64] = "us-east-1", service[64] = "service";
    char ak[128], secret[128], key_hex[80] = "", ts[64] = "";
    snprintf(ak, sizeof(ak), "%s", DEFAULT_AK);
    snprintf(secret, sizeof(secret), "%s", DEFAULT_SECRET);
    int normalize = 1, sign_body = 0, omit = 0;
    char *ctx = read_rel(c->dir, "context.json", NULL);
    if (ctx) {
        assert_true(json_string(ctx, "access_key_id", ak, sizeof(ak)));
        assert_true(json_string(ctx, "secret_access_key", secret, sizeof(secret)));
        json_string(ctx, "token", token, sizeof(token));
        assert_true(json_string(ctx, "region", region, sizeof(region)));
        assert_true(json_string(ctx, "service", service, sizeof(service)));
        assert_true(json_string(ctx, "timestamp", ts, sizeof(ts)));
        json_string(ctx, "signing_key_hex", key_hex, sizeof(key_hex));
        normalize = json_bool(ctx, "normalize", 1);
        sign_body = json_bool(ctx, "sign_body", 0);
        omit = json_bool(ctx, "omit_session_token", 0);
    }
    if (c->lay == KINESIS) assert_int_equal(strlen(key_hex), 64);

    size_t req_len = 0;
    char *req_buf, *creq, *sts, *sig_file = NULL, *authz = NULL, *sreq_buf;
    if (c->lay == LAYOUT2) {
        req_buf = read_rel(c->dir, "request.txt", &req_len);
        creq = read_rel(c->dir, "header-canonical-request.txt", NULL);
        sts = read_rel(c->dir, "header-string-to-sign.txt", NULL);
        sig_file = read_rel(c->dir, "header-signature.txt", NULL);
        sreq_buf = read_rel(c->dir, "header-signed-request.txt", NULL);
    } else {
        req_buf = read_case_file(c, "req", &req_len);
        creq = read_case_file(c, "creq", NULL);
        sts = read_case_file(c, "sts", NULL);
        authz = read_case_file(c, "authz", NULL);
        sreq_buf = read_case_file(c, "sreq", NULL);
    }
    assert_non_null(req_buf);
    assert_non_null(creq);
    assert_non_null(sts);
    assert_non_null(sreq_buf);
    parsed r, sreq;
    assert_int_equal(parse_request(req_buf, req_len, &r), 0);
    assert_int_equal(parse_request(sreq_buf, strlen(sreq_buf), &sreq), 0);

    /* the expected signature: layout 2 has it alone, layouts 1 and 3 inside .authz */
    char signature[65];
    if (sig_file) {
        trim(sig_file, signature, sizeof(signature));
    } else {
        assert_non_null(authz);
        const char *s = strstr(authz, "Signature=");
        assert_non_null(s);
        trim(s + 10, signature, sizeof(signature));
    }
    assert_int_equal(strlen(signature), 64);

    /* signing time: the request's X-Amz-Date, else context.json */
    char amz_date[17];
    const char *req_date = find_header(&r, "X-Amz-Date");
    int64_t t = parse_time(req_date ? req_date : ts);
    kinesis_sigv4_format_date(t, amz_date);
    if (req_date) assert_string_equal(amz_date, req_date);
    assert_true(line_value(sts, "AWS4-HMAC-SHA256\n", ts, sizeof(ts)));
    assert_string_equal(amz_date, ts);

    /* Layout 1 has no context: the token is in the .req, else only in the .creq (get-vanilla-
     * with-session-token) or the .sreq (post-sts-header-after, where it is not signed). */
    if (!ctx) {
        const char *tk = find_header(&r, "X-Amz-Security-Token");
        if (!tk) tk = find_header(&sreq, "X-Amz-Security-Token");
        if (tk)
            trim(tk, token, sizeof(token));
        else
            line_value(creq, "\nx-amz-security-token:", token, sizeof(token));
        omit = token[0] && !strstr(creq, "\nx-amz-security-token:");
    }

    kinesis_credentials cred = {ak, secret, token[0] ? token : NULL, 0, NULL};
    kinesis_signing_params params = {
        region, service, t, &cred, (uint8_t)normalize, 1, (uint8_t)omit, (uint8_t)sign_body};
    /* aws4_testsuite's get-vanilla-with-session-token.sreq carries a signature that matches
     * neither its own .authz nor aws-c-auth's copy of the case (header-signature.txt), both of
     * which agree; the .authz is taken as the truth there. */
    int stale = strcmp(c->label, "aws4_testsuite/get-vanilla-with-session-token") == 0;
    expect x = {creq, sts, signature, authz, key_hex[0] ? key_hex : NULL, &sreq, stale};

    /* core path over the request as written, when it is complete (has X-Amz-Date) */
    if (req_date) {
        kinesis_http_header hdrs[MAX_HDRS + 1];
        memcpy(hdrs, r.headers, r.header_count * sizeof(hdrs[0]));
        size_t n = r.header_count;
        if (token[0] && !omit && !find_header(&r, "X-Amz-Security-Token"))
            hdrs[n++] = (kinesis_http_header){"X-Amz-Security-Token", token};
        kinesis_signable req = {r.method, r.path, r.query, hdrs, n, r.body, r.body_len};
        check_stages(&req, &params, amz_date, &x);
    }
    run_signer_path(&r, &params, amz_date, &x);

    free(ctx);
    free(req_buf);
    free(creq);
    free(sts);
    free(sig_file);
    free(authz);
    free(sreq_buf);
}

static void all_cases_found(void **state) {
    (void)state;
    assert_int_equal(layout_counts[LAYOUT1], EXPECTED_LAYOUT1);
    assert_int_equal(layout_counts[LAYOUT2], EXPECTED_LAYOUT2);
    assert_int_equal(layout_counts[KINESIS], EXPECTED_KINESIS);
    assert_int_equal(case_count, EXPECTED_LAYOUT1 + EXPECTED_LAYOUT2 + EXPECTED_KINESIS);
}

int main(void) {
    scan_stem_layout(LAYOUT1, "sigv4/aws4_testsuite", "aws4_testsuite", 0);
    scan_layout2("sigv4/aws-signing-test-suite/v4");
    scan_stem_layout(KINESIS, "sigv4/kinesis-generated", "kinesis-generated", 1);
    qsort(cases, case_count, sizeof(cases[0]), case_cmp);

    static struct CMUnitTest tests[MAX_CASES + 1];
    tests[0] = (struct CMUnitTest)cmocka_unit_test(all_cases_found);
    for (size_t i = 0; i < case_count; i++) {
        tests[i + 1] = (struct CMUnitTest){cases[i].label, run_case, NULL, NULL, &cases[i]};
    }
    return _cmocka_run_group_tests("sigv4_vectors", tests, case_count + 1, NULL, NULL);
}

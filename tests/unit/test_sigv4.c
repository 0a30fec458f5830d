/* SigV4 signer beyond the vectors: key derivation quick checks, the key cache (counted through
 * a custom kinesis_crypto), threads, purity, body hashed once, limits and bad input. */
#include "support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/signer.h"

static const char *SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
static const char *PUT_RECORD_BODY =
    "{\"StreamName\":\"demo-stream\",\"Data\":\"eyJ0ZW1wIjoyMS41LCJpZCI6InNlbnNvci03In0=\","
    "\"PartitionKey\":\"sensor-7\"}";
/* kinesis-generated/kinesis-put-record.authz */
static const char *PUT_RECORD_AUTHZ =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=ae89c98e94946a0166f07fcd6b63bd10121c91a54b3a84cd210d28d9471c140d";
static const int64_t T_20150830_123600 = 1440938160;

static const kinesis_http_header PUT_RECORD_HEADERS[] = {
    {"Host", "kinesis.us-east-1.amazonaws.com"},
    {"Content-Type", "application/x-amz-json-1.1"},
    {"X-Amz-Target", "Kinesis_20131202.PutRecord"},
};

static kinesis_credentials CREDS = {"AKIDEXAMPLE", NULL, NULL, 0, NULL};

static kinesis_signable put_record(void) {
    kinesis_signable r = {"POST",
                          "/",
                          "",
                          PUT_RECORD_HEADERS,
                          3,
                          (const uint8_t *)PUT_RECORD_BODY,
                          strlen(PUT_RECORD_BODY)};
    return r;
}

static kinesis_signing_params params_at(int64_t t, const char *region) {
    CREDS.secret_access_key = (char *)SECRET;
    kinesis_signing_params p = {region, "kinesis", t, &CREDS, 1, 1, 0, 0};
    return p;
}

static void hex32(const uint8_t *k, char out[65]) {
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", k[i]);
}

static const char *find(const kinesis_signing_result *r, const char *name) {
    for (size_t i = 0; i < r->header_count; i++)
        if (strcmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    return NULL;
}

/* ---- a counting crypto over the default one ---- */
typedef struct counter {
    long hmac_calls, sha_calls;
    size_t sha_bytes;
    pthread_mutex_t lock;
} counter;

static void c_md5(void *u, const uint8_t *d, size_t n, uint8_t out[16]) {
    (void)u;
    kinesis_crypto_default()->md5(NULL, d, n, out);
}
static void c_sha(void *u, const uint8_t *d, size_t n, uint8_t out[32]) {
    counter *c = u;
    pthread_mutex_lock(&c->lock);
    c->sha_calls++;
    c->sha_bytes += n;
    pthread_mutex_unlock(&c->lock);
    kinesis_crypto_default()->sha256(NULL, d, n, out);
}
static void c_hmac(void *u, const uint8_t *k, size_t kn, const uint8_t *d, size_t n,
                   uint8_t out[32]) {
    counter *c = u;
    pthread_mutex_lock(&c->lock);
    c->hmac_calls++;
    pthread_mutex_unlock(&c->lock);
    kinesis_crypto_default()->hmac_sha256(NULL, k, kn, d, n, out);
}

static void date_formatting(void **state) {
    (void)state;
    char d[17];
    kinesis_sigv4_format_date(0, d);
    assert_string_equal(d, "19700101T000000Z");
    kinesis_sigv4_format_date(T_20150830_123600, d);
    assert_string_equal(d, "20150830T123600Z");
    kinesis_sigv4_format_date(1440979199, d);
    assert_string_equal(d, "20150830T235959Z");
    kinesis_sigv4_format_date(1440979200, d);
    assert_string_equal(d, "20150831T000000Z");
    kinesis_sigv4_format_date(951782400, d); /* leap day */
    assert_string_equal(d, "20000229T000000Z");
    kinesis_sigv4_format_date(4107542400LL, d); /* 2100 is not a leap year */
    assert_string_equal(d, "21000301T000000Z");
    kinesis_sigv4_format_date(-1, d);
    assert_string_equal(d, "19691231T235959Z");
    kinesis_sigv4_format_date(253402300799LL, d);
    assert_string_equal(d, "99991231T235959Z");
    kinesis_sigv4_format_date(INT64_MAX, d); /* clamped */
    assert_string_equal(d, "99991231T235959Z");
    kinesis_sigv4_format_date(INT64_MIN, d);
    assert_string_equal(d, "00000101T000000Z");
}

static void signing_key_quick_checks(void **state) {
    (void)state;
    uint8_t k[32];
    char hex[65];
    assert_int_equal(kinesis_sigv4_signing_key(NULL, SECRET, "20150830", "us-east-1", "kinesis", k),
                     KINESIS_OK);
    hex32(k, hex);
    assert_string_equal(hex, "1a8ef0fa45f4fb9b8ca6c755f0b81c00b521d0e7b9564a363d2511b8f4d4bc54");
    assert_int_equal(kinesis_sigv4_signing_key(NULL, SECRET, "20120215", "us-east-1", "iam", k),
                     KINESIS_OK);
    hex32(k, hex);
    assert_string_equal(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");

    /* every kinesis-generated context.json's signing_key_hex */
    static const struct {
        const char *date, *region, *hex;
    } kv[] = {
        {"20150830", "us-east-1",
         "1a8ef0fa45f4fb9b8ca6c755f0b81c00b521d0e7b9564a363d2511b8f4d4bc54"},
        {"20150830", "eu-west-1",
         "1fdeb506dda526d28cfc84f89a053b3f7d7916c71ee487e4454b3d202ba19719"},
        {"20150831", "cn-north-1",
         "7c0d5c34005c04bb4336526f7de211505fa3ece69ff5898a3e5b808b6c5ca54a"},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        assert_int_equal(
            kinesis_sigv4_signing_key(NULL, SECRET, kv[i].date, kv[i].region, "kinesis", k),
            KINESIS_OK);
        hex32(k, hex);
        assert_string_equal(hex, kv[i].hex);
    }

    /* bad input: clear status, key zeroed */
    char long_secret[KINESIS_SIGV4_MAX_SECRET_LEN + 2];
    memset(long_secret, 'a', sizeof(long_secret) - 1);
    long_secret[sizeof(long_secret) - 1] = '\0';
    assert_int_equal(kinesis_sigv4_signing_key(NULL, long_secret, "20150830", "r", "s", k),
                     KINESIS_E_INVALID_ARGUMENT);
    for (int i = 0; i < 32; i++) assert_int_equal(k[i], 0);
    long_secret[KINESIS_SIGV4_MAX_SECRET_LEN] = '\0'; /* exactly the limit works */
    assert_int_equal(kinesis_sigv4_signing_key(NULL, long_secret, "20150830", "r", "s", k),
                     KINESIS_OK);
    assert_int_equal(kinesis_sigv4_signing_key(NULL, NULL, "20150830", "r", "s", k),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_sigv4_signing_key(NULL, SECRET, "20150830", "r", "s", NULL),
                     KINESIS_E_INVALID_ARGUMENT);
}

/* The default crypto's HMAC (built on the low-level SHA-256): RFC 4231 cases 2, 6 and 7 (short
 * key, keys longer than a block) plus an empty key. */
static void default_hmac_rfc4231(void **state) {
    (void)state;
    const kinesis_crypto *c = kinesis_crypto_default();
    uint8_t mac[32], long_key[131];
    char hex[65];
    memset(long_key, 0xaa, sizeof(long_key));
    c->hmac_sha256(NULL, (const uint8_t *)"Jefe", 4,
                   (const uint8_t *)"what do ya want for nothing?", 28, mac);
    hex32(mac, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    c->hmac_sha256(NULL, long_key, sizeof(long_key), (const uint8_t *)m6, strlen(m6), mac);
    hex32(mac, hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *m7 =
        "This is a test using a larger than block-size key and a larger than block-size "
        "data. The key needs to be hashed before being used by the HMAC algorithm.";
    c->hmac_sha256(NULL, long_key, sizeof(long_key), (const uint8_t *)m7, strlen(m7), mac);
    hex32(mac, hex);
    assert_string_equal(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    c->hmac_sha256(NULL, NULL, 0, (const uint8_t *)"", 0, mac);
    hex32(mac, hex);
    assert_string_equal(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void sign_kinesis_put_record(void **state) {
    (void)state;
    kinesis_signer *s = kinesis_signer_new_sigv4(NULL, NULL);
    kinesis_signable req = put_record();
    kinesis_signing_params p = params_at(T_20150830_123600, "us-east-1");
    kinesis_signing_result res;
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_OK);
    assert_int_equal(res.header_count, 2);
    assert_string_equal(find(&res, "X-Amz-Date"), "20150830T123600Z");
    assert_string_equal(find(&res, "Authorization"), PUT_RECORD_AUTHZ);
    assert_null(find(&res, "X-Amz-Security-Token"));
    kinesis_signer_destroy(s);
}

/* The key cache: a miss costs 4 HMACs for the key plus 1 for the signature, a hit only 1. */
static void key_cache_hits_and_misses(void **state) {
    (void)state;
    counter cnt = {0, 0, 0, PTHREAD_MUTEX_INITIALIZER};
    kinesis_crypto crypto = {c_md5, c_sha, c_hmac, &cnt};
    kinesis_signer *s = kinesis_signer_new_sigv4(&crypto, NULL);
    kinesis_signable req = put_record();
    kinesis_signing_result res;
    char first[1024];

#define SIGN_EXPECT(params_, hmacs)                                                                \
    do {                                                                                           \
        kinesis_signing_params p_ = (params_);                                                     \
        long before_ = cnt.hmac_calls;                                                             \
        assert_int_equal(kinesis_signer_sign(s, &req, &p_, &res), KINESIS_OK);                     \
        assert_int_equal(cnt.hmac_calls - before_, (hmacs));                                       \
    } while (0)

    SIGN_EXPECT(params_at(T_20150830_123600, "us-east-1"), 5); /* miss */
    snprintf(first, sizeof(first), "%s", find(&res, "Authorization"));
    assert_string_equal(first, PUT_RECORD_AUTHZ);
    SIGN_EXPECT(params_at(T_20150830_123600, "us-east-1"), 1);         /* hit */
    assert_string_equal(find(&res, "Authorization"), first);           /* same result from cache */
    SIGN_EXPECT(params_at(T_20150830_123600 + 3600, "us-east-1"), 1);  /* same day: hit */
    SIGN_EXPECT(params_at(T_20150830_123600 + 86400, "us-east-1"), 5); /* next day: miss */
    SIGN_EXPECT(params_at(T_20150830_123600, "eu-west-1"), 5);         /* region: miss */

    kinesis_signing_params other = params_at(T_20150830_123600, "us-east-1");
    kinesis_credentials other_creds = {"AKIDEXAMPLE", "another-secret", NULL, 0, NULL};
    other.credentials = &other_creds;
    SIGN_EXPECT(other, 5); /* secret: miss */
    assert_string_not_equal(find(&res, "Authorization"), first);
    /* four slots now hold: original, next day, eu-west-1, other secret */
    SIGN_EXPECT(params_at(T_20150830_123600, "us-east-1"), 1); /* hit; next day is now LRU */
    kinesis_signing_params svc = params_at(T_20150830_123600, "us-east-1");
    svc.service = "firehose";
    SIGN_EXPECT(svc, 5); /* service: miss, evicting the least recently used (next day) */
    SIGN_EXPECT(params_at(T_20150830_123600, "us-east-1"), 1); /* the others stay cached */
    SIGN_EXPECT(other, 1);
    SIGN_EXPECT(params_at(T_20150830_123600, "eu-west-1"), 1);
    SIGN_EXPECT(svc, 1);
    SIGN_EXPECT(params_at(T_20150830_123600 + 86400, "us-east-1"), 5); /* was evicted */
    /* a secret sharing a prefix with the cached one must not hit */
    kinesis_credentials prefix_creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI", NULL, 0, NULL};
    kinesis_signing_params pre = params_at(T_20150830_123600, "us-east-1");
    pre.credentials = &prefix_creds;
    SIGN_EXPECT(pre, 5);
#undef SIGN_EXPECT
    kinesis_signer_destroy(s);
}

/* sign() hashes the body exactly once, and nothing else in it scans the body. */
static void body_hashed_once(void **state) {
    (void)state;
    counter cnt = {0, 0, 0, PTHREAD_MUTEX_INITIALIZER};
    kinesis_crypto crypto = {c_md5, c_sha, c_hmac, &cnt};
    kinesis_signer *s = kinesis_signer_new_sigv4(&crypto, NULL);
    size_t big = 1 << 20;
    uint8_t *body = malloc(big);
    memset(body, 'x', big);
    kinesis_signable req = put_record();
    req.body = body;
    req.body_len = big;
    for (int sign_body = 0; sign_body < 2; sign_body++) {
        kinesis_signing_params p = params_at(T_20150830_123600, "us-east-1");
        p.sign_body_header = (uint8_t)sign_body;
        kinesis_signing_result res;
        cnt.sha_calls = 0;
        cnt.sha_bytes = 0;
        assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_OK);
        assert_int_equal(cnt.sha_calls, 2); /* the body, then the canonical request */
        assert_true(cnt.sha_bytes > big && cnt.sha_bytes < big + 1024);
        assert_int_equal(find(&res, "x-amz-content-sha256") != NULL, sign_body);
    }
    free(body);
    kinesis_signer_destroy(s);
}

/* A caller-set x-amz-content-sha256 (UNSIGNED-PAYLOAD) is the payload hash; body not read. */
static void unsigned_payload(void **state) {
    (void)state;
    counter cnt = {0, 0, 0, PTHREAD_MUTEX_INITIALIZER};
    kinesis_crypto crypto = {c_md5, c_sha, c_hmac, &cnt};
    kinesis_http_header h[] = {{"Host", "h"}, {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
    kinesis_signable req = {"PUT", "/", NULL, h, 2, (const uint8_t *)"data", 4};
    kinesis_signing_params p = params_at(T_20150830_123600, "us-east-1");
    char creq[1024];
    size_t n;
    assert_int_equal(kinesis_sigv4_canonical_request(&crypto, &req, &p, creq, sizeof(creq), &n),
                     KINESIS_OK);
    assert_int_equal(cnt.sha_calls, 0);
    assert_string_equal(creq, "PUT\n/\n\nhost:h\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n\n"
                              "host;x-amz-content-sha256\nUNSIGNED-PAYLOAD");
    kinesis_signer *s = kinesis_signer_new_sigv4(&crypto, NULL);
    kinesis_signing_result res;
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_OK);
    assert_int_equal(cnt.sha_calls, 1); /* only the canonical request */
    p.sign_body_header = 1;             /* the signer would add a second one */
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(res.header_count, 0);
    kinesis_signer_destroy(s);
}

/* Signing does not touch the request and gives the same answer every time (retries are
 * signed afresh by calling again). */
static void sign_is_pure(void **state) {
    (void)state;
    kinesis_signer *s = kinesis_signer_new_sigv4(NULL, NULL);
    kinesis_http_header h[3];
    memcpy(h, PUT_RECORD_HEADERS, sizeof(h));
    kinesis_signable req = put_record();
    req.headers = h;
    kinesis_signable copy = req;
    kinesis_signing_params p = params_at(T_20150830_123600, "us-east-1");
    kinesis_signing_result a, b;
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &a), KINESIS_OK);
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &b), KINESIS_OK);
    assert_memory_equal(&req, &copy, sizeof(req));
    assert_memory_equal(h, PUT_RECORD_HEADERS, sizeof(h));
    assert_string_equal(find(&a, "Authorization"), find(&b, "Authorization"));
    p.time_epoch_s += 1; /* a retry one second later gets a new date and signature */
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &b), KINESIS_OK);
    assert_string_equal(find(&b, "X-Amz-Date"), "20150830T123601Z");
    assert_string_not_equal(find(&a, "Authorization"), find(&b, "Authorization"));
    kinesis_signer_destroy(s);
}

static void session_token_signed_or_omitted(void **state) {
    (void)state;
    kinesis_signer *s = kinesis_signer_new_sigv4(NULL, NULL);
    kinesis_signable req = put_record();
    kinesis_credentials c = {"AKIDEXAMPLE", (char *)SECRET, "TOKEN", 0, NULL};
    kinesis_signing_params p = params_at(T_20150830_123600, "us-east-1");
    p.credentials = &c;
    kinesis_signing_result res;
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_OK);
    assert_int_equal(res.header_count, 3);
    assert_ptr_equal(find(&res, "X-Amz-Security-Token"), c.session_token);
    assert_non_null(strstr(find(&res, "Authorization"),
                           "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
                           "x-amz-target, "));
    p.omit_session_token = 1;
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_OK);
    assert_ptr_equal(find(&res, "X-Amz-Security-Token"), c.session_token); /* still sent */
    assert_string_equal(find(&res, "Authorization"), PUT_RECORD_AUTHZ);    /* not signed */
    c.session_token = ""; /* an empty token is no token */
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_OK);
    assert_int_equal(res.header_count, 2);
    kinesis_signer_destroy(s);
}

typedef struct thread_arg {
    kinesis_signer *s;
    int failures;
} thread_arg;

static void *sign_loop(void *u) {
    thread_arg *a = u;
    kinesis_signable req = put_record();
    kinesis_credentials c = {"AKIDEXAMPLE", (char *)SECRET, NULL, 0, NULL};
    for (int i = 0; i < 2000; i++) {
        /* alternate days so the cache is written as well as read */
        kinesis_signing_params p = {
            "us-east-1", "kinesis", T_20150830_123600 + (i % 3) * 86400, &c, 1, 1, 0, 0};
        kinesis_signing_result res;
        if (kinesis_signer_sign(a->s, &req, &p, &res) != KINESIS_OK) a->failures++;
        if (i % 3 == 0 && strcmp(find(&res, "Authorization"), PUT_RECORD_AUTHZ) != 0) a->failures++;
    }
    return NULL;
}

static void shared_by_threads(void **state) {
    (void)state;
    kinesis_signer *s = kinesis_signer_new_sigv4(NULL, NULL);
    pthread_t t[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){s, 0};
        assert_int_equal(pthread_create(&t[i], NULL, sign_loop, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    kinesis_signer_destroy(s);
}

static const char *canon(const char *method, const char *path, const char *query, uint8_t normalize,
                         uint8_t dbl, char *out, size_t cap) {
    kinesis_http_header h[] = {{"Host", "h"}};
    kinesis_signable req = {method, path, query, h, 1, NULL, 0};
    kinesis_signing_params p = {"r", "s", 0, NULL, normalize, dbl, 0, 0};
    size_t n;
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &req, &p, out, cap, &n), KINESIS_OK);
    /* return the URI and query lines only */
    char *nl = strchr(out, '\n');
    char *end = strchr(strchr(nl + 1, '\n') + 1, '\n');
    *end = '\0';
    return nl + 1;
}

static void path_and_query_canonicalization(void **state) {
    (void)state;
    char b[1024];
    assert_string_equal(canon("GET", "", NULL, 1, 1, b, sizeof(b)), "/\n");
    assert_string_equal(canon("GET", "/a/b/../../../c", "", 1, 1, b, sizeof(b)), "/c\n");
    assert_string_equal(canon("GET", "/a/./b/", "", 1, 1, b, sizeof(b)), "/a/b/\n");
    assert_string_equal(canon("GET", "//", "", 1, 1, b, sizeof(b)), "/\n");
    assert_string_equal(canon("GET", "/a/..", "", 1, 1, b, sizeof(b)), "/\n");
    assert_string_equal(canon("GET", "/..", "", 1, 1, b, sizeof(b)), "/\n");
    assert_string_equal(canon("GET", "/a/../b/../c//d/", "", 1, 1, b, sizeof(b)), "/c/d/\n");
    assert_string_equal(canon("GET", "/..a/.b./...", "", 1, 1, b, sizeof(b)), "/..a/.b./...\n");
    /* double encoding of an already encoded wire path (non-S3) vs. as is (S3) */
    assert_string_equal(canon("GET", "/a%2Fb c", "", 1, 1, b, sizeof(b)), "/a%252Fb%20c\n");
    assert_string_equal(canon("GET", "/a%2Fb//", "", 0, 0, b, sizeof(b)), "/a%2Fb//\n");
    assert_string_equal(canon("GET", "/a//./b", "", 0, 1, b, sizeof(b)), "/a//./b\n");
    assert_string_equal(canon("GET", "/a//./b", "", 1, 0, b, sizeof(b)), "/a/b\n");
    /* query: sort by encoded key then value, decode-then-encode, '=' always present */
    assert_string_equal(canon("GET", "/", "b=2&a=1&a=0", 1, 1, b, sizeof(b)), "/\na=0&a=1&b=2");
    assert_string_equal(canon("GET", "/", "a-b=1&a=2", 1, 1, b, sizeof(b)), "/\na=2&a-b=1");
    assert_string_equal(canon("GET", "/", "k&&x=%zz&", 1, 1, b, sizeof(b)), "/\nk=&x=%25zz");
    assert_string_equal(canon("GET", "/", "a+b=c d&e=%7e%2f", 1, 1, b, sizeof(b)),
                        "/\na%2Bb=c%20d&e=~%2F");
    assert_string_equal(canon("GET", "/", "x=%", 1, 1, b, sizeof(b)), "/\nx=%25");
    assert_string_equal(canon("GET", "/", "=v", 1, 1, b, sizeof(b)), "/\n=v");
}

static void buffer_too_small_reports_size(void **state) {
    (void)state;
    kinesis_signable req = put_record();
    kinesis_http_header h[4];
    memcpy(h, PUT_RECORD_HEADERS, sizeof(PUT_RECORD_HEADERS));
    h[3] = (kinesis_http_header){"X-Amz-Date", "20150830T123600Z"};
    req.headers = h;
    req.header_count = 4;
    kinesis_signing_params p = params_at(T_20150830_123600, "us-east-1");
    char full[1024], small[32];
    size_t n_full, n;
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &req, &p, full, sizeof(full), &n_full),
                     KINESIS_OK);
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &req, &p, small, sizeof(small), &n),
                     KINESIS_E_BUFFER_TOO_SMALL);
    assert_int_equal(n, n_full + 1);
    assert_int_equal(strlen(small), sizeof(small) - 1); /* terminated, truncated prefix */
    char exact[512];
    assert_true(n <= sizeof(exact));
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &req, &p, exact, n_full, &n),
                     KINESIS_E_BUFFER_TOO_SMALL); /* no room for the NUL */
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &req, &p, exact, n_full + 1, &n),
                     KINESIS_OK);
    assert_string_equal(exact, full);
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &req, &p, NULL, 0, &n),
                     KINESIS_E_BUFFER_TOO_SMALL);
    assert_int_equal(n, n_full + 1);

    char sts[200];
    assert_int_equal(kinesis_sigv4_string_to_sign(NULL, full, n_full, "20150830T123600Z",
                                                  "us-east-1", "kinesis", sts, 50, &n),
                     KINESIS_E_BUFFER_TOO_SMALL);
    assert_int_equal(kinesis_sigv4_string_to_sign(NULL, full, n_full, "20150830T123600Z",
                                                  "us-east-1", "kinesis", sts, n, &n),
                     KINESIS_OK);
    assert_int_equal(kinesis_sigv4_string_to_sign(NULL, full, n_full, "2015", "us-east-1",
                                                  "kinesis", sts, sizeof(sts), &n),
                     KINESIS_E_INVALID_ARGUMENT);

    /* an access key so long the Authorization value cannot fit the result's storage */
    kinesis_signer *s = kinesis_signer_new_sigv4(NULL, NULL);
    char ak[1100];
    memset(ak, 'A', sizeof(ak) - 1);
    ak[sizeof(ak) - 1] = '\0';
    kinesis_credentials c = {ak, (char *)SECRET, NULL, 0, NULL};
    p.credentials = &c;
    kinesis_signable plain = put_record();
    kinesis_signing_result res;
    assert_int_equal(kinesis_signer_sign(s, &plain, &p, &res), KINESIS_E_BUFFER_TOO_SMALL);
    assert_int_equal(res.header_count, 0);
    kinesis_signer_destroy(s);
}

/* A canonical request beyond the signer's 4 KiB stack buffer goes through the allocator. */
static void large_headers_use_allocator(void **state) {
    (void)state;
    test_allocator ta;
    test_allocator_init(&ta);
    kinesis_signer *s = kinesis_signer_new_sigv4(NULL, &ta.base);
    assert_non_null(s);
    char *big = malloc(6000);
    memset(big, 'v', 5999);
    big[5999] = '\0';
    kinesis_http_header h[] = {{"Host", "h"}, {"X-Big", big}};
    kinesis_signable req = {"POST", "/", "", h, 2, NULL, 0};
    kinesis_signing_params p = params_at(T_20150830_123600, "us-east-1");
    kinesis_signing_result res;
    long before = ta.total;
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_OK);
    assert_int_equal(ta.total - before, 1);
    assert_non_null(strstr(find(&res, "Authorization"), "SignedHeaders=host;x-amz-date;x-big,"));
    ta.fail_at = ta.total + 1;
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_E_NO_MEMORY);
    kinesis_signer_destroy(s);
    assert_int_equal(ta.live, 0);
    free(big);
}

static void header_limits_and_bad_input(void **state) {
    (void)state;
    kinesis_signer *s = kinesis_signer_new_sigv4(NULL, NULL);
    kinesis_signing_params p = params_at(T_20150830_123600, "us-east-1");
    kinesis_signing_result res;
    char names[KINESIS_SIGV4_MAX_HEADERS + 1][16];
    kinesis_http_header h[KINESIS_SIGV4_MAX_HEADERS + 1];
    for (int i = 0; i <= KINESIS_SIGV4_MAX_HEADERS; i++) {
        snprintf(names[i], sizeof(names[i]), "X-H%02d", KINESIS_SIGV4_MAX_HEADERS - i);
        h[i] = (kinesis_http_header){names[i], "v"};
    }
    /* the signer adds X-Amz-Date, so the request may bring one fewer than the limit */
    kinesis_signable req = {"POST", "/", "", h, KINESIS_SIGV4_MAX_HEADERS - 1, NULL, 0};
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_OK);
    req.header_count = KINESIS_SIGV4_MAX_HEADERS;
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_E_INVALID_ARGUMENT);
    char creq[8192];
    size_t n;
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &req, &p, creq, sizeof(creq), &n),
                     KINESIS_OK);
    req.header_count = KINESIS_SIGV4_MAX_HEADERS + 1;
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &req, &p, creq, sizeof(creq), &n),
                     KINESIS_E_INVALID_ARGUMENT);

    /* query parameter limit */
    char q[KINESIS_SIGV4_MAX_QUERY_PARAMS * 8];
    size_t ql = 0;
    for (int i = 0; i < KINESIS_SIGV4_MAX_QUERY_PARAMS; i++)
        ql += (size_t)snprintf(q + ql, sizeof(q) - ql, "%sp%d=1", i ? "&" : "", i);
    kinesis_signable qreq = {"GET", "/", q, h, 1, NULL, 0};
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &qreq, &p, creq, sizeof(creq), &n),
                     KINESIS_OK);
    snprintf(q + ql, sizeof(q) - ql, "&x=1");
    assert_int_equal(kinesis_sigv4_canonical_request(NULL, &qreq, &p, creq, sizeof(creq), &n),
                     KINESIS_E_INVALID_ARGUMENT);

    /* malformed requests */
    kinesis_http_header bad_name[] = {{"Bad Name", "v"}};
    kinesis_http_header colon[] = {{"a:b", "v"}};
    kinesis_http_header empty_name[] = {{"", "v"}};
    kinesis_http_header null_value[] = {{"a", NULL}};
    kinesis_http_header null_name[] = {{NULL, "v"}};
    kinesis_http_header has_date[] = {{"x-amz-DATE", "20150830T123600Z"}};
    kinesis_http_header has_authz[] = {{"Authorization", "x"}};
    const kinesis_http_header *bads[] = {bad_name,  colon,    empty_name, null_value,
                                         null_name, has_date, has_authz};
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        kinesis_signable b = {"POST", "/", "", bads[i], 1, NULL, 0};
        assert_int_equal(kinesis_signer_sign(s, &b, &p, &res), KINESIS_E_INVALID_ARGUMENT);
        assert_int_equal(res.header_count, 0);
    }
    kinesis_signable ok = put_record();
    kinesis_signable b = ok;
    b.path = "relative";
    assert_int_equal(kinesis_signer_sign(s, &b, &p, &res), KINESIS_E_INVALID_ARGUMENT);
    b = ok;
    b.method = "";
    assert_int_equal(kinesis_signer_sign(s, &b, &p, &res), KINESIS_E_INVALID_ARGUMENT);
    b = ok;
    b.method = NULL;
    assert_int_equal(kinesis_signer_sign(s, &b, &p, &res), KINESIS_E_INVALID_ARGUMENT);
    b = ok;
    b.body = NULL;
    assert_int_equal(kinesis_signer_sign(s, &b, &p, &res), KINESIS_E_INVALID_ARGUMENT);
    b = ok;
    b.headers = NULL;
    assert_int_equal(kinesis_signer_sign(s, &b, &p, &res), KINESIS_E_INVALID_ARGUMENT);

    const char *bad_regions[] = {
        "", "us/east", "us east", NULL,
        "a-region-name-that-is-much-longer-than-sixty-three-bytes-xxxxxxxx"};
    for (size_t i = 0; i < sizeof(bad_regions) / sizeof(bad_regions[0]); i++) {
        kinesis_signing_params bp = p;
        bp.region = bad_regions[i];
        assert_int_equal(kinesis_signer_sign(s, &ok, &bp, &res), KINESIS_E_INVALID_ARGUMENT);
    }
    kinesis_signing_params bp = p;
    bp.time_epoch_s = -1;
    assert_int_equal(kinesis_signer_sign(s, &ok, &bp, &res), KINESIS_E_INVALID_ARGUMENT);
    bp = p;
    bp.credentials = NULL;
    assert_int_equal(kinesis_signer_sign(s, &ok, &bp, &res), KINESIS_E_INVALID_ARGUMENT);
    kinesis_credentials nokey = {"", (char *)SECRET, NULL, 0, NULL};
    bp.credentials = &nokey;
    assert_int_equal(kinesis_signer_sign(s, &ok, &bp, &res), KINESIS_E_INVALID_ARGUMENT);
    kinesis_credentials nosecret = {"AK", NULL, NULL, 0, NULL};
    bp.credentials = &nosecret;
    assert_int_equal(kinesis_signer_sign(s, &ok, &bp, &res), KINESIS_E_INVALID_ARGUMENT);
    /* the signer would add the token header: the request must not have one */
    kinesis_http_header tok[] = {{"Host", "h"}, {"X-Amz-Security-Token", "T"}};
    kinesis_credentials with_token = {"AK", (char *)SECRET, "T", 0, NULL};
    bp.credentials = &with_token;
    kinesis_signable tb = {"POST", "/", "", tok, 2, NULL, 0};
    assert_int_equal(kinesis_signer_sign(s, &tb, &bp, &res), KINESIS_E_INVALID_ARGUMENT);

    assert_int_equal(kinesis_signer_sign(NULL, &ok, &p, &res), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_signer_sign(s, NULL, &p, &res), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_signer_sign(s, &ok, NULL, &res), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_signer_sign(s, &ok, &p, NULL), KINESIS_E_INVALID_ARGUMENT);
    kinesis_signer_destroy(s);
    kinesis_signer_destroy(NULL);
}

/* ---- custom signer through the generic wrapper ---- */
typedef struct custom {
    int signs, destroyed;
} custom;

static kinesis_status custom_sign(void *impl, const kinesis_signable *req,
                                  const kinesis_signing_params *params,
                                  kinesis_signing_result *out) {
    (void)req;
    (void)params;
    custom *c = impl;
    c->signs++;
    out->headers[0] = (kinesis_http_header){"Authorization", "Custom"};
    out->header_count = 1;
    return KINESIS_OK;
}
static void custom_destroy(void *impl) { ((custom *)impl)->destroyed++; }

static void custom_signer(void **state) {
    (void)state;
    test_allocator ta;
    test_allocator_init(&ta);
    custom c = {0, 0};
    kinesis_signer_vtable vt = {custom_sign, custom_destroy};
    kinesis_signer *s = kinesis_signer_new(&vt, &c, &ta.base);
    assert_non_null(s);
    vt.sign = NULL; /* the table was copied */
    kinesis_signable req = put_record();
    kinesis_signing_params p = params_at(T_20150830_123600, "us-east-1");
    kinesis_signing_result res;
    assert_int_equal(kinesis_signer_sign(s, &req, &p, &res), KINESIS_OK);
    assert_int_equal(c.signs, 1);
    assert_string_equal(res.headers[0].value, "Custom");
    kinesis_signer_destroy(s);
    assert_int_equal(c.destroyed, 1);
    assert_int_equal(ta.live, 0);
    assert_null(kinesis_signer_new(NULL, &c, NULL));
    assert_null(kinesis_signer_new(&vt, &c, NULL)); /* no sign function */
    ta.fail_at = ta.total + 1;
    assert_null(kinesis_signer_new_sigv4(NULL, &ta.base));
    ta.fail_at = ta.total + 2; /* the wrapper's allocation fails after the impl's */
    assert_null(kinesis_signer_new_sigv4(NULL, &ta.base));
    assert_int_equal(ta.live, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(date_formatting),
        cmocka_unit_test(signing_key_quick_checks),
        cmocka_unit_test(default_hmac_rfc4231),
        cmocka_unit_test(sign_kinesis_put_record),
        cmocka_unit_test(key_cache_hits_and_misses),
        cmocka_unit_test(body_hashed_once),
        cmocka_unit_test(unsigned_payload),
        cmocka_unit_test(sign_is_pure),
        cmocka_unit_test(session_token_signed_or_omitted),
        cmocka_unit_test(shared_by_threads),
        cmocka_unit_test(path_and_query_canonicalization),
        cmocka_unit_test(buffer_too_small_reports_size),
        cmocka_unit_test(large_headers_use_allocator),
        cmocka_unit_test(header_limits_and_bad_input),
        cmocka_unit_test(custom_signer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

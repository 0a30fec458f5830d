/* SigV4 core: canonical request, string to sign, key derivation and signature over caller
 * buffers. Nothing here allocates: sorting uses fixed-size on-stack arrays, path normalization
 * runs right to left so it needs no segment stack, and every writer only counts once the caller's
 * buffer is full (so BUFFER_TOO_SMALL can report the size needed). */
#include "sigv4_internal.h"

#include "internal.h"

static const char HEX_LOWER[] = "0123456789abcdef";
static const char HEX_UPPER[] = "0123456789ABCDEF";

/* ---- bounded writer: writes while there is room, always counts ---- */
typedef struct writer {
    char *p;
    size_t cap;
    size_t len;
} writer;

static inline void wr_char(writer *w, char c) {
    if (w->len < w->cap) w->p[w->len] = c;
    w->len++;
}

static void wr_mem(writer *w, const char *s, size_t n) {
    if (w->len < w->cap) {
        size_t room = w->cap - w->len;
        memcpy(w->p + w->len, s, n < room ? n : room);
    }
    w->len += n;
}

static inline void wr_at(writer *w, size_t pos, char c) {
    if (pos < w->cap) w->p[pos] = c;
}

/* NUL-terminate and report; the needed capacity (length + 1) when it did not fit. */
static kinesis_status wr_finish(writer *w, size_t *out_len) {
    if (w->len >= w->cap) {
        if (w->cap > 0) w->p[w->cap - 1] = '\0';
        if (out_len) *out_len = w->len + 1;
        return KINESIS_E_BUFFER_TOO_SMALL;
    }
    w->p[w->len] = '\0';
    if (out_len) *out_len = w->len;
    return KINESIS_OK;
}

/* ---- small helpers ---- */
void kinesis_sigv4_hex(const uint8_t *in, size_t len, char *out) {
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = HEX_LOWER[in[i] >> 4];
        out[2 * i + 1] = HEX_LOWER[in[i] & 15];
    }
    out[2 * len] = '\0';
}

void kinesis_sigv4_wipe(void *p, size_t n) {
    volatile uint8_t *v = p;
    while (n--) *v++ = 0;
}

/* RFC 3986 unreserved: the only bytes SigV4 leaves unencoded. */
static inline int is_unreserved(uint8_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static inline int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* RFC 7230 token characters, the only ones allowed in a header name: bit c%32 of word c/32
 * (a table, since this runs for every byte of every header name). */
static const uint32_t TCHAR_BITS[8] = {0x00000000, /* controls */
                                       0x03ff6cfa, /* ! # $ % & ' * + - . 0-9 */
                                       0xc7fffffe, /* A-Z ^ _ */
                                       0x57ffffff, /* ` a-z | ~ */
                                       0,          0, 0, 0};
static inline int is_tchar(uint8_t c) { return (TCHAR_BITS[c >> 5] >> (c & 31)) & 1; }

int kinesis_sigv4_valid_scope_name(const char *s) {
    if (!s) return 0;
    size_t n = 0;
    for (; s[n]; n++) {
        uint8_t c = (uint8_t)s[n];
        if (c <= ' ' || c == 0x7f || c == '/') return 0;
        if (n >= KINESIS_SIGV4_MAX_NAME_LEN) return 0;
    }
    return n > 0;
}

/* ---- date ---- */
static void put_digits(char *out, int64_t v, int width) {
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + (v % 10));
        v /= 10;
    }
}

void kinesis_sigv4_format_date(int64_t t, char out[17]) {
    /* 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z */
    const int64_t min_t = -62167219200LL, max_t = 253402300799LL;
    if (t < min_t) t = min_t;
    if (t > max_t) t = max_t;
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    /* Civil date from days since 1970-01-01, counting in 400-year eras from 0000-03-01 so
     * the leap day falls at the end of each year. */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    put_digits(out, year, 4);
    put_digits(out + 4, month, 2);
    put_digits(out + 6, day, 2);
    out[8] = 'T';
    put_digits(out + 9, secs / 3600, 2);
    put_digits(out + 11, (secs / 60) % 60, 2);
    put_digits(out + 13, secs % 60, 2);
    out[15] = 'Z';
    out[16] = '\0';
}

/* ---- canonical URI ---- */
/* Length of s[0..n) as enc_at() writes it. */
static size_t enc_len(const char *s, size_t n, int encode) {
    if (!encode) return n;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) len += (is_unreserved((uint8_t)s[i]) || s[i] == '/') ? 1 : 3;
    return len;
}

/* Write s[0..n) at w[pos..), %-encoding everything but unreserved bytes and '/' when `encode`. */
static void enc_at(writer *w, size_t pos, const char *s, size_t n, int encode) {
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (!encode || is_unreserved(c) || c == '/') {
            wr_at(w, pos++, (char)c);
        } else {
            wr_at(w, pos++, '%');
            wr_at(w, pos++, HEX_UPPER[c >> 4]);
            wr_at(w, pos++, HEX_UPPER[c & 15]);
        }
    }
}

typedef enum { SEG_SKIP, SEG_UP, SEG_NAME } seg_kind;

static seg_kind classify(const char *s, size_t n) {
    if (n == 0 || (n == 1 && s[0] == '.')) return SEG_SKIP;
    if (n == 2 && s[0] == '.' && s[1] == '.') return SEG_UP;
    return SEG_NAME;
}

/* Normalized path: drop empty and "." segments, let ".." remove the nearest kept name to its
 * left (never above the root), keep a trailing '/' when something is left. Walking right to left
 * with a count of pending ".." decides each name without a stack; the first pass sizes the
 * output, the second fills it backwards. */
static void canonical_uri_normalized(writer *w, const char *path, size_t n, int encode) {
    size_t total = 0, kept = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t pos = 0, skip = 0;
        if (pass == 1) {
            if (kept == 0) {
                wr_char(w, '/');
                return;
            }
            int trailing = path[n - 1] == '/';
            pos = w->len + total + (size_t)trailing;
            w->len = pos;
            if (trailing) wr_at(w, --pos, '/');
        }
        size_t end = n;
        while (end > 0) {
            size_t start = end;
            while (start > 0 && path[start - 1] != '/') start--;
            const char *seg = path + start;
            size_t seg_n = end - start;
            seg_kind k = classify(seg, seg_n);
            if (k == SEG_UP) {
                skip++;
            } else if (k == SEG_NAME) {
                if (skip) {
                    skip--;
                } else if (pass == 0) {
                    kept++;
                    total += 1 + enc_len(seg, seg_n, encode);
                } else {
                    pos -= enc_len(seg, seg_n, encode);
                    enc_at(w, pos, seg, seg_n, encode);
                    wr_at(w, --pos, '/');
                }
            }
            if (start == 0) break;
            end = start - 1;
        }
    }
}

static void canonical_uri(writer *w, const char *path, int normalize, int encode) {
    size_t n = strlen(path);
    if (n == 0) {
        wr_char(w, '/');
    } else if (normalize) {
        canonical_uri_normalized(w, path, n, encode);
    } else {
        enc_at(w, w->len, path, n, encode);
        w->len += enc_len(path, n, encode);
    }
}

/* ---- canonical query ---- */
static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Yields the canonical encoding of a query key or value byte by byte: a valid %XX is decoded
 * first (so pre-encoded and raw input canonicalize the same), then every byte that is not
 * unreserved is encoded as %XX uppercase. */
typedef struct enc_iter {
    const char *s;
    size_t n, i;
    char pend[2];
    int npend;
} enc_iter;

static void enc_iter_init(enc_iter *it, const char *s, size_t n) {
    it->s = s;
    it->n = n;
    it->i = 0;
    it->npend = 0;
}

static int enc_iter_next(enc_iter *it) {
    if (it->npend) {
        int c = (uint8_t)it->pend[2 - it->npend];
        it->npend--;
        return c;
    }
    if (it->i >= it->n) return -1;
    uint8_t b = (uint8_t)it->s[it->i];
    int hi, lo;
    if (b == '%' && it->i + 2 < it->n && (hi = hexval(it->s[it->i + 1])) >= 0 &&
        (lo = hexval(it->s[it->i + 2])) >= 0) {
        b = (uint8_t)(hi * 16 + lo);
        it->i += 3;
    } else {
        it->i++;
    }
    if (is_unreserved(b)) return b;
    it->pend[0] = HEX_UPPER[b >> 4];
    it->pend[1] = HEX_UPPER[b & 15];
    it->npend = 2;
    return '%';
}

static int enc_cmp(const char *a, size_t an, const char *b, size_t bn) {
    enc_iter x, y;
    enc_iter_init(&x, a, an);
    enc_iter_init(&y, b, bn);
    for (;;) {
        int ca = enc_iter_next(&x), cb = enc_iter_next(&y);
        if (ca != cb) return ca < cb ? -1 : 1;
        if (ca < 0) return 0;
    }
}

static void wr_enc(writer *w, const char *s, size_t n) {
    enc_iter it;
    enc_iter_init(&it, s, n);
    int c;
    while ((c = enc_iter_next(&it)) >= 0) wr_char(w, (char)c);
}

typedef struct qparam {
    const char *k;
    size_t kn;
    const char *v;
    size_t vn;
} qparam;

static int qparam_cmp(const qparam *a, const qparam *b) {
    int c = enc_cmp(a->k, a->kn, b->k, b->kn);
    return c ? c : enc_cmp(a->v, a->vn, b->v, b->vn);
}

static kinesis_status canonical_query(writer *w, const char *query) {
    if (!query || !*query) return KINESIS_OK;
    qparam params[KINESIS_SIGV4_MAX_QUERY_PARAMS];
    size_t count = 0;
    const char *p = query;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > 0) { /* "a&&b" and a trailing '&' carry no parameter */
            if (count == KINESIS_SIGV4_MAX_QUERY_PARAMS) return KINESIS_E_INVALID_ARGUMENT;
            const char *eq = memchr(p, '=', n);
            qparam q = {p, eq ? (size_t)(eq - p) : n, eq ? eq + 1 : p + n, 0};
            q.vn = eq ? n - q.kn - 1 : 0;
            /* insertion sort: stable and fine for the small counts allowed */
            size_t i = count++;
            while (i > 0 && qparam_cmp(&params[i - 1], &q) > 0) {
                params[i] = params[i - 1];
                i--;
            }
            params[i] = q;
        }
        p += n;
        if (*p == '&') p++;
    }
    for (size_t i = 0; i < count; i++) {
        if (i) wr_char(w, '&');
        wr_enc(w, params[i].k, params[i].kn);
        wr_char(w, '=');
        wr_enc(w, params[i].v, params[i].vn);
    }
    return KINESIS_OK;
}

/* ---- canonical headers ---- */
typedef struct href {
    const char *name;
    size_t name_len;
    const char *value;
} href;

static int name_cmp(const href *a, const href *b) {
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    for (size_t i = 0; i < n; i++) {
        char ca = lower(a->name[i]), cb = lower(b->name[i]);
        if (ca != cb) return (uint8_t)ca < (uint8_t)cb ? -1 : 1;
    }
    return a->name_len < b->name_len ? -1 : a->name_len > b->name_len;
}

static int name_is(const href *h, const char *lower_name, size_t n) {
    if (h->name_len != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(h->name[i]) != lower_name[i]) return 0;
    return 1;
}

/* Trim, and collapse each inner run of whitespace (obsolete line folding included) to one
 * space, as botocore's ' '.join(value.split()) does. */
static void wr_value(writer *w, const char *v) {
    while (is_space(*v)) v++;
    while (*v) {
        const char *run = v;
        while (*v && !is_space(*v)) v++;
        wr_mem(w, run, (size_t)(v - run));
        while (is_space(*v)) v++;
        if (*v) wr_char(w, ' ');
    }
}

static void wr_lower(writer *w, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) wr_char(w, lower(s[i]));
}

static kinesis_status add_headers(href *refs, size_t *count, const kinesis_http_header *h, size_t n,
                                  int omit_token) {
    if (n && !h) return KINESIS_E_INVALID_ARGUMENT;
    for (size_t j = 0; j < n; j++) {
        if (!h[j].name || !h[j].value || !h[j].name[0]) return KINESIS_E_INVALID_ARGUMENT;
        href r = {h[j].name, 0, h[j].value};
        for (; r.name[r.name_len]; r.name_len++)
            if (!is_tchar((uint8_t)r.name[r.name_len])) return KINESIS_E_INVALID_ARGUMENT;
        if (omit_token && name_is(&r, "x-amz-security-token", 20)) continue;
        if (*count == KINESIS_SIGV4_MAX_HEADERS) return KINESIS_E_INVALID_ARGUMENT;
        size_t i = (*count)++;
        while (i > 0 && name_cmp(&refs[i - 1], &r) > 0) {
            refs[i] = refs[i - 1];
            i--;
        }
        refs[i] = r;
    }
    return KINESIS_OK;
}

kinesis_status kinesis_sigv4_canonical_request_ex(
    const kinesis_crypto *crypto, const kinesis_signable *req, const kinesis_http_header *extra,
    size_t extra_count, const kinesis_signing_params *params, const char *payload_hash_hex,
    char *out, size_t cap, size_t *out_len) {
    if (!req || !params || !out_len || (!out && cap)) return KINESIS_E_INVALID_ARGUMENT;
    if (!req->method || !req->method[0]) return KINESIS_E_INVALID_ARGUMENT;
    const char *path = req->path ? req->path : "";
    if (path[0] && path[0] != '/') return KINESIS_E_INVALID_ARGUMENT;
    if (!req->body && req->body_len) return KINESIS_E_INVALID_ARGUMENT;
    if (!crypto) crypto = kinesis_crypto_default();

    href refs[KINESIS_SIGV4_MAX_HEADERS];
    size_t count = 0;
    kinesis_status st =
        add_headers(refs, &count, req->headers, req->header_count, params->omit_session_token);
    if (st == KINESIS_OK)
        st = add_headers(refs, &count, extra, extra_count, params->omit_session_token);
    if (st != KINESIS_OK) return st;

    writer w = {out, cap, 0};
    wr_mem(&w, req->method, strlen(req->method));
    wr_char(&w, '\n');
    canonical_uri(&w, path, params->normalize_path, params->double_encode_path);
    wr_char(&w, '\n');
    st = canonical_query(&w, req->query);
    if (st != KINESIS_OK) return st;
    wr_char(&w, '\n');

    const href *content_sha = NULL;
    for (size_t i = 0; i < count; i++) {
        if (i == 0 || name_cmp(&refs[i - 1], &refs[i]) != 0) {
            if (i) wr_char(&w, '\n');
            wr_lower(&w, refs[i].name, refs[i].name_len);
            wr_char(&w, ':');
            if (!content_sha && name_is(&refs[i], "x-amz-content-sha256", 20))
                content_sha = &refs[i];
        } else {
            wr_char(&w, ',');
        }
        wr_value(&w, refs[i].value);
    }
    if (count) wr_char(&w, '\n');
    wr_char(&w, '\n');
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && name_cmp(&refs[i - 1], &refs[i]) == 0) continue;
        if (i) wr_char(&w, ';');
        wr_lower(&w, refs[i].name, refs[i].name_len);
    }
    wr_char(&w, '\n');

    if (payload_hash_hex) {
        wr_mem(&w, payload_hash_hex, strlen(payload_hash_hex));
    } else if (content_sha) {
        wr_value(&w, content_sha->value);
    } else {
        static const uint8_t empty[1] = {0};
        uint8_t digest[KINESIS_SHA256_LEN];
        char hex[2 * KINESIS_SHA256_LEN + 1];
        crypto->sha256(crypto->user, req->body ? req->body : empty, req->body_len, digest);
        kinesis_sigv4_hex(digest, sizeof(digest), hex);
        wr_mem(&w, hex, 2 * KINESIS_SHA256_LEN);
    }
    return wr_finish(&w, out_len);
}

kinesis_status kinesis_sigv4_canonical_request(const kinesis_crypto *crypto,
                                               const kinesis_signable *req,
                                               const kinesis_signing_params *params, char *out,
                                               size_t cap, size_t *out_len) {
    return kinesis_sigv4_canonical_request_ex(crypto, req, NULL, 0, params, NULL, out, cap,
                                              out_len);
}

/* ---- string to sign, key, signature ---- */
kinesis_status kinesis_sigv4_string_to_sign(const kinesis_crypto *crypto,
                                            const char *canonical_request,
                                            size_t canonical_request_len, const char *amz_date,
                                            const char *region, const char *service, char *out,
                                            size_t cap, size_t *out_len) {
    if (!canonical_request || !amz_date || !region || !service || !out_len || (!out && cap))
        return KINESIS_E_INVALID_ARGUMENT;
    if (strlen(amz_date) != 16 || !region[0] || !service[0]) return KINESIS_E_INVALID_ARGUMENT;
    if (!crypto) crypto = kinesis_crypto_default();
    uint8_t digest[KINESIS_SHA256_LEN];
    char hex[2 * KINESIS_SHA256_LEN + 1];
    crypto->sha256(crypto->user, (const uint8_t *)canonical_request, canonical_request_len, digest);
    kinesis_sigv4_hex(digest, sizeof(digest), hex);

    writer w = {out, cap, 0};
    wr_mem(&w, "AWS4-HMAC-SHA256\n", 17);
    wr_mem(&w, amz_date, 16);
    wr_char(&w, '\n');
    wr_mem(&w, amz_date, 8);
    wr_char(&w, '/');
    wr_mem(&w, region, strlen(region));
    wr_char(&w, '/');
    wr_mem(&w, service, strlen(service));
    wr_mem(&w, "/aws4_request\n", 14);
    wr_mem(&w, hex, 2 * KINESIS_SHA256_LEN);
    return wr_finish(&w, out_len);
}

kinesis_status kinesis_sigv4_signing_key(const kinesis_crypto *crypto, const char *secret,
                                         const char *date8, const char *region, const char *service,
                                         uint8_t out[KINESIS_SHA256_LEN]) {
    if (!out) return KINESIS_E_INVALID_ARGUMENT;
    size_t secret_len = secret ? strlen(secret) : 0;
    if (!secret || !date8 || !region || !service || secret_len > KINESIS_SIGV4_MAX_SECRET_LEN) {
        memset(out, 0, KINESIS_SHA256_LEN);
        return KINESIS_E_INVALID_ARGUMENT;
    }
    if (!crypto) crypto = kinesis_crypto_default();
    uint8_t k0[4 + KINESIS_SIGV4_MAX_SECRET_LEN];
    uint8_t k1[KINESIS_SHA256_LEN], k2[KINESIS_SHA256_LEN], k3[KINESIS_SHA256_LEN];
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, secret_len);
    crypto->hmac_sha256(crypto->user, k0, 4 + secret_len, (const uint8_t *)date8, strlen(date8),
                        k1);
    crypto->hmac_sha256(crypto->user, k1, sizeof(k1), (const uint8_t *)region, strlen(region), k2);
    crypto->hmac_sha256(crypto->user, k2, sizeof(k2), (const uint8_t *)service, strlen(service),
                        k3);
    crypto->hmac_sha256(crypto->user, k3, sizeof(k3), (const uint8_t *)"aws4_request", 12, out);
    kinesis_sigv4_wipe(k0, 4 + secret_len);
    kinesis_sigv4_wipe(k1, sizeof(k1));
    kinesis_sigv4_wipe(k2, sizeof(k2));
    kinesis_sigv4_wipe(k3, sizeof(k3));
    return KINESIS_OK;
}

void kinesis_sigv4_signature(const kinesis_crypto *crypto,
                             const uint8_t signing_key[KINESIS_SHA256_LEN],
                             const char *string_to_sign, size_t len, char out[65]) {
    if (!crypto) crypto = kinesis_crypto_default();
    uint8_t mac[KINESIS_SHA256_LEN];
    crypto->hmac_sha256(crypto->user, signing_key, KINESIS_SHA256_LEN,
                        (const uint8_t *)string_to_sign, len, mac);
    kinesis_sigv4_hex(mac, sizeof(mac), out);
}

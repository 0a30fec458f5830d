/* Typed request building for the CLI: shorthand parsing and shape-typed JSON emission.
 * See shorthand.h for the syntax and typing rules. */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */

#include "shorthand.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting bound for shorthand and JSON values, so hostile input cannot exhaust the stack. */
#define CLI_MAX_DEPTH 32

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...) {
    if (err && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

const char *cli_type_name(cli_type type) {
    switch (type) {
    case CLI_T_STRING:
        return "string";
    case CLI_T_INTEGER:
        return "integer";
    case CLI_T_LONG:
        return "long";
    case CLI_T_BOOLEAN:
        return "boolean";
    case CLI_T_DOUBLE:
        return "double";
    case CLI_T_TIMESTAMP:
        return "timestamp";
    case CLI_T_BLOB:
        return "blob";
    case CLI_T_STRUCTURE:
        return "structure";
    case CLI_T_LIST:
        return "list";
    case CLI_T_MAP:
        return "map";
    }
    return "?";
}

long cli_utf8_length(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            extra = 0;
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return -1;
        }
        if (extra > len - i - 1) return -1;
        for (size_t k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return -1;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        /* reject overlong forms, surrogates and values past U+10FFFF */
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        i += extra + 1;
        n++;
    }
    return n;
}

/* ---- timestamps ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int read_digits(const char **p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int cli_parse_timestamp(const char *text, double *out) {
    if (!text || !*text) return -1;
    /* A plain number: epoch seconds. */
    char *end = NULL;
    errno = 0;
    double num = strtod(text, &end);
    if (end && *end == '\0' && errno == 0 && isfinite(num) &&
        (isdigit((unsigned char)text[0]) || text[0] == '-' || text[0] == '.') &&
        strchr(text, 'x') == NULL && strchr(text, 'X') == NULL) {
        /* "2024" alone would also be a year; the AWS CLI reads digits as epoch seconds. */
        *out = num;
        return 0;
    }
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, s = 0;
    double frac = 0;
    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &mo) || *p++ != '-' ||
        read_digits(&p, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap)) return -1;
    int64_t offset = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (read_digits(&p, 2, &h) || *p++ != ':' || read_digits(&p, 2, &mi)) return -1;
        if (*p == ':') {
            p++;
            if (read_digits(&p, 2, &s)) return -1;
            if (*p == '.' || *p == ',') {
                p++;
                double scale = 0.1;
                if (!isdigit((unsigned char)*p)) return -1;
                while (isdigit((unsigned char)*p)) {
                    frac += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
        if (h > 23 || mi > 59 || s > 60) return -1;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, oh, om;
            p++;
            if (read_digits(&p, 2, &oh)) return -1;
            if (*p == ':') p++;
            if (read_digits(&p, 2, &om) || oh > 23 || om > 59) return -1;
            offset = sign * (int64_t)(oh * 3600 + om * 60);
        }
    }
    if (*p != '\0') return -1;
    int64_t secs =
        days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s - offset;
    *out = (double)secs + frac;
    return 0;
}

/* ---- shorthand -> untyped JSON ---- */

typedef struct sh_parser {
    const char *p;
    yajl_gen g;
    char *err;
    size_t err_cap;
    int depth;
} sh_parser;

static void sh_skip_ws(sh_parser *sp) {
    while (*sp->p == ' ' || *sp->p == '\t' || *sp->p == '\n' || *sp->p == '\r') sp->p++;
}

/* Does the text at q look like "key=" (a new key-value pair) rather than another value? */
static int sh_looks_like_key(const char *q) {
    while (*q == ' ' || *q == '\t') q++;
    const char *start = q;
    while (*q && !strchr(",={}[]'\"", *q)) q++;
    if (q == start) return 0;
    return *q == '=';
}

/* A scalar: quoted, or unquoted up to a delimiter in `stops`. Appends to buf (malloc'd). */
static int sh_scalar(sh_parser *sp, const char *stops, char **out, size_t *out_len) {
    size_t cap = strlen(sp->p) + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) return fail(sp->err, sp->err_cap, "out of memory");
    sh_skip_ws(sp);
    if (*sp->p == '\'' || *sp->p == '"') {
        char q = *sp->p++;
        while (*sp->p && *sp->p != q) {
            if (*sp->p == '\\' && (sp->p[1] == q || sp->p[1] == '\\')) sp->p++;
            buf[n++] = *sp->p++;
        }
        if (*sp->p != q) {
            free(buf);
            return fail(sp->err, sp->err_cap, "unterminated quote in shorthand value");
        }
        sp->p++;
        sh_skip_ws(sp);
        if (*sp->p && !strchr(stops, *sp->p)) {
            free(buf);
            return fail(sp->err, sp->err_cap, "unexpected '%c' after a quoted shorthand value",
                        *sp->p);
        }
    } else {
        size_t last_nonspace = 0;
        while (*sp->p && !strchr(stops, *sp->p)) {
            if (*sp->p == '\\' && sp->p[1]) sp->p++;
            buf[n++] = *sp->p++;
            if (buf[n - 1] != ' ' && buf[n - 1] != '\t') last_nonspace = n;
        }
        n = last_nonspace;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
}

static int sh_params(sh_parser *sp, char close);

/* Where the value at p ends (at a stop character, or at the end on a syntax error); the real
 * parse reports errors. */
static const char *sh_skip_value(const char *p, const char *stops) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p == '{' || *p == '[') {
        size_t depth = 0;
        while (*p) {
            if (*p == '\'' || *p == '"') {
                char q = *p++;
                while (*p && *p != q) p += (*p == '\\' && p[1]) ? 2 : 1;
                if (*p) p++;
                continue;
            }
            if (*p == '\\' && p[1]) {
                p += 2;
                continue;
            }
            if (*p == '{' || *p == '[') depth++;
            if ((*p == '}' || *p == ']') && --depth == 0) {
                p++;
                break;
            }
            p++;
        }
    } else if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p && *p != q) p += (*p == '\\' && p[1]) ? 2 : 1;
        if (*p) p++;
    } else {
        while (*p && !strchr(stops, *p)) p += (*p == '\\' && p[1]) ? 2 : 1;
        return p;
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

static int sh_value(sh_parser *sp, const char *stops) {
    sh_skip_ws(sp);
    if (*sp->p == '{' || *sp->p == '[') {
        if (++sp->depth > CLI_MAX_DEPTH) return fail(sp->err, sp->err_cap, "nested too deeply");
        int rc;
        if (*sp->p == '{') {
            sp->p++;
            yajl_gen_map_open(sp->g);
            rc = sh_params(sp, '}');
            yajl_gen_map_close(sp->g);
        } else {
            sp->p++;
            yajl_gen_array_open(sp->g);
            rc = 0;
            sh_skip_ws(sp);
            if (*sp->p != ']') {
                for (;;) {
                    if ((rc = sh_value(sp, ",]")) != 0) break;
                    sh_skip_ws(sp);
                    if (*sp->p != ',') break;
                    sp->p++;
                }
            }
            if (rc == 0 && *sp->p != ']')
                rc = fail(sp->err, sp->err_cap, "expected ']' in shorthand list");
            if (rc == 0) sp->p++;
            yajl_gen_array_close(sp->g);
        }
        sp->depth--;
        sh_skip_ws(sp);
        return rc;
    }
    char *s;
    size_t n;
    if (sh_scalar(sp, stops, &s, &n)) return -1;
    yajl_gen_string(sp->g, (const unsigned char *)s, n);
    free(s);
    return 0;
}

/* key=value[,key=value...] up to `close` ('\0' at top level). */
static int sh_params(sh_parser *sp, char close) {
    char stops[4] = {',', close ? close : '\0', '\0', '\0'};
    sh_skip_ws(sp);
    if (*sp->p == close) {
        if (close) sp->p++;
        return 0;
    }
    for (;;) {
        char *key;
        size_t klen;
        if (sh_scalar(sp, close ? ",=}" : ",=", &key, &klen)) return -1;
        if (*sp->p != '=') {
            fail(sp->err, sp->err_cap, "expected Key=Value in shorthand, got \"%s\"", key);
            free(key);
            return -1;
        }
        if (klen == 0) {
            free(key);
            return fail(sp->err, sp->err_cap, "empty key in shorthand");
        }
        sp->p++;
        yajl_gen_string(sp->g, (const unsigned char *)key, klen);
        free(key);
        /* A value, then more comma-separated values that are not "key=": an implicit list. */
        const char *save = sp->p;
        /* Look ahead (textually, so nesting costs no re-parse): another bare value after
         * this one? */
        const char *after = sh_skip_value(sp->p, stops);
        int implicit_list = *after == ',' && !sh_looks_like_key(after + 1);
        sp->p = save;
        if (implicit_list) yajl_gen_array_open(sp->g);
        for (;;) {
            if (sh_value(sp, stops)) return -1;
            if (!implicit_list || *sp->p != ',' || sh_looks_like_key(sp->p + 1)) break;
            sp->p++;
        }
        if (implicit_list) yajl_gen_array_close(sp->g);
        sh_skip_ws(sp);
        if (*sp->p == ',') {
            sp->p++;
            continue;
        }
        if (*sp->p == close) {
            if (close) sp->p++;
            return 0;
        }
        return fail(sp->err, sp->err_cap, "unexpected '%c' in shorthand", *sp->p);
    }
}

char *cli_shorthand_to_json(const char *text, char *err, size_t err_cap) {
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g) {
        fail(err, err_cap, "out of memory");
        return NULL;
    }
    sh_parser sp = {text, g, err, err_cap, 0};
    yajl_gen_map_open(g);
    int rc = sh_params(&sp, '\0');
    yajl_gen_map_close(g);
    char *out = NULL;
    if (rc == 0) {
        const unsigned char *buf;
        size_t len;
        if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok && (out = malloc(len + 1))) {
            memcpy(out, buf, len);
            out[len] = '\0';
        } else {
            fail(err, err_cap, "out of memory");
        }
    }
    yajl_gen_free(g);
    return out;
}

/* ---- typed emission ---- */

static int is_scalar(cli_type t) {
    return t != CLI_T_STRUCTURE && t != CLI_T_LIST && t != CLI_T_MAP;
}

static int parse_int64(const char *s, int64_t *out) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || isspace((unsigned char)s[0])) return -1;
    *out = (int64_t)v;
    return 0;
}

static int emit_number_text(yajl_gen g, const char *s) {
    return yajl_gen_number(g, s, strlen(s)) == yajl_gen_status_ok ? 0 : -1;
}

/* Emit a scalar of `shape` from text (an option value or a JSON string). */
static int emit_scalar_text(const cli_shape *shape, const char *path, const char *text, size_t len,
                            yajl_gen g, char *err, size_t cap) {
    switch (shape->type) {
    case CLI_T_STRING:
    case CLI_T_BLOB: {
        if (shape->type == CLI_T_STRING) {
            long n = cli_utf8_length(text, len);
            if (n < 0) return fail(err, cap, "%s: not valid UTF-8", path);
            if (shape->has_min && n < shape->min)
                return fail(err, cap, "%s: length %ld is below the minimum of %lld characters",
                            path, n, (long long)shape->min);
            if (shape->has_max && n > shape->max)
                return fail(err, cap, "%s: length %ld exceeds the maximum of %lld characters", path,
                            n, (long long)shape->max);
        }
        yajl_gen_string(g, (const unsigned char *)text, len);
        return 0;
    }
    case CLI_T_INTEGER:
    case CLI_T_LONG: {
        int64_t v;
        if (memchr(text, '\0', len) || parse_int64(text, &v) ||
            (shape->type == CLI_T_INTEGER && (v > INT32_MAX || v < INT32_MIN)))
            return fail(err, cap, "%s: expected an integer, got \"%s\"", path, text);
        if (shape->has_min && v < shape->min)
            return fail(err, cap, "%s: %lld is below the minimum of %lld", path, (long long)v,
                        (long long)shape->min);
        if (shape->has_max && v > shape->max)
            return fail(err, cap, "%s: %lld exceeds the maximum of %lld", path, (long long)v,
                        (long long)shape->max);
        yajl_gen_integer(g, (long long)v);
        return 0;
    }
    case CLI_T_DOUBLE: {
        char *end;
        errno = 0;
        double d = strtod(text, &end);
        if (!*text || *end != '\0' || errno || !isfinite(d) || isspace((unsigned char)*text))
            return fail(err, cap, "%s: expected a number, got \"%s\"", path, text);
        return emit_number_text(g, text);
    }
    case CLI_T_TIMESTAMP: {
        double t;
        if (cli_parse_timestamp(text, &t))
            return fail(err, cap,
                        "%s: expected a timestamp (epoch seconds or ISO 8601 like "
                        "2024-05-01T12:00:00Z), got \"%s\"",
                        path, text);
        char num[64];
        if (t == floor(t) && fabs(t) < 1e15)
            snprintf(num, sizeof num, "%lld", (long long)t);
        else {
            /* milliseconds are the service's resolution; drop trailing zeros */
            snprintf(num, sizeof num, "%.6f", t);
            size_t n = strlen(num);
            while (n > 0 && num[n - 1] == '0') num[--n] = '\0';
            if (n > 0 && num[n - 1] == '.') num[--n] = '\0';
        }
        return emit_number_text(g, num);
    }
    case CLI_T_BOOLEAN:
        if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0) {
            yajl_gen_bool(g, 1);
            return 0;
        }
        if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0) {
            yajl_gen_bool(g, 0);
            return 0;
        }
        return fail(err, cap, "%s: expected true or false, got \"%s\"", path, text);
    default:
        return fail(err, cap, "%s: expected a %s", path, cli_type_name(shape->type));
    }
}

static int emit_value_depth(const cli_shape *shape, const char *path, yajl_val v, yajl_gen g,
                            char *err, size_t cap, int depth);

static int check_count(const cli_shape *shape, const char *path, size_t n, char *err, size_t cap) {
    if (shape->has_min && (int64_t)n < shape->min)
        return fail(err, cap, "%s: %zu entries, the minimum is %lld", path, n,
                    (long long)shape->min);
    if (shape->has_max && (int64_t)n > shape->max)
        return fail(err, cap, "%s: %zu entries, the maximum is %lld", path, n,
                    (long long)shape->max);
    return 0;
}

static int emit_structure(const cli_shape *shape, const char *path, yajl_val v, yajl_gen g,
                          char *err, size_t cap, int depth) {
    if (!YAJL_IS_OBJECT(v)) return fail(err, cap, "%s: expected a structure (JSON object)", path);
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *key = v->u.object.keys[i];
        size_t m = 0;
        while (m < shape->member_count && strcmp(shape->members[m].name, key) != 0) m++;
        if (m == shape->member_count) {
            char names[512] = "";
            size_t used = 0;
            for (size_t k = 0; k < shape->member_count && used < sizeof names; k++)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "",
                                         shape->members[k].name);
            return fail(err, cap, "%s: unknown parameter \"%s\", must be one of: %s", path, key,
                        names);
        }
    }
    for (size_t m = 0; m < shape->member_count; m++) {
        int found = 0;
        for (size_t i = 0; i < v->u.object.len; i++)
            if (strcmp(shape->members[m].name, v->u.object.keys[i]) == 0 &&
                !YAJL_IS_NULL(v->u.object.values[i]))
                found = 1;
        if (shape->members[m].required && !found)
            return fail(err, cap, "%s: missing required parameter \"%s\"", path,
                        shape->members[m].name);
    }
    yajl_gen_map_open(g);
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *key = v->u.object.keys[i];
        if (YAJL_IS_NULL(v->u.object.values[i])) continue;
        const cli_member *mem = NULL;
        for (size_t m = 0; m < shape->member_count; m++)
            if (strcmp(shape->members[m].name, key) == 0) mem = &shape->members[m];
        char sub[256];
        snprintf(sub, sizeof sub, "%s.%s", path, key);
        yajl_gen_string(g, (const unsigned char *)key, strlen(key));
        if (emit_value_depth(mem->shape, sub, v->u.object.values[i], g, err, cap, depth + 1))
            return -1;
    }
    yajl_gen_map_close(g);
    return 0;
}

static int emit_value_depth(const cli_shape *shape, const char *path, yajl_val v, yajl_gen g,
                            char *err, size_t cap, int depth) {
    if (depth > CLI_MAX_DEPTH) return fail(err, cap, "%s: nested too deeply", path);
    if (!v) return fail(err, cap, "%s: missing value", path);
    switch (shape->type) {
    case CLI_T_STRUCTURE:
        return emit_structure(shape, path, v, g, err, cap, depth);
    case CLI_T_LIST: {
        if (!YAJL_IS_ARRAY(v)) return fail(err, cap, "%s: expected a list (JSON array)", path);
        if (check_count(shape, path, v->u.array.len, err, cap)) return -1;
        yajl_gen_array_open(g);
        for (size_t i = 0; i < v->u.array.len; i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if (emit_value_depth(shape->element, sub, v->u.array.values[i], g, err, cap, depth + 1))
                return -1;
        }
        yajl_gen_array_close(g);
        return 0;
    }
    case CLI_T_MAP: {
        if (!YAJL_IS_OBJECT(v)) return fail(err, cap, "%s: expected a map (JSON object)", path);
        if (check_count(shape, path, v->u.object.len, err, cap)) return -1;
        yajl_gen_map_open(g);
        for (size_t i = 0; i < v->u.object.len; i++) {
            const char *key = v->u.object.keys[i];
            char sub[256];
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            yajl_gen_string(g, (const unsigned char *)key, strlen(key));
            if (emit_value_depth(shape->element, sub, v->u.object.values[i], g, err, cap,
                                 depth + 1))
                return -1;
        }
        yajl_gen_map_close(g);
        return 0;
    }
    default:
        break;
    }
    /* scalars */
    if (YAJL_IS_STRING(v)) {
        const char *s = v->u.string;
        return emit_scalar_text(shape, path, s, strlen(s), g, err, cap);
    }
    if (YAJL_IS_NUMBER(v)) {
        switch (shape->type) {
        case CLI_T_INTEGER:
        case CLI_T_LONG:
        case CLI_T_DOUBLE:
        case CLI_T_TIMESTAMP: {
            const char *s = v->u.number.r;
            return emit_scalar_text(shape, path, s, strlen(s), g, err, cap);
        }
        default:
            break;
        }
        return fail(err, cap, "%s: expected a %s, got a number", path, cli_type_name(shape->type));
    }
    if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        if (shape->type != CLI_T_BOOLEAN)
            return fail(err, cap, "%s: expected a %s, got a boolean", path,
                        cli_type_name(shape->type));
        yajl_gen_bool(g, YAJL_IS_TRUE(v));
        return 0;
    }
    return fail(err, cap, "%s: expected a %s", path, cli_type_name(shape->type));
}

int cli_emit_value(const cli_shape *shape, const char *path, yajl_val v, yajl_gen g, char *err,
                   size_t err_cap) {
    return emit_value_depth(shape, path, v, g, err, err_cap, 0);
}

static int looks_like_json(const char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    return *s == '{' || *s == '[';
}

/* Parse JSON or shorthand text into a tree (caller frees with yajl_tree_free). */
static yajl_val parse_compound(const char *option, const char *text, char *err, size_t cap) {
    char perr[256];
    if (looks_like_json(text)) {
        yajl_val v = yajl_tree_parse(text, perr, sizeof perr);
        if (!v) {
            /* yajl's message spans lines; keep its first line */
            perr[strcspn(perr, "\n")] = '\0';
            fail(err, cap, "%s: invalid JSON: %s", option, perr);
        }
        return v;
    }
    char sherr[256];
    char *json = cli_shorthand_to_json(text, sherr, sizeof sherr);
    if (!json) {
        fail(err, cap, "%s: %s", option, sherr);
        return NULL;
    }
    yajl_val v = yajl_tree_parse(json, perr, sizeof perr);
    free(json);
    if (!v) fail(err, cap, "%s: could not parse shorthand", option);
    return v;
}

/* Split a list-of-scalars argument on unquoted commas ("a,b,'c,d'"), emitting each element. */
static int emit_scalar_list_arg(const cli_shape *elem, const char *option, const char *arg,
                                size_t *count, yajl_gen g, char *err, size_t cap) {
    size_t len = strlen(arg);
    char *buf = malloc(len + 1);
    if (!buf) return fail(err, cap, "out of memory");
    const char *p = arg;
    for (;;) {
        size_t n = 0;
        while (*p == ' ' || *p == '\t') p++;
        char q = 0;
        if (*p == '\'' || *p == '"') q = *p++;
        while (*p && (q ? *p != q : *p != ',')) {
            if (*p == '\\' && p[1]) p++;
            buf[n++] = *p++;
        }
        if (q) {
            if (*p != q) {
                free(buf);
                return fail(err, cap, "%s: unterminated quote", option);
            }
            p++;
            while (*p == ' ' || *p == '\t') p++;
            if (*p && *p != ',') {
                free(buf);
                return fail(err, cap, "%s: unexpected '%c' after a quoted value", option, *p);
            }
        } else {
            while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t')) n--;
        }
        buf[n] = '\0';
        char path[256];
        snprintf(path, sizeof path, "%s[%zu]", option, *count);
        if (emit_scalar_text(elem, path, buf, n, g, err, cap)) {
            free(buf);
            return -1;
        }
        (*count)++;
        if (*p != ',') break;
        p++;
    }
    free(buf);
    return 0;
}

int cli_emit_arguments(const cli_shape *shape, const char *option, char **args, size_t nargs,
                       yajl_gen g, char *err, size_t err_cap) {
    if (nargs == 0) return fail(err, err_cap, "%s: expected a value", option);
    if (is_scalar(shape->type) || shape->type == CLI_T_STRUCTURE || shape->type == CLI_T_MAP) {
        if (nargs != 1)
            return fail(err, err_cap, "%s: takes one value, got %zu (quote the value?)", option,
                        nargs);
        if (is_scalar(shape->type))
            return emit_scalar_text(shape, option, args[0], strlen(args[0]), g, err, err_cap);
        yajl_val v = parse_compound(option, args[0], err, err_cap);
        if (!v) return -1;
        int rc = cli_emit_value(shape, option, v, g, err, err_cap);
        yajl_tree_free(v);
        return rc;
    }
    /* list */
    if (nargs == 1 && looks_like_json(args[0]) &&
        (args[0][strspn(args[0], " \t\r\n")] == '[' || is_scalar(shape->element->type))) {
        yajl_val v = parse_compound(option, args[0], err, err_cap);
        if (!v) return -1;
        int rc = cli_emit_value(shape, option, v, g, err, err_cap);
        yajl_tree_free(v);
        return rc;
    }
    size_t count = 0;
    yajl_gen_array_open(g);
    for (size_t i = 0; i < nargs; i++) {
        if (is_scalar(shape->element->type)) {
            if (emit_scalar_list_arg(shape->element, option, args[i], &count, g, err, err_cap))
                return -1;
            continue;
        }
        char path[256];
        snprintf(path, sizeof path, "%s[%zu]", option, count);
        yajl_val v = parse_compound(path, args[i], err, err_cap);
        if (!v) return -1;
        int rc = cli_emit_value(shape->element, path, v, g, err, err_cap);
        yajl_tree_free(v);
        if (rc) return -1;
        count++;
    }
    yajl_gen_array_close(g);
    return check_count(shape, option, count, err, err_cap);
}

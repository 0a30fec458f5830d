/* A fast, in-place parser for GetRecords responses: no DOM, strings NUL-terminated where they
 * lie, base64 decoded in place. It handles what servers send in practice (no escapes in the
 * members it keeps, no ChildShards); anything else is KINESIS_E_UNSUPPORTED and the caller falls
 * back to the general parser. */
#include "consumer_internal.h"

#include <stdlib.h>

#include "base64_internal.h"
#include "internal.h"
#include "json.h"

typedef struct scan {
    char *p, *end;
} scan;

static void ws(scan *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

static int lit(scan *s, char c) {
    ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    return 0;
}

/* A string without escapes: NUL-terminated in place; NULL when it has escapes or is cut. */
static char *str(scan *s, size_t *len) {
    ws(s);
    if (s->p >= s->end || *s->p != '"') return NULL;
    char *start = ++s->p;
    char *q = start + kjson_plain_prefix(start, (size_t)(s->end - start));
    if (q == s->end || *q != '"') return NULL;
    *q = '\0';
    s->p = q + 1;
    if (len) *len = (size_t)(q - start);
    return start;
}

/* A base64 string, decoded in place: *len gets the decoded size. The whole blocks of base64
 * are decoded while the closing quote is looked for (one pass over the text, not a scan for the
 * quote then the decoding); the rest is decoded after it is found. Anything but base64 inside
 * (an escape) fails, which sends the response the general way. */
static char *base64_str(scan *s, size_t *len) {
    ws(s);
    if (s->p >= s->end || *s->p != '"') return NULL;
    char *start = ++s->p;
    size_t avail = (size_t)(s->end - start);
    size_t run = kinesis_base64_decode_run_(start, avail, (uint8_t *)start, avail);
    char *q = memchr(start + run, '"', avail - run);
    if (!q) return NULL;
    size_t rest = (size_t)(q - (start + run)), out = 0;
    if (kinesis_base64_decode(start + run, rest, (uint8_t *)start + run / 4 * 3, rest, &out) !=
        KINESIS_OK)
        return NULL;
    *q = '\0';
    s->p = q + 1;
    *len = run / 4 * 3 + out;
    return start;
}

static int skip_value(scan *s, int depth) {
    ws(s);
    if (s->p >= s->end || depth > 64) return 0;
    char c = *s->p;
    if (c == '"') {
        for (s->p++; s->p < s->end; s->p++) {
            if (*s->p == '\\')
                s->p++;
            else if (*s->p == '"') {
                s->p++;
                return 1;
            }
        }
        return 0;
    }
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        s->p++;
        if (lit(s, close)) return 1;
        do {
            if (c == '{') {
                if (!skip_value(s, depth + 1) || !lit(s, ':')) return 0;
            }
            if (!skip_value(s, depth + 1)) return 0;
        } while (lit(s, ','));
        return lit(s, close);
    }
    /* number, true, false, null */
    char *start = s->p;
    while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && *s->p != ' ' &&
           *s->p != '\n' && *s->p != '\r' && *s->p != '\t')
        s->p++;
    return s->p > start;
}

static int is_null(scan *s) {
    ws(s);
    if (s->end - s->p >= 4 && memcmp(s->p, "null", 4) == 0) {
        s->p += 4;
        return 1;
    }
    return 0;
}

static const double pow10_[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

static int number(scan *s, double *out) {
    ws(s);
    char *start = s->p;
    /* the common "seconds.millis" form without strtod's cost; anything else goes to strtod */
    {
        char *p = s->p;
        uint64_t ip = 0, fr = 0;
        int nd = 0, nf = 0;
        while (p < s->end && *p >= '0' && *p <= '9' && nd < 15)
            ip = ip * 10 + (uint64_t)(*p++ - '0'), nd++;
        if (nd > 0 && p < s->end && *p == '.') {
            p++;
            while (p < s->end && *p >= '0' && *p <= '9' && nf < 9)
                fr = fr * 10 + (uint64_t)(*p++ - '0'), nf++;
        }
        if (nd > 0 && nd < 15 && (nf > 0 || p == s->p + nd) && p < s->end &&
            (*p == ',' || *p == '}' || *p == ']' || *p == ' ' || *p == '\n' || *p == '\r' ||
             *p == '\t')) {
            *out = (double)ip + (nf ? (double)fr / pow10_[nf] : 0.0);
            s->p = p;
            return 1;
        }
    }
    if (!skip_value(s, 0)) return 0;
    char save = *s->p; /* a delimiter (or the body's NUL terminator) */
    *s->p = '\0';
    char *e;
    *out = strtod(start, &e);
    *s->p = save;
    return e == s->p;
}

static kinesis_status parse_record(scan *s, kinesis_record *r) {
    memset(r, 0, sizeof(*r));
    if (!lit(s, '{')) return KINESIS_E_UNSUPPORTED;
    if (lit(s, '}')) return KINESIS_E_UNSUPPORTED;
    int have_data = 0;
    do {
        char *key = str(s, NULL);
        if (!key || !lit(s, ':')) return KINESIS_E_UNSUPPORTED;
        if (!strcmp(key, "SequenceNumber")) {
            if (!(r->sequence_number = str(s, NULL))) return KINESIS_E_UNSUPPORTED;
        } else if (!strcmp(key, "PartitionKey")) {
            if (!(r->partition_key = str(s, NULL))) return KINESIS_E_UNSUPPORTED;
        } else if (!strcmp(key, "Data")) {
            size_t n;
            char *d = base64_str(s, &n);
            if (!d) return KINESIS_E_UNSUPPORTED;
            r->data = (const uint8_t *)d;
            r->data_len = n;
            have_data = 1;
        } else if (!strcmp(key, "ApproximateArrivalTimestamp")) {
            if (!number(s, &r->approximate_arrival_timestamp)) return KINESIS_E_UNSUPPORTED;
        } else if (!strcmp(key, "EncryptionType")) {
            if (!is_null(s) && !(r->encryption_type = str(s, NULL))) return KINESIS_E_UNSUPPORTED;
        } else if (!skip_value(s, 1)) {
            return KINESIS_E_UNSUPPORTED;
        }
    } while (lit(s, ','));
    if (!lit(s, '}') || !r->sequence_number || !r->partition_key || !have_data)
        return KINESIS_E_UNSUPPORTED;
    return KINESIS_OK;
}

kinesis_status kinesis_consumer_fast_parse_(char *body, size_t len, const kinesis_allocator *a,
                                            kinesis_consumer_fast_result_ *out) {
    scan s = {body, body + len};
    out->count = 0;
    out->next_shard_iterator = NULL;
    out->millis_behind_latest = -1;
    if (!lit(&s, '{')) return KINESIS_E_UNSUPPORTED;
    if (lit(&s, '}')) return KINESIS_E_UNSUPPORTED;
    int have_records = 0;
    do {
        char *key = str(&s, NULL);
        if (!key || !lit(&s, ':')) return KINESIS_E_UNSUPPORTED;
        if (!strcmp(key, "Records")) {
            have_records = 1;
            if (!lit(&s, '[')) return KINESIS_E_UNSUPPORTED;
            if (lit(&s, ']')) continue;
            do {
                if (out->count == out->cap) {
                    size_t ncap = out->cap ? out->cap * 2 : 256;
                    kinesis_record *n = kinesis_mem_realloc(a, out->records, out->cap * sizeof(*n),
                                                            ncap * sizeof(*n));
                    if (!n) return KINESIS_E_NO_MEMORY;
                    out->records = n;
                    out->cap = ncap;
                }
                kinesis_status st = parse_record(&s, &out->records[out->count]);
                if (st != KINESIS_OK) return st;
                out->count++;
            } while (lit(&s, ','));
            if (!lit(&s, ']')) return KINESIS_E_UNSUPPORTED;
        } else if (!strcmp(key, "NextShardIterator")) {
            if (!is_null(&s) && !(out->next_shard_iterator = str(&s, NULL)))
                return KINESIS_E_UNSUPPORTED;
        } else if (!strcmp(key, "MillisBehindLatest")) {
            double v;
            if (!number(&s, &v) || v < 0) return KINESIS_E_UNSUPPORTED;
            out->millis_behind_latest = (int64_t)v;
        } else if (!strcmp(key, "ChildShards")) {
            /* only absent, null or empty here: the end of a shard goes the general way */
            if (!is_null(&s) && !(lit(&s, '[') && lit(&s, ']'))) return KINESIS_E_UNSUPPORTED;
        } else if (!skip_value(&s, 1)) {
            return KINESIS_E_UNSUPPORTED;
        }
    } while (lit(&s, ','));
    if (!lit(&s, '}') || !have_records) return KINESIS_E_UNSUPPORTED;
    /* no NextShardIterator: the shard ended; let the general parser report its children */
    if (!out->next_shard_iterator) return KINESIS_E_UNSUPPORTED;
    return KINESIS_OK;
}

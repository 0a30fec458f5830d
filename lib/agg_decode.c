/* KPL aggregation decoder: reads blobs exactly as the KCL's AggregatorUtil does.
 *
 * The KCL parses with protobuf-java, so the wire rules here follow protobuf-java's: tags and
 * lengths are varint32 (longer varints truncated to 32 bits), a negative length or a field number
 * 0 or wire type 6/7 is an error, an unmatched end-group ends parsing with an error, unknown
 * fields (including groups, at most 100 levels deep counting message nesting) are skipped, and
 * missing required fields (Record.partition_key_index, Record.data, Tag.key) make the message
 * unparseable. Key-table indexes are cast to a Java int before the table lookup.
 *
 * init() makes passes over the protobuf: (A) validate and count, (B) index the key tables,
 * (C) resolve every record as the KCL would, deciding how many records are delivered; C is
 * skipped when the key tables alone show every record is deliverable. next() walks the records
 * once more. Every pass is linear; nothing recurses; nothing allocates. */
#include "kinesis/agg.h"

#include "agg_internal.h"
#include "internal.h"

#define PB_RECURSION_LIMIT 100

typedef struct rec_fields {
    int has_pk, has_ehk, has_data;
    uint64_t pk_idx, ehk_idx;
    const uint8_t *data;
    size_t data_len;
} rec_fields;

/* The varints of more than one byte (out of line: the one-byte case is the hot one). */
int kagg_varint_get_long_(const uint8_t **p, const uint8_t *end, uint64_t *out) {
    const uint8_t *q = *p;
    uint64_t v = 0;
    for (unsigned shift = 0, i = 0; i < 10; i++, shift += 7) {
        if (q >= end) {
            return 0;
        }
        uint8_t b = *q++;
        if (shift < 64) {
            v |= (uint64_t)(b & 0x7f) << shift;
        }
        if (!(b & 0x80)) {
            *out = v;
            *p = q;
            return 1;
        }
    }
    return 0;
}

/* protobuf-java readTag: varint32, field number 0 invalid, wire types 6 and 7 invalid. */
static inline int read_tag(const uint8_t **p, const uint8_t *end, uint32_t *field, uint32_t *wt) {
    if (*p < end && **p < 0x80 && **p >= 0x08) { /* one-byte tag with a nonzero field number */
        uint32_t t = **p;
        *p += 1;
        *field = t >> 3;
        *wt = t & 7u;
        return *wt != 6 && *wt != 7;
    }
    uint64_t v;
    if (!kagg_varint_get(p, end, &v)) {
        return 0;
    }
    uint32_t tag = (uint32_t)v;
    *field = tag >> 3;
    *wt = tag & 7u;
    return *field != 0 && *wt != 6 && *wt != 7;
}

/* Length prefix (varint32 as a Java int; negative or past the end is an error). */
static inline int read_len(const uint8_t **p, const uint8_t *end, size_t *len) {
    uint64_t v;
    if (!kagg_varint_get(p, end, &v)) {
        return 0;
    }
    int32_t n = (int32_t)(uint32_t)v;
    if (n < 0 || (size_t)n > (size_t)(end - *p)) {
        return 0;
    }
    *len = (size_t)n;
    return 1;
}

/* Skip one unknown field whose tag was just read. Groups are skipped with an explicit stack. */
static int skip_field(const uint8_t **p, const uint8_t *end, uint32_t field, uint32_t wt,
                      int depth) {
    uint32_t stack[PB_RECURSION_LIMIT + 1];
    int sp = 0;
    for (;;) {
        uint64_t v;
        size_t n;
        switch (wt) {
        case 0:
            if (!kagg_varint_get(p, end, &v)) {
                return 0;
            }
            break;
        case 1:
        case 5:
            n = wt == 1 ? 8 : 4;
            if ((size_t)(end - *p) < n) {
                return 0;
            }
            *p += n;
            break;
        case 2:
            if (!read_len(p, end, &n)) {
                return 0;
            }
            *p += n;
            break;
        case 3:
            if (depth >= PB_RECURSION_LIMIT) {
                return 0;
            }
            depth++;
            stack[sp++] = field;
            break;
        case 4:
            if (sp == 0 || stack[sp - 1] != field) {
                return 0;
            }
            sp--;
            depth--;
            break;
        default:
            return 0;
        }
        if (sp == 0) {
            return 1;
        }
        if (*p >= end || !read_tag(p, end, &field, &wt)) {
            return 0;
        }
    }
}

/* Tag message: key (1, required), value (2). */
static int parse_tag_msg(const uint8_t *p, const uint8_t *end, int depth) {
    int has_key = 0;
    while (p < end) {
        uint32_t f, wt;
        size_t n;
        if (!read_tag(&p, end, &f, &wt)) {
            return 0;
        }
        if ((f == 1 || f == 2) && wt == 2) {
            if (!read_len(&p, end, &n)) {
                return 0;
            }
            p += n;
            has_key |= f == 1;
        } else if (wt == 4 || !skip_field(&p, end, f, wt, depth)) {
            return 0;
        }
    }
    return has_key;
}

/* The Record layout every KPL-compatible aggregator writes: partition_key_index (1), optionally
 * explicit_hash_key_index (2), then data (3) ending the message. Read straight, it gives what the
 * general loop below gives for it; 0 = another layout (the caller then takes the general loop). */
static inline int parse_record_canonical(const uint8_t *p, const uint8_t *end, rec_fields *r) {
    if (p >= end || *p++ != 0x08 || !kagg_varint_get(&p, end, &r->pk_idx)) {
        return 0;
    }
    r->has_ehk = p < end && *p == 0x10;
    r->ehk_idx = 0;
    if (r->has_ehk && (++p, !kagg_varint_get(&p, end, &r->ehk_idx))) {
        return 0;
    }
    size_t n;
    if (p >= end || *p++ != 0x1A || !read_len(&p, end, &n) || n != (size_t)(end - p)) {
        return 0;
    }
    r->data = p;
    r->data_len = n;
    r->has_pk = r->has_data = 1;
    return 1;
}

/* Record message of any layout (parsed at recursion depth 1). Last occurrence of a scalar field
 * wins. Out of line: parse_record() below tries the canonical layout inline first. */
static int parse_record_general(const uint8_t *p, const uint8_t *end, rec_fields *r) {
    memset(r, 0, sizeof(*r));
    while (p < end) {
        uint32_t f, wt;
        size_t n;
        if (!read_tag(&p, end, &f, &wt)) {
            return 0;
        }
        if (f == 1 && wt == 0) {
            if (!kagg_varint_get(&p, end, &r->pk_idx)) {
                return 0;
            }
            r->has_pk = 1;
        } else if (f == 2 && wt == 0) {
            if (!kagg_varint_get(&p, end, &r->ehk_idx)) {
                return 0;
            }
            r->has_ehk = 1;
        } else if (f == 3 && wt == 2) {
            if (!read_len(&p, end, &n)) {
                return 0;
            }
            r->data = p;
            r->data_len = n;
            r->has_data = 1;
            p += n;
        } else if (f == 4 && wt == 2) {
            if (!read_len(&p, end, &n) || !parse_tag_msg(p, p + n, 2)) {
                return 0;
            }
            p += n;
        } else if (wt == 4 || !skip_field(&p, end, f, wt, 1)) {
            return 0;
        }
    }
    return r->has_pk && r->has_data;
}

static inline int parse_record(const uint8_t *p, const uint8_t *end, rec_fields *r) {
    return parse_record_canonical(p, end, r) || parse_record_general(p, end, r);
}

/* One top-level field. kind: 1 pk entry, 2 ehk entry, 3 record, 0 skipped. body and body_len give
 * the payload, len_off the offset of its length varint. */
static inline int next_top(const uint8_t *pb, const uint8_t **p, const uint8_t *end, int *kind,
                           const uint8_t **body, size_t *body_len, size_t *len_off) {
    uint32_t f, wt;
    if (!read_tag(p, end, &f, &wt)) {
        return 0;
    }
    if (wt == 2 && f >= 1 && f <= 3) {
        *len_off = (size_t)(*p - pb);
        if (!read_len(p, end, body_len)) {
            return 0;
        }
        *body = *p;
        *p += *body_len;
        *kind = (int)f;
        return 1;
    }
    *kind = 0;
    return wt != 4 && skip_field(p, end, f, wt, 0);
}

int kinesis_agg_has_magic(const uint8_t *data, size_t len) {
    return data && len >= 4 && memcmp(data, kinesis_agg_magic_, 4) == 0;
}

static inline const uint32_t *dec_index(const kinesis_agg_decoder *d) {
    return d->index_ ? d->index_ : d->inline_index_;
}

/* Table entry view (entry known to exist and be well formed). */
static inline const uint8_t *entry_at(const kinesis_agg_decoder *d, uint32_t i, size_t *len) {
    const uint8_t *p = d->pb_ + dec_index(d)[i];
    *len = 0;
    read_len(&p, d->pb_ + d->pb_len_, len);
    return p;
}

/* Java int cast of a uint64 index, checked against a table size. */
static inline int java_index(uint64_t idx, uint32_t count, uint32_t *out) {
    int32_t i = (int32_t)(uint32_t)idx;
    if (i < 0 || (uint32_t)i >= count) {
        return 0;
    }
    *out = (uint32_t)i;
    return 1;
}

/* new BigInteger(s) as Java parses ASCII: optional sign then one or more digits. Returns 0 on a
 * NumberFormatException; else *rel is -1 (negative), 1 (>= 2^128) or 0 with *val set. */
static int java_biginteger(const uint8_t *s, size_t n, int *rel, kinesis_hash_key *val) {
    size_t i = 0;
    int neg = 0;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n) {
        return 0;
    }
    for (size_t j = i; j < n; j++) {
        if (s[j] < '0' || s[j] > '9') {
            return 0;
        }
    }
    while (i < n - 1 && s[i] == '0') {
        i++;
    }
    int zero = n - i == 1 && s[i] == '0';
    if (neg && !zero) {
        *rel = -1;
        return 1;
    }
    if (n - i > 39 || kinesis_hash_key_parse((const char *)s + i, n - i, val) != KINESIS_OK) {
        *rel = 1;
        return 1;
    }
    *rel = 0;
    return 1;
}

static int in_range(kinesis_hash_key k, kinesis_hash_key lo, kinesis_hash_key hi) {
    return kinesis_hash_key_compare(k, lo) >= 0 && kinesis_hash_key_compare(k, hi) <= 0;
}

/* 1 when every entry of both key tables gives a hash key in [lo, hi]: whichever entries the
 * records use (their indexes known valid), every record is then in range, and pass C can be
 * skipped. The partition keys are hashed once per distinct key, side by side (a member-by-member
 * check hashes one key per record, one at a time). 0 = not sure (an explicit hash key that is not
 * plain decimal, or one entry out of range): pass C then decides exactly as the KCL does. */
static int tables_in_range(const kinesis_agg_decoder *d, const kinesis_crypto *crypto,
                           kinesis_hash_key lo, kinesis_hash_key hi) {
    enum { BATCH = 64 };
    const char *keys[BATCH];
    size_t lens[BATCH];
    kinesis_hash_key hk[BATCH];
    for (uint32_t i = 0; i < d->ehk_count_; i++) {
        size_t n = 0;
        const uint8_t *s = entry_at(d, d->pk_count_ + i, &n);
        if (kinesis_hash_key_parse((const char *)s, n, &hk[0]) != KINESIS_OK ||
            !in_range(hk[0], lo, hi)) {
            return 0;
        }
    }
    for (uint32_t i = 0; i < d->pk_count_; i += BATCH) {
        size_t m = d->pk_count_ - i < BATCH ? d->pk_count_ - i : BATCH;
        for (size_t j = 0; j < m; j++) {
            keys[j] = (const char *)entry_at(d, i + (uint32_t)j, &lens[j]);
        }
        kinesis_hash_keys_of_partition_keys(crypto, m, keys, lens, hk);
        for (size_t j = 0; j < m; j++) {
            if (!in_range(hk[j], lo, hi)) {
                return 0;
            }
        }
    }
    return 1;
}

static void set_passthrough(kinesis_agg_decoder *d, kinesis_status why) {
    d->outcome_ = KINESIS_AGG_PASSTHROUGH;
    d->reason_ = why;
    d->record_count_ = 0;
    d->deliver_ = 1;
}

static kinesis_status decoder_init(kinesis_agg_decoder *dec, const uint8_t *blob, size_t blob_len,
                                   const kinesis_agg_decode_options *opts) {
    if (!dec || (!blob && blob_len) || blob_len > UINT32_MAX) {
        return KINESIS_E_INVALID_ARGUMENT;
    }
    static const uint8_t empty = 0;
    kinesis_agg_decoder *d = dec;
    memset(d, 0, sizeof(*d));
    d->blob_ = blob ? blob : &empty;
    d->blob_len_ = blob_len;
    const int strict = opts && opts->mode == KINESIS_AGG_DECODE_STRICT;
    const kinesis_crypto *crypto = opts && opts->crypto ? opts->crypto : kinesis_crypto_default();

    /* KCL: aggregated only with the magic and more than 16 bytes after it, and a matching MD5. */
    if (!kinesis_agg_has_magic(blob, blob_len)) {
        set_passthrough(d, KINESIS_E_AGG_BAD_MAGIC);
        return strict ? KINESIS_E_AGG_BAD_MAGIC : KINESIS_OK;
    }
    if (blob_len <= KAGG_OVERHEAD) {
        set_passthrough(d, KINESIS_E_AGG_TOO_SHORT);
        return strict ? KINESIS_E_AGG_TOO_SHORT : KINESIS_OK;
    }
    d->pb_ = blob + 4;
    d->pb_len_ = blob_len - KAGG_OVERHEAD;
    uint8_t md5[KAGG_MD5_LEN];
    if (!(opts && opts->md5_checked)) {
        crypto->md5(crypto->user, d->pb_, d->pb_len_, md5);
    } else {
        memcpy(md5, d->pb_ + d->pb_len_, KAGG_MD5_LEN);
    }
    if (memcmp(md5, d->pb_ + d->pb_len_, KAGG_MD5_LEN) != 0) {
        set_passthrough(d, KINESIS_E_AGG_BAD_MD5);
        return strict ? KINESIS_E_AGG_BAD_MD5 : KINESIS_OK;
    }

    /* Pass A: validate the whole message, count tables and records. Also notice whether pass C
     * can be skipped (no ehk index anywhere, every pk index certainly valid, no range). */
    const uint8_t *pb = d->pb_, *end = d->pb_ + d->pb_len_, *p = pb;
    uint64_t pk_count = 0, ehk_count = 0, records = 0;
    size_t first_rec = d->pb_len_, tables_end = 0; /* canonical blobs: tables, then records */
    int any_ehk = 0;
    uint64_t max_pk_idx = 0, max_ehk_idx = 0;
    while (p < end) {
        int kind;
        const uint8_t *body;
        size_t body_len, len_off;
        rec_fields r;
        const uint8_t *at = p;
        if (!next_top(pb, &p, end, &kind, &body, &body_len, &len_off) ||
            (kind == 3 && !parse_record(body, body + body_len, &r))) {
            set_passthrough(d, KINESIS_E_AGG_BAD_PROTOBUF);
            return strict ? KINESIS_E_AGG_BAD_PROTOBUF : KINESIS_OK;
        }
        if (kind == 1 || kind == 2) {
            pk_count += kind == 1;
            ehk_count += kind == 2;
            tables_end = (size_t)(p - pb);
        } else if (kind == 3) {
            if (records == 0) {
                first_rec = (size_t)(at - pb);
            }
            records++;
            any_ehk |= r.has_ehk;
            if (r.pk_idx > max_pk_idx) {
                max_pk_idx = r.pk_idx;
            }
            if (r.has_ehk && r.ehk_idx > max_ehk_idx) {
                max_ehk_idx = r.ehk_idx;
            }
        }
    }
    d->outcome_ = KINESIS_AGG_AGGREGATED;
    d->reason_ = KINESIS_OK;
    d->record_count_ = records;
    d->pk_count_ = (uint32_t)pk_count; /* < 2^31: each entry takes >= 2 bytes of < 4 GiB */
    d->ehk_count_ = (uint32_t)ehk_count;
    if (records == 0) {
        d->deliver_ = 0;
        return KINESIS_OK;
    }

    /* Pass B: index the key tables. */
    size_t need = (size_t)(pk_count + ehk_count);
    uint32_t *index = d->inline_index_;
    if (need > KINESIS_AGG_DECODER_INLINE_KEYS) {
        if (!opts || !opts->scratch || opts->scratch_count < need) {
            d->scratch_needed_ = need;
            d->deliver_ = 0;
            d->done_ = 1;
            return KINESIS_E_BUFFER_TOO_SMALL;
        }
        index = opts->scratch;
        d->index_ = opts->scratch;
    }
    uint32_t pi = 0, ei = 0;
    /* Only the part holding table entries needs walking. */
    const uint8_t *tables_stop = pb + tables_end;
    d->pos_ = tables_end <= first_rec ? first_rec : 0;
    for (p = pb; p < tables_stop;) {
        int kind;
        const uint8_t *body;
        size_t body_len, len_off;
        next_top(pb, &p, end, &kind, &body, &body_len, &len_off);
        if (kind == 1) {
            index[pi++] = (uint32_t)len_off;
        } else if (kind == 2) {
            index[d->pk_count_ + ei++] = (uint32_t)len_off;
        }
    }

    const kinesis_hash_key lo =
        opts && opts->has_range ? opts->range_start : (kinesis_hash_key){0, 0};
    const kinesis_hash_key hi =
        opts && opts->has_range ? opts->range_end : (kinesis_hash_key){UINT64_MAX, UINT64_MAX};
    /* The whole key space is no range to check (explicit hash keys are still checked to lie in
     * [0, 2^128) below). */
    const int has_range = opts && opts->has_range &&
                          !(lo.hi == 0 && lo.lo == 0 && hi.hi == UINT64_MAX && hi.lo == UINT64_MAX);
    const int indexes_valid = max_pk_idx < pk_count && (!any_ehk || max_ehk_idx < ehk_count);
    if (indexes_valid && (has_range ? tables_in_range(d, crypto, lo, hi) : !any_ehk)) {
        d->deliver_ = records;
        return KINESIS_OK;
    }

    /* Pass C: resolve each record in order as the KCL does. */
    uint64_t i = 0;
    for (p = pb + d->pos_; p < end;) {
        int kind;
        const uint8_t *body;
        size_t body_len, len_off;
        rec_fields r;
        next_top(pb, &p, end, &kind, &body, &body_len, &len_off);
        if (kind != 3) {
            continue;
        }
        parse_record(body, body + body_len, &r);
        kinesis_status bad = KINESIS_OK;
        uint32_t pk_i = 0, ehk_i = 0;
        kinesis_hash_key key = {0, 0};
        int rel = 0;
        if (strict ? r.pk_idx >= d->pk_count_ : !java_index(r.pk_idx, d->pk_count_, &pk_i)) {
            bad = KINESIS_E_AGG_BAD_INDEX;
        } else if (r.has_ehk && (strict ? r.ehk_idx >= d->ehk_count_
                                        : !java_index(r.ehk_idx, d->ehk_count_, &ehk_i))) {
            bad = KINESIS_E_AGG_BAD_INDEX;
        } else if (r.has_ehk) {
            size_t n;
            if (strict) {
                pk_i = (uint32_t)r.pk_idx;
                ehk_i = (uint32_t)r.ehk_idx;
            }
            const uint8_t *s = entry_at(d, d->pk_count_ + ehk_i, &n);
            if (strict ? kinesis_hash_key_parse((const char *)s, n, &key) != KINESIS_OK
                       : !java_biginteger(s, n, &rel, &key)) {
                bad = KINESIS_E_AGG_BAD_HASH_KEY;
            }
        } else if (has_range) {
            size_t n;
            const uint8_t *s = entry_at(d, strict ? (uint32_t)r.pk_idx : pk_i, &n);
            key = kinesis_hash_key_of_partition_key(crypto, (const char *)s, n);
        }
        if (bad == KINESIS_OK && (rel != 0 || !in_range(key, lo, hi))) {
            d->outcome_ = KINESIS_AGG_DROPPED;
            d->reason_ = KINESIS_E_AGG_OUT_OF_RANGE;
            d->error_record_ = i;
            d->deliver_ = 0;
            return strict ? KINESIS_E_AGG_OUT_OF_RANGE : KINESIS_OK;
        }
        if (bad != KINESIS_OK) {
            d->outcome_ = KINESIS_AGG_PARTIAL;
            d->reason_ = bad;
            d->error_record_ = i;
            d->deliver_ = strict ? 0 : i;
            return strict ? bad : KINESIS_OK;
        }
        i++;
    }
    d->deliver_ = records;
    return KINESIS_OK;
}

kinesis_status kinesis_agg_decoder_init(kinesis_agg_decoder *dec, const uint8_t *blob,
                                        size_t blob_len, const kinesis_agg_decode_options *opts) {
    kinesis_status st = decoder_init(dec, blob, blob_len, opts);
    if (st != KINESIS_OK && dec) {
        dec->done_ = 1; /* strict failures and caller errors deliver nothing */
    }
    return st;
}

int kinesis_agg_decoder_next(kinesis_agg_decoder *dec, kinesis_agg_user_record *out) {
    if (!dec || !out || dec->done_ || dec->next_sub_ >= dec->deliver_) {
        return 0;
    }
    kinesis_agg_decoder *d = dec;
    memset(out, 0, sizeof(*out));
    if (d->outcome_ == KINESIS_AGG_PASSTHROUGH) {
        out->data = d->blob_;
        out->data_len = d->blob_len_;
        d->next_sub_ = 1;
        return 1;
    }
    const uint8_t *pb = d->pb_, *end = d->pb_ + d->pb_len_, *p = pb + d->pos_;
    while (p < end) {
        int kind;
        const uint8_t *body;
        size_t body_len, len_off;
        rec_fields r;
        next_top(pb, &p, end, &kind, &body, &body_len, &len_off);
        if (kind != 3) {
            continue;
        }
        parse_record(body, body + body_len, &r);
        uint32_t i = 0;
        java_index(r.pk_idx, d->pk_count_, &i);
        out->partition_key = (const char *)entry_at(d, i, &out->partition_key_len);
        if (r.has_ehk) {
            java_index(r.ehk_idx, d->ehk_count_, &i);
            out->explicit_hash_key =
                (const char *)entry_at(d, d->pk_count_ + i, &out->explicit_hash_key_len);
        }
        out->data = r.data;
        out->data_len = r.data_len;
        out->sub_sequence_number = d->next_sub_++;
        out->aggregated = 1;
        d->pos_ = (size_t)(p - pb);
        return 1;
    }
    return 0;
}

kinesis_agg_outcome kinesis_agg_decoder_outcome(const kinesis_agg_decoder *dec) {
    return dec ? dec->outcome_ : KINESIS_AGG_PASSTHROUGH;
}

kinesis_status kinesis_agg_decoder_reason(const kinesis_agg_decoder *dec) {
    return dec ? dec->reason_ : KINESIS_E_INVALID_ARGUMENT;
}

uint64_t kinesis_agg_decoder_error_record(const kinesis_agg_decoder *dec) {
    return dec ? dec->error_record_ : 0;
}

uint64_t kinesis_agg_decoder_record_count(const kinesis_agg_decoder *dec) {
    return dec ? dec->record_count_ : 0;
}

uint64_t kinesis_agg_decoder_deliver_count(const kinesis_agg_decoder *dec) {
    return dec ? dec->deliver_ : 0;
}

size_t kinesis_agg_decoder_scratch_needed(const kinesis_agg_decoder *dec) {
    return dec ? dec->scratch_needed_ : 0;
}

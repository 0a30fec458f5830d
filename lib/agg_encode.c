/* KPL aggregation encoder.
 *
 * Layout while records are added: the records section (protobuf field 3 entries) is written into
 * the blob buffer from rec_start_; the partition-key table entries are kept serialized in the
 * arena, explicit hash keys as 16-byte values at the arena's back. finish() copies the (usually
 * small) key tables in front of the records, so record data is copied once and never moved in
 * the common case, then one MD5 runs over the protobuf bytes. Sizes are tracked exactly so
 * add() can refuse a record before anything changes. */
#include "kinesis/agg.h"

#include "agg_internal.h"
#include "internal.h"

const uint8_t kinesis_agg_magic_[4] = {0xF3, 0x89, 0x9A, 0xC2};

#define PK_MAX_CHARS 256
#define EHK_BIT 0x80000000u
#define MIN_SLOTS 64u
#define ALLOC_BUF_START 16384u
#define ALLOC_ARENA_START 4096u

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* ---- small helpers ---- */

static uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* Hash of n bytes; *high collects the bytes' top bits (0 = all ASCII) so the caller can skip
 * UTF-8 validation for ASCII keys without a second pass. */
static uint32_t hash_bytes_hi(const uint8_t *p, size_t n, uint64_t seed, uint64_t *high) {
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = seed ^ ((uint64_t)n * k), hi = 0;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        hi |= w;
        h = rotl64((h ^ w) * k, 31);
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) {
        w |= (uint64_t)p[i] << (8 * i);
    }
    hi |= w;
    *high = hi & 0x8080808080808080ull;
    h = (h ^ w) * k;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)(h >> 32);
}

static uint32_t hash_bytes(const uint8_t *p, size_t n, uint64_t seed) {
    uint64_t high;
    return hash_bytes_hi(p, n, seed, &high);
}

static kinesis_status check_partition_key(const char *pk, size_t len) {
    if (!pk || len == 0 || len > 4 * PK_MAX_CHARS) {
        return KINESIS_E_INVALID_PARTITION_KEY;
    }
    long chars = kinesis_utf8_char_count(pk, len);
    if (chars < 0 || chars > PK_MAX_CHARS) {
        return KINESIS_E_INVALID_PARTITION_KEY;
    }
    return KINESIS_OK;
}

kinesis_status kinesis_agg_effective_hash_key(const kinesis_crypto *crypto,
                                              const kinesis_agg_record *record,
                                              kinesis_hash_key *out) {
    if (!record || !out || (!record->partition_key && !record->explicit_hash_key)) {
        return KINESIS_E_INVALID_ARGUMENT;
    }
    if (record->explicit_hash_key) {
        return kinesis_hash_key_parse(record->explicit_hash_key, record->explicit_hash_key_len,
                                      out);
    }
    *out =
        kinesis_hash_key_of_partition_key(crypto, record->partition_key, record->partition_key_len);
    return KINESIS_OK;
}

/* ---- encoder ---- */

static uint32_t limit_of(const kinesis_agg_encoder *e) { return e->opt_.max_record_bytes; }

static kinesis_status apply_options(kinesis_agg_encoder *e, const kinesis_agg_encoder_options *o) {
    memset(e, 0, sizeof(*e));
    if (o) {
        e->opt_ = *o;
    }
    if (e->opt_.max_record_bytes == 0) {
        e->opt_.max_record_bytes = KINESIS_AGG_DEFAULT_MAX_RECORD_BYTES;
    }
    /* Below ~64 bytes not even a one-byte record fits in an aggregate; refuse nonsense limits. */
    if (e->opt_.max_record_bytes > KINESIS_AGG_MAX_RECORD_BYTES_LIMIT ||
        e->opt_.max_record_bytes < 64) {
        return KINESIS_E_INVALID_ARGUMENT;
    }
    if (!e->opt_.crypto) {
        e->opt_.crypto = kinesis_crypto_default();
    }
    e->first_ehk_ = -1;
    return KINESIS_OK;
}

static uint32_t pow2_at_least(uint64_t n) {
    uint64_t s = MIN_SLOTS;
    while (s < n && s < (1ull << 31)) {
        s <<= 1;
    }
    return (uint32_t)s;
}

static uint32_t static_slots(const kinesis_agg_encoder_options *o, uint32_t limit) {
    uint64_t keys = o && o->max_keys ? o->max_keys : limit / 64u;
    if (keys == 0) {
        keys = 1;
    }
    return pow2_at_least(keys * 2);
}

size_t kinesis_agg_encoder_work_size(const kinesis_agg_encoder_options *opts) {
    uint32_t limit = opts && opts->max_record_bytes ? opts->max_record_bytes
                                                    : KINESIS_AGG_DEFAULT_MAX_RECORD_BYTES;
    size_t slots = static_slots(opts, limit);
    return slots * sizeof(kinesis_agg_slot_) + slots / 2 * 2 * sizeof(uint32_t) + limit;
}

kinesis_status kinesis_agg_encoder_init_static(kinesis_agg_encoder *enc,
                                               const kinesis_agg_encoder_options *opts,
                                               uint8_t *blob_buf, size_t blob_cap, void *work,
                                               size_t work_size) {
    if (!enc || !blob_buf || !work) {
        return KINESIS_E_INVALID_ARGUMENT;
    }
    kinesis_status st = apply_options(enc, opts);
    if (st != KINESIS_OK) {
        return st;
    }
    if ((uintptr_t)work % _Alignof(kinesis_agg_slot_) != 0) {
        return KINESIS_E_INVALID_ARGUMENT;
    }
    uint32_t slots = static_slots(opts, limit_of(enc));
    size_t slot_bytes = (size_t)slots * sizeof(kinesis_agg_slot_);
    size_t loc_bytes = (size_t)slots / 2 * 2 * sizeof(uint32_t);
    if (blob_cap < KINESIS_AGG_BLOB_CAPACITY(limit_of(enc)) ||
        work_size < slot_bytes + loc_bytes + 64) {
        return KINESIS_E_BUFFER_TOO_SMALL;
    }
    enc->buf_ = blob_buf;
    enc->buf_cap_ = enc->buf_max_ = KINESIS_AGG_BLOB_CAPACITY(limit_of(enc));
    enc->slots_ = (kinesis_agg_slot_ *)work;
    enc->slot_mask_ = slots - 1;
    enc->max_keys_ = slots / 2;
    enc->pk_loc_ = (uint32_t *)((uint8_t *)work + slot_bytes);
    enc->pk_loc_cap_ = slots / 2;
    enc->arena_ = (uint8_t *)work + slot_bytes + loc_bytes;
    enc->arena_cap_ = work_size - slot_bytes - loc_bytes;
    memset(enc->slots_, 0, slot_bytes);
    enc->rec_start_ = 64;
    return KINESIS_OK;
}

kinesis_status kinesis_agg_encoder_init(kinesis_agg_encoder *enc,
                                        const kinesis_agg_encoder_options *opts,
                                        const kinesis_allocator *allocator) {
    if (!enc) {
        return KINESIS_E_INVALID_ARGUMENT;
    }
    kinesis_status st = apply_options(enc, opts);
    if (st != KINESIS_OK) {
        return st;
    }
    enc->alloc_ = kinesis_alloc_or_default(allocator);
    enc->owns_ = 1;
    /* A quarter more than the largest blob: room in front of the records for the key tables,
     * so neither add() nor finish() has to slide the records (caller-memory mode slides them
     * once per aggregate at most). */
    enc->buf_max_ = KINESIS_AGG_BLOB_CAPACITY(limit_of(enc)) + limit_of(enc) / 4;
    enc->buf_cap_ = enc->buf_max_ < ALLOC_BUF_START ? enc->buf_max_ : ALLOC_BUF_START;
    enc->buf_ = kinesis_mem_alloc(enc->alloc_, enc->buf_cap_);
    enc->arena_cap_ = ALLOC_ARENA_START;
    enc->arena_ = kinesis_mem_alloc(enc->alloc_, enc->arena_cap_);
    enc->slots_ = kinesis_mem_calloc(enc->alloc_, MIN_SLOTS, sizeof(kinesis_agg_slot_));
    enc->slot_mask_ = MIN_SLOTS - 1;
    enc->max_keys_ = UINT32_MAX;
    enc->pk_loc_cap_ = MIN_SLOTS / 4 * 3;
    enc->pk_loc_ = kinesis_mem_alloc(enc->alloc_, (size_t)enc->pk_loc_cap_ * 2 * sizeof(uint32_t));
    enc->rec_start_ = 64;
    if (!enc->buf_ || !enc->arena_ || !enc->slots_ || !enc->pk_loc_) {
        kinesis_agg_encoder_clean_up(enc);
        return KINESIS_E_NO_MEMORY;
    }
    return KINESIS_OK;
}

void kinesis_agg_encoder_clean_up(kinesis_agg_encoder *enc) {
    if (!enc) {
        return;
    }
    if (enc->owns_) {
        kinesis_mem_free(enc->alloc_, enc->buf_);
        kinesis_mem_free(enc->alloc_, enc->arena_);
        kinesis_mem_free(enc->alloc_, enc->slots_);
        kinesis_mem_free(enc->alloc_, enc->pk_loc_);
    }
    memset(enc, 0, sizeof(*enc));
}

static void empty_tables(kinesis_agg_encoder *e) {
    if (e->pk_count_ + e->ehk_count_ > 0) {
        memset(e->slots_, 0, ((size_t)e->slot_mask_ + 1) * sizeof(kinesis_agg_slot_));
    }
    /* Leave room in front of the records for about as many key bytes as last time, so finish()
     * rarely has to move the records. */
    size_t keys = e->pk_bytes_ + e->ehk_bytes_;
    size_t start = 4 + keys + keys / 8 + 32;
    if (start > e->buf_cap_ / 2) {
        start = e->buf_cap_ / 2;
    }
    e->rec_start_ = start;
    e->rec_len_ = 0;
    e->pk_bytes_ = e->ehk_bytes_ = 0;
    e->pk_count_ = e->ehk_count_ = 0;
    e->count_ = 0;
    e->first_ehk_ = -1;
    e->first_data_off_ = e->first_data_len_ = 0;
    e->finished_ = 0;
}

void kinesis_agg_encoder_reset(kinesis_agg_encoder *enc) {
    if (enc && enc->buf_) {
        empty_tables(enc);
    }
}

uint32_t kinesis_agg_encoder_count(const kinesis_agg_encoder *enc) {
    return enc && !enc->finished_ ? enc->count_ : 0;
}

static size_t proto_len(const kinesis_agg_encoder *e) {
    return e->pk_bytes_ + e->ehk_bytes_ + e->rec_len_;
}

static const uint8_t *ehk_value_ptr(const kinesis_agg_encoder *e, uint32_t idx) {
    return e->arena_ + e->arena_cap_ - 16u * ((size_t)idx + 1);
}

static kinesis_hash_key ehk_value(const kinesis_agg_encoder *e, uint32_t idx) {
    kinesis_hash_key k;
    memcpy(&k, ehk_value_ptr(e, idx), sizeof(k));
    return k;
}

/* The first pk table entry is the first record's key. */
static const char *first_pk(const kinesis_agg_encoder *e, size_t *len) {
    *len = e->pk_loc_[1];
    return (const char *)e->arena_ + e->pk_loc_[0];
}

size_t kinesis_agg_encoder_size(const kinesis_agg_encoder *enc) {
    if (!enc || enc->finished_ || enc->count_ == 0) {
        return 0;
    }
    if (enc->count_ == 1 && !enc->opt_.always_aggregate) {
        size_t pk_len;
        first_pk(enc, &pk_len);
        return pk_len + enc->first_data_len_;
    }
    return KAGG_OVERHEAD + proto_len(enc) + 1;
}

/* Find `key` (a pk: bytes; an ehk: 16-byte value) in the dedup table. Returns the slot where it
 * is (*idx = its table index) or would go (*idx untouched); *found tells which. */
static uint32_t find_slot(const kinesis_agg_encoder *e, uint32_t h, const uint8_t *key, size_t len,
                          int is_ehk, int *found, uint32_t *idx) {
    uint32_t i = h & e->slot_mask_;
    for (;;) {
        const kinesis_agg_slot_ s = e->slots_[i];
        if (s.idx1 == 0) {
            *found = 0;
            return i;
        }
        if (s.hash == h) {
            uint32_t k = (s.idx1 & ~EHK_BIT) - 1;
            if (is_ehk) {
                if ((s.idx1 & EHK_BIT) && memcmp(ehk_value_ptr(e, k), key, 16) == 0) {
                    *found = 1;
                    *idx = k;
                    return i;
                }
            } else if (!(s.idx1 & EHK_BIT) && e->pk_loc_[2 * k + 1] == len &&
                       memcmp(e->arena_ + e->pk_loc_[2 * k], key, len) == 0) {
                *found = 1;
                *idx = k;
                return i;
            }
        }
        i = (i + 1) & e->slot_mask_;
    }
}

static kinesis_status grow_slots(kinesis_agg_encoder *e) {
    uint32_t old_n = e->slot_mask_ + 1;
    if (old_n >= (1u << 30)) {
        return KINESIS_E_NO_MEMORY;
    }
    uint32_t n = old_n * 2;
    kinesis_agg_slot_ *ns = kinesis_mem_calloc(e->alloc_, n, sizeof(*ns));
    if (!ns) {
        return KINESIS_E_NO_MEMORY;
    }
    for (uint32_t i = 0; i < old_n; i++) {
        if (e->slots_[i].idx1) {
            uint32_t j = e->slots_[i].hash & (n - 1);
            while (ns[j].idx1) {
                j = (j + 1) & (n - 1);
            }
            ns[j] = e->slots_[i];
        }
    }
    uint32_t *nl =
        kinesis_mem_realloc(e->alloc_, e->pk_loc_, (size_t)e->pk_loc_cap_ * 2 * sizeof(uint32_t),
                            (size_t)n / 4 * 3 * 2 * sizeof(uint32_t));
    if (!nl) {
        kinesis_mem_free(e->alloc_, ns);
        return KINESIS_E_NO_MEMORY;
    }
    e->pk_loc_ = nl;
    e->pk_loc_cap_ = n / 4 * 3;
    kinesis_mem_free(e->alloc_, e->slots_);
    e->slots_ = ns;
    e->slot_mask_ = n - 1;
    return KINESIS_OK;
}

static kinesis_status grow_arena(kinesis_agg_encoder *e, size_t need) {
    size_t n = e->arena_cap_ * 2;
    while (n < need) {
        n *= 2;
    }
    uint8_t *na = kinesis_mem_alloc(e->alloc_, n);
    if (!na) {
        return KINESIS_E_NO_MEMORY;
    }
    size_t back = 16u * (size_t)e->ehk_count_;
    memcpy(na, e->arena_, e->pk_bytes_);
    memcpy(na + n - back, e->arena_ + e->arena_cap_ - back, back);
    kinesis_mem_free(e->alloc_, e->arena_);
    e->arena_ = na;
    e->arena_cap_ = n;
    return KINESIS_OK;
}

static kinesis_status grow_buf(kinesis_agg_encoder *e, size_t need) {
    size_t n = e->buf_cap_ * 2;
    if (n < need) {
        n = need;
    }
    if (n > e->buf_max_) {
        n = e->buf_max_;
    }
    uint8_t *nb = kinesis_mem_realloc(e->alloc_, e->buf_, e->buf_cap_, n);
    if (!nb) {
        return KINESIS_E_NO_MEMORY;
    }
    e->buf_ = nb;
    e->buf_cap_ = n;
    return KINESIS_OK;
}

kinesis_status kinesis_agg_encoder_add(kinesis_agg_encoder *enc, const kinesis_agg_record *rec) {
    if (!enc || !enc->buf_ || !rec || (!rec->data && rec->data_len)) {
        return KINESIS_E_INVALID_ARGUMENT;
    }
    if (enc->finished_) {
        empty_tables(enc);
    }
    kinesis_agg_encoder *e = enc;
    if (e->opt_.max_records && e->count_ >= e->opt_.max_records) {
        return KINESIS_E_AGG_FULL;
    }
    kinesis_status st;
    const int may_grow = e->owns_;
    if (may_grow &&
        ((uint64_t)e->pk_count_ + e->ehk_count_ + 2) * 4 > ((uint64_t)e->slot_mask_ + 1) * 3) {
        if ((st = grow_slots(e)) != KINESIS_OK) {
            return st;
        }
    }
    if (!rec->partition_key || rec->partition_key_len == 0 ||
        rec->partition_key_len > 4 * PK_MAX_CHARS) {
        return KINESIS_E_INVALID_PARTITION_KEY;
    }
    /* Start fetching the key's slot while the key is validated (the table is often larger than
     * the L1/L2 caches). Allocating mode keeps the table at most 3/4 full. */
    uint64_t high;
    const uint32_t pk_hash = hash_bytes_hi((const uint8_t *)rec->partition_key,
                                           rec->partition_key_len, 0x243F6A8885A308D3ull, &high);
    PREFETCH(&e->slots_[pk_hash & e->slot_mask_]);
    if (high || rec->partition_key_len > PK_MAX_CHARS) { /* not plain ASCII of <= 256 chars */
        st = check_partition_key(rec->partition_key, rec->partition_key_len);
        if (st != KINESIS_OK) {
            return st;
        }
    }
    const size_t limit = limit_of(e);
    if (rec->data_len > limit) {
        return KINESIS_E_RECORD_TOO_LARGE;
    }
    const int has_ehk = rec->explicit_hash_key != NULL;
    kinesis_hash_key ehk = {0, 0};
    if (has_ehk) {
        st = kinesis_hash_key_parse(rec->explicit_hash_key, rec->explicit_hash_key_len, &ehk);
        if (st != KINESIS_OK) {
            return st;
        }
    }
    const uint8_t *pk = (const uint8_t *)rec->partition_key;
    const size_t pk_len = rec->partition_key_len;
    int pk_found = 0, ehk_found = 0;
    uint32_t pk_idx = e->pk_count_;
    uint32_t pk_slot = find_slot(e, pk_hash, pk, pk_len, 0, &pk_found, &pk_idx);
    uint32_t ehk_hash = 0, ehk_slot = 0, ehk_idx = 0;
    char digits[KINESIS_HASH_KEY_DECIMAL_MAX];
    size_t digits_len = 0;
    if (has_ehk) {
        ehk_hash = hash_bytes((const uint8_t *)&ehk, sizeof(ehk), 0x13198A2E03707344ull);
        ehk_idx = e->ehk_count_;
        ehk_slot = find_slot(e, ehk_hash, (const uint8_t *)&ehk, 16, 1, &ehk_found, &ehk_idx);
        if (!ehk_found) {
            digits_len = kinesis_hash_key_format(ehk, digits);
        }
    }

    /* Exact sizes of what this record adds. */
    const size_t add_pk = pk_found ? 0 : 1 + kagg_varint_len(pk_len) + pk_len;
    const size_t add_ehk =
        (!has_ehk || ehk_found) ? 0 : 1 + kagg_varint_len(digits_len) + digits_len;
    const uint64_t body = 1 + kagg_varint_len(pk_idx) +
                          (has_ehk ? 1 + kagg_varint_len(ehk_idx) : 0) + 1 +
                          kagg_varint_len(rec->data_len) + rec->data_len;
    const uint64_t entry = 1 + kagg_varint_len(body) + body;
    const uint64_t new_proto = (uint64_t)proto_len(e) + add_pk + add_ehk + entry;
    const uint64_t agg_total = KAGG_OVERHEAD + new_proto + 1; /* + outer key "a" */
    if (e->count_ == 0) {
        int fits = e->opt_.always_aggregate ? agg_total <= limit
                                            : (uint64_t)pk_len + rec->data_len <= limit;
        if (!fits) {
            return KINESIS_E_RECORD_TOO_LARGE;
        }
    } else if (agg_total > limit) {
        return KINESIS_E_AGG_FULL;
    }

    /* Memory for keys. */
    const uint32_t new_keys = (pk_found ? 0 : 1) + (has_ehk && !ehk_found ? 1 : 0);
    if ((uint64_t)e->pk_count_ + e->ehk_count_ + new_keys > e->max_keys_) {
        return e->count_ == 0 ? KINESIS_E_BUFFER_TOO_SMALL : KINESIS_E_AGG_FULL;
    }
    const size_t arena_need =
        e->pk_bytes_ + add_pk + 16u * ((size_t)e->ehk_count_ + (has_ehk && !ehk_found));
    if (arena_need > e->arena_cap_) {
        if (!may_grow) {
            return e->count_ == 0 ? KINESIS_E_BUFFER_TOO_SMALL : KINESIS_E_AGG_FULL;
        }
        if ((st = grow_arena(e, arena_need)) != KINESIS_OK) {
            return st;
        }
    }
    /* Room for the record entry (+ MD5 trailer after it). */
    uint64_t rec_need = (uint64_t)e->rec_start_ + e->rec_len_ + entry + KAGG_MD5_LEN;
    if (rec_need > e->buf_cap_ && e->buf_cap_ < e->buf_max_) {
        if ((st = grow_buf(e, rec_need <= e->buf_max_ ? (size_t)rec_need : e->buf_max_)) !=
            KINESIS_OK) {
            return st;
        }
    }
    if (rec_need > e->buf_cap_) {
        /* Slide the records down to just after where the key tables will go (or as far as
         * needed); the size check above guarantees this makes room. */
        uint64_t target = 4 + e->pk_bytes_ + add_pk + e->ehk_bytes_ + add_ehk;
        uint64_t room = e->buf_cap_ - (e->rec_len_ + entry + KAGG_MD5_LEN);
        if (target > room) {
            target = room;
        }
        memmove(e->buf_ + target, e->buf_ + e->rec_start_, e->rec_len_);
        e->rec_start_ = (size_t)target;
    }

    /* Commit. */
    if (!pk_found) {
        uint8_t *a = e->arena_ + e->pk_bytes_;
        *a++ = KAGG_TAG_PK_TABLE;
        a = kagg_varint_put(a, pk_len);
        kinesis_agg_slot_ *s = &e->slots_[pk_slot];
        s->hash = pk_hash;
        s->idx1 = pk_idx + 1;
        e->pk_loc_[2 * pk_idx] = (uint32_t)(a - e->arena_);
        e->pk_loc_[2 * pk_idx + 1] = (uint32_t)pk_len;
        memcpy(a, pk, pk_len);
        e->pk_bytes_ += add_pk;
        e->pk_count_++;
    }
    if (has_ehk && !ehk_found) {
        /* Both lookups ran before the pk was inserted, so they may have picked the same empty
         * slot: look again. */
        if (!pk_found && ehk_slot == pk_slot) {
            int dummy;
            uint32_t unused;
            ehk_slot = find_slot(e, ehk_hash, (const uint8_t *)&ehk, 16, 1, &dummy, &unused);
        }
        memcpy(e->arena_ + e->arena_cap_ - 16u * ((size_t)ehk_idx + 1), &ehk, 16);
        kinesis_agg_slot_ *s = &e->slots_[ehk_slot];
        s->hash = ehk_hash;
        s->idx1 = (ehk_idx + 1) | EHK_BIT;
        e->ehk_bytes_ += add_ehk;
        e->ehk_count_++;
    }
    uint8_t *w = e->buf_ + e->rec_start_ + e->rec_len_;
    uint8_t *w0 = w;
    *w++ = KAGG_TAG_RECORDS;
    w = kagg_varint_put(w, body);
    *w++ = KAGG_TAG_PK_INDEX;
    w = kagg_varint_put(w, pk_idx);
    if (has_ehk) {
        *w++ = KAGG_TAG_EHK_INDEX;
        w = kagg_varint_put(w, ehk_idx);
    }
    *w++ = KAGG_TAG_DATA;
    w = kagg_varint_put(w, rec->data_len);
    if (rec->data_len) {
        memcpy(w, rec->data, rec->data_len);
    }
    if (e->count_ == 0) {
        e->first_ehk_ = has_ehk ? (int32_t)ehk_idx : -1;
        e->first_data_off_ = e->rec_len_ + (size_t)(w - w0);
        e->first_data_len_ = rec->data_len;
    }
    e->rec_len_ += (size_t)entry;
    e->count_++;
    return KINESIS_OK;
}

static kinesis_status finish(kinesis_agg_encoder *enc, kinesis_agg_output *out, int with_md5) {
    if (!enc || !out || !enc->buf_ || enc->finished_ || enc->count_ == 0) {
        return KINESIS_E_INVALID_ARGUMENT;
    }
    kinesis_agg_encoder *e = enc;
    memset(out, 0, sizeof(*out));
    out->record_count = e->count_;
    if (e->count_ == 1 && !e->opt_.always_aggregate) {
        out->data = e->buf_ + e->rec_start_ + e->first_data_off_;
        out->data_len = e->first_data_len_;
        out->partition_key = first_pk(e, &out->partition_key_len);
        if (e->first_ehk_ >= 0) {
            out->explicit_hash_key_len =
                kinesis_hash_key_format(ehk_value(e, (uint32_t)e->first_ehk_), e->outer_ehk_);
            out->explicit_hash_key = e->outer_ehk_;
        }
        out->aggregated = 0;
        e->finished_ = 1;
        return KINESIS_OK;
    }
    const size_t keys = e->pk_bytes_ + e->ehk_bytes_;
    const size_t head = 4 + keys;
    if (e->rec_start_ < head) {
        size_t need = head + e->rec_len_ + KAGG_MD5_LEN;
        if (need > e->buf_cap_) {
            /* Only possible in allocating mode below buf_max_ (the size rule bounds need). */
            kinesis_status st = grow_buf(e, need);
            if (st != KINESIS_OK) {
                return st;
            }
        }
        memmove(e->buf_ + head, e->buf_ + e->rec_start_, e->rec_len_);
        e->rec_start_ = head;
    }
    uint8_t *p = e->buf_ + (e->rec_start_ - head);
    memcpy(p, kinesis_agg_magic_, 4);
    memcpy(p + 4, e->arena_, e->pk_bytes_);
    uint8_t *q = p + 4 + e->pk_bytes_;
    for (uint32_t i = 0; i < e->ehk_count_; i++) {
        char d[KINESIS_HASH_KEY_DECIMAL_MAX];
        size_t n = kinesis_hash_key_format(ehk_value(e, i), d);
        *q++ = KAGG_TAG_EHK_TABLE;
        q = kagg_varint_put(q, n);
        memcpy(q, d, n);
        q += n;
    }
    const size_t plen = keys + e->rec_len_;
    if (with_md5) {
        e->opt_.crypto->md5(e->opt_.crypto->user, p + 4, plen, p + 4 + plen);
    }
    out->data = p;
    out->data_len = KAGG_OVERHEAD + plen;
    out->partition_key = KINESIS_AGG_OUTER_PARTITION_KEY;
    out->partition_key_len = 1;
    kinesis_hash_key k;
    if (e->first_ehk_ >= 0) {
        k = ehk_value(e, (uint32_t)e->first_ehk_);
    } else {
        size_t n;
        const char *pk = first_pk(e, &n);
        k = kinesis_hash_key_of_partition_key(e->opt_.crypto, pk, n);
    }
    out->explicit_hash_key_len = kinesis_hash_key_format(k, e->outer_ehk_);
    out->explicit_hash_key = e->outer_ehk_;
    out->aggregated = 1;
    e->finished_ = 1;
    return KINESIS_OK;
}

kinesis_status kinesis_agg_encoder_finish(kinesis_agg_encoder *enc, kinesis_agg_output *out) {
    return finish(enc, out, 1);
}

kinesis_status kinesis_agg_encoder_finish_without_md5_(kinesis_agg_encoder *enc,
                                                       kinesis_agg_output *out) {
    return finish(enc, out, 0);
}

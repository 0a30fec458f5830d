/* 128-bit hash keys: decimal parse/format without __int128 (firmware targets lack it), MD5 of
 * partition keys, and shard-map lookup. */
#include "kinesis/hashkey.h"

#include <string.h>

#include "agg_internal.h"

kinesis_status kinesis_hash_key_parse(const char *decimal, size_t len, kinesis_hash_key *out) {
    if (!decimal || !out || len == 0) {
        return KINESIS_E_INVALID_EXPLICIT_HASH_KEY;
    }
    uint64_t hi = 0, lo = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)decimal[i];
        if (c < '0' || c > '9') {
            return KINESIS_E_INVALID_EXPLICIT_HASH_KEY;
        }
        /* (hi:lo) * 10 + d, detecting overflow past 2^128 - 1. */
        uint64_t lo_hi = lo >> 32, lo_lo = lo & 0xffffffffu;
        uint64_t p0 = lo_lo * 10u + (uint64_t)(c - '0');
        uint64_t p1 = lo_hi * 10u + (p0 >> 32);
        uint64_t new_lo = (p1 << 32) | (p0 & 0xffffffffu);
        uint64_t carry = p1 >> 32;
        if (hi > (UINT64_MAX - carry) / 10u) {
            return KINESIS_E_INVALID_EXPLICIT_HASH_KEY;
        }
        hi = hi * 10u + carry;
        lo = new_lo;
    }
    out->hi = hi;
    out->lo = lo;
    return KINESIS_OK;
}

size_t kinesis_hash_key_format(kinesis_hash_key key, char out[KINESIS_HASH_KEY_DECIMAL_MAX]) {
    /* Four 32-bit limbs, most significant first; repeated division by 10^9. */
    uint32_t limb[4] = {(uint32_t)(key.hi >> 32), (uint32_t)key.hi, (uint32_t)(key.lo >> 32),
                        (uint32_t)key.lo};
    char tmp[KINESIS_HASH_KEY_DECIMAL_MAX];
    size_t n = 0;
    for (;;) {
        uint64_t rem = 0;
        int nonzero = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
            nonzero |= limb[i] != 0;
        }
        uint32_t chunk = (uint32_t)rem;
        if (nonzero) {
            for (int d = 0; d < 9; d++) {
                tmp[n++] = (char)('0' + chunk % 10u);
                chunk /= 10u;
            }
        } else {
            do {
                tmp[n++] = (char)('0' + chunk % 10u);
                chunk /= 10u;
            } while (chunk);
            break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    out[n] = '\0';
    return n;
}

static kinesis_hash_key hash_key_of_digest(const uint8_t d[KINESIS_MD5_LEN]) {
    kinesis_hash_key k = {0, 0};
    for (int i = 0; i < 8; i++) {
        k.hi = (k.hi << 8) | d[i];
        k.lo = (k.lo << 8) | d[8 + i];
    }
    return k;
}

kinesis_hash_key kinesis_hash_key_of_partition_key(const kinesis_crypto *crypto,
                                                   const char *partition_key, size_t len) {
    if (!crypto) {
        crypto = kinesis_crypto_default();
    }
    uint8_t d[KINESIS_MD5_LEN];
    static const uint8_t empty = 0;
    crypto->md5(crypto->user, partition_key ? (const uint8_t *)partition_key : &empty, len, d);
    return hash_key_of_digest(d);
}

void kinesis_hash_keys_of_partition_keys(const kinesis_crypto *crypto, size_t n,
                                         const char *const keys[], const size_t lens[],
                                         kinesis_hash_key out[]) {
    enum { CHUNK = 64 }; /* digests on the stack per round */
    uint8_t d[CHUNK][KINESIS_MD5_LEN];
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t m = n - at < CHUNK ? n - at : CHUNK;
        kinesis_agg_md5_many_(crypto, m, (const uint8_t *const *)(keys + at), lens + at, d);
        for (size_t i = 0; i < m; i++) {
            out[at + i] = hash_key_of_digest(d[i]);
        }
    }
}

int kinesis_hash_key_compare(kinesis_hash_key a, kinesis_hash_key b) {
    if (a.hi != b.hi) {
        return a.hi < b.hi ? -1 : 1;
    }
    if (a.lo != b.lo) {
        return a.lo < b.lo ? -1 : 1;
    }
    return 0;
}

/* a <= b, 1 or 0, computed without branches (a 128-bit subtraction's borrow where the compiler
 * has 128-bit integers). */
static inline int hash_key_le(kinesis_hash_key a, kinesis_hash_key b) {
#ifdef __SIZEOF_INT128__
    unsigned __int128 x = (unsigned __int128)a.hi << 64 | a.lo;
    unsigned __int128 y = (unsigned __int128)b.hi << 64 | b.lo;
    return x <= y;
#else
    return (a.hi < b.hi) | ((a.hi == b.hi) & (a.lo <= b.lo));
#endif
}

const kinesis_shard_map_entry *kinesis_shard_map_lookup(const kinesis_shard_map_entry *map,
                                                        size_t count, kinesis_hash_key key) {
    if (!map || count == 0) {
        return NULL;
    }
    /* Last entry whose start <= key: a binary search without branches on the comparisons
     * (random keys would mispredict half of them; the producer looks up every record). */
    const kinesis_shard_map_entry *base = map;
    size_t n = count;
    while (n > 1) {
        size_t half = n / 2;
        base += half & (0 - (size_t)hash_key_le(base[half].start, key));
        n -= half;
    }
    return hash_key_le(base->start, key) & hash_key_le(key, base->end) ? base : NULL;
}

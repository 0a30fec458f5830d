/* Checking the MD5 of many aggregated records at once.
 *
 * MD5 is a serial chain per message, so one message cannot be hashed faster than OpenSSL does;
 * several can, side by side in SIMD lanes. With the default crypto on an x86-64 CPU with AVX2,
 * up to eight blobs are hashed together (a multi-buffer MD5 written from RFC 1321); otherwise
 * each blob goes through the kinesis_crypto md5 function. */
#include "kinesis/agg.h"

#include "agg_internal.h"
#include "internal.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define KAGG_HAVE_AVX2 1
#include <immintrin.h>
#endif

/* Is blob a candidate aggregate (magic, more than 16 bytes after it)? Then its protobuf part. */
static int md5_span(const uint8_t *blob, size_t len, const uint8_t **pb, size_t *pb_len) {
    if (!kinesis_agg_has_magic(blob, len) || len <= KAGG_OVERHEAD) {
        return 0;
    }
    *pb = blob + 4;
    *pb_len = len - KAGG_OVERHEAD;
    return 1;
}

#ifdef KAGG_HAVE_AVX2

static const uint32_t K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

#define AVX2 __attribute__((target("avx2")))

/* Eight rows of eight 32-bit words (row = lane) into eight vectors of one word each. */
static AVX2 void transpose8(__m256i r[8]) {
    __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    r[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    r[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    r[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    r[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    r[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    r[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

#define ROTL(x, s) _mm256_or_si256(_mm256_slli_epi32((x), (s)), _mm256_srli_epi32((x), 32 - (s)))
#define STEP(F, a, b, c, d, m, k, s)                                                               \
    do {                                                                                           \
        __m256i t_ = _mm256_add_epi32(_mm256_add_epi32((a), F((b), (c), (d))),                     \
                                      _mm256_add_epi32((m), _mm256_set1_epi32((int)(k))));         \
        (a) = _mm256_add_epi32((b), ROTL(t_, s));                                                  \
    } while (0)
#define FF(b, c, d) _mm256_or_si256(_mm256_and_si256((b), (c)), _mm256_andnot_si256((b), (d)))
#define GG(b, c, d) _mm256_or_si256(_mm256_and_si256((d), (b)), _mm256_andnot_si256((d), (c)))
#define HH(b, c, d) _mm256_xor_si256(_mm256_xor_si256((b), (c)), (d))
#define II(b, c, d) _mm256_xor_si256((c), _mm256_or_si256((b), _mm256_xor_si256((d), ones)))

/* One 64-byte block for eight lanes; lanes whose bit is clear in `active` keep their state. */
static AVX2 void md5x8_block(__m256i st[4], const uint8_t *const blk[8], __m256i active) {
    __m256i m[16];
    for (int h = 0; h < 2; h++) {
        for (int l = 0; l < 8; l++) {
            m[8 * h + l] = _mm256_loadu_si256((const __m256i *)(blk[l] + 32 * h));
        }
        transpose8(&m[8 * h]);
    }
    const __m256i ones = _mm256_set1_epi32(-1);
    __m256i a = st[0], b = st[1], c = st[2], d = st[3];
    for (int i = 0; i < 16; i += 4) {
        STEP(FF, a, b, c, d, m[i], K[i], 7);
        STEP(FF, d, a, b, c, m[i + 1], K[i + 1], 12);
        STEP(FF, c, d, a, b, m[i + 2], K[i + 2], 17);
        STEP(FF, b, c, d, a, m[i + 3], K[i + 3], 22);
    }
    for (int i = 16; i < 32; i += 4) {
        STEP(GG, a, b, c, d, m[(5 * i + 1) & 15], K[i], 5);
        STEP(GG, d, a, b, c, m[(5 * (i + 1) + 1) & 15], K[i + 1], 9);
        STEP(GG, c, d, a, b, m[(5 * (i + 2) + 1) & 15], K[i + 2], 14);
        STEP(GG, b, c, d, a, m[(5 * (i + 3) + 1) & 15], K[i + 3], 20);
    }
    for (int i = 32; i < 48; i += 4) {
        STEP(HH, a, b, c, d, m[(3 * i + 5) & 15], K[i], 4);
        STEP(HH, d, a, b, c, m[(3 * (i + 1) + 5) & 15], K[i + 1], 11);
        STEP(HH, c, d, a, b, m[(3 * (i + 2) + 5) & 15], K[i + 2], 16);
        STEP(HH, b, c, d, a, m[(3 * (i + 3) + 5) & 15], K[i + 3], 23);
    }
    for (int i = 48; i < 64; i += 4) {
        STEP(II, a, b, c, d, m[(7 * i) & 15], K[i], 6);
        STEP(II, d, a, b, c, m[(7 * (i + 1)) & 15], K[i + 1], 10);
        STEP(II, c, d, a, b, m[(7 * (i + 2)) & 15], K[i + 2], 15);
        STEP(II, b, c, d, a, m[(7 * (i + 3)) & 15], K[i + 3], 21);
    }
    st[0] = _mm256_blendv_epi8(st[0], _mm256_add_epi32(st[0], a), active);
    st[1] = _mm256_blendv_epi8(st[1], _mm256_add_epi32(st[1], b), active);
    st[2] = _mm256_blendv_epi8(st[2], _mm256_add_epi32(st[2], c), active);
    st[3] = _mm256_blendv_epi8(st[3], _mm256_add_epi32(st[3], d), active);
}

/* The digests of the first n lanes (x86 is little-endian: each state word is stored as is). */
static AVX2 void md5x8_digests(const __m256i st[4], size_t n, uint8_t out[][KINESIS_MD5_LEN]) {
    uint32_t w[4][8];
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_si256((__m256i *)w[i], st[i]);
    }
    for (size_t l = 0; l < n; l++) {
        uint32_t d[4] = {w[0][l], w[1][l], w[2][l], w[3][l]};
        memcpy(out[l], d, KINESIS_MD5_LEN);
    }
}

/* MD5 of up to eight messages of at most 55 bytes each (one padded block): partition keys. */
static AVX2 void md5x8_short(size_t n, const uint8_t *const msg[], const size_t len[],
                             uint8_t out[][KINESIS_MD5_LEN]) {
    _Alignas(32) uint8_t blocks[8][64];
    const uint8_t *blk[8];
    const __m256i zero = _mm256_setzero_si256();
    for (size_t l = 0; l < 8; l++) {
        _mm256_store_si256((__m256i *)blocks[l], zero);
        _mm256_store_si256((__m256i *)(blocks[l] + 32), zero);
        if (l < n) {
            if (len[l]) {
                memcpy(blocks[l], msg[l], len[l]);
            }
            blocks[l][len[l]] = 0x80;
            uint64_t bits = (uint64_t)len[l] * 8; /* little-endian, as MD5 wants */
            memcpy(blocks[l] + 56, &bits, 8);
        }
        blk[l] = blocks[l];
    }
    __m256i st[4] = {_mm256_set1_epi32(0x67452301), _mm256_set1_epi32((int)0xefcdab89),
                     _mm256_set1_epi32((int)0x98badcfe), _mm256_set1_epi32(0x10325476)};
    md5x8_block(st, blk, _mm256_set1_epi32(-1));
    md5x8_digests(st, n, out);
}

/* MD5 of up to eight messages. */
static AVX2 void md5x8(size_t n, const uint8_t *const msg[], const size_t len[],
                       uint8_t out[][KINESIS_MD5_LEN]) {
    static const uint8_t zero_block[64];
    uint8_t tail[8][128];
    size_t full[8], total[8], most = 0;
    for (size_t l = 0; l < 8; l++) {
        if (l >= n) {
            full[l] = total[l] = 0;
            continue;
        }
        full[l] = len[l] / 64;
        size_t rest = len[l] % 64;
        size_t tb = rest < 56 ? 1 : 2;
        memset(tail[l], 0, 64 * tb);
        if (rest) {
            memcpy(tail[l], msg[l] + 64 * full[l], rest);
        }
        tail[l][rest] = 0x80;
        uint64_t bits = (uint64_t)len[l] * 8;
        for (int i = 0; i < 8; i++) {
            tail[l][64 * tb - 8 + i] = (uint8_t)(bits >> (8 * i));
        }
        total[l] = full[l] + tb;
        if (total[l] > most) {
            most = total[l];
        }
    }
    __m256i st[4] = {_mm256_set1_epi32(0x67452301), _mm256_set1_epi32((int)0xefcdab89),
                     _mm256_set1_epi32((int)0x98badcfe), _mm256_set1_epi32(0x10325476)};
    for (size_t k = 0; k < most; k++) {
        const uint8_t *blk[8];
        int32_t act[8];
        for (size_t l = 0; l < 8; l++) {
            act[l] = k < total[l] ? -1 : 0;
            blk[l] = k < full[l]    ? msg[l] + 64 * k
                     : k < total[l] ? tail[l] + 64 * (k - full[l])
                                    : zero_block;
        }
        md5x8_block(st, blk, _mm256_loadu_si256((const __m256i *)act));
    }
    md5x8_digests(st, n, out);
}

/* The compiler runtime fills the CPU model before main(); reading it is thread-safe. */
static int cpu_has_avx2(void) { return __builtin_cpu_supports("avx2") ? 1 : 0; }
#endif /* KAGG_HAVE_AVX2 */

void kinesis_agg_md5_many_(const kinesis_crypto *crypto, size_t n, const uint8_t *const msg[],
                           const size_t len[], uint8_t out[][KINESIS_MD5_LEN]) {
    if (!crypto) {
        crypto = kinesis_crypto_default();
    }
#ifdef KAGG_HAVE_AVX2
    if (crypto == kinesis_crypto_default() && n > 1 && cpu_has_avx2()) {
        for (size_t i = 0; i < n; i += 8) {
            size_t k = n - i < 8 ? n - i : 8, longest = 0;
            for (size_t j = 0; j < k; j++) {
                longest = len[i + j] > longest ? len[i + j] : longest;
            }
            if (longest < 56) {
                md5x8_short(k, msg + i, len + i, out + i);
            } else {
                md5x8(k, msg + i, len + i, out + i);
            }
        }
        return;
    }
#endif
    for (size_t i = 0; i < n; i++) {
        crypto->md5(crypto->user, msg[i], len[i], out[i]);
    }
}

kinesis_status kinesis_agg_check_md5_many(const kinesis_crypto *crypto, size_t n,
                                          const uint8_t *const *blobs, const size_t *lens,
                                          uint8_t *md5_ok) {
    if ((n && (!blobs || !lens || !md5_ok))) {
        return KINESIS_E_INVALID_ARGUMENT;
    }
    /* Batches of candidates, eight at a time. */
    const uint8_t *msg[8];
    size_t len[8], idx[8], k = 0;
    uint8_t dig[8][KINESIS_MD5_LEN];
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            md5_ok[i] = 0;
            if (blobs[i] && md5_span(blobs[i], lens[i], &msg[k], &len[k])) {
                idx[k++] = i;
            }
        }
        if (k == 8 || (i == n && k > 0)) {
            kinesis_agg_md5_many_(crypto, k, msg, len, dig);
            for (size_t j = 0; j < k; j++) {
                md5_ok[idx[j]] = memcmp(dig[j], msg[j] + len[j], KINESIS_MD5_LEN) == 0;
            }
            k = 0;
        }
    }
    return KINESIS_OK;
}

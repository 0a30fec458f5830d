/* Checking the MD5 of many aggregated records at once.
 *
 * MD5 is a serial chain per message, so one message cannot be hashed faster than OpenSSL does;
 * several can, side by side in SIMD lanes. With the default crypto on an x86-64 CPU with AVX2,
 * up to sixteen blobs are hashed together (a multi-buffer MD5 written from RFC 1321): in one
 * vector of sixteen lanes with AVX-512 (whose rotate and three-input logic instructions make a
 * step 5 instructions instead of 11), else in two groups of eight AVX2 lanes; otherwise each blob
 * goes through the kinesis_crypto md5 function. */
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
#define AVX512 __attribute__((target("avx2,avx512f")))

/* Eight rows of eight 32-bit words (row = lane) into eight vectors of one word each. */
static inline AVX2 void transpose8(__m256i r[8]) {
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

/* The vector operations of the template below: eight 32-bit lanes of AVX2. */
#define MDX_TARGET AVX2
#define MDX_LANES 8
#define MDX_VEC __m256i
#define MDX_TRANSPOSE transpose8
#define V_LOADU _mm256_loadu_si256
#define V_STOREU _mm256_storeu_si256
#define V_SET1 _mm256_set1_epi32
#define V_ADD _mm256_add_epi32
#define V_AND _mm256_and_si256
#define V_ANDNOT _mm256_andnot_si256
#define V_OR _mm256_or_si256
#define V_XOR _mm256_xor_si256
#define V_SLLI _mm256_slli_epi32
#define V_SRLI _mm256_srli_epi32
#define V_BLENDV _mm256_blendv_epi8

/* Eight messages in one vector per state word: md5x8_block, md5x8_short, md5x8, ... */
#define MDX_GROUPS 1
#define MDX_FN(sfx) md5x8##sfx
#include "agg_md5x_lanes.h"

/* Sixteen messages in two such vectors, interleaved: md5x16_block, md5x16_short, md5x16, ... */
#define MDX_GROUPS 2
#define MDX_FN(sfx) md5x16##sfx
#include "agg_md5x_lanes.h"

#undef MDX_TARGET
#undef MDX_LANES
#undef MDX_VEC
#undef MDX_TRANSPOSE
#undef V_LOADU
#undef V_STOREU
#undef V_SET1
#undef V_ADD
#undef V_AND
#undef V_ANDNOT
#undef V_OR
#undef V_XOR
#undef V_SLLI
#undef V_SRLI
#undef V_BLENDV

/* Sixteen rows of sixteen 32-bit words into sixteen vectors of one word each: words within
 * 128-bit blocks first (unpack), then the 4 x 4 blocks (two rounds of block shuffles). */
static inline AVX512 void transpose16(__m512i r[16]) {
    __m512i t[16], u[16];
    for (int k = 0; k < 8; k++) {
        t[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
    }
    /* u[4k + i], block j: word 4j + i of rows 4k .. 4k + 3 */
    for (int k = 0; k < 4; k++) {
        u[4 * k] = _mm512_unpacklo_epi64(t[4 * k], t[4 * k + 2]);
        u[4 * k + 1] = _mm512_unpackhi_epi64(t[4 * k], t[4 * k + 2]);
        u[4 * k + 2] = _mm512_unpacklo_epi64(t[4 * k + 1], t[4 * k + 3]);
        u[4 * k + 3] = _mm512_unpackhi_epi64(t[4 * k + 1], t[4 * k + 3]);
    }
    /* word 4j + i = block j of u[i], u[4 + i], u[8 + i], u[12 + i] */
    for (int i = 0; i < 4; i++) {
        __m512i v0 = _mm512_shuffle_i32x4(u[i], u[4 + i], 0x44);
        __m512i v1 = _mm512_shuffle_i32x4(u[i], u[4 + i], 0xEE);
        __m512i v2 = _mm512_shuffle_i32x4(u[8 + i], u[12 + i], 0x44);
        __m512i v3 = _mm512_shuffle_i32x4(u[8 + i], u[12 + i], 0xEE);
        r[i] = _mm512_shuffle_i32x4(v0, v2, 0x88);
        r[4 + i] = _mm512_shuffle_i32x4(v0, v2, 0xDD);
        r[8 + i] = _mm512_shuffle_i32x4(v1, v3, 0x88);
        r[12 + i] = _mm512_shuffle_i32x4(v1, v3, 0xDD);
    }
}

/* Sixteen 32-bit lanes of AVX-512 (F). Active lanes are all ones or all zeros, so a bitwise
 * select (truth table 0xCA over m, b, a) blends them. */
#define MDX_TARGET AVX512
#define MDX_LANES 16
#define MDX_VEC __m512i
#define MDX_TRANSPOSE transpose16
#define V_LOADU(p) _mm512_loadu_si512((const void *)(p))
#define V_STOREU(p, v) _mm512_storeu_si512((void *)(p), (v))
#define V_SET1 _mm512_set1_epi32
#define V_ADD _mm512_add_epi32
#define V_ROTL _mm512_rol_epi32
#define V_TERNLOG _mm512_ternarylogic_epi32
#define V_BLENDV(a, b, m) _mm512_ternarylogic_epi32((m), (b), (a), 0xCA)

/* Sixteen messages in one vector per state word: md5z16_block, md5z16_short, md5z16, ... */
#define MDX_GROUPS 1
#define MDX_FN(sfx) md5z16##sfx
#include "agg_md5x_lanes.h"

_Static_assert(KAGG_MD5_BATCH == 16, "a batch is what md5x16 and md5z16 hash at once");

/* The widest lanes this CPU has (2: AVX-512, 1: AVX2, 0: none), capped by
 * kinesis_agg_md5_lanes_cap_. The compiler runtime fills the CPU model (checking that the OS
 * saves the vector registers) before main(); reading it is thread-safe. */
int kinesis_agg_md5_lanes_cap_ = 2;
static int cpu_lanes(void) {
    int have = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
    return have < kinesis_agg_md5_lanes_cap_ ? have : kinesis_agg_md5_lanes_cap_;
}
#else
int kinesis_agg_md5_lanes_cap_ = 0;
#endif /* KAGG_HAVE_AVX2 */

void kinesis_agg_md5_many_(const kinesis_crypto *crypto, size_t n, const uint8_t *const msg[],
                           const size_t len[], uint8_t out[][KINESIS_MD5_LEN]) {
    if (!crypto) {
        crypto = kinesis_crypto_default();
    }
#ifdef KAGG_HAVE_AVX2
    int lanes = crypto == kinesis_crypto_default() && n > 1 ? cpu_lanes() : 0;
    if (lanes) {
        for (size_t i = 0; i < n; i += KAGG_MD5_BATCH) {
            size_t k = n - i < KAGG_MD5_BATCH ? n - i : KAGG_MD5_BATCH, longest = 0;
            for (size_t j = 0; j < k; j++) {
                longest = len[i + j] > longest ? len[i + j] : longest;
            }
            int one_block = longest < 56;
            if (lanes == 2) { /* one vector: eight messages cost what sixteen do */
                (one_block ? md5z16_short : md5z16)(k, msg + i, len + i, out + i);
            } else if (one_block) {
                (k > 8 ? md5x16_short : md5x8_short)(k, msg + i, len + i, out + i);
            } else {
                (k > 8 ? md5x16 : md5x8)(k, msg + i, len + i, out + i);
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
    /* Batches of candidates, KAGG_MD5_BATCH at a time. */
    const uint8_t *msg[KAGG_MD5_BATCH];
    size_t len[KAGG_MD5_BATCH], idx[KAGG_MD5_BATCH], k = 0;
    uint8_t dig[KAGG_MD5_BATCH][KINESIS_MD5_LEN];
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            md5_ok[i] = 0;
            if (blobs[i] && md5_span(blobs[i], lens[i], &msg[k], &len[k])) {
                idx[k++] = i;
            }
        }
        if (k == KAGG_MD5_BATCH || (i == n && k > 0)) {
            kinesis_agg_md5_many_(crypto, k, msg, len, dig);
            for (size_t j = 0; j < k; j++) {
                md5_ok[idx[j]] = memcmp(dig[j], msg[j] + len[j], KINESIS_MD5_LEN) == 0;
            }
            k = 0;
        }
    }
    return KINESIS_OK;
}

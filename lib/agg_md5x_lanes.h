/* The multi-buffer MD5, included by agg_md5x.c once per group count (a template: the rounds
 * are written once). The includer defines, once for every instance:
 *   MDX_LANES      messages side by side in one vector (the 32-bit words of MDX_VEC)
 *   MDX_VEC        the vector type
 *   MDX_TRANSPOSE  turns MDX_LANES rows (one lane's consecutive words each) into words
 *   MDX_TARGET     the function attribute naming the instruction set (the functions only run
 *                  after the dispatcher checked the CPU has it)
 *   V_LOADU, V_STOREU, V_SET1, V_ADD, V_BLENDV (V_BLENDV(a, b, m): b where m's bits are set)
 *   and either V_ROTL and V_TERNLOG (AVX-512: a rotate, and any function of three inputs in one
 *   instruction, given its truth table) or V_AND, V_ANDNOT, V_OR, V_XOR, V_SLLI, V_SRLI
 * and before each inclusion (undefined again at its end):
 *   MDX_GROUPS     vectors of lanes hashed in one instruction stream. MD5 is a chain of
 *                  dependent steps, so one vector leaves most of the CPU's execution units
 *                  idle; a second, independent group runs in their shadow for little more time.
 *   MDX_FN(sfx)    the name of each function */

#define MDX_MSGS (MDX_LANES * MDX_GROUPS)
/* One step for every group: a = b + ((a + F(b, c, d) + m + k) <<< s). a + m + k does not wait
 * for b, c and d (a was computed four steps before): only F, one add, the rotate and the add
 * of b are on the chain from one step to the next. */
#define MDX_STEP(F, a, b, c, d, w, k, s)                                                           \
    for (int q_ = 0; q_ < MDX_GROUPS; q_++) {                                                      \
        MDX_VEC t_ =                                                                               \
            V_ADD(F(b[q_], c[q_], d[q_]), V_ADD(a[q_], V_ADD(m[q_][w], V_SET1((int)(k)))));        \
        a[q_] = V_ADD(b[q_], MDX_ROTL(t_, s));                                                     \
    }
#ifdef V_TERNLOG
/* The truth tables over (b, c, d) = (0xF0, 0xCC, 0xAA) of RFC 1321's F, G, H and I. */
#define MDX_ROTL(x, s) V_ROTL((x), (s))
#define MDX_F(b, c, d) V_TERNLOG((b), (c), (d), 0xCA) /* (b & c) | (~b & d) */
#define MDX_G(b, c, d) V_TERNLOG((b), (c), (d), 0xE4) /* (b & d) | (c & ~d) */
#define MDX_H(b, c, d) V_TERNLOG((b), (c), (d), 0x96) /* b ^ c ^ d */
#define MDX_I(b, c, d) V_TERNLOG((b), (c), (d), 0x39) /* c ^ (b | ~d) */
#else
#define MDX_ROTL(x, s) V_OR(V_SLLI((x), (s)), V_SRLI((x), 32 - (s)))
#define MDX_F(b, c, d) V_OR(V_AND((b), (c)), V_ANDNOT((b), (d)))
#define MDX_G(b, c, d) V_OR(V_AND((d), (b)), V_ANDNOT((d), (c)))
#define MDX_H(b, c, d) V_XOR(V_XOR((b), (c)), (d))
#define MDX_I(b, c, d) V_XOR((c), V_OR((b), V_XOR((d), ones)))
#endif

/* One 64-byte block for every lane; lanes whose bits are clear in `active` keep their state. */
static MDX_TARGET void MDX_FN(_block)(MDX_VEC st[MDX_GROUPS][4], const uint8_t *const blk[MDX_MSGS],
                                      const MDX_VEC active[MDX_GROUPS]) {
    MDX_VEC m[MDX_GROUPS][16];
    for (int q = 0; q < MDX_GROUPS; q++) {
        for (int g = 0; g < 16 / MDX_LANES; g++) {
            for (int l = 0; l < MDX_LANES; l++) {
                const uint8_t *at = blk[MDX_LANES * q + l] + 4 * MDX_LANES * g;
                m[q][MDX_LANES * g + l] = V_LOADU((const MDX_VEC *)at);
            }
            MDX_TRANSPOSE(&m[q][MDX_LANES * g]);
        }
    }
#ifndef V_TERNLOG
    const MDX_VEC ones = V_SET1(-1);
#endif
    MDX_VEC a[MDX_GROUPS], b[MDX_GROUPS], c[MDX_GROUPS], d[MDX_GROUPS];
    for (int q = 0; q < MDX_GROUPS; q++) {
        a[q] = st[q][0];
        b[q] = st[q][1];
        c[q] = st[q][2];
        d[q] = st[q][3];
    }
    for (int i = 0; i < 16; i += 4) {
        MDX_STEP(MDX_F, a, b, c, d, i, K[i], 7);
        MDX_STEP(MDX_F, d, a, b, c, i + 1, K[i + 1], 12);
        MDX_STEP(MDX_F, c, d, a, b, i + 2, K[i + 2], 17);
        MDX_STEP(MDX_F, b, c, d, a, i + 3, K[i + 3], 22);
    }
    for (int i = 16; i < 32; i += 4) {
        MDX_STEP(MDX_G, a, b, c, d, (5 * i + 1) & 15, K[i], 5);
        MDX_STEP(MDX_G, d, a, b, c, (5 * (i + 1) + 1) & 15, K[i + 1], 9);
        MDX_STEP(MDX_G, c, d, a, b, (5 * (i + 2) + 1) & 15, K[i + 2], 14);
        MDX_STEP(MDX_G, b, c, d, a, (5 * (i + 3) + 1) & 15, K[i + 3], 20);
    }
    for (int i = 32; i < 48; i += 4) {
        MDX_STEP(MDX_H, a, b, c, d, (3 * i + 5) & 15, K[i], 4);
        MDX_STEP(MDX_H, d, a, b, c, (3 * (i + 1) + 5) & 15, K[i + 1], 11);
        MDX_STEP(MDX_H, c, d, a, b, (3 * (i + 2) + 5) & 15, K[i + 2], 16);
        MDX_STEP(MDX_H, b, c, d, a, (3 * (i + 3) + 5) & 15, K[i + 3], 23);
    }
    for (int i = 48; i < 64; i += 4) {
        MDX_STEP(MDX_I, a, b, c, d, (7 * i) & 15, K[i], 6);
        MDX_STEP(MDX_I, d, a, b, c, (7 * (i + 1)) & 15, K[i + 1], 10);
        MDX_STEP(MDX_I, c, d, a, b, (7 * (i + 2)) & 15, K[i + 2], 15);
        MDX_STEP(MDX_I, b, c, d, a, (7 * (i + 3)) & 15, K[i + 3], 21);
    }
    for (int q = 0; q < MDX_GROUPS; q++) {
        st[q][0] = V_BLENDV(st[q][0], V_ADD(st[q][0], a[q]), active[q]);
        st[q][1] = V_BLENDV(st[q][1], V_ADD(st[q][1], b[q]), active[q]);
        st[q][2] = V_BLENDV(st[q][2], V_ADD(st[q][2], c[q]), active[q]);
        st[q][3] = V_BLENDV(st[q][3], V_ADD(st[q][3], d[q]), active[q]);
    }
}

/* The initial state of every group. */
static MDX_TARGET void MDX_FN(_init)(MDX_VEC st[MDX_GROUPS][4]) {
    for (int q = 0; q < MDX_GROUPS; q++) {
        st[q][0] = V_SET1(0x67452301);
        st[q][1] = V_SET1((int)0xefcdab89);
        st[q][2] = V_SET1((int)0x98badcfe);
        st[q][3] = V_SET1(0x10325476);
    }
}

/* The digests of the first n messages (x86 is little-endian: each state word is stored as is). */
static MDX_TARGET void MDX_FN(_digests)(MDX_VEC st[MDX_GROUPS][4], size_t n,
                                        uint8_t out[][KINESIS_MD5_LEN]) {
    uint32_t w[MDX_GROUPS][4][MDX_LANES];
    for (int q = 0; q < MDX_GROUPS; q++) {
        for (int i = 0; i < 4; i++) {
            V_STOREU((MDX_VEC *)w[q][i], st[q][i]);
        }
    }
    for (size_t l = 0; l < n; l++) {
        size_t q = l / MDX_LANES, x = l % MDX_LANES;
        uint32_t d[4] = {w[q][0][x], w[q][1][x], w[q][2][x], w[q][3][x]};
        memcpy(out[l], d, KINESIS_MD5_LEN);
    }
}

/* MD5 of up to MDX_MSGS messages of at most 55 bytes each (one padded block): partition keys. */
static MDX_TARGET void MDX_FN(_short)(size_t n, const uint8_t *const msg[], const size_t len[],
                                      uint8_t out[][KINESIS_MD5_LEN]) {
    _Alignas(32) uint8_t blocks[MDX_MSGS][64];
    const uint8_t *blk[MDX_MSGS];
    for (size_t l = 0; l < MDX_MSGS; l++) {
        memset(blocks[l], 0, 64);
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
    MDX_VEC st[MDX_GROUPS][4], all[MDX_GROUPS];
    MDX_FN(_init)(st);
    for (int q = 0; q < MDX_GROUPS; q++) {
        all[q] = V_SET1(-1);
    }
    MDX_FN(_block)(st, blk, all);
    MDX_FN(_digests)(st, n, out);
}

/* MD5 of up to MDX_MSGS messages. */
static MDX_TARGET void MDX_FN()(size_t n, const uint8_t *const msg[], const size_t len[],
                                uint8_t out[][KINESIS_MD5_LEN]) {
    static const uint8_t zero_block[64];
    uint8_t tail[MDX_MSGS][128];
    size_t full[MDX_MSGS], total[MDX_MSGS], most = 0;
    for (size_t l = 0; l < MDX_MSGS; l++) {
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
    MDX_VEC st[MDX_GROUPS][4];
    MDX_FN(_init)(st);
    for (size_t k = 0; k < most; k++) {
        const uint8_t *blk[MDX_MSGS];
        int32_t act[MDX_MSGS];
        MDX_VEC active[MDX_GROUPS];
        for (size_t l = 0; l < MDX_MSGS; l++) {
            act[l] = k < total[l] ? -1 : 0;
            blk[l] = k < full[l]    ? msg[l] + 64 * k
                     : k < total[l] ? tail[l] + 64 * (k - full[l])
                                    : zero_block;
        }
        for (int q = 0; q < MDX_GROUPS; q++) {
            active[q] = V_LOADU((const MDX_VEC *)(act + MDX_LANES * q));
        }
        MDX_FN(_block)(st, blk, active);
    }
    MDX_FN(_digests)(st, n, out);
}

#undef MDX_ROTL
#undef MDX_STEP
#undef MDX_F
#undef MDX_G
#undef MDX_H
#undef MDX_I
#undef MDX_GROUPS
#undef MDX_MSGS
#undef MDX_FN

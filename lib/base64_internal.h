/* Internals of lib/base64.c, exposed so tests and benchmarks can compare the portable path with
 * the dispatched one (AVX2 where the CPU has it) on the same machine. Not installed. */
#ifndef KINESIS_BASE64_INTERNAL_H
#define KINESIS_BASE64_INTERNAL_H

#include "kinesis/base64.h"

/* The portable implementations: same contract, statuses and outputs as kinesis_base64_encode /
 * kinesis_base64_decode (which use them for short inputs, tails and CPUs without AVX2). */
kinesis_status kinesis_base64_encode_scalar_(const uint8_t *src, size_t len, char *out, size_t cap,
                                             size_t *out_len);
kinesis_status kinesis_base64_decode_scalar_(const char *src, size_t len, uint8_t *out, size_t cap,
                                             size_t *out_len);

/* Decode the run of whole 32-character blocks at the start of src[0, len) made only of
 * alphabet characters ('=' excluded), scanning and decoding in one pass, for text whose end is
 * not known yet (a JSON string: the block holding the closing quote stops the run). Returns
 * the characters decoded, a multiple of 32 (0 without AVX2); out receives that / 4 * 3 bytes
 * (up to 8 bytes after them may be overwritten), and nothing is written at or past out + cap.
 * out may be src (decoding in place: what is overwritten has been read). */
size_t kinesis_base64_decode_run_(const char *src, size_t len, uint8_t *out, size_t cap);

/* 1 when kinesis_base64_encode/decode take the AVX2 path on this CPU (compiled in for x86 with
 * GCC or clang, and the CPU reports AVX2), else 0. */
int kinesis_base64_simd_active_(void);

#endif

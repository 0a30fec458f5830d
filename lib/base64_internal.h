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

/* 1 when kinesis_base64_encode/decode take the AVX2 path on this CPU (compiled in for x86 with
 * GCC or clang, and the CPU reports AVX2), else 0. */
int kinesis_base64_simd_active_(void);

#endif

/* Steady-state passes of the benchmarks (header-only, shared by the bench programs): how many
 * passes follow the first, cold one, and the median reported over them. */
#ifndef KINESIS_BENCH_PASSES_H
#define KINESIS_BENCH_PASSES_H

#include <stdlib.h>
#include <string.h>

/* BENCH_STEADY_PASSES: passes after the first (1..15, default 3). */
static int bench_steady_passes(void) {
    const char *v = getenv("BENCH_STEADY_PASSES");
    int n = v ? atoi(v) : 3;
    return n >= 1 && n <= 15 ? n : 3;
}

static int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) (1 <= n <= 16); v is left as it was. */
static double bench_median(const double *v, int n) {
    double s[16];
    memcpy(s, v, (size_t)n * sizeof(*s));
    qsort(s, (size_t)n, sizeof(*s), bench_cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

#endif

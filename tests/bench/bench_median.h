/* The median the benchmarks report over their steady passes (header-only, shared by the bench
 * programs). */
#ifndef KINESIS_BENCH_MEDIAN_H
#define KINESIS_BENCH_MEDIAN_H

#include <stdlib.h>
#include <string.h>

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

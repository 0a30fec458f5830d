/* Steady-state passes of the benchmarks (header-only, shared by the bench programs): how many
 * passes follow the first, cold one, the clocks they are measured with, and the BENCH lines
 * reported over them (the cold pass apart, the median of the others, every pass). */
#ifndef KINESIS_BENCH_PASSES_H
#define KINESIS_BENCH_PASSES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* CPU seconds of the whole process (user + system, every thread). */
static double bench_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double bench_wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* With BENCH_TURNS set, this process is one of several clients that a driver measures in turns
 * (bench_producer.sh: one pass of each client, then the next round), so that every client meets
 * the same drift of the machine's speed: a pass starts when a line arrives on stdin
 * (bench_turn_wait(), before its clocks start) and bench_passes_add() answers `TURN_DONE` on
 * stdout once it is measured. */
static int bench_turns(void) { return getenv("BENCH_TURNS") != NULL; }

/* 0 when the pass may start (at once without BENCH_TURNS), -1 when the driver went away. Inline:
 * a benchmark that never takes turns includes this header too. */
static inline int bench_turn_wait(void) {
    char line[32];
    if (!bench_turns()) return 0;
    return fgets(line, sizeof(line), stdin) ? 0 : -1;
}

/* The measurements of pass 0 (cold) to steady. */
typedef struct bench_passes {
    int steady;
    double cold_cpu, cold_wall, cpu[15], wall[15];
} bench_passes;

static void bench_passes_add(bench_passes *b, int pass, double cpu, double wall) {
    if (pass == 0) {
        b->cold_cpu = cpu;
        b->cold_wall = wall;
    } else {
        b->cpu[pass - 1] = cpu;
        b->wall[pass - 1] = wall;
    }
    if (bench_turns()) {
        printf("TURN_DONE\n");
        fflush(stdout);
    }
}

/* `BENCH <name>_[cold_]<unit>_per_s` and `<name>_[cold_]cpu_s_per_million` lines for passes of
 * `records` records each, and `<name>_cpu_s_per_million_passes` with every steady pass. */
static void bench_passes_print(const bench_passes *b, const char *name, const char *unit,
                               double records) {
    printf("BENCH %s_cold_%s_per_s %.0f records/s\n", name, unit, records / b->cold_wall);
    printf("BENCH %s_cold_cpu_s_per_million %.3f s\n", name, b->cold_cpu / records * 1e6);
    printf("BENCH %s_%s_per_s %.0f records/s\n", name, unit,
           records / bench_median(b->wall, b->steady));
    printf("BENCH %s_cpu_s_per_million %.3f s\n", name,
           bench_median(b->cpu, b->steady) / records * 1e6);
    printf("BENCH %s_cpu_s_per_million_passes", name);
    for (int i = 0; i < b->steady; i++) printf("%s%.3f", i ? "," : " ", b->cpu[i] / records * 1e6);
    printf(" s\n");
}

#endif

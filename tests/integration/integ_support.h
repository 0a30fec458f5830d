/* Shared by the C integration test programs (one translation unit each): soft and hard checks
 * that count failures, and a formatter for a failed call. */
#ifndef KINESIS_INTEG_SUPPORT_H
#define KINESIS_INTEG_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>

#include "kinesis/kinesis.h"

static int failures;

/* Record a failure and go on. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Record a failure and stop the program (what follows depends on it). cond is evaluated once. */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        int required_ = failures;                                                                  \
        CHECK(cond, __VA_ARGS__);                                                                  \
        if (failures != required_) exit(1);                                                        \
    } while (0)

/* Arguments for "%s %s %s": status name, service error type, message. */
#define ERRSTR(st, err) kinesis_status_name(st), (err).type, (err).message

#endif

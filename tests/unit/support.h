/* Helpers shared by the cmocka unit tests. */
#ifndef KINESIS_TEST_UNIT_SUPPORT_H
#define KINESIS_TEST_UNIT_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kinesis/common.h"

/* Read a whole file (relative paths are under tests/data); NULL if missing. Free with free(). */
uint8_t *test_read_file(const char *path, size_t *len_out);
/* Absolute path of a file under tests/data into a static buffer. */
const char *test_data_path(const char *relative);

/* A leak-tracing allocator: counts live allocations; tests assert it ends at zero. It can also be
 * told to fail the Nth allocation to test out-of-memory paths. The counters are atomic, so it
 * serves objects used from several threads (producer, consumer, transport). */
typedef struct test_allocator {
    kinesis_allocator base;
    _Atomic long live;
    _Atomic long total;
    _Atomic long fail_at; /* 0 = never; else fail the allocation with this 1-based ordinal */
} test_allocator;
void test_allocator_init(test_allocator *t);

#endif

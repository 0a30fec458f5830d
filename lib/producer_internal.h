/* Internal producer declarations shared by producer.c, producer_options.c and unit tests. */
#ifndef KINESIS_PRODUCER_INTERNAL_H
#define KINESIS_PRODUCER_INTERNAL_H

#include "internal.h"
#include "kinesis/producer.h"

/* One row of the option table (lib/producer_options.c): the single source of defaults, bounds,
 * validation and documentation. */
typedef struct kinesis_producer_option_def {
    const char *name;
    size_t offset; /* into kinesis_producer_options */
    size_t size;   /* 4 (uint32_t) or 8 (uint64_t) */
    uint64_t def, min, max;
    const char *doc;
} kinesis_producer_option_def;

extern const kinesis_producer_option_def kinesis_producer_option_table[];
extern const size_t kinesis_producer_option_count;

/* Read an option's value through its table row. */
uint64_t kinesis_producer_option_get(const kinesis_producer_options *o,
                                     const kinesis_producer_option_def *d);

/* Check every option against the table; KINESIS_E_CONFIG naming the first bad one. */
kinesis_status kinesis_producer_options_check(const kinesis_producer_options *o,
                                              kinesis_error *err);

/* Full-jitter backoff: a value in [0, min(max_ms, base_ms * 2^(attempt-1))], attempt >= 1,
 * without overflow for any attempt. */
uint32_t kinesis_producer_backoff_ms(uint32_t base_ms, uint32_t max_ms, uint32_t attempt,
                                     uint64_t random_value);

/* A record's deadline: put time + ttl, or INT64_MAX when ttl is 0 (no deadline). */
int64_t kinesis_producer_deadline(int64_t put_ms, uint32_t ttl_ms);

/* How many times the senders have waited for work so far (for tests: a sender that loops without
 * waiting, or whose waits end at once, spins). Any thread; does not take the producer's lock. */
uint64_t kinesis_producer_idle_waits(kinesis_producer *p);

#endif

/* Consumer benchmark program (driven by bench_consumer.sh, not a test): reads a stream from the
 * start with the consumer until `expected` user records arrived, then prints the user records
 * per second and the CPU seconds this process used per million user records.
 * Usage: bench_consumer ENDPOINT STREAM EXPECTED_USER_RECORDS LABEL [GET_RECORDS_LIMIT] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "kinesis/kinesis.h"

typedef struct ctx {
    uint64_t n, expected, bytes;
} ctx;

static int on_record(void *user, const kinesis_consumer_record *r) {
    ctx *x = user;
    x->bytes += r->data_len;
    return ++x->n >= x->expected;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s ENDPOINT STREAM EXPECTED LABEL [GET_RECORDS_LIMIT]\n", argv[0]);
        return 2;
    }
    kinesis_client_options co;
    kinesis_client_options_init(&co);
    co.endpoint_url = argv[1];
    co.region = "us-east-1";
    kinesis_client *client;
    kinesis_error err;
    if (kinesis_client_new(&co, &client, &err) != KINESIS_OK) {
        fprintf(stderr, "client: %s\n", err.message);
        return 1;
    }
    ctx x = {0, strtoull(argv[3], NULL, 10), 0};
    kinesis_consumer_options o;
    kinesis_consumer_options_init(&o);
    o.stream = argv[2];
    o.on_record = on_record;
    o.user = &x;
    o.idle_interval_ms = 200;
    if (argc == 6) o.max_records_per_call = (uint32_t)strtoul(argv[5], NULL, 10);
    kinesis_consumer *c;
    if (kinesis_consumer_new(client, &o, &c, &err) != KINESIS_OK) {
        fprintf(stderr, "consumer: %s\n", err.message);
        return 1;
    }
    double cpu0 = cpu_seconds(), t0 = wall_seconds();
    kinesis_status st = kinesis_consumer_run(c, &err);
    double cpu = cpu_seconds() - cpu0, wall = wall_seconds() - t0;
    kinesis_consumer_stats s;
    kinesis_consumer_get_stats(c, &s);
    kinesis_consumer_destroy(c);
    kinesis_client_destroy(client);
    if (st != KINESIS_OK || x.n < x.expected) {
        fprintf(stderr, "consumer: %s %s (%llu of %llu)\n", kinesis_status_name(st), err.message,
                (unsigned long long)x.n, (unsigned long long)x.expected);
        return 1;
    }
    printf("BENCH consumer_%s_user_records_per_s %.0f records/s\n", argv[4], x.n / wall);
    printf("BENCH consumer_%s_cpu_s_per_million %.3f s\n", argv[4], cpu * 1e6 / x.n);
    printf("BENCH consumer_%s_kinesis_records %llu records\n", argv[4],
           (unsigned long long)s.kinesis_records);
    printf("BENCH consumer_%s_get_records_calls %llu calls\n", argv[4],
           (unsigned long long)s.get_records_calls);
    return 0;
}

/* Example producer: creates a stream if needed, then puts records through the libkinesis
 * producer — KPL aggregation per predicted shard, batching, retries of only what failed — and
 * counts the delivery reports. Region, credentials and endpoint come from the usual AWS
 * environment and files; --endpoint-url overrides the endpoint.
 *
 *   producer --stream-name demo [--count 10000] [--shards 2] [--endpoint-url URL] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinesis/kinesis.h>

static const char *arg(int argc, char **argv, const char *name, const char *fallback) {
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return fallback;
}

static int fail(const char *what, kinesis_status st, const kinesis_error *err) {
    fprintf(stderr, "producer: %s failed: %s: %s%s%s\n", what, kinesis_status_name(st),
            err->type[0] ? err->type : "", err->type[0] ? ": " : "", err->message);
    return 1;
}

typedef struct tally {
    long delivered, failed, aggregated;
    unsigned long max_attempts;
} tally;

/* One call per user record, on the thread that calls kinesis_producer_poll(). */
static void on_report(void *user, const kinesis_delivery_report *r) {
    tally *t = user;
    if (r->status == KINESIS_OK) {
        t->delivered++;
        t->aggregated += r->aggregated;
    } else {
        t->failed++; /* r->data and r->partition_key are here to dead-letter it */
        fprintf(stderr, "producer: record %s failed: %s %s\n", r->partition_key,
                kinesis_status_name(r->status), r->error_message);
    }
    if (r->attempts > t->max_attempts) t->max_attempts = r->attempts;
}

int main(int argc, char **argv) {
    const char *stream = arg(argc, argv, "--stream-name", NULL);
    long count = atol(arg(argc, argv, "--count", "10000"));
    uint32_t shards = (uint32_t)atol(arg(argc, argv, "--shards", "2"));
    if (!stream || count <= 0) {
        fprintf(stderr, "usage: producer --stream-name NAME [--count N] [--shards N] "
                        "[--endpoint-url URL]\n");
        return 2;
    }
    kinesis_client_options options;
    kinesis_client_options_init(&options);
    options.endpoint_url = arg(argc, argv, "--endpoint-url", NULL);
    kinesis_client *client;
    kinesis_error err;
    kinesis_status st = kinesis_client_new(&options, &client, &err);
    if (st != KINESIS_OK) return fail("client", st, &err);

    kinesis_create_stream_request create = {stream, shards, KINESIS_STREAM_MODE_PROVISIONED};
    st = kinesis_create_stream(client, &create, &err);
    if (st != KINESIS_OK && st != KINESIS_E_RESOURCE_IN_USE) return fail("CreateStream", st, &err);
    st = kinesis_wait_stream_active(client, stream, 60000, 250, &err);
    if (st != KINESIS_OK) return fail("waiting for the stream", st, &err);

    tally t = {0};
    kinesis_producer_options po;
    kinesis_producer_options_init(&po); /* aggregation on, 100 ms linger, 30 s record TTL */
    po.dr_cb = on_report;
    po.dr_user = &t;
    kinesis_producer *producer;
    st = kinesis_producer_new(client, &po, &producer, &err);
    if (st != KINESIS_OK) return fail("producer", st, &err);

    for (long id = 0; id < count; id++) {
        char key[32], data[64];
        snprintf(key, sizeof key, "user-%ld", id % 97);
        int len = snprintf(data, sizeof data, "{\"event\":%ld,\"msg\":\"hello\"}", id);
        kinesis_producer_record rec = {0};
        rec.stream = stream;
        rec.partition_key = key;
        rec.data = (const uint8_t *)data;
        rec.data_len = (size_t)len;
        /* put() never blocks by default: a full buffer is back-pressure, so serve reports */
        while ((st = kinesis_producer_put(producer, &rec, &err)) == KINESIS_E_QUEUE_FULL)
            kinesis_producer_poll(producer, 100);
        if (st != KINESIS_OK) return fail("put", st, &err);
        kinesis_producer_poll(producer, 0);
    }
    st = kinesis_producer_close(producer, 60000); /* flush; anything left is reported */
    kinesis_producer_poll(producer, 0);
    char *stats = NULL;
    size_t stats_len = 0;
    if (kinesis_producer_stats_json(producer, &stats, &stats_len) == KINESIS_OK) {
        printf("producer statistics: %s\n", stats);
        kinesis_free(kinesis_client_allocator(client), stats);
    }
    kinesis_producer_destroy(producer);
    kinesis_client_destroy(client);
    printf("producer: %ld records delivered to %s (%ld inside KPL aggregates, at most %lu "
           "attempts), %ld failed\n",
           t.delivered, stream, t.aggregated, t.max_attempts, t.failed);
    return t.failed || t.delivered != count || st != KINESIS_OK ? 1 : 0;
}

/* Example producer: creates a stream if needed and puts records in batches with PutRecords,
 * retrying only the entries that failed. Region, credentials and endpoint come from the usual
 * AWS environment and files; --endpoint-url overrides the endpoint.
 *
 *   producer --stream-name demo [--count 1000] [--shards 2] [--endpoint-url URL] */
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

int main(int argc, char **argv) {
    const char *stream = arg(argc, argv, "--stream-name", NULL);
    long count = atol(arg(argc, argv, "--count", "1000"));
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

    enum { BATCH = 500 };
    static char keys[BATCH][32], data[BATCH][64];
    kinesis_put_records_entry entries[BATCH];
    kinesis_put_records_result_entry results[BATCH];
    long put = 0, retried = 0;
    while (put < count) {
        size_t n = 0;
        for (; n < BATCH && put + (long)n < count; n++) {
            long id = put + (long)n;
            snprintf(keys[n], sizeof(keys[n]), "user-%ld", id % 97);
            int len = snprintf(data[n], sizeof(data[n]), "{\"event\":%ld,\"msg\":\"hello\"}", id);
            entries[n] = (kinesis_put_records_entry){keys[n], (const uint8_t *)data[n],
                                                     (size_t)len, NULL};
        }
        /* Send, then resend only the entries that failed (never the whole batch). */
        kinesis_put_records_entry *pending = entries;
        size_t pending_n = n;
        for (int attempt = 0; pending_n > 0; attempt++) {
            uint32_t failed = 0;
            kinesis_put_records_request req = {stream, pending, pending_n};
            st = kinesis_put_records(client, &req, results, &failed, &err);
            if (st != KINESIS_OK) return fail("PutRecords", st, &err);
            size_t keep = 0;
            for (size_t i = 0; i < pending_n; i++)
                if (results[i].status != KINESIS_OK) pending[keep++] = pending[i];
            if (keep && attempt >= 10) {
                fprintf(stderr, "producer: %zu records failed: %s\n", keep, results[0].error_code);
                return 1;
            }
            retried += (long)keep;
            pending_n = keep;
        }
        put += (long)n;
    }
    printf("producer: put %ld records into %s (%ld retried entries)\n", put, stream, retried);
    kinesis_client_destroy(client);
    return 0;
}

/* Example consumer: reads every shard of a stream from TRIM_HORIZON to its current end and
 * prints a summary (records per shard, first and last record). Region, credentials and
 * endpoint come from the usual AWS environment and files; --endpoint-url overrides.
 *
 *   consumer --stream-name demo [--expect N] [--endpoint-url URL] [--print N] */
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
    fprintf(stderr, "consumer: %s failed: %s: %s%s%s\n", what, kinesis_status_name(st),
            err->type[0] ? err->type : "", err->type[0] ? ": " : "", err->message);
    return 1;
}

int main(int argc, char **argv) {
    const char *stream = arg(argc, argv, "--stream-name", NULL);
    long expect = atol(arg(argc, argv, "--expect", "-1"));
    long print = atol(arg(argc, argv, "--print", "3"));
    if (!stream) {
        fprintf(stderr, "usage: consumer --stream-name NAME [--expect N] [--endpoint-url URL]\n");
        return 2;
    }
    kinesis_client_options options;
    kinesis_client_options_init(&options);
    options.endpoint_url = arg(argc, argv, "--endpoint-url", NULL);
    kinesis_client *client;
    kinesis_error err;
    kinesis_status st = kinesis_client_new(&options, &client, &err);
    if (st != KINESIS_OK) return fail("client", st, &err);

    kinesis_list_shards_request lr = {0};
    lr.stream = stream;
    kinesis_list_shards_result shards;
    st = kinesis_list_shards(client, &lr, &shards, &err);
    if (st != KINESIS_OK) return fail("ListShards", st, &err);

    long total = 0, printed = 0;
    for (size_t s = 0; s < shards.shard_count; s++) {
        kinesis_get_shard_iterator_request ir = {stream, shards.shards[s].shard_id,
                                                 KINESIS_ITERATOR_TRIM_HORIZON, NULL, 0};
        kinesis_get_shard_iterator_result it;
        st = kinesis_get_shard_iterator(client, &ir, &it, &err);
        if (st != KINESIS_OK) return fail("GetShardIterator", st, &err);
        char iterator[KINESIS_SHARD_ITERATOR_MAX];
        snprintf(iterator, sizeof(iterator), "%s", it.shard_iterator);
        long in_shard = 0;
        for (;;) {
            kinesis_get_records_request gr = {iterator, 10000, NULL};
            kinesis_get_records_result res;
            st = kinesis_get_records(client, &gr, &res, &err);
            if (st != KINESIS_OK) return fail("GetRecords", st, &err);
            for (size_t i = 0; i < res.record_count; i++, in_shard++)
                if (printed < print) {
                    printed++;
                    printf("  %s %s key=%s data=%.*s\n", shards.shards[s].shard_id,
                           res.records[i].sequence_number, res.records[i].partition_key,
                           (int)res.records[i].data_len, (const char *)res.records[i].data);
                }
            /* Caught up when a read returns nothing and the shard is 0 ms behind its tip. */
            int done = !res.next_shard_iterator ||
                       (res.record_count == 0 && res.millis_behind_latest <= 0);
            if (res.next_shard_iterator)
                snprintf(iterator, sizeof(iterator), "%s", res.next_shard_iterator);
            kinesis_get_records_result_clean_up(&res);
            if (done) break;
        }
        printf("consumer: %s: %ld records\n", shards.shards[s].shard_id, in_shard);
        total += in_shard;
    }
    kinesis_list_shards_result_clean_up(&shards);
    kinesis_client_destroy(client);
    printf("consumer: read %ld records from %s\n", total, stream);
    if (expect >= 0 && total != expect) {
        fprintf(stderr, "consumer: expected %ld records, read %ld\n", expect, total);
        return 1;
    }
    return 0;
}

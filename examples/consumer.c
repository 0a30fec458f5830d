/* Example consumer: reads every shard of a stream through the libkinesis consumer — shards in
 * resharding order, KPL aggregates deaggregated as the KCL does, checkpoints in a file so a
 * restart resumes where it stopped — and exits once every shard has been idle for a while.
 * Region, credentials and endpoint come from the usual AWS environment and files.
 *
 *   consumer --stream-name demo [--expect N] [--checkpoint-dir DIR] [--endpoint-url URL]
 *            [--print N] */
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

typedef struct seen {
    long records, aggregated, to_print;
} seen;

/* One call per user record, on the thread running kinesis_consumer_run(); the record is a view
 * valid only during the call. */
static int on_record(void *user, const kinesis_consumer_record *r) {
    seen *s = user;
    s->records++;
    s->aggregated += r->aggregated;
    if (s->to_print > 0) {
        s->to_print--;
        printf("  %s %s/%llu key=%s data=%.*s\n", r->shard_id, r->sequence_number,
               (unsigned long long)r->sub_sequence_number, r->partition_key, (int)r->data_len,
               (const char *)r->data);
    }
    return 0; /* go on */
}

int main(int argc, char **argv) {
    const char *stream = arg(argc, argv, "--stream-name", NULL);
    long expect = atol(arg(argc, argv, "--expect", "-1"));
    const char *checkpoint_dir = arg(argc, argv, "--checkpoint-dir", NULL);
    if (!stream) {
        fprintf(stderr, "usage: consumer --stream-name NAME [--expect N] [--checkpoint-dir DIR] "
                        "[--endpoint-url URL] [--print N]\n");
        return 2;
    }
    kinesis_client_options options;
    kinesis_client_options_init(&options);
    options.endpoint_url = arg(argc, argv, "--endpoint-url", NULL);
    kinesis_client *client;
    kinesis_error err;
    kinesis_status st = kinesis_client_new(&options, &client, &err);
    if (st != KINESIS_OK) return fail("client", st, &err);

    kinesis_checkpoint_store *checkpoints = NULL;
    if (checkpoint_dir) {
        st = kinesis_file_checkpoint_store_new(NULL, checkpoint_dir, "example", stream, NULL,
                                               &checkpoints, &err);
        if (st != KINESIS_OK) return fail("checkpoint store", st, &err);
    }
    seen s = {0, 0, atol(arg(argc, argv, "--print", "3"))};
    kinesis_consumer_options co;
    kinesis_consumer_options_init(&co);
    co.stream = stream;
    co.application = "example";
    co.start = KINESIS_CONSUMER_START_TRIM_HORIZON; /* or where the checkpoints say */
    co.on_record = on_record;
    co.user = &s;
    co.checkpoints = checkpoints;
    co.checkpoint_interval_ms = 1000;
    co.idle_interval_ms = 200;
    co.idle_exit_ms = 2000; /* an example ends; a service would run until stopped */
    kinesis_consumer *consumer;
    st = kinesis_consumer_new(client, &co, &consumer, &err);
    if (st != KINESIS_OK) return fail("consumer", st, &err);
    st = kinesis_consumer_run(consumer, &err); /* kinesis_consumer_stop() ends it from anywhere */
    kinesis_consumer_destroy(consumer);
    kinesis_checkpoint_store_destroy(checkpoints);
    kinesis_client_destroy(client);
    if (st != KINESIS_OK) return fail("reading", st, &err);
    printf("consumer: read %ld user records from %s (%ld came out of KPL aggregates)\n", s.records,
           stream, s.aggregated);
    if (expect >= 0 && s.records != expect) {
        fprintf(stderr, "consumer: expected %ld records, read %ld\n", expect, s.records);
        return 1;
    }
    return 0;
}

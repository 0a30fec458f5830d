/* kinesis subscribe-to-shard (events printed as JSON lines as they arrive) and kinesis wait
 * (boto3's waiters: stream-exists, stream-not-exists, and consumer-active). */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cli.h"

static kinesis_subscription *volatile active_subscription;

static void on_sigint(int sig) {
    (void)sig;
    /* Only an atomic store: safe in a signal handler. */
    if (active_subscription) kinesis_subscription_cancel(active_subscription);
}

static void gen_str(yajl_gen g, const char *s) {
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_number(yajl_gen g, double v) {
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.17g", v);
    /* shortest form that round-trips, like the service's own numbers */
    for (int prec = 1; prec < 17; prec++) {
        char tmp[64];
        int m = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) {
            memcpy(buf, tmp, (size_t)m + 1);
            n = m;
            break;
        }
    }
    yajl_gen_number(g, buf, (size_t)n);
}

static int print_event(void *user, const kinesis_subscribe_to_shard_event *ev) {
    (void)user;
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g) return 1;
    yajl_gen_map_open(g);
    gen_str(g, "SubscribeToShardEvent");
    yajl_gen_map_open(g);
    gen_str(g, "Records");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < ev->record_count; i++) {
        const kinesis_record *r = &ev->records[i];
        yajl_gen_map_open(g);
        gen_str(g, "SequenceNumber");
        gen_str(g, r->sequence_number);
        if (r->approximate_arrival_timestamp > 0) {
            gen_str(g, "ApproximateArrivalTimestamp");
            gen_number(g, r->approximate_arrival_timestamp);
        }
        gen_str(g, "Data");
        size_t cap = KINESIS_BASE64_ENCODED_LEN(r->data_len) + 1, n = 0;
        char *b64 = malloc(cap);
        if (!b64) {
            yajl_gen_free(g);
            return 1;
        }
        kinesis_base64_encode(r->data, r->data_len, b64, cap, &n);
        yajl_gen_string(g, (const unsigned char *)b64, n);
        free(b64);
        gen_str(g, "PartitionKey");
        gen_str(g, r->partition_key);
        if (r->encryption_type) {
            gen_str(g, "EncryptionType");
            gen_str(g, r->encryption_type);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    if (ev->continuation_sequence_number) {
        gen_str(g, "ContinuationSequenceNumber");
        gen_str(g, ev->continuation_sequence_number);
    }
    if (ev->millis_behind_latest >= 0) {
        gen_str(g, "MillisBehindLatest");
        yajl_gen_integer(g, ev->millis_behind_latest);
    }
    if (ev->child_shard_count) {
        gen_str(g, "ChildShards");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < ev->child_shard_count; i++) {
            const kinesis_child_shard *c = &ev->child_shards[i];
            char start[KINESIS_HASH_KEY_DECIMAL_MAX], end[KINESIS_HASH_KEY_DECIMAL_MAX];
            kinesis_hash_key_format(c->hash_start, start);
            kinesis_hash_key_format(c->hash_end, end);
            yajl_gen_map_open(g);
            gen_str(g, "ShardId");
            gen_str(g, c->shard_id);
            gen_str(g, "ParentShards");
            yajl_gen_array_open(g);
            for (size_t p = 0; p < c->parent_count; p++) gen_str(g, c->parent_shards[p]);
            yajl_gen_array_close(g);
            gen_str(g, "HashKeyRange");
            yajl_gen_map_open(g);
            gen_str(g, "StartingHashKey");
            gen_str(g, start);
            gen_str(g, "EndingHashKey");
            gen_str(g, end);
            yajl_gen_map_close(g);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    fwrite(buf, 1, len, stdout);
    fputc('\n', stdout);
    fflush(stdout); /* one line per event, as it arrives */
    yajl_gen_free(g);
    return ferror(stdout) ? 1 : 0;
}

static const kinesis_iterator_type position_types[] = {
    KINESIS_ITERATOR_TRIM_HORIZON, KINESIS_ITERATOR_LATEST, KINESIS_ITERATOR_AT_SEQUENCE_NUMBER,
    KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER, KINESIS_ITERATOR_AT_TIMESTAMP};

int cli_subscribe_to_shard(const cli_globals *g, const char *request_json) {
    char errbuf[256];
    yajl_val doc = yajl_tree_parse(request_json, errbuf, sizeof errbuf);
    const char *arn_path[] = {"ConsumerARN", NULL}, *shard_path[] = {"ShardId", NULL};
    const char *type_path[] = {"StartingPosition", "Type", NULL};
    const char *seq_path[] = {"StartingPosition", "SequenceNumber", NULL};
    const char *ts_path[] = {"StartingPosition", "Timestamp", NULL};
    kinesis_subscribe_to_shard_request req;
    memset(&req, 0, sizeof req);
    req.consumer_arn = YAJL_GET_STRING(yajl_tree_get(doc, arn_path, yajl_t_string));
    req.shard_id = YAJL_GET_STRING(yajl_tree_get(doc, shard_path, yajl_t_string));
    const char *type = YAJL_GET_STRING(yajl_tree_get(doc, type_path, yajl_t_string));
    req.starting_position.sequence_number =
        YAJL_GET_STRING(yajl_tree_get(doc, seq_path, yajl_t_string));
    yajl_val ts = yajl_tree_get(doc, ts_path, yajl_t_number);
    if (ts) req.starting_position.timestamp = YAJL_GET_DOUBLE(ts);
    int found = 0;
    for (size_t i = 0; type && i < sizeof position_types / sizeof *position_types; i++)
        if (strcmp(type, kinesis_iterator_type_name(position_types[i])) == 0) {
            req.starting_position.type = position_types[i];
            found = 1;
        }
    if (!doc || !found) {
        fprintf(stderr, "kinesis: subscribe-to-shard: --starting-position Type=... is one of "
                        "TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, "
                        "AT_TIMESTAMP\n");
        yajl_tree_free(doc);
        return CLI_EXIT_USAGE;
    }
    kinesis_client *client = NULL;
    int rc = cli_client_new(g, &client);
    if (rc != 0) {
        yajl_tree_free(doc);
        return rc;
    }
    kinesis_subscription *sub = kinesis_subscription_new(NULL);
    active_subscription = sub;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    kinesis_subscribe_to_shard_result res;
    kinesis_error err;
    kinesis_status st =
        kinesis_subscribe_to_shard(client, &req, sub, print_event, NULL, &res, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    active_subscription = NULL;
    kinesis_subscription_destroy(sub);
    if (st == KINESIS_E_CANCELLED) {
        rc = 130; /* interrupted, like the AWS CLI on Ctrl-C */
    } else if (st != KINESIS_OK) {
        cli_print_error("SubscribeToShard", st, &err);
        rc = cli_exit_status(st, &err);
    }
    kinesis_client_destroy(client);
    yajl_tree_free(doc);
    return rc;
}

/* ---- kinesis wait ---- */

static void wait_usage(void) {
    fputs("usage: kinesis wait stream-exists --stream-name NAME | --stream-arn ARN\n"
          "       kinesis wait stream-not-exists --stream-name NAME | --stream-arn ARN\n"
          "       kinesis wait consumer-active --consumer-arn ARN | --stream-arn ARN "
          "--consumer-name NAME\n"
          "options: --delay SECONDS (between polls; default 10, as boto3's waiters)\n"
          "         --max-attempts N (default 18, as boto3's waiters)\n"
          "Exit status 0 when the state is reached; 255 with a message when the waiter gives up.\n",
          stderr);
}

int cli_cmd_wait(const cli_globals *g, int argc, char **argv) {
    if (argc < 2) {
        wait_usage();
        return CLI_EXIT_USAGE;
    }
    const char *which = argv[1];
    cli_option opts[] = {{"--stream-name", 1, NULL},  {"--stream-arn", 1, NULL},
                         {"--consumer-arn", 1, NULL}, {"--consumer-name", 1, NULL},
                         {"--delay", 1, NULL},        {"--max-attempts", 1, NULL}};
    size_t nopts = sizeof opts / sizeof *opts;
    if (cli_parse_options(which, argc - 1, argv + 1, opts, nopts) != 0) return CLI_EXIT_USAGE;
    const char *stream = cli_opt(opts, nopts, "--stream-arn");
    if (!stream) stream = cli_opt(opts, nopts, "--stream-name");
    const char *delay_s = cli_opt(opts, nopts, "--delay");
    const char *attempts_s = cli_opt(opts, nopts, "--max-attempts");
    char *end = NULL;
    double delay = delay_s ? strtod(delay_s, &end) : 10.0;
    long attempts = attempts_s ? strtol(attempts_s, &end, 10) : 18;
    if (delay < 0 || delay > 3600 || attempts < 1 || attempts > 100000 || (end && *end)) {
        fputs("kinesis: wait: --delay must be 0..3600 seconds and --max-attempts >= 1\n", stderr);
        return CLI_EXIT_USAGE;
    }
    uint32_t poll_ms = (uint32_t)(delay * 1000);
    uint32_t timeout_ms = (uint32_t)((double)(attempts - 1) * delay * 1000) + 1;
    kinesis_consumer_ref ref = {cli_opt(opts, nopts, "--stream-arn"),
                                cli_opt(opts, nopts, "--consumer-name"),
                                cli_opt(opts, nopts, "--consumer-arn")};
    int is_stream = strcmp(which, "stream-exists") == 0 || strcmp(which, "stream-not-exists") == 0;
    if (is_stream ? !stream
                  : strcmp(which, "consumer-active") != 0 ||
                        !(ref.consumer_arn || (ref.stream_arn && ref.consumer_name))) {
        wait_usage();
        return CLI_EXIT_USAGE;
    }
    kinesis_client *client = NULL;
    int rc = cli_client_new(g, &client);
    if (rc != 0) return rc;
    kinesis_error err;
    kinesis_status st;
    if (strcmp(which, "stream-exists") == 0)
        st = kinesis_wait_stream_active(client, stream, timeout_ms, poll_ms ? poll_ms : 1, &err);
    else if (strcmp(which, "stream-not-exists") == 0)
        st =
            kinesis_wait_stream_not_exists(client, stream, timeout_ms, poll_ms ? poll_ms : 1, &err);
    else
        st = kinesis_wait_consumer_active(client, &ref, timeout_ms, poll_ms ? poll_ms : 1, &err);
    if (st != KINESIS_OK) {
        if (st == KINESIS_E_WAITER_TIMEOUT)
            fprintf(stderr, "Waiter %s failed: Max attempts exceeded (%s)\n", which, err.message);
        else
            cli_print_error(which, st, &err);
        rc = st == KINESIS_E_WAITER_TIMEOUT ? CLI_EXIT_OTHER : cli_exit_status(st, &err);
    }
    kinesis_client_destroy(client);
    return rc;
}

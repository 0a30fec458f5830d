/* kinesis consume: read every shard of a stream in resharding order through the library's
 * consumer and print one JSON line (or the data alone) per user record. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char consume_usage[] =
    "usage: kinesis consume --stream-name S [--from trim-horizon|latest|at-timestamp T]\n"
    "         [--checkpoint FILE] [--application NAME] [--max-records N] [--idle-exit-ms MS]\n"
    "         [--efo CONSUMER_NAME] [--format json|text] [--checkpoint-every N]\n"
    "         [--checkpoint-interval-ms MS] [--idle-interval-ms MS] [--shard-sync-ms MS]\n"
    "         [--records-per-call N]\n"
    "Reads every shard (children after their parents), deaggregates KPL records and prints one\n"
    "JSON line per user record: ShardId, SequenceNumber, SubSequenceNumber, PartitionKey,\n"
    "ExplicitHashKey (when present), ApproximateArrivalTimestamp, Data (base64). --format text\n"
    "prints the data alone. --checkpoint FILE resumes from and saves to FILE (every 1000 records\n"
    "and every second by default; output is flushed before each checkpoint). T is epoch seconds\n"
    "or YYYY-MM-DDTHH:MM:SSZ. Ctrl-C stops after the current record and saves (exit 130).\n";

static kinesis_consumer *volatile g_consumer;
static volatile sig_atomic_t g_signalled;

static void on_signal(int sig) {
    g_signalled = sig;
    kinesis_consumer *c = g_consumer;
    if (c) kinesis_consumer_stop(c); /* only an atomic store: signal-safe */
}

typedef struct consume_ctx {
    int text;
    uint64_t max_records;
    uint64_t count;
    char *b64;
    size_t b64_cap;
    int out_failed;
} consume_ctx;

static void put_json_string(FILE *f, const char *s, size_t len) {
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            putc('\\', f);
            putc(ch, f);
        } else if (ch < 0x20) {
            fprintf(f, "\\u%04x", ch);
        } else {
            putc(ch, f);
        }
    }
    putc('"', f);
}

static int on_record(void *user, const kinesis_consumer_record *r) {
    consume_ctx *x = user;
    if (x->text) {
        fwrite(r->data, 1, r->data_len, stdout);
        putc('\n', stdout);
    } else {
        size_t need = KINESIS_BASE64_ENCODED_LEN(r->data_len) + 1;
        if (need > x->b64_cap) {
            char *n = realloc(x->b64, need);
            if (!n) {
                x->out_failed = 1;
                return 1;
            }
            x->b64 = n;
            x->b64_cap = need;
        }
        size_t n = 0;
        kinesis_base64_encode(r->data, r->data_len, x->b64, x->b64_cap, &n);
        fputs("{\"ShardId\":", stdout);
        put_json_string(stdout, r->shard_id, strlen(r->shard_id));
        fprintf(stdout, ",\"SequenceNumber\":\"%s\",\"SubSequenceNumber\":%llu,\"PartitionKey\":",
                r->sequence_number, (unsigned long long)r->sub_sequence_number);
        put_json_string(stdout, r->partition_key, r->partition_key_len);
        if (r->explicit_hash_key)
            fprintf(stdout, ",\"ExplicitHashKey\":\"%s\"", r->explicit_hash_key);
        fprintf(stdout, ",\"ApproximateArrivalTimestamp\":%.3f,\"Data\":\"%.*s\"}\n",
                r->approximate_arrival_timestamp, (int)n, x->b64);
    }
    if (ferror(stdout)) {
        x->out_failed = 1;
        return 1;
    }
    x->count++;
    return x->max_records && x->count >= x->max_records;
}

static void on_drop(void *user, const char *shard_id, const char *seq, uint64_t n,
                    kinesis_status reason) {
    (void)user;
    fprintf(stderr, "kinesis consume: %s %s: %llu user records dropped (%s)\n", shard_id, seq,
            (unsigned long long)n, kinesis_status_str(reason));
}

static void pre_checkpoint(void *user) {
    (void)user;
    fflush(stdout); /* what a checkpoint covers must be out first */
}

static int parse_u32(const char *opt, const char *v, uint32_t *out) {
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || x > 0xFFFFFFFFull || v[0] == '-') {
        fprintf(stderr, "kinesis consume: error: %s takes a non-negative integer\n", opt);
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

/* Epoch seconds (with fraction) or YYYY-MM-DDTHH:MM:SS[.fff]Z. */
static int parse_time(const char *v, double *out) {
    char *end;
    double d = strtod(v, &end);
    if (*v && !*end) {
        *out = d;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, da, h, mi;
    double s;
    char z = 0;
    if (sscanf(v, "%d-%d-%dT%d:%d:%lf%c", &y, &mo, &da, &h, &mi, &s, &z) < 6 || (z && z != 'Z'))
        return -1;
    /* days from civil (proleptic Gregorian), UTC without timegm */
    y -= mo <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + da - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097 + doe - 719468;
    *out = (double)days * 86400.0 + h * 3600.0 + mi * 60.0 + s;
    return 0;
}

int cli_cmd_consume(const cli_globals *g, int argc, char **argv) {
    const char *stream = NULL, *from = "trim-horizon", *checkpoint = NULL, *efo = NULL;
    const char *format = "json", *application = "kinesis-cli";
    double ts = 0;
    uint32_t max_records = 0, idle_exit = 0, cp_every = 1000, cp_interval = 1000;
    uint32_t idle_interval = 0, sync_ms = 0, per_call = 0;
    int have_idle_interval = 0, have_sync = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "help") || !strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(consume_usage, stdout);
            return CLI_EXIT_OK;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "kinesis consume: error: unexpected argument '%s'\n%s", a,
                    consume_usage);
            return CLI_EXIT_USAGE;
        }
        if (!v) {
            fprintf(stderr, "kinesis consume: error: %s needs a value\n", a);
            return CLI_EXIT_USAGE;
        }
        i++;
        int bad = 0;
        if (!strcmp(a, "--stream-name"))
            stream = v;
        else if (!strcmp(a, "--from")) {
            from = v;
            if (!strcmp(v, "at-timestamp")) {
                if (i + 1 >= argc || parse_time(argv[i + 1], &ts) != 0) {
                    fprintf(stderr, "kinesis consume: error: --from at-timestamp needs a time "
                                    "(epoch seconds or YYYY-MM-DDTHH:MM:SSZ)\n");
                    return CLI_EXIT_USAGE;
                }
                i++;
            } else if (strcmp(v, "trim-horizon") && strcmp(v, "latest")) {
                fprintf(stderr, "kinesis consume: error: --from takes trim-horizon, latest or "
                                "at-timestamp T\n");
                return CLI_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--checkpoint"))
            checkpoint = v;
        else if (!strcmp(a, "--application"))
            application = v;
        else if (!strcmp(a, "--efo"))
            efo = v;
        else if (!strcmp(a, "--format")) {
            format = v;
            if (strcmp(v, "json") && strcmp(v, "text")) {
                fprintf(stderr, "kinesis consume: error: --format takes json or text\n");
                return CLI_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--max-records"))
            bad = parse_u32(a, v, &max_records);
        else if (!strcmp(a, "--idle-exit-ms"))
            bad = parse_u32(a, v, &idle_exit);
        else if (!strcmp(a, "--checkpoint-every"))
            bad = parse_u32(a, v, &cp_every);
        else if (!strcmp(a, "--checkpoint-interval-ms"))
            bad = parse_u32(a, v, &cp_interval);
        else if (!strcmp(a, "--idle-interval-ms")) {
            bad = parse_u32(a, v, &idle_interval);
            have_idle_interval = 1;
        } else if (!strcmp(a, "--records-per-call")) {
            bad = parse_u32(a, v, &per_call);
            if (!bad && (per_call < 1 || per_call > 10000)) {
                fprintf(stderr, "kinesis consume: error: --records-per-call takes 1 to 10000\n");
                bad = 1;
            }
        } else if (!strcmp(a, "--shard-sync-ms")) {
            bad = parse_u32(a, v, &sync_ms);
            have_sync = 1;
        } else {
            fprintf(stderr, "kinesis consume: error: unknown option %s\n%s", a, consume_usage);
            return CLI_EXIT_USAGE;
        }
        if (bad) return CLI_EXIT_USAGE;
    }
    if (!stream) {
        fprintf(stderr, "kinesis consume: error: --stream-name is required\n%s", consume_usage);
        return CLI_EXIT_USAGE;
    }

    kinesis_client *client = NULL;
    int rc = cli_client_new(g, &client);
    if (rc != 0) return rc;
    kinesis_error err;
    kinesis_error_clear(&err);
    kinesis_checkpoint_store *store = NULL;
    if (checkpoint) {
        kinesis_status st = kinesis_file_checkpoint_store_new(checkpoint, NULL, application, stream,
                                                              NULL, &store, &err);
        if (st != KINESIS_OK) {
            cli_print_error("checkpoint", st, &err);
            kinesis_client_destroy(client);
            return CLI_EXIT_OTHER;
        }
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    consume_ctx x;
    memset(&x, 0, sizeof x);
    x.text = strcmp(format, "text") == 0;
    x.max_records = max_records;

    kinesis_consumer_options o;
    kinesis_consumer_options_init(&o);
    o.stream = stream;
    o.application = application;
    o.start = !strcmp(from, "latest")         ? KINESIS_CONSUMER_START_LATEST
              : !strcmp(from, "at-timestamp") ? KINESIS_CONSUMER_START_AT_TIMESTAMP
                                              : KINESIS_CONSUMER_START_TRIM_HORIZON;
    o.start_timestamp = ts;
    o.on_record = on_record;
    o.on_drop = on_drop;
    o.pre_checkpoint = pre_checkpoint;
    o.user = &x;
    o.checkpoints = store;
    o.checkpoint_every_records = cp_every;
    o.checkpoint_interval_ms = cp_interval;
    o.idle_exit_ms = idle_exit;
    o.efo_consumer_name = efo;
    if (have_idle_interval) o.idle_interval_ms = idle_interval;
    if (have_sync) o.shard_sync_interval_ms = sync_ms;
    if (per_call) o.max_records_per_call = per_call;

    kinesis_consumer *c = NULL;
    kinesis_status st = kinesis_consumer_new(client, &o, &c, &err);
    if (st != KINESIS_OK) {
        cli_print_error(NULL, st, &err);
        kinesis_checkpoint_store_destroy(store);
        kinesis_client_destroy(client);
        return cli_exit_status(st, &err);
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_consumer = c;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    st = kinesis_consumer_run(c, &err);
    g_consumer = NULL;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    fflush(stdout);
    if (g->debug) {
        kinesis_consumer_stats s;
        kinesis_consumer_get_stats(c, &s);
        fprintf(stderr,
                "kinesis consume: %llu user records from %llu Kinesis records, %llu skipped, "
                "%llu aggregates dropped, %llu GetRecords calls, %llu throttled, %llu iterator "
                "renewals, %llu transient failures, %llu subscriptions, %llu checkpoints\n",
                (unsigned long long)s.records_delivered, (unsigned long long)s.kinesis_records,
                (unsigned long long)s.records_skipped, (unsigned long long)s.aggregates_dropped,
                (unsigned long long)s.get_records_calls, (unsigned long long)s.throttled,
                (unsigned long long)s.iterator_renewals, (unsigned long long)s.transient_failures,
                (unsigned long long)s.subscriptions, (unsigned long long)s.checkpoints_written);
    }
    kinesis_consumer_destroy(c);
    kinesis_checkpoint_store_destroy(store);
    kinesis_client_destroy(client);
    free(x.b64);
    if (st != KINESIS_OK) {
        cli_print_error("consume", st, &err);
        return cli_exit_status(st, &err);
    }
    if (x.out_failed) {
        fprintf(stderr, "kinesis consume: error: cannot write the output\n");
        return CLI_EXIT_OTHER;
    }
    return g_signalled == SIGINT ? 130 : g_signalled == SIGTERM ? 143 : CLI_EXIT_OK;
}

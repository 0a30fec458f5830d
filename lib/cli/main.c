/* kinesis: the command-line tool. Global options, dispatch, help, and the helpers cli.h declares
 * for every command (option parsing, client creation, error printing, shard maps). */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */

#include "cli.h"
#include "commands_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *usage_text =
    "usage: kinesis [global options] <command> [options]\n"
    "       kinesis help | kinesis <command> help\n"
    "\n"
    "Global options (before or after the command):\n"
    "  --endpoint-url URL        service endpoint (e.g. http://127.0.0.1:4567)\n"
    "  --region REGION           AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, config)\n"
    "  --profile NAME            profile of the shared config and credentials files\n"
    "  --debug                   library log on stderr (secrets are never logged)\n"
    "  --no-verify-ssl           do not verify TLS certificates (local testing only)\n"
    "  --ca-bundle FILE          CA certificates to verify TLS with (default: AWS_CA_BUNDLE)\n"
    "  --cli-connect-timeout S   connect timeout in seconds (0 = none)\n"
    "  --cli-read-timeout S      per-attempt request timeout in seconds (0 = none)\n"
    "  --no-paginate             one call only; print the service's first page as is\n"
    "  --output json             the only output format\n"
    "  --generate-request-json   print the request JSON the command would send; send nothing\n"
    "  --version                 print the version\n"
    "Environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE,\n"
    "  AWS_ENDPOINT_URL(_KINESIS), AWS_MAX_ATTEMPTS (attempts per call, default 5).\n"
    "\n"
    "Option values: structures, lists and maps take JSON or shorthand (Key=Value,Key2=Value2;\n"
    "  lists as several arguments or a,b,c). Any value may be file://PATH (the file's text);\n"
    "  blob options also fileb://PATH (raw bytes). --data takes the record's text as is,\n"
    "  --data-base64 base64 for binary. --records takes Data in base64, as the API.\n"
    "  A value that starts with -- is given as --option=VALUE.\n"
    "Paginated commands follow every page and merge the lists; --max-items N stops after N\n"
    "  items, --page-size N sets the per-call limit, --starting-token T resumes.\n"
    "\n"
    "Output: the service's JSON response (4-space indent); nothing for an empty response.\n"
    "subscribe-to-shard prints one JSON line per event as it arrives; Ctrl-C ends it (130).\n"
    "Exit status: 0 success; 252 usage or parameter error\n"
    "  (nothing sent); 254 the service returned an error (type and message on stderr);\n"
    "  255 any other failure (transport, configuration).\n";

static void print_usage(FILE *f) { fputs(usage_text, f); }

static void print_command_list(FILE *f) {
    fputs("\nCommands:\n", f);
    for (size_t i = 0; i < cli_command_count; i++)
        fprintf(f, "  %-34s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fprintf(f, "  %-34s %s\n", "aggregate",
            "Aggregate JSON-line records into KPL records, one per predicted shard.");
    fprintf(f, "  %-34s %s\n", "deaggregate",
            "Expand KPL-aggregated records (JSON lines) into their user records.");
    fprintf(f, "  %-34s %s\n", "wait",
            "Wait for stream-exists, stream-not-exists or consumer-active (boto3's waiters).");
    fprintf(f, "  %-34s %s\n", "produce",
            "Put stdin lines through the producer (batching, aggregation, retries).");
    fprintf(f, "  %-34s %s\n", "consume",
            "Read every shard in order; one JSON line per user record.");
}

/* ---- helpers declared in cli.h ---- */

int cli_parse_options(const char *command, int argc, char **argv, cli_option *opts, size_t n) {
    for (size_t k = 0; k < n; k++) opts[k].value = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "kinesis %s: error: unexpected argument '%s'\n", command, arg);
            return -1;
        }
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        cli_option *o = NULL;
        for (size_t k = 0; k < n; k++)
            if (strlen(opts[k].name) == name_len && strncmp(opts[k].name, arg, name_len) == 0)
                o = &opts[k];
        if (!o) {
            fprintf(stderr, "kinesis %s: error: unknown option %.*s\n", command, (int)name_len,
                    arg);
            return -1;
        }
        if (!o->takes_value) {
            if (eq) {
                fprintf(stderr, "kinesis %s: error: %s takes no value\n", command, o->name);
                return -1;
            }
            o->value = "1";
        } else if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            fprintf(stderr, "kinesis %s: error: %s needs a value\n", command, o->name);
            return -1;
        }
    }
    return 0;
}

const char *cli_opt(const cli_option *opts, size_t n, const char *name) {
    for (size_t k = 0; k < n; k++)
        if (strcmp(opts[k].name, name) == 0) return opts[k].value;
    return NULL;
}

static void log_to_stderr(void *user, kinesis_log_level level, const char *message) {
    (void)user;
    fprintf(stderr, "kinesis [%s] %s\n", kinesis_log_level_name(level), message);
}

static uint32_t timeout_ms(long seconds) {
    if (seconds == 0) return 24u * 3600u * 1000u; /* "no timeout": a day */
    if (seconds > 24L * 3600L) seconds = 24L * 3600L;
    return (uint32_t)seconds * 1000u;
}

int cli_client_new(const cli_globals *g, kinesis_client **out) {
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = g->region;
    o.endpoint_url = g->endpoint_url;
    o.profile = g->profile;
    o.ca_file = g->ca_bundle ? g->ca_bundle : getenv("AWS_CA_BUNDLE");
    if (o.ca_file && !*o.ca_file) o.ca_file = NULL;
    o.insecure_skip_verify = g->no_verify_ssl ? 1 : 0;
    o.user_agent_suffix = "kinesis-cli";
    if (g->connect_timeout_s >= 0) o.connect_timeout_ms = timeout_ms(g->connect_timeout_s);
    if (g->read_timeout_s >= 0) o.request_timeout_ms = timeout_ms(g->read_timeout_s);
    const char *attempts = getenv("AWS_MAX_ATTEMPTS");
    if (attempts && *attempts) {
        char *end;
        long v = strtol(attempts, &end, 10);
        if (*end == '\0' && v >= 1 && v <= 100) o.retry.max_attempts = (uint32_t)v;
    }
    if (g->debug) {
        o.log_fn = log_to_stderr;
        o.log_level = KINESIS_LOG_DEBUG;
    }
    kinesis_error err;
    kinesis_error_clear(&err);
    kinesis_status st = kinesis_client_new(&o, out, &err);
    if (st != KINESIS_OK) {
        cli_print_error(NULL, st, &err);
        if (st == KINESIS_E_NO_REGION)
            fputs("kinesis: specify a region with --region or AWS_REGION\n", stderr);
        *out = NULL;
        return CLI_EXIT_OTHER;
    }
    return 0;
}

void cli_print_error(const char *what, kinesis_status status, const kinesis_error *err) {
    const char *msg = err && err->message[0] ? err->message : kinesis_status_str(status);
    if (err && err->type[0]) {
        if (what)
            fprintf(stderr, "\nAn error occurred (%s) when calling the %s operation: %s\n",
                    err->type, what, msg);
        else
            fprintf(stderr, "\nAn error occurred (%s): %s\n", err->type, msg);
    } else {
        fprintf(stderr, "kinesis: %s: %s\n", kinesis_status_name(status), msg);
    }
}

int cli_exit_status(kinesis_status status, const kinesis_error *err) {
    if (status == KINESIS_OK) return CLI_EXIT_OK;
    if (err && err->type[0]) return CLI_EXIT_SERVICE;
    switch (status) {
    case KINESIS_E_INVALID_ARGUMENT:
    case KINESIS_E_INVALID_PARTITION_KEY:
    case KINESIS_E_INVALID_EXPLICIT_HASH_KEY:
    case KINESIS_E_RECORD_TOO_LARGE:
    case KINESIS_E_TOO_MANY_RECORDS:
    case KINESIS_E_REQUEST_TOO_LARGE:
    case KINESIS_E_INVALID_STREAM:
        return CLI_EXIT_USAGE;
    default:
        return CLI_EXIT_OTHER;
    }
}

static int compare_entries(const void *a, const void *b) {
    const kinesis_shard_map_entry *x = a, *y = b;
    return kinesis_hash_key_compare(x->start, y->start);
}

int cli_fetch_shard_map(const cli_globals *g, const char *stream, kinesis_shard_map_entry **out,
                        size_t *n) {
    *out = NULL;
    *n = 0;
    kinesis_client *client;
    int rc = cli_client_new(g, &client);
    if (rc) return rc;
    kinesis_list_shards_request req = {0};
    req.stream = stream;
    kinesis_list_shards_result res = {0};
    kinesis_error err;
    kinesis_error_clear(&err);
    kinesis_status st = kinesis_list_shards(client, &req, &res, &err);
    if (st != KINESIS_OK) {
        cli_print_error("ListShards", st, &err);
        kinesis_client_destroy(client);
        return cli_exit_status(st, &err);
    }
    /* Only open shards route new records; closed parents overlap their children's ranges. */
    kinesis_shard_map_entry *map = calloc(res.shard_count ? res.shard_count : 1, sizeof *map);
    size_t count = 0;
    rc = map ? 0 : CLI_EXIT_OTHER;
    for (size_t i = 0; rc == 0 && i < res.shard_count; i++) {
        const kinesis_shard *s = &res.shards[i];
        if (s->ending_sequence_number || !s->shard_id) continue;
        char *id = strdup(s->shard_id);
        if (!id) {
            rc = CLI_EXIT_OTHER;
            break;
        }
        map[count].start = s->hash_start;
        map[count].end = s->hash_end;
        map[count].shard_id = id;
        count++;
    }
    kinesis_list_shards_result_clean_up(&res);
    kinesis_client_destroy(client);
    if (rc) {
        fputs("kinesis: out of memory\n", stderr);
        cli_shard_map_free(map, count);
        return rc;
    }
    qsort(map, count, sizeof *map, compare_entries);
    *out = map;
    *n = count;
    return 0;
}

void cli_shard_map_free(kinesis_shard_map_entry *map, size_t n) {
    if (!map) return;
    for (size_t i = 0; i < n; i++) free((char *)map[i].shard_id);
    free(map);
}

/* ---- global options ---- */

typedef enum { G_FLAG, G_VALUE } gkind;
static const struct {
    const char *name;
    gkind kind;
} globals_table[] = {
    {"--endpoint-url", G_VALUE},
    {"--region", G_VALUE},
    {"--profile", G_VALUE},
    {"--ca-bundle", G_VALUE},
    {"--cli-connect-timeout", G_VALUE},
    {"--cli-read-timeout", G_VALUE},
    {"--output", G_VALUE},
    {"--debug", G_FLAG},
    {"--no-verify-ssl", G_FLAG},
    {"--no-paginate", G_FLAG},
    {"--generate-request-json", G_FLAG},
    {"--version", G_FLAG},
};

static int parse_seconds(const char *name, const char *v, long *out) {
    char *end;
    errno = 0;
    long s = strtol(v, &end, 10);
    if (!*v || *end || errno || s < 0) {
        fprintf(stderr, "kinesis: error: %s takes a number of seconds, got '%s'\n", name, v);
        return -1;
    }
    *out = s;
    return 0;
}

/* Take the global options out of argv wherever they are; the rest stays in order. Returns 0,
 * 1 for --version, or -1 after printing a usage error. */
static int take_globals(cli_globals *g, int *argc, char **argv) {
    int out = 1, version = 0;
    for (int i = 1; i < *argc; i++) {
        const char *arg = argv[i];
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        size_t k = 0;
        while (k < sizeof globals_table / sizeof globals_table[0] &&
               !(strlen(globals_table[k].name) == nlen &&
                 strncmp(globals_table[k].name, arg, nlen) == 0))
            k++;
        if (k == sizeof globals_table / sizeof globals_table[0]) {
            argv[out++] = argv[i];
            continue;
        }
        const char *name = globals_table[k].name;
        const char *value = NULL;
        if (globals_table[k].kind == G_VALUE) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < *argc)
                value = argv[++i];
            else {
                fprintf(stderr, "kinesis: error: %s needs a value\n", name);
                return -1;
            }
        } else if (eq) {
            fprintf(stderr, "kinesis: error: %s takes no value\n", name);
            return -1;
        }
        if (strcmp(name, "--endpoint-url") == 0)
            g->endpoint_url = value;
        else if (strcmp(name, "--region") == 0)
            g->region = value;
        else if (strcmp(name, "--profile") == 0)
            g->profile = value;
        else if (strcmp(name, "--ca-bundle") == 0)
            g->ca_bundle = value;
        else if (strcmp(name, "--cli-connect-timeout") == 0) {
            if (parse_seconds(name, value, &g->connect_timeout_s)) return -1;
        } else if (strcmp(name, "--cli-read-timeout") == 0) {
            if (parse_seconds(name, value, &g->read_timeout_s)) return -1;
        } else if (strcmp(name, "--output") == 0) {
            if (strcmp(value, "json") != 0) {
                fprintf(stderr, "kinesis: error: --output: only 'json' is supported\n");
                return -1;
            }
        } else if (strcmp(name, "--debug") == 0)
            g->debug = 1;
        else if (strcmp(name, "--no-verify-ssl") == 0)
            g->no_verify_ssl = 1;
        else if (strcmp(name, "--no-paginate") == 0)
            g->no_paginate = 1;
        else if (strcmp(name, "--generate-request-json") == 0)
            g->generate_request_json = 1;
        else if (strcmp(name, "--version") == 0)
            version = 1;
    }
    *argc = out;
    argv[out] = NULL;
    return version;
}

static int is_help(const char *s) {
    return strcmp(s, "help") == 0 || strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

int main(int argc, char **argv) {
    cli_globals g;
    memset(&g, 0, sizeof g);
    g.program = argv[0];
    g.connect_timeout_s = -1;
    g.read_timeout_s = -1;
    int rc = take_globals(&g, &argc, argv);
    if (rc < 0) return CLI_EXIT_USAGE;
    if (rc == 1) {
        printf("kinesis-cli/%s libkinesis/%s\n", KINESIS_VERSION_STRING, kinesis_version());
        return CLI_EXIT_OK;
    }
    if (argc < 2) {
        print_usage(stderr);
        fputs("\nkinesis: error: the following arguments are required: command\n", stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (is_help(name)) {
        print_usage(stdout);
        print_command_list(stdout);
        return CLI_EXIT_OK;
    }
    /* The command sees argv[0] = its name. */
    int cargc = argc - 1;
    char **cargv = argv + 1;
    if (strcmp(name, "aggregate") == 0) return cli_cmd_aggregate(&g, cargc, cargv);
    if (strcmp(name, "deaggregate") == 0) return cli_cmd_deaggregate(&g, cargc, cargv);
    if (strcmp(name, "wait") == 0) return cli_cmd_wait(&g, cargc, cargv);
    if (strcmp(name, "produce") == 0) return cli_cmd_produce(&g, cargc, cargv);
    if (strcmp(name, "consume") == 0) return cli_cmd_consume(&g, cargc, cargv);
    const cli_command_def *def = cli_find_command(name);
    if (!def) {
        fprintf(stderr, "kinesis: error: unknown command '%s' (see: kinesis help)\n", name);
        return CLI_EXIT_USAGE;
    }
    if (cargc >= 2 && is_help(cargv[1])) {
        cli_print_command_help(stdout, def);
        return CLI_EXIT_OK;
    }
    return cli_run_command(&g, def, cargc, cargv);
}

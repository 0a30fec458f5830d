/* The kinesis command-line tool: shared declarations between main.c and the command files.
 * The CLI uses only the public headers (plus yajl for JSON output). */
#ifndef KINESIS_CLI_H
#define KINESIS_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <yajl/yajl_tree.h>

#include "kinesis/kinesis.h"

/* Global options, parsed by main.c before the command name or anywhere after it. */
typedef struct cli_globals {
    const char *endpoint_url; /* --endpoint-url */
    const char *region;       /* --region */
    const char *profile;      /* --profile */
    const char *ca_bundle;    /* --ca-bundle */
    int no_verify_ssl;        /* --no-verify-ssl */
    int debug;                /* --debug: library log to stderr */
    const char *program;      /* argv[0] */
    /* Added by the CLI commands (main.c/commands.c): */
    int generate_request_json; /* --generate-request-json: print the request, send nothing */
    int no_paginate;           /* --no-paginate: one call, the service's page as is */
    long connect_timeout_s;    /* --cli-connect-timeout (-1 = default, 0 = none) */
    long read_timeout_s;       /* --cli-read-timeout (-1 = default, 0 = none) */
} cli_globals;

/* Exit statuses, like AWS CLI v2. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_USAGE 252   /* bad command line or parameter validation */
#define CLI_EXIT_SERVICE 254 /* the service answered with an error */
#define CLI_EXIT_OTHER 255   /* transport, configuration or local failure */

/* A command: argv[0] is the command name, the rest its options (globals already removed).
 * Returns the process exit status; prints output on stdout, errors on stderr. */
typedef int (*cli_command_fn)(const cli_globals *g, int argc, char **argv);

/* Option table for cli_parse_options. */
typedef struct cli_option {
    const char *name;  /* "--stream-name" */
    int takes_value;   /* 1: "--name VALUE" or "--name=VALUE"; 0: a flag */
    const char *value; /* out: the value (or "1" for a flag), NULL when absent */
} cli_option;

/* Parse argv[1..argc) against opts; prints "unknown option" / "missing value" to stderr and
 * returns -1 on error, else 0. */
int cli_parse_options(const char *command, int argc, char **argv, cli_option *opts, size_t n);
/* Value of option `name` after parsing (NULL when absent). */
const char *cli_opt(const cli_option *opts, size_t n, const char *name);

/* Create a client from the globals (region, endpoint, profile, TLS, debug logging). Prints the
 * error and returns nonzero on failure. */
int cli_client_new(const cli_globals *g, kinesis_client **out);
/* Print a failed call as "<ErrorType>: <message>" (or the status and message) on stderr. */
void cli_print_error(const char *what, kinesis_status status, const kinesis_error *err);
/* The exit status for a failed call: CLI_EXIT_SERVICE when the service answered with an error
 * type, CLI_EXIT_USAGE for local validation failures, else CLI_EXIT_OTHER. */
int cli_exit_status(kinesis_status status, const kinesis_error *err);

/* Fetch the shard map of a stream (ListShards, every page) for grouping and routing.
 * *out is an array of *n entries sorted by starting hash key; free with cli_shard_map_free. */
int cli_fetch_shard_map(const cli_globals *g, const char *stream, kinesis_shard_map_entry **out,
                        size_t *n);
void cli_shard_map_free(kinesis_shard_map_entry *map, size_t n);

/* JSON output (json_out.c), formatted like the AWS CLI (4-space indent). Overrides apply to object
 * members at a dotted path from the root ("StreamDescription.Shards"). */
typedef enum cli_json_action { CLI_JSON_SKIP, CLI_JSON_FALSE, CLI_JSON_ITEMS } cli_json_action;
typedef struct cli_json_override {
    const char *path;
    cli_json_action action;
    yajl_val *items; /* CLI_JSON_ITEMS: print these instead of the member's array */
    size_t count;
} cli_json_override;
void cli_json_write(FILE *f, yajl_val v, const cli_json_override *ov, size_t nov);
/* Pretty-print a JSON document (NUL-terminated); prints nothing for "{}" or an empty body, the
 * text itself when it is not JSON (then returns -1). */
int cli_json_print_text(FILE *f, const char *json, size_t len);

/* Commands from the generated table (commands.c). */
struct cli_command_def;
const struct cli_command_def *cli_find_command(const char *name);
int cli_run_command(const cli_globals *g, const struct cli_command_def *def, int argc, char **argv);
void cli_print_command_help(FILE *f, const struct cli_command_def *def);

/* Commands implemented outside main.c. */
int cli_cmd_aggregate(const cli_globals *g, int argc, char **argv);
int cli_cmd_deaggregate(const cli_globals *g, int argc, char **argv);
/* kinesis wait stream-exists | stream-not-exists | consumer-active (cmd_stream.c). */
int cli_cmd_wait(const cli_globals *g, int argc, char **argv);
/* SubscribeToShard from a request built by the command table: one JSON line per event. */
int cli_subscribe_to_shard(const cli_globals *g, const char *request_json);
/* kinesis produce: stdin lines through the producer (cmd_produce.c). */
int cli_cmd_produce(const cli_globals *g, int argc, char **argv);
/* kinesis consume: every shard of a stream through the consumer (cmd_consume.c). */
int cli_cmd_consume(const cli_globals *g, int argc, char **argv);

#endif

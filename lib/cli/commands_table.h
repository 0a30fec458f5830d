/* The CLI's command table: one entry per operation of the Kinesis service model, generated into
 * commands_table.c by cmake/gen_cli_commands.py. */
#ifndef KINESIS_CLI_COMMANDS_TABLE_H
#define KINESIS_CLI_COMMANDS_TABLE_H

#include "shorthand.h"

/* How the AWS CLI follows an operation's pages (botocore's paginator model). */
typedef struct cli_paginator {
    const char *input_token;    /* request member carrying the token ("NextToken") */
    const char *output_token;   /* response path of the next token ("NextToken",
                                   "StreamDescription.Shards[-1].ShardId") */
    const char *more_results;   /* response path of a "more" flag, or NULL */
    const char *limit_key;      /* request member limiting a page, or NULL */
    const char *result_keys[2]; /* response paths of the lists merged across pages */
    size_t result_key_count;
} cli_paginator;

typedef struct cli_command_def {
    const char *name;      /* "put-record" */
    const char *operation; /* "PutRecord" */
    const cli_shape *input;
    const cli_paginator *paginator; /* NULL when not paginated */
    uint8_t event_stream;           /* output is an HTTP/2 event stream */
    const char *summary;            /* one line for `kinesis help` */
} cli_command_def;

extern const cli_command_def cli_commands[];
extern const size_t cli_command_count;

#endif

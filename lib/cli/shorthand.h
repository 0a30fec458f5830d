/* The CLI's typed request building: service-model shapes, and turning option values (JSON or the
 * AWS CLI's shorthand syntax) into request JSON typed by those shapes.
 *
 * Shorthand (as the AWS CLI):
 *   structure / map   Key=Value,Key2=Value2      nested: Key={A=1,B=2}   lists: Key=[a,b]
 *   list              each argument one element; scalars also split on commas (a,b,c)
 *   values            'single' or "double" quotes keep , = { } [ literal; \ escapes one character
 * A value whose first non-blank character is { or [ is JSON.
 *
 * Typing: integer/long members become JSON integers, double numbers, boolean true/false,
 * timestamps epoch seconds (a number, or ISO 8601 "2024-05-01T12:00:00Z" / "2024-05-01"), blobs
 * and strings JSON strings. Bounds from the model (string length in characters, integer range,
 * list length) and required members are checked.
 *
 * Depends only on yajl; no libkinesis, so the unit test can compile it alone. Single-threaded. */
#ifndef KINESIS_CLI_SHORTHAND_H
#define KINESIS_CLI_SHORTHAND_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

typedef enum cli_type {
    CLI_T_STRING,
    CLI_T_INTEGER,
    CLI_T_LONG,
    CLI_T_BOOLEAN,
    CLI_T_DOUBLE,
    CLI_T_TIMESTAMP,
    CLI_T_BLOB,
    CLI_T_STRUCTURE,
    CLI_T_LIST,
    CLI_T_MAP
} cli_type;

typedef struct cli_member cli_member;

/* A shape of the service model. */
typedef struct cli_shape {
    cli_type type;
    const char *name;          /* the model's shape name, for messages */
    const cli_member *members; /* structure members, in model order */
    size_t member_count;
    const struct cli_shape *element; /* list member / map value */
    uint8_t has_min, has_max;        /* bounds: string/blob length, list length, number value */
    int64_t min, max;
} cli_shape;

/* A structure member: its wire name, CLI option and shape. */
struct cli_member {
    const char *name;   /* "StreamName" */
    const char *option; /* "--stream-name" */
    const cli_shape *shape;
    uint8_t required;
};

/* Name of a type as the help shows it ("string", "integer", ...). */
const char *cli_type_name(cli_type type);

/* Emit one value of `shape` into g from the option's arguments. `option` names the option in
 * messages. Scalars take exactly one argument; lists take one or more (see above); structures
 * and maps one (JSON or shorthand). Blobs are emitted as given (base64 already). On error returns
 * -1 with a message in err (nothing useful in g), else 0. */
int cli_emit_arguments(const cli_shape *shape, const char *option, char **args, size_t nargs,
                       yajl_gen g, char *err, size_t err_cap);

/* Emit a parsed JSON value `v` typed by `shape` (scalars may be given as strings: "5" for an
 * integer, an ISO date for a timestamp). `path` names the value in messages. */
int cli_emit_value(const cli_shape *shape, const char *path, yajl_val v, yajl_gen g, char *err,
                   size_t err_cap);

/* Convert shorthand text for a structure or map into untyped JSON (every scalar a string).
 * On success returns a malloc'd NUL-terminated string; on a syntax error NULL with err set. */
char *cli_shorthand_to_json(const char *text, char *err, size_t err_cap);

/* Parse a timestamp: a decimal number of epoch seconds (fraction allowed) or ISO 8601
 * YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|(+|-)HH[:]MM]; no zone means UTC. 0 on success. */
int cli_parse_timestamp(const char *text, double *out);

/* Number of Unicode code points in valid UTF-8 `s`, or -1 when it is not valid UTF-8. */
long cli_utf8_length(const char *s, size_t len);

#endif

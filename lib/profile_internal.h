/* Internal: the AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials),
 * parsed the way botocore does (Python configparser, strict mode, plus botocore's nested
 * sub-sections and profile naming). Also the config room's shared internals. Not installed. */
#ifndef KINESIS_PROFILE_INTERNAL_H
#define KINESIS_PROFILE_INTERNAL_H

#include "kinesis/credentials.h"
#include "kinesis/status.h"

#include <stdbool.h>
#include <stddef.h>

/* Files larger than this are rejected with KINESIS_E_CONFIG rather than read. */
#define KINESIS_PROFILE_FILE_MAX (4u * 1024u * 1024u)

/* One key of a section. A plain key has `value` (NUL-terminated, multi-line values joined by
 * '\n') and parent == -1. A key whose first line is empty and whose value continues on indented
 * "k = v" lines is nested: its value is NULL and each sub-key is its own entry with `parent` set
 * to the nested key's index. Option names are lower-cased (configparser); sub-keys are not. */
typedef struct kinesis_profile_entry {
    const char *key;
    const char *value;
    int32_t section; /* index into sections */
    int32_t parent;  /* index of the nested key this sub-key belongs to, or -1 */
    uint32_t line;   /* 1-based line in the file */
} kinesis_profile_entry;

typedef struct kinesis_profile_section {
    const char *name; /* raw header text between the first '[' and the last ']' */
    uint32_t line;
} kinesis_profile_section;

/* A parsed file. All strings point into `text`, owned by the struct. An absent file parses as
 * an empty one (missing = true). */
typedef struct kinesis_profile_file {
    char *text;
    kinesis_profile_section *sections;
    size_t section_count;
    kinesis_profile_entry *entries;
    size_t entry_count;
    int32_t defaults; /* index of the [DEFAULT] section whose keys every section inherits, or -1 */
    bool missing;
    const kinesis_allocator *allocator;
} kinesis_profile_file;

/* Which file a profile is looked up in: the credentials file names sections after profiles;
 * the config file uses "[default]" and "[profile NAME]". */
typedef enum kinesis_profile_kind {
    KINESIS_PROFILE_CREDENTIALS_FILE = 0,
    KINESIS_PROFILE_CONFIG_FILE = 1
} kinesis_profile_kind;

/* Parse `len` bytes. `path` names the file in error messages only. Malformed input returns
 * KINESIS_E_CONFIG with "<path>:<line>: <what>" (never the line's content, which may hold a
 * secret); KINESIS_E_NO_MEMORY on allocation failure. On failure *out is left empty. */
kinesis_status kinesis_profile_parse(const char *data, size_t len, const char *path,
                                     const kinesis_allocator *a, kinesis_profile_file *out,
                                     kinesis_error *err);

/* Read and parse a file. A file that is absent, not a regular file or unreadable is not an
 * error (as botocore): *out is empty with missing = true. */
kinesis_status kinesis_profile_load(const char *path, const kinesis_allocator *a,
                                    kinesis_profile_file *out, kinesis_error *err);

void kinesis_profile_clean_up(kinesis_profile_file *f);

/* Index of the section holding profile `name`, or -1. In the config file "[default]",
 * "[profile NAME]" (NAME shell-quoted as botocore's shlex.split allows: [profile "a b"]) count,
 * the last one in the file winning; in the credentials file the section named exactly `name`. */
int32_t kinesis_profile_find(const kinesis_profile_file *f, kinesis_profile_kind kind,
                             const char *name);

/* Index of the "[services NAME]" section of the config file, or -1. */
int32_t kinesis_profile_find_services(const kinesis_profile_file *f, const char *name);

/* Value of `key` (lower-case) in a section, falling back to [DEFAULT]; NULL when absent, empty
 * or nested. */
const char *kinesis_profile_get(const kinesis_profile_file *f, int32_t section, const char *key);

/* Value of sub-key `sub` of nested key `key` in a section (falling back to [DEFAULT]); NULL when
 * absent or empty. */
const char *kinesis_profile_get_nested(const kinesis_profile_file *f, int32_t section,
                                       const char *key, const char *sub);

/* Path of the config file: AWS_CONFIG_FILE (a leading "~/" expands to HOME) or
 * $HOME/.aws/config. *out = NULL (and KINESIS_OK) when neither is available. */
kinesis_status kinesis_profile_config_path(const kinesis_allocator *a, char **out,
                                           kinesis_error *err);
/* Same for AWS_SHARED_CREDENTIALS_FILE or $HOME/.aws/credentials. */
kinesis_status kinesis_profile_credentials_path(const kinesis_allocator *a, char **out,
                                                kinesis_error *err);

/* The profile to use: `explicit_name` when not NULL, else AWS_PROFILE when set and non-empty,
 * else "default". The result is `explicit_name`, getenv()'s string or a static string. */
const char *kinesis_profile_name(const char *explicit_name);

/* Environment variable value, or NULL when unset or empty (the SDKs treat both alike). */
const char *kinesis_env(const char *name);

/* botocore's ensure_boolean for strings: true exactly when `value` is "true" in any case. */
bool kinesis_config_bool(const char *value);

/* Load the config file and find a profile in it (both as above). On success *file must be
 * cleaned up; *section is -1 when the profile does not exist or the file is missing. */
kinesis_status kinesis_profile_load_config(const char *profile, const kinesis_allocator *a,
                                           kinesis_profile_file *file, int32_t *section,
                                           kinesis_error *err);

/* A provider that asks `providers` in order: the first KINESIS_OK wins, KINESIS_E_NO_CREDENTIALS
 * moves on (the messages are collected into the final error), any other status stops the
 * chain. Takes ownership of the providers (also on failure, when it destroys them). NULL
 * entries are skipped. Used by the default chain; a candidate for the public API. */
kinesis_credentials_provider *
kinesis_credentials_provider_new_chain(kinesis_credentials_provider *const *providers, size_t count,
                                       const kinesis_allocator *allocator);

#endif

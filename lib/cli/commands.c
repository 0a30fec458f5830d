/* The table-driven commands: one per operation of the service model (commands_table.c).
 * Options are parsed against the operation's input shape, the request JSON is typed and checked
 * before anything is sent, then sent with kinesis_client_call_json; paginated operations follow
 * every page and print the merged result, as the AWS CLI does. */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */

#include "cli.h"
#include "commands_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#define MAX_PAGES 100000

const cli_command_def *cli_find_command(const char *name) {
    for (size_t i = 0; i < cli_command_count; i++)
        if (strcmp(cli_commands[i].name, name) == 0) return &cli_commands[i];
    return NULL;
}

void cli_print_command_help(FILE *f, const cli_command_def *def) {
    fprintf(f, "kinesis %s: %s\n(operation %s)\n\nOptions:\n", def->name, def->summary,
            def->operation);
    const cli_shape *in = def->input;
    for (size_t i = 0; in && i < in->member_count; i++) {
        const cli_member *m = &in->members[i];
        const cli_shape *s = m->shape;
        char type[64];
        if (s->type == CLI_T_LIST)
            snprintf(type, sizeof type, "list of %s", cli_type_name(s->element->type));
        else if (s->type == CLI_T_MAP)
            snprintf(type, sizeof type, "map of %s", cli_type_name(s->element->type));
        else
            snprintf(type, sizeof type, "%s", cli_type_name(s->type));
        if (s->type == CLI_T_BOOLEAN)
            fprintf(f, "  %s | --no-%s  (%s)%s\n", m->option, m->option + 2, type,
                    m->required ? "  [required]" : "");
        else if (s->type == CLI_T_BLOB)
            fprintf(f, "  %s TEXT | %s-base64 B64  (%s)%s\n", m->option, m->option, type,
                    m->required ? "  [required]" : "");
        else
            fprintf(f, "  %s VALUE  (%s)%s\n", m->option, type, m->required ? "  [required]" : "");
        if (s->type == CLI_T_STRUCTURE) {
            fputs("      shorthand:", f);
            for (size_t k = 0; k < s->member_count; k++)
                fprintf(f, "%s%s=%s", k ? "," : " ", s->members[k].name,
                        cli_type_name(s->members[k].shape->type));
            fputc('\n', f);
        } else if (s->type == CLI_T_LIST && s->element->type == CLI_T_STRUCTURE) {
            fputs("      each item (shorthand):", f);
            for (size_t k = 0; k < s->element->member_count; k++)
                fprintf(f, "%s%s=%s", k ? "," : " ", s->element->members[k].name,
                        cli_type_name(s->element->members[k].shape->type));
            fputc('\n', f);
        }
    }
    fputs("  --cli-input-json JSON  request members as JSON (options override them)\n", f);
    if (def->paginator)
        fputs("  --max-items N | --page-size N | --starting-token TOKEN  (pagination)\n", f);
    if (def->event_stream) fputs("\nNot supported yet: needs an HTTP/2 event stream.\n", f);
}

/* ---- option values ---- */

/* What the command line said about one member. */
typedef struct given {
    int set;
    char **args; /* points into argv (or `owned`) */
    size_t nargs;
    int boolean;    /* for booleans */
    char *blob_b64; /* for blobs: base64 to send (malloc'd) */
    char *owned;    /* file:// content */
} given;

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static char *base64_of(const uint8_t *data, size_t len) {
    size_t cap = KINESIS_BASE64_ENCODED_LEN(len) + 1, out_len = 0;
    char *b64 = malloc(cap);
    if (!b64) return NULL;
    if (kinesis_base64_encode(data, len, b64, cap, &out_len) != KINESIS_OK) {
        free(b64);
        return NULL;
    }
    b64[out_len] = '\0';
    return b64;
}

static int usage_error(const cli_command_def *def, const char *fmt, const char *a) {
    fprintf(stderr, "kinesis %s: error: ", def->name);
    fprintf(stderr, fmt, a);
    fprintf(stderr, "\n(see: kinesis %s help)\n", def->name);
    return CLI_EXIT_USAGE;
}

/* Resolve file:// for a text value; returns the value to use (maybe g->owned) or NULL. */
static char *resolve_file(const cli_command_def *def, given *gv, char *value) {
    if (strncmp(value, "file://", 7) != 0) return value;
    size_t len;
    char *text = read_file(value + 7, &len);
    if (!text) {
        usage_error(def, "cannot read %s", value);
        return NULL;
    }
    if (strlen(text) != len) {
        free(text);
        usage_error(def, "%s contains NUL bytes (use fileb:// for a blob)", value);
        return NULL;
    }
    /* The AWS CLI strips nothing; a trailing newline of a JSON/shorthand file is harmless. */
    free(gv->owned);
    gv->owned = text;
    return text;
}

typedef struct parsed {
    given *members;         /* one per input member */
    const char *input_json; /* --cli-input-json */
    char *input_json_owned;
    long long max_items; /* -1 = all */
    const char *page_size;
    const char *starting_token;
} parsed;

static void parsed_free(parsed *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(p->members[i].blob_b64);
        free(p->members[i].owned);
    }
    free(p->members);
    free(p->input_json_owned);
}

static int set_blob(const cli_command_def *def, given *gv, const char *option, const char *value,
                    int is_base64) {
    free(gv->blob_b64);
    gv->blob_b64 = NULL;
    int file = strncmp(value, "fileb://", 8) == 0 ? 8 : strncmp(value, "file://", 7) == 0 ? 7 : 0;
    if (!is_base64 && file) {
        /* the file's bytes are the record's data */
        size_t len;
        char *bytes = read_file(value + file, &len);
        if (!bytes) return usage_error(def, "cannot read %s", value);
        gv->blob_b64 = base64_of((const uint8_t *)bytes, len);
        free(bytes);
    } else if (is_base64) {
        size_t len = strlen(value), out_len;
        uint8_t *tmp = malloc(KINESIS_BASE64_DECODED_MAX(len) + 1);
        if (!tmp) return CLI_EXIT_OTHER;
        kinesis_status st =
            kinesis_base64_decode(value, len, tmp, KINESIS_BASE64_DECODED_MAX(len) + 1, &out_len);
        free(tmp);
        if (st != KINESIS_OK) return usage_error(def, "%s-base64: not valid base64", option);
        gv->blob_b64 = strdup(value);
    } else {
        gv->blob_b64 = base64_of((const uint8_t *)value, strlen(value));
    }
    if (!gv->blob_b64) {
        fputs("kinesis: out of memory\n", stderr);
        return CLI_EXIT_OTHER;
    }
    gv->set = 1;
    return 0;
}

static int parse_long_long(const char *s, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno) return -1;
    *out = v;
    return 0;
}

/* Parse the command's options into p. Returns 0 or an exit status. */
static int parse_args(const cli_command_def *def, int argc, char **argv, parsed *p) {
    const cli_shape *in = def->input;
    size_t nm = in ? in->member_count : 0;
    p->members = calloc(nm ? nm : 1, sizeof *p->members);
    p->max_items = -1;
    if (!p->members) return CLI_EXIT_OTHER;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) return usage_error(def, "unexpected argument '%s'", arg);
        char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        char name[256];
        if (nlen >= sizeof name) return usage_error(def, "unknown option %s", arg);
        memcpy(name, arg, nlen);
        name[nlen] = '\0';
        /* the value of a single-valued option: after '=' or the next argument */
        char *value = eq ? eq + 1 : NULL;
#define TAKE_VALUE()                                                                               \
    do {                                                                                           \
        if (!value) {                                                                              \
            if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)                               \
                return usage_error(def, "%s needs a value", name);                                 \
            value = argv[++i];                                                                     \
        }                                                                                          \
    } while (0)
        if (strcmp(name, "--cli-input-json") == 0) {
            TAKE_VALUE();
            given tmp = {0};
            char *v = resolve_file(def, &tmp, value);
            if (!v) return CLI_EXIT_USAGE;
            free(p->input_json_owned);
            p->input_json_owned = tmp.owned;
            p->input_json = v;
            continue;
        }
        if (def->paginator && strcmp(name, "--max-items") == 0) {
            TAKE_VALUE();
            if (parse_long_long(value, &p->max_items) || p->max_items < 1)
                return usage_error(def, "--max-items takes a positive integer, got '%s'", value);
            continue;
        }
        if (def->paginator && strcmp(name, "--page-size") == 0) {
            TAKE_VALUE();
            p->page_size = value;
            continue;
        }
        if (def->paginator && strcmp(name, "--starting-token") == 0) {
            TAKE_VALUE();
            p->starting_token = value;
            continue;
        }
        size_t m = 0;
        int negated = 0, base64 = 0;
        for (; m < nm; m++) {
            const cli_member *mem = &in->members[m];
            if (strcmp(mem->option, name) == 0) break;
            if (mem->shape->type == CLI_T_BOOLEAN && strncmp(name, "--no-", 5) == 0 &&
                strcmp(mem->option + 2, name + 5) == 0) {
                negated = 1;
                break;
            }
            if (mem->shape->type == CLI_T_BLOB) {
                size_t ol = strlen(mem->option);
                if (strncmp(name, mem->option, ol) == 0 && strcmp(name + ol, "-base64") == 0) {
                    base64 = 1;
                    break;
                }
            }
        }
        if (m == nm) return usage_error(def, "unknown option %s", name);
        const cli_member *mem = &in->members[m];
        given *gv = &p->members[m];
        switch (mem->shape->type) {
        case CLI_T_BOOLEAN:
            if (value && !negated) {
                if (strcmp(value, "true") == 0)
                    gv->boolean = 1;
                else if (strcmp(value, "false") == 0)
                    gv->boolean = 0;
                else
                    return usage_error(def, "%s takes no value (or =true / =false)", name);
            } else if (value) {
                return usage_error(def, "%s takes no value", name);
            } else {
                gv->boolean = !negated;
            }
            gv->set = 1;
            break;
        case CLI_T_BLOB: {
            TAKE_VALUE();
            int rc = set_blob(def, gv, mem->option, value, base64);
            if (rc) return rc;
            break;
        }
        case CLI_T_LIST:
            /* like the AWS CLI: every following argument up to the next option */
            gv->set = 1;
            if (value) {
                gv->args = &argv[i];
                /* point at the text after '=' */
                argv[i] = value;
                gv->nargs = 1;
            } else {
                gv->args = &argv[i + 1];
                gv->nargs = 0;
                while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                    i++;
                    gv->nargs++;
                }
                if (gv->nargs == 0) return usage_error(def, "%s needs a value", name);
            }
            if (gv->nargs == 1) {
                char *v = resolve_file(def, gv, gv->args[0]);
                if (!v) return CLI_EXIT_USAGE;
                gv->args[0] = v;
            }
            break;
        default:
            TAKE_VALUE();
            {
                char *v = resolve_file(def, gv, value);
                if (!v) return CLI_EXIT_USAGE;
                argv[i] = v; /* keep a stable char* for args */
                gv->args = &argv[i];
                gv->nargs = 1;
                gv->set = 1;
            }
            break;
        }
#undef TAKE_VALUE
    }
    return 0;
}

/* ---- request building ---- */

static int gen_ok(yajl_gen g) {
    const unsigned char *b;
    size_t l;
    return yajl_gen_get_buf(g, &b, &l) == yajl_gen_status_ok;
}

/* Build the request JSON; returns 0 with *out (malloc'd) or an exit status. */
static int build_request(const cli_command_def *def, parsed *p, char **out) {
    const cli_shape *in = def->input;
    size_t nm = in ? in->member_count : 0;
    yajl_val base = NULL;
    char err[512];
    if (p->input_json) {
        base = yajl_tree_parse(p->input_json, err, sizeof err);
        if (!base || !YAJL_IS_OBJECT(base)) {
            yajl_tree_free(base);
            return usage_error(def, "--cli-input-json: %s", "expected a JSON object");
        }
    }
    /* required members */
    char missing[512] = "";
    size_t used = 0;
    for (size_t m = 0; m < nm; m++) {
        const cli_member *mem = &in->members[m];
        if (!mem->required || p->members[m].set) continue;
        const char *path[] = {mem->name, NULL};
        if (base && yajl_tree_get(base, path, yajl_t_any)) continue;
        if (used < sizeof missing)
            used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%s",
                                     used ? ", " : "", mem->option);
    }
    if (missing[0]) {
        yajl_tree_free(base);
        return usage_error(def, "the following arguments are required: %s", missing);
    }
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g) {
        yajl_tree_free(base);
        return CLI_EXIT_OTHER;
    }
    int rc = 0;
    yajl_gen_map_open(g);
    /* members from --cli-input-json that no option overrides, typed like the options */
    for (size_t i = 0; base && rc == 0 && i < base->u.object.len; i++) {
        const char *key = base->u.object.keys[i];
        size_t m = 0;
        while (m < nm && strcmp(in->members[m].name, key) != 0) m++;
        if (m == nm) {
            fprintf(stderr, "kinesis %s: error: --cli-input-json: unknown parameter \"%s\"\n",
                    def->name, key);
            rc = CLI_EXIT_USAGE;
            break;
        }
        if (p->members[m].set || YAJL_IS_NULL(base->u.object.values[i])) continue;
        yajl_gen_string(g, (const unsigned char *)key, strlen(key));
        if (cli_emit_value(in->members[m].shape, key, base->u.object.values[i], g, err,
                           sizeof err)) {
            fprintf(stderr, "kinesis %s: error: --cli-input-json: %s\n", def->name, err);
            rc = CLI_EXIT_USAGE;
        }
    }
    for (size_t m = 0; rc == 0 && m < nm; m++) {
        const cli_member *mem = &in->members[m];
        given *gv = &p->members[m];
        if (!gv->set) continue;
        yajl_gen_string(g, (const unsigned char *)mem->name, strlen(mem->name));
        if (mem->shape->type == CLI_T_BOOLEAN) {
            yajl_gen_bool(g, gv->boolean);
        } else if (mem->shape->type == CLI_T_BLOB) {
            yajl_gen_string(g, (const unsigned char *)gv->blob_b64, strlen(gv->blob_b64));
        } else if (cli_emit_arguments(mem->shape, mem->option, gv->args, gv->nargs, g, err,
                                      sizeof err)) {
            fprintf(stderr, "kinesis %s: error: %s\n", def->name, err);
            rc = CLI_EXIT_USAGE;
        }
    }
    /* pagination options map onto request members */
    if (rc == 0 && def->paginator) {
        const char *extra[2][2] = {{def->paginator->limit_key, p->page_size},
                                   {def->paginator->input_token, p->starting_token}};
        for (int k = 0; k < 2; k++) {
            if (!extra[k][0] || !extra[k][1]) continue;
            size_t m = 0;
            while (m < nm && strcmp(in->members[m].name, extra[k][0]) != 0) m++;
            if (m < nm && p->members[m].set) continue; /* explicit option wins */
            yajl_gen_string(g, (const unsigned char *)extra[k][0], strlen(extra[k][0]));
            char *arg = (char *)extra[k][1];
            if (m == nm ||
                cli_emit_arguments(in->members[m].shape, k ? "--starting-token" : "--page-size",
                                   &arg, 1, g, err, sizeof err)) {
                fprintf(stderr, "kinesis %s: error: %s\n", def->name, err);
                rc = CLI_EXIT_USAGE;
            }
        }
    }
    yajl_gen_map_close(g);
    yajl_tree_free(base);
    if (rc == 0 && !gen_ok(g)) rc = CLI_EXIT_OTHER;
    if (rc == 0) {
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        *out = malloc(len + 1);
        if (*out) {
            memcpy(*out, buf, len);
            (*out)[len] = '\0';
        } else {
            rc = CLI_EXIT_OTHER;
        }
    }
    yajl_gen_free(g);
    return rc;
}

/* Checks the service would make, done here so a bad record is never sent. */
static int check_record(const cli_command_def *def, yajl_val rec, const char *where) {
    const char *pk_path[] = {"PartitionKey", NULL};
    const char *ehk_path[] = {"ExplicitHashKey", NULL};
    yajl_val pk = yajl_tree_get(rec, pk_path, yajl_t_string);
    yajl_val ehk = yajl_tree_get(rec, ehk_path, yajl_t_string);
    if (pk && kinesis_validate_partition_key(pk->u.string) != KINESIS_OK) {
        fprintf(stderr, "kinesis %s: error: %s: %s\n", def->name, where,
                kinesis_status_str(KINESIS_E_INVALID_PARTITION_KEY));
        return CLI_EXIT_USAGE;
    }
    if (ehk && kinesis_validate_explicit_hash_key(ehk->u.string) != KINESIS_OK) {
        fprintf(stderr, "kinesis %s: error: %s: %s\n", def->name, where,
                kinesis_status_str(KINESIS_E_INVALID_EXPLICIT_HASH_KEY));
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static int validate_request(const cli_command_def *def, const char *json) {
    int put_record = strcmp(def->operation, "PutRecord") == 0;
    int put_records = strcmp(def->operation, "PutRecords") == 0;
    if (!put_record && !put_records) return 0;
    char err[128];
    yajl_val v = yajl_tree_parse(json, err, sizeof err);
    if (!v) return CLI_EXIT_OTHER;
    int rc = 0;
    if (put_record) {
        rc = check_record(def, v, "--partition-key/--explicit-hash-key");
    } else {
        const char *path[] = {"Records", NULL};
        yajl_val recs = yajl_tree_get(v, path, yajl_t_array);
        for (size_t i = 0; recs && rc == 0 && i < recs->u.array.len; i++) {
            char where[64];
            snprintf(where, sizeof where, "--records[%zu]", i);
            rc = check_record(def, recs->u.array.values[i], where);
        }
    }
    yajl_tree_free(v);
    return rc;
}

/* ---- calling and paginating ---- */

static int call(kinesis_client *client, const cli_command_def *def, const char *json, char **out) {
    kinesis_error err;
    kinesis_error_clear(&err);
    size_t out_len = 0;
    kinesis_status st =
        kinesis_client_call_json(client, def->operation, json, strlen(json), out, &out_len, &err);
    if (st != KINESIS_OK) {
        cli_print_error(def->operation, st, &err);
        *out = NULL;
        return cli_exit_status(st, &err);
    }
    return 0;
}

/* Resolve a paginator path: "A.B", "A.B[-1].C" (last element of an array). */
static yajl_val get_path(yajl_val v, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *part = strtok_r(buf, ".", &save); part && v; part = strtok_r(NULL, ".", &save)) {
        char *br = strstr(part, "[-1]");
        if (br) *br = '\0';
        if (!YAJL_IS_OBJECT(v)) return NULL;
        yajl_val next = NULL;
        for (size_t i = 0; i < v->u.object.len; i++)
            if (strcmp(v->u.object.keys[i], part) == 0) next = v->u.object.values[i];
        v = next;
        if (br && v) {
            if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0) return NULL;
            v = v->u.array.values[v->u.array.len - 1];
        }
    }
    return v;
}

static void copy_tree(yajl_gen g, yajl_val v, int depth) {
    if (depth > 64) {
        yajl_gen_null(g);
    } else if (YAJL_IS_OBJECT(v)) {
        yajl_gen_map_open(g);
        for (size_t i = 0; i < v->u.object.len; i++) {
            const char *k = v->u.object.keys[i];
            yajl_gen_string(g, (const unsigned char *)k, strlen(k));
            copy_tree(g, v->u.object.values[i], depth + 1);
        }
        yajl_gen_map_close(g);
    } else if (YAJL_IS_ARRAY(v)) {
        yajl_gen_array_open(g);
        for (size_t i = 0; i < v->u.array.len; i++) copy_tree(g, v->u.array.values[i], depth + 1);
        yajl_gen_array_close(g);
    } else if (YAJL_IS_STRING(v)) {
        yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
    } else if (YAJL_IS_NUMBER(v)) {
        yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        yajl_gen_bool(g, YAJL_IS_TRUE(v));
    } else {
        yajl_gen_null(g);
    }
}

/* Re-emit request `req` with `token_key` set to `token`, leaving out the members in `drop`. */
static char *next_request(yajl_val req, const char *token_key, const char *token,
                          const char *const *drop) {
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g) return NULL;
    yajl_gen_map_open(g);
    for (size_t i = 0; i < req->u.object.len; i++) {
        const char *key = req->u.object.keys[i];
        int skip = strcmp(key, token_key) == 0;
        for (size_t d = 0; drop && drop[d]; d++) skip |= strcmp(key, drop[d]) == 0;
        if (skip) continue;
        yajl_gen_string(g, (const unsigned char *)key, strlen(key));
        copy_tree(g, req->u.object.values[i], 0);
    }
    yajl_gen_string(g, (const unsigned char *)token_key, strlen(token_key));
    yajl_gen_string(g, (const unsigned char *)token, strlen(token));
    yajl_gen_map_close(g);
    char *out = NULL;
    const unsigned char *buf;
    size_t len;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok && (out = malloc(len + 1))) {
        memcpy(out, buf, len);
        out[len] = '\0';
    }
    yajl_gen_free(g);
    return out;
}

typedef struct page_set {
    yajl_val *pages;
    size_t count, cap;
} page_set;

static int pages_add(page_set *ps, yajl_val v) {
    if (ps->count == ps->cap) {
        size_t nc = ps->cap ? ps->cap * 2 : 8;
        yajl_val *np = realloc(ps->pages, nc * sizeof *np);
        if (!np) return -1;
        ps->pages = np;
        ps->cap = nc;
    }
    ps->pages[ps->count++] = v;
    return 0;
}

static size_t result_items(const page_set *ps, const char *key) {
    size_t n = 0;
    for (size_t i = 0; i < ps->count; i++) {
        yajl_val a = get_path(ps->pages[i], key);
        if (a && YAJL_IS_ARRAY(a)) n += a->u.array.len;
    }
    return n;
}

/* One page: call and parse. With `quiet`, a service error is not printed (*service_error set). */
static int fetch_page(kinesis_client *client, const cli_command_def *def, const char *json,
                      int quiet, int *service_error, yajl_val *page) {
    kinesis_error err;
    kinesis_error_clear(&err);
    char *body = NULL;
    size_t out_len = 0;
    *page = NULL;
    kinesis_status st =
        kinesis_client_call_json(client, def->operation, json, strlen(json), &body, &out_len, &err);
    if (st != KINESIS_OK) {
        if (service_error) *service_error = err.type[0] != '\0';
        if (!(quiet && err.type[0])) cli_print_error(def->operation, st, &err);
        return cli_exit_status(st, &err);
    }
    char perr[256];
    *page = yajl_tree_parse(body, perr, sizeof perr);
    kinesis_free(kinesis_client_allocator(client), body);
    if (!*page) {
        perr[strcspn(perr, "\n")] = '\0';
        fprintf(stderr, "kinesis: %s: unparseable response: %s\n", def->operation, perr);
        return CLI_EXIT_OTHER;
    }
    return 0;
}

static int paginate(kinesis_client *client, const cli_command_def *def, const char *first_req,
                    long long max_items) {
    const cli_paginator *pg = def->paginator;
    char perr[256];
    yajl_val req = yajl_tree_parse(first_req, perr, sizeof perr);
    if (!req) return CLI_EXIT_OTHER;
    page_set ps = {0};
    int rc = 0;
    char *json = strdup(first_req);
    char *prev_token = NULL;
    int is_list_shards = strcmp(def->operation, "ListShards") == 0;
    /* The real ListShards API forbids these with NextToken; some servers require StreamName. */
    static const char *const list_shards_drop[] = {
        "StreamName",  "StreamARN", "ExclusiveStartShardId", "StreamCreationTimestamp",
        "ShardFilter", NULL};
    static const char *const drop_next_token[] = {"NextToken", NULL};
    const char *token_key = pg->input_token;
    yajl_val start = get_path(req, pg->input_token);
    if (is_list_shards && json && start && YAJL_IS_STRING(start)) {
        /* --starting-token: continue as for any later page */
        prev_token = strdup(start->u.string);
        free(json);
        json = prev_token ? next_request(req, token_key, prev_token, list_shards_drop) : NULL;
        if (!json) rc = CLI_EXIT_OTHER;
    }
    while (rc == 0 && json) {
        yajl_val page = NULL;
        if (is_list_shards && prev_token) {
            int service_error = 0;
            rc = fetch_page(client, def, json, 1, &service_error, &page);
            if (rc && service_error) {
                /* try the other convention: the token together with the stream */
                free(json);
                json = next_request(req, token_key, prev_token, NULL);
                rc = json ? fetch_page(client, def, json, 0, NULL, &page) : CLI_EXIT_OTHER;
            }
        } else {
            rc = fetch_page(client, def, json, 0, NULL, &page);
        }
        if (rc) break;
        if (pages_add(&ps, page)) {
            yajl_tree_free(page);
            rc = CLI_EXIT_OTHER;
            break;
        }
        free(json);
        json = NULL;
        if (max_items > 0 && result_items(&ps, pg->result_keys[0]) >= (size_t)max_items) break;
        if (ps.count >= MAX_PAGES) break;
        yajl_val more = pg->more_results ? get_path(page, pg->more_results) : NULL;
        yajl_val tok = get_path(page, pg->output_token);
        const char *token = tok && YAJL_IS_STRING(tok) && tok->u.string[0] ? tok->u.string : NULL;
        token_key = pg->input_token;
        if (more && YAJL_IS_FALSE(more)) break;
        if (!token && more && YAJL_IS_TRUE(more) && strcmp(def->operation, "ListStreams") == 0) {
            /* older servers page ListStreams only by ExclusiveStartStreamName */
            yajl_val last = get_path(page, "StreamNames[-1]");
            if (last && YAJL_IS_STRING(last)) {
                token = last->u.string;
                token_key = "ExclusiveStartStreamName";
            }
        }
        if (!token) break;
        if (prev_token && strcmp(prev_token, token) == 0) break; /* a server looping */
        free(prev_token);
        prev_token = strdup(token);
        if (!prev_token) {
            rc = CLI_EXIT_OTHER;
            break;
        }
        const char *const *drop = NULL;
        if (is_list_shards)
            drop = list_shards_drop;
        else if (strcmp(token_key, pg->input_token) != 0)
            drop = drop_next_token;
        json = next_request(req, token_key, prev_token, drop);
        if (!json) rc = CLI_EXIT_OTHER;
    }
    free(json);
    free(prev_token);
    if (rc == 0 && ps.count > 0) {
        /* Print the first page with every list merged and the pagination members dropped. */
        cli_json_override ov[4];
        size_t nov = 0;
        for (size_t k = 0; k < pg->result_key_count && rc == 0; k++) {
            size_t total = result_items(&ps, pg->result_keys[k]);
            if (max_items > 0 && total > (size_t)max_items) total = (size_t)max_items;
            yajl_val *items = calloc(total ? total : 1, sizeof *items);
            if (!items) {
                rc = CLI_EXIT_OTHER;
                break;
            }
            size_t n = 0;
            for (size_t i = 0; i < ps.count && n < total; i++) {
                yajl_val a = get_path(ps.pages[i], pg->result_keys[k]);
                for (size_t j = 0; a && YAJL_IS_ARRAY(a) && j < a->u.array.len && n < total; j++)
                    items[n++] = a->u.array.values[j];
            }
            ov[nov].path = pg->result_keys[k];
            ov[nov].action = CLI_JSON_ITEMS;
            ov[nov].items = items;
            ov[nov].count = n;
            nov++;
        }
        if (rc == 0) {
            if (!strchr(pg->output_token, '[')) {
                ov[nov].path = pg->output_token;
                ov[nov].action = CLI_JSON_SKIP;
                ov[nov].items = NULL;
                ov[nov++].count = 0;
            }
            if (pg->more_results) {
                ov[nov].path = pg->more_results;
                ov[nov].action = CLI_JSON_FALSE;
                ov[nov].items = NULL;
                ov[nov++].count = 0;
            }
            cli_json_write(stdout, ps.pages[0], ov, nov);
        }
        for (size_t k = 0; k < nov; k++) free(ov[k].items);
    }
    for (size_t i = 0; i < ps.count; i++) yajl_tree_free(ps.pages[i]);
    free(ps.pages);
    yajl_tree_free(req);
    return rc;
}

/* list-shards through the typed call, which copes with every server's NextToken convention.
 * Used when the request has only members it supports; prints the service's JSON shape. */
static int list_shards_typed(kinesis_client *client, const char *json, int *handled) {
    *handled = 0;
    char perr[128];
    yajl_val req = yajl_tree_parse(json, perr, sizeof perr);
    if (!req) return 0;
    kinesis_list_shards_request r = {0};
    int ok = 1;
    for (size_t i = 0; ok && i < req->u.object.len; i++) {
        const char *k = req->u.object.keys[i];
        yajl_val v = req->u.object.values[i];
        if ((strcmp(k, "StreamName") == 0 || strcmp(k, "StreamARN") == 0) && YAJL_IS_STRING(v))
            r.stream = v->u.string;
        else if (strcmp(k, "ExclusiveStartShardId") == 0 && YAJL_IS_STRING(v))
            r.exclusive_start_shard_id = v->u.string;
        else if (strcmp(k, "MaxResults") == 0 && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0)
            r.max_results = (uint32_t)YAJL_GET_INTEGER(v);
        else if (strcmp(k, "ShardFilter") == 0 && YAJL_IS_OBJECT(v)) {
            const char *tp[] = {"Type", NULL}, *idp[] = {"ShardId", NULL},
                       *tsp[] = {"Timestamp", NULL};
            yajl_val t = yajl_tree_get(v, tp, yajl_t_string);
            yajl_val id = yajl_tree_get(v, idp, yajl_t_string);
            yajl_val ts = yajl_tree_get(v, tsp, yajl_t_number);
            static const struct {
                const char *name;
                kinesis_shard_filter_type type;
            } types[] = {{"AFTER_SHARD_ID", KINESIS_SHARD_FILTER_AFTER_SHARD_ID},
                         {"AT_TRIM_HORIZON", KINESIS_SHARD_FILTER_AT_TRIM_HORIZON},
                         {"FROM_TRIM_HORIZON", KINESIS_SHARD_FILTER_FROM_TRIM_HORIZON},
                         {"AT_LATEST", KINESIS_SHARD_FILTER_AT_LATEST},
                         {"AT_TIMESTAMP", KINESIS_SHARD_FILTER_AT_TIMESTAMP},
                         {"FROM_TIMESTAMP", KINESIS_SHARD_FILTER_FROM_TIMESTAMP}};
            ok = 0;
            for (size_t n = 0; t && n < sizeof types / sizeof types[0]; n++)
                if (strcmp(t->u.string, types[n].name) == 0) {
                    r.filter = types[n].type;
                    ok = 1;
                }
            if (id) r.filter_shard_id = id->u.string;
            if (ts) r.filter_timestamp = YAJL_GET_DOUBLE(ts);
        } else
            ok = 0;
    }
    if (!ok || !r.stream) {
        yajl_tree_free(req);
        return 0;
    }
    *handled = 1;
    kinesis_list_shards_result res = {0};
    kinesis_error err;
    kinesis_error_clear(&err);
    kinesis_status st = kinesis_list_shards(client, &r, &res, &err);
    yajl_tree_free(req);
    if (st != KINESIS_OK) {
        cli_print_error("ListShards", st, &err);
        return cli_exit_status(st, &err);
    }
    yajl_gen g = yajl_gen_alloc(NULL);
    int rc = g ? 0 : CLI_EXIT_OTHER;
#define STR(s) yajl_gen_string(g, (const unsigned char *)(s), strlen(s))
    if (g) {
        yajl_gen_map_open(g);
        STR("Shards");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < res.shard_count; i++) {
            const kinesis_shard *s = &res.shards[i];
            yajl_gen_map_open(g);
            STR("ShardId");
            STR(s->shard_id ? s->shard_id : "");
            if (s->parent_shard_id) {
                STR("ParentShardId");
                STR(s->parent_shard_id);
            }
            if (s->adjacent_parent_shard_id) {
                STR("AdjacentParentShardId");
                STR(s->adjacent_parent_shard_id);
            }
            char start[KINESIS_HASH_KEY_DECIMAL_MAX], end[KINESIS_HASH_KEY_DECIMAL_MAX];
            kinesis_hash_key_format(s->hash_start, start);
            kinesis_hash_key_format(s->hash_end, end);
            STR("HashKeyRange");
            yajl_gen_map_open(g);
            STR("StartingHashKey");
            STR(s->starting_hash_key ? s->starting_hash_key : start);
            STR("EndingHashKey");
            STR(s->ending_hash_key ? s->ending_hash_key : end);
            yajl_gen_map_close(g);
            STR("SequenceNumberRange");
            yajl_gen_map_open(g);
            STR("StartingSequenceNumber");
            STR(s->starting_sequence_number ? s->starting_sequence_number : "");
            if (s->ending_sequence_number) {
                STR("EndingSequenceNumber");
                STR(s->ending_sequence_number);
            }
            yajl_gen_map_close(g);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        const unsigned char *buf;
        size_t len;
        if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
            char *text = malloc(len + 1);
            if (text) {
                memcpy(text, buf, len);
                text[len] = '\0';
                cli_json_print_text(stdout, text, len);
                free(text);
            } else {
                rc = CLI_EXIT_OTHER;
            }
        } else {
            rc = CLI_EXIT_OTHER;
        }
        yajl_gen_free(g);
    }
#undef STR
    kinesis_list_shards_result_clean_up(&res);
    return rc;
}

int cli_run_command(const cli_globals *g, const cli_command_def *def, int argc, char **argv) {
    parsed p;
    memset(&p, 0, sizeof p);
    size_t nm = def->input ? def->input->member_count : 0;
    int rc = parse_args(def, argc, argv, &p);
    char *json = NULL;
    if (rc == 0) rc = build_request(def, &p, &json);
    if (rc == 0) rc = validate_request(def, json);
    if (rc == 0 && g->generate_request_json) {
        printf("%s\n", json);
    } else if (rc == 0 && def->event_stream) {
        rc = cli_subscribe_to_shard(g, json);
    } else if (rc == 0) {
        kinesis_client *client = NULL;
        rc = cli_client_new(g, &client);
        if (rc == 0) {
            int handled = 0;
            if (def->paginator && !g->no_paginate && p.max_items < 0 && !p.starting_token &&
                !p.page_size && strcmp(def->operation, "ListShards") == 0)
                rc = list_shards_typed(client, json, &handled);
            if (!handled) {
                if (def->paginator && !g->no_paginate) {
                    rc = paginate(client, def, json, p.max_items);
                } else {
                    char *out = NULL;
                    rc = call(client, def, json, &out);
                    if (rc == 0) {
                        cli_json_print_text(stdout, out, strlen(out));
                        kinesis_free(kinesis_client_allocator(client), out);
                    }
                }
            }
            kinesis_client_destroy(client);
        }
    }
    free(json);
    parsed_free(&p, nm);
    if (fflush(stdout) != 0 && rc == 0) {
        fputs("kinesis: error writing output\n", stderr);
        rc = CLI_EXIT_OTHER;
    }
    return rc;
}

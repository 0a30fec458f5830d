/* JSON output like the AWS CLI's (Python json.dumps with indent=4, ensure_ascii=False):
 * 4-space indent, "key": value, empty containers as {} and [], numbers as the service sent them.
 * Overrides let the paginator print merged lists and drop pagination tokens. */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */

#include "cli.h"

#include <string.h>

static void put_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void indent(FILE *f, int level) {
    for (int i = 0; i < level; i++) fputs("    ", f);
}

static const cli_json_override *find_override(const cli_json_override *ov, size_t n,
                                              const char *path) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(ov[i].path, path) == 0) return &ov[i];
    return NULL;
}

static void write_value(FILE *f, yajl_val v, int level, char *path, size_t path_cap,
                        const cli_json_override *ov, size_t nov);

static void write_array(FILE *f, yajl_val *items, size_t n, int level, char *path, size_t path_cap,
                        const cli_json_override *ov, size_t nov) {
    if (n == 0) {
        fputs("[]", f);
        return;
    }
    fputs("[\n", f);
    for (size_t i = 0; i < n; i++) {
        indent(f, level + 1);
        /* overrides address object members only; array items keep the parent path + "[]" */
        size_t plen = strlen(path);
        if (plen + 3 < path_cap) strcat(path, "[]");
        write_value(f, items[i], level + 1, path, path_cap, ov, nov);
        path[plen] = '\0';
        fputs(i + 1 < n ? ",\n" : "\n", f);
    }
    indent(f, level);
    fputc(']', f);
}

static void write_value(FILE *f, yajl_val v, int level, char *path, size_t path_cap,
                        const cli_json_override *ov, size_t nov) {
    if (!v || YAJL_IS_NULL(v)) {
        fputs("null", f);
    } else if (YAJL_IS_TRUE(v)) {
        fputs("true", f);
    } else if (YAJL_IS_FALSE(v)) {
        fputs("false", f);
    } else if (YAJL_IS_STRING(v)) {
        put_string(f, v->u.string);
    } else if (YAJL_IS_NUMBER(v)) {
        fputs(v->u.number.r, f);
    } else if (YAJL_IS_ARRAY(v)) {
        write_array(f, v->u.array.values, v->u.array.len, level, path, path_cap, ov, nov);
    } else if (YAJL_IS_OBJECT(v)) {
        size_t plen = strlen(path);
        int first = 1;
        for (size_t i = 0; i < v->u.object.len; i++) {
            const char *key = v->u.object.keys[i];
            if (plen + strlen(key) + 2 < path_cap)
                snprintf(path + plen, path_cap - plen, "%s%s", plen ? "." : "", key);
            const cli_json_override *o = find_override(ov, nov, path);
            if (o && o->action == CLI_JSON_SKIP) {
                path[plen] = '\0';
                continue;
            }
            fputs(first ? "{\n" : ",\n", f);
            first = 0;
            indent(f, level + 1);
            put_string(f, key);
            fputs(": ", f);
            if (o && o->action == CLI_JSON_FALSE)
                fputs("false", f);
            else if (o && o->action == CLI_JSON_ITEMS)
                write_array(f, o->items, o->count, level + 1, path, path_cap, ov, nov);
            else
                write_value(f, v->u.object.values[i], level + 1, path, path_cap, ov, nov);
            path[plen] = '\0';
        }
        if (first) {
            fputs("{}", f);
        } else {
            fputc('\n', f);
            indent(f, level);
            fputc('}', f);
        }
    }
}

void cli_json_write(FILE *f, yajl_val v, const cli_json_override *ov, size_t nov) {
    char path[512] = "";
    write_value(f, v, 0, path, sizeof path, ov, nov);
    fputc('\n', f);
}

int cli_json_print_text(FILE *f, const char *json, size_t len) {
    (void)len;
    if (!json) return 0;
    const char *p = json + strspn(json, " \t\r\n");
    if (*p == '\0') return 0;
    char err[256];
    yajl_val v = yajl_tree_parse(json, err, sizeof err);
    if (!v) {
        /* Not JSON: show what the service sent rather than nothing. */
        fputs(json, f);
        fputc('\n', f);
        return -1;
    }
    /* The AWS CLI prints nothing for an empty response. */
    if (!(YAJL_IS_OBJECT(v) && v->u.object.len == 0)) cli_json_write(f, v, NULL, 0);
    yajl_tree_free(v);
    return 0;
}

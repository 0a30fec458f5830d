/* The AWS shared config and credentials files, parsed as botocore parses them: Python's
 * configparser.RawConfigParser (strict: duplicate sections or keys are errors; '=' or ':'
 * delimiters; full-line '#'/';' comments; indented lines continue the previous value; option
 * names lower-cased) plus botocore's rule that a value whose first line is empty holds nested
 * "key = value" lines. The file is copied once and every string is cut out of that copy in
 * place, so a parse costs four allocations whatever its size. */
#define _POSIX_C_SOURCE 200809L /* fileno, fstat */
#include "profile_internal.h"

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static bool is_space(char c) {
    /* Python's str.strip() set restricted to ASCII. */
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           (c >= 0x1c && c <= 0x1f);
}

static kinesis_status parse_error(kinesis_error *err, const char *path, uint32_t line,
                                  const char *what) {
    return kinesis_error_set(err, KINESIS_E_CONFIG, "%s:%u: %s", path ? path : "<config>",
                             (unsigned)line, what);
}

void kinesis_profile_clean_up(kinesis_profile_file *f) {
    if (!f) return;
    kinesis_mem_free(f->allocator, f->text);
    kinesis_mem_free(f->allocator, f->sections);
    kinesis_mem_free(f->allocator, f->entries);
    const kinesis_allocator *a = f->allocator;
    memset(f, 0, sizeof(*f));
    f->allocator = a;
    f->defaults = -1;
}

static void init_empty(kinesis_profile_file *f, const kinesis_allocator *a) {
    memset(f, 0, sizeof(*f));
    f->allocator = kinesis_alloc_or_default(a);
    f->defaults = -1;
}

/* ---- duplicate detection (configparser strict mode), O(n log n) ---- */

typedef struct dup_key {
    const char *name;
    int32_t section; /* owning section for keys; 0 for sections */
    uint32_t line;
} dup_key;

static int cmp_dup_keys(const void *pa, const void *pb) {
    const dup_key *a = pa, *b = pb;
    if (a->section != b->section) return a->section < b->section ? -1 : 1;
    int c = strcmp(a->name, b->name);
    if (c) return c;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* Line of the first repeat (in file order) among keys[0..n), 0 when none. Sorting groups equal
 * names with their lines ascending, so each group's second member is that name's first repeat. */
static uint32_t first_repeat(dup_key *keys, size_t n) {
    qsort(keys, n, sizeof(*keys), cmp_dup_keys);
    uint32_t line = 0;
    for (size_t i = 1; i < n; i++) {
        if (keys[i].section != keys[i - 1].section || strcmp(keys[i].name, keys[i - 1].name) != 0)
            continue;
        if (!line || keys[i].line < line) line = keys[i].line;
    }
    return line;
}

/* Sections are checked before keys: configparser stops at whichever repeat comes first, but
 * both are errors and the line is what the user needs. */
static kinesis_status find_duplicates(kinesis_profile_file *f, const char *path,
                                      kinesis_error *err) {
    size_t n = f->section_count > f->entry_count ? f->section_count : f->entry_count;
    if (n < 2) return KINESIS_OK;
    dup_key *keys = kinesis_mem_calloc(f->allocator, n, sizeof(*keys));
    if (!keys) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory parsing %s", path);
    size_t m = 0;
    for (size_t i = 0; i < f->section_count; i++) {
        if ((int32_t)i == f->defaults) continue; /* [DEFAULT] may repeat: it merges */
        keys[m].name = f->sections[i].name;
        keys[m].line = f->sections[i].line;
        m++;
    }
    uint32_t line = first_repeat(keys, m);
    if (line) {
        kinesis_mem_free(f->allocator, keys);
        return parse_error(err, path, line, "section appears twice");
    }
    m = 0;
    for (size_t i = 0; i < f->entry_count; i++) {
        if (f->entries[i].parent >= 0) continue; /* nested keys may repeat: the last wins */
        keys[m].name = f->entries[i].key;
        keys[m].section = f->entries[i].section;
        keys[m].line = f->entries[i].line;
        m++;
    }
    line = first_repeat(keys, m);
    kinesis_mem_free(f->allocator, keys);
    if (line) return parse_error(err, path, line, "key appears twice in its section");
    return KINESIS_OK;
}

/* ---- the parser ---- */

kinesis_status kinesis_profile_parse(const char *data, size_t len, const char *path,
                                     const kinesis_allocator *a, kinesis_profile_file *out,
                                     kinesis_error *err) {
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no output");
    init_empty(out, a);
    if (!data && len) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no data");
    if (len > KINESIS_PROFILE_FILE_MAX)
        return kinesis_error_set(err, KINESIS_E_CONFIG, "%s: file larger than %u bytes",
                                 path ? path : "<config>", (unsigned)KINESIS_PROFILE_FILE_MAX);
    /* Every section and every entry starts on its own line, so the line count bounds both. */
    size_t lines = 1;
    uint32_t line_no = 1;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\0') return parse_error(err, path, line_no, "NUL byte in file");
        if (data[i] == '\n' || data[i] == '\r') {
            if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n') i++;
            lines++;
            line_no++;
        }
    }
    kinesis_profile_file f;
    init_empty(&f, a);
    f.text = kinesis_mem_alloc(f.allocator, len + 1);
    f.sections = kinesis_mem_calloc(f.allocator, lines, sizeof(*f.sections));
    f.entries = kinesis_mem_calloc(f.allocator, lines, sizeof(*f.entries));
    if (!f.text || !f.sections || !f.entries) {
        kinesis_profile_clean_up(&f);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory parsing %s",
                                 path ? path : "<config>");
    }
    if (len) memcpy(f.text, data, len);
    f.text[len] = '\0';

    char *text = f.text;
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) pos = 3; /* UTF-8 byte order mark */
    int32_t section = -1;
    int32_t opt = -1;        /* entry whose value indented lines continue */
    size_t indent_level = 0; /* indentation of the line that started `opt` */
    bool opt_empty = false;  /* opt's first line had no value: continuations are nested keys */
    char *val_end = NULL;    /* end of opt's (plain) value, where continuations are appended */
    size_t blanks = 0;       /* blank lines inside opt's value, kept only if more text follows */
    kinesis_status st = KINESIS_OK;

    for (line_no = 1;; line_no++) {
        size_t start = pos, end = pos;
        while (end < len && text[end] != '\n' && text[end] != '\r') end++;
        size_t next = end;
        if (end < len)
            next += (text[end] == '\r' && end + 1 < len && text[end + 1] == '\n') ? 2 : 1;

        size_t s = start, t = end;
        while (s < t && is_space(text[s])) s++;
        while (t > s && is_space(text[t - 1])) t--;

        if (s == t) {
            if (opt >= 0) blanks++; /* configparser keeps blank lines inside a value */
        } else if (text[s] == '#' || text[s] == ';') {
            /* full-line comment: neither ends nor extends a value */
        } else if (opt >= 0 && s - start > indent_level) {
            /* continuation line */
            if (opt_empty) {
                /* botocore's _parse_nested: each line is "key = value" */
                size_t eq = s;
                while (eq < t && text[eq] != '=') eq++;
                if (eq == t) {
                    st =
                        parse_error(err, path, line_no, "expected 'key = value' in nested section");
                    break;
                }
                size_t ke = eq, vs = eq + 1;
                while (ke > s && is_space(text[ke - 1])) ke--;
                while (vs < t && is_space(text[vs])) vs++;
                text[ke] = '\0';
                text[t] = '\0';
                f.entries[opt].value = NULL;
                kinesis_profile_entry *e = &f.entries[f.entry_count++];
                e->key = text + s;
                e->value = text + vs;
                e->section = section;
                e->parent = opt;
                e->line = line_no;
            } else {
                /* Moving left only: the kept text never outgrows the line breaks it replaces. */
                for (; blanks; blanks--) *val_end++ = '\n';
                *val_end++ = '\n';
                memmove(val_end, text + s, t - s);
                val_end += t - s;
                *val_end = '\0';
            }
            blanks = 0;
        } else {
            indent_level = s - start;
            opt = -1;
            blanks = 0;
            /* configparser's \[(?P<header>.+)\] matched at the start: up to the last ']',
             * at least one character between; anything after it is ignored. */
            size_t close = t;
            if (text[s] == '[')
                for (size_t i = t; i > s + 2; i--)
                    if (text[i - 1] == ']') {
                        close = i - 1;
                        break;
                    }
            if (close < t) {
                text[close] = '\0';
                const char *name = text + s + 1;
                if (strcmp(name, "DEFAULT") == 0 && f.defaults >= 0) {
                    section = f.defaults;
                } else {
                    section = (int32_t)f.section_count++;
                    f.sections[section].name = name;
                    f.sections[section].line = line_no;
                    if (strcmp(name, "DEFAULT") == 0) f.defaults = section;
                }
            } else if (section < 0) {
                st = parse_error(err, path, line_no, "key outside any [section]");
                break;
            } else {
                size_t d = s;
                while (d < t && text[d] != '=' && text[d] != ':') d++;
                if (d == t) {
                    st = parse_error(err, path, line_no, "expected '[section]' or 'key = value'");
                    break;
                }
                size_t ke = d, vs = d + 1;
                while (ke > s && is_space(text[ke - 1])) ke--;
                if (ke == s) {
                    st = parse_error(err, path, line_no, "empty key name");
                    break;
                }
                while (vs < t && is_space(text[vs])) vs++;
                for (size_t i = s; i < ke; i++)
                    if (text[i] >= 'A' && text[i] <= 'Z') text[i] = (char)(text[i] + 32);
                text[ke] = '\0';
                text[t] = '\0';
                opt = (int32_t)f.entry_count++;
                kinesis_profile_entry *e = &f.entries[opt];
                e->key = text + s;
                e->value = text + (vs < t ? vs : t);
                e->section = section;
                e->parent = -1;
                e->line = line_no;
                opt_empty = vs >= t;
                val_end = text + t;
            }
        }
        if (end >= len) break;
        pos = next;
    }
    if (st == KINESIS_OK) st = find_duplicates(&f, path ? path : "<config>", err);
    if (st != KINESIS_OK) {
        kinesis_profile_clean_up(&f);
        return st;
    }
    *out = f;
    return KINESIS_OK;
}

kinesis_status kinesis_profile_load(const char *path, const kinesis_allocator *a,
                                    kinesis_profile_file *out, kinesis_error *err) {
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no output");
    init_empty(out, a);
    out->missing = true;
    if (!path) return KINESIS_OK;
    FILE *fp = fopen(path, "rb");
    if (!fp) return KINESIS_OK; /* absent or unreadable: botocore treats both as no file */
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return KINESIS_OK;
    }
    if ((uint64_t)sb.st_size > KINESIS_PROFILE_FILE_MAX) {
        fclose(fp);
        return kinesis_error_set(err, KINESIS_E_CONFIG, "%s: file larger than %u bytes", path,
                                 (unsigned)KINESIS_PROFILE_FILE_MAX);
    }
    /* Read up to one byte past the limit so growth between fstat and read is still caught. */
    size_t cap = (size_t)sb.st_size + 1, len = 0;
    char *buf = kinesis_mem_alloc(out->allocator, cap);
    if (!buf) {
        fclose(fp);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory reading %s", path);
    }
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len, fp);
        len += n;
        if (n == 0 || len < cap) break;
        if (cap > KINESIS_PROFILE_FILE_MAX) break;
        size_t ncap =
            cap * 2 > KINESIS_PROFILE_FILE_MAX + 1 ? KINESIS_PROFILE_FILE_MAX + 1 : cap * 2;
        char *nb = kinesis_mem_realloc(out->allocator, buf, cap, ncap);
        if (!nb) {
            kinesis_mem_free(out->allocator, buf);
            fclose(fp);
            return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory reading %s", path);
        }
        buf = nb;
        cap = ncap;
    }
    int read_failed = ferror(fp);
    fclose(fp);
    kinesis_status st;
    if (read_failed)
        st = kinesis_error_set(err, KINESIS_E_CONFIG, "%s: read error", path);
    else
        st = kinesis_profile_parse(buf, len, path, a, out, err);
    kinesis_mem_free(kinesis_alloc_or_default(a), buf);
    return st;
}

/* ---- lookups ---- */

/* botocore splits "[profile NAME]" with shlex.split (POSIX mode, no comments) and takes the
 * section as a profile when that gives exactly two words. Returns how many words `s` has (3 means
 * "3 or more") and whether the second equals `want`; -1 when shlex would raise (unclosed quote,
 * trailing backslash), which botocore ignores. */
static int shlex_second_word(const char *s, const char *want, bool *match) {
    int words = 0;
    size_t wi = 0; /* position in `want` while in word 2 */
    bool ok = false, in_word = false;
    char quote = 0;
    *match = false;
#define EMIT_(ch)                                                                                  \
    do {                                                                                           \
        if (words == 2) {                                                                          \
            if (ok && want[wi] == (ch))                                                            \
                wi++;                                                                              \
            else                                                                                   \
                ok = false;                                                                        \
        }                                                                                          \
    } while (0)
    for (const char *p = s;; p++) {
        char c = *p;
        if (quote) {
            if (!c) return -1;
            if (c == quote) {
                quote = 0;
            } else if (quote == '"' && c == '\\' && (p[1] == '"' || p[1] == '\\')) {
                p++;
                EMIT_(*p);
            } else {
                EMIT_(c);
            }
            continue;
        }
        if (!c || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (in_word) {
                if (words == 2 && ok && want[wi] == '\0') *match = true;
                in_word = false;
            }
            if (!c) break;
            continue;
        }
        if (!in_word) {
            in_word = true;
            words++;
            if (words == 2) {
                ok = true;
                wi = 0;
            }
        }
        if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '\\') {
            if (!p[1]) return -1;
            p++;
            EMIT_(*p);
        } else {
            EMIT_(c);
        }
    }
#undef EMIT_
    if (words > 2) *match = false;
    return words > 3 ? 3 : words;
}

static bool section_named_word(const char *section, const char *prefix, const char *name) {
    size_t pl = strlen(prefix);
    if (strncmp(section, prefix, pl) != 0) return false;
    bool match;
    return shlex_second_word(section, name, &match) == 2 && match;
}

int32_t kinesis_profile_find(const kinesis_profile_file *f, kinesis_profile_kind kind,
                             const char *name) {
    if (!f || !name) return -1;
    int32_t found = -1;
    for (size_t i = 0; i < f->section_count; i++) {
        if ((int32_t)i == f->defaults) continue;
        const char *sn = f->sections[i].name;
        if (kind == KINESIS_PROFILE_CREDENTIALS_FILE) {
            if (strcmp(sn, name) == 0) return (int32_t)i;
            continue;
        }
        /* botocore's build_profile_map: "profile*" sections first, then exactly "default". */
        if (strncmp(sn, "profile", 7) == 0) {
            if (section_named_word(sn, "profile", name)) found = (int32_t)i;
        } else if (strncmp(sn, "sso-session", 11) == 0 || strncmp(sn, "services", 8) == 0) {
            continue;
        } else if (strcmp(sn, "default") == 0 && strcmp(name, "default") == 0) {
            found = (int32_t)i;
        }
    }
    return found;
}

int32_t kinesis_profile_find_services(const kinesis_profile_file *f, const char *name) {
    if (!f || !name) return -1;
    int32_t found = -1;
    for (size_t i = 0; i < f->section_count; i++) {
        const char *sn = f->sections[i].name;
        if ((int32_t)i == f->defaults || strncmp(sn, "profile", 7) == 0 ||
            strncmp(sn, "sso-session", 11) == 0)
            continue;
        if (section_named_word(sn, "services", name)) found = (int32_t)i;
    }
    return found;
}

static const kinesis_profile_entry *find_entry(const kinesis_profile_file *f, int32_t section,
                                               const char *key) {
    if (!f || section < 0 || (size_t)section >= f->section_count || !key) return NULL;
    const kinesis_profile_entry *fallback = NULL;
    for (size_t i = 0; i < f->entry_count; i++) {
        const kinesis_profile_entry *e = &f->entries[i];
        if (e->parent >= 0 || strcmp(e->key, key) != 0) continue;
        if (e->section == section) return e;
        if (e->section == f->defaults) fallback = e;
    }
    return fallback;
}

const char *kinesis_profile_get(const kinesis_profile_file *f, int32_t section, const char *key) {
    const kinesis_profile_entry *e = find_entry(f, section, key);
    return e && e->value && e->value[0] ? e->value : NULL;
}

const char *kinesis_profile_get_nested(const kinesis_profile_file *f, int32_t section,
                                       const char *key, const char *sub) {
    const kinesis_profile_entry *e = find_entry(f, section, key);
    if (!e || e->value || !sub) return NULL;
    int32_t parent = (int32_t)(e - f->entries);
    const char *v = NULL;
    for (size_t i = (size_t)parent + 1; i < f->entry_count && f->entries[i].parent == parent; i++)
        if (strcmp(f->entries[i].key, sub) == 0) v = f->entries[i].value; /* last one wins */
    return v && v[0] ? v : NULL;
}

/* ---- environment and paths ---- */

const char *kinesis_env(const char *name) {
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

bool kinesis_config_bool(const char *value) {
    return value && kinesis_strcasecmp_ascii(value, "true") == 0;
}

const char *kinesis_profile_name(const char *explicit_name) {
    if (explicit_name) return explicit_name;
    const char *env = kinesis_env("AWS_PROFILE");
    return env ? env : "default";
}

static kinesis_status file_path(const char *env_name, const char *default_rel,
                                const kinesis_allocator *a, char **out, kinesis_error *err) {
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no output");
    *out = NULL;
    const char *env = kinesis_env(env_name);
    const char *home = kinesis_env("HOME");
    kinesis_buf b;
    kinesis_buf_init(&b, a);
    if (env) {
        /* os.path.expanduser: "~" or "~/..." becomes HOME */
        if (home && env[0] == '~' && (env[1] == '\0' || env[1] == '/')) {
            kinesis_buf_append_str(&b, home);
            kinesis_buf_append_str(&b, env + 1);
        } else {
            kinesis_buf_append_str(&b, env);
        }
    } else if (home) {
        kinesis_buf_append_str(&b, home);
        if (b.len == 0 || b.data[b.len - 1] != '/') kinesis_buf_append_char(&b, '/');
        kinesis_buf_append_str(&b, default_rel);
    } else {
        return KINESIS_OK;
    }
    *out = kinesis_buf_detach(&b, NULL);
    if (!*out) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    return KINESIS_OK;
}

kinesis_status kinesis_profile_config_path(const kinesis_allocator *a, char **out,
                                           kinesis_error *err) {
    return file_path("AWS_CONFIG_FILE", ".aws/config", a, out, err);
}

kinesis_status kinesis_profile_credentials_path(const kinesis_allocator *a, char **out,
                                                kinesis_error *err) {
    return file_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", a, out, err);
}

kinesis_status kinesis_profile_load_config(const char *profile, const kinesis_allocator *a,
                                           kinesis_profile_file *file, int32_t *section,
                                           kinesis_error *err) {
    *section = -1;
    init_empty(file, a);
    file->missing = true;
    char *path = NULL;
    kinesis_status st = kinesis_profile_config_path(a, &path, err);
    if (st != KINESIS_OK) return st;
    st = kinesis_profile_load(path, a, file, err);
    kinesis_mem_free(a, path);
    if (st != KINESIS_OK) return st;
    *section =
        kinesis_profile_find(file, KINESIS_PROFILE_CONFIG_FILE, kinesis_profile_name(profile));
    return KINESIS_OK;
}

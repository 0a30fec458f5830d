/* kinesis aggregate / deaggregate: JSON lines in, JSON lines out, through the aggregation codec.
 * Offline unless --stream-name is given (then ListShards decides the grouping). */
#define _POSIX_C_SOURCE 200809L /* getline */

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* ---- small helpers ---- */

static const char *json_str(yajl_val obj, const char *key) {
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : NULL;
}

static int json_has(yajl_val obj, const char *key) {
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_any);
    return v && !YAJL_IS_NULL(v);
}

typedef struct bytes {
    uint8_t *p;
    size_t len, cap;
} bytes;

static int bytes_reserve(bytes *b, size_t n) {
    if (n <= b->cap) return 0;
    uint8_t *np = realloc(b->p, n);
    if (!np) return -1;
    b->p = np;
    b->cap = n;
    return 0;
}

/* Base64-decode `s` into b (grown as needed). */
static kinesis_status b64_decode(const char *s, bytes *b) {
    size_t n = strlen(s);
    if (bytes_reserve(b, KINESIS_BASE64_DECODED_MAX(n) + 1)) return KINESIS_E_NO_MEMORY;
    return kinesis_base64_decode(s, n, b->p, b->cap, &b->len);
}

/* Valid UTF-8 as is; else each bad byte replaced by U+FFFD (as Java decodes it), into out. */
static const char *utf8_sanitized(const char *s, size_t n, bytes *out, size_t *out_len) {
    size_t i = 0;
    int bad = 0;
    while (i < n && !bad) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80                   ? 1
                   : (c >= 0xC2 && c <= 0xDF) ? 2
                   : (c >= 0xE0 && c <= 0xEF) ? 3
                   : (c >= 0xF0 && c <= 0xF4) ? 4
                                              : 0;
        if (k == 0 || i + k > n) {
            bad = 1;
            break;
        }
        for (size_t j = 1; j < k; j++)
            if (((unsigned char)s[i + j] & 0xC0) != 0x80) bad = 1;
        if (k == 3 && ((c == 0xE0 && (unsigned char)s[i + 1] < 0xA0) ||
                       (c == 0xED && (unsigned char)s[i + 1] >= 0xA0)))
            bad = 1;
        if (k == 4 && ((c == 0xF0 && (unsigned char)s[i + 1] < 0x90) ||
                       (c == 0xF4 && (unsigned char)s[i + 1] >= 0x90)))
            bad = 1;
        i += k;
    }
    if (!bad) {
        *out_len = n;
        return s;
    }
    if (bytes_reserve(out, 3 * n + 1)) return NULL;
    size_t o = 0;
    for (i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80                   ? 1
                   : (c >= 0xC2 && c <= 0xDF) ? 2
                   : (c >= 0xE0 && c <= 0xEF) ? 3
                   : (c >= 0xF0 && c <= 0xF4) ? 4
                                              : 0;
        int ok = k != 0 && i + k <= n;
        for (size_t j = 1; ok && j < k; j++)
            if (((unsigned char)s[i + j] & 0xC0) != 0x80) ok = 0;
        if (ok && k == 3 &&
            ((c == 0xE0 && (unsigned char)s[i + 1] < 0xA0) ||
             (c == 0xED && (unsigned char)s[i + 1] >= 0xA0)))
            ok = 0;
        if (ok && k == 4 &&
            ((c == 0xF0 && (unsigned char)s[i + 1] < 0x90) ||
             (c == 0xF4 && (unsigned char)s[i + 1] >= 0x90)))
            ok = 0;
        if (ok) {
            memcpy(out->p + o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out->p + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    *out_len = o;
    return (const char *)out->p;
}

/* One JSON line on stdout. */
typedef struct line_out {
    yajl_gen g;
    bytes b64;
    bytes utf8;
} line_out;

static void gen_key(yajl_gen g, const char *k) {
    yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void gen_str(yajl_gen g, const char *s, size_t n) {
    yajl_gen_string(g, (const unsigned char *)s, n);
}

static int gen_data(line_out *lo, const uint8_t *d, size_t n) {
    if (bytes_reserve(&lo->b64, KINESIS_BASE64_ENCODED_LEN(n) + 1)) return -1;
    size_t len = 0;
    kinesis_base64_encode(d, n, (char *)lo->b64.p, lo->b64.cap, &len);
    gen_key(lo->g, "Data");
    gen_str(lo->g, (const char *)lo->b64.p, len);
    return 0;
}

static int flush_line(line_out *lo) {
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(lo->g, &buf, &len);
    int rc = fwrite(buf, 1, len, stdout) == len && fputc('\n', stdout) != EOF ? 0 : -1;
    yajl_gen_clear(lo->g);
    yajl_gen_reset(lo->g, NULL);
    return rc;
}

static int line_out_init(line_out *lo) {
    memset(lo, 0, sizeof(*lo));
    lo->g = yajl_gen_alloc(NULL);
    return lo->g ? 0 : -1;
}

static void line_out_free(line_out *lo) {
    if (lo->g) yajl_gen_free(lo->g);
    free(lo->b64.p);
    free(lo->utf8.p);
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-' || v < min || v > max) return -1;
    *out = (uint32_t)v;
    return 0;
}

/* floor(i * 2^128 / n) for i < n: long division of i:0:0:0:0 (32-bit limbs) by n. */
static kinesis_hash_key even_split_start(uint32_t i, uint32_t n) {
    uint32_t limbs[5] = {i, 0, 0, 0, 0}, q[5];
    uint64_t rem = 0;
    for (int k = 0; k < 5; k++) {
        uint64_t cur = (rem << 32) | limbs[k];
        q[k] = (uint32_t)(cur / n);
        rem = cur % n;
    }
    kinesis_hash_key key = {((uint64_t)q[1] << 32) | q[2], ((uint64_t)q[3] << 32) | q[4]};
    return key;
}

/* ---- aggregate ---- */

typedef struct group {
    kinesis_agg_encoder enc;
    int used;
} group;

static int emit(line_out *lo, const kinesis_agg_output *o) {
    yajl_gen_map_open(lo->g);
    gen_key(lo->g, "PartitionKey");
    gen_str(lo->g, o->partition_key, o->partition_key_len);
    if (o->explicit_hash_key) {
        gen_key(lo->g, "ExplicitHashKey");
        gen_str(lo->g, o->explicit_hash_key, o->explicit_hash_key_len);
    }
    if (gen_data(lo, o->data, o->data_len)) return -1;
    yajl_gen_map_close(lo->g);
    return flush_line(lo);
}

static int finish_group(line_out *lo, group *gr) {
    if (!gr->used || kinesis_agg_encoder_count(&gr->enc) == 0) return 0;
    kinesis_agg_output o;
    kinesis_status st = kinesis_agg_encoder_finish(&gr->enc, &o);
    if (st != KINESIS_OK) {
        cli_print_error("aggregate", st, NULL);
        return -1;
    }
    return emit(lo, &o);
}

static void agg_usage(FILE *f) {
    fputs(
        "usage: kinesis aggregate [--shard-count N | --stream-name NAME] [--max-record-bytes B]\n"
        "                         [--always-aggregate]\n"
        "Reads JSON lines {\"PartitionKey\", \"ExplicitHashKey\"?, \"Data\" (base64)} on stdin "
        "and\n"
        "writes one JSON line per Kinesis record to put: KPL aggregates of the records predicted\n"
        "for the same shard (outer key \"a\"), or a lone record as itself.\n",
        f);
}

int cli_cmd_aggregate(const cli_globals *g, int argc, char **argv) {
    cli_option opts[] = {{"--shard-count", 1, NULL},
                         {"--stream-name", 1, NULL},
                         {"--max-record-bytes", 1, NULL},
                         {"--always-aggregate", 0, NULL},
                         {"--help", 0, NULL}};
    const size_t nopt = sizeof(opts) / sizeof(opts[0]);
    if (cli_parse_options("aggregate", argc, argv, opts, nopt)) return CLI_EXIT_USAGE;
    if (cli_opt(opts, nopt, "--help")) {
        agg_usage(stdout);
        return CLI_EXIT_OK;
    }
    const char *sc = cli_opt(opts, nopt, "--shard-count");
    const char *stream = cli_opt(opts, nopt, "--stream-name");
    const char *mrb = cli_opt(opts, nopt, "--max-record-bytes");
    if (sc && stream) {
        fputs("kinesis aggregate: error: --shard-count and --stream-name exclude each other\n",
              stderr);
        return CLI_EXIT_USAGE;
    }
    kinesis_agg_encoder_options eo = {0};
    eo.always_aggregate = cli_opt(opts, nopt, "--always-aggregate") != NULL;
    if (mrb && parse_u32(mrb, 64, KINESIS_AGG_MAX_RECORD_BYTES_LIMIT, &eo.max_record_bytes)) {
        fprintf(stderr, "kinesis aggregate: error: --max-record-bytes must be 64..%u\n",
                (unsigned)KINESIS_AGG_MAX_RECORD_BYTES_LIMIT);
        return CLI_EXIT_USAGE;
    }
    kinesis_shard_map_entry *map = NULL;
    size_t nshards = 1;
    int fetched = 0;
    if (stream) {
        int rc = cli_fetch_shard_map(g, stream, &map, &nshards);
        if (rc) return rc;
        fetched = 1;
        if (nshards == 0) {
            fprintf(stderr, "kinesis aggregate: error: stream %s has no open shards\n", stream);
            cli_shard_map_free(map, nshards);
            return CLI_EXIT_OTHER;
        }
    } else {
        uint32_t n = 1;
        if (sc && parse_u32(sc, 1, 1000000, &n)) {
            fputs("kinesis aggregate: error: --shard-count must be 1..1000000\n", stderr);
            return CLI_EXIT_USAGE;
        }
        nshards = n;
        map = calloc(nshards, sizeof(*map));
        if (!map) return CLI_EXIT_OTHER;
        for (uint32_t i = 0; i < n; i++) {
            map[i].start = even_split_start(i, n);
            map[i].end = (kinesis_hash_key){UINT64_MAX, UINT64_MAX};
            if (i > 0) {
                kinesis_hash_key e = map[i].start;
                if (e.lo-- == 0) e.hi--;
                map[i - 1].end = e;
            }
            map[i].shard_id = NULL;
        }
    }
    group *groups = calloc(nshards, sizeof(*groups));
    line_out lo;
    int rc = CLI_EXIT_OK;
    if (!groups || line_out_init(&lo)) {
        free(groups);
        if (fetched)
            cli_shard_map_free(map, nshards);
        else
            free(map);
        return CLI_EXIT_OTHER;
    }
    bytes data = {0};
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    while (rc == CLI_EXIT_OK && (got = getline(&line, &line_cap, stdin)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n == 0) continue;
        char err[256];
        yajl_val v = yajl_tree_parse(line, err, sizeof(err));
        const char *pk = v ? json_str(v, "PartitionKey") : NULL;
        const char *ehk = v ? json_str(v, "ExplicitHashKey") : NULL;
        const char *d64 = v ? json_str(v, "Data") : NULL;
        if (!v || !YAJL_IS_OBJECT(v) || !pk || !d64 || (json_has(v, "ExplicitHashKey") && !ehk)) {
            fprintf(stderr,
                    "kinesis aggregate: error: line %lu: expected {\"PartitionKey\": string, "
                    "\"ExplicitHashKey\"?: string, \"Data\": base64 string}\n",
                    lineno);
            rc = CLI_EXIT_USAGE;
            if (v) yajl_tree_free(v);
            break;
        }
        kinesis_status st = b64_decode(d64, &data);
        kinesis_agg_record r = {pk, strlen(pk), ehk, ehk ? strlen(ehk) : 0, data.p, data.len};
        kinesis_hash_key key = {0, 0};
        if (st == KINESIS_OK) st = kinesis_agg_effective_hash_key(NULL, &r, &key);
        const kinesis_shard_map_entry *e = NULL;
        if (st == KINESIS_OK) {
            e = kinesis_shard_map_lookup(map, nshards, key);
            if (!e) st = KINESIS_E_AGG_OUT_OF_RANGE;
        }
        if (st == KINESIS_OK) {
            group *gr = &groups[e - map];
            if (!gr->used) {
                st = kinesis_agg_encoder_init(&gr->enc, &eo, NULL);
                gr->used = st == KINESIS_OK;
            }
            if (st == KINESIS_OK) st = kinesis_agg_encoder_add(&gr->enc, &r);
            if (st == KINESIS_E_AGG_FULL) {
                if (finish_group(&lo, gr)) {
                    rc = CLI_EXIT_OTHER;
                } else {
                    st = kinesis_agg_encoder_add(&gr->enc, &r);
                }
            }
        }
        if (rc == CLI_EXIT_OK && st != KINESIS_OK) {
            fprintf(stderr, "kinesis aggregate: error: line %lu: %s (%s)\n", lineno,
                    kinesis_status_str(st), kinesis_status_name(st));
            rc = st == KINESIS_E_NO_MEMORY ? CLI_EXIT_OTHER : CLI_EXIT_USAGE;
        }
        yajl_tree_free(v);
    }
    for (size_t i = 0; i < nshards; i++) {
        if (rc == CLI_EXIT_OK && finish_group(&lo, &groups[i])) rc = CLI_EXIT_OTHER;
        if (groups[i].used) kinesis_agg_encoder_clean_up(&groups[i].enc);
    }
    if (rc == CLI_EXIT_OK && fflush(stdout) != 0) rc = CLI_EXIT_OTHER;
    free(line);
    free(data.p);
    free(groups);
    line_out_free(&lo);
    if (fetched)
        cli_shard_map_free(map, nshards);
    else
        free(map);
    return rc;
}

/* ---- deaggregate ---- */

static int parse_range(const char *s, kinesis_hash_key *a, kinesis_hash_key *b) {
    const char *colon = strchr(s, ':');
    if (!colon) return -1;
    if (kinesis_hash_key_parse(s, (size_t)(colon - s), a) != KINESIS_OK) return -1;
    if (kinesis_hash_key_parse(colon + 1, strlen(colon + 1), b) != KINESIS_OK) return -1;
    return kinesis_hash_key_compare(*a, *b) <= 0 ? 0 : -1;
}

static void deagg_usage(FILE *f) {
    fputs("usage: kinesis deaggregate [--strict] [--hash-range START:END]\n"
          "Reads JSON lines of records as GetRecords returns them ({\"Data\" (base64),\n"
          "\"PartitionKey\"?, \"SequenceNumber\"?, \"ExplicitHashKey\"?}) and writes one JSON line "
          "per\n"
          "user record, as the KCL delivers them. --hash-range: the shard's inclusive hash key\n"
          "range; an aggregate with a member outside it is dropped (reported on stderr).\n"
          "--strict: a corrupt aggregate is an error instead of being passed through as one\n"
          "record (records without the aggregation magic still pass as they are).\n",
          f);
}

static int emit_user(line_out *lo, const kinesis_agg_user_record *u, const char *outer_pk,
                     const char *outer_ehk, const char *seq) {
    yajl_gen_map_open(lo->g);
    if (u->aggregated) {
        size_t n;
        const char *pk = utf8_sanitized(u->partition_key, u->partition_key_len, &lo->utf8, &n);
        if (!pk) return -1;
        gen_key(lo->g, "PartitionKey");
        gen_str(lo->g, pk, n);
        if (u->explicit_hash_key) {
            /* pk is already copied into the generator, so its buffer can be reused */
            const char *e =
                utf8_sanitized(u->explicit_hash_key, u->explicit_hash_key_len, &lo->utf8, &n);
            if (!e) return -1;
            gen_key(lo->g, "ExplicitHashKey");
            gen_str(lo->g, e, n);
        }
    } else {
        /* A non-aggregated record is delivered as it is. */
        if (outer_pk) {
            gen_key(lo->g, "PartitionKey");
            gen_str(lo->g, outer_pk, strlen(outer_pk));
        }
        if (outer_ehk) {
            gen_key(lo->g, "ExplicitHashKey");
            gen_str(lo->g, outer_ehk, strlen(outer_ehk));
        }
    }
    gen_key(lo->g, "SubSequenceNumber");
    yajl_gen_integer(lo->g, (long long)u->sub_sequence_number);
    if (seq) {
        gen_key(lo->g, "SequenceNumber");
        gen_str(lo->g, seq, strlen(seq));
    }
    if (gen_data(lo, u->data, u->data_len)) return -1;
    yajl_gen_map_close(lo->g);
    return flush_line(lo);
}

int cli_cmd_deaggregate(const cli_globals *g, int argc, char **argv) {
    (void)g;
    cli_option opts[] = {{"--strict", 0, NULL}, {"--hash-range", 1, NULL}, {"--help", 0, NULL}};
    const size_t nopt = sizeof(opts) / sizeof(opts[0]);
    if (cli_parse_options("deaggregate", argc, argv, opts, nopt)) return CLI_EXIT_USAGE;
    if (cli_opt(opts, nopt, "--help")) {
        deagg_usage(stdout);
        return CLI_EXIT_OK;
    }
    kinesis_agg_decode_options dopt = {0};
    dopt.mode =
        cli_opt(opts, nopt, "--strict") ? KINESIS_AGG_DECODE_STRICT : KINESIS_AGG_DECODE_KCL;
    const char *range = cli_opt(opts, nopt, "--hash-range");
    if (range) {
        if (parse_range(range, &dopt.range_start, &dopt.range_end)) {
            fputs("kinesis deaggregate: error: --hash-range must be START:END, decimals in "
                  "[0, 2^128) with START <= END\n",
                  stderr);
            return CLI_EXIT_USAGE;
        }
        dopt.has_range = 1;
    }
    line_out lo;
    if (line_out_init(&lo)) return CLI_EXIT_OTHER;
    bytes data = {0};
    uint32_t *scratch = NULL;
    size_t scratch_n = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    int rc = CLI_EXIT_OK, corrupt = 0;
    while (rc == CLI_EXIT_OK && (got = getline(&line, &line_cap, stdin)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n == 0) continue;
        char err[256];
        yajl_val v = yajl_tree_parse(line, err, sizeof(err));
        const char *d64 = v ? json_str(v, "Data") : NULL;
        if (!v || !YAJL_IS_OBJECT(v) || !d64) {
            fprintf(stderr,
                    "kinesis deaggregate: error: line %lu: expected {\"Data\": base64 string, "
                    "\"PartitionKey\"?, \"SequenceNumber\"?}\n",
                    lineno);
            if (v) yajl_tree_free(v);
            rc = CLI_EXIT_USAGE;
            break;
        }
        const char *pk = json_str(v, "PartitionKey");
        const char *seq = json_str(v, "SequenceNumber");
        const char *ehk = json_str(v, "ExplicitHashKey");
        kinesis_status st = b64_decode(d64, &data);
        if (st != KINESIS_OK) {
            fprintf(stderr, "kinesis deaggregate: error: line %lu: Data: %s\n", lineno,
                    kinesis_status_str(st));
            yajl_tree_free(v);
            rc = CLI_EXIT_USAGE;
            break;
        }
        kinesis_agg_decoder d;
        st = kinesis_agg_decoder_init(&d, data.p, data.len, &dopt);
        if (st == KINESIS_E_BUFFER_TOO_SMALL) {
            size_t need = kinesis_agg_decoder_scratch_needed(&d);
            uint32_t *ns = realloc(scratch, need * sizeof(*ns));
            if (!ns) {
                rc = CLI_EXIT_OTHER;
            } else {
                scratch = ns;
                scratch_n = need;
                dopt.scratch = scratch;
                dopt.scratch_count = scratch_n;
                st = kinesis_agg_decoder_init(&d, data.p, data.len, &dopt);
            }
        }
        kinesis_agg_user_record u;
        if (rc != CLI_EXIT_OK) {
            /* out of memory */
        } else if (st == KINESIS_E_AGG_BAD_MAGIC) {
            /* Strict mode too: a record without the magic is an ordinary record. */
            memset(&u, 0, sizeof(u));
            u.data = data.p;
            u.data_len = data.len;
            if (emit_user(&lo, &u, pk, ehk, seq)) rc = CLI_EXIT_OTHER;
        } else if (st != KINESIS_OK) {
            fprintf(stderr, "kinesis deaggregate: error: line %lu%s%s: %s (%s)\n", lineno,
                    seq ? ", SequenceNumber " : "", seq ? seq : "", kinesis_status_str(st),
                    kinesis_status_name(st));
            corrupt = 1;
        } else {
            kinesis_agg_outcome oc = kinesis_agg_decoder_outcome(&d);
            if (oc == KINESIS_AGG_DROPPED || oc == KINESIS_AGG_PARTIAL) {
                fprintf(stderr,
                        "kinesis deaggregate: warning: line %lu%s%s: %s at user record %llu; %s\n",
                        lineno, seq ? ", SequenceNumber " : "", seq ? seq : "",
                        kinesis_status_str(kinesis_agg_decoder_reason(&d)),
                        (unsigned long long)kinesis_agg_decoder_error_record(&d),
                        oc == KINESIS_AGG_DROPPED ? "whole aggregate dropped (as the KCL does)"
                                                  : "later records dropped (as the KCL does)");
            }
            while (rc == CLI_EXIT_OK && kinesis_agg_decoder_next(&d, &u))
                if (emit_user(&lo, &u, pk, ehk, seq)) rc = CLI_EXIT_OTHER;
        }
        yajl_tree_free(v);
    }
    if (rc == CLI_EXIT_OK && fflush(stdout) != 0) rc = CLI_EXIT_OTHER;
    free(line);
    free(data.p);
    free(scratch);
    line_out_free(&lo);
    if (rc == CLI_EXIT_OK && corrupt) rc = CLI_EXIT_OTHER;
    return rc;
}

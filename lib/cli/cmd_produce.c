/* kinesis produce: stdin lines -> the producer (batching, aggregation, retries) -> a stream.
 * Prints progress on stderr when it is a terminal and a JSON summary on stdout at the end. */
#define _POSIX_C_SOURCE 200809L /* getline, isatty */

#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

typedef struct produce_state {
    uint64_t ok, failed, attempts_over_one, bytes;
    unsigned long failed_printed;
} produce_state;

static void on_report(void *user, const kinesis_delivery_report *r) {
    produce_state *s = user;
    if (r->attempts > 1) s->attempts_over_one += r->attempts - 1;
    if (r->status == KINESIS_OK) {
        s->ok++;
        return;
    }
    s->failed++;
    /* Failed records are handed back: print them (as PutRecords entries) for dead-lettering. */
    if (s->failed_printed++ < 100) {
        size_t n = KINESIS_BASE64_ENCODED_LEN(r->data_len) + 1;
        char *b64 = malloc(n);
        size_t w = 0;
        if (b64 && kinesis_base64_encode(r->data, r->data_len, b64, n, &w) == KINESIS_OK) {
            b64[w] = 0;
            fprintf(stderr,
                    "kinesis produce: record failed: %s (%s) %s: {\"PartitionKey\":\"%s\","
                    "\"Data\":\"%s\"}\n",
                    kinesis_status_name(r->status), r->error_code, r->error_message,
                    r->partition_key, b64);
        }
        free(b64);
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Base64-decode into a growing buffer. */
static kinesis_status b64_decode(const char *s, uint8_t **buf, size_t *cap, size_t *len) {
    size_t n = strlen(s);
    size_t need = KINESIS_BASE64_DECODED_MAX(n) + 1;
    if (need > *cap) {
        uint8_t *nb = realloc(*buf, need);
        if (!nb) return KINESIS_E_NO_MEMORY;
        *buf = nb;
        *cap = need;
    }
    return kinesis_base64_decode(s, n, *buf, *cap, len);
}

static const char *json_str(yajl_val obj, const char *key) {
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : NULL;
}

static void print_usage(FILE *f) {
    fputs("usage: kinesis produce --stream-name S [--format text|json] [--partition-key K]\n"
          "         [--no-aggregate] [--linger-ms N] [--max-buffer-bytes N]\n"
          "         [--option NAME=VALUE]... [--progress|--no-progress]\n"
          "       kinesis produce --list-options\n"
          "Reads stdin, one record per line. text: the line is the data, the key is\n"
          "--partition-key or random per record. json: lines like PutRecords entries\n"
          "({\"PartitionKey\":..., \"ExplicitHashKey\":..., \"Data\":\"<base64>\"}).\n"
          "Prints a JSON summary; exits 254 if any record failed (each failed record is\n"
          "printed on stderr with its data), 252 on bad usage or input.\n",
          f);
}

int cli_cmd_produce(const cli_globals *g, int argc, char **argv) {
    kinesis_producer_options po;
    kinesis_producer_options_init(&po);
    const char *stream = NULL, *format = "text", *fixed_key = NULL;
    int progress = isatty(STDERR_FILENO);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        size_t nl = eq && strncmp(a, "--", 2) == 0 ? (size_t)(eq - a) : strlen(a);
        const char *val = eq && strncmp(a, "--", 2) == 0 ? eq + 1 : NULL;
#define IS(name) (strlen(name) == nl && strncmp(a, name, nl) == 0)
#define VALUE()                                                                                    \
    do {                                                                                           \
        if (!val) {                                                                                \
            if (i + 1 >= argc) {                                                                   \
                fprintf(stderr, "kinesis produce: error: %s needs a value\n", a);                  \
                return CLI_EXIT_USAGE;                                                             \
            }                                                                                      \
            val = argv[++i];                                                                       \
        }                                                                                          \
    } while (0)
        if (IS("--list-options")) {
            char *md = NULL;
            if (kinesis_producer_options_markdown(&md, NULL) != KINESIS_OK) return CLI_EXIT_OTHER;
            fputs(md, stdout);
            kinesis_free(NULL, md);
            return CLI_EXIT_OK;
        } else if (IS("--help") || IS("help")) {
            print_usage(stdout);
            return CLI_EXIT_OK;
        } else if (IS("--no-aggregate")) {
            po.aggregation = 0;
        } else if (IS("--progress")) {
            progress = 1;
        } else if (IS("--no-progress")) {
            progress = 0;
        } else if (IS("--stream-name")) {
            VALUE();
            stream = val;
        } else if (IS("--format")) {
            VALUE();
            format = val;
        } else if (IS("--partition-key")) {
            VALUE();
            fixed_key = val;
        } else if (IS("--linger-ms") || IS("--max-buffer-bytes") || IS("--option")) {
            int is_opt = IS("--option");
            const char *name = IS("--linger-ms") ? "linger_ms" : "max_buffer_bytes";
            VALUE();
            char buf[128];
            if (is_opt) {
                const char *e = strchr(val, '=');
                if (!e || (size_t)(e - val) >= sizeof(buf)) {
                    fprintf(stderr, "kinesis produce: error: --option takes NAME=VALUE\n");
                    return CLI_EXIT_USAGE;
                }
                memcpy(buf, val, (size_t)(e - val));
                buf[e - val] = 0;
                name = buf;
                val = e + 1;
            }
            kinesis_error err;
            if (kinesis_producer_options_set(&po, name, val, &err) != KINESIS_OK) {
                fprintf(stderr, "kinesis produce: error: %s\n", err.message);
                return CLI_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "kinesis produce: error: unknown option %s\n", a);
            print_usage(stderr);
            return CLI_EXIT_USAGE;
        }
#undef IS
#undef VALUE
    }
    int json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "text") != 0) {
        fprintf(stderr, "kinesis produce: error: --format must be text or json\n");
        return CLI_EXIT_USAGE;
    }
    if (!stream) {
        fprintf(stderr, "kinesis produce: error: --stream-name is required\n");
        return CLI_EXIT_USAGE;
    }
    kinesis_client *client;
    int rc = cli_client_new(g, &client);
    if (rc) return rc;
    produce_state st;
    memset(&st, 0, sizeof(st));
    po.dr_cb = on_report;
    po.dr_user = &st;
    kinesis_producer *p;
    kinesis_error err;
    if (kinesis_producer_new(client, &po, &p, &err) != KINESIS_OK) {
        fprintf(stderr, "kinesis produce: error: %s\n", err.message);
        kinesis_client_destroy(client);
        return CLI_EXIT_USAGE;
    }
    double t0 = now_s(), last_progress = t0;
    uint64_t records = 0, rng = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL | 1;
    char *line = NULL;
    size_t line_cap = 0;
    uint8_t *data = NULL;
    size_t data_cap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    rc = CLI_EXIT_OK;
    while ((got = getline(&line, &line_cap, stdin)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        if (n && line[n - 1] == '\n') line[--n] = 0;
        if (json && n && line[n - 1] == '\r') line[--n] = 0;
        kinesis_producer_record rec;
        memset(&rec, 0, sizeof(rec));
        rec.stream = stream;
        char key[40];
        yajl_val v = NULL;
        if (json) {
            if (n == 0) continue;
            char perr[256];
            v = yajl_tree_parse(line, perr, sizeof(perr));
            const char *pk = v ? json_str(v, "PartitionKey") : NULL;
            const char *d = v ? json_str(v, "Data") : NULL;
            size_t dl = 0;
            if (!pk || !d || b64_decode(d, &data, &data_cap, &dl) != KINESIS_OK) {
                fprintf(stderr,
                        "kinesis produce: error: line %lu: need a JSON object with PartitionKey "
                        "and Data (base64)\n",
                        lineno);
                yajl_tree_free(v);
                rc = CLI_EXIT_USAGE;
                break;
            }
            rec.partition_key = pk;
            rec.explicit_hash_key = json_str(v, "ExplicitHashKey");
            rec.data = data;
            rec.data_len = dl;
        } else {
            if (fixed_key) {
                rec.partition_key = fixed_key;
            } else {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                snprintf(key, sizeof(key), "%016llx", (unsigned long long)rng);
                rec.partition_key = key;
            }
            rec.data = (const uint8_t *)line;
            rec.data_len = n;
        }
        kinesis_status ps;
        while ((ps = kinesis_producer_put(p, &rec, &err)) == KINESIS_E_QUEUE_FULL)
            kinesis_producer_poll(p, 50);
        if (ps == KINESIS_OK) {
            records++;
            st.bytes += rec.data_len;
        }
        yajl_tree_free(v);
        if (ps != KINESIS_OK) {
            fprintf(stderr, "kinesis produce: error: line %lu: %s\n", lineno, err.message);
            rc = CLI_EXIT_USAGE;
            break;
        }
        kinesis_producer_poll(p, 0);
        if (progress) {
            double t = now_s();
            if (t - last_progress >= 0.5) {
                last_progress = t;
                fprintf(stderr, "\r%llu records read, %llu delivered, %llu failed",
                        (unsigned long long)records, (unsigned long long)st.ok,
                        (unsigned long long)st.failed);
            }
        }
    }
    free(line);
    free(data);
    kinesis_producer_close(p, UINT32_MAX);
    double elapsed = now_s() - t0;
    char *stats = NULL;
    size_t stats_len = 0;
    kinesis_producer_stats_json(p, &stats, &stats_len);
    if (progress) fputc('\n', stderr);
    printf("{\"Records\":%llu,\"Bytes\":%llu,\"Delivered\":%llu,\"Failed\":%llu,\"Retries\":%llu,"
           "\"ElapsedSeconds\":%.3f,\"RecordsPerSecond\":%.1f,\"Producer\":%s}\n",
           (unsigned long long)records, (unsigned long long)st.bytes, (unsigned long long)st.ok,
           (unsigned long long)st.failed, (unsigned long long)st.attempts_over_one, elapsed,
           elapsed > 0 ? (double)records / elapsed : 0.0, stats ? stats : "null");
    kinesis_free(kinesis_client_allocator(client), stats);
    kinesis_producer_destroy(p);
    kinesis_client_destroy(client);
    if (rc == CLI_EXIT_OK && st.failed) rc = CLI_EXIT_SERVICE;
    return rc;
}

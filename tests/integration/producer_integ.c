/* Producer integration test against a real local server, directly or through
 * tests/harness/fault_proxy.py (started by producer_fault.py, which sets PRODUCER_PROXY_ENDPOINT
 * and PRODUCER_PROXY_LOG).
 *
 *   producer_integ <server> basic             clean run, aggregated and not, exact read-back
 *   producer_integ <server> faults [N]        N records (default 100000) through injected faults
 *   producer_integ <server> reshard           a SplitShard during production
 *   producer_integ <server> stall             memory stays bounded while the server stalls
 *   producer_integ <server> readback S FILE   stream S holds exactly the lines of FILE
 *
 * Checks after each run: every user record reported exactly once and stored; a record stored more
 * than once only if it was in a request whose response was lost (from the proxy's log); every
 * stored aggregate within the record limit and on the shard its members' keys map to. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"
#include "kinesis/kinesis.h"

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static const char *server_env(const char *server) {
    if (strcmp(server, "kinesalite") == 0) return getenv("KINESIS_TEST_KINESALITE_ENDPOINT");
    if (strcmp(server, "kinesis-local") == 0) return getenv("KINESIS_TEST_KINESIS_LOCAL_ENDPOINT");
    if (strcmp(server, "moto") == 0) return getenv("KINESIS_TEST_MOTO_ENDPOINT");
    return NULL;
}

static kinesis_client *make_client(const char *endpoint, uint32_t timeout_ms, uint32_t attempts) {
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.endpoint_url = endpoint;
    o.region = "us-east-1";
    if (timeout_ms) o.request_timeout_ms = timeout_ms;
    o.retry.max_attempts = attempts;
    kinesis_client *c = NULL;
    kinesis_error err;
    kinesis_status st = kinesis_client_new(&o, &c, &err);
    CHECK(st == KINESIS_OK, "client: %s", err.message);
    return c;
}

static void create_stream(kinesis_client *c, const char *name, uint32_t shards) {
    kinesis_create_stream_request req = {name, shards, KINESIS_STREAM_MODE_PROVISIONED};
    kinesis_error err;
    kinesis_status st = kinesis_create_stream(c, &req, &err);
    CHECK(st == KINESIS_OK, "CreateStream: %s", err.message);
    st = kinesis_wait_stream_active(c, name, 60000, 100, &err);
    CHECK(st == KINESIS_OK, "wait: %s", err.message);
}

/* ---- records: "id-<n>-" padded to 100 bytes ---- */

#define REC_LEN 100

static size_t make_data(long id, char *out) {
    int n = snprintf(out, REC_LEN + 1, "id-%07ld-", id);
    for (int i = n; i < REC_LEN; i++) out[i] = (char)('a' + (id + i) % 26);
    out[REC_LEN] = 0;
    return REC_LEN;
}

static long parse_id(const uint8_t *d, size_t n) {
    if (n < 11 || memcmp(d, "id-", 3) != 0) return -1;
    long v = 0;
    for (int i = 3; i < 10; i++) {
        if (d[i] < '0' || d[i] > '9') return -1;
        v = v * 10 + (d[i] - '0');
    }
    return v;
}

typedef struct run {
    long n;
    uint8_t *reports; /* per id */
    long ok, failed;
    uint32_t max_attempts;
    pthread_mutex_t mu;
} run;

static void on_report(void *user, const kinesis_delivery_report *r) {
    run *x = user;
    long id = (long)(intptr_t)r->opaque;
    if (x->reports[id] < 255) x->reports[id]++;
    if (r->status == KINESIS_OK) {
        x->ok++;
    } else {
        x->failed++;
        if (x->failed < 10)
            fprintf(stderr, "record %ld failed: %s %s %s\n", id, kinesis_status_name(r->status),
                    r->error_code, r->error_message);
    }
    if (r->attempts > x->max_attempts) x->max_attempts = r->attempts;
}

static void produce(kinesis_producer *p, const char *stream, long from, long to, uint64_t *rng) {
    char data[REC_LEN + 1], pk[32];
    for (long i = from; i < to; i++) {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        snprintf(pk, sizeof(pk), "pk-%016llx", (unsigned long long)*rng);
        size_t len = make_data(i, data);
        kinesis_producer_record rec = {
            stream, pk, NULL, (const uint8_t *)data, len, (void *)(intptr_t)i, 0};
        kinesis_error err;
        kinesis_status st;
        while ((st = kinesis_producer_put(p, &rec, &err)) == KINESIS_E_QUEUE_FULL)
            kinesis_producer_poll(p, 10);
        CHECK(st == KINESIS_OK, "put: %s", err.message);
        if ((i & 255) == 0) kinesis_producer_poll(p, 0);
    }
}

/* ---- read back ---- */

typedef struct readback {
    long n;
    uint16_t *copies;
    long kinesis_records, aggregates, dropped, out_of_limit;
    size_t max_record;
    /* readback-file mode: lines to match */
    char **lines;
    size_t nlines;
    uint8_t *matched;
    long unmatched;
} readback;

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void count_user(readback *rb, const uint8_t *d, size_t n) {
    if (rb->lines) {
        char *tmp = malloc(n + 1);
        memcpy(tmp, d, n);
        tmp[n] = 0;
        char **hit = bsearch(&tmp, rb->lines, rb->nlines, sizeof(char *), cmp_str);
        /* duplicates in the input: take the first unmatched equal line */
        if (hit) {
            while (hit > rb->lines && strcmp(hit[-1], tmp) == 0) hit--;
            while (hit < rb->lines + rb->nlines && strcmp(*hit, tmp) == 0 &&
                   rb->matched[hit - rb->lines])
                hit++;
            if (hit < rb->lines + rb->nlines && strcmp(*hit, tmp) == 0)
                rb->matched[hit - rb->lines] = 1;
            else
                rb->unmatched++;
        } else {
            rb->unmatched++;
        }
        free(tmp);
        return;
    }
    long id = parse_id(d, n);
    CHECK(id >= 0 && id < rb->n, "stored record is not ours (%zu bytes)", n);
    rb->copies[id]++;
}

static void read_stream(kinesis_client *c, const char *stream, readback *rb, uint32_t limit,
                        int strict) {
    kinesis_list_shards_request lr;
    memset(&lr, 0, sizeof(lr));
    lr.stream = stream;
    kinesis_list_shards_result shards;
    kinesis_error err;
    kinesis_status st = kinesis_list_shards(c, &lr, &shards, &err);
    CHECK(st == KINESIS_OK, "ListShards: %s", err.message);
    for (size_t s = 0; s < shards.shard_count; s++) {
        const kinesis_shard *sh = &shards.shards[s];
        kinesis_get_shard_iterator_request ir;
        memset(&ir, 0, sizeof(ir));
        ir.stream = stream;
        ir.shard_id = sh->shard_id;
        ir.type = KINESIS_ITERATOR_TRIM_HORIZON;
        kinesis_get_shard_iterator_result it;
        st = kinesis_get_shard_iterator(c, &ir, &it, &err);
        CHECK(st == KINESIS_OK, "GetShardIterator: %s", err.message);
        char iter[KINESIS_SHARD_ITERATOR_MAX];
        snprintf(iter, sizeof(iter), "%s", it.shard_iterator);
        int empty = 0;
        for (;;) {
            kinesis_get_records_request gr = {iter, 10000, NULL};
            kinesis_get_records_result res;
            st = kinesis_get_records(c, &gr, &res, &err);
            CHECK(st == KINESIS_OK, "GetRecords: %s", err.message);
            for (size_t i = 0; i < res.record_count; i++) {
                const kinesis_record *r = &res.records[i];
                rb->kinesis_records++;
                size_t size = r->data_len + strlen(r->partition_key);
                if (size > rb->max_record) rb->max_record = size;
                if (size > limit) rb->out_of_limit++;
                kinesis_agg_decode_options o;
                memset(&o, 0, sizeof(o));
                o.has_range = 1;
                o.range_start = sh->hash_start;
                o.range_end = sh->hash_end;
                size_t sn = KINESIS_AGG_DECODER_SCRATCH_COUNT(r->data_len);
                uint32_t *scratch = malloc(sn * sizeof(uint32_t));
                o.scratch = scratch;
                o.scratch_count = sn;
                kinesis_agg_decoder d;
                CHECK(kinesis_agg_decoder_init(&d, r->data, r->data_len, &o) == KINESIS_OK,
                      "decoder init");
                kinesis_agg_outcome oc = kinesis_agg_decoder_outcome(&d);
                if (oc == KINESIS_AGG_AGGREGATED) rb->aggregates++;
                if (oc == KINESIS_AGG_DROPPED || oc == KINESIS_AGG_PARTIAL) {
                    rb->dropped++;
                    CHECK(!strict, "aggregate on %s has a member outside the shard's range",
                          sh->shard_id);
                }
                kinesis_agg_user_record u;
                while (kinesis_agg_decoder_next(&d, &u)) count_user(rb, u.data, u.data_len);
                free(scratch);
            }
            int more = res.next_shard_iterator != NULL;
            if (more) snprintf(iter, sizeof(iter), "%s", res.next_shard_iterator);
            int got = res.record_count > 0;
            int64_t behind = res.millis_behind_latest;
            kinesis_get_records_result_clean_up(&res);
            if (!more) break;
            if (!got) {
                empty++;
                if (behind == 0 || empty >= 3) break;
            } else {
                empty = 0;
            }
        }
    }
    kinesis_list_shards_result_clean_up(&shards);
}

/* Records that were in a request whose response was lost may be stored twice. */
static uint8_t *lost_ids(const char *log, long n, long *lost_requests, long *lost_records) {
    uint8_t *may = calloc((size_t)n, 1);
    *lost_requests = *lost_records = 0;
    FILE *f = log ? fopen(log, "r") : NULL;
    if (!f) return may;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        kinesis_arena *a = kinesis_arena_new(NULL);
        kjson *doc = NULL;
        CHECK(kjson_parse(a, line, (size_t)got, &doc, NULL) == KINESIS_OK, "bad proxy log line");
        const kjson *recs = kjson_get_array(doc, "records");
        (*lost_requests)++;
        for (size_t i = 0; recs && i < recs->count; i++) {
            const char *b64 = recs->items[i]->str;
            size_t bl = strlen(b64), dl = 0;
            uint8_t *d = malloc(KINESIS_BASE64_DECODED_MAX(bl) + 1);
            CHECK(kinesis_base64_decode(b64, bl, d, KINESIS_BASE64_DECODED_MAX(bl) + 1, &dl) ==
                      KINESIS_OK,
                  "bad base64 in proxy log");
            size_t sn = KINESIS_AGG_DECODER_SCRATCH_COUNT(dl);
            uint32_t *scratch = malloc(sn * sizeof(uint32_t));
            kinesis_agg_decode_options o;
            memset(&o, 0, sizeof(o));
            o.scratch = scratch;
            o.scratch_count = sn;
            kinesis_agg_decoder dec;
            CHECK(kinesis_agg_decoder_init(&dec, d, dl, &o) == KINESIS_OK, "decode lost");
            kinesis_agg_user_record u;
            while (kinesis_agg_decoder_next(&dec, &u)) {
                long id = parse_id(u.data, u.data_len);
                if (id >= 0 && id < n) may[id] = 1;
                (*lost_records)++;
            }
            free(scratch);
            free(d);
        }
        kinesis_arena_destroy(a);
    }
    free(line);
    fclose(f);
    return may;
}

static char *stats_of(kinesis_producer *p, kinesis_client *c) {
    char *s = NULL;
    kinesis_producer_stats_json(p, &s, NULL);
    (void)c;
    return s;
}

/* One production run of ids [0, n) into `stream`, then the checks. */
static void run_and_check(const char *label, kinesis_client *direct, kinesis_client *via,
                          const char *stream, long n, kinesis_producer_options *po,
                          const char *lost_log, long split_at) {
    if (lost_log) {
        FILE *lf = fopen(lost_log, "w"); /* this run's lost responses only */
        if (lf) fclose(lf);
    }
    run x;
    memset(&x, 0, sizeof(x));
    x.n = n;
    x.reports = calloc((size_t)n, 1);
    po->dr_cb = on_report;
    po->dr_user = &x;
    kinesis_producer *p;
    kinesis_error err;
    CHECK(kinesis_producer_new(via, po, &p, &err) == KINESIS_OK, "producer: %s", err.message);
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    int64_t t0 = kinesis_now_mono_ms();
    if (split_at > 0) {
        produce(p, stream, 0, split_at, &rng);
        kinesis_producer_poll(p, 0);
        /* Split shard 0 at its midpoint while records keep coming. */
        kinesis_list_shards_request lr;
        memset(&lr, 0, sizeof(lr));
        lr.stream = stream;
        kinesis_list_shards_result sh;
        CHECK(kinesis_list_shards(direct, &lr, &sh, &err) == KINESIS_OK, "ListShards");
        kinesis_hash_key a = sh.shards[0].hash_start, b = sh.shards[0].hash_end;
        unsigned __int128 mid =
            ((((unsigned __int128)a.hi << 64) | a.lo) +
             ((((unsigned __int128)b.hi << 64) | b.lo) - (((unsigned __int128)a.hi << 64) | a.lo)) /
                 2);
        char dec[KINESIS_HASH_KEY_DECIMAL_MAX];
        kinesis_hash_key_format((kinesis_hash_key){(uint64_t)(mid >> 64), (uint64_t)mid}, dec);
        kinesis_split_shard_request sr = {stream, sh.shards[0].shard_id, dec, NULL};
        CHECK(kinesis_split_shard(direct, &sr, &err) == KINESIS_OK, "SplitShard: %s", err.message);
        kinesis_list_shards_result_clean_up(&sh);
        produce(p, stream, split_at, split_at + (n - split_at) / 4, &rng);
        CHECK(kinesis_wait_stream_active(direct, stream, 60000, 50, &err) == KINESIS_OK, "wait");
        produce(p, stream, split_at + (n - split_at) / 4, n, &rng);
    } else {
        produce(p, stream, 0, n, &rng);
    }
    kinesis_status fst = kinesis_producer_flush(p, 600000);
    int64_t t1 = kinesis_now_mono_ms();
    char *stats = stats_of(p, via);
    CHECK(fst == KINESIS_OK, "flush timed out: %s", stats ? stats : "");
    CHECK(kinesis_producer_close(p, 10000) == KINESIS_OK, "close");
    kinesis_producer_destroy(p);
    long twice = 0;
    for (long i = 0; i < n; i++) {
        CHECK(x.reports[i] == 1, "record %ld reported %d times", i, x.reports[i]);
        if (x.reports[i] > 1) twice++;
    }
    CHECK(x.ok == n, "%ld of %ld records delivered, %ld failed", x.ok, n, x.failed);

    readback rb;
    memset(&rb, 0, sizeof(rb));
    rb.n = n;
    rb.copies = calloc((size_t)n, sizeof(uint16_t));
    uint32_t limit = po->aggregation ? po->aggregation_max_bytes : 1048576;
    read_stream(direct, stream, &rb, limit, split_at <= 0);
    long lost_req = 0, lost_rec = 0;
    uint8_t *may = lost_ids(lost_log, n, &lost_req, &lost_rec);
    long dups = 0, unexplained = 0;
    for (long i = 0; i < n; i++) {
        CHECK(rb.copies[i] >= 1, "record %ld was never stored", i);
        if (rb.copies[i] > 1) {
            dups += rb.copies[i] - 1;
            if (!may[i]) unexplained++;
        }
    }
    printf("%s: %ld records in %.1f s, all reported once and delivered; max attempts %u; "
           "%ld Kinesis records read back (%ld aggregates, largest %zu bytes, limit %u, %ld over); "
           "%ld duplicates, all from the %ld lost responses (%ld user records in them); "
           "%ld aggregates dropped by the KCL view (re-sent)\n",
           label, n, (double)(t1 - t0) / 1000.0, x.max_attempts, rb.kinesis_records, rb.aggregates,
           rb.max_record, limit, rb.out_of_limit, dups, lost_req, lost_rec, rb.dropped);
    printf("%s stats: %s\n", label, stats ? stats : "");
    CHECK(unexplained == 0, "%ld records stored twice without a lost response", unexplained);
    CHECK(rb.out_of_limit == 0, "aggregate over the record limit");
    if (!lost_log) CHECK(dups == 0, "duplicates without faults");
    kinesis_free(kinesis_client_allocator(via), stats);
    free(may);
    free(rb.copies);
    free(x.reports);
}

/* ---- proxy control (stall) ---- */

static void proxy_get(const char *endpoint, const char *path) {
    int port = 0;
    CHECK(sscanf(endpoint, "http://127.0.0.1:%d", &port) == 1, "proxy endpoint %s", endpoint);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect proxy");
    char req[256];
    int n =
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
    CHECK(write(fd, req, (size_t)n) == n, "write");
    char buf[512];
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    close(fd);
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static void noop_report(void *u, const kinesis_delivery_report *r) {
    long *ok = u;
    if (r->status == KINESIS_OK) (*ok)++;
}

static void stall_test(kinesis_client *direct, kinesis_client *via, const char *proxy,
                       const char *stream) {
    (void)direct;
    proxy_get(proxy, "/__proxy/stall?on=1");
    kinesis_producer_options po;
    kinesis_producer_options_init(&po);
    po.max_buffer_bytes = 4u << 20;
    po.linger_ms = 10;
    long ok = 0;
    po.dr_cb = noop_report;
    po.dr_user = &ok;
    kinesis_producer *p;
    kinesis_error err;
    CHECK(kinesis_producer_new(via, &po, &p, &err) == KINESIS_OK, "producer");
    long rss0 = rss_kb();
    char data[REC_LEN + 1], pk[32];
    long accepted = 0, full = 0;
    /* Keep offering records for a while: the buffer must stop growing at its cap. */
    int64_t until = kinesis_now_mono_ms() + 3000;
    for (long i = 0; kinesis_now_mono_ms() < until; i++) {
        snprintf(pk, sizeof(pk), "k%ld", i);
        make_data(i, data);
        kinesis_producer_record rec = {stream, pk, NULL, (const uint8_t *)data, REC_LEN, NULL, 0};
        kinesis_status st = kinesis_producer_put(p, &rec, &err);
        if (st == KINESIS_OK)
            accepted++;
        else if (st == KINESIS_E_QUEUE_FULL) {
            full++;
            kinesis_producer_poll(p, 1);
        } else
            CHECK(0, "put: %s", err.message);
    }
    long rss1 = rss_kb();
    char *stats = NULL;
    kinesis_producer_stats_json(p, &stats, NULL);
    const char *bb = strstr(stats, "\"BufferedBytes\":");
    unsigned long long buffered = bb ? strtoull(bb + 16, NULL, 10) : 0;
    printf("stall: %ld records accepted, %ld put() calls refused with QUEUE_FULL, buffered %llu "
           "bytes (cap %llu), RSS %ld -> %ld KiB\n",
           accepted, full, buffered, (unsigned long long)po.max_buffer_bytes, rss0, rss1);
    CHECK(full > 0, "the buffer never filled");
    CHECK(buffered <= po.max_buffer_bytes, "buffer over its cap");
    CHECK(accepted * (REC_LEN + 10) <= (long)po.max_buffer_bytes, "accepted more than the cap");
    /* Growth is the cap plus in-flight requests and allocator slack, far from unbounded. */
    CHECK(rss1 - rss0 < 64 * 1024, "RSS grew by %ld KiB", rss1 - rss0);
    kinesis_free(kinesis_client_allocator(via), stats);
    proxy_get(proxy, "/__proxy/stall?on=0");
    CHECK(kinesis_producer_flush(p, 600000) == KINESIS_OK, "flush after the stall");
    CHECK(ok == accepted, "%ld of %ld delivered after the stall", ok, accepted);
    kinesis_producer_destroy(p);
}

static char **read_lines(const char *path, size_t *n) {
    FILE *f = fopen(path, "r");
    CHECK(f, "open %s", path);
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    char *line = NULL;
    size_t lc = 0;
    ssize_t got;
    while ((got = getline(&line, &lc, f)) >= 0) {
        if (got && line[got - 1] == '\n') line[--got] = 0;
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            v = realloc(v, cap * sizeof(*v));
        }
        v[(*n)++] = strdup(line);
    }
    free(line);
    fclose(f);
    qsort(v, *n, sizeof(*v), cmp_str);
    return v;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) {
        fprintf(stderr, "usage: producer_integ SERVER basic|faults|reshard|stall|readback\n");
        return 2;
    }
    const char *server = argv[1], *mode = argv[2];
    const char *endpoint = server_env(server);
    if (!endpoint) {
        fprintf(stderr, "no endpoint for %s: run under with_servers.py\n", server);
        return 77;
    }
    const char *proxy = getenv("PRODUCER_PROXY_ENDPOINT");
    const char *lost_log = getenv("PRODUCER_PROXY_LOG");
    kinesis_client *direct = make_client(endpoint, 0, 5);
    char stream[96];
    snprintf(stream, sizeof(stream), "producer-%s-%ld", mode, (long)getpid());

    if (strcmp(mode, "readback") == 0) {
        CHECK(argc >= 5, "readback STREAM FILE");
        readback rb;
        memset(&rb, 0, sizeof(rb));
        rb.lines = read_lines(argv[4], &rb.nlines);
        rb.matched = calloc(rb.nlines ? rb.nlines : 1, 1);
        read_stream(direct, argv[3], &rb, 1048576, 1);
        long missing = 0;
        for (size_t i = 0; i < rb.nlines; i++) missing += !rb.matched[i];
        printf("readback: %zu input lines, %ld Kinesis records (%ld aggregates), %ld missing, %ld "
               "extra\n",
               rb.nlines, rb.kinesis_records, rb.aggregates, missing, rb.unmatched);
        CHECK(missing == 0 && rb.unmatched == 0, "the stream does not hold exactly the input");
        for (size_t i = 0; i < rb.nlines; i++) free(rb.lines[i]);
        free(rb.lines);
        free(rb.matched);
        kinesis_client_destroy(direct);
        return 0;
    }

    kinesis_producer_options po;
    kinesis_producer_options_init(&po);
    if (strcmp(mode, "basic") == 0) {
        long n = strcmp(server, "kinesis-local") == 0 ? 2000 : 20000;
        create_stream(direct, stream, 3);
        run_and_check("basic aggregated", direct, direct, stream, n, &po, NULL, 0);
        char s2[128];
        snprintf(s2, sizeof(s2), "%s-noagg", stream);
        create_stream(direct, s2, 3);
        po.aggregation = 0;
        run_and_check("basic unaggregated", direct, direct, s2, n, &po, NULL, 0);
    } else if (strcmp(mode, "faults") == 0) {
        CHECK(proxy, "PRODUCER_PROXY_ENDPOINT is not set (run through producer_fault.py)");
        long n = argc > 3 ? atol(argv[3]) : 100000;
        /* The proxy client gives up after 1.5 s (the proxy's slow responses take 3 s) and leaves
         * every retry to the producer. */
        kinesis_client *via = make_client(proxy, 1500, 1);
        create_stream(direct, stream, 4);
        po.aggregation_max_bytes = 4096; /* many aggregates, so many requests meet faults */
        po.collection_max_count = 20;
        po.retry_base_ms = 20;
        po.retry_max_ms = 500;
        po.record_ttl_ms = 0;
        run_and_check("faults aggregated", direct, via, stream, n, &po, lost_log, 0);
        char s2[128];
        snprintf(s2, sizeof(s2), "%s-noagg", stream);
        create_stream(direct, s2, 4);
        kinesis_producer_options_init(&po);
        po.aggregation = 0;
        po.collection_max_count = 100;
        po.retry_base_ms = 20;
        po.retry_max_ms = 500;
        po.record_ttl_ms = 0;
        po.shard_rate_records = 0;
        run_and_check("faults unaggregated", direct, via, s2, n / 5, &po, lost_log, 0);
        kinesis_client_destroy(via);
    } else if (strcmp(mode, "reshard") == 0) {
        create_stream(direct, stream, 2);
        po.aggregation_max_bytes = 8192;
        po.linger_ms = 20;
        po.shard_map_refresh_ms = 0; /* only the stale-map signals: the hard case */
        run_and_check("reshard", direct, direct, stream, 30000, &po, NULL, 10000);
    } else if (strcmp(mode, "stall") == 0) {
        CHECK(proxy, "PRODUCER_PROXY_ENDPOINT is not set");
        kinesis_client *via = make_client(proxy, 60000, 1);
        create_stream(direct, stream, 2);
        stall_test(direct, via, proxy, stream);
        kinesis_client_destroy(via);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    kinesis_client_destroy(direct);
    return 0;
}

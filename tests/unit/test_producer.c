/* Producer unit tests against an in-memory Kinesis behind a custom transport: ListShards and
 * PutRecords with routing by hash key, scripted faults (whole-request 500/throttling, per-record
 * failures, connection failures before and after the request was applied, stalls), resharding,
 * and checks of every delivery report and every stored record. No network, no sleeps asserted. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "support.h"

#include "json.h"
#include "kinesis/kinesis.h"
#include "producer_internal.h"

/* ---- the in-memory Kinesis ---- */

#define MAX_SHARDS 16

typedef struct stored {
    int shard; /* index into fake.shards */
    uint8_t *data;
    size_t len;
    char pk[300];
    int has_ehk;
    kinesis_hash_key ehk;
    unsigned long long seq; /* the sequence number the response gave it */
} stored;

typedef struct fshard {
    char id[32];
    kinesis_hash_key start, end;
    int open;
    uint64_t seq;
} fshard;

typedef struct fake {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    fshard shards[MAX_SHARDS];
    int nshards;
    stored *recs;
    size_t nrecs, cap;
    long puts, list_shards, lost_responses;
    long records_seen; /* records in PutRecords requests, for per-record faults */
    /* faults, by PutRecords request number (1-based) or record ordinal */
    int fail_500_every, throttle_every, reset_before_every, lost_response_every;
    int record_fail_every;    /* every k-th record gets ProvisionedThroughputExceeded */
    int record_fail_internal; /* use InternalFailure instead */
    int always_throttle;
    int list_shards_not_found;
    int list_shards_stall; /* ListShards waits while set (each one arriving broadcasts cv) */
    int list_shards_500;   /* ListShards answers 500 InternalFailure while set */
    int stall;             /* PutRecords waits while set */
    int split_after;       /* split shard 0 after this many PutRecords */
    int max_entries_seen;
    /* How PutRecords results are written (see append_result): the producer reads the usual
     * shape straight and anything else through its general scanner or the full JSON parser. */
    int response_style;
} fake;

static kinesis_hash_key hk_mid(kinesis_hash_key a, kinesis_hash_key b) {
    /* (a + b) / 2 without overflow: a + (b - a) / 2 */
    kinesis_hash_key d = {b.hi - a.hi - (b.lo < a.lo), b.lo - a.lo};
    kinesis_hash_key h = {d.hi >> 1, (d.lo >> 1) | (d.hi << 63)};
    kinesis_hash_key r = {a.hi + h.hi + ((a.lo + h.lo) < a.lo), a.lo + h.lo};
    return r;
}

static void fake_init(fake *f, int nshards) {
    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    f->nshards = nshards;
    for (int i = 0; i < nshards; i++) {
        fshard *s = &f->shards[i];
        snprintf(s->id, sizeof(s->id), "shardId-%012d", i);
        s->open = 1;
        /* even split: start = i * 2^128 / n */
        unsigned __int128 step = ((unsigned __int128)1 << 127) / (unsigned)nshards * 2;
        unsigned __int128 st = step * (unsigned)i;
        unsigned __int128 en = i == nshards - 1 ? ~(unsigned __int128)0 : st + step - 1;
        s->start = (kinesis_hash_key){(uint64_t)(st >> 64), (uint64_t)st};
        s->end = (kinesis_hash_key){(uint64_t)(en >> 64), (uint64_t)en};
    }
}

static void fake_clean_up(fake *f) {
    for (size_t i = 0; i < f->nrecs; i++) free(f->recs[i].data);
    free(f->recs);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
}

static void fake_split(fake *f, int idx) {
    fshard *p = &f->shards[idx];
    p->open = 0;
    kinesis_hash_key mid = hk_mid(p->start, p->end);
    kinesis_hash_key mid1 = mid;
    if (++mid1.lo == 0) mid1.hi++;
    for (int k = 0; k < 2; k++) {
        fshard *c = &f->shards[f->nshards];
        snprintf(c->id, sizeof(c->id), "shardId-%012d", f->nshards);
        f->nshards++;
        c->open = 1;
        c->start = k ? mid1 : p->start;
        c->end = k ? p->end : mid;
    }
}

static int fake_route(fake *f, kinesis_hash_key k) {
    for (int i = 0; i < f->nshards; i++)
        if (f->shards[i].open && kinesis_hash_key_compare(k, f->shards[i].start) >= 0 &&
            kinesis_hash_key_compare(k, f->shards[i].end) <= 0)
            return i;
    return -1;
}

static void respond(const kinesis_http_response_handler *h, int status, const char *body) {
    h->on_status(h->user, status);
    h->on_header(h->user, "x-amzn-RequestId", 16, "r", 1);
    h->on_body(h->user, (const uint8_t *)body, strlen(body));
}

/* Answer from inside fake_send (f->mu held): release the lock, respond, free the request's
 * parse and the response buffer `out` (which `body` may point into). */
static kinesis_status answer(fake *f, kinesis_arena *arena, kinesis_buf *out,
                             const kinesis_http_response_handler *h, int status, const char *body) {
    pthread_mutex_unlock(&f->mu);
    respond(h, status, body);
    kinesis_arena_destroy(arena);
    kinesis_buf_clean_up(out);
    return KINESIS_OK;
}

/* One successful PutRecords result in the given style: 0 ShardId first, 1 SequenceNumber first
 * (as Kinesis writes it), 2 spaces and newlines, 3 an escaped character in the shard id, 4 a
 * member the producer does not know. */
static void append_result(kinesis_buf *out, int style, const char *shard_id,
                          unsigned long long seq) {
    switch (style) {
    case 1:
        kinesis_buf_appendf(out, "{\"SequenceNumber\":\"%llu\",\"ShardId\":\"%s\"}", seq, shard_id);
        break;
    case 2:
        kinesis_buf_appendf(out, "\n  { \"SequenceNumber\" : \"%llu\" ,\n \"ShardId\": \"%s\" }",
                            seq, shard_id);
        break;
    case 3: /* "shardId-..." with its '-' as \u002d */
        kinesis_buf_appendf(out, "{\"SequenceNumber\":\"%llu\",\"ShardId\":\"shardId\\u002d%s\"}",
                            seq, shard_id + 8);
        break;
    case 4:
        kinesis_buf_appendf(out, "{\"SequenceNumber\":\"%llu\",\"ShardId\":\"%s\",\"Note\":null}",
                            seq, shard_id);
        break;
    default:
        kinesis_buf_appendf(out, "{\"ShardId\":\"%s\",\"SequenceNumber\":\"%llu\"}", shard_id, seq);
    }
}

static kinesis_status fake_send(void *impl, const kinesis_http_request *req,
                                const kinesis_http_response_handler *h, kinesis_error *err) {
    fake *f = impl;
    const char *target = "";
    for (size_t i = 0; i < req->header_count; i++)
        if (!strcasecmp(req->headers[i].name, "X-Amz-Target")) target = req->headers[i].value;
    kinesis_arena *arena = kinesis_arena_new(NULL);
    kjson *doc = NULL;
    assert_int_equal(kjson_parse(arena, (const char *)req->body, req->body_len, &doc, NULL),
                     KINESIS_OK);
    kinesis_buf out;
    kinesis_buf_init(&out, NULL);
    pthread_mutex_lock(&f->mu);
    if (strstr(target, "ListShards")) {
        f->list_shards++;
        pthread_cond_broadcast(&f->cv);
        while (f->list_shards_stall) pthread_cond_wait(&f->cv, &f->mu);
        if (f->list_shards_500)
            return answer(f, arena, &out, h, 500,
                          "{\"__type\":\"InternalFailure\",\"message\":\"boom\"}");
        if (f->list_shards_not_found)
            return answer(f, arena, &out, h, 400,
                          "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no stream\"}");
        kinesis_buf_append_str(&out, "{\"Shards\":[");
        for (int i = 0; i < f->nshards; i++) {
            char a[KINESIS_HASH_KEY_DECIMAL_MAX], b[KINESIS_HASH_KEY_DECIMAL_MAX];
            kinesis_hash_key_format(f->shards[i].start, a);
            kinesis_hash_key_format(f->shards[i].end, b);
            kinesis_buf_appendf(
                &out,
                "%s{\"ShardId\":\"%s\",\"HashKeyRange\":{\"StartingHashKey\":\"%s\","
                "\"EndingHashKey\":\"%s\"},\"SequenceNumberRange\":{"
                "\"StartingSequenceNumber\":\"1\"%s}}",
                i ? "," : "", f->shards[i].id, a, b,
                f->shards[i].open ? "" : ",\"EndingSequenceNumber\":\"9\"");
        }
        kinesis_buf_append_str(&out, "]}");
        return answer(f, arena, &out, h, 200, out.data);
    }
    assert_non_null(strstr(target, "PutRecords"));
    long n = ++f->puts;
    while (f->stall) pthread_cond_wait(&f->cv, &f->mu);
    if (f->split_after && n == f->split_after) fake_split(f, 0);
    int lost = 0;
    kinesis_status tstatus = KINESIS_OK;
    if (f->reset_before_every && n % f->reset_before_every == 0) {
        tstatus = KINESIS_E_TRANSPORT;
    } else if (f->fail_500_every && n % f->fail_500_every == 0) {
        return answer(f, arena, &out, h, 500,
                      "{\"__type\":\"InternalFailure\",\"message\":\"boom\"}");
    } else if (f->always_throttle || (f->throttle_every && n % f->throttle_every == 0)) {
        return answer(
            f, arena, &out, h, 400,
            "{\"__type\":\"ProvisionedThroughputExceededException\",\"message\":\"slow\"}");
    } else if (f->lost_response_every && n % f->lost_response_every == 0) {
        lost = 1;
    }
    if (tstatus != KINESIS_OK) {
        pthread_mutex_unlock(&f->mu);
        kinesis_arena_destroy(arena);
        kinesis_buf_clean_up(&out);
        kinesis_error_set(err, tstatus, "connection reset (scripted)");
        return tstatus;
    }
    const kjson *records = kjson_get_array(doc, "Records");
    assert_non_null(records);
    if ((int)records->count > f->max_entries_seen) f->max_entries_seen = (int)records->count;
    int failed = 0;
    kinesis_buf_append_str(&out, "{\"Records\":[");
    for (size_t i = 0; i < records->count; i++) {
        const kjson *r = records->items[i];
        const char *pk = kjson_get_string(r, "PartitionKey");
        const char *ehk = kjson_get_string(r, "ExplicitHashKey");
        const char *data = kjson_get_string(r, "Data");
        assert_non_null(pk);
        assert_non_null(data);
        long ord = ++f->records_seen;
        if (i) kinesis_buf_append_char(&out, ',');
        if (f->record_fail_every && ord % f->record_fail_every == 0) {
            failed++;
            kinesis_buf_appendf(&out, "{\"ErrorCode\":\"%s\",\"ErrorMessage\":\"x\"}",
                                f->record_fail_internal ? "InternalFailure"
                                                        : "ProvisionedThroughputExceededException");
            continue;
        }
        kinesis_hash_key k;
        stored s;
        memset(&s, 0, sizeof(s));
        if (ehk) {
            assert_int_equal(kinesis_hash_key_parse(ehk, strlen(ehk), &k), KINESIS_OK);
            s.has_ehk = 1;
            s.ehk = k;
        } else {
            k = kinesis_hash_key_of_partition_key(NULL, pk, strlen(pk));
        }
        int shard = fake_route(f, k);
        assert_true(shard >= 0);
        size_t dl = strlen(data);
        s.data = malloc(KINESIS_BASE64_DECODED_MAX(dl) + 1);
        assert_int_equal(
            kinesis_base64_decode(data, dl, s.data, KINESIS_BASE64_DECODED_MAX(dl) + 1, &s.len),
            KINESIS_OK);
        assert_true(s.len + strlen(pk) <= 1048576);
        snprintf(s.pk, sizeof(s.pk), "%s", pk);
        s.shard = shard;
        if (f->nrecs == f->cap) {
            f->cap = f->cap ? f->cap * 2 : 1024;
            f->recs = realloc(f->recs, f->cap * sizeof(*f->recs));
        }
        s.seq = ++f->shards[shard].seq;
        f->recs[f->nrecs++] = s;
        append_result(&out, f->response_style, f->shards[shard].id, s.seq);
    }
    kinesis_buf_appendf(&out,
                        f->response_style == 2 ? "\n ],\n \"FailedRecordCount\" : %d,\n "
                                                 "\"EncryptionType\" : \"NONE\"\n}\n"
                                               : "],\"FailedRecordCount\":%d}",
                        failed);
    if (lost) f->lost_responses++;
    pthread_mutex_unlock(&f->mu);
    kinesis_arena_destroy(arena);
    if (lost) {
        kinesis_buf_clean_up(&out);
        kinesis_error_set(err, KINESIS_E_TRANSPORT,
                          "connection reset after the request (scripted)");
        return KINESIS_E_TRANSPORT;
    }
    respond(h, 200, out.data);
    kinesis_buf_clean_up(&out);
    return KINESIS_OK;
}

static void fake_destroy(void *impl) { (void)impl; }
static const kinesis_transport_vtable fake_vtable = {fake_send, NULL, fake_destroy};

/* ---- fixture ---- */

/* Lengths that walk every slab class of the producer's record blocks and past the largest (a
 * record then has a block of its own). */
static const size_t sized_lens[] = {12, 60, 130, 200, 300, 450, 560, 800, 3000};
#define RECORD_DATA_MAX 3000

/* The data of record idx: "rec-<idx>", and when sized a filler after it up to a length from
 * sized_lens. Returns its length. */
static size_t record_data(int sized, long idx, uint8_t out[RECORD_DATA_MAX + 1]) {
    int n = snprintf((char *)out, RECORD_DATA_MAX + 1, "rec-%ld", idx);
    if (!sized) return (size_t)n;
    size_t len = sized_lens[idx % (long)KINESIS_ARRAY_LEN(sized_lens)];
    memset(out + n, 'a' + (int)(idx % 26), len - (size_t)n);
    return len;
}

typedef struct report_log {
    pthread_mutex_t mu;
    long *count;              /* reports per record index */
    unsigned long long *seqs; /* per record index: the sequence number of its last OK report */
    int *shards;              /* and the index of its shard id ("shardId-%012d") */
    long total, ok, failed;
    kinesis_status statuses[8];
    long status_counts[8];
    int nstatus;
    kinesis_status last_status, last_error;
    char last_code[64];
    uint32_t max_attempts;
    int lend_pointer_ok;
    const uint8_t *lend_base;
    int sized; /* record_data() of the records: sized */
    long aggregated;
    pthread_t thread;
    int other_thread;
} report_log;

typedef struct fixture {
    test_allocator alloc; /* thread-safe counters: senders allocate too */
    fake srv;
    kinesis_transport *transport;
    kinesis_credentials_provider *creds;
    kinesis_client *client;
    kinesis_producer *producer;
    report_log log;
    long nrecords;
} fixture;

static void on_report(void *user, const kinesis_delivery_report *r) {
    report_log *l = user;
    pthread_mutex_lock(&l->mu);
    long idx = (long)(intptr_t)r->opaque;
    l->count[idx]++;
    l->total++;
    if (r->status == KINESIS_OK) {
        l->ok++;
        assert_true(r->shard_id[0] != 0);
        assert_true(r->sequence_number[0] != 0);
        assert_int_equal(sscanf(r->shard_id, "shardId-%d", &l->shards[idx]), 1);
        l->seqs[idx] = strtoull(r->sequence_number, NULL, 10);
        if (r->aggregated) l->aggregated++;
    } else {
        l->failed++;
        assert_true(r->error_message[0] != 0);
    }
    /* The record comes back as put: its record_data() (or the lent bytes). */
    if (!l->lend_base) {
        uint8_t want[RECORD_DATA_MAX + 1];
        size_t len = record_data(l->sized, idx, want);
        assert_int_equal(r->data_len, len);
        assert_memory_equal(r->data, want, len);
    } else if (r->data != l->lend_base + idx) {
        l->lend_pointer_ok = 0;
    }
    l->last_status = r->status;
    l->last_error = r->last_error;
    snprintf(l->last_code, sizeof(l->last_code), "%s", r->error_code);
    if (r->attempts > l->max_attempts) l->max_attempts = r->attempts;
    if (!pthread_equal(pthread_self(), l->thread)) l->other_thread = 1;
    int found = 0;
    for (int i = 0; i < l->nstatus; i++)
        if (l->statuses[i] == r->status) {
            l->status_counts[i]++;
            found = 1;
        }
    if (!found && l->nstatus < 8) {
        l->statuses[l->nstatus] = r->status;
        l->status_counts[l->nstatus++] = 1;
    }
    pthread_mutex_unlock(&l->mu);
}

static fixture *fixture_new(int nshards, long nrecords) {
    fixture *f = calloc(1, sizeof(*f));
    test_allocator_init(&f->alloc);
    fake_init(&f->srv, nshards);
    f->transport = kinesis_transport_new(&fake_vtable, &f->srv, NULL);
    f->creds = kinesis_credentials_provider_new_static("AKIDEXAMPLE", "secret", NULL, NULL);
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "us-east-1";
    o.endpoint_url = "http://127.0.0.1:4567";
    o.transport = f->transport;
    o.credentials = f->creds;
    o.allocator = &f->alloc.base;
    o.retry.max_attempts = 1;
    kinesis_error err;
    assert_int_equal(kinesis_client_new(&o, &f->client, &err), KINESIS_OK);
    pthread_mutex_init(&f->log.mu, NULL);
    f->log.count = calloc((size_t)nrecords + 1, sizeof(long));
    f->log.seqs = calloc((size_t)nrecords + 1, sizeof(*f->log.seqs));
    f->log.shards = calloc((size_t)nrecords + 1, sizeof(*f->log.shards));
    f->log.thread = pthread_self();
    f->log.lend_pointer_ok = 1;
    f->nrecords = nrecords;
    return f;
}

/* Options as most tests want them: the fake server has no shard limits, so the producer's own
 * per-shard pacing is off, and records linger `linger_ms`. */
static void unpaced_options(kinesis_producer_options *o, uint32_t linger_ms) {
    kinesis_producer_options_init(o);
    o->linger_ms = linger_ms;
    o->shard_rate_bytes = 0;
    o->shard_rate_records = 0;
}

static void fixture_producer(fixture *f, kinesis_producer_options *po) {
    po->dr_cb = on_report;
    po->dr_user = &f->log;
    kinesis_error err;
    kinesis_status st = kinesis_producer_new(f->client, po, &f->producer, &err);
    if (st) fprintf(stderr, "producer_new: %s\n", err.message);
    assert_int_equal(st, KINESIS_OK);
}

static void fixture_free(fixture *f) {
    kinesis_producer_destroy(f->producer);
    kinesis_client_destroy(f->client);
    assert_int_equal(f->alloc.live, 0);
    kinesis_credentials_provider_destroy(f->creds);
    kinesis_transport_destroy(f->transport);
    fake_clean_up(&f->srv);
    free(f->log.count);
    free(f->log.seqs);
    free(f->log.shards);
    pthread_mutex_destroy(&f->log.mu);
    free(f);
}

static kinesis_status put_idx(fixture *f, const char *stream, long i) {
    char pk[32];
    uint8_t data[RECORD_DATA_MAX + 1];
    snprintf(pk, sizeof(pk), "key-%ld", i * 7919 % 1000);
    size_t n = record_data(f->log.sized, i, data);
    kinesis_producer_record r = {stream, pk, NULL, data, n, (void *)(intptr_t)i, 0};
    kinesis_error err;
    return kinesis_producer_put(f->producer, &r, &err);
}

/* Put records 0..n-1, polling when the buffer is full. */
static void put_all(fixture *f, long n) {
    for (long i = 0; i < n; i++) {
        kinesis_status st;
        while ((st = put_idx(f, "s", i)) == KINESIS_E_QUEUE_FULL)
            kinesis_producer_poll(f->producer, 10);
        assert_int_equal(st, KINESIS_OK);
    }
}

/* The index of a record from its data ("rec-<idx>..."; see record_data). */
static long record_index(const uint8_t *data, size_t len) {
    char head[32];
    size_t n = len < sizeof(head) ? len : sizeof(head) - 1;
    memcpy(head, data, n);
    head[n] = 0;
    long idx = -1;
    assert_int_equal(sscanf(head, "rec-%ld", &idx), 1);
    return idx;
}

/* Decode every stored record; count user records by index and check each member against the
 * shard that stored it. Returns the number of user records found. */
static long verify_store(fixture *f, long *copies, int strict_range) {
    long users = 0;
    for (size_t i = 0; i < f->srv.nrecs; i++) {
        stored *s = &f->srv.recs[i];
        fshard *sh = &f->srv.shards[s->shard];
        kinesis_agg_decode_options o;
        memset(&o, 0, sizeof(o));
        o.mode = KINESIS_AGG_DECODE_KCL;
        o.has_range = 1;
        o.range_start = sh->start;
        o.range_end = sh->end;
        size_t scratch_n = KINESIS_AGG_DECODER_SCRATCH_COUNT(s->len);
        uint32_t *scratch = malloc(scratch_n * sizeof(uint32_t));
        o.scratch = scratch;
        o.scratch_count = scratch_n;
        kinesis_agg_decoder d;
        assert_int_equal(kinesis_agg_decoder_init(&d, s->data, s->len, &o), KINESIS_OK);
        if (strict_range)
            assert_int_not_equal(kinesis_agg_decoder_outcome(&d), KINESIS_AGG_DROPPED);
        kinesis_agg_user_record u;
        while (kinesis_agg_decoder_next(&d, &u)) {
            long idx = record_index(u.data, u.data_len);
            assert_true(idx >= 0 && idx < f->nrecords);
            uint8_t want[RECORD_DATA_MAX + 1];
            size_t len = record_data(f->log.sized, idx, want);
            assert_int_equal(u.data_len, len);
            assert_memory_equal(u.data, want, len);
            copies[idx]++;
            users++;
        }
        free(scratch);
    }
    return users;
}

/* Records 0..n-1 each reported once as delivered and stored once, in their shard's range. */
static void assert_delivered_once(fixture *f, long n) {
    assert_int_equal(f->log.ok, n);
    for (long i = 0; i < n; i++) assert_int_equal(f->log.count[i], 1);
    long *copies = calloc((size_t)f->nrecords, sizeof(long));
    assert_int_equal(verify_store(f, copies, 1), n);
    for (long i = 0; i < n; i++) assert_int_equal(copies[i], 1);
    free(copies);
}

/* ---- tests ---- */

static void test_options_table(void **state) {
    (void)state;
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    assert_int_equal(o.linger_ms, 100);
    assert_int_equal(o.record_ttl_ms, 30000);
    assert_int_equal(o.aggregation, 1);
    assert_int_equal(o.collection_max_count, 500);
    assert_int_equal(o.shard_rate_bytes, 1048576);
    assert_int_equal(o.shard_rate_records, 1000);
    kinesis_error err;
    assert_int_equal(kinesis_producer_options_set(&o, "linger_ms", "250", &err), KINESIS_OK);
    assert_int_equal(o.linger_ms, 250);
    assert_int_equal(kinesis_producer_options_set(&o, "max_buffer_bytes", "1099511627776", &err),
                     KINESIS_OK);
    assert_int_equal(o.max_buffer_bytes, (uint64_t)1 << 40);
    assert_int_equal(kinesis_producer_options_set(&o, "collection_max_count", "501", &err),
                     KINESIS_E_CONFIG);
    assert_non_null(strstr(err.message, "[1, 500]"));
    assert_int_equal(kinesis_producer_options_set(&o, "linger_ms", "-1", &err), KINESIS_E_CONFIG);
    assert_int_equal(kinesis_producer_options_set(&o, "linger_ms", "12x", &err), KINESIS_E_CONFIG);
    assert_int_equal(kinesis_producer_options_set(&o, "record_ttl_ms", "99999999999", &err),
                     KINESIS_E_CONFIG);
    assert_int_equal(kinesis_producer_options_set(&o, "nope", "1", &err),
                     KINESIS_E_INVALID_ARGUMENT);
    char *md = NULL;
    size_t len = 0;
    assert_int_equal(kinesis_producer_options_markdown(&md, &len), KINESIS_OK);
    for (size_t i = 0; i < kinesis_producer_option_count; i++) {
        char want[64];
        snprintf(want, sizeof(want), "| `%s` |", kinesis_producer_option_table[i].name);
        assert_non_null(strstr(md, want));
    }
    assert_int_equal(strlen(md), len);
    kinesis_free(NULL, md);
    /* Every field of the struct that is a number is in the table (no undocumented option). */
    assert_int_equal(kinesis_producer_option_count, 20);
    /* Backoff: full jitter within the cap, no overflow at any attempt. */
    for (uint32_t a = 1; a < 200; a += 7)
        for (uint64_t r = 0; r < 1000000; r += 99991)
            assert_true(kinesis_producer_backoff_ms(100, 5000, a, r * 2654435761u) <= 5000);
    assert_true(kinesis_producer_backoff_ms(100, 5000, 1, 12345) <= 100);
    assert_int_equal(kinesis_producer_backoff_ms(100, 5000, UINT32_MAX, 5000), 5000);
    assert_int_equal(kinesis_producer_deadline(5, 0), INT64_MAX);
    assert_int_equal(kinesis_producer_deadline(INT64_MAX / 2, UINT32_MAX),
                     INT64_MAX / 2 + (int64_t)UINT32_MAX);
}

static void test_new_rejects_bad_options(void **state) {
    (void)state;
    fixture *f = fixture_new(1, 1);
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    o.max_in_flight = 0;
    kinesis_error err;
    kinesis_producer *p = NULL;
    assert_int_equal(kinesis_producer_new(f->client, &o, &p, &err), KINESIS_E_CONFIG);
    assert_non_null(strstr(err.message, "max_in_flight"));
    assert_null(p);
    kinesis_producer_options_init(&o);
    o.aggregation_max_bytes = 2 * 1048576;
    assert_int_equal(kinesis_producer_new(f->client, &o, &p, &err), KINESIS_E_CONFIG);
    assert_int_equal(kinesis_producer_new(NULL, &o, &p, &err), KINESIS_E_INVALID_ARGUMENT);
    fixture_free(f);
}

static void test_put_validation(void **state) {
    (void)state;
    fixture *f = fixture_new(1, 3);
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    fixture_producer(f, &o);
    kinesis_error err;
    kinesis_producer_record r = {"s", "k", NULL, (const uint8_t *)"x", 1, NULL, 0};
    r.stream = "";
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_E_INVALID_STREAM);
    r.stream = "s";
    r.partition_key = "";
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_E_INVALID_PARTITION_KEY);
    r.partition_key = "k";
    r.explicit_hash_key = "340282366920938463463374607431768211456"; /* 2^128 */
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err),
                     KINESIS_E_INVALID_EXPLICIT_HASH_KEY);
    r.explicit_hash_key = NULL;
    r.data = NULL;
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_E_INVALID_ARGUMENT);
    static uint8_t big[1048577];
    r.data = big;
    r.data_len = sizeof(big);
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_E_RECORD_TOO_LARGE);
    assert_int_equal(kinesis_producer_put(NULL, &r, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_producer_outstanding(f->producer), 0);
    /* Keys are counted in characters (256 at most) and must be valid UTF-8 without NUL, wherever
     * the offending byte lies in the eight-byte steps of the ASCII check. */
    r.data = (const uint8_t *)"rec-0"; /* the fixture's records 0 to 2 (see record_data) */
    r.data_len = 5;
    char key[520];
    memset(key, 'a', 256);
    key[256] = 0;
    r.partition_key = key;
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_OK);
    r.data = (const uint8_t *)"rec-1";
    r.opaque = (void *)(intptr_t)1;
    memset(key, 'a', 257);
    key[257] = 0;
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_E_INVALID_PARTITION_KEY);
    for (int i = 0; i < 256; i++) memcpy(key + 2 * i, "\xc3\xa9", 2); /* 256 characters */
    key[512] = 0;
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_OK);
    memcpy(key + 510, "\xc3\xa9\xc3\xa9", 5); /* 257 characters */
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_E_INVALID_PARTITION_KEY);
    /* ASCII words before and after two-byte characters: 100 + 50 + 106 = 256 characters. */
    memset(key, 'a', 100);
    for (int i = 0; i < 50; i++) memcpy(key + 100 + 2 * i, "\xc3\xa9", 2);
    memset(key + 200, 'a', 107);
    key[306] = 0;
    r.data = (const uint8_t *)"rec-2";
    r.opaque = (void *)(intptr_t)2;
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_OK);
    key[306] = 'a'; /* 257 characters */
    key[307] = 0;
    assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_E_INVALID_PARTITION_KEY);
    for (size_t at = 0; at < 20; at++) {
        memset(key, 'k', 20);
        key[20] = 0;
        key[at] = (char)0xff; /* never valid in UTF-8 */
        assert_int_equal(kinesis_producer_put(f->producer, &r, &err),
                         KINESIS_E_INVALID_PARTITION_KEY);
        key[at] = 0; /* a NUL inside a counted key (put_batch's keys are not NUL-terminated) */
        uint32_t kl = 20, dl = 1;
        kinesis_producer_batch b = {"s", 1, key, &kl, (const uint8_t *)"x", &dl, NULL, NULL, 0};
        size_t accepted = 99;
        assert_int_equal(kinesis_producer_put_batch(f->producer, &b, &accepted, &err),
                         KINESIS_E_INVALID_PARTITION_KEY);
        assert_int_equal(accepted, 0);
    }
    assert_int_equal(kinesis_producer_outstanding(f->producer), 3);
    assert_int_equal(kinesis_producer_close(f->producer, 1000), KINESIS_OK);
    assert_delivered_once(f, 3);
    fixture_free(f);
}

static void run_clean(int aggregation, int nshards, long n) {
    fixture *f = fixture_new(nshards, n);
    kinesis_producer_options o;
    unpaced_options(&o, 20);
    o.aggregation = (uint32_t)aggregation;
    fixture_producer(f, &o);
    put_all(f, n);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.total, n);
    assert_delivered_once(f, n);
    assert_true(f->srv.max_entries_seen <= 500);
    if (aggregation) {
        assert_true(f->log.aggregated > 0);
        assert_true(f->srv.nrecs < (size_t)n / 10); /* far fewer Kinesis records */
    } else {
        assert_int_equal(f->log.aggregated, 0);
        assert_int_equal(f->srv.nrecs, (size_t)n);
    }
    char *json = NULL;
    assert_int_equal(kinesis_producer_stats_json(f->producer, &json, NULL), KINESIS_OK);
    const char *names[] = {"UserRecordsReceived",
                           "UserRecordsPending",
                           "UserRecordsPut",
                           "UserRecordsDataPut",
                           "KinesisRecordsPut",
                           "KinesisRecordsDataPut",
                           "ErrorsByCode",
                           "AllErrors",
                           "RetriesPerRecord",
                           "BufferingTime",
                           "RequestTime",
                           "UserRecordsPerKinesisRecord",
                           "KinesisRecordsPerPutRecordsRequest"};
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(names); i++) assert_non_null(strstr(json, names[i]));
    char want[64];
    snprintf(want, sizeof(want), "\"UserRecordsPut\":%ld,", n);
    assert_non_null(strstr(json, want));
    assert_non_null(strstr(json, "\"UserRecordsPending\":0,"));
    kinesis_free(kinesis_client_allocator(f->client), json);
    assert_int_equal(kinesis_producer_close(f->producer, 1000), KINESIS_OK);
    fixture_free(f);
}

static void test_aggregated_clean(void **state) {
    (void)state;
    run_clean(1, 4, 20000);
}

/* Idle senders: one keeps time for all, the others wait for a signal. Records put one at a time,
 * each after the previous one was reported (so every sender is idle when it is put), must each go
 * out once their linger is over, not when some later deadline (a shard map refresh) comes. */
static void test_idle_senders_keep_linger(void **state) {
    (void)state;
    const long n = 12;
    fixture *f = fixture_new(4, n);
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    o.max_in_flight = 4;
    o.linger_ms = 30;
    o.shard_map_refresh_ms = 600000;
    fixture_producer(f, &o);
    for (long i = 0; i < n; i++) {
        assert_int_equal(put_idx(f, "s", i), KINESIS_OK);
        int64_t t0 = kinesis_now_mono_ms();
        while (f->log.total < i + 1 && kinesis_now_mono_ms() - t0 < 5000)
            kinesis_producer_poll(f->producer, 50);
        assert_int_equal(f->log.total, i + 1);
        assert_true(kinesis_now_mono_ms() - t0 < 2000); /* 30 ms of linger, not 10 minutes */
        /* Let every sender go idle again before the next one. */
        kinesis_producer_poll(f->producer, 20);
    }
    assert_int_equal(f->log.ok, n);
    assert_int_equal(kinesis_producer_close(f->producer, 1000), KINESIS_OK);
    fixture_free(f);
}

/* Wait until the fake has seen `n` ListShards calls in all. */
static void wait_list_shards(fake *srv, long n) {
    pthread_mutex_lock(&srv->mu);
    while (srv->list_shards < n) pthread_cond_wait(&srv->cv, &srv->mu);
    pthread_mutex_unlock(&srv->mu);
}

/* While a periodic shard-map refresh is under way, and while a failed one waits for its retry,
 * the idle senders wait: none loops on the refresh deadline that has passed (such a loop spun
 * on the producer's lock and could starve the fetching sender for minutes on two cores). */
static void test_map_refresh_never_spins(void **state) {
    (void)state;
    fixture *f = fixture_new(2, 10);
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    o.shard_map_refresh_ms = 20;
    o.retry_base_ms = 200; /* a failed refresh retries after 50 ms or more */
    o.retry_max_ms = 200;
    fixture_producer(f, &o);
    assert_int_equal(put_idx(f, "s", 0), KINESIS_OK);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, 1);
    /* A refresh that hangs: 100 ms in it, the senders have waited a handful of times at most
     * (a spinning sender counts a wait per turn: thousands). */
    pthread_mutex_lock(&f->srv.mu);
    f->srv.list_shards_stall = 1;
    long seen = f->srv.list_shards;
    pthread_mutex_unlock(&f->srv.mu);
    wait_list_shards(&f->srv, seen + 1);
    uint64_t w0 = kinesis_producer_idle_waits(f->producer);
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    uint64_t stalled_waits = kinesis_producer_idle_waits(f->producer) - w0;
    /* Refreshes that fail: between one and the next the senders wait for the retry time. */
    pthread_mutex_lock(&f->srv.mu);
    f->srv.list_shards_500 = 1;
    f->srv.list_shards_stall = 0;
    seen = f->srv.list_shards;
    pthread_cond_broadcast(&f->srv.cv);
    pthread_mutex_unlock(&f->srv.mu);
    assert_true(stalled_waits < 20); /* (checked here: a spinning sender starves what follows) */
    wait_list_shards(&f->srv, seen + 1);
    w0 = kinesis_producer_idle_waits(f->producer);
    wait_list_shards(&f->srv, seen + 4);
    uint64_t failing_waits = kinesis_producer_idle_waits(f->producer) - w0;
    assert_true(failing_waits < 60);
    /* The map still serves: records put meanwhile are delivered once refreshes succeed again. */
    pthread_mutex_lock(&f->srv.mu);
    f->srv.list_shards_500 = 0;
    pthread_mutex_unlock(&f->srv.mu);
    for (long i = 1; i < 10; i++) assert_int_equal(put_idx(f, "s", i), KINESIS_OK);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, 10);
    assert_int_equal(kinesis_producer_close(f->producer, 1000), KINESIS_OK);
    fixture_free(f);
}

static void test_unaggregated_clean(void **state) {
    (void)state;
    run_clean(0, 3, 3000);
}

/* Every way of writing the results gives each record the shard id and sequence number the
 * server stored it under. */
static void test_result_styles(void **state) {
    (void)state;
    for (int style = 0; style <= 4; style++) {
        long n = 1200;
        fixture *f = fixture_new(3, n);
        f->srv.response_style = style;
        kinesis_producer_options o;
        unpaced_options(&o, 5);
        o.aggregation = 0;
        fixture_producer(f, &o);
        put_all(f, n);
        assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
        assert_delivered_once(f, n);
        assert_int_equal(f->srv.nrecs, (size_t)n);
        for (size_t i = 0; i < f->srv.nrecs; i++) {
            const stored *s = &f->srv.recs[i];
            long idx = record_index(s->data, s->len);
            assert_int_equal(f->log.shards[idx], s->shard);
            assert_true(f->log.seqs[idx] == s->seq);
        }
        assert_int_equal(kinesis_producer_close(f->producer, 1000), KINESIS_OK);
        fixture_free(f);
    }
}

/* Every kind of fault at once: each record reported exactly once and stored at least once;
 * more than once only when a response was lost. */
static void run_faults(int aggregation, int ordered) {
    long n = 20000;
    fixture *f = fixture_new(4, n);
    f->srv.fail_500_every = 7;
    f->srv.throttle_every = 5;
    f->srv.reset_before_every = 11;
    f->srv.lost_response_every = 13;
    f->srv.record_fail_every = 17;
    kinesis_producer_options o;
    unpaced_options(&o, 5);
    o.aggregation = (uint32_t)aggregation;
    o.aggregation_max_bytes = 4096;
    /* Many requests however fast the records are put (an optimised build queues them all before
     * the first request leaves), so that every injected fault comes up. */
    o.collection_max_count = 16;
    o.retry_base_ms = 1;
    o.retry_max_ms = 20;
    o.record_ttl_ms = 0;
    o.ordered = (uint32_t)ordered;
    fixture_producer(f, &o);
    put_all(f, n);
    assert_int_equal(kinesis_producer_flush(f->producer, 120000), KINESIS_OK);
    assert_int_equal(f->log.total, n);
    assert_int_equal(f->log.ok, n);
    for (long i = 0; i < n; i++) assert_int_equal(f->log.count[i], 1);
    assert_true(f->log.max_attempts > 1);
    long *copies = calloc((size_t)n, sizeof(long));
    long users = verify_store(f, copies, 1);
    long dups = 0;
    for (long i = 0; i < n; i++) {
        assert_true(copies[i] >= 1);
        dups += copies[i] - 1;
    }
    assert_int_equal(users, n + dups);
    assert_true(f->srv.lost_responses > 0);
    if (f->srv.lost_responses == 0) assert_int_equal(dups, 0);
    /* Duplicates come only from lost responses: at most the records those requests held. */
    assert_true(dups <= f->srv.lost_responses * (aggregation ? n : 500));
    free(copies);
    assert_int_equal(kinesis_producer_close(f->producer, 1000), KINESIS_OK);
    fixture_free(f);
}

static void test_faults_aggregated(void **state) {
    (void)state;
    run_faults(1, 0);
}

static void test_faults_unaggregated(void **state) {
    (void)state;
    run_faults(0, 0);
}

/* Without lost responses, retrying only the failed records means no duplicates at all. */
static void test_partial_failures_no_duplicates(void **state) {
    (void)state;
    long n = 5000;
    fixture *f = fixture_new(2, n);
    f->srv.record_fail_every = 3;
    f->srv.record_fail_internal = 1;
    f->srv.fail_500_every = 4;
    kinesis_producer_options o;
    unpaced_options(&o, 5);
    o.aggregation = 0;
    o.retry_base_ms = 1;
    o.retry_max_ms = 10;
    fixture_producer(f, &o);
    put_all(f, n);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_delivered_once(f, n);
    char *json = NULL;
    assert_int_equal(kinesis_producer_stats_json(f->producer, &json, NULL), KINESIS_OK);
    assert_non_null(strstr(json, "\"InternalFailure\":"));
    kinesis_free(kinesis_client_allocator(f->client), json);
    fixture_free(f);
}

/* Ordered mode: per shard, records of one key are stored in put order despite retries. */
static void test_ordered(void **state) {
    (void)state;
    long n = 4000;
    fixture *f = fixture_new(3, n);
    f->srv.record_fail_every = 5;
    f->srv.throttle_every = 6;
    f->srv.reset_before_every = 9;
    kinesis_producer_options o;
    unpaced_options(&o, 2);
    o.ordered = 1;
    o.aggregation = 0; /* one record per shard per request: the strictest case */
    o.retry_base_ms = 1;
    o.retry_max_ms = 10;
    fixture_producer(f, &o);
    put_all(f, n);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, n);
    /* Stored order per shard must follow put order (no lost responses, so no duplicates). */
    long last[MAX_SHARDS];
    for (int i = 0; i < MAX_SHARDS; i++) last[i] = -1;
    for (size_t i = 0; i < f->srv.nrecs; i++) {
        long idx;
        char buf[32];
        memcpy(buf, f->srv.recs[i].data, f->srv.recs[i].len);
        buf[f->srv.recs[i].len] = 0;
        sscanf(buf, "rec-%ld", &idx);
        assert_true(idx > last[f->srv.recs[i].shard]);
        last[f->srv.recs[i].shard] = idx;
    }
    fixture_free(f);
}

static void *release_later(void *arg) {
    fake *srv = arg;
    kinesis_sleep_ms(50);
    pthread_mutex_lock(&srv->mu);
    srv->stall = 0;
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

/* Bounded buffer: fail fast at the cap while the server stalls; block up to put_block_ms. */
static void test_queue_full_and_memory_bound(void **state) {
    (void)state;
    fixture *f = fixture_new(2, 1000);
    f->srv.stall = 1;
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    o.max_buffer_records = 50;
    o.max_buffer_bytes = 1u << 20;
    o.linger_ms = 0;
    fixture_producer(f, &o);
    long accepted = 0;
    for (long i = 0; i < 1000; i++)
        if (put_idx(f, "s", i) == KINESIS_OK) accepted++;
    assert_int_equal(accepted, 50);
    char *json = NULL;
    assert_int_equal(kinesis_producer_stats_json(f->producer, &json, NULL), KINESIS_OK);
    const char *bb = strstr(json, "\"BufferedBytes\":");
    assert_non_null(bb);
    assert_true(strtoull(bb + 16, NULL, 10) <= o.max_buffer_bytes);
    kinesis_free(kinesis_client_allocator(f->client), json);
    assert_int_equal(kinesis_producer_outstanding(f->producer), 50);
    /* Nothing served yet: the cap holds until reports are served. */
    release_later(&f->srv);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, 50);
    assert_int_equal(put_idx(f, "s", 999), KINESIS_OK);
    assert_int_equal(kinesis_producer_close(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, 51);
    fixture_free(f);
}

static void test_blocking_put(void **state) {
    (void)state;
    fixture *f = fixture_new(1, 100);
    f->srv.stall = 1;
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    o.max_buffer_records = 10;
    o.put_block_ms = 30;
    o.linger_ms = 0;
    o.report_thread = 1;
    fixture_producer(f, &o);
    for (long i = 0; i < 10; i++) assert_int_equal(put_idx(f, "s", i), KINESIS_OK);
    assert_int_equal(put_idx(f, "s", 10), KINESIS_E_QUEUE_FULL); /* after waiting 30 ms */
    release_later(&f->srv);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, 10);
    fixture_free(f);
    /* A put blocked on a full buffer gets space once the server answers and reports are
     * served by the report thread. */
    f = fixture_new(1, 100);
    f->srv.stall = 1;
    o.put_block_ms = 600000;
    fixture_producer(f, &o);
    pthread_t t;
    for (long i = 0; i < 10; i++) assert_int_equal(put_idx(f, "s", i), KINESIS_OK);
    pthread_create(&t, NULL, release_later, &f->srv);
    for (long i = 10; i < 100; i++) assert_int_equal(put_idx(f, "s", i), KINESIS_OK);
    pthread_join(t, NULL);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, 100);
    assert_int_equal(f->log.other_thread, 1); /* served by the report thread */
    fixture_free(f);
}

/* A shard that throttles forever: records come back at their deadline with the last error, and
 * the producer backs off instead of spinning. */
static void test_ttl_under_throttling(void **state) {
    (void)state;
    fixture *f = fixture_new(2, 20);
    f->srv.always_throttle = 1;
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    o.record_ttl_ms = 400;
    o.linger_ms = 0;
    o.retry_base_ms = 20;
    o.retry_max_ms = 100;
    fixture_producer(f, &o);
    for (long i = 0; i < 20; i++) assert_int_equal(put_idx(f, "s", i), KINESIS_OK);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.total, 20);
    assert_int_equal(f->log.failed, 20);
    assert_int_equal(f->log.last_status, KINESIS_E_TIMEOUT);
    assert_int_equal(f->log.last_error, KINESIS_E_THROTTLED);
    /* No spinning: with >= 0 ms jittered backoff capped at 100 ms and halved shard rates, a
     * 400 ms deadline allows a few dozen requests, never thousands. */
    assert_true(f->srv.puts < 1000);
    char *json = NULL;
    assert_int_equal(kinesis_producer_stats_json(f->producer, &json, NULL), KINESIS_OK);
    assert_non_null(strstr(json, "\"ProvisionedThroughputExceededException\":"));
    kinesis_free(kinesis_client_allocator(f->client), json);
    fixture_free(f);
}

static void test_stream_not_found(void **state) {
    (void)state;
    fixture *f = fixture_new(1, 10);
    f->srv.list_shards_not_found = 1;
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    fixture_producer(f, &o);
    for (long i = 0; i < 10; i++) assert_int_equal(put_idx(f, "s", i), KINESIS_OK);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.failed, 10);
    assert_string_equal(f->log.last_code, "ResourceNotFoundException");
    assert_int_equal(f->log.last_status, KINESIS_E_RESOURCE_NOT_FOUND);
    fixture_free(f);
}

/* close() gives up on what cannot be delivered, with a report for each record. */
static void test_close_reports_pending(void **state) {
    (void)state;
    fixture *f = fixture_new(1, 200);
    f->srv.always_throttle = 1;
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    o.record_ttl_ms = 0; /* no deadline: only close ends it */
    o.retry_base_ms = 5;
    o.retry_max_ms = 20;
    fixture_producer(f, &o);
    for (long i = 0; i < 200; i++) assert_int_equal(put_idx(f, "s", i), KINESIS_OK);
    assert_int_equal(kinesis_producer_flush(f->producer, 50), KINESIS_E_TIMEOUT);
    assert_int_equal(kinesis_producer_close(f->producer, 50), KINESIS_E_TIMEOUT);
    assert_int_equal(f->log.total, 200);
    assert_int_equal(f->log.failed, 200);
    for (long i = 0; i < 200; i++) assert_int_equal(f->log.count[i], 1);
    assert_int_equal(f->log.last_status, KINESIS_E_CANCELLED);
    assert_int_equal(put_idx(f, "s", 0), KINESIS_E_CANCELLED);
    assert_int_equal(kinesis_producer_close(f->producer, 50), KINESIS_E_TIMEOUT); /* idempotent */
    fixture_free(f);
}

/* A split during production: records move to the children; no aggregate stays on a shard whose
 * range excludes a member (those are re-sent), and every record is stored. */
static void test_resharding(void **state) {
    (void)state;
    long n = 20000;
    fixture *f = fixture_new(2, n);
    f->srv.split_after = 5;
    kinesis_producer_options o;
    unpaced_options(&o, 5);
    o.aggregation_max_bytes = 2048;
    o.collection_max_count = 16; /* the split comes early however fast the records are put */
    o.retry_base_ms = 1;
    o.retry_max_ms = 10;
    fixture_producer(f, &o);
    put_all(f, n);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, n);
    for (long i = 0; i < n; i++) assert_int_equal(f->log.count[i], 1);
    assert_int_equal(f->srv.nshards, 4);
    long *copies = calloc((size_t)n, sizeof(long));
    verify_store(f, copies, 0); /* KCL view: misrouted aggregates are dropped */
    for (long i = 0; i < n; i++) assert_true(copies[i] >= 1);
    /* After the split, records of the parent's range land only on the children. */
    long on_children = 0;
    for (size_t i = 0; i < f->srv.nrecs; i++)
        if (f->srv.recs[i].shard >= 2) on_children++;
    assert_true(on_children > 0);
    free(copies);
    fixture_free(f);
}

static void on_stats(void *user, const char *json, size_t len) {
    long *calls = user;
    assert_int_equal(strlen(json), len);
    assert_non_null(strstr(json, "UserRecordsReceived"));
    (*calls)++;
}

/* Lent data comes back by pointer; explicit hash keys route; statistics arrive on interval. */
static void test_lend_ehk_stats(void **state) {
    (void)state;
    long n = 300;
    fixture *f = fixture_new(4, n);
    static uint8_t lent[300 * 16];
    f->log.lend_base = lent;
    long stats_calls = 0;
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    o.stats_interval_ms = 1;
    o.stats_cb = on_stats;
    o.stats_user = &stats_calls;
    fixture_producer(f, &o);
    for (long i = 0; i < n; i++) {
        kinesis_producer_record r = {"s",
                                     "k",
                                     "340282366920938463463374607431768211455",
                                     lent + i,
                                     1,
                                     (void *)(intptr_t)i,
                                     KINESIS_PRODUCER_F_LEND};
        kinesis_error err;
        assert_int_equal(kinesis_producer_put(f->producer, &r, &err), KINESIS_OK);
    }
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    kinesis_sleep_ms(2);
    kinesis_producer_poll(f->producer, 0);
    assert_int_equal(f->log.ok, n);
    assert_int_equal(f->log.lend_pointer_ok, 1);
    assert_true(stats_calls >= 1);
    /* Every record went to the last shard (the key is 2^128-1). */
    for (size_t i = 0; i < f->srv.nrecs; i++) assert_int_equal(f->srv.recs[i].shard, 3);
    fixture_free(f);
}

/* A rate-limited shard waits for tokens worth a real request instead of sending a record or two
 * per refill: few requests, everything delivered, aggregated and not. */
static void run_paced(int aggregation, long n, uint32_t rate_bytes, uint32_t rate_records,
                      long max_puts) {
    fixture *f = fixture_new(1, n);
    kinesis_producer_options o;
    kinesis_producer_options_init(&o);
    o.aggregation = (uint32_t)aggregation;
    o.shard_rate_bytes = rate_bytes;
    o.shard_rate_records = rate_records;
    o.linger_ms = 5;
    fixture_producer(f, &o);
    put_all(f, n);
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, n);
    if (f->srv.puts > max_puts)
        fprintf(stderr, "%ld PutRecords requests for %ld records\n", f->srv.puts, n);
    assert_true(f->srv.puts <= max_puts);
    fixture_free(f);
}

static void test_pacing_sends_full_requests(void **state) {
    (void)state;
    /* ~64 token bytes per aggregated record: 3000 are a full bucket (1 s of budget) plus about
     * 1 s more at 100 KB/s, which should take about 10 requests, not hundreds. */
    run_paced(1, 3000, 100000, 0, 30);
    /* 2000 lone records at 1000 records/s: a full bucket plus about 1 s. */
    run_paced(0, 2000, 0, 1000, 30);
}

/* Take every ready report with take_reports() and log it like dr_cb would; returns how many. */
static size_t take_all(fixture *f, uint32_t timeout_ms) {
    kinesis_delivery_report reps[64];
    size_t n = 0;
    assert_int_equal(kinesis_producer_take_reports(f->producer, reps, 64, timeout_ms, &n),
                     KINESIS_OK);
    for (size_t i = 0; i < n; i++) on_report(&f->log, &reps[i]);
    return n;
}

/* put_batch() with report_queue: a full buffer accepts a prefix, take_reports() frees space,
 * every record is stored and reported once; a bad record stops the batch at its index with the
 * records before it queued; close() leaves the reports of given-up records for take_reports(). */
static void test_put_batch_take_reports(void **state) {
    (void)state;
    long n = 3000;
    fixture *f = fixture_new(4, n + 8);
    kinesis_producer_options o;
    unpaced_options(&o, 5);
    o.report_queue = 1;
    o.max_buffer_records = 700;
    fixture_producer(f, &o);
    kinesis_delivery_report rep;
    size_t got = 1;
    assert_int_equal(kinesis_producer_take_reports(NULL, &rep, 1, 0, &got),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(got, 0);
    /* The batch: keys and data back to back. */
    char *keys = malloc((size_t)n * 16), *data = malloc((size_t)n * 16);
    uint32_t *klens = malloc((size_t)n * sizeof(uint32_t)),
             *dlens = malloc((size_t)n * sizeof(uint32_t));
    void **opaques = malloc((size_t)n * sizeof(void *));
    size_t ko = 0, dof = 0;
    for (long i = 0; i < n; i++) {
        klens[i] = (uint32_t)sprintf(keys + ko, "key-%ld", i * 7919 % 1000);
        dlens[i] = (uint32_t)sprintf(data + dof, "rec-%ld", i);
        ko += klens[i];
        dof += dlens[i];
        opaques[i] = (void *)(intptr_t)i;
    }
    long done = 0, fulls = 0;
    size_t koff = 0, doff = 0;
    while (done < n) {
        kinesis_producer_batch b = {"s",
                                    (size_t)(n - done),
                                    keys + koff,
                                    klens + done,
                                    (const uint8_t *)data + doff,
                                    dlens + done,
                                    NULL,
                                    opaques + done,
                                    0};
        size_t accepted = 0;
        kinesis_error err;
        kinesis_status st = kinesis_producer_put_batch(f->producer, &b, &accepted, &err);
        for (size_t i = 0; i < accepted; i++) {
            koff += klens[done + (long)i];
            doff += dlens[done + (long)i];
        }
        done += (long)accepted;
        if (st == KINESIS_E_QUEUE_FULL) {
            fulls++;
            take_all(f, 20);
        } else {
            assert_int_equal(st, KINESIS_OK);
        }
    }
    assert_true(fulls > 0);
    /* poll() leaves queued reports alone; flush() waits for them to be taken. */
    assert_int_equal(kinesis_producer_poll(f->producer, 0), 0);
    while (kinesis_producer_outstanding(f->producer)) take_all(f, 20);
    assert_int_equal(kinesis_producer_flush(f->producer, 1000), KINESIS_OK);
    assert_delivered_once(f, n);

    /* A bad record in the middle: the two before it are queued, nothing after it. Keys: a NUL
     * inside a key, an empty key, and a bad explicit hash key. */
    static const char *bad_keys[] = {"aa\0b", "", "k"};
    static const uint32_t bad_lens[] = {4, 0, 1};
    static const kinesis_status bad_st[] = {KINESIS_E_INVALID_PARTITION_KEY,
                                            KINESIS_E_INVALID_PARTITION_KEY,
                                            KINESIS_E_INVALID_EXPLICIT_HASH_KEY};
    for (int t = 0; t < 3; t++) {
        long base = n + 2 * t; /* records base and base + 1 are queued */
        char bk[16], bd[64];
        memcpy(bk, "k1k2", 4);
        memcpy(bk + 4, bad_keys[t], bad_lens[t]);
        memcpy(bk + 4 + bad_lens[t], "k3", 2);
        uint32_t kl[4] = {2, 2, bad_lens[t], 2}, dl[4];
        size_t at = 0;
        for (int i = 0; i < 4; i++) {
            dl[i] = (uint32_t)sprintf(bd + at, "rec-%ld", base + i);
            at += dl[i];
        }
        const char *ehks[4] = {NULL, NULL, t == 2 ? "12x" : NULL, NULL};
        void *ops[4] = {(void *)(intptr_t)base, (void *)(intptr_t)(base + 1), NULL, NULL};
        kinesis_producer_batch b = {"s", 4, bk, kl, (const uint8_t *)bd, dl, ehks, ops, 0};
        size_t accepted = 9;
        kinesis_error err;
        assert_int_equal(kinesis_producer_put_batch(f->producer, &b, &accepted, &err), bad_st[t]);
        assert_int_equal(accepted, 2);
        assert_true(err.message[0] != 0);
    }
    /* close() gives up what is still queued and leaves every report for take_reports(). */
    kinesis_producer_close(f->producer, 0);
    while (kinesis_producer_outstanding(f->producer)) take_all(f, 20);
    for (long i = n; i < n + 6; i++) assert_int_equal(f->log.count[i], 1);
    free(keys);
    free(data);
    free(klens);
    free(dlens);
    free(opaques);
    fixture_free(f);
}

/* Many threads put at once; each record is reported once. */
typedef struct mt_arg {
    fixture *f;
    long from, to;
} mt_arg;

static void *mt_put(void *arg) {
    mt_arg *a = arg;
    for (long i = a->from; i < a->to; i++) {
        kinesis_status st;
        while ((st = put_idx(a->f, "s", i)) == KINESIS_E_QUEUE_FULL) kinesis_sleep_ms(1);
        assert_int_equal(st, KINESIS_OK);
    }
    return NULL;
}

static void test_many_threads(void **state) {
    (void)state;
    long n = 40000;
    fixture *f = fixture_new(4, n);
    kinesis_producer_options o;
    unpaced_options(&o, 10);
    o.report_thread = 1;
    o.max_buffer_records = 5000;
    fixture_producer(f, &o);
    pthread_t t[4];
    mt_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (mt_arg){f, n / 4 * i, n / 4 * (i + 1)};
        pthread_create(&t[i], NULL, mt_put, &args[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    assert_int_equal(kinesis_producer_close(f->producer, 60000), KINESIS_OK);
    assert_int_equal(f->log.ok, n);
    for (long i = 0; i < n; i++) assert_int_equal(f->log.count[i], 1);
    fixture_free(f);
}

/* Records of every size class of the producer's slabs (and larger), with their data copied at
 * put(): each is stored once with its bytes intact and reported once with them. */
static void test_record_sizes(void **state) {
    (void)state;
    long n = 6000;
    fixture *f = fixture_new(4, n);
    f->log.sized = 1;
    kinesis_producer_options o;
    unpaced_options(&o, 10);
    o.max_buffer_records = 1500; /* blocks are freed and reused while the run goes on */
    fixture_producer(f, &o);
    put_all(f, n); /* from a buffer on put_idx's stack: the producer must copy */
    assert_int_equal(kinesis_producer_flush(f->producer, 60000), KINESIS_OK);
    assert_delivered_once(f, n);
    assert_int_equal(kinesis_producer_close(f->producer, 1000), KINESIS_OK);
    fixture_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_table),
        cmocka_unit_test(test_new_rejects_bad_options),
        cmocka_unit_test(test_put_validation),
        cmocka_unit_test(test_aggregated_clean),
        cmocka_unit_test(test_idle_senders_keep_linger),
        cmocka_unit_test(test_unaggregated_clean),
        cmocka_unit_test(test_result_styles),
        cmocka_unit_test(test_faults_aggregated),
        cmocka_unit_test(test_faults_unaggregated),
        cmocka_unit_test(test_partial_failures_no_duplicates),
        cmocka_unit_test(test_ordered),
        cmocka_unit_test(test_queue_full_and_memory_bound),
        cmocka_unit_test(test_blocking_put),
        cmocka_unit_test(test_ttl_under_throttling),
        cmocka_unit_test(test_stream_not_found),
        cmocka_unit_test(test_close_reports_pending),
        cmocka_unit_test(test_resharding),
        cmocka_unit_test(test_lend_ehk_stats),
        cmocka_unit_test(test_many_threads),
        cmocka_unit_test(test_put_batch_take_reports),
        cmocka_unit_test(test_pacing_sends_full_requests),
        cmocka_unit_test(test_record_sizes),
        cmocka_unit_test(test_map_refresh_never_spins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The consumer against an in-process fake Kinesis (a transport that answers ListShards,
 * GetShardIterator and GetRecords from tables): parents before children through a split and a
 * merge, expired iterators, throttling, KCL deaggregation with the shard's hash range, resuming
 * from checkpoints without loss or repeats, the pull API, LATEST, and the file store. */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "consumer_internal.h"
#include "internal.h"
#include "json.h"
#include "kinesis/kinesis.h"

/* ---- fake Kinesis ---- */

#define MAX_SHARDS 8
#define MAX_RECS 64

typedef struct fake_rec {
    char seq[40];
    char pk[64];
    uint8_t data[2048];
    size_t len;
} fake_rec;

typedef struct fake_shard {
    char id[32];
    const char *parent, *adjacent;
    kinesis_hash_key start, end;
    int closed;
    const char *children[2];
    fake_rec recs[MAX_RECS];
    int n;
} fake_shard;

typedef struct fake {
    pthread_mutex_t lock;
    fake_shard shards[MAX_SHARDS];
    int nshards;
    int expire_on_call;   /* GetRecords call number (1-based) answered ExpiredIterator */
    int throttle_on_call; /* ... answered ProvisionedThroughputExceeded */
    int fail_on_call;     /* ... answered HTTP 500 */
    int calls;
    int after_seq_iterators; /* GetShardIterator AFTER_SEQUENCE_NUMBER requests */
    int at_seq_iterators;
    int latest_iterators;
    uint32_t max_per_call;
} fake;

static fake_shard *fake_find(fake *f, const char *id) {
    for (int i = 0; i < f->nshards; i++)
        if (strcmp(f->shards[i].id, id) == 0) return &f->shards[i];
    return NULL;
}

static fake_shard *add_shard(fake *f, const char *id, const char *parent, const char *adjacent,
                             const char *start, const char *end) {
    fake_shard *s = &f->shards[f->nshards++];
    memset(s, 0, sizeof(*s));
    snprintf(s->id, sizeof s->id, "%s", id);
    s->parent = parent;
    s->adjacent = adjacent;
    assert_int_equal(kinesis_hash_key_parse(start, strlen(start), &s->start), KINESIS_OK);
    assert_int_equal(kinesis_hash_key_parse(end, strlen(end), &s->end), KINESIS_OK);
    return s;
}

static void add_rec(fake_shard *s, int shard_no, const char *pk, const uint8_t *data, size_t len) {
    fake_rec *r = &s->recs[s->n];
    snprintf(r->seq, sizeof r->seq, "4960%02d%016d", shard_no, s->n + 1);
    snprintf(r->pk, sizeof r->pk, "%s", pk);
    assert_true(len <= sizeof r->data);
    memcpy(r->data, data, len);
    r->len = len;
    s->n++;
}

static void add_text(fake_shard *s, int shard_no, const char *pk, const char *text) {
    add_rec(s, shard_no, pk, (const uint8_t *)text, strlen(text));
}

static void respond(const kinesis_http_response_handler *h, int status, const char *body) {
    h->on_status(h->user, status);
    h->on_header(h->user, "x-amzn-RequestId", 16, "fake", 4);
    h->on_body(h->user, (const uint8_t *)body, strlen(body));
}

static void append_range(kinesis_buf *b, const fake_shard *s) {
    char a[KINESIS_HASH_KEY_DECIMAL_MAX], z[KINESIS_HASH_KEY_DECIMAL_MAX];
    kinesis_hash_key_format(s->start, a);
    kinesis_hash_key_format(s->end, z);
    kinesis_buf_appendf(b, "\"HashKeyRange\":{\"StartingHashKey\":\"%s\",\"EndingHashKey\":\"%s\"}",
                        a, z);
}

static kinesis_status fake_send(void *impl, const kinesis_http_request *req,
                                const kinesis_http_response_handler *h, kinesis_error *err) {
    (void)err;
    fake *f = impl;
    const char *target = "";
    for (size_t i = 0; i < req->header_count; i++)
        if (!strcasecmp(req->headers[i].name, "X-Amz-Target")) target = req->headers[i].value;
    const char *op = strchr(target, '.');
    op = op ? op + 1 : target;
    kinesis_arena *arena = kinesis_arena_new(NULL);
    kjson *doc = NULL;
    assert_int_equal(kjson_parse(arena, (const char *)req->body, req->body_len, &doc, NULL),
                     KINESIS_OK);
    kinesis_buf b;
    kinesis_buf_init(&b, NULL);
    int status = 200;
    pthread_mutex_lock(&f->lock);
    if (!strcmp(op, "ListShards")) {
        kinesis_buf_append_str(&b, "{\"Shards\":[");
        for (int i = 0; i < f->nshards; i++) {
            const fake_shard *s = &f->shards[i];
            kinesis_buf_appendf(&b, "%s{\"ShardId\":\"%s\",", i ? "," : "", s->id);
            if (s->parent) kinesis_buf_appendf(&b, "\"ParentShardId\":\"%s\",", s->parent);
            if (s->adjacent)
                kinesis_buf_appendf(&b, "\"AdjacentParentShardId\":\"%s\",", s->adjacent);
            append_range(&b, s);
            kinesis_buf_appendf(
                &b, ",\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"1\"%s}}",
                s->closed ? ",\"EndingSequenceNumber\":\"99999999999999999999999\"" : "");
        }
        kinesis_buf_append_str(&b, "]}");
    } else if (!strcmp(op, "GetShardIterator")) {
        const char *id = kjson_get_string(doc, "ShardId");
        const char *type = kjson_get_string(doc, "ShardIteratorType");
        const char *seq = kjson_get_string(doc, "StartingSequenceNumber");
        fake_shard *s = fake_find(f, id);
        assert_non_null(s);
        int pos = 0;
        if (!strcmp(type, "LATEST")) {
            pos = s->n;
            f->latest_iterators++;
        } else if (!strcmp(type, "AT_SEQUENCE_NUMBER") || !strcmp(type, "AFTER_SEQUENCE_NUMBER")) {
            int after = type[1] == 'F';
            if (after)
                f->after_seq_iterators++;
            else
                f->at_seq_iterators++;
            while (pos < s->n && kinesis_consumer_seqcmp_(s->recs[pos].seq, seq) < 0) pos++;
            if (after && pos < s->n && !strcmp(s->recs[pos].seq, seq)) pos++;
        }
        kinesis_buf_appendf(&b, "{\"ShardIterator\":\"%s|%d\"}", id, pos);
    } else if (!strcmp(op, "GetRecords")) {
        f->calls++;
        const char *it = kjson_get_string(doc, "ShardIterator");
        char id[32];
        const char *bar = strchr(it, '|');
        snprintf(id, sizeof id, "%.*s", (int)(bar - it), it);
        int pos = atoi(bar + 1);
        fake_shard *s = fake_find(f, id);
        if (f->calls == f->expire_on_call) {
            status = 400;
            kinesis_buf_append_str(&b,
                                   "{\"__type\":\"ExpiredIteratorException\",\"message\":\"x\"}");
        } else if (f->calls == f->throttle_on_call) {
            status = 400;
            kinesis_buf_append_str(
                &b, "{\"__type\":\"ProvisionedThroughputExceededException\",\"message\":\"x\"}");
        } else if (f->calls == f->fail_on_call) {
            status = 500;
            kinesis_buf_append_str(&b, "{\"__type\":\"InternalFailure\",\"message\":\"x\"}");
        } else {
            int n = s->n - pos;
            if (f->max_per_call && n > (int)f->max_per_call) n = (int)f->max_per_call;
            kinesis_buf_append_str(&b, "{\"Records\":[");
            for (int i = 0; i < n; i++) {
                const fake_rec *r = &s->recs[pos + i];
                kinesis_buf_appendf(&b,
                                    "%s{\"SequenceNumber\":\"%s\",\"PartitionKey\":\"%s\","
                                    "\"ApproximateArrivalTimestamp\":1700000000.25,\"Data\":",
                                    i ? "," : "", r->seq, r->pk);
                kjson_append_base64(&b, r->data, r->len);
                kinesis_buf_append_char(&b, '}');
            }
            pos += n;
            kinesis_buf_appendf(&b, "],\"MillisBehindLatest\":%d", pos < s->n ? 1000 : 0);
            if (s->closed && pos >= s->n) {
                kinesis_buf_append_str(&b, ",\"ChildShards\":[");
                for (int c = 0; c < 2 && s->children[c]; c++) {
                    fake_shard *ch = fake_find(f, s->children[c]);
                    kinesis_buf_appendf(&b, "%s{\"ShardId\":\"%s\",\"ParentShards\":[\"%s\"",
                                        c ? "," : "", ch->id, ch->parent);
                    if (ch->adjacent) kinesis_buf_appendf(&b, ",\"%s\"", ch->adjacent);
                    kinesis_buf_append_str(&b, "],");
                    append_range(&b, ch);
                    kinesis_buf_append_char(&b, '}');
                }
                kinesis_buf_append_str(&b, "]}");
            } else {
                kinesis_buf_appendf(&b, ",\"NextShardIterator\":\"%s|%d\"}", id, pos);
            }
        }
    } else {
        status = 400;
        kinesis_buf_append_str(&b, "{\"__type\":\"InvalidArgumentException\",\"message\":\"op\"}");
    }
    pthread_mutex_unlock(&f->lock);
    respond(h, status, b.data);
    kinesis_buf_clean_up(&b);
    kinesis_arena_destroy(arena);
    return KINESIS_OK;
}

static void fake_destroy(void *impl) { (void)impl; }
static const kinesis_transport_vtable fake_vtable = {fake_send, NULL, fake_destroy};

/* ---- fixture ---- */

#define FULL_START "0"
#define FULL_END "340282366920938463463374607431768211455"
#define HALF_END "170141183460469231731687303715884105727"
#define HALF_START "170141183460469231731687303715884105728"

typedef struct got {
    char shard[32];
    char seq[40];
    uint64_t sub;
    char pk[64];
    char data[64];
} got;

typedef struct fixture {
    test_allocator alloc; /* thread-safe counters: the consumer allocates from workers */
    fake fk;
    kinesis_transport *transport;
    kinesis_credentials_provider *creds;
    kinesis_client *client;
    got recs[512];
    int n;
    int stop_after;
    int drops;
    uint64_t dropped_records;
    kinesis_consumer *consumer;
    int checkpoint_at; /* checkpoint manually at this record (1-based) */
    char dir[64];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    test_allocator_init(&f->alloc);
    pthread_mutex_init(&f->fk.lock, NULL);
    f->transport = kinesis_transport_new(&fake_vtable, &f->fk, &f->alloc.base);
    f->creds = kinesis_credentials_provider_new_static("AKID", "secret", NULL, &f->alloc.base);
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "us-east-1";
    o.endpoint_url = "http://127.0.0.1:4567";
    o.transport = f->transport;
    o.credentials = f->creds;
    o.allocator = &f->alloc.base;
    o.retry.max_attempts = 1; /* the consumer's own handling is what is tested */
    kinesis_error err;
    assert_int_equal(kinesis_client_new(&o, &f->client, &err), KINESIS_OK);
    snprintf(f->dir, sizeof f->dir, "/tmp/kcons-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    kinesis_client_destroy(f->client);
    kinesis_credentials_provider_destroy(f->creds);
    kinesis_transport_destroy(f->transport);
    assert_int_equal(f->alloc.live, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    pthread_mutex_destroy(&f->fk.lock);
    free(f);
    return 0;
}

static int on_record(void *user, const kinesis_consumer_record *r) {
    fixture *f = user;
    got *g = &f->recs[f->n++];
    snprintf(g->shard, sizeof g->shard, "%s", r->shard_id);
    snprintf(g->seq, sizeof g->seq, "%s", r->sequence_number);
    g->sub = r->sub_sequence_number;
    snprintf(g->pk, sizeof g->pk, "%.*s", (int)r->partition_key_len, r->partition_key);
    snprintf(g->data, sizeof g->data, "%.*s", (int)r->data_len, (const char *)r->data);
    if (f->checkpoint_at && f->n == f->checkpoint_at) {
        kinesis_error err;
        assert_int_equal(kinesis_consumer_checkpoint(f->consumer, r->shard_id, r->sequence_number,
                                                     r->sub_sequence_number, &err),
                         KINESIS_OK);
    }
    return f->stop_after && f->n >= f->stop_after;
}

static void on_drop(void *user, const char *shard_id, const char *seq, uint64_t n,
                    kinesis_status reason) {
    fixture *f = user;
    (void)shard_id;
    (void)seq;
    assert_int_equal(reason, KINESIS_E_AGG_OUT_OF_RANGE);
    f->drops++;
    f->dropped_records += n;
}

static void opts(fixture *f, kinesis_consumer_options *o) {
    kinesis_consumer_options_init(o);
    o->stream = "s";
    o->on_record = on_record;
    o->on_drop = on_drop;
    o->user = f;
    o->min_call_interval_ms = 1;
    o->idle_interval_ms = 5;
    o->shard_sync_interval_ms = 50;
    o->backoff_base_ms = 1;
    o->backoff_max_ms = 5;
    o->idle_exit_ms = 100;
}

static kinesis_status run(fixture *f, kinesis_consumer_options *o) {
    kinesis_error err;
    assert_int_equal(kinesis_consumer_new(f->client, o, &f->consumer, &err), KINESIS_OK);
    kinesis_status st = kinesis_consumer_run(f->consumer, &err);
    return st;
}

static int index_of(fixture *f, const char *data) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->recs[i].data, data)) return i;
    return -1;
}

static int last_of_shard(fixture *f, const char *shard) {
    int last = -1;
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->recs[i].shard, shard)) last = i;
    return last;
}

static int first_of_shard(fixture *f, const char *shard) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->recs[i].shard, shard)) return i;
    return -1;
}

/* shard 0 split into 1 and 2, which merged into 3; plus an open unrelated shard 4. */
static void reshard_layout(fixture *f) {
    fake *k = &f->fk;
    fake_shard *s0 = add_shard(k, "shardId-0", NULL, NULL, FULL_START, HALF_END);
    fake_shard *s1 = add_shard(k, "shardId-1", "shardId-0", NULL, FULL_START, "1000");
    fake_shard *s2 = add_shard(k, "shardId-2", "shardId-0", NULL, "1001", HALF_END);
    fake_shard *s3 = add_shard(k, "shardId-3", "shardId-1", "shardId-2", FULL_START, HALF_END);
    fake_shard *s4 = add_shard(k, "shardId-4", NULL, NULL, HALF_START, FULL_END);
    s0->closed = s1->closed = s2->closed = 1;
    s0->children[0] = "shardId-1";
    s0->children[1] = "shardId-2";
    s1->children[0] = s2->children[0] = "shardId-3";
    char d[32];
    for (int i = 0; i < 10; i++) {
        snprintf(d, sizeof d, "s0-%d", i);
        add_text(s0, 0, "k", d);
        snprintf(d, sizeof d, "s1-%d", i);
        add_text(s1, 1, "k", d);
        snprintf(d, sizeof d, "s2-%d", i);
        add_text(s2, 2, "k", d);
        snprintf(d, sizeof d, "s3-%d", i);
        add_text(s3, 3, "k", d);
        snprintf(d, sizeof d, "s4-%d", i);
        add_text(s4, 4, "k", d);
    }
}

static void test_parents_before_children(void **state) {
    fixture *f = *state;
    reshard_layout(f);
    f->fk.max_per_call = 3; /* several calls per shard */
    kinesis_consumer_options o;
    opts(f, &o);
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 50);
    for (int i = 0; i < f->n; i++)
        for (int j = i + 1; j < f->n; j++)
            assert_string_not_equal(f->recs[i].data, f->recs[j].data);
    assert_true(last_of_shard(f, "shardId-0") < first_of_shard(f, "shardId-1"));
    assert_true(last_of_shard(f, "shardId-0") < first_of_shard(f, "shardId-2"));
    assert_true(last_of_shard(f, "shardId-1") < first_of_shard(f, "shardId-3"));
    assert_true(last_of_shard(f, "shardId-2") < first_of_shard(f, "shardId-3"));
    /* in sequence order inside each shard */
    for (int i = 0; i < 9; i++) {
        char a[16], b[16];
        snprintf(a, sizeof a, "s3-%d", i);
        snprintf(b, sizeof b, "s3-%d", i + 1);
        assert_true(index_of(f, a) < index_of(f, b));
    }
    kinesis_consumer_shard_info info[8];
    assert_int_equal(kinesis_consumer_get_shards(f->consumer, info, 8), 5);
    for (int i = 0; i < 5; i++) {
        if (i >= 3) {
            assert_int_equal(info[i].state, KINESIS_CONSUMER_SHARD_READING);
            assert_int_equal(info[i].millis_behind_latest, 0);
        } else {
            assert_int_equal(info[i].state, KINESIS_CONSUMER_SHARD_FINISHED);
        }
        assert_int_equal(info[i].records_delivered, 10);
    }
    assert_string_equal(info[3].parent_shard_id, "shardId-1");
    assert_string_equal(info[3].adjacent_parent_shard_id, "shardId-2");
    kinesis_consumer_destroy(f->consumer);
}

static void test_expired_iterator_throttle_and_5xx(void **state) {
    fixture *f = *state;
    fake_shard *s = add_shard(&f->fk, "shardId-0", NULL, NULL, FULL_START, FULL_END);
    char d[16];
    for (int i = 0; i < 20; i++) {
        snprintf(d, sizeof d, "r%d", i);
        add_text(s, 0, "k", d);
    }
    f->fk.max_per_call = 4;
    f->fk.expire_on_call = 2;
    f->fk.throttle_on_call = 4;
    f->fk.fail_on_call = 6;
    kinesis_consumer_options o;
    opts(f, &o);
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 20);
    for (int i = 0; i < 20; i++) {
        snprintf(d, sizeof d, "r%d", i);
        assert_string_equal(f->recs[i].data, d);
    }
    kinesis_consumer_stats st;
    kinesis_consumer_get_stats(f->consumer, &st);
    assert_int_equal(st.iterator_renewals, 1);
    assert_int_equal(st.throttled, 1);
    assert_int_equal(st.transient_failures, 1);
    /* the new iterator starts after the last record received */
    assert_int_equal(f->fk.after_seq_iterators, 1);
    kinesis_consumer_destroy(f->consumer);
}

/* An aggregate blob of `n` records with partition keys pk0..; data "<tag>-<i>". With
 * ehk_of_last, every member gets explicit hash key 7 and the last one ehk_of_last. */
static size_t make_aggregate(uint8_t *out, size_t cap, const char *tag, int n,
                             const char *ehk_of_last) {
    kinesis_agg_encoder enc;
    kinesis_agg_encoder_options eo;
    memset(&eo, 0, sizeof eo);
    eo.always_aggregate = 1;
    assert_int_equal(kinesis_agg_encoder_init(&enc, &eo, NULL), KINESIS_OK);
    char pk[16], data[32];
    for (int i = 0; i < n; i++) {
        snprintf(pk, sizeof pk, "pk%d", i);
        snprintf(data, sizeof data, "%s-%d", tag, i);
        kinesis_agg_record r = {pk, strlen(pk), NULL, 0, (const uint8_t *)data, strlen(data)};
        if (ehk_of_last) {
            r.explicit_hash_key = i == n - 1 ? ehk_of_last : "7";
            r.explicit_hash_key_len = strlen(r.explicit_hash_key);
        }
        assert_int_equal(kinesis_agg_encoder_add(&enc, &r), KINESIS_OK);
    }
    kinesis_agg_output ao;
    assert_int_equal(kinesis_agg_encoder_finish(&enc, &ao), KINESIS_OK);
    assert_true(ao.data_len <= cap);
    memcpy(out, ao.data, ao.data_len);
    size_t len = ao.data_len;
    kinesis_agg_encoder_clean_up(&enc);
    return len;
}

static void test_deaggregation_with_shard_range(void **state) {
    fixture *f = *state;
    /* the shard owns [0, 2^127-1]: an explicit hash key of 2^127 is outside it */
    fake_shard *s = add_shard(&f->fk, "shardId-0", NULL, NULL, FULL_START, HALF_END);
    uint8_t blob[512];
    add_text(s, 0, "plain", "p-0");
    size_t n = make_aggregate(blob, sizeof blob, "a", 3, "5");
    add_rec(s, 0, "a", blob, n);
    n = make_aggregate(blob, sizeof blob, "bad", 4, HALF_START);
    add_rec(s, 0, "a", blob, n);
    add_text(s, 0, "plain", "p-1");
    kinesis_consumer_options o;
    opts(f, &o);
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 5);
    assert_string_equal(f->recs[0].data, "p-0");
    for (int i = 0; i < 3; i++) {
        char d[16], pk[16];
        snprintf(d, sizeof d, "a-%d", i);
        snprintf(pk, sizeof pk, "pk%d", i);
        assert_string_equal(f->recs[1 + i].data, d);
        assert_string_equal(f->recs[1 + i].pk, pk);
        assert_int_equal(f->recs[1 + i].sub, (uint64_t)i);
        assert_string_equal(f->recs[1 + i].seq, f->recs[1].seq);
    }
    assert_string_equal(f->recs[4].data, "p-1");
    assert_int_equal(f->drops, 1);
    assert_int_equal(f->dropped_records, 4);
    kinesis_consumer_stats st;
    kinesis_consumer_get_stats(f->consumer, &st);
    assert_int_equal(st.aggregates_dropped, 1);
    assert_int_equal(st.user_records_dropped, 4);
    kinesis_consumer_destroy(f->consumer);
}

/* An aggregate of the given keys (explicit hash key ehk for all when not NULL); data "<tag>-<i>".
 */
static size_t make_aggregate_keys(uint8_t *out, size_t cap, const char *tag, char keys[][16], int n,
                                  const char *ehk) {
    kinesis_agg_encoder enc;
    kinesis_agg_encoder_options eo;
    memset(&eo, 0, sizeof eo);
    eo.always_aggregate = 1;
    assert_int_equal(kinesis_agg_encoder_init(&enc, &eo, NULL), KINESIS_OK);
    char data[32];
    for (int i = 0; i < n; i++) {
        snprintf(data, sizeof data, "%s-%d", tag, i);
        kinesis_agg_record r = {
            keys[i],     strlen(keys[i]), ehk, ehk ? strlen(ehk) : 0, (const uint8_t *)data,
            strlen(data)};
        assert_int_equal(kinesis_agg_encoder_add(&enc, &r), KINESIS_OK);
    }
    kinesis_agg_output ao;
    assert_int_equal(kinesis_agg_encoder_finish(&enc, &ao), KINESIS_OK);
    assert_true(ao.data_len <= cap);
    memcpy(out, ao.data, ao.data_len);
    size_t len = ao.data_len;
    kinesis_agg_encoder_clean_up(&enc);
    return len;
}

/* Partition keys "k<i>" whose MD5 lies in the lower (low = 1) or upper half of the key space. */
static void keys_in_half(char keys[][16], int n, int low) {
    for (int i = 0, found = 0; found < n; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        kinesis_hash_key h = kinesis_hash_key_of_partition_key(NULL, k, strlen(k));
        if ((h.hi >> 63 == 0) == (low != 0)) memcpy(keys[found++], k, sizeof k);
    }
}

/* The range check with partition keys only (no explicit hash keys): many distinct keys all in
 * range are delivered; one key outside drops its aggregate; an explicit hash key in range keeps
 * a member whose partition key is outside. */
static void test_deaggregation_partition_key_range(void **state) {
    fixture *f = *state;
    fake_shard *s = add_shard(&f->fk, "shardId-0", NULL, NULL, FULL_START, HALF_END);
    static uint8_t blob[4096];
    char in[70][16], out[2][16];
    keys_in_half(in, 70, 1);
    keys_in_half(out, 2, 0);
    size_t n = make_aggregate_keys(blob, sizeof blob, "a", in, 70, NULL);
    add_rec(s, 0, "a", blob, n);
    char mixed[5][16];
    memcpy(mixed, in, 4 * sizeof mixed[0]);
    memcpy(mixed[4], out[0], sizeof mixed[4]);
    n = make_aggregate_keys(blob, sizeof blob, "b", mixed, 5, NULL);
    assert_true(n <= sizeof s->recs[0].data);
    add_rec(s, 0, "a", blob, n);
    n = make_aggregate_keys(blob, sizeof blob, "c", out, 2, "5");
    add_rec(s, 0, "a", blob, n);
    kinesis_consumer_options o;
    opts(f, &o);
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 72);
    for (int i = 0; i < 70; i++) {
        char d[16];
        snprintf(d, sizeof d, "a-%d", i);
        assert_string_equal(f->recs[i].data, d);
        assert_string_equal(f->recs[i].pk, in[i]);
        assert_int_equal(f->recs[i].sub, (uint64_t)i);
    }
    assert_string_equal(f->recs[70].data, "c-0");
    assert_string_equal(f->recs[71].data, "c-1");
    assert_int_equal(f->drops, 1);
    assert_int_equal(f->dropped_records, 5);
    kinesis_consumer_destroy(f->consumer);
}

static kinesis_checkpoint_store *file_store(fixture *f) {
    kinesis_checkpoint_store *cs = NULL;
    kinesis_error err;
    assert_int_equal(
        kinesis_file_checkpoint_store_new(NULL, f->dir, "app", "s", &f->alloc.base, &cs, &err),
        KINESIS_OK);
    return cs;
}

static void test_resume_from_checkpoint_in_aggregate(void **state) {
    fixture *f = *state;
    fake_shard *s = add_shard(&f->fk, "shardId-0", NULL, NULL, FULL_START, FULL_END);
    uint8_t blob[512];
    add_text(s, 0, "k", "p-0");
    size_t n = make_aggregate(blob, sizeof blob, "a", 4, NULL);
    add_rec(s, 0, "a", blob, n);
    add_text(s, 0, "k", "p-1");

    /* first run: checkpoint at a-1 (the third record) by hand, stop after a-2 */
    kinesis_checkpoint_store *cs = file_store(f);
    kinesis_consumer_options o;
    opts(f, &o);
    o.checkpoints = cs;
    o.manual_checkpoints = 1;
    o.idle_exit_ms = 0;
    f->checkpoint_at = 3;
    f->stop_after = 4;
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 4);
    assert_string_equal(f->recs[2].data, "a-1");
    kinesis_consumer_destroy(f->consumer);
    kinesis_checkpoint_store_destroy(cs);

    /* restart with a fresh store object reading the file: resumes after a-1 */
    cs = file_store(f);
    kinesis_checkpoint cp;
    int found = 0;
    assert_int_equal(kinesis_checkpoint_store_get(cs, "shardId-0", &cp, &found), KINESIS_OK);
    assert_true(found);
    assert_int_equal(cp.sub_sequence_number, 1);
    assert_int_equal(cp.shard_ended, 0);
    f->n = 0;
    f->checkpoint_at = 0;
    f->stop_after = 0;
    opts(f, &o);
    o.checkpoints = cs;
    o.checkpoint_every_records = 1;
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 3);
    assert_string_equal(f->recs[0].data, "a-2");
    assert_string_equal(f->recs[1].data, "a-3");
    assert_string_equal(f->recs[2].data, "p-1");
    assert_int_equal(f->fk.at_seq_iterators, 1);
    kinesis_consumer_stats st;
    kinesis_consumer_get_stats(f->consumer, &st);
    assert_int_equal(st.records_skipped, 2);
    kinesis_consumer_destroy(f->consumer);
    assert_int_equal(kinesis_checkpoint_store_get(cs, "shardId-0", &cp, &found), KINESIS_OK);
    assert_string_equal(cp.sequence_number, s->recs[2].seq);
    kinesis_checkpoint_store_destroy(cs);

    /* third run: nothing new, nothing repeated */
    cs = file_store(f);
    f->n = 0;
    opts(f, &o);
    o.checkpoints = cs;
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 0);
    kinesis_consumer_destroy(f->consumer);
    kinesis_checkpoint_store_destroy(cs);
}

static void test_finished_parent_checkpointed_as_ended(void **state) {
    fixture *f = *state;
    reshard_layout(f);
    kinesis_checkpoint_store *cs = file_store(f);
    kinesis_consumer_options o;
    opts(f, &o);
    o.checkpoints = cs;
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 50);
    kinesis_consumer_destroy(f->consumer);
    const char *ended[] = {"shardId-0", "shardId-1", "shardId-2"};
    for (int i = 0; i < 3; i++) {
        kinesis_checkpoint cp;
        int found = 0;
        assert_int_equal(kinesis_checkpoint_store_get(cs, ended[i], &cp, &found), KINESIS_OK);
        assert_true(found);
        assert_int_equal(cp.shard_ended, 1);
    }
    kinesis_checkpoint_store_destroy(cs);
    /* a restart reads nothing again, and no iterator is asked for the ended shards */
    cs = file_store(f);
    f->n = 0;
    f->fk.at_seq_iterators = 0;
    opts(f, &o);
    o.checkpoints = cs;
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 0);
    assert_int_equal(f->fk.at_seq_iterators, 2); /* shards 3 and 4 resume */
    kinesis_consumer_destroy(f->consumer);
    kinesis_checkpoint_store_destroy(cs);
}

static void test_latest_skips_closed_shards(void **state) {
    fixture *f = *state;
    reshard_layout(f);
    kinesis_consumer_options o;
    opts(f, &o);
    o.start = KINESIS_CONSUMER_START_LATEST;
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 0);
    assert_int_equal(f->fk.latest_iterators, 2); /* the open shards 3 and 4 */
    kinesis_consumer_shard_info info[8];
    assert_int_equal(kinesis_consumer_get_shards(f->consumer, info, 8), 5);
    assert_int_equal(info[0].state, KINESIS_CONSUMER_SHARD_SKIPPED);
    kinesis_consumer_destroy(f->consumer);
}

static void test_pull_api(void **state) {
    fixture *f = *state;
    fake_shard *s = add_shard(&f->fk, "shardId-0", NULL, NULL, FULL_START, FULL_END);
    add_text(s, 0, "k", "one");
    add_text(s, 0, "k", "two");
    kinesis_consumer_options o;
    opts(f, &o);
    o.on_record = NULL;
    o.idle_exit_ms = 0;
    kinesis_error err;
    kinesis_consumer *c;
    assert_int_equal(kinesis_consumer_new(f->client, &o, &c, &err), KINESIS_OK);
    kinesis_consumer_record r;
    assert_int_equal(kinesis_consumer_next(c, &r, 5000, &err), KINESIS_OK);
    assert_memory_equal(r.data, "one", 3);
    assert_string_equal(r.shard_id, "shardId-0");
    assert_int_equal(kinesis_consumer_next(c, &r, 5000, &err), KINESIS_OK);
    assert_memory_equal(r.data, "two", 3);
    assert_int_equal(kinesis_consumer_next(c, &r, 50, &err), KINESIS_E_TIMEOUT);
    kinesis_consumer_stop(c);
    assert_int_equal(kinesis_consumer_next(c, &r, 50, &err), KINESIS_E_CANCELLED);
    kinesis_consumer_stats st;
    kinesis_consumer_get_stats(c, &st);
    assert_int_equal(st.records_delivered, 2);
    kinesis_consumer_destroy(c);
}

static const char *packed_str(const kinesis_consumer_batch *b, uint32_t off, uint32_t len) {
    const char *p = (const char *)b->bytes + off;
    assert_true(off + len < b->bytes_len);
    assert_int_equal(p[len], '\0');
    return p;
}

/* The batch pull: packed records of one shard, plain and aggregated, processed at the next call;
 * batch_done with fewer records stops and checkpoints exactly there. */
static void test_pull_batches(void **state) {
    fixture *f = *state;
    fake_shard *s = add_shard(&f->fk, "shardId-0", NULL, NULL, FULL_START, FULL_END);
    uint8_t blob[512];
    add_text(s, 0, "k0", "p-0");
    size_t len = make_aggregate(blob, sizeof blob, "a", 5, NULL);
    add_rec(s, 0, "a", blob, len);
    len = make_aggregate(blob, sizeof blob, "e", 2, "99");
    add_rec(s, 0, "a", blob, len);
    add_text(s, 0, "k1", "p-1");
    kinesis_checkpoint_store *cs = file_store(f);
    kinesis_consumer_options o;
    opts(f, &o);
    o.on_record = NULL;
    o.idle_exit_ms = 0;
    o.checkpoints = cs;
    kinesis_error err;
    kinesis_consumer *c;
    assert_int_equal(kinesis_consumer_new(f->client, &o, &c, &err), KINESIS_OK);
    kinesis_consumer_batch b;
    assert_int_equal(kinesis_consumer_next_batch(c, 0, 10, &b, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_consumer_next_batch(c, 3, 5000, &b, &err), KINESIS_OK);
    assert_int_equal(b.count, 3);
    assert_string_equal(b.shard_id, "shardId-0");
    assert_true((const uint8_t *)b.records >= b.bytes &&
                (const uint8_t *)(b.records + b.count) == b.bytes + b.bytes_len);
    const kinesis_consumer_packed_record *r = b.records;
    assert_string_equal(packed_str(&b, r[0].data_offset, r[0].data_len), "p-0");
    assert_string_equal(packed_str(&b, r[0].partition_key_offset, r[0].partition_key_len), "k0");
    assert_string_equal(packed_str(&b, r[0].sequence_number_offset, r[0].sequence_number_len),
                        s->recs[0].seq);
    assert_int_equal(r[0].aggregated, 0);
    assert_int_equal(r[0].explicit_hash_key_len, 0);
    assert_true(r[0].approximate_arrival_timestamp > 0);
    for (int i = 1; i < 3; i++) {
        char d[8], pk[8];
        snprintf(d, sizeof d, "a-%d", i - 1);
        snprintf(pk, sizeof pk, "pk%d", i - 1);
        assert_string_equal(packed_str(&b, r[i].data_offset, r[i].data_len), d);
        assert_string_equal(packed_str(&b, r[i].partition_key_offset, r[i].partition_key_len), pk);
        assert_int_equal(r[i].sub_sequence_number, (uint64_t)(i - 1));
        assert_int_equal(r[i].aggregated, 1);
        assert_string_equal(packed_str(&b, r[i].sequence_number_offset, r[i].sequence_number_len),
                            s->recs[1].seq);
    }
    assert_int_equal(r[1].sequence_number_offset, r[2].sequence_number_offset); /* one copy */
    /* the rest of the first aggregate: a batch ends where the fetched response ends at most */
    assert_int_equal(kinesis_consumer_next_batch(c, 100, 5000, &b, &err), KINESIS_OK);
    assert_int_equal(b.count, 6); /* a-2..a-4, e-0, e-1, p-1 */
    r = b.records;
    assert_string_equal(packed_str(&b, r[3].data_offset, r[3].data_len), "e-0");
    assert_string_equal(packed_str(&b, r[3].explicit_hash_key_offset, r[3].explicit_hash_key_len),
                        "7");
    assert_string_equal(packed_str(&b, r[4].explicit_hash_key_offset, r[4].explicit_hash_key_len),
                        "99");
    assert_string_equal(packed_str(&b, r[5].data_offset, r[5].data_len), "p-1");
    /* 3 + 2 records processed: a-3 is the last; then the consumer stops */
    assert_int_equal(kinesis_consumer_batch_done(c, 2, &err), KINESIS_OK);
    assert_int_equal(kinesis_consumer_next_batch(c, 100, 5000, &b, &err), KINESIS_E_CANCELLED);
    kinesis_consumer_stats st;
    kinesis_consumer_get_stats(c, &st);
    assert_int_equal(st.records_delivered, 5);
    kinesis_consumer_destroy(c);
    kinesis_checkpoint cp;
    int found = 0;
    assert_int_equal(kinesis_checkpoint_store_get(cs, "shardId-0", &cp, &found), KINESIS_OK);
    assert_true(found);
    assert_string_equal(cp.sequence_number, s->recs[1].seq);
    assert_int_equal(cp.sub_sequence_number, 3);
    /* a restart goes on with a-4 */
    f->n = 0;
    opts(f, &o);
    o.checkpoints = cs;
    assert_int_equal(run(f, &o), KINESIS_OK);
    assert_int_equal(f->n, 4);
    assert_string_equal(f->recs[0].data, "a-4");
    assert_string_equal(f->recs[3].data, "p-1");
    kinesis_consumer_destroy(f->consumer);
    kinesis_checkpoint_store_destroy(cs);
}

static void test_bad_arguments(void **state) {
    fixture *f = *state;
    kinesis_consumer_options o;
    opts(f, &o);
    kinesis_consumer *c = NULL;
    kinesis_error err;
    o.stream = NULL;
    assert_int_equal(kinesis_consumer_new(f->client, &o, &c, &err), KINESIS_E_INVALID_STREAM);
    assert_null(c);
    o.stream = "s";
    o.max_records_per_call = 10001;
    assert_int_equal(kinesis_consumer_new(f->client, &o, &c, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_consumer_new(NULL, &o, &c, &err), KINESIS_E_INVALID_ARGUMENT);
    opts(f, &o);
    o.on_record = NULL;
    assert_int_equal(kinesis_consumer_new(f->client, &o, &c, &err), KINESIS_OK);
    assert_int_equal(kinesis_consumer_run(c, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_consumer_checkpoint(c, "shardId-0", "12", 0, &err),
                     KINESIS_E_INVALID_ARGUMENT); /* no store */
    kinesis_consumer_destroy(c);
    kinesis_consumer_destroy(NULL);
}

static void test_sequence_compare(void **state) {
    (void)state;
    assert_int_equal(kinesis_consumer_seqcmp_("0012", "12"), 0);
    assert_int_equal(kinesis_consumer_seqcmp_("9", "10"), -1);
    assert_int_equal(kinesis_consumer_seqcmp_("49600000000000000000002", "49600000000000000000001"),
                     1);
    assert_true(kinesis_consumer_at_or_before_("5", 3, "5", 3));
    assert_false(kinesis_consumer_at_or_before_("5", 4, "5", 3));
    assert_true(kinesis_consumer_at_or_before_("4", 9, "5", 0));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parents_before_children, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_iterator_throttle_and_5xx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deaggregation_with_shard_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_from_checkpoint_in_aggregate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finished_parent_checkpointed_as_ended, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_latest_skips_closed_shards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pull_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pull_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deaggregation_partition_key_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test(test_sequence_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

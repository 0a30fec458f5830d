/* The consumer: a coordinator thread (shard discovery, parent-before-child ordering, enhanced
 * fan-out set-up), one worker thread per shard being read (GetRecords or SubscribeToShard) and
 * a bounded queue of fetched batches that the caller's thread deaggregates and delivers. */
#include "consumer_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "client_internal.h"
#include "internal.h"
#include "json.h"
#include "kinesis/agg.h"

enum { BATCH_RECORDS = 0, BATCH_END = 1 };

typedef struct shard shard;

typedef struct batch {
    struct batch *next;
    shard *sh;
    int kind;
    kinesis_record *records;
    size_t count;
    int64_t millis_behind;
    uint8_t *md5_ok;                   /* per record: 1 = aggregate whose MD5 was checked */
    kinesis_get_records_result result; /* polling: owns the records */
    int has_result;
    void *owned;                        /* enhanced fan-out: one block holding copied records */
    kinesis_buf body;                   /* fast path: the response, parsed in place */
    kinesis_consumer_fast_result_ fast; /* fast path: records (views into body) */
} batch;

#define POOL_MAX 8
#define POOL_BUF_MAX                                                                               \
    (16u << 20) /* larger response buffers are freed, not kept (a full 10 MiB                      \
                  GetRecords response is about 14 MiB of JSON) */

struct shard {
    char id[KINESIS_SHARD_ID_MAX];
    char parents[2][KINESIS_SHARD_ID_MAX];
    int parent_count;
    kinesis_hash_key hash_start, hash_end;
    int has_range;
    int from_first_listing;
    int closed_at_first_listing;
    _Atomic int closed; /* ListShards reported an ending sequence number */
    kinesis_consumer_shard_state state;
    int consumed; /* read (now or in an earlier run): children start at TRIM_HORIZON */
    /* checkpoint found at discovery */
    int has_cp;
    kinesis_checkpoint cp;
    /* worker */
    pthread_t thread;
    int thread_started, worker_done;
    kinesis_iterator_type start_type;
    char last_fetched[KINESIS_SEQUENCE_NUMBER_MAX];
    size_t last_body_len; /* of the last GetRecords response: room reserved for the next */
    kinesis_subscription *sub;
    _Atomic int64_t empty_since_ms; /* 0 = last response had records (or none yet) */
    _Atomic int had_response;
    _Atomic int64_t millis_behind;
    /* delivering thread */
    int skip_active;
    char delivered_seq[KINESIS_SEQUENCE_NUMBER_MAX];
    const char *delivered_src; /* the view delivered_seq was copied from (batch still alive) */
    uint64_t delivered_sub;
    int has_delivered, dirty;
    uint64_t delivered_count;
    /* published under the lock for kinesis_consumer_get_shards */
    char pub_seq[KINESIS_SEQUENCE_NUMBER_MAX];
    uint64_t pub_sub;
    uint64_t pub_count;
    struct kinesis_consumer *c;
};

struct kinesis_consumer {
    kinesis_client *client;
    const kinesis_allocator *alloc;
    const kinesis_logger *log;
    kinesis_consumer_options o;
    char *stream;
    char *application;
    char *efo_name;
    char consumer_arn[KINESIS_ARN_MAX];

    pthread_mutex_t lock;
    pthread_cond_t cond; /* queue changed, shard finished, coordinator wake-up */
    pthread_mutex_t nap_lock;
    pthread_cond_t nap_cond; /* broadcast when the consumer stops (ends naps early) */
    _Atomic int stop_flag;
    int started, finished;
    pthread_t coord;
    int coord_started;
    int first_sync_done;
    int sync_now;

    shard **shards;
    size_t nshards, cap;

    batch *qhead, *qtail;
    size_t qlen;

    kinesis_status fatal;
    kinesis_error fatal_err;

    /* response buffers and record arrays of delivered batches, reused (no page faults) */
    kinesis_buf pool_body[POOL_MAX];
    kinesis_consumer_fast_result_ pool_fast[POOL_MAX];
    size_t pool_n;

    /* delivering thread */
    batch *cur;
    size_t cur_idx;
    int dec_active;
    kinesis_agg_decoder dec;
    const kinesis_record *dec_outer;
    uint32_t *scratch;
    size_t scratch_cap;
    kinesis_consumer_record rec;
    char ehk_buf[KINESIS_HASH_KEY_DECIMAL_MAX + 1];
    char pk_buf[1025];
    shard *prev_shard; /* pull mode: the record handed out last, processed at the next call */
    uint64_t prev_sub;
    const char *prev_seq; /* view into c->cur, which stays until the next pull */
    int have_prev;
    /* batch pull: the packed batch handed out last, processed at the next call */
    kinesis_buf pack_bytes, pack_recs;
    shard *pack_shard;
    size_t pack_count; /* records of it not yet marked processed */
    uint64_t since_cp;
    int64_t last_cp_ms;
    kinesis_status result_status;

    struct {
        _Atomic uint64_t delivered, kinesis_records, skipped, agg_dropped, user_dropped, calls,
            throttled, renewals, transient, subscriptions, checkpoints;
    } st;
};

#define ADD(field, n) atomic_fetch_add_explicit(&(field), (n), memory_order_relaxed)
#define GET(field) atomic_load_explicit(&(field), memory_order_relaxed)

/* ---------------------------------------------------------------------------------------- */
/* small helpers                                                                            */

int kinesis_consumer_seqcmp_(const char *a, const char *b) {
    while (*a == '0' && a[1]) a++;
    while (*b == '0' && b[1]) b++;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return la < lb ? -1 : 1;
    int r = strcmp(a, b);
    return r < 0 ? -1 : r > 0 ? 1 : 0;
}

int kinesis_consumer_at_or_before_(const char *seq, uint64_t sub, const char *cp_seq,
                                   uint64_t cp_sub) {
    int r = kinesis_consumer_seqcmp_(seq, cp_seq);
    return r < 0 || (r == 0 && sub <= cp_sub);
}

static int stopping(const kinesis_consumer *c) {
    return atomic_load_explicit(&c->stop_flag, memory_order_relaxed) != 0;
}

static void abs_deadline(struct timespec *ts, uint32_t ms) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Sleep up to ms, waking early when the consumer stops. No periodic wake-ups: whoever stops the
 * consumer for good (set_fatal, finish) wakes the sleepers; a stop from a signal handler is
 * noticed by the delivering thread, which then finishes. */
static void nap(kinesis_consumer *c, uint32_t ms) {
    if (ms == 0 || stopping(c)) return;
    struct timespec ts;
    abs_deadline(&ts, ms);
    pthread_mutex_lock(&c->nap_lock);
    while (!stopping(c) && pthread_cond_timedwait(&c->nap_cond, &c->nap_lock, &ts) != ETIMEDOUT) {
    }
    pthread_mutex_unlock(&c->nap_lock);
}

/* The stop flag is set: end every nap now. */
static void wake_nappers(kinesis_consumer *c) {
    pthread_mutex_lock(&c->nap_lock);
    pthread_cond_broadcast(&c->nap_cond);
    pthread_mutex_unlock(&c->nap_lock);
}

static uint32_t backoff_ms(const kinesis_consumer *c, uint32_t attempt) {
    kinesis_retry_policy policy = {0, c->o.backoff_base_ms, c->o.backoff_max_ms};
    uint32_t d = kinesis_backoff_delay_ms(&policy, attempt, (uint64_t)rand());
    return d < 10 ? 10 : d; /* full jitter, but a dead server is not hammered */
}

static void set_fatal(kinesis_consumer *c, kinesis_status st, const kinesis_error *err,
                      const char *what) {
    pthread_mutex_lock(&c->lock);
    if (c->fatal == KINESIS_OK) {
        c->fatal = st;
        if (err) c->fatal_err = *err;
        c->fatal_err.status = st;
        char msg[KINESIS_ERROR_MESSAGE_MAX + 128]; /* "what: " + message; copy_str marks a cut */
        snprintf(msg, sizeof msg, "%s: %s", what,
                 err && err->message[0] ? err->message : kinesis_status_str(st));
        kinesis_copy_string(c->fatal_err.message, sizeof c->fatal_err.message, msg);
    }
    atomic_store(&c->stop_flag, 1);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    wake_nappers(c);
    kinesis_log(c->log, KINESIS_LOG_ERROR, "consumer %s: %s: %s", c->application, what,
                kinesis_status_name(st));
}

static shard *find_shard(kinesis_consumer *c, const char *id) {
    for (size_t i = 0; i < c->nshards; i++)
        if (strcmp(c->shards[i]->id, id) == 0) return c->shards[i];
    return NULL;
}

static void batch_free(kinesis_consumer *c, batch *b) {
    if (!b) return;
    if (b->has_result) kinesis_get_records_result_clean_up(&b->result);
    if (b->body.data || b->fast.records) {
        pthread_mutex_lock(&c->lock);
        if (c->pool_n < POOL_MAX && b->body.cap <= POOL_BUF_MAX) {
            c->pool_body[c->pool_n] = b->body;
            c->pool_fast[c->pool_n] = b->fast;
            c->pool_n++;
            b->body.data = NULL;
            b->fast.records = NULL;
        }
        pthread_mutex_unlock(&c->lock);
        kinesis_buf_clean_up(&b->body);
        kinesis_mem_free(c->alloc, b->fast.records);
    }
    kinesis_mem_free(c->alloc, b->owned);
    kinesis_mem_free(c->alloc, b->md5_ok);
    kinesis_mem_free(c->alloc, b);
}

/* Check the MD5 of every aggregate in the batch at once (several times faster than one by one);
 * runs on the worker so the delivering thread only decodes. */
static void batch_check_md5(kinesis_consumer *c, batch *b) {
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++)
        if (kinesis_agg_has_magic(b->records[i].data, b->records[i].data_len)) n++;
    if (n == 0) return;
    b->md5_ok = kinesis_mem_calloc(c->alloc, b->count, 1);
    const uint8_t **blobs = kinesis_mem_alloc(c->alloc, n * sizeof(*blobs));
    size_t *lens = kinesis_mem_alloc(c->alloc, n * sizeof(*lens));
    uint8_t *ok = kinesis_mem_alloc(c->alloc, n);
    size_t *idx = kinesis_mem_alloc(c->alloc, n * sizeof(*idx));
    if (b->md5_ok && blobs && lens && ok && idx) {
        size_t k = 0;
        for (size_t i = 0; i < b->count; i++)
            if (kinesis_agg_has_magic(b->records[i].data, b->records[i].data_len)) {
                blobs[k] = b->records[i].data;
                lens[k] = b->records[i].data_len;
                idx[k++] = i;
            }
        if (kinesis_agg_check_md5_many(NULL, n, blobs, lens, ok) == KINESIS_OK)
            for (size_t j = 0; j < n; j++) b->md5_ok[idx[j]] = ok[j];
    }
    kinesis_mem_free(c->alloc, blobs);
    kinesis_mem_free(c->alloc, lens);
    kinesis_mem_free(c->alloc, ok);
    kinesis_mem_free(c->alloc, idx);
}

/* Queue a batch; waits while the queue is full. Returns 0 when stopping (batch freed). */
static int enqueue(kinesis_consumer *c, batch *b) {
    pthread_mutex_lock(&c->lock);
    while (b->kind == BATCH_RECORDS && c->qlen >= c->o.max_queued_batches && !stopping(c)) {
        struct timespec ts;
        abs_deadline(&ts, 100);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
    }
    if (stopping(c)) {
        pthread_mutex_unlock(&c->lock);
        batch_free(c, b);
        return 0;
    }
    if (c->qtail)
        c->qtail->next = b;
    else
        c->qhead = b;
    c->qtail = b;
    c->qlen++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return 1;
}

/* Children reported by a finished shard (ChildShards): add the unknown ones. */
static void add_children(kinesis_consumer *c, const kinesis_child_shard *ch, size_t n) {
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < n; i++) {
        if (!ch[i].shard_id || find_shard(c, ch[i].shard_id)) continue;
        if (c->nshards == c->cap) {
            size_t ncap = c->cap ? c->cap * 2 : 16;
            shard **ns =
                kinesis_mem_realloc(c->alloc, c->shards, c->cap * sizeof(*ns), ncap * sizeof(*ns));
            if (!ns) break;
            c->shards = ns;
            c->cap = ncap;
        }
        shard *s = kinesis_mem_calloc(c->alloc, 1, sizeof(*s));
        if (!s) break;
        s->c = c;
        kinesis_copy_string(s->id, sizeof s->id, ch[i].shard_id);
        for (size_t p = 0; p < ch[i].parent_count && p < 2; p++)
            kinesis_copy_string(s->parents[s->parent_count++], KINESIS_SHARD_ID_MAX,
                                ch[i].parent_shards[p]);
        s->hash_start = ch[i].hash_start;
        s->hash_end = ch[i].hash_end;
        s->has_range = 1;
        s->state = KINESIS_CONSUMER_SHARD_WAITING;
        s->millis_behind = -1;
        if (c->o.checkpoints) {
            int found = 0;
            if (kinesis_checkpoint_store_get(c->o.checkpoints, s->id, &s->cp, &found) ==
                    KINESIS_OK &&
                found)
                s->has_cp = 1;
        }
        c->shards[c->nshards++] = s;
    }
    c->sync_now = 1; /* confirm lineage with a listing soon */
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

/* ---------------------------------------------------------------------------------------- */
/* polling worker                                                                           */

/* Get an iterator: after the last record received, else at the checkpoint, else the start. */
static kinesis_status get_iterator(shard *s, char **out, kinesis_error *err) {
    kinesis_consumer *c = s->c;
    kinesis_get_shard_iterator_request req = {.stream = c->stream, .shard_id = s->id};
    if (s->last_fetched[0]) {
        req.type = KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER;
        req.starting_sequence_number = s->last_fetched;
    } else if (s->has_cp && s->cp.sequence_number[0]) {
        req.type = KINESIS_ITERATOR_AT_SEQUENCE_NUMBER;
        req.starting_sequence_number = s->cp.sequence_number;
    } else {
        req.type = s->start_type;
        req.timestamp = c->o.start_timestamp;
    }
    kinesis_get_shard_iterator_result r;
    kinesis_status st = kinesis_get_shard_iterator(c->client, &req, &r, err);
    if (st != KINESIS_OK) return st;
    *out = kinesis_strdup(c->alloc, r.shard_iterator);
    return *out ? KINESIS_OK : KINESIS_E_NO_MEMORY;
}

static int transient(kinesis_status st) {
    return kinesis_status_is_retryable(st) || st == KINESIS_E_THROTTLED;
}

/* One GetRecords into b: the fast in-place parser on a reused buffer, or (for responses it
 * does not handle, such as the end of a shard) the same iterator again through
 * kinesis_get_records. *next is the next iterator (a view into b) or NULL. */
static kinesis_status fetch(shard *s, const char *iter, uint32_t limit, batch *b, const char **next,
                            kinesis_error *err) {
    kinesis_consumer *c = s->c;
    pthread_mutex_lock(&c->lock);
    if (c->pool_n > 0) {
        c->pool_n--;
        b->body = c->pool_body[c->pool_n];
        b->fast = c->pool_fast[c->pool_n];
    } else {
        kinesis_buf_init(&b->body, c->alloc);
    }
    pthread_mutex_unlock(&c->lock);
    kinesis_buf_reset(&b->body);
    /* responses tend to be alike: reserve as much as the last one held, so a large response
     * does not grow the buffer by doubling (copying all it holds each time) */
    if (s->last_body_len > b->body.cap) kinesis_buf_reserve(&b->body, s->last_body_len);
    kinesis_buf r;
    kinesis_buf_init(&r, c->alloc);
    bool first = true;
    kinesis_buf_append_char(&r, '{');
    kjson_append_key(&r, "ShardIterator", &first);
    kjson_append_cstring(&r, iter);
    kjson_append_key(&r, "Limit", &first);
    kinesis_buf_appendf(&r, "%u}", limit);
    if (r.failed) {
        kinesis_buf_clean_up(&r);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    kinesis_status st =
        kinesis_client_execute(c->client, "GetRecords", r.data, r.len, &b->body, err);
    kinesis_buf_clean_up(&r);
    if (st != KINESIS_OK) return st;
    s->last_body_len = b->body.len < POOL_BUF_MAX ? b->body.len : POOL_BUF_MAX;
    if (!b->body.failed && b->body.data &&
        kinesis_consumer_fast_parse_(b->body.data, b->body.len, c->alloc, &b->fast) == KINESIS_OK) {
        b->records = b->fast.records;
        b->count = b->fast.count;
        b->millis_behind = b->fast.millis_behind_latest;
        *next = b->fast.next_shard_iterator;
        return KINESIS_OK;
    }
    kinesis_get_records_request gr = {.shard_iterator = iter, .limit = limit};
    st = kinesis_get_records(c->client, &gr, &b->result, err);
    if (st != KINESIS_OK) return st;
    b->has_result = 1;
    b->records = b->result.records;
    b->count = b->result.record_count;
    b->millis_behind = b->result.millis_behind_latest;
    *next = b->result.next_shard_iterator;
    return KINESIS_OK;
}

static void poll_shard(shard *s) {
    kinesis_consumer *c = s->c;
    char *iter = NULL;
    uint32_t attempt = 0;
    int fresh_iterator = 0;
    int64_t next_call = 0;
    const uint32_t max_limit = c->o.max_records_per_call ? c->o.max_records_per_call : 10000;
    uint32_t limit = max_limit;
    kinesis_error err;
    while (!stopping(c)) {
        if (!iter) {
            kinesis_status st = get_iterator(s, &iter, &err);
            if (st != KINESIS_OK) {
                if (transient(st)) {
                    atomic_store(&s->empty_since_ms, 0);
                    ADD(c->st.transient, 1);
                    nap(c, backoff_ms(c, ++attempt));
                    continue;
                }
                set_fatal(c, st, &err, "GetShardIterator");
                break;
            }
            fresh_iterator = 1;
        }
        int64_t now = kinesis_now_mono_ms();
        if (now < next_call) {
            nap(c, (uint32_t)(next_call - now));
            continue;
        }
        batch *b = kinesis_mem_calloc(c->alloc, 1, sizeof(*b));
        if (!b) {
            set_fatal(c, KINESIS_E_NO_MEMORY, NULL, "GetRecords");
            break;
        }
        b->sh = s;
        const char *next_view = NULL;
        kinesis_status st = fetch(s, iter, limit, b, &next_view, &err);
        ADD(c->st.calls, 1);
        next_call = kinesis_now_mono_ms() + c->o.min_call_interval_ms;
        if (st != KINESIS_OK) {
            batch_free(c, b);
            if (st == KINESIS_E_EXPIRED_ITERATOR ||
                (st == KINESIS_E_VALIDATION && !fresh_iterator)) {
                /* expired, or refused (e.g. by a restarted server): a new one from where we are */
                ADD(c->st.renewals, 1);
                kinesis_mem_free(c->alloc, iter);
                iter = NULL;
                continue;
            }
            if (st == KINESIS_E_BAD_RESPONSE && limit > 1) {
                /* e.g. larger than the client accepts (servers without Kinesis's 10 MiB cap
                 * send whole streams of big aggregates at once): ask for fewer records */
                limit = 1; /* grows back below */
                continue;
            }
            if (transient(st)) {
                atomic_store(&s->empty_since_ms, 0); /* unknown, not empty: no idle exit */
                if (st == KINESIS_E_THROTTLED || st == KINESIS_E_LIMIT_EXCEEDED)
                    ADD(c->st.throttled, 1);
                else
                    ADD(c->st.transient, 1);
                nap(c, backoff_ms(c, ++attempt));
                continue;
            }
            set_fatal(c, st, &err, "GetRecords");
            break;
        }
        attempt = 0;
        fresh_iterator = 0;
        if (limit < max_limit && b->body.len < (8u << 20)) /* small responses: grow back */
            limit = limit * 2 < max_limit ? limit * 2 : max_limit;
        atomic_store(&s->millis_behind, b->millis_behind);
        size_t bytes = 0;
        for (size_t i = 0; i < b->count; i++) bytes += b->records[i].data_len;
        if (c->o.max_bytes_per_second > 0) {
            int64_t need = (int64_t)((uint64_t)bytes * 1000u / c->o.max_bytes_per_second);
            if (need > (int64_t)c->o.min_call_interval_ms) next_call = kinesis_now_mono_ms() + need;
        }
        char *next = NULL;
        if (next_view) {
            next = kinesis_strdup(c->alloc, next_view);
            if (!next) {
                batch_free(c, b);
                set_fatal(c, KINESIS_E_NO_MEMORY, NULL, "GetRecords");
                break;
            }
        } else if (b->has_result && b->result.child_shard_count) {
            add_children(c, b->result.child_shards, b->result.child_shard_count);
        }
        kinesis_mem_free(c->alloc, iter);
        iter = next;
        int empty = b->count == 0;
        if (!empty) {
            kinesis_copy_string(s->last_fetched, sizeof s->last_fetched,
                                b->records[b->count - 1].sequence_number);
            ADD(c->st.kinesis_records, b->count);
            atomic_store(&s->empty_since_ms, 0);
            batch_check_md5(c, b);
            if (!enqueue(c, b)) break;
        } else {
            batch_free(c, b);
            int64_t zero = 0;
            atomic_compare_exchange_strong(&s->empty_since_ms, &zero, kinesis_now_mono_ms());
        }
        atomic_store(&s->had_response, 1);
        if (!iter) { /* the shard is closed and read to its end */
            batch *e = kinesis_mem_calloc(c->alloc, 1, sizeof(*e));
            if (!e) {
                set_fatal(c, KINESIS_E_NO_MEMORY, NULL, "GetRecords");
                break;
            }
            e->sh = s;
            e->kind = BATCH_END;
            enqueue(c, e);
            break;
        }
        if (empty && atomic_load(&s->millis_behind) <= 0)
            next_call = kinesis_now_mono_ms() + c->o.idle_interval_ms;
    }
    kinesis_mem_free(c->alloc, iter);
}

/* ---------------------------------------------------------------------------------------- */
/* enhanced fan-out worker                                                                  */

typedef struct efo_ctx {
    shard *s;
    int ended;
    int check_end; /* a closed shard went quiet: confirm its end with GetRecords */
    int64_t last_check_ms;
} efo_ctx;

/* Some servers keep a subscription to a closed, fully read shard open with empty events and never
 * send ChildShards. Ask GetRecords from where the subscription is: it reports the end (and the
 * children) reliably. Records it still finds are delivered. Returns 1 when the shard ended. */
static int confirm_end(shard *s) {
    kinesis_consumer *c = s->c;
    char *iter = NULL;
    kinesis_error err;
    int ended = 0;
    if (get_iterator(s, &iter, &err) != KINESIS_OK) return 0;
    for (int calls = 0; calls < 100 && iter && !stopping(c); calls++) {
        batch *b = kinesis_mem_calloc(c->alloc, 1, sizeof(*b));
        if (!b) break;
        b->sh = s;
        kinesis_get_records_request req = {.shard_iterator = iter,
                                           .limit = c->o.max_records_per_call};
        kinesis_status st = kinesis_get_records(c->client, &req, &b->result, &err);
        ADD(c->st.calls, 1);
        if (st != KINESIS_OK) {
            batch_free(c, b);
            break;
        }
        b->has_result = 1;
        b->records = b->result.records;
        b->count = b->result.record_count;
        b->millis_behind = b->result.millis_behind_latest;
        kinesis_mem_free(c->alloc, iter);
        iter = b->result.next_shard_iterator
                   ? kinesis_strdup(c->alloc, b->result.next_shard_iterator)
                   : NULL;
        if (!b->result.next_shard_iterator) {
            ended = 1;
            if (b->result.child_shard_count)
                add_children(c, b->result.child_shards, b->result.child_shard_count);
        }
        if (b->count) {
            kinesis_copy_string(s->last_fetched, sizeof s->last_fetched,
                                b->records[b->count - 1].sequence_number);
            ADD(c->st.kinesis_records, b->count);
            batch_check_md5(c, b);
            if (!enqueue(c, b)) break;
        } else {
            batch_free(c, b);
            if (!ended) break; /* open or not finished: go back to subscribing */
        }
        if (ended) break;
        kinesis_sleep_ms(c->o.min_call_interval_ms);
    }
    kinesis_mem_free(c->alloc, iter);
    return ended;
}

static int on_event(void *user, const kinesis_subscribe_to_shard_event *ev) {
    efo_ctx *x = user;
    shard *s = x->s;
    kinesis_consumer *c = s->c;
    if (stopping(c)) return 1;
    atomic_store(&s->millis_behind, ev->millis_behind_latest);
    if (ev->child_shard_count) {
        add_children(c, ev->child_shards, ev->child_shard_count);
        x->ended = 1;
    }
    atomic_store(&s->had_response, 1);
    if (ev->continuation_sequence_number && ev->continuation_sequence_number[0] &&
        ev->record_count == 0)
        kinesis_copy_string(s->last_fetched, sizeof s->last_fetched,
                            ev->continuation_sequence_number);
    if (ev->record_count == 0) {
        int64_t zero = 0;
        if (atomic_load(&s->closed) && ev->millis_behind_latest <= 0 && !x->ended &&
            kinesis_now_mono_ms() - x->last_check_ms >= 1000) {
            x->check_end = 1; /* end this subscription and look with GetRecords */
            return 1;
        }
        atomic_compare_exchange_strong(&s->empty_since_ms, &zero, kinesis_now_mono_ms());
        return 0;
    }
    atomic_store(&s->empty_since_ms, 0);
    /* the event is a view: copy its records into one block the batch owns */
    size_t total = ev->record_count * sizeof(kinesis_record);
    for (size_t i = 0; i < ev->record_count; i++) {
        const kinesis_record *r = &ev->records[i];
        total += strlen(r->sequence_number ? r->sequence_number : "") + 1 +
                 strlen(r->partition_key ? r->partition_key : "") + 1 + r->data_len + 8;
    }
    batch *b = kinesis_mem_calloc(c->alloc, 1, sizeof(*b));
    uint8_t *mem = kinesis_mem_alloc(c->alloc, total);
    if (!b || !mem) {
        kinesis_mem_free(c->alloc, b);
        kinesis_mem_free(c->alloc, mem);
        return 1;
    }
    kinesis_record *recs = (kinesis_record *)mem;
    uint8_t *p = mem + ev->record_count * sizeof(kinesis_record);
    for (size_t i = 0; i < ev->record_count; i++) {
        const kinesis_record *r = &ev->records[i];
        recs[i] = *r;
        recs[i].encryption_type = NULL;
        size_t n = strlen(r->sequence_number ? r->sequence_number : "") + 1;
        memcpy(p, r->sequence_number ? r->sequence_number : "", n);
        recs[i].sequence_number = (const char *)p;
        p += n;
        n = strlen(r->partition_key ? r->partition_key : "") + 1;
        memcpy(p, r->partition_key ? r->partition_key : "", n);
        recs[i].partition_key = (const char *)p;
        p += n;
        if (r->data_len) memcpy(p, r->data, r->data_len);
        recs[i].data = p;
        p += r->data_len;
    }
    b->sh = s;
    b->owned = mem;
    b->records = recs;
    b->count = ev->record_count;
    b->millis_behind = ev->millis_behind_latest;
    kinesis_copy_string(s->last_fetched, sizeof s->last_fetched,
                        recs[b->count - 1].sequence_number);
    ADD(c->st.kinesis_records, b->count);
    batch_check_md5(c, b);
    return enqueue(c, b) ? 0 : 1;
}

static void subscribe_shard(shard *s) {
    kinesis_consumer *c = s->c;
    char pos_seq[KINESIS_SEQUENCE_NUMBER_MAX] = "";
    kinesis_iterator_type pos_type = s->start_type;
    if (s->has_cp && s->cp.sequence_number[0]) {
        pos_type = KINESIS_ITERATOR_AT_SEQUENCE_NUMBER;
        kinesis_copy_string(pos_seq, sizeof pos_seq, s->cp.sequence_number);
    }
    uint32_t attempt = 0;
    efo_ctx x = {s, 0, 0, 0};
    while (!stopping(c)) {
        kinesis_subscribe_to_shard_request req = {
            .consumer_arn = c->consumer_arn,
            .shard_id = s->id,
            .starting_position = {.type = pos_type,
                                  .sequence_number = pos_seq[0] ? pos_seq : NULL,
                                  .timestamp = c->o.start_timestamp}};
        kinesis_subscribe_to_shard_result res;
        memset(&res, 0, sizeof res);
        kinesis_error err;
        kinesis_subscription_reset(s->sub);
        ADD(c->st.subscriptions, 1);
        kinesis_status st =
            kinesis_subscribe_to_shard(c->client, &req, s->sub, on_event, &x, &res, &err);
        if (res.continuation_sequence_number[0]) {
            kinesis_copy_string(pos_seq, sizeof pos_seq, res.continuation_sequence_number);
            pos_type = KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER;
        } else if (s->last_fetched[0]) {
            kinesis_copy_string(pos_seq, sizeof pos_seq, s->last_fetched);
            pos_type = KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER;
        }
        if (res.events > 0) attempt = 0;
        if (x.check_end && !x.ended) {
            x.check_end = 0;
            x.last_check_ms = kinesis_now_mono_ms();
            if (confirm_end(s)) x.ended = 1;
            if (s->last_fetched[0]) {
                kinesis_copy_string(pos_seq, sizeof pos_seq, s->last_fetched);
                pos_type = KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER;
            }
            if (!x.ended) continue;
        }
        if (x.ended || res.shard_ended) {
            batch *e = kinesis_mem_calloc(c->alloc, 1, sizeof(*e));
            if (!e) {
                set_fatal(c, KINESIS_E_NO_MEMORY, NULL, "SubscribeToShard");
                return;
            }
            e->sh = s;
            e->kind = BATCH_END;
            enqueue(c, e);
            return;
        }
        if (stopping(c)) return;
        if (st == KINESIS_OK) continue; /* the 5-minute subscription ended: resubscribe */
        if (transient(st) || st == KINESIS_E_RESOURCE_IN_USE || st == KINESIS_E_CANCELLED ||
            st == KINESIS_E_EVENT_STREAM || st == KINESIS_E_BAD_RESPONSE) {
            atomic_store(&s->empty_since_ms, 0);
            ADD(c->st.transient, 1);
            nap(c, backoff_ms(c, ++attempt));
            continue;
        }
        set_fatal(c, st, &err, "SubscribeToShard");
        return;
    }
}

static void *worker_main(void *arg) {
    shard *s = arg;
    kinesis_consumer *c = s->c;
    if (c->efo_name)
        subscribe_shard(s);
    else
        poll_shard(s);
    pthread_mutex_lock(&c->lock);
    s->worker_done = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* coordinator                                                                              */

static int parent_done(kinesis_consumer *c, const char *id, int *consumed) {
    shard *p = find_shard(c, id);
    if (!p) return 1; /* trimmed away: nothing left to read */
    if (p->consumed) *consumed = 1;
    return p->state == KINESIS_CONSUMER_SHARD_FINISHED ||
           p->state == KINESIS_CONSUMER_SHARD_SKIPPED;
}

/* Start every waiting shard whose parents are done. Lock held. */
static void launch_ready(kinesis_consumer *c) {
    for (size_t i = 0; i < c->nshards; i++) {
        shard *s = c->shards[i];
        if (s->state != KINESIS_CONSUMER_SHARD_WAITING || stopping(c)) continue;
        int consumed_parent = 0, ready = 1;
        for (int p = 0; p < s->parent_count; p++)
            if (!parent_done(c, s->parents[p], &consumed_parent)) ready = 0;
        if (!ready) continue;
        if (s->has_cp && s->cp.shard_ended) {
            s->state = KINESIS_CONSUMER_SHARD_FINISHED;
            s->consumed = 1;
            pthread_cond_broadcast(&c->cond);
            i = (size_t)-1; /* children may be ready now */
            continue;
        }
        if (!s->has_cp && c->o.start == KINESIS_CONSUMER_START_LATEST && s->from_first_listing &&
            s->closed_at_first_listing && !consumed_parent) {
            s->state = KINESIS_CONSUMER_SHARD_SKIPPED;
            i = (size_t)-1;
            continue;
        }
        if (c->o.start == KINESIS_CONSUMER_START_AT_TIMESTAMP)
            s->start_type = KINESIS_ITERATOR_AT_TIMESTAMP;
        else if (c->o.start == KINESIS_CONSUMER_START_LATEST && s->from_first_listing &&
                 !consumed_parent)
            s->start_type = KINESIS_ITERATOR_LATEST;
        else
            s->start_type = KINESIS_ITERATOR_TRIM_HORIZON;
        if (s->has_cp && s->cp.sequence_number[0]) s->skip_active = 1;
        if (c->efo_name && !s->sub) {
            s->sub = kinesis_subscription_new(c->alloc);
            if (!s->sub) continue;
        }
        s->state = KINESIS_CONSUMER_SHARD_READING;
        s->consumed = 1;
        if (pthread_create(&s->thread, NULL, worker_main, s) != 0) {
            s->state = KINESIS_CONSUMER_SHARD_WAITING;
            continue;
        }
        s->thread_started = 1;
        kinesis_log(c->log, KINESIS_LOG_DEBUG, "consumer %s: reading %s", c->application, s->id);
    }
}

static kinesis_status sync_shards(kinesis_consumer *c, kinesis_error *err) {
    kinesis_list_shards_request req = {.stream = c->stream};
    kinesis_list_shards_result r;
    kinesis_status st = kinesis_list_shards(c->client, &req, &r, err);
    if (st != KINESIS_OK) return st;
    pthread_mutex_lock(&c->lock);
    int first = !c->first_sync_done;
    for (size_t i = 0; i < r.shard_count; i++) {
        const kinesis_shard *ls = &r.shards[i];
        if (!ls->shard_id) continue;
        shard *s = find_shard(c, ls->shard_id);
        if (s && ls->ending_sequence_number) atomic_store(&s->closed, 1);
        if (s) {
            if (!s->has_range) {
                s->hash_start = ls->hash_start;
                s->hash_end = ls->hash_end;
                s->has_range = 1;
            }
            continue;
        }
        if (c->nshards == c->cap) {
            size_t ncap = c->cap ? c->cap * 2 : 16;
            shard **ns =
                kinesis_mem_realloc(c->alloc, c->shards, c->cap * sizeof(*ns), ncap * sizeof(*ns));
            if (!ns) {
                st = KINESIS_E_NO_MEMORY;
                break;
            }
            c->shards = ns;
            c->cap = ncap;
        }
        s = kinesis_mem_calloc(c->alloc, 1, sizeof(*s));
        if (!s) {
            st = KINESIS_E_NO_MEMORY;
            break;
        }
        s->c = c;
        kinesis_copy_string(s->id, sizeof s->id, ls->shard_id);
        if (ls->parent_shard_id)
            kinesis_copy_string(s->parents[s->parent_count++], KINESIS_SHARD_ID_MAX,
                                ls->parent_shard_id);
        if (ls->adjacent_parent_shard_id)
            kinesis_copy_string(s->parents[s->parent_count++], KINESIS_SHARD_ID_MAX,
                                ls->adjacent_parent_shard_id);
        s->hash_start = ls->hash_start;
        s->hash_end = ls->hash_end;
        s->has_range = 1;
        s->from_first_listing = first;
        s->closed_at_first_listing = first && ls->ending_sequence_number != NULL;
        s->closed = ls->ending_sequence_number != NULL;
        s->state = KINESIS_CONSUMER_SHARD_WAITING;
        s->millis_behind = -1;
        if (c->o.checkpoints) {
            int found = 0;
            kinesis_status cst =
                kinesis_checkpoint_store_get(c->o.checkpoints, s->id, &s->cp, &found);
            if (cst != KINESIS_OK) {
                kinesis_mem_free(c->alloc, s);
                st = cst;
                kinesis_error_set(err, cst, "reading the checkpoint of %s failed", ls->shard_id);
                break;
            }
            s->has_cp = found;
        }
        c->shards[c->nshards++] = s;
    }
    if (st == KINESIS_OK) c->first_sync_done = 1;
    launch_ready(c);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    kinesis_list_shards_result_clean_up(&r);
    return st;
}

static kinesis_status efo_setup(kinesis_consumer *c, kinesis_error *err) {
    char arn[KINESIS_ARN_MAX];
    if (kinesis_is_stream_arn(c->stream)) {
        kinesis_copy_string(arn, sizeof arn, c->stream);
    } else {
        kinesis_stream_summary sum;
        kinesis_status st = kinesis_describe_stream_summary(c->client, c->stream, &sum, err);
        if (st != KINESIS_OK) return st;
        kinesis_copy_string(arn, sizeof arn, sum.stream_arn);
        kinesis_stream_summary_clean_up(&sum);
        if (!arn[0])
            return kinesis_error_set(err, KINESIS_E_UNSUPPORTED,
                                     "the server reports no StreamARN: no enhanced fan-out");
    }
    kinesis_stream_consumer reg;
    kinesis_status st = kinesis_register_stream_consumer(c->client, arn, c->efo_name, &reg, err);
    if (st == KINESIS_E_RESOURCE_IN_USE) {
        kinesis_consumer_ref ref = {.stream_arn = arn, .consumer_name = c->efo_name};
        st = kinesis_describe_stream_consumer(c->client, &ref, &reg, err);
    }
    if (st != KINESIS_OK) return st;
    kinesis_copy_string(c->consumer_arn, sizeof c->consumer_arn, reg.consumer_arn);
    kinesis_consumer_ref ref = {.consumer_arn = c->consumer_arn};
    return kinesis_wait_consumer_active(c->client, &ref, 120000, 200, err);
}

static void *coord_main(void *arg) {
    kinesis_consumer *c = arg;
    kinesis_error err;
    uint32_t attempt = 0;
    if (c->efo_name) {
        for (;;) {
            kinesis_status st = efo_setup(c, &err);
            if (st == KINESIS_OK || stopping(c)) break;
            if (!transient(st)) {
                set_fatal(c, st, &err, "enhanced fan-out consumer set-up");
                break;
            }
            nap(c, backoff_ms(c, ++attempt));
        }
        attempt = 0;
    }
    int64_t next_sync = 0;
    while (!stopping(c)) {
        int64_t now = kinesis_now_mono_ms();
        pthread_mutex_lock(&c->lock);
        int want = c->sync_now || now >= next_sync;
        c->sync_now = 0;
        pthread_mutex_unlock(&c->lock);
        if (want) {
            kinesis_status st = sync_shards(c, &err);
            if (st == KINESIS_OK) {
                attempt = 0;
                next_sync = kinesis_now_mono_ms() + c->o.shard_sync_interval_ms;
            } else if (transient(st)) {
                ADD(c->st.transient, 1);
                next_sync = kinesis_now_mono_ms() + backoff_ms(c, ++attempt);
            } else {
                set_fatal(c, st, &err, "ListShards");
                break;
            }
        }
        pthread_mutex_lock(&c->lock);
        launch_ready(c);
        /* join finished workers so threads do not pile up over many reshards */
        for (size_t i = 0; i < c->nshards; i++) {
            shard *s = c->shards[i];
            if (s->thread_started && s->worker_done) {
                pthread_mutex_unlock(&c->lock);
                pthread_join(s->thread, NULL);
                pthread_mutex_lock(&c->lock);
                s->thread_started = 0;
            }
        }
        if (!stopping(c) && !c->sync_now) {
            /* every event that needs the coordinator broadcasts c->cond (a stop too, through
             * finish): wake up for the next listing only, or within a second */
            int64_t wait = next_sync - kinesis_now_mono_ms();
            struct timespec ts;
            abs_deadline(&ts, wait < 1 ? 1 : wait > 1000 ? 1000 : (uint32_t)wait);
            pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        }
        pthread_mutex_unlock(&c->lock);
    }
    /* stopping: end subscriptions, then wait for every worker */
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nshards; i++)
        if (c->shards[i]->sub) kinesis_subscription_cancel(c->shards[i]->sub);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    for (size_t i = 0; i < c->nshards; i++) {
        shard *s = c->shards[i];
        if (s->thread_started) {
            pthread_join(s->thread, NULL);
            s->thread_started = 0;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* delivery (caller's thread)                                                               */

static void publish(kinesis_consumer *c, shard *s) {
    pthread_mutex_lock(&c->lock);
    memcpy(s->pub_seq, s->delivered_seq, sizeof s->pub_seq);
    s->pub_sub = s->delivered_sub;
    s->pub_count = s->delivered_count;
    pthread_mutex_unlock(&c->lock);
}

static kinesis_status write_checkpoint(kinesis_consumer *c, shard *s,
                                       const kinesis_checkpoint *cp) {
    kinesis_status st = kinesis_checkpoint_store_put(c->o.checkpoints, s->id, cp);
    if (st == KINESIS_OK) ADD(c->st.checkpoints, 1);
    return st;
}

/* The table may grow (and move) under the coordinator; shards themselves never move. */
static size_t shard_count(kinesis_consumer *c) {
    pthread_mutex_lock(&c->lock);
    size_t n = c->nshards;
    pthread_mutex_unlock(&c->lock);
    return n;
}

static shard *shard_at(kinesis_consumer *c, size_t i) {
    pthread_mutex_lock(&c->lock);
    shard *s = c->shards[i];
    pthread_mutex_unlock(&c->lock);
    return s;
}

/* Write the delivered position of every shard that moved. */
static kinesis_status checkpoint_all(kinesis_consumer *c) {
    c->since_cp = 0;
    c->last_cp_ms = kinesis_now_mono_ms();
    if (!c->o.checkpoints || c->o.manual_checkpoints) return KINESIS_OK;
    int any = 0;
    size_t n = shard_count(c);
    for (size_t i = 0; i < n; i++)
        if (shard_at(c, i)->dirty) any = 1;
    if (!any) return KINESIS_OK;
    if (c->o.pre_checkpoint) c->o.pre_checkpoint(c->o.user);
    for (size_t i = 0; i < n; i++) {
        shard *s = shard_at(c, i);
        if (!s->dirty) continue;
        kinesis_checkpoint cp;
        memset(&cp, 0, sizeof cp);
        memcpy(cp.sequence_number, s->delivered_seq, sizeof cp.sequence_number);
        cp.sub_sequence_number = s->delivered_sub;
        kinesis_status st = write_checkpoint(c, s, &cp);
        if (st != KINESIS_OK) return st;
        s->dirty = 0;
    }
    return KINESIS_OK;
}

static void checkpoint_fail(kinesis_consumer *c, kinesis_status st) {
    kinesis_error e;
    kinesis_error_clear(&e);
    kinesis_error_set(&e, st, "the checkpoint store failed");
    set_fatal(c, st, &e, "checkpoint");
}

/* n records of shard s, the last at (seq, sub), were processed: remember the position, and
 * checkpoint when due. */
static void mark_processed_n(kinesis_consumer *c, shard *s, const char *seq, uint64_t sub,
                             uint64_t n) {
    if (seq != s->delivered_src) { /* an aggregate's members share one sequence number */
        kinesis_copy_string(s->delivered_seq, sizeof s->delivered_seq, seq);
        s->delivered_src = seq;
    }
    s->delivered_sub = sub;
    s->has_delivered = 1;
    s->dirty = 1;
    s->delivered_count += n;
    ADD(c->st.delivered, n);
    c->since_cp += n;
    if (c->o.checkpoint_every_records && c->since_cp >= c->o.checkpoint_every_records) {
        kinesis_status st = checkpoint_all(c);
        if (st != KINESIS_OK) checkpoint_fail(c, st);
    }
}

static void mark_processed(kinesis_consumer *c, shard *s, const char *seq, uint64_t sub) {
    mark_processed_n(c, s, seq, sub, 1);
}

static void maybe_timed_checkpoint(kinesis_consumer *c) {
    if (c->o.checkpoint_interval_ms &&
        kinesis_now_mono_ms() - c->last_cp_ms >= (int64_t)c->o.checkpoint_interval_ms) {
        kinesis_status st = checkpoint_all(c);
        if (st != KINESIS_OK) checkpoint_fail(c, st);
    }
}

/* Every record of a finished shard was delivered: checkpoint it as ended, let children start. */
static void shard_end(kinesis_consumer *c, shard *s) {
    if (c->o.checkpoints) {
        kinesis_status st = checkpoint_all(c);
        if (st == KINESIS_OK) {
            if (c->o.pre_checkpoint) c->o.pre_checkpoint(c->o.user);
            kinesis_checkpoint cp;
            memset(&cp, 0, sizeof cp);
            memcpy(cp.sequence_number, s->delivered_seq, sizeof cp.sequence_number);
            if (!s->has_delivered && s->has_cp)
                memcpy(cp.sequence_number, s->cp.sequence_number, sizeof cp.sequence_number);
            cp.sub_sequence_number = s->delivered_sub;
            cp.shard_ended = 1;
            st = write_checkpoint(c, s, &cp);
            s->dirty = 0;
        }
        if (st != KINESIS_OK) {
            checkpoint_fail(c, st);
            return;
        }
    }
    publish(c, s);
    pthread_mutex_lock(&c->lock);
    s->state = KINESIS_CONSUMER_SHARD_FINISHED;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static void fill_plain(kinesis_consumer *c, const batch *b, const kinesis_record *r) {
    kinesis_consumer_record *o = &c->rec;
    o->shard_id = b->sh->id;
    o->sequence_number = r->sequence_number;
    o->sub_sequence_number = 0;
    o->aggregated = 0;
    o->partition_key = r->partition_key ? r->partition_key : "";
    o->partition_key_len = strlen(o->partition_key);
    o->explicit_hash_key = NULL;
    o->approximate_arrival_timestamp = r->approximate_arrival_timestamp;
    o->data = r->data;
    o->data_len = r->data_len;
    o->millis_behind_latest = b->millis_behind;
}

/* Start decoding an aggregate; 0 when it yields nothing (dropped). */
static int start_aggregate(kinesis_consumer *c, const batch *b, size_t idx) {
    const kinesis_record *r = &b->records[idx];
    shard *s = b->sh;
    kinesis_agg_decode_options opt;
    memset(&opt, 0, sizeof opt);
    opt.mode = KINESIS_AGG_DECODE_KCL;
    opt.range_start = s->hash_start;
    opt.range_end = s->hash_end;
    opt.scratch = c->scratch;
    opt.scratch_count = c->scratch_cap;
    opt.md5_checked = b->md5_ok && b->md5_ok[idx];
    opt.has_range = s->has_range;
    kinesis_status st = kinesis_agg_decoder_init(&c->dec, r->data, r->data_len, &opt);
    if (st == KINESIS_E_BUFFER_TOO_SMALL) {
        size_t need = kinesis_agg_decoder_scratch_needed(&c->dec);
        uint32_t *ns = kinesis_mem_realloc(c->alloc, c->scratch, c->scratch_cap * sizeof(*ns),
                                           need * sizeof(*ns));
        if (!ns) {
            set_fatal(c, KINESIS_E_NO_MEMORY, NULL, "deaggregation");
            return 0;
        }
        c->scratch = ns;
        c->scratch_cap = need;
        opt.scratch = ns;
        opt.scratch_count = need;
        st = kinesis_agg_decoder_init(&c->dec, r->data, r->data_len, &opt);
    }
    if (st != KINESIS_OK) return 0;
    kinesis_agg_outcome out = kinesis_agg_decoder_outcome(&c->dec);
    if (out == KINESIS_AGG_DROPPED || out == KINESIS_AGG_PARTIAL) {
        uint64_t lost =
            kinesis_agg_decoder_record_count(&c->dec) - kinesis_agg_decoder_deliver_count(&c->dec);
        if (out == KINESIS_AGG_DROPPED) ADD(c->st.agg_dropped, 1);
        ADD(c->st.user_dropped, lost);
        if (c->o.on_drop)
            c->o.on_drop(c->o.user, s->id, r->sequence_number, lost,
                         kinesis_agg_decoder_reason(&c->dec));
        if (out == KINESIS_AGG_DROPPED) return 0;
    }
    c->dec_active = 1;
    c->dec_outer = r;
    if (out != KINESIS_AGG_PASSTHROUGH) { /* what the members share */
        fill_plain(c, b, r);
        c->rec.aggregated = 1;
    }
    return 1;
}

/* A resumed shard skips user records at or before its checkpoint. */
static int should_skip(kinesis_consumer *c, shard *s, const char *seq, uint64_t sub) {
    if (!s->skip_active) return 0;
    int r = kinesis_consumer_seqcmp_(seq, s->cp.sequence_number);
    if (r > 0) {
        s->skip_active = 0;
        return 0;
    }
    if (r < 0 || sub <= s->cp.sub_sequence_number) {
        ADD(c->st.skipped, 1);
        return 1;
    }
    return 0;
}

/* Fill c->rec with the next user record of the current batch; 1 when one was produced. */
static int next_in_batch(kinesis_consumer *c) {
    batch *b = c->cur;
    shard *s = b->sh;
    for (;;) {
        if (c->dec_active) {
            kinesis_agg_user_record u;
            if (!kinesis_agg_decoder_next(&c->dec, &u)) {
                c->dec_active = 0;
                continue;
            }
            if (s->skip_active &&
                should_skip(c, s, c->dec_outer->sequence_number, u.sub_sequence_number))
                continue;
            /* the outer record's fields were set by start_aggregate */
            kinesis_consumer_record *o = &c->rec;
            o->sub_sequence_number = u.sub_sequence_number;
            o->data = u.data;
            o->data_len = u.data_len;
            if (u.partition_key) {
                /* keys in the blob are not NUL-terminated */
                size_t n = u.partition_key_len < sizeof c->pk_buf - 1 ? u.partition_key_len
                                                                      : sizeof c->pk_buf - 1;
                memcpy(c->pk_buf, u.partition_key, n);
                c->pk_buf[n] = '\0';
                o->partition_key = c->pk_buf;
                o->partition_key_len = n;
            }
            if (u.explicit_hash_key) {
                size_t n = u.explicit_hash_key_len < sizeof c->ehk_buf - 1 ? u.explicit_hash_key_len
                                                                           : sizeof c->ehk_buf - 1;
                memcpy(c->ehk_buf, u.explicit_hash_key, n);
                c->ehk_buf[n] = '\0';
                o->explicit_hash_key = c->ehk_buf;
            } else {
                o->explicit_hash_key = NULL;
            }
            return 1;
        }
        if (c->cur_idx >= b->count) return 0;
        size_t idx = c->cur_idx++;
        const kinesis_record *r = &b->records[idx];
        if (kinesis_agg_has_magic(r->data, r->data_len)) {
            if (!start_aggregate(c, b, idx)) continue;
            if (kinesis_agg_decoder_outcome(&c->dec) != KINESIS_AGG_PASSTHROUGH) continue;
            c->dec_active = 0; /* unreadable as an aggregate: the record itself, as the KCL */
        }
        if (should_skip(c, s, r->sequence_number, 0)) continue;
        fill_plain(c, b, r);
        return 1;
    }
}

/* Everything delivered and every shard idle for idle_exit_ms? Lock held. */
static int all_idle(kinesis_consumer *c) {
    if (!c->o.idle_exit_ms || !c->first_sync_done || c->qhead || c->cur) return 0;
    int64_t now = kinesis_now_mono_ms();
    for (size_t i = 0; i < c->nshards; i++) {
        shard *s = c->shards[i];
        if (s->state == KINESIS_CONSUMER_SHARD_FINISHED ||
            s->state == KINESIS_CONSUMER_SHARD_SKIPPED)
            continue;
        if (s->state == KINESIS_CONSUMER_SHARD_WAITING) {
            int consumed = 0, ready = 1;
            for (int p = 0; p < s->parent_count; p++)
                if (!parent_done(c, s->parents[p], &consumed)) ready = 0;
            if (ready) return 0;
            continue;
        }
        int64_t since = atomic_load(&s->empty_since_ms);
        if (!atomic_load(&s->had_response) || since == 0 ||
            now - since < (int64_t)c->o.idle_exit_ms)
            return 0;
    }
    return 1;
}

static kinesis_status start_threads(kinesis_consumer *c) {
    if (c->started) return KINESIS_OK;
    c->started = 1;
    c->last_cp_ms = kinesis_now_mono_ms();
    if (pthread_create(&c->coord, NULL, coord_main, c) != 0) return KINESIS_E_NO_MEMORY;
    c->coord_started = 1;
    return KINESIS_OK;
}

/* Stop everything, drop undelivered batches, flush checkpoints. Returns the final status. */
static kinesis_status finish(kinesis_consumer *c) {
    if (c->finished) return c->result_status;
    atomic_store(&c->stop_flag, 1);
    wake_nappers(c);
    if (c->coord_started) {
        pthread_mutex_lock(&c->lock);
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->coord, NULL);
        c->coord_started = 0;
    }
    if (c->cur) c->cur->sh->delivered_src = NULL;
    batch_free(c, c->cur);
    c->cur = NULL;
    c->dec_active = 0;
    while (c->qhead) {
        batch *b = c->qhead;
        c->qhead = b->next;
        batch_free(c, b);
    }
    c->qtail = NULL;
    c->qlen = 0;
    kinesis_status st = checkpoint_all(c);
    for (size_t i = 0; i < c->nshards; i++) publish(c, c->shards[i]);
    c->finished = 1;
    pthread_mutex_lock(&c->lock);
    if (c->fatal == KINESIS_OK && st != KINESIS_OK) {
        c->fatal = st;
        kinesis_error_set(&c->fatal_err, st, "writing checkpoints at stop failed");
    }
    c->result_status = c->fatal;
    pthread_mutex_unlock(&c->lock);
    return c->result_status;
}

/* The next user record into c->rec: KINESIS_OK, KINESIS_E_TIMEOUT or KINESIS_E_CANCELLED
 * (stopped: call finish). */
static kinesis_status pull(kinesis_consumer *c, uint32_t timeout_ms) {
    int64_t deadline = -1; /* read the clock only when there is nothing to deliver */
    for (;;) {
        if (stopping(c)) return KINESIS_E_CANCELLED;
        if (c->cur) {
            if (next_in_batch(c)) return KINESIS_OK;
            batch *b = c->cur;
            c->cur = NULL;
            if (b->kind == BATCH_END)
                shard_end(c, b->sh);
            else if (b->sh->has_delivered)
                publish(c, b->sh);
            b->sh->delivered_src = NULL; /* the views die with the batch */
            batch_free(c, b);
            maybe_timed_checkpoint(c);
            continue;
        }
        pthread_mutex_lock(&c->lock);
        while (!c->qhead && !stopping(c)) {
            if (all_idle(c)) {
                atomic_store(&c->stop_flag, 1);
                break;
            }
            int64_t now = kinesis_now_mono_ms();
            if (deadline < 0) deadline = now + timeout_ms;
            if (now >= deadline) {
                pthread_mutex_unlock(&c->lock);
                maybe_timed_checkpoint(c);
                return KINESIS_E_TIMEOUT;
            }
            int64_t wait = deadline - now;
            struct timespec ts;
            abs_deadline(&ts, (uint32_t)(wait < 100 ? wait : 100));
            pthread_cond_timedwait(&c->cond, &c->lock, &ts);
            if (!c->qhead) {
                pthread_mutex_unlock(&c->lock);
                maybe_timed_checkpoint(c);
                pthread_mutex_lock(&c->lock);
            }
        }
        if (c->qhead && !stopping(c)) {
            c->cur = c->qhead;
            c->qhead = c->cur->next;
            if (!c->qhead) c->qtail = NULL;
            c->qlen--;
            c->cur_idx = 0;
            c->dec_active = 0;
            pthread_cond_broadcast(&c->cond); /* room in the queue */
        }
        pthread_mutex_unlock(&c->lock);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* public API                                                                               */

void kinesis_consumer_options_init(kinesis_consumer_options *o) {
    if (!o) return;
    memset(o, 0, sizeof(*o));
    o->start = KINESIS_CONSUMER_START_TRIM_HORIZON;
    o->max_records_per_call = 10000;
    o->min_call_interval_ms = 200;
    o->max_bytes_per_second = 2097152;
    o->idle_interval_ms = 1000;
    o->shard_sync_interval_ms = 10000;
    o->backoff_base_ms = 200;
    o->backoff_max_ms = 10000;
    o->max_queued_batches = 16;
}

kinesis_status kinesis_consumer_new(kinesis_client *client, const kinesis_consumer_options *o,
                                    kinesis_consumer **out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (out) *out = NULL;
    if (!client || !o || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    if (!o->stream || !*o->stream)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM, "a stream name or ARN is required");
    if (o->start > KINESIS_CONSUMER_START_AT_TIMESTAMP)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "unknown start position");
    if (o->max_records_per_call > 10000)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "max_records_per_call must be <= 10000");
    if (o->efo_consumer_name && (!*o->efo_consumer_name || strlen(o->efo_consumer_name) > 128))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "efo_consumer_name must be 1 to 128 characters");
    const kinesis_allocator *a = kinesis_client_allocator(client);
    kinesis_consumer *c = kinesis_mem_calloc(a, 1, sizeof(*c));
    if (!c) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    c->client = client;
    c->alloc = a;
    c->log = kinesis_client_logger(client);
    c->o = *o;
    if (!c->o.max_queued_batches) c->o.max_queued_batches = 16;
    if (!c->o.shard_sync_interval_ms) c->o.shard_sync_interval_ms = 10000;
    if (!c->o.backoff_base_ms) c->o.backoff_base_ms = 200;
    if (c->o.backoff_max_ms < c->o.backoff_base_ms) c->o.backoff_max_ms = c->o.backoff_base_ms;
    c->stream = kinesis_strdup(a, o->stream);
    c->application = kinesis_strdup(a, o->application ? o->application : "kinesis-consumer");
    c->efo_name = o->efo_consumer_name ? kinesis_strdup(a, o->efo_consumer_name) : NULL;
    if (!c->stream || !c->application || (o->efo_consumer_name && !c->efo_name)) {
        kinesis_mem_free(a, c->stream);
        kinesis_mem_free(a, c->application);
        kinesis_mem_free(a, c->efo_name);
        kinesis_mem_free(a, c);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    c->o.stream = c->stream;
    c->o.application = c->application;
    c->o.efo_consumer_name = c->efo_name;
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &ca);
    pthread_mutex_init(&c->nap_lock, NULL);
    pthread_cond_init(&c->nap_cond, &ca);
    pthread_condattr_destroy(&ca);
    *out = c;
    return KINESIS_OK;
}

static kinesis_status report(kinesis_consumer *c, kinesis_status st, kinesis_error *err) {
    if (err) {
        if (st == KINESIS_OK)
            kinesis_error_clear(err);
        else
            *err = c->fatal_err;
    }
    return st;
}

kinesis_status kinesis_consumer_run(kinesis_consumer *c, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL consumer");
    if (!c->o.on_record)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "on_record is required");
    if (c->started && c->finished) return report(c, c->result_status, err);
    if (start_threads(c) != KINESIS_OK)
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "cannot start the coordinator thread");
    for (;;) {
        kinesis_status st = pull(c, 1000);
        if (st == KINESIS_E_TIMEOUT) continue;
        if (st != KINESIS_OK) break;
        shard *s = c->cur->sh;
        int stop = c->o.on_record(c->o.user, &c->rec);
        mark_processed(c, s, c->rec.sequence_number, c->rec.sub_sequence_number);
        if (stop) kinesis_consumer_stop(c);
    }
    return report(c, finish(c), err);
}

/* The first n records of the packed batch handed out last were processed. */
static void pack_done(kinesis_consumer *c, size_t n) {
    if (!c->pack_count) return;
    if (n > c->pack_count) n = c->pack_count;
    if (n > 0) {
        const kinesis_consumer_packed_record *r =
            (const kinesis_consumer_packed_record *)(c->pack_bytes.data + c->pack_bytes.len -
                                                     c->pack_count * sizeof(*r)) +
            (n - 1);
        mark_processed_n(c, c->pack_shard, c->pack_bytes.data + r->sequence_number_offset,
                         r->sub_sequence_number, n);
    }
    c->pack_shard->delivered_src = NULL; /* the buffer is reused */
    c->pack_count = 0;
}

/* What was handed out by the last next / next_batch call was processed. */
static void settle(kinesis_consumer *c) {
    if (c->have_prev) {
        c->have_prev = 0;
        mark_processed(c, c->prev_shard, c->prev_seq, c->prev_sub);
    }
    pack_done(c, c->pack_count);
}

/* The pull calls' common part: settle what was handed out last, start the threads, wait for a
 * record. KINESIS_OK: c->rec holds it; else the status to return (err set). */
static kinesis_status pull_first(kinesis_consumer *c, uint32_t timeout_ms, kinesis_error *err) {
    kinesis_status st;
    if (c->finished) {
        st = report(c, c->result_status, err);
        return st == KINESIS_OK ? KINESIS_E_CANCELLED : st;
    }
    settle(c);
    if (start_threads(c) != KINESIS_OK)
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "cannot start the coordinator thread");
    st = pull(c, timeout_ms);
    if (st == KINESIS_OK) return KINESIS_OK;
    if (st == KINESIS_E_TIMEOUT)
        return kinesis_error_set(err, KINESIS_E_TIMEOUT, "no record within %u ms", timeout_ms);
    st = report(c, finish(c), err);
    return st == KINESIS_OK ? KINESIS_E_CANCELLED : st;
}

kinesis_status kinesis_consumer_next(kinesis_consumer *c, kinesis_consumer_record *record,
                                     uint32_t timeout_ms, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !record) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = pull_first(c, timeout_ms, err);
    if (st != KINESIS_OK) return st;
    *record = c->rec;
    c->have_prev = 1;
    c->prev_shard = c->cur->sh;
    c->prev_seq = c->rec.sequence_number;
    c->prev_sub = c->rec.sub_sequence_number;
    return KINESIS_OK;
}

#define PACK_MAX_BYTES (8u << 20)

/* Append c->rec to the packed batch. seq: the sequence number view copied last (shared by an
 * aggregate's members) and where its copy lies. 0 when out of memory. */
static int pack_one(kinesis_consumer *c, const char **seq, uint32_t *seq_off, uint32_t *seq_len) {
    const kinesis_consumer_record *r = &c->rec;
    kinesis_buf *b = &c->pack_bytes;
    size_t sn = r->sequence_number != *seq ? strlen(r->sequence_number) + 1 : 0;
    size_t en = r->explicit_hash_key ? strlen(r->explicit_hash_key) : 0;
    size_t need =
        sn + r->partition_key_len + 1 + (r->explicit_hash_key ? en + 1 : 0) + r->data_len + 1;
    if (!kinesis_buf_reserve(b, need) ||
        !kinesis_buf_reserve(&c->pack_recs, sizeof(kinesis_consumer_packed_record)))
        return 0;
    char *p = b->data + b->len;
    kinesis_consumer_packed_record h;
    memset(&h, 0, sizeof h);
    if (sn) {
        memcpy(p, r->sequence_number, sn);
        *seq = r->sequence_number;
        *seq_off = (uint32_t)b->len;
        *seq_len = (uint32_t)(sn - 1);
        p += sn;
    }
    h.sequence_number_offset = *seq_off;
    h.sequence_number_len = *seq_len;
    h.partition_key_offset = (uint32_t)(p - b->data);
    h.partition_key_len = (uint32_t)r->partition_key_len;
    memcpy(p, r->partition_key, r->partition_key_len);
    p += r->partition_key_len;
    *p++ = '\0';
    if (r->explicit_hash_key) {
        h.explicit_hash_key_offset = (uint32_t)(p - b->data);
        h.explicit_hash_key_len = (uint32_t)en;
        memcpy(p, r->explicit_hash_key, en + 1);
        p += en + 1;
    }
    h.data_offset = (uint32_t)(p - b->data);
    h.data_len = (uint32_t)r->data_len;
    if (r->data_len) memcpy(p, r->data, r->data_len);
    p += r->data_len;
    *p++ = '\0';
    b->len = (size_t)(p - b->data);
    h.sub_sequence_number = r->sub_sequence_number;
    h.approximate_arrival_timestamp = r->approximate_arrival_timestamp;
    h.aggregated = (uint8_t)(r->aggregated != 0);
    memcpy(c->pack_recs.data + c->pack_recs.len, &h, sizeof h);
    c->pack_recs.len += sizeof h;
    return 1;
}

kinesis_status kinesis_consumer_next_batch(kinesis_consumer *c, size_t max_records,
                                           uint32_t timeout_ms, kinesis_consumer_batch *batch,
                                           kinesis_error *err) {
    kinesis_error_clear(err);
    if (batch) memset(batch, 0, sizeof(*batch));
    if (!c || !batch || !max_records)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument or max_records 0");
    kinesis_status st = pull_first(c, timeout_ms, err);
    if (st != KINESIS_OK) return st;
    /* c->rec is the first record; the rest come from the same fetched batch (c->cur), whose
     * views stay valid while the records are copied. */
    if (!c->pack_bytes.allocator) {
        kinesis_buf_init(&c->pack_bytes, c->alloc);
        kinesis_buf_init(&c->pack_recs, c->alloc);
    }
    kinesis_buf_reset(&c->pack_bytes);
    kinesis_buf_reset(&c->pack_recs);
    const char *seq = NULL;
    uint32_t seq_off = 0, seq_len = 0;
    size_t n = 0;
    for (;;) {
        if (!pack_one(c, &seq, &seq_off, &seq_len)) {
            set_fatal(c, KINESIS_E_NO_MEMORY, NULL, "next_batch");
            return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        }
        n++;
        if (n >= max_records || c->pack_bytes.len >= PACK_MAX_BYTES || !next_in_batch(c)) break;
    }
    /* the records array after the strings, 8-byte aligned */
    size_t pad = (8 - (c->pack_bytes.len & 7)) & 7;
    static const char zeros[8] = {0};
    if (!kinesis_buf_append(&c->pack_bytes, zeros, pad) ||
        !kinesis_buf_append(&c->pack_bytes, c->pack_recs.data, c->pack_recs.len)) {
        set_fatal(c, KINESIS_E_NO_MEMORY, NULL, "next_batch");
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    c->pack_shard = c->cur->sh;
    c->pack_count = n;
    batch->bytes = (const uint8_t *)c->pack_bytes.data;
    batch->bytes_len = c->pack_bytes.len;
    batch->records = (const kinesis_consumer_packed_record *)(c->pack_bytes.data +
                                                              c->pack_bytes.len - c->pack_recs.len);
    batch->count = n;
    batch->shard_id = c->pack_shard->id;
    batch->millis_behind_latest = c->cur->millis_behind;
    return KINESIS_OK;
}

kinesis_status kinesis_consumer_batch_done(kinesis_consumer *c, size_t n, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL consumer");
    if (c->pack_count && n < c->pack_count) kinesis_consumer_stop(c);
    pack_done(c, n);
    return KINESIS_OK;
}

void kinesis_consumer_stop(kinesis_consumer *c) {
    if (c) atomic_store(&c->stop_flag, 1);
}

kinesis_status kinesis_consumer_checkpoint(kinesis_consumer *c, const char *shard_id,
                                           const char *seq, uint64_t sub, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !shard_id || !seq || !*seq || strlen(seq) >= KINESIS_SEQUENCE_NUMBER_MAX)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "bad arguments");
    for (const char *p = seq; *p; p++)
        if (*p < '0' || *p > '9')
            return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                     "sequence number must be decimal");
    if (!c->o.checkpoints)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no checkpoint store");
    pthread_mutex_lock(&c->lock);
    shard *s = find_shard(c, shard_id);
    pthread_mutex_unlock(&c->lock);
    if (!s) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "unknown shard %s", shard_id);
    if (c->o.pre_checkpoint) c->o.pre_checkpoint(c->o.user);
    kinesis_checkpoint cp;
    memset(&cp, 0, sizeof cp);
    kinesis_copy_string(cp.sequence_number, sizeof cp.sequence_number, seq);
    cp.sub_sequence_number = sub;
    kinesis_status st = write_checkpoint(c, s, &cp);
    if (st != KINESIS_OK) return kinesis_error_set(err, st, "the checkpoint store failed");
    return KINESIS_OK;
}

void kinesis_consumer_get_stats(kinesis_consumer *c, kinesis_consumer_stats *o) {
    if (!o) return;
    memset(o, 0, sizeof(*o));
    if (!c) return;
    o->records_delivered = GET(c->st.delivered);
    o->kinesis_records = GET(c->st.kinesis_records);
    o->records_skipped = GET(c->st.skipped);
    o->aggregates_dropped = GET(c->st.agg_dropped);
    o->user_records_dropped = GET(c->st.user_dropped);
    o->get_records_calls = GET(c->st.calls);
    o->throttled = GET(c->st.throttled);
    o->iterator_renewals = GET(c->st.renewals);
    o->transient_failures = GET(c->st.transient);
    o->subscriptions = GET(c->st.subscriptions);
    o->checkpoints_written = GET(c->st.checkpoints);
    pthread_mutex_lock(&c->lock);
    o->shards_known = (uint32_t)c->nshards;
    for (size_t i = 0; i < c->nshards; i++) {
        if (c->shards[i]->state == KINESIS_CONSUMER_SHARD_READING) o->shards_reading++;
        if (c->shards[i]->state == KINESIS_CONSUMER_SHARD_FINISHED) o->shards_finished++;
    }
    pthread_mutex_unlock(&c->lock);
}

size_t kinesis_consumer_get_shards(kinesis_consumer *c, kinesis_consumer_shard_info *out,
                                   size_t capacity) {
    if (!c) return 0;
    pthread_mutex_lock(&c->lock);
    size_t n = c->nshards;
    for (size_t i = 0; i < n && i < capacity && out; i++) {
        const shard *s = c->shards[i];
        kinesis_consumer_shard_info *o = &out[i];
        memset(o, 0, sizeof(*o));
        kinesis_copy_string(o->shard_id, sizeof o->shard_id, s->id);
        if (s->parent_count > 0)
            kinesis_copy_string(o->parent_shard_id, sizeof o->parent_shard_id, s->parents[0]);
        if (s->parent_count > 1)
            kinesis_copy_string(o->adjacent_parent_shard_id, sizeof o->adjacent_parent_shard_id,
                                s->parents[1]);
        o->state = s->state;
        o->millis_behind_latest = atomic_load(&((shard *)s)->millis_behind);
        o->records_delivered = s->pub_count;
        memcpy(o->last_sequence_number, s->pub_seq, sizeof o->last_sequence_number);
        o->last_sub_sequence_number = s->pub_sub;
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

void kinesis_consumer_destroy(kinesis_consumer *c) {
    if (!c) return;
    if (c->started) (void)finish(c);
    for (size_t i = 0; i < c->nshards; i++) {
        kinesis_subscription_destroy(c->shards[i]->sub);
        kinesis_mem_free(c->alloc, c->shards[i]);
    }
    for (size_t i = 0; i < c->pool_n; i++) {
        kinesis_buf_clean_up(&c->pool_body[i]);
        kinesis_mem_free(c->alloc, c->pool_fast[i].records);
    }
    kinesis_mem_free(c->alloc, c->shards);
    kinesis_mem_free(c->alloc, c->scratch);
    kinesis_buf_clean_up(&c->pack_bytes);
    kinesis_buf_clean_up(&c->pack_recs);
    kinesis_mem_free(c->alloc, c->stream);
    kinesis_mem_free(c->alloc, c->application);
    kinesis_mem_free(c->alloc, c->efo_name);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->nap_cond);
    pthread_mutex_destroy(&c->nap_lock);
    kinesis_mem_free(c->alloc, c);
}

/* The producer: bounded buffer -> shard prediction -> aggregation per predicted shard ->
 * PutRecords collection -> sender threads -> per-record results, retries and delivery reports.
 *
 * Locking: one mutex (p->mu) guards every queue, map and counter. Sender threads take records
 * out of the shard queues under the lock, then encode and send without it, then take the lock
 * again to hand out results. Callbacks run without the lock. */
#include "producer_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "agg_internal.h"
#include "client_internal.h"
#include "json.h"
#include "kinesis/agg.h"
#include "kinesis/base64.h"

#define REC_OVERHEAD 96u    /* bytes charged per record beyond data and keys */
#define AGG_REC_EXTRA 48u   /* upper bound of what one record adds to an aggregate beyond bytes */
#define AGG_FIXED_EXTRA 64u /* magic, MD5, outer key and slack */
#define MAX_CODES 32u       /* distinct error codes counted by name */
#define SERVE_BATCH 4096u   /* reports served per lock round trip */
#define PEND_MAX (4u << 20) /* most bytes of aggregates waiting for their MD5 */
#define PUT_CHUNK 64u       /* records of a put_batch() queued per lock round trip */

/* The results of one PutRecords request in one allocation (shard ids and sequence numbers,
 * NUL-terminated), shared by the request's records until their reports are served. */
typedef struct kres {
    atomic_uint refs;
    char text[];
} kres;

typedef struct pshard pshard;
typedef struct pstream pstream;

/* One user record. The fields every pass over a queue reads (select, encode, results, reports)
 * come first so that each pass touches one cache line per record. rec_fill() stores every field
 * (no memset): a new field must be set there. */
typedef struct prec {
    struct prec *next;
    pstream *stream;
    pshard *shard; /* current prediction; NULL while unrouted */
    const uint8_t *data;
    int64_t deadline_ms, first_send_ms;
    uint32_t data_len;
    uint16_t pk_len;
    uint8_t ehk_len, aggregated;
    uint32_t attempts, charge;
    /* colder */
    int64_t put_ms;
    kinesis_hash_key hk;
    void *opaque;
    kres *res;                  /* on success: holds shard_id and seq */
    const char *shard_id, *seq; /* into res */
    char *msg;                  /* final failure message (owned) */
    const char *code;
    uint64_t sub_seq;
    struct slab *slab; /* the slab holding this record, NULL when allocated alone */
    kinesis_status status, last_error;
    char keys[]; /* pk NUL [ehk NUL] [data copy] */
} prec;

/* Records up to SLAB_MAX_BLOCK bytes (header, keys and the copy of the data) are carved from
 * slabs of ~64 KiB: one allocation per slab instead of one per record (a malloc and a free per
 * record, the free often on another thread, cost more than the rest of a small record's way), and
 * records put one after another sit one after another in memory, so the passes over a queue read
 * memory in order. A record takes a block of the smallest of SLAB_CLASSES sizes that holds it.
 * A new slab of a class is made only when no slab of the class has a free block, so slabs never
 * hold more blocks than the peak of records of the class held at once (plus one slab per lane);
 * an empty slab other than a current one is freed. Under p->mu. */
#define SLAB_CLASSES 8u
#define SLAB_MAX_BLOCK 1024u
#define SLAB_BYTES (64u << 10)
/* Steps of at most a third, so a block is never more than a third larger than its record. */
static const uint32_t slab_block_bytes[SLAB_CLASSES] = {192u, 256u, 320u, 384u,
                                                        512u, 640u, 768u, SLAB_MAX_BLOCK};

/* Under AddressSanitizer, free slab blocks are poisoned (all but the free-list link), so a use
 * of a record after its report was served is still caught although it is not a malloc block. */
#if defined(__SANITIZE_ADDRESS__)
#define KINESIS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KINESIS_ASAN 1
#endif
#endif
#ifdef KINESIS_ASAN
#include <sanitizer/asan_interface.h>
#define SLAB_POISON(addr, size) ASAN_POISON_MEMORY_REGION(addr, size)
#define SLAB_UNPOISON(addr, size) ASAN_UNPOISON_MEMORY_REGION(addr, size)
#else
#define SLAB_POISON(addr, size) ((void)(addr), (void)(size))
#define SLAB_UNPOISON(addr, size) ((void)(addr), (void)(size))
#endif
/* Shards take turns on SLAB_LANES current slabs, so a shard's records lie in order in few slabs
 * and a pass over its queue reads memory sequentially (few shards: one lane each). */
#define SLAB_LANES 8u

typedef struct slab {
    struct slab *prev, *next; /* in p->partial[cls] while it has free blocks and is not current */
    void *free;               /* free blocks, linked through their first word */
    unsigned char *base;      /* first block, 64-byte aligned */
    uint32_t live, bumped;
    uint32_t cls, block, blocks; /* its class, block size and block count */
    int listed, current;         /* current: some lane allocates from it */
} slab;

/* The slab class of a record of `size` bytes, SLAB_CLASSES when it is allocated alone. */
static uint32_t slab_class_of(size_t size) {
    uint32_t c = 0;
    while (c < SLAB_CLASSES && size > slab_block_bytes[c]) c++;
    return c;
}

#define REC_PK(r) ((r)->keys)
#define REC_EHK(r) ((r)->ehk_len ? (r)->keys + (r)->pk_len + 1 : NULL)

typedef struct rlist {
    prec *head, *tail;
    uint32_t count;
} rlist;

struct pshard {
    pshard *next_all;
    char *id;
    kinesis_hash_key start, end;
    int open;
    rlist q;
    uint64_t bytes;
    int64_t not_before;
    uint32_t in_flight, lane;
    double tok_bytes, tok_recs, factor;
    int64_t tok_ms;
    rlist tmp; /* scratch for front re-queueing */
    int tmp_listed;
    pshard *tmp_next;
};

struct pstream {
    pstream *next;
    char *name;
    pshard *all;
    pshard **map; /* open shards sorted by start */
    kinesis_shard_map_entry *entries;
    size_t map_n;
    int have_map, stale, fetching;
    int64_t map_ms, map_retry_ms;
    uint32_t map_failures;
    rlist unrouted;
    uint64_t queued, queued_bytes;
    size_t rr;
};

typedef struct dist {
    uint64_t count;
    double sum, min, max;
} dist;

struct kinesis_producer {
    kinesis_client *client;
    const kinesis_allocator *alloc;
    kinesis_producer_options o;
    uint32_t max_record_bytes, request_cap;
    pthread_mutex_t mu, poll_mu;
    pthread_cond_t cv_work, cv_report, cv_space;
    pthread_t *senders;
    struct sender **ctx; /* one per sender thread */
    uint32_t nsenders;
    uint64_t trigger_bytes, trigger_count; /* a stream this full is sent without linger */
    pthread_t report_thr;
    int have_report_thr, stop, closing, closed, report_stop;
    kinesis_status close_status;
    int flushing;
    uint32_t idle_senders;
    int64_t idle_wake;
    /* Idle senders waiting with a deadline, and the earliest such deadline (INT64_MAX when
     * unknown): one sender keeps time for all, the others wait for a signal (see sender_main). */
    uint32_t timed_senders;
    int64_t timer_wake;
    atomic_uint_least64_t idle_waits; /* senders' waits for work (read without the lock) */
    pstream *streams, *rr_stream;
    /* see SLAB_CLASSES; [cls][SLAB_LANES]: unrouted records */
    slab *lane_slab[SLAB_CLASSES][SLAB_LANES + 1], *partial[SLAB_CLASSES];
    uint32_t next_lane;
    uint64_t buffered_bytes, outstanding;
    rlist reports;
    prec *taken; /* report_queue: the records of the last take_reports(), released by the next */
    uint64_t taken_count;
    uint64_t rng;
    int64_t next_stats_ms, start_ms;
    /* statistics */
    uint64_t received, put_ok, put_failed, data_put, krecs_put, kdata_put, all_errors, requests,
        retries, misrouted, map_refreshes;
    dist retries_per_record, buffering, request_time, upk, kpr;
    char *codes[MAX_CODES];
    uint64_t code_counts[MAX_CODES + 1];
    uint32_t ncodes;
};

/* ---- small helpers ---- */

static void rl_push(rlist *l, prec *r) {
    r->next = NULL;
    if (l->tail)
        l->tail->next = r;
    else
        l->head = r;
    l->tail = r;
    l->count++;
}

static prec *rl_pop(rlist *l) {
    prec *r = l->head;
    if (!r) return NULL;
    l->head = r->next;
    if (!l->head) l->tail = NULL;
    l->count--;
    r->next = NULL;
    return r;
}

/* Put list `a` in front of `l`. */
static void rl_prepend(rlist *l, rlist *a) {
    if (!a->head) return;
    a->tail->next = l->head;
    if (!l->tail) l->tail = a->tail;
    l->head = a->head;
    l->count += a->count;
    a->head = a->tail = NULL;
    a->count = 0;
}

static uint64_t next_rand(kinesis_producer *p) {
    uint64_t x = p->rng; /* xorshift64*, under p->mu */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    p->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void slab_unlist(kinesis_producer *p, slab *sl) {
    if (sl->prev)
        sl->prev->next = sl->next;
    else
        p->partial[sl->cls] = sl->next;
    if (sl->next) sl->next->prev = sl->prev;
    sl->prev = sl->next = NULL;
    sl->listed = 0;
}

/* A block of class cls for a record from a lane, or NULL when out of memory. */
static prec *slab_alloc(kinesis_producer *p, uint32_t cls, uint32_t lane) {
    for (;;) {
        slab *sl = p->lane_slab[cls][lane];
        if (sl) {
            void *b = NULL;
            if (sl->free) {
                b = sl->free;
                memcpy(&sl->free, b, sizeof(void *));
            } else if (sl->bumped < sl->blocks) {
                b = sl->base + (size_t)sl->bumped++ * sl->block;
            }
            if (b) {
                SLAB_UNPOISON(b, sl->block);
                sl->live++;
                prec *r = b;
                r->slab = sl;
                return r;
            }
        }
        /* The current slab is full (it is listed again when one of its blocks is freed). */
        if (p->partial[cls]) {
            sl = p->partial[cls];
            slab_unlist(p, sl);
        } else {
            sl = kinesis_mem_alloc(p->alloc, sizeof(slab) + 64 + SLAB_BYTES);
            if (!sl) return NULL;
            memset(sl, 0, sizeof(*sl));
            uintptr_t at = ((uintptr_t)(sl + 1) + 63) & ~(uintptr_t)63;
            sl->base = (unsigned char *)at;
            sl->cls = cls;
            sl->block = slab_block_bytes[cls];
            sl->blocks = SLAB_BYTES / sl->block;
            SLAB_POISON(sl->base, (size_t)sl->block * sl->blocks);
        }
        if (p->lane_slab[cls][lane]) p->lane_slab[cls][lane]->current = 0;
        sl->current = 1;
        p->lane_slab[cls][lane] = sl;
    }
}

/* Give a slab back to the allocator (its blocks unpoisoned first: the allocator may reuse them). */
static void slab_destroy(kinesis_producer *p, slab *sl) {
    SLAB_UNPOISON(sl->base, (size_t)sl->block * sl->blocks);
    kinesis_mem_free(p->alloc, sl);
}

static void slab_free(kinesis_producer *p, prec *r) {
    slab *sl = r->slab;
    void *b = r;
    memcpy(b, &sl->free, sizeof(void *));
    SLAB_POISON((unsigned char *)b + sizeof(void *), sl->block - sizeof(void *));
    sl->free = b;
    sl->live--;
    if (sl->current) return;
    if (sl->live == 0) {
        if (sl->listed) slab_unlist(p, sl);
        slab_destroy(p, sl);
        return;
    }
    if (!sl->listed) {
        sl->listed = 1;
        sl->prev = NULL;
        sl->next = p->partial[sl->cls];
        if (sl->next) sl->next->prev = sl;
        p->partial[sl->cls] = sl;
    }
}

/* Add `count` values whose sum, least and greatest are given. */
static void dist_add_many(dist *d, uint64_t count, double sum, double min, double max) {
    if (count == 0) return;
    if (d->count == 0 || min < d->min) d->min = min;
    if (d->count == 0 || max > d->max) d->max = max;
    d->count += count;
    d->sum += sum;
}

static void dist_add(dist *d, double v) { dist_add_many(d, 1, v, v, v); }

static void timed_wait(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t until_mono_ms) {
    if (until_mono_ms == INT64_MAX) {
        pthread_cond_wait(cv, mu);
        return;
    }
    int64_t now = kinesis_now_mono_ms();
    if (until_mono_ms <= now) return;
    int64_t delta = until_mono_ms - now;
    if (delta > 3600000) delta = 3600000;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(delta / 1000);
    ts.tv_nsec += (long)(delta % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cv, mu, &ts);
}

static int cond_init_mono(pthread_cond_t *cv) {
    pthread_condattr_t a;
    if (pthread_condattr_init(&a)) return -1;
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
    return rc;
}

/* Intern an error code for ErrorsByCode; returns a string owned by the producer. */
static const char *intern_code(kinesis_producer *p, const char *code) {
    if (!code || !*code) code = "Unknown";
    for (uint32_t i = 0; i < p->ncodes; i++)
        if (strcmp(p->codes[i], code) == 0) {
            p->code_counts[i]++;
            return p->codes[i];
        }
    if (p->ncodes < MAX_CODES) {
        char *c = kinesis_strdup(p->alloc, code);
        if (c) {
            p->codes[p->ncodes] = c;
            p->code_counts[p->ncodes++]++;
            return c;
        }
    }
    p->code_counts[MAX_CODES]++;
    return "Other";
}

/* ---- streams and shard maps ---- */

static pstream *stream_find(kinesis_producer *p, const char *name) {
    for (pstream *s = p->streams; s; s = s->next)
        if (strcmp(s->name, name) == 0) return s;
    return NULL;
}

static pstream *stream_get(kinesis_producer *p, const char *name) {
    pstream *s = stream_find(p, name);
    if (s) return s;
    s = kinesis_mem_calloc(p->alloc, 1, sizeof(*s));
    if (!s) return NULL;
    s->name = kinesis_strdup(p->alloc, name);
    if (!s->name) {
        kinesis_mem_free(p->alloc, s);
        return NULL;
    }
    s->next = p->streams;
    p->streams = s;
    return s;
}

static pshard *shard_by_id(pstream *s, const char *id) {
    for (pshard *sh = s->all; sh; sh = sh->next_all)
        if (strcmp(sh->id, id) == 0) return sh;
    return NULL;
}

static pshard *predict(pstream *s, kinesis_hash_key hk) {
    if (!s->have_map || s->map_n == 0) return NULL;
    const kinesis_shard_map_entry *e = kinesis_shard_map_lookup(s->entries, s->map_n, hk);
    return e ? s->map[e - s->entries] : NULL;
}

static void shard_enqueue(pshard *sh, prec *r) {
    r->shard = sh;
    rl_push(&sh->q, r);
    sh->bytes += r->data_len + r->pk_len;
    r->stream->queued++;
    r->stream->queued_bytes += r->data_len + r->pk_len;
}

/* Route records to the front of their predicted shards, keeping their relative order. Records
 * without a prediction go to the stream's unrouted list. */
static void route_front(pstream *s, rlist *l) {
    pshard *touched = NULL;
    prec *r;
    while ((r = rl_pop(l)) != NULL) {
        pshard *sh = predict(s, r->hk);
        if (!sh) {
            r->shard = NULL;
            rl_push(&s->unrouted, r);
            s->stale = 1;
            continue;
        }
        r->shard = sh;
        rl_push(&sh->tmp, r);
        sh->bytes += r->data_len + r->pk_len;
        s->queued++;
        s->queued_bytes += r->data_len + r->pk_len;
        if (!sh->tmp_listed) {
            sh->tmp_listed = 1;
            sh->tmp_next = touched;
            touched = sh;
        }
    }
    while (touched) {
        pshard *sh = touched;
        touched = sh->tmp_next;
        sh->tmp_listed = 0;
        rl_prepend(&sh->q, &sh->tmp);
    }
}

/* Detach every queued record of a shard. */
static void shard_take_all(pstream *s, pshard *sh, rlist *out) {
    prec *r;
    while ((r = rl_pop(&sh->q)) != NULL) {
        s->queued--;
        s->queued_bytes -= r->data_len + r->pk_len;
        rl_push(out, r);
    }
    sh->bytes = 0;
}

static int cmp_shard(const void *a, const void *b) {
    const pshard *x = *(pshard *const *)a, *y = *(pshard *const *)b;
    return kinesis_hash_key_compare(x->start, y->start);
}

/* Install the open shards of a ListShards result as the stream's map, then re-route records of
 * shards that closed and records that had no prediction. */
static kinesis_status install_map(kinesis_producer *p, pstream *s,
                                  const kinesis_list_shards_result *res) {
    size_t n = 0;
    for (size_t i = 0; i < res->shard_count; i++)
        if (!res->shards[i].ending_sequence_number) n++;
    pshard **map = kinesis_mem_calloc(p->alloc, n ? n : 1, sizeof(*map));
    kinesis_shard_map_entry *entries = kinesis_mem_calloc(p->alloc, n ? n : 1, sizeof(*entries));
    if (!map || !entries) {
        kinesis_mem_free(p->alloc, map);
        kinesis_mem_free(p->alloc, entries);
        return KINESIS_E_NO_MEMORY;
    }
    for (pshard *sh = s->all; sh; sh = sh->next_all) sh->open = 0;
    size_t k = 0;
    for (size_t i = 0; i < res->shard_count; i++) {
        const kinesis_shard *src = &res->shards[i];
        pshard *sh = shard_by_id(s, src->shard_id);
        if (!sh) {
            sh = kinesis_mem_calloc(p->alloc, 1, sizeof(*sh));
            if (sh) sh->id = kinesis_strdup(p->alloc, src->shard_id);
            if (!sh || !sh->id) {
                if (sh) kinesis_mem_free(p->alloc, sh);
                kinesis_mem_free(p->alloc, map);
                kinesis_mem_free(p->alloc, entries);
                return KINESIS_E_NO_MEMORY;
            }
            sh->factor = 1.0;
            sh->lane = p->next_lane++ % SLAB_LANES;
            sh->tok_ms = kinesis_now_mono_ms();
            sh->tok_bytes = p->o.shard_rate_bytes;
            sh->tok_recs = p->o.shard_rate_records;
            sh->next_all = s->all;
            s->all = sh;
        }
        sh->start = src->hash_start;
        sh->end = src->hash_end;
        if (!src->ending_sequence_number) {
            sh->open = 1;
            map[k++] = sh;
        }
    }
    qsort(map, k, sizeof(*map), cmp_shard);
    for (size_t i = 0; i < k; i++) {
        entries[i].start = map[i]->start;
        entries[i].end = map[i]->end;
        entries[i].shard_id = map[i]->id;
    }
    kinesis_mem_free(p->alloc, s->map);
    kinesis_mem_free(p->alloc, s->entries);
    s->map = map;
    s->entries = entries;
    s->map_n = k;
    s->have_map = k > 0;
    s->stale = 0;
    s->map_failures = 0;
    s->map_ms = kinesis_now_mono_ms();
    p->map_refreshes++;
    /* Records of closed shards and unrouted records move to the new map. */
    rlist moved = {0};
    for (pshard *sh = s->all; sh; sh = sh->next_all)
        if (!sh->open && sh->q.count) shard_take_all(s, sh, &moved);
    rlist un = s->unrouted;
    memset(&s->unrouted, 0, sizeof(s->unrouted));
    rl_prepend(&un, &moved); /* closed-shard records first: they are older */
    route_front(s, &un);
    return KINESIS_OK;
}

static void report_final(kinesis_producer *p, prec *r, kinesis_status st, const char *fmt, ...)
    KINESIS_PRINTF(4, 5);

/* Give up every record of l with st; code (interned, or NULL) becomes their error_code. */
static void fail_list(kinesis_producer *p, rlist *l, kinesis_status st, const char *code,
                      const char *message) {
    prec *r;
    while ((r = rl_pop(l)) != NULL) {
        if (code) r->code = code;
        report_final(p, r, st, "%s", message);
    }
}

/* ListShards for a stream; called and returning with p->mu held (released during the call). */
static void fetch_map_locked(kinesis_producer *p, pstream *s) {
    s->fetching = 1;
    pthread_mutex_unlock(&p->mu);
    kinesis_list_shards_request req;
    memset(&req, 0, sizeof(req));
    req.stream = s->name;
    kinesis_list_shards_result res;
    memset(&res, 0, sizeof(res));
    kinesis_error err;
    kinesis_error_clear(&err);
    kinesis_status st = kinesis_list_shards(p->client, &req, &res, &err);
    pthread_mutex_lock(&p->mu);
    s->fetching = 0;
    if (st == KINESIS_OK) st = install_map(p, s, &res);
    if (st == KINESIS_OK && !s->have_map) {
        st = KINESIS_E_RESOURCE_IN_USE;
        snprintf(err.message, sizeof(err.message), "stream %s has no open shards", s->name);
    }
    kinesis_list_shards_result_clean_up(&res);
    if (st == KINESIS_OK) {
        /* Bound refreshes asked for by stale predictions; keep backing off while records still
         * have no shard (a gap in the map). */
        if (s->unrouted.count) s->map_failures++;
        uint32_t delay = s->map_failures
                             ? kinesis_producer_backoff_ms(p->o.retry_base_ms, p->o.retry_max_ms,
                                                           s->map_failures, next_rand(p))
                             : 0;
        s->map_retry_ms = kinesis_now_mono_ms() + (delay < 200 ? 200 : delay);
    } else {
        s->map_failures++;
        uint32_t delay = kinesis_producer_backoff_ms(p->o.retry_base_ms, p->o.retry_max_ms,
                                                     s->map_failures, next_rand(p));
        s->map_retry_ms = kinesis_now_mono_ms() + (delay < 50 ? 50 : delay);
        if (!kinesis_status_is_retryable(st) && st != KINESIS_E_RESOURCE_IN_USE) {
            /* The stream cannot be used (missing, access denied): give its records back. */
            char msg[KINESIS_ERROR_MESSAGE_MAX + 64];
            snprintf(msg, sizeof(msg), "ListShards failed: %s", err.message);
            const char *code = intern_code(p, err.type[0] ? err.type : kinesis_status_name(st));
            fail_list(p, &s->unrouted, st, code, msg);
            rlist l = {0};
            for (pshard *sh = s->all; sh; sh = sh->next_all) shard_take_all(s, sh, &l);
            fail_list(p, &l, st, code, msg);
        } else {
            /* Retry later; records past their deadline are reported now. */
            rlist keep = {0};
            prec *r;
            int64_t now = kinesis_now_mono_ms();
            while ((r = rl_pop(&s->unrouted)) != NULL) {
                if (r->deadline_ms <= now)
                    report_final(p, r, KINESIS_E_TIMEOUT,
                                 "record TTL expired before the shard map could be fetched: %s",
                                 err.message);
                else
                    rl_push(&keep, r);
            }
            s->unrouted = keep;
        }
    }
    pthread_cond_broadcast(&p->cv_work);
}

/* ---- reports ---- */

/* Waiters on cv_report only wait while the list is empty, so only that transition signals. */
static void report_push(kinesis_producer *p, prec *r) {
    int was_empty = p->reports.head == NULL;
    rl_push(&p->reports, r);
    if (was_empty) pthread_cond_broadcast(&p->cv_report);
}

/* Append a whole list of reports. Returns 1 when the list was empty before, i.e. when waiters on
 * cv_report must be woken: the caller broadcasts it once it has released p->mu (a waiter woken
 * while the mutex is still held would only block on it again). */
static int report_push_list(kinesis_producer *p, rlist *l) {
    if (!l->head) return 0;
    int was_empty = p->reports.head == NULL;
    if (p->reports.tail)
        p->reports.tail->next = l->head;
    else
        p->reports.head = l->head;
    p->reports.tail = l->tail;
    p->reports.count += l->count;
    memset(l, 0, sizeof(*l));
    return was_empty;
}

static void report_final(kinesis_producer *p, prec *r, kinesis_status st, const char *fmt, ...) {
    r->status = st;
    char buf[KINESIS_ERROR_MESSAGE_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    r->msg = kinesis_strdup(p->alloc, buf);
    p->put_failed++;
    dist_add(&p->retries_per_record, r->attempts ? r->attempts - 1 : 0);
    report_push(p, r);
}

/* Drop n references to k (NULL: none). */
static void kres_release_n(kinesis_producer *p, kres *k, uint32_t n) {
    if (k && atomic_fetch_sub_explicit(&k->refs, n, memory_order_acq_rel) == n)
        kinesis_mem_free(p->alloc, k);
}

static void kres_release(kinesis_producer *p, kres *k) { kres_release_n(p, k, 1); }

/* ---- the sender ---- */

typedef struct kentry {
    pshard *shard;
    prec *members; /* linked by next, NULL-terminated */
    uint32_t n;
    int aggregated;
    size_t bytes; /* data + partition key as sent */
} kentry;

typedef struct group {
    pstream *s;
    pshard *shard;
    rlist recs;
} group;

struct sender {
    kinesis_producer *p;
    kinesis_agg_encoder enc;
    int have_enc;
    kinesis_buf body, resp; /* reused between requests */
    /* Finished aggregates waiting for their MD5, which is computed for up to KAGG_MD5_BATCH of them
     * side by side (AVX2 lanes); their base64 slots in body are filled then. */
    kinesis_buf pend;
    struct pending_agg {
        size_t pend_off, len, body_off;
    } pending[KAGG_MD5_BATCH];
    size_t npending;
    kentry *entries;
    struct ritem *items; /* one per entry: the response's results */
    size_t nentries;
    group *groups;
    size_t ngroups, groups_cap;
    pstream *stream;
    uint64_t est_bytes, est_recs; /* of the selected records, to size the body */
    int wake_reporters; /* reports were pushed: broadcast cv_report once p->mu is released */
};
typedef struct sender sender;

static void refill(kinesis_producer *p, pshard *sh, int64_t now) {
    double dt = (double)(now - sh->tok_ms) / 1000.0;
    if (dt <= 0) return;
    sh->tok_ms = now;
    if (p->o.shard_rate_bytes) {
        double cap = p->o.shard_rate_bytes * sh->factor;
        sh->tok_bytes += dt * cap;
        if (sh->tok_bytes > cap) sh->tok_bytes = cap;
    }
    if (p->o.shard_rate_records) {
        double cap = p->o.shard_rate_records * sh->factor;
        sh->tok_recs += dt * cap;
        if (sh->tok_recs > cap) sh->tok_recs = cap;
    }
}

/* When a rate-limited shard may send (ms from now; 0 = now): once its tokens cover a worthwhile
 * request, i.e. what it has queued up to a tenth of a second's budget. Sending as soon as the
 * tokens turn positive would send a tiny request per refill (thousands of requests a second
 * carrying a record or two each, all their CPU spent per request). */
static int64_t token_wait(kinesis_producer *p, pshard *sh) {
    double w = 0;
    if (p->o.shard_rate_bytes) {
        double rate = p->o.shard_rate_bytes * sh->factor;
        double want = (double)sh->bytes < rate / 10 ? (double)sh->bytes : rate / 10;
        if (want < 1) want = 1;
        if (sh->tok_bytes < want) w = (want - sh->tok_bytes) / rate * 1000.0 + 1;
    }
    if (p->o.shard_rate_records) {
        double rate = p->o.shard_rate_records * sh->factor;
        /* Aggregated, a request needs one Kinesis record per aggregate. */
        double queued = p->o.aggregation ? 1.0 : (double)sh->q.count;
        double want = queued < rate / 10 ? queued : rate / 10;
        if (want < 1) want = 1;
        if (sh->tok_recs < want) {
            double w2 = (want - sh->tok_recs) / rate * 1000.0 + 1;
            if (w2 > w) w = w2;
        }
    }
    return (int64_t)w;
}

static uint32_t rec_weight(const prec *r) {
    return (uint32_t)(r->data_len + r->pk_len + r->ehk_len);
}

static int group_add(sender *sd, pstream *s, pshard *sh) {
    if (sd->ngroups == sd->groups_cap) {
        size_t cap = sd->groups_cap ? sd->groups_cap * 2 : 16;
        group *g = kinesis_mem_realloc(sd->p->alloc, sd->groups, sd->groups_cap * sizeof(*g),
                                       cap * sizeof(*g));
        if (!g) return -1;
        sd->groups = g;
        sd->groups_cap = cap;
    }
    group *g = &sd->groups[sd->ngroups++];
    memset(g, 0, sizeof(*g));
    g->s = s;
    g->shard = sh;
    return 0;
}

/* Pick the next request's records (under p->mu). Returns 1 with sd->groups filled, else 0 and
 * *wake = when something may become ready. */
static int select_batch(kinesis_producer *p, sender *sd, int64_t now, int64_t *wake) {
    sd->ngroups = 0;
    sd->est_bytes = sd->est_recs = 0;
    int ignore_linger = p->flushing > 0 || p->closing;
    pstream *first = p->rr_stream ? p->rr_stream : p->streams;
    pstream *s = first;
    if (!s) return 0;
    do {
        pstream *next = s->next ? s->next : p->streams;
        if (s->have_map && s->queued && !s->fetching) {
            int triggered = ignore_linger;
            uint64_t sendable_bytes = 0, sendable_count = 0;
            for (size_t i = 0; i < s->map_n; i++) {
                pshard *sh = s->map[i];
                if (!sh->q.count) continue;
                if (sh->not_before > now) {
                    if (sh->not_before < *wake) *wake = sh->not_before;
                    continue;
                }
                if (p->o.ordered && sh->in_flight) continue; /* its result wakes us */
                refill(p, sh, now);
                int64_t tw = token_wait(p, sh);
                if (tw > 0) {
                    if (now + tw < *wake) *wake = now + tw;
                    continue;
                }
                int64_t ready_at = sh->q.head->put_ms + (int64_t)p->o.linger_ms;
                if (sh->q.head->attempts > 0 || ready_at <= now)
                    triggered = 1;
                else if (ready_at < *wake)
                    *wake = ready_at;
                sendable_bytes += sh->bytes;
                sendable_count += sh->q.count;
            }
            if (!triggered && sendable_count) {
                if (sendable_bytes >= p->trigger_bytes || sendable_count >= p->trigger_count)
                    triggered = 1;
            }
            if (triggered && sendable_count) {
                /* Take records shard by shard within the request's budget. */
                int64_t entries_left = p->o.collection_max_count;
                int64_t bytes_left = p->request_cap;
                size_t n = s->map_n;
                size_t start = s->rr % n;
                for (size_t j = 0; j < n && entries_left > 0 && bytes_left > 0; j++) {
                    pshard *sh = s->map[(start + j) % n];
                    if (!sh->q.count || sh->not_before > now || (p->o.ordered && sh->in_flight) ||
                        token_wait(p, sh) > 0)
                        continue;
                    if (group_add(sd, s, sh)) break;
                    group *g = &sd->groups[sd->ngroups - 1];
                    int64_t tok_b = p->o.shard_rate_bytes ? (int64_t)sh->tok_bytes + 1 : INT64_MAX;
                    int64_t tok_r = p->o.shard_rate_records ? (int64_t)sh->tok_recs + 1 : INT64_MAX;
                    int64_t agg_est = 0, taken_b = 0, taken_e = 0;
                    uint32_t agg_count = 0;
                    while (sh->q.head) {
                        prec *r = sh->q.head;
                        int64_t w = rec_weight(r);
                        int64_t need_b = w + (p->o.aggregation ? AGG_REC_EXTRA : 0);
                        int new_entry = 1;
                        if (p->o.aggregation && agg_count > 0 &&
                            agg_est + need_b + AGG_FIXED_EXTRA <= p->o.aggregation_max_bytes &&
                            agg_count < p->o.aggregation_max_count)
                            new_entry = 0;
                        if (new_entry && (entries_left < 1 || taken_e >= tok_r)) break;
                        /* Ordered: one Kinesis record per shard per request, so a partial
                         * failure cannot let a later record of the shard overtake. */
                        if (new_entry && p->o.ordered && taken_e >= 1) break;
                        if (need_b > bytes_left && (g->recs.count || sd->ngroups > 1)) break;
                        if (taken_b >= tok_b && g->recs.count) break;
                        rl_pop(&sh->q);
                        sh->bytes -= r->data_len + r->pk_len;
                        s->queued--;
                        s->queued_bytes -= r->data_len + r->pk_len;
                        if (r->deadline_ms <= now) {
                            report_final(p, r, KINESIS_E_TIMEOUT,
                                         "record TTL (%u ms) expired after %u attempts%s%s",
                                         p->o.record_ttl_ms, r->attempts,
                                         r->code ? "; last error: " : "", r->code ? r->code : "");
                            continue;
                        }
                        if (new_entry) {
                            entries_left--;
                            taken_e++;
                            agg_est = 0;
                            agg_count = 0;
                        }
                        agg_est += need_b;
                        agg_count++;
                        bytes_left -= need_b;
                        taken_b += need_b;
                        if (r->first_send_ms == 0) {
                            r->first_send_ms = now;
                            dist_add(&p->buffering, (double)(now - r->put_ms));
                        }
                        sd->est_bytes += (uint64_t)w;
                        sd->est_recs++;
                        rl_push(&g->recs, r);
                    }
                    if (g->recs.count == 0) {
                        sd->ngroups--;
                        continue;
                    }
                    sh->in_flight++;
                    if (p->o.shard_rate_bytes) sh->tok_bytes -= (double)taken_b;
                    if (p->o.shard_rate_records) sh->tok_recs -= (double)taken_e;
                }
                s->rr = (start + 1) % n;
                if (sd->ngroups) {
                    p->rr_stream = next;
                    sd->stream = s;
                    return 1;
                }
            }
        }
        s = next;
    } while (s != first);
    return 0;
}

static int pk_needs_escape(const char *pk, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)pk[i];
        if (c < 0x20 || c == '"' || c == '\\') return 1;
    }
    return 0;
}

#define LIT(b, s) (memcpy((b)->data + (b)->len, s, sizeof(s) - 1), (b)->len += sizeof(s) - 1)

/* One PutRecords entry, written in place after a single reserve (base64 straight into the body).
 * With data NULL the base64 of data_len bytes is left out: its slot's offset goes to *slot. */
static int append_entry_json(sender *sd, const uint8_t *data, size_t data_len, const char *pk,
                             size_t pk_len, const char *ehk, size_t *slot) {
    kinesis_buf *b = &sd->body;
    size_t b64 = KINESIS_BASE64_ENCODED_LEN(data_len), ehk_len = ehk ? strlen(ehk) : 0;
    if (!kinesis_buf_reserve(b, 64 + b64 + pk_len + ehk_len)) return -1;
    if (sd->nentries) b->data[b->len++] = ',';
    LIT(b, "{\"Data\":\"");
    size_t written = b64;
    if (data)
        kinesis_base64_encode(data, data_len, b->data + b->len, b64, &written);
    else
        *slot = b->len;
    b->len += written;
    LIT(b, "\",\"PartitionKey\":");
    if (pk_needs_escape(pk, pk_len)) {
        if (!kjson_append_string(b, pk, pk_len) || !kinesis_buf_reserve(b, 32 + ehk_len)) return -1;
    } else {
        b->data[b->len++] = '"';
        memcpy(b->data + b->len, pk, pk_len);
        b->len += pk_len;
        b->data[b->len++] = '"';
    }
    if (ehk) {
        LIT(b, ",\"ExplicitHashKey\":\"");
        memcpy(b->data + b->len, ehk, ehk_len);
        b->len += ehk_len;
        b->data[b->len++] = '"';
    }
    b->data[b->len++] = '}';
    b->data[b->len] = '\0';
    return 0;
}

/* MD5 the waiting aggregates side by side, then base64 each into its slot in the body. */
static void finish_pending(sender *sd) {
    const uint8_t *msg[KAGG_MD5_BATCH];
    size_t len[KAGG_MD5_BATCH];
    uint8_t digest[KAGG_MD5_BATCH][KINESIS_MD5_LEN];
    for (size_t i = 0; i < sd->npending; i++) {
        msg[i] = (const uint8_t *)sd->pend.data + sd->pending[i].pend_off + 4;
        len[i] = sd->pending[i].len - KAGG_OVERHEAD;
    }
    kinesis_agg_md5_many_(NULL, sd->npending, msg, len, digest);
    for (size_t i = 0; i < sd->npending; i++) {
        struct pending_agg *pa = &sd->pending[i];
        uint8_t *blob = (uint8_t *)sd->pend.data + pa->pend_off;
        memcpy(blob + pa->len - KINESIS_MD5_LEN, digest[i], KINESIS_MD5_LEN);
        size_t b64 = KINESIS_BASE64_ENCODED_LEN(pa->len), written = 0;
        kinesis_base64_encode(blob, pa->len, sd->body.data + pa->body_off, b64, &written);
    }
    sd->npending = 0;
    kinesis_buf_reset(&sd->pend);
}

static int emit_finished(sender *sd, pshard *sh, rlist *members) {
    kinesis_agg_output out;
    if (kinesis_agg_encoder_finish_without_md5_(&sd->enc, &out) != KINESIS_OK) return -1;
    kentry *e = &sd->entries[sd->nentries];
    if (out.aggregated) {
        /* The encoder reuses its buffer for the next aggregate: the blob waits in a copy. */
        if (sd->npending == KAGG_MD5_BATCH ||
            (sd->npending && sd->pend.len + out.data_len > PEND_MAX))
            finish_pending(sd);
        struct pending_agg *pa = &sd->pending[sd->npending];
        pa->pend_off = sd->pend.len;
        pa->len = out.data_len;
        if (!kinesis_buf_append(&sd->pend, out.data, out.data_len) ||
            append_entry_json(sd, NULL, out.data_len, out.partition_key, out.partition_key_len,
                              out.explicit_hash_key, &pa->body_off))
            return -1;
        sd->npending++;
    } else if (append_entry_json(sd, out.data, out.data_len, out.partition_key,
                                 out.partition_key_len, out.explicit_hash_key, NULL)) {
        return -1;
    }
    e->shard = sh;
    e->members = members->head;
    e->n = members->count;
    e->aggregated = out.aggregated;
    e->bytes = out.data_len + out.partition_key_len;
    memset(members, 0, sizeof(*members));
    sd->nentries++;
    return 0;
}

static int emit_lone(sender *sd, pshard *sh, prec *r) {
    kentry *e = &sd->entries[sd->nentries];
    r->next = NULL;
    if (append_entry_json(sd, r->data, r->data_len, REC_PK(r), r->pk_len, REC_EHK(r), NULL))
        return -1;
    e->shard = sh;
    e->members = r;
    e->n = 1;
    e->aggregated = 0;
    e->bytes = r->data_len + r->pk_len;
    sd->nentries++;
    return 0;
}

/* Records wait in their queue long enough to leave the cache, and lent data lies wherever the
 * caller keeps it, so encoding would wait on memory record after record: a cursor PREFETCH_AHEAD
 * records ahead of the one being encoded asks for its key and data early. */
#define PREFETCH_AHEAD 6
static const prec *prefetch_record(const prec *r) {
    if (!r) return NULL;
    __builtin_prefetch(r->data);
    if (r->data_len > 64) __builtin_prefetch(r->data + r->data_len - 1);
    __builtin_prefetch(r->keys);
    return r->next;
}

/* Build the PutRecords body from the selected groups (without the lock). Records that do not
 * fit go to *leftover. Returns 0, or -1 when out of memory (everything is then leftover). */
static int encode_batch(sender *sd, rlist *leftover) {
    kinesis_producer *p = sd->p;
    kinesis_buf_reset(&sd->body);
    kinesis_buf_reset(&sd->pend);
    sd->npending = 0;
    sd->nentries = 0;
    kinesis_buf_append_char(&sd->body, '{');
    bool first = true;
    kinesis_append_stream_member(&sd->body, sd->stream->name, &first);
    kinesis_buf_append_str(&sd->body, ",\"Records\":[");
    /* The whole body at once: no regrowth copies while encoding. */
    kinesis_buf_reserve(&sd->body, sd->est_bytes / 3 * 4 + sd->est_recs * 96 + 64);
    size_t max_entries = p->o.collection_max_count;
    size_t bytes_used = 0;
    int full = 0;
    for (size_t gi = 0; gi < sd->ngroups; gi++) {
        group *g = &sd->groups[gi];
        prec *r;
        const prec *ahead = g->recs.head;
        for (int i = 0; i < PREFETCH_AHEAD; i++) ahead = prefetch_record(ahead);
        if (!p->o.aggregation) {
            size_t group_start = sd->nentries;
            while ((r = rl_pop(&g->recs)) != NULL) {
                ahead = prefetch_record(ahead);
                size_t w = r->data_len + r->pk_len;
                if (full || (p->o.ordered && sd->nentries > group_start) ||
                    sd->nentries >= max_entries ||
                    (sd->nentries && bytes_used + w > p->request_cap)) {
                    full = 1;
                    rl_push(leftover, r);
                    continue;
                }
                if (emit_lone(sd, g->shard, r)) return -1;
                bytes_used += w;
            }
            continue;
        }
        rlist members = {0};
        size_t group_start = sd->nentries;
        while ((r = rl_pop(&g->recs)) != NULL) {
            ahead = prefetch_record(ahead);
            if (full || (p->o.ordered && sd->nentries > group_start)) {
                rl_push(leftover, r);
                continue;
            }
            size_t upper = rec_weight(r) + AGG_REC_EXTRA;
            size_t cur = kinesis_agg_encoder_size(&sd->enc);
            if (members.count && bytes_used + cur + upper > p->request_cap) {
                bytes_used += cur;
                if (emit_finished(sd, g->shard, &members)) return -1;
                cur = 0;
            }
            if (sd->nentries >= max_entries ||
                (sd->nentries && bytes_used + upper > p->request_cap)) {
                full = 1;
                rl_push(leftover, r);
                continue;
            }
            kinesis_agg_record ar = {REC_PK(r),  r->pk_len, REC_EHK(r),
                                     r->ehk_len, r->data,   r->data_len};
            kinesis_status st = kinesis_agg_encoder_add(&sd->enc, &ar);
            if (st == KINESIS_E_AGG_FULL) {
                bytes_used += kinesis_agg_encoder_size(&sd->enc);
                if (emit_finished(sd, g->shard, &members)) return -1;
                if (p->o.ordered) {
                    rl_push(leftover, r);
                    continue;
                }
                if (sd->nentries >= max_entries || bytes_used + upper > p->request_cap) {
                    full = 1;
                    rl_push(leftover, r);
                    continue;
                }
                st = kinesis_agg_encoder_add(&sd->enc, &ar);
            }
            if (st == KINESIS_E_RECORD_TOO_LARGE) {
                /* Too big to share an aggregate: it goes alone (it fits the record limit). */
                if (members.count) {
                    bytes_used += kinesis_agg_encoder_size(&sd->enc);
                    if (emit_finished(sd, g->shard, &members)) return -1;
                }
                if (sd->nentries >= max_entries || (p->o.ordered && sd->nentries > group_start) ||
                    (sd->nentries && bytes_used + r->data_len + r->pk_len > p->request_cap)) {
                    full = 1;
                    rl_push(leftover, r);
                    continue;
                }
                if (emit_lone(sd, g->shard, r)) return -1;
                bytes_used += r->data_len + r->pk_len;
                continue;
            }
            if (st != KINESIS_OK) {
                /* Validated at put(), so only memory can fail here: retry later. */
                rl_push(leftover, r);
                continue;
            }
            rl_push(&members, r);
        }
        if (members.count) {
            bytes_used += kinesis_agg_encoder_size(&sd->enc);
            if (emit_finished(sd, g->shard, &members)) return -1;
        }
    }
    if (sd->npending) finish_pending(sd);
    kinesis_buf_append_str(&sd->body, "]}");
    return sd->body.failed ? -1 : 0;
}

/* A failed attempt for record r (under p->mu): retry or report. Retried records are collected in
 * their shard's tmp list (then re-queued in front, in order). */
static void attempt_failed(kinesis_producer *p, prec *r, kinesis_status st, const char *code,
                           const char *message, int64_t now, rlist *retry) {
    r->last_error = st;
    r->code = intern_code(p, code && *code ? code : kinesis_status_name(st));
    p->all_errors++;
    int retryable = kinesis_status_is_retryable(st) || st == KINESIS_E_BAD_RESPONSE ||
                    st == KINESIS_E_AGG_OUT_OF_RANGE;
    if (!retryable) {
        report_final(p, r, st, "%s", message && *message ? message : kinesis_status_str(st));
    } else if (r->deadline_ms <= now || p->stop) {
        if (p->stop)
            report_final(p, r, KINESIS_E_CANCELLED,
                         "producer closed before the record was delivered; last error: %s %s",
                         r->code, message ? message : "");
        else
            report_final(p, r, KINESIS_E_TIMEOUT,
                         "record TTL (%u ms) expired after %u attempts; last error: %s %s",
                         p->o.record_ttl_ms, r->attempts, r->code, message ? message : "");
    } else {
        p->retries++;
        rl_push(retry, r);
    }
}

/* ---- the PutRecords response ---- */

typedef struct rslice {
    const char *p; /* NULL = absent */
    size_t n;
} rslice;

/* One result of a PutRecords response. */
enum { RI_SHARD, RI_SEQ, RI_CODE, RI_MSG, RI_N };
typedef struct ritem {
    rslice f[RI_N];
} ritem;

static const char *scan_ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* A string without escapes at p ('"'); returns the position after it, NULL otherwise (the caller
 * then falls back to the full parser, which also handles escapes). */
static const char *scan_str(const char *p, const char *e, rslice *out) {
    if (p >= e || *p != '"') return NULL;
    const char *b = ++p;
    const char *q = b + kjson_plain_prefix(b, (size_t)(e - b));
    if (q == e || *q != '"') return NULL;
    if (out) {
        out->p = b;
        out->n = (size_t)(q - b);
    }
    return q + 1;
}

static const char *scan_number(const char *p, const char *e) {
    if (p < e && *p == '-') p++;
    if (p >= e) return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < e && *p >= '0' && *p <= '9') p++;
    } else {
        return NULL;
    }
    if (p < e && *p == '.') {
        const char *d = ++p;
        while (p < e && *p >= '0' && *p <= '9') p++;
        if (p == d) return NULL;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        const char *d = p;
        while (p < e && *p >= '0' && *p <= '9') p++;
        if (p == d) return NULL;
    }
    return p;
}

/* Skip one value, checking its syntax (nested containers up to a small depth). */
static const char *scan_skip_depth(const char *p, const char *e, int depth) {
    p = scan_ws(p, e);
    if (p >= e) return NULL;
    switch (*p) {
    case '"':
        return scan_str(p, e, NULL);
    case 't':
        return e - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return e - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return e - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    case '{':
    case '[': {
        if (depth >= 32) return NULL;
        char close = *p == '{' ? '}' : ']';
        p = scan_ws(p + 1, e);
        if (p < e && *p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                p = scan_str(scan_ws(p, e), e, NULL);
                if (!p) return NULL;
                p = scan_ws(p, e);
                if (p >= e || *p++ != ':') return NULL;
            }
            p = scan_skip_depth(p, e, depth + 1);
            if (!p) return NULL;
            p = scan_ws(p, e);
            if (p < e && *p == ',') {
                p++;
                continue;
            }
            if (p < e && *p == close) return p + 1;
            return NULL;
        }
    }
    default:
        return scan_number(p, e);
    }
}

static const char *scan_skip(const char *p, const char *e) { return scan_skip_depth(p, e, 0); }

static int slice_is(const rslice *k, const char *lit, size_t n) {
    return k->n == n && memcmp(k->p, lit, n) == 0;
}

/* One result object from p (just after its '{') to after its '}', any members in any order; NULL
 * when it uses what this scanner does not handle. */
static const char *scan_result(const char *p, const char *e, ritem *it) {
    p = scan_ws(p, e);
    if (p < e && *p == '}') return p + 1;
    for (;;) {
        rslice k, v;
        p = scan_str(scan_ws(p, e), e, &k);
        if (!p) return NULL;
        p = scan_ws(p, e);
        if (p >= e || *p++ != ':') return NULL;
        p = scan_ws(p, e);
        rslice *dst = NULL;
        if (slice_is(&k, "ShardId", 7))
            dst = &it->f[RI_SHARD];
        else if (slice_is(&k, "SequenceNumber", 14))
            dst = &it->f[RI_SEQ];
        else if (slice_is(&k, "ErrorCode", 9))
            dst = &it->f[RI_CODE];
        else if (slice_is(&k, "ErrorMessage", 12))
            dst = &it->f[RI_MSG];
        if (dst && p < e && *p == '"') {
            if (!(p = scan_str(p, e, &v))) return NULL;
            *dst = v;
        } else {
            /* null or another type: the full parser's get_string gives NULL for these too */
            if (dst) dst->p = NULL;
            if (!(p = scan_skip(p, e))) return NULL;
        }
        p = scan_ws(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == '}') return p + 1;
        return NULL;
    }
}

/* The usual result, {"SequenceNumber":"...","ShardId":"..."} in either order, without spaces or
 * escapes, read straight from p (just after its '{'); NULL when it is anything else (the general
 * loop then reads it). */
static const char *scan_plain_result(const char *p, const char *e, ritem *it) {
    static const char seq_key[] = "\"SequenceNumber\":\"", shard_key[] = "\"ShardId\":\"";
    for (int field = 0; field < 2; field++) {
        rslice *dst;
        if (e - p > (ptrdiff_t)sizeof(seq_key) - 1 &&
            memcmp(p, seq_key, sizeof(seq_key) - 1) == 0) {
            dst = &it->f[RI_SEQ];
            p += sizeof(seq_key) - 1;
        } else if (e - p > (ptrdiff_t)sizeof(shard_key) - 1 &&
                   memcmp(p, shard_key, sizeof(shard_key) - 1) == 0) {
            dst = &it->f[RI_SHARD];
            p += sizeof(shard_key) - 1;
        } else {
            return NULL;
        }
        const char *q = p + kjson_plain_prefix(p, (size_t)(e - p));
        if (q == e || *q != '"') return NULL;
        dst->p = p;
        dst->n = (size_t)(q - p);
        p = q + 1;
        if (p == e || *p++ != (field == 0 ? ',' : '}')) return NULL;
    }
    return p;
}

/* Fast path for the PutRecords response: one pass over the text, no tree. Returns 0 with
 * *count results in items[0..cap) (count may exceed cap: then not all are stored), or -1 when the
 * text uses anything this scanner does not handle (escapes, deep nesting, bad syntax): the
 * caller then uses the full parser, which gives the precise error. */
static int scan_put_records(const char *t, size_t len, ritem *items, size_t cap, size_t *count) {
    const char *p = t, *e = t + len;
    *count = 0;
    p = scan_ws(p, e);
    if (p >= e || *p++ != '{') return -1;
    p = scan_ws(p, e);
    if (p < e && *p == '}') return scan_ws(p + 1, e) == e ? 0 : -1;
    for (;;) {
        rslice key;
        p = scan_str(scan_ws(p, e), e, &key);
        if (!p) return -1;
        p = scan_ws(p, e);
        if (p >= e || *p++ != ':') return -1;
        p = scan_ws(p, e);
        if (slice_is(&key, "Records", 7)) {
            if (p >= e || *p++ != '[') return -1;
            size_t n = 0;
            p = scan_ws(p, e);
            if (p < e && *p == ']') {
                p++;
            } else {
                for (;;) {
                    p = scan_ws(p, e);
                    if (p >= e || *p++ != '{') return -1;
                    ritem spare, *it = n < cap ? &items[n] : &spare;
                    memset(it, 0, sizeof(*it));
                    const char *after = scan_plain_result(p, e, it);
                    if (!after) {
                        memset(it, 0, sizeof(*it));
                        after = scan_result(p, e, it);
                    }
                    if (!(p = after)) return -1;
                    n++;
                    p = scan_ws(p, e);
                    if (p < e && *p == ',') {
                        p++;
                        continue;
                    }
                    if (p < e && *p == ']') {
                        p++;
                        break;
                    }
                    return -1;
                }
            }
            *count = n;
        } else if (!(p = scan_skip(p, e))) {
            return -1;
        }
        p = scan_ws(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == '}') return scan_ws(p + 1, e) == e ? 0 : -1;
        return -1;
    }
}

static rslice slice_of(const char *s) {
    rslice r = {s, s ? strlen(s) : 0};
    return r;
}

/* Copy the results' strings into one shared block; the items then point into it, NUL-terminated.
 * Returns NULL when out of memory. */
static kres *kres_build(kinesis_producer *p, ritem *items, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const rslice *f = items[i].f;
        for (int j = 0; j < RI_N; j++)
            if (f[j].p) total += f[j].n + 1;
    }
    kres *k = kinesis_mem_alloc(p->alloc, sizeof(kres) + total + 1);
    if (!k) return NULL;
    atomic_init(&k->refs, 1);
    char *w = k->text;
    for (size_t i = 0; i < n; i++) {
        rslice *f = items[i].f;
        for (int j = 0; j < RI_N; j++) {
            if (!f[j].p) continue;
            memcpy(w, f[j].p, f[j].n);
            w[f[j].n] = '\0';
            f[j].p = w;
            w += f[j].n + 1;
        }
    }
    return k;
}

/* The same for results that all point into text[0..len) (the fast scanner's): one copy of the
 * whole text, each string ended in place where its closing quote was. One large copy instead of
 * two small ones per record. */
static kres *kres_build_from_text(kinesis_producer *p, ritem *items, size_t n, const char *text,
                                  size_t len) {
    kres *k = kinesis_mem_alloc(p->alloc, sizeof(kres) + len + 1);
    if (!k) return NULL;
    atomic_init(&k->refs, 1);
    memcpy(k->text, text, len);
    k->text[len] = '\0';
    for (size_t i = 0; i < n; i++) {
        rslice *f = items[i].f;
        for (int j = 0; j < RI_N; j++) {
            if (!f[j].p) continue;
            char *w = k->text + (f[j].p - text);
            w[f[j].n] = '\0'; /* the closing quote: the copy is not read as JSON again */
            f[j].p = w;
        }
    }
    return k;
}

/* Does every member of an aggregate stored on `actual` lie in its range? */
static int members_in_range(const kentry *e, const pshard *actual) {
    for (prec *r = e->members; r; r = r->next)
        if (kinesis_hash_key_compare(r->hk, actual->start) < 0 ||
            kinesis_hash_key_compare(r->hk, actual->end) > 0)
            return 0;
    return 1;
}

/* Hand out the results of one request (under p->mu): sd->items (strings in k), or when st is not
 * OK the whole request failed with st/err. */
static void process_results(kinesis_producer *p, sender *sd, kinesis_status st,
                            const kinesis_error *err, kres *k, int64_t now) {
    pstream *s = sd->stream;
    uint32_t http_attempts = err && err->attempts ? err->attempts : 1;
    rlist retry = {0}, done = {0};
    /* Per record, only plain stores: the references to k and the retry statistics of the
     * records put are added once for the whole response. */
    uint32_t refs = 0, least_retries = UINT32_MAX, most_retries = 0;
    uint64_t retries = 0;
    for (size_t i = 0; i < sd->ngroups; i++) sd->groups[i].shard->in_flight--;
    for (size_t i = 0; i < sd->nentries; i++) {
        kentry *e = &sd->entries[i];
        pshard *sh = e->shard;
        kinesis_status est = st;
        const char *code = err ? err->type : "";
        const char *msg = err ? err->message : "";
        const char *shard_id = NULL, *seq = NULL;
        if (st == KINESIS_OK) {
            const ritem *item = &sd->items[i];
            const char *ec = item->f[RI_CODE].p;
            if (ec) {
                est = kinesis_status_from_error_type(ec);
                if (strcmp(ec, "InternalFailure") == 0) est = KINESIS_E_SERVICE_UNAVAILABLE;
                code = ec;
                msg = item->f[RI_MSG].p;
            } else {
                shard_id = item->f[RI_SHARD].p;
                seq = item->f[RI_SEQ].p;
                if (!shard_id || !seq) {
                    est = KINESIS_E_BAD_RESPONSE;
                    code = "";
                    msg = "result has neither ErrorCode nor ShardId/SequenceNumber";
                }
            }
        }
        if (est == KINESIS_OK && strcmp(shard_id, sh->id) != 0) {
            /* Landed elsewhere: the map is stale (resharding). An aggregate is only good if every
             * member belongs to the shard that stored it (KCL drops it otherwise). */
            s->stale = 1;
            if (e->aggregated && e->n > 1) {
                pshard *actual = shard_by_id(s, shard_id);
                while (s->fetching) pthread_cond_wait(&p->cv_work, &p->mu);
                actual = shard_by_id(s, shard_id);
                if (!actual || !actual->open) {
                    fetch_map_locked(p, s);
                    actual = shard_by_id(s, shard_id);
                }
                if (!actual || !members_in_range(e, actual)) {
                    p->misrouted++;
                    est = KINESIS_E_AGG_OUT_OF_RANGE;
                    code = "AggregateOnWrongShard";
                    msg = "aggregate stored on a shard whose range excludes some members; "
                          "re-sent";
                }
            }
        }
        if (est == KINESIS_OK) {
            p->krecs_put++;
            p->kdata_put += e->bytes;
            dist_add(&p->upk, e->n);
            /* One pass over the members: attempts, result, statistics, report list. */
            uint64_t sub = 0;
            int agg = e->aggregated;
            uint32_t nm = 0;
            for (prec *r = e->members, *nx; r; r = nx) {
                nx = r->next;
                r->attempts += http_attempts;
                r->status = KINESIS_OK;
                r->res = k;
                r->shard_id = shard_id;
                r->seq = seq;
                r->sub_seq = agg ? sub : 0;
                r->aggregated = (uint8_t)agg;
                p->data_put += r->data_len;
                uint32_t rr = r->attempts - 1;
                retries += rr;
                if (rr < least_retries) least_retries = rr;
                if (rr > most_retries) most_retries = rr;
                sub++;
                nm++;
                rl_push(&done, r);
            }
            refs += nm;
            p->put_ok += nm;
            if (sh->factor < 1.0) sh->factor = sh->factor + 0.05 > 1.0 ? 1.0 : sh->factor + 0.05;
            continue;
        }
        /* Failed: only this entry's members are retried. */
        if (est == KINESIS_E_THROTTLED)
            sh->factor = sh->factor * 0.5 < 0.05 ? 0.05 : sh->factor * 0.5;
        uint32_t max_attempts = 0;
        prec *r = e->members;
        while (r) {
            prec *nx = r->next;
            r->attempts += http_attempts;
            if (r->attempts > max_attempts) max_attempts = r->attempts;
            attempt_failed(p, r, est, code, msg, now, &retry);
            r = nx;
        }
        int64_t nb =
            now + kinesis_producer_backoff_ms(p->o.retry_base_ms, p->o.retry_max_ms,
                                              max_attempts ? max_attempts : 1, next_rand(p));
        if (sh->not_before < nb) sh->not_before = nb;
    }
    if (refs) atomic_fetch_add_explicit(&k->refs, refs, memory_order_relaxed); /* before reports */
    dist_add_many(&p->retries_per_record, refs, (double)retries, least_retries, most_retries);
    sd->wake_reporters |= report_push_list(p, &done);
    if (retry.count) route_front(s, &retry);
    if (sd->nentries) dist_add(&p->kpr, (double)sd->nentries);
    /* No wake-up for the idle senders: this one looks for work next (sender_main) and signals
     * one of them when it takes some, so a finished request wakes no other sender. */
}

/* Results of a PutRecords response into sd->items, their strings in a new block *k. */
static kinesis_status parse_results(sender *sd, kinesis_buf *resp, kres **k, kinesis_error *err) {
    kinesis_producer *p = sd->p;
    size_t count = 0;
    if (scan_put_records(resp->data, resp->len, sd->items, sd->nentries, &count) != 0) {
        /* Something the fast path does not handle: the full parser decides. */
        kinesis_arena *arena = kinesis_arena_new(p->alloc);
        if (!arena) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        kjson *doc = NULL;
        kinesis_status st = kjson_parse(arena, resp->data, resp->len, &doc, err);
        if (st == KINESIS_OK) {
            const kjson *records = kjson_get_array(doc, "Records");
            count = records ? records->count : 0;
            for (size_t i = 0; i < count && i < sd->nentries; i++) {
                const kjson *item = records->items[i];
                ritem *it = &sd->items[i];
                it->f[RI_SHARD] = slice_of(kjson_get_string(item, "ShardId"));
                it->f[RI_SEQ] = slice_of(kjson_get_string(item, "SequenceNumber"));
                it->f[RI_CODE] = slice_of(kjson_get_string(item, "ErrorCode"));
                it->f[RI_MSG] = slice_of(kjson_get_string(item, "ErrorMessage"));
            }
            if (count == sd->nentries) {
                *k = kres_build(p, sd->items, count);
                if (!*k) st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
            }
        }
        kinesis_arena_destroy(arena);
        if (st != KINESIS_OK) return st;
    } else if (count == sd->nentries) {
        *k = kres_build_from_text(p, sd->items, count, resp->data, resp->len);
        if (!*k) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    if (count != sd->nentries)
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                 "PutRecords: %zu results for %zu records", count, sd->nentries);
    return KINESIS_OK;
}

/* Wake the threads waiting for reports if this sender pushed some (caller released p->mu). */
static void wake_reporters(kinesis_producer *p, sender *sd) {
    if (!sd->wake_reporters) return;
    sd->wake_reporters = 0;
    pthread_cond_broadcast(&p->cv_report);
}

/* Send one request and process its outcome. Called with p->mu held; returns with it held. */
static void send_batch(kinesis_producer *p, sender *sd) {
    pthread_mutex_unlock(&p->mu);
    wake_reporters(p, sd);
    rlist leftover = {0};
    int enc_failed = encode_batch(sd, &leftover);
    kinesis_status st = KINESIS_OK;
    kinesis_error err;
    kinesis_error_clear(&err);
    kres *k = NULL;
    int64_t t0 = kinesis_now_mono_ms();
    if (enc_failed) {
        st = kinesis_error_set(&err, KINESIS_E_NO_MEMORY, "out of memory building the request");
    } else if (sd->nentries) {
        kinesis_buf *resp = &sd->resp;
        kinesis_buf_reset(resp);
        st = kinesis_client_execute_once(p->client, "PutRecords", sd->body.data, sd->body.len, resp,
                                         &err);
        if (st == KINESIS_OK) st = parse_results(sd, resp, &k, &err);
    }
    int64_t t1 = kinesis_now_mono_ms();
    pthread_mutex_lock(&p->mu);
    if (sd->nentries) {
        p->requests++;
        dist_add(&p->request_time, (double)(t1 - t0));
    }
    if (enc_failed) {
        /* Nothing was sent: everything goes back. */
        for (size_t i = 0; i < sd->nentries; i++)
            for (prec *r = sd->entries[i].members, *nx; r; r = nx) {
                nx = r->next;
                rl_push(&leftover, r);
            }
        sd->nentries = 0;
    }
    process_results(p, sd, st, &err, k, t1);
    if (leftover.count) route_front(sd->stream, &leftover);
    kres_release(p, k);
}

static void *sender_main(void *arg) {
    sender *sd = arg;
    kinesis_producer *p = sd->p;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        int64_t now = kinesis_now_mono_ms();
        int64_t wake = INT64_MAX;
        /* Shard maps first: records without a prediction wait for them. */
        pstream *need = NULL;
        for (pstream *s = p->streams; s && !need; s = s->next) {
            if (s->fetching) continue;
            int want = s->stale || (!s->have_map && s->unrouted.count) ||
                       (s->have_map && p->o.shard_map_refresh_ms &&
                        now - s->map_ms >= (int64_t)p->o.shard_map_refresh_ms);
            if (!want) continue;
            if (s->map_retry_ms > now) {
                if (s->map_retry_ms < wake) wake = s->map_retry_ms;
                continue;
            }
            need = s;
        }
        if (need) {
            /* Another idle sender keeps time while this one fetches. */
            if (p->idle_senders && !p->timed_senders) pthread_cond_signal(&p->cv_work);
            fetch_map_locked(p, need);
            continue;
        }
        if (select_batch(p, sd, now, &wake)) {
            /* An idle sender takes what is left, or keeps time in this one's place. */
            if (p->idle_senders) pthread_cond_signal(&p->cv_work);
            send_batch(p, sd);
            continue;
        }
        /* The next periodic refresh. Never a deadline that has passed: a map being fetched is
         * announced when the fetch ends, and a failed refresh waits for its retry time. (A
         * passed deadline would make this thread spin on the lock, starving the fetching
         * sender that must take it to finish.) */
        for (pstream *s = p->streams; s; s = s->next)
            if (s->have_map && !s->fetching && p->o.shard_map_refresh_ms) {
                int64_t t = s->map_ms + (int64_t)p->o.shard_map_refresh_ms;
                if (t < s->map_retry_ms) t = s->map_retry_ms;
                if (t < wake) wake = t;
            }
        if (sd->wake_reporters) { /* first, outside the lock; then look again */
            pthread_mutex_unlock(&p->mu);
            wake_reporters(p, sd);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        /* Every idle sender would compute the same deadline: only one waits for it (or an earlier
         * one), the others wait for a signal, so that a deadline (a linger, a shard's tokens, a
         * backoff) wakes one thread instead of all of them. Whoever takes work or fetches a map
         * signals an idle sender, which then keeps time in its place. */
        int timed = wake != INT64_MAX && (!p->timed_senders || wake < p->timer_wake);
        if (timed) {
            p->timed_senders++;
            p->timer_wake = wake;
        }
        p->idle_senders++;
        p->idle_wake = wake;
        atomic_fetch_add_explicit(&p->idle_waits, 1, memory_order_relaxed);
        timed_wait(&p->cv_work, &p->mu, timed ? wake : INT64_MAX);
        p->idle_senders--;
        if (timed) {
            /* The other timed senders' deadlines are unknown: the next idle one keeps time. */
            p->timed_senders--;
            p->timer_wake = INT64_MAX;
        }
    }
    pthread_mutex_unlock(&p->mu);
    wake_reporters(p, sd);
    return NULL;
}

/* ---- reports served to the caller ---- */

static void serve_stats(kinesis_producer *p, int64_t now);

/* The report of a finished record; pointers into the record (valid until it is released). */
static void fill_report(const prec *r, int64_t now, kinesis_delivery_report *rep) {
    rep->status = r->status;
    rep->stream = r->stream->name;
    rep->shard_id = r->shard_id ? r->shard_id : "";
    rep->sequence_number = r->seq ? r->seq : "";
    rep->sub_sequence_number = r->sub_seq;
    rep->aggregated = r->aggregated;
    rep->attempts = r->attempts;
    rep->last_error = r->last_error;
    rep->error_code = r->code ? r->code : "";
    rep->error_message = r->msg ? r->msg : "";
    rep->partition_key = REC_PK(r);
    rep->explicit_hash_key = REC_EHK(r);
    rep->data = r->data;
    rep->data_len = r->data_len;
    rep->opaque = r->opaque;
    rep->latency_ms = now - r->put_ms;
}

/* Give back what `count` served records from `r` on hold: their memory, their buffer space and
 * their place in outstanding(), waking blocked put()s. Returns the record after them. Caller
 * holds neither lock. */
static prec *release_served(kinesis_producer *p, prec *r, uint64_t count) {
    uint64_t freed_bytes = 0, freed = 0;
    prec *to_slab = NULL;
    /* The records of one response come one after another and share its results: their
     * references go in one atomic subtraction instead of one each. */
    kres *run = NULL;
    uint32_t run_refs = 0;
    for (; r && freed < count; freed++) {
        prec *nx = r->next;
        freed_bytes += r->charge;
        if (r->res != run) {
            kres_release_n(p, run, run_refs);
            run = r->res;
            run_refs = 0;
        }
        run_refs++;
        if (r->msg) kinesis_mem_free(p->alloc, r->msg);
        if (r->slab) { /* back to its slab below, under p->mu */
            r->next = to_slab;
            to_slab = r;
        } else {
            kinesis_mem_free(p->alloc, r);
        }
        r = nx;
    }
    kres_release_n(p, run, run_refs);
    pthread_mutex_lock(&p->mu);
    while (to_slab) {
        prec *nx = to_slab->next;
        slab_free(p, to_slab);
        to_slab = nx;
    }
    p->buffered_bytes -= freed_bytes;
    p->outstanding -= freed;
    pthread_cond_broadcast(&p->cv_space);
    pthread_mutex_unlock(&p->mu);
    return r;
}

/* Wait (p->mu held) up to timeout_ms for a report to be ready. */
static void wait_for_report(kinesis_producer *p, uint32_t timeout_ms) {
    if (p->reports.head || !timeout_ms) return;
    int64_t until = kinesis_now_mono_ms() + timeout_ms;
    while (!p->reports.head && !p->report_stop && kinesis_now_mono_ms() < until)
        timed_wait(&p->cv_report, &p->mu, until);
}

/* Serve ready reports through dr_cb. Caller holds poll_mu, not mu. */
static int serve_reports(kinesis_producer *p, uint32_t timeout_ms) {
    if (p->o.report_queue) return 0; /* left for take_reports() */
    pthread_mutex_lock(&p->mu);
    wait_for_report(p, timeout_ms);
    int served = 0;
    for (;;) {
        /* Take the whole list at once: no walk under the lock. */
        rlist batch = p->reports;
        memset(&p->reports, 0, sizeof(p->reports));
        pthread_mutex_unlock(&p->mu);
        if (!batch.head) break;
        int64_t now = kinesis_now_mono_ms();
        prec *r = batch.head;
        while (r) {
            /* Space is given back every SERVE_BATCH reports so blocked put()s resume early. */
            prec *chunk = r;
            uint32_t k = 0;
            for (; r && k < SERVE_BATCH; k++, r = r->next) {
                if (p->o.dr_cb) {
                    kinesis_delivery_report rep;
                    fill_report(r, now, &rep);
                    p->o.dr_cb(p->o.dr_user, &rep);
                }
            }
            release_served(p, chunk, k);
            served += (int)k;
        }
        pthread_mutex_lock(&p->mu);
    }
    return served;
}

kinesis_status kinesis_producer_take_reports(kinesis_producer *p, kinesis_delivery_report *out,
                                             size_t cap, uint32_t timeout_ms, size_t *n) {
    if (n) *n = 0;
    if (!p || !out || !cap || !n || !p->o.report_queue) return KINESIS_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&p->poll_mu);
    /* The previous call's records are released only now: their pointers were valid until now. */
    if (p->taken) {
        release_served(p, p->taken, p->taken_count);
        p->taken = NULL;
        p->taken_count = 0;
    }
    pthread_mutex_lock(&p->mu);
    wait_for_report(p, timeout_ms);
    prec *head = p->reports.head, *last = NULL, *r = head;
    size_t k = 0;
    for (; r && k < cap; k++) {
        last = r;
        r = r->next;
    }
    if (k) {
        last->next = NULL;
        p->reports.head = r;
        if (!r) p->reports.tail = NULL;
        p->reports.count -= (uint32_t)k;
    }
    pthread_mutex_unlock(&p->mu);
    int64_t now = kinesis_now_mono_ms();
    size_t i = 0;
    for (prec *q = head; i < k; q = q->next) fill_report(q, now, &out[i++]);
    p->taken = k ? head : NULL;
    p->taken_count = k;
    *n = k;
    serve_stats(p, now);
    pthread_mutex_unlock(&p->poll_mu);
    return KINESIS_OK;
}

static void *report_main(void *arg) {
    kinesis_producer *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->poll_mu);
        serve_reports(p, 200);
        serve_stats(p, kinesis_now_mono_ms());
        pthread_mutex_unlock(&p->poll_mu);
        pthread_mutex_lock(&p->mu);
        int done = p->report_stop && !p->reports.head;
        pthread_mutex_unlock(&p->mu);
        if (done) break;
    }
    return NULL;
}

/* ---- statistics ---- */

static void dist_json(kinesis_buf *b, const char *name, const dist *d) {
    kinesis_buf_appendf(b,
                        ",\"%s\":{\"count\":%llu,\"avg\":%.3f,\"min\":%.3f,\"max\":%.3f,"
                        "\"sum\":%.3f}",
                        name, (unsigned long long)d->count, d->count ? d->sum / d->count : 0.0,
                        d->min, d->max, d->sum);
}

static char *stats_build(kinesis_producer *p, size_t *len) {
    kinesis_buf b;
    kinesis_buf_init(&b, p->alloc);
    pthread_mutex_lock(&p->mu);
    int64_t now = kinesis_now_mono_ms();
    uint64_t in_flight = 0, queued = 0;
    for (pstream *s = p->streams; s; s = s->next) {
        queued += s->queued + s->unrouted.count;
        for (pshard *sh = s->all; sh; sh = sh->next_all) in_flight += sh->in_flight;
    }
    kinesis_buf_appendf(
        &b,
        "{\"UptimeMs\":%lld,\"UserRecordsReceived\":%llu,\"UserRecordsPending\":%llu,"
        "\"UserRecordsQueued\":%llu,\"UserRecordsPut\":%llu,\"UserRecordsFailed\":%llu,"
        "\"UserRecordsDataPut\":%llu,\"KinesisRecordsPut\":%llu,\"KinesisRecordsDataPut\":%llu,"
        "\"PutRecordsRequests\":%llu,\"RequestsInFlight\":%llu,\"BufferedBytes\":%llu,"
        "\"AllErrors\":%llu,\"Retries\":%llu,\"AggregatesOnWrongShard\":%llu,"
        "\"ShardMapRefreshes\":%llu,\"ErrorsByCode\":{",
        (long long)(now - p->start_ms), (unsigned long long)p->received,
        (unsigned long long)p->outstanding, (unsigned long long)queued,
        (unsigned long long)p->put_ok, (unsigned long long)p->put_failed,
        (unsigned long long)p->data_put, (unsigned long long)p->krecs_put,
        (unsigned long long)p->kdata_put, (unsigned long long)p->requests,
        (unsigned long long)in_flight, (unsigned long long)p->buffered_bytes,
        (unsigned long long)p->all_errors, (unsigned long long)p->retries,
        (unsigned long long)p->misrouted, (unsigned long long)p->map_refreshes);
    for (uint32_t i = 0; i < p->ncodes; i++) {
        if (i) kinesis_buf_append_char(&b, ',');
        kjson_append_cstring(&b, p->codes[i]);
        kinesis_buf_appendf(&b, ":%llu", (unsigned long long)p->code_counts[i]);
    }
    if (p->code_counts[MAX_CODES])
        kinesis_buf_appendf(&b, "%s\"Other\":%llu", p->ncodes ? "," : "",
                            (unsigned long long)p->code_counts[MAX_CODES]);
    kinesis_buf_append_char(&b, '}');
    dist_json(&b, "RetriesPerRecord", &p->retries_per_record);
    dist_json(&b, "BufferingTime", &p->buffering);
    dist_json(&b, "RequestTime", &p->request_time);
    dist_json(&b, "UserRecordsPerKinesisRecord", &p->upk);
    dist_json(&b, "KinesisRecordsPerPutRecordsRequest", &p->kpr);
    kinesis_buf_append_char(&b, '}');
    pthread_mutex_unlock(&p->mu);
    if (b.failed) {
        kinesis_buf_clean_up(&b);
        return NULL;
    }
    return kinesis_buf_detach(&b, len);
}

static void serve_stats(kinesis_producer *p, int64_t now) {
    if (!p->o.stats_cb || !p->o.stats_interval_ms || now < p->next_stats_ms) return;
    p->next_stats_ms = now + p->o.stats_interval_ms;
    size_t len = 0;
    char *json = stats_build(p, &len);
    if (json) p->o.stats_cb(p->o.stats_user, json, len);
    kinesis_mem_free(p->alloc, json);
}

/* ---- public API ---- */

static void producer_free(kinesis_producer *p) {
    /* report_queue: reports taken last, and any never taken, are released unserved. */
    if (p->taken) release_served(p, p->taken, p->taken_count);
    p->taken = NULL;
    if (p->reports.head) {
        prec *r = p->reports.head;
        uint64_t count = p->reports.count;
        memset(&p->reports, 0, sizeof(p->reports));
        release_served(p, r, count);
    }
    for (pstream *s = p->streams, *sn; s; s = sn) {
        sn = s->next;
        for (pshard *sh = s->all, *nx; sh; sh = nx) {
            nx = sh->next_all;
            kinesis_mem_free(p->alloc, sh->id);
            kinesis_mem_free(p->alloc, sh);
        }
        kinesis_mem_free(p->alloc, s->map);
        kinesis_mem_free(p->alloc, s->entries);
        kinesis_mem_free(p->alloc, s->name);
        kinesis_mem_free(p->alloc, s);
    }
    for (uint32_t i = 0; i < p->ncodes; i++) kinesis_mem_free(p->alloc, p->codes[i]);
    /* Every record has been served by now: only the current slab and empty-ish listed ones. */
    for (uint32_t c = 0; c < SLAB_CLASSES; c++) {
        while (p->partial[c]) {
            slab *sl = p->partial[c];
            slab_unlist(p, sl);
            slab_destroy(p, sl);
        }
        for (uint32_t i = 0; i <= SLAB_LANES; i++)
            if (p->lane_slab[c][i]) slab_destroy(p, p->lane_slab[c][i]);
    }
    kinesis_mem_free(p->alloc, p->senders);
    kinesis_mem_free(p->alloc, p->ctx);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->poll_mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_report);
    pthread_cond_destroy(&p->cv_space);
    kinesis_mem_free(p->alloc, p);
}

static void sender_free(kinesis_producer *p, sender *sd) {
    if (!sd) return;
    if (sd->have_enc) kinesis_agg_encoder_clean_up(&sd->enc);
    kinesis_buf_clean_up(&sd->body);
    kinesis_buf_clean_up(&sd->resp);
    kinesis_buf_clean_up(&sd->pend);
    kinesis_mem_free(p->alloc, sd->entries);
    kinesis_mem_free(p->alloc, sd->items);
    kinesis_mem_free(p->alloc, sd->groups);
    kinesis_mem_free(p->alloc, sd);
}

kinesis_status kinesis_producer_new(kinesis_client *client, const kinesis_producer_options *opts,
                                    kinesis_producer **out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (out) *out = NULL;
    if (!client || !out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_producer_options o;
    if (opts)
        o = *opts;
    else
        kinesis_producer_options_init(&o);
    kinesis_status st = kinesis_producer_options_check(&o, err);
    if (st) return st;
    uint32_t max_rec = kinesis_client_max_record_bytes(client);
    if (o.aggregation_max_bytes > max_rec)
        return kinesis_error_set(err, KINESIS_E_CONFIG,
                                 "producer option aggregation_max_bytes = %u is over the client's "
                                 "max_record_bytes (%u)",
                                 o.aggregation_max_bytes, max_rec);
    const kinesis_allocator *a = kinesis_client_allocator(client);
    kinesis_producer *p = kinesis_mem_calloc(a, 1, sizeof(*p));
    if (!p) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    p->client = client;
    p->alloc = a;
    p->o = o;
    atomic_init(&p->idle_waits, 0);
    p->max_record_bytes = max_rec;
    p->request_cap = o.collection_max_bytes;
    uint32_t client_cap = kinesis_client_max_put_records_bytes(client);
    if (client_cap && client_cap < p->request_cap) p->request_cap = client_cap;
    p->trigger_bytes = p->request_cap;
    p->trigger_count = o.aggregation ? UINT64_MAX : o.collection_max_count;
    if (o.aggregation &&
        (uint64_t)o.aggregation_max_bytes * o.collection_max_count < p->trigger_bytes)
        p->trigger_bytes = (uint64_t)o.aggregation_max_bytes * o.collection_max_count;
    p->start_ms = kinesis_now_mono_ms();
    p->next_stats_ms = p->start_ms + o.stats_interval_ms;
    p->rng = (uint64_t)kinesis_now_wall_ms() * 0x9E3779B97F4A7C15ULL ^ (uintptr_t)p;
    if (!p->rng) p->rng = 1;
    if (pthread_mutex_init(&p->mu, NULL) || pthread_mutex_init(&p->poll_mu, NULL) ||
        cond_init_mono(&p->cv_work) || cond_init_mono(&p->cv_report) ||
        cond_init_mono(&p->cv_space)) {
        kinesis_mem_free(a, p);
        return kinesis_error_set(err, KINESIS_E_UNSUPPORTED, "cannot create mutexes");
    }
    p->senders = kinesis_mem_calloc(a, o.max_in_flight, sizeof(pthread_t));
    p->ctx = kinesis_mem_calloc(a, o.max_in_flight, sizeof(sender *));
    if (!p->senders || !p->ctx) {
        producer_free(p);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    sender **ctx = p->ctx;
    for (uint32_t i = 0; i < o.max_in_flight; i++) {
        sender *sd = kinesis_mem_calloc(a, 1, sizeof(*sd));
        if (!sd) break;
        sd->p = p;
        kinesis_buf_init(&sd->body, a);
        kinesis_buf_init(&sd->resp, a);
        kinesis_buf_init(&sd->pend, a);
        sd->entries = kinesis_mem_calloc(a, o.collection_max_count, sizeof(kentry));
        sd->items = kinesis_mem_calloc(a, o.collection_max_count, sizeof(ritem));
        kinesis_agg_encoder_options eo;
        memset(&eo, 0, sizeof(eo));
        eo.max_record_bytes = o.aggregation_max_bytes;
        eo.max_records = o.aggregation_max_count == UINT32_MAX ? 0 : o.aggregation_max_count;
        if (sd->entries && sd->items && kinesis_agg_encoder_init(&sd->enc, &eo, a) == KINESIS_OK)
            sd->have_enc = 1;
        ctx[i] = sd;
        if (!sd->have_enc) break;
        if (pthread_create(&p->senders[i], NULL, sender_main, sd) != 0) break;
        p->nsenders++;
    }
    if (p->nsenders < o.max_in_flight) {
        kinesis_producer_close(p, 0);
        kinesis_producer_destroy(p);
        return kinesis_error_set(err, KINESIS_E_UNSUPPORTED, "cannot start sender threads");
    }
    if (o.report_thread && !o.report_queue) {
        if (pthread_create(&p->report_thr, NULL, report_main, p) != 0) {
            kinesis_producer_close(p, 0);
            kinesis_producer_destroy(p);
            return kinesis_error_set(err, KINESIS_E_UNSUPPORTED, "cannot start the report thread");
        }
        p->have_report_thr = 1;
    }
    *out = p;
    return KINESIS_OK;
}

/* One record on its way into the buffer: checked and hashed, not yet queued. */
typedef struct put_item {
    const char *pk, *ehk;
    size_t pk_len, ehk_len;
    const uint8_t *data;
    size_t data_len;
    void *opaque;
    kinesis_hash_key hk;
    uint32_t charge;
    int need_hash; /* hk is still to be computed from the partition key */
    uint32_t cls;  /* slab class (see SLAB_CLASSES) */
    prec *big;     /* over SLAB_MAX_BLOCK: allocated and filled before the lock is taken */
} put_item;

/* Set every field of an item (check_item and prepare_items fill in the rest). Field by field:
 * zeroing the item first compiles to `rep stos`, slow to start for one record. */
static void item_init(put_item *it, const char *pk, size_t pk_len, const char *ehk,
                      const uint8_t *data, size_t data_len, void *opaque) {
    it->pk = pk;
    it->pk_len = pk_len;
    it->ehk = ehk;
    it->ehk_len = 0;
    it->data = data;
    it->data_len = data_len;
    it->opaque = opaque;
    it->hk = (kinesis_hash_key){0, 0};
    it->charge = 0;
    it->need_hash = 0;
    it->cls = 0;
    it->big = NULL;
}

/* Check a record the way PutRecords will (the key need not be NUL-terminated: pk_len bytes). */
static kinesis_status check_item(const kinesis_producer *p, put_item *it, kinesis_error *err) {
    if (!it->data && it->data_len)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "data is NULL");
    /* 1 to 256 characters of valid UTF-8 (at most 4 bytes each). A NUL byte would cut the key
     * short, so it is refused. */
    const char *pk = it->pk;
    long chars = pk && it->pk_len && it->pk_len <= 4 * KINESIS_PARTITION_KEY_MAX_CHARS
                     ? kinesis_utf8_char_count_no_nul(pk, it->pk_len)
                     : -1;
    if (chars < 1 || chars > KINESIS_PARTITION_KEY_MAX_CHARS)
        return kinesis_error_set(err, KINESIS_E_INVALID_PARTITION_KEY,
                                 "partition key must be 1 to 256 characters of valid UTF-8");
    it->need_hash = it->ehk == NULL;
    if (it->ehk) {
        it->ehk_len = strlen(it->ehk);
        if (kinesis_hash_key_parse(it->ehk, it->ehk_len, &it->hk) != KINESIS_OK)
            return kinesis_error_set(err, KINESIS_E_INVALID_EXPLICIT_HASH_KEY,
                                     "explicit hash key must be a decimal integer in [0, 2^128)");
    }
    if (it->data_len + it->pk_len > p->max_record_bytes)
        return kinesis_error_set(err, KINESIS_E_RECORD_TOO_LARGE,
                                 "data plus partition key is %zu bytes, over the %u-byte limit",
                                 it->data_len + it->pk_len, p->max_record_bytes);
    it->charge = (uint32_t)(it->data_len + it->pk_len + it->ehk_len + REC_OVERHEAD);
    return KINESIS_OK;
}

static size_t item_size(const put_item *it, uint32_t flags) {
    return sizeof(prec) + it->pk_len + 1 + (it->ehk_len ? it->ehk_len + 1 : 0) +
           ((flags & KINESIS_PRODUCER_F_LEND) ? 0 : it->data_len);
}

/* Every field is stored once, without a memset first: the block is usually not in this core's
 * cache, and a 160-byte memset compiles to `rep stos`, whose start-up cost and wait for the line
 * measured most of the time spent here. */
static void rec_fill(prec *r, const put_item *it, uint32_t flags, slab *sl) {
    r->next = NULL;
    r->stream = NULL;
    r->shard = NULL;
    r->deadline_ms = r->first_send_ms = r->put_ms = 0;
    r->data_len = (uint32_t)it->data_len;
    r->pk_len = (uint16_t)it->pk_len;
    r->ehk_len = (uint8_t)it->ehk_len;
    r->aggregated = 0;
    r->attempts = 0;
    r->charge = it->charge;
    r->hk = it->hk;
    r->opaque = it->opaque;
    r->res = NULL;
    r->shard_id = r->seq = NULL;
    r->msg = NULL;
    r->code = NULL;
    r->sub_seq = 0;
    r->slab = sl;
    r->status = r->last_error = KINESIS_OK;
    memcpy(r->keys, it->pk, it->pk_len);
    r->keys[it->pk_len] = 0;
    if (it->ehk_len) memcpy(r->keys + it->pk_len + 1, it->ehk, it->ehk_len + 1);
    char *dcopy = r->keys + it->pk_len + 1 + (it->ehk_len ? it->ehk_len + 1 : 0);
    if (flags & KINESIS_PRODUCER_F_LEND) {
        r->data = it->data;
    } else {
        if (it->data_len) memcpy(dcopy, it->data, it->data_len);
        r->data = (const uint8_t *)dcopy;
    }
}

/* Hash the keys that need it (sixteen side by side), and allocate and fill the records too large
 * for a slab block, all outside the lock. */
static kinesis_status prepare_items(kinesis_producer *p, put_item *items, size_t n, uint32_t flags,
                                    kinesis_error *err) {
    const char *keys[PUT_CHUNK];
    size_t lens[PUT_CHUNK], idx[PUT_CHUNK], m = 0;
    kinesis_hash_key hks[PUT_CHUNK];
    for (size_t i = 0; i < n; i++) {
        if (!items[i].need_hash) continue;
        keys[m] = items[i].pk;
        lens[m] = items[i].pk_len;
        idx[m++] = i;
    }
    if (m) kinesis_hash_keys_of_partition_keys(NULL, m, keys, lens, hks); /* one key: plain MD5 */
    for (size_t j = 0; j < m; j++) items[idx[j]].hk = hks[j];
    for (size_t i = 0; i < n; i++) {
        size_t size = item_size(&items[i], flags);
        items[i].cls = slab_class_of(size);
        if (items[i].cls < SLAB_CLASSES) continue;
        items[i].big = kinesis_mem_alloc(p->alloc, size);
        if (!items[i].big) {
            for (size_t j = 0; j < i; j++) kinesis_mem_free(p->alloc, items[j].big);
            return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        }
        rec_fill(items[i].big, &items[i], flags, NULL);
    }
    return KINESIS_OK;
}

/* Queue prepared items in order under one lock hold (released only while waiting for space).
 * Adds the number queued to *accepted; on the first item that cannot be queued returns its
 * status. Items not queued are freed. */
static kinesis_status enqueue_items(kinesis_producer *p, const char *stream, put_item *items,
                                    size_t n, uint32_t flags, size_t *accepted,
                                    kinesis_error *err) {
    kinesis_status st = KINESIS_OK;
    size_t i = 0;
    pthread_mutex_lock(&p->mu);
    pstream *s = stream_get(p, stream);
    if (!s) st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    int64_t now = kinesis_now_mono_ms(), until = -1;
    int wake = 0;
    for (; s && i < n; i++) {
        put_item *it = &items[i];
        for (;;) {
            if (p->closing) {
                st = kinesis_error_set(err, KINESIS_E_CANCELLED, "the producer is closing");
                break;
            }
            int fits =
                p->outstanding == 0 || (p->buffered_bytes + it->charge <= p->o.max_buffer_bytes &&
                                        p->outstanding + 1 <= p->o.max_buffer_records);
            if (fits) break;
            if (!p->o.put_block_ms) {
                st = kinesis_error_set(err, KINESIS_E_QUEUE_FULL,
                                       "producer buffer full (%llu records, %llu bytes); poll() "
                                       "to serve delivery reports",
                                       (unsigned long long)p->outstanding,
                                       (unsigned long long)p->buffered_bytes);
                break;
            }
            now = kinesis_now_mono_ms();
            if (until < 0) until = now + p->o.put_block_ms;
            if (now >= until) {
                st = kinesis_error_set(err, KINESIS_E_QUEUE_FULL,
                                       "producer buffer still full after %u ms", p->o.put_block_ms);
                break;
            }
            /* The senders must know about what was queued before this wait. */
            if (wake && p->idle_senders) pthread_cond_signal(&p->cv_work);
            wake = 0;
            timed_wait(&p->cv_space, &p->mu, until);
            now = kinesis_now_mono_ms();
        }
        if (st) break;
        pshard *sh = predict(s, it->hk);
        prec *r = it->big;
        if (!r) {
            r = slab_alloc(p, it->cls, sh ? sh->lane : SLAB_LANES);
            if (!r) {
                st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
                break;
            }
            rec_fill(r, it, flags, r->slab);
        }
        it->big = NULL; /* queued: owned by the producer */
        r->stream = s;
        r->put_ms = now;
        r->deadline_ms = kinesis_producer_deadline(now, p->o.record_ttl_ms);
        p->received++;
        p->outstanding++;
        p->buffered_bytes += r->charge;
        if (sh) {
            shard_enqueue(sh, r);
            int64_t ready = now + (int64_t)p->o.linger_ms;
            uint64_t w = it->data_len + it->pk_len;
            if (ready < p->idle_wake ||
                (s->queued_bytes >= p->trigger_bytes && s->queued_bytes - w < p->trigger_bytes) ||
                s->queued == p->trigger_count)
                wake = 1;
        } else {
            rl_push(&s->unrouted, r);
            if (s->unrouted.count == 1) wake = 1;
        }
    }
    if (wake && p->idle_senders) {
        p->idle_wake = now;
        pthread_cond_signal(&p->cv_work);
    }
    pthread_mutex_unlock(&p->mu);
    for (size_t j = i; j < n; j++) kinesis_mem_free(p->alloc, items[j].big); /* not queued */
    *accepted += i;
    return st;
}

kinesis_status kinesis_producer_put(kinesis_producer *p, const kinesis_producer_record *rec,
                                    kinesis_error *err) {
    if (!p || !rec) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    if (!rec->stream || !*rec->stream)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM, "a stream name or ARN is required");
    /* Bounded: a key longer than the limit is refused without reading all of it. */
    const char *pk = rec->partition_key;
    size_t pk_len = 0;
    if (pk)
        while (pk_len <= 4 * KINESIS_PARTITION_KEY_MAX_CHARS && pk[pk_len]) pk_len++;
    put_item it;
    item_init(&it, pk, pk_len, rec->explicit_hash_key, rec->data, rec->data_len, rec->opaque);
    kinesis_status st = check_item(p, &it, err);
    if (st) return st;
    if ((st = prepare_items(p, &it, 1, rec->flags, err))) return st;
    size_t accepted = 0;
    return enqueue_items(p, rec->stream, &it, 1, rec->flags, &accepted, err);
}

kinesis_status kinesis_producer_put_batch(kinesis_producer *p, const kinesis_producer_batch *b,
                                          size_t *accepted, kinesis_error *err) {
    if (accepted) *accepted = 0;
    if (!p || !b || !accepted ||
        (b->count && (!b->partition_keys || !b->partition_key_lens || !b->data_lens)))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    if (!b->stream || !*b->stream)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM, "a stream name or ARN is required");
    put_item items[PUT_CHUNK];
    size_t key_at = 0, data_at = 0;
    for (size_t at = 0; at < b->count;) {
        size_t n = 0;
        kinesis_error bad;
        kinesis_status bad_st = KINESIS_OK;
        for (; n < PUT_CHUNK && at + n < b->count; n++) {
            size_t i = at + n;
            put_item *it = &items[n];
            item_init(it, b->partition_keys + key_at, b->partition_key_lens[i],
                      b->explicit_hash_keys ? b->explicit_hash_keys[i] : NULL,
                      b->data ? b->data + data_at : NULL, b->data_lens[i],
                      b->opaques ? b->opaques[i] : NULL);
            if ((bad_st = check_item(p, it, &bad))) break;
            key_at += it->pk_len;
            data_at += it->data_len;
        }
        /* The valid records before a bad one are queued, then the bad one's status returned. */
        kinesis_status st = prepare_items(p, items, n, b->flags, err);
        if (!st) st = enqueue_items(p, b->stream, items, n, b->flags, accepted, err);
        if (st) return st;
        if (bad_st) {
            if (err) *err = bad;
            return bad_st;
        }
        at += n;
    }
    return KINESIS_OK;
}

uint64_t kinesis_producer_idle_waits(kinesis_producer *p) {
    /* Without the lock: a spinning sender may hold it for minutes. */
    return atomic_load_explicit(&p->idle_waits, memory_order_relaxed);
}

int kinesis_producer_poll(kinesis_producer *p, uint32_t timeout_ms) {
    if (!p) return 0;
    int served = 0;
    if (p->have_report_thr || p->o.report_queue) {
        if (timeout_ms) kinesis_sleep_ms(timeout_ms > 100 ? 100 : timeout_ms);
        pthread_mutex_lock(&p->poll_mu);
        serve_stats(p, kinesis_now_mono_ms());
        pthread_mutex_unlock(&p->poll_mu);
        return 0;
    }
    pthread_mutex_lock(&p->poll_mu);
    served = serve_reports(p, timeout_ms);
    serve_stats(p, kinesis_now_mono_ms());
    pthread_mutex_unlock(&p->poll_mu);
    return served;
}

uint64_t kinesis_producer_outstanding(kinesis_producer *p) {
    if (!p) return 0;
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->outstanding;
    pthread_mutex_unlock(&p->mu);
    return n;
}

kinesis_status kinesis_producer_flush(kinesis_producer *p, uint32_t timeout_ms) {
    if (!p) return KINESIS_E_INVALID_ARGUMENT;
    int64_t until = kinesis_now_mono_ms() + timeout_ms;
    pthread_mutex_lock(&p->mu);
    p->flushing++;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    kinesis_status st = KINESIS_OK;
    for (;;) {
        int64_t now = kinesis_now_mono_ms();
        if (kinesis_producer_outstanding(p) == 0) break;
        if (now >= until) {
            st = KINESIS_E_TIMEOUT;
            break;
        }
        int64_t left = until - now;
        uint32_t step = left > 100 ? 100 : (uint32_t)left;
        if (p->have_report_thr || p->o.report_queue) {
            pthread_mutex_lock(&p->mu);
            if (p->outstanding) timed_wait(&p->cv_space, &p->mu, now + step);
            pthread_mutex_unlock(&p->mu);
        } else {
            kinesis_producer_poll(p, step);
        }
    }
    pthread_mutex_lock(&p->mu);
    p->flushing--;
    pthread_mutex_unlock(&p->mu);
    return st;
}

kinesis_status kinesis_producer_close(kinesis_producer *p, uint32_t timeout_ms) {
    if (!p) return KINESIS_E_INVALID_ARGUMENT;
    if (p->closed) return p->close_status;
    kinesis_status st = p->nsenders ? kinesis_producer_flush(p, timeout_ms) : KINESIS_OK;
    pthread_mutex_lock(&p->mu);
    p->closing = 1;
    p->stop = 1;
    pthread_cond_broadcast(&p->cv_work);
    pthread_cond_broadcast(&p->cv_space);
    pthread_mutex_unlock(&p->mu);
    for (uint32_t i = 0; i < p->nsenders; i++) pthread_join(p->senders[i], NULL);
    for (uint32_t i = 0; p->ctx && i < p->o.max_in_flight; i++) {
        sender_free(p, p->ctx[i]);
        p->ctx[i] = NULL;
    }
    p->nsenders = 0;
    /* Everything still queued is given up, with a report each. */
    pthread_mutex_lock(&p->mu);
    uint64_t given_up = 0;
    for (pstream *s = p->streams; s; s = s->next) {
        rlist l = {0};
        for (pshard *sh = s->all; sh; sh = sh->next_all) shard_take_all(s, sh, &l);
        rl_prepend(&l, &s->unrouted);
        given_up += l.count;
        fail_list(p, &l, KINESIS_E_CANCELLED, NULL,
                  "producer closed before the record was delivered");
    }
    if (given_up && st == KINESIS_OK) st = KINESIS_E_TIMEOUT;
    p->report_stop = 1;
    pthread_cond_broadcast(&p->cv_report);
    pthread_mutex_unlock(&p->mu);
    if (p->have_report_thr) {
        pthread_join(p->report_thr, NULL);
        p->have_report_thr = 0;
    }
    pthread_mutex_lock(&p->poll_mu);
    serve_reports(p, 0);
    pthread_mutex_unlock(&p->poll_mu);
    p->closed = 1;
    p->close_status = st;
    return st;
}

void kinesis_producer_destroy(kinesis_producer *p) {
    if (!p) return;
    if (!p->closed) kinesis_producer_close(p, 0);
    producer_free(p);
}

kinesis_status kinesis_producer_stats_json(kinesis_producer *p, char **out, size_t *len) {
    if (!p || !out) return KINESIS_E_INVALID_ARGUMENT;
    size_t n = 0;
    *out = stats_build(p, &n);
    if (!*out) return KINESIS_E_NO_MEMORY;
    if (len) *len = n;
    return KINESIS_OK;
}

/* libkinesis: the producer — KPL-class batching without Java and without a daemon.
 *
 * Pipeline: put() copies a record into a bounded buffer -> the record is routed to its predicted
 * shard (shard map from ListShards, refreshed periodically, after resharding and whenever a record
 * lands on another shard than predicted) -> records of one shard are aggregated (KPL format, agg.h;
 * on by default) -> Kinesis records are collected into PutRecords requests (<= 500 entries, <= the
 * request cap) -> up to max_in_flight requests run at once -> each user record gets exactly one
 * delivery report. Only the records (or aggregates) that failed are retried, with exponential
 * backoff and full jitter, until the record's deadline (record_ttl_ms). Per-shard rate limits
 * (1 MB/s and 1,000 records/s by default) halve on throttling and recover on success, so
 * throttling never makes the producer spin.
 *
 * Ordering: by default records of one shard may be reordered when some are retried. With
 * options.ordered = 1 each shard has at most one request in flight carrying one Kinesis record
 * for it (one aggregate, or one user record without aggregation), and failed records go back to
 * the front of their shard's queue, so per-shard order is kept (a retried record is never
 * overtaken by a later one; duplicates after a lost response can still appear out of order).
 * Ordered mode is meant for aggregation; without it a shard moves one record per round trip.
 *
 * Memory: the buffer holds at most max_buffer_bytes and max_buffer_records user records, counted
 * from put() until their delivery report has been served. put() fails fast with
 * KINESIS_E_QUEUE_FULL at the cap (or blocks up to put_block_ms when that option is set).
 * In-flight requests add at most max_in_flight encoded requests (about 1.4 x 5 MiB each).
 *
 * Threads: a producer owns max_in_flight sender threads (plus a report thread when
 * options.report_thread = 1). put() may be called from any number of threads at once; poll(),
 * flush() and stats_json() from any thread; close() and destroy() from one thread, after every
 * other call on the producer has returned. Delivery-report and statistics callbacks run on the
 * thread that calls poll()/flush()/close() (or on the report thread), never concurrently with
 * each other.
 *
 * Options are described by one table (name, type, default, minimum, maximum, description) that
 * drives defaults, validation, kinesis_producer_options_set() and the generated documentation
 * (kinesis_producer_options_markdown(), `kinesis produce --list-options`, README). */
#ifndef KINESIS_PRODUCER_H
#define KINESIS_PRODUCER_H

#include "kinesis/client.h"
#include "kinesis/records.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kinesis_producer kinesis_producer;

/* Record flags. */
/* The producer borrows `data` instead of copying it: the caller must keep the bytes valid and
 * unchanged until the record's delivery report has been served (the report's data points at
 * them). Keys are always copied. */
#define KINESIS_PRODUCER_F_LEND 0x1u

/* One user record for kinesis_producer_put(). */
typedef struct kinesis_producer_record {
    const char *stream;            /* stream name or ARN, NUL-terminated */
    const char *partition_key;     /* 1 to 256 characters of UTF-8, NUL-terminated */
    const char *explicit_hash_key; /* optional decimal in [0, 2^128); NULL = MD5(partition key) */
    const uint8_t *data;           /* may be NULL when data_len is 0 */
    size_t data_len;
    void *opaque;   /* handed back in the delivery report, never dereferenced */
    uint32_t flags; /* KINESIS_PRODUCER_F_* */
} kinesis_producer_record;

/* The outcome of one user record. Every pointer is valid only during the callback. */
typedef struct kinesis_delivery_report {
    kinesis_status status; /* KINESIS_OK = stored; else why the record was given up:
                              the last error's status when it was not retryable,
                              KINESIS_E_TIMEOUT when record_ttl_ms passed while retrying,
                              KINESIS_E_CANCELLED when close() gave up on it */
    const char *stream;
    const char *shard_id;         /* the shard that stored it; "" when not stored */
    const char *sequence_number;  /* of the Kinesis record (the aggregate); "" when not stored */
    uint64_t sub_sequence_number; /* index inside the aggregate; 0 when not aggregated */
    int aggregated;               /* 1 when stored inside an aggregate */
    uint32_t attempts;            /* PutRecords attempts that carried this record */
    kinesis_status last_error;    /* status of the last failed attempt; KINESIS_OK if none */
    const char *error_code;       /* service error code of the last failure ("" if none) */
    const char *error_message;    /* why the record failed ("" on success) */
    /* The record as put (data is the producer's copy, or the caller's bytes when lent), so a
     * failed record can be dead-lettered. */
    const char *partition_key;
    const char *explicit_hash_key; /* NULL when none was given */
    const uint8_t *data;
    size_t data_len;
    void *opaque;
    int64_t latency_ms; /* from put() to the final outcome */
} kinesis_delivery_report;

/* Delivery-report callback: called once per user record. Must not call close()/destroy(); may
 * call put() (never with blocking on a full buffer while on the only polling thread). */
typedef void (*kinesis_delivery_report_fn)(void *user, const kinesis_delivery_report *report);
/* Statistics callback: `json` (NUL-terminated, `len` bytes) is valid only during the call. */
typedef void (*kinesis_producer_stats_fn)(void *user, const char *json, size_t len);

/* Producer options. kinesis_producer_options_init() fills the documented defaults; numeric fields
 * are checked against the table's minimum and maximum by kinesis_producer_new(). */
typedef struct kinesis_producer_options {
    uint64_t max_buffer_bytes;        /* cap on buffered user-record bytes */
    uint32_t max_buffer_records;      /* cap on buffered user records */
    uint32_t put_block_ms;            /* 0: put() fails fast when full; else waits up to this */
    uint32_t linger_ms;               /* most a record waits for company before it is sent */
    uint32_t record_ttl_ms;           /* deadline per record from put(); 0 = none */
    uint32_t aggregation;             /* 1: KPL aggregation per predicted shard; 0: off */
    uint32_t aggregation_max_bytes;   /* largest aggregate (blob + key) */
    uint32_t aggregation_max_count;   /* most user records per aggregate */
    uint32_t collection_max_count;    /* most Kinesis records per PutRecords */
    uint32_t collection_max_bytes;    /* most data + key bytes per PutRecords */
    uint32_t max_in_flight;           /* PutRecords requests in flight (sender threads) */
    uint32_t ordered;                 /* 1: keep per-shard order (one request per shard) */
    uint32_t shard_rate_bytes;        /* per-shard byte rate limit per second; 0 = none */
    uint32_t shard_rate_records;      /* per-shard record rate limit per second; 0 = none */
    uint32_t retry_base_ms;           /* backoff base: delay in [0, min(max, base * 2^n)] */
    uint32_t retry_max_ms;            /* backoff cap */
    uint32_t shard_map_refresh_ms;    /* periodic ListShards; 0 = only when needed */
    uint32_t stats_interval_ms;       /* stats_cb interval; 0 = never */
    uint32_t report_thread;           /* 1: a producer thread serves reports (no poll needed) */
    uint32_t report_queue;            /* 1: reports wait for kinesis_producer_take_reports() */
    kinesis_delivery_report_fn dr_cb; /* optional */
    void *dr_user;
    kinesis_producer_stats_fn stats_cb; /* optional */
    void *stats_user;
} kinesis_producer_options;

/* Fill `options` with the defaults of the option table. Any thread. */
KINESIS_API void kinesis_producer_options_init(kinesis_producer_options *options);

/* Set a numeric option by its table name ("linger_ms") from a decimal string. Checks the range.
 * Errors: KINESIS_E_INVALID_ARGUMENT (NULL, unknown name), KINESIS_E_CONFIG (not a number or out
 * of range; err->message says which bounds). Any thread; options belong to the caller. */
KINESIS_API kinesis_status kinesis_producer_options_set(kinesis_producer_options *options,
                                                        const char *name, const char *value,
                                                        kinesis_error *err);

/* The option table as a Markdown table (name, default, minimum, maximum, description), the text
 * the README holds. *out is NUL-terminated, owned by the caller: kinesis_free(NULL, *out).
 * Errors: KINESIS_E_INVALID_ARGUMENT, KINESIS_E_NO_MEMORY. */
KINESIS_API kinesis_status kinesis_producer_options_markdown(char **out, size_t *len);

/* Create a producer on `client` (borrowed: it must outlive the producer; it may keep serving
 * other callers). options NULL = defaults; the struct is copied. Starts the sender threads.
 * Errors: KINESIS_E_INVALID_ARGUMENT (client or out NULL), KINESIS_E_CONFIG (an option out of
 * range; err->message names it), KINESIS_E_NO_MEMORY, KINESIS_E_UNSUPPORTED (threads could not
 * be started). *out is owned by the caller: kinesis_producer_close() then _destroy(). */
KINESIS_API kinesis_status kinesis_producer_new(kinesis_client *client,
                                                const kinesis_producer_options *options,
                                                kinesis_producer **out, kinesis_error *err);

/* Queue one record. Strings and (unless KINESIS_PRODUCER_F_LEND) data are copied before it
 * returns. Never blocks unless put_block_ms > 0 and the buffer is full. Any thread.
 * Errors (nothing queued, no report will come): KINESIS_E_QUEUE_FULL (buffer at its cap; poll()
 * to serve reports and free space, then try again), KINESIS_E_INVALID_ARGUMENT (NULL producer or
 * record, data NULL with data_len > 0), KINESIS_E_INVALID_STREAM, KINESIS_E_INVALID_PARTITION_KEY,
 * KINESIS_E_INVALID_EXPLICIT_HASH_KEY, KINESIS_E_RECORD_TOO_LARGE (data + key over the client's
 * max_record_bytes), KINESIS_E_NO_MEMORY, KINESIS_E_CANCELLED (the producer is closing). */
KINESIS_API kinesis_status kinesis_producer_put(kinesis_producer *producer,
                                                const kinesis_producer_record *record,
                                                kinesis_error *err);

/* Records of one stream in parallel arrays, for kinesis_producer_put_batch(): no struct per
 * record, so a binding can build a batch from a few joined buffers. */
typedef struct kinesis_producer_batch {
    const char *stream;                    /* name or ARN, for every record */
    size_t count;                          /* records in the batch */
    const char *partition_keys;            /* the keys back to back (UTF-8, no separators) */
    const uint32_t *partition_key_lens;    /* count entries, bytes */
    const uint8_t *data;                   /* the data back to back (NULL when all are empty) */
    const uint32_t *data_lens;             /* count entries */
    const char *const *explicit_hash_keys; /* NULL, or count entries (NULL entry = none) */
    void *const *opaques;                  /* NULL (every opaque NULL), or count entries */
    uint32_t flags;                        /* KINESIS_PRODUCER_F_* for every record */
} kinesis_producer_batch;

/* Queue batch->count records in order, as put() would queue each one (strings and, unless
 * KINESIS_PRODUCER_F_LEND, data are copied before it returns; lent data must stay valid until
 * each record's report). Cheaper per record than put(): the lock is taken once per group of
 * records and partition keys are hashed sixteen at a time (AVX2 or AVX-512). *accepted (required)
 * is set to how many records were queued; each of them gets a report. Stops at the first record
 * that cannot be queued and returns its status, with the same meanings as put() (QUEUE_FULL after
 * put_block_ms, INVALID_PARTITION_KEY, INVALID_EXPLICIT_HASH_KEY, RECORD_TOO_LARGE, CANCELLED,
 * NO_MEMORY); records after it are not looked at. KINESIS_E_INVALID_ARGUMENT for NULL pointers.
 * Any thread; the batch and its arrays are borrowed for the call. */
KINESIS_API kinesis_status kinesis_producer_put_batch(kinesis_producer *producer,
                                                      const kinesis_producer_batch *batch,
                                                      size_t *accepted, kinesis_error *err);

/* Move up to cap ready delivery reports into out[0..*n), waiting up to timeout_ms for the first
 * (0 = do not wait); also serves the statistics callback when due. For producers created with
 * report_queue = 1 (then poll() and flush() leave reports to this call, and close() leaves the
 * reports of the records it gives up here: keep calling until outstanding() is 0, then
 * destroy()). The pointers inside out[] (strings, data) stay valid until the next
 * take_reports() call on this producer or destroy(); the data is the record's bytes, so a
 * failed record can be dead-lettered. Records count as outstanding (and hold buffer space)
 * until that next call releases them, so flush() returns only after the call following the
 * take of the last reports: keep a thread taking while another flushes. Returns KINESIS_OK (also
 * with *n = 0 on timeout), KINESIS_E_INVALID_ARGUMENT (NULL pointers, cap 0, or report_queue = 0).
 * Any thread; calls are serialised. */
KINESIS_API kinesis_status kinesis_producer_take_reports(kinesis_producer *producer,
                                                         kinesis_delivery_report *out, size_t cap,
                                                         uint32_t timeout_ms, size_t *n);

/* Serve delivery reports (and the statistics callback when its interval has passed) on the
 * calling thread: waits up to timeout_ms for at least one report (0 = do not wait), then serves
 * every report that is ready. Returns how many reports were served. With report_thread = 1 it
 * only serves statistics. Any thread; concurrent poll() calls are serialised. */
KINESIS_API int kinesis_producer_poll(kinesis_producer *producer, uint32_t timeout_ms);

/* Send everything now (linger is ignored) and wait until every record put before the call has
 * its report served (flush() serves reports itself, like poll()). Returns KINESIS_OK, or
 * KINESIS_E_TIMEOUT when timeout_ms passed first (records stay queued and keep going).
 * KINESIS_E_INVALID_ARGUMENT for NULL. Any thread. */
KINESIS_API kinesis_status kinesis_producer_flush(kinesis_producer *producer, uint32_t timeout_ms);

/* Flush up to timeout_ms, then stop: requests already in flight finish (bounded by the client's
 * timeouts), and every record still pending is reported with KINESIS_E_CANCELLED. Returns
 * KINESIS_OK when everything was delivered or reported before the timeout, KINESIS_E_TIMEOUT when
 * records had to be given up (they were still reported). Later put() calls fail with
 * KINESIS_E_CANCELLED. Idempotent. One thread, no concurrent calls on the producer. */
KINESIS_API kinesis_status kinesis_producer_close(kinesis_producer *producer, uint32_t timeout_ms);

/* Close (with timeout 0 if close was not called) and free the producer. NULL is ignored. */
KINESIS_API void kinesis_producer_destroy(kinesis_producer *producer);

/* The statistics document now (see the README for every field). *out is NUL-terminated, owned by
 * the caller: kinesis_free(kinesis_client_allocator(client), *out). len may be NULL.
 * Errors: KINESIS_E_INVALID_ARGUMENT, KINESIS_E_NO_MEMORY. Any thread. */
KINESIS_API kinesis_status kinesis_producer_stats_json(kinesis_producer *producer, char **out,
                                                       size_t *len);

/* User records put and not yet reported (queued, in flight, waiting to be served). Any thread. */
KINESIS_API uint64_t kinesis_producer_outstanding(kinesis_producer *producer);

#ifdef __cplusplus
}
#endif
#endif

/* libkinesis: the consumer — reads every shard of one stream in resharding order, deaggregates
 * KPL records exactly as the KCL does, and keeps durable checkpoints.
 *
 * What it does:
 *   - All open shards are read at once (one worker thread per shard being read). New shards are
 *     found by a periodic ListShards and from the ChildShards a finished shard reports. A child
 *     shard starts only after every parent (both for a merge) has been read to its end and every
 *     record of the parents was delivered, so per partition key delivery follows sequence order
 *     across splits and merges.
 *   - Polling mode (GetRecords): at most 5 calls/s and 2 MiB/s per shard (configurable), backoff
 *     with jitter on throttling and on transport/5xx failures (a dead server is retried until it
 *     comes back or the consumer stops), a new iterator after the last record received when an
 *     iterator expires or is rejected, an idle pause when a shard is empty.
 *   - Enhanced fan-out mode: registers (or reuses) a stream consumer, SubscribeToShard per shard,
 *     resubscribes from the continuation sequence number when a subscription ends (after about
 *     5 minutes) or fails.
 *   - Aggregated records are split into user records with the shard's hash range applied as the
 *     KCL does: an aggregate with a member outside the range is dropped whole, and the drop is
 *     counted and reported through on_drop.
 *   - Checkpoints go to a kinesis_checkpoint_store (a file store is built in). On restart a shard
 *     resumes AT_SEQUENCE_NUMBER of its checkpoint and skips user records at or before the
 *     checkpointed sub-sequence number: nothing is lost, nothing checkpointed is delivered again.
 *
 * Threads: records are delivered on the caller's thread — by kinesis_consumer_run (callback) or
 * kinesis_consumer_next / kinesis_consumer_next_batch (pull); never run and pull at once. Workers
 * fetch ahead into a bounded queue. kinesis_consumer_stop may be called from any thread or a signal
 * handler. */
#ifndef KINESIS_CONSUMER_H
#define KINESIS_CONSUMER_H

#include "kinesis/consumers.h"
#include "kinesis/records.h"
#include "kinesis/streams.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Checkpoint store                                                                            */

/* A shard's checkpoint: every user record at or before (sequence_number, sub_sequence_number)
 * has been processed. shard_ended = 1: the whole shard was processed (a finished parent). */
typedef struct kinesis_checkpoint {
    char sequence_number[KINESIS_SEQUENCE_NUMBER_MAX]; /* "" when only shard_ended is set */
    uint64_t sub_sequence_number;
    uint8_t shard_ended;
} kinesis_checkpoint;

/* A store implementation. Every function returns KINESIS_OK or a status (KINESIS_E_CONFIG for
 * an unreadable or corrupt store, KINESIS_E_TRANSPORT for an I/O failure, ...). Calls may come
 * from several threads at once; the implementation locks as it needs.
 * get:    *found = 0 and KINESIS_OK when the shard has no checkpoint.
 * put:    store unconditionally; durable when it returns KINESIS_OK.
 * put_if: store only when the current checkpoint equals *expected (NULL expected = none exists);
 *         otherwise KINESIS_E_RESOURCE_IN_USE and nothing is written. This is the primitive a
 *         lease-based store (several consumers of one application) builds on.
 * destroy: frees the implementation. */
typedef struct kinesis_checkpoint_store_vtable {
    kinesis_status (*get)(void *impl, const char *shard_id, kinesis_checkpoint *out, int *found);
    kinesis_status (*put)(void *impl, const char *shard_id, const kinesis_checkpoint *checkpoint);
    kinesis_status (*put_if)(void *impl, const char *shard_id, const kinesis_checkpoint *expected,
                             const kinesis_checkpoint *checkpoint);
    void (*destroy)(void *impl);
} kinesis_checkpoint_store_vtable;

typedef struct kinesis_checkpoint_store kinesis_checkpoint_store;

/* Wrap an implementation. The vtable must outlive the store; `impl` becomes the store's and is
 * released through vtable->destroy. NULL on allocation failure or a vtable without get, put or
 * destroy (then `impl` still belongs to the caller). put_if may be NULL (then
 * kinesis_checkpoint_store_put_if returns KINESIS_E_UNSUPPORTED). */
KINESIS_API kinesis_checkpoint_store *
kinesis_checkpoint_store_new(const kinesis_checkpoint_store_vtable *vtable, void *impl,
                             const kinesis_allocator *allocator);

/* The default store: one JSON file per application and stream, rewritten whole on every put
 * (temp file in the same directory, fsync, rename over the old file, fsync of the directory), so
 * a crash at any point leaves either the old or the new file. Format (version 1):
 *   {"Version":1,"Application":"app","Stream":"s","Shards":{"shardId-000000000000":
 *     {"SequenceNumber":"4959...","SubSequenceNumber":3,"ShardEnded":false}, ...}}
 * `path` names the file itself; or pass a directory in `directory` and the file is
 * "<directory>/<application>-<stream>.checkpoints.json" (characters other than letters, digits,
 * '-', '_' and '.' in the names become '_'). Exactly one of path/directory. An existing file is
 * read at once; a missing one is created at the first put. application and stream are recorded
 * in the file; a file written for another stream is refused (KINESIS_E_CONFIG).
 * Errors: KINESIS_E_INVALID_ARGUMENT, KINESIS_E_CONFIG (unreadable, not valid JSON, another
 * stream), KINESIS_E_NO_MEMORY. *out: kinesis_checkpoint_store_destroy. */
KINESIS_API kinesis_status kinesis_file_checkpoint_store_new(
    const char *path, const char *directory, const char *application, const char *stream,
    const kinesis_allocator *allocator, kinesis_checkpoint_store **out, kinesis_error *err);

/* The operations of any store (see the vtable for their meaning). Any thread. */
KINESIS_API kinesis_status kinesis_checkpoint_store_get(kinesis_checkpoint_store *store,
                                                        const char *shard_id,
                                                        kinesis_checkpoint *out, int *found);
KINESIS_API kinesis_status kinesis_checkpoint_store_put(kinesis_checkpoint_store *store,
                                                        const char *shard_id,
                                                        const kinesis_checkpoint *checkpoint);
KINESIS_API kinesis_status kinesis_checkpoint_store_put_if(kinesis_checkpoint_store *store,
                                                           const char *shard_id,
                                                           const kinesis_checkpoint *expected,
                                                           const kinesis_checkpoint *checkpoint);
/* NULL is ignored. No call may be in progress. */
KINESIS_API void kinesis_checkpoint_store_destroy(kinesis_checkpoint_store *store);

/* ------------------------------------------------------------------------------------------ */
/* Consumer                                                                                    */

/* The consumer handle (kinesis_stream_consumer is the enhanced fan-out description in consumers.h).
 */
typedef struct kinesis_consumer kinesis_consumer;

typedef enum kinesis_consumer_start {
    KINESIS_CONSUMER_START_TRIM_HORIZON = 0, /* oldest record of every shard */
    KINESIS_CONSUMER_START_LATEST = 1,       /* only records put after the start */
    KINESIS_CONSUMER_START_AT_TIMESTAMP = 2  /* records arriving at or after start_timestamp */
} kinesis_consumer_start;

/* One user record. Every pointer is a view valid only during the callback (run) or until the
 * next kinesis_consumer_next / _next_batch / _stop / _destroy call (pull). */
typedef struct kinesis_consumer_record {
    const char *shard_id;
    const char *sequence_number;  /* of the Kinesis record (shared by an aggregate's members) */
    uint64_t sub_sequence_number; /* position inside an aggregate; 0 for a plain record */
    int aggregated;               /* 1 when the record came out of a KPL aggregate */
    const char *partition_key;    /* NUL-terminated */
    size_t partition_key_len;
    const char *explicit_hash_key;        /* NUL-terminated; NULL when the record has none */
    double approximate_arrival_timestamp; /* epoch seconds; 0 when not reported */
    const uint8_t *data;
    size_t data_len;
    int64_t millis_behind_latest; /* of the batch the record came in; -1 when not reported */
} kinesis_consumer_record;

/* Called for each user record on the delivering thread. Return 0 to go on, nonzero to stop the
 * consumer (as kinesis_consumer_stop; this record counts as processed). */
typedef int (*kinesis_consumer_record_fn)(void *user, const kinesis_consumer_record *record);

/* An aggregate was dropped whole because a member's hash key lies outside the shard's range
 * (record_count user records lost, as the KCL drops them), or is unreadable in part
 * (reason KINESIS_E_AGG_BAD_INDEX / _BAD_HASH_KEY: record_count members after the bad one are
 * lost). Delivering thread. */
typedef void (*kinesis_consumer_drop_fn)(void *user, const char *shard_id,
                                         const char *sequence_number, uint64_t record_count,
                                         kinesis_status reason);

/* Called on the delivering thread just before checkpoints are written, so that output the
 * application buffers (e.g. stdout) can be flushed first. */
typedef void (*kinesis_consumer_pre_checkpoint_fn)(void *user);

typedef struct kinesis_consumer_options {
    const char *stream;      /* name or ARN; required */
    const char *application; /* for logs and the checkpoint file; default "kinesis-consumer" */
    kinesis_consumer_start start;
    double start_timestamp; /* epoch seconds, for KINESIS_CONSUMER_START_AT_TIMESTAMP */

    kinesis_consumer_record_fn on_record;              /* required by kinesis_consumer_run */
    kinesis_consumer_drop_fn on_drop;                  /* optional */
    kinesis_consumer_pre_checkpoint_fn pre_checkpoint; /* optional */
    void *user;

    /* Checkpoints: a store (borrowed; must outlive the consumer), NULL = none (every start is
     * `start`). Shards with a checkpoint resume from it whatever `start` says. */
    kinesis_checkpoint_store *checkpoints;
    /* Automatic checkpoints of what was delivered: every N user records and/or every T ms
     * (0 = off; both 0 = only at shard end and at stop — and whatever the application does with
     * kinesis_consumer_checkpoint). A shard read to its end is always checkpointed as ended, and
     * stop always writes the delivered position of every shard, unless manual_checkpoints = 1:
     * then only kinesis_consumer_checkpoint writes positions (shard ends are still written). */
    uint32_t checkpoint_every_records;
    uint32_t checkpoint_interval_ms;
    int manual_checkpoints;

    /* Polling. */
    uint32_t max_records_per_call;   /* GetRecords Limit; default 10000 */
    uint32_t min_call_interval_ms;   /* per shard; default 200 (5 calls/s) */
    uint32_t max_bytes_per_second;   /* per shard; default 2097152 */
    uint32_t idle_interval_ms;       /* pause after an empty response; default 1000 */
    uint32_t shard_sync_interval_ms; /* ListShards period; default 10000 */
    uint32_t backoff_base_ms;        /* after throttling or failures; default 200 */
    uint32_t backoff_max_ms;         /* default 10000 */
    uint32_t max_queued_batches;     /* fetched, undelivered (all shards); default 16 */

    /* Enhanced fan-out: register (or reuse) this stream consumer and SubscribeToShard.
     * NULL = polling. */
    const char *efo_consumer_name;

    /* Stop by itself (run returns KINESIS_OK, next returns KINESIS_E_CANCELLED) once every
     * shard being read has been empty for this long and nothing is left to deliver. 0 = never. */
    uint32_t idle_exit_ms;
} kinesis_consumer_options;

/* Defaults as documented above. */
KINESIS_API void kinesis_consumer_options_init(kinesis_consumer_options *options);

/* Create a consumer of options->stream on `client` (borrowed; must outlive the consumer). Nothing
 * is sent yet. Strings in options are copied; the store is borrowed.
 * Errors: KINESIS_E_INVALID_ARGUMENT (no stream, bad option), KINESIS_E_NO_MEMORY.
 * *out: kinesis_consumer_destroy. Any thread. */
KINESIS_API kinesis_status kinesis_consumer_new(kinesis_client *client,
                                                const kinesis_consumer_options *options,
                                                kinesis_consumer **out, kinesis_error *err);

/* Read and deliver records to options->on_record on the caller's thread until stopped (by
 * kinesis_consumer_stop, a nonzero callback return or idle_exit_ms): returns KINESIS_OK after
 * the record in progress finished, workers ended and checkpoints were flushed. Other returns: a
 * fatal error (the stream does not exist, a checkpoint write failed, a non-retryable service
 * error) with details in err — checkpoints of what was delivered are flushed first.
 * Transient failures (throttling, 5xx, a dead server) never end it. Call once per consumer. */
KINESIS_API kinesis_status kinesis_consumer_run(kinesis_consumer *consumer, kinesis_error *err);

/* Pull interface: wait up to timeout_ms for the next user record. Returns KINESIS_OK with
 * *record filled (views valid until the next call); KINESIS_E_TIMEOUT when none came in time;
 * KINESIS_E_CANCELLED once the consumer stopped (everything before was delivered and
 * checkpoints are flushed); or a fatal error as for run. The previous record counts as
 * processed when next is called again (that is what automatic checkpoints record). The first
 * call starts the workers. One thread at a time; not together with run. */
KINESIS_API kinesis_status kinesis_consumer_next(kinesis_consumer *consumer,
                                                 kinesis_consumer_record *record,
                                                 uint32_t timeout_ms, kinesis_error *err);

/* One user record of a packed batch (kinesis_consumer_next_batch): fixed 56 bytes, offsets count
 * from kinesis_consumer_batch.bytes. Every string there, and the data, is followed by a NUL (not
 * counted in its length), so strings may be used as C strings. The layout is part of the ABI
 * (bindings unpack it as
 * "=QdIIIIIIIIB7x"). */
typedef struct kinesis_consumer_packed_record {
    uint64_t sub_sequence_number;
    double approximate_arrival_timestamp; /* epoch seconds; 0 when not reported */
    uint32_t data_offset;
    uint32_t data_len;
    uint32_t partition_key_offset;
    uint32_t partition_key_len;
    uint32_t explicit_hash_key_offset; /* meaningful only when explicit_hash_key_len > 0 */
    uint32_t explicit_hash_key_len;    /* 0: the record has none */
    uint32_t sequence_number_offset;   /* members of one aggregate share one copy */
    uint32_t sequence_number_len;
    uint8_t aggregated;
    uint8_t reserved_[7];
} kinesis_consumer_packed_record;

/* A batch of user records of one shard, in delivery order, packed into one buffer the consumer
 * owns: views valid until the next kinesis_consumer_next_batch / _next / _batch_done / _destroy
 * call on that consumer. */
typedef struct kinesis_consumer_batch {
    const kinesis_consumer_packed_record *records; /* `count` entries, inside `bytes` */
    size_t count;
    const uint8_t *bytes; /* the whole buffer: strings, data and the records array */
    size_t bytes_len;
    const char *shard_id;
    int64_t millis_behind_latest; /* of the response the records came in; -1 when unknown */
} kinesis_consumer_batch;

/* Pull interface, many records per call (for bindings, where a call per record costs more than
 * the record): wait up to timeout_ms for user records and hand out up to max_records of them
 * (at least one, all of one shard, about 8 MiB at most unless one record is larger) in *batch.
 * Returns KINESIS_OK with batch->count >= 1; KINESIS_E_TIMEOUT when none came in time (count 0);
 * KINESIS_E_CANCELLED once the consumer stopped; or a fatal error as for run. Records handed out
 * count as processed (for automatic checkpoints) when next_batch or next is called again — all of
 * the previous batch — or as kinesis_consumer_batch_done says. The first call starts the workers.
 * One thread at a time; not together with run (it may be mixed with next).
 * Errors also: KINESIS_E_INVALID_ARGUMENT (NULL consumer or batch, max_records 0). */
KINESIS_API kinesis_status kinesis_consumer_next_batch(kinesis_consumer *consumer,
                                                       size_t max_records, uint32_t timeout_ms,
                                                       kinesis_consumer_batch *batch,
                                                       kinesis_error *err);

/* Only the first n records of the batch handed out last were processed (n above its count counts
 * as its count): they count as processed now. When n is below the count the consumer also stops
 * (as kinesis_consumer_stop; next calls return KINESIS_E_CANCELLED): the rest is not delivered
 * in this run, and a consumer started later from the checkpoints reads it again. Use it before
 * kinesis_consumer_destroy to record how far an application got; without it the last batch is
 * not counted at destroy. Same thread rules as next_batch. KINESIS_E_INVALID_ARGUMENT for NULL. */
KINESIS_API kinesis_status kinesis_consumer_batch_done(kinesis_consumer *consumer, size_t n,
                                                       kinesis_error *err);

/* Ask the consumer to stop. Any thread, or a signal handler (it only stores an atomic flag).
 * run/next notice within about 100 ms between records. */
KINESIS_API void kinesis_consumer_stop(kinesis_consumer *consumer);

/* Checkpoint a shard at (sequence_number, sub_sequence_number): every user record of the shard
 * up to and including it was processed. Written to the store at once (durable on return).
 * Call on the delivering thread (inside the callback, or between next calls).
 * Errors: KINESIS_E_INVALID_ARGUMENT (unknown shard, no store, bad arguments), the store's. */
KINESIS_API kinesis_status kinesis_consumer_checkpoint(kinesis_consumer *consumer,
                                                       const char *shard_id,
                                                       const char *sequence_number,
                                                       uint64_t sub_sequence_number,
                                                       kinesis_error *err);

typedef enum kinesis_consumer_shard_state {
    KINESIS_CONSUMER_SHARD_WAITING = 0, /* a parent is not finished yet */
    KINESIS_CONSUMER_SHARD_READING = 1,
    KINESIS_CONSUMER_SHARD_FINISHED = 2, /* read to its end, every record delivered */
    KINESIS_CONSUMER_SHARD_SKIPPED = 3   /* closed before a LATEST start: not read */
} kinesis_consumer_shard_state;

/* One shard as the consumer sees it. Plain data. */
typedef struct kinesis_consumer_shard_info {
    char shard_id[KINESIS_SHARD_ID_MAX];
    char parent_shard_id[KINESIS_SHARD_ID_MAX];          /* "" when none */
    char adjacent_parent_shard_id[KINESIS_SHARD_ID_MAX]; /* "" when none */
    kinesis_consumer_shard_state state;
    int64_t millis_behind_latest; /* last reported; -1 before the first response */
    uint64_t records_delivered;   /* user records, this run */
    char last_sequence_number[KINESIS_SEQUENCE_NUMBER_MAX]; /* last delivered; "" none */
    uint64_t last_sub_sequence_number;
} kinesis_consumer_shard_info;

/* Counters since the start. */
typedef struct kinesis_consumer_stats {
    uint64_t records_delivered;    /* user records */
    uint64_t kinesis_records;      /* records as received (an aggregate counts once) */
    uint64_t records_skipped;      /* at or before a checkpoint, after a restart */
    uint64_t aggregates_dropped;   /* whole aggregates dropped (member outside the shard range) */
    uint64_t user_records_dropped; /* user records lost in those drops and in partial aggregates */
    uint64_t get_records_calls;
    uint64_t throttled;          /* throttling answers after the client's own retries */
    uint64_t iterator_renewals;  /* expired or rejected iterators replaced */
    uint64_t transient_failures; /* transport and 5xx failures waited out */
    uint64_t subscriptions;      /* SubscribeToShard calls */
    uint64_t checkpoints_written;
    uint32_t shards_known;
    uint32_t shards_reading;
    uint32_t shards_finished;
} kinesis_consumer_stats;

/* Snapshot of the counters. Any thread. */
KINESIS_API void kinesis_consumer_get_stats(kinesis_consumer *consumer,
                                            kinesis_consumer_stats *out);

/* Snapshot of the shards (in discovery order): fills up to `capacity` entries of `out` and
 * returns how many shards there are (may exceed capacity). Any thread. */
KINESIS_API size_t kinesis_consumer_get_shards(kinesis_consumer *consumer,
                                               kinesis_consumer_shard_info *out, size_t capacity);

/* Stop (if running), join every thread and free the consumer. NULL is ignored. Not while run or
 * next is executing on another thread (stop first and let them return). */
KINESIS_API void kinesis_consumer_destroy(kinesis_consumer *consumer);

#ifdef __cplusplus
}
#endif
#endif

/* Internal pieces of the consumer shared with its unit tests. Not installed. */
#ifndef KINESIS_CONSUMER_INTERNAL_H
#define KINESIS_CONSUMER_INTERNAL_H

#include "kinesis/consumer.h"

/* Compare two decimal sequence numbers of any length (leading zeros ignored): -1, 0, 1. */
int kinesis_consumer_seqcmp_(const char *a, const char *b);

/* 1 when a user record at (seq, sub) is at or before the checkpoint (cp_seq, cp_sub): a resumed
 * shard skips it. */
int kinesis_consumer_at_or_before_(const char *seq, uint64_t sub, const char *cp_seq,
                                   uint64_t cp_sub);

/* Result of the fast GetRecords parser: views into the parsed body; `records` is reused across
 * calls (capacity `cap`, grown with the allocator). */
typedef struct kinesis_consumer_fast_result_ {
    kinesis_record *records;
    size_t count, cap;
    const char *next_shard_iterator;
    int64_t millis_behind_latest;
} kinesis_consumer_fast_result_;

/* Parse a GetRecords response body (NUL-terminated at body[len]) in place. KINESIS_OK, or
 * KINESIS_E_UNSUPPORTED when it holds anything beyond the common shape (escapes in kept strings,
 * ChildShards, no NextShardIterator, malformed): then use the general parser. */
kinesis_status kinesis_consumer_fast_parse_(char *body, size_t len, const kinesis_allocator *a,
                                            kinesis_consumer_fast_result_ *out);

#endif

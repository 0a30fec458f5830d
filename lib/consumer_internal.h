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

#endif

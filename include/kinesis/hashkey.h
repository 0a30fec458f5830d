/* libkinesis: 128-bit hash keys and shard maps — how Kinesis routes a record to a shard.
 *
 * A record's effective hash key is its explicit hash key, or else MD5(UTF-8 partition key) read
 * as a big-endian 128-bit integer. A shard owns an inclusive range [start, end] of hash keys.
 * Caller buffers, no allocation; pure functions, thread-safe. */
#ifndef KINESIS_HASHKEY_H
#define KINESIS_HASHKEY_H

#include "kinesis/crypto.h"
#include "kinesis/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kinesis_hash_key {
    uint64_t hi; /* most significant 64 bits */
    uint64_t lo;
} kinesis_hash_key;

/* Longest decimal form: 2^128-1 has 39 digits; plus NUL. */
#define KINESIS_HASH_KEY_DECIMAL_MAX 40

/* Parse a decimal in [0, 2^128) (digits only, no sign or spaces; leading zeros accepted).
 * Returns KINESIS_E_INVALID_EXPLICIT_HASH_KEY otherwise. */
KINESIS_API kinesis_status kinesis_hash_key_parse(const char *decimal, size_t len,
                                                  kinesis_hash_key *out);

/* Canonical decimal (no leading zeros), NUL-terminated; returns its length. */
KINESIS_API size_t kinesis_hash_key_format(kinesis_hash_key key,
                                           char out[KINESIS_HASH_KEY_DECIMAL_MAX]);

/* MD5 of the partition key bytes as a big-endian 128-bit integer. crypto NULL = default. */
KINESIS_API kinesis_hash_key kinesis_hash_key_of_partition_key(const kinesis_crypto *crypto,
                                                               const char *partition_key,
                                                               size_t len);

/* The hash keys of n partition keys (keys[i] of lens[i] bytes, borrowed): out[i] =
 * kinesis_hash_key_of_partition_key(crypto, keys[i], lens[i]). With the default crypto (crypto
 * NULL) on a CPU with AVX2 (or AVX-512) sixteen keys are hashed side by side, several times faster
 * than one by one; a custom crypto's md5 is called per key. Allocates nothing; any thread. */
KINESIS_API void kinesis_hash_keys_of_partition_keys(const kinesis_crypto *crypto, size_t n,
                                                     const char *const keys[], const size_t lens[],
                                                     kinesis_hash_key out[]);

/* -1, 0 or 1. */
KINESIS_API int kinesis_hash_key_compare(kinesis_hash_key a, kinesis_hash_key b);

/* One shard's inclusive hash range. shard_id is borrowed (not owned by the entry). */
typedef struct kinesis_shard_map_entry {
    kinesis_hash_key start;
    kinesis_hash_key end;
    const char *shard_id;
} kinesis_shard_map_entry;

/* The entry whose range contains `key` in a map sorted by start with disjoint ranges (as
 * ListShards returns the open shards); NULL when none does. O(log n). */
KINESIS_API const kinesis_shard_map_entry *
kinesis_shard_map_lookup(const kinesis_shard_map_entry *map, size_t count, kinesis_hash_key key);

#ifdef __cplusplus
}
#endif
#endif

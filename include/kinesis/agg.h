/* libkinesis: KPL-compatible record aggregation (the "aggregated record" format).
 *
 * Wire format: magic F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes.
 * The encoder writes exactly what the KPL writes (key tables in first-appearance order, record
 * fields in field order, the explicit-hash-key index only when the record has one). The decoder
 * reads exactly as the KCL reads, or strictly with a status per kind of corruption.
 *
 * This module needs only an MD5 (kinesis_crypto; NULL = kinesis_crypto_default()): no client,
 * no curl, no JSON. An encoder or decoder object belongs to one thread at a time; different
 * objects may be used on different threads at once. */
#ifndef KINESIS_AGG_H
#define KINESIS_AGG_H

#include "kinesis/crypto.h"
#include "kinesis/hashkey.h"
#include "kinesis/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kinesis's per-record limit (data + partition key), the default for max_record_bytes. */
#define KINESIS_AGG_DEFAULT_MAX_RECORD_BYTES 1048576u
/* Largest accepted max_record_bytes (10 MiB, the largest record limit Kinesis offers). */
#define KINESIS_AGG_MAX_RECORD_BYTES_LIMIT 10485760u
/* Outer partition key of every aggregate (as the KPL uses). */
#define KINESIS_AGG_OUTER_PARTITION_KEY "a"
/* Bytes of a caller blob buffer that always suffice for a given max_record_bytes. */
#define KINESIS_AGG_BLOB_CAPACITY(max_record_bytes) ((size_t)(max_record_bytes) + 64u)
/* Magic that opens every aggregated record. */
#define KINESIS_AGG_MAGIC_LEN 4

/* One user record to aggregate. Everything is borrowed for the duration of the call only (the
 * encoder copies what it keeps). Strings need no NUL. */
typedef struct kinesis_agg_record {
    const char *partition_key;     /* 1 to 256 Unicode characters of valid UTF-8 */
    size_t partition_key_len;      /* in bytes */
    const char *explicit_hash_key; /* NULL = none; else a decimal in [0, 2^128) */
    size_t explicit_hash_key_len;
    const uint8_t *data; /* may be NULL when data_len is 0 */
    size_t data_len;
} kinesis_agg_record;

/* Effective hash key of a record: its explicit hash key, else MD5(partition key) read as a
 * big-endian 128-bit integer. crypto NULL = default. Returns KINESIS_E_INVALID_ARGUMENT for NULL
 * pointers, KINESIS_E_INVALID_EXPLICIT_HASH_KEY when the explicit hash key is not a decimal in
 * [0, 2^128). Pure; any thread. */
KINESIS_API kinesis_status kinesis_agg_effective_hash_key(const kinesis_crypto *crypto,
                                                          const kinesis_agg_record *record,
                                                          kinesis_hash_key *out);

/* ------------------------------------------------------------------------------------------ */
/* Encoder                                                                                     */

typedef struct kinesis_agg_encoder_options {
    /* Limit on what is sent as one Kinesis record: blob (or lone data) + outer partition key, in
     * bytes. 0 = KINESIS_AGG_DEFAULT_MAX_RECORD_BYTES; at most KINESIS_AGG_MAX_RECORD_BYTES_LIMIT.
     */
    uint32_t max_record_bytes;
    /* Most user records per aggregate; 0 = no limit beyond size. */
    uint32_t max_records;
    /* 0 (KPL behaviour): an aggregate of one record is emitted as that record itself.
     * 1: always emit an aggregated blob (for tests and for consumers that insist). */
    int always_aggregate;
    /* Caller-memory mode only: most distinct keys (partition + explicit hash keys) per aggregate;
     * an aggregate that would need more is full. 0 = max_record_bytes / 64. */
    uint32_t max_keys;
    const kinesis_crypto *crypto; /* NULL = kinesis_crypto_default() */
} kinesis_agg_encoder_options;

/* What finish hands back. Views into the encoder's memory, valid until the next
 * kinesis_agg_encoder_add / _reset / _clean_up on that encoder. */
typedef struct kinesis_agg_output {
    const uint8_t *data; /* the aggregated blob, or the lone record's data */
    size_t data_len;
    const char
        *partition_key; /* "a" for an aggregate, else the lone record's key; not NUL-terminated */
    size_t partition_key_len;
    /* NUL-terminated canonical decimal: for an aggregate the first record's effective hash key;
     * for a lone record its own explicit hash key, or NULL when it has none. */
    const char *explicit_hash_key;
    size_t explicit_hash_key_len;
    uint32_t record_count; /* user records inside */
    int aggregated;        /* 1 when data is an aggregated blob */
} kinesis_agg_output;

/* Slot of the key dedup table (private). */
typedef struct kinesis_agg_slot_ {
    uint32_t hash;
    uint32_t idx1; /* table index + 1 (top bit set: explicit hash key); 0 = empty */
} kinesis_agg_slot_;

/* An encoder. Caller storage; all fields are private. */
typedef struct kinesis_agg_encoder {
    kinesis_agg_encoder_options opt_;
    const kinesis_allocator *alloc_; /* NULL in caller-memory mode */
    int owns_;
    uint8_t *buf_; /* blob buffer: records region at rec_start_ */
    size_t buf_cap_;
    size_t buf_max_; /* the most buf_ may grow to */
    size_t rec_start_;
    size_t rec_len_;
    uint8_t *arena_; /* pk table entries forward, ehk values (16 B) backward */
    size_t arena_cap_;
    size_t pk_bytes_;  /* serialized pk table bytes */
    size_t ehk_bytes_; /* serialized ehk table bytes */
    uint32_t pk_count_;
    uint32_t ehk_count_;
    kinesis_agg_slot_ *slots_;
    uint32_t slot_mask_; /* slot count - 1 */
    uint32_t *pk_loc_;   /* per pk index: arena offset and length of the key bytes */
    uint32_t pk_loc_cap_;
    uint32_t max_keys_;
    uint32_t count_;
    int finished_;
    int32_t first_ehk_;     /* first record's ehk table index, -1 = none */
    size_t first_data_off_; /* first record's data, relative to rec_start_ */
    size_t first_data_len_;
    char outer_ehk_[KINESIS_HASH_KEY_DECIMAL_MAX];
} kinesis_agg_encoder;

/* Allocating mode: memory grows on demand with `allocator` (NULL = default) and is freed by
 * kinesis_agg_encoder_clean_up. opts NULL = defaults. Errors: KINESIS_E_INVALID_ARGUMENT (enc
 * NULL, max_record_bytes above the limit or too small to hold any record), KINESIS_E_NO_MEMORY. */
KINESIS_API kinesis_status kinesis_agg_encoder_init(kinesis_agg_encoder *enc,
                                                    const kinesis_agg_encoder_options *opts,
                                                    const kinesis_allocator *allocator);

/* Bytes of work memory kinesis_agg_encoder_init_static needs for these options. */
KINESIS_API size_t kinesis_agg_encoder_work_size(const kinesis_agg_encoder_options *opts);

/* Caller-memory mode: never allocates. blob_buf must hold
 * KINESIS_AGG_BLOB_CAPACITY(max_record_bytes) bytes and work at least
 * kinesis_agg_encoder_work_size(opts) bytes (suitably aligned for uint32_t); both stay owned by
 * the caller and must outlive the encoder. Errors: KINESIS_E_INVALID_ARGUMENT,
 * KINESIS_E_BUFFER_TOO_SMALL. */
KINESIS_API kinesis_status kinesis_agg_encoder_init_static(kinesis_agg_encoder *enc,
                                                           const kinesis_agg_encoder_options *opts,
                                                           uint8_t *blob_buf, size_t blob_cap,
                                                           void *work, size_t work_size);

/* Release what the encoder allocated (nothing in caller-memory mode). NULL is ignored. */
KINESIS_API void kinesis_agg_encoder_clean_up(kinesis_agg_encoder *enc);

/* Drop the records added so far; the encoder is empty again. */
KINESIS_API void kinesis_agg_encoder_reset(kinesis_agg_encoder *enc);

/* Add one record (copied). On any error the encoder is unchanged.
 * KINESIS_OK                            added.
 * KINESIS_E_AGG_FULL                    does not fit with the records already in: finish this
 *                                       aggregate, then add the record again.
 * KINESIS_E_RECORD_TOO_LARGE            does not fit even alone (data + partition key, or the
 *                                       whole blob + outer key with always_aggregate).
 * KINESIS_E_INVALID_PARTITION_KEY       empty, over 256 characters or not UTF-8.
 * KINESIS_E_INVALID_EXPLICIT_HASH_KEY   not a decimal in [0, 2^128).
 * KINESIS_E_BUFFER_TOO_SMALL            caller-memory mode: the keys do not fit even alone.
 * KINESIS_E_NO_MEMORY, KINESIS_E_INVALID_ARGUMENT. */
KINESIS_API kinesis_status kinesis_agg_encoder_add(kinesis_agg_encoder *enc,
                                                   const kinesis_agg_record *record);

/* Records added since the last finish/reset. */
KINESIS_API uint32_t kinesis_agg_encoder_count(const kinesis_agg_encoder *enc);

/* What finish would send now, in bytes: blob + outer key (or lone data + key); 0 when empty. */
KINESIS_API size_t kinesis_agg_encoder_size(const kinesis_agg_encoder *enc);

/* Finish the current aggregate: fills *out with views (see kinesis_agg_output) and empties the
 * encoder for the next one. The blob (or lone record) plus its partition key never exceeds
 * max_record_bytes. Errors: KINESIS_E_INVALID_ARGUMENT (NULL, or nothing added). */
KINESIS_API kinesis_status kinesis_agg_encoder_finish(kinesis_agg_encoder *enc,
                                                      kinesis_agg_output *out);

/* ------------------------------------------------------------------------------------------ */
/* Decoder                                                                                     */

typedef enum kinesis_agg_decode_mode {
    /* As the KCL: unreadable blobs are one ordinary record; index or hash-key errors keep the
     * records before them; a member outside the shard range drops the whole aggregate. */
    KINESIS_AGG_DECODE_KCL = 0,
    /* Any defect is an error status from kinesis_agg_decoder_init; no records are delivered. */
    KINESIS_AGG_DECODE_STRICT = 1
} kinesis_agg_decode_mode;

typedef struct kinesis_agg_decode_options {
    kinesis_agg_decode_mode mode;
    /* 1: the shard's inclusive hash range [range_start, range_end] is checked for every member
     * (as the KCL does with the shard's range). 0: the whole key space [0, 2^128). When every
     * entry of the blob's key tables lies in the range, init learns it from the tables (each
     * distinct partition key hashed once, sixteen side by side) and checks no member one by one. */
    int has_range;
    kinesis_hash_key range_start;
    kinesis_hash_key range_end;
    const kinesis_crypto *crypto; /* NULL = kinesis_crypto_default() */
    /* Optional caller scratch for the key-table index, one entry per table entry. Blobs with up
     * to KINESIS_AGG_DECODER_INLINE_KEYS table entries need none; others need
     * KINESIS_AGG_DECODER_SCRATCH_COUNT(blob_len) entries at most (exact need reported by init). */
    uint32_t *scratch;
    size_t scratch_count;
    /* 1: the caller already found this blob's MD5 correct with kinesis_agg_check_md5_many, so
     * init does not compute it again. Never set it otherwise. */
    int md5_checked;
} kinesis_agg_decode_options;

#define KINESIS_AGG_DECODER_INLINE_KEYS 64
#define KINESIS_AGG_DECODER_SCRATCH_COUNT(blob_len) ((size_t)(blob_len) / 2u + 1u)

typedef enum kinesis_agg_outcome {
    KINESIS_AGG_AGGREGATED = 0, /* all user records are delivered */
    KINESIS_AGG_PASSTHROUGH =
        1,                   /* not (readable as) an aggregate: the blob is one ordinary record */
    KINESIS_AGG_DROPPED = 2, /* a member lies outside the shard range: nothing delivered */
    KINESIS_AGG_PARTIAL = 3  /* a bad index or hash key at record `error_record`: the records
                                before it are delivered, the rest lost (KCL logs an error) */
} kinesis_agg_outcome;

/* One user record: views into the blob (valid as long as the blob). */
typedef struct kinesis_agg_user_record {
    const char *partition_key; /* NULL for a passthrough record (use the outer record's key) */
    size_t partition_key_len;
    const char *explicit_hash_key; /* NULL when the record has none; exactly the table string */
    size_t explicit_hash_key_len;
    const uint8_t *data;
    size_t data_len;
    uint64_t sub_sequence_number; /* 0..n-1 inside an aggregate; 0 for a passthrough record */
    int aggregated;               /* 0 for a passthrough record */
} kinesis_agg_user_record;

/* Decoder state. Caller storage; fields are private except through the accessors below. */
typedef struct kinesis_agg_decoder {
    const uint8_t *blob_;
    size_t blob_len_;
    const uint8_t *pb_;
    size_t pb_len_;
    const uint32_t *index_; /* pk entries then ehk entries: offsets into pb_ of the length varint */
    uint32_t pk_count_;
    uint32_t ehk_count_;
    uint64_t record_count_;
    uint64_t deliver_;
    uint64_t next_sub_;
    size_t pos_;
    kinesis_agg_outcome outcome_;
    kinesis_status reason_;
    uint64_t error_record_;
    size_t scratch_needed_;
    int done_;
    uint32_t inline_index_[KINESIS_AGG_DECODER_INLINE_KEYS];
} kinesis_agg_decoder;

/* Check a received record's data and prepare to iterate it. The blob is borrowed and must stay
 * valid and unchanged while records are read. opts NULL = KCL mode over the whole key space.
 * Does bounded work per byte, no allocation, no recursion.
 * KCL mode: returns KINESIS_OK for any blob (the outcome says what happened) except
 *   KINESIS_E_INVALID_ARGUMENT (dec NULL, blob NULL with a length, blob over 4 GiB) and
 *   KINESIS_E_BUFFER_TOO_SMALL (scratch too small: see kinesis_agg_decoder_scratch_needed).
 *   Known differences from the KCL, both only for blobs no KPL writes: an explicit hash key
 *   written with non-ASCII Unicode digits is a bad hash key here (Java's BigInteger accepts
 *   them), and with a shard range a partition key that is not valid UTF-8 is hashed as its
 *   bytes (Java first replaces the invalid sequences with U+FFFD).
 * Strict mode: KINESIS_E_AGG_BAD_MAGIC (no magic: an ordinary record), KINESIS_E_AGG_TOO_SHORT,
 *   KINESIS_E_AGG_BAD_MD5, KINESIS_E_AGG_BAD_PROTOBUF, KINESIS_E_AGG_BAD_INDEX,
 *   KINESIS_E_AGG_BAD_HASH_KEY, KINESIS_E_AGG_OUT_OF_RANGE; then no record is delivered. */
KINESIS_API kinesis_status kinesis_agg_decoder_init(kinesis_agg_decoder *dec, const uint8_t *blob,
                                                    size_t blob_len,
                                                    const kinesis_agg_decode_options *opts);

/* Next user record into *out: 1 when one was produced, 0 at the end. */
KINESIS_API int kinesis_agg_decoder_next(kinesis_agg_decoder *dec, kinesis_agg_user_record *out);

/* What init decided (KCL mode). */
KINESIS_API kinesis_agg_outcome kinesis_agg_decoder_outcome(const kinesis_agg_decoder *dec);
/* Why: KINESIS_OK for AGGREGATED, else the KINESIS_E_AGG_* status strict mode would return. */
KINESIS_API kinesis_status kinesis_agg_decoder_reason(const kinesis_agg_decoder *dec);
/* Index of the record that caused DROPPED or PARTIAL. */
KINESIS_API uint64_t kinesis_agg_decoder_error_record(const kinesis_agg_decoder *dec);
/* User records the blob holds (0 for passthrough), and how many will be delivered. */
KINESIS_API uint64_t kinesis_agg_decoder_record_count(const kinesis_agg_decoder *dec);
KINESIS_API uint64_t kinesis_agg_decoder_deliver_count(const kinesis_agg_decoder *dec);
/* After KINESIS_E_BUFFER_TOO_SMALL: scratch entries needed for this blob. */
KINESIS_API size_t kinesis_agg_decoder_scratch_needed(const kinesis_agg_decoder *dec);

/* Check the MD5 of many received records at once, for a batch of GetRecords results:
 * md5_ok[i] = 1 when blobs[i] has the magic, more than 16 bytes after it, and a matching MD5
 * (then pass md5_checked = 1 to kinesis_agg_decoder_init for it); else 0. With the default
 * crypto (NULL) on an x86-64 CPU with AVX2 (or AVX-512), sixteen blobs are hashed side by side,
 * several times faster than one by one; a custom crypto's md5 is called per blob. Blobs are
 * borrowed. Errors: KINESIS_E_INVALID_ARGUMENT (NULL arrays with n > 0). Any thread. */
KINESIS_API kinesis_status kinesis_agg_check_md5_many(const kinesis_crypto *crypto, size_t n,
                                                      const uint8_t *const *blobs,
                                                      const size_t *lens, uint8_t *md5_ok);

/* 1 when data starts with the aggregation magic. */
KINESIS_API int kinesis_agg_has_magic(const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif

/* libkinesis: the AWS event-stream framing (application/vnd.amazon.eventstream), as used by
 * SubscribeToShard. A sans-I/O streaming decoder plus a small encoder for caller buffers.
 *
 * Wire format of one message (all integers big-endian):
 *   total length u32 | headers length u32 | prelude CRC32 u32 (over the 8 bytes before it)
 *   | headers | payload | message CRC32 u32 (over every byte before it)
 * Each header: name length u8 | name | value type u8 | value, where the value is nothing (bool),
 * 1/2/4/8 bytes (byte, int16, int32, int64), u16 length + bytes (bytes, string), 8 bytes
 * (timestamp, ms since the epoch) or 16 bytes (uuid). CRC32 is the IEEE/zlib CRC-32.
 *
 * Thread-safety: a decoder belongs to one thread at a time; different decoders may be used on
 * different threads at once. The encoder and the helpers are pure and may be called from any
 * thread. */
#ifndef KINESIS_EVENTSTREAM_H
#define KINESIS_EVENTSTREAM_H

#include "kinesis/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prelude (12 bytes) + message CRC (4 bytes): the smallest possible message. */
#define KINESIS_EVENTSTREAM_MIN_MESSAGE_BYTES 16u
#define KINESIS_EVENTSTREAM_PRELUDE_BYTES 12u
/* Default largest message accepted (16 MiB). A SubscribeToShardEvent carries at most the ~10 MiB
 * a GetRecords call may return, base64-encoded in JSON; AWS's own event-stream decoders use the
 * same 16 MiB bound, so the service does not send more. */
#define KINESIS_EVENTSTREAM_DEFAULT_MAX_MESSAGE_BYTES 16777216u
/* Default largest header section accepted (128 KiB, as AWS's decoders use). */
#define KINESIS_EVENTSTREAM_DEFAULT_MAX_HEADERS_BYTES 131072u
/* Most headers one message may carry; more is a decode error (KINESIS's messages use 3-4). */
#define KINESIS_EVENTSTREAM_MAX_HEADERS 32u

/* Header value types; the values are the wire codes. */
typedef enum kinesis_eventstream_header_type {
    KINESIS_EVENTSTREAM_BOOL_TRUE = 0,
    KINESIS_EVENTSTREAM_BOOL_FALSE = 1,
    KINESIS_EVENTSTREAM_BYTE = 2,      /* signed 8-bit */
    KINESIS_EVENTSTREAM_INT16 = 3,     /* signed */
    KINESIS_EVENTSTREAM_INT32 = 4,     /* signed */
    KINESIS_EVENTSTREAM_INT64 = 5,     /* signed */
    KINESIS_EVENTSTREAM_BYTES = 6,     /* u16 length + bytes */
    KINESIS_EVENTSTREAM_STRING = 7,    /* u16 length + UTF-8 bytes (not checked, no NUL) */
    KINESIS_EVENTSTREAM_TIMESTAMP = 8, /* int64 milliseconds since the epoch */
    KINESIS_EVENTSTREAM_UUID = 9       /* 16 bytes */
} kinesis_eventstream_header_type;

/* One header. In a decoded message every pointer is a view into the decoder's (or the fed)
 * memory, valid only during the message callback. For the encoder the caller fills it in.
 *   name/name_len:   1 to 255 bytes, not NUL-terminated.
 *   int_value:       BOOL_TRUE 1, BOOL_FALSE 0, BYTE/INT16/INT32/INT64 the sign-extended value,
 *                    TIMESTAMP the milliseconds; 0 for the other types.
 *   bytes/bytes_len: BYTES and STRING the value (up to 65535 bytes), UUID its 16 bytes; NULL/0 for
 *                    the other types. */
typedef struct kinesis_eventstream_header {
    const char *name;
    size_t name_len;
    kinesis_eventstream_header_type type;
    int64_t int_value;
    const uint8_t *bytes;
    size_t bytes_len;
} kinesis_eventstream_header;

/* A complete, CRC-verified message, handed to the message callback. Everything is a view valid
 * only during the callback; copy what you keep. raw/raw_len is the whole message as received
 * (prelude to message CRC), for logging or forwarding. */
typedef struct kinesis_eventstream_message {
    const kinesis_eventstream_header *headers;
    size_t header_count;
    const uint8_t *payload; /* never NULL, even when payload_len is 0 */
    size_t payload_len;
    const uint8_t *raw;
    size_t raw_len;
} kinesis_eventstream_message;

/* Which check failed, when the decoder reports KINESIS_E_EVENT_STREAM. Append only. */
typedef enum kinesis_eventstream_error {
    KINESIS_EVENTSTREAM_ERR_NONE = 0,
    KINESIS_EVENTSTREAM_ERR_PRELUDE_CRC,       /* prelude CRC mismatch */
    KINESIS_EVENTSTREAM_ERR_MESSAGE_CRC,       /* message CRC mismatch */
    KINESIS_EVENTSTREAM_ERR_TOTAL_TOO_SMALL,   /* total length below 16 */
    KINESIS_EVENTSTREAM_ERR_TOTAL_TOO_LARGE,   /* total length above max_message_bytes */
    KINESIS_EVENTSTREAM_ERR_HEADERS_TOO_LARGE, /* headers length above max_headers_bytes */
    KINESIS_EVENTSTREAM_ERR_HEADERS_LENGTH,    /* headers length exceeds total length - 16 */
    KINESIS_EVENTSTREAM_ERR_HEADER_TRUNCATED,  /* a header overruns the header section */
    KINESIS_EVENTSTREAM_ERR_HEADER_TYPE,       /* unknown header value type */
    KINESIS_EVENTSTREAM_ERR_HEADER_NAME_EMPTY, /* header name of length 0 */
    KINESIS_EVENTSTREAM_ERR_HEADER_DUPLICATE,  /* the same header name twice in one message */
    KINESIS_EVENTSTREAM_ERR_TOO_MANY_HEADERS,  /* more than KINESIS_EVENTSTREAM_MAX_HEADERS */
    KINESIS_EVENTSTREAM_ERR_TRUNCATED          /* the stream ended inside a message */
} kinesis_eventstream_error;

/* One-line English description of an error detail; a static string ("unknown" out of range). */
KINESIS_API const char *kinesis_eventstream_error_str(kinesis_eventstream_error error);

/* IEEE/zlib CRC-32 of data[0..len), continuing from `crc` (start with 0), as zlib's crc32().
 * Pure; any thread. */
KINESIS_API uint32_t kinesis_eventstream_crc32(uint32_t crc, const void *data, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* Decoder                                                                                     */

typedef struct kinesis_eventstream_decoder_options {
    /* Largest message accepted, in bytes (total length field). 0 = the default (16 MiB, or the
     * fixed buffer's size when that is smaller); else at least 16. */
    uint32_t max_message_bytes;
    /* Largest header section accepted. 0 = KINESIS_EVENTSTREAM_DEFAULT_MAX_HEADERS_BYTES. */
    uint32_t max_headers_bytes;
    /* Allocator for the message buffer; NULL = default. Borrowed: must outlive the decoder.
     * Unused with a fixed buffer. */
    const kinesis_allocator *allocator;
    /* Optional caller buffer (at least 16 bytes) used instead of allocating: then the decoder
     * never allocates, and max_message_bytes may not exceed buffer_cap. Borrowed until
     * clean_up. */
    uint8_t *buffer;
    size_t buffer_cap;
} kinesis_eventstream_decoder_options;

/* Called once per complete, verified message, in stream order. `message` and everything it
 * points to are valid only during the call. Return 0 to go on, nonzero to stop (the feed call
 * then returns KINESIS_E_CANCELLED). Must not call feed/finish/reset/clean_up on the same
 * decoder. */
typedef int (*kinesis_eventstream_message_fn)(void *user,
                                              const kinesis_eventstream_message *message);

/* The decoder. Caller-allocated (stack, struct member...), set up with _init; the fields are
 * private. It buffers at most one partial message: a message that arrives whole in one feed is
 * decoded in place without copying. The buffer grows (through the allocator, doubling) only as
 * bytes of a partial message arrive, up to that message's length, and is kept for reuse until
 * clean_up. */
typedef struct kinesis_eventstream_decoder {
    const kinesis_allocator *allocator_;
    uint8_t *buf_;
    size_t cap_;
    size_t len_;    /* bytes of the current message in buf_ (0 while reading the prelude) */
    uint32_t need_; /* total length of the current message; 0 while reading the prelude */
    uint32_t hlen_; /* headers length of the current message */
    uint32_t max_message_;
    uint32_t max_headers_;
    uint8_t prelude_[KINESIS_EVENTSTREAM_PRELUDE_BYTES];
    uint8_t prelude_len_;
    uint8_t fixed_buf_;
    uint8_t in_callback_;
    kinesis_status status_;
    kinesis_eventstream_error error_;
    kinesis_eventstream_header headers_[KINESIS_EVENTSTREAM_MAX_HEADERS];
} kinesis_eventstream_decoder;

/* Set up `dec` (options NULL = defaults). Does not allocate. Returns KINESIS_E_INVALID_ARGUMENT
 * for a NULL dec, max_message_bytes in 1..15, a fixed buffer under 16 bytes (or buffer_cap without
 * a buffer), or max_message_bytes above a fixed buffer's size; `dec` is then unusable (clean_up
 * is still safe). */
KINESIS_API kinesis_status kinesis_eventstream_decoder_init(
    kinesis_eventstream_decoder *dec, const kinesis_eventstream_decoder_options *options);

/* Free the decoder's buffer (not a caller's fixed buffer). Safe on a zeroed or failed-init
 * decoder and twice; NULL is ignored; a no-op when called from the message callback. */
KINESIS_API void kinesis_eventstream_decoder_clean_up(kinesis_eventstream_decoder *dec);

/* Back to the initial state for a new stream: drops any partial message and clears the error
 * state; keeps the buffer. A no-op on a failed-init decoder or from the message callback. */
KINESIS_API void kinesis_eventstream_decoder_reset(kinesis_eventstream_decoder *dec);

/* Feed the next `len` bytes of the stream (any chunking, down to 1 byte at a time). Calls
 * `on_message` (may be NULL to only validate) for each message completed by these bytes.
 * `consumed` (may be NULL) receives how many of the bytes were taken: all of them on KINESIS_OK;
 * on KINESIS_E_CANCELLED or KINESIS_E_NO_MEMORY feeding data[consumed..len) later continues the
 * stream.
 * Returns:
 *   KINESIS_OK                  all bytes taken (a partial message may be buffered).
 *   KINESIS_E_CANCELLED         the callback returned nonzero; bytes after that message were not
 *                               taken. The decoder is fine.
 *   KINESIS_E_NO_MEMORY         the buffer could not grow; nothing is lost, feed the rest again.
 *   KINESIS_E_EVENT_STREAM      malformed input (kinesis_eventstream_decoder_error says which
 *                               check failed). Sticky: the stream cannot be resynchronised, so
 *                               every later feed/finish returns it again until reset.
 *   KINESIS_E_INVALID_ARGUMENT  NULL dec, NULL data with len > 0, a failed init, or a call from
 *                               inside the callback. */
KINESIS_API kinesis_status kinesis_eventstream_decoder_feed(
    kinesis_eventstream_decoder *dec, const uint8_t *data, size_t len,
    kinesis_eventstream_message_fn on_message, void *user, size_t *consumed);

/* End of stream: KINESIS_OK when no partial message is pending, else KINESIS_E_EVENT_STREAM with
 * KINESIS_EVENTSTREAM_ERR_TRUNCATED (sticky, like any decode error). */
KINESIS_API kinesis_status kinesis_eventstream_decoder_finish(kinesis_eventstream_decoder *dec);

/* The detail of the decoder's sticky error; KINESIS_EVENTSTREAM_ERR_NONE when it has none. */
KINESIS_API kinesis_eventstream_error
kinesis_eventstream_decoder_error(const kinesis_eventstream_decoder *dec);

/* ------------------------------------------------------------------------------------------ */
/* Message helpers (pure; any thread)                                                          */

/* The header named `name` (NUL-terminated, exact byte match), or NULL. */
KINESIS_API const kinesis_eventstream_header *
kinesis_eventstream_find_header(const kinesis_eventstream_message *message, const char *name);

/* 1 and the value view when header `name` exists and is a STRING, else 0 (outputs untouched). */
KINESIS_API int kinesis_eventstream_get_string(const kinesis_eventstream_message *message,
                                               const char *name, const char **value,
                                               size_t *value_len);

/* 1 and the value when header `name` exists and is BYTE, INT16, INT32, INT64 or TIMESTAMP, else
 * 0 (output untouched). */
KINESIS_API int kinesis_eventstream_get_int(const kinesis_eventstream_message *message,
                                            const char *name, int64_t *value);

/* What the `:message-type` header says. */
typedef enum kinesis_eventstream_message_kind {
    KINESIS_EVENTSTREAM_MESSAGE_UNKNOWN = 0, /* missing, not a string, or another value */
    KINESIS_EVENTSTREAM_MESSAGE_EVENT,       /* "event": see :event-type */
    KINESIS_EVENTSTREAM_MESSAGE_EXCEPTION,   /* "exception": see :exception-type */
    KINESIS_EVENTSTREAM_MESSAGE_ERROR        /* "error": see :error-code, :error-message */
} kinesis_eventstream_message_kind;

KINESIS_API kinesis_eventstream_message_kind
kinesis_eventstream_message_type(const kinesis_eventstream_message *message);

/* ------------------------------------------------------------------------------------------ */
/* Encoder                                                                                     */

/* Encode one message into out[0..cap). Headers are written in the given order, as given: the
 * encoder writes anything the wire can carry, including what the decoder rejects (empty names,
 * repeated names, more than KINESIS_EVENTSTREAM_MAX_HEADERS headers), for fault injection.
 * BOOL_TRUE/BOOL_FALSE ignore int_value; BYTE/INT16/INT32 take its low bits. `payload` may be
 * NULL when payload_len is 0. `out_len` (may be NULL) receives the message's size, also when the
 * buffer is too small, so a call with cap 0 measures. Returns KINESIS_E_INVALID_ARGUMENT for a
 * header name over 255 bytes, an unknown type, a BYTES/STRING value over 65535 bytes, a UUID not
 * 16 bytes, NULL pointers with nonzero lengths, or a message over UINT32_MAX bytes;
 * KINESIS_E_BUFFER_TOO_SMALL (nothing written) if cap is too small. Pure; any thread. */
KINESIS_API kinesis_status kinesis_eventstream_encode(const kinesis_eventstream_header *headers,
                                                      size_t header_count, const uint8_t *payload,
                                                      size_t payload_len, uint8_t *out, size_t cap,
                                                      size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif

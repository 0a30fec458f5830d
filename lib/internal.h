/* Internal helpers shared by the library's sources: allocation, growable buffers, logging.
 * Not installed. */
#ifndef KINESIS_INTERNAL_H
#define KINESIS_INTERNAL_H

#include "kinesis/common.h"
#include "kinesis/status.h"

#include <stdbool.h>
#include <string.h>

#if defined(__GNUC__)
#define KINESIS_PRINTF(fmt_idx, args_idx) __attribute__((format(printf, fmt_idx, args_idx)))
#else
#define KINESIS_PRINTF(fmt_idx, args_idx)
#endif

#define KINESIS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- allocation (NULL allocator = default) ---- */
const kinesis_allocator *kinesis_alloc_or_default(const kinesis_allocator *a);
void *kinesis_mem_alloc(const kinesis_allocator *a, size_t size);
void *kinesis_mem_calloc(const kinesis_allocator *a, size_t count, size_t size);
void *kinesis_mem_realloc(const kinesis_allocator *a, void *ptr, size_t old_size, size_t new_size);
void kinesis_mem_free(const kinesis_allocator *a, void *ptr);
char *kinesis_strdup(const kinesis_allocator *a, const char *s);
char *kinesis_strndup(const kinesis_allocator *a, const char *s, size_t len);

/* ---- growable byte buffer; always NUL-terminated after data[len] when data != NULL ---- */
typedef struct kinesis_buf {
    char *data;
    size_t len;
    size_t cap;
    const kinesis_allocator *allocator;
    bool failed; /* an append ran out of memory; later appends are no-ops */
} kinesis_buf;

void kinesis_buf_init(kinesis_buf *b, const kinesis_allocator *a);
void kinesis_buf_clean_up(kinesis_buf *b);
void kinesis_buf_reset(kinesis_buf *b);
bool kinesis_buf_reserve(kinesis_buf *b, size_t extra);
bool kinesis_buf_append(kinesis_buf *b, const void *data, size_t len);
bool kinesis_buf_append_str(kinesis_buf *b, const char *s);
bool kinesis_buf_append_char(kinesis_buf *b, char c);
bool kinesis_buf_appendf(kinesis_buf *b, const char *fmt, ...) KINESIS_PRINTF(2, 3);
/* Hand the data over to the caller (free with the buffer's allocator); the buffer is reset. */
char *kinesis_buf_detach(kinesis_buf *b, size_t *len_out);

/* ---- logging ---- */
typedef struct kinesis_logger {
    kinesis_log_fn fn;
    void *user;
    kinesis_log_level level;
} kinesis_logger;

void kinesis_log(const kinesis_logger *log, kinesis_log_level level, const char *fmt, ...)
    KINESIS_PRINTF(3, 4);
#define KINESIS_LOG_ENABLED(log, lvl) ((log) && (log)->fn && (lvl) <= (log)->level)

/* ---- errors ---- */
/* Set err->status and a formatted message (type, request id left as they are); returns status.
 * err may be NULL. */
kinesis_status kinesis_error_set(kinesis_error *err, kinesis_status status, const char *fmt, ...)
    KINESIS_PRINTF(3, 4);
/* Copy `len` bytes of `src` into dst[cap], NUL-terminate, mark truncation with "...". */
void kinesis_copy_truncated(char *dst, size_t cap, const char *src, size_t len);

/* Copy a NUL-terminated string (NULL = "") into dst[cap], truncation marked as above. */
void kinesis_copy_string(char *dst, size_t cap, const char *src);

/* ---- small utilities ---- */
int kinesis_strcasecmp_ascii(const char *a, const char *b);
int kinesis_strncasecmp_ascii(const char *a, const char *b, size_t n);
/* Unicode characters in s[0..len) when it is valid UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF), else -1. Service limits count characters, not bytes. */
long kinesis_utf8_char_count(const char *s, size_t len);
/* The same, and -1 when s holds a NUL byte (a key that a C string would cut short). */
long kinesis_utf8_char_count_no_nul(const char *s, size_t len);
/* Milliseconds since the epoch (wall clock) and since an arbitrary point (monotonic). */
int64_t kinesis_now_wall_ms(void);
int64_t kinesis_now_mono_ms(void);
void kinesis_sleep_ms(uint32_t ms);

#endif

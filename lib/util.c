/* Allocation, buffers, logging and error helpers shared by the whole library. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

const char *kinesis_version(void) { return KINESIS_VERSION_STRING; }

static void *default_alloc(void *user, size_t size) {
    (void)user;
    return malloc(size ? size : 1);
}
static void *default_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
    (void)user;
    (void)old_size;
    return realloc(ptr, new_size ? new_size : 1);
}
static void default_free(void *user, void *ptr) {
    (void)user;
    free(ptr);
}
static const kinesis_allocator default_allocator = {default_alloc, default_realloc, default_free,
                                                    NULL};

const kinesis_allocator *kinesis_default_allocator(void) { return &default_allocator; }

const kinesis_allocator *kinesis_alloc_or_default(const kinesis_allocator *a) {
    return a ? a : &default_allocator;
}

void *kinesis_mem_alloc(const kinesis_allocator *a, size_t size) {
    a = kinesis_alloc_or_default(a);
    return a->alloc(a->user, size);
}

void *kinesis_mem_calloc(const kinesis_allocator *a, size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = kinesis_mem_alloc(a, count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void *kinesis_mem_realloc(const kinesis_allocator *a, void *ptr, size_t old_size, size_t new_size) {
    a = kinesis_alloc_or_default(a);
    if (a->realloc) return a->realloc(a->user, ptr, old_size, new_size);
    void *p = a->alloc(a->user, new_size);
    if (!p) return NULL;
    if (ptr) {
        memcpy(p, ptr, old_size < new_size ? old_size : new_size);
        a->free(a->user, ptr);
    }
    return p;
}

void kinesis_mem_free(const kinesis_allocator *a, void *ptr) {
    if (!ptr) return;
    a = kinesis_alloc_or_default(a);
    a->free(a->user, ptr);
}

char *kinesis_strndup(const kinesis_allocator *a, const char *s, size_t len) {
    char *p = kinesis_mem_alloc(a, len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *kinesis_strdup(const kinesis_allocator *a, const char *s) {
    return s ? kinesis_strndup(a, s, strlen(s)) : NULL;
}

void kinesis_buf_init(kinesis_buf *b, const kinesis_allocator *a) {
    memset(b, 0, sizeof(*b));
    b->allocator = kinesis_alloc_or_default(a);
}

void kinesis_buf_clean_up(kinesis_buf *b) {
    kinesis_mem_free(b->allocator, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

void kinesis_buf_reset(kinesis_buf *b) {
    b->len = 0;
    b->failed = false;
    if (b->data) b->data[0] = '\0';
}

bool kinesis_buf_reserve(kinesis_buf *b, size_t extra) {
    if (b->failed) return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = kinesis_mem_realloc(b->allocator, b->data, b->cap, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

bool kinesis_buf_append(kinesis_buf *b, const void *data, size_t len) {
    if (!kinesis_buf_reserve(b, len)) return false;
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

bool kinesis_buf_append_str(kinesis_buf *b, const char *s) {
    return kinesis_buf_append(b, s, strlen(s));
}

bool kinesis_buf_append_char(kinesis_buf *b, char c) { return kinesis_buf_append(b, &c, 1); }

bool kinesis_buf_appendf(kinesis_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    bool ok = n >= 0 && kinesis_buf_reserve(b, (size_t)n);
    if (ok) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
    return ok;
}

char *kinesis_buf_detach(kinesis_buf *b, size_t *len_out) {
    if (!b->data && !b->failed) kinesis_buf_reserve(b, 0);
    char *p = b->failed ? NULL : b->data;
    if (len_out) *len_out = p ? b->len : 0;
    if (!p) kinesis_mem_free(b->allocator, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
    return p;
}

const char *kinesis_log_level_name(kinesis_log_level level) {
    static const char *const names[] = {"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
    return (unsigned)level < KINESIS_ARRAY_LEN(names) ? names[level] : "UNKNOWN";
}

void kinesis_log(const kinesis_logger *log, kinesis_log_level level, const char *fmt, ...) {
    if (!KINESIS_LOG_ENABLED(log, level)) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log->fn(log->user, level, line);
}

void kinesis_copy_truncated(char *dst, size_t cap, const char *src, size_t len) {
    if (!dst || cap == 0) return;
    if (len < cap) {
        if (len) memcpy(dst, src, len);
        dst[len] = '\0';
        return;
    }
    memcpy(dst, src, cap - 1);
    dst[cap - 1] = '\0';
    if (cap > 4) memcpy(dst + cap - 4, "...", 3);
}

void kinesis_copy_string(char *dst, size_t cap, const char *src) {
    kinesis_copy_truncated(dst, cap, src ? src : "", src ? strlen(src) : 0);
}

void kinesis_error_clear(kinesis_error *err) {
    if (err) memset(err, 0, sizeof(*err));
}

kinesis_status kinesis_error_set(kinesis_error *err, kinesis_status status, const char *fmt, ...) {
    if (!err) return status;
    err->status = status;
    char tmp[KINESIS_ERROR_MESSAGE_MAX + 8];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    size_t len = (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
    kinesis_copy_truncated(err->message, sizeof(err->message), tmp, len);
    return status;
}

int kinesis_strncasecmp_ascii(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];
        if (ca >= 'A' && ca <= 'Z') ca = (unsigned char)(ca + 32);
        if (cb >= 'A' && cb <= 'Z') cb = (unsigned char)(cb + 32);
        if (ca != cb) return ca < cb ? -1 : 1;
        if (!ca) return 0;
    }
    return 0;
}

int kinesis_strcasecmp_ascii(const char *a, const char *b) {
    return kinesis_strncasecmp_ascii(a, b, SIZE_MAX);
}

/* Both counters below; refuse_nul is a constant in each, so each gets its own loop. */
static inline long utf8_char_count(const char *s, size_t len, int refuse_nul) {
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    long count = 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        /* Keys and names are mostly ASCII, and keys are checked for every record put: eight
         * ASCII bytes are eight characters, taken a word at a time (with refuse_nul, eight
         * bytes that are not zero either: a zero byte sets its top bit in (w - ones) & ~w). */
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if ((w | (refuse_nul ? (w - ones) & ~w : 0)) & highs) break;
            p += 8;
            count += 8;
        }
        if (p == end) break;
        unsigned char ch = *p;
        size_t n;
        uint32_t cp;
        if (ch == 0 && refuse_nul) return -1;
        if (ch < 0x80)
            n = 1, cp = ch;
        else if ((ch & 0xE0) == 0xC0)
            n = 2, cp = ch & 0x1F;
        else if ((ch & 0xF0) == 0xE0)
            n = 3, cp = ch & 0x0F;
        else if ((ch & 0xF8) == 0xF0)
            n = 4, cp = ch & 0x07;
        else
            return -1;
        if ((size_t)(end - p) < n) return -1;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80) return -1;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return -1;
        p += n;
        count++;
    }
    return count;
}

long kinesis_utf8_char_count(const char *s, size_t len) { return utf8_char_count(s, len, 0); }

long kinesis_utf8_char_count_no_nul(const char *s, size_t len) {
    return utf8_char_count(s, len, 1);
}

int64_t kinesis_now_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kinesis_now_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kinesis_sleep_ms(uint32_t ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

void kinesis_free(const kinesis_allocator *allocator, void *ptr) {
    kinesis_mem_free(allocator, ptr);
}

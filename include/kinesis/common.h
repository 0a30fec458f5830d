/* libkinesis: things every header needs — export macro, version, allocator hooks, logging.
 *
 * Thread-safety: everything here is plain data or pure functions; safe from any thread. */
#ifndef KINESIS_COMMON_H
#define KINESIS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && defined(KINESIS_SHARED_BUILD)
#define KINESIS_API __declspec(dllexport)
#elif defined(__GNUC__)
#define KINESIS_API __attribute__((visibility("default")))
#else
#define KINESIS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define KINESIS_VERSION_MAJOR 0
#define KINESIS_VERSION_MINOR 1
#define KINESIS_VERSION_PATCH 0
#define KINESIS_VERSION_STRING "0.1.0"

/* The library's version as "MAJOR.MINOR.PATCH"; a static string. */
KINESIS_API const char *kinesis_version(void);

/* Allocator hooks. Every object that allocates takes an optional allocator (NULL = malloc/free)
 * and frees with the same one. `realloc` may be NULL, in which case alloc+copy+free is used.
 * The hooks may be called from any thread the object is used on; they must be thread-safe if the
 * object is shared. */
typedef struct kinesis_allocator {
    void *(*alloc)(void *user, size_t size);
    void *(*realloc)(void *user, void *ptr, size_t old_size, size_t new_size);
    void (*free)(void *user, void *ptr);
    void *user;
} kinesis_allocator;

/* The malloc/realloc/free allocator used when none is given. Static; never NULL. */
KINESIS_API const kinesis_allocator *kinesis_default_allocator(void);

/* Free memory the library handed to the caller, with the allocator it was allocated with
 * (NULL = default). A NULL ptr is ignored. Any thread. */
KINESIS_API void kinesis_free(const kinesis_allocator *allocator, void *ptr);

/* Log levels, most severe first. The library is silent unless a log callback is set. */
typedef enum kinesis_log_level {
    KINESIS_LOG_OFF = 0,
    KINESIS_LOG_ERROR = 1,
    KINESIS_LOG_WARN = 2,
    KINESIS_LOG_INFO = 3,
    KINESIS_LOG_DEBUG = 4,
    KINESIS_LOG_TRACE = 5
} kinesis_log_level;

/* Log callback: `message` is a NUL-terminated line without a trailing newline, valid only during
 * the call. Called from whichever thread logs; must be thread-safe when the object is shared.
 * Secrets (secret keys, session tokens, signatures' keys) are never passed to it. */
typedef void (*kinesis_log_fn)(void *user, kinesis_log_level level, const char *message);

/* Name of a log level ("ERROR", "WARN", ...); a static string. */
KINESIS_API const char *kinesis_log_level_name(kinesis_log_level level);

#ifdef __cplusplus
}
#endif
#endif

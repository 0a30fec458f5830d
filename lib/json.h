/* Internal JSON support for the client: an arena, a small DOM parsed with yajl (bounded depth,
 * allocation through the client's allocator), and writer helpers that append to a kinesis_buf. */
#ifndef KINESIS_JSON_H
#define KINESIS_JSON_H

#include "internal.h"

/* ---- arena: bump allocation in chunks, freed all at once ---- */
typedef struct kinesis_arena kinesis_arena;

kinesis_arena *kinesis_arena_new(const kinesis_allocator *a);
void kinesis_arena_destroy(kinesis_arena *arena);
void *kinesis_arena_alloc(kinesis_arena *arena, size_t size); /* 8-byte aligned, zeroed */
char *kinesis_arena_strndup(kinesis_arena *arena, const char *s, size_t len);

/* ---- DOM ---- */
typedef enum kjson_type {
    KJSON_NULL,
    KJSON_BOOL,
    KJSON_NUMBER, /* raw text kept in str/len */
    KJSON_STRING,
    KJSON_ARRAY,
    KJSON_OBJECT
} kjson_type;

typedef struct kjson kjson;
struct kjson {
    kjson_type type;
    bool boolean;
    const char *str; /* STRING: unescaped, NUL-terminated; NUMBER: the literal */
    size_t len;
    size_t count;      /* ARRAY/OBJECT */
    kjson **items;     /* ARRAY/OBJECT values */
    const char **keys; /* OBJECT keys */
};

#define KJSON_MAX_DEPTH 64

/* Parse a complete JSON text. KINESIS_E_BAD_RESPONSE (with a message in err) when it is not
 * valid, complete JSON or nests deeper than KJSON_MAX_DEPTH; KINESIS_E_NO_MEMORY. */
kinesis_status kjson_parse(kinesis_arena *arena, const char *text, size_t len, kjson **out,
                           kinesis_error *err);

/* Member of an object (NULL when absent, when obj is not an object). */
const kjson *kjson_get(const kjson *obj, const char *key);
/* String member, NULL when absent, null, or not a string. */
const char *kjson_get_string(const kjson *obj, const char *key);
/* Numeric member as double / int64; returns false when absent/null/not a number. */
bool kjson_get_double(const kjson *obj, const char *key, double *out);
bool kjson_get_int64(const kjson *obj, const char *key, int64_t *out);
bool kjson_get_bool(const kjson *obj, const char *key, bool *out);
/* Array member (NULL when absent/null/not an array). */
const kjson *kjson_get_array(const kjson *obj, const char *key);

/* ---- writer helpers ---- */
/* Append s[0..len) as a JSON string literal (quoted, escaped). */
bool kjson_append_string(kinesis_buf *b, const char *s, size_t len);
bool kjson_append_cstring(kinesis_buf *b, const char *s);
/* Append "key": as an object member prefix, with a leading comma unless *first. */
bool kjson_append_key(kinesis_buf *b, const char *key, bool *first);
/* Append the bytes as a base64 JSON string literal. */
bool kjson_append_base64(kinesis_buf *b, const uint8_t *data, size_t len);
/* Append a JSON number for a double without loss (%.17g, finite only). */
bool kjson_append_double(kinesis_buf *b, double value);

#endif

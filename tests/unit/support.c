#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *test_data_path(const char *relative) {
    static char path[4096];
    if (relative[0] == '/')
        snprintf(path, sizeof(path), "%s", relative);
    else
        snprintf(path, sizeof(path), "%s/%s", KINESIS_TEST_DATA, relative);
    return path;
}

uint8_t *test_read_file(const char *relative, size_t *len_out) {
    FILE *f = fopen(test_data_path(relative), "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap + 1);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            uint8_t *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf) buf[len] = 0;
    if (len_out) *len_out = len;
    return buf;
}

static void *ta_alloc(void *user, size_t size) {
    test_allocator *t = user;
    long ordinal = ++t->total;
    if (t->fail_at && ordinal == t->fail_at) return NULL;
    void *p = malloc(size ? size : 1);
    if (p) t->live++;
    return p;
}
static void *ta_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
    test_allocator *t = user;
    (void)old_size;
    long ordinal = ++t->total;
    if (t->fail_at && ordinal == t->fail_at) return NULL;
    void *p = realloc(ptr, new_size ? new_size : 1);
    if (p && !ptr) t->live++;
    return p;
}
static void ta_free(void *user, void *ptr) {
    test_allocator *t = user;
    if (ptr) t->live--;
    free(ptr);
}

void test_allocator_init(test_allocator *t) {
    memset(t, 0, sizeof(*t));
    t->base.alloc = ta_alloc;
    t->base.realloc = ta_realloc;
    t->base.free = ta_free;
    t->base.user = t;
}

/* Arena, yajl-backed DOM and JSON writer helpers (see json.h). */
#include "json.h"

#include <math.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <yajl/yajl_parse.h>

#include "kinesis/base64.h"

/* ---- arena ---- */
typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    max_align_t data[]; /* cap bytes follow */
} arena_chunk;

struct kinesis_arena {
    const kinesis_allocator *allocator;
    arena_chunk *head;
};

kinesis_arena *kinesis_arena_new(const kinesis_allocator *a) {
    kinesis_arena *arena = kinesis_mem_calloc(a, 1, sizeof(*arena));
    if (arena) arena->allocator = kinesis_alloc_or_default(a);
    return arena;
}

void kinesis_arena_destroy(kinesis_arena *arena) {
    if (!arena) return;
    for (arena_chunk *c = arena->head, *next; c; c = next) {
        next = c->next;
        kinesis_mem_free(arena->allocator, c);
    }
    kinesis_mem_free(arena->allocator, arena);
}

void *kinesis_arena_alloc(kinesis_arena *arena, size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    arena_chunk *c = arena->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > 16384 ? size : 16384;
        c = kinesis_mem_alloc(arena->allocator, sizeof(arena_chunk) + cap);
        if (!c) return NULL;
        c->used = 0;
        c->cap = cap;
        /* Big one-off blocks go behind the head so the head keeps its free space. */
        if (arena->head && size > 16384) {
            c->next = arena->head->next;
            arena->head->next = c;
        } else {
            c->next = arena->head;
            arena->head = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *kinesis_arena_strndup(kinesis_arena *arena, const char *s, size_t len) {
    char *p = kinesis_arena_alloc(arena, len + 1);
    if (p && len) memcpy(p, s, len);
    return p;
}

/* ---- DOM building from yajl events ---- */
typedef struct pending_child {
    struct pending_child *next;
    const char *key;
    kjson *value;
} pending_child;

typedef struct open_container {
    kjson *node;
    pending_child *first, *last;
    const char *pending_key;
} open_container;

typedef struct dom_builder {
    kinesis_arena *arena;
    open_container stack[KJSON_MAX_DEPTH];
    int depth;
    kjson *root;
    bool too_deep;
    bool no_memory;
} dom_builder;

static int add_value(dom_builder *b, kjson *v) {
    if (!v) {
        b->no_memory = true;
        return 0;
    }
    if (b->depth == 0) {
        b->root = v;
        return 1;
    }
    open_container *top = &b->stack[b->depth - 1];
    pending_child *pc = kinesis_arena_alloc(b->arena, sizeof(*pc));
    if (!pc) {
        b->no_memory = true;
        return 0;
    }
    pc->key = top->pending_key;
    pc->value = v;
    top->pending_key = NULL;
    if (top->last)
        top->last->next = pc;
    else
        top->first = pc;
    top->last = pc;
    top->node->count++;
    return 1;
}

static kjson *new_node(dom_builder *b, kjson_type t) {
    kjson *n = kinesis_arena_alloc(b->arena, sizeof(*n));
    if (n) n->type = t;
    return n;
}

static int on_null(void *ctx) { return add_value(ctx, new_node(ctx, KJSON_NULL)); }

static int on_boolean(void *ctx, int v) {
    kjson *n = new_node(ctx, KJSON_BOOL);
    if (n) n->boolean = v != 0;
    return add_value(ctx, n);
}

static int on_number(void *ctx, const char *s, size_t len) {
    dom_builder *b = ctx;
    kjson *n = new_node(b, KJSON_NUMBER);
    if (n) {
        n->str = kinesis_arena_strndup(b->arena, s, len);
        n->len = len;
        if (!n->str) n = NULL;
    }
    return add_value(b, n);
}

static int on_string(void *ctx, const unsigned char *s, size_t len) {
    dom_builder *b = ctx;
    kjson *n = new_node(b, KJSON_STRING);
    if (n) {
        n->str = kinesis_arena_strndup(b->arena, (const char *)s, len);
        n->len = len;
        if (!n->str) n = NULL;
    }
    return add_value(b, n);
}

static int open_node(dom_builder *b, kjson_type t) {
    if (b->depth >= KJSON_MAX_DEPTH) {
        b->too_deep = true;
        return 0;
    }
    kjson *n = new_node(b, t);
    if (!n || !add_value(b, n)) {
        b->no_memory = true;
        return 0;
    }
    open_container *c = &b->stack[b->depth++];
    memset(c, 0, sizeof(*c));
    c->node = n;
    return 1;
}

static int close_node(dom_builder *b) {
    open_container *c = &b->stack[--b->depth];
    kjson *n = c->node;
    if (n->count) {
        n->items = kinesis_arena_alloc(b->arena, n->count * sizeof(kjson *));
        if (n->type == KJSON_OBJECT)
            n->keys = kinesis_arena_alloc(b->arena, n->count * sizeof(char *));
        if (!n->items || (n->type == KJSON_OBJECT && !n->keys)) {
            b->no_memory = true;
            return 0;
        }
        size_t i = 0;
        for (pending_child *pc = c->first; pc; pc = pc->next, i++) {
            n->items[i] = pc->value;
            if (n->keys) n->keys[i] = pc->key ? pc->key : "";
        }
    }
    return 1;
}

static int on_start_map(void *ctx) { return open_node(ctx, KJSON_OBJECT); }
static int on_end_map(void *ctx) { return close_node(ctx); }
static int on_start_array(void *ctx) { return open_node(ctx, KJSON_ARRAY); }
static int on_end_array(void *ctx) { return close_node(ctx); }

static int on_map_key(void *ctx, const unsigned char *key, size_t len) {
    dom_builder *b = ctx;
    char *k = kinesis_arena_strndup(b->arena, (const char *)key, len);
    if (!k) {
        b->no_memory = true;
        return 0;
    }
    b->stack[b->depth - 1].pending_key = k;
    return 1;
}

static const yajl_callbacks dom_callbacks = {
    on_null,      on_boolean, NULL,       NULL,           on_number,    on_string,
    on_start_map, on_map_key, on_end_map, on_start_array, on_end_array,
};

/* yajl 2.x does not check its allocations, so an allocation failure inside it must not return
 * NULL into yajl: the hooks jump back to kjson_parse instead, which frees every block yajl still
 * holds. Each block carries a header linking it into that list and remembering its size (yajl's
 * realloc does not pass the old size, which an allocator without realloc needs). */
typedef struct yajl_block {
    struct yajl_block *prev, *next;
    size_t size;
    max_align_t align_;
} yajl_block;
#define YAJL_BLOCK_HEADER offsetof(yajl_block, align_)

typedef struct yajl_hooks_ctx {
    const kinesis_allocator *allocator;
    yajl_block *blocks;
    jmp_buf out_of_memory;
} yajl_hooks_ctx;

static void block_link(yajl_hooks_ctx *h, yajl_block *b) {
    b->prev = NULL;
    b->next = h->blocks;
    if (h->blocks) h->blocks->prev = b;
    h->blocks = b;
}

static void block_unlink(yajl_hooks_ctx *h, yajl_block *b) {
    if (b->prev)
        b->prev->next = b->next;
    else
        h->blocks = b->next;
    if (b->next) b->next->prev = b->prev;
}

static void *yajl_hook_malloc(void *ctx, size_t sz) {
    yajl_hooks_ctx *h = ctx;
    yajl_block *b = kinesis_mem_alloc(h->allocator, YAJL_BLOCK_HEADER + sz);
    if (!b) longjmp(h->out_of_memory, 1);
    b->size = sz;
    block_link(h, b);
    return (char *)b + YAJL_BLOCK_HEADER;
}

static void *yajl_hook_realloc(void *ctx, void *ptr, size_t sz) {
    yajl_hooks_ctx *h = ctx;
    if (!ptr) return yajl_hook_malloc(ctx, sz);
    yajl_block *old = (yajl_block *)((char *)ptr - YAJL_BLOCK_HEADER);
    block_unlink(h, old);
    yajl_block *b = kinesis_mem_realloc(h->allocator, old, YAJL_BLOCK_HEADER + old->size,
                                        YAJL_BLOCK_HEADER + sz);
    if (!b) {
        block_link(h, old); /* still owned: freed with the rest */
        longjmp(h->out_of_memory, 1);
    }
    b->size = sz;
    block_link(h, b);
    return (char *)b + YAJL_BLOCK_HEADER;
}

static void yajl_hook_free(void *ctx, void *ptr) {
    yajl_hooks_ctx *h = ctx;
    if (!ptr) return;
    yajl_block *b = (yajl_block *)((char *)ptr - YAJL_BLOCK_HEADER);
    block_unlink(h, b);
    kinesis_mem_free(h->allocator, b);
}

/* Parse with yajl; returns the yajl status, or -1 when an allocation inside yajl failed. Kept
 * apart from kjson_parse so nothing but `hooks` lives across the setjmp. */
static int parse_with_yajl(yajl_hooks_ctx *hooks, dom_builder *b, const char *text, size_t len,
                           kinesis_error *err) {
    yajl_alloc_funcs funcs = {yajl_hook_malloc, yajl_hook_realloc, yajl_hook_free, hooks};
    if (setjmp(hooks->out_of_memory)) {
        while (hooks->blocks) {
            yajl_block *next = hooks->blocks->next;
            kinesis_mem_free(hooks->allocator, hooks->blocks);
            hooks->blocks = next;
        }
        return -1;
    }
    yajl_handle h = yajl_alloc(&dom_callbacks, &funcs, b);
    yajl_status ys = yajl_parse(h, (const unsigned char *)text, len);
    if (ys == yajl_status_ok) ys = yajl_complete_parse(h);
    if (ys != yajl_status_ok && !b->no_memory && !b->too_deep) {
        unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)text, len);
        kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "malformed JSON (%zu bytes): %s", len,
                          (const char *)msg);
        yajl_free_error(h, msg);
    }
    yajl_free(h);
    return (int)ys;
}

kinesis_status kjson_parse(kinesis_arena *arena, const char *text, size_t len, kjson **out,
                           kinesis_error *err) {
    *out = NULL;
    dom_builder *b = kinesis_mem_calloc(arena->allocator, 1, sizeof(*b));
    yajl_hooks_ctx *hooks = kinesis_mem_calloc(arena->allocator, 1, sizeof(*hooks));
    kinesis_status st = KINESIS_OK;
    if (!b || !hooks) {
        st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory parsing JSON");
    } else {
        b->arena = arena;
        hooks->allocator = arena->allocator;
        int ys = parse_with_yajl(hooks, b, text, len, err);
        if (ys < 0 || b->no_memory)
            st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory parsing JSON");
        else if (b->too_deep)
            st = kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "JSON nested deeper than %d levels",
                                   KJSON_MAX_DEPTH);
        else if (ys != yajl_status_ok)
            st = KINESIS_E_BAD_RESPONSE; /* message set by parse_with_yajl */
        else if (!b->root)
            st = kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "empty JSON text");
        else
            *out = b->root;
    }
    kinesis_mem_free(arena->allocator, hooks);
    kinesis_mem_free(arena->allocator, b);
    return st;
}

const kjson *kjson_get(const kjson *obj, const char *key) {
    if (!obj || obj->type != KJSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}

const char *kjson_get_string(const kjson *obj, const char *key) {
    const kjson *v = kjson_get(obj, key);
    return v && v->type == KJSON_STRING ? v->str : NULL;
}

bool kjson_get_double(const kjson *obj, const char *key, double *out) {
    const kjson *v = kjson_get(obj, key);
    if (!v || v->type != KJSON_NUMBER) return false;
    char *end;
    double d = strtod(v->str, &end);
    if (end == v->str) return false;
    *out = d;
    return true;
}

bool kjson_get_int64(const kjson *obj, const char *key, int64_t *out) {
    const kjson *v = kjson_get(obj, key);
    if (!v || v->type != KJSON_NUMBER) return false;
    char *end;
    long long x = strtoll(v->str, &end, 10);
    if (end == v->str) return false;
    *out = x;
    return true;
}

bool kjson_get_bool(const kjson *obj, const char *key, bool *out) {
    const kjson *v = kjson_get(obj, key);
    if (!v || v->type != KJSON_BOOL) return false;
    *out = v->boolean;
    return true;
}

const kjson *kjson_get_array(const kjson *obj, const char *key) {
    const kjson *v = kjson_get(obj, key);
    return v && v->type == KJSON_ARRAY ? v : NULL;
}

/* ---- writer ---- */
bool kjson_append_string(kinesis_buf *b, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    if (!kinesis_buf_reserve(b, len + 2)) return false;
    b->data[b->len++] = '"';
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        if (!kinesis_buf_append(b, s + start, i - start)) return false;
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        default:
            esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            n = 6;
        }
        if (!kinesis_buf_append(b, esc, n)) return false;
        start = i + 1;
    }
    return kinesis_buf_append(b, s + start, len - start) && kinesis_buf_append_char(b, '"');
}

bool kjson_append_cstring(kinesis_buf *b, const char *s) {
    return kjson_append_string(b, s, strlen(s));
}

bool kjson_append_key(kinesis_buf *b, const char *key, bool *first) {
    if (!*first && !kinesis_buf_append_char(b, ',')) return false;
    *first = false;
    return kjson_append_cstring(b, key) && kinesis_buf_append_char(b, ':');
}

bool kjson_append_base64(kinesis_buf *b, const uint8_t *data, size_t len) {
    size_t n = KINESIS_BASE64_ENCODED_LEN(len);
    if (!kinesis_buf_reserve(b, n + 2)) return false;
    b->data[b->len++] = '"';
    size_t written = 0;
    kinesis_base64_encode(data, len, b->data + b->len, n, &written);
    b->len += written;
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
    return true;
}

bool kjson_append_double(kinesis_buf *b, double value) {
    if (!isfinite(value)) return false;
    if (value == floor(value) && fabs(value) < 1e15) return kinesis_buf_appendf(b, "%.0f", value);
    return kinesis_buf_appendf(b, "%.17g", value);
}

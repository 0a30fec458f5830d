/* Checkpoint stores: the vtable wrapper and the default file store (one JSON file per
 * application and stream, replaced atomically: temp file, fsync, rename, fsync directory). */
#include "kinesis/consumer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "json.h"

struct kinesis_checkpoint_store {
    const kinesis_checkpoint_store_vtable *vtable;
    void *impl;
    const kinesis_allocator *allocator;
};

kinesis_checkpoint_store *kinesis_checkpoint_store_new(const kinesis_checkpoint_store_vtable *vt,
                                                       void *impl, const kinesis_allocator *a) {
    if (!vt || !vt->get || !vt->put || !vt->destroy) return NULL;
    a = kinesis_alloc_or_default(a);
    kinesis_checkpoint_store *s = kinesis_mem_calloc(a, 1, sizeof(*s));
    if (!s) return NULL;
    s->vtable = vt;
    s->impl = impl;
    s->allocator = a;
    return s;
}

kinesis_status kinesis_checkpoint_store_get(kinesis_checkpoint_store *s, const char *shard_id,
                                            kinesis_checkpoint *out, int *found) {
    if (!s || !shard_id || !out || !found) return KINESIS_E_INVALID_ARGUMENT;
    *found = 0;
    memset(out, 0, sizeof(*out));
    return s->vtable->get(s->impl, shard_id, out, found);
}

kinesis_status kinesis_checkpoint_store_put(kinesis_checkpoint_store *s, const char *shard_id,
                                            const kinesis_checkpoint *cp) {
    if (!s || !shard_id || !cp) return KINESIS_E_INVALID_ARGUMENT;
    return s->vtable->put(s->impl, shard_id, cp);
}

kinesis_status kinesis_checkpoint_store_put_if(kinesis_checkpoint_store *s, const char *shard_id,
                                               const kinesis_checkpoint *expected,
                                               const kinesis_checkpoint *cp) {
    if (!s || !shard_id || !cp) return KINESIS_E_INVALID_ARGUMENT;
    if (!s->vtable->put_if) return KINESIS_E_UNSUPPORTED;
    return s->vtable->put_if(s->impl, shard_id, expected, cp);
}

void kinesis_checkpoint_store_destroy(kinesis_checkpoint_store *s) {
    if (!s) return;
    s->vtable->destroy(s->impl);
    kinesis_mem_free(s->allocator, s);
}

/* ---- file store ---- */

typedef struct file_entry {
    char *shard_id;
    kinesis_checkpoint cp;
} file_entry;

typedef struct file_store {
    const kinesis_allocator *alloc;
    pthread_mutex_t lock;
    char *path;
    char *tmp_path;
    char *dir;
    char *application;
    char *stream;
    file_entry *entries;
    size_t count, cap;
} file_store;

static bool checkpoint_equal(const kinesis_checkpoint *a, const kinesis_checkpoint *b) {
    return strcmp(a->sequence_number, b->sequence_number) == 0 &&
           a->sub_sequence_number == b->sub_sequence_number && a->shard_ended == b->shard_ended;
}

static file_entry *fs_find(file_store *fs, const char *shard_id) {
    for (size_t i = 0; i < fs->count; i++)
        if (strcmp(fs->entries[i].shard_id, shard_id) == 0) return &fs->entries[i];
    return NULL;
}

static kinesis_status fs_set(file_store *fs, const char *shard_id, const kinesis_checkpoint *cp) {
    file_entry *e = fs_find(fs, shard_id);
    if (e) {
        e->cp = *cp;
        return KINESIS_OK;
    }
    if (fs->count == fs->cap) {
        size_t ncap = fs->cap ? fs->cap * 2 : 16;
        file_entry *n =
            kinesis_mem_realloc(fs->alloc, fs->entries, fs->cap * sizeof(*n), ncap * sizeof(*n));
        if (!n) return KINESIS_E_NO_MEMORY;
        fs->entries = n;
        fs->cap = ncap;
    }
    char *id = kinesis_strdup(fs->alloc, shard_id);
    if (!id) return KINESIS_E_NO_MEMORY;
    fs->entries[fs->count].shard_id = id;
    fs->entries[fs->count].cp = *cp;
    fs->count++;
    return KINESIS_OK;
}

static bool write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Serialize every entry and replace the file atomically. Caller holds the lock. */
static kinesis_status fs_write(file_store *fs) {
    kinesis_buf b;
    kinesis_buf_init(&b, fs->alloc);
    bool first = true;
    kinesis_buf_append_str(&b, "{\"Version\":1,\"Application\":");
    kjson_append_cstring(&b, fs->application);
    kinesis_buf_append_str(&b, ",\"Stream\":");
    kjson_append_cstring(&b, fs->stream);
    kinesis_buf_append_str(&b, ",\"Shards\":{");
    for (size_t i = 0; i < fs->count; i++) {
        const file_entry *e = &fs->entries[i];
        kinesis_buf_append_str(&b, first ? "\n  " : ",\n  ");
        first = false;
        kjson_append_cstring(&b, e->shard_id);
        kinesis_buf_append_str(&b, ":{\"SequenceNumber\":");
        kjson_append_cstring(&b, e->cp.sequence_number);
        kinesis_buf_appendf(&b, ",\"SubSequenceNumber\":%llu,\"ShardEnded\":%s}",
                            (unsigned long long)e->cp.sub_sequence_number,
                            e->cp.shard_ended ? "true" : "false");
    }
    kinesis_buf_append_str(&b, "}}\n");
    if (b.failed) {
        kinesis_buf_clean_up(&b);
        return KINESIS_E_NO_MEMORY;
    }
    kinesis_status st = KINESIS_E_TRANSPORT;
    int fd = open(fs->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        bool ok = write_all(fd, b.data, b.len) && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        if (ok && rename(fs->tmp_path, fs->path) == 0) {
            /* the rename itself must reach the disk too */
            int dfd = open(fs->dir, O_RDONLY | O_CLOEXEC);
            if (dfd >= 0) {
                (void)fsync(dfd);
                close(dfd);
            }
            st = KINESIS_OK;
        } else {
            unlink(fs->tmp_path);
        }
    }
    kinesis_buf_clean_up(&b);
    return st;
}

static kinesis_status fs_get(void *impl, const char *shard_id, kinesis_checkpoint *out,
                             int *found) {
    file_store *fs = impl;
    pthread_mutex_lock(&fs->lock);
    file_entry *e = fs_find(fs, shard_id);
    if (e) {
        *out = e->cp;
        *found = 1;
    }
    pthread_mutex_unlock(&fs->lock);
    return KINESIS_OK;
}

static kinesis_status fs_put_locked(file_store *fs, const char *shard_id,
                                    const kinesis_checkpoint *cp) {
    file_entry *e = fs_find(fs, shard_id);
    kinesis_checkpoint old;
    bool had = e != NULL;
    if (had) old = e->cp;
    kinesis_status st = fs_set(fs, shard_id, cp);
    if (st != KINESIS_OK) return st;
    st = fs_write(fs);
    if (st != KINESIS_OK) {
        /* keep memory equal to the file */
        if (had)
            fs_find(fs, shard_id)->cp = old;
        else {
            fs->count--;
            kinesis_mem_free(fs->alloc, fs->entries[fs->count].shard_id);
        }
    }
    return st;
}

static kinesis_status fs_put(void *impl, const char *shard_id, const kinesis_checkpoint *cp) {
    file_store *fs = impl;
    pthread_mutex_lock(&fs->lock);
    kinesis_status st = fs_put_locked(fs, shard_id, cp);
    pthread_mutex_unlock(&fs->lock);
    return st;
}

static kinesis_status fs_put_if(void *impl, const char *shard_id,
                                const kinesis_checkpoint *expected, const kinesis_checkpoint *cp) {
    file_store *fs = impl;
    pthread_mutex_lock(&fs->lock);
    file_entry *e = fs_find(fs, shard_id);
    kinesis_status st;
    if ((expected == NULL) != (e == NULL) || (e && !checkpoint_equal(&e->cp, expected)))
        st = KINESIS_E_RESOURCE_IN_USE;
    else
        st = fs_put_locked(fs, shard_id, cp);
    pthread_mutex_unlock(&fs->lock);
    return st;
}

static void fs_destroy(void *impl) {
    file_store *fs = impl;
    if (!fs) return;
    for (size_t i = 0; i < fs->count; i++) kinesis_mem_free(fs->alloc, fs->entries[i].shard_id);
    kinesis_mem_free(fs->alloc, fs->entries);
    kinesis_mem_free(fs->alloc, fs->path);
    kinesis_mem_free(fs->alloc, fs->tmp_path);
    kinesis_mem_free(fs->alloc, fs->dir);
    kinesis_mem_free(fs->alloc, fs->application);
    kinesis_mem_free(fs->alloc, fs->stream);
    pthread_mutex_destroy(&fs->lock);
    kinesis_mem_free(fs->alloc, fs);
}

static const kinesis_checkpoint_store_vtable file_vtable = {fs_get, fs_put, fs_put_if, fs_destroy};

static bool is_decimal(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

/* Load an existing file into the entries. */
static kinesis_status fs_load(file_store *fs, kinesis_error *err) {
    FILE *f = fopen(fs->path, "rb");
    if (!f) {
        if (errno == ENOENT) return KINESIS_OK;
        return kinesis_error_set(err, KINESIS_E_CONFIG, "cannot read checkpoint file %s: %s",
                                 fs->path, strerror(errno));
    }
    kinesis_buf b;
    kinesis_buf_init(&b, fs->alloc);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) kinesis_buf_append(&b, chunk, n);
    bool rerr = ferror(f) != 0;
    fclose(f);
    if (b.failed) {
        kinesis_buf_clean_up(&b);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    if (rerr) {
        kinesis_buf_clean_up(&b);
        return kinesis_error_set(err, KINESIS_E_CONFIG, "cannot read checkpoint file %s", fs->path);
    }
    kinesis_status st = KINESIS_OK;
    if (b.len == 0) { /* an empty file (e.g. created by the user): no checkpoints */
        kinesis_buf_clean_up(&b);
        return KINESIS_OK;
    }
    kinesis_arena *arena = kinesis_arena_new(fs->alloc);
    kjson *doc = NULL;
    if (!arena) {
        st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        goto done;
    }
    if (kjson_parse(arena, b.data, b.len, &doc, NULL) != KINESIS_OK || doc->type != KJSON_OBJECT) {
        st = kinesis_error_set(err, KINESIS_E_CONFIG, "checkpoint file %s is not a JSON object",
                               fs->path);
        goto done;
    }
    int64_t version = 0;
    if (!kjson_get_int64(doc, "Version", &version) || version != 1) {
        st = kinesis_error_set(err, KINESIS_E_CONFIG,
                               "checkpoint file %s: unsupported or missing Version", fs->path);
        goto done;
    }
    const char *stream = kjson_get_string(doc, "Stream");
    if (stream && strcmp(stream, fs->stream) != 0) {
        st = kinesis_error_set(err, KINESIS_E_CONFIG,
                               "checkpoint file %s belongs to stream '%s', not '%s'", fs->path,
                               stream, fs->stream);
        goto done;
    }
    const kjson *shards = kjson_get(doc, "Shards");
    if (!shards || shards->type != KJSON_OBJECT) {
        st = kinesis_error_set(err, KINESIS_E_CONFIG, "checkpoint file %s: no Shards object",
                               fs->path);
        goto done;
    }
    for (size_t i = 0; i < shards->count && st == KINESIS_OK; i++) {
        const kjson *e = shards->items[i];
        kinesis_checkpoint cp;
        memset(&cp, 0, sizeof cp);
        const char *seq = kjson_get_string(e, "SequenceNumber");
        int64_t sub = 0;
        bool ended = false;
        (void)kjson_get_bool(e, "ShardEnded", &ended);
        bool has_sub = kjson_get_int64(e, "SubSequenceNumber", &sub);
        if (e->type != KJSON_OBJECT || !seq || (seq[0] && !is_decimal(seq)) ||
            strlen(seq) >= sizeof cp.sequence_number || (has_sub && sub < 0) ||
            strlen(shards->keys[i]) >= KINESIS_SHARD_ID_MAX || (!seq[0] && !ended)) {
            st = kinesis_error_set(err, KINESIS_E_CONFIG,
                                   "checkpoint file %s: bad entry for shard '%s'", fs->path,
                                   shards->keys[i]);
            break;
        }
        memcpy(cp.sequence_number, seq, strlen(seq) + 1);
        cp.sub_sequence_number = (uint64_t)sub;
        cp.shard_ended = ended ? 1 : 0;
        st = fs_set(fs, shards->keys[i], &cp);
        if (st != KINESIS_OK) kinesis_error_set(err, st, "out of memory");
    }
done:
    kinesis_arena_destroy(arena);
    kinesis_buf_clean_up(&b);
    return st;
}

static void sanitize_into(kinesis_buf *b, const char *s) {
    /* a stream ARN names the stream after its last '/' */
    const char *slash = strrchr(s, '/');
    if (strncmp(s, "arn:", 4) == 0 && slash) s = slash + 1;
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        kinesis_buf_append_char(b, ok ? c : '_');
    }
}

kinesis_status kinesis_file_checkpoint_store_new(const char *path, const char *directory,
                                                 const char *application, const char *stream,
                                                 const kinesis_allocator *allocator,
                                                 kinesis_checkpoint_store **out,
                                                 kinesis_error *err) {
    if (out) *out = NULL;
    if (!out || !stream || !*stream || (path == NULL) == (directory == NULL) || (path && !*path) ||
        (directory && !*directory))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "a stream and exactly one of path and directory are required");
    if (!application || !*application) application = "kinesis-consumer";
    const kinesis_allocator *a = kinesis_alloc_or_default(allocator);
    file_store *fs = kinesis_mem_calloc(a, 1, sizeof(*fs));
    if (!fs) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    fs->alloc = a;
    pthread_mutex_init(&fs->lock, NULL);
    kinesis_buf p;
    kinesis_buf_init(&p, a);
    if (path) {
        kinesis_buf_append_str(&p, path);
    } else {
        kinesis_buf_append_str(&p, directory);
        kinesis_buf_append_char(&p, '/');
        sanitize_into(&p, application);
        kinesis_buf_append_char(&p, '-');
        sanitize_into(&p, stream);
        kinesis_buf_append_str(&p, ".checkpoints.json");
    }
    kinesis_buf t;
    kinesis_buf_init(&t, a);
    kinesis_buf_appendf(&t, "%s.tmp", p.data ? p.data : "");
    fs->application = kinesis_strdup(a, application);
    fs->stream = kinesis_strdup(a, stream);
    kinesis_status st = KINESIS_OK;
    if (p.failed || t.failed || !fs->application || !fs->stream) {
        kinesis_buf_clean_up(&p);
        kinesis_buf_clean_up(&t);
        fs_destroy(fs);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    fs->path = kinesis_buf_detach(&p, NULL);
    fs->tmp_path = kinesis_buf_detach(&t, NULL);
    const char *slash = strrchr(fs->path, '/');
    fs->dir = slash
                  ? kinesis_strndup(a, fs->path, slash == fs->path ? 1 : (size_t)(slash - fs->path))
                  : kinesis_strdup(a, ".");
    if (!fs->dir) {
        fs_destroy(fs);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    st = fs_load(fs, err);
    if (st != KINESIS_OK) {
        fs_destroy(fs);
        return st;
    }
    *out = kinesis_checkpoint_store_new(&file_vtable, fs, a);
    if (!*out) {
        fs_destroy(fs);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    return KINESIS_OK;
}

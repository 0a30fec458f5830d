/* Stream management operations (admin.h): validation before sending, request JSON per the
 * 2013-12-02 model, response parsing that treats absent and null members alike. Results with
 * strings point into the parsed response DOM, kept in an arena the result owns. */
#include "client_internal.h"
#include "kinesis/admin.h"

#define OOM(err) kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory")

/* ---- validation ---- */

/* Unicode characters in valid UTF-8 (the model counts string lengths in characters), or -1 when
 * the bytes are not valid UTF-8 (they could not be sent as JSON). */
static long utf8_chars(const char *s) { return kinesis_utf8_char_count(s, strlen(s)); }

/* [a-zA-Z0-9_.-]+ with 1..max characters (stream names, shard ids). */
static bool is_plain_id(const char *s, size_t max) {
    size_t len = strlen(s);
    if (len == 0 || len > max) return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-'))
            return false;
    }
    return true;
}

/* An ARN: "arn:" prefix, 1..2048 characters, no whitespace or control characters. */
static bool is_arn(const char *s) {
    if (!kinesis_is_stream_arn(s)) return false;
    size_t len = strlen(s);
    if (len > 2048) return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f) return false;
    return true;
}

static kinesis_status check_stream(const char *op, const char *stream, kinesis_error *err) {
    if (!stream || !*stream)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "%s: a stream name or ARN is required", op);
    if (kinesis_is_stream_arn(stream)) {
        if (!is_arn(stream))
            return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                     "%s: stream ARN longer than 2048 characters or with "
                                     "whitespace",
                                     op);
        return KINESIS_OK;
    }
    if (!is_plain_id(stream, 128))
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "%s: stream name must be 1 to 128 characters of [a-zA-Z0-9_.-]",
                                 op);
    return KINESIS_OK;
}

/* StreamId: [a-z0-9]{20}-[a-z0-9]{3}; NULL = not sent. */
static kinesis_status check_stream_id(const char *op, const char *id, kinesis_error *err) {
    if (!id) return KINESIS_OK;
    bool ok = strlen(id) == 24;
    for (size_t i = 0; ok && i < 24; i++) {
        char ch = id[i];
        ok = i == 20 ? ch == '-' : ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'));
    }
    return ok ? KINESIS_OK
              : kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                  "%s: stream_id must be 20 of [a-z0-9], '-', 3 of [a-z0-9]", op);
}

static kinesis_status check_shard_id(const char *op, const char *field, const char *id,
                                     kinesis_error *err) {
    if (!id || !is_plain_id(id, 128))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: %s must be 1 to 128 characters of [a-zA-Z0-9_.-]", op, field);
    return KINESIS_OK;
}

static kinesis_status check_resource_arn(const char *op, const char *arn, kinesis_error *err) {
    if (!arn || !is_arn(arn))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: resource_arn must be an ARN (\"arn:...\", at most 2048 "
                                 "characters, no whitespace)",
                                 op);
    return KINESIS_OK;
}

static kinesis_status check_tag_key(const char *op, const char *key, size_t index,
                                    kinesis_error *err) {
    long n = key ? utf8_chars(key) : -1;
    if (n < 1 || n > KINESIS_TAG_KEY_MAX_CHARS)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: tag key %zu must be 1 to 128 characters of valid UTF-8", op,
                                 index);
    return KINESIS_OK;
}

static kinesis_status check_tags(const char *op, const kinesis_tag *tags, size_t count,
                                 kinesis_error *err) {
    if (count == 0 || count > KINESIS_TAGS_PER_CALL_MAX || !tags)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: 1 to 50 tags per call, got %zu%s", op, count,
                                 tags || !count ? "" : " (tags is NULL)");
    for (size_t i = 0; i < count; i++) {
        kinesis_status st = check_tag_key(op, tags[i].key, i, err);
        if (st) return st;
        long n = tags[i].value ? utf8_chars(tags[i].value) : 0;
        if (n < 0 || n > KINESIS_TAG_VALUE_MAX_CHARS)
            return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                     "%s: tag value %zu must be 0 to 256 characters of valid "
                                     "UTF-8",
                                     op, i);
        /* The wire form is a JSON map: a repeated key would be ambiguous. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(tags[j].key, tags[i].key) == 0)
                return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                         "%s: tag key %zu repeats tag key %zu", op, i, j);
    }
    return KINESIS_OK;
}

static kinesis_status check_tag_keys(const char *op, const char *const *keys, size_t count,
                                     kinesis_error *err) {
    if (count == 0 || count > KINESIS_TAGS_PER_CALL_MAX || !keys)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: 1 to 50 tag keys per call, got %zu%s", op, count,
                                 keys || !count ? "" : " (tag_keys is NULL)");
    for (size_t i = 0; i < count; i++) {
        kinesis_status st = check_tag_key(op, keys[i], i, err);
        if (st) return st;
    }
    return KINESIS_OK;
}

/* HashKey: 0|[1-9][0-9]{0,38}, and below 2^128. */
static kinesis_status check_hash_key(const char *op, const char *key, kinesis_error *err) {
    size_t len = key ? strlen(key) : 0;
    kinesis_hash_key k;
    if (len == 0 || len > 39 || (len > 1 && key[0] == '0') ||
        kinesis_hash_key_parse(key, len, &k) != KINESIS_OK)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: new_starting_hash_key must be a decimal in [0, 2^128) "
                                 "without leading zeros",
                                 op);
    return KINESIS_OK;
}

/* ---- request bodies ---- */

typedef struct body {
    kinesis_buf b;
    bool first;
} body;

static void body_begin(body *x, kinesis_client *c) {
    kinesis_buf_init(&x->b, kinesis_client_allocator(c));
    x->first = true;
    kinesis_buf_append_char(&x->b, '{');
}

static void body_stream(body *x, const char *stream) {
    kinesis_append_stream_member(&x->b, stream, &x->first);
}

static void body_str(body *x, const char *key, const char *value) {
    kjson_append_key(&x->b, key, &x->first);
    kjson_append_cstring(&x->b, value);
}

static void body_uint(body *x, const char *key, uint32_t value) {
    kjson_append_key(&x->b, key, &x->first);
    kinesis_buf_appendf(&x->b, "%u", value);
}

static void body_tag_map(body *x, const kinesis_tag *tags, size_t count) {
    kjson_append_key(&x->b, "Tags", &x->first);
    bool f = true;
    kinesis_buf_append_char(&x->b, '{');
    for (size_t i = 0; i < count; i++) {
        kjson_append_key(&x->b, tags[i].key, &f);
        kjson_append_cstring(&x->b, tags[i].value ? tags[i].value : "");
    }
    kinesis_buf_append_char(&x->b, '}');
}

static void body_key_list(body *x, const char *const *keys, size_t count) {
    kjson_append_key(&x->b, "TagKeys", &x->first);
    kinesis_buf_append_char(&x->b, '[');
    for (size_t i = 0; i < count; i++) {
        if (i) kinesis_buf_append_char(&x->b, ',');
        kjson_append_cstring(&x->b, keys[i]);
    }
    kinesis_buf_append_char(&x->b, ']');
}

/* StreamId last, then the closing brace. */
static void body_end(body *x, const char *stream_id) {
    if (stream_id) body_str(x, "StreamId", stream_id);
    kinesis_buf_append_char(&x->b, '}');
}

/* Send an operation whose output the caller does not need; frees the body. */
static kinesis_status send_plain(kinesis_client *c, const char *op, body *x, kinesis_error *err) {
    kinesis_buf resp;
    kinesis_buf_init(&resp, kinesis_client_allocator(c));
    kinesis_status st =
        x->b.failed ? OOM(err) : kinesis_client_execute(c, op, x->b.data, x->b.len, &resp, err);
    kinesis_buf_clean_up(&x->b);
    kinesis_buf_clean_up(&resp);
    return st;
}

/* Send and parse into a new arena (returned in *arena on success); frees the body. */
static kinesis_status send_parsed(kinesis_client *c, const char *op, body *x, kinesis_arena **arena,
                                  kjson **doc, kinesis_error *err) {
    *arena = kinesis_arena_new(kinesis_client_allocator(c));
    kinesis_status st =
        *arena ? kinesis_client_execute_parsed(c, op, &x->b, *arena, doc, err) : OOM(err);
    kinesis_buf_clean_up(&x->b);
    if (st) {
        kinesis_arena_destroy(*arena);
        *arena = NULL;
    }
    return st;
}

static int64_t get_int_or_absent(const kjson *obj, const char *key) {
    int64_t v;
    return kjson_get_int64(obj, key, &v) ? v : -1;
}

/* ---- resharding ---- */

kinesis_status kinesis_split_shard(kinesis_client *c, const kinesis_split_shard_request *req,
                                   kinesis_error *err) {
    static const char op[] = "SplitShard";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_stream(op, req->stream, err);
    if (!st) st = check_shard_id(op, "shard_to_split", req->shard_to_split, err);
    if (!st) st = check_hash_key(op, req->new_starting_hash_key, err);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_stream(&x, req->stream);
    body_str(&x, "ShardToSplit", req->shard_to_split);
    body_str(&x, "NewStartingHashKey", req->new_starting_hash_key);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

kinesis_status kinesis_merge_shards(kinesis_client *c, const kinesis_merge_shards_request *req,
                                    kinesis_error *err) {
    static const char op[] = "MergeShards";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_stream(op, req->stream, err);
    if (!st) st = check_shard_id(op, "shard_to_merge", req->shard_to_merge, err);
    if (!st) st = check_shard_id(op, "adjacent_shard_to_merge", req->adjacent_shard_to_merge, err);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_stream(&x, req->stream);
    body_str(&x, "ShardToMerge", req->shard_to_merge);
    body_str(&x, "AdjacentShardToMerge", req->adjacent_shard_to_merge);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

kinesis_status kinesis_update_shard_count(kinesis_client *c,
                                          const kinesis_update_shard_count_request *req,
                                          kinesis_update_shard_count_result *out,
                                          kinesis_error *err) {
    static const char op[] = "UpdateShardCount";
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    kinesis_status st = check_stream(op, req->stream, err);
    if (!st && (req->target_shard_count < 1 || req->target_shard_count > KINESIS_NATURAL_INT_MAX))
        st = kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                               "%s: target_shard_count must be 1 to 2147483647", op);
    if (!st && req->scaling_type != KINESIS_SCALING_UNIFORM)
        st = kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                               "%s: scaling_type must be KINESIS_SCALING_UNIFORM", op);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_stream(&x, req->stream);
    body_uint(&x, "TargetShardCount", req->target_shard_count);
    body_str(&x, "ScalingType", "UNIFORM_SCALING");
    body_end(&x, req->stream_id);
    kinesis_arena *arena;
    kjson *doc;
    st = send_parsed(c, op, &x, &arena, &doc, err);
    if (st) return st;
    out->stream_name = kjson_get_string(doc, "StreamName");
    out->stream_arn = kjson_get_string(doc, "StreamARN");
    out->current_shard_count = get_int_or_absent(doc, "CurrentShardCount");
    out->target_shard_count = get_int_or_absent(doc, "TargetShardCount");
    out->internal_ = arena;
    return KINESIS_OK;
}

void kinesis_update_shard_count_result_clean_up(kinesis_update_shard_count_result *r) {
    if (!r) return;
    kinesis_arena_destroy(r->internal_);
    memset(r, 0, sizeof(*r));
}

/* ---- retention ---- */

static kinesis_status retention(kinesis_client *c, const char *op,
                                const kinesis_stream_retention_request *req, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_stream(op, req->stream, err);
    if (!st && (req->retention_period_hours < KINESIS_RETENTION_HOURS_MIN ||
                req->retention_period_hours > KINESIS_RETENTION_HOURS_MAX))
        st = kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                               "%s: retention_period_hours must be 24 to 8760, got %u", op,
                               req->retention_period_hours);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_stream(&x, req->stream);
    body_uint(&x, "RetentionPeriodHours", req->retention_period_hours);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

kinesis_status kinesis_increase_stream_retention_period(kinesis_client *c,
                                                        const kinesis_stream_retention_request *req,
                                                        kinesis_error *err) {
    return retention(c, "IncreaseStreamRetentionPeriod", req, err);
}

kinesis_status kinesis_decrease_stream_retention_period(kinesis_client *c,
                                                        const kinesis_stream_retention_request *req,
                                                        kinesis_error *err) {
    return retention(c, "DecreaseStreamRetentionPeriod", req, err);
}

/* ---- encryption ---- */

static kinesis_status encryption(kinesis_client *c, const char *op,
                                 const kinesis_stream_encryption_request *req, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_stream(op, req->stream, err);
    if (st) return st;
    const char *type = req->encryption_type == KINESIS_ENCRYPTION_KMS    ? "KMS"
                       : req->encryption_type == KINESIS_ENCRYPTION_NONE ? "NONE"
                                                                         : NULL;
    if (!type)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: encryption_type must be KMS or NONE", op);
    long n = req->key_id ? utf8_chars(req->key_id) : -1;
    if (n < 1 || n > 2048)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: key_id is required: 1 to 2048 characters", op);
    st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_stream(&x, req->stream);
    body_str(&x, "EncryptionType", type);
    body_str(&x, "KeyId", req->key_id);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

kinesis_status kinesis_start_stream_encryption(kinesis_client *c,
                                               const kinesis_stream_encryption_request *req,
                                               kinesis_error *err) {
    return encryption(c, "StartStreamEncryption", req, err);
}

kinesis_status kinesis_stop_stream_encryption(kinesis_client *c,
                                              const kinesis_stream_encryption_request *req,
                                              kinesis_error *err) {
    return encryption(c, "StopStreamEncryption", req, err);
}

/* ---- tags ---- */

kinesis_status kinesis_add_tags_to_stream(kinesis_client *c,
                                          const kinesis_add_tags_to_stream_request *req,
                                          kinesis_error *err) {
    static const char op[] = "AddTagsToStream";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_stream(op, req->stream, err);
    if (!st) st = check_tags(op, req->tags, req->tag_count, err);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_stream(&x, req->stream);
    body_tag_map(&x, req->tags, req->tag_count);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

kinesis_status kinesis_remove_tags_from_stream(kinesis_client *c,
                                               const kinesis_remove_tags_from_stream_request *req,
                                               kinesis_error *err) {
    static const char op[] = "RemoveTagsFromStream";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_stream(op, req->stream, err);
    if (!st) st = check_tag_keys(op, req->tag_keys, req->tag_key_count, err);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_stream(&x, req->stream);
    body_key_list(&x, req->tag_keys, req->tag_key_count);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

typedef struct page_list {
    const kjson *items;
    size_t skip; /* leading items not to return */
    struct page_list *next;
} page_list;

/* Remember one page's Tags array. The member may be absent or null; anything else but an array
 * is a broken response. A first tag equal to `start` is dropped: some servers (moto) treat
 * ExclusiveStartTagKey as inclusive. *fresh is how many tags the page added. */
static kinesis_status take_tag_page(kinesis_arena *arena, const char *op, const kjson *doc,
                                    const char *start, page_list ***tail, size_t *total,
                                    uint8_t *has_tags, const kjson **page, size_t *fresh,
                                    kinesis_error *err) {
    *page = NULL;
    *fresh = 0;
    const kjson *tags = kjson_get(doc, "Tags");
    if (!tags || tags->type == KJSON_NULL) return KINESIS_OK;
    if (tags->type != KJSON_ARRAY)
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "%s: Tags is not a list", op);
    *has_tags = 1;
    for (size_t i = 0; i < tags->count; i++)
        if (!kjson_get_string(tags->items[i], "Key"))
            return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "%s: a tag without a Key", op);
    if (tags->count == 0) return KINESIS_OK;
    page_list *p = kinesis_arena_alloc(arena, sizeof(*p));
    if (!p) return OOM(err);
    p->items = tags;
    p->skip = start && strcmp(kjson_get_string(tags->items[0], "Key"), start) == 0;
    **tail = p;
    *tail = &p->next;
    *fresh = tags->count - p->skip;
    *total += *fresh;
    *page = tags;
    return KINESIS_OK;
}

static kinesis_status flatten_tags(kinesis_arena *arena, const page_list *pages, size_t total,
                                   kinesis_tag_list *out, kinesis_error *err) {
    if (total == 0) return KINESIS_OK;
    out->tags = kinesis_arena_alloc(arena, total * sizeof(kinesis_tag));
    if (!out->tags) return OOM(err);
    size_t n = 0;
    for (const page_list *p = pages; p; p = p->next)
        for (size_t i = p->skip; i < p->items->count; i++, n++) {
            out->tags[n].key = kjson_get_string(p->items->items[i], "Key");
            out->tags[n].value = kjson_get_string(p->items->items[i], "Value");
        }
    out->tag_count = n;
    return KINESIS_OK;
}

kinesis_status kinesis_list_tags_for_stream(kinesis_client *c,
                                            const kinesis_list_tags_for_stream_request *req,
                                            kinesis_tag_list *out, kinesis_error *err) {
    static const char op[] = "ListTagsForStream";
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    kinesis_status st = check_stream(op, req->stream, err);
    if (!st && req->exclusive_start_tag_key)
        st = check_tag_key(op, req->exclusive_start_tag_key, 0, err);
    if (!st && req->limit > 50)
        st = kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                               "%s: limit must be 1 to 50 (0 = service default), got %u", op,
                               req->limit);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    if (!arena) return OOM(err);
    page_list *pages = NULL, **tail = &pages;
    size_t total = 0;
    const char *start = req->exclusive_start_tag_key;
    for (int page = 0; page < 100000; page++) {
        body x;
        body_begin(&x, c);
        body_stream(&x, req->stream);
        if (start) body_str(&x, "ExclusiveStartTagKey", start);
        if (req->limit) body_uint(&x, "Limit", req->limit);
        body_end(&x, req->stream_id);
        kjson *doc;
        st = kinesis_client_execute_parsed(c, op, &x.b, arena, &doc, err);
        kinesis_buf_clean_up(&x.b);
        if (st) break;
        const kjson *tags;
        size_t fresh;
        st =
            take_tag_page(arena, op, doc, start, &tail, &total, &out->has_tags, &tags, &fresh, err);
        if (st) break;
        bool more = false;
        kjson_get_bool(doc, "HasMoreTags", &more);
        if (!more || fresh == 0) break; /* done, or no progress (a broken server) */
        start = kjson_get_string(tags->items[tags->count - 1], "Key"); /* lives in the arena */
    }
    if (st == KINESIS_OK) st = flatten_tags(arena, pages, total, out, err);
    if (st) {
        kinesis_arena_destroy(arena);
        memset(out, 0, sizeof(*out));
        return st;
    }
    out->internal_ = arena;
    return KINESIS_OK;
}

void kinesis_tag_list_clean_up(kinesis_tag_list *list) {
    if (!list) return;
    kinesis_arena_destroy(list->internal_);
    memset(list, 0, sizeof(*list));
}

kinesis_status kinesis_tag_resource(kinesis_client *c, const kinesis_tag_resource_request *req,
                                    kinesis_error *err) {
    static const char op[] = "TagResource";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_resource_arn(op, req->resource_arn, err);
    if (!st) st = check_tags(op, req->tags, req->tag_count, err);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_tag_map(&x, req->tags, req->tag_count);
    body_str(&x, "ResourceARN", req->resource_arn);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

kinesis_status kinesis_untag_resource(kinesis_client *c, const kinesis_untag_resource_request *req,
                                      kinesis_error *err) {
    static const char op[] = "UntagResource";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_resource_arn(op, req->resource_arn, err);
    if (!st) st = check_tag_keys(op, req->tag_keys, req->tag_key_count, err);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_key_list(&x, req->tag_keys, req->tag_key_count);
    body_str(&x, "ResourceARN", req->resource_arn);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

/* Body for the operations that take only ResourceARN (+ StreamId). */
static kinesis_status resource_body(kinesis_client *c, const char *op,
                                    const kinesis_resource_request *req, body *x,
                                    kinesis_error *err) {
    kinesis_status st = check_resource_arn(op, req->resource_arn, err);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body_begin(x, c);
    body_str(x, "ResourceARN", req->resource_arn);
    body_end(x, req->stream_id);
    return KINESIS_OK;
}

kinesis_status kinesis_list_tags_for_resource(kinesis_client *c,
                                              const kinesis_resource_request *req,
                                              kinesis_tag_list *out, kinesis_error *err) {
    static const char op[] = "ListTagsForResource";
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    body x;
    kinesis_status st = resource_body(c, op, req, &x, err);
    if (st) return st;
    kinesis_arena *arena;
    kjson *doc;
    st = send_parsed(c, op, &x, &arena, &doc, err);
    if (st) return st;
    page_list *pages = NULL, **tail = &pages;
    size_t total = 0;
    const kjson *tags;
    size_t fresh;
    st = take_tag_page(arena, op, doc, NULL, &tail, &total, &out->has_tags, &tags, &fresh, err);
    if (!st) st = flatten_tags(arena, pages, total, out, err);
    if (st) {
        kinesis_arena_destroy(arena);
        memset(out, 0, sizeof(*out));
        return st;
    }
    out->internal_ = arena;
    return KINESIS_OK;
}

/* ---- enhanced monitoring ---- */

static const char *const metric_names[] = {
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
    "ALL",
};
#define METRIC_BITS_KNOWN 0xFFu

const char *kinesis_shard_metric_name(uint32_t bit) {
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(metric_names); i++)
        if (bit == (1u << i)) return metric_names[i];
    return NULL;
}

static uint32_t metric_bit(const char *name) {
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(metric_names); i++)
        if (strcmp(name, metric_names[i]) == 0) return 1u << i;
    return KINESIS_METRIC_UNKNOWN;
}

static kinesis_status parse_metrics(kinesis_arena *arena, const char *op, const kjson *doc,
                                    const char *key, const char ***names, size_t *count,
                                    uint32_t *mask, kinesis_error *err) {
    const kjson *list = kjson_get(doc, key);
    if (!list || list->type == KJSON_NULL) return KINESIS_OK;
    if (list->type != KJSON_ARRAY)
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "%s: %s is not a list", op, key);
    *names = kinesis_arena_alloc(arena, (list->count ? list->count : 1) * sizeof(char *));
    if (!*names) return OOM(err);
    for (size_t i = 0; i < list->count; i++) {
        const kjson *v = list->items[i];
        if (v->type != KJSON_STRING)
            return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "%s: %s has a non-string", op,
                                     key);
        (*names)[i] = v->str;
        *mask |= metric_bit(v->str);
    }
    *count = list->count;
    return KINESIS_OK;
}

static kinesis_status monitoring(kinesis_client *c, const char *op,
                                 const kinesis_enhanced_monitoring_request *req,
                                 kinesis_enhanced_monitoring_result *out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    kinesis_status st = check_stream(op, req->stream, err);
    if (st) return st;
    uint32_t m = req->shard_level_metrics;
    int bits = 0;
    for (uint32_t v = m & METRIC_BITS_KNOWN; v; v &= v - 1) bits++;
    if (m == 0 || (m & ~METRIC_BITS_KNOWN) || bits > 7)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: shard_level_metrics must be 1 to 7 KINESIS_METRIC_* bits "
                                 "(got 0x%x)",
                                 op, m);
    st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_stream(&x, req->stream);
    kjson_append_key(&x.b, "ShardLevelMetrics", &x.first);
    kinesis_buf_append_char(&x.b, '[');
    bool f = true;
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(metric_names); i++)
        if (m & (1u << i)) {
            if (!f) kinesis_buf_append_char(&x.b, ',');
            f = false;
            kjson_append_cstring(&x.b, metric_names[i]);
        }
    kinesis_buf_append_char(&x.b, ']');
    body_end(&x, req->stream_id);
    kinesis_arena *arena;
    kjson *doc;
    st = send_parsed(c, op, &x, &arena, &doc, err);
    if (st) return st;
    out->stream_name = kjson_get_string(doc, "StreamName");
    out->stream_arn = kjson_get_string(doc, "StreamARN");
    st = parse_metrics(arena, op, doc, "CurrentShardLevelMetrics", &out->current_metric_names,
                       &out->current_metric_count, &out->current_shard_level_metrics, err);
    if (!st)
        st = parse_metrics(arena, op, doc, "DesiredShardLevelMetrics", &out->desired_metric_names,
                           &out->desired_metric_count, &out->desired_shard_level_metrics, err);
    if (st) {
        kinesis_arena_destroy(arena);
        memset(out, 0, sizeof(*out));
        return st;
    }
    out->internal_ = arena;
    return KINESIS_OK;
}

kinesis_status kinesis_enable_enhanced_monitoring(kinesis_client *c,
                                                  const kinesis_enhanced_monitoring_request *req,
                                                  kinesis_enhanced_monitoring_result *out,
                                                  kinesis_error *err) {
    return monitoring(c, "EnableEnhancedMonitoring", req, out, err);
}

kinesis_status kinesis_disable_enhanced_monitoring(kinesis_client *c,
                                                   const kinesis_enhanced_monitoring_request *req,
                                                   kinesis_enhanced_monitoring_result *out,
                                                   kinesis_error *err) {
    return monitoring(c, "DisableEnhancedMonitoring", req, out, err);
}

void kinesis_enhanced_monitoring_result_clean_up(kinesis_enhanced_monitoring_result *r) {
    if (!r) return;
    kinesis_arena_destroy(r->internal_);
    memset(r, 0, sizeof(*r));
}

/* ---- mode, record size, warm throughput ---- */

kinesis_status kinesis_update_stream_mode(kinesis_client *c,
                                          const kinesis_update_stream_mode_request *req,
                                          kinesis_error *err) {
    static const char op[] = "UpdateStreamMode";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    if (!req->stream_arn || !is_arn(req->stream_arn))
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "%s: stream_arn must be a stream ARN (this operation takes no "
                                 "stream name)",
                                 op);
    const char *mode = req->stream_mode == KINESIS_STREAM_MODE_PROVISIONED ? "PROVISIONED"
                       : req->stream_mode == KINESIS_STREAM_MODE_ON_DEMAND ? "ON_DEMAND"
                                                                           : NULL;
    if (!mode)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: stream_mode must be PROVISIONED or ON_DEMAND", op);
    if (req->has_warm_throughput_mibps && req->warm_throughput_mibps > KINESIS_NATURAL_INT_MAX)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: warm_throughput_mibps must be 0 to 2147483647", op);
    kinesis_status st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_str(&x, "StreamARN", req->stream_arn);
    kjson_append_key(&x.b, "StreamModeDetails", &x.first);
    kinesis_buf_appendf(&x.b, "{\"StreamMode\":\"%s\"}", mode);
    if (req->has_warm_throughput_mibps)
        body_uint(&x, "WarmThroughputMiBps", req->warm_throughput_mibps);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

kinesis_status kinesis_update_max_record_size(kinesis_client *c,
                                              const kinesis_update_max_record_size_request *req,
                                              kinesis_error *err) {
    static const char op[] = "UpdateMaxRecordSize";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    if (req->stream_arn ? !is_arn(req->stream_arn) : !req->stream_id)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "%s: stream_arn must be a stream ARN (this operation takes no "
                                 "stream name)",
                                 op);
    if (req->max_record_size_kib < KINESIS_MAX_RECORD_SIZE_KIB_MIN ||
        req->max_record_size_kib > KINESIS_MAX_RECORD_SIZE_KIB_MAX)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: max_record_size_kib must be 1024 to 10240, got %u", op,
                                 req->max_record_size_kib);
    kinesis_status st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    if (req->stream_arn) body_str(&x, "StreamARN", req->stream_arn);
    body_uint(&x, "MaxRecordSizeInKiB", req->max_record_size_kib);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

kinesis_status kinesis_update_stream_warm_throughput(
    kinesis_client *c, const kinesis_update_stream_warm_throughput_request *req,
    kinesis_update_stream_warm_throughput_result *out, kinesis_error *err) {
    static const char op[] = "UpdateStreamWarmThroughput";
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    out->target_mibps = out->current_mibps = -1;
    kinesis_status st = check_stream(op, req->stream, err);
    if (!st && req->warm_throughput_mibps > KINESIS_NATURAL_INT_MAX)
        st = kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                               "%s: warm_throughput_mibps must be 0 to 2147483647", op);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_stream(&x, req->stream);
    body_uint(&x, "WarmThroughputMiBps", req->warm_throughput_mibps);
    body_end(&x, req->stream_id);
    kinesis_arena *arena;
    kjson *doc;
    st = send_parsed(c, op, &x, &arena, &doc, err);
    if (st) return st;
    out->stream_arn = kjson_get_string(doc, "StreamARN");
    out->stream_name = kjson_get_string(doc, "StreamName");
    const kjson *wt = kjson_get(doc, "WarmThroughput");
    if (wt && wt->type == KJSON_OBJECT) {
        out->has_warm_throughput = 1;
        out->target_mibps = get_int_or_absent(wt, "TargetMiBps");
        out->current_mibps = get_int_or_absent(wt, "CurrentMiBps");
    } else if (wt && wt->type != KJSON_NULL) {
        kinesis_arena_destroy(arena);
        memset(out, 0, sizeof(*out));
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                 "%s: WarmThroughput is not a structure", op);
    }
    out->internal_ = arena;
    return KINESIS_OK;
}

void kinesis_update_stream_warm_throughput_result_clean_up(
    kinesis_update_stream_warm_throughput_result *r) {
    if (!r) return;
    kinesis_arena_destroy(r->internal_);
    memset(r, 0, sizeof(*r));
}

/* ---- account ---- */

kinesis_status kinesis_describe_limits(kinesis_client *c, kinesis_limits *out, kinesis_error *err) {
    static const char op[] = "DescribeLimits";
    kinesis_error_clear(err);
    if (!c || !out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    body x;
    body_begin(&x, c);
    body_end(&x, NULL);
    kinesis_arena *arena;
    kjson *doc;
    kinesis_status st = send_parsed(c, op, &x, &arena, &doc, err);
    if (st) return st;
    out->shard_limit = get_int_or_absent(doc, "ShardLimit");
    out->open_shard_count = get_int_or_absent(doc, "OpenShardCount");
    out->on_demand_stream_count = get_int_or_absent(doc, "OnDemandStreamCount");
    out->on_demand_stream_count_limit = get_int_or_absent(doc, "OnDemandStreamCountLimit");
    kinesis_arena_destroy(arena);
    if (out->shard_limit < 0 || out->open_shard_count < 0) {
        memset(out, 0, sizeof(*out));
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                 "%s: response without ShardLimit or OpenShardCount", op);
    }
    return KINESIS_OK;
}

static kinesis_status parse_account_settings(const char *op, const kjson *doc,
                                             kinesis_account_settings *out, kinesis_error *err) {
    memset(out, 0, sizeof(*out));
    const kjson *m = kjson_get(doc, "MinimumThroughputBillingCommitment");
    if (!m || m->type == KJSON_NULL) return KINESIS_OK;
    const char *status = kjson_get_string(m, "Status");
    if (m->type != KJSON_OBJECT || !status || strlen(status) >= sizeof(out->status_name))
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                 "%s: MinimumThroughputBillingCommitment without a valid Status",
                                 op);
    out->has_minimum_throughput_billing_commitment = 1;
    memcpy(out->status_name, status, strlen(status) + 1);
    out->status = strcmp(status, "ENABLED") == 0    ? KINESIS_BILLING_COMMITMENT_ENABLED
                  : strcmp(status, "DISABLED") == 0 ? KINESIS_BILLING_COMMITMENT_DISABLED
                  : strcmp(status, "ENABLED_UNTIL_EARLIEST_ALLOWED_END") == 0
                      ? KINESIS_BILLING_COMMITMENT_ENABLED_UNTIL_EARLIEST_ALLOWED_END
                      : KINESIS_BILLING_COMMITMENT_UNSET;
    out->has_started_at = kjson_get_double(m, "StartedAt", &out->started_at);
    out->has_ended_at = kjson_get_double(m, "EndedAt", &out->ended_at);
    out->has_earliest_allowed_end_at =
        kjson_get_double(m, "EarliestAllowedEndAt", &out->earliest_allowed_end_at);
    return KINESIS_OK;
}

static kinesis_status account_call(kinesis_client *c, const char *op, body *x,
                                   kinesis_account_settings *out, kinesis_error *err) {
    kinesis_arena *arena;
    kjson *doc;
    kinesis_status st = send_parsed(c, op, x, &arena, &doc, err);
    if (st) return st;
    kinesis_account_settings scratch;
    st = parse_account_settings(op, doc, out ? out : &scratch, err);
    if (st && out) memset(out, 0, sizeof(*out));
    kinesis_arena_destroy(arena);
    return st;
}

kinesis_status kinesis_describe_account_settings(kinesis_client *c, kinesis_account_settings *out,
                                                 kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    body x;
    body_begin(&x, c);
    body_end(&x, NULL);
    return account_call(c, "DescribeAccountSettings", &x, out, err);
}

kinesis_status kinesis_update_account_settings(kinesis_client *c,
                                               const kinesis_update_account_settings_request *req,
                                               kinesis_account_settings *out, kinesis_error *err) {
    static const char op[] = "UpdateAccountSettings";
    kinesis_error_clear(err);
    if (out) memset(out, 0, sizeof(*out));
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_billing_commitment_status s = req->minimum_throughput_billing_commitment;
    if (s != KINESIS_BILLING_COMMITMENT_ENABLED && s != KINESIS_BILLING_COMMITMENT_DISABLED)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s: minimum_throughput_billing_commitment must be ENABLED or "
                                 "DISABLED",
                                 op);
    body x;
    body_begin(&x, c);
    kjson_append_key(&x.b, "MinimumThroughputBillingCommitment", &x.first);
    kinesis_buf_appendf(&x.b, "{\"Status\":\"%s\"}",
                        s == KINESIS_BILLING_COMMITMENT_ENABLED ? "ENABLED" : "DISABLED");
    body_end(&x, NULL);
    return account_call(c, op, &x, out, err);
}

/* ---- resource policies ---- */

kinesis_status kinesis_put_resource_policy(kinesis_client *c,
                                           const kinesis_put_resource_policy_request *req,
                                           kinesis_error *err) {
    static const char op[] = "PutResourcePolicy";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_resource_arn(op, req->resource_arn, err);
    if (!st && (!req->policy || !*req->policy || utf8_chars(req->policy) < 0))
        st = kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                               "%s: policy is required (JSON text, valid UTF-8)", op);
    if (!st) st = check_stream_id(op, req->stream_id, err);
    if (st) return st;
    body x;
    body_begin(&x, c);
    body_str(&x, "ResourceARN", req->resource_arn);
    body_str(&x, "Policy", req->policy);
    body_end(&x, req->stream_id);
    return send_plain(c, op, &x, err);
}

kinesis_status kinesis_get_resource_policy(kinesis_client *c, const kinesis_resource_request *req,
                                           kinesis_resource_policy *out, kinesis_error *err) {
    static const char op[] = "GetResourcePolicy";
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    body x;
    kinesis_status st = resource_body(c, op, req, &x, err);
    if (st) return st;
    kinesis_arena *arena;
    kjson *doc;
    st = send_parsed(c, op, &x, &arena, &doc, err);
    if (st) return st;
    out->policy = kjson_get_string(doc, "Policy");
    if (!out->policy) {
        kinesis_arena_destroy(arena);
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "%s: response without Policy", op);
    }
    out->internal_ = arena;
    return KINESIS_OK;
}

void kinesis_resource_policy_clean_up(kinesis_resource_policy *p) {
    if (!p) return;
    kinesis_arena_destroy(p->internal_);
    memset(p, 0, sizeof(*p));
}

kinesis_status kinesis_delete_resource_policy(kinesis_client *c,
                                              const kinesis_resource_request *req,
                                              kinesis_error *err) {
    static const char op[] = "DeleteResourcePolicy";
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    body x;
    kinesis_status st = resource_body(c, op, req, &x, err);
    if (st) return st;
    return send_plain(c, op, &x, err);
}

/* Stream and shard operations: request JSON, response parsing, pagination. Results point into
 * the parsed response DOM, which lives in an arena the result owns. */
#include "client_internal.h"
#include "kinesis/streams.h"

#include <stdatomic.h>

static kinesis_status require_stream(const char *stream, kinesis_error *err) {
    if (!stream || !*stream)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM, "a stream name or ARN is required");
    size_t len = strlen(stream);
    if (kinesis_is_stream_arn(stream) ? len > 2048 : len > 128)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "stream name longer than 128 characters (ARN: 2048)");
    return KINESIS_OK;
}

kinesis_status kinesis_create_stream(kinesis_client *c, const kinesis_create_stream_request *req,
                                     kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = require_stream(req->stream_name, err);
    if (st) return st;
    if (kinesis_is_stream_arn(req->stream_name))
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM, "CreateStream takes a name");
    if (req->mode == KINESIS_STREAM_MODE_PROVISIONED && req->shard_count == 0)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "a provisioned stream needs shard_count >= 1");
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    bool first = true;
    kinesis_buf_append_char(&b, '{');
    kjson_append_key(&b, "StreamName", &first);
    kjson_append_cstring(&b, req->stream_name);
    if (req->shard_count) {
        kjson_append_key(&b, "ShardCount", &first);
        kinesis_buf_appendf(&b, "%u", req->shard_count);
    }
    if (req->mode == KINESIS_STREAM_MODE_ON_DEMAND) {
        kjson_append_key(&b, "StreamModeDetails", &first);
        kinesis_buf_append_str(&b, "{\"StreamMode\":\"ON_DEMAND\"}");
    }
    kinesis_buf_append_char(&b, '}');
    kinesis_buf resp;
    kinesis_buf_init(&resp, kinesis_client_allocator(c));
    st = b.failed ? kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory")
                  : kinesis_client_execute(c, "CreateStream", b.data, b.len, &resp, err);
    kinesis_buf_clean_up(&b);
    kinesis_buf_clean_up(&resp);
    return st;
}

kinesis_status kinesis_delete_stream(kinesis_client *c, const char *stream,
                                     uint8_t enforce_consumer_deletion, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL client");
    kinesis_status st = require_stream(stream, err);
    if (st) return st;
    kinesis_buf b, resp;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    kinesis_buf_init(&resp, kinesis_client_allocator(c));
    bool first = true;
    kinesis_buf_append_char(&b, '{');
    kinesis_append_stream_member(&b, stream, &first);
    if (enforce_consumer_deletion) {
        kjson_append_key(&b, "EnforceConsumerDeletion", &first);
        kinesis_buf_append_str(&b, "true");
    }
    kinesis_buf_append_char(&b, '}');
    st = b.failed ? kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory")
                  : kinesis_client_execute(c, "DeleteStream", b.data, b.len, &resp, err);
    kinesis_buf_clean_up(&b);
    kinesis_buf_clean_up(&resp);
    return st;
}

/* ---- ListStreams ---- */
typedef struct page_list {
    const kjson *items;
    struct page_list *next;
} page_list;

/* Append one page's array to a list kept in the arena, and count its items. */
static kinesis_status append_page(kinesis_arena *arena, page_list ***tail, const kjson *items,
                                  size_t *total, kinesis_error *err) {
    page_list *p = kinesis_arena_alloc(arena, sizeof(*p));
    if (!p) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    p->items = items;
    **tail = p;
    *tail = &p->next;
    *total += items->count;
    return KINESIS_OK;
}

kinesis_status kinesis_list_streams(kinesis_client *c, kinesis_list_streams_result *out,
                                    kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    if (!arena) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    page_list *names_pages = NULL, **tail = &names_pages;
    page_list *summary_pages = NULL, **stail = &summary_pages;
    size_t total = 0, summary_total = 0;
    const char *next_token = NULL, *last_name = NULL;
    kinesis_status st = KINESIS_OK;
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    for (int page = 0; page < 100000; page++) {
        kinesis_buf_reset(&b);
        bool first = true;
        kinesis_buf_append_char(&b, '{');
        if (next_token) {
            kjson_append_key(&b, "NextToken", &first);
            kjson_append_cstring(&b, next_token);
        } else if (last_name) {
            kjson_append_key(&b, "ExclusiveStartStreamName", &first);
            kjson_append_cstring(&b, last_name);
        }
        kinesis_buf_append_char(&b, '}');
        kjson *doc;
        st = kinesis_client_execute_parsed(c, "ListStreams", &b, arena, &doc, err);
        if (st) break;
        const kjson *names = kjson_get_array(doc, "StreamNames");
        if (names && names->count) {
            if ((st = append_page(arena, &tail, names, &total, err))) break;
            const kjson *lastv = names->items[names->count - 1];
            last_name = lastv->type == KJSON_STRING ? lastv->str : NULL;
        }
        const kjson *summaries = kjson_get_array(doc, "StreamSummaries");
        if (summaries && summaries->count) {
            if ((st = append_page(arena, &stail, summaries, &summary_total, err))) break;
        }
        bool more = false;
        kjson_get_bool(doc, "HasMoreStreams", &more);
        next_token = kjson_get_string(doc, "NextToken");
        if (!more || (!next_token && !last_name)) break;
    }
    kinesis_buf_clean_up(&b);
    if (st == KINESIS_OK) {
        out->stream_names = kinesis_arena_alloc(arena, (total ? total : 1) * sizeof(char *));
        if (summary_total == total && total)
            out->summaries = kinesis_arena_alloc(arena, total * sizeof(*out->summaries));
        if (!out->stream_names || (summary_total == total && total && !out->summaries))
            st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    if (st == KINESIS_OK) {
        size_t n = 0;
        for (page_list *p = names_pages; p; p = p->next)
            for (size_t i = 0; i < p->items->count; i++)
                if (p->items->items[i]->type == KJSON_STRING)
                    out->stream_names[n++] = p->items->items[i]->str;
        out->stream_count = n;
        if (out->summaries) {
            size_t k = 0;
            for (page_list *p = summary_pages; p && k < n; p = p->next)
                for (size_t i = 0; i < p->items->count && k < n; i++, k++) {
                    const kjson *s = p->items->items[i];
                    kinesis_stream_summary_entry *e = &out->summaries[k];
                    e->stream_name = kjson_get_string(s, "StreamName");
                    e->stream_arn = kjson_get_string(s, "StreamARN");
                    e->stream_status = kjson_get_string(s, "StreamStatus");
                    const kjson *mode = kjson_get(s, "StreamModeDetails");
                    e->stream_mode = kjson_get_string(mode, "StreamMode");
                    kjson_get_double(s, "StreamCreationTimestamp", &e->stream_creation_timestamp);
                }
        }
        out->internal_ = arena;
        return KINESIS_OK;
    }
    kinesis_arena_destroy(arena);
    memset(out, 0, sizeof(*out));
    return st;
}

void kinesis_list_streams_result_clean_up(kinesis_list_streams_result *r) {
    if (!r) return;
    kinesis_arena_destroy(r->internal_);
    memset(r, 0, sizeof(*r));
}

/* ---- shards ---- */
static kinesis_status parse_shard(const kjson *s, kinesis_shard *out, kinesis_error *err) {
    memset(out, 0, sizeof(*out));
    out->shard_id = kjson_get_string(s, "ShardId");
    out->parent_shard_id = kjson_get_string(s, "ParentShardId");
    out->adjacent_parent_shard_id = kjson_get_string(s, "AdjacentParentShardId");
    const kjson *hr = kjson_get(s, "HashKeyRange");
    out->starting_hash_key = kjson_get_string(hr, "StartingHashKey");
    out->ending_hash_key = kjson_get_string(hr, "EndingHashKey");
    const kjson *sr = kjson_get(s, "SequenceNumberRange");
    out->starting_sequence_number = kjson_get_string(sr, "StartingSequenceNumber");
    out->ending_sequence_number = kjson_get_string(sr, "EndingSequenceNumber");
    if (!out->shard_id || !out->starting_hash_key || !out->ending_hash_key)
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                 "shard without ShardId or HashKeyRange in the response");
    if (kinesis_hash_key_parse(out->starting_hash_key, strlen(out->starting_hash_key),
                               &out->hash_start) != KINESIS_OK ||
        kinesis_hash_key_parse(out->ending_hash_key, strlen(out->ending_hash_key),
                               &out->hash_end) != KINESIS_OK)
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                 "shard %s has a malformed hash key range", out->shard_id);
    return KINESIS_OK;
}

/* Flatten shard arrays from several pages into one array in the arena. */
static kinesis_status collect_shards(kinesis_arena *arena, page_list *pages, size_t total,
                                     kinesis_shard **out, size_t *count, kinesis_error *err) {
    *out = kinesis_arena_alloc(arena, (total ? total : 1) * sizeof(kinesis_shard));
    if (!*out) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    size_t n = 0;
    for (page_list *p = pages; p; p = p->next)
        for (size_t i = 0; i < p->items->count; i++) {
            kinesis_status st = parse_shard(p->items->items[i], &(*out)[n], err);
            if (st) return st;
            n++;
        }
    *count = n;
    return KINESIS_OK;
}

static void parse_stream_common(const kjson *d, const char **name, const char **arn,
                                const char **status, const char **mode, uint32_t *retention,
                                double *created, const char **encryption, const char **key_id) {
    *name = kjson_get_string(d, "StreamName");
    *arn = kjson_get_string(d, "StreamARN");
    *status = kjson_get_string(d, "StreamStatus");
    *mode = kjson_get_string(kjson_get(d, "StreamModeDetails"), "StreamMode");
    int64_t r = 0;
    if (kjson_get_int64(d, "RetentionPeriodHours", &r) && r > 0) *retention = (uint32_t)r;
    kjson_get_double(d, "StreamCreationTimestamp", created);
    *encryption = kjson_get_string(d, "EncryptionType");
    *key_id = kjson_get_string(d, "KeyId");
}

kinesis_status kinesis_describe_stream_summary(kinesis_client *c, const char *stream,
                                               kinesis_stream_summary *out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    kinesis_status st = require_stream(stream, err);
    if (st) return st;
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    if (!arena) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    bool first = true;
    kinesis_buf_append_char(&b, '{');
    kinesis_append_stream_member(&b, stream, &first);
    kinesis_buf_append_char(&b, '}');
    kjson *doc;
    st = kinesis_client_execute_parsed(c, "DescribeStreamSummary", &b, arena, &doc, err);
    kinesis_buf_clean_up(&b);
    const kjson *d = st ? NULL : kjson_get(doc, "StreamDescriptionSummary");
    if (!st && !d)
        st = kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                               "DescribeStreamSummary: no StreamDescriptionSummary");
    if (st) {
        kinesis_arena_destroy(arena);
        return st;
    }
    parse_stream_common(d, &out->stream_name, &out->stream_arn, &out->stream_status,
                        &out->stream_mode, &out->retention_period_hours,
                        &out->stream_creation_timestamp, &out->encryption_type, &out->key_id);
    int64_t v;
    if (kjson_get_int64(d, "OpenShardCount", &v) && v >= 0) out->open_shard_count = (uint32_t)v;
    out->consumer_count = kjson_get_int64(d, "ConsumerCount", &v) ? (int32_t)v : -1;
    if (!out->stream_status) {
        kinesis_arena_destroy(arena);
        memset(out, 0, sizeof(*out));
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                 "DescribeStreamSummary: no StreamStatus");
    }
    out->internal_ = arena;
    return KINESIS_OK;
}

void kinesis_stream_summary_clean_up(kinesis_stream_summary *s) {
    if (!s) return;
    kinesis_arena_destroy(s->internal_);
    memset(s, 0, sizeof(*s));
}

kinesis_status kinesis_describe_stream(kinesis_client *c, const char *stream,
                                       kinesis_stream_description *out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    kinesis_status st = require_stream(stream, err);
    if (st) return st;
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    if (!arena) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    page_list *pages = NULL, **tail = &pages;
    size_t total = 0;
    const char *last_shard = NULL;
    const kjson *first_desc = NULL;
    for (int page = 0; page < 100000; page++) {
        kinesis_buf_reset(&b);
        bool first = true;
        kinesis_buf_append_char(&b, '{');
        kinesis_append_stream_member(&b, stream, &first);
        if (last_shard) {
            kjson_append_key(&b, "ExclusiveStartShardId", &first);
            kjson_append_cstring(&b, last_shard);
        }
        kinesis_buf_append_char(&b, '}');
        kjson *doc;
        st = kinesis_client_execute_parsed(c, "DescribeStream", &b, arena, &doc, err);
        if (st) break;
        const kjson *d = kjson_get(doc, "StreamDescription");
        if (!d) {
            st = kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                   "DescribeStream: no StreamDescription");
            break;
        }
        if (!first_desc) first_desc = d;
        const kjson *shards = kjson_get_array(d, "Shards");
        bool more = false;
        kjson_get_bool(d, "HasMoreShards", &more);
        if (!shards || shards->count == 0) break;
        if ((st = append_page(arena, &tail, shards, &total, err))) break;
        last_shard = kjson_get_string(shards->items[shards->count - 1], "ShardId");
        if (!more || !last_shard) break;
    }
    kinesis_buf_clean_up(&b);
    if (st == KINESIS_OK)
        st = collect_shards(arena, pages, total, &out->shards, &out->shard_count, err);
    if (st) {
        kinesis_arena_destroy(arena);
        memset(out, 0, sizeof(*out));
        return st;
    }
    parse_stream_common(first_desc, &out->stream_name, &out->stream_arn, &out->stream_status,
                        &out->stream_mode, &out->retention_period_hours,
                        &out->stream_creation_timestamp, &out->encryption_type, &out->key_id);
    out->internal_ = arena;
    return KINESIS_OK;
}

void kinesis_stream_description_clean_up(kinesis_stream_description *d) {
    if (!d) return;
    kinesis_arena_destroy(d->internal_);
    memset(d, 0, sizeof(*d));
}

static const char *shard_filter_name(kinesis_shard_filter_type t) {
    switch (t) {
    case KINESIS_SHARD_FILTER_AFTER_SHARD_ID:
        return "AFTER_SHARD_ID";
    case KINESIS_SHARD_FILTER_AT_TRIM_HORIZON:
        return "AT_TRIM_HORIZON";
    case KINESIS_SHARD_FILTER_FROM_TRIM_HORIZON:
        return "FROM_TRIM_HORIZON";
    case KINESIS_SHARD_FILTER_AT_LATEST:
        return "AT_LATEST";
    case KINESIS_SHARD_FILTER_AT_TIMESTAMP:
        return "AT_TIMESTAMP";
    case KINESIS_SHARD_FILTER_FROM_TIMESTAMP:
        return "FROM_TIMESTAMP";
    default:
        return NULL;
    }
}

/* Build one ListShards page request. The real API forbids StreamName with NextToken; moto
 * requires it; so `with_stream` picks the convention. */
static void list_shards_body(kinesis_buf *b, const kinesis_list_shards_request *req,
                             const char *next_token, bool with_stream) {
    kinesis_buf_reset(b);
    bool first = true;
    kinesis_buf_append_char(b, '{');
    if (!next_token || with_stream) kinesis_append_stream_member(b, req->stream, &first);
    if (next_token) {
        kjson_append_key(b, "NextToken", &first);
        kjson_append_cstring(b, next_token);
    } else {
        if (req->exclusive_start_shard_id) {
            kjson_append_key(b, "ExclusiveStartShardId", &first);
            kjson_append_cstring(b, req->exclusive_start_shard_id);
        }
        const char *filter = shard_filter_name(req->filter);
        if (filter) {
            kjson_append_key(b, "ShardFilter", &first);
            kinesis_buf_appendf(b, "{\"Type\":\"%s\"", filter);
            if (req->filter == KINESIS_SHARD_FILTER_AFTER_SHARD_ID && req->filter_shard_id) {
                kinesis_buf_append_str(b, ",\"ShardId\":");
                kjson_append_cstring(b, req->filter_shard_id);
            }
            if (req->filter == KINESIS_SHARD_FILTER_AT_TIMESTAMP ||
                req->filter == KINESIS_SHARD_FILTER_FROM_TIMESTAMP) {
                kinesis_buf_append_str(b, ",\"Timestamp\":");
                kjson_append_double(b, req->filter_timestamp);
            }
            kinesis_buf_append_char(b, '}');
        }
    }
    if (req->max_results) {
        kjson_append_key(b, "MaxResults", &first);
        kinesis_buf_appendf(b, "%u", req->max_results);
    }
    kinesis_buf_append_char(b, '}');
}

kinesis_status kinesis_list_shards(kinesis_client *c, const kinesis_list_shards_request *req,
                                   kinesis_list_shards_result *out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    kinesis_status st = require_stream(req->stream, err);
    if (st) return st;
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    if (!arena) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    page_list *pages = NULL, **tail = &pages;
    size_t total = 0;
    const char *next_token = NULL;
    bool with_stream = false;
    for (int page = 0; page < 100000; page++) {
        list_shards_body(&b, req, next_token, with_stream);
        kjson *doc;
        st = kinesis_client_execute_parsed(c, "ListShards", &b, arena, &doc, err);
        if (st && next_token && !with_stream &&
            (st == KINESIS_E_VALIDATION || st == KINESIS_E_RESOURCE_NOT_FOUND ||
             st == KINESIS_E_SERVICE || st == KINESIS_E_HTTP)) {
            /* A server that wants StreamName next to NextToken: ask again its way. */
            with_stream = true;
            list_shards_body(&b, req, next_token, with_stream);
            st = kinesis_client_execute_parsed(c, "ListShards", &b, arena, &doc, err);
        }
        if (st) break;
        const kjson *shards = kjson_get_array(doc, "Shards");
        if (shards && shards->count) {
            if ((st = append_page(arena, &tail, shards, &total, err))) break;
        }
        const char *token = kjson_get_string(doc, "NextToken");
        /* A token with an empty page would loop forever on a broken server. */
        if (!token || !shards || shards->count == 0) break;
        next_token = token;
    }
    kinesis_buf_clean_up(&b);
    if (st == KINESIS_OK)
        st = collect_shards(arena, pages, total, &out->shards, &out->shard_count, err);
    if (st) {
        kinesis_arena_destroy(arena);
        memset(out, 0, sizeof(*out));
        return st;
    }
    out->internal_ = arena;
    return KINESIS_OK;
}

void kinesis_list_shards_result_clean_up(kinesis_list_shards_result *r) {
    if (!r) return;
    kinesis_arena_destroy(r->internal_);
    memset(r, 0, sizeof(*r));
}

/* Stream waiters: ACTIVE (ResourceNotFound tolerated while a new stream becomes visible), or
 * gone. */
static kinesis_status check_stream_active(kinesis_client *c, void *stream, bool *done,
                                          kinesis_error *err) {
    kinesis_stream_summary s;
    kinesis_status st = kinesis_describe_stream_summary(c, stream, &s, err);
    if (st == KINESIS_E_RESOURCE_NOT_FOUND) return KINESIS_OK;
    if (st != KINESIS_OK) return st;
    *done = strcmp(s.stream_status, "ACTIVE") == 0;
    bool deleting = strcmp(s.stream_status, "DELETING") == 0;
    kinesis_stream_summary_clean_up(&s);
    if (deleting)
        return kinesis_error_set(err, KINESIS_E_RESOURCE_NOT_FOUND, "stream %s is being deleted",
                                 (const char *)stream);
    return KINESIS_OK;
}

static kinesis_status check_stream_gone(kinesis_client *c, void *stream, bool *done,
                                        kinesis_error *err) {
    kinesis_stream_summary s;
    kinesis_status st = kinesis_describe_stream_summary(c, stream, &s, err);
    if (st == KINESIS_E_RESOURCE_NOT_FOUND) {
        *done = true;
        return KINESIS_OK;
    }
    if (st == KINESIS_OK) kinesis_stream_summary_clean_up(&s);
    return st;
}

kinesis_status kinesis_wait_stream_active(kinesis_client *c, const char *stream,
                                          uint32_t timeout_ms, uint32_t poll_interval_ms,
                                          kinesis_error *err) {
    return kinesis_wait_for(c, check_stream_active, (void *)stream, timeout_ms, poll_interval_ms,
                            "stream ACTIVE", err);
}

kinesis_status kinesis_wait_stream_not_exists(kinesis_client *c, const char *stream,
                                              uint32_t timeout_ms, uint32_t poll_interval_ms,
                                              kinesis_error *err) {
    return kinesis_wait_for(c, check_stream_gone, (void *)stream, timeout_ms, poll_interval_ms,
                            "stream deleted", err);
}

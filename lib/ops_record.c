/* Record operations and the validation that runs before anything is sent. */
#include "client_internal.h"
#include "kinesis/base64.h"
#include "kinesis/records.h"

#include <stdio.h>

kinesis_status kinesis_validate_partition_key(const char *pk) {
    if (!pk) return KINESIS_E_INVALID_PARTITION_KEY;
    long n = kinesis_utf8_char_count(pk, strlen(pk));
    return n >= 1 && n <= KINESIS_PARTITION_KEY_MAX_CHARS ? KINESIS_OK
                                                          : KINESIS_E_INVALID_PARTITION_KEY;
}

kinesis_status kinesis_validate_explicit_hash_key(const char *ehk) {
    kinesis_hash_key k;
    if (!ehk) return KINESIS_E_INVALID_EXPLICIT_HASH_KEY;
    return kinesis_hash_key_parse(ehk, strlen(ehk), &k) == KINESIS_OK
               ? KINESIS_OK
               : KINESIS_E_INVALID_EXPLICIT_HASH_KEY;
}

/* Validate one record; `index` (-1 for PutRecord) names it in the message. */
static kinesis_status validate_record(const kinesis_client *c, const char *pk, const uint8_t *data,
                                      size_t data_len, const char *ehk, long index,
                                      kinesis_error *err) {
    char where[48] = "";
    if (index >= 0) snprintf(where, sizeof(where), "record %ld: ", index);
    if (kinesis_validate_partition_key(pk) != KINESIS_OK)
        return kinesis_error_set(err, KINESIS_E_INVALID_PARTITION_KEY,
                                 "%spartition key must be 1 to 256 characters of valid UTF-8%s",
                                 where, pk ? "" : " (got NULL)");
    if (ehk && kinesis_validate_explicit_hash_key(ehk) != KINESIS_OK)
        return kinesis_error_set(err, KINESIS_E_INVALID_EXPLICIT_HASH_KEY,
                                 "%sexplicit hash key must be a decimal integer in [0, 2^128)",
                                 where);
    if (!data && data_len)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "%sdata is NULL", where);
    size_t size = data_len + strlen(pk);
    uint32_t limit = kinesis_client_max_record_bytes(c);
    if (size > limit)
        return kinesis_error_set(err, KINESIS_E_RECORD_TOO_LARGE,
                                 "%sdata plus partition key is %zu bytes, over the %u-byte limit",
                                 where, size, limit);
    return KINESIS_OK;
}

kinesis_status kinesis_put_record(kinesis_client *c, const kinesis_put_record_request *req,
                                  kinesis_put_record_result *out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    if (!req->stream || !*req->stream)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM, "a stream name or ARN is required");
    kinesis_status st = validate_record(c, req->partition_key, req->data, req->data_len,
                                        req->explicit_hash_key, -1, err);
    if (st) return st;
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    kinesis_buf_reserve(&b, KINESIS_BASE64_ENCODED_LEN(req->data_len) + 256);
    bool first = true;
    kinesis_buf_append_char(&b, '{');
    kinesis_append_stream_member(&b, req->stream, &first);
    kjson_append_key(&b, "PartitionKey", &first);
    kjson_append_cstring(&b, req->partition_key);
    kjson_append_key(&b, "Data", &first);
    kjson_append_base64(&b, req->data, req->data_len);
    if (req->explicit_hash_key) {
        kjson_append_key(&b, "ExplicitHashKey", &first);
        kjson_append_cstring(&b, req->explicit_hash_key);
    }
    if (req->sequence_number_for_ordering) {
        kjson_append_key(&b, "SequenceNumberForOrdering", &first);
        kjson_append_cstring(&b, req->sequence_number_for_ordering);
    }
    kinesis_buf_append_char(&b, '}');
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    kjson *doc = NULL;
    st = arena ? kinesis_client_execute_parsed(c, "PutRecord", &b, arena, &doc, err)
               : kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kinesis_buf_clean_up(&b);
    if (st == KINESIS_OK) {
        const char *shard = kjson_get_string(doc, "ShardId");
        const char *seq = kjson_get_string(doc, "SequenceNumber");
        if (!shard || !seq || strlen(shard) >= sizeof(out->shard_id) ||
            strlen(seq) >= sizeof(out->sequence_number)) {
            st = kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                   "PutRecord: missing or oversized ShardId/SequenceNumber");
        } else {
            kinesis_copy_string(out->shard_id, sizeof(out->shard_id), shard);
            kinesis_copy_string(out->sequence_number, sizeof(out->sequence_number), seq);
            kinesis_copy_string(out->encryption_type, sizeof(out->encryption_type),
                                kjson_get_string(doc, "EncryptionType"));
        }
    }
    kinesis_arena_destroy(arena);
    return st;
}

kinesis_status kinesis_put_records(kinesis_client *c, const kinesis_put_records_request *req,
                                   kinesis_put_records_result_entry *results,
                                   uint32_t *failed_count, kinesis_error *err) {
    kinesis_error_clear(err);
    if (failed_count) *failed_count = 0;
    if (!c || !req || !results || (!req->entries && req->entry_count))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    if (!req->stream || !*req->stream)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM, "a stream name or ARN is required");
    if (req->entry_count == 0 || req->entry_count > KINESIS_PUT_RECORDS_MAX_ENTRIES)
        return kinesis_error_set(err, KINESIS_E_TOO_MANY_RECORDS,
                                 "PutRecords takes 1 to 500 records, got %zu", req->entry_count);
    size_t total = 0, encoded = 0;
    for (size_t i = 0; i < req->entry_count; i++) {
        const kinesis_put_records_entry *e = &req->entries[i];
        kinesis_status st = validate_record(c, e->partition_key, e->data, e->data_len,
                                            e->explicit_hash_key, (long)i, err);
        if (st) return st;
        total += e->data_len + strlen(e->partition_key);
        encoded += KINESIS_BASE64_ENCODED_LEN(e->data_len) + strlen(e->partition_key) * 6 + 96;
    }
    uint32_t cap = kinesis_client_max_put_records_bytes(c);
    if (total > cap)
        return kinesis_error_set(err, KINESIS_E_REQUEST_TOO_LARGE,
                                 "PutRecords data plus partition keys is %zu bytes, over the "
                                 "%u-byte request limit",
                                 total, cap);
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    kinesis_buf_reserve(&b, encoded + 256);
    bool first = true;
    kinesis_buf_append_char(&b, '{');
    kinesis_append_stream_member(&b, req->stream, &first);
    kjson_append_key(&b, "Records", &first);
    kinesis_buf_append_char(&b, '[');
    for (size_t i = 0; i < req->entry_count; i++) {
        const kinesis_put_records_entry *e = &req->entries[i];
        if (i) kinesis_buf_append_char(&b, ',');
        bool f = true;
        kinesis_buf_append_char(&b, '{');
        kjson_append_key(&b, "Data", &f);
        kjson_append_base64(&b, e->data, e->data_len);
        kjson_append_key(&b, "PartitionKey", &f);
        kjson_append_cstring(&b, e->partition_key);
        if (e->explicit_hash_key) {
            kjson_append_key(&b, "ExplicitHashKey", &f);
            kjson_append_cstring(&b, e->explicit_hash_key);
        }
        kinesis_buf_append_char(&b, '}');
    }
    kinesis_buf_append_str(&b, "]}");
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    kjson *doc = NULL;
    kinesis_status st = arena ? kinesis_client_execute_parsed(c, "PutRecords", &b, arena, &doc, err)
                              : kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kinesis_buf_clean_up(&b);
    if (st == KINESIS_OK) {
        const kjson *records = kjson_get_array(doc, "Records");
        if (!records || records->count != req->entry_count) {
            st = kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                   "PutRecords: %zu results for %zu records",
                                   records ? records->count : 0, req->entry_count);
        } else {
            uint32_t failed = 0;
            for (size_t i = 0; i < records->count; i++) {
                const kjson *r = records->items[i];
                kinesis_put_records_result_entry *out = &results[i];
                memset(out, 0, sizeof(*out));
                const char *code = kjson_get_string(r, "ErrorCode");
                if (code) {
                    failed++;
                    out->status = kinesis_status_from_error_type(code);
                    if (strcmp(code, "InternalFailure") == 0)
                        out->status = KINESIS_E_SERVICE_UNAVAILABLE;
                    kinesis_copy_string(out->error_code, sizeof(out->error_code), code);
                    kinesis_copy_string(out->error_message, sizeof(out->error_message),
                                        kjson_get_string(r, "ErrorMessage"));
                    continue;
                }
                const char *shard = kjson_get_string(r, "ShardId");
                const char *seq = kjson_get_string(r, "SequenceNumber");
                if (!shard || !seq || strlen(shard) >= sizeof(out->shard_id) ||
                    strlen(seq) >= sizeof(out->sequence_number)) {
                    /* Neither a success nor an error: the caller must not assume delivery. */
                    failed++;
                    out->status = KINESIS_E_BAD_RESPONSE;
                    kinesis_copy_string(out->error_message, sizeof(out->error_message),
                                        "result has neither ErrorCode nor ShardId/SequenceNumber");
                    continue;
                }
                out->status = KINESIS_OK;
                kinesis_copy_string(out->shard_id, sizeof(out->shard_id), shard);
                kinesis_copy_string(out->sequence_number, sizeof(out->sequence_number), seq);
            }
            if (failed_count) *failed_count = failed;
        }
    }
    kinesis_arena_destroy(arena);
    return st;
}

const char *kinesis_iterator_type_name(kinesis_iterator_type t) {
    switch (t) {
    case KINESIS_ITERATOR_TRIM_HORIZON:
        return "TRIM_HORIZON";
    case KINESIS_ITERATOR_LATEST:
        return "LATEST";
    case KINESIS_ITERATOR_AT_SEQUENCE_NUMBER:
        return "AT_SEQUENCE_NUMBER";
    case KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER:
        return "AFTER_SEQUENCE_NUMBER";
    case KINESIS_ITERATOR_AT_TIMESTAMP:
        return "AT_TIMESTAMP";
    default:
        return NULL;
    }
}

kinesis_status kinesis_get_shard_iterator(kinesis_client *c,
                                          const kinesis_get_shard_iterator_request *req,
                                          kinesis_get_shard_iterator_result *out,
                                          kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    const char *type = kinesis_iterator_type_name(req->type);
    if (!type) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "unknown iterator type");
    if (!req->stream || !*req->stream)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM, "a stream name or ARN is required");
    if (!req->shard_id || !*req->shard_id)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "shard_id is required");
    bool needs_seq = req->type == KINESIS_ITERATOR_AT_SEQUENCE_NUMBER ||
                     req->type == KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER;
    if (needs_seq && (!req->starting_sequence_number || !*req->starting_sequence_number))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "%s needs starting_sequence_number", type);
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    bool first = true;
    kinesis_buf_append_char(&b, '{');
    kinesis_append_stream_member(&b, req->stream, &first);
    kjson_append_key(&b, "ShardId", &first);
    kjson_append_cstring(&b, req->shard_id);
    kjson_append_key(&b, "ShardIteratorType", &first);
    kjson_append_cstring(&b, type);
    if (needs_seq) {
        kjson_append_key(&b, "StartingSequenceNumber", &first);
        kjson_append_cstring(&b, req->starting_sequence_number);
    }
    if (req->type == KINESIS_ITERATOR_AT_TIMESTAMP) {
        kjson_append_key(&b, "Timestamp", &first);
        if (!kjson_append_double(&b, req->timestamp)) {
            kinesis_buf_clean_up(&b);
            return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "timestamp is not finite");
        }
    }
    kinesis_buf_append_char(&b, '}');
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    kjson *doc = NULL;
    kinesis_status st =
        arena ? kinesis_client_execute_parsed(c, "GetShardIterator", &b, arena, &doc, err)
              : kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kinesis_buf_clean_up(&b);
    if (st == KINESIS_OK) {
        const char *it = kjson_get_string(doc, "ShardIterator");
        if (!it || !*it || strlen(it) >= sizeof(out->shard_iterator))
            st = kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                   "GetShardIterator: missing or oversized ShardIterator");
        else
            kinesis_copy_string(out->shard_iterator, sizeof(out->shard_iterator), it);
    }
    kinesis_arena_destroy(arena);
    return st;
}

static kinesis_status parse_child_shard(kinesis_arena *arena, const kjson *j,
                                        kinesis_child_shard *out, kinesis_error *err) {
    out->shard_id = kjson_get_string(j, "ShardId");
    const kjson *parents = kjson_get_array(j, "ParentShards");
    const kjson *hr = kjson_get(j, "HashKeyRange");
    const char *start = kjson_get_string(hr, "StartingHashKey");
    const char *end = kjson_get_string(hr, "EndingHashKey");
    if (!out->shard_id || !start || !end ||
        kinesis_hash_key_parse(start, strlen(start), &out->hash_start) ||
        kinesis_hash_key_parse(end, strlen(end), &out->hash_end))
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "malformed ChildShards");
    if (parents && parents->count) {
        out->parent_shards = kinesis_arena_alloc(arena, parents->count * sizeof(char *));
        if (!out->parent_shards) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "oom");
        for (size_t i = 0; i < parents->count; i++)
            if (parents->items[i]->type == KJSON_STRING)
                out->parent_shards[out->parent_count++] = parents->items[i]->str;
    }
    return KINESIS_OK;
}

kinesis_status kinesis_parse_records(kinesis_arena *arena, const kjson *doc, const char *what,
                                     kinesis_record **records_out, size_t *record_count,
                                     kinesis_child_shard **children_out, size_t *child_count,
                                     kinesis_error *err) {
    *records_out = NULL;
    *children_out = NULL;
    *record_count = *child_count = 0;
    const kjson *records = kjson_get_array(doc, "Records");
    const kjson *member = kjson_get(doc, "Records");
    if (!records && member && member->type != KJSON_NULL)
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "%s: Records is not a list", what);
    if (records && records->count) {
        kinesis_record *out = kinesis_arena_alloc(arena, records->count * sizeof(kinesis_record));
        if (!out) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        for (size_t i = 0; i < records->count; i++) {
            const kjson *r = records->items[i];
            kinesis_record *rec = &out[i];
            rec->sequence_number = kjson_get_string(r, "SequenceNumber");
            rec->partition_key = kjson_get_string(r, "PartitionKey");
            rec->encryption_type = kjson_get_string(r, "EncryptionType");
            kjson_get_double(r, "ApproximateArrivalTimestamp", &rec->approximate_arrival_timestamp);
            const kjson *data = kjson_get(r, "Data");
            if (!rec->sequence_number || !rec->partition_key || !data || data->type != KJSON_STRING)
                return kinesis_error_set(
                    err, KINESIS_E_BAD_RESPONSE,
                    "%s: record %zu lacks SequenceNumber, PartitionKey or Data", what, i);
            size_t cap = KINESIS_BASE64_DECODED_MAX(data->len);
            uint8_t *bytes = kinesis_arena_alloc(arena, cap ? cap : 1);
            if (!bytes) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
            if (kinesis_base64_decode(data->str, data->len, bytes, cap, &rec->data_len) !=
                KINESIS_OK)
                return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                         "%s: record %s has invalid base64 Data", what,
                                         rec->sequence_number);
            rec->data = bytes;
        }
        *records_out = out;
        *record_count = records->count;
    }
    const kjson *children = kjson_get_array(doc, "ChildShards");
    if (children && children->count) {
        kinesis_child_shard *out =
            kinesis_arena_alloc(arena, children->count * sizeof(kinesis_child_shard));
        if (!out) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        for (size_t i = 0; i < children->count; i++) {
            kinesis_status st = parse_child_shard(arena, children->items[i], &out[i], err);
            if (st) return st;
        }
        *children_out = out;
        *child_count = children->count;
    }
    return KINESIS_OK;
}

kinesis_status kinesis_get_records(kinesis_client *c, const kinesis_get_records_request *req,
                                   kinesis_get_records_result *out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !req || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    out->millis_behind_latest = -1;
    if (!req->shard_iterator || !*req->shard_iterator)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "shard_iterator is required");
    if (req->limit > 10000)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "limit must be <= 10000");
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    bool first = true;
    kinesis_buf_append_char(&b, '{');
    kjson_append_key(&b, "ShardIterator", &first);
    kjson_append_cstring(&b, req->shard_iterator);
    if (req->limit) {
        kjson_append_key(&b, "Limit", &first);
        kinesis_buf_appendf(&b, "%u", req->limit);
    }
    if (req->stream_arn) {
        kjson_append_key(&b, "StreamARN", &first);
        kjson_append_cstring(&b, req->stream_arn);
    }
    kinesis_buf_append_char(&b, '}');
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    kjson *doc = NULL;
    kinesis_status st = arena ? kinesis_client_execute_parsed(c, "GetRecords", &b, arena, &doc, err)
                              : kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kinesis_buf_clean_up(&b);
    if (st == KINESIS_OK)
        st = kinesis_parse_records(arena, doc, "GetRecords", &out->records, &out->record_count,
                                   &out->child_shards, &out->child_shard_count, err);
    if (st == KINESIS_OK) {
        out->next_shard_iterator = kjson_get_string(doc, "NextShardIterator");
        int64_t behind;
        if (kjson_get_int64(doc, "MillisBehindLatest", &behind)) out->millis_behind_latest = behind;
    }
    if (st) {
        kinesis_arena_destroy(arena);
        memset(out, 0, sizeof(*out));
        out->millis_behind_latest = -1;
        return st;
    }
    out->internal_ = arena;
    return KINESIS_OK;
}

void kinesis_get_records_result_clean_up(kinesis_get_records_result *r) {
    if (!r) return;
    kinesis_arena_destroy(r->internal_);
    memset(r, 0, sizeof(*r));
    r->millis_behind_latest = -1;
}

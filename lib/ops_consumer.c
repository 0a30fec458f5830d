/* Enhanced fan-out consumer operations and the consumer/stream waiters. */
#include <stdio.h>

#include "client_internal.h"
#include "kinesis/consumers.h"

static kinesis_status parse_consumer(const kjson *j, kinesis_stream_consumer *out, const char *op,
                                     kinesis_error *err) {
    memset(out, 0, sizeof(*out));
    const char *name = kjson_get_string(j, "ConsumerName");
    const char *arn = kjson_get_string(j, "ConsumerARN");
    const char *status = kjson_get_string(j, "ConsumerStatus");
    const char *stream_arn = kjson_get_string(j, "StreamARN");
    if (!name || !arn || !status || strlen(name) >= sizeof(out->consumer_name) ||
        strlen(arn) >= sizeof(out->consumer_arn) ||
        strlen(status) >= sizeof(out->consumer_status) ||
        (stream_arn && strlen(stream_arn) >= sizeof(out->stream_arn)))
        return kinesis_error_set(err, KINESIS_E_BAD_RESPONSE,
                                 "%s: consumer without ConsumerName, ConsumerARN or status", op);
    kinesis_copy_string(out->consumer_name, sizeof(out->consumer_name), name);
    kinesis_copy_string(out->consumer_arn, sizeof(out->consumer_arn), arn);
    kinesis_copy_string(out->consumer_status, sizeof(out->consumer_status), status);
    kinesis_copy_string(out->stream_arn, sizeof(out->stream_arn), stream_arn);
    kjson_get_double(j, "ConsumerCreationTimestamp", &out->consumer_creation_timestamp);
    return KINESIS_OK;
}

static kinesis_status check_arn(const char *what, const char *arn, kinesis_error *err) {
    if (!arn || !kinesis_is_stream_arn(arn) || strlen(arn) >= KINESIS_ARN_MAX)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "%s must be an ARN", what);
    return KINESIS_OK;
}

static kinesis_status check_name(const char *name, kinesis_error *err) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= KINESIS_CONSUMER_NAME_MAX)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "consumer name must be 1 to 128 characters");
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-'))
            return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                     "consumer name may only hold letters, digits, '_', '.', '-'");
    }
    return KINESIS_OK;
}

/* Run op with `b` and parse the object member `member` as a consumer into out. */
static kinesis_status run_consumer_call(kinesis_client *c, const char *op, kinesis_buf *b,
                                        const char *member, kinesis_stream_consumer *out,
                                        kinesis_error *err) {
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    kjson *doc = NULL;
    kinesis_status st = arena ? kinesis_client_execute_parsed(c, op, b, arena, &doc, err)
                              : kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    if (st == KINESIS_OK && out) {
        const kjson *j = kjson_get(doc, member);
        st = j ? parse_consumer(j, out, op, err)
               : kinesis_error_set(err, KINESIS_E_BAD_RESPONSE, "%s: no %s", op, member);
    }
    kinesis_arena_destroy(arena);
    kinesis_buf_clean_up(b);
    return st;
}

kinesis_status kinesis_register_stream_consumer(kinesis_client *c, const char *stream_arn,
                                                const char *consumer_name,
                                                kinesis_stream_consumer *out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_status st = check_arn("stream_arn", stream_arn, err);
    if (st == KINESIS_OK) st = check_name(consumer_name, err);
    if (st) return st;
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    bool first = true;
    kinesis_buf_append_char(&b, '{');
    kjson_append_key(&b, "StreamARN", &first);
    kjson_append_cstring(&b, stream_arn);
    kjson_append_key(&b, "ConsumerName", &first);
    kjson_append_cstring(&b, consumer_name);
    kinesis_buf_append_char(&b, '}');
    return run_consumer_call(c, "RegisterStreamConsumer", &b, "Consumer", out, err);
}

static kinesis_status consumer_ref_body(kinesis_buf *b, const kinesis_consumer_ref *ref,
                                        kinesis_error *err) {
    bool first = true;
    kinesis_buf_append_char(b, '{');
    if (ref->consumer_arn) {
        kinesis_status st = check_arn("consumer_arn", ref->consumer_arn, err);
        if (st) return st;
        kjson_append_key(b, "ConsumerARN", &first);
        kjson_append_cstring(b, ref->consumer_arn);
    } else {
        kinesis_status st = check_arn("stream_arn", ref->stream_arn, err);
        if (st == KINESIS_OK) st = check_name(ref->consumer_name, err);
        if (st) return st;
        kjson_append_key(b, "StreamARN", &first);
        kjson_append_cstring(b, ref->stream_arn);
        kjson_append_key(b, "ConsumerName", &first);
        kjson_append_cstring(b, ref->consumer_name);
    }
    kinesis_buf_append_char(b, '}');
    return KINESIS_OK;
}

kinesis_status kinesis_deregister_stream_consumer(kinesis_client *c,
                                                  const kinesis_consumer_ref *ref,
                                                  kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !ref) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    kinesis_status st = consumer_ref_body(&b, ref, err);
    if (st) {
        kinesis_buf_clean_up(&b);
        return st;
    }
    return run_consumer_call(c, "DeregisterStreamConsumer", &b, NULL, NULL, err);
}

kinesis_status kinesis_describe_stream_consumer(kinesis_client *c, const kinesis_consumer_ref *ref,
                                                kinesis_stream_consumer *out, kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !ref || !out)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    kinesis_status st = consumer_ref_body(&b, ref, err);
    if (st) {
        kinesis_buf_clean_up(&b);
        return st;
    }
    return run_consumer_call(c, "DescribeStreamConsumer", &b, "ConsumerDescription", out, err);
}

kinesis_status kinesis_list_stream_consumers(kinesis_client *c, const char *stream_arn,
                                             kinesis_list_stream_consumers_result *out,
                                             kinesis_error *err) {
    kinesis_error_clear(err);
    if (!c || !out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    memset(out, 0, sizeof(*out));
    kinesis_status st = check_arn("stream_arn", stream_arn, err);
    if (st) return st;
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(c));
    if (!arena) return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    kinesis_buf b;
    kinesis_buf_init(&b, kinesis_client_allocator(c));
    const kjson *pages[4096];
    size_t page_count = 0, total = 0;
    const char *token = NULL;
    while (page_count < KINESIS_ARRAY_LEN(pages)) {
        kinesis_buf_reset(&b);
        bool first = true;
        kinesis_buf_append_char(&b, '{');
        /* Unlike ListShards, ListStreamConsumers takes StreamARN together with NextToken. */
        kjson_append_key(&b, "StreamARN", &first);
        kjson_append_cstring(&b, stream_arn);
        if (token) {
            kjson_append_key(&b, "NextToken", &first);
            kjson_append_cstring(&b, token);
        }
        kinesis_buf_append_char(&b, '}');
        kjson *doc;
        st = kinesis_client_execute_parsed(c, "ListStreamConsumers", &b, arena, &doc, err);
        if (st) break;
        const kjson *list = kjson_get_array(doc, "Consumers");
        if (list && list->count) {
            pages[page_count++] = list;
            total += list->count;
        }
        token = kjson_get_string(doc, "NextToken");
        if (!token || !list || list->count == 0) break;
    }
    kinesis_buf_clean_up(&b);
    if (st == KINESIS_OK && total) {
        out->consumers = kinesis_arena_alloc(arena, total * sizeof(kinesis_stream_consumer));
        if (!out->consumers) st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
        for (size_t p = 0; st == KINESIS_OK && p < page_count; p++)
            for (size_t i = 0; st == KINESIS_OK && i < pages[p]->count; i++)
                st = parse_consumer(pages[p]->items[i], &out->consumers[out->consumer_count++],
                                    "ListStreamConsumers", err);
    }
    if (st) {
        kinesis_arena_destroy(arena);
        memset(out, 0, sizeof(*out));
        return st;
    }
    out->internal_ = arena;
    return KINESIS_OK;
}

void kinesis_list_stream_consumers_result_clean_up(kinesis_list_stream_consumers_result *r) {
    if (!r) return;
    kinesis_arena_destroy(r->internal_);
    memset(r, 0, sizeof(*r));
}

static kinesis_status check_consumer_active(kinesis_client *c, void *ref, bool *done,
                                            kinesis_error *err) {
    kinesis_stream_consumer cons;
    kinesis_status st = kinesis_describe_stream_consumer(c, ref, &cons, err);
    if (st == KINESIS_E_RESOURCE_NOT_FOUND) return KINESIS_OK;
    if (st != KINESIS_OK) return st;
    *done = strcmp(cons.consumer_status, "ACTIVE") == 0;
    if (strcmp(cons.consumer_status, "DELETING") == 0)
        return kinesis_error_set(err, KINESIS_E_RESOURCE_NOT_FOUND, "consumer %s is being deleted",
                                 cons.consumer_name);
    return KINESIS_OK;
}

kinesis_status kinesis_wait_consumer_active(kinesis_client *c, const kinesis_consumer_ref *ref,
                                            uint32_t timeout_ms, uint32_t poll_interval_ms,
                                            kinesis_error *err) {
    return kinesis_wait_for(c, check_consumer_active, (void *)ref, timeout_ms, poll_interval_ms,
                            "consumer ACTIVE", err);
}

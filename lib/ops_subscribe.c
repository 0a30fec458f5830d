/* SubscribeToShard: an HTTP/2 event stream decoded as it arrives (lib/eventstream.c), each
 * SubscribeToShardEvent parsed and handed to the caller, exceptions mapped to statuses. */
#include <stdatomic.h>
#include <stdio.h>

#include "client_internal.h"
#include "kinesis/consumers.h"
#include "kinesis/eventstream.h"

struct kinesis_subscription {
    const kinesis_allocator *allocator;
    atomic_int cancelled;
};

kinesis_subscription *kinesis_subscription_new(const kinesis_allocator *a) {
    kinesis_subscription *s = kinesis_mem_calloc(a, 1, sizeof(*s));
    if (s) {
        s->allocator = kinesis_alloc_or_default(a);
        atomic_init(&s->cancelled, 0);
    }
    return s;
}

void kinesis_subscription_cancel(kinesis_subscription *s) {
    if (s) atomic_store(&s->cancelled, 1);
}

void kinesis_subscription_reset(kinesis_subscription *s) {
    if (s) atomic_store(&s->cancelled, 0);
}

void kinesis_subscription_destroy(kinesis_subscription *s) {
    if (s) kinesis_mem_free(s->allocator, s);
}

typedef struct subscribe_state {
    kinesis_client *client;
    kinesis_subscription *subscription;
    kinesis_subscribe_to_shard_event_fn on_event;
    void *user;
    kinesis_subscribe_to_shard_result *result;
    kinesis_eventstream_decoder decoder;
    kinesis_status failure; /* set by the message handler; ends the exchange */
    kinesis_error *err;
    bool stopped_by_caller;
} subscribe_state;

static int stream_should_abort(void *user) {
    subscribe_state *s = user;
    return s->subscription && atomic_load(&s->subscription->cancelled);
}

static kinesis_status fail(subscribe_state *s, kinesis_status st) {
    s->failure = st;
    return st;
}

/* An exception or error message: the service's type and message become the call's error. */
static int on_exception(subscribe_state *s, const kinesis_eventstream_message *m, bool is_error) {
    const char *type = NULL, *msg = NULL;
    size_t type_len = 0, msg_len = 0;
    kinesis_eventstream_get_string(m, is_error ? ":error-code" : ":exception-type", &type,
                                   &type_len);
    if (is_error) kinesis_eventstream_get_string(m, ":error-message", &msg, &msg_len);
    char type_buf[KINESIS_ERROR_TYPE_MAX];
    kinesis_copy_truncated(type_buf, sizeof(type_buf), type ? type : "", type_len);
    kinesis_status st = type ? kinesis_status_from_error_type(type_buf) : KINESIS_E_SERVICE;
    if (s->err) {
        kinesis_copy_truncated(s->err->type, sizeof(s->err->type), type_buf, strlen(type_buf));
        if (!msg && m->payload_len) {
            /* exception payloads are {"message": "..."} */
            kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(s->client));
            kjson *doc = NULL;
            kinesis_error ignored;
            if (arena && kjson_parse(arena, (const char *)m->payload, m->payload_len, &doc,
                                     &ignored) == KINESIS_OK) {
                const char *text = kjson_get_string(doc, "message");
                if (!text) text = kjson_get_string(doc, "Message");
                if (text)
                    kinesis_copy_truncated(s->err->message, sizeof(s->err->message), text,
                                           strlen(text));
            }
            kinesis_arena_destroy(arena);
        } else if (msg) {
            kinesis_copy_truncated(s->err->message, sizeof(s->err->message), msg, msg_len);
        }
        if (!s->err->message[0])
            snprintf(s->err->message, sizeof(s->err->message), "%s from the event stream",
                     type_buf[0] ? type_buf : "exception");
        s->err->status = st;
    }
    fail(s, st);
    return 1;
}

static int on_message(void *user, const kinesis_eventstream_message *m) {
    subscribe_state *s = user;
    kinesis_eventstream_message_kind kind = kinesis_eventstream_message_type(m);
    if (kind == KINESIS_EVENTSTREAM_MESSAGE_EXCEPTION) return on_exception(s, m, false);
    if (kind == KINESIS_EVENTSTREAM_MESSAGE_ERROR) return on_exception(s, m, true);
    if (kind != KINESIS_EVENTSTREAM_MESSAGE_EVENT) {
        kinesis_error_set(s->err, KINESIS_E_EVENT_STREAM,
                          "event-stream message without a known "
                          ":message-type");
        fail(s, KINESIS_E_EVENT_STREAM);
        return 1;
    }
    const char *event_type = NULL;
    size_t event_type_len = 0;
    kinesis_eventstream_get_string(m, ":event-type", &event_type, &event_type_len);
    if (event_type && event_type_len == 16 && memcmp(event_type, "initial-response", 16) == 0)
        return 0; /* accepted when present, not required */
    if (!event_type || event_type_len != 21 ||
        memcmp(event_type, "SubscribeToShardEvent", 21) != 0) {
        kinesis_log(kinesis_client_logger(s->client), KINESIS_LOG_DEBUG,
                    "SubscribeToShard: ignoring event type %.*s", (int)event_type_len,
                    event_type ? event_type : "");
        return 0;
    }
    kinesis_arena *arena = kinesis_arena_new(kinesis_client_allocator(s->client));
    if (!arena) {
        kinesis_error_set(s->err, KINESIS_E_NO_MEMORY, "out of memory");
        fail(s, KINESIS_E_NO_MEMORY);
        return 1;
    }
    kjson *doc = NULL;
    kinesis_subscribe_to_shard_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.millis_behind_latest = -1;
    kinesis_status st = kjson_parse(arena, (const char *)m->payload, m->payload_len, &doc, s->err);
    if (st == KINESIS_OK && doc->type != KJSON_OBJECT)
        st = kinesis_error_set(s->err, KINESIS_E_BAD_RESPONSE,
                               "SubscribeToShardEvent payload is not a JSON object");
    kinesis_record *records = NULL;
    kinesis_child_shard *children = NULL;
    if (st == KINESIS_OK)
        st = kinesis_parse_records(arena, doc, "SubscribeToShardEvent", &records, &ev.record_count,
                                   &children, &ev.child_shard_count, s->err);
    if (st == KINESIS_OK) {
        ev.records = records;
        ev.child_shards = children;
        ev.continuation_sequence_number = kjson_get_string(doc, "ContinuationSequenceNumber");
        int64_t behind;
        if (kjson_get_int64(doc, "MillisBehindLatest", &behind)) ev.millis_behind_latest = behind;
        s->result->events++;
        s->result->records += ev.record_count;
        if (ev.child_shard_count) s->result->shard_ended = 1;
        if (ev.continuation_sequence_number)
            kinesis_copy_truncated(s->result->continuation_sequence_number,
                                   sizeof(s->result->continuation_sequence_number),
                                   ev.continuation_sequence_number,
                                   strlen(ev.continuation_sequence_number));
        if (s->on_event && s->on_event(s->user, &ev) != 0) {
            s->stopped_by_caller = true;
            fail(s, KINESIS_E_CANCELLED);
        }
    } else {
        fail(s, st);
    }
    kinesis_arena_destroy(arena);
    return s->failure != KINESIS_OK;
}

static int stream_on_body(void *user, const uint8_t *data, size_t len) {
    subscribe_state *s = user;
    kinesis_status st =
        kinesis_eventstream_decoder_feed(&s->decoder, data, len, on_message, s, NULL);
    if (st == KINESIS_OK) return 0;
    if (s->failure == KINESIS_OK) {
        if (st == KINESIS_E_EVENT_STREAM)
            kinesis_error_set(
                s->err, st, "malformed event stream: %s",
                kinesis_eventstream_error_str(kinesis_eventstream_decoder_error(&s->decoder)));
        else
            kinesis_error_set(s->err, st, "event stream: %s", kinesis_status_str(st));
        s->failure = st;
    }
    return 1;
}

static kinesis_status subscribe_body(kinesis_buf *b, const kinesis_subscribe_to_shard_request *req,
                                     kinesis_error *err) {
    const kinesis_starting_position *p = &req->starting_position;
    const char *type = kinesis_iterator_type_name(p->type);
    if (!req->consumer_arn || !kinesis_is_stream_arn(req->consumer_arn))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "consumer_arn must be an ARN");
    if (!req->shard_id || !*req->shard_id)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "shard_id is required");
    if (!type)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "unknown starting position");
    bool needs_seq = p->type == KINESIS_ITERATOR_AT_SEQUENCE_NUMBER ||
                     p->type == KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER;
    if (needs_seq && (!p->sequence_number || !*p->sequence_number))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "%s needs a sequence number",
                                 type);
    bool first = true;
    kinesis_buf_append_char(b, '{');
    kjson_append_key(b, "ConsumerARN", &first);
    kjson_append_cstring(b, req->consumer_arn);
    kjson_append_key(b, "ShardId", &first);
    kjson_append_cstring(b, req->shard_id);
    kjson_append_key(b, "StartingPosition", &first);
    kinesis_buf_append_str(b, "{\"Type\":");
    kjson_append_cstring(b, type);
    if (needs_seq) {
        kinesis_buf_append_str(b, ",\"SequenceNumber\":");
        kjson_append_cstring(b, p->sequence_number);
    }
    if (p->type == KINESIS_ITERATOR_AT_TIMESTAMP) {
        kinesis_buf_append_str(b, ",\"Timestamp\":");
        if (!kjson_append_double(b, p->timestamp))
            return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "timestamp is not finite");
    }
    kinesis_buf_append_str(b, "}}");
    return b->failed ? kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory") : KINESIS_OK;
}

kinesis_status kinesis_subscribe_to_shard(kinesis_client *c,
                                          const kinesis_subscribe_to_shard_request *req,
                                          kinesis_subscription *subscription,
                                          kinesis_subscribe_to_shard_event_fn on_event, void *user,
                                          kinesis_subscribe_to_shard_result *out,
                                          kinesis_error *err) {
    kinesis_error_clear(err);
    kinesis_subscribe_to_shard_result scratch;
    if (!out) out = &scratch;
    memset(out, 0, sizeof(*out));
    if (!c || !req) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    kinesis_buf body;
    kinesis_buf_init(&body, kinesis_client_allocator(c));
    kinesis_status st = subscribe_body(&body, req, err);
    if (st) {
        kinesis_buf_clean_up(&body);
        return st;
    }
    subscribe_state s;
    memset(&s, 0, sizeof(s));
    s.client = c;
    s.subscription = subscription;
    s.on_event = on_event;
    s.user = user;
    s.result = out;
    /* The handler's verdict is recorded apart: the pipeline rewrites err after each attempt. */
    kinesis_error handler_err;
    kinesis_error_clear(&handler_err);
    s.err = &handler_err;
    kinesis_eventstream_decoder_options dopts = {0};
    dopts.allocator = kinesis_client_allocator(c);
    st = kinesis_eventstream_decoder_init(&s.decoder, &dopts);
    if (st != KINESIS_OK)
        kinesis_error_set(err, st, "event-stream decoder: %s", kinesis_status_str(st));
    if (st == KINESIS_OK) {
        kinesis_http_response_handler stream = {&s, NULL, NULL, stream_on_body,
                                                stream_should_abort};
        st =
            kinesis_client_execute_stream(c, "SubscribeToShard", body.data, body.len, &stream, err);
        if (s.failure != KINESIS_OK) {
            /* the handler's verdict beats the transport's "cancelled" */
            st = s.failure;
            if (err) {
                uint32_t attempts = err->attempts;
                int32_t http = err->http_status;
                *err = handler_err;
                err->attempts = attempts;
                err->http_status = http;
            }
        } else if (st == KINESIS_E_CANCELLED) {
            kinesis_error_set(err, st, "subscription cancelled");
        } else if (st == KINESIS_OK &&
                   kinesis_eventstream_decoder_finish(&s.decoder) != KINESIS_OK) {
            st = kinesis_error_set(err, KINESIS_E_EVENT_STREAM,
                                   "event stream ended inside a message (truncated)");
        }
        if (s.stopped_by_caller) kinesis_error_set(err, st, "stopped by the event callback");
    }
    kinesis_eventstream_decoder_clean_up(&s.decoder);
    kinesis_buf_clean_up(&body);
    if (err) err->status = st;
    return st;
}

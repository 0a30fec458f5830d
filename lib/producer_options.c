/* The producer's option table: defaults, bounds, validation, set-by-name and the Markdown that
 * documents them (README and `kinesis produce --list-options` print the same text). */
#include "producer_internal.h"

#include <errno.h>
#include <stdlib.h>

#define OPT(field, type, def, min, max, doc)                                                       \
    { #field, offsetof(kinesis_producer_options, field), sizeof(type), (def), (min), (max), (doc) }

const kinesis_producer_option_def kinesis_producer_option_table[] = {
    OPT(max_buffer_bytes, uint64_t, 64u << 20, 1024u, (uint64_t)1 << 40,
        "Cap on user-record bytes (data + keys + ~100 B overhead) held from put() until their "
        "report is served; put() then returns KINESIS_E_QUEUE_FULL."),
    OPT(max_buffer_records, uint32_t, 100000u, 1u, UINT32_MAX,
        "Cap on user records held from put() until their report is served."),
    OPT(put_block_ms, uint32_t, 0u, 0u, 3600000u,
        "0: put() fails fast with KINESIS_E_QUEUE_FULL when the buffer is full. Else put() waits "
        "up to this long for space (someone must be polling)."),
    OPT(linger_ms, uint32_t, 100u, 0u, 60000u,
        "Longest a record waits for others to share an aggregate and a request (the KPL's "
        "RecordMaxBufferedTime). flush() ignores it."),
    OPT(record_ttl_ms, uint32_t, 30000u, 0u, UINT32_MAX,
        "Deadline per record from put(): past it a failing record is reported with "
        "KINESIS_E_TIMEOUT instead of retried. 0 = no deadline."),
    OPT(aggregation, uint32_t, 1u, 0u, 1u,
        "1: pack the records of one predicted shard into KPL aggregated records. 0: one Kinesis "
        "record per user record."),
    OPT(aggregation_max_bytes, uint32_t, 51200u, 256u, 10485760u,
        "Largest aggregate (blob + outer key); at most the client's max_record_bytes. A larger "
        "user record is sent alone."),
    OPT(aggregation_max_count, uint32_t, UINT32_MAX, 1u, UINT32_MAX,
        "Most user records per aggregate."),
    OPT(collection_max_count, uint32_t, 500u, 1u, 500u, "Most Kinesis records per PutRecords."),
    OPT(collection_max_bytes, uint32_t, 5242880u, 1024u, 5242880u,
        "Most data + partition-key bytes per PutRecords (and at most the client's "
        "max_put_records_bytes)."),
    OPT(max_in_flight, uint32_t, 4u, 1u, 256u,
        "PutRecords requests in flight at once (one sender thread each)."),
    OPT(ordered, uint32_t, 0u, 0u, 1u,
        "1: keep per-shard order across retries: one request in flight per shard, failed "
        "records go back to the front of their shard's queue. 0: records may be reordered by "
        "retries."),
    OPT(shard_rate_bytes, uint32_t, 1048576u, 0u, UINT32_MAX,
        "Per-shard limit in bytes/s (data + keys), halved on throttling and recovered on "
        "success. 0 = no limit."),
    OPT(shard_rate_records, uint32_t, 1000u, 0u, UINT32_MAX,
        "Per-shard limit in Kinesis records/s, adaptive like shard_rate_bytes. 0 = no limit."),
    OPT(retry_base_ms, uint32_t, 100u, 1u, 60000u,
        "Backoff base: a retry waits a random time in [0, min(retry_max_ms, base * "
        "2^(attempt-1))] (full jitter)."),
    OPT(retry_max_ms, uint32_t, 5000u, 1u, 600000u, "Backoff cap."),
    OPT(shard_map_refresh_ms, uint32_t, 60000u, 0u, 86400000u,
        "Periodic ListShards refresh (also refreshed after resharding and when a record lands "
        "on another shard than predicted). 0 = only then."),
    OPT(stats_interval_ms, uint32_t, 0u, 0u, 86400000u,
        "Interval of stats_cb (served by poll() or the report thread). 0 = never."),
    OPT(report_thread, uint32_t, 0u, 0u, 1u,
        "1: a producer-owned thread serves delivery reports; 0: the caller serves them with "
        "poll()."),
    OPT(report_queue, uint32_t, 0u, 0u, 1u,
        "1: reports wait in a queue for kinesis_producer_take_reports() (batches of report "
        "structs, for bindings); poll() and flush() leave them there and dr_cb and "
        "report_thread are not used."),
};
const size_t kinesis_producer_option_count = KINESIS_ARRAY_LEN(kinesis_producer_option_table);

uint64_t kinesis_producer_option_get(const kinesis_producer_options *o,
                                     const kinesis_producer_option_def *d) {
    const char *base = (const char *)o + d->offset;
    if (d->size == sizeof(uint64_t)) {
        uint64_t v;
        memcpy(&v, base, sizeof(v));
        return v;
    }
    uint32_t v;
    memcpy(&v, base, sizeof(v));
    return v;
}

static void option_put(kinesis_producer_options *o, const kinesis_producer_option_def *d,
                       uint64_t v) {
    char *base = (char *)o + d->offset;
    if (d->size == sizeof(uint64_t)) {
        memcpy(base, &v, sizeof(v));
    } else {
        uint32_t v32 = (uint32_t)v;
        memcpy(base, &v32, sizeof(v32));
    }
}

void kinesis_producer_options_init(kinesis_producer_options *o) {
    if (!o) return;
    memset(o, 0, sizeof(*o));
    for (size_t i = 0; i < kinesis_producer_option_count; i++)
        option_put(o, &kinesis_producer_option_table[i], kinesis_producer_option_table[i].def);
}

kinesis_status kinesis_producer_options_check(const kinesis_producer_options *o,
                                              kinesis_error *err) {
    for (size_t i = 0; i < kinesis_producer_option_count; i++) {
        const kinesis_producer_option_def *d = &kinesis_producer_option_table[i];
        uint64_t v = kinesis_producer_option_get(o, d);
        if (v < d->min || v > d->max)
            return kinesis_error_set(
                err, KINESIS_E_CONFIG, "producer option %s = %llu is outside [%llu, %llu]", d->name,
                (unsigned long long)v, (unsigned long long)d->min, (unsigned long long)d->max);
    }
    return KINESIS_OK;
}

kinesis_status kinesis_producer_options_set(kinesis_producer_options *o, const char *name,
                                            const char *value, kinesis_error *err) {
    if (!o || !name || !value)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "NULL argument");
    for (size_t i = 0; i < kinesis_producer_option_count; i++) {
        const kinesis_producer_option_def *d = &kinesis_producer_option_table[i];
        if (strcmp(d->name, name) != 0) continue;
        if (*value < '0' || *value > '9')
            return kinesis_error_set(err, KINESIS_E_CONFIG,
                                     "producer option %s: '%s' is not a "
                                     "non-negative integer",
                                     name, value);
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(value, &end, 10);
        if (errno || !end || *end)
            return kinesis_error_set(err, KINESIS_E_CONFIG,
                                     "producer option %s: '%s' is not a non-negative integer", name,
                                     value);
        if (v < d->min || v > d->max)
            return kinesis_error_set(err, KINESIS_E_CONFIG,
                                     "producer option %s = %llu is outside [%llu, %llu]", name, v,
                                     (unsigned long long)d->min, (unsigned long long)d->max);
        option_put(o, d, v);
        return KINESIS_OK;
    }
    return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "unknown producer option '%s'", name);
}

kinesis_status kinesis_producer_options_markdown(char **out, size_t *len) {
    if (!out) return KINESIS_E_INVALID_ARGUMENT;
    *out = NULL;
    kinesis_buf b;
    kinesis_buf_init(&b, NULL);
    kinesis_buf_append_str(&b, "| option | default | minimum | maximum | description |\n"
                               "|---|---|---|---|---|\n");
    for (size_t i = 0; i < kinesis_producer_option_count; i++) {
        const kinesis_producer_option_def *d = &kinesis_producer_option_table[i];
        kinesis_buf_appendf(&b, "| `%s` | %llu | %llu | %llu | %s |\n", d->name,
                            (unsigned long long)d->def, (unsigned long long)d->min,
                            (unsigned long long)d->max, d->doc);
    }
    if (b.failed) {
        kinesis_buf_clean_up(&b);
        return KINESIS_E_NO_MEMORY;
    }
    *out = kinesis_buf_detach(&b, len);
    return KINESIS_OK;
}

uint32_t kinesis_producer_backoff_ms(uint32_t base_ms, uint32_t max_ms, uint32_t attempt,
                                     uint64_t random_value) {
    uint64_t cap = base_ms;
    for (uint32_t i = 1; i < attempt && cap < max_ms; i++) cap *= 2;
    if (cap > max_ms) cap = max_ms;
    return (uint32_t)(random_value % (cap + 1));
}

int64_t kinesis_producer_deadline(int64_t put_ms, uint32_t ttl_ms) {
    return ttl_ms == 0 ? INT64_MAX : put_ms + (int64_t)ttl_ms;
}

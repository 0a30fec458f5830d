/* Integration test of the core API against a real local Kinesis server started by
 * tests/harness/with_servers.py. Usage: integ_api moto|kinesalite|kinesis-local [kill]
 * Every operation of the foundation runs against the server; "kill" ends by SIGKILLing the
 * server mid-run and checks the client reports a clear error instead of crashing or hanging. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "integ_support.h"
#include "kinesis/kinesis.h"


static const char *server;
static int is_moto, is_kinesalite, is_local;

/* Providers are borrowed by clients; destroyed after the clients at the end of main(). */
static kinesis_credentials_provider *providers[8];
static size_t provider_count;

static kinesis_client *make_client(const char *endpoint, const char *key, const char *secret,
                                   uint32_t attempts) {
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "us-east-1";
    o.endpoint_url = endpoint;
    o.retry.max_attempts = attempts;
    o.retry.base_delay_ms = 20;
    o.request_timeout_ms = 10000;
    kinesis_credentials_provider *creds =
        key ? kinesis_credentials_provider_new_static(key, secret, NULL, NULL) : NULL;
    o.credentials = creds;
    if (creds) providers[provider_count++] = creds;
    kinesis_client *c = NULL;
    kinesis_error err;
    kinesis_status st = kinesis_client_new(&o, &c, &err);
    REQUIRE(st == KINESIS_OK, "%s %s", kinesis_status_name(st), err.message);
    return c;
}

/* Routing: the shard whose inclusive range holds MD5(key) or the explicit hash key. */
static const char *expected_shard(const kinesis_list_shards_result *shards, const char *pk,
                                  const char *ehk) {
    kinesis_hash_key k;
    if (ehk)
        kinesis_hash_key_parse(ehk, strlen(ehk), &k);
    else
        k = kinesis_hash_key_of_partition_key(NULL, pk, strlen(pk));
    for (size_t i = 0; i < shards->shard_count; i++) {
        const kinesis_shard *s = &shards->shards[i];
        if (s->ending_sequence_number) continue; /* closed */
        if (kinesis_hash_key_compare(k, s->hash_start) >= 0 &&
            kinesis_hash_key_compare(k, s->hash_end) <= 0)
            return s->shard_id;
    }
    return "?";
}

static void unique_name(char *out, size_t cap, const char *prefix) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(out, cap, "%s-%ld-%ld", prefix, (long)ts.tv_sec, (long)(ts.tv_nsec / 1000));
}

typedef struct sent_record {
    char key[32];
    char data[64];
    char shard[KINESIS_SHARD_ID_MAX];
    char seq[KINESIS_SEQUENCE_NUMBER_MAX];
    int seen;
} sent_record;

static void test_streams_and_records(kinesis_client *c) {
    kinesis_error err;
    kinesis_status st;
    char name[64];
    unique_name(name, sizeof(name), "integ");

    kinesis_create_stream_request cr = {name, 2, KINESIS_STREAM_MODE_PROVISIONED};
    st = kinesis_create_stream(c, &cr, &err);
    REQUIRE(st == KINESIS_OK, "create: %s %s %s", ERRSTR(st, err));
    st = kinesis_create_stream(c, &cr, &err);
    CHECK(st == KINESIS_E_RESOURCE_IN_USE, "duplicate create: %s %s %s", ERRSTR(st, err));
    CHECK(strcmp(err.type, "ResourceInUseException") == 0, "type %s", err.type);
    st = kinesis_wait_stream_active(c, name, 30000, 100, &err);
    REQUIRE(st == KINESIS_OK, "wait: %s %s %s", ERRSTR(st, err));

    kinesis_list_streams_result ls;
    st = kinesis_list_streams(c, &ls, &err);
    REQUIRE(st == KINESIS_OK, "list streams: %s %s %s", ERRSTR(st, err));
    int found = 0;
    for (size_t i = 0; i < ls.stream_count; i++) found |= strcmp(ls.stream_names[i], name) == 0;
    CHECK(found, "created stream listed");
    kinesis_list_streams_result_clean_up(&ls);

    kinesis_stream_summary sum;
    st = kinesis_describe_stream_summary(c, name, &sum, &err);
    REQUIRE(st == KINESIS_OK, "summary: %s %s %s", ERRSTR(st, err));
    CHECK(strcmp(sum.stream_status, "ACTIVE") == 0, "status %s", sum.stream_status);
    CHECK(sum.open_shard_count == 2, "open shards %u", sum.open_shard_count);
    CHECK(sum.retention_period_hours == 24, "retention %u", sum.retention_period_hours);
    char arn[256] = "";
    if (sum.stream_arn) snprintf(arn, sizeof(arn), "%s", sum.stream_arn);
    kinesis_stream_summary_clean_up(&sum);

    kinesis_stream_description desc;
    st = kinesis_describe_stream(c, name, &desc, &err);
    REQUIRE(st == KINESIS_OK, "describe: %s %s %s", ERRSTR(st, err));
    CHECK(desc.shard_count == 2, "describe shards %zu", desc.shard_count);
    CHECK(strcmp(desc.stream_name, name) == 0, "describe name");
    kinesis_stream_description_clean_up(&desc);

    kinesis_list_shards_request lr = {0};
    lr.stream = name;
    lr.max_results = 1; /* forces paging where the server honours it */
    kinesis_list_shards_result shards;
    st = kinesis_list_shards(c, &lr, &shards, &err);
    REQUIRE(st == KINESIS_OK, "list shards: %s %s %s", ERRSTR(st, err));
    CHECK(shards.shard_count == 2, "list shards count %zu", shards.shard_count);
    CHECK(kinesis_hash_key_compare(shards.shards[0].hash_start, (kinesis_hash_key){0, 0}) == 0,
          "first shard starts at 0");
    CHECK(shards.shards[1].hash_end.hi == UINT64_MAX && shards.shards[1].hash_end.lo == UINT64_MAX,
          "last shard ends at 2^128-1");

    /* ARN addressing where the server knows ARNs */
    if (arn[0] && !is_kinesalite) {
        st = kinesis_describe_stream_summary(c, arn, &sum, &err);
        CHECK(st == KINESIS_OK, "summary by ARN: %s %s %s", ERRSTR(st, err));
        if (st == KINESIS_OK) kinesis_stream_summary_clean_up(&sum);
    }

    /* PutRecord: MD5 routing, explicit hash keys, ordering */
    enum { N = 40 };
    static sent_record sent[N + 2];
    size_t nsent = 0;
    for (int i = 0; i < 8; i++) {
        sent_record *r = &sent[nsent++];
        snprintf(r->key, sizeof(r->key), "key-%d", i);
        snprintf(r->data, sizeof(r->data), "put-record %d \xe2\x82\xac", i);
        kinesis_put_record_request pr = {name,
                                         r->key,
                                         (const uint8_t *)r->data,
                                         strlen(r->data),
                                         NULL,
                                         i > 0 ? sent[nsent - 2].seq : NULL};
        kinesis_put_record_result res;
        st = kinesis_put_record(c, &pr, &res, &err);
        REQUIRE(st == KINESIS_OK, "put record: %s %s %s", ERRSTR(st, err));
        snprintf(r->shard, sizeof(r->shard), "%s", res.shard_id);
        snprintf(r->seq, sizeof(r->seq), "%s", res.sequence_number);
        CHECK(strcmp(res.shard_id, expected_shard(&shards, r->key, NULL)) == 0,
              "key %s went to %s, MD5 routing says %s", r->key, res.shard_id,
              expected_shard(&shards, r->key, NULL));
    }
    {
        sent_record *r = &sent[nsent++];
        const char *ehk = "1"; /* forces shard 0 whatever the key says */
        snprintf(r->key, sizeof(r->key), "ehk-key");
        snprintf(r->data, sizeof(r->data), "explicit hash key");
        kinesis_put_record_request pr = {name, r->key, (const uint8_t *)r->data, strlen(r->data),
                                         ehk,  NULL};
        kinesis_put_record_result res;
        st = kinesis_put_record(c, &pr, &res, &err);
        REQUIRE(st == KINESIS_OK, "put record ehk: %s %s %s", ERRSTR(st, err));
        snprintf(r->shard, sizeof(r->shard), "%s", res.shard_id);
        snprintf(r->seq, sizeof(r->seq), "%s", res.sequence_number);
        CHECK(strcmp(res.shard_id, expected_shard(&shards, r->key, ehk)) == 0, "ehk routing %s",
              res.shard_id);
    }

    /* PutRecords: one result per entry, each routed by MD5 */
    kinesis_put_records_entry entries[N];
    kinesis_put_records_result_entry results[N];
    size_t base = nsent;
    for (int i = 0; i < N - 10; i++) {
        sent_record *r = &sent[nsent++];
        snprintf(r->key, sizeof(r->key), "batch-%d", i);
        snprintf(r->data, sizeof(r->data), "put-records %d", i);
        entries[i] =
            (kinesis_put_records_entry){r->key, (const uint8_t *)r->data, strlen(r->data), NULL};
    }
    kinesis_put_records_request prs = {name, entries, N - 10};
    uint32_t failed = 0;
    st = kinesis_put_records(c, &prs, results, &failed, &err);
    REQUIRE(st == KINESIS_OK, "put records: %s %s %s", ERRSTR(st, err));
    CHECK(failed == 0, "failed %u", failed);
    for (int i = 0; i < N - 10; i++) {
        sent_record *r = &sent[base + (size_t)i];
        CHECK(results[i].status == KINESIS_OK, "entry %d: %s", i, results[i].error_code);
        snprintf(r->shard, sizeof(r->shard), "%s", results[i].shard_id);
        snprintf(r->seq, sizeof(r->seq), "%s", results[i].sequence_number);
        CHECK(strcmp(r->shard, expected_shard(&shards, r->key, NULL)) == 0,
              "batch key %s went to %s", r->key, r->shard);
    }

    /* Read everything back from every shard */
    for (size_t s = 0; s < shards.shard_count; s++) {
        kinesis_get_shard_iterator_request ir = {name, shards.shards[s].shard_id,
                                                 KINESIS_ITERATOR_TRIM_HORIZON, NULL, 0};
        kinesis_get_shard_iterator_result it;
        st = kinesis_get_shard_iterator(c, &ir, &it, &err);
        REQUIRE(st == KINESIS_OK, "iterator: %s %s %s", ERRSTR(st, err));
        char iter[KINESIS_SHARD_ITERATOR_MAX];
        snprintf(iter, sizeof(iter), "%s", it.shard_iterator);
        for (int round = 0; round < 10; round++) {
            kinesis_get_records_request gr = {iter, 1000, NULL};
            kinesis_get_records_result res;
            st = kinesis_get_records(c, &gr, &res, &err);
            REQUIRE(st == KINESIS_OK, "get records: %s %s %s", ERRSTR(st, err));
            for (size_t i = 0; i < res.record_count; i++) {
                const kinesis_record *rec = &res.records[i];
                CHECK(rec->approximate_arrival_timestamp > 1e9, "arrival %f",
                      rec->approximate_arrival_timestamp);
                for (size_t j = 0; j < nsent; j++)
                    if (strcmp(sent[j].seq, rec->sequence_number) == 0 &&
                        strcmp(sent[j].shard, shards.shards[s].shard_id) == 0) {
                        CHECK(rec->data_len == strlen(sent[j].data) &&
                                  memcmp(rec->data, sent[j].data, rec->data_len) == 0,
                              "data of %s", sent[j].key);
                        CHECK(strcmp(rec->partition_key, sent[j].key) == 0, "key");
                        sent[j].seen++;
                    }
            }
            int more = res.next_shard_iterator && res.record_count > 0;
            if (res.next_shard_iterator)
                snprintf(iter, sizeof(iter), "%s", res.next_shard_iterator);
            kinesis_get_records_result_clean_up(&res);
            if (!more) break;
        }
    }
    for (size_t j = 0; j < nsent; j++)
        CHECK(sent[j].seen == 1, "record %s read %d times", sent[j].key, sent[j].seen);

    /* The other iterator types */
    sent_record *first = &sent[0];
    kinesis_get_shard_iterator_request at = {name, first->shard,
                                             KINESIS_ITERATOR_AT_SEQUENCE_NUMBER, first->seq, 0};
    const kinesis_iterator_type kinds[] = {KINESIS_ITERATOR_AT_SEQUENCE_NUMBER,
                                           KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER,
                                           KINESIS_ITERATOR_LATEST, KINESIS_ITERATOR_AT_TIMESTAMP};
    for (size_t k = 0; k < 4; k++) {
        at.type = kinds[k];
        at.timestamp = (double)time(NULL) - 3600; /* before the stream existed: everything */
        kinesis_get_shard_iterator_result it;
        st = kinesis_get_shard_iterator(c, &at, &it, &err);
        REQUIRE(st == KINESIS_OK, "iterator %s: %s %s %s", kinesis_iterator_type_name(at.type),
                ERRSTR(st, err));
        kinesis_get_records_request gr = {it.shard_iterator, 10, NULL};
        kinesis_get_records_result res;
        st = kinesis_get_records(c, &gr, &res, &err);
        REQUIRE(st == KINESIS_OK, "get records %s: %s %s %s", kinesis_iterator_type_name(at.type),
                ERRSTR(st, err));
        if (at.type == KINESIS_ITERATOR_AT_SEQUENCE_NUMBER ||
            at.type == KINESIS_ITERATOR_AT_TIMESTAMP)
            CHECK(res.record_count > 0 && strcmp(res.records[0].sequence_number, first->seq) == 0,
                  "%s starts at the first record", kinesis_iterator_type_name(at.type));
        if (at.type == KINESIS_ITERATOR_AFTER_SEQUENCE_NUMBER)
            CHECK(res.record_count == 0 || strcmp(res.records[0].sequence_number, first->seq) != 0,
                  "AFTER skips the record");
        if (at.type == KINESIS_ITERATOR_LATEST) CHECK(res.record_count == 0, "LATEST is empty");
        kinesis_get_records_result_clean_up(&res);
    }
    kinesis_list_shards_result_clean_up(&shards);

    /* The generic call reaches operations without a typed call */
    char *json = NULL;
    size_t json_len = 0;
    char body[160];
    snprintf(body, sizeof(body), "{\"StreamName\":\"%s\"}", name);
    st = kinesis_client_call_json(c, "DescribeStreamSummary", body, strlen(body), &json, &json_len,
                                  &err);
    CHECK(st == KINESIS_OK && strstr(json, "ACTIVE"), "generic call: %s %s %s", ERRSTR(st, err));
    kinesis_free(kinesis_client_allocator(c), json);

    /* Errors from the service */
    st = kinesis_describe_stream_summary(c, "no-such-stream-here", &sum, &err);
    CHECK(st == KINESIS_E_RESOURCE_NOT_FOUND, "missing stream: %s %s %s", ERRSTR(st, err));
    CHECK(strcmp(err.type, "ResourceNotFoundException") == 0, "type '%s'", err.type);
    CHECK(err.http_status == 400, "http %d", err.http_status);
    CHECK(strlen(err.message) > 0, "message");
    kinesis_get_records_request bad = {"not-an-iterator", 0, NULL};
    kinesis_get_records_result gres;
    st = kinesis_get_records(c, &bad, &gres, &err);
    CHECK(st != KINESIS_OK && strlen(err.message) > 0, "bad iterator gives a clear error: %s",
          kinesis_status_name(st));

    st = kinesis_delete_stream(c, name, 0, &err);
    CHECK(st == KINESIS_OK, "delete: %s %s %s", ERRSTR(st, err));
}

static void test_on_demand(kinesis_client *c) {
    kinesis_error err;
    char name[64];
    unique_name(name, sizeof(name), "ondemand");
    kinesis_create_stream_request cr = {name, 0, KINESIS_STREAM_MODE_ON_DEMAND};
    kinesis_status st = kinesis_create_stream(c, &cr, &err);
    REQUIRE(st == KINESIS_OK, "create on-demand: %s %s %s", ERRSTR(st, err));
    st = kinesis_wait_stream_active(c, name, 30000, 100, &err);
    REQUIRE(st == KINESIS_OK, "wait on-demand: %s %s %s", ERRSTR(st, err));
    kinesis_stream_summary sum;
    st = kinesis_describe_stream_summary(c, name, &sum, &err);
    REQUIRE(st == KINESIS_OK, "summary: %s", kinesis_status_name(st));
    CHECK(sum.stream_mode && strcmp(sum.stream_mode, "ON_DEMAND") == 0, "mode %s",
          sum.stream_mode ? sum.stream_mode : "(null)");
    kinesis_stream_summary_clean_up(&sum);
    kinesis_delete_stream(c, name, 0, &err);
}

static void test_wrong_secret(const char *endpoint, const char *key) {
    kinesis_client *bad = make_client(endpoint, key, "definitely-not-the-secret", 1);
    kinesis_list_streams_result ls;
    kinesis_error err;
    kinesis_status st = kinesis_list_streams(bad, &ls, &err);
    CHECK(st == KINESIS_E_SIGNATURE, "wrong secret: %s %s %s", ERRSTR(st, err));
    CHECK(strcmp(err.type, "SignatureDoesNotMatch") == 0, "type '%s'", err.type);
    CHECK(err.http_status == 403, "http %d", err.http_status);
    kinesis_client_destroy(bad);
    kinesis_client *unknown = make_client(endpoint, "AKIAUNKNOWNKEY000000", "x", 1);
    st = kinesis_list_streams(unknown, &ls, &err);
    CHECK(st == KINESIS_E_SIGNATURE, "unknown key: %s %s %s", ERRSTR(st, err));
    kinesis_client_destroy(unknown);
}

static void test_dead_endpoint(void) {
    /* Port 1 on loopback: nothing listens there. */
    kinesis_client *c = make_client("http://127.0.0.1:1", "k", "s", 2);
    kinesis_list_streams_result ls;
    kinesis_error err;
    time_t t0 = time(NULL);
    kinesis_status st = kinesis_list_streams(c, &ls, &err);
    CHECK(st == KINESIS_E_CONNECT, "closed port: %s %s", kinesis_status_name(st), err.message);
    CHECK(err.attempts == 2, "retried connection failure once: %u", err.attempts);
    CHECK(time(NULL) - t0 < 10, "no hang");
    kinesis_client_destroy(c);
}

static void test_killed_server(kinesis_client *c, pid_t pid) {
    kinesis_error err;
    char name[64];
    unique_name(name, sizeof(name), "killed");
    kinesis_create_stream_request cr = {name, 1, KINESIS_STREAM_MODE_PROVISIONED};
    kinesis_status st = kinesis_create_stream(c, &cr, &err);
    REQUIRE(st == KINESIS_OK, "create: %s", kinesis_status_name(st));
    kinesis_wait_stream_active(c, name, 30000, 100, &err);
    kill(pid, SIGKILL);
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    kinesis_put_record_request pr = {name, "k", (const uint8_t *)"x", 1, NULL, NULL};
    kinesis_put_record_result res;
    time_t t0 = time(NULL);
    st = kinesis_put_record(c, &pr, &res, &err);
    CHECK(st == KINESIS_E_CONNECT || st == KINESIS_E_TRANSPORT,
          "killed server gives a transport status: %s %s", kinesis_status_name(st), err.message);
    CHECK(strlen(err.message) > 0, "message");
    CHECK(time(NULL) - t0 < 20, "no hang");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: integ_api moto|kinesalite|kinesis-local [kill]\n");
        return 2;
    }
    server = argv[1];
    is_moto = strcmp(server, "moto") == 0;
    is_kinesalite = strcmp(server, "kinesalite") == 0;
    is_local = strcmp(server, "kinesis-local") == 0;
    const char *envname = is_moto         ? "KINESIS_TEST_MOTO_ENDPOINT"
                          : is_kinesalite ? "KINESIS_TEST_KINESALITE_ENDPOINT"
                                          : "KINESIS_TEST_KINESIS_LOCAL_ENDPOINT";
    const char *endpoint = getenv(envname);
    if (!endpoint) {
        fprintf(stderr, "%s not set: run under tests/harness/with_servers.py\n", envname);
        return 77;
    }
    const char *key = is_moto ? getenv("KINESIS_TEST_MOTO_ACCESS_KEY_ID") : "AKIDLOCAL";
    const char *secret = is_moto ? getenv("KINESIS_TEST_MOTO_SECRET_ACCESS_KEY") : "local-secret";
    REQUIRE(key && secret, "moto key missing");
    kinesis_client *c = make_client(endpoint, key, secret, 3);

    if (argc > 2 && strcmp(argv[2], "kill") == 0) {
        const char *pid = getenv(is_kinesalite ? "KINESIS_TEST_KINESALITE_PID"
                                 : is_moto     ? "KINESIS_TEST_MOTO_PID"
                                               : "KINESIS_TEST_KINESIS_LOCAL_PID");
        REQUIRE(pid, "server pid not exported");
        test_killed_server(c, (pid_t)atoi(pid));
    } else {
        test_streams_and_records(c);
        if (!is_kinesalite) test_on_demand(c);
        if (is_moto) test_wrong_secret(endpoint, key);
        test_dead_endpoint();
    }
    kinesis_client_destroy(c);
    for (size_t i = 0; i < provider_count; i++) kinesis_credentials_provider_destroy(providers[i]);
    printf("integ_api %s: %s (%d failures)\n", server, failures ? "FAILED" : "passed", failures);
    return failures ? 1 : 0;
}

/* Enhanced fan-out against a real server: register, describe, list, wait for ACTIVE,
 * SubscribeToShard over HTTP/2 (kinesis-local: h2c) receiving a record put after subscribing,
 * cancel from another thread, a second subscription to a held shard, deregister.
 * Usage: integ_consumers kinesis-local|moto  (moto has consumers but no SubscribeToShard). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "integ_support.h"
#include "kinesis/kinesis.h"

typedef struct sub_thread {
    kinesis_client *client;
    kinesis_subscribe_to_shard_request req;
    kinesis_subscription *sub;
    atomic_int events;
    atomic_int found;
    char want[64];
    kinesis_status st;
    kinesis_error err;
    kinesis_subscribe_to_shard_result res;
} sub_thread;

static int on_event(void *user, const kinesis_subscribe_to_shard_event *ev) {
    sub_thread *t = user;
    for (size_t i = 0; i < ev->record_count; i++)
        if (ev->records[i].data_len == strlen(t->want) &&
            memcmp(ev->records[i].data, t->want, ev->records[i].data_len) == 0)
            atomic_store(&t->found, 1);
    atomic_fetch_add(&t->events, 1);
    return 0;
}

static void *run_subscription(void *arg) {
    sub_thread *t = arg;
    t->st = kinesis_subscribe_to_shard(t->client, &t->req, t->sub, on_event, t, &t->res, &t->err);
    return NULL;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
    const char *server = argc > 1 ? argv[1] : "kinesis-local";
    int is_moto = strcmp(server, "moto") == 0;
    const char *endpoint =
        getenv(is_moto ? "KINESIS_TEST_MOTO_ENDPOINT" : "KINESIS_TEST_KINESIS_LOCAL_ENDPOINT");
    if (!endpoint) return 77;
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "us-east-1";
    o.endpoint_url = endpoint;
    o.retry.base_delay_ms = 50;
    kinesis_credentials_provider *creds = kinesis_credentials_provider_new_static(
        is_moto ? getenv("KINESIS_TEST_MOTO_ACCESS_KEY_ID") : "AKIDLOCAL",
        is_moto ? getenv("KINESIS_TEST_MOTO_SECRET_ACCESS_KEY") : "secret", NULL, NULL);
    REQUIRE(creds, "credentials");
    o.credentials = creds;
    kinesis_client *c;
    kinesis_error err;
    kinesis_status st = kinesis_client_new(&o, &c, &err);
    REQUIRE(st == KINESIS_OK, "client: %s", err.message);

    char stream[64];
    snprintf(stream, sizeof stream, "efo-%ld", (long)time(NULL));
    kinesis_create_stream_request cr = {stream, 1, KINESIS_STREAM_MODE_PROVISIONED};
    st = kinesis_create_stream(c, &cr, &err);
    REQUIRE(st == KINESIS_OK, "create: %s %s %s", ERRSTR(st, err));
    REQUIRE(kinesis_wait_stream_active(c, stream, 30000, 100, &err) == KINESIS_OK, "active");
    kinesis_stream_summary sum;
    REQUIRE(kinesis_describe_stream_summary(c, stream, &sum, &err) == KINESIS_OK, "summary");
    char stream_arn[KINESIS_ARN_MAX];
    snprintf(stream_arn, sizeof stream_arn, "%s", sum.stream_arn ? sum.stream_arn : "");
    kinesis_stream_summary_clean_up(&sum);
    REQUIRE(stream_arn[0], "stream ARN reported");

    kinesis_stream_consumer cons;
    st = kinesis_register_stream_consumer(c, stream_arn, "integ-app", &cons, &err);
    REQUIRE(st == KINESIS_OK, "register: %s %s %s", ERRSTR(st, err));
    CHECK(strcmp(cons.consumer_name, "integ-app") == 0, "name %s", cons.consumer_name);
    /* moto registers the same name twice (a moto quirk); the service refuses */
    if (!is_moto) {
        st = kinesis_register_stream_consumer(c, stream_arn, "integ-app", &cons, &err);
        CHECK(st == KINESIS_E_RESOURCE_IN_USE, "second register: %s %s %s", ERRSTR(st, err));
    }
    kinesis_consumer_ref by_name = {stream_arn, "integ-app", NULL};
    st = kinesis_wait_consumer_active(c, &by_name, 30000, 100, &err);
    REQUIRE(st == KINESIS_OK, "consumer active: %s %s %s", ERRSTR(st, err));
    kinesis_stream_consumer desc;
    st = kinesis_describe_stream_consumer(c, &by_name, &desc, &err);
    REQUIRE(st == KINESIS_OK, "describe consumer: %s %s %s", ERRSTR(st, err));
    CHECK(strcmp(desc.consumer_status, "ACTIVE") == 0, "status %s", desc.consumer_status);
    kinesis_list_stream_consumers_result list;
    st = kinesis_list_stream_consumers(c, stream_arn, &list, &err);
    REQUIRE(st == KINESIS_OK, "list consumers: %s %s %s", ERRSTR(st, err));
    CHECK(list.consumer_count == 1 &&
              strcmp(list.consumers[0].consumer_arn, desc.consumer_arn) == 0,
          "listed %zu", list.consumer_count);
    kinesis_list_stream_consumers_result_clean_up(&list);

    if (!is_moto) {
        kinesis_list_shards_request lr = {0};
        lr.stream = stream;
        kinesis_list_shards_result shards;
        REQUIRE(kinesis_list_shards(c, &lr, &shards, &err) == KINESIS_OK, "shards");
        static sub_thread t;
        t.client = c;
        t.req.consumer_arn = desc.consumer_arn;
        t.req.shard_id = shards.shards[0].shard_id;
        t.req.starting_position.type = KINESIS_ITERATOR_LATEST;
        t.sub = kinesis_subscription_new(NULL);
        snprintf(t.want, sizeof t.want, "fan-out %ld", (long)time(NULL));
        pthread_t th;
        pthread_create(&th, NULL, run_subscription, &t);
        for (int i = 0; i < 300 && atomic_load(&t.events) == 0; i++) sleep_ms(100);
        CHECK(atomic_load(&t.events) > 0, "the subscription delivered a first event");
        kinesis_put_record_request pr = {stream,         "k",  (const uint8_t *)t.want,
                                         strlen(t.want), NULL, NULL};
        kinesis_put_record_result res;
        REQUIRE(kinesis_put_record(c, &pr, &res, &err) == KINESIS_OK, "put");
        for (int i = 0; i < 300 && !atomic_load(&t.found); i++) sleep_ms(100);
        CHECK(atomic_load(&t.found), "record put after subscribing arrived over the event stream");

        /* a second subscription to the same shard and consumer while the first holds it */
        kinesis_subscription *second = kinesis_subscription_new(NULL);
        sub_thread t2 = {0};
        t2.client = c;
        t2.req = t.req;
        t2.sub = second;
        pthread_t th2;
        pthread_create(&th2, NULL, run_subscription, &t2);
        for (int i = 0; i < 30 && atomic_load(&t2.events) == 0; i++) sleep_ms(100);
        kinesis_subscription_cancel(second);
        pthread_join(th2, NULL);
        CHECK(t2.st == KINESIS_E_RESOURCE_IN_USE || t2.st == KINESIS_E_CANCELLED ||
                  t2.st == KINESIS_E_LIMIT_EXCEEDED,
              "second subscription: %s %s", kinesis_status_name(t2.st), t2.err.message);
        kinesis_subscription_destroy(second);

        /* cancel from another thread ends the first promptly */
        time_t t0 = time(NULL);
        kinesis_subscription_cancel(t.sub);
        pthread_join(th, NULL);
        CHECK(t.st == KINESIS_E_CANCELLED, "cancelled: %s %s", kinesis_status_name(t.st),
              t.err.message);
        CHECK(time(NULL) - t0 <= 3, "cancel is prompt");
        CHECK(t.res.events >= 1 && t.res.continuation_sequence_number[0],
              "continuation sequence number kept for resubscribing");
        kinesis_subscription_destroy(t.sub);
        kinesis_list_shards_result_clean_up(&shards);
    }

    kinesis_consumer_ref by_arn = {NULL, NULL, desc.consumer_arn};
    st = kinesis_deregister_stream_consumer(c, &by_arn, &err);
    CHECK(st == KINESIS_OK, "deregister: %s %s %s", ERRSTR(st, err));
    st = kinesis_delete_stream(c, stream, 1, &err);
    CHECK(st == KINESIS_OK, "delete: %s %s %s", ERRSTR(st, err));
    st = kinesis_wait_stream_not_exists(c, stream, 30000, 100, &err);
    CHECK(st == KINESIS_OK, "stream gone: %s %s %s", ERRSTR(st, err));
    kinesis_client_destroy(c);
    kinesis_credentials_provider_destroy(creds);
    printf("integ_consumers %s: %s (%d failures)\n", server, failures ? "FAILED" : "passed",
           failures);
    return failures ? 1 : 0;
}

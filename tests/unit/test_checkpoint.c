/* The checkpoint store interface and the file store: put/get, conditional put, reload from the
 * file, the file name from a directory, atomic replacement (no temp file left), and clear
 * errors for unreadable, corrupt or foreign files. */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kinesis/consumer.h"

typedef struct fixture {
    test_allocator alloc;
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    test_allocator_init(&f->alloc);
    snprintf(f->dir, sizeof f->dir, "/tmp/kcp-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/cp.json", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    assert_int_equal(f->alloc.live, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static kinesis_checkpoint cp(const char *seq, uint64_t sub, int ended) {
    kinesis_checkpoint c;
    memset(&c, 0, sizeof c);
    snprintf(c.sequence_number, sizeof c.sequence_number, "%s", seq);
    c.sub_sequence_number = sub;
    c.shard_ended = (uint8_t)ended;
    return c;
}

/* The file store of stream "s" of application "app" at f->path. */
static kinesis_status open_store(fixture *f, kinesis_checkpoint_store **s) {
    kinesis_error err;
    return kinesis_file_checkpoint_store_new(f->path, NULL, "app", "s", &f->alloc.base, s, &err);
}

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_put_get_reload(void **state) {
    fixture *f = *state;
    kinesis_checkpoint_store *s;
    assert_int_equal(open_store(f, &s), KINESIS_OK);
    kinesis_checkpoint got;
    int found = 1;
    assert_int_equal(kinesis_checkpoint_store_get(s, "shardId-0", &got, &found), KINESIS_OK);
    assert_false(found);
    assert_int_equal(access(f->path, F_OK), -1); /* nothing written before the first put */
    kinesis_checkpoint a = cp("49600000000000000000000000000000000000000000000000000123", 7, 0);
    kinesis_checkpoint b = cp("555", 0, 1);
    assert_int_equal(kinesis_checkpoint_store_put(s, "shardId-0", &a), KINESIS_OK);
    assert_int_equal(kinesis_checkpoint_store_put(s, "shardId-1", &b), KINESIS_OK);
    a.sub_sequence_number = 8;
    assert_int_equal(kinesis_checkpoint_store_put(s, "shardId-0", &a), KINESIS_OK);
    kinesis_checkpoint_store_destroy(s);
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    assert_int_equal(access(tmp, F_OK), -1); /* renamed away */

    assert_int_equal(open_store(f, &s), KINESIS_OK);
    assert_int_equal(kinesis_checkpoint_store_get(s, "shardId-0", &got, &found), KINESIS_OK);
    assert_true(found);
    assert_string_equal(got.sequence_number, a.sequence_number);
    assert_int_equal(got.sub_sequence_number, 8);
    assert_int_equal(got.shard_ended, 0);
    assert_int_equal(kinesis_checkpoint_store_get(s, "shardId-1", &got, &found), KINESIS_OK);
    assert_true(found);
    assert_int_equal(got.shard_ended, 1);
    kinesis_checkpoint_store_destroy(s);
}

static void test_conditional_put(void **state) {
    fixture *f = *state;
    kinesis_checkpoint_store *s;
    assert_int_equal(open_store(f, &s), KINESIS_OK);
    kinesis_checkpoint a = cp("10", 0, 0), b = cp("20", 1, 0), c = cp("30", 0, 0);
    assert_int_equal(kinesis_checkpoint_store_put_if(s, "x", NULL, &a), KINESIS_OK);
    assert_int_equal(kinesis_checkpoint_store_put_if(s, "x", NULL, &b), KINESIS_E_RESOURCE_IN_USE);
    assert_int_equal(kinesis_checkpoint_store_put_if(s, "x", &b, &c), KINESIS_E_RESOURCE_IN_USE);
    assert_int_equal(kinesis_checkpoint_store_put_if(s, "x", &a, &b), KINESIS_OK);
    kinesis_checkpoint got;
    int found;
    assert_int_equal(kinesis_checkpoint_store_get(s, "x", &got, &found), KINESIS_OK);
    assert_string_equal(got.sequence_number, "20");
    assert_int_equal(got.sub_sequence_number, 1);
    kinesis_checkpoint_store_destroy(s);
}

static void test_directory_naming(void **state) {
    fixture *f = *state;
    kinesis_checkpoint_store *s;
    kinesis_error err;
    assert_int_equal(kinesis_file_checkpoint_store_new(NULL, f->dir, "my app",
                                                       "arn:aws:kinesis:us-east-1:1:stream/orders",
                                                       &f->alloc.base, &s, &err),
                     KINESIS_OK);
    kinesis_checkpoint a = cp("1", 0, 0);
    assert_int_equal(kinesis_checkpoint_store_put(s, "shardId-0", &a), KINESIS_OK);
    kinesis_checkpoint_store_destroy(s);
    char p[192];
    snprintf(p, sizeof p, "%s/my_app-orders.checkpoints.json", f->dir);
    assert_int_equal(access(p, F_OK), 0);
}

static void test_bad_files_and_arguments(void **state) {
    fixture *f = *state;
    kinesis_checkpoint_store *s = NULL;
    kinesis_error err;
    const char *bad[] = {
        "not json",
        "[1,2]",
        "{\"Version\":2,\"Shards\":{}}",
        "{\"Version\":1}",
        "{\"Version\":1,\"Stream\":\"other\",\"Shards\":{}}",
        "{\"Version\":1,\"Shards\":{\"a\":{\"SequenceNumber\":\"12x\"}}}",
        "{\"Version\":1,\"Shards\":{\"a\":{\"SequenceNumber\":\"\",\"ShardEnded\":false}}}",
        "{\"Version\":1,\"Shards\":{\"a\":{\"SequenceNumber\":\"1\",\"SubSequenceNumber\":-1}}}",
        "{\"Version\":1,\"Shards\":{\"a\":5}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(f->path, bad[i]);
        assert_int_equal(open_store(f, &s), KINESIS_E_CONFIG);
        assert_null(s);
    }
    write_file(f->path, ""); /* an empty file: no checkpoints yet */
    assert_int_equal(open_store(f, &s), KINESIS_OK);
    kinesis_checkpoint_store_destroy(s);
    assert_int_equal(kinesis_file_checkpoint_store_new(NULL, NULL, "app", "s", NULL, &s, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_file_checkpoint_store_new(f->path, f->dir, "app", "s", NULL, &s, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_file_checkpoint_store_new(f->path, NULL, "app", NULL, NULL, &s, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    /* a directory that does not exist: the put fails with a status, nothing crashes */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope/cp.json", f->dir);
    assert_int_equal(
        kinesis_file_checkpoint_store_new(missing, NULL, "app", "s", &f->alloc.base, &s, &err),
        KINESIS_OK);
    kinesis_checkpoint a = cp("1", 0, 0);
    assert_int_not_equal(kinesis_checkpoint_store_put(s, "x", &a), KINESIS_OK);
    kinesis_checkpoint got;
    int found = 1;
    assert_int_equal(kinesis_checkpoint_store_get(s, "x", &got, &found), KINESIS_OK);
    assert_false(found); /* memory stays equal to the file */
    kinesis_checkpoint_store_destroy(s);
    kinesis_checkpoint_store_destroy(NULL);
    assert_null(kinesis_checkpoint_store_new(NULL, NULL, NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditional_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_naming, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files_and_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

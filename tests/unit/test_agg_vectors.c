#define _POSIX_C_SOURCE 200809L
/* The shared KPL aggregation vectors (tests/data/kpl-aggregation): every blob reproduced byte for
 * byte from its inputs packed as one group (or, where the Node module broke the size limit,
 * refused or sent as a lone record), decoded to expected_user_records; every corrupt blob and
 * every KCL range case as kcl_model_results.jsonl says; strict statuses per corruption. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "kinesis/agg.h"
#include "kinesis/base64.h"

#define DIR "kpl-aggregation/"
#define LIMIT KINESIS_AGG_DEFAULT_MAX_RECORD_BYTES

static yajl_val load_json(const char *name) {
    size_t len;
    char *text = (char *)test_read_file(name, &len);
    assert_non_null(text);
    char err[256];
    yajl_val v = yajl_tree_parse(text, err, sizeof(err));
    if (!v) fail_msg("%s: %s", name, err);
    free(text);
    return v;
}

static yajl_val get(yajl_val obj, const char *key) {
    const char *path[] = {key, NULL};
    return yajl_tree_get(obj, path, yajl_t_any);
}

static const char *get_str(yajl_val obj, const char *key) {
    yajl_val v = get(obj, key);
    return v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static long long get_int(yajl_val obj, const char *key) {
    yajl_val v = get(obj, key);
    assert_true(v && YAJL_IS_INTEGER(v));
    return YAJL_GET_INTEGER(v);
}

static uint8_t *b64(const char *s, size_t *len) {
    size_t n = strlen(s);
    uint8_t *out = malloc(KINESIS_BASE64_DECODED_MAX(n) + 1);
    assert_int_equal(kinesis_base64_decode(s, n, out, KINESIS_BASE64_DECODED_MAX(n) + 1, len),
                     KINESIS_OK);
    return out;
}

static void sha256_hex(const uint8_t *d, size_t n, char out[65]) {
    uint8_t h[32];
    kinesis_crypto_default()->sha256(NULL, d, n, h);
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", h[i]);
}

/* One input record, owning its data. */
typedef struct input {
    char *pk;
    char *ehk;
    uint8_t *data;
    size_t data_len;
} input;

/* All user records of a blob in order (KCL mode, whole key space). */
static size_t decode_all(const uint8_t *blob, size_t len, kinesis_agg_user_record **out) {
    static uint32_t *scratch;
    static size_t scratch_n;
    size_t need = KINESIS_AGG_DECODER_SCRATCH_COUNT(len);
    if (scratch_n < need) {
        free(scratch);
        scratch = malloc(need * sizeof(uint32_t));
        scratch_n = need;
    }
    kinesis_agg_decode_options o = {0};
    o.scratch = scratch;
    o.scratch_count = scratch_n;
    kinesis_agg_decoder d;
    assert_int_equal(kinesis_agg_decoder_init(&d, blob, len, &o), KINESIS_OK);
    assert_int_equal(kinesis_agg_decoder_outcome(&d), KINESIS_AGG_AGGREGATED);
    size_t n = (size_t)kinesis_agg_decoder_deliver_count(&d);
    *out = calloc(n + 1, sizeof(**out));
    size_t i = 0;
    while (kinesis_agg_decoder_next(&d, &(*out)[i])) {
        assert_int_equal((*out)[i].sub_sequence_number, i);
        i++;
    }
    assert_int_equal(i, n);
    return n;
}

/* Inputs of a case: listed ones; data of big inputs taken from the blobs and checked against the
 * listed sha256; the split case's unlisted inputs follow its stated generator for keys. */
static size_t case_inputs(yajl_val c, input **out) {
    yajl_val ins = get(c, "inputs");
    size_t listed = YAJL_GET_ARRAY(ins)->len;
    size_t count = (size_t)get_int(c, "input_count");
    input *v = calloc(count, sizeof(*v));
    /* Records decoded from this case's blobs, concatenated. */
    kinesis_agg_user_record *from_blobs = NULL;
    size_t from_n = 0;
    yajl_val outs = get(c, "outputs");
    uint8_t *blobs[8] = {0};
    size_t nb = 0;
    for (size_t k = 0; k < YAJL_GET_ARRAY(outs)->len && k < 8; k++) {
        const char *file = get_str(YAJL_GET_ARRAY(outs)->values[k], "file");
        if (!file) continue;
        char path[256];
        snprintf(path, sizeof(path), DIR "%s", file);
        size_t len;
        blobs[nb] = test_read_file(path, &len);
        assert_non_null(blobs[nb]);
        kinesis_agg_user_record *recs;
        size_t n = decode_all(blobs[nb], len, &recs);
        from_blobs = realloc(from_blobs, (from_n + n + 1) * sizeof(*from_blobs));
        memcpy(from_blobs + from_n, recs, n * sizeof(*recs));
        from_n += n;
        free(recs);
        nb++;
    }
    for (size_t i = 0; i < count; i++) {
        yajl_val in = i < listed ? YAJL_GET_ARRAY(ins)->values[i] : NULL;
        if (in) {
            v[i].pk = strdup(get_str(in, "partitionKey"));
            const char *e = get_str(in, "explicitHashKey");
            v[i].ehk = e ? strdup(e) : NULL;
        } else {
            char pk[32];
            snprintf(pk, sizeof(pk), "pk-%05zu", i);
            v[i].pk = strdup(pk);
        }
        const char *d64 = in ? get_str(in, "data_b64") : NULL;
        if (d64) {
            v[i].data = b64(d64, &v[i].data_len);
        } else if (i < from_n) {
            v[i].data_len = from_blobs[i].data_len;
            v[i].data = malloc(v[i].data_len + 1);
            memcpy(v[i].data, from_blobs[i].data, v[i].data_len);
        } else {
            /* No blob (the Node module refused it): any bytes of the stated length. */
            v[i].data_len = (size_t)get_int(in, "data_len");
            v[i].data = calloc(v[i].data_len + 1, 1);
        }
        if (in) {
            assert_int_equal(v[i].data_len, (size_t)get_int(in, "data_len"));
            if (i < from_n || d64) {
                char hex[65];
                sha256_hex(v[i].data, v[i].data_len, hex);
                assert_string_equal(hex, get_str(in, "data_sha256"));
            }
        }
    }
    for (size_t k = 0; k < nb; k++) free(blobs[k]);
    free(from_blobs);
    *out = v;
    return count;
}

static void free_inputs(input *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(v[i].pk);
        free(v[i].ehk);
        free(v[i].data);
    }
    free(v);
}

static kinesis_agg_record as_record(const input *in) {
    kinesis_agg_record r = {in->pk,   strlen(in->pk), in->ehk, in->ehk ? strlen(in->ehk) : 0,
                            in->data, in->data_len};
    return r;
}

/* Check the outer keys of an aggregate: "a" and the first record's effective hash key. */
static void check_outer(const kinesis_agg_output *o, const input *first) {
    assert_int_equal(o->partition_key_len, 1);
    assert_memory_equal(o->partition_key, "a", 1);
    kinesis_agg_record r = as_record(first);
    kinesis_hash_key k;
    assert_int_equal(kinesis_agg_effective_hash_key(NULL, &r, &k), KINESIS_OK);
    char dec[KINESIS_HASH_KEY_DECIMAL_MAX];
    kinesis_hash_key_format(k, dec);
    assert_string_equal(o->explicit_hash_key, dec);
    assert_true(o->data_len + o->partition_key_len <= LIMIT);
}

static void check_expected_records(yajl_val out, const uint8_t *blob, size_t len) {
    yajl_val exp = get(out, "expected_user_records");
    kinesis_agg_user_record *recs;
    size_t n = decode_all(blob, len, &recs);
    assert_int_equal(n, (size_t)get_int(out, "user_record_count"));
    if (exp && YAJL_IS_ARRAY(exp)) {
        assert_int_equal(YAJL_GET_ARRAY(exp)->len, n);
        for (size_t i = 0; i < n; i++) {
            yajl_val e = YAJL_GET_ARRAY(exp)->values[i];
            assert_int_equal(recs[i].sub_sequence_number, get_int(e, "subSequenceNumber"));
            const char *pk = get_str(e, "partitionKey");
            assert_int_equal(recs[i].partition_key_len, strlen(pk));
            assert_memory_equal(recs[i].partition_key, pk, strlen(pk));
            const char *ehk = get_str(e, "explicitHashKey");
            if (ehk) {
                assert_non_null(recs[i].explicit_hash_key);
                assert_int_equal(recs[i].explicit_hash_key_len, strlen(ehk));
                assert_memory_equal(recs[i].explicit_hash_key, ehk, strlen(ehk));
            } else {
                assert_null(recs[i].explicit_hash_key);
            }
            assert_int_equal(recs[i].data_len, (size_t)get_int(e, "data_len"));
            const char *d64 = get_str(e, "data_b64");
            if (d64) {
                size_t dl;
                uint8_t *d = b64(d64, &dl);
                assert_int_equal(dl, recs[i].data_len);
                assert_memory_equal(d, recs[i].data, dl);
                free(d);
            }
        }
    }
    free(recs);
}

/* Pack all inputs as one group: finish on AGG_FULL and go on. Returns the outputs' copies. */
typedef struct packed {
    uint8_t *data;
    size_t len;
    int aggregated;
    char ehk[KINESIS_HASH_KEY_DECIMAL_MAX];
    size_t first;
} packed;

static size_t pack(const input *v, size_t n, int always, packed *outs, size_t max_outs,
                   kinesis_status *refused) {
    kinesis_agg_encoder_options o = {0};
    o.always_aggregate = always;
    kinesis_agg_encoder e;
    assert_int_equal(kinesis_agg_encoder_init(&e, &o, NULL), KINESIS_OK);
    size_t no = 0, first = 0;
    *refused = KINESIS_OK;
    for (size_t i = 0; i <= n; i++) {
        kinesis_status st = KINESIS_E_AGG_FULL;
        if (i < n) {
            kinesis_agg_record r = as_record(&v[i]);
            st = kinesis_agg_encoder_add(&e, &r);
            if (st == KINESIS_OK) continue;
            if (st != KINESIS_E_AGG_FULL) {
                *refused = st;
                break;
            }
        }
        if (kinesis_agg_encoder_count(&e) > 0) {
            size_t predicted = kinesis_agg_encoder_size(&e);
            kinesis_agg_output out;
            assert_int_equal(kinesis_agg_encoder_finish(&e, &out), KINESIS_OK);
            assert_int_equal(out.data_len + out.partition_key_len, predicted);
            assert_true(out.data_len + out.partition_key_len <= LIMIT);
            assert_true(no < max_outs);
            outs[no].data = malloc(out.data_len + 1);
            memcpy(outs[no].data, out.data, out.data_len);
            outs[no].len = out.data_len;
            outs[no].aggregated = out.aggregated;
            outs[no].ehk[0] = 0;
            if (out.explicit_hash_key) strcpy(outs[no].ehk, out.explicit_hash_key);
            outs[no].first = first;
            if (out.aggregated) check_outer(&out, &v[first]);
            first += out.record_count;
            no++;
        }
        if (i < n) {
            kinesis_agg_record r = as_record(&v[i]);
            st = kinesis_agg_encoder_add(&e, &r);
            if (st != KINESIS_OK) {
                *refused = st;
                break;
            }
        }
    }
    kinesis_agg_encoder_clean_up(&e);
    return no;
}

static void shared_vectors_reproduced(void **state) {
    (void)state;
    yajl_val m = load_json(DIR "manifest.json");
    yajl_val cases = get(m, "cases");
    size_t checked_blobs = 0;
    for (size_t ci = 0; ci < YAJL_GET_ARRAY(cases)->len; ci++) {
        yajl_val c = YAJL_GET_ARRAY(cases)->values[ci];
        const char *name = get_str(c, "name");
        input *v;
        size_t n = case_inputs(c, &v);
        yajl_val outs = get(c, "outputs");
        packed got[8];
        kinesis_status refused;
        size_t ng = pack(v, n, 1, got, 8, &refused);
        if (!strcmp(name, "near_limit") || !strcmp(name, "unicode_size_undercount") ||
            !strcmp(name, "over_limit_by_one")) {
            /* The Node module's blob (or its refusal) breaks or meets the limit: as an aggregate
             * we refuse; the KPL way (lone record sent as itself) fits unless data + key don't. */
            assert_int_equal(ng, 0);
            assert_int_equal(refused, KINESIS_E_RECORD_TOO_LARGE);
            packed lone[2];
            ng = pack(v, n, 0, lone, 2, &refused);
            if (!strcmp(name, "unicode_size_undercount")) {
                assert_int_equal(ng, 0);
                assert_int_equal(refused, KINESIS_E_RECORD_TOO_LARGE);
            } else {
                assert_int_equal(refused, KINESIS_OK);
                assert_int_equal(ng, 1);
                assert_int_equal(lone[0].aggregated, 0);
                assert_int_equal(lone[0].len, v[0].data_len);
                assert_memory_equal(lone[0].data, v[0].data, v[0].data_len);
                free(lone[0].data);
            }
            /* The existing blobs still decode as expected. */
            for (size_t k = 0; k < YAJL_GET_ARRAY(outs)->len; k++) {
                yajl_val o = YAJL_GET_ARRAY(outs)->values[k];
                const char *file = get_str(o, "file");
                if (!file) continue;
                char path[256];
                snprintf(path, sizeof(path), DIR "%s", file);
                size_t len;
                uint8_t *blob = test_read_file(path, &len);
                check_expected_records(o, blob, len);
                free(blob);
            }
            free_inputs(v, n);
            continue;
        }
        assert_int_equal(refused, KINESIS_OK);
        assert_int_equal(ng, YAJL_GET_ARRAY(outs)->len);
        for (size_t k = 0; k < ng; k++) {
            yajl_val o = YAJL_GET_ARRAY(outs)->values[k];
            char path[256];
            snprintf(path, sizeof(path), DIR "%s", get_str(o, "file"));
            size_t len;
            uint8_t *blob = test_read_file(path, &len);
            assert_non_null(blob);
            assert_int_equal(got[k].len, len);
            assert_memory_equal(got[k].data, blob, len);
            assert_true(got[k].aggregated);
            assert_int_equal(got[k].first, (size_t)get_int(o, "first_user_record_index"));
            check_expected_records(o, blob, len);
            checked_blobs++;
            free(blob);
            free(got[k].data);
        }
        /* KPL default: a lone record goes out as itself. */
        if (n == 1) {
            packed lone[1];
            assert_int_equal(pack(v, n, 0, lone, 1, &refused), 1);
            assert_false(lone[0].aggregated);
            assert_memory_equal(lone[0].data, v[0].data, v[0].data_len);
            free(lone[0].data);
        }
        free_inputs(v, n);
    }
    assert_int_equal(checked_blobs, 9);
    yajl_tree_free(m);
}

/* ---- KCL model ---- */

static void range_of(const char *r, kinesis_agg_decode_options *o) {
    kinesis_hash_key half = {1ull << 63, 0}, half_m1 = {(1ull << 63) - 1, UINT64_MAX};
    kinesis_hash_key zero = {0, 0}, max = {UINT64_MAX, UINT64_MAX};
    o->has_range = 1;
    if (!strcmp(r, "full")) {
        o->range_start = zero;
        o->range_end = max;
    } else if (!strcmp(r, "[0,2^127-1]")) {
        o->range_start = zero;
        o->range_end = half_m1;
    } else if (!strcmp(r, "[2^127,2^128-1]")) {
        o->range_start = half;
        o->range_end = max;
    } else {
        fail_msg("unknown range %s", r);
    }
}

static void kcl_model_results(void **state) {
    (void)state;
    size_t len;
    char *text = (char *)test_read_file(DIR "kcl_model_results.jsonl", &len);
    assert_non_null(text);
    size_t lines = 0;
    static uint32_t scratch[KINESIS_AGG_DECODER_SCRATCH_COUNT(2u << 20)];
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char err[256];
        yajl_val j = yajl_tree_parse(line, err, sizeof(err));
        assert_non_null(j);
        const char *file = get_str(j, "file");
        const char *outcome = get_str(j, "outcome");
        char path[256];
        snprintf(path, sizeof(path), DIR "%s", file);
        size_t blen;
        uint8_t *blob = test_read_file(path, &blen);
        assert_non_null(blob);
        for (int variant = 0; variant < 2; variant++) {
            kinesis_agg_decode_options o = {0};
            o.scratch = scratch;
            o.scratch_count = KINESIS_AGG_DECODER_SCRATCH_COUNT(2u << 20);
            const char *r = get_str(j, "range");
            if (variant == 0)
                range_of(r, &o);
            else if (strcmp(r, "full") != 0)
                continue; /* variant 1: no range given = the whole key space */
            kinesis_agg_decoder d;
            assert_int_equal(kinesis_agg_decoder_init(&d, blob, blen, &o), KINESIS_OK);
            kinesis_agg_user_record u;
            if (!strncmp(outcome, "PASSTHROUGH", 11)) {
                assert_int_equal(kinesis_agg_decoder_outcome(&d), KINESIS_AGG_PASSTHROUGH);
                kinesis_status why = kinesis_agg_decoder_reason(&d);
                if (strstr(outcome, "md5"))
                    assert_int_equal(why, KINESIS_E_AGG_BAD_MD5);
                else if (strstr(outcome, "InvalidProtocolBuffer"))
                    assert_int_equal(why, KINESIS_E_AGG_BAD_PROTOBUF);
                else
                    assert_true(why == KINESIS_E_AGG_BAD_MAGIC || why == KINESIS_E_AGG_TOO_SHORT);
                assert_int_equal(kinesis_agg_decoder_next(&d, &u), 1);
                assert_false(u.aggregated);
                assert_null(u.partition_key);
                assert_int_equal(u.data_len, blen);
                assert_ptr_equal(u.data, blob);
                assert_int_equal(u.sub_sequence_number, 0);
                assert_int_equal(kinesis_agg_decoder_next(&d, &u), 0);
            } else if (!strncmp(outcome, "DROPPED", 7)) {
                assert_int_equal(kinesis_agg_decoder_outcome(&d), KINESIS_AGG_DROPPED);
                assert_int_equal(kinesis_agg_decoder_reason(&d), KINESIS_E_AGG_OUT_OF_RANGE);
                unsigned idx = 99;
                assert_int_equal(sscanf(strstr(outcome, "record "), "record %u", &idx), 1);
                assert_int_equal(kinesis_agg_decoder_error_record(&d), idx);
                assert_int_equal(kinesis_agg_decoder_next(&d, &u), 0);
            } else if (!strncmp(outcome, "LOGGED_ERROR_KEEP_PREFIX", 24)) {
                assert_int_equal(kinesis_agg_decoder_outcome(&d), KINESIS_AGG_PARTIAL);
                assert_int_equal(kinesis_agg_decoder_reason(&d), strstr(outcome, "NumberFormat")
                                                                     ? KINESIS_E_AGG_BAD_HASH_KEY
                                                                     : KINESIS_E_AGG_BAD_INDEX);
                yajl_val ur = get(j, "user_records");
                size_t keep = YAJL_GET_ARRAY(ur)->len;
                assert_int_equal(kinesis_agg_decoder_deliver_count(&d), keep);
                size_t got = 0;
                while (kinesis_agg_decoder_next(&d, &u)) got++;
                assert_int_equal(got, keep);
            } else {
                assert_string_equal(outcome, "AGGREGATED");
                assert_int_equal(kinesis_agg_decoder_outcome(&d), KINESIS_AGG_AGGREGATED);
                yajl_val ur = get(j, "user_records");
                size_t want;
                if (YAJL_IS_INTEGER(ur)) {
                    want = (size_t)YAJL_GET_INTEGER(ur);
                    size_t got = 0;
                    while (kinesis_agg_decoder_next(&d, &u)) got++;
                    assert_int_equal(got, want);
                } else {
                    want = YAJL_GET_ARRAY(ur)->len;
                    for (size_t i = 0; i < want; i++) {
                        yajl_val e = YAJL_GET_ARRAY(ur)->values[i];
                        assert_int_equal(kinesis_agg_decoder_next(&d, &u), 1);
                        assert_int_equal(u.sub_sequence_number, get_int(e, "sub"));
                        const char *pk = get_str(e, "pk");
                        assert_int_equal(u.partition_key_len, strlen(pk));
                        assert_memory_equal(u.partition_key, pk, strlen(pk));
                        const char *ehk = get_str(e, "ehk");
                        if (ehk) {
                            assert_int_equal(u.explicit_hash_key_len, strlen(ehk));
                            assert_memory_equal(u.explicit_hash_key, ehk, strlen(ehk));
                        } else {
                            assert_null(u.explicit_hash_key);
                        }
                        assert_int_equal(u.data_len, (size_t)get_int(e, "len"));
                    }
                    assert_int_equal(kinesis_agg_decoder_next(&d, &u), 0);
                }
            }
        }
        free(blob);
        yajl_tree_free(j);
        lines++;
    }
    assert_int_equal(lines, 25);
    free(text);
}

static void strict_statuses(void **state) {
    (void)state;
    struct {
        const char *file;
        kinesis_status st;
    } cases[] = {
        {"corrupt_bad_md5_payload.bin", KINESIS_E_AGG_BAD_MD5},
        {"corrupt_bad_md5_trailer.bin", KINESIS_E_AGG_BAD_MD5},
        {"corrupt_truncated_blob.bin", KINESIS_E_AGG_BAD_MD5},
        {"corrupt_empty_aggregate.bin", KINESIS_E_AGG_TOO_SHORT},
        {"corrupt_magic_only_short.bin", KINESIS_E_AGG_TOO_SHORT},
        {"corrupt_no_magic.bin", KINESIS_E_AGG_BAD_MAGIC},
        {"corrupt_missing_required_data.bin", KINESIS_E_AGG_BAD_PROTOBUF},
        {"corrupt_truncated_protobuf_valid_md5.bin", KINESIS_E_AGG_BAD_PROTOBUF},
        {"corrupt_non_decimal_ehk.bin", KINESIS_E_AGG_BAD_HASH_KEY},
        {"corrupt_pk_index_out_of_range.bin", KINESIS_E_AGG_BAD_INDEX},
        {"distinct_pk_ehk.0.bin", KINESIS_OK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), DIR "%s", cases[i].file);
        size_t len;
        uint8_t *blob = test_read_file(path, &len);
        assert_non_null(blob);
        kinesis_agg_decode_options o = {0};
        o.mode = KINESIS_AGG_DECODE_STRICT;
        kinesis_agg_decoder d;
        kinesis_status st = kinesis_agg_decoder_init(&d, blob, len, &o);
        if (st != cases[i].st) fail_msg("%s: %s", cases[i].file, kinesis_status_name(st));
        kinesis_agg_user_record u;
        assert_int_equal(kinesis_agg_decoder_next(&d, &u), st == KINESIS_OK ? 1 : 0);
        /* Strict range check: record 1 of distinct_pk_ehk lies in the upper half. */
        if (st == KINESIS_OK) {
            o.has_range = 1;
            o.range_start = (kinesis_hash_key){0, 0};
            o.range_end = (kinesis_hash_key){(1ull << 63) - 1, UINT64_MAX};
            assert_int_equal(kinesis_agg_decoder_init(&d, blob, len, &o),
                             KINESIS_E_AGG_OUT_OF_RANGE);
            assert_int_equal(kinesis_agg_decoder_error_record(&d), 1);
            assert_int_equal(kinesis_agg_decoder_next(&d, &u), 0);
        }
        free(blob);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_vectors_reproduced),
        cmocka_unit_test(kcl_model_results),
        cmocka_unit_test(strict_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

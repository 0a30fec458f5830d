/* Status table: every value has a distinct name and a description; retryable flags. */
#include "support.h"

#include <string.h>

#include "kinesis/status.h"

static void every_status_has_name_and_text(void **state) {
    (void)state;
    for (int s = 0; s < KINESIS_STATUS_COUNT_; s++) {
        const char *name = kinesis_status_name((kinesis_status)s);
        assert_true(strncmp(name, "KINESIS_", 8) == 0);
        assert_true(strlen(kinesis_status_str((kinesis_status)s)) > 0);
        for (int t = 0; t < s; t++)
            assert_string_not_equal(name, kinesis_status_name((kinesis_status)t));
    }
    assert_string_equal(kinesis_status_name(KINESIS_OK), "KINESIS_OK");
    assert_string_equal(kinesis_status_name((kinesis_status)9999), "KINESIS_E_UNKNOWN");
}

static void retryable_flags(void **state) {
    (void)state;
    assert_true(kinesis_status_is_retryable(KINESIS_E_THROTTLED));
    assert_true(kinesis_status_is_retryable(KINESIS_E_TIMEOUT));
    assert_true(kinesis_status_is_retryable(KINESIS_E_CONNECT));
    assert_true(kinesis_status_is_retryable(KINESIS_E_SERVICE_UNAVAILABLE));
    assert_false(kinesis_status_is_retryable(KINESIS_E_RESOURCE_NOT_FOUND));
    assert_false(kinesis_status_is_retryable(KINESIS_E_SIGNATURE));
    assert_false(kinesis_status_is_retryable(KINESIS_E_VALIDATION));
    assert_false(kinesis_status_is_retryable(KINESIS_OK));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_status_has_name_and_text),
        cmocka_unit_test(retryable_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

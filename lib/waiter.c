/* The polling loop behind every waiter (stream ACTIVE, stream gone, consumer ACTIVE). */
#include "client_internal.h"

#include <stdio.h>

kinesis_status kinesis_wait_for(kinesis_client *c, kinesis_waiter_check_fn check, void *user,
                                uint32_t timeout_ms, uint32_t poll_interval_ms, const char *what,
                                kinesis_error *err) {
    if (poll_interval_ms == 0) poll_interval_ms = 1000;
    int64_t deadline = kinesis_now_mono_ms() + timeout_ms;
    for (;;) {
        bool done = false;
        kinesis_status st = check(c, user, &done, err);
        if (st == KINESIS_OK && done) {
            kinesis_error_clear(err);
            return KINESIS_OK;
        }
        if (st != KINESIS_OK && !kinesis_status_is_retryable(st)) return st;
        int64_t now = kinesis_now_mono_ms();
        if (now >= deadline) {
            kinesis_error_clear(err);
            return kinesis_error_set(err, KINESIS_E_WAITER_TIMEOUT, "%s: not reached after %u ms",
                                     what, timeout_ms);
        }
        int64_t left = deadline - now;
        kinesis_sleep_ms((uint32_t)(left < poll_interval_ms ? left : poll_interval_ms));
    }
}

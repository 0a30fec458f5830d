/* Names, descriptions and retryability of kinesis_status, from the table in status.h. */
#include "internal.h"

static const struct {
    const char *name;
    const char *text;
    int retryable;
} status_info[] = {
#define KINESIS_STATUS_INFO_(name, retryable, text) {#name, text, retryable},
    KINESIS_STATUS_TABLE(KINESIS_STATUS_INFO_)
#undef KINESIS_STATUS_INFO_
};

const char *kinesis_status_name(kinesis_status status) {
    return (unsigned)status < KINESIS_ARRAY_LEN(status_info) ? status_info[status].name
                                                             : "KINESIS_E_UNKNOWN";
}

const char *kinesis_status_str(kinesis_status status) {
    return (unsigned)status < KINESIS_ARRAY_LEN(status_info) ? status_info[status].text
                                                             : "unknown status";
}

int kinesis_status_is_retryable(kinesis_status status) {
    return (unsigned)status < KINESIS_ARRAY_LEN(status_info) ? status_info[status].retryable : 0;
}

/* Internal: endpoint rules for the client. Mirrors botocore's Kinesis endpoint ruleset
 * (botocore/data/kinesis/2013-12-02/endpoint-rule-set-1.json) and partitions.json. Not installed.
 *
 * Thread-safety: pure functions (the settings resolver reads the environment and the config
 * file, like kinesis_resolve_endpoint()). */
#ifndef KINESIS_ENDPOINT_INTERNAL_H
#define KINESIS_ENDPOINT_INTERNAL_H

#include "kinesis/config.h"
#include "kinesis/status.h"

#include <stdbool.h>

/* One AWS partition's outputs as in botocore's partitions.json. */
typedef struct kinesis_partition {
    const char *name;        /* "aws", "aws-cn", "aws-us-gov", ... */
    const char *dns_suffix;  /* "amazonaws.com" */
    const char *dual_suffix; /* "api.aws" */
    bool supports_fips;
    bool supports_dualstack;
} kinesis_partition;

/* The partition of a region as botocore's aws.partition() decides it (explicit region list, then
 * the partition's region regex, else "aws"). Never NULL. */
const kinesis_partition *kinesis_partition_for_region(const char *region);

/* 1 when `region` is a name botocore accepts (validate_region_name: letters, digits and '-', at
 * most 63, not starting or ending with '-', not all digits, not empty). */
bool kinesis_region_is_valid(const char *region);

/* Endpoint for a call addressed by StreamARN (ruleset rule "StreamARN"): a configured endpoint
 * when one is given (FIPS or dual-stack with it is KINESIS_E_CONFIG, as the ruleset says);
 * otherwise https://<account>.control-kinesis.<region>.<dnsSuffix> (data_plane = 0) or
 * https://<account>.data-kinesis.<region>.<dnsSuffix> (data_plane = 1), "-fips" after "kinesis"
 * for FIPS and the partition's dual-stack suffix for dual-stack. The aws-iso and aws-iso-b
 * partitions have no account endpoints and get the regional one. stream_arn NULL gives the
 * regional endpoint, as for a call by StreamName. `region` is the client's region.
 * Errors: KINESIS_E_INVALID_ARGUMENT (NULL/invalid region), KINESIS_E_INVALID_STREAM (ARN does not
 * parse, is not a kinesis "stream/..." ARN, account id is not 12 digits, ARN region invalid or
 * not in the ARN's partition, ARN partition differs from the region's), KINESIS_E_CONFIG
 * (configured endpoint not an http(s) URL, or FIPS/dual-stack with it), KINESIS_E_NO_MEMORY.
 * *out (no trailing slash) is freed with kinesis_free(a, *out). */
kinesis_status kinesis_endpoint_for_arn(const char *configured_endpoint_or_NULL, const char *region,
                                        const char *stream_arn, int data_plane, uint8_t use_fips,
                                        uint8_t use_dualstack, const kinesis_allocator *a,
                                        char **out, kinesis_error *err);

/* What the environment and the config file say about the endpoint, for callers that need the
 * configured endpoint apart from the regional default (StreamARN calls go to account endpoints
 * only when none is configured). */
typedef struct kinesis_endpoint_settings {
    char *configured_endpoint; /* NULL when none; else validated, no trailing slash */
    uint8_t use_fips;          /* options->use_fips or AWS_USE_FIPS_ENDPOINT / use_fips_endpoint */
    uint8_t use_dualstack;     /* likewise for dual-stack */
} kinesis_endpoint_settings;

/* Resolve settings as kinesis_resolve_endpoint() does (options->region may be NULL here).
 * Clean up with kinesis_endpoint_settings_clean_up() on success. */
kinesis_status kinesis_endpoint_settings_resolve(const kinesis_endpoint_options *options,
                                                 const kinesis_allocator *a,
                                                 kinesis_endpoint_settings *out,
                                                 kinesis_error *err);
void kinesis_endpoint_settings_clean_up(kinesis_endpoint_settings *s, const kinesis_allocator *a);

#endif

/* libkinesis: region and endpoint resolution, as the AWS SDKs do it.
 *
 * Thread-safety: pure functions over the environment and the shared config files; safe from any
 * thread as long as nobody modifies the environment concurrently. */
#ifndef KINESIS_CONFIG_H
#define KINESIS_CONFIG_H

#include "kinesis/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Resolve the region: AWS_REGION, then AWS_DEFAULT_REGION, then `region` of the profile in the
 * config file (AWS_CONFIG_FILE or ~/.aws/config; profile NULL = AWS_PROFILE or "default"). Empty
 * variables count as unset; the file is read only when neither variable is set.
 * On success *out is a NUL-terminated string the caller frees with kinesis_free(allocator, *out).
 * Returns KINESIS_E_NO_REGION when none is configured, KINESIS_E_CONFIG when the config file is
 * malformed (message "path:line: what") or the region found is not a valid region name,
 * KINESIS_E_NO_MEMORY, KINESIS_E_INVALID_ARGUMENT when out is NULL. */
KINESIS_API kinesis_status kinesis_resolve_region(const char *profile,
                                                  const kinesis_allocator *allocator, char **out,
                                                  kinesis_error *err);

typedef struct kinesis_endpoint_options {
    const char *region;     /* required */
    const char *profile;    /* for endpoint_url in the config file; NULL = AWS_PROFILE/default */
    uint8_t use_fips;       /* kinesis-fips.<region>.amazonaws.com; also turned on by
                               AWS_USE_FIPS_ENDPOINT / use_fips_endpoint = true */
    uint8_t use_dualstack;  /* kinesis.<region>.api.aws (dual-stack); also turned on by
                               AWS_USE_DUALSTACK_ENDPOINT / use_dualstack_endpoint = true */
    uint8_t ignore_environment; /* 1 = skip AWS_ENDPOINT_URL*, AWS_USE_*_ENDPOINT and the config
                                   file entirely (only the fields above count) */
} kinesis_endpoint_options;

/* Resolve the endpoint URL (no trailing slash): AWS_ENDPOINT_URL_KINESIS, then AWS_ENDPOINT_URL,
 * then `endpoint_url` in the profile's `services` section or the profile itself (as the SDKs
 * do, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's
 * ignore_configured_endpoint_urls, is true), else the regional endpoint of botocore's ruleset:
 * https://kinesis.<region>.amazonaws.com, .amazonaws.com.cn for cn-* regions, with FIPS and
 * dual-stack variants. *out is freed with kinesis_free(allocator, *out).
 * Errors: KINESIS_E_INVALID_ARGUMENT (options, region or out NULL; region not a valid name),
 * KINESIS_E_CONFIG (malformed config file; configured endpoint not an http(s) URL with a valid
 * host; profile names a missing services section; FIPS or dual-stack together with a configured
 * endpoint, which the ruleset rejects), KINESIS_E_NO_MEMORY. */
KINESIS_API kinesis_status kinesis_resolve_endpoint(const kinesis_endpoint_options *options,
                                                    const kinesis_allocator *allocator,
                                                    char **out, kinesis_error *err);

#ifdef __cplusplus
}
#endif
#endif

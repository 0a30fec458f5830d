/* libkinesis: the client — configuration, the request pipeline (sign, send, retry, parse errors)
 * and the generic JSON call that reaches every operation of the Kinesis 2013-12-02 API.
 *
 * Thread-safety: a client is shared by any number of threads once created; every operation may
 * be called concurrently. kinesis_client_destroy() must not race with calls. */
#ifndef KINESIS_CLIENT_H
#define KINESIS_CLIENT_H

#include "kinesis/credentials.h"
#include "kinesis/signer.h"
#include "kinesis/status.h"
#include "kinesis/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kinesis_client kinesis_client;

/* Retries: exponential backoff with full jitter (delay = random in [0, min(max, base * 2^n)])
 * on throttling (ProvisionedThroughputExceeded, LimitExceeded, Throttling, KMSThrottling), 5xx,
 * timeouts and connection failures. Other errors are never retried. */
typedef struct kinesis_retry_policy {
    uint32_t max_attempts;  /* total attempts including the first; default 5, 1 = no retries */
    uint32_t base_delay_ms; /* default 100 */
    uint32_t max_delay_ms;  /* default 20000 */
} kinesis_retry_policy;

/* Client options. Initialise with kinesis_client_options_init(), then set what you need. Every
 * pointer is borrowed only during kinesis_client_new() (strings are copied), except transport,
 * signer and credentials, which must outlive the client and stay owned by the caller. */
typedef struct kinesis_client_options {
    const char *region;          /* NULL = AWS_REGION / AWS_DEFAULT_REGION / config file */
    const char *endpoint_url;    /* NULL = AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL / config /
                                    regional endpoint. "http://127.0.0.1:4567" for local servers. */
    const char *profile;         /* NULL = AWS_PROFILE or "default" */
    uint8_t use_fips;            /* FIPS endpoint when resolving the regional endpoint */
    uint8_t use_dualstack;       /* dual-stack endpoint when resolving the regional endpoint */
    uint32_t connect_timeout_ms; /* default 5000 */
    uint32_t request_timeout_ms; /* per attempt; default 30000 */
    kinesis_retry_policy retry;
    const char *user_agent_suffix; /* appended to "libkinesis/<version>" */

    /* default transport (libcurl) settings, used when `transport` is NULL */
    const char *ca_file;
    const char *ca_path;
    uint8_t insecure_skip_verify; /* local testing only */
    kinesis_http_version http_version;

    kinesis_transport *transport;              /* NULL = libcurl transport */
    kinesis_signer *signer;                    /* NULL = SigV4 over OpenSSL */
    kinesis_credentials_provider *credentials; /* NULL = default chain (env, files) */

    /* Service limits enforced before sending (see records.h). */
    uint32_t max_record_bytes;      /* data + partition key; default 1048576, max 10485760 */
    uint32_t max_put_records_bytes; /* whole PutRecords payload; default 5242880 */

    kinesis_log_fn log_fn; /* NULL = silent */
    void *log_user;
    kinesis_log_level log_level; /* default KINESIS_LOG_INFO when log_fn is set */

    const kinesis_allocator *allocator; /* NULL = malloc/free */
} kinesis_client_options;

/* Fill `options` with the defaults documented above. */
KINESIS_API void kinesis_client_options_init(kinesis_client_options *options);

/* Create a client: resolves region, endpoint and (lazily, at the first call) credentials.
 * Returns KINESIS_E_NO_REGION when no region is configured, KINESIS_E_CONFIG for a bad endpoint
 * URL or option, KINESIS_E_NO_MEMORY. *out is owned by the caller: kinesis_client_destroy(). */
KINESIS_API kinesis_status kinesis_client_new(const kinesis_client_options *options,
                                              kinesis_client **out, kinesis_error *err);

/* Destroy a client (and what it created itself: default transport, signer, credentials
 * provider). NULL is ignored. */
KINESIS_API void kinesis_client_destroy(kinesis_client *client);

/* The resolved region and endpoint URL; valid until the client is destroyed. */
KINESIS_API const char *kinesis_client_region(const kinesis_client *client);
KINESIS_API const char *kinesis_client_endpoint(const kinesis_client *client);
/* The allocator the client uses (what results are freed with). */
KINESIS_API const kinesis_allocator *kinesis_client_allocator(const kinesis_client *client);

/* Seconds the client adds to its wall clock when signing, learned from the service's clock-skew
 * errors (RequestExpired, InvalidSignatureException "Signature expired"). */
KINESIS_API int64_t kinesis_client_clock_offset_s(const kinesis_client *client);

/* Call any operation by name with a JSON request body, e.g.
 *   kinesis_client_call_json(c, "DescribeLimits", "{}", 2, &out, &out_len, &err).
 * The request is signed and retried like the typed calls. On success *json_out is the response
 * body (NUL-terminated; "{}" when the service sent an empty body), owned by the caller:
 * kinesis_free(kinesis_client_allocator(client), *json_out). On failure *json_out is NULL and err
 * has the service error. json_in must be a JSON object (KINESIS_E_INVALID_ARGUMENT otherwise);
 * len may be 0 for "{}". Blocks for at most about request_timeout_ms * max_attempts plus
 * backoff. */
KINESIS_API kinesis_status kinesis_client_call_json(kinesis_client *client, const char *operation,
                                                    const char *json_in, size_t len,
                                                    char **json_out, size_t *out_len,
                                                    kinesis_error *err);

#ifdef __cplusplus
}
#endif
#endif

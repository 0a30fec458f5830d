/* libkinesis: AWS credentials and the providers that find them, chained as the AWS SDKs do.
 *
 * Thread-safety: a provider may be shared by any number of threads; get() is thread-safe. */
#ifndef KINESIS_CREDENTIALS_H
#define KINESIS_CREDENTIALS_H

#include "kinesis/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One set of credentials. Strings are NUL-terminated and owned by the struct (allocated with
 * `allocator`); release with kinesis_credentials_clean_up(). session_token is NULL when none. */
typedef struct kinesis_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    int64_t expiration_epoch_ms; /* 0 = does not expire */
    const kinesis_allocator *allocator;
} kinesis_credentials;

/* Free the strings (wiping the secret first) and zero the struct. NULL is ignored. */
KINESIS_API void kinesis_credentials_clean_up(kinesis_credentials *credentials);

/* Provider contract: get() fills *out (which the caller then owns) or returns
 * KINESIS_E_NO_CREDENTIALS when this provider has none (a chain then tries the next), or another
 * status for a hard error (e.g. KINESIS_E_CONFIG for a malformed file; a chain stops there).
 * destroy() frees the implementation. */
typedef struct kinesis_credentials_provider_vtable {
    kinesis_status (*get)(void *impl, const kinesis_allocator *allocator,
                          kinesis_credentials *out, kinesis_error *err);
    void (*destroy)(void *impl);
} kinesis_credentials_provider_vtable;

typedef struct kinesis_credentials_provider kinesis_credentials_provider;

/* Wrap a custom provider; impl is owned by the provider. NULL on allocation failure. */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new(const kinesis_credentials_provider_vtable *vtable, void *impl,
                                 const kinesis_allocator *allocator);

/* Static credentials (copied). session_token may be NULL. */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new_static(const char *access_key_id, const char *secret_access_key,
                                        const char *session_token,
                                        const kinesis_allocator *allocator);

/* AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, read at each get(). */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new_environment(const kinesis_allocator *allocator);

/* Shared files: aws_access_key_id / aws_secret_access_key / aws_session_token of a profile in the
 * credentials file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials), then in the config
 * file (AWS_CONFIG_FILE, default ~/.aws/config, section "[profile NAME]" or "[default]").
 * profile NULL = AWS_PROFILE, else "default". Files are read at each get(). */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new_profile(const char *profile, const kinesis_allocator *allocator);

/* The SDKs' default chain: environment, then shared files (with `profile`, as above). When an
 * explicit profile is given (not NULL), the environment is skipped, as the AWS CLI does for
 * --profile. */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new_default_chain(const char *profile,
                                               const kinesis_allocator *allocator);

/* Get credentials from a provider. */
KINESIS_API kinesis_status kinesis_credentials_provider_get(kinesis_credentials_provider *provider,
                                                            kinesis_credentials *out,
                                                            kinesis_error *err);

/* Destroy a provider. NULL is ignored. */
KINESIS_API void kinesis_credentials_provider_destroy(kinesis_credentials_provider *provider);

#ifdef __cplusplus
}
#endif
#endif

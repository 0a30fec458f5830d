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

/* Free the strings (wiping the secret key and the session token first) with credentials->allocator
 * and zero the struct. NULL, and a struct already cleaned up, are ignored. Any thread. */
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

/* Wrap a custom provider; impl is owned by the provider from this call on: on failure (NULL
 * return: allocation failure, or vtable/vtable->get NULL) vtable->destroy(impl) has already been
 * called. The vtable is copied. get() must be thread-safe if the provider is shared. */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new(const kinesis_credentials_provider_vtable *vtable, void *impl,
                                 const kinesis_allocator *allocator);

/* Static credentials (copied; the provider wipes its copy of the secret when destroyed).
 * session_token may be NULL or "". NULL when access_key_id or secret_access_key is NULL or
 * empty, or on allocation failure. */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new_static(const char *access_key_id, const char *secret_access_key,
                                        const char *session_token,
                                        const kinesis_allocator *allocator);

/* AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (else the legacy
 * AWS_SECURITY_TOKEN), read at each get(); empty variables count as unset. A key id without a
 * secret (or the reverse) gives KINESIS_E_NO_CREDENTIALS with a message naming the missing
 * variable. NULL on allocation failure. */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new_environment(const kinesis_allocator *allocator);

/* Shared files: aws_access_key_id / aws_secret_access_key / aws_session_token (else the legacy
 * aws_security_token) of a profile in the credentials file (AWS_SHARED_CREDENTIALS_FILE, default
 * $HOME/.aws/credentials, section "[NAME]"), then in the config file (AWS_CONFIG_FILE, default
 * $HOME/.aws/config, section "[profile NAME]" or "[default]"; NAME may be quoted:
 * [profile "my name"]). Files are parsed as botocore does and read at each get(). profile NULL
 * = AWS_PROFILE (looked up at each get()), else "default". Errors from get():
 * KINESIS_E_NO_CREDENTIALS (profile absent, or without a complete key pair; missing files are not
 * errors),
 * KINESIS_E_CONFIG (malformed file: the message has "path:line: what", never the line's text),
 * KINESIS_E_NO_MEMORY. NULL on allocation failure. */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new_profile(const char *profile, const kinesis_allocator *allocator);

/* The SDKs' default chain: environment, then shared files (with `profile`, as above). When an
 * explicit profile is given (not NULL), the environment is skipped, as the AWS CLI does for
 * --profile. A provider's KINESIS_E_NO_CREDENTIALS moves on to the next; the final
 * KINESIS_E_NO_CREDENTIALS message lists why each one had none. Any other error (e.g.
 * KINESIS_E_CONFIG for a malformed file) stops the chain. Static credentials, when a caller has
 * them, are used instead of this chain. NULL on allocation failure. */
KINESIS_API kinesis_credentials_provider *
kinesis_credentials_provider_new_default_chain(const char *profile,
                                               const kinesis_allocator *allocator);

/* Get credentials from a provider into *out (zeroed first; on KINESIS_OK the caller owns it and
 * releases it with kinesis_credentials_clean_up()). Statuses: KINESIS_OK, KINESIS_E_NO_CREDENTIALS,
 * KINESIS_E_CONFIG, KINESIS_E_NO_MEMORY, KINESIS_E_INVALID_ARGUMENT (provider or out NULL); a
 * result without a non-empty key id and secret is turned into KINESIS_E_NO_CREDENTIALS. err (may
 * be NULL) gets a message without secrets. Any thread. */
KINESIS_API kinesis_status kinesis_credentials_provider_get(kinesis_credentials_provider *provider,
                                                            kinesis_credentials *out,
                                                            kinesis_error *err);

/* Destroy a provider (no get() may be running on it). NULL is ignored. */
KINESIS_API void kinesis_credentials_provider_destroy(kinesis_credentials_provider *provider);

#ifdef __cplusplus
}
#endif
#endif

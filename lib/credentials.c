/* Credentials providers: static, environment, shared files, and the chain the SDKs use. */
#include "kinesis/credentials.h"

#include "internal.h"
#include "profile_internal.h"

#include <stdio.h>

struct kinesis_credentials_provider {
    kinesis_credentials_provider_vtable vtable; /* copied: the caller's may be short-lived */
    void *impl;
    const kinesis_allocator *allocator;
};

/* Overwrite memory in a way the optimizer may not drop (the bytes are never read again). */
static void wipe(char *s) {
    if (!s) return;
    volatile char *p = s;
    while (*p) *p++ = '\0';
}

void kinesis_credentials_clean_up(kinesis_credentials *c) {
    if (!c) return;
    const kinesis_allocator *a = c->allocator;
    wipe(c->secret_access_key);
    wipe(c->session_token); /* a session token is a bearer secret too */
    kinesis_mem_free(a, c->access_key_id);
    kinesis_mem_free(a, c->secret_access_key);
    kinesis_mem_free(a, c->session_token);
    memset(c, 0, sizeof(*c));
}

/* Fill *out with copies; session_token NULL or "" means none. */
static kinesis_status make_credentials(const kinesis_allocator *a, const char *id,
                                       const char *secret, const char *token,
                                       kinesis_credentials *out, kinesis_error *err) {
    memset(out, 0, sizeof(*out));
    out->allocator = kinesis_alloc_or_default(a);
    out->access_key_id = kinesis_strdup(out->allocator, id);
    out->secret_access_key = kinesis_strdup(out->allocator, secret);
    if (token && token[0]) out->session_token = kinesis_strdup(out->allocator, token);
    if (!out->access_key_id || !out->secret_access_key ||
        (token && token[0] && !out->session_token)) {
        kinesis_credentials_clean_up(out);
        return kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory copying credentials");
    }
    return KINESIS_OK;
}

/* ---- generic provider ---- */

kinesis_credentials_provider *
kinesis_credentials_provider_new(const kinesis_credentials_provider_vtable *vtable, void *impl,
                                 const kinesis_allocator *allocator) {
    if (!vtable || !vtable->get) {
        if (vtable && vtable->destroy) vtable->destroy(impl);
        return NULL;
    }
    kinesis_credentials_provider *p = kinesis_mem_calloc(allocator, 1, sizeof(*p));
    if (!p) {
        if (vtable->destroy) vtable->destroy(impl);
        return NULL;
    }
    p->vtable = *vtable;
    p->impl = impl;
    p->allocator = kinesis_alloc_or_default(allocator);
    return p;
}

kinesis_status kinesis_credentials_provider_get(kinesis_credentials_provider *provider,
                                                kinesis_credentials *out, kinesis_error *err) {
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no output credentials");
    memset(out, 0, sizeof(*out));
    if (!provider) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no provider");
    kinesis_status st = provider->vtable.get(provider->impl, provider->allocator, out, err);
    if (st != KINESIS_OK) {
        /* A provider that failed owns nothing it handed over. */
        if (out->access_key_id || out->secret_access_key || out->session_token) {
            if (!out->allocator) out->allocator = provider->allocator;
            kinesis_credentials_clean_up(out);
        }
        memset(out, 0, sizeof(*out));
        return st;
    }
    if (!out->allocator) out->allocator = provider->allocator;
    if (!out->access_key_id || !out->access_key_id[0] || !out->secret_access_key ||
        !out->secret_access_key[0]) {
        kinesis_credentials_clean_up(out);
        return kinesis_error_set(err, KINESIS_E_NO_CREDENTIALS,
                                 "credentials provider returned an incomplete key pair");
    }
    return KINESIS_OK;
}

void kinesis_credentials_provider_destroy(kinesis_credentials_provider *provider) {
    if (!provider) return;
    if (provider->vtable.destroy) provider->vtable.destroy(provider->impl);
    kinesis_mem_free(provider->allocator, provider);
}

/* ---- static ---- */

typedef struct static_impl {
    kinesis_credentials creds;
} static_impl;

static kinesis_status static_get(void *impl, const kinesis_allocator *a, kinesis_credentials *out,
                                 kinesis_error *err) {
    static_impl *s = impl;
    return make_credentials(a, s->creds.access_key_id, s->creds.secret_access_key,
                            s->creds.session_token, out, err);
}

static void static_destroy(void *impl) {
    static_impl *s = impl;
    if (!s) return;
    const kinesis_allocator *a = s->creds.allocator;
    kinesis_credentials_clean_up(&s->creds);
    kinesis_mem_free(a, s);
}

static const kinesis_credentials_provider_vtable static_vtable = {static_get, static_destroy};

kinesis_credentials_provider *
kinesis_credentials_provider_new_static(const char *access_key_id, const char *secret_access_key,
                                        const char *session_token,
                                        const kinesis_allocator *allocator) {
    if (!access_key_id || !access_key_id[0] || !secret_access_key || !secret_access_key[0])
        return NULL;
    static_impl *s = kinesis_mem_calloc(allocator, 1, sizeof(*s));
    if (!s) return NULL;
    if (make_credentials(allocator, access_key_id, secret_access_key, session_token, &s->creds,
                         NULL) != KINESIS_OK) {
        kinesis_mem_free(allocator, s);
        return NULL;
    }
    return kinesis_credentials_provider_new(&static_vtable, s, allocator);
}

/* ---- environment ---- */

static kinesis_status env_get(void *impl, const kinesis_allocator *a, kinesis_credentials *out,
                              kinesis_error *err) {
    (void)impl;
    const char *id = kinesis_env("AWS_ACCESS_KEY_ID");
    const char *secret = kinesis_env("AWS_SECRET_ACCESS_KEY");
    if (!id)
        return kinesis_error_set(err, KINESIS_E_NO_CREDENTIALS,
                                 "environment: AWS_ACCESS_KEY_ID not set");
    if (!secret)
        return kinesis_error_set(err, KINESIS_E_NO_CREDENTIALS,
                                 "environment: AWS_ACCESS_KEY_ID is set but "
                                 "AWS_SECRET_ACCESS_KEY is not");
    /* AWS_SECURITY_TOKEN is the legacy name botocore still reads. */
    const char *token = kinesis_env("AWS_SESSION_TOKEN");
    if (!token) token = kinesis_env("AWS_SECURITY_TOKEN");
    return make_credentials(a, id, secret, token, out, err);
}

static const kinesis_credentials_provider_vtable env_vtable = {env_get, NULL};

kinesis_credentials_provider *
kinesis_credentials_provider_new_environment(const kinesis_allocator *allocator) {
    return kinesis_credentials_provider_new(&env_vtable, NULL, allocator);
}

/* ---- shared files ---- */

typedef struct profile_impl {
    char *profile; /* NULL = AWS_PROFILE or "default", decided at each get() */
    const kinesis_allocator *allocator;
} profile_impl;

/* Credentials from one profile section. KINESIS_E_NO_CREDENTIALS when the section has no
 * aws_access_key_id; a key id without a secret is reported the same way (not usable), with a
 * message saying so. */
static kinesis_status creds_from_section(const kinesis_profile_file *f, int32_t section,
                                         const char *path, const char *profile,
                                         const kinesis_allocator *a, kinesis_credentials *out,
                                         kinesis_error *err) {
    const char *id = kinesis_profile_get(f, section, "aws_access_key_id");
    if (!id)
        return kinesis_error_set(err, KINESIS_E_NO_CREDENTIALS,
                                 "profile '%s' in %s has no aws_access_key_id", profile, path);
    const char *secret = kinesis_profile_get(f, section, "aws_secret_access_key");
    if (!secret)
        return kinesis_error_set(err, KINESIS_E_NO_CREDENTIALS,
                                 "profile '%s' in %s has aws_access_key_id but no "
                                 "aws_secret_access_key",
                                 profile, path);
    const char *token = kinesis_profile_get(f, section, "aws_session_token");
    if (!token) token = kinesis_profile_get(f, section, "aws_security_token");
    return make_credentials(a, id, secret, token, out, err);
}

/* One file: KINESIS_OK with credentials, KINESIS_E_NO_CREDENTIALS (*found_profile tells whether
 * the profile exists there) or a hard error (malformed file, out of memory). */
static kinesis_status creds_from_file(kinesis_profile_kind kind, const char *profile,
                                      const kinesis_allocator *a, kinesis_credentials *out,
                                      bool *found_profile, kinesis_error *err) {
    char *path = NULL;
    kinesis_status st = kind == KINESIS_PROFILE_CONFIG_FILE
                            ? kinesis_profile_config_path(a, &path, err)
                            : kinesis_profile_credentials_path(a, &path, err);
    if (st != KINESIS_OK) return st;
    *found_profile = false;
    if (!path) return KINESIS_E_NO_CREDENTIALS;
    kinesis_profile_file f;
    st = kinesis_profile_load(path, a, &f, err);
    if (st == KINESIS_OK) {
        int32_t section = kinesis_profile_find(&f, kind, profile);
        if (section < 0) {
            st = KINESIS_E_NO_CREDENTIALS;
        } else {
            *found_profile = true;
            st = creds_from_section(&f, section, path, profile, a, out, err);
        }
        kinesis_profile_clean_up(&f);
    }
    kinesis_mem_free(a, path);
    return st;
}

static kinesis_status profile_get(void *impl, const kinesis_allocator *a, kinesis_credentials *out,
                                  kinesis_error *err) {
    profile_impl *p = impl;
    const char *profile = kinesis_profile_name(p->profile);
    bool found_creds_file = false, found_config = false;
    /* botocore: the credentials file first, then the config file. */
    kinesis_status st =
        creds_from_file(KINESIS_PROFILE_CREDENTIALS_FILE, profile, a, out, &found_creds_file, err);
    if (st != KINESIS_E_NO_CREDENTIALS) return st;
    if (found_creds_file) {
        /* A half-configured profile in the credentials file: keep that message if the config
         * file has nothing either. */
        kinesis_error saved;
        if (err) saved = *err;
        st = creds_from_file(KINESIS_PROFILE_CONFIG_FILE, profile, a, out, &found_config, err);
        if (st == KINESIS_E_NO_CREDENTIALS && err) *err = saved;
        return st;
    }
    st = creds_from_file(KINESIS_PROFILE_CONFIG_FILE, profile, a, out, &found_config, err);
    if (st == KINESIS_E_NO_CREDENTIALS && !found_config)
        return kinesis_error_set(err, KINESIS_E_NO_CREDENTIALS,
                                 "shared files: profile '%s' not found in the credentials or "
                                 "config file",
                                 profile);
    return st;
}

static void profile_destroy(void *impl) {
    profile_impl *p = impl;
    if (!p) return;
    kinesis_mem_free(p->allocator, p->profile);
    kinesis_mem_free(p->allocator, p);
}

static const kinesis_credentials_provider_vtable profile_vtable = {profile_get, profile_destroy};

kinesis_credentials_provider *
kinesis_credentials_provider_new_profile(const char *profile, const kinesis_allocator *allocator) {
    profile_impl *p = kinesis_mem_calloc(allocator, 1, sizeof(*p));
    if (!p) return NULL;
    p->allocator = kinesis_alloc_or_default(allocator);
    if (profile) {
        p->profile = kinesis_strdup(allocator, profile);
        if (!p->profile) {
            kinesis_mem_free(allocator, p);
            return NULL;
        }
    }
    return kinesis_credentials_provider_new(&profile_vtable, p, allocator);
}

/* ---- chain ---- */

typedef struct chain_impl {
    kinesis_credentials_provider **providers;
    size_t count;
    const kinesis_allocator *allocator;
} chain_impl;

static kinesis_status chain_get(void *impl, const kinesis_allocator *a, kinesis_credentials *out,
                                kinesis_error *err) {
    (void)a; /* each provider allocates with its own allocator */
    chain_impl *c = impl;
    char why[KINESIS_ERROR_MESSAGE_MAX];
    size_t why_len = 0;
    why[0] = '\0';
    for (size_t i = 0; i < c->count; i++) {
        kinesis_error sub;
        kinesis_error_clear(&sub);
        kinesis_status st = kinesis_credentials_provider_get(c->providers[i], out, &sub);
        if (st == KINESIS_OK) return KINESIS_OK;
        if (st != KINESIS_E_NO_CREDENTIALS) {
            if (err) *err = sub;
            return st;
        }
        if (sub.message[0] && why_len + 3 < sizeof(why)) {
            int n = snprintf(why + why_len, sizeof(why) - why_len, "%s%s", why_len ? "; " : "",
                             sub.message);
            if (n > 0)
                why_len +=
                    (size_t)n < sizeof(why) - why_len ? (size_t)n : sizeof(why) - why_len - 1;
        }
    }
    return kinesis_error_set(err, KINESIS_E_NO_CREDENTIALS, "no credentials found (%s)",
                             why_len ? why : "no providers");
}

static void chain_destroy(void *impl) {
    chain_impl *c = impl;
    if (!c) return;
    for (size_t i = 0; i < c->count; i++) kinesis_credentials_provider_destroy(c->providers[i]);
    kinesis_mem_free(c->allocator, c->providers);
    kinesis_mem_free(c->allocator, c);
}

static const kinesis_credentials_provider_vtable chain_vtable = {chain_get, chain_destroy};

kinesis_credentials_provider *
kinesis_credentials_provider_new_chain(kinesis_credentials_provider *const *providers, size_t count,
                                       const kinesis_allocator *allocator) {
    chain_impl *c = kinesis_mem_calloc(allocator, 1, sizeof(*c));
    if (c) {
        c->allocator = kinesis_alloc_or_default(allocator);
        c->providers = kinesis_mem_calloc(allocator, count ? count : 1, sizeof(*c->providers));
    }
    if (!c || !c->providers) {
        kinesis_mem_free(allocator, c);
        for (size_t i = 0; i < count; i++) kinesis_credentials_provider_destroy(providers[i]);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (providers[i]) c->providers[c->count++] = providers[i];
    return kinesis_credentials_provider_new(&chain_vtable, c, allocator);
}

kinesis_credentials_provider *
kinesis_credentials_provider_new_default_chain(const char *profile,
                                               const kinesis_allocator *allocator) {
    kinesis_credentials_provider *list[2];
    size_t n = 0;
    bool failed = false;
    /* An explicit profile means the caller chose the files, as `aws --profile` does. */
    if (!profile) {
        list[n] = kinesis_credentials_provider_new_environment(allocator);
        failed |= !list[n++];
    }
    list[n] = kinesis_credentials_provider_new_profile(profile, allocator);
    failed |= !list[n++];
    if (failed) {
        for (size_t i = 0; i < n; i++) kinesis_credentials_provider_destroy(list[i]);
        return NULL;
    }
    return kinesis_credentials_provider_new_chain(list, n, allocator);
}

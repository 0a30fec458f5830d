/* Region and endpoint resolution, following botocore: the configured-endpoint lookup order of
 * ConfiguredEndpointProvider, partitions.json and the Kinesis endpoint ruleset. */
#include "kinesis/config.h"

#include "endpoint_internal.h"
#include "internal.h"
#include "profile_internal.h"

/* ---- partitions (botocore data/partitions.json) ---- */

typedef struct partition_def {
    kinesis_partition p;
    const char *global_region; /* the one region listed that its regex does not match */
    const char *prefixes[10];  /* regex ^(p1|p2|...)\w+\-\d+$ with each p ending in '-' */
} partition_def;

/* In the file's order, which is the order aws.partition() tries them. */
static const partition_def partitions[] = {
    {{"aws", "amazonaws.com", "api.aws", true, true},
     "aws-global",
     {"us-", "eu-", "ap-", "sa-", "ca-", "me-", "af-", "il-", "mx-", NULL}},
    {{"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn", true, true},
     "aws-cn-global",
     {"cn-", NULL}},
    {{"aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu", true, true},
     "eusc-de-east-1",
     {"eusc-de-", NULL}},
    {{"aws-iso", "c2s.ic.gov", "api.aws.ic.gov", true, true}, "aws-iso-global", {"us-iso-", NULL}},
    {{"aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud", true, true},
     "aws-iso-b-global",
     {"us-isob-", NULL}},
    {{"aws-iso-e", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk", true, true},
     "aws-iso-e-global",
     {"eu-isoe-", NULL}},
    {{"aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov", true, true},
     "aws-iso-f-global",
     {"us-isof-", NULL}},
    {{"aws-us-gov", "amazonaws.com", "api.aws", true, true},
     "aws-us-gov-global",
     {"us-gov-", NULL}},
};

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* \w+\-\d+$ for ASCII: word characters, one '-', digits, end ('_' cannot occur in a valid
 * region but is a word character, so it is accepted as the regex would). */
static bool tail_matches(const char *s) {
    const char *p = s;
    while (is_alpha(*p) || is_digit(*p) || *p == '_') p++;
    if (p == s || *p != '-') return false;
    const char *d = ++p;
    while (is_digit(*p)) p++;
    return p > d && *p == '\0';
}

const kinesis_partition *kinesis_partition_for_region(const char *region) {
    if (region) {
        for (size_t i = 0; i < KINESIS_ARRAY_LEN(partitions); i++) {
            const partition_def *d = &partitions[i];
            if (strcmp(region, d->global_region) == 0) return &d->p;
            for (size_t k = 0; k < KINESIS_ARRAY_LEN(d->prefixes) && d->prefixes[k]; k++) {
                size_t n = strlen(d->prefixes[k]);
                if (strncmp(region, d->prefixes[k], n) == 0 && tail_matches(region + n))
                    return &d->p;
            }
        }
    }
    return &partitions[0].p;
}

/* RFC 1123 label as the ruleset's isValidHostLabel(x, false): 1-63 of [A-Za-z0-9-], no '-' at
 * either end. */
static bool is_host_label(const char *s, size_t n) {
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-') return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-') return false;
    return true;
}

bool kinesis_region_is_valid(const char *region) {
    if (!region) return false;
    size_t n = strlen(region);
    if (!is_host_label(region, n)) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(region[i])) return true;
    return false; /* all digits */
}

/* ---- region ---- */

kinesis_status kinesis_resolve_region(const char *profile, const kinesis_allocator *allocator,
                                      char **out, kinesis_error *err) {
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no output");
    *out = NULL;
    const char *source = "AWS_REGION";
    const char *region = kinesis_env("AWS_REGION");
    if (!region) {
        source = "AWS_DEFAULT_REGION";
        region = kinesis_env("AWS_DEFAULT_REGION");
    }
    kinesis_profile_file f;
    bool loaded = false;
    if (!region) {
        int32_t section;
        kinesis_status st = kinesis_profile_load_config(profile, allocator, &f, &section, err);
        if (st != KINESIS_OK) return st;
        loaded = true;
        source = "the config file";
        region = kinesis_profile_get(&f, section, "region");
    }
    kinesis_status st = KINESIS_OK;
    if (!region) {
        st =
            kinesis_error_set(err, KINESIS_E_NO_REGION,
                              "no region: set AWS_REGION or `region` in profile '%s' of the config "
                              "file",
                              kinesis_profile_name(profile));
    } else if (!kinesis_region_is_valid(region)) {
        st = kinesis_error_set(err, KINESIS_E_CONFIG, "invalid region name from %s", source);
    } else {
        *out = kinesis_strdup(allocator, region);
        if (!*out) st = kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
    }
    if (loaded) kinesis_profile_clean_up(&f);
    return st;
}

/* ---- endpoints ---- */

/* An http(s) URL with a host (DNS name, IPv4 or [IPv6]) and optional port and path; no
 * whitespace, user info, query or fragment. botocore's is_valid_endpoint_url, plus '_' in host
 * names (container names) which curl accepts. */
static bool endpoint_url_ok(const char *url) {
    size_t skip;
    if (kinesis_strncasecmp_ascii(url, "https://", 8) == 0)
        skip = 8;
    else if (kinesis_strncasecmp_ascii(url, "http://", 7) == 0)
        skip = 7;
    else
        return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#' || *p == '@' ||
            *p == '\\')
            return false;
    const char *h = url + skip, *e = h;
    if (*h == '[') {
        e++;
        while (*e && *e != ']') {
            char c = *e;
            if (!is_digit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'f') && c != ':' && c != '.')
                return false;
            e++;
        }
        if (*e != ']' || e == h + 1) return false;
        e++;
    } else {
        const char *label = h;
        while (*e && *e != ':' && *e != '/') {
            if (*e == '.') {
                if (e == label) return false;
                label = e + 1;
            } else if (!is_alpha(*e) && !is_digit(*e) && *e != '-' && *e != '_') {
                return false;
            }
            e++;
        }
        if (e == h || e - h > 255) return false;
    }
    if (*e == ':') {
        const char *d = ++e;
        unsigned long port = 0;
        while (is_digit(*e) && port <= 65535) port = port * 10 + (unsigned long)(*e++ - '0');
        if (e == d || port == 0 || port > 65535) return false;
    }
    return *e == '\0' || *e == '/';
}

/* Copy a configured endpoint without trailing slashes, validating it. */
static kinesis_status copy_configured(const char *url, const char *source,
                                      const kinesis_allocator *a, char **out, kinesis_error *err) {
    if (!endpoint_url_ok(url))
        return kinesis_error_set(err, KINESIS_E_CONFIG,
                                 "endpoint from %s is not an http(s) URL with a valid host",
                                 source);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/') n--;
    *out = kinesis_strndup(a, url, n);
    return *out ? KINESIS_OK : kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
}

void kinesis_endpoint_settings_clean_up(kinesis_endpoint_settings *s, const kinesis_allocator *a) {
    if (!s) return;
    kinesis_mem_free(a, s->configured_endpoint);
    memset(s, 0, sizeof(*s));
}

/* Environment variable first, else the profile's setting; botocore's ensure_boolean. */
static bool setting_bool(const char *env_name, const kinesis_profile_file *f, int32_t section,
                         const char *key) {
    const char *v = kinesis_env(env_name);
    if (!v) v = kinesis_profile_get(f, section, key);
    return kinesis_config_bool(v);
}

kinesis_status kinesis_endpoint_settings_resolve(const kinesis_endpoint_options *options,
                                                 const kinesis_allocator *a,
                                                 kinesis_endpoint_settings *out,
                                                 kinesis_error *err) {
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no output");
    memset(out, 0, sizeof(*out));
    if (!options) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no endpoint options");
    out->use_fips = options->use_fips ? 1 : 0;
    out->use_dualstack = options->use_dualstack ? 1 : 0;
    if (options->ignore_environment) return KINESIS_OK;

    kinesis_profile_file f;
    int32_t section;
    kinesis_status st = kinesis_profile_load_config(options->profile, a, &f, &section, err);
    if (st != KINESIS_OK) return st;
    if (setting_bool("AWS_USE_FIPS_ENDPOINT", &f, section, "use_fips_endpoint")) out->use_fips = 1;
    if (setting_bool("AWS_USE_DUALSTACK_ENDPOINT", &f, section, "use_dualstack_endpoint"))
        out->use_dualstack = 1;
    if (setting_bool("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", &f, section,
                     "ignore_configured_endpoint_urls")) {
        kinesis_profile_clean_up(&f);
        return KINESIS_OK;
    }
    /* ConfiguredEndpointProvider's order: service env, global env, services section, profile. */
    const char *url = NULL, *source = NULL;
    if ((url = kinesis_env("AWS_ENDPOINT_URL_KINESIS")) != NULL) {
        source = "AWS_ENDPOINT_URL_KINESIS";
    } else if ((url = kinesis_env("AWS_ENDPOINT_URL")) != NULL) {
        source = "AWS_ENDPOINT_URL";
    } else if (section >= 0) {
        const char *services = kinesis_profile_get(&f, section, "services");
        if (services) {
            int32_t ss = kinesis_profile_find_services(&f, services);
            if (ss < 0) {
                st = kinesis_error_set(err, KINESIS_E_CONFIG,
                                       "profile '%s' uses services section '%s', which does not "
                                       "exist in the config file",
                                       kinesis_profile_name(options->profile), services);
            } else {
                url = kinesis_profile_get_nested(&f, ss, "kinesis", "endpoint_url");
                source = "the config file's services section";
            }
        }
        if (st == KINESIS_OK && !url) {
            url = kinesis_profile_get(&f, section, "endpoint_url");
            source = "the config file's endpoint_url";
        }
    }
    if (st == KINESIS_OK && url)
        st = copy_configured(url, source, a, &out->configured_endpoint, err);
    kinesis_profile_clean_up(&f);
    if (st != KINESIS_OK) kinesis_endpoint_settings_clean_up(out, a);
    return st;
}

/* The ruleset's regional branch. */
static kinesis_status regional(const kinesis_partition *p, const char *region, bool fips, bool dual,
                               kinesis_buf *b) {
    if (fips && dual) {
        if (!p->supports_fips || !p->supports_dualstack) return KINESIS_E_CONFIG;
        kinesis_buf_appendf(b, "https://kinesis-fips.%s.%s", region, p->dual_suffix);
    } else if (fips) {
        if (!p->supports_fips) return KINESIS_E_CONFIG;
        if (strcmp(p->name, "aws-us-gov") == 0) /* GovCloud's standard endpoints are FIPS */
            kinesis_buf_appendf(b, "https://kinesis.%s.amazonaws.com", region);
        else
            kinesis_buf_appendf(b, "https://kinesis-fips.%s.%s", region, p->dns_suffix);
    } else if (dual) {
        if (!p->supports_dualstack) return KINESIS_E_CONFIG;
        kinesis_buf_appendf(b, "https://kinesis.%s.%s", region, p->dual_suffix);
    } else {
        kinesis_buf_appendf(b, "https://kinesis.%s.%s", region, p->dns_suffix);
    }
    return KINESIS_OK;
}

/* aws.parseArn and the StreamARN rule's checks. Fills the account id and returns KINESIS_OK, or
 * returns KINESIS_E_INVALID_STREAM with the ruleset's message. */
static kinesis_status check_arn(const char *arn, const kinesis_partition *region_partition,
                                const char **account, size_t *account_len, kinesis_error *err) {
    const char *f[6];
    size_t n[6];
    if (strncmp(arn, "arn:", 4) != 0)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "Invalid ARN: Failed to parse ARN.");
    /* split(':', 5): five fields, then the resource with any further ':' */
    const char *p = arn;
    for (int i = 0; i < 5; i++) {
        const char *c = strchr(p, ':');
        if (!c)
            return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                     "Invalid ARN: Failed to parse ARN.");
        f[i] = p;
        n[i] = (size_t)(c - p);
        p = c + 1;
    }
    f[5] = p;
    n[5] = strlen(p);
    /* f[0] "arn", f[1] partition, f[2] service, f[3] region, f[4] account, f[5] resource */
    if (!n[1] || !n[2] || !n[5])
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "Invalid ARN: Failed to parse ARN.");
    bool twelve = n[4] == 12;
    for (size_t i = 0; twelve && i < 12; i++) twelve = is_digit(f[4][i]);
    if (!twelve)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "Invalid ARN: Invalid account id (must be 12 digits).");
    if (!is_host_label(f[3], n[3]))
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM, "Invalid ARN: Invalid region.");
    if (n[2] != 7 || memcmp(f[2], "kinesis", 7) != 0)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "Invalid ARN: The ARN was not for the Kinesis service, found: "
                                 "%.*s.",
                                 (int)(n[2] > 64 ? 64 : n[2]), f[2]);
    size_t type_len = strcspn(f[5], ":/");
    if (type_len == 0)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "Invalid ARN: No ARN type specified");
    if (type_len != 6 || memcmp(f[5], "stream", 6) != 0)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "Invalid ARN: Kinesis ARNs don't support `%.*s` arn types.",
                                 (int)(type_len > 64 ? 64 : type_len), f[5]);
    size_t pn = strlen(region_partition->name);
    if (n[1] != pn || memcmp(f[1], region_partition->name, pn) != 0)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "Partition: %.*s from ARN doesn't match with partition name: %s.",
                                 (int)(n[1] > 64 ? 64 : n[1]), f[1], region_partition->name);
    /* Beyond the ruleset: the ARN's own region must be in the ARN's partition. */
    char arn_region[64];
    memcpy(arn_region, f[3], n[3]);
    arn_region[n[3]] = '\0';
    if (kinesis_partition_for_region(arn_region) != region_partition)
        return kinesis_error_set(err, KINESIS_E_INVALID_STREAM,
                                 "Invalid ARN: region %s is not in partition %s.", arn_region,
                                 region_partition->name);
    *account = f[4];
    *account_len = n[4];
    return KINESIS_OK;
}

kinesis_status kinesis_endpoint_for_arn(const char *configured_endpoint_or_NULL, const char *region,
                                        const char *stream_arn, int data_plane, uint8_t use_fips,
                                        uint8_t use_dualstack, const kinesis_allocator *a,
                                        char **out, kinesis_error *err) {
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no output");
    *out = NULL;
    const char *configured = configured_endpoint_or_NULL;
    if (configured && !configured[0]) configured = NULL;
    if (configured) {
        /* The ruleset's Endpoint rule (reached when an endpoint is set, ARN or not). */
        if (use_fips)
            return kinesis_error_set(err, KINESIS_E_CONFIG,
                                     "Invalid Configuration: FIPS and custom endpoint are not "
                                     "supported");
        if (use_dualstack)
            return kinesis_error_set(err, KINESIS_E_CONFIG,
                                     "Invalid Configuration: Dualstack and custom endpoint are not "
                                     "supported");
        return copy_configured(configured, "the configuration", a, out, err);
    }
    if (!region)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "Invalid Configuration: Missing Region");
    if (!kinesis_region_is_valid(region))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "invalid region name");
    const kinesis_partition *p = kinesis_partition_for_region(region);
    kinesis_buf b;
    kinesis_buf_init(&b, a);
    kinesis_status st;
    if (stream_arn && strcmp(p->name, "aws-iso") != 0 && strcmp(p->name, "aws-iso-b") != 0) {
        const char *account = NULL;
        size_t account_len = 0;
        st = check_arn(stream_arn, p, &account, &account_len, err);
        if (st != KINESIS_OK) return st;
        const char *op = data_plane ? "data" : "control";
        if (use_fips && use_dualstack) {
            if (!p->supports_fips)
                return kinesis_error_set(err, KINESIS_E_CONFIG,
                                         "FIPS is enabled, but this partition does not support "
                                         "FIPS.");
            if (!p->supports_dualstack)
                return kinesis_error_set(err, KINESIS_E_CONFIG,
                                         "DualStack is enabled, but this partition does not "
                                         "support DualStack.");
        } else if ((use_fips && !p->supports_fips) || (use_dualstack && !p->supports_dualstack)) {
            return kinesis_error_set(
                err, KINESIS_E_CONFIG, "%s is enabled but this partition does not support %s",
                use_fips ? "FIPS" : "DualStack", use_fips ? "FIPS" : "DualStack");
        }
        kinesis_buf_appendf(&b, "https://%.*s.%s-kinesis%s.%s.%s", (int)account_len, account, op,
                            use_fips ? "-fips" : "", region,
                            use_dualstack ? p->dual_suffix : p->dns_suffix);
    } else {
        st = regional(p, region, use_fips, use_dualstack, &b);
        if (st != KINESIS_OK) {
            kinesis_buf_clean_up(&b);
            return kinesis_error_set(err, st, "%s is enabled but partition %s does not support it",
                                     use_fips ? "FIPS" : "DualStack", p->name);
        }
    }
    *out = kinesis_buf_detach(&b, NULL);
    return *out ? KINESIS_OK : kinesis_error_set(err, KINESIS_E_NO_MEMORY, "out of memory");
}

kinesis_status kinesis_resolve_endpoint(const kinesis_endpoint_options *options,
                                        const kinesis_allocator *allocator, char **out,
                                        kinesis_error *err) {
    if (!out) return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "no output");
    *out = NULL;
    if (!options || !options->region)
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT,
                                 "Invalid Configuration: Missing Region");
    if (!kinesis_region_is_valid(options->region))
        return kinesis_error_set(err, KINESIS_E_INVALID_ARGUMENT, "invalid region name");
    kinesis_endpoint_settings s;
    kinesis_status st = kinesis_endpoint_settings_resolve(options, allocator, &s, err);
    if (st != KINESIS_OK) return st;
    st = kinesis_endpoint_for_arn(s.configured_endpoint, options->region, NULL, 0, s.use_fips,
                                  s.use_dualstack, allocator, out, err);
    kinesis_endpoint_settings_clean_up(&s, allocator);
    return st;
}

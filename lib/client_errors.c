/* Error classification: whatever a server answers with (JSON, XML, HTML, nothing), the caller
 * gets a status, the service's error type and message, and nothing crashes. */
#include <ctype.h>
#include <stdio.h>

#include "client_internal.h"

static const struct {
    const char *type;
    kinesis_status status;
} error_types[] = {
    {"ProvisionedThroughputExceededException", KINESIS_E_THROTTLED},
    {"ThrottlingException", KINESIS_E_THROTTLED},
    {"Throttling", KINESIS_E_THROTTLED},
    {"ThrottledException", KINESIS_E_THROTTLED},
    {"RequestThrottled", KINESIS_E_THROTTLED},
    {"RequestThrottledException", KINESIS_E_THROTTLED},
    {"TooManyRequestsException", KINESIS_E_THROTTLED},
    {"KMSThrottlingException", KINESIS_E_THROTTLED},
    {"LimitExceededException", KINESIS_E_LIMIT_EXCEEDED},
    {"ResourceNotFoundException", KINESIS_E_RESOURCE_NOT_FOUND},
    {"ResourceInUseException", KINESIS_E_RESOURCE_IN_USE},
    {"InvalidArgumentException", KINESIS_E_VALIDATION},
    {"ValidationException", KINESIS_E_VALIDATION},
    {"SerializationException", KINESIS_E_VALIDATION},
    {"InvalidParameterCombination", KINESIS_E_VALIDATION},
    {"InvalidParameterValue", KINESIS_E_VALIDATION},
    {"InvalidQueryParameter", KINESIS_E_VALIDATION},
    {"MissingParameter", KINESIS_E_VALIDATION},
    {"MalformedQueryString", KINESIS_E_VALIDATION},
    {"UnknownOperationException", KINESIS_E_UNSUPPORTED},
    {"InvalidAction", KINESIS_E_UNSUPPORTED},
    {"ExpiredIteratorException", KINESIS_E_EXPIRED_ITERATOR},
    {"ExpiredNextTokenException", KINESIS_E_EXPIRED_NEXT_TOKEN},
    {"AccessDeniedException", KINESIS_E_ACCESS_DENIED},
    {"AccessDenied", KINESIS_E_ACCESS_DENIED},
    {"NotAuthorized", KINESIS_E_ACCESS_DENIED},
    {"OptInRequired", KINESIS_E_ACCESS_DENIED},
    {"SignatureDoesNotMatch", KINESIS_E_SIGNATURE},
    {"InvalidSignatureException", KINESIS_E_SIGNATURE},
    {"IncompleteSignature", KINESIS_E_SIGNATURE},
    {"IncompleteSignatureException", KINESIS_E_SIGNATURE},
    {"InvalidClientTokenId", KINESIS_E_SIGNATURE},
    {"UnrecognizedClientException", KINESIS_E_SIGNATURE},
    {"MissingAuthenticationToken", KINESIS_E_SIGNATURE},
    {"MissingAuthenticationTokenException", KINESIS_E_SIGNATURE},
    {"ExpiredTokenException", KINESIS_E_SIGNATURE},
    {"RequestExpired", KINESIS_E_CLOCK_SKEW},
    {"RequestTimeTooSkewed", KINESIS_E_CLOCK_SKEW},
    {"RequestInTheFuture", KINESIS_E_CLOCK_SKEW},
    {"KMSDisabledException", KINESIS_E_KMS},
    {"KMSInvalidStateException", KINESIS_E_KMS},
    {"KMSAccessDeniedException", KINESIS_E_KMS},
    {"KMSNotFoundException", KINESIS_E_KMS},
    {"KMSOptInRequired", KINESIS_E_KMS},
    {"InternalFailure", KINESIS_E_SERVICE_UNAVAILABLE},
    {"InternalFailureException", KINESIS_E_SERVICE_UNAVAILABLE},
    {"InternalServerError", KINESIS_E_SERVICE_UNAVAILABLE},
    {"InternalError", KINESIS_E_SERVICE_UNAVAILABLE},
    {"ServiceUnavailable", KINESIS_E_SERVICE_UNAVAILABLE},
    {"ServiceUnavailableException", KINESIS_E_SERVICE_UNAVAILABLE},
};

kinesis_status kinesis_status_from_error_type(const char *type) {
    if (!type) return KINESIS_E_SERVICE;
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(error_types); i++)
        if (strcmp(type, error_types[i].type) == 0) return error_types[i].status;
    return KINESIS_E_SERVICE;
}

/* "ns#Type", "Type:http://...", "aws.protocoltests#Type" -> "Type". */
static void normalize_type(const char *raw, size_t len, char *out, size_t cap) {
    const char *hash = memchr(raw, '#', len);
    if (hash) {
        len -= (size_t)(hash + 1 - raw);
        raw = hash + 1;
    }
    const char *colon = memchr(raw, ':', len);
    if (colon) len = (size_t)(colon - raw);
    while (len && isspace((unsigned char)raw[len - 1])) len--;
    while (len && isspace((unsigned char)*raw)) raw++, len--;
    kinesis_copy_truncated(out, cap, raw, len);
}

/* Text between <tag> and </tag> in an XML document, or NULL. */
static const char *xml_element(const char *body, size_t len, const char *tag, size_t *out_len) {
    char open[32], close[32];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    size_t ol = strlen(open), cl = strlen(close);
    for (size_t i = 0; i + ol <= len; i++) {
        if (memcmp(body + i, open, ol) != 0) continue;
        const char *start = body + i + ol;
        size_t rest = len - i - ol;
        for (size_t j = 0; j + cl <= rest; j++)
            if (memcmp(start + j, close, cl) == 0) {
                *out_len = j;
                return start;
            }
        return NULL;
    }
    return NULL;
}

/* A printable one-line excerpt of a body for messages about unparseable answers. */
static void body_excerpt(const char *body, size_t len, char *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < cap; i++) {
        unsigned char ch = (unsigned char)body[i];
        out[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
    }
    if (len && n + 4 >= cap) memcpy(out + n, "...", 3), n += 3;
    out[n] = '\0';
}

static const char *http_reason(int32_t status) {
    switch (status) {
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 413:
        return "Request Entity Too Large";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "";
    }
}

kinesis_status kinesis_classify_error_response(int32_t http_status, const char *body, size_t len,
                                               const char *amzn_error_type, kinesis_error *err) {
    kinesis_error scratch;
    if (!err) err = &scratch;
    err->type[0] = err->message[0] = '\0';
    err->http_status = http_status;
    bool server_fault = http_status >= 500;

    /* JSON: {"__type": "...", "message"|"Message": "..."} */
    kinesis_arena *arena = kinesis_arena_new(NULL);
    kjson *doc = NULL;
    kinesis_error parse_err;
    if (arena && len && kjson_parse(arena, body, len, &doc, &parse_err) == KINESIS_OK &&
        doc->type == KJSON_OBJECT) {
        const char *type = kjson_get_string(doc, "__type");
        if (!type) type = kjson_get_string(doc, "code");
        if (!type) type = kjson_get_string(doc, "Code");
        const char *msg = kjson_get_string(doc, "message");
        if (!msg) msg = kjson_get_string(doc, "Message");
        if (!msg) msg = kjson_get_string(doc, "errorMessage");
        if (type) normalize_type(type, strlen(type), err->type, sizeof(err->type));
        if (msg) kinesis_copy_truncated(err->message, sizeof(err->message), msg, strlen(msg));
    }
    kinesis_arena_destroy(arena);

    /* XML error documents (<Error><Code>..</Code><Message>..</Message>). */
    if (!err->type[0] && len) {
        size_t n;
        const char *code = xml_element(body, len, "Code", &n);
        if (code) {
            normalize_type(code, n, err->type, sizeof(err->type));
            const char *msg = xml_element(body, len, "Message", &n);
            if (msg) kinesis_copy_truncated(err->message, sizeof(err->message), msg, n);
        }
    }
    if (!err->type[0] && amzn_error_type && *amzn_error_type)
        normalize_type(amzn_error_type, strlen(amzn_error_type), err->type, sizeof(err->type));

    kinesis_status st;
    if (err->type[0]) {
        st = kinesis_status_from_error_type(err->type);
        if (st == KINESIS_E_SERVICE && server_fault) st = KINESIS_E_SERVICE_UNAVAILABLE;
        if (!err->message[0])
            snprintf(err->message, sizeof(err->message), "%s (HTTP %d)", err->type, http_status);
    } else {
        /* No service error in the body: an HTML page, a proxy's answer, an empty body. */
        char excerpt[160];
        body_excerpt(body, len, excerpt, sizeof(excerpt));
        if (http_status == 429)
            st = KINESIS_E_THROTTLED;
        else if (server_fault)
            st = KINESIS_E_SERVICE_UNAVAILABLE;
        else if (http_status == 413)
            st = KINESIS_E_REQUEST_TOO_LARGE;
        else
            st = KINESIS_E_HTTP;
        snprintf(err->message, sizeof(err->message), "HTTP %d %s%s%s", http_status,
                 http_reason(http_status), len ? ": " : " with an empty body", len ? excerpt : "");
    }
    err->status = st;
    return st;
}

int64_t kinesis_parse_http_date(const char *s, size_t len) {
    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    char buf[64];
    if (len >= sizeof(buf)) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4] = {0};
    int day, year, hh, mm, ss;
    if (sscanf(buf, "%*3s, %d %3s %d %d:%d:%d", &day, mon, &year, &hh, &mm, &ss) != 6) return -1;
    const char *m = strstr(months, mon);
    if (!m || strlen(mon) != 3 || (m - months) % 3) return -1;
    int month = (int)(m - months) / 3 + 1;
    if (day < 1 || day > 31 || year < 1970 || hh > 23 || mm > 59 || ss > 60) return -1;
    /* days from civil (Howard Hinnant's algorithm) */
    int y = year - (month <= 2);
    int era = y / 400;
    int yoe = y - era * 400;
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    return days * 86400 + hh * 3600 + mm * 60 + ss;
}

/* A scripted transport for unit tests: records the last request and answers from a script of
 * responses (or transport failures). No network. */
#ifndef KINESIS_TEST_MOCK_TRANSPORT_H
#define KINESIS_TEST_MOCK_TRANSPORT_H

#include "kinesis/transport.h"

typedef struct scripted_response {
    kinesis_status transport_status;
    int32_t http_status;
    const char *body;
    const char *date; /* Date header, optional */
    const char *error_type_header;
    size_t body_len;   /* 0 = strlen(body); set for binary bodies */
    size_t chunk_size; /* deliver the body in chunks of this size; 0 = all at once */
} scripted_response;

typedef struct mock_transport {
    scripted_response script[16];
    size_t script_len, calls;
    char last_body[65536];
    char last_target[128];
    char last_auth[512];
    char last_date[32];
    char last_host[128];
    char last_url[256];
    int saw_expect;
} mock_transport;

extern const kinesis_transport_vtable mock_vtable;

#define OK_JSON(b)                                                                                 \
    ((scripted_response){.transport_status = KINESIS_OK, .http_status = 200, .body = b})

#endif

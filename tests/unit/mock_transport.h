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

/* A client on a scripted transport with static credentials and the leak-counting allocator,
 * for tests of operations (endpoint http://127.0.0.1:4567, region us-east-1, 1 ms backoff). */
#include "kinesis/client.h"
#include "support.h"

typedef struct mock_client {
    test_allocator alloc;
    mock_transport mock;
    kinesis_transport *transport;
    kinesis_credentials_provider *creds;
    kinesis_client *client;
} mock_client;

/* cmocka setup/teardown: *state is the mock_client; teardown asserts nothing leaked. */
int mock_client_setup(void **state);
int mock_client_teardown(void **state);

#define OK_JSON(b)                                                                                 \
    ((scripted_response){.transport_status = KINESIS_OK, .http_status = 200, .body = b})

#endif

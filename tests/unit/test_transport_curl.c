/* The transport wrapper and the libcurl transport, against a loopback server
 * (tests/unit/http_test_server.py, run with python3; TLS cases use a self-signed certificate made
 * with the openssl command at test time). Loopback only; no other network. */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "internal.h"
#include "kinesis/transport.h"

#define SERVER_SCRIPT KINESIS_TEST_DATA "/../unit/http_test_server.py"

typedef struct server {
    pid_t pid;
    int port;
    int port2; /* the node server's TLS port */
} server;

static char g_dir[256];
static char g_cert[320], g_key[320];
static server g_http = {-1, 0, 0}, g_https = {-1, 0, 0}, g_h2 = {-1, 0, 0};

/* HTTP/2 server for the optional HTTP/2 tests, run with `node -e` when node is installed (it is
 * not part of the required toolchain). Serves h2c (prior knowledge only) on the first port and
 * TLS with ALPN h2 + http/1.1 on the second; answers every request with a description of it. */
static const char NODE_H2_SERVER[] =
    "const http2 = require('http2'), fs = require('fs');\n"
    "const [portFile, cert, key] = process.argv.slice(1);\n"
    "let sessions = 0;\n"
    "function handler(req, res) {\n"
    "  const chunks = [];\n"
    "  req.on('data', c => chunks.push(c));\n"
    "  req.on('end', () => {\n"
    "    const body = Buffer.concat(chunks);\n"
    "    const lines = ['version ' + req.httpVersion, 'method ' + req.method,\n"
    "      'session ' + (req.stream ? req.stream.session.kid : 0),\n"
    "      'expect ' + (req.headers['expect'] === undefined ? 0 : 1),\n"
    "      'content-length ' + req.headers['content-length'], 'body ' + body.length];\n"
    "    res.writeHead(200, {'x-proto': req.httpVersion, 'content-type': 'text/plain'});\n"
    "    res.end(Buffer.concat([Buffer.from(lines.join('\\n') + '\\n'), body]));\n"
    "  });\n"
    "}\n"
    "function track(s) { s.on('session', ss => { ss.kid = ++sessions; }); return s; }\n"
    "const h2c = track(http2.createServer(handler));\n"
    "const tls = track(http2.createSecureServer({cert: fs.readFileSync(cert),\n"
    "  key: fs.readFileSync(key), allowHTTP1: true}, handler));\n"
    "h2c.listen(0, '127.0.0.1', () => tls.listen(0, '127.0.0.1', () => {\n"
    "  fs.writeFileSync(portFile + '.tmp', h2c.address().port + ' ' + tls.address().port);\n"
    "  fs.renameSync(portFile + '.tmp', portFile);\n"
    "}));\n"
    "const parent = process.ppid;\n"
    "setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500);\n"
    "setTimeout(() => process.exit(0), 300000);\n";

/* ---- process helpers ---- */

static void stop_server(server *s) {
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = -1;
}

static int run_quiet(char *const argv[]) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run argv (which writes its port(s) to port_file when ready); wait up to 10 s for the file. */
static int spawn_server(server *s, char *const argv[], const char *port_file, bool quiet) {
    unlink(port_file);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = quiet ? open("/dev/null", O_WRONLY) : -1;
        if (fd >= 0) dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    s->pid = pid;
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(port_file, "r");
        if (f) {
            int n = fscanf(f, "%d %d", &s->port, &s->port2);
            fclose(f);
            if (n >= 1 && s->port > 0) return 0;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            s->pid = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        kinesis_sleep_ms(50);
    }
    fprintf(stderr, "test_transport_curl: %s did not report its port\n", argv[0]);
    return -1;
}

static int start_server(server *s, const char *name, const char *cert, const char *key) {
    char port_file[320];
    snprintf(port_file, sizeof(port_file), "%s/%s.port", g_dir, name);
    char *const plain[] = {"python3", SERVER_SCRIPT, port_file, NULL};
    char *const tls[] = {"python3", SERVER_SCRIPT, port_file, (char *)cert, (char *)key, NULL};
    int rc = spawn_server(s, cert ? tls : plain, port_file, false);
    if (rc != 0)
        fprintf(stderr,
                "test_transport_curl: the loopback server did not start (exit %d). python3 is "
                "part of the toolchain and is required for this test; script: %s\n",
                rc, SERVER_SCRIPT);
    return rc == 0 ? 0 : -1;
}

/* The node HTTP/2 server is optional: when node is missing the HTTP/2 tests are skipped. */
static void start_h2_server(void) {
    char port_file[320];
    snprintf(port_file, sizeof(port_file), "%s/h2.port", g_dir);
    char *const argv[] = {"node", "-e", (char *)NODE_H2_SERVER, port_file, g_cert, g_key, NULL};
    if (spawn_server(&g_h2, argv, port_file, true) != 0 || g_h2.port2 <= 0) {
        stop_server(&g_h2);
        fprintf(stderr, "test_transport_curl: node not available; HTTP/2 tests will be skipped\n");
    }
}

static int closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    int port = 1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0) close(fd); /* never listened: connecting is refused */
    return port;
}

static void unset_proxy_env(void) {
    const char *names[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                           "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) unsetenv(names[i]);
}

static int group_setup(void **state) {
    (void)state;
    unset_proxy_env();
    snprintf(g_dir, sizeof(g_dir), "/tmp/kinesis_transport_XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    snprintf(g_cert, sizeof(g_cert), "%s/cert.pem", g_dir);
    snprintf(g_key, sizeof(g_key), "%s/key.pem", g_dir);
    char *const openssl[] = {"openssl",  "req",
                             "-x509",    "-newkey",
                             "rsa:2048", "-nodes",
                             "-keyout",  g_key,
                             "-out",     g_cert,
                             "-subj",    "/CN=127.0.0.1",
                             "-addext",  "subjectAltName=IP:127.0.0.1",
                             "-days",    "1",
                             NULL};
    if (run_quiet(openssl) != 0) {
        fprintf(stderr, "test_transport_curl: the openssl command is required to make a test "
                        "certificate\n");
        return -1;
    }
    if (start_server(&g_http, "http", NULL, NULL) != 0) return -1;
    if (start_server(&g_https, "https", g_cert, g_key) != 0) return -1;
    start_h2_server();
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    stop_server(&g_http);
    stop_server(&g_https);
    stop_server(&g_h2);
    char path[400];
    const char *files[] = {"cert.pem", "key.pem", "http.port", "https.port", "h2.port"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", g_dir, files[i]);
        unlink(path);
    }
    rmdir(g_dir);
    return 0;
}

/* ---- response collection ---- */

enum { ABORT_NONE, ABORT_STATUS, ABORT_HEADER, ABORT_BODY };

typedef struct collected {
    int32_t statuses[8];
    size_t nstatus;
    char headers[8192]; /* "name=value\n" per header */
    size_t hlen;
    uint8_t *body;
    size_t body_len, body_cap, body_calls;
    int abort_on;
} collected;

static int c_status(void *user, int32_t code) {
    collected *c = user;
    if (c->nstatus < 8) c->statuses[c->nstatus++] = code;
    return c->abort_on == ABORT_STATUS;
}

static int c_header(void *user, const char *name, size_t nlen, const char *value, size_t vlen) {
    collected *c = user;
    int n = snprintf(c->headers + c->hlen, sizeof(c->headers) - c->hlen, "%.*s=%.*s\n", (int)nlen,
                     name, (int)vlen, value);
    if (n > 0 && (size_t)n < sizeof(c->headers) - c->hlen) c->hlen += (size_t)n;
    return c->abort_on == ABORT_HEADER;
}

static int c_body(void *user, const uint8_t *data, size_t len) {
    collected *c = user;
    if (c->body_len + len + 1 > c->body_cap) {
        size_t cap = (c->body_len + len + 1) * 2;
        uint8_t *p = realloc(c->body, cap);
        if (!p) return 1;
        c->body = p;
        c->body_cap = cap;
    }
    memcpy(c->body + c->body_len, data, len);
    c->body_len += len;
    c->body[c->body_len] = 0;
    c->body_calls++;
    return c->abort_on == ABORT_BODY;
}

static void collected_free(collected *c) {
    free(c->body);
    memset(c, 0, sizeof(*c));
}

static const char *body_text(const collected *c) { return c->body ? (const char *)c->body : ""; }

typedef struct call {
    const char *method;
    const char *target; /* "/path" on the plain server, or an absolute URL */
    const kinesis_http_header *headers;
    size_t header_count;
    const void *body;
    size_t body_len;
    uint32_t timeout_ms;
    kinesis_http_version version;
} call;

static kinesis_status do_call(kinesis_transport *t, const call *cl, collected *c,
                              kinesis_error *err) {
    char url[512];
    if (cl->target[0] == '/')
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", g_http.port, cl->target);
    else
        snprintf(url, sizeof(url), "%s", cl->target);
    kinesis_http_request req = {
        .method = cl->method ? cl->method : "POST",
        .url = url,
        .headers = cl->headers,
        .header_count = cl->header_count,
        .body = cl->body,
        .body_len = cl->body_len,
        .request_timeout_ms = cl->timeout_ms,
        .http_version = cl->version,
    };
    kinesis_http_response_handler h = {c, c_status, c_header, c_body, NULL};
    return kinesis_transport_send(t, &req, &h, err);
}

static kinesis_status simple(kinesis_transport *t, const char *target, collected *c,
                             kinesis_error *err) {
    call cl = {.target = target, .timeout_ms = 10000};
    return do_call(t, &cl, c, err);
}

static long echo_number(const collected *c, const char *key) {
    char pat[64];
    snprintf(pat, sizeof(pat), "%s ", key);
    const char *p = strstr(body_text(c), pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* Like assert_int_equal(st, KINESIS_OK) but shows the transport's message on failure. */
static void expect_ok(kinesis_status st, const kinesis_error *err) {
    if (st != KINESIS_OK) fail_msg("%s: %s", kinesis_status_name(st), err->message);
}

static kinesis_transport *make_transport(const kinesis_allocator *a) {
    kinesis_transport *t = NULL;
    kinesis_error err;
    kinesis_error_clear(&err);
    assert_int_equal(kinesis_curl_transport_new(NULL, a, &t, &err), KINESIS_OK);
    assert_non_null(t);
    return t;
}

/* ---- tests ---- */

static void options_defaults(void **state) {
    (void)state;
    kinesis_curl_transport_options o;
    memset(&o, 0xab, sizeof(o));
    kinesis_curl_transport_options_init(&o);
    assert_int_equal(o.connect_timeout_ms, 5000);
    assert_int_equal(o.max_idle_connections, 16);
    assert_null(o.ca_file);
    assert_null(o.ca_path);
    assert_null(o.proxy);
    assert_int_equal(o.insecure_skip_verify, 0);
    assert_null(o.log_fn);
    kinesis_curl_transport_options_init(NULL); /* ignored */
}

static void post_round_trip(void **state) {
    (void)state;
    test_allocator ta;
    test_allocator_init(&ta);
    kinesis_transport *t = make_transport(&ta.base);
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%d", g_http.port);
    const kinesis_http_header headers[] = {
        {"Host", host},
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", "Kinesis_20131202.PutRecord"},
        {"X-Amz-Date", "20240101T000000Z"},
        {"Authorization",
         "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kinesis/aws4_request"},
        {"X-Empty", ""},
        {"Content-Length", "7"},
    };
    static const uint8_t body[7] = {'{', 'a', 0, 'b', 0xff, '\n', '}'};
    call cl = {.target = "/echo?x=1",
               .headers = headers,
               .header_count = 7,
               .body = body,
               .body_len = 7,
               .timeout_ms = 10000};
    collected c = {0};
    kinesis_error err;
    kinesis_error_clear(&err);
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_OK);
    assert_int_equal(c.nstatus, 1);
    assert_int_equal(c.statuses[0], 200);
    assert_non_null(strstr(c.headers, "Content-Type=text/plain\n"));

    const char *b = body_text(&c);
    assert_non_null(strstr(b, "method POST\n"));
    assert_non_null(strstr(b, "path /echo?x=1\n"));
    assert_non_null(strstr(b, "proxied 0\n"));
    char line[128];
    snprintf(line, sizeof(line), "\nheader Host: %s\n", host);
    assert_non_null(strstr(b, line));
    assert_non_null(strstr(b, "\nheader Content-Type: application/x-amz-json-1.1\n"));
    assert_non_null(strstr(b, "\nheader X-Amz-Target: Kinesis_20131202.PutRecord\n"));
    assert_non_null(strstr(b, "\nheader X-Amz-Date: 20240101T000000Z\n"));
    assert_non_null(strstr(b, "\nheader Authorization: AWS4-HMAC-SHA256 Credential=AKID/"));
    assert_non_null(strstr(b, "\nheader X-Empty: \n"));
    assert_non_null(strstr(b, "\nheader Content-Length: 7\n"));
    /* Exactly one Content-Length and one Content-Type; nothing libcurl would add by itself. */
    assert_int_equal(count(b, "\nheader Host:"), 1);
    assert_int_equal(count(b, "\nheader Content-Length:"), 1);
    assert_int_equal(count(b, "\nheader Content-Type:"), 1);
    assert_null(strstr(b, "\nheader Expect"));
    assert_null(strstr(b, "\nheader Accept")); /* neither Accept nor Accept-Encoding */
    assert_null(strstr(b, "\nheader Transfer-Encoding"));
    assert_null(strstr(b, "\nheader User-Agent"));
    const char *tail = strstr(b, "\nbody 7\n");
    assert_non_null(tail);
    tail += strlen("\nbody 7\n");
    assert_int_equal((size_t)(c.body + c.body_len - (const uint8_t *)tail), 7);
    assert_memory_equal(tail, body, 7);
    collected_free(&c);

    /* A body-less POST still sends Content-Length: 0 and no default Content-Type. */
    call empty = {.target = "/echo", .timeout_ms = 10000};
    assert_int_equal(do_call(t, &empty, &c, &err), KINESIS_OK);
    assert_non_null(strstr(body_text(&c), "\nheader Content-Length: 0\n"));
    assert_null(strstr(body_text(&c), "Content-Type: application/x-www-form-urlencoded"));
    collected_free(&c);

    /* Other methods. */
    call get = {.method = "GET", .target = "/echo", .timeout_ms = 10000};
    assert_int_equal(do_call(t, &get, &c, &err), KINESIS_OK);
    assert_non_null(strstr(body_text(&c), "method GET\n"));
    collected_free(&c);
    call put = {
        .method = "PUT", .target = "/echo", .body = "xyz", .body_len = 3, .timeout_ms = 10000};
    assert_int_equal(do_call(t, &put, &c, &err), KINESIS_OK);
    assert_non_null(strstr(body_text(&c), "method PUT\n"));
    assert_non_null(strstr(body_text(&c), "\nbody 3\nxyz"));
    collected_free(&c);

    kinesis_transport_destroy(t);
    assert_int_equal(ta.live, 0);
}

/* Bodies on both sides of libcurl's limits (sent with the headers below 64 KiB, through its
 * upload buffer above, 2 MiB pieces beyond that) arrive whole, byte for byte, on one connection. */
static void post_bodies_of_every_size(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    const size_t sizes[] = {65535, 65536, 65537, 100000, 2u * 1024 * 1024, 5u * 1024 * 1024 + 3};
    uint8_t *body = malloc(5u * 1024 * 1024 + 3);
    assert_non_null(body);
    for (size_t i = 0; i < 5u * 1024 * 1024 + 3; i++) body[i] = (uint8_t)(i * 7 % 253);
    long first_conn = 0;
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        call cl = {.target = "/echo", .body = body, .body_len = sizes[k], .timeout_ms = 20000};
        collected c = {0};
        kinesis_error err;
        kinesis_error_clear(&err);
        assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_OK);
        assert_int_equal(c.statuses[0], 200);
        char line[64];
        snprintf(line, sizeof(line), "\nbody %zu\n", sizes[k]);
        const char *tail = strstr(body_text(&c), line);
        assert_non_null(tail);
        tail += strlen(line);
        assert_int_equal((size_t)(c.body + c.body_len - (const uint8_t *)tail), sizes[k]);
        assert_memory_equal(tail, body, sizes[k]);
        long conn = echo_number(&c, "conn");
        if (k == 0) first_conn = conn;
        assert_int_equal(conn, first_conn); /* the connection stays reusable after each size */
        collected_free(&c);
    }
    free(body);
    kinesis_transport_destroy(t);
}

static void status_headers_body(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    collected c = {0};
    kinesis_error err;
    kinesis_error_clear(&err);

    assert_int_equal(simple(t, "/status?code=404", &c, &err), KINESIS_OK);
    assert_int_equal(c.nstatus, 1);
    assert_int_equal(c.statuses[0], 404);
    assert_non_null(strstr(c.headers, "X-Test=a  value\n")); /* trimmed both ends */
    assert_non_null(strstr(c.headers, "Content-Length=10\n"));
    assert_string_equal(body_text(&c), "status 404");
    collected_free(&c);

    assert_int_equal(simple(t, "/status?code=503", &c, &err), KINESIS_OK);
    assert_int_equal(c.statuses[0], 503);
    collected_free(&c);

    /* A large body arrives in several consecutive chunks. */
    assert_int_equal(simple(t, "/big?n=1000000", &c, &err), KINESIS_OK);
    assert_int_equal(c.body_len, 1000000);
    assert_true(c.body_calls > 1);
    for (size_t i = 0; i < c.body_len; i++) {
        if (c.body[i] != (uint8_t)(i % 251)) fail_msg("body byte %zu differs", i);
    }
    collected_free(&c);

    /* A 1xx before the final response reports both statuses; redirects are not followed. */
    assert_int_equal(simple(t, "/continue", &c, &err), KINESIS_OK);
    assert_int_equal(c.nstatus, 2);
    assert_int_equal(c.statuses[0], 100);
    assert_int_equal(c.statuses[1], 200);
    assert_string_equal(body_text(&c), "done");
    collected_free(&c);
    assert_int_equal(simple(t, "/redirect", &c, &err), KINESIS_OK);
    assert_int_equal(c.nstatus, 1);
    assert_int_equal(c.statuses[0], 302);
    assert_non_null(strstr(c.headers, "Location=/echo\n"));
    assert_int_equal(c.body_len, 0);
    collected_free(&c);

    /* A NULL handler discards the response. */
    kinesis_http_request req = {.method = "GET", .url = NULL, .request_timeout_ms = 10000};
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", g_http.port);
    req.url = url;
    assert_int_equal(kinesis_transport_send(t, &req, NULL, &err), KINESIS_OK);
    kinesis_transport_destroy(t);
}

static void connection_reuse(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    collected c = {0};
    kinesis_error err;
    long conn[3], port[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_OK);
        conn[i] = echo_number(&c, "conn");
        port[i] = echo_number(&c, "port");
        assert_true(conn[i] > 0);
        collected_free(&c);
    }
    assert_int_equal(conn[0], conn[1]);
    assert_int_equal(conn[1], conn[2]);
    assert_int_equal(port[0], port[2]);
    kinesis_transport_destroy(t);

    /* A new transport opens a new connection. */
    t = make_transport(NULL);
    assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_OK);
    assert_true(echo_number(&c, "conn") != conn[0]);
    collected_free(&c);
    kinesis_transport_destroy(t);
}

static void connect_refused(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", closed_port());
    collected c = {0};
    kinesis_error err;
    kinesis_error_clear(&err);
    int64_t t0 = kinesis_now_mono_ms();
    call cl = {.target = url, .timeout_ms = 10000};
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_E_CONNECT);
    assert_true(kinesis_now_mono_ms() - t0 < 2000);
    assert_int_equal(err.status, KINESIS_E_CONNECT);
    assert_non_null(strstr(err.message, "127.0.0.1"));
    assert_non_null(strstr(err.message, "onnect")); /* curl's own text is included */
    assert_int_equal(c.nstatus, 0);
    kinesis_transport_destroy(t);
}

static void stalled_server_times_out(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    collected c = {0};
    kinesis_error err;
    kinesis_error_clear(&err);
    call cl = {.target = "/stall", .body = "x", .body_len = 1, .timeout_ms = 500};
    int64_t t0 = kinesis_now_mono_ms();
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_E_TIMEOUT);
    int64_t elapsed = kinesis_now_mono_ms() - t0;
    assert_true(elapsed >= 400);
    assert_true(elapsed < 3000);
    assert_non_null(strstr(err.message, "imed out"));
    /* The transport is still usable. */
    assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_OK);
    collected_free(&c);
    kinesis_transport_destroy(t);
}

static void truncated_body(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    collected c = {0};
    kinesis_error err;
    kinesis_error_clear(&err);
    assert_int_equal(simple(t, "/truncate", &c, &err), KINESIS_E_TRANSPORT);
    assert_int_equal(c.statuses[0], 200);
    assert_int_equal(c.body_len, 10);
    assert_true(strlen(err.message) > 0);
    collected_free(&c);
    assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_OK);
    collected_free(&c);
    kinesis_transport_destroy(t);
}

static void callback_abort(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    kinesis_error err;
    const int modes[] = {ABORT_STATUS, ABORT_HEADER, ABORT_BODY};
    for (size_t i = 0; i < 3; i++) {
        collected c = {0};
        c.abort_on = modes[i];
        kinesis_error_clear(&err);
        assert_int_equal(simple(t, "/big?n=200000", &c, &err), KINESIS_E_CANCELLED);
        assert_non_null(strstr(err.message, "callback"));
        if (modes[i] == ABORT_BODY) assert_int_equal(c.body_calls, 1);
        if (modes[i] != ABORT_BODY) assert_int_equal(c.body_len, 0);
        collected_free(&c);
        assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_OK);
        collected_free(&c);
    }
    kinesis_transport_destroy(t);
}

typedef struct bg_call {
    kinesis_transport *t;
    const char *target;
    uint32_t timeout_ms;
    kinesis_status st;
    kinesis_error err;
    int64_t finished_ms;
} bg_call;

static void *bg_run(void *arg) {
    bg_call *b = arg;
    collected c = {0};
    call cl = {.target = b->target, .timeout_ms = b->timeout_ms};
    b->st = do_call(b->t, &cl, &c, &b->err);
    b->finished_ms = kinesis_now_mono_ms();
    collected_free(&c);
    return NULL;
}

static void cancel_from_other_thread(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    kinesis_transport_cancel(t); /* nothing in flight: no effect on later sends */
    collected c = {0};
    kinesis_error err;
    assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_OK);
    collected_free(&c);

    /* Two stalled exchanges without a total timeout (as for an event stream). */
    bg_call b[2] = {{.t = t, .target = "/stall", .timeout_ms = 0},
                    {.t = t, .target = "/stall", .timeout_ms = 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, bg_run, &b[i]), 0);
    kinesis_sleep_ms(300);
    int64_t t0 = kinesis_now_mono_ms();
    kinesis_transport_cancel(t);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(b[i].st, KINESIS_E_CANCELLED);
        assert_true(b[i].finished_ms - t0 < 500);
        assert_non_null(strstr(b[i].err.message, "cancel"));
    }
    /* New sends work after a cancel. */
    assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_OK);
    collected_free(&c);
    kinesis_transport_destroy(t);
}

/* should_abort() cancels one exchange without touching the others on the same transport. */
static atomic_int abort_flag;
static int flag_abort(void *user) {
    (void)user;
    return atomic_load(&abort_flag);
}

static void *bg_abortable(void *arg) {
    bg_call *b = arg;
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/stall", g_http.port);
    kinesis_http_request req = {.method = "POST", .url = url};
    collected c = {0};
    kinesis_http_response_handler h = {&c, c_status, c_header, c_body, flag_abort};
    b->st = kinesis_transport_send(b->t, &req, &h, &b->err);
    b->finished_ms = kinesis_now_mono_ms();
    collected_free(&c);
    return NULL;
}

static void should_abort_cancels_one_exchange(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    atomic_store(&abort_flag, 0);
    bg_call stalled = {.t = t, .target = "/stall", .timeout_ms = 0};
    bg_call other = {.t = t, .target = "/stall", .timeout_ms = 2500};
    pthread_t th1, th2;
    assert_int_equal(pthread_create(&th1, NULL, bg_abortable, &stalled), 0);
    assert_int_equal(pthread_create(&th2, NULL, bg_run, &other), 0);
    kinesis_sleep_ms(300);
    int64_t t0 = kinesis_now_mono_ms();
    atomic_store(&abort_flag, 1);
    pthread_join(th1, NULL);
    assert_int_equal(stalled.st, KINESIS_E_CANCELLED);
    assert_true(stalled.finished_ms - t0 < 1000); /* polled at least every 250 ms */
    pthread_join(th2, NULL);
    assert_int_equal(other.st, KINESIS_E_TIMEOUT); /* ran to its own timeout, not cancelled */
    kinesis_transport_destroy(t);
}

typedef struct worker {
    kinesis_transport *t;
    int id;
    int failures;
} worker;

static void *worker_run(void *arg) {
    worker *w = arg;
    for (int i = 0; i < 25; i++) {
        char body[64];
        int n = snprintf(body, sizeof(body), "thread %d request %d", w->id, i);
        call cl = {.target = "/echo", .body = body, .body_len = (size_t)n, .timeout_ms = 10000};
        collected c = {0};
        kinesis_error err;
        kinesis_status st = do_call(w->t, &cl, &c, &err);
        char expect[96];
        snprintf(expect, sizeof(expect), "\nbody %d\n%s", n, body);
        if (st != KINESIS_OK || c.statuses[0] != 200 || !strstr(body_text(&c), expect))
            w->failures++;
        collected_free(&c);
    }
    return NULL;
}

static long server_connections(kinesis_transport *t) {
    collected c = {0};
    kinesis_error err;
    assert_int_equal(simple(t, "/stats", &c, &err), KINESIS_OK);
    long n = echo_number(&c, "connections");
    collected_free(&c);
    return n;
}

static void concurrent_sends(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL); /* default allocator: thread-safe */
    long before = server_connections(t);
    worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){t, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    /* 100 requests over at most one connection per concurrent sender. */
    long after = server_connections(t);
    assert_true(after - before <= 4);
    kinesis_transport_destroy(t);
}

static void proxies(void **state) {
    (void)state;
    collected c = {0};
    kinesis_error err;
    kinesis_error_clear(&err);
    char proxy[64], closed[64];
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", g_http.port);
    snprintf(closed, sizeof(closed), "http://127.0.0.1:%d", closed_port());

    /* An explicit proxy: the loopback server answers the absolute-form request itself, so the
     * unresolvable target host proves the request went through the proxy. */
    kinesis_curl_transport_options o;
    kinesis_curl_transport_options_init(&o);
    o.proxy = proxy;
    kinesis_transport *t = NULL;
    assert_int_equal(kinesis_curl_transport_new(&o, NULL, &t, &err), KINESIS_OK);
    assert_int_equal(simple(t, "http://kinesis.invalid/echo", &c, &err), KINESIS_OK);
    assert_non_null(strstr(body_text(&c), "proxied 1\n"));
    assert_non_null(strstr(body_text(&c), "path /echo\n"));
    assert_non_null(strstr(body_text(&c), "\nheader Host: kinesis.invalid\n"));
    collected_free(&c);
    kinesis_transport_destroy(t);

    o.proxy = closed;
    assert_int_equal(kinesis_curl_transport_new(&o, NULL, &t, &err), KINESIS_OK);
    assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_E_CONNECT);
    kinesis_transport_destroy(t);

    /* The environment is honoured by default... */
    setenv("http_proxy", closed, 1);
    t = make_transport(NULL);
    assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_E_CONNECT);
    kinesis_transport_destroy(t);
    /* ...and an explicit "" means no proxy, whatever the environment says. */
    o.proxy = "";
    assert_int_equal(kinesis_curl_transport_new(&o, NULL, &t, &err), KINESIS_OK);
    assert_int_equal(simple(t, "/echo", &c, &err), KINESIS_OK);
    assert_non_null(strstr(body_text(&c), "proxied 0\n"));
    collected_free(&c);
    kinesis_transport_destroy(t);
    unset_proxy_env();
}

static void tls_verification(void **state) {
    (void)state;
    char url[128];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", g_https.port);
    call cl = {.target = url, .body = "hi", .body_len = 2, .timeout_ms = 10000};
    collected c = {0};
    kinesis_error err;
    kinesis_error_clear(&err);
    kinesis_curl_transport_options o;

    /* On by default: a self-signed certificate is rejected. */
    kinesis_transport *t = make_transport(NULL);
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_E_TLS);
    assert_true(strlen(err.message) > 0);
    assert_int_equal(c.nstatus, 0);
    kinesis_transport_destroy(t);

    /* Trusting the certificate through ca_file. */
    kinesis_curl_transport_options_init(&o);
    o.ca_file = g_cert;
    assert_int_equal(kinesis_curl_transport_new(&o, NULL, &t, &err), KINESIS_OK);
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_OK);
    assert_int_equal(c.statuses[0], 200);
    assert_non_null(strstr(body_text(&c), "\nbody 2\nhi"));
    collected_free(&c);
    kinesis_transport_destroy(t);

    /* A missing CA file is a TLS error, not a crash. */
    o.ca_file = "/nonexistent/ca.pem";
    assert_int_equal(kinesis_curl_transport_new(&o, NULL, &t, &err), KINESIS_OK);
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_E_TLS);
    kinesis_transport_destroy(t);

    /* The explicit opt-out. */
    kinesis_curl_transport_options_init(&o);
    o.insecure_skip_verify = 1;
    assert_int_equal(kinesis_curl_transport_new(&o, NULL, &t, &err), KINESIS_OK);
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_OK);
    assert_int_equal(c.statuses[0], 200);
    collected_free(&c);
    kinesis_transport_destroy(t);
}

/* ---- HTTP/2 (optional: needs node) ---- */

static void h2_prior_knowledge(void **state) {
    (void)state;
    if (g_h2.pid <= 0) skip();
    kinesis_transport *t = make_transport(NULL);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", g_h2.port);
    call cl = {.target = url,
               .body = "h2c body",
               .body_len = 8,
               .timeout_ms = 10000,
               .version = KINESIS_HTTP_2_PRIOR_KNOWLEDGE};
    collected c = {0};
    kinesis_error err;
    kinesis_error_clear(&err);
    expect_ok(do_call(t, &cl, &c, &err), &err);
    assert_int_equal(c.nstatus, 1);
    assert_int_equal(c.statuses[0], 200); /* from "HTTP/2 200" */
    assert_non_null(strstr(c.headers, "x-proto=2.0\n"));
    const char *b = body_text(&c);
    assert_non_null(strstr(b, "version 2.0\n"));
    assert_non_null(strstr(b, "expect 0\n"));
    assert_non_null(strstr(b, "content-length 8\n"));
    assert_non_null(strstr(b, "\nbody 8\nh2c body"));
    long session = echo_number(&c, "session");
    collected_free(&c);
    /* Later exchanges work too. The connection is reused, except with libcurl < 8.0.0 where
     * reusing a prior-knowledge connection fails (curl issue #10634) and the transport makes a
     * fresh one each time instead. */
    for (int i = 0; i < 3; i++) {
        expect_ok(do_call(t, &cl, &c, &err), &err);
        assert_int_equal(c.statuses[0], 200);
        if (curl_version_info(CURLVERSION_NOW)->version_num >= 0x080000)
            assert_int_equal(echo_number(&c, "session"), session);
        else
            assert_true(echo_number(&c, "session") > session);
        collected_free(&c);
    }
    kinesis_transport_destroy(t);
}

static void h2_negotiated_over_tls(void **state) {
    (void)state;
    if (g_h2.pid <= 0) skip();
    kinesis_curl_transport_options o;
    kinesis_curl_transport_options_init(&o);
    o.ca_file = g_cert;
    kinesis_transport *t = NULL;
    kinesis_error err;
    assert_int_equal(kinesis_curl_transport_new(&o, NULL, &t, &err), KINESIS_OK);
    char url[128];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", g_h2.port2);
    call cl = {.target = url, .body = "tls", .body_len = 3, .timeout_ms = 10000};
    collected c = {0};
    /* DEFAULT: the server offers h2 through ALPN, so it is used. */
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_OK);
    assert_int_equal(c.statuses[0], 200);
    assert_non_null(strstr(body_text(&c), "version 2.0\n"));
    assert_non_null(strstr(body_text(&c), "\nbody 3\ntls"));
    long session = echo_number(&c, "session");
    collected_free(&c);
    /* The HTTP/2 connection over TLS is reused. */
    expect_ok(do_call(t, &cl, &c, &err), &err);
    assert_int_equal(echo_number(&c, "session"), session);
    collected_free(&c);
    /* HTTP_1_1 forces HTTP/1.1 on the same server. */
    cl.version = KINESIS_HTTP_1_1;
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_OK);
    assert_non_null(strstr(body_text(&c), "version 1.1\n"));
    collected_free(&c);
    kinesis_transport_destroy(t);
}

typedef struct h2_worker {
    kinesis_transport *t;
    int port, id, failures;
} h2_worker;

static void *h2_worker_run(void *arg) {
    h2_worker *w = arg;
    char url[128];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", w->port);
    for (int i = 0; i < 20; i++) {
        char body[64];
        int n = snprintf(body, sizeof(body), "h2 thread %d request %d", w->id, i);
        call cl = {.target = url, .body = body, .body_len = (size_t)n, .timeout_ms = 10000};
        collected c = {0};
        kinesis_error err;
        char expect[96];
        snprintf(expect, sizeof(expect), "\nbody %d\n%s", n, body);
        if (do_call(w->t, &cl, &c, &err) != KINESIS_OK || !strstr(body_text(&c), expect) ||
            !strstr(body_text(&c), "version 2.0\n"))
            w->failures++;
        collected_free(&c);
    }
    return NULL;
}

static void h2_concurrent_tls(void **state) {
    (void)state;
    if (g_h2.pid <= 0) skip();
    kinesis_curl_transport_options o;
    kinesis_curl_transport_options_init(&o);
    o.insecure_skip_verify = 1;
    kinesis_transport *t = NULL;
    kinesis_error err;
    assert_int_equal(kinesis_curl_transport_new(&o, NULL, &t, &err), KINESIS_OK);
    h2_worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (h2_worker){t, g_h2.port2, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, h2_worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    kinesis_transport_destroy(t);
}

typedef struct log_capture {
    char text[16384];
    size_t len;
} log_capture;

static void capture_log(void *user, kinesis_log_level level, const char *message) {
    log_capture *l = user;
    (void)level;
    int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s\n", message);
    if (n > 0 && (size_t)n < sizeof(l->text) - l->len) l->len += (size_t)n;
}

static void trace_log_has_no_secrets(void **state) {
    (void)state;
    log_capture lc = {{0}, 0};
    kinesis_curl_transport_options o;
    kinesis_curl_transport_options_init(&o);
    o.log_fn = capture_log;
    o.log_user = &lc;
    o.log_level = KINESIS_LOG_TRACE;
    kinesis_transport *t = NULL;
    kinesis_error err;
    assert_int_equal(kinesis_curl_transport_new(&o, NULL, &t, &err), KINESIS_OK);
    const kinesis_http_header headers[] = {
        {"Authorization", "AWS4-HMAC-SHA256 Credential=SECRETKEYID/x, Signature=abcdef"},
        {"X-Amz-Security-Token", "SESSIONTOKEN"},
    };
    char url[160];
    snprintf(url, sizeof(url), "http://user:PASSWORD@127.0.0.1:%d/echo?X-Amz-Signature=QUERYSIG",
             g_http.port);
    call cl = {.target = url,
               .headers = headers,
               .header_count = 2,
               .body = "BODYTEXT",
               .body_len = 8,
               .timeout_ms = 10000};
    collected c = {0};
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_OK);
    collected_free(&c);
    /* Failures are logged at DEBUG, with the same care. */
    snprintf(url, sizeof(url), "http://user:PASSWORD@127.0.0.1:%d/echo?X-Amz-Signature=QUERYSIG",
             closed_port());
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_E_CONNECT);
    assert_null(strstr(err.message, "QUERYSIG"));
    assert_null(strstr(err.message, "PASSWORD"));
    kinesis_transport_destroy(t);
    assert_non_null(strstr(lc.text, "failed: KINESIS_E_CONNECT"));
    assert_non_null(strstr(lc.text, "POST http://127.0.0.1:"));
    assert_non_null(strstr(lc.text, "/echo -> 200"));
    const char *secrets[] = {"SECRETKEYID", "SESSIONTOKEN", "PASSWORD", "QUERYSIG", "BODYTEXT"};
    for (size_t i = 0; i < 5; i++)
        if (strstr(lc.text, secrets[i])) fail_msg("log leaks %s: %s", secrets[i], lc.text);
}

static void invalid_arguments(void **state) {
    (void)state;
    kinesis_transport *t = make_transport(NULL);
    kinesis_error err;
    collected c = {0};
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", g_http.port);
    kinesis_http_response_handler h = {&c, c_status, c_header, c_body, NULL};

    kinesis_http_request req = {.method = "POST", .url = url};
    assert_int_equal(kinesis_transport_send(NULL, &req, &h, &err), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_transport_send(t, NULL, &h, &err), KINESIS_E_INVALID_ARGUMENT);

    const char *bad_urls[] = {NULL,
                              "",
                              "ftp://127.0.0.1/x",
                              "file:///etc/passwd",
                              "/relative",
                              "http://127.0.0.1/a b",
                              "http://127.0.0.1/\r\nX: y"};
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
        req.url = bad_urls[i];
        kinesis_error_clear(&err);
        assert_int_equal(kinesis_transport_send(t, &req, &h, &err), KINESIS_E_INVALID_ARGUMENT);
        assert_true(strlen(err.message) > 0);
    }
    req.url = url;
    req.method = NULL;
    assert_int_equal(kinesis_transport_send(t, &req, &h, &err), KINESIS_E_INVALID_ARGUMENT);
    req.method = "PO ST";
    assert_int_equal(kinesis_transport_send(t, &req, &h, &err), KINESIS_E_INVALID_ARGUMENT);
    req.method = "POST";
    req.body_len = 3; /* body NULL */
    assert_int_equal(kinesis_transport_send(t, &req, &h, &err), KINESIS_E_INVALID_ARGUMENT);
    req.body_len = 0;
    req.header_count = 1; /* headers NULL */
    assert_int_equal(kinesis_transport_send(t, &req, &h, &err), KINESIS_E_INVALID_ARGUMENT);
    req.http_version = (kinesis_http_version)7;
    req.header_count = 0;
    assert_int_equal(kinesis_transport_send(t, &req, &h, &err), KINESIS_E_INVALID_ARGUMENT);
    req.http_version = KINESIS_HTTP_1_1;

    const kinesis_http_header bad[][1] = {
        {{"X-Inject", "a\r\nEvil: 1"}},
        {{"Bad Name", "v"}},
        {{"", "v"}},
        {{NULL, "v"}},
        {{"X-Null", NULL}},
        {{"Expect", "100-continue"}},
        {{"Content-Length", "99"}},
        {{"Na:me", "v"}},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        req.headers = bad[i];
        req.header_count = 1;
        kinesis_error_clear(&err);
        assert_int_equal(kinesis_transport_send(t, &req, &h, &err), KINESIS_E_INVALID_ARGUMENT);
    }
    assert_int_equal(c.nstatus, 0); /* nothing was sent */

    /* kinesis_curl_transport_new argument checks. */
    assert_int_equal(kinesis_curl_transport_new(NULL, NULL, NULL, &err),
                     KINESIS_E_INVALID_ARGUMENT);
    kinesis_transport_destroy(NULL);
    kinesis_transport_cancel(NULL);
    kinesis_transport_destroy(t);
}

/* A custom implementation through the generic wrapper. */
typedef struct fake_impl {
    int sends, cancels, *destroyed;
} fake_impl;

static kinesis_status fake_send(void *impl, const kinesis_http_request *req,
                                const kinesis_http_response_handler *handler, kinesis_error *err) {
    fake_impl *f = impl;
    (void)err;
    f->sends++;
    assert_non_null(handler); /* the wrapper substitutes a discarding handler for NULL */
    if (handler->on_status) handler->on_status(handler->user, 204);
    return req->body_len == 1 ? KINESIS_E_TIMEOUT : KINESIS_OK;
}
static void fake_cancel(void *impl) { ((fake_impl *)impl)->cancels++; }
static void fake_destroy(void *impl) { (*((fake_impl *)impl)->destroyed)++; }

static void custom_transport(void **state) {
    (void)state;
    test_allocator ta;
    test_allocator_init(&ta);
    int destroyed = 0;
    fake_impl f = {0, 0, &destroyed};
    static const kinesis_transport_vtable vt = {fake_send, fake_cancel, fake_destroy};
    static const kinesis_transport_vtable no_send = {NULL, NULL, fake_destroy};
    assert_null(kinesis_transport_new(NULL, &f, &ta.base));
    assert_null(kinesis_transport_new(&no_send, &f, &ta.base));
    ta.fail_at = ta.total + 1;
    assert_null(kinesis_transport_new(&vt, &f, &ta.base));
    ta.fail_at = 0;
    kinesis_transport *t = kinesis_transport_new(&vt, &f, &ta.base);
    assert_non_null(t);
    kinesis_http_request req = {.method = "POST", .url = "http://x/"};
    collected c = {0};
    kinesis_http_response_handler h = {&c, c_status, NULL, NULL, NULL};
    assert_int_equal(kinesis_transport_send(t, &req, &h, NULL), KINESIS_OK);
    assert_int_equal(c.statuses[0], 204);
    req.body = (const uint8_t *)"x";
    req.body_len = 1;
    assert_int_equal(kinesis_transport_send(t, &req, NULL, NULL), KINESIS_E_TIMEOUT);
    kinesis_transport_cancel(t);
    assert_int_equal(f.sends, 2);
    assert_int_equal(f.cancels, 1);
    kinesis_transport_destroy(t);
    assert_int_equal(destroyed, 1);
    assert_int_equal(ta.live, 0);
    /* cancel may be NULL in the vtable. */
    static const kinesis_transport_vtable no_cancel = {fake_send, NULL, fake_destroy};
    t = kinesis_transport_new(&no_cancel, &f, NULL);
    kinesis_transport_cancel(t);
    kinesis_transport_destroy(t);
    assert_int_equal(destroyed, 2);
}

static void out_of_memory(void **state) {
    (void)state;
    test_allocator ta;
    test_allocator_init(&ta);
    kinesis_curl_transport_options o;
    kinesis_curl_transport_options_init(&o);
    o.ca_file = g_cert;
    o.ca_path = "/nonexistent";
    o.proxy = "";
    kinesis_transport *t = NULL;
    kinesis_error err;
    int failures = 0;
    for (long k = 1; k < 100; k++) {
        ta.fail_at = ta.total + k;
        kinesis_status st = kinesis_curl_transport_new(&o, &ta.base, &t, &err);
        if (st == KINESIS_OK) break;
        assert_int_equal(st, KINESIS_E_NO_MEMORY);
        assert_null(t);
        assert_int_equal(ta.live, 0);
        failures++;
    }
    assert_true(failures >= 4);
    ta.fail_at = 0;
    kinesis_transport_destroy(t);
    assert_int_equal(ta.live, 0);

    /* Allocation failures during send: each is reported, nothing leaks, later sends work. */
    o.ca_file = NULL;
    o.ca_path = NULL;
    assert_int_equal(kinesis_curl_transport_new(&o, &ta.base, &t, &err), KINESIS_OK);
    const kinesis_http_header headers[] = {{"X-A", "1"}, {"X-B", "2"}};
    call cl = {.target = "/echo", .headers = headers, .header_count = 2, .timeout_ms = 10000};
    for (long k = 1; k <= 6; k++) {
        collected c = {0};
        ta.fail_at = ta.total + k;
        kinesis_status st = do_call(t, &cl, &c, &err);
        assert_true(st == KINESIS_OK || st == KINESIS_E_NO_MEMORY);
        collected_free(&c);
    }
    ta.fail_at = 0;
    collected c = {0};
    assert_int_equal(do_call(t, &cl, &c, &err), KINESIS_OK);
    collected_free(&c);
    kinesis_transport_destroy(t);
    assert_int_equal(ta.live, 0);
}

int main(void) {
    // clang-format off
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_defaults),
        cmocka_unit_test(post_round_trip),
        cmocka_unit_test(status_headers_body),
        cmocka_unit_test(post_bodies_of_every_size),
        cmocka_unit_test(connection_reuse),
        cmocka_unit_test(connect_refused),
        cmocka_unit_test(stalled_server_times_out),
        cmocka_unit_test(should_abort_cancels_one_exchange),
        cmocka_unit_test(truncated_body),
        cmocka_unit_test(callback_abort),
        cmocka_unit_test(cancel_from_other_thread),
        cmocka_unit_test(concurrent_sends),
        cmocka_unit_test(proxies),
        cmocka_unit_test(tls_verification),
        cmocka_unit_test(h2_prior_knowledge),
        cmocka_unit_test(h2_negotiated_over_tls),
        cmocka_unit_test(h2_concurrent_tls),
        cmocka_unit_test(trace_log_has_no_secrets),
        cmocka_unit_test(invalid_arguments),
        cmocka_unit_test(custom_transport),
        cmocka_unit_test(out_of_memory),
    };
    // clang-format on
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

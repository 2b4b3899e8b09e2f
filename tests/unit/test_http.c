/*
 * test_http.c - server/http.c over real sockets: the libmicrohttpd daemon
 * on 127.0.0.1 (any free port) with a 1 KiB body cap, a SQLite store in a
 * temporary directory and the real route table.
 *
 * Covers keep-alive, pipelining, the raw path (%2F stays one segment),
 * percent-decoded query values, media types on the wire, Authorization
 * ignored, 413 for an announced and for a chunked body, chunked bodies,
 * the in-flight gauge, and quiesce (new clients refused, open connections
 * answered with "Connection: close").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server/http.h"
#include "server/metrics.h"
#include "server/registry.h"
#include "server/server.h"
#include "storage/store.h"
#include "tests/unit/testutil.h"

#define BODY_CAP 1024

struct fixture {
    struct sr_server srv;
    char dir[64];
};

/* ---- a tiny HTTP client --------------------------------------------------- */

struct client {
    int fd;
    char buf[65536];
    size_t len;
};

struct reply {
    int status;
    char headers[4096];
    char body[8192];
    size_t body_len;
};

static int connect_port(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void client_open(struct client *c, uint16_t port)
{
    c->len = 0;
    c->fd = connect_port(port);
    assert_true(c->fd >= 0);
}

static void client_send(struct client *c, const char *text)
{
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = send(c->fd, text + off, len - off, MSG_NOSIGNAL);
        assert_true(n > 0);
        off += (size_t)n;
    }
}

/* Reads more bytes (waiting up to 5 s); false at end of stream. */
static bool client_fill(struct client *c)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (poll(&p, 1, 5000) != 1)
        fail_msg("timed out waiting for the server");
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (n <= 0)
        return false;
    c->len += (size_t)n;
    return true;
}

static const char *header_value(const struct reply *r, const char *name)
{
    static char value[256];
    size_t nlen = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(value, sizeof value, "%.*s", (int)len, v);
            return value;
        }
        line = strstr(line, "\r\n");
        line = line ? line + 2 : NULL;
    }
    return NULL;
}

/* The end of the header block in buf[0..len), or NULL. */
static char *headers_end(char *buf, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i;
    return NULL;
}

/* Reads one response (with a Content-Length body, or none for HEAD). */
static void client_read(struct client *c, struct reply *r, bool head)
{
    char *end;
    while (!(end = headers_end(c->buf, c->len)))
        assert_true(client_fill(c));
    size_t head_len = (size_t)(end - c->buf) + 4;
    assert_true(head_len < sizeof r->headers);
    memcpy(r->headers, c->buf, head_len);
    r->headers[head_len] = '\0';
    assert_int_equal(strncmp(r->headers, "HTTP/1.1 ", 9), 0);
    r->status = (int)strtol(r->headers + 9, NULL, 10);
    const char *cl = header_value(r, "Content-Length");
    r->body_len = head || !cl ? 0 : (size_t)strtoul(cl, NULL, 10);
    assert_true(r->body_len < sizeof r->body);
    while (c->len < head_len + r->body_len)
        assert_true(client_fill(c));
    memcpy(r->body, c->buf + head_len, r->body_len);
    r->body[r->body_len] = '\0';
    memmove(c->buf, c->buf + head_len + r->body_len, c->len - head_len - r->body_len);
    c->len -= head_len + r->body_len;
}

/* Whether the server closed the connection (after all it sent was read). */
static bool client_closed(struct client *c)
{
    return c->len == 0 && !client_fill(c);
}

static void client_close(struct client *c)
{
    close(c->fd);
}

/* One request on a new connection. */
static void request(struct fixture *f, const char *text, struct reply *r)
{
    struct client *c = malloc(sizeof *c);
    assert_non_null(c);
    client_open(c, f->srv.bound_port);
    client_send(c, text);
    client_read(c, r, strncmp(text, "HEAD ", 5) == 0);
    client_close(c);
    free(c);
}

static void get(struct fixture *f, const char *target, struct reply *r)
{
    char text[1024];
    snprintf(text, sizeof text, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", target);
    request(f, text, r);
}

/* ---- fixture -------------------------------------------------------------- */

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct sr_error err = {0};
    char path[96];
    assert_non_null(f);
    assert_non_null(tu_tempdir(f->dir, sizeof f->dir, "sr-test-http-"));
    snprintf(path, sizeof path, "%s/registry.db", f->dir);
    struct sr_server *srv = &f->srv;
    srv->listen_fd = -1;
    srv->config.listen = strdup("127.0.0.1");
    srv->config.db_path = strdup(path);
    srv->config.port = 0;
    srv->config.threads = 2;
    srv->config.max_body_bytes = BODY_CAP;
    srv->config.max_inflight_bytes = SR_CONFIG_DEFAULT_MAX_INFLIGHT;
    srv->config.workers = 2;
    srv->config.deadline_ms = SR_CONFIG_DEFAULT_DEADLINE_MS;
    assert_int_equal(sr_store_open_sqlite(path, &srv->store, &err), SR_OK);
    assert_int_equal(sr_registry_open(srv->store, &srv->registry, &err), SR_OK);
    assert_int_equal(sr_metrics_new(sr_routes, 2, &srv->metrics, &err), SR_OK);
    assert_int_equal(sr_http_start(srv, &err), SR_OK);
    assert_true(srv->bound_port != 0);
    atomic_store(&srv->ready, true);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    struct sr_server *srv = &f->srv;
    atomic_store(&srv->stopping, true);
    sr_http_quiesce(srv);
    sr_http_stop(srv);
    sr_http_stop(srv); /* twice is harmless */
    sr_registry_close(srv->registry);
    sr_store_close(srv->store);
    sr_metrics_free(srv->metrics);
    sr_config_release(&srv->config);
    tu_tempdir_remove(f->dir);
    free(f);
    return 0;
}

/* ---- tests ------------------------------------------------------------------ */

#define V1 "application/vnd.schemaregistry.v1+json"

static void test_keep_alive_and_pipelining(void **state)
{
    struct fixture *f = *state;
    struct client *c = malloc(sizeof *c);
    struct reply r;
    assert_non_null(c);
    client_open(c, f->srv.bound_port);
    client_send(c, "GET /schemas/types HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(c, &r, false);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "[\"AVRO\"]");
    assert_string_equal(header_value(&r, "Content-Type"), V1);
    assert_null(header_value(&r, "Connection"));
    /* two more, pipelined, on the same connection */
    client_send(c, "GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n"
                   "GET /contexts/ HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(c, &r, false);
    assert_string_equal(r.body, "{\"status\":\"UP\"}");
    client_read(c, &r, false);
    assert_string_equal(r.body, "[\".\"]");
    client_close(c);
    free(c);
}

static void test_raw_path_and_errors(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    get(f, "/schemas%2Ftypes", &r); /* one segment "schemas/types": no route */
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
    get(f, "/%73chemas/types", &r);
    assert_int_equal(r.status, 200);
    request(f, "DELETE /schemas/types HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.body, "{\"error_code\":405,\"message\":\"HTTP 405 Method Not Allowed\"}");
    request(f, "HEAD /schemas/types HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header_value(&r, "Content-Length"), "8");
}

static void test_media_types_on_the_wire(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    request(f,
            "GET /v1/metadata/version HTTP/1.1\r\nHost: t\r\nAccept: application/json\r\n"
            "Authorization: Basic Og==\r\n\r\n",
            &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header_value(&r, "Content-Type"), "application/json");
    request(f, "GET / HTTP/1.1\r\nHost: t\r\nAccept: text/html\r\n\r\n", &r);
    assert_int_equal(r.status, 406);
    assert_string_equal(header_value(&r, "Content-Type"), V1);
    request(f,
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            "\r\n{}",
            &r);
    assert_int_equal(r.status, 415);
    request(f, "GET /metrics HTTP/1.1\r\nHost: t\r\nAccept: text/plain\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header_value(&r, "Content-Type"), "text/plain; version=0.0.4");
    assert_non_null(strstr(r.body, "avro_registry_http_requests_total{route=\"/\",method=\"GET\","
                                   "status=\"406\"} 1\n"));
    assert_non_null(strstr(r.body, "avro_registry_subjects 0\n"));
}

static void test_subjects_and_queries(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    static const char body[] = "{\"schema\":\"\\\"string\\\"\"}";
    char text[512];
    snprintf(text, sizeof text,
             "POST /subjects/a%%2Fb/versions HTTP/1.1\r\nHost: t\r\n"
             "Content-Type: application/vnd.schemaregistry.v1+json\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             sizeof body - 1, body);
    request(f, text, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "{\"id\":1,\"version\":1,\"guid\":")); /* 8.x answer */
    get(f, "/subjects", &r);
    assert_string_equal(r.body, "[\"a/b\"]");
    get(f, "/subjects?subjectPrefix=a%2F", &r);
    assert_string_equal(r.body, "[\"a/b\"]");
    get(f, "/subjects?subjectPrefix=a%2Fc", &r);
    assert_string_equal(r.body, "[]");
    get(f, "/subjects?subjectPrefix=a+", &r); /* '+' in a query is a space */
    assert_string_equal(r.body, "[]");
    get(f, "/subjects/a%2Fb/versions/", &r);
    assert_string_equal(r.body, "[1]");
    get(f, "/subjects/a%2Fb/versions/1", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"subject\":\"a/b\""));
}

static void test_body_cap(void **state)
{
    struct fixture *f = *state;
    struct client *c = malloc(sizeof *c);
    struct reply r;
    assert_non_null(c);

    /* announced too large: refused before the body is read, then closed */
    client_open(c, f->srv.bound_port);
    client_send(c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
    client_read(c, &r, false);
    assert_int_equal(r.status, 413);
    assert_string_equal(
        r.body, "{\"error_code\":413,\"message\":\"Request body is larger than the limit of 1024 "
                "bytes\"}");
    assert_true(client_closed(c));
    client_close(c);

    /* chunked, too large: read and dropped, answered 413, connection kept */
    char chunk[700];
    memset(chunk, 'x', sizeof chunk - 1);
    chunk[sizeof chunk - 1] = '\0';
    char text[2048];
    snprintf(text, sizeof text, "2bb\r\n%s\r\n", chunk);
    client_open(c, f->srv.bound_port);
    client_send(c, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    client_send(c, text);
    client_send(c, text);
    client_send(c, "0\r\n\r\n");
    client_read(c, &r, false);
    assert_int_equal(r.status, 413);
    client_send(c, "GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(c, &r, false);
    assert_int_equal(r.status, 200);

    /* chunked within the cap, and exactly the cap with Content-Length */
    client_send(c, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "2\r\n{}\r\n0\r\n\r\n");
    client_read(c, &r, false);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{}");
    char exact[BODY_CAP + 128];
    int n = snprintf(exact, sizeof exact,
                     "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n", BODY_CAP);
    memset(exact + n, ' ', BODY_CAP);
    exact[n + BODY_CAP] = '\0';
    client_send(c, exact);
    client_read(c, &r, false);
    assert_int_equal(r.status, 200);
    client_close(c);
    free(c);
}

static void test_in_flight_returns_to_zero(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    get(f, "/", &r);
    for (int i = 0; i < 200 && sr_http_in_flight(&f->srv) != 0; i++)
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    assert_int_equal(sr_http_in_flight(&f->srv), 0);
}

static void test_quiesce(void **state)
{
    struct fixture *f = *state;
    struct client *c = malloc(sizeof *c);
    struct reply r;
    assert_non_null(c);
    client_open(c, f->srv.bound_port);
    client_send(c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(c, &r, false);
    assert_int_equal(r.status, 200);

    atomic_store(&f->srv.ready, false);
    atomic_store(&f->srv.stopping, true);
    sr_http_quiesce(&f->srv);
    assert_true(f->srv.listen_fd >= 0);
    assert_int_equal(connect_port(f->srv.bound_port), -1);
    assert_int_equal(errno, ECONNREFUSED);

    /* the open connection is still served, and told to close */
    client_send(c, "GET /health/ready HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(c, &r, false);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body, "{\"status\":\"DOWN\",\"reason\":\"shutting down\"}");
    assert_string_equal(header_value(&r, "Connection"), "close");
    assert_true(client_closed(c));
    client_close(c);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keep_alive_and_pipelining, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_path_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_media_types_on_the_wire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subjects_and_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_flight_returns_to_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiesce, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

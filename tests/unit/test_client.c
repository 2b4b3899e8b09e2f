/*
 * test_client.c - libavroreg without a network (framing, error strings, URL
 * encoding, schemas, subject strategies), then the registry client against a
 * real avro-registry process: the binary in AVRO_REGISTRY_BIN (default
 * build/check/bin/avro-registry, else bin/avro-registry), started by the
 * group setup on a free loopback port with a database in a temporary folder,
 * and stopped with SIGTERM by the group teardown, which also requires a clean
 * exit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "include/avroreg.h"
#include "tests/unit/testutil.h"

#define READY_TIMEOUT_MS 20000
#define THREADS 8

static const char *const RECORD =
    "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.acme\","
    "\"fields\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"}]}";

/* A record schema named name with one field of type ftype, in static storage
 * that the next call overwrites. */
static const char *record_of(const char *name, const char *ftype)
{
    static char text[512];
    snprintf(text, sizeof(text),
             "{\"type\":\"record\",\"name\":\"%s\",\"fields\":[{\"name\":\"f\",\"type\":\"%s\"}]}",
             name, ftype);
    return text;
}

/* ---- framing ------------------------------------------------------------------------- */

static void frame_header_bytes(void **state)
{
    (void)state;
    static const struct {
        int32_t id;
        unsigned char bytes[5];
    } cases[] = {
        {0, {0, 0, 0, 0, 0}},
        {1, {0, 0, 0, 0, 1}},
        {0x01020304, {0, 1, 2, 3, 4}},
        {INT32_MAX, {0, 0x7f, 0xff, 0xff, 0xff}},
        {-1, {0, 0xff, 0xff, 0xff, 0xff}},
        {-2, {0, 0xff, 0xff, 0xff, 0xfe}},
        {INT32_MIN, {0, 0x80, 0, 0, 0}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char out[AVROREG_HEADER_SIZE];
        avroreg_frame_header(cases[i].id, out);
        assert_memory_equal(out, cases[i].bytes, AVROREG_HEADER_SIZE);
        int32_t id = 12345;
        const void *payload = NULL;
        size_t plen = 99;
        assert_int_equal(avroreg_frame_parse(out, sizeof(out), &id, &payload, &plen, NULL),
                         AVROREG_OK);
        assert_int_equal(id, cases[i].id);
        assert_ptr_equal(payload, out + AVROREG_HEADER_SIZE);
        assert_int_equal(plen, 0);
    }
}

static void frame_payload_is_borrowed(void **state)
{
    (void)state;
    const unsigned char msg[] = {0, 0, 0, 0, 42, 0x02, 'h', 'i'};
    int32_t id = 0;
    const void *payload = NULL;
    size_t plen = 0;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_frame_parse(msg, sizeof(msg), &id, &payload, &plen, &err), AVROREG_OK);
    assert_int_equal(id, 42);
    assert_ptr_equal(payload, msg + 5);
    assert_int_equal(plen, 3);
}

static void frame_short_buffers(void **state)
{
    (void)state;
    const unsigned char msg[] = {0, 0, 0, 0, 7};
    for (size_t len = 0; len < AVROREG_HEADER_SIZE; len++) {
        int32_t id = -7;
        const void *payload = msg;
        size_t plen = 99;
        struct avroreg_error err = {0};
        assert_int_equal(avroreg_frame_parse(msg, len, &id, &payload, &plen, &err),
                         AVROREG_ERR_SHORT_BUFFER);
        assert_int_equal(err.code, AVROREG_ERR_SHORT_BUFFER);
        assert_true(err.message[0] != '\0');
        assert_int_equal(id, -7); /* outputs untouched on failure */
        assert_ptr_equal(payload, msg);
        assert_int_equal(plen, 99);
    }
    assert_int_equal(avroreg_frame_parse(NULL, 0, NULL, NULL, NULL, NULL),
                     AVROREG_ERR_SHORT_BUFFER);
}

static void frame_bad_magic(void **state)
{
    (void)state;
    const unsigned char magics[] = {1, 0xff};
    for (size_t i = 0; i < sizeof(magics); i++) {
        const unsigned char msg[] = {magics[i], 0, 0, 0, 1, 0};
        struct avroreg_error err = {0};
        int32_t id = -7;
        assert_int_equal(avroreg_frame_parse(msg, sizeof(msg), &id, NULL, NULL, &err),
                         AVROREG_ERR_BAD_MAGIC);
        assert_int_equal(err.code, AVROREG_ERR_BAD_MAGIC);
        assert_non_null(strstr(err.message, "magic"));
        assert_int_equal(id, -7);
    }
    /* A truncated message with a bad magic byte is short first. */
    const unsigned char bad[] = {0xff, 0};
    assert_int_equal(avroreg_frame_parse(bad, sizeof(bad), NULL, NULL, NULL, NULL),
                     AVROREG_ERR_SHORT_BUFFER);
}

static void frame_null_buffer(void **state)
{
    (void)state;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_frame_parse(NULL, 9, NULL, NULL, NULL, &err), AVROREG_ERR_ARG);
}

/* ---- errors, URL encoding --------------------------------------------------------------- */

static void strerror_distinct(void **state)
{
    (void)state;
    const char *seen[AVROREG_ERR_IO + 1];
    for (int c = AVROREG_OK; c <= AVROREG_ERR_IO; c++) {
        seen[c] = avroreg_strerror((enum avroreg_err)c);
        assert_non_null(seen[c]);
        for (int d = 0; d < c; d++)
            assert_string_not_equal(seen[c], seen[d]);
    }
    assert_string_equal(avroreg_strerror((enum avroreg_err)999), "unknown error");
    avroreg_free(NULL);
}

static void url_encoding(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", ""},
        {"abcXYZ019-._~", "abcXYZ019-._~"},
        {"a/b c+\xc3\xbc", "a%2Fb%20c%2B%C3%BC"},
        {"%?#&=:@!$'()*,;[]", "%25%3F%23%26%3D%3A%40%21%24%27%28%29%2A%2C%3B%5B%5D"},
        {"topic-value", "topic-value"},
        {"\x01\x7f\xff", "%01%7F%FF"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = avroreg_url_encode(cases[i][0]);
        assert_non_null(got);
        assert_string_equal(got, cases[i][1]);
        avroreg_free(got);
    }
    assert_null(avroreg_url_encode(NULL));
}

/* ---- schemas -------------------------------------------------------------------------- */

static struct avroreg_schema *parse_ok(const char *text)
{
    struct avroreg_schema *s = NULL;
    struct avroreg_error err = {0};
    enum avroreg_err rc = avroreg_schema_parse(text, strlen(text), &s, &err);
    if (rc != AVROREG_OK)
        fail_msg("cannot parse %s: %s", text, err.message);
    return s;
}

static void schema_parse(void **state)
{
    (void)state;
    struct avroreg_schema *s = parse_ok(RECORD);
    assert_string_equal(avroreg_schema_fullname(s), "com.acme.User");
    assert_string_equal(avroreg_schema_text(s), RECORD);
    avro_schema_t avro = avroreg_schema_avro(s);
    assert_non_null(avro);
    assert_true(is_avro_record(avro));
    assert_string_equal(avro_schema_name(avro), "User");
    assert_int_equal(avro_schema_record_size(avro), 2);
    avroreg_schema_free(s);

    s = parse_ok("\"long\"");
    assert_null(avroreg_schema_fullname(s));
    assert_string_equal(avroreg_schema_text(s), "\"long\"");
    assert_true(is_avro_int64(avroreg_schema_avro(s)));
    avroreg_schema_free(s);
    avroreg_schema_free(NULL);
}

/* Namespaces, nested and recursive named types, logical types and defaults:
 * what avro-c gets (the Parsing Canonical Form) must still make a schema. */
static void schema_parse_rich(void **state)
{
    (void)state;
    const char *text =
        "{\"type\":\"record\",\"name\":\"Node\",\"namespace\":\"a.b\",\"fields\":["
        "{\"name\":\"next\",\"type\":[\"null\",\"Node\"],\"default\":null},"
        "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"x\","
        "\"symbols\":[\"A\",\"B\"],\"default\":\"A\"}},"
        "{\"name\":\"e2\",\"type\":\"x.E\"},"
        "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
        "{\"name\":\"d\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
        "\"precision\":4,\"scale\":2}},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"fixed\","
        "\"name\":\"F\",\"size\":3}}}]}";
    struct avroreg_schema *s = parse_ok(text);
    assert_string_equal(avroreg_schema_fullname(s), "a.b.Node");
    assert_true(is_avro_record(avroreg_schema_avro(s)));
    assert_int_equal(avro_schema_record_size(avroreg_schema_avro(s)), 6);
    avroreg_schema_free(s);
}

/* Avro 1.11 names may use Unicode letters, which avro-c refuses: avro-c then
 * gets the same shape under made-up names. */
static void schema_unicode_names(void **state)
{
    (void)state;
    const char *text = "{\"type\":\"record\",\"name\":\"\xc3\x9cser\",\"fields\":["
                       "{\"name\":\"n\xc3\xa4me\",\"type\":\"string\"},"
                       "{\"name\":\"self\",\"type\":[\"null\",\"\xc3\x9cser\"]},"
                       "{\"name\":\"c\",\"type\":{\"type\":\"enum\",\"name\":\"\xc3\x89\","
                       "\"symbols\":[\"A\"]}},{\"name\":\"d\",\"type\":\"\xc3\x89\"}]}";
    struct avroreg_schema *s = parse_ok(text);
    assert_string_equal(avroreg_schema_fullname(s), "\xc3\x9cser");
    avro_schema_t avro = avroreg_schema_avro(s);
    assert_true(is_avro_record(avro));
    assert_int_equal(avro_schema_record_size(avro), 4);
    avro_schema_t self = avro_schema_record_field_get_by_index(avro, 1);
    assert_true(is_avro_union(self));
    assert_ptr_equal(avro_schema_link_target(avro_schema_union_branch(self, 1)), avro);
    avro_schema_t en = avro_schema_record_field_get_by_index(avro, 2);
    assert_true(is_avro_enum(en));
    assert_ptr_equal(avro_schema_link_target(avro_schema_record_field_get_by_index(avro, 3)), en);
    avroreg_schema_free(s);
}

static void schema_parse_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{",
        "\"nosuchtype\"",
        "{\"type\":\"record\",\"name\":\"R\"}",
        ("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
         "\"default\":\"x\"}]}"),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct avroreg_schema *s = NULL;
        struct avroreg_error err = {0};
        assert_int_equal(avroreg_schema_parse(bad[i], strlen(bad[i]), &s, &err),
                         AVROREG_ERR_INVALID_SCHEMA);
        assert_int_equal(err.code, AVROREG_ERR_INVALID_SCHEMA);
        assert_true(err.message[0] != '\0');
        assert_null(s);
    }
    struct avroreg_schema *s = NULL;
    assert_int_equal(avroreg_schema_parse(NULL, 0, &s, NULL), AVROREG_ERR_ARG);
}

/* ---- subject strategies -------------------------------------------------------------------- */

static void expect_subject(enum avroreg_subject_strategy st, const char *topic, bool is_key,
                           const struct avroreg_schema *schema, const char *want)
{
    char *got = NULL;
    struct avroreg_error err = {0};
    enum avroreg_err rc = avroreg_subject_name(st, topic, is_key, schema, &got, &err);
    if (rc != AVROREG_OK)
        fail_msg("strategy %d: %s", (int)st, err.message);
    assert_string_equal(got, want);
    avroreg_free(got);
}

static void expect_subject_error(enum avroreg_subject_strategy st, const char *topic,
                                 const struct avroreg_schema *schema)
{
    char *got = NULL;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_subject_name(st, topic, false, schema, &got, &err), AVROREG_ERR_ARG);
    assert_int_equal(err.code, AVROREG_ERR_ARG);
    assert_true(err.message[0] != '\0');
    assert_null(got);
}

static void subject_strategies(void **state)
{
    (void)state;
    struct avroreg_schema *rec = parse_ok(RECORD);
    struct avroreg_schema *en =
        parse_ok("{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"R\"]}");
    struct avroreg_schema *prim = parse_ok("\"string\"");
    expect_subject(AVROREG_TOPIC_NAME, "orders", false, rec, "orders-value");
    expect_subject(AVROREG_TOPIC_NAME, "orders", true, rec, "orders-key");
    expect_subject(AVROREG_TOPIC_NAME, "orders", false, NULL, "orders-value");
    expect_subject(AVROREG_TOPIC_NAME, "orders", false, prim, "orders-value");
    expect_subject(AVROREG_RECORD_NAME, "orders", false, rec, "com.acme.User");
    expect_subject(AVROREG_RECORD_NAME, NULL, true, rec, "com.acme.User");
    expect_subject(AVROREG_RECORD_NAME, NULL, false, en, "Color");
    expect_subject(AVROREG_TOPIC_RECORD_NAME, "orders", false, rec, "orders-com.acme.User");
    expect_subject(AVROREG_TOPIC_RECORD_NAME, "orders", true, rec, "orders-com.acme.User");
    expect_subject_error(AVROREG_RECORD_NAME, "orders", prim);
    expect_subject_error(AVROREG_TOPIC_RECORD_NAME, "orders", prim);
    expect_subject_error(AVROREG_RECORD_NAME, "orders", NULL);
    expect_subject_error(AVROREG_TOPIC_NAME, NULL, rec);
    expect_subject_error(AVROREG_TOPIC_RECORD_NAME, NULL, rec);
    expect_subject_error((enum avroreg_subject_strategy)42, "orders", rec);
    avroreg_schema_free(rec);
    avroreg_schema_free(en);
    avroreg_schema_free(prim);
}

static void client_new_arguments(void **state)
{
    (void)state;
    struct avroreg_client *c = NULL;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_client_new(NULL, &c, &err), AVROREG_ERR_ARG);
    struct avroreg_client_config cfg = {0};
    assert_int_equal(avroreg_client_new(&cfg, &c, &err), AVROREG_ERR_ARG);
    cfg.url = "";
    assert_int_equal(avroreg_client_new(&cfg, &c, &err), AVROREG_ERR_ARG);
    cfg.url = "http://127.0.0.1:1";
    cfg.timeout_ms = -1;
    assert_int_equal(avroreg_client_new(&cfg, &c, &err), AVROREG_ERR_ARG);
    assert_null(c);
    avroreg_client_free(NULL);
    assert_int_equal(avroreg_client_request_count(NULL), 0);
}

/* ---- the server ------------------------------------------------------------------------ */

static struct {
    pid_t pid;
    char dir[64];
    char url[64];
} srv;

static const char *server_binary(void)
{
    const char *bin = getenv("AVRO_REGISTRY_BIN");
    if (bin && bin[0])
        return bin;
    if (access("build/check/bin/avro-registry", X_OK) == 0)
        return "build/check/bin/avro-registry";
    return "bin/avro-registry";
}

/* A loopback port nobody listens on right now, or 0. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs the server binary with its output in the temporary folder. */
static pid_t spawn_server(const char *bin, int port)
{
    char port_s[16], db[96], log[96];
    snprintf(port_s, sizeof(port_s), "%d", port);
    snprintf(db, sizeof(db), "%s/registry.db", srv.dir);
    snprintf(log, sizeof(log), "%s/server.log", srv.dir);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    execl(bin, bin, "--listen", "127.0.0.1", "--port", port_s, "--db", db, "--log-level", "warn",
          (char *)NULL);
    _exit(127);
}

/* Polls GET /health/ready until 200; false when the server died or the time ran out. */
static bool wait_ready(void)
{
    struct avroreg_client_config cfg = {.url = srv.url, .timeout_ms = 1000};
    struct avroreg_client *c = NULL;
    if (avroreg_client_new(&cfg, &c, NULL) != AVROREG_OK)
        return false;
    bool ready = false;
    for (int waited = 0; waited < READY_TIMEOUT_MS && !ready; waited += 50) {
        long status = 0;
        char *body = NULL;
        if (avroreg_client_request(c, "GET", "/health/ready", NULL, &status, &body, NULL) ==
            AVROREG_OK)
            ready = status == 200;
        avroreg_free(body);
        if (!ready && waitpid(srv.pid, NULL, WNOHANG) != 0)
            break;
        if (!ready)
            sleep_ms(50);
    }
    avroreg_client_free(c);
    return ready;
}

static int start_server(void **state)
{
    (void)state;
    const char *bin = server_binary();
    if (access(bin, X_OK) != 0 || !tu_tempdir(srv.dir, sizeof(srv.dir), "avroreg-client-"))
        return -1;
    for (int attempt = 0; attempt < 3; attempt++) {
        int port = free_port();
        snprintf(srv.url, sizeof(srv.url), "http://127.0.0.1:%d", port);
        srv.pid = port ? spawn_server(bin, port) : -1;
        if (srv.pid > 0 && wait_ready())
            return 0;
        if (srv.pid > 0) {
            kill(srv.pid, SIGKILL);
            waitpid(srv.pid, NULL, 0);
        }
    }
    srv.pid = 0;
    tu_tempdir_remove(srv.dir);
    return -1;
}

static int stop_server(void **state)
{
    (void)state;
    int status = -1;
    if (srv.pid > 0) {
        kill(srv.pid, SIGTERM);
        while (waitpid(srv.pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    tu_tempdir_remove(srv.dir);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- the client against the server --------------------------------------------------------- */

static struct avroreg_client *client_for(const char *url)
{
    struct avroreg_client_config cfg = {.url = url, .timeout_ms = 10000};
    struct avroreg_client *c = NULL;
    struct avroreg_error err = {0};
    if (avroreg_client_new(&cfg, &c, &err) != AVROREG_OK)
        fail_msg("client: %s", err.message);
    return c;
}

static int32_t register_ok(struct avroreg_client *c, const char *subject, const char *schema)
{
    int32_t id = -1;
    struct avroreg_error err = {0};
    if (avroreg_client_register(c, subject, schema, &id, &err) != AVROREG_OK)
        fail_msg("register %s: %s", subject, err.message);
    return id;
}

static const struct avroreg_schema *get_by_id_ok(struct avroreg_client *c, int32_t id)
{
    const struct avroreg_schema *s = NULL;
    struct avroreg_error err = {0};
    if (avroreg_client_get_by_id(c, id, &s, &err) != AVROREG_OK)
        fail_msg("get_by_id %d: %s", (int)id, err.message);
    return s;
}

static void register_is_cached(void **state)
{
    (void)state;
    struct avroreg_client *c = client_for(srv.url);
    unsigned long n0 = avroreg_client_request_count(c);
    int32_t id = register_ok(c, "cache-value", RECORD);
    assert_true(id > 0);
    assert_int_equal(avroreg_client_request_count(c), n0 + 1);
    assert_int_equal(register_ok(c, "cache-value", RECORD), id);
    assert_int_equal(avroreg_client_request_count(c), n0 + 1);
    /* Another subject with the same schema: a request, and the same id. */
    assert_int_equal(register_ok(c, "cache2-value", RECORD), id);
    assert_int_equal(avroreg_client_request_count(c), n0 + 2);
    avroreg_client_free(c);
}

static void lookup(void **state)
{
    (void)state;
    struct avroreg_client *c = client_for(srv.url);
    int32_t id = register_ok(c, "lookup-value", record_of("L", "string"));
    int32_t got = 0, version = 0;
    struct avroreg_error err = {0};
    unsigned long n0 = avroreg_client_request_count(c);
    assert_int_equal(
        avroreg_client_lookup(c, "lookup-value", record_of("L", "string"), &got, &version, &err),
        AVROREG_OK);
    assert_int_equal(got, id);
    assert_int_equal(version, 1);
    assert_int_equal(avroreg_client_request_count(c), n0 + 1);
    got = 0;
    assert_int_equal(
        avroreg_client_lookup(c, "lookup-value", record_of("L", "string"), &got, NULL, &err),
        AVROREG_OK);
    assert_int_equal(got, id);
    assert_int_equal(avroreg_client_request_count(c), n0 + 1);

    assert_int_equal(
        avroreg_client_lookup(c, "lookup-value", record_of("L", "int"), &got, &version, &err),
        AVROREG_ERR_REGISTRY);
    assert_int_equal(err.registry_code, 40403);
    assert_int_equal(err.http_status, 404);
    assert_int_equal(avroreg_client_lookup(c, "no-such-subject", RECORD, &got, &version, &err),
                     AVROREG_ERR_REGISTRY);
    assert_int_equal(err.registry_code, 40401);
    avroreg_client_free(c);
}

static void get_by_id_is_cached(void **state)
{
    (void)state;
    struct avroreg_client *c = client_for(srv.url);
    int32_t id = register_ok(c, "byid-value", RECORD);
    unsigned long n0 = avroreg_client_request_count(c);
    const struct avroreg_schema *s = get_by_id_ok(c, id);
    assert_int_equal(avroreg_client_request_count(c), n0 + 1);
    assert_string_equal(avroreg_schema_text(s), RECORD);
    assert_string_equal(avroreg_schema_fullname(s), "com.acme.User");
    assert_non_null(avroreg_schema_avro(s));
    assert_ptr_equal(get_by_id_ok(c, id), s);
    assert_int_equal(avroreg_client_request_count(c), n0 + 1);
    avroreg_client_free(c);
}

static void unknown_id(void **state)
{
    (void)state;
    struct avroreg_client *c = client_for(srv.url);
    const struct avroreg_schema *s = NULL;
    struct avroreg_error err = {0};
    for (int i = 0; i < 2; i++) { /* errors are not cached */
        unsigned long n0 = avroreg_client_request_count(c);
        assert_int_equal(avroreg_client_get_by_id(c, 987654, &s, &err), AVROREG_ERR_UNKNOWN_ID);
        assert_int_equal(err.code, AVROREG_ERR_UNKNOWN_ID);
        assert_int_equal(err.registry_code, 40403);
        assert_int_equal(err.http_status, 404);
        assert_true(err.message[0] != '\0');
        assert_int_equal(avroreg_client_request_count(c), n0 + 1);
    }
    assert_int_equal(avroreg_client_get_by_id(c, -5, &s, NULL), AVROREG_ERR_UNKNOWN_ID);
    assert_null(s);
    avroreg_client_free(c);
}

static void expect_registry_error(enum avroreg_err rc, const struct avroreg_error *err,
                                  int registry_code, int http_status)
{
    assert_int_equal(rc, AVROREG_ERR_REGISTRY);
    assert_int_equal(err->code, AVROREG_ERR_REGISTRY);
    assert_int_equal(err->registry_code, registry_code);
    assert_int_equal(err->http_status, http_status);
    assert_true(err->message[0] != '\0');
}

static void registry_errors(void **state)
{
    (void)state;
    struct avroreg_client *c = client_for(srv.url);
    struct avroreg_error err = {0};
    int32_t id = 0, version = 0;
    const struct avroreg_schema *s = NULL;
    register_ok(c, "errors-value", record_of("E", "string"));
    enum avroreg_err rc =
        avroreg_client_register(c, "errors-value", record_of("E", "int"), &id, &err);
    expect_registry_error(rc, &err, 409, 409);
    rc = avroreg_client_register(c, "errors-value", "{\"type\":\"nope\"}", &id, &err);
    expect_registry_error(rc, &err, 42201, 422);
    rc = avroreg_client_get_version(c, "no-such-subject", -1, &id, &version, &s, &err);
    expect_registry_error(rc, &err, 40401, 404);
    rc = avroreg_client_get_version(c, "errors-value", 99, &id, &version, &s, &err);
    expect_registry_error(rc, &err, 40402, 404);
    rc = avroreg_client_get_version(c, "errors-value", 0, &id, &version, &s, &err);
    expect_registry_error(rc, &err, 42202, 422);
    assert_null(s);
    assert_int_equal(avroreg_client_register(c, "", RECORD, &id, &err), AVROREG_ERR_ARG);
    assert_int_equal(avroreg_client_register(c, "x", NULL, &id, &err), AVROREG_ERR_ARG);
    assert_int_equal(avroreg_client_register(c, "x", RECORD, NULL, &err), AVROREG_ERR_ARG);
    avroreg_client_free(c);
}

static void get_version(void **state)
{
    (void)state;
    struct avroreg_client *c = client_for(srv.url);
    int32_t id1 = register_ok(c, "ver-value", record_of("V", "string"));
    const char *v2 = "{\"type\":\"record\",\"name\":\"V\",\"fields\":[{\"name\":\"f\","
                     "\"type\":\"string\"},{\"name\":\"g\",\"type\":\"int\",\"default\":0}]}";
    int32_t id2 = register_ok(c, "ver-value", v2);
    int32_t id = 0, version = 0;
    const struct avroreg_schema *s = NULL;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_client_get_version(c, "ver-value", -1, &id, &version, &s, &err),
                     AVROREG_OK);
    assert_int_equal(id, id2);
    assert_int_equal(version, 2);
    assert_string_equal(avroreg_schema_text(s), v2);
    /* The schema is cached by id: get_by_id answers without a request. */
    unsigned long n0 = avroreg_client_request_count(c);
    assert_ptr_equal(get_by_id_ok(c, id2), s);
    assert_int_equal(avroreg_client_request_count(c), n0);
    /* Not cached itself: each call asks. */
    assert_int_equal(avroreg_client_get_version(c, "ver-value", 1, &id, &version, &s, &err),
                     AVROREG_OK);
    assert_int_equal(avroreg_client_request_count(c), n0 + 1);
    assert_int_equal(id, id1);
    assert_int_equal(version, 1);
    assert_string_equal(avroreg_schema_fullname(s), "V");
    assert_int_equal(avroreg_client_get_version(c, "ver-value", 1, NULL, NULL, NULL, &err),
                     AVROREG_OK);
    assert_int_equal(avroreg_client_request_count(c), n0 + 2);
    avroreg_client_free(c);
}

static bool contains(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void free_subjects(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        avroreg_free(v[i]);
    avroreg_free(v);
}

static void subjects(void **state)
{
    (void)state;
    struct avroreg_client *c = client_for(srv.url);
    register_ok(c, "subjects-a", record_of("SA", "string"));
    register_ok(c, "subjects-b", record_of("SB", "string"));
    char **v = NULL;
    size_t n = 0;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_client_subjects(c, &v, &n, &err), AVROREG_OK);
    assert_true(n >= 2);
    assert_true(contains(v, n, "subjects-a"));
    assert_true(contains(v, n, "subjects-b"));
    free_subjects(v, n);
    avroreg_client_free(c);
}

static void percent_encoded_subject(void **state)
{
    (void)state;
    const char *subject = "a/b c+\xc3\xbc";
    struct avroreg_client *c = client_for(srv.url);
    int32_t id = register_ok(c, subject, record_of("Enc", "string"));
    int32_t got = 0, version = 0;
    const struct avroreg_schema *s = NULL;
    struct avroreg_error err = {0};
    assert_int_equal(
        avroreg_client_lookup(c, subject, record_of("Enc", "string"), &got, &version, &err),
        AVROREG_OK);
    assert_int_equal(got, id);
    assert_int_equal(avroreg_client_get_version(c, subject, -1, &got, &version, &s, &err),
                     AVROREG_OK);
    assert_int_equal(got, id);
    assert_int_equal(version, 1);
    char **v = NULL;
    size_t n = 0;
    assert_int_equal(avroreg_client_subjects(c, &v, &n, &err), AVROREG_OK);
    assert_true(contains(v, n, subject));
    assert_false(contains(v, n, "a"));
    free_subjects(v, n);
    avroreg_client_free(c);
}

static const char *const ADDRESS =
    "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"com.acme\","
    "\"fields\":[{\"name\":\"street\",\"type\":\"string\"}]}";

/* Registers a Person using com.acme.Address from subject "address" by a raw
 * request (register() takes no references); returns its id. */
static int32_t register_person(struct avroreg_client *c)
{
    const char *body =
        "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Person\\\","
        "\\\"namespace\\\":\\\"com.acme\\\",\\\"fields\\\":[{\\\"name\\\":\\\"home\\\","
        "\\\"type\\\":\\\"com.acme.Address\\\"}]}\","
        "\"references\":[{\"name\":\"com.acme.Address\",\"subject\":\"address\",\"version\":1}]}";
    long status = 0;
    char *answer = NULL;
    struct avroreg_error err = {0};
    if (avroreg_client_request(c, "POST", "/subjects/person/versions", body, &status, &answer,
                               &err) != AVROREG_OK)
        fail_msg("register person: %s", err.message);
    /* The answer starts {"id":N, in 7.0's shape and 8.x's alike. */
    char *end = NULL;
    long id =
        status == 200 && strncmp(answer, "{\"id\":", 6) == 0 ? strtol(answer + 6, &end, 10) : 0;
    if (id <= 0 || (*end != '}' && *end != ','))
        fail_msg("register person: HTTP %ld %s", status, answer);
    avroreg_free(answer);
    return (int32_t)id;
}

static void references(void **state)
{
    (void)state;
    struct avroreg_client *c = client_for(srv.url);
    int32_t address = register_ok(c, "address", ADDRESS);
    int32_t person = register_person(c);
    avroreg_client_free(c);

    c = client_for(srv.url); /* empty caches */
    unsigned long n0 = avroreg_client_request_count(c);
    const struct avroreg_schema *s = get_by_id_ok(c, person);
    /* The id, then the referenced version. */
    assert_int_equal(avroreg_client_request_count(c), n0 + 2);
    assert_string_equal(avroreg_schema_fullname(s), "com.acme.Person");
    avro_schema_t avro = avroreg_schema_avro(s);
    assert_true(is_avro_record(avro));
    avro_schema_t home = avro_schema_record_field_get(avro, "home");
    assert_non_null(home);
    assert_true(is_avro_record(home));
    assert_string_equal(avro_schema_name(home), "Address");
    /* The referenced schema landed in the id cache too. */
    const struct avroreg_schema *a = get_by_id_ok(c, address);
    assert_int_equal(avroreg_client_request_count(c), n0 + 2);
    assert_string_equal(avroreg_schema_text(a), ADDRESS);
    /* By version: one request for the version (the schema is cached by id). */
    int32_t id = 0;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_client_get_version(c, "person", -1, &id, NULL, &s, &err), AVROREG_OK);
    assert_int_equal(id, person);
    assert_int_equal(avroreg_client_request_count(c), n0 + 3);
    avroreg_client_free(c);

    c = client_for(srv.url); /* by version first, with empty caches */
    assert_int_equal(avroreg_client_get_version(c, "person", 1, &id, NULL, &s, &err), AVROREG_OK);
    assert_string_equal(avroreg_schema_fullname(s), "com.acme.Person");
    assert_ptr_equal(get_by_id_ok(c, person), s);
    avroreg_client_free(c);
}

struct worker {
    struct avroreg_client *client;
    pthread_barrier_t *start;
    int index;
    int32_t shared_id, own_id, fetched_id;
    const struct avroreg_schema *shared, *own;
    enum avroreg_err rc;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    char subject[32], schema[160];
    snprintf(subject, sizeof(subject), "conc-%d", w->index);
    snprintf(schema, sizeof(schema),
             "{\"type\":\"record\",\"name\":\"Own%d\",\"fields\":[{\"name\":\"f\","
             "\"type\":\"long\"}]}",
             w->index);
    pthread_barrier_wait(w->start);
    w->rc = avroreg_client_get_by_id(w->client, w->fetched_id, &w->shared, NULL);
    if (w->rc == AVROREG_OK)
        w->rc = avroreg_client_register(w->client, "conc-shared", RECORD, &w->shared_id, NULL);
    if (w->rc == AVROREG_OK)
        w->rc = avroreg_client_register(w->client, subject, schema, &w->own_id, NULL);
    if (w->rc == AVROREG_OK)
        w->rc = avroreg_client_get_by_id(w->client, w->own_id, &w->own, NULL);
    return NULL;
}

struct fetcher {
    struct avroreg_client *client;
    pthread_barrier_t *start;
    int32_t id;
    const struct avroreg_schema *schema;
    enum avroreg_err rc;
};

static void *fetch(void *arg)
{
    struct fetcher *f = arg;
    pthread_barrier_wait(f->start);
    f->rc = avroreg_client_get_by_id(f->client, f->id, &f->schema, NULL);
    return NULL;
}

/* Threads wanting one id at once share one request and one schema. */
static void concurrent_get_by_id(void **state)
{
    (void)state;
    struct avroreg_client *c = client_for(srv.url);
    int32_t id = register_ok(c, "conc-once", record_of("Once", "double"));
    unsigned long n0 = avroreg_client_request_count(c);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    struct fetcher f[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        f[i] = (struct fetcher){.client = c, .start = &start, .id = id};
        assert_int_equal(pthread_create(&t[i], NULL, fetch, &f[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(f[i].rc, AVROREG_OK);
        assert_ptr_equal(f[i].schema, f[0].schema);
    }
    assert_string_equal(avroreg_schema_fullname(f[0].schema), "Once");
    assert_int_equal(avroreg_client_request_count(c), n0 + 1);
    avroreg_client_free(c);
}

/* get_by_id and register from many threads at once. */
static void concurrency(void **state)
{
    (void)state;
    struct avroreg_client *setup = client_for(srv.url);
    int32_t id = register_ok(setup, "conc-fetched", record_of("Conc", "boolean"));
    avroreg_client_free(setup);

    struct avroreg_client *c = client_for(srv.url);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.client = c, .start = &start, .index = i, .fetched_id = id};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < THREADS; i++) {
        char name[16];
        snprintf(name, sizeof(name), "Own%d", i);
        assert_int_equal(w[i].rc, AVROREG_OK);
        assert_ptr_equal(w[i].shared, w[0].shared);
        assert_int_equal(w[i].shared_id, w[0].shared_id);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(w[i].own_id, w[j].own_id);
        assert_string_equal(avroreg_schema_fullname(w[i].own), name);
    }
    assert_string_equal(avroreg_schema_fullname(w[0].shared), "Conc");
    /* One request for the shared id however many threads wanted it at once;
     * the shared register may race (up to one request per thread); each own
     * schema costs a register and a get_by_id. */
    unsigned long n = avroreg_client_request_count(c);
    assert_true(n >= 1 + 1 + 2 * THREADS);
    assert_true(n <= 1 + THREADS + 2 * THREADS);
    avroreg_client_free(c);
}

static void unreachable(void **state)
{
    (void)state;
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", free_port());
    struct avroreg_client *c = client_for(url);
    struct avroreg_error err = {0};
    const struct avroreg_schema *s = NULL;
    assert_int_equal(avroreg_client_get_by_id(c, 1, &s, &err), AVROREG_ERR_HTTP);
    assert_int_equal(err.code, AVROREG_ERR_HTTP);
    assert_int_equal(err.registry_code, 0);
    assert_int_equal(err.http_status, 0);
    assert_true(err.message[0] != '\0');
    int32_t id = 0;
    assert_int_equal(avroreg_client_register(c, "x", RECORD, &id, &err), AVROREG_ERR_HTTP);
    assert_int_equal(avroreg_client_request_count(c), 2);
    avroreg_client_free(c);
}

/* A server that accepts connections but never answers: the request gives up
 * after timeout_ms. */
static void timeout(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
    struct avroreg_client_config cfg = {.url = url, .timeout_ms = 200};
    struct avroreg_client *c = NULL;
    assert_int_equal(avroreg_client_new(&cfg, &c, NULL), AVROREG_OK);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char **v = NULL;
    size_t n = 0;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_client_subjects(c, &v, &n, &err), AVROREG_ERR_HTTP);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 150 && ms < 5000);
    assert_null(v);
    assert_true(err.message[0] != '\0');
    avroreg_client_free(c);
    close(fd);
}

/* Credentials (in the config, or user:pass@ in the URL) are sent; this
 * server ignores them. A trailing slash on the URL is harmless. */
static void credentials_and_raw_requests(void **state)
{
    (void)state;
    char url[96];
    snprintf(url, sizeof(url), "http://u:p@%s/", srv.url + strlen("http://"));
    struct avroreg_client_config cfg = {.url = url, .username = "user", .password = "secret"};
    struct avroreg_client *c = NULL;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_client_new(&cfg, &c, &err), AVROREG_OK);
    long status = 0;
    char *body = NULL;
    assert_int_equal(avroreg_client_request(c, "GET", "config", NULL, &status, &body, &err),
                     AVROREG_OK);
    assert_int_equal(status, 200);
    assert_non_null(strstr(body, "compatibilityLevel"));
    avroreg_free(body);
    assert_int_equal(
        avroreg_client_request(c, "GET", "/subjects/nope/versions", NULL, &status, &body, &err),
        AVROREG_OK);
    assert_int_equal(status, 404);
    assert_non_null(strstr(body, "40401"));
    avroreg_free(body);
    avroreg_client_free(c);
}

int main(void)
{
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(frame_header_bytes),   cmocka_unit_test(frame_payload_is_borrowed),
        cmocka_unit_test(frame_short_buffers),  cmocka_unit_test(frame_bad_magic),
        cmocka_unit_test(frame_null_buffer),    cmocka_unit_test(strerror_distinct),
        cmocka_unit_test(url_encoding),         cmocka_unit_test(schema_parse),
        cmocka_unit_test(schema_parse_rich),    cmocka_unit_test(schema_unicode_names),
        cmocka_unit_test(schema_parse_errors),  cmocka_unit_test(subject_strategies),
        cmocka_unit_test(client_new_arguments),
    };
    const struct CMUnitTest online[] = {
        cmocka_unit_test(register_is_cached),
        cmocka_unit_test(lookup),
        cmocka_unit_test(get_by_id_is_cached),
        cmocka_unit_test(unknown_id),
        cmocka_unit_test(registry_errors),
        cmocka_unit_test(get_version),
        cmocka_unit_test(subjects),
        cmocka_unit_test(percent_encoded_subject),
        cmocka_unit_test(references),
        cmocka_unit_test(concurrent_get_by_id),
        cmocka_unit_test(concurrency),
        cmocka_unit_test(unreachable),
        cmocka_unit_test(timeout),
        cmocka_unit_test(credentials_and_raw_requests),
    };
    int failed = cmocka_run_group_tests_name("client offline", offline, NULL, NULL);
    failed += cmocka_run_group_tests_name("client against avro-registry", online, start_server,
                                          stop_server);
    return failed ? 1 : 0;
}

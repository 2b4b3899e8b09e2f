/*
 * test_router.c - server/router.c and the socket-free parts of server/http.c:
 * route matching (every route of sr_routes, trailing slash, HEAD), path
 * percent-decoding (%2F, '+', malformed escapes, invalid UTF-8, NUL),
 * 404 vs 405, content-type and Accept negotiation, and sr_http_dispatch()
 * with a table of test handlers (query decoding, error bodies, media types).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/handlers.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/reply.h"
#include "server/router.h"
#include "server/server.h"

/* ---- helpers ------------------------------------------------------------ */

struct matched {
    enum sr_err rc;
    struct sr_route_match m;
    char scratch[512];
    struct sr_error err;
};

static void match(const char *method, const char *path, struct matched *out)
{
    memset(out, 0, sizeof *out);
    assert_true(sr_router_scratch_size(path) <= sizeof out->scratch);
    out->rc = sr_router_match(sr_routes, method, path, out->scratch, sizeof out->scratch, &out->m,
                              &out->err);
}

/* Asserts that method+path reaches handler with the given params. */
static void expect_route(const char *method, const char *path, sr_handler_fn handler,
                         size_t nparams, ...)
{
    struct matched r;
    match(method, path, &r);
    if (r.rc != SR_OK)
        fail_msg("%s %s: %s (%s)", method, path, sr_error_name(r.rc), r.err.message);
    assert_ptr_equal(r.m.route->handler, handler);
    assert_int_equal(r.m.param_count, nparams);
    va_list ap;
    va_start(ap, nparams);
    for (size_t i = 0; i < nparams; i++)
        assert_string_equal(r.m.params[i], va_arg(ap, const char *));
    va_end(ap);
}

static void expect_error(const char *method, const char *path, enum sr_err code)
{
    struct matched r;
    match(method, path, &r);
    if (r.rc != code)
        fail_msg("%s %s: got %s, want %s", method, path, sr_error_name(r.rc), sr_error_name(code));
}

/* The pattern with every {param} replaced by value. */
static void instantiate(const char *pattern, const char *value, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + strlen(value) + 1 < cap;) {
        if (*p == '{') {
            o += (size_t)snprintf(out + o, cap - o, "%s", value);
            p = strchr(p, '}') + 1;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

/* ---- matching ----------------------------------------------------------- */

/* Every route is reached by its own method and a concrete path, with and
 * without a trailing slash. */
static void test_every_route_matches(void **state)
{
    (void)state;
    size_t n = 0;
    for (const struct sr_route *r = sr_routes; r->method; r++, n++) {
        char path[256], slashed[260];
        instantiate(r->pattern, "p1", path, sizeof path);
        snprintf(slashed, sizeof slashed, "%s/", path);
        struct matched m;
        match(r->method, path, &m);
        assert_int_equal(m.rc, SR_OK);
        assert_ptr_equal(m.m.route, r);
        assert_int_equal(m.m.route_index, n);
        if (strcmp(path, "/") != 0) {
            match(r->method, slashed, &m);
            assert_int_equal(m.rc, SR_OK);
            assert_ptr_equal(m.m.route, r);
        }
    }
    assert_true(n > 30);
}

static void test_specific_routes(void **state)
{
    (void)state;
    expect_route("GET", "/", sr_h_root_get, 0);
    expect_route("POST", "/", sr_h_root_post, 0);
    expect_route("GET", "/schemas/types", sr_h_schema_types, 0);
    expect_route("GET", "/schemas/ids/42", sr_h_schema_by_id, 1, "42");
    expect_route("GET", "/schemas/ids/42/schema", sr_h_schema_by_id_raw, 1, "42");
    expect_route("POST", "/subjects/orders-value", sr_h_subject_lookup, 1, "orders-value");
    expect_route("POST", "/subjects/orders-value/versions", sr_h_versions_register, 1,
                 "orders-value");
    expect_route("GET", "/subjects/orders-value/versions/latest", sr_h_version_get, 2,
                 "orders-value", "latest");
    expect_route("GET", "/subjects/s/versions/3/referencedby", sr_h_version_referenced_by, 2, "s",
                 "3");
    expect_route("POST", "/compatibility/subjects/s/versions/", sr_h_compat_all, 1, "s");
    expect_route("POST", "/compatibility/subjects/s/versions/latest", sr_h_compat_version, 2, "s",
                 "latest");
    expect_route("PUT", "/config/s", sr_h_config_subject_put, 1, "s");
    expect_route("DELETE", "/mode", sr_h_mode_global_delete, 0);
    expect_route("GET", "/metrics", sr_h_metrics_get, 0);
    /* HEAD is served by the GET route */
    expect_route("HEAD", "/schemas/ids/7", sr_h_schema_by_id, 1, "7");
    /* static segments match once decoded */
    expect_route("GET", "/subj%65cts", sr_h_subjects_list, 0);
}

static void test_percent_decoding(void **state)
{
    (void)state;
    expect_route("GET", "/subjects/a%2Fb/versions", sr_h_versions_list, 1, "a/b");
    expect_route("GET", "/subjects/a%2fb%2F/versions/1", sr_h_version_get, 2, "a/b/", "1");
    expect_route("GET", "/subjects/a+b/versions", sr_h_versions_list, 1, "a+b");
    expect_route("GET", "/subjects/a%2Bb/versions", sr_h_versions_list, 1, "a+b");
    expect_route("GET", "/subjects/a%20b/versions", sr_h_versions_list, 1, "a b");
    expect_route("GET", "/subjects/%3A.ctx%3Asubj/versions", sr_h_versions_list, 1, ":.ctx:subj");
    expect_route("GET", "/subjects/caf%C3%A9/versions", sr_h_versions_list, 1, "caf\xc3\xa9");
    expect_route("GET", "/subjects/%2A/versions", sr_h_versions_list, 1, "*");
    expect_route("GET", "/subjects/%25/versions", sr_h_versions_list, 1, "%");
    expect_route("GET", "/subjects/%2F/versions/%2F", sr_h_version_get, 2, "/", "/");
}

static void test_not_found_vs_not_allowed(void **state)
{
    (void)state;
    expect_error("GET", "/nope", SR_ERR_NOT_FOUND);
    expect_error("GET", "/subjects/s/nope", SR_ERR_NOT_FOUND);
    expect_error("GET", "/subjects//versions", SR_ERR_NOT_FOUND);
    expect_error("GET", "/subjects/s/versions//", SR_ERR_NOT_FOUND);
    expect_error("GET", "//subjects", SR_ERR_NOT_FOUND);
    expect_error("GET", "", SR_ERR_NOT_FOUND);
    expect_error("GET", "*", SR_ERR_NOT_FOUND);
    expect_error("GET", "/schemas/ids", SR_ERR_NOT_FOUND);
    expect_error("GET", "/subjectsx", SR_ERR_NOT_FOUND);
    expect_error("PUT", "/subjects", SR_ERR_METHOD_NOT_ALLOWED);
    expect_error("PATCH", "/config", SR_ERR_METHOD_NOT_ALLOWED);
    expect_error("OPTIONS", "/schemas/ids/1", SR_ERR_METHOD_NOT_ALLOWED);
    expect_error("HEAD", "/compatibility/subjects/s/versions", SR_ERR_METHOD_NOT_ALLOWED);

    /* a 405 names a route with the same path, for the metrics label */
    struct matched r;
    match("PUT", "/subjects/x/versions/", &r);
    assert_int_equal(r.rc, SR_ERR_METHOD_NOT_ALLOWED);
    assert_string_equal(r.m.route->pattern, "/subjects/{subject}/versions");
    assert_string_equal(r.err.message, "HTTP 405 Method Not Allowed");
    match("GET", "/x", &r);
    assert_null(r.m.route);
    assert_int_equal(r.m.route_index, SIZE_MAX);
    assert_string_equal(r.err.message, "HTTP 404 Not Found");
}

static void test_bad_parameters(void **state)
{
    (void)state;
    expect_error("GET", "/subjects/%ff/versions", SR_ERR_INVALID_SUBJECT);
    expect_error("POST", "/subjects/a%00b/versions", SR_ERR_INVALID_SUBJECT);
    expect_error("GET", "/subjects/%C0%AF/versions", SR_ERR_INVALID_SUBJECT); /* overlong '/' */
    expect_error("GET", "/subjects/%ED%A0%80", SR_ERR_METHOD_NOT_ALLOWED);    /* routed first */
    expect_error("POST", "/subjects/%ED%A0%80", SR_ERR_INVALID_SUBJECT);      /* surrogate */
    expect_error("GET", "/subjects/s/versions/%ff", SR_ERR_INVALID_VERSION);
    expect_error("GET", "/schemas/ids/%00", SR_ERR_NOT_FOUND);
    expect_error("GET", "/subjects/a%zz/versions", SR_ERR_BAD_REQUEST);
    expect_error("GET", "/subjects/a%2/versions", SR_ERR_BAD_REQUEST);
    expect_error("GET", "/subjects/a%/versions", SR_ERR_BAD_REQUEST);
    /* a malformed escape in a static position just does not match */
    expect_error("GET", "/subj%zzects", SR_ERR_NOT_FOUND);
}

static void test_scratch_too_small(void **state)
{
    (void)state;
    char scratch[4];
    struct sr_route_match m;
    struct sr_error err = {0};
    assert_int_equal(sr_router_match(sr_routes, "GET", "/subjects/long-name/versions", scratch,
                                     sizeof scratch, &m, &err),
                     SR_ERR_INTERNAL);
}

static void test_percent_decode_function(void **state)
{
    (void)state;
    char out[32];
    size_t n;
    assert_true(sr_percent_decode("a%41%62+c", 9, out, &n));
    assert_int_equal(n, 5);
    assert_memory_equal(out, "aAb+c", 5);
    assert_true(sr_percent_decode("%00", 3, out, &n));
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 0);
    assert_false(sr_percent_decode("%g0", 3, out, &n));
    assert_false(sr_percent_decode("%0", 2, out, &n));
    assert_true(sr_percent_decode("", 0, out, &n));
    assert_int_equal(n, 0);
    char inplace[] = "x%2Fy";
    assert_true(sr_percent_decode(inplace, 5, inplace, &n));
    assert_memory_equal(inplace, "x/y", 3);
}

static void test_utf8_validation(void **state)
{
    (void)state;
    assert_true(sr_utf8_valid("", 0));
    assert_true(sr_utf8_valid("plain", 5));
    assert_true(sr_utf8_valid("\xc3\xa9", 2));         /* é */
    assert_true(sr_utf8_valid("\xe2\x82\xac", 3));     /* € */
    assert_true(sr_utf8_valid("\xf0\x9f\x98\x80", 4)); /* U+1F600 */
    assert_true(sr_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
    assert_false(sr_utf8_valid("\xff", 1));
    assert_false(sr_utf8_valid("\xc3", 1));             /* truncated */
    assert_false(sr_utf8_valid("\xc1\xbf", 2));         /* overlong */
    assert_false(sr_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    assert_false(sr_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(sr_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(sr_utf8_valid("\xf0\x9f\x98", 3));     /* truncated */
    assert_false(sr_utf8_valid("a\x80", 2));            /* lone continuation */
}

/* ---- negotiation -------------------------------------------------------- */

static void test_content_type(void **state)
{
    (void)state;
    assert_true(sr_http_content_type_ok(NULL));
    assert_true(sr_http_content_type_ok(""));
    assert_true(sr_http_content_type_ok("  "));
    assert_true(sr_http_content_type_ok("application/vnd.schemaregistry.v1+json"));
    assert_true(sr_http_content_type_ok("application/vnd.schemaregistry+json"));
    assert_true(sr_http_content_type_ok("application/json"));
    assert_true(sr_http_content_type_ok("application/octet-stream"));
    assert_true(sr_http_content_type_ok("application/json; charset=utf-8"));
    assert_true(sr_http_content_type_ok("Application/JSON;charset=UTF-8"));
    assert_true(sr_http_content_type_ok(" application/vnd.schemaregistry.v1+json ; x=y"));
    assert_false(sr_http_content_type_ok("text/plain"));
    assert_false(sr_http_content_type_ok("application/x-www-form-urlencoded"));
    assert_false(sr_http_content_type_ok("application/jsonx"));
    assert_false(sr_http_content_type_ok("application/*"));
    assert_false(sr_http_content_type_ok("*/*"));
}

static void test_accept(void **state)
{
    (void)state;
    assert_int_equal(sr_http_negotiate(NULL), SR_MEDIA_V1);
    assert_int_equal(sr_http_negotiate(""), SR_MEDIA_V1);
    assert_int_equal(sr_http_negotiate(" "), SR_MEDIA_V1);
    assert_int_equal(sr_http_negotiate("*/*"), SR_MEDIA_V1);
    assert_int_equal(sr_http_negotiate("application/*"), SR_MEDIA_V1);
    assert_int_equal(sr_http_negotiate("application/json"), SR_MEDIA_JSON);
    assert_int_equal(sr_http_negotiate("application/vnd.schemaregistry+json"), SR_MEDIA_SR);
    assert_int_equal(sr_http_negotiate("application/vnd.schemaregistry.v1+json"), SR_MEDIA_V1);
    assert_int_equal(sr_http_negotiate("APPLICATION/JSON"), SR_MEDIA_JSON);
    assert_int_equal(sr_http_negotiate("application/json; charset=utf-8"), SR_MEDIA_JSON);
    /* the client's q first */
    assert_int_equal(
        sr_http_negotiate("application/json;q=0.9, application/vnd.schemaregistry.v1+json;q=0.5"),
        SR_MEDIA_JSON);
    assert_int_equal(sr_http_negotiate("application/json;q=0.4, */*;q=0.5"), SR_MEDIA_V1);
    /* equal q: the more specific range, then our preference */
    assert_int_equal(sr_http_negotiate("application/json, */*"), SR_MEDIA_JSON);
    assert_int_equal(sr_http_negotiate("application/json, application/vnd.schemaregistry+json"),
                     SR_MEDIA_SR);
    /* q=0 excludes, even when a wildcard would allow it */
    assert_int_equal(sr_http_negotiate("application/vnd.schemaregistry.v1+json;q=0, */*"),
                     SR_MEDIA_SR);
    assert_int_equal(sr_http_negotiate("application/json;q=0"), SR_MEDIA_NONE);
    /* nothing we produce */
    assert_int_equal(sr_http_negotiate("text/html"), SR_MEDIA_NONE);
    assert_int_equal(sr_http_negotiate("text/*, image/png"), SR_MEDIA_NONE);
    assert_int_equal(sr_http_negotiate("application/xml"), SR_MEDIA_NONE);
    /* browsers, and Java's HttpURLConnection default (lone "*", q=.2) */
    assert_int_equal(sr_http_negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,"
                                       "*/*;q=0.8"),
                     SR_MEDIA_V1);
    assert_int_equal(sr_http_negotiate("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"),
                     SR_MEDIA_V1);
    /* a malformed q drops that range */
    assert_int_equal(sr_http_negotiate("application/json;q=x"), SR_MEDIA_NONE);
    assert_int_equal(sr_http_negotiate("application/json;q=2, */*;q=0.1"), SR_MEDIA_V1);
    assert_string_equal(sr_media_name(SR_MEDIA_JSON), "application/json");
    assert_string_equal(sr_media_name(SR_MEDIA_NONE), "application/vnd.schemaregistry.v1+json");
}

/* ---- dispatch ----------------------------------------------------------- */

/* Echoes params and two query values as JSON. */
static enum sr_err h_echo(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    json_t *params = json_array();
    for (size_t i = 0; i < req->param_count; i++)
        json_array_append_new(params, json_string(req->params[i]));
    const char *q = sr_request_query(req, "q");
    const char *again = sr_request_query(req, "q");
    if (q && again && strcmp(q, again) != 0)
        return sr_errorf(err, SR_ERR_INTERNAL, "query lookups disagree");
    return sr_reply_json(resp,
                         json_pack("{s:o,s:s*,s:b,s:s,s:I}", "params", params, "q", q, "flag",
                                   sr_request_query_bool(req, "flag"), "method", req->method,
                                   "body_len", (json_int_t)req->body_len),
                         err);
}

static enum sr_err h_fail(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    (void)req;
    /* a body left behind must not leak or be sent */
    assert_int_equal(sr_reply_text(resp, "partial", 7, err), SR_OK);
    return sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject 'x' not found.");
}

static enum sr_err h_fail_quietly(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err)
{
    (void)req;
    (void)resp;
    (void)err;
    return SR_ERR_VERSION_NOT_FOUND; /* no message: the table's default */
}

static enum sr_err h_raw(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    (void)req;
    enum sr_err rc = sr_reply_text(resp, "\"string\"", 8, err);
    resp->content_type = "text/x-test";
    return rc;
}

static enum sr_err h_empty(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    (void)req;
    (void)err;
    resp->status = 204;
    return SR_OK;
}

static const struct sr_route test_routes[] = {
    {"GET", "/echo/{a}/{b}", h_echo, SR_ACCESS_OPEN},
    {"POST", "/echo/{a}/{b}", h_echo, SR_ACCESS_OPEN},
    {"GET", "/fail", h_fail, SR_ACCESS_OPEN},
    {"GET", "/quiet", h_fail_quietly, SR_ACCESS_OPEN},
    {"GET", "/raw", h_raw, SR_ACCESS_OPEN},
    {"DELETE", "/empty", h_empty, SR_ACCESS_OPEN},
    {"GET", "/metrics", sr_h_metrics_get, SR_ACCESS_OPEN},
    {NULL, NULL, NULL, SR_ACCESS_UNSET},
};

/* Query parameters from a "k=v&k2=v2" string, as libmicrohttpd hands them
 * over ('+' already a space, '%' escapes kept). */
static const char *fake_query(void *cls, const char *key)
{
    static char value[128];
    const char *q = cls;
    size_t klen = strlen(key);
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        if (len > klen && strncmp(q, key, klen) == 0 && q[klen] == '=') {
            snprintf(value, sizeof value, "%.*s", (int)(len - klen - 1), q + klen + 1);
            for (char *p = value; *p; p++)
                if (*p == '+')
                    *p = ' ';
            return value;
        }
        q = amp ? amp + 1 : NULL;
    }
    return NULL;
}

struct dispatched {
    struct sr_response resp;
    size_t route_index;
};

static void dispatch(const char *method, const char *path, const char *query,
                     const char *content_type, const char *accept, const char *body,
                     struct dispatched *out)
{
    static struct sr_server srv; /* no store, no registry, no metrics */
    struct sr_http_input in = {
        .method = method,
        .path = path,
        .content_type = content_type,
        .accept = accept,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .query = query ? fake_query : NULL,
        .query_cls = (void *)query,
    };
    memset(out, 0, sizeof *out);
    sr_http_dispatch(&srv, test_routes, &in, &out->resp, &out->route_index);
    assert_int_not_equal(out->resp.status, 0);
    assert_non_null(out->resp.content_type);
}

static void expect_body(struct dispatched *d, int status, const char *content_type,
                        const char *body)
{
    assert_int_equal(d->resp.status, status);
    assert_string_equal(d->resp.content_type, content_type);
    if (body) {
        assert_non_null(d->resp.body);
        assert_string_equal(d->resp.body, body);
        assert_int_equal(d->resp.body_len, strlen(body));
    } else {
        assert_int_equal(d->resp.body_len, 0);
    }
    sr_response_release(&d->resp);
}

#define V1 "application/vnd.schemaregistry.v1+json"

static void test_dispatch_success(void **state)
{
    (void)state;
    struct dispatched d;
    dispatch("GET", "/echo/a%2Fb/c+d", "q=x%26y+z&flag=TRUE", NULL, NULL, NULL, &d);
    expect_body(&d, 200, V1,
                "{\"params\":[\"a/b\",\"c+d\"],\"q\":\"x&y z\",\"flag\":true,\"method\":\"GET\","
                "\"body_len\":0}");
    assert_int_equal(d.route_index, 0);

    dispatch("HEAD", "/echo/1/2/", "flag=yes", "", "application/json", NULL, &d);
    expect_body(&d, 200, "application/json",
                "{\"params\":[\"1\",\"2\"],\"flag\":false,\"method\":\"GET\",\"body_len\":0}");

    dispatch("POST", "/echo/1/2", "q=%zz", "application/json; charset=utf-8", "*/*", "{}", &d);
    expect_body(&d, 200, V1,
                "{\"params\":[\"1\",\"2\"],\"q\":\"%zz\",\"flag\":false,\"method\":\"POST\","
                "\"body_len\":2}");
    assert_int_equal(d.route_index, 1);

    dispatch("GET", "/raw", NULL, NULL, NULL, NULL, &d);
    expect_body(&d, 200, "text/x-test", "\"string\"");

    dispatch("DELETE", "/empty", NULL, NULL, NULL, NULL, &d);
    expect_body(&d, 204, V1, NULL);
}

static void test_dispatch_errors(void **state)
{
    (void)state;
    struct dispatched d;
    dispatch("GET", "/nowhere", NULL, NULL, NULL, NULL, &d);
    expect_body(&d, 404, V1, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
    assert_int_equal(d.route_index, SR_METRICS_UNMATCHED);

    dispatch("PUT", "/echo/a/b", NULL, NULL, NULL, NULL, &d);
    expect_body(&d, 405, V1, "{\"error_code\":405,\"message\":\"HTTP 405 Method Not Allowed\"}");
    assert_int_equal(d.route_index, 0);

    dispatch("POST", "/echo/a/b", NULL, "text/plain", NULL, "x", &d);
    expect_body(&d, 415, V1,
                "{\"error_code\":415,\"message\":\"HTTP 415 Unsupported Media Type\"}");

    dispatch("GET", "/echo/a/b", NULL, NULL, "text/html", NULL, &d);
    expect_body(&d, 406, V1, "{\"error_code\":406,\"message\":\"HTTP 406 Not Acceptable\"}");

    /* 404/405 win over media-type errors */
    dispatch("GET", "/nowhere", NULL, "text/plain", "text/html", NULL, &d);
    assert_int_equal(d.resp.status, 404);
    sr_response_release(&d.resp);

    dispatch("GET", "/fail", NULL, NULL, "application/json", NULL, &d);
    expect_body(&d, 404, "application/json",
                "{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}");

    dispatch("GET", "/quiet", NULL, NULL, NULL, NULL, &d);
    expect_body(&d, 404, V1, "{\"error_code\":40402,\"message\":\"Version not found.\"}");

    dispatch("GET", "/echo/%ff/b", NULL, NULL, NULL, NULL, &d);
    expect_body(&d, 404, V1, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
}

static void test_dispatch_long_path(void **state)
{
    (void)state;
    size_t n = 3000;
    char *path = malloc(n + 16);
    assert_non_null(path);
    memcpy(path, "/echo/", 7); /* its NUL goes under the x run */
    memset(path + 6, 'x', n);
    memcpy(path + 6 + n, "/%2F", 5);
    struct dispatched d;
    dispatch("GET", path, NULL, NULL, NULL, NULL, &d);
    assert_int_equal(d.resp.status, 200);
    assert_non_null(strstr(d.resp.body, "xxxx\",\"/\"]"));
    sr_response_release(&d.resp);
    free(path);
}

static void test_metrics_ignores_accept(void **state)
{
    (void)state;
    struct dispatched d;
    dispatch("GET", "/metrics", NULL, NULL, "text/plain", NULL, &d);
    assert_int_equal(d.resp.status, 200);
    assert_string_equal(d.resp.content_type, "text/plain; version=0.0.4");
    sr_response_release(&d.resp);
}

/* ---- reply helpers ------------------------------------------------------ */

static void test_reply_helpers(void **state)
{
    (void)state;
    struct sr_response r = {0};
    struct sr_error err = {0};

    sr_reply_error(&r, SR_ERR_INVALID_SCHEMA, "Invalid schema: \"x\"\n");
    assert_int_equal(r.status, 422);
    assert_string_equal(r.body,
                        "{\"error_code\":42201,\"message\":\"Invalid schema: \\\"x\\\"\\n\"}");

    sr_reply_error(&r, SR_ERR_INCOMPATIBLE, NULL); /* replaces (frees) the previous body */
    assert_int_equal(r.status, 409);
    assert_string_equal(r.body, "{\"error_code\":409,\"message\":\"Schema being registered is "
                                "incompatible with an earlier schema\"}");

    sr_reply_error(&r, SR_ERR_SUBJECT_NOT_FOUND, "Subject 'caf\xc3\xa9\xff' not found.");
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body,
                        "{\"error_code\":40401,\"message\":\"Subject 'caf\?\?\?' not found.\"}");

    assert_int_equal(sr_reply_json(&r, json_pack("{s:I}", "id", (json_int_t)7), &err), SR_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"id\":7}");
    assert_int_equal(r.body_len, 8);

    assert_int_equal(sr_reply_json(&r, NULL, &err), SR_ERR_NOMEM);

    struct sr_buf b = SR_BUF_INIT;
    sr_buf_adds(&b, "[1,2]");
    assert_int_equal(sr_reply_buf(&r, &b, &err), SR_OK);
    assert_string_equal(r.body, "[1,2]");
    assert_null(b.data);

    struct sr_buf empty = SR_BUF_INIT;
    assert_int_equal(sr_reply_buf(&r, &empty, &err), SR_OK);
    assert_string_equal(r.body, "");

    assert_int_equal(sr_reply_text(&r, "abc", 2, &err), SR_OK);
    assert_string_equal(r.body, "ab");

    sr_reply_take(&r, strdup("xyz"), 3);
    assert_string_equal(r.body, "xyz");
    sr_response_release(&r);
    assert_null(r.body);
    sr_response_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_matches),
        cmocka_unit_test(test_specific_routes),
        cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_not_found_vs_not_allowed),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_scratch_too_small),
        cmocka_unit_test(test_percent_decode_function),
        cmocka_unit_test(test_utf8_validation),
        cmocka_unit_test(test_content_type),
        cmocka_unit_test(test_accept),
        cmocka_unit_test(test_dispatch_success),
        cmocka_unit_test(test_dispatch_errors),
        cmocka_unit_test(test_dispatch_long_path),
        cmocka_unit_test(test_metrics_ignores_accept),
        cmocka_unit_test(test_reply_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

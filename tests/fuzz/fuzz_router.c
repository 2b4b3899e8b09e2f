/*
 * fuzz_router.c - libFuzzer harness for the request front of the server:
 * route matching and path percent-decoding (server/router.h) over the real
 * route table, and media-type checks (sr_http_content_type_ok,
 * sr_http_negotiate in server/http.h).
 *
 * Input: one byte choosing the method, then up to four lines: the raw path,
 * a Content-Type header, an Accept header and a query string. Each string is
 * copied into a buffer of exactly its size, so ASan sees any read past it.
 * The same request then goes through sr_http_dispatch() with a table of probe
 * handlers that read the query (sr_request_query decodes it).
 *
 * Checked, beyond the sanitizers:
 *   - sr_percent_decode never grows its input, decodes in place as it decodes
 *     out of place, and undoes an encoding of every byte;
 *   - a matched route has the method (or GET for HEAD), its parameters are
 *     NUL-terminated inside the scratch buffer, and a parameter is valid
 *     UTF-8 without NUL;
 *   - a path rebuilt from the route's pattern with each parameter encoded
 *     again matches the same route with the same parameters;
 *   - a rejected route (404/405) has no route for 404 and one for 405;
 *   - negotiation answers one of the known media types or SR_MEDIA_NONE;
 *   - a query value decodes the same twice; a dispatched request gets a
 *     status and a media type, and an error gets a {error_code, message} body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "server/http.h"
#include "server/request.h"
#include "server/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 8192

static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get", ""};

_Noreturn static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_router: %s: %s\n", what, detail ? detail : "");
    abort();
}

/* A heap copy of data[0..len) with a NUL, in a buffer of exactly len + 1 bytes. */
static char *copy(const uint8_t *data, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        abort();
    memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

static void check_decode(const char *in, size_t len)
{
    char *out = malloc(len ? len : 1);
    char *inplace = malloc(len ? len : 1);
    if (!out || !inplace)
        abort();
    memcpy(inplace, in, len);
    size_t n = SIZE_MAX, m = SIZE_MAX;
    bool ok = sr_percent_decode(in, len, out, &n);
    bool ok2 = sr_percent_decode(inplace, len, inplace, &m);
    if (ok != ok2 || (ok && (n != m || memcmp(out, inplace, n) != 0)))
        fail("decoding in place differs", in);
    if (ok && n > len)
        fail("decoding grew the text", in);
    if (ok) {
        /* every byte escaped decodes back to the same bytes */
        static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
        char *enc = malloc(n * 3 + 1);
        char *dec = malloc(n ? n : 1);
        if (!enc || !dec)
            abort();
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)out[i];
            enc[3 * i] = '%';
            enc[3 * i + 1] = lower[c >> 4];
            const char *digits = (i & 1) ? upper : lower; /* both cases must decode */
            enc[3 * i + 2] = digits[c & 15];
        }
        size_t k = SIZE_MAX;
        if (!sr_percent_decode(enc, n * 3, dec, &k) || k != n || memcmp(dec, out, n) != 0)
            fail("an encoding does not decode back", in);
        free(enc);
        free(dec);
    }
    free(out);
    free(inplace);
}

/* The path of route's pattern with params (decoded) encoded again. */
static char *rebuild(const char *pattern, const char *const *params)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t cap = strlen(pattern) + 1;
    for (size_t i = 0; i < SR_MAX_PATH_PARAMS && params[i]; i++)
        cap += 3 * strlen(params[i]);
    char *s = malloc(cap), *o = s;
    if (!s)
        abort();
    size_t k = 0;
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            *o++ = *p++;
            continue;
        }
        for (const unsigned char *q = (const unsigned char *)params[k++]; *q; q++) {
            bool plain = (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
                         (*q >= '0' && *q <= '9') || *q == '-' || *q == '.' || *q == '_' ||
                         *q == '~';
            if (plain) {
                *o++ = (char)*q;
            } else {
                *o++ = '%';
                *o++ = hex[*q >> 4];
                *o++ = hex[*q & 15];
            }
        }
        while (*p && *p != '}')
            p++;
        if (*p)
            p++;
    }
    *o = '\0';
    return s;
}

static void check_match(const char *method, const char *path)
{
    size_t need = sr_router_scratch_size(path);
    char *scratch = malloc(need);
    if (!scratch)
        abort();
    struct sr_route_match m;
    struct sr_error err = {0};
    enum sr_err rc = sr_router_match(sr_routes, method, path, scratch, need, &m, &err);
    if (rc == SR_OK) {
        if (!m.route || m.route != &sr_routes[m.route_index])
            fail("a match without its route", path);
        if (strcmp(m.route->method, method) != 0 &&
            !(strcmp(method, "HEAD") == 0 && strcmp(m.route->method, "GET") == 0))
            fail("a match with another method", path);
        if (m.param_count > SR_MAX_PATH_PARAMS)
            fail("too many parameters", path);
        const char *params[SR_MAX_PATH_PARAMS + 1] = {0};
        size_t braces = 0;
        for (const char *p = m.route->pattern; *p; p++)
            braces += *p == '{';
        if (braces != m.param_count)
            fail("parameter count differs from the pattern's", path);
        for (size_t i = 0; i < m.param_count; i++) {
            const char *p = m.params[i];
            if (p < scratch || p >= scratch + need)
                fail("a parameter outside the scratch buffer", path);
            size_t len = strnlen(p, (size_t)(scratch + need - p));
            if (p + len >= scratch + need)
                fail("a parameter without its NUL", path);
            if (len == 0)
                fail("an empty parameter", path);
            if (!sr_utf8_valid(p, len))
                fail("a parameter that is not UTF-8", path);
            params[i] = p;
        }
        char *again = rebuild(m.route->pattern, params);
        size_t need2 = sr_router_scratch_size(again);
        char *scratch2 = malloc(need2);
        if (!scratch2)
            abort();
        struct sr_route_match m2;
        if (sr_router_match(sr_routes, method, again, scratch2, need2, &m2, &err) != SR_OK)
            fail("the rebuilt path does not match", again);
        if (m2.route_index != m.route_index || m2.param_count != m.param_count)
            fail("the rebuilt path matches another route", again);
        for (size_t i = 0; i < m.param_count; i++)
            if (strcmp(m2.params[i], m.params[i]) != 0)
                fail("the rebuilt path has other parameters", again);
        free(scratch2);
        free(again);
    } else if (rc == SR_ERR_NOT_FOUND) {
        /* a parameter may be refused as 404 with its route found */
        if (m.route && m.route_index == SIZE_MAX)
            fail("a route without its index", path);
    } else if (rc == SR_ERR_METHOD_NOT_ALLOWED) {
        if (!m.route)
            fail("405 without the route that has the path", path);
    } else if (rc != SR_ERR_BAD_REQUEST && rc != SR_ERR_INVALID_SUBJECT &&
               rc != SR_ERR_INVALID_VERSION) {
        fail("an unexpected error", sr_error_name(rc));
    }
    free(scratch);
}

/* ---- the whole request front: sr_http_dispatch with query parameters ---- */

#define MAX_QUERY 8

/* Query parameters as libmicrohttpd hands them over: raw keys, values with
 * '+' turned into spaces and not percent-decoded. */
struct query {
    char *keys[MAX_QUERY], *values[MAX_QUERY];
    size_t count;
};

static const char *query_lookup(void *cls, const char *key)
{
    const struct query *q = cls;
    for (size_t i = 0; i < q->count; i++)
        if (strcmp(q->keys[i], key) == 0)
            return q->values[i];
    return NULL;
}

/* "k=v&k2=v2..." (its own copy, cut up in place) into q. */
static void query_parse(char *text, struct query *q)
{
    q->count = 0;
    for (char *item = text; item && q->count < MAX_QUERY;) {
        char *amp = strchr(item, '&');
        if (amp)
            *amp = '\0';
        char *eq = strchr(item, '=');
        if (eq)
            *eq = '\0';
        q->keys[q->count] = item;
        q->values[q->count] = eq ? eq + 1 : item + strlen(item);
        for (char *v = q->values[q->count]; *v; v++)
            if (*v == '+')
                *v = ' ';
        q->count++;
        item = amp ? amp + 1 : NULL;
    }
}

/* A handler that reads the query as the real ones do and answers with the
 * first parameter in an error message, as "Subject 'x' not found." does. */
static enum sr_err probe(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    static const char *const keys[] = {"deleted", "normalize", "subject", "q", ""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = sr_request_query(req, keys[i]);
        const char *again = sr_request_query(req, keys[i]);
        if ((v == NULL) != (again == NULL) || (v && strcmp(v, again) != 0))
            fail("a query value decodes differently twice", keys[i]);
    }
    (void)sr_request_query_bool(req, "deleted");
    if (req->param_count && req->params[0][0] == 'x')
        return sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", req->params[0]);
    resp->body = strdup("{}");
    resp->body_len = resp->body ? 2 : 0;
    return SR_OK;
}

static const struct sr_route probe_routes[] = {
    {"GET", "/", probe, SR_ACCESS_OPEN},
    {"GET", "/subjects/{subject}/versions/{version}", probe, SR_ACCESS_OPEN},
    {"POST", "/subjects/{subject}", probe, SR_ACCESS_OPEN},
    {"GET", "/schemas/ids/{id}", probe, SR_ACCESS_OPEN},
    {"DELETE", "/config/{subject}", probe, SR_ACCESS_OPEN},
    {NULL, NULL, NULL, SR_ACCESS_UNSET},
};

static void check_dispatch(const char *method, const char *path, const char *ctype,
                           const char *accept, char *query_text)
{
    struct query q;
    query_parse(query_text, &q);
    struct sr_http_input in = {
        .method = method,
        .path = path,
        .content_type = ctype[0] ? ctype : NULL,
        .accept = accept[0] ? accept : NULL,
        .body = "",
        .query = query_lookup,
        .query_cls = &q,
    };
    struct sr_response resp = {0};
    size_t route = 0;
    sr_http_dispatch(NULL, probe_routes, &in, &resp, &route);
    if (resp.status < 200 || !resp.content_type)
        fail("a response without status or media type", path);
    if (resp.status >= 400) {
        json_error_t jerr;
        json_t *doc = resp.body ? json_loadb(resp.body, resp.body_len, 0, &jerr) : NULL;
        if (!doc || !json_is_integer(json_object_get(doc, "error_code")) ||
            !json_is_string(json_object_get(doc, "message")))
            fail("an error body that is not {error_code, message}", resp.body);
        json_decref(doc);
    }
    free(resp.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_MAX_INPUT)
        return 0;
    const char *method = methods[data[0] % (sizeof methods / sizeof methods[0])];
    const uint8_t *p = data + 1, *end = data + size;
    const uint8_t *nl1 = memchr(p, '\n', (size_t)(end - p));
    const uint8_t *line2 = nl1 ? nl1 + 1 : end;
    const uint8_t *nl2 = memchr(line2, '\n', (size_t)(end - line2));
    const uint8_t *line3 = nl2 ? nl2 + 1 : end;
    const uint8_t *nl3 = memchr(line3, '\n', (size_t)(end - line3));
    const uint8_t *line4 = nl3 ? nl3 + 1 : end;

    char *path = copy(p, (size_t)((nl1 ? nl1 : end) - p));
    char *ctype = copy(line2, (size_t)((nl2 ? nl2 : end) - line2));
    char *accept = copy(line3, (size_t)((nl3 ? nl3 : end) - line3));
    char *query = copy(line4, (size_t)(end - line4));

    check_decode(path, strlen(path));
    (void)sr_utf8_valid(path, strlen(path));
    check_match(method, path);

    (void)sr_http_content_type_ok(ctype);
    enum sr_media media = sr_http_negotiate(accept);
    if (media != SR_MEDIA_NONE && (media < SR_MEDIA_V1 || media > SR_MEDIA_JSON))
        fail("negotiation answered an unknown media type", accept);
    (void)sr_media_name(media);
    if (sr_http_negotiate(NULL) != SR_MEDIA_V1 || !sr_http_content_type_ok(NULL))
        fail("a missing header is not the default", NULL);

    check_dispatch(method, path, ctype, accept, query);

    free(path);
    free(ctype);
    free(accept);
    free(query);
    return 0;
}

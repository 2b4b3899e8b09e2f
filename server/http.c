/*
 * http.c - the libmicrohttpd transport; see http.h.
 *
 * Hot path: a request without a body needs no per-request context and no
 * allocation beyond the response itself. Requests with a body get a small
 * context (struct upload) that collects the body up to the cap; it is freed
 * only in the completion callback. The daemon's unescape callback passes
 * text through untouched, so the router sees the raw path and can tell
 * "a%2Fb" from "a/b"; query values are percent-decoded here, on demand
 * (sr_request_query).
 */
#include "server/http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/deadline.h"
#include "server/access.h"
#include "server/alias.h"
#include "server/context.h"
#include "server/edge.h"
#include "server/handlers.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/reply.h"
#include "server/router.h"
#include "server/strict.h"
#include "server/ui.h"
#include "server/workq.h"

#define CONNECTION_TIMEOUT_S SR_IDLE_TIMEOUT_S
#define MAX_CONNECTIONS 16384u
#define SCRATCH_ON_STACK 512
#define FIRST_BODY_CHUNK 4096

/* ---- media types ------------------------------------------------------------ */

static const char *const media_names[] = {
    "application/vnd.schemaregistry.v1+json",
    "application/vnd.schemaregistry.v1+json",
    "application/vnd.schemaregistry+json",
    "application/json",
};

const char *sr_media_name(enum sr_media m)
{
    return (unsigned)m < sizeof media_names / sizeof media_names[0] ? media_names[m]
                                                                    : media_names[0];
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims s[0..*len) of spaces and tabs on both sides. */
static const char *trim(const char *s, size_t *len)
{
    while (*len > 0 && is_space(s[0])) {
        s++;
        (*len)--;
    }
    while (*len > 0 && is_space(s[*len - 1]))
        (*len)--;
    return s;
}

static bool token_equal(const char *s, size_t len, const char *name)
{
    return len == strlen(name) && strncasecmp(s, name, len) == 0;
}

/* The media type of one element "type/sub; p=v; ...": its trimmed text
 * before the first ';'. */
static const char *media_type_of(const char *s, size_t len, size_t *type_len)
{
    const char *semi = memchr(s, ';', len);
    *type_len = semi ? (size_t)(semi - s) : len;
    return trim(s, type_len);
}

bool sr_http_content_type_ok(const char *content_type)
{
    static const char *const accepted[] = {
        "application/vnd.schemaregistry.v1+json",
        "application/vnd.schemaregistry+json",
        "application/json",
        "application/octet-stream",
    };
    if (!content_type)
        return true;
    size_t len;
    const char *type = media_type_of(content_type, strlen(content_type), &len);
    if (len == 0)
        return true;
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
        if (token_equal(type, len, accepted[i]))
            return true;
    return false;
}

/* The q parameter of one Accept element (1 when absent); -1 when malformed. */
static double quality_of(const char *params, const char *end)
{
    while (params < end) {
        const char *next = memchr(params, ';', (size_t)(end - params));
        size_t len = (size_t)((next ? next : end) - params);
        const char *p = trim(params, &len);
        if (len >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            char text[16];
            size_t n = len - 2 < sizeof text - 1 ? len - 2 : sizeof text - 1;
            memcpy(text, p + 2, n);
            text[n] = '\0';
            char *stop;
            double q = strtod(text, &stop);
            if (stop == text || *stop || q < 0 || q > 1)
                return -1;
            return q;
        }
        params = next ? next + 1 : end;
    }
    return 1;
}

/* How specifically the range type[0..len) matches media m: 3 exact,
 * 2 "application/ *", 1 "* / *" (or a lone "*"), 0 not at all. */
static int specificity(const char *type, size_t len, enum sr_media m)
{
    if (token_equal(type, len, media_names[m]))
        return 3;
    if (token_equal(type, len, "application/*"))
        return 2;
    if (token_equal(type, len, "*/*") || token_equal(type, len, "*"))
        return 1;
    return 0;
}

/* The client's quality for m and the specificity of the range that gave it. */
static void client_preference(const char *accept, enum sr_media m, double *q_out, int *spec_out)
{
    const char *s = accept, *end = accept + strlen(accept);
    *q_out = 0;
    *spec_out = 0;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *elem_end = comma ? comma : end;
        size_t len;
        const char *type = media_type_of(s, (size_t)(elem_end - s), &len);
        int spec = specificity(type, len, m);
        if (spec > *spec_out) {
            const char *semi = memchr(s, ';', (size_t)(elem_end - s));
            double q = semi ? quality_of(semi + 1, elem_end) : 1;
            if (q >= 0) {
                *q_out = q;
                *spec_out = spec;
            }
        }
        s = comma ? comma + 1 : end;
    }
}

enum sr_media sr_http_negotiate(const char *accept)
{
    size_t len = accept ? strlen(accept) : 0;
    if (accept)
        trim(accept, &len);
    if (len == 0)
        return SR_MEDIA_V1;
    enum sr_media best = SR_MEDIA_NONE;
    double best_q = 0;
    int best_spec = 0;
    for (enum sr_media m = SR_MEDIA_V1; m <= SR_MEDIA_JSON; m++) {
        double q;
        int spec;
        client_preference(accept, m, &q, &spec);
        if (q <= 0)
            continue;
        if (best == SR_MEDIA_NONE || q > best_q || (q == best_q && spec > best_spec)) {
            best = m;
            best_q = q;
            best_spec = spec;
        }
    }
    return best;
}

/* ---- query parameters --------------------------------------------------------- */

/* A percent-decoded query value, kept until the request is done. */
struct decoded_value {
    struct decoded_value *next;
    char text[];
};

/* What sr_request.conn points at. */
struct query_state {
    sr_http_query_fn lookup;
    sr_http_query_fn header;
    sr_http_query_each_fn each;
    void *cls;
    struct decoded_value *decoded;
    const char *prefixed_key; /* a /contexts/{ctx}/ rewrite puts prefix before this one */
    const char *prefix;
};

/* a followed by b, kept until the request is done; NULL on OOM. */
static const char *keep_value(struct query_state *qs, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    struct decoded_value *v = malloc(sizeof *v + la + lb + 1);
    if (!v)
        return NULL;
    snprintf(v->text, la + lb + 1, "%s%s", a, b);
    v->next = qs->decoded;
    qs->decoded = v;
    return v->text;
}

static const char *query_value(struct query_state *qs, const char *key);

const char *sr_request_query(const struct sr_request *req, const char *key)
{
    struct query_state *qs = req->conn;
    if (!qs)
        return NULL;
    if (qs->prefixed_key && strcmp(key, qs->prefixed_key) == 0) {
        const char *given = query_value(qs, key);
        return keep_value(qs, qs->prefix, given ? given : "");
    }
    return query_value(qs, key);
}

static const char *decoded(struct query_state *qs, const char *raw);

static const char *query_value(struct query_state *qs, const char *key)
{
    if (!qs->lookup)
        return NULL;
    return decoded(qs, qs->lookup(qs->cls, key));
}

struct collected {
    struct query_state *qs;
    const char **out;
    size_t max, count;
};

static void collect(void *arg, const char *value)
{
    struct collected *c = arg;
    if (c->count < c->max)
        c->out[c->count] = decoded(c->qs, value);
    c->count++;
}

size_t sr_request_query_all(const struct sr_request *req, const char *key, const char **out,
                            size_t max)
{
    struct query_state *qs = req->conn;
    struct collected c = {qs, out, max, 0};
    if (qs && qs->each) {
        qs->each(qs->cls, key, collect, &c);
    } else {
        const char *one = qs ? query_value(qs, key) : NULL;
        if (one)
            collect(&c, one);
    }
    return c.count;
}

/* raw, percent-decoded and kept until the request is done. */
static const char *decoded(struct query_state *qs, const char *raw)
{
    if (!raw || !strchr(raw, '%'))
        return raw;
    size_t len = strlen(raw), n;
    struct decoded_value *v = malloc(sizeof *v + len + 1);
    if (!v)
        return raw;
    if (!sr_percent_decode(raw, len, v->text, &n)) {
        free(v); /* not an escape after all: the text as sent */
        return raw;
    }
    v->text[n] = '\0';
    v->next = qs->decoded;
    qs->decoded = v;
    return v->text;
}

bool sr_request_query_bool(const struct sr_request *req, const char *key)
{
    const char *v = sr_request_query(req, key);
    return v && strcasecmp(v, "true") == 0;
}

const char *sr_request_header(const struct sr_request *req, const char *name)
{
    struct query_state *qs = req->conn;
    return qs && qs->header ? qs->header(qs->cls, name) : NULL;
}

static void query_state_release(struct query_state *qs)
{
    while (qs->decoded) {
        struct decoded_value *next = qs->decoded->next;
        free(qs->decoded);
        qs->decoded = next;
    }
}

/* ---- dispatch ------------------------------------------------------------------- */

/* 415 and 406, after routing. */
static enum sr_err check_media(const struct sr_http_input *in, const struct sr_route *route,
                               enum sr_media *media, struct sr_error *err)
{
    if (!sr_http_content_type_ok(in->content_type))
        return sr_errorf(err, SR_ERR_UNSUPPORTED_MEDIA_TYPE, "%s",
                         sr_error_default_message(SR_ERR_UNSUPPORTED_MEDIA_TYPE));
    if (route->handler == sr_h_metrics_get || route->handler == sr_ui_get_index ||
        route->handler == sr_ui_get_asset)
        return SR_OK; /* text for Prometheus, files for the browser: whatever it accepts */
    *media = sr_http_negotiate(in->accept);
    if (*media == SR_MEDIA_NONE) {
        *media = SR_MEDIA_V1;
        return sr_errorf(err, SR_ERR_NOT_ACCEPTABLE, "%s",
                         sr_error_default_message(SR_ERR_NOT_ACCEPTABLE));
    }
    return SR_OK;
}

/* The request a handler sees; qs holds what its query lookups decode. */
static struct sr_request make_request(struct sr_server *srv, const struct sr_http_input *in,
                                      const struct sr_route_match *match,
                                      const struct sr_access *acc, struct query_state *qs)
{
    struct sr_request req = {
        .method = match->route->method,
        .path = in->path,
        .param_count = match->param_count,
        .body = in->body ? in->body : "",
        .body_len = in->body ? in->body_len : 0,
        .server = srv,
        .conn = qs,
        .access = acc,
    };
    memcpy(req.params, match->params, sizeof req.params);
    return req;
}

/* The error answer for in; a server error is logged with the request named
 * (its path cut short and stripped of control characters: it is the
 * client's text). */
static void reply_failure(const struct sr_http_input *in, enum sr_err code, const char *message,
                          struct sr_response *resp)
{
    char what[256];
    snprintf(what, sizeof(what), "%s %.200s", in->method, in->path);
    for (char *p = what; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    sr_reply_error_in(resp, code, message, what);
}

/*
 * One request on its way through dispatch, in three steps: begin (rewrite,
 * route, access, media), the handler, end (the error answer, the audit
 * line). The connection thread runs all three, or only the first when the
 * handler goes to a worker (http.c's glue below). It must stay where it is
 * between the steps: in points into it.
 */
struct dispatch {
    struct sr_error err;
    struct sr_route_match match;
    struct sr_access acc;
    enum sr_media media;
    struct sr_context_rewrite cx;
    struct sr_http_input rewritten;
    const struct sr_http_input *in;
    char *aliased;
    char *scratch;
    enum sr_err rc, routed;
    char stack_scratch[SCRATCH_ON_STACK];
};

static void dispatch_begin(struct sr_server *srv, const struct sr_route *routes,
                           const struct sr_http_input *given, struct dispatch *d,
                           struct sr_response *resp)
{
    d->match = (struct sr_route_match){.route_index = SR_METRICS_UNMATCHED};
    d->acc = (struct sr_access){0};
    d->media = SR_MEDIA_V1;
    d->aliased = NULL;
    sr_error_clear(&d->err);
    /* /contexts/{ctx}/... is the same request on qualified subjects: routing,
     * access checks and handlers all see the rewritten path. */
    d->rc = sr_context_rewrite(given->path, &d->cx, &d->err);
    d->rewritten = *given;
    if (d->cx.path)
        d->rewritten.path = d->cx.path;
    /* then subjects' aliases (alias.h) */
    if (d->rc == SR_OK && srv && srv->registry)
        d->rc = sr_alias_rewrite(srv->registry, d->rewritten.path, &d->aliased, &d->err);
    if (d->aliased)
        d->rewritten.path = d->aliased;
    d->in = &d->rewritten;
    size_t need = sr_router_scratch_size(d->in->path);
    d->scratch = need <= sizeof d->stack_scratch ? d->stack_scratch : malloc(need);
    if (d->rc == SR_OK && !d->scratch)
        d->rc = sr_errorf(&d->err, SR_ERR_NOMEM, "Out of memory");
    else if (d->rc == SR_OK)
        d->rc = sr_router_match(routes, d->in->method, d->in->path, d->scratch, need, &d->match,
                                &d->err);
    assert(d->rc != SR_OK || d->match.route);
    d->routed = d->rc;
    d->rc = sr_access_check(srv, d->in, &d->match, d->rc, &d->acc, resp, &d->err);
    if (d->rc == SR_OK && !d->acc.answered)
        d->rc = check_media(d->in, d->match.route, &d->media, &d->err);
}

/* Whether the handler is still to run. */
static bool dispatch_pending(const struct dispatch *d)
{
    return d->rc == SR_OK && !d->acc.answered;
}

/* Answers from memory what can be (a repeated registration); false when
 * the handler has to run. */
static bool dispatch_recall(struct sr_server *srv, struct dispatch *d, struct sr_response *resp)
{
    struct query_state qs = {d->in->query, d->in->header,   d->in->query_each, d->in->query_cls,
                             NULL,         d->cx.query_key, d->cx.prefix};
    struct sr_request req = make_request(srv, d->in, &d->match, &d->acc, &qs);
    bool answered = sr_h_recall(d->match.route, &req, resp);
    query_state_release(&qs);
    return answered;
}

static void dispatch_handle(struct sr_server *srv, struct dispatch *d, struct sr_response *resp)
{
    struct query_state qs = {d->in->query, d->in->header,   d->in->query_each, d->in->query_cls,
                             NULL,         d->cx.query_key, d->cx.prefix};
    struct sr_request req = make_request(srv, d->in, &d->match, &d->acc, &qs);
    d->rc = d->match.route->handler(&req, resp, &d->err);
    query_state_release(&qs);
}

static void dispatch_end(struct sr_server *srv, struct dispatch *d, struct sr_response *resp,
                         size_t *route_index_out)
{
    if (d->rc != SR_OK)
        reply_failure(d->in, d->rc, d->err.message, resp);
    if (!resp->content_type)
        resp->content_type = sr_media_name(d->media);
    if (resp->status == 0)
        resp->status = 200;
    sr_access_done(srv, d->in, &d->match, d->routed, &d->acc, resp);
    if (d->scratch != d->stack_scratch)
        free(d->scratch);
    free(d->cx.path);
    free(d->aliased);
    *route_index_out = d->match.route ? d->match.route_index : SR_METRICS_UNMATCHED;
}

void sr_http_dispatch(struct sr_server *srv, const struct sr_route *routes,
                      const struct sr_http_input *in, struct sr_response *resp,
                      size_t *route_index_out)
{
    struct dispatch d;
    dispatch_begin(srv, routes, in, &d, resp);
    if (dispatch_pending(&d))
        dispatch_handle(srv, &d, resp);
    dispatch_end(srv, &d, resp, route_index_out);
}

/* The answer for a request refused before dispatch (413, out of memory):
 * the error, labelled with the route its path matches. */
static void refuse(const struct sr_http_input *in, enum sr_err code, const char *message,
                   struct sr_response *resp, size_t *route_index_out)
{
    char stack_scratch[SCRATCH_ON_STACK];
    size_t need = sr_router_scratch_size(in->path);
    struct sr_route_match match;
    struct sr_error ignored;
    *route_index_out = SR_METRICS_UNMATCHED;
    if (need <= sizeof stack_scratch) {
        sr_router_match(sr_routes, in->method, in->path, stack_scratch, need, &match, &ignored);
        if (match.route)
            *route_index_out = match.route_index;
    }
    reply_failure(in, code, message, resp);
    resp->content_type = sr_media_name(SR_MEDIA_V1);
}

/* ---- libmicrohttpd glue ------------------------------------------------------------ */

/*
 * The access handler is called at least twice per request: once when the
 * headers are in, once per chunk of body, and once at the end. Answering in
 * the first call would make libmicrohttpd 0.9.75 close the connection (it
 * treats it as an "early" answer and discards the rest), so every request is
 * answered in the last call, except one whose announced body is over the cap
 * (closing is then what we want). Until a body chunk arrives, *con_cls holds
 * the address of no_body, so a request without a body allocates nothing.
 */
static char no_body;

/* The context of a request with a body, or of one whose handler runs on a
 * worker; freed in on_completed(). */
struct upload {
    uint64_t start_ns;
    char *body;
    size_t len, cap;
    size_t reserved;    /* bytes of the in-flight budget held (sr_server.body_bytes) */
    bool too_large;     /* past the cap: the rest is dropped, the answer is 413 */
    bool out_of_memory; /* the body could not be held: the answer is 500 */
    bool over_budget;   /* the budget had no room for the rest: the answer is 503 */
    /* A handler on a worker (workq.h): the connection is suspended from
     * submit until done is set; then the connection thread sends resp. */
    struct sr_work work;
    struct sr_server *srv;
    struct MHD_Connection *conn;
    uint64_t deadline_ns;
    size_t route_index;
    atomic_bool done;
    struct sr_response resp;
    /* From here on, set before use (upload_alloc() zeroes only what is above). */
    struct sr_http_input in; /* the request as dispatch saw it; d points into it */
    struct dispatch d;
};

/* The request headers dispatch needs. */
struct head {
    const char *content_type;
    const char *accept;
    const char *authorization;
    const char *origin;
    const char *host;
    const char *cors_method;
};

static bool key_is(const char *key, size_t key_len, const char *name, size_t name_len)
{
    return key_len == name_len && strncasecmp(key, name, name_len) == 0;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      size_t key_len, const char *value, size_t value_len)
{
    struct head *h = cls;
    (void)kind;
    (void)value_len;
#define HEADER_IS(name) key_is(key, key_len, (name), sizeof(name) - 1)
    if (HEADER_IS("Content-Type"))
        h->content_type = value;
    else if (HEADER_IS("Accept"))
        h->accept = value;
    else if (HEADER_IS("Authorization"))
        h->authorization = value;
    else if (HEADER_IS("Origin"))
        h->origin = value;
    else if (HEADER_IS("Host"))
        h->host = value;
    else if (HEADER_IS("Access-Control-Request-Method"))
        h->cors_method = value;
#undef HEADER_IS
    return MHD_YES;
}

static const char *lookup_query(void *cls, const char *key)
{
    return MHD_lookup_connection_value(cls, MHD_GET_ARGUMENT_KIND, key);
}

struct each_arg {
    const char *key;
    sr_http_value_fn fn;
    void *arg;
};

static enum MHD_Result each_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct each_arg *e = cls;
    (void)kind;
    if (key && strcmp(key, e->key) == 0)
        e->fn(e->arg, value ? value : "");
    return MHD_YES;
}

static void lookup_each(void *cls, const char *key, sr_http_value_fn fn, void *arg)
{
    struct each_arg e = {key, fn, arg};
    MHD_get_connection_values(cls, MHD_GET_ARGUMENT_KIND, each_value, &e);
}

static const char *lookup_header(void *cls, const char *name)
{
    return MHD_lookup_connection_value(cls, MHD_HEADER_KIND, name);
}

static struct MHD_Response *to_mhd_response(struct sr_response *r)
{
    struct MHD_Response *mr;
    if (r->static_body && !r->body) {
        mr = MHD_create_response_from_buffer(r->body_len, (void *)r->static_body,
                                             MHD_RESPMEM_PERSISTENT);
    } else if (r->body) {
        mr = MHD_create_response_from_buffer_with_free_callback(r->body_len, r->body, free);
        if (mr)
            r->body = NULL; /* MHD frees it now */
    } else if (r->status >= 500) {
        r->content_type = sr_media_name(SR_MEDIA_V1);
        mr = MHD_create_response_from_buffer(sizeof SR_REPLY_OOM_BODY - 1,
                                             (void *)SR_REPLY_OOM_BODY, MHD_RESPMEM_PERSISTENT);
    } else {
        mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    return mr;
}

/* The headers the access checks asked for (access.h). */
static void add_edge_headers(struct MHD_Response *mr, const struct sr_response *resp)
{
    if (resp->challenge)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Basic realm=\"avro-registry\", charset=\"UTF-8\"");
    if (resp->retry_after) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%u", resp->retry_after);
        MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    if (resp->allow_origin) {
        MHD_add_response_header(mr, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN,
                                resp->allow_origin);
        MHD_add_response_header(mr, "Access-Control-Allow-Credentials", "true");
        MHD_add_response_header(mr, MHD_HTTP_HEADER_VARY, "Origin");
    }
    if (resp->preflight) {
        MHD_add_response_header(mr, "Access-Control-Allow-Methods", SR_CORS_ALLOW_METHODS);
        MHD_add_response_header(mr, "Access-Control-Allow-Headers", SR_CORS_ALLOW_HEADERS);
        MHD_add_response_header(mr, "Access-Control-Max-Age", SR_CORS_MAX_AGE);
    }
}

/* Sends resp, records it, and frees what it holds. */
static enum MHD_Result send_reply(struct sr_server *srv, struct MHD_Connection *conn,
                                  const struct sr_http_input *in, struct sr_response *resp,
                                  size_t route_index, uint64_t start_ns)
{
    enum MHD_Result ret = MHD_NO;
    struct MHD_Response *mr = to_mhd_response(resp);
    if (mr) {
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
        for (size_t i = 0; i < resp->header_count && i < SR_RESPONSE_MAX_HEADERS; i++)
            MHD_add_response_header(mr, resp->headers[i].name, resp->headers[i].value);
        add_edge_headers(mr, resp);
        if (atomic_load_explicit(&srv->stopping, memory_order_relaxed))
            MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
        ret = MHD_queue_response(conn, (unsigned)resp->status, mr);
        MHD_destroy_response(mr);
    }
    uint64_t elapsed = sr_monotonic_ns() - start_ns;
    sr_metrics_observe(srv->metrics, route_index, in->method, resp->status, elapsed);
    if (sr_log_enabled(SR_LOG_DEBUG))
        sr_log(SR_LOG_DEBUG, "%s %s -> %d (%.3f ms)", in->method, in->path, resp->status,
               (double)elapsed / 1e6);
    sr_response_release(resp);
    return ret;
}

/* The edge's record of conn (limits.h), or NULL. */
static struct sr_conn *conn_state(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* What the connection tells about the client: its address, and over TLS its
 * certificate, judged once per connection. */
static void describe_client(struct sr_server *srv, struct MHD_Connection *conn,
                            struct sr_http_input *in)
{
    struct sr_conn *c = conn_state(conn);
    struct sr_tls *tls = srv->edge ? srv->edge->tls : NULL;
    if (c && c->addr_len)
        in->peer = (const struct sockaddr *)&c->addr;
    if (!tls)
        return;
    in->tls = true;
    if (!c)
        return;
    if (!c->peer_state) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        enum sr_tls_peer v = sr_tls_check_peer(tls, info ? info->tls_session : NULL, c->peer_cn,
                                               sizeof c->peer_cn, &c->peer_why);
        c->peer_state = (int)v + 1;
    }
    if (c->peer_state == SR_TLS_PEER_VERIFIED + 1)
        in->tls_cn = c->peer_cn;
    else if (c->peer_state == SR_TLS_PEER_REFUSED + 1)
        in->tls_refusal = c->peer_why;
}

/* Reads what dispatch needs from the request's head into in. */
static void read_head(struct sr_server *srv, struct MHD_Connection *conn, struct sr_http_input *in)
{
    struct head h = {0};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, collect_header, &h);
    in->content_type = h.content_type;
    in->accept = h.accept;
    in->authorization = h.authorization;
    in->origin = h.origin;
    in->host = h.host;
    in->cors_method = h.cors_method;
    describe_client(srv, conn, in);
}

/* Whether a request may compute or wait for long (it writes, or checks a
 * schema): those run on a worker, unless a cache answers them. Reads never
 * wait for a writer (WAL; PostgreSQL's snapshots), so they stay here. */
static bool may_take_long(const struct sr_http_input *in)
{
    return strcmp(in->method, "GET") != 0 && strcmp(in->method, "HEAD") != 0 &&
           strcmp(in->method, "OPTIONS") != 0;
}

/*
 * glibc keeps what a request freed in its arenas for reuse and rarely gives
 * it back to the system: after one large schema (parsing, checking and
 * caching cost about 100 bytes of memory per byte of schema text at their
 * peak) a server would hold over a gigabyte for good, and after a long run of
 * small writes, their scattered remains (each worker's arena also keeps up
 * to a megabyte between requests, main.c). So memory is handed back when a
 * request with a large body is done, when no work is waiting any more after
 * TRIM_IDLE_AFTER_WRITES requests (the end of a burst), and after
 * TRIM_EVERY_WRITES requests in any case. malloc_trim() walks the free
 * lists, which can take a while after a large request: a worker does it,
 * once its answer is on its way, never a connection thread.
 */
#define TRIM_AFTER_BODY_BYTES ((size_t)256 * 1024)
#define TRIM_IDLE_AFTER_WRITES 256u
#define TRIM_EVERY_WRITES 4096u

static void give_memory_back(const struct sr_server *srv, size_t body_len)
{
    static atomic_uint since_trim;
    unsigned n = atomic_fetch_add(&since_trim, 1) + 1;
    bool idle = sr_workq_waiting(srv->workq) == 0 && sr_workq_waiting(srv->workq_large) == 0;
    if (body_len >= TRIM_AFTER_BODY_BYTES || n >= TRIM_EVERY_WRITES ||
        (idle && n >= TRIM_IDLE_AFTER_WRITES)) {
        atomic_store(&since_trim, 0);
        malloc_trim(0);
    }
}

/* Runs on a worker: the handler of a suspended request, under its deadline. */
static void run_deferred(struct sr_work *w)
{
    struct upload *up = (struct upload *)((char *)w - offsetof(struct upload, work));
    sr_deadline_set(up->deadline_ns);
    if (sr_deadline_passed())
        up->d.rc = sr_errorf(&up->d.err, SR_ERR_TIMEOUT,
                             "The request waited for a worker past its deadline of %u ms",
                             up->srv->config.deadline_ms);
    else
        dispatch_handle(up->srv, &up->d, &up->resp);
    sr_deadline_set(0);
    dispatch_end(up->srv, &up->d, &up->resp, &up->route_index);
    size_t body_len = up->len; /* up is the connection thread's once resumed */
    const struct sr_server *srv = up->srv;
    atomic_store(&up->done, true);
    MHD_resume_connection(up->conn); /* libmicrohttpd calls on_request() again */
    give_memory_back(srv, body_len);
}

/* The dispatch state is over half a kilobyte that dispatch_begin() fills
 * anyway: not zeroed here, on the path of every request with a body. */
static struct upload *upload_alloc(void)
{
    struct upload *up = malloc(sizeof *up);
    if (!up)
        return NULL;
    memset(up, 0, offsetof(struct upload, in));
    up->start_ns = sr_monotonic_ns();
    return up;
}

/* A request that may take long: routed and checked here, then its handler
 * goes to a worker with the connection suspended, unless it was refused or
 * a cache answers it. */
static enum MHD_Result answer_on_worker(struct sr_server *srv, struct MHD_Connection *conn,
                                        const struct sr_http_input *in, struct upload *up)
{
    up->in = *in;
    dispatch_begin(srv, sr_routes, &up->in, &up->d, &up->resp);
    if (!dispatch_pending(&up->d) || dispatch_recall(srv, &up->d, &up->resp)) {
        dispatch_end(srv, &up->d, &up->resp, &up->route_index);
        return send_reply(srv, conn, &up->in, &up->resp, up->route_index, up->start_ns);
    }
    up->srv = srv;
    up->conn = conn;
    up->deadline_ns = up->start_ns + (uint64_t)srv->config.deadline_ms * 1000000u;
    up->work.run = run_deferred;
    /* Suspended before it is queued, so a worker never resumes a connection
     * that is not suspended yet. While the server stops, the pool takes no
     * more work: the request then runs here. */
    struct sr_workq *q = up->len >= SR_LIGHT_BODY_BYTES ? srv->workq_large : srv->workq;
    MHD_suspend_connection(conn);
    if (!sr_workq_submit(q, &up->work))
        run_deferred(&up->work);
    return MHD_YES;
}

/* The last call of a request: its answer, or its hand-over to a worker, or,
 * after the worker is done, the answer the worker made. *con_cls is no_body
 * or the request's struct upload (which in->body points into). */
static enum MHD_Result answer(struct sr_server *srv, struct MHD_Connection *conn,
                              struct sr_http_input *in, void **con_cls, uint64_t start_ns)
{
    struct upload *up = *con_cls == &no_body ? NULL : *con_cls;
    if (up && atomic_load(&up->done))
        return send_reply(srv, conn, &up->in, &up->resp, up->route_index, up->start_ns);
    read_head(srv, conn, in);
    if (srv->workq && may_take_long(in)) {
        if (!up && (up = upload_alloc()) != NULL) {
            up->start_ns = start_ns;
            *con_cls = up;
        }
        if (up)
            return answer_on_worker(srv, conn, in, up);
    }
    struct sr_response resp = {0};
    size_t route_index;
    sr_http_dispatch(srv, sr_routes, in, &resp, &route_index);
    return send_reply(srv, conn, in, &resp, route_index, start_ns);
}

static enum MHD_Result answer_refusal(struct sr_server *srv, struct MHD_Connection *conn,
                                      const struct sr_http_input *in, enum sr_err code,
                                      const char *message, uint64_t start_ns)
{
    struct sr_response resp = {0};
    size_t route_index;
    refuse(in, code, message, &resp, &route_index);
    return send_reply(srv, conn, in, &resp, route_index, start_ns);
}

/* A refusal of a request that breaks strict.h's rules: what follows it on
 * the connection cannot be trusted to be the next request, so it is closed. */
static enum MHD_Result answer_and_close(struct sr_server *srv, struct MHD_Connection *conn,
                                        const struct sr_http_input *in, const struct sr_error *err)
{
    struct sr_response resp = {0};
    size_t route_index;
    refuse(in, err->code, err->message, &resp, &route_index);
    if (resp.header_count < SR_RESPONSE_MAX_HEADERS)
        resp.headers[resp.header_count++] = (struct sr_header){MHD_HTTP_HEADER_CONNECTION, "close"};
    return send_reply(srv, conn, in, &resp, route_index, sr_monotonic_ns());
}

static const char *too_large_message(char *buf, size_t cap, size_t limit)
{
    snprintf(buf, cap, "Request body is larger than the limit of %zu bytes", limit);
    return buf;
}

/* The announced body length (0 when none or chunked). MHD checked the syntax. */
static uint64_t content_length(struct MHD_Connection *conn)
{
    const char *v =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return v ? strtoull(v, NULL, 10) : 0;
}

/* Adds the bytes of one header or query argument to *cls (a size_t). */
static enum MHD_Result count_bytes(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_len, const char *value, size_t value_len)
{
    (void)key;
    (void)value;
    /* "Key: value\r\n" in the header; "key=value&" in the query */
    *(size_t *)cls += key_len + value_len + (kind == MHD_HEADER_KIND ? 4 : 2);
    return MHD_YES;
}

/* The request line's and the header block's sizes over the caps: 414/431. */
static enum sr_err check_head(struct sr_server *srv, struct MHD_Connection *conn,
                              const struct sr_http_input *in, const char *version,
                              struct sr_error *err)
{
    size_t line = strlen(in->method) + strlen(in->path) + strlen(version) + 2, headers = 0;
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, count_bytes, &line);
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, count_bytes, &headers);
    return sr_limits_check_sizes(srv->edge->limits, line, headers, err);
}

/* Takes n bytes of the in-flight budget for up; false (nothing taken) when
 * they do not fit. */
static bool budget_take(struct sr_server *srv, struct upload *up, size_t n)
{
    size_t limit = srv->config.max_inflight_bytes;
    size_t held = atomic_load(&srv->body_bytes);
    do {
        if (n > limit || held > limit - n)
            return false;
    } while (!atomic_compare_exchange_weak(&srv->body_bytes, &held, held + n));
    up->reserved += n;
    return true;
}

static void budget_give_back(struct sr_server *srv, struct upload *up)
{
    atomic_fetch_sub(&srv->body_bytes, up->reserved);
    up->reserved = 0;
}

static enum MHD_Result answer_busy(struct sr_server *srv, struct MHD_Connection *conn,
                                   const struct sr_http_input *in, uint64_t start_ns)
{
    char msg[160];
    snprintf(msg, sizeof msg,
             "The server holds its limit of %zu bytes of request bodies in flight; retry later",
             srv->config.max_inflight_bytes);
    struct sr_response resp = {0};
    size_t route_index;
    refuse(in, SR_ERR_BUSY, msg, &resp, &route_index);
    resp.retry_after = 1;
    return send_reply(srv, conn, in, &resp, route_index, start_ns);
}

/* The first call: the header is in; refuse a head that breaks strict.h's
 * rules or is over the caps, an announced body over the cap, or one the
 * in-flight budget has no room for, at once. An announced body takes its
 * share of the budget now. *con_cls is set before any refusal:
 * on_completed() counts the request done only when this call saw it. */
static enum MHD_Result first_call(struct sr_server *srv, struct MHD_Connection *conn,
                                  const struct sr_http_input *in, const char *version,
                                  void **con_cls)
{
    size_t limit = srv->config.max_body_bytes;
    struct sr_error err = {0};
    sr_metrics_inflight_add(srv->metrics, 1);
    *con_cls = &no_body;
    if (srv->edge)
        sr_limits_headers_in(conn_state(conn));
    if (sr_strict_check(conn, version, &err) != SR_OK)
        return answer_and_close(srv, conn, in, &err);
    if (srv->edge && check_head(srv, conn, in, version, &err) != SR_OK)
        return answer_refusal(srv, conn, in, err.code, err.message, sr_monotonic_ns());
    uint64_t announced = content_length(conn);
    if (announced > limit) {
        char msg[96];
        return answer_refusal(srv, conn, in, SR_ERR_PAYLOAD_TOO_LARGE,
                              too_large_message(msg, sizeof msg, limit), sr_monotonic_ns());
    }
    if (announced > 0) {
        struct upload *up = upload_alloc();
        if (!up)
            return MHD_NO; /* cannot even say so: drop the connection */
        *con_cls = up;
        if (!budget_take(srv, up, (size_t)announced + 1))
            return answer_busy(srv, conn, in, up->start_ns);
    }
    return MHD_YES;
}

/* Frees the body collected so far; the rest of the upload is dropped. */
static void drop_body(struct upload *up)
{
    free(up->body);
    up->body = NULL;
    up->len = up->cap = 0;
}

/* The capacity for need bytes: doubling from FIRST_BODY_CHUNK, so memory
 * follows the bytes that arrived, not the ones announced, never past the
 * budget held (an announced body's) or the cap. */
static size_t next_cap(const struct upload *up, size_t need, size_t limit)
{
    size_t cap = up->cap ? up->cap : FIRST_BODY_CHUNK;
    while (cap < need)
        cap = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
    if (up->reserved >= need && cap > up->reserved)
        cap = up->reserved;
    return cap;
}

/* Appends a chunk, or drops it (and what came before) past the cap or the
 * budget. A body without Content-Length takes budget as it grows. */
static void take_chunk(struct sr_server *srv, struct upload *up, const char *data, size_t n)
{
    size_t limit = srv->config.max_body_bytes;
    if (up->too_large || up->out_of_memory || up->over_budget)
        return;
    if (n > limit - up->len) {
        up->too_large = true;
        drop_body(up);
        return;
    }
    if (up->len + n + 1 > up->cap) {
        size_t cap = next_cap(up, up->len + n + 1, limit);
        if (cap > up->reserved && !budget_take(srv, up, cap - up->reserved)) {
            up->over_budget = true;
            drop_body(up);
            return;
        }
        char *body = realloc(up->body, cap);
        if (!body) {
            up->out_of_memory = true;
            drop_body(up);
            return;
        }
        up->body = body;
        up->cap = cap;
    }
    assert(up->body); /* cap > len + n: allocated */
    memcpy(up->body + up->len, data, n);
    up->len += n;
}

/* The last call of a request with a body. */
static enum MHD_Result answer_upload(struct sr_server *srv, struct MHD_Connection *conn,
                                     struct sr_http_input *in, void **con_cls)
{
    struct upload *up = *con_cls;
    if (up->too_large) {
        char msg[96];
        return answer_refusal(srv, conn, in, SR_ERR_PAYLOAD_TOO_LARGE,
                              too_large_message(msg, sizeof msg, srv->config.max_body_bytes),
                              up->start_ns);
    }
    if (up->over_budget)
        return answer_busy(srv, conn, in, up->start_ns);
    if (up->out_of_memory)
        return answer_refusal(srv, conn, in, SR_ERR_NOMEM, "Out of memory", up->start_ns);
    if (up->body)
        up->body[up->len] = '\0';
    in->body = up->body ? up->body : "";
    in->body_len = up->len;
    return answer(srv, conn, in, con_cls, up->start_ns);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct sr_server *srv = cls;
    struct sr_http_input in = {.method = method,
                               .path = url,
                               .body = "",
                               .query = lookup_query,
                               .header = lookup_header,
                               .query_each = lookup_each,
                               .query_cls = conn};
    if (!*con_cls)
        return first_call(srv, conn, &in, version, con_cls);
    if (*upload_data_size > 0) {
        if (*con_cls == &no_body) { /* a body with no Content-Length (chunked) */
            struct upload *up = upload_alloc();
            if (!up)
                return MHD_NO; /* cannot even say so: drop the connection */
            *con_cls = up;
        }
        take_chunk(srv, *con_cls, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*con_cls == &no_body)
        return answer(srv, conn, &in, con_cls, sr_monotonic_ns());
    return answer_upload(srv, conn, &in, con_cls);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct sr_server *srv = cls;
    struct upload *up = *con_cls;
    if (!up)
        return; /* refused by libmicrohttpd before first_call(): not counted */
    if (*con_cls != &no_body) {
        budget_give_back(srv, up);
        free(up->body);
        free(up);
    }
    *con_cls = NULL;
    sr_metrics_inflight_add(srv->metrics, -1);
    if (srv->edge && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        sr_limits_request_done(srv->edge->limits, conn_state(conn));
}

/* Connections come and go: the edge keeps their deadlines (limits.h). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct sr_server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *addr =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = addr ? addr->client_addr : NULL;
        socklen_t len = !sa                         ? 0
                        : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                    : sizeof(struct sockaddr_in);
        *socket_context = sr_limits_conn_open(srv->edge->limits, fd ? fd->connect_fd : -1, sa, len);
    } else {
        sr_limits_conn_close(srv->edge->limits, *socket_context);
        *socket_context = NULL;
    }
}

/* Leaves the path and query text as sent; see the file comment. */
static size_t unescape_nothing(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

/* Messages libmicrohttpd repeats for every connection it refuses: under a
 * flood they would drown the log, so each is written at most once every
 * LOG_QUIET_S seconds, with the count of the ones left out. */
#define LOG_QUIET_S 10
static const char *const noisy[] = {
    "IP connection limit reached",
    "Server reached connection limit",
    "Error: received handshake message out of context", /* plaintext to the TLS port */
    "Error: An unexpected TLS packet was received",
};

/* libmicrohttpd's error logger: its fmt is a printf format, checked as one. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    static _Atomic int64_t next_ok[sizeof noisy / sizeof noisy[0]];
    static _Atomic uint64_t dropped[sizeof noisy / sizeof noisy[0]];
    (void)cls;
    for (size_t i = 0; i < sizeof noisy / sizeof noisy[0]; i++) {
        if (strncmp(fmt, noisy[i], strlen(noisy[i])) != 0)
            continue;
        int64_t now = (int64_t)(sr_monotonic_ns() / 1000000000u), due = atomic_load(&next_ok[i]);
        if (now < due || !atomic_compare_exchange_strong(&next_ok[i], &due, now + LOG_QUIET_S)) {
            atomic_fetch_add(&dropped[i], 1);
            return;
        }
        uint64_t n = atomic_exchange(&dropped[i], 0);
        if (n)
            sr_log(SR_LOG_WARN, "(%llu more like the next in the last %d s)", (unsigned long long)n,
                   LOG_QUIET_S);
        break;
    }
    sr_log_v(SR_LOG_WARN, fmt, ap);
}

/* ---- daemon lifecycle ----------------------------------------------------------------- */

/* Resolves listen:port into *addr. */
static enum sr_err resolve(const char *listen, uint16_t port, struct sockaddr_storage *addr,
                           struct sr_error *err)
{
    struct addrinfo hints = {.ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(listen, NULL, &hints, &res);
    if (rc != 0 || !res)
        return sr_errorf(err, SR_ERR_IO, "cannot resolve listen address '%s': %s", listen,
                         rc ? gai_strerror(rc) : "no address");
    size_t len = res->ai_addrlen < sizeof *addr ? res->ai_addrlen : sizeof *addr;
    memset(addr, 0, sizeof *addr);
    memcpy(addr, res->ai_addr, len);
    freeaddrinfo(res);
    if (addr->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
    else
        ((struct sockaddr_in *)addr)->sin_port = htons(port);
    return SR_OK;
}

/* poll(), not epoll: in libmicrohttpd 0.9.75, MHD_quiesce_daemon() and a
 * pool thread may both take the listening socket out of an epoll set at
 * once, and the loser aborts the process ("Failed to remove listen FD from
 * epoll set", daemon.c); with poll() quiescing only wakes the threads. Each
 * pool thread polls only its own connections. */
static unsigned daemon_flags(const struct sockaddr_storage *addr)
{
    unsigned flags =
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (addr->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
        bool any = memcmp(a, &in6addr_any, sizeof *a) == 0; /* "::" also takes IPv4 */
        flags |= any ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
    }
    return flags;
}

/* As many connections as file descriptors allow, leaving room for the store. */
static unsigned connection_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return MAX_CONNECTIONS;
    if (rl.rlim_cur < 128)
        return 64;
    return rl.rlim_cur - 64 > MAX_CONNECTIONS ? MAX_CONNECTIONS : (unsigned)(rl.rlim_cur - 64);
}

#define MAX_EDGE_OPTIONS 8

/* The options the security edge adds (edge.h): limits, and TLS. */
static size_t edge_options(struct sr_server *srv, struct MHD_OptionItem *o, unsigned *flags)
{
    struct sr_edge *e = srv->edge;
    size_t n = 0;
    if (!e)
        return 0;
    const struct sr_limits_config *lc = sr_limits_config(e->limits);
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                     (intptr_t)sr_limits_pool_bytes(e->limits), NULL};
    if (lc->per_address)
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                         (intptr_t)lc->per_address, NULL};
    if (e->tls) {
        *flags |= MHD_USE_TLS;
        /* options of one pointer take it in ptr_value */
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
                                         (void *)sr_tls_cert_callback};
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)SR_TLS_PRIORITIES};
        if (sr_tls_client_ca_pem(e->tls))
            o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0,
                                             (void *)sr_tls_client_ca_pem(e->tls)};
    }
    assert(n < MAX_EDGE_OPTIONS);
    return n;
}

static struct MHD_Daemon *start_daemon(struct sr_server *srv, struct sockaddr_storage *addr)
{
    unsigned threads = srv->config.threads, flags = daemon_flags(addr);
    struct MHD_OptionItem edge[MAX_EDGE_OPTIONS + 1];
    size_t n = edge_options(srv, edge, &flags);
    edge[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    /* MHD wants a pool of at least two workers; one worker is the polling thread. */
    return MHD_start_daemon(
        flags, srv->config.port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        NULL, /* first, so it sees every message */
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)addr, MHD_OPTION_THREAD_POOL_SIZE,
        threads > 1 ? threads : 0u, MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
        MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_UNESCAPE_CALLBACK, unescape_nothing, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, sr_strict_uri_seen, NULL, MHD_OPTION_ARRAY, edge,
        MHD_OPTION_END);
}

enum sr_err sr_http_start(struct sr_server *srv, struct sr_error *err)
{
    struct sockaddr_storage addr = {0};
    enum sr_err rc = resolve(srv->config.listen, srv->config.port, &addr, err);
    if (rc != SR_OK)
        return rc;
    srv->listen_fd = -1;
    atomic_store(&srv->body_bytes, 0);
    unsigned workers = srv->config.workers ? srv->config.workers : 1;
    rc = sr_workq_start(workers, &srv->workq, err);
    if (rc == SR_OK)
        rc = sr_workq_start(workers, &srv->workq_large, err);
    if (rc == SR_OK && !(srv->daemon = start_daemon(srv, &addr)))
        rc = sr_errorf(err, SR_ERR_IO, "cannot start the HTTP server on %s:%u", srv->config.listen,
                       (unsigned)srv->config.port);
    if (rc != SR_OK) {
        sr_workq_free(srv->workq);
        sr_workq_free(srv->workq_large);
        srv->workq = srv->workq_large = NULL;
        return rc;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->bound_port = info && info->port ? info->port : srv->config.port;
    return SR_OK;
}

void sr_http_quiesce(struct sr_server *srv)
{
    if (!srv->daemon || srv->listen_fd >= 0)
        return;
    srv->listen_fd = MHD_quiesce_daemon(srv->daemon);
    /* The socket may only be closed after MHD_stop_daemon(); shutting it down
     * now makes new clients get "connection refused" at once instead of
     * waiting in the backlog until the daemon stops. */
    if (srv->listen_fd >= 0)
        shutdown(srv->listen_fd, SHUT_RDWR);
}

int64_t sr_http_in_flight(const struct sr_server *srv)
{
    return sr_metrics_inflight(srv->metrics);
}

void sr_http_stop(struct sr_server *srv)
{
    /* First the workers: each finishes its request and resumes its
     * connection, which needs the daemon still running. The pool is freed
     * only once no connection thread can reach it. */
    sr_workq_drain(srv->workq);
    sr_workq_drain(srv->workq_large);
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    sr_workq_free(srv->workq);
    sr_workq_free(srv->workq_large);
    srv->workq = srv->workq_large = NULL;
    srv->daemon = NULL;
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    srv->listen_fd = -1;
}

/*
 * access.c - the per-request gate; see access.h.
 */
#include "server/access.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/edge.h"
#include "server/registry.h"
#include "server/server.h"
#include "storage/store.h"

#define CONFIG_RESOURCE "Config:"
#define AUDIT_RESULT_MAX 4096

/* ---- the subjects that carry an id --------------------------------------------- */

/* An immutable, reference-counted list of subject names. */
struct carriers {
    atomic_int refs;
    size_t count;
    char *names[];
};

static void *carriers_ref(void *v)
{
    struct carriers *c = v;
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

static void carriers_unref(void *v)
{
    struct carriers *c = v;
    if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1) {
        for (size_t i = 0; i < c->count; i++)
            free(c->names[i]);
        free(c);
    }
}

/* The distinct subjects of uses (sorted by subject, as the store gives them). */
static struct carriers *carriers_from(const struct sr_subject_version_list *uses, size_t *cost)
{
    struct carriers *c = calloc(1, sizeof *c + uses->count * sizeof c->names[0]);
    if (!c)
        return NULL;
    atomic_init(&c->refs, 1);
    *cost = sizeof *c;
    for (size_t i = 0; i < uses->count; i++) {
        const char *s = uses->items[i].subject;
        if (c->count && strcmp(c->names[c->count - 1], s) == 0)
            continue;
        if (!(c->names[c->count] = strdup(s))) {
            carriers_unref(c);
            return NULL;
        }
        *cost += strlen(s) + 1 + sizeof c->names[0];
        c->count++;
    }
    return c;
}

struct sr_idcache *sr_access_carriers_new(void)
{
    return sr_idcache_new(65536, (size_t)16 * 1024 * 1024, carriers_ref, carriers_unref);
}

/* The subjects that carry (context, id) (a new reference): the default
 * context's from the cache or the store, the others' from the store. Read
 * through t when given (the caller's transaction), else through one of its
 * own. */
static enum sr_err carriers_of(struct sr_server *srv, struct sr_txn *t, const char *context,
                               int64_t id, struct carriers **out, struct sr_error *err)
{
    struct sr_store *store = srv->store;
    struct sr_idcache *cache = srv->edge->carriers;
    bool cached = strcmp(context, SR_DEFAULT_CONTEXT) == 0;
    uint64_t marker = sr_store_marker(store, SR_CHANGE_ANY);
    struct carriers *c = cached ? sr_idcache_get(cache, id, marker) : NULL;
    if (c) {
        *out = c;
        return SR_OK;
    }
    struct sr_txn *own = NULL;
    struct sr_subject_version_list uses = {0};
    enum sr_err rc = t ? SR_OK : sr_store_begin(store, false, &own, err);
    struct sr_txn *reader = t ? t : own;
    uint64_t stamp = reader ? sr_txn_marker(reader, SR_CHANGE_ANY) : 0;
    if (rc == SR_OK)
        rc = sr_txn_versions_for_id(reader, context, id, SR_WITH_DELETED, &uses, err);
    sr_txn_rollback(own);
    size_t cost = 0;
    if (rc == SR_OK && !(c = carriers_from(&uses, &cost)))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    sr_subject_version_list_release(&uses);
    if (rc != SR_OK)
        return rc;
    if (cached)
        sr_idcache_put(cache, id, c, cost, stamp, sr_store_marker(store, SR_CHANGE_ANY));
    *out = c;
    return SR_OK;
}

/* Whether acc may read some subject carrying (context, id); true when none does. */
static enum sr_err may_read_carrier(struct sr_server *srv, struct sr_txn *t, const char *context,
                                    int64_t id, const struct sr_access *acc, bool *ok_out,
                                    struct sr_error *err)
{
    struct carriers *c = NULL;
    enum sr_err rc = carriers_of(srv, t, context, id, &c, err);
    if (rc != SR_OK)
        return rc;
    bool ok = c->count == 0;
    for (size_t i = 0; !ok && i < c->count; i++)
        ok = sr_principal_may_subject(&acc->principal, SR_OP_READ, c->names[i]);
    carriers_unref(c);
    *ok_out = ok;
    return SR_OK;
}

/* ---- helpers ---------------------------------------------------------------------- */

static bool is_write_rule(enum sr_access_rule r)
{
    return r == SR_ACCESS_SUBJECT_WRITE || r == SR_ACCESS_CONFIG_WRITE || r == SR_ACCESS_UNSET;
}

static bool is_read_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

/* The decoded {name} parameter of the matched route, or NULL. */
static const char *param(const struct sr_route_match *m, const char *name)
{
    size_t index = 0, n = strlen(name);
    for (const char *p = m->route->pattern; (p = strchr(p, '{')) != NULL; p++, index++)
        if (strncmp(p + 1, name, n) == 0 && p[n + 1] == '}')
            return index < m->param_count ? m->params[index] : NULL;
    return NULL;
}

static void format_address(const struct sockaddr *sa, char *out, size_t cap)
{
    const void *bytes = NULL;
    if (sa && sa->sa_family == AF_INET)
        bytes = &((const struct sockaddr_in *)sa)->sin_addr;
    else if (sa && sa->sa_family == AF_INET6)
        bytes = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (!bytes || !inet_ntop(sa->sa_family, bytes, out, (socklen_t)cap))
        snprintf(out, cap, "unknown");
}

/* A 429 with Retry-After: wait. */
static enum sr_err too_many(const char *what, unsigned wait, struct sr_response *resp,
                            struct sr_error *err)
{
    resp->retry_after = wait;
    return sr_errorf(err, SR_ERR_TOO_MANY_REQUESTS, "%s; retry after %u second%s", what, wait,
                     wait == 1 ? "" : "s");
}

/* Charges the request to key; on refusal, a 429 with Retry-After. */
static enum sr_err charge(struct sr_edge *e, const char *kind, const char *name,
                          struct sr_response *resp, struct sr_error *err)
{
    char key[SR_PRINCIPAL_MAX + 8];
    int n = snprintf(key, sizeof key, "%s:%s", kind, name);
    unsigned wait = 0;
    if (sr_limits_admit(e->limits, key, n > 0 ? (size_t)n : 0, &wait))
        return SR_OK;
    return too_many("Too many requests", wait, resp, err);
}

static enum sr_err unauthenticated(struct sr_edge *e, const char *why, struct sr_response *resp,
                                   struct sr_error *err)
{
    resp->challenge = sr_auth_has_file(e->auth);
    return sr_errorf(err, SR_ERR_UNAUTHORIZED, "%s", why);
}

/* Basic credentials that are not remembered: the password hash runs, unless
 * this address has failed too often lately (limits.h). */
static enum sr_err check_password(struct sr_edge *e, const struct sr_http_input *in,
                                  struct sr_access *acc, struct sr_response *resp,
                                  struct sr_error *err)
{
    const char *why = NULL;
    unsigned wait = 0;
    if (!sr_limits_may_check_password(e->limits, acc->address, &wait))
        return too_many("Too many failed logins from this address", wait, resp, err);
    if (sr_auth_basic(e->auth, in->authorization, true, &acc->principal, &why) == SR_AUTH_ACCEPTED)
        return SR_OK;
    sr_limits_password_failed(e->limits, acc->address);
    return unauthenticated(e, why, resp, err);
}

/* Health checks are never limited: an orchestrator that gets 429 from a
 * liveness probe restarts a server that is only busy. */
static bool is_health(const struct sr_route *r)
{
    return r->access == SR_ACCESS_OPEN && strncmp(r->pattern, "/health/", 8) == 0;
}

static bool rule_needs_principal(const struct sr_edge *e, enum sr_access_rule r)
{
    return r != SR_ACCESS_OPEN && (r != SR_ACCESS_METRICS || e->protect_metrics);
}

/* Steps 5 and 6: a principal for the request, charged for. */
static enum sr_err authenticate(struct sr_edge *e, const struct sr_http_input *in,
                                struct sr_access *acc, struct sr_response *resp,
                                struct sr_error *err)
{
    const char *why = NULL;
    if (in->tls_refusal)
        return unauthenticated(e, in->tls_refusal, resp, err);
    /* Without an authfile, Basic credentials mean nothing: a client that
     * sends them beside its certificate is its certificate. */
    if (in->authorization && (sr_auth_has_file(e->auth) || !in->tls_cn)) {
        enum sr_auth_verdict v =
            sr_auth_basic(e->auth, in->authorization, false, &acc->principal, &why);
        if (v == SR_AUTH_ACCEPTED)
            return charge(e, "p", acc->principal.name, resp, err);
        enum sr_err rc = charge(e, "a", acc->address, resp, err);
        if (rc != SR_OK)
            return rc;
        if (v == SR_AUTH_NEEDS_HASH)
            return check_password(e, in, acc, resp, err);
        return unauthenticated(e, why, resp, err);
    }
    if (in->tls_cn) {
        sr_auth_certificate(e->auth, in->tls_cn, &acc->principal);
        return charge(e, "p", acc->principal.name, resp, err);
    }
    enum sr_err rc = charge(e, "a", acc->address, resp, err);
    if (rc != SR_OK)
        return rc;
    return unauthenticated(e,
                           sr_auth_has_file(e->auth) ? "Authentication required"
                                                     : "A client certificate is required",
                           resp, err);
}

static enum sr_err forbidden(const struct sr_access *acc, const char *what, const char *resource,
                             struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_FORBIDDEN, "User '%s' may not %s %s", acc->principal.name, what,
                     resource);
}

static enum sr_err refuse_schema(const struct sr_access *acc, int64_t id, struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_FORBIDDEN, "User '%s' may not read any subject of schema %lld",
                     acc->principal.name, (long long)id);
}

static enum sr_err check_schema_id(struct sr_server *srv, const struct sr_route_match *m,
                                   const struct sr_access *acc, struct sr_error *err)
{
    /* Confluent 8 reads an id in the context its ?subject= (or the URL's
     * /contexts/{ctx}/) names, and GUIDs in any: the handlers find which,
     * then ask sr_request_may_read_schema(). */
    if (srv->registry && sr_registry_opts(srv->registry)->api == SR_API_8)
        return SR_OK;
    const char *text = param(m, "id");
    char *end = NULL;
    errno = 0;
    long long id = text ? strtoll(text, &end, 10) : 0;
    if (!text || end == text || *end || errno || id < 1)
        return SR_OK; /* not an id the store holds: the handler answers */
    bool ok = false;
    enum sr_err rc = may_read_carrier(srv, NULL, SR_DEFAULT_CONTEXT, id, acc, &ok, err);
    if (rc != SR_OK || ok)
        return rc;
    return refuse_schema(acc, id, err);
}

/* Step 7. */
static enum sr_err authorize(struct sr_server *srv, const struct sr_route_match *m,
                             const struct sr_access *acc, struct sr_error *err)
{
    const struct sr_principal *p = &acc->principal;
    const char *subject = param(m, "subject");
    switch (m->route->access) {
    case SR_ACCESS_OPEN:
    case SR_ACCESS_PRINCIPAL:
    case SR_ACCESS_LISTING:
        return SR_OK;
    case SR_ACCESS_SUBJECT_READ:
    case SR_ACCESS_SUBJECT_WRITE: {
        bool write = m->route->access == SR_ACCESS_SUBJECT_WRITE;
        if (subject && sr_principal_may_subject(p, write ? SR_OP_WRITE : SR_OP_READ, subject))
            return SR_OK;
        char resource[SR_PRINCIPAL_MAX + 16];
        snprintf(resource, sizeof resource, "Subject:%.200s%s", subject ? subject : "",
                 subject && strlen(subject) > 200 ? "..." : "");
        return forbidden(acc, write ? "write" : "read", resource, err);
    }
    case SR_ACCESS_METRICS:
    case SR_ACCESS_CONFIG_READ:
        if (sr_principal_may(p, SR_OP_READ, CONFIG_RESOURCE, sizeof CONFIG_RESOURCE - 1))
            return SR_OK;
        return forbidden(acc, "read", CONFIG_RESOURCE, err);
    case SR_ACCESS_UNSET:
    case SR_ACCESS_CONFIG_WRITE:
        if (sr_principal_may(p, SR_OP_WRITE, CONFIG_RESOURCE, sizeof CONFIG_RESOURCE - 1))
            return SR_OK;
        return forbidden(acc, "write", CONFIG_RESOURCE, err);
    case SR_ACCESS_SCHEMA_ID:
        return check_schema_id(srv, m, acc, err);
    }
    return forbidden(acc, "call", m->route->pattern, err);
}

/* Step 2: a CORS preflight for a path some route has. */
static bool is_preflight(const struct sr_http_input *in, const struct sr_route_match *m)
{
    return strcmp(in->method, "OPTIONS") == 0 && in->origin && in->cors_method && m->route;
}

enum sr_err sr_access_check(struct sr_server *srv, const struct sr_http_input *in,
                            const struct sr_route_match *match, enum sr_err router_rc,
                            struct sr_access *acc, struct sr_response *resp, struct sr_error *err)
{
    struct sr_edge *e = srv ? srv->edge : NULL;
    if (!e)
        return router_rc;
    if (!sr_origin_host_allowed(&e->origin, in->host))
        return sr_errorf(err, SR_ERR_MISDIRECTED, "Host '%.200s' is not served here", in->host);
    enum sr_origin_verdict origin = sr_origin_judge(&e->origin, in->origin, in->host, in->tls);
    if (origin == SR_ORIGIN_LISTED)
        resp->allow_origin = in->origin;
    if (is_preflight(in, match)) {
        if (origin != SR_ORIGIN_LISTED && origin != SR_ORIGIN_SAME)
            return sr_errorf(err, SR_ERR_FORBIDDEN, "Origin '%.200s' is not allowed", in->origin);
        resp->status = 204;
        resp->preflight = true;
        acc->answered = true;
        return SR_OK;
    }
    if (router_rc != SR_OK)
        return router_rc;
    assert(match->route);
    format_address(in->peer, acc->address, sizeof acc->address);
    if (!is_read_method(in->method) && origin == SR_ORIGIN_FOREIGN)
        return sr_errorf(err, SR_ERR_FORBIDDEN,
                         "Origin '%.200s' may not write here (see --cors-origins)", in->origin);
    acc->enforced = e->enforce;
    if (is_health(match->route))
        return SR_OK;
    if (!e->enforce || !rule_needs_principal(e, match->route->access))
        return charge(e, "a", acc->address, resp, err);
    enum sr_err rc = authenticate(e, in, acc, resp, err);
    return rc != SR_OK ? rc : authorize(srv, match, acc, err);
}

bool sr_request_may_read(const struct sr_request *req, const char *subject)
{
    const struct sr_access *acc = req->access;
    if (!acc || !acc->enforced)
        return true;
    return sr_principal_may_subject(&acc->principal, SR_OP_READ, subject);
}

enum sr_err sr_request_may_read_schema(const struct sr_request *req, struct sr_txn *t,
                                       const char *context, int64_t id, struct sr_error *err)
{
    const struct sr_access *acc = req->access;
    if (!acc || !acc->enforced)
        return SR_OK;
    bool ok = false;
    enum sr_err rc = may_read_carrier(req->server, t, context, id, acc, &ok, err);
    if (rc != SR_OK || ok)
        return rc;
    return refuse_schema(acc, id, err);
}

const char *sr_request_principal(const struct sr_request *req)
{
    const struct sr_access *acc = req->access;
    return acc && acc->enforced ? acc->principal.name : NULL;
}

bool sr_request_may(const struct sr_request *req, bool write, enum sr_request_scope scope,
                    const char *subject)
{
    const struct sr_access *acc = req->access;
    if (!acc || !acc->enforced)
        return true;
    enum sr_op op = write ? SR_OP_WRITE : SR_OP_READ;
    switch (scope) {
    case SR_SCOPE_CONFIG:
        return sr_principal_may(&acc->principal, op, CONFIG_RESOURCE, sizeof CONFIG_RESOURCE - 1);
    case SR_SCOPE_SUBJECT:
        return sr_principal_may_subject(&acc->principal, op, subject);
    case SR_SCOPE_SOME_SUBJECT:
        return sr_principal_may_some_subject(&acc->principal, op);
    }
    return false;
}

void sr_request_audit(const struct sr_request *req, const char *route, const char *subject,
                      int status, json_t *result)
{
    struct sr_edge *e = req->server ? req->server->edge : NULL;
    const struct sr_access *acc = req->access;
    if (!e || !acc)
        return;
    struct sr_audit_event ev = {
        .principal = acc->principal.name,
        .address = acc->address,
        .method = req->method,
        .route = route,
        .subject = subject,
        .status = status,
        .result = result,
    };
    sr_audit_write(e->audit, &ev);
}

size_t sr_request_keep_readable(const struct sr_request *req, char **items, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (sr_request_may_read(req, items[i]))
            items[kept++] = items[i];
        else
            free(items[i]);
    }
    return kept;
}

/* ---- what the caller may do ----------------------------------------------------------- */

static json_t *permission(const char *op, const char *pattern)
{
    return json_pack("{s:s, s:s}", "operation", op, "resource", pattern);
}

/* The caller's rules as the authfile gives them; Write on everything when
 * nothing is checked or a certificate is the whole policy. */
static json_t *permissions_of(bool enforced, const struct sr_principal *p)
{
    json_t *list = json_array();
    if (!enforced || p->unrestricted) {
        json_array_append_new(list, permission("Write", ".*"));
        return list;
    }
    for (size_t i = 0; i < sr_acl_count(p->acl); i++) {
        enum sr_op op;
        const char *pattern = sr_acl_entry(p->acl, i, &op);
        json_array_append_new(list, permission(op == SR_OP_WRITE ? "Write" : "Read", pattern));
    }
    return list;
}

enum sr_err sr_access_describe(const struct sr_request *req, json_t **out, struct sr_error *err)
{
    static const struct sr_principal nobody = {.unrestricted = false};
    const struct sr_access *acc = req->access;
    bool enforced = acc && acc->enforced;
    const struct sr_principal *p = acc ? &acc->principal : &nobody;
    const char *subject = sr_request_query(req, "subject");
    json_t *name = enforced && p->name[0] ? json_string(p->name) : json_null();
    json_t *doc = json_pack(
        "{s:o?, s:b, s:{s:b, s:b}, s:o}", "principal", name, "authentication", enforced, "config",
        "read",
        !enforced || sr_principal_may(p, SR_OP_READ, CONFIG_RESOURCE, sizeof CONFIG_RESOURCE - 1),
        "write",
        !enforced || sr_principal_may(p, SR_OP_WRITE, CONFIG_RESOURCE, sizeof CONFIG_RESOURCE - 1),
        "permissions", permissions_of(enforced, p));
    if (doc && subject) {
        json_t *s = json_string(subject);
        if (!s) {
            json_decref(doc);
            return sr_errorf(err, SR_ERR_BAD_REQUEST, "The subject is not valid UTF-8");
        }
        json_object_set_new(
            doc, "subject",
            json_pack("{s:o, s:b, s:b}", "name", s, "read", sr_request_may_read(req, subject),
                      "write", !enforced || sr_principal_may_subject(p, SR_OP_WRITE, subject)));
    }
    if (!doc)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    *out = doc;
    return SR_OK;
}

/* ---- the audit line ------------------------------------------------------------------ */

/* What a write's answer says it did: its id, version(s), level or mode. */
static json_t *audit_result(const struct sr_response *resp)
{
    static const char *const keys[] = {"id", "compatibility", "compatibilityLevel", "mode"};
    if (!resp->body || resp->status >= 300)
        return NULL;
    /* A registration's answer, in either shape, starts with its id: read
     * without parsing the schema text that follows it. */
    static const char id_key[] = "{\"id\":";
    if (resp->body_len > sizeof id_key && memcmp(resp->body, id_key, sizeof id_key - 1) == 0) {
        char *end = NULL;
        long long id = strtoll(resp->body + sizeof id_key - 1, &end, 10);
        if (end && (*end == ',' || *end == '}'))
            return json_pack("{s:I}", "id", (json_int_t)id);
    }
    if (resp->body_len > AUDIT_RESULT_MAX)
        return NULL;
    json_t *doc = json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY, NULL);
    json_t *out = NULL;
    if (json_is_integer(doc)) {
        out = json_pack("{s:O}", "version", doc);
    } else if (json_is_array(doc)) {
        out = json_pack("{s:O}", "versions", doc);
    } else if (json_is_object(doc)) {
        out = json_object();
        for (size_t i = 0; out && i < sizeof keys / sizeof keys[0]; i++) {
            json_t *v = json_object_get(doc, keys[i]);
            if (json_is_integer(v) || json_is_string(v))
                json_object_set(out, keys[i], v);
        }
    }
    json_decref(doc);
    return out;
}

void sr_access_done(struct sr_server *srv, const struct sr_http_input *in,
                    const struct sr_route_match *match, enum sr_err router_rc,
                    struct sr_access *acc, const struct sr_response *resp)
{
    struct sr_edge *e = srv ? srv->edge : NULL;
    if (e && router_rc == SR_OK && match->route && is_write_rule(match->route->access) &&
        !acc->answered) {
        if (!acc->address[0])
            format_address(in->peer, acc->address, sizeof acc->address);
        json_t *result = audit_result(resp);
        struct sr_audit_event ev = {
            .principal = acc->principal.name,
            .address = acc->address,
            .method = in->method,
            .route = match->route->pattern,
            .subject = param(match, "subject"),
            .status = resp->status,
            .result = result,
        };
        sr_audit_write(e->audit, &ev);
        json_decref(result);
    }
    sr_principal_release(&acc->principal);
}

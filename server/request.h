/*
 * request.h - the contract between the HTTP layer (http.c, router.c) and the
 * endpoint handlers (handlers_*.c).
 *
 * The HTTP layer accepts a request, caps and collects its body, checks its
 * media types, matches it to a route, percent-decodes the path parameters and
 * calls the route's handler. A handler reads the request, and either fills
 * *resp (status 200 unless it says otherwise, a JSON body) and returns SR_OK,
 * or returns an error code with a message in *err; the HTTP layer then sends
 * {"error_code": N, "message": "..."} with the status from the error table.
 * Handlers never build error bodies or pick error statuses themselves.
 *
 * Security stays out of the handlers: each route names its access rule in
 * the table, and the HTTP layer (access.c) authenticates the request and
 * applies the rule before the handler runs. A handler never sees
 * credentials; the only thing it asks is sr_request_may_read(), to leave out
 * of a listing the subjects its caller may not read (and GET /permissions,
 * sr_request_may(), to say what the caller may do).
 */
#ifndef SR_SERVER_REQUEST_H
#define SR_SERVER_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct sr_server;
struct sr_access;
struct sr_txn;

#define SR_MAX_PATH_PARAMS 3

struct sr_request {
    const char *method;                     /* "GET", "POST", "PUT", "DELETE" */
    const char *path;                       /* the raw path as sent, without the query */
    const char *params[SR_MAX_PATH_PARAMS]; /* decoded path parameters, in pattern order */
    size_t param_count;
    const char *body; /* NUL-terminated; "" when there is none */
    size_t body_len;
    struct sr_server *server;
    void *conn;                     /* the transport's connection, for query lookups */
    const struct sr_access *access; /* who is asking (access.h); NULL: anyone may read all */
};

/* A query parameter's value, or NULL when absent. Borrowed for the request. */
const char *sr_request_query(const struct sr_request *req, const char *key);
/* Every value of a repeated query parameter (?key=a&key=b), percent-decoded,
 * in order: up to max of them into out (borrowed for the request). Returns
 * how many there are. */
size_t sr_request_query_all(const struct sr_request *req, const char *key, const char **out,
                            size_t max);
/* JAX-RS boolean: "true" in any case is true; anything else, or absence, false. */
bool sr_request_query_bool(const struct sr_request *req, const char *key);
/* A request header's value (name in any case), or NULL when absent. Borrowed
 * for the request. */
const char *sr_request_header(const struct sr_request *req, const char *name);

/* A response header beyond Content-Type. Both strings static (or at least
 * alive until the response is sent): the HTTP layer copies them. */
struct sr_header {
    const char *name;
    const char *value;
};

#define SR_RESPONSE_MAX_HEADERS 8
/* Whether the caller may read subject: listings show only such subjects.
 * Always true when the server checks no credentials. (access.c) */
bool sr_request_may_read(const struct sr_request *req, const char *subject);
/* For GET /permissions, the one handler that tells the caller what it may
 * do (so that a UI offers only that): the principal's name, or NULL when the
 * server checks no credentials (then everyone may do everything); and
 * whether the caller may read (write false) or write the global config and
 * mode (SR_SCOPE_CONFIG, "Config:"), subject (SR_SCOPE_SUBJECT) or some
 * subject (SR_SCOPE_SOME_SUBJECT). (access.c) */
enum sr_request_scope { SR_SCOPE_CONFIG, SR_SCOPE_SUBJECT, SR_SCOPE_SOME_SUBJECT };
const char *sr_request_principal(const struct sr_request *req);
bool sr_request_may(const struct sr_request *req, bool write, enum sr_request_scope scope,
                    const char *subject);
/* The audit line (audit.h) of one write inside a request that carries
 * several (POST /registrations): the request's principal, address and
 * method, route, subject, the write's own status and result (borrowed; may
 * be NULL). Nothing without an edge. (access.c) */
void sr_request_audit(const struct sr_request *req, const char *route, const char *subject,
                      int status, json_t *result);
/* Keeps the subjects of items[0..count) (heap strings) that the caller may
 * read, in order, frees the others, and returns how many are kept. */
size_t sr_request_keep_readable(const struct sr_request *req, char **items, size_t count);
/* SR_ACCESS_SCHEMA_ID for an id the handler found itself (Confluent 8
 * reads ids across contexts, and GUIDs): SR_OK when the caller may read
 * some subject carrying (context, id), soft-deleted versions included, or
 * none carries it, or credentials are not checked; SR_ERR_FORBIDDEN
 * otherwise. Reads through t when given, else through a transaction of its
 * own (the default context's answers are cached by the edge). (access.c) */
enum sr_err sr_request_may_read_schema(const struct sr_request *req, struct sr_txn *t,
                                       const char *context, int64_t id, struct sr_error *err);

struct sr_response {
    int status; /* 0 means 200 */
    char *body; /* heap, NUL-terminated; the HTTP layer frees it */
    size_t body_len;
    const char *content_type; /* static string; NULL means the negotiated JSON media type */
    /* Static bytes to send instead of body (never freed); body must be NULL. */
    const void *static_body;
    struct sr_header headers[SR_RESPONSE_MAX_HEADERS]; /* sent with any status */
    size_t header_count;
    /* Set by the HTTP layer's access checks, never by handlers: */
    bool challenge;           /* 401: send WWW-Authenticate: Basic realm="avro-registry" */
    bool preflight;           /* a CORS preflight answer: send the Allow-Methods/Headers */
    unsigned retry_after;     /* > 0: send Retry-After (429) */
    const char *allow_origin; /* send CORS headers for this origin (borrowed for the request) */
};

typedef enum sr_err (*sr_handler_fn)(struct sr_request *req, struct sr_response *resp,
                                     struct sr_error *err);

/* Who may call a route; the HTTP layer applies it before the handler runs
 * whenever the server checks credentials (--auth-file, --tls-client-ca).
 * Resources are Karapace's: "Subject:<name>" and "Config:". */
enum sr_access_rule {
    SR_ACCESS_UNSET, /* not said: as SR_ACCESS_CONFIG_WRITE (a test keeps the table free of it) */
    SR_ACCESS_OPEN,  /* anyone, with or without credentials (health) */
    SR_ACCESS_PRINCIPAL,     /* any authenticated principal */
    SR_ACCESS_LISTING,       /* any principal; the handler lists only what it may read */
    SR_ACCESS_SUBJECT_READ,  /* Read on Subject:{subject} */
    SR_ACCESS_SUBJECT_WRITE, /* Write on Subject:{subject} (audited) */
    SR_ACCESS_CONFIG_READ,   /* Read on Config: */
    SR_ACCESS_CONFIG_WRITE,  /* Write on Config: (audited) */
    SR_ACCESS_SCHEMA_ID,     /* Read on some subject that carries {id}; lists filtered. In
                              * Confluent 8's dialect the handler finds the context (or the
                              * GUID's ids) and checks: sr_request_may_read_schema() */
    SR_ACCESS_METRICS,       /* open, or Read on Config: with --protect-metrics */
};

/* One route. pattern segments in braces are parameters: "/subjects/{subject}". */
struct sr_route {
    const char *method;
    const char *pattern;
    sr_handler_fn handler;
    enum sr_access_rule access;
};

/* The route table, in server/routes.c; NULL-terminated (method NULL). */
extern const struct sr_route sr_routes[];

#endif

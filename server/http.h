/*
 * http.h - the HTTP transport: a libmicrohttpd daemon (epoll, one thread
 * pool sized by config.threads) that collects request bodies up to the cap,
 * negotiates media types, routes (router.h), runs the handler and turns its
 * result or error into a response (reply.h).
 *
 * The pieces that need no socket are plain functions, for tests:
 * sr_http_content_type_ok(), sr_http_negotiate() and sr_http_dispatch().
 *
 * Per request, in this order (as Jersey does):
 *   body over the cap            413 (before routing; an announced
 *                                Content-Length over the cap is refused
 *                                without reading the body)
 *   no route has the path        404
 *   path known, method not       405
 *   bad Content-Type             415 (absent, or one of the four JSON/octet
 *                                types, parameters allowed)
 *   nothing acceptable in Accept 406 (GET /metrics and the /ui routes are
 *                                exempt: they answer text and files)
 *   otherwise                    the handler's answer
 * with the security edge's checks (access.h: Host, Origin, credentials, the
 * request rate, the route's access rule) after routing and before the media
 * types, and the limits (limits.h: connections per address, the header
 * deadline, request-line and header sizes) around it all. Handlers never
 * see the Authorization header. Responses carry the negotiated type
 * (default application/vnd.schemaregistry.v1+json) unless the handler set
 * content_type, plus any headers it listed in resp->headers.
 */
#ifndef SR_SERVER_HTTP_H
#define SR_SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "server/request.h"
#include "server/server.h"

/* The media types the server produces, best first (server quality 1, 0.9, 0.5). */
enum sr_media {
    SR_MEDIA_NONE, /* nothing acceptable: 406 */
    SR_MEDIA_V1,   /* application/vnd.schemaregistry.v1+json */
    SR_MEDIA_SR,   /* application/vnd.schemaregistry+json */
    SR_MEDIA_JSON, /* application/json */
};

/* The name of m (static); SR_MEDIA_NONE names the default type. */
const char *sr_media_name(enum sr_media m);

/* Whether a request Content-Type is accepted: NULL or blank, or one of
 * application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json,
 * application/json, application/octet-stream (any case, any parameters). */
bool sr_http_content_type_ok(const char *content_type);

/* The response media type for an Accept header (NULL or blank: the default).
 * For each type we produce, the most specific matching range gives its
 * quality (exact, then "application/ *", then "* / *"; q=0 excludes); the winner has the
 * highest client quality, then the most specific range, then our own
 * preference. Parameters other than q are ignored; a lone "*" counts as
 * "* / *" (Java's HttpURLConnection sends one). SR_MEDIA_NONE: answer 406. */
enum sr_media sr_http_negotiate(const char *accept);

/* Looks up a raw query parameter (keys as sent; values with '+' already
 * turned into spaces but not percent-decoded), or NULL. */
typedef const char *(*sr_http_query_fn)(void *cls, const char *key);
/* Calls fn(arg, value) for every value of query parameter key, in order. */
typedef void (*sr_http_value_fn)(void *arg, const char *value);
typedef void (*sr_http_query_each_fn)(void *cls, const char *key, sr_http_value_fn fn, void *arg);

struct sockaddr;

/* One request as the transport hands it over. All borrowed. */
struct sr_http_input {
    const char *method;
    const char *path;         /* raw path, without the query string */
    const char *content_type; /* NULL when absent */
    const char *accept;       /* NULL when absent */
    const char *body;         /* NUL-terminated; NULL or "" when none */
    size_t body_len;
    sr_http_query_fn query;           /* NULL: no query parameters */
    sr_http_query_fn header;          /* request headers by name; NULL: none */
    sr_http_query_each_fn query_each; /* repeated parameters; NULL: query's one value */
    void *query_cls;                  /* passed to query and header */
    /* What the access checks (access.h) read; NULL when absent. */
    const char *authorization;
    const char *origin;
    const char *host;
    const char *cors_method;     /* Access-Control-Request-Method */
    const struct sockaddr *peer; /* the client's address */
    bool tls;                    /* arrived over TLS */
    const char *tls_cn;          /* a verified client certificate's subject CN */
    const char *tls_refusal;     /* why a presented client certificate was refused */
};

/* Routes in against routes (sr_routes in the server; tests may pass their
 * own NULL-terminated table), checks its media types, runs the handler and fills *resp
 * (zeroed by the caller): status is never 0, content_type never NULL, body
 * is the caller's to free (NULL only for an empty body, or with status 500
 * when even the error body could not be allocated: send SR_REPLY_OOM_BODY).
 * *route_index_out gets the index in routes of the route whose pattern
 * matched (SR_METRICS_UNMATCHED when none), for metrics. */
void sr_http_dispatch(struct sr_server *srv, const struct sr_route *routes,
                      const struct sr_http_input *in, struct sr_response *resp,
                      size_t *route_index_out);

/* Starts the daemon on srv->config (listen, port, threads, max_body_bytes)
 * and sets srv->daemon and srv->bound_port. srv, its metrics and everything
 * the handlers reach must stay valid until sr_http_stop().
 * Errors: SR_ERR_IO (cannot resolve or bind; libmicrohttpd's reason is in
 * the log). */
enum sr_err sr_http_start(struct sr_server *srv, struct sr_error *err);

/* Stops accepting connections (new clients are refused at once); open
 * connections keep being served, and their replies carry "Connection: close"
 * once srv->stopping is set. */
void sr_http_quiesce(struct sr_server *srv);

/* Requests received and not yet completed (0 without metrics). */
int64_t sr_http_in_flight(const struct sr_server *srv);

/* Closes every connection, joins the threads, closes the listening socket.
 * NULL-safe on a server that never started. */
void sr_http_stop(struct sr_server *srv);

#endif

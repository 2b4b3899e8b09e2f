/*
 * origin.h - keeping browsers from being turned against the registry.
 *
 * A web page on another site can make its visitor's browser send requests
 * here: a cross-site fetch with no Content-Type is a "simple" request that
 * the browser sends without asking first, and the registry accepts a body
 * without a Content-Type. So:
 *   - a write (any method but GET, HEAD and OPTIONS) that carries an Origin
 *     header is refused (403) unless that origin is the registry's own (the
 *     Origin's host and port are the request's Host, over the same scheme)
 *     or listed in --cors-origins;
 *   - listed origins get CORS answers: Access-Control-Allow-Origin (the
 *     origin itself, never "*"), -Allow-Credentials, Vary: Origin, and a
 *     preflight (OPTIONS with Access-Control-Request-Method) answered 204
 *     with the methods and headers allowed; any other origin's preflight
 *     gets 403 and no CORS headers, so the browser stops there;
 *   - with --allowed-hosts, a request whose Host (port ignored) is not in
 *     the list gets 421, which stops DNS rebinding (an attacker's name that
 *     resolves to the registry's address).
 * Clients that send no Origin (curl, Kafka clients, libavroreg) are not
 * affected; nor is anything when neither list is given, except that a
 * foreign Origin cannot write.
 *
 * Origins are compared as ASCII, case-insensitively, exactly
 * ("https://ui.example.com:8443"); host names likewise.
 *
 * Thread safety: a policy is immutable once parsed.
 */
#ifndef SR_SERVER_ORIGIN_H
#define SR_SERVER_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct sr_origin_policy {
    char **origins; /* --cors-origins */
    size_t origin_count;
    char **hosts; /* --allowed-hosts; none: any host */
    size_t host_count;
};

/* Parses two comma-separated lists (NULL or "" for none) into *p. An origin
 * must be scheme://host[:port] with scheme http or https and no path.
 * Errors: SR_ERR_BAD_REQUEST naming the bad entry; SR_ERR_NOMEM. On error
 * *p holds nothing. */
enum sr_err sr_origin_policy_parse(const char *cors_origins, const char *allowed_hosts,
                                   struct sr_origin_policy *p, struct sr_error *err);
void sr_origin_policy_release(struct sr_origin_policy *p);

/* Whether a request for host (the Host header, NULL when absent) is served.
 * Without --allowed-hosts every host is. A request without Host is served
 * (HTTP/1.0). */
bool sr_origin_host_allowed(const struct sr_origin_policy *p, const char *host);

enum sr_origin_verdict {
    SR_ORIGIN_ABSENT,  /* no Origin header */
    SR_ORIGIN_SAME,    /* the registry's own origin */
    SR_ORIGIN_LISTED,  /* in --cors-origins: answer with CORS headers */
    SR_ORIGIN_FOREIGN, /* anything else: no writes, no CORS */
};

/* Judges an Origin header against the request's Host and scheme. */
enum sr_origin_verdict sr_origin_judge(const struct sr_origin_policy *p, const char *origin,
                                       const char *host, bool tls);

/* What a preflight answers, for Access-Control-Allow-Methods / -Headers. */
#define SR_CORS_ALLOW_METHODS "GET, HEAD, POST, PUT, DELETE"
#define SR_CORS_ALLOW_HEADERS "Accept, Authorization, Content-Type"
#define SR_CORS_MAX_AGE "600"

#endif

/*
 * access.h - the gate every request passes before its handler runs: the
 * one place that turns a request into a principal and decides, from the
 * route's access rule (request.h), whether it may go on. The HTTP layer
 * (http.c) calls sr_access_check() once per request after routing and
 * sr_access_done() after the answer is made; handlers only see the result
 * through sr_request_may_read().
 *
 * In order, for a server with an edge (edge.h):
 *   1. Host outside --allowed-hosts                       421
 *   2. a CORS preflight (OPTIONS with Origin and
 *      Access-Control-Request-Method) for a known path    204 for the
 *      registry's own or a listed origin, else            403
 *   3. the router's own answer (404, 405, a bad parameter)
 *   4. a write carrying a foreign Origin                  403
 *   5. authentication, when the server checks credentials (an authfile or
 *      a client CA) and the route is not open: Basic credentials when the
 *      request has an Authorization header, else a verified client
 *      certificate (without an authfile, a certificate wins over Basic
 *      credentials sent beside it); none, or wrong ones   401 (with
 *      WWW-Authenticate: Basic realm="avro-registry" when there is an
 *      authfile)
 *   6. the request rate (never for /health/live and /health/ready, so that a
 *      busy address cannot get its orchestrator's probes refused), charged
 *      to the principal when it was recognised cheaply (remembered
 *      credentials, a certificate), else to the client address, before any
 *      password hash is computed; then, before a hash
 *      is computed, the address's allowance of failed password checks
 *      (limits.h), which each failure spends               429 + Retry-After
 *   7. the route's rule against the principal's permissions   403
 * A route whose rule writes (SR_ACCESS_SUBJECT_WRITE, SR_ACCESS_CONFIG_WRITE)
 * is audited (audit.h) whatever the outcome, once routed.
 *
 * For SR_ACCESS_SCHEMA_ID the subjects that carry the id (soft-deleted
 * versions included) come from the store through a cache by id that follows
 * the store's SR_CHANGE_ANY marker; an id no subject carries is left to the
 * handler (it answers 404 when the schema is not there). With Confluent 8's
 * shapes (--api-shapes 8) an id is read in the context the request names
 * and a GUID in any, which only the handler finds out: step 7 lets such
 * requests through, and the handlers call sr_request_may_read_schema()
 * (request.h) on what they found, with the same rule and cache.
 *
 * Thread safety: per request; the edge's parts are thread-safe.
 */
#ifndef SR_SERVER_ACCESS_H
#define SR_SERVER_ACCESS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "server/auth.h"
#include "server/http.h"
#include "server/idcache.h"
#include "server/router.h"

/* One request's standing. Zero-initialise it before sr_access_check(). */
struct sr_access {
    struct sr_principal principal;
    bool enforced; /* credentials are checked: listings are filtered */
    bool answered; /* the gate made the whole answer (a preflight): run no handler */
    char address[64];
};

/* Applies the steps above to in, routed as match with the router's result
 * router_rc. Returns SR_OK to go on (run the handler, unless acc->answered)
 * or the error to answer, with the answer's edge fields (challenge,
 * retry_after, allow_origin) set in resp. NULL-safe for srv and its edge:
 * then it only passes router_rc on. */
enum sr_err sr_access_check(struct sr_server *srv, const struct sr_http_input *in,
                            const struct sr_route_match *match, enum sr_err router_rc,
                            struct sr_access *acc, struct sr_response *resp, struct sr_error *err);

/* The cache of the subjects carrying each id that the edge keeps for
 * SR_ACCESS_SCHEMA_ID (free with sr_idcache_free); NULL on OOM. */
struct sr_idcache *sr_access_carriers_new(void);

/* GET /v1/principal: what the caller of req is and may do, for clients such
 * as the web UI that hide what their user may not perform (the registry
 * stays the judge):
 *   {"principal": "alice" (null when credentials are not checked),
 *    "authentication": true (whether the registry checks credentials),
 *    "config": {"read": true, "write": false}  (the resource "Config:"),
 *    "permissions": [{"operation": "Read", "resource": "Subject:orders-.*"}],
 *    "subject": {"name": "orders-value", "read": true, "write": false}}
 * "permissions" are the principal's entries of the authfile, in its order,
 * as written (PCRE/Python syntax, matched from the start of
 * "Subject:<name>" or "Config:"); [{"operation": "Write", "resource": ".*"}]
 * when everything is allowed (no credentials checked, or a client
 * certificate with no authfile). "subject" is there only for ?subject=NAME,
 * judged by the registry itself. The caller owns *out. Errors:
 * SR_ERR_BAD_REQUEST (a subject that is not UTF-8), SR_ERR_NOMEM. */
enum sr_err sr_access_describe(const struct sr_request *req, json_t **out, struct sr_error *err);

/* After the answer: audits a write and releases acc. NULL-safe for srv. */
void sr_access_done(struct sr_server *srv, const struct sr_http_input *in,
                    const struct sr_route_match *match, enum sr_err router_rc,
                    struct sr_access *acc, const struct sr_response *resp);

#endif

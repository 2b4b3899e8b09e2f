/*
 * router.h - matching a request's method and raw path against a route table
 * (request.h) and decoding the path parameters.
 *
 * Rules:
 *  - The path is the raw request path (no query string, not yet decoded).
 *    It is split on '/' first and each segment percent-decoded after, so a
 *    subject "a/b" sent as "a%2Fb" is one parameter.
 *  - Static segments match exactly (after decoding); a {param} segment
 *    matches one non-empty segment. One trailing slash is accepted
 *    ("/subjects/" matches "/subjects"); empty segments elsewhere are not.
 *  - '+' in a path is a literal plus (RFC 3986, and what Jersey does);
 *    "%2B" is a plus too, "%20" a space. (Query strings differ: there '+'
 *    is a space; see http.c.)
 *  - HEAD is answered by the GET route of the same path.
 *
 * Errors (enum sr_err, message in err):
 *  - SR_ERR_NOT_FOUND "HTTP 404 Not Found": no route has this path.
 *  - SR_ERR_METHOD_NOT_ALLOWED "HTTP 405 Method Not Allowed": some route has
 *    the path but none has the method (match->route_index names that route).
 *  - SR_ERR_BAD_REQUEST: a malformed escape ("%", "%zz") in the path.
 *  - A parameter that decodes to invalid UTF-8 or contains NUL cannot name
 *    anything the registry stores, and is rejected by its name:
 *      {subject} -> SR_ERR_INVALID_SUBJECT (422, 42208), as Confluent
 *                   answers an invalid subject on register. (On reads
 *                   Confluent would answer 40401; one answer for every
 *                   route is simpler and still says what is wrong.)
 *      {version} -> SR_ERR_INVALID_VERSION (422, 42202), as for any
 *                   version text that is not a version.
 *      others    -> SR_ERR_NOT_FOUND (404), as Jersey answers an {id} that
 *                   does not convert to an integer.
 */
#ifndef SR_SERVER_ROUTER_H
#define SR_SERVER_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "server/request.h"

struct sr_route_match {
    const struct sr_route *route; /* the route found; for 405 one with the same path; else NULL */
    size_t route_index;           /* index of route in the table; SIZE_MAX when route is NULL */
    const char *params[SR_MAX_PATH_PARAMS]; /* decoded, NUL-terminated, inside scratch */
    size_t param_count;
};

/* Bytes of scratch sr_router_match() needs for path: strlen(path) + 1. */
size_t sr_router_scratch_size(const char *path);

/* Matches method and path against table (NULL-terminated). Decoded params
 * are written to scratch (at least sr_router_scratch_size(path) bytes) and
 * point into it. match is filled in every case (route NULL when nothing
 * matched the path). Allocates nothing. Errors: see above; SR_ERR_INTERNAL
 * if scratch is too small. */
enum sr_err sr_router_match(const struct sr_route *table, const char *method, const char *path,
                            char *scratch, size_t scratch_len, struct sr_route_match *match,
                            struct sr_error *err);

/* Percent-decodes in[0..len) into out (room for len bytes; no terminator is
 * written); *out_len gets the decoded length. '+' is left alone. Returns
 * false on a malformed escape. out may equal in (decoding in place). */
bool sr_percent_decode(const char *in, size_t len, char *out, size_t *out_len);

/* Whether s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, at
 * most U+10FFFF). */
bool sr_utf8_valid(const char *s, size_t len);

#endif

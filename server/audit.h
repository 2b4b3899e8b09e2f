/*
 * audit.h - the audit trail: one JSON line per write attempt (register,
 * delete, config, mode), whatever its outcome:
 *
 *   {"ts":"2024-05-01T12:34:56.789Z","audit":"write","principal":"alice",
 *    "address":"10.0.0.7","method":"POST","route":"/subjects/{subject}/versions",
 *    "subject":"orders-value","status":200,"outcome":"ok","id":12}
 *
 * principal is "" when nobody was authenticated; outcome is ok (2xx),
 * unauthenticated (401), forbidden (403), limited (429), refused (other 4xx)
 * or error (5xx); what the write produced follows when it says so: "id"
 * (a registration), "version" (a version deleted), "versions" (a subject
 * deleted), "compatibility" or "mode" (the new level or mode). Never a
 * password, an Authorization header or a schema: the caller passes only the
 * fields above, and the answer's id, version or level.
 *
 * Lines go to the file given (opened for appending, each line one write(2),
 * so lines from several threads never interleave; sr_audit_reopen() after
 * the file was rotated), or to stderr, prefixed "audit ", beside the log.
 *
 * Thread safety: sr_audit_write() from any thread; sr_audit_reopen() from
 * one thread at a time.
 */
#ifndef SR_SERVER_AUDIT_H
#define SR_SERVER_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "common/error.h"

struct sr_audit;

struct sr_audit_event {
    const char *principal; /* "" or NULL: nobody */
    const char *address;   /* the client's address */
    const char *method;
    const char *route;   /* the route's pattern */
    const char *subject; /* NULL for global routes */
    int status;
    json_t *result; /* borrowed: extra fields ("id", "version", ...), or NULL */
};

/* path NULL: stderr. Caller owns *out (sr_audit_free). Errors: SR_ERR_IO
 * (cannot open the file, with the reason), SR_ERR_NOMEM. */
enum sr_err sr_audit_open(const char *path, struct sr_audit **out, struct sr_error *err);
/* NULL-safe. */
void sr_audit_free(struct sr_audit *a);
/* Opens the file again (after log rotation); on failure the old one stays. */
enum sr_err sr_audit_reopen(struct sr_audit *a, struct sr_error *err);

/* The outcome word for an HTTP status. */
const char *sr_audit_outcome(int status);

/* Writes one line. Never fails the request: a line that cannot be written is
 * counted (sr_audit_lost) instead. */
void sr_audit_write(struct sr_audit *a, const struct sr_audit_event *e);
uint64_t sr_audit_lost(const struct sr_audit *a);

#endif

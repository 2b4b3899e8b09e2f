/*
 * edge.h - the security edge of one server: TLS (tls.h), the authenticator
 * and authorizer (auth.h), the audit trail (audit.h), limits (limits.h) and
 * the Origin/Host policy (origin.h), made from the configuration, reloaded
 * on SIGHUP and polled once a second. main() owns it through
 * struct sr_server; the HTTP layer and access.c use it.
 *
 * Without --auth-file and --tls-* the edge checks no credentials and the
 * registry answers as it always did; the limits still apply (with defaults
 * no normal client reaches), and a foreign Origin still cannot write.
 *
 * Logging: this module logs what it loads and reloads (main's thread).
 */
#ifndef SR_SERVER_EDGE_H
#define SR_SERVER_EDGE_H

#include <stdbool.h>

#include "common/error.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/idcache.h"
#include "server/limits.h"
#include "server/origin.h"
#include "server/tls.h"

struct sr_server;

struct sr_edge {
    struct sr_tls *tls;       /* NULL: plain HTTP */
    struct sr_auth *auth;     /* always; without an authfile it knows no users */
    struct sr_audit *audit;   /* always */
    struct sr_limits *limits; /* always */
    struct sr_origin_policy origin;
    struct sr_idcache *carriers; /* schema id -> the subjects that carry it */
    bool enforce;                /* principals required: an authfile or a client CA */
    bool protect_metrics;
};

/* Makes the edge from cfg: loads the certificate, the authfile, opens the
 * audit log, parses the Origin/Host lists, starts the reaper. Caller owns
 * *out (sr_edge_free). Errors: a file that cannot be read or is not valid
 * (SR_ERR_IO, SR_ERR_BAD_REQUEST: the message names the file and the
 * problem; main() exits 2), SR_ERR_NOMEM, SR_ERR_INTERNAL. */
enum sr_err sr_edge_open(const struct sr_config *cfg, struct sr_edge **out, struct sr_error *err);
/* NULL-safe; the HTTP daemon must be stopped first. */
void sr_edge_free(struct sr_edge *e);

/* Logs what the edge does at start-up, and warns when the server listens
 * beyond loopback without authentication. */
void sr_edge_log_start(const struct sr_server *srv);

/* Whether every address listen (a --listen value) resolves to is a
 * loopback one: no warning is due for an unauthenticated server there. */
bool sr_edge_loopback_only(const char *listen);

/* SIGHUP: reloads the certificate and the authfile, reopens the audit log.
 * Each that fails keeps what it had; every outcome is logged. */
void sr_edge_reload(struct sr_server *srv);

/* Once a second from main's loop: reloads the authfile if it changed. */
void sr_edge_tick(struct sr_server *srv);

#endif

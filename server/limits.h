/*
 * limits.h - limits against abuse, at the edge of the HTTP layer:
 *
 *   connections per address   libmicrohttpd refuses the connection past
 *                             per_address (MHD_OPTION_PER_IP_CONNECTION_LIMIT,
 *                             counted across its thread pool); the HTTP layer
 *                             passes it on.
 *   the header deadline       a new connection must deliver a complete
 *                             request header (TLS handshake included) within
 *                             header_timeout_s of being accepted; between
 *                             requests on a kept-alive connection the next
 *                             header must be in within idle_timeout_s of the
 *                             last answer. libmicrohttpd's own timeout is an
 *                             idle timeout that every byte resets, so a
 *                             client sending a byte every few seconds
 *                             (slowloris) would hold a connection forever; a
 *                             reaper thread shuts down (shutdown(2)) each
 *                             connection past its deadline four times a
 *                             second, and libmicrohttpd then closes it.
 *   the request rate          a token bucket per principal, or per client
 *                             address for requests without a verified
 *                             principal: rate tokens a second, burst at most;
 *                             past it the answer is 429 with Retry-After.
 *                             Buckets are keyed by a keyed 64-bit hash
 *                             (SipHash), 64 Ki of them; when every slot a key
 *                             may use is busy the key is let through.
 *   failed password checks    a second table of buckets, per client
 *                             address, holds auth_failures_per_minute
 *                             tokens refilled over a minute; each failed
 *                             password check spends one, and while the
 *                             bucket is empty the address gets 429 before
 *                             any password hash is computed. Successful
 *                             checks cost nothing, so a fleet of clients
 *                             starting at once is never refused; one
 *                             address guessing passwords gets to make the
 *                             server compute only that many memory-hard
 *                             hashes a minute.
 *   request size              a request line longer than max_request_line
 *                             (method, target with query, version) gets 414,
 *                             a header block over max_header_bytes 431, both
 *                             as JSON errors. libmicrohttpd's memory pool per
 *                             connection (sr_limits_pool_bytes) holds both
 *                             and its record of each header, so that these
 *                             answers are ours; a request too large even for
 *                             the pool (far past the caps, or thousands of
 *                             tiny headers) is cut off by libmicrohttpd
 *                             itself, with the same status and its own short
 *                             HTML body. The pool is zeroed between requests,
 *                             so the caps are kept small: raising them costs
 *                             throughput.
 *
 * Every limit is configurable (config.h), with defaults a normal deployment
 * never reaches.
 *
 * Thread safety: any function from any thread, except that a struct sr_conn
 * belongs to the connection's thread (libmicrohttpd serves a connection from
 * one thread at a time) apart from its deadline, which the reaper reads.
 */
#ifndef SR_SERVER_LIMITS_H
#define SR_SERVER_LIMITS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/error.h"

/* libmicrohttpd's idle timeout, and the deadline for the next request's
 * header on a kept-alive connection. */
#define SR_IDLE_TIMEOUT_S 30u

struct sr_limits_config {
    unsigned per_address;              /* connections per client address; 0: no cap */
    unsigned header_timeout_s;         /* >= 1 */
    unsigned idle_timeout_s;           /* >= 1 */
    unsigned rate;                     /* requests per second per key; 0: no rate limit */
    unsigned burst;                    /* bucket size; 0 means 2 * rate */
    unsigned auth_failures_per_minute; /* per address; 0: no limit */
    size_t max_request_line;           /* >= 64 */
    size_t max_header_bytes;           /* >= 256 */
};

struct sr_limits;

/* What the edge knows about one connection. The peer_* fields are the
 * HTTP layer's memo of the client certificate's verdict (tls.h), made once
 * per connection. */
struct sr_conn {
    struct sr_conn *prev, *next; /* limits.c's list, under its lock */
    int fd;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    _Atomic uint64_t deadline_ns; /* 0: not waiting for a request header */
    int peer_state;               /* 0: not judged yet; else enum sr_tls_peer + 1 */
    const char *peer_why;         /* static */
    char peer_cn[256];
    /* strict.h's record of where the current request's target ended (a
     * pointer into libmicrohttpd's buffer), or NULL */
    const char *target_end;
};

/* Caller owns *out (sr_limits_free). Errors: SR_ERR_NOMEM. */
enum sr_err sr_limits_new(const struct sr_limits_config *cfg, struct sr_limits **out,
                          struct sr_error *err);
/* Starts the reaper thread. Errors: SR_ERR_INTERNAL (no thread). */
enum sr_err sr_limits_start(struct sr_limits *lim, struct sr_error *err);
/* Stops the reaper and frees everything; every connection must be closed
 * (the daemon stopped). NULL-safe. */
void sr_limits_free(struct sr_limits *lim);

const struct sr_limits_config *sr_limits_config(const struct sr_limits *lim);

/* libmicrohttpd's per-connection memory pool: room for the largest request
 * head we answer ourselves. */
size_t sr_limits_pool_bytes(const struct sr_limits *lim);

/* ---- connections (libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION) ---- */

/* A connection was accepted on fd from addr: it is on the header deadline
 * from now. NULL on OOM (the connection then has no deadline). */
struct sr_conn *sr_limits_conn_open(struct sr_limits *lim, int fd, const struct sockaddr *addr,
                                    socklen_t addr_len);
/* The connection is closing (before its socket is closed): off every list,
 * freed. NULL-safe. */
void sr_limits_conn_close(struct sr_limits *lim, struct sr_conn *conn);
/* A request header is complete: off the deadline. NULL-safe. */
void sr_limits_headers_in(struct sr_conn *conn);
/* A request was answered; the connection waits for the next one (idle
 * deadline). NULL-safe. */
void sr_limits_request_done(struct sr_limits *lim, struct sr_conn *conn);
/* Connections shut down for missing their deadline, since the start. */
uint64_t sr_limits_reaped(const struct sr_limits *lim);

/* ---- the request rate ---- */

/* Takes one token from the bucket of key[0..len). true: go on. false: over
 * the rate, and *retry_after_s (>= 1) says when a token will be there.
 * Always true when the rate limit is off. */
bool sr_limits_admit(struct sr_limits *lim, const void *key, size_t len, unsigned *retry_after_s);

/* Whether the client at address (text) may have a password checked now: false
 * when its failed checks used up the allowance (auth_failures_per_minute),
 * with *retry_after_s (>= 1) set. Takes nothing. Always true without a limit. */
bool sr_limits_may_check_password(struct sr_limits *lim, const char *address,
                                  unsigned *retry_after_s);
/* A password check for the client at address failed: spends one of its allowance. */
void sr_limits_password_failed(struct sr_limits *lim, const char *address);

/* ---- sizes ---- */

/* SR_ERR_URI_TOO_LONG or SR_ERR_HEADERS_TOO_LARGE (with the limit in the
 * message) when a request head is over the caps; SR_OK otherwise. */
enum sr_err sr_limits_check_sizes(const struct sr_limits *lim, size_t request_line,
                                  size_t header_bytes, struct sr_error *err);

#endif

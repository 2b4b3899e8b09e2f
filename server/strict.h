/*
 * strict.h - the HTTP rules the registry enforces at the edge on top of
 * libmicrohttpd 0.9.75, which lets these through:
 *
 *   - a NUL byte in the request target: libmicrohttpd hands the handler the
 *     path cut at the NUL, so "DELETE /subjects/victim\0/versions/2" would
 *     reach the router as "DELETE /subjects/victim";
 *   - an HTTP/1.1 request without Host, or any request with two Host
 *     headers (RFC 9112 3.2);
 *   - ambiguous body framing, the stuff of request smuggling: both
 *     Content-Length and Transfer-Encoding, Content-Length headers that
 *     disagree, a Transfer-Encoding other than "chunked" (libmicrohttpd would
 *     read such a body until the client closes) (RFC 9112 6.1, 6.3).
 *
 * Each is answered 400 (SR_ERR_BAD_REQUEST, error_code 400) with our JSON
 * body, before any handler runs. A version "HTTP/1.2" to "HTTP/1.9" is served
 * as HTTP/1.1, as RFC 9110 2.5 asks and libmicrohttpd does.
 *
 * How the NUL is seen: libmicrohttpd calls the URI log callback with the raw
 * target (0-terminated where the request line's space before the version
 * was) before it splits off the query; sr_strict_uri_seen() records where
 * the string ends. The version string the access handler gets starts one
 * byte after the target's end, in the same buffer; when the recorded end is
 * earlier, the target held a NUL. The record lives in the connection's
 * struct sr_conn (limits.h), so it needs the edge's connection callback
 * (without it the NUL check is skipped).
 *
 * Threads: the callbacks run on the connection's libmicrohttpd thread.
 */
#ifndef SR_SERVER_STRICT_H
#define SR_SERVER_STRICT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct MHD_Connection;

/* MHD_OPTION_URI_LOG_CALLBACK: records the end of the raw target in the
 * connection's struct sr_conn. Returns NULL, the request context libmicrohttpd
 * starts the request with. Note that with this callback installed
 * libmicrohttpd calls the completion callback for every request whose request
 * line was read, also those it refuses itself before the access handler. */
void *sr_strict_uri_seen(void *cls, const char *uri, struct MHD_Connection *conn);

/* The access handler's first call: SR_OK, or SR_ERR_BAD_REQUEST with the
 * reason (see the file comment). version is the access handler's. */
enum sr_err sr_strict_check(struct MHD_Connection *conn, const char *version, struct sr_error *err);

/* ---- the rules, apart from libmicrohttpd (for the unit tests) ---------------------------- */

/* Whether the target whose string ended at target_end (the recorded end;
 * NULL: not recorded) was cut by a NUL, given the version pointer. */
bool sr_strict_target_cut(const char *target_end, const char *version);

/* What the header block says about Host and the body's framing. */
struct sr_strict_head {
    unsigned hosts, lengths, encodings;
    bool lengths_differ;
    const char *length; /* the first Content-Length value */
    size_t length_len;
    bool chunked_only; /* every Transfer-Encoding value is exactly "chunked" */
};

/* Adds one header (key and value as libmicrohttpd keeps them). */
void sr_strict_head_add(struct sr_strict_head *h, const char *key, size_t key_len,
                        const char *value, size_t value_len);

/* SR_OK, or SR_ERR_BAD_REQUEST with the reason. http10: the version is
 * HTTP/1.0 (Host is optional there). */
enum sr_err sr_strict_head_verdict(const struct sr_strict_head *h, bool http10,
                                   struct sr_error *err);

#endif

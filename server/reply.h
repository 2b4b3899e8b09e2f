/*
 * reply.h - building responses: the one error path and the helpers handlers
 * use to fill struct sr_response (see request.h).
 *
 * Error bodies are made only here: {"error_code":N,"message":"..."}, with
 * the HTTP status and Confluent code from common/error.h. Handlers return
 * an error code and message; the HTTP layer calls sr_reply_error() for them.
 *
 * Ownership: resp->body is heap memory that the HTTP layer frees (free())
 * once the response is sent. Every helper here replaces (and frees) a body
 * resp already held.
 */
#ifndef SR_SERVER_REPLY_H
#define SR_SERVER_REPLY_H

#include <jansson.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/error.h"
#include "server/request.h"

/* What to send when even the error body could not be allocated (status 500). */
#define SR_REPLY_OOM_BODY "{\"error_code\":500,\"message\":\"Out of memory\"}"

/* Fills resp with the answer for code: the table's HTTP status and
 * {"error_code":N,"message":M}; message NULL or "" means the table's default
 * message. A server error (5xx) is different: message is the detail, which
 * goes to the log once, at ERROR, with a new request id and what (the
 * request, e.g. "POST /subjects/s/versions"; may be NULL); the client gets the
 * table's short message and the request id, e.g.
 * "The database is unavailable (request id 5f0c2a91e3b4d677)", never
 * internals such as statement names or paths. A message that is not valid UTF-8 has its non-ASCII
 * bytes replaced by '?'. content_type is reset to the negotiated JSON type. Never fails: out of
 * memory leaves resp->body NULL with status 500, and the HTTP layer then sends SR_REPLY_OOM_BODY.
 */
void sr_reply_error_in(struct sr_response *resp, enum sr_err code, const char *message,
                       const char *what);
/* The same without a request to name: for answers that are not a server
 * error, or whose message is already fit for the client. */
void sr_reply_error(struct sr_response *resp, enum sr_err code, const char *message);
/* The error body sr_reply_error_in() would send, as JSON (for answers that
 * carry several, e.g. POST /registrations' results); NULL on OOM. */
json_t *sr_reply_error_doc(enum sr_err code, const char *message, const char *what);

/* Answers 200 with doc printed compactly in insertion order
 * (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY, so arrays and
 * scalars are fine too). Takes ownership of doc even on failure; doc NULL
 * (a constructor that failed) counts as out of memory, so
 *   return sr_reply_json(resp, json_pack("{s:I}", "id", id), err);
 * is safe. Errors: SR_ERR_NOMEM. */
enum sr_err sr_reply_json(struct sr_response *resp, json_t *doc, struct sr_error *err);

/* Answers 200 with the bytes of b (e.g. built with common/jout.h), leaving b
 * empty. Errors: SR_ERR_NOMEM when b failed (b is then released). */
enum sr_err sr_reply_buf(struct sr_response *resp, struct sr_buf *b, struct sr_error *err);

/* Answers 200 with body[0..len), a NUL-terminated heap string; takes
 * ownership of body (NULL with len 0 is an empty body). */
void sr_reply_take(struct sr_response *resp, char *body, size_t len);

/* Answers 200 with a copy of text[0..len). Errors: SR_ERR_NOMEM. */
enum sr_err sr_reply_text(struct sr_response *resp, const char *text, size_t len,
                          struct sr_error *err);

/* Frees resp->body and zeroes resp. NULL-safe. */
void sr_response_release(struct sr_response *resp);

#endif

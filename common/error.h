/*
 * error.h - the one error table of the program.
 *
 * Every failure travels as an enum sr_err plus a message in struct sr_error.
 * The table maps each code to its HTTP status and Confluent error_code, so
 * that exactly one place (the server's reply path) turns errors into bodies.
 * Functions return the code; sr_errorf() records the message and returns the
 * code so call sites read `return sr_errorf(err, SR_ERR_..., "...", ...)`.
 */
#ifndef SR_COMMON_ERROR_H
#define SR_COMMON_ERROR_H

#include <stddef.h>

/* X(name, http_status, confluent_error_code, default_message) */
#define SR_ERRORS(X)                                                                               \
    X(SR_OK, 200, 0, "OK")                                                                         \
    X(SR_ERR_BAD_REQUEST, 400, 400, "Bad Request")                                                 \
    /* No credentials, or credentials that do not check out (a challenge goes with it). */         \
    X(SR_ERR_UNAUTHORIZED, 401, 40101, "Unauthorized")                                             \
    /* The principal may not do this, or the request's Origin may not. */                          \
    X(SR_ERR_FORBIDDEN, 403, 40301, "Forbidden")                                                   \
    X(SR_ERR_NOT_FOUND, 404, 404, "HTTP 404 Not Found")                                            \
    X(SR_ERR_SUBJECT_NOT_FOUND, 404, 40401, "Subject not found.")                                  \
    X(SR_ERR_VERSION_NOT_FOUND, 404, 40402, "Version not found.")                                  \
    X(SR_ERR_SCHEMA_NOT_FOUND, 404, 40403, "Schema not found")                                     \
    X(SR_ERR_SUBJECT_SOFT_DELETED, 404, 40404, "Subject was soft deleted.")                        \
    X(SR_ERR_SUBJECT_NOT_SOFT_DELETED, 404, 40405, "Subject was not deleted first.")               \
    X(SR_ERR_VERSION_SOFT_DELETED, 404, 40406, "Version was soft deleted.")                        \
    X(SR_ERR_VERSION_NOT_SOFT_DELETED, 404, 40407, "Version was not deleted first.")               \
    X(SR_ERR_SUBJECT_LEVEL_COMPAT_NOT_CONFIGURED, 404, 40408,                                      \
      "Subject does not have subject-level compatibility configured")                              \
    X(SR_ERR_SUBJECT_LEVEL_MODE_NOT_CONFIGURED, 404, 40409,                                        \
      "Subject does not have subject-level mode configured")                                       \
    X(SR_ERR_METHOD_NOT_ALLOWED, 405, 405, "HTTP 405 Method Not Allowed")                          \
    X(SR_ERR_NOT_ACCEPTABLE, 406, 406, "HTTP 406 Not Acceptable")                                  \
    X(SR_ERR_INCOMPATIBLE, 409, 409,                                                               \
      "Schema being registered is incompatible with an earlier schema")                            \
    X(SR_ERR_PAYLOAD_TOO_LARGE, 413, 413, "HTTP 413 Payload Too Large")                            \
    X(SR_ERR_URI_TOO_LONG, 414, 414, "HTTP 414 URI Too Long")                                      \
    X(SR_ERR_UNSUPPORTED_MEDIA_TYPE, 415, 415, "HTTP 415 Unsupported Media Type")                  \
    /* A Host header outside --allowed-hosts (DNS rebinding). */                                   \
    X(SR_ERR_MISDIRECTED, 421, 421, "HTTP 421 Misdirected Request")                                \
    X(SR_ERR_UNPROCESSABLE, 422, 422, "Unprocessable Entity")                                      \
    X(SR_ERR_INVALID_SCHEMA, 422, 42201, "Invalid schema")                                         \
    X(SR_ERR_INVALID_VERSION, 422, 42202, "Invalid version")                                       \
    X(SR_ERR_INVALID_COMPATIBILITY_LEVEL, 422, 42203, "Invalid compatibility level")               \
    X(SR_ERR_INVALID_MODE, 422, 42204, "Invalid mode")                                             \
    X(SR_ERR_OPERATION_NOT_PERMITTED, 422, 42205, "Operation not permitted")                       \
    X(SR_ERR_REFERENCE_EXISTS, 422, 42206, "Schema is referenced")                                 \
    X(SR_ERR_ID_DOES_NOT_MATCH, 422, 42207, "Id does not match")                                   \
    X(SR_ERR_INVALID_SUBJECT, 422, 42208, "Invalid subject")                                       \
    X(SR_ERR_INVALID_RULESET, 422, 42210, "Invalid rule set")                                      \
    X(SR_ERR_CONTEXT_NOT_EMPTY, 422, 42211, "The context is not empty")                            \
    X(SR_ERR_TOO_MANY_REQUESTS, 429, 42901, "Too many requests")                                   \
    X(SR_ERR_HEADERS_TOO_LARGE, 431, 431, "HTTP 431 Request Header Fields Too Large")              \
    X(SR_ERR_INTERNAL, 500, 50001, "Error in the backend data store")                              \
    X(SR_ERR_TIMEOUT, 500, 50002, "Operation timed out")                                           \
    X(SR_ERR_FORWARDING, 500, 50003, "Error while forwarding the request to the leader")           \
    /* A transaction lost a race with another writer more times than it retries. */                \
    X(SR_ERR_CONFLICT, 500, 50002, "The operation kept conflicting with concurrent writes; retry") \
    /* The database cannot be reached or written now (gone away, disk full). */                    \
    X(SR_ERR_UNAVAILABLE, 503, 50003, "The database is unavailable")                               \
    /* The server holds as many request bodies as its budget allows; retry soon. */                \
    X(SR_ERR_BUSY, 503, 50301, "The server is busy; retry later")                                  \
    X(SR_ERR_IO, 500, 500, "I/O error")                                                            \
    X(SR_ERR_NOMEM, 500, 500, "Out of memory")

enum sr_err {
#define SR_ERROR_ENUM(name, status, code, msg) name,
    SR_ERRORS(SR_ERROR_ENUM)
#undef SR_ERROR_ENUM
        SR_ERR__COUNT
};

#define SR_ERROR_MESSAGE_MAX 2048

/* A recorded failure. Zero-initialise it (or call sr_error_clear) before use. */
struct sr_error {
    enum sr_err code;
    char message[SR_ERROR_MESSAGE_MAX];
};

/* Records code and a printf-style message in err (which may be NULL); returns code. */
enum sr_err sr_errorf(struct sr_error *err, enum sr_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#ifdef __clang_analyzer__
/* For clang's static analyser (make lint), which cannot see into error.c: without this it
 * follows `return sr_errorf(...)` as a path that returns SR_OK. */
#define sr_errorf(err, code, ...) (sr_errorf((err), (code), __VA_ARGS__), (code))
#endif

/* Resets err to SR_OK with an empty message. NULL-safe. */
void sr_error_clear(struct sr_error *err);

/* Table lookups; an out-of-range code answers as SR_ERR_INTERNAL. */
int sr_error_http_status(enum sr_err code);
int sr_error_code(enum sr_err code);
const char *sr_error_default_message(enum sr_err code);
const char *sr_error_name(enum sr_err code);

#endif

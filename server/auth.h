/*
 * auth.h - the authenticator and the authorizer: who sent a request, and
 * whether they may Read or Write a resource ("Subject:<name>", "Config:").
 *
 * Principals come from two places:
 *   - HTTP Basic credentials checked against the authfile (authfile.h). A
 *     verified (user, password) pair is remembered for SR_AUTH_CACHE_SECONDS
 *     under a keyed BLAKE2b digest of the password (never the password), so
 *     that the memory-hard hash is paid once, not per request. A failed
 *     attempt is never remembered. Reloading the file forgets everything.
 *   - A client certificate that tls.h verified: its subject CN is the
 *     principal, with the authfile's permissions for that name; without an
 *     authfile, a verified certificate may do everything (the CA is the
 *     whole policy).
 *
 * The file reloads on sr_auth_reload() (SIGHUP) and sr_auth_poll() (when
 * its inode, size or mtime changed), atomically: requests see the old rules
 * or the new ones, never a mix, and a file that fails to load leaves the old
 * rules in force (the error says why; the caller logs it).
 *
 * Thread safety: every function may be called from any thread at once. A
 * principal holds a reference to the rules it was authenticated under, so a
 * reload in the middle of a request does not change that request's answers.
 */
#ifndef SR_SERVER_AUTH_H
#define SR_SERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "server/authfile.h"

#define SR_AUTH_CACHE_SECONDS 120
#define SR_PRINCIPAL_MAX 256

struct sr_auth;

/* Who a request is. Zero-initialised means nobody. */
struct sr_principal {
    char name[SR_PRINCIPAL_MAX]; /* "" when nobody */
    struct sr_authfile *file;    /* a reference, or NULL */
    const struct sr_acl *acl;    /* the principal's permissions in file, or NULL */
    bool unrestricted;           /* a verified certificate with no authfile: everything */
    bool by_certificate;
};

/* Loads the authfile at path (NULL: no authfile; certificates only). The
 * caller owns *out (sr_auth_free). Errors: those of sr_authfile_load(), and
 * SR_ERR_INTERNAL when libsodium cannot start. */
enum sr_err sr_auth_open(const char *path, struct sr_auth **out, struct sr_error *err);
/* NULL-safe. No principal may outlive it. */
void sr_auth_free(struct sr_auth *a);

/* Whether an authfile is in use. */
bool sr_auth_has_file(const struct sr_auth *a);
/* Users and permissions of the rules in force (0, 0 without a file). */
void sr_auth_counts(struct sr_auth *a, size_t *users_out, size_t *permissions_out);

/* Reloads the authfile now. On failure the old rules stay and err says why.
 * SR_OK without a file. */
enum sr_err sr_auth_reload(struct sr_auth *a, struct sr_error *err);
/* Reloads when the file looks changed since the last attempt (a file that
 * failed to load is not tried again until it changes again). *reloaded_out
 * tells whether a reload was attempted. */
enum sr_err sr_auth_poll(struct sr_auth *a, bool *reloaded_out, struct sr_error *err);

enum sr_auth_verdict {
    SR_AUTH_ACCEPTED,   /* *p is filled */
    SR_AUTH_REFUSED,    /* malformed, unknown user or wrong password: *why says which */
    SR_AUTH_NEEDS_HASH, /* only with may_hash false: not remembered, the hash must run */
};

/* Checks an Authorization header value ("Basic <base64 of user:password>").
 * With may_hash false it answers from the remembered credentials only (and
 * SR_AUTH_NEEDS_HASH otherwise), so that the caller can rate-limit before
 * paying for the hash. *why (static text) is set on refusal; it never names
 * the password and does not tell an unknown user from a wrong password.
 * Without an authfile every Basic header is refused. */
enum sr_auth_verdict sr_auth_basic(struct sr_auth *a, const char *header, bool may_hash,
                                   struct sr_principal *p, const char **why);

/* The principal of a verified client certificate whose subject CN is cn. */
void sr_auth_certificate(struct sr_auth *a, const char *cn, struct sr_principal *p);

/* Whether p may do op on resource[0..len). */
bool sr_principal_may(const struct sr_principal *p, enum sr_op op, const char *resource,
                      size_t len);
/* The same for the resource "Subject:<subject>". */
bool sr_principal_may_subject(const struct sr_principal *p, enum sr_op op, const char *subject);

/* Whether p may do op on some subject (sr_acl_allows_some with "Subject:"). */
bool sr_principal_may_some_subject(const struct sr_principal *p, enum sr_op op);

/* Drops what p holds and zeroes it. NULL-safe. */
void sr_principal_release(struct sr_principal *p);

#endif

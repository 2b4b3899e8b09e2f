/*
 * authfile.h - the users and permissions of an authfile in Karapace's
 * format, parsed and compiled; immutable once loaded.
 *
 *   {
 *     "users": [
 *       {"username": "alice", "algorithm": "argon2id", "salt": "",
 *        "password_hash": "$argon2id$v=19$m=19456,t=2,p=1$..."},
 *       {"username": "bob", "algorithm": "sha512", "salt": "x1y2",
 *        "password_hash": "<base64>"}
 *     ],
 *     "permissions": [
 *       {"username": "alice", "operation": "Write", "resource": ".*"},
 *       {"username": "bob", "operation": "Read", "resource": "Subject:orders-.*"}
 *     ]
 *   }
 *
 * As Karapace reads it: both arrays are required; "algorithm" is sha1,
 * sha256, sha512 or scrypt (common/pwhash.h), plus our argon2id; a user
 * named twice is the later entry; "operation" is "Read" or "Write" (Write
 * implies Read); "resource" is a regular expression matched from the start
 * of the resource name (Python's re.match: anchored at the start, not at the
 * end), where resources are "Subject:<subject>" and "Config:". The
 * expressions are PCRE2 with UTF, which reads the patterns people write for
 * Python's re the same way (".*", "Subject:orders-.*", "Subject:(a|b)$",
 * "\\d", "(?:...)"). Other keys are ignored. A permission may name a
 * principal that is not in "users": the subject CN of a client certificate
 * (tls.h) gets its permissions that way.
 *
 * Thread safety: a loaded file is immutable and may be read by any number
 * of threads; its lifetime is reference counted (sr_authfile_ref/unref,
 * atomic).
 */
#ifndef SR_SERVER_AUTHFILE_H
#define SR_SERVER_AUTHFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/pwhash.h"

#define SR_AUTHFILE_MAX_BYTES ((size_t)16 * 1024 * 1024)

enum sr_op { SR_OP_READ, SR_OP_WRITE };

struct sr_authfile;

/* One user's credentials. Borrowed from the file that holds it. */
struct sr_user {
    char *name;
    enum sr_pwhash_alg alg;
    char *salt;
    char *hash;
};

/* The permissions of one principal, in file order. Opaque. */
struct sr_acl;

/* Reads and compiles the file at path (at most SR_AUTHFILE_MAX_BYTES). The
 * caller owns one reference (sr_authfile_unref). Errors: SR_ERR_IO (cannot
 * read), SR_ERR_BAD_REQUEST (not valid: the message names the path, the
 * entry and what is wrong, e.g. "users[2].algorithm: 'md5' is not sha1,
 * sha256, sha512, scrypt or argon2id"; never quotes a hash), SR_ERR_NOMEM. */
enum sr_err sr_authfile_load(const char *path, struct sr_authfile **out, struct sr_error *err);

/* The same from text[0..len); what names the source in messages. */
enum sr_err sr_authfile_parse(const char *text, size_t len, const char *what,
                              struct sr_authfile **out, struct sr_error *err);

/* Takes one more reference; returns af. */
struct sr_authfile *sr_authfile_ref(struct sr_authfile *af);
/* Drops one reference; the last frees the file. NULL-safe. */
void sr_authfile_unref(struct sr_authfile *af);

/* The user called name, or NULL. */
const struct sr_user *sr_authfile_user(const struct sr_authfile *af, const char *name);
/* The permissions of principal name, or NULL when it has none. */
const struct sr_acl *sr_authfile_acl(const struct sr_authfile *af, const char *name);

size_t sr_authfile_user_count(const struct sr_authfile *af);
size_t sr_authfile_permission_count(const struct sr_authfile *af);

/* Whether acl (NULL: none) grants op on resource[0..len): some entry whose
 * operation covers op (Write covers Read) and whose expression matches the
 * resource from its start. A match that fails for want of resources
 * (PCRE2's limits) is no match. */
bool sr_acl_allows(const struct sr_acl *acl, enum sr_op op, const char *resource, size_t len);

/* Whether acl grants op on some resource that starts with prefix[0..len):
 * an entry whose operation covers op and whose expression matches the
 * prefix or could match a longer text that begins with it (PCRE2's hard
 * partial matching). With "Subject:" it tells whether any subject at all may
 * be, which is what a UI needs to offer an action or not. */
bool sr_acl_allows_some(const struct sr_acl *acl, enum sr_op op, const char *prefix, size_t len);

/* The number of entries of acl (0 for NULL), and entry i (< the count): its
 * operation in *op_out, and its expression as the file gives it (borrowed
 * from the file, which must stay referenced while it is used). */
size_t sr_acl_count(const struct sr_acl *acl);
const char *sr_acl_entry(const struct sr_acl *acl, size_t i, enum sr_op *op_out);

#endif

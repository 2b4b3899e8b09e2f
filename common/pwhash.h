/*
 * pwhash.h - the password hashes an authfile entry may carry, and making new
 * entries (`avroreg passwd`). No HTTP, no files: bytes in, verdict out.
 *
 * Algorithms, by the name the authfile's "algorithm" field gives them:
 *
 *   sha1, sha256, sha512   Karapace's: PBKDF2-HMAC with that digest, 5000
 *                          rounds, the salt string's UTF-8 bytes as salt, a
 *                          key as long as the digest; password_hash is its
 *                          standard base64.
 *   scrypt                 Karapace's: scrypt N=16384 r=8 p=1 (16 MiB), the
 *                          salt string's bytes as salt, a 64-byte key, base64.
 *   argon2id               ours, the recommended default: password_hash is
 *                          libsodium's PHC string
 *                          "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>",
 *                          which carries its own random salt and its costs
 *                          (OWASP's minimum: 19 MiB, 2 passes), so the
 *                          entry's "salt" field is informative only.
 *
 * Karapace's files therefore verify unchanged; an argon2id entry needs this
 * registry (Karapace refuses the algorithm name).
 *
 * Secrets are compared in constant time (sodium_memcmp / libsodium's own
 * verifier). Nothing here keeps a password beyond the call.
 *
 * Thread safety: every function may run in many threads at once once
 * sr_pwhash_init() has returned true (it is idempotent and thread-safe).
 */
#ifndef SR_COMMON_PWHASH_H
#define SR_COMMON_PWHASH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

enum sr_pwhash_alg {
    SR_PWHASH_SHA1,
    SR_PWHASH_SHA256,
    SR_PWHASH_SHA512,
    SR_PWHASH_SCRYPT,
    SR_PWHASH_ARGON2ID,
};

#define SR_PWHASH_DEFAULT SR_PWHASH_ARGON2ID

/* Initialises libsodium. false when it cannot (no usable random source). */
bool sr_pwhash_init(void);

/* The algorithm called name ("sha1", "sha256", "sha512", "scrypt",
 * "argon2id"; exact, as Karapace spells them). false for anything else. */
bool sr_pwhash_alg_parse(const char *name, enum sr_pwhash_alg *out);
/* The name of alg (static). */
const char *sr_pwhash_alg_name(enum sr_pwhash_alg alg);

/* Whether hash is well-formed for alg (base64 of the right length, or an
 * argon2id PHC string), so that a broken entry is refused when the file is
 * loaded rather than failing every login. Errors: SR_ERR_BAD_REQUEST saying
 * what is wrong (never quoting the hash). */
enum sr_err sr_pwhash_check(enum sr_pwhash_alg alg, const char *hash, struct sr_error *err);

/* Whether password[0..len) matches the entry (alg, salt, hash). A malformed
 * entry never matches. Costs what alg costs (argon2id: ~20 ms of one core
 * and 19 MiB; scrypt 16 MiB). */
bool sr_pwhash_verify(enum sr_pwhash_alg alg, const char *salt, const char *hash,
                      const char *password, size_t len);

/* Makes an entry for password[0..len). salt NULL draws a random one (22
 * URL-safe characters, as Karapace's token_urlsafe(16)); argon2id always
 * draws its own and *salt_out is then the PHC string's salt field. The
 * caller owns *salt_out and *hash_out (free()). Errors: SR_ERR_NOMEM,
 * SR_ERR_INTERNAL (the hash could not be computed, e.g. out of memory for
 * its working set). */
enum sr_err sr_pwhash_make(enum sr_pwhash_alg alg, const char *password, size_t len,
                           const char *salt, char **salt_out, char **hash_out,
                           struct sr_error *err);

/* Whether a[0..n) equals b[0..n), in time that depends on n only. */
bool sr_pwhash_equal(const void *a, const void *b, size_t n);

#endif

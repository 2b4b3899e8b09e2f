/*
 * pwhash.c - authfile password hashes; see pwhash.h.
 *
 * PBKDF2 comes from nettle (GnuTLS's own primitives), scrypt and Argon2id
 * from libsodium, base64 from libsodium too (strict decoding: a stray
 * character is an error, not skipped).
 */
#include "common/pwhash.h"

#include <nettle/pbkdf2.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KARAPACE_PBKDF2_ROUNDS 5000
#define KARAPACE_SCRYPT_N 16384
#define KARAPACE_SCRYPT_R 8
#define KARAPACE_SCRYPT_P 1
#define KARAPACE_SCRYPT_LEN 64
#define MAX_KEY_LEN 64
#define RANDOM_SALT_BYTES 16
/* OWASP's minimum for Argon2id: m=19 MiB, t=2, p=1. */
#define ARGON2ID_OPS 2
#define ARGON2ID_MEM ((size_t)19 * 1024 * 1024)
#define ARGON2ID_PREFIX "$argon2id$"

static const char *const alg_names[] = {"sha1", "sha256", "sha512", "scrypt", "argon2id"};

bool sr_pwhash_init(void)
{
    return sodium_init() >= 0;
}

bool sr_pwhash_alg_parse(const char *name, enum sr_pwhash_alg *out)
{
    for (size_t i = 0; i < sizeof alg_names / sizeof alg_names[0]; i++)
        if (strcmp(name, alg_names[i]) == 0) {
            *out = (enum sr_pwhash_alg)i;
            return true;
        }
    return false;
}

const char *sr_pwhash_alg_name(enum sr_pwhash_alg alg)
{
    return (unsigned)alg < sizeof alg_names / sizeof alg_names[0] ? alg_names[alg] : "?";
}

bool sr_pwhash_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

/* The derived-key length of a Karapace algorithm (0 for argon2id). */
static size_t key_length(enum sr_pwhash_alg alg)
{
    switch (alg) {
    case SR_PWHASH_SHA1:
        return 20;
    case SR_PWHASH_SHA256:
        return 32;
    case SR_PWHASH_SHA512: /* 64 bytes, as Karapace's scrypt key */
    case SR_PWHASH_SCRYPT:
        return KARAPACE_SCRYPT_LEN;
    case SR_PWHASH_ARGON2ID:
        break;
    }
    return 0;
}

/* Decodes standard base64 (padding required, as Python's b64encode writes
 * it) into exactly want bytes. */
static bool decode_key(const char *b64, uint8_t *out, size_t want)
{
    size_t n = 0;
    if (sodium_base642bin(out, MAX_KEY_LEN, b64, strlen(b64), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    return n == want;
}

/* Karapace's derivation of password under salt into out[0..key_length(alg)). */
static bool derive(enum sr_pwhash_alg alg, const char *salt, const char *password, size_t len,
                   uint8_t *out)
{
    const uint8_t *pw = (const uint8_t *)password, *s = (const uint8_t *)salt;
    size_t salt_len = strlen(salt);
    switch (alg) {
    case SR_PWHASH_SHA1:
        pbkdf2_hmac_sha1(len, pw, KARAPACE_PBKDF2_ROUNDS, salt_len, s, 20, out);
        return true;
    case SR_PWHASH_SHA256:
        pbkdf2_hmac_sha256(len, pw, KARAPACE_PBKDF2_ROUNDS, salt_len, s, 32, out);
        return true;
    case SR_PWHASH_SHA512:
        pbkdf2_hmac_sha512(len, pw, KARAPACE_PBKDF2_ROUNDS, salt_len, s, 64, out);
        return true;
    case SR_PWHASH_SCRYPT:
        return crypto_pwhash_scryptsalsa208sha256_ll(pw, len, s, salt_len, KARAPACE_SCRYPT_N,
                                                     KARAPACE_SCRYPT_R, KARAPACE_SCRYPT_P, out,
                                                     KARAPACE_SCRYPT_LEN) == 0;
    case SR_PWHASH_ARGON2ID:
        break;
    }
    return false;
}

enum sr_err sr_pwhash_check(enum sr_pwhash_alg alg, const char *hash, struct sr_error *err)
{
    if (alg == SR_PWHASH_ARGON2ID) {
        if (strncmp(hash, ARGON2ID_PREFIX, strlen(ARGON2ID_PREFIX)) != 0 ||
            strlen(hash) >= crypto_pwhash_argon2id_STRBYTES)
            return sr_errorf(err, SR_ERR_BAD_REQUEST,
                             "an argon2id password_hash must be a \"$argon2id$...\" string of at "
                             "most %d characters",
                             (int)crypto_pwhash_argon2id_STRBYTES - 1);
        return SR_OK;
    }
    uint8_t key[MAX_KEY_LEN];
    size_t want = key_length(alg);
    if (!decode_key(hash, key, want))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "a %s password_hash must be the base64 of %zu bytes", alg_names[alg],
                         want);
    sodium_memzero(key, sizeof key);
    return SR_OK;
}

bool sr_pwhash_verify(enum sr_pwhash_alg alg, const char *salt, const char *hash,
                      const char *password, size_t len)
{
    if (alg == SR_PWHASH_ARGON2ID)
        return strncmp(hash, ARGON2ID_PREFIX, strlen(ARGON2ID_PREFIX)) == 0 &&
               crypto_pwhash_argon2id_str_verify(hash, password, len) == 0;
    uint8_t want[MAX_KEY_LEN], got[MAX_KEY_LEN];
    size_t n = key_length(alg);
    bool ok = n > 0 && decode_key(hash, want, n) && derive(alg, salt, password, len, got) &&
              sodium_memcmp(want, got, n) == 0;
    sodium_memzero(got, sizeof got);
    return ok;
}

/* A random salt as Karapace draws one: 16 bytes, URL-safe base64, no padding. */
static char *random_salt(void)
{
    uint8_t bytes[RANDOM_SALT_BYTES];
    size_t cap =
        sodium_base64_ENCODED_LEN(RANDOM_SALT_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *salt = malloc(cap);
    if (!salt)
        return NULL;
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2base64(salt, cap, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return salt;
}

/* The salt field of a PHC string "$argon2id$v=19$m=..,t=..,p=..$SALT$HASH". */
static char *phc_salt(const char *phc)
{
    const char *end = strrchr(phc, '$');
    const char *start = end;
    while (start > phc && start[-1] != '$')
        start--;
    return end && start < end ? strndup(start, (size_t)(end - start)) : strdup("");
}

static enum sr_err make_argon2id(const char *password, size_t len, char **salt_out, char **hash_out,
                                 struct sr_error *err)
{
    char *hash = malloc(crypto_pwhash_argon2id_STRBYTES);
    if (!hash)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (crypto_pwhash_argon2id_str(hash, password, len, ARGON2ID_OPS, ARGON2ID_MEM) != 0) {
        free(hash);
        return sr_errorf(err, SR_ERR_INTERNAL, "argon2id failed (out of memory for 19 MiB?)");
    }
    char *salt = phc_salt(hash);
    if (!salt) {
        free(hash);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    *salt_out = salt;
    *hash_out = hash;
    return SR_OK;
}

enum sr_err sr_pwhash_make(enum sr_pwhash_alg alg, const char *password, size_t len,
                           const char *salt, char **salt_out, char **hash_out, struct sr_error *err)
{
    if (alg == SR_PWHASH_ARGON2ID)
        return make_argon2id(password, len, salt_out, hash_out, err);
    uint8_t key[MAX_KEY_LEN];
    size_t n = key_length(alg);
    char *s = salt ? strdup(salt) : random_salt();
    size_t cap = sodium_base64_ENCODED_LEN(MAX_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
    char *hash = malloc(cap);
    enum sr_err rc = SR_OK;
    if (!s || !hash)
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    else if (!derive(alg, s, password, len, key))
        rc = sr_errorf(err, SR_ERR_INTERNAL, "%s failed (out of memory?)", alg_names[alg]);
    if (rc != SR_OK || !s || !hash) {
        free(s);
        free(hash);
        return rc;
    }
    sodium_bin2base64(hash, cap, key, n, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof key);
    *salt_out = s;
    *hash_out = hash;
    return SR_OK;
}

/*
 * auth.c - authentication and authorization; see auth.h.
 *
 * One mutex guards the rules in force and the credential cache, and is held
 * only for a map lookup and a reference count: the digest of the presented
 * password is computed before taking it, the slow hash with no lock at all.
 */
#include "server/auth.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "common/deadline.h"
#include "common/strmap.h"

#define TAG_BYTES 32
#define MAX_CREDENTIALS 4096 /* decoded "user:password" */
#define SUBJECT_PREFIX "Subject:"

/* A verified credential: user name and the keyed digest of its password. */
struct remembered {
    char *name;
    uint8_t tag[TAG_BYTES];
    uint64_t expires_ns;
};

/* What identifies a version of the file on disk. */
struct file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    bool exists;
};

struct sr_auth {
    char *path; /* NULL: no authfile */
    pthread_mutex_t lock;
    struct sr_authfile *file;  /* the rules in force; guarded by lock */
    struct sr_strmap remember; /* name -> struct remembered *; guarded by lock */
    uint8_t key[crypto_generichash_KEYBYTES];
    char *dummy_hash; /* argon2id of nothing, spent on unknown users */
    struct file_id seen;
};

static struct file_id identify(const char *path)
{
    struct file_id id = {0};
    struct stat st;
    if (stat(path, &st) == 0) {
        id = (struct file_id){st.st_dev, st.st_ino, st.st_size, st.st_mtim, true};
    }
    return id;
}

static bool same_file(const struct file_id *a, const struct file_id *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* Forgets every remembered credential. Caller holds the lock. */
static void forget_all(struct sr_auth *a)
{
    for (size_t i = 0; i < a->remember.cap; i++) {
        struct remembered *r = a->remember.slots[i].key ? a->remember.slots[i].value : NULL;
        if (r) {
            free(r->name);
            sodium_memzero(r, sizeof *r);
            free(r);
        }
    }
    sr_strmap_release(&a->remember);
    sr_strmap_init(&a->remember, NULL);
}

enum sr_err sr_auth_open(const char *path, struct sr_auth **out, struct sr_error *err)
{
    if (!sr_pwhash_init())
        return sr_errorf(err, SR_ERR_INTERNAL, "libsodium cannot start (no random source?)");
    struct sr_auth *a = calloc(1, sizeof *a);
    if (!a)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&a->lock, NULL);
    sr_strmap_init(&a->remember, NULL);
    crypto_generichash_keygen(a->key);
    enum sr_err rc = SR_OK;
    if (path) {
        char *salt = NULL;
        a->path = strdup(path);
        a->seen = identify(path);
        if (!a->path)
            rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
        else
            rc = sr_authfile_load(path, &a->file, err);
        if (rc == SR_OK)
            rc = sr_pwhash_make(SR_PWHASH_ARGON2ID, "", 0, NULL, &salt, &a->dummy_hash, err);
        free(salt);
    }
    if (rc != SR_OK) {
        sr_auth_free(a);
        return rc;
    }
    *out = a;
    return SR_OK;
}

void sr_auth_free(struct sr_auth *a)
{
    if (!a)
        return;
    forget_all(a);
    sr_strmap_release(&a->remember);
    sr_authfile_unref(a->file);
    pthread_mutex_destroy(&a->lock);
    free(a->dummy_hash);
    free(a->path);
    sodium_memzero(a->key, sizeof a->key);
    free(a);
}

bool sr_auth_has_file(const struct sr_auth *a)
{
    return a && a->path;
}

void sr_auth_counts(struct sr_auth *a, size_t *users_out, size_t *permissions_out)
{
    *users_out = *permissions_out = 0;
    pthread_mutex_lock(&a->lock);
    if (a->file) {
        *users_out = sr_authfile_user_count(a->file);
        *permissions_out = sr_authfile_permission_count(a->file);
    }
    pthread_mutex_unlock(&a->lock);
}

enum sr_err sr_auth_reload(struct sr_auth *a, struct sr_error *err)
{
    if (!a->path)
        return SR_OK;
    struct sr_authfile *fresh = NULL;
    a->seen = identify(a->path);
    enum sr_err rc = sr_authfile_load(a->path, &fresh, err);
    if (rc != SR_OK)
        return rc;
    pthread_mutex_lock(&a->lock);
    struct sr_authfile *old = a->file;
    a->file = fresh;
    forget_all(a);
    pthread_mutex_unlock(&a->lock);
    sr_authfile_unref(old);
    return SR_OK;
}

enum sr_err sr_auth_poll(struct sr_auth *a, bool *reloaded_out, struct sr_error *err)
{
    *reloaded_out = false;
    if (!a->path)
        return SR_OK;
    struct file_id now = identify(a->path);
    if (same_file(&now, &a->seen))
        return SR_OK;
    *reloaded_out = true;
    return sr_auth_reload(a, err);
}

/* ---- Basic credentials ------------------------------------------------------------ */

/* The base64 token of "Basic <token>", trimmed; NULL for another scheme. */
static const char *basic_token(const char *header, size_t *len)
{
    while (*header == ' ' || *header == '\t')
        header++;
    if (strncasecmp(header, "Basic", 5) != 0 || (header[5] != ' ' && header[5] != '\t'))
        return NULL;
    header += 5;
    while (*header == ' ' || *header == '\t')
        header++;
    size_t n = strlen(header);
    while (n > 0 && (header[n - 1] == ' ' || header[n - 1] == '\t'))
        n--;
    *len = n;
    return header;
}

static void digest(const struct sr_auth *a, const char *name, const char *password, size_t len,
                   uint8_t tag[TAG_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, a->key, sizeof a->key, TAG_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)name, strlen(name) + 1);
    crypto_generichash_update(&st, (const unsigned char *)password, len);
    crypto_generichash_final(&st, tag, TAG_BYTES);
}

/* Fills p for name under file (a new reference). */
static void fill(struct sr_principal *p, const char *name, struct sr_authfile *file)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->file = file ? sr_authfile_ref(file) : NULL;
    p->acl = file ? sr_authfile_acl(file, name) : NULL;
}

/* The remembered answer for name: true (and p filled) when tag matches. */
static bool recall(struct sr_auth *a, const char *name, const uint8_t tag[TAG_BYTES],
                   struct sr_principal *p)
{
    bool hit = false;
    pthread_mutex_lock(&a->lock);
    struct remembered *r = sr_strmap_get(&a->remember, name);
    if (r && r->expires_ns > sr_monotonic_ns() && sodium_memcmp(r->tag, tag, TAG_BYTES) == 0 &&
        a->file) {
        fill(p, name, a->file);
        hit = true;
    }
    pthread_mutex_unlock(&a->lock);
    return hit;
}

/* Remembers a verified credential, unless the rules changed meanwhile. */
static void remember(struct sr_auth *a, const struct sr_authfile *checked, const char *name,
                     const uint8_t tag[TAG_BYTES])
{
    pthread_mutex_lock(&a->lock);
    if (a->file == checked) {
        struct remembered *r = sr_strmap_get(&a->remember, name);
        if (!r && (r = calloc(1, sizeof *r)) != NULL && (r->name = strdup(name)) != NULL &&
            !sr_strmap_put(&a->remember, r->name, r)) {
            free(r->name);
            r->name = NULL;
        }
        if (r && !r->name) {
            free(r);
            r = NULL;
        }
        if (r) {
            memcpy(r->tag, tag, TAG_BYTES);
            r->expires_ns = sr_monotonic_ns() + (uint64_t)SR_AUTH_CACHE_SECONDS * 1000000000u;
        }
    }
    pthread_mutex_unlock(&a->lock);
}

/* The slow check against the rules in force. */
static bool verify(struct sr_auth *a, const char *name, const char *password, size_t len,
                   const uint8_t tag[TAG_BYTES], struct sr_principal *p)
{
    pthread_mutex_lock(&a->lock);
    struct sr_authfile *file = a->file ? sr_authfile_ref(a->file) : NULL;
    pthread_mutex_unlock(&a->lock);
    if (!file)
        return false;
    const struct sr_user *u = sr_authfile_user(file, name);
    bool ok;
    if (u) {
        ok = sr_pwhash_verify(u->alg, u->salt, u->hash, password, len);
    } else {
        /* Spend what a real user costs, so that timing does not say who exists. */
        sr_pwhash_verify(SR_PWHASH_ARGON2ID, "", a->dummy_hash, password, len);
        ok = false;
    }
    if (ok) {
        fill(p, name, file);
        remember(a, file, name, tag);
    }
    sr_authfile_unref(file);
    return ok;
}

enum sr_auth_verdict sr_auth_basic(struct sr_auth *a, const char *header, bool may_hash,
                                   struct sr_principal *p, const char **why)
{
    static const char malformed[] = "Malformed Basic credentials";
    static const char wrong[] = "Unknown user or wrong password";
    size_t len = 0;
    const char *token = basic_token(header, &len);
    *why = malformed;
    if (!token) {
        *why = "Only the Basic authorization scheme is accepted";
        return SR_AUTH_REFUSED;
    }
    if (len == 0 ||
        len > sodium_base64_ENCODED_LEN(MAX_CREDENTIALS, sodium_base64_VARIANT_ORIGINAL))
        return SR_AUTH_REFUSED;
    char text[MAX_CREDENTIALS + 1];
    size_t n = 0;
    if (sodium_base642bin((unsigned char *)text, MAX_CREDENTIALS, token, len, NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return SR_AUTH_REFUSED;
    text[n] = '\0';
    char *colon = memchr(text, ':', n);
    if (!colon || colon == text || memchr(text, '\0', n) ||
        (size_t)(colon - text) >= SR_PRINCIPAL_MAX) {
        sodium_memzero(text, sizeof text);
        return SR_AUTH_REFUSED;
    }
    *colon = '\0';
    const char *password = colon + 1;
    size_t pw_len = n - (size_t)(colon + 1 - text);
    uint8_t tag[TAG_BYTES];
    digest(a, text, password, pw_len, tag);
    /* Without a file nobody is known; remembered credentials need no hash;
     * others need it, which only a caller that may pay for it gets. */
    bool known = a->path && recall(a, text, tag, p);
    enum sr_auth_verdict v = SR_AUTH_REFUSED;
    if (!known && a->path && !may_hash)
        v = SR_AUTH_NEEDS_HASH;
    else if (known || (a->path && verify(a, text, password, pw_len, tag, p)))
        v = SR_AUTH_ACCEPTED;
    else
        *why = wrong;
    sodium_memzero(text, sizeof text);
    sodium_memzero(tag, sizeof tag);
    return v;
}

void sr_auth_certificate(struct sr_auth *a, const char *cn, struct sr_principal *p)
{
    pthread_mutex_lock(&a->lock);
    fill(p, cn, a->file);
    pthread_mutex_unlock(&a->lock);
    p->unrestricted = !a->path;
    p->by_certificate = true;
}

/* ---- authorization ------------------------------------------------------------------ */

bool sr_principal_may(const struct sr_principal *p, enum sr_op op, const char *resource, size_t len)
{
    return p->unrestricted || sr_acl_allows(p->acl, op, resource, len);
}

bool sr_principal_may_some_subject(const struct sr_principal *p, enum sr_op op)
{
    return p->unrestricted ||
           sr_acl_allows_some(p->acl, op, SUBJECT_PREFIX, sizeof SUBJECT_PREFIX - 1);
}

bool sr_principal_may_subject(const struct sr_principal *p, enum sr_op op, const char *subject)
{
    if (p->unrestricted)
        return true;
    char stack[256];
    size_t prefix = sizeof SUBJECT_PREFIX - 1, n = strlen(subject);
    char *text = prefix + n + 1 <= sizeof stack ? stack : malloc(prefix + n + 1);
    if (!text)
        return false;
    memcpy(text, SUBJECT_PREFIX, prefix);
    memcpy(text + prefix, subject, n + 1);
    bool ok = sr_acl_allows(p->acl, op, text, prefix + n);
    if (text != stack)
        free(text);
    return ok;
}

void sr_principal_release(struct sr_principal *p)
{
    if (!p)
        return;
    sr_authfile_unref(p->file);
    memset(p, 0, sizeof *p);
}

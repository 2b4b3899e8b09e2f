/*
 * authfile.c - Karapace's authfile, parsed with jansson and compiled with
 * PCRE2; see authfile.h.
 *
 * Every principal named by a permission gets one struct sr_acl holding its
 * entries in file order, found through a string map; users likewise. The
 * expressions are JIT-compiled when PCRE2 can, and matched with one match
 * block per thread (a pthread key), so a check allocates nothing.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "server/authfile.h"

#include <errno.h>
#include <jansson.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/strmap.h"

struct entry {
    enum sr_op op;
    pcre2_code *re;
    const char *pattern; /* borrowed from the JSON document */
};

struct sr_acl {
    const char *name; /* borrowed from the JSON document */
    struct entry *entries;
    size_t count;
};

struct sr_authfile {
    atomic_int refs;
    json_t *doc; /* owns the strings the users and acls point into */
    struct sr_user *users;
    size_t user_count;
    struct sr_acl *acls;
    size_t acl_count;
    size_t permission_count;
    struct sr_strmap user_map; /* name -> struct sr_user * */
    struct sr_strmap acl_map;  /* name -> struct sr_acl * */
};

/* ---- matching ---------------------------------------------------------------- */

static pthread_key_t match_key;
static pthread_once_t match_once = PTHREAD_ONCE_INIT;
static bool match_key_ok;

static void free_match_data(void *md)
{
    pcre2_match_data_free(md);
}

static void make_match_key(void)
{
    match_key_ok = pthread_key_create(&match_key, free_match_data) == 0;
}

/* This thread's match block (one pair of offsets is all a check needs). */
static pcre2_match_data *thread_match_data(void)
{
    pthread_once(&match_once, make_match_key);
    if (!match_key_ok)
        return NULL;
    pcre2_match_data *md = pthread_getspecific(match_key);
    if (!md) {
        md = pcre2_match_data_create(1, NULL);
        if (md && pthread_setspecific(match_key, md) != 0) {
            pcre2_match_data_free(md);
            md = NULL;
        }
    }
    return md;
}

bool sr_acl_allows(const struct sr_acl *acl, enum sr_op op, const char *resource, size_t len)
{
    if (!acl)
        return false;
    pcre2_match_data *md = thread_match_data();
    if (!md)
        return false;
    for (size_t i = 0; i < acl->count; i++) {
        const struct entry *e = &acl->entries[i];
        if (op == SR_OP_WRITE && e->op != SR_OP_WRITE)
            continue;
        if (pcre2_match(e->re, (PCRE2_SPTR)resource, len, 0, PCRE2_ANCHORED, md, NULL) >= 0)
            return true;
    }
    return false;
}

bool sr_acl_allows_some(const struct sr_acl *acl, enum sr_op op, const char *prefix, size_t len)
{
    if (!acl)
        return false;
    pcre2_match_data *md = thread_match_data();
    if (!md)
        return false;
    for (size_t i = 0; i < acl->count; i++) {
        const struct entry *e = &acl->entries[i];
        if (op == SR_OP_WRITE && e->op != SR_OP_WRITE)
            continue;
        /* Partial matching is not JIT-compiled: PCRE2 interprets it. */
        int rc = pcre2_match(e->re, (PCRE2_SPTR)prefix, len, 0, PCRE2_ANCHORED | PCRE2_PARTIAL_HARD,
                             md, NULL);
        if (rc >= 0 || rc == PCRE2_ERROR_PARTIAL)
            return true;
    }
    return false;
}

size_t sr_acl_count(const struct sr_acl *acl)
{
    return acl ? acl->count : 0;
}

const char *sr_acl_entry(const struct sr_acl *acl, size_t i, enum sr_op *op_out)
{
    *op_out = acl->entries[i].op;
    return acl->entries[i].pattern;
}

/* ---- lifetime ------------------------------------------------------------------- */

static void authfile_free(struct sr_authfile *af)
{
    for (size_t i = 0; i < af->acl_count; i++) {
        for (size_t j = 0; j < af->acls[i].count; j++)
            pcre2_code_free(af->acls[i].entries[j].re);
        free(af->acls[i].entries);
    }
    free(af->acls);
    free(af->users);
    sr_strmap_release(&af->user_map);
    sr_strmap_release(&af->acl_map);
    json_decref(af->doc);
    free(af);
}

struct sr_authfile *sr_authfile_ref(struct sr_authfile *af)
{
    atomic_fetch_add_explicit(&af->refs, 1, memory_order_relaxed);
    return af;
}

void sr_authfile_unref(struct sr_authfile *af)
{
    if (af && atomic_fetch_sub_explicit(&af->refs, 1, memory_order_acq_rel) == 1)
        authfile_free(af);
}

const struct sr_user *sr_authfile_user(const struct sr_authfile *af, const char *name)
{
    return sr_strmap_get(&af->user_map, name);
}

const struct sr_acl *sr_authfile_acl(const struct sr_authfile *af, const char *name)
{
    return sr_strmap_get(&af->acl_map, name);
}

size_t sr_authfile_user_count(const struct sr_authfile *af)
{
    return af->user_count;
}

size_t sr_authfile_permission_count(const struct sr_authfile *af)
{
    return af->permission_count;
}

/* ---- parsing ----------------------------------------------------------------------- */

/* The string member key of obj, or NULL (with the reason in err) when it is
 * missing or not a string. */
static const char *string_member(json_t *obj, const char *what, size_t index, const char *key,
                                 struct sr_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) {
        sr_errorf(err, SR_ERR_BAD_REQUEST, "%s[%zu].%s: %s", what, index, key,
                  v ? "must be a string" : "is missing");
        return NULL;
    }
    return json_string_value(v);
}

static enum sr_err parse_user(json_t *obj, size_t i, struct sr_user *u, struct sr_error *err)
{
    if (!json_is_object(obj))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "users[%zu]: must be an object", i);
    const char *name = string_member(obj, "users", i, "username", err);
    const char *alg = name ? string_member(obj, "users", i, "algorithm", err) : NULL;
    const char *hash = alg ? string_member(obj, "users", i, "password_hash", err) : NULL;
    if (!hash)
        return SR_ERR_BAD_REQUEST;
    json_t *salt = json_object_get(obj, "salt");
    if (!name[0])
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "users[%zu].username: is empty", i);
    if (!sr_pwhash_alg_parse(alg, &u->alg))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "users[%zu].algorithm: '%.40s' is not sha1, sha256, sha512, scrypt or "
                         "argon2id",
                         i, alg);
    if (salt ? !json_is_string(salt) : u->alg != SR_PWHASH_ARGON2ID)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "users[%zu].salt: %s", i,
                         salt ? "must be a string" : "is missing");
    struct sr_error why = {0};
    if (sr_pwhash_check(u->alg, hash, &why) != SR_OK)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "users[%zu].password_hash (user '%.100s'): %s", i,
                         name, why.message);
    u->name = (char *)name;
    u->salt = (char *)(salt ? json_string_value(salt) : "");
    u->hash = (char *)hash;
    return SR_OK;
}

static enum sr_err parse_users(struct sr_authfile *af, json_t *users, struct sr_error *err)
{
    size_t n = json_array_size(users);
    af->users = calloc(n ? n : 1, sizeof *af->users);
    if (!af->users)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        enum sr_err rc = parse_user(json_array_get(users, i), i, &af->users[i], err);
        if (rc != SR_OK)
            return rc;
        /* A name given twice is the later entry, as in Karapace's dict. */
        if (!sr_strmap_put(&af->user_map, af->users[i].name, &af->users[i]))
            return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    af->user_count = n;
    return SR_OK;
}

static enum sr_err compile(const char *pattern, size_t i, pcre2_code **out, struct sr_error *err)
{
    int code;
    PCRE2_SIZE offset;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &offset, NULL);
    if (!re) {
        PCRE2_UCHAR text[160];
        if (pcre2_get_error_message(code, text, sizeof text) < 0)
            snprintf((char *)text, sizeof text, "error %d", code);
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "permissions[%zu].resource: '%.200s' is not a regular expression: %s at "
                         "offset %zu",
                         i, pattern, (const char *)text, (size_t)offset);
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional: interpreted if it fails */
    *out = re;
    return SR_OK;
}

/* The acl of name, made on first use. */
static struct sr_acl *acl_for(struct sr_authfile *af, const char *name)
{
    struct sr_acl *acl = sr_strmap_get(&af->acl_map, name);
    if (acl)
        return acl;
    acl = &af->acls[af->acl_count];
    acl->name = name;
    if (!sr_strmap_put(&af->acl_map, name, acl))
        return NULL;
    af->acl_count++;
    return acl;
}

static enum sr_err parse_permission(struct sr_authfile *af, json_t *obj, size_t i,
                                    struct sr_error *err)
{
    if (!json_is_object(obj))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "permissions[%zu]: must be an object", i);
    const char *name = string_member(obj, "permissions", i, "username", err);
    const char *op = name ? string_member(obj, "permissions", i, "operation", err) : NULL;
    const char *resource = op ? string_member(obj, "permissions", i, "resource", err) : NULL;
    if (!resource)
        return SR_ERR_BAD_REQUEST;
    struct entry e;
    if (strcmp(op, "Read") == 0)
        e.op = SR_OP_READ;
    else if (strcmp(op, "Write") == 0)
        e.op = SR_OP_WRITE;
    else
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "permissions[%zu].operation: '%.40s' is not Read or Write", i, op);
    e.pattern = resource;
    enum sr_err rc = compile(resource, i, &e.re, err);
    if (rc != SR_OK)
        return rc;
    struct sr_acl *acl = acl_for(af, name);
    struct entry *grown = acl ? realloc(acl->entries, (acl->count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        pcre2_code_free(e.re);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    grown[acl->count++] = e;
    acl->entries = grown;
    return SR_OK;
}

static enum sr_err parse_permissions(struct sr_authfile *af, json_t *perms, struct sr_error *err)
{
    size_t n = json_array_size(perms);
    af->acls = calloc(n ? n : 1, sizeof *af->acls);
    if (!af->acls)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        enum sr_err rc = parse_permission(af, json_array_get(perms, i), i, err);
        if (rc != SR_OK)
            return rc;
    }
    af->permission_count = n;
    return SR_OK;
}

static enum sr_err parse_doc(struct sr_authfile *af, struct sr_error *err)
{
    json_t *users = json_object_get(af->doc, "users");
    json_t *perms = json_object_get(af->doc, "permissions");
    if (!json_is_object(af->doc))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "must be a JSON object");
    if (!json_is_array(users))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "\"users\" %s",
                         users ? "must be an array" : "is missing");
    if (!json_is_array(perms))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "\"permissions\" %s",
                         perms ? "must be an array" : "is missing");
    enum sr_err rc = parse_users(af, users, err);
    return rc == SR_OK ? parse_permissions(af, perms, err) : rc;
}

enum sr_err sr_authfile_parse(const char *text, size_t len, const char *what,
                              struct sr_authfile **out, struct sr_error *err)
{
    struct sr_error why = {0};
    json_error_t jerr;
    struct sr_authfile *af = calloc(1, sizeof *af);
    if (!af)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    atomic_init(&af->refs, 1);
    sr_strmap_init(&af->user_map, NULL);
    sr_strmap_init(&af->acl_map, NULL);
    enum sr_err rc = SR_OK;
    af->doc = json_loadb(text, len, 0, &jerr); /* duplicate keys: the last, as Python */
    if (!af->doc)
        rc = sr_errorf(&why, SR_ERR_BAD_REQUEST, "not valid JSON: %s (line %d, column %d)",
                       jerr.text, jerr.line, jerr.column);
    else
        rc = parse_doc(af, &why);
    if (rc != SR_OK) {
        authfile_free(af);
        return sr_errorf(err, rc, "authfile %s: %s", what, why.message);
    }
    *out = af;
    return SR_OK;
}

enum sr_err sr_authfile_load(const char *path, struct sr_authfile **out, struct sr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sr_errorf(err, SR_ERR_IO, "authfile %s: %s", path, strerror(errno));
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    enum sr_err rc = SR_OK;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        rc = sr_errorf(err, SR_ERR_IO, "authfile %s: not a regular file", path);
    else if ((size_t)st.st_size > SR_AUTHFILE_MAX_BYTES)
        rc = sr_errorf(err, SR_ERR_BAD_REQUEST, "authfile %s: larger than %zu bytes", path,
                       SR_AUTHFILE_MAX_BYTES);
    else if (!(text = malloc((size_t)st.st_size + 1)))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    else if ((len = fread(text, 1, (size_t)st.st_size, f)) != (size_t)st.st_size || ferror(f))
        rc = sr_errorf(err, SR_ERR_IO, "authfile %s: read failed", path);
    fclose(f);
    if (rc == SR_OK)
        rc = sr_authfile_parse(text, len, path, out, err);
    free(text);
    return rc;
}

/*
 * alias.c - subject aliases; see alias.h.
 */
#include "server/alias.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "server/router.h"

#define ALIAS_CACHE_MAX 10000

struct sr_alias_cache {
    pthread_mutex_t lock;
    json_t *known; /* subject -> alias ("" for none) */
    uint64_t stamp;
};

struct sr_alias_cache *sr_alias_cache_new(void)
{
    struct sr_alias_cache *c = calloc(1, sizeof(*c));
    if (c && !(c->known = json_object())) {
        free(c);
        return NULL;
    }
    if (c)
        pthread_mutex_init(&c->lock, NULL);
    return c;
}

void sr_alias_cache_free(struct sr_alias_cache *c)
{
    if (!c)
        return;
    json_decref(c->known);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The alias stored in subject's own config ("" for none): heap, or NULL on error. */
static char *stored_alias(struct sr_registry *r, const char *subject, struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_config_rec rec = {0};
    bool found = false;
    char *alias = NULL;
    enum sr_err rc = sr_store_begin(sr_registry_store(r), false, &t, err);
    if (!rc)
        rc = sr_txn_config_get(t, subject, &rec, &found, err);
    sr_txn_rollback(t);
    if (!rc) {
        json_t *extra = found && rec.extra ? json_loads(rec.extra, 0, NULL) : NULL;
        const char *a = json_string_value(json_object_get(extra, "alias"));
        alias = strdup(a ? a : "");
        json_decref(extra);
        if (!alias)
            sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    sr_config_rec_release(&rec);
    return alias;
}

/* subject's alias ("" for none), heap; NULL on error. */
static char *alias_of(struct sr_registry *r, const char *subject, struct sr_error *err)
{
    struct sr_alias_cache *c = sr_registry_aliases(r);
    uint64_t stamp = sr_store_marker(sr_registry_store(r), SR_CHANGE_SETTINGS);
    char *alias = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->stamp != stamp || json_object_size(c->known) > ALIAS_CACHE_MAX) {
        json_object_clear(c->known);
        c->stamp = stamp;
    }
    const char *cached = json_string_value(json_object_get(c->known, subject));
    if (cached)
        alias = strdup(cached);
    pthread_mutex_unlock(&c->lock);
    if (cached)
        return alias ? alias : (sr_errorf(err, SR_ERR_NOMEM, "out of memory"), NULL);
    /* Read after the stamp: a change that races with the read moves the stamp on. */
    alias = stored_alias(r, subject, err);
    pthread_mutex_lock(&c->lock);
    if (alias && c->stamp == stamp)
        json_object_set_new(c->known, subject, json_string(alias));
    pthread_mutex_unlock(&c->lock);
    return alias;
}

/* Where the subject segment of raw_path starts and ends, if it has one. */
static bool subject_segment(const char *raw_path, const char **start, const char **end)
{
    const char *p = raw_path;
    if (strncmp(p, "/compatibility/", 15) == 0)
        p += 14;
    if (strncmp(p, "/subjects/", 10) != 0)
        return false;
    *start = p + 10;
    *end = strchr(*start, '/');
    if (!*end)
        *end = *start + strlen(*start);
    return *end > *start;
}

static void add_encoded(struct sr_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~:", *p);
        if (plain) {
            sr_buf_addc(b, (char)*p);
        } else {
            sr_buf_addc(b, '%');
            sr_buf_addc(b, hex[*p >> 4]);
            sr_buf_addc(b, hex[*p & 15]);
        }
    }
}

enum sr_err sr_alias_rewrite(struct sr_registry *r, const char *raw_path, char **out_path,
                             struct sr_error *err)
{
    const char *start, *end;
    *out_path = NULL;
    if (!subject_segment(raw_path, &start, &end))
        return SR_OK;
    size_t len = (size_t)(end - start), n = 0;
    char *subject = malloc(len + 1);
    if (!subject)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (!sr_percent_decode(start, len, subject, &n)) { /* the router answers it */
        free(subject);
        return SR_OK;
    }
    subject[n] = '\0';
    char *alias = alias_of(r, subject, err);
    free(subject);
    if (!alias)
        return err->code ? err->code : SR_ERR_NOMEM;
    bool aliased = *alias != '\0';
    if (aliased) {
        struct sr_buf b = SR_BUF_INIT;
        sr_buf_add(&b, raw_path, (size_t)(start - raw_path));
        add_encoded(&b, alias);
        sr_buf_adds(&b, end);
        if (!(*out_path = sr_buf_detach(&b, NULL)))
            sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    free(alias);
    return !aliased || *out_path ? SR_OK : SR_ERR_NOMEM;
}

/*
 * registry.c - the registry object and its caches; see registry.h.
 */
#include "server/registry.h"

#include "server/alias.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "server/idcache.h"
#include "server/regcache.h"

/* Enough parsed schemas for the working set of compatibility checks; bodies
 * are small and serve the hottest endpoint, so more of them. All are also
 * capped in bytes, so that memory stays bounded whatever the schemas' size
 * (a parsed schema takes some twenty times its text): together at most
 * 40 MiB, which keeps a server that has just registered 100,000 schemas
 * near 64 MB resident (make bench). */
#define SCHEMA_CACHE_ENTRIES 4096
#define SCHEMA_CACHE_BYTES (16u << 20)
#define BODY_CACHE_ENTRIES 65536
#define BODY_CACHE_BYTES (8u << 20)
#define REGISTRATION_CACHE_ENTRIES 16384
#define REGISTRATION_CACHE_BYTES (8u << 20)

struct sr_registry {
    struct sr_store *store;
    struct sr_registry_opts opts;
    struct sr_idcache *schemas;        /* id -> struct sr_schema * */
    struct sr_idcache *bodies;         /* id -> struct sr_body * */
    struct sr_idcache *strings;        /* id -> struct sr_body * (Confluent 8 shape) */
    struct sr_regcache *registrations; /* (subject, request body) -> answer */
    struct sr_alias_cache *aliases;
};

static void *schema_ref(void *v)
{
    return sr_schema_ref(v);
}

static void schema_unref(void *v)
{
    sr_schema_free(v);
}

static void *body_ref(void *v)
{
    atomic_fetch_add((_Atomic int *)&((struct sr_body *)v)->refs, 1);
    return v;
}

static void body_unref(void *v)
{
    sr_body_unref(v);
}

struct sr_body *sr_body_new(const char *data, size_t len)
{
    struct sr_body *b = malloc(sizeof(*b) + len + 1);
    if (b) {
        b->refs = 1;
        b->len = len;
        memcpy(b->data, data, len);
        b->data[len] = '\0';
    }
    return b;
}

void sr_body_unref(struct sr_body *b)
{
    if (b && atomic_fetch_sub((_Atomic int *)&b->refs, 1) == 1)
        free(b);
}

enum sr_err sr_registry_open(struct sr_store *store, struct sr_registry **out, struct sr_error *err)
{
    struct sr_registry *r = calloc(1, sizeof(*r));
    if (r) {
        r->store = store;
        r->opts = (struct sr_registry_opts){SR_API_8, (size_t)1 << 20};
        r->schemas =
            sr_idcache_new(SCHEMA_CACHE_ENTRIES, SCHEMA_CACHE_BYTES, schema_ref, schema_unref);
        r->bodies = sr_idcache_new(BODY_CACHE_ENTRIES, BODY_CACHE_BYTES, body_ref, body_unref);
        r->strings = sr_idcache_new(BODY_CACHE_ENTRIES, BODY_CACHE_BYTES, body_ref, body_unref);
        r->registrations = sr_regcache_new(REGISTRATION_CACHE_ENTRIES, REGISTRATION_CACHE_BYTES);
        r->aliases = sr_alias_cache_new();
    }
    if (!r || !r->schemas || !r->bodies || !r->strings || !r->registrations || !r->aliases) {
        sr_registry_close(r);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    *out = r;
    return SR_OK;
}

void sr_registry_close(struct sr_registry *r)
{
    if (!r)
        return;
    sr_idcache_free(r->schemas);
    sr_idcache_free(r->bodies);
    sr_idcache_free(r->strings);
    sr_regcache_free(r->registrations);
    sr_alias_cache_free(r->aliases);
    free(r);
}

struct sr_alias_cache *sr_registry_aliases(struct sr_registry *r)
{
    return r->aliases;
}

struct sr_store *sr_registry_store(struct sr_registry *r)
{
    return r->store;
}

void sr_registry_set_opts(struct sr_registry *r, const struct sr_registry_opts *opts)
{
    r->opts = *opts;
}

const struct sr_registry_opts *sr_registry_opts(const struct sr_registry *r)
{
    return &r->opts;
}

/* Only the default context's ids are cached: the caches are keyed by id. */
static bool cached_context(const char *context)
{
    return strcmp(context, SR_DEFAULT_CONTEXT) == 0;
}

static uint64_t ids_marker(struct sr_registry *r)
{
    return sr_store_marker(r->store, SR_CHANGE_SCHEMA_IDS);
}

struct sr_schema *sr_registry_cached_schema(struct sr_registry *r, const char *context, int64_t id)
{
    return cached_context(context) ? sr_idcache_get(r->schemas, id, ids_marker(r)) : NULL;
}

void sr_registry_cache_schema(struct sr_registry *r, const char *context, int64_t id,
                              struct sr_schema *s, uint64_t stamp)
{
    if (cached_context(context))
        sr_idcache_put(r->schemas, id, s, sr_schema_memory(s), stamp, ids_marker(r));
}

struct sr_body *sr_registry_cached_body(struct sr_registry *r, const char *context, int64_t id)
{
    return cached_context(context) ? sr_idcache_get(r->bodies, id, ids_marker(r)) : NULL;
}

void sr_registry_cache_body(struct sr_registry *r, const char *context, int64_t id,
                            struct sr_body *b, uint64_t stamp)
{
    if (cached_context(context))
        sr_idcache_put(r->bodies, id, b, sizeof(*b) + b->len, stamp, ids_marker(r));
}

/* Both markers only move forward, so their sum moves whenever either does. */
static uint64_t strings_marker(struct sr_registry *r)
{
    return sr_store_marker(r->store, SR_CHANGE_SCHEMA_IDS) +
           sr_store_marker(r->store, SR_CHANGE_VERSIONS_HIDDEN);
}

uint64_t sr_registry_strings_stamp(const struct sr_txn *t)
{
    return sr_txn_marker(t, SR_CHANGE_SCHEMA_IDS) + sr_txn_marker(t, SR_CHANGE_VERSIONS_HIDDEN);
}

struct sr_body *sr_registry_cached_string(struct sr_registry *r, int64_t id)
{
    return sr_idcache_get(r->strings, id, strings_marker(r));
}

void sr_registry_cache_string(struct sr_registry *r, int64_t id, struct sr_body *b, uint64_t stamp)
{
    sr_idcache_put(r->strings, id, b, sizeof(*b) + b->len, stamp, strings_marker(r));
}

bool sr_registry_recall(struct sr_registry *r, const char *subject, const char *body, size_t len,
                        char **answer_out, size_t *answer_len_out)
{
    return sr_regcache_get(r->registrations, sr_registry_generation(r), subject, body, len,
                           answer_out, answer_len_out);
}

/* Both markers only move forward, so their sum moves whenever either does. */
uint64_t sr_registry_generation(struct sr_registry *r)
{
    return sr_store_marker(r->store, SR_CHANGE_VERSIONS_HIDDEN) +
           sr_store_marker(r->store, SR_CHANGE_SETTINGS);
}

void sr_registry_remember(struct sr_registry *r, uint64_t generation, const char *subject,
                          const char *body, size_t len, const char *answer, size_t answer_len)
{
    sr_regcache_put(r->registrations, generation, subject, body, len, answer, answer_len);
}

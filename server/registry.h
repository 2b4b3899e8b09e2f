/*
 * registry.h - the registry object: the store it serves and the caches in
 * front of it. The registry's operations live in their own modules, each
 * with its header: input.h (what requests carry), loader.h (stored schemas
 * and references), settings.h (levels and modes), register.h (registration,
 * lookup, compatibility), delete.h (deletes), by_id.h (schemas by id).
 *
 * The caches keep the store's change-marker rule (storage/store.h), so they
 * never answer against a committed write, whoever made it:
 *   - parsed stored schemas and GET /schemas/ids/{id} bodies, by id, under
 *     SR_CHANGE_SCHEMA_IDS (only ids of the default context are cached);
 *   - Confluent 8's bodies of the same route, by id, under SR_CHANGE_SCHEMA_IDS
 *     and SR_CHANGE_VERSIONS_HIDDEN;
 *   - answers of repeated registrations, by (subject, request body), under
 *     SR_CHANGE_VERSIONS_HIDDEN.
 * Each is bounded in entries and bytes. Every function may be called from any
 * thread at once.
 */
#ifndef SR_SERVER_REGISTRY_H
#define SR_SERVER_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "schemas/schema.h"
#include "storage/store.h"

struct sr_registry;

/* Which generation of Confluent's API the registry answers like. */
enum sr_api {
    SR_API_7 = 7, /* Confluent 7.0: {"id"} for a registration, no guid, no schemaType for AVRO */
    SR_API_8 = 8, /* Confluent 8.0/8.1: full register answer, guid, schemaType, ts, deleted */
};

struct sr_registry_opts {
    enum sr_api api;         /* default SR_API_8 */
    size_t max_schema_bytes; /* longest schema text accepted; default 1 MiB */
};

/* Takes no ownership of store, which must outlive the registry. Caller owns
 * *out; close it with sr_registry_close(). Errors: SR_ERR_NOMEM. */
enum sr_err sr_registry_open(struct sr_store *store, struct sr_registry **out,
                             struct sr_error *err);
/* NULL-safe. */
void sr_registry_close(struct sr_registry *r);

/* Borrowed: the store the registry was opened on. */
struct sr_store *sr_registry_store(struct sr_registry *r);
struct sr_alias_cache;
/* The subject alias cache (alias.h). */
struct sr_alias_cache *sr_registry_aliases(struct sr_registry *r);

/* Replaces the defaults; call before serving. */
void sr_registry_set_opts(struct sr_registry *r, const struct sr_registry_opts *opts);
const struct sr_registry_opts *sr_registry_opts(const struct sr_registry *r);

/* ---- parsed stored schemas ------------------------------------------------------ */

/* A new reference (sr_schema_free) to the cached parse of (context, id), or NULL. */
struct sr_schema *sr_registry_cached_schema(struct sr_registry *r, const char *context, int64_t id);
/* Keeps s (the cache takes its own reference), read through a transaction
 * whose sr_txn_marker(t, SR_CHANGE_SCHEMA_IDS) is stamp. */
void sr_registry_cache_schema(struct sr_registry *r, const char *context, int64_t id,
                              struct sr_schema *s, uint64_t stamp);

/* ---- response bodies of GET /schemas/ids/{id} ------------------------------------- */

/* An immutable, reference-counted response body. */
struct sr_body {
    int refs; /* atomic */
    size_t len;
    char data[]; /* len bytes and a NUL */
};
/* A body holding a copy of data[0..len), with one reference; NULL on OOM. */
struct sr_body *sr_body_new(const char *data, size_t len);
/* Drops one reference. NULL-safe. */
void sr_body_unref(struct sr_body *b);

/* A new reference to the cached body for (context, id), or NULL. */
struct sr_body *sr_registry_cached_body(struct sr_registry *r, const char *context, int64_t id);
/* Keeps b (its own reference), read under stamp as for schemas. */
void sr_registry_cache_body(struct sr_registry *r, const char *context, int64_t id,
                            struct sr_body *b, uint64_t stamp);

/* Confluent 8's SchemaString bodies of GET /schemas/ids/{id} (default
 * context, no query), which also show the ts and deleted of a version
 * carrying the id: an answer stays true until a schema id is removed or
 * imported or a version is hidden, so these follow SR_CHANGE_SCHEMA_IDS and
 * SR_CHANGE_VERSIONS_HIDDEN together (sr_registry_strings_stamp()). Only
 * answers naming a live version may be kept: a new version can make a
 * soft-deleted-only schema live again without hiding anything. */
struct sr_body *sr_registry_cached_string(struct sr_registry *r, int64_t id);
void sr_registry_cache_string(struct sr_registry *r, int64_t id, struct sr_body *b, uint64_t stamp);
/* The stamp for a string read through t. */
uint64_t sr_registry_strings_stamp(const struct sr_txn *t);

/* ---- repeated registrations ---------------------------------------------------------- */

/* The response body (heap, caller frees) a successful registration of
 * exactly this request body under subject answered, if no version was
 * hidden or removed and no setting changed since. */
bool sr_registry_recall(struct sr_registry *r, const char *subject, const char *body, size_t len,
                        char **answer_out, size_t *answer_len_out);
/* The stamp to remember an answer with: read it before registering. */
uint64_t sr_registry_generation(struct sr_registry *r);
void sr_registry_remember(struct sr_registry *r, uint64_t generation, const char *subject,
                          const char *body, size_t len, const char *answer, size_t answer_len);

#endif

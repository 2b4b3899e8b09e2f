/*
 * registry_int.h - what the registry's files share: the struct, the schema
 * loader and small helpers.
 */
#ifndef SR_SERVER_REGISTRY_INT_H
#define SR_SERVER_REGISTRY_INT_H

#include "server/idcache.h"
#include "server/regcache.h"
#include "server/registry.h"

struct sr_registry {
    struct sr_store *store;
    struct sr_idcache *schemas;        /* id -> struct sr_schema * */
    struct sr_idcache *bodies;         /* id -> struct sr_body * */
    struct sr_regcache *registrations; /* (subject, request body) -> id */
};

/* An immutable, reference-counted response body. */
struct sr_body {
    int refs; /* atomic */
    size_t len;
    char data[];
};

/* The parsed schema with id, its references resolved, from the cache or the
 * store. Caller owns one reference (sr_schema_free). Stored schemas are read
 * leniently (no default validation), as Confluent reads what it stored. */
enum sr_err sr_registry_load(struct sr_registry *r, struct sr_txn *t, int64_t id,
                             struct sr_schema **out, struct sr_error *err);

/* A request's schema, parsed and resolved against the store. */
struct sr_input_schema {
    struct sr_schema *schema; /* owned */
    struct sr_schema_rec rec; /* owned strings: what the store keeps */
    struct sr_ref *refs;      /* owned, resolved versions */
    int64_t *ref_ids;         /* owned: the schema id each of refs carried then */
    size_t ref_count;
};
void sr_input_schema_release(struct sr_input_schema *s);

/* Parses in->schema with its references (each must name an existing
 * subject-version). validate: new registrations check defaults.
 * Errors: INVALID_SCHEMA with Confluent's message, INTERNAL. */
enum sr_err sr_input_schema_build(struct sr_registry *r, struct sr_txn *t,
                                  const struct sr_schema_input *in, bool validate,
                                  struct sr_input_schema *out, struct sr_error *err);

/* The parsed live versions of subject, oldest first, for compatibility
 * checks. Caller releases with release_prev(). */
enum sr_err sr_registry_live_versions(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                      struct sr_compat_prev **out, size_t *count_out,
                                      struct sr_error *err);
void sr_registry_release_prev(struct sr_compat_prev *prev, size_t count);

/* Permanently removes the soft-deleted versions of subject (NULL: of every
 * subject), except those still referenced, inside t; schemas left without a
 * version go too. Appends their ids to *forget for sr_registry_forget() once
 * t has committed. Switching to IMPORT uses it: Confluent's setMode writes a
 * ClearSubject event that drops them. */
enum sr_err sr_registry_clear_deleted(struct sr_txn *t, const char *subject,
                                      struct sr_int_list *forget, struct sr_error *err);

/* Strings equal, NULL equal to NULL. */
bool sr_str_same(const char *a, const char *b);

#endif

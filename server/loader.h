/*
 * loader.h - schemas as the registry works with them: stored schemas parsed
 * with their references resolved (through the registry's cache), a
 * request's schema parsed against the versions its references name, and a
 * subject's live versions for compatibility checks.
 *
 * References name subject-versions; each resolves to the schema that
 * version carries, recursively, up to SR_LOADER_MAX_DEPTH levels (deeper
 * nesting, or a cycle, is an invalid schema).
 *
 * Every function reads through the caller's transaction t. Errors:
 * SR_ERR_INVALID_SCHEMA with Confluent's message, the store's errors, and
 * SR_ERR_NOMEM.
 */
#ifndef SR_SERVER_LOADER_H
#define SR_SERVER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "compat/compat.h"
#include "schemas/schema.h"
#include "server/input.h"
#include "server/registry.h"
#include "storage/store.h"

#define SR_LOADER_MAX_DEPTH 32

/* The parsed schema (context, id), references resolved, from the cache or
 * the store. Stored schemas are read leniently (no default validation), as
 * Confluent reads what it stored. Caller owns one reference (sr_schema_free).
 * Errors: SR_ERR_SCHEMA_NOT_FOUND, SR_ERR_INTERNAL when a stored schema no
 * longer parses. */
enum sr_err sr_loader_stored(struct sr_registry *r, struct sr_txn *t, const char *context,
                             int64_t id, struct sr_schema **out, struct sr_error *err);

/* A request's schema, parsed and resolved against the store. */
struct sr_input_schema {
    struct sr_schema *schema; /* owned */
    struct sr_schema_rec rec; /* owned strings: what the store keeps */
    struct sr_ref *refs;      /* owned, resolved versions */
    int64_t *ref_ids;         /* owned: the schema id each of refs carried then */
    size_t ref_count;
};
/* Frees what s owns and zeroes it; safe on a zeroed one. */
void sr_input_schema_release(struct sr_input_schema *s);

/* Parses in->schema with its references (each must name an existing
 * subject-version). validate: check defaults, as for a new registration.
 * On error *out is left zeroed. */
enum sr_err sr_loader_input(struct sr_registry *r, struct sr_txn *t,
                            const struct sr_schema_input *in, bool validate,
                            struct sr_input_schema *out, struct sr_error *err);

/* Whether every version the schema was parsed against still carries the
 * schema it carried then: a permanent delete may have come since, and the
 * highest version number can come back holding another schema. */
enum sr_err sr_loader_refs_unchanged(struct sr_txn *t, const struct sr_input_schema *parsed,
                                     bool *same_out, struct sr_error *err);

/* The value of property group in metadata text md (heap, caller frees), or
 * NULL when group is NULL or md lacks it. */
char *sr_loader_group_value(const char *md, const char *group);

/* Whether rec belongs to the compatibility group where property group has
 * value (NULL: the property is absent); always true when group is NULL. */
bool sr_loader_in_group(const struct sr_schema_rec *rec, const char *group, const char *value);

/* The parsed live versions of subject, oldest first, for compatibility
 * checks; with group, only those in the compatibility group group=value
 * (Confluent's compatibilityGroup). Caller releases with
 * sr_loader_release_prev(). */
enum sr_err sr_loader_live_versions(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                    const char *group, const char *value,
                                    struct sr_compat_prev **out, size_t *count_out,
                                    struct sr_error *err);
/* One version of subject (-1: the latest live one) as a one-element list;
 * an empty list when version is -1 and the subject has no live version.
 * Errors: SR_ERR_VERSION_NOT_FOUND "Version <v> not found.". */
enum sr_err sr_loader_one_version(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                  int32_t version, struct sr_compat_prev **out, size_t *count_out,
                                  struct sr_error *err);
/* NULL-safe. */
void sr_loader_release_prev(struct sr_compat_prev *prev, size_t count);

#endif

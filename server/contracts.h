/*
 * contracts.h - Confluent's data contracts (7.4+): a schema's metadata
 * ({tags, properties, sensitive}) and rule set ({migrationRules,
 * domainRules, encodingRules} of rules). Both are part of a schema's
 * identity, so they are kept in one canonical form: maps sorted by key,
 * string sets sorted without repeats, empty members left out, rule fields in
 * Confluent's order with the defaults it fills in (kind TRANSFORM, mode
 * WRITEREAD, disabled false), as Confluent's Jackson entities print them.
 *
 * Every function returns new JSON the caller owns (json_decref), never
 * borrowing from its arguments.
 */
#ifndef SR_SERVER_CONTRACTS_H
#define SR_SERVER_CONTRACTS_H

#include <jansson.h>

#include "common/error.h"

/* The canonical form of a request's metadata, which must be an object of
 * {tags: {path: [string]}, properties: {string: string}, sensitive: [string]}.
 * what names the field in messages ("metadata", "defaultMetadata").
 * Errors: SR_ERR_BAD_REQUEST (a member of the wrong type: Jackson's mapping
 * error, 400). */
enum sr_err sr_contracts_metadata(const json_t *in, const char *what, json_t **out,
                                  struct sr_error *err);

/* The canonical form of a request's rule set, checked as Confluent's
 * RuleSet.validate() checks it. Errors: SR_ERR_BAD_REQUEST for members of
 * the wrong type or unknown kind/mode names; SR_ERR_INVALID_RULESET (42210)
 * with Confluent's message: duplicate or malformed rule names, a missing
 * type, several actions outside WRITEREAD/UPDOWN, a mode the list does not
 * allow. */
enum sr_err sr_contracts_ruleset(const json_t *in, const char *what, json_t **out,
                                 struct sr_error *err);

/* Confluent's merges: base then over (over wins per key; tags per path are
 * replaced whole; sensitive names are united; rules named in over replace
 * those of base, the rest of over follows). Either may be NULL; the result
 * is NULL when both are. */
json_t *sr_contracts_merge_metadata(const json_t *base, const json_t *over);
json_t *sr_contracts_merge_ruleset(const json_t *base, const json_t *over);

/* The value of metadata property key, or NULL. Borrowed from md. */
const char *sr_contracts_property(const json_t *md, const char *key);

/* md with property key set to value (md may be NULL). */
json_t *sr_contracts_with_property(const json_t *md, const char *key, const char *value);

#endif

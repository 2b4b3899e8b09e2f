/*
 * alias.h - Confluent's subject aliases (7.x AliasFilter): a subject whose
 * own config has a non-empty "alias" is served as that other subject. The
 * segment after "subjects" in /subjects/{s}/... and
 * /compatibility/subjects/{s}/... is replaced, once (an alias of an alias is
 * not followed), before routing; /config/{s} and /mode/{s} are not, so the
 * alias can be read and removed.
 *
 * Aliases are cached per subject until a setting changes anywhere
 * (SR_CHANGE_SETTINGS), so a request without one costs a hash lookup.
 * Thread-safe.
 */
#ifndef SR_SERVER_ALIAS_H
#define SR_SERVER_ALIAS_H

#include "common/error.h"
#include "server/registry.h"

struct sr_alias_cache;

/* NULL on OOM. */
struct sr_alias_cache *sr_alias_cache_new(void);
void sr_alias_cache_free(struct sr_alias_cache *c);

/* raw_path (still percent-encoded) with an aliased subject replaced:
 * *out_path is a new heap path, or NULL when nothing changes. */
enum sr_err sr_alias_rewrite(struct sr_registry *r, const char *raw_path, char **out_path,
                             struct sr_error *err);

#endif

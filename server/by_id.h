/*
 * by_id.h - what a consumer asks for most: GET /schemas/ids/{id}, the schema
 * a message's id names, answered from the registry's body cache when it can
 * (registry.h), so that the hot path takes no transaction at all.
 *
 * Thread safety: any thread, at once.
 */
#ifndef SR_SERVER_BY_ID_H
#define SR_SERVER_BY_ID_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "server/registry.h"

/* The body {"schema": ..., "references"?: [...], "metadata"?: {...},
 * "ruleSet"?: {...}} for (context, id). Caller owns one reference
 * (sr_body_unref). Errors: SCHEMA_NOT_FOUND ("Schema <id> not found"), the
 * store's. */
enum sr_err sr_by_id_body(struct sr_registry *r, const char *context, int64_t id,
                          struct sr_body **out, struct sr_error *err);

/* Confluent 8's SchemaString for id of the default context, as GET
 * /schemas/ids/{id} answers without query parameters (id_lookup.h): guid,
 * schemaType, schema, references?, metadata?, ruleSet?, ts?, deleted.
 * Cached as registry.h says. Caller owns one reference. Errors: as
 * sr_by_id_body. */
enum sr_err sr_by_id_string(struct sr_registry *r, int64_t id, struct sr_body **out,
                            struct sr_error *err);

#endif

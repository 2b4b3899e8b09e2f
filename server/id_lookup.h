/*
 * id_lookup.h - Confluent 8's reading of a schema id or GUID: which context
 * and which subject-version a request names (AbstractSchemaRegistry's
 * getSchemaKeyUsingContexts and getIdUsingContexts), and the SchemaString
 * that GET /schemas/ids/{id} and GET /schemas/guids/{guid} answer with.
 *
 * Lookup order for an id with ?subject=X (contexts hold ids of their own):
 *   - X absent, "" or a context alone (":.team:"): any subject-version of
 *     that context (the default one when absent) carrying the id;
 *   - X qualified (":.team:orders"): that subject's version carrying the id,
 *     in its context only;
 *   - X plain ("orders"): X's version carrying the id in the default
 *     context, else ":.ctx:X" in each other context (in name order), else
 *     any subject-version of the default context carrying it (a
 *     deserializer passes its topic's subject, which need not hold the id).
 * "Any subject-version" is the first live one by (subject, version), else
 * the first soft-deleted one: the same schema the id names whichever it is;
 * only subject, version, ts and deleted of the answer depend on the choice.
 *
 * Every function reads through the caller's transaction. Errors:
 * SR_ERR_SCHEMA_NOT_FOUND with Confluent's message, the store's errors,
 * SR_ERR_NOMEM.
 */
#ifndef SR_SERVER_ID_LOOKUP_H
#define SR_SERVER_ID_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "server/context.h"
#include "server/registry.h"
#include "storage/store.h"

/* A schema id in its context and the subject-version chosen to show it. */
struct sr_id_key {
    char context[SR_CONTEXT_MAX];
    int64_t id;
    struct sr_version_rec row; /* owned */
};
/* Frees what k owns and zeroes it; safe on a zeroed one. */
void sr_id_key_release(struct sr_id_key *k);

/* Resolves id as GET /schemas/ids/{id}?subject= does (order above); subject
 * NULL when the parameter is absent. Errors: SCHEMA_NOT_FOUND
 * "Schema <id> not found". */
enum sr_err sr_id_lookup(struct sr_txn *t, int64_t id, const char *subject, struct sr_id_key *out,
                         struct sr_error *err);

/* Any subject-version of context carrying id. Errors: as sr_id_lookup. */
enum sr_err sr_id_lookup_in(struct sr_txn *t, const char *context, int64_t id,
                            struct sr_id_key *out, struct sr_error *err);

/* Reads a GUID as Confluent's MD5.fromString does: the UUID form
 * (8-4-4-4-12 hex digits) or 32 hex digits, either case. Writes the
 * lower-case UUID form the store keeps into out; false when text is neither. */
bool sr_guid_parse(const char *text, char out[SR_GUID_SIZE]);

/* How a SchemaString is printed. */
struct sr_string_opts {
    bool with_subject;  /* show the subject and version of the key (?subject= was given) */
    const char *format; /* ?format=: "resolved" inlines referenced types; NULL, "" or any
                         * other name prints the stored (canonical) text */
    bool max_id;        /* ?fetchMaxId=true: add maxId, the highest id of the context */
};

/* Whether format asks for something other than the stored text. */
bool sr_format_resolved(const char *format);

/* The schema text of (context, id) in format (see sr_string_opts). Caller
 * frees *out. */
enum sr_err sr_id_schema_text(struct sr_registry *r, struct sr_txn *t, const char *context,
                              int64_t id, const char *format, char **out, size_t *len_out,
                              struct sr_error *err);

/* Appends Confluent 8's SchemaString for k to out, in its field order:
 * subject?, version?, guid, schemaType, schema, references?, metadata?,
 * ruleSet?, maxId?, ts?, deleted. ts is left out when the store does not
 * know it (0). */
enum sr_err sr_id_render(struct sr_registry *r, struct sr_txn *t, const struct sr_id_key *k,
                         const struct sr_string_opts *opts, struct sr_buf *out,
                         struct sr_error *err);

#endif

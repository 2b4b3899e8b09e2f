/*
 * registry.h - the registry's semantics, free of HTTP: registration (Confluent
 * §5.1), lookup, compatibility checks, deletes (§5.2), levels and modes, on top
 * of storage/ and the schema model. Handlers translate requests into these
 * calls and results into JSON.
 *
 * Stored schemas are parsed on demand and kept in a bounded cache keyed by
 * id (a schema never changes once it has an id), together with the JSON body
 * GET /schemas/ids/{id} answers with.
 *
 * Thread safety: every function may be called from any thread at once.
 * Errors carry Confluent's error codes and exact messages (common/error.h).
 */
#ifndef SR_SERVER_REGISTRY_H
#define SR_SERVER_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "compat/compat.h"
#include "schemas/schema.h"
#include "storage/store.h"

struct sr_registry;

/* Takes no ownership of store, which must outlive the registry. */
enum sr_err sr_registry_open(struct sr_store *store, struct sr_registry **out,
                             struct sr_error *err);
void sr_registry_close(struct sr_registry *r);

struct sr_store *sr_registry_store(struct sr_registry *r);

/* A schema as a request body carries it; every pointer is borrowed from the
 * request's JSON document. */
struct sr_schema_input {
    const char *schema; /* NULL when the body has none */
    size_t schema_len;
    const char *schema_type;  /* NULL means AVRO */
    const json_t *references; /* array, or NULL */
    const json_t *metadata;   /* object, or NULL */
    const json_t *ruleset;    /* object, or NULL */
    bool has_id;              /* IMPORT: the id and version asked for */
    int64_t id;
    bool has_version;
    int32_t version;
};

/* Reads a RegisterSchemaRequest body. Unknown fields are ignored, as
 * Confluent does. Errors: SR_ERR_BAD_REQUEST (not an object, wrong field
 * types: Jackson's mapping errors), SR_ERR_UNPROCESSABLE (null body),
 * SR_ERR_INVALID_SCHEMA (schemaType not AVRO). */
enum sr_err sr_schema_input_read(const json_t *body, struct sr_schema_input *out,
                                 struct sr_error *err);

/* "Subject is valid": no ISO control characters, not __GLOBAL or __EMPTY.
 * Errors: SR_ERR_INVALID_SUBJECT with Confluent's message. */
enum sr_err sr_registry_check_subject(const char *subject, struct sr_error *err);

/* Parses "latest", "-1" or 1..2^31-1 (-1 for latest). Errors: SR_ERR_INVALID_VERSION. */
enum sr_err sr_parse_version(const char *text, int32_t *out, struct sr_error *err);

/* Registers (or finds) the schema under subject. *id_out, *version_out get the
 * result. Errors: INVALID_SCHEMA, INCOMPATIBLE, OPERATION_NOT_PERMITTED,
 * INVALID_SUBJECT, INTERNAL. */
enum sr_err sr_registry_register(struct sr_registry *r, const char *subject,
                                 const struct sr_schema_input *in, bool normalize, int64_t *id_out,
                                 int32_t *version_out, struct sr_error *err);

/* Repeated registrations (regcache.h): the id a successful registration of
 * exactly this request body under subject answered, if nothing has removed or
 * hidden versions since. Read the generation before registering and
 * remember the answer with it. */
bool sr_registry_recall(struct sr_registry *r, const char *subject, const char *body, size_t len,
                        int64_t *id_out);
uint64_t sr_registry_generation(struct sr_registry *r);
void sr_registry_remember(struct sr_registry *r, uint64_t generation, const char *subject,
                          const char *body, size_t len, int64_t id);

/* Finds the version of subject holding this schema. Fills *version_out and
 * *schema_out (caller releases both). Errors: SUBJECT_NOT_FOUND,
 * SCHEMA_NOT_FOUND, INVALID_SCHEMA. */
enum sr_err sr_registry_lookup(struct sr_registry *r, const char *subject,
                               const struct sr_schema_input *in, bool normalize,
                               bool include_deleted, struct sr_version_rec *version_out,
                               struct sr_schema_rec *schema_out, struct sr_error *err);

/* Would registering in pass the subject's level? version 0 checks as
 * registration would (all live versions, level decides), -1 the latest live
 * version, n that version only. With verbose, an invalid schema is an answer
 * (false, with the parse error as the message) rather than an error.
 * messages_out receives Confluent's messages; caller releases it. */
enum sr_err sr_registry_check(struct sr_registry *r, const char *subject,
                              const struct sr_schema_input *in, bool normalize, int32_t version,
                              bool verbose, bool *compatible_out, struct sr_strlist *messages_out,
                              struct sr_error *err);

/* Deletes every version of subject (soft, or permanent after a soft delete).
 * *versions_out lists the versions deleted; caller releases it. */
enum sr_err sr_registry_delete_subject(struct sr_registry *r, const char *subject, bool permanent,
                                       struct sr_int_list *versions_out, struct sr_error *err);

/* Deletes one version (-1: the latest live one). *deleted_out is its number. */
enum sr_err sr_registry_delete_version(struct sr_registry *r, const char *subject, int32_t version,
                                       bool permanent, int32_t *deleted_out, struct sr_error *err);

/* The level in force for subject (NULL: global): subject, else global, else BACKWARD. */
enum sr_err sr_registry_level(struct sr_txn *t, const char *subject, enum sr_compat_level *out,
                              struct sr_error *err);

/* The mode in force for subject (NULL: global); a global READONLY_OVERRIDE wins.
 * Writes one of READWRITE, READONLY, READONLY_OVERRIDE, IMPORT into out. */
enum sr_err sr_registry_mode(struct sr_txn *t, const char *subject, char out[32],
                             struct sr_error *err);

/* PUT /config[/subject]: level (case-insensitive) and normalize (-1 unset).
 * *stored_out receives the upper-case level name (static). */
enum sr_err sr_registry_set_config(struct sr_registry *r, const char *subject, const char *level,
                                   int normalize, const char **stored_out, struct sr_error *err);

/* PUT /mode[/subject]. *stored_out receives the upper-case mode name (static). */
enum sr_err sr_registry_set_mode(struct sr_registry *r, const char *subject, const char *mode,
                                 bool force, const char **stored_out, struct sr_error *err);

/* The body of GET /schemas/ids/{id}: {"schema": ..., "references"?: [...], ...},
 * from the cache when it can. Caller frees *body_out (free()).
 * Errors: SCHEMA_NOT_FOUND ("Schema <id> not found"). */
enum sr_err sr_registry_schema_body(struct sr_registry *r, int64_t id, char **body_out,
                                    size_t *len_out, struct sr_error *err);

/* Forgets cached bodies and parsed schemas of id (after a permanent delete). */
void sr_registry_forget(struct sr_registry *r, int64_t id);

#endif

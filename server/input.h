/*
 * input.h - what requests carry, read and checked as Confluent reads them:
 * JSON bodies, the RegisterSchemaRequest, subject names and version
 * numbers. Nothing here touches the store.
 *
 * Errors carry Confluent's codes and exact messages (common/error.h).
 */
#ifndef SR_SERVER_INPUT_H
#define SR_SERVER_INPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* A request body as JSON (any value, not only objects). Caller owns *out
 * (json_decref). Errors: SR_ERR_UNPROCESSABLE for an empty or blank body
 * (bean validation's 422), SR_ERR_BAD_REQUEST for malformed JSON. */
enum sr_err sr_input_json(const char *body, size_t len, json_t **out, struct sr_error *err);

/* A schema as a request body carries it; every pointer is borrowed from the
 * request's JSON document. */
struct sr_schema_input {
    const char *schema; /* NULL when the body has none */
    size_t schema_len;
    const char *schema_type;  /* NULL means AVRO */
    const json_t *references; /* non-empty array, or NULL */
    const json_t *metadata;   /* object, or NULL */
    const json_t *ruleset;    /* object, or NULL */
    bool has_id;              /* IMPORT: the id and version asked for */
    int64_t id;
    bool has_version;
    int32_t version;
    /* Not from the body: set by the caller to keep the schema in Confluent's
     * normal form (schemas/normalize.h) and its references sorted. */
    bool normalize;
};

/* Reads a RegisterSchemaRequest body. Unknown fields are ignored, as
 * Confluent does. Errors: SR_ERR_BAD_REQUEST (not an object, wrong field
 * types: Jackson's mapping errors), SR_ERR_UNPROCESSABLE (null body),
 * SR_ERR_INVALID_SCHEMA (schemaType not AVRO). */
enum sr_err sr_input_schema(const json_t *body, struct sr_schema_input *out, struct sr_error *err);

/* A copy of references sorted by subject, then version, without repeats of
 * the same (name, subject, version), as Confluent's normalize orders them.
 * NULL on OOM; caller json_decrefs it. */
json_t *sr_input_sorted_refs(const json_t *references);

/* SR_ERR_INVALID_SCHEMA (42201) naming the limit when in's schema text is
 * longer than max bytes (the server's --max-schema-bytes). */
enum sr_err sr_input_schema_size(const struct sr_schema_input *in, size_t max,
                                 struct sr_error *err);

/* Whether the request names the id to store (IMPORT): Confluent reads a
 * negative id as none, and then judges the schema as a new one. */
bool sr_input_asks_for_id(const struct sr_schema_input *in);

/* "Subject is valid": no ISO control characters, not __GLOBAL or __EMPTY.
 * Errors: SR_ERR_INVALID_SUBJECT with Confluent's message. */
enum sr_err sr_input_subject(const char *subject, struct sr_error *err);

/* Parses "latest", "-1" or 1..2^31-1 (-1 for latest), exactly as written.
 * Errors: SR_ERR_INVALID_VERSION. */
enum sr_err sr_input_version(const char *text, int32_t *out, struct sr_error *err);

/* The same as Confluent's VersionId reads a version: surrounding whitespace
 * (Java's trim(): any character up to ' ') is ignored, "latest" may come in
 * any case, and the number as Integer.parseInt reads it ("+1", "01").
 * Errors: SR_ERR_INVALID_VERSION, naming the text as given. */
enum sr_err sr_input_version_lenient(const char *text, int32_t *out, struct sr_error *err);

#endif

/*
 * schema.h - the Avro schema model: parse and validate as Avro Java does,
 * canonical text, Parsing Canonical Form and fingerprints.
 *
 * A parsed schema is an immutable graph of struct sr_node. Named types are
 * shared: every reference to a record, enum or fixed points at the one node
 * that defines it, so recursive schemas are cyclic graphs. Every other
 * occurrence (a primitive, array, map or union) is a node of its own, which
 * is what Java does and what the compatibility checker's memoisation relies
 * on. All nodes belong to their struct sr_schema and live until it is freed.
 *
 * Schemas are reference counted: sr_schema_ref() adds an owner, and
 * sr_schema_free() drops one. A schema parsed with references to other
 * schemas (Confluent schema references) holds a reference on each of them,
 * because its graph points into theirs.
 *
 * Thread safety: a parsed schema is read-only and may be shared between
 * threads; reference counting is atomic.
 */
#ifndef SR_SCHEMAS_SCHEMA_H
#define SR_SCHEMAS_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct sr_strmap;

enum sr_type {
    SR_NULL,
    SR_BOOLEAN,
    SR_INT,
    SR_LONG,
    SR_FLOAT,
    SR_DOUBLE,
    SR_BYTES,
    SR_STRING,
    SR_RECORD,
    SR_ENUM,
    SR_ARRAY,
    SR_MAP,
    SR_UNION,
    SR_FIXED,
};

enum sr_order { SR_ORDER_ASCENDING, SR_ORDER_DESCENDING, SR_ORDER_IGNORE };

/* A name as Java's Schema.Name holds it. space is NULL for the null namespace. */
struct sr_name {
    const char *name;
    const char *space;
    const char *full;
};

/* A custom property, in the order it appeared. value is borrowed from the document. */
struct sr_prop {
    const char *key;
    const json_t *value;
};

struct sr_field {
    const char *name;
    struct sr_node *type;
    const json_t *doc;           /* JSON string or NULL */
    const json_t *default_value; /* NULL when the field has no default; JSON null is a default */
    enum sr_order order;
    const json_t **aliases; /* field aliases are plain strings, kept as written */
    size_t alias_count;
    struct sr_prop *props;
    size_t prop_count;
    size_t pos; /* position in the record */
    size_t name_len;
    uint64_t name_hash; /* sr_hash_bytes(name, name_len), for fast lookups */
};

struct sr_node {
    enum sr_type type;
    struct sr_prop *props; /* custom properties, logicalType included, in document order */
    size_t prop_count;
    const char *logical_type; /* a well-formed logical type for this type, or NULL */
    int precision, scale;     /* decimal only */

    /* record, enum, fixed */
    struct sr_name name;
    const json_t *doc;
    struct sr_name *aliases; /* qualified against the type's own namespace */
    size_t alias_count;

    bool is_error; /* "type":"error" records */
    struct sr_field *fields;
    size_t field_count;

    const char **symbols;
    size_t symbol_count;
    const char *enum_default; /* NULL when none */

    int32_t size; /* fixed */

    struct sr_node *items;  /* array */
    struct sr_node *values; /* map */

    struct sr_node **branches; /* union */
    size_t branch_count;

    struct sr_strmap *field_index; /* private to schemas/: use sr_node_field() */
};

struct sr_schema;

struct sr_parse_opts {
    /* Schemas whose named types this one may use (Confluent references). Borrowed
     * for the call; the parsed schema takes its own reference on each. */
    struct sr_schema *const *refs;
    size_t ref_count;
    /* Reject fields whose default does not match their type (Java's validateDefaults).
     * On for new registrations. */
    bool validate_defaults;
    /* Names must be ASCII [A-Za-z_][A-Za-z0-9_]* (Avro 1.12's STRICT validator).
     * Off, names may use any Unicode letters and digits, as Avro 1.11 (inside
     * Confluent 7.x) and Java's default parser allow. */
    bool strict_names;
    /* Refuse {"type": "some.Name"}, an object whose type is an already defined
     * named type, as Avro 1.12.2 does (AVRO-4176). Off, it is that named type
     * (its other attributes ignored), as Avro Java 1.11–1.12.1 and every
     * Confluent 7.x accept it, and registries in the field hold such schemas. */
    bool strict_type_objects;
};

/* Parses and validates text[0..len) as Avro Java's Schema.Parser does.
 * opts may be NULL: no references, defaults validated, Unicode names allowed.
 * On success *out is a new schema the caller owns (free with sr_schema_free()).
 * Errors: SR_ERR_INVALID_SCHEMA with a message that says what is wrong and where
 * (a JSON pointer into the document); SR_ERR_NOMEM. */
enum sr_err sr_schema_parse(const char *text, size_t len, const struct sr_parse_opts *opts,
                            struct sr_schema **out, struct sr_error *err);

/* Adds an owner. Returns s. */
struct sr_schema *sr_schema_ref(struct sr_schema *s);
/* Drops an owner; frees at zero. NULL-safe. */
void sr_schema_free(struct sr_schema *s);

const struct sr_node *sr_schema_root(const struct sr_schema *s);

/* The canonical text: exactly what Java's Schema.toString() prints, with
 * referenced types written as names. Borrowed; lives as long as s. */
const char *sr_schema_canonical(const struct sr_schema *s, size_t *len_out);

/* Bytes of memory the parsed schema holds (its arena), for cache budgets. */
size_t sr_schema_memory(const struct sr_schema *s);

/* Named types this schema defines, in definition order (borrowed). */
size_t sr_schema_named_count(const struct sr_schema *s);
const struct sr_node *sr_schema_named(const struct sr_schema *s, size_t i);
/* Finds a named type by full name, in this schema or its references. */
const struct sr_node *sr_schema_find(const struct sr_schema *s, const char *full);

/* Parsing Canonical Form (Avro spec). Caller owns the result (free()); NULL on OOM. */
char *sr_schema_pcf(const struct sr_schema *s, size_t *len_out);
/* CRC-64-AVRO of the Parsing Canonical Form, as the signed value the spec prints. */
int64_t sr_schema_fingerprint(const struct sr_schema *s, struct sr_error *err);
/* The CRC-64-AVRO (Rabin) fingerprint of any bytes. */
uint64_t sr_crc64_avro(const void *data, size_t len);

/* Java's Schema.toString() of one node, as if it stood alone (no enclosing
 * namespace, no names written before). Caller frees (free()); NULL on OOM. */
char *sr_node_to_text(const struct sr_node *node, size_t *len_out);

/* The field of a record called name (not aliases), or NULL. Constant time. */
const struct sr_field *sr_node_field(const struct sr_node *record, const char *name);

/* "int", "record", ... : the lower-case Avro name. */
const char *sr_type_name(enum sr_type t);
/* "INT", "RECORD", ... : Java's Schema.Type constant. */
const char *sr_type_java_name(enum sr_type t);
bool sr_type_is_named(enum sr_type t);

#endif

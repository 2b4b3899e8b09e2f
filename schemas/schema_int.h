/*
 * schema_int.h - what the files of schemas/ share and nobody else sees.
 */
#ifndef SR_SCHEMAS_SCHEMA_INT_H
#define SR_SCHEMAS_SCHEMA_INT_H

#include <stdatomic.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/strmap.h"
#include "schemas/schema.h"

struct sr_schema {
    atomic_int refcount;
    struct sr_arena arena; /* every node, field, name and index */
    json_t *doc;           /* the parsed document; props, docs and defaults borrow from it */
    bool doc_in_arena;     /* doc and extra were allocated from arena (common/jalloc.h) */
    json_t *extra;         /* values the parser made (defaults read from text); array */
    struct sr_node *root;
    struct sr_strmap names; /* full name -> node, for the types defined here */
    struct sr_node **named; /* definition order */
    size_t named_count, named_cap;
    struct sr_schema **refs; /* schemas referenced (owned references) */
    size_t ref_count;
    char *canonical; /* arena-owned */
    size_t canonical_len;
};

/* Per-record index from field name to field, built at parse time. */
struct sr_record_index {
    struct sr_strmap by_name;
};

/* Writes Java's Schema.toString() of node into b. known holds the full names
 * already written (they print as references); namespace is the enclosing one. */
void sr_canonical_write(struct sr_buf *b, const struct sr_node *node, struct sr_strmap *known,
                        const char *namespace);

/* Java's Schema.isValidDefault(schema, value). */
bool sr_default_is_valid(const struct sr_node *type, const json_t *value);

/* Sets node->logical_type (and precision/scale) when its logicalType property
 * is well-formed for its type, as LogicalTypes.fromSchemaIgnoreInvalid does. */
void sr_logical_type_resolve(struct sr_node *node);

/* Avro's name rule. strict: [A-Za-z_][A-Za-z0-9_]*; otherwise Java's
 * UTF_VALIDATOR: a letter or '_', then letters, digits or '_', in Unicode.
 * NULL when valid, else why. */
const char *sr_name_problem(const char *name, bool strict);

#endif

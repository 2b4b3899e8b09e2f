/*
 * schema.c - lifetime and read-only accessors of a parsed schema.
 */
#include <stdlib.h>

#include "schemas/schema_int.h"

struct sr_schema *sr_schema_ref(struct sr_schema *s)
{
    atomic_fetch_add(&s->refcount, 1);
    return s;
}

void sr_schema_free(struct sr_schema *s)
{
    if (!s || atomic_fetch_sub(&s->refcount, 1) != 1)
        return;
    for (size_t i = 0; i < s->ref_count; i++)
        sr_schema_free(s->refs[i]);
    if (!s->doc_in_arena) {
        json_decref(s->extra);
        json_decref(s->doc);
    }
    sr_arena_release(&s->arena);
    free(s);
}

const struct sr_node *sr_schema_root(const struct sr_schema *s)
{
    return s->root;
}

const char *sr_schema_canonical(const struct sr_schema *s, size_t *len_out)
{
    if (len_out)
        *len_out = s->canonical_len;
    return s->canonical;
}

size_t sr_schema_memory(const struct sr_schema *s)
{
    /* A document outside the arena (jalloc not installed) is not counted. */
    return sizeof(*s) + sr_arena_size(&s->arena);
}

size_t sr_schema_named_count(const struct sr_schema *s)
{
    return s->named_count;
}

const struct sr_node *sr_schema_named(const struct sr_schema *s, size_t i)
{
    return i < s->named_count ? s->named[i] : NULL;
}

const struct sr_node *sr_schema_find(const struct sr_schema *s, const char *full)
{
    const struct sr_node *n = sr_strmap_get(&s->names, full);
    for (size_t i = 0; !n && i < s->ref_count; i++)
        n = sr_schema_find(s->refs[i], full);
    return n;
}

const struct sr_field *sr_node_field(const struct sr_node *record, const char *name)
{
    if (record->type != SR_RECORD || !record->field_index)
        return NULL;
    return sr_strmap_get(record->field_index, name);
}

static const char *const type_names[] = {
    [SR_NULL] = "null",     [SR_BOOLEAN] = "boolean", [SR_INT] = "int",     [SR_LONG] = "long",
    [SR_FLOAT] = "float",   [SR_DOUBLE] = "double",   [SR_BYTES] = "bytes", [SR_STRING] = "string",
    [SR_RECORD] = "record", [SR_ENUM] = "enum",       [SR_ARRAY] = "array", [SR_MAP] = "map",
    [SR_UNION] = "union",   [SR_FIXED] = "fixed",
};

static const char *const java_names[] = {
    [SR_NULL] = "NULL",     [SR_BOOLEAN] = "BOOLEAN", [SR_INT] = "INT",     [SR_LONG] = "LONG",
    [SR_FLOAT] = "FLOAT",   [SR_DOUBLE] = "DOUBLE",   [SR_BYTES] = "BYTES", [SR_STRING] = "STRING",
    [SR_RECORD] = "RECORD", [SR_ENUM] = "ENUM",       [SR_ARRAY] = "ARRAY", [SR_MAP] = "MAP",
    [SR_UNION] = "UNION",   [SR_FIXED] = "FIXED",
};

const char *sr_type_name(enum sr_type t)
{
    return (unsigned)t <= SR_FIXED ? type_names[t] : "?";
}

const char *sr_type_java_name(enum sr_type t)
{
    return (unsigned)t <= SR_FIXED ? java_names[t] : "?";
}

bool sr_type_is_named(enum sr_type t)
{
    return t == SR_RECORD || t == SR_ENUM || t == SR_FIXED;
}

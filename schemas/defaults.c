/*
 * defaults.c - is a JSON value a valid default for a type? Java's
 * Schema.isValidDefault as of Avro 1.12: a union default may match any
 * branch (AVRO-3649), enum and fixed defaults need only be strings, and a
 * record default must give every field a value (or the field a default).
 */
#include "schemas/schema_int.h"

/* A record default whose missing fields fall back to defaults that are
 * themselves records can chain without end (A {a: A default {}}); Java
 * overflows its stack there. We call such a default invalid. */
#define SR_DEFAULT_MAX_DEPTH 2048

static bool valid_at(const struct sr_node *type, const json_t *v, int depth);

static bool valid_value(const struct sr_node *type, const json_t *v, int depth)
{
    if (!v)
        return false;
    if (type->type != SR_UNION)
        return valid_at(type, v, depth);
    for (size_t i = 0; i < type->branch_count; i++)
        if (valid_at(type->branches[i], v, depth))
            return true;
    return false;
}

static bool valid_record(const struct sr_node *type, const json_t *v, int depth)
{
    if (!json_is_object(v))
        return false;
    for (size_t i = 0; i < type->field_count; i++) {
        const struct sr_field *f = &type->fields[i];
        const json_t *given = json_object_get(v, f->name);
        if (!valid_value(f->type, given ? given : f->default_value, depth + 1))
            return false;
    }
    return true;
}

static bool valid_at(const struct sr_node *type, const json_t *v, int depth)
{
    if (!v || depth > SR_DEFAULT_MAX_DEPTH)
        return false;
    switch (type->type) {
    case SR_STRING:
    case SR_BYTES:
    case SR_ENUM:
    case SR_FIXED:
        return json_is_string(v);
    case SR_INT:
        return json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
               json_integer_value(v) <= INT32_MAX;
    case SR_LONG:
        return json_is_integer(v);
    case SR_FLOAT:
    case SR_DOUBLE:
        return json_is_number(v);
    case SR_BOOLEAN:
        return json_is_boolean(v);
    case SR_NULL:
        return json_is_null(v);
    case SR_ARRAY: {
        if (!json_is_array(v))
            return false;
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!valid_at(type->items, json_array_get(v, i), depth + 1))
                return false;
        return true;
    }
    case SR_MAP: {
        const char *key;
        json_t *val;
        if (!json_is_object(v))
            return false;
        json_object_foreach((json_t *)v, key, val)
        {
            if (!valid_at(type->values, val, depth + 1))
                return false;
        }
        return true;
    }
    case SR_UNION:
        return valid_value(type, v, depth);
    case SR_RECORD:
        return valid_record(type, v, depth);
    }
    return false;
}

bool sr_default_is_valid(const struct sr_node *type, const json_t *value)
{
    return valid_at(type, value, 0);
}

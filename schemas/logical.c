/*
 * logical.c - logical types, recognised as Java's
 * LogicalTypes.fromSchemaIgnoreInvalid does: a malformed one is ignored (the
 * property stays in the schema text, the type is read as its base type).
 */
#include <math.h>
#include <string.h>

#include "schemas/schema_int.h"

static const json_t *prop(const struct sr_node *n, const char *key)
{
    for (size_t i = 0; i < n->prop_count; i++)
        if (strcmp(n->props[i].key, key) == 0)
            return n->props[i].value;
    return NULL;
}

/* Java reads precision and scale with getObjectProp(): only a JSON integer in int range counts. */
static bool int_prop(const struct sr_node *n, const char *key, int *out)
{
    const json_t *v = prop(n, key);
    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
        json_integer_value(v) > INT32_MAX)
        return false;
    *out = (int)json_integer_value(v);
    return true;
}

static bool decimal_ok(struct sr_node *n)
{
    if (n->type != SR_BYTES && n->type != SR_FIXED)
        return false;
    int precision, scale = 0;
    if (!int_prop(n, "precision", &precision) || precision <= 0)
        return false;
    if (prop(n, "scale") && !int_prop(n, "scale", &scale))
        return false;
    if (scale < 0 || scale > precision)
        return false;
    if (n->type == SR_FIXED) {
        double max_digits = floor(log10(2.0) * (8.0 * n->size - 1));
        if (n->size <= 0 || precision > max_digits)
            return false;
    }
    n->precision = precision;
    n->scale = scale;
    return true;
}

static const struct {
    const char *name;
    enum sr_type base;
} simple_types[] = {
    {"date", SR_INT},
    {"time-millis", SR_INT},
    {"time-micros", SR_LONG},
    {"timestamp-millis", SR_LONG},
    {"timestamp-micros", SR_LONG},
    {"timestamp-nanos", SR_LONG},
    {"local-timestamp-millis", SR_LONG},
    {"local-timestamp-micros", SR_LONG},
    {"local-timestamp-nanos", SR_LONG},
    {"uuid", SR_STRING},
    {"big-decimal", SR_BYTES},
};

static bool logical_ok(struct sr_node *n, const char *name)
{
    if (strcmp(name, "decimal") == 0)
        return decimal_ok(n);
    if (strcmp(name, "duration") == 0)
        return n->type == SR_FIXED && n->size == 12;
    if (strcmp(name, "uuid") == 0 && n->type == SR_FIXED)
        return n->size == 16;
    for (size_t i = 0; i < sizeof(simple_types) / sizeof(simple_types[0]); i++)
        if (strcmp(simple_types[i].name, name) == 0)
            return n->type == simple_types[i].base;
    return false;
}

void sr_logical_type_resolve(struct sr_node *node)
{
    const json_t *lt = prop(node, "logicalType");
    node->logical_type = NULL;
    if (!json_is_string(lt))
        return;
    const char *name = json_string_value(lt);
    if (logical_ok(node, name))
        node->logical_type = name;
}

/*
 * normalize.c - Confluent's normal form of a schema; see normalize.h.
 */
#include "schemas/normalize.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* v with the keys of every object in it sorted, recursively (a new reference). */
static json_t *sorted_value(json_t *v)
{
    if (json_is_array(v)) {
        json_t *out = json_array();
        for (size_t i = 0; out && i < json_array_size(v); i++)
            json_array_append_new(out, sorted_value(json_array_get(v, i)));
        return out;
    }
    if (!json_is_object(v))
        return json_incref(v);
    size_t n = json_object_size(v), k = 0;
    const char **keys = calloc(n ? n : 1, sizeof(*keys));
    json_t *out = keys ? json_object() : NULL;
    if (!out) {
        free(keys);
        return NULL;
    }
    const char *key;
    json_t *member;
    json_object_foreach(v, key, member) keys[k++] = key;
    qsort(keys, k, sizeof(*keys), compare_keys);
    for (size_t i = 0; out && i < k; i++)
        json_object_set_new(out, keys[i], sorted_value(json_object_get(v, keys[i])));
    free(keys);
    return out;
}

/* The attributes Avro itself defines for a node of this kind, in the order
 * the canonical text has them; every other member is a custom property. */
static const char *const record_keys[] = {"type",   "name",    "namespace", "doc",
                                          "fields", "aliases", NULL};
static const char *const enum_keys[] = {"type",    "name",    "namespace", "doc",
                                        "symbols", "default", "aliases",   NULL};
static const char *const fixed_keys[] = {"type", "name",    "namespace", "doc",
                                         "size", "aliases", NULL};
static const char *const array_keys[] = {"type", "items", NULL};
static const char *const map_keys[] = {"type", "values", NULL};
static const char *const plain_keys[] = {"type", NULL};
static const char *const field_keys[] = {"name",  "type",    "doc", "default",
                                         "order", "aliases", NULL};

static bool listed(const char *const *keys, const char *key)
{
    for (size_t i = 0; keys[i]; i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

static const char *const *keys_for(const json_t *node, bool field)
{
    if (field)
        return field_keys;
    const char *type = json_string_value(json_object_get(node, "type"));
    if (!type)
        return plain_keys;
    if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0)
        return record_keys;
    if (strcmp(type, "enum") == 0)
        return enum_keys;
    if (strcmp(type, "fixed") == 0)
        return fixed_keys;
    if (strcmp(type, "array") == 0)
        return array_keys;
    if (strcmp(type, "map") == 0)
        return map_keys;
    return plain_keys;
}

static json_t *normal_node(json_t *node);
static json_t *normal_object(json_t *obj, bool field);

/* One known attribute's normal form. */
static json_t *normal_attribute(const char *key, json_t *value)
{
    if (strcmp(key, "type") == 0 || strcmp(key, "items") == 0 || strcmp(key, "values") == 0)
        return normal_node(value);
    if (strcmp(key, "fields") == 0) {
        json_t *out = json_array();
        for (size_t i = 0; out && i < json_array_size(value); i++) {
            json_t *f = json_array_get(value, i);
            json_array_append_new(out, json_is_object(f) ? normal_object(f, true) : json_incref(f));
        }
        return out;
    }
    if (strcmp(key, "aliases") == 0 && json_is_array(value)) {
        size_t n = json_array_size(value);
        const char **names = calloc(n ? n : 1, sizeof(*names));
        json_t *out = names ? json_array() : NULL;
        if (!out) {
            free(names);
            return NULL;
        }
        for (size_t i = 0; i < n; i++)
            names[i] = json_string_value(json_array_get(value, i));
        qsort(names, n, sizeof(*names), compare_keys);
        for (size_t i = 0; out && i < n; i++)
            json_array_append_new(out, json_string(names[i]));
        free(names);
        return out;
    }
    if (strcmp(key, "default") == 0)
        return sorted_value(value);
    return json_incref(value);
}

/* The known attributes in the order they come, then the custom properties
 * sorted by name. */
static json_t *normal_object(json_t *obj, bool field)
{
    const char *const *known = keys_for(obj, field);
    size_t n = json_object_size(obj), props = 0;
    const char **custom = calloc(n ? n : 1, sizeof(*custom));
    json_t *out = custom ? json_object() : NULL;
    if (!out) {
        free(custom);
        return NULL;
    }
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        if (listed(known, key))
            json_object_set_new(out, key, normal_attribute(key, value));
        else
            custom[props++] = key;
    }
    qsort(custom, props, sizeof(*custom), compare_keys);
    for (size_t i = 0; out && i < props; i++)
        json_object_set_new(out, custom[i], sorted_value(json_object_get(obj, custom[i])));
    free(custom);
    return out;
}

static json_t *normal_node(json_t *node)
{
    if (json_is_object(node))
        return normal_object(node, false);
    if (json_is_array(node)) {
        json_t *out = json_array();
        for (size_t i = 0; out && i < json_array_size(node); i++)
            json_array_append_new(out, normal_node(json_array_get(node, i)));
        return out;
    }
    return json_incref(node);
}

char *sr_schema_normalize_text(const char *canonical, size_t len, size_t *len_out)
{
    json_t *doc = json_loadb(canonical, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    json_t *normal = doc ? normal_node(doc) : NULL;
    char *text =
        normal ? json_dumps(normal, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) : NULL;
    json_decref(normal);
    json_decref(doc);
    if (text)
        *len_out = strlen(text);
    return text;
}

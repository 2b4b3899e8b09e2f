/*
 * contracts.c - metadata and rule sets; see contracts.h.
 */
#include "server/contracts.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define RULE_NAME_MAX 64

/* Jackson cannot map the member: rest-utils answers 400. */
static enum sr_err mapping_error(struct sr_error *err, const char *what, const char *member,
                                 const char *want)
{
    return sr_errorf(err, SR_ERR_BAD_REQUEST, "Invalid request: \"%s.%s\" must be %s", what, member,
                     want);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* arr (an array of strings) sorted without repeats; NULL when empty. */
static json_t *string_set(const json_t *arr)
{
    size_t n = json_array_size(arr), kept = 0;
    const char **items = calloc(n ? n : 1, sizeof(*items));
    if (!items)
        return NULL;
    for (size_t i = 0; i < n; i++)
        items[kept++] = json_string_value(json_array_get(arr, i));
    qsort(items, kept, sizeof(*items), compare_strings);
    json_t *out = kept ? json_array() : NULL;
    for (size_t i = 0; out && i < kept; i++)
        if (i == 0 || strcmp(items[i], items[i - 1]) != 0)
            json_array_append_new(out, json_string(items[i]));
    free(items);
    return out;
}

static bool all_strings(const json_t *arr)
{
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (!json_is_string(json_array_get(arr, i)))
            return false;
    return true;
}

/* Sets key to v in obj unless v is NULL (empty members are left out). */
static void set_if(json_t *obj, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(obj, key, v);
}

/* obj's members sorted by key (copied); NULL when empty. */
static json_t *sorted_object(const json_t *obj)
{
    if (!json_object_size(obj))
        return NULL;
    json_t *out = json_deep_copy(obj);
    if (out && json_object_size(out) > 1) {
        /* jansson keeps insertion order: rebuild in key order */
        size_t n = json_object_size(out), i = 0;
        const char **keys = calloc(n, sizeof(*keys));
        const char *key;
        json_t *value;
        json_t *sorted = json_object();
        if (keys && sorted) {
            json_object_foreach(out, key, value) keys[i++] = key;
            qsort(keys, n, sizeof(*keys), compare_strings);
            for (i = 0; i < n; i++)
                json_object_set(sorted, keys[i], json_object_get(out, keys[i]));
        }
        free(keys);
        json_decref(out);
        out = sorted;
    }
    return out;
}

/* ---- metadata ----------------------------------------------------------------------- */

static enum sr_err read_tags(const json_t *tags, const char *what, json_t **out,
                             struct sr_error *err)
{
    *out = NULL;
    if (!tags || json_is_null(tags))
        return SR_OK;
    if (!json_is_object(tags))
        return mapping_error(err, what, "tags", "an object of string arrays");
    json_t *copy = json_object();
    const char *path;
    json_t *list;
    json_object_foreach((json_t *)tags, path, list)
    {
        if (!json_is_array(list) || !all_strings(list)) {
            json_decref(copy);
            return mapping_error(err, what, "tags", "an object of string arrays");
        }
        json_object_set_new(copy, path, string_set(list) ? string_set(list) : json_array());
    }
    *out = sorted_object(copy);
    json_decref(copy);
    return SR_OK;
}

enum sr_err sr_contracts_metadata(const json_t *in, const char *what, json_t **out,
                                  struct sr_error *err)
{
    *out = NULL;
    if (!json_is_object(in))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "Invalid request: \"%s\" must be an object",
                         what);
    const json_t *props = json_object_get(in, "properties");
    const json_t *sensitive = json_object_get(in, "sensitive");
    json_t *tags = NULL;
    enum sr_err rc = read_tags(json_object_get(in, "tags"), what, &tags, err);
    if (rc)
        return rc;
    const char *key;
    const json_t *value;
    bool props_ok = !props || json_is_null(props) || json_is_object(props);
    if (props_ok && json_is_object(props))
        json_object_foreach((json_t *)props, key, value) props_ok =
            props_ok && (json_is_string(value) || json_is_null(value));
    if (!props_ok)
        rc = mapping_error(err, what, "properties", "an object of strings");
    else if (sensitive && !json_is_null(sensitive) &&
             (!json_is_array(sensitive) || !all_strings(sensitive)))
        rc = mapping_error(err, what, "sensitive", "an array of strings");
    if (rc) {
        json_decref(tags);
        return rc;
    }
    json_t *md = json_object();
    set_if(md, "tags", tags);
    set_if(md, "properties", json_is_object(props) ? sorted_object(props) : NULL);
    set_if(md, "sensitive", string_set(sensitive));
    *out = md;
    return md ? SR_OK : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
}

/* ---- rule sets ------------------------------------------------------------------------ */

static const char *const kinds[] = {"TRANSFORM", "CONDITION", NULL};
static const char *const modes[] = {"UPGRADE", "DOWNGRADE", "UPDOWN", "WRITE",
                                    "READ",    "WRITEREAD", NULL};
static const char *const list_names[] = {"migrationRules", "domainRules", "encodingRules"};

static bool one_of(const char *s, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(s, *names) == 0)
            return true;
    return false;
}

/* The string members a rule may carry, in Confluent's order around the rest. */
static const char *const text_members[] = {"name", "doc", "type", "expr", "onSuccess", "onFailure"};

static enum sr_err check_rule_types(const json_t *rule, const char *what, struct sr_error *err)
{
    if (!json_is_object(rule))
        return mapping_error(err, what, "rules", "an array of rule objects");
    for (size_t i = 0; i < sizeof(text_members) / sizeof(text_members[0]); i++) {
        const json_t *v = json_object_get(rule, text_members[i]);
        if (v && !json_is_null(v) && !json_is_string(v))
            return mapping_error(err, what, text_members[i], "a string");
    }
    const json_t *kind = json_object_get(rule, "kind"), *mode = json_object_get(rule, "mode");
    if (kind && !json_is_null(kind) &&
        !(json_is_string(kind) && one_of(json_string_value(kind), kinds)))
        return mapping_error(err, what, "kind", "one of TRANSFORM, CONDITION");
    if (mode && !json_is_null(mode) &&
        !(json_is_string(mode) && one_of(json_string_value(mode), modes)))
        return mapping_error(err, what, "mode",
                             "one of UPGRADE, DOWNGRADE, UPDOWN, WRITE, READ, WRITEREAD");
    const json_t *tags = json_object_get(rule, "tags"), *params = json_object_get(rule, "params");
    if (tags && !json_is_null(tags) && (!json_is_array(tags) || !all_strings(tags)))
        return mapping_error(err, what, "tags", "an array of strings");
    const char *key;
    const json_t *value;
    bool params_ok = !params || json_is_null(params) || json_is_object(params);
    if (params_ok && json_is_object(params))
        json_object_foreach((json_t *)params, key, value) params_ok =
            params_ok && json_is_string(value);
    if (!params_ok)
        return mapping_error(err, what, "params", "an object of strings");
    const json_t *disabled = json_object_get(rule, "disabled");
    if (disabled && !json_is_null(disabled) && !json_is_boolean(disabled))
        return mapping_error(err, what, "disabled", "a boolean");
    return SR_OK;
}

static const char *text_of(const json_t *rule, const char *key)
{
    return json_string_value(json_object_get(rule, key));
}

static const char *enum_of(const json_t *rule, const char *key, const char *def)
{
    const char *v = text_of(rule, key);
    return v ? v : def;
}

/* Rule.validate(): the name, the type, several actions. */
static enum sr_err validate_rule(const json_t *rule, struct sr_error *err)
{
    const char *name = text_of(rule, "name");
    if (!name)
        return sr_errorf(err, SR_ERR_INVALID_RULESET, "Missing rule name");
    if (!*name)
        return sr_errorf(err, SR_ERR_INVALID_RULESET, "Empty rule name");
    if (strlen(name) > RULE_NAME_MAX)
        return sr_errorf(err, SR_ERR_INVALID_RULESET, "Rule name too long");
    /* Java's Character.isLetter is Unicode-wide: any non-ASCII byte counts. */
    unsigned char first = (unsigned char)name[0];
    if (!(isalpha(first) || first >= 0x80 || first == '_'))
        return sr_errorf(err, SR_ERR_INVALID_RULESET, "Illegal initial character in rule name: %s",
                         name);
    for (const unsigned char *c = (const unsigned char *)name + 1; *c; c++)
        if (!(isalnum(*c) || *c >= 0x80 || *c == '_' || *c == '-'))
            return sr_errorf(err, SR_ERR_INVALID_RULESET, "Illegal character in rule name: %s",
                             name);
    if (!text_of(rule, "type"))
        return sr_errorf(err, SR_ERR_INVALID_RULESET, "Missing rule type");
    const char *mode = enum_of(rule, "mode", "WRITEREAD");
    const char *ok_mode[] = {"WRITEREAD", "UPDOWN", NULL};
    const char *on_success = text_of(rule, "onSuccess"), *on_failure = text_of(rule, "onFailure");
    bool several =
        (on_success && strchr(on_success, ',')) || (on_failure && strchr(on_failure, ','));
    if (several && !one_of(mode, ok_mode))
        return sr_errorf(err, SR_ERR_INVALID_RULESET,
                         "Multiple actions only valid with WRITEREAD and UPDOWN");
    return SR_OK;
}

static enum sr_err check_list_mode(const json_t *rule, size_t list, struct sr_error *err)
{
    static const char *const migration[] = {"UPGRADE", "DOWNGRADE", "UPDOWN", NULL};
    static const char *const flow[] = {"WRITE", "READ", "WRITEREAD", NULL};
    const char *mode = enum_of(rule, "mode", "WRITEREAD");
    if (list == 0 && !one_of(mode, migration))
        return sr_errorf(err, SR_ERR_INVALID_RULESET,
                         "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN");
    if (list == 1 && !one_of(mode, flow))
        return sr_errorf(err, SR_ERR_INVALID_RULESET,
                         "Domain rules can only be WRITE, READ, WRITEREAD");
    if (list == 2 && !one_of(mode, flow))
        return sr_errorf(err, SR_ERR_INVALID_RULESET,
                         "Encoding rules can only be WRITE, READ, WRITEREAD");
    return SR_OK;
}

/* A rule in canonical form. */
static json_t *canonical_rule(const json_t *rule)
{
    json_t *out = json_object();
    const char *v;
    if ((v = text_of(rule, "name")))
        json_object_set_new(out, "name", json_string(v));
    if ((v = text_of(rule, "doc")))
        json_object_set_new(out, "doc", json_string(v));
    json_object_set_new(out, "kind", json_string(enum_of(rule, "kind", "TRANSFORM")));
    json_object_set_new(out, "mode", json_string(enum_of(rule, "mode", "WRITEREAD")));
    if ((v = text_of(rule, "type")))
        json_object_set_new(out, "type", json_string(v));
    set_if(out, "tags", string_set(json_object_get(rule, "tags")));
    set_if(out, "params", sorted_object(json_object_get(rule, "params")));
    static const char *const tail[] = {"expr", "onSuccess", "onFailure"};
    for (size_t i = 0; i < 3; i++)
        if ((v = text_of(rule, tail[i])))
            json_object_set_new(out, tail[i], json_string(v));
    json_object_set_new(out, "disabled",
                        json_boolean(json_is_true(json_object_get(rule, "disabled"))));
    return out;
}

/* Whether name was used by a rule before index (list, i) in the set. */
static bool name_seen(const json_t *in, size_t list, size_t index, const char *name)
{
    for (size_t l = 0; l <= list; l++) {
        const json_t *rules = json_object_get(in, list_names[l]);
        size_t n = l == list ? index : json_array_size(rules);
        for (size_t i = 0; i < n; i++) {
            const char *other = text_of(json_array_get(rules, i), "name");
            if (other && strcmp(other, name) == 0)
                return true;
        }
    }
    return false;
}

enum sr_err sr_contracts_ruleset(const json_t *in, const char *what, json_t **out,
                                 struct sr_error *err)
{
    *out = NULL;
    if (!json_is_object(in))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "Invalid request: \"%s\" must be an object",
                         what);
    for (size_t l = 0; l < 3; l++) {
        const json_t *rules = json_object_get(in, list_names[l]);
        if (rules && !json_is_null(rules) && !json_is_array(rules))
            return mapping_error(err, what, list_names[l], "an array of rules");
        for (size_t i = 0; i < json_array_size(rules); i++) {
            enum sr_err rc = check_rule_types(json_array_get(rules, i), what, err);
            if (rc)
                return rc;
        }
    }
    json_t *set = json_object();
    for (size_t l = 0; l < 3; l++) {
        const json_t *rules = json_object_get(in, list_names[l]);
        json_t *list = json_array_size(rules) ? json_array() : NULL;
        for (size_t i = 0; i < json_array_size(rules); i++) {
            const json_t *rule = json_array_get(rules, i);
            const char *name = text_of(rule, "name");
            enum sr_err rc = name && name_seen(in, l, i, name)
                                 ? sr_errorf(err, SR_ERR_INVALID_RULESET,
                                             "Found rule with duplicate name '%s'", name)
                                 : validate_rule(rule, err);
            if (!rc)
                rc = check_list_mode(rule, l, err);
            if (rc) {
                json_decref(list);
                json_decref(set);
                return rc;
            }
            json_array_append_new(list, canonical_rule(rule));
        }
        set_if(set, list_names[l], list);
    }
    *out = set;
    return set ? SR_OK : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
}

/* ---- merges --------------------------------------------------------------------------- */

/* A map of base overridden by over, key by key. */
static json_t *merge_map(const json_t *base, const json_t *over)
{
    if (!json_object_size(over))
        return json_object_size(base) ? json_deep_copy(base) : NULL;
    if (!json_object_size(base))
        return json_deep_copy(over);
    json_t *m = json_deep_copy(base);
    json_object_update(m, (json_t *)over);
    json_t *sorted = sorted_object(m);
    json_decref(m);
    return sorted;
}

/* The union of two string sets. */
static json_t *merge_set(const json_t *base, const json_t *over)
{
    json_t *all = json_array();
    json_array_extend(all, (json_t *)(base ? base : all));
    if (over)
        json_array_extend(all, (json_t *)over);
    json_t *set = string_set(all);
    json_decref(all);
    return set;
}

json_t *sr_contracts_merge_metadata(const json_t *base, const json_t *over)
{
    if (!base || !over)
        return base ? json_deep_copy(base) : over ? json_deep_copy(over) : NULL;
    json_t *md = json_object();
    set_if(md, "tags", merge_map(json_object_get(base, "tags"), json_object_get(over, "tags")));
    set_if(md, "properties",
           merge_map(json_object_get(base, "properties"), json_object_get(over, "properties")));
    set_if(md, "sensitive",
           merge_set(json_object_get(base, "sensitive"), json_object_get(over, "sensitive")));
    return md;
}

/* base's rules not named in over, then over's. */
static json_t *merge_rules(const json_t *base, const json_t *over)
{
    if (!json_array_size(over))
        return json_array_size(base) ? json_deep_copy(base) : NULL;
    if (!json_array_size(base))
        return json_deep_copy(over);
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(base); i++) {
        const json_t *rule = json_array_get(base, i);
        const char *name = text_of(rule, "name");
        bool replaced = false;
        for (size_t j = 0; name && j < json_array_size(over) && !replaced; j++) {
            const char *other = text_of(json_array_get(over, j), "name");
            replaced = other && strcmp(name, other) == 0;
        }
        if (!replaced)
            json_array_append_new(out, json_deep_copy(rule));
    }
    for (size_t j = 0; j < json_array_size(over); j++)
        json_array_append_new(out, json_deep_copy(json_array_get(over, j)));
    return out;
}

json_t *sr_contracts_merge_ruleset(const json_t *base, const json_t *over)
{
    if (!base || !over)
        return base ? json_deep_copy(base) : over ? json_deep_copy(over) : NULL;
    json_t *rs = json_object();
    for (size_t l = 0; l < 3; l++)
        set_if(rs, list_names[l],
               merge_rules(json_object_get(base, list_names[l]),
                           json_object_get(over, list_names[l])));
    return rs;
}

const char *sr_contracts_property(const json_t *md, const char *key)
{
    return json_string_value(json_object_get(json_object_get(md, "properties"), key));
}

json_t *sr_contracts_with_property(const json_t *md, const char *key, const char *value)
{
    json_t *props = json_pack("{s:s}", key, value);
    json_t *over = json_pack("{s:o}", "properties", props);
    json_t *out = sr_contracts_merge_metadata(md, over);
    json_decref(over);
    return out;
}

/*
 * guid.c - a schema's GUID, as Confluent 8 derives it (Schema.getGuid):
 * the MD5 of the schema text, then of each reference (name, subject, version
 * as four big-endian bytes), then, when present, a 0x01 byte and the
 * metadata (tags by sorted path with their sorted tags, properties by sorted
 * key, sorted sensitive names), then a 0x01 byte and the rule set (each rule
 * of the migration, domain and encoding lists: name, doc, kind, mode, type,
 * sorted tags, params by sorted key, expr, onSuccess, onFailure, and 0x01 if
 * disabled), all as UTF-8 without separators. The 16 bytes print as a
 * lower-case UUID, with no version bits set. Clients recompute it when a
 * server leaves it out, so it must come out byte for byte the same.
 */
#include <gnutls/crypto.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "storage/store.h"

static void add_text(struct sr_buf *b, const char *s)
{
    if (s)
        sr_buf_adds(b, s);
}

static void add_json_text(struct sr_buf *b, const json_t *v)
{
    add_text(b, json_string_value(v));
}

/* The keys of obj, sorted (Java's TreeMap). Caller frees the array. */
static const char **sorted_keys(const json_t *obj, size_t *n_out)
{
    size_t n = json_object_size(obj), i = 0;
    const char **keys = calloc(n ? n : 1, sizeof(*keys));
    const char *key;
    const json_t *value;
    if (keys)
        json_object_foreach((json_t *)obj, key, value) keys[i++] = key;
    *n_out = keys ? n : 0;
    return keys;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sort_strings(const char **items, size_t n)
{
    qsort(items, n, sizeof(*items), compare_strings);
}

/* The strings of array arr, sorted and without repeats (Java's TreeSet). */
static void add_string_set(struct sr_buf *b, const json_t *arr)
{
    size_t n = json_array_size(arr), kept = 0;
    const char **items = calloc(n ? n : 1, sizeof(*items));
    if (!items) {
        b->failed = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (json_is_string(json_array_get(arr, i)))
            items[kept++] = json_string_value(json_array_get(arr, i));
    sort_strings(items, kept);
    for (size_t i = 0; i < kept; i++)
        if (i == 0 || strcmp(items[i], items[i - 1]) != 0)
            sr_buf_adds(b, items[i]);
    free(items);
}

/* A string map by sorted key: key, then value (a string, or a set of them). */
static void add_sorted_map(struct sr_buf *b, const json_t *map)
{
    size_t n;
    const char **keys = sorted_keys(map, &n);
    if (!keys) {
        b->failed = true;
        return;
    }
    sort_strings(keys, n);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(map, keys[i]);
        sr_buf_adds(b, keys[i]);
        if (json_is_array(v))
            add_string_set(b, v);
        else
            add_json_text(b, v);
    }
    free(keys);
}

static void add_metadata(struct sr_buf *b, const json_t *md)
{
    sr_buf_addc(b, 1);
    add_sorted_map(b, json_object_get(md, "tags"));
    add_sorted_map(b, json_object_get(md, "properties"));
    add_string_set(b, json_object_get(md, "sensitive"));
}

/* An enum field of a rule, or its default when absent. */
static void add_enum(struct sr_buf *b, const json_t *rule, const char *key, const char *def)
{
    const char *v = json_string_value(json_object_get(rule, key));
    sr_buf_adds(b, v ? v : def);
}

static void add_rule(struct sr_buf *b, const json_t *rule)
{
    add_json_text(b, json_object_get(rule, "name"));
    add_json_text(b, json_object_get(rule, "doc"));
    add_enum(b, rule, "kind", "TRANSFORM");
    add_enum(b, rule, "mode", "WRITEREAD");
    add_json_text(b, json_object_get(rule, "type"));
    add_string_set(b, json_object_get(rule, "tags"));
    add_sorted_map(b, json_object_get(rule, "params"));
    add_json_text(b, json_object_get(rule, "expr"));
    add_json_text(b, json_object_get(rule, "onSuccess"));
    add_json_text(b, json_object_get(rule, "onFailure"));
    if (json_is_true(json_object_get(rule, "disabled")))
        sr_buf_addc(b, 1);
}

static void add_ruleset(struct sr_buf *b, const json_t *rs)
{
    static const char *const lists[] = {"migrationRules", "domainRules", "encodingRules"};
    sr_buf_addc(b, 1);
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        const json_t *list = json_object_get(rs, lists[l]);
        for (size_t i = 0; i < json_array_size(list); i++)
            add_rule(b, json_array_get(list, i));
    }
}

static void add_refs(struct sr_buf *b, const json_t *refs)
{
    for (size_t i = 0; i < json_array_size(refs); i++) {
        const json_t *ref = json_array_get(refs, i);
        add_json_text(b, json_object_get(ref, "name"));
        add_json_text(b, json_object_get(ref, "subject"));
        uint32_t v = (uint32_t)json_integer_value(json_object_get(ref, "version"));
        unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                               (unsigned char)(v >> 8), (unsigned char)v};
        sr_buf_add(b, be, sizeof(be));
    }
}

bool sr_store_schema_guid(const struct sr_schema_rec *rec, char out[SR_GUID_SIZE])
{
    struct sr_buf b = SR_BUF_INIT;
    json_t *refs = rec->refs ? json_loads(rec->refs, 0, NULL) : NULL;
    json_t *md = rec->metadata ? json_loads(rec->metadata, 0, NULL) : NULL;
    json_t *rs = rec->ruleset ? json_loads(rec->ruleset, 0, NULL) : NULL;
    add_text(&b, rec->schema);
    add_refs(&b, refs);
    if (rec->metadata)
        add_metadata(&b, md);
    if (rec->ruleset)
        add_ruleset(&b, rs);
    unsigned char d[16];
    bool ok =
        !sr_buf_failed(&b) && gnutls_hash_fast(GNUTLS_DIG_MD5, b.len ? b.data : "", b.len, d) == 0;
    if (ok)
        snprintf(out, SR_GUID_SIZE,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0], d[1],
                 d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14],
                 d[15]);
    json_decref(refs);
    json_decref(md);
    json_decref(rs);
    sr_buf_release(&b);
    return ok;
}

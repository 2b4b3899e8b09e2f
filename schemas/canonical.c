/*
 * canonical.c - the two printed forms of a schema:
 *  - canonical text: what Avro Java's Schema.toString() prints (attribute
 *    order, folded primitives, names written once then referenced, namespaces
 *    written only where they change), which Confluent stores and dedups on;
 *  - Parsing Canonical Form and its CRC-64-AVRO fingerprint (Avro spec).
 */
#include <stdlib.h>
#include <string.h>

#include "common/jout.h"
#include "schemas/schema_int.h"

static bool is_type_name(const char *name)
{
    static const char *const types[] = {"record", "enum",   "array",   "map",  "union",
                                        "fixed",  "string", "bytes",   "int",  "long",
                                        "float",  "double", "boolean", "null", NULL};
    for (const char *const *t = types; *t; t++)
        if (strcmp(*t, name) == 0)
            return true;
    return false;
}

/* Java's Name.getQualified(defaultSpace). */
static const char *qualified(const struct sr_name *n, const char *space)
{
    if (n->space && space && strcmp(n->space, space) == 0 && !is_type_name(n->name))
        return n->name;
    return n->full;
}

static void write_props(struct sr_buf *b, const struct sr_prop *props, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        sr_buf_addc(b, ',');
        sr_jout_cstring(b, props[i].key);
        sr_buf_addc(b, ':');
        sr_jout_value(b, props[i].value);
    }
}

/* Java's Name.writeName(currentNamespace, gen). */
static void write_name(struct sr_buf *b, const struct sr_name *n, const char *space)
{
    sr_buf_adds(b, ",\"name\":");
    sr_jout_cstring(b, n->name);
    if (n->space) {
        if (!space || strcmp(n->space, space) != 0) {
            sr_buf_adds(b, ",\"namespace\":");
            sr_jout_cstring(b, n->space);
        }
    } else if (space) {
        sr_buf_adds(b, ",\"namespace\":\"\"");
    }
}

static void write_doc(struct sr_buf *b, const json_t *doc)
{
    if (!doc)
        return;
    sr_buf_adds(b, ",\"doc\":");
    sr_jout_jstring(b, doc);
}

static void write_type_aliases(struct sr_buf *b, const struct sr_node *n)
{
    if (!n->alias_count)
        return;
    sr_buf_adds(b, ",\"aliases\":[");
    for (size_t i = 0; i < n->alias_count; i++) {
        if (i)
            sr_buf_addc(b, ',');
        sr_jout_cstring(b, qualified(&n->aliases[i], n->name.space));
    }
    sr_buf_addc(b, ']');
}

static const char *const order_names[] = {"ascending", "descending", "ignore"};

static void write_field(struct sr_buf *b, const struct sr_field *f, struct sr_strmap *known,
                        const char *space)
{
    sr_buf_adds(b, "{\"name\":");
    sr_jout_cstring(b, f->name);
    sr_buf_adds(b, ",\"type\":");
    sr_canonical_write(b, f->type, known, space);
    write_doc(b, f->doc);
    if (f->default_value) {
        sr_buf_adds(b, ",\"default\":");
        sr_jout_value(b, f->default_value);
    }
    if (f->order != SR_ORDER_ASCENDING) {
        sr_buf_adds(b, ",\"order\":");
        sr_jout_cstring(b, order_names[f->order]);
    }
    if (f->alias_count) {
        sr_buf_adds(b, ",\"aliases\":[");
        for (size_t i = 0; i < f->alias_count; i++) {
            if (i)
                sr_buf_addc(b, ',');
            sr_jout_jstring(b, f->aliases[i]);
        }
        sr_buf_addc(b, ']');
    }
    write_props(b, f->props, f->prop_count);
    sr_buf_addc(b, '}');
}

static void write_named_body(struct sr_buf *b, const struct sr_node *n, struct sr_strmap *known,
                             const char *space)
{
    write_name(b, &n->name, space);
    write_doc(b, n->doc);
    switch (n->type) {
    case SR_RECORD:
        sr_buf_adds(b, ",\"fields\":[");
        for (size_t i = 0; i < n->field_count; i++) {
            if (i)
                sr_buf_addc(b, ',');
            write_field(b, &n->fields[i], known, n->name.space);
        }
        sr_buf_addc(b, ']');
        break;
    case SR_ENUM:
        sr_buf_adds(b, ",\"symbols\":[");
        for (size_t i = 0; i < n->symbol_count; i++) {
            if (i)
                sr_buf_addc(b, ',');
            sr_jout_cstring(b, n->symbols[i]);
        }
        sr_buf_addc(b, ']');
        if (n->enum_default) {
            sr_buf_adds(b, ",\"default\":");
            sr_jout_cstring(b, n->enum_default);
        }
        break;
    default: /* fixed */
        sr_buf_addf(b, ",\"size\":%d", (int)n->size);
        break;
    }
    write_props(b, n->props, n->prop_count);
    write_type_aliases(b, n);
}

void sr_canonical_write(struct sr_buf *b, const struct sr_node *n, struct sr_strmap *known,
                        const char *space)
{
    switch (n->type) {
    case SR_RECORD:
    case SR_ENUM:
    case SR_FIXED:
        if (sr_strmap_has(known, n->name.full)) {
            sr_jout_cstring(b, qualified(&n->name, space));
            return;
        }
        if (!sr_strmap_put(known, n->name.full, NULL)) {
            b->failed = true;
            return;
        }
        sr_buf_adds(b, "{\"type\":");
        sr_buf_adds(b, n->type == SR_RECORD ? (n->is_error ? "\"error\"" : "\"record\"")
                                            : (n->type == SR_ENUM ? "\"enum\"" : "\"fixed\""));
        write_named_body(b, n, known, space);
        sr_buf_addc(b, '}');
        return;
    case SR_ARRAY:
    case SR_MAP:
        sr_buf_adds(b, n->type == SR_ARRAY ? "{\"type\":\"array\",\"items\":"
                                           : "{\"type\":\"map\",\"values\":");
        sr_canonical_write(b, n->type == SR_ARRAY ? n->items : n->values, known, space);
        write_props(b, n->props, n->prop_count);
        sr_buf_addc(b, '}');
        return;
    case SR_UNION:
        sr_buf_addc(b, '[');
        for (size_t i = 0; i < n->branch_count; i++) {
            if (i)
                sr_buf_addc(b, ',');
            sr_canonical_write(b, n->branches[i], known, space);
        }
        sr_buf_addc(b, ']');
        return;
    default:
        if (!n->prop_count) {
            sr_jout_cstring(b, sr_type_name(n->type));
            return;
        }
        sr_buf_adds(b, "{\"type\":");
        sr_jout_cstring(b, sr_type_name(n->type));
        write_props(b, n->props, n->prop_count);
        sr_buf_addc(b, '}');
    }
}

char *sr_node_to_text(const struct sr_node *node, size_t *len_out)
{
    struct sr_buf b = SR_BUF_INIT;
    struct sr_strmap known;
    sr_strmap_init(&known, NULL);
    sr_canonical_write(&b, node, &known, NULL);
    sr_strmap_release(&known);
    return sr_buf_detach(&b, len_out);
}

/* Confluent prints a schema with references using Java's
 * toString(referencedSchemas): the referenced schemas' own names count as
 * already written, so they appear as names rather than inline definitions. */
static bool add_known_refs(struct sr_strmap *known, const struct sr_schema *s, int depth)
{
    for (size_t i = 0; i < s->ref_count && depth < 64; i++) {
        const struct sr_node *root = s->refs[i]->root;
        if (sr_type_is_named(root->type) && !sr_strmap_put(known, root->name.full, NULL))
            return false;
        if (!add_known_refs(known, s->refs[i], depth + 1))
            return false;
    }
    return true;
}

enum sr_err sr_canonical_build(struct sr_schema *s, struct sr_error *err);
enum sr_err sr_canonical_build(struct sr_schema *s, struct sr_error *err)
{
    struct sr_buf b = SR_BUF_INIT;
    struct sr_strmap known;
    sr_strmap_init(&known, NULL);
    if (!add_known_refs(&known, s, 0))
        b.failed = true;
    sr_canonical_write(&b, s->root, &known, NULL);
    sr_strmap_release(&known);
    if (sr_buf_failed(&b)) {
        sr_buf_release(&b);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory printing the schema");
    }
    s->canonical = sr_arena_strndup(&s->arena, sr_buf_str(&b), b.len);
    s->canonical_len = b.len;
    sr_buf_release(&b);
    if (!s->canonical)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory printing the schema");
    return SR_OK;
}

/* ---- Parsing Canonical Form --------------------------------------------- */

static void pcf_write(struct sr_buf *b, const struct sr_node *n, struct sr_strmap *seen)
{
    switch (n->type) {
    case SR_UNION:
        sr_buf_addc(b, '[');
        for (size_t i = 0; i < n->branch_count; i++) {
            if (i)
                sr_buf_addc(b, ',');
            pcf_write(b, n->branches[i], seen);
        }
        sr_buf_addc(b, ']');
        return;
    case SR_ARRAY:
    case SR_MAP:
        sr_buf_adds(b, n->type == SR_ARRAY ? "{\"type\":\"array\",\"items\":"
                                           : "{\"type\":\"map\",\"values\":");
        pcf_write(b, n->type == SR_ARRAY ? n->items : n->values, seen);
        sr_buf_addc(b, '}');
        return;
    case SR_RECORD:
    case SR_ENUM:
    case SR_FIXED:
        break;
    default:
        sr_jout_cstring(b, sr_type_name(n->type));
        return;
    }
    if (sr_strmap_has(seen, n->name.full)) {
        sr_jout_cstring(b, n->name.full);
        return;
    }
    if (!sr_strmap_put(seen, n->name.full, NULL)) {
        b->failed = true;
        return;
    }
    sr_buf_adds(b, "{\"name\":");
    sr_jout_cstring(b, n->name.full);
    sr_buf_adds(b, ",\"type\":");
    sr_jout_cstring(b, sr_type_name(n->type));
    if (n->type == SR_ENUM) {
        sr_buf_adds(b, ",\"symbols\":[");
        for (size_t i = 0; i < n->symbol_count; i++) {
            if (i)
                sr_buf_addc(b, ',');
            sr_jout_cstring(b, n->symbols[i]);
        }
        sr_buf_addc(b, ']');
    } else if (n->type == SR_FIXED) {
        sr_buf_addf(b, ",\"size\":%d", (int)n->size);
    } else {
        sr_buf_adds(b, ",\"fields\":[");
        for (size_t i = 0; i < n->field_count; i++) {
            if (i)
                sr_buf_addc(b, ',');
            sr_buf_adds(b, "{\"name\":");
            sr_jout_cstring(b, n->fields[i].name);
            sr_buf_adds(b, ",\"type\":");
            pcf_write(b, n->fields[i].type, seen);
            sr_buf_addc(b, '}');
        }
        sr_buf_addc(b, ']');
    }
    sr_buf_addc(b, '}');
}

char *sr_schema_pcf(const struct sr_schema *s, size_t *len_out)
{
    struct sr_buf b = SR_BUF_INIT;
    struct sr_strmap seen;
    sr_strmap_init(&seen, NULL);
    pcf_write(&b, s->root, &seen);
    sr_strmap_release(&seen);
    return sr_buf_detach(&b, len_out);
}

#define CRC64_AVRO_EMPTY 0xc15d213aa4d7a795ULL

uint64_t sr_crc64_avro(const void *data, size_t len)
{
    static uint64_t table[256];
    static _Atomic int ready;
    if (!ready) {
        for (int i = 0; i < 256; i++) {
            uint64_t fp = (uint64_t)i;
            for (int j = 0; j < 8; j++)
                fp = (fp >> 1) ^ (CRC64_AVRO_EMPTY & (0 - (fp & 1)));
            table[i] = fp;
        }
        ready = 1;
    }
    const unsigned char *p = data;
    uint64_t fp = CRC64_AVRO_EMPTY;
    for (size_t i = 0; i < len; i++)
        fp = (fp >> 8) ^ table[(fp ^ p[i]) & 0xff];
    return fp;
}

int64_t sr_schema_fingerprint(const struct sr_schema *s, struct sr_error *err)
{
    size_t len;
    char *pcf = sr_schema_pcf(s, &len);
    if (!pcf) {
        sr_errorf(err, SR_ERR_NOMEM, "out of memory");
        return 0;
    }
    uint64_t fp = sr_crc64_avro(pcf, len);
    free(pcf);
    return (int64_t)fp;
}

/*
 * schema.c - struct avroreg_schema: our schema model (names, defaults,
 * canonical text) paired with the avro-c schema and generic class of the same
 * types, which serde uses for the binary encoding.
 *
 * avro-c is given the Parsing Canonical Form of the model rather than the
 * user's text: full names everywhere, referenced types inlined, and none of
 * the attributes (defaults, logical types, custom properties) that avro-c
 * reads differently from Avro Java. The binary encoding depends on none of
 * them, nor on names: when avro-c rejects the form (it allows only ASCII
 * identifiers, where Avro 1.11 allows Unicode letters), it is given the same
 * shape with made-up names instead, types T0, T1, ... and fields f0, f1, ...
 * Values are then reached by position, which is what datum.c and resolve.c
 * do anyway.
 *
 * avro-c cannot read a fixed of size 0, nor an array of records without
 * fields: it allocates their zero bytes and takes the NULL it gets back for
 * running out of memory. A schema with either gets the made-up form straight
 * away, with null (which encodes in zero bytes too) in their place; datum.c
 * and resolve.c never touch such values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/jout.h"
#include "common/strmap.h"

struct avroreg_schema *ar_schema_ref(struct avroreg_schema *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void avroreg_schema_free(struct avroreg_schema *schema)
{
    if (!schema || atomic_fetch_sub(&schema->refs, 1) > 1)
        return;
    if (schema->iface)
        avro_value_iface_decref(schema->iface);
    if (schema->avro)
        avro_schema_decref(schema->avro);
    sr_schema_free(schema->model);
    free(schema);
}

/* ---- the avro-c schema ------------------------------------------------------------- */

static void write_mangled(struct sr_buf *b, const struct sr_node *n, struct sr_strmap *seen);

/* A type whose values encode in zero bytes and that avro-c cannot read (see above). */
static bool held_as_null(const struct sr_node *n)
{
    return (n->type == SR_FIXED && n->size == 0) || (n->type == SR_RECORD && n->field_count == 0);
}

/* A record, enum or fixed under a made-up name: Tk at its first appearance
 * (k counts named types in order), a reference to that name afterwards. */
static void write_mangled_named(struct sr_buf *b, const struct sr_node *n, struct sr_strmap *seen)
{
    if (held_as_null(n)) {
        sr_buf_adds(b, "\"null\"");
        return;
    }
    uintptr_t k = (uintptr_t)sr_strmap_get(seen, n->name.full);
    if (k) {
        sr_buf_addf(b, "\"T%zu\"", (size_t)(k - 1));
        return;
    }
    k = seen->count + 1;
    /* The map's values are numbers (index + 1), not pointers. */
    if (!sr_strmap_put(seen, n->name.full, (void *)k)) { /* NOLINT(performance-no-int-to-ptr) */
        b->failed = true;
        return;
    }
    sr_buf_addf(b, "{\"type\":\"%s\",\"name\":\"T%zu\"", sr_type_name(n->type), (size_t)(k - 1));
    if (n->type == SR_FIXED)
        sr_buf_addf(b, ",\"size\":%d}", (int)n->size);
    if (n->type == SR_ENUM) {
        sr_buf_adds(b, ",\"symbols\":[");
        for (size_t i = 0; i < n->symbol_count; i++) {
            sr_buf_adds(b, i ? "," : "");
            sr_jout_cstring(b, n->symbols[i]);
        }
        sr_buf_adds(b, "]}");
    }
    if (n->type == SR_RECORD) {
        sr_buf_adds(b, ",\"fields\":[");
        for (size_t i = 0; i < n->field_count; i++) {
            sr_buf_addf(b, "%s{\"name\":\"f%zu\",\"type\":", i ? "," : "", i);
            write_mangled(b, n->fields[i].type, seen);
            sr_buf_addc(b, '}');
        }
        sr_buf_adds(b, "]}");
    }
}

/* The Parsing Canonical Form of n with every name made up. */
static void write_mangled(struct sr_buf *b, const struct sr_node *n, struct sr_strmap *seen)
{
    switch (n->type) {
    case SR_UNION:
        sr_buf_addc(b, '[');
        for (size_t i = 0; i < n->branch_count; i++) {
            sr_buf_adds(b, i ? "," : "");
            write_mangled(b, n->branches[i], seen);
        }
        sr_buf_addc(b, ']');
        return;
    case SR_ARRAY:
        sr_buf_adds(b, "{\"type\":\"array\",\"items\":");
        write_mangled(b, n->items, seen);
        sr_buf_addc(b, '}');
        return;
    case SR_MAP:
        sr_buf_adds(b, "{\"type\":\"map\",\"values\":");
        write_mangled(b, n->values, seen);
        sr_buf_addc(b, '}');
        return;
    case SR_RECORD:
    case SR_ENUM:
    case SR_FIXED:
        write_mangled_named(b, n, seen);
        return;
    default:
        sr_jout_cstring(b, sr_type_name(n->type));
        return;
    }
}

/* Whether n uses a type held as null; seen holds the records already walked. */
static bool uses_null_held(const struct sr_node *n, struct sr_strmap *seen)
{
    if (held_as_null(n))
        return true;
    switch (n->type) {
    case SR_UNION:
        for (size_t i = 0; i < n->branch_count; i++)
            if (uses_null_held(n->branches[i], seen))
                return true;
        return false;
    case SR_ARRAY:
        return uses_null_held(n->items, seen);
    case SR_MAP:
        return uses_null_held(n->values, seen);
    case SR_RECORD:
        if (sr_strmap_get(seen, n->name.full) || !sr_strmap_put(seen, n->name.full, (void *)n))
            return false; /* walked already (or out of memory: then decoding may fail) */
        for (size_t i = 0; i < n->field_count; i++)
            if (uses_null_held(n->fields[i].type, seen))
                return true;
        return false;
    default:
        return false;
    }
}

/* The avro-c schema of text[0..len) into *out; avro-c's complaint into why. */
static bool avro_from_text(const char *text, size_t len, avro_schema_t *out, char *why,
                           size_t why_size)
{
    if (avro_schema_from_json_length(text, len, out) == 0)
        return true;
    *out = NULL;
    snprintf(why, why_size, "%s", avro_strerror());
    return false;
}

/* The avro-c schema of the model into s->avro: its Parsing Canonical Form,
 * else the same with made-up names. */
static enum avroreg_err avro_schema_of(struct avroreg_schema *s, struct avroreg_error *err)
{
    char why[256] = "";
    size_t len = 0;
    struct sr_strmap seen;
    sr_strmap_init(&seen, NULL);
    bool nulls = uses_null_held(sr_schema_root(s->model), &seen);
    sr_strmap_release(&seen);
    if (!nulls) {
        char *text = sr_schema_pcf(s->model, &len);
        if (!text)
            return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
        bool ok = avro_from_text(text, len, &s->avro, why, sizeof(why));
        free(text);
        if (ok)
            return AVROREG_OK;
    }
    struct sr_buf b = SR_BUF_INIT;
    sr_strmap_init(&seen, NULL);
    write_mangled(&b, sr_schema_root(s->model), &seen);
    sr_strmap_release(&seen);
    char *text = sr_buf_detach(&b, &len);
    if (!text)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    bool ok = avro_from_text(text, len, &s->avro, why, sizeof(why));
    free(text);
    return ok ? AVROREG_OK
              : ar_error(err, AVROREG_ERR_INVALID_SCHEMA, "avro-c rejects the schema: %s", why);
}

/* The avro-c schema and generic class of the model into s. */
static enum avroreg_err build_avro(struct avroreg_schema *s, struct avroreg_error *err)
{
    enum avroreg_err rc = avro_schema_of(s, err);
    if (rc != AVROREG_OK)
        return rc;
    s->iface = avro_generic_class_from_schema(s->avro);
    if (!s->iface)
        return ar_error(err, AVROREG_ERR_AVRO, "avro-c cannot make a value class: %s",
                        avro_strerror());
    return AVROREG_OK;
}

enum avroreg_err ar_schema_from_model(struct sr_schema *model, struct avroreg_schema **out,
                                      struct avroreg_error *err)
{
    struct avroreg_schema *s = calloc(1, sizeof(*s));
    if (!s) {
        sr_schema_free(model);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    atomic_init(&s->refs, 1);
    s->model = model;
    enum avroreg_err rc = build_avro(s, err);
    if (rc != AVROREG_OK) {
        avroreg_schema_free(s);
        return rc;
    }
    *out = s;
    return AVROREG_OK;
}

enum avroreg_err avroreg_schema_parse(const char *json, size_t len, struct avroreg_schema **out,
                                      struct avroreg_error *err)
{
    if (!json || !out)
        return ar_error(err, AVROREG_ERR_ARG, "schema text and output are required");
    struct sr_schema *model = NULL;
    struct sr_error serr = {0};
    enum sr_err rc = sr_schema_parse(json, len, NULL, &model, &serr);
    if (rc == SR_ERR_NOMEM)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    if (rc != SR_OK)
        return ar_error(err, AVROREG_ERR_INVALID_SCHEMA, "%s", serr.message);
    return ar_schema_from_model(model, out, err);
}

const char *avroreg_schema_text(const struct avroreg_schema *schema)
{
    return schema ? sr_schema_canonical(schema->model, NULL) : NULL;
}

const char *avroreg_schema_fullname(const struct avroreg_schema *schema)
{
    if (!schema)
        return NULL;
    const struct sr_node *root = sr_schema_root(schema->model);
    return sr_type_is_named(root->type) ? root->name.full : NULL;
}

avro_schema_t avroreg_schema_avro(const struct avroreg_schema *schema)
{
    return schema ? schema->avro : NULL;
}

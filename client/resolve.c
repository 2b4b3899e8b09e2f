/*
 * resolve.c - a writer's datum read with a reader schema (the specification's
 * "Schema Resolution"), written as the reader's Avro JSON encoding.
 *
 * The walk follows the writer's value and the reader's schema together:
 *   - a writer union contributes the branch it holds;
 *   - a reader union takes the first branch that can read the writer's type:
 *     the same type (same full name for named types) first, then a named
 *     type matched by unqualified name or reader alias, then a promotion;
 *   - records match reader fields to writer fields by name, then by the
 *     reader field's aliases; writer-only fields are dropped and reader-only
 *     fields take their default;
 *   - enums match by symbol, falling back to the reader's enum default;
 *   - int, long and float widen; string and bytes convert either way.
 * Callers decide compatibility up front with sr_compat_check(); what is left
 * here is per datum (an enum symbol, a union branch) and is reported as
 * AVROREG_ERR_INCOMPATIBLE.
 *
 * A writer's own datum in its own JSON encoding (ar_value_to_json) is the
 * same walk with the writer as reader: every rule above then picks the same
 * field, symbol or branch, and the shortcuts taken when r == w only skip the
 * searches.
 *
 * Defaults are plain JSON as the schema writes them, not the JSON encoding:
 * a union default belongs to the first branch it is valid for (Avro 1.12's
 * rule, which contains 1.11's "the first branch"), so it is wrapped here as
 * {"<branch>": value} unless it is null.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "client/datum_int.h"
#include "common/jout.h"
#include "compat/compat.h"
#include "compat/promote.h"

static enum avroreg_err resolve(const struct sr_node *r, const struct sr_node *w, avro_value_t *v,
                                struct sr_buf *out, const struct ar_path *path,
                                struct avroreg_error *err);

static int child_depth(const struct ar_path *path)
{
    return path ? path->depth + 1 : 1;
}

static const char *type_label(const struct sr_node *n)
{
    return ar_branch_name(n);
}

/* ---- defaults ------------------------------------------------------------------- */

static void put(struct sr_buf *out, const char *s)
{
    if (out)
        sr_buf_adds(out, s);
}

static bool default_json(const struct sr_node *t, const json_t *d, struct sr_buf *out, int depth);

static bool default_number(const struct sr_node *t, const json_t *d, struct sr_buf *out)
{
    if (t->type == SR_INT || t->type == SR_LONG) {
        if (!json_is_integer(d))
            return false;
        json_int_t x = json_integer_value(d);
        if (t->type == SR_INT && (x < INT32_MIN || x > INT32_MAX))
            return false;
        if (out)
            sr_buf_addf(out, "%" JSON_INTEGER_FORMAT, x);
        return true;
    }
    double x;
    if (!ar_json_number(d, &x) || (t->type == SR_FLOAT && !ar_fits_float(x)))
        return false;
    if (out && t->type == SR_FLOAT)
        ar_jout_float(out, (float)x);
    else if (out)
        sr_jout_double(out, x);
    return true;
}

/* Strings, bytes, fixed and enums: a default is already in the JSON encoding. */
static bool default_text(const struct sr_node *t, const json_t *d, struct sr_buf *out)
{
    if (!json_is_string(d))
        return false;
    size_t count = 0, at = 0;
    uint32_t cp = 0;
    bool ok = true;
    if (t->type == SR_BYTES || t->type == SR_FIXED)
        ok =
            ar_latin1_decode(json_string_value(d), json_string_length(d), NULL, &count, &cp, &at) &&
            (t->type == SR_BYTES || count == (size_t)t->size);
    if (t->type == SR_ENUM) {
        ok = false;
        for (size_t i = 0; i < t->symbol_count && !ok; i++)
            ok = strcmp(t->symbols[i], json_string_value(d)) == 0;
    }
    if (ok && out)
        sr_jout_jstring(out, d);
    return ok;
}

static bool default_list(const struct sr_node *t, const json_t *d, struct sr_buf *out, int depth)
{
    if (t->type == SR_ARRAY) {
        if (!json_is_array(d))
            return false;
        put(out, "[");
        for (size_t i = 0; i < json_array_size(d); i++) {
            put(out, i ? "," : "");
            if (!default_json(t->items, json_array_get(d, i), out, depth + 1))
                return false;
        }
        put(out, "]");
        return true;
    }
    if (!json_is_object(d))
        return false;
    const char *key;
    json_t *val;
    bool first = true;
    put(out, "{");
    json_object_foreach((json_t *)d, key, val)
    {
        put(out, first ? "" : ",");
        first = false;
        if (out) {
            sr_jout_cstring(out, key);
            sr_buf_addc(out, ':');
        }
        if (!default_json(t->values, val, out, depth + 1))
            return false;
    }
    put(out, "}");
    return true;
}

/* A record default may leave out fields that have defaults of their own. */
static bool default_record(const struct sr_node *t, const json_t *d, struct sr_buf *out, int depth)
{
    if (!json_is_object(d))
        return false;
    put(out, "{");
    for (size_t i = 0; i < t->field_count; i++) {
        const struct sr_field *f = &t->fields[i];
        const json_t *v = json_object_get(d, f->name);
        if (out) {
            sr_buf_adds(out, i ? "," : "");
            sr_jout_cstring(out, f->name);
            sr_buf_addc(out, ':');
        }
        if (!default_json(f->type, v ? v : f->default_value, out, depth + 1))
            return false;
    }
    put(out, "}");
    return true;
}

static bool default_union(const struct sr_node *t, const json_t *d, struct sr_buf *out, int depth)
{
    for (size_t i = 0; i < t->branch_count; i++) {
        const struct sr_node *b = t->branches[i];
        if (!default_json(b, d, NULL, depth + 1))
            continue;
        if (!out)
            return true;
        if (b->type == SR_NULL) {
            sr_buf_adds(out, "null");
            return true;
        }
        sr_buf_addc(out, '{');
        sr_jout_cstring(out, ar_branch_name(b));
        sr_buf_addc(out, ':');
        default_json(b, d, out, depth + 1);
        sr_buf_addc(out, '}');
        return true;
    }
    return false;
}

/* Writes default d of type t in the JSON encoding; with out NULL only checks
 * that it fits. A default of a recursive record can refer to itself without
 * end, so depth is bounded. */
static bool default_json(const struct sr_node *t, const json_t *d, struct sr_buf *out, int depth)
{
    if (!d || depth > AR_MAX_DEPTH)
        return false;
    switch (t->type) {
    case SR_NULL:
        put(out, "null");
        return json_is_null(d);
    case SR_BOOLEAN:
        put(out, json_is_true(d) ? "true" : "false");
        return json_is_boolean(d);
    case SR_INT:
    case SR_LONG:
    case SR_FLOAT:
    case SR_DOUBLE:
        return default_number(t, d, out);
    case SR_STRING:
    case SR_BYTES:
    case SR_FIXED:
    case SR_ENUM:
        return default_text(t, d, out);
    case SR_ARRAY:
    case SR_MAP:
        return default_list(t, d, out, depth);
    case SR_RECORD:
        return default_record(t, d, out, depth);
    case SR_UNION:
        return default_union(t, d, out, depth);
    }
    return false;
}

/* ---- leaves ------------------------------------------------------------------------- */

/* Primitives and fixed encode alike whatever the schema says around them. */
static enum avroreg_err emit_scalar(const struct sr_node *n, avro_value_t *v, struct sr_buf *out,
                                    const struct ar_path *path, struct avroreg_error *err)
{
    int rc = 0, b = 0;
    int32_t i = 0;
    int64_t l = 0;
    float f = 0;
    double d = 0;
    switch (n->type) {
    case SR_NULL:
        rc = avro_value_get_null(v);
        sr_buf_adds(out, "null");
        break;
    case SR_BOOLEAN:
        rc = avro_value_get_boolean(v, &b);
        sr_buf_adds(out, b ? "true" : "false");
        break;
    case SR_INT:
        rc = avro_value_get_int(v, &i);
        sr_buf_addf(out, "%" PRId32, i);
        break;
    case SR_LONG:
        rc = avro_value_get_long(v, &l);
        sr_buf_addf(out, "%" PRId64, l);
        break;
    case SR_FLOAT:
        rc = avro_value_get_float(v, &f);
        ar_jout_float(out, f);
        break;
    default:
        rc = avro_value_get_double(v, &d);
        sr_jout_double(out, d);
        break;
    }
    return rc ? ar_avro_error(err, rc, path, "read a value") : AVROREG_OK;
}

static enum avroreg_err emit_blob(const struct sr_node *n, avro_value_t *v, struct sr_buf *out,
                                  const struct ar_path *path, struct avroreg_error *err)
{
    const void *p = NULL;
    size_t size = 0;
    int rc;
    if (n->type == SR_STRING) {
        const char *s = NULL;
        rc = avro_value_get_string(v, &s, &size);
        /* avro-c counts the terminating NUL */
        if (!rc)
            ar_jout_utf8(out, s, size ? size - 1 : 0);
        return rc ? ar_avro_error(err, rc, path, "read a string") : AVROREG_OK;
    }
    if (n->type == SR_FIXED && n->size == 0) { /* held as a null by avro-c (see schema.c) */
        ar_jout_latin1(out, "", 0);
        return AVROREG_OK;
    }
    rc = n->type == SR_FIXED ? avro_value_get_fixed(v, &p, &size)
                             : avro_value_get_bytes(v, &p, &size);
    if (rc)
        return ar_avro_error(err, rc, path, "read bytes");
    ar_jout_latin1(out, p, size);
    return AVROREG_OK;
}

static enum avroreg_err emit_leaf(const struct sr_node *n, avro_value_t *v, struct sr_buf *out,
                                  const struct ar_path *path, struct avroreg_error *err)
{
    switch (n->type) {
    case SR_STRING:
    case SR_BYTES:
    case SR_FIXED:
        return emit_blob(n, v, out, path, err);
    default:
        return emit_scalar(n, v, out, path, err);
    }
}

/* ---- records -------------------------------------------------------------------- */

/* The writer field a reader field reads: by name, then by the reader's aliases. */
static const struct sr_field *writer_field(const struct sr_node *w, const struct sr_field *rf)
{
    const struct sr_field *f = sr_node_field(w, rf->name);
    for (size_t i = 0; !f && i < rf->alias_count; i++)
        if (json_is_string(rf->aliases[i]))
            f = sr_node_field(w, json_string_value(rf->aliases[i]));
    return f;
}

static enum avroreg_err missing_field(const struct sr_node *r, const struct sr_field *rf,
                                      const struct ar_path *path, struct avroreg_error *err)
{
    if (!rf->default_value)
        return ar_path_error(err, AVROREG_ERR_INCOMPATIBLE, path,
                             "reader field \"%s\" of record %s is not in the writer's data and "
                             "has no default",
                             rf->name, r->name.full);
    return ar_path_error(err, AVROREG_ERR_INVALID_SCHEMA, path,
                         "the default of reader field \"%s\" of record %s does not match its type",
                         rf->name, r->name.full);
}

static enum avroreg_err resolve_record(const struct sr_node *r, const struct sr_node *w,
                                       avro_value_t *v, struct sr_buf *out,
                                       const struct ar_path *path, struct avroreg_error *err)
{
    sr_buf_addc(out, '{');
    for (size_t i = 0; i < r->field_count; i++) {
        const struct sr_field *rf = &r->fields[i];
        const struct sr_field *wf = r == w ? rf : writer_field(w, rf);
        struct ar_path sub = {path, rf->name, 0, child_depth(path)};
        if (i)
            sr_buf_addc(out, ',');
        sr_jout_cstring(out, rf->name);
        sr_buf_addc(out, ':');
        if (!wf) {
            if (!default_json(rf->type, rf->default_value, out, child_depth(path)))
                return missing_field(r, rf, &sub, err);
            continue;
        }
        avro_value_t child;
        int rc = avro_value_get_by_index(v, wf->pos, &child, NULL);
        if (rc)
            return ar_avro_error(err, rc, &sub, "read a record field");
        enum avroreg_err e = resolve(rf->type, wf->type, &child, out, &sub, err);
        if (e)
            return e;
    }
    sr_buf_addc(out, '}');
    return AVROREG_OK;
}

/* ---- enums, arrays, maps ----------------------------------------------------------- */

static enum avroreg_err resolve_enum(const struct sr_node *r, const struct sr_node *w,
                                     avro_value_t *v, struct sr_buf *out,
                                     const struct ar_path *path, struct avroreg_error *err)
{
    int idx = 0;
    int rc = avro_value_get_enum(v, &idx);
    if (rc)
        return ar_avro_error(err, rc, path, "read an enum");
    if (idx < 0 || (size_t)idx >= w->symbol_count)
        return ar_path_error(err, AVROREG_ERR_AVRO, path, "enum %s has no symbol %d", w->name.full,
                             idx);
    const char *sym = w->symbols[idx];
    if (r == w) {
        sr_jout_cstring(out, sym);
        return AVROREG_OK;
    }
    for (size_t i = 0; i < r->symbol_count; i++) {
        if (strcmp(r->symbols[i], sym) == 0) {
            sr_jout_cstring(out, sym);
            return AVROREG_OK;
        }
    }
    if (!r->enum_default)
        return ar_path_error(err, AVROREG_ERR_INCOMPATIBLE, path,
                             "symbol \"%s\" is not in reader enum %s, which has no default", sym,
                             r->name.full);
    sr_jout_cstring(out, r->enum_default);
    return AVROREG_OK;
}

static enum avroreg_err resolve_list(const struct sr_node *r, const struct sr_node *w,
                                     avro_value_t *v, struct sr_buf *out,
                                     const struct ar_path *path, struct avroreg_error *err)
{
    bool is_map = r->type == SR_MAP;
    size_t count = 0;
    int rc = avro_value_get_size(v, &count);
    if (rc)
        return ar_avro_error(err, rc, path, "read a size");
    sr_buf_addc(out, is_map ? '{' : '[');
    for (size_t i = 0; i < count; i++) {
        const char *key = NULL;
        avro_value_t child;
        rc = avro_value_get_by_index(v, i, &child, is_map ? &key : NULL);
        struct ar_path sub = {path, key, i, child_depth(path)};
        if (rc)
            return ar_avro_error(err, rc, &sub, "read an element");
        if (i)
            sr_buf_addc(out, ',');
        if (is_map) {
            ar_jout_utf8(out, key, strlen(key));
            sr_buf_addc(out, ':');
        }
        enum avroreg_err e = is_map ? resolve(r->values, w->values, &child, out, &sub, err)
                                    : resolve(r->items, w->items, &child, out, &sub, err);
        if (e)
            return e;
    }
    sr_buf_addc(out, is_map ? '}' : ']');
    return AVROREG_OK;
}

/* ---- promotions ------------------------------------------------------------------- */

/* A number read as a wider type, written as that type. */
static enum avroreg_err promote_number(enum sr_type r, enum sr_type w, avro_value_t *v,
                                       struct sr_buf *out, const struct ar_path *path,
                                       struct avroreg_error *err)
{
    int32_t i = 0;
    int64_t l = 0;
    float f = 0;
    double d;
    int rc;
    if (w == SR_INT) {
        rc = avro_value_get_int(v, &i);
        l = i;
        d = i;
    } else if (w == SR_LONG) {
        rc = avro_value_get_long(v, &l);
        d = (double)l;
    } else {
        rc = avro_value_get_float(v, &f);
        d = f;
    }
    if (rc)
        return ar_avro_error(err, rc, path, "read a number");
    if (r == SR_LONG)
        sr_buf_addf(out, "%" PRId64, l);
    else if (r == SR_FLOAT)
        ar_jout_float(out, w == SR_LONG ? (float)l : (float)i);
    else
        sr_jout_double(out, d);
    return AVROREG_OK;
}

/* string <-> bytes: the same bytes, UTF-8 on the string side. */
static enum avroreg_err promote_text(enum sr_type r, avro_value_t *v, struct sr_buf *out,
                                     const struct ar_path *path, struct avroreg_error *err)
{
    const void *p = NULL;
    size_t size = 0;
    int rc;
    if (r == SR_BYTES) {
        const char *s = NULL;
        rc = avro_value_get_string(v, &s, &size);
        p = s;
        size = size ? size - 1 : 0; /* avro-c counts the NUL */
    } else {
        rc = avro_value_get_bytes(v, &p, &size);
    }
    if (rc)
        return ar_avro_error(err, rc, path, "read a string or bytes");
    if (r == SR_BYTES)
        ar_jout_latin1(out, p, size);
    else
        ar_jout_utf8(out, p, size);
    return AVROREG_OK;
}

/* ---- unions ------------------------------------------------------------------------- */

static bool names_match(const struct sr_node *r, const struct sr_node *w)
{
    if (strcmp(r->name.name, w->name.name) == 0)
        return true;
    for (size_t i = 0; i < r->alias_count; i++)
        if (strcmp(r->aliases[i].full, w->name.full) == 0)
            return true;
    return false;
}

static bool compatible(const struct sr_node *r, const struct sr_node *w)
{
    struct sr_compat_result res;
    struct sr_error serr = {0};
    if (sr_compat_check(r, w, &res, &serr) != SR_OK)
        return false;
    bool ok = res.compatible;
    sr_compat_result_release(&res);
    return ok;
}

/* Named reader branches of w's kind whose names match w: the first one when
 * it is the only one, else the first that can read w (names alone cannot
 * tell a.Point from b.Point). */
static long named_branch(const struct sr_node *r, const struct sr_node *w)
{
    long first = -1;
    size_t count = 0;
    for (size_t i = 0; i < r->branch_count; i++) {
        const struct sr_node *b = r->branches[i];
        if (b->type == w->type && names_match(b, w) && count++ == 0)
            first = (long)i;
    }
    if (count <= 1)
        return first;
    for (size_t i = (size_t)first; i < r->branch_count; i++) {
        const struct sr_node *b = r->branches[i];
        if (b->type == w->type && names_match(b, w) && compatible(b, w))
            return (long)i;
    }
    return -1;
}

/* The reader union branch that reads a value of (non-union) type w, or -1. */
static long pick_branch(const struct sr_node *r, const struct sr_node *w)
{
    for (size_t i = 0; i < r->branch_count; i++) {
        const struct sr_node *b = r->branches[i];
        if (b->type != w->type)
            continue;
        if (!sr_type_is_named(w->type) || strcmp(b->name.full, w->name.full) == 0)
            return (long)i;
    }
    if (sr_type_is_named(w->type))
        return named_branch(r, w);
    for (size_t i = 0; i < r->branch_count; i++)
        if (sr_type_promotes(w->type, r->branches[i]->type))
            return (long)i;
    return -1;
}

/* Reader branch idx of union r, reading a value of (non-union) type w. */
static enum avroreg_err into_branch(const struct sr_node *r, size_t idx, const struct sr_node *w,
                                    avro_value_t *v, struct sr_buf *out, const struct ar_path *path,
                                    struct avroreg_error *err)
{
    const struct sr_node *b = r->branches[idx];
    if (b->type == SR_NULL) {
        sr_buf_adds(out, "null");
        return AVROREG_OK;
    }
    const char *name = ar_branch_name(b);
    struct ar_path sub = {path, name, 0, child_depth(path)};
    sr_buf_addc(out, '{');
    sr_jout_cstring(out, name);
    sr_buf_addc(out, ':');
    enum avroreg_err e = resolve(b, w, v, out, &sub, err);
    sr_buf_addc(out, '}');
    return e;
}

static enum avroreg_err into_union(const struct sr_node *r, const struct sr_node *w,
                                   avro_value_t *v, struct sr_buf *out, const struct ar_path *path,
                                   struct avroreg_error *err)
{
    long idx = pick_branch(r, w);
    if (idx < 0)
        return ar_path_error(err, AVROREG_ERR_INCOMPATIBLE, path,
                             "no branch of the reader union can read writer type %s",
                             type_label(w));
    return into_branch(r, (size_t)idx, w, v, out, path, err);
}

static enum avroreg_err from_union(const struct sr_node *r, const struct sr_node *w,
                                   avro_value_t *v, struct sr_buf *out, const struct ar_path *path,
                                   struct avroreg_error *err)
{
    int d = 0;
    avro_value_t branch;
    int rc = avro_value_get_discriminant(v, &d);
    if (!rc)
        rc = avro_value_get_current_branch(v, &branch);
    if (rc)
        return ar_avro_error(err, rc, path, "read a union");
    if (d < 0 || (size_t)d >= w->branch_count)
        return ar_path_error(err, AVROREG_ERR_AVRO, path, "the union has no branch %d", d);
    /* the union read by itself: the same branch, which pick_branch would find */
    if (r == w)
        return into_branch(r, (size_t)d, w->branches[d], &branch, out, path, err);
    /* the branch stands in for the union: the same place in the output */
    return resolve(r, w->branches[d], &branch, out, path, err);
}

/* ---- dispatch ------------------------------------------------------------------------ */

static enum avroreg_err same_type(const struct sr_node *r, const struct sr_node *w, avro_value_t *v,
                                  struct sr_buf *out, const struct ar_path *path,
                                  struct avroreg_error *err)
{
    switch (r->type) {
    case SR_RECORD:
        return resolve_record(r, w, v, out, path, err);
    case SR_ENUM:
        return resolve_enum(r, w, v, out, path, err);
    case SR_ARRAY:
    case SR_MAP:
        return resolve_list(r, w, v, out, path, err);
    case SR_FIXED:
        if (r->size != w->size)
            return ar_path_error(err, AVROREG_ERR_INCOMPATIBLE, path,
                                 "reader fixed %s holds %" PRId32
                                 " bytes, writer fixed %s %" PRId32,
                                 r->name.full, r->size, w->name.full, w->size);
        return emit_leaf(w, v, out, path, err);
    default:
        return emit_leaf(w, v, out, path, err);
    }
}

static enum avroreg_err resolve(const struct sr_node *r, const struct sr_node *w, avro_value_t *v,
                                struct sr_buf *out, const struct ar_path *path,
                                struct avroreg_error *err)
{
    if (path && path->depth > AR_MAX_DEPTH)
        return ar_path_error(err, AVROREG_ERR_AVRO, path, "the datum nests deeper than %d levels",
                             AR_MAX_DEPTH);
    if (w->type == SR_UNION)
        return from_union(r, w, v, out, path, err);
    if (r->type == SR_UNION)
        return into_union(r, w, v, out, path, err);
    if (r->type == w->type)
        return same_type(r, w, v, out, path, err);
    if (sr_type_promotes(w->type, r->type) && (w->type == SR_STRING || w->type == SR_BYTES))
        return promote_text(r->type, v, out, path, err);
    if (sr_type_promotes(w->type, r->type))
        return promote_number(r->type, w->type, v, out, path, err);
    return ar_path_error(err, AVROREG_ERR_INCOMPATIBLE, path,
                         "reader type %s cannot read writer type %s", type_label(r), type_label(w));
}

enum avroreg_err ar_resolve_to_json(const struct sr_node *reader, const struct sr_node *writer,
                                    avro_value_t *value, struct sr_buf *out,
                                    struct avroreg_error *err)
{
    if (!reader || !writer || !value || !value->iface || !out)
        return ar_error(err, AVROREG_ERR_ARG, "schemas, value and output are required");
    enum avroreg_err rc = resolve(reader, writer, value, out, NULL, err);
    if (rc == AVROREG_OK && sr_buf_failed(out))
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    return rc;
}

enum avroreg_err ar_value_to_json(const struct sr_node *writer, avro_value_t *value,
                                  struct sr_buf *out, struct avroreg_error *err)
{
    if (!writer || !value || !value->iface || !out)
        return ar_error(err, AVROREG_ERR_ARG, "schema, value and output are required");
    return ar_resolve_to_json(writer, writer, value, out, err);
}

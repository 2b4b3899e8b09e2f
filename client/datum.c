/*
 * datum.c - the Avro specification's JSON encoding -> avro-c generic values,
 * and the helpers both directions share (paths in errors, the JSON writers of
 * leaf values, Latin-1 and number conversions). The other direction, an
 * avro-c value -> JSON, is resolve.c's walker (with the writer as reader when
 * no reader schema is given).
 *
 * The walk follows our schema model beside the avro-c value. avro-c's
 * schema is built from the model's Parsing Canonical Form, so record fields
 * and union branches have the same indexes in both, and the model supplies
 * what avro-c does not keep (full names of union branches, enum symbols).
 *
 * The encoding: null, booleans, numbers and strings as JSON; bytes and fixed
 * as strings whose characters U+0000..U+00FF are the byte values; enums as
 * their symbol; arrays and records as JSON arrays and objects; maps as
 * objects; a union value as null (for the null branch) or {"<branch>": value}
 * where <branch> is the type name, or the full name of a named type. Logical
 * types are encoded as their underlying type.
 *
 * Documented choices where the specification is silent: float and double
 * values print as the shortest decimal that reads back as the same value
 * (Java's Float/Double.toString style); NaN and the infinities print, and are
 * read, as the strings "NaN", "Infinity" and "-Infinity", as Avro Java does
 * with Jackson's defaults; integers are accepted for float and double but
 * never reals for int and long; records must give every field and no others.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/datum_int.h"
#include "common/jout.h"

/* ---- errors ------------------------------------------------------------------- */

static void path_write(struct sr_buf *b, const struct ar_path *p)
{
    if (!p)
        return;
    path_write(b, p->up);
    sr_buf_addc(b, '/');
    if (!p->key) {
        sr_buf_addf(b, "%zu", p->index);
        return;
    }
    /* JSON pointer escapes (RFC 6901) */
    for (const char *s = p->key; *s; s++) {
        if (*s == '~')
            sr_buf_adds(b, "~0");
        else if (*s == '/')
            sr_buf_adds(b, "~1");
        else
            sr_buf_addc(b, *s);
    }
}

enum avroreg_err ar_path_error(struct avroreg_error *err, enum avroreg_err code,
                               const struct ar_path *path, const char *fmt, ...)
{
    if (!err)
        return code;
    char msg[sizeof(err->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct sr_buf where = SR_BUF_INIT;
    path_write(&where, path);
    /* The reason comes first so that a long path is what gets truncated. */
    ar_error(err, code, "%s at %s", msg, where.len ? sr_buf_str(&where) : "/");
    sr_buf_release(&where);
    return code;
}

enum avroreg_err ar_avro_error(struct avroreg_error *err, int rc, const struct ar_path *path,
                               const char *what)
{
    if (rc == ENOMEM)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    return ar_path_error(err, AVROREG_ERR_AVRO, path, "avro-c cannot %s: %s", what,
                         avro_strerror());
}

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a JSON value";
}

static enum avroreg_err mismatch(const struct sr_node *n, const json_t *j,
                                 const struct ar_path *path, struct avroreg_error *err)
{
    const char *what = sr_type_is_named(n->type) ? n->name.full : sr_type_name(n->type);
    return ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path, "expected %s%s%s, got %s",
                         sr_type_name(n->type), sr_type_is_named(n->type) ? " " : "",
                         sr_type_is_named(n->type) ? what : "", json_kind(j));
}

/* ---- shared helpers ------------------------------------------------------------- */

const char *ar_branch_name(const struct sr_node *node)
{
    return sr_type_is_named(node->type) ? node->name.full : sr_type_name(node->type);
}

bool ar_json_number(const json_t *j, double *out)
{
    if (json_is_integer(j)) {
        *out = (double)json_integer_value(j);
        return true;
    }
    if (json_is_real(j)) {
        *out = json_real_value(j);
        return true;
    }
    if (!json_is_string(j))
        return false;
    const char *s = json_string_value(j);
    if (strcmp(s, "NaN") == 0)
        *out = NAN;
    else if (strcmp(s, "Infinity") == 0)
        *out = INFINITY;
    else if (strcmp(s, "-Infinity") == 0)
        *out = -INFINITY;
    else
        return false;
    return true;
}

bool ar_fits_float(double d)
{
    /* Below FLT_MAX plus half its ulp a double still rounds to a finite float;
     * at the midpoint it rounds to even, which is infinity. */
    if (!isfinite(d))
        return true;
    return fabs(d) < (double)FLT_MAX + 0x1p103;
}

/* The code point of the UTF-8 sequence at s (valid UTF-8, as jansson keeps). */
static uint32_t utf8_at(const unsigned char *s, size_t len, size_t *adv)
{
    uint32_t c = s[0];
    size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > len)
        n = len;
    uint32_t cp = c & (0x3Fu >> (n - 1));
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3Fu);
    *adv = n;
    return cp;
}

bool ar_latin1_decode(const char *s, size_t len, unsigned char *out, size_t *n_out,
                      uint32_t *bad_cp, size_t *bad_index)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    for (size_t i = 0; i < len; n++) {
        unsigned char c = u[i];
        if (c < 0x80) {
            if (out)
                out[n] = c;
            i++;
        } else if ((c == 0xC2 || c == 0xC3) && i + 1 < len) {
            if (out)
                out[n] = (unsigned char)((c & 0x1F) << 6 | (u[i + 1] & 0x3F));
            i += 2;
        } else {
            size_t adv;
            *bad_cp = utf8_at(u + i, len - i, &adv);
            *bad_index = n;
            return false;
        }
    }
    *n_out = n;
    return true;
}

void ar_jout_float(struct sr_buf *b, float f)
{
    if (!isfinite(f)) {
        sr_jout_double(b, f);
        return;
    }
    /* The fewest digits, but at least two, that read back (through double,
     * as we read JSON) as f; nine always do. Java prints at least two
     * significant digits too, taking the closest (Float.MIN_VALUE is 1.4E-45,
     * not 1.0E-45). That decimal is then printed in Java's style. */
    char tmp[40];
    for (int prec = 2; prec <= 9; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, (double)f);
        if ((float)strtod(tmp, NULL) == f)
            break;
    }
    sr_jout_java_double_text(b, strtod(tmp, NULL));
}

/* A scratch area for re-encoding a string: small ones on the stack. */
struct scratch {
    unsigned char small[512];
    unsigned char *p;
};

static unsigned char *scratch_get(struct scratch *s, size_t n)
{
    s->p = n <= sizeof(s->small) ? s->small : malloc(n);
    return s->p;
}

static void scratch_release(struct scratch *s)
{
    if (s->p != s->small)
        free(s->p);
}

void ar_jout_latin1(struct sr_buf *b, const void *data, size_t len)
{
    const unsigned char *in = data;
    struct scratch sc;
    unsigned char *u = scratch_get(&sc, len * 2 + 1);
    if (!u) {
        b->failed = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] < 0x80) {
            u[n++] = in[i];
        } else {
            u[n++] = (unsigned char)(0xC0 | in[i] >> 6);
            u[n++] = (unsigned char)(0x80 | (in[i] & 0x3F));
        }
    }
    sr_jout_string(b, (const char *)u, n);
    scratch_release(&sc);
}

/* The length of the valid UTF-8 sequence at s, or 0 with *bad the length of
 * the maximal ill-formed subpart to replace (Unicode's recommendation, which
 * Java's decoder follows). */
static size_t utf8_valid(const unsigned char *s, size_t len, size_t *bad)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3;
    else {
        *bad = 1;
        return 0;
    }
    /* the second byte's range excludes overlongs, surrogates and > U+10FFFF */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    for (size_t k = 1; k <= need; k++) {
        if (k >= len || s[k] < lo || s[k] > hi) {
            *bad = k;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

void ar_jout_utf8(struct sr_buf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, bad = 0;
    while (i < len) {
        size_t n = utf8_valid(u + i, len - i, &bad);
        if (!n)
            break;
        i += n;
    }
    if (i == len) {
        sr_jout_string(b, s, len);
        return;
    }
    struct sr_buf fixed = SR_BUF_INIT;
    sr_buf_add(&fixed, s, i);
    while (i < len) {
        size_t n = utf8_valid(u + i, len - i, &bad);
        if (n) {
            sr_buf_add(&fixed, s + i, n);
            i += n;
        } else {
            sr_buf_adds(&fixed, "\xEF\xBF\xBD");
            i += bad;
        }
    }
    if (sr_buf_failed(&fixed))
        b->failed = true;
    else
        sr_jout_string(b, fixed.data, fixed.len);
    sr_buf_release(&fixed);
}

/* ---- JSON -> avro-c value ------------------------------------------------------- */

static enum avroreg_err to_value(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                 const struct ar_path *path, struct avroreg_error *err);

static enum avroreg_err check(int rc, const struct ar_path *path, struct avroreg_error *err)
{
    return rc ? ar_avro_error(err, rc, path, "set a value") : AVROREG_OK;
}

static enum avroreg_err set_int(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                const struct ar_path *path, struct avroreg_error *err)
{
    if (!json_is_integer(j))
        return mismatch(n, j, path, err);
    json_int_t x = json_integer_value(j);
    if (n->type == SR_LONG)
        return check(avro_value_set_long(v, (int64_t)x), path, err);
    if (x < INT32_MIN || x > INT32_MAX)
        return ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path,
                             "%" JSON_INTEGER_FORMAT " is out of range for int", x);
    return check(avro_value_set_int(v, (int32_t)x), path, err);
}

static enum avroreg_err set_real(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                 const struct ar_path *path, struct avroreg_error *err)
{
    double d;
    if (!ar_json_number(j, &d))
        return mismatch(n, j, path, err);
    if (n->type == SR_DOUBLE)
        return check(avro_value_set_double(v, d), path, err);
    if (!ar_fits_float(d))
        return ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path, "%g is out of range for float",
                             d);
    return check(avro_value_set_float(v, (float)d), path, err);
}

/* bytes and fixed: the string's characters are the bytes. */
static enum avroreg_err set_bytes(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                  const struct ar_path *path, struct avroreg_error *err)
{
    if (!json_is_string(j))
        return mismatch(n, j, path, err);
    size_t len = json_string_length(j), count = 0, at = 0;
    uint32_t cp = 0;
    struct scratch sc;
    unsigned char *bytes = scratch_get(&sc, len + 1);
    if (!bytes)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    enum avroreg_err rc = AVROREG_OK;
    if (!ar_latin1_decode(json_string_value(j), len, bytes, &count, &cp, &at))
        rc = ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path,
                           "character U+%04" PRIX32 " at index %zu is not a byte: %s values are "
                           "strings of characters U+0000..U+00FF",
                           cp, at, sr_type_name(n->type));
    else if (n->type == SR_FIXED && count != (size_t)n->size)
        rc = ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path,
                           "fixed %s holds %" PRId32 " bytes, got %zu", n->name.full, n->size,
                           count);
    else if (n->type == SR_FIXED && n->size == 0)
        rc = AVROREG_OK; /* held as a null by avro-c (see schema.c) */
    else if (n->type == SR_FIXED)
        rc = check(avro_value_set_fixed(v, bytes, count), path, err);
    else
        rc = check(avro_value_set_bytes(v, bytes, count), path, err);
    scratch_release(&sc);
    return rc;
}

static enum avroreg_err set_enum(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                 const struct ar_path *path, struct avroreg_error *err)
{
    if (!json_is_string(j))
        return mismatch(n, j, path, err);
    const char *s = json_string_value(j);
    for (size_t i = 0; i < n->symbol_count; i++)
        if (strcmp(n->symbols[i], s) == 0)
            return check(avro_value_set_enum(v, (int)i), path, err);
    return ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path, "\"%s\" is not a symbol of enum %s",
                         s, n->name.full);
}

static enum avroreg_err set_array(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                  const struct ar_path *path, struct avroreg_error *err)
{
    if (!json_is_array(j))
        return mismatch(n, j, path, err);
    for (size_t i = 0; i < json_array_size(j); i++) {
        struct ar_path sub = {path, NULL, i, path ? path->depth + 1 : 1};
        avro_value_t child;
        int rc = avro_value_append(v, &child, NULL);
        if (rc)
            return ar_avro_error(err, rc, &sub, "append to an array");
        enum avroreg_err e = to_value(n->items, json_array_get(j, i), &child, &sub, err);
        if (e)
            return e;
    }
    return AVROREG_OK;
}

static enum avroreg_err set_map(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                const struct ar_path *path, struct avroreg_error *err)
{
    if (!json_is_object(j))
        return mismatch(n, j, path, err);
    const char *key;
    size_t key_len;
    json_t *val;
    json_object_keylen_foreach((json_t *)j, key, key_len, val)
    {
        struct ar_path sub = {path, key, 0, path ? path->depth + 1 : 1};
        /* avro-c takes keys as C strings: "a\u0000b" would silently become "a" */
        if (strlen(key) != key_len)
            return ar_path_error(err, AVROREG_ERR_INVALID_DATUM, &sub,
                                 "map keys cannot contain U+0000");
        avro_value_t child;
        int rc = avro_value_add(v, key, &child, NULL, NULL);
        if (rc)
            return ar_avro_error(err, rc, &sub, "add to a map");
        enum avroreg_err e = to_value(n->values, val, &child, &sub, err);
        if (e)
            return e;
    }
    return AVROREG_OK;
}

/* Names the first member of j that is not a field of record n. */
static enum avroreg_err unknown_field(const struct sr_node *n, const json_t *j,
                                      const struct ar_path *path, struct avroreg_error *err)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val)
    {
        if (!sr_node_field(n, key))
            return ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path,
                                 "record %s has no field \"%s\"", n->name.full, key);
    }
    return ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path, "record %s has unknown members",
                         n->name.full);
}

static enum avroreg_err set_record(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                   const struct ar_path *path, struct avroreg_error *err)
{
    if (!json_is_object(j))
        return mismatch(n, j, path, err);
    for (size_t i = 0; i < n->field_count; i++) {
        const struct sr_field *f = &n->fields[i];
        const json_t *fj = json_object_get(j, f->name);
        if (!fj)
            return ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path,
                                 "missing field \"%s\" of record %s", f->name, n->name.full);
        struct ar_path sub = {path, f->name, 0, path ? path->depth + 1 : 1};
        avro_value_t child;
        int rc = avro_value_get_by_index(v, i, &child, NULL);
        if (rc)
            return ar_avro_error(err, rc, &sub, "find a record field");
        enum avroreg_err e = to_value(f->type, fj, &child, &sub, err);
        if (e)
            return e;
    }
    /* every field was found, so any further member is one the record lacks */
    if (json_object_size(j) > n->field_count)
        return unknown_field(n, j, path, err);
    return AVROREG_OK;
}

static enum avroreg_err bad_branch(const struct sr_node *n, const char *what,
                                   const struct ar_path *path, struct avroreg_error *err)
{
    struct sr_buf names = SR_BUF_INIT;
    for (size_t i = 0; i < n->branch_count; i++) {
        sr_buf_adds(&names, i ? ", " : "");
        sr_buf_adds(&names, ar_branch_name(n->branches[i]));
    }
    ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path,
                  "%s; a union value is null or {\"<branch>\": value} with <branch> one of [%s]",
                  what, sr_buf_str(&names));
    sr_buf_release(&names);
    return AVROREG_ERR_INVALID_DATUM;
}

static enum avroreg_err set_union(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                  const struct ar_path *path, struct avroreg_error *err)
{
    const char *key = "null";
    const json_t *inner = j;
    if (json_is_object(j) && json_object_size(j) == 1) {
        void *it = json_object_iter((json_t *)j);
        key = json_object_iter_key(it);
        inner = json_object_iter_value(it);
    } else if (!json_is_null(j)) {
        char what[64];
        snprintf(what, sizeof(what), "got %s", json_kind(j));
        return bad_branch(n, what, path, err);
    }
    size_t idx = 0;
    while (idx < n->branch_count && strcmp(ar_branch_name(n->branches[idx]), key) != 0)
        idx++;
    if (idx == n->branch_count) {
        char what[160];
        snprintf(what, sizeof(what), "\"%.100s\" is not a branch of the union", key);
        return bad_branch(n, what, path, err);
    }
    /* the bare null form has no member to name in the path */
    struct ar_path sub = {path, key, 0, path ? path->depth + 1 : 1};
    const struct ar_path *where = inner == j ? path : &sub;
    avro_value_t branch;
    int rc = avro_value_set_branch(v, (int)idx, &branch);
    if (rc)
        return ar_avro_error(err, rc, where, "select a union branch");
    return to_value(n->branches[idx], inner, &branch, where, err);
}

static enum avroreg_err to_value(const struct sr_node *n, const json_t *j, avro_value_t *v,
                                 const struct ar_path *path, struct avroreg_error *err)
{
    if (path && path->depth > AR_MAX_DEPTH)
        return ar_path_error(err, AVROREG_ERR_INVALID_DATUM, path,
                             "the datum nests deeper than %d levels", AR_MAX_DEPTH);
    switch (n->type) {
    case SR_NULL:
        return json_is_null(j) ? check(avro_value_set_null(v), path, err)
                               : mismatch(n, j, path, err);
    case SR_BOOLEAN:
        return json_is_boolean(j) ? check(avro_value_set_boolean(v, json_is_true(j)), path, err)
                                  : mismatch(n, j, path, err);
    case SR_INT:
    case SR_LONG:
        return set_int(n, j, v, path, err);
    case SR_FLOAT:
    case SR_DOUBLE:
        return set_real(n, j, v, path, err);
    case SR_STRING:
        if (!json_is_string(j))
            return mismatch(n, j, path, err);
        /* the length given to avro-c counts the NUL, so strings may hold U+0000 */
        return check(avro_value_set_string_len(v, json_string_value(j), json_string_length(j) + 1),
                     path, err);
    case SR_BYTES:
    case SR_FIXED:
        return set_bytes(n, j, v, path, err);
    case SR_ENUM:
        return set_enum(n, j, v, path, err);
    case SR_ARRAY:
        return set_array(n, j, v, path, err);
    case SR_MAP:
        return set_map(n, j, v, path, err);
    case SR_RECORD:
        return set_record(n, j, v, path, err);
    case SR_UNION:
        return set_union(n, j, v, path, err);
    }
    return ar_path_error(err, AVROREG_ERR_INVALID_SCHEMA, path, "unknown type %d", (int)n->type);
}

enum avroreg_err ar_json_to_value(const struct sr_node *node, const json_t *json,
                                  avro_value_t *value, struct avroreg_error *err)
{
    if (!node || !json || !value || !value->iface)
        return ar_error(err, AVROREG_ERR_ARG, "schema, JSON and value are required");
    /* a reused value would otherwise keep earlier array items and map entries */
    int rc = avro_value_reset(value);
    if (rc)
        return ar_avro_error(err, rc, NULL, "reset the value");
    return to_value(node, json, value, NULL, err);
}

/*
 * input.c - request bodies, subjects and versions; see input.h.
 */
#include "server/input.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/jread.h"

enum sr_err sr_input_json(const char *body, size_t len, json_t **out, struct sr_error *err)
{
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", body[i]))
        i++;
    if (i == len)
        return sr_errorf(err, SR_ERR_UNPROCESSABLE, "Request body is missing");
    json_error_t jerr;
    *out = sr_jread_loadb(body, len, JSON_DECODE_ANY, &jerr);
    if (!*out)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "Unexpected JSON: %s (line %d, column %d)",
                         jerr.text, jerr.line, jerr.column);
    return SR_OK;
}

/* Jackson cannot map the field: rest-utils answers 400 (JsonMappingExceptionMapper). */
static enum sr_err field_type_error(struct sr_error *err, const char *field, const char *want)
{
    return sr_errorf(err, SR_ERR_BAD_REQUEST, "Invalid request: \"%s\" must be %s", field, want);
}

static enum sr_err read_optional_int(const json_t *body, const char *key, bool *has, int64_t *out,
                                     struct sr_error *err)
{
    const json_t *v = json_object_get(body, key);
    *has = false;
    if (!v || json_is_null(v))
        return SR_OK;
    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
        json_integer_value(v) > INT32_MAX)
        return field_type_error(err, key, "a 32-bit integer");
    *has = true;
    *out = json_integer_value(v);
    return SR_OK;
}

static enum sr_err read_schema_type(const json_t *body, const char **out, struct sr_error *err)
{
    const json_t *type = json_object_get(body, "schemaType");
    *out = NULL;
    if (!type || json_is_null(type))
        return SR_OK;
    if (!json_is_string(type))
        return field_type_error(err, "schemaType", "a string");
    const char *name = json_string_value(type);
    if (strcasecmp(name, "AVRO") == 0) {
        *out = "AVRO";
        return SR_OK;
    }
    if (strcasecmp(name, "JSON") == 0 || strcasecmp(name, "PROTOBUF") == 0)
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid schema type %s: this registry stores AVRO schemas only", name);
    return sr_errorf(err, SR_ERR_INVALID_SCHEMA, "Invalid schema type %s", name);
}

/* The member key of body when it is an object, else NULL. */
/* An optional object member: *out NULL when absent or null. Anything but an
 * object is Jackson's mapping error (400). */
static enum sr_err object_member(const json_t *body, const char *key, const json_t **out,
                                 struct sr_error *err)
{
    const json_t *v = json_object_get(body, key);
    *out = json_is_object(v) ? v : NULL;
    if (v && !json_is_null(v) && !json_is_object(v))
        return field_type_error(err, key, "an object");
    return SR_OK;
}

enum sr_err sr_input_schema(const json_t *body, struct sr_schema_input *out, struct sr_error *err)
{
    memset(out, 0, sizeof(*out));
    if (json_is_null(body)) /* no entity at all: bean validation's 422 */
        return sr_errorf(err, SR_ERR_UNPROCESSABLE, "Request body is missing");
    if (!json_is_object(body))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "Invalid request: the body must be a JSON object with a \"schema\"");
    const json_t *schema = json_object_get(body, "schema");
    if (schema && !json_is_null(schema)) {
        if (!json_is_string(schema))
            return field_type_error(err, "schema", "a string holding the schema's JSON");
        out->schema = json_string_value(schema);
        out->schema_len = json_string_length(schema);
    }
    enum sr_err rc = read_schema_type(body, &out->schema_type, err);
    if (rc)
        return rc;
    const json_t *refs = json_object_get(body, "references");
    if (refs && !json_is_null(refs) && !json_is_array(refs))
        return field_type_error(err, "references", "an array");
    out->references = json_array_size(refs) ? refs : NULL;
    int64_t version = 0;
    if ((rc = object_member(body, "metadata", &out->metadata, err)) ||
        (rc = object_member(body, "ruleSet", &out->ruleset, err)) ||
        (rc = read_optional_int(body, "id", &out->has_id, &out->id, err)) ||
        (rc = read_optional_int(body, "version", &out->has_version, &version, err)))
        return rc;
    out->version = (int32_t)version;
    return SR_OK;
}

bool sr_input_asks_for_id(const struct sr_schema_input *in)
{
    return in->has_id && in->id >= 0;
}

enum sr_err sr_input_subject(const char *subject, struct sr_error *err)
{
    bool bad = strcmp(subject, "__GLOBAL") == 0 || strcmp(subject, "__EMPTY") == 0;
    for (const unsigned char *c = (const unsigned char *)subject; *c && !bad; c++)
        bad = *c < 0x20 || *c == 0x7f || (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f);
    if (bad)
        return sr_errorf(err, SR_ERR_INVALID_SUBJECT, "The specified subject '%s' is not a valid.",
                         subject);
    return SR_OK;
}

static enum sr_err invalid_version(const char *text, struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_INVALID_VERSION,
                     "The specified version '%s' is not a valid version id. Allowed values are "
                     "between [1, 2^31-1] and the string \"latest\"",
                     text);
}

enum sr_err sr_input_version(const char *text, int32_t *out, struct sr_error *err)
{
    if (strcmp(text, "latest") == 0) {
        *out = -1;
        return SR_OK;
    }
    char *end;
    long long v = strtoll(text, &end, 10);
    /* strtoll skips leading spaces; Java's Integer.valueOf does not. */
    bool digits = *text && !isspace((unsigned char)*text) && *end == '\0';
    if (digits && (v == -1 || (v >= 1 && v <= INT32_MAX))) {
        *out = (int32_t)v;
        return SR_OK;
    }
    return invalid_version(text, err);
}

enum sr_err sr_input_version_lenient(const char *text, int32_t *out, struct sr_error *err)
{
    const char *start = text, *end = text + strlen(text);
    while (start < end && (unsigned char)*start <= ' ')
        start++;
    while (end > start && (unsigned char)end[-1] <= ' ')
        end--;
    size_t n = (size_t)(end - start);
    if (n == 6 && strncasecmp(start, "latest", 6) == 0) {
        *out = -1;
        return SR_OK;
    }
    /* Integer.parseInt: one optional sign, then decimal digits only. */
    const char *p = start + (n && (*start == '+' || *start == '-'));
    long long v = 0;
    bool digits = p < end;
    for (; digits && p < end; p++) {
        digits = isdigit((unsigned char)*p) && v <= INT32_MAX;
        v = v * 10 + (*p - '0');
    }
    if (n && *start == '-')
        v = -v;
    if (digits && (v == -1 || (v >= 1 && v <= INT32_MAX))) {
        *out = (int32_t)v;
        return SR_OK;
    }
    return invalid_version(text, err);
}

static int compare_refs(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    const char *sx = json_string_value(json_object_get(x, "subject"));
    const char *sy = json_string_value(json_object_get(y, "subject"));
    int c = strcmp(sx ? sx : "", sy ? sy : "");
    if (c)
        return c;
    json_int_t vx = json_integer_value(json_object_get(x, "version"));
    json_int_t vy = json_integer_value(json_object_get(y, "version"));
    return (vx > vy) - (vx < vy);
}

json_t *sr_input_sorted_refs(const json_t *references)
{
    size_t n = json_array_size(references);
    const json_t **items = calloc(n ? n : 1, sizeof(*items));
    json_t *out = items ? json_array() : NULL;
    for (size_t i = 0; items && i < n; i++)
        items[i] = json_array_get(references, i);
    if (items)
        qsort(items, n, sizeof(*items), compare_refs);
    for (size_t i = 0; out && i < n; i++) {
        bool repeat = false;
        for (size_t k = 0; k < i && !repeat; k++)
            repeat = json_equal(items[k], items[i]);
        if (!repeat)
            json_array_append(out, (json_t *)items[i]);
    }
    free(items);
    return out;
}

enum sr_err sr_input_schema_size(const struct sr_schema_input *in, size_t max, struct sr_error *err)
{
    if (in->schema && in->schema_len > max)
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid schema: the schema text is %zu bytes, more than this registry's "
                         "limit of %zu bytes",
                         in->schema_len, max);
    return SR_OK;
}

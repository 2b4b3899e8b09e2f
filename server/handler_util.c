/*
 * handler_util.c - shared pieces of the endpoint handlers.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server/handler_util.h"

struct sr_registry *hu_registry(const struct sr_request *req)
{
    return req->server->registry;
}

enum sr_err hu_read_body(const struct sr_request *req, json_t **out, struct sr_error *err)
{
    return sr_input_json(req->body, req->body_len, out, err);
}

static int add_json_text(json_t *obj, const char *key, const char *text)
{
    if (!text)
        return 0;
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? json_object_set_new(obj, key, v) : -1;
}

/* Sets key to the JSON in text unless it is absent or empty ({} or []),
 * as Jackson's NON_EMPTY leaves such members out. */
static int add_nonempty(json_t *obj, const char *key, const char *text)
{
    if (!text || strcmp(text, "{}") == 0 || strcmp(text, "[]") == 0)
        return 0;
    return add_json_text(obj, key, text);
}

static int add_guid_and_type(json_t *e, const struct sr_schema_rec *s)
{
    char guid[SR_GUID_SIZE];
    const char *g = s->guid && s->guid[0] ? s->guid : sr_store_schema_guid(s, guid) ? guid : NULL;
    if (!g)
        return -1;
    return json_object_set_new(e, "guid", json_string(g)) ||
           json_object_set_new(e, "schemaType",
                               json_string(s->schema_type ? s->schema_type : "AVRO"));
}

json_t *hu_schema_entity(enum sr_api api, const struct sr_version_rec *v,
                         const struct sr_schema_rec *s, bool stored)
{
    json_t *e = json_pack("{s:s,s:i,s:I}", "subject", v->subject, "version", v->version, "id",
                          (json_int_t)v->id);
    if (!e)
        return NULL;
    int bad = 0;
    if (api == SR_API_7) {
        bad = add_json_text(e, "references", s->refs) ||
              add_json_text(e, "metadata", s->metadata) ||
              add_json_text(e, "ruleSet", s->ruleset) ||
              json_object_set_new(e, "schema", json_string(s->schema));
    } else {
        bad = add_guid_and_type(e, s) || add_nonempty(e, "references", s->refs) ||
              add_nonempty(e, "metadata", s->metadata) ||
              json_object_set_new(e, "schema", json_string(s->schema));
        if (!bad && stored && v->ts > 0)
            bad = json_object_set_new(e, "ts", json_integer(v->ts));
        if (!bad && stored)
            bad = json_object_set_new(e, "deleted", json_boolean(v->deleted));
        if (!bad)
            bad = add_nonempty(e, "ruleSet", s->ruleset);
    }
    if (bad) {
        json_decref(e);
        return NULL;
    }
    return e;
}

json_t *hu_register_answer(enum sr_api api, int64_t id, int32_t version,
                           const struct sr_schema_rec *s)
{
    json_t *e = json_pack("{s:I}", "id", (json_int_t)id);
    if (!e || api == SR_API_7)
        return e;
    if (json_object_set_new(e, "version", json_integer(version)) || add_guid_and_type(e, s) ||
        add_nonempty(e, "references", s->refs) || add_nonempty(e, "metadata", s->metadata) ||
        add_nonempty(e, "ruleSet", s->ruleset) ||
        json_object_set_new(e, "schema", json_string(s->schema))) {
        json_decref(e);
        return NULL;
    }
    return e;
}

enum sr_err hu_query_int(const struct sr_request *req, const char *key, int64_t def, int64_t min,
                         int64_t max, int64_t *out, struct sr_error *err)
{
    const char *text = sr_request_query(req, key);
    *out = def;
    if (!text)
        return SR_OK;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || errno || v < min || v > max)
        return sr_errorf(err, SR_ERR_UNPROCESSABLE, "Invalid value '%s' for query parameter %s",
                         text, key);
    *out = v;
    return SR_OK;
}

enum sr_err hu_path_id(const struct sr_request *req, size_t index, int64_t *out,
                       struct sr_error *err)
{
    const char *text = req->params[index];
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    /* Integer.valueOf refuses the leading spaces strtoll would skip. */
    if (!*text || isspace((unsigned char)*text) || *end || errno || v < INT32_MIN || v > INT32_MAX)
        return sr_errorf(err, SR_ERR_NOT_FOUND, "HTTP 404 Not Found");
    *out = v;
    return SR_OK;
}

enum sr_err hu_path_version(const struct sr_request *req, size_t index, int32_t *out,
                            struct sr_error *err)
{
    const char *text = req->params[index];
    if (sr_registry_opts(hu_registry(req))->api == SR_API_8)
        return sr_input_version_lenient(text, out, err);
    return sr_input_version(text, out, err);
}

#define DEFAULT_CONTEXT ":.:"

const char *hu_subject(const struct sr_request *req)
{
    const char *s = req->params[0];
    size_t n = sizeof DEFAULT_CONTEXT - 1;
    return strncmp(s, DEFAULT_CONTEXT, n) == 0 ? s + n : s;
}

const char *hu_setting_subject(const struct sr_request *req)
{
    const char *s = hu_subject(req);
    return *s ? s : NULL;
}

enum sr_deleted_filter hu_deleted_filter(const struct sr_request *req)
{
    if (sr_request_query_bool(req, "deletedOnly"))
        return SR_DELETED_ONLY;
    return sr_request_query_bool(req, "deleted") ? SR_WITH_DELETED : SR_LIVE_ONLY;
}

struct sr_store *hu_store(const struct sr_request *req)
{
    return sr_registry_store(hu_registry(req));
}

enum sr_err hu_begin(const struct sr_request *req, bool write, struct sr_txn **t,
                     struct sr_error *err)
{
    return sr_store_begin(hu_store(req), write, t, err);
}

enum sr_err hu_paging(const struct sr_request *req, int64_t *offset, int64_t *limit,
                      struct sr_error *err)
{
    enum sr_err rc = hu_query_int(req, "offset", 0, INT64_MIN, INT64_MAX, offset, err);
    return rc ? rc : hu_query_int(req, "limit", -1, INT64_MIN, INT64_MAX, limit, err);
}

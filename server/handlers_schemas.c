/*
 * handlers_schemas.c - /schemas and /schemas/ids/{id}...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/by_id.h"
#include "server/context.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/id_lookup.h"

/* Confluent's schema.search.default.limit and .max.limit. */
#define SCHEMA_SEARCH_LIMIT 1000

static bool api8(const struct sr_request *req);

/* Confluent 8's ExtendedSchema: the stored Schema entity in the swagger's
 * field order, where ts and deleted come after ruleSet. */
static json_t *extended_entity(const struct sr_version_rec *v, const struct sr_schema_rec *s)
{
    static const char *const order[] = {"subject",    "version",    "id",       "guid",
                                        "schemaType", "references", "metadata", "schema",
                                        "ruleSet",    "ts",         "deleted"};
    json_t *e = hu_schema_entity(SR_API_8, v, s, true);
    json_t *out = e ? json_object() : NULL;
    for (size_t i = 0; out && i < sizeof order / sizeof order[0]; i++) {
        json_t *value = json_object_get(e, order[i]);
        if (value)
            json_object_set(out, order[i], value);
    }
    const char *key;
    json_t *value;
    json_object_foreach(e, key, value)
    {
        if (out && !json_object_get(out, key))
            json_object_set(out, key, value);
    }
    json_decref(e);
    return out;
}

/* The rows GET /schemas lists in Confluent 8: subjectPrefix as
 * sr_context_subject_filter() reads it, "" (the default context) when
 * absent; paged after the filters, so that a page is full. */
static enum sr_err list_rows8(const struct sr_request *req, struct sr_txn *t, int64_t offset,
                              int64_t limit, struct sr_version_rec **rows, size_t *n,
                              struct sr_error *err)
{
    const char *prefix = sr_request_query(req, "subjectPrefix");
    struct sr_subject_filter f;
    sr_context_subject_filter(prefix ? prefix : "", &f);
    enum sr_err rc = sr_txn_list_versions(
        t, f.store_prefix, sr_request_query_bool(req, "deleted") ? SR_WITH_DELETED : SR_LIVE_ONLY,
        sr_request_query_bool(req, "latestOnly"), 0, -1, rows, n, err);
    size_t kept = 0;
    int64_t seen = 0, from = offset < 0 ? 0 : offset;
    for (size_t i = 0; !rc && i < *n; i++) {
        bool take = sr_context_subject_matches(&f, (*rows)[i].subject) &&
                    sr_request_may_read(req, (*rows)[i].subject);
        if (take) {
            int64_t at = seen++;
            take = at >= from && at - from < limit;
        }
        if (take)
            (*rows)[kept++] = (*rows)[i];
        else
            sr_version_rec_release(&(*rows)[i]);
    }
    if (!rc)
        *n = kept;
    return rc;
}

enum sr_err sr_h_schemas_list(struct sr_request *req, struct sr_response *resp,
                              struct sr_error *err)
{
    int64_t offset, limit;
    enum sr_err rc = hu_paging(req, &offset, &limit, err);
    if (rc)
        return rc;
    if (limit < 1 || limit > SCHEMA_SEARCH_LIMIT)
        limit = SCHEMA_SEARCH_LIMIT;
    struct sr_txn *t = NULL;
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    bool v8 = api8(req);
    json_t *list = json_array();
    if (!(rc = hu_begin(req, false, &t, err)) && v8)
        rc = list_rows8(req, t, offset, limit, &rows, &n, err);
    else if (!rc)
        rc = sr_txn_list_versions(t, sr_request_query(req, "subjectPrefix"),
                                  sr_request_query_bool(req, "deleted") ? SR_WITH_DELETED
                                                                        : SR_LIVE_ONLY,
                                  sr_request_query_bool(req, "latestOnly"), offset < 0 ? 0 : offset,
                                  limit, &rows, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (!sr_request_may_read(req, rows[i].subject))
            continue;
        struct sr_schema_rec s = {0};
        rc = sr_txn_schema_get(t, rows[i].context, rows[i].id, &s, err);
        if (!rc)
            json_array_append_new(list, v8 ? extended_entity(&rows[i], &s)
                                           : hu_schema_entity(SR_API_7, &rows[i], &s, true));
        sr_schema_rec_release(&s);
    }
    sr_txn_rollback(t);
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    if (rc) {
        json_decref(list);
        return rc;
    }
    return sr_reply_json(resp, list, err);
}

static bool api8(const struct sr_request *req)
{
    return sr_registry_opts(hu_registry(req))->api == SR_API_8;
}

/* The key of GET /schemas/ids/{id}... in Confluent 8's reading (id_lookup.h),
 * once the caller may read it (access.h). */
static enum sr_err lookup_key(const struct sr_request *req, struct sr_txn *t, int64_t id,
                              struct sr_id_key *key, struct sr_error *err)
{
    enum sr_err rc = sr_id_lookup(t, id, sr_request_query(req, "subject"), key, err);
    return rc ? rc : sr_request_may_read_schema(req, t, key->context, id, err);
}

static enum sr_err reply_body(struct sr_response *resp, struct sr_body *body, struct sr_error *err)
{
    char *copy = malloc(body->len + 1);
    if (copy)
        memcpy(copy, body->data, body->len + 1);
    size_t len = body->len;
    sr_body_unref(body);
    if (!copy)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    sr_reply_take(resp, copy, len);
    return SR_OK;
}

/* GET /schemas/ids/{id} in Confluent 8's shape: the SchemaString with
 * guid, ts and deleted; subject and version when ?subject= is given. */
static enum sr_err schema_string(struct sr_request *req, struct sr_response *resp, int64_t id,
                                 struct sr_error *err)
{
    struct sr_string_opts opts = {sr_request_query(req, "subject") != NULL,
                                  sr_request_query(req, "format"),
                                  sr_request_query_bool(req, "fetchMaxId")};
    struct sr_body *body = NULL;
    if (!opts.with_subject && !opts.max_id && !sr_format_resolved(opts.format)) {
        enum sr_err rc = sr_request_may_read_schema(req, NULL, SR_DEFAULT_CONTEXT, id, err);
        if (!rc)
            rc = sr_by_id_string(hu_registry(req), id, &body, err);
        return rc ? rc : reply_body(resp, body, err);
    }
    struct sr_txn *t = NULL;
    struct sr_id_key key = {0};
    struct sr_buf b = SR_BUF_INIT;
    enum sr_err rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = lookup_key(req, t, id, &key, err);
    if (!rc)
        rc = sr_id_render(hu_registry(req), t, &key, &opts, &b, err);
    sr_txn_rollback(t);
    sr_id_key_release(&key);
    if (rc) {
        sr_buf_release(&b);
        return rc;
    }
    return sr_reply_buf(resp, &b, err);
}

static enum sr_err add_max_id(const struct sr_request *req, struct sr_response *resp,
                              struct sr_error *err)
{
    struct sr_txn *t = NULL;
    int64_t max = 0;
    enum sr_err rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = sr_txn_max_id(t, SR_DEFAULT_CONTEXT, &max, err);
    sr_txn_rollback(t);
    json_t *doc = rc ? NULL : json_loadb(resp->body, resp->body_len, 0, NULL);
    free(resp->body);
    resp->body = NULL;
    if (rc)
        return rc;
    json_object_set_new(doc, "maxId", json_integer(max));
    return sr_reply_json(resp, doc, err);
}

enum sr_err sr_h_schema_by_id(struct sr_request *req, struct sr_response *resp,
                              struct sr_error *err)
{
    int64_t id;
    struct sr_body *body = NULL;
    enum sr_err rc = hu_path_id(req, 0, &id, err);
    if (!rc && api8(req))
        return schema_string(req, resp, id, err);
    /* 7.0's shape: ?subject= only picks the context to search, and
     * deserializers pass their topic's subject, which need not carry the id:
     * with the default context alone it changes nothing. */
    if (!rc)
        rc = sr_by_id_body(hu_registry(req), SR_DEFAULT_CONTEXT, id, &body, err);
    if (!rc)
        rc = reply_body(resp, body, err);
    if (!rc && sr_request_query_bool(req, "fetchMaxId"))
        return add_max_id(req, resp, err);
    return rc;
}

/* GET /schemas/ids/{id}/schema in Confluent 8's reading: the context and
 * format as for the SchemaString. */
static enum sr_err schema_text8(struct sr_request *req, int64_t id, char **text, size_t *len,
                                struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_id_key key = {0};
    enum sr_err rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = lookup_key(req, t, id, &key, err);
    if (!rc)
        rc = sr_id_schema_text(hu_registry(req), t, key.context, id,
                               sr_request_query(req, "format"), text, len, err);
    sr_txn_rollback(t);
    sr_id_key_release(&key);
    return rc;
}

enum sr_err sr_h_schema_by_id_raw(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err)
{
    int64_t id;
    struct sr_txn *t = NULL;
    struct sr_schema_rec s = {0};
    enum sr_err rc = hu_path_id(req, 0, &id, err); /* ?subject=: as above */
    if (!rc && api8(req)) {
        char *text = NULL;
        size_t len = 0;
        if (!(rc = schema_text8(req, id, &text, &len, err)))
            sr_reply_take(resp, text, len);
        return rc;
    }
    if (!rc)
        rc = hu_begin(req, false, &t, err);
    if (!rc &&
        (rc = sr_txn_schema_get(t, SR_DEFAULT_CONTEXT, id, &s, err)) == SR_ERR_SCHEMA_NOT_FOUND)
        sr_errorf(err, rc, "Schema %lld not found", (long long)id);
    sr_txn_rollback(t);
    if (!rc) {
        sr_reply_take(resp, s.schema, strlen(s.schema));
        s.schema = NULL;
    }
    sr_schema_rec_release(&s);
    return rc;
}

/* The subject-versions carrying id, for /subjects and /versions. In 7.0's
 * reading the id is the default context's; in Confluent 8's, ?subject= picks
 * the context as for GET /schemas/ids/{id} (id_lookup.h). */
static enum sr_err id_usages(struct sr_request *req, struct sr_subject_version_list *out,
                             struct sr_error *err)
{
    int64_t id;
    struct sr_txn *t = NULL;
    struct sr_id_key key = {0};
    snprintf(key.context, sizeof key.context, "%s", SR_DEFAULT_CONTEXT);
    enum sr_err rc = hu_path_id(req, 0, &id, err);
    if (!rc)
        rc = hu_begin(req, false, &t, err);
    if (!rc && api8(req)) {
        if ((rc = lookup_key(req, t, id, &key, err)) == SR_ERR_SCHEMA_NOT_FOUND)
            sr_errorf(err, rc, "Schema not found");
    } else if (!rc) {
        struct sr_schema_rec s = {0};
        if ((rc = sr_txn_schema_get(t, SR_DEFAULT_CONTEXT, id, &s, err)) == SR_ERR_SCHEMA_NOT_FOUND)
            sr_errorf(err, rc, "Schema not found");
        sr_schema_rec_release(&s);
    }
    if (!rc)
        rc = sr_txn_versions_for_id(
            t, key.context, id,
            sr_request_query_bool(req, "deleted") ? SR_WITH_DELETED : SR_LIVE_ONLY, out, err);
    sr_txn_rollback(t);
    sr_id_key_release(&key);
    return rc;
}

/* Whether a usage is listed: 7.0's reading filters by ?subject=; Confluent
 * 8 uses it only to find the context, and lists every usage there. */
static bool in_scope(const struct sr_request *req, const char *subject)
{
    const char *want = api8(req) ? NULL : sr_request_query(req, "subject");
    return (!want || !*want || strcmp(want, subject) == 0) && sr_request_may_read(req, subject);
}

/* offset and limit over a list filtered as it is built: pager_take() says
 * whether the next item that passed the filter is on the page. */
struct pager {
    int64_t offset, limit, seen;
};

static enum sr_err pager_init(const struct sr_request *req, struct pager *p, struct sr_error *err)
{
    p->seen = 0;
    return hu_paging(req, &p->offset, &p->limit, err);
}

static bool pager_take(struct pager *p)
{
    int64_t at = p->seen++, from = p->offset < 0 ? 0 : p->offset;
    return at >= from && (p->limit < 1 || at - from < p->limit);
}

enum sr_err sr_h_schema_id_subjects(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err)
{
    struct sr_subject_version_list uses = {0};
    struct pager pg;
    enum sr_err rc = pager_init(req, &pg, err);
    if (!rc)
        rc = id_usages(req, &uses, err);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < uses.count; i++) {
        bool repeat = i && strcmp(uses.items[i - 1].subject, uses.items[i].subject) == 0;
        if (!repeat && in_scope(req, uses.items[i].subject) && pager_take(&pg))
            json_array_append_new(list, json_string(uses.items[i].subject));
    }
    sr_subject_version_list_release(&uses);
    return sr_reply_json(resp, list, err);
}

enum sr_err sr_h_schema_id_versions(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err)
{
    struct sr_subject_version_list uses = {0};
    struct pager pg;
    enum sr_err rc = pager_init(req, &pg, err);
    if (!rc)
        rc = id_usages(req, &uses, err);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < uses.count; i++)
        if (in_scope(req, uses.items[i].subject) && pager_take(&pg))
            json_array_append_new(list, json_pack("{s:s,s:i}", "subject", uses.items[i].subject,
                                                  "version", uses.items[i].version));
    sr_subject_version_list_release(&uses);
    return sr_reply_json(resp, list, err);
}

/* ---- GUIDs (Confluent 8) ------------------------------------------------------------ */

/* The (context, id) pairs whose schema has the path's GUID, those the caller
 * may not read left out. Errors: 404 as for a route that does not exist in
 * the 7.0 dialect; SCHEMA_NOT_FOUND "Schema <guid> not found" for a GUID
 * that is malformed or unknown; FORBIDDEN when none may be read. */
static enum sr_err guid_ids(struct sr_request *req, struct sr_txn *t,
                            struct sr_context_id_list *out, struct sr_error *err)
{
    char guid[SR_GUID_SIZE];
    const char *given = req->params[0];
    if (!api8(req))
        return sr_errorf(err, SR_ERR_NOT_FOUND, "HTTP 404 Not Found");
    if (!sr_guid_parse(given, guid))
        return sr_errorf(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema %s not found", given);
    struct sr_context_id_list all = {0};
    enum sr_err rc = sr_txn_ids_by_guid(t, guid, &all, err);
    if (!rc && !all.count)
        rc = sr_errorf(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema %s not found", given);
    /* Readable pairs move to the front, in order; the list owns every entry throughout. */
    size_t kept = 0;
    for (size_t i = 0; !rc && i < all.count; i++) {
        rc = sr_request_may_read_schema(req, t, all.items[i].context, all.items[i].id, err);
        bool ok = rc == SR_OK;
        if (rc == SR_ERR_FORBIDDEN)
            rc = SR_OK;
        if (ok) {
            struct sr_context_id keep = all.items[i];
            all.items[i] = all.items[kept];
            all.items[kept++] = keep;
        }
    }
    if (!rc && !kept) /* what the last check said */
        rc = sr_request_may_read_schema(req, t, all.items[0].context, all.items[0].id, err);
    if (rc) {
        sr_context_id_list_release(&all);
        return rc;
    }
    for (size_t i = kept; i < all.count; i++)
        free(all.items[i].context);
    all.count = kept;
    *out = all;
    return SR_OK;
}

enum sr_err sr_h_schema_by_guid(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_context_id_list ids = {0};
    struct sr_id_key key = {0};
    struct sr_buf b = SR_BUF_INIT;
    const struct sr_string_opts opts = {false, sr_request_query(req, "format"), false};
    /* The default context first, then the others in name order: "." sorts first. */
    enum sr_err rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = guid_ids(req, t, &ids, err);
    if (!rc)
        rc = sr_id_lookup_in(t, ids.items[0].context, ids.items[0].id, &key, err);
    if (!rc)
        rc = sr_id_render(hu_registry(req), t, &key, &opts, &b, err);
    sr_txn_rollback(t);
    sr_id_key_release(&key);
    sr_context_id_list_release(&ids);
    if (rc) {
        sr_buf_release(&b);
        return rc;
    }
    return sr_reply_buf(resp, &b, err);
}

enum sr_err sr_h_schema_guid_ids(struct sr_request *req, struct sr_response *resp,
                                 struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_context_id_list ids = {0};
    enum sr_err rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = guid_ids(req, t, &ids, err);
    sr_txn_rollback(t);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < ids.count; i++)
        json_array_append_new(list, json_pack("{s:s,s:I}", "context", ids.items[i].context, "id",
                                              (json_int_t)ids.items[i].id));
    sr_context_id_list_release(&ids);
    return sr_reply_json(resp, list, err);
}

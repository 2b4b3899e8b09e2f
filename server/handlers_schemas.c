/*
 * handlers_schemas.c - /schemas and /schemas/ids/{id}...
 */
#include <stdlib.h>
#include <string.h>

#include "server/by_id.h"
#include "server/handler_util.h"
#include "server/handlers.h"

/* Confluent's schema.search.default.limit and .max.limit. */
#define SCHEMA_SEARCH_LIMIT 1000

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
    json_t *list = json_array();
    if (!(rc = hu_begin(req, false, &t, err)))
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
            json_array_append_new(list, hu_schema_entity(sr_registry_opts(hu_registry(req))->api,
                                                         &rows[i], &s, true));
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
    /* ?subject= only picks the context to search (Confluent's
     * getSchemaKeyUsingContexts falls back to the subject's context), and
     * deserializers pass their topic's subject, which need not carry the id:
     * with one context it changes nothing. */
    enum sr_err rc = hu_path_id(req, 0, &id, err);
    if (!rc)
        rc = sr_by_id_body(hu_registry(req), SR_DEFAULT_CONTEXT, id, &body, err);
    if (rc)
        return rc;
    char *copy = malloc(body->len + 1);
    if (copy)
        memcpy(copy, body->data, body->len + 1);
    size_t len = body->len;
    sr_body_unref(body);
    if (!copy)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    sr_reply_take(resp, copy, len);
    if (sr_request_query_bool(req, "fetchMaxId"))
        return add_max_id(req, resp, err);
    return SR_OK;
}

enum sr_err sr_h_schema_by_id_raw(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err)
{
    int64_t id;
    struct sr_txn *t = NULL;
    struct sr_schema_rec s = {0};
    enum sr_err rc = hu_path_id(req, 0, &id, err); /* ?subject=: as above */
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

/* The subject-versions carrying id, for /subjects and /versions. */
static enum sr_err id_usages(struct sr_request *req, struct sr_subject_version_list *out,
                             struct sr_error *err)
{
    int64_t id;
    struct sr_txn *t = NULL;
    struct sr_schema_rec s = {0};
    enum sr_err rc = hu_path_id(req, 0, &id, err);
    if (!rc)
        rc = hu_begin(req, false, &t, err);
    if (!rc &&
        (rc = sr_txn_schema_get(t, SR_DEFAULT_CONTEXT, id, &s, err)) == SR_ERR_SCHEMA_NOT_FOUND)
        sr_errorf(err, rc, "Schema not found");
    if (!rc)
        rc = sr_txn_versions_for_id(
            t, SR_DEFAULT_CONTEXT, id,
            sr_request_query_bool(req, "deleted") ? SR_WITH_DELETED : SR_LIVE_ONLY, out, err);
    sr_txn_rollback(t);
    sr_schema_rec_release(&s);
    return rc;
}

static bool in_scope(const struct sr_request *req, const char *subject)
{
    const char *want = sr_request_query(req, "subject");
    return (!want || !*want || strcmp(want, subject) == 0) && sr_request_may_read(req, subject);
}

enum sr_err sr_h_schema_id_subjects(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err)
{
    struct sr_subject_version_list uses = {0};
    enum sr_err rc = id_usages(req, &uses, err);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < uses.count; i++) {
        bool repeat = i && strcmp(uses.items[i - 1].subject, uses.items[i].subject) == 0;
        if (!repeat && in_scope(req, uses.items[i].subject))
            json_array_append_new(list, json_string(uses.items[i].subject));
    }
    sr_subject_version_list_release(&uses);
    return sr_reply_json(resp, list, err);
}

enum sr_err sr_h_schema_id_versions(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err)
{
    struct sr_subject_version_list uses = {0};
    enum sr_err rc = id_usages(req, &uses, err);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < uses.count; i++)
        if (in_scope(req, uses.items[i].subject))
            json_array_append_new(list, json_pack("{s:s,s:i}", "subject", uses.items[i].subject,
                                                  "version", uses.items[i].version));
    sr_subject_version_list_release(&uses);
    return sr_reply_json(resp, list, err);
}

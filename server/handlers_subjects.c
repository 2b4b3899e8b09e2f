/*
 * handlers_subjects.c - /subjects and /subjects/{subject}/versions...
 */
#include <stdlib.h>
#include <string.h>

#include "server/context.h"
#include "server/delete.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/id_lookup.h"
#include "server/register.h"

static const char *subject_of(const struct sr_request *req)
{
    return hu_subject(req);
}

/* Applies offset and limit (limit < 1: all) to a list of n items: [*from, *to). */
static enum sr_err page(const struct sr_request *req, size_t n, size_t *from, size_t *to,
                        struct sr_error *err)
{
    int64_t offset, limit;
    enum sr_err rc = hu_paging(req, &offset, &limit, err);
    if (rc)
        return rc;
    *from = offset < 0 ? 0 : (size_t)offset > n ? n : (size_t)offset;
    *to = limit < 1 || (size_t)limit > n - *from ? n : *from + (size_t)limit;
    return SR_OK;
}

static bool api8(const struct sr_request *req)
{
    return sr_registry_opts(hu_registry(req))->api == SR_API_8;
}

/* Keeps the subjects filter selects, freeing the others; returns how many. */
static size_t keep_matching(const struct sr_subject_filter *f, char **items, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (sr_context_subject_matches(f, items[i]))
            items[kept++] = items[i];
        else
            free(items[i]);
    }
    return kept;
}

enum sr_err sr_h_subjects_list(struct sr_request *req, struct sr_response *resp,
                               struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_str_list subjects = {0};
    const char *prefix = sr_request_query(req, "subjectPrefix");
    struct sr_subject_filter filter = {prefix, NULL, false};
    if (api8(req))
        sr_context_subject_filter(prefix ? prefix : ":*:", &filter); /* Confluent's default */
    else if (prefix && strcmp(prefix, ":*:") == 0)
        filter.store_prefix = NULL; /* every context */
    enum sr_err rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = sr_txn_subjects(t, filter.store_prefix, hu_deleted_filter(req), &subjects, err);
    sr_txn_rollback(t);
    subjects.count = keep_matching(&filter, subjects.items, subjects.count);
    subjects.count = sr_request_keep_readable(req, subjects.items, subjects.count);
    size_t from = 0, to = 0;
    if (!rc)
        rc = page(req, subjects.count, &from, &to, err);
    json_t *list = json_array();
    for (size_t i = from; !rc && i < to; i++)
        json_array_append_new(list, json_string(subjects.items[i]));
    sr_str_list_release(&subjects);
    if (rc) {
        json_decref(list);
        return rc;
    }
    return sr_reply_json(resp, list, err);
}

/* Every version of the subject, a soft-deleted one as its negative
 * (Confluent 8's deletedAsNegative): [1, -2, 3]. */
static enum sr_err versions_as_negative(struct sr_txn *t, const char *subject,
                                        struct sr_int_list *out, struct sr_error *err)
{
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    enum sr_err rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    if (!rc && n && !(out->items = calloc(n, sizeof(*out->items))))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!rc)
            out->items[out->count++] = rows[i].deleted ? -rows[i].version : rows[i].version;
        sr_version_rec_release(&rows[i]);
    }
    free(rows);
    return rc;
}

enum sr_err sr_h_versions_list(struct sr_request *req, struct sr_response *resp,
                               struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_int_list versions = {0};
    enum sr_err rc = hu_begin(req, false, &t, err);
    if (!rc && api8(req) && sr_request_query_bool(req, "deletedAsNegative"))
        rc = versions_as_negative(t, subject_of(req), &versions, err);
    else if (!rc)
        rc = sr_txn_versions(t, subject_of(req), hu_deleted_filter(req), &versions, err);
    sr_txn_rollback(t);
    if (!rc && !versions.count)
        rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject_of(req));
    size_t from = 0, to = 0;
    if (!rc)
        rc = page(req, versions.count, &from, &to, err);
    json_t *list = json_array();
    for (size_t i = from; !rc && i < to; i++)
        json_array_append_new(list, json_integer(versions.items[i]));
    sr_int_list_release(&versions);
    if (rc) {
        json_decref(list);
        return rc;
    }
    return sr_reply_json(resp, list, err);
}

/* Reads the body of a register / lookup / compatibility request. Caller
 * json_decrefs *doc, which in borrows from. */
static enum sr_err read_input(const struct sr_request *req, json_t **doc,
                              struct sr_schema_input *in, struct sr_error *err)
{
    enum sr_err rc = hu_read_body(req, doc, err);
    if (!rc)
        rc = sr_input_schema(*doc, in, err);
    if (!rc)
        rc = sr_input_schema_size(in, sr_registry_opts(hu_registry(req))->max_schema_bytes, err);
    return rc;
}

/* Producers repeat the same registration at every start: answered from memory. */
static bool recall_registration(struct sr_request *req, struct sr_response *resp)
{
    char *answer = NULL;
    size_t answer_len = 0;
    if (!sr_registry_recall(hu_registry(req), subject_of(req), req->body, req->body_len, &answer,
                            &answer_len))
        return false;
    sr_reply_take(resp, answer, answer_len);
    return true;
}

bool sr_h_recall(const struct sr_route *route, struct sr_request *req, struct sr_response *resp)
{
    return route->handler == sr_h_versions_register && recall_registration(req, resp);
}

enum sr_err sr_h_versions_register(struct sr_request *req, struct sr_response *resp,
                                   struct sr_error *err)
{
    struct sr_registry *r = hu_registry(req);
    const char *subject = subject_of(req);
    if (recall_registration(req, resp))
        return SR_OK;
    uint64_t generation = sr_registry_generation(r);
    json_t *doc = NULL;
    struct sr_schema_input in;
    struct sr_registered done = {0};
    enum sr_err rc = read_input(req, &doc, &in, err);
    if (!rc)
        rc = sr_register_schema(r, subject, &in, sr_request_query_bool(req, "normalize"), &done,
                                err);
    json_decref(doc);
    if (!rc)
        rc = sr_reply_json(
            resp, hu_register_answer(sr_registry_opts(r)->api, done.id, done.version, &done.rec),
            err);
    /* An answer with metadata or a rule set may have come from the subject's
     * previous version, which the next registration can change: not kept. */
    bool contracts = done.rec.metadata || done.rec.ruleset;
    if (!rc && !in.has_id && (!contracts || sr_registry_opts(r)->api == SR_API_7))
        sr_registry_remember(r, generation, subject, req->body, req->body_len, resp->body,
                             resp->body_len);
    sr_registered_release(&done);
    return rc;
}

enum sr_err sr_h_subject_lookup(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err)
{
    json_t *doc = NULL;
    struct sr_schema_input in;
    struct sr_version_rec v = {0};
    struct sr_schema_rec s = {0};
    enum sr_err rc = read_input(req, &doc, &in, err);
    if (!rc)
        rc = sr_register_lookup(hu_registry(req), subject_of(req), &in,
                                sr_request_query_bool(req, "normalize"),
                                sr_request_query_bool(req, "deleted"), &v, &s, err);
    json_decref(doc);
    if (!rc)
        rc = sr_reply_json(
            resp, hu_schema_entity(sr_registry_opts(hu_registry(req))->api, &v, &s, false), err);
    sr_version_rec_release(&v);
    sr_schema_rec_release(&s);
    return rc;
}

enum sr_err sr_h_subject_delete(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err)
{
    struct sr_int_list versions = {0};
    enum sr_err rc = sr_delete_subject(sr_registry_store(hu_registry(req)),
                                       sr_registry_opts(hu_registry(req))->api, subject_of(req),
                                       sr_request_query_bool(req, "permanent"), &versions, err);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < versions.count; i++)
        json_array_append_new(list, json_integer(versions.items[i]));
    sr_int_list_release(&versions);
    return sr_reply_json(resp, list, err);
}

/* The version a request names, for reading: 40401 when the subject shows no
 * version at all, 40402 when this one is missing. */
static enum sr_err fetch_version(const struct sr_request *req, struct sr_txn *t,
                                 struct sr_version_rec *v, struct sr_error *err)
{
    int32_t version;
    bool deleted = sr_request_query_bool(req, "deleted");
    enum sr_err rc = hu_path_version(req, 1, &version, err);
    struct sr_int_list visible = {0};
    if (!rc)
        rc = sr_txn_versions(t, subject_of(req), deleted ? SR_WITH_DELETED : SR_LIVE_ONLY, &visible,
                             err);
    if (!rc && !visible.count)
        rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject_of(req));
    sr_int_list_release(&visible);
    if (rc)
        return rc;
    struct sr_error miss = {0};
    rc = sr_txn_version_get(t, subject_of(req), version, deleted, v, &miss);
    if (rc == SR_ERR_VERSION_NOT_FOUND && api8(req)) /* the number VersionId read */
        return sr_errorf(err, rc, "Version %d not found.", (int)version);
    if (rc == SR_ERR_VERSION_NOT_FOUND)
        return sr_errorf(err, rc, "Version %s not found.", req->params[1]);
    if (rc)
        return sr_errorf(err, rc, "%s", miss.message);
    return SR_OK;
}

/* Confluent 8's ?format=resolved: s->schema becomes the text with every
 * referenced type written out (id_lookup.h). */
static enum sr_err apply_format(const struct sr_request *req, struct sr_txn *t,
                                const struct sr_version_rec *v, struct sr_schema_rec *s,
                                struct sr_error *err)
{
    const char *format = sr_request_query(req, "format");
    if (!api8(req) || !sr_format_resolved(format))
        return SR_OK;
    char *text = NULL;
    size_t len = 0;
    enum sr_err rc =
        sr_id_schema_text(hu_registry(req), t, v->context, v->id, format, &text, &len, err);
    if (!rc) {
        free(s->schema);
        s->schema = text;
    }
    return rc;
}

static enum sr_err get_version(struct sr_request *req, struct sr_response *resp, bool raw,
                               struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_version_rec v = {0};
    struct sr_schema_rec s = {0};
    enum sr_err rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = fetch_version(req, t, &v, err);
    if (!rc)
        rc = sr_txn_schema_get(t, v.context, v.id, &s, err);
    if (!rc)
        rc = apply_format(req, t, &v, &s, err);
    sr_txn_rollback(t);
    if (!rc && raw) {
        sr_reply_take(resp, s.schema, strlen(s.schema));
        s.schema = NULL;
    } else if (!rc) {
        rc = sr_reply_json(
            resp, hu_schema_entity(sr_registry_opts(hu_registry(req))->api, &v, &s, true), err);
    }
    sr_version_rec_release(&v);
    sr_schema_rec_release(&s);
    return rc;
}

enum sr_err sr_h_version_get(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    return get_version(req, resp, false, err);
}

enum sr_err sr_h_version_get_raw(struct sr_request *req, struct sr_response *resp,
                                 struct sr_error *err)
{
    return get_version(req, resp, true, err);
}

enum sr_err sr_h_version_referenced_by(struct sr_request *req, struct sr_response *resp,
                                       struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_version_rec v = {0};
    struct sr_int_list ids = {0};
    enum sr_err rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = fetch_version(req, t, &v, err);
    if (!rc)
        rc = sr_txn_referenced_by(
            t, subject_of(req), v.version,
            sr_request_query_bool(req, "deleted") ? SR_WITH_DELETED : SR_LIVE_ONLY, &ids, err);
    sr_txn_rollback(t);
    sr_version_rec_release(&v);
    size_t from = 0, to = 0;
    if (!rc)
        rc = page(req, ids.count, &from, &to, err);
    json_t *list = json_array();
    for (size_t i = from; !rc && i < to; i++)
        json_array_append_new(list, json_integer(ids.items[i]));
    sr_int_list_release(&ids);
    if (rc) {
        json_decref(list);
        return rc;
    }
    return sr_reply_json(resp, list, err);
}

enum sr_err sr_h_version_delete(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err)
{
    int32_t version, deleted = 0;
    enum sr_err rc = hu_path_version(req, 1, &version, err);
    if (!rc)
        rc = sr_delete_version(sr_registry_store(hu_registry(req)),
                               sr_registry_opts(hu_registry(req))->api, subject_of(req), version,
                               sr_request_query_bool(req, "permanent"), &deleted, err);
    if (rc)
        return rc;
    return sr_reply_json(resp, json_integer(deleted), err);
}

/*
 * handlers_contexts.c - /contexts (Confluent's ContextsResource). A context
 * exists while a version row of it does, live or soft-deleted (storage's
 * sr_txn_contexts): registering the first subject of ":.team:" makes
 * ".team", deleting its last version for good ends it. Its id counter
 * stays, so that ids are never given twice (storage/store.h).
 */
#include <stdlib.h>
#include <string.h>

#include "server/context.h"
#include "server/handler_util.h"
#include "server/handlers.h"

/* GET /contexts : ".", then every context holding a version, in name order;
 * offset and limit page the list. */
enum sr_err sr_h_contexts_list(struct sr_request *req, struct sr_response *resp,
                               struct sr_error *err)
{
    int64_t offset, limit;
    struct sr_txn *t = NULL;
    struct sr_str_list contexts = {0};
    enum sr_err rc = hu_paging(req, &offset, &limit, err);
    if (!rc)
        rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = sr_txn_contexts(t, &contexts, err);
    sr_txn_rollback(t);
    json_t *list = json_array();
    int64_t at = 0, from = offset < 0 ? 0 : offset;
    for (size_t i = 0; !rc && i <= contexts.count; i++) {
        const char *name = i ? contexts.items[i - 1] : SR_DEFAULT_CONTEXT;
        if (i && strcmp(name, SR_DEFAULT_CONTEXT) == 0)
            continue;
        int64_t n = at++;
        if (n >= from && (limit < 1 || n - from < limit))
            json_array_append_new(list, json_string(name));
    }
    sr_str_list_release(&contexts);
    if (rc) {
        json_decref(list);
        return rc;
    }
    return sr_reply_json(resp, list, err);
}

/* DELETE /contexts/{context} (Confluent 8.0.1+): 204 when no version of the
 * context is left, soft-deleted ones included, whether or not the context
 * ever existed; 422 / 42211 otherwise. The default context cannot be
 * deleted: Confluent's URL filter turns /contexts/. into /contexts/, which
 * has no DELETE (405). */
enum sr_err sr_h_context_delete(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err)
{
    if (sr_registry_opts(hu_registry(req))->api != SR_API_8)
        return sr_errorf(err, SR_ERR_NOT_FOUND, "HTTP 404 Not Found");
    char prefix[SR_CONTEXT_MAX + 2];
    enum sr_err rc = sr_context_prefix(req->params[0], prefix, err);
    if (rc)
        return rc;
    if (!prefix[0])
        return sr_errorf(err, SR_ERR_METHOD_NOT_ALLOWED, "HTTP 405 Method Not Allowed");
    struct sr_txn *t = NULL;
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    rc = hu_begin(req, false, &t, err);
    if (!rc)
        rc = sr_txn_list_versions(t, prefix, SR_WITH_DELETED, false, 0, 1, &rows, &n, err);
    sr_txn_rollback(t);
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    if (!rc && n)
        rc = sr_errorf(err, SR_ERR_CONTEXT_NOT_EMPTY, "The specified context '%s' is not empty.",
                       prefix);
    if (rc)
        return rc;
    sr_reply_take(resp, NULL, 0);
    resp->status = 204;
    return SR_OK;
}

/*
 * handlers_contracts.c - GET /subjects/{subject}/metadata (Confluent 7.4+):
 * the newest version of a subject whose metadata properties hold every
 * key=value pair the query names (?key=k1&value=v1&key=k2&value=v2...).
 * Pairs are matched exactly and case-sensitively; extra keys or values
 * without a partner are ignored and a repeated key keeps its last value, as
 * Confluent builds its filter. Without pairs, the newest version that has
 * any metadata. Soft-deleted versions count with deleted=true.
 */
#include <stdlib.h>
#include <string.h>

#include "server/contracts.h"
#include "server/handler_util.h"
#include "server/handlers.h"

#define MAX_PAIRS 64

/* The filter as a JSON object key -> value. */
static json_t *filter_of(const struct sr_request *req)
{
    const char *keys[MAX_PAIRS], *values[MAX_PAIRS];
    size_t nk = sr_request_query_all(req, "key", keys, MAX_PAIRS);
    size_t nv = sr_request_query_all(req, "value", values, MAX_PAIRS);
    size_t n = nk < nv ? nk : nv;
    json_t *filter = json_object();
    for (size_t i = 0; filter && i < n && i < MAX_PAIRS; i++)
        if (keys[i] && values[i])
            json_object_set_new(filter, keys[i], json_string(values[i]));
    return filter;
}

/* Whether metadata text md has every pair of filter among its properties. */
static bool matches(const char *md, const json_t *filter)
{
    json_t *doc = md ? json_loads(md, 0, NULL) : NULL;
    bool ok = doc != NULL;
    const char *key;
    const json_t *want;
    json_object_foreach((json_t *)filter, key, want)
    {
        const char *have = ok ? sr_contracts_property(doc, key) : NULL;
        ok = have && strcmp(have, json_string_value(want)) == 0;
        if (!ok)
            break;
    }
    json_decref(doc);
    return ok;
}

/* The newest visible row whose schema matches: *index_out, *schema_out. */
static enum sr_err newest_match(struct sr_txn *t, struct sr_version_rec *rows, size_t n,
                                bool deleted, const json_t *filter, size_t *index_out,
                                struct sr_schema_rec *schema_out, size_t *visible_out,
                                struct sr_error *err)
{
    enum sr_err rc = SR_OK;
    *visible_out = 0;
    for (size_t i = n; !rc && i-- > 0;) {
        if (rows[i].deleted && !deleted)
            continue;
        ++*visible_out;
        struct sr_schema_rec rec = {0};
        rc = sr_txn_schema_get(t, rows[i].context, rows[i].id, &rec, err);
        if (!rc && matches(rec.metadata, filter)) {
            *index_out = i;
            *schema_out = rec;
            return SR_OK;
        }
        sr_schema_rec_release(&rec);
    }
    return rc ? rc : SR_ERR_SCHEMA_NOT_FOUND;
}

enum sr_err sr_h_subject_metadata(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err)
{
    const char *subject = hu_subject(req);
    bool deleted = sr_request_query_bool(req, "deleted");
    json_t *filter = filter_of(req);
    struct sr_txn *t = NULL;
    struct sr_version_rec *rows = NULL;
    struct sr_schema_rec schema = {0};
    size_t n = 0, found = 0, visible = 0;
    enum sr_err rc =
        filter ? hu_begin(req, false, &t, err) : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    if (!rc)
        rc = newest_match(t, rows, n, deleted, filter, &found, &schema, &visible, err);
    sr_txn_rollback(t);
    if (rc == SR_ERR_SCHEMA_NOT_FOUND && !visible)
        rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject);
    else if (rc == SR_ERR_SCHEMA_NOT_FOUND)
        rc = sr_errorf(err, rc, "Schema not found");
    if (!rc)
        rc = sr_reply_json(
            resp,
            hu_schema_entity(sr_registry_opts(hu_registry(req))->api, &rows[found], &schema, true),
            err);
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    sr_schema_rec_release(&schema);
    json_decref(filter);
    return rc;
}

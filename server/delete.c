/*
 * delete.c - soft and permanent deletes; see delete.h. Deleting a subject
 * checks every version for referrers before touching any, as Confluent's
 * deleteSubject does: a reference from a later version of the same subject
 * blocks it too, so such versions must go one by one.
 */
#include "server/delete.h"

#include <stdlib.h>
#include <string.h>

#include "server/context.h"
#include "server/settings.h"

static enum sr_err refuse_if_referenced(struct sr_txn *t, const char *subject, int32_t version,
                                        bool permanent, struct sr_error *err)
{
    struct sr_int_list users = {0};
    enum sr_err rc = sr_txn_referenced_by(t, subject, version,
                                          permanent ? SR_WITH_DELETED : SR_LIVE_ONLY, &users, err);
    if (!rc && users.count)
        rc = sr_errorf(err, SR_ERR_REFERENCE_EXISTS,
                       "One or more references exist to the schema "
                       "{magic=1,keytype=SCHEMA,subject=%s,version=%d}.",
                       subject, version);
    sr_int_list_release(&users);
    return rc;
}

/* Removes a version row for good, the schema if nothing else carries it, and
 * the subject's settings with its last row. */
static enum sr_err remove_version(struct sr_txn *t, const struct sr_version_rec *v,
                                  struct sr_error *err)
{
    enum sr_err rc = sr_txn_version_remove(t, v->subject, v->version, err);
    if (!rc)
        rc = sr_txn_schema_remove_if_unused(t, v->context, v->id, NULL, err);
    int32_t left = 0;
    if (!rc)
        rc = sr_txn_max_version(t, v->subject, &left, err);
    if (!rc && !left)
        rc = sr_txn_config_delete(t, v->subject, NULL, err);
    if (!rc && !left)
        rc = sr_txn_mode_delete(t, v->subject, NULL, err);
    return rc;
}

/* ---- a subject ------------------------------------------------------------------------ */

struct subject_op {
    enum sr_api api;
    const char *subject;
    bool permanent;
    struct sr_int_list deleted; /* out */
};

static enum sr_err soft_delete_subject(struct sr_txn *t, struct subject_op *op,
                                       const struct sr_version_rec *rows, size_t n,
                                       struct sr_error *err)
{
    size_t live = 0;
    for (size_t i = 0; i < n; i++)
        live += !rows[i].deleted;
    if (!live)
        return sr_errorf(err, SR_ERR_SUBJECT_SOFT_DELETED,
                         "Subject '%s' was soft deleted.Set permanent=true to delete permanently",
                         op->subject);
    enum sr_err rc = SR_OK;
    for (size_t i = 0; !rc && i < n; i++)
        if (!rows[i].deleted)
            rc = refuse_if_referenced(t, op->subject, rows[i].version, false, err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (rows[i].deleted)
            continue;
        rc = sr_txn_version_set_deleted(t, op->subject, rows[i].version, true, err);
        op->deleted.items[op->deleted.count++] = rows[i].version;
    }
    return rc;
}

static enum sr_err hard_delete_subject(struct sr_txn *t, struct subject_op *op,
                                       const struct sr_version_rec *rows, size_t n,
                                       struct sr_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!rows[i].deleted)
            return sr_errorf(err, SR_ERR_SUBJECT_NOT_SOFT_DELETED,
                             "Subject '%s' was not deleted first before being permanently "
                             "deleted",
                             op->subject);
    enum sr_err rc = SR_OK;
    for (size_t i = 0; !rc && i < n; i++)
        rc = refuse_if_referenced(t, op->subject, rows[i].version, true, err);
    for (size_t i = n; !rc && i-- > 0;)
        rc = remove_version(t, &rows[i], err);
    for (size_t i = 0; !rc && i < n; i++)
        op->deleted.items[op->deleted.count++] = rows[i].version;
    return rc;
}

static enum sr_err delete_subject_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct subject_op *op = arg;
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    sr_int_list_release(&op->deleted);
    enum sr_err rc = sr_settings_refuse_readonly(t, op->api, op->subject, err);
    if (!rc)
        rc = sr_txn_version_rows(t, op->subject, &rows, &n, err);
    if (!rc && !n)
        rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", op->subject);
    if (!rc && !(op->deleted.items = calloc(n, sizeof(*op->deleted.items))))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = op->permanent ? hard_delete_subject(t, op, rows, n, err)
                           : soft_delete_subject(t, op, rows, n, err);
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    return rc;
}

enum sr_err sr_delete_subject(struct sr_store *store, enum sr_api api, const char *subject,
                              bool permanent, struct sr_int_list *versions_out,
                              struct sr_error *err)
{
    struct subject_op op = {api, subject, permanent, {0}};
    enum sr_err rc = sr_store_run(store, true, delete_subject_txn, &op, err);
    if (rc)
        sr_int_list_release(&op.deleted);
    else
        *versions_out = op.deleted;
    return rc;
}

/* ---- a version ---------------------------------------------------------------------------- */

struct version_op {
    enum sr_api api;
    const char *subject;
    int32_t version; /* -1: the latest live one */
    bool permanent;
    int32_t deleted; /* out */
};

static enum sr_err delete_one(struct sr_txn *t, const struct sr_version_rec *v, bool permanent,
                              struct sr_error *err)
{
    if (!permanent && v->deleted)
        return sr_errorf(err, SR_ERR_VERSION_SOFT_DELETED,
                         "Subject '%s' Version %d was soft deleted.Set permanent=true to delete "
                         "permanently",
                         v->subject, v->version);
    if (permanent && !v->deleted)
        return sr_errorf(err, SR_ERR_VERSION_NOT_SOFT_DELETED,
                         "Subject '%s' Version %d was not deleted first before being "
                         "permanently deleted",
                         v->subject, v->version);
    enum sr_err rc = refuse_if_referenced(t, v->subject, v->version, permanent, err);
    if (rc)
        return rc;
    if (!permanent)
        return sr_txn_version_set_deleted(t, v->subject, v->version, true, err);
    return remove_version(t, v, err);
}

/* The row the request names: 40401 when the subject has no row at all (or,
 * for "latest", no live one), 40402 when this one is missing. */
static enum sr_err find_row(struct sr_txn *t, const struct version_op *op, struct sr_version_rec *v,
                            struct sr_error *err)
{
    int32_t max = 0;
    enum sr_err rc = sr_txn_max_version(t, op->subject, &max, err);
    if (!rc && !max)
        return sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", op->subject);
    struct sr_error miss = {0};
    if (!rc)
        rc = sr_txn_version_get(t, op->subject, op->version, op->version != -1, v, &miss);
    if (rc == SR_ERR_VERSION_NOT_FOUND && op->version == -1)
        return sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", op->subject);
    if (rc == SR_ERR_VERSION_NOT_FOUND)
        return sr_errorf(err, rc, "Version %d not found.", op->version);
    if (rc && miss.code)
        return sr_errorf(err, rc, "%s", miss.message);
    return rc;
}

static enum sr_err delete_version_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct version_op *op = arg;
    struct sr_version_rec v = {0};
    enum sr_err rc = sr_settings_refuse_readonly(t, op->api, op->subject, err);
    if (!rc)
        rc = find_row(t, op, &v, err);
    if (!rc)
        rc = delete_one(t, &v, op->permanent, err);
    if (!rc)
        op->deleted = v.version;
    sr_version_rec_release(&v);
    return rc;
}

enum sr_err sr_delete_version(struct sr_store *store, enum sr_api api, const char *subject,
                              int32_t version, bool permanent, int32_t *deleted_out,
                              struct sr_error *err)
{
    struct version_op op = {api, subject, version, permanent, 0};
    enum sr_err rc = sr_store_run(store, true, delete_version_txn, &op, err);
    if (!rc)
        *deleted_out = op.deleted;
    return rc;
}

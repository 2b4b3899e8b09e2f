/*
 * delete.c - soft and permanent deletes of subjects and versions (Confluent
 * §5.2): a permanent delete needs a soft delete first; nothing referenced by
 * another schema can go; a schema id stays resolvable until no version
 * anywhere carries it. Subject config and mode survive a soft delete and go
 * with the last row of the subject (Confluent's behaviour since PR #3810).
 * Deleting a subject checks every version for referrers before touching any,
 * as Confluent's deleteSubject does: a reference from a later version of the
 * same subject blocks it too, so such versions must go one by one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/registry_int.h"

static enum sr_err refuse_if_readonly(struct sr_txn *t, const char *subject, struct sr_error *err)
{
    char mode[32];
    enum sr_err rc = sr_registry_mode(t, subject, mode, err);
    if (!rc && strncmp(mode, "READONLY", 8) == 0)
        rc = sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
                       subject);
    return rc;
}

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
static enum sr_err remove_version(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                  int32_t version, int64_t id, int64_t *forget,
                                  struct sr_error *err)
{
    bool removed = false;
    enum sr_err rc = sr_txn_version_remove(t, subject, version, err);
    if (!rc)
        rc = sr_txn_schema_remove_if_unused(t, id, &removed, err);
    if (!rc && removed)
        *forget = id;
    (void)r;
    int32_t left = 0;
    if (!rc)
        rc = sr_txn_max_version(t, subject, &left, err);
    if (!rc && !left)
        rc = sr_txn_config_delete(t, subject, NULL, err);
    if (!rc && !left)
        rc = sr_txn_mode_delete(t, subject, NULL, err);
    return rc;
}

static enum sr_err finish(struct sr_registry *r, struct sr_txn *t, enum sr_err rc,
                          const int64_t *forget, size_t forget_count, struct sr_error *err)
{
    if (rc) {
        sr_txn_rollback(t);
        return rc;
    }
    rc = sr_txn_commit(t, err);
    /* Whatever was deleted, a repeated registration must now be judged afresh. */
    sr_regcache_invalidate(r->registrations);
    for (size_t i = 0; !rc && i < forget_count; i++)
        if (forget[i])
            sr_registry_forget(r, forget[i]);
    return rc;
}

static enum sr_err soft_delete_subject(struct sr_txn *t, const char *subject,
                                       struct sr_version_rec *rows, size_t n,
                                       struct sr_int_list *out, struct sr_error *err)
{
    size_t live = 0;
    for (size_t i = 0; i < n; i++)
        live += !rows[i].deleted;
    if (!live)
        return sr_errorf(err, SR_ERR_SUBJECT_SOFT_DELETED,
                         "Subject '%s' was soft deleted.Set permanent=true to delete permanently",
                         subject);
    out->items = calloc(live, sizeof(*out->items));
    if (!out->items)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    enum sr_err rc = SR_OK;
    for (size_t i = 0; !rc && i < n; i++)
        if (!rows[i].deleted)
            rc = refuse_if_referenced(t, subject, rows[i].version, false, err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (rows[i].deleted)
            continue;
        rc = sr_txn_version_set_deleted(t, subject, rows[i].version, true, err);
        out->items[out->count++] = rows[i].version;
    }
    return rc;
}

static enum sr_err hard_delete_subject(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                       struct sr_version_rec *rows, size_t n,
                                       struct sr_int_list *out, int64_t *forget,
                                       struct sr_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!rows[i].deleted)
            return sr_errorf(err, SR_ERR_SUBJECT_NOT_SOFT_DELETED,
                             "Subject '%s' was not deleted first before being permanently "
                             "deleted",
                             subject);
    out->items = calloc(n ? n : 1, sizeof(*out->items));
    if (!out->items)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    enum sr_err rc = SR_OK;
    for (size_t i = 0; !rc && i < n; i++)
        rc = refuse_if_referenced(t, subject, rows[i].version, true, err);
    for (size_t i = n; !rc && i-- > 0;)
        rc = remove_version(r, t, subject, rows[i].version, rows[i].id, &forget[i], err);
    for (size_t i = 0; !rc && i < n; i++)
        out->items[out->count++] = rows[i].version;
    return rc;
}

enum sr_err sr_registry_delete_subject(struct sr_registry *r, const char *subject, bool permanent,
                                       struct sr_int_list *versions_out, struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    int64_t *forget = NULL;
    memset(versions_out, 0, sizeof(*versions_out));
    enum sr_err rc = sr_store_begin(r->store, true, &t, err);
    if (rc)
        return rc;
    if (!(rc = refuse_if_readonly(t, subject, err)))
        rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    if (!rc && !n)
        rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject);
    if (!rc && !(forget = calloc(n, sizeof(*forget))))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = permanent ? hard_delete_subject(r, t, subject, rows, n, versions_out, forget, err)
                       : soft_delete_subject(t, subject, rows, n, versions_out, err);
    rc = finish(r, t, rc, forget, forget ? n : 0, err);
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    free(forget);
    if (rc)
        sr_int_list_release(versions_out);
    return rc;
}

static enum sr_err delete_one(struct sr_registry *r, struct sr_txn *t, const char *subject,
                              const struct sr_version_rec *v, bool permanent, int64_t *forget,
                              struct sr_error *err)
{
    if (!permanent && v->deleted)
        return sr_errorf(err, SR_ERR_VERSION_SOFT_DELETED,
                         "Subject '%s' Version %d was soft deleted.Set permanent=true to delete "
                         "permanently",
                         subject, v->version);
    if (permanent && !v->deleted)
        return sr_errorf(err, SR_ERR_VERSION_NOT_SOFT_DELETED,
                         "Subject '%s' Version %d was not deleted first before being "
                         "permanently deleted",
                         subject, v->version);
    enum sr_err rc = refuse_if_referenced(t, subject, v->version, permanent, err);
    if (rc)
        return rc;
    if (!permanent)
        return sr_txn_version_set_deleted(t, subject, v->version, true, err);
    return remove_version(r, t, subject, v->version, v->id, forget, err);
}

enum sr_err sr_registry_delete_version(struct sr_registry *r, const char *subject, int32_t version,
                                       bool permanent, int32_t *deleted_out, struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_version_rec v = {0};
    int64_t forget = 0;
    int32_t max = 0;
    enum sr_err rc = sr_store_begin(r->store, true, &t, err);
    if (rc)
        return rc;
    if (!(rc = refuse_if_readonly(t, subject, err)))
        rc = sr_txn_max_version(t, subject, &max, err);
    if (!rc && !max)
        rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject);
    if (!rc) {
        struct sr_error miss = {0};
        rc = sr_txn_version_get(t, subject, version, version != -1, &v, &miss);
        if (rc == SR_ERR_VERSION_NOT_FOUND)
            rc = version == -1
                     ? sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject)
                     : sr_errorf(err, rc, "Version %d not found.", version);
        else if (rc)
            rc = sr_errorf(err, rc, "%s", miss.message);
    }
    if (!rc)
        rc = delete_one(r, t, subject, &v, permanent, &forget, err);
    if (!rc)
        *deleted_out = v.version;
    sr_version_rec_release(&v);
    return finish(r, t, rc, &forget, 1, err);
}

/* ---- clearing for IMPORT ------------------------------------------------------------ */

static enum sr_err append_id(struct sr_int_list *l, int64_t id, struct sr_error *err)
{
    int64_t *items = realloc(l->items, (l->count + 1) * sizeof(*items));
    if (!items)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    items[l->count++] = id;
    l->items = items;
    return SR_OK;
}

/* Removes one soft-deleted row unless something still references it. */
static enum sr_err clear_row(struct sr_txn *t, const struct sr_version_rec *v,
                             struct sr_int_list *forget, struct sr_error *err)
{
    struct sr_int_list users = {0};
    bool removed = false;
    enum sr_err rc = sr_txn_referenced_by(t, v->subject, v->version, SR_WITH_DELETED, &users, err);
    bool referenced = !rc && users.count;
    sr_int_list_release(&users);
    if (rc || referenced)
        return rc;
    rc = sr_txn_version_remove(t, v->subject, v->version, err);
    if (!rc)
        rc = sr_txn_schema_remove_if_unused(t, v->id, &removed, err);
    if (!rc && removed)
        rc = append_id(forget, v->id, err);
    return rc;
}

static enum sr_err clear_subject(struct sr_txn *t, const char *subject, struct sr_int_list *forget,
                                 struct sr_error *err)
{
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    enum sr_err rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    for (size_t i = n; !rc && i-- > 0;) /* highest first: referrers go before what they use */
        if (rows[i].deleted)
            rc = clear_row(t, &rows[i], forget, err);
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    return rc;
}

enum sr_err sr_registry_clear_deleted(struct sr_txn *t, const char *subject,
                                      struct sr_int_list *forget, struct sr_error *err)
{
    if (subject)
        return clear_subject(t, subject, forget, err);
    struct sr_str_list subjects = {0};
    enum sr_err rc = sr_txn_subjects(t, NULL, SR_WITH_DELETED, &subjects, err);
    for (size_t i = 0; !rc && i < subjects.count; i++)
        rc = clear_subject(t, subjects.items[i], forget, err);
    sr_str_list_release(&subjects);
    return rc;
}

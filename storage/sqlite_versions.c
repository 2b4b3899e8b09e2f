/*
 * sqlite_versions.c - subjects and their versions.
 */
#include "storage/sqlite_int.h"

#include <stdlib.h>

static void version_recs_free(struct sr_version_rec *recs, size_t count)
{
    for (size_t i = 0; i < count; i++)
        sr_version_rec_release(&recs[i]);
    free(recs);
}

/* The row at the cursor from columns (version, schema_id, deleted, context,
 * ts), starting at column first. */
static void read_row(struct sq_query *q, int first, struct sr_version_rec *r)
{
    r->version = (int32_t)sq_col_int(q, first);
    r->id = sq_col_int(q, first + 1);
    r->deleted = sq_col_int(q, first + 2) != 0;
    r->context = sq_col_text(q, first + 3);
    r->ts = sq_col_int(q, first + 4);
}

static void read_version(struct sq_query *q, const char *subject, struct sr_version_rec *r)
{
    r->subject = sq_strdup(q, subject);
    read_row(q, 0, r);
}

/* The row at the cursor, the subject first (sqlite_sql.h's listed rows). */
static void read_listed_version(struct sq_query *q, struct sr_version_rec *r)
{
    r->subject = sq_col_text(q, 0);
    read_row(q, 1, r);
}

static enum sr_err version_not_found(struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_VERSION_NOT_FOUND, "%s",
                     sr_error_default_message(SR_ERR_VERSION_NOT_FOUND));
}

enum sr_err sq_contexts(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_CONTEXTS, err);
    return rc ? rc : sq_collect_strings(&q, out);
}

enum sr_err sq_subjects(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                        struct sr_str_list *out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_SUBJECTS, err);
    if (rc)
        return rc;
    sq_bind_prefix(&q, prefix);
    sq_bind_filter(&q, filter);
    return sq_collect_strings(&q, out);
}

enum sr_err sq_versions(struct sr_txn *t, const char *subject, enum sr_deleted_filter filter,
                        struct sr_int_list *out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_VERSIONS, err);
    if (rc)
        return rc;
    sq_bind_text(&q, subject);
    sq_bind_filter(&q, filter);
    return sq_collect_ints(&q, out);
}

enum sr_err sq_version_rows(struct sr_txn *t, const char *subject, struct sr_version_rec **out,
                            size_t *count_out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_VERSION_ROWS, err);
    if (rc)
        return rc;
    sq_bind_text(&q, subject);
    struct sr_version_rec *recs = NULL;
    size_t count = 0, cap = 0;
    while (sq_row(&q) && sq_grow(&q, (void **)&recs, &cap, count + 1, sizeof(*recs)))
        read_version(&q, subject, &recs[count++]);
    rc = sq_query_end(&q);
    if (rc) {
        version_recs_free(recs, count);
        return rc;
    }
    *out = recs;
    *count_out = count;
    return SR_OK;
}

/* One row of subject into *out; *found_out says whether there was one. */
static enum sr_err version_row(struct sr_txn *t, const char *subject, int32_t version,
                               struct sr_version_rec *out, bool *found_out, struct sr_error *err)
{
    bool latest = version == -1;
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, latest ? SQ_VERSION_LATEST : SQ_VERSION_GET, err);
    if (rc)
        return rc;
    sq_bind_text(&q, subject);
    if (!latest)
        sq_bind_int(&q, version);
    struct sr_version_rec rec = {0};
    bool found = sq_row(&q);
    if (found)
        read_version(&q, subject, &rec);
    rc = sq_query_end(&q);
    if (rc) {
        sr_version_rec_release(&rec);
        return rc;
    }
    *out = rec;
    *found_out = found;
    return SR_OK;
}

enum sr_err sq_version_get(struct sr_txn *t, const char *subject, int32_t version,
                           bool include_deleted, struct sr_version_rec *out, struct sr_error *err)
{
    struct sr_version_rec rec = {0};
    bool found = false;
    enum sr_err rc = version_row(t, subject, version, &rec, &found, err);
    if (rc)
        return rc;
    if (!found || (rec.deleted && !include_deleted)) {
        sr_version_rec_release(&rec);
        return version_not_found(err);
    }
    *out = rec;
    return SR_OK;
}

enum sr_err sq_subject_uses_refs(struct sr_txn *t, const char *subject, bool *out,
                                 struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_SUBJECT_USES_REFS, err);
    if (rc)
        return rc;
    sq_bind_text(&q, subject);
    bool uses = sq_row(&q) && sq_col_int(&q, 0) != 0;
    rc = sq_query_end(&q);
    if (rc)
        return rc;
    *out = uses;
    return SR_OK;
}

enum sr_err sq_max_version(struct sr_txn *t, const char *subject, int32_t *out,
                           struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_MAX_VERSION, err);
    if (rc)
        return rc;
    sq_bind_text(&q, subject);
    int32_t max = 0;
    if (sq_row(&q))
        max = (int32_t)sq_col_int(&q, 0);
    rc = sq_query_end(&q);
    if (rc)
        return rc;
    *out = max;
    return SR_OK;
}

enum sr_err sq_version_by_id(struct sr_txn *t, const char *subject, const char *context, int64_t id,
                             enum sr_deleted_filter filter, struct sr_version_rec *out,
                             struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_VERSION_BY_ID, err);
    if (rc)
        return rc;
    sq_bind_text(&q, subject);
    sq_bind_text(&q, context);
    sq_bind_int(&q, id);
    sq_bind_filter(&q, filter);
    struct sr_version_rec rec = {0};
    bool found = sq_row(&q);
    if (found)
        read_version(&q, subject, &rec);
    rc = sq_query_end(&q);
    if (rc) {
        sr_version_rec_release(&rec);
        return rc;
    }
    if (!found)
        return version_not_found(err);
    *out = rec;
    return SR_OK;
}

enum sr_err sq_version_insert(struct sr_txn *t, const char *subject, int32_t version,
                              const char *context, int64_t id, int64_t ts, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_VERSION_INSERT, err);
    if (rc)
        return rc;
    sq_bind_text(&q, subject);
    sq_bind_int(&q, version);
    sq_bind_text(&q, context);
    sq_bind_int(&q, id);
    sq_bind_int(&q, ts);
    /* An existing row fails the primary key. With writers serialised that is
     * the caller's bug, never a lost race, so it stays SR_ERR_INTERNAL. */
    sq_exec(&q);
    return sq_query_end(&q);
}

/* Runs a statement keyed by (subject, version) that changes at most one row;
 * SR_ERR_VERSION_NOT_FOUND when it changed none. */
static enum sr_err change_version(struct sr_txn *t, enum sq_stmt id, const char *subject,
                                  int32_t version, const int64_t *value, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, id, err);
    if (rc)
        return rc;
    sq_bind_text(&q, subject);
    sq_bind_int(&q, version);
    if (value)
        sq_bind_int(&q, *value);
    sq_exec(&q);
    int64_t changed = sq_changes(&q);
    rc = sq_query_end(&q);
    if (!rc && changed == 0)
        rc = version_not_found(err);
    return rc;
}

enum sr_err sq_version_set_deleted(struct sr_txn *t, const char *subject, int32_t version,
                                   bool deleted, struct sr_error *err)
{
    int64_t value = deleted ? 1 : 0;
    return change_version(t, SQ_VERSION_SET_DELETED, subject, version, &value, err);
}

enum sr_err sq_version_remove(struct sr_txn *t, const char *subject, int32_t version,
                              struct sr_error *err)
{
    /* The schema row stays, with its references, until
     * sr_txn_schema_remove_if_unused() finds it carried by no version. */
    return change_version(t, SQ_VERSION_REMOVE, subject, version, NULL, err);
}

enum sr_err sq_versions_for_id(struct sr_txn *t, const char *context, int64_t id,
                               enum sr_deleted_filter filter, struct sr_subject_version_list *out,
                               struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_VERSIONS_FOR_ID, err);
    if (rc)
        return rc;
    sq_bind_text(&q, context);
    sq_bind_int(&q, id);
    sq_bind_filter(&q, filter);
    struct sr_subject_version_list list = {0};
    size_t cap = 0;
    while (sq_row(&q) &&
           sq_grow(&q, (void **)&list.items, &cap, list.count + 1, sizeof(*list.items))) {
        struct sr_subject_version *sv = &list.items[list.count++];
        sv->subject = sq_col_text(&q, 0);
        sv->version = (int32_t)sq_col_int(&q, 1);
    }
    rc = sq_query_end(&q);
    if (rc) {
        sr_subject_version_list_release(&list);
        return rc;
    }
    *out = list;
    return SR_OK;
}

enum sr_err sq_list_versions(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                             bool latest_only, int64_t offset, int64_t limit,
                             struct sr_version_rec **out, size_t *count_out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, latest_only ? SQ_LIST_LATEST : SQ_LIST_VERSIONS, err);
    if (rc)
        return rc;
    sq_bind_prefix(&q, prefix);
    sq_bind_filter(&q, filter);
    sq_bind_int(&q, limit); /* -1: SQLite's "no limit" */
    sq_bind_int(&q, offset);
    struct sr_version_rec *recs = NULL;
    size_t count = 0, cap = 0;
    while (sq_row(&q) && sq_grow(&q, (void **)&recs, &cap, count + 1, sizeof(*recs)))
        read_listed_version(&q, &recs[count++]);
    rc = sq_query_end(&q);
    if (rc) {
        version_recs_free(recs, count);
        return rc;
    }
    *out = recs;
    *count_out = count;
    return SR_OK;
}

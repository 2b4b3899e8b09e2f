/*
 * sqlite_settings.c - config and mode, per subject or global, and the
 * counts behind the metrics gauges.
 */
#include "storage/sqlite_int.h"

#include <stdlib.h>

enum sr_err sq_config_get(struct sr_txn *t, const char *subject, struct sr_config_rec *out,
                          bool *found_out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_CONFIG_GET, err);
    if (rc)
        return rc;
    sq_bind_setting_key(&q, subject);
    struct sr_config_rec rec = {.normalize = -1};
    bool found = sq_row(&q);
    if (found) {
        rec.compatibility = sq_col_text(&q, 0);
        if (!sq_col_is_null(&q, 1))
            rec.normalize = sq_col_int(&q, 1) != 0;
        rec.extra = sq_col_text(&q, 2);
    }
    rc = sq_query_end(&q);
    if (rc) {
        sr_config_rec_release(&rec);
        return rc;
    }
    *out = rec;
    *found_out = found;
    return SR_OK;
}

enum sr_err sq_config_put(struct sr_txn *t, const char *subject, const struct sr_config_rec *rec,
                          struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_CONFIG_PUT, err);
    if (rc)
        return rc;
    sq_bind_setting_key(&q, subject);
    sq_bind_text(&q, rec->compatibility);
    if (rec->normalize < 0)
        sq_bind_null(&q); /* not set */
    else
        sq_bind_int(&q, rec->normalize != 0);
    sq_bind_text(&q, rec->extra);
    sq_exec(&q);
    return sq_query_end(&q);
}

/* Deletes the setting of subject with statement id. */
static enum sr_err delete_setting(struct sr_txn *t, enum sq_stmt id, const char *subject,
                                  bool *found_out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, id, err);
    if (rc)
        return rc;
    sq_bind_setting_key(&q, subject);
    sq_exec(&q);
    int64_t changed = sq_changes(&q);
    rc = sq_query_end(&q);
    if (!rc && found_out)
        *found_out = changed > 0;
    return rc;
}

enum sr_err sq_config_delete(struct sr_txn *t, const char *subject, bool *found_out,
                             struct sr_error *err)
{
    return delete_setting(t, SQ_CONFIG_DELETE, subject, found_out, err);
}

enum sr_err sq_mode_get(struct sr_txn *t, const char *subject, char **mode_out,
                        struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_MODE_GET, err);
    if (rc)
        return rc;
    sq_bind_setting_key(&q, subject);
    char *mode = NULL;
    if (sq_row(&q))
        mode = sq_col_text(&q, 0);
    rc = sq_query_end(&q);
    if (rc) {
        free(mode);
        return rc;
    }
    *mode_out = mode;
    return SR_OK;
}

enum sr_err sq_mode_put(struct sr_txn *t, const char *subject, const char *mode,
                        struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_MODE_PUT, err);
    if (rc)
        return rc;
    sq_bind_setting_key(&q, subject);
    sq_bind_text(&q, mode);
    sq_exec(&q);
    return sq_query_end(&q);
}

enum sr_err sq_mode_delete(struct sr_txn *t, const char *subject, bool *found_out,
                           struct sr_error *err)
{
    return delete_setting(t, SQ_MODE_DELETE, subject, found_out, err);
}

enum sr_err sq_counts(struct sr_txn *t, struct sr_store_counts *out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_COUNTS, err);
    if (rc)
        return rc;
    struct sr_store_counts counts = {0};
    if (sq_row(&q)) {
        counts.subjects = sq_col_int(&q, 0);
        counts.versions = sq_col_int(&q, 1);
        counts.schemas = sq_col_int(&q, 2);
    }
    rc = sq_query_end(&q);
    if (rc)
        return rc;
    *out = counts;
    return SR_OK;
}

enum sr_err sq_setting_subjects(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_SETTING_SUBJECTS, err);
    if (rc)
        return rc;
    sq_bind_setting_key(&q, NULL); /* the global rows' key, left out */
    return sq_collect_strings(&q, out);
}

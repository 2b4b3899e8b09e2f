/*
 * pg_settings.c - config and mode, per subject or global, and the counts
 * behind the metrics gauges (as sqlite_settings.c, on pg_query).
 */
#include "storage/pg_int.h"

#include <stdlib.h>

enum sr_err pg_config_get(struct sr_txn *t, const char *subject, struct sr_config_rec *out,
                          bool *found_out, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_CONFIG_GET, err);
    if (rc)
        return rc;
    pg_bind_setting_key(&q, subject);
    struct sr_config_rec rec = {.normalize = -1};
    bool found = pg_row(&q);
    if (found) {
        rec.compatibility = pg_col_text(&q, 0);
        if (!pg_col_is_null(&q, 1))
            rec.normalize = pg_col_bool(&q, 1);
        rec.extra = pg_col_text(&q, 2);
    }
    rc = pg_query_end(&q);
    if (rc) {
        sr_config_rec_release(&rec);
        return rc;
    }
    *out = rec;
    *found_out = found;
    return SR_OK;
}

enum sr_err pg_config_put(struct sr_txn *t, const char *subject, const struct sr_config_rec *rec,
                          struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_CONFIG_PUT, err);
    if (rc)
        return rc;
    pg_bind_setting_key(&q, subject);
    pg_bind_text(&q, rec->compatibility);
    if (rec->normalize < 0)
        pg_bind_null(&q); /* not set */
    else
        pg_bind_bool(&q, rec->normalize != 0);
    pg_bind_text(&q, rec->extra);
    pg_exec(&q);
    return pg_query_end(&q);
}

/* Deletes the setting of subject with statement id. */
static enum sr_err delete_setting(struct sr_txn *t, enum pg_stmt id, const char *subject,
                                  bool *found_out, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, id, err);
    if (rc)
        return rc;
    pg_bind_setting_key(&q, subject);
    pg_exec(&q);
    int64_t changed = pg_changes(&q);
    rc = pg_query_end(&q);
    if (!rc && found_out)
        *found_out = changed > 0;
    return rc;
}

enum sr_err pg_config_delete(struct sr_txn *t, const char *subject, bool *found_out,
                             struct sr_error *err)
{
    return delete_setting(t, PG_CONFIG_DELETE, subject, found_out, err);
}

enum sr_err pg_mode_get(struct sr_txn *t, const char *subject, char **mode_out,
                        struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_MODE_GET, err);
    if (rc)
        return rc;
    pg_bind_setting_key(&q, subject);
    char *mode = NULL;
    if (pg_row(&q))
        mode = pg_col_text(&q, 0);
    rc = pg_query_end(&q);
    if (rc) {
        free(mode);
        return rc;
    }
    *mode_out = mode;
    return SR_OK;
}

enum sr_err pg_mode_put(struct sr_txn *t, const char *subject, const char *mode,
                        struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_MODE_PUT, err);
    if (rc)
        return rc;
    pg_bind_setting_key(&q, subject);
    pg_bind_text(&q, mode);
    pg_exec(&q);
    return pg_query_end(&q);
}

enum sr_err pg_mode_delete(struct sr_txn *t, const char *subject, bool *found_out,
                           struct sr_error *err)
{
    return delete_setting(t, PG_MODE_DELETE, subject, found_out, err);
}

enum sr_err pg_counts(struct sr_txn *t, struct sr_store_counts *out, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_COUNTS, err);
    if (rc)
        return rc;
    struct sr_store_counts counts = {0};
    if (pg_row(&q)) {
        counts.subjects = pg_col_int(&q, 0);
        counts.versions = pg_col_int(&q, 1);
        counts.schemas = pg_col_int(&q, 2);
    }
    rc = pg_query_end(&q);
    if (rc)
        return rc;
    *out = counts;
    return SR_OK;
}

enum sr_err pg_setting_subjects(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_SETTING_SUBJECTS, err);
    if (rc)
        return rc;
    pg_bind_setting_key(&q, NULL); /* the global rows' key, left out */
    return pg_collect_strings(&q, out);
}

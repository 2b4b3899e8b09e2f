/*
 * settings.c - levels and modes, global and per subject; see settings.h.
 */
#include "server/settings.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/input.h"

static const char *const mode_names[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT",
                                         NULL};

/* ---- what is in force ---------------------------------------------------------- */

enum sr_err sr_settings_level(struct sr_txn *t, const char *subject, enum sr_compat_level *out,
                              struct sr_error *err)
{
    *out = SR_LEVEL_BACKWARD;
    for (int pass = subject ? 0 : 1; pass < 2; pass++) {
        struct sr_config_rec c = {0};
        bool found = false;
        enum sr_err rc = sr_txn_config_get(t, pass ? NULL : subject, &c, &found, err);
        if (rc)
            return rc;
        bool set = found && c.compatibility && sr_compat_level_parse(c.compatibility, out);
        sr_config_rec_release(&c);
        if (set)
            return SR_OK;
    }
    return SR_OK;
}

enum sr_err sr_settings_mode(struct sr_txn *t, const char *subject, char out[SR_MODE_NAME_MAX],
                             struct sr_error *err)
{
    char *global = NULL, *own = NULL;
    enum sr_err rc = sr_txn_mode_get(t, NULL, &global, err);
    if (!rc && subject)
        rc = sr_txn_mode_get(t, subject, &own, err);
    if (!rc) {
        /* A global READONLY_OVERRIDE outranks the subject's own mode. */
        bool override = global && strcmp(global, "READONLY_OVERRIDE") == 0;
        const char *mode = "READWRITE";
        if (own && !override)
            mode = own;
        else if (global)
            mode = global;
        snprintf(out, SR_MODE_NAME_MAX, "%s", mode);
    }
    free(global);
    free(own);
    return rc;
}

enum sr_err sr_settings_refuse_readonly(struct sr_txn *t, const char *subject, struct sr_error *err)
{
    char mode[SR_MODE_NAME_MAX];
    enum sr_err rc = sr_settings_mode(t, subject, mode, err);
    if (!rc && strncmp(mode, "READONLY", 8) == 0)
        rc = sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
                       subject ? subject : "__GLOBAL");
    return rc;
}

/* ---- config --------------------------------------------------------------------------- */

struct config_op {
    const char *subject;
    bool default_to_global;
    struct sr_config_rec rec; /* in: to store (put); out: found (get, delete) */
};

static enum sr_err get_config_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct config_op *op = arg;
    bool found = false;
    sr_config_rec_release(&op->rec);
    enum sr_err rc = sr_txn_config_get(t, op->subject, &op->rec, &found, err);
    bool fallback = !rc && op->subject && (!found || !op->rec.compatibility);
    if (fallback && !op->default_to_global)
        return sr_errorf(err, SR_ERR_SUBJECT_LEVEL_COMPAT_NOT_CONFIGURED,
                         "Subject '%s' does not have subject-level compatibility configured",
                         op->subject);
    if (fallback) {
        sr_config_rec_release(&op->rec);
        rc = sr_txn_config_get(t, NULL, &op->rec, &found, err);
    }
    return rc;
}

enum sr_err sr_settings_get_config(struct sr_store *store, const char *subject,
                                   bool default_to_global, struct sr_config_rec *out,
                                   struct sr_error *err)
{
    struct config_op op = {subject, default_to_global, {.normalize = -1}};
    enum sr_err rc = sr_store_run(store, false, get_config_txn, &op, err);
    if (rc)
        sr_config_rec_release(&op.rec);
    else
        *out = op.rec;
    return rc;
}

static enum sr_err put_config_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct config_op *op = arg;
    enum sr_err rc = sr_settings_refuse_readonly(t, op->subject, err);
    return rc ? rc : sr_txn_config_put(t, op->subject, &op->rec, err);
}

enum sr_err sr_settings_put_config(struct sr_store *store, const char *subject, const char *level,
                                   int normalize, const char **stored_out, struct sr_error *err)
{
    enum sr_compat_level parsed;
    if (!level || !sr_compat_level_parse(level, &parsed))
        return sr_errorf(err, SR_ERR_INVALID_COMPATIBILITY_LEVEL,
                         "Invalid compatibility level. Valid values are none, backward, forward, "
                         "full, backward_transitive, forward_transitive, and full_transitive");
    enum sr_err rc = subject ? sr_input_subject(subject, err) : SR_OK;
    if (rc)
        return rc;
    /* The level name is static and only read: the record borrows it. */
    struct config_op op = {
        .subject = subject,
        .rec = {.compatibility = (char *)sr_compat_level_name(parsed), .normalize = normalize}};
    rc = sr_store_run(store, true, put_config_txn, &op, err);
    if (!rc)
        *stored_out = sr_compat_level_name(parsed);
    return rc;
}

static enum sr_err delete_config_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct config_op *op = arg;
    bool found = false;
    sr_config_rec_release(&op->rec);
    enum sr_err rc = sr_settings_refuse_readonly(t, op->subject, err);
    if (!rc)
        rc = sr_txn_config_get(t, op->subject, &op->rec, &found, err);
    if (!rc && op->subject && !found)
        rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", op->subject);
    return rc ? rc : sr_txn_config_delete(t, op->subject, NULL, err);
}

enum sr_err sr_settings_delete_config(struct sr_store *store, const char *subject,
                                      struct sr_config_rec *old_out, struct sr_error *err)
{
    struct config_op op = {.subject = subject, .rec = {.normalize = -1}};
    enum sr_err rc = sr_store_run(store, true, delete_config_txn, &op, err);
    if (rc)
        sr_config_rec_release(&op.rec);
    else
        *old_out = op.rec;
    return rc;
}

/* ---- mode ------------------------------------------------------------------------------- */

struct mode_op {
    const char *subject;
    const char *name; /* put: the mode to store */
    bool flag;        /* get: default_to_global; put: force */
    char out[SR_MODE_NAME_MAX];
};

static enum sr_err get_mode_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct mode_op *op = arg;
    char *own = NULL;
    enum sr_err rc = sr_txn_mode_get(t, op->subject, &own, err);
    if (!rc && op->subject && !own && !op->flag)
        rc = sr_errorf(err, SR_ERR_SUBJECT_LEVEL_MODE_NOT_CONFIGURED,
                       "Subject '%s' does not have subject-level mode configured", op->subject);
    if (!rc && own)
        snprintf(op->out, sizeof op->out, "%s", own);
    else if (!rc)
        rc = sr_settings_mode(t, NULL, op->out, err);
    free(own);
    return rc;
}

enum sr_err sr_settings_get_mode(struct sr_store *store, const char *subject,
                                 bool default_to_global, char out[SR_MODE_NAME_MAX],
                                 struct sr_error *err)
{
    struct mode_op op = {.subject = subject, .flag = default_to_global};
    enum sr_err rc = sr_store_run(store, false, get_mode_txn, &op, err);
    if (!rc)
        memcpy(out, op.out, SR_MODE_NAME_MAX);
    return rc;
}

/* Removes one soft-deleted row unless something still references it, and
 * its schema when nothing else carries it. */
static enum sr_err clear_row(struct sr_txn *t, const struct sr_version_rec *v, struct sr_error *err)
{
    struct sr_int_list users = {0};
    enum sr_err rc = sr_txn_referenced_by(t, v->subject, v->version, SR_WITH_DELETED, &users, err);
    bool referenced = !rc && users.count;
    sr_int_list_release(&users);
    if (rc || referenced)
        return rc;
    rc = sr_txn_version_remove(t, v->subject, v->version, err);
    return rc ? rc : sr_txn_schema_remove_if_unused(t, v->context, v->id, NULL, err);
}

static enum sr_err clear_subject(struct sr_txn *t, const char *subject, struct sr_error *err)
{
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    enum sr_err rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    for (size_t i = n; !rc && i-- > 0;) /* highest first: referrers go before what they use */
        if (rows[i].deleted)
            rc = clear_row(t, &rows[i], err);
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    return rc;
}

/* Permanently removes the soft-deleted versions of subject (NULL: of every
 * subject) that nothing references: Confluent's ClearSubject. */
static enum sr_err clear_deleted(struct sr_txn *t, const char *subject, struct sr_error *err)
{
    if (subject)
        return clear_subject(t, subject, err);
    struct sr_str_list subjects = {0};
    enum sr_err rc = sr_txn_subjects(t, NULL, SR_WITH_DELETED, &subjects, err);
    for (size_t i = 0; !rc && i < subjects.count; i++)
        rc = clear_subject(t, subjects.items[i], err);
    sr_str_list_release(&subjects);
    return rc;
}

/* Entering IMPORT needs an empty registry (or subject), and then starts
 * from a clean slate. */
static enum sr_err enter_import(struct sr_txn *t, const char *subject, struct sr_error *err)
{
    char current[SR_MODE_NAME_MAX];
    struct sr_str_list subjects = {0};
    struct sr_int_list versions = {0};
    enum sr_err rc = sr_settings_mode(t, subject, current, err);
    if (rc || strcmp(current, "IMPORT") == 0)
        return rc;
    rc = subject ? sr_txn_versions(t, subject, SR_LIVE_ONLY, &versions, err)
                 : sr_txn_subjects(t, NULL, SR_LIVE_ONLY, &subjects, err);
    if (!rc && (subjects.count || versions.count))
        rc = sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED,
                       "Cannot import since found existing subjects");
    sr_str_list_release(&subjects);
    sr_int_list_release(&versions);
    return rc ? rc : clear_deleted(t, subject, err);
}

static enum sr_err put_mode_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct mode_op *op = arg;
    enum sr_err rc = SR_OK;
    if (strcmp(op->name, "IMPORT") == 0 && !op->flag)
        rc = enter_import(t, op->subject, err);
    return rc ? rc : sr_txn_mode_put(t, op->subject, op->name, err);
}

enum sr_err sr_settings_put_mode(struct sr_store *store, const char *subject, const char *mode,
                                 bool force, const char **stored_out, struct sr_error *err)
{
    const char *name = NULL;
    for (const char *const *m = mode_names; mode && *m && !name; m++)
        if (strcasecmp(*m, mode) == 0)
            name = *m;
    if (!name)
        return sr_errorf(err, SR_ERR_INVALID_MODE,
                         "Invalid mode. Valid values are READWRITE, READONLY, and IMPORT.");
    enum sr_err rc = subject ? sr_input_subject(subject, err) : SR_OK;
    struct mode_op op = {.subject = subject, .name = name, .flag = force};
    if (!rc)
        rc = sr_store_run(store, true, put_mode_txn, &op, err);
    if (!rc)
        *stored_out = name;
    return rc;
}

static enum sr_err delete_mode_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct mode_op *op = arg;
    char *old = NULL;
    enum sr_err rc = sr_txn_mode_get(t, op->subject, &old, err);
    if (!rc && op->subject && !old)
        rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", op->subject);
    if (!rc)
        rc = sr_txn_mode_delete(t, op->subject, NULL, err);
    if (!rc)
        snprintf(op->out, sizeof op->out, "%s", old ? old : "READWRITE");
    free(old);
    return rc;
}

enum sr_err sr_settings_delete_mode(struct sr_store *store, const char *subject,
                                    char out[SR_MODE_NAME_MAX], struct sr_error *err)
{
    struct mode_op op = {.subject = subject};
    enum sr_err rc = sr_store_run(store, true, delete_mode_txn, &op, err);
    if (!rc)
        memcpy(out, op.out, SR_MODE_NAME_MAX);
    return rc;
}

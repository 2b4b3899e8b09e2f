/*
 * settings.c - levels and modes, global and per subject; see settings.h.
 */
#include "server/settings.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/context.h"
#include "server/contracts.h"
#include "server/input.h"

static const char *const mode_names[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT",
                                         NULL};

/* ---- what is in force ---------------------------------------------------------- */

/* The keys of a config beyond compatibility and normalize, kept in the
 * record's extra object, in the order GET /config prints them. */
static const char *const extra_keys[] = {"alias",
                                         "compatibilityGroup",
                                         "validateFields",
                                         "defaultMetadata",
                                         "overrideMetadata",
                                         "defaultRuleSet",
                                         "overrideRuleSet",
                                         NULL};

void sr_effective_config_release(struct sr_effective_config *c)
{
    free(c->compatibility_group);
    free(c->alias);
    json_decref(c->default_metadata);
    json_decref(c->override_metadata);
    json_decref(c->default_ruleset);
    json_decref(c->override_ruleset);
    memset(c, 0, sizeof(*c));
}

/* Fills what c does not have yet from one scope's stored config. */
static void take_scope(struct sr_effective_config *c, const struct sr_config_rec *rec, bool own,
                       bool seen[3])
{
    enum sr_compat_level level;
    if (!seen[0] && rec->compatibility && sr_compat_level_parse(rec->compatibility, &level)) {
        c->level = level;
        seen[0] = true;
    }
    if (!seen[1] && rec->normalize >= 0) {
        c->normalize = rec->normalize;
        seen[1] = true;
    }
    json_t *extra = rec->extra ? json_loads(rec->extra, 0, NULL) : NULL;
    const json_t *v;
    if (!seen[2] && json_is_boolean(v = json_object_get(extra, "validateFields"))) {
        c->validate_fields = json_is_true(v);
        seen[2] = true;
    }
    if (!c->compatibility_group && json_is_string(v = json_object_get(extra, "compatibilityGroup")))
        c->compatibility_group = strdup(json_string_value(v));
    if (own && !c->alias && json_is_string(v = json_object_get(extra, "alias")) &&
        *json_string_value(v))
        c->alias = strdup(json_string_value(v));
    json_t **slots[] = {&c->default_metadata, &c->override_metadata, &c->default_ruleset,
                        &c->override_ruleset};
    for (size_t i = 0; i < 4; i++) {
        v = json_object_get(extra, extra_keys[3 + i]);
        if (!*slots[i] && json_is_object(v))
            *slots[i] = json_incref((json_t *)v);
    }
    json_decref(extra);
}

enum sr_err sr_settings_effective(struct sr_txn *t, const char *subject,
                                  struct sr_effective_config *out, struct sr_error *err)
{
    memset(out, 0, sizeof(*out));
    out->level = SR_LEVEL_BACKWARD;
    /* The scopes from the nearest: the subject, its context, the registry. */
    char context[SR_CONTEXT_MAX + 2] = "";
    if (subject)
        sr_context_label(subject, context);
    const char *scopes[3] = {subject, context[0] && strcmp(context, subject) != 0 ? context : NULL,
                             NULL};
    bool seen[3] = {false};
    enum sr_err rc = SR_OK;
    for (int i = subject ? 0 : 2; !rc && i < 3; i++) {
        if (i == 1 && !scopes[1])
            continue;
        struct sr_config_rec c = {0};
        bool found = false;
        rc = sr_txn_config_get(t, scopes[i], &c, &found, err);
        if (!rc && found)
            take_scope(out, &c, i == 0, seen);
        sr_config_rec_release(&c);
    }
    if (rc)
        sr_effective_config_release(out);
    return rc;
}

enum sr_err sr_settings_level(struct sr_txn *t, const char *subject, enum sr_compat_level *out,
                              struct sr_error *err)
{
    struct sr_effective_config c;
    enum sr_err rc = sr_settings_effective(t, subject, &c, err);
    *out = rc ? SR_LEVEL_BACKWARD : c.level;
    if (!rc)
        sr_effective_config_release(&c);
    return rc;
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

enum sr_err sr_settings_refuse_readonly(struct sr_txn *t, enum sr_api api, const char *subject,
                                        struct sr_error *err)
{
    char mode[SR_MODE_NAME_MAX];
    enum sr_err rc = sr_settings_mode(t, subject, mode, err);
    return rc ? rc : sr_settings_refuse_mode(api, subject, mode, err);
}

enum sr_err sr_settings_refuse_mode(enum sr_api api, const char *subject, const char *mode,
                                    struct sr_error *err)
{
    if (strncmp(mode, "READONLY", 8) != 0)
        return SR_OK;
    const char *name = subject ? subject : "__GLOBAL";
    if (api == SR_API_7)
        return sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
                         name);
    char label[SR_CONTEXT_MAX + 2] = "";
    if (subject)
        sr_context_label(subject, label);
    return sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED,
                     "Subject %s in context %s is in read-only mode", name, label);
}

/* ---- config --------------------------------------------------------------------------- */

struct config_op {
    const char *subject;
    enum sr_api api;
    bool default_to_global;
    struct sr_config_rec rec; /* in: to store (put); out: found (get, delete) */
};

static enum sr_err get_config_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct config_op *op = arg;
    bool found = false;
    sr_config_rec_release(&op->rec);
    enum sr_err rc = sr_txn_config_get(t, op->subject, &op->rec, &found, err);
    bool empty = !op->rec.compatibility && op->rec.normalize < 0 && !op->rec.extra;
    bool fallback = !rc && op->subject && (!found || empty);
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
    struct config_op op = {subject, SR_API_8, default_to_global, {.normalize = -1}};
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
    enum sr_err rc = sr_settings_refuse_readonly(t, op->api, op->subject, err);
    return rc ? rc : sr_txn_config_put(t, op->subject, &op->rec, err);
}

enum sr_err sr_settings_parse_level(const char *text, enum sr_compat_level *out,
                                    struct sr_error *err)
{
    if (text && sr_compat_level_parse(text, out))
        return SR_OK;
    return sr_errorf(err, SR_ERR_INVALID_COMPATIBILITY_LEVEL,
                     "Invalid compatibility level. Valid values are none, backward, forward, "
                     "full, backward_transitive, forward_transitive, and full_transitive");
}

enum sr_err sr_settings_put_config(struct sr_store *store, const char *subject, const char *level,
                                   int normalize, const char **stored_out, struct sr_error *err)
{
    enum sr_compat_level parsed;
    enum sr_err rc = sr_settings_parse_level(level, &parsed, err);
    if (!rc && subject)
        rc = sr_input_subject(subject, err);
    if (rc)
        return rc;
    /* The level name is static and only read: the record borrows it. */
    struct config_op op = {
        .subject = subject,
        .api = SR_API_7,
        .rec = {.compatibility = (char *)sr_compat_level_name(parsed), .normalize = normalize}};
    rc = sr_store_run(store, true, put_config_txn, &op, err);
    if (!rc)
        *stored_out = sr_compat_level_name(parsed);
    return rc;
}

/* ---- PUT with every key ---- */

struct config_doc_op {
    const char *subject;
    enum sr_api api;
    json_t *changes; /* the keys to set, checked and canonical */
};

/* The stored record with changes applied over it. */
static enum sr_err merged_record(struct sr_txn *t, const char *subject, const json_t *changes,
                                 struct sr_config_rec *out, struct sr_error *err)
{
    bool found = false;
    enum sr_err rc = sr_txn_config_get(t, subject, out, &found, err);
    if (rc)
        return rc;
    if (!found)
        out->normalize = -1;
    const json_t *v = json_object_get(changes, "compatibility");
    if (v) {
        free(out->compatibility);
        out->compatibility = strdup(json_string_value(v));
    }
    if ((v = json_object_get(changes, "normalize")))
        out->normalize = json_is_true(v);
    json_t *extra = out->extra ? json_loads(out->extra, 0, NULL) : NULL;
    if (!json_is_object(extra)) {
        json_decref(extra);
        extra = json_object();
    }
    for (size_t i = 0; extra_keys[i]; i++)
        if ((v = json_object_get(changes, extra_keys[i])))
            json_object_set(extra, extra_keys[i], (json_t *)v);
    free(out->extra);
    out->extra = json_object_size(extra) ? json_dumps(extra, JSON_COMPACT) : NULL;
    json_decref(extra);
    if ((json_object_get(changes, "compatibility") && !out->compatibility))
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    return SR_OK;
}

static enum sr_err put_config_doc_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct config_doc_op *op = arg;
    struct sr_config_rec rec = {0};
    enum sr_err rc = sr_settings_refuse_readonly(t, op->api, op->subject, err);
    if (!rc)
        rc = merged_record(t, op->subject, op->changes, &rec, err);
    if (!rc)
        rc = sr_txn_config_put(t, op->subject, &rec, err);
    sr_config_rec_release(&rec);
    return rc;
}

static enum sr_err wrong_type(const char *key, const char *want, struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_BAD_REQUEST, "Invalid request: \"%s\" must be %s", key, want);
}

/* One key of the request, checked, into changes in its stored form. */
static enum sr_err read_config_key(const char *key, const json_t *v, json_t *changes,
                                   struct sr_error *err)
{
    json_t *canonical = NULL;
    enum sr_err rc = SR_OK;
    if (strcmp(key, "normalize") == 0 || strcmp(key, "validateFields") == 0) {
        if (!json_is_boolean(v))
            return wrong_type(key, "true or false", err);
        canonical = json_incref((json_t *)v);
    } else if (strcmp(key, "alias") == 0 || strcmp(key, "compatibilityGroup") == 0) {
        if (!json_is_string(v))
            return wrong_type(key, "a string", err);
        canonical = json_incref((json_t *)v);
    } else if (strstr(key, "Metadata")) {
        rc = sr_contracts_metadata(v, key, &canonical, err);
    } else {
        rc = sr_contracts_ruleset(v, key, &canonical, err);
    }
    if (!rc)
        json_object_set_new(changes, key, canonical);
    return rc;
}

/* The request's keys, checked: changes to apply, in their stored form. */
static enum sr_err read_config_doc(const json_t *request, bool require_level, json_t **out,
                                   struct sr_error *err)
{
    const json_t *level = json_object_get(request, "compatibility");
    enum sr_compat_level parsed;
    bool has_level = level && !json_is_null(level);
    if ((require_level || has_level) &&
        (!json_is_string(level) || !sr_compat_level_parse(json_string_value(level), &parsed)))
        return sr_errorf(err, SR_ERR_INVALID_COMPATIBILITY_LEVEL,
                         "Invalid compatibility level. Valid values are none, backward, forward, "
                         "full, backward_transitive, forward_transitive, and full_transitive");
    json_t *changes = json_object();
    if (has_level)
        json_object_set_new(changes, "compatibility", json_string(sr_compat_level_name(parsed)));
    static const char *const keys[] = {"normalize",      "alias",           "compatibilityGroup",
                                       "validateFields", "defaultMetadata", "overrideMetadata",
                                       "defaultRuleSet", "overrideRuleSet", NULL};
    enum sr_err rc = SR_OK;
    for (size_t i = 0; !rc && keys[i]; i++) {
        const json_t *v = json_object_get(request, keys[i]);
        if (v && !json_is_null(v))
            rc = read_config_key(keys[i], v, changes, err);
    }
    if (rc)
        json_decref(changes);
    else
        *out = changes;
    return rc;
}

enum sr_err sr_settings_put_config_doc(struct sr_store *store, const char *subject,
                                       const json_t *request, enum sr_api api, json_t **echo_out,
                                       struct sr_error *err)
{
    bool require_level = api == SR_API_7;
    if (!json_is_object(request)) /* Jackson cannot map it: 400, as rest-utils answers */
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "The body must be a JSON object");
    json_t *changes = NULL;
    enum sr_err rc = read_config_doc(request, require_level, &changes, err);
    if (!rc && subject)
        rc = sr_input_subject(subject, err);
    struct config_doc_op op = {subject, api, changes};
    if (!rc)
        rc = sr_store_run(store, true, put_config_doc_txn, &op, err);
    if (rc)
        json_decref(changes);
    else
        *echo_out = changes;
    return rc;
}

json_t *sr_settings_config_body(const struct sr_config_rec *c, const char *fallback)
{
    const char *level = c && c->compatibility ? c->compatibility : fallback;
    json_t *doc = level ? json_pack("{s:s}", "compatibilityLevel", level) : json_object();
    if (!doc || !c)
        return doc;
    if (c->normalize >= 0)
        json_object_set_new(doc, "normalize", json_boolean(c->normalize));
    json_t *extra = c->extra ? json_loads(c->extra, 0, NULL) : NULL;
    for (size_t i = 0; extra_keys[i]; i++) {
        json_t *v = json_object_get(extra, extra_keys[i]);
        if (v)
            json_object_set(doc, extra_keys[i], v);
    }
    json_decref(extra);
    return doc;
}

static enum sr_err delete_config_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct config_op *op = arg;
    bool found = false;
    sr_config_rec_release(&op->rec);
    enum sr_err rc = sr_settings_refuse_readonly(t, op->api, op->subject, err);
    if (!rc)
        rc = sr_txn_config_get(t, op->subject, &op->rec, &found, err);
    if (!rc && op->subject && !found)
        rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", op->subject);
    return rc ? rc : sr_txn_config_delete(t, op->subject, NULL, err);
}

enum sr_err sr_settings_delete_config(struct sr_store *store, enum sr_api api, const char *subject,
                                      struct sr_config_rec *old_out, struct sr_error *err)
{
    struct config_op op = {.subject = subject, .api = api, .rec = {.normalize = -1}};
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

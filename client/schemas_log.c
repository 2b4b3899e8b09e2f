/*
 * schemas_log.c - replaying a Confluent or Karapace `_schemas` topic.
 *
 * Confluent's registry keeps its state in a compacted topic of JSON keys
 * and values (storage/SchemaKey, SchemaValue, ConfigKey, ConfigValue,
 * ModeKey, ModeValue, DeleteSubjectKey/Value, ClearSubjectKey/Value, NoopKey
 * in its sources). Its reader keeps the last value of every key (a null
 * value removes the key) and its KafkaStoreMessageHandler adds:
 *
 *   - SCHEMA {subject, version, magic}: the value is the subject-version
 *     {subject, version, id, schema, schemaType, references, metadata,
 *     ruleSet, deleted}; deleted=true is a soft delete; a null value (a
 *     tombstone) removes the version for good. A value whose id already
 *     holds another schema (compared as text) is not applied: Confluent's
 *     validateUpdate logs it and skips it. The key's magic byte must be 0 or
 *     1 (validateMagicByte);
 *   - CONFIG and MODE {subject}: a subject's settings, or the global ones
 *     when the key has no subject; null removes them;
 *   - DELETE_SUBJECT {subject}: value {subject, version} soft-deletes the
 *     versions 1..version it holds;
 *   - CLEAR_SUBJECT {subject}: value {subject} drops the subject's
 *     soft-deleted versions (every subject's when subject is null);
 *   - a tombstone of any key but SCHEMA carries nothing for the handler
 *     ("ignore non-schema tombstone"), but the reader still forgets the key:
 *     for CONFIG and MODE that removes the setting;
 *   - NOOP (the reader's own markers) and CONTEXT carry no registry state.
 *
 * Subjects qualified with a context other than the default (":.ctx:name")
 * cannot live in this registry and are rejected; ":.:name" is "name".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/migrate_int.h"

struct log_version {
    int32_t version;
    bool deleted;
    struct ar_schema_ent schema; /* its id and content */
};

struct log_subject {
    char *name;
    struct log_version *versions; /* sorted by version */
    size_t count, cap;
    char *compat; /* ConfigValue.compatibilityLevel */
    int normalize;
    char *mode;
    bool touched;
};

/* How many stored versions carry an id, and its text: what Confluent's
 * duplicate-id check compares. */
struct id_use {
    char key[16];
    char *text;
    size_t holders;
};

struct avroreg_schemas_log {
    struct sr_strmap subjects; /* name -> struct log_subject * */
    struct log_subject **list;
    size_t count, cap;
    struct sr_strmap ids; /* decimal id -> struct id_use * */
    struct id_use **uses;
    size_t use_count, use_cap;
    char *compat; /* the global config and mode */
    int normalize;
    char *mode;
    bool global_touched;
};

enum avroreg_err avroreg_schemas_log_new(struct avroreg_schemas_log **out,
                                         struct avroreg_error *err)
{
    struct avroreg_schemas_log *log = out ? calloc(1, sizeof(*log)) : NULL;
    if (!out)
        return ar_error(err, AVROREG_ERR_ARG, "an output is needed");
    if (!log)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    sr_strmap_init(&log->subjects, NULL);
    sr_strmap_init(&log->ids, NULL);
    log->normalize = -1;
    *out = log;
    return AVROREG_OK;
}

void avroreg_schemas_log_free(struct avroreg_schemas_log *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->count; i++) {
        struct log_subject *s = log->list[i];
        for (size_t v = 0; v < s->count; v++)
            ar_schema_ent_release(&s->versions[v].schema);
        free(s->versions);
        free(s->name);
        free(s->compat);
        free(s->mode);
        free(s);
    }
    for (size_t i = 0; i < log->use_count; i++) {
        free(log->uses[i]->text);
        free(log->uses[i]);
    }
    free(log->list);
    free(log->uses);
    free(log->compat);
    free(log->mode);
    sr_strmap_release(&log->subjects);
    sr_strmap_release(&log->ids);
    free(log);
}

static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 32;
    void *grown = realloc(*items, want * size);
    if (!grown)
        return false;
    *items = grown;
    *cap = want;
    return true;
}

static struct log_subject *subject_of(struct avroreg_schemas_log *log, const char *name,
                                      bool create)
{
    struct log_subject *s = sr_strmap_get(&log->subjects, name);
    if (s || !create)
        return s;
    if (!grow((void **)&log->list, &log->cap, log->count, sizeof(*log->list)) ||
        !(s = calloc(1, sizeof(*s))))
        return NULL;
    s->normalize = -1;
    if (!(s->name = strdup(name)) || !sr_strmap_put(&log->subjects, s->name, s)) {
        free(s->name);
        free(s);
        return NULL;
    }
    log->list[log->count++] = s;
    return s;
}

static struct id_use *use_of(struct avroreg_schemas_log *log, int32_t id, bool create)
{
    char key[16];
    snprintf(key, sizeof(key), "%d", id);
    struct id_use *u = sr_strmap_get(&log->ids, key);
    if (u || !create)
        return u;
    if (!grow((void **)&log->uses, &log->use_cap, log->use_count, sizeof(*log->uses)) ||
        !(u = calloc(1, sizeof(*u))))
        return NULL;
    memcpy(u->key, key, sizeof(key));
    if (!sr_strmap_put(&log->ids, u->key, u)) {
        free(u);
        return NULL;
    }
    log->uses[log->use_count++] = u;
    return u;
}

static void drop_use(struct avroreg_schemas_log *log, int32_t id)
{
    struct id_use *u = use_of(log, id, false);
    if (u && u->holders && --u->holders == 0) {
        free(u->text);
        u->text = NULL;
    }
}

/* ---- reading records -------------------------------------------------------------------- */

static enum avroreg_err bad(struct avroreg_error *err, const char *what)
{
    return ar_error(err, AVROREG_ERR_FORMAT, "%s", what);
}

/* The subject a key or value names in the default context; NULL when it has
 * none. *other_context is set for a subject of another context. */
static const char *plain_subject(const json_t *obj, bool *other_context)
{
    const char *s = json_string_value(json_object_get(obj, "subject"));
    *other_context = false;
    if (!s || strncmp(s, ":.", 2) != 0)
        return s;
    if (strncmp(s, ":.:", 3) == 0)
        return s + 3;
    *other_context = true;
    return s;
}

static json_t *load(const void *data, size_t len, json_error_t *jerr)
{
    json_t *doc = json_loadb(data, len, 0, jerr);
    if (doc && !json_is_object(doc)) {
        json_decref(doc);
        snprintf(jerr->text, sizeof(jerr->text), "not a JSON object");
        return NULL;
    }
    return doc;
}

static size_t version_slot(const struct log_subject *s, int32_t version, bool *found)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->versions[mid].version < version)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < s->count && s->versions[lo].version == version;
    return lo;
}

static void remove_version(struct avroreg_schemas_log *log, struct log_subject *s, size_t at)
{
    drop_use(log, s->versions[at].schema.id);
    ar_schema_ent_release(&s->versions[at].schema);
    memmove(&s->versions[at], &s->versions[at + 1], (s->count - at - 1) * sizeof(*s->versions));
    s->count--;
}

static enum avroreg_err put_version(struct avroreg_schemas_log *log, struct log_subject *s,
                                    int32_t version, bool deleted, struct ar_schema_ent *ent,
                                    struct avroreg_error *err)
{
    bool found = false;
    size_t at = version_slot(s, version, &found);
    struct id_use *u = use_of(log, ent->id, true);
    if (!u || (!u->text && !(u->text = strdup(ent->text))) ||
        (!found && !grow((void **)&s->versions, &s->cap, s->count, sizeof(*s->versions)))) {
        ar_schema_ent_release(ent);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    u->holders++;
    if (found) {
        drop_use(log, s->versions[at].schema.id);
        ar_schema_ent_release(&s->versions[at].schema);
    } else {
        memmove(&s->versions[at + 1], &s->versions[at], (s->count - at) * sizeof(*s->versions));
        s->count++;
    }
    s->versions[at] = (struct log_version){version, deleted, *ent};
    memset(ent, 0, sizeof(*ent));
    return AVROREG_OK;
}

static enum avroreg_err apply_schema(struct avroreg_schemas_log *log, const json_t *key,
                                     const json_t *value, enum avroreg_log_outcome *outcome,
                                     struct avroreg_error *err)
{
    bool elsewhere = false;
    const char *name = plain_subject(key, &elsewhere);
    const json_t *version = json_object_get(key, "version");
    const json_t *magic = json_object_get(key, "magic");
    if (!name || !json_is_integer(version) || json_integer_value(version) < 1 ||
        json_integer_value(version) > INT32_MAX)
        return bad(err, "a SCHEMA key needs a \"subject\" string and a \"version\" from 1");
    if (magic && (!json_is_integer(magic) ||
                  (json_integer_value(magic) != 0 && json_integer_value(magic) != 1)))
        return bad(err, "a SCHEMA key's magic byte must be 0 or 1");
    const json_t *id = json_object_get(value, "id");
    const json_t *deleted = json_object_get(value, "deleted");
    if (value && (!json_is_integer(id) || json_integer_value(id) < 0 ||
                  json_integer_value(id) > INT32_MAX || (deleted && !json_is_boolean(deleted))))
        return bad(err, "a SCHEMA value needs an integer \"id\" (and a boolean \"deleted\")");
    struct ar_schema_ent ent = {0};
    enum avroreg_err rc =
        value ? ar_schema_ent_read(value, (int32_t)json_integer_value(id), &ent, err) : AVROREG_OK;
    if (rc)
        return rc;
    if (elsewhere) {
        ar_schema_ent_release(&ent);
        *outcome = AVROREG_LOG_REJECTED;
        return ar_error(err, AVROREG_OK,
                        "subject '%s' is in another context than the "
                        "default one, which this registry does not have",
                        name);
    }
    int32_t v = (int32_t)json_integer_value(version);
    struct log_subject *s = subject_of(log, name, value != NULL);
    if (!value) { /* a tombstone: gone for good */
        bool found = false;
        size_t at = s ? version_slot(s, v, &found) : 0;
        if (found) {
            remove_version(log, s, at);
            s->touched = true;
        }
        *outcome = found ? AVROREG_LOG_APPLIED : AVROREG_LOG_IGNORED;
        return AVROREG_OK;
    }
    if (!s) {
        ar_schema_ent_release(&ent);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    const struct id_use *u = use_of(log, ent.id, false);
    if (u && u->holders && strcmp(u->text, ent.text) != 0) {
        *outcome = AVROREG_LOG_REJECTED;
        ar_error(err, AVROREG_OK,
                 "subject '%s' version %d: schema id %d already holds another schema (Confluent "
                 "skips such a record too)",
                 name, v, ent.id);
        ar_schema_ent_release(&ent);
        return AVROREG_OK;
    }
    rc = put_version(log, s, v, json_is_true(deleted), &ent, err);
    if (!rc) {
        s->touched = true;
        *outcome = AVROREG_LOG_APPLIED;
    }
    return rc;
}

/* CONFIG and MODE: a subject's, or the global one. */
static enum avroreg_err apply_setting(struct avroreg_schemas_log *log, bool config,
                                      const json_t *key, const json_t *value,
                                      enum avroreg_log_outcome *outcome, struct avroreg_error *err)
{
    bool elsewhere = false;
    const char *name = plain_subject(key, &elsewhere);
    const json_t *level = json_object_get(value, "compatibilityLevel");
    const json_t *normalize = json_object_get(value, "normalize");
    const json_t *mode = json_object_get(value, "mode");
    if (config && value &&
        ((level && !json_is_null(level) && !json_is_string(level)) ||
         (normalize && !json_is_null(normalize) && !json_is_boolean(normalize))))
        return bad(err, "a CONFIG value's compatibilityLevel must be a string, normalize a "
                        "boolean");
    if (!config && value && !json_is_string(mode))
        return bad(err, "a MODE value needs a \"mode\" string");
    if (elsewhere) {
        *outcome = AVROREG_LOG_REJECTED;
        return ar_error(err, AVROREG_OK,
                        "subject '%s' is in another context than the "
                        "default one, which this registry does not have",
                        name);
    }
    struct log_subject *s = name ? subject_of(log, name, true) : NULL;
    if (name && !s)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    char **compat_slot = s ? &s->compat : &log->compat;
    char **mode_slot = s ? &s->mode : &log->mode;
    char *text = NULL;
    const char *src = config ? json_string_value(level) : json_string_value(mode);
    if (src && !(text = strdup(src)))
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    if (config) {
        free(*compat_slot);
        *compat_slot = text;
        *(s ? &s->normalize : &log->normalize) =
            json_is_boolean(normalize) ? json_is_true(normalize) : -1;
    } else {
        free(*mode_slot);
        *mode_slot = text;
    }
    if (s)
        s->touched = true;
    else
        log->global_touched = true;
    *outcome = AVROREG_LOG_APPLIED;
    return AVROREG_OK;
}

static enum avroreg_err apply_delete_subject(struct avroreg_schemas_log *log, const json_t *value,
                                             enum avroreg_log_outcome *outcome,
                                             struct avroreg_error *err)
{
    bool elsewhere = false;
    const char *name = plain_subject(value, &elsewhere);
    const json_t *upto = json_object_get(value, "version");
    if (!name || !json_is_integer(upto))
        return bad(err, "a DELETE_SUBJECT value needs a \"subject\" string and a \"version\"");
    struct log_subject *s = elsewhere ? NULL : subject_of(log, name, false);
    for (size_t i = 0; s && i < s->count; i++)
        if (s->versions[i].version <= json_integer_value(upto))
            s->versions[i].deleted = true;
    if (s)
        s->touched = true;
    *outcome = s ? AVROREG_LOG_APPLIED : AVROREG_LOG_IGNORED;
    return AVROREG_OK;
}

static void clear_subject(struct avroreg_schemas_log *log, struct log_subject *s)
{
    for (size_t i = s->count; i-- > 0;)
        if (s->versions[i].deleted) {
            remove_version(log, s, i);
            s->touched = true;
        }
}

static enum avroreg_err apply_clear_subject(struct avroreg_schemas_log *log, const json_t *value,
                                            enum avroreg_log_outcome *outcome)
{
    bool elsewhere = false;
    const char *name = plain_subject(value, &elsewhere);
    if (elsewhere) {
        *outcome = AVROREG_LOG_IGNORED;
        return AVROREG_OK;
    }
    for (size_t i = 0; i < log->count; i++)
        if (!name || strcmp(log->list[i]->name, name) == 0)
            clear_subject(log, log->list[i]);
    *outcome = AVROREG_LOG_APPLIED;
    return AVROREG_OK;
}

enum avroreg_err avroreg_schemas_log_apply(struct avroreg_schemas_log *log, const void *key,
                                           size_t key_len, const void *value, size_t value_len,
                                           enum avroreg_log_outcome *outcome_out,
                                           struct avroreg_error *err)
{
    if (!log || !outcome_out)
        return ar_error(err, AVROREG_ERR_ARG, "a log and an outcome are needed");
    if (!key)
        return bad(err, "a record without a key");
    json_error_t jerr;
    json_t *k = load(key, key_len, &jerr), *v = NULL;
    if (!k)
        return ar_error(err, AVROREG_ERR_FORMAT, "the key is not a JSON object: %s", jerr.text);
    if (value && !(v = load(value, value_len, &jerr))) {
        json_decref(k);
        return ar_error(err, AVROREG_ERR_FORMAT, "the value is not a JSON object: %s", jerr.text);
    }
    const char *type = json_string_value(json_object_get(k, "keytype"));
    enum avroreg_err rc = AVROREG_OK;
    enum avroreg_log_outcome outcome = AVROREG_LOG_IGNORED;
    if (!type)
        rc = bad(err, "the key has no \"keytype\"");
    else if (strcmp(type, "SCHEMA") == 0)
        rc = apply_schema(log, k, v, &outcome, err);
    else if (strcmp(type, "CONFIG") == 0 || strcmp(type, "MODE") == 0)
        rc = apply_setting(log, strcmp(type, "CONFIG") == 0, k, v, &outcome, err);
    else if (strcmp(type, "DELETE_SUBJECT") == 0)
        rc = v ? apply_delete_subject(log, v, &outcome, err) : AVROREG_OK;
    else if (strcmp(type, "CLEAR_SUBJECT") == 0)
        rc = v ? apply_clear_subject(log, v, &outcome) : AVROREG_OK;
    else if (strcmp(type, "NOOP") != 0 && strcmp(type, "CONTEXT") != 0)
        rc = ar_error(err, AVROREG_ERR_FORMAT, "unknown keytype '%s'", type);
    json_decref(k);
    json_decref(v);
    if (!rc)
        *outcome_out = outcome;
    return rc;
}

/* ---- the state as a snapshot ------------------------------------------------------------------
 */

static enum avroreg_err copy_schema(const struct ar_schema_ent *from, struct ar_schema_ent *to,
                                    struct avroreg_error *err)
{
    memset(to, 0, sizeof(*to));
    to->id = from->id;
    to->type = strdup(from->type);
    to->text = strdup(from->text);
    to->refs = from->refs ? json_deep_copy(from->refs) : NULL;
    to->metadata = from->metadata ? json_deep_copy(from->metadata) : NULL;
    to->ruleset = from->ruleset ? json_deep_copy(from->ruleset) : NULL;
    if (!to->type || !to->text || (from->refs && !to->refs) || (from->metadata && !to->metadata) ||
        (from->ruleset && !to->ruleset)) {
        ar_schema_ent_release(to);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    return AVROREG_OK;
}

static bool dup_opt(const char *from, char **to)
{
    *to = from ? strdup(from) : NULL;
    return !from || *to;
}

static enum avroreg_err add_subject(struct avroreg_snapshot *snap, const struct log_subject *ls,
                                    struct avroreg_error *err)
{
    if (!ls->count && !ls->compat && !ls->mode && ls->normalize < 0)
        return AVROREG_OK; /* nothing left of it */
    struct ar_subject_ent *s = ar_snap_subject(snap, ls->name, true);
    if (!s || !dup_opt(ls->compat, &s->compat) || !dup_opt(ls->mode, &s->mode))
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    s->normalize = ls->normalize;
    enum avroreg_err rc = AVROREG_OK;
    for (size_t i = 0; !rc && i < ls->count; i++) {
        const struct log_version *v = &ls->versions[i];
        struct ar_schema_ent copy;
        rc = copy_schema(&v->schema, &copy, err);
        if (!rc)
            rc = ar_snap_add_schema(snap, &copy, err);
        if (!rc)
            rc = ar_subject_add_version(s, v->version, v->schema.id, v->deleted, err);
    }
    return rc;
}

enum avroreg_err avroreg_schemas_log_snapshot(const struct avroreg_schemas_log *log,
                                              struct avroreg_snapshot **out,
                                              struct avroreg_error *err)
{
    if (!log || !out)
        return ar_error(err, AVROREG_ERR_ARG, "a log and an output are needed");
    struct avroreg_snapshot *snap = ar_snap_new();
    enum avroreg_err rc = AVROREG_OK;
    if (!snap || !dup_opt(log->compat, &snap->compat) || !dup_opt(log->mode, &snap->mode))
        rc = ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    if (snap)
        snap->normalize = log->normalize;
    for (size_t i = 0; !rc && i < log->count; i++)
        rc = add_subject(snap, log->list[i], err);
    if (!rc)
        rc = ar_snap_seal(snap, err);
    if (rc) {
        avroreg_snapshot_free(snap);
        return rc;
    }
    *out = snap;
    return AVROREG_OK;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum avroreg_err avroreg_schemas_log_take_changes(struct avroreg_schemas_log *log,
                                                  char ***subjects_out, size_t *count_out,
                                                  bool *global_out, struct avroreg_error *err)
{
    if (!log || !subjects_out || !count_out)
        return ar_error(err, AVROREG_ERR_ARG, "a log and outputs are needed");
    size_t n = 0;
    for (size_t i = 0; i < log->count; i++)
        n += log->list[i]->touched;
    char **names = calloc(n + 1, sizeof(*names));
    if (!names)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < log->count; i++) {
        if (!log->list[i]->touched)
            continue;
        if (!(names[k] = strdup(log->list[i]->name))) {
            ar_strings_free(names, k);
            return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
        }
        k++;
    }
    for (size_t i = 0; i < log->count; i++)
        log->list[i]->touched = false;
    if (k)
        qsort(names, k, sizeof(*names), by_string);
    *subjects_out = names;
    *count_out = k;
    if (global_out)
        *global_out = log->global_touched;
    log->global_touched = false;
    return AVROREG_OK;
}

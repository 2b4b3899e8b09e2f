/*
 * registry.c - the registry object, its caches, stored-schema loading, request
 * inputs, subjects, versions, levels and modes.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/jout.h"
#include "server/registry_int.h"

/* Enough parsed schemas for the working set of compatibility checks; bodies
 * are small and serve the hottest endpoint, so more of them. Both are also
 * capped in bytes, so that memory stays bounded whatever the schemas' size
 * (a parsed schema takes some twenty times its text). */
#define SCHEMA_CACHE_ENTRIES 4096
#define SCHEMA_CACHE_BYTES (32u << 20)
#define BODY_CACHE_ENTRIES 65536
#define BODY_CACHE_BYTES (16u << 20)
#define REGISTRATION_CACHE_ENTRIES 16384
#define REGISTRATION_CACHE_BYTES (16u << 20)
#define MAX_REFERENCE_DEPTH 32

static void *schema_ref(void *v)
{
    return sr_schema_ref(v);
}

static void schema_unref(void *v)
{
    sr_schema_free(v);
}

static void *body_ref(void *v)
{
    atomic_fetch_add((_Atomic int *)&((struct sr_body *)v)->refs, 1);
    return v;
}

static void body_unref(void *v)
{
    struct sr_body *b = v;
    if (b && atomic_fetch_sub((_Atomic int *)&b->refs, 1) == 1)
        free(b);
}

enum sr_err sr_registry_open(struct sr_store *store, struct sr_registry **out, struct sr_error *err)
{
    struct sr_registry *r = calloc(1, sizeof(*r));
    if (r) {
        r->store = store;
        r->schemas =
            sr_idcache_new(SCHEMA_CACHE_ENTRIES, SCHEMA_CACHE_BYTES, schema_ref, schema_unref);
        r->bodies = sr_idcache_new(BODY_CACHE_ENTRIES, BODY_CACHE_BYTES, body_ref, body_unref);
        r->registrations = sr_regcache_new(REGISTRATION_CACHE_ENTRIES, REGISTRATION_CACHE_BYTES);
    }
    if (!r || !r->schemas || !r->bodies || !r->registrations) {
        sr_registry_close(r);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    *out = r;
    return SR_OK;
}

void sr_registry_close(struct sr_registry *r)
{
    if (!r)
        return;
    sr_idcache_free(r->schemas);
    sr_idcache_free(r->bodies);
    sr_regcache_free(r->registrations);
    free(r);
}

struct sr_store *sr_registry_store(struct sr_registry *r)
{
    return r->store;
}

bool sr_registry_recall(struct sr_registry *r, const char *subject, const char *body, size_t len,
                        int64_t *id_out)
{
    return sr_regcache_get(r->registrations, subject, body, len, id_out);
}

uint64_t sr_registry_generation(struct sr_registry *r)
{
    return sr_regcache_generation(r->registrations);
}

void sr_registry_remember(struct sr_registry *r, uint64_t generation, const char *subject,
                          const char *body, size_t len, int64_t id)
{
    sr_regcache_put(r->registrations, generation, subject, body, len, id);
}

void sr_registry_forget(struct sr_registry *r, int64_t id)
{
    sr_idcache_remove(r->schemas, id);
    sr_idcache_remove(r->bodies, id);
}

bool sr_str_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* ---- subjects and versions ------------------------------------------------ */

enum sr_err sr_registry_check_subject(const char *subject, struct sr_error *err)
{
    bool bad = strcmp(subject, "__GLOBAL") == 0 || strcmp(subject, "__EMPTY") == 0;
    for (const unsigned char *c = (const unsigned char *)subject; *c && !bad; c++)
        bad = *c < 0x20 || *c == 0x7f || (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f);
    if (bad)
        return sr_errorf(err, SR_ERR_INVALID_SUBJECT, "The specified subject '%s' is not a valid.",
                         subject);
    return SR_OK;
}

enum sr_err sr_parse_version(const char *text, int32_t *out, struct sr_error *err)
{
    if (strcmp(text, "latest") == 0) {
        *out = -1;
        return SR_OK;
    }
    char *end;
    long long v = strtoll(text, &end, 10);
    /* strtoll skips leading spaces; Java's Integer.valueOf does not. */
    bool digits = *text && !isspace((unsigned char)*text) && *end == '\0';
    if (digits && (v == -1 || (v >= 1 && v <= INT32_MAX))) {
        *out = (int32_t)v;
        return SR_OK;
    }
    return sr_errorf(err, SR_ERR_INVALID_VERSION,
                     "The specified version '%s' is not a valid version id. Allowed values are "
                     "between [1, 2^31-1] and the string \"latest\"",
                     text);
}

/* ---- loading stored schemas ------------------------------------------------- */

static enum sr_err load_depth(struct sr_registry *r, struct sr_txn *t, int64_t id, int depth,
                              struct sr_schema **out, struct sr_error *err);

/* Resolves a stored or requested reference list (JSON array of {name, subject,
 * version}) to parsed schemas. refs_out (may be NULL) receives the resolved
 * reference rows, and with them ids_out the schema id each row carried. */
static enum sr_err resolve_refs(struct sr_registry *r, struct sr_txn *t, const json_t *list,
                                int depth, struct sr_schema ***schemas_out,
                                struct sr_ref **refs_out, int64_t **ids_out, size_t *count_out,
                                struct sr_error *err)
{
    size_t n = json_array_size(list);
    struct sr_schema **schemas = calloc(n ? n : 1, sizeof(*schemas));
    struct sr_ref *refs = calloc(n ? n : 1, sizeof(*refs));
    int64_t *ids = calloc(n ? n : 1, sizeof(*ids));
    enum sr_err rc = schemas && refs && ids ? SR_OK : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    size_t done = 0;
    for (; !rc && done < n; done++) {
        const json_t *ref = json_array_get(list, done);
        const char *name = json_string_value(json_object_get(ref, "name"));
        const char *subject = json_string_value(json_object_get(ref, "subject"));
        const json_t *version = json_object_get(ref, "version");
        if (!name || !subject || !json_is_integer(version)) {
            rc = sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                           "Invalid schema: each reference needs a string \"name\", a string "
                           "\"subject\" and an integer \"version\"");
            break;
        }
        struct sr_version_rec v = {0};
        struct sr_error lookup = {0};
        json_int_t want = json_integer_value(version);
        if (want < -1 || want > INT32_MAX ||
            sr_txn_version_get(t, subject, (int32_t)want, want != -1, &v, &lookup)) {
            if (lookup.code == SR_ERR_INTERNAL)
                rc = sr_errorf(err, SR_ERR_INTERNAL, "%s", lookup.message);
            else
                rc = sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                               "Invalid schema: reference '%s' names subject '%s' version %lld, "
                               "which does not exist",
                               name, subject, (long long)want);
            break;
        }
        refs[done] = (struct sr_ref){strdup(name), strdup(subject), v.version};
        ids[done] = v.id;
        rc = load_depth(r, t, v.id, depth + 1, &schemas[done], err);
        sr_version_rec_release(&v);
    }
    if (rc) {
        for (size_t i = 0; i < done + (rc ? 1 : 0) && i < n; i++) {
            sr_schema_free(schemas ? schemas[i] : NULL);
            if (refs) {
                free(refs[i].name);
                free(refs[i].subject);
            }
        }
        free(schemas);
        free(refs);
        free(ids);
        return rc;
    }
    *schemas_out = schemas;
    *count_out = n;
    if (refs_out) {
        *refs_out = refs;
        *ids_out = ids;
    } else {
        free(ids);
        for (size_t i = 0; i < n; i++) {
            free(refs[i].name);
            free(refs[i].subject);
        }
        free(refs);
    }
    return SR_OK;
}

static void free_schemas(struct sr_schema **schemas, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sr_schema_free(schemas[i]);
    free(schemas);
}

static enum sr_err parse_stored(struct sr_registry *r, struct sr_txn *t,
                                const struct sr_schema_rec *rec, int depth, struct sr_schema **out,
                                struct sr_error *err)
{
    json_t *refs = NULL;
    if (rec->refs && !(refs = json_loads(rec->refs, 0, NULL)))
        return sr_errorf(err, SR_ERR_INTERNAL, "stored references of schema %lld are not JSON",
                         (long long)rec->id);
    struct sr_schema **deps = NULL;
    size_t dep_count = 0;
    enum sr_err rc = resolve_refs(r, t, refs, depth, &deps, NULL, NULL, &dep_count, err);
    json_decref(refs);
    if (rc)
        return rc;
    struct sr_parse_opts opts = {.refs = deps, .ref_count = dep_count, .validate_defaults = false};
    struct sr_error perr = {0};
    rc = sr_schema_parse(rec->schema, strlen(rec->schema), &opts, out, &perr);
    free_schemas(deps, dep_count);
    if (rc)
        return sr_errorf(err, SR_ERR_INTERNAL, "stored schema %lld no longer parses: %s",
                         (long long)rec->id, perr.message);
    return SR_OK;
}

static enum sr_err load_depth(struct sr_registry *r, struct sr_txn *t, int64_t id, int depth,
                              struct sr_schema **out, struct sr_error *err)
{
    if (depth > MAX_REFERENCE_DEPTH)
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid schema: references nest more than %d deep (or form a cycle)",
                         MAX_REFERENCE_DEPTH);
    if ((*out = sr_idcache_get(r->schemas, id)))
        return SR_OK;
    /* t's snapshot may predate a permanent delete of id whose remove comes
     * after this stamp; but a deleted id is then in no version row a later
     * snapshot reads, and an IMPORT that reuses it forgets it again. */
    uint64_t stamp = sr_idcache_stamp(r->schemas);
    struct sr_schema_rec rec = {0};
    enum sr_err rc = sr_txn_schema_get(t, id, &rec, err);
    if (!rc)
        rc = parse_stored(r, t, &rec, depth, out, err);
    sr_schema_rec_release(&rec);
    if (!rc)
        sr_idcache_put(r->schemas, id, *out, sr_schema_memory(*out), stamp);
    return rc;
}

enum sr_err sr_registry_load(struct sr_registry *r, struct sr_txn *t, int64_t id,
                             struct sr_schema **out, struct sr_error *err)
{
    return load_depth(r, t, id, 0, out, err);
}

enum sr_err sr_registry_live_versions(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                      struct sr_compat_prev **out, size_t *count_out,
                                      struct sr_error *err)
{
    struct sr_version_rec *rows = NULL;
    size_t n = 0, live = 0;
    enum sr_err rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    if (rc)
        return rc;
    struct sr_compat_prev *prev = calloc(n ? n : 1, sizeof(*prev));
    if (!prev)
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        if (rows[i].deleted)
            continue;
        struct sr_schema *s = NULL;
        rc = sr_registry_load(r, t, rows[i].id, &s, err);
        if (!rc)
            prev[live++] = (struct sr_compat_prev){s, rows[i].version};
    }
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    if (rc) {
        sr_registry_release_prev(prev, live);
        return rc;
    }
    *out = prev;
    *count_out = live;
    return SR_OK;
}

void sr_registry_release_prev(struct sr_compat_prev *prev, size_t count)
{
    for (size_t i = 0; prev && i < count; i++)
        sr_schema_free((struct sr_schema *)prev[i].schema);
    free(prev);
}

/* ---- request inputs ------------------------------------------------------------ */

/* Jackson cannot map the field: rest-utils answers 400 (JsonMappingExceptionMapper). */
static enum sr_err field_type_error(struct sr_error *err, const char *field, const char *want)
{
    return sr_errorf(err, SR_ERR_BAD_REQUEST, "Invalid request: \"%s\" must be %s", field, want);
}

static enum sr_err read_optional_int(const json_t *body, const char *key, bool *has, int64_t *out,
                                     struct sr_error *err)
{
    const json_t *v = json_object_get(body, key);
    *has = false;
    if (!v || json_is_null(v))
        return SR_OK;
    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
        json_integer_value(v) > INT32_MAX)
        return field_type_error(err, key, "a 32-bit integer");
    *has = true;
    *out = json_integer_value(v);
    return SR_OK;
}

static enum sr_err read_schema_type(const json_t *body, const char **out, struct sr_error *err)
{
    const json_t *type = json_object_get(body, "schemaType");
    *out = NULL;
    if (!type || json_is_null(type))
        return SR_OK;
    if (!json_is_string(type))
        return field_type_error(err, "schemaType", "a string");
    const char *name = json_string_value(type);
    if (strcasecmp(name, "AVRO") == 0) {
        *out = "AVRO";
        return SR_OK;
    }
    if (strcasecmp(name, "JSON") == 0 || strcasecmp(name, "PROTOBUF") == 0)
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid schema type %s: this registry stores AVRO schemas only", name);
    return sr_errorf(err, SR_ERR_INVALID_SCHEMA, "Invalid schema type %s", name);
}

enum sr_err sr_schema_input_read(const json_t *body, struct sr_schema_input *out,
                                 struct sr_error *err)
{
    memset(out, 0, sizeof(*out));
    if (json_is_null(body)) /* no entity at all: bean validation's 422 */
        return sr_errorf(err, SR_ERR_UNPROCESSABLE, "Request body is missing");
    if (!json_is_object(body))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "Invalid request: the body must be a JSON object with a \"schema\"");
    const json_t *schema = json_object_get(body, "schema");
    if (schema && !json_is_null(schema)) {
        if (!json_is_string(schema))
            return field_type_error(err, "schema", "a string holding the schema's JSON");
        out->schema = json_string_value(schema);
        out->schema_len = json_string_length(schema);
    }
    enum sr_err rc = read_schema_type(body, &out->schema_type, err);
    if (rc)
        return rc;
    const json_t *refs = json_object_get(body, "references");
    if (refs && !json_is_null(refs) && !json_is_array(refs))
        return field_type_error(err, "references", "an array");
    out->references = json_array_size(refs) ? refs : NULL;
    out->metadata = json_is_object(json_object_get(body, "metadata"))
                        ? json_object_get(body, "metadata")
                        : NULL;
    out->ruleset =
        json_is_object(json_object_get(body, "ruleSet")) ? json_object_get(body, "ruleSet") : NULL;
    int64_t version = 0;
    if ((rc = read_optional_int(body, "id", &out->has_id, &out->id, err)) ||
        (rc = read_optional_int(body, "version", &out->has_version, &version, err)))
        return rc;
    out->version = (int32_t)version;
    return SR_OK;
}

static char *dump_or_null(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
}

static char *refs_json(const struct sr_ref *refs, size_t n)
{
    if (!n)
        return NULL;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s,s:s,s:i}", "name", refs[i].name, "subject",
                                              refs[i].subject, "version", refs[i].version));
    char *text = json_dumps(list, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(list);
    return text;
}

void sr_input_schema_release(struct sr_input_schema *s)
{
    sr_schema_free(s->schema);
    sr_schema_rec_release(&s->rec);
    for (size_t i = 0; i < s->ref_count; i++) {
        free(s->refs[i].name);
        free(s->refs[i].subject);
    }
    free(s->refs);
    free(s->ref_ids);
    memset(s, 0, sizeof(*s));
}

enum sr_err sr_input_schema_build(struct sr_registry *r, struct sr_txn *t,
                                  const struct sr_schema_input *in, bool validate,
                                  struct sr_input_schema *out, struct sr_error *err)
{
    memset(out, 0, sizeof(*out));
    size_t lead = 0;
    while (in->schema && lead < in->schema_len && isspace((unsigned char)in->schema[lead]))
        lead++;
    if (!in->schema || lead == in->schema_len) /* Confluent's trim().isEmpty() */
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA, "Empty schema");
    struct sr_schema **deps = NULL;
    size_t dep_count = 0;
    enum sr_err rc =
        resolve_refs(r, t, in->references, 0, &deps, &out->refs, &out->ref_ids, &dep_count, err);
    if (rc)
        return rc;
    out->ref_count = dep_count;
    struct sr_parse_opts opts = {
        .refs = deps, .ref_count = dep_count, .validate_defaults = validate};
    struct sr_error perr = {0};
    rc = sr_schema_parse(in->schema, in->schema_len, &opts, &out->schema, &perr);
    free_schemas(deps, dep_count);
    if (rc) {
        sr_input_schema_release(out);
        if (rc == SR_ERR_INVALID_SCHEMA)
            return sr_errorf(err, SR_ERR_INVALID_SCHEMA, "Invalid schema of type AVRO, details: %s",
                             perr.message);
        return sr_errorf(err, rc, "%s", perr.message);
    }
    size_t len;
    const char *canonical = sr_schema_canonical(out->schema, &len);
    out->rec.schema_type = strdup("AVRO");
    out->rec.schema = strndup(canonical, len);
    out->rec.refs = refs_json(out->refs, out->ref_count);
    out->rec.metadata = dump_or_null(in->metadata);
    out->rec.ruleset = dump_or_null(in->ruleset);
    if (!out->rec.schema_type || !out->rec.schema || (out->ref_count && !out->rec.refs) ||
        (in->metadata && !out->rec.metadata) || (in->ruleset && !out->rec.ruleset)) {
        sr_input_schema_release(out);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    return SR_OK;
}

/* ---- levels and modes ------------------------------------------------------------ */

enum sr_err sr_registry_level(struct sr_txn *t, const char *subject, enum sr_compat_level *out,
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

enum sr_err sr_registry_mode(struct sr_txn *t, const char *subject, char out[32],
                             struct sr_error *err)
{
    char *global = NULL, *own = NULL;
    enum sr_err rc = sr_txn_mode_get(t, NULL, &global, err);
    if (!rc && subject)
        rc = sr_txn_mode_get(t, subject, &own, err);
    if (!rc) {
        const char *mode = "READWRITE";
        if (global && strcmp(global, "READONLY_OVERRIDE") == 0)
            mode = global;
        else if (own)
            mode = own;
        else if (global)
            mode = global;
        snprintf(out, 32, "%s", mode);
    }
    free(global);
    free(own);
    return rc;
}

static const char *const mode_names[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT",
                                         NULL};

static enum sr_err begin_write(struct sr_registry *r, struct sr_txn **t, struct sr_error *err)
{
    return sr_store_begin(r->store, true, t, err);
}

/* Config and mode changes are refused while the registry (or subject) is read-only. */
static enum sr_err refuse_if_readonly(struct sr_txn *t, const char *subject, struct sr_error *err)
{
    char mode[32];
    enum sr_err rc = sr_registry_mode(t, subject, mode, err);
    if (!rc && strncmp(mode, "READONLY", 8) == 0)
        rc = sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
                       subject ? subject : "__GLOBAL");
    return rc;
}

enum sr_err sr_registry_set_config(struct sr_registry *r, const char *subject, const char *level,
                                   int normalize, const char **stored_out, struct sr_error *err)
{
    enum sr_compat_level parsed;
    if (!level || !sr_compat_level_parse(level, &parsed))
        return sr_errorf(err, SR_ERR_INVALID_COMPATIBILITY_LEVEL,
                         "Invalid compatibility level. Valid values are none, backward, forward, "
                         "full, backward_transitive, forward_transitive, and full_transitive");
    if (subject) {
        enum sr_err rc = sr_registry_check_subject(subject, err);
        if (rc)
            return rc;
    }
    struct sr_txn *t = NULL;
    enum sr_err rc = begin_write(r, &t, err);
    if (!rc)
        rc = refuse_if_readonly(t, subject, err);
    struct sr_config_rec rec = {.compatibility = (char *)sr_compat_level_name(parsed),
                                .normalize = normalize};
    if (!rc)
        rc = sr_txn_config_put(t, subject, &rec, err);
    if (rc) {
        sr_txn_rollback(t);
        return rc;
    }
    *stored_out = sr_compat_level_name(parsed);
    return sr_txn_commit(t, err);
}

/* Entering IMPORT (unless forced, or already in it) needs an empty registry
 * (or subject), and then starts from a clean slate: the soft-deleted
 * versions go, as in Confluent's setMode. */
static enum sr_err enter_import(struct sr_txn *t, const char *subject, struct sr_int_list *forget,
                                struct sr_error *err)
{
    char current[32];
    struct sr_str_list subjects = {0};
    struct sr_int_list versions = {0};
    enum sr_err rc = sr_registry_mode(t, subject, current, err);
    if (rc || strcmp(current, "IMPORT") == 0)
        return rc;
    rc = subject ? sr_txn_versions(t, subject, SR_LIVE_ONLY, &versions, err)
                 : sr_txn_subjects(t, NULL, SR_LIVE_ONLY, &subjects, err);
    if (!rc && (subjects.count || versions.count))
        rc = sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED,
                       "Cannot import since found existing subjects");
    sr_str_list_release(&subjects);
    sr_int_list_release(&versions);
    if (!rc)
        rc = sr_registry_clear_deleted(t, subject, forget, err);
    return rc;
}

enum sr_err sr_registry_set_mode(struct sr_registry *r, const char *subject, const char *mode,
                                 bool force, const char **stored_out, struct sr_error *err)
{
    const char *name = NULL;
    for (const char *const *m = mode_names; mode && *m && !name; m++)
        if (strcasecmp(*m, mode) == 0)
            name = *m;
    if (!name)
        return sr_errorf(err, SR_ERR_INVALID_MODE,
                         "Invalid mode. Valid values are READWRITE, READONLY, and IMPORT.");
    if (subject) {
        enum sr_err rc = sr_registry_check_subject(subject, err);
        if (rc)
            return rc;
    }
    struct sr_txn *t = NULL;
    struct sr_int_list forget = {0};
    enum sr_err rc = begin_write(r, &t, err);
    if (!rc && strcmp(name, "IMPORT") == 0 && !force)
        rc = enter_import(t, subject, &forget, err);
    if (!rc)
        rc = sr_txn_mode_put(t, subject, name, err);
    if (rc)
        sr_txn_rollback(t);
    else
        rc = sr_txn_commit(t, err);
    if (!rc) /* entering IMPORT may have dropped soft-deleted versions */
        sr_regcache_invalidate(r->registrations);
    for (size_t i = 0; !rc && i < forget.count; i++)
        sr_registry_forget(r, forget.items[i]);
    sr_int_list_release(&forget);
    if (!rc)
        *stored_out = name;
    return rc;
}

/* ---- GET /schemas/ids/{id} ----------------------------------------------------------- */

static struct sr_body *build_body(const struct sr_schema_rec *rec)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_adds(&b, "{\"schema\":");
    sr_jout_cstring(&b, rec->schema);
    if (rec->refs) {
        sr_buf_adds(&b, ",\"references\":");
        sr_buf_adds(&b, rec->refs);
    }
    if (rec->metadata) {
        sr_buf_adds(&b, ",\"metadata\":");
        sr_buf_adds(&b, rec->metadata);
    }
    if (rec->ruleset) {
        sr_buf_adds(&b, ",\"ruleSet\":");
        sr_buf_adds(&b, rec->ruleset);
    }
    sr_buf_addc(&b, '}');
    struct sr_body *body = sr_buf_failed(&b) ? NULL : malloc(sizeof(*body) + b.len + 1);
    if (body) {
        body->refs = 1;
        body->len = b.len;
        memcpy(body->data, b.data, b.len + 1);
    }
    sr_buf_release(&b);
    return body;
}

static enum sr_err fetch_body(struct sr_registry *r, int64_t id, struct sr_body **out,
                              struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_schema_rec rec = {0};
    struct sr_error lookup = {0};
    enum sr_err rc = sr_store_begin(r->store, false, &t, err);
    if (!rc && (rc = sr_txn_schema_get(t, id, &rec, &lookup)))
        rc = rc == SR_ERR_SCHEMA_NOT_FOUND
                 ? sr_errorf(err, rc, "Schema %lld not found", (long long)id)
                 : sr_errorf(err, rc, "%s", lookup.message);
    sr_txn_rollback(t);
    if (!rc && !(*out = build_body(&rec)))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    sr_schema_rec_release(&rec);
    return rc;
}

enum sr_err sr_registry_schema_body(struct sr_registry *r, int64_t id, char **body_out,
                                    size_t *len_out, struct sr_error *err)
{
    struct sr_body *body = sr_idcache_get(r->bodies, id);
    if (!body) {
        /* Taken before the read: a permanent delete of id that commits
         * after the read began must not leave the body behind. */
        uint64_t stamp = sr_idcache_stamp(r->bodies);
        enum sr_err rc = fetch_body(r, id, &body, err);
        if (rc)
            return rc;
        sr_idcache_put(r->bodies, id, body, sizeof(*body) + body->len, stamp);
    }
    *body_out = malloc(body->len + 1);
    if (*body_out) {
        memcpy(*body_out, body->data, body->len + 1);
        *len_out = body->len;
    }
    body_unref(body);
    return *body_out ? SR_OK : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
}

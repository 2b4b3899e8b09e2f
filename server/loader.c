/*
 * loader.c - stored schemas, references and request schemas; see loader.h.
 */
#include "server/loader.h"

#include "schemas/normalize.h"
#include "server/contracts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* References resolved for one parse: the parsed schemas they name, and the
 * rows and ids they resolved to. */
struct deps {
    struct sr_schema **schemas;
    struct sr_ref *refs;
    int64_t *ids;
    size_t count; /* entries filled so far */
};

static void deps_release(struct deps *d)
{
    for (size_t i = 0; i < d->count; i++) {
        sr_schema_free(d->schemas[i]);
        free(d->refs[i].name);
        free(d->refs[i].subject);
    }
    free(d->schemas);
    free(d->refs);
    free(d->ids);
    memset(d, 0, sizeof(*d));
}

static enum sr_err load_depth(struct sr_registry *r, struct sr_txn *t, const char *context,
                              int64_t id, int depth, struct sr_schema **out, struct sr_error *err);

static enum sr_err missing_reference(const char *name, const char *subject, long long version,
                                     struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                     "Invalid schema: reference '%s' names subject '%s' version %lld, which does "
                     "not exist",
                     name, subject, version);
}

/* Resolves one reference ({name, subject, version}) into d's next entry. */
static enum sr_err resolve_one(struct sr_registry *r, struct sr_txn *t, const json_t *ref,
                               int depth, struct deps *d, struct sr_error *err)
{
    const char *name = json_string_value(json_object_get(ref, "name"));
    const char *subject = json_string_value(json_object_get(ref, "subject"));
    const json_t *version = json_object_get(ref, "version");
    if (!name || !subject || !json_is_integer(version))
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid schema: each reference needs a string \"name\", a string "
                         "\"subject\" and an integer \"version\"");
    json_int_t want = json_integer_value(version);
    if (want < -1 || want > INT32_MAX)
        return missing_reference(name, subject, want, err);
    struct sr_version_rec v = {0};
    struct sr_error lookup = {0};
    enum sr_err rc = sr_txn_version_get(t, subject, (int32_t)want, want != -1, &v, &lookup);
    if (rc == SR_ERR_VERSION_NOT_FOUND)
        return missing_reference(name, subject, want, err);
    if (rc)
        return sr_errorf(err, rc, "%s", lookup.message);
    size_t i = d->count;
    d->refs[i] = (struct sr_ref){strdup(name), strdup(subject), v.version};
    d->ids[i] = v.id;
    d->count++; /* owned from here on, even half filled */
    rc = d->refs[i].name && d->refs[i].subject ? SR_OK
                                               : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = load_depth(r, t, v.context, v.id, depth + 1, &d->schemas[i], err);
    sr_version_rec_release(&v);
    return rc;
}

/* Resolves a stored or requested reference list (JSON array, or NULL). */
static enum sr_err resolve_refs(struct sr_registry *r, struct sr_txn *t, const json_t *list,
                                int depth, struct deps *out, struct sr_error *err)
{
    size_t n = json_array_size(list);
    struct deps d = {calloc(n ? n : 1, sizeof(*d.schemas)), calloc(n ? n : 1, sizeof(*d.refs)),
                     calloc(n ? n : 1, sizeof(*d.ids)), 0};
    enum sr_err rc =
        d.schemas && d.refs && d.ids ? SR_OK : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++)
        rc = resolve_one(r, t, json_array_get(list, i), depth, &d, err);
    if (rc)
        deps_release(&d);
    else
        *out = d;
    return rc;
}

static enum sr_err parse_stored(struct sr_registry *r, struct sr_txn *t,
                                const struct sr_schema_rec *rec, int depth, struct sr_schema **out,
                                struct sr_error *err)
{
    json_t *refs = NULL;
    if (rec->refs && !(refs = json_loads(rec->refs, 0, NULL)))
        return sr_errorf(err, SR_ERR_INTERNAL, "stored references of schema %lld are not JSON",
                         (long long)rec->id);
    struct deps d = {0};
    enum sr_err rc = resolve_refs(r, t, refs, depth, &d, err);
    json_decref(refs);
    if (rc)
        return rc;
    struct sr_parse_opts opts = {.refs = d.schemas, .ref_count = d.count};
    struct sr_error perr = {0};
    rc = sr_schema_parse(rec->schema, strlen(rec->schema), &opts, out, &perr);
    deps_release(&d);
    if (rc)
        return sr_errorf(err, SR_ERR_INTERNAL, "stored schema %lld no longer parses: %s",
                         (long long)rec->id, perr.message);
    return SR_OK;
}

static enum sr_err load_depth(struct sr_registry *r, struct sr_txn *t, const char *context,
                              int64_t id, int depth, struct sr_schema **out, struct sr_error *err)
{
    if (depth > SR_LOADER_MAX_DEPTH)
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid schema: references nest more than %d deep (or form a cycle)",
                         SR_LOADER_MAX_DEPTH);
    if ((*out = sr_registry_cached_schema(r, context, id)))
        return SR_OK;
    struct sr_schema_rec rec = {0};
    enum sr_err rc = sr_txn_schema_get(t, context, id, &rec, err);
    if (!rc)
        rc = parse_stored(r, t, &rec, depth, out, err);
    sr_schema_rec_release(&rec);
    if (!rc)
        sr_registry_cache_schema(r, context, id, *out, sr_txn_marker(t, SR_CHANGE_SCHEMA_IDS));
    return rc;
}

enum sr_err sr_loader_stored(struct sr_registry *r, struct sr_txn *t, const char *context,
                             int64_t id, struct sr_schema **out, struct sr_error *err)
{
    return load_depth(r, t, context, id, 0, out, err);
}

/* ---- a request's schema ------------------------------------------------------------ */

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

/* The canonical texts of the request's metadata and rule set (NULL when it
 * has none), checked before the schema as Confluent checks them. */
static enum sr_err contracts_of(const struct sr_schema_input *in, char **md_out, char **rs_out,
                                struct sr_error *err)
{
    json_t *md = NULL, *rs = NULL;
    enum sr_err rc = SR_OK;
    if (in->ruleset)
        rc = sr_contracts_ruleset(in->ruleset, "ruleSet", &rs, err);
    if (!rc && in->metadata)
        rc = sr_contracts_metadata(in->metadata, "metadata", &md, err);
    if (!rc) {
        *md_out = dump_or_null(md);
        *rs_out = dump_or_null(rs);
        if ((md && !*md_out) || (rs && !*rs_out))
            rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    json_decref(md);
    json_decref(rs);
    return rc;
}

/* Fills out->rec, what the store keeps of the parsed schema. */
static enum sr_err fill_record(struct sr_input_schema *out, struct sr_error *err)
{
    size_t len;
    const char *canonical = sr_schema_canonical(out->schema, &len);
    out->rec.schema_type = strdup("AVRO");
    out->rec.schema = strndup(canonical, len);
    out->rec.refs = refs_json(out->refs, out->ref_count);
    if (!out->rec.schema_type || !out->rec.schema || (out->ref_count && !out->rec.refs))
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    return SR_OK;
}

/* Replaces *schema by the parse of its normal form, as Confluent re-parses
 * the normalized text and keeps that schema's canonical text. */
static enum sr_err normal_form(const struct sr_parse_opts *opts, struct sr_schema **schema,
                               struct sr_error *perr)
{
    size_t len = 0, normal_len = 0;
    const char *canonical = sr_schema_canonical(*schema, &len);
    char *normal = sr_schema_normalize_text(canonical, len, &normal_len);
    if (!normal)
        return SR_OK; /* a text jansson cannot hold exactly (a huge integer): kept as it is */
    struct sr_schema *again = NULL;
    enum sr_err rc = sr_schema_parse(normal, normal_len, opts, &again, perr);
    free(normal);
    if (!rc) {
        sr_schema_free(*schema);
        *schema = again;
    }
    return rc;
}

enum sr_err sr_loader_input(struct sr_registry *r, struct sr_txn *t,
                            const struct sr_schema_input *in, bool validate,
                            struct sr_input_schema *out, struct sr_error *err)
{
    memset(out, 0, sizeof(*out));
    enum sr_err rc = contracts_of(in, &out->rec.metadata, &out->rec.ruleset, err);
    if (rc)
        return rc;
    size_t lead = 0;
    while (in->schema && lead < in->schema_len && isspace((unsigned char)in->schema[lead]))
        lead++;
    if (!in->schema || lead == in->schema_len) { /* Confluent's trim().isEmpty() */
        sr_input_schema_release(out);
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA, "Empty schema");
    }
    struct deps d = {0};
    rc = resolve_refs(r, t, in->references, 0, &d, err);
    if (rc) {
        sr_input_schema_release(out);
        return rc;
    }
    struct sr_parse_opts opts = {
        .refs = d.schemas, .ref_count = d.count, .validate_defaults = validate};
    struct sr_error perr = {0};
    rc = sr_schema_parse(in->schema, in->schema_len, &opts, &out->schema, &perr);
    if (!rc && in->normalize)
        rc = normal_form(&opts, &out->schema, &perr);
    /* The resolved rows move to out; the parsed dependencies are done with. */
    for (size_t i = 0; i < d.count; i++)
        sr_schema_free(d.schemas[i]);
    free(d.schemas);
    out->refs = d.refs;
    out->ref_ids = d.ids;
    out->ref_count = d.count;
    if (rc == SR_ERR_INVALID_SCHEMA)
        rc = sr_errorf(err, rc, "Invalid schema of type AVRO, details: %s", perr.message);
    else if (rc)
        rc = sr_errorf(err, rc, "%s", perr.message);
    else
        rc = fill_record(out, err);
    if (rc)
        sr_input_schema_release(out);
    return rc;
}

enum sr_err sr_loader_refs_unchanged(struct sr_txn *t, const struct sr_input_schema *parsed,
                                     bool *same_out, struct sr_error *err)
{
    *same_out = true;
    for (size_t i = 0; i < parsed->ref_count && *same_out; i++) {
        const struct sr_ref *ref = &parsed->refs[i];
        struct sr_version_rec v = {0};
        struct sr_error miss = {0};
        enum sr_err rc = sr_txn_version_get(t, ref->subject, ref->version, true, &v, &miss);
        *same_out = rc == SR_OK && v.id == parsed->ref_ids[i];
        sr_version_rec_release(&v);
        if (rc && rc != SR_ERR_VERSION_NOT_FOUND)
            return sr_errorf(err, rc, "%s", miss.message);
    }
    return SR_OK;
}

/* ---- versions for compatibility checks --------------------------------------------- */

char *sr_loader_group_value(const char *md, const char *group)
{
    if (!group || !md)
        return NULL;
    json_t *doc = json_loads(md, 0, NULL);
    const char *v = sr_contracts_property(doc, group);
    char *copy = v ? strdup(v) : NULL;
    json_decref(doc);
    return copy;
}

bool sr_loader_in_group(const struct sr_schema_rec *rec, const char *group, const char *value)
{
    if (!group)
        return true;
    char *have = sr_loader_group_value(rec->metadata, group);
    bool same = (!have && !value) || (have && value && strcmp(have, value) == 0);
    free(have);
    return same;
}

/* Whether the version row belongs to the group (read from its schema row). */
static enum sr_err row_in_group(struct sr_txn *t, const struct sr_version_rec *row,
                                const char *group, const char *value, bool *in_out,
                                struct sr_error *err)
{
    *in_out = true;
    if (!group)
        return SR_OK;
    struct sr_schema_rec rec = {0};
    enum sr_err rc = sr_txn_schema_get(t, row->context, row->id, &rec, err);
    *in_out = !rc && sr_loader_in_group(&rec, group, value);
    sr_schema_rec_release(&rec);
    return rc;
}

enum sr_err sr_loader_live_versions(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                    const char *group, const char *value,
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
        bool in = true;
        if (rows[i].deleted || (rc = row_in_group(t, &rows[i], group, value, &in, err)) || !in)
            continue;
        struct sr_schema *s = NULL;
        rc = sr_loader_stored(r, t, rows[i].context, rows[i].id, &s, err);
        if (!rc)
            prev[live++] = (struct sr_compat_prev){s, rows[i].version};
    }
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    if (rc) {
        sr_loader_release_prev(prev, live);
        return rc;
    }
    *out = prev;
    *count_out = live;
    return SR_OK;
}

enum sr_err sr_loader_one_version(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                  int32_t version, struct sr_compat_prev **out, size_t *count_out,
                                  struct sr_error *err)
{
    struct sr_version_rec v = {0};
    struct sr_error miss = {0};
    *out = NULL;
    *count_out = 0;
    enum sr_err rc = sr_txn_version_get(t, subject, version, false, &v, &miss);
    if (rc == SR_ERR_VERSION_NOT_FOUND && version == -1)
        return SR_OK; /* no live version at all: nothing to be incompatible with */
    if (rc == SR_ERR_VERSION_NOT_FOUND)
        return sr_errorf(err, rc, "Version %d not found.", version);
    if (rc)
        return sr_errorf(err, rc, "%s", miss.message);
    struct sr_compat_prev *prev = calloc(1, sizeof(*prev));
    struct sr_schema *s = NULL;
    rc = prev ? sr_loader_stored(r, t, v.context, v.id, &s, err)
              : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (!rc) {
        prev[0] = (struct sr_compat_prev){s, v.version};
        *out = prev;
        *count_out = 1;
    } else {
        free(prev);
    }
    sr_version_rec_release(&v);
    return rc;
}

void sr_loader_release_prev(struct sr_compat_prev *prev, size_t count)
{
    for (size_t i = 0; prev && i < count; i++)
        sr_schema_free((struct sr_schema *)prev[i].schema);
    free(prev);
}

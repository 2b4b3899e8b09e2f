/*
 * register.c - registration, lookup and compatibility checks; see register.h.
 */
#include "server/register.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/deadline.h"
#include "server/context.h"
#include "server/loader.h"
#include "server/populate.h"
#include "server/settings.h"

/* A subject's context, by value: its schema ids are numbered there. */
struct context_name {
    char s[SR_CONTEXT_MAX];
};

static struct context_name context_of(const char *subject)
{
    struct context_name c = {{0}};
    sr_context_of(subject, c.s);
    return c;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_schema(const struct sr_schema_rec *a, const struct sr_schema_rec *b)
{
    return same_str(a->schema, b->schema) && same_str(a->refs, b->refs) &&
           same_str(a->metadata, b->metadata) && same_str(a->ruleset, b->ruleset);
}

/*
 * Whether have (a stored schema that uses references) is want sent with every
 * reference inlined. Confluent's lookups accept that form as the same schema
 * (ParsedSchema.deepEquals), so that a client holding the fully resolved
 * schema finds the version registered with references.
 */
static enum sr_err same_resolved(struct sr_registry *r, struct sr_txn *t, const char *context,
                                 int64_t have_id, const struct sr_schema_rec *have,
                                 const struct sr_schema_rec *want, bool *out, struct sr_error *err)
{
    *out = false;
    if (want->refs || !have->refs || !same_str(have->metadata, want->metadata) ||
        !same_str(have->ruleset, want->ruleset))
        return SR_OK;
    struct sr_schema *s = NULL;
    enum sr_err rc = sr_loader_stored(r, t, context, have_id, &s, err);
    if (rc)
        return rc;
    size_t len = 0;
    char *text = sr_node_to_text(sr_schema_root(s), &len); /* references written out */
    sr_schema_free(s);
    if (!text)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    *out = strcmp(text, want->schema) == 0;
    free(text);
    return SR_OK;
}

/* The highest live version of subject that is rec with its references
 * inlined (see same_resolved), if any. */
static enum sr_err resolved_version(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                    const struct sr_schema_rec *rec, int64_t *id_out,
                                    int32_t *version_out, struct sr_error *err)
{
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    bool same = false, uses_refs = false;
    /* Most subjects use no references: then no stored version can be this
     * schema inlined, and reading each of them back would be wasted. */
    enum sr_err rc = sr_txn_subject_uses_refs(t, subject, &uses_refs, err);
    if (rc || !uses_refs)
        return rc;
    rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    for (size_t i = n; !rc && !same && i-- > 0;) {
        struct sr_schema_rec have = {0};
        if (rows[i].deleted || (rc = sr_txn_schema_get(t, rows[i].context, rows[i].id, &have, err)))
            continue;
        rc = same_resolved(r, t, rows[i].context, rows[i].id, &have, rec, &same, err);
        if (same) {
            *id_out = rows[i].id;
            *version_out = rows[i].version;
        }
        sr_schema_rec_release(&have);
    }
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    return rc;
}

/* The live version of subject already holding this schema, if any: exactly,
 * or as its references-inlined form. */
static enum sr_err existing_version(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                    const struct sr_schema_rec *rec, int64_t *id_out,
                                    int32_t *version_out, struct sr_error *err)
{
    int64_t id = 0;
    *version_out = 0;
    enum sr_err rc = sr_txn_schema_find(t, context_of(subject).s, rec, &id, err);
    if (!rc && !id && !rec->refs)
        return resolved_version(r, t, subject, rec, id_out, version_out, err);
    if (rc || !id)
        return rc;
    struct sr_version_rec v = {0};
    struct sr_error miss = {0};
    rc = sr_txn_version_by_id(t, subject, context_of(subject).s, id, SR_LIVE_ONLY, &v, &miss);
    if (rc == SR_ERR_VERSION_NOT_FOUND && !rec->refs)
        return resolved_version(r, t, subject, rec, id_out, version_out, err);
    if (rc == SR_ERR_VERSION_NOT_FOUND)
        return SR_OK;
    if (rc)
        return sr_errorf(err, rc, "%s", miss.message);
    *id_out = id;
    *version_out = v.version;
    sr_version_rec_release(&v);
    return SR_OK;
}

/* " in context <ctx>" as Confluent 8 words mode messages, "" for 7.0. */
static void context_words(enum sr_api api, const char *subject, char out[SR_CONTEXT_MAX + 16])
{
    char label[SR_CONTEXT_MAX + 2];
    out[0] = '\0';
    if (api == SR_API_7)
        return;
    sr_context_label(subject, label);
    snprintf(out, SR_CONTEXT_MAX + 16, " in context %s", label);
}

/* mode: the subject's mode in force, read in this transaction. */
static enum sr_err check_register_mode(enum sr_api api, const char *subject, const char *mode,
                                       const struct sr_schema_input *in, bool *import_out,
                                       struct sr_error *err)
{
    char words[SR_CONTEXT_MAX + 16];
    context_words(api, subject, words);
    enum sr_err rc = sr_settings_refuse_mode(api, subject, mode, err);
    if (rc)
        return rc;
    *import_out = strcmp(mode, "IMPORT") == 0;
    if (in->has_id && in->id >= 0 && !*import_out)
        return sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s%s is not in import mode",
                         subject, words);
    if (!(in->has_id && in->id >= 0) && strcmp(mode, "READWRITE") != 0)
        return sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED,
                         "Subject %s%s is not in read-write mode", subject, words);
    return SR_OK;
}

/* Java's List.toString() of the messages: "[a, b, c]". */
static char *join_messages(const struct sr_strlist *msgs)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_addc(&b, '[');
    for (size_t i = 0; i < msgs->count; i++) {
        if (i)
            sr_buf_adds(&b, ", ");
        sr_buf_adds(&b, msgs->items[i]);
    }
    sr_buf_addc(&b, ']');
    return sr_buf_detach(&b, NULL);
}

/* Java's List.toString() of msgs, plus the trailer Confluent appends when
 * validateFields took part. */
static char *details_of(const struct sr_strlist *msgs, const struct sr_effective_config *cfg)
{
    char *list = join_messages(msgs);
    if (!list || !cfg->validate_fields)
        return list;
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_add(&b, list, strlen(list) - 1);
    sr_buf_addf(&b, "%s{validateFields: 'true', compatibility: '%s'}]", msgs->count ? ", " : "",
                sr_compat_level_name(cfg->level));
    free(list);
    return sr_buf_detach(&b, NULL);
}

/* The metadata texts of prev's versions of subject, for validateFields. */
static enum sr_err prev_metadata(struct sr_txn *t, const char *subject, const char *group,
                                 const char *group_value, char ***out, size_t *n_out,
                                 struct sr_error *err)
{
    struct sr_version_rec *rows = NULL;
    size_t n = 0, kept = 0;
    enum sr_err rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    char **texts = rc ? NULL : calloc(n ? n : 1, sizeof(*texts));
    if (!rc && !texts)
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        struct sr_schema_rec have = {0};
        if (rows[i].deleted || (rc = sr_txn_schema_get(t, rows[i].context, rows[i].id, &have, err)))
            continue;
        if (sr_loader_in_group(&have, group, group_value)) {
            texts[kept++] = have.metadata;
            have.metadata = NULL;
        }
        sr_schema_rec_release(&have);
    }
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    *out = texts;
    *n_out = kept;
    return rc;
}

static enum sr_err reserved_messages(struct sr_txn *t, const char *subject,
                                     const struct sr_schema *schema, const char *md,
                                     const struct sr_effective_config *cfg, const char *group_value,
                                     struct sr_strlist *msgs, struct sr_error *err)
{
    char **texts = NULL;
    size_t n = 0;
    enum sr_err rc =
        prev_metadata(t, subject, cfg->compatibility_group, group_value, &texts, &n, err);
    if (!rc)
        rc = sr_populate_reserved(schema, md, (const char *const *)texts, n, msgs, err);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    return rc;
}

/* Judges schema (whose metadata text is md) against the subject's live
 * versions, those of its compatibility group only when the config names one. */
static enum sr_err check_against_live(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                      const struct sr_schema *schema, const char *md,
                                      const struct sr_effective_config *cfg, struct sr_error *err)
{
    struct sr_compat_prev *prev = NULL;
    size_t n = 0;
    char *group_value = sr_loader_group_value(md, cfg->compatibility_group);
    enum sr_err rc = sr_loader_live_versions(r, t, subject, cfg->compatibility_group, group_value,
                                             &prev, &n, err);
    if (rc) {
        free(group_value);
        return rc;
    }
    bool ok = true;
    struct sr_strlist msgs = {0};
    rc = sr_compat_check_level(cfg->level, schema, prev, n, &ok, &msgs, err);
    sr_loader_release_prev(prev, n);
    if (!rc && cfg->validate_fields) {
        size_t before = msgs.count;
        rc = reserved_messages(t, subject, schema, md, cfg, group_value, &msgs, err);
        ok = ok && msgs.count == before;
    }
    free(group_value);
    if (!rc && !ok) {
        char *details = details_of(&msgs, cfg);
        rc = sr_errorf(err, SR_ERR_INCOMPATIBLE,
                       "Schema being registered is incompatible with an earlier schema for "
                       "subject \"%s\", details: %s",
                       subject, details ? details : "[]");
        free(details);
    }
    sr_strlist_release(&msgs);
    return rc;
}

/* The schema is already a live version of the subject: that answers the
 * request, unless it asks for another id (Confluent's registerOrForward:
 * IdDoesNotMatchException, 42207). */
static enum sr_err check_found_id(const struct sr_schema_input *in, int64_t found_id,
                                  struct sr_error *err)
{
    if (in->has_id && in->id >= 0 && in->id != found_id)
        return sr_errorf(err, SR_ERR_ID_DOES_NOT_MATCH,
                         "Schema already registered with id %lld instead of input id %lld",
                         (long long)found_id, (long long)in->id);
    return SR_OK;
}

/* IMPORT: the id asked for must be free or already hold this very schema. */
static enum sr_err import_id(struct sr_txn *t, enum sr_api api, const char *subject,
                             const char *context, const struct sr_schema_input *in,
                             const struct sr_schema_rec *rec, bool *is_new, struct sr_error *err)
{
    char words[SR_CONTEXT_MAX + 16];
    context_words(api, subject, words);
    struct sr_schema_rec have = {0};
    struct sr_error miss = {0};
    if (in->id < 1) /* ids start at 1, as Confluent's generator hands them out */
        return sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED,
                         "Schema id %lld is not permitted: ids start at 1", (long long)in->id);
    enum sr_err rc = sr_txn_schema_get(t, context, in->id, &have, &miss);
    if (rc == SR_ERR_SCHEMA_NOT_FOUND) {
        *is_new = true;
        return SR_OK;
    }
    if (rc)
        return sr_errorf(err, rc, "%s", miss.message);
    bool same = same_schema(&have, rec);
    sr_schema_rec_release(&have);
    *is_new = false;
    if (!same)
        return sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED,
                         "Overwrite new schema with id %lld%s is not permitted.", (long long)in->id,
                         words);
    return SR_OK;
}

/* Re-registering a schema whose earlier version in this subject was
 * soft-deleted tombstones that version (unless something references it). */
static enum sr_err drop_deleted_twins(struct sr_txn *t, const char *subject, int64_t id,
                                      struct sr_error *err)
{
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    enum sr_err rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (!rows[i].deleted || rows[i].id != id)
            continue;
        struct sr_int_list users = {0};
        rc = sr_txn_referenced_by(t, subject, rows[i].version, SR_WITH_DELETED, &users, err);
        if (!rc && !users.count)
            rc = sr_txn_version_remove(t, subject, rows[i].version, err);
        sr_int_list_release(&users);
    }
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    return rc;
}

struct reg_state {
    struct sr_registry *r;
    struct sr_txn *t;
    const char *subject;
    const struct sr_schema_input *in;
    struct sr_input_schema *parsed;
    /* The request's own metadata and rule set (canonical texts, owned),
     * kept because each attempt merges them into parsed->rec afresh. */
    char *request_md, *request_rs;
    int64_t id;
    int32_t version;
    int32_t max_version; /* the subject's highest version, once read in this attempt */
    bool max_known;
    struct sr_schema_rec stored; /* an existing version's schema, when one answered */
    uint64_t deadline_ns;        /* the request's (common/deadline.h), whoever runs the txn */
};

/* The subject's highest version number, read once per attempt: nothing the
 * attempt writes before its version row changes it. */
static enum sr_err max_version(struct reg_state *s, int32_t *out, struct sr_error *err)
{
    if (!s->max_known) {
        enum sr_err rc = sr_txn_max_version(s->t, s->subject, &s->max_version, err);
        if (rc)
            return rc;
        s->max_known = true;
    }
    *out = s->max_version;
    return SR_OK;
}

static enum sr_err choose_version(struct reg_state *s, bool import, struct sr_error *err)
{
    int32_t max = 0;
    enum sr_err rc = max_version(s, &max, err);
    if (rc)
        return rc;
    /* Confluent reads a version <= 0 as "none given": the next one. */
    bool explicit = s->in->has_version && s->in->version > 0;
    if (import && explicit) {
        struct sr_version_rec v = {0};
        struct sr_error miss = {0};
        if (sr_txn_version_get(s->t, s->subject, s->in->version, true, &v, &miss) == SR_OK) {
            sr_version_rec_release(&v);
            return sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED,
                             "Version %d of subject %s already exists", s->in->version, s->subject);
        }
        s->version = s->in->version;
        return SR_OK;
    }
    if (max == INT32_MAX) /* only an IMPORT can have taken the last number */
        return sr_errorf(err, SR_ERR_OPERATION_NOT_PERMITTED,
                         "Subject %s has no version number left after %d", s->subject, max);
    if (explicit && s->in->version != max + 1)
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                         "Version is not one more than previous version");
    s->version = max + 1;
    return SR_OK;
}

/* A new id, which the 4-byte id of the wire format must be able to carry:
 * an IMPORT may have taken 2^31-1. */
static enum sr_err new_wire_id(struct sr_txn *t, const char *context, int64_t *id_out,
                               struct sr_error *err)
{
    int64_t id = 0;
    enum sr_err rc = sr_txn_reserve_id(t, context, &id, err);
    if (!rc && id > INT32_MAX)
        rc = sr_errorf(err, SR_ERR_INTERNAL,
                       "Schema ids are exhausted: the wire format carries ids up to %d", INT32_MAX);
    if (!rc)
        *id_out = id;
    return rc;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Confluent's maybePopulateFromPrevious on parsed->rec (outside IMPORT). */
static enum sr_err populate(struct reg_state *s, const struct sr_effective_config *cfg,
                            struct sr_error *err)
{
    struct sr_schema_rec prev = {0};
    bool has_prev = false;
    enum sr_err rc = sr_populate_previous(s->t, s->subject, &prev, &has_prev, err);
    if (!rc)
        rc = sr_populate_contracts(cfg, s->request_md, s->request_rs, has_prev ? &prev : NULL,
                                   &s->parsed->rec, err);
    sr_schema_rec_release(&prev);
    return rc;
}

/* The schema row an existing version carries, for the answer. */
static enum sr_err keep_stored(struct reg_state *s, const char *context, struct sr_error *err)
{
    sr_schema_rec_release(&s->stored);
    return sr_txn_schema_get(s->t, context, s->id, &s->stored, err);
}

/* A new version: its number, its confluent:version, the judgement and the id. */
static enum sr_err add_version(struct reg_state *s, const char *context, bool import,
                               const struct sr_effective_config *cfg, bool *is_new,
                               struct sr_error *err)
{
    enum sr_err rc = SR_OK;
    *is_new = true;
    if (import && s->in->has_id) {
        s->id = s->in->id;
        return import_id(s->t, sr_registry_opts(s->r)->api, s->subject, context, s->in,
                         &s->parsed->rec, is_new, err);
    }
    if (!import && sr_registry_opts(s->r)->api != SR_API_7) {
        int32_t max = 0;
        rc = max_version(s, &max, err);
        if (!rc)
            rc = sr_populate_version_property(&s->parsed->rec, max + 1,
                                              s->in->has_version && s->in->version != 0, err);
    }
    if (!rc)
        rc = check_against_live(s->r, s->t, s->subject, s->parsed->schema, s->parsed->rec.metadata,
                                cfg, err);
    if (!rc)
        rc = sr_txn_schema_find(s->t, context, &s->parsed->rec, &s->id, err);
    *is_new = !rc && !s->id;
    /* Reserved only once the schema is known to fit: a backend shared
     * by several writers may never hand a reserved id out again. */
    if (!rc && *is_new)
        rc = new_wire_id(s->t, context, &s->id, err);
    return rc;
}

static enum sr_err register_with(struct reg_state *s, const struct sr_effective_config *cfg,
                                 struct sr_error *err)
{
    struct context_name ctx = context_of(s->subject);
    const char *context = ctx.s;
    char mode[SR_MODE_NAME_MAX];
    enum sr_err rc = sr_settings_mode(s->t, s->subject, mode, err);
    bool import = !rc && strcmp(mode, "IMPORT") == 0;
    /* Data contracts came with Confluent 7.4: the 7.0 dialect stores what it is given. */
    bool contracts = !import && sr_registry_opts(s->r)->api != SR_API_7;
    if (!rc && contracts)
        rc = populate(s, cfg, err);
    int32_t found_version = 0;
    int64_t found_id = 0;
    if (!rc)
        rc = existing_version(s->r, s->t, s->subject, &s->parsed->rec, &found_id, &found_version,
                              err);
    if (!rc && found_version)
        rc = check_found_id(s->in, found_id, err);
    if (rc || found_version) {
        s->id = found_id;
        s->version = found_version;
        return rc ? rc : keep_stored(s, context, err);
    }
    bool is_new = true;
    if ((rc = check_register_mode(sr_registry_opts(s->r)->api, s->subject, mode, s->in, &import,
                                  err)))
        return rc;
    rc = add_version(s, context, import, cfg, &is_new, err);
    if (!rc)
        rc = choose_version(s, import, err);
    if (!rc && is_new) {
        s->parsed->rec.id = s->id;
        rc = sr_txn_schema_insert(s->t, context, &s->parsed->rec, s->parsed->refs,
                                  s->parsed->ref_count, err);
    }
    if (!rc)
        rc = sr_txn_version_insert(s->t, s->subject, s->version, context, s->id, now_ms(), err);
    if (!rc && !import)
        rc = drop_deleted_twins(s->t, s->subject, s->id, err);
    return rc;
}

static enum sr_err register_in_txn(struct reg_state *s, struct sr_error *err)
{
    struct sr_effective_config cfg;
    enum sr_err rc = sr_settings_effective(s->t, s->subject, &cfg, err);
    if (rc)
        return rc;
    rc = register_with(s, &cfg, err);
    sr_effective_config_release(&cfg);
    return rc;
}

/* Looks for the schema among the subject's live versions from a read
 * transaction, without queueing behind writers: producers re-register their
 * schema at every start. *parsed keeps the parsed schema for the write that
 * follows when it is new. Skipped, as Confluent skips it, when the config
 * has default or override metadata or rule sets: those change what the
 * request means. */
/* in as the loader should read it (*out): normalize set, and then the
 * references sorted by subject and version without repeats (*refs holds
 * them; caller json_decrefs it). */
static enum sr_err normalized_input(const struct sr_schema_input *in, bool normalize,
                                    struct sr_schema_input *out, json_t **refs,
                                    struct sr_error *err)
{
    *out = *in;
    *refs = NULL;
    out->normalize = normalize;
    if (normalize && in->references) {
        *refs = sr_input_sorted_refs(in->references);
        if (!*refs)
            return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
        out->references = *refs;
    }
    return SR_OK;
}

/* given as sent; asked: ?normalize=true. *in and *sorted get the input as
 * the loader reads it (normalized_input()), with the config's normalize when
 * the request did not ask: one read transaction for all of it. */
static enum sr_err fast_path(struct sr_registry *r, const char *subject,
                             const struct sr_schema_input *given, bool asked,
                             struct sr_schema_input *in, json_t **sorted,
                             struct sr_input_schema *parsed, struct sr_registered *out,
                             struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_effective_config cfg = {0};
    int64_t id = 0;
    out->version = 0;
    enum sr_err rc = sr_store_begin(sr_registry_store(r), false, &t, err);
    if (!rc)
        rc = sr_settings_effective(t, subject, &cfg, err);
    if (!rc)
        rc = normalized_input(given, asked || cfg.normalize, in, sorted, err);
    if (!rc)
        rc = sr_loader_input(r, t, in, !sr_input_asks_for_id(in), parsed, err);
    bool contracts = cfg.default_metadata || cfg.override_metadata || cfg.default_ruleset ||
                     cfg.override_ruleset;
    if (!rc && !contracts)
        rc = existing_version(r, t, subject, &parsed->rec, &id, &out->version, err);
    if (!rc && out->version)
        rc = check_found_id(in, id, err);
    if (!rc && out->version) {
        out->id = id;
        rc = sr_txn_schema_get(t, context_of(subject).s, id, &out->rec, err);
    }
    sr_effective_config_release(&cfg);
    sr_txn_rollback(t);
    return rc;
}

/* One attempt at the write: the schema is judged against its references as
 * they are now, then registered. */
static enum sr_err past_deadline(struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_TIMEOUT,
                     "The registration did not finish within the request's deadline; nothing "
                     "was registered");
}

/* Under the request's deadline, whichever thread runs it: past it, the
 * registration fails before its commit, so a late request changes nothing. */
static enum sr_err register_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct reg_state *s = arg;
    uint64_t runner_deadline = sr_deadline_get();
    sr_deadline_set(s->deadline_ns);
    bool same = true;
    s->t = t;
    s->id = 0;
    s->version = 0;
    s->max_known = false;
    enum sr_err rc = sr_deadline_passed() ? past_deadline(err) : SR_OK;
    if (!rc)
        rc = sr_loader_refs_unchanged(t, s->parsed, &same, err);
    if (!rc && !same) {
        sr_input_schema_release(s->parsed);
        rc = sr_loader_input(s->r, t, s->in, !sr_input_asks_for_id(s->in), s->parsed, err);
    }
    if (!rc)
        rc = register_in_txn(s, err);
    if (!rc && sr_deadline_passed())
        rc = past_deadline(err);
    sr_deadline_set(runner_deadline);
    return rc;
}

void sr_registered_release(struct sr_registered *r)
{
    sr_schema_rec_release(&r->rec);
    memset(r, 0, sizeof(*r));
}

/* A request with metadata or a rule set and no schema names the latest live
 * version's schema and references (outside IMPORT); *copy then holds them
 * (caller releases both *copy and *refs). */
static enum sr_err copy_previous_schema(struct sr_registry *r, const char *subject,
                                        const struct sr_schema_input *in,
                                        struct sr_schema_input *copy, struct sr_schema_rec *prev,
                                        json_t **refs, struct sr_error *err)
{
    struct sr_txn *t = NULL;
    char mode[SR_MODE_NAME_MAX] = "";
    bool found = false;
    *copy = *in;
    enum sr_err rc = sr_store_begin(sr_registry_store(r), false, &t, err);
    if (!rc)
        rc = sr_settings_mode(t, subject, mode, err);
    if (!rc && strcmp(mode, "IMPORT") != 0)
        rc = sr_populate_previous(t, subject, prev, &found, err);
    sr_txn_rollback(t);
    if (rc || !found)
        return rc; /* the loader answers 42201 "Empty schema" */
    copy->schema = prev->schema;
    copy->schema_len = strlen(prev->schema);
    *refs = prev->refs ? json_loads(prev->refs, 0, NULL) : NULL;
    copy->references = json_array_size(*refs) ? *refs : NULL;
    return SR_OK;
}

/* Whether to normalize: the request asked, else the subject's config says so
 * (Confluent: ?normalize=false falls back to the config). */
static enum sr_err wants_normal(struct sr_registry *r, const char *subject, bool asked, bool *out,
                                struct sr_error *err)
{
    *out = asked;
    if (asked)
        return SR_OK;
    struct sr_txn *t = NULL;
    struct sr_effective_config cfg = {0};
    enum sr_err rc = sr_store_begin(sr_registry_store(r), false, &t, err);
    if (!rc)
        rc = sr_settings_effective(t, subject, &cfg, err);
    if (!rc) {
        *out = cfg.normalize;
        sr_effective_config_release(&cfg);
    }
    sr_txn_rollback(t);
    return rc;
}

/* normalized_input() of in, with the config's normalize unless asked. */
static enum sr_err prepared_input(struct sr_registry *r, const char *subject,
                                  const struct sr_schema_input *in, bool asked,
                                  struct sr_schema_input *out, json_t **refs, struct sr_error *err)
{
    bool normalize = false;
    *out = *in;
    *refs = NULL;
    enum sr_err rc = wants_normal(r, subject, asked, &normalize, err);
    return rc ? rc : normalized_input(in, normalize, out, refs, err);
}

static bool blank(const char *text, size_t len)
{
    size_t i = 0;
    while (text && i < len && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r')))
        i++;
    return !text || i == len;
}

/* One registration of sr_register_all() from its parse to its answer: it
 * stays at one address throughout, since its reg_state points into it. */
struct reg_job {
    struct sr_registration *reg;
    struct sr_schema_input given, copy;
    struct sr_schema_rec prev;
    json_t *refs, *sorted;
    struct sr_input_schema parsed; /* parsed once, outside any write transaction */
    struct reg_state s;
    bool prepared; /* job_prepare() ran: job_finish() must */
    bool batched;  /* waits for its write */
};

/* Everything before the write: the input made ready, parsed, and looked for
 * among the subject's versions from a read transaction. Answers reg when
 * that settles it; else leaves the job batched. */
static void job_prepare(struct sr_registry *r, struct reg_job *j)
{
    struct sr_registration *reg = j->reg;
    const struct sr_schema_input *in = reg->in;
    j->prepared = true;
    memset(&reg->out, 0, sizeof(reg->out));
    enum sr_err rc = sr_input_subject(reg->subject, &reg->err);
    j->given = *in;
    if (!rc && blank(in->schema, in->schema_len) && (in->metadata || in->ruleset))
        rc = copy_previous_schema(r, reg->subject, in, &j->given, &j->prev, &j->refs, &reg->err);
    if (!rc)
        rc = fast_path(r, reg->subject, &j->given, reg->normalize, &j->copy, &j->sorted, &j->parsed,
                       &reg->out, &reg->err);
    reg->rc = rc;
    if (rc || reg->out.version)
        return;
    j->s = (struct reg_state){.r = r,
                              .subject = reg->subject,
                              .in = &j->copy,
                              .parsed = &j->parsed,
                              .deadline_ns = sr_deadline_get()};
    const struct sr_schema_rec *rec = &j->parsed.rec;
    j->s.request_md = rec->metadata ? strdup(rec->metadata) : NULL;
    j->s.request_rs = rec->ruleset ? strdup(rec->ruleset) : NULL;
    if ((rec->metadata && !j->s.request_md) || (rec->ruleset && !j->s.request_rs))
        reg->rc = sr_errorf(&reg->err, SR_ERR_NOMEM, "out of memory");
    else
        j->batched = true;
}

/* After the write (if any): the answer completed, the job's state freed. */
static void job_finish(struct reg_job *j)
{
    struct sr_registration *reg = j->reg;
    struct sr_registered *out = &reg->out;
    if (j->batched && !reg->rc) {
        out->id = j->s.id;
        out->version = j->s.version;
        if (j->s.stored.schema) { /* an existing version answered */
            out->rec = j->s.stored;
            memset(&j->s.stored, 0, sizeof(j->s.stored));
        } else {
            out->rec = j->parsed.rec;
            memset(&j->parsed.rec, 0, sizeof(j->parsed.rec));
            out->rec.id = j->s.id;
        }
    }
    sr_schema_rec_release(&j->s.stored);
    free(j->s.request_md);
    free(j->s.request_rs);
    sr_input_schema_release(&j->parsed);
    json_decref(j->refs);
    json_decref(j->sorted);
    sr_schema_rec_release(&j->prev);
    if (!reg->rc && !out->rec.guid && !(out->rec.guid = calloc(1, SR_GUID_SIZE)))
        reg->rc = sr_errorf(&reg->err, SR_ERR_NOMEM, "out of memory");
    if (!reg->rc && !out->rec.guid[0] && !sr_store_schema_guid(&out->rec, out->rec.guid))
        reg->rc = sr_errorf(&reg->err, SR_ERR_NOMEM, "out of memory");
    if (reg->rc)
        sr_registered_release(out);
}

/* The writes of the batched jobs, queued together so that they share
 * commits (group commit); each keeps its own answer. */
static enum sr_err run_writes(struct sr_registry *r, struct reg_job *jobs, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += jobs[i].batched;
    if (count == 0)
        return SR_OK;
    struct sr_batch_job *work = calloc(count, sizeof(*work));
    if (!work)
        return SR_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].batched)
            work[k++] = (struct sr_batch_job){
                .fn = register_txn, .arg = &jobs[i].s, .err = &jobs[i].reg->err};
    enum sr_err rc = sr_store_run_batched_all(sr_registry_store(r), work, count);
    k = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (jobs[i].batched)
            jobs[i].reg->rc = work[k++].rc;
    free(work);
    return rc;
}

enum sr_err sr_register_all(struct sr_registry *r, struct sr_registration *regs, size_t n)
{
    assert(r && (regs || n == 0));
    struct reg_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
    if (!jobs)
        return SR_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        jobs[i].reg = &regs[i];
        if (!regs[i].rc) /* else the caller refused it already */
            job_prepare(r, &jobs[i]);
    }
    enum sr_err rc = run_writes(r, jobs, n);
    for (size_t i = 0; i < n; i++) {
        if (rc && jobs[i].batched)
            jobs[i].reg->rc = sr_errorf(&jobs[i].reg->err, rc, "out of memory");
        if (jobs[i].prepared)
            job_finish(&jobs[i]);
    }
    free(jobs);
    return SR_OK;
}

enum sr_err sr_register_schema(struct sr_registry *r, const char *subject,
                               const struct sr_schema_input *in, bool normalize,
                               struct sr_registered *out, struct sr_error *err)
{
    struct sr_registration reg = {.subject = subject, .in = in, .normalize = normalize};
    enum sr_err rc = sr_register_all(r, &reg, 1);
    if (rc) {
        memset(out, 0, sizeof(*out));
        return sr_errorf(err, rc, "out of memory");
    }
    *out = reg.out;
    if (reg.rc && err)
        *err = reg.err;
    return reg.rc;
}

/* ---- lookup ---------------------------------------------------------------------- */

/* Whether the row holds want: exactly (metadata and ruleSet are part of a
 * schema's identity, as in Confluent's hash), or, with resolved, as its
 * references-inlined form. Fills *have on a match. */
static enum sr_err row_matches(struct sr_registry *r, struct sr_txn *t,
                               const struct sr_version_rec *row, const struct sr_schema_rec *want,
                               bool resolved, struct sr_schema_rec *have, bool *found,
                               struct sr_error *err)
{
    enum sr_err rc = sr_txn_schema_get(t, row->context, row->id, have, err);
    *found = !rc && !resolved && same_schema(have, want);
    if (!rc && resolved)
        rc = same_resolved(r, t, row->context, row->id, have, want, found, err);
    if (rc || !*found)
        sr_schema_rec_release(have);
    return rc;
}

static enum sr_err find_in_subject(struct sr_registry *r, struct sr_txn *t, const char *subject,
                                   const struct sr_schema_rec *want, bool include_deleted,
                                   struct sr_version_rec *version_out,
                                   struct sr_schema_rec *schema_out, struct sr_error *err)
{
    struct sr_version_rec *rows = NULL;
    size_t n = 0, visible = 0;
    enum sr_err rc = sr_txn_version_rows(t, subject, &rows, &n, err);
    bool found = false;
    /* Exact matches first, as Confluent's hash lookup comes before deepEquals. */
    for (int pass = 0; pass < (want->refs ? 1 : 2); pass++) {
        for (size_t i = n; !rc && !found && i-- > 0;) {
            if (rows[i].deleted && !include_deleted)
                continue;
            visible++;
            rc = row_matches(r, t, &rows[i], want, pass == 1, schema_out, &found, err);
            if (found) {
                *version_out = rows[i];
                memset(&rows[i], 0, sizeof(rows[i]));
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    if (rc || found)
        return rc;
    if (!visible)
        return sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject);
    return sr_errorf(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema not found");
}

enum sr_err sr_register_lookup(struct sr_registry *r, const char *subject,
                               const struct sr_schema_input *in, bool normalize,
                               bool include_deleted, struct sr_version_rec *version_out,
                               struct sr_schema_rec *schema_out, struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_input_schema parsed = {0};
    struct sr_schema_input copy;
    json_t *sorted = NULL;
    enum sr_err rc = prepared_input(r, subject, in, normalize, &copy, &sorted, err);
    in = &copy;
    if (!rc)
        rc = sr_store_begin(sr_registry_store(r), false, &t, err);
    if (!rc) {
        /* A subject with nothing in it answers 40401 before the schema is judged. */
        struct sr_int_list versions = {0};
        rc = sr_txn_versions(t, subject, include_deleted ? SR_WITH_DELETED : SR_LIVE_ONLY,
                             &versions, err);
        if (!rc && !versions.count)
            rc = sr_errorf(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject);
        sr_int_list_release(&versions);
    }
    if (!rc)
        rc = sr_loader_input(r, t, in, false, &parsed, err);
    if (!rc)
        rc = find_in_subject(r, t, subject, &parsed.rec, include_deleted, version_out, schema_out,
                             err);
    sr_input_schema_release(&parsed);
    sr_txn_rollback(t);
    json_decref(sorted);
    return rc;
}

/* ---- compatibility endpoints ---------------------------------------------------------- */

static enum sr_err verbose_answer(const struct sr_error *why, bool *ok, struct sr_strlist *msgs,
                                  struct sr_error *err)
{
    *ok = false;
    msgs->items = calloc(1, sizeof(char *));
    if (!msgs->items || !(msgs->items[0] = strdup(why->message))) {
        free(msgs->items);
        msgs->items = NULL;
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    msgs->count = 1;
    return SR_OK;
}

enum sr_err sr_register_check(struct sr_registry *r, const char *subject,
                              const struct sr_schema_input *in, bool normalize, int32_t version,
                              const enum sr_compat_level *level_override, bool verbose,
                              bool *compatible_out, struct sr_strlist *messages_out,
                              struct sr_error *err)
{
    struct sr_txn *t = NULL;
    struct sr_input_schema parsed = {0};
    struct sr_compat_prev *prev = NULL;
    size_t n = 0;
    enum sr_compat_level level = SR_LEVEL_BACKWARD;
    memset(messages_out, 0, sizeof(*messages_out));
    struct sr_schema_input copy;
    json_t *sorted = NULL;
    enum sr_err rc = prepared_input(r, subject, in, normalize, &copy, &sorted, err);
    in = &copy;
    if (!rc)
        rc = sr_store_begin(sr_registry_store(r), false, &t, err);
    if (!rc)
        rc = version ? sr_loader_one_version(r, t, subject, version, &prev, &n, err)
                     : sr_loader_live_versions(r, t, subject, NULL, NULL, &prev, &n, err);
    if (!rc && level_override)
        level = *level_override;
    else if (!rc)
        rc = sr_settings_level(t, subject, &level, err);
    if (!rc) {
        struct sr_error perr = {0};
        rc = sr_loader_input(r, t, in, true, &parsed, &perr);
        if (rc == SR_ERR_INVALID_SCHEMA && verbose)
            rc = verbose_answer(&perr, compatible_out, messages_out, err);
        else if (rc)
            sr_errorf(err, rc, "%s", perr.message);
        else
            rc = sr_compat_check_level(level, parsed.schema, prev, n, compatible_out, messages_out,
                                       err);
    }
    sr_loader_release_prev(prev, n);
    sr_input_schema_release(&parsed);
    sr_txn_rollback(t);
    json_decref(sorted);
    return rc;
}

/*
 * id_lookup.c - schema ids and GUIDs across contexts, and the SchemaString;
 * see id_lookup.h.
 */
#include "server/id_lookup.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/jout.h"
#include "server/loader.h"

void sr_id_key_release(struct sr_id_key *k)
{
    sr_version_rec_release(&k->row);
    memset(k, 0, sizeof(*k));
}

static enum sr_err not_found(int64_t id, struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema %lld not found", (long long)id);
}

/* Fills out with (context, id) and the row; takes the row. */
static void set_key(struct sr_id_key *out, const char *context, int64_t id,
                    struct sr_version_rec *row)
{
    snprintf(out->context, sizeof out->context, "%s", context);
    out->id = id;
    out->row = *row;
    memset(row, 0, sizeof(*row));
}

/* The first (subject, version) of context carrying id that filter admits;
 * *found_out false when there is none. */
static enum sr_err first_carrier(struct sr_txn *t, const char *context, int64_t id,
                                 enum sr_deleted_filter filter, struct sr_version_rec *row,
                                 bool *found_out, struct sr_error *err)
{
    struct sr_subject_version_list uses = {0};
    enum sr_err rc = sr_txn_versions_for_id(t, context, id, filter, &uses, err);
    *found_out = !rc && uses.count;
    if (*found_out)
        rc = sr_txn_version_get(t, uses.items[0].subject, uses.items[0].version, true, row, err);
    sr_subject_version_list_release(&uses);
    return rc;
}

enum sr_err sr_id_lookup_in(struct sr_txn *t, const char *context, int64_t id,
                            struct sr_id_key *out, struct sr_error *err)
{
    struct sr_version_rec row = {0};
    bool found = false;
    enum sr_err rc = first_carrier(t, context, id, SR_LIVE_ONLY, &row, &found, err);
    if (!rc && !found)
        rc = first_carrier(t, context, id, SR_WITH_DELETED, &row, &found, err);
    if (!rc && !found)
        rc = not_found(id, err);
    if (!rc)
        set_key(out, context, id, &row);
    sr_version_rec_release(&row);
    return rc;
}

/* subject's version carrying id in context (a live one first); *found_out
 * false when it has none. */
static enum sr_err subject_carrier(struct sr_txn *t, const char *subject, const char *context,
                                   int64_t id, struct sr_id_key *out, bool *found_out,
                                   struct sr_error *err)
{
    static const enum sr_deleted_filter order[] = {SR_LIVE_ONLY, SR_WITH_DELETED};
    *found_out = false;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        struct sr_version_rec row = {0};
        struct sr_error miss = {0};
        enum sr_err rc = sr_txn_version_by_id(t, subject, context, id, order[i], &row, &miss);
        if (rc == SR_ERR_VERSION_NOT_FOUND)
            continue;
        if (rc)
            return sr_errorf(err, rc, "%s", miss.message);
        set_key(out, context, id, &row);
        *found_out = true;
        return SR_OK;
    }
    return SR_OK;
}

/* A plain subject not found in the default context: ":.ctx:<subject>" in
 * each other context, in name order. */
static enum sr_err try_other_contexts(struct sr_txn *t, const char *subject, int64_t id,
                                      struct sr_id_key *out, bool *found_out, struct sr_error *err)
{
    struct sr_str_list contexts = {0};
    enum sr_err rc = sr_txn_contexts(t, &contexts, err);
    *found_out = false;
    for (size_t i = 0; !rc && !*found_out && i < contexts.count; i++) {
        const char *c = contexts.items[i];
        if (strcmp(c, SR_DEFAULT_CONTEXT) == 0)
            continue;
        struct sr_buf q = SR_BUF_INIT;
        sr_buf_addf(&q, ":%s:%s", c, subject);
        if (sr_buf_failed(&q))
            rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
        else
            rc = subject_carrier(t, q.data, c, id, out, found_out, err);
        sr_buf_release(&q);
    }
    sr_str_list_release(&contexts);
    return rc;
}

enum sr_err sr_id_lookup(struct sr_txn *t, int64_t id, const char *subject, struct sr_id_key *out,
                         struct sr_error *err)
{
    if (!subject)
        return sr_id_lookup_in(t, SR_DEFAULT_CONTEXT, id, out, err);
    char context[SR_CONTEXT_MAX];
    sr_context_of(subject, context);
    const char *name = sr_context_unqualified(subject);
    if (!*name)
        return sr_id_lookup_in(t, context, id, out, err);
    bool in_default = strcmp(context, SR_DEFAULT_CONTEXT) == 0;
    /* ":.:orders" is "orders": the default context's subjects are stored bare. */
    bool found = false;
    enum sr_err rc = subject_carrier(t, in_default ? name : subject, context, id, out, &found, err);
    if (!rc && !found && !in_default)
        return not_found(id, err);
    if (!rc && !found)
        rc = try_other_contexts(t, name, id, out, &found, err);
    if (!rc && !found)
        return sr_id_lookup_in(t, SR_DEFAULT_CONTEXT, id, out, err);
    return rc;
}

/* ---- GUIDs ------------------------------------------------------------------------ */

static bool hex_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

bool sr_guid_parse(const char *text, char out[SR_GUID_SIZE])
{
    static const size_t groups[] = {8, 4, 4, 4, 12};
    size_t len = strlen(text);
    char digits[33];
    if (len == 32 && hex_run(text, 32)) {
        memcpy(digits, text, 32);
    } else if (len == 36) {
        const char *p = text;
        size_t at = 0;
        for (size_t g = 0; g < 5; g++) {
            if (!hex_run(p, groups[g]) || (g < 4 && p[groups[g]] != '-'))
                return false;
            memcpy(digits + at, p, groups[g]);
            at += groups[g];
            p += groups[g] + 1;
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < 32; i++)
        digits[i] = (char)tolower((unsigned char)digits[i]);
    snprintf(out, SR_GUID_SIZE, "%.8s-%.4s-%.4s-%.4s-%.12s", digits, digits + 8, digits + 12,
             digits + 16, digits + 20);
    return true;
}

/* ---- the SchemaString ---------------------------------------------------------------- */

bool sr_format_resolved(const char *format)
{
    if (!format)
        return false;
    while (isspace((unsigned char)*format))
        format++;
    size_t n = strlen(format);
    while (n && isspace((unsigned char)format[n - 1]))
        n--;
    return n == 8 && strncasecmp(format, "resolved", 8) == 0;
}

/* Java's Schema.toString() of the parsed schema with no names known: every
 * referenced type written out in full where first used. */
static enum sr_err resolved_text(struct sr_registry *r, struct sr_txn *t, const char *context,
                                 int64_t id, char **out, size_t *len_out, struct sr_error *err)
{
    struct sr_schema *s = NULL;
    enum sr_err rc = sr_loader_stored(r, t, context, id, &s, err);
    if (rc == SR_ERR_SCHEMA_NOT_FOUND)
        return not_found(id, err);
    if (rc)
        return rc;
    *out = sr_node_to_text(sr_schema_root(s), len_out);
    sr_schema_free(s);
    return *out ? SR_OK : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
}

static enum sr_err fetch_schema(struct sr_txn *t, const char *context, int64_t id,
                                struct sr_schema_rec *out, struct sr_error *err)
{
    struct sr_error miss = {0};
    enum sr_err rc = sr_txn_schema_get(t, context, id, out, &miss);
    if (rc == SR_ERR_SCHEMA_NOT_FOUND)
        return not_found(id, err);
    return rc ? sr_errorf(err, rc, "%s", miss.message) : SR_OK;
}

enum sr_err sr_id_schema_text(struct sr_registry *r, struct sr_txn *t, const char *context,
                              int64_t id, const char *format, char **out, size_t *len_out,
                              struct sr_error *err)
{
    if (sr_format_resolved(format))
        return resolved_text(r, t, context, id, out, len_out, err);
    struct sr_schema_rec s = {0};
    enum sr_err rc = fetch_schema(t, context, id, &s, err);
    if (!rc) {
        *len_out = strlen(s.schema);
        *out = s.schema;
        s.schema = NULL;
    }
    sr_schema_rec_release(&s);
    return rc;
}

/* ,"key":<json text> when text is set. */
static void add_raw(struct sr_buf *b, const char *key, const char *text)
{
    if (!text)
        return;
    sr_buf_addf(b, ",\"%s\":", key);
    sr_buf_adds(b, text);
}

static void add_body(struct sr_buf *b, const struct sr_id_key *k, const struct sr_schema_rec *s,
                     const char *guid, const char *text, size_t text_len,
                     const struct sr_string_opts *opts, int64_t max_id)
{
    sr_buf_addc(b, '{');
    if (opts->with_subject) {
        sr_buf_adds(b, "\"subject\":");
        sr_jout_cstring(b, k->row.subject);
        sr_buf_addf(b, ",\"version\":%d,", (int)k->row.version);
    }
    sr_buf_adds(b, "\"guid\":");
    sr_jout_cstring(b, guid);
    sr_buf_adds(b, ",\"schemaType\":");
    sr_jout_cstring(b, s->schema_type ? s->schema_type : "AVRO");
    sr_buf_adds(b, ",\"schema\":");
    sr_jout_string(b, text, text_len);
    add_raw(b, "references", s->refs);
    add_raw(b, "metadata", s->metadata);
    add_raw(b, "ruleSet", s->ruleset);
    if (opts->max_id)
        sr_buf_addf(b, ",\"maxId\":%lld", (long long)max_id);
    if (k->row.ts > 0)
        sr_buf_addf(b, ",\"ts\":%lld", (long long)k->row.ts);
    sr_buf_addf(b, ",\"deleted\":%s}", k->row.deleted ? "true" : "false");
}

enum sr_err sr_id_render(struct sr_registry *r, struct sr_txn *t, const struct sr_id_key *k,
                         const struct sr_string_opts *opts, struct sr_buf *out,
                         struct sr_error *err)
{
    struct sr_schema_rec s = {0};
    char *resolved = NULL;
    size_t resolved_len = 0;
    int64_t max_id = 0;
    char guid[SR_GUID_SIZE] = "";
    enum sr_err rc = fetch_schema(t, k->context, k->id, &s, err);
    if (!rc && sr_format_resolved(opts->format))
        rc = resolved_text(r, t, k->context, k->id, &resolved, &resolved_len, err);
    if (!rc && opts->max_id)
        rc = sr_txn_max_id(t, k->context, &max_id, err);
    if (!rc && s.guid)
        snprintf(guid, sizeof guid, "%s", s.guid);
    else if (!rc && !sr_store_schema_guid(&s, guid))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (!rc) {
        const char *text = resolved ? resolved : s.schema;
        add_body(out, k, &s, guid, text, resolved ? resolved_len : strlen(s.schema), opts, max_id);
        if (sr_buf_failed(out))
            rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    free(resolved);
    sr_schema_rec_release(&s);
    return rc;
}

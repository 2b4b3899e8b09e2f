/*
 * snapshot_format.c - the export format (docs/export-format.md): JSON lines,
 *
 *   {"kind":"avroreg-export","formatVersion":1}
 *   {"kind":"global","compatibilityLevel":"BACKWARD","mode":"READWRITE"}
 *   {"kind":"schema","id":1,"schemaType":"AVRO","schema":"...",...}     by id
 *   {"kind":"subject","subject":"orders-value",...}                     by name
 *   {"kind":"version","subject":"orders-value","version":1,"id":1,"deleted":false}
 *   {"kind":"end","schemas":1,"subjects":1,"versions":1}
 *
 * Everything is written sorted, and every object with its keys in one fixed
 * order (metadata and ruleSet as the registry gave them), so that equal
 * snapshots give equal bytes. The end line makes a cut file detectable.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/migrate_int.h"
#include "common/buf.h"

#define FORMAT_KIND "avroreg-export"

/* ---- writing ---------------------------------------------------------------------- */

/* Lines are built one at a time and handed to the sink. */
struct writer {
    avroreg_write_fn sink;
    void *user;
    struct sr_buf line;
    bool sink_failed;
};

static int append_to_buf(const char *data, size_t len, void *b)
{
    sr_buf_add(b, data, len);
    return sr_buf_failed(b) ? -1 : 0;
}

/* Writes doc as one line and drops the reference; false on OOM or when the
 * sink failed. */
static bool add_line(struct writer *w, json_t *doc)
{
    sr_buf_reset(&w->line);
    bool ok = doc && json_dump_callback(doc, append_to_buf, &w->line,
                                        JSON_COMPACT | JSON_PRESERVE_ORDER) == 0;
    json_decref(doc);
    sr_buf_addc(&w->line, '\n');
    if (!ok || sr_buf_failed(&w->line))
        return false;
    if (w->sink(w->line.data, w->line.len, w->user) != 0) {
        w->sink_failed = true;
        return false;
    }
    return true;
}

/* Sets key to a new value v (stolen) unless v is NULL; false on OOM. */
static bool set_opt(json_t *obj, const char *key, json_t *v)
{
    return !v || json_object_set_new(obj, key, v) == 0;
}

static bool add_settings(json_t *obj, const char *compat, int normalize, const char *mode)
{
    return (!compat || json_object_set_new(obj, "compatibilityLevel", json_string(compat)) == 0) &&
           (normalize < 0 || json_object_set_new(obj, "normalize", json_boolean(normalize)) == 0) &&
           (!mode || json_object_set_new(obj, "mode", json_string(mode)) == 0);
}

static json_t *schema_line(const struct ar_schema_ent *e)
{
    json_t *doc = json_pack("{s:s,s:i,s:s,s:s}", "kind", "schema", "id", (int)e->id, "schemaType",
                            e->type, "schema", e->text);
    if (doc && set_opt(doc, "references", e->refs ? json_incref(e->refs) : NULL) &&
        set_opt(doc, "metadata", e->metadata ? json_incref(e->metadata) : NULL) &&
        set_opt(doc, "ruleSet", e->ruleset ? json_incref(e->ruleset) : NULL))
        return doc;
    json_decref(doc);
    return NULL;
}

static bool add_subject(struct writer *w, const struct ar_subject_ent *s)
{
    json_t *doc = json_pack("{s:s,s:s}", "kind", "subject", "subject", s->name);
    if (doc && !add_settings(doc, s->compat, s->normalize, s->mode)) {
        json_decref(doc);
        doc = NULL;
    }
    bool ok = add_line(w, doc);
    for (size_t v = 0; ok && v < s->version_count; v++) {
        const struct ar_version_ent *ver = &s->versions[v];
        ok = add_line(w, json_pack("{s:s,s:s,s:i,s:i,s:b}", "kind", "version", "subject", s->name,
                                   "version", (int)ver->version, "id", (int)ver->id, "deleted",
                                   ver->deleted));
    }
    return ok;
}

enum avroreg_err avroreg_snapshot_write(const struct avroreg_snapshot *snap, avroreg_write_fn sink,
                                        void *user, struct avroreg_error *err)
{
    if (!snap || !sink)
        return ar_error(err, AVROREG_ERR_ARG, "a snapshot and a sink are needed");
    assert(snap->sealed);
    struct writer w = {.sink = sink, .user = user, .line = SR_BUF_INIT};
    json_t *global = json_pack("{s:s}", "kind", "global");
    if (global && !add_settings(global, snap->compat, snap->normalize, snap->mode)) {
        json_decref(global);
        global = NULL;
    }
    bool ok = add_line(&w, json_pack("{s:s,s:i}", "kind", FORMAT_KIND, "formatVersion",
                                     AVROREG_EXPORT_FORMAT_VERSION));
    if (ok)
        ok = add_line(&w, global); /* which takes global either way */
    else
        json_decref(global);
    for (size_t i = 0; ok && i < snap->schema_count; i++)
        ok = add_line(&w, schema_line(&snap->schemas[i]));
    struct avroreg_snapshot_stats stats;
    avroreg_snapshot_stats(snap, &stats);
    for (size_t i = 0; ok && i < snap->subject_count; i++)
        ok = add_subject(&w, &snap->subjects[i]);
    ok = ok &&
         add_line(&w, json_pack("{s:s,s:I,s:I,s:I}", "kind", "end", "schemas",
                                (json_int_t)stats.schemas, "subjects", (json_int_t)stats.subjects,
                                "versions", (json_int_t)stats.versions));
    sr_buf_release(&w.line);
    if (w.sink_failed)
        return ar_error(err, AVROREG_ERR_IO, "writing the export failed");
    if (!ok)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    return AVROREG_OK;
}

static int to_buf(const char *data, size_t len, void *b)
{
    return append_to_buf(data, len, b);
}

enum avroreg_err avroreg_snapshot_to_text(const struct avroreg_snapshot *snap, char **text_out,
                                          size_t *len_out, struct avroreg_error *err)
{
    if (!text_out)
        return ar_error(err, AVROREG_ERR_ARG, "an output is needed");
    struct sr_buf b = SR_BUF_INIT;
    enum avroreg_err rc = avroreg_snapshot_write(snap, to_buf, &b, err);
    size_t len = 0;
    char *text = rc ? NULL : sr_buf_detach(&b, &len);
    sr_buf_release(&b);
    if (!rc && !text)
        rc = ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    if (rc)
        return rc == AVROREG_ERR_IO ? ar_error(err, AVROREG_ERR_NOMEM, "out of memory") : rc;
    *text_out = text;
    if (len_out)
        *len_out = len;
    return AVROREG_OK;
}

/* ---- reading ---------------------------------------------------------------------- */

struct id_line {
    int32_t id;
    size_t line;
};

struct reader {
    struct avroreg_snapshot *snap;
    size_t line; /* the current line, from 1 */
    bool seen_global, seen_end;
    size_t versions;     /* version lines read */
    struct id_line *ids; /* one per schema line */
    size_t id_count, id_cap;
    struct avroreg_error *err;
};

static enum avroreg_err bad(struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum avroreg_err bad(struct reader *r, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return ar_error(r->err, AVROREG_ERR_FORMAT, "line %zu: %s", r->line, what);
}

/* An integer field within [min, max]; false when missing or out of range. */
static bool int_field(const json_t *doc, const char *key, json_int_t min, json_int_t max,
                      json_int_t *out)
{
    const json_t *v = json_object_get(doc, key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return false;
    *out = json_integer_value(v);
    return true;
}

/* The optional settings of a global or subject line. */
static enum avroreg_err read_settings(struct reader *r, const json_t *doc, char **compat,
                                      int *normalize, char **mode)
{
    const json_t *c = json_object_get(doc, "compatibilityLevel");
    const json_t *n = json_object_get(doc, "normalize");
    const json_t *m = json_object_get(doc, "mode");
    if ((c && !json_is_string(c)) || (n && !json_is_boolean(n)) || (m && !json_is_string(m)))
        return bad(r, "compatibilityLevel and mode must be strings, normalize a boolean");
    *compat = c ? strdup(json_string_value(c)) : NULL;
    *mode = m ? strdup(json_string_value(m)) : NULL;
    *normalize = n ? json_is_true(n) : -1;
    if ((c && !*compat) || (m && !*mode))
        return ar_error(r->err, AVROREG_ERR_NOMEM, "out of memory");
    return AVROREG_OK;
}

static enum avroreg_err read_header(struct reader *r, const json_t *doc)
{
    json_int_t version = 0;
    if (!ar_str_same(json_string_value(json_object_get(doc, "kind")), FORMAT_KIND))
        return bad(r, "not an avroreg export: the first line must be "
                      "{\"kind\":\"" FORMAT_KIND "\",\"formatVersion\":N}");
    if (!int_field(doc, "formatVersion", 1, INT32_MAX, &version))
        return bad(r, "the header has no valid formatVersion");
    if (version > AVROREG_EXPORT_FORMAT_VERSION) {
        char detail[160];
        snprintf(detail, sizeof(detail),
                 "the export is in format version %lld; this avroreg reads versions up to %d "
                 "(export with the same or an older avroreg, or upgrade this one)",
                 (long long)version, AVROREG_EXPORT_FORMAT_VERSION);
        return bad(r, "%s", detail);
    }
    return AVROREG_OK;
}

static enum avroreg_err read_global(struct reader *r, const json_t *doc)
{
    if (r->seen_global)
        return bad(r, "a second global line");
    r->seen_global = true;
    return read_settings(r, doc, &r->snap->compat, &r->snap->normalize, &r->snap->mode);
}

static enum avroreg_err read_schema(struct reader *r, const json_t *doc)
{
    json_int_t id = 0;
    if (!int_field(doc, "id", 0, INT32_MAX, &id))
        return bad(r, "a schema line needs an integer id from 0 to 2^31-1");
    struct ar_schema_ent ent;
    enum avroreg_err rc = ar_schema_ent_read(doc, (int32_t)id, &ent, r->err);
    if (rc == AVROREG_ERR_FORMAT) {
        char detail[sizeof(r->err->message)];
        snprintf(detail, sizeof(detail), "%s", r->err->message);
        return bad(r, "%s", detail);
    }
    if (!rc && r->id_count == r->id_cap) {
        size_t cap = r->id_cap ? r->id_cap * 2 : 256;
        struct id_line *grown = realloc(r->ids, cap * sizeof(*grown));
        if (!grown) {
            ar_schema_ent_release(&ent);
            return ar_error(r->err, AVROREG_ERR_NOMEM, "out of memory");
        }
        r->ids = grown;
        r->id_cap = cap;
    }
    if (!rc) {
        r->ids[r->id_count++] = (struct id_line){(int32_t)id, r->line};
        rc = ar_snap_add_schema(r->snap, &ent, r->err);
    }
    return rc;
}

static enum avroreg_err read_subject(struct reader *r, const json_t *doc)
{
    const char *name = json_string_value(json_object_get(doc, "subject"));
    if (!name)
        return bad(r, "a subject line needs a \"subject\" string");
    if (ar_snap_subject(r->snap, name, false))
        return bad(r, "subject '%s' is given twice", name);
    struct ar_subject_ent *s = ar_snap_subject(r->snap, name, true);
    if (!s)
        return ar_error(r->err, AVROREG_ERR_NOMEM, "out of memory");
    return read_settings(r, doc, &s->compat, &s->normalize, &s->mode);
}

static enum avroreg_err read_version(struct reader *r, const json_t *doc)
{
    const char *name = json_string_value(json_object_get(doc, "subject"));
    const json_t *deleted = json_object_get(doc, "deleted");
    json_int_t version = 0, id = 0;
    if (!name || !int_field(doc, "version", 1, INT32_MAX, &version) ||
        !int_field(doc, "id", 0, INT32_MAX, &id) || !json_is_boolean(deleted))
        return bad(r, "a version line needs a \"subject\" string, a \"version\" from 1 to 2^31-1, "
                      "an integer \"id\" and a boolean \"deleted\"");
    struct ar_subject_ent *s = ar_snap_subject(r->snap, name, false);
    if (!s)
        return bad(r, "a version of subject '%s' before its subject line", name);
    r->versions++;
    return ar_subject_add_version(s, (int32_t)version, (int32_t)id, json_is_true(deleted), r->err);
}

static enum avroreg_err read_end(struct reader *r, const json_t *doc)
{
    json_int_t schemas = -1, subjects = -1, versions = -1;
    int_field(doc, "schemas", 0, INT64_MAX, &schemas);
    int_field(doc, "subjects", 0, INT64_MAX, &subjects);
    int_field(doc, "versions", 0, INT64_MAX, &versions);
    r->seen_end = true;
    if ((size_t)schemas != r->id_count || (size_t)subjects != r->snap->subject_count ||
        (size_t)versions != r->versions) {
        char detail[200];
        snprintf(detail, sizeof(detail),
                 "the end line counts %lld schemas, %lld subjects and %lld versions, but the "
                 "file holds %zu, %zu and %zu",
                 (long long)schemas, (long long)subjects, (long long)versions, r->id_count,
                 r->snap->subject_count, r->versions);
        return bad(r, "%s", detail);
    }
    return AVROREG_OK;
}

static enum avroreg_err read_line(struct reader *r, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    if (!doc || !json_is_object(doc)) {
        json_decref(doc);
        return bad(r, "not a JSON object: %s", doc ? "another JSON value" : jerr.text);
    }
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    enum avroreg_err rc;
    if (r->line == 1)
        rc = read_header(r, doc);
    else if (r->seen_end)
        rc = bad(r, "a line after the end line");
    else if (ar_str_same(kind, "global"))
        rc = read_global(r, doc);
    else if (ar_str_same(kind, "schema"))
        rc = read_schema(r, doc);
    else if (ar_str_same(kind, "subject"))
        rc = read_subject(r, doc);
    else if (ar_str_same(kind, "version"))
        rc = read_version(r, doc);
    else if (ar_str_same(kind, "end"))
        rc = read_end(r, doc);
    else
        rc = bad(r, "unknown kind '%s'", kind ? kind : "(none)");
    json_decref(doc);
    return rc;
}

static int by_id_then_line(const void *a, const void *b)
{
    const struct id_line *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    return (x->line > y->line) - (x->line < y->line);
}

/* Repeated ids, named with both lines: seal would only say the id. */
static enum avroreg_err check_ids(struct reader *r)
{
    if (r->id_count)
        qsort(r->ids, r->id_count, sizeof(*r->ids), by_id_then_line);
    for (size_t i = 1; i < r->id_count; i++)
        if (r->ids[i].id == r->ids[i - 1].id) {
            return ar_error(r->err, AVROREG_ERR_FORMAT,
                            "line %zu: schema id %d is given again (first at line %zu); an id "
                            "names one schema",
                            r->ids[i].line, r->ids[i].id, r->ids[i - 1].line);
        }
    return AVROREG_OK;
}

/* Every version's id must have its schema line. */
static enum avroreg_err check_versions(struct reader *r)
{
    const struct avroreg_snapshot *snap = r->snap;
    for (size_t i = 0; i < snap->subject_count; i++) {
        const struct ar_subject_ent *s = &snap->subjects[i];
        for (size_t v = 0; v < s->version_count; v++)
            if (!ar_snap_schema(snap, s->versions[v].id))
                return ar_error(r->err, AVROREG_ERR_FORMAT,
                                "subject '%s' version %d names schema id %d, which has no schema "
                                "line",
                                s->name, s->versions[v].version, s->versions[v].id);
    }
    return AVROREG_OK;
}

enum avroreg_err avroreg_snapshot_parse(const char *text, size_t len, struct avroreg_snapshot **out,
                                        struct avroreg_error *err)
{
    if (!text || !out)
        return ar_error(err, AVROREG_ERR_ARG, "a text and an output are needed");
    struct avroreg_error local = {0};
    struct reader r = {.snap = ar_snap_new(), .err = err ? err : &local};
    if (!r.snap)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    enum avroreg_err rc = AVROREG_OK;
    size_t at = 0;
    while (!rc && at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len, stop = end;
        if (stop > at && text[stop - 1] == '\r')
            stop--;
        r.line++;
        rc = read_line(&r, text + at, stop - at);
        at = end + 1;
    }
    if (!rc && r.line == 0)
        rc = ar_error(err, AVROREG_ERR_FORMAT, "the file is empty: not an avroreg export");
    else if (!rc && !r.seen_end)
        rc = ar_error(err, AVROREG_ERR_FORMAT,
                      "the export ends after line %zu without its end line: the file is "
                      "truncated",
                      r.line);
    if (!rc)
        rc = check_ids(&r);
    if (!rc)
        rc = ar_snap_seal(r.snap, err);
    if (!rc)
        rc = check_versions(&r);
    free(r.ids);
    if (rc) {
        avroreg_snapshot_free(r.snap);
        return rc;
    }
    *out = r.snap;
    return AVROREG_OK;
}

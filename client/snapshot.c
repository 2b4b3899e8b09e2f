/*
 * snapshot.c - the snapshot model: building, sealing, lookups and comparing
 * schemas (see migrate_int.h).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/migrate_int.h"
#include "schemas/schema.h"

struct avroreg_snapshot *ar_snap_new(void)
{
    struct avroreg_snapshot *snap = calloc(1, sizeof(*snap));
    if (snap) {
        snap->normalize = -1;
        sr_strmap_init(&snap->names, NULL);
    }
    return snap;
}

void ar_schema_ent_release(struct ar_schema_ent *ent)
{
    free(ent->type);
    free(ent->text);
    json_decref(ent->refs);
    json_decref(ent->metadata);
    json_decref(ent->ruleset);
    memset(ent, 0, sizeof(*ent));
}

static void subject_release(struct ar_subject_ent *s)
{
    free(s->name);
    free(s->compat);
    free(s->mode);
    free(s->versions);
}

void avroreg_snapshot_free(struct avroreg_snapshot *snap)
{
    if (!snap)
        return;
    for (size_t i = 0; i < snap->schema_count; i++)
        ar_schema_ent_release(&snap->schemas[i]);
    for (size_t i = 0; i < snap->subject_count; i++)
        subject_release(&snap->subjects[i]);
    free(snap->schemas);
    free(snap->subjects);
    free(snap->compat);
    free(snap->mode);
    sr_strmap_release(&snap->names);
    free(snap);
}

void avroreg_snapshot_stats(const struct avroreg_snapshot *snap, struct avroreg_snapshot_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!snap)
        return;
    out->schemas = snap->schema_count;
    out->subjects = snap->subject_count;
    out->no_listing = snap->no_listing;
    out->one_by_one = snap->one_by_one;
    for (size_t i = 0; i < snap->subject_count; i++) {
        const struct ar_subject_ent *s = &snap->subjects[i];
        out->versions += s->version_count;
        for (size_t v = 0; v < s->version_count; v++)
            out->deleted_versions += s->versions[v].deleted;
    }
}

const char *avroreg_snapshot_mode(const struct avroreg_snapshot *snap)
{
    return snap ? snap->mode : NULL;
}

/* Grows *items (of *cap elements of size each) to hold one more. */
static bool reserve(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 16;
    if (want > SIZE_MAX / size)
        return false;
    void *grown = realloc(*items, want * size);
    if (!grown)
        return false;
    *items = grown;
    *cap = want;
    return true;
}

enum avroreg_err ar_snap_add_schema(struct avroreg_snapshot *snap, struct ar_schema_ent *ent,
                                    struct avroreg_error *err)
{
    assert(!snap->sealed);
    if (!reserve((void **)&snap->schemas, &snap->schema_cap, snap->schema_count,
                 sizeof(*snap->schemas))) {
        ar_schema_ent_release(ent);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    snap->schemas[snap->schema_count++] = *ent;
    memset(ent, 0, sizeof(*ent));
    return AVROREG_OK;
}

struct ar_subject_ent *ar_snap_subject(struct avroreg_snapshot *snap, const char *name, bool create)
{
    assert(!snap->sealed);
    uintptr_t at = (uintptr_t)sr_strmap_get(&snap->names, name);
    if (at)
        return &snap->subjects[at - 1];
    if (!create || !reserve((void **)&snap->subjects, &snap->subject_cap, snap->subject_count,
                            sizeof(*snap->subjects)))
        return NULL;
    struct ar_subject_ent *s = &snap->subjects[snap->subject_count];
    memset(s, 0, sizeof(*s));
    s->normalize = -1;
    /* The key is the entry's own name, which moves with no realloc; the value is
     * the entry's index + 1, a number the map carries and nobody dereferences
     * (an address would go stale when the array grows). */
    void *at_plus_1 =
        (void *)(uintptr_t)(snap->subject_count + 1); /* NOLINT(performance-no-int-to-ptr) */
    if (!(s->name = strdup(name)) || !sr_strmap_put(&snap->names, s->name, at_plus_1)) {
        free(s->name);
        return NULL;
    }
    snap->subject_count++;
    return s;
}

enum avroreg_err ar_subject_add_version(struct ar_subject_ent *subject, int32_t version, int32_t id,
                                        bool deleted, struct avroreg_error *err)
{
    if (!reserve((void **)&subject->versions, &subject->version_cap, subject->version_count,
                 sizeof(*subject->versions)))
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    subject->versions[subject->version_count++] = (struct ar_version_ent){version, id, deleted};
    return AVROREG_OK;
}

/* ---- sealing -------------------------------------------------------------------- */

static int by_id(const void *a, const void *b)
{
    int32_t x = ((const struct ar_schema_ent *)a)->id, y = ((const struct ar_schema_ent *)b)->id;
    return (x > y) - (x < y);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct ar_subject_ent *)a)->name,
                  ((const struct ar_subject_ent *)b)->name);
}

static int by_version(const void *a, const void *b)
{
    int32_t x = ((const struct ar_version_ent *)a)->version;
    int32_t y = ((const struct ar_version_ent *)b)->version;
    return (x > y) - (x < y);
}

bool ar_json_same(const json_t *a, const json_t *b)
{
    return (!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b));
}

bool ar_str_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool exactly_same(const struct ar_schema_ent *a, const struct ar_schema_ent *b)
{
    return strcmp(a->type, b->type) == 0 && strcmp(a->text, b->text) == 0 &&
           ar_json_same(a->refs, b->refs) && ar_json_same(a->metadata, b->metadata) &&
           ar_json_same(a->ruleset, b->ruleset);
}

/* Drops repeated ids with the same content. Every slot stays owned by the
 * snapshot whatever happens: moved slots are zeroed, so that on error the
 * whole array can still be released. */
static enum avroreg_err dedupe_schemas(struct avroreg_snapshot *snap, struct avroreg_error *err)
{
    size_t kept = 0;
    for (size_t i = 0; i < snap->schema_count; i++) {
        struct ar_schema_ent *e = &snap->schemas[i];
        if (kept && snap->schemas[kept - 1].id == e->id) {
            if (!exactly_same(&snap->schemas[kept - 1], e))
                return ar_error(err, AVROREG_ERR_FORMAT,
                                "schema id %d is given twice with different content", e->id);
            ar_schema_ent_release(e);
            continue;
        }
        if (kept != i) {
            snap->schemas[kept] = *e;
            memset(e, 0, sizeof(*e));
        }
        kept++;
    }
    snap->schema_count = kept;
    return AVROREG_OK;
}

enum avroreg_err ar_snap_seal(struct avroreg_snapshot *snap, struct avroreg_error *err)
{
    assert(!snap->sealed);
    if (snap->schema_count)
        qsort(snap->schemas, snap->schema_count, sizeof(*snap->schemas), by_id);
    enum avroreg_err rc = dedupe_schemas(snap, err);
    if (rc)
        return rc;
    if (snap->subject_count)
        qsort(snap->subjects, snap->subject_count, sizeof(*snap->subjects), by_name);
    for (size_t i = 0; i < snap->subject_count; i++) {
        struct ar_subject_ent *s = &snap->subjects[i];
        if (s->version_count)
            qsort(s->versions, s->version_count, sizeof(*s->versions), by_version);
        for (size_t v = 1; v < s->version_count; v++)
            if (s->versions[v].version == s->versions[v - 1].version)
                return ar_error(err, AVROREG_ERR_FORMAT, "subject '%s' has version %d twice",
                                s->name, s->versions[v].version);
    }
    /* The map's slots point at names that qsort has moved between entries. */
    sr_strmap_release(&snap->names);
    sr_strmap_init(&snap->names, NULL);
    snap->sealed = true;
    return AVROREG_OK;
}

/* ---- lookups --------------------------------------------------------------------- */

const struct ar_schema_ent *ar_snap_schema(const struct avroreg_snapshot *snap, int32_t id)
{
    assert(snap->sealed);
    struct ar_schema_ent key = {.id = id};
    return snap->schema_count ? bsearch(&key, snap->schemas, snap->schema_count, sizeof(key), by_id)
                              : NULL;
}

const struct ar_subject_ent *ar_snap_find_subject(const struct avroreg_snapshot *snap,
                                                  const char *name)
{
    assert(snap->sealed);
    struct ar_subject_ent key = {.name = (char *)name};
    return snap->subject_count
               ? bsearch(&key, snap->subjects, snap->subject_count, sizeof(key), by_name)
               : NULL;
}

const struct ar_version_ent *ar_subject_version(const struct ar_subject_ent *subject,
                                                int32_t version)
{
    struct ar_version_ent key = {.version = version};
    return subject->version_count
               ? bsearch(&key, subject->versions, subject->version_count, sizeof(key), by_version)
               : NULL;
}

const struct ar_version_ent *ar_subject_latest(const struct ar_subject_ent *subject)
{
    for (size_t i = subject->version_count; i-- > 0;)
        if (!subject->versions[i].deleted)
            return &subject->versions[i];
    return NULL;
}

/* ---- reading schema fields --------------------------------------------------------- */

static bool valid_ref(const json_t *ref)
{
    const json_t *v = json_object_get(ref, "version");
    return json_is_string(json_object_get(ref, "name")) &&
           json_is_string(json_object_get(ref, "subject")) && json_is_integer(v) &&
           json_integer_value(v) >= -1 && json_integer_value(v) <= INT32_MAX;
}

/* An optional object field: NULL when absent or null; false when another type. */
static bool optional_object(const json_t *obj, const char *key, json_t **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_object(v))
        return false;
    *out = json_deep_copy(v);
    return *out != NULL;
}

enum avroreg_err ar_schema_ent_read(const json_t *obj, int32_t id, struct ar_schema_ent *out,
                                    struct avroreg_error *err)
{
    memset(out, 0, sizeof(*out));
    const json_t *text = json_object_get(obj, "schema");
    const json_t *type = json_object_get(obj, "schemaType");
    const json_t *refs = json_object_get(obj, "references");
    if (!json_is_string(text))
        return ar_error(err, AVROREG_ERR_FORMAT, "schema %d has no \"schema\" string", id);
    if (type && !json_is_null(type) && !json_is_string(type))
        return ar_error(err, AVROREG_ERR_FORMAT, "schema %d: \"schemaType\" is not a string", id);
    if (refs && !json_is_null(refs) && !json_is_array(refs))
        return ar_error(err, AVROREG_ERR_FORMAT, "schema %d: \"references\" is not an array", id);
    size_t i;
    const json_t *ref;
    json_array_foreach(refs, i, ref) if (!valid_ref(ref)) return ar_error(
        err, AVROREG_ERR_FORMAT,
        "schema %d: reference %zu needs a string name and subject and an integer version", id, i);
    out->id = id;
    out->type = strdup(json_is_string(type) ? json_string_value(type) : "AVRO");
    out->text = strndup(json_string_value(text), json_string_length(text));
    out->refs = json_array_size(refs) ? json_deep_copy(refs) : NULL;
    bool shaped = optional_object(obj, "metadata", &out->metadata) &&
                  optional_object(obj, "ruleSet", &out->ruleset);
    if (!out->type || !out->text || (json_array_size(refs) && !out->refs) || !shaped) {
        bool oom = shaped;
        ar_schema_ent_release(out);
        if (oom)
            return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
        return ar_error(err, AVROREG_ERR_FORMAT,
                        "schema %d: \"metadata\" and \"ruleSet\" must be objects", id);
    }
    return AVROREG_OK;
}

bool ar_ref_at(const struct ar_schema_ent *ent, size_t i, const char **subject, int32_t *version)
{
    const json_t *ref = json_array_get(ent->refs, i);
    if (!valid_ref(ref))
        return false;
    *subject = json_string_value(json_object_get(ref, "subject"));
    *version = (int32_t)json_integer_value(json_object_get(ref, "version"));
    return true;
}

/* ---- comparing schemas -------------------------------------------------------------- */

/* The schema with id parsed with its references resolved in snap; NULL when
 * it (or a reference) is missing or does not parse. */
static struct sr_schema *parse_in(const struct avroreg_snapshot *snap, int32_t id, int depth)
{
    const struct ar_schema_ent *ent = ar_snap_schema(snap, id);
    if (!ent || depth > AR_MAX_REFERENCE_DEPTH || strcmp(ent->type, "AVRO") != 0)
        return NULL;
    size_t n = json_array_size(ent->refs);
    struct sr_schema **deps = calloc(n ? n : 1, sizeof(*deps));
    bool ok = deps != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const char *subject;
        int32_t version;
        const struct ar_subject_ent *s = NULL;
        const struct ar_version_ent *v = NULL;
        ok = ar_ref_at(ent, i, &subject, &version) && (s = ar_snap_find_subject(snap, subject)) &&
             (v = version == -1 ? ar_subject_latest(s) : ar_subject_version(s, version)) &&
             (deps[i] = parse_in(snap, v->id, depth + 1));
    }
    struct sr_schema *out = NULL;
    if (ok) {
        struct sr_parse_opts opts = {.refs = deps, .ref_count = n, .validate_defaults = false};
        struct sr_error perr = {0};
        if (sr_schema_parse(ent->text, strlen(ent->text), &opts, &out, &perr))
            out = NULL;
    }
    for (size_t i = 0; deps && i < n; i++)
        sr_schema_free(deps[i]);
    free(deps);
    return out;
}

static bool same_canonical(const struct avroreg_snapshot *sa, int32_t a,
                           const struct avroreg_snapshot *sb, int32_t b)
{
    struct sr_schema *x = parse_in(sa, a, 0), *y = x ? parse_in(sb, b, 0) : NULL;
    size_t xl = 0, yl = 0;
    const char *xt = y ? sr_schema_canonical(x, &xl) : NULL;
    const char *yt = y ? sr_schema_canonical(y, &yl) : NULL;
    bool same = xt && yt && xl == yl && memcmp(xt, yt, xl) == 0;
    sr_schema_free(x);
    sr_schema_free(y);
    return same;
}

bool ar_schema_same(const struct avroreg_snapshot *sa, const struct ar_schema_ent *a,
                    const struct avroreg_snapshot *sb, const struct ar_schema_ent *b)
{
    if (strcmp(a->type, b->type) != 0 || !ar_json_same(a->refs, b->refs) ||
        !ar_json_same(a->metadata, b->metadata) || !ar_json_same(a->ruleset, b->ruleset))
        return false;
    if (strcmp(a->text, b->text) == 0)
        return true;
    return strcmp(a->type, "AVRO") == 0 && same_canonical(sa, a->id, sb, b->id);
}

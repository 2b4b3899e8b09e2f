/*
 * snapshot_fetch.c - reading a registry's whole state over Confluent's REST
 * API, several requests at a time.
 *
 *   1. GET /config and GET /mode: the global settings;
 *   2. GET /subjects?deleted=true: every subject, soft-deleted ones too;
 *   3. GET /schemas?deleted=true&offset=..&limit=1000, page by page in
 *      parallel: every subject-version with its schema in a few hundred
 *      requests. A registry without the listing (older Confluent, Karapace
 *      and other peers: a 404, or an answer that ignores offset or limit),
 *      or whose listing lacks a subject, is read subject by subject instead:
 *      /subjects/{s}/versions?deleted=true and
 *      /subjects/{s}/versions/{v}?deleted=true. The snapshot records that
 *      (no_listing, one_by_one) for the caller to report. A registry that
 *      ignores ?deleted=true on its listings shows no soft-deleted versions,
 *      and none are read;
 *   4. for each subject: GET /subjects/{s}/versions, its live versions (the
 *      others are soft-deleted: far cheaper than listing every schema a
 *      second time), and GET /config/{s} and GET /mode/{s}, its own settings
 *      (404: none).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/migrate_int.h"
#include "common/buf.h"

#define PAGE_LIMIT 1000

/* What the workers share: the first error stops them all. */
struct fetch {
    struct avroreg_client *client;
    struct ar_progress *progress;
    pthread_mutex_t lock;
    atomic_bool failed;
    enum avroreg_err rc;
    struct avroreg_error err;
};

static void fail(struct fetch *f, const struct avroreg_error *err)
{
    pthread_mutex_lock(&f->lock);
    if (!atomic_load(&f->failed)) {
        f->err = *err;
        f->rc = err->code ? err->code : AVROREG_ERR_HTTP;
        atomic_store(&f->failed, true);
    }
    pthread_mutex_unlock(&f->lock);
}

static void step(struct fetch *f)
{
    if (f->progress)
        ar_progress_step(f->progress, 1);
}

/* GET path; *doc_out the JSON answer, or NULL on 404 or 405 (when missing_ok:
 * a setting that is not there, or a registry without the route).
 * Other statuses are errors. */
static enum avroreg_err get(struct fetch *f, const char *path, bool missing_ok, json_t **doc_out,
                            struct avroreg_error *err)
{
    long status = 0;
    struct avroreg_error answer;
    enum avroreg_err rc = ar_call(f->client, "GET", path, NULL, &status, doc_out, &answer, err);
    if (rc || *doc_out || ((status == 404 || status == 405) && missing_ok))
        return rc;
    char what[300];
    snprintf(what, sizeof(what), "GET %s", path);
    return ar_answer_error(err, what, status, &answer);
}

static bool read_int32(const json_t *obj, const char *key, int32_t min, int32_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > INT32_MAX)
        return false;
    *out = (int32_t)json_integer_value(v);
    return true;
}

/* ---- settings --------------------------------------------------------------------- */

struct settings {
    char *compat;
    int normalize;
    char *mode;
};

static enum avroreg_err read_config(const json_t *doc, struct settings *s, const char *path,
                                    struct avroreg_error *err)
{
    const json_t *level = json_object_get(doc, "compatibilityLevel");
    const json_t *normalize = json_object_get(doc, "normalize");
    if (!json_is_object(doc) || (level && !json_is_string(level)))
        return ar_error(err, AVROREG_ERR_HTTP, "GET %s: no compatibilityLevel in the answer", path);
    if (level && !(s->compat = strdup(json_string_value(level))))
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    s->normalize = json_is_boolean(normalize) ? json_is_true(normalize) : -1;
    return AVROREG_OK;
}

static enum avroreg_err read_mode(const json_t *doc, struct settings *s, const char *path,
                                  struct avroreg_error *err)
{
    const char *mode = json_string_value(json_object_get(doc, "mode"));
    if (!mode)
        return ar_error(err, AVROREG_ERR_HTTP, "GET %s: no mode in the answer", path);
    if (!(s->mode = strdup(mode)))
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    return AVROREG_OK;
}

/* The settings at "/config<suffix>" and "/mode<suffix>" (suffix "" for the
 * global ones, "/<subject>" for a subject's). Either may be unset, and a
 * registry without /mode (some of Confluent's peers) has no modes at all. */
static enum avroreg_err fetch_settings(struct fetch *f, const char *subject, struct settings *s,
                                       struct avroreg_error *err)
{
    char *config = subject ? ar_subject_path("/config", subject, NULL) : strdup("/config");
    char *mode = subject ? ar_subject_path("/mode", subject, NULL) : strdup("/mode");
    json_t *doc = NULL;
    enum avroreg_err rc = config && mode ? get(f, config, true, &doc, err)
                                         : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    step(f);
    if (!rc && doc)
        rc = read_config(doc, s, config, err);
    json_decref(doc);
    doc = NULL;
    if (!rc)
        rc = get(f, mode, true, &doc, err);
    step(f);
    if (!rc && doc)
        rc = read_mode(doc, s, mode, err);
    json_decref(doc);
    free(config);
    free(mode);
    return rc;
}

/* ---- pages of GET /schemas ----------------------------------------------------------- */

struct pages {
    struct fetch *f;
    bool deleted;   /* ?deleted=true */
    json_t **items; /* page k's array */
    size_t cap;
    atomic_size_t next; /* the next page to fetch */
    atomic_size_t end;  /* pages from here on are past the list */
    atomic_bool unsupported;
};

static bool entity_ok(const json_t *e)
{
    int32_t n;
    return json_is_string(json_object_get(e, "subject")) && read_int32(e, "version", 1, &n) &&
           read_int32(e, "id", 0, &n) && json_is_string(json_object_get(e, "schema"));
}

/* Whether page (of index k) is a list this module can use. */
static bool usable_page(struct pages *p, size_t k, const json_t *page)
{
    if (!json_is_array(page) || json_array_size(page) > PAGE_LIMIT)
        return false; /* an answer that ignores limit is not paged */
    size_t i;
    const json_t *e;
    json_array_foreach(page, i, e) if (!entity_ok(e)) return false;
    /* A registry that ignores offset answers page 0 again. */
    pthread_mutex_lock(&p->f->lock);
    bool repeated = k > 0 && json_array_size(page) && p->cap && p->items[0] &&
                    json_equal(json_array_get(page, 0), json_array_get(p->items[0], 0));
    pthread_mutex_unlock(&p->f->lock);
    return !repeated;
}

static bool keep_page(struct pages *p, size_t k, json_t *page)
{
    pthread_mutex_lock(&p->f->lock);
    bool ok = true;
    if (k >= p->cap) {
        size_t cap = p->cap ? p->cap : 64;
        while (cap <= k)
            cap *= 2;
        json_t **grown = realloc(p->items, cap * sizeof(*grown));
        if (grown) {
            memset(grown + p->cap, 0, (cap - p->cap) * sizeof(*grown));
            p->items = grown;
            p->cap = cap;
        }
        ok = grown != NULL;
    }
    if (ok)
        p->items[k] = page;
    pthread_mutex_unlock(&p->f->lock);
    return ok;
}

static void shrink_end(atomic_size_t *end, size_t to)
{
    size_t cur = atomic_load(end);
    while (to < cur && !atomic_compare_exchange_weak(end, &cur, to))
        ;
}

static void page_worker(void *ctx)
{
    struct pages *p = ctx;
    struct fetch *f = p->f;
    for (;;) {
        size_t k = atomic_fetch_add(&p->next, 1);
        if (atomic_load(&f->failed) || atomic_load(&p->unsupported) || k >= atomic_load(&p->end))
            return;
        /* page 0 decides whether the registry has the listing; the others wait for it */
        if (f->progress)
            ar_progress_grow(f->progress, 1);
        char path[128];
        snprintf(path, sizeof(path), "/schemas?%soffset=%zu&limit=%d",
                 p->deleted ? "deleted=true&" : "", k * PAGE_LIMIT, PAGE_LIMIT);
        struct avroreg_error err = {0};
        long status = 0;
        json_t *page = NULL;
        enum avroreg_err rc = ar_call(f->client, "GET", path, NULL, &status, &page, NULL, &err);
        step(f);
        if (rc) {
            fail(f, &err);
            return;
        }
        if (!usable_page(p, k, page)) {
            json_decref(page);
            atomic_store(&p->unsupported, true);
            return;
        }
        if (json_array_size(page) < PAGE_LIMIT)
            shrink_end(&p->end, k + 1);
        if (!keep_page(p, k, page)) {
            json_decref(page);
            ar_error(&err, AVROREG_ERR_NOMEM, "out of memory");
            fail(f, &err);
            return;
        }
    }
}

static void pages_release(struct pages *p)
{
    for (size_t i = 0; i < p->cap; i++)
        json_decref(p->items[i]);
    free(p->items);
}

/* Reads the listing; *supported_out false when the registry has none. */
static enum avroreg_err fetch_pages(struct fetch *f, int workers, struct pages *p,
                                    bool *supported_out, struct avroreg_error *err)
{
    atomic_init(&p->next, 0);
    atomic_init(&p->end, SIZE_MAX);
    atomic_init(&p->unsupported, false);
    /* Page 0 alone first: it tells whether there is a listing at all. */
    atomic_store(&p->end, 1);
    page_worker(p);
    if (!atomic_load(&f->failed) && !atomic_load(&p->unsupported) && p->cap && p->items[0] &&
        json_array_size(p->items[0]) == PAGE_LIMIT) {
        atomic_store(&p->next, 1);
        atomic_store(&p->end, SIZE_MAX);
        ar_workers_run(workers, page_worker, p);
    }
    if (atomic_load(&f->failed)) {
        *err = f->err;
        return f->rc;
    }
    *supported_out = !atomic_load(&p->unsupported);
    return AVROREG_OK;
}

/* ---- subject by subject --------------------------------------------------------------- */

struct subject_job {
    const char *name;
    bool versions_needed; /* not in the listing: read its versions one by one */
    struct settings settings;
    json_t *entities; /* array of version entities, when read here */
    json_t *live;     /* array of live version numbers, when read here */
};

struct subjects {
    struct fetch *f;
    struct subject_job *jobs;
    size_t count;
    atomic_size_t next;
};

/* The live version numbers (404: none, every version is soft-deleted). */
static enum avroreg_err fetch_live(struct fetch *f, struct subject_job *job,
                                   struct avroreg_error *err)
{
    char *path = ar_subject_path("/subjects", job->name, "/versions");
    enum avroreg_err rc = path ? get(f, path, true, &job->live, err)
                               : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    step(f);
    size_t i;
    const json_t *n;
    json_array_foreach(job->live, i, n) if (!rc && !json_is_integer(n)) rc =
        ar_error(err, AVROREG_ERR_HTTP, "GET %s: not a list of versions", path);
    free(path);
    return rc;
}

/* Every version of a subject the listing did not give, one by one. */
static enum avroreg_err fetch_versions(struct fetch *f, struct subject_job *job,
                                       struct avroreg_error *err)
{
    char *all = ar_subject_path("/subjects", job->name, "/versions?deleted=true");
    json_t *numbers = NULL;
    enum avroreg_err rc =
        all ? get(f, all, true, &numbers, err) : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    step(f);
    job->entities = json_array();
    if (!rc && !job->entities)
        rc = ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    size_t i;
    const json_t *n;
    if (f->progress && !rc)
        ar_progress_grow(f->progress, json_array_size(numbers) + 1);
    json_array_foreach(numbers, i, n)
    {
        if (rc || !json_is_integer(n))
            break;
        char suffix[64];
        snprintf(suffix, sizeof(suffix), "/versions/%lld?deleted=true",
                 (long long)json_integer_value(n));
        char *path = ar_subject_path("/subjects", job->name, suffix);
        json_t *entity = NULL;
        rc = path ? get(f, path, true, &entity, err)
                  : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
        step(f);
        if (!rc && entity && !entity_ok(entity))
            rc = ar_error(err, AVROREG_ERR_HTTP, "GET %s: not a schema version", path);
        if (!rc && entity)
            json_array_append(job->entities, entity);
        json_decref(entity);
        free(path);
    }
    json_decref(numbers);
    free(all);
    return rc;
}

static void subject_worker(void *ctx)
{
    struct subjects *s = ctx;
    for (;;) {
        size_t i = atomic_fetch_add(&s->next, 1);
        if (i >= s->count || atomic_load(&s->f->failed))
            return;
        struct subject_job *job = &s->jobs[i];
        struct avroreg_error err = {0};
        enum avroreg_err rc = fetch_settings(s->f, job->name, &job->settings, &err);
        if (!rc)
            rc = fetch_live(s->f, job, &err);
        if (!rc && job->versions_needed)
            rc = fetch_versions(s->f, job, &err);
        if (rc)
            fail(s->f, &err);
    }
}

/* ---- assembling ------------------------------------------------------------------------ */

static enum avroreg_err add_entity(struct avroreg_snapshot *snap, const json_t *e, bool deleted,
                                   struct avroreg_error *err)
{
    int32_t version = 0, id = 0;
    read_int32(e, "version", 1, &version);
    read_int32(e, "id", 0, &id);
    struct ar_subject_ent *s =
        ar_snap_subject(snap, json_string_value(json_object_get(e, "subject")), true);
    if (!s)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    struct ar_schema_ent ent;
    enum avroreg_err rc = ar_schema_ent_read(e, id, &ent, err);
    if (!rc)
        rc = ar_snap_add_schema(snap, &ent, err);
    if (!rc)
        rc = ar_subject_add_version(s, version, id, deleted, err);
    return rc;
}

static int by_int(const void *a, const void *b)
{
    json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;
    return (x > y) - (x < y);
}

/* A version is soft-deleted unless the subject's live list has it. */
static enum avroreg_err mark_deleted(struct ar_subject_ent *s, const json_t *live,
                                     struct avroreg_error *err)
{
    size_t n = json_array_size(live);
    json_int_t *sorted = calloc(n ? n : 1, sizeof(*sorted));
    if (!sorted)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_integer_value(json_array_get(live, i));
    if (n)
        qsort(sorted, n, sizeof(*sorted), by_int);
    for (size_t i = 0; i < s->version_count; i++) {
        json_int_t v = s->versions[i].version;
        s->versions[i].deleted = !n || !bsearch(&v, sorted, n, sizeof(*sorted), by_int);
    }
    free(sorted);
    return AVROREG_OK;
}

static enum avroreg_err add_job(struct avroreg_snapshot *snap, struct subject_job *job,
                                struct avroreg_error *err)
{
    bool has_settings = job->settings.compat || job->settings.mode || job->settings.normalize >= 0;
    if (!has_settings && !json_array_size(job->entities) &&
        !ar_snap_subject(snap, job->name, false))
        return AVROREG_OK; /* nothing there: as good as absent */
    struct ar_subject_ent *s = ar_snap_subject(snap, job->name, true);
    if (!s)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    s->compat = job->settings.compat;
    s->mode = job->settings.mode;
    s->normalize = job->settings.normalize;
    job->settings.compat = job->settings.mode = NULL;
    enum avroreg_err rc = AVROREG_OK;
    size_t i;
    const json_t *e;
    json_array_foreach(job->entities, i, e)
    {
        if (rc)
            break;
        rc = add_entity(snap, e, true, err);
    }
    /* add_entity may have grown the subjects' array: look it up again */
    if (!rc && (s = ar_snap_subject(snap, job->name, false)))
        rc = mark_deleted(s, job->live, err);
    return rc;
}

static void release_jobs(struct subject_job *jobs, size_t n)
{
    for (size_t i = 0; jobs && i < n; i++) {
        free(jobs[i].settings.compat);
        free(jobs[i].settings.mode);
        json_decref(jobs[i].entities);
        json_decref(jobs[i].live);
    }
    free(jobs);
}

/* The subject names to read: the given ones, or GET /subjects?deleted=true. */
static enum avroreg_err subject_names(struct fetch *f, const char *const *given, size_t n,
                                      json_t **names_out, struct avroreg_error *err)
{
    if (given) {
        json_t *list = json_array();
        for (size_t i = 0; list && i < n; i++)
            if (json_array_append_new(list, json_string(given[i])) != 0) {
                json_decref(list);
                list = NULL;
            }
        *names_out = list;
        return list ? AVROREG_OK : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    enum avroreg_err rc = get(f, "/subjects?deleted=true", false, names_out, err);
    step(f);
    size_t i;
    const json_t *v;
    json_array_foreach(*names_out, i, v) if (!json_is_string(v)) rc =
        ar_error(err, AVROREG_ERR_HTTP, "GET /subjects: not a list of names");
    if (!rc && !json_is_array(*names_out))
        rc = ar_error(err, AVROREG_ERR_HTTP, "GET /subjects: not a list of names");
    return rc;
}

struct fetch_state {
    struct fetch f;
    struct pages all;
    json_t *names;
    struct subject_job *jobs;
    size_t job_count;
    struct avroreg_snapshot *snap;
};

static enum avroreg_err read_listing(struct fetch_state *st, int workers, bool *listed,
                                     struct avroreg_error *err)
{
    st->all = (struct pages){.f = &st->f, .deleted = true};
    enum avroreg_err rc = fetch_pages(&st->f, workers, &st->all, listed, err);
    for (size_t k = 0; !rc && *listed && k < st->all.cap; k++) {
        size_t i;
        const json_t *e;
        json_array_foreach(st->all.items[k], i, e)
        {
            if ((rc = add_entity(st->snap, e, true, err)))
                break;
        }
        json_decref(st->all.items[k]); /* copied: the page's memory can go */
        st->all.items[k] = NULL;
    }
    return rc;
}

static enum avroreg_err read_subjects(struct fetch_state *st, int workers, bool listed,
                                      struct avroreg_error *err)
{
    st->job_count = json_array_size(st->names);
    st->jobs = calloc(st->job_count ? st->job_count : 1, sizeof(*st->jobs));
    if (!st->jobs)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < st->job_count; i++) {
        struct subject_job *job = &st->jobs[i];
        job->name = json_string_value(json_array_get(st->names, i));
        job->settings.normalize = -1;
        job->versions_needed = !listed || !ar_snap_subject(st->snap, job->name, false);
        st->snap->one_by_one += job->versions_needed;
    }
    if (st->f.progress)
        ar_progress_grow(st->f.progress, 3 * st->job_count);
    struct subjects s = {.f = &st->f, .jobs = st->jobs, .count = st->job_count};
    atomic_init(&s.next, 0);
    ar_workers_run(workers, subject_worker, &s);
    if (atomic_load(&st->f.failed)) {
        *err = st->f.err;
        return st->f.rc;
    }
    enum avroreg_err rc = AVROREG_OK;
    for (size_t i = 0; !rc && i < st->job_count; i++)
        rc = add_job(st->snap, &st->jobs[i], err);
    return rc;
}

static enum avroreg_err read_global(struct fetch_state *st, struct avroreg_error *err)
{
    struct settings g = {.normalize = -1};
    enum avroreg_err rc = fetch_settings(&st->f, NULL, &g, err);
    st->snap->compat = g.compat;
    st->snap->mode = g.mode;
    st->snap->normalize = g.normalize;
    return rc;
}

enum avroreg_err ar_fetch(struct avroreg_client *client, const struct avroreg_transfer_options *o,
                          const char *const *subjects, size_t subject_count,
                          struct ar_progress *progress, struct avroreg_snapshot **out,
                          struct avroreg_error *err)
{
    struct fetch_state st = {.f = {.client = client, .progress = progress}, .snap = ar_snap_new()};
    pthread_mutex_init(&st.f.lock, NULL);
    atomic_init(&st.f.failed, false);
    int workers = ar_concurrency(o, false);
    bool listed = false;
    if (progress)
        ar_progress_grow(progress, subjects ? 2 : 3);
    enum avroreg_err rc =
        st.snap ? read_global(&st, err) : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = subject_names(&st.f, subjects, subject_count, &st.names, err);
    /* The listing pays off for a whole registry, not for a few subjects. */
    if (!rc && !subjects) {
        rc = read_listing(&st, workers, &listed, err);
        st.snap->no_listing = !rc && !listed;
    }
    if (!rc)
        rc = read_subjects(&st, workers, listed, err);
    if (!rc)
        rc = ar_snap_seal(st.snap, err);
    pages_release(&st.all);
    release_jobs(st.jobs, st.job_count);
    json_decref(st.names);
    pthread_mutex_destroy(&st.f.lock);
    if (rc) {
        avroreg_snapshot_free(st.snap);
        return rc;
    }
    *out = st.snap;
    return AVROREG_OK;
}

enum avroreg_err avroreg_snapshot_fetch(struct avroreg_client *client,
                                        const struct avroreg_transfer_options *options,
                                        struct avroreg_snapshot **out, struct avroreg_error *err)
{
    if (!client || !out)
        return ar_error(err, AVROREG_ERR_ARG, "a client and an output are needed");
    struct ar_progress progress;
    ar_progress_init(&progress, options, AVROREG_PHASE_EXPORT, 0);
    enum avroreg_err rc = ar_fetch(client, options, NULL, 0, &progress, out, err);
    ar_progress_release(&progress);
    return rc;
}

/*
 * snapshot_verify.c - does a registry hold a snapshot? Every id must resolve
 * (GET /schemas/ids/{id}) to the same schema, and every subject must have the
 * same versions, ids, deleted flags and settings (read as a fetch reads them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/migrate_int.h"

struct verify {
    const struct avroreg_snapshot *src, *tgt;
    struct avroreg_client *client;
    struct ar_problems *problems;
    struct ar_progress *progress;
    atomic_size_t next;
    atomic_size_t ids_bad;
    pthread_mutex_t lock;
    atomic_bool failed;
    struct avroreg_error err;
};

static const char *or_unset(const char *s)
{
    return s ? s : "(unset)";
}

static bool same_settings(const char *what, struct ar_problems *p, const char *sc, int sn,
                          const char *sm, const char *tc, int tn, const char *tm)
{
    bool same = ar_str_same(sc, tc) && sn == tn && ar_str_same(sm, tm);
    if (!same)
        ar_problems_add(p,
                        "%s: the source has compatibility %s, normalize %d, mode %s; the target "
                        "%s, %d, %s",
                        what, or_unset(sc), sn, or_unset(sm), or_unset(tc), tn, or_unset(tm));
    return same;
}

static bool same_versions(struct ar_problems *p, const struct ar_subject_ent *s,
                          const struct ar_subject_ent *t)
{
    size_t tn = t ? t->version_count : 0;
    for (size_t i = 0; i < s->version_count; i++) {
        const struct ar_version_ent *sv = &s->versions[i];
        const struct ar_version_ent *tv = t ? ar_subject_version(t, sv->version) : NULL;
        if (!tv) {
            ar_problems_add(p, "subject '%s' version %d (id %d) is missing on the target", s->name,
                            sv->version, sv->id);
            return false;
        }
        if (tv->id != sv->id || tv->deleted != sv->deleted) {
            ar_problems_add(p,
                            "subject '%s' version %d: the source has id %d%s, the target id %d%s",
                            s->name, sv->version, sv->id, sv->deleted ? " (soft-deleted)" : "",
                            tv->id, tv->deleted ? " (soft-deleted)" : "");
            return false;
        }
    }
    if (tn != s->version_count) {
        ar_problems_add(p, "subject '%s': the source has %zu versions, the target %zu", s->name,
                        s->version_count, tn);
        return false;
    }
    return true;
}

static void check_subjects(const struct avroreg_snapshot *src, const struct avroreg_snapshot *tgt,
                           struct ar_problems *p, struct avroreg_verify_report *rep)
{
    for (size_t i = 0; i < src->subject_count; i++) {
        const struct ar_subject_ent *s = &src->subjects[i];
        const struct ar_subject_ent *t = ar_snap_find_subject(tgt, s->name);
        char what[300];
        snprintf(what, sizeof(what), "subject '%s'", s->name);
        bool ok = same_versions(p, s, t) &&
                  same_settings(what, p, s->compat, s->normalize, s->mode, t ? t->compat : NULL,
                                t ? t->normalize : -1, t ? t->mode : NULL);
        rep->subjects++;
        rep->subjects_bad += !ok;
    }
    bool global = (!src->compat ||
                   (ar_str_same(src->compat, tgt->compat) && src->normalize == tgt->normalize)) &&
                  (!src->mode || ar_str_same(src->mode, tgt->mode));
    if (!global)
        same_settings("the global settings", p, src->compat, src->normalize, src->mode, tgt->compat,
                      tgt->normalize, tgt->mode);
    rep->settings_bad = !global;
}

static void fail(struct verify *v, const struct avroreg_error *err)
{
    pthread_mutex_lock(&v->lock);
    if (!atomic_load(&v->failed))
        v->err = *err;
    atomic_store(&v->failed, true);
    pthread_mutex_unlock(&v->lock);
}

/* GET /schemas/ids/{id} on the target against the source's schema. */
static void check_id(struct verify *v, const struct ar_schema_ent *want)
{
    char path[64];
    snprintf(path, sizeof(path), "/schemas/ids/%d", want->id);
    long status = 0;
    json_t *doc = NULL;
    struct avroreg_error answer = {0}, err = {0};
    if (ar_call(v->client, "GET", path, NULL, &status, &doc, &answer, &err)) {
        fail(v, &err);
        return;
    }
    bool good = false;
    if (doc) {
        struct ar_schema_ent got;
        if (!ar_schema_ent_read(doc, want->id, &got, &err)) {
            good = ar_schema_same(v->src, want, v->tgt, &got);
            ar_schema_ent_release(&got);
        }
        if (!good)
            ar_problems_add(v->problems, "id %d resolves to another schema on the target",
                            want->id);
    } else if (status == 404) {
        ar_problems_add(v->problems, "id %d does not resolve on the target: %s", want->id,
                        answer.message);
    } else {
        ar_answer_error(&err, path, status, &answer);
        fail(v, &err);
    }
    json_decref(doc);
    if (!good)
        atomic_fetch_add(&v->ids_bad, 1);
}

static void id_worker(void *ctx)
{
    struct verify *v = ctx;
    for (;;) {
        size_t i = atomic_fetch_add(&v->next, 1);
        if (i >= v->src->schema_count || atomic_load(&v->failed))
            return;
        check_id(v, &v->src->schemas[i]);
        ar_progress_step(v->progress, 1);
    }
}

enum avroreg_err avroreg_snapshot_verify(const struct avroreg_snapshot *source,
                                         struct avroreg_client *target,
                                         const struct avroreg_transfer_options *options,
                                         struct avroreg_verify_report *report,
                                         struct avroreg_error *err)
{
    struct avroreg_verify_report local;
    if (!report)
        report = &local;
    memset(report, 0, sizeof(*report));
    if (!source || !target)
        return ar_error(err, AVROREG_ERR_ARG, "a snapshot and a target client are needed");
    struct ar_progress progress;
    ar_progress_init(&progress, options, AVROREG_PHASE_VERIFY, source->schema_count);
    struct ar_problems problems;
    ar_problems_init(&problems);
    struct avroreg_snapshot *tgt = NULL;
    enum avroreg_err rc = ar_fetch(target, options, NULL, 0, &progress, &tgt, err);
    struct verify v = {
        .src = source, .tgt = tgt, .client = target, .problems = &problems, .progress = &progress};
    atomic_init(&v.next, 0);
    atomic_init(&v.ids_bad, 0);
    atomic_init(&v.failed, false);
    pthread_mutex_init(&v.lock, NULL);
    if (!rc) {
        check_subjects(source, tgt, &problems, report);
        ar_workers_run(ar_concurrency(options, false), id_worker, &v);
        report->ids = source->schema_count;
        report->ids_bad = atomic_load(&v.ids_bad);
        if (atomic_load(&v.failed)) {
            rc = v.err.code ? v.err.code : AVROREG_ERR_HTTP;
            if (err)
                *err = v.err;
        }
    }
    if (!rc && (report->ids_bad || report->subjects_bad || report->settings_bad))
        rc = ar_error(err, AVROREG_ERR_CONFLICT, "%zu ids and %zu subjects differ%s",
                      report->ids_bad, report->subjects_bad,
                      report->settings_bad ? ", and the global settings" : "");
    pthread_mutex_destroy(&v.lock);
    avroreg_snapshot_free(tgt);
    ar_progress_release(&progress);
    ar_problems_take(&problems, &report->problems, &report->problem_count,
                     &report->problems_omitted);
    if (report == &local)
        avroreg_verify_report_release(&local);
    return rc;
}

void avroreg_verify_report_release(struct avroreg_verify_report *report)
{
    if (!report)
        return;
    ar_strings_free(report->problems, report->problem_count);
    report->problems = NULL;
    report->problem_count = 0;
}

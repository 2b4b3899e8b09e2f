/*
 * snapshot_import.c - running an import: read the target, plan
 * (import_plan.c), switch the target to IMPORT mode, run the plan's actions
 * in parallel in dependency order, set the global settings, and put the mode
 * back (see avroreg_migrate.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/import_int.h"
#include "common/buf.h"

enum outcome { OUT_OK, OUT_REFUSED, OUT_FAILED };

struct runner {
    struct ar_plan *plan;
    struct avroreg_client *client;
    struct ar_problems *problems;
    struct avroreg_import_report *report;
    struct ar_progress progress;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t *ready; /* a stack of action indices */
    size_t ready_count;
    size_t in_flight;
    bool stop; /* an action failed outright */
    struct avroreg_error stop_err;
    int workers;
    atomic_bool bulk; /* the target takes POST /registrations (until it says otherwise) */
};

/* ---- requests ------------------------------------------------------------------------ */

/* What an error answer means for the import: a refusal of this one change
 * (4xx), or a failure that would hit every change (5xx, auth, a missing
 * route). missing_ok: 404 means it is already gone. */
static enum outcome judge_status(long status, bool missing_ok)
{
    if (status >= 200 && status <= 299)
        return OUT_OK;
    if (status == 404 && missing_ok)
        return OUT_OK;
    if (status == 401 || status == 403 || status == 405 || status >= 500 || status < 400)
        return OUT_FAILED;
    return OUT_REFUSED;
}

/* Sends one request for action a; on a refusal or failure, says so (as
 * "<verb> <what>: <reason>") in the problems or in r->stop_err. *doc_out
 * (may be NULL) gets a 2xx answer. */
/* The outcome of a's request (method path) that ended with rc, status and
 * answer; a refusal or failure is said as send() says it. */
static enum outcome judged(struct runner *r, const struct ar_action *a, const char *method,
                           const char *path, enum avroreg_err rc, long status,
                           const struct avroreg_error *answer, const struct avroreg_error *err,
                           bool missing_ok)
{
    char name[300];
    ar_action_name(a, name, sizeof(name));
    enum outcome out = rc ? OUT_FAILED : judge_status(status, missing_ok);
    if (out == OUT_REFUSED)
        ar_problems_add(r->problems, "refused: %s: %s %s answered error %d: %s", name, method, path,
                        answer->registry_code ? answer->registry_code : (int)status,
                        answer->message);
    if (out == OUT_FAILED) {
        pthread_mutex_lock(&r->lock);
        if (!r->stop) {
            char where[700];
            snprintf(where, sizeof(where), "at %s (%s %s)", name, method, path);
            if (rc) /* libcurl's message names the request already */
                ar_error(&r->stop_err, rc, "at %s: %s", name, err->message);
            else
                ar_answer_error(&r->stop_err, where, status, answer);
        }
        r->stop = true;
        pthread_mutex_unlock(&r->lock);
    }
    return out;
}

static enum outcome send(struct runner *r, const struct ar_action *a, const char *method,
                         const char *path, const char *body, bool missing_ok, json_t **doc_out)
{
    long status = 0;
    json_t *doc = NULL;
    struct avroreg_error answer = {0}, err = {0};
    enum avroreg_err rc = ar_call(r->client, method, path, body, &status, &doc, &answer, &err);
    enum outcome out = judged(r, a, method, path, rc, status, &answer, &err, missing_ok);
    if (out == OUT_OK && doc_out)
        *doc_out = doc;
    else
        json_decref(doc);
    return out;
}

/* The body of POST /subjects/{subject}/versions for a, as JSON; NULL on OOM. */
static json_t *register_doc(const struct ar_action *a)
{
    const struct ar_schema_ent *s = a->schema;
    json_t *doc = json_pack("{s:s}", "schema", s->text);
    bool ok = doc != NULL;
    if (ok && strcmp(s->type, "AVRO") != 0)
        ok = json_object_set_new(doc, "schemaType", json_string(s->type)) == 0;
    if (ok && s->refs)
        ok = json_object_set(doc, "references", s->refs) == 0;
    if (ok && s->metadata)
        ok = json_object_set(doc, "metadata", s->metadata) == 0;
    if (ok && s->ruleset)
        ok = json_object_set(doc, "ruleSet", s->ruleset) == 0;
    ok = ok && json_object_set_new(doc, "id", json_integer(a->id)) == 0 &&
         json_object_set_new(doc, "version", json_integer(a->version)) == 0;
    if (!ok) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static char *register_body(const struct ar_action *a)
{
    json_t *doc = register_doc(a);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    return text;
}

static char *version_path(const struct ar_action *a, const char *query)
{
    char suffix[64];
    snprintf(suffix, sizeof(suffix), "/versions/%d%s", a->version, query);
    return ar_subject_path("/subjects", a->subject, suffix);
}

static enum outcome oom(struct runner *r)
{
    pthread_mutex_lock(&r->lock);
    if (!r->stop)
        ar_error(&r->stop_err, AVROREG_ERR_NOMEM, "out of memory");
    r->stop = true;
    pthread_mutex_unlock(&r->lock);
    return OUT_FAILED;
}

/* After a's registration answered id: it must be the id asked for; then a
 * soft-deleted version is deleted again. */
static enum outcome after_register(struct runner *r, const struct ar_action *a, const json_t *id)
{
    if (!json_is_integer(id) || json_integer_value(id) != a->id) {
        char name[300];
        ar_action_name(a, name, sizeof(name));
        ar_problems_add(r->problems, "refused: %s: the target answered id %lld", name,
                        json_is_integer(id) ? (long long)json_integer_value(id) : -1LL);
        return OUT_REFUSED;
    }
    if (!a->deleted)
        return OUT_OK;
    char *path = version_path(a, "");
    enum outcome out = path ? send(r, a, "DELETE", path, NULL, false, NULL) : oom(r);
    free(path);
    return out;
}

static enum outcome do_register(struct runner *r, const struct ar_action *a)
{
    char *path = ar_subject_path("/subjects", a->subject, "/versions");
    char *body = path ? register_body(a) : NULL;
    json_t *doc = NULL;
    enum outcome out = body ? send(r, a, "POST", path, body, false, &doc) : oom(r);
    free(path);
    free(body);
    if (out == OUT_OK)
        out = after_register(r, a, json_object_get(doc, "id"));
    json_decref(doc);
    return out;
}

/* ---- several registrations in one request ---------------------------------------------- */

/* Most registrations one POST /registrations carries: about 150 KiB of body
 * for schemas of a few KiB, and enough to share commits on the target. Big
 * schemas go fewer at a time (the target parses up to 1 MiB of schema text
 * at once, and caps bodies); one over it goes alone. */
#define BULK_MAX 64
#define BULK_SCHEMA_BYTES ((size_t)1024 * 1024)

static bool bulkable(const struct ar_action *a)
{
    return a->kind == AR_ACT_REGISTER && !a->blocker;
}

/* {"registrations": [...]} for acts[0..n); NULL on OOM. */
static char *bulk_body(struct runner *r, const size_t *acts, size_t n)
{
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        const struct ar_action *a = &r->plan->acts[acts[i]];
        json_t *doc = register_doc(a);
        if (!doc || json_object_set_new(doc, "subject", json_string(a->subject)) != 0 ||
            json_array_append_new(items, doc) != 0) {
            json_decref(doc);
            json_decref(items);
            items = NULL;
        }
    }
    json_t *body = items ? json_pack("{s:o}", "registrations", items) : NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    return text;
}

/* One item's result: {"id": ...} or {"error_code": ..., "message": ...}. */
static enum outcome bulk_item(struct runner *r, const struct ar_action *a, const json_t *res)
{
    const json_t *code = json_object_get(res, "error_code");
    if (!json_is_integer(code))
        return after_register(r, a, json_object_get(res, "id"));
    struct avroreg_error answer = {.registry_code = (int)json_integer_value(code)}, err = {0};
    /* Confluent's codes are the HTTP status, or it followed by two digits. */
    long status = answer.registry_code >= 10000 ? answer.registry_code / 100 : answer.registry_code;
    answer.http_status = (int)status;
    const char *message = json_string_value(json_object_get(res, "message"));
    snprintf(answer.message, sizeof(answer.message), "%s", message ? message : "");
    return judged(r, a, "POST", "/registrations", AVROREG_OK, status, &answer, &err, false);
}

/* Registers acts[0..n) in one request; outs[i] gets each one's outcome.
 * False (outs untouched) when the target has no such route: then it is not
 * asked again, and the caller registers them one by one. */
static bool bulk_register(struct runner *r, const size_t *acts, size_t n, enum outcome *outs)
{
    char *body = bulk_body(r, acts, n);
    long status = 0;
    json_t *doc = NULL;
    struct avroreg_error answer = {0}, err = {0};
    enum avroreg_err rc =
        body ? ar_call(r->client, "POST", "/registrations", body, &status, &doc, &answer, &err)
             : AVROREG_ERR_NOMEM;
    free(body);
    const json_t *results = json_object_get(doc, "results");
    bool answered = !rc && status >= 200 && status <= 299;
    if (!rc && (status == 404 || status == 405 || (answered && json_array_size(results) != n))) {
        atomic_store(&r->bulk, false); /* another registry, or another route of that name */
        json_decref(doc);
        return false;
    }
    if (!rc && status == 413) { /* the body is over the target's cap: each alone fits or not */
        json_decref(doc);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const struct ar_action *a = &r->plan->acts[acts[i]];
        outs[i] = answered ? bulk_item(r, a, json_array_get(results, i))
                  : rc == AVROREG_ERR_NOMEM
                      ? oom(r)
                      : judged(r, a, "POST", "/registrations", rc, status, &answer, &err, false);
    }
    json_decref(doc);
    return true;
}

static enum outcome do_soft_delete(struct runner *r, const struct ar_action *a)
{
    char *path = version_path(a, "");
    enum outcome out = path ? send(r, a, "DELETE", path, NULL, false, NULL) : oom(r);
    free(path);
    return out;
}

static enum outcome do_remove(struct runner *r, const struct ar_action *a)
{
    char *soft = version_path(a, ""), *hard = version_path(a, "?permanent=true");
    enum outcome out = soft && hard ? OUT_OK : oom(r);
    if (out == OUT_OK && !a->deleted)
        out = send(r, a, "DELETE", soft, NULL, true, NULL);
    if (out == OUT_OK)
        out = send(r, a, "DELETE", hard, NULL, true, NULL);
    free(soft);
    free(hard);
    return out;
}

/* PUT /mode{/subject}?force=true, or DELETE /mode/{subject} when mode is NULL. */
static enum outcome put_mode(struct runner *r, const struct ar_action *a, const char *mode)
{
    char *path = ar_subject_path("/mode", a->subject, mode ? "?force=true" : NULL);
    json_t *doc = mode ? json_pack("{s:s}", "mode", mode) : NULL;
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    enum outcome out = path && (!mode || body)
                           ? send(r, a, mode ? "PUT" : "DELETE", path, body, !mode, NULL)
                           : oom(r);
    json_decref(doc);
    free(body);
    free(path);
    return out;
}

static char *config_body(const char *compat, int normalize)
{
    json_t *doc = json_pack("{s:s}", "compatibility", compat);
    if (doc && normalize >= 0 && json_object_set_new(doc, "normalize", json_boolean(normalize))) {
        json_decref(doc);
        return NULL;
    }
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    return text;
}

static enum outcome do_config(struct runner *r, const struct ar_action *a)
{
    char *path = ar_subject_path("/config", a->subject, NULL);
    char *body = a->compat ? config_body(a->compat, a->normalize) : NULL;
    enum outcome out = path && (!a->compat || body)
                           ? send(r, a, a->compat ? "PUT" : "DELETE", path, body, !a->compat, NULL)
                           : oom(r);
    free(body);
    free(path);
    return out;
}

static enum outcome perform(struct runner *r, const struct ar_action *a)
{
    switch (a->kind) {
    case AR_ACT_MODE_IMPORT:
        return put_mode(r, a, "IMPORT");
    case AR_ACT_REMOVE:
        return do_remove(r, a);
    case AR_ACT_REGISTER:
        return do_register(r, a);
    case AR_ACT_SOFT_DELETE:
        return do_soft_delete(r, a);
    case AR_ACT_CONFIG:
        return do_config(r, a);
    case AR_ACT_MODE:
        return put_mode(r, a, a->mode);
    case AR_ACT_CONFLICT:
        return OUT_REFUSED; /* named when planned */
    }
    return OUT_FAILED;
}

/* ---- the graph ------------------------------------------------------------------------- */

static void count_done(struct avroreg_import_report *rep, const struct ar_action *a)
{
    if (!a->counted)
        return;
    switch (a->kind) {
    case AR_ACT_REGISTER:
        rep->registered++;
        break;
    case AR_ACT_SOFT_DELETE:
        rep->deleted++;
        break;
    case AR_ACT_REMOVE:
        rep->removed++;
        break;
    case AR_ACT_CONFIG:
    case AR_ACT_MODE:
        rep->settings++;
        break;
    case AR_ACT_MODE_IMPORT:
    case AR_ACT_CONFLICT:
        break;
    }
}

/* Under the lock: records a's outcome and readies its successors. */
static void finish(struct runner *r, size_t index, enum outcome out)
{
    struct ar_plan *plan = r->plan;
    struct ar_action *a = &plan->acts[index];
    a->state = out == OUT_OK ? AR_DONE : out == OUT_REFUSED ? AR_REFUSED : AR_FAILED;
    if (out == OUT_OK)
        count_done(r->report, a);
    else if (out == OUT_REFUSED && a->kind != AR_ACT_CONFLICT)
        r->report->refused++;
    for (size_t e = 0; e < a->succ_count; e++) {
        struct ar_action *next = &plan->acts[plan->succ[a->first_succ + e]];
        if (plan->succ_dep[a->first_succ + e] && out != OUT_OK && !next->blocker)
            next->blocker = a;
        if (--next->pending == 0)
            r->ready[r->ready_count++] = plan->succ[a->first_succ + e];
    }
}

static enum outcome blocked(struct runner *r, const struct ar_action *a)
{
    char name[300], blocker[300];
    ar_action_name(a, name, sizeof(name));
    ar_action_name(a->blocker, blocker, sizeof(blocker));
    ar_problems_add(r->problems, "refused: %s: it references %s, which was not imported", name,
                    blocker);
    return OUT_REFUSED;
}

/* Under the lock: the next ready action, with more registrations when the
 * target takes them together: a fair share of what is ready, so that every
 * worker keeps something in flight. Returns how many it took. */
static size_t take_work(struct runner *r, size_t *acts)
{
    acts[0] = r->ready[--r->ready_count];
    size_t n = 1;
    if (!atomic_load(&r->bulk) || !bulkable(&r->plan->acts[acts[0]]))
        return n;
    size_t share = (r->ready_count + (size_t)r->workers) / (size_t)r->workers;
    size_t most = share < BULK_MAX ? share : BULK_MAX;
    size_t bytes = strlen(r->plan->acts[acts[0]].schema->text);
    while (n < most && r->ready_count) {
        const struct ar_action *next = &r->plan->acts[r->ready[r->ready_count - 1]];
        if (!bulkable(next))
            break;
        bytes += strlen(next->schema->text);
        if (bytes > BULK_SCHEMA_BYTES)
            break;
        acts[n++] = r->ready[--r->ready_count];
    }
    return n;
}

static enum outcome run_one(struct runner *r, const struct ar_action *a)
{
    return a->kind == AR_ACT_CONFLICT ? OUT_REFUSED : a->blocker ? blocked(r, a) : perform(r, a);
}

static void run_work(struct runner *r, const size_t *acts, size_t n, enum outcome *outs)
{
    if (n > 1 && bulk_register(r, acts, n, outs))
        return;
    for (size_t i = 0; i < n; i++)
        outs[i] = run_one(r, &r->plan->acts[acts[i]]);
}

static void worker(void *ctx)
{
    struct runner *r = ctx;
    size_t acts[BULK_MAX];
    enum outcome outs[BULK_MAX];
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->stop && !r->ready_count && r->in_flight)
            pthread_cond_wait(&r->cond, &r->lock);
        if (r->stop || !r->ready_count)
            break;
        size_t n = take_work(r, acts);
        r->in_flight += n;
        pthread_mutex_unlock(&r->lock);
        run_work(r, acts, n, outs);
        size_t steps = 0;
        for (size_t i = 0; i < n; i++)
            steps += r->plan->acts[acts[i]].kind != AR_ACT_CONFLICT;
        ar_progress_step(&r->progress, steps);
        pthread_mutex_lock(&r->lock);
        r->in_flight -= n;
        for (size_t i = 0; i < n; i++)
            finish(r, acts[i], outs[i]);
        pthread_cond_broadcast(&r->cond);
    }
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

/* Actions still waiting: never reached because the import stopped, or held
 * up by a cycle of references. */
static void settle_waiting(struct runner *r)
{
    for (size_t i = 0; i < r->plan->count; i++) {
        struct ar_action *a = &r->plan->acts[i];
        if (a->state != AR_WAITING)
            continue;
        if (r->stop) {
            r->report->not_done += a->kind != AR_ACT_MODE_IMPORT;
            continue;
        }
        char name[300];
        ar_action_name(a, name, sizeof(name));
        ar_problems_add(r->problems, "refused: %s: its references form a cycle", name);
        a->state = AR_REFUSED;
        r->report->refused++;
    }
}

static enum avroreg_err run_graph(struct runner *r, int workers)
{
    r->workers = workers;
    atomic_init(&r->bulk, true);
    struct ar_plan *plan = r->plan;
    r->ready = calloc(plan->count ? plan->count : 1, sizeof(*r->ready));
    if (!r->ready)
        return AVROREG_ERR_NOMEM;
    for (size_t i = plan->count; i-- > 0;) /* the stack pops the first subjects first */
        if (plan->acts[i].pending == 0)
            r->ready[r->ready_count++] = i;
    ar_workers_run(workers, worker, r);
    settle_waiting(r);
    free(r->ready);
    r->ready = NULL;
    return AVROREG_OK;
}

/* After a stop: subjects whose own mode was lifted to IMPORT get it back. */
static void restore_subject_modes(struct runner *r)
{
    for (size_t i = 0; i < r->plan->count; i++) {
        const struct ar_action *a = &r->plan->acts[i];
        if (a->kind != AR_ACT_MODE_IMPORT || a->state != AR_DONE ||
            r->plan->acts[a->partner].state == AR_DONE)
            continue;
        char *path = ar_subject_path("/mode", a->subject, "?force=true");
        json_t *doc = json_pack("{s:s}", "mode", a->mode);
        char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        long status = 0;
        json_t *answer = NULL;
        struct avroreg_error err = {0};
        if (!path || !body || ar_call(r->client, "PUT", path, body, &status, &answer, NULL, &err) ||
            !answer)
            ar_problems_add(r->problems,
                            "subject '%s' was left in IMPORT mode: set it back to %s with PUT "
                            "/mode/{subject}",
                            a->subject, a->mode);
        json_decref(answer);
        json_decref(doc);
        free(body);
        free(path);
    }
}

/* ---- global settings ----------------------------------------------------------------------- */

/* PUT /mode?force=true; false (with a problem line) when it did not take. */
static bool set_global_mode(struct runner *r, const char *mode, struct avroreg_error *err)
{
    json_t *doc = json_pack("{s:s}", "mode", mode);
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    long status = 0;
    json_t *answer = NULL;
    struct avroreg_error refusal = {0};
    enum avroreg_err rc =
        body ? ar_call(r->client, "PUT", "/mode?force=true", body, &status, &answer, &refusal, err)
             : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    if (!rc && !answer)
        rc = ar_answer_error(err, "PUT /mode", status, &refusal);
    if (rc)
        ar_problems_add(r->problems, "setting the global mode to %s failed: %s", mode,
                        err->message);
    json_decref(answer);
    json_decref(doc);
    free(body);
    return rc == AVROREG_OK;
}

static bool set_global_config(struct runner *r, const struct avroreg_snapshot *want,
                              struct avroreg_error *err)
{
    char *body = config_body(want->compat, want->normalize);
    long status = 0;
    json_t *answer = NULL;
    struct avroreg_error refusal = {0};
    enum avroreg_err rc =
        body ? ar_call(r->client, "PUT", "/config", body, &status, &answer, &refusal, err)
             : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    free(body);
    json_decref(answer);
    if (rc)
        return false;
    enum outcome out = judge_status(status, false);
    if (out == OUT_OK) {
        r->report->settings++;
        return true;
    }
    if (out == OUT_FAILED) {
        ar_answer_error(err, "at the global config (PUT /config)", status, &refusal);
        return false;
    }
    ar_problems_add(r->problems, "refused: the global config: PUT /config answered error %d: %s",
                    refusal.registry_code ? refusal.registry_code : (int)status, refusal.message);
    r->report->refused++;
    return true;
}

/* ---- the whole import ---------------------------------------------------------------------- */

struct import {
    const struct avroreg_snapshot *want;
    struct avroreg_snapshot *have;
    const struct avroreg_import_options *o;
    struct runner r;
    struct ar_plan plan;
    struct ar_problems problems;
    const char *original; /* the target's global mode */
    const char *desired;  /* the global mode to leave */
    bool switched;        /* we put the target in IMPORT mode */
};

static enum avroreg_err read_target(struct import *im, struct avroreg_client *target,
                                    struct avroreg_error *err)
{
    const struct avroreg_import_options *o = im->o;
    struct ar_progress progress;
    ar_progress_init(&progress, o ? &o->transfer : NULL, AVROREG_PHASE_EXPORT, 0);
    const char *const *subjects = o && o->subjects ? o->subjects : NULL;
    static const char *const none[1] = {NULL};
    if (o && o->subjects && !o->subject_count)
        subjects = none; /* only the global settings */
    enum avroreg_err rc = ar_fetch(target, o ? &o->transfer : NULL, subjects,
                                   o ? o->subject_count : 0, &progress, &im->have, err);
    ar_progress_release(&progress);
    return rc;
}

/* The writes, between the switch to IMPORT and the final settings. */
static enum avroreg_err write_changes(struct import *im, struct avroreg_error *err)
{
    struct runner *r = &im->r;
    bool graph = im->plan.count > im->plan.conflicts;
    if ((graph || im->plan.global_config) && strcmp(im->original, "IMPORT") != 0) {
        if (!set_global_mode(r, "IMPORT", err)) {
            r->report->stopped = true;
            r->report->not_done = r->report->planned;
            return err->code ? err->code : AVROREG_ERR_HTTP;
        }
        im->switched = true;
    }
    if (graph && run_graph(r, ar_concurrency(im->o ? &im->o->transfer : NULL, true)))
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    if (!r->stop && im->plan.global_config && !set_global_config(r, im->want, &r->stop_err))
        r->stop = true;
    return AVROREG_OK;
}

/* The global mode afterwards: the one wanted, or the one before after a stop. */
static void settle_mode(struct import *im)
{
    struct runner *r = &im->r;
    struct avroreg_error err = {0};
    const char *mode = r->stop ? im->original : im->desired;
    const char *now = im->switched ? "IMPORT" : im->original;
    if (r->stop)
        restore_subject_modes(r);
    bool took = strcmp(mode, now) == 0 || set_global_mode(r, mode, &err);
    if (!took && !r->stop)
        r->report->refused++;
    if (!took)
        mode = now;
    else if (!r->stop && strcmp(mode, im->original) != 0)
        r->report->settings++;
    snprintf(r->report->final_mode, sizeof(r->report->final_mode), "%s", mode);
}

static enum avroreg_err verdict(struct import *im, struct avroreg_error *err)
{
    struct avroreg_import_report *rep = im->r.report;
    if (im->r.stop) {
        rep->stopped = true;
        *err = im->r.stop_err;
        return im->r.stop_err.code ? im->r.stop_err.code : AVROREG_ERR_HTTP;
    }
    if (rep->conflicts || rep->refused)
        return ar_error(err, AVROREG_ERR_CONFLICT, "%zu conflicts, %zu changes refused",
                        rep->conflicts, rep->refused);
    return AVROREG_OK;
}

static enum avroreg_err run_import(struct import *im, struct avroreg_client *target,
                                   struct avroreg_error *err)
{
    struct avroreg_import_report *rep = im->r.report;
    enum avroreg_err rc = read_target(im, target, err);
    if (rc)
        return rc;
    im->original = im->have->mode ? im->have->mode : "READWRITE";
    snprintf(rep->original_mode, sizeof(rep->original_mode), "%s", im->original);
    snprintf(rep->final_mode, sizeof(rep->final_mode), "%s", im->original);
    im->desired = im->o && im->o->final_mode ? im->o->final_mode
                  : im->want->mode           ? im->want->mode
                                             : im->original;
    if ((rc = ar_plan_build(&im->plan, im->want, im->have, im->o, &im->problems, err)))
        return rc;
    bool mode_change = strcmp(im->desired, im->original) != 0;
    rep->planned = im->plan.planned + mode_change;
    rep->unchanged = im->plan.unchanged;
    rep->conflicts = im->plan.conflicts;
    bool skip = im->o && im->o->skip_conflicts;
    if ((im->o && im->o->dry_run) || (rep->conflicts && !skip)) {
        rep->not_done = im->o && im->o->dry_run ? 0 : rep->planned;
        return verdict(im, err);
    }
    im->r.plan = &im->plan;
    ar_progress_init(&im->r.progress, im->o ? &im->o->transfer : NULL, AVROREG_PHASE_IMPORT,
                     im->plan.count - im->plan.conflicts);
    rc = write_changes(im, err);
    ar_progress_release(&im->r.progress);
    if (rc)
        return rc;
    settle_mode(im);
    return verdict(im, err);
}

enum avroreg_err avroreg_snapshot_import(const struct avroreg_snapshot *snap,
                                         struct avroreg_client *target,
                                         const struct avroreg_import_options *options,
                                         struct avroreg_import_report *report,
                                         struct avroreg_error *err)
{
    struct avroreg_import_report local;
    struct avroreg_error local_err = {0};
    if (!report)
        report = &local;
    memset(report, 0, sizeof(*report));
    if (!err)
        err = &local_err;
    if (!snap || !target || (options && options->subjects == NULL && options->subject_count))
        return ar_error(err, AVROREG_ERR_ARG, "a snapshot and a target client are needed");
    struct import im = {.want = snap, .o = options};
    ar_problems_init(&im.problems);
    im.r = (struct runner){.client = target, .problems = &im.problems, .report = report};
    pthread_mutex_init(&im.r.lock, NULL);
    pthread_cond_init(&im.r.cond, NULL);
    enum avroreg_err rc = run_import(&im, target, err);
    pthread_cond_destroy(&im.r.cond);
    pthread_mutex_destroy(&im.r.lock);
    ar_plan_release(&im.plan);
    avroreg_snapshot_free(im.have);
    ar_problems_take(&im.problems, &report->problems, &report->problem_count,
                     &report->problems_omitted);
    if (report == &local)
        avroreg_import_report_release(&local);
    return rc;
}

void avroreg_import_report_release(struct avroreg_import_report *report)
{
    if (!report)
        return;
    ar_strings_free(report->problems, report->problem_count);
    report->problems = NULL;
    report->problem_count = 0;
}

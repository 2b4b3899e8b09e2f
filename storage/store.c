/*
 * store.c - the public storage interface: dispatch through the backend's ops
 * (after asserting what store.h rules out), the retry loop, the change
 * markers, conflict injection for tests, and the *_release helpers.
 */
#include "storage/store_int.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- release helpers ------------------------------------------------------------ */

void sr_version_rec_release(struct sr_version_rec *r)
{
    if (!r)
        return;
    free(r->subject);
    free(r->context);
    memset(r, 0, sizeof(*r));
}

void sr_subject_version_list_release(struct sr_subject_version_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].subject);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void sr_schema_rec_release(struct sr_schema_rec *r)
{
    if (!r)
        return;
    free(r->guid);
    free(r->schema_type);
    free(r->schema);
    free(r->refs);
    free(r->metadata);
    free(r->ruleset);
    memset(r, 0, sizeof(*r));
}

void sr_context_id_list_release(struct sr_context_id_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].context);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void sr_id_state_list_release(struct sr_id_state_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].context);
        sr_int_list_release(&l->items[i].used_above);
    }
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void sr_int_list_release(struct sr_int_list *l)
{
    if (!l)
        return;
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void sr_str_list_release(struct sr_str_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void sr_config_rec_release(struct sr_config_rec *r)
{
    if (!r)
        return;
    free(r->compatibility);
    free(r->extra);
    r->compatibility = NULL;
    r->extra = NULL;
    r->normalize = -1;
}

/* ---- shared by backends ------------------------------------------------------------ */

/* FNV-1a: simple and good enough for an index whose hits are verified. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* A presence tag and the length before the bytes, so that NULL differs from
 * "" and no two field lists run together into the same byte stream. */
static uint64_t fnv_field(uint64_t h, const char *s)
{
    unsigned char present = s != NULL;
    h = fnv_bytes(h, &present, 1);
    if (!s)
        return h;
    uint64_t len = strlen(s);
    h = fnv_bytes(h, &len, sizeof(len));
    return fnv_bytes(h, s, (size_t)len);
}

uint64_t sr_store_schema_hash(const struct sr_schema_rec *rec)
{
    uint64_t h = FNV_OFFSET;
    h = fnv_field(h, rec->schema_type);
    h = fnv_field(h, rec->schema);
    h = fnv_field(h, rec->refs);
    h = fnv_field(h, rec->metadata);
    return fnv_field(h, rec->ruleset);
}

bool sr_store_grow(void **items, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return false;
        n *= 2;
    }
    if (n > SIZE_MAX / elem_size)
        return false;
    void *p = realloc(*items, n * elem_size);
    if (!p)
        return false;
    *items = p;
    *cap = n;
    return true;
}

/* ---- markers, injection, the retry loop ---------------------------------------------- */

#define BIT(kind) (1u << (kind))

/* Every operation but the optional ones must be there: a backend that
 * misses one after the contract grew fails here, at open, not at first use. */
static bool ops_complete(const struct sr_store_ops *ops)
{
    return ops->close && ops->begin && ops->commit && ops->rollback && ops->subjects &&
           ops->versions && ops->version_rows && ops->version_get && ops->max_version &&
           ops->subject_uses_refs && ops->version_by_id && ops->version_insert &&
           ops->version_set_deleted && ops->version_remove && ops->versions_for_id &&
           ops->list_versions && ops->schema_get && ops->schema_find && ops->reserve_id &&
           ops->max_id && ops->schema_insert && ops->schema_remove_if_unused && ops->ids_by_guid &&
           ops->contexts && ops->id_states && ops->id_state_raise && ops->referenced_by &&
           ops->config_get && ops->config_put && ops->config_delete && ops->mode_get &&
           ops->mode_put && ops->mode_delete && ops->setting_subjects && ops->counts && ops->check;
}

void sr_store_init(struct sr_store *store, const struct sr_store_ops *ops)
{
    assert(ops_complete(ops));
    (void)ops_complete;
    store->ops = ops;
    for (int k = 0; k < SR_CHANGE__COUNT; k++)
        atomic_init(&store->markers[k], 1);
    atomic_init(&store->injected_conflicts, 0);
    pthread_mutex_init(&store->failure_lock, NULL);
    store->failure[0] = '\0';
    pthread_mutex_init(&store->batch_lock, NULL);
    store->queue = NULL;
    store->queue_tail = &store->queue;
    store->batch_running = false;
}

void sr_store_deinit(struct sr_store *store)
{
    pthread_mutex_destroy(&store->failure_lock);
    pthread_mutex_destroy(&store->batch_lock);
}

/* Remembers a failure that says the database cannot serve, for
 * sr_store_check(); answers rc. */
static enum sr_err noted(struct sr_store *store, enum sr_err rc, const struct sr_error *err)
{
    if (rc != SR_ERR_UNAVAILABLE && rc != SR_ERR_INTERNAL)
        return rc;
    pthread_mutex_lock(&store->failure_lock);
    snprintf(store->failure, sizeof(store->failure), "%s",
             err && err->message[0] ? err->message : sr_error_default_message(rc));
    pthread_mutex_unlock(&store->failure_lock);
    return rc;
}

enum sr_err sr_store_check(struct sr_store *store, struct sr_error *err)
{
    assert(store);
    pthread_mutex_lock(&store->failure_lock);
    bool failing = store->failure[0] != '\0';
    pthread_mutex_unlock(&store->failure_lock);
    enum sr_err rc = store->ops->check(store, failing, err);
    if (!rc && failing) { /* the write went through: the failure is over */
        pthread_mutex_lock(&store->failure_lock);
        store->failure[0] = '\0';
        pthread_mutex_unlock(&store->failure_lock);
    }
    return rc;
}

void sr_store_note_change(struct sr_store *store, unsigned mask)
{
    for (int k = 0; k < SR_CHANGE__COUNT; k++)
        if (mask & BIT(k))
            atomic_fetch_add(&store->markers[k], 1);
}

uint64_t sr_store_marker(struct sr_store *store, enum sr_change kind)
{
    assert(store && (unsigned)kind < SR_CHANGE__COUNT);
    return atomic_load_explicit(&store->markers[kind], memory_order_acquire);
}

void sr_store_inject_conflicts(struct sr_store *store, unsigned n)
{
    atomic_store(&store->injected_conflicts, n);
}

/* Consumes one injected conflict, if any is left. */
static bool injected(struct sr_store *store)
{
    unsigned n = atomic_load(&store->injected_conflicts);
    while (n > 0)
        if (atomic_compare_exchange_weak(&store->injected_conflicts, &n, n - 1))
            return true;
    return false;
}

/* The start of every write operation: a write transaction, an injected
 * conflict if one is due, and the kinds of change the operation may make. */
static enum sr_err writing(struct sr_txn *t, unsigned changes, struct sr_error *err)
{
    assert(t && t->write);
    if (injected(t->store))
        return sr_errorf(err, SR_ERR_CONFLICT, "storage: injected conflict");
    t->changes |= changes | BIT(SR_CHANGE_ANY);
    return SR_OK;
}

/* A short random wait before retry number attempt (1, 2, ...): up to
 * 2^attempt milliseconds, capped, so that racing writers spread out. */
static void back_off(unsigned attempt)
{
    static _Thread_local uint64_t seed;
    if (!seed)
        seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&seed ^ (uint64_t)pthread_self();
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    unsigned cap_ms = attempt < 6 ? 1u << attempt : 64u;
    long ns = (long)(seed % ((uint64_t)cap_ms * 1000000u));
    struct timespec pause = {ns / 1000000000L, ns % 1000000000L};
    nanosleep(&pause, NULL);
}

enum sr_err sr_store_run(struct sr_store *store, bool write, sr_txn_fn fn, void *arg,
                         struct sr_error *err)
{
    assert(store && fn);
    enum sr_err rc = SR_ERR_CONFLICT;
    for (unsigned attempt = 0; rc == SR_ERR_CONFLICT && attempt < SR_STORE_RUN_ATTEMPTS;
         attempt++) {
        if (attempt)
            back_off(attempt);
        struct sr_txn *t = NULL;
        rc = sr_store_begin(store, write, &t, err);
        if (rc)
            continue;
        rc = fn(t, arg, err);
        if (rc)
            sr_txn_rollback(t);
        else
            rc = sr_txn_commit(t, err);
    }
    if (rc == SR_ERR_CONFLICT)
        return sr_errorf(err, SR_ERR_CONFLICT,
                         "The operation conflicted with concurrent writes %d times; retry it",
                         SR_STORE_RUN_ATTEMPTS);
    return rc;
}

/* ---- group commit ---------------------------------------------------------------------- */

/* Most work one batch takes; the rest waits for the next. */
#define BATCH_MAX 64

/* Runs item's work in its own savepoint of t. Its error is its own answer,
 * and its writes are dropped; an error of the savepoint itself loses the
 * whole transaction (answered). */
static enum sr_err run_item(struct sr_txn *t, struct sr_batch_item *item, struct sr_error *err)
{
    const struct sr_store_ops *ops = t->store->ops;
    enum sr_err rc = ops->savepoint(t, SR_SAVEPOINT_OPEN, err);
    if (rc)
        return rc;
    item->rc = item->fn(t, item->arg, item->err);
    if (item->rc == SR_ERR_CONFLICT)
        return sr_errorf(err, SR_ERR_CONFLICT, "%s", item->err->message); /* retry the batch */
    return ops->savepoint(t, item->rc ? SR_SAVEPOINT_ROLLBACK : SR_SAVEPOINT_RELEASE, err);
}

/* One attempt at a batch: every item, then one commit. */
static enum sr_err attempt_batch(struct sr_store *store, struct sr_batch_item **items, size_t n,
                                 struct sr_error *err)
{
    struct sr_txn *t = NULL;
    enum sr_err rc = sr_store_begin(store, true, &t, err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = run_item(t, items[i], err);
    if (rc)
        sr_txn_rollback(t);
    else
        rc = sr_txn_commit(t, err);
    return rc;
}

/* Runs items as one batch and answers each. */
static void run_batch(struct sr_store *store, struct sr_batch_item **items, size_t n)
{
    struct sr_error err = {0};
    enum sr_err rc = SR_ERR_CONFLICT;
    for (unsigned attempt = 0; rc == SR_ERR_CONFLICT && attempt < SR_STORE_RUN_ATTEMPTS;
         attempt++) {
        if (attempt)
            back_off(attempt);
        rc = attempt_batch(store, items, n, &err);
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == SR_ERR_CONFLICT) /* the retries are spent */
            items[i]->rc = sr_errorf(items[i]->err, SR_ERR_CONFLICT,
                                     "The operation conflicted with concurrent writes %d "
                                     "times; retry it",
                                     SR_STORE_RUN_ATTEMPTS);
        else if (rc) /* nothing was committed: nobody's work stands */
            items[i]->rc = sr_errorf(items[i]->err, rc, "%s", err.message);
    }
}

/* Takes up to BATCH_MAX items off the queue (batch_lock held). */
static size_t take_batch(struct sr_store *store, struct sr_batch_item **items)
{
    size_t n = 0;
    while (store->queue && n < BATCH_MAX) {
        items[n++] = store->queue;
        store->queue = store->queue->next;
    }
    if (!store->queue)
        store->queue_tail = &store->queue;
    return n;
}

/* Set while this thread runs a batch: work that itself writes (or a test's
 * hook inside the batch's begin) must not wait for its own batch. */
static _Thread_local bool running_batch;

/* After a batch (batch_lock held): marks its items done and wakes only the
 * callers that now have every answer, and the caller whose work heads the
 * queue, who runs the next batch. Waking every waiter instead costs each of
 * them a context switch and a turn at batch_lock for nothing. */
static void finish_batch(struct sr_store *store, struct sr_batch_item **batch, size_t count)
{
    for (size_t i = 0; i < count; i++)
        batch[i]->done = true;
    store->batch_running = false;
    for (size_t i = 0; i < count; i++)
        if (i + 1 == count || batch[i + 1]->wake != batch[i]->wake)
            pthread_cond_signal(batch[i]->wake); /* a caller's items are adjacent */
    if (store->queue)
        pthread_cond_signal(store->queue->wake);
}

/* Queues items[0..n) and returns once every one is done, running batches
 * whenever none is running. The items live on the caller's stack or heap
 * while others may run them: this does not return before a batch has taken
 * each off the queue and marked it done. */
static void queue_and_wait(struct sr_store *store, struct sr_batch_item *items, size_t n)
{
    pthread_cond_t wake;
    pthread_cond_init(&wake, NULL);
    pthread_mutex_lock(&store->batch_lock);
    for (size_t i = 0; i < n; i++) {
        items[i].wake = &wake;
        *store->queue_tail = &items[i];
        // cppcheck-suppress autoVariables
        store->queue_tail = &items[i].next;
    }
    /* Batches take the queue in order: once the last item is done, all are. */
    while (!items[n - 1].done) {
        if (store->batch_running) {
            pthread_cond_wait(&wake, &store->batch_lock);
            continue;
        }
        /* No batch is running: this caller runs the next one, which holds
         * its own work unless more than BATCH_MAX came before it. */
        struct sr_batch_item *batch[BATCH_MAX];
        size_t count = take_batch(store, batch);
        store->batch_running = true;
        pthread_mutex_unlock(&store->batch_lock);
        running_batch = true;
        run_batch(store, batch, count);
        running_batch = false;
        pthread_mutex_lock(&store->batch_lock);
        finish_batch(store, batch, count);
    }
    pthread_mutex_unlock(&store->batch_lock);
    pthread_cond_destroy(&wake);
}

enum sr_err sr_store_run_batched(struct sr_store *store, sr_txn_fn fn, void *arg,
                                 struct sr_error *err)
{
    assert(store && fn);
    if (!store->ops->savepoint || running_batch)
        return sr_store_run(store, true, fn, arg, err);
    struct sr_error own = {0};
    struct sr_batch_item me = {.fn = fn, .arg = arg, .err = err ? err : &own};
    queue_and_wait(store, &me, 1);
    return me.rc;
}

enum sr_err sr_store_run_batched_all(struct sr_store *store, struct sr_batch_job *jobs, size_t n)
{
    assert(store && (jobs || n == 0));
    if (n == 0)
        return SR_OK;
    if (!store->ops->savepoint || running_batch) {
        for (size_t i = 0; i < n; i++)
            jobs[i].rc = sr_store_run(store, true, jobs[i].fn, jobs[i].arg, jobs[i].err);
        return SR_OK;
    }
    struct sr_batch_item *items = calloc(n, sizeof(*items));
    if (!items)
        return SR_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        assert(jobs[i].fn && jobs[i].err);
        items[i] = (struct sr_batch_item){.fn = jobs[i].fn, .arg = jobs[i].arg, .err = jobs[i].err};
    }
    queue_and_wait(store, items, n);
    for (size_t i = 0; i < n; i++)
        jobs[i].rc = items[i].rc;
    free(items);
    return SR_OK;
}

/* ---- lifecycle ----------------------------------------------------------------------- */

void sr_store_close(struct sr_store *store)
{
    if (store)
        store->ops->close(store);
}

enum sr_err sr_store_begin(struct sr_store *store, bool write, struct sr_txn **out,
                           struct sr_error *err)
{
    assert(store && out);
    uint64_t markers[SR_CHANGE__COUNT];
    for (int k = 0; k < SR_CHANGE__COUNT; k++) /* before the snapshot: see store.h */
        markers[k] = sr_store_marker(store, (enum sr_change)k);
    enum sr_err rc = noted(store, store->ops->begin(store, write, out, err), err);
    if (rc)
        return rc;
    (*out)->changes = 0;
    (*out)->reserved_id = 0;
    memcpy((*out)->markers, markers, sizeof(markers));
    return SR_OK;
}

uint64_t sr_txn_marker(const struct sr_txn *t, enum sr_change kind)
{
    assert(t && (unsigned)kind < SR_CHANGE__COUNT);
    return t->markers[kind];
}

enum sr_err sr_txn_commit(struct sr_txn *t, struct sr_error *err)
{
    assert(t);
    struct sr_store *store = t->store;
    unsigned changes = t->changes;
    if (t->write && injected(store)) {
        store->ops->rollback(t);
        return sr_errorf(err, SR_ERR_CONFLICT, "storage: injected conflict at commit");
    }
    enum sr_err rc = noted(store, store->ops->commit(t, err), err); /* t is gone from here on */
    if (!rc)
        sr_store_note_change(store, changes);
    return rc;
}

void sr_txn_rollback(struct sr_txn *t)
{
    if (t)
        t->store->ops->rollback(t);
}

/* ---- subjects and versions --------------------------------------------------------------- */

static void assert_filter(enum sr_deleted_filter filter)
{
    assert(filter == SR_LIVE_ONLY || filter == SR_WITH_DELETED || filter == SR_DELETED_ONLY);
    (void)filter;
}

enum sr_err sr_txn_subjects(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                            struct sr_str_list *out, struct sr_error *err)
{
    assert(t && out);
    assert_filter(filter);
    return noted(t->store, t->store->ops->subjects(t, prefix ? prefix : "", filter, out, err), err);
}

enum sr_err sr_txn_versions(struct sr_txn *t, const char *subject, enum sr_deleted_filter filter,
                            struct sr_int_list *out, struct sr_error *err)
{
    assert(t && subject && out);
    assert_filter(filter);
    return noted(t->store, t->store->ops->versions(t, subject, filter, out, err), err);
}

enum sr_err sr_txn_version_rows(struct sr_txn *t, const char *subject, struct sr_version_rec **out,
                                size_t *count_out, struct sr_error *err)
{
    assert(t && subject && out && count_out);
    return noted(t->store, t->store->ops->version_rows(t, subject, out, count_out, err), err);
}

enum sr_err sr_txn_version_get(struct sr_txn *t, const char *subject, int32_t version,
                               bool include_deleted, struct sr_version_rec *out,
                               struct sr_error *err)
{
    assert(t && subject && out);
    return noted(t->store,
                 t->store->ops->version_get(t, subject, version, include_deleted, out, err), err);
}

enum sr_err sr_txn_subject_uses_refs(struct sr_txn *t, const char *subject, bool *out,
                                     struct sr_error *err)
{
    assert(t && subject && out);
    return noted(t->store, t->store->ops->subject_uses_refs(t, subject, out, err), err);
}

enum sr_err sr_txn_max_version(struct sr_txn *t, const char *subject, int32_t *out,
                               struct sr_error *err)
{
    assert(t && subject && out);
    return noted(t->store, t->store->ops->max_version(t, subject, out, err), err);
}

enum sr_err sr_txn_version_by_id(struct sr_txn *t, const char *subject, const char *context,
                                 int64_t id, enum sr_deleted_filter filter,
                                 struct sr_version_rec *out, struct sr_error *err)
{
    assert(t && subject && context && out);
    assert_filter(filter);
    return noted(t->store, t->store->ops->version_by_id(t, subject, context, id, filter, out, err),
                 err);
}

enum sr_err sr_txn_version_insert(struct sr_txn *t, const char *subject, int32_t version,
                                  const char *context, int64_t id, int64_t ts, struct sr_error *err)
{
    /* Version numbers start at 1 and -1 means "latest" to the readers;
     * schema id 0 means "none" to sr_txn_schema_find. */
    assert(subject && context && version >= 1 && id >= 1);
    enum sr_err rc = writing(t, 0, err);
    return rc ? rc
              : noted(t->store,
                      t->store->ops->version_insert(t, subject, version, context, id, ts, err),
                      err);
}

enum sr_err sr_txn_version_set_deleted(struct sr_txn *t, const char *subject, int32_t version,
                                       bool deleted, struct sr_error *err)
{
    assert(subject);
    enum sr_err rc = writing(t, deleted ? BIT(SR_CHANGE_VERSIONS_HIDDEN) : 0, err);
    return rc ? rc
              : noted(t->store,
                      t->store->ops->version_set_deleted(t, subject, version, deleted, err), err);
}

enum sr_err sr_txn_version_remove(struct sr_txn *t, const char *subject, int32_t version,
                                  struct sr_error *err)
{
    assert(subject);
    enum sr_err rc = writing(t, BIT(SR_CHANGE_VERSIONS_HIDDEN), err);
    return rc ? rc : noted(t->store, t->store->ops->version_remove(t, subject, version, err), err);
}

enum sr_err sr_txn_versions_for_id(struct sr_txn *t, const char *context, int64_t id,
                                   enum sr_deleted_filter filter,
                                   struct sr_subject_version_list *out, struct sr_error *err)
{
    assert(t && context && out);
    assert_filter(filter);
    return noted(t->store, t->store->ops->versions_for_id(t, context, id, filter, out, err), err);
}

enum sr_err sr_txn_list_versions(struct sr_txn *t, const char *prefix,
                                 enum sr_deleted_filter filter, bool latest_only, int64_t offset,
                                 int64_t limit, struct sr_version_rec **out, size_t *count_out,
                                 struct sr_error *err)
{
    assert(t && out && count_out);
    assert_filter(filter);
    return noted(t->store,
                 t->store->ops->list_versions(t, prefix ? prefix : "", filter, latest_only,
                                              offset < 0 ? 0 : offset, limit < 0 ? -1 : limit, out,
                                              count_out, err),
                 err);
}

/* ---- schemas ----------------------------------------------------------------------------- */

enum sr_err sr_txn_schema_get(struct sr_txn *t, const char *context, int64_t id,
                              struct sr_schema_rec *out, struct sr_error *err)
{
    assert(t && context && out);
    return noted(t->store, t->store->ops->schema_get(t, context, id, out, err), err);
}

enum sr_err sr_txn_schema_find(struct sr_txn *t, const char *context,
                               const struct sr_schema_rec *rec, int64_t *id_out,
                               struct sr_error *err)
{
    assert(t && context && rec && rec->schema && id_out);
    return noted(t->store, t->store->ops->schema_find(t, context, rec, id_out, err), err);
}

enum sr_err sr_txn_reserve_id(struct sr_txn *t, const char *context, int64_t *out,
                              struct sr_error *err)
{
    assert(context && out);
    enum sr_err rc = writing(t, 0, err);
    if (!rc)
        rc = noted(t->store, t->store->ops->reserve_id(t, context, out, err), err);
    if (!rc)
        t->reserved_id = *out;
    return rc;
}

enum sr_err sr_txn_max_id(struct sr_txn *t, const char *context, int64_t *out, struct sr_error *err)
{
    assert(t && context && out);
    return noted(t->store, t->store->ops->max_id(t, context, out, err), err);
}

enum sr_err sr_txn_schema_insert(struct sr_txn *t, const char *context,
                                 const struct sr_schema_rec *rec, const struct sr_ref *refs,
                                 size_t ref_count, struct sr_error *err)
{
    assert(t && context && rec && rec->schema && rec->id >= 1 && (refs || !ref_count));
    for (size_t i = 0; i < ref_count; i++)
        assert(refs[i].name && refs[i].subject);
    /* An id the caller chose may be one a permanent delete freed: what it
     * answers changes. */
    unsigned changes = rec->id == t->reserved_id ? 0 : BIT(SR_CHANGE_SCHEMA_IDS);
    enum sr_err rc = writing(t, changes, err);
    return rc ? rc
              : noted(t->store, t->store->ops->schema_insert(t, context, rec, refs, ref_count, err),
                      err);
}

enum sr_err sr_txn_schema_remove_if_unused(struct sr_txn *t, const char *context, int64_t id,
                                           bool *removed_out, struct sr_error *err)
{
    assert(context);
    bool removed = false;
    enum sr_err rc = writing(t, 0, err);
    if (!rc)
        rc = noted(t->store, t->store->ops->schema_remove_if_unused(t, context, id, &removed, err),
                   err);
    if (!rc && removed)
        t->changes |= BIT(SR_CHANGE_SCHEMA_IDS);
    if (!rc && removed_out)
        *removed_out = removed;
    return rc;
}

enum sr_err sr_txn_ids_by_guid(struct sr_txn *t, const char *guid, struct sr_context_id_list *out,
                               struct sr_error *err)
{
    assert(t && guid && out);
    return noted(t->store, t->store->ops->ids_by_guid(t, guid, out, err), err);
}

enum sr_err sr_txn_contexts(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err)
{
    assert(t && out);
    return noted(t->store, t->store->ops->contexts(t, out, err), err);
}

enum sr_err sr_txn_id_states(struct sr_txn *t, struct sr_id_state_list *out, struct sr_error *err)
{
    assert(t && out);
    return noted(t->store, t->store->ops->id_states(t, out, err), err);
}

enum sr_err sr_txn_id_state_raise(struct sr_txn *t, const struct sr_id_state *state,
                                  struct sr_error *err)
{
    assert(state && state->context && state->counter >= 0);
    for (size_t i = 0; i < state->used_above.count; i++)
        assert(state->used_above.items[i] >= 1);
    /* No answer changes but maxId's (SR_CHANGE_ANY). */
    enum sr_err rc = writing(t, 0, err);
    return rc ? rc : noted(t->store, t->store->ops->id_state_raise(t, state, err), err);
}

enum sr_err sr_txn_referenced_by(struct sr_txn *t, const char *subject, int32_t version,
                                 enum sr_deleted_filter filter, struct sr_int_list *out,
                                 struct sr_error *err)
{
    assert(t && subject && out);
    assert_filter(filter);
    return noted(t->store, t->store->ops->referenced_by(t, subject, version, filter, out, err),
                 err);
}

/* ---- config and mode ------------------------------------------------------------------- */

enum sr_err sr_txn_config_get(struct sr_txn *t, const char *subject, struct sr_config_rec *out,
                              bool *found_out, struct sr_error *err)
{
    assert(t && out && found_out);
    return noted(t->store, t->store->ops->config_get(t, subject, out, found_out, err), err);
}

enum sr_err sr_txn_config_put(struct sr_txn *t, const char *subject,
                              const struct sr_config_rec *rec, struct sr_error *err)
{
    assert(rec);
    enum sr_err rc = writing(t, BIT(SR_CHANGE_SETTINGS), err);
    return rc ? rc : noted(t->store, t->store->ops->config_put(t, subject, rec, err), err);
}

enum sr_err sr_txn_config_delete(struct sr_txn *t, const char *subject, bool *found_out,
                                 struct sr_error *err)
{
    enum sr_err rc = writing(t, BIT(SR_CHANGE_SETTINGS), err);
    return rc ? rc : noted(t->store, t->store->ops->config_delete(t, subject, found_out, err), err);
}

enum sr_err sr_txn_mode_get(struct sr_txn *t, const char *subject, char **mode_out,
                            struct sr_error *err)
{
    assert(t && mode_out);
    return noted(t->store, t->store->ops->mode_get(t, subject, mode_out, err), err);
}

enum sr_err sr_txn_mode_put(struct sr_txn *t, const char *subject, const char *mode,
                            struct sr_error *err)
{
    assert(mode);
    enum sr_err rc = writing(t, BIT(SR_CHANGE_SETTINGS), err);
    return rc ? rc : noted(t->store, t->store->ops->mode_put(t, subject, mode, err), err);
}

enum sr_err sr_txn_mode_delete(struct sr_txn *t, const char *subject, bool *found_out,
                               struct sr_error *err)
{
    enum sr_err rc = writing(t, BIT(SR_CHANGE_SETTINGS), err);
    return rc ? rc : noted(t->store, t->store->ops->mode_delete(t, subject, found_out, err), err);
}

enum sr_err sr_txn_setting_subjects(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err)
{
    assert(t && out);
    return noted(t->store, t->store->ops->setting_subjects(t, out, err), err);
}

/* ---- operations ---------------------------------------------------------------------------- */

enum sr_err sr_txn_counts(struct sr_txn *t, struct sr_store_counts *out, struct sr_error *err)
{
    assert(t && out);
    return noted(t->store, t->store->ops->counts(t, out, err), err);
}

/*
 * test_registry.c - the registry (server/registry.c, register.c, delete.c,
 * settings.c, by_id.c) and its caches where requests race: the store is
 * wrapped so that a test can run a second request at an exact point of the
 * first one (after a read of the first, before the write of the second), on a
 * real SQLite database in a fresh temporary directory. Conflicts are injected
 * (sr_store_inject_conflicts) to show that every write path retries its whole
 * transaction, and writes made behind the registry's back show that the
 * caches follow the store's change markers.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/by_id.h"
#include "server/delete.h"
#include "server/idcache.h"
#include "server/register.h"
#include "server/registry.h"
#include "server/settings.h"
#include "storage/store_int.h"
#include "tests/unit/testutil.h"

/* ---- a store that runs a hook inside another request ----------------------------- */

enum hook_point {
    HOOK_NONE,
    HOOK_AFTER_READ_SCHEMA_GET, /* after a read transaction's schema_get found its row */
    HOOK_BEFORE_WRITE_BEGIN,    /* before a write transaction begins */
};

struct fixture;
typedef void (*hook_fn)(struct fixture *f);

struct hooked_store {
    struct sr_store base; /* first: an sr_store * is a hooked_store * */
    struct sr_store *inner;
    struct sr_store_ops ops;
    struct fixture *fixture;
};

struct fixture {
    char dir[64];
    struct hooked_store hooked;
    struct sr_registry *registry;
    _Atomic(enum hook_point) point; /* armed for one run; threads read it */
    hook_fn hook;
};

static struct hooked_store *hooked_of(struct sr_store *s)
{
    return (struct hooked_store *)s;
}

/* Runs the hook armed for point, once. */
static void fire(struct fixture *f, enum hook_point point)
{
    if (f->point != point)
        return;
    f->point = HOOK_NONE;
    f->hook(f);
}

/* Transactions are the inner store's, relabelled so that their operations
 * come through ops; commit and rollback give them back first. */
static enum sr_err hooked_begin(struct sr_store *store, bool write, struct sr_txn **out,
                                struct sr_error *err)
{
    struct hooked_store *h = hooked_of(store);
    if (write)
        fire(h->fixture, HOOK_BEFORE_WRITE_BEGIN);
    enum sr_err rc = h->inner->ops->begin(h->inner, write, out, err);
    if (!rc)
        (*out)->store = store;
    return rc;
}

static enum sr_err hooked_commit(struct sr_txn *t, struct sr_error *err)
{
    struct hooked_store *h = hooked_of(t->store);
    t->store = h->inner;
    return h->inner->ops->commit(t, err);
}

static void hooked_rollback(struct sr_txn *t)
{
    struct hooked_store *h = hooked_of(t->store);
    t->store = h->inner;
    h->inner->ops->rollback(t);
}

static enum sr_err hooked_schema_get(struct sr_txn *t, const char *context, int64_t id,
                                     struct sr_schema_rec *out, struct sr_error *err)
{
    struct hooked_store *h = hooked_of(t->store);
    enum sr_err rc = h->inner->ops->schema_get(t, context, id, out, err);
    if (!rc && !t->write)
        fire(h->fixture, HOOK_AFTER_READ_SCHEMA_GET);
    return rc;
}

static void hooked_close(struct sr_store *store)
{
    (void)store; /* the fixture closes the inner store */
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_non_null(tu_tempdir(f->dir, sizeof(f->dir), "sr_registry_"));
    char path[128];
    snprintf(path, sizeof(path), "%s/registry.db", f->dir);
    struct sr_error err = {0};
    struct hooked_store *h = &f->hooked;
    if (sr_store_open_sqlite(path, &h->inner, &err))
        fail_msg("open %s: %s", path, err.message);
    h->ops = *h->inner->ops;
    h->ops.begin = hooked_begin;
    h->ops.commit = hooked_commit;
    h->ops.rollback = hooked_rollback;
    h->ops.schema_get = hooked_schema_get;
    h->ops.close = hooked_close;
    sr_store_init(&h->base, &h->ops);
    h->fixture = f;
    if (sr_registry_open(&h->base, &f->registry, &err))
        fail_msg("registry: %s", err.message);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sr_registry_close(f->registry);
    sr_store_close(f->hooked.inner);
    tu_tempdir_remove(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

/* Registers schema (its JSON text) under subject, with references (a JSON
 * array's text) unless NULL. */
static enum sr_err try_register(struct fixture *f, const char *subject, const char *schema,
                                const char *references, int64_t *id_out, struct sr_error *err)
{
    json_t *doc = json_pack("{s:s}", "schema", schema);
    assert_non_null(doc);
    if (references)
        assert_int_equal(json_object_set_new(doc, "references", json_loads(references, 0, NULL)),
                         0);
    struct sr_schema_input in;
    struct sr_registered done = {0};
    enum sr_err rc = sr_input_schema(doc, &in, err);
    if (!rc)
        rc = sr_register_schema(f->registry, subject, &in, false, &done, err);
    if (!rc) {
        *id_out = done.id;
        assert_true(done.version > 0);
        assert_non_null(done.rec.schema);
        assert_int_equal(strlen(done.rec.guid), 36);
    }
    sr_registered_release(&done);
    json_decref(doc);
    return rc;
}

static int64_t must_register(struct fixture *f, const char *subject, const char *schema,
                             const char *references)
{
    struct sr_error err = {0};
    int64_t id = 0;
    if (try_register(f, subject, schema, references, &id, &err))
        fail_msg("register under %s: %s", subject, err.message);
    return id;
}

static void must_delete(struct fixture *f, const char *subject, int32_t version, bool permanent)
{
    struct sr_error err = {0};
    int32_t deleted = 0;
    if (sr_delete_version(&f->hooked.base, SR_API_7, subject, version, permanent, &deleted, &err))
        fail_msg("delete %s/%d: %s", subject, version, err.message);
    assert_int_equal(deleted, version);
}

/* The body GET /schemas/ids/{id} answers, as text; NULL with *rc_out set
 * when it fails. Caller frees. */
static char *body_of(struct fixture *f, int64_t id, enum sr_err *rc_out)
{
    struct sr_error err = {0};
    struct sr_body *body = NULL;
    *rc_out = sr_by_id_body(f->registry, SR_DEFAULT_CONTEXT, id, &body, &err);
    if (*rc_out)
        return NULL;
    char *text = strdup(body->data);
    sr_body_unref(body);
    return text;
}

/* Whether GET /schemas/ids/{id} finds a body (freed here, so that a failing
 * assertion on the answer leaks nothing); *rc_out as body_of() sets it. */
static bool has_body(struct fixture *f, int64_t id, enum sr_err *rc_out)
{
    char *text = body_of(f, id, rc_out);
    bool found = text != NULL;
    free(text);
    return found;
}

/* The versions of subject, soft-deleted included. */
static struct sr_int_list versions_of(struct fixture *f, const char *subject)
{
    struct sr_error err = {0};
    struct sr_txn *t = NULL;
    struct sr_int_list versions = {0};
    assert_int_equal(sr_store_begin(&f->hooked.base, false, &t, &err), SR_OK);
    assert_int_equal(sr_txn_versions(t, subject, SR_WITH_DELETED, &versions, &err), SR_OK);
    sr_txn_rollback(t);
    return versions;
}

/* ---- the body cache and permanent deletes --------------------------------------------- */

static void delete_s1_for_good(struct fixture *f)
{
    must_delete(f, "s", 1, true);
}

/* GET /schemas/ids/{id} read the row just before a permanent delete of the
 * id committed: that answer may still show it, but the body must not stay
 * in the cache to be served after the delete. */
static void a_permanent_delete_during_a_read_leaves_no_body(void **state)
{
    struct fixture *f = *state;
    enum sr_err rc;
    int64_t id = must_register(f, "s", "\"string\"", NULL);
    must_delete(f, "s", 1, false);
    f->point = HOOK_AFTER_READ_SCHEMA_GET;
    f->hook = delete_s1_for_good;
    char *body = body_of(f, id, &rc);
    assert_int_equal(rc, SR_OK);
    assert_int_equal(f->point, HOOK_NONE); /* the delete ran inside the read */
    assert_string_equal(body, "{\"schema\":\"\\\"string\\\"\"}");
    free(body);
    assert_false(has_body(f, id, &rc));
    assert_int_equal(rc, SR_ERR_SCHEMA_NOT_FOUND);
}

/* ---- references that change between the parse and the write ----------------------------- */

#define X "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"
#define Y "{\"type\":\"record\",\"name\":\"Y\",\"fields\":[{\"name\":\"b\",\"type\":\"string\"}]}"
#define S_USES_X "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"x\",\"type\":\"X\"}]}"
#define X_IS_R1 "[{\"name\": \"X\", \"subject\": \"r\", \"version\": 1}]"

/* Between the registration's parse and its write, r/1 is deleted for good
 * and its number comes back holding another schema. */
static void replace_r1(struct fixture *f)
{
    must_delete(f, "r", 1, false);
    must_delete(f, "r", 1, true);
    must_register(f, "r", Y, NULL);
}

static void drop_r1(struct fixture *f)
{
    must_delete(f, "r", 1, false);
    must_delete(f, "r", 1, true);
}

/* The schema must be judged against what r/1 holds when it is stored: here
 * X is gone, so it is invalid, and nothing that would no longer parse is
 * stored. */
static void a_reference_replaced_during_a_registration_is_judged_again(void **state)
{
    struct fixture *f = *state;
    struct sr_error err = {0};
    int64_t id = 0;
    must_register(f, "r", X, NULL);
    f->point = HOOK_BEFORE_WRITE_BEGIN;
    f->hook = replace_r1;
    enum sr_err rc = try_register(f, "s", S_USES_X, X_IS_R1, &id, &err);
    assert_int_equal(f->point, HOOK_NONE); /* r/1 changed between the parse and the write */
    assert_int_equal(rc, SR_ERR_INVALID_SCHEMA);
    assert_non_null(strstr(err.message, "Invalid schema of type AVRO"));
    struct sr_int_list versions = versions_of(f, "s");
    assert_int_equal(versions.count, 0);
    sr_int_list_release(&versions);
}

static void a_reference_removed_during_a_registration_is_an_invalid_schema(void **state)
{
    struct fixture *f = *state;
    struct sr_error err = {0};
    int64_t id = 0;
    must_register(f, "r", X, NULL);
    f->point = HOOK_BEFORE_WRITE_BEGIN;
    f->hook = drop_r1;
    assert_int_equal(try_register(f, "s", S_USES_X, X_IS_R1, &id, &err), SR_ERR_INVALID_SCHEMA);
    assert_string_equal(err.message, "Invalid schema: reference 'X' names subject 'r' version 1, "
                                     "which does not exist");
}

static void a_reference_left_alone_registers(void **state)
{
    struct fixture *f = *state;
    int64_t x = must_register(f, "r", X, NULL);
    int64_t s = must_register(f, "s", S_USES_X, X_IS_R1);
    assert_int_equal(x, 1);
    assert_int_equal(s, 2);
}

/* ---- retries on conflicts ------------------------------------------------------------ */

#define R1 "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"
#define R2                                                                                         \
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"           \
    "{\"name\":\"b\",\"type\":\"int\",\"default\":0}]}"

/* Lost races fail the first attempts of the write: the registration is run
 * again from the start, and ends with exactly one id and one version. */
static void a_registration_that_conflicts_is_retried_once_through(void **state)
{
    struct fixture *f = *state;
    sr_store_inject_conflicts(&f->hooked.base, 3);
    assert_int_equal(must_register(f, "s", R1, NULL), 1);
    sr_store_inject_conflicts(&f->hooked.base, 4);
    assert_int_equal(must_register(f, "s", R2, NULL), 2);
    sr_store_inject_conflicts(&f->hooked.base, 0);
    assert_int_equal(must_register(f, "s", R2, NULL), 2); /* already there: no new version */
    struct sr_int_list versions = versions_of(f, "s");
    assert_int_equal(versions.count, 2);
    assert_int_equal(versions.items[0], 1);
    assert_int_equal(versions.items[1], 2);
    sr_int_list_release(&versions);
    enum sr_err rc;
    free(body_of(f, 3, &rc)); /* no id was spent on a failed attempt */
    assert_int_equal(rc, SR_ERR_SCHEMA_NOT_FOUND);
}

/* A write that keeps losing gives up after SR_STORE_RUN_ATTEMPTS runs and
 * leaves nothing behind. */
static void a_registration_that_keeps_conflicting_writes_nothing(void **state)
{
    struct fixture *f = *state;
    struct sr_error err = {0};
    int64_t id = 0;
    sr_store_inject_conflicts(&f->hooked.base, 1000);
    assert_int_equal(try_register(f, "s", R1, NULL, &id, &err), SR_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "conflicted with concurrent writes"));
    sr_store_inject_conflicts(&f->hooked.base, 0);
    struct sr_int_list versions = versions_of(f, "s");
    assert_int_equal(versions.count, 0);
    sr_int_list_release(&versions);
    assert_int_equal(must_register(f, "s", R1, NULL), 1);
}

static void deletes_and_settings_retry_their_conflicts(void **state)
{
    struct fixture *f = *state;
    struct sr_store *store = &f->hooked.base;
    struct sr_error err = {0};
    const char *stored = NULL;
    must_register(f, "s", R1, NULL);
    must_register(f, "s", R2, NULL);
    sr_store_inject_conflicts(store, 2);
    must_delete(f, "s", 2, false);
    sr_store_inject_conflicts(store, 2);
    must_delete(f, "s", 2, true);
    sr_store_inject_conflicts(store, 2);
    assert_int_equal(sr_settings_put_config(store, "s", "full", -1, &stored, &err), SR_OK);
    assert_string_equal(stored, "FULL");
    sr_store_inject_conflicts(store, 2);
    assert_int_equal(sr_settings_put_mode(store, "s", "readonly", false, &stored, &err), SR_OK);
    assert_string_equal(stored, "READONLY");
    char mode[SR_MODE_NAME_MAX];
    sr_store_inject_conflicts(store, 2);
    assert_int_equal(sr_settings_delete_mode(store, "s", mode, &err), SR_OK);
    assert_string_equal(mode, "READONLY");
    struct sr_config_rec old = {0};
    sr_store_inject_conflicts(store, 2);
    assert_int_equal(sr_settings_delete_config(store, SR_API_7, "s", &old, &err), SR_OK);
    assert_string_equal(old.compatibility, "FULL");
    sr_config_rec_release(&old);
    struct sr_int_list gone = {0};
    sr_store_inject_conflicts(store, 2);
    assert_int_equal(sr_delete_subject(store, SR_API_7, "s", false, &gone, &err), SR_OK);
    assert_int_equal(gone.count, 1);
    assert_int_equal(gone.items[0], 1);
    sr_int_list_release(&gone);
    struct sr_int_list versions = versions_of(f, "s");
    assert_int_equal(versions.count, 1); /* version 2 went for good, 1 is soft-deleted */
    sr_int_list_release(&versions);
}

/* ---- group commit ----------------------------------------------------------------------- */

/* How many callers wait for the next batch. */
static size_t queued(struct fixture *f)
{
    struct sr_store *store = &f->hooked.base;
    size_t n = 0;
    pthread_mutex_lock(&store->batch_lock);
    for (struct sr_batch_item *i = store->queue; i; i = i->next)
        n++;
    pthread_mutex_unlock(&store->batch_lock);
    return n;
}

#define BATCHED 4

/* Inside the first batch's begin: waits until the next batch has formed,
 * then removes r/1 for good, which one of the queued registrations uses. */
static void hold_until_batch_formed(struct fixture *f)
{
    for (int i = 0; i < 5000 && queued(f) < BATCHED; i++)
        usleep(1000);
    assert_int_equal(queued(f), BATCHED);
    drop_r1(f);
}

struct queued_reg {
    struct fixture *f;
    const char *subject, *schema, *refs;
    enum sr_err rc;
    int64_t id;
    char message[SR_ERROR_MESSAGE_MAX];
};

static void *register_thread(void *p)
{
    struct queued_reg *q = p;
    struct sr_error err = {0};
    q->rc = try_register(q->f, q->subject, q->schema, q->refs, &q->id, &err);
    snprintf(q->message, sizeof(q->message), "%s", err.message);
    return NULL;
}

#define R_NO_DEFAULT                                                                               \
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"           \
    "{\"name\":\"c\",\"type\":\"int\"}]}"
#define DUP "{\"type\":\"record\",\"name\":\"D\",\"fields\":[{\"name\":\"d\",\"type\":\"int\"}]}"

/* Registrations that arrive while a commit is under way share the next
 * batch, and each keeps its own answer: one incompatible, one whose
 * reference went away before the batch ran, two identical ones (one id,
 * one version). */
static void a_batch_answers_each_registration_on_its_own(void **state)
{
    struct fixture *f = *state;
    must_register(f, "r", X, NULL);
    must_register(f, "inc", R1, NULL);
    f->point = HOOK_BEFORE_WRITE_BEGIN;
    f->hook = hold_until_batch_formed;
    pthread_t threads[BATCHED];
    struct queued_reg regs[BATCHED] = {
        {f, "inc", R_NO_DEFAULT, NULL, 0, 0, ""},
        {f, "s", S_USES_X, X_IS_R1, 0, 0, ""},
        {f, "dup", DUP, NULL, 0, 0, ""},
        {f, "dup", DUP, NULL, 0, 0, ""},
    };
    struct queued_reg first = {f, "first", R2, NULL, 0, 0, ""};
    pthread_t leader;
    assert_int_equal(pthread_create(&leader, NULL, register_thread, &first), 0);
    /* Until the leader's batch is under way (its hook fired). Only the hook's
     * own state is read here: first belongs to the leader until it is joined. */
    for (int i = 0; i < 5000 && f->point != HOOK_NONE && queued(f) == 0; i++)
        usleep(1000);
    usleep(20000);
    for (int i = 0; i < BATCHED; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, register_thread, &regs[i]), 0);
    for (int i = 0; i < BATCHED; i++)
        pthread_join(threads[i], NULL);
    pthread_join(leader, NULL);
    assert_int_equal(f->point, HOOK_NONE); /* the batch did form behind the first */
    assert_int_equal(first.rc, SR_OK);
    assert_int_equal(regs[0].rc, SR_ERR_INCOMPATIBLE);
    assert_int_equal(regs[1].rc, SR_ERR_INVALID_SCHEMA);
    assert_non_null(strstr(regs[1].message, "version 1, which does not exist"));
    assert_int_equal(regs[2].rc, SR_OK);
    assert_int_equal(regs[3].rc, SR_OK);
    assert_int_equal(regs[2].id, regs[3].id);
    struct sr_int_list versions = versions_of(f, "dup");
    assert_int_equal(versions.count, 1);
    sr_int_list_release(&versions);
    versions = versions_of(f, "inc");
    assert_int_equal(versions.count, 1); /* the incompatible one left nothing */
    sr_int_list_release(&versions);
    versions = versions_of(f, "s");
    assert_int_equal(versions.count, 0);
    sr_int_list_release(&versions);
}

/* ---- caches and writes made elsewhere ---------------------------------------------------- */

/* Removes s/1 and its schema straight through the inner store, as another
 * node sharing the database would, behind the registry's back. */
static void remove_behind_the_back(struct fixture *f, int64_t id)
{
    struct sr_error err = {0};
    struct sr_txn *t = NULL;
    bool removed = false;
    assert_int_equal(sr_store_begin(f->hooked.inner, true, &t, &err), SR_OK);
    assert_int_equal(sr_txn_version_remove(t, "s", 1, &err), SR_OK);
    assert_int_equal(sr_txn_schema_remove_if_unused(t, SR_DEFAULT_CONTEXT, id, &removed, &err),
                     SR_OK);
    assert_true(removed);
    assert_int_equal(sr_txn_commit(t, &err), SR_OK);
}

/* The caches answer from memory until the store's marker says that ids may
 * answer differently; then they ask the store again. */
static void caches_follow_the_change_marker(void **state)
{
    struct fixture *f = *state;
    enum sr_err rc;
    int64_t id = must_register(f, "s", R1, NULL);
    free(body_of(f, id, &rc)); /* now cached */
    assert_int_equal(rc, SR_OK);
    uint64_t before = sr_store_marker(&f->hooked.base, SR_CHANGE_SCHEMA_IDS);
    remove_behind_the_back(f, id);
    assert_int_equal(sr_store_marker(&f->hooked.base, SR_CHANGE_SCHEMA_IDS), before);
    free(body_of(f, id, &rc)); /* nothing told the registry yet: the cache answers */
    assert_int_equal(rc, SR_OK);
    /* What a shared backend does when it hears of another node's commit. */
    sr_store_note_change(&f->hooked.base, 1u << SR_CHANGE_SCHEMA_IDS);
    assert_false(has_body(f, id, &rc));
    assert_int_equal(rc, SR_ERR_SCHEMA_NOT_FOUND);
}

/* A delete through the registry moves the markers itself. */
static void deletes_move_the_markers(void **state)
{
    struct fixture *f = *state;
    struct sr_store *store = &f->hooked.base;
    must_register(f, "s", R1, NULL);
    uint64_t hidden = sr_store_marker(store, SR_CHANGE_VERSIONS_HIDDEN);
    uint64_t ids = sr_store_marker(store, SR_CHANGE_SCHEMA_IDS);
    must_delete(f, "s", 1, false);
    assert_true(sr_store_marker(store, SR_CHANGE_VERSIONS_HIDDEN) > hidden);
    assert_int_equal(sr_store_marker(store, SR_CHANGE_SCHEMA_IDS), ids);
    must_delete(f, "s", 1, true);
    assert_true(sr_store_marker(store, SR_CHANGE_SCHEMA_IDS) > ids);
}

/* ---- the id cache's marker discipline ------------------------------------------------------ */

static void *ref_int(void *v)
{
    ++*(int *)v;
    return v;
}

static void unref_int(void *v)
{
    --*(int *)v;
}

static void idcache_keeps_no_value_read_before_a_change(void **state)
{
    (void)state;
    int value = 1;
    struct sr_idcache *c = sr_idcache_new(8, 1024, ref_int, unref_int);
    assert_non_null(c);
    sr_idcache_put(c, 7, &value, 10, 1, 2); /* read under 1, the marker is 2 now */
    assert_null(sr_idcache_get(c, 7, 2));
    assert_int_equal(value, 1);
    sr_idcache_put(c, 7, &value, 10, 2, 2); /* read afresh: kept */
    assert_ptr_equal(sr_idcache_get(c, 7, 2), &value);
    assert_int_equal(value, 3); /* the cache's reference and ours */
    unref_int(&value);
    assert_null(sr_idcache_get(c, 7, 3)); /* the marker moved: everything goes */
    assert_int_equal(value, 1);
    sr_idcache_put(c, 7, &value, 10, 3, 3);
    sr_idcache_free(c);
    assert_int_equal(value, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(a_permanent_delete_during_a_read_leaves_no_body),
        T(a_reference_replaced_during_a_registration_is_judged_again),
        T(a_reference_removed_during_a_registration_is_an_invalid_schema),
        T(a_reference_left_alone_registers),
        T(a_registration_that_conflicts_is_retried_once_through),
        T(a_registration_that_keeps_conflicting_writes_nothing),
        T(deletes_and_settings_retry_their_conflicts),
        T(a_batch_answers_each_registration_on_its_own),
        T(caches_follow_the_change_marker),
        T(deletes_move_the_markers),
        cmocka_unit_test(idcache_keeps_no_value_read_before_a_change),
    };
#undef T
    return cmocka_run_group_tests_name("registry", tests, NULL, NULL) ? 1 : 0;
}

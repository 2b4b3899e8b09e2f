/*
 * pg.c - the PostgreSQL backend's lifecycle: opening the database, the
 * connection pool, reconnection, the writer lock, transactions and
 * readiness. See pg_int.h for the model.
 */
#include "storage/pg_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define ALL_CHANGES ((1u << SR_CHANGE__COUNT) - 1)
#define DEFAULT_CONNECTIONS 4

static struct pg_store *store_of(struct sr_store *s)
{
    return (struct pg_store *)s;
}

static struct pg_conn *conn_of(struct sr_txn *t)
{
    return (struct pg_conn *)t;
}

/* ---- statements without parameters --------------------------------------------------- */

enum sr_err pg_simple(struct pg_store *s, PGconn *db, const char *sql, const char *what,
                      struct sr_error *err)
{
    enum sr_err rc = SR_OK;
    if (!PQsendQuery(db, sql)) {
        char text[1024];
        pg_error_text(db, NULL, text, sizeof(text));
        return sr_errorf(err, pg_error_class(db, NULL), "postgresql: %s on %s: %s", what, s->where,
                         text);
    }
    /* Every result must be read before the connection takes the next query. */
    for (PGresult *res; (res = PQgetResult(db)) != NULL; PQclear(res)) {
        ExecStatusType st = PQresultStatus(res);
        if (rc || st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY)
            continue;
        char text[1024];
        pg_error_text(db, res, text, sizeof(text));
        rc = sr_errorf(err, pg_error_class(db, res), "postgresql: %s on %s: %s", what, s->where,
                       text);
    }
    if (!rc && PQstatus(db) != CONNECTION_OK)
        rc = sr_errorf(err, SR_ERR_UNAVAILABLE, "postgresql: %s on %s: the connection was lost",
                       what, s->where);
    return rc;
}

/* ---- connections ------------------------------------------------------------------------ */

static void ignore_notice(void *arg, const PGresult *res)
{
    (void)arg;
    (void)res;
}

enum sr_err pg_connect(struct pg_store *s, PGconn **out, struct sr_error *err)
{
    /* Defaults first: the URL (expanded from dbname) may override each. */
    char timeout[16];
    snprintf(timeout, sizeof(timeout), "%d", PG_CONNECT_TIMEOUT_S);
    const char *const keys[] = {"connect_timeout",
                                "application_name",
                                "keepalives_idle",
                                "keepalives_interval",
                                "keepalives_count",
                                "dbname",
                                NULL};
    const char *const values[] = {timeout, PG_APPLICATION_NAME, "10", "5", "3", s->conninfo, NULL};
    PGconn *db = PQconnectdbParams(keys, values, 1);
    if (!db)
        return sr_errorf(err, SR_ERR_NOMEM, "postgresql: out of memory connecting to %s", s->where);
    if (PQstatus(db) != CONNECTION_OK) {
        char text[1024];
        pg_error_text(db, NULL, text, sizeof(text));
        PQfinish(db);
        return sr_errorf(err, SR_ERR_UNAVAILABLE, "postgresql: cannot connect to %s: %s", s->where,
                         text);
    }
    /* libpq prints the server's notices on stderr by default; a library
     * prints nothing. What matters arrives as errors. */
    PQsetNoticeReceiver(db, ignore_notice, NULL);
    char settings[160];
    snprintf(settings, sizeof(settings),
             "SET lock_timeout = %d; SET idle_in_transaction_session_timeout = %d",
             PG_LOCK_TIMEOUT_MS, PG_IDLE_IN_TXN_TIMEOUT_MS);
    enum sr_err rc = pg_simple(s, db, settings, "setting up the session", err);
    if (rc) {
        PQfinish(db);
        return rc;
    }
    *out = db;
    return SR_OK;
}

static void conn_close(struct pg_conn *c)
{
    if (!c)
        return;
    PQfinish(c->db);
    free(c);
}

/* A new pooled connection (counted in open_conns by the caller). */
static enum sr_err conn_open(struct pg_store *s, struct pg_conn **out, struct sr_error *err)
{
    struct pg_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return sr_errorf(err, SR_ERR_NOMEM, "postgresql: out of memory");
    enum sr_err rc = pg_connect(s, &c->db, err);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return SR_OK;
}

/* ---- the pool ------------------------------------------------------------------------------ */

static void deadline_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Lends a connection: an idle one (*fresh_out false), or a new one while
 * fewer than max_conns are open, or the next one given back. */
static enum sr_err conn_take(struct pg_store *s, struct pg_conn **out, bool *fresh_out,
                             struct sr_error *err)
{
    struct timespec deadline;
    deadline_in(&deadline, PG_POOL_WAIT_MS);
    pthread_mutex_lock(&s->pool_lock);
    for (;;) {
        if (s->idle_count > 0) {
            *out = s->idle[--s->idle_count];
            *fresh_out = false;
            pthread_mutex_unlock(&s->pool_lock);
            return SR_OK;
        }
        if (s->open_conns < s->max_conns) {
            s->open_conns++;
            pthread_mutex_unlock(&s->pool_lock);
            enum sr_err rc = conn_open(s, out, err); /* outside the lock: it may take a while */
            if (rc) {
                pthread_mutex_lock(&s->pool_lock);
                s->open_conns--;
                pthread_cond_signal(&s->pool_free);
                pthread_mutex_unlock(&s->pool_lock);
                return rc;
            }
            *fresh_out = true;
            return SR_OK;
        }
        if (pthread_cond_timedwait(&s->pool_free, &s->pool_lock, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&s->pool_lock);
            return sr_errorf(err, SR_ERR_UNAVAILABLE,
                             "postgresql: all %u connections to %s stayed busy for %d ms",
                             s->max_conns, s->where, PG_POOL_WAIT_MS);
        }
    }
}

/* Takes a connection back: into the pool when it is sound and idle, else
 * closed (the next take opens a new one). */
static void conn_give(struct pg_store *s, struct pg_conn *c)
{
    bool sound = !c->broken && !c->locked && PQstatus(c->db) == CONNECTION_OK &&
                 PQtransactionStatus(c->db) == PQTRANS_IDLE;
    c->txn = (struct sr_txn){0};
    pthread_mutex_lock(&s->pool_lock);
    if (sound)
        s->idle[s->idle_count++] = c; /* room for max_conns, allocated at open */
    else
        s->open_conns--;
    pthread_cond_signal(&s->pool_free);
    pthread_mutex_unlock(&s->pool_lock);
    if (!sound)
        conn_close(c);
}

/* ---- transactions ------------------------------------------------------------------------- */

/* The stores this thread holds a write transaction in. A second write
 * transaction of the same thread would wait for the writer lock its first
 * one holds on another connection: for ever, so it is refused. */
#define MAX_NESTED_STORES 4
static _Thread_local const struct pg_store *writing_in[MAX_NESTED_STORES];

static bool writing_here(const struct pg_store *s)
{
    for (int i = 0; i < MAX_NESTED_STORES; i++)
        if (writing_in[i] == s)
            return true;
    return false;
}

static void set_writing(const struct pg_store *s, bool on)
{
    for (int i = 0; i < MAX_NESTED_STORES; i++)
        if (writing_in[i] == (on ? NULL : s)) {
            writing_in[i] = on ? s : NULL;
            return;
        }
}

static enum sr_err start_txn(struct pg_store *s, struct pg_conn *c, bool write,
                             struct sr_error *err)
{
    enum sr_err rc = SR_OK;
    if (write) {
        /* Before BEGIN: the snapshot must be taken once the lock is held. */
        rc = pg_simple(s, c->db, "SELECT pg_advisory_lock" PG_LOCK_WRITER,
                       "waiting for the writer lock", err);
        c->locked = !rc;
    }
    if (!rc)
        rc = pg_simple(s, c->db,
                       write ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                             : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                       "beginning a transaction", err);
    if (rc == SR_ERR_UNAVAILABLE && PQstatus(c->db) != CONNECTION_OK)
        c->broken = true;
    return rc;
}

/* Ends whatever the connection still has open (a transaction, the writer
 * lock) after sql (COMMIT or ROLLBACK) ran or failed, and gives it back. The
 * unlock rides with sql in one round trip; when sql fails, the rest of the
 * string is skipped and the unlock goes alone. A connection that cannot be
 * brought back to idle and unlocked is closed, which ends both for sure. */
static enum sr_err finish(struct pg_store *s, struct pg_conn *c, const char *sql, const char *what,
                          struct sr_error *err)
{
    char text[512];
    bool locked = c->locked;
    snprintf(text, sizeof(text), "%s%s", sql,
             locked ? "; SELECT pg_advisory_unlock" PG_LOCK_WRITER : "");
    enum sr_err rc = pg_simple(s, c->db, text, what, err);
    if (!rc)
        c->locked = false;
    if (PQstatus(c->db) == CONNECTION_OK && PQtransactionStatus(c->db) != PQTRANS_IDLE)
        pg_simple(s, c->db, "ROLLBACK", "rolling back", NULL);
    if (c->locked && PQstatus(c->db) == CONNECTION_OK &&
        !pg_simple(s, c->db, "SELECT pg_advisory_unlock" PG_LOCK_WRITER, "unlocking", NULL))
        c->locked = false;
    if (c->txn.write)
        set_writing(s, false);
    conn_give(s, c);
    return rc;
}

static enum sr_err pg_begin(struct sr_store *store, bool write, struct sr_txn **out,
                            struct sr_error *err)
{
    struct pg_store *s = store_of(store);
    if (write && writing_here(s))
        return sr_errorf(err, SR_ERR_INTERNAL,
                         "storage: this thread already has a write transaction open");
    /* Deaf to other nodes: nothing read now may be cached (pg_int.h). */
    if (!atomic_load(&s->listener.listening))
        sr_store_note_change(store, ALL_CHANGES);
    for (;;) {
        struct pg_conn *c = NULL;
        bool fresh = false;
        enum sr_err rc = conn_take(s, &c, &fresh, err);
        if (rc)
            return rc;
        rc = start_txn(s, c, write, err);
        if (!rc) {
            c->txn = (struct sr_txn){.store = store, .write = write};
            if (write)
                set_writing(s, true);
            *out = &c->txn;
            return SR_OK;
        }
        /* A pooled connection the database dropped (a restart): nothing
         * has happened yet, so another connection may take over. */
        bool stale = c->broken && !fresh;
        finish(s, c, "ROLLBACK", "rolling back", NULL);
        if (!stale)
            return rc;
    }
}

static enum sr_err pg_commit(struct sr_txn *t, struct sr_error *err)
{
    struct pg_store *s = store_of(t->store);
    struct pg_conn *c = conn_of(t);
    char sql[160];
    /* The notification goes out only if the transaction commits. The node
     * id and mask are digits and hex: nothing to quote. */
    if (t->write && t->changes)
        snprintf(sql, sizeof(sql), "SELECT pg_notify('%s', '%s:%u'); COMMIT", PG_CHANNEL, s->node,
                 t->changes);
    else
        snprintf(sql, sizeof(sql), "COMMIT");
    return finish(s, c, sql, "committing", err);
}

static void pg_rollback(struct sr_txn *t)
{
    finish(store_of(t->store), conn_of(t), "ROLLBACK", "rolling back", NULL);
}

/* ---- group commit ------------------------------------------------------------------------ */

static enum sr_err pg_savepoint(struct sr_txn *t, enum sr_savepoint_step step, struct sr_error *err)
{
    struct pg_store *s = store_of(t->store);
    struct pg_conn *c = conn_of(t);
    switch (step) {
    case SR_SAVEPOINT_OPEN:
        return pg_simple(s, c->db, "SAVEPOINT item", "opening a savepoint", err);
    case SR_SAVEPOINT_RELEASE:
        return pg_simple(s, c->db, "RELEASE SAVEPOINT item", "releasing a savepoint", err);
    case SR_SAVEPOINT_ROLLBACK:
        /* Also what makes a transaction usable again after a failed
         * statement of the item (PostgreSQL aborts it until then). */
        return pg_simple(s, c->db, "ROLLBACK TO SAVEPOINT item; RELEASE SAVEPOINT item",
                         "rolling back to a savepoint", err);
    }
    return sr_errorf(err, SR_ERR_INTERNAL, "postgresql: unknown savepoint step %d", (int)step);
}

/* ---- readiness ------------------------------------------------------------------------------ */

static enum sr_err probe(struct pg_store *s, bool write, struct sr_error *err)
{
    struct sr_txn *t = NULL;
    enum sr_err rc = pg_begin(&s->base, write, &t, err);
    if (rc)
        return rc;
    struct pg_query q;
    rc = pg_query_start(&q, t, write ? PG_PROBE_WRITE : PG_PROBE_READ, err);
    bool standby = false;
    if (!rc) {
        if (pg_row(&q) && !write)
            standby = pg_col_bool(&q, 0);
        rc = pg_query_end(&q);
    }
    if (!rc && standby)
        rc = sr_errorf(err, SR_ERR_UNAVAILABLE,
                       "postgresql: %s is a standby in recovery: it cannot take writes", s->where);
    if (rc)
        pg_rollback(t);
    else
        rc = pg_commit(t, err);
    return rc;
}

static enum sr_err pg_check(struct sr_store *store, bool write_probe, struct sr_error *err)
{
    struct pg_store *s = store_of(store);
    enum sr_err rc = probe(s, false, err);
    if (!rc && write_probe)
        rc = probe(s, true, err);
    return rc;
}

/* ---- open and close ----------------------------------------------------------------------- */

static void pg_close(struct sr_store *store)
{
    struct pg_store *s = store_of(store);
    pg_listener_stop(s);
    for (size_t i = 0; i < s->idle_count; i++)
        conn_close(s->idle[i]);
    free(s->idle);
    pthread_cond_destroy(&s->pool_free);
    pthread_mutex_destroy(&s->pool_lock);
    free(s->conninfo);
    sr_store_deinit(&s->base);
    free(s);
}

static const struct sr_store_ops pg_ops = {
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .subjects = pg_subjects,
    .versions = pg_versions,
    .version_rows = pg_version_rows,
    .version_get = pg_version_get,
    .subject_uses_refs = pg_subject_uses_refs,
    .max_version = pg_max_version,
    .version_by_id = pg_version_by_id,
    .version_insert = pg_version_insert,
    .version_set_deleted = pg_version_set_deleted,
    .version_remove = pg_version_remove,
    .versions_for_id = pg_versions_for_id,
    .schema_get = pg_schema_get,
    .schema_find = pg_schema_find,
    .reserve_id = pg_reserve_id,
    .max_id = pg_max_id,
    .schema_insert = pg_schema_insert,
    .schema_remove_if_unused = pg_schema_remove_if_unused,
    .ids_by_guid = pg_ids_by_guid,
    .contexts = pg_contexts,
    .id_states = pg_id_states,
    .id_state_raise = pg_id_state_raise,
    .referenced_by = pg_referenced_by,
    .list_versions = pg_list_versions,
    .config_get = pg_config_get,
    .config_put = pg_config_put,
    .config_delete = pg_config_delete,
    .mode_get = pg_mode_get,
    .mode_put = pg_mode_put,
    .mode_delete = pg_mode_delete,
    .setting_subjects = pg_setting_subjects,
    .counts = pg_counts,
    .check = pg_check,
    .savepoint = pg_savepoint,
};

/* "host:port/dbname" from the URL, for messages; libpq's defaults where it
 * names none. Never the password. */
static enum sr_err describe(struct pg_store *s, struct sr_error *err)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(s->conninfo, &msg);
    if (!opts) {
        char text[512];
        snprintf(text, sizeof(text), "%s", msg ? msg : "out of memory");
        PQfreemem(msg);
        text[strcspn(text, "\n")] = '\0';
        return sr_errorf(err, SR_ERR_INTERNAL, "postgresql: not a connection URL: %s", text);
    }
    const char *host = NULL, *port = NULL, *db = NULL, *user = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0 || (strcmp(o->keyword, "hostaddr") == 0 && !host))
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
    }
    snprintf(s->where, sizeof(s->where), "%s:%s/%s", host ? host : "localhost",
             port ? port : "5432",
             db     ? db
             : user ? user
                    : "(default database)");
    PQconninfoFree(opts);
    return SR_OK;
}

static void make_node_id(char *out, size_t cap)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        v = (uint64_t)time(NULL) * 6364136223846793005ULL ^ (uint64_t)getpid();
    snprintf(out, cap, "%016llx", (unsigned long long)v);
}

static enum sr_err store_new(const char *url, const struct sr_store_options *opts,
                             struct pg_store **out, struct sr_error *err)
{
    struct pg_store *s = calloc(1, sizeof(*s));
    if (!s)
        return sr_errorf(err, SR_ERR_NOMEM, "postgresql: out of memory");
    s->max_conns = opts && opts->connections ? opts->connections : DEFAULT_CONNECTIONS;
    s->conninfo = strdup(url);
    s->idle = calloc(s->max_conns, sizeof(*s->idle));
    s->listener.wake[0] = s->listener.wake[1] = -1;
    if (!s->conninfo || !s->idle || pthread_mutex_init(&s->pool_lock, NULL) != 0) {
        free(s->conninfo);
        free(s->idle);
        free(s);
        return sr_errorf(err, SR_ERR_NOMEM, "postgresql: out of resources opening the store");
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    bool ok = pthread_cond_init(&s->pool_free, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok) {
        pthread_mutex_destroy(&s->pool_lock);
        free(s->conninfo);
        free(s->idle);
        free(s);
        return sr_errorf(err, SR_ERR_NOMEM, "postgresql: out of resources opening the store");
    }
    sr_store_init(&s->base, &pg_ops);
    make_node_id(s->node, sizeof(s->node));
    s->listener.store = s;
    *out = s;
    return SR_OK;
}

/* Gives the listener up to the connect timeout to start listening, so that a
 * store that just opened is not deaf (pg_int.h). Past that it carries on:
 * correct, only without caches until the listener gets through. */
static void wait_for_listener(struct pg_store *s)
{
    struct timespec tick = {0, 2000000L};
    for (int waited_ms = 0; waited_ms < PG_CONNECT_TIMEOUT_S * 1000; waited_ms += 2) {
        if (atomic_load(&s->listener.listening))
            return;
        nanosleep(&tick, NULL);
    }
}

enum sr_err sr_store_open_postgres(const char *url, const struct sr_store_options *opts,
                                   struct sr_store **out, struct sr_error *err)
{
    if (!url || !*url || !out)
        return sr_errorf(err, SR_ERR_INTERNAL, "storage: a database URL is required");
    if (!PQisthreadsafe())
        return sr_errorf(err, SR_ERR_INTERNAL, "postgresql: libpq is not thread-safe");
    struct pg_store *s = NULL;
    enum sr_err rc = store_new(url, opts, &s, err);
    if (rc)
        return rc;
    struct pg_conn *first = NULL;
    rc = describe(s, err);
    if (!rc)
        rc = conn_open(s, &first, err);
    if (!rc)
        rc = pg_migrate(s, first->db, err);
    if (!rc) {
        s->idle[s->idle_count++] = first;
        s->open_conns = 1;
        first = NULL;
        rc = pg_listener_start(s, err);
    }
    if (!rc)
        wait_for_listener(s);
    if (rc) {
        conn_close(first);
        pg_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return SR_OK;
}

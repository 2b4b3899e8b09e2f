/*
 * sqlite.c - the SQLite backend's lifecycle: opening the database and its
 * connections, the reader pool, and transactions. See sqlite_int.h for the
 * threading model.
 */
#include "storage/sqlite_int.h"
#include "storage/sqlite_vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* How long a statement waits for a lock another process holds before it
 * fails. Within this process locks never wait: writers queue on write_lock,
 * and in WAL mode readers take no lock a writer would wait for. */
#define BUSY_TIMEOUT_MS 10000

static struct sq_store *store_of(struct sr_store *s)
{
    return (struct sq_store *)s;
}

static struct sq_conn *conn_of(struct sr_txn *t)
{
    return (struct sq_conn *)t;
}

/* ---- connections ---------------------------------------------------------------- */

static enum sr_err conn_error(sqlite3 *db, const char *what, struct sr_error *err)
{
    return sr_errorf(err, db ? sq_error_class(sqlite3_extended_errcode(db)) : SR_ERR_NOMEM,
                     "sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

/* Runs a PRAGMA; *value_out (may be NULL) gets the first column of its row. */
static enum sr_err pragma(sqlite3 *db, const char *sql, char *value_out, size_t value_size,
                          struct sr_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW && value_out) {
            const unsigned char *text = sqlite3_column_text(stmt, 0);
            snprintf(value_out, value_size, "%s", text ? (const char *)text : "");
        }
    }
    enum sr_err result = SR_OK;
    if (rc != SQLITE_DONE)
        result = conn_error(db, sql, err);
    sqlite3_finalize(stmt);
    return result;
}

/* Settings every connection needs; they do not persist in the file. */
static enum sr_err configure(sqlite3 *db, bool writer, struct sr_error *err)
{
    /* FULL: a commit is on disk before sr_txn_commit() returns. */
    enum sr_err rc = pragma(db, "PRAGMA synchronous = FULL", NULL, 0, err);
    if (!rc)
        rc = pragma(db, "PRAGMA foreign_keys = ON", NULL, 0, err);
    /* Readers must never write, even by a bug: only the writer serialises. */
    if (!rc && !writer)
        rc = pragma(db, "PRAGMA query_only = ON", NULL, 0, err);
    return rc;
}

static void conn_close(struct sq_conn *c)
{
    if (!c)
        return;
    sq_conn_finalize(c);
    sqlite3_close_v2(c->db);
    free(c);
}

static enum sr_err conn_open(const char *path, bool writer, struct sq_conn **out,
                             struct sr_error *err)
{
    struct sq_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return sr_errorf(err, SR_ERR_NOMEM, "sqlite: out of memory opening %s", path);
    /* NOMUTEX: a connection is used by one thread at a time (sqlite_int.h). */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (writer)
        flags |= SQLITE_OPEN_CREATE;
    enum sr_err rc = SR_OK;
    /* The WAL's appends go out in one write per commit (sqlite_vfs.h). */
    int orc = sqlite3_open_v2(path, &c->db, flags, sq_vfs_name());
    if (orc != SQLITE_OK)
        rc = sr_errorf(err, sq_error_class(orc), "sqlite: opening %s: %s", path,
                       c->db ? sqlite3_errmsg(c->db) : "out of memory");
    if (!rc && sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS) != SQLITE_OK)
        rc = conn_error(c->db, "setting the busy timeout", err);
    if (!rc)
        rc = configure(c->db, writer, err);
    if (rc) {
        conn_close(c);
        return rc;
    }
    *out = c;
    return SR_OK;
}

/* WAL is a property of the file: set once, by the writer. */
static enum sr_err enable_wal(sqlite3 *db, struct sr_error *err)
{
    char mode[16] = "";
    enum sr_err rc = pragma(db, "PRAGMA journal_mode = WAL", mode, sizeof(mode), err);
    if (rc)
        return rc;
    /* Without WAL, readers and the writer would block each other. */
    if (strcmp(mode, "wal") != 0)
        return sr_errorf(err, SR_ERR_INTERNAL,
                         "sqlite: the database cannot use write-ahead logging (journal mode %s)",
                         mode);
    return SR_OK;
}

/* ---- the reader pool --------------------------------------------------------------- */

static enum sr_err reader_take(struct sq_store *s, struct sq_conn **out, struct sr_error *err)
{
    struct sq_conn *c = NULL;
    pthread_mutex_lock(&s->pool_lock);
    if (s->idle_count > 0)
        c = s->idle[--s->idle_count];
    pthread_mutex_unlock(&s->pool_lock);
    if (c) {
        *out = c;
        return SR_OK;
    }
    /* All lent out: one more, opened outside the lock. The pool grows to the
     * most read transactions ever open at once, i.e. about the thread count. */
    return conn_open(s->path, false, out, err);
}

static void reader_give(struct sq_store *s, struct sq_conn *c)
{
    /* A connection still inside a transaction cannot be lent again. */
    if (!sqlite3_get_autocommit(c->db)) {
        conn_close(c);
        return;
    }
    pthread_mutex_lock(&s->pool_lock);
    bool kept = sr_store_grow((void **)&s->idle, &s->idle_cap, s->idle_count + 1, sizeof(*s->idle));
    if (kept)
        s->idle[s->idle_count++] = c;
    pthread_mutex_unlock(&s->pool_lock);
    if (!kept)
        conn_close(c);
}

/* ---- transactions --------------------------------------------------------------------- */

static enum sr_err run(struct sq_conn *c, enum sq_stmt id, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start_conn(&q, c, id, err);
    if (rc)
        return rc;
    sq_exec(&q);
    return sq_query_end(&q);
}

static enum sr_err lock_writer(struct sq_store *s, struct sr_error *err)
{
    int rc = pthread_mutex_lock(&s->write_lock);
    if (rc == EDEADLK)
        return sr_errorf(err, SR_ERR_INTERNAL,
                         "storage: this thread already has a write transaction open");
    if (rc != 0)
        return sr_errorf(err, SR_ERR_INTERNAL, "storage: locking the writer: %s", strerror(rc));
    return SR_OK;
}

static enum sr_err begin_write(struct sq_store *s, struct sr_txn **out, struct sr_error *err)
{
    enum sr_err rc = lock_writer(s, err);
    if (rc)
        return rc;
    /* IMMEDIATE takes the write lock now, so that no statement of the
     * transaction can find the database locked half way. */
    rc = run(s->writer, SQ_BEGIN_WRITE, err);
    if (rc) {
        pthread_mutex_unlock(&s->write_lock);
        return rc;
    }
    s->writer->txn = (struct sr_txn){.store = &s->base, .write = true};
    *out = &s->writer->txn;
    return SR_OK;
}

static enum sr_err begin_read(struct sq_store *s, struct sr_txn **out, struct sr_error *err)
{
    struct sq_conn *c = NULL;
    enum sr_err rc = reader_take(s, &c, err);
    if (rc)
        return rc;
    /* Deferred: the snapshot is taken by the first read and kept to the end. */
    rc = run(c, SQ_BEGIN_READ, err);
    if (rc) {
        reader_give(s, c);
        return rc;
    }
    c->txn = (struct sr_txn){.store = &s->base, .write = false};
    *out = &c->txn;
    return SR_OK;
}

static enum sr_err sqlite_begin(struct sr_store *store, bool write, struct sr_txn **out,
                                struct sr_error *err)
{
    struct sq_store *s = store_of(store);
    return write ? begin_write(s, out, err) : begin_read(s, out, err);
}

/* Gives the transaction's connection back: the writer to the next writer,
 * a reader to the pool. */
static void end_txn(struct sr_txn *t)
{
    struct sq_store *s = store_of(t->store);
    struct sq_conn *c = conn_of(t);
    bool write = t->write;
    c->txn = (struct sr_txn){0};
    if (write)
        pthread_mutex_unlock(&s->write_lock);
    else
        reader_give(s, c);
}

static void abandon(struct sq_conn *c)
{
    /* SQLite rolls back by itself after some errors; ROLLBACK would then
     * fail with "no transaction is active". */
    if (!sqlite3_get_autocommit(c->db))
        run(c, SQ_ROLLBACK, NULL);
}

static void sqlite_rollback(struct sr_txn *t)
{
    abandon(conn_of(t));
    end_txn(t);
}

static enum sr_err sqlite_commit(struct sr_txn *t, struct sr_error *err)
{
    struct sq_conn *c = conn_of(t);
    enum sr_err rc = run(c, SQ_COMMIT, err);
    if (rc)
        abandon(c); /* e.g. a deferred foreign key failed: the contract rolls back */
    end_txn(t);
    return rc;
}

/* ---- group commit ------------------------------------------------------------------------ */

static enum sr_err sqlite_savepoint(struct sr_txn *t, enum sr_savepoint_step step,
                                    struct sr_error *err)
{
    struct sq_conn *c = conn_of(t);
    switch (step) {
    case SR_SAVEPOINT_OPEN:
        return run(c, SQ_SAVEPOINT, err);
    case SR_SAVEPOINT_RELEASE:
        return run(c, SQ_SAVEPOINT_RELEASE, err);
    case SR_SAVEPOINT_ROLLBACK: {
        /* Some failures (disk full, I/O) make SQLite roll back the whole
         * transaction: then there is no savepoint left to go back to. */
        enum sr_err rc = run(c, SQ_SAVEPOINT_ROLLBACK, err);
        return rc ? rc : run(c, SQ_SAVEPOINT_RELEASE, err);
    }
    }
    return sr_errorf(err, SR_ERR_INTERNAL, "sqlite: unknown savepoint step %d", (int)step);
}

/* Whether path names a file of its own (not ":memory:", not a "file:" URI,
 * whose options the lock file name could not follow). */
static bool is_plain_file(const char *path)
{
    return strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0;
}

/* ---- readiness -------------------------------------------------------------------------- */

/* Below this much free space the database is as good as full: a registration
 * writes a few pages, the WAL grows before it is checkpointed. */
#define MIN_FREE_BYTES (8u << 20)

/* Whether the file system holding the database can take writes. */
static enum sr_err check_room(const struct sq_store *s, struct sr_error *err)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", s->path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else
        slash[slash == dir] = '\0'; /* "/x.db" keeps "/" */
    struct statvfs fs;
    if (statvfs(dir, &fs) != 0)
        return sr_errorf(err, SR_ERR_UNAVAILABLE, "cannot examine the directory of %s: %s", s->path,
                         strerror(errno));
    if (fs.f_flag & ST_RDONLY)
        return sr_errorf(err, SR_ERR_UNAVAILABLE, "the database %s is on a read-only file system",
                         s->path);
    unsigned long long free_bytes = (unsigned long long)fs.f_bavail * fs.f_frsize;
    if (free_bytes < MIN_FREE_BYTES)
        return sr_errorf(err, SR_ERR_UNAVAILABLE, "the disk holding %s is full (%llu bytes free)",
                         s->path, free_bytes);
    return SR_OK;
}

static enum sr_err probe(struct sq_store *s, bool write, struct sr_error *err)
{
    struct sr_txn *t = NULL;
    enum sr_err rc = write ? begin_write(s, &t, err) : begin_read(s, &t, err);
    if (rc)
        return rc;
    struct sq_query q;
    rc = sq_query_start(&q, t, write ? SQ_PROBE_WRITE : SQ_PROBE_READ, err);
    if (!rc) {
        sq_exec(&q);
        rc = sq_query_end(&q);
    }
    if (rc)
        sqlite_rollback(t);
    else
        rc = sqlite_commit(t, err);
    return rc;
}

static enum sr_err sqlite_check(struct sr_store *store, bool write_probe, struct sr_error *err)
{
    struct sq_store *s = store_of(store);
    enum sr_err rc = is_plain_file(s->path) ? check_room(s, err) : SR_OK;
    if (!rc)
        rc = probe(s, false, err);
    if (!rc && write_probe)
        rc = probe(s, true, err);
    return rc;
}

/* ---- ownership ------------------------------------------------------------------------ */

/* The pid the owner wrote into the lock file, or 0 when unreadable. */
static long owner_pid(int fd)
{
    char text[32] = "";
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    return n > 0 ? strtol(text, NULL, 10) : 0;
}

/* Makes this process the database's only owner; see sqlite_int.h. */
static enum sr_err take_ownership(struct sq_store *s, struct sr_error *err)
{
    s->owner_fd = -1;
    if (!is_plain_file(s->path))
        return SR_OK;
    char lock_path[4096];
    if (snprintf(lock_path, sizeof(lock_path), "%s.lock", s->path) >= (int)sizeof(lock_path))
        return sr_errorf(err, SR_ERR_INTERNAL, "sqlite: the database path is too long");
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return sr_errorf(err, SR_ERR_UNAVAILABLE, "sqlite: cannot open %s: %s", lock_path,
                         strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        long pid = owner_pid(fd);
        close(fd);
        if (e == EWOULDBLOCK && pid > 0)
            return sr_errorf(err, SR_ERR_UNAVAILABLE,
                             "the database %s is in use by another process (pid %ld): only one "
                             "server may own a SQLite database at a time",
                             s->path, pid);
        return sr_errorf(err, SR_ERR_UNAVAILABLE, "cannot lock %s: %s", lock_path,
                         e == EWOULDBLOCK ? "it is in use by another process" : strerror(e));
    }
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        close(fd);
        return sr_errorf(err, SR_ERR_UNAVAILABLE, "cannot write %s: %s", lock_path,
                         strerror(errno));
    }
    s->owner_fd = fd;
    return SR_OK;
}

/* ---- open and close ------------------------------------------------------------------- */

static void sqlite_close(struct sr_store *store)
{
    struct sq_store *s = store_of(store);
    for (size_t i = 0; i < s->idle_count; i++)
        conn_close(s->idle[i]);
    free(s->idle);
    conn_close(s->writer);
    if (s->owner_fd >= 0)
        close(s->owner_fd); /* releases the lock; the file stays for the next owner */
    pthread_mutex_destroy(&s->pool_lock);
    pthread_mutex_destroy(&s->write_lock);
    free(s->path);
    sr_store_deinit(&s->base);
    free(s);
}

static const struct sr_store_ops sqlite_ops = {
    .close = sqlite_close,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .subjects = sq_subjects,
    .versions = sq_versions,
    .version_rows = sq_version_rows,
    .version_get = sq_version_get,
    .subject_uses_refs = sq_subject_uses_refs,
    .max_version = sq_max_version,
    .version_by_id = sq_version_by_id,
    .version_insert = sq_version_insert,
    .version_set_deleted = sq_version_set_deleted,
    .version_remove = sq_version_remove,
    .versions_for_id = sq_versions_for_id,
    .schema_get = sq_schema_get,
    .schema_find = sq_schema_find,
    .reserve_id = sq_reserve_id,
    .max_id = sq_max_id,
    .schema_insert = sq_schema_insert,
    .schema_remove_if_unused = sq_schema_remove_if_unused,
    .ids_by_guid = sq_ids_by_guid,
    .contexts = sq_contexts,
    .id_states = sq_id_states,
    .id_state_raise = sq_id_state_raise,
    .referenced_by = sq_referenced_by,
    .list_versions = sq_list_versions,
    .config_get = sq_config_get,
    .config_put = sq_config_put,
    .config_delete = sq_config_delete,
    .mode_get = sq_mode_get,
    .mode_put = sq_mode_put,
    .mode_delete = sq_mode_delete,
    .setting_subjects = sq_setting_subjects,
    .counts = sq_counts,
    .check = sqlite_check,
    .savepoint = sqlite_savepoint,
};

/* An error-checking writer lock turns a thread beginning a second write
 * transaction into an error, not a hang. */
static bool init_locks(struct sq_store *s)
{
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0)
        return false;
    bool ok = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK) == 0 &&
              pthread_mutex_init(&s->write_lock, &attr) == 0;
    pthread_mutexattr_destroy(&attr);
    if (ok && pthread_mutex_init(&s->pool_lock, NULL) != 0) {
        pthread_mutex_destroy(&s->write_lock);
        ok = false;
    }
    return ok;
}

/* The store without any connection yet. */
static enum sr_err store_new(const char *path, struct sq_store **out, struct sr_error *err)
{
    struct sq_store *s = calloc(1, sizeof(*s));
    char *copy = strdup(path);
    if (!s || !copy || !init_locks(s)) {
        free(copy);
        free(s);
        return sr_errorf(err, SR_ERR_NOMEM, "storage: out of resources opening %s", path);
    }
    sr_store_init(&s->base, &sqlite_ops);
    s->path = copy;
    s->owner_fd = -1;
    *out = s;
    return SR_OK;
}

enum sr_err sr_store_open_sqlite(const char *path, struct sr_store **out, struct sr_error *err)
{
    if (!path || !*path || !out)
        return sr_errorf(err, SR_ERR_INTERNAL, "storage: a database path is required");
    /* NOMUTEX connections still need a library built thread-safe. */
    if (!sqlite3_threadsafe())
        return sr_errorf(err, SR_ERR_INTERNAL, "sqlite: the library is not thread-safe");
    struct sq_store *s = NULL;
    enum sr_err rc = store_new(path, &s, err);
    if (rc)
        return rc;
    rc = take_ownership(s, err);
    if (!rc)
        rc = conn_open(path, true, &s->writer, err);
    if (!rc)
        rc = enable_wal(s->writer->db, err);
    if (!rc)
        rc = sq_migrate(s->writer->db, err);
    if (rc) {
        sqlite_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return SR_OK;
}

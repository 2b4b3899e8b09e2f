/*
 * sqlite_int.h - the SQLite backend's internals, shared by its files:
 *   sqlite.c          open/close, connections, the reader pool, transactions
 *   sqlite_migrate.c  the tables, and migrations keyed by PRAGMA user_version
 *   sqlite_query.c    running cached statements: bind, step, copy out
 *   sqlite_versions.c subjects and versions
 *   sqlite_schemas.c  schemas, ids and references
 *   sqlite_settings.c config, mode and counts
 *
 * Threads: one writer connection, held by one write transaction at a time
 * (the store's write_lock is taken in begin and released in commit/rollback),
 * and a pool of reader connections, each lent to one read transaction at a
 * time. A connection is therefore only ever used by one thread at once, which
 * is what SQLite's multi-thread mode (SQLITE_OPEN_NOMUTEX) requires. WAL lets
 * the readers run beside the writer, each on its own snapshot.
 *
 * Locks: threads of this process never meet SQLITE_BUSY, since writers queue
 * on write_lock before BEGIN IMMEDIATE and WAL readers wait for nobody. Only
 * another process holding the database (a second server on the same file,
 * the sqlite3 shell) can make a statement wait; each connection's busy
 * timeout waits up to BUSY_TIMEOUT_MS (sqlite.c) before SR_ERR_UNAVAILABLE.
 * Writers being serialised, the backend never answers SR_ERR_CONFLICT, and
 * its change markers (store.h) are complete for this process's writes.
 *
 * Ownership: one process owns a database file. Opening takes an exclusive
 * flock() on "<path>.lock" (holding the owner's pid) for as long as the store
 * is open; a second process is refused at open, naming the first, since its
 * caches could not see the other's writes. The kernel drops the lock when
 * the owner dies, so a crash leaves nothing to clean up.
 *
 * Integrity: foreign keys (checked at commit) keep versions and references
 * from pointing at missing schema rows; a commit that would break one fails
 * and is rolled back.
 */
#ifndef SR_STORAGE_SQLITE_INT_H
#define SR_STORAGE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/sqlite_sql.h"
#include "storage/store_int.h"

enum sq_stmt {
#define SQ_STMT_ENUM(name, sql) name,
    SQ_STATEMENTS(SQ_STMT_ENUM)
#undef SQ_STMT_ENUM
        SQ__COUNT
};

/* One connection and its prepared statements. While a transaction runs on
 * it, the connection is the transaction: beginning one allocates nothing. */
struct sq_conn {
    struct sr_txn txn; /* first, so that an sr_txn * is its sq_conn * */
    sqlite3 *db;
    sqlite3_stmt *stmts[SQ__COUNT]; /* prepared on first use */
};

struct sq_store {
    struct sr_store base;
    char *path;
    struct sq_conn *writer;
    pthread_mutex_t write_lock; /* held from BEGIN IMMEDIATE to COMMIT/ROLLBACK */
    pthread_mutex_t pool_lock;  /* guards idle */
    struct sq_conn **idle;      /* reader connections not lent out */
    size_t idle_count;
    size_t idle_cap;
    int owner_fd; /* the flock()ed "<path>.lock" that makes this process the owner; -1 none */
};

/* Where global config and mode rows live: Confluent rejects this subject
 * name, so it never collides with a real subject (and "" is a real one). */
#define SQ_GLOBAL_SUBJECT "__GLOBAL"

/* ---- sqlite_query.c: one run of a cached statement -------------------------------- */

/* Usage:
 *   struct sq_query q;
 *   if ((rc = sq_query_start(&q, t, SQ_X, err))) return rc;
 *   sq_bind_int(&q, id); ...            // binds ?1, ?2, ... in order
 *   while (sq_row(&q)) { ... sq_col_int(&q, 0) ... }
 *   rc = sq_query_end(&q);              // the first failure of the run, or SR_OK
 * A failure (bind, step, copy) is recorded in err once; after it every call is
 * a no-op and sq_row() is false, so the code reads straight through. */
struct sq_query {
    struct sq_conn *conn;
    sqlite3_stmt *stmt;
    enum sq_stmt id;
    struct sr_error *err;
    enum sr_err rc;
    int param; /* the last parameter bound */
};

/* Prepares (once per connection) and starts statement id on connection c. */
enum sr_err sq_query_start_conn(struct sq_query *q, struct sq_conn *c, enum sq_stmt id,
                                struct sr_error *err);
enum sr_err sq_query_start(struct sq_query *q, struct sr_txn *t, enum sq_stmt id,
                           struct sr_error *err);

/* Borrowed text: it must outlive the query (true of every caller's inputs). */
void sq_bind_text(struct sq_query *q, const char *s);
void sq_bind_int(struct sq_query *q, int64_t v);
void sq_bind_null(struct sq_query *q);
/* A global (NULL) or subject key of the config and mode tables. */
void sq_bind_setting_key(struct sq_query *q, const char *subject);
void sq_bind_filter(struct sq_query *q, enum sr_deleted_filter filter);
void sq_bind_prefix(struct sq_query *q, const char *prefix);

/* Steps; true while there is a row. */
bool sq_row(struct sq_query *q);
/* Steps a statement that returns no rows. */
void sq_exec(struct sq_query *q);
/* Rows changed by the last sq_exec(). */
int64_t sq_changes(const struct sq_query *q);

bool sq_col_is_null(const struct sq_query *q, int col);
int64_t sq_col_int(const struct sq_query *q, int col);
/* A heap copy of a column (NULL for SQL NULL); records SR_ERR_NOMEM on failure. */
char *sq_col_text(struct sq_query *q, int col);

/* A heap copy of s; records SR_ERR_NOMEM on failure. */
char *sq_strdup(struct sq_query *q, const char *s);
/* sr_store_grow(), recording SR_ERR_NOMEM on failure. */
bool sq_grow(struct sq_query *q, void **items, size_t *cap, size_t need, size_t elem_size);

/* Resets the statement for its next use and returns the run's result. */
enum sr_err sq_query_end(struct sq_query *q);

/* Runs the bound query to its end, collecting column 0 of every row into
 * *out (the caller's, release with sr_int_list_release), and ends it. */
enum sr_err sq_collect_ints(struct sq_query *q, struct sr_int_list *out);
/* The same for text: column 0 of every row into *out (release with
 * sr_str_list_release; SQL NULLs are skipped). */
enum sr_err sq_collect_strings(struct sq_query *q, struct sr_str_list *out);

/* The store's error code for an SQLite result code: SR_ERR_UNAVAILABLE for
 * a database that cannot be read or written now (disk full, I/O error,
 * read-only, locked by another process), SR_ERR_NOMEM, else SR_ERR_INTERNAL. */
enum sr_err sq_error_class(int sqlite_rc);

/* Records a failure of the query's own making (not SQLite's). */
void sq_query_fail(struct sq_query *q, enum sr_err code, const char *what);

void sq_conn_finalize(struct sq_conn *c);

/* ---- sqlite_migrate.c ----------------------------------------------------------- */

/* Brings the database to the newest schema in one transaction. */
enum sr_err sq_migrate(sqlite3 *db, struct sr_error *err);

/* ---- operations (sqlite_versions.c, sqlite_schemas.c, sqlite_settings.c) ---------- */

enum sr_err sq_subjects(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                        struct sr_str_list *out, struct sr_error *err);
enum sr_err sq_versions(struct sr_txn *t, const char *subject, enum sr_deleted_filter filter,
                        struct sr_int_list *out, struct sr_error *err);
enum sr_err sq_version_rows(struct sr_txn *t, const char *subject, struct sr_version_rec **out,
                            size_t *count_out, struct sr_error *err);
enum sr_err sq_version_get(struct sr_txn *t, const char *subject, int32_t version,
                           bool include_deleted, struct sr_version_rec *out, struct sr_error *err);
enum sr_err sq_subject_uses_refs(struct sr_txn *t, const char *subject, bool *out,
                                 struct sr_error *err);
enum sr_err sq_max_version(struct sr_txn *t, const char *subject, int32_t *out,
                           struct sr_error *err);
enum sr_err sq_version_by_id(struct sr_txn *t, const char *subject, const char *context, int64_t id,
                             enum sr_deleted_filter filter, struct sr_version_rec *out,
                             struct sr_error *err);
enum sr_err sq_version_insert(struct sr_txn *t, const char *subject, int32_t version,
                              const char *context, int64_t id, int64_t ts, struct sr_error *err);
enum sr_err sq_version_set_deleted(struct sr_txn *t, const char *subject, int32_t version,
                                   bool deleted, struct sr_error *err);
enum sr_err sq_version_remove(struct sr_txn *t, const char *subject, int32_t version,
                              struct sr_error *err);
enum sr_err sq_versions_for_id(struct sr_txn *t, const char *context, int64_t id,
                               enum sr_deleted_filter filter, struct sr_subject_version_list *out,
                               struct sr_error *err);
enum sr_err sq_list_versions(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                             bool latest_only, int64_t offset, int64_t limit,
                             struct sr_version_rec **out, size_t *count_out, struct sr_error *err);

enum sr_err sq_schema_get(struct sr_txn *t, const char *context, int64_t id,
                          struct sr_schema_rec *out, struct sr_error *err);
enum sr_err sq_schema_find(struct sr_txn *t, const char *context, const struct sr_schema_rec *rec,
                           int64_t *id_out, struct sr_error *err);
enum sr_err sq_reserve_id(struct sr_txn *t, const char *context, int64_t *out,
                          struct sr_error *err);
enum sr_err sq_max_id(struct sr_txn *t, const char *context, int64_t *out, struct sr_error *err);
enum sr_err sq_schema_insert(struct sr_txn *t, const char *context, const struct sr_schema_rec *rec,
                             const struct sr_ref *refs, size_t ref_count, struct sr_error *err);
enum sr_err sq_schema_remove_if_unused(struct sr_txn *t, const char *context, int64_t id,
                                       bool *removed_out, struct sr_error *err);
enum sr_err sq_ids_by_guid(struct sr_txn *t, const char *guid, struct sr_context_id_list *out,
                           struct sr_error *err);
enum sr_err sq_contexts(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err);
enum sr_err sq_id_states(struct sr_txn *t, struct sr_id_state_list *out, struct sr_error *err);
enum sr_err sq_id_state_raise(struct sr_txn *t, const struct sr_id_state *state,
                              struct sr_error *err);
enum sr_err sq_referenced_by(struct sr_txn *t, const char *subject, int32_t version,
                             enum sr_deleted_filter filter, struct sr_int_list *out,
                             struct sr_error *err);

enum sr_err sq_config_get(struct sr_txn *t, const char *subject, struct sr_config_rec *out,
                          bool *found_out, struct sr_error *err);
enum sr_err sq_config_put(struct sr_txn *t, const char *subject, const struct sr_config_rec *rec,
                          struct sr_error *err);
enum sr_err sq_config_delete(struct sr_txn *t, const char *subject, bool *found_out,
                             struct sr_error *err);
enum sr_err sq_mode_get(struct sr_txn *t, const char *subject, char **mode_out,
                        struct sr_error *err);
enum sr_err sq_mode_put(struct sr_txn *t, const char *subject, const char *mode,
                        struct sr_error *err);
enum sr_err sq_mode_delete(struct sr_txn *t, const char *subject, bool *found_out,
                           struct sr_error *err);
enum sr_err sq_setting_subjects(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err);
enum sr_err sq_counts(struct sr_txn *t, struct sr_store_counts *out, struct sr_error *err);

#endif

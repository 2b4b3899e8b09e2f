/*
 * pg_int.h - the PostgreSQL backend's internals, shared by its files:
 *   pg.c           open/close, the connection pool, reconnection, transactions, readiness
 *   pg_migrate.c   the tables, and versioned migrations under an advisory lock
 *   pg_query.c     running prepared statements: bind, execute, read columns; error classes
 *   pg_listen.c    the listener thread: other nodes' commits move the change markers
 *   pg_versions.c  subjects and versions
 *   pg_schemas.c   schemas, ids and references
 *   pg_settings.c  config, mode and counts
 * The statements are in pg_sql.h.
 *
 * ---- Several nodes, one database ----------------------------------------------------
 * Any number of registry processes (nodes) may open one database. Everything
 * that must hold across them is enforced by PostgreSQL, never by a node's
 * memory:
 *   - Writes take turns. A write transaction first takes the session-level
 *     advisory lock PG_LOCK_WRITER, then begins (ISOLATION LEVEL SERIALIZABLE),
 *     and releases the lock after COMMIT or ROLLBACK. Its snapshot is taken
 *     after the lock is held, so it sees every write committed before it: the
 *     compatibility check and the insert it allows read the same versions on
 *     every node, ids and version numbers are read and moved by one writer at
 *     a time. (Taking the lock inside the transaction would not do: the
 *     snapshot of a SERIALIZABLE transaction is taken by its first statement,
 *     before the lock is granted.) Writes of a registry are few; one at a
 *     time across the cluster costs little and never wastes work on retries.
 *   - Serializable isolation stays as the safety net: should anything write
 *     without the lock (an older node, a person with psql), PostgreSQL fails
 *     one of the racing transactions with 40001, and unique keys still hold;
 *     both come back as SR_ERR_CONFLICT for sr_store_run() to retry whole.
 *   - Reads run in REPEATABLE READ READ ONLY transactions: one snapshot of
 *     committed data, no predicate locks, never a serialization failure.
 *     Since writers commit one at a time, every snapshot is a prefix of their
 *     serial order.
 *   - Ids: a counter row per context (contexts.max_id), moved by the writer
 *     holding the lock, skipping ids in used_ids (imported ones); a rolled
 *     back transaction gives its id back, as with SQLite. Dense ids.
 *   - The lock is a session lock: if a node dies, its connections close and
 *     PostgreSQL releases it at once. lock_timeout (PG_LOCK_TIMEOUT_MS) bounds
 *     the wait behind a writer that hangs: the waiter answers SR_ERR_UNAVAILABLE;
 *     idle_in_transaction_session_timeout ends a session left idle inside a
 *     transaction (a node stopped mid-write), which frees the lock.
 *
 * ---- Change markers across nodes ---------------------------------------------------
 * A committing write transaction that changed anything runs pg_notify on
 * PG_CHANNEL inside the transaction (delivered only if it commits), with the
 * payload "NODE:MASK": this store's random node id and the kinds of change
 * (struct sr_txn's changes bits). Each store runs a listener thread on its
 * own connection (LISTEN PG_CHANNEL) that calls sr_store_note_change() for
 * every notification of another node. When the listener is not listening
 * (starting, connection lost, reconnecting) it moves every marker, and every
 * transaction begun meanwhile moves them again: whatever is read while the
 * node may miss notifications is never cached.
 *
 * ---- Connections ------------------------------------------------------------------
 * A pool of at most max_conns connections (the server's thread count), opened
 * on demand and kept; a transaction borrows one from begin to commit or
 * rollback, so a connection is used by one thread at a time (libpq's rule).
 * Statements are prepared once per connection, on first use. A connection
 * found broken (the database restarted) is closed; begin reconnects and, when
 * the failure came before the transaction did anything, tries once more on a
 * fresh connection, so that a restart costs no request its answer once the
 * database is back. While the database is away every operation answers
 * SR_ERR_UNAVAILABLE, naming it; nothing waits longer than connect_timeout
 * (default PG_CONNECT_TIMEOUT_S, overridable in the URL).
 */
#ifndef SR_STORAGE_PG_INT_H
#define SR_STORAGE_PG_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/pg_sql.h"
#include "storage/store_int.h"

enum pg_stmt {
#define PG_STMT_ENUM(name, sql) name,
    PG_STATEMENTS(PG_STMT_ENUM)
#undef PG_STMT_ENUM
        PG__COUNT
};

/* The notification channel every node listens on. */
#define PG_CHANNEL "avro_registry"
/* application_name of the pool's connections and of the listener's. */
#define PG_APPLICATION_NAME "avro-registry"
#define PG_LISTENER_NAME "avro-registry listener"
/* Advisory locks, as the argument lists of pg_advisory_*lock(int4, int4):
 * a class for this program (1096176207 is "AVRO" in ASCII), then the lock. */
#define PG_LOCK_WRITER "(1096176207, 1)"
#define PG_LOCK_MIGRATE "(1096176207, 2)"
#define PG_LOCK_TIMEOUT_MS 10000
#define PG_IDLE_IN_TXN_TIMEOUT_MS 60000
#define PG_CONNECT_TIMEOUT_S 5
/* How long begin waits for a connection when all max_conns are lent out. */
#define PG_POOL_WAIT_MS 10000
/* Where global config and mode rows live (as in SQLite: Confluent rejects the name). */
#define PG_GLOBAL_SUBJECT "__GLOBAL"

/* One connection and its prepared statements. While a transaction runs on
 * it, the connection is the transaction. */
struct pg_conn {
    struct sr_txn txn; /* first, so that an sr_txn * is its pg_conn * */
    PGconn *db;
    bool prepared[PG__COUNT];
    bool locked; /* holds PG_LOCK_WRITER */
    bool broken; /* a failure left it unusable: close it when it is given back */
};

struct pg_listener {
    pthread_t thread;
    bool started;
    int wake[2];            /* a pipe: a byte written asks the thread to stop */
    _Atomic bool listening; /* LISTEN is in force on a live connection */
    _Atomic uint64_t heard; /* notifications of other nodes acted on (for tests) */
    struct pg_store *store;
};

struct pg_store {
    struct sr_store base;
    char *conninfo;  /* the URL as given */
    char where[256]; /* "host:port/dbname", for messages: never the password */
    char node[17];   /* this store's random node id, hex */
    unsigned max_conns;
    pthread_mutex_t pool_lock; /* guards idle, idle_count, open_conns */
    pthread_cond_t pool_free;  /* signalled when a connection is given back */
    struct pg_conn **idle;
    size_t idle_count;
    unsigned open_conns; /* lent out + idle */
    struct pg_listener listener;
};

/* ---- pg.c ---------------------------------------------------------------------------- */

/* A new connection to s's database, set up for the pool (session settings).
 * Errors: SR_ERR_UNAVAILABLE naming the database and libpq's reason. */
enum sr_err pg_connect(struct pg_store *s, PGconn **out, struct sr_error *err);

/* Runs sql (no parameters, one or more statements) on db and checks every
 * result; the first failure is recorded in err, classed by pg_error_class. */
enum sr_err pg_simple(struct pg_store *s, PGconn *db, const char *sql, const char *what,
                      struct sr_error *err);

/* ---- pg_query.c: one run of a prepared statement ------------------------------------- */

/* Usage, as sqlite_int.h's sq_query:
 *   struct pg_query q;
 *   if ((rc = pg_query_start(&q, t, PG_X, err))) return rc;
 *   pg_bind_text(&q, s); pg_bind_int(&q, v); ...   // $1, $2, ... in order
 *   while (pg_row(&q)) { ... pg_col_int(&q, 0) ... }  // the first call executes
 *   rc = pg_query_end(&q);
 * A failure is recorded once; after it every call is a no-op and pg_row() is
 * false. Bound text is borrowed until pg_query_end(). */
#define PG_MAX_PARAMS 12
struct pg_query {
    struct pg_conn *conn;
    struct pg_store *store;
    enum pg_stmt id;
    struct sr_error *err;
    enum sr_err rc;
    int nparams;
    const char *values[PG_MAX_PARAMS];
    char ints[PG_MAX_PARAMS][24]; /* text of integer parameters */
    char *owned;                  /* a bound text the query made (a prefix's end) */
    PGresult *res;
    bool ran;
    int row;  /* the current row, -1 before the first */
    int rows; /* rows in res */
};

enum sr_err pg_query_start(struct pg_query *q, struct sr_txn *t, enum pg_stmt id,
                           struct sr_error *err);

void pg_bind_text(struct pg_query *q, const char *s); /* NULL binds SQL NULL */
void pg_bind_int(struct pg_query *q, int64_t v);
void pg_bind_bool(struct pg_query *q, bool v);
void pg_bind_null(struct pg_query *q);
/* A global (NULL) or subject key of the config and mode tables. */
void pg_bind_setting_key(struct pg_query *q, const char *subject);
/* Two parameters: the lowest and highest value of versions.deleted admitted. */
void pg_bind_filter(struct pg_query *q, enum sr_deleted_filter filter);
/* Two parameters: the range [prefix, end) of subjects, end NULL when
 * unbounded. prefix must be valid UTF-8 (pg_utf8_valid). */
void pg_bind_prefix(struct pg_query *q, const char *prefix);
/* Whether s is well-formed UTF-8, as PostgreSQL requires of every text. */
bool pg_utf8_valid(const char *s);

/* Executes on first call; true while there is a row. */
bool pg_row(struct pg_query *q);
/* Executes a statement for its effect. */
void pg_exec(struct pg_query *q);
/* Rows the statement changed (INSERT, UPDATE, DELETE). */
int64_t pg_changes(const struct pg_query *q);

bool pg_col_is_null(const struct pg_query *q, int col);
int64_t pg_col_int(struct pg_query *q, int col);
bool pg_col_bool(const struct pg_query *q, int col);
/* A heap copy of a column (NULL for SQL NULL); records SR_ERR_NOMEM on failure. */
char *pg_col_text(struct pg_query *q, int col);
char *pg_strdup(struct pg_query *q, const char *s);
bool pg_grow(struct pg_query *q, void **items, size_t *cap, size_t need, size_t elem_size);
/* Records a failure of the query's own making. */
void pg_query_fail(struct pg_query *q, enum sr_err code, const char *what);

/* Frees the result and returns the run's outcome. */
enum sr_err pg_query_end(struct pg_query *q);
/* Collects column 0 of every row into *out (release with sr_int_list_release). */
enum sr_err pg_collect_ints(struct pg_query *q, struct sr_int_list *out);
/* Collects column 0 of every row as text into *out (release with
 * sr_str_list_release; SQL NULLs are skipped). */
enum sr_err pg_collect_strings(struct pg_query *q, struct sr_str_list *out);

/* The store's code for a failed result on db (res may be NULL):
 * SR_ERR_CONFLICT for a serialization failure or deadlock (40001, 40P01) and
 * for a unique key another writer took first (23505); SR_ERR_UNAVAILABLE
 * when the database is away or cannot take work (a broken connection,
 * classes 08, 53, 57P0x, 58, a read-only standby 25006, lock_timeout 55P03);
 * SR_ERR_INTERNAL otherwise. */
enum sr_err pg_error_class(PGconn *db, const PGresult *res);
/* libpq's message for the failure, on one line (newlines and tabs folded). */
void pg_error_text(PGconn *db, const PGresult *res, char *out, size_t cap);

/* ---- pg_migrate.c -------------------------------------------------------------------- */

/* Brings the database to the newest schema in one transaction, under the
 * advisory lock PG_LOCK_MIGRATE. */
enum sr_err pg_migrate(struct pg_store *s, PGconn *db, struct sr_error *err);

/* ---- pg_listen.c --------------------------------------------------------------------- */

/* Starts the listener thread. Errors: SR_ERR_INTERNAL (no thread or pipe). */
enum sr_err pg_listener_start(struct pg_store *s, struct sr_error *err);
/* Stops and joins it. Safe when it never started. */
void pg_listener_stop(struct pg_store *s);
/* Parses "NODE:MASK"; false when it is not one. */
bool pg_parse_notice(const char *payload, char *node_out, size_t node_cap, unsigned *mask_out);

/* ---- operations (pg_versions.c, pg_schemas.c, pg_settings.c) --------------------------- */

enum sr_err pg_subjects(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                        struct sr_str_list *out, struct sr_error *err);
enum sr_err pg_versions(struct sr_txn *t, const char *subject, enum sr_deleted_filter filter,
                        struct sr_int_list *out, struct sr_error *err);
enum sr_err pg_version_rows(struct sr_txn *t, const char *subject, struct sr_version_rec **out,
                            size_t *count_out, struct sr_error *err);
enum sr_err pg_version_get(struct sr_txn *t, const char *subject, int32_t version,
                           bool include_deleted, struct sr_version_rec *out, struct sr_error *err);
enum sr_err pg_subject_uses_refs(struct sr_txn *t, const char *subject, bool *out,
                                 struct sr_error *err);
enum sr_err pg_max_version(struct sr_txn *t, const char *subject, int32_t *out,
                           struct sr_error *err);
enum sr_err pg_version_by_id(struct sr_txn *t, const char *subject, const char *context, int64_t id,
                             enum sr_deleted_filter filter, struct sr_version_rec *out,
                             struct sr_error *err);
enum sr_err pg_version_insert(struct sr_txn *t, const char *subject, int32_t version,
                              const char *context, int64_t id, int64_t ts, struct sr_error *err);
enum sr_err pg_version_set_deleted(struct sr_txn *t, const char *subject, int32_t version,
                                   bool deleted, struct sr_error *err);
enum sr_err pg_version_remove(struct sr_txn *t, const char *subject, int32_t version,
                              struct sr_error *err);
enum sr_err pg_versions_for_id(struct sr_txn *t, const char *context, int64_t id,
                               enum sr_deleted_filter filter, struct sr_subject_version_list *out,
                               struct sr_error *err);
enum sr_err pg_list_versions(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                             bool latest_only, int64_t offset, int64_t limit,
                             struct sr_version_rec **out, size_t *count_out, struct sr_error *err);

enum sr_err pg_schema_get(struct sr_txn *t, const char *context, int64_t id,
                          struct sr_schema_rec *out, struct sr_error *err);
enum sr_err pg_schema_find(struct sr_txn *t, const char *context, const struct sr_schema_rec *rec,
                           int64_t *id_out, struct sr_error *err);
enum sr_err pg_reserve_id(struct sr_txn *t, const char *context, int64_t *out,
                          struct sr_error *err);
enum sr_err pg_max_id(struct sr_txn *t, const char *context, int64_t *out, struct sr_error *err);
enum sr_err pg_schema_insert(struct sr_txn *t, const char *context, const struct sr_schema_rec *rec,
                             const struct sr_ref *refs, size_t ref_count, struct sr_error *err);
enum sr_err pg_schema_remove_if_unused(struct sr_txn *t, const char *context, int64_t id,
                                       bool *removed_out, struct sr_error *err);
enum sr_err pg_ids_by_guid(struct sr_txn *t, const char *guid, struct sr_context_id_list *out,
                           struct sr_error *err);
enum sr_err pg_contexts(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err);
enum sr_err pg_id_states(struct sr_txn *t, struct sr_id_state_list *out, struct sr_error *err);
enum sr_err pg_id_state_raise(struct sr_txn *t, const struct sr_id_state *state,
                              struct sr_error *err);
enum sr_err pg_referenced_by(struct sr_txn *t, const char *subject, int32_t version,
                             enum sr_deleted_filter filter, struct sr_int_list *out,
                             struct sr_error *err);

enum sr_err pg_config_get(struct sr_txn *t, const char *subject, struct sr_config_rec *out,
                          bool *found_out, struct sr_error *err);
enum sr_err pg_config_put(struct sr_txn *t, const char *subject, const struct sr_config_rec *rec,
                          struct sr_error *err);
enum sr_err pg_config_delete(struct sr_txn *t, const char *subject, bool *found_out,
                             struct sr_error *err);
enum sr_err pg_mode_get(struct sr_txn *t, const char *subject, char **mode_out,
                        struct sr_error *err);
enum sr_err pg_mode_put(struct sr_txn *t, const char *subject, const char *mode,
                        struct sr_error *err);
enum sr_err pg_mode_delete(struct sr_txn *t, const char *subject, bool *found_out,
                           struct sr_error *err);
enum sr_err pg_setting_subjects(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err);
enum sr_err pg_counts(struct sr_txn *t, struct sr_store_counts *out, struct sr_error *err);

#endif

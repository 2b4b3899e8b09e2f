/*
 * store.h - persistence of subjects, versions, schemas, config and mode: the
 * contract every storage backend keeps, whether one process owns the data
 * (SQLite, the embedded default) or several registry nodes share it
 * (PostgreSQL).
 *
 * The store knows nothing of Avro or HTTP: it keeps rows and answers queries.
 * The registration algorithm, the delete rules and the levels live in
 * server/, which calls the store inside transactions, usually through
 * sr_store_run() so that a lost race is retried:
 *
 *   static enum sr_err work(struct sr_txn *t, void *arg, struct sr_error *err)
 *   { ... sr_txn_* calls ... }
 *   rc = sr_store_run(store, true, work, &arg, err);
 *
 * ---- Transactions -------------------------------------------------------------
 * A transaction sees one consistent snapshot of the data. A write transaction
 * may run beside other writers (other threads, other processes, other nodes):
 * the backend guarantees that the transactions that commit could have run one
 * after the other (serializable). When it cannot honour that, an operation or
 * the commit fails with SR_ERR_CONFLICT: the transaction lost a race (a
 * serialization failure, another writer took the same unique key first), and
 * the caller must roll back and run the WHOLE transaction again, reading
 * afresh; sr_store_run() does exactly that, a bounded number of times. A
 * backend that serialises writers itself (SQLite) never returns it.
 * sr_txn_commit() and sr_txn_rollback() both end and free the transaction;
 * rollback is NULL-safe. A transaction belongs to the thread that began it,
 * and a thread holds at most one write transaction at a time.
 *
 * ---- Durability and ids ---------------------------------------------------------
 * A committed write survives a crash or power loss (SQLite: WAL with
 * synchronous=FULL). Schema ids are numbered per context (see below). The
 * backend hands them out: sr_txn_reserve_id() gives an id that no committed or
 * concurrent transaction has used or will be given, ever, even after the rows
 * that used it are deleted. sr_txn_schema_insert() with an id chosen by the
 * caller (IMPORT) marks that id used too, and only that: reserved ids go on
 * from the backend's own counter, skipping every id ever used, so that one
 * import of a huge id cannot exhaust the ids.
 *
 * ---- Contexts --------------------------------------------------------------------
 * Ids live in a context: a name such as "." (the default context,
 * SR_DEFAULT_CONTEXT) or ".team". The same id may name different schemas in
 * two contexts. Every operation on a schema id names its context; a version
 * row records the context of the schema it carries. Subject names are opaque
 * to the store.
 *
 * ---- Change markers and caches -----------------------------------------------------
 * sr_store_marker() answers a counter per kind of change (enum sr_change) that
 * moves forward whenever a committed write of that kind may have changed what
 * a read returns, whoever made the write: this thread, another thread, or
 * (for backends shared by several processes) another process or node. It is
 * cheap (an atomic load) and never moves backwards. The rule for any cache
 * in front of the store:
 *   1. read the marker of the kind the cached answer depends on,
 *   2. read the store,
 *   3. keep the answer tagged with the marker read in step 1;
 *   4. an answer whose tag differs from the current marker may be stale: drop it.
 * What each kind covers:
 *   SR_CHANGE_ANY              every committed write transaction that wrote.
 *   SR_CHANGE_VERSIONS_HIDDEN  a version row was soft-deleted or removed. An
 *                              answer "subject S holds schema X as version V"
 *                              stays true until this moves (new versions only
 *                              add answers).
 *   SR_CHANGE_SCHEMA_IDS       a schema row was removed (after a permanent
 *                              delete), or stored under an id the caller chose
 *                              (IMPORT), which may be one a removal freed.
 *                              Schema-by-id answers are otherwise immutable:
 *                              what (context, id) answers, a schema or "not
 *                              found", never changes until this moves.
 *   SR_CHANGE_SETTINGS         a config or mode row was written or removed.
 * A marker moves before sr_txn_commit() returns, so the writer's own next read
 * of the marker sees the change. For a backend shared by several nodes the
 * change made by another node is seen after a delay the backend documents.
 * Inside a transaction, step 1 is sr_txn_marker(): the marker as it was just
 * before the transaction's snapshot was taken.
 *
 * ---- Ownership and arguments --------------------------------------------------------
 * Every *_out string or array is heap memory the caller owns and frees with the
 * matching *_release() function (or free() where it says so). Borrowed inputs
 * are only read during the call. Operations write their outputs only on
 * success. Passing NULL for a transaction, a store, a required input or a
 * required output, a write operation in a read transaction, or a value the
 * contract rules out (a negative offset, an id or version < 1 to insert) is a
 * programmer error: it is assert()ed, not reported.
 *
 * ---- Errors ---------------------------------------------------------------------------
 *   SR_ERR_CONFLICT     the transaction lost a race: retry it whole (above).
 *   SR_ERR_UNAVAILABLE  the database cannot be reached or written now (gone
 *                       away, disk full, read-only file system); the message
 *                       names the database and the cause.
 *   SR_ERR_NOMEM        out of memory.
 *   SR_ERR_INTERNAL     any other storage failure, with the backend's message.
 * The lookups document their not-found codes.
 */
#ifndef SR_STORAGE_STORE_H
#define SR_STORAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct sr_store;
struct sr_txn;

/* The default context: subjects without a context prefix live here. */
#define SR_DEFAULT_CONTEXT "."

/* Which versions a query sees. */
enum sr_deleted_filter {
    SR_LIVE_ONLY,    /* versions not soft-deleted */
    SR_WITH_DELETED, /* live and soft-deleted */
    SR_DELETED_ONLY, /* soft-deleted only */
};

/* Kinds of change that sr_store_marker() counts; see the file comment. */
enum sr_change {
    SR_CHANGE_ANY,
    SR_CHANGE_VERSIONS_HIDDEN,
    SR_CHANGE_SCHEMA_IDS,
    SR_CHANGE_SETTINGS,
    SR_CHANGE__COUNT
};

/* One row of a subject's history. */
struct sr_version_rec {
    char *subject;
    int32_t version;
    int64_t id;    /* the schema it carries, in its context */
    char *context; /* the schema's context */
    bool deleted;  /* soft-deleted */
    int64_t ts;    /* registration time, ms since the epoch; 0 when unknown */
};
void sr_version_rec_release(struct sr_version_rec *r);

/* A (subject, version) pair. */
struct sr_subject_version {
    char *subject;
    int32_t version;
};

struct sr_subject_version_list {
    struct sr_subject_version *items;
    size_t count;
};
void sr_subject_version_list_release(struct sr_subject_version_list *l);

/* A schema as stored: its canonical text and what makes it unique. All text
 * fields except schema may be NULL (absent). refs, metadata and ruleset are
 * JSON texts as the registry chose to store them. */
struct sr_schema_rec {
    int64_t id;
    char *guid;        /* out only (sr_txn_schema_get): the GUID the store derived */
    char *schema_type; /* "AVRO" */
    char *schema;      /* canonical text */
    char *refs;        /* JSON array of {name, subject, version}, or NULL */
    char *metadata;    /* JSON object, or NULL */
    char *ruleset;     /* JSON object, or NULL */
};
void sr_schema_rec_release(struct sr_schema_rec *r);

/* Room for a GUID: 36 characters and the NUL. */
#define SR_GUID_SIZE 37

/* Writes rec's GUID into out, derived from its schema, refs, metadata and
 * ruleset exactly as Confluent 8 derives it (storage/guid.c): the same
 * content has the same GUID in every subject and context. The store keeps
 * it for every schema it stores. False only when out of memory. */
bool sr_store_schema_guid(const struct sr_schema_rec *rec, char out[SR_GUID_SIZE]);

/* A schema id in a context. */
struct sr_context_id {
    char *context;
    int64_t id;
};

struct sr_context_id_list {
    struct sr_context_id *items;
    size_t count;
};
void sr_context_id_list_release(struct sr_context_id_list *l);

/* A schema reference: this schema uses named types from subject/version. */
struct sr_ref {
    char *name;
    char *subject;
    int32_t version;
};

struct sr_int_list {
    int64_t *items;
    size_t count;
};
void sr_int_list_release(struct sr_int_list *l);

/* Heap strings, owned by the list. */
struct sr_str_list {
    char **items;
    size_t count;
};
void sr_str_list_release(struct sr_str_list *l);

/* Subject-level or global settings. A NULL string means "not set". */
struct sr_config_rec {
    char *compatibility; /* "BACKWARD", ... */
    int normalize;       /* -1 not set, 0 false, 1 true */
    char *extra;         /* other keys of the config as a JSON object text, or NULL */
};
void sr_config_rec_release(struct sr_config_rec *r);

/* Counts for the metrics gauges. */
struct sr_store_counts {
    int64_t subjects; /* subjects with at least one live version */
    int64_t versions; /* live versions */
    int64_t schemas;  /* schema rows */
};

/* ---- lifecycle ------------------------------------------------------------ */

/* How a store is opened; zero-initialise and set what you need. */
struct sr_store_options {
    /* The most connections a shared backend keeps to its database (one per
     * thread that may hold a transaction at once: the server passes its
     * thread count); 0 for the backend's default. SQLite ignores it. */
    unsigned connections;
};

/* Opens the store that spec names, by its form:
 *   postgresql://... or postgres://...  a PostgreSQL database (libpq's URL
 *                         syntax and parameters), shared by any number of
 *                         registry processes: sr_store_open_postgres();
 *   sqlite:PATH           the SQLite database file PATH;
 *   anything else         a SQLite database file path: sr_store_open_sqlite().
 * opts may be NULL (defaults). The caller owns the store; close it with
 * sr_store_close(). Errors are those of the backend's open. */
enum sr_err sr_store_open(const char *spec, const struct sr_store_options *opts,
                          struct sr_store **out, struct sr_error *err);

/* Whether spec names a PostgreSQL database (see sr_store_open). */
bool sr_store_spec_is_postgres(const char *spec);

/* spec as it may be shown in logs and messages: a PostgreSQL URL with its
 * password (user:PASSWORD@ and password=...) replaced by "***"; other specs
 * unchanged. Always NUL-terminates out (cap >= 1), truncating if needed. */
void sr_store_spec_redact(const char *spec, char *out, size_t cap);

/* Opens (creating if needed) the SQLite database at path and brings its
 * tables to the newest version (migrations keyed by PRAGMA user_version).
 * The caller owns the store; close it with sr_store_close(). */
enum sr_err sr_store_open_sqlite(const char *path, struct sr_store **out, struct sr_error *err);

/* Connects to the PostgreSQL database at url (a libpq connection URL or
 * key=value string) and brings its tables to the newest version: versioned
 * migrations, applied in one transaction under an advisory lock, so that of
 * several nodes starting at once one migrates and the others wait and find
 * the work done. See storage/pg_int.h for the model (a connection pool of at
 * most opts->connections, a writer lock, serializable writes, a listener
 * thread that moves the change markers for other nodes' commits).
 * Errors: SR_ERR_UNAVAILABLE when the database cannot be reached (naming
 * host, port and database, never the password); SR_ERR_INTERNAL when its
 * tables are newer than this program knows, or a migration fails. */
enum sr_err sr_store_open_postgres(const char *url, const struct sr_store_options *opts,
                                   struct sr_store **out, struct sr_error *err);

/* Closes the store. Every transaction must have ended. NULL-safe. */
void sr_store_close(struct sr_store *store);

/* Begins a transaction (write: may change rows). *out is owned by the caller
 * until sr_txn_commit() or sr_txn_rollback(). */
enum sr_err sr_store_begin(struct sr_store *store, bool write, struct sr_txn **out,
                           struct sr_error *err);
/* Commits and frees t. On failure (SR_ERR_CONFLICT included) the transaction
 * is rolled back and freed, and nothing of it is visible. */
enum sr_err sr_txn_commit(struct sr_txn *t, struct sr_error *err);
/* Rolls back and frees t. NULL-safe. */
void sr_txn_rollback(struct sr_txn *t);

/* Work done inside one transaction. It must read everything it decides on
 * through t, and must leave arg ready to be run again when it fails: a
 * retried run starts from the beginning. */
typedef enum sr_err (*sr_txn_fn)(struct sr_txn *t, void *arg, struct sr_error *err);

/* How many times sr_store_run() runs a transaction that keeps conflicting. */
#define SR_STORE_RUN_ATTEMPTS 10

/* Begins a transaction, runs fn, and commits (or rolls back on any error).
 * On SR_ERR_CONFLICT, from fn or from the commit, it waits a short random
 * time and runs the whole transaction again, up to SR_STORE_RUN_ATTEMPTS
 * times; then it answers SR_ERR_CONFLICT. Any other error is answered at
 * once, with fn's message. */
enum sr_err sr_store_run(struct sr_store *store, bool write, sr_txn_fn fn, void *arg,
                         struct sr_error *err);

/* sr_store_run(store, true, fn, arg, err) for writes that arrive together:
 * their work may share one write transaction and one commit (group commit),
 * each inside a savepoint of its own, so that each keeps its own answer: a
 * failing fn rolls back only its own writes and gets its own error, and no
 * fn is answered before the commit holding its writes is durable. Work in
 * one batch runs in arrival order and sees the writes of the work before it,
 * exactly as if the transactions had run one after the other. A caller that
 * finds no batch running runs at once (a lone writer waits for no one);
 * those that arrive meanwhile form the next batch, which the first of them
 * runs once woken (a finished batch wakes only the callers it answered and
 * that one). A conflict runs the whole batch again. A backend without
 * savepoints runs each alone. */
enum sr_err sr_store_run_batched(struct sr_store *store, sr_txn_fn fn, void *arg,
                                 struct sr_error *err);

/* One piece of work for sr_store_run_batched_all(): fn(t, arg, err) as
 * sr_store_run_batched() runs it; rc gets its answer, err (never NULL) its
 * message. */
struct sr_batch_job {
    sr_txn_fn fn;
    void *arg;
    struct sr_error *err;
    enum sr_err rc;
};

/* Runs every job as if each came from a caller of sr_store_run_batched() of
 * its own, in the order given, all arriving at once: so they share as few
 * commits as the batches allow. Returns when every job has its answer (in
 * jobs[i].rc); the return value is SR_ERR_NOMEM when the jobs could not be
 * queued (then none ran), else SR_OK. */
enum sr_err sr_store_run_batched_all(struct sr_store *store, struct sr_batch_job *jobs, size_t n);

/* The change marker of kind (see the file comment). Thread-safe, lock-free. */
uint64_t sr_store_marker(struct sr_store *store, enum sr_change kind);

/* The marker of kind as it was just before t began, hence before its
 * snapshot: what t reads may be cached under it (the rule above). */
uint64_t sr_txn_marker(const struct sr_txn *t, enum sr_change kind);

/* Readiness: whether the store can serve now. It runs a real read, checks
 * that the database has room to be written (a read-only file system or a
 * disk nearly full fails it), and when an operation has failed for want of
 * the database since the last success, a real write too. SR_OK, or
 * SR_ERR_UNAVAILABLE / SR_ERR_INTERNAL with the cause (naming the database).
 * Thread-safe; takes its own transactions. */
enum sr_err sr_store_check(struct sr_store *store, struct sr_error *err);

/* For tests of the retry paths, whatever the backend: the next n write
 * operations or commits of write transactions fail with SR_ERR_CONFLICT
 * before they reach the backend (the transaction must then be rolled back). */
void sr_store_inject_conflicts(struct sr_store *store, unsigned n);

/* ---- subjects and versions --------------------------------------------------- */

/* Subjects that have at least one version matching filter, sorted (byte order),
 * whose name starts with prefix (NULL or "" for all). A subject counts as
 * deleted (for SR_DELETED_ONLY) only when all its versions are soft-deleted. */
enum sr_err sr_txn_subjects(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                            struct sr_str_list *out, struct sr_error *err);

/* Version numbers of subject matching filter, ascending. An empty list is not
 * an error. */
enum sr_err sr_txn_versions(struct sr_txn *t, const char *subject, enum sr_deleted_filter filter,
                            struct sr_int_list *out, struct sr_error *err);

/* Every row of subject (live and soft-deleted), ascending by version. */
enum sr_err sr_txn_version_rows(struct sr_txn *t, const char *subject, struct sr_version_rec **out,
                                size_t *count_out, struct sr_error *err);

/* One version. version -1 means the highest live version. A soft-deleted
 * version is found only with include_deleted.
 * Errors: SR_ERR_VERSION_NOT_FOUND when there is no such (visible) row. */
enum sr_err sr_txn_version_get(struct sr_txn *t, const char *subject, int32_t version,
                               bool include_deleted, struct sr_version_rec *out,
                               struct sr_error *err);

/* The highest version number the subject has ever used among its rows
 * (soft-deleted included), or 0. */
enum sr_err sr_txn_max_version(struct sr_txn *t, const char *subject, int32_t *out,
                               struct sr_error *err);

/* Whether a live version of subject carries a schema that uses references.
 * A registration compares its schema with such versions in their
 * references-inlined form; with none, an exact lookup is all it needs. */
enum sr_err sr_txn_subject_uses_refs(struct sr_txn *t, const char *subject, bool *out,
                                     struct sr_error *err);

/* The version of subject carrying schema id of context, considering filter;
 * the highest such version if several. Errors: SR_ERR_VERSION_NOT_FOUND. */
enum sr_err sr_txn_version_by_id(struct sr_txn *t, const char *subject, const char *context,
                                 int64_t id, enum sr_deleted_filter filter,
                                 struct sr_version_rec *out, struct sr_error *err);

/* Adds a live version row carrying schema id of context (the schema row
 * must exist when the transaction commits), registered at ts (ms since the
 * epoch). version >= 1, id >= 1.
 * Errors: SR_ERR_CONFLICT when the row exists (another writer took the
 * number first; retry and choose again). */
enum sr_err sr_txn_version_insert(struct sr_txn *t, const char *subject, int32_t version,
                                  const char *context, int64_t id, int64_t ts,
                                  struct sr_error *err);
/* Marks a version soft-deleted (deleted = true) or live again (false).
 * Errors: SR_ERR_VERSION_NOT_FOUND when there is no such row. */
enum sr_err sr_txn_version_set_deleted(struct sr_txn *t, const char *subject, int32_t version,
                                       bool deleted, struct sr_error *err);
/* Removes a version row for good. The schema row it carried stays (with its
 * references) until sr_txn_schema_remove_if_unused() finds no version row
 * carrying it: the registry calls that after removing a version, since a
 * schema may be carried by versions of other subjects.
 * Errors: SR_ERR_VERSION_NOT_FOUND when there is no such row. */
enum sr_err sr_txn_version_remove(struct sr_txn *t, const char *subject, int32_t version,
                                  struct sr_error *err);

/* (subject, version) pairs that carry schema id of context, matching filter,
 * sorted by subject then version. */
enum sr_err sr_txn_versions_for_id(struct sr_txn *t, const char *context, int64_t id,
                                   enum sr_deleted_filter filter,
                                   struct sr_subject_version_list *out, struct sr_error *err);

/* Every (subject, version, id) row matching filter whose subject starts with
 * prefix (NULL or "" for all), sorted by subject then version; with
 * latest_only, only the highest matching version of each subject. offset
 * (below 0: 0) and limit (below 0: no limit) page the result. */
enum sr_err sr_txn_list_versions(struct sr_txn *t, const char *prefix,
                                 enum sr_deleted_filter filter, bool latest_only, int64_t offset,
                                 int64_t limit, struct sr_version_rec **out, size_t *count_out,
                                 struct sr_error *err);

/* ---- schemas ------------------------------------------------------------------- */

/* The schema with id in context. Errors: SR_ERR_SCHEMA_NOT_FOUND. */
enum sr_err sr_txn_schema_get(struct sr_txn *t, const char *context, int64_t id,
                              struct sr_schema_rec *out, struct sr_error *err);

/* The id of the schema of context whose schema_type, schema, refs, metadata
 * and ruleset all equal rec's (NULL equals NULL; rec->id is ignored), or 0
 * when there is none. */
enum sr_err sr_txn_schema_find(struct sr_txn *t, const char *context,
                               const struct sr_schema_rec *rec, int64_t *id_out,
                               struct sr_error *err);

/* Reserves a new id in context for a schema this transaction will insert: one
 * never used before in context and never given to another transaction. If
 * the transaction does not commit the id may be given out again (SQLite) or
 * skipped for good (shared backends); either way it is never given twice. */
enum sr_err sr_txn_reserve_id(struct sr_txn *t, const char *context, int64_t *out,
                              struct sr_error *err);

/* The highest id ever used or reserved in context (0 when none): Confluent's maxId. */
enum sr_err sr_txn_max_id(struct sr_txn *t, const char *context, int64_t *out,
                          struct sr_error *err);

/* Stores rec under (context, rec->id), rec->id >= 1, marks the id used, and
 * records its references (refs[0..ref_count), each with a name and a subject)
 * for referenced-by queries. The id is one sr_txn_reserve_id() gave this
 * transaction, or one the caller chose (IMPORT); in the latter case ids
 * reserved later still never collide with it.
 * Errors: SR_ERR_CONFLICT when (context, id) holds a schema already (for a
 * reserved id this means another writer chose it explicitly: retry). */
enum sr_err sr_txn_schema_insert(struct sr_txn *t, const char *context,
                                 const struct sr_schema_rec *rec, const struct sr_ref *refs,
                                 size_t ref_count, struct sr_error *err);

/* Deletes the schema row of (context, id) and its references when no version
 * carries it any more; the id stays used. *removed_out (may be NULL) says
 * whether it did. */
enum sr_err sr_txn_schema_remove_if_unused(struct sr_txn *t, const char *context, int64_t id,
                                           bool *removed_out, struct sr_error *err);

/* Every (context, id) whose schema has this GUID (lower-case UUID text),
 * sorted by context then id; an empty list when there is none. */
enum sr_err sr_txn_ids_by_guid(struct sr_txn *t, const char *guid, struct sr_context_id_list *out,
                               struct sr_error *err);

/* What decides the ids sr_txn_reserve_id() will hand out in one context:
 * its counter (the highest id ever reserved there, 0 when none; every id up
 * to it counts as used) and the ids above the counter marked used (stored
 * under an id the caller chose, whether or not a schema holds it still). */
struct sr_id_state {
    char *context;
    int64_t counter;
    struct sr_int_list used_above; /* ascending */
};

struct sr_id_state_list {
    struct sr_id_state *items;
    size_t count;
};
void sr_id_state_list_release(struct sr_id_state_list *l);

/* The id state of every context that has ever had an id reserved or stored,
 * sorted by context (byte order). With sr_txn_id_state_raise() it lets a
 * copy of a registry hand out no id the original ever used, even one whose
 * schema was deleted for good. */
enum sr_err sr_txn_id_states(struct sr_txn *t, struct sr_id_state_list *out, struct sr_error *err);

/* Raises the counter of state->context to state->counter (never lowers it)
 * and marks every id of state->used_above used (ids marked already stay
 * so): from then on sr_txn_reserve_id() hands out none of them. */
enum sr_err sr_txn_id_state_raise(struct sr_txn *t, const struct sr_id_state *state,
                                  struct sr_error *err);

/* The contexts that hold at least one version row, live or soft-deleted,
 * sorted (byte order). */
enum sr_err sr_txn_contexts(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err);

/* Ids of schemas that reference subject/version, ascending. With
 * filter == SR_LIVE_ONLY only schemas carried by at least one live version
 * count; otherwise any stored schema that references it. */
enum sr_err sr_txn_referenced_by(struct sr_txn *t, const char *subject, int32_t version,
                                 enum sr_deleted_filter filter, struct sr_int_list *out,
                                 struct sr_error *err);

/* ---- config and mode ------------------------------------------------------------ */

/* subject NULL means the global setting. *found_out says whether one is stored;
 * when not, *out is zeroed (normalize -1). */
enum sr_err sr_txn_config_get(struct sr_txn *t, const char *subject, struct sr_config_rec *out,
                              bool *found_out, struct sr_error *err);
/* Replaces the whole setting: fields left unset in rec are unset after. */
enum sr_err sr_txn_config_put(struct sr_txn *t, const char *subject,
                              const struct sr_config_rec *rec, struct sr_error *err);
/* Deletes the setting; *found_out (may be NULL) says whether there was one. */
enum sr_err sr_txn_config_delete(struct sr_txn *t, const char *subject, bool *found_out,
                                 struct sr_error *err);

/* Mode: "READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT". subject NULL = global.
 * *mode_out is NULL when none is stored; otherwise the caller frees it. */
enum sr_err sr_txn_mode_get(struct sr_txn *t, const char *subject, char **mode_out,
                            struct sr_error *err);
enum sr_err sr_txn_mode_put(struct sr_txn *t, const char *subject, const char *mode,
                            struct sr_error *err);
enum sr_err sr_txn_mode_delete(struct sr_txn *t, const char *subject, bool *found_out,
                               struct sr_error *err);

/* Every subject (never the global setting) with a config or a mode stored,
 * whether or not it holds versions, sorted (byte order): what a copy of the
 * registry must carry besides the versions' subjects. */
enum sr_err sr_txn_setting_subjects(struct sr_txn *t, struct sr_str_list *out,
                                    struct sr_error *err);

/* ---- operations ------------------------------------------------------------------- */

enum sr_err sr_txn_counts(struct sr_txn *t, struct sr_store_counts *out, struct sr_error *err);

#endif

/*
 * store.h - persistence of subjects, versions, schemas, config and mode,
 * behind one interface so that a second backend (PostgreSQL, for several
 * stateless registry nodes) can plug in beside the embedded SQLite one.
 *
 * The store knows nothing of Avro or HTTP: it keeps rows and answers queries.
 * The registration algorithm, the delete rules and the levels live in
 * server/registry.c, which calls the store inside transactions:
 *
 *   struct sr_txn *t;
 *   if (sr_store_begin(store, true, &t, err)) return err->code;
 *   ... sr_txn_* calls ...
 *   return sr_txn_commit(t, err);        // or sr_txn_rollback(t) on any failure
 *
 * Transactions: a write transaction is exclusive (one writer at a time,
 * serialised inside the store; it never surfaces SQLITE_BUSY to the caller);
 * read transactions run concurrently with each other and with the writer and
 * see a consistent snapshot. sr_txn_commit() and sr_txn_rollback() both end
 * and free the transaction; rollback is NULL-safe. A transaction belongs to
 * the thread that began it.
 *
 * Durability: a committed write survives a crash or power loss (SQLite: WAL
 * with synchronous=FULL). Schema ids come from a persisted high-water mark
 * and are never handed out twice, even after the rows that used them are
 * deleted.
 *
 * Ownership: every *_out string or array is heap memory the caller owns and
 * frees with the matching *_release() function (or free() where it says so).
 * Borrowed inputs are only read during the call.
 *
 * Errors: SR_ERR_INTERNAL (code 50001) for any storage failure, with the
 * backend's message; the lookups document their not-found codes.
 */
#ifndef SR_STORAGE_STORE_H
#define SR_STORAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct sr_store;
struct sr_txn;

/* Which versions a query sees. */
enum sr_deleted_filter {
    SR_LIVE_ONLY,    /* versions not soft-deleted */
    SR_WITH_DELETED, /* live and soft-deleted */
    SR_DELETED_ONLY, /* soft-deleted only */
};

/* One row of a subject's history. */
struct sr_version_rec {
    char *subject;
    int32_t version;
    int64_t id;
    bool deleted;
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
    char *schema_type; /* "AVRO" */
    char *schema;      /* canonical text */
    char *refs;        /* JSON array of {name, subject, version}, or NULL */
    char *metadata;    /* JSON object, or NULL */
    char *ruleset;     /* JSON object, or NULL */
};
void sr_schema_rec_release(struct sr_schema_rec *r);

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

/* Opens (creating if needed) the SQLite database at path, applies migrations
 * (keyed by PRAGMA user_version), and prepares a writer and per-thread readers.
 * The caller owns the store; close it with sr_store_close(). */
enum sr_err sr_store_open_sqlite(const char *path, struct sr_store **out, struct sr_error *err);
/* Closes the store. Every transaction must have ended. NULL-safe. */
void sr_store_close(struct sr_store *store);

/* Begins a transaction (write = exclusive writer). *out is owned by the caller
 * until sr_txn_commit() or sr_txn_rollback(). */
enum sr_err sr_store_begin(struct sr_store *store, bool write, struct sr_txn **out,
                           struct sr_error *err);
/* Commits and frees t. On failure the transaction is rolled back and freed. */
enum sr_err sr_txn_commit(struct sr_txn *t, struct sr_error *err);
/* Rolls back and frees t. NULL-safe. */
void sr_txn_rollback(struct sr_txn *t);

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

/* The version of subject whose schema id is id, considering filter; the
 * highest such version if several. Errors: SR_ERR_VERSION_NOT_FOUND. */
enum sr_err sr_txn_version_by_id(struct sr_txn *t, const char *subject, int64_t id,
                                 enum sr_deleted_filter filter, struct sr_version_rec *out,
                                 struct sr_error *err);

/* Adds a live version row. Errors: SR_ERR_INTERNAL if it exists. */
enum sr_err sr_txn_version_insert(struct sr_txn *t, const char *subject, int32_t version,
                                  int64_t id, struct sr_error *err);
/* Marks a version soft-deleted (deleted = true) or live again (false). */
enum sr_err sr_txn_version_set_deleted(struct sr_txn *t, const char *subject, int32_t version,
                                       bool deleted, struct sr_error *err);
/* Removes a version row for good, with the references it held (a schema's
 * references are removed when no version carries the schema any more). */
enum sr_err sr_txn_version_remove(struct sr_txn *t, const char *subject, int32_t version,
                                  struct sr_error *err);

/* (subject, version) pairs that carry schema id, matching filter, sorted by
 * subject then version. */
enum sr_err sr_txn_versions_for_id(struct sr_txn *t, int64_t id, enum sr_deleted_filter filter,
                                   struct sr_subject_version_list *out, struct sr_error *err);

/* ---- schemas ------------------------------------------------------------------- */

/* The schema with id. Errors: SR_ERR_SCHEMA_NOT_FOUND. */
enum sr_err sr_txn_schema_get(struct sr_txn *t, int64_t id, struct sr_schema_rec *out,
                              struct sr_error *err);

/* The id of the stored schema whose schema_type, schema, refs, metadata and
 * ruleset all equal rec's (NULL equals NULL), or 0 when there is none. */
enum sr_err sr_txn_schema_find(struct sr_txn *t, const struct sr_schema_rec *rec, int64_t *id_out,
                               struct sr_error *err);

/* The next unused id: one more than the high-water mark (ids used so far,
 * including deleted ones). Does not reserve it. */
enum sr_err sr_txn_next_id(struct sr_txn *t, int64_t *out, struct sr_error *err);
/* The high-water mark itself (0 when no id was ever used). */
enum sr_err sr_txn_max_id(struct sr_txn *t, int64_t *out, struct sr_error *err);

/* Stores rec under rec->id, raising the high-water mark to it if higher, and
 * records its references (refs[0..ref_count)) for referenced-by queries.
 * Errors: SR_ERR_INTERNAL if the id is taken. */
enum sr_err sr_txn_schema_insert(struct sr_txn *t, const struct sr_schema_rec *rec,
                                 const struct sr_ref *refs, size_t ref_count, struct sr_error *err);

/* Deletes the schema row (and its references) when no version carries id any
 * more; the id stays used. *removed_out (may be NULL) says whether it did. */
enum sr_err sr_txn_schema_remove_if_unused(struct sr_txn *t, int64_t id, bool *removed_out,
                                           struct sr_error *err);

/* Ids of schemas that reference subject/version, ascending. With
 * filter == SR_LIVE_ONLY only schemas carried by at least one live version
 * count; otherwise any stored schema that references it. */
enum sr_err sr_txn_referenced_by(struct sr_txn *t, const char *subject, int32_t version,
                                 enum sr_deleted_filter filter, struct sr_int_list *out,
                                 struct sr_error *err);

/* Every (subject, version, id) row matching filter whose subject starts with
 * prefix, sorted by subject then version; with latest_only, only the highest
 * matching version of each subject. offset/limit page the result (limit < 0:
 * no limit). */
enum sr_err sr_txn_list_versions(struct sr_txn *t, const char *prefix,
                                 enum sr_deleted_filter filter, bool latest_only, int64_t offset,
                                 int64_t limit, struct sr_version_rec **out, size_t *count_out,
                                 struct sr_error *err);

/* ---- config and mode ------------------------------------------------------------ */

/* subject NULL means the global setting. *found_out says whether one is stored;
 * when not, *out is zeroed (normalize -1). */
enum sr_err sr_txn_config_get(struct sr_txn *t, const char *subject, struct sr_config_rec *out,
                              bool *found_out, struct sr_error *err);
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

/* ---- operations ------------------------------------------------------------------- */

enum sr_err sr_txn_counts(struct sr_txn *t, struct sr_store_counts *out, struct sr_error *err);

#endif

/*
 * store_int.h - what a storage backend implements, and the pieces every
 * backend shares. The promises callers rely on are all in store.h; this file
 * only says how a backend plugs in.
 *
 * A backend embeds struct sr_store as the first member of its own store and
 * struct sr_txn as the first member of its own transaction, initialises the
 * store with sr_store_init(), and fills one struct sr_store_ops. store.c
 * asserts the arguments store.h rules out before dispatching, so an operation
 * receives a transaction of the right kind, non-NULL required inputs and
 * outputs, a known filter, a prefix that is never NULL ("" for all subjects),
 * offset >= 0 and limit >= -1 (no limit), and ids and versions to insert that are >= 1.
 * Optional outputs (removed_out, found_out of the deletes) may be NULL.
 *
 * store.c also keeps the change markers: it records, per transaction, which
 * kinds of change its write operations made, and moves the markers after a
 * successful commit. A backend shared by several processes additionally calls
 * sr_store_note_change() when it learns of another process's write.
 */
#ifndef SR_STORAGE_STORE_INT_H
#define SR_STORAGE_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/store.h"

enum sr_savepoint_step { SR_SAVEPOINT_OPEN, SR_SAVEPOINT_RELEASE, SR_SAVEPOINT_ROLLBACK };

/* One caller's work waiting for (or in) a batch of sr_store_run_batched(),
 * on the caller's stack while it waits for the answer. */
struct sr_batch_item {
    struct sr_batch_item *next;
    sr_txn_fn fn;
    void *arg;
    struct sr_error *err; /* the caller's */
    pthread_cond_t *wake; /* the caller's own: signalled when it may act */
    enum sr_err rc;
    bool done;
};

struct sr_store_ops {
    /* lifecycle */
    void (*close)(struct sr_store *store);
    enum sr_err (*begin)(struct sr_store *store, bool write, struct sr_txn **out,
                         struct sr_error *err);
    enum sr_err (*commit)(struct sr_txn *t, struct sr_error *err);
    void (*rollback)(struct sr_txn *t);

    /* subjects and versions */
    enum sr_err (*subjects)(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                            struct sr_str_list *out, struct sr_error *err);
    enum sr_err (*versions)(struct sr_txn *t, const char *subject, enum sr_deleted_filter filter,
                            struct sr_int_list *out, struct sr_error *err);
    enum sr_err (*version_rows)(struct sr_txn *t, const char *subject, struct sr_version_rec **out,
                                size_t *count_out, struct sr_error *err);
    enum sr_err (*version_get)(struct sr_txn *t, const char *subject, int32_t version,
                               bool include_deleted, struct sr_version_rec *out,
                               struct sr_error *err);
    enum sr_err (*subject_uses_refs)(struct sr_txn *t, const char *subject, bool *out,
                                     struct sr_error *err);
    enum sr_err (*max_version)(struct sr_txn *t, const char *subject, int32_t *out,
                               struct sr_error *err);
    enum sr_err (*version_by_id)(struct sr_txn *t, const char *subject, const char *context,
                                 int64_t id, enum sr_deleted_filter filter,
                                 struct sr_version_rec *out, struct sr_error *err);
    enum sr_err (*version_insert)(struct sr_txn *t, const char *subject, int32_t version,
                                  const char *context, int64_t id, int64_t ts,
                                  struct sr_error *err);
    enum sr_err (*version_set_deleted)(struct sr_txn *t, const char *subject, int32_t version,
                                       bool deleted, struct sr_error *err);
    enum sr_err (*version_remove)(struct sr_txn *t, const char *subject, int32_t version,
                                  struct sr_error *err);
    enum sr_err (*versions_for_id)(struct sr_txn *t, const char *context, int64_t id,
                                   enum sr_deleted_filter filter,
                                   struct sr_subject_version_list *out, struct sr_error *err);
    enum sr_err (*list_versions)(struct sr_txn *t, const char *prefix,
                                 enum sr_deleted_filter filter, bool latest_only, int64_t offset,
                                 int64_t limit, struct sr_version_rec **out, size_t *count_out,
                                 struct sr_error *err);

    /* schemas */
    enum sr_err (*schema_get)(struct sr_txn *t, const char *context, int64_t id,
                              struct sr_schema_rec *out, struct sr_error *err);
    enum sr_err (*schema_find)(struct sr_txn *t, const char *context,
                               const struct sr_schema_rec *rec, int64_t *id_out,
                               struct sr_error *err);
    enum sr_err (*reserve_id)(struct sr_txn *t, const char *context, int64_t *out,
                              struct sr_error *err);
    enum sr_err (*max_id)(struct sr_txn *t, const char *context, int64_t *out,
                          struct sr_error *err);
    enum sr_err (*schema_insert)(struct sr_txn *t, const char *context,
                                 const struct sr_schema_rec *rec, const struct sr_ref *refs,
                                 size_t ref_count, struct sr_error *err);
    enum sr_err (*schema_remove_if_unused)(struct sr_txn *t, const char *context, int64_t id,
                                           bool *removed_out, struct sr_error *err);
    enum sr_err (*ids_by_guid)(struct sr_txn *t, const char *guid, struct sr_context_id_list *out,
                               struct sr_error *err);
    enum sr_err (*contexts)(struct sr_txn *t, struct sr_str_list *out, struct sr_error *err);
    enum sr_err (*id_states)(struct sr_txn *t, struct sr_id_state_list *out, struct sr_error *err);
    enum sr_err (*id_state_raise)(struct sr_txn *t, const struct sr_id_state *state,
                                  struct sr_error *err);
    enum sr_err (*referenced_by)(struct sr_txn *t, const char *subject, int32_t version,
                                 enum sr_deleted_filter filter, struct sr_int_list *out,
                                 struct sr_error *err);

    /* config and mode */
    enum sr_err (*config_get)(struct sr_txn *t, const char *subject, struct sr_config_rec *out,
                              bool *found_out, struct sr_error *err);
    enum sr_err (*config_put)(struct sr_txn *t, const char *subject,
                              const struct sr_config_rec *rec, struct sr_error *err);
    enum sr_err (*config_delete)(struct sr_txn *t, const char *subject, bool *found_out,
                                 struct sr_error *err);
    enum sr_err (*mode_get)(struct sr_txn *t, const char *subject, char **mode_out,
                            struct sr_error *err);
    enum sr_err (*mode_put)(struct sr_txn *t, const char *subject, const char *mode,
                            struct sr_error *err);
    enum sr_err (*mode_delete)(struct sr_txn *t, const char *subject, bool *found_out,
                               struct sr_error *err);
    enum sr_err (*setting_subjects)(struct sr_txn *t, struct sr_str_list *out,
                                    struct sr_error *err);

    /* operations */
    enum sr_err (*counts)(struct sr_txn *t, struct sr_store_counts *out, struct sr_error *err);

    /* readiness (sr_store_check): a real read, the room to write, and with
     * write_probe a real write, committed */
    enum sr_err (*check)(struct sr_store *store, bool write_probe, struct sr_error *err);

    /* group commit (sr_store_run_batched); NULL when the backend has none. One
     * savepoint at a time: open it, then release it (keep its writes) or roll
     * back to it (drop them). An error means the transaction is lost. */
    enum sr_err (*savepoint)(struct sr_txn *t, enum sr_savepoint_step step, struct sr_error *err);
};

/* The first member of every backend's store. */
struct sr_store {
    const struct sr_store_ops *ops;
    _Atomic uint64_t markers[SR_CHANGE__COUNT];
    _Atomic unsigned injected_conflicts; /* sr_store_inject_conflicts() */
    pthread_mutex_t failure_lock;        /* guards failure */
    char failure[SR_ERROR_MESSAGE_MAX];  /* the last storage failure noted, "" since a success */
    pthread_mutex_t batch_lock;          /* guards the two below and every queued item */
    struct sr_batch_item *queue, **queue_tail; /* work waiting for a batch */
    bool batch_running;                        /* a caller is running a batch */
};

/* The first member of every backend's transaction. The backend sets store
 * and write in begin; store.c owns changes. */
struct sr_txn {
    struct sr_store *store;
    bool write;
    unsigned changes;                   /* bit (1u << enum sr_change) per kind made */
    int64_t reserved_id;                /* the last id sr_txn_reserve_id() gave, or 0 */
    uint64_t markers[SR_CHANGE__COUNT]; /* sr_store_marker() just before begin */
};

/* Sets up the shared part of a backend's store; sr_store_deinit() undoes it
 * (in the backend's close). */
void sr_store_init(struct sr_store *store, const struct sr_store_ops *ops);
void sr_store_deinit(struct sr_store *store);

/* Moves the markers of every kind in mask (bits 1u << enum sr_change), e.g.
 * when a shared backend hears of another node's commit. Thread-safe. */
void sr_store_note_change(struct sr_store *store, unsigned mask);

/* The 64-bit hash of the fields that make a schema unique (schema_type,
 * schema, refs, metadata, ruleset), telling a NULL field from an empty one.
 * Backends index it to find candidates, then compare the fields themselves,
 * so a collision costs a comparison, never a wrong answer. The value is part
 * of the stored data: changing the function needs a migration. */
uint64_t sr_store_schema_hash(const struct sr_schema_rec *rec);

/* Makes room for need elements of elem_size in *items (capacity *cap),
 * doubling. Returns false on overflow or allocation failure, leaving *items
 * and *cap untouched. */
bool sr_store_grow(void **items, size_t *cap, size_t need, size_t elem_size);

#endif

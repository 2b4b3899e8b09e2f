/*
 * pg_schemas.c - schemas by id and by content, the id counters, and the
 * references schemas make (as sqlite_schemas.c, on pg_query).
 */
#include "storage/pg_int.h"

#include <stdlib.h>
#include <string.h>

/* The stored form of sr_store_schema_hash(), as in SQLite: 63 bits fit a
 * BIGINT without a sign conversion. */
static int64_t stored_hash(const struct sr_schema_rec *rec)
{
    return (int64_t)(sr_store_schema_hash(rec) >> 1);
}

enum sr_err pg_schema_get(struct sr_txn *t, const char *context, int64_t id,
                          struct sr_schema_rec *out, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_SCHEMA_GET, err);
    if (rc)
        return rc;
    pg_bind_text(&q, context);
    pg_bind_int(&q, id);
    struct sr_schema_rec rec = {.id = id};
    bool found = pg_row(&q);
    if (found) {
        rec.schema_type = pg_col_text(&q, 0);
        rec.schema = pg_col_text(&q, 1);
        rec.refs = pg_col_text(&q, 2);
        rec.metadata = pg_col_text(&q, 3);
        rec.ruleset = pg_col_text(&q, 4);
        rec.guid = pg_col_text(&q, 5);
    }
    rc = pg_query_end(&q);
    if (rc) {
        sr_schema_rec_release(&rec);
        return rc;
    }
    if (!found)
        return sr_errorf(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema %lld not found", (long long)id);
    *out = rec;
    return SR_OK;
}

enum sr_err pg_schema_find(struct sr_txn *t, const char *context, const struct sr_schema_rec *rec,
                           int64_t *id_out, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_SCHEMA_FIND, err);
    if (rc)
        return rc;
    /* The hash narrows the search to an index lookup; the statement then
     * compares every field, so a collision cannot give a wrong id. */
    pg_bind_int(&q, stored_hash(rec));
    pg_bind_text(&q, context);
    pg_bind_text(&q, rec->schema_type);
    pg_bind_text(&q, rec->schema);
    pg_bind_text(&q, rec->refs);
    pg_bind_text(&q, rec->metadata);
    pg_bind_text(&q, rec->ruleset);
    int64_t id = 0;
    if (pg_row(&q))
        id = pg_col_int(&q, 0);
    rc = pg_query_end(&q);
    if (rc)
        return rc;
    *id_out = id;
    return SR_OK;
}

/* Runs statement id with (context, value), answering column 0 of its row in
 * *row_out (may be NULL; 0 when there is no row) and the rows it changed in
 * *changed_out (may be NULL). */
static enum sr_err run_keyed(struct sr_txn *t, enum pg_stmt id, const char *context, int64_t value,
                             int64_t *row_out, int64_t *changed_out, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, id, err);
    if (rc)
        return rc;
    pg_bind_text(&q, context);
    pg_bind_int(&q, value);
    int64_t row = pg_row(&q) ? pg_col_int(&q, 0) : 0;
    int64_t changed = pg_changes(&q);
    rc = pg_query_end(&q);
    if (!rc && row_out)
        *row_out = row;
    if (!rc && changed_out)
        *changed_out = changed;
    return rc;
}

enum sr_err pg_max_id(struct sr_txn *t, const char *context, int64_t *out, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_MAX_ID, err);
    if (rc)
        return rc;
    pg_bind_text(&q, context);                        /* $1 twice */
    int64_t max = pg_row(&q) ? pg_col_int(&q, 0) : 0; /* a context without a row used none */
    rc = pg_query_end(&q);
    if (rc)
        return rc;
    *out = max;
    return SR_OK;
}

/* The counter's next step. */
static enum sr_err step_counter(struct sr_txn *t, const char *context, int64_t *out,
                                struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_NEXT_ID, err);
    if (rc)
        return rc;
    pg_bind_text(&q, context);
    int64_t next = pg_row(&q) ? pg_col_int(&q, 0) : 0;
    rc = pg_query_end(&q);
    if (!rc && next < 1)
        rc = sr_errorf(err, SR_ERR_INTERNAL, "postgresql: the id counter of context %s gave no id",
                       context);
    if (!rc)
        *out = next;
    return rc;
}

enum sr_err pg_reserve_id(struct sr_txn *t, const char *context, int64_t *out, struct sr_error *err)
{
    /* Writers take turns (the writer lock, pg_int.h), so the counter's step
     * belongs to this transaction alone; ids an IMPORT stored above it are
     * skipped. Were a writer to go without the lock, the counter row would
     * be its serialization conflict. */
    int64_t id = 0, marked = 0;
    enum sr_err rc = SR_OK;
    /* Marking an id used changes nothing when it was used already: one
     * statement both tests and takes it. */
    while (!rc && !marked) {
        if (id == INT64_MAX - 1)
            return sr_errorf(err, SR_ERR_INTERNAL, "storage: schema ids are exhausted");
        rc = step_counter(t, context, &id, err);
        if (!rc)
            rc = run_keyed(t, PG_MARK_USED, context, id, NULL, &marked, err);
    }
    if (!rc)
        *out = id;
    return rc;
}

static enum sr_err insert_schema_row(struct sr_txn *t, const char *context,
                                     const struct sr_schema_rec *rec, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_SCHEMA_INSERT, err);
    if (rc)
        return rc;
    pg_bind_text(&q, context);
    pg_bind_int(&q, rec->id);
    pg_bind_int(&q, stored_hash(rec));
    pg_bind_text(&q, rec->schema_type);
    pg_bind_text(&q, rec->schema);
    pg_bind_text(&q, rec->refs);
    pg_bind_text(&q, rec->metadata);
    pg_bind_text(&q, rec->ruleset);
    char guid[SR_GUID_SIZE];
    if (!sr_store_schema_guid(rec, guid))
        pg_query_fail(&q, SR_ERR_NOMEM, "out of memory deriving the GUID for");
    pg_bind_text(&q, guid);
    pg_exec(&q);
    bool taken = pg_changes(&q) == 0; /* ON CONFLICT DO NOTHING: the id holds a schema */
    rc = pg_query_end(&q);
    if (!rc && taken)
        rc = sr_errorf(err, SR_ERR_CONFLICT, "Schema id %lld of context %s is taken",
                       (long long)rec->id, context);
    return rc;
}

static enum sr_err insert_ref(struct sr_txn *t, const char *context, int64_t schema_id,
                              const struct sr_ref *ref, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_REF_INSERT, err);
    if (rc)
        return rc;
    pg_bind_text(&q, context);
    pg_bind_int(&q, schema_id);
    pg_bind_text(&q, ref->name);
    pg_bind_text(&q, ref->subject);
    pg_bind_int(&q, ref->version);
    pg_exec(&q);
    return pg_query_end(&q);
}

enum sr_err pg_schema_insert(struct sr_txn *t, const char *context, const struct sr_schema_rec *rec,
                             const struct sr_ref *refs, size_t ref_count, struct sr_error *err)
{
    enum sr_err rc = insert_schema_row(t, context, rec, err);
    /* An id chosen by an IMPORT is marked used and leaves the counter
     * alone: one import of 2^31-1 must not exhaust the ids for good, so
     * reserved ids continue from the counter and skip every used one. */
    if (!rc)
        rc = run_keyed(t, PG_MARK_USED, context, rec->id, NULL, NULL, err);
    for (size_t i = 0; !rc && i < ref_count; i++)
        rc = insert_ref(t, context, rec->id, &refs[i], err);
    return rc;
}

enum sr_err pg_schema_remove_if_unused(struct sr_txn *t, const char *context, int64_t id,
                                       bool *removed_out, struct sr_error *err)
{
    /* The id stays in used_ids: it is never handed out again. */
    int64_t removed = 0;
    enum sr_err rc = run_keyed(t, PG_SCHEMA_REMOVE_UNUSED, context, id, NULL, &removed, err);
    if (!rc && removed)
        rc = run_keyed(t, PG_REFS_REMOVE, context, id, NULL, NULL, err);
    if (!rc && removed_out)
        *removed_out = removed > 0;
    return rc;
}

enum sr_err pg_ids_by_guid(struct sr_txn *t, const char *guid, struct sr_context_id_list *out,
                           struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_IDS_BY_GUID, err);
    if (rc)
        return rc;
    pg_bind_text(&q, guid);
    struct sr_context_id_list list = {0};
    size_t cap = 0;
    while (pg_row(&q) &&
           pg_grow(&q, (void **)&list.items, &cap, list.count + 1, sizeof(*list.items))) {
        struct sr_context_id *ci = &list.items[list.count++];
        ci->context = pg_col_text(&q, 0);
        ci->id = pg_col_int(&q, 1);
    }
    rc = pg_query_end(&q);
    if (rc) {
        sr_context_id_list_release(&list);
        return rc;
    }
    *out = list;
    return SR_OK;
}

enum sr_err pg_referenced_by(struct sr_txn *t, const char *subject, int32_t version,
                             enum sr_deleted_filter filter, struct sr_int_list *out,
                             struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_REFERENCED_BY, err);
    if (rc)
        return rc;
    pg_bind_text(&q, subject);
    pg_bind_int(&q, version);
    pg_bind_int(&q, filter == SR_LIVE_ONLY);
    return pg_collect_ints(&q, out);
}

/* Adds the row at the cursor (context, counter, used id or NULL) to list:
 * a new state when the context changes. */
static void add_id_state_row(struct pg_query *q, struct sr_id_state_list *list, size_t *cap,
                             size_t *used_cap)
{
    char *context = pg_col_text(q, 0);
    if (!context)
        return; /* out of memory: recorded, the next row ends the query */
    struct sr_id_state *last = list->count ? &list->items[list->count - 1] : NULL;
    if (last && strcmp(last->context, context) == 0) {
        free(context);
    } else if (pg_grow(q, (void **)&list->items, cap, list->count + 1, sizeof(*list->items))) {
        last = &list->items[list->count++];
        *last = (struct sr_id_state){.context = context, .counter = pg_col_int(q, 1)};
        *used_cap = 0;
    } else {
        free(context);
        return;
    }
    struct sr_int_list *used = &last->used_above;
    if (!pg_col_is_null(q, 2) &&
        pg_grow(q, (void **)&used->items, used_cap, used->count + 1, sizeof(*used->items)))
        used->items[used->count++] = pg_col_int(q, 2);
}

enum sr_err pg_id_states(struct sr_txn *t, struct sr_id_state_list *out, struct sr_error *err)
{
    struct pg_query q;
    enum sr_err rc = pg_query_start(&q, t, PG_ID_STATES, err);
    if (rc)
        return rc;
    struct sr_id_state_list list = {0};
    size_t cap = 0, used_cap = 0;
    while (pg_row(&q))
        add_id_state_row(&q, &list, &cap, &used_cap);
    rc = pg_query_end(&q);
    if (rc) {
        sr_id_state_list_release(&list);
        return rc;
    }
    *out = list;
    return SR_OK;
}

enum sr_err pg_id_state_raise(struct sr_txn *t, const struct sr_id_state *state,
                              struct sr_error *err)
{
    enum sr_err rc =
        run_keyed(t, PG_RAISE_COUNTER, state->context, state->counter, NULL, NULL, err);
    for (size_t i = 0; !rc && i < state->used_above.count; i++)
        rc =
            run_keyed(t, PG_MARK_USED, state->context, state->used_above.items[i], NULL, NULL, err);
    return rc;
}

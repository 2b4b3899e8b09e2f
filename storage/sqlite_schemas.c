/*
 * sqlite_schemas.c - schemas by id and by content, the id high-water mark,
 * and the references schemas make.
 */
#include "storage/sqlite_int.h"

#include <stdlib.h>
#include <string.h>

/* The stored form of sr_store_schema_hash(): 63 bits fit an SQLite INTEGER
 * without a sign conversion. */
static int64_t stored_hash(const struct sr_schema_rec *rec)
{
    return (int64_t)(sr_store_schema_hash(rec) >> 1);
}

enum sr_err sq_schema_get(struct sr_txn *t, const char *context, int64_t id,
                          struct sr_schema_rec *out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_SCHEMA_GET, err);
    if (rc)
        return rc;
    sq_bind_text(&q, context);
    sq_bind_int(&q, id);
    struct sr_schema_rec rec = {.id = id};
    bool found = sq_row(&q);
    if (found) {
        rec.schema_type = sq_col_text(&q, 0);
        rec.schema = sq_col_text(&q, 1);
        rec.refs = sq_col_text(&q, 2);
        rec.metadata = sq_col_text(&q, 3);
        rec.ruleset = sq_col_text(&q, 4);
        rec.guid = sq_col_text(&q, 5);
    }
    rc = sq_query_end(&q);
    if (rc) {
        sr_schema_rec_release(&rec);
        return rc;
    }
    if (!found)
        return sr_errorf(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema %lld not found", (long long)id);
    *out = rec;
    return SR_OK;
}

enum sr_err sq_schema_find(struct sr_txn *t, const char *context, const struct sr_schema_rec *rec,
                           int64_t *id_out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_SCHEMA_FIND, err);
    if (rc)
        return rc;
    /* The hash narrows the search to an index lookup; the statement then
     * compares every field, so a collision cannot give a wrong id. */
    sq_bind_int(&q, stored_hash(rec));
    sq_bind_text(&q, context);
    sq_bind_text(&q, rec->schema_type);
    sq_bind_text(&q, rec->schema);
    sq_bind_text(&q, rec->refs);
    sq_bind_text(&q, rec->metadata);
    sq_bind_text(&q, rec->ruleset);
    int64_t id = 0;
    if (sq_row(&q))
        id = sq_col_int(&q, 0);
    rc = sq_query_end(&q);
    if (rc)
        return rc;
    *id_out = id;
    return SR_OK;
}

/* Runs statement id with (context, value), answering column 0 of its row in
 * *row_out (may be NULL; 0 when there is no row) and the rows it changed in
 * *changed_out (may be NULL). */
static enum sr_err run_keyed(struct sr_txn *t, enum sq_stmt id, const char *context, int64_t value,
                             int64_t *row_out, int64_t *changed_out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, id, err);
    if (rc)
        return rc;
    sq_bind_text(&q, context);
    sq_bind_int(&q, value);
    int64_t row = 0;
    if (sq_row(&q)) { /* stepping after the end would run the statement again */
        row = sq_col_int(&q, 0);
        sq_exec(&q);
    }
    int64_t changed = sq_changes(&q);
    rc = sq_query_end(&q);
    if (!rc && row_out)
        *row_out = row;
    if (!rc && changed_out)
        *changed_out = changed;
    return rc;
}

enum sr_err sq_max_id(struct sr_txn *t, const char *context, int64_t *out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_MAX_ID, err);
    if (rc)
        return rc;
    sq_bind_text(&q, context);
    sq_bind_text(&q, context);
    int64_t max = sq_row(&q) ? sq_col_int(&q, 0) : 0; /* a context without a row used none */
    rc = sq_query_end(&q);
    if (rc)
        return rc;
    *out = max;
    return SR_OK;
}

/* The counter's next step. */
static enum sr_err step_counter(struct sr_txn *t, const char *context, int64_t *out,
                                struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_NEXT_ID, err);
    if (rc)
        return rc;
    sq_bind_text(&q, context);
    int64_t next = 0;
    if (sq_row(&q)) {
        next = sq_col_int(&q, 0);
        sq_exec(&q);
    }
    rc = sq_query_end(&q);
    if (!rc && next < 1)
        rc = sr_errorf(err, SR_ERR_INTERNAL, "sqlite: the id counter of context %s gave no id",
                       context);
    if (!rc)
        *out = next;
    return rc;
}

enum sr_err sq_reserve_id(struct sr_txn *t, const char *context, int64_t *out, struct sr_error *err)
{
    /* Writers are serialised, so the counter's step belongs to this
     * transaction alone; ids an IMPORT stored above it are skipped. */
    int64_t id = 0, marked = 0;
    enum sr_err rc = SR_OK;
    /* Marking an id used changes nothing when it was used already: one
     * statement both tests and takes it. */
    while (!rc && !marked) {
        if (id == INT64_MAX - 1)
            return sr_errorf(err, SR_ERR_INTERNAL, "storage: schema ids are exhausted");
        rc = step_counter(t, context, &id, err);
        if (!rc)
            rc = run_keyed(t, SQ_MARK_USED, context, id, NULL, &marked, err);
    }
    if (!rc)
        *out = id;
    return rc;
}

static enum sr_err insert_schema_row(struct sr_txn *t, const char *context,
                                     const struct sr_schema_rec *rec, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_SCHEMA_INSERT, err);
    if (rc)
        return rc;
    sq_bind_text(&q, context);
    sq_bind_int(&q, rec->id);
    sq_bind_int(&q, stored_hash(rec));
    sq_bind_text(&q, rec->schema_type);
    sq_bind_text(&q, rec->schema);
    sq_bind_text(&q, rec->refs);
    sq_bind_text(&q, rec->metadata);
    sq_bind_text(&q, rec->ruleset);
    char guid[SR_GUID_SIZE];
    if (!sr_store_schema_guid(rec, guid))
        sq_query_fail(&q, SR_ERR_NOMEM, "out of memory deriving the GUID for");
    sq_bind_text(&q, guid);
    sq_exec(&q); /* a taken id fails the unique key */
    return sq_query_end(&q);
}

static enum sr_err insert_ref(struct sr_txn *t, const char *context, int64_t schema_id,
                              const struct sr_ref *ref, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_REF_INSERT, err);
    if (rc)
        return rc;
    sq_bind_text(&q, context);
    sq_bind_int(&q, schema_id);
    sq_bind_text(&q, ref->name);
    sq_bind_text(&q, ref->subject);
    sq_bind_int(&q, ref->version);
    sq_exec(&q);
    return sq_query_end(&q);
}

enum sr_err sq_schema_insert(struct sr_txn *t, const char *context, const struct sr_schema_rec *rec,
                             const struct sr_ref *refs, size_t ref_count, struct sr_error *err)
{
    enum sr_err rc = insert_schema_row(t, context, rec, err);
    /* An id chosen by an IMPORT is marked used and leaves the counter
     * alone: one import of 2^31-1 must not exhaust the ids for good, so
     * reserved ids continue from the counter and skip every used one. */
    if (!rc)
        rc = run_keyed(t, SQ_MARK_USED, context, rec->id, NULL, NULL, err);
    for (size_t i = 0; !rc && i < ref_count; i++)
        rc = insert_ref(t, context, rec->id, &refs[i], err);
    return rc;
}

enum sr_err sq_schema_remove_if_unused(struct sr_txn *t, const char *context, int64_t id,
                                       bool *removed_out, struct sr_error *err)
{
    /* The id stays in used_ids: it is never handed out again. */
    int64_t removed = 0;
    enum sr_err rc = run_keyed(t, SQ_SCHEMA_REMOVE_UNUSED, context, id, NULL, &removed, err);
    if (!rc && removed)
        rc = run_keyed(t, SQ_REFS_REMOVE, context, id, NULL, NULL, err);
    if (!rc && removed_out)
        *removed_out = removed > 0;
    return rc;
}

enum sr_err sq_ids_by_guid(struct sr_txn *t, const char *guid, struct sr_context_id_list *out,
                           struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_IDS_BY_GUID, err);
    if (rc)
        return rc;
    sq_bind_text(&q, guid);
    struct sr_context_id_list list = {0};
    size_t cap = 0;
    while (sq_row(&q) &&
           sq_grow(&q, (void **)&list.items, &cap, list.count + 1, sizeof(*list.items))) {
        struct sr_context_id *ci = &list.items[list.count++];
        ci->context = sq_col_text(&q, 0);
        ci->id = sq_col_int(&q, 1);
    }
    rc = sq_query_end(&q);
    if (rc) {
        sr_context_id_list_release(&list);
        return rc;
    }
    *out = list;
    return SR_OK;
}

enum sr_err sq_referenced_by(struct sr_txn *t, const char *subject, int32_t version,
                             enum sr_deleted_filter filter, struct sr_int_list *out,
                             struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_REFERENCED_BY, err);
    if (rc)
        return rc;
    sq_bind_text(&q, subject);
    sq_bind_int(&q, version);
    sq_bind_int(&q, filter == SR_LIVE_ONLY);
    return sq_collect_ints(&q, out);
}

/* Adds the row at the cursor (context, counter, used id or NULL) to list:
 * a new state when the context changes. */
static void add_id_state_row(struct sq_query *q, struct sr_id_state_list *list, size_t *cap,
                             size_t *used_cap)
{
    char *context = sq_col_text(q, 0);
    if (!context)
        return; /* out of memory: recorded, the next row ends the query */
    struct sr_id_state *last = list->count ? &list->items[list->count - 1] : NULL;
    if (last && strcmp(last->context, context) == 0) {
        free(context);
    } else if (sq_grow(q, (void **)&list->items, cap, list->count + 1, sizeof(*list->items))) {
        last = &list->items[list->count++];
        *last = (struct sr_id_state){.context = context, .counter = sq_col_int(q, 1)};
        *used_cap = 0;
    } else {
        free(context);
        return;
    }
    struct sr_int_list *used = &last->used_above;
    if (!sq_col_is_null(q, 2) &&
        sq_grow(q, (void **)&used->items, used_cap, used->count + 1, sizeof(*used->items)))
        used->items[used->count++] = sq_col_int(q, 2);
}

enum sr_err sq_id_states(struct sr_txn *t, struct sr_id_state_list *out, struct sr_error *err)
{
    struct sq_query q;
    enum sr_err rc = sq_query_start(&q, t, SQ_ID_STATES, err);
    if (rc)
        return rc;
    struct sr_id_state_list list = {0};
    size_t cap = 0, used_cap = 0;
    while (sq_row(&q))
        add_id_state_row(&q, &list, &cap, &used_cap);
    rc = sq_query_end(&q);
    if (rc) {
        sr_id_state_list_release(&list);
        return rc;
    }
    *out = list;
    return SR_OK;
}

enum sr_err sq_id_state_raise(struct sr_txn *t, const struct sr_id_state *state,
                              struct sr_error *err)
{
    enum sr_err rc =
        run_keyed(t, SQ_RAISE_COUNTER, state->context, state->counter, NULL, NULL, err);
    for (size_t i = 0; !rc && i < state->used_above.count; i++)
        rc =
            run_keyed(t, SQ_MARK_USED, state->context, state->used_above.items[i], NULL, NULL, err);
    return rc;
}

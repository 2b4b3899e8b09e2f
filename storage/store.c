/*
 * store.c - the public storage interface: argument checks common to every
 * backend, dispatch through the backend's ops, and the *_release helpers.
 */
#include "storage/store_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- release helpers ------------------------------------------------------------ */

void sr_version_rec_release(struct sr_version_rec *r)
{
    if (!r)
        return;
    free(r->subject);
    memset(r, 0, sizeof(*r));
}

void sr_subject_version_list_release(struct sr_subject_version_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].subject);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void sr_schema_rec_release(struct sr_schema_rec *r)
{
    if (!r)
        return;
    free(r->schema_type);
    free(r->schema);
    free(r->refs);
    free(r->metadata);
    free(r->ruleset);
    memset(r, 0, sizeof(*r));
}

void sr_int_list_release(struct sr_int_list *l)
{
    if (!l)
        return;
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void sr_str_list_release(struct sr_str_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void sr_config_rec_release(struct sr_config_rec *r)
{
    if (!r)
        return;
    free(r->compatibility);
    free(r->extra);
    r->compatibility = NULL;
    r->extra = NULL;
    r->normalize = -1;
}

/* ---- shared by backends ------------------------------------------------------------ */

/* FNV-1a: simple and good enough for an index whose hits are verified. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* A presence tag and the length before the bytes, so that NULL differs from
 * "" and no two field lists run together into the same byte stream. */
static uint64_t fnv_field(uint64_t h, const char *s)
{
    unsigned char present = s != NULL;
    h = fnv_bytes(h, &present, 1);
    if (!s)
        return h;
    uint64_t len = strlen(s);
    h = fnv_bytes(h, &len, sizeof(len));
    return fnv_bytes(h, s, (size_t)len);
}

uint64_t sr_store_schema_hash(const struct sr_schema_rec *rec)
{
    uint64_t h = FNV_OFFSET;
    h = fnv_field(h, rec->schema_type);
    h = fnv_field(h, rec->schema);
    h = fnv_field(h, rec->refs);
    h = fnv_field(h, rec->metadata);
    return fnv_field(h, rec->ruleset);
}

bool sr_store_grow(void **items, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return false;
        n *= 2;
    }
    if (n > SIZE_MAX / elem_size)
        return false;
    void *p = realloc(*items, n * elem_size);
    if (!p)
        return false;
    *items = p;
    *cap = n;
    return true;
}

/* ---- argument checks ------------------------------------------------------------------- */

enum access { READ, WRITE };

static enum sr_err usable(const struct sr_txn *t, enum access access, struct sr_error *err)
{
    if (!t)
        return sr_errorf(err, SR_ERR_INTERNAL, "storage: no transaction");
    if (access == WRITE && !t->write)
        return sr_errorf(err, SR_ERR_INTERNAL, "storage: write in a read-only transaction");
    return SR_OK;
}

static enum sr_err required(const void *p, const char *what, struct sr_error *err)
{
    if (!p)
        return sr_errorf(err, SR_ERR_INTERNAL, "storage: %s is required", what);
    return SR_OK;
}

static enum sr_err valid_filter(enum sr_deleted_filter filter, struct sr_error *err)
{
    if (filter != SR_LIVE_ONLY && filter != SR_WITH_DELETED && filter != SR_DELETED_ONLY)
        return sr_errorf(err, SR_ERR_INTERNAL, "storage: unknown deleted filter %d", (int)filter);
    return SR_OK;
}

/* A transaction of the right kind, and the subject the call is about. */
static enum sr_err with_subject(const struct sr_txn *t, enum access access, const char *subject,
                                struct sr_error *err)
{
    enum sr_err rc = usable(t, access, err);
    if (!rc)
        rc = required(subject, "subject", err);
    return rc;
}

/* A transaction of the right kind, and somewhere to put the answer. */
static enum sr_err with_out(const struct sr_txn *t, enum access access, const void *out,
                            struct sr_error *err)
{
    enum sr_err rc = usable(t, access, err);
    if (!rc)
        rc = required(out, "output", err);
    return rc;
}

/* ---- lifecycle ----------------------------------------------------------------------- */

void sr_store_close(struct sr_store *store)
{
    if (store)
        store->ops->close(store);
}

enum sr_err sr_store_begin(struct sr_store *store, bool write, struct sr_txn **out,
                           struct sr_error *err)
{
    enum sr_err rc = required(store, "store", err);
    if (!rc)
        rc = required(out, "output", err);
    if (rc)
        return rc;
    return store->ops->begin(store, write, out, err);
}

enum sr_err sr_txn_commit(struct sr_txn *t, struct sr_error *err)
{
    enum sr_err rc = usable(t, READ, err);
    if (rc)
        return rc;
    return t->store->ops->commit(t, err);
}

void sr_txn_rollback(struct sr_txn *t)
{
    if (t)
        t->store->ops->rollback(t);
}

/* ---- subjects and versions --------------------------------------------------------------- */

enum sr_err sr_txn_subjects(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                            struct sr_str_list *out, struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, out, err);
    if (!rc)
        rc = valid_filter(filter, err);
    if (rc)
        return rc;
    return t->store->ops->subjects(t, prefix ? prefix : "", filter, out, err);
}

enum sr_err sr_txn_versions(struct sr_txn *t, const char *subject, enum sr_deleted_filter filter,
                            struct sr_int_list *out, struct sr_error *err)
{
    enum sr_err rc = with_subject(t, READ, subject, err);
    if (!rc)
        rc = required(out, "output", err);
    if (!rc)
        rc = valid_filter(filter, err);
    if (rc)
        return rc;
    return t->store->ops->versions(t, subject, filter, out, err);
}

enum sr_err sr_txn_version_rows(struct sr_txn *t, const char *subject, struct sr_version_rec **out,
                                size_t *count_out, struct sr_error *err)
{
    enum sr_err rc = with_subject(t, READ, subject, err);
    if (!rc)
        rc = required(out, "output", err);
    if (!rc)
        rc = required(count_out, "count output", err);
    if (rc)
        return rc;
    return t->store->ops->version_rows(t, subject, out, count_out, err);
}

enum sr_err sr_txn_version_get(struct sr_txn *t, const char *subject, int32_t version,
                               bool include_deleted, struct sr_version_rec *out,
                               struct sr_error *err)
{
    enum sr_err rc = with_subject(t, READ, subject, err);
    if (!rc)
        rc = required(out, "output", err);
    if (rc)
        return rc;
    return t->store->ops->version_get(t, subject, version, include_deleted, out, err);
}

enum sr_err sr_txn_max_version(struct sr_txn *t, const char *subject, int32_t *out,
                               struct sr_error *err)
{
    enum sr_err rc = with_subject(t, READ, subject, err);
    if (!rc)
        rc = required(out, "output", err);
    if (rc)
        return rc;
    return t->store->ops->max_version(t, subject, out, err);
}

enum sr_err sr_txn_version_by_id(struct sr_txn *t, const char *subject, int64_t id,
                                 enum sr_deleted_filter filter, struct sr_version_rec *out,
                                 struct sr_error *err)
{
    enum sr_err rc = with_subject(t, READ, subject, err);
    if (!rc)
        rc = required(out, "output", err);
    if (!rc)
        rc = valid_filter(filter, err);
    if (rc)
        return rc;
    return t->store->ops->version_by_id(t, subject, id, filter, out, err);
}

enum sr_err sr_txn_version_insert(struct sr_txn *t, const char *subject, int32_t version,
                                  int64_t id, struct sr_error *err)
{
    enum sr_err rc = with_subject(t, WRITE, subject, err);
    if (rc)
        return rc;
    /* Version numbers start at 1 and -1 means "latest" to the readers;
     * schema id 0 means "none" to sr_txn_schema_find. */
    if (version < 1 || id < 1)
        return sr_errorf(err, SR_ERR_INTERNAL,
                         "storage: invalid version %d or schema id %lld for subject %s",
                         (int)version, (long long)id, subject);
    return t->store->ops->version_insert(t, subject, version, id, err);
}

enum sr_err sr_txn_version_set_deleted(struct sr_txn *t, const char *subject, int32_t version,
                                       bool deleted, struct sr_error *err)
{
    enum sr_err rc = with_subject(t, WRITE, subject, err);
    if (rc)
        return rc;
    return t->store->ops->version_set_deleted(t, subject, version, deleted, err);
}

enum sr_err sr_txn_version_remove(struct sr_txn *t, const char *subject, int32_t version,
                                  struct sr_error *err)
{
    enum sr_err rc = with_subject(t, WRITE, subject, err);
    if (rc)
        return rc;
    return t->store->ops->version_remove(t, subject, version, err);
}

enum sr_err sr_txn_versions_for_id(struct sr_txn *t, int64_t id, enum sr_deleted_filter filter,
                                   struct sr_subject_version_list *out, struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, out, err);
    if (!rc)
        rc = valid_filter(filter, err);
    if (rc)
        return rc;
    return t->store->ops->versions_for_id(t, id, filter, out, err);
}

/* ---- schemas ----------------------------------------------------------------------------- */

enum sr_err sr_txn_schema_get(struct sr_txn *t, int64_t id, struct sr_schema_rec *out,
                              struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, out, err);
    if (rc)
        return rc;
    return t->store->ops->schema_get(t, id, out, err);
}

enum sr_err sr_txn_schema_find(struct sr_txn *t, const struct sr_schema_rec *rec, int64_t *id_out,
                               struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, id_out, err);
    if (!rc)
        rc = required(rec, "schema record", err);
    if (!rc)
        rc = required(rec->schema, "schema text", err);
    if (rc)
        return rc;
    return t->store->ops->schema_find(t, rec, id_out, err);
}

enum sr_err sr_txn_next_id(struct sr_txn *t, int64_t *out, struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, out, err);
    if (rc)
        return rc;
    return t->store->ops->next_id(t, out, err);
}

enum sr_err sr_txn_max_id(struct sr_txn *t, int64_t *out, struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, out, err);
    if (rc)
        return rc;
    return t->store->ops->max_id(t, out, err);
}

static enum sr_err check_refs(const struct sr_ref *refs, size_t ref_count, struct sr_error *err)
{
    if (ref_count && !refs)
        return sr_errorf(err, SR_ERR_INTERNAL, "storage: %zu references but no array", ref_count);
    for (size_t i = 0; i < ref_count; i++)
        if (!refs[i].name || !refs[i].subject)
            return sr_errorf(err, SR_ERR_INTERNAL, "storage: reference %zu lacks name or subject",
                             i);
    return SR_OK;
}

enum sr_err sr_txn_schema_insert(struct sr_txn *t, const struct sr_schema_rec *rec,
                                 const struct sr_ref *refs, size_t ref_count, struct sr_error *err)
{
    enum sr_err rc = usable(t, WRITE, err);
    if (!rc)
        rc = required(rec, "schema record", err);
    if (!rc)
        rc = required(rec->schema, "schema text", err);
    if (!rc)
        rc = check_refs(refs, ref_count, err);
    if (rc)
        return rc;
    if (rec->id < 1) /* 0 means "none" to sr_txn_schema_find */
        return sr_errorf(err, SR_ERR_INTERNAL, "storage: invalid schema id %lld",
                         (long long)rec->id);
    return t->store->ops->schema_insert(t, rec, refs, ref_count, err);
}

enum sr_err sr_txn_schema_remove_if_unused(struct sr_txn *t, int64_t id, bool *removed_out,
                                           struct sr_error *err)
{
    enum sr_err rc = usable(t, WRITE, err);
    if (rc)
        return rc;
    return t->store->ops->schema_remove_if_unused(t, id, removed_out, err);
}

enum sr_err sr_txn_referenced_by(struct sr_txn *t, const char *subject, int32_t version,
                                 enum sr_deleted_filter filter, struct sr_int_list *out,
                                 struct sr_error *err)
{
    enum sr_err rc = with_subject(t, READ, subject, err);
    if (!rc)
        rc = required(out, "output", err);
    if (!rc)
        rc = valid_filter(filter, err);
    if (rc)
        return rc;
    return t->store->ops->referenced_by(t, subject, version, filter, out, err);
}

enum sr_err sr_txn_list_versions(struct sr_txn *t, const char *prefix,
                                 enum sr_deleted_filter filter, bool latest_only, int64_t offset,
                                 int64_t limit, struct sr_version_rec **out, size_t *count_out,
                                 struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, out, err);
    if (!rc)
        rc = required(count_out, "count output", err);
    if (!rc)
        rc = valid_filter(filter, err);
    if (rc)
        return rc;
    return t->store->ops->list_versions(t, prefix ? prefix : "", filter, latest_only,
                                        offset < 0 ? 0 : offset, limit < 0 ? -1 : limit, out,
                                        count_out, err);
}

/* ---- config and mode ------------------------------------------------------------------- */

enum sr_err sr_txn_config_get(struct sr_txn *t, const char *subject, struct sr_config_rec *out,
                              bool *found_out, struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, out, err);
    if (!rc)
        rc = required(found_out, "found output", err);
    if (rc)
        return rc;
    return t->store->ops->config_get(t, subject, out, found_out, err);
}

enum sr_err sr_txn_config_put(struct sr_txn *t, const char *subject,
                              const struct sr_config_rec *rec, struct sr_error *err)
{
    enum sr_err rc = usable(t, WRITE, err);
    if (!rc)
        rc = required(rec, "config record", err);
    if (rc)
        return rc;
    return t->store->ops->config_put(t, subject, rec, err);
}

enum sr_err sr_txn_config_delete(struct sr_txn *t, const char *subject, bool *found_out,
                                 struct sr_error *err)
{
    enum sr_err rc = usable(t, WRITE, err);
    if (rc)
        return rc;
    return t->store->ops->config_delete(t, subject, found_out, err);
}

enum sr_err sr_txn_mode_get(struct sr_txn *t, const char *subject, char **mode_out,
                            struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, mode_out, err);
    if (rc)
        return rc;
    return t->store->ops->mode_get(t, subject, mode_out, err);
}

enum sr_err sr_txn_mode_put(struct sr_txn *t, const char *subject, const char *mode,
                            struct sr_error *err)
{
    enum sr_err rc = usable(t, WRITE, err);
    if (!rc)
        rc = required(mode, "mode", err);
    if (rc)
        return rc;
    return t->store->ops->mode_put(t, subject, mode, err);
}

enum sr_err sr_txn_mode_delete(struct sr_txn *t, const char *subject, bool *found_out,
                               struct sr_error *err)
{
    enum sr_err rc = usable(t, WRITE, err);
    if (rc)
        return rc;
    return t->store->ops->mode_delete(t, subject, found_out, err);
}

/* ---- operations ---------------------------------------------------------------------------- */

enum sr_err sr_txn_counts(struct sr_txn *t, struct sr_store_counts *out, struct sr_error *err)
{
    enum sr_err rc = with_out(t, READ, out, err);
    if (rc)
        return rc;
    return t->store->ops->counts(t, out, err);
}

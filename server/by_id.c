/*
 * by_id.c - GET /schemas/ids/{id} bodies; see by_id.h.
 */
#include "server/by_id.h"

#include "common/buf.h"
#include "common/jout.h"
#include "server/id_lookup.h"

/* The body for a stored schema; NULL on OOM. */
static struct sr_body *build_body(const struct sr_schema_rec *rec)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_adds(&b, "{\"schema\":");
    sr_jout_cstring(&b, rec->schema);
    if (rec->refs) {
        sr_buf_adds(&b, ",\"references\":");
        sr_buf_adds(&b, rec->refs);
    }
    if (rec->metadata) {
        sr_buf_adds(&b, ",\"metadata\":");
        sr_buf_adds(&b, rec->metadata);
    }
    if (rec->ruleset) {
        sr_buf_adds(&b, ",\"ruleSet\":");
        sr_buf_adds(&b, rec->ruleset);
    }
    sr_buf_addc(&b, '}');
    struct sr_body *body = sr_buf_failed(&b) ? NULL : sr_body_new(b.data, b.len);
    sr_buf_release(&b);
    return body;
}

struct fetch {
    const char *context;
    int64_t id;
    struct sr_body *body;
    uint64_t stamp;
};

static enum sr_err fetch_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct fetch *f = arg;
    struct sr_schema_rec rec = {0};
    sr_body_unref(f->body); /* a retried run starts afresh */
    f->body = NULL;
    struct sr_error lookup = {0};
    enum sr_err rc = sr_txn_schema_get(t, f->context, f->id, &rec, &lookup);
    if (rc == SR_ERR_SCHEMA_NOT_FOUND)
        rc = sr_errorf(err, rc, "Schema %lld not found", (long long)f->id);
    else if (rc)
        rc = sr_errorf(err, rc, "%s", lookup.message);
    if (!rc && !(f->body = build_body(&rec)))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    f->stamp = sr_txn_marker(t, SR_CHANGE_SCHEMA_IDS);
    sr_schema_rec_release(&rec);
    return rc;
}

enum sr_err sr_by_id_body(struct sr_registry *r, const char *context, int64_t id,
                          struct sr_body **out, struct sr_error *err)
{
    struct sr_body *body = sr_registry_cached_body(r, context, id);
    if (body) {
        *out = body;
        return SR_OK;
    }
    struct fetch f = {context, id, NULL, 0};
    enum sr_err rc = sr_store_run(sr_registry_store(r), false, fetch_txn, &f, err);
    if (rc)
        return rc;
    sr_registry_cache_body(r, context, id, f.body, f.stamp);
    *out = f.body;
    return SR_OK;
}

/* ---- Confluent 8's SchemaString ------------------------------------------------------ */

struct fetch_string {
    struct sr_registry *r;
    int64_t id;
    struct sr_body *body;
    uint64_t stamp;
    bool live; /* the answer names a live version: it may be cached */
};

static enum sr_err fetch_string_txn(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct fetch_string *f = arg;
    struct sr_id_key key = {0};
    struct sr_buf b = SR_BUF_INIT;
    static const struct sr_string_opts plain = {false, NULL, false};
    sr_body_unref(f->body); /* a retried run starts afresh */
    f->body = NULL;
    f->stamp = sr_registry_strings_stamp(t);
    enum sr_err rc = sr_id_lookup_in(t, SR_DEFAULT_CONTEXT, f->id, &key, err);
    if (!rc)
        rc = sr_id_render(f->r, t, &key, &plain, &b, err);
    if (!rc && !(f->body = sr_body_new(b.data, b.len)))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    f->live = !rc && !key.row.deleted;
    sr_buf_release(&b);
    sr_id_key_release(&key);
    return rc;
}

enum sr_err sr_by_id_string(struct sr_registry *r, int64_t id, struct sr_body **out,
                            struct sr_error *err)
{
    struct sr_body *body = sr_registry_cached_string(r, id);
    if (body) {
        *out = body;
        return SR_OK;
    }
    struct fetch_string f = {r, id, NULL, 0, false};
    enum sr_err rc = sr_store_run(sr_registry_store(r), false, fetch_string_txn, &f, err);
    if (rc)
        return rc;
    if (f.live)
        sr_registry_cache_string(r, id, f.body, f.stamp);
    *out = f.body;
    return SR_OK;
}

/*
 * populate.c - Confluent's data-contract steps of a registration; see populate.h.
 */
#include "server/populate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "server/contracts.h"

#define CONFLUENT_VERSION "confluent:version"
#define CONFLUENT_RESERVED "confluent:reserved"

enum sr_err sr_populate_previous(struct sr_txn *t, const char *subject, struct sr_schema_rec *out,
                                 bool *found_out, struct sr_error *err)
{
    struct sr_version_rec v = {0};
    struct sr_error miss = {0};
    memset(out, 0, sizeof(*out));
    *found_out = false;
    enum sr_err rc = sr_txn_version_get(t, subject, -1, false, &v, &miss);
    if (rc == SR_ERR_VERSION_NOT_FOUND || rc == SR_ERR_SUBJECT_NOT_FOUND)
        return SR_OK;
    if (rc)
        return sr_errorf(err, rc, "%s", miss.message);
    rc = sr_txn_schema_get(t, v.context, v.id, out, err);
    *found_out = rc == SR_OK;
    sr_version_rec_release(&v);
    return rc;
}

static json_t *load(const char *text)
{
    return text ? json_loads(text, 0, NULL) : NULL;
}

/* Replaces *slot with v's canonical text (NULL for none); takes v. */
static enum sr_err store_text(char **slot, json_t *v, struct sr_error *err)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    bool oom = v && !text;
    json_decref(v);
    if (oom)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    free(*slot);
    *slot = text;
    return SR_OK;
}

typedef json_t *(*merge_fn)(const json_t *base, const json_t *over);

/* default < specific < override. */
static json_t *merge3(merge_fn merge, const json_t *def, const json_t *specific,
                      const json_t *override)
{
    json_t *first = merge(def, specific);
    json_t *all = merge(first, override);
    json_decref(first);
    return all;
}

enum sr_err sr_populate_contracts(const struct sr_effective_config *cfg, const char *request_md,
                                  const char *request_rs, const struct sr_schema_rec *prev,
                                  struct sr_schema_rec *rec, struct sr_error *err)
{
    json_t *md = load(request_md ? request_md : prev ? prev->metadata : NULL);
    json_t *rs = load(request_rs ? request_rs : prev ? prev->ruleset : NULL);
    json_t *merged_md =
        merge3(sr_contracts_merge_metadata, cfg->default_metadata, md, cfg->override_metadata);
    json_t *merged_rs =
        merge3(sr_contracts_merge_ruleset, cfg->default_ruleset, rs, cfg->override_ruleset);
    json_decref(md);
    json_decref(rs);
    enum sr_err rc = store_text(&rec->metadata, merged_md, err);
    if (rc)
        json_decref(merged_rs);
    else
        rc = store_text(&rec->ruleset, merged_rs, err);
    return rc;
}

enum sr_err sr_populate_version_property(struct sr_schema_rec *rec, int32_t version, bool asked,
                                         struct sr_error *err)
{
    json_t *md = load(rec->metadata);
    if (!asked && !sr_contracts_property(md, CONFLUENT_VERSION)) {
        json_decref(md);
        return SR_OK;
    }
    char number[16];
    snprintf(number, sizeof number, "%d", (int)version);
    json_t *with = sr_contracts_with_property(md, CONFLUENT_VERSION, number);
    json_decref(md);
    if (!with)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    return store_text(&rec->metadata, with, err);
}

/* ---- validateFields ------------------------------------------------------------------- */

/* The reserved field names of metadata text md: confluent:reserved split at
 * commas, each trimmed, empty ones dropped. A JSON array of strings. */
static json_t *reserved_of(const char *md_text)
{
    json_t *md = load(md_text), *names = json_array();
    const char *list = sr_contracts_property(md, CONFLUENT_RESERVED);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a)
            json_array_append_new(names, json_stringn(a, (size_t)(b - a)));
        p = comma ? comma + 1 : end;
    }
    json_decref(md);
    return names;
}

static bool has_name(const json_t *names, const char *name)
{
    for (size_t i = 0; i < json_array_size(names); i++)
        if (strcmp(json_string_value(json_array_get(names, i)), name) == 0)
            return true;
    return false;
}

/* Moves the text b holds to the end of msgs. */
static enum sr_err add_message(struct sr_strlist *msgs, struct sr_buf *b, struct sr_error *err)
{
    char *text = sr_buf_detach(b, NULL);
    char **items = text ? realloc(msgs->items, (msgs->count + 1) * sizeof(*items)) : NULL;
    if (!items) {
        free(text);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    msgs->items = items;
    msgs->items[msgs->count++] = text;
    return SR_OK;
}

enum sr_err sr_populate_reserved(const struct sr_schema *schema, const char *md,
                                 const char *const *prev_md, size_t n, struct sr_strlist *msgs,
                                 struct sr_error *err)
{
    json_t *mine = reserved_of(md);
    enum sr_err rc = SR_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *theirs = reserved_of(prev_md[i]);
        for (size_t k = 0; !rc && k < json_array_size(theirs); k++) {
            const char *name = json_string_value(json_array_get(theirs, k));
            if (has_name(mine, name))
                continue;
            struct sr_buf b = SR_BUF_INIT;
            sr_buf_addf(&b,
                        "The new schema has reserved field %s removed from its metadata which "
                        "is present in the old schema's metadata.",
                        name);
            rc = add_message(msgs, &b, err);
        }
        json_decref(theirs);
    }
    const struct sr_node *root = sr_schema_root(schema);
    for (size_t k = 0; !rc && root->type == SR_RECORD && k < json_array_size(mine); k++) {
        const char *name = json_string_value(json_array_get(mine, k));
        if (!sr_node_field(root, name))
            continue;
        struct sr_buf b = SR_BUF_INIT;
        sr_buf_addf(&b, "The new schema has field that conflicts with the reserved field %s.",
                    name);
        rc = add_message(msgs, &b, err);
    }
    json_decref(mine);
    return rc;
}

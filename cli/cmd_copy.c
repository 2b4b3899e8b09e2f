/*
 * cmd_copy.c - avroreg copy; see cmd_copy.h.
 *
 * The whole source is read in one read transaction (one snapshot) and the
 * whole target written in one write transaction, so the copy is all or
 * nothing. What it carries: every schema under its own id and context (its
 * references too), every version with its number, schema, registration time
 * and soft deletion, the global config and mode, and the config and mode of
 * every subject that has them, versions or not. Ids stay as they were, and
 * each context's id state comes along (sr_txn_id_states: its counter and the
 * ids used above it): the target hands out no id the source ever used, even
 * one whose schema was deleted for good.
 */
#include "cli/cmd_copy.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "storage/store.h"

void help_copy(void)
{
    puts("usage: avroreg copy --from DB --to DB\n"
         "\n"
         "Copies a registry's database into an empty one, keeping every id, version,\n"
         "soft delete, registration time, config and mode. DB is what the server's --db\n"
         "takes: a SQLite file (sqlite:PATH or a path) or postgresql://USER@HOST:PORT/DBNAME.\n"
         "Stop the server that owns a SQLite source first (it holds the file). The copy is\n"
         "one transaction: on any failure nothing of it stays in the target.\n"
         "\n"
         "  --from DB   the registry to copy (read only)\n"
         "  --to DB     the database to fill: no schema, version, config or mode in it\n"
         "\n"
         "exit codes: 0 copied, 2 usage or database error");
}

/* Everything read from the source. */
struct snapshot {
    struct sr_version_rec *versions;
    size_t version_count;
    struct sr_schema_rec *schemas; /* one per distinct (context, id) of the versions */
    char **schema_contexts;        /* borrowed from versions */
    size_t schema_count;
    struct sr_config_rec global_config;
    bool has_global_config;
    char *global_mode;
    size_t subject_count;          /* distinct subjects of the versions */
    struct sr_str_list settings;   /* subjects with a config or a mode */
    struct sr_config_rec *configs; /* per settings subject */
    bool *has_config;
    char **modes;
    struct sr_id_state_list ids; /* every context's id state */
};

static void snapshot_release(struct snapshot *s)
{
    for (size_t i = 0; i < s->version_count; i++)
        sr_version_rec_release(&s->versions[i]);
    free(s->versions);
    for (size_t i = 0; i < s->schema_count; i++)
        sr_schema_rec_release(&s->schemas[i]);
    free(s->schemas);
    free(s->schema_contexts);
    sr_config_rec_release(&s->global_config);
    free(s->global_mode);
    for (size_t i = 0; i < s->settings.count; i++) {
        if (s->configs)
            sr_config_rec_release(&s->configs[i]);
        if (s->modes)
            free(s->modes[i]);
    }
    free(s->configs);
    free(s->has_config);
    free(s->modes);
    sr_str_list_release(&s->settings);
    sr_id_state_list_release(&s->ids);
    memset(s, 0, sizeof(*s));
}

static enum sr_err nomem(struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
}

/* Orders versions by (context, id), for finding the distinct schemas. */
static int by_schema(const void *a, const void *b)
{
    const struct sr_version_rec *x = *(const struct sr_version_rec *const *)a;
    const struct sr_version_rec *y = *(const struct sr_version_rec *const *)b;
    int c = strcmp(x->context, y->context);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The distinct schemas the versions carry, in (context, id) order. */
static enum sr_err read_schemas(struct sr_txn *t, struct snapshot *s, struct sr_error *err)
{
    size_t n = s->version_count;
    const struct sr_version_rec **order = calloc(n + 1, sizeof(*order));
    s->schemas = calloc(n + 1, sizeof(*s->schemas));
    s->schema_contexts = calloc(n + 1, sizeof(*s->schema_contexts));
    enum sr_err rc = order && s->schemas && s->schema_contexts ? SR_OK : nomem(err);
    for (size_t i = 0; !rc && i < n; i++)
        order[i] = &s->versions[i];
    if (!rc)
        qsort(order, n, sizeof(*order), by_schema);
    for (size_t i = 0; !rc && i < n; i++) {
        if (i > 0 && by_schema(&order[i - 1], &order[i]) == 0)
            continue;
        rc = sr_txn_schema_get(t, order[i]->context, order[i]->id, &s->schemas[s->schema_count],
                               err);
        if (!rc)
            s->schema_contexts[s->schema_count++] = order[i]->context;
    }
    free(order);
    return rc;
}

/* The global config and mode, and those of every subject that has either. */
static enum sr_err read_settings(struct sr_txn *t, struct snapshot *s, struct sr_error *err)
{
    for (size_t i = 0; i < s->version_count; i++) /* sorted by subject */
        if (i == 0 || strcmp(s->versions[i - 1].subject, s->versions[i].subject) != 0)
            s->subject_count++;
    enum sr_err rc = sr_txn_setting_subjects(t, &s->settings, err);
    if (rc)
        return rc;
    size_t n = s->settings.count + 1;
    s->configs = calloc(n, sizeof(*s->configs));
    s->has_config = calloc(n, sizeof(*s->has_config));
    s->modes = calloc(n, sizeof(*s->modes));
    if (!s->configs || !s->has_config || !s->modes)
        return nomem(err);
    rc = sr_txn_config_get(t, NULL, &s->global_config, &s->has_global_config, err);
    if (!rc)
        rc = sr_txn_mode_get(t, NULL, &s->global_mode, err);
    for (size_t i = 0; !rc && i < s->settings.count; i++) {
        const char *subject = s->settings.items[i];
        rc = sr_txn_config_get(t, subject, &s->configs[i], &s->has_config[i], err);
        if (!rc)
            rc = sr_txn_mode_get(t, subject, &s->modes[i], err);
    }
    return rc;
}

static enum sr_err read_source(struct sr_store *store, struct snapshot *s, struct sr_error *err)
{
    struct sr_txn *t = NULL;
    enum sr_err rc = sr_store_begin(store, false, &t, err);
    if (rc)
        return rc;
    /* Sorted by subject, then version. */
    rc = sr_txn_list_versions(t, NULL, SR_WITH_DELETED, false, 0, -1, &s->versions,
                              &s->version_count, err);
    if (!rc)
        rc = read_schemas(t, s, err);
    if (!rc)
        rc = read_settings(t, s, err);
    if (!rc)
        rc = sr_txn_id_states(t, &s->ids, err);
    sr_txn_rollback(t);
    return rc;
}

/* The references of a stored schema, from its refs text ([{name, subject,
 * version}], as the registry stores them). */
static enum sr_err parse_refs(const struct sr_schema_rec *rec, struct sr_ref **out,
                              size_t *count_out, struct sr_error *err)
{
    *out = NULL;
    *count_out = 0;
    if (!rec->refs)
        return SR_OK;
    json_t *list = json_loads(rec->refs, 0, NULL);
    size_t n = json_array_size(list);
    struct sr_ref *refs = n ? calloc(n, sizeof(*refs)) : NULL;
    enum sr_err rc = SR_OK;
    if (!list || !json_is_array(list))
        rc = sr_errorf(err, SR_ERR_INTERNAL, "schema %lld: its references are not a JSON array",
                       (long long)rec->id);
    else if (n && !refs)
        rc = nomem(err);
    for (size_t i = 0; !rc && i < n; i++) {
        const char *name = NULL, *subject = NULL;
        json_int_t version = 0;
        if (json_unpack(json_array_get(list, i), "{s:s,s:s,s:I}", "name", &name, "subject",
                        &subject, "version", &version) != 0)
            rc = sr_errorf(err, SR_ERR_INTERNAL, "schema %lld: reference %zu is malformed",
                           (long long)rec->id, i);
        else if (!(refs[i].name = strdup(name)) || !(refs[i].subject = strdup(subject)))
            rc = nomem(err);
        else
            refs[i].version = (int32_t)version;
    }
    json_decref(list);
    if (rc) {
        for (size_t i = 0; refs && i < n; i++) {
            free(refs[i].name);
            free(refs[i].subject);
        }
        free(refs);
        return rc;
    }
    *out = refs;
    *count_out = n;
    return SR_OK;
}

static void refs_free(struct sr_ref *refs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(refs[i].name);
        free(refs[i].subject);
    }
    free(refs);
}

/* Whether the target holds nothing yet: no schema, no version, no config
 * and no mode (which the copy would otherwise mix with the source's). */
static enum sr_err target_empty(struct sr_txn *t, struct sr_error *err)
{
    struct sr_store_counts counts = {0};
    struct sr_str_list settings = {0};
    struct sr_config_rec config = {0};
    bool has_config = false;
    char *mode = NULL;
    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    enum sr_err rc = sr_txn_list_versions(t, NULL, SR_WITH_DELETED, false, 0, 1, &rows, &n, err);
    if (!rc)
        rc = sr_txn_counts(t, &counts, err);
    if (!rc)
        rc = sr_txn_setting_subjects(t, &settings, err);
    if (!rc)
        rc = sr_txn_config_get(t, NULL, &config, &has_config, err);
    if (!rc)
        rc = sr_txn_mode_get(t, NULL, &mode, err);
    if (!rc && (n > 0 || counts.schemas > 0 || settings.count > 0 || has_config || mode))
        rc = sr_errorf(err, SR_ERR_BAD_REQUEST,
                       "the target already holds a registry (%lld schemas, %zu subjects with "
                       "settings%s); copy into an empty database",
                       (long long)counts.schemas, settings.count,
                       has_config || mode ? ", global settings" : "");
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&rows[i]);
    free(rows);
    sr_str_list_release(&settings);
    sr_config_rec_release(&config);
    free(mode);
    return rc;
}

static enum sr_err write_settings(struct sr_txn *t, const struct snapshot *s, struct sr_error *err)
{
    enum sr_err rc = SR_OK;
    if (s->has_global_config)
        rc = sr_txn_config_put(t, NULL, &s->global_config, err);
    if (!rc && s->global_mode)
        rc = sr_txn_mode_put(t, NULL, s->global_mode, err);
    for (size_t i = 0; !rc && i < s->settings.count; i++) {
        if (s->has_config[i])
            rc = sr_txn_config_put(t, s->settings.items[i], &s->configs[i], err);
        if (!rc && s->modes[i])
            rc = sr_txn_mode_put(t, s->settings.items[i], s->modes[i], err);
    }
    return rc;
}

/* Whether the snapshot holds a schema with id in context. Schemas are in
 * (context, id) order. */
static bool copied(const struct snapshot *s, const char *context, int64_t id)
{
    size_t lo = 0, hi = s->schema_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->schema_contexts[mid], context);
        if (c == 0)
            c = (s->schemas[mid].id > id) - (s->schemas[mid].id < id);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Carries each context's id state, so that the target hands out no id the
 * source ever used. The copied schemas marked their ids used already: only
 * the others are marked again (an imported id whose schema is gone). */
static enum sr_err raise_ids(struct sr_txn *t, const struct snapshot *s, struct sr_error *err)
{
    enum sr_err rc = SR_OK;
    for (size_t i = 0; !rc && i < s->ids.count; i++) {
        const struct sr_id_state *from = &s->ids.items[i];
        struct sr_id_state gone = {.context = from->context, .counter = from->counter};
        size_t n = from->used_above.count;
        gone.used_above.items = n ? malloc(n * sizeof(*gone.used_above.items)) : NULL;
        if (n && !gone.used_above.items)
            return nomem(err);
        for (size_t k = 0; k < n; k++)
            if (!copied(s, from->context, from->used_above.items[k]))
                gone.used_above.items[gone.used_above.count++] = from->used_above.items[k];
        rc = sr_txn_id_state_raise(t, &gone, err);
        free(gone.used_above.items);
    }
    return rc;
}

static enum sr_err write_target(struct sr_txn *t, void *arg, struct sr_error *err)
{
    const struct snapshot *s = arg;
    enum sr_err rc = target_empty(t, err);
    for (size_t i = 0; !rc && i < s->schema_count; i++) {
        struct sr_ref *refs = NULL;
        size_t n = 0;
        rc = parse_refs(&s->schemas[i], &refs, &n, err);
        if (!rc)
            rc = sr_txn_schema_insert(t, s->schema_contexts[i], &s->schemas[i], refs, n, err);
        refs_free(refs, n);
    }
    for (size_t i = 0; !rc && i < s->version_count; i++) {
        const struct sr_version_rec *v = &s->versions[i];
        rc = sr_txn_version_insert(t, v->subject, v->version, v->context, v->id, v->ts, err);
        if (!rc && v->deleted)
            rc = sr_txn_version_set_deleted(t, v->subject, v->version, true, err);
    }
    if (!rc)
        rc = raise_ids(t, s, err);
    return rc ? rc : write_settings(t, s, err);
}

static struct sr_store *open_store(const char *spec, const char *role, bool must_exist)
{
    struct sr_store *store = NULL;
    struct sr_error err = {0};
    /* Opening a SQLite path creates the file: a source must be there already. */
    const char *path = strncmp(spec, "sqlite:", 7) == 0 ? spec + 7 : spec;
    if (must_exist && !sr_store_spec_is_postgres(spec) && access(path, F_OK) != 0) {
        fprintf(stderr, "avroreg copy: %s %s: %s\n", role, path, strerror(errno));
        return NULL;
    }
    struct sr_store_options opts = {.connections = 2};
    if (sr_store_open(spec, &opts, &store, &err) != SR_OK) {
        char shown[1024];
        sr_store_spec_redact(spec, shown, sizeof(shown));
        fprintf(stderr, "avroreg copy: %s %s: %s\n", role, shown, err.message);
        return NULL;
    }
    return store;
}

int cmd_copy(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    const char *from = NULL, *to = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'f')
            from = optarg;
        else if (c == 't')
            to = optarg;
        else
            return help_copy(), CLI_USAGE;
    }
    if (optind != argc || !from || !to || !*from || !*to)
        return help_copy(), CLI_USAGE;
    struct sr_store *source = open_store(from, "opening the source", true);
    struct sr_store *target = source ? open_store(to, "opening the target", false) : NULL;
    struct snapshot s = {0};
    struct sr_error err = {0};
    int status = CLI_USAGE;
    if (target && read_source(source, &s, &err) != SR_OK)
        fprintf(stderr, "avroreg copy: reading the source: %s\n", err.message);
    else if (target && sr_store_run(target, true, write_target, &s, &err) != SR_OK)
        fprintf(stderr, "avroreg copy: writing the target (nothing was kept): %s\n", err.message);
    else if (target)
        status = CLI_OK;
    if (status == CLI_OK) {
        size_t deleted = 0, configs = s.has_global_config, modes = s.global_mode != NULL;
        for (size_t i = 0; i < s.version_count; i++)
            deleted += s.versions[i].deleted;
        for (size_t i = 0; i < s.settings.count; i++) {
            configs += s.has_config[i];
            modes += s.modes[i] != NULL;
        }
        printf("copied %zu schemas, %zu versions (%zu soft-deleted) of %zu subjects, %zu configs "
               "and %zu modes (the global ones included)\n",
               s.schema_count, s.version_count, deleted, s.subject_count, configs, modes);
    }
    snapshot_release(&s);
    sr_store_close(target);
    sr_store_close(source);
    return status;
}

/*
 * migrate_int.h - what the migration files of client/ share. Not installed.
 *
 * Files: snapshot.c (the snapshot model: building, sealing, lookups,
 * comparing schemas), snapshot_format.c (the export format), snapshot_fetch.c
 * (reading a registry over REST), snapshot_import.c (plan and run an import),
 * snapshot_verify.c, schemas_log.c (the _schemas replay), migrate_util.c
 * (requests, problem lists, progress, worker threads).
 *
 * A snapshot is built by appending (ar_snap_add_schema, ar_snap_subject,
 * ar_subject_add_version) and then sealed (ar_snap_seal): sorted, checked
 * and deduplicated. Lookups (ar_snap_schema, ar_snap_find_subject,
 * ar_subject_version) need a sealed snapshot; a sealed snapshot is read-only
 * and may be shared by threads.
 */
#ifndef AVROREG_CLIENT_MIGRATE_INT_H
#define AVROREG_CLIENT_MIGRATE_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "client/client_int.h"
#include "common/strmap.h"
#include "include/avroreg_migrate.h"

/* Reads keep the tool's CPU busy, so more of them in flight than this only
 * contend; a registration mostly waits for its commit, and a registry that
 * batches commits (group commit) shares one among all that arrive together. */
#define AR_DEFAULT_READ_CONCURRENCY 8
#define AR_DEFAULT_WRITE_CONCURRENCY 32
#define AR_MAX_CONCURRENCY 64
#define AR_MAX_REFERENCE_DEPTH 32

/* One schema id. */
struct ar_schema_ent {
    int32_t id;
    char *type;       /* "AVRO", "JSON", "PROTOBUF", ...; never NULL */
    char *text;       /* the schema as the registry returns it */
    json_t *refs;     /* array of {name, subject, version}, or NULL for none */
    json_t *metadata; /* object or NULL */
    json_t *ruleset;  /* object or NULL */
};

struct ar_version_ent {
    int32_t version;
    int32_t id;
    bool deleted; /* soft-deleted */
};

struct ar_subject_ent {
    char *name;
    char *compat;  /* subject-level compatibilityLevel, or NULL when unset */
    int normalize; /* subject-level normalize: -1 unset, 0, 1 */
    char *mode;    /* subject-level mode, or NULL when unset */
    struct ar_version_ent *versions;
    size_t version_count, version_cap;
};

struct avroreg_snapshot {
    char *compat;  /* global compatibilityLevel, or NULL when unknown */
    int normalize; /* global normalize: -1 unset */
    char *mode;    /* global mode, or NULL when unknown */
    struct ar_schema_ent *schemas;
    size_t schema_count, schema_cap;
    struct ar_subject_ent *subjects;
    size_t subject_count, subject_cap;
    struct sr_strmap names; /* while building: name -> subject index + 1 */
    bool no_listing;        /* fetched without a GET /schemas listing */
    size_t one_by_one;      /* subjects fetched version by version */
    bool sealed;
};

/* ---- snapshot.c ------------------------------------------------------------------ */

struct avroreg_snapshot *ar_snap_new(void);
/* Appends a schema, taking ownership of what ent points to (ent is zeroed). */
enum avroreg_err ar_snap_add_schema(struct avroreg_snapshot *snap, struct ar_schema_ent *ent,
                                    struct avroreg_error *err);
/* The subject named name; created (with no settings) when create is set.
 * NULL when missing or on OOM. Building only. */
struct ar_subject_ent *ar_snap_subject(struct avroreg_snapshot *snap, const char *name,
                                       bool create);
enum avroreg_err ar_subject_add_version(struct ar_subject_ent *subject, int32_t version, int32_t id,
                                        bool deleted, struct avroreg_error *err);
/* Sorts schemas by id, subjects by name (bytes) and versions by number. A
 * repeated id with the same content is dropped; with other content, or a
 * repeated version, is AVROREG_ERR_FORMAT. */
enum avroreg_err ar_snap_seal(struct avroreg_snapshot *snap, struct avroreg_error *err);

const struct ar_schema_ent *ar_snap_schema(const struct avroreg_snapshot *snap, int32_t id);
const struct ar_subject_ent *ar_snap_find_subject(const struct avroreg_snapshot *snap,
                                                  const char *name);
const struct ar_version_ent *ar_subject_version(const struct ar_subject_ent *subject,
                                                int32_t version);
/* The highest live version, or NULL. */
const struct ar_version_ent *ar_subject_latest(const struct ar_subject_ent *subject);

/* Reads the schema fields of an API entity or a log value: "schema"
 * (required), "schemaType" (default AVRO), "references", "metadata",
 * "ruleSet". Errors: AVROREG_ERR_FORMAT naming what is wrong. */
enum avroreg_err ar_schema_ent_read(const json_t *obj, int32_t id, struct ar_schema_ent *out,
                                    struct avroreg_error *err);
void ar_schema_ent_release(struct ar_schema_ent *ent);
/* Each reference of ent as (subject, version); false when malformed. */
bool ar_ref_at(const struct ar_schema_ent *ent, size_t i, const char **subject, int32_t *version);

bool ar_json_same(const json_t *a, const json_t *b);
bool ar_str_same(const char *a, const char *b);
/* Whether a (of snapshot sa) and b (of sb) are the same schema: the same type,
 * references, metadata and ruleSet, and the same text or, for Avro, the same
 * canonical text with the references resolved in each snapshot. */
bool ar_schema_same(const struct avroreg_snapshot *sa, const struct ar_schema_ent *a,
                    const struct avroreg_snapshot *sb, const struct ar_schema_ent *b);

/* ---- migrate_util.c ------------------------------------------------------------------ */

/* A bounded list of problem lines, safe to add to from several threads. */
struct ar_problems {
    pthread_mutex_t lock;
    char **items;
    size_t count, omitted;
};

void ar_problems_init(struct ar_problems *p);
void ar_problems_add(struct ar_problems *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the lines over (the list is left empty) and releases the lock. */
void ar_problems_take(struct ar_problems *p, char ***items, size_t *count, size_t *omitted);
void ar_problems_release(struct ar_problems *p);
void ar_strings_free(char **items, size_t count);

struct ar_progress {
    avroreg_progress_fn fn;
    void *user;
    enum avroreg_phase phase;
    pthread_mutex_t lock;
    size_t done, total;
};

void ar_progress_init(struct ar_progress *p, const struct avroreg_transfer_options *o,
                      enum avroreg_phase phase, size_t total);
void ar_progress_grow(struct ar_progress *p, size_t more);
void ar_progress_step(struct ar_progress *p, size_t steps);
void ar_progress_release(struct ar_progress *p);

/* The options' concurrency, clamped to 1..AR_MAX_CONCURRENCY (0: the default
 * for reads, or for writes when writes is true). */
int ar_concurrency(const struct avroreg_transfer_options *o, bool writes);
/* Runs fn(ctx) in n threads (the caller's among them) and waits for all. When
 * threads cannot be made, fewer run it. */
void ar_workers_run(int n, void (*fn)(void *ctx), void *ctx);

/* A request whose 2xx answer must be JSON: *doc_out gets it, or NULL for a
 * non-2xx answer (then *status_out says which; *error_out, when not NULL,
 * gets the answer's error_code and message). Errors: AVROREG_ERR_HTTP
 * (transport, or a 2xx answer that is not JSON), AVROREG_ERR_NOMEM. */
enum avroreg_err ar_call(struct avroreg_client *client, const char *method, const char *path,
                         const char *body, long *status_out, json_t **doc_out,
                         struct avroreg_error *error_out, struct avroreg_error *err);
/* Fills err from a non-2xx answer of what (e.g. "GET /config"):
 * AVROREG_ERR_REGISTRY with its error_code, status and message. */
enum avroreg_err ar_answer_error(struct avroreg_error *err, const char *what, long status,
                                 const struct avroreg_error *answer);
/* "/prefix/<subject percent-encoded><suffix>"; NULL on OOM. Caller frees. */
char *ar_subject_path(const char *prefix, const char *subject, const char *suffix);

/* ---- snapshot_fetch.c --------------------------------------------------------------- */

/* The state of the registry: everything (subjects NULL), or only the named
 * subjects and the global settings. With progress (not NULL) the requests
 * are counted there. */
enum avroreg_err ar_fetch(struct avroreg_client *client, const struct avroreg_transfer_options *o,
                          const char *const *subjects, size_t subject_count,
                          struct ar_progress *progress, struct avroreg_snapshot **out,
                          struct avroreg_error *err);

#endif

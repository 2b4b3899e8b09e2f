/*
 * avroreg_migrate.h - libavroreg: moving a registry's contents with ids kept.
 *
 *   - a snapshot is a registry's whole state: every schema id (text, type,
 *     references, metadata, ruleSet), every subject's versions (soft-deleted
 *     ones too, gaps left by permanent deletes kept), the global and
 *     per-subject compatibility level and mode;
 *   - avroreg_snapshot_fetch() reads one from any registry that speaks
 *     Confluent's REST API; avroreg_snapshot_to_text() and
 *     avroreg_snapshot_parse() write and read the export format
 *     (docs/export-format.md: JSON lines, sorted, so that the same registry
 *     always exports to the same bytes);
 *   - avroreg_snapshot_import() makes a registry hold a snapshot: explicit ids
 *     and versions in IMPORT mode, references before their referrers, soft
 *     deletes and settings restored; what is already there is left alone, so
 *     a second run changes nothing and a run that stopped resumes;
 *   - avroreg_snapshot_verify() checks a registry against a snapshot;
 *   - struct avroreg_schemas_log replays a Confluent or Karapace `_schemas`
 *     topic (the records themselves; reading Kafka is the caller's).
 *
 * Same conventions as avroreg.h. Everything here talks to registries through
 * a struct avroreg_client, in several requests at once (options.concurrency);
 * a progress callback, when given, is called from those worker threads, one
 * call at a time. Nothing prints.
 */
#ifndef AVROREG_MIGRATE_H
#define AVROREG_MIGRATE_H

#include "avroreg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The export format this library writes, and the newest it reads. */
#define AVROREG_EXPORT_FORMAT_VERSION 1

/* Stored problem lines per report; more are only counted. */
#define AVROREG_MAX_PROBLEMS 1000

/* ---- snapshots ----------------------------------------------------------------- */

struct avroreg_snapshot;

struct avroreg_snapshot_stats {
    size_t schemas;          /* distinct ids */
    size_t subjects;         /* including subjects with only settings */
    size_t versions;         /* subject-versions, soft-deleted ones included */
    size_t deleted_versions; /* of which soft-deleted */
    /* How avroreg_snapshot_fetch() read it (false and 0 for other snapshots): */
    bool no_listing;   /* the registry had no usable GET /schemas listing */
    size_t one_by_one; /* subjects whose versions were read subject by subject */
};

void avroreg_snapshot_free(struct avroreg_snapshot *snap);
void avroreg_snapshot_stats(const struct avroreg_snapshot *snap,
                            struct avroreg_snapshot_stats *out);
/* The global mode the snapshot records, or NULL when it has none (a
 * _schemas log that never set it). Borrowed. */
const char *avroreg_snapshot_mode(const struct avroreg_snapshot *snap);

enum avroreg_phase {
    AVROREG_PHASE_EXPORT, /* reading a registry (a source, or a target before an import) */
    AVROREG_PHASE_IMPORT, /* writing the planned changes */
    AVROREG_PHASE_VERIFY, /* checking ids and subjects */
};

/* done of total steps of phase. Steps are requests (fetch, verify) or planned
 * changes (import); total may grow while a fetch discovers pages. */
typedef void (*avroreg_progress_fn)(enum avroreg_phase phase, size_t done, size_t total,
                                    void *user);

struct avroreg_transfer_options {
    int concurrency; /* requests in flight; 0: 32 for imports, 8 for reads; at most 64 */
    avroreg_progress_fn progress; /* may be NULL */
    void *progress_user;
};

/* Reads the whole state of the registry behind client: GET /config, /mode,
 * /subjects?deleted=true, then every subject-version with its schema (in
 * pages of GET /schemas when the registry offers it, else subject by subject)
 * and each subject's own config and mode (avroreg_snapshot_stats() tells
 * which way it went). A registry that takes writes meanwhile yields a mix of
 * before and after: verify afterwards.
 * options may be NULL. Caller frees *out with avroreg_snapshot_free().
 * Errors: AVROREG_ERR_HTTP (unreachable, or an answer that is not what the
 * API promises), AVROREG_ERR_REGISTRY (an error answer, with its code),
 * AVROREG_ERR_FORMAT (the registry answered two different schemas for one
 * id), AVROREG_ERR_NOMEM. */
enum avroreg_err avroreg_snapshot_fetch(struct avroreg_client *client,
                                        const struct avroreg_transfer_options *options,
                                        struct avroreg_snapshot **out, struct avroreg_error *err);

/* Receives the export's bytes, a line at a time; returns 0, or non-zero to
 * stop the writing (a full disk). */
typedef int (*avroreg_write_fn)(const char *data, size_t len, void *user);

/* Writes the snapshot in the export format to sink: JSON lines, everything
 * sorted, so that equal snapshots give equal bytes; a line at a time, so that
 * a large registry needs no buffer of its size. Errors: AVROREG_ERR_IO when
 * the sink returned non-zero, AVROREG_ERR_NOMEM. */
enum avroreg_err avroreg_snapshot_write(const struct avroreg_snapshot *snap, avroreg_write_fn sink,
                                        void *user, struct avroreg_error *err);

/* The same as one string. Caller frees *text_out (avroreg_free). */
enum avroreg_err avroreg_snapshot_to_text(const struct avroreg_snapshot *snap, char **text_out,
                                          size_t *len_out, struct avroreg_error *err);

/* Reads an export. Errors: AVROREG_ERR_FORMAT with the line and the reason:
 * not an export, a newer format version, a line that is not JSON or lacks a
 * field, a duplicate id or version, a version whose id has no schema line, a
 * missing or wrong end line (a truncated file). Nothing is half-read: on
 * error *out is untouched. */
enum avroreg_err avroreg_snapshot_parse(const char *text, size_t len, struct avroreg_snapshot **out,
                                        struct avroreg_error *err);

/* ---- import ----------------------------------------------------------------------- */

struct avroreg_import_options {
    struct avroreg_transfer_options transfer;
    bool dry_run;        /* plan and report; change nothing */
    bool skip_conflicts; /* import around conflicts (they and what references them are
                            refused) instead of refusing the whole import */
    /* Only these subjects (NULL: every subject of the snapshot). The global
     * settings are always included. */
    const char *const *subjects;
    size_t subject_count;
    /* Also take away from the target what these subjects hold and the snapshot
     * does not (versions, by soft then permanent delete; settings). Off, an
     * import only adds. */
    bool mirror;
    /* The global mode to leave the target in on success; NULL: the snapshot's
     * global mode, or the target's own when the snapshot has none. */
    const char *final_mode;
};

struct avroreg_import_report {
    size_t planned;         /* changes the plan held (each below counts once) */
    size_t registered;      /* versions registered with their id */
    size_t deleted;         /* versions soft-deleted */
    size_t removed;         /* versions permanently deleted (mirror) */
    size_t settings;        /* config and mode changes */
    size_t unchanged;       /* versions already on the target as the snapshot has them */
    size_t conflicts;       /* versions the target holds otherwise: not imported */
    size_t refused;         /* changes the target refused, or that depend on a refused one */
    size_t not_done;        /* changes never attempted because the import stopped */
    bool stopped;           /* a request failed outright and the import stopped there */
    char original_mode[32]; /* the target's global mode before */
    char final_mode[32];    /* the target's global mode after */
    char **problems;        /* one line each: conflicts, refusals, where it stopped */
    size_t problem_count;
    size_t problems_omitted; /* beyond AVROREG_MAX_PROBLEMS */
};

void avroreg_import_report_release(struct avroreg_import_report *report);

/*
 * Makes the registry behind target hold snap, keeping every id and version.
 * Reads the target's state first (the subjects concerned and the global
 * settings) and plans only what differs; an empty plan changes nothing at all.
 * Otherwise the target goes to IMPORT mode (PUT /mode?force=true; a subject
 * with a mode of its own that would refuse the writes goes to IMPORT too), the
 * changes run in parallel in an order that registers each referenced version
 * before its referrers and keeps each subject's changes in version order, the
 * settings follow, and the modes are set to the snapshot's (or back to what
 * they were, when the import stopped).
 *
 * A conflict is a version the target holds with another id, a soft-deleted
 * version the snapshot has live (no registry can undelete), or an id the
 * target holds with a different schema: each is named in the report; unless
 * skip_conflicts, nothing is written. options may be NULL. *report is filled
 * in every case (release it with avroreg_import_report_release()).
 * Returns AVROREG_OK when everything planned was done; AVROREG_ERR_CONFLICT
 * when there were conflicts or refusals; AVROREG_ERR_HTTP or
 * AVROREG_ERR_REGISTRY when the import stopped (report->stopped; the report
 * says where, and running the import again resumes); AVROREG_ERR_ARG,
 * AVROREG_ERR_NOMEM.
 */
enum avroreg_err avroreg_snapshot_import(const struct avroreg_snapshot *snap,
                                         struct avroreg_client *target,
                                         const struct avroreg_import_options *options,
                                         struct avroreg_import_report *report,
                                         struct avroreg_error *err);

/* ---- verification ----------------------------------------------------------------------- */

struct avroreg_verify_report {
    size_t ids;          /* ids checked (GET /schemas/ids/{id} on the target) */
    size_t ids_bad;      /* missing, or another schema */
    size_t subjects;     /* subjects checked */
    size_t subjects_bad; /* other versions, ids, deleted flags or settings */
    bool settings_bad;   /* the global config or mode differs */
    char **problems;
    size_t problem_count;
    size_t problems_omitted;
};

void avroreg_verify_report_release(struct avroreg_verify_report *report);

/* Checks that every id of source resolves on target to the same schema (the
 * same canonical text, type, references, metadata and ruleSet), and that
 * every subject of source has the same versions there, with the same ids,
 * deleted flags and settings. Subjects the target has beyond the snapshot's
 * are not looked at. Returns AVROREG_OK when all agree, AVROREG_ERR_CONFLICT
 * when something differs (listed in *report), or the fetch's errors. */
enum avroreg_err avroreg_snapshot_verify(const struct avroreg_snapshot *source,
                                         struct avroreg_client *target,
                                         const struct avroreg_transfer_options *options,
                                         struct avroreg_verify_report *report,
                                         struct avroreg_error *err);

/* ---- the _schemas log ------------------------------------------------------------------ */

/*
 * Confluent's registry (and Karapace) keep their state in a compacted Kafka
 * topic, `_schemas`, as JSON keys and values: SCHEMA (a subject-version; a
 * null value is a permanent delete), CONFIG and MODE (of a subject, or global
 * when the key has no subject; null removes), DELETE_SUBJECT (soft-deletes
 * versions 1..version), CLEAR_SUBJECT (drops a subject's soft-deleted
 * versions), NOOP and CONTEXT (no state). A struct avroreg_schemas_log applies
 * them in offset order, with Confluent's meaning, to a model of the registry.
 */
struct avroreg_schemas_log;

enum avroreg_log_outcome {
    AVROREG_LOG_APPLIED,  /* the record changed (or restated) the state */
    AVROREG_LOG_IGNORED,  /* a record that carries no state (NOOP, CONTEXT, a tombstone of
                             DELETE_SUBJECT or CLEAR_SUBJECT) */
    AVROREG_LOG_REJECTED, /* a well-formed record that is not applied: a SCHEMA whose id
                             already holds another schema (Confluent skips it too), or a
                             subject outside the default context; err says why */
};

enum avroreg_err avroreg_schemas_log_new(struct avroreg_schemas_log **out,
                                         struct avroreg_error *err);
void avroreg_schemas_log_free(struct avroreg_schemas_log *log);

/* Applies one record: key[0..key_len) and value[0..value_len) (value NULL: a
 * tombstone). Errors: AVROREG_ERR_FORMAT when the record is not one of
 * Confluent's (not JSON, an unknown keytype, a missing or mistyped field, a
 * SCHEMA key with a magic byte other than 0 or 1); the state is then
 * unchanged. *outcome_out is set on success. */
enum avroreg_err avroreg_schemas_log_apply(struct avroreg_schemas_log *log, const void *key,
                                           size_t key_len, const void *value, size_t value_len,
                                           enum avroreg_log_outcome *outcome_out,
                                           struct avroreg_error *err);

/* The state so far as a snapshot (global settings absent when the log set
 * none). Errors: AVROREG_ERR_FORMAT when one id is carried with different
 * references or metadata, AVROREG_ERR_NOMEM. */
enum avroreg_err avroreg_schemas_log_snapshot(const struct avroreg_schemas_log *log,
                                              struct avroreg_snapshot **out,
                                              struct avroreg_error *err);

/* The subjects touched since the last call (sorted; caller frees each and the
 * array with avroreg_free()), and whether the global settings were. */
enum avroreg_err avroreg_schemas_log_take_changes(struct avroreg_schemas_log *log,
                                                  char ***subjects_out, size_t *count_out,
                                                  bool *global_out, struct avroreg_error *err);

#ifdef __cplusplus
}
#endif

#endif

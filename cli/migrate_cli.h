/*
 * migrate_cli.h - what export, import, migrate and backup share: a
 * registry connection given by flags (one side, or --from-/--to- sides),
 * the progress display, and the reports.
 */
#ifndef SR_CLI_MIGRATE_CLI_H
#define SR_CLI_MIGRATE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "include/avroreg.h"
#include "include/avroreg_migrate.h"

/* One registry: URL, basic auth and TLS settings. */
struct cli_conn {
    const char *url;
    const char *user;
    const char *password;
    const char *ca_file;
    bool insecure;
};

/* Long-option codes of a side's flags: base + CONN_URL .. base + CONN_INSECURE. */
enum { CONN_URL, CONN_USER, CONN_PASSWORD, CONN_CA_FILE, CONN_INSECURE, CONN_FLAGS };

/* Handles the flag code - base of a side; false when code is not one. */
bool cli_conn_flag(struct cli_conn *c, int code, int base, const char *arg);
/* Fills what the flags left unset from the environment: prefix "REGISTRY"
 * reads $AVROREG_REGISTRY_URL, _USER and _PASSWORD. The URL defaults to
 * http://localhost:8081 when default_url is set, else stays NULL. */
void cli_conn_env(struct cli_conn *c, const char *prefix, bool default_url);
/* A client for c; prints the reason and returns CLI_USAGE on failure. */
int cli_conn_client(const struct cli_conn *c, struct avroreg_client **out);
/* The URL without user:password@, for messages. Static storage. */
const char *cli_conn_display(const struct cli_conn *c);

/* The help lines of a side's flags ("--registry URL" ... or "--from URL" ...). */
void cli_conn_help(FILE *out, const char *url_flag, const char *prefix, const char *env);

/* --concurrency N: 1..64; false when arg is not such a number. */
bool cli_parse_concurrency(const char *arg, int *out);

/* ---- progress ---------------------------------------------------------------------------- */

/* A bar redrawn in place on a terminal (stderr), a plain line every few
 * seconds otherwise; nothing when quiet. */
struct cli_progress;

struct cli_progress *cli_progress_new(bool quiet);
/* The callback to put in struct avroreg_transfer_options (user: the progress). */
void cli_progress_report(enum avroreg_phase phase, size_t done, size_t total, void *user);
/* Ends the current line, with the phase's final figures. */
void cli_progress_end(struct cli_progress *p);
void cli_progress_free(struct cli_progress *p);

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
double cli_now(void);

/* ---- reports ------------------------------------------------------------------------------- */

/* Prints an import's outcome (what was done, the problems, how to resume)
 * to stderr and returns the exit code: 0 all done, 1 conflicts or refusals,
 * 2 stopped. what: "import" or "migrate". verbose: every problem line. */
int cli_import_outcome(const char *what, enum avroreg_err rc, const struct avroreg_error *err,
                       const struct avroreg_import_report *r, bool verbose);
/* Prints a verification's outcome; 0 when everything matches, 1 when not,
 * 2 when it could not run. */
int cli_verify_outcome(enum avroreg_err rc, const struct avroreg_error *err,
                       const struct avroreg_verify_report *r, bool verbose);
/* Prints a library error for a fetch or a file ("avroreg: ...") and returns
 * CLI_USAGE (unreachable, unreadable, malformed input). */
int cli_fail(const char *what, const struct avroreg_error *err);

/* Writes snap in the export format to path through a temporary file that
 * is synced and renamed into place (so that path is never half-written), or
 * to stdout when path is NULL or "-". Prints the reason and returns
 * CLI_USAGE on failure. */
int cli_write_snapshot(const char *path, const struct avroreg_snapshot *snap);

/* Prints "<who>: ..." when the fetch fell back to reading subject by subject
 * (a source without GET /schemas, or a listing that lacked subjects). */
void cli_fetch_note(const char *who, const struct avroreg_snapshot_stats *st);

#endif

/*
 * import_cli.h - avroreg import's two sources (an export file in
 * cmd_import.c, a _schemas topic in cmd_import_kafka.c) and what they share.
 */
#ifndef SR_CLI_IMPORT_CLI_H
#define SR_CLI_IMPORT_CLI_H

#include "cli/migrate_cli.h"

struct import_cli {
    struct cli_conn conn; /* the target */
    bool dry_run, skip_conflicts, quiet, verbose;
    int concurrency;
    const char *brokers; /* --kafka */
    const char *topic;
    bool follow, skip_bad;
};

/* Imports snap into client with ic's settings (and base's subjects, mirror
 * and final mode, when base is not NULL), showing progress and the outcome.
 * Returns the exit code; *report_out (may be NULL) gets the report, which the
 * caller then releases. */
int cli_import_snapshot(const struct import_cli *ic, struct avroreg_client *client,
                        const struct avroreg_snapshot *snap,
                        const struct avroreg_import_options *base, const char *what,
                        struct avroreg_import_report *report_out);

/* avroreg import --kafka. */
int cli_import_kafka(const struct import_cli *ic);

#endif

/*
 * cmd_migrate.c - avroreg migrate: export from any registry that speaks
 * Confluent's API and import into another in one pass, then verify.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/import_cli.h"
#include "cli/migrate_cli.h"

enum {
    OPT_SKIP_CONFLICTS = 256,
    OPT_DRY_RUN,
    OPT_NO_VERIFY,
    OPT_SAVE,
    OPT_CONCURRENCY,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_FROM,
    OPT_TO = OPT_FROM + CONN_FLAGS,
};

void help_migrate(void)
{
    printf("usage: avroreg migrate --from URL --to URL [options]\n\n"
           "Copies every schema, subject-version (soft-deleted ones too), compatibility\n"
           "level and mode from the registry at --from (Confluent, Karapace, Apicurio's\n"
           "Confluent API, Redpanda, this one) to the one at --to, keeping ids and version\n"
           "numbers, as export and import do, then verifies: every id of the source resolves\n"
           "on the target to the same canonical schema, and every subject has the same\n"
           "versions. What the target already holds is skipped, so a second run copies only\n"
           "what changed since (and resumes one that stopped).\n\n"
           "The source:\n");
    cli_conn_help(stdout, "from", "from-", "FROM");
    printf("The target:\n");
    cli_conn_help(stdout, "to", "to-", "TO");
    printf("Options:\n"
           "  --skip-conflicts     copy everything but the conflicts (and what uses them)\n"
           "  --dry-run            read both and say what would change; change nothing\n"
           "  --no-verify          skip the verification pass\n"
           "  --save FILE          also write the source's export to FILE\n"
           "  --concurrency N      requests in flight per registry, 1..64 (default: 8 for\n"
           "                       reads, 32 for registrations)\n"
           "  --quiet              no progress on stderr\n"
           "  --verbose            every problem line (up to 1000), not the first 50\n\n"
           "Progress is a bar on a terminal and a line every 5 s otherwise. Exit 0 copied and\n"
           "verified, 1 conflicts, refusals or differences, 2 usage, I/O, an unreachable\n"
           "registry, or a copy that stopped (it says where).\n");
}

struct migrate {
    struct import_cli ic; /* the target and the import's settings */
    struct cli_conn from;
    const char *save;
    bool verify;
};

static int parse(int argc, char **argv, struct migrate *m)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, OPT_FROM + CONN_URL},
        {"from-user", required_argument, NULL, OPT_FROM + CONN_USER},
        {"from-password", required_argument, NULL, OPT_FROM + CONN_PASSWORD},
        {"from-ca-file", required_argument, NULL, OPT_FROM + CONN_CA_FILE},
        {"from-insecure", no_argument, NULL, OPT_FROM + CONN_INSECURE},
        {"to", required_argument, NULL, OPT_TO + CONN_URL},
        {"to-user", required_argument, NULL, OPT_TO + CONN_USER},
        {"to-password", required_argument, NULL, OPT_TO + CONN_PASSWORD},
        {"to-ca-file", required_argument, NULL, OPT_TO + CONN_CA_FILE},
        {"to-insecure", no_argument, NULL, OPT_TO + CONN_INSECURE},
        {"skip-conflicts", no_argument, NULL, OPT_SKIP_CONFLICTS},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"no-verify", no_argument, NULL, OPT_NO_VERIFY},
        {"save", required_argument, NULL, OPT_SAVE},
        {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (cli_conn_flag(&m->from, c, OPT_FROM, optarg) ||
            cli_conn_flag(&m->ic.conn, c, OPT_TO, optarg))
            continue;
        if (c == OPT_SKIP_CONFLICTS)
            m->ic.skip_conflicts = true;
        else if (c == OPT_DRY_RUN)
            m->ic.dry_run = true;
        else if (c == OPT_NO_VERIFY)
            m->verify = false;
        else if (c == OPT_SAVE)
            m->save = optarg;
        else if (c == OPT_QUIET)
            m->ic.quiet = true;
        else if (c == OPT_VERBOSE)
            m->ic.verbose = true;
        else if (c != OPT_CONCURRENCY || !cli_parse_concurrency(optarg, &m->ic.concurrency))
            return CLI_USAGE;
    }
    cli_conn_env(&m->from, "FROM", false);
    cli_conn_env(&m->ic.conn, "TO", false);
    return optind == argc && m->from.url && m->ic.conn.url ? CLI_OK : CLI_USAGE;
}

/* Reads the source (and saves it with --save). */
static int read_source(struct migrate *m, struct avroreg_snapshot **snap)
{
    struct avroreg_client *client = NULL;
    int rc = cli_conn_client(&m->from, &client);
    struct cli_progress *progress = cli_progress_new(m->ic.quiet);
    struct avroreg_transfer_options o = {m->ic.concurrency, cli_progress_report, progress};
    struct avroreg_error err = {0};
    double start = cli_now();
    if (!rc && avroreg_snapshot_fetch(client, &o, snap, &err)) {
        char what[600];
        snprintf(what, sizeof(what), "migrate: reading %s", cli_conn_display(&m->from));
        rc = cli_fail(what, &err);
    }
    cli_progress_end(progress);
    if (!rc && m->save)
        rc = cli_write_snapshot(m->save, *snap);
    if (!rc && !m->ic.quiet) {
        struct avroreg_snapshot_stats st;
        avroreg_snapshot_stats(*snap, &st);
        fprintf(stderr,
                "migrate: read %zu schemas, %zu subjects, %zu versions (%zu soft-deleted) from "
                "%s in %.1f s\n",
                st.schemas, st.subjects, st.versions, st.deleted_versions,
                cli_conn_display(&m->from), cli_now() - start);
        cli_fetch_note("migrate", &st);
    }
    cli_progress_free(progress);
    avroreg_client_free(client);
    return rc;
}

static int verify(struct migrate *m, struct avroreg_client *target,
                  const struct avroreg_snapshot *snap)
{
    struct cli_progress *progress = cli_progress_new(m->ic.quiet);
    struct avroreg_transfer_options o = {m->ic.concurrency, cli_progress_report, progress};
    struct avroreg_verify_report report;
    struct avroreg_error err = {0};
    double start = cli_now();
    enum avroreg_err rc = avroreg_snapshot_verify(snap, target, &o, &report, &err);
    cli_progress_end(progress);
    int code = cli_verify_outcome(rc, &err, &report, m->ic.verbose);
    if (!m->ic.quiet)
        fprintf(stderr, "verify: %.1f s\n", cli_now() - start);
    avroreg_verify_report_release(&report);
    cli_progress_free(progress);
    return code;
}

int cmd_migrate(int argc, char **argv)
{
    struct migrate m = {.verify = true};
    if (parse(argc, argv, &m))
        return help_migrate(), CLI_USAGE;
    double start = cli_now();
    struct avroreg_snapshot *snap = NULL;
    struct avroreg_client *target = NULL;
    int rc = read_source(&m, &snap);
    if (!rc)
        rc = cli_conn_client(&m.ic.conn, &target);
    struct avroreg_import_report report = {0};
    if (!rc)
        rc = cli_import_snapshot(&m.ic, target, snap, NULL, "migrate", &report);
    /* A copy that stopped is verified after the run that completes it. */
    bool check = m.verify && !m.ic.dry_run && (rc == CLI_OK || rc == CLI_FAILED) && snap;
    if (check) {
        int v = verify(&m, target, snap);
        rc = v > rc ? v : rc;
    }
    if (snap && !m.ic.quiet && rc != CLI_USAGE) {
        struct avroreg_snapshot_stats st;
        avroreg_snapshot_stats(snap, &st);
        double secs = cli_now() - start;
        fprintf(stderr,
                "migrate: copied %zu, skipped %zu (already there), refused %zu (%zu conflicts); "
                "%zu schemas in %.1f s, %.0f schemas/s\n",
                report.registered + report.deleted + report.removed + report.settings,
                report.unchanged, report.refused + report.conflicts, report.conflicts, st.schemas,
                secs, secs > 0 ? (double)st.schemas / secs : 0.0);
    }
    avroreg_import_report_release(&report);
    avroreg_client_free(target);
    avroreg_snapshot_free(snap);
    return rc;
}

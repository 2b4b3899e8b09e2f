/*
 * cmd_export.c - avroreg export: a registry's whole state in the export
 * format (docs/export-format.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/migrate_cli.h"

enum { OPT_OUTPUT = 256, OPT_CONCURRENCY, OPT_QUIET, OPT_CONN };

void help_export(void)
{
    printf("usage: avroreg export [--registry URL] [--output FILE] [options]\n\n"
           "Writes the registry's whole state, read over its REST API, in the export format\n"
           "(JSON lines, see docs/export-format.md): every schema id, every subject's versions\n"
           "(soft-deleted ones too), the global and per-subject compatibility and mode.\n"
           "Everything is sorted: the same registry exports to the same bytes. Any registry\n"
           "that speaks Confluent's API can be read. FILE (default: stdout) is written whole\n"
           "or not at all.\n\n");
    cli_conn_help(stdout, "registry", "", "REGISTRY");
    printf("  --output FILE        where to write (default: stdout)\n"
           "  --concurrency N      requests in flight, 1..64 (default 8)\n"
           "  --quiet              no progress on stderr\n\n"
           "Exit 0 written, 2 usage, an unreachable registry or an I/O error.\n");
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"registry", required_argument, NULL, OPT_CONN + CONN_URL},
        {"user", required_argument, NULL, OPT_CONN + CONN_USER},
        {"password", required_argument, NULL, OPT_CONN + CONN_PASSWORD},
        {"ca-file", required_argument, NULL, OPT_CONN + CONN_CA_FILE},
        {"insecure", no_argument, NULL, OPT_CONN + CONN_INSECURE},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {NULL, 0, NULL, 0}};
    struct cli_conn conn = {0};
    const char *output = NULL;
    int concurrency = 0, c;
    bool quiet = false;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (cli_conn_flag(&conn, c, OPT_CONN, optarg))
            continue;
        if (c == OPT_OUTPUT)
            output = optarg;
        else if (c == OPT_QUIET)
            quiet = true;
        else if (c != OPT_CONCURRENCY || !cli_parse_concurrency(optarg, &concurrency))
            return help_export(), CLI_USAGE;
    }
    if (optind != argc)
        return help_export(), CLI_USAGE;
    cli_conn_env(&conn, "REGISTRY", true);
    struct avroreg_client *client = NULL;
    int rc = cli_conn_client(&conn, &client);
    struct cli_progress *progress = cli_progress_new(quiet);
    struct avroreg_transfer_options o = {concurrency, cli_progress_report, progress};
    struct avroreg_snapshot *snap = NULL;
    struct avroreg_error err = {0};
    double start = cli_now();
    if (!rc && avroreg_snapshot_fetch(client, &o, &snap, &err))
        rc = cli_fail("export", &err);
    cli_progress_end(progress);
    if (!rc)
        rc = cli_write_snapshot(output, snap);
    if (!rc && !quiet) {
        struct avroreg_snapshot_stats st;
        avroreg_snapshot_stats(snap, &st);
        fprintf(stderr,
                "export: %zu schemas, %zu subjects, %zu versions (%zu soft-deleted) from %s in "
                "%.1f s\n",
                st.schemas, st.subjects, st.versions, st.deleted_versions, cli_conn_display(&conn),
                cli_now() - start);
        cli_fetch_note("export", &st);
    }
    avroreg_snapshot_free(snap);
    cli_progress_free(progress);
    avroreg_client_free(client);
    return rc;
}

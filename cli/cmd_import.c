/*
 * cmd_import.c - avroreg import: an export file, or (--kafka) a Confluent
 * or Karapace _schemas topic (cmd_import_kafka.c), into a registry.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/import_cli.h"
#include "cli/migrate_cli.h"

enum {
    OPT_DRY_RUN = 256,
    OPT_SKIP_CONFLICTS,
    OPT_CONCURRENCY,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_KAFKA,
    OPT_TOPIC,
    OPT_FOLLOW,
    OPT_SKIP_BAD,
    OPT_CONN,
};

void help_import(void)
{
    printf("usage: avroreg import FILE [--registry URL] [options]\n"
           "       avroreg import --kafka BROKERS [--topic _schemas] [--follow] [options]\n\n"
           "Makes the registry hold an export (avroreg export, docs/export-format.md), or the\n"
           "state in a Confluent or Karapace _schemas topic, with every id and version kept.\n"
           "The registry goes to IMPORT mode for the duration and back after; referenced\n"
           "schemas are registered before their referrers; soft deletes, compatibility and\n"
           "modes are restored. What the registry already holds is skipped, so running it\n"
           "again changes nothing, and a run that stopped resumes. An id that holds another\n"
           "schema, or a version with another id, is a conflict: nothing is written unless\n"
           "--skip-conflicts.\n\n");
    cli_conn_help(stdout, "registry", "", "REGISTRY");
    printf("  --dry-run            say what would change; change nothing\n"
           "  --skip-conflicts     import everything but the conflicts (and what uses them)\n"
           "  --concurrency N      requests in flight, 1..64 (default: 32 registrations, 8\n"
           "                       reads of the target)\n"
           "  --quiet              no progress on stderr\n"
           "  --verbose            every problem line (up to 1000), not the first 50\n\n"
           "With --kafka (the records are read from the start of the topic):\n"
           "  --topic T            the topic (default _schemas)\n"
           "  --follow             keep tailing the topic and apply new records as they come,\n"
           "                       until SIGINT or SIGTERM; the registry stays in IMPORT mode\n"
           "                       meanwhile and gets the topic's mode when it stops\n"
           "  --skip-bad-records   report a record that is not Confluent's and go on (the\n"
           "                       default stops there, before importing anything)\n\n"
           "Exit 0 done, 1 conflicts, refusals or a bad record, 2 usage, I/O, an unreachable\n"
           "registry or broker, or an import that stopped (it says where).\n");
}

/* The file mapped (an export of a large registry can pass the size that
 * cli_slurp reads), or stdin read whole for "-". */
static int map_file(const char *path, char **text, size_t *len, bool *mapped)
{
    *mapped = strcmp(path, "-") != 0;
    if (!*mapped)
        return cli_slurp(path, text, len);
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return CLI_USAGE;
    }
    *len = (size_t)sb.st_size;
    *text = *len ? mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    int saved = errno;
    close(fd);
    if (*len && *text == MAP_FAILED) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(saved));
        return CLI_USAGE;
    }
    if (!*len)
        *text = (char *)"";
    return CLI_OK;
}

static int import_file(const struct import_cli *ic, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    bool mapped = false;
    if (map_file(path, &text, &len, &mapped))
        return CLI_USAGE;
    struct avroreg_snapshot *snap = NULL;
    struct avroreg_error err = {0};
    int rc = CLI_OK;
    if (avroreg_snapshot_parse(text, len, &snap, &err)) {
        fprintf(stderr, "avroreg: %s: %s\n", path, err.message);
        rc = CLI_USAGE;
    }
    if (!mapped)
        free(text);
    else if (len)
        munmap(text, len);
    struct avroreg_client *client = NULL;
    if (!rc)
        rc = cli_conn_client(&ic->conn, &client);
    if (!rc)
        rc = cli_import_snapshot(ic, client, snap, NULL, "import", NULL);
    avroreg_client_free(client);
    avroreg_snapshot_free(snap);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"registry", required_argument, NULL, OPT_CONN + CONN_URL},
        {"user", required_argument, NULL, OPT_CONN + CONN_USER},
        {"password", required_argument, NULL, OPT_CONN + CONN_PASSWORD},
        {"ca-file", required_argument, NULL, OPT_CONN + CONN_CA_FILE},
        {"insecure", no_argument, NULL, OPT_CONN + CONN_INSECURE},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"skip-conflicts", no_argument, NULL, OPT_SKIP_CONFLICTS},
        {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"kafka", required_argument, NULL, OPT_KAFKA},
        {"topic", required_argument, NULL, OPT_TOPIC},
        {"follow", no_argument, NULL, OPT_FOLLOW},
        {"skip-bad-records", no_argument, NULL, OPT_SKIP_BAD},
        {NULL, 0, NULL, 0}};
    struct import_cli ic = {.topic = "_schemas"};
    bool kafka_only = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (cli_conn_flag(&ic.conn, c, OPT_CONN, optarg))
            continue;
        switch (c) {
        case OPT_DRY_RUN:
            ic.dry_run = true;
            break;
        case OPT_SKIP_CONFLICTS:
            ic.skip_conflicts = true;
            break;
        case OPT_CONCURRENCY:
            if (!cli_parse_concurrency(optarg, &ic.concurrency))
                return help_import(), CLI_USAGE;
            break;
        case OPT_QUIET:
            ic.quiet = true;
            break;
        case OPT_VERBOSE:
            ic.verbose = true;
            break;
        case OPT_KAFKA:
            ic.brokers = optarg;
            break;
        case OPT_TOPIC:
            ic.topic = optarg;
            kafka_only = true;
            break;
        case OPT_FOLLOW:
        case OPT_SKIP_BAD:
            *(c == OPT_FOLLOW ? &ic.follow : &ic.skip_bad) = true;
            kafka_only = true;
            break;
        default:
            return help_import(), CLI_USAGE;
        }
    }
    bool file = optind == argc - 1;
    if ((ic.brokers && optind != argc) || (!ic.brokers && (!file || kafka_only)) ||
        (ic.follow && ic.dry_run))
        return help_import(), CLI_USAGE;
    cli_conn_env(&ic.conn, "REGISTRY", true);
    return ic.brokers ? cli_import_kafka(&ic) : import_file(&ic, argv[optind]);
}

int cli_import_snapshot(const struct import_cli *ic, struct avroreg_client *client,
                        const struct avroreg_snapshot *snap,
                        const struct avroreg_import_options *base, const char *what,
                        struct avroreg_import_report *report_out)
{
    struct cli_progress *progress = cli_progress_new(ic->quiet);
    struct avroreg_import_options o = base ? *base : (struct avroreg_import_options){0};
    o.transfer = (struct avroreg_transfer_options){ic->concurrency, cli_progress_report, progress};
    o.dry_run = ic->dry_run;
    o.skip_conflicts = ic->skip_conflicts;
    struct avroreg_import_report report;
    struct avroreg_error err = {0};
    double start = cli_now();
    enum avroreg_err rc = avroreg_snapshot_import(snap, client, &o, &report, &err);
    cli_progress_end(progress);
    int code = cli_import_outcome(what, rc, &err, &report, ic->verbose);
    bool planned = !rc || rc == AVROREG_ERR_CONFLICT;
    if (ic->dry_run && planned)
        fprintf(stderr, "%s: dry run: %zu changes planned, none made\n", what, report.planned);
    else if (!ic->quiet && planned)
        fprintf(stderr, "%s: %s in %.1f s; the target's mode is %s\n", what,
                cli_conn_display(&ic->conn), cli_now() - start, report.final_mode);
    if (report_out)
        *report_out = report;
    else
        avroreg_import_report_release(&report);
    cli_progress_free(progress);
    return code;
}

/*
 * cmd_backup.c - avroreg backup: a consistent copy of the embedded store's
 * SQLite file while the server keeps writing, with SQLite's online backup
 * API. One sqlite3_backup_step(-1) copies every page inside one read
 * transaction: with the store in WAL mode that is a snapshot of the last
 * commit before the copy began, and the server's writers are never blocked.
 * The copy is written beside FILE, checked (PRAGMA integrity_check), synced
 * and renamed into place, so FILE is never a half-written database.
 * Restoring is starting the server on the copy (README: Backup and restore).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/migrate_cli.h"

#define BUSY_TIMEOUT_MS 10000

void help_backup(void)
{
    printf("usage: avroreg backup --db PATH --to FILE [--no-check]\n\n"
           "Copies the registry's SQLite database at PATH to FILE with SQLite's online backup\n"
           "API: consistent while the server keeps running and writing (every registration\n"
           "acknowledged before the backup began is in the copy), without stopping it.\n"
           "The copy is checked with PRAGMA integrity_check (--no-check skips that), synced,\n"
           "and only then renamed to FILE. To restore, start the server on the copy:\n"
           "  avro-registry --db FILE\n"
           "For the PostgreSQL backend use pg_dump (README: Backup and restore).\n\n"
           "Exit 0 copied and checked, 1 the copy failed its check, 2 usage or I/O error.\n");
}

static int sqlite_fail(const char *what, sqlite3 *db, const char *path)
{
    fprintf(stderr, "avroreg: backup: %s %s: %s\n", what, path,
            db ? sqlite3_errmsg(db) : "out of memory");
    return CLI_USAGE;
}

/* Copies src (the live database) into dst, one step holding one snapshot. */
static int copy_pages(sqlite3 *src, sqlite3 *dst, const char *tmp, int *pages_out)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b)
        return sqlite_fail("cannot start copying into", dst, tmp);
    int rc;
    /* BUSY or LOCKED: another connection holds a lock this read cannot share
     * yet (a checkpoint restarting the WAL); wait a little and go on. */
    for (int tries = 0; tries < 100; tries++) {
        rc = sqlite3_backup_step(b, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            break;
        sqlite3_sleep(100);
    }
    *pages_out = sqlite3_backup_pagecount(b);
    int finished = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE || finished != SQLITE_OK) {
        fprintf(stderr, "avroreg: backup: copying failed: %s\n",
                sqlite3_errstr(rc != SQLITE_DONE ? rc : finished));
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* PRAGMA integrity_check on the copy: CLI_FAILED unless it answers "ok". */
static int check_copy(sqlite3 *dst, const char *tmp)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(dst, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return sqlite_fail("cannot check", dst, tmp);
    int rc = CLI_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line && strcmp(line, "ok") == 0)
            continue;
        fprintf(stderr, "avroreg: backup: integrity_check: %s\n", line ? line : "?");
        rc = CLI_FAILED;
    }
    if (step != SQLITE_DONE && !rc)
        rc = sqlite_fail("cannot check", dst, tmp);
    sqlite3_finalize(st);
    return rc;
}

/* fsyncs path (a file or a directory); false with errno on failure. */
static bool sync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return ok;
}

/* Syncs the copy, renames it to to, and syncs the directory that holds it. */
static int publish(const char *tmp, const char *to)
{
    char *dir_of = strdup(to);
    bool ok = dir_of && sync_path(tmp, O_RDONLY) && rename(tmp, to) == 0 &&
              sync_path(dirname(dir_of), O_RDONLY | O_DIRECTORY);
    int saved = errno;
    free(dir_of);
    if (!ok) {
        fprintf(stderr, "avroreg: backup: %s: %s\n", to, strerror(saved));
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int run_backup(const char *path, const char *to, bool check)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "avroreg: backup: %s: %s\n", path, strerror(errno));
        return CLI_USAGE;
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", to, (long)getpid());
    unlink(tmp);
    sqlite3 *src = NULL, *dst = NULL;
    int pages = 0, rc = CLI_OK;
    double start = cli_now();
    /* Read-only: the backup never writes to (or creates) the live database. */
    if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        rc = sqlite_fail("cannot open", src, path);
    else
        sqlite3_busy_timeout(src, BUSY_TIMEOUT_MS);
    if (!rc &&
        sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        rc = sqlite_fail("cannot create", dst, tmp);
    if (!rc)
        rc = copy_pages(src, dst, tmp, &pages);
    double copied = cli_now() - start;
    if (!rc && check)
        rc = check_copy(dst, tmp);
    sqlite3_close(src);
    if (dst && sqlite3_close(dst) != SQLITE_OK && !rc)
        rc = sqlite_fail("cannot close", dst, tmp);
    if (!rc)
        rc = publish(tmp, to);
    if (rc)
        unlink(tmp);
    else
        fprintf(stderr, "backup: %s -> %s: %d pages copied in %.2f s%s\n", path, to, pages, copied,
                check ? ", integrity_check ok" : "");
    return rc;
}

int cmd_backup(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"to", required_argument, NULL, 't'},
                                         {"no-check", no_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *to = NULL;
    bool check = true;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 't')
            to = optarg;
        else if (c == 'n')
            check = false;
        else
            return help_backup(), CLI_USAGE;
    }
    if (!db || !to || optind != argc)
        return help_backup(), CLI_USAGE;
    if (strstr(db, "://")) {
        fprintf(stderr,
                "avroreg: backup: %s is not a SQLite file; back up PostgreSQL with "
                "pg_dump (README: Backup and restore)\n",
                db);
        return CLI_USAGE;
    }
    return run_backup(db, to, check);
}

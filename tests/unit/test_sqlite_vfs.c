/*
 * test_sqlite_vfs.c - the WAL-gathering VFS (storage/sqlite_vfs.h) on a real
 * database file: what one connection commits, another reads; a transaction
 * that spills and rewrites frames of the log before its commit, a write far
 * over the gathering limit and a checkpoint all leave the data whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "storage/sqlite_vfs.h"
#include "tests/unit/testutil.h"

struct fixture {
    char dir[64];
    char path[96];
    sqlite3 *writer, *reader;
};

static sqlite3 *open_db(const char *path)
{
    sqlite3 *db = NULL;
    const char *vfs = sq_vfs_name();
    assert_non_null(vfs);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    assert_int_equal(sqlite3_open_v2(path, &db, flags, vfs), SQLITE_OK);
    return db;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    if (!tu_tempdir(f->dir, sizeof(f->dir), "sr_vfs_")) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
    f->writer = open_db(f->path);
    exec_ok(f->writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                       "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    f->reader = open_db(f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sqlite3_close(f->reader);
    sqlite3_close(f->writer);
    tu_tempdir_remove(f->dir);
    free(f);
    return 0;
}

/* The database's connections go through the gathering VFS. */
static void connections_use_the_vfs(void **state)
{
    struct fixture *f = *state;
    sqlite3_vfs *vfs = NULL;
    assert_int_equal(sqlite3_file_control(f->writer, "main", SQLITE_FCNTL_VFS_POINTER, &vfs),
                     SQLITE_OK);
    assert_non_null(vfs);
    assert_string_equal(vfs->zName, sq_vfs_name());
}

/* Many small commits, each read back at once by the other connection. */
static void each_commit_is_seen_by_another_connection(void **state)
{
    struct fixture *f = *state;
    for (int i = 1; i <= 300; i++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "INSERT INTO t VALUES (%d, printf('%%0500d', %d))", i, i);
        exec_ok(f->writer, sql);
        assert_int_equal(one_int(f->reader, "SELECT count(*) FROM t"), i);
        assert_int_equal(one_int(f->reader, "SELECT max(k) FROM t"), i);
    }
    assert_int_equal(one_int(f->reader, "SELECT sum(length(v)) FROM t"), 300 * 500);
}

/* Opens a write transaction on db with a page cache of 8 pages and inserts
 * rows 1..n of width characters each: far more than the cache holds, so
 * SQLite writes frames to the log before any commit. */
static void begin_spilling(sqlite3 *db, int n, int width)
{
    exec_ok(db, "PRAGMA cache_size = 8");
    exec_ok(db, "BEGIN IMMEDIATE");
    for (int i = 1; i <= n; i++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "INSERT INTO t VALUES (%d, printf('%%0%dd', %d))", i, width, i);
        exec_ok(db, sql);
    }
}

/* A transaction larger than the page cache spills frames to the log before
 * its commit and rewrites some of them; one text is larger than all the
 * gathering holds. The other connection sees all of it, the file is whole,
 * and so it stays after a checkpoint that empties the log. */
static void large_spilling_transactions_stay_whole(void **state)
{
    struct fixture *f = *state;
    begin_spilling(f->writer, 2000, 800);
    exec_ok(f->writer, "UPDATE t SET v = v || 'x' WHERE k % 7 = 0");
    exec_ok(f->writer, "INSERT INTO t VALUES (5000000, printf('%03000000d', 7) || 'end')");
    exec_ok(f->writer, "COMMIT");
    assert_int_equal(one_int(f->reader, "SELECT count(*) FROM t"), 2001);
    assert_int_equal(one_int(f->reader, "SELECT count(*) FROM t WHERE v LIKE '%x'"), 285);
    assert_int_equal(one_int(f->reader, "SELECT length(v) FROM t WHERE k = 5000000"), 3000003);
    exec_ok(f->writer, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3 *fresh = open_db(f->path);
    assert_int_equal(one_int(fresh, "SELECT count(*) FROM t"), 2001);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(fresh, "PRAGMA integrity_check", -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
    sqlite3_finalize(stmt);
    sqlite3_close(fresh);
}

/* A rolled-back transaction leaves nothing, and the next commit is whole. */
static void rollback_then_commit(void **state)
{
    struct fixture *f = *state;
    begin_spilling(f->writer, 500, 900);
    exec_ok(f->writer, "ROLLBACK");
    assert_int_equal(one_int(f->reader, "SELECT count(*) FROM t"), 0);
    exec_ok(f->writer, "INSERT INTO t VALUES (1, 'one')");
    assert_int_equal(one_int(f->reader, "SELECT count(*) FROM t"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(connections_use_the_vfs, setup, teardown),
        cmocka_unit_test_setup_teardown(each_commit_is_seen_by_another_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(large_spilling_transactions_stay_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_then_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

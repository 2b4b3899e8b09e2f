/*
 * test_storage.c - the storage interface, one suite run on both backends:
 * SQLite against a real database file in a fresh temporary directory per
 * test, and PostgreSQL against a fresh schema per test on a real server (the
 * run's shared test server, AVRO_REGISTRY_TEST_PG_DIR, or one this program
 * starts with tests/pg/pgserver and stops at the end). Every operation,
 * the filters, ids that are never reused, settings, transactions (isolation,
 * rollback, failed commits), migrations on reopen, and many threads writing
 * and reading at once; then what only one backend does: SQLite's one owner
 * per file and its old format, PostgreSQL's several stores on one database
 * (change markers through notifications, the writer lock, the serializable
 * safety net), a database restarted and away.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "storage/pg_int.h"
#include "storage/store.h"
#include "storage/store_int.h"
#include "tests/unit/testutil.h"

#define CTX SR_DEFAULT_CONTEXT

enum backend { SQLITE, POSTGRES };

struct fixture {
    enum backend backend;
    char dir[64];
    char path[128];  /* SQLite: the file */
    char schema[32]; /* PostgreSQL: the test's own schema */
    char spec[1024]; /* what sr_store_open() gets */
    struct sr_store *store;
};

/* ---- the test PostgreSQL ----------------------------------------------------------- */

extern char **environ; /* POSIX's; glibc declares it for _GNU_SOURCE only */

static char pg_dir[512];     /* the server's directory (pgserver) */
static char pg_url[512];     /* its URL: postgresql://avroreg@127.0.0.1:PORT/postgres */
static bool pg_started_here; /* started by this program: stop it at the end */

static bool read_url(const char *dir, char *out, size_t cap)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/url", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
    return ok && *out;
}

/* Runs tests/pg/pgserver ACTION on the server's directory, its output to
 * /dev/null (no shell: the directory needs no quoting); true on success. */
static bool pgserver(const char *action)
{
    char *argv[] = {(char *)"tests/pg/pgserver", (char *)action, pg_dir, NULL};
    posix_spawn_file_actions_t io;
    if (posix_spawn_file_actions_init(&io) != 0)
        return false;
    pid_t pid = 0;
    int status = 0;
    bool ok = posix_spawn_file_actions_addopen(&io, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) == 0 &&
              posix_spawn(&pid, argv[0], &io, NULL, argv, environ) == 0 &&
              waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    posix_spawn_file_actions_destroy(&io);
    return ok;
}

static bool pg_server_up(void)
{
    const char *dir = getenv("AVRO_REGISTRY_TEST_PG_DIR");
    if (dir && *dir) {
        snprintf(pg_dir, sizeof(pg_dir), "%s", dir);
    } else {
        char tmp[64];
        /* the server's unprivileged user must reach DIR/pg: o+x on DIR */
        if (!tu_tempdir(tmp, sizeof(tmp), "sr_storage_pg_") || chmod(tmp, 0711) != 0)
            return false;
        snprintf(pg_dir, sizeof(pg_dir), "%s/pg", tmp);
        pg_started_here = pgserver("start");
    }
    return read_url(pg_dir, pg_url, sizeof(pg_url));
}

static void pg_server_down(void)
{
    if (!pg_started_here)
        return;
    pgserver("stop");
    char *slash = strrchr(pg_dir, '/');
    *slash = '\0';
    rmdir(pg_dir);
}

/* Runs sql on the test database (not through the store); answers the first
 * column of the first row as an integer, -1 when there is none. */
static void quiet(void *arg, const PGresult *res)
{
    (void)arg;
    (void)res;
}

static int64_t pg_raw(const char *schema, const char *sql)
{
    PGconn *db = PQconnectdb(pg_url);
    if (PQstatus(db) != CONNECTION_OK)
        fail_msg("connect %s: %s", pg_url, PQerrorMessage(db));
    PQsetNoticeReceiver(db, quiet, NULL); /* "drop cascades to ..." */
    char full[4096];
    if (schema)
        snprintf(full, sizeof(full), "SET search_path = %s; %s", schema, sql);
    else
        snprintf(full, sizeof(full), "%s", sql);
    int64_t v = -1;
    PQsendQuery(db, full);
    for (PGresult *res; (res = PQgetResult(db)) != NULL; PQclear(res)) {
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            fail_msg("%s: %s", sql, PQresultErrorMessage(res));
        if (st == PGRES_TUPLES_OK && PQntuples(res) > 0)
            v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    }
    PQfinish(db);
    return v;
}

/* ---- fixtures ------------------------------------------------------------------------ */

static struct sr_store *open_store(struct fixture *f)
{
    struct sr_store *store = NULL;
    struct sr_error err = {0};
    /* Enough connections for the tests that hold many transactions at once. */
    struct sr_store_options opts = {.connections = 32};
    if (sr_store_open(f->spec, &opts, &store, &err))
        fail_msg("open %s: %s", f->spec, err.message);
    return store;
}

static int setup_sqlite(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->backend = SQLITE;
    assert_non_null(tu_tempdir(f->dir, sizeof(f->dir), "sr_storage_"));
    snprintf(f->path, sizeof(f->path), "%s/registry.db", f->dir);
    snprintf(f->spec, sizeof(f->spec), "%s", f->path);
    f->store = open_store(f);
    *state = f;
    return 0;
}

/* A fresh schema of the test database per test (much quicker to make than a
 * database); the store finds its tables there through search_path. */
static int setup_pg(void **state)
{
    static int serial;
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->backend = POSTGRES;
    snprintf(f->schema, sizeof(f->schema), "t%ld_%d", (long)getpid(), ++serial);
    char sql[128];
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
    pg_raw(NULL, sql);
    snprintf(f->spec, sizeof(f->spec), "%s?options=-csearch_path%%3D%s", pg_url, f->schema);
    f->store = open_store(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sr_store_close(f->store);
    if (f->backend == SQLITE) {
        tu_tempdir_remove(f->dir);
    } else {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schema);
        pg_raw(NULL, sql);
    }
    free(f);
    return 0;
}

/* The first column of sql's first row, read beside the store. */
static int64_t raw_count(struct fixture *f, const char *sql);

/* ---- helpers ----------------------------------------------------------------------- */

static struct sr_txn *begin(struct sr_store *store, bool write)
{
    struct sr_txn *t = NULL;
    struct sr_error err = {0};
    if (sr_store_begin(store, write, &t, &err))
        fail_msg("begin: %s", err.message);
    return t;
}

static void commit(struct sr_txn *t)
{
    struct sr_error err = {0};
    if (sr_txn_commit(t, &err))
        fail_msg("commit: %s", err.message);
}

/* The store's records hold char * for text they only read when they are
 * inputs; literals go in through this cast. */
#define L(s) ((char *)(s))

/* Fails the test with the error's message unless rc is SR_OK. */
#define OK(call)                                                                                   \
    do {                                                                                           \
        struct sr_error ok_err_ = {0};                                                             \
        struct sr_error *err = &ok_err_;                                                           \
        enum sr_err ok_rc_ = (call);                                                               \
        if (ok_rc_ != SR_OK)                                                                       \
            fail_msg("%s: %s (%s)", #call, ok_err_.message, sr_error_name(ok_rc_));                \
    } while (0)

/* Asserts that call fails with code and leaves a message. */
#define FAILS(want_, call)                                                                         \
    do {                                                                                           \
        struct sr_error fails_err_ = {0};                                                          \
        struct sr_error *err = &fails_err_;                                                        \
        assert_int_equal((call), (want_));                                                         \
        assert_int_equal(fails_err_.code, (want_));                                                \
        assert_true(fails_err_.message[0] != '\0');                                                \
    } while (0)

static void put_schema(struct sr_txn *t, int64_t id, const char *text)
{
    struct sr_schema_rec rec = {.id = id, .schema_type = L("AVRO"), .schema = L(text)};
    OK(sr_txn_schema_insert(t, CTX, &rec, NULL, 0, err));
}

static void put_version(struct sr_txn *t, const char *subject, int32_t version, int64_t id,
                        bool deleted)
{
    OK(sr_txn_version_insert(t, subject, version, CTX, id, 0, err));
    if (deleted)
        OK(sr_txn_version_set_deleted(t, subject, version, true, err));
}

static void assert_ints(const struct sr_int_list *l, const int64_t *want, size_t n)
{
    if (l->count != n)
        fail_msg("got %zu items, want %zu", l->count, n);
    for (size_t i = 0; i < n; i++)
        if (l->items[i] != want[i])
            fail_msg("item %zu: got %lld, want %lld", i, (long long)l->items[i],
                     (long long)want[i]);
}

static void assert_versions(struct sr_txn *t, const char *subject, enum sr_deleted_filter filter,
                            const int64_t *want, size_t n)
{
    struct sr_int_list l = {0};
    OK(sr_txn_versions(t, subject, filter, &l, err));
    assert_ints(&l, want, n);
    sr_int_list_release(&l);
}

/* Asserts the subjects listed, in order. */
static void assert_subjects(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                            const char *const *want, size_t n)
{
    struct sr_str_list l = {0};
    OK(sr_txn_subjects(t, prefix, filter, &l, err));
    if (l.count != n)
        fail_msg("prefix \"%s\" filter %d: got %zu subjects, want %zu", prefix ? prefix : "(null)",
                 (int)filter, l.count, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(l.items[i], want[i]);
    sr_str_list_release(&l);
}

static void free_recs(struct sr_version_rec *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sr_version_rec_release(&recs[i]);
    free(recs);
}

static void assert_rec(const struct sr_version_rec *r, const char *subject, int32_t version,
                       int64_t id, bool deleted)
{
    assert_string_equal(r->subject, subject);
    assert_int_equal(r->version, version);
    assert_int_equal(r->id, id);
    assert_int_equal(r->deleted, deleted);
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    int64_t v = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
}

static int64_t raw_count(struct fixture *f, const char *sql)
{
    return f->backend == SQLITE ? raw_int(f->path, sql) : pg_raw(f->schema, sql);
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* ---- lifecycle and migrations -------------------------------------------------------- */

static void open_migrates_once_and_reopens(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 1, "\"string\"");
    put_version(t, "s", 1, 1, false);
    commit(t);
    sr_store_close(f->store);
    f->store = NULL;

    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
    char mode[32] = "";
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    snprintf(mode, sizeof(mode), "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    assert_string_equal(mode, "wal"); /* WAL is a property of the file */

    int64_t tables = raw_int(f->path, "SELECT count(*) FROM sqlite_master");
    /* Reopening twice: the migrations would fail on their CREATE TABLEs (and
     * duplicate the counter row) if they ran again. */
    for (int i = 0; i < 2; i++) {
        f->store = open_store(f);
        sr_store_close(f->store);
        f->store = NULL;
    }
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master"), tables);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM contexts"), 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM used_ids"), 1);

    f->store = open_store(f);
    t = begin(f->store, false);
    struct sr_version_rec v = {0};
    OK(sr_txn_version_get(t, "s", 1, false, &v, err));
    assert_rec(&v, "s", 1, 1, false);
    sr_version_rec_release(&v);
    commit(t);
}

static void open_refuses_newer_database(void **state)
{
    struct fixture *f = *state;
    sr_store_close(f->store);
    f->store = NULL;
    raw_exec(f->path, "PRAGMA user_version = 99");
    struct sr_store *store = NULL;
    FAILS(SR_ERR_INTERNAL, sr_store_open_sqlite(f->path, &store, err));
    assert_null(store);
    struct sr_error e = {0};
    sr_store_open_sqlite(f->path, &store, &e);
    assert_non_null(strstr(e.message, "newer"));
}

/* One process owns a database: a second open is refused, naming the owner,
 * and succeeds once the owner has closed it. */
static void a_second_owner_is_refused(void **state)
{
    struct fixture *f = *state;
    struct sr_store *second = NULL;
    struct sr_error e = {0};
    assert_int_equal(sr_store_open_sqlite(f->path, &second, &e), SR_ERR_UNAVAILABLE);
    assert_null(second);
    char pid[32];
    snprintf(pid, sizeof(pid), "(pid %ld)", (long)getpid());
    assert_non_null(strstr(e.message, "in use by another process"));
    assert_non_null(strstr(e.message, pid));
    sr_store_close(f->store);
    f->store = open_store(f);
}

static void open_rejects_bad_paths(void **state)
{
    struct fixture *f = *state;
    struct sr_store *store = NULL;
    FAILS(SR_ERR_INTERNAL, sr_store_open_sqlite(NULL, &store, err));
    FAILS(SR_ERR_INTERNAL, sr_store_open_sqlite("", &store, err));
    char missing[256];
    snprintf(missing, sizeof(missing), "%s/no/such/dir/x.db", f->dir);
    FAILS(SR_ERR_UNAVAILABLE, sr_store_open_sqlite(missing, &store, err));
    assert_null(store);
    sr_store_close(NULL); /* NULL-safe */
    sr_txn_rollback(NULL);
}

/* ---- schemas --------------------------------------------------------------------------- */

static void schema_round_trips_every_field(void **state)
{
    struct fixture *f = *state;
    struct sr_schema_rec full = {.id = 7,
                                 .schema_type = L("AVRO"),
                                 .schema = L("{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}"),
                                 .refs = L("[{\"name\":\"B\",\"subject\":\"b\",\"version\":1}]"),
                                 .metadata = L("{\"properties\":{\"owner\":\"x\"}}"),
                                 .ruleset = L("{\"domainRules\":[]}")};
    struct sr_schema_rec bare = {.id = 8, .schema = L("\"int\"")}; /* every other field NULL */
    struct sr_txn *t = begin(f->store, true);
    OK(sr_txn_schema_insert(t, CTX, &full, NULL, 0, err));
    OK(sr_txn_schema_insert(t, CTX, &bare, NULL, 0, err));
    commit(t);

    t = begin(f->store, false);
    struct sr_schema_rec got = {0};
    OK(sr_txn_schema_get(t, CTX, 7, &got, err));
    assert_int_equal(got.id, 7);
    assert_string_equal(got.schema_type, full.schema_type);
    assert_string_equal(got.schema, full.schema);
    assert_string_equal(got.refs, full.refs);
    assert_string_equal(got.metadata, full.metadata);
    assert_string_equal(got.ruleset, full.ruleset);
    sr_schema_rec_release(&got);
    assert_null(got.schema);

    OK(sr_txn_schema_get(t, CTX, 8, &got, err));
    assert_int_equal(got.id, 8);
    assert_string_equal(got.schema, "\"int\"");
    assert_null(got.schema_type);
    assert_null(got.refs);
    assert_null(got.metadata);
    assert_null(got.ruleset);
    sr_schema_rec_release(&got);

    FAILS(SR_ERR_SCHEMA_NOT_FOUND, sr_txn_schema_get(t, CTX, 9, &got, err));
    FAILS(SR_ERR_SCHEMA_NOT_FOUND, sr_txn_schema_get(t, CTX, -1, &got, err));
    commit(t);
}

static void schema_find_compares_every_field(void **state)
{
    struct fixture *f = *state;
    struct sr_schema_rec base = {.id = 1, .schema_type = L("AVRO"), .schema = L("\"string\"")};
    struct sr_schema_rec empty_refs = base, no_type = base, with_meta = base;
    empty_refs.id = 2;
    empty_refs.refs = L("[]");
    no_type.id = 3;
    no_type.schema_type = NULL;
    with_meta.id = 4;
    with_meta.metadata = L("{\"a\":1}");
    struct sr_txn *t = begin(f->store, true);
    OK(sr_txn_schema_insert(t, CTX, &base, NULL, 0, err));
    OK(sr_txn_schema_insert(t, CTX, &empty_refs, NULL, 0, err));
    OK(sr_txn_schema_insert(t, CTX, &no_type, NULL, 0, err));
    OK(sr_txn_schema_insert(t, CTX, &with_meta, NULL, 0, err));
    /* The same content again under another id: find answers the lowest. */
    struct sr_schema_rec again = base;
    again.id = 9;
    OK(sr_txn_schema_insert(t, CTX, &again, NULL, 0, err));
    /* A taken id is an error, and the transaction can go on (a shared
     * backend calls it a lost race: store.h). */
    FAILS(f->backend == SQLITE ? SR_ERR_INTERNAL : SR_ERR_CONFLICT,
          sr_txn_schema_insert(t, CTX, &base, NULL, 0, err));
    commit(t);

    t = begin(f->store, false);
    struct {
        struct sr_schema_rec rec;
        int64_t want;
    } cases[] = {
        {base, 1},
        {empty_refs, 2},
        {no_type, 3},
        {with_meta, 4},
        {{.schema_type = L("AVRO"), .schema = L("\"string\""), .ruleset = L("{}")}, 0},
        {{.schema_type = L("AVRO"), .schema = L("\"string\""), .metadata = L("")}, 0},
        {{.schema_type = L("AVRO"), .schema = L("\"String\"")}, 0},
        {{.schema_type = L("AVRO"), .schema = L("\"string\" ")}, 0},
        {{.schema_type = L(""), .schema = L("\"string\"")}, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t id = -1;
        OK(sr_txn_schema_find(t, CTX, &cases[i].rec, &id, err));
        if (id != cases[i].want)
            fail_msg("case %zu: found %lld, want %lld", i, (long long)id, (long long)cases[i].want);
    }
    commit(t);
}

static void schema_hash_tells_fields_apart(void **state)
{
    (void)state;
    struct sr_schema_rec a = {.schema = L("ab"), .refs = L("c")};
    struct sr_schema_rec b = {.schema = L("a"), .refs = L("bc")};
    struct sr_schema_rec c = {.schema = L("ab"), .refs = L("c"), .metadata = L("")};
    struct sr_schema_rec d = {.schema = L("ab"), .refs = L("c")};
    assert_true(sr_store_schema_hash(&a) != sr_store_schema_hash(&b));
    assert_true(sr_store_schema_hash(&a) != sr_store_schema_hash(&c));
    assert_true(sr_store_schema_hash(&a) == sr_store_schema_hash(&d));
    d.id = 42; /* the id is not content */
    assert_true(sr_store_schema_hash(&a) == sr_store_schema_hash(&d));
}

/* Subject "s": v1 -> id 1, v2 -> id 2 (soft-deleted), v3 -> id 1. */
static void make_history(struct sr_store *store)
{
    struct sr_txn *t = begin(store, true);
    put_schema(t, 1, "\"int\"");
    put_schema(t, 2, "\"long\"");
    put_version(t, "s", 1, 1, false);
    put_version(t, "s", 2, 2, true);
    put_version(t, "s", 3, 1, false);
    commit(t);
}

static int64_t reserve(struct sr_txn *t, const char *context)
{
    int64_t id = -1;
    OK(sr_txn_reserve_id(t, context, &id, err));
    return id;
}

static int64_t max_id(struct sr_store *store, const char *context)
{
    struct sr_txn *t = begin(store, false);
    int64_t max = -1;
    OK(sr_txn_max_id(t, context, &max, err));
    commit(t);
    return max;
}

static void ids_are_never_reused(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(max_id(f->store, CTX), 0);
    struct sr_txn *t = begin(f->store, true);
    assert_int_equal(reserve(t, CTX), 1);
    put_schema(t, 1, "\"int\"");
    assert_int_equal(reserve(t, CTX), 2); /* reserved, never stored */
    put_schema(t, 5, "\"long\"");         /* chosen (IMPORT): marked used, the counter stays */
    put_schema(t, 3, "\"double\"");
    assert_int_equal(reserve(t, CTX), 4); /* 3 is used: skipped */
    put_schema(t, 4, "\"float\"");
    assert_int_equal(reserve(t, CTX), 6); /* 5 is used: skipped */
    put_schema(t, 6, "\"bytes\"");
    commit(t);
    assert_int_equal(max_id(f->store, CTX), 6);

    t = begin(f->store, true);
    bool removed = false;
    OK(sr_txn_schema_remove_if_unused(t, CTX, 6, &removed, err));
    assert_true(removed);
    OK(sr_txn_schema_remove_if_unused(t, CTX, 5, NULL, err));
    commit(t);

    sr_store_close(f->store);
    f->store = open_store(f);
    t = begin(f->store, true);
    struct sr_schema_rec got = {0};
    FAILS(SR_ERR_SCHEMA_NOT_FOUND, sr_txn_schema_get(t, CTX, 6, &got, err));
    assert_int_equal(reserve(t, CTX), 7); /* removed ids stay used */
    sr_txn_rollback(t);

    /* A rolled-back transaction gives its ids back: the writer is alone. */
    t = begin(f->store, true);
    assert_int_equal(reserve(t, CTX), 7);
    put_schema(t, 100, "\"string\"");
    sr_txn_rollback(t);
    assert_int_equal(max_id(f->store, CTX), 6);
}

/* An imported id at the top of the range leaves the counter where it was:
 * new ids go on below it. */
static void an_imported_huge_id_does_not_exhaust_the_ids(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 2147483647, "\"int\"");
    assert_int_equal(reserve(t, CTX), 1);
    commit(t);
    assert_int_equal(max_id(f->store, CTX), 2147483647);
}

static void assert_id_state(const struct sr_id_state *s, const char *context, int64_t counter,
                            const int64_t *used, size_t n)
{
    assert_string_equal(s->context, context);
    assert_int_equal(s->counter, counter);
    assert_ints(&s->used_above, used, n);
}

/* The id states tell every context's counter and the ids used above it,
 * whether or not a schema holds them still; raising one in another place
 * makes its reservations skip them all, and never lowers a counter. */
static void id_states_carry_the_used_ids(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    struct sr_id_state_list l = {0};
    OK(sr_txn_id_states(t, &l, err));
    assert_int_equal(l.count, 1); /* a new store: "." at 0 */
    assert_id_state(&l.items[0], CTX, 0, NULL, 0);
    sr_id_state_list_release(&l);
    for (int64_t i = 1; i <= 3; i++) {
        assert_int_equal(reserve(t, CTX), i);
        put_schema(t, i, i == 1 ? "\"int\"" : i == 2 ? "\"long\"" : "\"float\"");
    }
    put_schema(t, 50, "\"string\""); /* imported, kept */
    put_schema(t, 100, "\"bytes\""); /* imported, then deleted for good */
    assert_int_equal(reserve(t, ".team"), 1);
    struct sr_schema_rec imp = {.id = 7, .schema_type = L("AVRO"), .schema = L("\"null\"")};
    OK(sr_txn_schema_insert(t, ".imp", &imp, NULL, 0, err)); /* no counter there */
    commit(t);
    t = begin(f->store, true);
    OK(sr_txn_schema_remove_if_unused(t, CTX, 100, NULL, err));
    OK(sr_txn_schema_remove_if_unused(t, CTX, 3, NULL, err));
    commit(t);

    t = begin(f->store, false);
    OK(sr_txn_id_states(t, &l, err));
    commit(t);
    assert_int_equal(l.count, 3);
    assert_id_state(&l.items[0], ".", 3, (int64_t[]){50, 100}, 2);
    assert_id_state(&l.items[1], ".imp", 0, (int64_t[]){7}, 1);
    assert_id_state(&l.items[2], ".team", 1, NULL, 0);
    sr_id_state_list_release(&l);

    /* Carried into a context of its own, as a copy would into a new store. */
    struct sr_id_state copy = {
        .context = L(".copy"), .counter = 5, .used_above = {(int64_t[]){7, 9}, 2}};
    t = begin(f->store, true);
    OK(sr_txn_id_state_raise(t, &copy, err));
    OK(sr_txn_id_state_raise(t, &copy, err)); /* twice is once */
    assert_int_equal(reserve(t, ".copy"), 6);
    assert_int_equal(reserve(t, ".copy"), 8);
    assert_int_equal(reserve(t, ".copy"), 10);
    struct sr_id_state lower = {.context = L(".copy"), .counter = 2};
    OK(sr_txn_id_state_raise(t, &lower, err)); /* never lowers */
    assert_int_equal(reserve(t, ".copy"), 11);
    commit(t);
    assert_int_equal(max_id(f->store, ".copy"), 11);
    t = begin(f->store, false);
    OK(sr_txn_id_states(t, &l, err));
    commit(t);
    assert_int_equal(l.count, 4);
    assert_id_state(&l.items[0], ".", 3, (int64_t[]){50, 100}, 2);
    assert_id_state(&l.items[1], ".copy", 11, NULL, 0);
    sr_id_state_list_release(&l);
    sr_id_state_list_release(NULL);
}

/* Each context numbers its own ids, and the same id names different
 * schemas in two contexts. */
static void contexts_number_their_own_ids(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    assert_int_equal(reserve(t, CTX), 1);
    assert_int_equal(reserve(t, ".team"), 1);
    struct sr_schema_rec a = {.id = 1, .schema_type = L("AVRO"), .schema = L("\"int\"")};
    struct sr_schema_rec b = {.id = 1, .schema_type = L("AVRO"), .schema = L("\"long\"")};
    OK(sr_txn_schema_insert(t, CTX, &a, NULL, 0, err));
    OK(sr_txn_schema_insert(t, ".team", &b, NULL, 0, err));
    OK(sr_txn_version_insert(t, "s", 1, CTX, 1, 1700000000123, err));
    OK(sr_txn_version_insert(t, ":.team:s", 1, ".team", 1, 0, err));
    commit(t);

    t = begin(f->store, false);
    struct sr_schema_rec got = {0};
    OK(sr_txn_schema_get(t, ".team", 1, &got, err));
    assert_string_equal(got.schema, "\"long\"");
    sr_schema_rec_release(&got);
    int64_t id = -1;
    OK(sr_txn_schema_find(t, ".team", &a, &id, err));
    assert_int_equal(id, 0); /* "int" is only in the default context */
    OK(sr_txn_schema_find(t, CTX, &a, &id, err));
    assert_int_equal(id, 1);
    struct sr_version_rec v = {0};
    OK(sr_txn_version_get(t, "s", 1, false, &v, err));
    assert_string_equal(v.context, CTX);
    assert_int_equal(v.ts, 1700000000123);
    sr_version_rec_release(&v);
    OK(sr_txn_version_get(t, ":.team:s", 1, false, &v, err));
    assert_string_equal(v.context, ".team");
    sr_version_rec_release(&v);
    struct sr_subject_version_list uses = {0};
    OK(sr_txn_versions_for_id(t, ".team", 1, SR_LIVE_ONLY, &uses, err));
    assert_int_equal(uses.count, 1);
    assert_string_equal(uses.items[0].subject, ":.team:s");
    sr_subject_version_list_release(&uses);
    commit(t);
    assert_int_equal(max_id(f->store, ".team"), 1);
    assert_int_equal(max_id(f->store, ".none"), 0);
}

/* Each schema carries the GUID of its content, in every context, and the
 * store finds ids by it; the contexts listed are those holding versions. */
static void guids_and_contexts(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    struct sr_schema_rec a = {.id = 1, .schema_type = L("AVRO"), .schema = L("\"int\"")};
    struct sr_schema_rec b = {.id = 4, .schema_type = L("AVRO"), .schema = L("\"int\"")};
    OK(sr_txn_schema_insert(t, CTX, &a, NULL, 0, err));
    OK(sr_txn_schema_insert(t, ".b", &b, NULL, 0, err));
    OK(sr_txn_version_insert(t, ":.b:s", 1, ".b", 4, 0, err));
    OK(sr_txn_version_insert(t, "s", 1, CTX, 1, 0, err));
    commit(t);
    char guid[SR_GUID_SIZE];
    assert_true(sr_store_schema_guid(&a, guid));
    /* MD5("\"int\"") printed as a UUID: the content alone decides it. */
    assert_string_equal(guid, "ef524ea1-b91e-7317-3d93-8ade36c1db32");
    t = begin(f->store, false);
    struct sr_schema_rec got = {0};
    OK(sr_txn_schema_get(t, ".b", 4, &got, err));
    assert_string_equal(got.guid, guid);
    sr_schema_rec_release(&got);
    struct sr_context_id_list ids = {0};
    OK(sr_txn_ids_by_guid(t, guid, &ids, err));
    assert_int_equal(ids.count, 2);
    assert_string_equal(ids.items[0].context, ".");
    assert_int_equal(ids.items[0].id, 1);
    assert_string_equal(ids.items[1].context, ".b");
    assert_int_equal(ids.items[1].id, 4);
    sr_context_id_list_release(&ids);
    OK(sr_txn_ids_by_guid(t, "00000000-0000-0000-0000-000000000000", &ids, err));
    assert_int_equal(ids.count, 0);
    struct sr_str_list contexts = {0};
    OK(sr_txn_contexts(t, &contexts, err));
    assert_int_equal(contexts.count, 2);
    assert_string_equal(contexts.items[0], ".");
    assert_string_equal(contexts.items[1], ".b");
    sr_str_list_release(&contexts);
    commit(t);
}

/* Markers move at commit, by the kinds of change made, never on rollback,
 * and a transaction remembers them as they were when it began. */
static void markers_move_with_committed_changes(void **state)
{
    struct fixture *f = *state;
    uint64_t any = sr_store_marker(f->store, SR_CHANGE_ANY);
    uint64_t hidden = sr_store_marker(f->store, SR_CHANGE_VERSIONS_HIDDEN);
    uint64_t ids = sr_store_marker(f->store, SR_CHANGE_SCHEMA_IDS);
    make_history(f->store); /* inserts, and one soft delete */
    assert_true(sr_store_marker(f->store, SR_CHANGE_ANY) > any);
    assert_true(sr_store_marker(f->store, SR_CHANGE_VERSIONS_HIDDEN) > hidden);
    assert_int_equal(sr_store_marker(f->store, SR_CHANGE_SCHEMA_IDS), ids + 1); /* chosen ids */
    any = sr_store_marker(f->store, SR_CHANGE_ANY);
    ids = sr_store_marker(f->store, SR_CHANGE_SCHEMA_IDS);

    struct sr_txn *t = begin(f->store, true);
    assert_int_equal(sr_txn_marker(t, SR_CHANGE_ANY), any);
    OK(sr_txn_version_remove(t, "s", 2, err));
    OK(sr_txn_schema_remove_if_unused(t, CTX, 2, NULL, err));
    sr_txn_rollback(t);
    assert_int_equal(sr_store_marker(f->store, SR_CHANGE_ANY), any);
    assert_int_equal(sr_store_marker(f->store, SR_CHANGE_SCHEMA_IDS), ids);

    t = begin(f->store, true);
    assert_int_equal(reserve(t, CTX), 3);
    put_schema(t, 3, "\"string\""); /* a reserved id changes no answer */
    commit(t);
    assert_int_equal(sr_store_marker(f->store, SR_CHANGE_SCHEMA_IDS), ids);

    t = begin(f->store, true);
    OK(sr_txn_version_remove(t, "s", 2, err));
    OK(sr_txn_schema_remove_if_unused(t, CTX, 2, NULL, err));
    commit(t);
    assert_int_equal(sr_store_marker(f->store, SR_CHANGE_SCHEMA_IDS), ids + 1);
}

static enum sr_err insert_one(struct sr_txn *t, void *arg, struct sr_error *err)
{
    int *runs = arg;
    ++*runs;
    int64_t id = 0;
    enum sr_err rc = sr_txn_reserve_id(t, CTX, &id, err);
    struct sr_schema_rec rec = {.id = id, .schema_type = L("AVRO"), .schema = L("\"int\"")};
    if (!rc)
        rc = sr_txn_schema_insert(t, CTX, &rec, NULL, 0, err);
    return rc;
}

/* sr_store_run() runs a conflicting transaction again from the start, and
 * gives up after SR_STORE_RUN_ATTEMPTS runs, committing nothing. */
static void run_retries_conflicts_whole(void **state)
{
    struct fixture *f = *state;
    int runs = 0;
    sr_store_inject_conflicts(f->store, 2);
    OK(sr_store_run(f->store, true, insert_one, &runs, err));
    assert_int_equal(runs, 3); /* reserve failed, then insert, then through */
    assert_int_equal(max_id(f->store, CTX), 1);

    runs = 0;
    sr_store_inject_conflicts(f->store, 1000);
    FAILS(SR_ERR_CONFLICT, sr_store_run(f->store, true, insert_one, &runs, err));
    assert_int_equal(runs, SR_STORE_RUN_ATTEMPTS);
    sr_store_inject_conflicts(f->store, 0);
    assert_int_equal(max_id(f->store, CTX), 1);

    /* A conflict at commit rolls the transaction back. */
    sr_store_inject_conflicts(f->store, 0);
    struct sr_txn *t = begin(f->store, true);
    OK(insert_one(t, &runs, err));
    sr_store_inject_conflicts(f->store, 1);
    FAILS(SR_ERR_CONFLICT, sr_txn_commit(t, err));
    assert_int_equal(max_id(f->store, CTX), 1);
}

/* A database made by the first release (tables of migration 1) opens with
 * its rows in the default context, its high-water mark kept. */
static void a_version_one_database_migrates(void **state)
{
    struct fixture *f = *state;
    sr_store_close(f->store);
    f->store = NULL;
    unlink(f->path);
    raw_exec(f->path,
             "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
             "INSERT INTO meta VALUES ('max_id', 9);"
             "CREATE TABLE schemas (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL,"
             " schema_type TEXT, schema TEXT NOT NULL, refs TEXT, metadata TEXT, ruleset TEXT);"
             "CREATE INDEX schemas_by_hash ON schemas (hash);"
             "CREATE TABLE versions (subject TEXT NOT NULL, version INTEGER NOT NULL,"
             " schema_id INTEGER NOT NULL REFERENCES schemas (id) DEFERRABLE INITIALLY DEFERRED,"
             " deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (subject, version)) WITHOUT ROWID;"
             "CREATE INDEX versions_by_schema ON versions (schema_id);"
             "CREATE TABLE refs (schema_id INTEGER NOT NULL REFERENCES schemas (id)"
             " DEFERRABLE INITIALLY DEFERRED, name TEXT NOT NULL, subject TEXT NOT NULL,"
             " version INTEGER NOT NULL);"
             "CREATE INDEX refs_by_schema ON refs (schema_id);"
             "CREATE INDEX refs_by_target ON refs (subject, version, schema_id);"
             "CREATE TABLE config (subject TEXT PRIMARY KEY, compatibility TEXT, normalize INTEGER,"
             " extra TEXT) WITHOUT ROWID;"
             "CREATE TABLE mode (subject TEXT PRIMARY KEY, mode TEXT NOT NULL) WITHOUT ROWID;"
             "INSERT INTO schemas VALUES (4, 0, 'AVRO', '\"int\"', NULL, NULL, NULL);"
             "INSERT INTO schemas VALUES (7, 0, 'AVRO', '\"long\"', '[]', NULL, NULL);"
             "INSERT INTO versions VALUES ('s', 1, 4, 0), ('s', 2, 7, 1);"
             "INSERT INTO refs VALUES (7, 'X', 's', 1);"
             "PRAGMA user_version = 1;");
    f->store = open_store(f);
    struct sr_txn *t = begin(f->store, true);
    struct sr_schema_rec got = {0};
    OK(sr_txn_schema_get(t, CTX, 7, &got, err));
    assert_string_equal(got.schema, "\"long\"");
    char guid[SR_GUID_SIZE];
    assert_true(sr_store_schema_guid(&got, guid));
    assert_non_null(got.guid); /* derived for the rows stored before GUIDs */
    assert_string_equal(got.guid, guid);
    sr_schema_rec_release(&got);
    assert_versions(t, "s", SR_WITH_DELETED, (int64_t[]){1, 2}, 2);
    struct sr_int_list users = {0};
    OK(sr_txn_referenced_by(t, "s", 1, SR_WITH_DELETED, &users, err));
    assert_ints(&users, (int64_t[]){7}, 1);
    sr_int_list_release(&users);
    assert_int_equal(reserve(t, CTX), 10); /* above the old high-water mark */
    commit(t);
}

/* ---- versions ---------------------------------------------------------------------------- */

static void versions_follow_the_filter(void **state)
{
    struct fixture *f = *state;
    make_history(f->store);
    struct sr_txn *t = begin(f->store, false);
    assert_versions(t, "s", SR_LIVE_ONLY, (int64_t[]){1, 3}, 2);
    assert_versions(t, "s", SR_WITH_DELETED, (int64_t[]){1, 2, 3}, 3);
    assert_versions(t, "s", SR_DELETED_ONLY, (int64_t[]){2}, 1);
    assert_versions(t, "nope", SR_WITH_DELETED, NULL, 0);
    assert_versions(t, "", SR_WITH_DELETED, NULL, 0);

    struct sr_version_rec *rows = NULL;
    size_t n = 0;
    OK(sr_txn_version_rows(t, "s", &rows, &n, err));
    assert_int_equal(n, 3);
    assert_rec(&rows[0], "s", 1, 1, false);
    assert_rec(&rows[1], "s", 2, 2, true);
    assert_rec(&rows[2], "s", 3, 1, false);
    free_recs(rows, n);
    rows = (void *)1;
    OK(sr_txn_version_rows(t, "nope", &rows, &n, err));
    assert_int_equal(n, 0);
    assert_null(rows);
    commit(t);
}

static void version_get_hides_soft_deleted(void **state)
{
    struct fixture *f = *state;
    make_history(f->store);
    struct sr_txn *t = begin(f->store, false);
    struct sr_version_rec v = {0};
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_get(t, "s", 2, false, &v, err));
    OK(sr_txn_version_get(t, "s", 2, true, &v, err));
    assert_rec(&v, "s", 2, 2, true);
    sr_version_rec_release(&v);
    OK(sr_txn_version_get(t, "s", -1, false, &v, err));
    assert_rec(&v, "s", 3, 1, false);
    sr_version_rec_release(&v);
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_get(t, "s", 4, true, &v, err));
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_get(t, "s", 0, true, &v, err));
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_get(t, "t", -1, true, &v, err));
    commit(t);

    /* Latest skips a soft-deleted highest version, with or without deleted. */
    t = begin(f->store, true);
    OK(sr_txn_version_set_deleted(t, "s", 3, true, err));
    OK(sr_txn_version_get(t, "s", -1, false, &v, err));
    assert_rec(&v, "s", 1, 1, false);
    sr_version_rec_release(&v);
    OK(sr_txn_version_get(t, "s", -1, true, &v, err));
    assert_int_equal(v.version, 1);
    sr_version_rec_release(&v);
    /* ... and there is none once every version is soft-deleted. */
    OK(sr_txn_version_set_deleted(t, "s", 1, true, err));
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_get(t, "s", -1, true, &v, err));
    /* Undeleting brings a version back. */
    OK(sr_txn_version_set_deleted(t, "s", 3, false, err));
    OK(sr_txn_version_get(t, "s", -1, false, &v, err));
    assert_rec(&v, "s", 3, 1, false);
    sr_version_rec_release(&v);
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_set_deleted(t, "s", 9, true, err));
    commit(t);
}

static void max_version_counts_soft_deleted(void **state)
{
    struct fixture *f = *state;
    make_history(f->store);
    struct sr_txn *t = begin(f->store, true);
    int32_t max = -1;
    OK(sr_txn_max_version(t, "nope", &max, err));
    assert_int_equal(max, 0);
    OK(sr_txn_version_set_deleted(t, "s", 3, true, err));
    OK(sr_txn_max_version(t, "s", &max, err));
    assert_int_equal(max, 3);
    /* A removed row no longer counts. */
    OK(sr_txn_version_remove(t, "s", 3, err));
    OK(sr_txn_max_version(t, "s", &max, err));
    assert_int_equal(max, 2);
    commit(t);
}

/* Schema 1 ("base", subject base version 1) and schema 2, which references it
 * and no version carries yet. */
static void put_base_and_referrer(struct sr_txn *t)
{
    struct sr_ref ref = {.name = L("Base"), .subject = L("base"), .version = 1};
    put_schema(t, 1, "\"base\"");
    struct sr_schema_rec user = {.id = 2, .schema_type = L("AVRO"), .schema = L("\"user\"")};
    OK(sr_txn_schema_insert(t, CTX, &user, &ref, 1, err));
    put_version(t, "base", 1, 1, false);
}

/* Only live versions whose schema makes references count. */
static void subject_uses_refs_sees_live_referrers(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    put_base_and_referrer(t);
    put_version(t, "user", 1, 1, false);
    put_version(t, "user", 2, 2, false);
    bool uses = true;
    OK(sr_txn_subject_uses_refs(t, "nope", &uses, err));
    assert_false(uses);
    OK(sr_txn_subject_uses_refs(t, "base", &uses, err));
    assert_false(uses);
    OK(sr_txn_subject_uses_refs(t, "user", &uses, err));
    assert_true(uses);
    /* A soft-deleted referrer no longer counts; undeleted, it does again. */
    OK(sr_txn_version_set_deleted(t, "user", 2, true, err));
    OK(sr_txn_subject_uses_refs(t, "user", &uses, err));
    assert_false(uses);
    OK(sr_txn_version_set_deleted(t, "user", 2, false, err));
    OK(sr_txn_subject_uses_refs(t, "user", &uses, err));
    assert_true(uses);
    commit(t);
}

static void version_by_id_picks_the_highest(void **state)
{
    struct fixture *f = *state;
    make_history(f->store);
    struct sr_txn *t = begin(f->store, true);
    struct sr_version_rec v = {0};
    OK(sr_txn_version_by_id(t, "s", CTX, 1, SR_LIVE_ONLY, &v, err));
    assert_rec(&v, "s", 3, 1, false);
    sr_version_rec_release(&v);
    OK(sr_txn_version_by_id(t, "s", CTX, 2, SR_WITH_DELETED, &v, err));
    assert_rec(&v, "s", 2, 2, true);
    sr_version_rec_release(&v);
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_by_id(t, "s", CTX, 2, SR_LIVE_ONLY, &v, err));
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_by_id(t, "s", CTX, 1, SR_DELETED_ONLY, &v, err));
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_by_id(t, "s", CTX, 5, SR_WITH_DELETED, &v, err));
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_by_id(t, "x", CTX, 1, SR_WITH_DELETED, &v, err));

    OK(sr_txn_version_set_deleted(t, "s", 3, true, err));
    OK(sr_txn_version_by_id(t, "s", CTX, 1, SR_LIVE_ONLY, &v, err));
    assert_rec(&v, "s", 1, 1, false);
    sr_version_rec_release(&v);
    OK(sr_txn_version_by_id(t, "s", CTX, 1, SR_DELETED_ONLY, &v, err));
    assert_rec(&v, "s", 3, 1, true);
    sr_version_rec_release(&v);
    OK(sr_txn_version_by_id(t, "s", CTX, 1, SR_WITH_DELETED, &v, err));
    assert_int_equal(v.version, 3);
    sr_version_rec_release(&v);
    commit(t);
}

static void version_insert_rejects_duplicates(void **state)
{
    struct fixture *f = *state;
    make_history(f->store);
    struct sr_txn *t = begin(f->store, true);
    /* SQLite's writers are serialised: a duplicate is a bug, not a lost race.
     * A shared backend reports a taken number as a race to retry (store.h). */
    FAILS(f->backend == SQLITE ? SR_ERR_INTERNAL : SR_ERR_CONFLICT,
          sr_txn_version_insert(t, "s", 1, CTX, 2, 0, err));
    /* The transaction survives its failed statements. */
    OK(sr_txn_version_insert(t, "s", 4, CTX, 2, 0, err));
    commit(t);
    t = begin(f->store, false);
    assert_versions(t, "s", SR_LIVE_ONLY, (int64_t[]){1, 3, 4}, 3);
    struct sr_version_rec v = {0};
    OK(sr_txn_version_get(t, "s", 1, false, &v, err));
    assert_int_equal(v.id, 1); /* the duplicate did not overwrite */
    sr_version_rec_release(&v);
    commit(t);
}

static void subjects_filter_prefix_and_byte_order(void **state)
{
    struct fixture *f = *state;
    /* The highest byte of a subject: 0xff for SQLite, which keeps any bytes;
     * PostgreSQL keeps UTF-8 only, whose highest character is U+10FFFF. */
    const char *top = f->backend == SQLITE ? "\xff" : "\xf4\x8f\xbf\xbf";
    char a_top[8], a_top_top[16];
    snprintf(a_top, sizeof(a_top), "a%s", top);
    snprintf(a_top_top, sizeof(a_top_top), "a%s%s", top, top);
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 1, "\"int\"");
    const char *live[] = {"a", "ab", "abc", "b", "B", "", "a\xc3\xa9", a_top, a_top_top, "b-"};
    for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
        put_version(t, live[i], 1, 1, false);
    put_version(t, "ad", 1, 1, true); /* every version deleted */
    put_version(t, "ad", 2, 1, true);
    put_version(t, "ae", 1, 1, true); /* one deleted, one live */
    put_version(t, "ae", 2, 1, false);
    commit(t);

    t = begin(f->store, false);
    /* Byte order: "B" < "a", and é (0xc3 0xa9) and the top byte after ASCII. */
    const char *sorted_live[] = {"",          "B",   "a",       "ab", "abc", "ae",
                                 "a\xc3\xa9", a_top, a_top_top, "b",  "b-"};
    assert_subjects(t, NULL, SR_LIVE_ONLY, sorted_live, 11);
    assert_subjects(t, "", SR_LIVE_ONLY, sorted_live, 11);
    assert_subjects(t, "a", SR_LIVE_ONLY,
                    (const char *[]){"a", "ab", "abc", "ae", "a\xc3\xa9", a_top, a_top_top}, 7);
    assert_subjects(t, "ab", SR_LIVE_ONLY, (const char *[]){"ab", "abc"}, 2);
    /* half a character: no UTF-8 text starts so (PostgreSQL); SQLite matches bytes */
    const char *const half_char[] = {"a\xc3\xa9"};
    assert_subjects(t, "a\xc3", SR_LIVE_ONLY, f->backend == SQLITE ? half_char : NULL,
                    f->backend == SQLITE ? 1 : 0);
    assert_subjects(t, a_top, SR_LIVE_ONLY, (const char *[]){a_top, a_top_top}, 2);
    assert_subjects(t, a_top_top, SR_LIVE_ONLY, (const char *[]){a_top_top}, 1);
    assert_subjects(t, "b", SR_LIVE_ONLY, (const char *[]){"b", "b-"}, 2);
    assert_subjects(t, "A", SR_LIVE_ONLY, NULL, 0); /* case matters */
    assert_subjects(t, "zz", SR_LIVE_ONLY, NULL, 0);
    assert_subjects(t, "a%", SR_LIVE_ONLY, NULL, 0); /* no wildcards */
    assert_subjects(t, "a_", SR_LIVE_ONLY, NULL, 0);
    assert_subjects(t, NULL, SR_DELETED_ONLY, (const char *[]){"ad"}, 1);
    assert_subjects(t, "a", SR_WITH_DELETED,
                    (const char *[]){"a", "ab", "abc", "ad", "ae", "a\xc3\xa9", a_top, a_top_top},
                    8);
    assert_subjects(t, "b", SR_DELETED_ONLY, NULL, 0);
    commit(t);
}

static void version_remove_keeps_the_schema_until_unused(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    put_base_and_referrer(t);
    put_version(t, "u1", 1, 2, false);
    put_version(t, "u2", 1, 2, true); /* soft-deleted rows still carry the schema */
    commit(t);

    t = begin(f->store, true);
    OK(sr_txn_version_remove(t, "u1", 1, err));
    FAILS(SR_ERR_VERSION_NOT_FOUND, sr_txn_version_remove(t, "u1", 1, err));
    bool removed = true;
    OK(sr_txn_schema_remove_if_unused(t, CTX, 2, &removed, err));
    assert_false(removed);
    struct sr_schema_rec got = {0};
    OK(sr_txn_schema_get(t, CTX, 2, &got, err)); /* still carried by u2/1 */
    sr_schema_rec_release(&got);
    struct sr_int_list by = {0};
    OK(sr_txn_referenced_by(t, "base", 1, SR_WITH_DELETED, &by, err));
    assert_ints(&by, (int64_t[]){2}, 1);
    sr_int_list_release(&by);

    OK(sr_txn_version_remove(t, "u2", 1, err));
    OK(sr_txn_schema_get(t, CTX, 2, &got, err)); /* the caller decides when it goes */
    sr_schema_rec_release(&got);
    OK(sr_txn_schema_remove_if_unused(t, CTX, 2, &removed, err));
    assert_true(removed);
    FAILS(SR_ERR_SCHEMA_NOT_FOUND, sr_txn_schema_get(t, CTX, 2, &got, err));
    /* Its references went with it. */
    OK(sr_txn_referenced_by(t, "base", 1, SR_WITH_DELETED, &by, err));
    assert_ints(&by, NULL, 0);
    sr_int_list_release(&by);
    /* Removing again, or an id never used, removes nothing. */
    OK(sr_txn_schema_remove_if_unused(t, CTX, 2, &removed, err));
    assert_false(removed);
    OK(sr_txn_schema_remove_if_unused(t, CTX, 77, &removed, err));
    assert_false(removed);
    commit(t);

    t = begin(f->store, false);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM refs"), 0);
    int64_t max = 0;
    OK(sr_txn_max_id(t, CTX, &max, err));
    assert_int_equal(max, 2);
    commit(t);
}

static void versions_for_id_follow_the_filter(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 1, "\"int\"");
    put_schema(t, 2, "\"long\"");
    put_version(t, "b", 2, 1, false);
    put_version(t, "a", 3, 1, true);
    put_version(t, "a", 1, 1, false);
    put_version(t, "a", 2, 2, false);
    commit(t);

    t = begin(f->store, false);
    struct {
        enum sr_deleted_filter filter;
        size_t n;
        struct sr_subject_version want[3];
    } cases[] = {
        {SR_LIVE_ONLY, 2, {{L("a"), 1}, {L("b"), 2}}},
        {SR_WITH_DELETED, 3, {{L("a"), 1}, {L("a"), 3}, {L("b"), 2}}},
        {SR_DELETED_ONLY, 1, {{L("a"), 3}}},
    };
    for (size_t c = 0; c < 3; c++) {
        struct sr_subject_version_list l = {0};
        OK(sr_txn_versions_for_id(t, CTX, 1, cases[c].filter, &l, err));
        assert_int_equal(l.count, cases[c].n);
        for (size_t i = 0; i < l.count; i++) {
            assert_string_equal(l.items[i].subject, cases[c].want[i].subject);
            assert_int_equal(l.items[i].version, cases[c].want[i].version);
        }
        sr_subject_version_list_release(&l);
        assert_null(l.items);
    }
    struct sr_subject_version_list none = {0};
    OK(sr_txn_versions_for_id(t, CTX, 3, SR_WITH_DELETED, &none, err));
    assert_int_equal(none.count, 0);
    sr_subject_version_list_release(&none);
    commit(t);
}

static void referenced_by_counts_live_carriers(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 1, "\"base\"");
    put_version(t, "base", 1, 1, false);
    struct sr_ref to_base = {.name = L("Base"), .subject = L("base"), .version = 1};
    struct sr_ref twice[] = {{.name = L("A"), .subject = L("base"), .version = 1},
                             {.name = L("B"), .subject = L("base"), .version = 1},
                             {.name = L("C"), .subject = L("other"), .version = 1}};
    struct sr_schema_rec live = {.id = 2, .schema = L("\"live\"")};
    struct sr_schema_rec deleted = {.id = 3, .schema = L("\"deleted\"")};
    struct sr_schema_rec orphan = {.id = 4, .schema = L("\"orphan\"")};
    struct sr_schema_rec both = {.id = 5, .schema = L("\"both\"")};
    OK(sr_txn_schema_insert(t, CTX, &deleted, &to_base, 1, err));
    OK(sr_txn_schema_insert(t, CTX, &live, &to_base, 1, err));
    OK(sr_txn_schema_insert(t, CTX, &orphan, &to_base, 1, err));
    OK(sr_txn_schema_insert(t, CTX, &both, twice, 3, err));
    put_version(t, "live", 1, 2, false);
    put_version(t, "gone", 1, 3, true);
    put_version(t, "both", 1, 5, true);
    put_version(t, "both", 2, 5, false);
    commit(t);

    t = begin(f->store, false);
    struct sr_int_list l = {0};
    OK(sr_txn_referenced_by(t, "base", 1, SR_LIVE_ONLY, &l, err));
    assert_ints(&l, (int64_t[]){2, 5}, 2);
    sr_int_list_release(&l);
    OK(sr_txn_referenced_by(t, "base", 1, SR_WITH_DELETED, &l, err));
    assert_ints(&l, (int64_t[]){2, 3, 4, 5}, 4);
    sr_int_list_release(&l);
    OK(sr_txn_referenced_by(t, "base", 1, SR_DELETED_ONLY, &l, err));
    assert_ints(&l, (int64_t[]){2, 3, 4, 5}, 4); /* "otherwise any stored schema" */
    sr_int_list_release(&l);
    OK(sr_txn_referenced_by(t, "other", 1, SR_LIVE_ONLY, &l, err));
    assert_ints(&l, (int64_t[]){5}, 1);
    sr_int_list_release(&l);
    OK(sr_txn_referenced_by(t, "base", 2, SR_WITH_DELETED, &l, err));
    assert_ints(&l, NULL, 0);
    sr_int_list_release(&l);
    commit(t);
}

/* Lists with sr_txn_list_versions and compares "subject/version/id/deleted" lines. */
static void assert_listing(struct sr_txn *t, const char *prefix, enum sr_deleted_filter filter,
                           bool latest_only, int64_t offset, int64_t limit, const char *want)
{
    struct sr_version_rec *recs = NULL;
    size_t n = 0;
    OK(sr_txn_list_versions(t, prefix, filter, latest_only, offset, limit, &recs, &n, err));
    char got[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s/%d/%lld/%d", i ? " " : "",
                                recs[i].subject, (int)recs[i].version, (long long)recs[i].id,
                                (int)recs[i].deleted);
    free_recs(recs, n);
    assert_string_equal(got, want);
}

static void list_versions_pages_and_picks_latest(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 1, "\"int\"");
    put_schema(t, 2, "\"long\"");
    put_version(t, "x", 1, 1, false);
    put_version(t, "x", 2, 2, true);
    put_version(t, "y", 1, 2, false);
    put_version(t, "y", 2, 1, false);
    put_version(t, "z", 1, 1, true);
    put_version(t, "other", 1, 1, false);
    commit(t);

    t = begin(f->store, false);
    assert_listing(t, NULL, SR_WITH_DELETED, false, 0, -1,
                   "other/1/1/0 x/1/1/0 x/2/2/1 y/1/2/0 y/2/1/0 z/1/1/1");
    assert_listing(t, "", SR_LIVE_ONLY, false, 0, -1, "other/1/1/0 x/1/1/0 y/1/2/0 y/2/1/0");
    assert_listing(t, NULL, SR_DELETED_ONLY, false, 0, -1, "x/2/2/1 z/1/1/1");
    assert_listing(t, "x", SR_WITH_DELETED, false, 0, -1, "x/1/1/0 x/2/2/1");
    assert_listing(t, "nothing", SR_WITH_DELETED, false, 0, -1, "");
    /* latest: the highest version matching the filter, per subject */
    assert_listing(t, NULL, SR_LIVE_ONLY, true, 0, -1, "other/1/1/0 x/1/1/0 y/2/1/0");
    assert_listing(t, NULL, SR_WITH_DELETED, true, 0, -1, "other/1/1/0 x/2/2/1 y/2/1/0 z/1/1/1");
    assert_listing(t, NULL, SR_DELETED_ONLY, true, 0, -1, "x/2/2/1 z/1/1/1");
    assert_listing(t, "y", SR_LIVE_ONLY, true, 0, -1, "y/2/1/0");
    /* paging */
    assert_listing(t, NULL, SR_WITH_DELETED, false, 1, 2, "x/1/1/0 x/2/2/1");
    assert_listing(t, NULL, SR_WITH_DELETED, false, 4, 100, "y/2/1/0 z/1/1/1");
    assert_listing(t, NULL, SR_WITH_DELETED, false, 6, -1, "");
    assert_listing(t, NULL, SR_WITH_DELETED, false, 0, 0, "");
    assert_listing(t, NULL, SR_WITH_DELETED, false, -5, 1, "other/1/1/0");
    assert_listing(t, NULL, SR_LIVE_ONLY, true, 1, 1, "x/1/1/0");
    assert_listing(t, NULL, SR_LIVE_ONLY, true, 2, -7, "y/2/1/0");
    commit(t);
}

/* ---- config and mode ------------------------------------------------------------------- */

static void config_keeps_global_and_subjects_apart(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    struct sr_config_rec got = {.compatibility = NULL};
    bool found = true;
    OK(sr_txn_config_get(t, NULL, &got, &found, err));
    assert_false(found);
    assert_null(got.compatibility);
    assert_null(got.extra);
    assert_int_equal(got.normalize, -1);

    struct sr_config_rec global = {.compatibility = L("FULL"), .normalize = -1};
    struct sr_config_rec empty = {
        .compatibility = L("NONE"), .normalize = 1, .extra = L("{\"a\":1}")};
    struct sr_config_rec subj = {.compatibility = NULL, .normalize = 0};
    OK(sr_txn_config_put(t, NULL, &global, err));
    OK(sr_txn_config_put(t, "", &empty, err));
    OK(sr_txn_config_put(t, "s", &subj, err));
    commit(t);

    t = begin(f->store, false);
    OK(sr_txn_config_get(t, NULL, &got, &found, err));
    assert_true(found);
    assert_string_equal(got.compatibility, "FULL");
    assert_int_equal(got.normalize, -1);
    assert_null(got.extra);
    sr_config_rec_release(&got);
    OK(sr_txn_config_get(t, "", &got, &found, err));
    assert_true(found);
    assert_string_equal(got.compatibility, "NONE");
    assert_int_equal(got.normalize, 1);
    assert_string_equal(got.extra, "{\"a\":1}");
    sr_config_rec_release(&got);
    OK(sr_txn_config_get(t, "s", &got, &found, err));
    assert_true(found);
    assert_null(got.compatibility);
    assert_int_equal(got.normalize, 0);
    sr_config_rec_release(&got);
    OK(sr_txn_config_get(t, "other", &got, &found, err));
    assert_false(found);
    commit(t);

    t = begin(f->store, true);
    struct sr_config_rec replaced = {.compatibility = L("BACKWARD"), .normalize = 1};
    OK(sr_txn_config_put(t, "", &replaced, err)); /* replaces the whole row */
    OK(sr_txn_config_get(t, "", &got, &found, err));
    assert_string_equal(got.compatibility, "BACKWARD");
    assert_null(got.extra);
    sr_config_rec_release(&got);
    OK(sr_txn_config_delete(t, "", &found, err));
    assert_true(found);
    OK(sr_txn_config_delete(t, "", &found, err));
    assert_false(found);
    OK(sr_txn_config_delete(t, "s", NULL, err));
    OK(sr_txn_config_get(t, NULL, &got, &found, err)); /* the global row survives */
    assert_true(found);
    sr_config_rec_release(&got);
    OK(sr_txn_config_delete(t, NULL, &found, err));
    assert_true(found);
    OK(sr_txn_config_get(t, NULL, &got, &found, err));
    assert_false(found);
    commit(t);
}

static void mode_keeps_global_and_subjects_apart(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    char *mode = (char *)"sentinel";
    OK(sr_txn_mode_get(t, NULL, &mode, err));
    assert_null(mode);
    OK(sr_txn_mode_put(t, NULL, "READONLY", err));
    OK(sr_txn_mode_put(t, "", "IMPORT", err));
    OK(sr_txn_mode_put(t, "s", "READWRITE", err));
    OK(sr_txn_mode_put(t, "s", "READONLY_OVERRIDE", err));
    commit(t);

    t = begin(f->store, true);
    const char *subjects[] = {NULL, "", "s"};
    const char *want[] = {"READONLY", "IMPORT", "READONLY_OVERRIDE"};
    for (int i = 0; i < 3; i++) {
        OK(sr_txn_mode_get(t, subjects[i], &mode, err));
        assert_string_equal(mode, want[i]);
        free(mode);
    }
    bool found = false;
    OK(sr_txn_mode_delete(t, "", &found, err));
    assert_true(found);
    OK(sr_txn_mode_delete(t, "", &found, err));
    assert_false(found);
    OK(sr_txn_mode_get(t, "", &mode, err));
    assert_null(mode);
    OK(sr_txn_mode_get(t, NULL, &mode, err));
    assert_string_equal(mode, "READONLY");
    free(mode);
    OK(sr_txn_mode_delete(t, NULL, NULL, err));
    OK(sr_txn_mode_get(t, NULL, &mode, err));
    assert_null(mode);
    commit(t);
}

static void assert_setting_subjects(struct sr_txn *t, const char *const *want, size_t n)
{
    struct sr_str_list l = {0};
    OK(sr_txn_setting_subjects(t, &l, err));
    if (l.count != n)
        fail_msg("got %zu subjects with settings, want %zu", l.count, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(l.items[i], want[i]);
    sr_str_list_release(&l);
}

/* The subjects with settings, versions or none: a config, a mode or both
 * count once, the global rows never, in byte order. */
static void setting_subjects_list_config_and_mode(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    assert_setting_subjects(t, NULL, 0);
    struct sr_config_rec full = {.compatibility = L("FULL"), .normalize = -1};
    OK(sr_txn_config_put(t, NULL, &full, err));
    OK(sr_txn_mode_put(t, NULL, "READONLY", err));
    assert_setting_subjects(t, NULL, 0);
    OK(sr_txn_config_put(t, "b", &full, err));
    OK(sr_txn_mode_put(t, "b", "IMPORT", err));
    OK(sr_txn_mode_put(t, "Z", "READONLY", err));
    OK(sr_txn_config_put(t, "a\xc3\xa9", &full, err));
    OK(sr_txn_config_put(t, ":.team:", &full, err));
    OK(sr_txn_config_put(t, "", &full, err));
    commit(t);
    t = begin(f->store, true);
    assert_setting_subjects(t, (const char *[]){"", ":.team:", "Z", "a\xc3\xa9", "b"}, 5);
    OK(sr_txn_config_delete(t, "b", NULL, err));
    OK(sr_txn_mode_delete(t, "Z", NULL, err));
    assert_setting_subjects(t, (const char *[]){"", ":.team:", "a\xc3\xa9", "b"}, 4);
    commit(t);
}

static void counts_see_live_rows(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, false);
    struct sr_store_counts c = {-1, -1, -1};
    OK(sr_txn_counts(t, &c, err));
    assert_int_equal(c.subjects, 0);
    assert_int_equal(c.versions, 0);
    assert_int_equal(c.schemas, 0);
    commit(t);

    make_history(f->store); /* s: 1, 2 (deleted), 3 */
    t = begin(f->store, true);
    put_version(t, "gone", 1, 1, true);
    put_version(t, "t", 1, 2, false);
    put_schema(t, 3, "\"unused\"");
    OK(sr_txn_counts(t, &c, err));
    assert_int_equal(c.subjects, 2);
    assert_int_equal(c.versions, 3);
    assert_int_equal(c.schemas, 3);
    commit(t);
}

/* ---- transactions ------------------------------------------------------------------------- */

static void rollback_discards_and_reads_are_snapshots(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 1, "\"int\"");
    put_version(t, "s", 1, 1, false);
    OK(sr_txn_mode_put(t, NULL, "READONLY", err));
    sr_txn_rollback(t);

    struct sr_txn *r = begin(f->store, false);
    struct sr_store_counts before = {0};
    OK(sr_txn_counts(r, &before, err));
    assert_int_equal(before.schemas, 0);
    char *mode = NULL;
    OK(sr_txn_mode_get(r, NULL, &mode, err));
    assert_null(mode);

    /* A write committed while r is open stays invisible to r. */
    t = begin(f->store, true);
    put_schema(t, 1, "\"int\"");
    put_version(t, "s", 1, 1, false);
    commit(t);
    struct sr_store_counts during = {0};
    OK(sr_txn_counts(r, &during, err));
    assert_int_equal(during.schemas, 0);
    assert_int_equal(during.versions, 0);
    commit(r);

    r = begin(f->store, false);
    OK(sr_txn_counts(r, &during, err));
    assert_int_equal(during.schemas, 1);
    assert_int_equal(during.versions, 1);
    sr_txn_rollback(r); /* ending a read by rollback is fine too */
}

static void failed_commit_rolls_back_and_frees_the_writer(void **state)
{
    struct fixture *f = *state;
    /* A version of a schema that does not exist breaks a foreign key, which
     * is checked at commit. */
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 1, "\"int\"");
    OK(sr_txn_version_insert(t, "s", 1, CTX, 99, 0, err));
    FAILS(SR_ERR_INTERNAL, sr_txn_commit(t, err));

    t = begin(f->store, false); /* nothing of it was kept */
    struct sr_store_counts c = {0};
    OK(sr_txn_counts(t, &c, err));
    assert_int_equal(c.schemas, 0);
    assert_int_equal(c.versions, 0);
    commit(t);

    t = begin(f->store, true); /* and the writer is free again */
    put_schema(t, 1, "\"int\"");
    put_version(t, "s", 1, 1, false);
    commit(t);
}

static void a_thread_cannot_nest_write_transactions(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    struct sr_txn *again = NULL;
    FAILS(SR_ERR_INTERNAL, sr_store_begin(f->store, true, &again, err));
    assert_null(again);
    /* A read beside one's own write is fine; it does not see the write. */
    put_schema(t, 1, "\"int\"");
    struct sr_txn *r = begin(f->store, false);
    struct sr_schema_rec got = {0};
    FAILS(SR_ERR_SCHEMA_NOT_FOUND, sr_txn_schema_get(r, CTX, 1, &got, err));
    commit(r);
    commit(t);
}

static void many_reads_open_at_once(void **state)
{
    struct fixture *f = *state;
    make_history(f->store);
    struct sr_txn *r[12];
    for (int i = 0; i < 12; i++)
        r[i] = begin(f->store, false);
    for (int i = 0; i < 12; i++) {
        struct sr_schema_rec got = {0};
        OK(sr_txn_schema_get(r[i], CTX, 1 + i % 2, &got, err));
        assert_string_equal(got.schema, i % 2 ? "\"long\"" : "\"int\"");
        sr_schema_rec_release(&got);
    }
    for (int i = 0; i < 12; i++) {
        if (i % 2)
            sr_txn_rollback(r[i]);
        else
            commit(r[i]);
    }
}

/* Arguments the contract rules out are assert()ed (programmer errors);
 * what remains for callers: releases are NULL-safe, err may be NULL. */
static void releases_are_null_safe_and_err_is_optional(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, false);
    struct sr_schema_rec got = {0};
    assert_int_equal(sr_txn_schema_get(t, CTX, 5, &got, NULL), SR_ERR_SCHEMA_NOT_FOUND);
    commit(t);
    sr_txn_rollback(NULL);
    sr_store_close(NULL);
    sr_int_list_release(NULL);
    sr_str_list_release(NULL);
    sr_version_rec_release(NULL);
    sr_schema_rec_release(NULL);
    sr_config_rec_release(NULL);
    sr_subject_version_list_release(NULL);
}

static void large_and_unusual_text_round_trips(void **state)
{
    struct fixture *f = *state;
    size_t len = (size_t)4 * 1024 * 1024;
    char *big = malloc(len + 1);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)('a' + i % 26);
    big[len] = '\0';
    const char *subject = "caf\xc3\xa9 \xe2\x98\x83 with spaces/and%2Fslashes";
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 1, big);
    put_version(t, subject, 1, 1, false);
    commit(t);

    t = begin(f->store, false);
    struct sr_schema_rec got = {0};
    OK(sr_txn_schema_get(t, CTX, 1, &got, err));
    assert_int_equal(strlen(got.schema), len);
    assert_memory_equal(got.schema, big, len);
    sr_schema_rec_release(&got);
    struct sr_schema_rec probe = {.schema_type = L("AVRO"), .schema = big};
    int64_t id = 0;
    OK(sr_txn_schema_find(t, CTX, &probe, &id, err));
    assert_int_equal(id, 1);
    struct sr_version_rec v = {0};
    OK(sr_txn_version_get(t, subject, 1, false, &v, err));
    assert_string_equal(v.subject, subject);
    sr_version_rec_release(&v);
    commit(t);
    free(big);
}

/* ---- many threads ---------------------------------------------------------------------- */

#define WRITERS 16
#define WRITES_PER_WRITER 20
#define READERS 4

struct race {
    struct sr_store *store;
    pthread_mutex_t lock;
    int writers_done;
    int failures;
    char first_failure[SR_ERROR_MESSAGE_MAX + 64];
    int64_t ids[WRITERS * WRITES_PER_WRITER];
    int id_count;
    long reads;
};

static void race_fail(struct race *r, const char *what, const struct sr_error *err)
{
    pthread_mutex_lock(&r->lock);
    if (r->failures++ == 0)
        snprintf(r->first_failure, sizeof(r->first_failure), "%s: %s", what, err->message);
    pthread_mutex_unlock(&r->lock);
}

/* One registration: a new id, its schema, and the next version of a subject
 * every writer shares, so that lost updates would show as duplicates. */
static enum sr_err register_one(struct sr_txn *t, int w, int i, int64_t *id_out,
                                struct sr_error *err)
{
    char text[64];
    snprintf(text, sizeof(text), "\"writer-%d-%d\"", w, i);
    int64_t id = 0;
    int32_t max = 0;
    enum sr_err rc = sr_txn_reserve_id(t, CTX, &id, err);
    struct sr_schema_rec rec = {.id = id, .schema_type = L("AVRO"), .schema = text};
    if (!rc)
        rc = sr_txn_schema_insert(t, CTX, &rec, NULL, 0, err);
    if (!rc)
        rc = sr_txn_max_version(t, "shared", &max, err);
    if (!rc)
        rc = sr_txn_version_insert(t, "shared", max + 1, CTX, id, 0, err);
    *id_out = id;
    return rc;
}

struct writer_arg {
    struct race *race;
    int index;
};

static void *writer_main(void *p)
{
    struct writer_arg *a = p;
    struct race *r = a->race;
    for (int i = 0; i < WRITES_PER_WRITER; i++) {
        struct sr_error err = {0};
        struct sr_txn *t = NULL;
        int64_t id = 0;
        enum sr_err rc = sr_store_begin(r->store, true, &t, &err);
        if (!rc && register_one(t, a->index, i, &id, &err) != SR_OK) {
            sr_txn_rollback(t);
            rc = SR_ERR_INTERNAL;
        } else if (!rc) {
            rc = sr_txn_commit(t, &err);
        }
        if (rc) {
            race_fail(r, "write", &err);
            continue;
        }
        pthread_mutex_lock(&r->lock);
        r->ids[r->id_count++] = id;
        pthread_mutex_unlock(&r->lock);
    }
    pthread_mutex_lock(&r->lock);
    r->writers_done++;
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* Each registration adds one schema and one version in one transaction: a
 * snapshot that shows them out of step saw half a transaction. */
static enum sr_err read_one(struct sr_store *store, struct sr_error *err)
{
    struct sr_txn *t = NULL;
    enum sr_err rc = sr_store_begin(store, false, &t, err);
    if (rc)
        return rc;
    struct sr_store_counts c = {0};
    rc = sr_txn_counts(t, &c, err);
    if (!rc && c.schemas != c.versions)
        rc = sr_errorf(err, SR_ERR_INTERNAL, "torn snapshot: %lld schemas, %lld versions",
                       (long long)c.schemas, (long long)c.versions);
    struct sr_version_rec v = {0};
    if (!rc && c.versions > 0)
        rc = sr_txn_version_get(t, "shared", -1, false, &v, err);
    struct sr_schema_rec s = {0};
    if (!rc && c.versions > 0)
        rc = sr_txn_schema_get(t, CTX, v.id, &s, err);
    if (!rc && c.versions > 0 && v.version != c.versions)
        rc = sr_errorf(err, SR_ERR_INTERNAL, "latest version %d of %lld", (int)v.version,
                       (long long)c.versions);
    sr_version_rec_release(&v);
    sr_schema_rec_release(&s);
    if (rc) {
        sr_txn_rollback(t);
        return rc;
    }
    return sr_txn_commit(t, err);
}

static void *reader_main(void *p)
{
    struct race *r = p;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        bool done = r->writers_done == WRITERS;
        r->reads++;
        pthread_mutex_unlock(&r->lock);
        if (done)
            break;
        struct sr_error err = {0};
        if (read_one(r->store, &err))
            race_fail(r, "read", &err);
    }
    return NULL;
}

static int compare_ids(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void concurrent_writers_and_readers(void **state)
{
    struct fixture *f = *state;
    struct race *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->store = f->store;
    pthread_mutex_init(&r->lock, NULL);
    pthread_t writers[WRITERS], readers[READERS];
    struct writer_arg args[WRITERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&readers[i], NULL, reader_main, r), 0);
    for (int i = 0; i < WRITERS; i++) {
        args[i] = (struct writer_arg){r, i};
        assert_int_equal(pthread_create(&writers[i], NULL, writer_main, &args[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(writers[i], NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(readers[i], NULL);
    pthread_mutex_destroy(&r->lock);
    if (r->failures)
        fail_msg("%d failures; first: %s", r->failures, r->first_failure);

    int total = WRITERS * WRITES_PER_WRITER;
    assert_int_equal(r->id_count, total);
    qsort(r->ids, (size_t)total, sizeof(r->ids[0]), compare_ids);
    for (int i = 0; i < total; i++)
        assert_int_equal(r->ids[i], i + 1); /* distinct, and none skipped */
    assert_true(r->reads > READERS);

    struct sr_txn *t = begin(f->store, false);
    struct sr_int_list versions = {0};
    OK(sr_txn_versions(t, "shared", SR_LIVE_ONLY, &versions, err));
    assert_int_equal(versions.count, (size_t)total);
    for (int i = 0; i < total; i++)
        assert_int_equal(versions.items[i], i + 1);
    sr_int_list_release(&versions);
    int64_t max = 0;
    OK(sr_txn_max_id(t, CTX, &max, err));
    assert_int_equal(max, total);
    commit(t);
    free(r);
}

/* ---- group commit ----------------------------------------------------------------------- */

#define BATCHED 6

struct batched {
    struct sr_store *store;
    int index;        /* tells its schema apart */
    bool leader;      /* alone in the first batch, which it holds until the next forms */
    bool fail;        /* writes, then fails */
    bool conflict;    /* its first run loses a race (an injected conflict) */
    _Atomic int runs; /* how often its work ran (a conflict runs the batch again) */
    const struct sr_txn *txn;
    enum sr_err rc; /* the answer */
    int64_t id;
    char message[SR_ERROR_MESSAGE_MAX];
};

/* How many callers wait for the next batch. */
static size_t batch_queued(struct sr_store *store)
{
    size_t n = 0;
    pthread_mutex_lock(&store->batch_lock);
    for (struct sr_batch_item *i = store->queue; i; i = i->next)
        n++;
    pthread_mutex_unlock(&store->batch_lock);
    return n;
}

/* One registration: a new id, its schema, the subject's next version. One
 * that fails writes first, then meets a statement the database refuses
 * (PostgreSQL: text that is not UTF-8, which aborts the transaction until
 * its savepoint is rolled back; SQLite takes it) and answers its own error. */
static enum sr_err batched_work(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct batched *b = arg;
    b->runs++;
    b->txn = t;
    if (b->leader && b->runs == 1) /* hold the first batch until the next has formed */
        for (int i = 0; i < 5000 && batch_queued(b->store) < BATCHED - 1; i++)
            usleep(1000);
    if (b->conflict && b->runs == 1)
        sr_store_inject_conflicts(b->store, 1); /* its first write below */
    char text[32];
    snprintf(text, sizeof(text), "\"batched-%d\"", b->index);
    int64_t id = 0;
    int32_t max = 0;
    enum sr_err rc = sr_txn_reserve_id(t, CTX, &id, err);
    struct sr_schema_rec rec = {.id = id, .schema_type = L("AVRO"), .schema = text};
    if (!rc)
        rc = sr_txn_schema_insert(t, CTX, &rec, NULL, 0, err);
    if (!rc)
        rc = sr_txn_max_version(t, "b", &max, err);
    if (!rc)
        rc = sr_txn_version_insert(t, "b", max + 1, CTX, id, 0, err);
    if (!rc && b->fail) {
        struct sr_schema_rec bad = {
            .id = id + 1000, .schema_type = L("AVRO"), .schema = L("\"\xff\"")};
        rc = sr_txn_schema_insert(t, CTX, &bad, NULL, 0, err);
        if (!rc)
            rc = sr_errorf(err, SR_ERR_BAD_REQUEST, "refused by the test");
    }
    b->id = id;
    return rc;
}

static void *batched_main(void *p)
{
    struct batched *b = p;
    struct sr_error err = {0};
    b->rc = sr_store_run_batched(b->store, batched_work, b, &err);
    snprintf(b->message, sizeof(b->message), "%s", err.message);
    return NULL;
}

/* Writes that arrive while another commits share the next batch: one
 * transaction, each in a savepoint of its own, so that a failing one (even
 * one whose statement the database refused) drops only its own writes and
 * gets its own error, the others keep theirs and see each other's writes
 * (consecutive versions, ids given back by the failures reused). A conflict
 * runs the whole batch again. */
/* Runs b[0] (the leader, alone in its batch, which it holds until the
 * others have queued for the next) and b[1..BATCHED) behind it; asserts that
 * the followers shared one transaction and that the successful ones got the
 * ids from first_id on, in some order (the order they arrived in). */
static void run_batches(struct batched *b, int64_t first_id)
{
    pthread_t threads[BATCHED];
    b[0].leader = true;
    assert_int_equal(pthread_create(&threads[0], NULL, batched_main, &b[0]), 0);
    while (!b[0].runs) /* the leader's batch is under way */
        usleep(1000);
    for (int i = 1; i < BATCHED; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, batched_main, &b[i]), 0);
    for (int i = 0; i < BATCHED; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(b[0].rc, SR_OK);
    assert_int_equal(b[0].id, first_id - 1);
    bool taken[BATCHED] = {false};
    for (int i = 1; i < BATCHED; i++) {
        assert_ptr_equal(b[i].txn, b[1].txn); /* one transaction for the batch */
        if (b[i].fail)
            continue;
        if (b[i].rc != SR_OK)
            fail_msg("writer %d: %s", i, b[i].message);
        int64_t slot = b[i].id - first_id; /* a failure gave its id back */
        assert_true(slot >= 0 && slot < BATCHED && !taken[slot]);
        taken[slot] = true;
    }
}

/* Writes that arrive while another commits share the next batch: one
 * transaction, each in a savepoint of its own, so that a failing one (even
 * one whose statement the database refused) drops only its own writes and
 * gets its own error, the others keep theirs and see each other's writes
 * (consecutive versions; ids the failures gave back are used). A conflict
 * runs the whole batch again, with the same answers. */
static void batched_writes_keep_their_own_answers(void **state)
{
    struct fixture *f = *state;
    struct batched b[BATCHED];
    for (int i = 0; i < BATCHED; i++)
        b[i] = (struct batched){.store = f->store, .index = i, .fail = i == 2 || i == 4};
    run_batches(b, 2);
    for (int i = 2; i <= 4; i += 2) {
        assert_int_equal(b[i].rc, f->backend == SQLITE ? SR_ERR_BAD_REQUEST : SR_ERR_INTERNAL);
        assert_true(b[i].message[0] != '\0');
    }
    struct sr_txn *t = begin(f->store, false);
    assert_versions(t, "b", SR_WITH_DELETED, (int64_t[]){1, 2, 3, 4}, 4);
    struct sr_store_counts c = {0};
    OK(sr_txn_counts(t, &c, err));
    assert_int_equal(c.schemas, 4); /* nothing of the failures stayed */
    commit(t);

    for (int i = 0; i < BATCHED; i++)
        b[i] = (struct batched){
            .store = f->store, .index = 10 + i, .fail = i == 2, .conflict = i == 4};
    run_batches(b, 6);
    assert_int_not_equal(b[2].rc, SR_OK);
    /* The batch ran again from its start (what ran before the conflict
     * twice, the rest once), and nothing of its first attempt stayed. */
    assert_int_equal(b[4].runs, 2);
    assert_int_equal(b[4].rc, SR_OK);
    t = begin(f->store, false);
    assert_versions(t, "b", SR_LIVE_ONLY, (int64_t[]){1, 2, 3, 4, 5, 6, 7, 8, 9}, 9);
    commit(t);
}

/* ---- SQLite aside: the spec, the notices --------------------------------------------- */

static void spec_picks_the_backend_and_hides_passwords(void **state)
{
    (void)state;
    assert_true(sr_store_spec_is_postgres("postgresql://h/db"));
    assert_true(sr_store_spec_is_postgres("postgres://h/db"));
    assert_true(sr_store_spec_is_postgres("PostgreSQL://h/db"));
    assert_false(sr_store_spec_is_postgres("/tmp/registry.db"));
    assert_false(sr_store_spec_is_postgres("sqlite:/tmp/registry.db"));
    assert_false(sr_store_spec_is_postgres("postgresql:/h"));
    assert_false(sr_store_spec_is_postgres(NULL));

    static const char *const cases[][2] = {
        {"postgresql://u:pw@h:5/db", "postgresql://u:***@h:5/db"},
        {"postgres://u:p@ss@h/db?sslmode=require", "postgres://u:***@h/db?sslmode=require"},
        {"postgresql://u@h/db?password=pw&sslmode=require",
         "postgresql://u@h/db?password=***&sslmode=require"},
        {"postgresql://u@h/db?sslmode=require&password=pw",
         "postgresql://u@h/db?sslmode=require&password=***"},
        {"postgresql://u@h/mypassword=db", "postgresql://u@h/mypassword=db"},
        {"postgresql://h/db", "postgresql://h/db"},
        {"./data/registry.db", "./data/registry.db"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[128];
        sr_store_spec_redact(cases[i][0], out, sizeof(out));
        assert_string_equal(out, cases[i][1]);
    }
    char small[12];
    sr_store_spec_redact("postgresql://u:pw@h/db", small, sizeof(small));
    assert_string_equal(small, "postgresql:");

    /* "sqlite:PATH" is a SQLite file. */
    char dir[64], spec[128];
    assert_non_null(tu_tempdir(dir, sizeof(dir), "sr_storage_spec_"));
    snprintf(spec, sizeof(spec), "sqlite:%s/r.db", dir);
    struct sr_store *store = NULL;
    OK(sr_store_open(spec, NULL, &store, err));
    sr_store_close(store);
    snprintf(spec, sizeof(spec), "%s/r.db", dir);
    assert_int_equal(access(spec, F_OK), 0);
    tu_tempdir_remove(dir);
}

static void pg_notices_parse(void **state)
{
    (void)state;
    char node[17];
    unsigned mask = 0;
    assert_true(pg_parse_notice("0123456789abcdef:5", node, sizeof(node), &mask));
    assert_string_equal(node, "0123456789abcdef");
    assert_int_equal(mask, 5);
    const char *bad[] = {"", "x", ":3", "n:", "n:99", "n:3x", "n:-1", "0123456789abcdef0:1", NULL};
    for (int i = 0; bad[i]; i++)
        assert_false(pg_parse_notice(bad[i], node, sizeof(node), &mask));
    assert_false(pg_parse_notice(NULL, node, sizeof(node), &mask));
}

/* ---- PostgreSQL only --------------------------------------------------------------------- */

static int64_t pg_count(struct fixture *f, const char *sql)
{
    return pg_raw(f->schema, sql);
}

static void pg_open_migrates_once_and_reopens(void **state)
{
    struct fixture *f = *state;
    struct sr_txn *t = begin(f->store, true);
    put_schema(t, 1, "\"string\"");
    put_version(t, "s", 1, 1, false);
    commit(t);
    sr_store_close(f->store);
    f->store = NULL;

    char tables_sql[160];
    snprintf(tables_sql, sizeof(tables_sql),
             "SELECT count(*) FROM pg_tables WHERE schemaname = '%s'", f->schema);
    assert_int_equal(pg_count(f, "SELECT max(version) FROM avro_registry_migrations"), 1);
    int64_t tables = pg_count(f, tables_sql);
    assert_int_equal(tables, 8); /* 7 of the registry's, the migrations' own */
    /* Reopening twice: the migrations would fail on their CREATE TABLEs (and
     * duplicate the counter row) if they ran again. */
    for (int i = 0; i < 2; i++) {
        f->store = open_store(f);
        sr_store_close(f->store);
        f->store = NULL;
    }
    assert_int_equal(pg_count(f, "SELECT count(*) FROM avro_registry_migrations"), 1);
    assert_int_equal(pg_count(f, tables_sql), tables);
    assert_int_equal(pg_count(f, "SELECT count(*) FROM contexts"), 1);
    assert_int_equal(pg_count(f, "SELECT count(*) FROM used_ids"), 1);

    f->store = open_store(f);
    t = begin(f->store, false);
    struct sr_version_rec v = {0};
    OK(sr_txn_version_get(t, "s", 1, false, &v, err));
    assert_rec(&v, "s", 1, 1, false);
    sr_version_rec_release(&v);
    commit(t);
}

#define OPENERS 6

struct opener {
    const char *spec;
    struct sr_store *store;
    char failure[SR_ERROR_MESSAGE_MAX];
};

static void *opener_main(void *p)
{
    struct opener *o = p;
    struct sr_error err = {0};
    if (sr_store_open(o->spec, NULL, &o->store, &err))
        snprintf(o->failure, sizeof(o->failure), "%s", err.message);
    return NULL;
}

/* Nodes starting at once on a new database: one migrates, the others wait
 * for it and find the work done; all of them open. */
static void pg_stores_opened_at_once_migrate_once(void **state)
{
    struct fixture *f = *state;
    char schema[48], sql[128], spec[sizeof(f->spec)];
    snprintf(schema, sizeof(schema), "%s_fresh", f->schema);
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
    pg_raw(NULL, sql);
    snprintf(spec, sizeof(spec), "%s?options=-csearch_path%%3D%s", pg_url, schema);
    struct opener openers[OPENERS];
    pthread_t threads[OPENERS];
    for (int i = 0; i < OPENERS; i++) {
        openers[i] = (struct opener){.spec = spec};
        assert_int_equal(pthread_create(&threads[i], NULL, opener_main, &openers[i]), 0);
    }
    for (int i = 0; i < OPENERS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < OPENERS; i++)
        if (!openers[i].store)
            fail_msg("opener %d: %s", i, openers[i].failure);
    assert_int_equal(pg_raw(schema, "SELECT count(*) FROM avro_registry_migrations"), 1);
    assert_int_equal(pg_raw(schema, "SELECT count(*) FROM contexts"), 1);
    struct sr_txn *t = begin(openers[0].store, true);
    assert_int_equal(reserve(t, CTX), 1);
    commit(t);
    for (int i = 0; i < OPENERS; i++)
        sr_store_close(openers[i].store);
    snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
    pg_raw(NULL, sql);
}

static void pg_open_refuses_newer_database(void **state)
{
    struct fixture *f = *state;
    sr_store_close(f->store);
    f->store = NULL;
    pg_count(f, "INSERT INTO avro_registry_migrations (version) VALUES (99)");
    struct sr_store *store = NULL;
    struct sr_error e = {0};
    assert_int_equal(sr_store_open(f->spec, NULL, &store, &e), SR_ERR_INTERNAL);
    assert_null(store);
    assert_non_null(strstr(e.message, "newer"));
}

static void pg_open_rejects_bad_urls(void **state)
{
    (void)state;
    struct sr_store *store = NULL;
    struct sr_error e = {0};
    /* Nobody listens on port 1: unavailable, named, and no password shown. */
    assert_int_equal(
        sr_store_open("postgresql://avroreg:s3cret@127.0.0.1:1/registry", NULL, &store, &e),
        SR_ERR_UNAVAILABLE);
    assert_null(store);
    assert_non_null(strstr(e.message, "127.0.0.1:1/registry"));
    assert_null(strstr(e.message, "s3cret"));
    FAILS(SR_ERR_INTERNAL, sr_store_open("postgresql://[::1/x", NULL, &store, err));
    FAILS(SR_ERR_INTERNAL, sr_store_open_postgres("", NULL, &store, err));
    assert_null(store);
}

/* Polls marker kind of store until it passes since (up to 10 s). */
static bool marker_moves(struct sr_store *store, enum sr_change kind, uint64_t since)
{
    for (int i = 0; i < 1000; i++) {
        if (sr_store_marker(store, kind) > since)
            return true;
        usleep(10000);
    }
    return false;
}

static bool listening(struct sr_store *store)
{
    for (int i = 0; i < 1000; i++) {
        if (atomic_load(&((struct pg_store *)store)->listener.listening))
            return true;
        usleep(10000);
    }
    return false;
}

struct second_writer {
    struct sr_store *store;
    _Atomic bool first_committed;
    bool waited; /* began only after the first writer committed */
};

static void *second_writer_main(void *p)
{
    struct second_writer *w = p;
    struct sr_txn *t = begin(w->store, true);
    w->waited = atomic_load(&w->first_committed);
    int64_t id = 0;
    struct sr_error err = {0};
    if (!sr_txn_reserve_id(t, CTX, &id, &err) && id == 3)
        sr_txn_commit(t, &err);
    else
        sr_txn_rollback(t);
    return NULL;
}

/* Two stores on one database, as two nodes: each sees the other's commits,
 * its markers move when the other commits (LISTEN/NOTIFY), and never twice
 * for its own; writers of both take turns. */
static void pg_stores_share_one_database(void **state)
{
    struct fixture *f = *state;
    struct sr_store *other = open_store(f);
    assert_true(listening(f->store));
    assert_true(listening(other));
    uint64_t any = sr_store_marker(f->store, SR_CHANGE_ANY);
    uint64_t other_any = sr_store_marker(other, SR_CHANGE_ANY);
    uint64_t other_hidden = sr_store_marker(other, SR_CHANGE_VERSIONS_HIDDEN);
    uint64_t other_ids = sr_store_marker(other, SR_CHANGE_SCHEMA_IDS);

    struct sr_txn *t = begin(f->store, true);
    assert_int_equal(reserve(t, CTX), 1);
    put_schema(t, 1, "\"int\"");
    put_version(t, "s", 1, 1, false);
    commit(t);
    assert_true(marker_moves(other, SR_CHANGE_ANY, other_any));
    /* A reserved id changes no answer: the other's by-id caches stay. */
    assert_int_equal(sr_store_marker(other, SR_CHANGE_SCHEMA_IDS), other_ids);
    assert_int_equal(sr_store_marker(other, SR_CHANGE_VERSIONS_HIDDEN), other_hidden);
    t = begin(other, false);
    struct sr_version_rec v = {0};
    OK(sr_txn_version_get(t, "s", 1, false, &v, err));
    assert_rec(&v, "s", 1, 1, false);
    sr_version_rec_release(&v);
    commit(t);

    /* The other node hides a version and removes a schema: both kinds move here. */
    uint64_t hidden = sr_store_marker(f->store, SR_CHANGE_VERSIONS_HIDDEN);
    uint64_t ids = sr_store_marker(f->store, SR_CHANGE_SCHEMA_IDS);
    t = begin(other, true);
    OK(sr_txn_version_remove(t, "s", 1, err));
    OK(sr_txn_schema_remove_if_unused(t, CTX, 1, NULL, err));
    commit(t);
    assert_true(marker_moves(f->store, SR_CHANGE_VERSIONS_HIDDEN, hidden));
    assert_true(marker_moves(f->store, SR_CHANGE_SCHEMA_IDS, ids));
    /* This store's own commit moved its ANY marker once, not again by its echo. */
    usleep(200000);
    assert_int_equal(sr_store_marker(f->store, SR_CHANGE_ANY), any + 2);

    /* Writers take turns across stores: the second begins once the first ends. */
    t = begin(f->store, true);
    assert_int_equal(reserve(t, CTX), 2);
    struct second_writer w = {.store = other};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, second_writer_main, &w), 0);
    usleep(300000);
    atomic_store(&w.first_committed, true);
    commit(t);
    pthread_join(thread, NULL);
    assert_true(w.waited);
    assert_int_equal(max_id(f->store, CTX), 3); /* 2 here, then 3 there */
    sr_store_close(other);
}

/* The writer lock keeps registry writers apart; should anything write
 * without it, SERIALIZABLE still refuses the lost race (SR_ERR_CONFLICT),
 * and sr_store_run's retry then reads afresh. */
struct late_insert {
    struct fixture *f;
    int runs;
};

static enum sr_err insert_after_a_rogue_write(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct late_insert *l = arg;
    int32_t max = 0;
    enum sr_err rc = sr_txn_max_version(t, "s", &max, err); /* the snapshot is taken */
    if (!rc && l->runs++ == 0)
        pg_count(l->f, "BEGIN; INSERT INTO schemas (context, id, hash, schema_type, schema, guid)"
                       " VALUES ('.', 50, 0, 'AVRO', '\"rogue\"', 'g');"
                       " INSERT INTO used_ids VALUES ('.', 50);"
                       " INSERT INTO versions (subject, version, context, schema_id)"
                       " VALUES ('s', 1, '.', 50); COMMIT");
    struct sr_schema_rec rec = {.id = 1, .schema_type = L("AVRO"), .schema = L("\"mine\"")};
    if (!rc)
        rc = sr_txn_schema_insert(t, CTX, &rec, NULL, 0, err);
    if (!rc)
        rc = sr_txn_version_insert(t, "s", max + 1, CTX, 1, 0, err);
    return rc;
}

static void pg_serializable_catches_a_writer_without_the_lock(void **state)
{
    struct fixture *f = *state;
    struct late_insert l = {.f = f};
    OK(sr_store_run(f->store, true, insert_after_a_rogue_write, &l, err));
    assert_int_equal(l.runs, 2); /* the first run lost the race */
    struct sr_txn *t = begin(f->store, false);
    assert_versions(t, "s", SR_LIVE_ONLY, (int64_t[]){1, 2}, 2);
    struct sr_version_rec v = {0};
    OK(sr_txn_version_get(t, "s", 2, false, &v, err));
    assert_int_equal(v.id, 1);
    sr_version_rec_release(&v);
    commit(t);
}

/* ---- ids with writers on several stores ---- */

#define NODES 3
#define NODE_WRITERS 3
#define NODE_WRITES 8 /* each writer's; every fourth is rolled back after its reservation */

struct node_writer {
    struct sr_store *store;
    int index;
    int64_t ids[NODE_WRITES];
    int count;
    char failure[SR_ERROR_MESSAGE_MAX];
};

struct node_write {
    int writer, n;
    int64_t id;
};

static enum sr_err node_register(struct sr_txn *t, void *arg, struct sr_error *err)
{
    struct node_write *w = arg;
    char text[64];
    snprintf(text, sizeof(text), "\"node-writer-%d-%d\"", w->writer, w->n);
    int32_t max = 0;
    enum sr_err rc = sr_txn_reserve_id(t, CTX, &w->id, err);
    if (!rc && w->n % 4 == 3) /* gives its id back */
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "rolled back by the test");
    struct sr_schema_rec rec = {.id = w->id, .schema_type = L("AVRO"), .schema = text};
    if (!rc)
        rc = sr_txn_schema_insert(t, CTX, &rec, NULL, 0, err);
    if (!rc)
        rc = sr_txn_max_version(t, "shared", &max, err);
    if (!rc)
        rc = sr_txn_version_insert(t, "shared", max + 1, CTX, w->id, 0, err);
    return rc;
}

static void *node_writer_main(void *p)
{
    struct node_writer *nw = p;
    for (int n = 0; n < NODE_WRITES; n++) {
        struct node_write w = {nw->index, n, 0};
        struct sr_error err = {0};
        enum sr_err rc = sr_store_run(nw->store, true, node_register, &w, &err);
        if (n % 4 == 3 && rc == SR_ERR_BAD_REQUEST)
            continue;
        if (rc) {
            snprintf(nw->failure, sizeof(nw->failure), "%s", err.message);
            return NULL;
        }
        nw->ids[nw->count++] = w.id;
    }
    return NULL;
}

/* Three stores on one database, as three nodes, with writers racing on each:
 * every id is given once, ids rolled back are given again, ids imported
 * before are skipped, and the versions of the one subject they all write
 * are consecutive. */
static void pg_ids_across_stores(void **state)
{
    struct fixture *f = *state;
    struct sr_store *stores[NODES] = {f->store, open_store(f), open_store(f)};
    struct sr_txn *t = begin(stores[2], true);
    const int64_t imported[] = {10, 20, 30};
    for (int i = 0; i < 3; i++)
        put_schema(t, imported[i], i == 0 ? "\"imp10\"" : i == 1 ? "\"imp20\"" : "\"imp30\"");
    commit(t);
    struct node_writer writers[NODES * NODE_WRITERS];
    pthread_t threads[NODES * NODE_WRITERS];
    for (int i = 0; i < NODES * NODE_WRITERS; i++) {
        writers[i] = (struct node_writer){.store = stores[i % NODES], .index = i};
        assert_int_equal(pthread_create(&threads[i], NULL, node_writer_main, &writers[i]), 0);
    }
    for (int i = 0; i < NODES * NODE_WRITERS; i++)
        pthread_join(threads[i], NULL);
    enum { TOTAL = NODES * NODE_WRITERS * (NODE_WRITES - NODE_WRITES / 4) };
    bool seen[TOTAL + 4] = {false};
    int count = 0;
    for (int i = 0; i < NODES * NODE_WRITERS; i++) {
        if (writers[i].failure[0])
            fail_msg("writer %d: %s", i, writers[i].failure);
        for (int k = 0; k < writers[i].count; k++) {
            int64_t id = writers[i].ids[k];
            /* dense from 1, around the imported ids, and never twice */
            assert_true(id >= 1 && id <= TOTAL + 3 && id != 10 && id != 20 && id != 30);
            assert_false(seen[id]);
            seen[id] = true;
            count++;
        }
    }
    assert_int_equal(count, TOTAL);
    t = begin(stores[1], false);
    struct sr_int_list versions = {0};
    OK(sr_txn_versions(t, "shared", SR_LIVE_ONLY, &versions, err));
    assert_int_equal(versions.count, (size_t)TOTAL);
    for (int i = 0; i < TOTAL; i++)
        assert_int_equal(versions.items[i], i + 1);
    sr_int_list_release(&versions);
    commit(t);
    assert_int_equal(max_id(stores[2], CTX), TOTAL + 3);
    sr_store_close(stores[1]);
    sr_store_close(stores[2]);
}

/* The listener's own connection is cut while the database stays: the store
 * moves every marker (a notification may have gone by meanwhile: here a
 * commit of another store), listens again by itself, and hears the next. */
static void pg_listener_loss_moves_markers(void **state)
{
    struct fixture *f = *state;
    struct sr_store *other = open_store(f);
    assert_true(listening(f->store));
    uint64_t ids = sr_store_marker(f->store, SR_CHANGE_SCHEMA_IDS);
    uint64_t hidden = sr_store_marker(f->store, SR_CHANGE_VERSIONS_HIDDEN);
    assert_true(pg_raw(NULL, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                             " WHERE application_name = '" PG_LISTENER_NAME "'") >= 2);
    struct sr_txn *t = begin(other, true);
    put_schema(t, 1, "\"int\"");
    commit(t); /* maybe announced while nobody listened */
    assert_true(marker_moves(f->store, SR_CHANGE_SCHEMA_IDS, ids));
    assert_true(marker_moves(f->store, SR_CHANGE_VERSIONS_HIDDEN, hidden));
    assert_true(listening(f->store));
    assert_true(listening(other));
    hidden = sr_store_marker(f->store, SR_CHANGE_VERSIONS_HIDDEN);
    t = begin(other, true);
    put_version(t, "s", 1, 1, false);
    OK(sr_txn_version_set_deleted(t, "s", 1, true, err));
    commit(t);
    assert_true(marker_moves(f->store, SR_CHANGE_VERSIONS_HIDDEN, hidden));
    sr_store_close(other);
}

/* The database restarted: pooled connections are stale, the listener lost
 * its own. The next transaction works (reconnecting), the markers moved
 * (notifications may have been missed), and notifications flow again. While
 * the database is away every operation and readiness answer
 * SR_ERR_UNAVAILABLE, naming it; then it all comes back by itself. */
static void pg_restart_and_absence(void **state)
{
    struct fixture *f = *state;
    make_history(f->store);
    struct sr_txn *many[3];
    for (int i = 0; i < 3; i++) /* three pooled connections, all to go stale */
        many[i] = begin(f->store, false);
    for (int i = 0; i < 3; i++)
        commit(many[i]);
    uint64_t ids = sr_store_marker(f->store, SR_CHANGE_SCHEMA_IDS);
    assert_true(pgserver("restart"));
    assert_true(marker_moves(f->store, SR_CHANGE_SCHEMA_IDS, ids));
    struct sr_txn *t = begin(f->store, false);
    assert_versions(t, "s", SR_WITH_DELETED, (int64_t[]){1, 2, 3}, 3);
    commit(t);
    assert_true(listening(f->store));
    struct sr_store *other = open_store(f);
    uint64_t hidden = sr_store_marker(f->store, SR_CHANGE_VERSIONS_HIDDEN);
    t = begin(other, true);
    OK(sr_txn_version_set_deleted(t, "s", 1, true, err));
    commit(t);
    assert_true(marker_moves(f->store, SR_CHANGE_VERSIONS_HIDDEN, hidden));
    sr_store_close(other);

    assert_true(pgserver("halt"));
    struct sr_error e = {0};
    t = NULL;
    assert_int_equal(sr_store_begin(f->store, false, &t, &e), SR_ERR_UNAVAILABLE);
    assert_null(t);
    assert_non_null(strstr(e.message, "127.0.0.1:"));
    assert_int_equal(sr_store_check(f->store, &e), SR_ERR_UNAVAILABLE);
    /* Deaf meanwhile: every transaction begun moves the markers. */
    uint64_t any = sr_store_marker(f->store, SR_CHANGE_ANY);
    sr_store_begin(f->store, false, &t, &e);
    assert_true(sr_store_marker(f->store, SR_CHANGE_ANY) > any);
    assert_true(pgserver("start-again"));
    OK(sr_store_check(f->store, err));
    t = begin(f->store, true);
    OK(sr_txn_version_set_deleted(t, "s", 1, false, err));
    commit(t);
    t = begin(f->store, false);
    assert_versions(t, "s", SR_LIVE_ONLY, (int64_t[]){1, 3}, 2);
    commit(t);
}

/* Tests that hold for every backend. */
#define COMMON_TESTS(X)                                                                            \
    X(schema_round_trips_every_field)                                                              \
    X(schema_find_compares_every_field)                                                            \
    X(schema_hash_tells_fields_apart)                                                              \
    X(ids_are_never_reused)                                                                        \
    X(an_imported_huge_id_does_not_exhaust_the_ids)                                                \
    X(contexts_number_their_own_ids)                                                               \
    X(id_states_carry_the_used_ids)                                                                \
    X(markers_move_with_committed_changes)                                                         \
    X(guids_and_contexts)                                                                          \
    X(run_retries_conflicts_whole)                                                                 \
    X(versions_follow_the_filter)                                                                  \
    X(version_get_hides_soft_deleted)                                                              \
    X(max_version_counts_soft_deleted)                                                             \
    X(subject_uses_refs_sees_live_referrers)                                                       \
    X(version_by_id_picks_the_highest)                                                             \
    X(version_insert_rejects_duplicates)                                                           \
    X(subjects_filter_prefix_and_byte_order)                                                       \
    X(version_remove_keeps_the_schema_until_unused)                                                \
    X(versions_for_id_follow_the_filter)                                                           \
    X(referenced_by_counts_live_carriers)                                                          \
    X(list_versions_pages_and_picks_latest)                                                        \
    X(config_keeps_global_and_subjects_apart)                                                      \
    X(mode_keeps_global_and_subjects_apart)                                                        \
    X(setting_subjects_list_config_and_mode)                                                       \
    X(counts_see_live_rows)                                                                        \
    X(rollback_discards_and_reads_are_snapshots)                                                   \
    X(failed_commit_rolls_back_and_frees_the_writer)                                               \
    X(a_thread_cannot_nest_write_transactions)                                                     \
    X(many_reads_open_at_once)                                                                     \
    X(releases_are_null_safe_and_err_is_optional)                                                  \
    X(large_and_unusual_text_round_trips)                                                          \
    X(concurrent_writers_and_readers)                                                              \
    X(batched_writes_keep_their_own_answers)

int main(void)
{
#define SQ(fn) cmocka_unit_test_setup_teardown(fn, setup_sqlite, teardown),
#define PG(fn) cmocka_unit_test_setup_teardown(fn, setup_pg, teardown),
    const struct CMUnitTest sqlite_tests[] = {
        SQ(open_migrates_once_and_reopens) SQ(open_refuses_newer_database)
            SQ(open_rejects_bad_paths) SQ(a_second_owner_is_refused)
                SQ(a_version_one_database_migrates) COMMON_TESTS(SQ)};
    const struct CMUnitTest pg_tests[] = {
        PG(pg_open_migrates_once_and_reopens) PG(pg_stores_opened_at_once_migrate_once)
            PG(pg_open_refuses_newer_database) PG(pg_open_rejects_bad_urls)
                PG(pg_stores_share_one_database)
                    PG(pg_serializable_catches_a_writer_without_the_lock) PG(pg_ids_across_stores)
                        PG(pg_listener_loss_moves_markers) PG(pg_restart_and_absence)
                            COMMON_TESTS(PG)};
    const struct CMUnitTest plain_tests[] = {
        cmocka_unit_test(spec_picks_the_backend_and_hides_passwords),
        cmocka_unit_test(pg_notices_parse),
    };
#undef SQ
#undef PG
    int failed = cmocka_run_group_tests_name("storage", plain_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("storage/sqlite", sqlite_tests, NULL, NULL);
    if (!pg_server_up()) {
        /* Not a skip: the PostgreSQL backend is part of what this suite proves. */
        print_error("no test PostgreSQL: tests/pg/pgserver could not start one\n");
        return 1;
    }
    failed += cmocka_run_group_tests_name("storage/postgresql", pg_tests, NULL, NULL);
    pg_server_down();
    return failed ? 1 : 0;
}

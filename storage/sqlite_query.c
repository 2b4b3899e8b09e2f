/*
 * sqlite_query.c - running the cached statements of sqlite_sql.h: prepare
 * once per connection, bind in order, step, copy columns out, reset.
 */
#include "storage/sqlite_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const stmt_sql[SQ__COUNT] = {
#define SQ_STMT_SQL(name, sql) [name] = (sql),
    SQ_STATEMENTS(SQ_STMT_SQL)
#undef SQ_STMT_SQL
};

static const char *const stmt_name[SQ__COUNT] = {
#define SQ_STMT_NAME(name, sql) [name] = #name,
    SQ_STATEMENTS(SQ_STMT_NAME)
#undef SQ_STMT_NAME
};

enum sr_err sq_error_class(int sqlite_rc)
{
    switch (sqlite_rc & 0xff) {
    case SQLITE_FULL:     /* disk full */
    case SQLITE_IOERR:    /* the disk failed us */
    case SQLITE_READONLY: /* read-only file system or file */
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY: /* another process holds the database past the busy timeout */
    case SQLITE_LOCKED:
        return SR_ERR_UNAVAILABLE;
    case SQLITE_NOMEM:
        return SR_ERR_NOMEM;
    default:
        return SR_ERR_INTERNAL;
    }
}

/* Records SQLite's own message for the connection's last failure, naming
 * the database file, since "disk full" means little without it. */
static void fail_sqlite(struct sq_query *q, const char *what)
{
    sqlite3 *db = q->conn->db;
    const char *file = sqlite3_db_filename(db, "main");
    q->rc =
        sr_errorf(q->err, sq_error_class(sqlite3_extended_errcode(db)), "sqlite: %s %s on %s: %s",
                  what, stmt_name[q->id], file && *file ? file : "(memory)", sqlite3_errmsg(db));
}

void sq_query_fail(struct sq_query *q, enum sr_err code, const char *what)
{
    if (q->rc)
        return;
    q->rc = sr_errorf(q->err, code, "sqlite: %s %s", what, stmt_name[q->id]);
}

enum sr_err sq_query_start_conn(struct sq_query *q, struct sq_conn *c, enum sq_stmt id,
                                struct sr_error *err)
{
    memset(q, 0, sizeof(*q));
    q->conn = c;
    q->err = err;
    if (!c->stmts[id]) {
        /* PERSISTENT: these live as long as the connection. */
        int rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->stmts[id], NULL);
        if (rc != SQLITE_OK)
            return sr_errorf(err, SR_ERR_INTERNAL, "sqlite: preparing %s: %s", stmt_name[id],
                             sqlite3_errmsg(c->db));
    }
    q->stmt = c->stmts[id];
    q->id = id;
    return SR_OK;
}

enum sr_err sq_query_start(struct sq_query *q, struct sr_txn *t, enum sq_stmt id,
                           struct sr_error *err)
{
    return sq_query_start_conn(q, (struct sq_conn *)t, id, err);
}

static void check_bind(struct sq_query *q, int rc)
{
    if (rc != SQLITE_OK)
        fail_sqlite(q, "binding");
}

void sq_bind_text(struct sq_query *q, const char *s)
{
    if (q->rc)
        return;
    /* A NULL pointer binds SQL NULL. */
    check_bind(q, sqlite3_bind_text(q->stmt, ++q->param, s, -1, SQLITE_STATIC));
}

void sq_bind_int(struct sq_query *q, int64_t v)
{
    if (q->rc)
        return;
    check_bind(q, sqlite3_bind_int64(q->stmt, ++q->param, v));
}

void sq_bind_null(struct sq_query *q)
{
    if (q->rc)
        return;
    check_bind(q, sqlite3_bind_null(q->stmt, ++q->param));
}

void sq_bind_setting_key(struct sq_query *q, const char *subject)
{
    sq_bind_text(q, subject ? subject : SQ_GLOBAL_SUBJECT);
}

void sq_bind_filter(struct sq_query *q, enum sr_deleted_filter filter)
{
    sq_bind_int(q, filter == SR_DELETED_ONLY ? 1 : 0);
    sq_bind_int(q, filter == SR_LIVE_ONLY ? 0 : 1);
}

/* The end of a prefix's range: the prefix with trailing 0xff bytes dropped
 * and the last byte left incremented ("ab" -> "ac"); none when every byte is
 * 0xff, including for the empty prefix. */
static void bind_prefix_end(struct sq_query *q, const char *prefix)
{
    size_t n = strlen(prefix);
    if (n > INT_MAX) {
        sq_query_fail(q, SR_ERR_INTERNAL, "prefix too long for");
        return;
    }
    while (n > 0 && (unsigned char)prefix[n - 1] == 0xff)
        n--;
    if (n == 0) {
        check_bind(q, sqlite3_bind_zeroblob(q->stmt, ++q->param, 0));
        return;
    }
    char *end = strndup(prefix, n);
    if (!end) {
        sq_query_fail(q, SR_ERR_NOMEM, "out of memory binding");
        return;
    }
    end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
    check_bind(q, sqlite3_bind_text(q->stmt, ++q->param, end, (int)n, SQLITE_TRANSIENT));
    free(end);
}

void sq_bind_prefix(struct sq_query *q, const char *prefix)
{
    sq_bind_text(q, prefix);
    if (!q->rc)
        bind_prefix_end(q, prefix);
}

bool sq_row(struct sq_query *q)
{
    if (q->rc)
        return false;
    int rc = sqlite3_step(q->stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        fail_sqlite(q, "running");
    return false;
}

void sq_exec(struct sq_query *q)
{
    while (sq_row(q))
        ; /* statements run for effect; a row (as from a PRAGMA) is not a failure */
}

int64_t sq_changes(const struct sq_query *q)
{
    return sqlite3_changes64(q->conn->db);
}

bool sq_col_is_null(const struct sq_query *q, int col)
{
    return sqlite3_column_type(q->stmt, col) == SQLITE_NULL;
}

int64_t sq_col_int(const struct sq_query *q, int col)
{
    return sqlite3_column_int64(q->stmt, col);
}

char *sq_col_text(struct sq_query *q, int col)
{
    if (q->rc || sq_col_is_null(q, col))
        return NULL;
    /* Borrowed until the next step: copy it. Text first, then its length,
     * as SQLite recommends. */
    const unsigned char *text = sqlite3_column_text(q->stmt, col);
    size_t len = (size_t)sqlite3_column_bytes(q->stmt, col);
    char *copy = text ? malloc(len + 1) : NULL;
    if (!copy) {
        sq_query_fail(q, SR_ERR_NOMEM, "out of memory reading");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    return copy;
}

char *sq_strdup(struct sq_query *q, const char *s)
{
    if (q->rc)
        return NULL;
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (!copy) {
        sq_query_fail(q, SR_ERR_NOMEM, "out of memory reading");
        return NULL;
    }
    memcpy(copy, s, len + 1);
    return copy;
}

bool sq_grow(struct sq_query *q, void **items, size_t *cap, size_t need, size_t elem_size)
{
    if (q->rc)
        return false;
    if (sr_store_grow(items, cap, need, elem_size))
        return true;
    sq_query_fail(q, SR_ERR_NOMEM, "out of memory reading");
    return false;
}

enum sr_err sq_query_end(struct sq_query *q)
{
    /* The failure, if any, was recorded when it happened; reset only
     * repeats it. Clearing drops the borrowed pointers bound. */
    sqlite3_reset(q->stmt);
    sqlite3_clear_bindings(q->stmt);
    return q->rc;
}

enum sr_err sq_collect_ints(struct sq_query *q, struct sr_int_list *out)
{
    struct sr_int_list list = {0};
    size_t cap = 0;
    while (sq_row(q) && sq_grow(q, (void **)&list.items, &cap, list.count + 1, sizeof(*list.items)))
        list.items[list.count++] = sq_col_int(q, 0);
    enum sr_err rc = sq_query_end(q);
    if (rc) {
        sr_int_list_release(&list);
        return rc;
    }
    *out = list;
    return SR_OK;
}

enum sr_err sq_collect_strings(struct sq_query *q, struct sr_str_list *out)
{
    struct sr_str_list list = {0};
    size_t cap = 0;
    while (sq_row(q) &&
           sq_grow(q, (void **)&list.items, &cap, list.count + 1, sizeof(*list.items))) {
        list.items[list.count] = sq_col_text(q, 0);
        if (list.items[list.count])
            list.count++;
    }
    enum sr_err rc = sq_query_end(q);
    if (rc) {
        sr_str_list_release(&list);
        return rc;
    }
    *out = list;
    return SR_OK;
}

void sq_conn_finalize(struct sq_conn *c)
{
    for (int i = 0; i < SQ__COUNT; i++) {
        sqlite3_finalize(c->stmts[i]);
        c->stmts[i] = NULL;
    }
}

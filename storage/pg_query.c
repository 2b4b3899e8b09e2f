/*
 * pg_query.c - running the prepared statements of pg_sql.h: prepare once per
 * connection, bind text parameters in order, execute, read columns, and the
 * mapping from PostgreSQL's failures to the store's error codes.
 */
#include "storage/pg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const stmt_sql[PG__COUNT] = {
#define PG_STMT_SQL(name, sql) [name] = (sql),
    PG_STATEMENTS(PG_STMT_SQL)
#undef PG_STMT_SQL
};

static const char *const stmt_name[PG__COUNT] = {
#define PG_STMT_NAME(name, sql) [name] = #name,
    PG_STATEMENTS(PG_STMT_NAME)
#undef PG_STMT_NAME
};

/* ---- errors --------------------------------------------------------------------------- */

/* Unique keys that another writer can take first: the operations that insert
 * on them report a lost race, not a bug. */
static bool racy_key(const char *constraint)
{
    static const char *const keys[] = {"versions_pkey", "schemas_pkey", "used_ids_pkey",
                                       "contexts_pkey", "config_pkey",  "mode_pkey"};
    for (size_t i = 0; constraint && i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(constraint, keys[i]) == 0)
            return true;
    return false;
}

enum sr_err pg_error_class(PGconn *db, const PGresult *res)
{
    if (!db || PQstatus(db) != CONNECTION_OK)
        return SR_ERR_UNAVAILABLE;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!state) /* no answer from the server at all: the connection failed */
        return SR_ERR_UNAVAILABLE;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return SR_ERR_CONFLICT;
    if (strcmp(state, "23505") == 0)
        return racy_key(PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)) ? SR_ERR_CONFLICT
                                                                          : SR_ERR_INTERNAL;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
        strncmp(state, "58", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        strcmp(state, "25006") == 0 || strcmp(state, "55P03") == 0)
        return SR_ERR_UNAVAILABLE;
    return SR_ERR_INTERNAL;
}

void pg_error_text(PGconn *db, const PGresult *res, char *out, size_t cap)
{
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = db ? PQerrorMessage(db) : "out of memory";
    if (!msg || !*msg)
        msg = "no answer from the server";
    snprintf(out, cap, "%s", msg);
    /* One line: libpq ends messages with a newline and indents its details. */
    size_t n = strlen(out);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
}

/* Records the failure of the statement on the connection. */
static void fail_pg(struct pg_query *q, const char *what, const PGresult *res)
{
    char text[1024];
    PGconn *db = q->conn->db;
    pg_error_text(db, res, text, sizeof(text));
    q->rc = sr_errorf(q->err, pg_error_class(db, res), "postgresql: %s %s on %s: %s", what,
                      stmt_name[q->id], q->store->where, text);
    if (q->rc == SR_ERR_UNAVAILABLE)
        q->conn->broken = true;
}

void pg_query_fail(struct pg_query *q, enum sr_err code, const char *what)
{
    if (q->rc)
        return;
    q->rc = sr_errorf(q->err, code, "postgresql: %s %s", what, stmt_name[q->id]);
}

/* ---- running ------------------------------------------------------------------------ */

/* The name a statement is prepared under on every connection. */
static void prepared_name(enum pg_stmt id, char *out, size_t cap)
{
    snprintf(out, cap, "sr%d", (int)id);
}

static enum sr_err prepare(struct pg_query *q)
{
    struct pg_conn *c = q->conn;
    if (c->prepared[q->id])
        return SR_OK;
    char name[16];
    prepared_name(q->id, name, sizeof(name));
    PGresult *res = PQprepare(c->db, name, stmt_sql[q->id], 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_pg(q, "preparing", res);
    else
        c->prepared[q->id] = true;
    PQclear(res);
    return q->rc;
}

enum sr_err pg_query_start(struct pg_query *q, struct sr_txn *t, enum pg_stmt id,
                           struct sr_error *err)
{
    memset(q, 0, sizeof(*q));
    q->conn = (struct pg_conn *)t;
    q->store = (struct pg_store *)t->store;
    q->id = id;
    q->err = err;
    q->row = -1;
    return prepare(q);
}

static void bind(struct pg_query *q, const char *value)
{
    if (q->rc)
        return;
    if (q->nparams == PG_MAX_PARAMS) {
        pg_query_fail(q, SR_ERR_INTERNAL, "too many parameters for");
        return;
    }
    q->values[q->nparams++] = value;
}

void pg_bind_text(struct pg_query *q, const char *s)
{
    bind(q, s);
}

void pg_bind_int(struct pg_query *q, int64_t v)
{
    if (q->rc || q->nparams == PG_MAX_PARAMS) {
        bind(q, NULL); /* records the failure */
        return;
    }
    char *slot = q->ints[q->nparams];
    snprintf(slot, sizeof(q->ints[0]), "%" PRId64, v);
    bind(q, slot);
}

void pg_bind_bool(struct pg_query *q, bool v)
{
    bind(q, v ? "t" : "f");
}

void pg_bind_null(struct pg_query *q)
{
    bind(q, NULL);
}

void pg_bind_setting_key(struct pg_query *q, const char *subject)
{
    bind(q, subject ? subject : PG_GLOBAL_SUBJECT);
}

void pg_bind_filter(struct pg_query *q, enum sr_deleted_filter filter)
{
    pg_bind_bool(q, filter == SR_DELETED_ONLY);
    pg_bind_bool(q, filter != SR_LIVE_ONLY);
}

/* The length of the UTF-8 sequence at p (lead byte c), or 0 when it is not
 * a well-formed one (overlong forms, surrogates and values past U+10FFFF
 * included), as PostgreSQL's UTF8 encoding checks. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    size_t n = c < 0x80             ? 1
               : (c & 0xe0) == 0xc0 ? 2
               : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (n == 0 || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
        return 0;
    if (n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
        return 0;
    return n;
}

bool pg_utf8_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_len(p);
        if (!n)
            return false;
        p += n;
    }
    return true;
}

static size_t utf8_put(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The smallest text above every text that starts with prefix (valid UTF-8):
 * the prefix with its last character replaced by the next one (UTF-8 orders
 * as its code points do, and the "C" collation compares bytes). A prefix of
 * U+10FFFF characters only, or an empty one, has none: NULL in *out. */
static bool prefix_end(const char *prefix, char **out)
{
    *out = NULL;
    size_t len = strlen(prefix);
    char *end = malloc(len + 4);
    if (!end)
        return false;
    memcpy(end, prefix, len + 1);
    while (len > 0) {
        size_t start = len - 1; /* the last character's lead byte */
        while (start > 0 && ((unsigned char)end[start] & 0xc0) == 0x80)
            start--;
        const unsigned char *p = (const unsigned char *)end + start;
        size_t n = utf8_len(p);
        unsigned cp = n == 1   ? p[0]
                      : n == 2 ? (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu)
                      : n == 3 ? (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu)
                               : (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 | (p[2] & 0x3fu) << 6 |
                                     (p[3] & 0x3fu);
        if (cp < 0x10ffff) {
            cp = cp + 1 == 0xd800 ? 0xe000 : cp + 1; /* surrogates are not characters */
            len = start + utf8_put(cp, end + start);
            end[len] = '\0';
            *out = end;
            return true;
        }
        len = start; /* U+10FFFF: drop it and move the one before */
    }
    free(end);
    return true;
}

void pg_bind_prefix(struct pg_query *q, const char *prefix)
{
    bind(q, prefix);
    if (q->rc)
        return;
    free(q->owned);
    if (!prefix_end(prefix, &q->owned)) {
        pg_query_fail(q, SR_ERR_NOMEM, "out of memory binding");
        return;
    }
    bind(q, q->owned); /* NULL: unbounded */
}

/* Whether every text parameter can be sent: PostgreSQL refuses text that is
 * not UTF-8. No stored row holds such text, so a query looking for it finds
 * nothing; storing it is refused. The server validates what requests carry,
 * so this guards against what slips past. */
static bool params_sendable(struct pg_query *q)
{
    for (int i = 0; i < q->nparams; i++) {
        if (q->values[i] && !pg_utf8_valid(q->values[i])) {
            if (strncmp(stmt_sql[q->id], "SELECT", 6) != 0)
                pg_query_fail(q, SR_ERR_INTERNAL, "text that is not UTF-8 cannot be stored by");
            return false;
        }
    }
    return true;
}

static void run(struct pg_query *q)
{
    if (q->rc || q->ran)
        return;
    q->ran = true;
    if (!params_sendable(q))
        return; /* no rows, or the failure recorded */
    char name[16];
    prepared_name(q->id, name, sizeof(name));
    q->res = PQexecPrepared(q->conn->db, name, q->nparams, q->values, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(q->res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        fail_pg(q, "running", q->res);
        return;
    }
    q->rows = PQntuples(q->res);
}

bool pg_row(struct pg_query *q)
{
    run(q);
    if (q->rc || q->row + 1 >= q->rows)
        return false;
    q->row++;
    return true;
}

void pg_exec(struct pg_query *q)
{
    run(q);
}

int64_t pg_changes(const struct pg_query *q)
{
    if (q->rc || !q->res)
        return 0;
    const char *n = PQcmdTuples(q->res);
    return n && *n ? strtoll(n, NULL, 10) : 0;
}

bool pg_col_is_null(const struct pg_query *q, int col)
{
    return q->rc || PQgetisnull(q->res, q->row, col);
}

int64_t pg_col_int(struct pg_query *q, int col)
{
    if (pg_col_is_null(q, col))
        return 0;
    return strtoll(PQgetvalue(q->res, q->row, col), NULL, 10);
}

bool pg_col_bool(const struct pg_query *q, int col)
{
    return !pg_col_is_null(q, col) && PQgetvalue(q->res, q->row, col)[0] == 't';
}

char *pg_col_text(struct pg_query *q, int col)
{
    if (pg_col_is_null(q, col))
        return NULL;
    return pg_strdup(q, PQgetvalue(q->res, q->row, col));
}

char *pg_strdup(struct pg_query *q, const char *s)
{
    if (q->rc)
        return NULL;
    char *copy = strdup(s);
    if (!copy)
        pg_query_fail(q, SR_ERR_NOMEM, "out of memory reading");
    return copy;
}

bool pg_grow(struct pg_query *q, void **items, size_t *cap, size_t need, size_t elem_size)
{
    if (q->rc)
        return false;
    if (sr_store_grow(items, cap, need, elem_size))
        return true;
    pg_query_fail(q, SR_ERR_NOMEM, "out of memory reading");
    return false;
}

enum sr_err pg_query_end(struct pg_query *q)
{
    PQclear(q->res);
    q->res = NULL;
    free(q->owned);
    q->owned = NULL;
    return q->rc;
}

enum sr_err pg_collect_ints(struct pg_query *q, struct sr_int_list *out)
{
    struct sr_int_list list = {0};
    size_t cap = 0;
    while (pg_row(q) && pg_grow(q, (void **)&list.items, &cap, list.count + 1, sizeof(*list.items)))
        list.items[list.count++] = pg_col_int(q, 0);
    enum sr_err rc = pg_query_end(q);
    if (rc) {
        sr_int_list_release(&list);
        return rc;
    }
    *out = list;
    return SR_OK;
}

enum sr_err pg_collect_strings(struct pg_query *q, struct sr_str_list *out)
{
    struct sr_str_list list = {0};
    size_t cap = 0;
    while (pg_row(q) &&
           pg_grow(q, (void **)&list.items, &cap, list.count + 1, sizeof(*list.items))) {
        list.items[list.count] = pg_col_text(q, 0);
        if (list.items[list.count])
            list.count++;
    }
    enum sr_err rc = pg_query_end(q);
    if (rc) {
        sr_str_list_release(&list);
        return rc;
    }
    *out = list;
    return SR_OK;
}

/*
 * sqlite_migrate.c - the tables, as a list of migrations. PRAGMA
 * user_version holds how many have been applied; opening a database applies
 * the rest, all in one transaction, so a database is never left half
 * migrated and a reopened one is left alone. Append new migrations; never
 * edit an applied one.
 */
#include "storage/sqlite_int.h"

#include <stdio.h>

static const char *const migrations[] = {
    /* 1: the initial tables.
     *   meta: the id high-water mark, so that ids are never handed out twice.
     *   schemas: one row per id; hash (sr_store_schema_hash, 63 bits)
     *     finds candidates for sr_txn_schema_find.
     *   versions: a subject's history; soft-deleted rows stay with deleted = 1.
     *   refs: the references a schema makes, for referenced-by queries.
     *   config, mode: per subject, the global row under SQ_GLOBAL_SUBJECT.
     * The foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED),
     * so a transaction may write rows in any order but never commits a
     * version or reference to a schema that is not there. */
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "INSERT INTO meta (key, value) VALUES ('max_id', 0);"
    "CREATE TABLE schemas ("
    "  id INTEGER PRIMARY KEY,"
    "  hash INTEGER NOT NULL,"
    "  schema_type TEXT,"
    "  schema TEXT NOT NULL,"
    "  refs TEXT,"
    "  metadata TEXT,"
    "  ruleset TEXT"
    ");"
    "CREATE INDEX schemas_by_hash ON schemas (hash);"
    "CREATE TABLE versions ("
    "  subject TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  schema_id INTEGER NOT NULL"
    "    REFERENCES schemas (id) DEFERRABLE INITIALLY DEFERRED,"
    "  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"
    "  PRIMARY KEY (subject, version)"
    ") WITHOUT ROWID;"
    "CREATE INDEX versions_by_schema ON versions (schema_id);"
    "CREATE TABLE refs ("
    "  schema_id INTEGER NOT NULL"
    "    REFERENCES schemas (id) DEFERRABLE INITIALLY DEFERRED,"
    "  name TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  version INTEGER NOT NULL"
    ");"
    "CREATE INDEX refs_by_schema ON refs (schema_id);"
    "CREATE INDEX refs_by_target ON refs (subject, version, schema_id);"
    "CREATE TABLE config ("
    "  subject TEXT PRIMARY KEY,"
    "  compatibility TEXT,"
    "  normalize INTEGER CHECK (normalize IN (0, 1)),"
    "  extra TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE mode ("
    "  subject TEXT PRIMARY KEY,"
    "  mode TEXT NOT NULL"
    ") WITHOUT ROWID;",

    /* 2: contexts, and ids handed out by the store.
     *   schemas are keyed by (context, id): each context numbers its own.
     *   versions record the context of the schema they carry, and their
     *     registration time (ts, ms since the epoch; 0 for older rows).
     *   refs name their schema by (context, schema_id).
     *   contexts: each context's id counter (the old high-water mark for ".").
     *   used_ids: every id ever stored, so that a reserved id skips them.
     * Every existing row belongs to the default context ".". The tables are
     * rebuilt (SQLite cannot change a key), old ones renamed away first; the
     * foreign keys are checked before the migration commits. */
    "ALTER TABLE refs RENAME TO refs_v1;"
    "ALTER TABLE versions RENAME TO versions_v1;"
    "ALTER TABLE schemas RENAME TO schemas_v1;"
    "CREATE TABLE schemas ("
    "  context TEXT NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  hash INTEGER NOT NULL,"
    "  schema_type TEXT,"
    "  schema TEXT NOT NULL,"
    "  refs TEXT,"
    "  metadata TEXT,"
    "  ruleset TEXT,"
    "  UNIQUE (context, id)"
    ");"
    "INSERT INTO schemas (context, id, hash, schema_type, schema, refs, metadata, ruleset)"
    "  SELECT '.', id, hash, schema_type, schema, refs, metadata, ruleset FROM schemas_v1;"
    "CREATE TABLE versions ("
    "  subject TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  context TEXT NOT NULL,"
    "  schema_id INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"
    "  ts INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (subject, version),"
    "  FOREIGN KEY (context, schema_id) REFERENCES schemas (context, id)"
    "    DEFERRABLE INITIALLY DEFERRED"
    ") WITHOUT ROWID;"
    "INSERT INTO versions (subject, version, context, schema_id, deleted)"
    "  SELECT subject, version, '.', schema_id, deleted FROM versions_v1;"
    "CREATE TABLE refs ("
    "  context TEXT NOT NULL,"
    "  schema_id INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  FOREIGN KEY (context, schema_id) REFERENCES schemas (context, id)"
    "    DEFERRABLE INITIALLY DEFERRED"
    ");"
    "INSERT INTO refs (context, schema_id, name, subject, version)"
    "  SELECT '.', schema_id, name, subject, version FROM refs_v1;"
    "DROP TABLE refs_v1;"
    "DROP TABLE versions_v1;"
    "DROP TABLE schemas_v1;"
    "CREATE INDEX schemas_by_hash ON schemas (hash);"
    "CREATE INDEX versions_by_schema ON versions (context, schema_id);"
    "CREATE INDEX refs_by_schema ON refs (context, schema_id);"
    "CREATE INDEX refs_by_target ON refs (subject, version, context, schema_id);"
    "CREATE TABLE contexts ("
    "  name TEXT PRIMARY KEY,"
    "  max_id INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "INSERT INTO contexts (name, max_id) SELECT '.', value FROM meta WHERE key = 'max_id';"
    "DROP TABLE meta;"
    "CREATE TABLE used_ids ("
    "  context TEXT NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  PRIMARY KEY (context, id)"
    ") WITHOUT ROWID;"
    "INSERT INTO used_ids (context, id) SELECT context, id FROM schemas;",

    /* 3: each schema's GUID (storage/guid.c), and the index that finds ids by
     * it. Rows stored before get theirs from sr_guid(), an SQL function the
     * migration registers for itself. */
    "ALTER TABLE schemas ADD COLUMN guid TEXT;"
    "UPDATE schemas SET guid = sr_guid(schema, refs, metadata, ruleset);"
    "CREATE INDEX schemas_by_guid ON schemas (guid);",
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

static enum sr_err exec(sqlite3 *db, const char *sql, const char *what, struct sr_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return SR_OK;
    enum sr_err rc =
        sr_errorf(err, SR_ERR_INTERNAL, "sqlite: %s: %s", what, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

static enum sr_err user_version(sqlite3 *db, int *out, struct sr_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(stmt, 0);
    enum sr_err result = SR_OK;
    if (rc != SQLITE_ROW)
        result = sr_errorf(err, SR_ERR_INTERNAL, "sqlite: reading the schema version: %s",
                           sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return result;
}

static enum sr_err apply_from(sqlite3 *db, int from, struct sr_error *err)
{
    if (from > MIGRATION_COUNT)
        return sr_errorf(err, SR_ERR_INTERNAL,
                         "sqlite: the database is at schema version %d, newer than this "
                         "program knows (%d)",
                         from, MIGRATION_COUNT);
    for (int i = from; i < MIGRATION_COUNT; i++) {
        char what[64];
        snprintf(what, sizeof(what), "migration %d", i + 1);
        enum sr_err rc = exec(db, migrations[i], what, err);
        if (rc)
            return rc;
    }
    if (from == MIGRATION_COUNT)
        return SR_OK;
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", MIGRATION_COUNT);
    return exec(db, sql, "setting the schema version", err);
}

/* Whether the database breaks a foreign key; a migration must not commit then. */
static enum sr_err check_foreign_keys(sqlite3 *db, struct sr_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    enum sr_err result = SR_OK;
    if (rc == SQLITE_ROW)
        result = sr_errorf(err, SR_ERR_INTERNAL,
                           "sqlite: migrating would break a reference from table %s",
                           (const char *)sqlite3_column_text(stmt, 0));
    else if (rc != SQLITE_DONE)
        result =
            sr_errorf(err, SR_ERR_INTERNAL, "sqlite: checking references: %s", sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return result;
}

/* sr_guid(schema, refs, metadata, ruleset): sr_store_schema_guid() in SQL. */
static void sql_guid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct sr_schema_rec rec = {
        .schema = (char *)sqlite3_value_text(argv[0]),
        .refs = (char *)sqlite3_value_text(argv[1]),
        .metadata = (char *)sqlite3_value_text(argv[2]),
        .ruleset = (char *)sqlite3_value_text(argv[3]),
    };
    char guid[SR_GUID_SIZE];
    if (sr_store_schema_guid(&rec, guid))
        sqlite3_result_text(ctx, guid, -1, SQLITE_TRANSIENT);
    else
        sqlite3_result_error_nomem(ctx);
}

enum sr_err sq_migrate(sqlite3 *db, struct sr_error *err)
{
    if (sqlite3_create_function(db, "sr_guid", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                sql_guid, NULL, NULL) != SQLITE_OK)
        return sr_errorf(err, SR_ERR_INTERNAL, "sqlite: registering sr_guid: %s",
                         sqlite3_errmsg(db));
    /* Migrations rebuild tables that reference each other: foreign keys are
     * off while they run (the pragma has no effect inside a transaction) and
     * checked as a whole before the commit. */
    enum sr_err rc = exec(db, "PRAGMA foreign_keys = OFF", "pausing foreign keys", err);
    /* IMMEDIATE: two processes opening one new file must not both migrate;
     * the version is read under the write lock. */
    if (!rc)
        rc = exec(db, "BEGIN IMMEDIATE", "starting migrations", err);
    int version = 0;
    if (!rc)
        rc = user_version(db, &version, err);
    if (!rc)
        rc = apply_from(db, version, err);
    if (!rc)
        rc = check_foreign_keys(db, err);
    if (!rc)
        rc = exec(db, "COMMIT", "committing migrations", err);
    if (rc && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    enum sr_err on = exec(db, "PRAGMA foreign_keys = ON", "restoring foreign keys", err);
    return rc ? rc : on;
}

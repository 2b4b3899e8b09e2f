/*
 * pg_migrate.c - the tables, as a list of migrations. The table
 * avro_registry_migrations holds one row per migration applied. Opening a
 * store applies the missing ones in one transaction that first takes the
 * advisory lock PG_LOCK_MIGRATE: of several nodes starting at once, one
 * migrates while the others wait on the lock, then find every migration
 * recorded (READ COMMITTED: each statement sees what committed before it).
 * A failed migration leaves nothing behind. Append new migrations; never
 * edit an applied one.
 *
 * The tables carry the same data as the SQLite backend's (sqlite_migrate.c),
 * so that a registry can move from one to the other with its ids.
 */
#include "storage/pg_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const migrations[] = {
    /* 1: the tables.
     *   schemas: one row per (context, id); hash (sr_store_schema_hash, 63
     *     bits) finds candidates for sr_txn_schema_find; guid
     *     (sr_store_schema_guid) finds the ids of one content.
     *   versions: a subject's history, with the context of the schema each
     *     version carries and its registration time (ts, ms since the epoch);
     *     soft-deleted rows stay with deleted = true.
     *   refs: the references a schema makes, for referenced-by queries.
     *   contexts: each context's id counter; used_ids: every id ever stored,
     *     so that a reserved id skips them (ids of imports included).
     *   config, mode: per subject, the global row under PG_GLOBAL_SUBJECT.
     * Text compared by range or sorted is COLLATE "C": byte order, as the
     * store's contract sorts subjects. The foreign keys are checked at
     * commit, so a transaction may write rows in any order but never commits
     * a version or reference to a schema that is not there. */
    "CREATE TABLE schemas ("
    "  context TEXT COLLATE \"C\" NOT NULL,"
    "  id BIGINT NOT NULL,"
    "  hash BIGINT NOT NULL,"
    "  schema_type TEXT,"
    "  schema TEXT NOT NULL,"
    "  refs TEXT,"
    "  metadata TEXT,"
    "  ruleset TEXT,"
    "  guid TEXT NOT NULL,"
    "  CONSTRAINT schemas_pkey PRIMARY KEY (context, id)"
    ");"
    "CREATE INDEX schemas_by_hash ON schemas (hash);"
    "CREATE INDEX schemas_by_guid ON schemas (guid);"
    "CREATE TABLE versions ("
    "  subject TEXT COLLATE \"C\" NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  context TEXT COLLATE \"C\" NOT NULL,"
    "  schema_id BIGINT NOT NULL,"
    "  deleted BOOLEAN NOT NULL DEFAULT false,"
    "  ts BIGINT NOT NULL DEFAULT 0,"
    "  CONSTRAINT versions_pkey PRIMARY KEY (subject, version),"
    "  FOREIGN KEY (context, schema_id) REFERENCES schemas (context, id)"
    "    DEFERRABLE INITIALLY DEFERRED"
    ");"
    "CREATE INDEX versions_by_schema ON versions (context, schema_id);"
    "CREATE TABLE refs ("
    "  context TEXT COLLATE \"C\" NOT NULL,"
    "  schema_id BIGINT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  subject TEXT COLLATE \"C\" NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  FOREIGN KEY (context, schema_id) REFERENCES schemas (context, id)"
    "    DEFERRABLE INITIALLY DEFERRED"
    ");"
    "CREATE INDEX refs_by_schema ON refs (context, schema_id);"
    "CREATE INDEX refs_by_target ON refs (subject, version, context, schema_id);"
    "CREATE TABLE contexts ("
    "  name TEXT COLLATE \"C\" NOT NULL,"
    "  max_id BIGINT NOT NULL,"
    "  CONSTRAINT contexts_pkey PRIMARY KEY (name)"
    ");"
    "INSERT INTO contexts (name, max_id) VALUES ('.', 0);"
    "CREATE TABLE used_ids ("
    "  context TEXT COLLATE \"C\" NOT NULL,"
    "  id BIGINT NOT NULL,"
    "  CONSTRAINT used_ids_pkey PRIMARY KEY (context, id)"
    ");"
    "CREATE TABLE config ("
    "  subject TEXT COLLATE \"C\" NOT NULL,"
    "  compatibility TEXT,"
    "  normalize BOOLEAN,"
    "  extra TEXT,"
    "  CONSTRAINT config_pkey PRIMARY KEY (subject)"
    ");"
    "CREATE TABLE mode ("
    "  subject TEXT COLLATE \"C\" NOT NULL,"
    "  mode TEXT NOT NULL,"
    "  CONSTRAINT mode_pkey PRIMARY KEY (subject)"
    ");",
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The number of the last migration applied (0 for a new database). */
static enum sr_err applied(struct pg_store *s, PGconn *db, int *out, struct sr_error *err)
{
    PGresult *res = PQexec(db, "SELECT coalesce(max(version), 0) FROM avro_registry_migrations");
    enum sr_err rc = SR_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        char text[1024];
        pg_error_text(db, res, text, sizeof(text));
        rc = sr_errorf(err, pg_error_class(db, res),
                       "postgresql: reading the schema version of %s: %s", s->where, text);
    } else {
        const char *text = PQgetvalue(res, 0, 0);
        char *end = NULL;
        long v = strtol(text, &end, 10);
        if (end == text || *end || v < 0 || v > INT_MAX)
            rc = sr_errorf(err, SR_ERR_INTERNAL,
                           "postgresql: the schema version of %s is not a version: \"%s\"",
                           s->where, text);
        else
            *out = (int)v;
    }
    PQclear(res);
    return rc;
}

static enum sr_err apply_from(struct pg_store *s, PGconn *db, int from, struct sr_error *err)
{
    if (from > MIGRATION_COUNT)
        return sr_errorf(err, SR_ERR_INTERNAL,
                         "postgresql: the database %s is at schema version %d, newer than this "
                         "program knows (%d)",
                         s->where, from, MIGRATION_COUNT);
    enum sr_err rc = SR_OK;
    for (int i = from; !rc && i < MIGRATION_COUNT; i++) {
        char what[64];
        snprintf(what, sizeof(what), "migration %d", i + 1);
        rc = pg_simple(s, db, migrations[i], what, err);
        char record[128];
        snprintf(record, sizeof(record),
                 "INSERT INTO avro_registry_migrations (version) VALUES (%d)", i + 1);
        if (!rc)
            rc = pg_simple(s, db, record, "recording a migration", err);
    }
    return rc;
}

/* The lock comes first, before anything reads the catalog: a node that
 * waited then sees the tables and rows the first one committed. */
#define START_SQL                                                                                  \
    "BEGIN ISOLATION LEVEL READ COMMITTED;"                                                        \
    " SELECT pg_advisory_xact_lock" PG_LOCK_MIGRATE ";"                                            \
    " CREATE TABLE IF NOT EXISTS avro_registry_migrations ("                                       \
    "  version INTEGER PRIMARY KEY,"                                                               \
    "  applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"

enum sr_err pg_migrate(struct pg_store *s, PGconn *db, struct sr_error *err)
{
    enum sr_err rc = pg_simple(s, db, START_SQL, "starting migrations", err);
    int version = 0;
    if (!rc)
        rc = applied(s, db, &version, err);
    if (!rc)
        rc = apply_from(s, db, version, err);
    if (!rc)
        rc = pg_simple(s, db, "COMMIT", "committing migrations", err);
    if (rc && PQtransactionStatus(db) != PQTRANS_IDLE)
        pg_simple(s, db, "ROLLBACK", "rolling back migrations", NULL);
    return rc;
}

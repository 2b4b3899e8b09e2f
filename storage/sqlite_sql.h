/*
 * sqlite_sql.h - every statement the SQLite backend runs, in one place, so
 * that each connection can prepare them once and keep them (the tables are
 * in sqlite_migrate.c).
 *
 * X(name, sql). Parameters are numbered; the query helpers bind them in
 * order from ?1. Conventions:
 *   - A deleted filter binds as two parameters, the lowest and highest value
 *     of versions.deleted it admits: live (0, 0), with deleted (0, 1),
 *     deleted only (1, 1).
 *   - A subject prefix binds as a range [low, high) over the subject column,
 *     which the (subject, version) key serves directly; high is a BLOB when
 *     the range is unbounded, since SQLite orders every BLOB after every TEXT.
 */
#ifndef SR_STORAGE_SQLITE_SQL_H
#define SR_STORAGE_SQLITE_SQL_H

#define SQ_STATEMENTS(X)                                                                           \
    X(SQ_BEGIN_READ, "BEGIN")                                                                      \
    X(SQ_BEGIN_WRITE, "BEGIN IMMEDIATE")                                                           \
    X(SQ_COMMIT, "COMMIT")                                                                         \
    X(SQ_ROLLBACK, "ROLLBACK")                                                                     \
                                                                                                   \
    /* A subject is live with one live version, deleted when all are. */                           \
    X(SQ_SUBJECTS, "SELECT subject FROM versions WHERE subject >= ?1 AND subject < ?2"             \
                   " GROUP BY subject HAVING min(deleted) BETWEEN ?3 AND ?4 ORDER BY subject")     \
    X(SQ_VERSIONS, "SELECT version FROM versions WHERE subject = ?1"                               \
                   " AND deleted BETWEEN ?2 AND ?3 ORDER BY version")                              \
    X(SQ_VERSION_ROWS, "SELECT version, schema_id, deleted FROM versions WHERE subject = ?1"       \
                       " ORDER BY version")                                                        \
    X(SQ_VERSION_GET, "SELECT version, schema_id, deleted FROM versions"                           \
                      " WHERE subject = ?1 AND version = ?2")                                      \
    X(SQ_VERSION_LATEST, "SELECT version, schema_id, deleted FROM versions"                        \
                         " WHERE subject = ?1 AND deleted = 0 ORDER BY version DESC LIMIT 1")      \
    X(SQ_MAX_VERSION, "SELECT coalesce(max(version), 0) FROM versions WHERE subject = ?1")         \
    X(SQ_VERSION_BY_ID, "SELECT version, schema_id, deleted FROM versions"                         \
                        " WHERE subject = ?1 AND schema_id = ?2 AND deleted BETWEEN ?3 AND ?4"     \
                        " ORDER BY version DESC LIMIT 1")                                          \
    X(SQ_VERSION_INSERT, "INSERT INTO versions(subject, version, schema_id, deleted)"              \
                         " VALUES (?1, ?2, ?3, 0)")                                                \
    X(SQ_VERSION_SET_DELETED, "UPDATE versions SET deleted = ?3 WHERE subject = ?1"                \
                              " AND version = ?2")                                                 \
    X(SQ_VERSION_REMOVE, "DELETE FROM versions WHERE subject = ?1 AND version = ?2")               \
    X(SQ_VERSIONS_FOR_ID, "SELECT subject, version FROM versions WHERE schema_id = ?1"             \
                          " AND deleted BETWEEN ?2 AND ?3 ORDER BY subject, version")              \
                                                                                                   \
    X(SQ_SCHEMA_GET, "SELECT schema_type, schema, refs, metadata, ruleset FROM schemas"            \
                     " WHERE id = ?1")                                                             \
    /* IS compares NULL with NULL as equal; both compare bytes (BINARY). */                        \
    X(SQ_SCHEMA_FIND, "SELECT id FROM schemas WHERE hash = ?1 AND schema_type IS ?2"               \
                      " AND schema = ?3 AND refs IS ?4 AND metadata IS ?5 AND ruleset IS ?6"       \
                      " ORDER BY id LIMIT 1")                                                      \
    X(SQ_MAX_ID, "SELECT value FROM meta WHERE key = 'max_id'")                                    \
    X(SQ_SCHEMA_INSERT, "INSERT INTO schemas(id, hash, schema_type, schema, refs, metadata,"       \
                        " ruleset) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                           \
    X(SQ_RAISE_MAX_ID, "UPDATE meta SET value = max(value, ?1) WHERE key = 'max_id'")              \
    X(SQ_REF_INSERT, "INSERT INTO refs(schema_id, name, subject, version)"                         \
                     " VALUES (?1, ?2, ?3, ?4)")                                                   \
    X(SQ_SCHEMA_REMOVE_UNUSED, "DELETE FROM schemas WHERE id = ?1"                                 \
                               " AND NOT EXISTS (SELECT 1 FROM versions WHERE schema_id = ?1)")    \
    X(SQ_REFS_REMOVE, "DELETE FROM refs WHERE schema_id = ?1")                                     \
    /* ?3 = 1 keeps only schemas some live version carries. */                                     \
    X(SQ_REFERENCED_BY, "SELECT DISTINCT r.schema_id FROM refs r"                                  \
                        " WHERE r.subject = ?1 AND r.version = ?2 AND (?3 = 0 OR EXISTS"           \
                        " (SELECT 1 FROM versions v WHERE v.schema_id = r.schema_id"               \
                        " AND v.deleted = 0)) ORDER BY r.schema_id")                               \
    X(SQ_LIST_VERSIONS, "SELECT subject, version, schema_id, deleted FROM versions"                \
                        " WHERE subject >= ?1 AND subject < ?2 AND deleted BETWEEN ?3 AND ?4"      \
                        " ORDER BY subject, version LIMIT ?5 OFFSET ?6")                           \
    /* With max(), SQLite takes the bare columns from the row holding the max. */                  \
    X(SQ_LIST_LATEST, "SELECT subject, max(version), schema_id, deleted FROM versions"             \
                      " WHERE subject >= ?1 AND subject < ?2 AND deleted BETWEEN ?3 AND ?4"        \
                      " GROUP BY subject ORDER BY subject LIMIT ?5 OFFSET ?6")                     \
                                                                                                   \
    X(SQ_CONFIG_GET, "SELECT compatibility, normalize, extra FROM config WHERE subject = ?1")      \
    X(SQ_CONFIG_PUT, "INSERT INTO config(subject, compatibility, normalize, extra)"                \
                     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(subject) DO UPDATE SET"                 \
                     " compatibility = excluded.compatibility, normalize = excluded.normalize,"    \
                     " extra = excluded.extra")                                                    \
    X(SQ_CONFIG_DELETE, "DELETE FROM config WHERE subject = ?1")                                   \
    X(SQ_MODE_GET, "SELECT mode FROM mode WHERE subject = ?1")                                     \
    X(SQ_MODE_PUT, "INSERT INTO mode(subject, mode) VALUES (?1, ?2)"                               \
                   " ON CONFLICT(subject) DO UPDATE SET mode = excluded.mode")                     \
    X(SQ_MODE_DELETE, "DELETE FROM mode WHERE subject = ?1")                                       \
                                                                                                   \
    X(SQ_COUNTS, "SELECT count(DISTINCT subject), count(*), (SELECT count(*) FROM schemas)"        \
                 " FROM versions WHERE deleted = 0")

#endif

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
    /* Group commit: each caller's work in a savepoint of the batch. */                            \
    X(SQ_SAVEPOINT, "SAVEPOINT item")                                                              \
    X(SQ_SAVEPOINT_RELEASE, "RELEASE item")                                                        \
    X(SQ_SAVEPOINT_ROLLBACK, "ROLLBACK TO item")                                                   \
                                                                                                   \
    /* A subject is live with one live version, deleted when all are. */                           \
    X(SQ_SUBJECTS, "SELECT subject FROM versions WHERE subject >= ?1 AND subject < ?2"             \
                   " GROUP BY subject HAVING min(deleted) BETWEEN ?3 AND ?4 ORDER BY subject")     \
    X(SQ_VERSIONS, "SELECT version FROM versions WHERE subject = ?1"                               \
                   " AND deleted BETWEEN ?2 AND ?3 ORDER BY version")                              \
    /* Rows of a subject read as (version, schema_id, deleted, context, ts). */                    \
    X(SQ_VERSION_ROWS, "SELECT version, schema_id, deleted, context, ts FROM versions"             \
                       " WHERE subject = ?1 ORDER BY version")                                     \
    X(SQ_VERSION_GET, "SELECT version, schema_id, deleted, context, ts FROM versions"              \
                      " WHERE subject = ?1 AND version = ?2")                                      \
    X(SQ_VERSION_LATEST, "SELECT version, schema_id, deleted, context, ts FROM versions"           \
                         " WHERE subject = ?1 AND deleted = 0 ORDER BY version DESC LIMIT 1")      \
    X(SQ_SUBJECT_USES_REFS, "SELECT count(*) FROM (SELECT 1 FROM versions v JOIN refs r"           \
                            " ON r.context = v.context AND r.schema_id = v.schema_id"              \
                            " WHERE v.subject = ?1 AND v.deleted = 0 LIMIT 1)")                    \
    X(SQ_MAX_VERSION, "SELECT coalesce(max(version), 0) FROM versions WHERE subject = ?1")         \
    X(SQ_VERSION_BY_ID, "SELECT version, schema_id, deleted, context, ts FROM versions"            \
                        " WHERE subject = ?1 AND context = ?2 AND schema_id = ?3"                  \
                        " AND deleted BETWEEN ?4 AND ?5 ORDER BY version DESC LIMIT 1")            \
    X(SQ_VERSION_INSERT, "INSERT INTO versions(subject, version, context, schema_id, deleted, ts)" \
                         " VALUES (?1, ?2, ?3, ?4, 0, ?5)")                                        \
    X(SQ_VERSION_SET_DELETED, "UPDATE versions SET deleted = ?3 WHERE subject = ?1"                \
                              " AND version = ?2")                                                 \
    X(SQ_VERSION_REMOVE, "DELETE FROM versions WHERE subject = ?1 AND version = ?2")               \
    X(SQ_VERSIONS_FOR_ID, "SELECT subject, version FROM versions WHERE context = ?1"               \
                          " AND schema_id = ?2 AND deleted BETWEEN ?3 AND ?4"                      \
                          " ORDER BY subject, version")                                            \
                                                                                                   \
    X(SQ_SCHEMA_GET, "SELECT schema_type, schema, refs, metadata, ruleset, guid FROM schemas"      \
                     " WHERE context = ?1 AND id = ?2")                                            \
    X(SQ_IDS_BY_GUID, "SELECT context, id FROM schemas WHERE guid = ?1 ORDER BY context, id")      \
    X(SQ_CONTEXTS, "SELECT DISTINCT context FROM versions ORDER BY context")                       \
    /* IS compares NULL with NULL as equal; both compare bytes (BINARY). */                        \
    /* INDEXED BY: for ORDER BY id, the planner would otherwise walk the primary key's             \
     * (context, id) index, every schema of the context, on each registration. */                  \
    X(SQ_SCHEMA_FIND, "SELECT id FROM schemas INDEXED BY schemas_by_hash WHERE hash = ?1"          \
                      " AND context = ?2"                                                          \
                      " AND schema_type IS ?3 AND schema = ?4 AND refs IS ?5 AND metadata IS ?6"   \
                      " AND ruleset IS ?7 ORDER BY id LIMIT 1")                                    \
    /* The counter, or an imported id above it. */                                                 \
    X(SQ_MAX_ID, "SELECT max(coalesce((SELECT max_id FROM contexts WHERE name = ?1), 0),"          \
                 " coalesce((SELECT max(id) FROM used_ids WHERE context = ?2), 0))")               \
    /* The counter moves one step; the caller skips ids used already. */                           \
    X(SQ_NEXT_ID, "INSERT INTO contexts(name, max_id) VALUES (?1, 1) ON CONFLICT(name)"            \
                  " DO UPDATE SET max_id = max_id + 1 RETURNING max_id")                           \
    /* Rows (context, counter, an id above the counter marked used or NULL) */                     \
    /* of every context with a counter or a used id, by context then id. */                        \
    X(SQ_ID_STATES, "SELECT k.context, coalesce(c.max_id, 0), u.id FROM"                           \
                    " (SELECT name AS context FROM contexts UNION SELECT context FROM used_ids) k" \
                    " LEFT JOIN contexts c ON c.name = k.context LEFT JOIN used_ids u"             \
                    " ON u.context = k.context AND u.id > coalesce(c.max_id, 0)"                   \
                    " ORDER BY k.context, u.id")                                                   \
    X(SQ_RAISE_COUNTER, "INSERT INTO contexts(name, max_id) VALUES (?1, ?2) ON CONFLICT(name)"     \
                        " DO UPDATE SET max_id = max(max_id, excluded.max_id)")                    \
    X(SQ_MARK_USED, "INSERT OR IGNORE INTO used_ids(context, id) VALUES (?1, ?2)")                 \
    X(SQ_SCHEMA_INSERT, "INSERT INTO schemas(context, id, hash, schema_type, schema, refs,"        \
                        " metadata, ruleset, guid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")   \
    X(SQ_REF_INSERT, "INSERT INTO refs(context, schema_id, name, subject, version)"                \
                     " VALUES (?1, ?2, ?3, ?4, ?5)")                                               \
    X(SQ_SCHEMA_REMOVE_UNUSED, "DELETE FROM schemas WHERE context = ?1 AND id = ?2 AND NOT EXISTS" \
                               " (SELECT 1 FROM versions WHERE context = ?1 AND schema_id = ?2)")  \
    X(SQ_REFS_REMOVE, "DELETE FROM refs WHERE context = ?1 AND schema_id = ?2")                    \
    /* ?3 = 1 keeps only schemas some live version carries. */                                     \
    X(SQ_REFERENCED_BY, "SELECT DISTINCT r.schema_id FROM refs r"                                  \
                        " WHERE r.subject = ?1 AND r.version = ?2 AND (?3 = 0 OR EXISTS"           \
                        " (SELECT 1 FROM versions v WHERE v.context = r.context"                   \
                        " AND v.schema_id = r.schema_id AND v.deleted = 0)) ORDER BY r.schema_id") \
    /* Listed rows read as (subject, version, schema_id, deleted, context, ts). */                 \
    X(SQ_LIST_VERSIONS, "SELECT subject, version, schema_id, deleted, context, ts FROM versions"   \
                        " WHERE subject >= ?1 AND subject < ?2 AND deleted BETWEEN ?3 AND ?4"      \
                        " ORDER BY subject, version LIMIT ?5 OFFSET ?6")                           \
    /* With max(), SQLite takes the bare columns from the row holding the max. */                  \
    X(SQ_LIST_LATEST, "SELECT subject, max(version), schema_id, deleted, context, ts"              \
                      " FROM versions WHERE subject >= ?1 AND subject < ?2"                        \
                      " AND deleted BETWEEN ?3 AND ?4 GROUP BY subject ORDER BY subject"           \
                      " LIMIT ?5 OFFSET ?6")                                                       \
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
    /* ?1 is the global rows' key: not a subject. */                                               \
    X(SQ_SETTING_SUBJECTS, "SELECT subject FROM config WHERE subject <> ?1 UNION"                  \
                           " SELECT subject FROM mode WHERE subject <> ?1 ORDER BY 1")             \
                                                                                                   \
    /* Readiness: reads the catalog, the id counters and a row of each big table. */               \
    X(SQ_PROBE_READ, "SELECT (SELECT count(*) FROM contexts), (SELECT max(rowid) FROM schemas),"   \
                     " (SELECT subject FROM versions LIMIT 1)")                                    \
    /* ...and a write that changes nothing but still reaches the disk. */                          \
    X(SQ_PROBE_WRITE, "INSERT INTO contexts(name, max_id) VALUES ('.', 0) ON CONFLICT(name)"       \
                      " DO UPDATE SET max_id = max_id")                                            \
    X(SQ_COUNTS, "SELECT count(DISTINCT subject), count(*), (SELECT count(*) FROM schemas)"        \
                 " FROM versions WHERE deleted = 0")

#endif

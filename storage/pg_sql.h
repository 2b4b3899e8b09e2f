/*
 * pg_sql.h - every statement the PostgreSQL backend prepares, in one place
 * (the tables are in pg_migrate.c). The same queries as sqlite_sql.h, in
 * PostgreSQL's dialect.
 *
 * X(name, sql). Parameters are $1, $2, ... bound in order. Conventions:
 *   - A deleted filter binds as two booleans, the lowest and highest value of
 *     versions.deleted it admits: live (false, false), with deleted (false,
 *     true), deleted only (true, true).
 *   - A subject prefix binds as a range [$low, $high) over the subject column
 *     ($high NULL when unbounded); subjects are COLLATE "C", so that ranges
 *     and ORDER BY compare bytes, as the store's contract sorts.
 *   - Inserts on a unique key say ON CONFLICT DO NOTHING and the caller reads
 *     the row count: a taken key is a failed operation (SR_ERR_CONFLICT), not
 *     an aborted transaction.
 */
#ifndef SR_STORAGE_PG_SQL_H
#define SR_STORAGE_PG_SQL_H

#define PG_VERSION_COLS "version, schema_id, deleted, context, ts"

#define PG_STATEMENTS(X)                                                                           \
    /* A subject is live with one live version, deleted when all are. */                           \
    X(PG_SUBJECTS, "SELECT subject FROM versions WHERE subject >= $1"                              \
                   " AND ($2::text IS NULL OR subject < $2::text) GROUP BY subject"                \
                   " HAVING bool_and(deleted) BETWEEN $3::boolean AND $4::boolean"                 \
                   " ORDER BY subject")                                                            \
    X(PG_VERSIONS, "SELECT version FROM versions WHERE subject = $1"                               \
                   " AND deleted BETWEEN $2::boolean AND $3::boolean ORDER BY version")            \
    X(PG_VERSION_ROWS, "SELECT " PG_VERSION_COLS " FROM versions WHERE subject = $1"               \
                       " ORDER BY version")                                                        \
    X(PG_VERSION_GET, "SELECT " PG_VERSION_COLS " FROM versions"                                   \
                      " WHERE subject = $1 AND version = $2")                                      \
    X(PG_VERSION_LATEST, "SELECT " PG_VERSION_COLS " FROM versions"                                \
                         " WHERE subject = $1 AND NOT deleted ORDER BY version DESC LIMIT 1")      \
    X(PG_SUBJECT_USES_REFS, "SELECT count(*) FROM (SELECT 1 FROM versions v JOIN refs r"           \
                            " ON r.context = v.context AND r.schema_id = v.schema_id"              \
                            " WHERE v.subject = $1 AND NOT v.deleted LIMIT 1) AS used")            \
    X(PG_MAX_VERSION, "SELECT coalesce(max(version), 0) FROM versions WHERE subject = $1")         \
    X(PG_VERSION_BY_ID, "SELECT " PG_VERSION_COLS " FROM versions"                                 \
                        " WHERE subject = $1 AND context = $2 AND schema_id = $3"                  \
                        " AND deleted BETWEEN $4::boolean AND $5::boolean"                         \
                        " ORDER BY version DESC LIMIT 1")                                          \
    X(PG_VERSION_INSERT,                                                                           \
      "INSERT INTO versions (subject, version, context, schema_id, deleted, ts)"                   \
      " VALUES ($1, $2, $3, $4, false, $5)"                                                        \
      " ON CONFLICT (subject, version) DO NOTHING")                                                \
    X(PG_VERSION_SET_DELETED, "UPDATE versions SET deleted = $3 WHERE subject = $1"                \
                              " AND version = $2")                                                 \
    X(PG_VERSION_REMOVE, "DELETE FROM versions WHERE subject = $1 AND version = $2")               \
    X(PG_VERSIONS_FOR_ID, "SELECT subject, version FROM versions WHERE context = $1"               \
                          " AND schema_id = $2 AND deleted BETWEEN $3::boolean AND $4::boolean"    \
                          " ORDER BY subject, version")                                            \
                                                                                                   \
    X(PG_SCHEMA_GET, "SELECT schema_type, schema, refs, metadata, ruleset, guid FROM schemas"      \
                     " WHERE context = $1 AND id = $2")                                            \
    X(PG_IDS_BY_GUID, "SELECT context, id FROM schemas WHERE guid = $1 ORDER BY context, id")      \
    X(PG_CONTEXTS, "SELECT DISTINCT context FROM versions ORDER BY context")                       \
    /* IS NOT DISTINCT FROM compares NULL with NULL as equal. */                                   \
    X(PG_SCHEMA_FIND, "SELECT id FROM schemas WHERE hash = $1 AND context = $2"                    \
                      " AND schema_type IS NOT DISTINCT FROM $3::text AND schema = $4::text"       \
                      " AND refs IS NOT DISTINCT FROM $5::text"                                    \
                      " AND metadata IS NOT DISTINCT FROM $6::text"                                \
                      " AND ruleset IS NOT DISTINCT FROM $7::text ORDER BY id LIMIT 1")            \
    /* The counter, or an imported id above it. */                                                 \
    X(PG_MAX_ID, "SELECT greatest(coalesce((SELECT max_id FROM contexts WHERE name = $1), 0),"     \
                 " coalesce((SELECT max(id) FROM used_ids WHERE context = $1), 0))")               \
    /* The counter moves one step; the caller skips ids used already. */                           \
    X(PG_NEXT_ID, "INSERT INTO contexts (name, max_id) VALUES ($1, 1) ON CONFLICT (name)"          \
                  " DO UPDATE SET max_id = contexts.max_id + 1 RETURNING max_id")                  \
    /* Rows (context, counter, an id above the counter marked used or NULL) */                     \
    /* of every context with a counter or a used id, by context then id. */                        \
    X(PG_ID_STATES, "SELECT k.context, coalesce(c.max_id, 0), u.id FROM"                           \
                    " (SELECT name AS context FROM contexts UNION SELECT context FROM used_ids) k" \
                    " LEFT JOIN contexts c ON c.name = k.context LEFT JOIN used_ids u"             \
                    " ON u.context = k.context AND u.id > coalesce(c.max_id, 0)"                   \
                    " ORDER BY k.context, u.id")                                                   \
    X(PG_RAISE_COUNTER, "INSERT INTO contexts (name, max_id) VALUES ($1, $2) ON CONFLICT (name)"   \
                        " DO UPDATE SET max_id = greatest(contexts.max_id, excluded.max_id)")      \
    X(PG_MARK_USED, "INSERT INTO used_ids (context, id) VALUES ($1, $2)"                           \
                    " ON CONFLICT (context, id) DO NOTHING")                                       \
    X(PG_SCHEMA_INSERT, "INSERT INTO schemas (context, id, hash, schema_type, schema, refs,"       \
                        " metadata, ruleset, guid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"    \
                        " ON CONFLICT (context, id) DO NOTHING")                                   \
    X(PG_REF_INSERT, "INSERT INTO refs (context, schema_id, name, subject, version)"               \
                     " VALUES ($1, $2, $3, $4, $5)")                                               \
    X(PG_SCHEMA_REMOVE_UNUSED, "DELETE FROM schemas WHERE context = $1 AND id = $2 AND NOT EXISTS" \
                               " (SELECT 1 FROM versions WHERE context = $1 AND schema_id = $2)")  \
    X(PG_REFS_REMOVE, "DELETE FROM refs WHERE context = $1 AND schema_id = $2")                    \
    /* $3 true keeps only schemas some live version carries. */                                    \
    X(PG_REFERENCED_BY, "SELECT DISTINCT r.schema_id FROM refs r"                                  \
                        " WHERE r.subject = $1 AND r.version = $2 AND (NOT $3::boolean OR EXISTS"  \
                        " (SELECT 1 FROM versions v WHERE v.context = r.context"                   \
                        " AND v.schema_id = r.schema_id AND NOT v.deleted)) ORDER BY r.schema_id") \
    /* Listed rows read as (subject, version, schema_id, deleted, context, ts); */                 \
    /* LIMIT NULL is no limit. */                                                                  \
    X(PG_LIST_VERSIONS, "SELECT subject, " PG_VERSION_COLS " FROM versions"                        \
                        " WHERE subject >= $1 AND ($2::text IS NULL OR subject < $2::text)"        \
                        " AND deleted BETWEEN $3::boolean AND $4::boolean"                         \
                        " ORDER BY subject, version LIMIT $5 OFFSET $6")                           \
    X(PG_LIST_LATEST, "SELECT * FROM (SELECT DISTINCT ON (subject) subject, " PG_VERSION_COLS      \
                      " FROM versions WHERE subject >= $1"                                         \
                      " AND ($2::text IS NULL OR subject < $2::text)"                              \
                      " AND deleted BETWEEN $3::boolean AND $4::boolean"                           \
                      " ORDER BY subject, version DESC) latest ORDER BY subject"                   \
                      " LIMIT $5 OFFSET $6")                                                       \
                                                                                                   \
    X(PG_CONFIG_GET, "SELECT compatibility, normalize, extra FROM config WHERE subject = $1")      \
    X(PG_CONFIG_PUT, "INSERT INTO config (subject, compatibility, normalize, extra)"               \
                     " VALUES ($1, $2, $3, $4) ON CONFLICT (subject) DO UPDATE SET"                \
                     " compatibility = excluded.compatibility, normalize = excluded.normalize,"    \
                     " extra = excluded.extra")                                                    \
    X(PG_CONFIG_DELETE, "DELETE FROM config WHERE subject = $1")                                   \
    X(PG_MODE_GET, "SELECT mode FROM mode WHERE subject = $1")                                     \
    X(PG_MODE_PUT, "INSERT INTO mode (subject, mode) VALUES ($1, $2)"                              \
                   " ON CONFLICT (subject) DO UPDATE SET mode = excluded.mode")                    \
    X(PG_MODE_DELETE, "DELETE FROM mode WHERE subject = $1")                                       \
    /* $1 is the global rows' key: not a subject. */                                               \
    X(PG_SETTING_SUBJECTS, "SELECT subject FROM config WHERE subject <> $1 UNION"                  \
                           " SELECT subject FROM mode WHERE subject <> $1 ORDER BY 1")             \
                                                                                                   \
    /* Readiness: a primary (a standby cannot take writes), the id counters and */                 \
    /* a row of each big table. */                                                                 \
    X(PG_PROBE_READ, "SELECT pg_is_in_recovery(), (SELECT count(*) FROM contexts),"                \
                     " (SELECT max(id) FROM schemas), (SELECT subject FROM versions LIMIT 1)")     \
    /* ...and a write that changes nothing but goes through the WAL. */                            \
    X(PG_PROBE_WRITE, "INSERT INTO contexts (name, max_id) VALUES ('.', 0) ON CONFLICT (name)"     \
                      " DO UPDATE SET max_id = contexts.max_id")                                   \
    X(PG_COUNTS, "SELECT count(DISTINCT subject), count(*), (SELECT count(*) FROM schemas)"        \
                 " FROM versions WHERE NOT deleted")

#endif

/*
 * compat.h - schema resolution (can a reader decode what a writer wrote?) and
 * the seven compatibility levels, with the answers Avro Java's
 * SchemaCompatibility and Confluent's registry give.
 *
 * sr_compat_check() walks a reader and a writer node as Java's
 * ReaderWriterCompatibilityChecker does: same verdict, same incompatibilities
 * (type, JSON-pointer location into the reader, message) in the same order,
 * memoised on (reader node, writer node) identity so recursive schemas end.
 *
 * sr_compat_check_level() applies a level to a new schema and the previous
 * versions of a subject as Confluent does (newest first; latest only unless
 * transitive; the first failing version's messages) and phrases the result in
 * Confluent's verbose message format.
 *
 * Nothing here allocates on the schemas; results are owned by the caller.
 */
#ifndef SR_COMPAT_COMPAT_H
#define SR_COMPAT_COMPAT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "schemas/schema.h"

enum sr_incompat_type {
    SR_INCOMPAT_NAME_MISMATCH,
    SR_INCOMPAT_FIXED_SIZE_MISMATCH,
    SR_INCOMPAT_MISSING_ENUM_SYMBOLS,
    SR_INCOMPAT_READER_FIELD_MISSING_DEFAULT_VALUE,
    SR_INCOMPAT_TYPE_MISMATCH,
    SR_INCOMPAT_MISSING_UNION_BRANCH,
};

struct sr_incompat {
    enum sr_incompat_type type;
    char *location; /* JSON pointer into the reader schema, "/" for the root */
    char *message;  /* Java's Incompatibility.getMessage() */
};

struct sr_compat_result {
    bool compatible;
    struct sr_incompat *items; /* in Java's traversal order */
    size_t count;
    /* Set when Java would throw instead of answering (a reader field matching
     * several writer fields through aliases): the exception message, as Java
     * words it: "Reader record field <name> type:<TYPE> pos:<n> matches
     * multiple fields in writer record schema <writer record's Schema.toString()>".
     * Then compatible is false and items is empty, as Confluent reports it. */
    char *exception;
};

/* Limits that keep a hostile pair of schemas from exhausting memory. Java has
 * none (it would run out of stack or heap); realistic schemas stay far below.
 * The pairs counted are those memoised: a pair of primitive types that
 * resolves (int and int, long read from int, ...) needs no memo entry. */
#define SR_COMPAT_MAX_PAIRS (1u << 20) /* distinct (reader node, writer node) pairs */
#define SR_COMPAT_MAX_ITEMS 10000      /* incompatibilities copied out; the rest dropped */

/* Checks whether data written with writer can be read with reader.
 * On success fills *out, which the caller releases with sr_compat_result_release().
 * items holds at most SR_COMPAT_MAX_ITEMS entries (the first ones, in order; a
 * memoised result reused in many places can repeat its entries exponentially
 * often); the verdict is unaffected.
 * Errors: SR_ERR_NOMEM; SR_ERR_UNPROCESSABLE when the check would memoise more
 * than SR_COMPAT_MAX_PAIRS pairs. */
enum sr_err sr_compat_check(const struct sr_node *reader, const struct sr_node *writer,
                            struct sr_compat_result *out, struct sr_error *err);
void sr_compat_result_release(struct sr_compat_result *r);

/* "TYPE_MISMATCH", ... */
const char *sr_incompat_type_name(enum sr_incompat_type t);

enum sr_compat_level {
    SR_LEVEL_NONE,
    SR_LEVEL_BACKWARD,
    SR_LEVEL_BACKWARD_TRANSITIVE,
    SR_LEVEL_FORWARD,
    SR_LEVEL_FORWARD_TRANSITIVE,
    SR_LEVEL_FULL,
    SR_LEVEL_FULL_TRANSITIVE,
};

/* Case-insensitive, as Confluent's CompatibilityLevel.forName. false if unknown. */
bool sr_compat_level_parse(const char *s, enum sr_compat_level *out);
/* "BACKWARD", ... */
const char *sr_compat_level_name(enum sr_compat_level level);

/* One previous version of a subject. version 0 means "not known" (then the
 * message list has no {oldSchemaVersion: n} entry). */
struct sr_compat_prev {
    const struct sr_schema *schema;
    int version;
};

/* A list of heap strings, owned by the list. */
struct sr_strlist {
    char **items;
    size_t count;
};
void sr_strlist_release(struct sr_strlist *l);

/* Would a registry at level accept new_schema after prev[0..prev_count)
 * (oldest first)? *compatible_out answers; when false, messages_out (if not
 * NULL) receives Confluent's verbose messages for the first failing version:
 * the {errorType:...} entries, then {oldSchemaVersion: n}, {oldSchema: '...'}
 * (past 10240 UTF-16 units: {oldSchema: <truncated> '<first 10240>...'}) and
 * {validateFields: 'false', compatibility: 'LEVEL'}. A Java exception gives the
 * one entry "Unexpected exception during compatibility check: <message>"
 * instead of the {errorType:...} ones. For FULL levels the old-reads-new
 * entries come first and carry no version or schema of their own; those follow
 * the new-reads-old entries, only when there are any (Confluent's
 * mutualReadStrategy). When compatible, messages_out is an empty list. The
 * caller releases messages_out with sr_strlist_release().
 * Errors: those of sr_compat_check(). */
enum sr_err sr_compat_check_level(enum sr_compat_level level, const struct sr_schema *new_schema,
                                  const struct sr_compat_prev *prev, size_t prev_count,
                                  bool *compatible_out, struct sr_strlist *messages_out,
                                  struct sr_error *err);

#endif

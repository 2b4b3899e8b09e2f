/*
 * register.h - the operations that judge a schema against a subject:
 * registration (Confluent §5.1), lookup (§5.5) and the compatibility
 * endpoints' checks (§3.7).
 *
 * Registration parses the schema once, outside any write transaction, and
 * answers a schema the subject already holds from a read transaction; only a
 * new version takes a write transaction, which sr_store_run() retries whole
 * when it loses a race (storage/store.h). A schema is judged against its
 * references as they are when it is stored.
 *
 * Thread safety: every function may be called from any thread at once.
 * Errors carry Confluent's codes and exact messages (common/error.h).
 */
#ifndef SR_SERVER_REGISTER_H
#define SR_SERVER_REGISTER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "compat/compat.h"
#include "schemas/schema.h"
#include "server/input.h"
#include "server/registry.h"
#include "storage/store.h"

/* What a registration answers: the version holding the schema and the
 * schema as that version keeps it (canonical text, references, the merged
 * metadata and rule set; guid filled). */
struct sr_registered {
    int64_t id;
    int32_t version;
    struct sr_schema_rec rec;
};
void sr_registered_release(struct sr_registered *r);

/* Registers (or finds) the schema under subject, with Confluent 7.4+'s data
 * contract steps (populate.h). Fills *out (caller releases it).
 * Errors: INVALID_SCHEMA, INVALID_RULESET, BAD_REQUEST (metadata of the
 * wrong shape), INCOMPATIBLE, OPERATION_NOT_PERMITTED, ID_DOES_NOT_MATCH,
 * INVALID_SUBJECT, and the store's (CONFLICT once retries are spent). */
enum sr_err sr_register_schema(struct sr_registry *r, const char *subject,
                               const struct sr_schema_input *in, bool normalize,
                               struct sr_registered *out, struct sr_error *err);

/* One registration of sr_register_all(): subject, in and normalize are the
 * caller's (borrowed); rc, err and, on SR_OK, out (caller releases it) its
 * answer, as sr_register_schema() would give it. Zero-initialise it: an item
 * that comes with rc set (refused by the caller) is left as it is. */
struct sr_registration {
    const char *subject;
    const struct sr_schema_input *in;
    bool normalize;
    enum sr_err rc;
    struct sr_error err;
    struct sr_registered out;
};

/* Registers regs[0..n) as many sr_register_schema() calls arriving together
 * would, in that order: each is parsed and looked up alone, and their writes
 * are queued at once so that they share commits (group commit). An
 * item is judged against the store as the items before it left it, except
 * that references resolve only to versions that were there when the call
 * began. Every item gets its own answer; the call itself fails only with
 * SR_ERR_NOMEM, before any item ran. */
enum sr_err sr_register_all(struct sr_registry *r, struct sr_registration *regs, size_t n);

/* Finds the version of subject holding this schema, exactly or as its
 * references-inlined form. Fills *version_out and *schema_out (caller
 * releases both). Errors: SUBJECT_NOT_FOUND, SCHEMA_NOT_FOUND, INVALID_SCHEMA. */
enum sr_err sr_register_lookup(struct sr_registry *r, const char *subject,
                               const struct sr_schema_input *in, bool normalize,
                               bool include_deleted, struct sr_version_rec *version_out,
                               struct sr_schema_rec *schema_out, struct sr_error *err);

/* Would registering in pass the subject's level (or *level, when level is
 * not NULL: the ?level= of the compatibility routes)? version 0 checks as
 * registration would (all live versions, the level decides), -1 the latest
 * live version, n that version only. With verbose, an invalid schema is an
 * answer (false, with the parse error as the message) rather than an error.
 * messages_out receives Confluent's messages; caller releases it.
 * Errors: VERSION_NOT_FOUND, INVALID_SCHEMA. */
enum sr_err sr_register_check(struct sr_registry *r, const char *subject,
                              const struct sr_schema_input *in, bool normalize, int32_t version,
                              const enum sr_compat_level *level, bool verbose, bool *compatible_out,
                              struct sr_strlist *messages_out, struct sr_error *err);

#endif

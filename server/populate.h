/*
 * populate.h - what Confluent 7.4+ does to a registration before judging it
 * (AbstractSchemaRegistry.maybePopulateFromPrevious) and the checks data
 * contracts add to the compatibility check:
 *  - a request without a schema copies the latest live version's schema and
 *    references (42201 "Empty schema" when there is none);
 *  - the metadata and the rule set a new version gets are, merged in this
 *    order (later wins, contracts.h): the config's default, the request's
 *    own (else the latest live version's, so a new version inherits them),
 *    the config's override;
 *  - metadata property confluent:version becomes the new version number when
 *    the request gave a version or the merged metadata already has it;
 *  - validateFields: fields named in metadata property confluent:reserved
 *    (comma-separated) may not be dropped from the reserved list nor be
 *    top-level fields of the schema; each breach is a compatibility message.
 * Not applied in IMPORT mode, as in Confluent.
 */
#ifndef SR_SERVER_POPULATE_H
#define SR_SERVER_POPULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "compat/compat.h"
#include "schemas/schema.h"
#include "server/settings.h"
#include "storage/store.h"

/* The schema record of subject's latest live version; *found_out false (and
 * *out zeroed) when the subject has none. Caller releases *out. */
enum sr_err sr_populate_previous(struct sr_txn *t, const char *subject, struct sr_schema_rec *out,
                                 bool *found_out, struct sr_error *err);

/* Sets rec->metadata and rec->ruleset (canonical texts, NULL for none) to
 * the merge of cfg's defaults, the request's own (request_md/request_rs,
 * canonical texts, NULL when the request had none) or else prev's (NULL:
 * no previous version), and cfg's overrides. */
enum sr_err sr_populate_contracts(const struct sr_effective_config *cfg, const char *request_md,
                                  const char *request_rs, const struct sr_schema_rec *prev,
                                  struct sr_schema_rec *rec, struct sr_error *err);

/* Sets property confluent:version of rec->metadata to version when asked
 * (the request named a version) or when the metadata already has it. */
enum sr_err sr_populate_version_property(struct sr_schema_rec *rec, int32_t version, bool asked,
                                         struct sr_error *err);

/* validateFields' reserved-field checks of schema with metadata md (a
 * canonical text or NULL) against the previous versions' metadata texts
 * (prev_md[0..n), entries may be NULL). Adds Confluent's messages to msgs. */
enum sr_err sr_populate_reserved(const struct sr_schema *schema, const char *md,
                                 const char *const *prev_md, size_t n, struct sr_strlist *msgs,
                                 struct sr_error *err);

#endif

/*
 * delete.h - soft and permanent deletes of subjects and versions (Confluent
 * §5.2). A permanent delete needs a soft delete first; nothing referenced by
 * another schema can go (live referrers block a soft delete, any referrer a
 * permanent one); a schema id stays resolvable until no version anywhere
 * carries it. Subject config and mode survive a soft delete and go with the
 * last row of the subject (Confluent's behaviour since PR #3810). Every
 * delete is refused while the subject is read-only, and runs in one write
 * transaction, retried whole on a conflict (storage/store.h).
 *
 * Thread safety: any thread, at once. Errors carry Confluent's codes and
 * exact messages (common/error.h), in the generation api names: Confluent 8
 * says which context a read-only subject is in ("Subject s in context
 * :.team: is in read-only mode"; the default context is "", as Confluent
 * prints it).
 */
#ifndef SR_SERVER_DELETE_H
#define SR_SERVER_DELETE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "server/registry.h"
#include "storage/store.h"

/* Deletes every version of subject (soft, or permanent after a soft delete).
 * *versions_out lists the versions deleted; caller releases it.
 * Errors: SUBJECT_NOT_FOUND, SUBJECT_SOFT_DELETED, SUBJECT_NOT_SOFT_DELETED,
 * REFERENCE_EXISTS, OPERATION_NOT_PERMITTED. */
enum sr_err sr_delete_subject(struct sr_store *store, enum sr_api api, const char *subject,
                              bool permanent, struct sr_int_list *versions_out,
                              struct sr_error *err);

/* Deletes one version (-1: the latest live one). *deleted_out is its number.
 * Errors: SUBJECT_NOT_FOUND, VERSION_NOT_FOUND, VERSION_SOFT_DELETED,
 * VERSION_NOT_SOFT_DELETED, REFERENCE_EXISTS, OPERATION_NOT_PERMITTED. */
enum sr_err sr_delete_version(struct sr_store *store, enum sr_api api, const char *subject,
                              int32_t version, bool permanent, int32_t *deleted_out,
                              struct sr_error *err);

#endif

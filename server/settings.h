/*
 * settings.h - compatibility levels and modes, global and per subject: what
 * is in force for a subject, the one read-only check every write path makes,
 * and the GET/PUT/DELETE of /config and /mode (Confluent §3.5, §3.6).
 *
 * Rules, as Confluent applies them:
 *  - The level in force is the subject's, else the global one, else BACKWARD.
 *  - The mode in force is a global READONLY_OVERRIDE, else the subject's,
 *    else the global one, else READWRITE.
 *  - READONLY and READONLY_OVERRIDE refuse registrations, deletes and config
 *    changes (PUT and DELETE alike) with 42205. Mode changes are always
 *    allowed, PUT and DELETE alike: otherwise nothing could leave READONLY.
 *  - Entering IMPORT (unless forced, or already in it) needs no live
 *    versions in scope, and then drops the soft-deleted ones that nothing
 *    references (Confluent's setMode writes a ClearSubject for them).
 *
 * A subject argument of NULL means the global setting. The functions that
 * take a store run their own transaction (sr_store_run: retried on
 * conflicts); the ones that take a transaction read through it.
 * Errors carry Confluent's codes and exact messages (common/error.h).
 */
#ifndef SR_SERVER_SETTINGS_H
#define SR_SERVER_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "compat/compat.h"
#include "server/registry.h"
#include "storage/store.h"

/* Room for any mode name and its NUL. */
#define SR_MODE_NAME_MAX 32

/* What a subject's configuration says, key by key: the subject's own value,
 * else its context's (the config of ":.ctx:" for a subject in context
 * ".ctx"), else the global one, else the default (Confluent 8 merges the
 * scopes so; 7.x took the first scope that had a config). alias is the
 * subject's own only, as Confluent's AliasFilter reads it. */
struct sr_effective_config {
    enum sr_compat_level level; /* BACKWARD by default */
    bool normalize;
    bool validate_fields;
    char *compatibility_group;                    /* a metadata property name, or NULL */
    char *alias;                                  /* or NULL */
    json_t *default_metadata, *override_metadata; /* canonical, or NULL */
    json_t *default_ruleset, *override_ruleset;
};
void sr_effective_config_release(struct sr_effective_config *c);

/* The effective configuration of subject (NULL: global). Caller releases it. */
enum sr_err sr_settings_effective(struct sr_txn *t, const char *subject,
                                  struct sr_effective_config *out, struct sr_error *err);
/* Parses a level name in any case (PUT /config, ?level=). Errors:
 * INVALID_COMPATIBILITY_LEVEL with Confluent's message (text NULL too). */
enum sr_err sr_settings_parse_level(const char *text, enum sr_compat_level *out,
                                    struct sr_error *err);

/* The level in force for subject (NULL: global). */
enum sr_err sr_settings_level(struct sr_txn *t, const char *subject, enum sr_compat_level *out,
                              struct sr_error *err);

/* The mode in force for subject (NULL: global), one of READWRITE, READONLY,
 * READONLY_OVERRIDE, IMPORT. */
enum sr_err sr_settings_mode(struct sr_txn *t, const char *subject, char out[SR_MODE_NAME_MAX],
                             struct sr_error *err);

/* SR_ERR_OPERATION_NOT_PERMITTED "Subject <s> is in read-only mode", or with
 * SR_API_8 "Subject <s> in context <ctx> is in read-only mode" (ctx "" for the
 * default context, as Confluent 8 prints it; the global setting names itself
 * __GLOBAL) when the mode in force for subject is
 * READONLY or READONLY_OVERRIDE; SR_OK otherwise. */
enum sr_err sr_settings_refuse_readonly(struct sr_txn *t, enum sr_api api, const char *subject,
                                        struct sr_error *err);
/* The same answer for a mode the caller has already read for subject. */
enum sr_err sr_settings_refuse_mode(enum sr_api api, const char *subject, const char *mode,
                                    struct sr_error *err);

/* GET /config[/subject]: the stored setting of subject, or with
 * default_to_global and none stored for subject, the global one. A NULL
 * compatibility in *out means the default, BACKWARD. Caller releases *out.
 * Errors: SR_ERR_SUBJECT_LEVEL_COMPAT_NOT_CONFIGURED (40408). */
enum sr_err sr_settings_get_config(struct sr_store *store, const char *subject,
                                   bool default_to_global, struct sr_config_rec *out,
                                   struct sr_error *err);

/* PUT /config[/subject] with every key of Confluent 7.4+'s ConfigUpdateRequest:
 * compatibility (any case), normalize, validateFields, alias,
 * compatibilityGroup, defaultMetadata, overrideMetadata, defaultRuleSet,
 * overrideRuleSet. Keys the request leaves out (or sends as null) keep the
 * values stored before. With SR_API_7 a request without a valid
 * compatibility is refused, as Confluent 7.0 refused it. *echo_out receives
 * the request's keys as stored (the level upper-case, metadata and rule sets
 * canonical); caller json_decrefs it.
 * Errors: BAD_REQUEST (a key of the wrong type), INVALID_COMPATIBILITY_LEVEL,
 * INVALID_RULESET, INVALID_SUBJECT, OPERATION_NOT_PERMITTED. */
enum sr_err sr_settings_put_config_doc(struct sr_store *store, const char *subject,
                                       const json_t *request, enum sr_api api, json_t **echo_out,
                                       struct sr_error *err);

/* The body of GET /config for a stored config: compatibilityLevel (fallback
 * when it has none; left out when fallback is NULL too), normalize and the
 * other keys that are set. */
json_t *sr_settings_config_body(const struct sr_config_rec *c, const char *fallback);

/* PUT /config[/subject]: level (any case) and normalize (-1: unset).
 * *stored_out receives the upper-case level name (static).
 * Errors: INVALID_COMPATIBILITY_LEVEL, INVALID_SUBJECT, OPERATION_NOT_PERMITTED. */
enum sr_err sr_settings_put_config(struct sr_store *store, const char *subject, const char *level,
                                   int normalize, const char **stored_out, struct sr_error *err);

/* DELETE /config[/subject]: removes the setting; *old_out receives what it
 * was (caller releases). Errors: SUBJECT_NOT_FOUND when subject has no
 * setting of its own, OPERATION_NOT_PERMITTED. */
enum sr_err sr_settings_delete_config(struct sr_store *store, enum sr_api api, const char *subject,
                                      struct sr_config_rec *old_out, struct sr_error *err);

/* GET /mode[/subject]: the stored mode of subject, or with
 * default_to_global and none stored for subject, the global mode in force.
 * Errors: SR_ERR_SUBJECT_LEVEL_MODE_NOT_CONFIGURED (40409). */
enum sr_err sr_settings_get_mode(struct sr_store *store, const char *subject,
                                 bool default_to_global, char out[SR_MODE_NAME_MAX],
                                 struct sr_error *err);

/* PUT /mode[/subject]: mode (any case); force skips the emptiness check of
 * IMPORT. *stored_out receives the upper-case name (static).
 * Errors: INVALID_MODE, INVALID_SUBJECT, OPERATION_NOT_PERMITTED. */
enum sr_err sr_settings_put_mode(struct sr_store *store, const char *subject, const char *mode,
                                 bool force, const char **stored_out, struct sr_error *err);

/* DELETE /mode[/subject]: removes the setting; out receives what it was
 * (READWRITE for a global mode never set). Errors: SUBJECT_NOT_FOUND when
 * subject has no mode of its own. */
enum sr_err sr_settings_delete_mode(struct sr_store *store, const char *subject,
                                    char out[SR_MODE_NAME_MAX], struct sr_error *err);

#endif

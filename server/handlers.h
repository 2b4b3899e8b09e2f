/*
 * handlers.h - one function per route; see request.h for the contract.
 * Each is defined in the handlers_*.c file of its resource.
 */
#ifndef SR_SERVER_HANDLERS_H
#define SR_SERVER_HANDLERS_H

#include "server/request.h"

enum sr_err sr_h_root_get(struct sr_request *req, struct sr_response *resp, struct sr_error *err);
enum sr_err sr_h_root_post(struct sr_request *req, struct sr_response *resp, struct sr_error *err);
enum sr_err sr_h_schema_types(struct sr_request *req, struct sr_response *resp,
                              struct sr_error *err);
enum sr_err sr_h_schemas_list(struct sr_request *req, struct sr_response *resp,
                              struct sr_error *err);
enum sr_err sr_h_schema_by_id(struct sr_request *req, struct sr_response *resp,
                              struct sr_error *err);
enum sr_err sr_h_schema_by_id_raw(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err);
enum sr_err sr_h_schema_id_subjects(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err);
enum sr_err sr_h_schema_id_versions(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err);
enum sr_err sr_h_schema_by_guid(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err);
enum sr_err sr_h_schema_guid_ids(struct sr_request *req, struct sr_response *resp,
                                 struct sr_error *err);
enum sr_err sr_h_subjects_list(struct sr_request *req, struct sr_response *resp,
                               struct sr_error *err);
enum sr_err sr_h_subject_lookup(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err);
enum sr_err sr_h_subject_delete(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err);
enum sr_err sr_h_versions_list(struct sr_request *req, struct sr_response *resp,
                               struct sr_error *err);
enum sr_err sr_h_versions_register(struct sr_request *req, struct sr_response *resp,
                                   struct sr_error *err);
/* POST /registrations (handlers_registrations.c). */
enum sr_err sr_h_registrations(struct sr_request *req, struct sr_response *resp,
                               struct sr_error *err);
/* Answers req from memory when route's handler can (a registration the
 * registry has answered before, under the same change marker): true with
 * resp filled. False: the handler has to run (resp untouched). Cheap: the
 * HTTP layer asks it on the connection thread before it hands a request to
 * a worker. */
bool sr_h_recall(const struct sr_route *route, struct sr_request *req, struct sr_response *resp);
enum sr_err sr_h_subject_metadata(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err);
enum sr_err sr_h_version_get(struct sr_request *req, struct sr_response *resp,
                             struct sr_error *err);
enum sr_err sr_h_version_delete(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err);
enum sr_err sr_h_version_get_raw(struct sr_request *req, struct sr_response *resp,
                                 struct sr_error *err);
enum sr_err sr_h_version_referenced_by(struct sr_request *req, struct sr_response *resp,
                                       struct sr_error *err);
enum sr_err sr_h_compat_all(struct sr_request *req, struct sr_response *resp, struct sr_error *err);
enum sr_err sr_h_compat_version(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err);
enum sr_err sr_h_config_global_get(struct sr_request *req, struct sr_response *resp,
                                   struct sr_error *err);
enum sr_err sr_h_config_global_put(struct sr_request *req, struct sr_response *resp,
                                   struct sr_error *err);
enum sr_err sr_h_config_global_delete(struct sr_request *req, struct sr_response *resp,
                                      struct sr_error *err);
enum sr_err sr_h_config_subject_get(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err);
enum sr_err sr_h_config_subject_put(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err);
enum sr_err sr_h_config_subject_delete(struct sr_request *req, struct sr_response *resp,
                                       struct sr_error *err);
enum sr_err sr_h_mode_global_get(struct sr_request *req, struct sr_response *resp,
                                 struct sr_error *err);
enum sr_err sr_h_mode_global_put(struct sr_request *req, struct sr_response *resp,
                                 struct sr_error *err);
enum sr_err sr_h_mode_global_delete(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err);
enum sr_err sr_h_mode_subject_get(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err);
enum sr_err sr_h_mode_subject_put(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err);
enum sr_err sr_h_mode_subject_delete(struct sr_request *req, struct sr_response *resp,
                                     struct sr_error *err);
enum sr_err sr_h_contexts_list(struct sr_request *req, struct sr_response *resp,
                               struct sr_error *err);
enum sr_err sr_h_context_delete(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err);
enum sr_err sr_h_permissions(struct sr_request *req, struct sr_response *resp,
                             struct sr_error *err);
enum sr_err sr_h_principal(struct sr_request *req, struct sr_response *resp, struct sr_error *err);
enum sr_err sr_h_metadata_id(struct sr_request *req, struct sr_response *resp,
                             struct sr_error *err);
enum sr_err sr_h_metadata_version(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err);
enum sr_err sr_h_health_live(struct sr_request *req, struct sr_response *resp,
                             struct sr_error *err);
enum sr_err sr_h_health_ready(struct sr_request *req, struct sr_response *resp,
                              struct sr_error *err);
enum sr_err sr_h_metrics_get(struct sr_request *req, struct sr_response *resp,
                             struct sr_error *err);

#endif

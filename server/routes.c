/*
 * routes.c - the route table: every endpoint the server answers. openapi.yaml
 * documents the same list, and a test checks that the two agree.
 * Confluent's 7.x API first, then what we add (contexts, health, metrics,
 * the web UI).
 */
#include "server/handlers.h"
#include "server/ui.h"

const struct sr_route sr_routes[] = {
    {"GET", "/", sr_h_root_get},
    {"POST", "/", sr_h_root_post},
    {"GET", "/schemas/types", sr_h_schema_types},
    {"GET", "/schemas", sr_h_schemas_list},
    {"GET", "/schemas/ids/{id}", sr_h_schema_by_id},
    {"GET", "/schemas/ids/{id}/schema", sr_h_schema_by_id_raw},
    {"GET", "/schemas/ids/{id}/subjects", sr_h_schema_id_subjects},
    {"GET", "/schemas/ids/{id}/versions", sr_h_schema_id_versions},
    {"GET", "/subjects", sr_h_subjects_list},
    {"POST", "/subjects/{subject}", sr_h_subject_lookup},
    {"DELETE", "/subjects/{subject}", sr_h_subject_delete},
    {"GET", "/subjects/{subject}/versions", sr_h_versions_list},
    {"POST", "/subjects/{subject}/versions", sr_h_versions_register},
    {"GET", "/subjects/{subject}/versions/{version}", sr_h_version_get},
    {"DELETE", "/subjects/{subject}/versions/{version}", sr_h_version_delete},
    {"GET", "/subjects/{subject}/versions/{version}/schema", sr_h_version_get_raw},
    {"GET", "/subjects/{subject}/versions/{version}/referencedby", sr_h_version_referenced_by},
    {"POST", "/compatibility/subjects/{subject}/versions", sr_h_compat_all},
    {"POST", "/compatibility/subjects/{subject}/versions/{version}", sr_h_compat_version},
    {"GET", "/config", sr_h_config_global_get},
    {"PUT", "/config", sr_h_config_global_put},
    {"DELETE", "/config", sr_h_config_global_delete},
    {"GET", "/config/{subject}", sr_h_config_subject_get},
    {"PUT", "/config/{subject}", sr_h_config_subject_put},
    {"DELETE", "/config/{subject}", sr_h_config_subject_delete},
    {"GET", "/mode", sr_h_mode_global_get},
    {"PUT", "/mode", sr_h_mode_global_put},
    {"DELETE", "/mode", sr_h_mode_global_delete},
    {"GET", "/mode/{subject}", sr_h_mode_subject_get},
    {"PUT", "/mode/{subject}", sr_h_mode_subject_put},
    {"DELETE", "/mode/{subject}", sr_h_mode_subject_delete},
    {"GET", "/contexts", sr_h_contexts_list},
    {"GET", "/v1/metadata/id", sr_h_metadata_id},
    {"GET", "/v1/metadata/version", sr_h_metadata_version},
    {"GET", "/health/live", sr_h_health_live},
    {"GET", "/health/ready", sr_h_health_ready},
    {"GET", "/metrics", sr_h_metrics_get},
    {"GET", "/ui", sr_ui_get_index},
    {"GET", "/ui/{asset}", sr_ui_get_asset},
    {NULL, NULL, NULL},
};

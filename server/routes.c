/*
 * routes.c - the route table: every endpoint the server answers. openapi.yaml
 * documents the same list, and a test checks that the two agree.
 * Confluent's 7.x API first, then what we add (contexts, health, metrics,
 * the web UI). The last column is who may call the route (request.h, enum
 * sr_access_rule), as Karapace maps its routes to "Subject:<name>" and
 * "Config:": subjects' own config and mode are the subject's. The UI's files
 * are open: what it shows comes from the API, which checks the caller.
 */
#include "server/handlers.h"
#include "server/ui.h"

const struct sr_route sr_routes[] = {
    {"GET", "/", sr_h_root_get, SR_ACCESS_PRINCIPAL},
    {"POST", "/", sr_h_root_post, SR_ACCESS_PRINCIPAL},
    {"GET", "/schemas/types", sr_h_schema_types, SR_ACCESS_PRINCIPAL},
    {"GET", "/schemas", sr_h_schemas_list, SR_ACCESS_LISTING},
    {"GET", "/schemas/ids/{id}", sr_h_schema_by_id, SR_ACCESS_SCHEMA_ID},
    {"GET", "/schemas/ids/{id}/schema", sr_h_schema_by_id_raw, SR_ACCESS_SCHEMA_ID},
    {"GET", "/schemas/ids/{id}/subjects", sr_h_schema_id_subjects, SR_ACCESS_SCHEMA_ID},
    {"GET", "/schemas/ids/{id}/versions", sr_h_schema_id_versions, SR_ACCESS_SCHEMA_ID},
    {"GET", "/schemas/guids/{guid}", sr_h_schema_by_guid, SR_ACCESS_SCHEMA_ID},
    {"GET", "/schemas/guids/{guid}/ids", sr_h_schema_guid_ids, SR_ACCESS_SCHEMA_ID},
    {"GET", "/subjects", sr_h_subjects_list, SR_ACCESS_LISTING},
    {"POST", "/subjects/{subject}", sr_h_subject_lookup, SR_ACCESS_SUBJECT_READ},
    {"DELETE", "/subjects/{subject}", sr_h_subject_delete, SR_ACCESS_SUBJECT_WRITE},
    {"GET", "/subjects/{subject}/versions", sr_h_versions_list, SR_ACCESS_SUBJECT_READ},
    {"POST", "/subjects/{subject}/versions", sr_h_versions_register, SR_ACCESS_SUBJECT_WRITE},
    {"GET", "/subjects/{subject}/metadata", sr_h_subject_metadata, SR_ACCESS_SUBJECT_READ},
    {"GET", "/subjects/{subject}/versions/{version}", sr_h_version_get, SR_ACCESS_SUBJECT_READ},
    {"DELETE", "/subjects/{subject}/versions/{version}", sr_h_version_delete,
     SR_ACCESS_SUBJECT_WRITE},
    {"GET", "/subjects/{subject}/versions/{version}/schema", sr_h_version_get_raw,
     SR_ACCESS_SUBJECT_READ},
    {"GET", "/subjects/{subject}/versions/{version}/referencedby", sr_h_version_referenced_by,
     SR_ACCESS_SUBJECT_READ},
    {"POST", "/compatibility/subjects/{subject}/versions", sr_h_compat_all, SR_ACCESS_SUBJECT_READ},
    {"POST", "/compatibility/subjects/{subject}/versions/{version}", sr_h_compat_version,
     SR_ACCESS_SUBJECT_READ},
    {"GET", "/config", sr_h_config_global_get, SR_ACCESS_CONFIG_READ},
    {"PUT", "/config", sr_h_config_global_put, SR_ACCESS_CONFIG_WRITE},
    {"DELETE", "/config", sr_h_config_global_delete, SR_ACCESS_CONFIG_WRITE},
    {"GET", "/config/{subject}", sr_h_config_subject_get, SR_ACCESS_SUBJECT_READ},
    {"PUT", "/config/{subject}", sr_h_config_subject_put, SR_ACCESS_SUBJECT_WRITE},
    {"DELETE", "/config/{subject}", sr_h_config_subject_delete, SR_ACCESS_SUBJECT_WRITE},
    {"GET", "/mode", sr_h_mode_global_get, SR_ACCESS_CONFIG_READ},
    {"PUT", "/mode", sr_h_mode_global_put, SR_ACCESS_CONFIG_WRITE},
    {"DELETE", "/mode", sr_h_mode_global_delete, SR_ACCESS_CONFIG_WRITE},
    {"GET", "/mode/{subject}", sr_h_mode_subject_get, SR_ACCESS_SUBJECT_READ},
    {"PUT", "/mode/{subject}", sr_h_mode_subject_put, SR_ACCESS_SUBJECT_WRITE},
    {"DELETE", "/mode/{subject}", sr_h_mode_subject_delete, SR_ACCESS_SUBJECT_WRITE},
    {"GET", "/contexts", sr_h_contexts_list, SR_ACCESS_PRINCIPAL},
    {"DELETE", "/contexts/{context}", sr_h_context_delete, SR_ACCESS_CONFIG_WRITE},
    {"GET", "/permissions", sr_h_permissions, SR_ACCESS_PRINCIPAL},
    /* Several registrations at once; each item is authorized (Write on its
     * subject) and audited by the handler. */
    {"POST", "/registrations", sr_h_registrations, SR_ACCESS_PRINCIPAL},
    {"GET", "/v1/metadata/id", sr_h_metadata_id, SR_ACCESS_PRINCIPAL},
    {"GET", "/v1/metadata/version", sr_h_metadata_version, SR_ACCESS_PRINCIPAL},
    {"GET", "/v1/principal", sr_h_principal, SR_ACCESS_PRINCIPAL},
    {"GET", "/health/live", sr_h_health_live, SR_ACCESS_OPEN},
    {"GET", "/health/ready", sr_h_health_ready, SR_ACCESS_OPEN},
    {"GET", "/metrics", sr_h_metrics_get, SR_ACCESS_METRICS},
    {"GET", "/ui", sr_ui_get_index, SR_ACCESS_OPEN},
    {"GET", "/ui/{asset}", sr_ui_get_asset, SR_ACCESS_OPEN},
    {NULL, NULL, NULL, SR_ACCESS_UNSET},
};

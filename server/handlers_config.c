/*
 * handlers_config.c - /config, /mode and /compatibility.
 * GET /config answers {"compatibilityLevel": ...}; PUT takes and echoes
 * {"compatibility": ...}, as Confluent does.
 */
#include <stdlib.h>
#include <string.h>

#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/register.h"
#include "server/settings.h"

/* ---- config ------------------------------------------------------------------- */

static enum sr_err get_config(struct sr_request *req, struct sr_response *resp, const char *subject,
                              struct sr_error *err)
{
    struct sr_config_rec c = {0};
    enum sr_err rc = sr_settings_get_config(hu_store(req), subject,
                                            sr_request_query_bool(req, "defaultToGlobal"), &c, err);
    /* Confluent 8 leaves the level out of a subject's config that has none. */
    bool own_without_level = sr_registry_opts(hu_registry(req))->api != SR_API_7 && subject &&
                             !c.compatibility && (c.extra || c.normalize >= 0);
    if (!rc)
        rc = sr_reply_json(resp, sr_settings_config_body(&c, own_without_level ? NULL : "BACKWARD"),
                           err);
    sr_config_rec_release(&c);
    return rc;
}

static enum sr_err put_config(struct sr_request *req, struct sr_response *resp, const char *subject,
                              struct sr_error *err)
{
    json_t *doc = NULL, *echo = NULL;
    bool api7 = sr_registry_opts(hu_registry(req))->api == SR_API_7;
    enum sr_err rc = hu_read_body(req, &doc, err);
    if (!rc)
        rc = sr_settings_put_config_doc(hu_store(req), subject, doc,
                                        sr_registry_opts(hu_registry(req))->api, &echo, err);
    json_decref(doc);
    if (rc)
        return rc;
    if (api7) { /* Confluent 7.0 echoed only these two */
        json_t *two = json_object();
        json_object_set(two, "compatibility", json_object_get(echo, "compatibility"));
        if (json_object_get(echo, "normalize"))
            json_object_set(two, "normalize", json_object_get(echo, "normalize"));
        json_decref(echo);
        echo = two;
    }
    return sr_reply_json(resp, echo, err);
}

static enum sr_err delete_config(struct sr_request *req, struct sr_response *resp,
                                 const char *subject, struct sr_error *err)
{
    struct sr_config_rec old = {0};
    enum sr_err rc = sr_settings_delete_config(
        hu_store(req), sr_registry_opts(hu_registry(req))->api, subject, &old, err);
    if (!rc)
        rc = sr_reply_json(resp, sr_settings_config_body(&old, "BACKWARD"), err);
    sr_config_rec_release(&old);
    return rc;
}

enum sr_err sr_h_config_global_get(struct sr_request *req, struct sr_response *resp,
                                   struct sr_error *err)
{
    return get_config(req, resp, NULL, err);
}

enum sr_err sr_h_config_global_put(struct sr_request *req, struct sr_response *resp,
                                   struct sr_error *err)
{
    return put_config(req, resp, NULL, err);
}

enum sr_err sr_h_config_global_delete(struct sr_request *req, struct sr_response *resp,
                                      struct sr_error *err)
{
    return delete_config(req, resp, NULL, err);
}

enum sr_err sr_h_config_subject_get(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err)
{
    return get_config(req, resp, hu_setting_subject(req), err);
}

enum sr_err sr_h_config_subject_put(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err)
{
    return put_config(req, resp, hu_setting_subject(req), err);
}

enum sr_err sr_h_config_subject_delete(struct sr_request *req, struct sr_response *resp,
                                       struct sr_error *err)
{
    return delete_config(req, resp, hu_setting_subject(req), err);
}

/* ---- mode ----------------------------------------------------------------------- */

static enum sr_err get_mode(struct sr_request *req, struct sr_response *resp, const char *subject,
                            struct sr_error *err)
{
    char mode[SR_MODE_NAME_MAX];
    enum sr_err rc = sr_settings_get_mode(hu_store(req), subject,
                                          sr_request_query_bool(req, "defaultToGlobal"), mode, err);
    return rc ? rc : sr_reply_json(resp, json_pack("{s:s}", "mode", mode), err);
}

static enum sr_err put_mode(struct sr_request *req, struct sr_response *resp, const char *subject,
                            struct sr_error *err)
{
    json_t *doc = NULL;
    enum sr_err rc = hu_read_body(req, &doc, err);
    if (rc)
        return rc;
    const char *stored = NULL;
    if (!json_is_object(doc)) /* as for config */
        rc = sr_errorf(err, SR_ERR_BAD_REQUEST, "The body must be a JSON object");
    else
        rc = sr_settings_put_mode(hu_store(req), subject,
                                  json_string_value(json_object_get(doc, "mode")),
                                  sr_request_query_bool(req, "force"), &stored, err);
    json_decref(doc);
    if (rc)
        return rc;
    return sr_reply_json(resp, json_pack("{s:s}", "mode", stored), err);
}

static enum sr_err delete_mode(struct sr_request *req, struct sr_response *resp,
                               const char *subject, struct sr_error *err)
{
    char old[SR_MODE_NAME_MAX];
    enum sr_err rc = sr_settings_delete_mode(hu_store(req), subject, old, err);
    return rc ? rc : sr_reply_json(resp, json_pack("{s:s}", "mode", old), err);
}

enum sr_err sr_h_mode_global_get(struct sr_request *req, struct sr_response *resp,
                                 struct sr_error *err)
{
    return get_mode(req, resp, NULL, err);
}

enum sr_err sr_h_mode_global_put(struct sr_request *req, struct sr_response *resp,
                                 struct sr_error *err)
{
    return put_mode(req, resp, NULL, err);
}

enum sr_err sr_h_mode_global_delete(struct sr_request *req, struct sr_response *resp,
                                    struct sr_error *err)
{
    return delete_mode(req, resp, NULL, err);
}

enum sr_err sr_h_mode_subject_get(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err)
{
    return get_mode(req, resp, hu_setting_subject(req), err);
}

enum sr_err sr_h_mode_subject_put(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err)
{
    return put_mode(req, resp, hu_setting_subject(req), err);
}

enum sr_err sr_h_mode_subject_delete(struct sr_request *req, struct sr_response *resp,
                                     struct sr_error *err)
{
    return delete_mode(req, resp, hu_setting_subject(req), err);
}

/* ---- compatibility ------------------------------------------------------------------ */

static enum sr_err compat(struct sr_request *req, struct sr_response *resp, int32_t version,
                          struct sr_error *err)
{
    json_t *doc = NULL;
    struct sr_schema_input in;
    bool verbose = sr_request_query_bool(req, "verbose"), ok = false;
    struct sr_strlist msgs = {0};
    /* ?level= asks what another level would say (the UI's check); without
     * it, the subject's own level decides, as for a registration. */
    const char *level_name = sr_request_query(req, "level");
    enum sr_compat_level level;
    enum sr_err rc = level_name ? sr_settings_parse_level(level_name, &level, err) : SR_OK;
    if (!rc)
        rc = hu_read_body(req, &doc, err);
    if (!rc)
        rc = sr_input_schema(doc, &in, err);
    if (!rc)
        rc = sr_input_schema_size(&in, sr_registry_opts(hu_registry(req))->max_schema_bytes, err);
    if (!rc)
        rc = sr_register_check(hu_registry(req), hu_subject(req), &in,
                               sr_request_query_bool(req, "normalize"), version,
                               level_name ? &level : NULL, verbose, &ok, &msgs, err);
    json_decref(doc);
    if (rc)
        return rc;
    json_t *body = json_pack("{s:b}", "is_compatible", ok);
    if (body && verbose) {
        json_t *list = json_array();
        for (size_t i = 0; i < msgs.count; i++)
            json_array_append_new(list, json_string(msgs.items[i]));
        json_object_set_new(body, "messages", list);
    }
    sr_strlist_release(&msgs);
    return sr_reply_json(resp, body, err);
}

enum sr_err sr_h_compat_all(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    return compat(req, resp, 0, err);
}

enum sr_err sr_h_compat_version(struct sr_request *req, struct sr_response *resp,
                                struct sr_error *err)
{
    int32_t version;
    enum sr_err rc = hu_path_version(req, 1, &version, err);
    return rc ? rc : compat(req, resp, version, err);
}

/*
 * handlers_ops.c - the small endpoints: root, schema types, server metadata,
 * the caller's permissions, health and metrics. See request.h for the handler
 * contract.
 */
#include <jansson.h>

#include "server/access.h"
#include "server/handlers.h"
#include "server/input.h"
#include "server/metrics.h"
#include "server/reply.h"
#include "server/server.h"
#include "storage/store.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4"
#define CLUSTER_NAME "avro-registry"

/* GET /v1/principal : who the caller is and what it may do (access.h). */
enum sr_err sr_h_principal(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    json_t *doc = NULL;
    enum sr_err rc = sr_access_describe(req, &doc, err);
    return rc == SR_OK ? sr_reply_json(resp, doc, err) : rc;
}

/* GET / : {} (Confluent's no-op, often used as a liveness probe). */
enum sr_err sr_h_root_get(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    (void)req;
    return sr_reply_json(resp, json_object(), err);
}

/* POST / : {} whatever the body (Confluent accepts any map and ignores it). */
enum sr_err sr_h_root_post(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    (void)req;
    return sr_reply_json(resp, json_object(), err);
}

/* GET /schemas/types : only Avro is supported. */
enum sr_err sr_h_schema_types(struct sr_request *req, struct sr_response *resp,
                              struct sr_error *err)
{
    (void)req;
    return sr_reply_json(resp, json_pack("[s]", "AVRO"), err);
}

/* {"read": bool, "write": bool} for the config or some subject. */
static json_t *may(const struct sr_request *req, enum sr_request_scope scope)
{
    return json_pack("{s:b,s:b}", "read", sr_request_may(req, false, scope, NULL), "write",
                     sr_request_may(req, true, scope, NULL));
}

/* GET /permissions[?subject=S] : what the caller may do (not in Confluent's
 * API; the web UI asks it to offer only the actions that would be allowed).
 * {"principal": name or null, "config": {...}, "subjects": {...}
 * [, "subject": {"name", ...}]}. */
enum sr_err sr_h_permissions(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    const char *subject = sr_request_query(req, "subject");
    enum sr_err rc = subject ? sr_input_subject(subject, err) : SR_OK;
    if (rc)
        return rc;
    json_t *probe = subject ? json_string(subject) : NULL; /* NULL: not UTF-8 */
    if (subject && !probe)
        return sr_errorf(err, SR_ERR_INVALID_SUBJECT, "The specified subject is not a valid.");
    json_decref(probe);
    json_t *doc = json_pack("{s:s?,s:o,s:o}", "principal", sr_request_principal(req), "config",
                            may(req, SR_SCOPE_CONFIG), "subjects", may(req, SR_SCOPE_SOME_SUBJECT));
    if (doc && subject) {
        json_t *one = json_pack("{s:s,s:b,s:b}", "name", subject, "read",
                                sr_request_may(req, false, SR_SCOPE_SUBJECT, subject), "write",
                                sr_request_may(req, true, SR_SCOPE_SUBJECT, subject));
        if (!one || json_object_set_new(doc, "subject", one)) { /* set_new takes one anyway */
            json_decref(doc);
            doc = NULL;
        }
    }
    return sr_reply_json(resp, doc, err);
}

/* GET /v1/metadata/id : Confluent's ServerClusterId; its id is "" and left
 * out as Confluent's NON_EMPTY serialisation does. There is no Kafka cluster. */
enum sr_err sr_h_metadata_id(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    (void)req;
    return sr_reply_json(resp,
                         json_pack("{s:{s:[],s:{s:s}}}", "scope", "path", "clusters",
                                   "schema-registry-cluster", CLUSTER_NAME),
                         err);
}

/* GET /v1/metadata/version : {"version", "commitId"}. */
enum sr_err sr_h_metadata_version(struct sr_request *req, struct sr_response *resp,
                                  struct sr_error *err)
{
    (void)req;
    return sr_reply_json(
        resp,
        json_pack("{s:s,s:s}", "version", AVRO_REGISTRY_VERSION, "commitId", AVRO_REGISTRY_COMMIT),
        err);
}

/* GET /health/live : the process answers. */
enum sr_err sr_h_health_live(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    (void)req;
    return sr_reply_json(resp, json_pack("{s:s}", "status", "UP"), err);
}

/* Why the server cannot serve now, or NULL when it can. */
static const char *not_ready_reason(struct sr_server *srv, struct sr_error *store_err)
{
    if (atomic_load(&srv->stopping))
        return "shutting down";
    if (!atomic_load(&srv->ready) || !srv->store || !srv->registry)
        return "starting";
    if (sr_store_check(srv->store, store_err) != SR_OK)
        return store_err->message[0] ? store_err->message : "the store does not answer";
    return NULL;
}

/* GET /health/ready : 200 {"status":"UP"} when the server is ready and the
 * store can serve (sr_store_check: a real read, room to write, and a real
 * write after a failure); otherwise 503 {"status":"DOWN",
 * "reason":"..."}. Not an error of the table: it is the answer itself. */
enum sr_err sr_h_health_ready(struct sr_request *req, struct sr_response *resp,
                              struct sr_error *err)
{
    struct sr_error store_err = {0};
    const char *reason = not_ready_reason(req->server, &store_err);
    if (!reason)
        return sr_reply_json(resp, json_pack("{s:s}", "status", "UP"), err);
    enum sr_err rc =
        sr_reply_json(resp, json_pack("{s:s,s:s}", "status", "DOWN", "reason", reason), err);
    if (rc == SR_OK)
        resp->status = 503;
    return rc;
}

/* GET /metrics : Prometheus text exposition. */
enum sr_err sr_h_metrics_get(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    struct sr_buf out = SR_BUF_INIT;
    enum sr_err rc = sr_metrics_render(req->server->metrics, req->server->store, &out, err);
    if (rc != SR_OK) {
        sr_buf_release(&out);
        return rc;
    }
    rc = sr_reply_buf(resp, &out, err);
    if (rc == SR_OK)
        resp->content_type = METRICS_CONTENT_TYPE;
    return rc;
}

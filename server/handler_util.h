/*
 * handler_util.h - what the endpoint handlers share: reading a JSON body,
 * answering with JSON, and the Confluent entity shapes (Schema, SchemaString).
 */
#ifndef SR_SERVER_HANDLER_UTIL_H
#define SR_SERVER_HANDLER_UTIL_H

#include <jansson.h>

#include "server/input.h"
#include "server/registry.h"
#include "server/reply.h"
#include "server/request.h"
#include "server/server.h"

/* The registry of the server handling req. */
struct sr_registry *hu_registry(const struct sr_request *req);

/* The request body as JSON (sr_input_json). Caller owns *out (json_decref). */
enum sr_err hu_read_body(const struct sr_request *req, json_t **out, struct sr_error *err);

/* A Confluent Schema entity. SR_API_7: {subject, version, id, references?,
 * metadata?, ruleSet?, schema} (no schemaType for AVRO). SR_API_8, in the
 * order Jackson writes 8.0's entity: {subject, version, id, guid,
 * schemaType, references?, metadata?, schema, ts?, deleted?, ruleSet?},
 * where stored adds ts and deleted (entities read from the store, not those
 * built from a request). NULL on OOM. */
json_t *hu_schema_entity(enum sr_api api, const struct sr_version_rec *v,
                         const struct sr_schema_rec *s, bool stored);

/* The answer to a registration: {"id"} for SR_API_7; for SR_API_8 the full
 * RegisterSchemaResponse {id, version, guid, schemaType, references?,
 * metadata?, ruleSet?, schema}. NULL on OOM. */
json_t *hu_register_answer(enum sr_api api, int64_t id, int32_t version,
                           const struct sr_schema_rec *s);

/* Query parameter as a 64-bit integer within [min, max]; def when absent.
 * Errors: SR_ERR_UNPROCESSABLE naming the parameter. */
enum sr_err hu_query_int(const struct sr_request *req, const char *key, int64_t def, int64_t min,
                         int64_t max, int64_t *out, struct sr_error *err);

/* The {id} path parameter: a positive integer, else 404 as Jersey answers a
 * path that does not convert. */
enum sr_err hu_path_id(const struct sr_request *req, size_t index, int64_t *out,
                       struct sr_error *err);

/* The {version} path parameter params[index]: in Confluent 8's dialect as
 * its VersionId reads it (sr_input_version_lenient), in 7.0's exactly as
 * written (sr_input_version). Errors: SR_ERR_INVALID_VERSION. */
enum sr_err hu_path_version(const struct sr_request *req, size_t index, int32_t *out,
                            struct sr_error *err);

/* The {subject} path parameter without the default context's prefix ":.:"
 * (Confluent's QualifiedSubject.normalize): ":.:orders" is "orders". */
const char *hu_subject(const struct sr_request *req);

/* The same for /config/{subject} and /mode/{subject}, where the default
 * context itself (":.:") names the global setting: NULL then. */
const char *hu_setting_subject(const struct sr_request *req);

/* The store of the server handling req. */
struct sr_store *hu_store(const struct sr_request *req);

/* Begins a store transaction for the request. */
enum sr_err hu_begin(const struct sr_request *req, bool write, struct sr_txn **t,
                     struct sr_error *err);

/* The offset and limit query parameters (defaults 0 and -1). */
enum sr_err hu_paging(const struct sr_request *req, int64_t *offset, int64_t *limit,
                      struct sr_error *err);

/* Which versions a listing shows: deletedOnly wins over deleted. */
enum sr_deleted_filter hu_deleted_filter(const struct sr_request *req);

#endif

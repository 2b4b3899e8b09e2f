/*
 * handlers_registrations.c - POST /registrations: several registrations in
 * one request, for tools that move many schemas (avroreg import and
 * migrate). Not in Confluent's API; a registry without it answers 404, and
 * the tools then register one schema per request.
 *
 *   {"registrations": [{"subject": "orders-value", "schema": "...", ...}, ...]}
 *
 * Each item is the body of POST /subjects/{subject}/versions (schema,
 * schemaType, references, metadata, ruleSet, and in IMPORT mode id and
 * version) plus its subject, and is judged exactly as that request would be,
 * by the same rules and with ?normalize= applying to every item. Up to 64
 * items (and 1 MiB of schema text) at a time are parsed and their writes
 * queued together, so that they share commits (register.h,
 * sr_register_all()); an item's references should name versions that were
 * there before the request (one registered by an item of the same slice is
 * not found). Each item is authorized (Write on its subject)
 * and audited on its own. The answer is 200 with one result per item, in
 * order: {"id": 7, "version": 3} or {"error_code": 40301, "message": "..."}.
 * The request as a whole fails only when its body is not such an object, or
 * holds more than SR_MAX_REGISTRATIONS items (422).
 */
#include <stdlib.h>
#include <string.h>

#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/input.h"
#include "server/register.h"
#include "server/reply.h"

#define SR_MAX_REGISTRATIONS 1000

/* One item: its input read from the body, or the error that refuses it. */
static void read_item(const struct sr_request *req, const json_t *item, struct sr_registration *reg,
                      struct sr_schema_input *in)
{
    const json_t *subject = json_object_get(item, "subject");
    size_t max = sr_registry_opts(hu_registry(req))->max_schema_bytes;
    reg->rc = json_is_object(item) ? SR_OK
                                   : sr_errorf(&reg->err, SR_ERR_BAD_REQUEST,
                                               "A registration must be a JSON object");
    if (!reg->rc && !json_is_string(subject))
        reg->rc = sr_errorf(&reg->err, SR_ERR_INVALID_SUBJECT,
                            "A registration must name its subject as a string");
    if (!reg->rc) {
        reg->subject = json_string_value(subject);
        reg->rc = sr_input_schema(item, in, &reg->err);
    }
    if (!reg->rc)
        reg->rc = sr_input_schema_size(in, max, &reg->err);
    if (!reg->rc && !sr_request_may(req, true, SR_SCOPE_SUBJECT, reg->subject))
        reg->rc = sr_errorf(&reg->err, SR_ERR_FORBIDDEN, "User '%s' may not write subject %s",
                            sr_request_principal(req), reg->subject);
}

/* Most items, and most schema text, parsed and held at once: a parsed
 * schema takes many times its text in memory, so a full request is
 * registered in slices (each slice's writes share commits; a slice sees
 * the ones before it). */
#define SLICE_ITEMS 64
#define SLICE_SCHEMA_BYTES ((size_t)1024 * 1024)

/* The items that passed read_item, registered slice by slice (the others
 * keep their error). */
static enum sr_err register_ready(const struct sr_request *req, struct sr_registration *regs,
                                  size_t n, struct sr_error *err)
{
    size_t start = 0, count = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        count += !regs[i].rc;
        bytes += regs[i].rc ? 0 : regs[i].in->schema_len;
        if (count < SLICE_ITEMS && bytes < SLICE_SCHEMA_BYTES && i + 1 < n)
            continue;
        if (sr_register_all(hu_registry(req), &regs[start], i + 1 - start) != SR_OK)
            return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
        start = i + 1;
        count = bytes = 0;
    }
    return SR_OK;
}

/* The item's result, and its audit line. */
static json_t *result_of(const struct sr_request *req, const struct sr_registration *reg)
{
    json_t *out = NULL;
    int status = 200;
    if (reg->rc) {
        status = sr_error_http_status(reg->rc);
        out = sr_reply_error_doc(reg->rc, reg->err.message, "POST /registrations");
    } else {
        out = json_pack("{s:I,s:i}", "id", (json_int_t)reg->out.id, "version", reg->out.version);
    }
    json_t *audited = reg->rc ? NULL : json_pack("{s:I}", "id", (json_int_t)reg->out.id);
    sr_request_audit(req, "/registrations", reg->subject, status, audited);
    json_decref(audited);
    return out;
}

static enum sr_err answer(const struct sr_request *req, struct sr_registration *regs, size_t n,
                          struct sr_response *resp, struct sr_error *err)
{
    json_t *results = json_array();
    for (size_t i = 0; results && i < n; i++)
        if (json_array_append_new(results, result_of(req, &regs[i])) != 0) {
            json_decref(results);
            results = NULL;
        }
    json_t *doc = results ? json_pack("{s:o}", "results", results) : NULL;
    if (!doc)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    return sr_reply_json(resp, doc, err);
}

static enum sr_err items_of(const json_t *doc, const json_t **out, struct sr_error *err)
{
    const json_t *items = json_object_get(doc, "registrations");
    if (!json_is_array(items))
        return sr_errorf(err, SR_ERR_UNPROCESSABLE,
                         "The body must be an object with an array \"registrations\"");
    if (json_array_size(items) > SR_MAX_REGISTRATIONS)
        return sr_errorf(err, SR_ERR_UNPROCESSABLE,
                         "At most %d registrations may come in one request; this one has %zu",
                         SR_MAX_REGISTRATIONS, json_array_size(items));
    *out = items;
    return SR_OK;
}

enum sr_err sr_h_registrations(struct sr_request *req, struct sr_response *resp,
                               struct sr_error *err)
{
    json_t *doc = NULL;
    const json_t *items = NULL;
    enum sr_err rc = hu_read_body(req, &doc, err);
    if (!rc)
        rc = items_of(doc, &items, err);
    size_t n = rc ? 0 : json_array_size(items);
    struct sr_registration *regs = calloc(n ? n : 1, sizeof(*regs));
    struct sr_schema_input *inputs = calloc(n ? n : 1, sizeof(*inputs));
    if (!rc && (!regs || !inputs))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    bool normalize = sr_request_query_bool(req, "normalize");
    for (size_t i = 0; !rc && i < n; i++) {
        regs[i] = (struct sr_registration){.in = &inputs[i], .normalize = normalize};
        read_item(req, json_array_get(items, i), &regs[i], &inputs[i]);
    }
    if (!rc)
        rc = register_ready(req, regs, n, err);
    if (!rc)
        rc = answer(req, regs, n, resp, err);
    for (size_t i = 0; regs && i < n; i++)
        sr_registered_release(&regs[i].out);
    free(regs);
    free(inputs);
    json_decref(doc);
    return rc;
}

/*
 * reply.c - the one error path, and response helpers; see reply.h.
 */
#include "server/reply.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/log.h"

void sr_response_release(struct sr_response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    memset(resp, 0, sizeof *resp);
}

void sr_reply_take(struct sr_response *resp, char *body, size_t len)
{
    free(resp->body);
    resp->status = 200;
    resp->body = body;
    resp->body_len = body ? len : 0;
}

/* A JSON string for message; non-ASCII bytes become '?' when the text is not
 * valid UTF-8 (jansson refuses it). NULL on OOM. */
static json_t *message_string(const char *message)
{
    json_t *s = json_string(message);
    if (s)
        return s;
    char *copy = strdup(message);
    if (!copy)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    s = json_string(copy);
    free(copy);
    return s;
}

/* A request id unique within the process and unlikely to repeat across
 * restarts: a per-process start value mixed with a counter. */
static void new_request_id(char out[17])
{
    static _Atomic uint64_t counter;
    static uint64_t base;
    if (!base) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        base = ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 40);
    }
    uint64_t x = (base + atomic_fetch_add(&counter, 1)) * 0x9E3779B97F4A7C15ULL;
    x ^= x >> 29;
    snprintf(out, 17, "%016llx", (unsigned long long)x);
}

/* The message a client gets for code: message itself, or for a server error
 * the table's short message and a new request id, the detail going to the
 * log (client holds the text). */
static const char *client_message(enum sr_err code, const char *message, const char *what,
                                  char client[160])
{
    if (sr_error_http_status(code) < 500)
        return message;
    char id[17];
    new_request_id(id);
    sr_log(SR_LOG_ERROR, "request %s%s%s failed (%d %s): %s", id, what ? ": " : "",
           what ? what : "", sr_error_code(code), sr_error_name(code),
           message && *message ? message : sr_error_default_message(code));
    snprintf(client, 160, "%s (request id %s)", sr_error_default_message(code), id);
    return client;
}

/* {"error_code":N,"message":M}; NULL on OOM. */
static json_t *error_doc(enum sr_err code, const char *message)
{
    if (!message || !*message)
        message = sr_error_default_message(code);
    json_t *doc = json_object();
    if (doc && (json_object_set_new(doc, "error_code", json_integer(sr_error_code(code))) ||
                json_object_set_new(doc, "message", message_string(message)))) {
        json_decref(doc);
        doc = NULL;
    }
    return doc;
}

json_t *sr_reply_error_doc(enum sr_err code, const char *message, const char *what)
{
    char client[160];
    return error_doc(code, client_message(code, message, what, client));
}

void sr_reply_error_in(struct sr_response *resp, enum sr_err code, const char *message,
                       const char *what)
{
    char client[160];
    sr_reply_error(resp, code, client_message(code, message, what, client));
}

void sr_reply_error(struct sr_response *resp, enum sr_err code, const char *message)
{
    free(resp->body);
    resp->body = NULL;
    resp->static_body = NULL;
    resp->body_len = 0;
    resp->content_type = NULL;
    resp->status = sr_error_http_status(code);

    json_t *doc = error_doc(code, message);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text) {
        resp->status = 500;
        return;
    }
    resp->body = text;
    resp->body_len = strlen(text);
}

enum sr_err sr_reply_json(struct sr_response *resp, json_t *doc, struct sr_error *err)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
    json_decref(doc);
    if (!text)
        return sr_errorf(err, SR_ERR_NOMEM, "Out of memory building the response");
    sr_reply_take(resp, text, strlen(text));
    return SR_OK;
}

enum sr_err sr_reply_buf(struct sr_response *resp, struct sr_buf *b, struct sr_error *err)
{
    size_t len = 0;
    char *text = sr_buf_detach(b, &len);
    if (!text)
        return sr_errorf(err, SR_ERR_NOMEM, "Out of memory building the response");
    sr_reply_take(resp, text, len);
    return SR_OK;
}

enum sr_err sr_reply_text(struct sr_response *resp, const char *text, size_t len,
                          struct sr_error *err)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return sr_errorf(err, SR_ERR_NOMEM, "Out of memory building the response");
    memcpy(copy, text, len);
    copy[len] = '\0';
    sr_reply_take(resp, copy, len);
    return SR_OK;
}

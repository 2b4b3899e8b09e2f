/*
 * ui.c - serving the embedded web UI; see ui.h.
 *
 * The files are static data in the binary, so a response points at them
 * (sr_response.static_body) and copies nothing. The headers are static
 * strings too: the CSP is the same for every file, the ETag is the one the
 * build computed.
 */
#include "server/ui.h"

#include <stdbool.h>
#include <string.h>

#include "server/server.h"

/*
 * Nothing inline, nothing evaluated, nothing from elsewhere. Trusted Types
 * make the DOM's HTML-parsing sinks (innerHTML and friends) throw, so text
 * from the registry can only ever reach the page as text: the UI builds its
 * DOM with createElement and textContent.
 */
static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self'; connect-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'; "
                          "require-trusted-types-for 'script'; trusted-types 'none'";

static bool ui_enabled(const struct sr_request *req)
{
    return req->server && req->server->config.ui;
}

static int compare_name(const void *key, const void *elem)
{
    return strcmp(key, ((const struct sr_ui_asset *)elem)->name);
}

const struct sr_ui_asset *sr_ui_find(const char *name)
{
    /* a handful of files: a linear walk is as fast as anything */
    for (size_t i = 0; i < sr_ui_asset_count; i++)
        if (compare_name(name, &sr_ui_assets[i]) == 0)
            return &sr_ui_assets[i];
    return NULL;
}

static void add_header(struct sr_response *resp, const char *name, const char *value)
{
    if (resp->header_count < SR_RESPONSE_MAX_HEADERS)
        resp->headers[resp->header_count++] = (struct sr_header){name, value};
}

/* Whether If-None-Match names etag ("*", or a list holding it, weak or not). */
static bool etag_matches(const char *if_none_match, const char *etag)
{
    size_t n = strlen(etag);
    if (!if_none_match)
        return false;
    for (const char *p = if_none_match; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (p[0] == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
        while (*p && *p != ',')
            p++;
    }
    return false;
}

static void serve(const struct sr_request *req, const struct sr_ui_asset *a,
                  struct sr_response *resp)
{
    resp->content_type = a->content_type;
    add_header(resp, "ETag", a->etag);
    add_header(resp, "Cache-Control", "no-cache");
    add_header(resp, "Content-Security-Policy", csp);
    add_header(resp, "X-Content-Type-Options", "nosniff");
    add_header(resp, "Referrer-Policy", "no-referrer");
    add_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    if (etag_matches(sr_request_header(req, "If-None-Match"), a->etag)) {
        resp->status = 304;
        return;
    }
    resp->status = 200;
    resp->static_body = a->data;
    resp->body_len = a->len;
}

static enum sr_err not_found(struct sr_error *err)
{
    return sr_errorf(err, SR_ERR_NOT_FOUND, "%s", sr_error_default_message(SR_ERR_NOT_FOUND));
}

enum sr_err sr_ui_get_index(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    const struct sr_ui_asset *index = sr_ui_find("index.html");
    if (!ui_enabled(req) || !index)
        return not_found(err);
    size_t len = req->path ? strlen(req->path) : 0;
    if (len > 0 && req->path[len - 1] != '/') {
        /* relative: right behind a proxy that mounts the registry under a prefix */
        resp->status = 308;
        add_header(resp, "Location", "ui/");
        resp->content_type = "text/plain; charset=utf-8";
        return SR_OK;
    }
    serve(req, index, resp);
    return SR_OK;
}

enum sr_err sr_ui_get_asset(struct sr_request *req, struct sr_response *resp, struct sr_error *err)
{
    const struct sr_ui_asset *a = req->param_count == 1 ? sr_ui_find(req->params[0]) : NULL;
    if (!ui_enabled(req) || !a)
        return not_found(err);
    serve(req, a, resp);
    return SR_OK;
}

/*
 * ui.h - the web UI's static files, embedded in the server binary at build
 * time and served under /ui/.
 *
 * The files live in ui/ in the repository (plain HTML, CSS and JavaScript:
 * nothing to bundle). tools/embed_assets.c turns them into a C table at build
 * time (build/gen/ui_assets.c, which defines sr_ui_assets); the server
 * serves that table and nothing else, so the UI works offline and a running
 * server never reads files for it. The browser side talks only to the
 * registry's public REST API.
 *
 * Routes (server/routes.c):
 *   GET /ui, GET /ui/       index.html
 *   GET /ui/{asset}         one file by name (no directories)
 * Every answer carries:
 *   Content-Type            from the file's extension (charset=utf-8 for text)
 *   ETag                    a hash of the content, computed at build time;
 *                           If-None-Match with it answers 304, no body
 *   Cache-Control           no-cache: a browser keeps the file but asks again
 *                           each time, and the ETag makes that a 304
 *   Content-Security-Policy default-src 'none'; scripts, styles, images and
 *                           fetches from this origin only; no inline script
 *                           or style, no eval, no framing, no form posts
 *   X-Content-Type-Options  nosniff
 *   Referrer-Policy         no-referrer
 * "/ui" without the slash is redirected (308) to "/ui/", so that the
 * index's relative references resolve under /ui/. An unknown asset name is a
 * 404 with the registry's JSON error body, as is every /ui route when the UI
 * is disabled (--ui off).
 */
#ifndef SR_SERVER_UI_H
#define SR_SERVER_UI_H

#include <stddef.h>

#include "server/request.h"

/* One embedded file. All static. */
struct sr_ui_asset {
    const char *name;         /* "app.js": the last path segment */
    const char *content_type; /* "text/javascript; charset=utf-8" */
    const unsigned char *data;
    size_t len;
    const char *etag; /* quoted: "\"3f9c0e1d2b4a6789\"" */
};

/* The embedded files, in name order (generated: build/gen/ui_assets.c). */
extern const struct sr_ui_asset sr_ui_assets[];
extern const size_t sr_ui_asset_count;

/* The asset called name, or NULL. */
const struct sr_ui_asset *sr_ui_find(const char *name);

/* The handlers; see the routes above. Errors: SR_ERR_NOT_FOUND when the UI
 * is disabled or no asset has the name. */
enum sr_err sr_ui_get_index(struct sr_request *req, struct sr_response *resp, struct sr_error *err);
enum sr_err sr_ui_get_asset(struct sr_request *req, struct sr_response *resp, struct sr_error *err);

#endif

"""The web UI's files as HTTP serves them (server/ui.c): /ui redirects to /ui/,
every file has its content type, an ETag that If-None-Match turns into a 304,
Cache-Control, a strict Content-Security-Policy and nosniff; Accept is not
negotiated for them; unknown files and a disabled UI (--ui off, or
AVRO_REGISTRY_UI=off) answer the registry's JSON 404. What the pages do is
tests/ui/test_ui.mjs's business, in a real browser.
"""
import os
import re

from apiutil import JSON_TYPE, Registry, eq, expect_error, finish, ok

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def header(r, name):
    for k, v in r.headers.items():
        if k.lower() == name.lower():
            return v
    return None


reg = Registry().start()

r = reg.get("/ui")
eq("/ui redirects to /ui/ (relative, so a path prefix survives)", (r.status, header(r, "Location")),
   (308, "ui/"))
r = reg.get("/ui/")
with open(os.path.join(ROOT, "ui", "index.html"), encoding="utf-8") as f:
    index = f.read()
eq("/ui/ answers index.html as it is in the repository", (r.status, r.raw), (200, index))
eq("index.html is HTML", header(r, "Content-Type"), "text/html; charset=utf-8")

csp = header(r, "Content-Security-Policy") or ""
directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
eq("the CSP allows nothing by default", directives.get("default-src"), "'none'")
eq("the CSP takes scripts from this origin only: no inline, no eval",
   directives.get("script-src"), "'self'")
eq("the CSP takes styles from this origin only: no inline style",
   directives.get("style-src"), "'self'")
eq("the CSP lets the page fetch only from the registry", directives.get("connect-src"), "'self'")
eq("the CSP forbids framing", directives.get("frame-ancestors"), "'none'")
eq("the CSP requires Trusted Types, so no HTML is ever parsed from data",
   directives.get("require-trusted-types-for"), "'script'")
ok("no unsafe-inline or unsafe-eval anywhere", "unsafe" not in csp, csp)
eq("nosniff", header(r, "X-Content-Type-Options"), "nosniff")
eq("no referrer leaves the UI", header(r, "Referrer-Policy"), "no-referrer")
eq("files are revalidated each time", header(r, "Cache-Control"), "no-cache")
etag = header(r, "ETag")
ok("the ETag is a quoted content hash", bool(etag and re.fullmatch(r'"[0-9a-f]{16}"', etag)), etag)

eq("If-None-Match with the ETag: 304, no body",
   (lambda x: (x.status, x.raw, header(x, "ETag")))(reg.get("/ui/", headers={"If-None-Match": etag})),
   (304, "", etag))
eq("a weak or listed ETag matches too",
   reg.get("/ui/index.html", headers={"If-None-Match": f'"x", W/{etag}'}).status, 304)
eq("another ETag: the file again", reg.get("/ui/", headers={"If-None-Match": '"0"'}).status, 200)

types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml"}
files = sorted(os.listdir(os.path.join(ROOT, "ui")))
served = []
for name in files:
    ext = os.path.splitext(name)[1]
    if ext not in types:
        continue
    x = reg.get(f"/ui/{name}")
    with open(os.path.join(ROOT, "ui", name), "rb") as f:
        same = x.raw.encode() == f.read()
    served.append((name, x.status, header(x, "Content-Type"), same,
                   header(x, "X-Content-Type-Options")))
eq("every file of ui/ is served as it is, with its type and nosniff",
   served, [(n, 200, types[os.path.splitext(n)[1]], True, "nosniff") for n, *_ in served])
ok("the UI has its pages", {"index.html", "app.js", "style.css"} <= {s[0] for s in served}, served)
modules = sorted(n for n in files if n.endswith(".js") and n != "app.js")
preloaded = sorted(re.findall(r'<link rel="modulepreload" href="([^"]+)">', index))
eq("index.html preloads every module but the entry point (no import-by-import waterfall)",
   preloaded, modules)
etags = {header(reg.get(f"/ui/{n}"), "ETag") for n, *_ in served}
eq("each file has its own ETag", len(etags), len(served))

r = reg.get("/ui/app.js", headers={"Accept": "text/html"})
eq("Accept is not negotiated for the UI's files", r.status, 200)
r = reg.request("HEAD", "/ui/style.css")
eq("HEAD: the headers without the body", (r.status, r.raw, header(r, "Content-Type")),
   (200, "", "text/css; charset=utf-8"))
expect_error("an unknown file is the registry's JSON 404", reg.get("/ui/nope.js"), 404, 404,
             "HTTP 404 Not Found")
expect_error("no directories under /ui/", reg.get("/ui/a/b.js"), 404, 404, "HTTP 404 Not Found")
expect_error("POST /ui/ is 405", reg.request("POST", "/ui/", {}), 405, 405)
ok("the JSON API is untouched: no CSP on it", header(reg.get("/subjects"), "Content-Security-Policy")
   is None)
reg.stop()

for label, extra, env in [("--ui off", ["--ui", "off"], None),
                          ("AVRO_REGISTRY_UI=off", [], {"AVRO_REGISTRY_UI": "off"})]:
    off = Registry(extra_args=extra, env=env).start()
    for path in ["/ui", "/ui/", "/ui/app.js"]:
        r = off.get(path)
        expect_error(f"{label}: {path} is the registry's JSON 404", r, 404, 404, "HTTP 404 Not Found")
        eq(f"{label}: {path} answers JSON", header(r, "Content-Type"), JSON_TYPE)
    eq(f"{label}: the API still works", off.get("/subjects").status, 200)
    off.stop()

finish()

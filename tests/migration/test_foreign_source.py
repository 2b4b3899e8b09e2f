"""export and migrate from a source registry without Confluent's GET /schemas
listing (older Confluent, Karapace-like and other Confluent-API registries):
avroreg reads it subject by subject instead. nginx sits in front of one of
our registries and answers /schemas with Confluent's JSON 404; in a second
variant it also drops ?deleted=true from the subject and version listings,
as very old registries ignore it. The source has references, soft and
permanent deletes, ids given in IMPORT mode, a subject name that must be
percent-encoded, per-subject config and modes.

Through the first proxy the export is byte for byte the one read through the
listing, and a migrate leaves the target with every id, version, deleted flag
and setting of the source. Through the second, the target holds what that
source shows (its live versions). Both times the tool says it fell back.
Last, a migrate into a target behind such a proxy, which also has no POST
/registrations: the tool registers one version per request there, with the
same result.
"""
import os
import re
import shutil
import subprocess
import tempfile
from urllib.parse import quote

from migutil import (Registry, avroreg, eq, finish, free_port, ids_of, must, ok, record,  # noqa: F401
                     state_of, stop_nginx, varied_history, wait_for)
from test_migrate import NGINX, port_open, summary

NOT_FOUND = '{"error_code":404,"message":"HTTP 404 Not Found"}'
FELL_BACK = "no GET /schemas listing: read subject by subject"


def foreign_history(reg):
    """varied_history, plus a subject (with a '/' in its name) filled in IMPORT
    mode with ids of its own, one of them soft-deleted, and a referrer of one."""
    varied_history(reg)
    legacy = quote("legacy/value", safe="")
    must(reg.request("PUT", f"/mode/{legacy}", {"mode": "IMPORT"}), "legacy IMPORT")
    for sid, version, name in ((1000, 3, "Old"), (500, 7, "Older"), (2000, 9, "Oldest")):
        must(reg.request("POST", f"/subjects/{legacy}/versions", {
            "schema": record(name, ("v", "int")), "id": sid, "version": version}), f"import {sid}")
    must(reg.request("DELETE", f"/mode/{legacy}"), "legacy back to the global mode")
    must(reg.request("DELETE", f"/subjects/{legacy}/versions/9"), "soft delete legacy v9")
    must(reg.request("PUT", f"/config/{legacy}", {"compatibility": "NONE"}), "legacy NONE")
    must(reg.register("uses-legacy", record("User", ("old", "Old")), references=[
        {"name": "Old", "subject": "legacy/value", "version": 3}]), "a reference to an imported id")
    must(reg.request("PUT", "/mode/uses-legacy", {"mode": "READONLY"}), "uses-legacy READONLY")


def start_nginx(d, upstream):
    """Two plain HTTP servers in front of upstream, both without /schemas (and
    without our POST /registrations, as any other registry); the
    second also ignores ?deleted=true on /subjects and /subjects/{s}/versions
    (it passes the raw path on, without the query)."""
    ports = free_port(), free_port()
    os.makedirs(f"{d}/tmp", exist_ok=True)
    no_listing = f"""
        location = /schemas {{
            default_type application/vnd.schemaregistry.v1+json;
            return 404 '{NOT_FOUND}';
        }}
        location = /registrations {{
            default_type application/vnd.schemaregistry.v1+json;
            return 404 '{NOT_FOUND}';
        }}
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
        }}"""
    conf = f"""worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    map $request_uri $raw_path {{
        "~^(?<p>[^?]*)" $p;
    }}
    server {{
        listen 127.0.0.1:{ports[0]};{no_listing}
    }}
    server {{
        listen 127.0.0.1:{ports[1]};{no_listing}
        location = /subjects {{
            proxy_pass http://127.0.0.1:{upstream}$raw_path;
        }}
        location ~ ^/subjects/.+/versions$ {{
            proxy_pass http://127.0.0.1:{upstream}$raw_path;
        }}
    }}
}}
"""
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(conf)
    os.chmod(d, 0o755)  # nginx's workers may run as another user
    proc = subprocess.Popen([NGINX, "-p", f"{d}/", "-c", f"{d}/nginx.conf", "-e",
                             f"{d}/error.log"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    ready = wait_for(lambda: all(port_open(p) for p in ports) or proc.poll() is not None,
                     timeout=20, step=0.05)
    if not ready or proc.poll() is not None:
        log = open(f"{d}/error.log").read() if os.path.exists(f"{d}/error.log") else ""
        raise RuntimeError("nginx did not start: " + log)
    return proc, ports


class View(Registry):
    """The API of a registry seen through a proxy's port: requests only."""

    def __init__(self, port):  # no super().__init__: there is no process to own
        self.port = port


def copied_all(r, dst, src):
    """Checks that migrate run r copied src whole to dst, refusing nothing."""
    copied = summary(r.err)
    ok("... and copied everything, refusing nothing",
       copied is not None and copied[0] > 0 and copied[1:] == (0, 0), r.err[-1500:])
    eq("the target holds every subject, version, deleted flag and setting of the source",
       state_of(dst), state_of(src))
    eq("every id answers the same on both", ids_of(dst), ids_of(src))


def verified(err):
    return re.search(r"verify: (\d+) of \1 ids and (\d+) of \2 subjects match", err)


def without_listing(tmp, src, view):
    """The first proxy: no /schemas, everything else as the registry has it."""
    url = view.url
    r = view.get("/schemas?deleted=true")
    eq("the proxy answers /schemas with Confluent's JSON 404", (r.status, r.json),
       (404, {"error_code": 404, "message": "HTTP 404 Not Found"}))
    eq("... and passes the rest on", view.get("/subjects/legacy%2Fvalue/versions/7").json["id"], 500)

    listed = avroreg("export", "--registry", src.url, "--output", f"{tmp}/listed.jsonl")
    ok("export through the listing (exit 0) does not fall back",
       listed.rc == 0 and listed.clean() and "subject by subject" not in listed.err, listed)
    r = avroreg("export", "--registry", url, "--output", f"{tmp}/fallback.jsonl")
    ok("export from a registry without GET /schemas (exit 0)", r.rc == 0 and r.clean(), r)
    ok("... says it read subject by subject", FELL_BACK in r.err, r.err[-1500:])
    text = open(f"{tmp}/fallback.jsonl").read()
    eq("... and gives the same bytes as the export through the listing", text,
       open(f"{tmp}/listed.jsonl").read())
    ok("... soft-deleted versions, IMPORT-ed ids and a '/' in a name included",
       '"subject":"legacy/value","version":9,"id":2000,"deleted":true' in text and
       '"subject":"gone-value","version":1' in text and '"id":500' in text, text[-3000:])

    dst = Registry().start()
    try:
        r = avroreg("migrate", "--from", url, "--to", dst.url)
        ok("migrate from it (exit 0), verified", r.rc == 0 and r.clean() and verified(r.err), r)
        ok("... says it read subject by subject", FELL_BACK in r.err, r.err[-1500:])
        copied_all(r, dst, src)
        r = avroreg("migrate", "--from", url, "--to", dst.url)
        again = summary(r.err)
        ok("a second migrate copies nothing (exit 0)",
           r.rc == 0 and again is not None and again[0] == 0 and again[1] > 0, r)
    finally:
        dst.stop()


def ignoring_deleted(view):
    """The second proxy: no /schemas, and the listings ignore ?deleted=true, so
    what the source soft-deleted cannot be seen (the deleted versions' own
    lookups still answer, but nothing names them)."""
    url = view.url
    seen = state_of(view)
    ok("the proxy hides soft-deleted subjects and versions",
       "gone-value" not in seen and [v[0] for v in seen["orders-value"]["versions"]] == [1, 3] and
       [v[0] for v in seen["legacy/value"]["versions"]] == [3, 7], seen)
    dst = Registry().start()
    try:
        r = avroreg("migrate", "--from", url, "--to", dst.url)
        ok("migrate from a registry that ignores ?deleted=true (exit 0), verified",
           r.rc == 0 and r.clean() and verified(r.err), r)
        ok("... says it read subject by subject", FELL_BACK in r.err, r.err[-1500:])
        eq("the target holds what the source shows: live versions with their ids and settings",
           state_of(dst), seen)
        eq("every id it shows answers the same on both", ids_of(dst), ids_of(view))
    finally:
        dst.stop()


def into_foreign_target(tmp, src):
    """A target without POST /registrations (every registry but ours): avroreg
    registers one version per request there, with the same result."""
    dst = Registry().start()
    proxy = None
    try:
        proxy, (port, _) = start_nginx(f"{tmp}/to", dst.port)
        view = View(port)
        r = view.request("POST", "/registrations", {"registrations": []})
        eq("the target's proxy answers POST /registrations with Confluent's JSON 404",
           (r.status, r.json), (404, {"error_code": 404, "message": "HTTP 404 Not Found"}))
        r = avroreg("migrate", "--from", src.url, "--to", view.url)
        ok("migrate into a registry without POST /registrations (exit 0), verified",
           r.rc == 0 and r.clean() and verified(r.err), r)
        copied_all(r, dst, src)
        log = dst.log()
        ok("... registered one version per request",
           '"route":"/registrations"' not in log and
           '"route":"/subjects/{subject}/versions"' in log, log[-1500:])
    finally:
        stop_nginx(proxy)
        dst.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="avroreg-foreign-")
    src = Registry().start()
    nginx = None
    try:
        foreign_history(src)
        nginx, (plain, old) = start_nginx(tmp, src.port)
        without_listing(tmp, src, View(plain))
        ignoring_deleted(View(old))
        into_foreign_target(tmp, src)
    finally:
        stop_nginx(nginx)
        src.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()

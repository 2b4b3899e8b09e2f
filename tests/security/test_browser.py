"""A real browser (Debian's headless chromium) cannot be turned against the
registry, and an allowed origin can use it.

Two pages are served from two other origins (loopback ports of their own).
Each runs synchronous XMLHttpRequests to the registry while it loads, and
writes what happened into its DOM, which chromium --dump-dom prints:
  * from a foreign origin: the "simple" cross-site write a web page can make
    without asking (a POST whose body is a Blob, so no Content-Type at all),
    and a JSON write that needs a preflight: both refused, nothing written;
  * from the origin listed in --cors-origins: a JSON write (preflight, then
    POST) and a read, both answered and readable by the page.
Nothing is downloaded: chromium runs with a fresh profile, no network
services, and only ever talks to 127.0.0.1.
"""
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading

from secutil import SecureRegistry, eq, finish, free_port, ok, schema

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

PAGE = """<!doctype html>
<html><body><pre id="out"></pre><script>
const out = document.getElementById('out');
function call(method, url, body, type) {
  const x = new XMLHttpRequest();
  x.open(method, url, false);  // synchronous: done before the DOM is dumped
  if (type) x.setRequestHeader('Content-Type', type);
  try { x.send(body); return x.status + ' ' + x.responseText; }
  catch (e) { return 'failed ' + e.name; }
}
const reg = %(registry)s;
const body = JSON.stringify({schema: %(schema)s});
out.textContent = JSON.stringify({
  simple: call('POST', reg + '/subjects/%(subject)s-simple/versions', new Blob([body]), null),
  json: call('POST', reg + '/subjects/%(subject)s-json/versions', body,
             'application/vnd.schemaregistry.v1+json'),
  read: call('GET', reg + '/subjects', null, null),
});
</script></body></html>
"""


class Pages(http.server.BaseHTTPRequestHandler):
    page = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args):
        pass


def dump(url):
    """What chromium's DOM holds after loading url: the page's JSON result."""
    profile = tempfile.mkdtemp(prefix="avroreg-chromium-")
    try:
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-quic", "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync",
                            "--disable-default-apps", "--disable-extensions",
                            f"--user-data-dir={profile}", "--dump-dom", url],
                           capture_output=True, text=True, timeout=90)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    m = re.search(r'<pre id="out">(.*?)</pre>', p.stdout, re.S)
    if not m:
        return {"error": f"no result (exit {p.returncode}): {p.stdout[-500:]} {p.stderr[-1500:]}"}
    try:
        return json.loads(html.unescape(m.group(1)))
    except ValueError:
        return {"error": m.group(1)}


if not os.path.exists(CHROMIUM):
    ok("chromium is installed (apt-get install chromium)", False, CHROMIUM)
    finish()

allowed_port, foreign_port = free_port(), free_port()
allowed_origin = f"http://127.0.0.1:{allowed_port}"
reg = SecureRegistry(extra_args=["--cors-origins", allowed_origin]).start()
registry = json.dumps(reg.url)
servers = []
for port, subject in [(foreign_port, "foreign"), (allowed_port, "allowed")]:
    page = PAGE % {"registry": registry, "schema": json.dumps(schema(subject.title(), "a")),
                   "subject": subject}
    handler = type("P", (Pages,), {"page": page.encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    servers.append(server)

foreign = dump(f"http://127.0.0.1:{foreign_port}/")
ok("chromium loaded the foreign page and ran it", "error" not in foreign, foreign)
ok("foreign origin, a write without Content-Type (no preflight): the page sees no answer",
   foreign.get("simple", "").startswith(("0 ", "failed")), foreign)
ok("foreign origin, a JSON write: its preflight is refused, so it is never sent",
   foreign.get("json", "").startswith(("0 ", "failed")), foreign)
ok("foreign origin, a read: the browser keeps the answer from the page",
   foreign.get("read", "").startswith(("0 ", "failed")), foreign)
for s in ["foreign-simple", "foreign-json"]:
    eq(f"nothing was written under {s}", reg.request("GET", f"/subjects/{s}/versions").status,
       404)
audit = [json.loads(line[6:]) for line in reg.log().splitlines() if line.startswith("audit ")]
ok("the write without Content-Type did reach the registry, which refused it (403)",
   any(a["subject"] == "foreign-simple" and a["status"] == 403 for a in audit), audit)

allowed = dump(f"http://127.0.0.1:{allowed_port}/")
ok("chromium loaded the allowed page and ran it", "error" not in allowed, allowed)
ok("allowed origin, a JSON write (preflight, then POST): 200 with the id",
   re.match(r'200 \{"id":\d+\}$', allowed.get("json", "")), allowed)
ok("allowed origin, a read: the page gets the subjects",
   allowed.get("read", "").startswith("200 [") and "allowed-json" in allowed.get("read", ""),
   allowed)
eq("the allowed origin's schema is in the registry",
   reg.request("GET", "/subjects/allowed-json/versions").json, [1])
for server in servers:
    server.shutdown()
    server.server_close()
reg.stop()
finish()

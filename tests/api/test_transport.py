"""HTTP conventions (Confluent §1.1-§1.3): media types in and out (415, 406),
trailing slashes, percent-encoded subjects (%2F included), Authorization
ignored, JSON bodies for 404 / 405 / 400, keep-alive, and the operational
endpoints (/health/live, /health/ready, /metrics counters and gauges).
"""
import http.client
import re

from apiutil import (JSON_TYPE, Registry, eq, expect_error, expect_json, finish, ok, q, record,
                     reg_id)

reg = Registry().start()
BODY = '{"schema":"\\"string\\""}'


def post(path, headers, body=BODY):
    return reg.request("POST", path, body, headers=headers)


# ---- request media types -----------------------------------------------------------------------
for ctype in ["application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
              "application/json", "application/json; charset=utf-8", "application/octet-stream",
              "APPLICATION/JSON"]:
    r = post("/subjects/ct/versions", {"Content-Type": ctype})
    expect_json(f"Content-Type {ctype} is accepted", r, {"id": 1})
conn = http.client.HTTPConnection("127.0.0.1", reg.port, timeout=10)
conn.putrequest("POST", "/subjects/ct/versions", skip_accept_encoding=True)
conn.putheader("Content-Length", str(len(BODY)))
conn.endheaders(BODY.encode())
resp = conn.getresponse()
eq("no Content-Type at all is treated as JSON", (resp.status, resp.read()), (200, b'{"id":1}'))
conn.close()
for ctype in ["text/plain", "application/xml", "multipart/form-data; boundary=x"]:
    expect_error(f"Content-Type {ctype}: 415",
                 post("/subjects/ct/versions", {"Content-Type": ctype}),
                 415, 415, "HTTP 415 Unsupported Media Type")
r = post("/subjects/other/versions", {"Content-Type": "text/plain"})
eq("a 415 answer is JSON of the v1 type", r.headers.get("Content-Type"), JSON_TYPE)
expect_json("a refused request registered nothing", reg.get("/subjects"), ["ct"])

# ---- response media types ----------------------------------------------------------------------
for accept, want in [(None, JSON_TYPE), ("*/*", JSON_TYPE),
                     ("application/json", "application/json"),
                     ("application/vnd.schemaregistry+json", "application/vnd.schemaregistry+json"),
                     ("application/vnd.schemaregistry.v1+json", JSON_TYPE),
                     ("application/*", JSON_TYPE),
                     ("application/json;q=0.5, application/vnd.schemaregistry.v1+json", JSON_TYPE),
                     ("text/html, application/json;q=0.9", "application/json")]:
    r = reg.get("/subjects", headers={"Accept": accept} if accept else {})
    eq(f"Accept {accept!r} answers {want}", (r.status, r.headers.get("Content-Type"), r.json),
       (200, want, ["ct"]))
for accept in ["text/html", "application/xml", "image/png;q=1"]:
    r = reg.get("/subjects", headers={"Accept": accept})
    expect_error(f"Accept {accept}: 406", r, 406, 406, "HTTP 406 Not Acceptable")
    eq(f"...as JSON ({accept})", r.headers.get("Content-Type"), JSON_TYPE)
r = reg.get("/subjects/nope/versions", headers={"Accept": "application/json"})
eq("errors follow the negotiated type", (r.status, r.headers.get("Content-Type")),
   (404, "application/json"))

# ---- Authorization is ignored -------------------------------------------------------------------
auth = {"Authorization": "Basic Og=="}
expect_json("GET with Authorization: Basic Og==", reg.get("/subjects", headers=auth), ["ct"])
expect_json("POST with Authorization: Basic Og==",
            reg.request("POST", "/subjects/ct/versions", BODY,
                        headers=dict(auth, **{"Content-Type": JSON_TYPE})), {"id": 1})
expect_json("a bearer token is ignored too",
            reg.get("/config", headers={"Authorization": "Bearer abc"}),
            {"compatibilityLevel": "BACKWARD"})

# ---- trailing slashes ---------------------------------------------------------------------------
expect_json("GET /subjects/", reg.get("/subjects/"), ["ct"])
expect_json("GET /subjects/ct/versions/", reg.get("/subjects/ct/versions/"), [1])
expect_json("GET /subjects/ct/versions/1/", reg.get("/subjects/ct/versions/1/"),
            {"subject": "ct", "version": 1, "id": 1, "schema": "\"string\""})
expect_json("POST /subjects/ct/versions/", reg.request("POST", "/subjects/ct/versions/", BODY),
            {"id": 1})
expect_json("GET /config/", reg.get("/config/"), {"compatibilityLevel": "BACKWARD"})
expect_json("GET /schemas/ids/1/", reg.get("/schemas/ids/1/"), {"schema": "\"string\""})
expect_json("POST /compatibility/subjects/ct/versions/ (the Java client)",
            reg.request("POST", "/compatibility/subjects/ct/versions/", BODY),
            {"is_compatible": True})

# ---- percent-encoded subjects -------------------------------------------------------------------
names = ["a/b", "with space", "ünïcödé", "x+y", "dots.and:colons", "100%", "q?x=1#frag", "*"]
ids = {}
for name in names:
    ids[name] = reg_id(f"register subject {name!r} percent-encoded", reg, name, record(
        "R", ("f", "string")))
r = reg.get("/subjects")
eq("GET /subjects lists the decoded names, sorted", r.json, sorted(names + ["ct"]))
for name in names:
    r = reg.get(f"/subjects/{q(name)}/versions/1")
    eq(f"read back {name!r}", (r.status, r.json and r.json.get("subject")), (200, name))
r = reg.get("/subjects/a%2fb/versions")
eq("lower-case %2f is the same subject", (r.status, r.json), (200, [1]))
r = reg.get("/subjects/a/b/versions")
eq("an unencoded slash is another path", (r.status, r.json and r.json.get("error_code")),
   (404, 404))
expect_json("query values are percent-decoded", reg.get("/subjects?subjectPrefix=a%2F"), ["a/b"])
expect_json("config on a subject with a slash", reg.request("PUT", "/config/a%2Fb",
                                                            {"compatibility": "NONE"}),
            {"compatibility": "NONE"})
expect_json("...read back", reg.get("/config/a%2Fb"), {"compatibilityLevel": "NONE"})
expect_error("malformed percent-encoding in the path", reg.get("/subjects/%ZZ/versions"),
             400, 400, None)

# ---- framework errors as JSON -------------------------------------------------------------------
for method, path in [("GET", "/nope"), ("GET", "/subjects/ct/versions/1/extra"),
                     ("POST", "/schemas/ids/1/x"), ("GET", "/v2/metadata/id")]:
    expect_error(f"{method} {path}: 404", reg.request(method, path), 404, 404,
                 "HTTP 404 Not Found")
for method, path in [("DELETE", "/schemas/types"), ("PUT", "/subjects/ct/versions"),
                     ("POST", "/config"), ("PATCH", "/subjects"), ("DELETE", "/schemas/ids/1"),
                     ("PUT", "/")]:
    expect_error(f"{method} {path}: 405", reg.request(method, path, "{}"), 405, 405,
                 "HTTP 405 Method Not Allowed")
r = reg.request("HEAD", "/subjects")
eq("HEAD answers like GET, without a body", (r.status, r.raw), (200, ""))

# ---- keep-alive ---------------------------------------------------------------------------------
conn = http.client.HTTPConnection("127.0.0.1", reg.port, timeout=10)
answers = []
for path in ["/subjects", "/nope", "/config", "/schemas/ids/1"]:
    conn.request("GET", path)
    resp = conn.getresponse()
    answers.append((resp.status, resp.read()[:1]))
conn.close()
eq("one connection serves several requests, errors included", answers,
   [(200, b"["), (404, b"{"), (200, b"{"), (200, b"{")])

# ---- operations ---------------------------------------------------------------------------------
expect_json("GET /health/live", reg.get("/health/live"), {"status": "UP"})
expect_json("GET /health/ready", reg.get("/health/ready"), {"status": "UP"})


def metrics():
    r = reg.get("/metrics", headers={"Accept": "text/plain"})
    return r, r.raw


def sample(text, name, labels=None):
    """The value of one sample line, or None."""
    pat = re.escape(name)
    if labels:
        pat += r"\{" + re.escape(labels) + r"\}"
    m = re.search(r"^" + pat + r" ([0-9.e+-]+)$", text, re.M)
    return float(m.group(1)) if m else None


r, before = metrics()
eq("GET /metrics answers the Prometheus text format, whatever Accept says",
   (r.status, r.headers.get("Content-Type")), (200, "text/plain; version=0.0.4"))
label = 'route="/subjects",method="GET",status="200"'
n0 = sample(before, "avro_registry_http_requests_total", label) or 0
label404 = 'route="/subjects/{subject}/versions",method="GET",status="404"'
m0 = sample(before, "avro_registry_http_requests_total", label404) or 0
for _ in range(3):
    reg.get("/subjects")
reg.get("/definitely/not/here")
reg.get("/subjects/nope/versions")
_, after = metrics()
eq("the request counter counts by route, method and status",
   sample(after, "avro_registry_http_requests_total", label), n0 + 3)
ok("unmatched paths are counted under route=\"unmatched\"",
   (sample(after, "avro_registry_http_requests_total",
           'route="unmatched",method="GET",status="404"') or 0) >= 1, after[:2000])
eq("a 404 of a matched route is counted under its pattern",
   sample(after, "avro_registry_http_requests_total", label404), m0 + 1)
ok("counter and histogram are typed",
   "# TYPE avro_registry_http_requests_total counter" in after and
   "# TYPE avro_registry_http_request_duration_seconds histogram" in after, after[:2000])
count = sample(after, "avro_registry_http_request_duration_seconds_count", 'route="/subjects"')
inf = sample(after, "avro_registry_http_request_duration_seconds_bucket",
             'route="/subjects",le="+Inf"')
ok("the histogram counts every /subjects request", count is not None and count == inf and
   count >= n0 + 3, (count, inf))
live = len([n for n in reg.get("/subjects").json])
eq("gauge: subjects with a live version", sample(after, "avro_registry_subjects"), live)
eq("gauge: live versions", sample(after, "avro_registry_versions"), live)
eq("gauge: distinct schemas", sample(after, "avro_registry_schemas"), 2)
eq("gauge: the store answers", sample(after, "avro_registry_store_up"), 1)
ok("gauge: requests in flight (this scrape)",
   (sample(after, "avro_registry_http_requests_in_flight") or 0) >= 1, after[-600:])
reg.request("DELETE", "/subjects/ct")
_, later = metrics()
eq("gauges follow deletes", (sample(later, "avro_registry_subjects"),
                             sample(later, "avro_registry_versions")), (live - 1, live - 1))

reg.stop()
finish()

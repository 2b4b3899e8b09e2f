"""Hostile input: every request gets a JSON 4xx (or the transport's own
refusal), the server keeps serving, and nothing is half-written. After each
case GET /subjects must be unchanged.

Covers malformed JSON, wrong field types, bodies past the cap (50 MB, announced
and chunked), schemas and bodies nested 100,000 levels deep, invalid UTF-8 and
NUL in paths and bodies, huge / negative / odd ids and versions, unknown
fields, oversized request lines and garbage on the socket.
"""
import http.client
import json
import socket

from apiutil import (INVALID_VERSION, SUBJECT_NOT_FOUND, Registry, eq, expect_error,
                     expect_error_prefix, expect_json, finish, ok, record, reg_id, still_serving)

reg = Registry().start()
reg_id("a subject to keep", reg, "keep", record("K", ("k", "int")))
SUBJECTS = ["keep"]
MB = 1024 * 1024


def unchanged(name):
    still_serving(f"{name}: server answers, subjects unchanged", reg, SUBJECTS)


def json_4xx(name, r, status=None):
    """A 4xx answer with Confluent's error body (status given: exactly it)."""
    j = r.json if isinstance(r.json, dict) else {}
    good = (400 <= r.status < 500 and list(j) == ["error_code", "message"] and
            str(j.get("error_code", "")).startswith(str(r.status)) and
            (status is None or r.status == status))
    ok(name, good, f"got: {r!r}")


def raw(data, read_timeout=20, half_close=False):
    """Sends bytes on a fresh connection (then, with half_close, says it is
    done sending); returns (status or None, body bytes)."""
    s = socket.create_connection(("127.0.0.1", reg.port), timeout=read_timeout)
    try:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before reading everything
        buf = b""
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return status, body


# ---- malformed JSON and wrong shapes ------------------------------------------------------------
for body in ['{"schema": ', "{bad json}", '{"schema":"\\"int\\""} trailing', "\x00\x01", "{'a':1}"]:
    expect_error_prefix(f"malformed JSON {body[:20]!r}", reg.request(
        "POST", "/subjects/new/versions", body), 400, 400, "")
    unchanged(f"after {body[:20]!r}")
for body, why in [("[]", "an array"), ('"schema"', "a string"), ("42", "a number"),
                  ('{"schema": {"type": "int"}}', "an object as the schema"),
                  ('{"schema": "\\"int\\"", "references": "x"}', "references as a string"),
                  ('{"schema": "\\"int\\"", "version": "one"}', "version as a string"),
                  ('{"schema": "\\"int\\"", "id": 1.5}', "a fractional id"),
                  ('{"schema": "\\"int\\"", "version": 99999999999}', "a version past int"),
                  ('{"schema": "\\"int\\"", "schemaType": ["AVRO"]}', "schemaType as an array")]:
    expect_error_prefix(f"a body with {why}: 400 (Jackson cannot map it)", reg.request(
        "POST", "/subjects/new/versions", body), 400, 400, "")
unchanged("after wrong shapes")
expect_error("a JSON null body", reg.request("POST", "/subjects/new/versions", "null"),
             422, 422, None)
expect_error("an empty body", reg.request("POST", "/subjects/new/versions", ""), 422, 422, None)
expect_error("an empty schema string", reg.request("POST", "/subjects/new/versions",
                                                   {"schema": "  "}), 422, 42201, "Empty schema")
json_4xx("a number as the schema", reg.request("POST", "/subjects/new/versions", '{"schema": 5}'))
for path in ["/config", "/mode"]:
    expect_error_prefix(f"PUT {path} with an array", reg.request("PUT", path, "[]"),
                        400, 400, "")
    expect_error_prefix(f"PUT {path} with malformed JSON", reg.request("PUT", path, "{"),
                        400, 400, "")
expect_json("unknown fields in PUT /config are ignored",
            reg.request("PUT", "/config", {"compatibility": "BACKWARD", "x": [1, {"y": None}]}),
            {"compatibility": "BACKWARD"})
expect_json("unknown fields in PUT /mode are ignored",
            reg.request("PUT", "/mode", {"mode": "READWRITE", "extra": True}),
            {"mode": "READWRITE"})
expect_error_prefix("malformed JSON to the compatibility endpoint", reg.request(
    "POST", "/compatibility/subjects/keep/versions/latest", "{x"), 400, 400, "")
expect_error_prefix("malformed JSON to lookup", reg.request("POST", "/subjects/keep", "{x"),
                    400, 400, "")
unchanged("after config and mode bodies")

# ---- bodies past the cap ------------------------------------------------------------------------
status, body = raw(b"POST /subjects/big/versions HTTP/1.1\r\nHost: t\r\n"
                   b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (50 * MB) +
                   b"x" * MB)
j = json.loads(body) if body.startswith(b"{") else {}
eq("an announced 50 MB body: 413 with a JSON error", (status, list(j), j.get("error_code")),
   (413, ["error_code", "message"], 413))
unchanged("after the announced 50 MB body")


def chunks():
    block = b" " * MB
    for _ in range(50):
        yield block


conn = http.client.HTTPConnection("127.0.0.1", reg.port, timeout=60)
try:
    conn.request("POST", "/subjects/big/versions", body=chunks(), encode_chunked=True,
                  headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    resp = conn.getresponse()
    data = resp.read()
    j = json.loads(data) if data.startswith(b"{") else {}
    eq("a chunked 50 MB body: 413 with a JSON error", (resp.status, list(j), j.get("error_code")),
       (413, ["error_code", "message"], 413))
except OSError as e:
    ok("a chunked 50 MB body: 413 with a JSON error", False, repr(e))
finally:
    conn.close()
unchanged("after the chunked 50 MB body")

# ---- deep nesting -------------------------------------------------------------------------------
DEPTH = 100000
deep_schema = '{"type":"array","items":' * DEPTH + '"int"' + "}" * DEPTH
r = reg.request("POST", "/subjects/deep/versions", {"schema": deep_schema})
expect_error_prefix("a schema nested 100,000 levels deep: 42201", r, 422, 42201, "Invalid schema")
r = reg.request("POST", "/compatibility/subjects/keep/versions/latest", {"schema": deep_schema})
expect_error_prefix("...also in a compatibility check", r, 422, 42201, "Invalid schema")
r = reg.request("POST", "/subjects/keep", {"schema": deep_schema})
expect_error_prefix("...and in a lookup", r, 422, 42201, "Invalid schema")
deep_union = "[" * DEPTH + '"int"' + "]" * DEPTH
expect_error_prefix("unions nested 100,000 deep: 42201", reg.request(
    "POST", "/subjects/deep/versions", {"schema": deep_union}), 422, 42201, "Invalid schema")
expect_error_prefix("a request body nested 100,000 deep: 400", reg.request(
    "POST", "/subjects/deep/versions", '{"schema":"\\"int\\"","x":' + "[" * DEPTH + "]" * DEPTH +
    "}"), 400, 400, "")
unchanged("after deep nesting")

# ---- invalid UTF-8 and NUL ----------------------------------------------------------------------
expect_error("invalid UTF-8 (percent-encoded) in the subject of a register",
             reg.request("POST", "/subjects/%FF%FE/versions", {"schema": "\"int\""}), 422, 42208,
             None)
json_4xx("invalid UTF-8 in the subject of a read", reg.get("/subjects/%C3%28/versions"))
json_4xx("a NUL in the subject", reg.request("POST", "/subjects/a%00b/versions",
                                             {"schema": "\"int\""}), 422)
json_4xx("an overlong UTF-8 encoding in the subject", reg.request(
    "PUT", "/config/%C0%AF", {"compatibility": "NONE"}), 422)
status, body = raw(b"POST /subjects/\xff\xfe/versions HTTP/1.1\r\nHost: t\r\nContent-Length: 19"
                   b"\r\nConnection: close\r\n\r\n{\"schema\":\"\\\"int\\\"\"}")
ok("raw invalid UTF-8 bytes in the path: a JSON 4xx", status is not None and 400 <= status < 500
   and body.startswith(b'{"error_code":'), (status, body[:200]))
for body, why in [(b'{"schema":"\xff"}', "an invalid byte"),
                  (b'{"schema":"\xc3"}', "a truncated sequence"),
                  (b'{"schema":"\xed\xa0\x80"}', "an encoded surrogate"),
                  (b'{"schema":"\\ud800"}', "a lone surrogate escape"),
                  (b'{"schema":"\\"a\\u0000b\\""}', "an escaped NUL")]:
    json_4xx(f"a body with {why}", reg.request("POST", "/subjects/utf/versions", body))
unchanged("after invalid UTF-8")
r = reg.register("utf-ok", record("R", ("f", "string", "żółw 🐢")))
eq("valid non-ASCII text in a schema registers", (r.status, list(r.json or {})), (200, ["id"]))
r = reg.get("/subjects/utf-ok/versions/1")
ok("...and reads back intact", r.status == 200 and "żółw 🐢" in json.loads(r.json["schema"])[
    "fields"][0]["default"], r)
SUBJECTS.append("utf-ok")

# ---- ids and versions out of range --------------------------------------------------------------
for sid in ["99999999999", "2147483648", "-2147483649", "abc", "1.0", "%201", "0x10", "1e3"]:
    expect_error(f"id {sid}: not an Integer, 404", reg.get(f"/schemas/ids/{sid}"), 404, 404,
                 "HTTP 404 Not Found")
for sid in ["-1", "0", "2147483647", "-2147483648"]:
    expect_error(f"id {sid}: an Integer that is not there", reg.get(f"/schemas/ids/{sid}"),
                 404, 40403, f"Schema {int(sid)} not found")
for v, shown in [("0", "0"), ("-2", "-2"), ("2147483648", "2147483648"), ("abc", "abc"),
                 ("%201", " 1"), ("1%20", "1 "), ("-2147483649", "-2147483649"), ("1.0", "1.0"),
                 ("99999999999999999999999", "99999999999999999999999")]:
    expect_error(f"version {v!r}: 42202", reg.get(f"/subjects/keep/versions/{v}"), 422, 42202,
                 INVALID_VERSION.format(shown))
expect_error("version 2147483647 of a subject that has 1", reg.get(
    "/subjects/keep/versions/2147483647"), 404, 40402, "Version 2147483647 not found.")
expect_error("a version of a subject that does not exist", reg.get("/subjects/ghost/versions/1"),
             404, 40401, SUBJECT_NOT_FOUND.format("ghost"))
for q in ["offset=-5", "limit=-100", "offset=99999999999999", "limit=0"]:
    r = reg.get(f"/subjects?{q}")
    ok(f"/subjects?{q} answers 200 with a list", r.status == 200 and isinstance(r.json, list), r)
unchanged("after odd ids and versions")

# ---- transport-level garbage --------------------------------------------------------------------
status, _ = raw(b"GET /subjects/" + b"a" * 100000 + b"/versions HTTP/1.1\r\nHost: t\r\n\r\n")
ok("a 100 kB request line is refused with a 4xx", status is not None and 400 <= status < 500,
   status)
status, _ = raw(b"GET /subjects HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"p" * 100000 + b"\r\n\r\n")
ok("a 100 kB header is refused with a 4xx", status is not None and 400 <= status < 500, status)
raw(b"NOT-HTTP\r\n\r\n", half_close=True)
# Incomplete requests: libmicrohttpd waits for the rest (until its connection
# timeout) rather than answering, so only give them a moment.
raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, read_timeout=0.3)  # TLS
raw(b"POST /subjects/x/versions HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"sch",
    read_timeout=0.3)  # a client that stops mid-body
stalled = [socket.create_connection(("127.0.0.1", reg.port)) for _ in range(8)]
for s in stalled:
    s.sendall(b"POST /subjects/slow/versions HTTP/1.1\r\nHost: t\r\nContent-Length: 50\r\n\r\n{")
unchanged("while 8 clients stall mid-request")
for s in stalled:
    s.close()
unchanged("after garbage on the socket")

reg.stop()
finish()

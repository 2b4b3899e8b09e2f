"""Read access to schemas by id and by GUID in Confluent 8's dialect
(--api-shapes 8), where the handler finds the context of an id (?subject=,
/contexts/{ctx}/...) and the contexts of a GUID: the caller must be allowed
to read some subject carrying the schema in the context found, soft-deleted
versions included, whatever the default context holds under the same id.
"""
import hashlib
import json
import os
import tempfile
import urllib.parse
import uuid

from secutil import SecureRegistry, eq, finish, ok, permission, user, write_authfile

work = tempfile.mkdtemp(prefix="avroreg-api8-access-")
authfile = os.path.join(work, "auth.json")
PW = {"admin": "admin-pw", "reader": "reader-pw", "team": "team-pw"}
write_authfile(authfile, [user(n, p) for n, p in PW.items()],
               [permission("admin", "Write", ".*"),
                permission("reader", "Read", "Subject:orders-.*"),
                permission("team", "Read", "Subject::\\.team:.*")])
reg = SecureRegistry(extra_args=["--auth-file", authfile], api="8").start()


def call(who, method, path, body=None):
    return reg.request(method, path, body, auth=(who, PW[who]))


def q(s):
    return urllib.parse.quote(s, safe="")


def record(name):
    return json.dumps({"type": "record", "name": name, "fields": [{"name": "f", "type": "int"}]},
                      separators=(",", ":"))


def guid(text):
    return str(uuid.UUID(bytes=hashlib.md5(text.encode()).digest()))


A, B = record("A"), record("B")
for subject, text in [("orders-value", A), ("secret-value", B), (":.team:orders", B),
                      (":.team:x", A)]:
    r = call("admin", "POST", f"/subjects/{q(subject)}/versions", {"schema": text})
    ok(f"admin registers {subject}", r.status == 200, r)
# Default context: 1 = A (orders-value), 2 = B (secret-value); .team: 1 = B, 2 = A.

eq("reader reads default id 1 (orders-value)", call("reader", "GET", "/schemas/ids/1").status,
   200)
eq("reader may not read default id 2 (secret-value)",
   call("reader", "GET", "/schemas/ids/2").status, 403)
r = call("reader", "GET", f"/schemas/ids/1?subject={q(':.team:')}")
eq(".team's id 1 is :.team:orders: reader may not read it, though default id 1 is theirs",
   (r.status, (r.json or {}).get("error_code")), (403, 40301))
r = call("team", "GET", f"/schemas/ids/1?subject={q(':.team:')}")
eq("team reads .team's id 1, though default id 1 is not theirs",
   (r.status, (r.json or {}).get("subject")), (200, ":.team:orders"))
r = call("team", "GET", "/contexts/.team/schemas/ids/1")
eq("...through the URL form too", (r.status, (r.json or {}).get("schema")), (200, B))
eq("team may not read default id 1", call("team", "GET", "/schemas/ids/1").status, 403)
eq("...nor with a subject that falls back to the default context",
   call("team", "GET", "/schemas/ids/1?subject=orders-value").status, 403)
r = call("team", "GET", "/schemas/ids/1?subject=orders")
eq("a plain subject found in .team: team reads it", (r.status, (r.json or {}).get("subject")),
   (200, ":.team:orders"))
eq("/schemas/ids/{id}/versions follows the same rule",
   call("reader", "GET", f"/schemas/ids/1/versions?subject={q(':.team:')}").status, 403)
eq("/schemas/ids/{id}/schema too",
   call("team", "GET", f"/schemas/ids/2/schema?subject={q(':.team:')}").status, 200)
eq("an unknown id is still 404 for anyone", call("team", "GET", "/schemas/ids/77").status, 404)

# GUIDs: the first readable (context, id), default context first.
r = call("reader", "GET", f"/schemas/guids/{guid(A)}")
eq("reader reads A by GUID (orders-value)", (r.status, (r.json or {}).get("schema")), (200, A))
r = call("reader", "GET", f"/schemas/guids/{guid(B)}")
eq("reader may not read B by GUID (secret-value, :.team:orders)",
   (r.status, (r.json or {}).get("error_code")), (403, 40301))
eq("...nor its ids", call("reader", "GET", f"/schemas/guids/{guid(B)}/ids").status, 403)
r = call("team", "GET", f"/schemas/guids/{guid(B)}")
eq("team reads B by GUID through .team", (r.status, (r.json or {}).get("schema")), (200, B))
r = call("team", "GET", f"/schemas/guids/{guid(B)}/ids")
eq("...and sees only .team's id", (r.status, r.json), (200, [{"context": ".team", "id": 1}]))
r = call("admin", "GET", f"/schemas/guids/{guid(B)}/ids")
eq("admin sees both", (r.status, r.json),
   (200, [{"context": ".", "id": 2}, {"context": ".team", "id": 1}]))
eq("a malformed GUID is 404 for anyone", call("team", "GET", "/schemas/guids/nope").status, 404)
eq("without credentials: 401", reg.request("GET", f"/schemas/guids/{guid(A)}").status, 401)
eq("DELETE /contexts needs Write on Config:",
   call("team", "DELETE", "/contexts/.empty").status, 403)
eq("...which admin has", call("admin", "DELETE", "/contexts/.empty").status, 204)
reg.stop()
finish()

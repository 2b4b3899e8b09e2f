"""POST /registrations under an authfile: every item is authorized on its own
(Write on its subject) and audited on its own, so that one request cannot
carry a write its sender may not make.

  * no credentials: 401 with the challenge, nothing written;
  * a writer of orders-* only: its orders-* items are registered, the others
    answer 40301 in their slot and write nothing;
  * a reader: every item 40301;
  * an IMPORT-mode batch by an admin keeps ids;
  * the audit log names the principal, subject and outcome of each item;
  * avroreg import with the writer's credentials stops at the first
    forbidden item (an authorization failure stops an import), having
    written nothing it may not write.
"""
import json
import os
import subprocess
import tempfile

from secutil import (AVROREG, SecureRegistry, eq, finish, ok, permission, schema, user,
                     write_authfile)

work = tempfile.mkdtemp(prefix="regauth-")
authfile = os.path.join(work, "auth.json")
audit_log = os.path.join(work, "audit.log")
PW = {"admin": "admin-pw", "orders": "orders-pw", "reader": "reader-pw"}
write_authfile(authfile,
               [user("admin", PW["admin"], "sha256"), user("orders", PW["orders"], "sha512"),
                user("reader", PW["reader"], "sha1")],
               [permission("admin", "Write", ".*"),
                permission("orders", "Write", "Subject:orders-.*"),
                permission("reader", "Read", ".*")])
reg = SecureRegistry(extra_args=["--auth-file", authfile, "--audit-log", audit_log]).start()
ADMIN, ORDERS, READER = (("admin", PW["admin"]), ("orders", PW["orders"]),
                         ("reader", PW["reader"]))


def batch(items, auth):
    return reg.request("POST", "/registrations", {"registrations": items}, auth=auth)


def subjects():
    return reg.request("GET", "/subjects", auth=ADMIN).json


ITEMS = [{"subject": "orders-value", "schema": schema("O", "a")},
         {"subject": "payments-value", "schema": schema("P", "a")},
         {"subject": "orders-key", "schema": schema("K", "a")}]

r = batch(ITEMS, None)
ok("no credentials: 401 with the Basic challenge",
   r.status == 401 and (r.headers.get("WWW-Authenticate") or "").startswith("Basic"), r)
r = batch(ITEMS, ("orders", "wrong"))
eq("a wrong password: 401", r.status, 401)
eq("...nothing written", subjects(), [])

r = batch(ITEMS, ORDERS)
got = r.json.get("results") if r.status == 200 else r
eq("a writer of orders-*: three results", len(got) if isinstance(got, list) else got, 3)
if isinstance(got, list) and len(got) == 3:
    eq("its own subjects are registered", [g.get("version") for g in (got[0], got[2])], [1, 1])
    eq("another subject: 40301 in its slot",
       (got[1].get("error_code"), got[1].get("message")),
       (40301, "User 'orders' may not write subject payments-value"))
eq("...and only the allowed subjects exist", subjects(), ["orders-key", "orders-value"])

r = batch([{"subject": "orders-value", "schema": schema("O", "a", "b")}], READER)
eq("a reader: 40301 for every item",
   [g.get("error_code") for g in r.json.get("results", [])] if r.status == 200 else r, [40301])
r = reg.request("GET", "/subjects/orders-value/versions", auth=ADMIN)
eq("...and no version was added", r.json, [1])

eq("IMPORT mode (admin)", reg.request("PUT", "/mode?force=true", {"mode": "IMPORT"},
                                      auth=ADMIN).status, 200)
r = batch([{"subject": "payments-value", "schema": schema("P", "a"), "id": 900, "version": 4}],
          ADMIN)
eq("an admin's IMPORT batch keeps id and version", r.json, {"results": [{"id": 900, "version": 4}]})
eq("back to READWRITE", reg.request("PUT", "/mode", {"mode": "READWRITE"}, auth=ADMIN).status, 200)

# avroreg import with the orders writer: the export holds a subject it may not write.
export = os.path.join(work, "export.jsonl")
out = subprocess.run([AVROREG, "export", "--registry", reg.url, "--output", export,
                      "--user", "admin", "--password", PW["admin"]], capture_output=True, text=True)
eq("export as admin", out.returncode, 0)
target = SecureRegistry(extra_args=["--auth-file", authfile]).start()
out = subprocess.run([AVROREG, "import", export, "--registry", target.url, "--user", "orders",
                      "--password", PW["orders"]], capture_output=True, text=True)
ok("import as the orders writer stops: it may not put the registry in IMPORT mode",
   out.returncode == 2 and "403" in out.stderr, out.stderr[-1500:])
eq("...and the target holds nothing",
   target.request("GET", "/subjects", auth=ADMIN).json, [])
target.stop()

reg.stop()
with open(audit_log) as f:
    lines = [json.loads(line) for line in f if '"/registrations"' in line]
seen = sorted((a["principal"], a.get("subject"), a["outcome"]) for a in lines)
eq("every item of every authenticated batch is audited with its principal", seen, sorted([
    ("orders", "orders-value", "ok"), ("orders", "payments-value", "forbidden"),
    ("orders", "orders-key", "ok"), ("reader", "orders-value", "forbidden"),
    ("admin", "payments-value", "ok")]))
ok("no password or schema in the audit lines",
   not any(PW[k] in json.dumps(lines) for k in PW) and '"schema"' not in json.dumps(lines),
   lines)
finish()

"""GET /permissions: what the caller may do, as the web UI asks it before it
offers an action. Checked against what the gate really does: for every user
and subject, "write" is true exactly when a write to the subject passes the
gate (PUT /config/{subject} with a level that is not one: 422 from the
handler, or 403 from the gate, and nothing is stored either way), and "read"
exactly when GET /config/{subject} does.

  * without credentials checking: principal null, everything true;
  * with an authfile (Karapace's format): a writer of everything, a reader of
    everything, a writer of orders-* only, a reader of two exact names, a
    user with only Config:, over real TLS with a client certificate too;
  * unauthenticated: 401 with the Basic challenge (what makes a browser ask);
  * a subject name that is no subject's: 42208.
"""
import os
import urllib.parse

from secutil import (Certs, SecureRegistry, eq, finish, ok, permission, schema, user,
                     write_authfile)

# ---- no credentials checked: everyone may do everything ------------------------------------------
plain = SecureRegistry().start()
r = plain.request("GET", "/permissions")
eq("no authfile: principal null and everything allowed", (r.status, r.json),
   (200, {"principal": None, "config": {"read": True, "write": True},
          "subjects": {"read": True, "write": True}}))
r = plain.request("GET", "/permissions?subject=orders-value")
eq("no authfile: the subject named too", r.json.get("subject") if r.json else r,
   {"name": "orders-value", "read": True, "write": True})
r = plain.request("GET", "/permissions?subject=__GLOBAL")
eq("a name no subject may have: 42208", (r.status, (r.json or {}).get("error_code")), (422, 42208))
r = plain.request("GET", "/permissions?subject=%FF%FE")
eq("a name that is not UTF-8: 42208", (r.status, (r.json or {}).get("error_code")), (422, 42208))
plain.stop()
ok("the plain server shut down cleanly", "Sanitizer" not in plain.log(), plain.log()[-2000:])

# ---- an authfile, over TLS -----------------------------------------------------------------------
certs = Certs(clients=("orders-bot",))
authfile = os.path.join(certs.dir, "auth.json")
PW = {"admin": "admin-pw", "reader": "reader-pw", "orders": "orders-pw", "pair": "pair-pw",
      "ops": "ops-pw"}
write_authfile(authfile,
               [user("admin", PW["admin"], "argon2id"), user("reader", PW["reader"], "sha256"),
                user("orders", PW["orders"], "sha512"), user("pair", PW["pair"], "sha1"),
                user("ops", PW["ops"], "scrypt")],
               [permission("admin", "Write", ".*"),
                permission("reader", "Read", ".*"),
                permission("orders", "Write", "Subject:orders-.*"),
                permission("orders", "Read", "Config:"),
                permission("pair", "Read", "Subject:(a|b)$"),
                permission("ops", "Write", "Config:"),
                permission("orders-bot", "Write", "Subject:orders-.*")])
reg = SecureRegistry(certs, extra_args=["--auth-file", authfile]).start()
ADMIN = ("admin", PW["admin"])
for s in ("orders-value", "payments-value", "a"):
    r = reg.request("POST", f"/subjects/{s}/versions", {"schema": schema("R", "x")}, auth=ADMIN)
    eq(f"seed {s}", r.status, 200)

r = reg.request("GET", "/permissions")
ok("no credentials: 401 with the Basic challenge",
   r.status == 401 and (r.headers.get("WWW-Authenticate") or "").startswith(
       'Basic realm="avro-registry"'), r)

EXPECT = {  # user: (config read, write), (some subject read, write)
    "admin": ((True, True), (True, True)),
    "reader": ((True, False), (True, False)),
    "orders": ((True, False), (True, True)),
    "pair": ((False, False), (True, False)),
    "ops": ((True, True), (False, False)),
}
SUBJECTS = ["orders-value", "payments-value", "a", "ab", "orders-", "x<script>"]


def gate(auth, subject, client=None):
    """What the gate does with a read and a write of subject: (read, write) allowed."""
    path = "/config/" + urllib.parse.quote(subject, safe="")
    rd = reg.request("GET", path + "?defaultToGlobal=true", auth=auth, client=client)
    wr = reg.request("PUT", path, {"compatibility": "NOT-A-LEVEL"}, auth=auth, client=client)
    assert rd.status in (200, 403), rd
    assert wr.status in (422, 403), wr
    return rd.status == 200, wr.status == 422


for name, ((cr, cw), (sr, sw)) in EXPECT.items():
    auth = (name, PW[name])
    r = reg.request("GET", "/permissions", auth=auth)
    eq(f"{name}: principal, config and some subject", (r.status, r.json),
       (200, {"principal": name, "config": {"read": cr, "write": cw},
              "subjects": {"read": sr, "write": sw}}))
    for s in SUBJECTS:
        r = reg.request("GET", "/permissions?subject=" + urllib.parse.quote(s, safe=""), auth=auth)
        got = r.json.get("subject") if r.status == 200 and r.json else r
        read, write = gate(auth, s)
        eq(f"{name} on {s!r}: what /permissions says is what the gate does", got,
           {"name": s, "read": read, "write": write})

client = certs.clients["orders-bot"]
r = reg.request("GET", "/permissions?subject=orders-value", client=client)
eq("a client certificate: its CN and the authfile's permissions for it", (r.status, r.json),
   (200, {"principal": "orders-bot", "config": {"read": False, "write": False},
          "subjects": {"read": True, "write": True},
          "subject": {"name": "orders-value", "read": True, "write": True}}))
eq("...as the gate does", gate(None, "payments-value", client), (False, False))

eq("nothing was stored by the probes", [reg.request("GET", f"/config/{s}", auth=ADMIN).status
                                       for s in ("orders-value", "payments-value", "a")],
   [404, 404, 404])
reg.stop()
ok("the TLS server shut down cleanly", "Sanitizer" not in reg.log(), reg.log()[-2000:])
certs.cleanup()
finish()

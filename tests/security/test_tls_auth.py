"""TLS, authentication and per-subject authorization, over real TLS with
certificates made by openssl for this run:

  * curl with good, wrong and missing credentials, with a client
    certificate, with TLS 1.1 (refused) and in plaintext to the TLS port;
  * the permission matrix: every route of the table as a user with Write on
    orders-*, with Read on orders-*, with Write on payments-* (a regex that
    matches another subject), with Config:, with nothing, and unauthenticated;
    refused writes leave nothing behind;
  * hostile credentials: bad base64, no colon, a 100 KB header, unknown
    users, other schemes, an expired and a foreign client certificate;
  * the authfile: broken at start (exit 2, a clear error), changed on disk
    and on SIGHUP (new rules), broken on reload (old rules kept, reason
    logged); the certificate renewed on SIGHUP without a restart;
  * the audit trail: one line per write attempt, never a secret or a schema.
Everything on loopback; the server runs under ASan and must exit cleanly.
"""
import json
import os
import signal
import socket
import ssl
import subprocess
import time

from secutil import (Certs, SecureRegistry, basic, eq, finish, ok, permission, schema, user,
                     wait_until, write_authfile)

certs = Certs(clients=("alice", "nobody-cert"))
work = certs.dir
authfile = os.path.join(work, "auth.json")
audit = os.path.join(work, "audit.log")

PW = {"admin": "admin-pw", "writer": "writer-pw", "reader": "reader-pw", "other": "other-pw",
      "config": "config-pw", "nobody": "nobody-pw"}
USERS = [user("admin", PW["admin"], "argon2id"), user("writer", PW["writer"], "sha512"),
         user("reader", PW["reader"], "sha256"), user("other", PW["other"], "scrypt"),
         user("config", PW["config"], "sha1"), user("nobody", PW["nobody"], "sha512")]
PERMISSIONS = [permission("admin", "Write", ".*"),
               permission("writer", "Write", "Subject:orders-.*"),
               permission("reader", "Read", "Subject:orders-.*"),
               permission("other", "Write", "Subject:payments-.*"),
               permission("config", "Write", "Config:"),
               permission("alice", "Read", "Subject:orders-.*")]
write_authfile(authfile, USERS, PERMISSIONS)

# ---- broken files at start: exit 2 with the file and the reason named ------------------------
broken = os.path.join(work, "broken.json")
for text, reason in [('{"users": [', "not valid JSON"),
                     ('{"users": [], "permissions": [{"username": "a", "operation": "Read", '
                      '"resource": "Subject:("}]}', "is not a regular expression"),
                     ('{"users": [{"username": "a", "algorithm": "md5", "salt": "", '
                      '"password_hash": ""}], "permissions": []}', "'md5' is not")]:
    with open(broken, "w") as f:
        f.write(text)
    rc, log = SecureRegistry(certs, extra_args=["--auth-file", broken]).start_expect_failure()
    ok(f"a broken authfile at start ({reason}): exit 2 naming the file and the reason",
       rc == 2 and broken in log and reason in log and "Sanitizer" not in log,
       f"exit {rc}\n{log[-2000:]}")
rc, log = SecureRegistry(certs, extra_args=["--auth-file", os.path.join(work, "missing.json")]
                         ).start_expect_failure()
ok("a missing authfile at start: exit 2", rc == 2 and "missing.json" in log, f"{rc}\n{log}")
rc, log = SecureRegistry(extra_args=["--tls-cert", certs.server, "--tls-key", certs.ca_key]
                         ).start_expect_failure()
ok("a key that is not the certificate's: exit 2", rc == 2 and "not the key of the certificate"
   in log, f"{rc}\n{log}")
rc, log = SecureRegistry(extra_args=["--tls-cert", certs.server]).start_expect_failure()
ok("--tls-cert without --tls-key: usage error (exit 2)", rc == 2 and "go together" in log, log)

# ---- the server ------------------------------------------------------------------------------
reg = SecureRegistry(certs, extra_args=["--auth-file", authfile, "--audit-log", audit,
                                       "--log-level", "info"]).start()
port = reg.port
ADMIN = ("admin", PW["admin"])


def as_(who, method, path, body=None, **kw):
    auth = (who, PW[who]) if who in PW else None
    return reg.request(method, path, body=body, auth=auth, **kw)


r = reg.request("GET", "/health/ready")
eq("/health/ready stays open over TLS", r.status, 200)
r = reg.request("GET", "/health/live")
eq("/health/live stays open", r.status, 200)
r = reg.request("GET", "/metrics")
eq("/metrics is open by default", r.status, 200)

# ---- curl --------------------------------------------------------------------------------------


def curl(*args):
    p = subprocess.run(["curl", "-s", "-S", "-o", "-", "-w", "\n%{http_code}", "--max-time",
                        "20", *args], capture_output=True, text=True)
    body, _, code = p.stdout.rpartition("\n")
    return p.returncode, int(code or 0), body, p.stderr


url = f"https://127.0.0.1:{port}"
rc, code, body, err = curl("--cacert", certs.ca, "-i", f"{url}/subjects")
ok("curl without credentials: 401, WWW-Authenticate Basic realm, error_code 40101",
   code == 401 and 'www-authenticate: basic realm="avro-registry"' in body.lower()
   and '"error_code":40101' in body, body)
rc, code, body, err = curl("--cacert", certs.ca, "-u", f"admin:{PW['admin']}", f"{url}/subjects")
eq("curl with the admin's password (argon2id)", (code, body), (200, "[]"))
rc, code, body, err = curl("--cacert", certs.ca, "-u", "admin:wrong", f"{url}/subjects")
ok("curl with a wrong password: 401 40101", code == 401 and "40101" in body, body)
rc, code, body, err = curl("--cacert", certs.ca, "-X", "POST", "-H",
                           "Content-Type: application/vnd.schemaregistry.v1+json", "--data",
                           json.dumps({"schema": schema("Order", "id")}),
                           "-u", f"writer:{PW['writer']}", f"{url}/subjects/orders-value/versions")
eq("curl registers as the writer", (code, body), (200, '{"id":1}'))
rc, code, body, err = curl("--cacert", certs.ca, "-X", "POST", "-H",
                           "Content-Type: application/json", "--data",
                           json.dumps({"schema": schema("Pay", "id")}),
                           "-u", f"admin:{PW['admin']}", f"{url}/subjects/payments-value/versions")
eq("curl registers payments-value as the admin", (code, body), (200, '{"id":2}'))
rc, code, body, err = curl("--cacert", certs.ca, "--cert", certs.clients["alice"][0], "--key",
                           certs.clients["alice"][1], f"{url}/subjects")
eq("curl with alice's client certificate (CN alice: Read on orders-*)", (code, body),
   (200, '["orders-value"]'))
rc, code, body, err = curl("--cacert", certs.ca, "--cert", certs.clients["nobody-cert"][0],
                           "--key", certs.clients["nobody-cert"][1], f"{url}/schemas/ids/1")
ok("a verified certificate whose CN has no permissions: 403 40301",
   code == 403 and "40301" in body, body)
rc, code, body, err = curl("--cacert", certs.ca, "--tls-max", "1.1", f"{url}/subjects")
ok("TLS 1.1 is refused (handshake fails)", rc != 0 and code == 0, f"rc {rc} {err}")
rc, code, body, err = curl("--cacert", certs.ca, "--tlsv1.2", "--tls-max", "1.2", "-u",
                           f"reader:{PW['reader']}", f"{url}/subjects")
eq("TLS 1.2 works", (code, body), (200, '["orders-value"]'))
rc, code, body, err = curl(f"http://127.0.0.1:{port}/subjects")
ok("plain HTTP to the TLS port gets no HTTP answer", rc != 0 and code == 0, f"rc {rc} {body}")
rc, code, body, err = curl(f"{url}/subjects")
ok("curl refuses the certificate without our CA (it is verified)", rc == 60, f"rc {rc} {err}")

# ---- the permission matrix ---------------------------------------------------------------------
# A compatible second version of orders-value, for the write checks.
V2 = schema("Order", "id", "note")
NEWPAY = schema("Pay", "id", "x")
WHO = ["writer", "reader", "other", "config", "nobody", "anonymous"]
A = "allowed"  # any answer but 401/403


def outcome(r):
    if r.status in (401, 403):
        return r.status
    return A


def expect(route, method, path, body, want, setup=None, check_nothing=None):
    """want: who -> A / 403 / 401 (anonymous is always 401 unless the route is open)."""
    for who in WHO:
        if setup:
            setup()
        before = check_nothing() if check_nothing else None
        r = as_(who, method, path, body)
        w = want.get(who, 401 if who == "anonymous" else 403)
        if w == 401 and who != "anonymous":
            w = 403
        got = outcome(r)
        ok(f"{method} {route} as {who}: {w}", got == w and (
            got == A or (r.json and r.json.get("error_code") == (40101 if w == 401 else 40301))),
           r)
        if check_nothing and got != A:
            eq(f"  ...and {who}'s refused {method} changed nothing", check_nothing(), before)


def versions_of(subject):
    return as_("writer" if subject.startswith("orders") else "other", "GET",
               f"/subjects/{subject}/versions").json


READ_ORDERS = {"writer": A, "reader": A}
ANY = {w: A for w in WHO if w != "anonymous"}
CONFIG = {"config": A}

expect("/", "GET", "/", None, ANY)
expect("/schemas/types", "GET", "/schemas/types", None, ANY)
expect("/contexts", "GET", "/contexts", None, ANY)
expect("/v1/metadata/id", "GET", "/v1/metadata/id", None, ANY)
expect("/v1/principal", "GET", "/v1/principal", None, ANY)
expect("/subjects", "GET", "/subjects", None, ANY)
expect("/schemas", "GET", "/schemas", None, ANY)
for suffix in ["", "/schema", "/subjects", "/versions"]:
    expect(f"/schemas/ids/{{id}}{suffix}", "GET", f"/schemas/ids/1{suffix}", None, READ_ORDERS)
expect("/schemas/ids/{id} of payments", "GET", "/schemas/ids/2", None, {"other": A})
expect("/schemas/ids/{id} of no subject", "GET", "/schemas/ids/99", None, ANY)
expect("/subjects/{subject} (lookup)", "POST", "/subjects/orders-value",
       {"schema": schema("Order", "id")}, READ_ORDERS)
for suffix in ["/versions", "/versions/1", "/versions/latest/schema", "/versions/1/referencedby"]:
    expect(f"/subjects/{{subject}}{suffix}", "GET", f"/subjects/orders-value{suffix}", None,
           READ_ORDERS)
expect("/compatibility/subjects/{subject}/versions/{version}", "POST",
       "/compatibility/subjects/orders-value/versions/latest", {"schema": V2}, READ_ORDERS)
expect("/compatibility/subjects/{subject}/versions", "POST",
       "/compatibility/subjects/orders-value/versions", {"schema": V2}, READ_ORDERS)
expect("/subjects/{subject}/versions (register)", "POST", "/subjects/orders-value/versions",
       {"schema": V2}, {"writer": A}, check_nothing=lambda: versions_of("orders-value"))
expect("/subjects/{subject}/versions (register payments)", "POST",
       "/subjects/payments-value/versions", {"schema": NEWPAY}, {"other": A},
       check_nothing=lambda: versions_of("payments-value"))
expect("/config", "GET", "/config", None, CONFIG)
expect("/config", "PUT", "/config", {"compatibility": "BACKWARD"}, CONFIG,
       check_nothing=lambda: as_("config", "GET", "/config").json)
expect("/config/{subject}", "GET", "/config/orders-value", None, READ_ORDERS)
expect("/config/{subject}", "PUT", "/config/orders-value", {"compatibility": "FULL"},
       {"writer": A}, check_nothing=lambda: as_("writer", "GET", "/config/orders-value").status)
expect("/config/{subject}", "DELETE", "/config/orders-value", None, {"writer": A},
       setup=lambda: as_("writer", "PUT", "/config/orders-value", {"compatibility": "FULL"}),
       check_nothing=lambda: as_("writer", "GET", "/config/orders-value").json)
expect("/mode", "GET", "/mode", None, CONFIG)
expect("/mode", "PUT", "/mode", {"mode": "READWRITE"}, CONFIG,
       check_nothing=lambda: as_("config", "GET", "/mode").json)
expect("/mode/{subject}", "GET", "/mode/orders-value", None, READ_ORDERS)
expect("/mode/{subject}", "PUT", "/mode/orders-value", {"mode": "READWRITE"}, {"writer": A},
       check_nothing=lambda: as_("writer", "GET", "/mode/orders-value").status)
expect("/mode/{subject}", "DELETE", "/mode/orders-value", None, {"writer": A},
       setup=lambda: as_("writer", "PUT", "/mode/orders-value", {"mode": "READWRITE"}),
       check_nothing=lambda: as_("writer", "GET", "/mode/orders-value").json)
expect("/subjects/{subject}/versions/{version}", "DELETE", "/subjects/orders-scratch/versions/1",
       None, {"writer": A},
       setup=lambda: as_("writer", "POST", "/subjects/orders-scratch/versions",
                         {"schema": schema("Scratch", "a")}),
       check_nothing=lambda: versions_of("orders-scratch"))
expect("/subjects/{subject}", "DELETE", "/subjects/orders-scratch", None, {"writer": A},
       setup=lambda: as_("writer", "POST", "/subjects/orders-scratch/versions",
                         {"schema": schema("Scratch", "a")}),
       check_nothing=lambda: versions_of("orders-scratch"))
expect("/config", "DELETE", "/config", None, CONFIG)
expect("/mode", "DELETE", "/mode", None, CONFIG)
for path in ["/health/live", "/health/ready", "/metrics"]:
    expect(path, "GET", path, None, {w: A for w in WHO})

as_("writer", "DELETE", "/subjects/orders-scratch")
eq("orders-scratch deleted for good by the writer",
   as_("writer", "DELETE", "/subjects/orders-scratch?permanent=true").status, 200)

# Listings show only what the principal may read.
eq("/subjects as the writer: orders only", as_("writer", "GET", "/subjects").json,
   ["orders-value"])
eq("/subjects as other: payments only", as_("other", "GET", "/subjects").json,
   ["payments-value"])
eq("/subjects as config: nothing", as_("config", "GET", "/subjects").json, [])
eq("/subjects as nobody: nothing", as_("nobody", "GET", "/subjects").json, [])
eq("/subjects as the admin: both", reg.request("GET", "/subjects", auth=ADMIN).json,
   ["orders-value", "payments-value"])
eq("/schemas as the reader: orders' versions only",
   sorted({s["subject"] for s in as_("reader", "GET", "/schemas").json}), ["orders-value"])
eq("/schemas as other: payments' versions only",
   sorted({s["subject"] for s in as_("other", "GET", "/schemas").json}), ["payments-value"])
# One schema under a subject of each: the id is readable by both, its subjects filtered.
shared = schema("Shared", "s")
as_("writer", "POST", "/subjects/orders-shared/versions", {"schema": shared})
sid = as_("other", "POST", "/subjects/payments-shared/versions", {"schema": shared}).json["id"]
eq("a schema under orders-* and payments-*: the reader sees it",
   as_("reader", "GET", f"/schemas/ids/{sid}").status, 200)
eq("...and other too", as_("other", "GET", f"/schemas/ids/{sid}").status, 200)
eq("...its subjects, as the reader: the readable one",
   as_("reader", "GET", f"/schemas/ids/{sid}/subjects").json, ["orders-shared"])
eq("...its versions, as other: the readable one",
   as_("other", "GET", f"/schemas/ids/{sid}/versions").json,
   [{"subject": "payments-shared", "version": 1}])
eq("...as the admin: both", reg.request("GET", f"/schemas/ids/{sid}/subjects", auth=ADMIN).json,
   ["orders-shared", "payments-shared"])
r = reg.request("DELETE", "/subjects/payments-shared", auth=("other", PW["other"]))
r = reg.request("DELETE", "/subjects/payments-shared?permanent=true", auth=("other", PW["other"]))
eq("after payments-shared is deleted for good, other may no longer read the id",
   as_("other", "GET", f"/schemas/ids/{sid}").status, 403)

# What each caller may do, as /v1/principal tells clients such as the web UI.
eq("/v1/principal as the reader: its name, its rules as written, and no Config:",
   as_("reader", "GET", "/v1/principal").json,
   {"principal": "reader", "authentication": True, "config": {"read": False, "write": False},
    "permissions": [{"operation": "Read", "resource": "Subject:orders-.*"}]})
eq("...as config: Write on Config:", as_("config", "GET", "/v1/principal").json["config"],
   {"read": True, "write": True})
eq("...?subject= asks the registry itself: the writer on orders-value",
   as_("writer", "GET", "/v1/principal?subject=orders-value").json["subject"],
   {"name": "orders-value", "read": True, "write": True})
eq("...the reader on orders-value", as_("reader", "GET",
                                        "/v1/principal?subject=orders-value").json["subject"],
   {"name": "orders-value", "read": True, "write": False})
eq("...other on orders%2Fx (percent-decoded)", as_("other", "GET",
                                                   "/v1/principal?subject=orders%2Fx").json["subject"],
   {"name": "orders/x", "read": False, "write": False})
r = reg.request("GET", "/v1/principal", client=certs.clients["alice"])
eq("...alice's certificate: the CN's permissions",
   (r.json["principal"], r.json["permissions"]),
   ("alice", [{"operation": "Read", "resource": "Subject:orders-.*"}]))
eq("...without credentials: 401", reg.request("GET", "/v1/principal").status, 401)

# ---- hostile credentials -------------------------------------------------------------------------
before = reg.request("GET", "/subjects", auth=ADMIN).json
hostile = {
    "bad base64": "Basic !!!not-base64!!!",
    "no padding": "Basic " + basic("writer", PW["writer"])[6:].rstrip("="),
    "no colon": "Basic " + __import__("base64").b64encode(b"writerwriter-pw").decode(),
    "empty user": basic("", "x"),
    "unknown user": basic("mallory", "x"),
    "right user, wrong password": basic("writer", "reader-pw"),
    "a NUL in the user": "Basic " + __import__("base64").b64encode(b"wri\0ter:x").decode(),
    "Bearer scheme": "Bearer abc.def.ghi",
    "Digest scheme": 'Digest username="writer"',
    "empty": "",
    "Basic alone": "Basic",
    "8 KB of base64": "Basic " + "QUFB" * 2048,
}
for name, header in hostile.items():
    r = reg.request("POST", "/subjects/orders-hostile/versions", {"schema": schema("H", "a")},
                    headers={"Authorization": header})
    ok(f"Authorization {name}: 401 40101, JSON",
       r.status == 401 and r.json and r.json["error_code"] == 40101, r)
r = reg.request("GET", "/subjects", headers={"Authorization": "Basic " + "A" * 20000})
ok("a 20 KB Authorization header (past the 16 KiB cap): 431 as JSON", r.status == 431 and r.json and
   r.json["error_code"] == 431, r)
# Past what a connection buffers (32 KiB: libmicrohttpd zeroes the buffer per
# request, so it is kept small), libmicrohttpd answers 431 itself, in HTML, and
# closes the connection. It may close before the client has sent all 100 KB:
# the client's write then fails (the TLS session ends, or the socket is reset)
# and the answer may be lost with the connection. Either is a refusal.
try:
    r = reg.request("GET", "/subjects", headers={"Authorization": "Basic " + "A" * 100000})
    status = r.status
except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as e:
    status = f"connection closed while sending ({type(e).__name__})"
ok("a 100 KB Authorization header: 431 (libmicrohttpd's own page), or the connection closed",
   status == 431 or str(status).startswith("connection closed"), status)
eq("...and the server goes on serving", reg.request("GET", "/subjects", auth=ADMIN).status, 200)
eq("nothing was written by any of them", reg.request("GET", "/subjects", auth=ADMIN).json, before)

for label, cert in [("an expired", certs.expired), ("a foreign CA's", certs.foreign)]:
    try:
        r = reg.request("GET", "/subjects", client=cert)
        ok(f"{label} client certificate: 401 saying why", r.status == 401 and r.json and
           r.json["error_code"] == 40101 and ("expired" in r.json["message"] if "expired" in
                                              label else "trusted CA" in r.json["message"]),
           r)
        r = reg.request("GET", "/subjects", client=cert, auth=("writer", PW["writer"]))
        eq(f"...even with good Basic credentials beside it", r.status, 401)
    except (ssl.SSLError, OSError) as e:
        ok(f"{label} client certificate is refused in the handshake", True, e)

# Raw garbage on the TLS port.
for name, data in [("plaintext HTTP", b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n"),
                   ("random bytes", os.urandom(4096)),
                   ("a truncated ClientHello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")]:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except OSError:
        got = b""
    finally:
        s.close()
    ok(f"{name} to the TLS port: no HTTP answer, connection closed", b"HTTP/" not in got, got)
eq("the server still answers after the garbage", reg.request("GET", "/health/ready").status, 200)

# ---- reloading the authfile -------------------------------------------------------------------
NEW_PW = "newcomer-pw"
write_authfile(authfile, USERS + [user("newcomer", NEW_PW, "sha256")],
               PERMISSIONS + [permission("newcomer", "Read", "Subject:orders-value$")])
got = wait_until(lambda: reg.request("GET", "/subjects", auth=("newcomer", NEW_PW)).status == 200,
                 timeout=5)
ok("a changed authfile is picked up without a signal (within 5 s)", got)
eq("...with the new user's permissions",
   reg.request("GET", "/subjects", auth=("newcomer", NEW_PW)).json, ["orders-value"])
with open(authfile, "w") as f:
    f.write('{"users": [{"username": "x"')
time.sleep(2.5)
eq("a broken authfile on disk: the old rules stay (newcomer)",
   reg.request("GET", "/subjects", auth=("newcomer", NEW_PW)).status, 200)
eq("...and the writer", as_("writer", "GET", "/subjects").status, 200)
ok("...and the log says why", "keeping the previous users and permissions" in reg.log() and
   "not valid JSON" in reg.log(), reg.log()[-2000:])
reg.proc.send_signal(signal.SIGHUP)
time.sleep(1)
eq("SIGHUP with the broken file: the old rules still stay",
   as_("writer", "GET", "/subjects").status, 200)
# A good file without newcomer, brought in by SIGHUP (same size and mtime are not relied on).
write_authfile(authfile, USERS, PERMISSIONS)
reg.proc.send_signal(signal.SIGHUP)
got = wait_until(lambda: reg.request("GET", "/subjects", auth=("newcomer", NEW_PW)).status == 401,
                 timeout=5)
ok("SIGHUP with a good file: the new rules (newcomer is gone)", got)
ok("...logged", "authfile reloaded" in reg.log(), reg.log()[-1000:])

# ---- renewing the certificate on SIGHUP -------------------------------------------------------


def served_serial():
    ctx = ssl.create_default_context(cafile=certs.ca)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return t.getpeercert()["serialNumber"]


pid = reg.proc.pid
first = served_serial()
new_cert, new_key = certs.sign("server-renewed", "localhost", server=True)
kept = reg.connection()
kept.request("GET", "/health/live")
kept.getresponse().read()
os.replace(new_cert, certs.server)
os.replace(new_key, certs.server_key)
reg.proc.send_signal(signal.SIGHUP)
got = wait_until(lambda: served_serial() != first, timeout=5)
ok("SIGHUP: new connections get the renewed certificate", got, first)
eq("...from the same process and listener", reg.proc.pid, pid)
kept.request("GET", "/health/live")
eq("...and a connection made before keeps working", kept.getresponse().status, 200)
kept.close()
with open(certs.server_key, "w") as f:
    f.write("not a key")
reg.proc.send_signal(signal.SIGHUP)
time.sleep(1)
eq("SIGHUP with a broken key: the certificate in use stays", reg.request(
    "GET", "/health/ready").status, 200)
ok("...and the log says why", "keeping the TLS certificate in use" in reg.log(), reg.log()[-800:])

# ---- the audit trail --------------------------------------------------------------------------
reg.stop()
with open(audit) as f:
    text = f.read()
lines = [json.loads(line) for line in text.splitlines()]
ok("the audit log has one JSON line per write attempt", len(lines) > 40, len(lines))
ok("every line has time, principal, address, route, status and outcome",
   all({"ts", "principal", "address", "method", "route", "status", "outcome"} <= set(x)
       for x in lines), lines[:3])
first_write = next(x for x in lines if x["route"] == "/subjects/{subject}/versions"
                   and x["status"] == 200)
eq("a registration: who, where, what and the new id",
   {k: first_write.get(k) for k in ["principal", "address", "method", "subject", "outcome", "id"]},
   {"principal": "writer", "address": "127.0.0.1", "method": "POST", "subject": "orders-value",
    "outcome": "ok", "id": 1})
ok("refused writes are there too (forbidden, unauthenticated)",
   any(x["outcome"] == "forbidden" and x["principal"] == "reader" for x in lines) and
   any(x["outcome"] == "unauthenticated" for x in lines), "")
ok("a deleted version is recorded with its number",
   any(x["method"] == "DELETE" and x.get("version") == 1 and x["outcome"] == "ok"
       for x in lines), "")
ok("a config change is recorded with the new level",
   any(x["route"] == "/config" and x.get("compatibility") == "BACKWARD" for x in lines), "")
secrets = list(PW.values()) + [basic("writer", PW["writer"])[6:], "Authorization", "QUFB",
                               "fields", "Order"]
eq("no password, Authorization header or schema in the audit trail",
   [s for s in secrets if s in text], [])
eq("no password in the server log", [p for p in PW.values() if p in reg.log()], [])
certs.cleanup()
finish()

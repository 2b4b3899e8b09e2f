"""The security edge on the PostgreSQL backend: two registry nodes on one
database (the run's test PostgreSQL, tests/pg/pgserver.py), each with TLS, the
same authfile and an audit log of its own.

* what one node writes, the other judges by the same rules: by-id reads are
  allowed through the subjects that carry the id, as the shared database
  says, and listings are filtered;
* a node's cache of which subjects carry an id follows the other node's
  writes: a schema that only a forbidden subject carried becomes readable
  once a readable subject carries it too, and stops being readable when
  that subject is deleted for good;
* each node audits the writes it answered, whoever made them;
* avroreg migrate moves a registry over TLS with credentials on both sides,
  from a SQLite node to a PostgreSQL one, and a user who may not switch the
  target to IMPORT mode is refused there.
"""
import json
import os
import subprocess
import sys

from secutil import (AVROREG, ROOT, Certs, SecureRegistry, eq, finish, ok, permission, schema,
                     user, wait_until, write_authfile)

sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))
import pgserver  # noqa: E402

certs = Certs(clients=())
authfile = os.path.join(certs.dir, "auth.json")
PW = {"admin": "admin-pw", "writer": "writer-pw", "reader": "reader-pw", "other": "other-pw"}
write_authfile(authfile,
               [user("admin", PW["admin"], "argon2id"), user("writer", PW["writer"]),
                user("reader", PW["reader"], "sha256"), user("other", PW["other"], "scrypt")],
               [permission("admin", "Write", ".*"),
                permission("writer", "Write", "Subject:orders-.*"),
                permission("reader", "Read", "Subject:orders-.*"),
                permission("other", "Write", "Subject:payments-.*")])

pg = pgserver.shared()
url = pg.create_database()
nodes = []
for name in ("a", "b"):
    nodes.append(SecureRegistry(certs, client_ca=False, db=url, extra_args=[
        "--auth-file", authfile, "--audit-log", os.path.join(certs.dir, f"audit-{name}.log")]
    ).start())
A, B = nodes


def as_(node, who, method, path, body=None):
    return node.request(method, path, body=body, auth=(who, PW[who]))


def audit(name):
    with open(os.path.join(certs.dir, f"audit-{name}.log")) as f:
        return [json.loads(line) for line in f if line.strip()]


# ---- one database, two judges ------------------------------------------------------------------
r = as_(A, "writer", "POST", "/subjects/orders-value/versions", {"schema": schema("Order", "id")})
eq("the writer registers orders-value on node A (PostgreSQL)", r.status, 200)
oid = r.json["id"]
r = as_(A, "other", "POST", "/subjects/payments-value/versions", {"schema": schema("Pay", "id")})
eq("other registers payments-value on node A", r.status, 200)
pid = r.json["id"]
eq("the reader gets orders-value's schema by id on node B",
   as_(B, "reader", "GET", f"/schemas/ids/{oid}").status, 200)
eq("...but not payments-value's: 403", as_(B, "reader", "GET", f"/schemas/ids/{pid}").status, 403)
eq("/subjects on node B is filtered for the reader", as_(B, "reader", "GET", "/subjects").json,
   ["orders-value"])
eq("...and for other", as_(B, "other", "GET", "/subjects").json, ["payments-value"])
eq("the writer may not write payments-value on node B either",
   as_(B, "writer", "POST", "/subjects/payments-value/versions",
       {"schema": schema("Pay", "id", "x")}).status, 403)
eq("...and nothing was written", as_(B, "other", "GET", "/subjects/payments-value/versions").json,
   [1])
eq("without credentials node B answers 401", B.request("GET", "/subjects").status, 401)

# ---- node B's cache of an id's subjects follows node A's writes ----------------------------------
shared = schema("Shared", "s")
sid = as_(A, "other", "POST", "/subjects/payments-shared/versions", {"schema": shared}).json["id"]
eq("a schema only payments-shared carries: the reader may not read it on node B",
   as_(B, "reader", "GET", f"/schemas/ids/{sid}").status, 403)
r = as_(A, "writer", "POST", "/subjects/orders-shared/versions", {"schema": shared})
eq("the writer registers the same schema under orders-shared on node A (same id)",
   (r.status, r.json.get("id")), (200, sid))
ok("...and soon the reader may read it on node B",
   wait_until(lambda: as_(B, "reader", "GET", f"/schemas/ids/{sid}").status == 200, timeout=15))
eq("...with only the readable subject listed",
   as_(B, "reader", "GET", f"/schemas/ids/{sid}/subjects").json, ["orders-shared"])
as_(A, "writer", "DELETE", "/subjects/orders-shared")
eq("orders-shared deleted for good on node A",
   as_(A, "writer", "DELETE", "/subjects/orders-shared?permanent=true").status, 200)
ok("...and soon the reader may no longer read the id on node B",
   wait_until(lambda: as_(B, "reader", "GET", f"/schemas/ids/{sid}").status == 403, timeout=15))

# ---- each node audits what it answered -------------------------------------------------------------
lines_a, lines_b = audit("a"), audit("b")
ok("node A's audit has the writes it answered, with their principals",
   {("writer", "orders-value", 200), ("other", "payments-value", 200),
    ("writer", "orders-shared", 200)} <= {(x["principal"], x["subject"], x["status"])
                                          for x in lines_a}, lines_a)
ok("node B's audit has the refused write it answered, and none of node A's",
   [(x["principal"], x["subject"], x["outcome"]) for x in lines_b] ==
   [("writer", "payments-value", "forbidden")], lines_b)

# ---- avroreg migrate between two secured registries: SQLite to PostgreSQL ----------------------------
src = SecureRegistry(certs, client_ca=False, db=os.path.join(certs.dir, "source.db"),
                     extra_args=["--auth-file", authfile]).start()
for subject, rec in [("orders-m", schema("M", "a")), ("payments-m", schema("N", "b"))]:
    eq(f"{subject} registered on the SQLite source",
       as_(src, "admin", "POST", f"/subjects/{subject}/versions", {"schema": rec}).status, 200)
target_url = pg.create_database()
dst = SecureRegistry(certs, client_ca=False, db=target_url,
                     extra_args=["--auth-file", authfile]).start()


def migrate(from_user, to_user):
    env = dict(os.environ, AVROREG_FROM_PASSWORD=PW[from_user], AVROREG_TO_PASSWORD=PW[to_user])
    return subprocess.run([AVROREG, "migrate", "--quiet", "--from", src.url, "--from-user",
                           from_user, "--from-ca-file", certs.ca, "--to", dst.url, "--to-user",
                           to_user, "--to-ca-file", certs.ca], capture_output=True, text=True,
                          env=env, timeout=120)


p = migrate("admin", "writer")
ok("migrate as a writer of the target: refused (no Write on Config:, so no IMPORT mode), exit "
   "non-zero", p.returncode != 0 and "403" in (p.stdout + p.stderr), p.stdout + p.stderr)
eq("...and the target holds nothing", as_(dst, "admin", "GET", "/subjects").json, [])
p = migrate("admin", "admin")
eq("migrate as the admin on both sides, over TLS: exit 0", p.returncode, 0)
eq("...the PostgreSQL target has both subjects", as_(dst, "admin", "GET", "/subjects").json,
   ["orders-m", "payments-m"])
eq("...with the source's ids", [as_(dst, "admin", "GET", f"/subjects/{s}/versions/1").json["id"]
                                 for s in ("orders-m", "payments-m")],
   [as_(src, "admin", "GET", f"/subjects/{s}/versions/1").json["id"]
    for s in ("orders-m", "payments-m")])
eq("...and the target's rules apply to them: the reader sees orders-m only",
   as_(dst, "reader", "GET", "/subjects").json, ["orders-m"])

for node in (src, dst, A, B):
    node.stop()
finish()

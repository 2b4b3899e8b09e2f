"""Three registry nodes on one PostgreSQL database, as a load balancer would
spread clients over them:

- 16 clients over the nodes register one schema (one id, one version), then
  distinct schemas in one subject (distinct ids, consecutive versions);
- soft and permanent deletes race registrations: no 5xx, nothing half done;
- a node's caches follow another node's writes (a permanently deleted
  schema stops being served, a registration after a delete makes a new
  version): how soon is printed, not asserted;
- config and mode changes, soft and permanent deletes on one node hold for
  the next request on another;
- rounds of 16 mutually incompatible registrations over the nodes: one wins
  each round, the compatibility check and the insert see the same versions;
- IMPORT with explicit ids over the nodes: distinct ids all stored, one id
  with two contents stored once, new ids avoid every imported one;
- a node killed with SIGKILL in the middle of writes loses no acknowledged
  registration;
- PostgreSQL restarted under load: every failure is a clean JSON 5xx, and
  service comes back by itself; while it is away, /health/ready says DOWN.

The database lives on the run's test PostgreSQL (tests/pg/pgserver.py).
"""
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Registry, eq, finish, ok  # noqa: E402
import pgserver  # noqa: E402

CLIENTS = 16
pg = pgserver.shared()
url = pg.create_database()
nodes = [Registry(db=url, extra_args=["--threads", "4"]).start() for _ in range(3)]
A, B, C = nodes


def schema(name, *fields):
    return json.dumps({"type": "record", "name": name,
                       "fields": [{"name": f, "type": "int"} for f in fields or ("f",)]},
                      separators=(",", ":"))


def run_clients(n, work):
    """Runs work(i) in n threads; answers their results in order."""
    results = [None] * n

    def main(i):
        results[i] = work(i)

    threads = [threading.Thread(target=main, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def clean_5xx(r):
    """A server error as the registry must give it: JSON with error_code and message."""
    body = r.json if isinstance(r.json, dict) else {}
    code = body.get("error_code")
    return (500 <= r.status < 600 and sorted(body) == ["error_code", "message"]
            and isinstance(code, int) and (code == 500 or 50000 <= code <= 50099))


# ---- one schema, sixteen clients ------------------------------------------------------------
S = schema("Same")
answers = run_clients(CLIENTS, lambda i: nodes[i % 3].register("same", S))
eq("16 clients over 3 nodes register one schema: all 200",
   sorted({r.status for r in answers}), [200])
eq("...with one id", sorted({r.json.get("id") for r in answers if r.json}), [1])
for n, node in enumerate(nodes):
    eq(f"...and one version, seen on node {n}", node.get("/subjects/same/versions").json, [1])

# ---- distinct schemas, one subject ----------------------------------------------------------
A.request("PUT", "/config/many", {"compatibility": "NONE"})
PER_CLIENT = 4


def register_distinct(i):
    got = []
    for k in range(PER_CLIENT):
        text = schema(f"D{i}_{k}")
        r = nodes[(i + k) % 3].register("many", text)
        got.append((r.status, (r.json or {}).get("id"), text, r.raw))
    return got


acks = [a for r in run_clients(CLIENTS, register_distinct) for a in r]
total = CLIENTS * PER_CLIENT
eq(f"{total} distinct schemas over 3 nodes: all 200", [a for a in acks if a[0] != 200], [])
ids = [a[1] for a in acks]
eq("...every id distinct", len(set(ids)), total)
versions = B.get("/subjects/many/versions").json
eq("...versions consecutive from 1", versions, list(range(1, total + 1)))
by_version = {}
for v in versions:
    r = C.get(f"/subjects/many/versions/{v}")
    by_version[r.json["id"]] = r.json["schema"]
eq("...each version holds the schema its id was acknowledged with",
   {a[1]: a[2] for a in acks} == by_version, True)

# ---- deletes racing registrations ----------------------------------------------------------
A.request("PUT", "/config/churn", {"compatibility": "NONE"})
deadline = time.time() + 3
bad = []
acked_churn = {}  # id -> schema text
lock = threading.Lock()


def churn(i):
    node = nodes[i % 3]
    k = 0
    while time.time() < deadline:
        k += 1
        if i % 2 == 0:  # writers
            text = schema(f"C{i}_{k}")
            r = node.register("churn", text)
            if r.status == 200:
                with lock:
                    acked_churn[r.json["id"]] = text
        else:  # deleters: the oldest live version, soft then permanently
            live = node.get("/subjects/churn/versions")
            if live.status != 200 or not live.json:
                continue
            v = live.json[0]
            r = node.request("DELETE", f"/subjects/churn/versions/{v}")
            if r.status == 200:
                r = nodes[(i + 1) % 3].request("DELETE",
                                               f"/subjects/churn/versions/{v}?permanent=true")
        if r.status >= 500 or (r.status >= 300 and not (r.json or {}).get("error_code")):
            with lock:
                bad.append(r)


run_clients(CLIENTS, churn)
eq("deletes racing registrations: no 5xx, every refusal a JSON error", bad[:5], [])
ok("...and both happened", len(acked_churn) > 0, "no registration acknowledged")
all_versions = A.get("/subjects/churn/versions?deleted=true").json or []
ok("...versions distinct and ascending", all_versions == sorted(set(all_versions)), all_versions)
dangling = []
for v in all_versions:
    r = B.get(f"/subjects/churn/versions/{v}?deleted=true")
    if r.status != 200 or C.get(f"/schemas/ids/{r.json['id']}").status != 200:
        dangling.append((v, r.raw))
eq("...every remaining version's schema is there, on every node", dangling, [])

# ---- caches follow other nodes' writes ------------------------------------------------------


def wait_until(cond, limit=10.0):
    """Polls cond until true; answers the seconds it took, or None."""
    start = time.time()
    while time.time() - start < limit:
        if cond():
            return time.time() - start
        time.sleep(0.002)
    return None


gone = schema("Gone")
gid = A.register("gone", gone).json["id"]
eq("node B serves the schema (and caches it)", B.get(f"/schemas/ids/{gid}").status, 200)
eq("...twice", B.get(f"/schemas/ids/{gid}").status, 200)
A.request("DELETE", "/subjects/gone")
eq("node A deletes it permanently", A.request("DELETE", "/subjects/gone?permanent=true").status,
   200)
took = wait_until(lambda: B.get(f"/schemas/ids/{gid}").status == 404)
ok("node B stops serving the deleted schema", took is not None, "still served after 10 s")
if took is not None:
    print(f"# node B saw node A's permanent delete after {took * 1000:.1f} ms")

again = schema("Again")
eq("node B registers a schema (and remembers the answer)", B.register("again", again).json,
   {"id": gid + 1})
eq("node A soft-deletes that version", A.request("DELETE", "/subjects/again/versions/1").json, 1)


def registered_anew():
    B.register("again", again)
    return B.get("/subjects/again/versions").json == [2]


took = wait_until(registered_anew)
ok("a registration on node B after the delete makes a new version, as on one node",
   took is not None, B.get("/subjects/again/versions?deleted=true").raw)
if took is not None:
    print(f"# node B's registration cache followed the delete after {took * 1000:.1f} ms")

# ---- config and mode: the next request on another node -------------------------------------
eq("PUT /config/cfg FULL on node A", A.request("PUT", "/config/cfg", {"compatibility": "FULL"})
   .json, {"compatibility": "FULL"})
eq("...node B's next request sees it", B.get("/config/cfg").json, {"compatibilityLevel": "FULL"})
A.register("cfg", schema("Cfg", "a"))
r = C.register("cfg", schema("Cfg", "a", "b"))  # a field without a default: not FULL
eq("...node C judges by it (409)", r.status, 409)
eq("PUT /config/cfg NONE on node B", B.request("PUT", "/config/cfg", {"compatibility": "NONE"})
   .status, 200)
eq("...node C's next registration is judged by NONE", C.register("cfg", schema("Cfg", "a", "b"))
   .status, 200)
eq("PUT /mode READONLY on node B", B.request("PUT", "/mode", {"mode": "READONLY"}).json,
   {"mode": "READONLY"})
r = C.register("ro", schema("Ro"))
eq("...node C refuses the next registration", (r.status, (r.json or {}).get("error_code")),
   (422, 42205))
eq("...node A reports the mode", A.get("/mode").json, {"mode": "READONLY"})
B.request("PUT", "/mode", {"mode": "READWRITE"})
eq("...and READWRITE again on node C at once", C.register("ro", schema("Ro")).status, 200)

# ---- deletes: the next request on another node ----------------------------------------------
A.request("PUT", "/config/del", {"compatibility": "NONE"})
for k in range(3):
    A.register("del", schema(f"Del{k}"))
eq("node A soft-deletes version 2", A.request("DELETE", "/subjects/del/versions/2").json, 2)
eq("...node B's next listing skips it", B.get("/subjects/del/versions").json, [1, 3])
eq("...node C's next read of it is 404 40402",
   (lambda r: (r.status, (r.json or {}).get("error_code")))(C.get("/subjects/del/versions/2")),
   (404, 40402))
eq("node B deletes it for good", B.request("DELETE", "/subjects/del/versions/2?permanent=true")
   .json, 2)
eq("...node C's next listing of deleted versions no longer has it",
   C.get("/subjects/del/versions?deleted=true").json, [1, 3])

# ---- a compatibility check and the insert it allows, across nodes ---------------------------
# Each round, 16 clients over the nodes register a schema that adds a field
# with a default to the latest version (BACKWARD-compatible with it), each a
# record of another name: any two candidates are incompatible with each
# other. Exactly one may win a round; checked against the latest version as
# it is when they write, the others are refused.
ROUNDS = 3
latest = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}
eq("compat: version 1 under BACKWARD", A.register("compat", json.dumps(latest)).status, 200)
winners = []
for rnd in range(ROUNDS):
    def candidate(i, rnd=rnd):
        fields = latest["fields"] + [{"name": f"x{rnd}", "default": {}, "type": {
            "type": "record", "name": f"X{rnd}c{i}", "fields": []}}]
        text = json.dumps(dict(latest, fields=fields))
        r = nodes[(i + rnd) % 3].register("compat", text)
        return r.status, (r.json or {}).get("error_code"), text
    got = run_clients(CLIENTS, candidate)
    won = [g for g in got if g[0] == 200]
    eq(f"round {rnd + 1}: one of {CLIENTS} mutually incompatible candidates wins, the others "
       "are refused 409", (len(won), sorted({g[:2] for g in got if g[0] != 200})),
       (1, [(409, 409)]))
    if len(won) != 1:
        break
    winners.append(won[0][2])
    latest = json.loads(won[0][2])
versions = C.get("/subjects/compat/versions").json
eq("...versions consecutive, one per round", versions, list(range(1, ROUNDS + 2)))
eq("...each the round's winner",
   [json.loads(B.get(f"/subjects/compat/versions/{v}").json["schema"]) for v in versions[1:]],
   [json.loads(w) for w in winners])

# ---- IMPORT with explicit ids, across nodes -------------------------------------------------
for i in range(CLIENTS):
    nodes[i % 3].request("PUT", f"/mode/imp-{i}", {"mode": "IMPORT"})
for subject in ("clash-a", "clash-b", "same-a", "same-b"):
    A.request("PUT", f"/mode/{subject}", {"mode": "IMPORT"})


def importer(i):
    r = nodes[i % 3].register(f"imp-{i}", schema(f"Imp{i}"), id=5000 + i, version=1)
    out = [(r.status, r.raw)]
    if i < 2:  # the same id, different content, from two nodes at once
        r = nodes[i].register(f"clash-{'ab'[i]}", schema(f"Clash{i}"), id=6000, version=1)
        out.append((r.status, (r.json or {}).get("error_code")))
    elif i < 4:  # the same id and content from two nodes: both fine
        r = nodes[i % 3].register(f"same-{'ab'[i - 2]}", schema("Same6001"), id=6001, version=1)
        out.append((r.status, r.raw))
    return out


got = run_clients(CLIENTS, importer)
eq("16 imports of distinct ids over 3 nodes: all 200 with their id",
   [g[0] for g in got], [(200, '{"id":%d}' % (5000 + i)) for i in range(CLIENTS)])
eq("...each id serves its schema on every node",
   [nodes[(i + 1) % 3].get(f"/schemas/ids/{5000 + i}").json for i in range(CLIENTS)],
   [{"schema": schema(f"Imp{i}")} for i in range(CLIENTS)])
eq("one id imported with different content on two nodes at once: one wins, one is refused "
   "(422 42205)", sorted([got[0][1], got[1][1]]), [(200, None), (422, 42205)])
eq("the same id and content on two nodes at once: both 200", [got[2][1], got[3][1]],
   [(200, '{"id":6001}')] * 2)
A.request("PUT", "/config/after-import", {"compatibility": "NONE"})
fresh = [nodes[k].register("after-import", schema(f"Fresh{k}")).json["id"] for k in range(3)]
ok(f"new ids on every node after the imports ({fresh}) take none of the imported ones",
   len(set(fresh)) == 3 and not set(fresh) & (set(range(5000, 5000 + CLIENTS)) | {6000, 6001}),
   fresh)

# ---- a node killed in the middle of writes --------------------------------------------------
A.request("PUT", "/config", {"compatibility": "NONE"})
stop = threading.Event()
acked = {}  # id -> (schema, subject)
problems = []
counter = [0]


def writer(i):
    while not stop.is_set():
        with lock:
            n = counter[0]
            counter[0] += 1
        subject, text = f"kill-{n % 4}", schema(f"K{n}")
        try:
            r = nodes[n % 3].register(subject, text)
        except OSError:
            continue  # the killed node: not acknowledged
        if r.status != 200:
            continue
        with lock:
            if r.json["id"] in acked and acked[r.json["id"]][0] != text:
                problems.append(f"id {r.json['id']} given to two schemas")
            acked[r.json["id"]] = (text, subject)


threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
time.sleep(1.0)
B.proc.send_signal(signal.SIGKILL)
B.proc.wait()
B.proc = None
B.stderr.close()
time.sleep(1.0)
stop.set()
for t in threads:
    t.join()
B.start()
missing = []
for sid, (text, subject) in sorted(acked.items()):
    node = nodes[sid % 3]
    r = node.get(f"/schemas/ids/{sid}")
    if r.status != 200 or r.json.get("schema") != text:
        missing.append(sid)
    elif not any(v["subject"] == subject for v in node.get(f"/schemas/ids/{sid}/versions").json):
        missing.append(sid)
ok(f"node B killed mid-writes: {len(acked)} acknowledged registrations", len(acked) > 20,
   len(acked))
eq("...every one is there, with its schema and subject, on every node", missing, [])
eq("...no id was given to two schemas", problems, [])
for k in range(4):
    vs = C.get(f"/subjects/kill-{k}/versions").json
    ok(f"...kill-{k}: versions consecutive", vs == list(range(1, len(vs) + 1)), vs)

# ---- PostgreSQL restarted under load ----------------------------------------------------------
stop = threading.Event()
unclean = []
failures = []
successes = [0]


def loader(i):
    n = 0
    while not stop.is_set():
        n += 1
        node = nodes[i % 3]
        try:
            if i % 2:
                r = node.register(f"load-{i}", schema(f"L{i}_{n}"))
            else:
                r = node.get(f"/subjects/many/versions/{1 + n % total}")
        except OSError as e:
            with lock:
                unclean.append(f"node {i % 3}: {e}")
            continue
        with lock:
            if r.status == 200:
                successes[0] += 1
            elif clean_5xx(r):
                failures.append(r.json["error_code"])
            else:
                unclean.append(repr(r))
        time.sleep(0.005)


threads = [threading.Thread(target=loader, args=(i,)) for i in range(6)]
for t in threads:
    t.start()
time.sleep(0.5)
before = successes[0]
pg.halt()  # a fast shutdown: connections dropped
time.sleep(0.5)
down = A.get("/health/ready")
eq("while PostgreSQL is away: /health/ready is 503 DOWN", (down.status, (down.json or {})
                                                          .get("status")), (503, "DOWN"))
r = C.register("away", schema("Away"))
eq("...a registration is a clean 503 / 50003", (r.status, clean_5xx(r),
                                                (r.json or {}).get("error_code")),
   (503, True, 50003))
pg.start_again()
back = wait_until(lambda: all(n.get("/health/ready").status == 200 for n in nodes), limit=30)
ok("PostgreSQL back: every node is ready again by itself", back is not None)
if back is not None:
    print(f"# all nodes ready {back * 1000:.0f} ms after PostgreSQL was back")
time.sleep(0.5)
after = successes[0]
stop.set()
for t in threads:
    t.join()
eq("...under load no answer was anything but 200 or a clean JSON 5xx (no dropped "
   "connection, no crash)", unclean[:5], [])
ok(f"...the load saw failures while it was away ({len(failures)}, codes "
   f"{sorted(set(failures))})", len(failures) > 0 and set(failures) <= {50003, 50002})
ok("...and successes before and after", before > 0 and after > before, (before, after))
eq("...a registration works on every node",
   [n.register("after-restart", schema("After")).status for n in nodes], [200, 200, 200])

for n in nodes:
    n.stop()
eq("the database keeps its promises", nodes[0].integrity_check(), "ok")
finish()

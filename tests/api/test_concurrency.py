"""Concurrent writers (the store serialises them; SQLITE_BUSY must never
surface): 16 threads registering the same new schema get one id and one
version; 16 threads registering different schemas get distinct ids and the
versions 1..16; mixed readers, writers and deletes never see a 500.
"""
import json
import threading

from apiutil import Registry, eq, finish, ok, record

THREADS = 16
ROUNDS = 4
reg = Registry(extra_args=["--threads", str(THREADS)]).start()  # many workers race


def run_all(fn, n=THREADS):
    """Runs fn(i) in n threads released at once; returns their results by i."""
    barrier = threading.Barrier(n)
    out = [None] * n

    def worker(i):
        barrier.wait()
        try:
            out[i] = fn(i)
        except Exception as e:  # a dropped connection is a failure too
            out[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def statuses(results):
    """The distinct answers: HTTP statuses, and the repr of any exception (a dropped
    connection), sorted as text since the two kinds do not compare."""
    return sorted({r.status if hasattr(r, "status") else repr(r) for r in results}, key=str)


all_statuses = set()

# ---- the same schema, at once -------------------------------------------------------------------
for rnd in range(ROUNDS):
    subject = f"same-{rnd}"
    schema = record(f"Same{rnd}", ("a", "int"))
    res = run_all(lambda i: reg.register(subject, schema))
    all_statuses.update(statuses(res))
    eq(f"round {rnd}: 16 identical registrations all succeed", statuses(res), [200])
    ids = {r.json["id"] for r in res if hasattr(r, "json") and r.json}
    eq(f"round {rnd}: ...with one id", len(ids), 1)
    r = reg.get(f"/subjects/{subject}/versions")
    eq(f"round {rnd}: ...and one version", (r.status, r.json), (200, [1]))

# ---- the same schema under 16 subjects ----------------------------------------------------------
schema = record("Shared", ("s", "string"))
res = run_all(lambda i: reg.register(f"shared-{i:02d}", schema))
all_statuses.update(statuses(res))
eq("one schema under 16 subjects at once: all succeed", statuses(res), [200])
eq("...one id for all", len({r.json["id"] for r in res if hasattr(r, "json")}), 1)
r = reg.get(f"/schemas/ids/{res[0].json['id']}/subjects")
eq("...listed under every subject", r.json, [f"shared-{i:02d}" for i in range(THREADS)])

# ---- different schemas, one subject, NONE -------------------------------------------------------
for rnd in range(ROUNDS):
    subject = f"diff-{rnd}"
    reg.request("PUT", f"/config/{subject}", {"compatibility": "NONE"})
    res = run_all(lambda i: reg.register(subject, record(f"D{rnd}x{i}", (f"f{i}", "long"))))
    all_statuses.update(statuses(res))
    eq(f"round {rnd}: 16 different schemas all register", statuses(res), [200])
    ids = [r.json["id"] for r in res if hasattr(r, "json") and r.json]
    eq(f"round {rnd}: ...with 16 distinct ids", len(set(ids)), THREADS)
    r = reg.get(f"/subjects/{subject}/versions")
    eq(f"round {rnd}: ...as versions 1..16", r.json, list(range(1, THREADS + 1)))
    # Every version carries the id its registration answered, and its own schema.
    got = {}
    for v in range(1, THREADS + 1):
        e = reg.get(f"/subjects/{subject}/versions/{v}").json
        got[e["id"]] = json.loads(e["schema"])["name"]
    eq(f"round {rnd}: ...each id on exactly one version with its schema",
       got, {ids[i]: f"D{rnd}x{i}" for i in range(THREADS)})

# ---- compatible additions under BACKWARD --------------------------------------------------------
base = record("Evo", ("id", "long"))
reg.register("evo", base)
res = run_all(lambda i: reg.register("evo", record("Evo", ("id", "long"), (f"x{i}", "int", i))))
all_statuses.update(statuses(res))
eq("16 compatible additions at once (BACKWARD) all register", statuses(res), [200])
eq("...distinct ids", len({r.json["id"] for r in res if hasattr(r, "json")}), THREADS)
eq("...versions 1..17", reg.get("/subjects/evo/versions").json, list(range(1, THREADS + 2)))

# ---- readers, writers and deletes mixed ---------------------------------------------------------
reg.request("PUT", "/config", {"compatibility": "NONE"})


def mixed(i):
    out = []
    subject = f"mix-{i % 4}"
    for k in range(6):
        kind = (i + k) % 4
        if kind == 0:
            out.append(reg.register(subject, record(f"M{i}x{k}", ("m", "int"))))
        elif kind == 1:
            out.append(reg.get(f"/subjects/{subject}/versions/latest"))
        elif kind == 2:
            out.append(reg.request("DELETE", f"/subjects/{subject}/versions/latest"))
        else:
            out.append(reg.get("/subjects"))
    return out


res = run_all(mixed)
flat = [x for r in res for x in (r if isinstance(r, list) else [r])]
st = statuses(flat)
all_statuses.update(st)
ok("mixed traffic answers only 200 and expected 404s", set(st) <= {200, 404}, st)
not_json = [x for x in flat if not hasattr(x, "json") or x.json is None]
ok("...every answer is JSON", not not_json, not_json[:3])
# Every mix-N subject had registrations and only soft deletes, so with deleted=true it lists
# all its versions: at least one, numbered 1..n without a gap.
for s in range(4):
    r = reg.get(f"/subjects/mix-{s}/versions?deleted=true")
    vs = r.json if r.status == 200 and isinstance(r.json, list) else None
    ok(f"mix-{s}: versions stay consecutive from 1",
       vs is not None and len(vs) > 0 and vs == list(range(1, len(vs) + 1)), r)

ok("no 5xx anywhere", not any(isinstance(s, int) and s >= 500 for s in all_statuses),
   sorted(all_statuses, key=str))
ok("no SQLITE_BUSY or 'locked' in the log", "BUSY" not in reg.log() and "locked" not in reg.log(),
   reg.log()[-2000:])

reg.stop()
finish()

"""Crash consistency: clients register new schemas while the server is killed
with SIGKILL at random moments, again and again, on one database file. After
every cycle each acknowledged registration is there with its schema under
its subject, no id was given to two different schemas, and at the end the
database passes its integrity check (harness.Registry.integrity_check).

CRASH_CYCLES sets the number of cycles (20 under make test; make soak runs 200).
"""
import json
import os
import random
import signal
import threading
import time

from apiutil import Registry, eq, finish, ok

CYCLES = int(os.environ.get("CRASH_CYCLES", "20"))
CLIENTS = 4
rng = random.Random(int(os.environ.get("CRASH_SEED", "7")))

reg = Registry(extra_args=["--threads", "4"])
acked = {}  # id -> (schema text, subject)
problems = []
lock = threading.Lock()
counter = [0]


def client(stop):
    while not stop.is_set():
        with lock:
            n = counter[0]
            counter[0] += 1
        subject = f"crash-{n % 7}"
        # Written as the registry's canonical text, so that answers compare as text.
        schema = json.dumps({"type": "record", "name": f"C{n}",
                             "fields": [{"name": "f", "type": "int"}]}, separators=(",", ":"))
        try:
            # NONE: every schema of a subject is acceptable, so each one is a new version.
            r = reg.register(subject, schema)
        except OSError:
            continue  # killed before it answered: not acknowledged
        if r.status != 200:
            continue
        got = r.json["id"]
        with lock:
            if got in acked and acked[got][0] != schema:
                problems.append(f"id {got} given to two schemas")
            acked.setdefault(got, (schema, subject))


for cycle in range(CYCLES):
    reg.start()
    if cycle == 0:
        reg.request("PUT", "/config", {"compatibility": "NONE"})
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(stop,)) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(0.05, 0.4))
    reg.proc.send_signal(signal.SIGKILL)
    reg.proc.wait()
    reg.proc = None
    reg.stderr.close()
    stop.set()
    for t in threads:
        t.join()

reg.start()
missing = []
for sid, (schema, subject) in sorted(acked.items()):
    r = reg.get(f"/schemas/ids/{sid}")
    if r.status != 200 or r.json.get("schema") != schema:
        missing.append(sid)
        continue
    versions = reg.get(f"/schemas/ids/{sid}/versions").json or []
    if not any(v["subject"] == subject for v in versions):
        missing.append(sid)
ok(f"{CYCLES} SIGKILL cycles: {len(acked)} acknowledged registrations", len(acked) > CYCLES,
   f"only {len(acked)}")
eq("every acknowledged registration is there with its schema and subject", missing, [])
eq("no id was given to two schemas", problems, [])
subjects = reg.get("/subjects").json
half = []
for s in subjects:
    vs = reg.get(f"/subjects/{s}/versions").json
    ok(f"{s}: versions are distinct and ascending", vs == sorted(set(vs)), vs)
    for v in vs:  # acknowledged or not, whatever is there is whole
        r = reg.get(f"/subjects/{s}/versions/{v}")
        if r.status != 200 or reg.get(f"/schemas/ids/{r.json['id']}").status != 200:
            half.append(f"{s}/{v}")
eq("nothing is half there: every version has its schema", half, [])
reg.stop()
eq("the database passes integrity_check", reg.integrity_check(), "ok")
finish()

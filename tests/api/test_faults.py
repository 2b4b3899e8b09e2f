"""A failing disk, as the registry meets it: the SQLite file on a small tmpfs
that fills up. Every failure is a clean JSON 5xx whose
message names no internals and carries a request id the log repeats with the
detail; /health/ready says DOWN with the reason while it lasts and UP when it
is over; nothing acknowledged is lost, and the file passes integrity_check.

Mounting needs root: run otherwise, the suite prints why it did not run and
checks nothing (it never reports a pass it did not test). It is about the
embedded SQLite store only.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from apiutil import Registry, eq, finish, ok, record

if os.geteuid() != 0:
    print("# test_faults: not run: mounting a small tmpfs needs root")
    sys.exit(0)
if os.environ.get("AVRO_REGISTRY_TEST_BACKEND", "sqlite") != "sqlite":
    print("# test_faults: not run: it exercises the SQLite file on a failing disk")
    sys.exit(0)

top = tempfile.mkdtemp(prefix="avroreg-faults-")
mnt = os.path.join(top, "mnt")
os.mkdir(mnt)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt], check=True)


reg = None
try:
    reg = Registry(db_dir=mnt)
    reg.stderr_path = os.path.join(top, "server.log")  # not on the disk that fills up
    reg.start()
    acked = {}  # id -> schema text, for every registration answered 200

    def register(i):
        schema = record(f"R{i}", ("a", "int"), ("pad", "string", "x" * 2000))
        r = reg.register(f"s{i}", schema)
        if r.status == 200:
            acked[r.json["id"]] = schema
        return r

    for i in range(20):
        register(i)
    eq("20 registrations before the disk fills", len(acked), 20)

    # Fill the disk.
    filler = os.path.join(mnt, "filler")
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * (1 << 20))
                f.flush()
        except OSError:
            pass
    ready = reg.get("/health/ready")
    eq("readiness is DOWN when the disk is full", (ready.status, ready.json.get("status")),
       (503, "DOWN"))
    ok("...and says why", "full" in ready.json.get("reason", ""), ready.raw)
    live = reg.get("/health/live")
    eq("liveness stays UP", (live.status, live.json), (200, {"status": "UP"}))

    failure = None
    for i in range(20, 80):
        r = register(i)
        if r.status != 200:
            failure = r
            break
    ok("a registration on a full disk fails", failure is not None, f"acked {len(acked)}")
    if failure is not None:
        body = failure.json or {}
        eq("...with a clean JSON 503 / 50003", (failure.status, sorted(body),
                                                 body.get("error_code")),
           (503, ["error_code", "message"], 50003))
        msg = body.get("message", "")
        m = re.search(r"request id ([0-9a-f]{16})", msg)
        ok("...carrying a request id", m is not None, msg)
        ok("...and no internals (no statement, no SQLite text, no path)",
           not re.search(r"SQ_|sqlite|/", msg), msg)
        if m:
            lines = [ln for ln in reg.log().splitlines() if m.group(1) in ln]
            ok("the log has that request once, at ERROR, with the cause",
               len(lines) == 1 and "error" in lines[0].lower() and "full" in lines[0],
               "\n".join(lines) + "\n---\n" + reg.log()[-2000:])
    r = reg.get("/schemas/ids/1")
    eq("reads still answer", r.status, 200)

    os.unlink(filler)
    ready = reg.get("/health/ready")
    eq("readiness is UP again once space returns", (ready.status, ready.json), (200,
                                                                              {"status": "UP"}))
    r = register(100)
    eq("...and registrations work again", r.status, 200)

    lost = [i for i, text in acked.items()
            if reg.get(f"/schemas/ids/{i}").json.get("schema") is None]
    eq(f"all {len(acked)} acknowledged registrations are there", lost, [])
    reg.stop()
    reg = None
    check = subprocess.run(["sqlite3", os.path.join(mnt, "registry.db"),
                            "PRAGMA integrity_check"], capture_output=True, text=True)
    eq("the database passes integrity_check", check.stdout.strip(), "ok")
finally:
    if reg is not None:
        reg.cleanup()
    subprocess.run(["umount", "-l", mnt], check=False)
    os.rmdir(mnt)
    shutil.rmtree(top, ignore_errors=True)
finish()

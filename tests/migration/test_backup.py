"""avroreg backup while 8 clients keep registering: the copy opens, passes
PRAGMA integrity_check, and a server started on it (the restore) holds every
registration acknowledged before the backup began.
"""
import http.client
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time

from migutil import Registry, avroreg, eq, finish, ok  # noqa: F401

CLIENTS = 8


def writer(reg, n, stop, acked, errors):
    """Registers a new schema under a new subject, again and again; records
    (time acknowledged, subject, id) for each 200 answer."""
    conn = http.client.HTTPConnection("127.0.0.1", reg.port, timeout=30)
    i = 0
    while not stop.is_set():
        subject = f"c{n}-{i:06d}"
        schema = json.dumps({"type": "record", "name": f"R{n}x{i}",
                             "fields": [{"name": "f", "type": "int"}]})
        try:
            conn.request("POST", f"/subjects/{subject}/versions", json.dumps({"schema": schema}),
                         {"Content-Type": "application/vnd.schemaregistry.v1+json"})
            resp = conn.getresponse()
            body = resp.read()
        except OSError as e:
            errors.append(repr(e))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", reg.port, timeout=30)
            continue
        if resp.status == 200:
            acked.append((time.monotonic(), subject, json.loads(body)["id"]))
        else:
            errors.append(f"{resp.status} {body[:200]!r}")
        i += 1
    conn.close()


def main():
    tmp = tempfile.mkdtemp(prefix="avroreg-backup-")
    reg = Registry().start()
    stop = threading.Event()
    acked, errors = [], []
    threads = [threading.Thread(target=writer, args=(reg, n, stop, acked, errors))
               for n in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    copy = os.path.join(tmp, "copy.db")
    began = time.monotonic()
    r = avroreg("backup", "--db", reg.db, "--to", copy)
    time.sleep(0.3)  # the writers go on after the backup, too
    stop.set()
    for t in threads:
        t.join()
    before = [a for a in acked if a[0] < began]
    ok("the backup runs while 8 clients register (exit 0)",
       r.rc == 0 and r.clean() and "integrity_check ok" in r.err, r)
    ok("the clients were registering before, during and after it",
       len(before) > 50 and len(acked) > len(before) and not errors,
       f"{len(before)} before, {len(acked)} in all, errors: {errors[:3]}")
    ok("the copy is one file, with nothing left beside it",
       sorted(os.listdir(tmp)) == ["copy.db"], os.listdir(tmp))
    db = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    eq("the copy opens and passes PRAGMA integrity_check", db.execute(
        "PRAGMA integrity_check").fetchall(), [("ok",)])
    db.close()

    restore_dir = tempfile.mkdtemp(prefix="avroreg-restore-")
    shutil.copy(copy, os.path.join(restore_dir, "registry.db"))
    restored = Registry(db_dir=restore_dir).start()
    missing = []
    for _, subject, sid in before:
        got = restored.get(f"/subjects/{subject}/versions/1")
        if got.status != 200 or got.json.get("id") != sid:
            missing.append((subject, sid, got.status))
    ok(f"a server started on the copy holds every registration acknowledged before the backup "
       f"began ({len(before)})", not missing, missing[:10])
    total = len(restored.get("/subjects").json)
    ok("... and nothing that was never acknowledged", total <= len(acked) + CLIENTS,
       f"{total} subjects, {len(acked)} acknowledged")
    restored.stop()
    reg.stop()

    r = avroreg("backup", "--db", os.path.join(tmp, "nope.db"), "--to", os.path.join(tmp, "x.db"))
    ok("a database that is not there is an I/O error (exit 2) and creates nothing",
       r.rc == 2 and "nope.db" in r.err and not os.path.exists(os.path.join(tmp, "nope.db")) and
       not os.path.exists(os.path.join(tmp, "x.db")), r)
    r = avroreg("backup", "--db", "postgresql://localhost/registry", "--to", copy)
    ok("a PostgreSQL URL points to pg_dump (exit 2)", r.rc == 2 and "pg_dump" in r.err, r)
    r = avroreg("backup", "--db", reg.db)
    ok("backup without --to is a usage error (exit 2)", r.rc == 2 and "usage:" in r.out, r)
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(restore_dir, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()

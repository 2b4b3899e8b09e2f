"""avroreg copy moves an embedded SQLite registry onto PostgreSQL (and back):
every read a client can make answers the same afterwards, byte for byte:
ids, versions, soft deletes, references, contexts, config and mode, the id
high-water mark, so that an id whose schema was deleted for good is not
handed out again. A target that already holds a registry is refused, and a
missing source is an error (not an empty copy).
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from apiutil import Registry, eq, finish, ok, record, reg_id  # noqa: E402
import pgserver  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
AVROREG = os.environ.get("AVROREG", os.path.join(ROOT, "bin", "avroreg"))
work = tempfile.mkdtemp(prefix="avroreg-copy-")
sqlite_db = os.path.join(work, "registry.db")
pg = pgserver.shared()


def copy(src, dst):
    return subprocess.run([AVROREG, "copy", "--from", src, "--to", dst], capture_output=True,
                          text=True, timeout=300)


PATHS = ["/subjects", "/subjects?deleted=true", "/schemas?deleted=true", "/config", "/mode",
         "/config/s1", "/mode/s2", "/subjects/s1/versions?deleted=true",
         "/subjects/s1/versions/latest", "/subjects/s1/versions/2?deleted=true",
         "/subjects/s2/versions/1", "/subjects/s3/versions?deleted=true", "/schemas/ids/1",
         "/schemas/ids/2", "/schemas/ids/3", "/schemas/ids/4", "/schemas/ids/5", "/schemas/ids/6",
         "/schemas/ids/1/versions?deleted=true", "/subjects/s1/versions/1/referencedby",
         "/schemas/ids/1?fetchMaxId=true", "/subjects/:.team:t/versions",
         "/schemas/ids/1?subject=:.team:t", "/contexts"]


def snapshot(reg):
    out = {}
    for p in PATHS:
        r = reg.get(p)
        out[p] = (r.status, r.raw)
    return out


try:
    src = Registry(db_dir=work, db=sqlite_db).start()
    A = record("A", ("a", "int"))
    eq("s1 v1", reg_id("s1 v1", src, "s1", A), 1)
    eq("s1 v2", reg_id("s1 v2", src, "s1", record("A", ("a", "int"), ("b", "int", 1))), 2)
    eq("s2 v1 shares id 1", reg_id("s2", src, "s2", A), 1)
    eq("s3 v1", reg_id("s3", src, "s3", record("C", ("c", "string"))), 3)
    eq("s4 references s1 v1", reg_id("s4", src, "s4", record("D", ("d", "A")), references=[
        {"name": "A", "subject": "s1", "version": 1}]), 4)
    eq("a subject in context .team", reg_id("team", src, ":.team:t", record("T", ("t", "int"))), 5)
    eq("s6 (id 6), then deleted for good", reg_id("s6", src, "s6", record("E", ("e", "int"))), 6)
    src.request("DELETE", "/subjects/s6")
    src.request("DELETE", "/subjects/s6?permanent=true")
    src.request("DELETE", "/subjects/s1/versions/2")
    src.request("DELETE", "/subjects/s3")
    src.request("PUT", "/config/s1", {"compatibility": "NONE"})
    src.request("PUT", "/mode/s2", {"mode": "READONLY"})
    src.request("PUT", "/config", {"compatibility": "FULL"})
    before = snapshot(src)
    eq("sanity: id 6 is gone, the high-water mark is 6",
       (before["/schemas/ids/6"][0], '"maxId":6' in before["/schemas/ids/1?fetchMaxId=true"][1]),
       (404, True))
    src.stop()

    target = pg.create_database()
    out = copy(f"sqlite:{sqlite_db}", target)
    eq("avroreg copy sqlite: -> postgresql:// exits 0", (out.returncode, out.stderr), (0, ""))
    eq("...and says what it copied", out.stdout.strip(),
       "copied 5 schemas, 6 versions (2 soft-deleted) of 5 subjects, and their config and mode")

    dst = Registry(db=target).start()
    after = snapshot(dst)
    for p in PATHS:
        eq(f"on PostgreSQL as on SQLite: GET {p}", after[p], before[p])
    eq("a new schema gets id 7: the deleted id 6 is not handed out again",
       reg_id("new", dst, "s7", record("F", ("f", "int"))), 7)
    dst.stop()

    out = copy(f"sqlite:{sqlite_db}", target)
    eq("copying into a database that holds a registry is refused (exit 2)", out.returncode, 2)
    ok("...saying so", "already holds a registry" in out.stderr, out.stderr)
    out = copy(os.path.join(work, "missing.db"), pg.create_database())
    eq("a missing source file is an error (exit 2), not an empty copy", out.returncode, 2)
    ok("...naming it", "missing.db" in out.stderr, out.stderr)
    ok("...and no file was made", not os.path.exists(os.path.join(work, "missing.db")))

    # And back: PostgreSQL to a new SQLite file gives the same answers again.
    back_db = os.path.join(work, "back.db")
    out = copy(target, back_db)
    eq("avroreg copy postgresql:// -> a SQLite path exits 0", (out.returncode, out.stderr),
       (0, ""))
    back = Registry(db=back_db).start()
    eq("...and it answers as the PostgreSQL copy", snapshot(back)["/subjects?deleted=true"],
       (200, '[":.team:t","s1","s2","s3","s4","s7"]'))
    eq("...with the ids the PostgreSQL registry had handed out",
       reg_id("next", back, "s8", record("G", ("g", "int"))), 8)
    back.stop()
finally:
    shutil.rmtree(work, ignore_errors=True)
finish()

"""avroreg copy moves an embedded SQLite registry onto PostgreSQL (and back):

- every read a client can make answers the same afterwards, byte for byte
  (ids, versions, soft deletes, references, metadata, config and mode, of
  subjects with versions and without), and the tables hold the same rows
  (GUIDs and registration times included);
- the ids go on as the source's would: an id whose schema was deleted for
  good is not handed out again, nor an imported one above the counter;
- the copy is all or nothing: a write that fails half way leaves the target
  empty, and the same copy succeeds once the cause is gone;
- refused with exit 2 and a message that says why: a target that holds a
  registry (settings alone count), a missing source (no file is made), a
  SQLite source a server holds, a target that cannot be reached (the
  password never shown), bad usage.
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
MANY = 30  # schemas of the bulk subjects, beside the hand-made ones


def copy(*args):
    return subprocess.run([AVROREG, "copy", *args], capture_output=True, text=True, timeout=300)


PATHS = ["/subjects", "/subjects?deleted=true", "/schemas?deleted=true", "/config", "/mode",
         "/config/s1", "/mode/s2", "/config/future", "/mode/frozen", "/mode/imp",
         "/subjects/s1/versions?deleted=true", "/subjects/s1/versions/latest",
         "/subjects/s1/versions/2?deleted=true", "/subjects/s2/versions/1",
         "/subjects/s3/versions?deleted=true", "/schemas/ids/1", "/schemas/ids/2",
         "/schemas/ids/3", "/schemas/ids/4", "/schemas/ids/5", "/schemas/ids/6",
         "/schemas/ids/8", "/schemas/ids/9", "/subjects/meta/versions/1",
         "/schemas/ids/1/versions?deleted=true", "/subjects/s1/versions/1/referencedby",
         "/schemas/ids/1?fetchMaxId=true", "/subjects/:.team:t/versions",
         "/schemas/ids/1?subject=:.team:t", "/contexts", "/subjects/bulk-3/versions"]

# Every row of the registry's tables, as text the two databases print alike
# (NULL as "", booleans as 0/1). used_ids and contexts differ by design (the
# copy marks what it must, not every id reserved below the counter): their
# effect is checked through the next ids handed out.
TABLES = {
    "schemas": "SELECT context, id, coalesce(schema_type, ''), schema, coalesce(refs, ''),"
               " coalesce(metadata, ''), coalesce(ruleset, ''), guid FROM schemas"
               " ORDER BY context, id",
    "versions": "SELECT subject, version, context, schema_id, CASE WHEN deleted THEN 1 ELSE 0 END,"
                " ts FROM versions ORDER BY subject, version",
    "refs": "SELECT context, schema_id, name, subject, version FROM refs"
            " ORDER BY context, schema_id, name",
    "config": "SELECT subject, coalesce(compatibility, ''), coalesce(CASE WHEN normalize THEN 1"
              " WHEN NOT normalize THEN 0 END, -1), coalesce(extra, '') FROM config ORDER BY subject",
    "mode": "SELECT subject, mode FROM mode ORDER BY subject",
}


def rows(db):
    """The TABLES of a SQLite path or a PostgreSQL URL."""
    out = {}
    for name, sql in TABLES.items():
        if db.startswith("postgresql:"):
            out[name] = pg.psql(sql, url=db)
        else:
            # SQLite orders text by bytes, as the PostgreSQL tables (COLLATE "C").
            got = subprocess.run(["sqlite3", "-separator", "\t", db, sql], capture_output=True,
                                 text=True, check=True)
            out[name] = [line.split("\t") for line in got.stdout.splitlines()]
    return out


def snapshot(reg):
    return {p: (r.status, r.raw) for p in PATHS for r in [reg.get(p)]}


def make_source():
    """The registry to copy, on SQLite: answers GET PATHS as it stood."""
    src = Registry(db_dir=work, db=sqlite_db).start()
    A = record("A", ("a", "int"))
    eq("s1 v1", reg_id("s1 v1", src, "s1", A), 1)
    eq("s1 v2", reg_id("s1 v2", src, "s1", record("A", ("a", "int"), ("b", "int", 1))), 2)
    eq("s2 v1 shares id 1", reg_id("s2", src, "s2", A), 1)
    eq("s3 v1", reg_id("s3", src, "s3", record("C", ("c", "string"))), 3)
    eq("s4 references s1 v1", reg_id("s4", src, "s4", record("D", ("d", "A")), references=[
        {"name": "A", "subject": "s1", "version": 1}]), 4)
    # A qualified subject lives in its context, which numbers its own ids.
    eq("a subject in context .team (the context's first id)",
       reg_id("team", src, ":.team:t", record("T", ("t", "int"))), 1)
    eq("s6 (id 5), then deleted for good", reg_id("s6", src, "s6", record("E", ("e", "int"))), 5)
    src.request("DELETE", "/subjects/s6")
    src.request("DELETE", "/subjects/s6?permanent=true")
    src.request("DELETE", "/subjects/s1/versions/2")
    src.request("DELETE", "/subjects/s3")
    # IMPORT: id 9 kept, id 8 deleted for good; both above the counter (5).
    for subject in ("imp", "gone"):
        src.request("PUT", f"/mode/{subject}", {"mode": "IMPORT"})
    eq("IMPORT of id 9", reg_id("imp", src, "imp", record("I", ("i", "int")), id=9), 9)
    eq("IMPORT of id 8", reg_id("gone", src, "gone", record("G", ("g", "int")), id=8), 8)
    src.request("DELETE", "/mode/gone")
    src.request("DELETE", "/subjects/gone")
    eq("...then id 8 deleted for good",
       src.request("DELETE", "/subjects/gone?permanent=true").status, 200)
    src.request("PUT", "/config/meta", {"compatibility": "NONE"})
    meta = {"properties": {"owner": "data-team", "pii": "false"}}
    rules = {"domainRules": [{"name": "check", "kind": "CONDITION", "type": "CEL",
                              "mode": "WRITE", "expr": "message.m > 0"}]}
    eq("with metadata and a rule set", reg_id("meta", src, "meta", record("M", ("m", "int")),
                                              metadata=meta, ruleSet=rules), 6)
    src.request("PUT", "/config", {"compatibility": "NONE"})
    for i in range(MANY):
        if reg_id(f"bulk {i}", src, f"bulk-{i % 6}", record(f"B{i}", ("b", "int"))) is None:
            break
    src.request("DELETE", "/subjects/bulk-3/versions/2")
    src.request("PUT", "/config/s1", {"compatibility": "NONE"})
    src.request("PUT", "/mode/s2", {"mode": "READONLY"})
    src.request("PUT", "/config/future", {"compatibility": "FORWARD", "normalize": True})
    src.request("PUT", "/mode/frozen", {"mode": "READONLY"})
    src.request("PUT", "/config", {"compatibility": "FULL"})
    before = snapshot(src)
    # bulk ids: 7, then 10 on (8 and 9 were used by IMPORT)
    eq("sanity: ids 5 and 8 are gone, the high-water mark is that of the last bulk schema",
       (before["/schemas/ids/5"][0], before["/schemas/ids/8"][0],
        f'"maxId":{8 + MANY}' in before["/schemas/ids/1?fetchMaxId=true"][1]), (404, 404, True))
    eq("sanity: the subjects without versions have their settings",
       (before["/config/future"][0], before["/mode/frozen"][0]), (200, 200))
    src.stop()
    return before


def empty(url):
    """Whether the registry tables of url hold nothing at all."""
    counts = pg.psql("SELECT (SELECT count(*) FROM schemas) + (SELECT count(*) FROM versions)"
                     " + (SELECT count(*) FROM refs) + (SELECT count(*) FROM config)"
                     " + (SELECT count(*) FROM mode) + (SELECT count(*) FROM used_ids)"
                     " + (SELECT coalesce(sum(max_id), 0) FROM contexts)", url=url)
    return counts == [["0"]]


try:
    before = make_source()

    # ---- SQLite to PostgreSQL ------------------------------------------------------------
    target = pg.create_database()
    out = copy("--from", f"sqlite:{sqlite_db}", "--to", target)
    eq("avroreg copy sqlite: -> postgresql:// exits 0", (out.returncode, out.stderr), (0, ""))
    eq("...and says what it copied", out.stdout.strip(),
       f"copied {7 + MANY} schemas, {8 + MANY} versions (3 soft-deleted) of 13 subjects, "
       "4 configs and 3 modes (the global ones included)")
    source_rows = rows(sqlite_db)
    target_rows = rows(target)
    for table in TABLES:
        eq(f"table {table}: the same rows on PostgreSQL as on SQLite ({len(source_rows[table])})",
           target_rows[table], source_rows[table])
    ok("...registration times included", all(int(r[5]) > 0 for r in target_rows["versions"]))

    dst = Registry(db=target).start()
    after = snapshot(dst)
    for p in PATHS:
        eq(f"on PostgreSQL as on SQLite: GET {p}", after[p], before[p])
    eq("a new schema gets the next id after the counter",
       reg_id("new", dst, "s7", record("F", ("f", "int"))), 9 + MANY)
    dst.stop()

    out = copy("--from", f"sqlite:{sqlite_db}", "--to", target)
    eq("copying into a database that holds a registry is refused (exit 2)", out.returncode, 2)
    ok("...saying so", "already holds a registry" in out.stderr, out.stderr)

    # ---- ids above the counter: imported, deleted or not ---------------------------------
    # A small source whose counter (2) is below an imported id that stays (5)
    # and one deleted for good (4): the copy hands out 3, then 6, as the
    # source itself would.
    small_db = os.path.join(work, "small.db")
    small = Registry(db_dir=work, db=small_db).start()
    small.request("PUT", "/config", {"compatibility": "NONE"})
    reg_id("small 1", small, "a", record("A1", ("a", "int")))
    reg_id("small 2", small, "a", record("A2", ("a", "int")))
    for subject in ("kept", "dropped"):
        small.request("PUT", f"/mode/{subject}", {"mode": "IMPORT"})
    reg_id("import 5", small, "kept", record("K", ("k", "int")), id=5)
    reg_id("import 4", small, "dropped", record("D", ("d", "int")), id=4)
    small.request("DELETE", "/mode/dropped")
    small.request("DELETE", "/subjects/dropped")
    small.request("DELETE", "/subjects/dropped?permanent=true")
    small.stop()
    small_pg = pg.create_database()
    out = copy("--from", small_db, "--to", small_pg)
    eq("a bare SQLite path as the source", (out.returncode, out.stderr), (0, ""))
    node = Registry(db=small_pg).start()
    eq("the copy hands out the counter's next id first (3)",
       reg_id("next", node, "a", record("A3", ("a", "int"))), 3)
    eq("...then skips the imported ids, the deleted one too (6)",
       reg_id("after", node, "a", record("A4", ("a", "int"))), 6)
    node.stop()
    source = Registry(db_dir=work, db=small_db).start()
    eq("(as the source itself does: 3, then 6)",
       [reg_id("src next", source, "a", record("A3", ("a", "int"))),
        reg_id("src after", source, "a", record("A4", ("a", "int")))], [3, 6])
    source.stop()

    # ---- all or nothing --------------------------------------------------------------------
    def tables(url):
        """Makes the registry's tables in an empty database, as a first node
        would: copying the (empty) database out opens it, which migrates it."""
        out = copy("--from", url, "--to", os.path.join(work, f"empty-{len(os.listdir(work))}.db"))
        eq("copying an empty registry out works (and makes its tables)",
           (out.returncode, out.stdout.strip()), (0, "copied 0 schemas, 0 versions (0 "
                                                     "soft-deleted) of 0 subjects, 0 configs "
                                                     "and 0 modes (the global ones included)"))

    failing = pg.create_database()
    tables(failing)
    pg.psql("CREATE FUNCTION refuse_s4() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF NEW.subject = 's4' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF;"
            " RETURN NEW; END $$;"
            " CREATE TRIGGER refuse_s4 BEFORE INSERT ON versions FOR EACH ROW"
            " EXECUTE FUNCTION refuse_s4()", url=failing)
    out = copy("--from", sqlite_db, "--to", failing)
    eq("a write that fails half way: exit 2", out.returncode, 2)
    ok("...saying nothing was kept, and why",
       "nothing was kept" in out.stderr and "refused by a test trigger" in out.stderr, out.stderr)
    ok("...and the target holds nothing (no schema, version, setting or id)", empty(failing))
    pg.psql("DROP TRIGGER refuse_s4 ON versions", url=failing)
    out = copy("--from", sqlite_db, "--to", failing)
    eq("...the same copy succeeds once the cause is gone", (out.returncode, out.stderr), (0, ""))
    eq("...with every row", rows(failing), source_rows)

    # ---- refusals --------------------------------------------------------------------------
    configured = pg.create_database()
    tables(configured)
    pg.psql("INSERT INTO config (subject, compatibility) VALUES ('x', 'NONE')", url=configured)
    out = copy("--from", sqlite_db, "--to", configured)
    eq("a target holding settings only is not empty either (exit 2)", out.returncode, 2)
    ok("...saying so", "already holds a registry" in out.stderr, out.stderr)
    eq("...and its setting is as it was", pg.psql("SELECT subject FROM config", url=configured),
       [["x"]])

    out = copy("--from", os.path.join(work, "missing.db"), "--to", pg.create_database())
    eq("a missing source file is an error (exit 2), not an empty copy", out.returncode, 2)
    ok("...naming it", "missing.db" in out.stderr, out.stderr)
    ok("...and no file was made", not os.path.exists(os.path.join(work, "missing.db")))

    held = Registry(db_dir=work, db=sqlite_db).start()
    out = copy("--from", sqlite_db, "--to", pg.create_database())
    eq("a SQLite source a running server holds is refused (exit 2)", out.returncode, 2)
    ok("...saying the file is in use", "opening the source" in out.stderr and
       ("in use" in out.stderr or "another" in out.stderr), out.stderr)
    eq("...and the server keeps serving", held.get("/subjects/s1/versions").raw, "[1]")
    held.stop()

    out = copy("--from", sqlite_db, "--to", "postgresql://avroreg:s3cret@127.0.0.1:1/registry")
    eq("a target that cannot be reached: exit 2", out.returncode, 2)
    ok("...naming it, without its password",
       "127.0.0.1:1/registry" in out.stderr and "s3cret" not in out.stderr, out.stderr)

    for args in (["--from", sqlite_db], ["--to", target], ["--from", sqlite_db, "--to", target,
                                                          "extra"], ["--bogus"]):
        out = copy(*args)
        ok(f"usage error {' '.join(os.path.basename(a) for a in args)}: exit 2 and the usage",
           out.returncode == 2 and "usage: avroreg copy" in out.stdout + out.stderr,
           (out.returncode, out.stdout, out.stderr))

    # ---- and back: PostgreSQL to a new SQLite file -----------------------------------------
    back_db = os.path.join(work, "back.db")
    out = copy("--from", target, "--to", back_db)
    eq("avroreg copy postgresql:// -> a SQLite path exits 0", (out.returncode, out.stderr),
       (0, ""))
    eq("...with every row the PostgreSQL registry has", rows(back_db), rows(target))
    back = Registry(db=back_db).start()
    eq("...and the ids it had handed out", reg_id("next", back, "s8", record("G", ("g", "int"))),
       10 + MANY)
    back.stop()
finally:
    shutil.rmtree(work, ignore_errors=True)
finish()

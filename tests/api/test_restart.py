"""Durability across restarts: everything registered, deleted and configured
is still there after the server stops and starts again on the same database,
and new ids continue above every id ever handed out, also when the highest
one was permanently deleted before the restart (§5.1 step 6).
"""
import shutil
import tempfile

from apiutil import Registry, eq, expect_json, finish, record, reg_id

work = tempfile.mkdtemp(prefix="avroreg-restart-")


def snapshot(reg):
    """Every read that the restart must not change."""
    paths = ["/subjects", "/subjects?deleted=true", "/schemas?deleted=true", "/config", "/mode",
             "/config/s1", "/mode/s2", "/subjects/s1/versions?deleted=true",
             "/subjects/s1/versions/latest", "/subjects/s2/versions/1",
             "/subjects/s3/versions?deleted=true", "/schemas/ids/1", "/schemas/ids/2",
             "/schemas/ids/3", "/schemas/ids/1/versions?deleted=true",
             "/subjects/s1/versions/1/referencedby", "/schemas/ids/4"]
    out = {}
    for p in paths:
        r = reg.get(p)
        out[p] = (r.status, r.raw)
    return out


try:
    reg = Registry(db_dir=work).start()
    A = record("A", ("a", "int"))
    B = record("A", ("a", "int"), ("b", "int", 1))
    C = record("C", ("c", "string"))
    eq("s1 v1", reg_id("s1 v1", reg, "s1", A), 1)
    eq("s1 v2", reg_id("s1 v2", reg, "s1", B), 2)
    eq("s2 v1 shares id 1", reg_id("s2 v1", reg, "s2", A), 1)
    eq("s3 v1", reg_id("s3 v1", reg, "s3", C), 3)
    eq("s4 references s1 v1", reg_id("s4", reg, "s4", record("D", ("d", "A")), references=[
        {"name": "A", "subject": "s1", "version": 1}]), 4)
    reg.request("DELETE", "/subjects/s1/versions/2")
    reg.request("DELETE", "/subjects/s3")
    reg.request("PUT", "/config", {"compatibility": "FULL"})
    reg.request("PUT", "/config/s1", {"compatibility": "NONE"})
    reg.request("PUT", "/mode/s2", {"mode": "READONLY"})
    before = snapshot(reg)
    reg.stop()

    reg = Registry(db_dir=work).start()
    after = snapshot(reg)
    for path in before:
        eq(f"after a restart: GET {path}", after[path], before[path])
    eq("sanity: the snapshot holds data", before["/subjects?deleted=true"],
       (200, '["s1","s2","s3","s4"]'))

    eq("a new schema after the restart gets the next id",
       reg_id("register after restart", reg, "s5", record("E", ("e", "long"))), 5)
    expect_json("soft-deleted version numbers are still reserved",
                reg.register("s1", record("A", ("a", "int"), ("z", "int", 2))), {"id": 6})
    expect_json("...s1 continues at 3", reg.get("/subjects/s1/versions?deleted=true"), [1, 2, 3])
    expect_json("the READONLY subject mode survived",
                reg.register("s2", record("A", ("a", "int"), ("q", "int", 2))),
                {"error_code": 42205, "message": "Subject s2 is in read-only mode"}, status=422)

    # Permanently delete the highest id, then restart: the id is not handed out again.
    eq("s7 gets id 7", reg_id("s7", reg, "s7", record("H", ("h", "int"))), 7)
    reg.request("DELETE", "/subjects/s7")
    expect_json("permanently delete s7", reg.request("DELETE", "/subjects/s7?permanent=true"), [1])
    expect_json("id 7 is gone", reg.get("/schemas/ids/7"),
                {"error_code": 40403, "message": "Schema 7 not found"}, status=404)
    expect_json("fetchMaxId still reports the high-water mark",
                reg.get("/schemas/ids/1?fetchMaxId=true"),
                {"schema": '{"type":"record","name":"A","fields":[{"name":"a","type":"int"}]}',
                 "maxId": 7})
    reg.stop()

    reg = Registry(db_dir=work).start()
    eq("after the restart the next id is 8, not the deleted 7",
       reg_id("register after the second restart", reg, "s8", record("I", ("i", "int"))), 8)
    eq("re-registering the deleted schema gets a fresh id too",
       reg_id("re-register s7's schema", reg, "s7", record("H", ("h", "int"))), 9)
    expect_json("...as version 1 of s7 again", reg.get("/subjects/s7/versions"), [1])
    expect_json("the data from the first run is intact", reg.get("/subjects?deleted=true"),
                ["s1", "s2", "s3", "s4", "s5", "s7", "s8"])
    reg.stop()
finally:
    shutil.rmtree(work, ignore_errors=True)
finish()

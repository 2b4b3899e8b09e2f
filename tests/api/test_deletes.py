"""Soft and permanent deletes (Confluent §3.2, §3.3, §5.2) with the exact
40401-40407 answers, deleted / deletedOnly listings, latest skipping
soft-deleted versions, and version numbering after deletes (§5.1 steps 5, 7).

Endpoints: DELETE /subjects/{s}, DELETE /subjects/{s}/versions/{v}, plus the
reads they affect.
"""
from apiutil import (INVALID_VERSION, SUBJECT_NOT_FOUND, SUBJECT_NOT_SOFT_DELETED,
                     SUBJECT_SOFT_DELETED, VERSION_NOT_FOUND, VERSION_NOT_SOFT_DELETED,
                     VERSION_SOFT_DELETED, Registry, canon, entity, eq, expect_error, expect_json,
                     finish, record, reg_id)

reg = Registry().start()


def delete(path):
    return reg.request("DELETE", path)


V1 = record("R", ("a", "int"))
V2 = record("R", ("a", "int"), ("b", "int", 0))
V3 = record("R", ("a", "int"), ("b", "int", 0), ("c", "int", 0))

# ---- one version at a time ------------------------------------------------------------------
i1 = reg_id("v1", reg, "s", V1)
i2 = reg_id("v2", reg, "s", V2)
i3 = reg_id("v3", reg, "s", V3)
reg_id("another subject keeps the listings honest", reg, "keep", "\"int\"")

expect_error("permanent delete of a live version", delete("/subjects/s/versions/3?permanent=true"),
             404, 40407, VERSION_NOT_SOFT_DELETED.format("s", 3))
r = delete("/subjects/s/versions/3")
eq("soft delete answers the bare version number", (r.status, r.raw), (200, "3"))
expect_error("soft delete again", delete("/subjects/s/versions/3"),
             404, 40406, VERSION_SOFT_DELETED.format("s", 3))
expect_json("latest skips the soft-deleted version", reg.get("/subjects/s/versions/latest"),
            entity("s", 2, i2, V2))
expect_error("the soft-deleted version is not found", reg.get("/subjects/s/versions/3"),
             404, 40402, VERSION_NOT_FOUND.format(3))
expect_json("...unless deleted=true", reg.get("/subjects/s/versions/3?deleted=true"),
            entity("s", 3, i3, V3))
r = reg.get("/subjects/s/versions/3/schema?deleted=true")
eq("raw schema of a soft-deleted version with deleted=true", (r.status, r.raw), (200, canon(V3)))
expect_json("versions hide it", reg.get("/subjects/s/versions"), [1, 2])
expect_json("deleted=true shows it", reg.get("/subjects/s/versions?deleted=true"), [1, 2, 3])
expect_json("deletedOnly=true shows only it", reg.get("/subjects/s/versions?deletedOnly=true"), [3])
expect_json("the id of a soft-deleted version still resolves", reg.get(f"/schemas/ids/{i3}"),
            {"schema": canon(V3)})
expect_error("lookup does not match a soft-deleted version",
             reg.request("POST", "/subjects/s", {"schema": canon(V3)}), 404, 40403,
             "Schema not found")
expect_json("...unless deleted=true",
            reg.request("POST", "/subjects/s?deleted=true", {"schema": canon(V3)}),
            entity("s", 3, i3, V3))

r = delete("/subjects/s/versions/3?permanent=true")
eq("permanent delete after the soft delete", (r.status, r.raw), (200, "3"))
expect_error("permanent delete again: the version is gone",
             delete("/subjects/s/versions/3?permanent=true"), 404, 40402,
             VERSION_NOT_FOUND.format(3))
expect_error("soft delete of the removed version", delete("/subjects/s/versions/3"),
             404, 40402, VERSION_NOT_FOUND.format(3))
expect_json("it is gone from deleted=true too", reg.get("/subjects/s/versions?deleted=true"),
            [1, 2])
expect_error("its id no longer resolves", reg.get(f"/schemas/ids/{i3}"), 404, 40403,
             f"Schema {i3} not found")
i3b = reg_id("re-registering after a permanent delete of the highest version", reg, "s", V3)
expect_json("...reuses version 3 (hard-deleted numbers can come back)",
            reg.get("/subjects/s/versions"), [1, 2, 3])
ok_new = i3b != i3
eq("...but never the hard-deleted id", ok_new, True)

r = delete("/subjects/s/versions/latest")
eq("delete latest deletes the highest live version", (r.status, r.raw), (200, "3"))
r = delete("/subjects/s/versions/-1")
eq("-1 is latest too", (r.status, r.raw), (200, "2"))
expect_json("latest is now 1", reg.get("/subjects/s/versions/latest"), entity("s", 1, i1, V1))

expect_error("delete a version of a missing subject", delete("/subjects/nope/versions/1"),
             404, 40401, SUBJECT_NOT_FOUND.format("nope"))
expect_error("delete a version that never existed", delete("/subjects/s/versions/42"),
             404, 40402, VERSION_NOT_FOUND.format(42))
for bad in ["0", "-3", "abc", "2147483648"]:
    expect_error(f"delete version '{bad}'", delete(f"/subjects/s/versions/{bad}"),
                 422, 42202, INVALID_VERSION.format(bad))

# Soft-deleted numbers are never reused; registering an already-known schema
# again makes a new version with the same id and drops the soft-deleted twin.
id2 = reg_id("re-register v2's schema after its soft delete", reg, "s", V2)
eq("...same id as before", id2, i2)
expect_json("...as version 4 (max over all versions + 1)", reg.get("/subjects/s/versions"),
            [1, 4])
expect_json("...and the soft-deleted twin (v2) is gone",
            reg.get("/subjects/s/versions?deleted=true"), [1, 3, 4])

# ---- whole subjects -----------------------------------------------------------------------------
expect_error("permanent delete of a live subject", delete("/subjects/s?permanent=true"),
             404, 40405, SUBJECT_NOT_SOFT_DELETED.format("s"))
expect_json("soft delete of the subject lists the live versions it deleted",
            delete("/subjects/s"), [1, 4])
expect_error("soft delete again", delete("/subjects/s"), 404, 40404,
             SUBJECT_SOFT_DELETED.format("s"))
expect_error("a soft-deleted subject has no versions", reg.get("/subjects/s/versions"),
             404, 40401, SUBJECT_NOT_FOUND.format("s"))
expect_error("...and no latest", reg.get("/subjects/s/versions/latest"),
             404, 40401, SUBJECT_NOT_FOUND.format("s"))
expect_error("...and nothing to look up", reg.request("POST", "/subjects/s", {"schema": canon(V1)}),
             404, 40401, SUBJECT_NOT_FOUND.format("s"))
expect_json("...unless deleted=true",
            reg.request("POST", "/subjects/s?deleted=true", {"schema": canon(V1)}),
            entity("s", 1, i1, V1))
expect_json("GET /subjects hides it", reg.get("/subjects"), ["keep"])
expect_json("deleted=true shows it", reg.get("/subjects?deleted=true"), ["keep", "s"])
expect_json("deletedOnly=true shows only it", reg.get("/subjects?deletedOnly=true"), ["s"])
expect_json("deletedOnly wins over deleted", reg.get("/subjects?deleted=true&deletedOnly=true"),
            ["s"])
expect_json("the ids still resolve", reg.get(f"/schemas/ids/{i1}"), {"schema": canon(V1)})

# Re-registering into a soft-deleted subject: no compatibility with deleted
# versions, and numbering continues.
INCOMPATIBLE_NEW = record("R", ("z", "string"))
iz = reg_id("register an (otherwise incompatible) schema after the soft delete", reg, "s",
            INCOMPATIBLE_NEW)
expect_json("...versions continue at 5", reg.get("/subjects/s/versions"), [5])
expect_error("soft delete of a version already soft-deleted in a live subject",
             delete("/subjects/s/versions/1"), 404, 40406, VERSION_SOFT_DELETED.format("s", 1))
expect_json("GET /subjects lists it again", reg.get("/subjects"), ["keep", "s"])
expect_json("deletedOnly does not list a subject with a live version",
            reg.get("/subjects?deletedOnly=true"), [])
expect_json("delete it again", delete("/subjects/s"), [5])

# Subject settings survive a soft delete and go with a permanent one.
r = reg.request("PUT", "/config/s", {"compatibility": "NONE"})
eq("subject config set on the soft-deleted subject", r.status, 200)
expect_json("permanent delete lists every version", delete("/subjects/s?permanent=true"),
            [1, 3, 4, 5])
expect_error("the subject is gone", reg.get("/subjects/s/versions?deleted=true"),
             404, 40401, SUBJECT_NOT_FOUND.format("s"))
expect_error("permanent delete again", delete("/subjects/s?permanent=true"),
             404, 40401, SUBJECT_NOT_FOUND.format("s"))
expect_error("soft delete of the removed subject", delete("/subjects/s"),
             404, 40401, SUBJECT_NOT_FOUND.format("s"))
expect_json("GET /subjects?deleted=true no longer shows it", reg.get("/subjects?deleted=true"),
            ["keep"])
for sid in (i1, i2, iz):
    expect_error(f"id {sid} is gone with its last version", reg.get(f"/schemas/ids/{sid}"),
                 404, 40403, f"Schema {sid} not found")
expect_error("the subject's config went with it", reg.get("/config/s"), 404, 40408,
             "Subject 's' does not have subject-level compatibility configured")

expect_error("delete a subject that never existed", delete("/subjects/never"),
             404, 40401, SUBJECT_NOT_FOUND.format("never"))
expect_error("permanently delete a subject that never existed",
             delete("/subjects/never?permanent=true"), 404, 40401,
             SUBJECT_NOT_FOUND.format("never"))

# Settings survive a soft delete.
reg_id("t v1", reg, "t", V1)
reg.request("PUT", "/config/t", {"compatibility": "FULL"})
reg.request("PUT", "/mode/t", {"mode": "READWRITE"})
expect_json("soft delete t", delete("/subjects/t"), [1])
expect_json("subject config survives a soft delete", reg.get("/config/t"),
            {"compatibilityLevel": "FULL"})
expect_json("subject mode survives a soft delete", reg.get("/mode/t"), {"mode": "READWRITE"})

# Confluent's testDeleteSubjectAndRegister: v1, v2, delete the subject,
# register v1's schema again: version 3 with v1's id; v1 (same id) is dropped.
r1 = reg_id("re v1", reg, "re", V1)
reg_id("re v2", reg, "re", V2)
expect_json("delete re", delete("/subjects/re"), [1, 2])
eq("re-register v1's schema: same id", reg_id("re-register v1", reg, "re", V1), r1)
expect_json("...as version 3", reg.get("/subjects/re/versions"), [3])
expect_json("...the soft-deleted twin v1 was dropped, v2 kept",
            reg.get("/subjects/re/versions?deleted=true"), [2, 3])
expect_json("latest is 3", reg.get("/subjects/re/versions/latest"), entity("re", 3, r1, V1))

# Global id reuse counts soft-deleted uses too.
only = reg_id("a schema only in a subject about to be soft-deleted", reg, "gone",
              record("Only", ("o", "int")))
delete("/subjects/gone")
eq("the same schema in another subject reuses the id",
   reg_id("register it elsewhere", reg, "elsewhere", record("Only", ("o", "int"))), only)

# Permanent delete of one id shared by two subjects keeps the id for the other.
ia = reg_id("shared schema in u1", reg, "u1", "\"bytes\"")
eq("shared schema in u2", reg_id("shared schema in u2", reg, "u2", "\"bytes\""), ia)
delete("/subjects/u1")
expect_json("permanent delete of u1", delete("/subjects/u1?permanent=true"), [1])
expect_json("the id lives on in u2", reg.get(f"/schemas/ids/{ia}"), {"schema": "\"bytes\""})
expect_json("and lists only u2", reg.get(f"/schemas/ids/{ia}/subjects?deleted=true"), ["u2"])

reg.stop()
finish()

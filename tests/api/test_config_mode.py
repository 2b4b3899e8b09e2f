"""Config and mode (Confluent §3.5, §3.6, §5.4): levels, 40408/40409,
defaultToGlobal, READONLY / READONLY_OVERRIDE, IMPORT with explicit ids and
versions and every 42205 case.

Endpoints: GET/PUT/DELETE /config, GET/PUT/DELETE /config/{s},
GET/PUT/DELETE /mode, GET/PUT/DELETE /mode/{s}.
"""
from apiutil import (INVALID_LEVEL, INVALID_MODE, INVALID_SUBJECT, NO_SUBJECT_LEVEL,
                     NO_SUBJECT_MODE, SUBJECT_NOT_FOUND, Registry, canon, entity, eq, expect_error,
                     expect_json, finish, ok, q, record, reg_id)

reg = Registry().start()


def put(path, body):
    return reg.request("PUT", path, body)


def delete(path):
    return reg.request("DELETE", path)


# ---- config ---------------------------------------------------------------------------------
expect_json("global config defaults to BACKWARD", reg.get("/config"),
            {"compatibilityLevel": "BACKWARD"})
expect_json("PUT /config echoes {\"compatibility\"}", put("/config", {"compatibility": "FULL"}),
            {"compatibility": "FULL"})
expect_json("GET /config answers {\"compatibilityLevel\"}", reg.get("/config"),
            {"compatibilityLevel": "FULL"})
expect_json("levels are case-insensitive and stored upper-case",
            put("/config", {"compatibility": "forward_transitive"}),
            {"compatibility": "FORWARD_TRANSITIVE"})
for bad in [{"compatibility": "SIDEWAYS"}, {"compatibilityLevel": "FULL"}, {},
            {"compatibility": 3}, {"compatibility": None}]:
    expect_error(f"PUT /config {bad}", put("/config", bad), 422, 42203, INVALID_LEVEL)
expect_json("unknown config keys are ignored",
            put("/config", {"compatibility": "NONE", "futureKey": {"x": 1}}),
            {"compatibility": "NONE"})

expect_json("normalize is stored and echoed",
            put("/config", {"compatibility": "NONE", "normalize": True}),
            {"compatibility": "NONE", "normalize": True})
expect_json("...and read back", reg.get("/config"),
            {"compatibilityLevel": "NONE", "normalize": True})
expect_error("a subject without its own config", reg.get("/config/s"), 404, 40408,
             NO_SUBJECT_LEVEL.format("s"))
expect_json("defaultToGlobal falls back to the global config",
            reg.get("/config/s?defaultToGlobal=true"),
            {"compatibilityLevel": "NONE", "normalize": True})
expect_json("PUT /config/{s} works before the subject has schemas",
            put("/config/s", {"compatibility": "backward"}), {"compatibility": "BACKWARD"})
expect_json("GET /config/{s}", reg.get("/config/s"), {"compatibilityLevel": "BACKWARD"})
expect_json("defaultToGlobal prefers the subject's own", reg.get("/config/s?defaultToGlobal=true"),
            {"compatibilityLevel": "BACKWARD"})
expect_error("PUT /config/{s} with a bad level", put("/config/s", {"compatibility": "x"}),
             422, 42203, INVALID_LEVEL)
expect_error("PUT /config on an invalid subject", put("/config/" + q("a\nb"),
                                                      {"compatibility": "NONE"}),
             422, 42208, INVALID_SUBJECT.format("a\nb"))
expect_json("DELETE /config/{s} answers the old config", delete("/config/s"),
            {"compatibilityLevel": "BACKWARD"})
expect_error("...and it is gone", reg.get("/config/s"), 404, 40408, NO_SUBJECT_LEVEL.format("s"))
expect_error("DELETE /config/{s} without a subject config", delete("/config/s"),
             404, 40401, SUBJECT_NOT_FOUND.format("s"))
expect_json("DELETE /config answers the old global config", delete("/config"),
            {"compatibilityLevel": "NONE", "normalize": True})
expect_json("...and reverts to the default", reg.get("/config"),
            {"compatibilityLevel": "BACKWARD"})
# The default context ":.:" names the global level (Confluent's isDefaultContext).
expect_json("PUT /config/:.: sets the global level", put("/config/" + q(":.:"),
                                                         {"compatibility": "FORWARD"}),
            {"compatibility": "FORWARD"})
expect_json("...GET /config shows it", reg.get("/config"), {"compatibilityLevel": "FORWARD"})
expect_json("...and so does GET /config/:.:", reg.get("/config/" + q(":.:")),
            {"compatibilityLevel": "FORWARD"})
expect_json("DELETE /config/:.: deletes the global level", delete("/config/" + q(":.:")),
            {"compatibilityLevel": "FORWARD"})
expect_json("...back to BACKWARD", reg.get("/config"), {"compatibilityLevel": "BACKWARD"})
expect_json("a subject qualified with the default context is the plain subject",
            put("/config/" + q(":.:ctxsubj"), {"compatibility": "FULL"}), {"compatibility": "FULL"})
expect_json("...GET /config/ctxsubj", reg.get("/config/ctxsubj"), {"compatibilityLevel": "FULL"})
delete("/config/ctxsubj")

# ---- mode -------------------------------------------------------------------------------------
expect_json("global mode defaults to READWRITE", reg.get("/mode"), {"mode": "READWRITE"})
expect_json("GET /mode/:.: is the global mode", reg.get("/mode/" + q(":.:")), {"mode": "READWRITE"})
expect_error("a subject without its own mode", reg.get("/mode/m"), 404, 40409,
             NO_SUBJECT_MODE.format("m"))
expect_json("defaultToGlobal falls back to the global mode",
            reg.get("/mode/m?defaultToGlobal=true"), {"mode": "READWRITE"})
for bad in [{"mode": "WRITEONLY"}, {}, {"mode": 1}, {"mode": None}]:
    expect_error(f"PUT /mode {bad}", put("/mode", bad), 422, 42204, INVALID_MODE)
expect_error("PUT /mode/{s} with a bad mode", put("/mode/m", {"mode": "nope"}), 422, 42204,
             INVALID_MODE)
expect_error("PUT /mode on an invalid subject", put("/mode/__EMPTY", {"mode": "READONLY"}),
             422, 42208, INVALID_SUBJECT.format("__EMPTY"))

S1 = record("R", ("a", "int"))
S2 = record("R", ("a", "int"), ("b", "int", 0))
i1 = reg_id("register before the mode tests", reg, "m", S1)
expect_json("subject mode READONLY (mode names are case-insensitive)",
            put("/mode/m", {"mode": "readonly"}), {"mode": "READONLY"})
expect_json("GET /mode/{s}", reg.get("/mode/m"), {"mode": "READONLY"})
expect_error("register in a read-only subject", reg.register("m", S2), 422, 42205,
             "Subject m is in read-only mode")
expect_json("re-registering an existing schema is a lookup and still answers",
            reg.register("m", S1), {"id": i1})
expect_error("delete a version in a read-only subject", delete("/subjects/m/versions/1"),
             422, 42205, "Subject m is in read-only mode")
expect_error("delete the read-only subject", delete("/subjects/m"), 422, 42205,
             "Subject m is in read-only mode")
r = put("/config/m", {"compatibility": "NONE"})
eq("config updates are refused in a read-only subject", (r.status, r.json["error_code"]),
   (422, 42205))
expect_json("a subject config set before READONLY", put("/config/m2", {"compatibility": "FULL"}),
            {"compatibility": "FULL"})
put("/mode/m2", {"mode": "READONLY"})
expect_error("DELETE /config/{s} is refused in a read-only subject, as PUT is",
             delete("/config/m2"), 422, 42205, "Subject m2 is in read-only mode")
expect_json("...and the config is still there", reg.get("/config/m2"),
            {"compatibilityLevel": "FULL"})
expect_json("mode changes stay allowed in READONLY (DELETE, as PUT)", delete("/mode/m2"),
            {"mode": "READONLY"})
expect_json("DELETE /config/{s} works again", delete("/config/m2"),
            {"compatibilityLevel": "FULL"})
reg_id("other subjects still take registrations", reg, "other", S1)
expect_json("reads still work", reg.get("/subjects/m/versions"), [1])
expect_json("DELETE /mode/{s} answers the old mode", delete("/mode/m"), {"mode": "READONLY"})
expect_error("DELETE /mode/{s} without a subject mode", delete("/mode/m"), 404, 40401,
             SUBJECT_NOT_FOUND.format("m"))
reg_id("registration works again", reg, "m", S2)

expect_json("global READONLY", put("/mode", {"mode": "READONLY"}), {"mode": "READONLY"})
expect_error("global READONLY blocks registration", reg.register("m", record("R", ("a", "int"), (
    "b", "int", 0), ("c", "int", 0))), 422, 42205, "Subject m is in read-only mode")
expect_json("a subject-level READWRITE overrides a global READONLY",
            put("/mode/m", {"mode": "READWRITE"}), {"mode": "READWRITE"})
reg_id("...so the subject takes registrations", reg, "m", record("R", ("a", "int"), (
    "b", "int", 0), ("c", "int", 0)))
expect_json("global READONLY_OVERRIDE", put("/mode", {"mode": "READONLY_OVERRIDE"}),
            {"mode": "READONLY_OVERRIDE"})
expect_error("READONLY_OVERRIDE beats the subject's READWRITE", reg.register("m", "\"int\""),
             422, 42205, "Subject m is in read-only mode")
expect_json("the subject still reports its own mode", reg.get("/mode/m"), {"mode": "READWRITE"})
expect_error("DELETE /config is refused while the registry is READONLY_OVERRIDE",
             delete("/config"), 422, 42205, "Subject __GLOBAL is in read-only mode")
expect_error("...as PUT /config is", put("/config", {"compatibility": "NONE"}), 422, 42205,
             "Subject __GLOBAL is in read-only mode")
expect_json("DELETE /mode answers the old global mode", delete("/mode"),
            {"mode": "READONLY_OVERRIDE"})
expect_json("...and reverts to READWRITE", reg.get("/mode"), {"mode": "READWRITE"})
delete("/mode/m")

# ---- IMPORT -------------------------------------------------------------------------------------
expect_error("IMPORT needs an empty registry", put("/mode", {"mode": "IMPORT"}), 422, 42205,
             "Cannot import since found existing subjects")
expect_error("...or an empty subject", put("/mode/m", {"mode": "IMPORT"}), 422, 42205,
             "Cannot import since found existing subjects")
# Entering IMPORT drops the subject's soft-deleted versions (Confluent's
# ClearSubject), so imported versions and ids start from a clean slate.
old_id = reg_id("imp: a version that will be soft-deleted", reg, "imp", record("Old", ("o", "int")))
expect_json("soft-delete imp", delete("/subjects/imp"), [1])
expect_json("a subject without live versions can switch to IMPORT",
            put("/mode/imp", {"mode": "IMPORT"}), {"mode": "IMPORT"})
expect_error("...which dropped its soft-deleted versions",
             reg.get("/subjects/imp/versions?deleted=true"), 404, 40401,
             SUBJECT_NOT_FOUND.format("imp"))
expect_error("...and the schema only they carried", reg.get(f"/schemas/ids/{old_id}"), 404, 40403,
             f"Schema {old_id} not found")
expect_json("force=true switches a non-empty registry", put("/mode?force=true", {"mode": "IMPORT"}),
            {"mode": "IMPORT"})
expect_json("a subject can be put in IMPORT when IMPORT is already in force",
            put("/mode/other", {"mode": "IMPORT"}), {"mode": "IMPORT"})
expect_json("...(live versions and all)", delete("/mode/other"), {"mode": "IMPORT"})

I1 = record("Imp", ("x", "int"))
I2 = record("Imp", ("y", "string"))  # incompatible with I1: IMPORT skips the check
expect_error("IMPORT without an id", reg.register("imp", I1), 422, 42205,
             "Subject imp is not in read-write mode")
expect_json("IMPORT with id and version", reg.register("imp", I1, id=100, version=5), {"id": 100})
expect_json("...stored verbatim", reg.get("/subjects/imp/versions/5"), entity("imp", 5, 100, I1))
expect_json("...resolvable by id", reg.get("/schemas/ids/100"), {"schema": canon(I1)})
expect_json("IMPORT skips compatibility", reg.register("imp", I2, id=50, version=2), {"id": 50})
expect_json("versions as imported", reg.get("/subjects/imp/versions"), [2, 5])
expect_json("latest is the highest imported version", reg.get("/subjects/imp/versions/latest"),
            entity("imp", 5, 100, I1))
expect_json("IMPORT with an id and no version takes the next version",
            reg.register("imp", record("Imp", ("z", "long")), id=60), {"id": 60})
expect_json("...6", reg.get("/subjects/imp/versions"), [2, 5, 6])
expect_json("IMPORT with version -1 also takes the next version",
            reg.register("imp3", record("Imp", ("m", "int")), id=70, version=-1), {"id": 70})
expect_json("...1 in a new subject", reg.get("/subjects/imp3/versions"), [1])
expect_error("IMPORT of different content under a taken id",
             reg.register("imp", record("Other", ("q", "int")), id=100, version=9),
             422, 42205, "Overwrite new schema with id 100 is not permitted.")
expect_json("the same schema with the same id under another subject is allowed",
            reg.register("imp2", I1, id=100, version=1), {"id": 100})
expect_json("re-importing the same schema and id is idempotent",
            reg.register("imp", I1, id=100), {"id": 100})
expect_json("...and adds no version", reg.get("/subjects/imp/versions"), [2, 5, 6])
expect_error("the same schema under a different id in the same subject",
             reg.register("imp", I1, id=101), 422, 42207,
             "Schema already registered with id 100 instead of input id 101")
expect_json("the failures left no trace", reg.get("/subjects/imp/versions"), [2, 5, 6])
expect_error("id 101 was never stored", reg.get("/schemas/ids/101"), 404, 40403,
             "Schema 101 not found")

expect_json("back to READWRITE", put("/mode", {"mode": "READWRITE"}), {"mode": "READWRITE"})
expect_error("the subject is still in IMPORT by its own mode", reg.register("imp", "\"int\""),
             422, 42205, "Subject imp is not in read-write mode")
expect_json("DELETE /mode/imp", delete("/mode/imp"), {"mode": "IMPORT"})
expect_error("an id in READWRITE mode", reg.register("imp", "\"int\"", id=7), 422, 42205,
             "Subject imp is not in import mode")
put("/config/fresh", {"compatibility": "NONE"})
new_id = reg_id("a new schema after the import", reg, "fresh", record("N", ("n", "int")))
ok("...gets the registry's own next id, below the imported ones (an import does not move "
   "the counter)", new_id < 50, f"id {new_id}")
next_id = reg_id("versions of imp continue after the highest imported", reg, "imp",
                 record("Imp", ("z", "long"), ("w", "int", 0)))
ok("...with a fresh id that no imported schema holds", next_id not in (50, 100) and
   next_id > new_id, f"id {next_id}")
expect_json("...as version 7", reg.get("/subjects/imp/versions"), [2, 5, 6, 7])

# READONLY beats IMPORT ids.
put("/mode/ro", {"mode": "READONLY"})
expect_error("an id in a read-only subject", reg.register("ro", "\"int\"", id=5), 422, 42205,
             "Subject ro is in read-only mode")

# IMPORT at the edges of the numbers: id 0 is refused with a clear 42205
# rather than a storage error, and a subject (or the registry) whose last
# version number (or id) an import took refuses what would come after it
# instead of overflowing.
src = reg_id("a schema to re-register later", reg, "lim-src", "\"long\"")
expect_json("a fresh subject switches to IMPORT", put("/mode/lim", {"mode": "IMPORT"}),
            {"mode": "IMPORT"})
expect_error("IMPORT with id 0", reg.register("lim", "\"string\"", id=0), 422, 42205,
             "Schema id 0 is not permitted: ids start at 1")
expect_json("IMPORT of the last id and the last version",
            reg.register("lim", "\"string\"", id=2147483647, version=2147483647),
            {"id": 2147483647})
expect_json("the subject back in READWRITE", delete("/mode/lim"), {"mode": "IMPORT"})
put("/config/lim", {"compatibility": "NONE"})
expect_error("no version number is left after 2^31-1", reg.register("lim", "\"long\""), 422,
             42205, "Subject lim has no version number left after 2147483647")
lim_new = reg_id("importing id 2^31-1 leaves ids for new schemas", reg, "lim-new", "\"bytes\"")
ok("...from the registry's own counter", lim_new < 200, f"id {lim_new}")
expect_json("the refusal left no trace", reg.get("/subjects/lim/versions"), [2147483647])
expect_json("an existing schema still registers elsewhere", reg.register("lim-2", "\"long\""),
            {"id": src})

reg.stop()
finish()

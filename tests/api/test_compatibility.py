"""Compatibility (Confluent §3.7, §5.3): the check endpoints with and without
verbose, the seven levels (transitive against all live versions, the others
against the latest), FULL's message order, the 409 register answer, and the
subject / global / default resolution of the level, and ?level= (our addition:
the web UI's "check at another level", which changes no setting).

Endpoints: POST /compatibility/subjects/{s}/versions,
POST /compatibility/subjects/{s}/versions/{v}.
"""
import json

from apiutil import (INCOMPATIBLE, INVALID_LEVEL, INVALID_VERSION, NO_SUBJECT_LEVEL,
                     VERSION_NOT_FOUND, Registry, canon, eq,
                     expect_error, expect_error_prefix, expect_json, finish, record, reg_id)

reg = Registry().start()


def check(subject, schema, version=None, query=""):
    path = f"/compatibility/subjects/{subject}/versions"
    if version is not None:
        path += f"/{version}"
    body = {"schema": schema if isinstance(schema, str) else json.dumps(schema)}
    return reg.request("POST", path + query, body)


def put_level(subject, level):
    path = "/config" if subject is None else f"/config/{subject}"
    r = reg.request("PUT", path, {"compatibility": level})
    eq(f"level of {subject or 'the registry'} set to {level}", (r.status, r.json),
       (200, {"compatibility": level}))


def missing_default(field, index, reader, writer):
    return (f"{{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field '{field}' "
            f"at path '/fields/{index}' in the {reader} schema has no default value and is "
            f"missing in the {writer} schema', additionalInfo:'{field}'}}")


def tail(version, old, level):
    return [f"{{oldSchemaVersion: {version}}}", f"{{oldSchema: '{canon(old)}'}}",
            f"{{validateFields: 'false', compatibility: '{level}'}}"]


OLD = record("myrecord", ("f1", "string"))
GOOD = record("myrecord", ("f1", "string"), ("f2", "string", "foo"))
BAD = record("myrecord", ("f1", "string"), ("f2", "string"))

# ---- the endpoints -----------------------------------------------------------------------------
reg_id("register v1", reg, "c", OLD)
expect_json("compatible against latest", check("c", GOOD, "latest"), {"is_compatible": True})
expect_json("incompatible against latest: no messages without verbose", check("c", BAD, "latest"),
            {"is_compatible": False})
bad_msgs = [missing_default("f2", 1, "new", "old")] + tail(1, OLD, "BACKWARD")
expect_json("verbose: Confluent's messages", check("c", BAD, "latest", "?verbose=true"),
            {"is_compatible": False, "messages": bad_msgs})
expect_json("verbose and compatible: an empty message list",
            check("c", GOOD, "1", "?verbose=true"), {"is_compatible": True, "messages": []})
expect_json("against version 1", check("c", BAD, 1), {"is_compatible": False})
expect_json("against -1 (latest)", check("c", BAD, -1), {"is_compatible": False})
expect_json("against all versions", check("c", BAD), {"is_compatible": False})
expect_json("against all versions, verbose", check("c", BAD, None, "?verbose=true"),
            {"is_compatible": False, "messages": bad_msgs})
expect_json("the Java client's trailing slash", check("c", BAD, "", "?verbose=true"),
            {"is_compatible": False, "messages": bad_msgs})
expect_json("normalize=true is accepted", check("c", GOOD, "latest", "?normalize=true"),
            {"is_compatible": True})

r = reg.register("c", BAD)
expect_error("register of an incompatible schema: 409 with the details",
             r, 409, 409, INCOMPATIBLE.format("c") + ", details: [" + ", ".join(bad_msgs) + "]")
expect_json("...and no version was added", reg.get("/subjects/c/versions"), [1])

expect_error("against a version that does not exist", check("c", GOOD, 7), 404, 40402,
             VERSION_NOT_FOUND.format(7))
expect_json("a subject that does not exist, against latest: compatible",
            check("nosuch", BAD, "latest"), {"is_compatible": True})
expect_json("a subject that does not exist, against all: compatible", check("nosuch", BAD),
            {"is_compatible": True})
expect_error("a subject that does not exist, against version 1: 40402", check("nosuch", BAD, 1),
             404, 40402, VERSION_NOT_FOUND.format(1))
for bad in ["earliest", "0", "-2", "2147483648"]:
    expect_error(f"version '{bad}'", check("c", GOOD, bad), 422, 42202,
                 INVALID_VERSION.format(bad))

r = check("c", '{"type":"nada"}', "latest")
expect_error_prefix("an invalid schema without verbose: 42201", r, 422, 42201,
                    "Invalid schema of type AVRO, details: ")
invalid_text = r.json.get("message") if isinstance(r.json, dict) else None
expect_json("an invalid schema with verbose: 200, false, the parse error as the message",
            check("c", '{"type":"nada"}', "latest", "?verbose=true"),
            {"is_compatible": False, "messages": [invalid_text]})
expect_error_prefix("a bad default is invalid in a check too",
                    check("c", record("myrecord", ("f1", "string", None)), "latest"),
                    422, 42201, "Invalid schema")
expect_error("an empty body", reg.request("POST", "/compatibility/subjects/c/versions/latest",
                                          {"schemaType": "AVRO"}), 422, 42201, "Empty schema")
expect_json("checks created nothing", reg.get("/subjects"), ["c"])

# Soft-deleted versions are never checked against.
reg.request("PUT", "/config/d", {"compatibility": "NONE"})
reg_id("d v1", reg, "d", OLD)
reg_id("d v2 (incompatible, level NONE)", reg, "d", record("myrecord", ("f1", "int")))
put_level("d", "BACKWARD")
expect_json("v2 decides", check("d", GOOD), {"is_compatible": False})
eq("soft-delete d v2", reg.request("DELETE", "/subjects/d/versions/2").status, 200)
expect_json("v1 decides once v2 is soft-deleted", check("d", GOOD), {"is_compatible": True})
expect_json("latest means the latest live version", check("d", GOOD, "latest"),
            {"is_compatible": True})
expect_error("a soft-deleted version cannot be checked against", check("d", GOOD, 2),
             404, 40402, VERSION_NOT_FOUND.format(2))
expect_json("a subject whose versions are all soft-deleted checks as new",
            (reg.request("DELETE", "/subjects/d"), check("d", BAD, "latest"))[1],
            {"is_compatible": True})
reg_id("register after the soft delete: no check against deleted versions", reg, "d",
       record("other", ("x", "bytes")))

# ---- levels -------------------------------------------------------------------------------------
B1 = record("R", ("a", "int"))
B2 = record("R", ("a", "int"), ("b", "string", "x"))
B3 = record("R", ("a", "int"), ("b", "string"))
put_level("bt", "BACKWARD_TRANSITIVE")
reg_id("bt v1", reg, "bt", B1)
reg_id("bt v2", reg, "bt", B2)
expect_json("BACKWARD_TRANSITIVE: v3 fails against v1", check("bt", B3, None, "?verbose=true"),
            {"is_compatible": False,
             "messages": [missing_default("b", 1, "new", "old")] +
             tail(1, B1, "BACKWARD_TRANSITIVE")})
expect_json("...the single-version endpoint checks only the latest", check("bt", B3, "latest"),
            {"is_compatible": True})
expect_json("...or only the version named", check("bt", B3, 1), {"is_compatible": False})
eq("...register refuses it", reg.register("bt", B3).status, 409)
put_level("bt", "BACKWARD")
expect_json("BACKWARD: v3 passes against the latest", check("bt", B3), {"is_compatible": True})
reg_id("...and registers", reg, "bt", B3)

F1 = record("R", ("a", "int"), ("b", "string"))
F2 = record("R", ("a", "int"), ("b", "string", "x"))
F3 = record("R", ("a", "int"))
put_level("ft", "FORWARD_TRANSITIVE")
reg_id("ft v1", reg, "ft", F1)
reg_id("ft v2", reg, "ft", F2)
expect_json("FORWARD_TRANSITIVE: v1 cannot read v3", check("ft", F3, None, "?verbose=true"),
            {"is_compatible": False,
             "messages": [missing_default("b", 1, "old", "new")] +
             tail(1, F1, "FORWARD_TRANSITIVE")})
put_level("ft", "FORWARD")
expect_json("FORWARD: v2 can read v3", check("ft", F3), {"is_compatible": True})
expect_json("FORWARD: a new field without default is fine",
            check("ft", record("R", ("a", "int"), ("b", "string", "x"), ("c", "int"))),
            {"is_compatible": True})

put_level("fu", "FULL_TRANSITIVE")
reg_id("fu v1", reg, "fu", F1)
reg_id("fu v2", reg, "fu", F2)
expect_json("FULL_TRANSITIVE: fails against v1", check("fu", F3), {"is_compatible": False})
put_level("fu", "FULL")
expect_json("FULL: passes against v2", check("fu", F3), {"is_compatible": True})

# FULL: old-reads-new messages first (without the old schema), then
# new-reads-old followed by the old schema (Confluent's mutualReadStrategy).
put_level("full", "FULL")
reg_id("full v1", reg, "full", B1)
expect_json("FULL message order", check("full", record("R", ("z", "int")), None, "?verbose=true"),
            {"is_compatible": False,
             "messages": [missing_default("a", 0, "old", "new"),
                          missing_default("z", 0, "new", "old")] + tail(1, B1, "FULL")})
expect_json("FULL failing only old-reads-new has no old-schema lines",
            check("full", {"type": "record", "name": "R", "fields": []}, "latest",
                  "?verbose=true"),
            {"is_compatible": False,
             "messages": [missing_default("a", 0, "old", "new"),
                          "{validateFields: 'false', compatibility: 'FULL'}"]})
expect_json("FULL: adding a field with a default", check("full", B2), {"is_compatible": True})

put_level("none", "NONE")
reg_id("none v1", reg, "none", B1)
reg_id("NONE accepts anything", reg, "none", "\"string\"")
expect_json("NONE: always compatible", check("none", record("X", ("y", "bytes"))),
            {"is_compatible": True})

# Resolution: subject level, else global, else BACKWARD.
put_level(None, "NONE")
expect_json("the global level applies to a subject without its own", check("c", BAD),
            {"is_compatible": True})
put_level("c", "BACKWARD")
expect_json("a subject level beats the global one", check("c", BAD),
            {"is_compatible": False})
eq("DELETE /config/c", reg.request("DELETE", "/config/c").status, 200)
expect_json("...without it, the global NONE applies", check("c", BAD), {"is_compatible": True})
eq("DELETE /config", reg.request("DELETE", "/config").status, 200)
expect_json("...and without either, BACKWARD", check("c", BAD), {"is_compatible": False})
r = check("c", BAD, None, "?verbose=true")
eq("the verbose answer names the level in force", r.json["messages"][-1],
   "{validateFields: 'false', compatibility: 'BACKWARD'}")

# A different type is incompatible at every level but NONE.
r = check("c", "\"string\"", None, "?verbose=true")
eq("a record replaced by a string is incompatible", (r.status, r.json.get("is_compatible")),
   (200, False))
eq("...with a TYPE_MISMATCH", r.json["messages"][0].startswith("{errorType:'TYPE_MISMATCH'"), True)

# ?level= checks at another level than the subject's, and changes nothing.
reg_id("lv v1", reg, "lv", F1)
reg_id("lv v2", reg, "lv", F2)
expect_json("without ?level=, the subject's BACKWARD: v3 reads v2", check("lv", F3),
            {"is_compatible": True})
expect_json("?level=FORWARD: v2 can read v3", check("lv", F3, None, "?level=FORWARD"),
            {"is_compatible": True})
expect_json("?level=FORWARD_TRANSITIVE: v1 cannot read v3, and the messages name that level",
            check("lv", F3, None, "?level=FORWARD_TRANSITIVE&verbose=true"),
            {"is_compatible": False,
             "messages": [missing_default("b", 1, "old", "new")] +
             tail(1, F1, "FORWARD_TRANSITIVE")})
expect_json("?level= in any case", check("lv", F3, None, "?level=forward_transitive"),
            {"is_compatible": False})
expect_json("?level= against one version: v1 at FORWARD", check("lv", F3, 1, "?level=FORWARD"),
            {"is_compatible": False})
expect_json("...where the subject's BACKWARD passes", check("lv", F3, 1),
            {"is_compatible": True})
expect_json("?level=NONE: anything", check("lv", "\"string\"", "latest", "?level=NONE"),
            {"is_compatible": True})
expect_json("?level=FULL against latest", check("lv", F3, "latest", "?level=FULL"),
            {"is_compatible": True})
put_level("lv", "NONE")
expect_json("?level= beats the subject's own level",
            check("lv", "\"string\"", None, "?level=BACKWARD"), {"is_compatible": False})
eq("DELETE /config/lv", reg.request("DELETE", "/config/lv").status, 200)
for bad in ["SIDEWAYS", "", "BACKWARD,FORWARD"]:
    expect_error(f"?level={bad!r}: 42203", check("lv", F3, None, f"?level={bad}"), 422, 42203,
                 INVALID_LEVEL)
expect_error("?level= is checked on the one-version route too",
             check("lv", F3, "latest", "?level=nope"), 422, 42203, INVALID_LEVEL)
expect_error("checks at other levels set no level", reg.get("/config/lv"), 404, 40408,
             NO_SUBJECT_LEVEL.format("lv"))
expect_json("...nor a global one", reg.get("/config"), {"compatibilityLevel": "BACKWARD"})
expect_json("...nor any version", reg.get("/subjects/lv/versions"), [1, 2])

reg.stop()
finish()

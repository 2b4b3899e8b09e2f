"""Subjects and versions: register, look up, list and read (Confluent §3.2, §3.3,
§5.1, §5.5, §5.7), with 7.x shapes and exact error texts.

Endpoints: GET /subjects, POST /subjects/{s}, POST /subjects/{s}/versions,
GET /subjects/{s}/versions, GET /subjects/{s}/versions/{v},
GET /subjects/{s}/versions/{v}/schema.
"""
import json

from apiutil import (INVALID_SUBJECT, INVALID_VERSION, SUBJECT_NOT_FOUND, VERSION_NOT_FOUND,
                     Registry, entity, eq, expect_error, expect_error_prefix, expect_json,
                     finish, ok, q, record, reg_id)

reg = Registry().start()

A = record("User", ("name", "string"), namespace="com.acme")
A_SPACED = '{ "type" : "record",\n  "fields": [ {"type": "string", "name": "name"} ],' \
           ' "namespace":"com.acme", "name":"User" }'
B = record("User", ("name", "string"), ("age", "int", 0), namespace="com.acme")
A_TEXT = ('{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"name",'
          '"type":"string"}]}')

# ---- register: ids, versions, idempotency ------------------------------------------------
r = reg.register("users-value", A)
expect_json("register answers exactly {\"id\":1} (7.x shape)", r, {"id": 1})
eq("register answers with the v1 media type", r.headers.get("Content-Type"),
   "application/vnd.schemaregistry.v1+json")
id_a = 1
r = reg.register("users-value", A)
expect_json("re-registering the same schema returns the same id", r, {"id": id_a})
expect_json("...and adds no version", reg.get("/subjects/users-value/versions"), [1])

id_a2 = reg_id("whitespace and key order do not change the schema", reg, "users-value", A_SPACED)
eq("...same id (canonical form dedups)", id_a2, id_a)
expect_json("...and still one version", reg.get("/subjects/users-value/versions"), [1])

id_b = reg_id("a compatible evolution registers", reg, "users-value", B)
eq("...with a new id", id_b, 2)
expect_json("...as version 2", reg.get("/subjects/users-value/versions"), [1, 2])
expect_json("re-registering an older live version answers its id, no new version",
            reg.register("users-value", A), {"id": id_a})
expect_json("...versions unchanged", reg.get("/subjects/users-value/versions"), [1, 2])

id_other = reg_id("the same schema under another subject", reg, "other-value", A)
eq("...keeps its id", id_other, id_a)
expect_json("...as version 1 of that subject", reg.get("/subjects/other-value/versions/1"),
            entity("other-value", 1, id_a, A_TEXT))

# {"type":"string"} folds to "string" (Avro's Schema.toString()).
id_s1 = reg_id("primitive as an object", reg, "prim", {"type": "string"})
id_s2 = reg_id("primitive as a bare name", reg, "prim", "\"string\"")
eq("{\"type\":\"string\"} and \"string\" are one schema", id_s1, id_s2)
expect_json("stored as Confluent stores it: \"string\"", reg.get("/subjects/prim/versions/1"),
            entity("prim", 1, id_s1, '"string"'))
expect_json("the folded schema has one version", reg.get("/subjects/prim/versions"), [1])

# Doc is kept (not Parsing Canonical Form), so a different doc is a different schema.
DOC = dict(A, doc="people")
id_doc = reg_id("a doc attribute", reg, "doc-value", DOC)
ok("...makes a different schema (Confluent keeps doc)", id_doc not in (id_a, id_b), id_doc)

# Explicit "version" in READWRITE: only "one more than the latest" is accepted.
expect_error("version not one more than the previous", reg.register("users-value", record(
    "User", ("name", "string"), ("x", "int", 1), namespace="com.acme"), version=7),
    422, 42201, "Version is not one more than previous version")
id_c = reg_id("version exactly one more is accepted", reg, "users-value", record(
    "User", ("name", "string"), ("x", "int", 1), namespace="com.acme"), version=3)
expect_json("...as version 3", reg.get("/subjects/users-value/versions"), [1, 2, 3])
for v in (0, -1):
    r = reg.register("vzero", record("V", ("v", "int"), (f"n{-v}", "int", 0)), version=v)
    ok(f"version {v} in the body means none given", r.status == 200 and list(r.json) == ["id"], r)
expect_json("...so they took versions 1 and 2", reg.get("/subjects/vzero/versions"), [1, 2])

# ---- register: errors ------------------------------------------------------------------------
expect_error("an id outside IMPORT mode", reg.register("users-value", record("Z", ("z", "int")),
                                                       id=100),
             422, 42205, "Subject users-value is not in import mode")
expect_error_prefix("invalid Avro (unknown type)", reg.register("bad", {"type": "recrod"}),
                    422, 42201, "Invalid schema of type AVRO, details: ")
expect_error_prefix("schema text that is not JSON", reg.register("bad", "{not json"),
                    422, 42201, "Invalid schema")
expect_error_prefix("a record field without a type", reg.register(
    "bad", {"type": "record", "name": "R", "fields": [{"name": "f"}]}), 422, 42201,
    "Invalid schema")
expect_error_prefix("a bad default (null for string) is rejected on register",
                    reg.register("bad", record("R", ("f", "string", None))), 422, 42201,
                    "Invalid schema")
expect_error_prefix("...also with \"id\": -1, which names no id (Confluent judges it as new)",
                    reg.register("bad", record("R", ("f", "string", None)), id=-1), 422, 42201,
                    "Invalid schema")
expect_error("no schema field",
             reg.request("POST", "/subjects/bad/versions", {"schemaType": "AVRO"}),
             422, 42201, "Empty schema")
expect_error_prefix("unknown schemaType", reg.register("bad", "\"string\"", schemaType="XML"),
                    422, 42201, "Invalid schema type XML")
r = reg.register("typed", "\"string\"", schemaType="AVRO")
expect_json("schemaType AVRO is accepted", r, {"id": id_s1})
expect_json("...and never echoed in 7.x shapes", reg.get("/subjects/typed/versions/1"),
            entity("typed", 1, id_s1, '"string"'))
expect_error("a subject with control characters", reg.register(q("\rbad\nsubject\t"), "\"int\""),
             422, 42208, INVALID_SUBJECT.format("\rbad\nsubject\t"))
expect_error("the reserved subject __GLOBAL", reg.register("__GLOBAL", "\"int\""),
             422, 42208, INVALID_SUBJECT.format("__GLOBAL"))
expect_json("none of the failures created a subject", reg.get("/subjects"),
            ["doc-value", "other-value", "prim", "typed", "users-value", "vzero"])

# Unknown fields are ignored (Confluent 6+), wrong types are not.
r = reg.request("POST", "/subjects/extra/versions",
                {"schema": "\"long\"", "schemaTagsToAdd": [], "bogus": {"x": 1}, "metadata": None})
ok("unknown request fields are ignored", r.status == 200 and list(r.json) == ["id"], r)
r = reg.request("POST", "/subjects/bad/versions", {"schema": 5})
ok("a non-string schema is a 4xx JSON error", r.status in (400, 422) and
   isinstance(r.json, dict) and list(r.json) == ["error_code", "message"], r)

# metadata and ruleSet (7.4+ data contracts) are accepted, stored, echoed in
# Jackson's order (after references, before schema) and part of the identity.
MD = {"properties": {"owner": "team-a"}}
RS = {"domainRules": [{"name": "r1", "kind": "CONDITION", "mode": "WRITE", "type": "CEL",
                       "expr": "true"}]}
md_id = reg_id("a schema with metadata", reg, "meta", "\"int\"", metadata=MD)
expect_json("...again: same id", reg.register("meta", "\"int\"", metadata=MD), {"id": md_id})
plain_id = reg_id("the same schema without metadata", reg, "meta", "\"int\"")
rs_id = reg_id("...and with a ruleSet", reg, "meta", "\"int\"", ruleSet=RS)
eq("metadata and ruleSet make distinct schemas", len({md_id, plain_id, rs_id}), 3)
expect_json("a version with metadata", reg.get("/subjects/meta/versions/1"),
            {"subject": "meta", "version": 1, "id": md_id, "metadata": MD, "schema": '"int"'})
# Stored as Confluent's Jackson entities print a rule: "disabled" is always there.
RS_STORED = {"domainRules": [dict(RS["domainRules"][0], disabled=False)]}
expect_json("a version with a ruleSet", reg.get("/subjects/meta/versions/3"),
            {"subject": "meta", "version": 3, "id": rs_id, "ruleSet": RS_STORED, "schema": '"int"'})
expect_json("by id: schema, then metadata", reg.get(f"/schemas/ids/{md_id}"),
            {"schema": '"int"', "metadata": MD})
expect_json("lookup with the metadata finds its version",
            reg.request("POST", "/subjects/meta", {"schema": '"int"', "metadata": MD}),
            {"subject": "meta", "version": 1, "id": md_id, "metadata": MD, "schema": '"int"'})
expect_json("lookup without finds the plain version",
            reg.request("POST", "/subjects/meta", {"schema": '"int"'}),
            entity("meta", 2, plain_id, '"int"'))

# ":.:" (the default context) qualifies nothing: ":.:users-value" is users-value.
r = reg.register(q(":.:users-value"), A)
expect_json("register under :.:users-value is users-value", r, {"id": id_a})
expect_json("read under the qualified name", reg.get("/subjects/" + q(":.:users-value") +
                                                     "/versions/1"),
            entity("users-value", 1, id_a, A_TEXT))

# ---- GET /subjects ------------------------------------------------------------------------------
ALL = ["doc-value", "extra", "meta", "other-value", "prim", "typed", "users-value", "vzero"]
expect_json("GET /subjects is sorted", reg.get("/subjects"), ALL)
expect_json("subjectPrefix filters", reg.get("/subjects?subjectPrefix=u"), ["users-value"])
expect_json("subjectPrefix :*: means all", reg.get("/subjects?subjectPrefix=%3A*%3A"), ALL)
expect_json("offset and limit page the list", reg.get("/subjects?offset=1&limit=2"),
            ["extra", "meta"])
expect_json("limit -1 means no limit", reg.get("/subjects?limit=-1&offset=6"),
            ["users-value", "vzero"])

# ---- GET versions -------------------------------------------------------------------------------
expect_json("versions ascending", reg.get("/subjects/users-value/versions"), [1, 2, 3])
expect_json("versions paged", reg.get("/subjects/users-value/versions?offset=1&limit=1"), [2])
expect_error("versions of a missing subject", reg.get("/subjects/nope/versions"),
             404, 40401, SUBJECT_NOT_FOUND.format("nope"))

B_TEXT = ('{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"name",'
          '"type":"string"},{"name":"age","type":"int","default":0}]}')
r = reg.get("/subjects/users-value/versions/2")
expect_json("a version: subject, version, id, schema in that order", r,
            entity("users-value", 2, id_b, B_TEXT))
v3_text = reg.get("/subjects/users-value/versions/3").json["schema"]
expect_json("latest is the highest version", reg.get("/subjects/users-value/versions/latest"),
            entity("users-value", 3, id_c, v3_text))
expect_json("-1 means latest", reg.get("/subjects/users-value/versions/-1"),
            reg.get("/subjects/users-value/versions/3").json)
r = reg.get("/subjects/users-value/versions/1/schema")
eq("the raw schema endpoint answers the bare schema text", (r.status, r.raw), (200, A_TEXT))
eq("...as JSON media type", r.headers.get("Content-Type"), "application/vnd.schemaregistry.v1+json")
r = reg.get("/subjects/prim/versions/latest/schema")
eq("raw primitive schema", (r.status, r.raw), (200, '"string"'))
r = reg.get("/subjects/users-value/versions/1?format=resolved")
expect_json("an unknown or Avro format parameter is accepted", r, entity("users-value", 1, id_a,
                                                                          A_TEXT))

expect_error("a version that does not exist", reg.get("/subjects/users-value/versions/9"),
             404, 40402, VERSION_NOT_FOUND.format(9))
expect_error("raw: a version that does not exist",
             reg.get("/subjects/users-value/versions/9/schema"), 404, 40402,
             VERSION_NOT_FOUND.format(9))
expect_error("a version of a missing subject", reg.get("/subjects/nope/versions/1"),
             404, 40401, SUBJECT_NOT_FOUND.format("nope"))
expect_error("latest of a missing subject", reg.get("/subjects/nope/versions/latest"),
             404, 40401, SUBJECT_NOT_FOUND.format("nope"))
for bad in ["0", "-2", "2147483648", "abc", "1.5", "earliest"]:
    expect_error(f"version '{bad}' is invalid", reg.get(f"/subjects/users-value/versions/{bad}"),
                 422, 42202, INVALID_VERSION.format(bad))
expect_error("an invalid version is judged before the subject",
             reg.get("/subjects/nope/versions/0"), 422, 42202, INVALID_VERSION.format("0"))
expect_json("version 2147483647 is valid (and missing)",
            reg.get("/subjects/users-value/versions/2147483647"),
            {"error_code": 40402, "message": VERSION_NOT_FOUND.format(2147483647)}, status=404)

# ---- POST /subjects/{s}: lookup --------------------------------------------------------------
r = reg.request("POST", "/subjects/users-value", {"schema": A_SPACED})
expect_json("lookup finds the version, in Schema entity shape", r,
            entity("users-value", 1, id_a, A_TEXT))
r = reg.request("POST", "/subjects/other-value", {"schema": json.dumps(A)})
expect_json("lookup under the other subject", r, entity("other-value", 1, id_a, A_TEXT))
r = reg.request("POST", "/subjects/prim", {"schema": '{"type": "string"}'})
expect_json("lookup folds primitives too", r, entity("prim", 1, id_s1, '"string"'))
expect_error("lookup of a schema the subject lacks",
             reg.request("POST", "/subjects/other-value", {"schema": json.dumps(B)}),
             404, 40403, "Schema not found")
expect_error("lookup in a missing subject",
             reg.request("POST", "/subjects/nope", {"schema": json.dumps(A)}),
             404, 40401, SUBJECT_NOT_FOUND.format("nope"))
expect_error("lookup in a missing subject answers 40401 before judging the schema",
             reg.request("POST", "/subjects/nope", {"schema": "{bad"}),
             404, 40401, SUBJECT_NOT_FOUND.format("nope"))
expect_error_prefix("lookup of an invalid schema",
                    reg.request("POST", "/subjects/users-value", {"schema": '{"type":"nada"}'}),
                    422, 42201, "Invalid schema")
expect_json("lookup created nothing", reg.get("/subjects"), ALL)

reg.stop()
finish()

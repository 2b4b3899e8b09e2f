"""Confluent 8.x shapes and 7.4+ data contracts on the write side, with the
server's default --api-shapes 8: the register answer, the Schema entity,
GUIDs, metadata and rule sets (inheritance, defaults and overrides,
confluent:version, compatibilityGroup, validateFields, 42210), the config's
new keys, GET /subjects/{s}/metadata, normalize and aliases.
"""
import hashlib
import json
import struct
import uuid

from apiutil import (Registry, canon, eq, expect_error, expect_error_prefix, expect_json, finish,
                     ok, record)

reg = Registry(api="8").start()


def guid(schema_text, refs=(), metadata=None, ruleset=None):
    """Confluent 8's GUID (Schema.updateHash), for schemas without tags or rules."""
    md5 = hashlib.md5(schema_text.encode())
    for r in refs:
        md5.update(r["name"].encode() + r["subject"].encode() + struct.pack(">i", r["version"]))
    if metadata is not None:
        md5.update(b"\x01")
        for k in sorted(metadata.get("tags", {})):
            md5.update(k.encode())
            for v in sorted(metadata["tags"][k]):
                md5.update(v.encode())
        for k in sorted(metadata.get("properties", {})):
            md5.update(k.encode() + metadata["properties"][k].encode())
        for s in sorted(metadata.get("sensitive", [])):
            md5.update(s.encode())
    assert ruleset is None
    return str(uuid.UUID(bytes=md5.digest()))


def post(path, body):
    return reg.request("POST", path, body)


def put(path, body):
    return reg.request("PUT", path, body)


A = record("A", ("a", "int"))
A2 = record("A", ("a", "int"), ("b", "string", "x"))
A3 = record("A", ("a", "int"), ("b", "string", "x"), ("c", "long", 0))

# ---- the register answer and the Schema entity ----
r = reg.register("s", A)
want = {"id": 1, "version": 1, "guid": guid(canon(A)), "schemaType": "AVRO", "schema": canon(A)}
expect_json("register: the full 8.x answer in RegisterSchemaResponse's order", r, want)
expect_json("the same registration again: the same answer", reg.register("s", A), want)
r = reg.get("/subjects/s/versions/1")
ok("GET version: subject, version, id, guid, schemaType, schema, ts, deleted",
   r.status == 200 and list(r.json) == ["subject", "version", "id", "guid", "schemaType", "schema",
                                        "ts", "deleted"] and
   r.json["guid"] == want["guid"] and isinstance(r.json["ts"], int) and r.json["ts"] > 0 and
   r.json["deleted"] is False, r)
r = post("/subjects/s", {"schema": json.dumps(A)})
ok("lookup: the entity built from the request (guid, schemaType; no ts or deleted)",
   r.status == 200 and list(r.json) == ["subject", "version", "id", "guid", "schemaType",
                                        "schema"], r)

# ---- metadata: kept canonical, inherited, merged with the config ----
MD = {"properties": {"owner": "team-a", "app": "x"}, "sensitive": ["b", "a", "b"]}
MD_CANON = {"properties": {"app": "x", "owner": "team-a"}, "sensitive": ["a", "b"]}
r = reg.register("m", A, metadata=MD)
ok("metadata is answered sorted, sensitive without repeats",
   r.status == 200 and r.json.get("metadata") == MD_CANON and
   list(r.json) == ["id", "version", "guid", "schemaType", "metadata", "schema"] and
   r.json["guid"] == guid(canon(A), metadata=MD_CANON), r)
m1 = r.json.get("id")
r = reg.register("m", A2)
ok("a new version without metadata inherits the previous version's",
   r.status == 200 and r.json.get("version") == 2 and r.json.get("metadata") == MD_CANON, r)
r = reg.register("m", A2)
eq("registering it again finds that version", (r.status, r.json.get("version")), (200, 2))
r = post("/subjects/m/versions", {"metadata": {"properties": {"owner": "team-b"}}})
ok("metadata and no schema: the previous schema, the new metadata",
   r.status == 200 and r.json.get("version") == 3 and r.json.get("schema") == canon(A2) and
   r.json.get("metadata") == {"properties": {"owner": "team-b"}}, r)
expect_error("no schema and no previous version: Empty schema",
             post("/subjects/fresh/versions", {"metadata": {"properties": {"a": "b"}}}),
             422, 42201, "Empty schema")
expect_error_prefix("metadata that is not an object: 400",
                    post("/subjects/m/versions", {"schema": json.dumps(A), "metadata": [1]}),
                    400, 400, "")
expect_error_prefix("properties that are not strings: 400",
                    post("/subjects/m/versions",
                         {"schema": json.dumps(A), "metadata": {"properties": {"a": 1}}}),
                    400, 400, "")

put("/config/d", {"defaultMetadata": {"properties": {"owner": "default", "tier": "1"}},
                  "overrideMetadata": {"properties": {"team": "platform"}}})
r = reg.get("/config/d")
ok("GET /config/{s}: the new keys as stored",
   r.status == 200 and r.json.get("defaultMetadata") == {"properties": {"owner": "default",
                                                                        "tier": "1"}} and
   r.json.get("overrideMetadata") == {"properties": {"team": "platform"}}, r)
r = reg.register("d", A, metadata={"properties": {"owner": "me", "team": "mine"}})
eq("default < the request's own < override",
   r.json.get("metadata") if r.status == 200 else r.raw,
   {"properties": {"owner": "me", "team": "platform", "tier": "1"}})
put("/config/d", {"compatibility": "FULL"})
r = reg.get("/config/d")
ok("PUT /config merges: a later PUT keeps the keys it does not name",
   r.json.get("compatibilityLevel") == "FULL" and "defaultMetadata" in r.json, r)

r = post("/subjects/v/versions", {"schema": json.dumps(A), "version": 1,
                                   "metadata": {"properties": {"k": "v"}}})
ok("a request that names its version gets confluent:version",
   r.status == 200 and r.json.get("metadata", {}).get("properties", {}).get(
       "confluent:version") == "1", r)
r = reg.register("v", A2)
ok("...and the next version's inherited confluent:version is its own number",
   r.status == 200 and r.json.get("metadata", {}).get("properties", {}).get(
       "confluent:version") == "2", r)

# ---- rule sets ----
RULE = {"name": "checkA", "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": "true"}
r = reg.register("rs", A, ruleSet={"domainRules": [RULE]})
ok("a rule set is answered with kind, mode and disabled filled in",
   r.status == 200 and r.json.get("ruleSet") == {"domainRules": [dict(RULE, disabled=False)]} and
   list(r.json)[-2:] == ["ruleSet", "schema"], r)
bad_rules = [
    ({"domainRules": [RULE, dict(RULE)]}, "Found rule with duplicate name 'checkA'"),
    ({"domainRules": [dict(RULE, name="1x")]}, "Illegal initial character in rule name: 1x"),
    ({"domainRules": [dict(RULE, name="a b")]}, "Illegal character in rule name: a b"),
    ({"domainRules": [{k: v for k, v in RULE.items() if k != "type"}]}, "Missing rule type"),
    ({"migrationRules": [dict(RULE, mode="WRITE")]},
     "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN"),
    ({"domainRules": [dict(RULE, mode="UPGRADE")]}, "Domain rules can only be WRITE, READ, WRITEREAD"),
    ({"domainRules": [dict(RULE, onFailure="ERROR,NONE")]},
     "Multiple actions only valid with WRITEREAD and UPDOWN"),
]
for rules, message in bad_rules:
    expect_error(f"ruleSet refused: {message}", reg.register("rs", A2, ruleSet=rules),
                 422, 42210, message)
expect_error_prefix("a rule of an unknown kind: 400",
                    reg.register("rs", A2, ruleSet={"domainRules": [dict(RULE, kind="MAGIC")]}),
                    400, 400, "")
expect_error("an invalid defaultRuleSet in the config: 42210",
             put("/config/rs", {"defaultRuleSet": {"domainRules": [RULE, RULE]}}),
             422, 42210, "Found rule with duplicate name 'checkA'")

# ---- compatibilityGroup and validateFields ----
put("/config/g", {"compatibility": "BACKWARD", "compatibilityGroup": "major"})
INT_ONLY = record("G", ("a", "int"))
STR_ONLY = record("G", ("a", "string"))
ok("group 1, first version", reg.register("g", INT_ONLY,
                                          metadata={"properties": {"major": "1"}}).status == 200)
r = reg.register("g", STR_ONLY, metadata={"properties": {"major": "2"}})
ok("an incompatible schema in another group is accepted", r.status == 200, r)
r = reg.register("g", record("G", ("a", "boolean")), metadata={"properties": {"major": "2"}})
expect_error_prefix("...but judged against its own group", r, 409, 409,
                    'Schema being registered is incompatible with an earlier schema for subject "g"')

put("/config/f", {"validateFields": True})
r = reg.register("f", record("F", ("secret", "int")),
                 metadata={"properties": {"confluent:reserved": "secret, other"}})
expect_error("validateFields: a field that is reserved", r, 409, 409,
             'Schema being registered is incompatible with an earlier schema for subject "f", '
             "details: [The new schema has field that conflicts with the reserved field secret., "
             "{validateFields: 'true', compatibility: 'BACKWARD'}]")
ok("validateFields: reserving fields the schema lacks is fine",
   reg.register("f", record("F", ("x", "int")),
                metadata={"properties": {"confluent:reserved": "secret"}}).status == 200)
r = reg.register("f", record("F", ("x", "int"), ("y", "int", 0)),
                 metadata={"properties": {"confluent:reserved": "other"}})
expect_error_prefix("validateFields: a reserved field may not be dropped", r, 409, 409,
                    'Schema being registered is incompatible with an earlier schema for subject "f", '
                    "details: [The new schema has reserved field secret removed")

# ---- GET /subjects/{s}/metadata ----
for i, env in enumerate(["prod", "dev", "prod"]):
    reg.register("meta", record("M", ("a", "int"), *[(f"f{k}", "int", 0) for k in range(i)]),
                 metadata={"properties": {"env": env, "n": str(i)}})
r = reg.get("/subjects/meta/metadata?key=env&value=prod")
eq("the newest version whose properties match", (r.status, r.json.get("version")), (200, 3))
r = reg.get("/subjects/meta/metadata?deleted=false&&key=env&value=dev")
eq("an empty query segment (the JS client's &&) is tolerated",
   (r.status, r.json.get("version")), (200, 2))
r = reg.get("/subjects/meta/metadata?key=env&value=prod&key=n&value=0")
eq("every pair must match", (r.status, r.json.get("version")), (200, 1))
eq("its entity is the stored one, in 8.0's order", list(r.json),
   ["subject", "version", "id", "guid", "schemaType", "metadata", "schema", "ts", "deleted"])
expect_error("no version matches: 40403", reg.get("/subjects/meta/metadata?key=env&value=qa"),
             404, 40403, "Schema not found")
expect_error("an unknown subject: 40401", reg.get("/subjects/nope/metadata?key=a&value=b"),
             404, 40401, "Subject 'nope' not found.")
reg.request("DELETE", "/subjects/meta/versions/3")
r = reg.get("/subjects/meta/metadata?key=env&value=prod")
eq("a soft-deleted version no longer matches", r.json.get("version"), 1)
r = reg.get("/subjects/meta/metadata?key=env&value=prod&deleted=true")
eq("...unless deleted=true", r.json.get("version"), 3)

# ---- normalize ----
P1 = {"type": "record", "name": "N", "b": 1, "a": 2,
      "fields": [{"name": "f", "type": "int", "default": 0, "z": {"y": 1, "x": 2}, "m": 1}]}
P2 = {"type": "record", "name": "N", "a": 2, "b": 1,
      "fields": [{"name": "f", "type": "int", "default": 0, "m": 1, "z": {"x": 2, "y": 1}}]}
n1 = post("/subjects/n/versions?normalize=true", {"schema": json.dumps(P1)})
n2 = post("/subjects/n/versions?normalize=true", {"schema": json.dumps(P2)})
ok("normalize: properties in another order are the same schema",
   n1.status == 200 and n2.status == 200 and n1.json["id"] == n2.json["id"] and
   n1.json["version"] == n2.json["version"], (n1, n2))
ok("normalize: the properties and keys inside them are stored sorted",
   n1.status == 200 and n1.json["schema"] == json.dumps(
       {"type": "record", "name": "N", "fields": [{"name": "f", "type": "int", "default": 0,
                                                   "m": 1, "z": {"x": 2, "y": 1}}],
        "a": 2, "b": 1}, separators=(",", ":")), n1)
p1 = post("/subjects/nn/versions", {"schema": json.dumps(P1)})
p2 = post("/subjects/nn/versions", {"schema": json.dumps(P2)})
ok("without normalize they are two schemas", p1.status == 200 and p2.status == 200 and
   p1.json["id"] != p2.json["id"], (p1, p2))
put("/config/nc", {"normalize": True})
c1 = post("/subjects/nc/versions", {"schema": json.dumps(P1)})
c2 = post("/subjects/nc/versions", {"schema": json.dumps(P2)})
ok("the subject's normalize config stands in for the parameter",
   c1.status == 200 and c2.status == 200 and c1.json["id"] == c2.json["id"] ==
   n1.json.get("id"), (c1, c2))
r = post("/subjects/n?normalize=true", {"schema": json.dumps(P2)})
eq("lookup with normalize finds the version", (r.status, r.json.get("version")), (200, 1))
expect_error_prefix("normalize on an invalid schema: 42201",
                    post("/subjects/n/versions?normalize=true", {"schema": '{"type":"nope"}'}),
                    422, 42201, "Invalid schema")
r = post("/compatibility/subjects/n/versions/latest?normalize=true", {"schema": json.dumps(P2)})
eq("compatibility with normalize", (r.status, r.json), (200, {"is_compatible": True}))

# ---- aliases ----
put("/config/alias-of-s", {"alias": "s"})
expect_json("/subjects/{alias}/versions answers the aliased subject",
            reg.get("/subjects/alias-of-s/versions"), [1])
r = reg.get("/config/alias-of-s")
eq("/config/{alias} is the alias's own config", r.json.get("alias"), "s")
put("/config/alias-of-s", {"alias": ""})
expect_error("an empty alias is none", reg.get("/subjects/alias-of-s/versions"),
             404, 40401, "Subject 'alias-of-s' not found.")

reg.stop()

# ---- the schema size limit (--max-schema-bytes) ----
small = Registry(api="8", extra_args=["--max-schema-bytes", "1k"]).start()
BIG = record("Big", *[(f"field_{i}", "int") for i in range(60)])
r = small.register("big", BIG)
expect_error("a schema over --max-schema-bytes: 42201 naming the limit", r, 422, 42201,
             f"Invalid schema: the schema text is {len(json.dumps(BIG))} bytes, more than this "
             "registry's limit of 1024 bytes")
r = small.request("POST", "/compatibility/subjects/big/versions/latest",
                  {"schema": json.dumps(BIG)})
expect_error_prefix("...the same for a compatibility check", r, 422, 42201, "Invalid schema: the")
ok("a schema under the limit registers", small.register("big", A).status == 200)
small.stop()
finish()

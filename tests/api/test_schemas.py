"""Schemas by id and the schema listings (Confluent §3.4, §3.1, §3.8).

Endpoints: GET /schemas, GET /schemas/types, GET /schemas/ids/{id},
GET /schemas/ids/{id}/schema, GET /schemas/ids/{id}/subjects,
GET /schemas/ids/{id}/versions, GET /, POST /, GET /contexts,
GET /v1/metadata/id, GET /v1/metadata/version.
"""
from apiutil import (Registry, canon, entity, eq, expect_error, expect_json, finish, ok, record,
                     reg_id)

reg = Registry().start()

A = record("A", ("a", "int"))
B = record("A", ("a", "int"), ("b", "string", "x"))
C = record("C", ("c", "long"))

id_a = reg_id("register A under s1", reg, "s1", A)
id_b = reg_id("register B under s1", reg, "s1", B)
reg_id("register A under s2", reg, "s2", A)
id_c = reg_id("register C under t1", reg, "t1", C)

# ---- /schemas/ids/{id} --------------------------------------------------------------------------
r = reg.get(f"/schemas/ids/{id_a}")
expect_json("by id: exactly {\"schema\"} for Avro without references", r, {"schema": canon(A)})
eq("by id: v1 media type", r.headers.get("Content-Type"), "application/vnd.schemaregistry.v1+json")
r = reg.get(f"/schemas/ids/{id_a}?fetchMaxId=true")
expect_json("fetchMaxId adds maxId after the schema", r, {"schema": canon(A), "maxId": id_c})
r = reg.get(f"/schemas/ids/{id_b}?subject=s1")
expect_json("?subject= naming a subject that carries the id", r, {"schema": canon(B)})
# Deserializers pass their topic's subject; it only names the context to search.
expect_json("?subject= naming another subject of the context still finds the id",
            reg.get(f"/schemas/ids/{id_b}?subject=t1"), {"schema": canon(B)})
r = reg.get(f"/schemas/ids/{id_b}/schema?subject=nope")
eq("...raw too", (r.status, r.raw), (200, canon(B)))
expect_error("an unknown id", reg.get("/schemas/ids/999"), 404, 40403, "Schema 999 not found")
expect_error("id 0", reg.get("/schemas/ids/0"), 404, 40403, "Schema 0 not found")
expect_error("a negative id", reg.get("/schemas/ids/-1"), 404, 40403, "Schema -1 not found")
expect_error("an id past Integer.MAX_VALUE is a path that does not convert",
             reg.get("/schemas/ids/99999999999"), 404, 404, "HTTP 404 Not Found")
expect_error("a non-numeric id", reg.get("/schemas/ids/abc"), 404, 404, "HTTP 404 Not Found")
expect_error("a non-numeric id (raw)", reg.get("/schemas/ids/1x/schema"), 404, 404,
             "HTTP 404 Not Found")

r = reg.get(f"/schemas/ids/{id_b}/schema")
eq("raw schema by id", (r.status, r.raw), (200, canon(B)))
expect_error("raw schema of an unknown id", reg.get("/schemas/ids/999/schema"), 404, 40403,
             "Schema 999 not found")

expect_json("subjects of an id, sorted", reg.get(f"/schemas/ids/{id_a}/subjects"), ["s1", "s2"])
expect_json("subjects of an id filtered by ?subject=",
            reg.get(f"/schemas/ids/{id_a}/subjects?subject=s2"), ["s2"])
expect_error("subjects of an unknown id", reg.get("/schemas/ids/999/subjects"), 404, 40403,
             "Schema not found")
expect_json("versions of an id: SubjectVersion objects",
            reg.get(f"/schemas/ids/{id_a}/versions"),
            [{"subject": "s1", "version": 1}, {"subject": "s2", "version": 1}])
expect_error("versions of an unknown id", reg.get("/schemas/ids/999/versions"), 404, 40403,
             "Schema not found")
expect_error("versions of a non-numeric id", reg.get("/schemas/ids/x/versions"), 404, 404,
             "HTTP 404 Not Found")

# Soft-deleted usages: the id stays resolvable; listings hide them unless deleted=true.
r = reg.request("DELETE", "/subjects/s2/versions/1")
eq("soft-delete s2 version 1", (r.status, r.raw), (200, "1"))
expect_json("the id still resolves", reg.get(f"/schemas/ids/{id_a}"), {"schema": canon(A)})
expect_json("its subjects skip the soft-deleted one", reg.get(f"/schemas/ids/{id_a}/subjects"),
            ["s1"])
expect_json("...unless deleted=true", reg.get(f"/schemas/ids/{id_a}/subjects?deleted=true"),
            ["s1", "s2"])
expect_json("its versions likewise", reg.get(f"/schemas/ids/{id_a}/versions?deleted=true"),
            [{"subject": "s1", "version": 1}, {"subject": "s2", "version": 1}])
r = reg.request("DELETE", "/subjects/t1")
eq("soft-delete t1", (r.status, r.json), (200, [1]))
expect_json("an id used only by soft-deleted versions lists no subjects",
            reg.get(f"/schemas/ids/{id_c}/subjects"), [])
expect_json("...and no versions", reg.get(f"/schemas/ids/{id_c}/versions"), [])
expect_json("...but still resolves", reg.get(f"/schemas/ids/{id_c}"), {"schema": canon(C)})

# ---- GET /schemas -------------------------------------------------------------------------------
expect_json("GET /schemas lists live subject-versions as Schema entities", reg.get("/schemas"),
            [entity("s1", 1, id_a, A), entity("s1", 2, id_b, B)])
expect_json("deleted=true includes soft-deleted ones", reg.get("/schemas?deleted=true"),
            [entity("s1", 1, id_a, A), entity("s1", 2, id_b, B), entity("s2", 1, id_a, A),
             entity("t1", 1, id_c, C)])
expect_json("latestOnly", reg.get("/schemas?latestOnly=true&deleted=true"),
            [entity("s1", 2, id_b, B), entity("s2", 1, id_a, A), entity("t1", 1, id_c, C)])
expect_json("subjectPrefix", reg.get("/schemas?subjectPrefix=t&deleted=true"),
            [entity("t1", 1, id_c, C)])
expect_json("offset and limit", reg.get("/schemas?deleted=true&offset=1&limit=2"),
            [entity("s1", 2, id_b, B), entity("s2", 1, id_a, A)])

# ---- small endpoints ----------------------------------------------------------------------------
expect_json("GET /schemas/types: Avro only", reg.get("/schemas/types"), ["AVRO"])
expect_json("GET / answers {}", reg.get("/"), {})
expect_json("POST / answers {} whatever the map", reg.request("POST", "/", {"a": "b"}), {})
expect_json("GET /contexts: the default context", reg.get("/contexts"), ["."])
r = reg.get("/v1/metadata/id")
ok("GET /v1/metadata/id: ServerClusterId with scope.path [] and clusters",
   r.status == 200 and r.json.get("scope", {}).get("path") == [] and
   isinstance(r.json["scope"].get("clusters"), dict) and set(r.json) <= {"id", "scope"} and
   r.json.get("id", "") == "", r)
r = reg.get("/v1/metadata/version")
ok("GET /v1/metadata/version: {version, commitId}",
   r.status == 200 and list(r.json) == ["version", "commitId"] and
   all(isinstance(v, str) and v for v in r.json.values()), r)

reg.stop()
finish()

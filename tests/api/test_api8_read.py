"""Confluent 8's read side: schemas by id and by GUID in 8.x shapes, contexts
(GET and DELETE /contexts, ids per context, subjectPrefix), and the smaller
8.x gaps (latest in any case, offset/limit, deletedAsNegative, ts).

The server runs with --api-shapes 8. Sources: Confluent's SchemasResource,
ContextsResource, AbstractSchemaRegistry (getSchemaKeyUsingContexts,
getIdUsingContexts, listIdsForGuid), VersionId, QualifiedSubject.

Endpoints: GET /schemas/ids/{id}[/schema|/subjects|/versions],
GET /schemas/guids/{guid}[/ids], GET /schemas, GET /subjects,
GET /subjects/{s}/versions[/{v}[/schema|/referencedby]], GET /contexts,
DELETE /contexts/{context}, POST /compatibility/subjects/{s}/versions/{v}.
"""
import hashlib
import json
import time
import uuid

from apiutil import (INVALID_VERSION, Registry, canon, eq, expect_error, expect_json, finish, ok,
                     q, record)

reg = Registry(api="8").start()
NOW_MS = int(time.time() * 1000)


def delete(path):
    return reg.request("DELETE", path)


def guid_of(text):
    """Confluent's GUID of a schema without references, metadata or ruleSet:
    the MD5 of its text, printed as a UUID (no version bits set)."""
    return str(uuid.UUID(bytes=hashlib.md5(text.encode()).digest()))


def register(subject, schema, **extra):
    r = reg.register(q(subject), schema, **extra)
    ok(f"register {subject}", r.status == 200 and isinstance((r.json or {}).get("id"), int), r)
    return (r.json or {}).get("id")


def string_shape(schema_text, ts_expected=True, deleted=False, subject=None, version=None,
                 references=None, max_id=None):
    """The SchemaString Confluent 8 answers, in its field order (ts checked apart)."""
    out = {}
    if subject is not None:
        out["subject"] = subject
        out["version"] = version
    out["guid"] = None  # filled by the caller's comparison
    out["schemaType"] = "AVRO"
    out["schema"] = schema_text
    if references:
        out["references"] = references
    if max_id is not None:
        out["maxId"] = max_id
    if ts_expected:
        out["ts"] = None
    out["deleted"] = deleted
    return out


def expect_string(name, r, want, guid):
    """Compares a SchemaString: key order, every value, the GUID given and a
    ts that is a plausible registration time (ms since the epoch, recent)."""
    got = r.json if isinstance(r.json, dict) else {}
    ts = got.get("ts")
    want = dict(want, guid=guid)
    if "ts" in want:
        want["ts"] = ts if isinstance(ts, int) and abs(ts - NOW_MS) < 600_000 else "a recent ms"
    return expect_json(name, r, want)


A = record("A", ("a", "int"))
A_TEXT = canon(A)
B = record("B", ("b", "string"))
B_TEXT = canon(B)
C = record("C", ("c", "long"))
C_TEXT = canon(C)

# ---- ids per context -------------------------------------------------------------------------
id_a = register("alpha", A)
id_b = register("beta", B)
eq("default context ids 1, 2", (id_a, id_b), (1, 2))
id_ctx_b = register(":.team:orders", B)
id_ctx_a = register(":.team:alpha", A)
eq("the context .team numbers its own ids from 1", (id_ctx_b, id_ctx_a), (1, 2))
id_other_c = register(":.other:gamma", C)
eq("and .other its own", id_other_c, 1)

# ---- GET /schemas/ids/{id} -------------------------------------------------------------------
expect_string("by id: the 8.x SchemaString (guid, schemaType, schema, ts, deleted)",
              reg.get(f"/schemas/ids/{id_a}"), string_shape(A_TEXT), guid_of(A_TEXT))
expect_string("?subject= adds the subject and version of the key found",
              reg.get(f"/schemas/ids/{id_a}?subject=alpha"),
              string_shape(A_TEXT, subject="alpha", version=1), guid_of(A_TEXT))
expect_string("?subject= naming a subject without the id: any subject of the default context",
              reg.get(f"/schemas/ids/{id_b}?subject=nobody-value"),
              string_shape(B_TEXT, subject="beta", version=1), guid_of(B_TEXT))
expect_string("?subject= empty: the default context, subject and version shown",
              reg.get(f"/schemas/ids/{id_a}?subject="),
              string_shape(A_TEXT, subject="alpha", version=1), guid_of(A_TEXT))
# id 1 of the default context is A; "orders" only exists in .team, where id 1 is B.
expect_string("a plain subject found only in another context: its id there",
              reg.get("/schemas/ids/1?subject=orders"),
              string_shape(B_TEXT, subject=":.team:orders", version=1), guid_of(B_TEXT))
expect_string("a qualified subject looks only in its context",
              reg.get(f"/schemas/ids/1?subject={q(':.team:orders')}"),
              string_shape(B_TEXT, subject=":.team:orders", version=1), guid_of(B_TEXT))
expect_error("a qualified subject that does not carry the id: 404, no fallback",
             reg.get(f"/schemas/ids/2?subject={q(':.team:orders')}"), 404, 40403,
             "Schema 2 not found")
expect_string("a context alone (':.team:') picks any subject of it",
              reg.get(f"/schemas/ids/2?subject={q(':.team:')}"),
              string_shape(A_TEXT, subject=":.team:alpha", version=1), guid_of(A_TEXT))
expect_string("the URL form /contexts/.team/schemas/ids/1 reads .team's id 1",
              reg.get("/contexts/.team/schemas/ids/1"),
              string_shape(B_TEXT, subject=":.team:orders", version=1), guid_of(B_TEXT))
expect_error("an id the context does not have", reg.get("/contexts/.other/schemas/ids/2"),
             404, 40403, "Schema 2 not found")
expect_error("an unknown id", reg.get("/schemas/ids/999"), 404, 40403, "Schema 999 not found")
expect_error("an unknown context", reg.get(f"/schemas/ids/1?subject={q(':.ghost:')}"),
             404, 40403, "Schema 1 not found")
for bad in ["abc", "1.5", "%201", "99999999999"]:
    expect_error(f"id {bad!r}: Jersey's 404", reg.get(f"/schemas/ids/{bad}"), 404, 404,
                 "HTTP 404 Not Found")
expect_error("a context name with a colon in the URL form",
             reg.get("/contexts/a:b/schemas/ids/1"), 400, 400,
             "Context name cannot contain a colon")

expect_string("fetchMaxId: maxId of the default context",
              reg.get(f"/schemas/ids/{id_a}?fetchMaxId=true"),
              string_shape(A_TEXT, max_id=2), guid_of(A_TEXT))
expect_string("fetchMaxId with a context: that context's maxId",
              reg.get(f"/schemas/ids/1?subject={q(':.other:')}&fetchMaxId=true"),
              string_shape(C_TEXT, subject=":.other:gamma", version=1, max_id=1),
              guid_of(C_TEXT))
r = reg.get(f"/schemas/ids/{id_b}/schema?subject={q(':.team:')}")
eq("/schemas/ids/{id}/schema reads the context ?subject= names", (r.status, r.raw),
   (200, A_TEXT))
r = reg.get("/schemas/ids/1/schema?subject=orders")
eq("...with the same fallback across contexts", (r.status, r.raw), (200, B_TEXT))
expect_error("/schema of an unknown id", reg.get("/schemas/ids/77/schema"), 404, 40403,
             "Schema 77 not found")

# Subjects and versions of an id: ?subject= picks the context, every usage there is listed.
register("alpha-copy", A)
expect_json("/versions of an id: every subject-version of the context",
            reg.get(f"/schemas/ids/{id_a}/versions?subject=alpha"),
            [{"subject": "alpha", "version": 1}, {"subject": "alpha-copy", "version": 1}])
expect_json("/subjects of an id in another context",
            reg.get(f"/schemas/ids/1/subjects?subject={q(':.team:')}"), [":.team:orders"])
expect_json("offset and limit on /schemas/ids/{id}/versions",
            reg.get(f"/schemas/ids/{id_a}/versions?offset=1&limit=1"),
            [{"subject": "alpha-copy", "version": 1}])
expect_json("offset and limit on /schemas/ids/{id}/subjects",
            reg.get(f"/schemas/ids/{id_a}/subjects?limit=1"), ["alpha"])
expect_json("an offset past the end", reg.get(f"/schemas/ids/{id_a}/versions?offset=5"), [])
expect_error("/versions of an unknown id", reg.get("/schemas/ids/404/versions"), 404, 40403,
             "Schema not found")
expect_error("/subjects with a qualified subject not carrying it",
             reg.get(f"/schemas/ids/2/subjects?subject={q(':.team:orders')}"), 404, 40403,
             "Schema not found")
expect_error("a limit that is not a number", reg.get(f"/schemas/ids/{id_a}/versions?limit=x"),
             422, 422, "Invalid value 'x' for query parameter limit")

# Soft-deleted carriers: the id stays readable, and says so (the cached answer follows).
D = record("D", ("d", "int"))
D_TEXT = canon(D)
id_d = register("delta", D)
expect_string("a live schema: deleted false", reg.get(f"/schemas/ids/{id_d}"),
              string_shape(D_TEXT), guid_of(D_TEXT))
eq("soft-delete its only version", delete("/subjects/delta/versions/1").status, 200)
expect_string("...by id it is still there, deleted true", reg.get(f"/schemas/ids/{id_d}"),
              string_shape(D_TEXT, deleted=True), guid_of(D_TEXT))
eq("...the same schema registered under another subject", register("delta-2", D), id_d)
expect_string("...shows a live version again", reg.get(f"/schemas/ids/{id_d}"),
              string_shape(D_TEXT), guid_of(D_TEXT))
expect_string("...and ?subject= of the deleted one shows that one",
              reg.get(f"/schemas/ids/{id_d}?subject=delta"),
              string_shape(D_TEXT, deleted=True, subject="delta", version=1), guid_of(D_TEXT))

# ---- format=resolved ------------------------------------------------------------------------
ADDRESS = record("Address", ("street", "string"), namespace="com.acme")
USER = record("User", ("name", "string"), ("home", "com.acme.Address"), ("work", "Address"),
              namespace="com.acme")
USER_TEXT = canon(record("User", ("name", "string"), ("home", "Address"), ("work", "Address"),
                         namespace="com.acme"))
# Java's Schema.toString() with no names known: the referenced record inline where first
# used, by name after.
USER_RESOLVED = canon(record("User", ("name", "string"), ("home", {
    "type": "record", "name": "Address", "fields": [{"name": "street", "type": "string"}]}),
    ("work", "Address"), namespace="com.acme"))
REFS = [{"name": "com.acme.Address", "subject": "address", "version": 1}]
register("address", ADDRESS)
id_user = register("user", USER, references=REFS)
r = reg.get(f"/schemas/ids/{id_user}")
eq("by id with references: schema then references, stored text",
   (r.status, list(r.json or {}), (r.json or {}).get("schema"), (r.json or {}).get("references")),
   (200, ["guid", "schemaType", "schema", "references", "ts", "deleted"], USER_TEXT, REFS))
r = reg.get(f"/schemas/ids/{id_user}?format=resolved")
eq("format=resolved inlines the referenced type", (r.status, (r.json or {}).get("schema")),
   (200, USER_RESOLVED))
eq("...and keeps guid and references", ((r.json or {}).get("guid"), (r.json or {}).get(
    "references")), (reg.get(f"/schemas/ids/{id_user}").json.get("guid"), REFS))
r = reg.get(f"/schemas/ids/{id_user}?format=RESOLVED")
eq("the format name in any case", (r.json or {}).get("schema"), USER_RESOLVED)
r = reg.get(f"/schemas/ids/{id_user}?format=nonsense")
eq("an unknown format prints the stored text", (r.status, (r.json or {}).get("schema")),
   (200, USER_TEXT))
r = reg.get(f"/schemas/ids/{id_user}/schema?format=resolved")
eq("format=resolved on /schemas/ids/{id}/schema", (r.status, r.raw), (200, USER_RESOLVED))
r = reg.get("/subjects/user/versions/1?format=resolved")
eq("format=resolved on a version", (r.status, (r.json or {}).get("schema"),
                                    (r.json or {}).get("id")), (200, USER_RESOLVED, id_user))
r = reg.get("/subjects/user/versions/latest/schema?format=resolved")
eq("format=resolved on a version's /schema", (r.status, r.raw), (200, USER_RESOLVED))
r = reg.get("/subjects/address/versions/1?format=resolved")
eq("a schema without references prints as stored", (r.json or {}).get("schema"),
   canon(ADDRESS))

# ---- GUIDs -----------------------------------------------------------------------------------
g_a = guid_of(A_TEXT)
expect_string("GET /schemas/guids/{guid}: the default context's schema, no subject",
              reg.get(f"/schemas/guids/{g_a}"), string_shape(A_TEXT), g_a)
expect_string("...32 hex digits without dashes",
              reg.get(f"/schemas/guids/{g_a.replace('-', '')}"), string_shape(A_TEXT), g_a)
expect_string("...upper-case hex", reg.get(f"/schemas/guids/{g_a.upper()}"),
              string_shape(A_TEXT), g_a)
expect_json("GET /schemas/guids/{guid}/ids: every (context, id), default first",
            reg.get(f"/schemas/guids/{g_a}/ids"),
            [{"context": ".", "id": id_a}, {"context": ".team", "id": id_ctx_a}])
g_c = guid_of(C_TEXT)
expect_string("a GUID found only in another context", reg.get(f"/schemas/guids/{g_c}"),
              string_shape(C_TEXT), g_c)
expect_json("...its ids", reg.get(f"/schemas/guids/{g_c}/ids"),
            [{"context": ".other", "id": id_other_c}])
r = reg.get(f"/schemas/guids/{reg.get(f'/schemas/ids/{id_user}').json['guid']}?format=resolved")
eq("format=resolved by GUID", (r.status, (r.json or {}).get("schema")), (200, USER_RESOLVED))
unknown = str(uuid.UUID(int=12345))
for bad in [unknown, unknown.replace("-", ""), "zzz", "0" * 31, "0" * 33, "g" * 32,
            "1234567-89ab-cdef-0123-456789abcdef0", "12345678_9abc_def0_1234_56789abcdef0",
            "%20" + unknown, "-", "null"]:
    shown = bad.replace("%20", " ")
    expect_error(f"GUID {bad!r}: 404 / 40403", reg.get(f"/schemas/guids/{bad}"), 404, 40403,
                 f"Schema {shown} not found")
    expect_error(f"GUID {bad!r}/ids: 404 / 40403", reg.get(f"/schemas/guids/{bad}/ids"), 404,
                 40403, f"Schema {shown} not found")
expect_error("GUID with invalid UTF-8", reg.get("/schemas/guids/%ff%fe"), 404, 404,
             "HTTP 404 Not Found")
expect_error("an empty GUID segment is another route", reg.get("/schemas/guids/"), 404, 404,
             "HTTP 404 Not Found")

# ---- GET /contexts, DELETE /contexts/{context} -----------------------------------------------
expect_json("GET /contexts: '.' first, then the contexts in use",
            reg.get("/contexts"), [".", ".other", ".team"])
expect_json("offset and limit", reg.get("/contexts?offset=1&limit=1"), [".other"])
expect_json("offset past the end", reg.get("/contexts?offset=9"), [])
expect_error("DELETE a context that holds versions", delete("/contexts/.team"), 422, 42211,
             "The specified context ':.team:' is not empty.")
expect_error("...named without the dot", delete("/contexts/team"), 422, 42211,
             "The specified context ':.team:' is not empty.")
expect_error("...or delimited", delete(f"/contexts/{q(':.team:')}"), 422, 42211,
             "The specified context ':.team:' is not empty.")
eq("soft-delete the only subject of .other",
   delete(f"/subjects/{q(':.other:gamma')}").status, 200)
expect_error("a context holding only soft-deleted versions is not empty",
             delete("/contexts/.other"), 422, 42211,
             "The specified context ':.other:' is not empty.")
eq("delete it for good", delete(f"/subjects/{q(':.other:gamma')}?permanent=true").status, 200)
r = delete("/contexts/.other")
eq("an empty context: 204, no body", (r.status, r.raw), (204, ""))
expect_json("...gone from the list", reg.get("/contexts"), [".", ".team"])
r = delete("/contexts/.never")
eq("a context that never existed: 204 too", (r.status, r.raw), (204, ""))
expect_error("a context name with a colon", delete("/contexts/a:b"), 400, 400,
             "Context name cannot contain a colon")
expect_error("the default context cannot be deleted", delete("/contexts/."), 405, 405,
             "HTTP 405 Method Not Allowed")
expect_error("GET on a context's path", reg.get("/contexts/.team"), 405, 405,
             "HTTP 405 Method Not Allowed")
expect_error("a context name too long", delete("/contexts/" + "x" * 300), 422, 42208)
eq("registering into a deleted context again: ids are never given twice",
   register(":.other:again", C), 2)

# ---- subjectPrefix ---------------------------------------------------------------------------
all_subjects = [":.other:again", ":.team:alpha", ":.team:orders", "address", "alpha",
                "alpha-copy", "beta", "delta-2", "user"]
expect_json("GET /subjects: every context, the default's bare, sorted",
            reg.get("/subjects"), all_subjects)
expect_json("subjectPrefix=:*: is the same", reg.get(f"/subjects?subjectPrefix={q(':*:')}"),
            all_subjects)
expect_json(":*:alpha: that name in every context",
            reg.get(f"/subjects?subjectPrefix={q(':*:alpha')}"),
            [":.team:alpha", "alpha", "alpha-copy"])
expect_json("a qualified prefix: that context only",
            reg.get(f"/subjects?subjectPrefix={q(':.team:')}"), [":.team:alpha", ":.team:orders"])
expect_json("a qualified prefix with a name", reg.get(f"/subjects?subjectPrefix={q(':.team:o')}"),
            [":.team:orders"])
expect_json("a plain prefix: the default context only",
            reg.get("/subjects?subjectPrefix=al"), ["alpha", "alpha-copy"])
expect_json(":.: is the default context", reg.get(f"/subjects?subjectPrefix={q(':.:a')}"),
            ["address", "alpha", "alpha-copy"])
expect_json("an empty prefix: the default context",
            reg.get("/subjects?subjectPrefix="), [s for s in all_subjects if s[0] != ":"])
expect_json("the URL form lists its context", reg.get("/contexts/.team/subjects"),
            [":.team:alpha", ":.team:orders"])
expect_json("offset and limit on /subjects", reg.get("/subjects?offset=2&limit=2"),
            all_subjects[2:4])
expect_json("deleted=true adds soft-deleted subjects",
            reg.get(f"/subjects?deleted=true&subjectPrefix={q(':*:delta')}"),
            ["delta", "delta-2"])

r = reg.get("/schemas")
eq("GET /schemas without a prefix: the default context (Confluent's \"\")",
   [e["subject"] for e in r.json or []],
   ["address", "alpha", "alpha-copy", "beta", "delta-2", "user"])
r = reg.get(f"/schemas?subjectPrefix={q(':*:')}")
eq("subjectPrefix=:*: every context", [e["subject"] for e in r.json or []],
   [":.other:again", ":.team:alpha", ":.team:orders", "address", "alpha", "alpha-copy", "beta",
    "delta-2", "user"])
r = reg.get(f"/schemas?subjectPrefix={q(':.team:')}&offset=1&limit=1")
eq("a context's schemas, paged after the filter",
   [(e["subject"], e["id"]) for e in r.json or []], [(":.team:orders", id_ctx_b)])
r = reg.get(f"/schemas?subjectPrefix={q(':*:alpha')}")
eq(":*:alpha on /schemas", [e["subject"] for e in r.json or []],
   [":.team:alpha", "alpha", "alpha-copy"])
r = reg.get("/schemas?subjectPrefix=alpha")
items = r.json or []
want_keys = ["subject", "version", "id", "guid", "schemaType", "schema", "ts", "deleted"]
eq("/schemas items: 8.x fields in the swagger's order",
   [list(e) for e in items], [want_keys, want_keys])
ok("...ts is the registration time in ms",
   all(isinstance(e.get("ts"), int) and abs(e["ts"] - NOW_MS) < 600_000 for e in items), r)
eq("...guid as by id", [e.get("guid") for e in items], [g_a, g_a])
r = reg.get("/schemas?subjectPrefix=delta&deleted=true")
eq("deleted versions in /schemas say so", [(e["subject"], e["deleted"]) for e in r.json or []],
   [("delta", True), ("delta-2", False)])

# ---- versions: latest, +1, 01 ----------------------------------------------------------------
register("evolve", record("E", ("e", "int")))
register("evolve", record("E", ("e", "int"), ("f", "int", 0)))
for v in ["latest", "LATEST", "Latest", "%20latest%20", "%09latest", "2", "+2", "02", "%202%20",
          "-1"]:
    r = reg.get(f"/subjects/evolve/versions/{v}")
    eq(f"version {v!r} reads version 2", (r.status, (r.json or {}).get("version")), (200, 2))
r = reg.get("/subjects/evolve/versions/+1/schema")
eq("'+1' on /schema", (r.status, r.raw), (200, canon(record("E", ("e", "int")))))
r = reg.get("/subjects/address/versions/LATEST/referencedby")
eq("'LATEST' on /referencedby", (r.status, r.json), (200, [id_user]))
r = reg.request("POST", "/compatibility/subjects/evolve/versions/Latest",
                {"schema": json.dumps(record("E", ("e", "int"), ("f", "int", 0)))})
eq("'Latest' on the compatibility check", (r.status, r.json), (200, {"is_compatible": True}))
for v, shown in [("0", "0"), ("-2", "-2"), ("1.0", "1.0"), ("+-1", "+-1"), ("--1", "--1"),
                 ("2147483648", "2147483648"), ("lat%20est", "lat est"), ("+", "+"),
                 ("%2B%2B1", "++1"), ("0x1", "0x1")]:
    expect_error(f"version {v!r}: 42202", reg.get(f"/subjects/evolve/versions/{v}"), 422, 42202,
                 INVALID_VERSION.format(shown))
expect_error("a version that is not there names the number read",
             reg.get("/subjects/evolve/versions/007"), 404, 40402, "Version 7 not found.")
eq("DELETE with 'LATEST' deletes version 2",
   (delete("/subjects/evolve/versions/LATEST").json), 2)

# ---- deletedAsNegative, offset/limit on versions ---------------------------------------------
register("evolve", record("E", ("e", "int"), ("g", "int", 0)))
expect_json("versions: live only", reg.get("/subjects/evolve/versions"), [1, 3])
expect_json("deletedAsNegative: every version, deleted ones negative",
            reg.get("/subjects/evolve/versions?deletedAsNegative=true"), [1, -2, 3])
expect_json("...whatever deleted says", reg.get(
    "/subjects/evolve/versions?deletedAsNegative=true&deleted=false"), [1, -2, 3])
expect_json("...paged", reg.get("/subjects/evolve/versions?deletedAsNegative=true&offset=1"),
            [-2, 3])
expect_json("offset/limit on versions", reg.get("/subjects/evolve/versions?offset=1&limit=1"),
            [3])
expect_error("deletedAsNegative on an unknown subject",
             reg.get("/subjects/ghost/versions?deletedAsNegative=true"), 404, 40401,
             "Subject 'ghost' not found.")

# ---- 8.x messages that name the context -------------------------------------------------------
for subject, label in [("alpha-copy", ""), (":.team:alpha", ":.team:")]:
    r = reg.request("PUT", f"/mode/{q(subject)}", {"mode": "READONLY"})
    eq(f"{subject} made read-only", (r.status, r.json), (200, {"mode": "READONLY"}))
    msg = f"Subject {subject} in context {label} is in read-only mode"
    expect_error(f"deleting a version of read-only {subject} names its context",
                 delete(f"/subjects/{q(subject)}/versions/1"), 422, 42205, msg)
    expect_error(f"deleting read-only {subject} names its context",
                 delete(f"/subjects/{q(subject)}"), 422, 42205, msg)
    eq(f"{subject} writable again",
       reg.request("PUT", f"/mode/{q(subject)}", {"mode": "READWRITE"}).status, 200)

reg.stop()

# ---- the 7.0 dialect keeps its shapes --------------------------------------------------------
old = Registry(api="7").start()
old.register("s", A)
expect_json("7.0 dialect: by id is {schema}", old.get("/schemas/ids/1?subject=s"),
            {"schema": A_TEXT})
expect_error("7.0 dialect: no GUID route", old.get(f"/schemas/guids/{g_a}"), 404, 404,
             "HTTP 404 Not Found")
expect_error("7.0 dialect: no DELETE /contexts", old.request("DELETE", "/contexts/.x"), 404, 404,
             "HTTP 404 Not Found")
expect_error("7.0 dialect: versions read exactly", old.get("/subjects/s/versions/LATEST"), 422,
             42202, INVALID_VERSION.format("LATEST"))
eq("7.0 dialect: s made read-only",
   old.request("PUT", "/mode/s", {"mode": "READONLY"}).status, 200)
expect_error("7.0 dialect: the read-only message without a context",
             old.request("DELETE", "/subjects/s"), 422, 42205, "Subject s is in read-only mode")
old.stop()
finish()

"""Schema references (Confluent §2.1, §3.3 referencedby, §5.2 42206): shapes
with references, referencedby, deletes blocked by live / any referrers, and
bad references.

Endpoints: GET /subjects/{s}/versions/{v}/referencedby, plus register,
lookup, reads and deletes with references.
"""
import json

from apiutil import (INVALID_VERSION, REFERENCE_EXISTS, SUBJECT_NOT_FOUND, VERSION_NOT_FOUND,
                     Registry, canon, entity, eq, expect_error, expect_error_prefix, expect_json,
                     finish, record, reg_id)

reg = Registry().start()


def delete(path):
    return reg.request("DELETE", path)


ADDRESS = record("Address", ("street", "string"), namespace="com.acme")
ADDRESS_TEXT = canon(ADDRESS)
USER = record("User", ("name", "string"), ("home", "com.acme.Address"), namespace="com.acme")
# Avro's Schema.toString() names a type of the enclosing namespace by its short name.
USER_TEXT = canon(record("User", ("name", "string"), ("home", "Address"), namespace="com.acme"))
REFS = [{"name": "com.acme.Address", "subject": "address", "version": 1}]

base = reg_id("register the referenced schema", reg, "address", ADDRESS)
user = reg_id("register a schema with a reference", reg, "user", USER, references=REFS)
ok_ids = base is not None and user is not None and user != base
eq("...gets its own id", ok_ids, True)

expect_json("a version with references: references between id and schema",
            reg.get("/subjects/user/versions/1"), entity("user", 1, user, USER_TEXT, REFS))
expect_json("by id: schema then references", reg.get(f"/schemas/ids/{user}"),
            {"schema": USER_TEXT, "references": REFS})
r = reg.get("/subjects/user/versions/1/schema")
eq("the raw schema is the text alone", (r.status, r.raw), (200, USER_TEXT))
expect_json("lookup with the same references",
            reg.request("POST", "/subjects/user", {"schema": USER_TEXT, "references": REFS}),
            entity("user", 1, user, USER_TEXT, REFS))
expect_json("re-registering with references is idempotent",
            reg.register("user", USER, references=REFS), {"id": user})
# The same schema with the reference inlined is the registered version (§5.5).
INLINED = record("User", ("name", "string"), ("home", ADDRESS), namespace="com.acme")
expect_json("lookup of the schema with its reference inlined finds the version",
            reg.request("POST", "/subjects/user", {"schema": canon(INLINED)}),
            entity("user", 1, user, USER_TEXT, REFS))
expect_json("registering the inlined form answers the existing id",
            reg.register("user", INLINED), {"id": user})
expect_json("...without a new version", reg.get("/subjects/user/versions"), [1])
OTHER_ADDRESS = record("Address", ("street", "string"), ("zip", "string", ""),
                       namespace="com.acme")
expect_error("an inlined form that differs is not found", reg.request(
    "POST", "/subjects/user", {"schema": canon(record("User", ("name", "string"), (
        "home", OTHER_ADDRESS), namespace="com.acme"))}), 404, 40403, "Schema not found")
expect_json("GET /schemas shows the references",
            reg.get("/schemas?subjectPrefix=user"), [entity("user", 1, user, USER_TEXT, REFS)])
expect_json("an empty references list is not echoed",
            reg.register("plain", ADDRESS, references=[]), {"id": base})
expect_json("...in the version", reg.get("/subjects/plain/versions/1"),
            entity("plain", 1, base, ADDRESS_TEXT))

expect_json("referencedby lists the referring ids",
            reg.get("/subjects/address/versions/1/referencedby"), [user])
expect_json("referencedby with latest", reg.get("/subjects/address/versions/latest/referencedby"),
            [user])
expect_json("nothing references user", reg.get("/subjects/user/versions/1/referencedby"), [])
expect_error("referencedby of a missing subject", reg.get("/subjects/nope/versions/1/referencedby"),
             404, 40401, SUBJECT_NOT_FOUND.format("nope"))
expect_error("referencedby of a missing version",
             reg.get("/subjects/address/versions/5/referencedby"), 404, 40402,
             VERSION_NOT_FOUND.format(5))
expect_error("referencedby of an invalid version",
             reg.get("/subjects/address/versions/0/referencedby"), 422, 42202,
             INVALID_VERSION.format("0"))

# A second referrer, so the list is sorted and has two ids.
ORDER = record("Order", ("to", "com.acme.Address"), namespace="com.acme")
order = reg_id("a second referrer", reg, "order", ORDER, references=REFS)
expect_json("referencedby is sorted", reg.get("/subjects/address/versions/1/referencedby"),
            sorted([user, order]))

# Bad references.
expect_error_prefix("a reference to a missing subject",
                    reg.register("bad", USER, references=[
                        {"name": "com.acme.Address", "subject": "ghost", "version": 1}]),
                    422, 42201, "Invalid schema")
expect_error_prefix("a reference to a missing version",
                    reg.register("bad", USER, references=[
                        {"name": "com.acme.Address", "subject": "address", "version": 9}]),
                    422, 42201, "Invalid schema")
expect_error_prefix("a named type used without its reference", reg.register("bad", USER),
                    422, 42201, "Invalid schema")
r = reg.register("bad", USER, references=[{"name": "com.acme.Address"}])
eq("a reference without subject and version is a 4xx JSON error",
   (r.status // 100, list(r.json or {})), (4, ["error_code", "message"]))
expect_json("no subject was created by the failures", reg.get("/subjects"),
            ["address", "order", "plain", "user"])

# Deletes: the referenced version cannot go while referrers exist.
ref_msg = REFERENCE_EXISTS.format("address", 1)
expect_error("soft delete of a referenced version", delete("/subjects/address/versions/1"),
             422, 42206, ref_msg)
expect_error("soft delete of a referenced subject", delete("/subjects/address"),
             422, 42206, ref_msg)
expect_json("the referenced version is untouched", reg.get("/subjects/address/versions"), [1])
expect_json("delete the referrers (soft)", delete("/subjects/user"), [1])
expect_json("delete the other referrer (soft)", delete("/subjects/order/versions/1"), 1)
expect_json("referencedby skips soft-deleted referrers",
            reg.get("/subjects/address/versions/1/referencedby"), [])
expect_json("...unless deleted=true",
            reg.get("/subjects/address/versions/1/referencedby?deleted=true"),
            sorted([user, order]))
expect_json("the soft-deleted referrer still resolves with its references",
            reg.get(f"/schemas/ids/{user}"), {"schema": USER_TEXT, "references": REFS})
expect_json("soft delete considers live referrers only", delete("/subjects/address/versions/1"),
            1)
expect_error("permanent delete considers soft-deleted referrers too",
             delete("/subjects/address/versions/1?permanent=true"), 422, 42206, ref_msg)
expect_error("...also for the whole subject", delete("/subjects/address?permanent=true"),
             422, 42206, ref_msg)
expect_json("permanently delete one referrer", delete("/subjects/user?permanent=true"), [1])
expect_error("still referenced by the other", delete("/subjects/address?permanent=true"),
             422, 42206, ref_msg)
expect_json("permanently delete the other", delete("/subjects/order/versions/1?permanent=true"),
            1)
expect_json("now the referenced subject can go", delete("/subjects/address?permanent=true"), [1])
expect_error("the referrer's id is gone", reg.get(f"/schemas/ids/{user}"), 404, 40403,
             f"Schema {user} not found")
expect_json("the referenced id lives on in plain", reg.get(f"/schemas/ids/{base}"),
            {"schema": ADDRESS_TEXT})

# Intra-subject references: Confluent's deleteSubject refuses while any
# version is referenced, even by a later version of the same subject.
reg.request("PUT", "/config/self", {"compatibility": "NONE"})
reg_id("self v1", reg, "self", ADDRESS)
reg_id("self v2 references self v1", reg, "self", USER,
       references=[{"name": "com.acme.Address", "subject": "self", "version": 1}])
expect_error("v1 cannot go alone", delete("/subjects/self/versions/1"), 422, 42206,
             REFERENCE_EXISTS.format("self", 1))
expect_error("nor with its subject", delete("/subjects/self"), 422, 42206,
             REFERENCE_EXISTS.format("self", 1))
expect_json("...which is untouched", reg.get("/subjects/self/versions"), [1, 2])
expect_json("the referrer goes first", delete("/subjects/self/versions/2"), 2)
expect_json("then the rest of the subject", delete("/subjects/self"), [1])
expect_error("permanently: the soft-deleted referrer still counts",
             delete("/subjects/self?permanent=true"), 422, 42206,
             REFERENCE_EXISTS.format("self", 1))
expect_json("permanently delete the referrer", delete("/subjects/self/versions/2?permanent=true"),
            2)
expect_json("then the subject", delete("/subjects/self?permanent=true"), [1])
expect_json("what is left", reg.get("/subjects?deleted=true"), ["plain"])
ok_body = json.loads(reg.get("/subjects/plain/versions/1").raw)["schema"] == ADDRESS_TEXT
eq("plain is intact", ok_body, True)

reg.stop()
finish()

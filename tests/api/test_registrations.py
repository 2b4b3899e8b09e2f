"""POST /registrations: several registrations in one request (avroreg import's
fast path; not in Confluent's API).

  * more items than one slice (64): all answer, versions in order;
  * each item answers exactly as POST /subjects/{s}/versions would, in order,
    whatever the others do: new, existing, incompatible, invalid schema, bad
    reference, no subject, not an object;
  * two identical items get one id and one version;
  * an item sees the writes of the items before it (versions in order);
  * IMPORT mode: explicit ids and versions, and an id that would be
    overwritten is refused by name;
  * ?normalize=true applies to every item;
  * the envelope: not JSON 400, no "registrations" array 422, over 1,000 items
    422 with nothing written;
  * every item is audited on its own; the store is whole afterwards.
"""
import json

from apiutil import (INCOMPATIBLE, Registry, canon, eq, expect_error, expect_json, finish,
                     record, reg_id)

reg = Registry().start()


def batch(items, query=""):
    return reg.request("POST", "/registrations" + query, {"registrations": items})


def results(r):
    return r.json["results"] if r.status == 200 and isinstance(r.json, dict) else r


A1 = record("A", ("x", "int"))
A2 = record("A", ("x", "int"), ("y", "string", "d"))          # BACKWARD compatible
A_BAD = record("A", ("x", "string"))                         # incompatible with A1
B1 = record("B", ("s", "string"))
USER = record("User", ("home", "Address"))

existing = reg_id("an existing version before the batch", reg, "pre", B1)
r = batch([
    {"subject": "a", "schema": canon(A1)},
    {"subject": "a", "schema": canon(A2)},
    {"subject": "a", "schema": canon(A_BAD)},
    {"subject": "pre", "schema": canon(B1)},
    {"subject": "bad", "schema": "{not json"},
    {"subject": "user", "schema": canon(USER),
     "references": [{"name": "Address", "subject": "address", "version": 1}]},
    {"schema": canon(B1)},
    "not an object",
    {"subject": "b", "schema": canon(B1)},
])
got = results(r)
eq("one result per item, in order", len(got) if isinstance(got, list) else got, 9)
if isinstance(got, list) and len(got) == 9:
    a1, a2 = got[0], got[1]
    eq("a new subject gets version 1", a1.get("version"), 1)
    eq("the next item sees it: version 2 of the same subject", a2.get("version"), 2)
    ok_ids = isinstance(a1.get("id"), int) and isinstance(a2.get("id"), int) and a1 != a2
    eq("...with ids of their own", ok_ids, True)
    eq("an incompatible item: 409 with Confluent's message",
       (got[2].get("error_code"), got[2].get("message", "").startswith(INCOMPATIBLE.format("a"))),
       (409, True))
    eq("an existing schema answers its id and version", got[3], {"id": existing, "version": 1})
    eq("an invalid schema: 42201", got[4].get("error_code"), 42201)
    eq("a reference to nothing: 42201", got[5].get("error_code"), 42201)
    eq("no subject: 42208", got[6].get("error_code"), 42208)
    eq("an item that is no object: 400", got[7].get("error_code"), 400)
    eq("the same schema under another subject keeps its id",
       got[8], {"id": existing, "version": 1})
expect_json("the failing items wrote nothing", reg.get("/subjects"), ["a", "b", "pre"])
expect_json("the versions of a: the two good ones", reg.get("/subjects/a/versions"), [1, 2])
r = reg.get("/subjects/a/versions/2")
eq("version 2 is the second item's schema", (r.json or {}).get("schema"), canon(A2))

# The same answers as the one-at-a-time endpoint gives.
one = reg.register("a", A_BAD)
r = batch([{"subject": "a", "schema": canon(A_BAD)}])
eq("an item's error is the one POST /subjects/a/versions gives",
   results(r), [{"error_code": one.json["error_code"], "message": one.json["message"]}])

# Two identical items: one id, one version.
C = record("C", ("n", "long"))
got = results(batch([{"subject": "c", "schema": canon(C)}, {"subject": "c", "schema": canon(C)}]))
eq("two identical items get the same id and version",
   isinstance(got, list) and len(got) == 2 and got[0] == got[1] and got[0].get("version") == 1,
   True)
expect_json("...and the subject has one version", reg.get("/subjects/c/versions"), [1])

# More items than one slice (64): every one answers, versions in order.
eq("config NONE for the long subject",
   reg.request("PUT", "/config/long", {"compatibility": "NONE"}).status, 200)
LONG = [{"subject": "long", "schema": canon(record("L%d" % i, ("x", "int")))} for i in range(150)]
got = results(batch(LONG))
eq("150 items in one request: versions 1..150 in order",
   [g.get("version") for g in got] if isinstance(got, list) else got, list(range(1, 151)))
r = reg.get("/subjects/long/versions/150")
eq("...and version 150 is the last item's schema", (r.json or {}).get("schema"), LONG[-1]["schema"])

# normalize applies to every item.
SPACED = '{"type": "record", "name": "N", "fields": [{"name": "f", "type": "int"}]}'
got = results(batch([{"subject": "n1", "schema": SPACED}, {"subject": "n2", "schema": SPACED}],
                    "?normalize=true"))
eq("normalize: both items answer", [g.get("version") for g in got] if isinstance(got, list)
   else got, [1, 1])
r = reg.get("/subjects/n2/versions/1")
eq("...and the stored text is the normal form",
   (r.json or {}).get("schema"), '{"type":"record","name":"N","fields":[{"name":"f","type":"int"}]}')

# IMPORT mode: ids and versions as given.
eq("IMPORT mode", reg.request("PUT", "/mode?force=true", {"mode": "IMPORT"}).status, 200)
D1, D2 = record("D", ("a", "int")), record("D", ("b", "boolean"))
got = results(batch([
    {"subject": "d", "schema": canon(D1), "id": 500, "version": 3},
    {"subject": "d", "schema": canon(D2), "id": 501, "version": 7},
    {"subject": "e", "schema": canon(D2), "id": 500, "version": 1},
]))
eq("IMPORT: ids and versions as given", got[:2] if isinstance(got, list) else got,
   [{"id": 500, "version": 3}, {"id": 501, "version": 7}])
eq("IMPORT: an id that holds another schema is refused (42205)",
   got[2].get("error_code") if isinstance(got, list) and len(got) == 3 else got, 42205)
expect_json("IMPORT: id 500 is the first schema", reg.get("/schemas/ids/500"),
            {"schema": canon(D1)})
eq("back to READWRITE", reg.request("PUT", "/mode", {"mode": "READWRITE"}).status, 200)

# The envelope.
r = reg.request("POST", "/registrations", b"{nope")
expect_error("a body that is not JSON: 400", r, 400, 400)
expect_error("no registrations array: 422", reg.request("POST", "/registrations", {"items": []}),
             422, 422, 'The body must be an object with an array "registrations"')
many = [{"subject": "many", "schema": canon(record("M%d" % i, ("x", "int")))}
        for i in range(1001)]
expect_error("1,001 items: 422", batch(many), 422, 422,
             "At most 1000 registrations may come in one request; this one has 1001")
expect_json("...and none was written", reg.get("/subjects"),
            ["a", "b", "c", "d", "long", "n1", "n2", "pre"])
eq("an empty list: no results", results(batch([])), [])

reg.stop()
audit = [json.loads(line[6:]) for line in reg.log().splitlines()
         if line.startswith("audit ") and '"/registrations"' in line]
eq("every item is audited on its own (ok and refused)",
   sorted({(a["subject"] if "subject" in a else None, a["outcome"]) for a in audit
           if a.get("subject") in ("a", "bad")}),
   [("a", "ok"), ("a", "refused"), ("bad", "refused")])
ok_ids = [a for a in audit if a.get("subject") == "d" and a["outcome"] == "ok"]
eq("an audited registration carries its id", sorted(a.get("id") for a in ok_ids), [500, 501])
eq("the store is whole", reg.integrity_check(), "ok")
finish()

"""Debian's python3-confluent-kafka (1.7.0) against the real server.

Covers every registry method of both Python clients that ship in that package:
  * the legacy confluent_kafka.avro.CachedSchemaRegistryClient (plus its
    MessageSerializer round trip), which sends "Authorization: Basic Og==";
  * the new confluent_kafka.schema_registry.SchemaRegistryClient, plus the
    AvroSerializer/AvroDeserializer of confluent_kafka.schema_registry.avro.
Each part runs against its own fresh server, so schema ids are exact.

Debian has no fastavro package, which the new AvroSerializer/AvroDeserializer
import; when it is missing, fastavro_shim/ stands in for its three functions
on top of Debian's python3-avro, so the client's serializer code still runs.

Run: /usr/bin/python3 tests/clients/test_confluent_kafka.py
(AVRO_REGISTRY_BIN picks the binary, as for the other suites.)
"""
import json
import logging
import os
import struct
import sys
import warnings

sys.dont_write_bytecode = True  # no __pycache__ beside harness.py or the shim
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from harness import Registry, ok, eq, finish  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)
# The legacy client logs every 404 it turns into None; the checks below say it.
logging.getLogger("confluent_kafka").setLevel(logging.CRITICAL)

try:
    # The legacy package must be imported first: its MessageSerializer decides
    # at import time whether fastavro is there (see fastavro_shim/fastavro.py).
    import confluent_kafka
    import requests
    from confluent_kafka.avro import CachedSchemaRegistryClient, ClientError, loads
    from confluent_kafka.avro.serializer.message_serializer import MessageSerializer
    from confluent_kafka.schema_registry import (Schema, SchemaReference, SchemaRegistryClient,
                                                 SchemaRegistryError,
                                                 record_subject_name_strategy,
                                                 topic_record_subject_name_strategy)
    from confluent_kafka.serialization import MessageField, SerializationContext
    try:
        import fastavro  # noqa: F401
    except ImportError:
        sys.path.insert(0, os.path.join(HERE, "fastavro_shim"))
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
except ImportError as e:
    ok("import confluent_kafka (apt-get install python3-confluent-kafka python3-requests "
       "python3-avro)", False, repr(e))
    finish()

ok(f"confluent_kafka is 1.7.x (got {confluent_kafka.version()[0]})",
   confluent_kafka.version()[0].startswith("1.7."), confluent_kafka.version())

# Schemas. *_TEXT is what the clients send (odd spacing, keys out of order);
# CANON_* is the Avro-Java Schema.toString() form Confluent stores and returns.
V1 = {"type": "record", "name": "User", "namespace": "com.example",
      "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}]}
V2 = {"type": "record", "name": "User", "namespace": "com.example",
      "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"},
                 {"name": "email", "type": ["null", "string"], "default": None}]}
# Backward compatible with V2 (new field has a default) and with V1.
V3 = {"type": "record", "name": "User", "namespace": "com.example",
      "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"},
                 {"name": "email", "type": ["null", "string"], "default": None},
                 {"name": "age", "type": "int", "default": 0}]}
# Not backward compatible with any of them: "id" changes from long to string.
BAD = {"type": "record", "name": "User", "namespace": "com.example",
       "fields": [{"name": "id", "type": "string"}, {"name": "name", "type": "string"}]}

V1_TEXT = ('{ "namespace": "com.example", "name": "User", "type": "record",\n'
           '  "fields": [ {"type": "long", "name": "id"}, {"type": "string", "name": "name"} ] }')
CANON_V1 = ('{"type":"record","name":"User","namespace":"com.example","fields":'
            '[{"name":"id","type":"long"},{"name":"name","type":"string"}]}')
CANON_V2 = ('{"type":"record","name":"User","namespace":"com.example","fields":'
            '[{"name":"id","type":"long"},{"name":"name","type":"string"},'
            '{"name":"email","type":["null","string"],"default":null}]}')
CANON_BAD = ('{"type":"record","name":"User","namespace":"com.example","fields":'
             '[{"name":"id","type":"string"},{"name":"name","type":"string"}]}')
ADDRESS = {"type": "record", "name": "Address", "namespace": "com.example",
           "fields": [{"name": "city", "type": "string"}]}
PERSON = {"type": "record", "name": "Person", "namespace": "com.example",
          "fields": [{"name": "name", "type": "string"}, {"name": "home", "type": "com.example.Address"}]}
INVALID_TEXT = '{"type": "record", "name": "Broken"}'  # a record without "fields"


def text(schema):
    return json.dumps(schema, indent=1)


def raw_error(reg, method, path, body=None):
    """(status, error_code) of a raw request, to pin what the legacy client hides."""
    r = reg.request(method, path, body)
    return r.status, (r.json.get("error_code") if isinstance(r.json, dict) else None)


def raises(name, fn, exc_type, check=None):
    """Runs fn; passes when it raises exc_type and check(exc) is true. Returns the exception."""
    try:
        got = fn()
    except exc_type as e:
        ok(name, check is None or check(e), f"raised {e!r}")
        return e
    except Exception as e:  # noqa: BLE001
        ok(name, False, f"raised {type(e).__name__}: {e!r}")
        return None
    ok(name, False, f"no exception; returned {got!r}")
    return None


def sr_error(name, fn, http, code):
    """Expects SchemaRegistryError with this HTTP status and Confluent error_code."""
    e = raises(name, fn, SchemaRegistryError,
               lambda e: (e.http_status_code, e.error_code) == (http, code))
    return e


class InvalidAvro:
    """Stands in for a parsed avro schema whose text is invalid (what legacy register sends is str())."""

    def __str__(self):
        return INVALID_TEXT

    def __hash__(self):
        return hash(INVALID_TEXT)


# ---------------------------------------------------------------------------
# 1. Legacy confluent_kafka.avro.CachedSchemaRegistryClient
# ---------------------------------------------------------------------------
def legacy_suite():
    reg = Registry().start()
    try:
        _legacy_checks(reg)
    finally:
        reg.stop()


def _legacy_checks(reg):
    url = reg.url
    s1, s2, s3, bad = (loads(json.dumps(x)) for x in (V1, V2, V3, BAD))

    def fresh(**conf):
        return CachedSchemaRegistryClient(dict({"url": url}, **conf))

    c = fresh()
    # requests turns the empty user info into "Authorization: Basic Og==" on every call.
    prepared = c._session.prepare_request(requests.Request("GET", url + "/subjects"))
    eq("legacy: client sends 'Authorization: Basic Og==' (the server must ignore it)",
       prepared.headers.get("Authorization"), "Basic Og==")

    eq("legacy register users-value v1 -> id 1", c.register("users-value", s1), 1)
    r = reg.get("/subjects/users-value/versions/1")
    eq("legacy register: server stores the canonical text of python-avro's str(schema)",
       (r.status, (r.json or {}).get("schema")), (200, CANON_V1))
    eq("legacy register same schema again (uncached client) -> same id 1",
       fresh().register("users-value", loads(json.dumps(V1))), 1)
    eq("legacy register same schema under users-copy -> id 1 reused", c.register("users-copy", s1), 1)
    eq("legacy register users-value v2 -> id 2", c.register("users-value", s2), 2)

    f = fresh()
    sid, sch, ver = f.get_latest_schema("users-value")
    eq("legacy get_latest_schema -> (2, v2, 2)", (sid, ver), (2, 2))
    eq("legacy get_latest_schema schema equals v2", sch.to_json() if sch else None, s2.to_json())
    sid, sch, ver = f.get_by_version("users-value", 1)
    eq("legacy get_by_version(users-value, 1) -> (1, v1, 1)",
       (sid, ver, sch.to_json() if sch else None), (1, 1, s1.to_json()))
    eq("legacy get_by_version missing version -> (None, None, None)",
       f.get_by_version("users-value", 3), (None, None, None))
    eq("raw GET missing version -> 404/40402",
       raw_error(reg, "GET", "/subjects/users-value/versions/3"), (404, 40402))
    eq("legacy get_latest_schema unknown subject -> (None, None, None)",
       f.get_latest_schema("nobody"), (None, None, None))
    eq("raw GET latest of unknown subject -> 404/40401",
       raw_error(reg, "GET", "/subjects/nobody/versions/latest"), (404, 40401))

    got = fresh().get_by_id(2)
    eq("legacy get_by_id(2) -> v2", got.to_json() if got else None, s2.to_json())
    eq("legacy get_by_id(77) unknown -> None", fresh().get_by_id(77), None)
    eq("raw GET /schemas/ids/77 -> 404/40403", raw_error(reg, "GET", "/schemas/ids/77"), (404, 40403))

    f = fresh()
    eq("legacy get_version(users-value, v1) -> 1", f.get_version("users-value", s1), 1)
    eq("legacy get_version(users-value, v2) -> 2", f.get_version("users-value", s2), 2)
    eq("legacy get_version(users-value, unregistered v3) -> None", f.get_version("users-value", s3), None)
    eq("raw POST /subjects/users-value with unregistered schema -> 404/40403",
       raw_error(reg, "POST", "/subjects/users-value", {"schema": json.dumps(V3)}), (404, 40403))

    eq("legacy check_registration(users-value, v2) -> 2", fresh().check_registration("users-value", s2), 2)
    raises("legacy check_registration unregistered schema -> ClientError (404)",
           lambda: fresh().check_registration("users-value", s3), ClientError,
           lambda e: "404" in str(e))
    raises("legacy check_registration unknown subject -> ClientError (404)",
           lambda: fresh().check_registration("nobody", s1), ClientError,
           lambda e: "404" in str(e))

    eq("legacy test_compatibility(v3 vs latest) -> True", c.test_compatibility("users-value", s3), True)
    eq("legacy test_compatibility(incompatible vs latest) -> False",
       c.test_compatibility("users-value", bad), False)
    eq("legacy test_compatibility(v3 vs version 1) -> True",
       c.test_compatibility("users-value", s3, version=1), True)
    eq("legacy test_compatibility(incompatible vs version 1) -> False",
       c.test_compatibility("users-value", bad, version=1), False)
    eq("legacy test_compatibility unknown subject -> True (nothing to break)",
       c.test_compatibility("nobody", s1), True)
    eq("legacy test_compatibility against missing version 9 -> False",
       c.test_compatibility("users-value", s1, version=9), False)
    eq("raw compatibility check against missing version 9 -> 404/40402",
       raw_error(reg, "POST", "/compatibility/subjects/users-value/versions/9",
                 {"schema": json.dumps(V1)}), (404, 40402))

    eq("legacy get_compatibility() global -> BACKWARD", c.get_compatibility(), "BACKWARD")
    raises("legacy get_compatibility(subject without own level) -> ClientError (404)",
           lambda: c.get_compatibility("users-value"), ClientError, lambda e: "404" in str(e))
    eq("raw GET /config/users-value -> 404/40408",
       raw_error(reg, "GET", "/config/users-value"), (404, 40408))

    raises("legacy register incompatible schema -> ClientError 'Incompatible Avro schema:409'",
           lambda: c.register("users-value", bad), ClientError,
           lambda e: str(e).startswith("Incompatible Avro schema:409") and "'error_code': 409" in str(e))
    raises("legacy register invalid schema -> ClientError 'Invalid Avro schema:422' (42201)",
           lambda: c.register("users-value", InvalidAvro()), ClientError,
           lambda e: str(e).startswith("Invalid Avro schema:422") and "'error_code': 42201" in str(e))

    eq("legacy update_compatibility(NONE, users-value) -> NONE",
       c.update_compatibility("NONE", "users-value"), "NONE")
    eq("legacy get_compatibility(users-value) -> NONE", c.get_compatibility("users-value"), "NONE")
    eq("legacy get_compatibility() global still BACKWARD", c.get_compatibility(), "BACKWARD")
    eq("legacy register incompatible schema under NONE -> id 3", c.register("users-value", bad), 3)
    sid, sch, ver = fresh().get_latest_schema("users-value")
    eq("legacy get_latest_schema after it -> (3, 3)", (sid, ver), (3, 3))
    r = reg.get("/schemas/ids/3")
    eq("raw GET /schemas/ids/3 -> canonical text", (r.status, (r.json or {}).get("schema")), (200, CANON_BAD))

    eq("legacy update_compatibility(FULL) global -> FULL", c.update_compatibility("FULL"), "FULL")
    eq("legacy get_compatibility() -> FULL", c.get_compatibility(), "FULL")
    eq("legacy update_compatibility(FORWARD) global -> FORWARD", c.update_compatibility("FORWARD"), "FORWARD")
    eq("legacy get_compatibility() -> FORWARD", c.get_compatibility(), "FORWARD")
    eq("legacy update_compatibility(BACKWARD) global -> BACKWARD",
       c.update_compatibility("BACKWARD"), "BACKWARD")

    eq("legacy delete_subject(users-copy) -> [1]", c.delete_subject("users-copy"), [1])
    eq("legacy get_latest_schema(users-copy) after delete -> (None, None, None)",
       fresh().get_latest_schema("users-copy"), (None, None, None))
    raises("legacy delete_subject(users-copy) again -> ClientError (40404 soft deleted)",
           lambda: c.delete_subject("users-copy"), ClientError, lambda e: "40404" in str(e))
    raises("legacy delete_subject(nobody) -> ClientError (40401)",
           lambda: c.delete_subject("nobody"), ClientError, lambda e: "40401" in str(e))
    got = fresh().get_by_id(1)
    eq("legacy get_by_id(1) still resolves after a subject delete", got.to_json() if got else None,
       s1.to_json())
    r = reg.get("/subjects")
    eq("raw GET /subjects after delete -> [users-value]", r.json, ["users-value"])

    # Credentials the server does not check must not get in the way.
    u = fresh(**{"basic.auth.credentials.source": "USER_INFO", "basic.auth.user.info": "alice:secret"})
    eq("legacy client with basic auth user info: register v1 -> 1", u.register("users-value", s1), 1)
    eq("legacy client with basic auth user info: get_compatibility -> BACKWARD",
       u.get_compatibility(), "BACKWARD")
    host = url.split("//", 1)[1]
    u = CachedSchemaRegistryClient({"url": f"http://bob:pw@{host}"})
    eq("legacy client with credentials in the URL: get_by_id(2)",
       (u.get_by_id(2) or s1).to_json(), s2.to_json())
    u.close()

    # MessageSerializer: the legacy serde (python3-avro underneath) through the registry.
    ms = MessageSerializer(fresh())
    rec = {"id": 42, "name": "ada"}
    data = ms.encode_record_with_schema("orders", loads(json.dumps(V1)), rec)
    eq("legacy MessageSerializer.encode_record_with_schema -> magic 0, id 1, Avro body",
       data, b"\x00" + struct.pack(">I", 1) + b"\x54\x06ada")
    eq("legacy encode registered subject orders-value",
       (reg.get("/subjects/orders-value/versions").json), [1])
    eq("legacy MessageSerializer.decode_message -> the record",
       MessageSerializer(fresh()).decode_message(data), rec)
    data2 = MessageSerializer(fresh()).encode_record_with_schema_id(
        2, {"id": 7, "name": "bo", "email": "b@x"})
    eq("legacy encode_record_with_schema_id(2) -> magic 0, id 2",
       data2[:5], b"\x00" + struct.pack(">I", 2))
    eq("legacy decode_message of an id-2 message",
       MessageSerializer(fresh()).decode_message(data2), {"id": 7, "name": "bo", "email": "b@x"})
    eq("legacy decode_message with reader schema v2 fills the default",
       MessageSerializer(fresh(), reader_value_schema=s2).decode_message(data),
       {"id": 42, "name": "ada", "email": None})
    c.close()


# ---------------------------------------------------------------------------
# 2. confluent_kafka.schema_registry.SchemaRegistryClient
# ---------------------------------------------------------------------------
def new_client_suite():
    reg = Registry().start()
    try:
        _new_client_checks(reg)
    finally:
        reg.stop()


def _new_client_checks(reg):
    url = reg.url

    def fresh():
        return SchemaRegistryClient({"url": url})

    def avro(schema_text):
        return Schema(schema_text, "AVRO")

    c = fresh()
    subj = "orders-value"
    eq("get_subjects on an empty registry -> []", c.get_subjects(), [])
    eq("register_schema(orders-value, v1) -> 1", c.register_schema(subj, avro(V1_TEXT)), 1)
    eq("register_schema same schema, other formatting, uncached client -> 1",
       fresh().register_schema(subj, avro(text(V1))), 1)
    eq("register_schema(orders-key, {\"type\": \"string\"}) -> 2",
       c.register_schema("orders-key", avro('{"type": "string"}')), 2)
    eq("get_subjects -> [orders-key, orders-value]", c.get_subjects(), ["orders-key", subj])

    s = fresh().get_schema(1)
    eq("get_schema(1) -> canonical v1 text, AVRO, no references",
       (s.schema_str, s.schema_type, s.references), (CANON_V1, "AVRO", []))
    eq("get_schema(2) -> '\"string\"' (primitive folded to its canonical form)",
       fresh().get_schema(2).schema_str, '"string"')
    sr_error("get_schema(404) unknown id -> 404/40403", lambda: fresh().get_schema(404), 404, 40403)

    rs = fresh().lookup_schema(subj, avro(text(V1)))
    eq("lookup_schema(orders-value, v1) -> id 1, version 1, subject, canonical text",
       (rs.schema_id, rs.version, rs.subject, rs.schema.schema_str, rs.schema.schema_type),
       (1, 1, subj, CANON_V1, "AVRO"))
    sr_error("lookup_schema unregistered schema -> 404/40403",
             lambda: c.lookup_schema(subj, avro(text(V2))), 404, 40403)
    sr_error("lookup_schema unknown subject -> 404/40401",
             lambda: c.lookup_schema("ghost", avro(text(V1))), 404, 40401)

    eq("register_schema(orders-value, v2) -> 3", c.register_schema(subj, avro(text(V2))), 3)
    eq("get_versions(orders-value) -> [1, 2]", c.get_versions(subj), [1, 2])
    rs = c.get_latest_version(subj)
    eq("get_latest_version -> id 3, version 2, canonical v2",
       (rs.schema_id, rs.version, rs.subject, rs.schema.schema_str, rs.schema.schema_type),
       (3, 2, subj, CANON_V2, "AVRO"))
    rs = c.get_version(subj, 1)
    eq("get_version(orders-value, 1) -> id 1, version 1",
       (rs.schema_id, rs.version, rs.schema.schema_str), (1, 1, CANON_V1))
    rs = c.get_version(subj, -1)
    eq("get_version(orders-value, -1) -> the latest (version 2, id 3)", (rs.version, rs.schema_id), (2, 3))
    sr_error("get_version(orders-value, 3) -> 404/40402", lambda: c.get_version(subj, 3), 404, 40402)
    sr_error("get_version(ghost, 1) -> 404/40401", lambda: c.get_version("ghost", 1), 404, 40401)
    sr_error("get_version(orders-value, 0) -> 422/42202", lambda: c.get_version(subj, 0), 422, 42202)
    sr_error("get_latest_version(ghost) -> 404/40401", lambda: c.get_latest_version("ghost"), 404, 40401)
    sr_error("get_versions(ghost) -> 404/40401", lambda: c.get_versions("ghost"), 404, 40401)

    eq("test_compatibility(v3 vs latest) -> True", c.test_compatibility(subj, avro(text(V3))), True)
    eq("test_compatibility(incompatible vs latest) -> False",
       c.test_compatibility(subj, avro(text(BAD))), False)
    eq("test_compatibility(v1 vs version 1) -> True",
       c.test_compatibility(subj, avro(text(V1)), version=1), True)
    eq("test_compatibility(incompatible vs version 1) -> False",
       c.test_compatibility(subj, avro(text(BAD)), version=1), False)
    eq("test_compatibility on an unknown subject -> True",
       c.test_compatibility("ghost", avro(text(V1))), True)
    sr_error("test_compatibility against missing version 7 -> 404/40402",
             lambda: c.test_compatibility(subj, avro(text(V1)), version=7), 404, 40402)
    sr_error("test_compatibility with an invalid schema -> 422/42201",
             lambda: c.test_compatibility(subj, avro(INVALID_TEXT)), 422, 42201)

    eq("get_compatibility() global -> BACKWARD", c.get_compatibility(), "BACKWARD")
    sr_error("get_compatibility(orders-value) without a subject level -> 404/40408",
             lambda: c.get_compatibility(subj), 404, 40408)
    e = sr_error("register_schema incompatible -> 409/409",
                 lambda: c.register_schema(subj, avro(text(BAD))), 409, 409)
    ok("incompatible message names the subject",
       e is not None and 'incompatible with an earlier schema for subject "orders-value"' in e.error_message,
       repr(e))
    sr_error("register_schema invalid schema -> 422/42201",
             lambda: c.register_schema(subj, avro(INVALID_TEXT)), 422, 42201)

    eq("set_compatibility(orders-value, none) -> {'compatibility': 'NONE'}",
       c.set_compatibility(subj, "none"), {"compatibility": "NONE"})
    eq("get_compatibility(orders-value) -> NONE", c.get_compatibility(subj), "NONE")
    eq("register_schema incompatible under NONE -> 4", c.register_schema(subj, avro(text(BAD))), 4)
    eq("get_versions -> [1, 2, 3]", c.get_versions(subj), [1, 2, 3])
    eq("set_compatibility(level=full_transitive) -> {'compatibility': 'FULL_TRANSITIVE'}",
       c.set_compatibility(level="full_transitive"), {"compatibility": "FULL_TRANSITIVE"})
    eq("get_compatibility() -> FULL_TRANSITIVE", c.get_compatibility(), "FULL_TRANSITIVE")
    sr_error("set_compatibility(level=bogus) -> 422/42203",
             lambda: c.set_compatibility(level="bogus"), 422, 42203)
    eq("set_compatibility(level=BACKWARD) -> {'compatibility': 'BACKWARD'}",
       c.set_compatibility(level="BACKWARD"), {"compatibility": "BACKWARD"})

    # A subject that needs URL encoding: the client quotes it with safe=''.
    odd = "pay ments+ü-value"
    eq("register_schema under a subject with space, '+' and 'ü' -> 1",
       c.register_schema(odd, avro(text(V1))), 1)
    eq("get_versions(odd subject) -> [1]", c.get_versions(odd), [1])
    rs = c.get_latest_version(odd)
    eq("get_latest_version(odd subject) echoes the decoded subject",
       (rs.subject, rs.schema_id, rs.version), (odd, 1, 1))
    rs = fresh().lookup_schema(odd, avro(text(V1)))
    eq("lookup_schema(odd subject) -> id 1", (rs.subject, rs.schema_id), (odd, 1))
    ok("get_subjects lists the odd subject", odd in c.get_subjects(), c.get_subjects())
    # test_compatibility does not quote the subject: requests sends the space as %20,
    # 'ü' as %C3%BC and leaves '+' as is, which a path must keep literal.
    eq("test_compatibility(odd subject, incompatible) -> False (the subject was found)",
       c.test_compatibility(odd, avro(text(BAD))), False)
    eq("delete_subject(odd subject, permanent=True) -> [1]", c.delete_subject(odd, permanent=True), [1])

    eq("delete_version(orders-value, 3) -> 3", c.delete_version(subj, 3), 3)
    eq("get_versions after deleting version 3 -> [1, 2]", c.get_versions(subj), [1, 2])
    rs = c.get_latest_version(subj)
    eq("get_latest_version after deleting version 3 -> version 2, id 3", (rs.version, rs.schema_id), (2, 3))
    sr_error("delete_version(orders-value, 3) again -> 404/40406",
             lambda: c.delete_version(subj, 3), 404, 40406)
    sr_error("delete_version(orders-value, 42) -> 404/40402",
             lambda: c.delete_version(subj, 42), 404, 40402)
    eq("get_schema(4) still resolves after its only version was soft deleted",
       fresh().get_schema(4).schema_str, CANON_BAD)
    eq("delete_version(orders-value, 'latest') -> 2", c.delete_version(subj, "latest"), 2)
    eq("get_versions -> [1]", c.get_versions(subj), [1])

    eq("delete_subject(orders-value) -> [1]", c.delete_subject(subj), [1])
    eq("get_subjects -> [orders-key]", c.get_subjects(), ["orders-key"])
    sr_error("get_versions(orders-value) after delete -> 404/40401", lambda: c.get_versions(subj), 404, 40401)
    sr_error("delete_subject(orders-value) again -> 404/40404", lambda: c.delete_subject(subj), 404, 40404)
    eq("test_compatibility against 'latest' of a soft-deleted subject -> True (no live version)",
       c.test_compatibility(subj, avro(text(BAD))), True)
    sr_error("delete_subject(ghost) -> 404/40401", lambda: c.delete_subject("ghost"), 404, 40401)
    eq("delete_subject(orders-key, permanent=True) -> [1]",
       c.delete_subject("orders-key", permanent=True), [1])
    eq("get_subjects -> []", c.get_subjects(), [])
    r = reg.get("/subjects?deleted=true")
    eq("raw GET /subjects?deleted=true -> [orders-value] (orders-key is gone for good)",
       r.json, ["orders-value"])
    sr_error("get_schema(2) after the permanent delete of its only subject -> 404/40403",
             lambda: fresh().get_schema(2), 404, 40403)

    b = SchemaRegistryClient({"url": url, "basic.auth.user.info": "alice:secret"})
    eq("client with basic.auth.user.info: register_schema(auth-value, v1) -> 1",
       b.register_schema("auth-value", avro(text(V1))), 1)
    eq("client with basic.auth.user.info: get_subjects -> [auth-value]", b.get_subjects(), ["auth-value"])

    # Schema references (SchemaReference), as the client sends and reads them.
    eq("register_schema(address, Address) -> 5", c.register_schema("address", avro(text(ADDRESS))), 5)
    ref = SchemaReference("com.example.Address", "address", 1)
    person = Schema(text(PERSON), "AVRO", [ref])
    eq("register_schema(person, Person referencing address v1) -> 6", c.register_schema("person", person), 6)
    eq("register_schema(person) again, uncached client -> 6",
       fresh().register_schema("person", Schema(text(PERSON), "AVRO", [ref])), 6)
    got = fresh().get_schema(6)
    eq("get_schema(6) -> one SchemaReference (com.example.Address, address, 1)",
       [(x.name, x.subject, x.version) for x in got.references], [("com.example.Address", "address", 1)])
    home = json.loads(got.schema_str)["fields"][1]["type"]
    ok("get_schema(6) text names the referenced type rather than inlining it",
       home in ("Address", "com.example.Address"), got.schema_str)
    rs = c.get_version("person", 1)
    eq("get_version(person, 1) -> id 6 with the reference",
       (rs.schema_id, rs.schema.references),
       (6, [{"name": "com.example.Address", "subject": "address", "version": 1}]))
    rs = fresh().lookup_schema("person", Schema(text(PERSON), "AVRO", [ref]))
    eq("lookup_schema(person, Person with its reference) -> id 6, version 1", (rs.schema_id, rs.version), (6, 1))
    r = reg.get("/subjects/address/versions/1/referencedby")
    eq("raw GET /subjects/address/versions/1/referencedby -> [6]", (r.status, r.json), (200, [6]))
    sr_error("delete_subject(address) while person references it -> 422/42206",
             lambda: c.delete_subject("address"), 422, 42206)
    sr_error("delete_version(address, 1) while person references it -> 422/42206",
             lambda: c.delete_version("address", 1), 422, 42206)
    eq("delete_subject(person) -> [1]", c.delete_subject("person"), [1])
    eq("delete_subject(address) once the referrer is soft deleted -> [1]", c.delete_subject("address"), [1])


# ---------------------------------------------------------------------------
# 3. AvroSerializer / AvroDeserializer of confluent_kafka.schema_registry.avro
# ---------------------------------------------------------------------------
class User:
    def __init__(self, id, name, email=None):
        self.id, self.name, self.email = id, name, email


def serde_suite():
    reg = Registry().start()
    try:
        _serde_checks(reg)
    finally:
        reg.stop()


def _serde_checks(reg):
    def fresh():
        return SchemaRegistryClient({"url": reg.url})

    value_ctx = SerializationContext("payments", MessageField.VALUE)
    key_ctx = SerializationContext("payments", MessageField.KEY)
    rec = {"id": 42, "name": "ada"}

    ser = AvroSerializer(fresh(), V1_TEXT)
    data = ser(rec, value_ctx)
    eq("AvroSerializer v1 record -> magic 0, id 1, Avro body",
       data, b"\x00" + struct.pack(">I", 1) + b"\x54\x06ada")
    rs = fresh().get_latest_version("payments-value")
    eq("AvroSerializer auto-registered payments-value version 1 (id 1, canonical text)",
       (rs.schema_id, rs.version, rs.schema.schema_str), (1, 1, CANON_V1))
    eq("AvroDeserializer (writer schema from the registry) -> the record",
       AvroDeserializer(fresh())(data, value_ctx), rec)
    eq("AvroDeserializer with reader schema v2 -> the record plus the default",
       AvroDeserializer(fresh(), text(V2))(data, value_ctx), dict(rec, email=None))

    ser2 = AvroSerializer(fresh(), text(V2),
                          to_dict=lambda u, ctx: {"id": u.id, "name": u.name, "email": u.email})
    data2 = ser2(User(7, "bo", "b@x"), value_ctx)
    eq("AvroSerializer v2 with to_dict -> id 2 in the header", data2[:5], b"\x00" + struct.pack(">I", 2))
    eq("payments-value now has versions [1, 2]", fresh().get_versions("payments-value"), [1, 2])
    got = AvroDeserializer(fresh(), from_dict=lambda d, ctx: User(**d))(data2, value_ctx)
    eq("AvroDeserializer with from_dict round-trips the object",
       (got.id, got.name, got.email), (7, "bo", "b@x"))

    key = AvroSerializer(fresh(), "string")(b"ada".decode(), key_ctx)
    eq("AvroSerializer key schema 'string' -> id 3, Avro string body",
       key, b"\x00" + struct.pack(">I", 3) + b"\x06ada")
    rs = fresh().get_latest_version("payments-key")
    eq("payments-key registered as '\"string\"'", (rs.schema_id, rs.schema.schema_str), (3, '"string"'))

    rec_ser = AvroSerializer(fresh(), V1_TEXT, conf={"subject.name.strategy": record_subject_name_strategy})
    eq("record_subject_name_strategy -> same bytes, id 1", rec_ser(rec, value_ctx), data)
    eq("record_subject_name_strategy registered subject com.example.User",
       fresh().get_versions("com.example.User"), [1])
    tr_ser = AvroSerializer(fresh(), V1_TEXT,
                            conf={"subject.name.strategy": topic_record_subject_name_strategy})
    eq("topic_record_subject_name_strategy -> same bytes, id 1", tr_ser(rec, value_ctx), data)
    eq("topic_record_subject_name_strategy registered subject payments-com.example.User",
       fresh().get_versions("payments-com.example.User"), [1])

    no_auto = AvroSerializer(fresh(), text(V1), conf={"auto.register.schemas": False})
    eq("auto.register.schemas=False with a registered schema -> looks up id 1", no_auto(rec, value_ctx), data)
    no_auto3 = AvroSerializer(fresh(), text(V3), conf={"auto.register.schemas": False})
    sr_error("auto.register.schemas=False with an unregistered schema -> 404/40403",
             lambda: no_auto3(dict(rec, email=None, age=1), value_ctx), 404, 40403)
    sr_error("auto.register.schemas=False on a subject that does not exist -> 404/40401",
             lambda: no_auto(rec, SerializationContext("nowhere", MessageField.VALUE)), 404, 40401)
    bad_ser = AvroSerializer(fresh(), text(BAD))
    sr_error("AvroSerializer with an incompatible schema -> 409/409",
             lambda: bad_ser({"id": "x", "name": "y"}, value_ctx), 409, 409)
    unknown = b"\x00" + struct.pack(">I", 999) + b"\x54\x06ada"
    sr_error("AvroDeserializer on a message with unknown schema id 999 -> 404/40403",
             lambda: AvroDeserializer(fresh())(unknown, value_ctx), 404, 40403)
    eq("subjects after the serde run", fresh().get_subjects(),
       ["com.example.User", "payments-com.example.User", "payments-key", "payments-value"])


for part in (legacy_suite, new_client_suite, serde_suite):
    try:
        part()
    except Exception as e:  # noqa: BLE001 - a crash in one part must not hide the others
        import traceback
        ok(f"{part.__name__} ran to the end", False, traceback.format_exc())
        del e
finish()

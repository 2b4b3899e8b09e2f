"""Real clients over real TLS with Basic credentials and client certificates:
Debian's confluent-kafka-python 1.7 (its SchemaRegistryClient with the
AvroSerializer/AvroDeserializer, and the legacy CachedSchemaRegistryClient)
and our own avroreg, which talks through libavroreg (avroreg_client_new with
ca_file, cert_file/key_file and basic credentials, from flags or from
avroreg_client_config_from_env). Good credentials work; wrong, missing or
forbidden ones get 401/403 and write nothing. (The kafkajs registry client
is test_kafkajs_tls.mjs.)
"""
import json
import logging
import os
import subprocess
import sys
import warnings

from secutil import (AVROREG, ROOT, Certs, SecureRegistry, eq, finish, ok, permission, user,
                     write_authfile)

warnings.simplefilter("ignore", DeprecationWarning)
logging.getLogger("confluent_kafka").setLevel(logging.CRITICAL)
try:
    from confluent_kafka.avro import CachedSchemaRegistryClient, ClientError  # noqa: F401
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient, SchemaRegistryError
    from confluent_kafka.serialization import MessageField, SerializationContext
    try:
        import fastavro  # noqa: F401
    except ImportError:
        sys.path.insert(0, os.path.join(ROOT, "tests", "clients", "fastavro_shim"))
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
except ImportError as e:
    ok("import confluent_kafka (apt-get install python3-confluent-kafka python3-requests "
       "python3-avro)", False, repr(e))
    finish()

certs = Certs(clients=("alice",))
authfile = os.path.join(certs.dir, "auth.json")
write_authfile(authfile,
               [user("writer", "writer-pw", "argon2id"), user("reader", "reader-pw", "sha512"),
                user("admin", "admin-pw", "scrypt")],
               [permission("writer", "Write", "Subject:(orders|users)-.*"),
                permission("reader", "Read", "Subject:orders-.*"),
                permission("admin", "Write", ".*"),
                permission("alice", "Read", "Subject:orders-.*")])
reg = SecureRegistry(certs, extra_args=["--auth-file", authfile]).start()
ADMIN = ("admin", "admin-pw")
USER = {"type": "record", "name": "User", "namespace": "com.example",
        "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}]}
ORDER = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]}


def client(userinfo=None, cert=None):
    conf = {"url": reg.url, "ssl.ca.location": certs.ca}
    if userinfo:
        conf["basic.auth.user.info"] = userinfo
    if cert:
        conf["ssl.certificate.location"], conf["ssl.key.location"] = cert
    return SchemaRegistryClient(conf)


def raises(name, fn, exc, check):
    try:
        got = fn()
    except exc as e:
        return ok(name, check(e), repr(e))
    except Exception as e:  # noqa: BLE001
        return ok(name, False, f"{type(e).__name__}: {e!r}")
    return ok(name, False, f"no exception: {got!r}")


def sr_error(name, fn, http, code):
    return raises(name, fn, SchemaRegistryError,
                  lambda e: (e.http_status_code, e.error_code) == (http, code))


def subjects():
    return reg.request("GET", "/subjects", auth=ADMIN).json


# ---- confluent-kafka-python: SchemaRegistryClient and the serializers -----------------------
writer = client("writer:writer-pw")
sid = writer.register_schema("orders-value", Schema(json.dumps(ORDER), "AVRO"))
ok("SchemaRegistryClient over TLS with basic.auth.user.info registers", sid >= 1, sid)
eq("...and reads it back by id", json.loads(client("reader:reader-pw").get_schema(sid).schema_str),
   ORDER)
eq("the reader's latest version of orders-value",
   client("reader:reader-pw").get_latest_version("orders-value").schema_id, sid)
eq("get_subjects lists only what the reader may read",
   client("reader:reader-pw").get_subjects(), ["orders-value"])

ctx = SerializationContext("users", MessageField.VALUE)
ser = AvroSerializer(client("writer:writer-pw"), json.dumps(USER))
data = ser({"id": 7, "name": "Ada"}, ctx)
ok("AvroSerializer registered users-value through TLS and framed the record",
   data[:1] == b"\0" and "users-value" in subjects(), data[:8])
eq("AvroDeserializer fetches the writer schema by id (as the writer) and decodes",
   AvroDeserializer(client("writer:writer-pw"))(data, ctx), {"id": 7, "name": "Ada"})
sr_error("AvroDeserializer as a principal who may not read users-*: 403 40301",
         lambda: AvroDeserializer(client("reader:reader-pw"))(data, ctx), 403, 40301)

before = subjects()
sr_error("a wrong password: 401 40101",
         lambda: client("writer:nope").register_schema("orders-x", Schema(json.dumps(ORDER),
                                                                          "AVRO")), 401, 40101)
sr_error("no credentials: 401 40101",
         lambda: client().register_schema("orders-x", Schema(json.dumps(ORDER), "AVRO")),
         401, 40101)
sr_error("an unknown user: 401 40101",
         lambda: client("mallory:x").get_subjects(), 401, 40101)
sr_error("the reader registering: 403 40301",
         lambda: client("reader:reader-pw").register_schema("orders-x", Schema(json.dumps(ORDER),
                                                                               "AVRO")), 403, 40301)
sr_error("the writer outside its subjects: 403 40301",
         lambda: client("writer:writer-pw").register_schema("payments-value",
                                                            Schema(json.dumps(ORDER), "AVRO")),
         403, 40301)
sr_error("an AvroSerializer without credentials: 401 40101",
         lambda: AvroSerializer(client(), json.dumps(USER))({"id": 1, "name": "x"},
                                                           SerializationContext("orders",
                                                                                MessageField.VALUE)),
         401, 40101)
eq("none of them wrote anything", subjects(), before)

alice = client(cert=certs.clients["alice"])
eq("a client certificate (ssl.certificate.location, CN alice) reads orders-value",
   json.loads(alice.get_schema(sid).schema_str), ORDER)
sr_error("...and may not write", lambda: alice.register_schema("orders-value", Schema(
    json.dumps(USER), "AVRO")), 403, 40301)
sr_error("an expired client certificate: 401 40101",
         lambda: client(cert=certs.expired).get_subjects(), 401, 40101)

# ---- confluent-kafka-python: the legacy CachedSchemaRegistryClient -----------------------------
from confluent_kafka import avro as legacy_avro  # noqa: E402

legacy = CachedSchemaRegistryClient({"url": reg.url, "ssl.ca.location": certs.ca,
                                     "basic.auth.credentials.source": "USER_INFO",
                                     "basic.auth.user.info": "writer:writer-pw"})
lid = legacy.register("orders-legacy", legacy_avro.loads(json.dumps(ORDER)))
eq("the legacy client registers over TLS with USER_INFO credentials", lid, sid)
ok("...and gets by id", legacy.get_by_id(lid) is not None)
bad = CachedSchemaRegistryClient({"url": reg.url, "ssl.ca.location": certs.ca})
raises("the legacy client without credentials (it sends Basic Og==) is refused",
       lambda: bad.register("orders-legacy2", legacy_avro.loads(json.dumps(ORDER))),
       ClientError, lambda e: "401" in str(e) or "Unauthorized" in str(e))
ok("...and wrote nothing", "orders-legacy2" not in subjects())

# ---- avroreg (libavroreg) ------------------------------------------------------------------
order_file = os.path.join(certs.dir, "order.avsc")
with open(order_file, "w") as f:
    json.dump(dict(ORDER, fields=ORDER["fields"] + [{"name": "n", "type": "int",
                                                      "default": 0}]), f)
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("AVROREG_REGISTRY_")}


def avroreg(*args, env=None):
    p = subprocess.run([AVROREG, *args], capture_output=True, text=True, timeout=60,
                       env=dict(BASE_ENV, **(env or {})))
    return p.returncode, p.stdout.strip(), p.stderr.strip()


rc, out, err = avroreg("register", "--registry", reg.url, "--user", "writer:writer-pw",
                       "--tls-ca", certs.ca, "--subject", "orders-value", order_file)
ok("avroreg register --user --tls-ca over TLS", rc == 0 and out.isdigit(), (rc, out, err))
new_id = out
rc, out, err = avroreg("get", "--id", new_id, env={
    "AVROREG_REGISTRY_URL": reg.url, "AVROREG_REGISTRY_USER": "reader",
    "AVROREG_REGISTRY_PASSWORD": "reader-pw", "AVROREG_REGISTRY_CA_FILE": certs.ca})
ok("avroreg get with everything from AVROREG_REGISTRY_* variables",
   rc == 0 and '"name":"Order"' in out, (rc, out, err))
rc, out, err = avroreg("--tls-ca", certs.ca, "--tls-cert", certs.clients["alice"][0],
                       "--tls-key", certs.clients["alice"][1], "subjects", "--registry", reg.url)
ok("avroreg subjects with a client certificate (flags before the command)",
   rc == 0 and out.split() == ["orders-legacy", "orders-value"], (rc, out, err))
rc, out, err = avroreg("subjects", "--registry", reg.url, "--user", "reader", "--tls-ca",
                       certs.ca, env={"AVROREG_REGISTRY_PASSWORD": "reader-pw"})
ok("avroreg --user NAME takes the password from AVROREG_REGISTRY_PASSWORD",
   rc == 0 and "orders-value" in out.split(), (rc, out, err))
before = subjects()
for label, args, code in [
        ("a wrong password", ["--user", "writer:nope"], "40101"),
        ("no credentials", [], "40101"),
        ("the reader", ["--user", "reader:reader-pw"], "40301")]:
    rc, out, err = avroreg("register", "--registry", reg.url, "--tls-ca", certs.ca,
                           "--subject", "orders-cli", order_file, *args)
    ok(f"avroreg register with {label}: exit 2, registry error {code}",
       rc == 2 and f"registry error {code}" in err, (rc, out, err))
rc, out, err = avroreg("subjects", "--registry", reg.url, "--user", "reader:reader-pw")
ok("avroreg without the CA: the certificate is not trusted (exit 2)",
   rc == 2 and "certificate" in err.lower(), (rc, out, err))
rc, out, err = avroreg("subjects", "--registry", reg.url, "--tls-ca")
ok("avroreg --tls-ca without a file: usage error", rc == 2 and "needs a value" in err, err)
eq("no refused command wrote anything", subjects(), before)
# export, import and migrate have connection options of their own: their --user is theirs.
rc, out, err = avroreg("export", "--registry", reg.url, "--user", "admin", "--password",
                       "admin-pw", "--ca-file", certs.ca, "--quiet")
ok("avroreg export --user --password --ca-file over TLS",
   rc == 0 and '"orders-value"' in out and '"users-value"' in out, (rc, out[:300], err))
rc, out, err = avroreg("--user", "reader:reader-pw", "export", "--registry", reg.url)
ok("avroreg --user before export: a usage error, not ignored",
   rc == 2 and "takes its own connection options" in err, (rc, err))

reg.stop()
certs.cleanup()
finish()

"""avroreg import --kafka: a realistic `_schemas` log, in Confluent's own record
format (Jackson's JSON of storage/SchemaKey, SchemaValue, ConfigKey, ...; key
fields in @JsonPropertyOrder, empty fields left out), is produced into the
bundled broker with confluent-kafka-python and replayed into a registry. The
log has soft deletes (deleted: true and DELETE_SUBJECT), tombstones (a
permanent delete, config removal), CLEAR_SUBJECT, config and mode records,
references, NOOP markers, ids out of order, a soft-deleted version whose
schema is registered again, and a record with a duplicate id that Confluent
skips. The resulting state is checked against what Confluent's semantics give.
Then --follow picks up records produced later, and a topic with garbage
records is refused (or skipped with --skip-bad-records), each bad record named
with its offset.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

from confluent_kafka import Producer

from migutil import AVROREG, Registry, avroreg, eq, finish, ok, state_of, wait_for  # noqa: F401

ADDRESS = '{"type":"record","name":"Address","fields":[{"name":"street","type":"string"}]}'
CUSTOMER = ('{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"},'
            '{"name":"home","type":"Address"}]}')
ORDER1 = '{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}'
ORDER2 = ('{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},'
          '{"name":"note","type":"string","default":""}]}')
ORDER3 = ('{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},'
          '{"name":"qty","type":"int","default":0}]}')


def compact(d):
    return json.dumps(d, separators=(",", ":"))


def schema_key(subject, version):
    return compact({"keytype": "SCHEMA", "subject": subject, "version": version, "magic": 1})


def schema_value(subject, version, sid, schema, deleted=False, **extra):
    value = {"subject": subject, "version": version, "id": sid}
    value.update(extra)
    value.update({"schema": schema, "deleted": deleted})
    return compact(value)


def key(keytype, subject=None):
    k = {"keytype": keytype}
    if subject is not None:
        k["subject"] = subject
    k["magic"] = 0
    return compact(k)


def initial_log():
    return [
        (key("NOOP"), None),
        (key("CONFIG"), compact({"compatibilityLevel": "BACKWARD"})),
        (key("MODE"), compact({"mode": "READWRITE"})),
        (schema_key("orders-value", 1), schema_value("orders-value", 1, 1, ORDER1)),
        # id 3 before id 2: ids need not follow the log's order
        (schema_key("orders-value", 2), schema_value("orders-value", 2, 3, ORDER2)),
        (schema_key("address", 1), schema_value("address", 1, 2, ADDRESS)),
        (schema_key("customer", 1), schema_value(
            "customer", 1, 10, CUSTOMER,
            references=[{"name": "Address", "subject": "address", "version": 1}],
            metadata={"properties": {"owner": "crm"}})),
        (key("CONFIG", "orders-value"), compact({"subject": "orders-value",
                                                 "compatibilityLevel": "FULL"})),
        (key("MODE", "customer"), compact({"subject": "customer", "mode": "READONLY"})),
        # a version soft-deleted by restating it
        (schema_key("orders-value", 2), schema_value("orders-value", 2, 3, ORDER2, True)),
        # a subject soft-deleted as a whole, then one version of it permanently
        (schema_key("tmp", 1), schema_value("tmp", 1, 4, '"string"')),
        (schema_key("tmp", 2), schema_value("tmp", 2, 5, '"int"')),
        (key("DELETE_SUBJECT", "tmp"), compact({"subject": "tmp", "version": 2})),
        (schema_key("tmp", 1), None),
        (key("CONFIG", "tmp"), compact({"subject": "tmp", "compatibilityLevel": "NONE"})),
        (key("CONFIG", "tmp"), None),
        # id 1 holds ORDER1: Confluent skips this record (offset 16)
        (schema_key("dup", 1), schema_value("dup", 1, 1, '"bytes"')),
        # a soft-deleted version whose schema is registered again, before
        # Confluent's tombstone of the old version reaches the log
        (schema_key("scratch", 1), schema_value("scratch", 1, 6, '"double"', True)),
        (schema_key("scratch", 2), schema_value("scratch", 2, 6, '"double"')),
        # soft-deleted, then cleared away
        (schema_key("gone", 1), schema_value("gone", 1, 7, '"float"')),
        (key("DELETE_SUBJECT", "gone"), compact({"subject": "gone", "version": 1})),
        (key("CLEAR_SUBJECT", "gone"), compact({"subject": "gone"})),
        (key("NOOP"), None),
    ]


def expected_initial():
    return {
        "config": {"compatibilityLevel": "BACKWARD"}, "mode": {"mode": "READWRITE"},
        "orders-value": {"versions": [(1, 1, False), (2, 3, True)],
                         "config": {"compatibilityLevel": "FULL"}, "mode": None},
        "address": {"versions": [(1, 2, False)], "config": None, "mode": None},
        "customer": {"versions": [(1, 10, False)], "config": None, "mode": {"mode": "READONLY"}},
        "tmp": {"versions": [(2, 5, True)], "config": None, "mode": None},
        "scratch": {"versions": [(1, 6, True), (2, 6, False)], "config": None, "mode": None},
    }


def produce(broker, topic, records):
    p = Producer({"bootstrap.servers": broker})
    for k, v in records:
        p.produce(topic, key=k.encode() if isinstance(k, str) else k,
                  value=v.encode() if isinstance(v, str) else v, partition=0)
    left = p.flush(30)
    if left:
        raise RuntimeError(f"{left} records were not delivered")


def start_broker(workdir):
    path = os.path.join(workdir, "bootstrap")
    proc = subprocess.Popen([AVROREG, "broker", "--bootstrap-file", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not wait_for(lambda: os.path.exists(path) or proc.poll() is not None, timeout=20):
        raise RuntimeError("the broker did not start")
    with open(path) as f:
        return proc, f.read().strip()


def comparable(state):
    """state_of with version triples as tuples (JSON gives lists)."""
    return {k: ({**v, "versions": [tuple(x) for x in v["versions"]]} if "versions" in v else v)
            for k, v in state.items()}


def replay(broker):
    reg = Registry().start()
    produce(broker, "_schemas", initial_log())
    r = avroreg("import", "--kafka", broker, "--registry", reg.url, timeout=120)
    ok("the log is replayed into the registry (exit 0)", r.rc == 0 and r.clean(), r)
    ok("the record with a duplicate id is skipped and named with its offset",
       re.search(r"_schemas offset 16 \(partition 0\): skipped: subject 'dup' version 1: "
                 r"schema id 1 already holds another schema", r.err), r.err[-2000:])
    eq("the registry holds what Confluent's semantics give", comparable(state_of(reg)),
       expected_initial())
    eq("a referencing schema keeps its references and metadata",
       reg.get("/schemas/ids/10").json,
       {"schema": CUSTOMER, "references": [{"name": "Address", "subject": "address",
                                            "version": 1}],
        "metadata": {"properties": {"owner": "crm"}}})
    eq("ids of permanently deleted and cleared versions do not resolve",
       (reg.get("/schemas/ids/4").status, reg.get("/schemas/ids/7").status), (404, 404))
    r = avroreg("import", "--kafka", broker, "--registry", reg.url, timeout=120)
    ok("replaying the log again changes nothing (exit 0)",
       r.rc == 0 and "0 registered, 0 soft-deleted, 0 removed, 0 settings" in r.err, r)
    return reg


def follow(broker, reg, tmp):
    log = open(os.path.join(tmp, "follow.log"), "w+")
    proc = subprocess.Popen([AVROREG, "import", "--kafka", broker, "--registry", reg.url,
                             "--follow", "--quiet"], stdout=subprocess.DEVNULL, stderr=log)
    try:
        ok("--follow keeps the registry in IMPORT mode while it runs",
           wait_for(lambda: reg.get("/mode").json == {"mode": "IMPORT"}, timeout=60))
        produce(broker, "_schemas", [
            (schema_key("orders-value", 3), schema_value("orders-value", 3, 11, ORDER3)),
            (key("CONFIG", "address"), compact({"subject": "address",
                                                "compatibilityLevel": "NONE"})),
            (schema_key("tmp", 2), None),  # the last version of tmp, for good
            (key("MODE", "customer"), None),
            (schema_key("fresh", 1), schema_value("fresh", 1, 12, '"boolean"')),
        ])

        def caught_up():
            s = state_of(reg)
            return ("fresh" in s and s["orders-value"]["versions"][-1] == (3, 11, False) and
                    "tmp" not in s and s["customer"]["mode"] is None and
                    s["address"]["config"] == {"compatibilityLevel": "NONE"})
        ok("records produced later reach the registry", wait_for(caught_up, timeout=60),
           state_of(reg))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    log.seek(0)
    err = log.read()
    ok("--follow stops on SIGTERM (exit 0)", rc == 0 and "Sanitizer" not in err, f"exit {rc}\n{err}")
    eq("... and leaves the registry in the log's global mode", reg.get("/mode").json,
       {"mode": "READWRITE"})
    ok("... saying so", "the registry's global mode is READWRITE" in err, err)
    eq("the new version has its id", reg.get("/subjects/orders-value/versions/3").json,
       {"subject": "orders-value", "version": 3, "id": 11, "schema": ORDER3})


def garbage(broker):
    topic = "_schemas_bad"
    produce(broker, topic, [
        (schema_key("a", 1), schema_value("a", 1, 1, '"string"')),
        ("hello", "world"),                                                 # offset 1
        (schema_key("b", 1), schema_value("b", 1, 2, '"int"')),
        (schema_key("c", 1), "{not json"),                                  # offset 3
        (key("TELEPORT", "c"), compact({"x": 1})),                          # offset 4
        (compact({"keytype": "SCHEMA", "subject": "d", "version": 1, "magic": 7}),
         schema_value("d", 1, 3, '"long"')),                                # offset 5
    ])
    reg = Registry().start()
    r = avroreg("import", "--kafka", broker, "--topic", topic, "--registry", reg.url, timeout=120)
    ok("a topic with a garbage record is refused at its offset (exit 1)",
       r.rc == 1 and "_schemas_bad offset 1 (partition 0): the key is not a JSON object" in r.err
       and "nothing was imported" in r.err, r)
    eq("... and nothing was imported", (reg.get("/subjects?deleted=true").json,
                                        reg.get("/mode").json), ([], {"mode": "READWRITE"}))
    r = avroreg("import", "--kafka", broker, "--topic", topic, "--registry", reg.url,
                "--skip-bad-records", timeout=120)
    want = ["offset 1 (partition 0): the key is not a JSON object",
            "offset 3 (partition 0): the value is not a JSON object",
            "offset 4 (partition 0): unknown keytype 'TELEPORT'",
            "offset 5 (partition 0): a SCHEMA key's magic byte must be 0 or 1"]
    ok("--skip-bad-records reports every bad record with its offset and goes on (exit 0)",
       r.rc == 0 and all(w in r.err for w in want) and "4 bad" in r.err, r)
    eq("... importing the good ones", reg.get("/subjects").json, ["a", "b"])
    reg.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="avroreg-schemas-log-")
    broker_proc, broker = start_broker(tmp)
    try:
        reg = replay(broker)
        follow(broker, reg, tmp)
        reg.stop()
        garbage(broker)
    finally:
        broker_proc.terminate()
        try:
            rc = broker_proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            broker_proc.kill()
            rc = broker_proc.wait()
        err = broker_proc.stderr.read().decode(errors="replace")
        ok("the broker stopped cleanly", rc == 0 and "Sanitizer" not in err, f"exit {rc}\n{err}")
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()

"""Interop through the bundled broker: our C producer and consumer against
confluent-kafka-python's AvroProducer and AvroConsumer (Debian's 1.7.0), over
the real Kafka protocol (librdkafka's mock cluster, started by `avroreg broker`),
with the real registry binary.

- taxi rides produced by the C producer (taxi-producer, libavroreg) are decoded
  by AvroConsumer;
- records produced by AvroProducer are decoded by `avroreg consume`;
- `avroreg produce` frames a record byte for byte as AvroProducer does.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from harness import ROOT, Registry, eq, finish, ok  # noqa: E402

from confluent_kafka import Consumer  # noqa: E402
from confluent_kafka.avro import AvroConsumer, AvroProducer  # noqa: E402
from confluent_kafka.avro import loads as avro_loads  # noqa: E402

AVROREG = os.environ.get("AVROREG", os.path.join(ROOT, "bin", "avroreg"))
BIN_DIR = os.path.dirname(os.path.abspath(AVROREG))
TAXI = os.path.join(ROOT, "examples", "taxi")


def start_broker(workdir):
    path = os.path.join(workdir, "bootstrap")
    proc = subprocess.Popen([AVROREG, "broker", "--bootstrap-file", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while time.time() < deadline and not os.path.exists(path):
        if proc.poll() is not None:
            raise RuntimeError("broker exited: " + proc.stderr.read().decode())
        time.sleep(0.05)
    with open(path) as f:
        return proc, f.read().strip()


def stop_broker(proc):
    proc.terminate()
    try:
        rc = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    err = proc.stderr.read().decode(errors="replace")
    ok("the broker stopped cleanly", rc == 0 and "Sanitizer" not in err, f"exit {rc}\n{err[-2000:]}")


def group():
    return "interop-" + uuid.uuid4().hex[:12]


def consume_avro(broker, registry, topic, count, timeout=30):
    consumer = AvroConsumer({"bootstrap.servers": broker, "group.id": group(),
                             "schema.registry.url": registry, "auto.offset.reset": "earliest",
                             "session.timeout.ms": 6000})
    consumer.subscribe([topic])
    out = []
    deadline = time.time() + timeout
    while len(out) < count and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        out.append((msg.key(), msg.value()))
    consumer.close()
    return out


def consume_raw(broker, topic, count, timeout=30):
    consumer = Consumer({"bootstrap.servers": broker, "group.id": group(),
                         "auto.offset.reset": "earliest", "session.timeout.ms": 6000})
    consumer.subscribe([topic])
    out = []
    deadline = time.time() + timeout
    while len(out) < count and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        out.append(msg.value())
    consumer.close()
    return out


def rides_from_csv():
    rows = []
    with open(os.path.join(TAXI, "rides.csv")) as f:
        next(f)
        for line in f:
            v, p, d, t, a = line.strip().split(",")
            rows.append({"vendorId": int(v), "passenger_count": int(p), "trip_distance": float(d),
                         "payment_type": int(t), "total_amount": float(a)})
    return rows


def ride_key(r):
    """Rides compared as a set: keyed by vendor they land on different partitions,
    whose order between each other Kafka does not keep."""
    return (r["vendorId"], r["passenger_count"], round(r["trip_distance"], 3), r["payment_type"],
            round(r["total_amount"], 3))


def same_rides(got, want):
    return sorted(ride_key(g) for g in got) == sorted(ride_key(w) for w in want)


def c_producer_to_avro_consumer(reg, broker):
    topic = "rides-c-" + uuid.uuid4().hex[:6]
    r = subprocess.run([os.path.join(BIN_DIR, "taxi-producer"), "--broker", broker, "--registry",
                        reg.url, "--topic", topic, "--schemas", TAXI,
                        os.path.join(TAXI, "rides.csv")], capture_output=True, text=True, timeout=60)
    want = rides_from_csv()
    ok("C producer produced the rides", r.returncode == 0, r.stdout + r.stderr)
    got = consume_avro(broker, reg.url, topic, len(want))
    eq("AvroConsumer received every ride", len(got), len(want))
    ok("AvroConsumer decoded the C producer's values", same_rides([g[1] for g in got], want),
       f"{got[:2]} vs {want[:2]}")
    ok("AvroConsumer decoded the C producer's keys",
       all(g[0] == {"vendorId": g[1]["vendorId"]} for g in got) and len(got) == len(want),
       f"{[g[0] for g in got[:3]]}")


def avro_producer_to_our_consumer(reg, broker):
    topic = "rides-py-" + uuid.uuid4().hex[:6]
    with open(os.path.join(TAXI, "taxi_ride.avsc")) as f:
        value_schema = avro_loads(f.read())
    with open(os.path.join(TAXI, "taxi_ride_key.avsc")) as f:
        key_schema = avro_loads(f.read())
    producer = AvroProducer({"bootstrap.servers": broker, "schema.registry.url": reg.url},
                            default_key_schema=key_schema, default_value_schema=value_schema)
    want = rides_from_csv()
    for ride in want:
        producer.produce(topic=topic, key={"vendorId": ride["vendorId"]}, value=ride)
    producer.flush(30)
    r = subprocess.run([AVROREG, "consume", "--broker", broker, "--registry", reg.url, "--topic",
                        topic, "--from-beginning", "--max", str(len(want)), "--print-key",
                        "--idle-timeout-ms", "30000"], capture_output=True, text=True, timeout=90)
    lines = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    ok("avroreg consume read AvroProducer's messages", r.returncode == 0 and len(lines) == len(want),
       f"exit {r.returncode}, {len(lines)} lines\n{r.stderr[-2000:]}")
    ok("avroreg consume decoded AvroProducer's values and keys",
       same_rides([line["value"] for line in lines], want)
       and all(line["key"] == {"vendorId": line["value"]["vendorId"]} for line in lines),
       f"{lines[:2]}")
    return topic


def reader_schema_resolution(reg, broker, topic):
    """Our consumer resolves AvroProducer's data to a newer reader schema."""
    reader = {"type": "record", "name": "TaxiRide", "namespace": "com.datatalksclub.taxi",
              "fields": [{"name": "vendorId", "type": "long"},
                         {"name": "total_amount", "type": "double"},
                         {"name": "tip", "type": "float", "default": 0.5}]}
    with tempfile.NamedTemporaryFile("w", suffix=".avsc", delete=False) as f:
        json.dump(reader, f)
    r = subprocess.run([AVROREG, "consume", "--broker", broker, "--registry", reg.url, "--topic",
                        topic, "--from-beginning", "--max", "1", "--reader-schema", f.name,
                        "--idle-timeout-ms", "30000"], capture_output=True, text=True, timeout=90)
    os.unlink(f.name)
    got = json.loads(r.stdout.splitlines()[0]) if r.returncode == 0 and r.stdout.strip() else None
    ok("avroreg consume --reader-schema resolves (promotion, removed and defaulted fields)",
       got is not None and set(got) == {"vendorId", "total_amount", "tip"} and got["tip"] == 0.5
       and any(got["vendorId"] == w["vendorId"] and abs(got["total_amount"] - w["total_amount"]) < 1e-4
               for w in rides_from_csv()),
       f"{r.stdout[:500]}\n{r.stderr[-1000:]}")


def framing_matches_avro_producer(reg, broker):
    """The same record, framed by AvroProducer and by `avroreg produce`, byte for byte."""
    topic = "frames-" + uuid.uuid4().hex[:6]
    schema_path = os.path.join(TAXI, "taxi_ride.avsc")
    with open(schema_path) as f:
        value_schema = avro_loads(f.read())
    ride = {"vendorId": 2, "passenger_count": 3, "trip_distance": 4.25, "payment_type": 1,
            "total_amount": 17.5}
    producer = AvroProducer({"bootstrap.servers": broker, "schema.registry.url": reg.url},
                            default_value_schema=value_schema)
    producer.produce(topic=topic, value=ride)
    producer.flush(30)
    r = subprocess.run([AVROREG, "produce", "--broker", broker, "--registry", reg.url, "--topic",
                        topic, "--value-schema", schema_path], input=json.dumps(ride) + "\n",
                       capture_output=True, text=True, timeout=60)
    ok("avroreg produce delivered", r.returncode == 0, r.stderr)
    frames = consume_raw(broker, topic, 2)
    eq("both frames arrived", len(frames), 2)
    if len(frames) == 2:
        eq("avroreg produce frames the record exactly as AvroProducer does", frames[1].hex(),
           frames[0].hex())
        ok("the frame is magic 0 and the registered id", frames[0][0] == 0
           and int.from_bytes(frames[0][1:5], "big") == reg.get(f"/subjects/{topic}-value/versions/latest").json["id"],
           frames[0][:5].hex())


def main():
    reg = Registry().start()
    work = tempfile.mkdtemp(prefix="avroreg-interop-")
    broker_proc, broker = start_broker(work)
    try:
        c_producer_to_avro_consumer(reg, broker)
        topic = avro_producer_to_our_consumer(reg, broker)
        reader_schema_resolution(reg, broker, topic)
        framing_matches_avro_producer(reg, broker)
    finally:
        stop_broker(broker_proc)
        reg.stop()
    finish()


if __name__ == "__main__":
    main()

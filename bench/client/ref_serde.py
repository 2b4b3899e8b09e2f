#!/usr/bin/python3
"""The reference decoder for bench/client/run.sh: confluent-kafka-python's
AvroConsumer path (confluent_kafka.avro MessageSerializer.decode_message, with
avro.io.DatumReader when fastavro is absent) on the framed TaxiRide messages
that build/release/bench/bench_serde wrote.

  ref_serde.py decode --registry URL --frames frames.bin --expect frames.jsonl
                      [--msgs N] [--rounds R]
      Checks that every message decodes to what libavroreg decoded it to
      (frames.jsonl), then times decode_message over N messages per round (in
      this thread's CPU time) and prints key=value figures (the median of R
      rounds).
  ref_serde.py sample --lines frames.lines SAMPLE...
      Checks that each SAMPLE file (one message as kcat -f '%s' wrote it) is
      one of the lines of frames.lines; prints how many were checked.

Uses only the Debian packages python3-confluent-kafka, python3-avro and
python3-requests.
"""

import argparse
import json
import statistics
import struct
import sys
import time
import warnings


def read_frames(path):
    frames = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        if pos + 4 > len(data):
            sys.exit("ref_serde: %s ends inside a length" % path)
        (n,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if pos + n > len(data):
            sys.exit("ref_serde: %s ends inside a message" % path)
        frames.append(data[pos:pos + n])
        pos += n
    if not frames:
        sys.exit("ref_serde: %s holds no message" % path)
    return frames


def same_datum(a, b):
    """The decoded dict and libavroreg's JSON: equal, floats as floats."""
    if a.keys() != b.keys():
        return False
    for k, v in a.items():
        w = b[k]
        if isinstance(v, float) or isinstance(w, float):
            if float(v) != float(w):
                return False
        elif v != w:
            return False
    return True


def cmd_decode(args):
    warnings.simplefilter("ignore", DeprecationWarning)
    from confluent_kafka.avro import CachedSchemaRegistryClient
    from confluent_kafka.avro.serializer import message_serializer
    from confluent_kafka.avro.serializer.message_serializer import MessageSerializer

    frames = read_frames(args.frames)
    with open(args.expect, encoding="utf-8") as f:
        expected = [json.loads(line) for line in f]
    if len(expected) != len(frames):
        sys.exit("ref_serde: %d messages but %d expected decodings" % (len(frames), len(expected)))

    client = CachedSchemaRegistryClient({"url": args.registry})
    ser = MessageSerializer(client)
    decode = ser.decode_message

    # The first message fetches the schema (one GET /schemas/ids/{id}); every
    # message is checked against libavroreg's decoding, untimed.
    for i, (msg, want) in enumerate(zip(frames, expected)):
        got = decode(msg)
        if not same_datum(got, want):
            sys.exit("ref_serde: message %d decodes to %r, libavroreg says %r" % (i, got, want))

    n = len(frames)
    rates = []
    for _ in range(args.rounds):
        # this thread's CPU time, as bench_serde measures its loops
        t0 = time.thread_time()
        for i in range(args.msgs):
            decode(frames[i % n])
        rates.append(args.msgs / (time.thread_time() - t0))

    print("py_decoder=%s" % ("fastavro" if message_serializer.HAS_FAST else "avro.io.DatumReader"))
    print("py_msgs=%d" % args.msgs)
    print("py_rounds=%d" % args.rounds)
    print("py_rates=%s" % ",".join("%.1f" % r for r in rates))
    print("py_rate=%.0f" % statistics.median(rates))
    print("py_best_rate=%.0f" % max(rates))


def cmd_sample(args):
    with open(args.lines, "rb") as f:
        lines = set(f.read().split(b"\n"))
    for path in args.samples:
        with open(path, "rb") as f:
            msg = f.read()
        if msg not in lines:
            sys.exit("ref_serde: %s (%d bytes) is not one of the produced payloads" % (path, len(msg)))
    print("sampled=%d" % len(args.samples))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("decode")
    d.add_argument("--registry", required=True)
    d.add_argument("--frames", required=True)
    d.add_argument("--expect", required=True)
    d.add_argument("--msgs", type=int, default=20000)
    d.add_argument("--rounds", type=int, default=5)
    s = sub.add_parser("sample")
    s.add_argument("--lines", required=True)
    s.add_argument("samples", nargs="+")
    args = p.parse_args()
    if args.cmd == "decode":
        cmd_decode(args)
    else:
        cmd_sample(args)


if __name__ == "__main__":
    main()

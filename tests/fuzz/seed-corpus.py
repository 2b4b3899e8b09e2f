#!/usr/bin/python3
"""Writes the seed corpora of the fuzz harnesses into tests/fuzz/corpus/.

    tests/fuzz/seed-corpus.py    (Debian python3 with python3-avro, as scripts/install-deps sets up)

schema/  schema texts from tests/data (every validity and PCF case, and a
         spread of the canonical-text cases up to 3,000 bytes), and a few
         "referenced schema NUL schema" pairs
compat/  "reader NUL writer" from compat_pairs.jsonl and compat_levels.jsonl
frame/   flags byte + Confluent frame + Avro binary, for fuzz_frame.c's table
         (encoded with python3-avro, so the payloads are independent of ours),
         flags byte + writer slot + Avro JSON datum, and flags byte + writer
         schema + NUL + Avro binary
router/  method byte + path, Content-Type, Accept and query lines

Files are named by the SHA-1 of their content, as libFuzzer names its own.
The whole corpus stays well under 1 MB.
"""
import hashlib
import io
import json
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def jsonl(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def text_of(schema):
    return schema if isinstance(schema, str) else json.dumps(schema)


def write_all(kind, items):
    d = os.path.join(OUT, kind)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    seen = set()
    for b in items:
        name = hashlib.sha1(b).hexdigest()
        if name in seen:
            continue
        seen.add(name)
        with open(os.path.join(d, name), "wb") as f:
            f.write(b)
    return len(seen)


def schema_seeds():
    out = [r["schema"].encode() for r in jsonl("schema_validity.jsonl")]
    out += [r["schema"].encode() for r in jsonl("pcf.jsonl")]
    canon = [r["schema"] for r in jsonl("canonical.jsonl") if len(r["schema"]) <= 3000]
    out += [s.encode() for s in canon[::4]]
    # a referenced schema, NUL, a schema using its types
    refs = [
        ({"type": "record", "name": "Addr", "namespace": "com.x",
          "fields": [{"name": "street", "type": "string"}]},
         {"type": "record", "name": "User", "namespace": "com.x",
          "fields": [{"name": "home", "type": "Addr"},
                     {"name": "work", "type": ["null", "com.x.Addr"], "default": None}]}),
        ({"type": "enum", "name": "Suit", "symbols": ["S", "H", "D", "C"], "default": "S"},
         {"type": "array", "items": "Suit"}),
        ({"type": "fixed", "name": "Md5", "size": 16},
         {"type": "record", "name": "File", "namespace": "fs",
          "fields": [{"name": "sum", "type": {"type": "map", "values": "Md5"}}]}),
    ]
    out += [text_of(r).encode() + b"\0" + text_of(m).encode() for r, m in refs]
    return out


def compat_seeds():
    out = []
    for r in jsonl("compat_pairs.jsonl"):
        out.append(text_of(r["reader"]).encode() + b"\0" + text_of(r["writer"]).encode())
    for r in jsonl("compat_levels.jsonl"):
        prev = r["previous"][-1] if r["previous"] else r["new"]
        out.append(text_of(r["new"]).encode() + b"\0" + text_of(prev).encode())
    # large enums (the checker sorts symbols past 16) and deep nesting
    def enum(symbols):
        return {"type": "enum", "name": "E", "symbols": symbols}
    many = ["S%02d" % i for i in range(24)]
    out.append(text_of(enum(many[:20] + ["\u00e9", "Z"])).encode() + b"\0" +
               text_of(enum(many[4:])).encode())

    def nest(depth, leaf):
        t = leaf
        for i in range(depth):
            t = {"type": "record", "name": "R%d" % i, "fields": [
                {"name": "n", "type": "null"}, {"name": "f", "type": t}]}
        return t
    out.append(text_of(nest(40, "int")).encode() + b"\0" + text_of(nest(40, "string")).encode())
    # level names (the harness tries the first bytes as one)
    out += [b"backward_transitive", b"FULL", b"for\xc5\xbfard", b"N\xc4\xb1ONE"]
    return out


# The writers of fuzz_frame.c's table, by slot, with a few datums each.
FRAME_TABLE = [
    ({"type": "record", "name": "All", "namespace": "fz", "fields": [
        {"name": "n", "type": "null"}, {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"}, {"name": "l", "type": "long"},
        {"name": "f", "type": "float"}, {"name": "d", "type": "double"},
        {"name": "by", "type": "bytes"}, {"name": "s", "type": "string"},
        {"name": "e", "type": {"type": "enum", "name": "Color",
                               "symbols": ["RED", "GREEN", "BLUE"]}},
        {"name": "fx", "type": {"type": "fixed", "name": "F4", "size": 4}},
        {"name": "a", "type": {"type": "array", "items": "int"}},
        {"name": "m", "type": {"type": "map", "values": "string"}},
        {"name": "u", "type": ["null", "int", "string", "Color"]}]},
     [{"n": None, "b": True, "i": -5, "l": 1 << 40, "f": 1.5, "d": -0.25, "by": b"\x00\xff",
       "s": "h\u00e9llo", "e": "GREEN", "fx": b"abcd", "a": [1, 2, 3],
       "m": {"k": "v", "": "empty"}, "u": "BLUE"},
      {"n": None, "b": False, "i": 0, "l": 0, "f": 0.0, "d": 0.0, "by": b"", "s": "",
       "e": "RED", "fx": b"\0\0\0\0", "a": [], "m": {}, "u": None},
      {"n": None, "b": False, "i": 2147483647, "l": -(1 << 63), "f": float("inf"),
       "d": float("nan"), "by": b"x", "s": "\u20ac", "e": "BLUE", "fx": b"wxyz",
       "a": [-1], "m": {"a": "b"}, "u": 7}]),
    ({"type": "record", "name": "Node", "fields": [
        {"name": "v", "type": "long"}, {"name": "next", "type": ["null", "Node"]}]},
     [{"v": 1, "next": {"v": 2, "next": {"v": 3, "next": None}}}, {"v": -1, "next": None}]),
    ({"type": "record", "name": "L", "fields": [
        {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal",
                                 "precision": 9, "scale": 2}},
        {"name": "decf", "type": {"type": "fixed", "name": "D8", "size": 8,
                                  "logicalType": "decimal", "precision": 18, "scale": 3}},
        {"name": "date", "type": {"type": "int", "logicalType": "date"}},
        {"name": "tm", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "dur", "type": {"type": "fixed", "name": "Dur", "size": 12,
                                 "logicalType": "duration"}}]},
     [{"dec": b"\x01\x02", "decf": b"\0\0\0\0\0\0\x30\x39", "date": 19000, "tm": 1000,
       "ts": 1700000000000000, "id": "123e4567-e89b-12d3-a456-426614174000",
       "dur": b"\x01\0\0\0\x02\0\0\0\x03\0\0\0"}]),
    ({"type": "record", "name": "Z", "fields": [
        {"name": "a", "type": {"type": "array", "items": "null"}},
        {"name": "m", "type": {"type": "map", "values": {"type": "fixed", "name": "F0",
                                                         "size": 0}}},
        {"name": "r", "type": {"type": "array", "items": {"type": "record", "name": "E",
                                                          "fields": []}}},
        {"name": "w", "type": {"type": "array", "items": {"type": "record", "name": "W",
                                                          "fields": [{"name": "e", "type": "E"}]}}},
        {"name": "u", "type": ["null", "F0", "E", "int"]}]},
     [{"a": [None, None, None], "m": {"x": b"", "y": b""}, "r": [{}, {}], "w": [{"e": {}}],
       "u": 3},
      {"a": [], "m": {}, "r": [], "w": [], "u": None}]),
    (["null", "boolean", "int", "long", "float", "double", "bytes", "string",
      {"type": "array", "items": ["null", "double"]},
      {"type": "map", "values": {"type": "array", "items": "string"}}],
     [None, True, 42, 1 << 50, 2.5, 1e300, b"bytes", "text", [None, 1.0, None],
      {"k": ["a", "b"], "l": []}]),
    ("string", ["", "plain", "\u00fcn\u00efc\u00f6d\u00e9 \U0001F600"]),
    ({"type": "array", "items": {"type": "map", "values": {"type": "record", "name": "P",
                                                           "fields": [
        {"name": "x", "type": "int"},
        {"name": "tags", "type": {"type": "array", "items": "string"}}]}}},
     [[{"p": {"x": 1, "tags": ["t"]}}, {}], []]),
    ({"type": "enum", "name": "S", "symbols": ["A", "B", "C", "D"]}, ["A", "C", "D"]),
    ({"type": "record", "name": "T", "fields": [
        {"name": "kids", "type": {"type": "array", "items": "T"}},
        {"name": "attrs", "type": {"type": "map", "values": "T"}},
        {"name": "leaf", "type": ["null", "float", "T"]}]},
     [{"kids": [{"kids": [], "attrs": {}, "leaf": 1.0}],
       "attrs": {"a": {"kids": [], "attrs": {}, "leaf": None}},
       "leaf": {"kids": [], "attrs": {}, "leaf": None}}]),
]


def without_logical(schema):
    """The schema without logicalType: the binary is the same, and python3-avro
    then takes plain bytes, ints and strings for the datums."""
    if isinstance(schema, dict):
        return {k: without_logical(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [without_logical(v) for v in schema]
    return schema


# Avro JSON datums by writer slot, for the harness's serializer mode (flags bit 1).
FRAME_JSON = [
    (0, '{"n":null,"b":true,"i":-5,"l":1099511627776,"f":1.5,"d":-0.25,"by":"\\u0000\\u00ff",'
        '"s":"h\\u00e9llo","e":"GREEN","fx":"abcd","a":[1,2,3],"m":{"k":"v"},'
        '"u":{"fz.Color":"BLUE"}}'),
    (1, '{"v":1,"next":{"Node":{"v":2,"next":null}}}'),
    (2, '{"dec":"\\u0001","decf":"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u00309",'
        '"date":1,"tm":2,"ts":3,"id":"x","dur":"aaaabbbbcccc"}'),
    (3, '{"a":[null],"m":{"x":""},"r":[{}],"w":[{"e":{}}],"u":{"E":{}}}'),
    (4, '{"double":"NaN"}'),
    (4, '{"map":{"k":["a"]}}'),
    (4, '{"array":[null,{"double":1e308}]}'),
    (5, '"text\\u0000"'),
    (6, '[{"p":{"x":1,"tags":["t"]}}]'),
    (7, '"C"'),
    (8, '{"kids":[],"attrs":{},"leaf":{"float":"Infinity"}}'),
]


def frame_seeds():
    import avro.io
    import avro.schema

    out = []
    for slot, (schema, datums) in enumerate(FRAME_TABLE):
        parsed = avro.schema.parse(json.dumps(without_logical(schema)))
        writer = avro.io.DatumWriter(parsed)
        for datum in datums:
            buf = io.BytesIO()
            writer.write(datum, avro.io.BinaryEncoder(buf))
            frame = b"\0" + struct.pack(">i", slot) + buf.getvalue()
            out.append(b"\0" + frame)
            out.append(b"\1" + frame)
    # own-schema mode (flags bit 2): the writer schema, NUL, the payload
    for slot, (schema, datums) in enumerate(FRAME_TABLE):
        parsed = avro.schema.parse(json.dumps(without_logical(schema)))
        buf = io.BytesIO()
        avro.io.DatumWriter(parsed).write(datums[0], avro.io.BinaryEncoder(buf))
        out.append(b"\4" + json.dumps(schema).encode() + b"\0" + buf.getvalue())
    # names avro-c refuses (Unicode), so the made-up form is used
    out.append(b"\4" + json.dumps({"type": "record", "name": "\u00c9t\u00e9", "fields": [
        {"name": "\u00e0", "type": {"type": "fixed", "name": "Z\u00e9ro", "size": 0}},
        {"name": "b", "type": "int"}]}).encode() + b"\0\x02")
    for slot, text in FRAME_JSON:
        out.append(b"\2" + bytes([slot]) + text.encode())
        out.append(b"\3" + bytes([slot]) + text.encode())
    return out


def router_seeds():
    paths = [
        "/", "/schemas/types", "/schemas", "/schemas/ids/1", "/schemas/ids/1/schema",
        "/schemas/ids/7/subjects", "/schemas/ids/7/versions", "/subjects", "/subjects/",
        "/subjects/a%2Fb", "/subjects/my-value/versions", "/subjects/x/versions/latest",
        "/subjects/x/versions/1/schema", "/subjects/x/versions/-1/referencedby",
        "/subjects/%E2%82%AC/versions/2", "/subjects/a+b%20c/versions/",
        "/compatibility/subjects/s/versions", "/compatibility/subjects/s/versions/latest",
        "/config", "/config/s%00", "/mode", "/mode/%C3%28", "/contexts", "/v1/metadata/id",
        "/v1/metadata/version", "/health/live", "/health/ready", "/metrics",
        "/%73ubjects/x", "/subjects//versions", "/subjects/x%zz", "/subjects/x%4",
    ]
    ctypes = ["", "application/json", "application/vnd.schemaregistry.v1+json; charset=utf-8",
              " Application/Octet-Stream ", "text/plain"]
    accepts = ["", "*/*", "application/json;q=0.5, application/vnd.schemaregistry+json",
               "application/*; q=0.1", "*", "text/html;q=1, application/json;q=0",
               "application/vnd.schemaregistry.v1+json; q=0.9; foo=bar, */*;q=0.2"]
    queries = ["", "deleted=true", "subject=a%2Fb&normalize=TRUE", "q=%zz&deleted=tr%75e",
               "q=%", "=%41&&&deleted", "subject=x+y%2B%E2%82%AC"]
    out = []
    for i, p in enumerate(paths):
        for method in range(6):
            if (i + method) % 3:
                continue
            line = "%s\n%s\n%s\n%s" % (p, ctypes[(i + method) % len(ctypes)],
                                       accepts[(i * 7 + method) % len(accepts)],
                                       queries[(i * 3 + method) % len(queries)])
            out.append(bytes([method]) + line.encode())
    return out


def main():
    counts = {
        "schema": write_all("schema", schema_seeds()),
        "compat": write_all("compat", compat_seeds()),
        "frame": write_all("frame", frame_seeds()),
        "router": write_all("router", router_seeds()),
    }
    total = 0
    for dirpath, _, files in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    for kind, n in counts.items():
        print("%-7s %4d files" % (kind, n))
    print("total   %d bytes" % total)
    if total >= 1 << 20:
        sys.exit("the corpus is over 1 MB")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes an export (docs/export-format.md) of SUBJECTS subjects with VERSIONS
versions each, for bench/migration/run.sh; Python standard library only.

  gen_export.py AVSC OUT [--subjects 10000] [--versions 10]

Each subject gets AVSC in a namespace of its own, and version v adds v-1
optional fields, so every version is a distinct schema (a new id) and a
BACKWARD-compatible evolution of the one before, as in the server benchmark's
load. Ids run 1..SUBJECTS*VERSIONS in subject order.
"""
import argparse
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("avsc")
    ap.add_argument("out")
    ap.add_argument("--subjects", type=int, default=10000)
    ap.add_argument("--versions", type=int, default=10)
    args = ap.parse_args()
    with open(args.avsc, encoding="utf-8") as f:
        base = json.load(f)
    schemas, subjects = [], []
    sid = 0
    for s in range(args.subjects):
        name = f"bench-{s:05d}-value"
        versions = []
        for v in range(1, args.versions + 1):
            doc = dict(base)
            doc["namespace"] = f"{base['namespace']}.s{s:05d}"
            doc["fields"] = list(base["fields"]) + [
                {"name": f"extra{k}", "type": ["null", "string"], "default": None}
                for k in range(1, v)]
            sid += 1
            schemas.append((sid, json.dumps(doc, separators=(",", ":"), ensure_ascii=False)))
            versions.append((v, sid))
        subjects.append((name, versions))
    c = (",", ":")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write('{"kind":"avroreg-export","formatVersion":1}\n')
        f.write('{"kind":"global","compatibilityLevel":"BACKWARD","mode":"READWRITE"}\n')
        for i, text in schemas:
            f.write(json.dumps({"kind": "schema", "id": i, "schemaType": "AVRO", "schema": text},
                               separators=c, ensure_ascii=False) + "\n")
        for name, versions in subjects:
            f.write(json.dumps({"kind": "subject", "subject": name}, separators=c) + "\n")
            for v, i in versions:
                f.write(json.dumps({"kind": "version", "subject": name, "version": v, "id": i,
                                    "deleted": False}, separators=c) + "\n")
        f.write(json.dumps({"kind": "end", "schemas": len(schemas), "subjects": len(subjects),
                            "versions": len(schemas)}, separators=c) + "\n")


if __name__ == "__main__":
    main()

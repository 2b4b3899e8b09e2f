"""Bad input for export, import and migrate: a truncated export, one from a
newer format version, duplicate ids with different schemas, conflicts with
what the target holds, unreachable registries. Each is refused with a message
that says what and where, with the right exit code, and the target is left
exactly as it was (or, with --skip-conflicts, holds everything but the
conflict and says so).
"""
import json
import os
import shutil
import tempfile

from migutil import Registry, avroreg, eq, finish, free_port, ok, state_of  # noqa: F401

HEADER = '{"kind":"avroreg-export","formatVersion":1}'
GLOBAL = '{"kind":"global","compatibilityLevel":"BACKWARD","mode":"READWRITE"}'


def schema_line(sid, text):
    return json.dumps({"kind": "schema", "id": sid, "schemaType": "AVRO", "schema": text},
                      separators=(",", ":"))


def subject_lines(subject, *versions):
    out = ['{"kind":"subject","subject":"%s"}' % subject]
    for v, sid in versions:
        out.append('{"kind":"version","subject":"%s","version":%d,"id":%d,"deleted":false}'
                   % (subject, v, sid))
    return out


def export_text(schemas, subjects, end=True):
    lines = [HEADER, GLOBAL] + [schema_line(i, t) for i, t in schemas]
    for s in subjects:
        lines += s
    if end:
        lines.append('{"kind":"end","schemas":%d,"subjects":%d,"versions":%d}'
                     % (len(schemas), len(subjects), sum(len(s) - 1 for s in subjects)))
    return "\n".join(lines) + "\n"


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def refused_file(tmp, target, name, text, message):
    before = state_of(target)
    r = avroreg("import", write(tmp, "bad.jsonl", text), "--registry", target.url)
    ok(f"{name}: refused as a usage/I-O error (exit 2) naming the problem",
       r.rc == 2 and r.clean() and message in r.err, f"want {message!r}\n{r}")
    eq(f"{name}: the target is untouched", state_of(target), before)


def main():
    tmp = tempfile.mkdtemp(prefix="avroreg-bad-")
    target = Registry().start()
    mine = target.register("mine", '"int"')  # id 1 on the target
    ok("the target holds one schema", mine.status == 200 and mine.json == {"id": 1})

    good = export_text([(1, '"string"'), (2, '"long"')],
                       [subject_lines("a", (1, 1)), subject_lines("b", (1, 2), (3, 1))])
    cut = good.splitlines()
    refused_file(tmp, target, "a truncated export (cut at a line end)", "\n".join(cut[:-1]) + "\n",
                 "without its end line: the file is truncated")
    refused_file(tmp, target, "a truncated export (cut inside a line)",
                 good[:len(good) - 30], "line 10: not a JSON object")
    refused_file(tmp, target, "an export from a newer format version",
                 good.replace('"formatVersion":1', '"formatVersion":2', 1),
                 "line 1: the export is in format version 2; this avroreg reads versions up to 1")
    refused_file(tmp, target, "duplicate ids with different schemas",
                 export_text([(1, '"string"'), (1, '"bytes"')], [subject_lines("a", (1, 1))]),
                 "line 4: schema id 1 is given again (first at line 3)")
    refused_file(tmp, target, "an empty file", "", "the file is empty")
    r = avroreg("import", os.path.join(tmp, "missing.jsonl"), "--registry", target.url)
    ok("a missing file is an I/O error (exit 2)", r.rc == 2 and "missing.jsonl" in r.err, r)

    # id 1 is '"int"' on the target and '"string"' in the export: a conflict
    before = state_of(target)
    path = write(tmp, "conflict.jsonl", good)
    r = avroreg("import", path, "--registry", target.url)
    ok("an id that holds another schema on the target is a conflict (exit 1)",
       r.rc == 1 and "conflict: id 1 holds a different schema on the target" in r.err and
       "nothing was written" in r.err, r)
    eq("... and nothing was written", state_of(target), before)
    r = avroreg("import", path, "--registry", target.url, "--dry-run")
    ok("a dry run names the same conflicts (exit 1)", r.rc == 1 and "conflict: id 1" in r.err, r)
    r = avroreg("import", path, "--registry", target.url, "--skip-conflicts")
    ok("--skip-conflicts imports the rest and says what it left out (exit 1)",
       r.rc == 1 and "1 registered" in r.err and "2 conflicts" in r.err and
       "everything else is on the target" in r.err, r)
    eq("... the version with a free id is there", target.get("/subjects/b/versions/1").json,
       {"subject": "b", "version": 1, "id": 2, "schema": '"long"'})
    eq("... the conflicting ones are not", (target.get("/subjects/a/versions").status,
                                            target.get("/subjects/b/versions").json), (404, [1]))
    eq("... id 1 still holds the target's own schema", target.get("/schemas/ids/1").json,
       {"schema": '"int"'})
    eq("... and the target's mode is back", target.get("/mode").json, {"mode": "READWRITE"})

    # a version the target holds with another id
    other = write(tmp, "other-id.jsonl", export_text([(7, '"int"')], [subject_lines("mine", (1, 7))]))
    r = avroreg("import", other, "--registry", target.url)
    ok("a version the target holds with another id is a conflict (exit 1)",
       r.rc == 1 and "conflict: subject 'mine' version 1 has id 1 on the target, id 7 in the "
       "snapshot" in r.err, r)

    # a schema this registry cannot hold (Confluent holds PROTOBUF), and what
    # references a conflict: refused one by one, the rest imported
    proto = json.dumps({"kind": "schema", "id": 20, "schemaType": "PROTOBUF",
                        "schema": 'syntax = "proto3"; message M { int32 x = 1; }'},
                       separators=(",", ":"))
    referrer = json.dumps({"kind": "schema", "id": 21, "schemaType": "AVRO", "schema":
                           '{"type":"record","name":"R","fields":[{"name":"a","type":"A"}]}',
                           "references": [{"name": "A", "subject": "a", "version": 1}]},
                          separators=(",", ":"))
    lines = [HEADER, GLOBAL,
             schema_line(1, '{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}'),
             proto, referrer, schema_line(22, '"float"')]
    subjects = [subject_lines("a", (1, 1)), subject_lines("p", (1, 20)),
                subject_lines("r", (1, 21)), subject_lines("z", (1, 22))]
    for sub in subjects:
        lines += sub
    lines.append('{"kind":"end","schemas":4,"subjects":4,"versions":4}')
    mixed = write(tmp, "mixed.jsonl", "\n".join(lines) + "\n")
    r = avroreg("import", mixed, "--registry", target.url, "--skip-conflicts")
    ok("a PROTOBUF schema is refused with the registry's reason, the rest imported (exit 1)",
       r.rc == 1 and "refused: subject 'p' version 1 (id 20)" in r.err and "42201" in r.err, r)
    ok("a schema that references a conflicting version is refused, naming it",
       "refused: subject 'r' version 1 (id 21): it references subject 'a' version 1 (id 1), "
       "which was not imported" in r.err, r)
    eq("... and the independent one is there", target.get("/subjects/z/versions/1").json,
       {"subject": "z", "version": 1, "id": 22, "schema": '"float"'})
    eq("... but not the refused ones", [target.get(f"/subjects/{x}/versions").status
                                       for x in ("a", "p", "r")], [404, 404, 404])

    # unreachable registries
    closed = f"http://127.0.0.1:{free_port()}"
    r = avroreg("export", "--registry", closed)
    ok("export from an unreachable registry fails with the reason (exit 2)",
       r.rc == 2 and "Couldn't connect" in r.err and r.out == "", r)
    before = state_of(target)
    r = avroreg("migrate", "--from", closed, "--to", target.url)
    ok("migrate from an unreachable source fails before touching the target (exit 2)",
       r.rc == 2 and closed in r.err and "Couldn't connect" in r.err, r)
    eq("... the target is untouched", state_of(target), before)
    r = avroreg("import", path, "--registry", closed)
    ok("import into an unreachable registry fails with the reason (exit 2)",
       r.rc == 2 and "Couldn't connect" in r.err, r)
    out = os.path.join(tmp, "never.jsonl")
    r = avroreg("export", "--registry", closed, "--output", out)
    ok("a failed export leaves no file behind", r.rc == 2 and not os.path.exists(out) and
       not [f for f in os.listdir(tmp) if f.startswith("never.jsonl")], r)
    r = avroreg("import", "--registry", target.url)
    ok("import without a file is a usage error (exit 2)", r.rc == 2 and "usage:" in r.out, r)
    r = avroreg("migrate", "--from", target.url)
    ok("migrate without --to is a usage error (exit 2)", r.rc == 2 and "usage:" in r.out, r)
    target.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()

"""Export and import, end to end: a registry with a varied history (references,
soft and permanent deletes, per-subject config and modes, normalize, metadata,
a ruleSet) is exported, imported into a fresh registry and exported again:
the two exports are byte for byte the same and every id answers the same on
both. A second import changes nothing; an import whose target dies midway
says where it stopped, and running it again completes it.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

from migutil import (AVROREG, Registry, avroreg, eq, finish, ids_of, ok, state_of,  # noqa: F401
                     varied_history, wait_for)


def record_with_default():
    return json.dumps({"type": "record", "name": "Customer", "fields": [
        {"name": "name", "type": "string"}, {"name": "home", "type": "Address"},
        {"name": "vip", "type": "boolean", "default": False}]})


def counts(err):
    m = re.search(r"(\d+) registered, (\d+) soft-deleted, (\d+) removed, (\d+) settings; "
                  r"(\d+) already there", err)
    return tuple(int(x) for x in m.groups()) if m else None


def round_trip(tmp):
    a = Registry().start()
    b = Registry().start()
    varied_history(a)
    first = os.path.join(tmp, "a.jsonl")
    r = avroreg("export", "--registry", a.url, "--output", first)
    ok("export writes the file (exit 0)", r.rc == 0 and r.clean() and os.path.exists(first), r)
    text = open(first).read()
    again = avroreg("export", "--registry", a.url, "--quiet")
    eq("exporting the same registry twice gives the same bytes", again.out, text)
    lines = [json.loads(line) for line in text.splitlines()]
    eq("the export begins with its header", lines[0], {"kind": "avroreg-export", "formatVersion": 1})
    versions = {(x["subject"], x["version"]): (x["id"], x["deleted"]) for x in lines
                if x["kind"] == "version"}
    eq("the end line counts what the file holds", lines[-1],
       {"kind": "end", "schemas": sum(1 for x in lines if x["kind"] == "schema"),
        "subjects": sum(1 for x in lines if x["kind"] == "subject"), "versions": len(versions)})
    ok("soft-deleted versions are exported with deleted: true",
       versions[("orders-value", 2)][1] and versions[("gone-value", 1)][1] and
       not versions[("orders-value", 3)][1], versions)
    ok("a permanent delete leaves a gap", ("scratch", 1) not in versions and
       ("scratch", 2) in versions, versions)
    subjects = {x["subject"]: x for x in lines if x["kind"] == "subject"}
    eq("per-subject config, normalize and mode are exported", subjects["orders-value"],
       {"kind": "subject", "subject": "orders-value", "compatibilityLevel": "BACKWARD_TRANSITIVE",
        "normalize": True})
    eq("a subject's mode is exported", subjects["customers-value"].get("mode"), "READONLY")
    schema_of = {x["id"]: x for x in lines if x["kind"] == "schema"}
    customer = schema_of[versions[("customers-value", 1)][0]]
    eq("references are exported", customer.get("references"),
       [{"name": "Address", "subject": "common-address", "version": 1}])
    address = schema_of[versions[("common-address", 1)][0]]
    # The registry keeps metadata in Confluent's canonical form (properties
    # sorted), and the export carries it as the registry answers it.
    eq("metadata keeps the registry's key order", list(address["metadata"]["properties"]),
       ["a", "b", "owner"])

    r = avroreg("import", first, "--registry", b.url)
    ok("import into a fresh registry (exit 0)", r.rc == 0 and r.clean(), r)
    eq("the target's global mode is the export's afterwards", b.get("/mode").json,
       {"mode": "READWRITE"})
    second = avroreg("export", "--registry", b.url, "--quiet")
    eq("the imported registry exports to the same bytes", second.out, text)
    eq("every id answers the same on both registries", ids_of(b), ids_of(a))
    eq("every subject has the same versions, deleted flags and settings", state_of(b),
       state_of(a))

    before = state_of(b)
    r = avroreg("import", first, "--registry", b.url)
    ok("a second import succeeds", r.rc == 0 and r.clean(), r)
    eq("... and changes nothing", counts(r.err)[:4], (0, 0, 0, 0))
    eq("... counting every version as already there", counts(r.err)[4], len(versions))
    eq("... the state is untouched", state_of(b), before)
    r = avroreg("import", first, "--registry", b.url, "--dry-run")
    ok("a dry run plans nothing", r.rc == 0 and "0 changes planned, none made" in r.err, r)
    # A subject whose own mode is READONLY on the target gets a new version:
    # the import lifts the subject to IMPORT for the write, then puts it back.
    a.request("PUT", "/mode/customers-value", {"mode": "READWRITE"})
    v2 = a.register("customers-value", record_with_default(), references=[
        {"name": "Address", "subject": "common-address", "version": 1}])
    a.request("PUT", "/mode/customers-value", {"mode": "READONLY"})
    ok("the source takes a new version of a READONLY subject", v2.status == 200, v2)
    later = os.path.join(tmp, "a-later.jsonl")
    r = avroreg("export", "--registry", a.url, "--output", later, "--quiet")
    r = avroreg("import", later, "--registry", b.url)
    ok("importing it into a target where the subject is READONLY (exit 0)",
       r.rc == 0 and counts(r.err) == (1, 0, 0, 0, len(versions)), r)
    eq("... the version is there and the subject READONLY again",
       (state_of(b)["customers-value"], b.get("/mode").json),
       (state_of(a)["customers-value"], {"mode": "READWRITE"}))
    eq("... and both registries export the same bytes again",
       avroreg("export", "--registry", b.url, "--quiet").out, open(later).read())

    # The target's counter skips the ids it holds. (An id the source deleted
    # for good is not in the export, and the target may hand it out again:
    # README, "Moving a registry".)
    fresh = b.register("fresh-value", '"boolean"')
    ok("a registration after the import gets an id no imported schema has",
       fresh.status == 200 and fresh.json["id"] not in schema_of, f"{fresh} vs {sorted(schema_of)}")
    a.stop()
    b.stop()


def big_export(path, n):
    """n subjects of one version each; the ids run backwards, as an import
    from a registry that was itself imported may have them."""
    schemas, versions = [], []
    for i in range(n):
        sid = n - i
        text = json.dumps({"type": "record", "name": f"R{i}", "fields": [{"name": "f", "type": "int"}]},
                          separators=(",", ":"))
        schemas.append((sid, text))
        versions.append((f"s{i:05d}", sid))
    out = ['{"kind":"avroreg-export","formatVersion":1}',
           '{"kind":"global","compatibilityLevel":"BACKWARD","mode":"READWRITE"}']
    for sid, text in sorted(schemas):
        out.append(json.dumps({"kind": "schema", "id": sid, "schemaType": "AVRO", "schema": text},
                              separators=(",", ":")))
    for subject, sid in sorted(versions):
        out.append('{"kind":"subject","subject":"%s"}' % subject)
        out.append('{"kind":"version","subject":"%s","version":1,"id":%d,"deleted":false}'
                   % (subject, sid))
    out.append('{"kind":"end","schemas":%d,"subjects":%d,"versions":%d}' % (n, n, n))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return "\n".join(out) + "\n"


def resume(tmp):
    n = 3000
    path = os.path.join(tmp, "big.jsonl")
    text = big_export(path, n)
    target = Registry(db_dir=tempfile.mkdtemp(prefix="avroreg-resume-")).start()
    proc = subprocess.Popen([AVROREG, "import", path, "--registry", target.url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = wait_for(lambda: len(target.get("/subjects").json or []) > 0, timeout=60, step=0.02)
    target.proc.kill()  # the target dies in the middle of the import
    target.proc.wait()
    target.proc = None
    target.stderr.close()
    out, err = proc.communicate(timeout=120)
    ok("the import started before the target died", started)
    ok("the import says it stopped, at which change, and how to resume (exit 2)",
       proc.returncode == 2 and "stopped" in err and "subject 's" in err and
       "run the same command again to resume" in err, f"exit {proc.returncode}\n{err[-3000:]}")
    ok("... and that the target is left in IMPORT mode, as it could not be set back",
       "the target's global mode is IMPORT" in err, err[-2000:])
    target.start()
    held = len(target.get("/subjects").json)
    ok("the target holds part of the import", 0 < held < n, f"{held} of {n}")
    eq("the target is in IMPORT mode after the restart", target.get("/mode").json,
       {"mode": "IMPORT"})
    r = avroreg("import", path, "--registry", target.url)
    ok("running the import again completes it (exit 0)", r.rc == 0 and r.clean(), r)
    c = counts(r.err)
    ok("... registering only what was missing", c and c[0] + c[4] == n and c[4] >= held, r.err)
    eq("... and the target exports exactly the file", avroreg("export", "--registry", target.url,
                                                              "--quiet").out, text)
    eq("... with its mode back to READWRITE", target.get("/mode").json, {"mode": "READWRITE"})
    target.stop()
    shutil.rmtree(target.dir, ignore_errors=True)


def main():
    tmp = tempfile.mkdtemp(prefix="avroreg-roundtrip-")
    try:
        round_trip(tmp)
        resume(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()

"""avroreg import into avro-registry: versions go several to a POST
/registrations (the audit log says which route registered them), and a
target whose --max-body-bytes refuses such a body (413) still gets every
version, the refused batches one request each. Both end with the source's
state and ids.
"""
import json
import os
import shutil
import tempfile

from migutil import Registry, avroreg, eq, finish, ids_of, must, ok, record, state_of

FIELDS = 200  # about 8 KB of schema text per version


def big_record(name, extra):
    return record(name, *[(f"f{i}", "string", "") for i in range(FIELDS + extra)])


def routes(reg):
    """The routes of the registrations the registry audited, with counts."""
    seen = {}
    for line in reg.log().splitlines():
        if line.startswith("audit ") and '"status":200' in line:
            route = json.loads(line[6:])["route"]
            seen[route] = seen.get(route, 0) + 1
    return seen


tmp = tempfile.mkdtemp(prefix="avroreg-bulk-")
src = Registry().start()
for s in range(12):
    for v in range(3):  # each version adds a field with a default: BACKWARD holds
        must(src.register(f"big-{s:02d}-value", big_record(f"Big{s}", v)), f"big {s} v{v + 1}")
export = os.path.join(tmp, "export.jsonl")
r = avroreg("export", "--registry", src.url, "--output", export)
ok("export (exit 0)", r.rc == 0 and r.clean(), r)

for name, extra in (("a target with the default body cap", []),
                    ("a target with --max-body-bytes 32k", ["--max-body-bytes", "32k"])):
    dst = Registry(extra_args=extra).start()
    try:
        # Two in flight: each takes a fair share of the ready versions, several at a time.
        r = avroreg("import", export, "--registry", dst.url, "--concurrency", 2)
        ok(f"{name}: import (exit 0)", r.rc == 0 and r.clean(), r)
        eq(f"{name}: the source's subjects, versions and settings", state_of(dst), state_of(src))
        eq(f"{name}: every id answers the same", ids_of(dst), ids_of(src))
        seen = routes(dst)
        bulk, alone = seen.get("/registrations", 0), seen.get("/subjects/{subject}/versions", 0)
        eq(f"{name}: 36 registrations audited", bulk + alone, 36)
        if extra:
            ok(f"{name}: batches the target refused (413) went one version at a time",
               alone > 0, seen)
        else:
            ok(f"{name}: versions went several to a POST /registrations", bulk > alone, seen)
    finally:
        dst.stop()

src.stop()
shutil.rmtree(tmp, ignore_errors=True)
finish()

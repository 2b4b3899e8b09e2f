"""Memory has a budget (issue 10).

1. 64 connections each announce a 16 MiB body and stall one byte short, on a
   server whose in-flight budget is 64 MiB (--max-inflight-bytes): the uploads
   past the budget are answered at once, before any body byte, with a JSON 503
   50301 and Retry-After: 1; the server's resident memory stays under the
   budget plus a margin; once they close, a second round reuses the memory
   (resident memory does not grow further).
2. One large schema (STRESS_FIELDS long fields, 13.8 MB of text) is
   registered and then checked twice: resident memory is printed before,
   during and 10 s after, and what is still held after is bounded by a factor
   of the schema's size (README.md, "Memory and latency figures"). A second
   one of the same size then reuses that memory rather than adding to it.
   Under AddressSanitizer only the reuse is asserted, as staying under the
   first round's peak (its allocator decides what is given back, and how much
   it keeps cached varies by some 5 bytes per schema byte from run to run);
   make soak runs this suite on the release build, with the per-byte bounds.
3. The default schema limit: a schema over 1 MiB gets 42201 naming the limit.

Under the sanitizer build AddressSanitizer's quarantine keeps freed memory
resident on purpose; the server here runs with a small quarantine so that what
is measured is the server's own memory.
"""
import os
import sys
import threading
import time

from apiutil import Registry, eq, expect_error, finish, ok, record
from loadutil import MiB, big_record, json_of, mib, peak_rss, rss, stalled_uploads

if os.environ.get("AVRO_REGISTRY_TEST_BACKEND", "sqlite") != "sqlite":
    # What is measured here (bodies in flight, one schema's working memory) is
    # the HTTP layer's and the schema model's, the same on every backend.
    print("# test_memory: not run on PostgreSQL: it measures the server's memory, "
          "which does not depend on the backend (the SQLite pass runs it)")
    sys.exit(0)

BUDGET = 64 * MiB
UPLOADS = 64
ANNOUNCED = 16 * MiB
# Past the budget: the server's own working memory, the socket buffers it has
# read from but not yet copied, and the allocator's rounding.
MARGIN = 96 * MiB
# What a large schema may leave resident once its requests are done, per byte of
# schema text (the parsed model, the canonical text, caches): README.md.
AFTER_FACTOR = 24
# A second large schema may add this much (per byte of schema text) to what the
# first left resident: the memory is reused, not kept once more.
REUSE_FACTOR = 4
FIELDS = int(os.environ.get("STRESS_FIELDS", "300000"))

asan = dict(os.environ)
asan["ASAN_OPTIONS"] = (asan.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4"
                        ":thread_local_quarantine_size_kb=64").lstrip(":")


def under_asan(pid):
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


def start(extra):
    try:
        return Registry(extra_args=extra, env=asan).start()
    except RuntimeError as e:
        ok(f"the server starts with {' '.join(extra)}", False, str(e)[-2000:])
        return None


# ---- 1. stalled uploads against the in-flight budget ---------------------------------------------
reg = start(["--max-inflight-bytes", str(BUDGET), "--max-schema-bytes", "32m",
             "--max-body-bytes", "32m"])
if reg is None:
    # Without the flag, the same load on the default server, to show what it does.
    reg = start(["--max-schema-bytes", "32m", "--max-body-bytes", "32m"])
pid = reg.proc.pid
reg.register("keep", record("K", ("k", "int")))
idle = rss(pid)
print(f"# idle: VmRSS {mib(idle)}", flush=True)


def stall_round(n):
    stalled, answered, errors = stalled_uploads(reg.port, UPLOADS, ANNOUNCED)
    top = peak_rss(pid, seconds=1.5)
    print(f"# round {n}: {len(stalled)} uploads stalled one byte short, {len(answered)} answered "
          f"at once; VmRSS {mib(top)} (idle {mib(idle)}, budget {mib(BUDGET)})", flush=True)
    ok(f"round {n}: VmRSS stays under idle + budget + {mib(MARGIN)} with {UPLOADS} stalled "
       f"16 MiB uploads", top - idle < BUDGET + MARGIN,
       f"VmRSS {mib(top)}, idle {mib(idle)}, bound {mib(idle + BUDGET + MARGIN)}")
    fits = BUDGET // ANNOUNCED
    ok(f"round {n}: at most {fits} uploads are taken in, the others are answered at once",
       len(stalled) <= fits and len(answered) >= UPLOADS - fits,
       f"{len(stalled)} stalled, {len(answered)} answered")
    ok(f"round {n}: the budget still takes some uploads in", len(stalled) >= 1,
       f"{len(stalled)} stalled")
    shapes = set()
    for status, headers, body in answered:
        j = json_of(body)
        j = j if isinstance(j, dict) else {}
        shapes.add((status, tuple(j), j.get("error_code"), headers.get("retry-after"),
                    isinstance(j.get("message"), str) and bool(j.get("message"))))
    eq(f"round {n}: every upload past the budget got 503 50301 with Retry-After: 1",
       sorted(shapes, key=repr),
       [(503, ("error_code", "message"), 50301, "1", True)] if answered else [])
    eq(f"round {n}: nothing failed while sending the stalled bodies", errors, [])
    ok(f"round {n}: the server answers a read while they stall",
       reg.get("/subjects").status == 200)
    for s in stalled:
        s.close()
    return top


first = stall_round(1)
# The closed uploads are noticed and freed: a request after them has answered.
time.sleep(1)
reg.get("/subjects")
after_close = rss(pid)
print(f"# after the uploads closed: VmRSS {mib(after_close)}", flush=True)
second = stall_round(2)
ok("round 2 reuses round 1's memory: its VmRSS does not grow past round 1's by more "
   "than one upload", second <= first + ANNOUNCED,
   f"round 1 {mib(first)}, round 2 {mib(second)}")
reg.stop()

# ---- 2. one large schema, registered and checked twice -------------------------------------------
reg = start(["--max-schema-bytes", "32m", "--max-body-bytes", "32m"])
pid = reg.proc.pid
schema = big_record(FIELDS)
size = len(schema)
before = rss(pid)
samples = [before]
done = threading.Event()


def sample():
    while not done.is_set():
        samples.append(rss(pid))
        time.sleep(0.05)




def large_round(subject, name, checks):
    """Registers a large schema, checks a newer version; (answers, peak)."""
    text = big_record(FIELDS, name=name)
    newer = big_record(FIELDS, name=name, extra=1)
    samples[:] = [rss(pid)]
    done.clear()
    sampler = threading.Thread(target=sample)
    sampler.start()
    answers = [reg.register(subject, text, timeout=300).status]
    for _ in range(checks):
        answers.append(reg.request("POST", f"/compatibility/subjects/{subject}/versions/latest",
                                   {"schema": newer}, timeout=300).status)
    done.set()
    sampler.join()
    return answers, max(samples)


answers, during = large_round("large", "Big", 2)
time.sleep(10)
after = rss(pid)
print(f"# a {size / 1e6:.1f} MB schema ({FIELDS} fields): VmRSS before {mib(before)}, during "
      f"{mib(during)} ({(during - before) / size:.1f} bytes per schema byte), 10 s after "
      f"{mib(after)} ({(after - before) / size:.1f} bytes per schema byte)", flush=True)
eq("the large schema is registered, then checked twice", answers, [200, 200, 200])
if under_asan(pid):
    print("# skip the given-back bound: under AddressSanitizer its allocator, not the "
          "server, decides what is given back; the reuse check below stands for it", flush=True)
else:
    ok(f"10 s after, what the large schema left resident is under {AFTER_FACTOR} bytes per "
       "schema byte", after - before < AFTER_FACTOR * size,
       f"before {mib(before)}, after {mib(after)}, schema {size} bytes, factor "
       f"{(after - before) / size:.1f}")
answers2, during2 = large_round("large2", "Big2", 1)
time.sleep(2)
after2 = rss(pid)
print(f"# a second large schema of the same size: VmRSS during {mib(during2)}, after "
      f"{mib(after2)}", flush=True)
eq("a second large schema is registered, then checked", answers2, [200, 200])
if under_asan(pid):
    # AddressSanitizer's allocator keeps a different share of the first
    # round cached from run to run (10 s after it: 531 or 600 MiB in runs of
    # the same build), so a per-byte bound on the difference is its noise.
    # A second schema that did not reuse the first one's memory would add
    # tens of bytes per schema byte and pass the first round's peak.
    ok("it reuses the first one's memory: VmRSS after it stays under the first round's peak",
       after2 < during, f"first round's peak {mib(during)}, after the second {mib(after2)}")
else:
    ok(f"it reuses the first one's memory: VmRSS grows by less than {REUSE_FACTOR} bytes per "
       "schema byte", after2 - after < REUSE_FACTOR * size,
       f"after the first {mib(after)}, after the second {mib(after2)}: "
       f"{(after2 - after) / size:.1f} bytes per schema byte")
r = reg.get("/schemas/ids/1", timeout=120)
ok("and it is served whole", r.status == 200 and isinstance(r.json, dict) and
   len(r.json.get("schema", "")) == size, f"{r.status} {len(r.raw)} bytes")
reg.stop()

# ---- 3. the default schema limit ------------------------------------------------------------------
reg = start([])
over = big_record(25000)  # just over 1 MiB
expect_error("a schema over the default 1 MiB limit: 42201 naming the limit",
             reg.register("over", over), 422, 42201,
             "Invalid schema: the schema text is %d bytes, more than this registry's limit of "
             "%d bytes" % (len(over), MiB))
reg.stop()
finish()

"""The soak (make soak; issue 10): SOAK_SECONDS (default 600) of mixed load on
one real server, with its resident memory sampled every second and the
latency of cheap reads measured from a client of their own.

The load, from a separate process (so that the probe's figures are not the
load generator's GIL):
  - new registrations of small schemas over 50 subjects (2 threads);
  - re-registrations of schemas already registered (answered from the cache);
  - reads by id of registered schemas;
  - compatibility checks of a large record (SOAK_FIELDS long fields, about
    1.7 MB) against every version of a FULL_TRANSITIVE subject, and now and
    then a registration of a large schema in a subject of its own;
  - STALLERS connections that each announce a 16 MiB body, send it but its
    last byte, hold it a few seconds, close, and start again: past the
    in-flight budget they are answered 503 50301 at once.
The probe process reads GET /schemas/ids/1 and GET /health/ready in turn, on
one keep-alive connection, every PROBE_INTERVAL seconds.

Printed: max VmRSS and VmHWM, p50/p99/max of the cheap reads, request counts.
Asserted as TAP lines: VmRSS stays under RSS_BOUND (README.md, "Memory and
latency figures": the in-flight budget plus the working memory of the checks
running on the workers plus a base), p99 of the cheap reads is under 50 ms,
nothing failed unexpectedly, and the server shuts down cleanly.
"""
import http.client
import json
import os
import random
import select
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

from harness import Registry, eq, finish, ok  # noqa: E402
from loadutil import MiB, big_record, json_of, mib, parse_answer, proc_status  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
FIELDS = int(os.environ.get("SOAK_FIELDS", "40000"))
STALLERS = int(os.environ.get("SOAK_STALLERS", "24"))
PROBE_INTERVAL = 0.02
BUDGET = 256 * MiB  # the server's default --max-inflight-bytes
WORKERS = 2
# The bound on resident memory: the in-flight budget (stalled and arriving
# bodies), plus what the checks on the workers hold while they run (measured:
# about 110 bytes per schema byte at the peak on the release build, see
# test_memory.py), plus a base for the
# server, its caches and the allocator's slack.
SCHEMA_BYTES = len(big_record(FIELDS, extra=8))
RSS_BOUND = BUDGET + WORKERS * 110 * SCHEMA_BYTES + 96 * MiB
P99_BOUND_MS = 50.0


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


# ---- the probe process ---------------------------------------------------------------------------
def probe(port, seconds, out):
    lat = {"GET /schemas/ids/1": [], "GET /health/ready": []}
    bad = []
    conn = None
    end = time.time() + seconds
    i = 0
    while time.time() < end:
        path = "/schemas/ids/1" if i % 2 == 0 else "/health/ready"
        i += 1
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        t0 = time.perf_counter()
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            dt = (time.perf_counter() - t0) * 1000
            lat["GET " + path].append(dt)
            if r.status != 200:
                bad.append(f"{path}: {r.status}")
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            bad.append(f"{path}: {e!r}")
            conn.close()
            conn = None
        time.sleep(PROBE_INTERVAL)
    with open(out, "w") as f:
        json.dump({"latency_ms": lat, "bad": bad[:50], "bad_count": len(bad)}, f)


# ---- the load process ----------------------------------------------------------------------------
class Load:
    def __init__(self, port, seconds):
        self.port = port
        self.end = time.time() + seconds
        self.lock = threading.Lock()
        self.counts = {}
        self.unexpected = []
        self.known = []  # (subject, schema text, id)
        self.rng = random.Random(10)

    def count(self, what, n=1):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + n

    def odd(self, what):
        with self.lock:
            self.counts["unexpected"] = self.counts.get("unexpected", 0) + 1
            if len(self.unexpected) < 50:
                self.unexpected.append(what)

    def call(self, method, path, body=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            hdrs = {"Content-Type": "application/vnd.schemaregistry.v1+json"} if body else {}
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def running(self):
        return time.time() < self.end

    def registrar(self, who):
        n = 0
        while self.running():
            n += 1
            subject = f"soak-{self.rng.randrange(50)}"
            schema = json.dumps({"type": "record", "name": f"R{who}x{n}",
                                 "fields": [{"name": "a", "type": "int"},
                                            {"name": f"b{n}", "type": "string"}]},
                                separators=(",", ":"))
            try:
                status, body = self.call("POST", f"/subjects/{subject}/versions",
                                         json.dumps({"schema": schema}))
            except OSError as e:
                self.odd(f"registration: {e!r}")
                continue
            if status == 200:
                self.count("new registrations")
                with self.lock:
                    self.known.append((subject, schema, json_of(body)["id"]))
            else:
                self.odd(f"registration: {status} {body[:200]!r}")
            time.sleep(0.01)

    def reregistrar(self):
        while self.running():
            with self.lock:
                pick = self.rng.choice(self.known) if self.known else None
            if pick is None:
                time.sleep(0.1)
                continue
            subject, schema, sid = pick
            try:
                status, body = self.call("POST", f"/subjects/{subject}/versions",
                                         json.dumps({"schema": schema}))
            except OSError as e:
                self.odd(f"re-registration: {e!r}")
                continue
            j = json_of(body)
            if status == 200 and isinstance(j, dict) and j.get("id") == sid:
                self.count("re-registrations")
            else:
                self.odd(f"re-registration of {sid}: {status} {body[:200]!r}")
            time.sleep(0.01)

    def reader(self):
        while self.running():
            with self.lock:
                pick = self.rng.choice(self.known) if self.known else None
            if pick is None:
                time.sleep(0.1)
                continue
            try:
                status, body = self.call("GET", f"/schemas/ids/{pick[2]}")
            except OSError as e:
                self.odd(f"read: {e!r}")
                continue
            j = json_of(body)
            if status == 200 and isinstance(j, dict) and j.get("schema") == pick[1]:
                self.count("reads by id")
            else:
                self.odd(f"read {pick[2]}: {status} {body[:200]!r}")
            time.sleep(0.005)

    def checker(self):
        bodies = [json.dumps({"schema": big_record(FIELDS, extra=k)}) for k in range(4, 8)]
        last_big = 0.0
        k = 0
        while self.running():
            k += 1
            try:
                if time.time() - last_big > 30:
                    last_big = time.time()
                    status, body = self.call("POST", f"/subjects/soak-big-{k}/versions",
                                             json.dumps({"schema": big_record(FIELDS, extra=8)}))
                    what = "large registrations"
                    good = status == 200
                else:
                    status, body = self.call("POST", "/compatibility/subjects/soak-big/versions",
                                             bodies[k % len(bodies)])
                    what = "large compatibility checks"
                    good = status == 200 and json_of(body) == {"is_compatible": True}
            except OSError as e:
                self.odd(f"large request: {e!r}")
                continue
            if good:
                self.count(what)
            else:
                self.odd(f"{what}: {status} {body[:200]!r}")
            time.sleep(0.2)

    def cut_off(self, s, e):
        """The server closed an upload while its body was being sent: its 503
        came after the moment the staller waited for it (a busy server). What
        arrived must be that 503; a close with nothing readable is counted
        apart (the reset may have discarded it)."""
        try:
            s.settimeout(5)
            status, headers, body = parse_answer(s.recv(65536))
        except OSError:
            status = None
        s.close()
        if status is None:
            self.count(f"stalled uploads closed while sending, no answer read ({type(e).__name__})")
            return
        j = json_of(body) or {}
        if (status, j.get("error_code"), headers.get("retry-after")) == (503, 50301, "1"):
            self.count("stalled uploads refused at once (503 50301)")
        else:
            self.odd(f"stalled upload: {status} {body[:200]!r} after {e!r}")

    def staller(self):
        head = (f"POST /subjects/soak-stall/versions HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                "Content-Type: application/vnd.schemaregistry.v1+json\r\n"
                f"Content-Length: {16 * MiB}\r\n\r\n").encode()
        block = b" " * MiB
        held = []  # (socket, close at)
        while self.running() or held:
            now = time.time()
            for s, until in [h for h in held if h[1] <= now or not self.running()]:
                held.remove((s, until))
                s.close()
            while self.running() and len(held) < STALLERS:
                try:
                    s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
                    s.sendall(head)
                    r, _, _ = select.select([s], [], [], 0.05)
                    if r:  # answered before any body byte: the budget is spent
                        status, headers, body = parse_answer(s.recv(65536))
                        j = json_of(body) or {}
                        if (status, j.get("error_code"), headers.get("retry-after")) == \
                                (503, 50301, "1"):
                            self.count("stalled uploads refused at once (503 50301)")
                        else:
                            self.odd(f"stalled upload: {status} {body[:200]!r}")
                        s.close()
                        time.sleep(0.2)
                        continue
                    left = 16 * MiB - 1
                    try:
                        while left:
                            n = min(left, MiB)
                            s.sendall(block[:n])
                            left -= n
                    except OSError as e:
                        self.cut_off(s, e)
                        continue
                    self.count("stalled uploads taken in")
                    held.append((s, now + self.rng.uniform(2, 8)))
                except OSError as e:
                    self.odd(f"stalled upload: {e!r}")
                    break
            time.sleep(0.1)

    def run(self, out):
        threads = [threading.Thread(target=self.registrar, args=(w,)) for w in range(2)]
        threads += [threading.Thread(target=f) for f in
                    (self.reregistrar, self.reader, self.checker, self.staller)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with open(out, "w") as f:
            json.dump({"counts": self.counts, "unexpected": self.unexpected}, f)


# ---- the driver ----------------------------------------------------------------------------------
def main():
    reg = Registry(extra_args=["--max-schema-bytes", "4m", "--workers", str(WORKERS)],
                   api="7").start()
    pid = reg.proc.pid
    eq("id 1 is a small schema", reg.register("soak-first", {"type": "string"}).json, {"id": 1})
    reg.request("PUT", "/config", {"compatibility": "NONE"})
    reg.request("PUT", "/config/soak-big", {"compatibility": "FULL_TRANSITIVE"})
    for extra in range(3):
        r = reg.register("soak-big", big_record(FIELDS, extra=extra), timeout=120)
        ok(f"large version {extra + 1} ({FIELDS + extra} fields) is registered",
           r.status == 200, r)
    print(f"# soak: {SECONDS} s on port {reg.port}, server pid {pid}; large schema "
          f"{SCHEMA_BYTES / 1e6:.2f} MB; {STALLERS} stalled uploads of 16 MiB; "
          f"RSS bound {mib(RSS_BOUND)}", flush=True)
    work = reg.dir
    me = os.path.abspath(__file__)
    procs = [subprocess.Popen([sys.executable, me, role, str(reg.port), str(SECONDS),
                               os.path.join(work, role + ".json")])
             for role in ("load", "probe")]
    samples = []
    start = time.time()
    while any(p.poll() is None for p in procs):
        st = proc_status(pid)
        samples.append((time.time() - start, st["VmRSS"], st["VmHWM"]))
        if len(samples) % 60 == 0:
            print(f"# {samples[-1][0]:.0f} s: VmRSS {mib(st['VmRSS'])}, VmHWM {mib(st['VmHWM'])}",
                  flush=True)
        time.sleep(1)
    eq("the load and probe processes exited cleanly", [p.returncode for p in procs], [0, 0])
    with open(os.path.join(work, "load.json")) as f:
        load = json.load(f)
    with open(os.path.join(work, "probe.json")) as f:
        pr = json.load(f)
    max_rss = max(s[1] for s in samples)
    hwm = proc_status(pid)["VmHWM"]
    print(f"# VmRSS: max {mib(max_rss)} (bound {mib(RSS_BOUND)}), VmHWM {mib(hwm)}, "
          f"at the end {mib(samples[-1][1])}", flush=True)
    all_lat = []
    for what, lat in pr["latency_ms"].items():
        all_lat += lat
        print(f"# {what}: {len(lat)} reads, p50 {percentile(lat, 50):.2f} ms, p99 "
              f"{percentile(lat, 99):.2f} ms, max {max(lat) if lat else 0:.2f} ms", flush=True)
    p99 = percentile(all_lat, 99)
    print(f"# cheap reads together: {len(all_lat)}, p50 {percentile(all_lat, 50):.2f} ms, p99 "
          f"{p99:.2f} ms, max {max(all_lat) if all_lat else 0:.2f} ms", flush=True)
    for what, n in sorted(load["counts"].items()):
        print(f"# {what}: {n}", flush=True)
    ok(f"VmRSS stayed under {mib(RSS_BOUND)} (max {mib(max_rss)})", max_rss < RSS_BOUND,
       f"max VmRSS {mib(max_rss)}")
    ok(f"p99 of cheap reads under {P99_BOUND_MS:.0f} ms ({p99:.2f} ms)", p99 < P99_BOUND_MS,
       f"p99 {p99:.2f} ms")
    eq("every cheap read answered 200", (pr["bad_count"], pr["bad"][:10]), (0, []))
    eq("no request of the load failed unexpectedly", load["unexpected"][:10], [])
    for what in ("new registrations", "re-registrations", "reads by id",
                 "large compatibility checks", "large registrations", "stalled uploads taken in",
                 "stalled uploads refused at once (503 50301)"):
        ok(f"the load made {what} ({load['counts'].get(what, 0)})",
           load["counts"].get(what, 0) > 0)
    reg.stop()
    eq("the database passes integrity_check", reg.integrity_check(), "ok")
    finish()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "probe":
        probe(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "load":
        Load(int(sys.argv[2]), int(sys.argv[3])).run(sys.argv[4])
    else:
        main()

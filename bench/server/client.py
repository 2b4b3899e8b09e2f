#!/usr/bin/python3
"""Helpers for bench/server/run.sh; Python standard library only.

  client.py port                       a free TCP port on 127.0.0.1
  client.py prepare AVSC DIR           request bodies for the wrk scripts
  client.py wait-ok PORT PATH S [PID]  poll GET PATH until 200 (or PID exits)
  client.py fetch URL FILE             GET URL into FILE; prints the Content-Type
  client.py post URL FILE              POST FILE; prints the answer (exit 1 unless 200)
  client.py sqlite-floor DIR AVSC      SQLite commits/s for a registration's rows
  client.py load PORT AVSC ...         register SUBJECTS x VERSIONS schemas
  client.py footprint BIN DB ...       start-up time to ready and resident memory

Every network call has a timeout; every server this script starts, it stops.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time

MEDIA = "application/vnd.schemaregistry.v1+json"
HOST = "127.0.0.1"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---- schemas -------------------------------------------------------------------

class Schemas:
    """The realistic schema of AVSC, varied per subject and per version.

    Subject i gets its own namespace (so no two subjects share a schema and
    every registration is a new id); version v adds v-1 optional fields to
    the base record, so each version is BACKWARD (indeed FULL) compatible
    with the one before: a faithful evolution, not a compatibility-NONE load.
    """

    def __init__(self, avsc_path):
        with open(avsc_path, encoding="utf-8") as f:
            doc = json.load(f)
        self.namespace = doc["namespace"]
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
        assert text.endswith("]}"), "the top-level 'fields' must be the last key"
        self.base = text

    def text(self, namespace=None, extra_fields=0):
        t = self.base
        if namespace is not None:
            t = t.replace('"namespace":"%s"' % self.namespace, '"namespace":"%s"' % namespace, 1)
        if extra_fields:
            extra = ",".join('{"name":"ext_%d","type":["null","string"],"default":null}' % k
                             for k in range(1, extra_fields + 1))
            t = t[:-2] + "," + extra + "]}"
        return t

    def body(self, namespace=None, extra_fields=0):
        return json.dumps({"schema": self.text(namespace, extra_fields)}).encode()


def subject_name(i):
    return "bench-s%05d-value" % i


# ---- HTTP ------------------------------------------------------------------------

class Client:
    """One keep-alive connection that reconnects after an error."""

    def __init__(self, port, timeout=30.0):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                headers = {"Accept": MEDIA}
                if body is not None:
                    headers["Content-Type"] = MEDIA
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def get_ok(port, path):
    """True when GET path answers 200 (a fresh connection each time)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=1.0)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def alive(pid):
    """False once pid has exited (a zombie counts as exited)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def wait_ok(port, path, seconds, pid=None):
    """Polls GET path every millisecond until it answers 200: True, or
    False after `seconds` or as soon as process pid has exited."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if get_ok(port, path):
            return True
        if pid is not None and not alive(pid):
            return False
        time.sleep(0.001)
    return False


# ---- subcommands -------------------------------------------------------------------

def cmd_port(_args):
    print(free_port())


def cmd_prepare(args):
    s = Schemas(args.avsc)
    os.makedirs(args.dir, exist_ok=True)
    with open(os.path.join(args.dir, "register.json"), "wb") as f:
        f.write(s.body())
    # The namespace becomes @NS@, which new_schemas.lua replaces per request.
    with open(os.path.join(args.dir, "new_template.json"), "wb") as f:
        f.write(s.body(namespace="@NS@"))


def cmd_wait_ok(args):
    sys.exit(0 if wait_ok(args.port, args.path, args.seconds, args.pid) else 1)


def url_parts(url):
    assert url.startswith("http://"), url
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    return host, int(port), "/" + path


def cmd_fetch(args):
    host, port, path = url_parts(args.url)
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path, headers={"Accept": MEDIA})
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        sys.exit("fetch %s: HTTP %d %s" % (args.url, resp.status, body[:200]))
    with open(args.file, "wb") as f:
        f.write(body)
    print(resp.getheader("Content-Type", ""))


def cmd_post(args):
    host, port, path = url_parts(args.url)
    with open(args.file, "rb") as f:
        body = f.read()
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("POST", path, body=body, headers={"Content-Type": MEDIA, "Accept": MEDIA})
    resp = conn.getresponse()
    answer = resp.read().decode(errors="replace")
    print(answer)
    sys.exit(0 if resp.status == 200 else 1)


def pool(clients):
    """Worker processes (forked; they take the default SIGTERM action, so
    that Pool.terminate() ends them quietly)."""
    ctx = multiprocessing.get_context("fork")
    return ctx.Pool(clients, initializer=signal.signal,
                    initargs=(signal.SIGTERM, signal.SIG_DFL))


def load_worker(args, t, deadline):
    """Registers the versions of every clients-th subject from t, in order.
    Returns (registered, errors, first error or None)."""
    schemas = Schemas(args.avsc)
    c = Client(args.port)
    done = errors = 0
    first_error = None
    try:
        for i in range(t, args.subjects, args.clients):
            path = "/subjects/%s/versions" % subject_name(i)
            ns = "com.bench.s%05d" % i
            for v in range(args.versions):
                if time.monotonic() > deadline or errors > 10:
                    return done, errors, first_error
                try:
                    status, answer = c.request("POST", path, schemas.body(ns, v))
                except (OSError, http.client.HTTPException) as e:
                    status, answer = 0, str(e).encode()
                if status == 200:
                    done += 1
                else:
                    errors += 1
                    if first_error is None:
                        first_error = "HTTP %d %s" % (status, answer[:200])
    finally:
        c.close()
    return done, errors, first_error


def cmd_load(args):
    """Registers subjects x versions schemas from `clients` processes (not
    threads: the GIL would make the clients the bottleneck); each owns every
    clients-th subject and registers its versions in order.
    Prints: registered seconds errors."""
    deadline = time.monotonic() + args.deadline
    t0 = time.perf_counter()
    with pool(args.clients) as workers:
        results = workers.starmap(load_worker,
                                  [(args, t, deadline) for t in range(args.clients)])
    elapsed = time.perf_counter() - t0
    first = [r[2] for r in results if r[2]]
    if first:
        print("load: first error: %s" % first[0], file=sys.stderr)
    print("%d %.3f %d" % (sum(r[0] for r in results), elapsed, sum(r[1] for r in results)))


def cmd_sqlite_floor(args):
    """The storage floor under a registration: one writer committing, one
    transaction per schema, into tables shaped like the registry's (a schema
    row found by hash, a version row keyed by subject), in WAL mode with
    synchronous=FULL as the registry opens its database. Prints: per_second."""
    import sqlite3
    path = os.path.join(args.dir, "floor.db")
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
            "INSERT INTO meta VALUES ('max_id', 0);"
            "CREATE TABLE schemas (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL,"
            " schema TEXT NOT NULL);"
            "CREATE INDEX schemas_by_hash ON schemas (hash);"
            "CREATE TABLE versions (subject TEXT NOT NULL, version INTEGER NOT NULL,"
            " schema_id INTEGER NOT NULL, PRIMARY KEY (subject, version)) WITHOUT ROWID;"
            "CREATE INDEX versions_by_schema ON versions (schema_id);")
        schemas = Schemas(args.avsc)
        t0 = time.perf_counter()
        n = 0
        while n < args.max and (n < 20 or time.perf_counter() - t0 < args.seconds):
            n += 1
            text = schemas.text(namespace="com.bench.floor.n%d" % n)
            db.execute("BEGIN IMMEDIATE")
            db.execute("SELECT id FROM schemas WHERE hash = ?", (hash(text) >> 1,)).fetchall()
            db.execute("UPDATE meta SET value = ? WHERE key = 'max_id'", (n,))
            db.execute("INSERT INTO schemas VALUES (?, ?, ?)", (n, hash(text) >> 1, text))
            db.execute("INSERT INTO versions VALUES (?, 1, ?)", ("floor-%d-value" % n, n))
            db.execute("COMMIT")
        print("%.0f" % (n / (time.perf_counter() - t0)))
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(path + suffix)
            except FileNotFoundError:
                pass


def vm_status(pid, key):
    """A /proc/PID/status figure in MiB (VmRSS, VmHWM)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def read_worker(port, paths):
    c = Client(port)
    bad = 0
    try:
        for p in paths:
            try:
                status, _ = c.request("GET", p)
            except (OSError, http.client.HTTPException):
                status = 0
            bad += status != 200
    finally:
        c.close()
    return bad


def read_pass(port, paths, clients):
    """GETs every path once from `clients` processes, each over one keep-alive
    connection; returns the number of answers other than 200."""
    with pool(clients) as workers:
        return sum(workers.starmap(read_worker,
                                   [(port, paths[t::clients]) for t in range(clients)]))


def stop_server(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_footprint(args):
    """Starts the server on an existing database `runs` times and times exec
    to the first 200 on /health/ready (median reported). The last server is
    then warmed up with random reads and its VmRSS read; then every schema
    id is read once (caches at their fullest) and VmRSS read again.
    Prints: startup_ms_median startup_ms_min rss_at_ready_mib rss_warm_mib
    rss_every_id_mib vmhwm_mib bad_reads."""
    times = []
    proc = None
    log = open(args.log, "ab")
    try:
        for run in range(args.runs):
            for _attempt in range(3):  # another process may take the port first
                port = free_port()
                cmd = [args.bin, "--listen", HOST, "--port", str(port), "--db", args.db,
                       "--log-level", "warn"]
                t0 = time.perf_counter()
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=log)
                with open(args.pidfile, "w") as f:
                    f.write("%d\n" % proc.pid)
                if wait_ok(port, "/health/ready", args.timeout, proc.pid):
                    times.append((time.perf_counter() - t0) * 1000.0)
                    break
                stop_server(proc)
            else:
                sys.exit("footprint: the server did not become ready (see %s)" % args.log)
            if run < args.runs - 1:
                stop_server(proc)

        rss_start = vm_status(proc.pid, "VmRSS")
        rng = random.Random(42)
        subjects = args.max_id // args.versions
        warm, every = [], []
        if args.max_id > 0:
            warm = ["/schemas/ids/%d" % rng.randint(1, args.max_id)
                    for _ in range(args.warm_reads)]
            warm += ["/subjects/%s/versions/latest" % subject_name(rng.randrange(subjects))
                     for _ in range(args.warm_reads // 10)]
            rng.shuffle(warm)
            every = ["/schemas/ids/%d" % i for i in range(1, args.max_id + 1)]
        bad = read_pass(port, warm, args.clients)
        rss_warm = vm_status(proc.pid, "VmRSS")
        bad += read_pass(port, every, args.clients)
        rss_all = vm_status(proc.pid, "VmRSS")
        hwm = vm_status(proc.pid, "VmHWM")
        print("%.1f %.1f %.1f %.1f %.1f %.1f %d" % (statistics.median(times), min(times),
                                                    rss_start, rss_warm, rss_all, hwm, bad))
    finally:
        if proc is not None:
            stop_server(proc)
        log.close()


def on_sigterm(_sig, _frame):
    sys.exit("client.py %s: terminated by SIGTERM" % sys.argv[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("port").set_defaults(fn=cmd_port)
    p = sub.add_parser("prepare")
    p.add_argument("avsc")
    p.add_argument("dir")
    p.set_defaults(fn=cmd_prepare)
    p = sub.add_parser("wait-ok")
    p.add_argument("port", type=int)
    p.add_argument("path")
    p.add_argument("seconds", type=float)
    p.add_argument("pid", type=int, nargs="?")
    p.set_defaults(fn=cmd_wait_ok)
    p = sub.add_parser("fetch")
    p.add_argument("url")
    p.add_argument("file")
    p.set_defaults(fn=cmd_fetch)
    p = sub.add_parser("post")
    p.add_argument("url")
    p.add_argument("file")
    p.set_defaults(fn=cmd_post)
    p = sub.add_parser("sqlite-floor")
    p.add_argument("dir")
    p.add_argument("avsc")
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--max", type=int, default=100000)
    p.set_defaults(fn=cmd_sqlite_floor)
    p = sub.add_parser("load")
    p.add_argument("port", type=int)
    p.add_argument("avsc")
    p.add_argument("--subjects", type=int, default=10000)
    p.add_argument("--versions", type=int, default=10)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--deadline", type=float, default=240.0, help="seconds; stop early after")
    p.set_defaults(fn=cmd_load)
    p = sub.add_parser("footprint")
    p.add_argument("bin")
    p.add_argument("db")
    p.add_argument("--max-id", type=int, required=True)
    p.add_argument("--versions", type=int, default=10)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warm-reads", type=int, default=10000)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--pidfile", required=True)
    p.add_argument("--log", required=True)
    p.set_defaults(fn=cmd_footprint)
    args = ap.parse_args()
    # SIGTERM (from run.sh's trap, through timeout) unwinds like an exception,
    # so that the servers and worker processes this script started are stopped.
    signal.signal(signal.SIGTERM, on_sigterm)
    args.fn(args)


if __name__ == "__main__":
    main()

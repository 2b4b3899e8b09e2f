"""Test harness shared by the API and client suites.

Starts the real server binary (AVRO_REGISTRY_BIN, the sanitizer build under
make test) on a free loopback port with a fresh database, speaks HTTP with
the standard library only, and prints TAP-style lines that scripts/run-tests
counts: "ok - name" or "not ok - name" followed by indented details.

The backend is one parameter, AVRO_REGISTRY_TEST_BACKEND: "sqlite" (the
default) gives each Registry a SQLite file in its directory;
"postgresql" gives it a fresh database on the shared test PostgreSQL
(tests/pg/pgserver.py), and every TAP line is prefixed "pg: " so that the
two runs of a suite count apart. A Registry made again on the same db_dir
finds the same database, as it would find the same file.
"""
import atexit
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("AVRO_REGISTRY_BIN", os.path.join(ROOT, "bin", "avro-registry"))
JSON_TYPE = "application/vnd.schemaregistry.v1+json"
BACKEND = os.environ.get("AVRO_REGISTRY_TEST_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise SystemExit(f"AVRO_REGISTRY_TEST_BACKEND={BACKEND!r}: sqlite or postgresql")
TAP_PREFIX = "pg: " if BACKEND == "postgresql" else ""

_failures = 0


def ok(name, cond, detail=""):
    """Records one check; returns cond."""
    global _failures
    if cond:
        print(f"ok - {TAP_PREFIX}{name}", flush=True)
    else:
        _failures += 1
        print(f"not ok - {TAP_PREFIX}{name}", flush=True)
        for line in str(detail).splitlines()[:40]:
            print(f"    {line}", flush=True)
    return cond


def eq(name, got, want):
    return ok(name, got == want, f"got:  {got!r}\nwant: {want!r}")


def finish():
    """Exit status for the suite: non-zero if anything failed."""
    sys.exit(1 if _failures else 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


def pg_server():
    """The shared test PostgreSQL (tests/pg/pgserver.py)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))
    import pgserver  # noqa: E402
    return pgserver.shared()


class Registry:
    """A server process on a free port with its own database directory (and,
    on PostgreSQL, its own database)."""

    def __init__(self, db_dir=None, extra_args=(), env=None, db=None, api="7"):
        """db: a database to use instead of a fresh one (a SQLite path or a
        PostgreSQL URL), e.g. for several nodes on one database. api: the
        Confluent generation whose JSON shapes the server answers in; the
        suites written against Confluent 7.0 keep "7", test_api8.py asks
        for "8" (the server's default)."""
        self.own_dir = db_dir is None
        self.dir = db_dir or tempfile.mkdtemp(prefix="avroreg-test-")
        self.backend = BACKEND
        if db is not None:
            self.db = db
            self.backend = "postgresql" if db.startswith(("postgresql:", "postgres:")) else "sqlite"
        elif BACKEND == "postgresql":
            # The same directory means the same database, as it means the same file.
            name = "t_" + hashlib.sha1(os.path.realpath(self.dir).encode()).hexdigest()[:16]
            self.db = pg_server().create_database(name, exist_ok=True)
        else:
            self.db = os.path.join(self.dir, "registry.db")
        self.port = free_port()
        self.extra_args = ["--api-shapes", api] + list(extra_args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.stderr_path = os.path.join(self.dir, f"server-{self.port}.log")
        atexit.register(self.cleanup)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.stderr = open(self.stderr_path, "ab")
        args = [BIN, "--listen", "127.0.0.1", "--port", str(self.port), "--db", self.db,
                "--log-level", "warn"] + self.extra_args
        self.proc = subprocess.Popen(args, stdout=self.stderr, stderr=self.stderr, env=self.env)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                if self.request("GET", "/health/ready").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become ready: " + self.log())

    def stop(self, check=True):
        """SIGTERM and wait; with check, records that it exited cleanly (no sanitizer report)."""
        if not self.proc:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.stderr.close()
        log = self.log()
        if check:
            ok(f"server on port {self.port} shut down cleanly (exit 0, no sanitizer report)",
               rc == 0 and "Sanitizer" not in log and "runtime error" not in log,
               f"exit {rc}\n{log[-3000:]}")
        return rc

    def integrity_check(self):
        """'ok', or what is wrong with the stopped server's database: SQLite's
        PRAGMA integrity_check; on PostgreSQL, the promises the tables keep
        (every version and reference names a stored schema, every stored id
        is marked used, no counter is behind an id it handed out)."""
        if self.backend == "sqlite":
            out = subprocess.run(["sqlite3", self.db, "PRAGMA integrity_check"],
                                 capture_output=True, text=True)
            return out.stdout.strip() or out.stderr.strip()
        checks = {
            "versions without their schema": "SELECT count(*) FROM versions v WHERE NOT EXISTS "
            "(SELECT 1 FROM schemas s WHERE s.context = v.context AND s.id = v.schema_id)",
            "references without their schema": "SELECT count(*) FROM refs r WHERE NOT EXISTS "
            "(SELECT 1 FROM schemas s WHERE s.context = r.context AND s.id = r.schema_id)",
            "schema ids not marked used": "SELECT count(*) FROM schemas s WHERE NOT EXISTS "
            "(SELECT 1 FROM used_ids u WHERE u.context = s.context AND u.id = s.id)",
            "duplicate (subject, version) rows": "SELECT count(*) FROM (SELECT subject, version "
            "FROM versions GROUP BY 1, 2 HAVING count(*) > 1) d",
        }
        bad = []
        pg = pg_server()
        for what, sql in checks.items():
            n = int(pg.psql(sql, url=self.db)[0][0])
            if n:
                bad.append(f"{n} {what}")
        return "ok" if not bad else "; ".join(bad)

    def log(self):
        try:
            with open(self.stderr_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def cleanup(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def request(self, method, path, body=None, headers=None, timeout=30):
        """body: dict/list (sent as JSON), str or bytes (sent as is), or None."""
        hdrs = {"Content-Type": JSON_TYPE} if body is not None else {}
        hdrs.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return Response(r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace"))
        finally:
            conn.close()

    # Shorthands for the common calls.
    def register(self, subject, schema, **extra):
        body = {"schema": schema if isinstance(schema, str) else json.dumps(schema)}
        body.update(extra)
        return self.request("POST", f"/subjects/{subject}/versions", body)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

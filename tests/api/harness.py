"""Test harness shared by the API and client suites.

Starts the real server binary (AVRO_REGISTRY_BIN, the sanitizer build under
make test) on a free loopback port with a fresh SQLite file, speaks HTTP with
the standard library only, and prints TAP-style lines that scripts/run-tests
counts: "ok - name" or "not ok - name" followed by indented details.
"""
import atexit
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

_failures = 0


def ok(name, cond, detail=""):
    """Records one check; returns cond."""
    global _failures
    if cond:
        print(f"ok - {name}", flush=True)
    else:
        _failures += 1
        print(f"not ok - {name}", flush=True)
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


class Registry:
    """A server process on a free port with its own database directory."""

    def __init__(self, db_dir=None, extra_args=(), env=None):
        self.own_dir = db_dir is None
        self.dir = db_dir or tempfile.mkdtemp(prefix="avroreg-test-")
        self.db = os.path.join(self.dir, "registry.db")
        self.port = free_port()
        self.extra_args = list(extra_args)
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

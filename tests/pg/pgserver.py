"""A throwaway PostgreSQL for the Python suites: a thin wrapper over
tests/pg/pgserver (which starts and stops it, as an unprivileged user
when run as root), plus databases made and dropped with psql.

    from pgserver import shared
    pg = shared()                  # the test server (see below)
    url = pg.create_database()     # a fresh database; its URL
    pg.drop_database(url)

shared() answers the server scripts/run-tests started for the whole run
(AVRO_REGISTRY_TEST_PG_DIR, holding its url file); run alone, a suite gets
one of its own, started on first use and stopped when the process exits.
"""
import atexit
import os
import subprocess
import tempfile
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "pgserver")


class PgServer:
    def __init__(self, directory=None, owned=True):
        if not directory:
            # the server's unprivileged user must reach DIR/pg: o+x on its parent
            parent = tempfile.mkdtemp(prefix="avroreg-pg-")
            os.chmod(parent, 0o711)
            directory = os.path.join(parent, "pg")
        self.dir = directory
        self.owned = owned  # stop (and remove) it at exit
        self.url = None
        self._databases = set()

    def _run(self, *args):
        out = subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"pgserver {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout.strip()

    def start(self):
        self.url = self._run("start", self.dir)
        if self.owned:
            atexit.register(self.stop)
        return self

    def attach(self):
        """Uses a server that is already running in self.dir."""
        with open(os.path.join(self.dir, "url")) as f:
            self.url = f.read().strip()
        return self

    def stop(self):
        if self.url and self.owned:
            for url in list(self._databases):
                self.drop_database(url)
            self._run("stop", self.dir)
            parent = os.path.dirname(self.dir)
            if os.path.basename(parent).startswith("avroreg-pg-"):
                os.rmdir(parent)
            self.url = None

    # Restarts for the failure tests: restart (fast stop, start), kill (an
    # immediate stop: crash recovery at the next start), halt and start_again.
    def restart(self):
        self._run("restart", self.dir)

    def kill(self):
        self._run("kill", self.dir)

    def halt(self):
        self._run("halt", self.dir)

    def start_again(self):
        self._run("start-again", self.dir)

    @property
    def port(self):
        return urllib.parse.urlsplit(self.url).port

    def database_url(self, name):
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def psql(self, sql, url=None):
        """Runs sql; returns its output rows as lists of strings."""
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v",
                              "ON_ERROR_STOP=1", url or self.url, "-c", sql],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"psql: {out.stderr.strip()}")
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def create_database(self, name=None, exist_ok=False):
        """A database (a fresh random name by default); answers its URL. It is
        dropped when this process exits."""
        name = name or "t_" + uuid.uuid4().hex[:16]
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if exists and not exist_ok:
            raise RuntimeError(f"database {name} exists")
        if not exists:
            self.psql(f'CREATE DATABASE "{name}"')
        url = self.database_url(name)
        if url not in self._databases:
            self._databases.add(url)
            atexit.register(self.drop_database, url)
        return url

    def drop_database(self, url):
        if url not in self._databases or not self.url:
            return
        self._databases.discard(url)
        name = urllib.parse.urlsplit(url).path.lstrip("/")
        try:
            self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except RuntimeError:
            pass  # the server may be down at exit after a failed test


_shared = None


def shared():
    """The test server of this run: run-tests's, else one of this process's own."""
    global _shared
    if _shared is None:
        d = os.environ.get("AVRO_REGISTRY_TEST_PG_DIR")
        _shared = PgServer(d, owned=False).attach() if d else PgServer().start()
    return _shared

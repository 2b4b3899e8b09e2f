"""Helpers of the security suites (tests/security/test_*.py), on top of
tests/api/harness.py.

* Certificates are made at test time with Debian's openssl: a CA, a server
  certificate for localhost/127.0.0.1, client certificates (one per name
  asked), an expired client certificate, and a client certificate from a
  foreign CA.
* Authfiles in Karapace's format: sha1/sha256/sha512/scrypt entries hashed
  here with Python's hashlib, as Karapace itself hashes them; argon2id
  entries made by `avroreg passwd` (AVROREG, the binary under test).
* SecureRegistry: the server with TLS and/or an authfile on a free loopback
  port; requests over HTTPS with a CA, optional client certificate and
  Basic credentials.
"""
import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
from harness import JSON_TYPE, Registry, Response, eq, finish, free_port, ok  # noqa: E402,F401

AVROREG = os.environ.get("AVROREG", os.path.join(ROOT, "bin", "avroreg"))

# python-requests lets these variables override a session's own CA file (the
# ssl.ca.location of confluent-kafka's clients), so the suites drop them:
# what is tested is each client's own TLS setting.
for _name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(_name, None)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, check=True, **kw)


class Certs:
    """A CA, a server certificate and client certificates in a temporary folder."""

    def __init__(self, dir=None, clients=("alice",)):
        self.dir = dir or tempfile.mkdtemp(prefix="avroreg-certs-")
        self.ca, self.ca_key = self._ca("ca", "avro-registry test CA")
        self.server, self.server_key = self.sign("server", "localhost", server=True)
        self.clients = {name: self.sign(f"client-{name}", name) for name in clients}
        self.foreign_ca, self.foreign_ca_key = self._ca("foreign-ca", "someone else's CA")
        self.foreign = self.sign("foreign-alice", "alice", ca=(self.foreign_ca, self.foreign_ca_key))
        self.expired = self._expired("expired-alice", "alice")

    def path(self, name):
        return os.path.join(self.dir, name)

    def _ca(self, name, cn):
        cert, key = self.path(f"{name}.pem"), self.path(f"{name}.key")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={cn}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        return cert, key

    def _csr(self, name, cn):
        key, csr = self.path(f"{name}.key"), self.path(f"{name}.csr")
        run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", csr, "-subj", f"/CN={cn}"])
        return key, csr

    def _ext(self, name, server):
        ext = self.path(f"{name}.ext")
        with open(ext, "w") as f:
            if server:
                f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
            else:
                f.write("extendedKeyUsage=clientAuth\n")
        return ext

    def sign(self, name, cn, server=False, ca=None):
        """A certificate for cn signed by ca (default: ours): (cert path, key path)."""
        ca_cert, ca_key = ca or (self.ca, self.ca_key)
        key, csr = self._csr(name, cn)
        cert = self.path(f"{name}.pem")
        run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
             "-CAcreateserial", "-out", cert, "-days", "1", "-extfile", self._ext(name, server)])
        return cert, key

    def _expired(self, name, cn):
        """Signed by our CA, valid for one day in 2020 (openssl ca sets the dates)."""
        key, csr = self._csr(name, cn)
        db = self.path("ca-db")
        os.makedirs(db, exist_ok=True)
        open(os.path.join(db, "index.txt"), "w").close()
        conf = self.path("ca.cnf")
        with open(conf, "w") as f:
            f.write(f"""[ca]
default_ca = test
[test]
database = {db}/index.txt
new_certs_dir = {db}
serial = {db}/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[client]
extendedKeyUsage = clientAuth
""")
        with open(os.path.join(db, "serial"), "w") as f:
            f.write("1000\n")
        cert = self.path(f"{name}.pem")
        run(["openssl", "ca", "-batch", "-config", conf, "-cert", self.ca, "-keyfile", self.ca_key,
             "-in", csr, "-out", cert, "-startdate", "20200101000000Z", "-enddate",
             "20200102000000Z", "-extensions", "client", "-notext"])
        return cert, key

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def karapace_hash(algorithm, salt, password):
    """What Karapace's hash_password() computes (karapace/auth.py)."""
    if algorithm == "scrypt":
        key = hashlib.scrypt(password.encode(), salt=salt.encode(), n=16384, r=8, p=1)
    else:
        key = hashlib.pbkdf2_hmac(algorithm, password.encode(), salt.encode(), 5000)
    return base64.b64encode(key).decode("ascii")


def user(name, password, algorithm="sha512", salt=None):
    """One authfile user entry."""
    if algorithm == "argon2id":
        out = subprocess.run([AVROREG, "passwd", name], input=password + "\n",
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout)
    salt = salt or f"salt-of-{name}"
    return {"username": name, "algorithm": algorithm, "salt": salt,
            "password_hash": karapace_hash(algorithm, salt, password)}


def permission(name, operation, resource):
    return {"username": name, "operation": operation, "resource": resource}


def write_authfile(path, users, permissions):
    """Writes the file atomically (a rename), as a configuration tool would."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"users": users, "permissions": permissions}, f, indent=1)
    os.replace(tmp, path)


def basic(name, password):
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


class SecureRegistry(Registry):
    """The server with --tls-* (when certs is given) and the extra flags."""

    def __init__(self, certs=None, client_ca=True, extra_args=(), **kw):
        args = list(extra_args)
        if certs:
            args += ["--tls-cert", certs.server, "--tls-key", certs.server_key]
            if client_ca:
                args += ["--tls-client-ca", certs.ca]
        super().__init__(extra_args=args, **kw)
        self.certs = certs

    @property
    def url(self):
        return f"{'https' if self.certs else 'http'}://127.0.0.1:{self.port}"

    def context(self, client=None):
        """An SSL context trusting our CA; client is (cert, key) or None."""
        ctx = ssl.create_default_context(cafile=self.certs.ca)
        if client:
            ctx.load_cert_chain(*client)
        return ctx

    def connection(self, client=None, timeout=30):
        if self.certs:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=self.context(client))
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=30, auth=None, client=None):
        """auth: (name, password) for Basic; client: (cert, key) for mutual TLS."""
        hdrs = {"Content-Type": JSON_TYPE} if body is not None else {}
        if auth:
            hdrs["Authorization"] = basic(*auth)
        hdrs.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        conn = self.connection(client, timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return Response(r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace"))
        finally:
            conn.close()

    def start_expect_failure(self, timeout=20):
        """Starts the server expecting it to refuse to start: (exit status, log)."""
        self.stderr = open(self.stderr_path, "ab")
        args = [os.environ.get("AVRO_REGISTRY_BIN", os.path.join(ROOT, "bin", "avro-registry")),
                "--listen", "127.0.0.1", "--port", str(self.port), "--db", self.db,
                "--log-level", "warn"] + self.extra_args
        proc = subprocess.Popen(args, stdout=self.stderr, stderr=self.stderr, env=self.env)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        self.stderr.close()
        return rc, self.log()


def schema(name, *fields):
    """A record schema text with string fields (a default each, so versions stay compatible)."""
    return json.dumps({"type": "record", "name": name,
                       "fields": [{"name": f, "type": "string", "default": ""} for f in fields]})


def wait_until(fn, timeout=5.0, step=0.05):
    """Polls fn() until it is truthy or timeout passes; returns its last value."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() >= deadline:
            return v
        time.sleep(step)


def connect_from(source, port):
    """A TCP connection to 127.0.0.1:port from the loopback address source."""
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s

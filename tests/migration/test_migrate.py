"""avroreg migrate between two running registries over HTTPS with basic auth
on both sides: each registry sits behind nginx (TLS with a certificate made by
openssl for this run, auth_basic with a password file of its own), as a
registry deployed behind a proxy is. The source has a varied history; the
copy is verified by migrate itself and again here over plain HTTP; a second
run copies nothing; a wrong password, an untrusted certificate and a target
that differs afterwards are each reported with the right exit code.
"""
import os
import pty
import re
import shutil
import subprocess
import socket
import tempfile

from migutil import (AVROREG, Registry, avroreg, eq, finish, free_port, ids_of, ok, state_of,  # noqa: F401
                     stop_nginx, varied_history, wait_for)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def sh(*args):
    subprocess.run(args, check=True, capture_output=True, timeout=60)


def make_tls(d):
    """A CA, and a certificate it signed for localhost and 127.0.0.1."""
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
       "/CN=avroreg test CA", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem")
    sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
       f"{d}/server.key", "-out", f"{d}/server.csr")
    with open(f"{d}/ext.cnf", "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    sh("openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.pem", "-CAkey",
       f"{d}/ca.key", "-CAcreateserial", "-days", "1", "-extfile", f"{d}/ext.cnf", "-out",
       f"{d}/server.pem")


def password_file(d, name, user, password):
    hashed = subprocess.run(["openssl", "passwd", "-apr1", password], check=True,
                            capture_output=True, text=True).stdout.strip()
    path = f"{d}/{name}"
    with open(path, "w") as f:
        f.write(f"{user}:{hashed}\n")
    os.chmod(path, 0o644)
    return path


def start_nginx(d, sides):
    """nginx with one TLS + basic auth server per (port, upstream port, password file)."""
    os.makedirs(f"{d}/tmp", exist_ok=True)
    servers = "".join(f"""
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {d}/server.pem;
        ssl_certificate_key {d}/server.key;
        auth_basic "registry";
        auth_basic_user_file {users};
        client_max_body_size 16m;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}""" for port, upstream, users in sides)
    conf = f"""worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
{servers}
}}
"""
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(conf)
    os.chmod(d, 0o755)  # nginx's workers may run as another user
    proc = subprocess.Popen([NGINX, "-p", f"{d}/", "-c", f"{d}/nginx.conf", "-e",
                             f"{d}/error.log"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    ready = wait_for(lambda: all(port_open(p) for p, _, _ in sides) or proc.poll() is not None,
                     timeout=20, step=0.05)
    if not ready or proc.poll() is not None:
        log = open(f"{d}/error.log").read() if os.path.exists(f"{d}/error.log") else ""
        raise RuntimeError("nginx did not start: " + log)
    return proc


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def on_terminal(*args):
    """Runs avroreg with stderr on a pseudo-terminal; returns (exit, what it drew)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([AVROREG] + list(args), stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    return proc.wait(timeout=60), drawn.decode(errors="replace")


def summary(err):
    m = re.search(r"copied (\d+), skipped (\d+) \(already there\), refused (\d+)", err)
    return tuple(int(x) for x in m.groups()) if m else None


def main():
    tmp = tempfile.mkdtemp(prefix="avroreg-migrate-")
    src = Registry().start()
    dst = Registry().start()
    varied_history(src)
    make_tls(tmp)
    src_port, dst_port = free_port(), free_port()
    nginx = start_nginx(tmp, [(src_port, src.port, password_file(tmp, "src.users", "reader", "s3cret")),
                              (dst_port, dst.port, password_file(tmp, "dst.users", "writer", "t0ps3cret"))])
    try:
        source = f"https://127.0.0.1:{src_port}"
        target = f"https://localhost:{dst_port}"
        ca = f"{tmp}/ca.pem"
        r = avroreg("migrate", "--from", source, "--from-user", "reader", "--from-password", "s3cret",
                    "--from-ca-file", ca, "--to", target, "--to-user", "writer", "--to-ca-file", ca,
                    env={"AVROREG_TO_PASSWORD": "t0ps3cret"})
        ok("migrate over HTTPS with basic auth on both sides (exit 0)", r.rc == 0 and r.clean(), r)
        copied = summary(r.err)
        ok("the summary says what was copied, skipped and refused",
           copied is not None and copied[0] > 0 and copied[1:] == (0, 0), r.err[-1500:])
        ok("the verification pass found every id and subject the same",
           re.search(r"verify: (\d+) of \1 ids and (\d+) of \2 subjects match", r.err), r.err[-1500:])
        ok("progress is plain lines when stderr is not a terminal",
           "read: " in r.err and "write: " in r.err and "\r" not in r.err, r.err[:1500])
        rc, drawn = on_terminal("export", "--registry", src.url, "--output", f"{tmp}/tty.jsonl")
        ok("on a terminal, progress is a bar redrawn in place",
           rc == 0 and re.search(r"\rread +\[#+\] 100% \d+/\d+", drawn) is not None, repr(drawn))
        eq("the target holds every subject, version and setting of the source", state_of(dst),
           state_of(src))
        eq("every id answers the same on both", ids_of(dst), ids_of(src))

        creds = ["--from-user", "reader", "--from-password", "s3cret", "--from-ca-file", ca,
                 "--to-user", "writer", "--to-password", "t0ps3cret", "--to-ca-file", ca]
        r = avroreg("migrate", "--from", source, "--to", target, *creds)
        again = summary(r.err)
        ok("a second migrate copies nothing and skips everything (exit 0)",
           r.rc == 0 and again is not None and again[0] == 0 and again[1] > 0, r)

        r = avroreg("migrate", "--from", source, "--to", target, *creds[:6], "--to-user",
                    "writer", "--to-password", "wrong", "--to-ca-file", ca)
        ok("a wrong password on the target is reported (exit 2)",
           r.rc == 2 and "401" in r.err, r)
        r = avroreg("migrate", "--from", source, "--to", target, *creds[:4], *creds[6:10])
        ok("an untrusted certificate on the source is reported (exit 2)",
           r.rc == 2 and "certificate" in r.err.lower(), r)
        r = avroreg("export", "--registry", source, "--user", "reader", "--password", "s3cret",
                    "--insecure", "--quiet")
        ok("--insecure skips the verification (testing only)", r.rc == 0 and r.out.startswith(
            '{"kind":"avroreg-export"'), r)

        # the target gets a version the source does not have: verification says so
        extra = dst.register("orders-value", '{"type":"record","name":"Order","fields":['
                             '{"name":"id","type":"long"},{"name":"note","type":"string",'
                             '"default":""},{"name":"qty","type":"int","default":0},'
                             '{"name":"x","type":"int","default":1}]}')
        ok("the target takes a registration of its own", extra.status == 200, extra)
        r = avroreg("migrate", "--from", source, "--to", target, *creds)
        ok("a target that differs from the source fails the verification (exit 1)",
           r.rc == 1 and "subject 'orders-value': the source has 3 versions, the target 4" in r.err,
           r)
    finally:
        stop_nginx(nginx)
        src.stop()
        dst.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()

"""Limits against abuse and the browser checks, each on a server of its own:
the request rate (429 + Retry-After, per address and per principal), failed
logins per address (--auth-failure-limit),
request-line and header caps (JSON 414/431), connections per address, the
header deadline (and kept-alive connections spared by it), --protect-metrics,
--allowed-hosts (421) and Origin/CORS (foreign writes refused, listed origins
answered with CORS headers, preflights). The slowloris and browser suites
are test_slowloris.py and test_browser.py.
"""
import os
import socket
import tempfile
import time

from secutil import (JSON_TYPE, SecureRegistry, basic, connect_from, eq, finish, ok, permission,
                     schema, user, write_authfile)


def raw(port, data, timeout=5, source="127.0.0.1"):
    """Sends data on a fresh connection; returns what comes back until close."""
    s = connect_from(source, port)
    s.settimeout(timeout)
    got = b""
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
            if b"\r\n\r\n" in got and b"Content-Length: " in got:
                head, _, body = got.partition(b"\r\n\r\n")
                n = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                if len(body) >= n:
                    break
    except OSError:
        pass
    finally:
        s.close()
    return got


def status_of(answer):
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def closed_within(s, seconds):
    """Whether the server closes s (EOF or reset) within seconds."""
    s.settimeout(seconds)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


# ---- the request rate, per address --------------------------------------------------------
reg = SecureRegistry(extra_args=["--rate-limit", "20"]).start()  # bursts of 40
conn = reg.connection()
statuses, first_429 = [], None
for _ in range(80):
    conn.request("GET", "/subjects")
    r = conn.getresponse()
    body = r.read()
    statuses.append(r.status)
    if r.status == 429 and not first_429:
        first_429 = (dict(r.getheaders()), body)
conn.close()
ok("--rate-limit 20: the burst passes, then 429", statuses[:30] == [200] * 30 and 429 in statuses,
   statuses)
ok("...with Retry-After in whole seconds and error_code 42901",
   first_429 and int(first_429[0].get("Retry-After", "0")) >= 1 and
   b'"error_code":42901' in first_429[1], first_429)
other = reg.request("GET", "/subjects", headers={})  # same address: still limited
eq("...for the same address", other.status, 429)
eq("...but never for a health check (an orchestrator would restart a busy server)",
   [reg.request("GET", p).status for p in ("/health/live", "/health/ready")], [200, 200])
conn = reg.connection()
conn.source_address = ("127.0.0.2", 0)
conn.request("GET", "/subjects")
eq("...while another address is served", conn.getresponse().status, 200)
conn.close()
time.sleep(int(first_429[0]["Retry-After"]) if first_429 else 1)
eq("after Retry-After the address is served again", reg.request("GET", "/subjects").status, 200)
reg.stop()

# ---- request-line and header caps ------------------------------------------------------------
reg = SecureRegistry(extra_args=["--max-request-line", "2k", "--max-header-bytes", "4k"]).start()
for name, data, want in [
        ("a 3 KB request line", b"GET /subjects/" + b"a" * 3000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
         414),
        ("a 3 KB query string", b"GET /subjects?x=" + b"a" * 3000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
         414),
        ("a 5 KB header", b"GET /subjects HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"p" * 5000 +
         b"\r\n\r\n", 431),
        ("100 headers of 100 bytes", b"GET /subjects HTTP/1.1\r\nHost: t\r\n" +
         b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 90) for i in range(100)) + b"\r\n", 431),
        ("a 12 KB Authorization header", b"GET /subjects HTTP/1.1\r\nHost: t\r\n"
         b"Authorization: Basic " + b"A" * 12000 + b"\r\n\r\n", 431)]:
    answer = raw(reg.port, data)
    ok(f"{name}: {want} with a JSON error body",
       status_of(answer) == want and f'"error_code":{want}'.encode() in answer and
       JSON_TYPE.encode() in answer, answer[:300])
answer = raw(reg.port, b"GET /subjects HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"p" * 1000000 +
             b"\r\n\r\n")
ok("a 1 MB header, past even libmicrohttpd's pool: still 431 (its own short page)",
   status_of(answer) == 431, answer[:200])
eq("a request within the caps is answered", reg.request("GET", "/subjects").status, 200)
reg.stop()

# ---- connections per address --------------------------------------------------------------
def held_connection(port):
    """A kept-alive connection that has been answered once, so that it is
    certainly counted: the readiness probes' connections may take a moment
    to be closed on the server's side, and one of them could still hold a
    slot. Retried while that is the case."""
    for _ in range(50):
        s = connect_from("127.0.0.1", port)
        s.settimeout(5)
        try:
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            if s.recv(65536).startswith(b"HTTP/1.1 200"):
                return s
        except OSError:
            pass
        s.close()
        time.sleep(0.1)
    raise RuntimeError("no connection was accepted")


reg = SecureRegistry(extra_args=["--max-connections-per-address", "16"]).start()
held = [held_connection(reg.port) for _ in range(16)]
extra = [connect_from("127.0.0.1", reg.port) for _ in range(4)]
eq("past 16 connections from one address, the next ones are closed at once",
   [closed_within(s, 3) for s in extra], [True] * 4)
conn = reg.connection()
conn.source_address = ("127.0.0.2", 0)
conn.request("GET", "/health/ready")
eq("...while another address is served", conn.getresponse().status, 200)
conn.close()
ok("...and the held connections stay open", not any(closed_within(s, 0.2) for s in held))
for s in held + extra:
    s.close()
time.sleep(0.3)
eq("once they close, the address is served again", reg.request("GET", "/subjects").status, 200)
reg.stop()

# ---- the header deadline --------------------------------------------------------------------
reg = SecureRegistry(extra_args=["--header-timeout", "1"]).start()
slow = connect_from("127.0.0.1", reg.port)
start = time.time()
slow.sendall(b"GET /health/live HTTP/1.1\r\n")
closed = False
for _ in range(40):  # a byte every 0.1 s: each resets an idle timeout, not the deadline
    try:
        slow.sendall(b"X")
    except OSError:
        closed = True
        break
    if closed_within(slow, 0.1):
        closed = True
        break
elapsed = time.time() - start
ok("a client sending its header a byte at a time is cut off at the deadline (1 s)",
   closed and 0.9 <= elapsed <= 3, f"closed {closed} after {elapsed:.2f} s")
slow.close()
idle = reg.connection()
idle.request("GET", "/health/live")
idle.getresponse().read()
time.sleep(1.8)  # past the header deadline, within the idle limit of a kept-alive connection
idle.request("GET", "/subjects")
eq("a kept-alive connection idle between requests is not cut by the header deadline",
   idle.getresponse().status, 200)
idle.close()
silent = connect_from("127.0.0.1", reg.port)
ok("a connection that sends nothing is closed at the deadline", closed_within(silent, 3))
silent.close()
reg.stop()

# ---- --protect-metrics and per-principal rates ------------------------------------------------
work = tempfile.mkdtemp(prefix="avroreg-limits-")
authfile = os.path.join(work, "auth.json")
write_authfile(authfile, [user("ops", "ops-pw"), user("app", "app-pw"), user("app2", "app2-pw")],
               [permission("ops", "Read", "Config:"), permission("app", "Write", "Subject:.*"),
                permission("app2", "Write", "Subject:.*")])
reg = SecureRegistry(extra_args=["--auth-file", authfile, "--protect-metrics", "true",
                                 "--rate-limit", "10"]).start()
eq("--protect-metrics: /metrics without credentials is 401",
   reg.request("GET", "/metrics").status, 401)
eq("...403 for a principal without Read on Config:",
   reg.request("GET", "/metrics", auth=("app", "app-pw")).status, 403)
r = reg.request("GET", "/metrics", auth=("ops", "ops-pw"))
ok("...200 with Read on Config:", r.status == 200 and "http_requests" in r.raw, r)
eq("/health/ready stays open", reg.request("GET", "/health/ready").status, 200)
got = [reg.request("GET", "/subjects", auth=("app", "app-pw")).status for _ in range(30)]
ok("a principal past its rate gets 429", 429 in got, got)
eq("...while another principal from the same address is served",
   reg.request("GET", "/subjects", auth=("app2", "app2-pw")).status, 200)
reg.stop()

# ---- failed logins, per address ------------------------------------------------------------
write_authfile(authfile, [user("dev", "dev-pw", "argon2id"), user("ci", "ci-pw", "argon2id")],
               [permission("dev", "Read", "Subject:.*"), permission("ci", "Read", "Subject:.*")])
reg = SecureRegistry(extra_args=["--auth-file", authfile, "--auth-failure-limit", "5"]).start()
eq("a good login is remembered (argon2id verified once)",
   reg.request("GET", "/subjects", auth=("dev", "dev-pw")).status, 200)
got = [reg.request("GET", "/subjects", auth=("dev", f"guess-{i}")).status for i in range(5)]
eq("--auth-failure-limit 5: five wrong passwords from one address are each checked (401)",
   got, [401] * 5)
r = reg.request("GET", "/subjects", auth=("dev", "guess-5"))
ok("...the sixth gets 429 before any hash, with Retry-After and error_code 42901",
   r.status == 429 and int(r.headers.get("Retry-After", "0")) >= 1 and r.json and
   r.json["error_code"] == 42901 and "failed logins" in r.json["message"], r)
eq("...so does an unknown user from that address", reg.request(
    "GET", "/subjects", auth=("ghost", "x")).status, 429)
eq("...a first login from that address waits too (the password cannot be checked)",
   reg.request("GET", "/subjects", auth=("ci", "ci-pw")).status, 429)
eq("...while remembered credentials from that address are still served",
   reg.request("GET", "/subjects", auth=("dev", "dev-pw")).status, 200)
conn = reg.connection()
conn.source_address = ("127.0.0.2", 0)
conn.request("GET", "/subjects", headers={"Authorization": basic("ci", "ci-pw")})
eq("...and another address logs in", conn.getresponse().status, 200)
conn.close()
eq("malformed credentials are refused without counting as a password check",
   [reg.request("GET", "/subjects", headers={"Authorization": "Basic !!!"}).status
    for _ in range(3)], [401] * 3)
reg.stop()

# ---- Host and Origin -----------------------------------------------------------------------
reg = SecureRegistry(extra_args=["--allowed-hosts", "registry.test,127.0.0.1",
                                 "--cors-origins", "http://ui.test:3000"]).start()
origin_self = f"http://127.0.0.1:{reg.port}"
eq("/v1/principal on a server that checks no credentials: anyone may do everything",
   reg.request("GET", "/v1/principal?subject=x").json,
   {"principal": None, "authentication": False, "config": {"read": True, "write": True},
    "permissions": [{"operation": "Write", "resource": ".*"}],
    "subject": {"name": "x", "read": True, "write": True}})
r = reg.request("GET", "/subjects", headers={"Host": "evil.test:8081"})
ok("--allowed-hosts: another Host gets 421 as JSON", r.status == 421 and r.json and
   r.json["error_code"] == 421 and "evil.test" in r.json["message"], r)
eq("...a listed one is served", reg.request("GET", "/subjects",
                                            headers={"Host": f"registry.test:{reg.port}"}).status,
   200)
answer = raw(reg.port, b"GET /subjects HTTP/1.0\r\n\r\n")
eq("...a request without Host (HTTP/1.0) is served", status_of(answer), 200)

body = {"schema": schema("Evil", "x")}
r = reg.request("POST", "/subjects/cors-value/versions", body,
                headers={"Origin": "http://evil.test", "Content-Type": ""})
ok("a write from a foreign Origin (a no-Content-Type cross-site fetch): 403 40301",
   r.status == 403 and r.json and r.json["error_code"] == 40301 and
   "Access-Control-Allow-Origin" not in r.headers, r)
eq("...nothing written", reg.request("GET", "/subjects/cors-value/versions").status, 404)
for method, path in [("PUT", "/config"), ("DELETE", "/subjects/cors-value")]:
    r = reg.request(method, path, {"compatibility": "NONE"} if method == "PUT" else None,
                    headers={"Origin": "https://evil.test"})
    eq(f"{method} {path} from a foreign Origin: 403", r.status, 403)
r = reg.request("GET", "/subjects", headers={"Origin": "http://evil.test"})
ok("a read from a foreign Origin is answered, without CORS headers (the browser hides it)",
   r.status == 200 and "Access-Control-Allow-Origin" not in r.headers, r.headers)
r = reg.request("POST", "/subjects/cors-value/versions", body, headers={"Origin": origin_self})
eq("a write from the registry's own origin is accepted", r.status, 200)
r = reg.request("POST", "/subjects/cors-listed/versions", body,
                headers={"Origin": "http://ui.test:3000"})
ok("a write from a --cors-origins origin: 200 with Access-Control-Allow-Origin, credentials, Vary",
   r.status == 200 and r.headers.get("Access-Control-Allow-Origin") == "http://ui.test:3000" and
   r.headers.get("Access-Control-Allow-Credentials") == "true" and
   "Origin" in r.headers.get("Vary", ""), r.headers)
r = reg.request("GET", "/subjects/nope/versions", headers={"Origin": "http://ui.test:3000"})
ok("...errors to a listed origin carry the CORS headers too", r.status == 404 and
   r.headers.get("Access-Control-Allow-Origin") == "http://ui.test:3000", r.headers)
r = reg.request("OPTIONS", "/subjects/x/versions", headers={
    "Origin": "http://ui.test:3000", "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type, authorization"})
ok("a preflight from a listed origin: 204 with the methods and headers allowed",
   r.status == 204 and r.headers.get("Access-Control-Allow-Origin") == "http://ui.test:3000" and
   "POST" in r.headers.get("Access-Control-Allow-Methods", "") and
   "Authorization" in r.headers.get("Access-Control-Allow-Headers", "") and
   "Content-Type" in r.headers.get("Access-Control-Allow-Headers", ""), r)
r = reg.request("OPTIONS", "/subjects/x/versions", headers={
    "Origin": "http://evil.test", "Access-Control-Request-Method": "POST"})
ok("a preflight from a foreign origin: 403, no CORS headers",
   r.status == 403 and "Access-Control-Allow-Origin" not in r.headers, r)
eq("OPTIONS that is not a preflight: 405 as before",
   reg.request("OPTIONS", "/subjects/x/versions").status, 405)
r = reg.request("POST", "/subjects/no-origin/versions", body)
eq("a client without Origin (curl, Kafka clients) writes as before", r.status, 200)
reg.stop()
finish()

"""Helpers for the suites that load the server (test_memory.py, test_hol.py) and
for the soak (tests/soak/soak.py): the server's resident memory, large schemas,
uploads that stall, and requests sent on a raw socket whose answer is read later.
"""
import json
import select
import socket
import time

MiB = 1024 * 1024


def proc_status(pid):
    """{"VmRSS": bytes, "VmHWM": bytes, ...} of a running process (/proc/PID/status)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            parts = rest.split()
            if len(parts) == 2 and parts[1] == "kB":
                out[key] = int(parts[0]) * 1024
    return out


def rss(pid):
    return proc_status(pid)["VmRSS"]


def mib(n):
    return f"{n / MiB:.1f} MiB"


def peak_rss(pid, seconds=1.0, step=0.1):
    """The largest VmRSS seen over a short while (the server may still be
    taking bytes out of its socket buffers)."""
    top = rss(pid)
    end = time.time() + seconds
    while time.time() < end:
        time.sleep(step)
        top = max(top, rss(pid))
    return top


def big_record(fields, name="Big", extra=0, doc=None):
    """A record of fields+extra long fields with defaults, as compact JSON text.
    Every field is 41-42 bytes of text; extra fields with defaults keep a newer
    version compatible both ways, so FULL_TRANSITIVE checks run to the end."""
    out = {"type": "record", "name": name}
    if doc:
        out["doc"] = doc
    out["fields"] = [{"name": f"f{i:07d}", "type": "long", "default": 0}
                     for i in range(fields + extra)]
    return json.dumps(out, separators=(",", ":"))


def request_bytes(method, path, body=b"", port=0, headers=None):
    """A whole HTTP/1.1 request as bytes (Connection: close)."""
    if isinstance(body, str):
        body = body.encode()
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if body or method in ("POST", "PUT"):
        head += ["Content-Type: application/vnd.schemaregistry.v1+json",
                 f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def parse_answer(data):
    """(status, headers dict with lower-case names, body bytes) of raw answer
    bytes; status None when nothing (or no status line) came."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None, {}, data
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(parts[1]), headers, body


def json_of(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def read_until_closed(sock, timeout=30):
    """Everything the peer sends until it closes (or the timeout passes)."""
    sock.settimeout(timeout)
    buf = b""
    while True:
        try:
            chunk = sock.recv(1 << 16)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    return buf


def readable(socks, wait):
    """The sockets among socks that have something to read (or were closed)
    within wait seconds, waiting until no new one turns up for wait seconds."""
    pending, ready = list(socks), []
    while pending:
        r, _, _ = select.select(pending, [], [], wait)
        if not r:
            break
        for s in r:
            pending.remove(s)
            ready.append(s)
    return ready


def has_answered(sock):
    """True when the server has sent something on sock, or closed it."""
    r, _, _ = select.select([sock], [], [], 0)
    return bool(r)


def stalled_uploads(port, count, announced, path="/subjects/stall/versions",
                    chunk=MiB, settle=1.0):
    """Opens count connections that each announce a body of `announced` bytes.
    All heads are sent first; the connections the server answers at once
    (before any body byte) are read and closed. The others get the body but
    its last byte, fast, in chunks, and then stall: they are returned open.

    Returns (stalled sockets, [(status, headers, body)] of the answered ones,
    [errors while sending])."""
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/vnd.schemaregistry.v1+json\r\n"
            f"Content-Length: {announced}\r\n\r\n").encode()
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(head)
        socks.append(s)
    answered = []
    for s in readable(socks, settle):
        answered.append(parse_answer(read_until_closed(s, timeout=5)))
        socks.remove(s)
        s.close()
    errors = []
    block = b" " * chunk
    for s in socks:
        left = announced - 1
        try:
            while left > 0:
                n = min(left, len(block))
                s.sendall(block[:n])
                left -= n
        except OSError as e:
            errors.append(repr(e))
    return socks, answered, errors


def _tcp_queues():
    """{(local port, remote port): (tx_queue, rx_queue)} of the IPv4 TCP sockets
    on 127.0.0.1 (/proc/net/tcp)."""
    out = {}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split()
            local, remote, queues = parts[1], parts[2], parts[4]
            if not local.startswith("0100007F:"):
                continue
            tx, _, rx = queues.partition(":")
            out[(int(local.split(":")[1], 16), int(remote.split(":")[1], 16))] = \
                (int(tx, 16), int(rx, 16))
    return out


def server_has_read(server_port, client_ports):
    """True when the server process has read every byte sent from each of the
    client ports: nothing waits in the client's send queue nor in the
    server's receive queue (seen in /proc/net/tcp). A connection that is gone
    counts as read."""
    queues = _tcp_queues()
    for port in client_ports:
        mine = queues.get((port, server_port))
        theirs = queues.get((server_port, port))
        if (mine and mine[0]) or (theirs and theirs[1]):
            return False
    return True

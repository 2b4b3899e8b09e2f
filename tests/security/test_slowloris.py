"""Slowloris: thousands of connections from one address (127.0.0.1) send
their request headers one byte at a time, reconnecting when cut off, while
a normal client from another address (127.0.0.2) keeps asking. With the
default limits (1024 connections per address) and a 2 s header deadline,
the normal client gets every answer within a second, the attacker never
holds more than its share, and no attacking connection lives past its
deadline. SLOWLORIS_SECONDS (default 5) sets how long the attack runs.
"""
import os
import resource
import selectors
import socket
import threading
import time

from secutil import SecureRegistry, eq, finish, ok

ATTACKERS = 3000
SECONDS = float(os.environ.get("SLOWLORIS_SECONDS", "5"))
HEADER_TIMEOUT = 2
PER_ADDRESS = 1024  # the default

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, ATTACKERS + 1024), hard))
reg = SecureRegistry(extra_args=["--header-timeout", str(HEADER_TIMEOUT), "--threads", "2"])
reg.start()

stop = threading.Event()
stats = {"opened": 0, "cut": 0, "oldest": 0.0, "alive_max": 0}
REQUEST = b"GET /subjects HTTP/1.1\r\nHost: victim\r\nX-Slow: " + b"a" * 10000


def attacker():
    """Keeps ATTACKERS connections open, sending one byte per connection per
    round; a connection the server closes is replaced the next round."""
    sel = selectors.DefaultSelector()
    conns = {}  # socket -> (opened at, bytes sent)

    def open_one():
        s = socket.socket()
        s.setblocking(False)
        s.bind(("127.0.0.1", 0))
        try:
            s.connect(("127.0.0.1", reg.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        conns[s] = (time.time(), 0)
        sel.register(s, selectors.EVENT_READ)
        stats["opened"] += 1

    def drop(s, cut):
        opened, _ = conns.pop(s)
        sel.unregister(s)
        s.close()
        if cut:
            stats["cut"] += 1
            stats["oldest"] = max(stats["oldest"], time.time() - opened)

    while not stop.is_set():
        while len(conns) < ATTACKERS and not stop.is_set():
            open_one()
        round_start = time.time()
        for s, (opened, sent) in list(conns.items()):
            try:
                s.send(REQUEST[sent % len(REQUEST):sent % len(REQUEST) + 1])
                conns[s] = (opened, sent + 1)
            except BlockingIOError:
                pass
            except OSError:
                drop(s, True)
        # whatever the server closed shows up as readable (EOF or reset)
        for key, _ in sel.select(timeout=0):
            s = key.fileobj
            try:
                if s.recv(1) == b"":
                    drop(s, True)
            except BlockingIOError:
                pass
            except OSError:
                drop(s, True)
        now = time.time()
        alive = [now - opened for opened, sent in conns.values() if sent > 0]
        stats["alive_max"] = max(stats["alive_max"], max(alive, default=0))
        time.sleep(max(0.0, 0.5 - (time.time() - round_start)))  # a byte every 0.5 s
    for s in list(conns):
        drop(s, False)


t = threading.Thread(target=attacker)
t.start()
time.sleep(1.0)  # let the attack build up

latencies, statuses = [], []
deadline = time.time() + SECONDS
while time.time() < deadline:
    conn = reg.connection(timeout=5)
    conn.source_address = ("127.0.0.2", 0)
    t0 = time.time()
    try:
        conn.request("GET", "/subjects")
        statuses.append(conn.getresponse().status)
    except OSError as e:
        statuses.append(repr(e))
    latencies.append(time.time() - t0)
    conn.close()
    time.sleep(0.1)
stop.set()
t.join()

ok(f"the attack opened thousands of connections ({stats['opened']})",
   stats["opened"] >= ATTACKERS, stats)
eq(f"the normal client from 127.0.0.2 got every answer ({len(statuses)} requests)",
   set(statuses), {200})
ok(f"...each within a second (slowest {max(latencies):.3f} s)", max(latencies) < 1.0, latencies)
ok(f"the server cut the attacking connections ({stats['cut']} cut)",
   stats["cut"] >= ATTACKERS - PER_ADDRESS, stats)
ok(f"no attacking connection outlived the {HEADER_TIMEOUT} s header deadline by much "
   f"(longest {stats['alive_max']:.2f} s)", stats["alive_max"] < HEADER_TIMEOUT + 1.5, stats)
eq("the server is ready afterwards", reg.request("GET", "/health/ready").status, 200)
reg.stop()
finish()

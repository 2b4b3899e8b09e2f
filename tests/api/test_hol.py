"""Cheap requests never wait behind expensive ones (issue 10).

Four worst-case requests are sent, whole, on their own connections: two
compatibility checks of a large record (HOL_FIELDS long fields) against every
version of a subject under FULL_TRANSITIVE, and two registrations of larger
versions of it (each checked against every version, then stored). Each takes
seconds. While none of them has answered (seen from the client: nothing has
arrived on their sockets), GET /schemas/ids/1, a re-registration of a registered
schema and GET /health/ready all answer 200. The assertion is on order, not
time: every cheap answer arrives before the first expensive one. On a server
whose connection threads do the expensive work (two here, --threads 2) the
cheap requests queue behind it and the order is the other way round.

Then the deadline: with --deadline-ms 200 such a registration answers 500
50002 and commits nothing (a read right after, and again once the work would
have finished, finds no trace of it).
"""
import json
import os
import socket
import threading
import time

from apiutil import Registry, eq, expect_error, finish, ok, record, reg_id
from loadutil import big_record, json_of, parse_answer, request_bytes, server_has_read

FIELDS = int(os.environ.get("HOL_FIELDS", "100000"))
ARGS = ["--max-schema-bytes", "16m", "--threads", "2"]


def start(extra):
    try:
        return Registry(extra_args=extra).start()
    except RuntimeError as e:
        ok(f"the server starts with {' '.join(extra)}", False, str(e)[-2000:])
        return None


reg = start(ARGS)
SMALL = record("Small", ("a", "int"))
small_id = reg_id("a small schema is registered first (id 1)", reg, "small", SMALL)
eq("its id is 1", small_id, 1)
reg.request("PUT", "/config/big", {"compatibility": "FULL_TRANSITIVE"})
for extra in (0, 1):
    r = reg.register("big", big_record(FIELDS, extra=extra), timeout=120)
    ok(f"big version {extra + 1} ({FIELDS + extra} fields) is registered", r.status == 200, r)

events = []  # ("cheap", name) or ("heavy", name), in the order their answers arrived
lock = threading.Lock()


def note(kind, name):
    with lock:
        events.append((kind, name))


class Heavy(threading.Thread):
    """One expensive request on its own socket: sent whole, then the answer awaited."""

    def __init__(self, name, method, path, body):
        super().__init__()
        self.name_ = name
        self.data = request_bytes(method, path, body, reg.port)
        self.sent = threading.Event()
        self.answer = None
        self.error = None
        self.port = None

    def run(self):
        try:
            with socket.create_connection(("127.0.0.1", reg.port), timeout=300) as s:
                self.port = s.getsockname()[1]
                s.sendall(self.data)
                self.sent.set()
                buf = s.recv(1 << 16)
                note("heavy", self.name_)
                while True:
                    chunk = s.recv(1 << 16)
                    if not chunk:
                        break
                    buf += chunk
                self.answer = parse_answer(buf)
        except OSError as e:
            self.error = repr(e)
            note("heavy", self.name_)
        finally:
            self.sent.set()


def schema_body(text):
    return json.dumps({"schema": text})


heavy = [
    Heavy("compatibility check 1", "POST", "/compatibility/subjects/big/versions?verbose=true",
          schema_body(big_record(FIELDS, extra=2))),
    Heavy("compatibility check 2", "POST", "/compatibility/subjects/big/versions?verbose=true",
          schema_body(big_record(FIELDS, extra=3))),
    Heavy("registration 1", "POST", "/subjects/big/versions",
          schema_body(big_record(FIELDS, extra=4))),
    Heavy("registration 2", "POST", "/subjects/big/versions",
          schema_body(big_record(FIELDS, extra=5))),
]
for h in heavy:
    h.start()
for h in heavy:
    h.sent.wait(120)
ok("the four expensive requests were sent whole", all(h.sent.is_set() and h.error is None
                                                       for h in heavy),
   [(h.name_, h.error) for h in heavy])
# Sent is not received: loopback buffers hold megabytes. The cheap requests go
# once the server has read every byte of the four bodies, so the expensive
# work is under way (a server that does it on its connection threads reads
# the last bodies only when a thread is free again).
end = time.time() + 120
while time.time() < end and not server_has_read(reg.port, [h.port for h in heavy]):
    time.sleep(0.01)
ok("the server has read the four bodies", server_has_read(reg.port, [h.port for h in heavy]))

cheap = []
r = reg.get("/schemas/ids/1", timeout=120)
note("cheap", "GET /schemas/ids/1")
cheap.append(("GET /schemas/ids/1", r.status))
r = reg.register("small", SMALL, timeout=120)
note("cheap", "re-registration")
cheap.append(("re-registration", r.status, r.json))
r = reg.get("/health/ready", timeout=120)
note("cheap", "GET /health/ready")
cheap.append(("GET /health/ready", r.status))
with lock:
    answered_before = [name for kind, name in events if kind == "heavy"]
eq("while they run, the cheap requests answer 200", cheap,
   [("GET /schemas/ids/1", 200), ("re-registration", 200, {"id": 1}),
    ("GET /health/ready", 200)])
eq("none of the expensive requests had answered when the cheap ones had", answered_before, [])

for h in heavy:
    h.join(300)
kinds = [kind for kind, _ in events]
ok("every cheap answer arrived before the first expensive one",
   kinds == ["cheap"] * 3 + ["heavy"] * 4, events)
got = []
for h in heavy:
    status, _, body = h.answer if h.answer else (None, {}, b"")
    j = json_of(body)
    if h.name_.startswith("compat"):
        got.append((h.name_, status, j))
    else:
        got.append((h.name_, status, isinstance(j, dict) and isinstance(j.get("id"), int)))
eq("and the expensive requests answered as they should", got,
   [("compatibility check 1", 200, {"is_compatible": True, "messages": []}),
    ("compatibility check 2", 200, {"is_compatible": True, "messages": []}),
    ("registration 1", 200, True), ("registration 2", 200, True)])
reg.stop()

# ---- the deadline -------------------------------------------------------------------------------
reg = start(["--max-schema-bytes", "16m", "--deadline-ms", "200"])
if reg is not None:
    reg_id("under a 200 ms deadline a small registration passes", reg, "small", SMALL)
    expect_error("a registration that runs past the deadline: 500 50002",
                 reg.register("late", big_record(FIELDS), timeout=120), 500, 50002)
    for when in ("right after", "once its work would have finished"):
        if when != "right after":
            time.sleep(5)
        expect_error(f"{when}: the subject was not created", reg.get("/subjects/late/versions"),
                     404, 40401, "Subject 'late' not found.")
        eq(f"{when}: no schema id was given", reg.get("/schemas/ids/2").status, 404)
        eq(f"{when}: the subjects are as before", reg.get("/subjects").json, ["small"])
    reg_id("the server still registers afterwards", reg, "after", record("After", ("b", "int")))
    reg.stop()
finish()

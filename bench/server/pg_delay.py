"""How soon a write acknowledged by one node reaches another node's caches.

    pg_delay.py PORT_A PORT_B [ROUNDS]

Each round registers a new schema on node A, reads it by id on node B twice
(so that B serves it from its cache), deletes it permanently on A, then
polls B's GET /schemas/ids/{id} until it answers 404. The delay runs from
A's answer to the permanent delete to B's first 404: the notification's trip
through PostgreSQL, B's listener moving the marker, and one poll (a loopback
HTTP round trip). Prints "median p95 max" in milliseconds.
"""
import http.client
import json
import statistics
import sys
import time

MEDIA = "application/vnd.schemaregistry.v1+json"


class Node:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None):
        headers = {"Content-Type": MEDIA} if body is not None else {}
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                          headers=headers)
        r = self.conn.getresponse()
        return r.status, r.read()


def main():
    a, b = Node(int(sys.argv[1])), Node(int(sys.argv[2]))
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    tag = str(int(time.time() * 1000))
    delays = []
    for i in range(rounds):
        subject = f"delay-{tag}-{i}"
        schema = json.dumps({"type": "record", "name": f"D{tag}_{i}",
                             "fields": [{"name": "f", "type": "int"}]})
        status, body = a.call("POST", f"/subjects/{subject}/versions", {"schema": schema})
        if status != 200:
            sys.exit(f"register: {status} {body[:200]}")
        sid = json.loads(body)["id"]
        for _ in range(2):
            status, _ = b.call("GET", f"/schemas/ids/{sid}")
            if status != 200:
                sys.exit(f"node B does not serve id {sid}: {status}")
        a.call("DELETE", f"/subjects/{subject}")
        status, body = a.call("DELETE", f"/subjects/{subject}?permanent=true")
        if status != 200:
            sys.exit(f"permanent delete: {status} {body[:200]}")
        start = time.perf_counter()
        while b.call("GET", f"/schemas/ids/{sid}")[0] != 404:
            if time.perf_counter() - start > 10:
                sys.exit(f"node B still serves id {sid} after 10 s")
        delays.append((time.perf_counter() - start) * 1000)
    delays.sort()
    p95 = delays[min(len(delays) - 1, int(len(delays) * 0.95))]
    print(f"{statistics.median(delays):.2f} {p95:.2f} {delays[-1]:.2f}")


if __name__ == "__main__":
    main()

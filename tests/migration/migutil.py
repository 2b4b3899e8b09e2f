"""Helpers shared by the migration suites (tests/migration/test_*.py), on top of
tests/api/harness.py: running the avroreg binary (AVROREG, the sanitizer build
under make test), building a registry with a varied history, and reading a
registry's state over its API for comparisons.
"""
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
from harness import ROOT, Registry, eq, finish, free_port, ok  # noqa: E402,F401

AVROREG = os.environ.get("AVROREG", os.path.join(ROOT, "bin", "avroreg"))


class Run:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"exit {self.rc}\nstdout: {self.out[-1500:]}\nstderr: {self.err[-3000:]}"

    def clean(self):
        """No sanitizer report in what it printed."""
        return "Sanitizer" not in self.err and "runtime error" not in self.err


def avroreg(*args, timeout=120, env=None):
    proc = subprocess.run([AVROREG] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, **(env or {})))
    return Run(proc)


def record(name, *fields, namespace=None):
    out = {"type": "record", "name": name}
    if namespace:
        out["namespace"] = namespace
    out["fields"] = [dict(zip(("name", "type", "default"), f)) for f in fields]
    return json.dumps(out)


def must(r, what):
    if r.status != 200:
        raise RuntimeError(f"{what}: {r}")
    return r.json


def varied_history(reg):
    """Several subjects with references, soft and permanent deletes (leaving
    gaps), a re-registration after a soft delete, per-subject config and
    modes, normalize, metadata and a ruleSet, and ids out of subject order."""
    post = reg.register
    must(post("common-address", record("Address", ("street", "string")), metadata={
        "properties": {"owner": "team-geo", "b": "2", "a": "1"}}), "address")
    must(post("orders-value", record("Order", ("id", "long"))), "order v1")
    must(post("orders-value", record("Order", ("id", "long"), ("note", "string", ""))), "order v2")
    must(post("orders-value", record("Order", ("id", "long"), ("note", "string", ""),
                                     ("qty", "int", 0))), "order v3")
    must(post("customers-value", record("Customer", ("name", "string"), ("home", "Address")),
              references=[{"name": "Address", "subject": "common-address", "version": 1}]),
         "customer with a reference")
    must(post("scratch", '"string"'), "scratch v1")
    must(reg.request("PUT", "/config/scratch", {"compatibility": "NONE"}), "scratch NONE")
    must(post("scratch", '"int"'), "scratch v2")
    must(post("scratch", '"long"'), "scratch v3")
    # a soft delete, a permanent delete (a gap), and a soft-deleted version registered again
    must(reg.request("DELETE", "/subjects/orders-value/versions/2"), "soft delete order v2")
    must(reg.request("DELETE", "/subjects/scratch/versions/1"), "soft delete scratch v1")
    must(reg.request("DELETE", "/subjects/scratch/versions/1?permanent=true"), "hard delete")
    must(reg.request("DELETE", "/subjects/scratch/versions/2"), "soft delete scratch v2")
    must(post("scratch", '"string"'), "scratch: string again, as v4")
    # a subject deleted as a whole (soft)
    must(post("gone-value", record("Gone", ("x", "int"))), "gone v1")
    must(reg.request("DELETE", "/subjects/gone-value"), "soft delete gone")
    # settings: global, per subject, normalize, modes
    must(reg.request("PUT", "/config", {"compatibility": "FULL"}), "global FULL")
    must(reg.request("PUT", "/config/orders-value",
                     {"compatibility": "BACKWARD_TRANSITIVE", "normalize": True}), "orders config")
    must(reg.request("PUT", "/mode/customers-value", {"mode": "READONLY"}), "customers READONLY")
    must(post("rules-value", record("Ruled", ("ssn", "string")), ruleSet={
        "domainRules": [{"name": "encrypt", "kind": "TRANSFORM", "type": "ENCRYPT",
                         "mode": "WRITEREAD", "tags": ["PII"]}]}), "ruleSet")
    return reg


def enc(subject):
    """A subject name as a path segment."""
    return quote(subject, safe="")


def ids_of(reg):
    """Every id the registry knows, with GET /schemas/ids/{id}'s raw answer."""
    out = {}
    subjects = must(reg.get("/subjects?deleted=true"), "subjects")
    for s in map(enc, subjects):
        for v in must(reg.get(f"/subjects/{s}/versions?deleted=true"), "versions"):
            e = must(reg.get(f"/subjects/{s}/versions/{v}?deleted=true"), "version")
            if e["id"] not in out:
                out[e["id"]] = reg.get(f"/schemas/ids/{e['id']}").raw
    return out


def state_of(reg):
    """Subjects with their versions (number, id, deleted) and settings."""
    state = {"config": reg.get("/config").json, "mode": reg.get("/mode").json}
    live = set(must(reg.get("/subjects"), "subjects"))
    for name in must(reg.get("/subjects?deleted=true"), "subjects"):
        s = enc(name)
        alive = set(must(reg.get(f"/subjects/{s}/versions"), "live")) if name in live else set()
        vs = []
        for v in must(reg.get(f"/subjects/{s}/versions?deleted=true"), "versions"):
            e = must(reg.get(f"/subjects/{s}/versions/{v}?deleted=true"), "version")
            vs.append((v, e["id"], v not in alive))
        cfg = reg.get(f"/config/{s}")
        mode = reg.get(f"/mode/{s}")
        state[name] = {"versions": vs, "config": cfg.json if cfg.status == 200 else None,
                    "mode": mode.json if mode.status == 200 else None}
    return state


def wait_for(cond, timeout=30, step=0.1):
    """Polls cond until it holds; a cond that raises (the state changed under
    it) has not held yet."""
    def holds():
        try:
            return cond()
        except RuntimeError:
            return False
    deadline = time.time() + timeout
    while time.time() < deadline:
        if holds():
            return True
        time.sleep(step)
    return holds()


def stop_nginx(proc):
    """Stops an nginx start_nginx started (None: nothing to stop)."""
    if not proc:
        return
    proc.send_signal(signal.SIGQUIT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

"""Helpers shared by the API suites (tests/api/test_*.py), on top of harness.py.

Every check prints one TAP line through harness.ok/eq. The helpers compare a
whole answer at once (status, body shape, error_code, message) so that a
failure shows everything that differs in one place.
"""
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import JSON_TYPE, Registry, eq, finish, ok  # noqa: E402,F401

# Confluent's exact message texts (reference §4).
INVALID_VERSION = ("The specified version '{}' is not a valid version id. Allowed values are "
                   "between [1, 2^31-1] and the string \"latest\"")
INVALID_LEVEL = ("Invalid compatibility level. Valid values are none, backward, forward, full, "
                 "backward_transitive, forward_transitive, and full_transitive")
INVALID_MODE = "Invalid mode. Valid values are READWRITE, READONLY, and IMPORT."
SUBJECT_NOT_FOUND = "Subject '{}' not found."
VERSION_NOT_FOUND = "Version {} not found."
SUBJECT_SOFT_DELETED = "Subject '{}' was soft deleted.Set permanent=true to delete permanently"
SUBJECT_NOT_SOFT_DELETED = "Subject '{}' was not deleted first before being permanently deleted"
VERSION_SOFT_DELETED = ("Subject '{}' Version {} was soft deleted.Set permanent=true to delete "
                        "permanently")
VERSION_NOT_SOFT_DELETED = ("Subject '{}' Version {} was not deleted first before being "
                            "permanently deleted")
NO_SUBJECT_LEVEL = "Subject '{}' does not have subject-level compatibility configured"
NO_SUBJECT_MODE = "Subject '{}' does not have subject-level mode configured"
REFERENCE_EXISTS = ("One or more references exist to the schema "
                    "{{magic=1,keytype=SCHEMA,subject={},version={}}}.")
INCOMPATIBLE = "Schema being registered is incompatible with an earlier schema for subject \"{}\""
INVALID_SUBJECT = "The specified subject '{}' is not a valid."


def record(name, *fields, namespace=None):
    """An Avro record schema (dict); fields are (name, type) or (name, type, default)."""
    out = {"type": "record", "name": name}
    if namespace:
        out["namespace"] = namespace
    out["fields"] = []
    for f in fields:
        field = {"name": f[0], "type": f[1]}
        if len(f) > 2:
            field["default"] = f[2]
        out["fields"].append(field)
    return out


def canon(schema):
    """The compact JSON text a stored schema is returned as (for simple schemas
    whose attribute order is already Avro's: type, name, namespace, fields)."""
    return json.dumps(schema, separators=(",", ":"))


def q(subject):
    """A subject percent-encoded for a path segment (every reserved character)."""
    return urllib.parse.quote(subject, safe="")


def error_of(r):
    """(status, body keys, error_code, message) of an answer, for one comparison."""
    j = r.json if isinstance(r.json, dict) else {}
    return (r.status, list(j), j.get("error_code"), j.get("message"))


def expect_error(name, r, status, code, message=None):
    """The answer is an error with Confluent's shape; message None means any text."""
    got = error_of(r)
    if message is None and isinstance(got[3], str) and got[3]:
        message = got[3]
    want = (status, ["error_code", "message"], code, message)
    return ok(name, got == want, f"got:  {got!r}\nwant: {want!r}\nbody: {r.raw[:500]!r}")


def expect_error_prefix(name, r, status, code, prefix):
    got = error_of(r)
    good = (got[:3] == (status, ["error_code", "message"], code) and isinstance(got[3], str) and
            got[3].startswith(prefix))
    return ok(name, good, f"got:  {got!r}\nwant: {(status, code)} message starting {prefix!r}")


def expect_json(name, r, want, status=200):
    """Status and body, with the key order of every object compared too."""
    got = (r.status, _ordered(r.json))
    return ok(name, got == (status, _ordered(want)),
              f"got:  {r.status} {r.raw[:800]!r}\nwant: {status} {json.dumps(want)[:800]!r}")


def _ordered(v):
    """Turns dicts into lists of pairs so that == also compares key order."""
    if isinstance(v, dict):
        return [(k, _ordered(x)) for k, x in v.items()]
    if isinstance(v, list):
        return [_ordered(x) for x in v]
    return v


def entity(subject, version, sid, schema, references=None):
    """A Confluent 7.x Schema entity in Jackson's field order."""
    out = {"subject": subject, "version": version, "id": sid}
    if references:
        out["references"] = references
    out["schema"] = schema if isinstance(schema, str) else canon(schema)
    return out


def reg_id(name, reg, subject, schema, **extra):
    """Registers and checks the 7.x answer {"id": N}; returns N (or None)."""
    r = reg.register(q(subject), schema, **extra)
    good = r.status == 200 and isinstance(r.json, dict) and list(r.json) == ["id"] and \
        isinstance(r.json.get("id"), int)
    ok(name, good, f"got: {r!r}")
    return r.json["id"] if good else None


def still_serving(name, reg, subjects=None):
    """The server answers, and (when given) GET /subjects is unchanged."""
    r = reg.request("GET", "/subjects")
    if subjects is None:
        return ok(name, r.status == 200 and isinstance(r.json, list), f"got: {r!r}")
    return eq(name, (r.status, r.json), (200, subjects))

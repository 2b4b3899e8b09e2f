#!/usr/bin/env python3
"""Reference figures from python3-avro for the benchmarks in bench/.

    ref_compat.py DIR            the compat benchmark: DIR holds new.avsc and
                                 v0001.avsc .. vNNNN.avsc as bench_compat wrote them
    ref_compat.py --parse FILE   the parse benchmark: avro.schema.parse of FILE

The compat figure does what a FULL_TRANSITIVE check does: for every previous
version, newest first, old-reads-new and new-reads-old, each with a fresh
ReaderWriterCompatibilityChecker (as Avro's SchemaCompatibility does per
pair). Unlike the registry it does not stop at the first failure, so that the
count of compatible pairs proves the same work was done; a warning goes to
stderr when any pair is not compatible.

Prints one line on stdout; times are medians, measured with time.perf_counter.
"""

import glob
import os
import statistics
import sys
import time

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

BUDGET_S = 20.0  # stop repeating a measurement once this much time went into it


def timed_runs(fn, min_runs, max_runs):
    """Median time of fn() in ms, and fn's last result. Runs fn at least
    min_runs times, and more (up to max_runs) while within BUDGET_S."""
    times = []
    result = None
    spent = 0.0
    while len(times) < max_runs and (len(times) < min_runs or spent < BUDGET_S):
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        times.append(dt * 1e3)
        spent += dt
    return statistics.median(times), result


def full_transitive(new, olds):
    """Number of compatible reader/writer pairs among the 2 * len(olds) checked."""
    ok = 0
    for old in reversed(olds):
        for reader, writer in ((old, new), (new, old)):
            res = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
            if res.compatibility is SchemaCompatibilityType.compatible:
                ok += 1
    return ok


def bench_compat(directory):
    with open(os.path.join(directory, "new.avsc"), encoding="utf-8") as f:
        new_text = f.read()
    old_texts = []
    for path in sorted(glob.glob(os.path.join(directory, "v*.avsc"))):
        with open(path, encoding="utf-8") as f:
            old_texts.append(f.read())
    if not old_texts:
        sys.exit(f"ref_compat.py: no v*.avsc in {directory}")

    new = avro.schema.parse(new_text)
    olds = [avro.schema.parse(t) for t in old_texts]
    pairs = 2 * len(olds)

    check_ms, ok = timed_runs(lambda: full_transitive(new, olds), 3, 7)
    if ok != pairs:
        print(
            f"ref_compat.py: WARNING: python3-avro finds {pairs - ok} of {pairs} "
            "reader/writer pairs incompatible",
            file=sys.stderr,
        )

    def parse_and_check():
        n = avro.schema.parse(new_text)
        return full_transitive(n, [avro.schema.parse(t) for t in old_texts])

    total_ms, ok2 = timed_runs(parse_and_check, 1, 5)
    if ok2 != ok:
        print("ref_compat.py: WARNING: fresh parses give a different count", file=sys.stderr)
    print(f"python3-avro {check_ms:.0f} ms (with parsing {total_ms:.0f} ms)")


def bench_parse(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    avro.schema.parse(text)  # warm up; fails loudly if python3-avro rejects it
    ms, _ = timed_runs(lambda: avro.schema.parse(text), 5, 20)
    print(f"python3-avro avro.schema.parse {ms:.1f} ms")


def main(argv):
    if len(argv) == 2 and argv[1] != "--parse":
        bench_compat(argv[1])
    elif len(argv) == 3 and argv[1] == "--parse":
        bench_parse(argv[2])
    else:
        sys.exit(f"usage: {argv[0]} DIR | --parse FILE")


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env bash
# bench/migration/run.sh - the migration benchmarks of `make bench`
# (scripts/run-bench runs it). Prints each figure next to its reference,
# measured in this run; asserts nothing about time.
#
#   100,000 schemas in 10,000 subjects (10 versions each, bench/server's
#   realistic schema varied per subject and version), between two local
#   registries:
#   1. import alone: `avroreg import` of an export file into an empty registry
#   2. export alone: `avroreg export` of that registry
#   3. migrate: `avroreg migrate` (export + import + verification) into a
#      second empty registry, the target's database on the disk
#   4. the same migrate with the target's database on tmpfs (/dev/shm, no
#      fsync cost), to tell the tool's own speed from the disk's
#   reference: the SQLite floor, durable commits/s of one writer on the same
#   disk (bench/server/client.py sqlite-floor): an import is one commit per
#   registration.
#
# Usage: bench/migration/run.sh [BIN_DIR]   (default: bin, from the repo root)
# Environment: MIGRATION_BENCH_SUBJECTS (10000), MIGRATION_BENCH_VERSIONS (10),
# MIGRATION_BENCH_TMPFS=0 to skip 4.
#
# Loopback only; every server it starts it stops (trap on EXIT, INT, TERM),
# every step is bounded by a timeout, and every file lives in temporary
# directories removed at the end.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bindir=${1:-bin}
py=/usr/bin/python3
client=$root/bench/server/client.py
avsc=$root/bench/server/order.avsc
subjects=${MIGRATION_BENCH_SUBJECTS:-10000}
versions=${MIGRATION_BENCH_VERSIONS:-10}
total=$((subjects * versions))

die() {
    echo "migration bench: $*" >&2
    exit 1
}

[[ -x "$bindir/avro-registry" && -x "$bindir/avroreg" ]] || die "$bindir is not built; run 'make'"
work=$(mktemp -d "${TMPDIR:-/tmp}/avroreg-migration-bench.XXXXXX")
shm=""

# The servers' pids go to a file: start() runs in $(...), a subshell.
cleanup() {
    trap - EXIT INT TERM
    local pid i
    if [[ -f "$work/pids" ]]; then
        while read -r pid; do
            kill -TERM "$pid" 2>/dev/null || true
        done <"$work/pids"
        while read -r pid; do
            for ((i = 0; i < 150; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        done <"$work/pids"
    fi
    rm -rf "$work" ${shm:+"$shm"}
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One copy of the binaries for the whole run, safe from a rebuild meanwhile.
cp "$bindir/avro-registry" "$bindir/avroreg" "$work/"
registry=$work/avro-registry
avroreg=$work/avroreg

# start DB: a registry on a free loopback port; prints its URL.
start() {
    local db=$1 port
    for _ in 1 2 3; do
        port=$("$py" "$client" port)
        "$registry" --listen 127.0.0.1 --port "$port" --db "$db" --log-level warn \
            </dev/null >>"$work/registry.log" 2>&1 &
        local pid=$!
        echo "$pid" >>"$work/pids"
        if "$py" "$client" wait-ok "$port" /health/ready 30 "$pid"; then
            echo "http://127.0.0.1:$port"
            return 0
        fi
        kill "$pid" 2>/dev/null || true
    done
    die "avro-registry did not start: $(tail -n 5 "$work/registry.log")"
}

# timed LOG CMD...: runs CMD (bounded) with stderr in LOG; prints the seconds.
timed() {
    local log=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    timeout -k 5 900 "$@" >/dev/null 2>"$log" || {
        tail -n 20 "$log" >&2
        die "failed: $*"
    }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}

rate() {
    awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'
}

fstype() {
    stat -f -c %T "$1" 2>/dev/null || echo "?"
}

# phase LOG NAME: the seconds of a migrate's phase, from its own progress
# lines ("read: 30108/30108 (100%), 5207/s, 5.8 s, done"); the first read is
# the source's (the second, the target's before the writes).
phase() {
    sed -n "s/^$2: [0-9]*\/[0-9]* ([0-9]*%), [0-9]*\/s, \([0-9.]*\) s.*/\1/p" "$1" |
        { if [[ $2 == read ]]; then head -n 1; else tail -n 1; fi; }
}

echo "-- migration ($total schemas in $subjects subjects, $(wc -c <"$avsc")-byte base schema;" \
    "registries on loopback; $(nproc) CPUs shared by the tool and both servers)"

"$py" "$here/gen_export.py" "$avsc" "$work/source.jsonl" --subjects "$subjects" \
    --versions "$versions"
floor=$("$py" "$client" sqlite-floor "$work" "$avsc" --seconds 2)

# 1. import alone
src=$(start "$work/source.db")
secs=$(timed "$work/import.log" "$avroreg" import "$work/source.jsonl" --registry "$src")
grep -q "^import: $total registered" "$work/import.log" || die "the import did not register all"
echo "import: $total schemas in $secs s ($(rate "$total" "$secs") schemas/s; DB on" \
    "$(fstype "$work"))" "| SQLite floor $floor durable commits/s (1 writer, WAL," \
    "synchronous=FULL, same disk)"

# 2. export alone
secs=$(timed "$work/export.log" "$avroreg" export --registry "$src" --output "$work/export.jsonl")
# the reference: curl fetching the listing pages the export reads, 8 at a time
pages=$(((total + 999) / 1000))
urls=()
for ((k = 0; k < pages; k++)); do
    urls+=("$src/schemas?deleted=true&offset=$((k * 1000))&limit=1000")
done
t0=$(date +%s.%N)
timeout 300 curl -sf --no-progress-meter -Z --parallel-max 8 "${urls[@]}" -o /dev/null \
    >/dev/null 2>&1 || die "curl failed"
curl_secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "export: $total schemas in $secs s ($(rate "$total" "$secs") schemas/s," \
    "$(($(wc -c <"$work/export.jsonl") / 1048576)) MB written)" \
    "| curl fetching the same $pages listing pages, 8 at a time: $curl_secs s"

# 3. migrate, the target on the disk
dst=$(start "$work/target.db")
secs=$(timed "$work/migrate.log" "$avroreg" migrate --from "$src" --to "$dst")
grep -q "verify: $total of $total ids and $subjects of $subjects subjects match" \
    "$work/migrate.log" || die "the migrate did not verify: $(tail -n 5 "$work/migrate.log")"
echo "migrate: $total schemas in $secs s ($(rate "$total" "$secs") schemas/s; read" \
    "$(phase "$work/migrate.log" read) s, write $(phase "$work/migrate.log" write) s," \
    "verify $(phase "$work/migrate.log" verify) s; target DB on $(fstype "$work"); target" \
    "< 60 s)" "| SQLite floor $floor durable commits/s: $(awk -v n="$total" -v f="$floor" \
        'BEGIN { printf "%.0f", n / f }') s for the writes alone"

# 4. migrate, the target on tmpfs
shm_free=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')
if [[ ${MIGRATION_BENCH_TMPFS:-1} != 0 && -n "$shm_free" && "$shm_free" -gt $((total * 8)) ]]; then
    shm=$(mktemp -d /dev/shm/avroreg-migration-bench.XXXXXX)
    fast=$(start "$shm/target.db")
    secs=$(timed "$work/migrate-shm.log" "$avroreg" migrate --from "$src" --to "$fast")
    grep -q "verify: $total of $total ids" "$work/migrate-shm.log" || die "the tmpfs migrate failed"
    echo "migrate, target DB on tmpfs: $total schemas in $secs s ($(rate "$total" "$secs")" \
        "schemas/s; read $(phase "$work/migrate-shm.log" read) s, write" \
        "$(phase "$work/migrate-shm.log" write) s, verify $(phase "$work/migrate-shm.log" verify)" \
        "s)" "| the same on the disk: see above (the difference is the fsync per registration)"
fi

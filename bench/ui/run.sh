#!/usr/bin/env bash
# bench/ui/run.sh - the web UI's benchmark of `make bench`: loads 10,000
# subjects and 100,000 schemas through the HTTP API (bench/server/client.py
# load: concurrent clients, each version a BACKWARD-compatible evolution of
# the one before), then measures the subjects page in Debian's chromium
# (bench/ui/bench_ui.mjs): time to the first rows, and filtering. Prints
# figures next to references measured in the same run; asserts nothing.
#
# Usage: bench/ui/run.sh [BIN_DIR]     (default: bin, from the repo root)
# Environment: UI_BENCH_SUBJECTS (10000), UI_BENCH_VERSIONS (10), UI_BENCH_RUNS
# (page loads, 5).
#
# Loopback only. The server it starts it stops; the database lives in one
# temporary directory (on /dev/shm when there is room: the load then costs
# no fsync per registration) that is removed at the end.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bindir=${1:-bin}
registry=$(realpath "$bindir/avro-registry" 2>/dev/null || echo "$bindir/avro-registry")
py=/usr/bin/python3
client=$root/bench/server/client.py
avsc=$root/bench/server/order.avsc
subjects=${UI_BENCH_SUBJECTS:-10000}
versions=${UI_BENCH_VERSIONS:-10}
runs=${UI_BENCH_RUNS:-5}

die() {
    echo "ui bench: $*" >&2
    [[ -s "${work:-}/registry.log" ]] && tail -n 10 "$work/registry.log" >&2
    exit 1
}

[[ -x "$registry" ]] || die "$registry is missing; run 'make' first"
[[ -x /usr/bin/chromium ]] || die "chromium is missing; run scripts/install-deps"
command -v node >/dev/null || die "node is missing"

total=$((subjects * versions))
base=${TMPDIR:-/tmp}
shm_free=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')
if [[ -n "$shm_free" && "$shm_free" -gt $((total * 5 + 262144)) ]]; then
    base=/dev/shm
fi
work=$(mktemp -d "$base/avroreg-ui-bench.XXXXXX")
reg_pid=""
job_pid=""

stop_pid() {
    local pid=$1 i
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    trap - EXIT INT TERM
    stop_pid "$job_pid"
    stop_pid "$reg_pid"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_waited OUT SECONDS CMD...: CMD bounded by SECONDS, in the background so
# that a signal reaches the trap at once.
run_waited() {
    local out=$1 limit=$2 rc=0
    shift 2
    timeout -k 5 "$limit" "$@" >"$out" &
    job_pid=$!
    wait "$job_pid" || rc=$?
    job_pid=""
    ((rc == 0)) || echo "ui bench: exit status $rc: $*" >&2
    return "$rc"
}

cp "$registry" "$work/avro-registry"
port=$("$py" "$client" port)
"$work/avro-registry" --listen 127.0.0.1 --port "$port" --db "$work/ui.db" --log-level warn \
    </dev/null >>"$work/registry.log" 2>&1 &
reg_pid=$!
"$py" "$client" wait-ok "$port" /health/ready 30 "$reg_pid" || die "avro-registry did not become ready"

run_waited "$work/load.out" 600 "$py" "$client" load "$port" "$avsc" \
    --subjects "$subjects" --versions "$versions" --clients 4 --deadline 500 || die "the load failed"
read -r loaded load_s load_errors <"$work/load.out"
echo "-- web UI: loaded $loaded schemas into $subjects subjects over HTTP in ${load_s} s" \
    "(4 clients, $load_errors errors, DB on $(stat -f -c %T "$work"))"
if ((loaded < total)); then
    echo "  note: the load stopped at $loaded of $total schemas (its deadline): the figures below are" \
        "for a smaller registry than intended; a busy machine is the usual cause"
fi

# the browser measures against the server as loaded, without the load's caches warm
stop_pid "$reg_pid"
"$work/avro-registry" --listen 127.0.0.1 --port "$port" --db "$work/ui.db" --log-level warn \
    </dev/null >>"$work/registry.log" 2>&1 &
reg_pid=$!
"$py" "$client" wait-ok "$port" /health/ready 30 "$reg_pid" || die "avro-registry did not restart"

run_waited "$work/ui.out" 600 node "$here/bench_ui.mjs" "http://127.0.0.1:$port" "$runs" ||
    die "the browser benchmark failed: $(tail -n 20 "$work/ui.out")"
cat "$work/ui.out"

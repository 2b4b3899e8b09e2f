#!/usr/bin/env bash
# bench/server/run.sh - the server benchmarks of `make bench` (scripts/run-bench
# runs it last). Prints each figure next to its reference, measured in this
# run; asserts nothing about time.
#
#   1. GET /schemas/ids/{id} under wrk, next to nginx serving the same bytes
#   2. re-registering an existing schema, next to the same nginx figure
#   3. 100,000 schemas in 10,000 subjects: resident memory and start-up time
#   4. registrations of new schemas at 1 and 16 clients, next to the SQLite floor
#
# Usage: bench/server/run.sh [BIN_DIR]     (default: bin, from the repo root)
# Environment: SERVER_BENCH_SECONDS (each wrk measurement, default 5; GET is
# the best of three rounds interleaved with nginx's, re-registration the best
# of two), SERVER_BENCH_SUBJECTS (10000), SERVER_BENCH_VERSIONS (10).
#
# Loopback only. Every server it starts it stops (trap on EXIT, INT, TERM),
# every step is bounded by a timeout, and every file lives in one temporary
# directory that is removed at the end.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=${1:-bin}
registry=$(realpath "$bindir/avro-registry" 2>/dev/null || echo "$bindir/avro-registry")
py=/usr/bin/python3
client=$here/client.py
avsc=$here/order.avsc
secs=${SERVER_BENCH_SECONDS:-5}
subjects=${SERVER_BENCH_SUBJECTS:-10000}
versions=${SERVER_BENCH_VERSIONS:-10}
loopback=127.0.0.1

die() {
    echo "server bench: $*" >&2
    if [[ -s "${work:-}/registry.log" ]]; then
        echo "server bench: the end of the servers' log:" >&2
        tail -n 10 "$work/registry.log" >&2
    fi
    exit 1
}

[[ -x "$registry" ]] || die "$registry is missing; run 'make' first"
command -v wrk >/dev/null || die "wrk is missing; run scripts/install-deps --bench"
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x "$nginx" ]] || die "nginx is missing; run scripts/install-deps --bench"
command -v timeout >/dev/null || die "timeout (coreutils) is missing"

work=$(mktemp -d "${TMPDIR:-/tmp}/avroreg-server-bench.XXXXXX")
shm=""      # the load's database directory, when it is on tmpfs
reg_pid=""  # our server, while one runs
ng_pid=""   # nginx's master process, while it runs
job_pid=""  # a long helper run_waited waits for

# Stops one of our children: SIGTERM, then SIGKILL after 15 s.
stop_pid() {
    local pid=$1 i
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        # A child that has exited stays a zombie until waited for.
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
    stop_pid "$ng_pid"
    # The server client.py footprint starts: client.py stops it itself; this
    # covers the script being killed meanwhile. Only a process whose command
    # line names our temporary directory is ours.
    local pid
    if [[ -f "$work/footprint.pid" ]]; then
        pid=$(cat "$work/footprint.pid")
        if [[ -n "$pid" ]] && grep -qF "$work" "/proc/$pid/cmdline" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            sleep 1
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$work" ${shm:+"$shm"}
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One copy of the binary for the whole run, safe from a rebuild meanwhile.
cp "$registry" "$work/avro-registry"
registry=$work/avro-registry

pyc() {
    "$py" "$client" "$@"
}

# run_waited OUT SECONDS CMD...: runs CMD (bounded by SECONDS) with its output
# in OUT. In the background, so that a signal reaches the trap at once rather
# than when CMD ends (timeout passes the signal on to CMD).
run_waited() {
    local out=$1 limit=$2 rc=0
    shift 2
    timeout -k 5 "$limit" "$@" >"$out" &
    job_pid=$!
    wait "$job_pid" || rc=$?
    job_pid=""
    if ((rc == 124)); then
        echo "server bench: timed out after ${limit} s: $*" >&2
    elif ((rc != 0)); then
        echo "server bench: exit status $rc: $*" >&2
    fi
    return "$rc"
}

# start_registry DB LOG: our server on a free loopback port; sets reg_pid
# and reg_port. Retries with another port if one was taken meanwhile.
start_registry() {
    local db=$1 log=$2
    for _ in 1 2 3; do
        reg_port=$(pyc port)
        "$registry" --listen "$loopback" --port "$reg_port" --db "$db" --log-level warn \
            </dev/null >>"$log" 2>&1 &
        reg_pid=$!
        if pyc wait-ok "$reg_port" /health/ready 30 "$reg_pid"; then
            return 0
        fi
        stop_pid "$reg_pid"
        reg_pid=""
    done
    tail -n 20 "$log" >&2
    die "avro-registry did not become ready"
}

stop_registry() {
    stop_pid "$reg_pid"
    reg_pid=""
}

# start_nginx DOCROOT CONTENT_TYPE PATH: nginx (worker_processes auto,
# access_log off) serving DOCROOT on a free loopback port, every file with
# CONTENT_TYPE; ready once PATH answers 200. Sets ng_pid and ng_port.
start_nginx() {
    local docroot=$1 ctype=$2 path=$3 dir=$work/nginx
    mkdir -p "$dir/tmp"
    # Workers may run as another user (root's nginx switches to nobody):
    # they need to reach the document root.
    chmod 0711 "$work"
    chmod -R a+rX "$dir" "$docroot"
    for _ in 1 2 3; do
        ng_port=$(pyc port)
        cat >"$dir/nginx.conf" <<EOF
# Generated by bench/server/run.sh.
worker_processes auto;
daemon off;
pid $dir/nginx.pid;
lock_file $dir/nginx.lock;
error_log $dir/error.log warn;
events {
    worker_connections 1024;
}
http {
    access_log off;
    # Tuned as a production static server would be, so that the reference
    # is not handicapped: no open()/close() per request, no reconnections.
    sendfile on;
    tcp_nopush on;
    open_file_cache max=64;
    open_file_cache_valid 60s;
    keepalive_requests 1000000;
    types {}
    default_type "$ctype";
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen $loopback:$ng_port;
        root $docroot;
    }
}
EOF
        "$nginx" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
            </dev/null >>"$dir/stderr.log" 2>&1 &
        ng_pid=$!
        if pyc wait-ok "$ng_port" "$path" 15 "$ng_pid"; then
            return 0
        fi
        stop_pid "$ng_pid"
        ng_pid=""
    done
    tail -n 20 "$dir/error.log" "$dir/stderr.log" >&2 || true
    die "nginx did not start"
}

# wrk_rps LABEL WRK_ARGS...: runs wrk (bounded) and prints its requests/s.
# Errors (non-2xx answers, socket errors) go to $work/notes, printed at the end.
wrk_rps() {
    local label=$1 out
    shift
    out=$work/wrk.out
    if ! timeout -k 5 $((secs + 60)) wrk --timeout 10s -d "${secs}s" "$@" >"$out" 2>&1; then
        cat "$out" >&2
        die "wrk failed ($label)"
    fi
    local rps bad sock
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    sock=$(sed -n 's/^ *Socket errors: *//p' "$out")
    if [[ -n "$bad" || -n "$sock" ]]; then
        echo "  note: $label: ${bad:+$bad answers not 2xx}${bad:+${sock:+; }}${sock:+socket errors: $sock}" \
            >>"$work/notes"
    fi
    [[ -n "$rps" ]] || die "no Requests/sec from wrk ($label)"
    echo "$rps"
}

max() {
    awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'
}

# pct A B: A as a whole percentage of B.
pct() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }'
}

fstype() {
    stat -f -c %T "$1" 2>/dev/null || echo "?"
}

echo "-- server (loopback; wrk -t2 -c64, best of 3 (GET) or 2 (POST) interleaved ${secs}s runs;" \
    "$(nproc) CPUs shared by client and server)"

# ---- 1 and 2: one realistic schema; GET by id vs nginx; re-registration -----

pyc prepare "$avsc" "$work"
start_registry "$work/small.db" "$work/registry.log"
subject=orders-value
answer=$(pyc post "http://$loopback:$reg_port/subjects/$subject/versions" "$work/register.json") ||
    die "registering $avsc failed: $answer"
id=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' <<<"$answer")
[[ -n "$id" ]] || die "no id in $answer"
get_path=/schemas/ids/$id
mkdir -p "$work/www/schemas/ids"
ctype=$(pyc fetch "http://$loopback:$reg_port$get_path" "$work/www$get_path")
start_nginx "$work/www" "$ctype" "$get_path"
pyc fetch "http://$loopback:$ng_port$get_path" "$work/nginx-body" >"$work/nginx-ctype"
cmp -s "$work/www$get_path" "$work/nginx-body" || die "nginx does not serve the same bytes"
[[ "$(cat "$work/nginx-ctype")" == "$ctype" ]] || die "nginx answers another Content-Type"

ours_get=0
ng_get=0
for url in "http://$loopback:$reg_port$get_path" "http://$loopback:$ng_port$get_path"; do
    timeout -k 5 30 wrk -t2 -c64 -d1s "$url" >/dev/null 2>&1 || true # warm-up
done
for _ in 1 2 3; do
    r=$(wrk_rps "GET $get_path (avro-registry)" -t2 -c64 "http://$loopback:$reg_port$get_path")
    ours_get=$(max "$ours_get" "$r")
    r=$(wrk_rps "GET $get_path (nginx)" -t2 -c64 "http://$loopback:$ng_port$get_path")
    ng_get=$(max "$ng_get" "$r")
done
# One client at a time: the loopback round trip that bounds any server's
# one-client rate on this machine (wake-ups included), kept for section 4.
ng_get1=0
for _ in 1 2; do
    r=$(wrk_rps "GET $get_path (nginx, 1 client)" -t1 -c1 "http://$loopback:$ng_port$get_path")
    ng_get1=$(max "$ng_get1" "$r")
done
stop_pid "$ng_pid"
ng_pid=""
echo "GET $get_path ($(wc -c <"$work/www$get_path")-byte body): avro-registry $ours_get req/s" \
    "| nginx $ng_get req/s ($(pct "$ours_get" "$ng_get")% of nginx; target >= 80%)"

post_url=http://$loopback:$reg_port/subjects/$subject/versions
ours_post=0
for _ in 1 2; do
    r=$(wrk_rps "re-register" -t2 -c64 -s "$here/post.lua" "$post_url" -- "$work/register.json")
    ours_post=$(max "$ours_post" "$r")
done
echo "POST /subjects/$subject/versions (re-register, same body): avro-registry $ours_post req/s" \
    "| nginx GET $ng_get req/s ($(pct "$ours_post" "$ng_get")% of nginx; target >= 50%)"

# ---- 4: new schemas, each under a subject of its own -----------------------------

# The disk's sync rate drifts on a shared machine: the floor is the best of
# one measurement before and one after.
floor=$(pyc sqlite-floor "$work" "$avsc" --seconds 2)
new1=$(wrk_rps "new schemas, 1 client" -t1 -c1 -s "$here/new_schemas.lua" \
    "http://$loopback:$reg_port" -- "$work/new_template.json" a)
new16=$(wrk_rps "new schemas, 16 clients" -t2 -c16 -s "$here/new_schemas.lua" \
    "http://$loopback:$reg_port" -- "$work/new_template.json" b)
floor=$(max "$floor" "$(pyc sqlite-floor "$work" "$avsc" --seconds 2)")
echo "new schemas (POST, each a new subject; DB on $(fstype "$work")):" \
    "avro-registry $new1 reg/s at 1 client, $new16 reg/s at 16 clients" \
    "| SQLite floor $floor commits/s (1 writer, WAL, synchronous=FULL, best of 2)"
# One client waits for each answer, so each registration costs at least a
# round trip and a commit: nginx's one-client round trip (a static file, no
# work) plus the floor's own commit bounds the one-client rate from above.
ceiling1=$(awk -v n="$ng_get1" -v f="$floor" 'BEGIN { printf "%.0f", 1 / (1 / n + 1 / f) }')
echo "new schemas at 1 client: $(pct "$new1" "$floor")% of the floor (target >= 80%);" \
    "at 16 clients: $(pct "$new16" "$floor")% (target >= 200%) | one-client ceiling" \
    "$ceiling1 reg/s ($(pct "$ceiling1" "$floor")% of the floor): nginx GET at 1 client" \
    "$ng_get1 req/s ($(awk -v n="$ng_get1" 'BEGIN { printf "%.0f", 1e6 / n }') µs a round trip)" \
    "plus one floor commit ($(awk -v f="$floor" 'BEGIN { printf "%.0f", 1e6 / f }') µs)"
stop_registry

# ---- 3: 100,000 schemas in 10,000 subjects -----------------------------------
# Loaded through the HTTP API by concurrent clients, BACKWARD compatibility
# on, each version a compatible evolution of the one before. A durable
# commit per registration would make this take many minutes on most disks,
# so when /dev/shm has room the load's database lives there (same server,
# same SQL, no fsync cost), then moves to the disk for the measurements.

total=$((subjects * versions))
load_dir=$work
shm_free=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')
if [[ -n "$shm_free" && "$shm_free" -gt $((total * 5 + 262144)) ]]; then
    shm=$(mktemp -d /dev/shm/avroreg-server-bench.XXXXXX)
    load_dir=$shm
fi
load_fs=$(fstype "$load_dir")
start_registry "$load_dir/big.db" "$work/registry.log"
run_waited "$work/load.out" 400 "$py" "$client" load "$reg_port" "$avsc" \
    --subjects "$subjects" --versions "$versions" --clients 4 --deadline 300 ||
    die "the load failed"
read -r loaded load_s load_errors <"$work/load.out"
load_rss=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$reg_pid/status")
stop_registry
if [[ -n "$shm" ]]; then
    mv "$shm"/big.db* "$work/"
    rm -rf "$shm"
    shm=""
fi
[[ "$load_errors" == 0 ]] || echo "  note: $load_errors registrations of the load failed" >>"$work/notes"
echo "load: $loaded schemas into $subjects subjects over HTTP in ${load_s} s" \
    "($(awk -v n="$loaded" -v s="$load_s" 'BEGIN { printf "%.0f", n / s }') reg/s, 4 clients," \
    "BACKWARD, DB on $load_fs, then moved to $(fstype "$work"))"
[[ "$loaded" -gt 0 ]] || die "nothing was loaded"

run_waited "$work/footprint.out" 300 "$py" "$client" footprint "$registry" "$work/big.db" \
    --max-id "$loaded" --versions "$versions" --runs 3 --warm-reads 10000 \
    --pidfile "$work/footprint.pid" --log "$work/registry.log" || die "footprint failed"
read -r up_med up_min rss_ready rss_warm rss_all hwm bad <"$work/footprint.out"
run_waited "$work/footprint.out" 120 "$py" "$client" footprint "$registry" "$work/empty.db" \
    --max-id 0 --runs 3 --pidfile "$work/footprint.pid" --log "$work/registry.log" ||
    die "footprint failed"
read -r e_med _ e_ready _ <"$work/footprint.out"
[[ "$bad" == 0 ]] || echo "  note: $bad of the footprint's reads did not answer 200" >>"$work/notes"
echo "start-up to ready with $loaded schemas: ${up_med} ms (median of 3, min ${up_min};" \
    "target < 1000 ms) | empty database ${e_med} ms"
echo "VmRSS with $loaded schemas after 10,000 warm-up reads: $rss_warm MB (target < 100 MB)" \
    "| empty database $e_ready MB at ready"
echo "VmRSS with $loaded schemas: $rss_ready MB at ready, $rss_all MB after reading every id" \
    "once (VmHWM $hwm) | the server that loaded them: $load_rss MB"

if [[ -s "$work/notes" ]]; then
    cat "$work/notes"
fi

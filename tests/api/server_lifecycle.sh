#!/usr/bin/env bash
# server_lifecycle.sh - the avro-registry program itself (server/main.c,
# server/config.c): usage errors exit 2, --help exits 0, the data directory is
# created, --port 0 picks a free port, a busy port exits 1, and SIGTERM shuts
# down gracefully: new clients are refused while an in-flight request still
# gets its answer, then the process exits 0. A second signal cuts the wait.
#
# Prints TAP-style lines (ok - / not ok -). Needs only bash (/dev/tcp).
set -uo pipefail
BIN=${AVRO_REGISTRY_BIN:-bin/avro-registry}
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
failures=0

check() { # name, command...
    local name=$1
    shift
    if "$@"; then
        echo "ok - $name"
    else
        echo "not ok - $name"
        failures=$((failures + 1))
    fi
}

# Starts the server with extra args; sets pid and port (read from its log).
start() { # log, args...
    local log=$1
    shift
    "$BIN" --listen 127.0.0.1 --port 0 "$@" >"$log" 2>&1 &
    pid=$!
    pids+=("$pid")
    port=""
    for _ in $(seq 1 200); do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
        [[ -n "$port" ]] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# One request on a new connection; prints the raw response.
http() { # method, path
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf '%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' "$1" "$2" >&3
    timeout 5 cat <&3
    exec 3>&-
}

# Waits up to $2 seconds for pid $1 to exit; sets status.
wait_exit() {
    for _ in $(seq 1 $(($2 * 20))); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1"
            status=$?
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# ---- usage --------------------------------------------------------------------
"$BIN" --help >"$tmp/help" 2>&1
check "--help exits 0" test $? -eq 0
check "--help lists the flags" grep -q -- "--max-body-bytes" "$tmp/help"
"$BIN" --port 99999 >"$tmp/out" 2>&1
check "a bad port exits 2" test $? -eq 2
check "a bad port is named" grep -q -- "--port: '99999'" "$tmp/out"
"$BIN" --bogus >"$tmp/out" 2>&1
check "an unknown flag exits 2" test $? -eq 2
AVRO_REGISTRY_LOG_LEVEL=loud "$BIN" >"$tmp/out" 2>&1
check "a bad environment value exits 2" test $? -eq 2
check "a bad environment value is named" grep -q AVRO_REGISTRY_LOG_LEVEL "$tmp/out"

# ---- start, serve, refuse a busy port ---------------------------------------------
db="$tmp/nested/dir/registry.db"
check "starts on a free port" start "$tmp/log1" --db "$db" --threads 2
server=$pid
check "creates the database directory" test -f "$db"
resp=$(http GET /health/ready)
check "ready once listening" grep -q '{"status":"UP"}' <<<"$resp"
"$BIN" --listen 127.0.0.1 --port "$port" --db "$tmp/other.db" >"$tmp/busy" 2>&1
check "a busy port exits 1" test $? -eq 1
check "a busy port is reported" grep -q "cannot start the HTTP server" "$tmp/busy"
"$BIN" --listen 127.0.0.1 --port 0 --db "$db" >"$tmp/owned" 2>&1
check "a second server on the same database exits 1" test $? -eq 1
check "...naming the process that owns it" grep -q "in use by another process (pid $server)" \
    "$tmp/owned"
resp=$(http GET /health/ready)
check "...and the owner keeps serving" grep -q '{"status":"UP"}' <<<"$resp"

# ---- graceful shutdown -----------------------------------------------------------
# An upload in progress is in flight: SIGTERM must wait for it.
exec 4<>"/dev/tcp/127.0.0.1/$port"
printf 'POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{' >&4
sleep 0.3
kill -TERM "$server"
sleep 0.5
check "waits for the in-flight request" kill -0 "$server"
check "refuses new clients while draining" bash -c "! exec 5<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
printf '}' >&4
resp=$(timeout 5 cat <&4)
exec 4>&-
check "answers the in-flight request" test "${resp: -6}" = $'\r\n\r\n{}'
check "tells it to close" grep -qi '^Connection: close' <<<"$resp"
check "exits after draining" wait_exit "$server" 5
check "exit status 0" test "${status:-1}" -eq 0
check "logs the shutdown" grep -q "SIGTERM received: shutting down" "$tmp/log1"
check "logs the end" grep -q "stopped" "$tmp/log1"

# Anyone who can reach a non-loopback port without authentication may write:
# the server says so at start (server/edge.c); on loopback it does not.
check "on loopback without authentication: no warning" \
    bash -c "! grep -q 'with no authentication' '$tmp/log1'"
"$BIN" --listen 0.0.0.0 --port 0 --db "$tmp/open.db" >"$tmp/log-open" 2>&1 &
open_pid=$!
pids+=("$open_pid")
for _ in $(seq 1 100); do
    grep -q 'listening on' "$tmp/log-open" && break
    sleep 0.05
done
check "on 0.0.0.0 without authentication: a warning at start" \
    grep -q 'WARN listening on 0.0.0.0 with no authentication' "$tmp/log-open"
kill -TERM "$open_pid"
wait_exit "$open_pid" 5

# A second signal does not wait the full 10 s.
check "restarts on the same database" start "$tmp/log2" --db "$db"
server=$pid
exec 4<>"/dev/tcp/127.0.0.1/$port"
printf 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{' >&4
sleep 0.3
kill -TERM "$server"
sleep 0.3
kill -INT "$server"
check "a second signal stops at once" wait_exit "$server" 3
check "exit status 0 after a second signal" test "${status:-1}" -eq 0
exec 4>&-

exit $((failures > 0))

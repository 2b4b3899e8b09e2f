#!/usr/bin/env bash
# bench/security/run.sh - what security costs, in `make bench` (scripts/run-bench
# runs it). Prints figures next to their reference from the same run; asserts
# nothing about time.
#
#   1. GET /schemas/ids/{id} under wrk (keep-alive, -t2 -c64) over TLS with
#      Basic auth (an argon2id user, remembered after the first request) and
#      the per-subject check, next to the same server with neither, and with
#      auth but no TLS; best of 3 interleaved runs each. Beside requests per
#      second, the server's own CPU time per request (from /proc, over all
#      runs): client and server share the machine's cores, so requests per
#      second also carry the client's TLS work, while CPU per request is what
#      the server spends. All run with --rate-limit 0 so that the limiter
#      does not cap what is measured.
#   2. The first authentication of a user with the recommended hash
#      (argon2id) over HTTPS, next to the same request once the credential is
#      remembered; and one verification per algorithm (bench_pwhash).
#
# Usage: bench/security/run.sh [BIN_DIR] [BENCH_DIR]  (defaults: bin, build/release/bench)
# Environment: SECURITY_BENCH_SECONDS (each wrk run, default 5).
set -euo pipefail

bindir=${1:-bin}
benchdir=${2:-build/release/bench}
secs=${SECURITY_BENCH_SECONDS:-5}
py=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/avroreg-security-bench.XXXXXX")
pids=()

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
    echo "security bench: $*" >&2
    tail -n 5 "$work"/*.log >&2 2>/dev/null || true
    exit 1
}

for b in "$bindir/avro-registry" "$bindir/avroreg" "$benchdir/bench_pwhash"; do
    [[ -x "$b" ]] || die "$b is missing; run 'make' and 'make bench-bins' first"
done
command -v wrk >/dev/null || die "wrk is missing; run scripts/install-deps --bench"

# ---- certificates and users -------------------------------------------------------
ssl() { openssl "$@" >/dev/null 2>&1 || die "openssl $*"; }
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
ssl req -x509 "${ec[@]}" -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 -subj "/CN=bench CA"
ssl req "${ec[@]}" -keyout "$work/server.key" -out "$work/server.csr" -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$work/server.ext"
ssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -out "$work/server.pem" -days 1 -extfile "$work/server.ext"
users=10
{
    printf '{"users": ['
    for i in $(seq 0 "$users"); do
        ((i > 0)) && printf ','
        echo "pw$i" | "$bindir/avroreg" passwd "user$i" || die "avroreg passwd failed"
    done
    printf '], "permissions": [{"username": "user0", "operation": "Write", "resource": ".*"}'
    for i in $(seq 1 "$users"); do
        printf ', {"username": "user%d", "operation": "Read", "resource": "Subject:orders-.*"}' "$i"
    done
    printf ']}\n'
} >"$work/auth.json"

port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start NAME ARGS...: a server on a free port; sets port_NAME and pid_NAME.
start() {
    local name=$1 p
    shift
    p=$(port)
    "$bindir/avro-registry" --listen 127.0.0.1 --port "$p" --db "$work/$name.db" --log-level warn \
        --rate-limit 0 "$@" </dev/null >>"$work/$name.log" 2>&1 &
    pids+=($!)
    printf -v "port_$name" '%s' "$p"
    printf -v "pid_$name" '%s' "$!"
}

start plain
start auth --auth-file "$work/auth.json"
start secure --tls-cert "$work/server.pem" --tls-key "$work/server.key" --auth-file "$work/auth.json"
schema='{"schema":"{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"bench\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"note\",\"type\":\"string\"}]}"}'
ct='Content-Type: application/vnd.schemaregistry.v1+json'
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port_plain/health/ready" >/dev/null &&
        curl -sf "http://127.0.0.1:$port_auth/health/ready" >/dev/null &&
        curl -sf --cacert "$work/ca.pem" "https://127.0.0.1:$port_secure/health/ready" >/dev/null &&
        break
    sleep 0.1
done
curl -sf -X POST -H "$ct" --data "$schema" "http://127.0.0.1:$port_plain/subjects/orders-value/versions" \
    >/dev/null || die "registering on the plain server failed"
curl -sf -X POST -H "$ct" --data "$schema" -u user0:pw0 "http://127.0.0.1:$port_auth/subjects/orders-value/versions" \
    >/dev/null || die "registering on the auth server failed"
curl -sf -X POST -H "$ct" --data "$schema" -u user0:pw0 --cacert "$work/ca.pem" \
    "https://127.0.0.1:$port_secure/subjects/orders-value/versions" >/dev/null ||
    die "registering on the TLS server failed"
auth="Authorization: Basic $(printf 'user1:pw1' | base64)"
# The same schema, as each server registered it (its registration time aside).
without_ts() { sed 's/"ts":[0-9]*,\{0,1\}//'; }
[[ "$(curl -s --cacert "$work/ca.pem" -H "$auth" "https://127.0.0.1:$port_secure/schemas/ids/1" |
    without_ts)" == "$(curl -s "http://127.0.0.1:$port_plain/schemas/ids/1" | without_ts)" ]] ||
    die "the two servers answer differently"

# The CPU time (user + system, clock ticks) process pid has used.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure NAME ARGS...: one wrk run against server NAME; keeps the best
# requests/s in rps_NAME and adds to reqs_NAME and ticks_NAME (the server's
# CPU). A run with errors is reported.
measure() {
    local name=$1 out=$work/wrk.out pid rps n t0 t1 var
    shift
    var=pid_$name
    pid=${!var}
    t0=$(cpu_ticks "$pid")
    timeout -k 5 $((secs + 60)) wrk --timeout 10s -t2 -c64 -d "${secs}s" "$@" >"$out" 2>&1 ||
        { cat "$out" >&2; die "wrk failed"; }
    t1=$(cpu_ticks "$pid")
    if grep -q 'Non-2xx\|Socket errors' "$out"; then
        echo "  note: $(grep 'Non-2xx\|Socket errors' "$out" | tr -s ' ') ($name)" >>"$work/notes"
    fi
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
    n=$(awk '/requests in/ {print $1}' "$out")
    [[ -n "$rps" && -n "$n" ]] || die "no Requests/sec from wrk"
    var=rps_$name
    printf -v "$var" '%s' "$(awk -v a="${!var:-0}" -v b="$rps" 'BEGIN { print (a + 0 > b + 0) ? a : b }')"
    var=reqs_$name
    printf -v "$var" '%s' $((${!var:-0} + n))
    var=ticks_$name
    printf -v "$var" '%s' $((${!var:-0} + t1 - t0))
}

# us_per_request NAME: the server's CPU microseconds per request over its runs.
us_per_request() {
    local r=reqs_$1 t=ticks_$1
    awk -v n="${!r}" -v t="${!t}" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 100 * a / b }'; }

plain_url="http://127.0.0.1:$port_plain/schemas/ids/1"
auth_url="http://127.0.0.1:$port_auth/schemas/ids/1"
secure_url="https://127.0.0.1:$port_secure/schemas/ids/1"
wrk -t2 -c64 -d1s "$plain_url" >/dev/null 2>&1 || true # warm-up
wrk -t2 -c64 -d1s -H "$auth" "$auth_url" >/dev/null 2>&1 || true
wrk -t2 -c64 -d1s -H "$auth" "$secure_url" >/dev/null 2>&1 || true
for _ in 1 2 3; do
    measure plain "$plain_url"
    measure auth -H "$auth" "$auth_url"
    measure secure -H "$auth" "$secure_url"
done
echo "-- security (loopback; wrk -t2 -c64 keep-alive, best of 3 interleaved ${secs}s runs; $(nproc) CPUs shared by client and server; server CPU per request over all runs)"
echo "GET /schemas/ids/1 over TLS 1.3 + Basic auth + per-subject check: $rps_secure req/s," \
    "$(us_per_request secure) us CPU/req | same server, plain HTTP, no auth: $rps_plain req/s," \
    "$(us_per_request plain) us CPU/req ($(pct "$rps_secure" "$rps_plain")% of its req/s; target >= 70%)"
echo "GET /schemas/ids/1 with Basic auth + per-subject check, no TLS: $rps_auth req/s," \
    "$(us_per_request auth) us CPU/req | plain: $rps_plain req/s ($(pct "$rps_auth" "$rps_plain")%)"

# ---- the first authentication ---------------------------------------------------------
"$py" - "$port_secure" "$work/ca.pem" "$users" <<'EOF'
import base64, http.client, ssl, statistics, sys, time
port, ca, users = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)

def once(i):
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
    conn.connect()  # the TLS handshake is not what is measured
    hdr = {"Authorization": "Basic " + base64.b64encode(f"user{i}:pw{i}".encode()).decode()}
    t0 = time.perf_counter()
    conn.request("GET", "/schemas/ids/1", headers=hdr)
    r = conn.getresponse()
    r.read()
    t = (time.perf_counter() - t0) * 1000
    conn.close()
    assert r.status == 200, r.status
    return t

first, again = [], []
for i in range(2, users + 1):  # user1 is remembered already (wrk used it)
    first.append(once(i))
    again.append(once(i))
print(f"first request of a user (argon2id verified, then remembered for 120 s): "
      f"{statistics.median(first):.1f} ms median of {len(first)} users | the same user's next "
      f"request: {statistics.median(again):.2f} ms")
EOF
"$benchdir/bench_pwhash"
if [[ -s "$work/notes" ]]; then
    cat "$work/notes"
fi

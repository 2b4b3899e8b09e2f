#!/usr/bin/env bash
# bench/server/pg.sh - the PostgreSQL backend next to the SQLite server, all
# measured in this run (scripts/run-bench runs it after bench/server/run.sh):
#
#   GET /schemas/ids/{id}     req/s, wrk -c64; the cached path touches no database
#                             (SQLite and one PG node side by side, runs interleaved)
#   re-registration           req/s of POSTing a registered schema again
#   new schemas               registrations/s, each a new subject, at 1 and 16 clients
# for: the SQLite server, one node on PostgreSQL, three nodes on one
# PostgreSQL database (three wrk at once, one per node, their req/s summed;
# 16 clients spread 6/5/5). Then how soon a write on one node reaches another
# node's caches (bench/server/pg_delay.py).
#
# PostgreSQL 15 from Debian, started for the run in a temporary directory with
# its durable defaults (fsync on, synchronous commit: PGSERVER_DURABLE), as
# SQLite runs with synchronous=FULL. Everything on loopback; the machine's
# cores are shared by wrk, the nodes and PostgreSQL.
#
# Usage: bench/server/pg.sh [BIN_DIR]   (default bin, from the repo root)
# Environment: SERVER_BENCH_SECONDS (each wrk run, default 5).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bindir=${1:-bin}
registry=$(realpath "$bindir/avro-registry")
py=/usr/bin/python3
secs=${SERVER_BENCH_SECONDS:-5}
loopback=127.0.0.1

die() {
    echo "pg bench: $*" >&2
    exit 1
}
[[ -x "$registry" ]] || die "$registry is missing; run 'make' first"
command -v wrk >/dev/null || die "wrk is missing; run scripts/install-deps --bench"

work=$(mktemp -d "${TMPDIR:-/tmp}/avroreg-pg-bench.XXXXXX")
chmod 0711 "$work" # PostgreSQL runs as another user when we are root
pids=()
cleanup() {
    trap - EXIT INT TERM
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    "$root/tests/pg/pgserver" stop "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cp "$registry" "$work/avro-registry"
registry=$work/avro-registry
pyc() { "$py" "$here/client.py" "$@"; }

# start_node DB: one server on a free port; appends to pids, sets port.
start_node() {
    local db=$1
    for _ in 1 2 3; do
        port=$(pyc port)
        # No rate limit: wrk's 64 connections come from one address.
        "$registry" --listen "$loopback" --port "$port" --db "$db" --log-level warn \
            --rate-limit 0 </dev/null >>"$work/nodes.log" 2>&1 &
        local pid=$!
        if pyc wait-ok "$port" /health/ready 30 "$pid"; then
            pids+=("$pid")
            return 0
        fi
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    tail -20 "$work/nodes.log" >&2
    die "a node did not become ready on $db"
}

stop_nodes() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
}

# rps FILE: wrk's requests/s in FILE; notes non-2xx answers.
rps() {
    local bad
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$1")
    [[ -z "$bad" ]] || echo "  note: $(basename "$1"): $bad answers not 2xx" >>"$work/notes"
    awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1"
}

# wrk_all NAME KIND ARG TAG: one wrk per node in ports, all at once, node i
# with conns[i] connections; prints the summed req/s. KIND get: GET path ARG;
# post: POST the body file ARG (re-registration); new: new schemas from the
# template ARG, tagged TAG.
wrk_all() {
    local name=$1 kind=$2 arg=$3 tag=$4
    local i=0 wpids=() sum=0
    for p in "${ports[@]}"; do
        local c=${conns[$i]}
        local out=$work/wrk-$name-$i.out
        case $kind in
        get) wrk -t1 -c"$c" -d"${secs}s" --timeout 10s "http://$loopback:$p$arg" >"$out" 2>&1 & ;;
        post) wrk -t1 -c"$c" -d"${secs}s" --timeout 10s -s "$here/post.lua" \
            "http://$loopback:$p/subjects/orders-value/versions" -- "$arg" >"$out" 2>&1 & ;;
        new) wrk -t1 -c"$c" -d"${secs}s" --timeout 10s -s "$here/new_schemas.lua" \
            "http://$loopback:$p" -- "$arg" "$tag$i" >"$out" 2>&1 & ;;
        esac
        wpids+=($!)
        i=$((i + 1))
    done
    for w in "${wpids[@]}"; do wait "$w" || die "wrk failed ($name)"; done
    for ((i = 0; i < ${#ports[@]}; i++)); do
        sum=$((sum + $(rps "$work/wrk-$name-$i.out")))
    done
    echo "$sum"
}

max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }'; }

# prepare LABEL: registers the benchmark's schema on the nodes in ports and
# warms every node's caches with it; sets id.
prepare() {
    local label=$1 answer
    answer=$(pyc post "http://$loopback:${ports[0]}/subjects/orders-value/versions" \
        "$work/register.json") || die "registering failed on $label: $answer"
    id=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' <<<"$answer")
    for p in "${ports[@]}"; do
        timeout 30 wrk -t1 -c4 -d1s "http://$loopback:$p/schemas/ids/$id" >/dev/null 2>&1 || true
    done
}

# get TAG: GET /schemas/ids/$id on the nodes in ports (64 connections in
# all); prints req/s.
get() {
    if [[ ${#ports[@]} -eq 1 ]]; then conns=(64); else conns=(22 21 21); fi
    wrk_all "get-$1" get "/schemas/ids/$id" x
}

# writes TAG: re-registration, new schemas at 1 client (one per node) and at
# 16, on the nodes in ports; sets post_rps, new_few, new16.
writes() {
    local tag=$1 n=${#ports[@]}
    if [[ $n -eq 1 ]]; then conns=(64); else conns=(22 21 21); fi
    post_rps=$(wrk_all "post-$tag" post "$work/register.json" x)
    if [[ $n -eq 1 ]]; then conns=(1); else conns=(1 1 1); fi
    new_few=$(wrk_all "new1-$tag" new "$work/new_template.json" "${tag}a")
    if [[ $n -eq 1 ]]; then conns=(16); else conns=(6 5 5); fi
    new16=$(wrk_all "new16-$tag" new "$work/new_template.json" "${tag}b")
}

pyc prepare "$here/order.avsc" "$work"
echo "-- PostgreSQL backend (loopback; wrk -c64 for GET and re-registration; GET on SQLite and" \
    "one PG node: best of 3 interleaved ${secs}s runs; 3 nodes: one wrk per node at once," \
    "summed; $(nproc) CPUs shared by all)"

# ---- the SQLite server and one PostgreSQL node, side by side ----------------------------
PGSERVER_DURABLE=1 "$root/tests/pg/pgserver" start "$work/pg" >/dev/null
pg_version=$(psql -X -A -t "$(cat "$work/pg/url")" -c "SHOW server_version" | cut -d' ' -f1)
db1=$("$root/tests/pg/pgserver" createdb "$work/pg" bench1)
start_node "$work/sqlite.db"
sq_port=$port
start_node "$db1"
p1_port=$port
ports=("$sq_port") && prepare SQLite && sq_id=$id
ports=("$p1_port") && prepare "1 PostgreSQL node" && p1_id=$id
# By-id reads alternate between the two, so that a change in the machine's
# load (its cores are shared) weighs on both alike.
sq_get=0 p1_get=0
for round in 1 2 3; do
    ports=("$sq_port") id=$sq_id
    sq_get=$(max "$sq_get" "$(get "sq$round")")
    ports=("$p1_port") id=$p1_id
    p1_get=$(max "$p1_get" "$(get "p1$round")")
done
ports=("$sq_port")
writes sq
sq_post=$post_rps sq_new1=$new_few sq_new16=$new16
ports=("$p1_port")
writes p1
p1_post=$post_rps p1_new1=$new_few p1_new16=$new16
stop_nodes

# ---- PostgreSQL's own floor -------------------------------------------------------------
# What one writer gets from this PostgreSQL: pgbench, one client, one
# transaction per schema, shaped as the SQLite floor's (a schema row found by
# hash, the id counter, a schema row of about the bench schema's size, a
# version row keyed by subject). Best of one run before the nodes' and one after.
pg_floor() {
    local db=$1 out
    out=$(timeout -k 5 60 "$pgbench" -n -c1 -j1 -T 2 -f "$work/floor.sql" "$db" 2>&1) ||
        die "pgbench failed: $(tail -n 3 <<<"$out")"
    awk '/^tps = / {printf "%.0f", $3}' <<<"$out"
}
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -n 1)
[[ -x "$pgbench" ]] || die "pgbench is missing (Debian's postgresql package has it)"
dbf=$("$root/tests/pg/pgserver" createdb "$work/pg" floor)
psql -X -q -v ON_ERROR_STOP=1 "$dbf" >/dev/null <<'SQL'
CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta VALUES ('max_id', 0);
CREATE TABLE schemas (id BIGSERIAL PRIMARY KEY, hash BIGINT NOT NULL, schema TEXT NOT NULL);
CREATE INDEX schemas_by_hash ON schemas (hash);
CREATE TABLE versions (subject TEXT NOT NULL, version INT NOT NULL, schema_id BIGINT NOT NULL,
                       PRIMARY KEY (subject, version));
CREATE INDEX versions_by_schema ON versions (schema_id);
SQL
cat >"$work/floor.sql" <<'SQL'
\set n random(1, 1000000000000)
BEGIN;
SELECT id FROM schemas WHERE hash = :n;
UPDATE meta SET value = value + 1 WHERE key = 'max_id';
INSERT INTO schemas (hash, schema) VALUES (:n, repeat(md5(:n::text), 64));
INSERT INTO versions VALUES ('floor-' || :n || '-value', 1, lastval());
END;
SQL
pgf=$(pg_floor "$dbf")

# ---- three PostgreSQL nodes on one database ---------------------------------------------
db3=$("$root/tests/pg/pgserver" createdb "$work/pg" bench3)
ports=()
for _ in 1 2 3; do
    start_node "$db3"
    ports+=("$port")
done
prepare "3 PostgreSQL nodes"
p3_get=0
for round in 1 2; do
    p3_get=$(max "$p3_get" "$(get "p3$round")")
done
writes p3
p3_post=$post_rps p3_new3=$new_few p3_new16=$new16
read -r d_med d_p95 d_max < <("$py" "$here/pg_delay.py" "${ports[0]}" "${ports[1]}" 50) ||
    die "the delay measurement failed"
stop_nodes

echo "GET /schemas/ids/{id}: SQLite $sq_get req/s | 1 PG node $p1_get req/s" \
    "($(pct "$p1_get" "$sq_get")% of SQLite; target >= 90%) | 3 PG nodes $p3_get req/s"
echo "re-registration (same body): SQLite $sq_post req/s | 1 PG node $p1_post req/s" \
    "($(pct "$p1_post" "$sq_post")%) | 3 PG nodes $p3_post req/s"
pgf=$(max "$pgf" "$(pg_floor "$dbf")")
echo "new schemas at 1 client: SQLite $sq_new1 reg/s | 1 PG node $p1_new1 reg/s" \
    "($(pct "$p1_new1" "$pgf")% of the PG floor) | 3 PG nodes, 1 client each: $p3_new3 reg/s"
echo "new schemas at 16 clients: SQLite $sq_new16 reg/s | 1 PG node $p1_new16 reg/s" \
    "($(pct "$p1_new16" "$pgf")% of the PG floor) | 3 PG nodes (6/5/5): $p3_new16 reg/s"
echo "PostgreSQL floor: $pgf commits/s (pgbench, 1 client, one transaction per schema shaped" \
    "like a registration's, fsync on, best of 2)"
echo "a permanent delete on node A reaches node B's by-id cache after: median $d_med ms," \
    "p95 $d_p95 ms, max $d_max ms (50 rounds; PostgreSQL $pg_version, durable)"
if [[ -s "$work/notes" ]]; then
    cat "$work/notes"
fi

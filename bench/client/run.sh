#!/usr/bin/env bash
# bench/client/run.sh - the client library (libavroreg) benchmarks of
# `make bench`. Prints each figure next to its reference, measured in this
# run on loopback; asserts nothing about time.
#
#   1. serialize: avroreg_serialize_value() of the TaxiRide record
#      (examples/taxi/taxi_ride.avsc), its id cached, next to avro-c's bare
#      binary encoding of the same datums (build/release/bench/bench_serde)
#   2. deserialize: avroreg_deserialize_value() and avroreg_deserialize_json()
#      next to confluent-kafka-python's AvroConsumer decoder on the same
#      framed bytes (bench/client/ref_serde.py, /usr/bin/python3), the two
#      taking turns
#   3. produce: N messages through the bundled broker (`avroreg broker`) with
#      `avroreg produce` (JSON lines on stdin) next to kcat producing the same
#      framed bytes (one per line) to another topic; every message's delivery
#      is checked through the topics' end offsets, and a few of each topic's
#      messages are checked to be those bytes.
#
# Usage: bench/client/run.sh [BIN_DIR] [BUILD_DIR]
#        (defaults bin and build/release, from the repo root; run `make` and
#        `make bench-bins` first)
# Environment: CLIENT_BENCH_ITERS (serializations per loop and round,
# default 5000000), CLIENT_BENCH_ROUNDS (rounds of 1, default 7),
# CLIENT_BENCH_DECODE_PASSES (turns each decoder of 2 takes, of 3 rounds each,
# default 3), CLIENT_BENCH_MESSAGES (messages each producer sends, default
# 1000000), CLIENT_BENCH_PRODUCE_ROUNDS (default 3; fresh topics each round).
# Figures are medians over the rounds.
#
# Everything it starts (the registry, the broker, the benchmarks) it stops on
# exit, INT or TERM; every step is bounded by a timeout; every file lives in
# one temporary directory that is removed at the end.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bindir=${1:-bin}
builddir=${2:-build/release}
py=/usr/bin/python3
avsc=$root/examples/taxi/taxi_ride.avsc
iters=${CLIENT_BENCH_ITERS:-5000000}
rounds=${CLIENT_BENCH_ROUNDS:-7}
messages=${CLIENT_BENCH_MESSAGES:-1000000}
produce_rounds=${CLIENT_BENCH_PRODUCE_ROUNDS:-3}
decode_passes=${CLIENT_BENCH_DECODE_PASSES:-3}
# librdkafka settings `avroreg produce` uses; kcat gets the same.
kafka_conf=(-X linger.ms=5 -X batch.num.messages=10000 -X queue.buffering.max.messages=500000)

die() {
    echo "client bench: $*" >&2
    exit 1
}

for v in iters rounds messages produce_rounds decode_passes; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done
for f in "$bindir/avroreg" "$bindir/avro-registry"; do
    [[ -x $f ]] || die "$f is missing; run 'make' first"
done
[[ -x $builddir/bench/bench_serde ]] ||
    die "$builddir/bench/bench_serde is missing; run 'make bench-bins' first"
command -v kcat >/dev/null || die "kcat is missing; run scripts/install-deps --bench"
command -v timeout >/dev/null || die "timeout (coreutils) is missing"
"$py" -c 'import confluent_kafka.avro, avro.io, requests' 2>/dev/null ||
    die "python3-confluent-kafka, python3-avro or python3-requests is missing; run scripts/install-deps"

# Loopback only: no proxy for libcurl, requests or anyone else.
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY

work=$(mktemp -d "${TMPDIR:-/tmp}/avroreg-client-bench.XXXXXX")
reg_pid=""    # our registry, while it runs
broker_pid="" # our broker, while it runs
job_pid=""    # the step run_bounded waits for

# Stops one of our children: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
    local pid=$1 i state
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
        [[ $state == Z ]] && break # exited; only waiting to be reaped
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    trap - EXIT INT TERM
    stop_pid "$job_pid"
    stop_pid "$broker_pid"
    stop_pid "$reg_pid"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Our own copies, safe from a rebuild meanwhile.
mkdir "$work/bin" "$work/data"
cp "$bindir/avroreg" "$bindir/avro-registry" "$builddir/bench/bench_serde" "$work/bin/"
avroreg=$work/bin/avroreg

# run_bounded IN OUT ERR SECONDS CMD...: runs CMD with stdin IN, stdout OUT and
# stderr ERR, killed after SECONDS. In the background, so that a signal
# reaches our trap at once (timeout passes it on to CMD). Sets wall (seconds)
# and cpu (user + system seconds of CMD and its children).
run_bounded() {
    local in=$1 out=$2 err=$3 limit=$4 rc=0 t0 c0 c1
    shift 4
    times >"$work/times.0"
    t0=$EPOCHREALTIME
    timeout -k 5 "$limit" "$@" <"$in" >"$out" 2>"$err" &
    job_pid=$!
    wait "$job_pid" || rc=$?
    job_pid=""
    wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.6f", b - a}')
    times >"$work/times.1"
    c0=$(child_cpu "$work/times.0")
    c1=$(child_cpu "$work/times.1")
    cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.3f", b - a}')
    return "$rc"
}

# The children's user + system seconds from the output of `times`
# (its second line: "XmY.YYYs XmY.YYYs").
child_cpu() {
    awk 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
        printf "%.3f", t
    }' "$1"
}

# Fails with the step's stderr when a bounded step failed.
step() {
    local name=$1
    shift
    if ! run_bounded "$@"; then
        echo "client bench: $name failed:" >&2
        tail -n 20 "$3" >&2 || true
        exit 1
    fi
}

# key=value from a file of such lines.
kv() {
    awk -F= -v k="$2" '$1 == k {print substr($0, length(k) + 2); found = 1} END {exit !found}' "$1" ||
        die "$2 is missing from $1"
}

# Rounds and groups thousands: 1234567.8 -> 1,234,568.
commas() {
    awk -v x="$1" 'BEGIN {
        s = sprintf("%.0f", x); out = ""
        while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
        print s out
    }'
}

# The median of the numbers given.
median() {
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}

# ---- the registry and the broker ----------------------------------------------------------

# Our registry on a free loopback port: it picks one (--port 0) and logs it.
: >"$work/registry.log"
"$work/bin/avro-registry" --listen 127.0.0.1 --port 0 --db "$work/data/registry.db" \
    --log-level info </dev/null >"$work/registry.log" 2>&1 &
reg_pid=$!
reg_port=""
for ((i = 0; i < 300; i++)); do
    reg_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$work/registry.log" |
        head -n 1)
    [[ -n $reg_port ]] && break
    kill -0 "$reg_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n $reg_port ]] || { cat "$work/registry.log" >&2; die "the registry did not start"; }
registry=http://127.0.0.1:$reg_port

"$avroreg" broker --bootstrap-file "$work/bootstrap" </dev/null >"$work/broker.log" 2>&1 &
broker_pid=$!
for ((i = 0; i < 300; i++)); do
    [[ -s $work/bootstrap ]] && break
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -s $work/bootstrap ]] || { cat "$work/broker.log" >&2; die "the broker did not start"; }
broker=$(head -n 1 "$work/bootstrap")

echo "== client library: libavroreg on TaxiRide records, loopback (medians; serialize: $rounds rounds, deserialize: $((decode_passes * 3)), in thread CPU time; produce: $produce_rounds, wall clock)"

# ---- 1: serialize (bench_serde --mode prepare, which also writes the inputs) --------------

step bench_serde /dev/null "$work/serde.kv" "$work/serde.err" 300 \
    "$work/bin/bench_serde" --mode prepare --registry "$registry" --schema "$avsc" \
    --out "$work/data" --iters "$iters" --rounds "$rounds" --produce "$messages"
s=$work/serde.kv
frame_bytes=$(kv "$s" frame_bytes_avg)
ser_ours=$(kv "$s" ser_avroreg_ns)
ser_bare=$(kv "$s" ser_bare_ns)
ser_overhead=$(kv "$s" ser_overhead_pct)
ser_sizeof=$(kv "$s" ser_sizeof_ns)
printf 'serialize TaxiRide (%g B): avroreg %s ns/op | avro-c bare %s ns/op (%.0f%% overhead, target <= 10%%; avro_value_sizeof alone %s ns/op)\n' \
    "$frame_bytes" "$ser_ours" "$ser_bare" "$ser_overhead" "$ser_sizeof"

# ---- 2: deserialize, libavroreg and Python taking turns --------------------------------------
# The machine's noise comes in phases of about a second: passes of a few
# rounds each, alternating, put both sides through the same phases. Each
# Python pass first checks every message against libavroreg's decoding.

value_rates=() json_rates=() ref_rates=()
decode_c() {
    step "bench_serde --mode decode" /dev/null "$work/decode.kv" "$work/decode.err" 120 \
        "$work/bin/bench_serde" --mode decode --registry "$registry" --out "$work/data" \
        --rounds 3 --decode-msgs 1000000 --json-msgs 100000
    read -r -a got <<<"$(kv "$work/decode.kv" des_value_rates | tr ',' ' ')"
    value_rates+=("${got[@]}")
    read -r -a got <<<"$(kv "$work/decode.kv" des_json_rates | tr ',' ' ')"
    json_rates+=("${got[@]}")
}
decode_py() {
    step ref_serde.py /dev/null "$work/py.kv" "$work/py.err" 120 \
        "$py" "$here/ref_serde.py" decode --registry "$registry" \
        --frames "$work/data/frames.bin" --expect "$work/data/frames.jsonl" \
        --msgs 20000 --rounds 3
    read -r -a got <<<"$(kv "$work/py.kv" py_rates | tr ',' ' ')"
    ref_rates+=("${got[@]}")
}
for ((pass = 1; pass <= decode_passes; pass++)); do
    if ((pass % 2)); then
        decode_c
        decode_py
    else
        decode_py
        decode_c
    fi
done
value_rate=$(median "${value_rates[@]}")
json_rate=$(median "${json_rates[@]}")
ref_rate=$(median "${ref_rates[@]}")
ref_decoder=$(kv "$work/py.kv" py_decoder)
ref_version=$("$py" -c 'import confluent_kafka; print(confluent_kafka.version()[0])')
printf 'deserialize TaxiRide: avroreg value %s msg/s, json %s msg/s | confluent-kafka-python %s decode_message [%s] %s msg/s (%sx value, %sx json; target >= 10x)\n' \
    "$(commas "$value_rate")" "$(commas "$json_rate")" \
    "$ref_version" "$ref_decoder" "$(commas "$ref_rate")" \
    "$(awk -v a="$value_rate" -v b="$ref_rate" 'BEGIN {printf "%.1f", a / b}')" \
    "$(awk -v a="$json_rate" -v b="$ref_rate" 'BEGIN {printf "%.1f", a / b}')"

# ---- 3: produce ------------------------------------------------------------------------------

# delivered TOPIC: the messages the broker holds for TOPIC (its partitions'
# end offsets, the topic being fresh).
delivered() {
    local topic=$1 parts args=() p
    parts=$(timeout 20 kcat -L -b "$broker" -t "$topic" |
        sed -n "s/^ *topic \"$topic\" with \([0-9][0-9]*\) partitions.*/\1/p")
    [[ -n $parts ]] || die "kcat -L found no topic $topic"
    for ((p = 0; p < parts; p++)); do
        args+=(-t "$topic:$p:-1")
    done
    timeout 20 kcat -Q -b "$broker" "${args[@]}" |
        awk -v t="$topic" '$1 == t && $3 == "offset" {n += $4; seen++} END {print seen ? n : -1}'
}

# sample TOPIC NAME: writes the first message of partition 0 to NAME.
sample() {
    timeout 20 kcat -C -b "$broker" -t "$1" -p 0 -o beginning -c 1 -e -q -f '%s' >"$work/$2" ||
        die "cannot read a message back from $1"
}

rides=$work/data/rides.jsonl
frames=$work/data/frames.lines
ours_rates=() ours_cpus=() kcat_rates=() kcat_cpus=()
produce_ours() {
    local topic=taxi-avroreg-$1
    step "avroreg produce" "$rides" /dev/null "$work/produce.err" 120 \
        "$avroreg" produce --broker "$broker" --topic "$topic" --value-schema "$avsc" \
        --registry "$registry"
    ours_rates+=("$(awk -v n="$messages" -v w="$wall" 'BEGIN {print n / w}')")
    ours_cpus+=("$cpu")
    topics+=("$topic")
}
produce_kcat() {
    local topic=taxi-kcat-$1
    step kcat /dev/null /dev/null "$work/kcat.err" 120 \
        kcat -P -b "$broker" -t "$topic" "${kafka_conf[@]}" -l "$frames"
    kcat_rates+=("$(awk -v n="$messages" -v w="$wall" 'BEGIN {print n / w}')")
    kcat_cpus+=("$cpu")
    topics+=("$topic")
}
topics=()
for ((r = 1; r <= produce_rounds; r++)); do
    # alternate who goes first
    if ((r % 2)); then
        produce_ours "$r"
        produce_kcat "$r"
    else
        produce_kcat "$r"
        produce_ours "$r"
    fi
done
for t in "${topics[@]}"; do
    n=$(delivered "$t")
    [[ $n == "$messages" ]] || die "topic $t holds $n messages, not $messages"
done
sample "taxi-avroreg-1" sample.avroreg
sample "taxi-kcat-1" sample.kcat
timeout 60 "$py" "$here/ref_serde.py" sample --lines "$frames" \
    "$work/sample.avroreg" "$work/sample.kcat" >/dev/null ||
    die "the produced messages are not the expected bytes"

ours_rate=$(median "${ours_rates[@]}")
kcat_rate=$(median "${kcat_rates[@]}")
printf 'produce %s TaxiRide: avroreg produce %s msg/s (%s us CPU/msg) | kcat, same bytes, %s msg/s (%s us CPU/msg) (avroreg at %.0f%% of kcat'"'"'s rate; all delivered)\n' \
    "$(commas "$messages")" \
    "$(commas "$ours_rate")" \
    "$(awk -v c="$(median "${ours_cpus[@]}")" -v n="$messages" 'BEGIN {printf "%.2f", c * 1e6 / n}')" \
    "$(commas "$kcat_rate")" \
    "$(awk -v c="$(median "${kcat_cpus[@]}")" -v n="$messages" 'BEGIN {printf "%.2f", c * 1e6 / n}')" \
    "$(awk -v a="$ours_rate" -v b="$kcat_rate" 'BEGIN {print 100 * a / b}')"

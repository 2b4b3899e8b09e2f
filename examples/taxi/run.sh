#!/usr/bin/env bash
# The taxi-rides story, from a clean clone, with no Docker and no external broker:
#  1. start the registry and the bundled development broker;
#  2. produce the rides in rides.csv (key TaxiRideKey, value TaxiRide) with the C producer;
#  3. consume them back with the C consumer, which fetches each schema once by id;
#  4. try the incompatible change (total_amount from float to string) and see it refused.
# Usage: examples/taxi/run.sh   (after `make`; BIN=dir overrides where the programs are)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BIN:-$root/bin}
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
registry=http://127.0.0.1:$port
topic=rides

echo "== 1. registry on $registry, broker from 'avroreg broker'"
"$bin/avro-registry" --listen 127.0.0.1 --port "$port" --db "$work/registry.db" --log-level warn &
pids+=($!)
"$bin/avroreg" broker --bootstrap-file "$work/bootstrap" >/dev/null &
pids+=($!)
for _ in $(seq 100); do
    curl -sf "$registry/health/ready" >/dev/null 2>&1 && [[ -s $work/bootstrap ]] && break
    sleep 0.1
done
broker=$(cat "$work/bootstrap")
echo "   broker at $broker"

echo "== 2. produce rides.csv"
"$bin/taxi-producer" --broker "$broker" --registry "$registry" --topic $topic \
    --schemas "$here" "$here/rides.csv"
rides=$(($(wc -l <"$here/rides.csv") - 1))

echo "== 3. consume them back"
"$bin/taxi-consumer" --broker "$broker" --registry "$registry" --topic $topic --max "$rides"

echo "== subjects and the value schema the registry holds"
AVROREG_REGISTRY_URL=$registry "$bin/avroreg" subjects
AVROREG_REGISTRY_URL=$registry "$bin/avroreg" get --subject $topic-value

echo "== 4. the incompatible change: total_amount from float to string"
if AVROREG_REGISTRY_URL=$registry "$bin/avroreg" check --subject $topic-value \
    "$here/taxi_ride_incompatible.avsc"; then
    echo "unexpected: the change was judged compatible" >&2
    exit 1
fi
if AVROREG_REGISTRY_URL=$registry "$bin/avroreg" register --subject $topic-value \
    "$here/taxi_ride_incompatible.avsc"; then
    echo "unexpected: the registry accepted the incompatible schema" >&2
    exit 1
fi
echo "== refused, as it should be: consumers of $topic keep working"

#!/usr/bin/env bash
# avroreg's registry commands (register, get, subjects, check --subject) against a real
# avro-registry on a free loopback port with a scratch database.
# Prints TAP-style "ok - ..." / "not ok - ..." lines.
set -u
AVROREG=${AVROREG:-bin/avroreg}
BIN=${AVRO_REGISTRY_BIN:-bin/avro-registry}
S=tests/cli/schemas
tmp=$(mktemp -d)
out=$tmp/out
pid=""
cleanup() {
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

expect() { # NAME WANT_EXIT PATTERN -- COMMAND...
    local name=$1 want=$2 pattern=$3
    shift 4
    "$@" >"$out" 2>&1
    local rc=$?
    if [[ $rc -eq $want ]] && grep -Eq -- "$pattern" "$out"; then
        echo "ok - $name"
    else
        echo "not ok - $name (exit $rc, want $want; output:)"
        sed 's/^/    /' "$out" | head -20
    fi
}

"$BIN" --listen 127.0.0.1 --port 0 --db "$tmp/registry.db" >"$tmp/log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/log")
    [[ -n $port ]] && break
    sleep 0.05
done
if [[ -z $port ]]; then
    echo "not ok - the registry starts (log:)"
    sed 's/^/    /' "$tmp/log" | head -20
    exit 1
fi
export AVROREG_REGISTRY_URL=http://127.0.0.1:$port
v1='^\{"type":"record","name":"User","namespace":"com.example","fields":\[\{"name":"id","type":"long"\},\{"name":"name","type":"string"\}\]\}$'

expect "register prints the new id" 0 '^1$' -- $AVROREG register --subject users $S/user_v1.avsc
expect "register a compatible change: a new id" 0 '^2$' -- \
    $AVROREG register --subject users $S/user_v2_compatible.avsc
expect "register again: the same id" 0 '^1$' -- $AVROREG register --subject users $S/user_v1.avsc
expect "register an incompatible change: refused, exit 1" 1 '409' -- \
    $AVROREG register --subject users $S/user_v2_incompatible.avsc
expect "register an invalid schema: exit 1" 1 'Duplicate field' -- \
    $AVROREG register --subject users $S/invalid.avsc
expect "get --id 1 prints the canonical text" 0 "$v1" -- $AVROREG get --id 1
expect "get --id 2 prints the second schema" 0 '"email"' -- $AVROREG get --id 2
expect "get --id 05 is id 5: not found" 2 '40403' -- $AVROREG get --id 05
expect "get --subject --version 1" 0 "$v1" -- $AVROREG get --subject users --version 1
expect "get --subject alone is the latest" 0 '"email"' -- $AVROREG get --subject users
expect "get --version 3: no such version" 2 '40402' -- $AVROREG get --subject users --version 3
expect "get --id 1x: a usage error, nothing fetched" 2 "^avroreg: --id wants a whole number" -- \
    $AVROREG get --id 1x
expect "get --id 5x --version 2: a usage error" 2 "not '5x'" -- \
    $AVROREG get --id 5x --version 2
expect "subjects lists the subject" 0 '^users$' -- $AVROREG subjects
expect "check --subject: compatible" 0 'compatible' -- \
    $AVROREG check --subject users $S/user_v2_compatible.avsc
expect "check --subject: incompatible exits 1" 1 "errorType:'TYPE_MISMATCH'" -- \
    $AVROREG check --subject users $S/user_v2_incompatible.avsc

#!/usr/bin/env bash
# The cluster example (examples/cluster/run.sh) runs end to end with the
# sanitizer build of the server: PostgreSQL, three nodes, nginx in front; a
# schema registered through one node is read through the others and through
# nginx, which spreads requests over all three; nothing is left running.
# Prints TAP-style lines.
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT

AVRO_REGISTRY_BIN=${AVRO_REGISTRY_BIN:-bin/avro-registry} timeout 300 examples/cluster/run.sh \
    >"$out" 2>&1
rc=$?
check() { # NAME CONDITION-RESULT
    if [[ $2 -eq 0 ]]; then echo "ok - $1"; else
        echo "not ok - $1"
        sed 's/^/    /' "$out" | tail -30
    fi
}
check "the cluster script succeeds" $rc
grep -q 'POST node 1 /subjects/rides-value/versions -> {"id":1,"version":1,' "$out"
check "node 1 registers the schema as id 1" $?
grep -q 'GET  node 2 /schemas/ids/1 -> {.*"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"Ride\\"' "$out"
check "node 2 serves it by id" $?
grep -q 'GET  node 3 /subjects/rides-value/versions/latest -> {"subject":"rides-value","version":1,"id":1,' "$out"
check "node 3 serves it as the latest version" $?
grep -q 'POST nginx /subjects/rides-value/versions -> {"id":2,"version":2,' "$out"
check "a new version through nginx gets id 2" $?
[[ $(grep -c 'GET  node [123] /subjects/rides-value/versions -> \[1,2\]$' "$out") -eq 3 ]]
check "every node lists versions [1,2]" $?
[[ $(grep 'GET  nginx /schemas/ids/2 -> 200 from' "$out" | sort -u | wc -l) -eq 3 ]]
check "nginx spread three reads over the three nodes" $?
dir=$(sed -n 's/.*everything lives in \([^)]*\)).*/\1/p' "$out" | head -1)
[[ -n "$dir" && ! -e "$dir" ]]
check "everything stopped, the temporary directory removed" $?
! grep -q "Sanitizer\|runtime error" "$out"
check "no sanitizer report (the nodes exit 0 on SIGTERM)" $?

#!/usr/bin/env bash
# The taxi-rides story (examples/taxi/run.sh) runs end to end with the sanitizer
# build: rides produced and consumed through the bundled broker, the incompatible
# change refused. Prints TAP-style lines.
set -u
bin=$(dirname "${AVROREG:-bin/avroreg}")
out=$(mktemp)
trap 'rm -f "$out"' EXIT

BIN=$bin timeout 300 examples/taxi/run.sh >"$out" 2>&1
rc=$?
check() { # NAME CONDITION-RESULT
    if [[ $2 -eq 0 ]]; then echo "ok - $1"; else
        echo "not ok - $1"
        sed 's/^/    /' "$out" | tail -30
    fi
}
check "the story script succeeds" $rc
rides=$(($(wc -l <examples/taxi/rides.csv) - 1))
grep -q "^produced $rides rides to rides$" "$out"
check "the C producer produced every ride" $?
grep -q "^consumed $rides rides from rides (1 registry request(s))$" "$out"
check "the C consumer read every ride, fetching the schema once" $?
[[ $(grep -c '^vendor [12]: ' "$out") -eq $rides ]]
check "every ride printed with its fields" $?
grep -q "registry error 409: Schema being registered is incompatible" "$out"
check "the float-to-string change is refused with 409" $?
! grep -q "Sanitizer\|runtime error" "$out"
check "no sanitizer report" $?

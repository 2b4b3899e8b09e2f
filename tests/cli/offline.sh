#!/usr/bin/env bash
# avroreg's offline commands, run as a user or a CI job would run them.
# Prints TAP-style "ok - ..." / "not ok - ..." lines.
set -u
AVROREG=${AVROREG:-bin/avroreg}
S=tests/cli/schemas
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# expect NAME WANT_EXIT PATTERN -- COMMAND...: the exit code, and a regexp the output must
# match (EMPTY: there must be no output at all).
expect() {
    local name=$1 want=$2 pattern=$3
    shift 4
    "$@" >"$out" 2>&1
    local rc=$?
    local matched=false
    if [[ $pattern == EMPTY ]]; then
        [[ ! -s $out ]] && matched=true
    elif grep -Eq -- "$pattern" "$out"; then
        matched=true
    fi
    if [[ $rc -eq $want ]] && $matched; then
        echo "ok - $name"
    else
        echo "not ok - $name (exit $rc, want $want; output:)"
        sed 's/^/    /' "$out" | head -20
    fi
}

expect "lint accepts valid files" 0 EMPTY -- $AVROREG lint $S/user_v1.avsc $S/string.avsc
expect "lint names the invalid file and the problem" 1 'invalid.avsc: Duplicate field a' -- \
    $AVROREG lint $S/user_v1.avsc $S/invalid.avsc
expect "lint reports JSON syntax errors" 1 'notjson.avsc: Invalid JSON' -- $AVROREG lint $S/notjson.avsc
expect "lint on a missing file is an I/O error" 2 'nope.avsc: cannot open' -- $AVROREG lint $S/nope.avsc
expect "canonical prints Java's text" 0 \
    '^\{"type":"record","name":"User","namespace":"com.example","fields":\[\{"name":"id","type":"long"\},\{"name":"name","type":"string"\}\]\}$' -- \
    $AVROREG canonical $S/user_v1.avsc
expect "canonical --pcf prints the Parsing Canonical Form" 0 \
    '^\{"name":"com.example.User","type":"record","fields":\[\{"name":"id","type":"long"\},\{"name":"name","type":"string"\}\]\}$' -- \
    $AVROREG canonical --pcf $S/user_v1.avsc
expect "canonical reads stdin" 0 '^"string"$' -- bash -c "echo '{\"type\":\"string\"}' | $AVROREG canonical -"
expect "fingerprint of a bare primitive" 0 '^-8142146995180207161$' -- $AVROREG fingerprint $S/string.avsc
expect "compat: adding an optional field reads old data" 0 '^compatible' -- \
    $AVROREG compat --reader $S/user_v2_compatible.avsc --writer $S/user_v1.avsc
expect "compat: a new field without default is named" 1 'READER_FIELD_MISSING_DEFAULT_VALUE at /fields/2: email' -- \
    $AVROREG compat --reader $S/user_v2_incompatible.avsc --writer $S/user_v1.avsc
expect "compat --json" 1 '^\{"compatible":false,"incompatibilities":\[\{"type":"READER_FIELD_MISSING_DEFAULT_VALUE","location":"/fields/2","message":"email"\}\]\}$' -- \
    $AVROREG compat --json --reader $S/user_v2_incompatible.avsc --writer $S/user_v1.avsc
expect "compat needs both schemas" 2 'usage' -- $AVROREG compat --reader $S/user_v1.avsc
expect "check: compatible change passes under BACKWARD" 0 '^compatible under BACKWARD' -- \
    $AVROREG check $S/user_v2_compatible.avsc $S/user_v1.avsc
expect "check: incompatible change fails with Confluent's message" 1 \
    "errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'email' at path '/fields/2' in the new schema has no default value and is missing in the old schema'" -- \
    $AVROREG check $S/user_v2_incompatible.avsc $S/user_v1.avsc
expect "check --level FORWARD accepts what old readers can read" 0 '^compatible under FORWARD' -- \
    $AVROREG check --level forward $S/user_v2_incompatible.avsc $S/user_v1.avsc
expect "check --level FULL_TRANSITIVE walks every version" 1 "oldSchemaVersion: 2" -- \
    $AVROREG check --level FULL_TRANSITIVE $S/user_v2_incompatible.avsc $S/user_v1.avsc $S/user_v2_compatible.avsc
expect "check --json" 1 '^\{"compatible":false,"level":"BACKWARD","messages":\[' -- \
    $AVROREG check --json $S/user_v2_incompatible.avsc $S/user_v1.avsc
expect "check with an invalid new schema exits 1" 1 'invalid.avsc: Duplicate field' -- \
    $AVROREG check $S/invalid.avsc $S/user_v1.avsc
expect "check rejects an unknown level" 2 "unknown level 'SIDEWAYS'" -- \
    $AVROREG check --level SIDEWAYS $S/user_v1.avsc $S/user_v1.avsc
expect "unknown command" 2 "unknown command 'frobnicate'" -- $AVROREG frobnicate
expect "--help on a command" 0 'usage: avroreg check' -- $AVROREG check --help
expect 'lint accepts {"type": "Name"} for a defined type, as Avro 1.11 and Confluent 7.x' 0 EMPTY -- \
    $AVROREG lint $S/type_object.avsc
expect 'canonical prints it as the name, as Java 1.11' 0 '"name":"g","type":"Hash"' -- \
    $AVROREG canonical $S/type_object.avsc
expect 'lint --strict refuses it, as Avro 1.12.2 (AVRO-4176)' 1 'Type not supported: "Hash"' -- \
    $AVROREG lint --strict $S/type_object.avsc

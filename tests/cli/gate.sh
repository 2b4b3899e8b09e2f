#!/usr/bin/env bash
# The CI gate: `avroreg check --git BASE` in a scratch git repository.
# Prints TAP-style "ok - ..." / "not ok - ..." lines.
set -u
AVROREG=$(cd "$(dirname "${AVROREG:-bin/avroreg}")" && pwd)/$(basename "${AVROREG:-bin/avroreg}")
S=$(cd tests/cli/schemas && pwd)
repo=$(mktemp -d)
out=$(mktemp)
trap 'rm -rf "$repo" "$out"' EXIT

expect() { # NAME WANT_EXIT PATTERN -- COMMAND...
    local name=$1 want=$2 pattern=$3
    shift 4
    (cd "$repo" && "$@") >"$out" 2>&1
    local rc=$?
    if [[ $rc -eq $want ]] && grep -Eq -- "$pattern" "$out"; then
        echo "ok - $name"
    else
        echo "not ok - $name (exit $rc, want $want; output:)"
        sed 's/^/    /' "$out" | head -20
    fi
}

git() { command git -C "$repo" -c user.email=ci@example.com -c user.name=ci "$@"; }
git init -q -b main
mkdir -p "$repo/schemas/orders" "$repo/docs"
cp "$S/user_v1.avsc" "$repo/schemas/user.avsc"
cp "$S/string.avsc" "$repo/schemas/orders/id.avsc"
echo "not a schema" >"$repo/docs/readme.txt"
git add -A && git commit -qm base

expect "nothing changed: exit 0" 0 '0 schema files checked' -- "$AVROREG" check --git main

cp "$S/user_v2_compatible.avsc" "$repo/schemas/user.avsc"
expect "a compatible change passes" 0 'schemas/user.avsc: compatible with main under BACKWARD' -- \
    "$AVROREG" check --git main
git commit -qam "compatible"

cp "$S/user_v2_incompatible.avsc" "$repo/schemas/user.avsc"
expect "an incompatible change fails and names the field" 1 \
    "schemas/user.avsc: INCOMPATIBLE with HEAD~0 under BACKWARD|The field 'email'" -- \
    "$AVROREG" check --git HEAD~0
expect "the report names the field" 1 "field email: reader type: STRING not compatible" -- \
    "$AVROREG" check --git HEAD
expect "FORWARD accepts what old readers can read" 0 'compatible with HEAD under FORWARD' -- \
    "$AVROREG" check --git HEAD --level FORWARD
expect "a PATH outside the change checks nothing" 0 '0 schema files checked' -- \
    "$AVROREG" check --git HEAD schemas/orders
git checkout -q -- schemas/user.avsc

cp "$S/invalid.avsc" "$repo/schemas/orders/id.avsc"
expect "an invalid .avsc fails with the parse error" 1 \
    'schemas/orders/id.avsc: INVALID: Duplicate field a' -- "$AVROREG" check --git HEAD
git checkout -q -- schemas/orders/id.avsc

cp "$S/user_v1.avsc" "$repo/schemas/new.avsc"
git add schemas/new.avsc
expect "a new file is only linted" 0 'schemas/new.avsc: new file, valid' -- \
    "$AVROREG" check --git HEAD
expect "an unknown revision is a usage error" 2 "unknown git revision 'nope'" -- \
    "$AVROREG" check --git nope
expect "outside a repository is a usage error" 2 'not inside a git repository' -- \
    env GIT_DIR=/nonexistent "$AVROREG" check --git HEAD

#!/usr/bin/env bash
# pgserver.sh - a throwaway PostgreSQL for the tests, the cluster example and
# the benchmarks: Debian's postgresql package, a fresh cluster in a directory,
# listening on a free loopback port, run as an unprivileged user (the server
# refuses to run as root: as root it runs as "nobody"; otherwise as you).
#
#   tests/pg/pgserver.sh start DIR     initdb + start; prints the server's URL
#                                      (postgresql://avroreg@127.0.0.1:PORT/postgres)
#                                      and writes it to DIR/url
#   tests/pg/pgserver.sh restart DIR   stops (fast) and starts again, same port
#   tests/pg/pgserver.sh kill DIR      stops with -m immediate (a crash: recovery at start)
#   tests/pg/pgserver.sh halt DIR      stops (fast), keeps DIR: "start-again" brings it back
#   tests/pg/pgserver.sh start-again DIR   starts a halted or killed server on its port
#   tests/pg/pgserver.sh stop DIR      stops and removes DIR
#   tests/pg/pgserver.sh createdb DIR NAME   creates database NAME; prints its URL
#
# DIR is created if missing (and must be empty then). The server keeps its log
# in DIR/log. For speed it runs with fsync=off: a crash of the server process
# loses nothing (the WAL is in the page cache), only a crash of the machine
# would, which tests do not survive anyway. Commits stay synchronous.
#
# tests/pg/pgserver.py wraps this script for the Python suites; both share it
# so that there is one way to start and stop a test database.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_NAME=avroreg

die() {
    echo "pgserver.sh: $*" >&2
    exit 1
}

# Runs a command as the unprivileged owner of the cluster.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u nobody -- "$@")
    else
        "$@"
    fi
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

url_of() { # dir [dbname]
    echo "postgresql://$PGUSER_NAME@127.0.0.1:$(cat "$1/port")/${2:-postgres}"
}

pg_start() { # dir
    local dir=$1
    local port
    port=$(cat "$dir/port")
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -s \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories= \
            -c fsync=off -c full_page_writes=off -c max_connections=300 \
            -c shared_buffers=32MB -c log_min_messages=warning" start
}

cmd_start() { # dir
    local dir=$1
    [[ -x "$PGBIN/initdb" ]] || die "no PostgreSQL in $PGBIN (Debian package postgresql)"
    mkdir -p "$dir"
    [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty"
    [[ $(id -u) -eq 0 ]] && chown nobody "$dir"
    chmod 0755 "$dir"
    as_owner "$PGBIN/initdb" -D "$dir/data" -A trust -U "$PGUSER_NAME" -E UTF8 --locale=C \
        --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
        die "initdb failed: $(tail -5 "$dir/initdb.log")"
    local tries
    for tries in 1 2 3 4 5; do
        free_port >"$dir/port"
        if pg_start "$dir"; then
            url_of "$dir" >"$dir/url"
            cat "$dir/url"
            return 0
        fi
        grep -q "could not bind" "$dir/log" 2>/dev/null || break # only a taken port is retried
    done
    die "the server did not start: $(tail -5 "$dir/log" 2>/dev/null)"
}

cmd_stop() { # dir
    local dir=$1
    [[ -d "$dir/data" ]] && as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop \
        >/dev/null 2>&1 || true
    rm -rf "$dir"
}

cmd_halt() { # dir mode
    as_owner "$PGBIN/pg_ctl" -D "$1/data" -m "$2" -w -t 60 -s stop
}

cmd_createdb() { # dir name
    psql -q -X -v ON_ERROR_STOP=1 "$(url_of "$1")" -c "CREATE DATABASE \"$2\"" >/dev/null
    url_of "$1" "$2"
}

[[ $# -ge 2 ]] || die "usage: pgserver.sh start|restart|kill|halt|start-again|stop|createdb DIR [NAME]"
action=$1
dir=$(realpath -m "$2")
case $action in
start) cmd_start "$dir" ;;
restart)
    cmd_halt "$dir" fast
    pg_start "$dir"
    ;;
kill) cmd_halt "$dir" immediate ;;
halt) cmd_halt "$dir" fast ;;
start-again) pg_start "$dir" ;;
stop) cmd_stop "$dir" ;;
createdb)
    [[ $# -eq 3 ]] || die "createdb needs a name"
    cmd_createdb "$dir" "$3"
    ;;
*) die "unknown action $action" ;;
esac

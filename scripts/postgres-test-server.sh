#!/usr/bin/env bash
# A throwaway PostgreSQL server for test runs, kept entirely in one directory.
#
#   scripts/postgres-test-server.sh start <dir>   initdb into <dir>/data, start the server on
#                                                 127.0.0.1 at a free port (unix socket in <dir>,
#                                                 fsync off), print its admin connection string
#                                                 (also left in <dir>/connection-string, mode 0600)
#   scripts/postgres-test-server.sh stop <dir>    stop the postmaster of <dir>/data (pg_ctl, by the
#                                                 PID file of that data directory) and delete <dir>
#
# Use: export PI_TEST_POSTGRES="$(scripts/postgres-test-server.sh start "$dir")"
# As root the server runs as the postgres user (PostgreSQL refuses root). Nothing here stops a
# server by name: only the one whose data directory is <dir>/data.
set -euo pipefail

usage() { echo "usage: $0 start|stop <dir>" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2

find_binaries() {
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
    echo "$0: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); apt-get install postgresql" >&2
    exit 1
  fi
}

as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$action" in
  start)
    find_binaries
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -e "$dir/data" ]; then
      echo "$0: $dir/data exists; stop that server first" >&2
      exit 1
    fi
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    umask 077
    printf '%s\n' "$password" >"$dir/pwfile"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$dir"; fi
    as_server_user "$bin/initdb" -D "$dir/data" -U postgres -A scram-sha-256 --pwfile="$dir/pwfile" \
      -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
      || { echo "$0: initdb failed, see $dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    started=
    for _ in 1 2 3; do
      port=$(free_port)
      # A port can be taken between probing and binding: try another.
      if as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
          -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
          start >/dev/null; then
        started=1
        break
      fi
    done
    if [ -z "$started" ]; then
      echo "$0: the server did not start, see $dir/server.log" >&2
      exit 1
    fi
    connection_string="Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=postgres"
    printf '%s\n' "$connection_string" >"$dir/connection-string"
    printf '%s\n' "$connection_string"
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    if [ -f "$dir/data/postmaster.pid" ]; then
      find_binaries
      as_server_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    usage
    ;;
esac

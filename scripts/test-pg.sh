#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `scripts/test-pg.sh start` initialises one in a temporary
# directory (initdb + pg_ctl, Debian's `postgresql` package), listening on loopback only, and prints
# `export CCAI_TEST_PG_URL=postgres://…` for the caller to eval; `scripts/test-pg.sh stop DIR` stops it
# and deletes its files. PostgreSQL refuses to run as root, so under root (CI) the cluster belongs to
# the `postgres` user the package creates. fsync is off: the cluster dies with the test run anyway.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] \
  || { echo "test-pg: PostgreSQL's server is missing: run scripts/install-deps.sh (Debian's postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/ccai-pg.XXXXXX")
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U ccai -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # A random high port; another one if it is taken (the start fails, and we try again).
    started=
    for _ in 1 2 3 4 5; do
      port=$((20000 + RANDOM % 40000))
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null; then started=1; break; fi
    done
    [ -n "$started" ] || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U ccai ccai
    echo "export CCAI_TEST_PG_URL=postgres://ccai@127.0.0.1:$port/ccai"
    echo "export CCAI_TEST_PG_DIR=$dir"
    ;;
  stop)
    dir=${2:?usage: test-pg.sh stop DIR}
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: scripts/test-pg.sh start | stop DIR" >&2; exit 2 ;;
esac

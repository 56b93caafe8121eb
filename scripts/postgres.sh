#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the store and API tests, and print its URL.
# Idempotent: reuses a running server. Usage: eval "$(bash scripts/postgres.sh)"  (exports TAILORMED_TEST_POSTGRES_URL)
# Stop it with: bash scripts/postgres.sh stop
# Tests run it with fsync off; TAILORMED_PG_FSYNC=on (on a port where none runs yet) starts one that
# syncs its commits as a production one does (benchmarks/cds_bench.py --database URL).
set -euo pipefail
PORT="${TAILORMED_PG_PORT:-55432}"
DATA="${TAILORMED_PG_DATA:-/tmp/tailormed-pg-$PORT}"
FSYNC="${TAILORMED_PG_FSYNC:-off}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$BIN" ]; then
  echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 1
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "${1:-}" = stop ]; then
  [ -d "$DATA" ] && as_pg "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi
if ! as_pg "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [ ! -s "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    chmod 700 "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres --no-sync >/dev/null
  fi
  # The server outlives this script: it must not keep our open descriptors (a caller's lock file, say), so they are
  # closed in the subshell that starts it.
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=$FSYNC -c max_connections=200" start >/dev/null
  )
fi
if ! as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='tailormed_test'" | grep -q 1; then
  as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE tailormed_test" >/dev/null
fi
echo "export TAILORMED_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/tailormed_test"

#!/usr/bin/env bash
# with-postgres.sh CMD [ARG...] — runs CMD beside a throwaway PostgreSQL.
#
# Creates a cluster with initdb in a temporary directory, starts it with
# pg_ctl on a unix socket in that directory only (no TCP, no system
# service), runs CMD with DYAD_TEST_PG set to libpq conninfo for it
# ("host=DIR port=5432 user=postgres", no dbname: each test creates its own
# database), and stops the cluster and removes the directory when CMD ends,
# however it ends. Exits with CMD's status.
#
# PostgreSQL refuses to run as root: as root, the cluster belongs to the
# `postgres` user (Debian's package creates it). fsync is off: these are
# throwaway test databases, not durability tests.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with-postgres: no PostgreSQL server found (scripts/deps.sh test installs it)" >&2
  exit 1
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/dyad-pg.XXXXXX")
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as=(runuser -u postgres --)
fi

stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
  --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses='' -k $dir -p 5432 -c fsync=off -c max_connections=300" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export DYAD_TEST_PG="host=$dir port=5432 user=postgres"
export DYAD_TEST_PG_BIN="$bin" DYAD_TEST_PG_DATA="$dir/data"
set +e
"$@"
status=$?
set -e
exit $status

#!/usr/bin/env bash
# HTTP benchmark over PostgreSQL, run beside a throwaway cluster
# (scripts/with-postgres.sh sets DYAD_TEST_PG; `make bench` does it): the
# figures of bench/run.sh — /healthz (a database read) and GET /api/v1/me
# with a session — for build/dyad on SQLite and on PostgreSQL, then two
# servers over the one PostgreSQL against one, all in the same run, as
# ratios. wrk drives each for a bounded time; with two servers, two wrk
# runs at once, one per server, and their rates add up. The cluster runs
# with fsync off (a throwaway): the figures compare dyad's paths, not disks.
# Prints "name value" lines.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${DYAD_TEST_PG:-}" ] || { echo "bench/http-pg.sh: run it under scripts/with-postgres.sh" >&2; exit 1; }
SECONDS_EACH=${BENCH_HTTP_SECONDS:-5}
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
head -c 32 /dev/urandom >"$dir/secret"
psql "$DYAD_TEST_PG dbname=postgres" -XAtq -c "CREATE DATABASE dyad_bench" >/dev/null
pg="postgres:$DYAD_TEST_PG dbname=dyad_bench"

# start NAME DB: a server; its URL in $dir/NAME.url
start() {
  DYAD_SECRET_FILE="$dir/secret" build/dyad serve --listen 127.0.0.1:0 --db "$2" >"$dir/$1.out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do grep -q 'listening on' "$dir/$1.out" 2>/dev/null && break; sleep 0.1; done
  grep -o 'http://127.0.0.1:[0-9]*' "$dir/$1.out" | head -1 >"$dir/$1.url"
  [ -s "$dir/$1.url" ] || { echo "bench/http-pg.sh: server $1 did not start" >&2; exit 1; }
}

# session URL: an account and a session cookie, made as a client would
b64() { head -c "$1" /dev/urandom | base64 -w0; }
session() {
  local email="bench-$RANDOM$RANDOM@example.org" auth
  auth=$(b64 32)
  curl -s -o /dev/null -H 'Content-Type: application/json' "$1/api/v1/auth/register" -d \
    "{\"email\":\"$email\",\"display_name\":\"B\",\"kdf_salt\":\"$(b64 16)\",\"auth_key\":\"$auth\",\"box_public_key\":\"$(b64 32)\",\"sign_public_key\":\"$(b64 32)\",\"wrapped_keys\":\"$(b64 168)\",\"recovery_wrapped_keys\":\"$(b64 168)\"}"
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$1/api/v1/auth/login" \
    -d "{\"email\":\"$email\",\"auth_key\":\"$auth\"}" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/p'
}

rate() { wrk -t2 -c32 -d"${SECONDS_EACH}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

start lite "sqlite:$dir/b.db"
start pg1 "$pg"
start pg2 "$pg"
lite=$(cat "$dir/lite.url") pg1=$(cat "$dir/pg1.url") pg2=$(cat "$dir/pg2.url")
lite_cookie=$(session "$lite")
pg_cookie=$(session "$pg1")

lite_health=$(rate "$lite/healthz")
pg_health=$(rate "$pg1/healthz")
lite_me=$(rate -H "Cookie: $lite_cookie" "$lite/api/v1/me")
pg_me=$(rate -H "Cookie: $pg_cookie" "$pg1/api/v1/me")
# two servers at once, one wrk each (the session works on both)
rate -H "Cookie: $pg_cookie" "$pg1/api/v1/me" >"$dir/two.1" &
first=$!
rate -H "Cookie: $pg_cookie" "$pg2/api/v1/me" >"$dir/two.2"
wait "$first"
two_me=$(awk '{ s += $1 } END { printf "%.2f", s }' "$dir/two.1" "$dir/two.2")

echo "http_pg_lite_healthz_rps $lite_health"
echo "http_pg_lite_me_rps $lite_me"
echo "http_pg_healthz_rps $pg_health"
echo "http_pg_healthz_vs_sqlite $(ratio "$pg_health" "$lite_health")"
echo "http_pg_me_session_rps $pg_me"
echo "http_pg_me_session_vs_sqlite $(ratio "$pg_me" "$lite_me")"
echo "http_pg_two_servers_me_rps $two_me"
echo "http_pg_two_servers_vs_one $(ratio "$two_me" "$pg_me")"

#!/usr/bin/env bash
# HTTP benchmark over PostgreSQL, run beside a throwaway cluster
# (scripts/with-postgres.sh sets DYAD_TEST_PG; `make bench` does it). The
# same measures as bench/run.sh makes on SQLite — /healthz (a database
# read), a static asset (gzip), GET /api/v1/me and the insights API (28
# days) as many members (bench/sessions.lua) — for build/dyad on SQLite and
# on PostgreSQL, then two servers over the one PostgreSQL against one, all
# in the same run, as ratios. Both databases get the same small dataset
# from build/rel/bench/gendata (BENCH_PG_DYADS dyads, a year of check-ins,
# BENCH_PG_SESSIONS sessions). wrk drives each measure for a bounded time;
# with two servers, two wrk runs at once, one per server, and their rates
# add up. The cluster runs with fsync off (a throwaway): the figures compare
# dyad's paths, not disks. Prints "name value" lines.
#
#   DYAD_BENCH_BIN  the binary (build/dyad), to compare two builds
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${DYAD_TEST_PG:-}" ] || { echo "bench/http-pg.sh: run it under scripts/with-postgres.sh" >&2; exit 1; }
SECONDS_EACH=${BENCH_HTTP_SECONDS:-5}
DYADS=${BENCH_PG_DYADS:-200}
SESSIONS=${BENCH_PG_SESSIONS:-64}
bin=${DYAD_BENCH_BIN:-build/dyad}
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
head -c 32 /dev/urandom >"$dir/secret"
db=dyad_bench_$$
psql "$DYAD_TEST_PG dbname=postgres" -XAtq -c "CREATE DATABASE $db" >/dev/null
pg="postgres:$DYAD_TEST_PG dbname=$db"
lite_db="sqlite:$dir/b.db"

# the same dataset in both; each file of sessions is for its own database
build/rel/bench/gendata "$lite_db" "$DYADS" 365 "$SESSIONS" >"$dir/lite.sessions" 2>/dev/null
build/rel/bench/gendata "$pg" "$DYADS" 365 "$SESSIONS" >"$dir/pg.sessions" 2>/dev/null

# start NAME DB: a server; its URL in $dir/NAME.url
start() {
  DYAD_SECRET_FILE="$dir/secret" "$bin" serve --listen 127.0.0.1:0 --db "$2" --log-requests no \
    >"$dir/$1.out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do grep -q 'listening on' "$dir/$1.out" 2>/dev/null && break; sleep 0.1; done
  grep -o 'http://127.0.0.1:[0-9]*' "$dir/$1.out" | head -1 >"$dir/$1.url"
  [ -s "$dir/$1.url" ] || { echo "bench/http-pg.sh: server $1 did not start" >&2; exit 1; }
}

rate() { wrk -t2 -c32 -d"${SECONDS_EACH}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
cookie() { echo "Cookie: dyad_session=$(awk 'NR == 1 { print $2 }' "$1")"; }

start lite "$lite_db"
start pg1 "$pg"
start pg2 "$pg"
lite=$(cat "$dir/lite.url") pg1=$(cat "$dir/pg1.url") pg2=$(cat "$dir/pg2.url")
static=$(curl -s "$lite/" | grep -o 'src="/static/js/app[^"]*\.js"' | head -1 | sed 's/^src="//; s/"$//')
[ -n "$static" ] || static=/static/js/app.js

# measure NAME ARGS...: the rate on SQLite, on PostgreSQL, their ratio
measure() {
  local name=$1 sessions=$2
  shift 2
  local a b
  if [ "$sessions" = yes ]; then
    a=$(rate -s bench/sessions.lua "$lite" -- "$dir/lite.sessions" "$@")
    b=$(rate -s bench/sessions.lua "$pg1" -- "$dir/pg.sessions" "$@")
  else
    a=$(rate "$@" "$lite$path")
    b=$(rate "$@" "$pg1$path")
  fi
  echo "http_pg_lite_${name}_rps $a"
  echo "http_pg_${name}_rps $b"
  echo "http_pg_${name}_vs_sqlite $(ratio "$b" "$a")"
  eval "one_$name=$b"
}
path=/healthz measure healthz no
path=$static measure static no -H 'Accept-Encoding: gzip'
lite_me=$(rate -H "$(cookie "$dir/lite.sessions")" "$lite/api/v1/me")
pg_me=$(rate -H "$(cookie "$dir/pg.sessions")" "$pg1/api/v1/me")
echo "http_pg_lite_me_rps $lite_me"
echo "http_pg_me_rps $pg_me"
echo "http_pg_me_vs_sqlite $(ratio "$pg_me" "$lite_me")"
measure insights yes insights

# two servers at once, one wrk each, rates added (the sessions work on both)
two() {
  "$@" "$pg1" >"$dir/two.1" &
  local first=$!
  "$@" "$pg2" >"$dir/two.2"
  wait "$first"
  awk '{ s += $1 } END { printf "%.2f", s }' "$dir/two.1" "$dir/two.2"
}
me_two() { rate -H "$(cookie "$dir/pg.sessions")" "$1/api/v1/me"; }
insights_two() { rate -s bench/sessions.lua "$1" -- "$dir/pg.sessions" insights; }
two_me=$(two me_two)
two_insights=$(two insights_two)
echo "http_pg_two_servers_me_rps $two_me"
echo "http_pg_two_servers_me_vs_one $(ratio "$two_me" "$pg_me")"
echo "http_pg_two_servers_insights_rps $two_insights"
echo "http_pg_two_servers_insights_vs_one $(ratio "$two_insights" "$one_insights")"

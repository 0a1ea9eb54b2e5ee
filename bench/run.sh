#!/usr/bin/env bash
# make bench: dyad measured against its own parts, in the same run.
#
#  1. bench_insights: insights_compute in-process, 365 and 28 days.
#  2. The dataset: BENCH_DYADS (10,000) dyads x BENCH_DAYS (365) days of
#     check-ins for both members, made through the store by
#     build/rel/bench/gendata on a tmpfs, then copied to build/bench/data.db;
#     sessions for the first BENCH_SESSIONS (256) dyads' first members.
#  3. Start-up: time from `dyad serve` on the dataset to its first answer.
#  4. BENCH_ROUNDS (3) interleaved rounds of BENCH_SECONDS (4) each, wrk -t2
#     -c64 on loopback: the bare libmicrohttpd hello (bench/refserver.c);
#     dyad's /healthz; a static asset (gzip); the insights API and the
#     insights page as many members (bench/sessions.lua); durable check-in
#     writes as many members to their own dyads; raw SQLite single-row
#     commits with synchronous=FULL in a table of its own in the same
#     database file, so through the same WAL (bench/refsqlite.c);
#     and the insights API at 256 connections for p99 and errors.
#     The server runs with --trusted-proxy yes: wrk on loopback stands in for
#     the reverse proxy every connection of a real deployment comes from.
#  5. The server's peak RSS (VmHWM) after all that, and the first page's
#     bytes on the wire (bench/firstpage.mjs).
#  6. PostgreSQL (bench/http-pg.sh beside scripts/with-postgres.sh).
#
# Raw figures go to build/bench/raw.txt; bench/report.mjs writes
# build/bench.txt (the table of medians and ratios) and build/bench.json.
set -euo pipefail
cd "$(dirname "$0")/.."
DYADS=${BENCH_DYADS:-10000}
DAYS=${BENCH_DAYS:-365}
SESSIONS=${BENCH_SESSIONS:-256}
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-4}
out=build/bench
raw=$out/raw.txt
rm -rf "$out"
mkdir -p "$out"
: >"$raw"
shm=$(mktemp -d /dev/shm/dyad-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$shm"
}
trap cleanup EXIT
note() { echo "bench: $*" >&2; }
once() { echo "- $1 $2" >>"$raw"; }

# 1. in-process insights
note "insights_compute in-process"
build/rel/bench/bench_insights | while read -r k v; do once "$k" "$v"; done

# 2. the dataset
note "dataset: $DYADS dyads x $DAYS days (through the store, on a tmpfs)"
t0=$(date +%s.%N)
build/rel/bench/gendata "sqlite:$shm/data.db" "$DYADS" "$DAYS" "$SESSIONS" >"$out/sessions.txt" 2>"$out/gendata.log"
cp "$shm/data.db" "$out/data.db"
rm -f "$shm/data.db"*
# Written back now: otherwise the server's first WAL checkpoint, whose fsync
# of the database file waits for every dirty page, writes back the 1.4 GB copy
# in the middle of the first round's check-ins (seconds; wrk timeouts).
sync "$out/data.db"
t1=$(date +%s.%N)
once gendata_seconds "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
once dataset_bytes "$(stat -c %s "$out/data.db")"
head -c 32 /dev/urandom >"$out/secret"

# 3. start-up on the dataset (median of three)
note "start to first request"
for _ in 1 2 3; do node bench/startup.mjs build/dyad "sqlite:$out/data.db" "$out/secret"; done |
  awk '{ print $2 }' | sort -n | sed -n 2p | { read -r ms; once start_to_first_request_ms "$ms"; }

# 4. the servers
build/rel/bench/refserver >"$out/ref.out" & pids+=($!)
DYAD_SECRET_FILE="$out/secret" build/dyad serve --listen 127.0.0.1:0 --db "sqlite:$out/data.db" \
  --trusted-proxy yes >"$out/dyad.out" 2>"$out/dyad.log" & srv=$!
pids+=($srv)
for _ in $(seq 100); do grep -q 'listening on' "$out/dyad.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$out/dyad.out" | head -1)
for _ in $(seq 50); do grep -q '^port ' "$out/ref.out" 2>/dev/null && break; sleep 0.1; done
ref="http://127.0.0.1:$(sed -n 's/^port //p' "$out/ref.out")/"
[ -n "$url" ] || { echo "bench: dyad did not start" >&2; cat "$out/dyad.log" >&2; exit 1; }
static=$(curl -s "$url/" | grep -o 'src="/static/js/app[^"]*\.js"' | head -1 | sed 's/^src="//; s/"$//')
[ -n "$static" ] || static=/static/js/app.js

# wrk_run ROUND NAME [wrk args…]: the rate, and p99 and errors with --latency
wrk_run() {
  local round=$1 name=$2
  shift 2
  local o
  o=$(wrk -t2 -d"${SECS}s" --latency "$@" 2>>"$out/wrk.err")
  echo "$o" >>"$out/wrk.log"
  echo "$o" | awk -v r="$round" -v n="$name" '
    /Requests\/sec/ { print r, n "_rps", $2 }
    /^ +99%/ { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
               ms = u == "us" ? v / 1000 : u == "s" ? v * 1000 : v; print r, n "_p99_ms", ms }
    /Non-2xx/ { bad += $NF }
    /Socket errors/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
    END { print r, n "_errors", bad + 0 }' >>"$raw"
}

for r in $(seq "$ROUNDS"); do
  note "round $r of $ROUNDS"
  wrk_run "$r" ref_hello -c64 "$ref"
  wrk_run "$r" healthz -c64 "$url/healthz"
  wrk_run "$r" static -c64 -H 'Accept-Encoding: gzip' "$url$static"
  wrk_run "$r" insights -c64 -s bench/sessions.lua "$url" -- "$out/sessions.txt" insights
  wrk_run "$r" page -c64 -s bench/sessions.lua "$url" -- "$out/sessions.txt" page
  wrk_run "$r" checkin -c64 -s bench/sessions.lua "$url" -- "$out/sessions.txt" checkin
  # on the server's own database file and WAL (the server is idle meanwhile)
  build/rel/bench/refsqlite "$out/data.db" "$SECS" | awk -v r="$r" '{ print r, "ref_sqlite_commits", $2 }' >>"$raw"
  wrk_run "$r" insights256 -c256 -s bench/sessions.lua "$url" -- "$out/sessions.txt" insights
done

# 5. memory and the first page
once rss_peak_mib "$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$srv/status")"
once rss_mib "$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$srv/status")"
node bench/firstpage.mjs "$url" | while read -r k v; do once "$k" "$v"; done
kill "${pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true
pids=()

# 6. PostgreSQL
if [ "${BENCH_PG:-yes}" = yes ]; then
  note "PostgreSQL"
  scripts/with-postgres.sh bench/http-pg.sh | while read -r k v; do once "$k" "$v"; done
fi

node bench/report.mjs "$raw" build/bench.txt build/bench.json
echo "figures: build/bench.txt, build/bench.json (raw: $raw, wrk output: $out/wrk.log)"

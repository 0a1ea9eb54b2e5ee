#!/usr/bin/env bash
# HTTP benchmark: requests per second of build/dyad on /healthz (a database
# read), a static file, and GET /api/v1/me with a session (cookie lookup,
# user load, dyads), each next to bench/refserver.c (libmicrohttpd answering
# "ok") measured in the same run. wrk drives both on loopback for a bounded
# time. Prints "name value" lines; `make bench` appends them to build/bench.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${BENCH_HTTP_SECONDS:-5}
dir=$(mktemp -d)
trap 'kill $ref $srv 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT

build/rel/bench/refserver >"$dir/ref" & ref=$!
DYAD_SECRET_FILE="$dir/secret" build/dyad serve --listen 127.0.0.1:0 --db "sqlite:$dir/b.db" >"$dir/out" 2>/dev/null & srv=$!
for _ in $(seq 50); do grep -q 'listening on' "$dir/out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/out" | head -1)
rport=$(sed -n 's/^port //p' "$dir/ref")
[ -n "$url" ] && [ -n "$rport" ] || { echo "bench/http.sh: a server did not start" >&2; exit 1; }

# one account with a session, made as a client would (random keys: the server
# cannot tell, and it keeps the benchmark about the server)
b64() { head -c "$1" /dev/urandom | base64 -w0; }
email="bench-$RANDOM@example.org"
auth=$(b64 32)
curl -s -o /dev/null -H 'Content-Type: application/json' "$url/api/v1/auth/register" -d \
  "{\"email\":\"$email\",\"display_name\":\"B\",\"kdf_salt\":\"$(b64 16)\",\"auth_key\":\"$auth\",\"box_public_key\":\"$(b64 32)\",\"sign_public_key\":\"$(b64 32)\",\"wrapped_keys\":\"$(b64 168)\",\"recovery_wrapped_keys\":\"$(b64 168)\"}"
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$url/api/v1/auth/login" \
  -d "{\"email\":\"$email\",\"auth_key\":\"$auth\"}" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/p')

rate() { wrk -t2 -c32 -d"${SECONDS_EACH}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
ref_rps=$(rate "http://127.0.0.1:$rport/")
health=$(rate "$url/healthz")
static=$(rate "$url/static/js/app.js")
me=$(rate -H "Cookie: $cookie" "$url/api/v1/me")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "http_reference_rps $ref_rps"
echo "http_healthz_rps $health"
echo "http_healthz_ratio $(ratio "$health" "$ref_rps")"
echo "http_static_rps $static"
echo "http_static_ratio $(ratio "$static" "$ref_rps")"
echo "http_me_session_rps $me"
echo "http_me_session_ratio $(ratio "$me" "$ref_rps")"

#!/usr/bin/env bash
# Installs what dyad needs and is missing: Debian packages through apt-get and
# the pinned npm packages from package-lock.json. Idempotent and quiet when
# everything is already there, so `make run` and `make test` can call it every time.
#
#   scripts/deps.sh run    what building and serving needs
#   scripts/deps.sh test   that, plus what the test suites need (cmocka, Chromium, clang)
#   scripts/deps.sh bench  run's, plus the HTTP load generator (wrk)
#   scripts/deps.sh check  run's, plus the static checkers of `make check`
#                          (clang-format, cppcheck, clang-tidy; ESLint comes from npm)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-run}
# tzdata: the time zones reminders are scheduled in; ca-certificates: the
# SMTP relay's certificate is checked against them; zlib1g-dev and
# libbrotli-dev: tools/embed compresses the browser's files at build time
pkgs=(gcc make pkg-config libmicrohttpd-dev libsqlite3-dev libsodium-dev zlib1g-dev libbrotli-dev libjansson-dev libpq-dev libinih-dev libsystemd-dev libseccomp-dev libcurl4-openssl-dev libssl-dev tzdata ca-certificates nodejs npm sqlite3)
if [ "$mode" = test ]; then
  # systemd (systemd-analyze verify), mandoc (lint) and prometheus (promtool)
  # check what make install and /metrics produce; python3 stands in for
  # systemd's notification socket; postgresql: the store contract test and
  # the API suite also run on it; pgbouncer: two servers over one database
  # through a pooler (make test-pg); r-base-core and r-cran-nlme: R reads the
  # research exports and fits an actor-partner model with nlme (tests/r);
  # python3-aiosmtpd: the loopback SMTP sink the reminder tests send to;
  # nginx: dyad served behind the shipped nginx site (tests/api/nginx.test.mjs)
  pkgs+=(libcmocka-dev chromium clang libclang-rt-14-dev systemd mandoc prometheus python3 postgresql postgresql-client pgbouncer r-base-core r-cran-nlme openssl python3-aiosmtpd nginx)
fi
if [ "$mode" = check ]; then
  pkgs+=(clang-format cppcheck clang-tidy)
fi
if [ "$mode" = bench ]; then
  pkgs+=(wrk curl postgresql postgresql-client)
fi

missing=()
for p in "${pkgs[@]}"; do
  # node and npm may come from elsewhere than Debian (the image ships its own)
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is absent or older than the lock file. Not when
# node_modules is a symbolic link (a worktree sharing another tree's
# packages): npm ci empties the directory it points to, under everyone
# using it; that tree keeps its own packages up to date.
if [ -L node_modules ]; then
  :
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

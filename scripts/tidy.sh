#!/usr/bin/env bash
# clang-tidy over the C sources named (default: src/*/*.c tools/*.c), two at
# a time, with the checks in .clang-tidy and the build's own flags. Exit 1 on
# any finding. `make check` runs it; `scripts/tidy.sh src/web/app.c` checks
# one file.
set -uo pipefail
cd "$(dirname "$0")/.."
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in src/*/*.c tools/*.c; do
    files+=("$f")
  done
fi
flags="-std=c17 -D_GNU_SOURCE -Isrc -Ibuild/gen $(pkg-config --cflags libmicrohttpd sqlite3 libsodium jansson libpq 2>/dev/null)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
printf '%s\n' "${files[@]}" |
  xargs -P2 -n4 sh -c 'clang-tidy --quiet "$@" -- '"$flags"' 2>&1' _ >"$log"
status=$?
if grep -q 'error:' "$log" || [ $status -ne 0 ]; then
  grep -A3 'error:' "$log"
  [ $status -eq 0 ] || grep -v 'warnings\? generated\.$' "$log" | tail -20
  echo "clang-tidy: $(grep -c 'error:' "$log") finding(s), exit status $status"
  exit 1
fi
echo "clang-tidy: ${#files[@]} files, no finding"

#!/bin/sh
# scripts/fuzz-long.sh — `make fuzz-long`: each fuzz target (ASan + UBSan,
# built by `make fuzz-build`) runs until it has executed FUZZ_RUNS inputs
# (default 10 million) or FUZZ_MAX_SECONDS have passed (default 7200), from
# its checked-in corpus with its dictionary and the flags in
# tests/fuzz/<target>.options, if there is one. New inputs go to
# build/fuzz/long/<target>; afterwards those that add coverage are merged
# into the checked-in corpus (libFuzzer's -merge=1), so `git status` shows
# what the run found. One line per target goes to build/fuzz-long.txt:
#
#   fuzz_edge runs=10000000 seconds=412 cov=312 ft=1190 corpus=9->57 crashes=0
#
# runs: inputs executed (libFuzzer's stat::number_of_executed_units);
# cov / ft: the coverage libFuzzer reported at the end (edges / features);
# corpus: checked-in inputs before -> after the merge; crashes: inputs that
# crashed or broke an invariant (saved as build/fuzz/crashes/<target>-*;
# libFuzzer's slow-unit-* there are inputs that took over 10 s, not crashes).
# A fuzzer stopped by hand (`kill` of its process, not of this script)
# ends its line with stopped=yes, and its new inputs are merged all the
# same. Exits 1 if any target crashed. FUZZ_TARGETS limits the run to some;
# FUZZ_OUT names another figures file (for two runs side by side).
set -u
RUNS=${FUZZ_RUNS:-10000000}
MAX=${FUZZ_MAX_SECONDS:-7200}
TARGETS=${FUZZ_TARGETS:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}
OUT=${FUZZ_OUT:-build/fuzz-long.txt}
mkdir -p build/fuzz/crashes build/fuzz/long
: > "$OUT"
failed=""
for t in $TARGETS; do
    bin=build/fuzz/bin/$t
    corpus=tests/fuzz/corpus/$t
    new=build/fuzz/long/$t
    log=build/fuzz/$t.long.log
    mkdir -p "$new" "$corpus"
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    # a target's own libFuzzer flags, one per line (comments start with #)
    opts=""
    [ -f "tests/fuzz/$t.options" ] && opts=$(grep -v '^#' "tests/fuzz/$t.options" | tr '\n' ' ')
    before=$(ls "$corpus" | wc -l)
    crashes_before=$(ls build/fuzz/crashes | grep "^$t-" | grep -vc "^$t-slow-unit-" || true)
    echo "== fuzz-long $t: up to $RUNS inputs or ${MAX}s"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$bin" -runs="$RUNS" -max_total_time="$MAX" -timeout=30 -print_final_stats=1 $dict $opts \
        -artifact_prefix="build/fuzz/crashes/$t-" "$new" "$corpus" > "$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | sed 's/cov: //')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | sed 's/ft: //')
    # keep what adds coverage (the merge runs every new input once more)
    "$bin" -merge=1 -timeout=30 "$corpus" "$new" > "build/fuzz/$t.merge.log" 2>&1 || true
    after=$(ls "$corpus" | wc -l)
    crashes=$(( $(ls build/fuzz/crashes | grep "^$t-" | grep -vc "^$t-slow-unit-" || true) - crashes_before ))
    # stopped by hand (SIGINT or SIGTERM): libFuzzer prints its figures and
    # exits 72; that is a shorter run, not a crash
    stopped=""
    if [ "$rc" -eq 72 ] && [ "$crashes" -eq 0 ] && grep -q 'libFuzzer: run interrupted' "$log"; then
        stopped=" stopped=yes"
    elif [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        crashes=1
    fi
    [ "$crashes" -gt 0 ] && failed="$failed $t"
    line="$t runs=${runs:-?} seconds=$secs cov=${cov:-?} ft=${ft:-?} corpus=$before->$after crashes=$crashes$stopped"
    echo "$line" | tee -a "$OUT"
done
echo "figures written to $OUT"
if [ -n "$failed" ]; then
    echo "fuzz-long: crashes in$failed (inputs in build/fuzz/crashes/, logs in build/fuzz/*.long.log)"
    exit 1
fi

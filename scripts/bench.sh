#!/usr/bin/env bash
# Benchmarks (native, optimised build): each bench_* program prints its figures beside
# its targets, and lines "ROW|what|figure|target|ok" that this script collects into one
# summary table (markdown) at the end, with the Windows figures from
# scripts/bench-wine.sh (WMI calls per check, publish to report, idle service). A
# program that fails is reported and the others still run; the exit status is 1 when
# any program failed or any row missed its target.
# OCSFED_BUILD: the build root (default build/; the tree is OCSFED_BUILD/bench).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OCSFED_BUILD:-$root/build}/bench
bash "$root/scripts/setup.sh" >&2 || exit 1
mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" >&2 || exit 1

# Everything the programs print, kept beside the build tree (TMPDIR is theirs).
rows=$build.out
: >"$rows" || exit 1
# Figures measured under Wine (scripts/bench-wine.sh); shown as not measured when that
# part is skipped or fails.
placeholders=(
  "WMI calls per check, nothing to change (stand-in, Wine)"
  "publish to applied report (Wine)"
)
failed=0
start=$SECONDS
# run NAME COMMAND...: the rows go to the table; everything else is shown as it comes.
run() {
  local name=$1 t0=$SECONDS rc
  shift
  echo "== $name"
  "$@" 2>&1 | tee -a "$rows" | grep --line-buffered -v '^ROW|'
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    echo "!! $name FAILED (exit $rc)"
    echo "ROW|$name|FAILED (exit $rc)|every figure within target|NO" >>"$rows"
    failed=1
  fi
  echo "   ($name: $((SECONDS - t0)) s)"
}
for b in "$build"/bench/bench_*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  run "$(basename "$b")" "$b"
done
# The Windows figures, under Wine (OCSFED_BENCH_NO_WINE=1 skips them).
[ "${OCSFED_BENCH_NO_WINE:-0}" = 1 ] || run bench-wine bash "$root/scripts/bench-wine.sh"

echo
echo "## Summary ($(date +%F), $(nproc) cores, $((SECONDS - start)) s)"
echo
echo "| what | figure | target | ok |"
echo "| --- | --- | --- | --- |"
grep '^ROW|' "$rows" | awk -F'|' '{ printf "| %s | %s | %s | %s |\n", $2, $3, $4, $5 }'
for p in "${placeholders[@]}"; do
  grep -qF "ROW|$p|" "$rows" || echo "| $p | not measured by this command yet | | |"
done
if grep '^ROW|' "$rows" | awk -F'|' '$5 != "yes" { bad = 1 } END { exit !bad }'; then
  failed=1
fi
if [ "$failed" -ne 0 ]; then
  echo
  echo "bench: FAILED (a program failed or a figure missed its target)"
  exit 1
fi

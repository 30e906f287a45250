#!/usr/bin/env bash
# Benchmarks (native, optimised build): each prints its figures beside its target.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OCSFED_BUILD:-$root/build}/bench
bash "$root/scripts/setup.sh" >&2
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" >&2
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done

#!/usr/bin/env bash
# A long fuzzing run (the test command gives each target OCSFED_FUZZ_SECONDS, 30 s):
#   bash scripts/fuzz-soak.sh [SECONDS_PER_TARGET] [TARGET...]
# Builds the sanitizer tree with the libFuzzer targets (clang, ASan + UBSan) and runs
# each target (default: all) for SECONDS_PER_TARGET (default 3600) on every core, with
# the repository's corpus as seeds. New inputs go to build/fuzz-soak/corpus-TARGET;
# a crash is saved as build/fuzz-soak/crash-* and fails the run. Worth copying the
# inputs that add coverage into fuzz/corpus/TARGET (libFuzzer's -merge=1 picks them).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OCSFED_BUILD:-$root/build}/fuzz-soak
seconds=${1:-3600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(manifest report cms sip)
bash "$root/scripts/setup.sh" >&2 || exit 1
mkdir -p "$build"
CC=clang cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOCSFED_SANITIZE=ON -DOCSFED_FUZZ=ON \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target $(printf 'fuzz_%s ' "${targets[@]}") >&2 || exit 1
rc=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus-$t"
  dict=()
  [ -f "$root/fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")
  echo "== fuzz_$t for $seconds s on $(nproc) cores"
  (cd "$build" && "./fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -jobs="$(nproc)" -workers="$(nproc)" -print_final_stats=1 "${dict[@]}" \
    "corpus-$t" "$root/fuzz/corpus/$t") || { echo "!! fuzz_$t found a problem (see $build/crash-*)"; rc=1; }
done
exit $rc

#!/usr/bin/env bash
# The benchmarks that need Windows, under Wine (run by scripts/bench.sh; prints
# "ROW|what|figure|target|ok" lines like the native ones):
#   bench_wmi        WMI calls per check against the OCS stand-in (nothing to change,
#                    k entries drifted)
#   bench-service    the MSI-installed service: publish to applied report, and its
#                    idle memory and CPU over a minute of watching the share
# Builds an optimised Windows tree in OCSFED_BUILD/bench-win.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OCSFED_BUILD:-$root/build}/bench-win
deps=$(bash "$root/scripts/build-deps.sh" | tail -n 1) || exit 1
OCSFED_WINE_TEMPLATE=$(bash "$root/scripts/wine-prefix.sh" | tail -n 1) || exit 1
export OCSFED_WINE_TEMPLATE
mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-mingw64.cmake" -DOCSFED_DEPS_PREFIX="$deps" \
  -DCMAKE_CROSSCOMPILING_EMULATOR="$root/scripts/wine-run.sh" >"$build.configure.log" 2>&1 \
  || { cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build" --target bench_wmi msi >&2 || exit 1
msi=$(ls "$build"/packaging/ocsfed-*-x64.msi | head -n 1)
rc=0
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
echo "== bench_wmi (Wine)"
# bench_wmi keeps its ownership record and journal in the current folder.
(cd "$work" && bash "$root/scripts/wine-run.sh" "$build/tests/win/bench_wmi.exe" "$root/examples" 2>/dev/null) \
  | tr -d '\r' || rc=1
echo "== bench-service (Wine)"
bash "$root/scripts/wine-run.sh" --shell "$root/scripts/bench-service.sh" "$msi" "$build/bin/ocsfed.exe" \
  "$root/examples" 2>/dev/null || rc=1
exit $rc

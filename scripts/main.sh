#!/usr/bin/env bash
# The main job (README): builds the Windows agent and, under Wine, applies the TLS
# example manifest to a fresh simulated front end: plan (changes pending), apply, plan
# again (nothing left to change). `scripts/main.sh --native` does the same natively.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OCSFED_BUILD:-$root/build}

bash "$root/scripts/setup.sh" >&2
deps=$(bash "$root/scripts/build-deps.sh" | tail -n 1)
OCSFED_WINE_TEMPLATE=$(bash "$root/scripts/wine-prefix.sh" | tail -n 1)
export OCSFED_WINE_TEMPLATE
mkdir -p "$build"
cmake -S "$root" -B "$build/win" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-mingw64.cmake" -DOCSFED_DEPS_PREFIX="$deps" \
  -DCMAKE_CROSSCOMPILING_EMULATOR="$root/scripts/wine-run.sh" \
  -DOCSFED_TEST_PREFIX=win. -DOCSFED_TEST_LABEL=wine >"$build/win.configure.log" 2>&1 \
  || { cat "$build/win.configure.log" >&2; exit 1; }
cmake --build "$build/win" --target ocsfed >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "${1:-}" = "--native" ]; then
  cmake -S "$root" -B "$build/native" -G Ninja >"$build/native.configure.log" 2>&1 \
    || { cat "$build/native.configure.log" >&2; exit 1; }
  cmake --build "$build/native" --target ocsfed >&2
  exec bash "$root/scripts/main-steps.sh" "" "$build/native/bin/ocsfed" "$root/examples" "$work"
fi
exec bash "$root/scripts/wine-run.sh" --shell "$root/scripts/main-steps.sh" /usr/lib/wine/wine64 \
  "$build/win/bin/ocsfed.exe" "$root/examples" "$work"

#!/usr/bin/env bash
# The main job (README): builds the Windows agent and runs it under Wine.
# For now it prints the agent's version; the apply issue turns this into applying
# examples/ to a simulated front end.
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
exe="$build/win/agent/ocsfed.exe"
echo "\$ wine ocsfed.exe --version"
"$root/scripts/wine-run.sh" "$exe" --version

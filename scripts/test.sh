#!/usr/bin/env bash
# The test command (README, .ci/run): on a fresh Debian 12 machine, as root, installs
# what it needs, builds the three trees and runs every test in one ctest run:
#   native.*  Debian's gcc, the portable core
#   asan.*    clang with AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzzers
#   win.*     MinGW-w64 x86_64 static, run by Wine, one throw-away prefix per test
# Caches (MinGW dependencies, Wine prefix template) live in $OCSFED_CACHE
# (/var/cache/ocsfed), outside the repo; build trees in ./build (ignored by git).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OCSFED_BUILD:-$root/build}
fuzz_seconds=${OCSFED_FUZZ_SECONDS:-30}
t0=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - t0 )) s)"; }

step "setup: packages"
bash "$root/scripts/setup.sh"
step "MinGW dependencies (cJSON, CMocka, OpenSSL from Debian sources)"
deps=$(bash "$root/scripts/build-deps.sh" | tail -n 1)
step "Wine prefix template"
OCSFED_WINE_TEMPLATE=$(bash "$root/scripts/wine-prefix.sh" | tail -n 1)
export OCSFED_WINE_TEMPLATE

configure() { # dir, cmake args...
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug "$@" >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; exit 1; }
}
mkdir -p "$build"
step "configure: native, asan, win"
configure "$build/native" -DOCSFED_TEST_PREFIX=native. -DOCSFED_TEST_LABEL=native
CC=clang configure "$build/asan" -DOCSFED_SANITIZE=ON -DOCSFED_FUZZ=ON \
  -DOCSFED_FUZZ_SECONDS="$fuzz_seconds" -DOCSFED_TEST_PREFIX=asan. -DOCSFED_TEST_LABEL=asan
configure "$build/win" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-mingw64.cmake" \
  -DOCSFED_DEPS_PREFIX="$deps" -DCMAKE_CROSSCOMPILING_EMULATOR="$root/scripts/wine-run.sh" \
  -DOCSFED_TEST_PREFIX=win. -DOCSFED_TEST_LABEL=wine
for t in native asan win; do
  step "build: $t"
  cmake --build "$build/$t" -- -k 0
done

# One ctest run over the three trees, so there is one summary line for all of them.
mkdir -p "$build/all"
printf 'subdirs("%s" "%s" "%s")\n' "$build/native" "$build/asan" "$build/win" >"$build/all/CTestTestfile.cmake"
step "ctest: every tree"
exec ctest --test-dir "$build/all" -j"$(nproc)" --output-on-failure --timeout 900

#!/usr/bin/env bash
# Builds cJSON, CMocka and OpenSSL for MinGW-w64 (x86_64, static) from Debian's
# source packages and installs them into a prefix cached outside the repo.
#
# The prefix is keyed by the source package versions, this script's hash, the MinGW
# gcc version and the Windows target, so a change to any of them builds a new one.
# It is built in a temporary folder and renamed into place when complete: an
# interrupted run leaves nothing that a later run would mistake for a good prefix.
#
# Prints the prefix path on stdout (last line); progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${OCSFED_CACHE:-/var/cache/ocsfed}
# Oldest Windows that runs OCS 2007 R2: Server 2003 SP2 x64 (NT 5.2). The headers then
# refuse newer APIs, and OpenSSL picks CryptGenRandom over bcrypt.dll (see README).
winnt=${OCSFED_WIN32_WINNT:-0x0502}
host=x86_64-w64-mingw32
jobs=$(nproc 2>/dev/null || echo 2)

log() { echo "build-deps: $*" >&2; }

mkdir -p "$cache/src"

# Source package versions as apt sees them now. The security suite's openssl .dsc has
# been seen missing while its tarball was there; candidates are tried newest first and
# the first that downloads whole wins.
src_versions() { apt-cache showsrc "$1" 2>/dev/null | awk '/^Version:/ {print $2}' | sort -Vr | uniq; }

fetch_src() { # name -> prints "version dsc-path"
  local name=$1 v dsc
  # Already downloaded (a previous run): no network needed.
  for v in $(src_versions "$name"); do
    dsc="$cache/src/${name}_${v#*:}.dsc"
    if [ -f "$dsc" ] && [ -f "$dsc.ok" ]; then echo "$v $dsc"; return 0; fi
  done
  for v in $(src_versions "$name"); do
    dsc="$cache/src/${name}_${v#*:}.dsc"
    log "downloading source $name=$v"
    if (cd "$cache/src" && apt-get source -q --download-only "$name=$v" >/dev/null 2>&1) \
        && [ -f "$dsc" ]; then
      touch "$dsc.ok"
      echo "$v $dsc"
      return 0
    fi
  done
  # Offline and no apt lists: fall back to whatever complete download the cache holds.
  dsc=$(ls -1 "$cache/src/${name}"_*.dsc 2>/dev/null | sort -Vr | while read -r d; do
          [ -f "$d.ok" ] && { echo "$d"; break; }; done)
  if [ -n "$dsc" ]; then
    v=${dsc##*/${name}_}; echo "${v%.dsc} $dsc"; return 0
  fi
  log "error: cannot download the Debian source package '$name' (is there a deb-src entry? run scripts/setup.sh)"
  return 1
}

read -r cjson_v cjson_dsc < <(fetch_src cjson)
read -r cmocka_v cmocka_dsc < <(fetch_src cmocka)
read -r openssl_v openssl_dsc < <(fetch_src openssl)

gccv=$($host-gcc -dumpversion)-$($host-gcc -v 2>&1 | awk '/Thread model/ {print $3}')
key=$(printf '%s\n' "cjson=$cjson_v" "cmocka=$cmocka_v" "openssl=$openssl_v" "gcc=$gccv" \
        "winnt=$winnt" "$(sha256sum "$0" | cut -d' ' -f1)" \
        "$(sha256sum "$here/../cmake/toolchain-mingw64.cmake" | cut -d' ' -f1)" \
      | sha256sum | cut -c1-16)
prefix="$cache/mingw-deps-$key"

if [ -f "$prefix/.complete" ]; then
  log "cached: $prefix (cjson $cjson_v, cmocka $cmocka_v, openssl $openssl_v)"
  echo "$prefix"
  exit 0
fi

log "building into $prefix (cjson $cjson_v, cmocka $cmocka_v, openssl $openssl_v, gcc $gccv, _WIN32_WINNT=$winnt)"
start=$(date +%s)
work=$(mktemp -d "$cache/build.XXXXXX")
stage="$work/prefix"
trap 'rm -rf "$work"' EXIT
mkdir -p "$stage"

unpack() { # dsc dir
  dpkg-source --no-check -x "$1" "$2" >/dev/null 2>&1 \
    || { log "error: dpkg-source -x $1 failed"; return 1; }
}

defs="-D_WIN32_WINNT=$winnt -DWINVER=$winnt"
toolchain="$here/../cmake/toolchain-mingw64.cmake"

# cJSON: its own compiler flags would need libssp; hidden symbols keep users from
# seeing dllimport declarations (compile users with -DCJSON_HIDE_SYMBOLS).
unpack "$cjson_dsc" "$work/cjson"
cmake -S "$work/cjson" -B "$work/cjson/b" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$stage" -DCMAKE_C_FLAGS="$defs" \
  -DBUILD_SHARED_LIBS=OFF -DENABLE_CJSON_TEST=OFF -DENABLE_CUSTOM_COMPILER_FLAGS=OFF \
  -DENABLE_HIDDEN_SYMBOLS=ON -DENABLE_CJSON_UTILS=OFF >"$work/cjson.log" 2>&1 \
  && cmake --build "$work/cjson/b" >>"$work/cjson.log" 2>&1 \
  && cmake --install "$work/cjson/b" >>"$work/cjson.log" 2>&1 \
  || { tail -30 "$work/cjson.log" >&2; exit 1; }
log "cjson done"

# CMocka: builds a DLL as well; users link libcmocka-static.a explicitly.
unpack "$cmocka_dsc" "$work/cmocka"
cmake -S "$work/cmocka" -B "$work/cmocka/b" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$stage" -DCMAKE_C_FLAGS="$defs" \
  -DWITH_STATIC_LIB=ON -DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF >"$work/cmocka.log" 2>&1 \
  && cmake --build "$work/cmocka/b" >>"$work/cmocka.log" 2>&1 \
  && cmake --install "$work/cmocka/b" >>"$work/cmocka.log" 2>&1 \
  || { tail -30 "$work/cmocka.log" >&2; exit 1; }
log "cmocka done"

# OpenSSL: for MinGW it bakes OPENSSLDIR/ENGINESDIR/MODULESDIR from the build prefix,
# which on Windows is a path any user may be able to create (CVE-2019-1552 class) and
# the agent runs as SYSTEM. Point them at a protected folder and do not auto-load a
# config file at all.
unpack "$openssl_dsc" "$work/openssl"
sslvars=(OPENSSLDIR="C:/Program Files/Common Files/SSL"
         ENGINESDIR="C:/Program Files/Common Files/SSL/engines-3"
         MODULESDIR="C:/Program Files/Common Files/SSL/modules")
(
  cd "$work/openssl"
  ./Configure mingw64 --cross-compile-prefix=$host- --prefix="$stage" --libdir=lib \
    no-shared no-tests no-module no-engine no-legacy no-dso no-autoload-config \
    $defs >"$work/openssl.log" 2>&1
  make -j"$jobs" "${sslvars[@]}" build_libs >>"$work/openssl.log" 2>&1
  make "${sslvars[@]}" install_dev >>"$work/openssl.log" 2>&1
) || { tail -40 "$work/openssl.log" >&2; exit 1; }
if strings "$stage/lib/libcrypto.a" | grep -q "$work"; then
  log "error: libcrypto.a still names the build folder ($work); refusing to cache it"
  exit 1
fi
log "openssl done"

rm -rf "$stage/share/doc" "$stage/share/man" "$stage/bin"
printf 'cjson %s\ncmocka %s\nopenssl %s\ngcc %s\n_WIN32_WINNT %s\n' \
  "$cjson_v" "$cmocka_v" "$openssl_v" "$gccv" "$winnt" >"$stage/VERSIONS"
touch "$stage/.complete"
rm -rf "$prefix"
mv "$stage" "$prefix"
# Older prefixes are left for the operator to prune; each is about 11 MB.
log "built in $(( $(date +%s) - start )) s"
echo "$prefix"

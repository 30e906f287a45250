#!/usr/bin/env bash
# CMAKE_CROSSCOMPILING_EMULATOR of the Windows tree: runs one Windows program in a
# private, throw-away Wine prefix copied from the cached template, so no test sees
# what another left in the registry, the certificate stores or the services.
#   OCSFED_WINE_TEMPLATE  template prefix (default: made by scripts/wine-prefix.sh)
#   OCSFED_WINE_KEEP=1    keep the prefix and print its path (debugging)
# `wine-run.sh --shell SCRIPT ARGS...` runs a bash script instead, with WINEPREFIX and
# WINE (the loader) set, for tests that take several Windows steps in one prefix.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmpl=${OCSFED_WINE_TEMPLATE:-$(bash "$here/wine-prefix.sh")} || exit 125
dir=$(mktemp -d "${TMPDIR:-/tmp}/ocsfed-wine.XXXXXX") || exit 125
mkdir "$dir/p"
# The template's own 'wineserver' socket-dir pointer is not copied.
(cd "$tmpl" && tar --exclude=./wineserver -cf - .) | (cd "$dir/p" && tar -xf -) || exit 125
export WINEPREFIX="$dir/p" WINEARCH=win64 WINEDEBUG=${WINEDEBUG:--all} WINEDLLOVERRIDES="mscoree,mshtml="
loader=/usr/lib/wine/wine64
[ -x "$loader" ] || loader=wine
if [ "${1:-}" = "--shell" ]; then
  shift
  WINE=$loader bash "$@"
else
  "$loader" "$@"
fi
rc=$?
wineserver -k >/dev/null 2>&1
wineserver -w >/dev/null 2>&1
# A Wine process started while the server was being killed (rpcss.exe, seen once) can
# outlive it, holding the test's output pipe open: ctest then waits until its timeout
# and fails a test that passed. Any process of this prefix's Wine is stopped here.
for p in /proc/[0-9]*; do
  case $(readlink "$p/exe" 2>/dev/null) in
    */wine*) grep -qzxF "WINEPREFIX=$WINEPREFIX" "$p/environ" 2>/dev/null && kill -9 "${p#/proc/}" 2>/dev/null ;;
  esac
done
if [ "${OCSFED_WINE_KEEP:-0}" = 1 ]; then
  echo "wine-run: prefix kept at $WINEPREFIX" >&2
else
  rm -rf "$dir"
fi
exit $rc

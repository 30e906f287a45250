#!/usr/bin/env bash
# Prints the path of a booted Wine prefix template, creating it once (about 12 s) in
# the cache outside the repo. Tests never run in it: scripts/wine-run.sh copies it to
# a private, throw-away prefix per test. Keyed by the Wine version and this script.
set -euo pipefail

cache=${OCSFED_CACHE:-/var/cache/ocsfed}
ver=$(/usr/lib/wine/wine64 --version 2>/dev/null || wine --version 2>/dev/null)
key=$(printf '%s\n' "$ver" "$(sha256sum "$0" | cut -d' ' -f1)" | sha256sum | cut -c1-12)
tmpl="$cache/wineprefix-$key"

if [ -f "$tmpl/.complete" ]; then
  echo "$tmpl"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/wineprefix.tmp.XXXXXX")
trap 'WINEPREFIX="$work/p" wineserver -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
echo "wine-prefix: creating the template prefix ($ver) in $tmpl" >&2
export WINEPREFIX="$work/p" WINEDEBUG=-all WINEARCH=win64 WINEDLLOVERRIDES="mscoree,mshtml="
# No Mono/Gecko installer prompts: ocsfed needs neither.
wineboot --init >/dev/null 2>&1
wineserver -w
touch "$WINEPREFIX/.complete"
rm -rf "$tmpl"
mv "$WINEPREFIX" "$tmpl"
# A template is ~700 MB: drop those of other Wine versions or older scripts.
for old in "$cache"/wineprefix-*; do
  [ "$old" = "$tmpl" ] || [ ! -f "$old/.complete" ] || rm -rf "$old"
done
echo "$tmpl"

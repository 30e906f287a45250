#!/usr/bin/env bash
# Builds the ocsfed MSI with wixl (msitools), then adds the launch condition that wixl
# cannot express.
#   build-msi.sh EXE_DIR VERSION OUT_MSI
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe_dir=$1 version=$2 out=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# wixl resolves File/@Source against the current folder only.
(cd "$exe_dir" && wixl -a x64 -D Version="$version" -o "$tmp/ocsfed.msi" "$here/ocsfed.wxs")
# Keep wixl's own rows (the MajorUpgrade downgrade check) and add ours.
(cd "$tmp" && msiinfo export ocsfed.msi LaunchCondition >LaunchCondition.idt)
grep -v '^#' "$here/launch-condition.txt" | sed 's/$/\r/' >>"$tmp/LaunchCondition.idt"
msibuild "$tmp/ocsfed.msi" -i "$tmp/LaunchCondition.idt"
if ! msiinfo export "$tmp/ocsfed.msi" LaunchCondition | grep -q 'VersionNT64 >= 502'; then
  echo "build-msi: the launch condition did not make it into the MSI" >&2
  exit 1
fi
mv "$tmp/ocsfed.msi" "$out"

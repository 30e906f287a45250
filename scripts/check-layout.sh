#!/usr/bin/env bash
# The layout rules the tree keeps (docs/development.md), checked on the sources:
#   - the portable core (agent/, certstore/) and posix/ include no Windows header and
#     hold no *_win.c; Windows code lives in win/ and wmi/, each file *_win.c or a header;
#   - every file is opened through one helper (ofd_fopen, agent/fsutil.h): no fopen of a
#     UTF-8 path in the product's sources outside the fsutil files.
# The build checks the same of the targets (CMakeLists.txt: the layout rule).
#   check-layout.sh SOURCE_ROOT
set -u
root=${1:-.}
cd "$root" || exit 2
fails=0
bad() { echo "layout: $*"; fails=$((fails + 1)); }

portable="agent certstore posix"
win_headers='windows\.h|winsock2?\.h|wincrypt\.h|winsvc\.h|aclapi\.h|sddl\.h|shlobj\.h|wbemidl\.h|objbase\.h|io\.h|_win\.h'
for d in $portable; do
  while IFS= read -r hit; do bad "portable code includes a Windows header: $hit"; done \
    < <(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($win_headers)[>\"]" "$d"/*.c "$d"/*.h 2>/dev/null)
  for f in "$d"/*_win.c "$d"/*_win.h; do [ -e "$f" ] && bad "Windows source in a portable folder: $f"; done
done
for f in win/* wmi/*; do
  case "$f" in *_win.c|*.h|*.mc|*/CMakeLists.txt) ;; *) bad "a file in a Windows folder not named *_win.c: $f" ;; esac
done
while IFS= read -r hit; do bad "a file opened without ofd_fopen (UTF-16 on Windows): $hit"; done \
  < <(grep -nE "\b(_w)?fopen[[:space:]]*\(" agent/*.c certstore/*.c posix/*.c win/*.c wmi/*.c 2>/dev/null \
      | grep -vE "^(agent/fsutil_common|posix/fsutil_posix|win/fsutil_win)\.c:")
# Test-only code stays in tests/: nothing in the product folders is named for faults.
for f in agent/*fault* certstore/*fault* win/*fault* wmi/*fault*; do [ -e "$f" ] && bad "test-only code in the product: $f"; done

if [ $fails -eq 0 ]; then echo "layout: ok"; else echo "layout: $fails problem(s)"; fi
[ $fails -eq 0 ]

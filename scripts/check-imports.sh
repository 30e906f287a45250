#!/usr/bin/env bash
# Reads the import table of each Windows executable and fails on any DLL or function
# that the oldest supported Windows lacks: a MinGW build that quietly imports a newer
# API fails on the real OCS servers with a loader error that Wine never shows.
#   check-imports.sh ALLOWED_LIST EXE...
# ALLOWED_LIST (packaging/imports-allowed.txt): "target N.N" gives the oldest supported
# NT version; each other line is "DLL FUNCTION [SINCE]", SINCE defaulting to 5.2.
set -euo pipefail
list=$1; shift
objdump=${OBJDUMP:-x86_64-w64-mingw32-objdump}
status=0
for exe in "$@"; do
  "$objdump" -p "$exe" \
    | awk '/DLL Name:/ {dll=toupper($3)} /^\t[0-9a-f]+\t +[0-9]+ +[A-Za-z_?@]/ {print dll, $3}' \
    | sort -u >"${TMPDIR:-/tmp}/imports.$$"
  if [ ! -s "${TMPDIR:-/tmp}/imports.$$" ]; then
    echo "check-imports: $exe: no import table read (is it a PE file?)" >&2
    status=1; continue
  fi
  awk -v exe="$exe" -v list="$list" '
    function ver(s,  a) { split(s, a, "."); return a[1] * 100 + a[2] }
    function vname(v) {
      return v <= 502 ? "Windows Server 2003 SP2 x64 (5.2)" : v <= 600 ? "Windows Server 2008 (6.0)" : \
             v <= 601 ? "Windows Server 2008 R2 (6.1)" : "a Windows newer than 2008 R2"
    }
    BEGIN {
      target = 0
      while ((getline line < list) > 0) {
        sub(/#.*/, "", line); n = split(line, f, /[ \t]+/)
        if (n == 0 || (n == 1 && f[1] == "")) continue
        if (f[1] == "") { for (i = 1; i < n; i++) f[i] = f[i + 1]; n-- }
        if (f[1] == "target") { target = ver(f[2]); continue }
        since[toupper(f[1]) " " f[2]] = (n >= 3 ? ver(f[3]) : 502)
        if (f[2] == "*") dllwide[toupper(f[1])] = (n >= 3 ? ver(f[3]) : 502)
        known[toupper(f[1])] = 1
      }
      if (!target) { print "check-imports: no \"target\" line in " list > "/dev/stderr"; exit 2 }
    }
    {
      key = $1 " " $2; bad = ""
      if ($1 in dllwide && dllwide[$1] > target)
        bad = $1 " exists only from " vname(dllwide[$1])
      else if (!($1 in known))
        bad = "DLL " $1 " is not in the allowed list"
      else if (!(key in since) && !($1 in dllwide))
        bad = "not in the allowed list (check its minimum Windows version, then add it)"
      else if (key in since && since[key] > target)
        bad = "needs " vname(since[key])
      if (bad != "") { printf "%s: imports %s!%s: %s; the oldest supported system is %s\n", exe, $1, $2, bad, vname(target); fails++ }
      total++
    }
    END { if (fails) exit 1; printf "%s: %d imports, all available on %s and later\n", exe, total, vname(target) }
  ' "${TMPDIR:-/tmp}/imports.$$" || status=1
  rm -f "${TMPDIR:-/tmp}/imports.$$"
done
exit $status

#!/usr/bin/env bash
# The MSI installs on the systems OCS 2007 R2 runs on and refuses the others with its
# message. Runs inside scripts/wine-run.sh --shell (WINEPREFIX and WINE set).
#   msi_supported_systems.sh OCSFED_MSI
set -u
msi=$1
. "$(dirname "$0")/msi-wait.sh"
fails=0
log=$(mktemp)

set_version() { # winecfg's version name, product type (WinNT = workstation, ServerNT)
  "$WINE" reg add 'HKCU\Software\Wine' /v Version /d "$1" /f >/dev/null 2>&1
  "$WINE" reg add 'HKLM\System\CurrentControlSet\Control\ProductOptions' /v ProductType /d "$2" /f >/dev/null 2>&1
}
exe="$WINEPREFIX/drive_c/Program Files/ocsfed/ocsfed.exe"
installed() { [ -f "$exe" ]; }

expect_install() { # label, version, product type
  set_version "$2" "$3"
  "$WINE" msiexec /i "$(winepath -w "$msi" 2>/dev/null)" /qn /l*v "$(winepath -w "$log" 2>/dev/null)" >/dev/null 2>&1
  local rc=$?
  if [ $rc -ne 0 ] || ! installed; then
    echo "FAIL $1: install exited $rc, ocsfed.exe installed: $(installed && echo yes || echo no)"; fails=$((fails + 1))
  else
    local v; v=$("$WINE" 'C:\Program Files\ocsfed\ocsfed.exe' --version 2>/dev/null | tr -d '\r')
    case $v in "ocsfed "*) echo "ok   $1: installed, runs: $v" ;;
      *) echo "FAIL $1: installed ocsfed.exe does not run ($v)"; fails=$((fails + 1)) ;; esac
  fi
  msi_wait_service_gone OcsFedAgent "$exe" || echo "note $1: ocsfed.exe still in use 15 s after net stop"
  "$WINE" msiexec /x "$(winepath -w "$msi" 2>/dev/null)" /qn >/dev/null 2>&1
  if installed; then echo "FAIL $1: uninstall left ocsfed.exe"; fails=$((fails + 1)); fi
}

expect_refusal() { # label, version, product type
  set_version "$2" "$3"
  : >"$log"
  "$WINE" msiexec /i "$(winepath -w "$msi" 2>/dev/null)" /qn /l*v "$(winepath -w "$log" 2>/dev/null)" >/dev/null 2>&1
  local rc=$?
  # 1603 (fatal error) reaches Linux as 1603 & 0xFF = 67. Wine's msi does not log the
  # condition's message in quiet mode; the log shows LaunchConditions failing and no
  # file action after it, and the message itself is checked in the table below.
  if [ $rc -eq 0 ] || installed; then
    echo "FAIL $1: installed on an unsupported system (exit $rc)"; fails=$((fails + 1))
  elif ! tr -d '\0' <"$log" | grep -q 'LaunchConditions. Return value 0' \
       || tr -d '\0' <"$log" | grep -q 'Action start .*InstallFiles'; then
    echo "FAIL $1: refused (exit $rc), but not by the launch condition"; fails=$((fails + 1))
  else
    echo "ok   $1: refused by the launch condition (exit $rc)"
  fi
}

if msiinfo export "$msi" LaunchCondition | grep -q \
     'VersionNT64 >= 502 AND VersionNT64 <= 601 AND MsiNTProductType <> 1.*ocsfed requires 64-bit Windows Server 2003 SP2'; then
  echo "ok   the MSI carries the supported-systems launch condition and its message"
else
  echo "FAIL the MSI has no supported-systems launch condition"; fails=$((fails + 1))
fi

expect_install "Windows Server 2003 SP2 x64 (5.2)" win2003 ServerNT
expect_install "Windows Server 2008 (6.0)" win2008 ServerNT
# Wine 8.0 swaps the product types of its win7 and win2008r2 entries: "win7" is the one
# that reports NT 6.1 as a server, i.e. what Windows Server 2008 R2 reports.
expect_install "Windows Server 2008 R2 (6.1, Wine's win7 entry)" win7 ServerNT
expect_refusal "Windows Vista (6.0 workstation)" vista WinNT
expect_refusal "Windows Server 2012 R2 (6.3)" win81 ServerNT
expect_refusal "Windows 10" win10 WinNT
rm -f "$log"
echo "$((7 - fails)) passed, $fails failed"
[ $fails -eq 0 ]

#!/usr/bin/env bash
# The MSI installs and starts the OcsFedAgent service with its configuration and
# Event Log source, a major upgrade keeps the settings, and uninstall removes the
# service and files. Runs inside scripts/wine-run.sh --shell (WINEPREFIX, WINE set).
#   msi_service_install_upgrade_uninstall.sh OCSFED_MSI EXE_DIR BUILD_MSI_SCRIPT
set -u
msi=$1 exe_dir=$2 build_msi=$3
. "$(dirname "$0")/msi-wait.sh"
fails=0 passes=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Services die with the last ordinary process unless the server is persistent.
/usr/lib/wine/wineserver -p
ok() { echo "ok   $*"; passes=$((passes + 1)); }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
w() { "$WINE" "$@" 2>/dev/null | tr -d '\r'; }
reg_value() { w reg query 'HKLM\SOFTWARE\ocsfed' /v "$1" | awk -v n="$1" '$1 == n {print $3}'; }
service_state() { w sc query OcsFedAgent | awk '/STATE/ {print $4}'; }
wait_state() { local i; for i in $(seq 50); do [ "$(service_state)" = "$1" ] && return 0; sleep 0.1; done; return 1; }
exe="$WINEPREFIX/drive_c/Program Files/ocsfed/ocsfed.exe"

"$WINE" reg add 'HKCU\Software\Wine' /v Version /d win2008 /f >/dev/null 2>&1
"$WINE" reg add 'HKLM\System\CurrentControlSet\Control\ProductOptions' /v ProductType /d ServerNT /f >/dev/null 2>&1

"$WINE" msiexec /i "$(winepath -w "$msi")" /qn 'MANIFEST_PATH=C:\share' 'NODE=sim:C:\node.json' \
  TRUSTED_SIGNER=00112233445566778899AABBCCDDEEFF00112233 >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && [ -f "$exe" ] && ok "install: exit 0, ocsfed.exe in Program Files" || bad "install: exit $rc"
wait_state RUNNING && ok "the service OcsFedAgent runs after install" || bad "service state after install: '$(service_state)'"
[ "$(reg_value ManifestPath)" = 'C:\share' ] && ok "ManifestPath from MANIFEST_PATH" || bad "ManifestPath is '$(reg_value ManifestPath)'"
[ "$(reg_value Mode)" = monitor ] && ok "Mode defaults to monitor" || bad "Mode is '$(reg_value Mode)'"
[ "$(reg_value IntervalSeconds)" = 300 ] && ok "IntervalSeconds defaults to 300" || bad "IntervalSeconds is '$(reg_value IntervalSeconds)'"
[ "$(reg_value TrustedSigner)" = 00112233445566778899AABBCCDDEEFF00112233 ] && ok "TrustedSigner from TRUSTED_SIGNER" \
  || bad "TrustedSigner is '$(reg_value TrustedSigner)'"
w reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\OcsFedAgent' /v EventMessageFile \
  | grep -qi 'ocsfed\\ocsfed.exe' && ok "Event Log source registered with the message table in ocsfed.exe" \
  || bad "no Event Log source"

# A major upgrade with no properties on the command line keeps the settings.
bash "$build_msi" "$exe_dir" 0.1.1 "$work/ocsfed-0.1.1.msi" 2>/dev/null || bad "cannot build the 0.1.1 MSI"
"$WINE" msiexec /i "$(winepath -w "$work/ocsfed-0.1.1.msi")" /qn MODE=apply >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && ok "major upgrade to 0.1.1: exit 0" || bad "major upgrade: exit $rc"
[ "$(reg_value ManifestPath)" = 'C:\share' ] && [ "$(reg_value Node)" = 'sim:C:\node.json' ] \
  && [ "$(reg_value TrustedSigner)" = 00112233445566778899AABBCCDDEEFF00112233 ] \
  && ok "the upgrade kept ManifestPath, Node and TrustedSigner" \
  || bad "after the upgrade: ManifestPath '$(reg_value ManifestPath)', Node '$(reg_value Node)'"
[ "$(reg_value Mode)" = apply ] && ok "a property given to the upgrade (MODE=apply) wins" || bad "Mode after upgrade '$(reg_value Mode)'"
n=$(w reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s | grep -c 'OCS Federation Agent')
[ "$n" = 1 ] && ok "one product registered after the upgrade" || bad "$n products registered after the upgrade"
wait_state RUNNING && ok "the service runs after the upgrade" || bad "service after upgrade: '$(service_state)'"

msi_wait_service_gone OcsFedAgent "$exe" && ok "the service stops and its process exits" \
  || bad "ocsfed.exe still in use 15 s after net stop"
"$WINE" msiexec /x "$(winepath -w "$work/ocsfed-0.1.1.msi")" /qn >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && ok "uninstall: exit 0" || bad "uninstall: exit $rc"
# Wine's sc prints nothing and fails for a service that does not exist.
if "$WINE" sc query OcsFedAgent >/dev/null 2>&1 || [ -n "$(service_state)" ]; then
  bad "the service is still there: $(w sc query OcsFedAgent | head -3)"
else
  ok "the service is gone"
fi
[ ! -f "$exe" ] && ok "ocsfed.exe removed" || bad "ocsfed.exe left behind"
[ -z "$(reg_value ManifestPath)" ] && ok "configuration removed" || bad "configuration left: $(reg_value ManifestPath)"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]

#!/usr/bin/env bash
# ocsfed service retry: forgets the serial the agent undid because its confirming probe
# failed (the state file's "reverted"), keeps the anti-rollback floor, and says so; with
# nothing recorded it says that. Runs inside scripts/wine-run.sh --shell (WINEPREFIX and
# WINE set).
#   service_retry.sh OCSFED_EXE
set -u
exe=$1
fails=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# The first run makes the state folder as the agent does (its protected DACL).
out=$("$WINE" "$exe" service retry 2>&1 | tr -d '\r')
echo "$out"
case $out in *"no reverted serial is recorded"*) ;; *) bad "with no state, retry said: $out" ;; esac
state=$(find "$WINEPREFIX/drive_c" -type d -name ocsfed -not -path '*/Program Files*' 2>/dev/null | head -1)
[ -d "$state" ] || { bad "no state folder was made"; echo "service retry: $fails problem(s)"; exit 1; }
sha=9f2c000000000000000000000000000000000000000000000000000000000a0b
printf '{"format": 1, "last_serial": 12, "last_sha256": "%s", "reverted": {"serial": 12, "sha256": "%s", "reason": "probe failed: FAIL tcp imp1.example.com 10.10.0.11:5060 [R5] refused"}}\n' \
  "$sha" "$sha" >"$state/state.json"
out=$("$WINE" "$exe" service retry 2>&1 | tr -d '\r')
rc=$?
echo "$out"
[ $rc -eq 0 ] || bad "retry exited $rc"
case $out in *"manifest serial 12 is applied again at the next check (it was reverted: probe failed: FAIL tcp"*) ;;
  *) bad "retry did not say what it cleared" ;; esac
grep -q '"reverted"' "$state/state.json" && bad "the record is still in state.json"
grep -q '"last_serial": 12' "$state/state.json" || bad "the anti-rollback floor was lost"
cat "$state/state.json"
if [ $fails -eq 0 ]; then echo "service retry: ok"; else echo "service retry: $fails problem(s)"; fi
[ $fails -eq 0 ]

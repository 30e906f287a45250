#!/usr/bin/env bash
# End to end under Wine: the MSI installs the agent in apply mode against a folder
# standing in for the share (reports in a folder of their own) and a simulated OCS
# front end; a signed TLS manifest is published and the node converges with the report
# saying so; drift on the node is corrected at the next check; a share writer without
# the key who swaps the certificate the manifest pins changes nothing; an unsigned, a
# tampered, an older-serial and a truncated manifest are refused with the node
# untouched and an event logged; `net stop` in the middle of a long apply leaves the
# node as it was; the PKCS#12 password in the agent's environment stops every check;
# uninstall removes the service and keeps the reports.
# Runs inside scripts/wine-run.sh --shell (WINEPREFIX, WINE set).
#   e2e_service_apply.sh OCSFED_MSI OCSFED_EXE EXAMPLES
set -u
msi=$1 exe=$2 examples=$3
fails=0 passes=0
ok() { echo "ok   $*"; passes=$((passes + 1)); }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
c="$WINEPREFIX/drive_c"
share="$c/share" node="$c/node.json" stage="$c/stage"
report="$c/reports/fe1.example.com.json"
mkdir -p "$share/certs" "$stage"
cp "$examples/certs/"* "$share/certs/"
mkdir -p "$stage/certs"
cp "$examples/certs/"* "$stage/certs/"
cp "$examples/nodes/fe1-enterprise.json" "$node"

/usr/lib/wine/wineserver -p
# The first Wine process starts services.exe, which passes its stderr and WINEDEBUG on
# to the agent's service: Wine's eventlog channel then shows each ReportEventW.
evlog="$c/../eventlog.txt"
WINEDEBUG=-all,+eventlog "$WINE" reg add 'HKCU\Software\Wine' /v Version /d win2008 /f >/dev/null 2>"$evlog"
events() { grep -a 'ReportEventW' "$evlog" | grep -ac "$1"; }
"$WINE" reg add 'HKLM\System\CurrentControlSet\Control\ProductOptions' /v ProductType /d ServerNT /f >/dev/null 2>&1

# The publisher's signing certificate and its thumbprint.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$stage/key.pem" -out "$stage/cert.pem" \
  -subj "/CN=ocsfed manifest publisher" -days 2 >/dev/null 2>&1
tp=$(openssl x509 -in "$stage/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')

"$WINE" msiexec /i "$(winepath -w "$msi")" /qn 'MANIFEST_PATH=C:\share' 'REPORTS_PATH=C:\reports' MODE=apply INTERVAL=3600 \
  "TRUSTED_SIGNER=$tp" 'NODE=sim:C:\node.json' >/dev/null 2>&1 && ok "installed in apply mode" || bad "install failed"

# publish SERIAL [unsigned|tampered|truncated|big]: sign in the staging folder, then
# move the signature and the manifest into the share (signature first, as a
# publisher would). big: 300 IM&P nodes (600 authorized hosts), a long apply.
publish() {
  sed "s/\"serial\": 12/\"serial\": $1/" "$examples/tls-enterprise.json" >"$stage/manifest.json"
  if [ "${2:-}" = big ]; then
    nodes=$(for i in $(seq 1 300); do printf '{ "fqdn": "imp%d.example.com", "ip": "10.20.%d.%d" },' \
      "$i" $((i / 250)) $((i % 250 + 1)); done)
    sed -i "/\"nodes\": \[/,/\]/c\\    \"nodes\": [ ${nodes%,} ]," "$stage/manifest.json"
  fi
  rm -f "$stage/manifest.json.p7s"
  if [ "${2:-}" != unsigned ]; then
    "$WINE" "$exe" sign 'C:\stage\manifest.json' --key 'C:\stage\key.pem' --cert 'C:\stage\cert.pem' \
      --out 'C:\stage\manifest.json.p7s' >/dev/null 2>&1 || bad "ocsfed sign failed"
  fi
  [ "${2:-}" = tampered ] && sed -i 's/"imp1.example.com"/"evil.example.com"/' "$stage/manifest.json"
  # A copy cut short: the share holds the first half of the signed file.
  [ "${2:-}" = truncated ] && truncate -s $(( $(stat -c %s "$stage/manifest.json") / 2 )) "$stage/manifest.json"
  rm -f "$share/manifest.json.p7s"
  [ -f "$stage/manifest.json.p7s" ] && mv "$stage/manifest.json.p7s" "$share/"
  mv "$stage/manifest.json" "$share/manifest.json"
}
# wait_report REGEX: seconds until the report matches, or fails after 20 s.
wait_report() {
  local t0=$(date +%s%N) i
  for i in $(seq 400); do
    if grep -Eq "$1" "$report" 2>/dev/null; then
      echo $(( ($(date +%s%N) - t0) / 1000000 ))
      return 0
    fi
    sleep 0.05
  done
  return 1
}

publish 12
if ms=$(wait_report '"serial":[[:space:]]*12,') && grep -Eq '"status":[[:space:]]*"(converged|pending_restart)"' "$report"; then
  ok "signed manifest applied; report says $(grep -Eo '"status":[[:space:]]*"[a-z_]*"' "$report" | tr -d '\t') ${ms} ms after publishing"
else
  bad "no applied report for serial 12: $(cat "$report" 2>/dev/null | head -c 400)"
fi
"$WINE" "$exe" plan 'C:\share\manifest.json' --node 'sim:C:\node.json' >/dev/null 2>&1
[ $? -eq 0 ] && ok "the node is at the desired state (plan: nothing to change)" || bad "plan still shows changes"

# Drift: someone turns the FIPS policy off (R12) and deletes an authorized host (R10)
# on the server; the next check (here `ocsfed service sync`) puts both back.
sed -i '/"fips"/,/}/ s/"Enabled":[[:space:]]*1/"Enabled": 0/' "$node"
sed -i 's/"Server":[[:space:]]*"10.10.0.12"/"Server": "10.99.99.99"/' "$node"
"$WINE" "$exe" plan 'C:\share\manifest.json' --node 'sim:C:\node.json' >/dev/null 2>&1
[ $? -eq 2 ] && ok "drift on the node shows in the plan" || bad "plan does not show the drift"
applied_before=$(events 'changes applied\|change applied')
"$WINE" "$exe" service sync >/dev/null 2>&1 || bad "ocsfed service sync failed"
for i in $(seq 200); do
  "$WINE" "$exe" plan 'C:\share\manifest.json' --node 'sim:C:\node.json' >/dev/null 2>&1 && break
  sleep 0.1
done
"$WINE" "$exe" plan 'C:\share\manifest.json' --node 'sim:C:\node.json' >/dev/null 2>&1
[ $? -eq 0 ] && ok "the service corrected the drift (plan: nothing to change)" || bad "drift not corrected"
[ "$(events 'change[s]* applied')" -gt "$applied_before" ] && ok "an event says the drift was corrected" \
  || bad "no event for the drift correction"

# A share writer without the signing key replaces the root certificate the signed
# manifest pins (the manifest and its signature untouched): refused at the next check,
# the node as it was, and the report and an event say which file.
before=$(sha256sum "$node")
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$stage/evil.key" -out "$stage/evil-root.pem" \
  -subj "/CN=Example OCS Root CA" -days 2 >/dev/null 2>&1
cp "$stage/evil-root.pem" "$share/certs/imp-root-ca.pem"
"$WINE" "$exe" service sync >/dev/null 2>&1
if wait_report '"reason":[[:space:]]*"file_mismatch"' >/dev/null; then
  ok "a swapped certificate file is refused (file_mismatch)"
else bad "a swapped certificate file was not refused: $(grep -Eo '"(status|reason)":[[:space:]]*"[a-z_]*"' "$report" | tr '\n' ' ')"; fi
grep -q 'certs/imp-root-ca.pem' "$report" && grep -q 'does not match its pin' "$report" \
  && ok "the report names the swapped file and its pin" || bad "the report does not say which file"
grep -a ReportEventW "$evlog" | grep -aq 'imp-root-ca.pem.*does not match its pin' \
  && ok "an event names the swapped file" || bad "no event names the swapped file"
[ "$(sha256sum "$node")" = "$before" ] && ok "the swapped file changed nothing on the node" || bad "the node changed"
cp "$examples/certs/imp-root-ca.pem" "$share/certs/imp-root-ca.pem"
"$WINE" "$exe" service sync >/dev/null 2>&1
if wait_report '"status":[[:space:]]*"(converged|pending_restart)"' >/dev/null; then
  ok "the pinned file put back is accepted again"; else bad "the pinned file put back is still refused"; fi

publish 13 unsigned
if wait_report '"reason":[[:space:]]*"unsigned"' >/dev/null; then ok "unsigned manifest refused"; else bad "unsigned manifest not refused"; fi
publish 14 tampered
if wait_report '"reason":[[:space:]]*"(bad_signature|tampered|torn)"' >/dev/null; then ok "tampered manifest refused"; else
  bad "tampered manifest not refused: $(grep -Eo '"reason":[[:space:]]*"[a-z_]*"' "$report")"; fi
publish 11
if wait_report '"reason":[[:space:]]*"older_serial"' >/dev/null; then ok "older serial refused"; else
  bad "older serial not refused: $(grep -Eo '"reason":[[:space:]]*"[a-z_]*"' "$report")"; fi
publish 15 truncated
if wait_report '"reason":[[:space:]]*"(torn|bad_signature)"' >/dev/null; then
  ok "truncated manifest refused ($(grep -Eo '"reason":[[:space:]]*"[a-z_]*"' "$report" | sed 's/.*"\([a-z_]*\)"$/\1/'))"
else bad "truncated manifest not refused: $(grep -Eo '"reason":[[:space:]]*"[a-z_]*"' "$report")"; fi
[ "$(sha256sum "$node")" = "$before" ] && ok "refused manifests left the node untouched" || bad "the node changed"
n=$(events 'A manifest was refused\|refused')
[ "$n" -ge 4 ] && ok "$n refusal events in the Event Log" || bad "$n refusal events logged, 4 expected: $(grep -a ReportEventW "$evlog" | tail -3)"

# net stop in the middle of a long apply: the apply stops after the write in flight
# and is undone; the node is as it was and no journal is left.
publish 16 big
for i in $(seq 400); do [ -f "$node.journal" ] && break; sleep 0.02; done
if [ -f "$node.journal" ]; then
  t0=$(date +%s%N)
  "$WINE" net stop OcsFedAgent >/dev/null 2>&1
  # Wine's net stop gives up waiting early; the SCM's state says when it stopped.
  for i in $(seq 300); do
    state=$("$WINE" sc query OcsFedAgent 2>/dev/null | tr -d '\r' | grep -Eo 'STATE *: *[0-9]+ *[A-Z_]+' | grep -Eo '[A-Z_]+$')
    [ "$state" = STOPPED ] && break
    sleep 0.1
  done
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$state" = STOPPED ] && ok "net stop mid-apply: stopped in $ms ms, the apply undone" || bad "service state after net stop: '$state'"
  [ "$(sha256sum "$node")" = "$before" ] && ok "the stopped apply was undone: the node is as it was" \
    || bad "the node changed after a stop mid-apply"
  [ ! -f "$node.journal" ] && ok "no journal left" || bad "a journal was left"
  grep -aq 'stopped (the agent is stopping) and was rolled back' "$evlog" && ok "an event says the apply was stopped and undone" \
    || bad "no event for the stopped apply"
else
  bad "the big apply never started (no journal seen)"
fi

# The PKCS#12 password where every local user can read it: the service key's
# Environment value puts it in the service's environment on Windows (Wine's SCM does
# not pass that value on, so here it is given to `ocsfed service run`, the same loop
# in a console, through its environment). Every check is refused until it is removed,
# with event 2001 and a failing report; nothing changes meanwhile (the big manifest
# of the stopped apply is still published).
before=$(sha256sum "$node")
OCSFED_PFX_PASSWORD=s3cret WINEDEBUG=-all,+eventlog timeout 30 "$WINE" "$exe" service run \
  >"$c/../run.out" 2>"$c/../run.err" &
runner=$!
if wait_report 'OCSFED_PFX_PASSWORD is set in the service' >/dev/null; then
  ok "the password in the agent's environment stops every check"
else bad "the password in the agent's environment was not refused: $(grep -Eo '"status":[[:space:]]*"[a-z_]*"' "$report")"; fi
kill $runner 2>/dev/null; wait $runner 2>/dev/null
grep -a 'ReportEventW' "$c/../run.err" | grep -aq 'OCSFED_PFX_PASSWORD is set' \
  && ok "an event (2001) says where the password must go" || bad "no event for the password in the environment"
[ "$(sha256sum "$node")" = "$before" ] && ok "nothing changed meanwhile" || bad "the node changed"

"$WINE" msiexec /x "$(winepath -w "$msi")" /qn >/dev/null 2>&1
[ -f "$report" ] && ok "uninstall keeps the reports" || bad "report gone"
# Wine's sc query prints nothing for a service that does not exist.
"$WINE" sc query OcsFedAgent 2>/dev/null | grep -q 'STATE' && bad "the service is still there after uninstall" \
  || ok "uninstall removed the service"
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]

#!/usr/bin/env bash
# End to end under Wine: the MSI installs the agent in apply mode against a folder
# standing in for the share and a simulated OCS front end; a signed TLS manifest is
# published and the node converges with the report saying so; an unsigned and a
# tampered manifest are refused with the node untouched.
# Runs inside scripts/wine-run.sh --shell (WINEPREFIX, WINE set).
#   e2e_service.sh OCSFED_MSI OCSFED_EXE EXAMPLES
set -u
msi=$1 exe=$2 examples=$3
fails=0 passes=0
ok() { echo "ok   $*"; passes=$((passes + 1)); }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
c="$WINEPREFIX/drive_c"
share="$c/share" node="$c/node.json" stage="$c/stage"
report="$share/reports/fe1.example.com.json"
mkdir -p "$share/certs" "$stage"
cp "$examples/certs/"* "$share/certs/"
mkdir -p "$stage/certs"
cp "$examples/certs/"* "$stage/certs/"
cp "$examples/nodes/fe1-enterprise.json" "$node"

/usr/lib/wine/wineserver -p
"$WINE" reg add 'HKCU\Software\Wine' /v Version /d win2008 /f >/dev/null 2>&1
"$WINE" reg add 'HKLM\System\CurrentControlSet\Control\ProductOptions' /v ProductType /d ServerNT /f >/dev/null 2>&1

# The publisher's signing certificate and its thumbprint.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$stage/key.pem" -out "$stage/cert.pem" \
  -subj "/CN=ocsfed manifest publisher" -days 2 >/dev/null 2>&1
tp=$(openssl x509 -in "$stage/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')

"$WINE" msiexec /i "$(winepath -w "$msi")" /qn 'MANIFEST_PATH=C:\share' MODE=apply INTERVAL=3600 \
  "TRUSTED_SIGNER=$tp" 'NODE=sim:C:\node.json' >/dev/null 2>&1 && ok "installed in apply mode" || bad "install failed"

# publish SERIAL [unsigned|tampered]: sign in the staging folder, then move the
# signature and the manifest into the share (signature first, as a publisher would).
publish() {
  sed "s/\"serial\": 12/\"serial\": $1/" "$examples/tls-enterprise.json" >"$stage/manifest.json"
  rm -f "$stage/manifest.json.p7s"
  if [ "${2:-}" != unsigned ]; then
    "$WINE" "$exe" sign 'C:\stage\manifest.json' --key 'C:\stage\key.pem' --cert 'C:\stage\cert.pem' \
      --out 'C:\stage\manifest.json.p7s' >/dev/null 2>&1 || bad "ocsfed sign failed"
  fi
  [ "${2:-}" = tampered ] && sed -i 's/"imp1.example.com"/"evil.example.com"/' "$stage/manifest.json"
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

before=$(sha256sum "$node")
publish 13 unsigned
if wait_report '"reason":[[:space:]]*"unsigned"' >/dev/null; then ok "unsigned manifest refused"; else bad "unsigned manifest not refused"; fi
publish 14 tampered
if wait_report '"reason":[[:space:]]*"(bad_signature|tampered|torn)"' >/dev/null; then ok "tampered manifest refused"; else
  bad "tampered manifest not refused: $(grep -Eo '"reason":[[:space:]]*"[a-z_]*"' "$report")"; fi
[ "$(sha256sum "$node")" = "$before" ] && ok "refused manifests left the node untouched" || bad "the node changed"

"$WINE" msiexec /x "$(winepath -w "$msi")" /qn >/dev/null 2>&1
[ -f "$report" ] && ok "uninstall keeps the reports on the share" || bad "report gone"
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]

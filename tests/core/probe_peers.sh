#!/usr/bin/env bash
# ocsfed probe against real peers on this machine (tests/peers/peers.sh): SIPp over TCP
# and Kamailio over mutual TLS pass; each broken case fails with its cause and rule: a
# closed port, a peer certificate naming another host or issued by an untrusted CA, no
# common cipher, this server's certificate refused by the peer (its CA unknown there,
# or without Client Authentication), a peer that answers no SIP or not SIP, a name that
# resolves elsewhere or not at all (the simulated node's "dns").
#   probe_peers.sh OCSFED WORKDIR
set -u
ocsfed=$1 work=$2/probe_peers
. "$(dirname "$0")/../peers/peers.sh"
fails=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

peers_init "$work" && peers_certs && peers_start_all || { echo "FAIL the peers did not start"; exit 1; }
certs=$PEERS_DIR/certs
mkdir -p "$work/m/certs" && cp "$certs/imp-ca.pem" "$work/m/certs/"

# manifest FILE tls|tcp ADDRESS: one IM&P node, imp1.example.com, at ADDRESS.
manifest() {
  local tls=
  [ "$2" = tls ] && tls='"peer_auth_port": 5061, "server_auth_port": 5063,'
  cat >"$1" <<EOF
{
  "manifest_version": 1, "serial": 1,
  "imp": { "transport": "$2", $tls "domains": ["example.com"],
           "nodes": [ { "fqdn": "imp1.example.com", "ip": "$3" } ] },
  "ocs": { "edition": "standard", "servers": ["ocs-se1.example.com"] }
  $([ "$2" = tls ] && echo ', "certificates": { "trusted_roots": ["certs/imp-ca.pem"] }')
}
EOF
  "$ocsfed" pin "$1" >/dev/null || bad "cannot pin $1"
}

# node FILE DNS_JSON: the Standard Edition server probed from, its certificate (fe) in My
# and its CA in Root,
# what names resolve to from it (so no case asks this machine's resolver).
node() {
  local der root
  der=$(openssl x509 -in "$certs/fe.pem" -outform DER | base64 | tr -d '\n')
  # The OCS CA in Root: the server certificate chains to a trusted root (the plan checks
  # it, R13, before the probe learns which certificate the server presents).
  root=$(openssl x509 -in "$certs/ocs-ca.pem" -outform DER | base64 | tr -d '\n')
  cat >"$1" <<EOF
{ "ocsfed_sim_node": 1,
  "node": { "fqdn": "ocs-se1.example.com", "pool": "ocs-se1.example.com", "backend": "(local)\\\\rtc" },
  "ocs": { "MSFT_SIPPoolSetting": [], "MSFT_SIPDomainData": [], "MSFT_SIPListeningAddressData": [],
           "MSFT_SIPRoutingTableData": [], "MSFT_SIPRemoteAddressData": [] },
  "certificates": { "Root": [ { "der": "$root" } ], "CA": [], "My": [ { "der": "$der" } ] },
  "fips": { "Enabled": 0 }, "services": { "RTCSRV": "running" }, "dns": $2 }
EOF
}

# expect NAME STATUS REGEX ARGS...: `ocsfed probe ARGS` exits STATUS and prints REGEX.
expect() {
  local name=$1 want=$2 re=$3 rc
  shift 3
  "$ocsfed" probe "$@" >"$work/$name.out" 2>&1
  rc=$?
  echo "--- $name (exit $rc)"
  cat "$work/$name.out"
  [ $rc -eq "$want" ] || bad "$name: exit status $rc, expected $want"
  grep -qE -- "$re" "$work/$name.out" || bad "$name: no line matching: $re"
}

m=$work/m
client=(--cert "$certs/fe.pem" --key "$certs/fe.key")
# at ADDRESS: --node of a server where imp1.example.com resolves to ADDRESS.
at() {
  node "$m/node-$1.json" "{ \"imp1.example.com\": \"$1\" }"
  echo "sim:$m/node-$1.json"
}

manifest "$m/tcp-sipp.json" tcp "$PEER_SIPP"
expect tcp_sipp 0 "^ok   sip imp1.example.com $PEER_SIPP:5060 \[R5\] OPTIONS answered 200" "$m/tcp-sipp.json"

manifest "$m/tls-kamailio.json" tls "$PEER_KAMAILIO"
node "$m/node-ok.json" "{ \"imp1.example.com\": \"$PEER_KAMAILIO\" }"
expect tls_kamailio 0 "^ok   sip imp1.example.com $PEER_KAMAILIO:5061 \[R6\] OPTIONS answered 200 OK" \
  "$m/tls-kamailio.json" --node "sim:$m/node-ok.json" "${client[@]}"
grep -qE "^ok   dns imp1.example.com \[R6\] resolves to $PEER_KAMAILIO" "$work/tls_kamailio.out" || bad "tls_kamailio: dns"
grep -qE "^ok   tls .*\[R13\] TLSv1\.[23] .*names imp1.example.com and chains to a root this server trusts; this server presented its certificate \(openssl\)" \
  "$work/tls_kamailio.out" || bad "tls_kamailio: tls"

# The same, without a certificate to present: mutual TLS is not proven.
expect tls_no_client_cert 1 "^FAIL tls .*\[R14\] no_client_certificate: .*presented no certificate" \
  "$m/tls-kamailio.json" --node "sim:$m/node-ok.json"

# This server's certificate refused by the peer: issued by a CA it does not trust (R18:
# IM&P needs the OCS CA's root), or without Client Authentication (R14). With TLS 1.3
# the peer's verdict comes after the handshake, while the probe waits for SIP.
expect client_cert_unknown_ca 1 "^FAIL tls .*\[R18\] peer_alert: after the handshake, the peer ended the session with the alert 'unknown CA'" \
  "$m/tls-kamailio.json" --node "sim:$m/node-ok.json" --cert "$certs/fe-rogue.pem" --key "$certs/fe-rogue.key"
expect client_cert_no_client_auth 1 "^FAIL tls .*\[R14\] peer_alert: .*it refuses this server's certificate" \
  "$m/tls-kamailio.json" --node "sim:$m/node-ok.json" --cert "$certs/fe-noclient.pem" --key "$certs/fe-noclient.key"
grep -q "^skip sip" "$work/client_cert_no_client_auth.out" || bad "client_cert_no_client_auth: sip not skipped"
# The certificate given is not the one the plan selects: said.
grep -q "note: .*this server's plan selects .* \[R17\]" "$work/client_cert_no_client_auth.out" ||
  bad "client_cert_no_client_auth: no note that the plan selects another certificate"

manifest "$m/tls-closed.json" tls "$PEER_CLOSED"
expect closed_port 1 "^FAIL tcp imp1.example.com $PEER_CLOSED:5061 \[R6\] refused: nothing listens" \
  "$m/tls-closed.json" --node "$(at "$PEER_CLOSED")" "${client[@]}"
grep -q "^skip tls .*not tried: no TCP connection" "$work/closed_port.out" || bad "closed_port: tls not skipped"

manifest "$m/tls-misnamed.json" tls "$PEER_MISNAMED"
expect misnamed 1 "^FAIL tls .*\[R10\] misnamed: the peer's certificate names CN=other.example.com, DNS:other.example.com, not imp1.example.com" \
  "$m/tls-misnamed.json" --node "$(at "$PEER_MISNAMED")" "${client[@]}"

manifest "$m/tls-untrusted.json" tls "$PEER_UNTRUSTED"
expect untrusted 1 "^FAIL tls .*\[R13\] untrusted: the peer's certificate: certificate [0-9A-F]{40} does not chain to a root" \
  "$m/tls-untrusted.json" --node "$(at "$PEER_UNTRUSTED")" "${client[@]}"

manifest "$m/tls-nocipher.json" tls "$PEER_NOCIPHER"
expect no_common_cipher 1 "^FAIL tls .*\[R12\] peer_alert: the peer ended the handshake with the alert 'handshake failure': no protocol version or cipher suite" \
  "$m/tls-nocipher.json" --node "$(at "$PEER_NOCIPHER")" "${client[@]}"

manifest "$m/tls-silent.json" tls "$PEER_SILENT_TLS"
expect tls_no_sip_answer 1 "^FAIL sip .*\[R6\] no_answer: no final SIP response to OPTIONS within 5000 ms" \
  "$m/tls-silent.json" --node "$(at "$PEER_SILENT_TLS")" "${client[@]}"
grep -q "^ok   tls" "$work/tls_no_sip_answer.out" || bad "tls_no_sip_answer: the handshake itself should pass"

manifest "$m/tcp-not-sip.json" tcp "$PEER_NOT_SIP"
expect tcp_not_sip 1 "^FAIL sip .*\[R5\] not_sip: the peer's answer is not SIP" "$m/tcp-not-sip.json"

manifest "$m/tcp-silent.json" tcp "$PEER_SILENT_TCP"
expect tcp_no_sip_answer 1 "^FAIL sip .*\[R5\] no_answer" "$m/tcp-silent.json"

# The name resolves elsewhere from this server (R6): that check fails, and the node
# itself, at the manifest's address, still answers.
node "$m/node-elsewhere.json" '{ "imp1.example.com": "10.99.0.1" }'
expect dns_elsewhere 1 "^FAIL dns imp1.example.com \[R6\] wrong_address: imp1.example.com resolves to 10.99.0.1 from this server, not to $PEER_KAMAILIO" \
  "$m/tls-kamailio.json" --node "sim:$m/node-elsewhere.json" "${client[@]}"
grep -q "^ok   sip" "$work/dns_elsewhere.out" || bad "dns_elsewhere: the node itself should still answer"
node "$m/node-nodns.json" '{ "imp2.example.com": "10.99.0.2" }'
expect dns_missing 1 "^FAIL dns imp1.example.com \[R6\] does_not_resolve" \
  "$m/tls-kamailio.json" --node "sim:$m/node-nodns.json" "${client[@]}"

# --json: the same checks as one object.
expect json 1 '"cause":[[:space:]]*"refused"' "$m/tls-closed.json" --node "$(at "$PEER_CLOSED")" "${client[@]}" --json

if [ $fails -eq 0 ]; then echo "probe peers: ok"; else echo "probe peers: $fails problem(s)"; fi
[ $fails -eq 0 ]

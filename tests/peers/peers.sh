# Real SIP and TLS peers for the probe's tests, on this machine's loopback, sourced by
# tests/core/probe_peers.sh and tests/peers/with_peers.sh:
#   SIPp answering OPTIONS over TCP (options-uas.xml), Kamailio requiring and verifying a
#   client certificate over TLS (kamailio.cfg), openssl s_server for handshake-level
#   failures, socat for a TCP peer that is not SIP or says nothing.
# Each peer listens on its own address of 127.0.0.0/8 (127.A.B.n, A.B picked at random
# and checked free), so the routes keep their standard ports (a TCP route's is 5060, R5)
# and parallel runs do not meet. Certificates are made here with the openssl program,
# fresh each run: nothing secret is in the repository. Every daemon runs under timeout(1)
# and is stopped by the EXIT trap; every wait is bounded.
#
#   peers_init WORKDIR      the folder, the trap, the address block (PEERS_NET)
#   peers_certs             CAs and certificates in WORKDIR/certs (list below)
#   peers_start_all         every peer below, waiting until each listens
# The peers (PEER_* hold their addresses):
#   PEER_SIPP       .1:5060  SIPp, OPTIONS answered 200 over TCP
#   PEER_KAMAILIO   .2:5061  Kamailio, mutual TLS (trusts ocs-ca), OPTIONS answered 200
#   PEER_MISNAMED   .3:5061  s_server presenting other.example.com (issued by imp-ca)
#   PEER_UNTRUSTED  .4:5061  s_server presenting imp1.example.com issued by rogue-ca
#   PEER_NOCIPHER   .5:5061  s_server offering only a TLS 1.3 suite no client enables
#   PEER_SILENT_TLS .6:5061  s_server, a good certificate, never answers SIP
#   PEER_CLOSED     .7       nothing listens
#   PEER_NOT_SIP    .8:5060  socat answering HTTP over TCP
#   PEER_SILENT_TCP .9:5060  socat, accepts and says nothing
# Certificates (WORKDIR/certs, PEM, NAME.pem and NAME.key):
#   imp-ca (the IM&P CA, which the manifests trust), imp1 (CN and DNS imp1.example.com,
#   server and client authentication), other (other.example.com), rogue-ca and
#   imp1-rogue, ocs-ca (the OCS CA, which Kamailio trusts), fe (CN ocs-se1.example.com,
#   server and client authentication), fe-noclient (server authentication only),
#   fe-rogue (issued by rogue-ca).

PEERS_LIFETIME=${PEERS_LIFETIME:-900}
peers_pids=()

peers_stop() {
  local p
  for p in "${peers_pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${peers_pids[@]}"; do wait "$p" 2>/dev/null; done
  peers_pids=()
  [ -n "${PEERS_HOLD_FD:-}" ] && exec 7>&- 2>/dev/null
  return 0
}

peers_init() {
  PEERS_DIR=$1
  rm -rf "$PEERS_DIR" && mkdir -p "$PEERS_DIR/certs" "$PEERS_DIR/run" || return 1
  trap peers_stop EXIT
  trap 'peers_stop; exit 130' INT TERM
  # A block 127.A.B.0/24 where nothing listens yet (another run's peers, say).
  local i a b n busy
  for i in $(seq 1 20); do
    a=$((RANDOM % 200 + 20)) b=$((RANDOM % 250 + 1)) busy=0
    for n in 1 2 3 4 5 6 7 8 9; do
      if (exec 3<>"/dev/tcp/127.$a.$b.$n/5060") 2>/dev/null || (exec 3<>"/dev/tcp/127.$a.$b.$n/5061") 2>/dev/null; then
        busy=1
        break
      fi
    done
    [ $busy = 0 ] && break
  done
  PEERS_NET=127.$a.$b
  PEER_SIPP=$PEERS_NET.1 PEER_KAMAILIO=$PEERS_NET.2 PEER_MISNAMED=$PEERS_NET.3 PEER_UNTRUSTED=$PEERS_NET.4
  PEER_NOCIPHER=$PEERS_NET.5 PEER_SILENT_TLS=$PEERS_NET.6 PEER_CLOSED=$PEERS_NET.7 PEER_NOT_SIP=$PEERS_NET.8
  PEER_SILENT_TCP=$PEERS_NET.9
  export PEERS_DIR PEERS_NET PEER_SIPP PEER_KAMAILIO PEER_MISNAMED PEER_UNTRUSTED PEER_NOCIPHER PEER_SILENT_TLS \
    PEER_CLOSED PEER_NOT_SIP PEER_SILENT_TCP
}

# mkca NAME CN
peers_mkca() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PEERS_DIR/certs/$1.key" -out "$PEERS_DIR/certs/$1.pem" \
    -days 3 -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# mkleaf NAME CN ISSUER EKU [SAN]
peers_mkleaf() {
  local d=$PEERS_DIR/certs
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' "$4" \
    >"$d/$1.ext"
  [ -n "${5:-}" ] && printf 'subjectAltName=%s\n' "$5" >>"$d/$1.ext"
  openssl req -newkey rsa:2048 -nodes -keyout "$d/$1.key" -out "$d/$1.csr" -subj "/CN=$2" 2>/dev/null &&
    openssl x509 -req -in "$d/$1.csr" -CA "$d/$3.pem" -CAkey "$d/$3.key" -set_serial "0x$(openssl rand -hex 8)" \
      -days 2 -extfile "$d/$1.ext" -out "$d/$1.pem" 2>/dev/null
}

peers_certs() {
  peers_mkca imp-ca "IMP Test Root CA" &&
    peers_mkca rogue-ca "Rogue Test CA" &&
    peers_mkca ocs-ca "OCS Test Root CA" &&
    peers_mkleaf imp1 imp1.example.com imp-ca serverAuth,clientAuth DNS:imp1.example.com &&
    peers_mkleaf other other.example.com imp-ca serverAuth,clientAuth DNS:other.example.com &&
    peers_mkleaf imp1-rogue imp1.example.com rogue-ca serverAuth,clientAuth DNS:imp1.example.com &&
    peers_mkleaf fe ocs-se1.example.com ocs-ca serverAuth,clientAuth &&
    peers_mkleaf fe-noclient ocs-se1.example.com ocs-ca serverAuth &&
    peers_mkleaf fe-rogue ocs-se1.example.com rogue-ca serverAuth,clientAuth
}

# Waits (at most 15 s) until ADDR:PORT accepts connections, and the peer's process
# PID is still there. NAME for the message.
peers_wait() {
  local name=$1 addr=$2 port=$3 pid=$4 i
  for i in $(seq 1 150); do
    (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "peers: $name exited before listening on $addr:$port" >&2; return 1; }
    sleep 0.1
  done
  echo "peers: $name does not listen on $addr:$port after 15 s" >&2
  return 1
}

peers_sipp() {
  timeout "$PEERS_LIFETIME" sipp -sf "$PEERS_SRC/options-uas.xml" -t t1 -i "$1" -p 5060 -nostdin \
    -trace_err -error_file "$PEERS_DIR/run/sipp-$1.err" </dev/null >"$PEERS_DIR/run/sipp-$1.log" 2>&1 &
  peers_pids+=($!)
  peers_wait SIPp "$1" 5060 $!
}

peers_kamailio() {
  local mpath tls=$PEERS_DIR/run/kamailio-tls.cfg cfg=$PEERS_DIR/run/kamailio.cfg d=$PEERS_DIR/certs
  mpath=$(dirname "$(ls /usr/lib/*/kamailio/modules/tls.so /usr/lib/kamailio/modules/tls.so 2>/dev/null | head -1)")
  cat >"$tls" <<EOT
[server:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
private_key = $d/imp1.key
certificate = $d/imp1.pem
ca_list = $d/ocs-ca.pem
EOT
  sed -e "s|@MPATH@|$mpath/|" -e "s|@TLS_CFG@|$tls|" "$PEERS_SRC/kamailio.cfg" >"$cfg"
  mkdir -p "$PEERS_DIR/run/kamailio"
  timeout "$PEERS_LIFETIME" kamailio -f "$cfg" -DD -E -l "tls:$1:5061" -Y "$PEERS_DIR/run/kamailio" \
    -P "$PEERS_DIR/run/kamailio/kamailio.pid" -m 32 -M 8 </dev/null >"$PEERS_DIR/run/kamailio.log" 2>&1 &
  peers_pids+=($!)
  peers_wait Kamailio "$1" 5061 $!
}

# s_server ADDR CERTNAME [OPTIONS...]: stdin held open (a FIFO), or it closes each
# session at once.
peers_s_server() {
  local addr=$1 name=$2 d=$PEERS_DIR/certs
  shift 2
  if [ -z "${PEERS_HOLD_FD:-}" ]; then
    mkfifo "$PEERS_DIR/run/hold" && exec 7<>"$PEERS_DIR/run/hold" && PEERS_HOLD_FD=7
  fi
  timeout "$PEERS_LIFETIME" openssl s_server -accept "$addr:5061" -cert "$d/$name.pem" -key "$d/$name.key" -quiet \
    "$@" <"$PEERS_DIR/run/hold" >"$PEERS_DIR/run/s_server-$addr.log" 2>&1 &
  peers_pids+=($!)
  peers_wait "s_server ($name)" "$addr" 5061 $!
}

# socat ADDR COMMAND: a TCP peer on 5060 whose answer is COMMAND's output (no backslash
# in COMMAND: socat's address syntax takes them). A peer that answers reads the request
# first and closes after a pause: a close with the request unread sends a reset, which
# can drop its answer before the probe reads it.
peers_socat() {
  timeout "$PEERS_LIFETIME" socat "TCP-LISTEN:5060,bind=$1,reuseaddr,fork" "SYSTEM:$2" \
    </dev/null >"$PEERS_DIR/run/socat-$1.log" 2>&1 &
  peers_pids+=($!)
  peers_wait socat "$1" 5060 $!
}

peers_start_all() {
  local v
  for v in openssl sipp kamailio socat timeout; do
    command -v $v >/dev/null || { echo "peers: $v is not installed (bash scripts/setup.sh)" >&2; return 1; }
  done
  peers_sipp "$PEER_SIPP" &&
    peers_kamailio "$PEER_KAMAILIO" &&
    peers_s_server "$PEER_MISNAMED" other &&
    peers_s_server "$PEER_UNTRUSTED" imp1-rogue &&
    peers_s_server "$PEER_NOCIPHER" imp1 -tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256 &&
    peers_s_server "$PEER_SILENT_TLS" imp1 -verify 1 &&
    printf 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n' >"$PEERS_DIR/run/http-400.txt" &&
    peers_socat "$PEER_NOT_SIP" "read l; cat $PEERS_DIR/run/http-400.txt; sleep 2" &&
    peers_socat "$PEER_SILENT_TCP" "cat >/dev/null"
}

PEERS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

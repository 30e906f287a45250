#!/usr/bin/env bash
# Runs a command with the probe's real peers running (peers.sh), their addresses and
# certificate folder in the environment (PEERS_DIR, PEER_*), and stops them afterwards.
# For the C tests that probe them (natively, and the Windows ones under Wine).
#   with_peers.sh WORKDIR COMMAND [ARGS...]
set -u
. "$(dirname "$0")/peers.sh"
work=$1
shift
peers_init "$work" && peers_certs && peers_start_all || { echo "with_peers: the peers did not start" >&2; exit 1; }
"$@"
rc=$?
peers_stop
exit $rc

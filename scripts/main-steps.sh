#!/usr/bin/env bash
# The main job's steps (run by scripts/main.sh): plan, apply, plan again of the TLS
# example on a fresh copy of the example front end. Each step's command, output and
# exit status are printed; a step with an unexpected status fails the job.
#   main-steps.sh RUNNER OCSFED EXAMPLES WORKDIR
# RUNNER is "$WINE" under scripts/wine-run.sh --shell, or "" natively.
set -u
runner=$1 ocsfed=$2 examples=$3 work=$4
node="$work/fe1.json"
cp "$examples/nodes/fe1-enterprise.json" "$node"
fails=0

step() { # expected status, then the ocsfed arguments
  local want=$1; shift
  echo
  echo "\$ ocsfed $*"
  ${runner:+"$runner"} "$ocsfed" "$@" 2>&1 | tr -d '\r'
  local rc=${PIPESTATUS[0]}
  echo "(exit status $rc)"
  [ "$rc" = "$want" ] || { echo "main: expected exit status $want"; fails=$((fails + 1)); }
}

step 0 --version
step 2 plan "$examples/tls-enterprise.json" --node "sim:$node"
step 0 apply "$examples/tls-enterprise.json" --node "sim:$node"
step 0 plan "$examples/tls-enterprise.json" --node "sim:$node"
[ $fails -eq 0 ]

#!/usr/bin/env bash
# Two applies at once on one front end never undo each other: the second waits for the
# first (or gives up saying so) instead of taking its live journal for a crashed apply.
# A TCP manifest with 300 IM&P nodes makes the first apply write ~300 times (a few
# seconds with the simulated node's fsyncs); the second starts once the first's journal
# is there.
#   concurrent_apply.sh OCSFED EXAMPLES WORKDIR
set -u
ocsfed=$1 examples=$2 work=$3/concurrent_apply
rm -rf "$work" && mkdir -p "$work"
fails=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
node="$work/se1.json"
cp "$examples/nodes/ocs-se1.json" "$node"
nodes=$(for i in $(seq 1 300); do printf '{ "fqdn": "imp%d.example.com", "ip": "10.20.%d.%d" },' \
  "$i" $((i / 250)) $((i % 250 + 1)); done)
cat >"$work/big.json" <<EOF
{
  "manifest_version": 1,
  "serial": 1,
  "imp": { "transport": "tcp", "domains": ["example.com"], "nodes": [ ${nodes%,} ] },
  "ocs": { "edition": "standard", "servers": ["ocs-se1.example.com"] }
}
EOF
"$ocsfed" validate "$work/big.json" >/dev/null || { echo "FAIL the big manifest is not valid"; exit 1; }

"$ocsfed" apply "$work/big.json" --node "sim:$node" >"$work/first.out" 2>&1 &
first=$!
for i in $(seq 500); do [ -f "$node.journal" ] && break; sleep 0.01; done
[ -f "$node.journal" ] || bad "the first apply never journaled"
"$ocsfed" apply "$work/big.json" --node "sim:$node" >"$work/second.out" 2>&1
second_rc=$?
wait $first
first_rc=$?
echo "--- first apply (exit $first_rc)"; tail -n 3 "$work/first.out"
echo "--- second apply (exit $second_rc)"; tail -n 3 "$work/second.out"
[ $first_rc -eq 0 ] || bad "the first apply failed"
grep -qE 'recover(ed|ing) an interrupted apply' "$work/second.out" && bad "the second apply undid the first one's live journal"
[ $second_rc -eq 0 ] || grep -q 'another apply' "$work/second.out" || bad "the second apply failed without saying another apply runs"
"$ocsfed" plan "$work/big.json" --node "sim:$node" >"$work/plan.out" 2>&1
[ $? -eq 0 ] || bad "the node is not at the manifest's state after both: $(grep -m3 -E 'create|update|delete' "$work/plan.out")"
[ -f "$node.journal" ] && bad "a journal was left"
[ $fails -eq 0 ] && echo "concurrent applies: ok" || echo "concurrent applies: $fails failure(s)"
[ $fails -eq 0 ]

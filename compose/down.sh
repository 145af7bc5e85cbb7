#!/usr/bin/env bash
# Removes a test cluster started by compose/up.sh: the boxes, every replica
# they started (by their rim.node label), and the network.
set -euo pipefail
PREFIX="${RIM_PREFIX:-rim}"
boxes=$(docker ps -aq --filter "label=rim.test-cluster=$PREFIX")
nodes=$(docker ps -a --filter "label=rim.test-cluster=$PREFIX" --format '{{.Names}}')
[ -n "$boxes" ] && docker rm -f $boxes >/dev/null
for n in $nodes; do
  ids=$(docker ps -aq --filter "label=rim.managed=true" --filter "label=rim.node=$n")
  [ -n "$ids" ] && docker rm -f $ids >/dev/null
done
bash "$(dirname "$0")/mdns-rule.sh" remove "$PREFIX-test"
docker network rm "$PREFIX-test" >/dev/null 2>&1 || true
echo "down.sh: cluster $PREFIX removed"

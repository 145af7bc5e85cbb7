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
if id=$(docker network inspect -f '{{.Id}}' "$PREFIX-test" 2>/dev/null); then
  BRIDGE="br-$(echo "$id" | cut -c1-12)"
  while iptables -D DOCKER-USER -i "$BRIDGE" -o "$BRIDGE" -d 224.0.0.251/32 -p udp --dport 5353 -j ACCEPT 2>/dev/null; do :; done
  docker network rm "$PREFIX-test" >/dev/null 2>&1 || true
fi
echo "down.sh: cluster $PREFIX removed"

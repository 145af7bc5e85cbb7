#!/usr/bin/env bash
# Removes a test cluster started by compose/up.sh (or by docker-compose.yml):
# the boxes and their volumes, every replica and replica sandbox they started
# and the sandboxes' networks (by their rim.node label), the mDNS rule and the
# network. Only what carries the label
# rim.test-cluster=$RIM_PREFIX is touched.
set -euo pipefail
PREFIX="${RIM_PREFIX:-rim}"
NET="$PREFIX-test"
boxes=$(docker ps -aq --filter "label=rim.test-cluster=$PREFIX")
nodes=$(docker ps -a --filter "label=rim.test-cluster=$PREFIX" --format '{{.Names}}')
# shellcheck disable=SC2086
[ -n "$boxes" ] && docker rm -f -v $boxes >/dev/null
for n in $nodes; do
  ids=$(docker ps -aq --filter "label=rim.managed=true" --filter "label=rim.node=$n")
  # shellcheck disable=SC2086
  [ -n "$ids" ] && docker rm -f -v $ids >/dev/null
  # The box's replica sandbox network (its containers are gone above).
  nets=$(docker network ls -q --filter "label=rim.managed=true" --filter "label=rim.node=$n" --filter "label=rim.role=sandbox")
  # shellcheck disable=SC2086
  [ -n "$nets" ] && docker network rm $nets >/dev/null
done
if docker network inspect "$NET" >/dev/null 2>&1; then
  if [ "$(docker network inspect -f '{{index .Labels "rim.test-cluster"}}' "$NET")" = "$PREFIX" ]; then
    bash "$(dirname "$0")/mdns-rule.sh" remove "$NET"
    docker network rm "$NET" >/dev/null 2>&1 || true
  else
    echo "down.sh: network $NET is not test cluster $PREFIX's (no label rim.test-cluster=$PREFIX); left alone" >&2
  fi
fi
echo "down.sh: cluster $PREFIX removed"

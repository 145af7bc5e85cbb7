#!/usr/bin/env bash
# Lets mDNS through between the containers of ONE internal Docker network.
#
#   bash compose/mdns-rule.sh add NETWORK      # after the network exists
#   bash compose/mdns-rule.sh remove NETWORK   # before removing it
#
# Docker's isolation rules for an internal network drop every packet whose
# destination lies outside its subnet, multicast included, whenever bridged
# traffic passes iptables (br_netfilter, as on most Docker hosts). This rule
# accepts only UDP to 224.0.0.251:5353 that enters AND leaves that network's
# own bridge, so multicast still never reaches another network or the host's
# own interfaces. compose/up.sh and compose/down.sh call it.
set -euo pipefail
ACTION="$1"
NET="$2"
id=$(docker network inspect -f '{{.Id}}' "$NET" 2>/dev/null) || exit 0
BRIDGE="br-$(echo "$id" | cut -c1-12)"
RULE=(DOCKER-USER -i "$BRIDGE" -o "$BRIDGE" -d 224.0.0.251/32 -p udp --dport 5353 -j ACCEPT)
if ! command -v iptables >/dev/null 2>&1 || ! iptables -L DOCKER-USER -n >/dev/null 2>&1; then
  [ "$ACTION" = add ] && echo "mdns-rule.sh: no iptables/DOCKER-USER chain here; if the boxes do not find each other, use static peers (RIM_STATIC_PEERS=1)" >&2
  exit 0
fi
case "$ACTION" in
  add) iptables -C "${RULE[@]}" 2>/dev/null || iptables -I "${RULE[@]}" ;;
  remove) while iptables -D "${RULE[@]}" 2>/dev/null; do :; done ;;
  *) echo "usage: $0 add|remove NETWORK" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Starts a test cluster of N appliances ("boxes") on one Docker engine, with
# plain `docker` commands (no compose plugin needed; docker-compose.yml says
# the same for engines that have it):
#
#   bash compose/up.sh            # 3 boxes: rim-box-1..3 on network rim-test
#   RIM_BOXES=5 bash compose/up.sh
#
# Each box is a rim/appliance container on a private, internal Docker network
# with a fixed address; its app replicas join the network namespace of its
# replica sandbox (rim-sandbox-<box>, on the internal network
# rim-replicas-<box> that the box joins itself: docs/design.md, "Replica
# fence"), so only their own box reaches them, and a box cut off the test
# network cannot be reached through its replicas. Only the appliances get the
# Docker socket; each sees only containers labelled with its own rim.node.
# Multicast (mDNS) stays on that network: the appliances announce on eth0,
# their only interface besides loopback. Stop with compose/down.sh.
#
# Settings (environment): RIM_PREFIX (rim; names: $RIM_PREFIX-box-N,
# network $RIM_PREFIX-test), RIM_BOXES (3), RIM_SUBNET (10.213.7.0/24),
# RIM_CLUSTER_TOKEN, RIM_ADMIN_TOKEN, RIM_IMAGE (rim/appliance:dev),
# RIM_STATIC_PEERS=1 (configure static peers instead of relying on mDNS),
# RIM_EXTRA_ENV (more "-e K=V" options for every box), RIM_LOG_LEVEL (info),
# RIM_EMULATE_MODELS (comma-separated GPU models, one per box in turn, each an
# emulated accelerator of RIM_EMULATE_CPUS cores; default
# "RTX 2080 Ti,GTX 1080 Ti,GTX 1080" at 0.5; set it empty for CPU-only boxes;
# RIM_EMULATE_CPUS may also list one value per box in turn, "0.6,0.4,0.25"),
# RIM_PROFILING (true: the leader profiles every app on every box's model, so
# the plan is Rim's placement, not the stand-in; false turns it off),
# RIM_DATA_ROOT (a host directory: each box gets $RIM_DATA_ROOT/<box> as its
# /data instead of a volume; the chaos run gives each a small tmpfs to fill),
# RIM_FIRST_BOX / RIM_LAST_BOX (start only boxes FIRST..LAST of the RIM_BOXES;
# the static peers still name all of them: a box started later joins the
# cluster the others formed, e.g. RIM_BOXES=3 RIM_LAST_BOX=2, then
# RIM_BOXES=3 RIM_FIRST_BOX=3).
#
# It touches only containers and networks labelled rim.test-cluster=$RIM_PREFIX:
# a same-named container or network without that label stops it with a
# message (nothing is removed). The tests run their own clusters under their
# own prefixes and image tag (RIM_IMAGE).
set -euo pipefail
PREFIX="${RIM_PREFIX:-rim}"
BOXES="${RIM_BOXES:-3}"
SUBNET="${RIM_SUBNET:-10.213.7.0/24}"
NET="$PREFIX-test"
IMAGE="${RIM_IMAGE:-rim/appliance:dev}"
TOKEN="${RIM_CLUSTER_TOKEN:-rim-test-cluster-token-change-me}"
ADMIN="${RIM_ADMIN_TOKEN:-rim-test-admin-token-change-me}"
BASE="${SUBNET%.*}"
FIRST="${RIM_FIRST_BOX:-1}"
LAST="${RIM_LAST_BOX:-$BOXES}"

docker image inspect "$IMAGE" >/dev/null 2>&1 || { echo "up.sh: image $IMAGE missing: run bash images/build.sh appliance" >&2; exit 1; }

# Touch only what carries this cluster's label: a same-named container or
# network of someone else's is refused, never removed.
refuse() {
  echo "up.sh: a $1 named $2 exists and is not part of test cluster $PREFIX (no label rim.test-cluster=$PREFIX);" \
    "remove it yourself or choose another RIM_PREFIX" >&2
  exit 1
}
OWNER='{{index .Labels "rim.test-cluster"}}'
if docker network inspect "$NET" >/dev/null 2>&1; then
  [ "$(docker network inspect -f "$OWNER" "$NET")" = "$PREFIX" ] || refuse network "$NET"
fi
for i in $(seq "$FIRST" "$LAST"); do
  name="$PREFIX-box-$i"
  if docker container inspect "$name" >/dev/null 2>&1; then
    [ "$(docker container inspect -f "${OWNER/.Labels/.Config.Labels}" "$name")" = "$PREFIX" ] || refuse container "$name"
  fi
done

if ! docker network inspect "$NET" >/dev/null 2>&1; then
  docker network create --internal --subnet "$SUBNET" --label "rim.test-cluster=$PREFIX" "$NET" >/dev/null
fi

# Internal networks drop multicast under br_netfilter; one bridge-local rule lets mDNS through (see mdns-rule.sh).
bash "$(dirname "$0")/mdns-rule.sh" add "$NET"

IFS=, read -r -a models <<< "${RIM_EMULATE_MODELS-RTX 2080 Ti,GTX 1080 Ti,GTX 1080}"
IFS=, read -r -a emu_cpus <<< "${RIM_EMULATE_CPUS:-0.5}"

peers=()
for i in $(seq 1 "$BOXES"); do peers+=("\"$BASE.$((10 + i)):7878\""); done
PEERS="[$(IFS=,; echo "${peers[*]}")]"

for i in $(seq "$FIRST" "$LAST"); do
  name="$PREFIX-box-$i"
  docker rm -f -v "$name" >/dev/null 2>&1 || true # ours (checked above): a box of an earlier run
  extra=()
  if [ ${#models[@]} -gt 0 ]; then
    model="${models[$(( (i - 1) % ${#models[@]} ))]}"
    cpus="${emu_cpus[$(( (i - 1) % ${#emu_cpus[@]} ))]}"
    extra+=(-e "RIM_ACCELERATORS_EMULATE=[{\"model\":\"$model\",\"cpus\":$cpus}]")
  fi
  if [ "${RIM_STATIC_PEERS:-0}" = 1 ]; then extra+=(-e "RIM_CLUSTER_DISCOVERY_PEERS=$PEERS"); fi
  # shellcheck disable=SC2206
  [ -n "${RIM_EXTRA_ENV:-}" ] && extra+=(${RIM_EXTRA_ENV})
  [ -n "${RIM_DATA_ROOT:-}" ] && extra+=(-v "$RIM_DATA_ROOT/$name:/data")
  docker run -d --name "$name" --hostname "$name" \
    --network "$NET" --ip "$BASE.$((10 + i))" \
    --label "rim.test-cluster=$PREFIX" --label "rim.box=$name" \
    -v /var/run/docker.sock:/var/run/docker.sock \
    -e "RIM_NODE_ID=$name" \
    -e "RIM_CLUSTER_NAME=$PREFIX" \
    -e "RIM_CLUSTER_TOKEN=$TOKEN" \
    -e "RIM_ADMIN_TOKEN=$ADMIN" \
    -e "RIM_CLUSTER_DISCOVERY_INTERFACE=eth0" \
    -e "RIM_LOG_LEVEL=${RIM_LOG_LEVEL:-info}" \
    -e "RIM_PROFILING_ENABLED=${RIM_PROFILING:-true}" \
    "${extra[@]}" \
    "$IMAGE" >/dev/null
  echo "up.sh: $name at http://$BASE.$((10 + i)):7878"
done
echo "up.sh: cluster $PREFIX: boxes $FIRST-$LAST of $BOXES on network $NET ($SUBNET); stop with: RIM_PREFIX=$PREFIX bash compose/down.sh"

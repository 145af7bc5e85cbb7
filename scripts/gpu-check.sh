#!/usr/bin/env bash
# Checks Rim on a box with a real NVIDIA GPU:
#   1. nvidia-smi on the host answers (else: exit 3, "no GPU here" — not a failure of CI);
#   2. the NVIDIA container runtime gives a container the GPU (`docker run --gpus all`; else exit 4);
#   3. the appliance's inventory code reads the GPUs inside the appliance image (--gpus all), and on the host;
#   4. a GPU module of the synthetic sample is profiled through the real device path
#      (DeviceRequests nvidia + NVIDIA_VISIBLE_DEVICES), printing what was measured.
# Usage: bash scripts/gpu-check.sh [APP_IMAGE]   (default rim/sample-synthetic:latest; build with npm run images)
# Env: RIM_IMAGE (the appliance image, default rim/appliance:dev).
set -uo pipefail
cd "$(dirname "$0")/.."
APP_IMAGE="${1:-rim/sample-synthetic:latest}"
APPLIANCE="${RIM_IMAGE:-rim/appliance:dev}"
QUERY=(--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu --format=csv,noheader,nounits)

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU on this box (nvidia-smi not found); nothing to check"; exit 3
fi
if ! raw="$(nvidia-smi "${QUERY[@]}" 2>&1)" || ! grep -qE '^[0-9]+,' <<<"$raw"; then
  echo "gpu-check: no NVIDIA GPU on this box (nvidia-smi: ${raw%%$'\n'*})"; exit 3
fi
echo "gpu-check: nvidia-smi on the host:"; echo "$raw" | sed 's/^/  /'

if ! docker image inspect "$APPLIANCE" >/dev/null 2>&1; then
  echo "gpu-check: image $APPLIANCE missing: run npm run images" >&2; exit 1
fi
echo "gpu-check: the inventory inside the appliance container (docker run --gpus all $APPLIANCE):"
script='import("/app/dist/src/adapters/inventory.js").then(async (m) => {
  const inv = await new m.SystemInventory({ nodeId: "gpu-check", emulate: [], detectGpus: true }).get();
  console.log(JSON.stringify(inv.accelerators)); process.exit(inv.accelerators.length ? 0 : 3); })'
if ! inside="$(docker run --rm --gpus all "$APPLIANCE" node -e "$script" 2>&1)"; then
  echo "  $inside"
  echo "gpu-check: the NVIDIA container runtime did not give the appliance the GPU (docker run --gpus all failed)"; exit 4
fi
echo "  $inside"

echo "gpu-check: the inventory on the host (node --import tsx):"
node --import tsx scripts/gpu-check.ts inventory | sed 's/^/  /'
echo "gpu-check: profiling a GPU module of $APP_IMAGE through the NVIDIA device request:"
node --import tsx scripts/gpu-check.ts profile "$APP_IMAGE"

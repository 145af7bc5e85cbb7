#!/usr/bin/env bash
# Builds Rim's images OFFLINE (no registry): the node base, the sample apps and
# the appliance, each FROM rim/node-base:20.
#
#   bash images/build.sh [--force] [base|synthetic|noop|dnn|appliance ...]
#
# With no names it builds them all. An image is rebuilt only when its inputs
# changed: each carries a `rim.source-hash` label (sha256 over its build
# context, its Dockerfile and the base image id) that is compared first.
# Tags: rim/node-base:20, rim/sample-synthetic, rim/sample-noop,
#       rim/sample-dnn, rim/appliance:dev + rim/appliance (RIM_APPLIANCE_TAG=rim/appliance:x builds that tag
#       alone, e.g. a branch's image that must not replace the shared :dev).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BASE_TAG="rim/node-base:20"
CACHE="$ROOT/.images-cache"
export DOCKER_BUILDKIT=0 # the legacy builder needs no buildx and no network

FORCE=0
NAMES=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    base|synthetic|noop|dnn|appliance) NAMES+=("$a") ;;
    *) echo "usage: $0 [--force] [base|synthetic|noop|dnn|appliance ...]" >&2; exit 2 ;;
  esac
done
EXPLICIT=1
if [ ${#NAMES[@]} -eq 0 ]; then NAMES=(base synthetic noop dnn appliance); EXPLICIT=0; fi

say() { echo "images: $*"; }
want() { local n; for n in "${NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }

# sha256 over every file's path and content under a context, plus extra inputs.
source_hash() {
  local ctx="$1"; shift
  {
    (cd "$ctx" && find . -type f ! -name '.source-hash' -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
    for extra in "$@"; do echo "$extra"; done
  } | sha256sum | cut -c1-64
}

image_label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

# build TAG CONTEXT DOCKERFILE [EXTRA_TAG]
build() {
  local tag="$1" ctx="$2" dockerfile="$3" extra_tag="${4:-}"
  local base_id hash current t0
  base_id="$(docker image inspect -f '{{.Id}}' "$BASE_TAG")"
  hash="$(source_hash "$ctx" "$(cat "$dockerfile")" "$base_id")"
  current="$(image_label "$tag" rim.source-hash)"
  if [ "$FORCE" = 0 ] && [ "$current" = "$hash" ]; then
    say "$tag up to date (source ${hash:0:12})"
    [ -n "$extra_tag" ] && docker tag "$tag" "$extra_tag"
    return 0
  fi
  t0=$(date +%s%N)
  say "building $tag from ${ctx#"$ROOT"/} (source ${hash:0:12})"
  local out
  if ! out="$(docker build -q --build-arg "BASE=$BASE_TAG" --label "rim.source-hash=$hash" \
    -f "$dockerfile" -t "$tag" ${extra_tag:+-t "$extra_tag"} "$ctx" 2>&1)"; then
    echo "$out" | grep -v -e DEPRECATED -e 'legacy builder' -e BuildKit >&2
    echo "images: building $tag failed" >&2
    return 1
  fi
  local size
  size="$(docker image inspect -f '{{.Size}}' "$tag")"
  say "built $tag in $(( ($(date +%s%N) - t0) / 1000000 )) ms, $((size / 1024 / 1024)) MiB"
}

want base && bash images/base/build.sh $([ "$FORCE" = 1 ] && echo --force)
docker image inspect "$BASE_TAG" >/dev/null 2>&1 || bash images/base/build.sh

if want synthetic; then
  build rim/sample-synthetic images/samples/synthetic images/samples/synthetic/Dockerfile
fi
if want noop; then
  build rim/sample-noop images/samples/synthetic images/samples/synthetic/Dockerfile.noop
fi

if want dnn; then
  DNN="$ROOT/images/samples/dnn"
  if [ ! -d "$DNN/node_modules/@tensorflow/tfjs-core" ]; then
    say "installing the dnn sample's npm deps on the host (containers cannot reach npm)"
    (cd "$DNN" && npm ci --no-audit --no-fund --omit=dev >/dev/null) || {
      echo "images: npm ci in images/samples/dnn failed (no registry?); cannot build rim/sample-dnn" >&2; exit 1; }
  fi
  if [ ! -f "$DNN/model/model.json" ] || [ "$DNN/make-model.js" -nt "$DNN/model/model.json" ]; then
    say "generating the dnn sample's model (seeded random init)"
    (cd "$DNN" && node make-model.js model)
  fi
  build rim/sample-dnn "$DNN" "$DNN/Dockerfile"
fi

if want appliance; then
  # Stage a small context: compiled JS, production node_modules only.
  say "compiling TypeScript (npm run build)"
  mkdir -p "$CACHE"; npx tsc -p tsconfig.json >"$CACHE/tsc.log" 2>&1 || say "warning: tsc reported errors (see $CACHE/tsc.log); using what it emitted"
  if [ ! -f dist/src/main.js ]; then
    msg="dist/src/main.js is missing (no composition root yet?); cannot build rim/appliance"
    if [ "$EXPLICIT" = 1 ]; then echo "images: $msg" >&2; exit 1; fi
    say "skipping appliance: $msg"
  else
    STAGE="$CACHE/appliance"
    rm -rf "$STAGE"; mkdir -p "$STAGE/node_modules"
    cp package.json package-lock.json "$STAGE/"
    cp -a dist "$STAGE/dist"
    rm -rf "$STAGE/dist/test" "$STAGE/dist/bench"
    find "$STAGE/dist" -name '*.map' -delete
    # npm ls exits non-zero on any peer-dependency complaint; its list is still right.
    PROD_DIRS="$(npm ls --omit=dev --parseable --all 2>/dev/null || true)"
    echo "$PROD_DIRS" | sed "s#^$ROOT/##" | { grep '^node_modules/' || true; } |
      while read -r dir; do cp -a --parents "$dir" "$STAGE/" 2>/dev/null || true; done
    [ -d "$STAGE/node_modules/pino" ] || { echo "images: staging production node_modules failed (no pino)" >&2; exit 1; }
    cp images/appliance/Dockerfile images/appliance/.dockerignore "$STAGE/"
    if [ -n "${RIM_APPLIANCE_TAG:-}" ]; then build "$RIM_APPLIANCE_TAG" "$STAGE" "$STAGE/Dockerfile"
    else build rim/appliance:dev "$STAGE" "$STAGE/Dockerfile" rim/appliance:latest; fi
  fi
fi
say "done"

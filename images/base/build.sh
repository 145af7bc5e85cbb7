#!/usr/bin/env bash
# Builds rim/node-base:20 OFFLINE: no registry, no network. The root filesystem
# is made from this machine's own Node.js binary, the shared libraries it
# needs (ldd), a static busybox (or dash) as /bin/sh so Dockerfile RUN lines
# and healthchecks work, and a minimal /etc; then `docker import`ed.
#
#   bash images/base/build.sh [--force] [--tag rim/node-base:20]
#
# Idempotent: does nothing when the tag exists, unless --force.
set -euo pipefail

TAG="rim/node-base:20"
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1 ;;
    --tag) TAG="$2"; shift ;;
    *) echo "usage: $0 [--force] [--tag TAG]" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "base: $*"; }

if [ "$FORCE" = 0 ] && docker image inspect "$TAG" >/dev/null 2>&1; then
  say "$TAG exists ($(docker image inspect -f '{{.Id}}' "$TAG" | cut -c1-19)); skipping (use --force to rebuild)"
  exit 0
fi

NODE="$(command -v node || true)"
[ -x /usr/local/bin/node ] && NODE=/usr/local/bin/node
[ -n "$NODE" ] || { echo "base: no node binary on this machine" >&2; exit 1; }
NODE="$(readlink -f "$NODE")"
NODE_VERSION="$("$NODE" -v)"
case "$NODE_VERSION" in v20.*) ;; *) say "warning: host node is $NODE_VERSION, not v20.x; tagging $TAG anyway" ;; esac

ROOT="$(mktemp -d /tmp/rim-node-base.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT

# Copies a file (following links) to the same absolute path under $ROOT.
put() { mkdir -p "$ROOT$(dirname "$2")"; cp -L "$1" "$ROOT$2"; }
# Copies every shared library an ELF binary needs, at the paths ldd names.
put_libs() {
  ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u | while read -r lib; do
    [ -f "$ROOT$lib" ] || put "$lib" "$lib"
  done
}

mkdir -p "$ROOT"/{bin,usr/bin,usr/local/bin,etc,tmp,root,home/node,app,rim,var/tmp,proc,sys,dev}
chmod 1777 "$ROOT/tmp" "$ROOT/var/tmp"

put "$NODE" /usr/local/bin/node
ln -s /usr/local/bin/node "$ROOT/usr/bin/node"
put_libs "$NODE"
say "node $NODE_VERSION from $NODE with $(ldd "$NODE" | grep -c '/') libraries"

BUSYBOX="$(command -v busybox || true)"
if [ -n "$BUSYBOX" ] && file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
  put "$BUSYBOX" /bin/busybox
  for applet in $("$BUSYBOX" --list); do
    [ -e "$ROOT/bin/$applet" ] || ln -s busybox "$ROOT/bin/$applet"
  done
  say "shell: static busybox ($("$BUSYBOX" --list | wc -l) applets)"
else
  SH="$(readlink -f "$(command -v dash || command -v sh)")"
  put "$SH" /bin/sh
  put_libs "$SH"
  say "shell: $SH as /bin/sh (install busybox-static for the usual tools)"
fi

cat >"$ROOT/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000:node:/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$ROOT/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$ROOT/etc/nsswitch.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
chown -R 1000:1000 "$ROOT/home/node" 2>/dev/null || true
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  put /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
  say "ca-certificates copied"
fi

# Smoke test the tree before importing it: node must run inside it.
if command -v chroot >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  chroot "$ROOT" /usr/local/bin/node -e 'process.exit(0)' || { echo "base: node does not run in the new root" >&2; exit 1; }
fi

tar -C "$ROOT" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change "LABEL rim.base=node-base rim.node-version=${NODE_VERSION}" \
  --change 'CMD ["node"]' \
  --message "rim node-base from host node $NODE_VERSION" \
  - "$TAG" >/dev/null

SIZE="$(docker image inspect -f '{{.Size}}' "$TAG")"
say "imported $TAG ($(docker image inspect -f '{{.Id}}' "$TAG" | cut -c1-19), $((SIZE / 1024 / 1024)) MiB)"
docker run --rm --network none "$TAG" node -e 'console.log("base: check: node " + process.version + " runs in the image")'

#!/usr/bin/env bash
# Lists the _rim._tcp services that a real, non-Node mDNS client sees from
# inside one box's network namespace: Debian's avahi-daemon + avahi-browse
# (avahi-utils), run from the host in the netns of the given container, with
# a private D-Bus bus, a private config (interface eth0 only, publishing
# off) and a private /run/avahi-daemon, so the host's own interfaces and
# daemons are never involved. Needs root (nsenter).
#
#   bash compose/avahi-browse.sh [BOX]      # BOX: rim-box-1 by default; prints avahi-browse -rtp lines
set -euo pipefail
BOX="${1:-rim-box-1}"
PID=$(docker inspect -f '{{.State.Pid}}' "$BOX")
[ "$PID" -gt 0 ] || { echo "avahi-browse.sh: $BOX is not running" >&2; exit 1; }
DIR=$(mktemp -d /tmp/rim-avahi-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
cat > "$DIR/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$DIR/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
cat > "$DIR/avahi.conf" <<CONF
[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0
enable-dbus=yes
ratelimit-interval-usec=0
[wide-area]
enable-wide-area=no
[publish]
disable-publishing=yes
[reflector]
enable-reflector=no
CONF
export DIR
nsenter -t "$PID" -n unshare -m bash -c '
  set -e
  mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon
  dbus-daemon --config-file="$DIR/bus.conf" --fork --print-pid > "$DIR/dbus.pid"
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$DIR/bus"
  avahi-daemon -f "$DIR/avahi.conf" --no-drop-root --no-chroot --no-rlimits --no-proc-title > "$DIR/avahi.log" 2>&1 &
  AV=$!
  for _ in $(seq 1 50); do avahi-browse -atp >/dev/null 2>&1 && break; sleep 0.1; done
  sleep 1
  avahi-browse -rtp _rim._tcp || true
  kill $AV 2>/dev/null || true
  kill "$(cat "$DIR/dbus.pid")" 2>/dev/null || true
  wait $AV 2>/dev/null || true
'

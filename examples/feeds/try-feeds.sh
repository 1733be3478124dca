#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the whole loop on a private session bus, touching nothing of the host: bgtaskd, the feeds
# example (D-Bus-activated) and bgtaskctl. Usage: examples/feeds/try-feeds.sh [BUILD_DIR]
# KEEP=1 keeps the temporary directory (logs, state, cache) and the bus for a look afterwards.
set -eu
B=$(realpath "${1:-build}")
SRC=$(dirname "$(realpath "$0")")
for f in "$B/daemon/app/bgtaskd" "$B/cli/bgtaskctl" "$B/examples/feeds/bgtask-example-feeds"; do
  [ -x "$f" ] || { echo "try-feeds: $f is missing; build first (ninja -C $B)" >&2; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/try-feeds.XXXXXX")
cleanup() {
  [ -n "${KEEP:-}" ] && { echo "kept $T"; return; }
  [ -f "$T/bgtaskd.pid" ] && kill "$(cat "$T/bgtaskd.pid")" 2>/dev/null || true
  [ -f "$T/bus.pid" ] && kill -TERM "-$(cat "$T/bus.pid")" 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT INT TERM

mkdir -p "$T/services" "$T/data/bgtaskd/apps" "$T/data/org.example.Feeds/feeds" "$T/cache" "$T/state"
cp "$B/examples/feeds/org.example.Feeds.conf" "$T/data/bgtaskd/apps/"
cp "$B/examples/feeds/org.example.Feeds.service" "$T/services/"
cp "$SRC"/sample-feeds/*.feed "$T/data/org.example.Feeds/feeds/"
cat > "$T/session.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=$T/session.sock</listen><auth>EXTERNAL</auth>
<servicedir>$T/services</servicedir>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy>
</busconfig>
EOC
export XDG_DATA_HOME="$T/data" XDG_DATA_DIRS="$T/data" XDG_CACHE_HOME="$T/cache" HOME="$T"
dbus-daemon --config-file="$T/session.conf" --fork --print-address=3 --print-pid=4 \
  3>"$T/bus.addr" 4>"$T/bus.pid" 2>/dev/null
DBUS_SESSION_BUS_ADDRESS=$(cat "$T/bus.addr"); export DBUS_SESSION_BUS_ADDRESS
"$B/daemon/app/bgtaskd" -v --state-dir "$T/state" --data-dir "$T/data" >"$T/bgtaskd.log" 2>&1 &
echo $! > "$T/bgtaskd.pid"

step() { printf '\n$ %s\n' "$*"; "$@"; }
sleep 0.5
step "$B/examples/feeds/bgtask-example-feeds" --submit-in 600
step "$B/cli/bgtaskctl" list
step "$B/cli/bgtaskctl" run org.example.Feeds org.example.Feeds.refresh
sleep 1
step "$B/cli/bgtaskctl" history
step "$B/cli/bgtaskctl" list
echo
echo "bgtaskd's log:"
cat "$T/bgtaskd.log"

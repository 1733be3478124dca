#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# with-private-bus.sh system|session CMD…: runs CMD with DBUS_SYSTEM_BUS_ADDRESS (or
# DBUS_SESSION_BUS_ADDRESS) pointing at a private dbus-daemon of that type (everyone may own and
# call anything), then stops that daemon with its process group. CMD's own children (the
# python-dbusmock servers a test starts) are CMD's to stop; they also exit when the bus goes away.
set -eu
type=${1:-}
case "$type" in
    system) variable=DBUS_SYSTEM_BUS_ADDRESS ;;
    session) variable=DBUS_SESSION_BUS_ADDRESS ;;
    *) echo "usage: $0 system|session CMD…" >&2; exit 2 ;;
esac
shift
T=$(mktemp -d "${TMPDIR:-/tmp}/bgtaskd-$type-bus.XXXXXX")
chmod 755 "$T"   # tests also connect as another user (nobody)
cleanup() {
    if [ -s "$T/pid" ]; then kill -TERM "-$(cat "$T/pid")" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' INT TERM
cat >"$T/$type.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>$type</type>
  <listen>unix:path=$T/$type.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/> <allow eavesdrop="true"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$T/$type.conf" --fork --print-address=3 --print-pid=4 3>"$T/address" 4>"$T/pid" \
    2>"$T/dbus-daemon.log" || { cat "$T/dbus-daemon.log" >&2; exit 1; }
address=$(cat "$T/address")
export "$variable=$address"
rc=0
"$@" || rc=$?
exit $rc

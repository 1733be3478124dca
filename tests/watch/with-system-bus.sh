#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# with-system-bus.sh CMD…: runs CMD with DBUS_SYSTEM_BUS_ADDRESS pointing at a private
# dbus-daemon of type "system" (everyone may own and call anything), then stops that daemon
# with its process group. CMD's own children (the python-dbusmock servers a test starts) are
# CMD's to stop; they also exit when the bus goes away.
set -eu
T=$(mktemp -d "${TMPDIR:-/tmp}/bgtaskd-system-bus.XXXXXX")
cleanup() {
    if [ -s "$T/pid" ]; then kill -TERM "-$(cat "$T/pid")" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' INT TERM
cat >"$T/system.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$T/system.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/> <allow eavesdrop="true"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$T/system.conf" --fork --print-address=3 --print-pid=4 3>"$T/address" 4>"$T/pid" \
    2>"$T/dbus-daemon.log" || { cat "$T/dbus-daemon.log" >&2; exit 1; }
DBUS_SYSTEM_BUS_ADDRESS=$(cat "$T/address")
export DBUS_SYSTEM_BUS_ADDRESS
rc=0
"$@" || rc=$?
exit $rc

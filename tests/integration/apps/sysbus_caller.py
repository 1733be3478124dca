#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Calls bgtaskd (or an app) on the system bus as whoever runs it: the tests run it as nobody
through setpriv. Prints one JSON line per call: {"ok": reply} or {"error": name, "message": text}.

  sysbus_caller.py [--own NAME] CALLS_JSON

CALLS_JSON is a list of [destination, path, interface, method, arg…]; an argument
{"int64": N} is sent as an Int64 (in option dictionaries). --own takes NAME on the bus first,
so that the calls come from the app that owns NAME; "own" is then printed as the first line,
with the connection's unique name."""
import argparse
import json
import sys

import dbus


def plain(value):
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(value)
    if isinstance(value, (list, tuple, dbus.Array, dbus.Struct)):
        return [plain(v) for v in value]
    if isinstance(value, (dict, dbus.Dictionary)):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (dbus.Double, float)):
        return float(value)
    if value is None:
        return None
    return int(value)


def typed(value):
    if isinstance(value, dict) and set(value) == {"int64"}:
        return dbus.Int64(value["int64"])
    if isinstance(value, dict):
        return dbus.Dictionary({k: typed(v) for k, v in value.items()}, signature="sv")
    return value


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--own")
    p.add_argument("calls")
    args = p.parse_args()
    bus = dbus.SystemBus()
    if args.own:
        reply = bus.request_name(args.own, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        print(json.dumps({"own": reply == dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER,
                          "unique_name": bus.get_unique_name()}), flush=True)
    for destination, path, interface, method, *call_args in json.loads(args.calls):
        try:
            proxy = bus.get_object(destination, path, introspect=False)
            reply = proxy.get_dbus_method(method, interface)(*[typed(a) for a in call_args])
            print(json.dumps({"ok": plain(reply)}), flush=True)
        except dbus.exceptions.DBusException as e:
            print(json.dumps({"error": e.get_dbus_name(), "message": e.get_dbus_message()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

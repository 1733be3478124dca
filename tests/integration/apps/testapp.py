#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A scriptable app for the integration tests, speaking the D-Bus API directly.

It owns its app id as bus name, exports org.bgtaskd.Handler1 at /org/bgtaskd/Handler before
asking for the name, registers its identifiers and behaves as --behavior says when a task
arrives. Everything it sees is appended to --events as JSON lines for the test to read.
"""
import argparse
import json
import os
import sys
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BEHAVIORS = ("complete", "fail", "never-complete", "complete-on-expire", "crash-on-launch",
             "no-register", "refuse-launch", "serve")


class App(dbus.service.Object):
    def __init__(self, bus, args):
        self.args = args
        self.bus = bus
        self.running = set()
        self.last_activity = time.monotonic()
        super().__init__(bus, "/org/bgtaskd/Handler")

    def record(self, event, **fields):
        with open(self.args.events, "a") as f:
            f.write(json.dumps({"event": event, "time": time.time(), "pid": os.getpid(), **fields}) + "\n")

    def complete(self, task, success):
        try:
            self.bus.get_object("org.bgtaskd", task).SetTaskCompleted(
                success, dbus_interface="org.bgtaskd.Task1")
            self.record("completed", task=str(task), success=success)
        except dbus.exceptions.DBusException as e:
            self.record("complete-error", task=str(task), error=e.get_dbus_name(), message=e.get_dbus_message())
        self.running.discard(str(task))
        self.last_activity = time.monotonic()
        return False

    @dbus.service.method("org.bgtaskd.Handler1", in_signature="ossa{sv}", out_signature="")
    def Launch(self, task, identifier, kind, info):
        self.record("launch", task=str(task), identifier=str(identifier), kind=str(kind),
                    info={str(k): (bool(v) if isinstance(v, dbus.Boolean) else int(v)) for k, v in info.items()})
        b = self.args.behavior
        if b == "refuse-launch":
            raise dbus.exceptions.DBusException("not today", name="org.example.Error.Refused")
        self.running.add(str(task))
        self.last_activity = time.monotonic()
        if b == "crash-on-launch":
            GLib.timeout_add(50, lambda: os._exit(3))
        elif b in ("complete", "fail", "serve"):
            GLib.timeout_add(int(self.args.work_seconds * 1000), self.complete, task, b != "fail")

    @dbus.service.method("org.bgtaskd.Handler1", in_signature="os", out_signature="")
    def Expire(self, task, reason):
        self.record("expire", task=str(task), reason=str(reason))
        if self.args.behavior == "complete-on-expire":
            GLib.idle_add(self.complete, task, False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--app-id", required=True)
    p.add_argument("--behavior", choices=BEHAVIORS, default="complete")
    p.add_argument("--identifier", action="append", default=[])
    p.add_argument("--events", required=True)
    p.add_argument("--work-seconds", type=float, default=0.1)
    p.add_argument("--submit", action="append", default=[], metavar="KIND:IDENTIFIER",
                   help="submit these requests after registering (as a foreground app would)")
    p.add_argument("--title", default="Working")
    p.add_argument("--strategy", default="")
    p.add_argument("--idle-exit", type=float, default=3.0, help="exit after this long without tasks (0: never)")
    args = p.parse_args()

    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    app = App(bus, args)   # the handler object exists before the name is taken
    bus.request_name(args.app_id, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    def register():
        if args.behavior == "no-register" or not args.identifier:
            return []
        return [str(x) for x in bus.get_object("org.bgtaskd", "/org/bgtaskd").Register(
            args.identifier, dbus_interface="org.bgtaskd.Scheduler1")]

    refused = register()

    def daemon_owner_changed(name, old, new):
        # Registrations belong to one daemon instance: declare them again to a new one.
        if name == "org.bgtaskd" and new:
            app.record("reregistered", refused=register())
    bus.add_signal_receiver(daemon_owner_changed, "NameOwnerChanged", "org.freedesktop.DBus",
                            "org.freedesktop.DBus", "/org/freedesktop/DBus", arg0="org.bgtaskd")
    app.record("ready", refused=refused, unique_name=bus.get_unique_name())
    for item in args.submit:
        kind, identifier = item.split(":", 1)
        options = dbus.Dictionary({}, signature="sv")
        if kind == "continued-processing":
            options["Title"] = args.title
            if args.strategy:
                options["Strategy"] = args.strategy
        try:
            bus.get_object("org.bgtaskd", "/org/bgtaskd").Submit(
                kind, identifier, options, dbus_interface="org.bgtaskd.Scheduler1")
            app.record("submitted", kind=kind, identifier=identifier)
        except dbus.exceptions.DBusException as e:
            app.record("submit-error", kind=kind, identifier=identifier, error=e.get_dbus_name(),
                       message=e.get_dbus_message())

    loop = GLib.MainLoop()
    if args.idle_exit > 0 and args.behavior != "serve":
        def check_idle():
            if not app.running and time.monotonic() - app.last_activity > args.idle_exit:
                app.record("exit")
                loop.quit()
                return False
            return True
        GLib.timeout_add(100, check_idle)
    loop.run()


if __name__ == "__main__":
    sys.exit(main())

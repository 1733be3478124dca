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
import signal
import sys
import threading
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BEHAVIORS = ("complete", "fail", "never-complete", "complete-on-expire", "crash-on-launch", "killed-on-launch",
             "no-register", "refuse-launch", "serve", "progress", "no-expire-handler", "no-expire-method", "cancel-self", "exit-at-start",
             "complete-twice")


def plain(value):
    """A D-Bus value as JSON can hold it."""
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, (list, dbus.Array)):
        return [plain(v) for v in value]
    if isinstance(value, (dict, dbus.Dictionary)):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (dbus.Double, float)):
        return float(value)
    return int(value)


class Control(dbus.service.Object):
    """/Test on the app's connection: lets a test make the app act as its user would (submit
    more work, cancel), answering "ok" or "ErrorName: message"."""

    def __init__(self, bus):
        self.bus = bus
        super().__init__(bus, "/Test")

    def scheduler(self):
        return dbus.Interface(self.bus.get_object("org.bgtaskd", "/org/bgtaskd"), "org.bgtaskd.Scheduler1")

    @staticmethod
    def attempt(fn):
        try:
            fn()
            return "ok"
        except dbus.exceptions.DBusException as e:
            return f"{e.get_dbus_name()}: {e.get_dbus_message()}"

    @dbus.service.method("org.bgtaskd.Test", in_signature="ssa{sv}", out_signature="s")
    def Submit(self, kind, identifier, options):
        return self.attempt(lambda: self.scheduler().Submit(kind, identifier, options))

    @dbus.service.method("org.bgtaskd.Test", in_signature="s", out_signature="s")
    def Cancel(self, identifier):
        return self.attempt(lambda: self.scheduler().Cancel(identifier))

    @dbus.service.method("org.bgtaskd.Test", in_signature="as", out_signature="as")
    def Register(self, identifiers):
        return [str(x) for x in self.scheduler().Register(identifiers)]

    def task(self, path):
        return dbus.Interface(self.bus.get_object("org.bgtaskd", path), "org.bgtaskd.Task1")

    @dbus.service.method("org.bgtaskd.Test", in_signature="s", out_signature="s")
    def ReleaseName(self, name):
        return self.attempt(lambda: self.bus.release_name(name))

    @dbus.service.method("org.bgtaskd.Test", in_signature="s", out_signature="s")
    def RequestName(self, name):
        return self.attempt(lambda: self.bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE))

    @dbus.service.method("org.bgtaskd.Test", in_signature="ob", out_signature="s")
    def Complete(self, task, success):
        return self.attempt(lambda: self.task(task).SetTaskCompleted(success))

    @dbus.service.method("org.bgtaskd.Test", in_signature="oay", out_signature="s")
    def SaveCheckpoint(self, task, data):
        return self.attempt(lambda: self.task(task).SaveCheckpoint(dbus.ByteArray(bytes(data)), signature="ay"))

    @dbus.service.method("org.bgtaskd.Test", in_signature="oxx", out_signature="s")
    def UpdateProgress(self, task, completed, total):
        return self.attempt(lambda: self.task(task).UpdateProgress(dbus.Int64(completed), dbus.Int64(total)))

    @dbus.service.method("org.bgtaskd.Test", in_signature="oss", out_signature="s")
    def UpdateTitle(self, task, title, subtitle):
        return self.attempt(lambda: self.task(task).UpdateTitle(title, subtitle))

    @dbus.service.method("org.bgtaskd.Test", in_signature="d", out_signature="d")
    def Burn(self, seconds):
        """Uses this much CPU time (busy, in this process) before answering; answers the
        process's CPU time then."""
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass
        return time.process_time()

    @dbus.service.method("org.bgtaskd.Test", in_signature="", out_signature="s")
    def GetBackgroundRefreshStatus(self):
        return str(self.scheduler().GetBackgroundRefreshStatus())

    @dbus.service.method("org.bgtaskd.Test", in_signature="sssss", out_signature="s")
    def Call(self, path, interface, method, signature, literal):
        """Calls any method of org.bgtaskd as this app, with the signature given and the
        arguments a Python literal of dbus types gives (malformed-input tests)."""
        args = eval(literal, {"__builtins__": {}, "dbus": dbus, "nan": float("nan"), "inf": float("inf")})
        return self.attempt(lambda: self.bus.call_blocking("org.bgtaskd", path, interface, method, signature,
                                                           args, timeout=60))

    @dbus.service.method("org.bgtaskd.Test", in_signature="", out_signature="(asa{ss})")
    def GetSupportedResources(self):
        supported, unavailable = self.scheduler().GetSupportedResources()
        return (supported, unavailable)


class App(dbus.service.Object):
    def __init__(self, bus, args):
        self.args = args
        self.bus = bus
        self.running = set()
        self.last_activity = time.monotonic()
        super().__init__(bus, "/org/bgtaskd/Handler")

    def record(self, event, **fields):
        with open(self.args.events, "a") as f:
            f.write(json.dumps({"event": event, "time": time.time(), "pid": os.getpid(), "uid": os.getuid(),
                                **fields}) + "\n")

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
                    info={str(k): plain(v) for k, v in info.items()})
        b = self.args.behavior
        if b == "refuse-launch":
            message = "x" * self.args.refuse_bytes if self.args.refuse_bytes else "not today"
            raise dbus.exceptions.DBusException(message, name="org.example.Error.Refused")
        self.running.add(str(task))
        self.last_activity = time.monotonic()
        if b == "crash-on-launch":
            GLib.timeout_add(50, lambda: os._exit(3))
        elif b == "killed-on-launch":   # as the OOM killer or an administrator's kill -9 would
            GLib.timeout_add(50, lambda: os.kill(os.getpid(), signal.SIGKILL))
        elif b in ("complete", "fail", "serve"):
            GLib.timeout_add(int(self.args.work_seconds * 1000), self.complete, task, b != "fail")
        elif b == "progress":
            steps = [tuple(int(n) for n in step.split("/")) for step in self.args.progress.split(",") if step]
            self.report_progress(task, steps)
        elif b == "complete-twice":
            GLib.timeout_add(int(self.args.work_seconds * 1000), self.complete_twice, task)
        elif b == "cancel-self":
            GLib.timeout_add(200, self.cancel_self, str(identifier))

    def complete_twice(self, task):
        self.complete(task, True)
        self.running.add(str(task))   # so that the second call is recorded as the first was
        self.complete(task, True)
        return False

    def report_progress(self, task, steps):
        def step():
            if str(task) not in self.running:
                return False
            if not steps:
                self.complete(task, True)
                return False
            completed, total = steps.pop(0)
            try:
                self.bus.get_object("org.bgtaskd", task).UpdateProgress(
                    dbus.Int64(completed), dbus.Int64(total), dbus_interface="org.bgtaskd.Task1")
                self.record("progress", task=str(task), completed=completed, total=total)
            except dbus.exceptions.DBusException as e:
                self.record("progress-error", task=str(task), error=e.get_dbus_name(), message=e.get_dbus_message())
            return True
        GLib.timeout_add(int(self.args.progress_interval * 1000), step)

    def cancel_self(self, identifier):
        try:
            self.bus.get_object("org.bgtaskd", "/org/bgtaskd").Cancel(identifier, dbus_interface="org.bgtaskd.Scheduler1")
            self.record("cancelled-self", identifier=identifier)
        except dbus.exceptions.DBusException as e:
            self.record("cancel-error", error=e.get_dbus_name(), message=e.get_dbus_message())
        return False

    @dbus.service.method("org.bgtaskd.Handler1", in_signature="os", out_signature="")
    def Expire(self, task, reason):
        self.record("expire", task=str(task), reason=str(reason))
        if self.args.behavior == "no-expire-handler":
            self.running.discard(str(task))
            raise dbus.exceptions.DBusException("no-expiration-handler: this app sets none",
                                                name="org.bgtaskd.Error.NotFound")
        if self.args.behavior == "no-expire-method":
            # What a handler object without an Expire method answers (not libbgtask).
            self.running.discard(str(task))
            raise dbus.exceptions.DBusException("No such method 'Expire'",
                                                name="org.freedesktop.DBus.Error.UnknownMethod")
        if self.args.behavior in ("complete-on-expire", "progress", "cancel-self"):
            GLib.idle_add(self.complete, task, False)


def blocked_signals():
    """The SigBlk mask this process started with, as /proc shows it (hex)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("SigBlk:"):
                return line.split()[1]
    return ""


def record_sigterm_sender(events):
    """SIGTERM is blocked in every thread (those started later inherit the mask) and taken by
    one thread with sigwaitinfo, which says who sent it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})

    def wait():
        info = signal.sigwaitinfo({signal.SIGTERM})
        with open(events, "a") as f:
            f.write(json.dumps({"event": "sigterm", "time": time.time(), "pid": os.getpid(),
                                "sender": info.si_pid}) + "\n")
        os._exit(0)
    threading.Thread(target=wait, daemon=True).start()


def open_descriptors():
    """The descriptors beyond stdio this process holds (at start: what it inherited)."""
    found = []
    for fd in range(3, 1024):
        try:
            os.fstat(fd)
            found.append(fd)
        except OSError:
            pass
    return found


def main():
    inherited = open_descriptors()
    p = argparse.ArgumentParser()
    p.add_argument("--app-id", required=True)
    p.add_argument("--behavior", choices=BEHAVIORS, default="complete")
    p.add_argument("--identifier", action="append", default=[])
    p.add_argument("--events", required=True)
    p.add_argument("--work-seconds", type=float, default=0.1)
    p.add_argument("--submit", action="append", default=[], metavar="KIND:IDENTIFIER",
                   help="submit these requests after registering (as a foreground app would)")
    p.add_argument("--refuse-bytes", type=int, default=0, help="size of refuse-launch's error message")
    p.add_argument("--title", default="Working")
    p.add_argument("--subtitle", default="")
    p.add_argument("--strategy", default="")
    p.add_argument("--resources", default="", help="RequiredResources of continued submits, comma-separated")
    p.add_argument("--progress", default="1/4,2/4,3/4,4/4", help="steps of the progress behavior")
    p.add_argument("--progress-interval", type=float, default=0.3)
    p.add_argument("--idle-exit", type=float, default=3.0, help="exit after this long without tasks (0: never)")
    p.add_argument("--system", action="store_true", help="use the system bus (a system service)")
    p.add_argument("--unreaped-child", action="store_true",
                   help="run as the child of a parent that never reaps it: once it exits it stays a zombie")
    p.add_argument("--fork-after-connect", metavar="FILE",
                   help="connect, then fork: the child keeps the connection and goes on as the app, the "
                        "process that connected (whose pid the bus reports) exits once FILE exists")
    p.add_argument("--ignore-sigterm", action="store_true", help="record SIGTERM and go on (a stubborn app)")
    p.add_argument("--record-sigterm", action="store_true",
                   help="record who sent SIGTERM (its pid) and exit 0, as a service stopped cleanly does")
    args = p.parse_args()
    if args.unreaped_child and os.fork() > 0:
        while True:   # SIGCHLD stays at its default: the exited child is never waited for
            time.sleep(3600)

    if args.record_sigterm:
        record_sigterm_sender(args.events)
    DBusGMainLoop(set_as_default=True)
    if args.ignore_sigterm:
        def sigterm():
            with open(args.events, "a") as f:
                f.write(json.dumps({"event": "sigterm-ignored", "time": time.time(), "pid": os.getpid()}) + "\n")
            return True   # keep the handler: every SIGTERM is ignored
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, sigterm)
    bus = dbus.SystemBus() if args.system else dbus.SessionBus()
    if args.fork_after_connect:
        connector = os.getpid()
        if os.fork() > 0:
            while not os.path.exists(args.fork_after_connect):
                time.sleep(0.02)
            os._exit(0)
        with open(args.events, "a") as f:
            f.write(json.dumps({"event": "forked", "time": time.time(), "pid": os.getpid(),
                                "connector": connector}) + "\n")
    app = App(bus, args)   # the handler object exists before the name is taken
    Control(bus)

    def properties_changed(interface, changed, invalidated, path=None):
        if interface == "org.bgtaskd.Task1":
            app.record("properties", task=str(path), changed=plain(changed))
    bus.add_signal_receiver(properties_changed, "PropertiesChanged", "org.freedesktop.DBus.Properties",
                            "org.bgtaskd", path_keyword="path")
    bus.request_name(args.app_id, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    if args.behavior == "exit-at-start":
        app.record("exit")
        os._exit(1)
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
    app.record("ready", refused=refused, unique_name=bus.get_unique_name(), sid=os.getsid(0),
               sigblk=blocked_signals(), inherited_fds=inherited)
    for item in args.submit:
        kind, identifier = item.split(":", 1)
        options = dbus.Dictionary({}, signature="sv")
        if kind == "continued-processing":
            options["Title"] = args.title
            if args.subtitle:
                options["Subtitle"] = args.subtitle
            if args.strategy:
                options["Strategy"] = args.strategy
            if args.resources:
                options["RequiredResources"] = dbus.Array(args.resources.split(","), signature="s")
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

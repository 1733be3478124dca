#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtask-example-backup: a nightly backup as a processing task, speaking bgtaskd's D-Bus API
directly (dbus-python and GLib, no libbgtask), to show the contract a binding implements.

The contract, in the order that matters:
  1. export org.bgtaskd.Handler1 at /org/bgtaskd/Handler on the connection,
  2. then own the app's bus name (the manifest's BusName, by default the app id), so that an
     activation by bgtaskd never reaches a process that cannot take the launch,
  3. Scheduler1.Register the identifiers it handles (again whenever org.bgtaskd gets a new owner),
  4. Scheduler1.Submit requests; Handler1.Launch returns at once, the work runs elsewhere and ends
     with Task1.SetTaskCompleted; Handler1.Expire(reason) means stop now.

  bgtask-example-backup.py                   serve launches (D-Bus activation starts it this way);
                                             exits 3 s after the last task, or after 30 s idle
  bgtask-example-backup.py --submit-in SECS  submit the backup for SECS from now (on external
                                             power) and exit
  bgtask-example-backup.py --every SECS [--flex SECS]
                                             submit the backup as periodic work (on external
                                             power), then serve: bgtaskd runs it every SECS (at
                                             least 60), up to --flex SECS early, and submits it
                                             again after each run by itself; a backup that fails
                                             or is stopped is retried after 5-10 min, doubling
                                             up to 6 h (RepeatInterval, Flex, BackoffDelay,
                                             MaxBackoffDelay). Running it again keeps the clock.
Backs up $XDG_DATA_HOME/org.example.Backup/files into $XDG_CACHE_HOME/org.example.Backup/.
"""
import argparse
import os
import sys
import tarfile
import threading
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

APP_ID = "org.example.Backup"
BACKUP_ID = "org.example.Backup.backup"
BGTASKD = "org.bgtaskd"


def xdg(variable, fallback):
    return os.environ.get(variable) or os.path.join(os.path.expanduser("~"), fallback)


def log(text):
    print(f"backup: {text}", file=sys.stderr, flush=True)


class Backup:
    """One run: archives the files on a thread, stops early when asked."""

    def __init__(self, app, task):
        self.app = app
        self.task = task
        self.cancelled = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        source = os.path.join(xdg("XDG_DATA_HOME", ".local/share"), APP_ID, "files")
        target_dir = os.path.join(xdg("XDG_CACHE_HOME", ".cache"), APP_ID)
        os.makedirs(target_dir, exist_ok=True)
        target = os.path.join(target_dir, time.strftime("backup-%Y%m%d-%H%M%S.tar.gz"))
        count = 0
        try:
            with tarfile.open(target + ".part", "w:gz") as archive:
                for root, _dirs, files in os.walk(source):
                    for name in sorted(files):
                        if self.cancelled.is_set():
                            raise InterruptedError("cancelled")
                        path = os.path.join(root, name)
                        archive.add(path, arcname=os.path.relpath(path, source))
                        count += 1
            os.rename(target + ".part", target)
            log(f"backed up {count} files to {target}")
            ok = True
        except (OSError, InterruptedError) as e:
            log(f"Failed to back up: {e}")
            ok = False
        # D-Bus calls belong to the main loop's thread.
        GLib.idle_add(self.app.complete, self.task, ok)


class App(dbus.service.Object):
    def __init__(self, bus):
        self.bus = bus
        self.runs = {}
        self.last_activity = time.monotonic()
        self.any_task = False
        super().__init__(bus, "/org/bgtaskd/Handler")   # 1. the handler object first

    def scheduler(self):
        return dbus.Interface(self.bus.get_object(BGTASKD, "/org/bgtaskd"), "org.bgtaskd.Scheduler1")

    def register(self):
        refused = self.scheduler().Register([BACKUP_ID])
        if refused:
            log(f"the app's manifest does not permit {', '.join(refused)}")
        return not refused

    @dbus.service.method("org.bgtaskd.Handler1", in_signature="ossa{sv}", out_signature="")
    def Launch(self, task, identifier, kind, info):
        # Return at once: the work runs on a thread, the reply goes out now.
        log(f"{kind} {identifier} launched" + (" (simulated)" if info.get("Simulated") else ""))
        run = Backup(self, task)
        self.runs[str(task)] = run
        self.any_task = True
        run.thread.start()

    @dbus.service.method("org.bgtaskd.Handler1", in_signature="os", out_signature="")
    def Expire(self, task, reason):
        log(f"bgtaskd asked to stop ({reason})")
        run = self.runs.get(str(task))
        if run:
            run.cancelled.set()   # the run completes (unsuccessfully) as soon as it stops

    def complete(self, task, ok):
        try:
            self.bus.get_object(BGTASKD, task).SetTaskCompleted(ok, dbus_interface="org.bgtaskd.Task1")
        except dbus.exceptions.DBusException as e:
            # NotFound: bgtaskd already ended the task (it expired); nothing to do.
            if e.get_dbus_name() != "org.bgtaskd.Error.NotFound":
                log(f"Failed to complete the task: {e.get_dbus_message()}")
        self.runs.pop(str(task), None)
        self.last_activity = time.monotonic()
        return False


def submit(app, seconds):
    options = dbus.Dictionary({
        "EarliestBeginDate": dbus.Int64(int((time.time() + seconds) * 1_000_000)),
        "RequiresExternalPower": True,
    }, signature="sv")
    try:
        app.scheduler().Submit("processing", BACKUP_ID, options)
    except dbus.exceptions.DBusException as e:
        # Every bgtaskd error is org.bgtaskd.Error.<Code> with "sub-reason: sentence".
        log(f"Failed to submit: {e.get_dbus_name()}: {e.get_dbus_message()}")
        return False
    print(f"Submitted {BACKUP_ID} (processing), not before {seconds} s from now, on external power.")
    return True


def submit_periodic(app, every, flex):
    usec = 1_000_000
    options = dbus.Dictionary({
        "RequiresExternalPower": True,
        "RepeatInterval": dbus.Int64(every * usec),
        "BackoffDelay": dbus.Int64(10 * 60 * usec),
        "MaxBackoffDelay": dbus.Int64(6 * 3600 * usec),
    }, signature="sv")
    if flex:
        options["Flex"] = dbus.Int64(flex * usec)
    try:
        app.scheduler().Submit("processing", BACKUP_ID, options)
    except dbus.exceptions.DBusException as e:
        log(f"Failed to submit: {e.get_dbus_name()}: {e.get_dbus_message()}")
        return False
    print(f"Scheduled {BACKUP_ID} (processing) every {every} s, on external power.")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submit-in", type=int, metavar="SECONDS")
    parser.add_argument("--every", type=int, metavar="SECONDS")
    parser.add_argument("--flex", type=int, default=0, metavar="SECONDS")
    args = parser.parse_args()

    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    app = App(bus)
    if bus.request_name(APP_ID, dbus.bus.NAME_FLAG_DO_NOT_QUEUE) != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
        log(f"{APP_ID} is already running")   # 2. then the name
        return 1
    try:
        if not app.register():                   # 3. then the identifiers
            return 1
    except dbus.exceptions.DBusException as e:
        log(f"Failed to reach bgtaskd: {e.get_dbus_message()}")
        return 1
    # Registrations belong to one bgtaskd instance: declare them again when it restarts.
    bus.add_signal_receiver(lambda name, old, new: new and app.register(), "NameOwnerChanged",
                            "org.freedesktop.DBus", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                            arg0=BGTASKD)
    if args.submit_in is not None:
        return 0 if submit(app, args.submit_in) else 1   # bgtaskd activates us when it is time
    if args.every is not None and not submit_periodic(app, args.every, args.flex):
        return 1   # else serve: the first run is due at once, in this process

    loop = GLib.MainLoop()

    def check_idle():
        idle_limit = 3 if app.any_task else 30
        if not app.runs and time.monotonic() - app.last_activity > idle_limit:
            log("idle, exiting")
            loop.quit()
            return False
        return True
    GLib.timeout_add(200, check_idle)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

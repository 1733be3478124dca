#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Submits processing requests job0..jobN-1 for one app as fast as it can and prints each
identifier once bgtaskd has acknowledged it (one line, flushed), until the daemon goes away."""
import sys
import time

import dbus

app, count = sys.argv[1], int(sys.argv[2])
bus = dbus.SessionBus()
bus.request_name(app, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
sched = dbus.Interface(bus.get_object("org.bgtaskd", "/org/bgtaskd"), "org.bgtaskd.Scheduler1")
later = dbus.Int64(int((time.time() + 86400) * 1_000_000))
print("ready", flush=True)
for i in range(count):
    try:
        sched.Submit("processing", f"{app}.job{i}", dbus.Dictionary({"EarliestBeginDate": later}, signature="sv"))
    except dbus.exceptions.DBusException:
        break
    print(f"{app}.job{i}", flush=True)

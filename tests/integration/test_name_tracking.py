# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskd follows NameOwnerChanged only for the names it cares about (arg0 rules, one per app
bus name and per connection that called Scheduler1): other clients joining and leaving the bus
do not wake it. That a caller that leaves is still noticed is test_continued's
test_the_apps_process_going_away_drops_its_queue_and_cancels_its_running_task."""
import os
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase

APP = "org.example.Tracked"
ID = "org.example.Tracked.work"
STRANGERS = 20


def switches(pid):
    """Context switches of every thread of pid so far: each wake-up is one."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
    return total


class NameTrackingTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(APP, [ID])

    def test_clients_that_never_call_bgtaskd_do_not_wake_it(self):
        self.assertEqual(len(self.list_requests()), 0)   # bgtaskd is up and answering
        before = switches(self.daemon.pid)
        for _ in range(STRANGERS):
            conn = dbus.bus.BusConnection(self.bus_daemon.address)   # Hello, then gone
            conn.close()
        # The bus daemon has sent every NameOwnerChanged once a later call of ours returns.
        self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").GetId(
            dbus_interface="org.freedesktop.DBus")
        woken = switches(self.daemon.pid) - before
        # Each stranger used to cost at least one wake-up (its arrival and its departure were
        # both broadcast to bgtaskd); allow for an unrelated one, not one per stranger.
        self.assertLess(woken, STRANGERS // 2, f"{STRANGERS} strangers woke bgtaskd {woken} times")


if __name__ == "__main__":
    unittest.main()

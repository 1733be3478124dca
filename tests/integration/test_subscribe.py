# SPDX-License-Identifier: LGPL-2.1-or-later
"""Manager1.Subscribe/Unsubscribe against the real bgtaskd and dbus-daemon: TaskChanged is
emitted only while a connection is subscribed; Unsubscribe and the subscriber leaving the bus
end it. A dbus-monitor on the bus counts every TaskChanged bgtaskd sends, whoever listens.
That bgtaskctl monitor (libbgtask's Manager::monitor) subscribes is test_monitor's business:
it sees no event unless it does."""
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, MANAGER, eventually, usec
from library_testlib import BusMonitor

APP = "org.example.Subscribed"
ID = "org.example.Subscribed.refresh"


class SubscribeTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(APP, [ID])

    def setUp(self):
        super().setUp()
        self.counter = BusMonitor(self.bus_daemon.address, ["GetManifestProblems"], signals=["TaskChanged"])
        self.addCleanup(self.counter.stop)
        self.markers = 0

    def settled_signals(self):
        """TaskChanged seen so far, once the monitor has seen everything bgtaskd sent before
        a call of ours that follows the submit (a marker: bus order is kept per sender)."""
        self.manager().GetManifestProblems()
        self.markers += 1
        eventually(lambda: self.counter.calls("GetManifestProblems") >= self.markers, 10,
                   message="dbus-monitor did not see the marker call")
        return self.counter.signals("TaskChanged")

    def submit(self):
        self.submit_for(APP, "app-refresh", ID, EarliestBeginDate=dbus.Int64(usec(3600)))

    def subscriber(self):
        conn = dbus.bus.BusConnection(self.bus_daemon.address)
        self.addCleanup(conn.close)
        return conn, dbus.Interface(conn.get_object("org.bgtaskd", "/org/bgtaskd"), MANAGER)

    def test_task_changed_only_while_someone_is_subscribed(self):
        self.submit()
        self.assertEqual(self.settled_signals(), 0, "TaskChanged without a subscriber")

        conn, manager = self.subscriber()
        manager.Subscribe()
        manager.Subscribe()   # again: no error, still one subscription
        self.submit()
        eventually(lambda: self.counter.signals("TaskChanged") == 1, 10, message="no TaskChanged for the subscriber")

        manager.Unsubscribe()
        self.submit()
        self.assertEqual(self.settled_signals(), 1, "TaskChanged after Unsubscribe")
        manager.Unsubscribe()   # not subscribed: no error

    def test_a_subscriber_that_leaves_the_bus_is_dropped(self):
        conn, manager = self.subscriber()
        manager.Subscribe()
        unique = conn.get_unique_name()
        self.submit()
        eventually(lambda: self.counter.signals("TaskChanged") == 1, 10, message="no TaskChanged for the subscriber")
        conn.close()
        dbus_daemon = self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        eventually(lambda: not dbus_daemon.NameHasOwner(unique, dbus_interface="org.freedesktop.DBus"), 10)
        # The bus daemon sent bgtaskd the NameOwnerChanged before it answered us: the submit
        # that follows reaches bgtaskd after it.
        self.submit()
        self.assertEqual(self.settled_signals(), 1, "TaskChanged after the only subscriber left")

    def test_two_subscribers_each_end_their_own(self):
        _, first = self.subscriber()
        _, second = self.subscriber()
        first.Subscribe()
        second.Subscribe()
        first.Unsubscribe()
        self.submit()
        eventually(lambda: self.counter.signals("TaskChanged") == 1, 10, message="the second subscriber lost its subscription")


if __name__ == "__main__":
    unittest.main()

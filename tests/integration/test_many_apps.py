# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskd starts and tracks app names whatever the number of manifests, and other clients
joining and leaving the bus still never wake it (issue 13 item 3). A bus daemon limits a
connection's match rules (dbus-daemon: 512 by default, max_match_rules_per_connection); with
more apps than bgtaskd keeps exact arg0 rules for, it follows their names through arg0namespace
prefixes ("org.example"), which never match a unique name, and it lowers its budget of rules
when the bus refuses one. Only connections it follows beyond the budget make it follow every
NameOwnerChanged through one rule, until they leave."""
import os
import signal
import unittest

import dbus

from bgtaskd_testlib import MANAGER, DaemonTestCase, eventually, usec
from library_testlib import BusMonitor

APP = "org.example.Tracked"
ID = "org.example.Tracked.work"
# Under another top-level prefix than the many apps: its own rule.
CRASHER = "com.example.Crasher"
CRASH_ID = "com.example.Crasher.refresh"
STRANGERS = 40
BROAD = "Following every NameOwnerChanged"


class ManyAppsTestMixin:
    apps = 0

    def install_apps(self):
        for i in range(self.apps):
            self.install_manifest(f"org.example.Many{i}", [f"org.example.Many{i}.refresh"])
        self.install_manifest(APP, [ID])
        self.install_activatable_testapp(CRASHER, [CRASH_ID], behavior="crash-on-launch")

    def last_run(self, **filters):
        runs = self.history(**filters)
        return runs[0] if runs else None

    def connection(self):
        conn = dbus.bus.BusConnection(self.bus_daemon.address)
        self.addCleanup(conn.close)
        return conn

    def assert_strangers_do_not_wake_bgtaskd(self):
        woken = self.strangers_wake_ups(STRANGERS)
        self.assertLess(woken, 10, f"{STRANGERS} strangers woke bgtaskd {woken} times")

    def test_strangers_joining_and_leaving_do_not_wake_bgtaskd(self):
        self.assertEqual(len(self.manager().ListApps()), self.apps + 2)
        self.assert_strangers_do_not_wake_bgtaskd()
        self.assertNotIn(BROAD, self.daemon_log())

    def test_an_apps_name_appearing_and_vanishing_is_still_seen(self):
        # The running app's name is known to be owned, so its task is launched into it and
        # completes there.
        proc = self.run_testapp(APP, behavior="complete", identifiers=[ID],
                                extra=["--idle-exit", "0", "--submit", f"app-refresh:{ID}"])
        self.assertEqual(eventually(lambda: self.last_run(App=APP), 15)["Outcome"], "completed")
        self.assertEqual([e["pid"] for e in self.app_events(APP, "launch")], [proc.pid])
        self.assert_crash_is_seen(CRASHER, CRASH_ID)
        self.assert_strangers_do_not_wake_bgtaskd()

    def assert_crash_is_seen(self, app, identifier):
        """An app activated for its task crashes: its name appearing starts the run, its name
        and its connection going away end it."""
        conn = self.connection()
        conn.request_name(app, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        self.scheduler(conn).Submit("app-refresh", identifier, dbus.Dictionary({}, signature="sv"))
        conn.release_name(app)
        run = eventually(lambda: self.last_run(App=app), 15)
        self.assertEqual(run["Outcome"], "app-exited", run)
        self.assertIn("connection-closed", run["Reason"])

    def test_an_app_added_by_a_reload_is_followed_too(self):
        # Under a top-level prefix no rule covered before the reload. bgtaskd answers once its
        # start-up is over (its signal handler in place; the bus name comes before).
        self.list_requests()
        self.install_activatable_testapp("net.example.Late", ["net.example.Late.refresh"], behavior="crash-on-launch")
        # The apps directory's watch reloads (a change on disk), then SIGHUP once more. Both read
        # the files on a worker thread: wait until each was applied, so that no reading runs
        # (and counts its own context switches) while the strangers' wake-ups are counted.
        eventually(lambda: f"(a change on disk): {self.apps + 3} app(s)" in self.daemon_log(), 20,
                   message="no reload")
        os.kill(self.daemon.pid, signal.SIGHUP)
        eventually(lambda: f"(SIGHUP): {self.apps + 3} app(s)" in self.daemon_log(), 20, message="no reload")
        self.assert_crash_is_seen("net.example.Late", "net.example.Late.refresh")
        self.assert_strangers_do_not_wake_bgtaskd()

    def test_a_followed_connection_leaving_is_noticed(self):
        counter = BusMonitor(self.bus_daemon.address, [], signals=["TaskChanged"])
        self.addCleanup(counter.stop)
        conn = self.connection()
        dbus.Interface(conn.get_object("org.bgtaskd", "/org/bgtaskd"), MANAGER).Subscribe()
        later = dbus.Int64(usec(3600))
        self.submit_for(APP, "app-refresh", ID, EarliestBeginDate=later)
        eventually(lambda: counter.signals("TaskChanged") == 1, 10, message="no TaskChanged for the subscriber")
        unique = conn.get_unique_name()
        conn.close()
        # The bus daemon sent bgtaskd the NameOwnerChanged before it answers us that the name
        # is gone: the submit that follows reaches bgtaskd after it.
        eventually(lambda: not self.name_has_owner(unique), 10)
        self.submit_for(APP, "app-refresh", ID, EarliestBeginDate=later)
        self.assertEqual(self.settled(counter), 1, "TaskChanged after the only subscriber left")

    def settled(self, counter):
        """TaskChanged seen once bgtaskd answered a call made after them (bus order)."""
        self.list_requests()
        self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").GetId(
            dbus_interface="org.freedesktop.DBus")
        return counter.signals("TaskChanged")


class MoreAppsThanTheBusAllowsRulesTest(ManyAppsTestMixin, DaemonTestCase):
    # dbus-daemon's built-in limit (512 rules) is in force on the test bus.
    apps = 600


class ABusWithATightLimitTest(ManyAppsTestMixin, DaemonTestCase):
    # The bus refuses a rule long before bgtaskd's own budget.
    apps = 600
    bus_config_extra = '<limit name="max_match_rules_per_connection">24</limit>'

    def test_more_followed_connections_than_rules_follow_every_name_until_they_leave(self):
        subscribers = []
        for _ in range(30):
            conn = self.connection()
            dbus.Interface(conn.get_object("org.bgtaskd", "/org/bgtaskd"), MANAGER).Subscribe()
            subscribers.append(conn)
        log = self.daemon_log()
        self.assertIn("The bus daemon refused a match rule", log)
        self.assertIn(BROAD, log)
        # The counter sees the wake-ups the broad rule costs (2 per stranger when bgtaskd keeps
        # up; a loaded machine may let it read several at once, hence many strangers).
        woken = self.strangers_wake_ups(3 * STRANGERS)
        self.assertGreaterEqual(woken, 10, f"{3 * STRANGERS} strangers woke bgtaskd only {woken} times")
        for conn in subscribers:
            conn.close()
        eventually(lambda: "Following NameOwnerChanged by name again" in self.daemon_log(), 10)
        self.assert_strangers_do_not_wake_bgtaskd()
        self.test_an_apps_name_appearing_and_vanishing_is_still_seen()


if __name__ == "__main__":
    unittest.main()

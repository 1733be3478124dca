# SPDX-License-Identifier: LGPL-2.1-or-later
"""The catch-up governor through the real bgtaskd: 50 requests that fell due while the machine
"slept" (bgtaskd stopped with SIGSTOP, then logind's PrepareForSleep(false) from the dbusmock
template) launch at most CatchUpLaunches per sliding CatchUpWindow, oldest-overdue first,
while the rest wait with "catch-up: position N"; requests waiting for external power that is
plugged in again are spread the same way."""
import os
import signal
import time
import unittest

import dbus

from bgtaskd_testlib import NO_FAIRNESS, eventually, usec
from system_testlib import LOGIND, MOCK, SystemStateTestCase

APPS = [f"org.example.CatchUp{i}" for i in range(5)]
LAUNCHES = 10
WINDOW = 3          # seconds


def ids(app, n=10):
    return [f"{app}.job{i}" for i in range(n)]


class CatchUpTestCase(SystemStateTestCase):
    fairness = dict(NO_FAIRNESS, CatchUpLaunches=str(LAUNCHES), CatchUpWindow=str(WINDOW))

    def install_apps(self):
        for app in APPS:
            self.install_activatable_testapp(app, ids(app), kinds=("processing",))

    def setUp(self):
        super().setUp()
        # Processing waits for an idle user; the user is idle here.
        self.set_session(IdleHint=True)
        self.wait_state("UserIdle", True)

    def submit_all(self, requests):
        """requests: (app, identifier, options) in order; one connection per app."""
        conns = {}
        for app, identifier, options in requests:
            if app not in conns:
                conns[app] = self.app_bus(app)
            self.scheduler(conns[app]).Submit("processing", identifier, dbus.Dictionary(options, signature="sv"))
        for app, conn in conns.items():
            conn.release_name(app)

    def assert_spread(self, runs):
        """At most LAUNCHES runs start inside any WINDOW: the (LAUNCHES+1)-th launch after any
        launch is at least WINDOW later, whatever the load."""
        started = sorted(int(r["StartedAt"]) for r in runs)
        for i in range(len(started) - LAUNCHES):
            self.assertGreaterEqual(started[i + LAUNCHES] - started[i], WINDOW * 1_000_000,
                                    f"more than {LAUNCHES} launches within {WINDOW} s at #{i}: {started}")

    def waiting_for_catch_up(self):
        return [r for r in self.list_requests() if str(r["Waiting"]).startswith("catch-up: position ")]


class ResumeTest(CatchUpTestCase):
    def test_fifty_requests_due_after_a_resume_launch_spread_out_oldest_first(self):
        base = time.time() + 6
        requests = []
        for n in range(50):
            app = APPS[n % len(APPS)]
            # Due one millisecond apart, so that "oldest-overdue first" has one right order.
            due = dbus.Int64(int((base + n / 1000) * 1_000_000))
            requests.append((app, ids(app)[n // len(APPS)], {"EarliestBeginDate": due}))
        self.submit_all(requests)
        self.assertEqual(len(self.list_requests()), 50)
        # The machine sleeps through the due dates, then logind says it resumed.
        self.daemon.send_signal(signal.SIGSTOP)
        try:
            while time.time() < base + 1:
                time.sleep(0.1)
            self.logind_mock().EmitSignal("org.freedesktop.login1.Manager", "PrepareForSleep", "b",
                                          [dbus.Boolean(False)], dbus_interface=MOCK)
        finally:
            self.daemon.send_signal(signal.SIGCONT)
        waiting = eventually(self.waiting_for_catch_up, 20, message="no request waited for catch-up")
        reason = str(waiting[0]["Waiting"])
        self.assertRegex(reason, rf"^catch-up: position \d+ in line after .*; at most {LAUNCHES} launches "
                                 rf"per {WINDOW} s$")
        explained = self.manager().Explain(str(waiting[0]["App"]), str(waiting[0]["Identifier"]))
        self.assertIn("catch-up", [str(b[0]) for b in explained["Blockers"]])

        runs = eventually(lambda: len(self.history()) == 50 and self.history(), 180,
                          message="not every request ran")
        self.assertTrue(all(str(r["Outcome"]) == "completed" for r in runs), runs)
        self.assert_spread(runs)
        # Oldest-overdue first: the first window launched the ten that fell due first.
        by_start = sorted(runs, key=lambda r: int(r["StartedAt"]))
        first = {(str(r["App"]), str(r["Identifier"])) for r in by_start[:LAUNCHES]}
        self.assertEqual(first, {(app, identifier) for app, identifier, _ in requests[:LAUNCHES]})
        self.assertIn("Catching up after", self.daemon_log())


class PlugInTest(CatchUpTestCase):
    ac_online = False

    def test_requests_waiting_for_power_are_spread_when_it_is_plugged_in(self):
        self.wait_state("OnExternalPower", False)
        requests = [(app, identifier, {"RequiresExternalPower": True})
                    for app in APPS[:3] for identifier in ids(app, 8)]
        self.submit_all(requests)
        eventually(lambda: all(str(r["Waiting"]).startswith("external-power")
                               for r in self.list_requests()) and len(self.list_requests()) == 24, 10)
        self.set_ac(True)
        eventually(self.waiting_for_catch_up, 20, message="no request waited for catch-up")
        runs = eventually(lambda: len(self.history()) == 24 and self.history(), 120,
                          message="not every request ran")
        self.assert_spread(runs)
        self.assertIn("Catching up after plugging in", self.daemon_log())


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""Misbehaving apps cost only themselves (issue 11). At the same time, through the real bgtaskd:
an app that never completes and ignores Expire, one that also ignores SIGTERM, one that crashes
at launch, one that never registers, one that completes twice and one that floods Submit and
Cancel. Each ends in the history with its own outcome and touches nobody else, while a
well-behaved app keeps submitting: every one of its Submits is answered with success. Its
latency is printed (p50, p99, max), never asserted."""
import os
import subprocess
import time
import unittest

import dbus

from bgtaskd_testlib import FAST_LIMITS, PYTHON, DaemonTestCase, eventually, process_gone

NEVER = "org.example.Never"          # never completes, ignores Expire
STUBBORN = "org.example.Stubborn"    # the same, and ignores SIGTERM
CRASH = "org.example.Crash"          # crashes at launch
SILENT = "org.example.Silent"        # never registers
TWICE = "org.example.Twice"          # completes twice
FLOOD = "org.example.Flood"          # floods Submit and Cancel
GOOD = "org.example.Good"            # well-behaved: its Submits must stay answered
LOADGEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps", "loadgen.py")
FLOOD_CALLS = 1000                   # at least this many calls of the flood overlap the rest


def refresh(app):
    return f"{app}.refresh"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class MisbehavingAppsTest(DaemonTestCase):
    limits = dict(FAST_LIMITS, LaunchWindow="3")

    def install_apps(self):
        self.install_activatable_testapp(NEVER, [refresh(NEVER)], behavior="never-complete")
        self.install_activatable_testapp(STUBBORN, [refresh(STUBBORN)], behavior="never-complete",
                                         extra=["--ignore-sigterm"])
        self.install_activatable_testapp(CRASH, [refresh(CRASH)], behavior="crash-on-launch")
        self.install_activatable_testapp(SILENT, [refresh(SILENT)], behavior="no-register",
                                         extra=["--idle-exit", "0"])
        self.install_activatable_testapp(TWICE, [refresh(TWICE)], behavior="complete-twice")
        self.install_manifest(FLOOD, [f"{FLOOD}.job{i}" for i in range(100)], kinds=("processing",))
        self.install_manifest(GOOD, [f"{GOOD}.job{i}" for i in range(5)], kinds=("processing",))

    def loadgen(self, app, mode, *extra):
        events = os.path.join(self.events_dir, f"{app}.jsonl")
        stop = os.path.join(self.tmp, f"{app}.stop")
        proc = subprocess.Popen([PYTHON, LOADGEN, "--app-id", app, "--mode", mode, "--events", events,
                                 "--stop-file", stop, *extra], env=self.env)
        self.addCleanup(self._stop_proc, proc)
        eventually(lambda: self.app_events(app) or proc.poll() is not None, 10)
        self.assertIsNone(proc.poll(), f"{app}'s load generator exited")
        return proc, stop

    def calls(self, app):
        return [e for e in self.app_events(app) if "op" in e]

    def stop(self, proc, stop_file):
        with open(stop_file, "w"):
            pass
        proc.wait(60)
        self.assertEqual(proc.returncode, 0)

    def submit_now(self, app):
        conn = self.app_bus(app)
        self.scheduler(conn).Submit("app-refresh", refresh(app), dbus.Dictionary({}, signature="sv"))
        conn.release_name(app)   # the app is not running: bgtaskd activates it

    def run_of(self, app):
        runs = self.history(App=app)
        return runs[0] if runs else None

    def test_each_misbehaving_app_is_isolated_and_recorded_while_another_apps_submit_is_answered(self):
        good, good_stop = self.loadgen(GOOD, "probe")
        flood, flood_stop = self.loadgen(FLOOD, "flood")
        flood_started = time.time()
        for app in (NEVER, STUBBORN, CRASH, SILENT, TWICE):
            self.submit_now(app)

        expected = {
            NEVER: ("terminated", "time-limit"),
            STUBBORN: ("terminated", "time-limit"),
            CRASH: ("app-exited", None),
            SILENT: ("launch-failed", None),
            TWICE: ("completed", ""),
        }
        eventually(lambda: all(self.run_of(app) for app in expected), 60,
                   message=f"not all recorded: { {app: self.run_of(app) for app in expected} }")
        eventually(lambda: len(self.calls(FLOOD)) >= FLOOD_CALLS, 120,
                   message=f"the flood made only {len(self.calls(FLOOD))} calls")
        self.stop(flood, flood_stop)
        flood_ended = time.time()
        # The well-behaved app goes on a little after the flood, then stops.
        after = len(self.calls(GOOD))
        eventually(lambda: len(self.calls(GOOD)) >= after + 5, 30)
        self.stop(good, good_stop)
        self.assertIsNone(self.daemon.poll(), "bgtaskd exited")

        # Each misbehaving app: exactly one run, with its own outcome.
        for app, (outcome, reason) in expected.items():
            runs = self.history(App=app)
            self.assertEqual(len(runs), 1, f"{app}: {runs}")
            self.assertEqual(str(runs[0]["Outcome"]), outcome, f"{app}: {runs[0]}")
            if reason is not None:
                self.assertEqual(str(runs[0]["Reason"]), reason, f"{app}: {runs[0]}")
        self.assertTrue(str(self.run_of(SILENT)["Reason"]).startswith("never-registered: "), self.run_of(SILENT))
        self.assertIn("connection-closed", str(self.run_of(CRASH)["Reason"]))
        # Ignoring Expire and SIGTERM did not keep them alive: both were killed.
        for app in (NEVER, STUBBORN):
            pid = self.app_events(app, "launch")[0]["pid"]
            eventually(lambda: process_gone(pid), 15, message=f"{app} (pid {pid}) is still running")
        self.assertTrue(self.app_events(STUBBORN, "sigterm-ignored"), "SIGTERM never reached the stubborn app")
        # The second SetTaskCompleted is refused, the first counted.
        self.assertEqual(len(self.app_events(TWICE, "completed")), 1)
        self.assertEqual([e["error"] for e in self.app_events(TWICE, "complete-error")], ["org.bgtaskd.Error.NotFound"])

        # The flood cost only itself: typed quota errors at most, and no run of anybody.
        flood_calls = self.calls(FLOOD)
        flood_errors = {e["error"].split(":")[0] for e in flood_calls if not e["ok"]}
        self.assertLessEqual(flood_errors, {"org.bgtaskd.Error.TooManyPendingTaskRequests"}, flood_errors)
        self.assertEqual(self.history(App=FLOOD), [])
        self.assertLessEqual(len([r for r in self.list_requests() if str(r["App"]) == FLOOD]), 10)

        # The well-behaved app: every Submit answered with success, also during the flood.
        good_calls = self.calls(GOOD)
        failures = [e for e in good_calls if not e["ok"]]
        self.assertEqual(failures, [], "the well-behaved app's Submit failed")
        during = [e for e in good_calls if flood_started <= e["start"] <= flood_ended]
        self.assertGreaterEqual(len(during), 5, "the well-behaved app did not submit during the flood")
        self.assertEqual(sorted(str(r["Identifier"]) for r in self.list_requests() if str(r["App"]) == GOOD),
                         [f"{GOOD}.job{i}" for i in range(5)])
        self.assertEqual(self.history(App=GOOD), [])

        latencies = [e["seconds"] * 1000 for e in during]
        rate = len(flood_calls) / max(flood_ended - flood_started, 1e-3)
        print(f"\nflood: {len(flood_calls)} Submit/Cancel calls in {flood_ended - flood_started:.1f} s "
              f"({rate:.0f}/s, {len(flood_calls) - sum(e['ok'] for e in flood_calls)} refused by the quota); "
              f"the other app's Submit during the flood: {len(during)} calls, p50 "
              f"{percentile(latencies, 50):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
              f"max {max(latencies):.1f} ms")


if __name__ == "__main__":
    unittest.main()

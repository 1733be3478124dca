# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskctl explain against the real bgtaskd: the blockers of a pending request (earliest begin
date, network) with what would unblock them, a running task's deadline, a finished run's outcome,
and exit status 3 when there is nothing to explain."""
import json
import unittest

import dbus

from bgtaskd_testlib import FAST_LIMITS, DaemonTestCase, eventually, usec

APP = "org.example.Worker"
ID = "org.example.Worker.refresh"
LATER = "org.example.Worker.later"
SLOW = "org.example.Slow"
SLOW_ID = "org.example.Slow.refresh"


class ExplainTest(DaemonTestCase):
    # A long time limit, so that a running task is still running when explained.
    limits = dict(FAST_LIMITS, AppRefreshTimeLimit="600")

    def install_apps(self):
        self.install_activatable_testapp(APP, [ID, LATER])
        self.install_activatable_testapp(SLOW, [SLOW_ID], behavior="never-complete")

    def submit(self, app, identifier, **options):
        conn = self.app_bus(app)
        self.scheduler(conn).Submit("app-refresh", identifier, dbus.Dictionary(options, signature="sv"))
        conn.release_name(app)

    def explain(self, *args):
        return json.loads(self.ctl("--json", "explain", *args).stdout)

    def test_explain_names_the_earliest_begin_date_and_when_it_would_run(self):
        self.submit(APP, LATER, EarliestBeginDate=dbus.Int64(usec(3600)))
        doc = self.explain(APP, LATER)
        self.assertEqual((doc["state"], doc["kind"]), ("pending", "app-refresh"))
        [blocker] = doc["blockers"]
        self.assertEqual(blocker["condition"], "earliest-begin-date")
        self.assertTrue(blocker["remedy"])
        self.assertIsNotNone(blocker["since"])
        self.assertIsNotNone(doc["dueAt"])
        human = self.ctl("explain", APP, LATER).stdout
        self.assertIn("✗ earliest-begin-date: ", human)
        self.assertIn("would run: in ", human)

    def test_explain_names_the_network_blocker_without_networkmanager(self):
        self.submit(APP, ID, RequiresNetworkConnectivity=dbus.Boolean(True))
        # The daemon has planned (and seen the condition unmet) before we ask.
        eventually(lambda: self.list_requests()[0]["Waiting"].startswith("network"))
        doc = self.explain(APP, ID)
        self.assertEqual(doc["state"], "pending")
        self.assertEqual([b["condition"] for b in doc["blockers"]], ["network"])
        self.assertIn("connect", doc["blockers"][0]["remedy"])
        self.assertIsNone(doc["dueAt"])
        human = self.ctl("explain", APP, ID).stdout
        self.assertIn("✗ network: connectivity unknown", human)
        self.assertIn(" — since ", human)
        self.assertIn("would run: when the blockers above clear", human)

    def test_explain_shows_a_running_tasks_deadline(self):
        self.submit(SLOW, SLOW_ID)
        eventually(lambda: [r for r in self.list_running() if r["State"] == "running"], 10)
        doc = self.explain(SLOW, SLOW_ID)
        self.assertEqual(doc["state"], "running")
        self.assertIsNotNone(doc["deadline"])
        self.assertGreater(doc["remainingUsec"], 500 * 1_000_000)
        self.assertLessEqual(doc["remainingUsec"], 600 * 1_000_000)
        self.assertIn("deadline: in ", self.ctl("explain", SLOW, SLOW_ID).stdout)

    def test_explain_shows_how_the_last_run_ended(self):
        self.submit(APP, ID, EarliestBeginDate=dbus.Int64(usec(3600)))
        self.ctl("run", APP, ID)
        eventually(lambda: self.history(App=APP), 10)
        doc = self.explain(APP, ID)
        self.assertEqual((doc["state"], doc["outcome"]), ("finished", "completed"))
        self.assertIsNotNone(doc["endedAt"])
        self.assertIn("last run: completed", self.ctl("explain", APP, ID).stdout)

    def test_exit_code_3_when_there_is_nothing_to_explain(self):
        out = self.ctl("explain", APP, "org.example.Worker.nothing", check=False)
        self.assertEqual(out.returncode, 3, out.stderr)
        out = self.ctl("explain", "org.example.Nobody", "x", check=False)
        self.assertEqual(out.returncode, 3, out.stderr)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""The real bgtaskctl against the real bgtaskd: list, history, run and cancel in human and JSON
form, and its documented exit codes."""
import json
import os
import subprocess
import unittest

import dbus

from bgtaskd_testlib import BGTASKCTL, DaemonTestCase, eventually, usec

APP = "org.example.Worker"
ID = "org.example.Worker.refresh"
LATER = "org.example.Worker.later"
SLOW = "org.example.Slow"
SLOW_ID = "org.example.Slow.refresh"


class CtlTest(DaemonTestCase):
    def install_apps(self):
        self.install_activatable_testapp(APP, [ID, LATER], kinds=("app-refresh", "processing"))
        self.install_activatable_testapp(SLOW, [SLOW_ID], behavior="complete-on-expire")

    def submit(self, identifier, kind="app-refresh", delay=3600):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit(kind, identifier, dbus.Dictionary(
            {"EarliestBeginDate": dbus.Int64(usec(delay))}, signature="sv"))
        conn.release_name(APP)

    def test_list_shows_pending_requests_with_why_they_wait(self):
        self.submit(LATER, kind="processing")
        human = self.ctl("list").stdout
        self.assertIn(LATER, human)
        self.assertIn("earliest-begin-date: not before", human)
        doc = json.loads(self.ctl("list", "--json").stdout)
        [request] = doc["requests"]
        self.assertEqual((request["app"], request["identifier"], request["kind"]), (APP, LATER, "processing"))
        self.assertTrue(request["waiting"].startswith("earliest-begin-date: "))
        self.assertEqual(doc["running"], [])

    def test_run_launches_now_and_history_shows_the_outcome(self):
        self.submit(ID)
        out = self.ctl("run", APP, ID)
        self.assertEqual(out.returncode, 0)
        eventually(lambda: self.history(App=APP), 10)
        human = self.ctl("history").stdout
        self.assertIn(ID, human)
        self.assertIn("completed", human)
        [run] = json.loads(self.ctl("--json", "history", "--app", APP).stdout)["runs"]
        self.assertEqual((run["identifier"], run["outcome"], run["simulated"]), (ID, "completed", True))

    def test_expire_delivers_a_simulated_expiration_to_a_running_task(self):
        conn = self.app_bus(SLOW)
        self.scheduler(conn).Submit("app-refresh", SLOW_ID, dbus.Dictionary({}, signature="sv"))
        conn.release_name(SLOW)
        eventually(lambda: [r for r in self.list_running() if r["State"] == "running"], 10)
        self.assertIn("Expired", self.ctl("expire", SLOW, SLOW_ID).stdout)
        self.assertEqual(eventually(lambda: self.app_events(SLOW, "expire"), 5)[0]["reason"], "simulated")
        run = eventually(lambda: self.history(App=SLOW), 10)[0]
        self.assertEqual((run["Outcome"], run["Reason"]), ("expired", "simulated"))
        out = self.ctl("expire", SLOW, SLOW_ID, check=False)
        self.assertEqual(out.returncode, 3, out.stderr)

    def test_cancel_removes_a_pending_request(self):
        self.submit(LATER, kind="processing")
        self.ctl("cancel", APP, LATER)
        self.assertEqual(self.list_requests(), [])

    def test_exit_code_3_for_a_request_that_does_not_exist(self):
        for verb in ("run", "cancel"):
            out = self.ctl(verb, APP, "org.example.Worker.nothing", check=False)
            self.assertEqual(out.returncode, 3, out.stderr)
            self.assertIn("no such pending request", out.stderr)

    def test_exit_code_2_for_bad_usage(self):
        self.assertEqual(self.ctl("run", APP, check=False).returncode, 2)
        self.assertEqual(self.ctl("frobnicate", check=False).returncode, 2)

    def test_exit_code_5_when_bgtaskd_is_not_running(self):
        self.stop_bgtaskd()
        out = self.ctl("list", check=False)
        self.assertEqual(out.returncode, 5, out.stderr)

    def test_exit_code_5_without_any_bus(self):
        env = {k: v for k, v in self.env.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
        env.pop("XDG_RUNTIME_DIR", None)
        out = subprocess.run([BGTASKCTL, "list"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, timeout=30)
        self.assertEqual(out.returncode, 5, out.stderr)


if __name__ == "__main__":
    unittest.main()

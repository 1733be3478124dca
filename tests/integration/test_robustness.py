# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 11's defects in the real bgtaskd: a manifest that is not UTF-8 (3), app texts of any
size (4) and calls on a finished task (6). Each test fails without its fix."""
import os
import unittest

import dbus

from bgtaskd_testlib import TASK, DaemonTestCase, eventually, usec

APP = "org.example.Worker"
ID = "org.example.Worker.refresh"
GOOD = "org.example.Good"
GOOD_ID = "org.example.Good.refresh"
NOT_FOUND = "org.bgtaskd.Error.NotFound"
MAX_REASON = 1024                 # core::kMaxReasonBytes, documented in bgtaskd(8)
MARKER = "…[truncated]"


class Utf8ManifestTest(DaemonTestCase):
    """Defect 3: one file can never fail a query; its bad bytes are a problem at file:line."""

    def install_apps(self):
        self.install_manifest(GOOD, [GOOD_ID])
        # Not UTF-8 in a value of a manifest that is otherwise fine.
        with open(os.path.join(self.apps_dir, "org.example.Latin.conf"), "wb") as f:
            f.write(b"[Application]\nId=org.example.Latin\n"
                    b"PermittedIdentifiers=org.example.Latin.refresh;\nKinds=app-refresh;\n"
                    b"# caf\xe9\nX-Comment=caf\xe9\n")
        # A valid manifest but for its Exec= path.
        self.install_manifest("org.example.Exec", ["org.example.Exec.refresh"],
                              exec_line="/usr/bin/tool")
        path = os.path.join(self.apps_dir, "org.example.Exec.conf")
        with open(path, "rb") as f:
            text = f.read().replace(b"/usr/bin/tool", b"/usr/bin/t\xffool")
        with open(path, "wb") as f:
            f.write(text)
        # A file name that is not UTF-8.
        with open(os.path.join(os.fsencode(self.apps_dir), b"org.example.\xff.conf"), "wb") as f:
            f.write(b"[Application]\nId=org.example.Bad\nPermittedIdentifiers=a.b;\nKinds=app-refresh;\n")

    def problems(self):
        return [(str(f), int(line), str(m), bool(e)) for f, line, m, e in self.manager().GetManifestProblems()]

    def test_bytes_that_are_not_utf8_are_a_problem_at_their_line_and_every_query_still_answers(self):
        problems = self.problems()
        latin = os.path.join(self.apps_dir, "org.example.Latin.conf")
        exec_file = os.path.join(self.apps_dir, "org.example.Exec.conf")
        self.assertIn((latin, 6, "the line is not valid UTF-8", True), problems)
        self.assertIn((exec_file, 5, "the line is not valid UTF-8", True), problems)
        bad_name = [p for p in problems if p[2] == "the file name is not valid UTF-8"]
        self.assertEqual(len(bad_name), 1, problems)
        self.assertTrue(bad_name[0][0].endswith("org.example.\ufffd.conf"), bad_name)
        # The comment line on 5 is skipped before it is read; only real lines count.
        self.assertNotIn((latin, 5, "the line is not valid UTF-8", True), problems)

        apps = [str(a["App"]) for a in self.manager().ListApps()]
        self.assertEqual(apps, [GOOD], "only the clean manifest loads; ListApps answers")
        self.manager().ListRequests()
        self.history()
        out = self.ctl("apps")
        self.assertIn(GOOD, out.stdout)

    def test_a_good_manifest_still_serves_submit(self):
        conn = self.app_bus(GOOD)
        self.scheduler(conn).Submit("app-refresh", GOOD_ID, dbus.Dictionary(
            {"EarliestBeginDate": dbus.Int64(usec(3600))}, signature="sv"))
        self.assertEqual([str(r["Identifier"]) for r in self.list_requests()], [GOOD_ID])


class AppTextBoundTest(DaemonTestCase):
    """Defect 4: an app's error text is kept only up to its bound, cut with a marker."""

    def install_apps(self):
        self.install_activatable_testapp(APP, [ID], behavior="refuse-launch",
                                         extra=["--refuse-bytes", "100000"])

    def test_a_100_kb_launch_error_is_stored_cut_to_its_bound_with_a_marker(self):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit("app-refresh", ID, dbus.Dictionary({}, signature="sv"))
        conn.release_name(APP)
        run = eventually(lambda: (self.history(App=APP) or [None])[0], 15)
        self.assertEqual(run["Outcome"], "launch-failed")
        reason = str(run["Reason"])
        self.assertLessEqual(len(reason.encode()), MAX_REASON)
        self.assertTrue(reason.endswith(MARKER), reason[-40:])
        self.assertIn("org.example.Error.Refused: xxxx", reason)
        self.assertNotIn("x" * 2000, self.daemon_log(), "the whole text reached the log")


class FinishedTaskTest(DaemonTestCase):
    """Defect 6: every Task1 call on a finished task answers the documented NotFound."""

    def install_apps(self):
        self.install_activatable_testapp(APP, [ID], behavior="complete-twice")

    def test_a_second_set_task_completed_and_later_calls_answer_not_found(self):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit("app-refresh", ID, dbus.Dictionary({}, signature="sv"))
        conn.release_name(APP)
        errors = eventually(lambda: self.app_events(APP, "complete-error"), 15)
        self.assertEqual(len(self.app_events(APP, "completed")), 1)
        self.assertEqual(errors[0]["error"], NOT_FOUND, errors)
        self.assertTrue(errors[0]["message"].startswith("no-such-task: "), errors)
        task = errors[0]["task"]
        # Any caller, any method, later on: still NotFound, not the bus's UnknownObject.
        obj = self.bus.get_object("org.bgtaskd", task)
        for call in (lambda: obj.SetTaskCompleted(False, dbus_interface=TASK),
                     lambda: obj.UpdateProgress(dbus.Int64(1), dbus.Int64(2), dbus_interface=TASK),
                     lambda: obj.UpdateTitle("t", "", dbus_interface=TASK)):
            self.assertDbusError(NOT_FOUND, "no-such-task", call)
        run = self.history(App=APP)[0]
        self.assertEqual(run["Outcome"], "completed")


if __name__ == "__main__":
    unittest.main()

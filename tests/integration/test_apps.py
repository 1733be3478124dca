# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskctl apps against the real bgtaskd: every app of a valid manifest with its identifiers,
kinds and pending requests, and a broken manifest's problem with its file and line."""
import json
import os
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, usec

APP = "org.example.Worker"
ID = "org.example.Worker.refresh"


class AppsTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(APP, [ID, "org.example.Worker.export.*"],
                              kinds=("app-refresh", "continued-processing"))
        self.broken = os.path.join(self.apps_dir, "org.example.Broken.conf")
        with open(self.broken, "w") as f:
            f.write("[Application]\nId=org.example.Broken\nthis line is not a key\n")

    def test_apps_lists_each_manifest_with_its_pending_requests(self):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit("app-refresh", ID, dbus.Dictionary(
            {"EarliestBeginDate": dbus.Int64(usec(3600))}, signature="sv"))
        doc = json.loads(self.ctl("--json", "apps").stdout)
        [app] = doc["apps"]
        self.assertEqual(app["app"], APP)
        self.assertEqual(app["busName"], APP)
        self.assertEqual(app["identifiers"], [ID, "org.example.Worker.export.*"])
        self.assertEqual(sorted(app["kinds"]), ["app-refresh", "continued-processing"])
        self.assertEqual(app["pending"], 1)
        self.assertTrue(app["file"].endswith(f"{APP}.conf"))
        human = self.ctl("apps").stdout
        self.assertIn(APP, human)
        self.assertIn("org.example.Worker.export.*", human)

    def test_apps_shows_a_broken_manifest_with_file_and_line(self):
        doc = json.loads(self.ctl("--json", "apps").stdout)
        problems = [p for p in doc["problems"] if p["file"] == self.broken]
        self.assertTrue(problems, doc["problems"])
        [bad_line] = [p for p in problems if p["line"] == 3]
        self.assertIn("this line is not a key", bad_line["message"])
        self.assertTrue(bad_line["fatal"])
        self.assertNotIn("org.example.Broken", [a["app"] for a in doc["apps"]])
        human = self.ctl("apps").stdout
        self.assertIn("Manifest problems:", human)
        self.assertIn(f"{self.broken}:3: ", human)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskctl monitor against the real bgtaskd: the system state snapshot first, then one JSON line
per task event and per policy change; --count ends it, and so does SIGINT."""
import json
import signal
import subprocess
import unittest

import dbus

from bgtaskd_testlib import BGTASKCTL, DaemonTestCase, usec

APP = "org.example.Worker"
ID = "org.example.Worker.refresh"


class MonitorTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(APP, [ID])

    def start_monitor(self, *args):
        proc = subprocess.Popen([BGTASKCTL, "monitor", *args], env=self.native_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.addCleanup(proc.stderr.close)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(self._stop_proc, proc)
        return proc

    def submit(self):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit("app-refresh", ID, dbus.Dictionary(
            {"EarliestBeginDate": dbus.Int64(usec(3600))}, signature="sv"))

    def test_monitor_prints_the_submitted_event_as_json(self):
        proc = self.start_monitor("--json", "--count", "2")
        first = json.loads(proc.stdout.readline())   # subscribed: nothing later can be missed
        self.assertEqual(first["type"], "system-state")
        self.assertIn("onExternalPower", first["system"])
        self.submit()
        event = json.loads(proc.stdout.readline())
        self.assertEqual((event["type"], event["app"], event["identifier"], event["event"], event["kind"]),
                         ("task", APP, ID, "submitted", "app-refresh"))
        self.assertEqual(proc.wait(10), 0, proc.stderr.read())

    def test_monitor_prints_policy_changes(self):
        proc = self.start_monitor("--json", "--count", "3")
        self.assertEqual(json.loads(proc.stdout.readline())["type"], "system-state")
        self.ctl("policy", APP, "refresh", "off")
        event = json.loads(proc.stdout.readline())
        self.assertEqual((event["type"], event["app"], event["refresh"], event["continued"]),
                         ("policy", APP, "denied", "available"))
        self.manager().SetPolicy("", "continued", False)
        event = json.loads(proc.stdout.readline())
        self.assertEqual((event["type"], event["app"], event["continued"]), ("policy", "", "denied"))
        self.assertEqual(proc.wait(10), 0, proc.stderr.read())

    def test_monitor_prints_human_lines_until_sigint(self):
        proc = self.start_monitor()
        self.assertIn("system state: ", proc.stdout.readline())
        self.submit()
        line = proc.stdout.readline()
        self.assertIn(f"{APP} {ID} submitted (app-refresh)", line)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(10), 0, proc.stderr.read())


if __name__ == "__main__":
    unittest.main()

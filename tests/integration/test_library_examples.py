# SPDX-License-Identifier: LGPL-2.1-or-later
"""The examples beside feeds (test_example.py has feeds), end to end against the real bgtaskd:
the C weather app activated for its refresh, the continued-processing export with progress,
completed and cancelled, and the Python backup that speaks the D-Bus API directly."""
import glob
import os
import shutil
import signal
import subprocess
import tarfile
import time
import unittest

from bgtaskd_testlib import PYTHON, eventually
from library_testlib import BUILD, SOURCE, LibraryTestCase

EXAMPLES = os.path.join(BUILD, "examples")
WEATHER = os.path.join(EXAMPLES, "weather", "bgtask-example-weather")
EXPORT = os.path.join(EXAMPLES, "export", "bgtask-example-export")
BACKUP = os.path.join(SOURCE, "examples", "python", "bgtask-example-backup.py")


class ExamplesTest(LibraryTestCase):
    def install_apps(self):
        for sub, app in (("weather", "org.example.Weather"), ("python", "org.example.Backup")):
            shutil.copy(os.path.join(EXAMPLES, sub, f"{app}.conf"), self.apps_dir)
            shutil.copy(os.path.join(EXAMPLES, sub, f"{app}.service"), self.bus_daemon.service_dir)
        shutil.copy(os.path.join(EXAMPLES, "export", "org.example.Export.conf"), self.apps_dir)

    def run_example(self, *cmd, timeout=30):
        out = subprocess.run(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=timeout)
        return out

    def test_the_c_example_is_activated_for_its_refresh_and_submits_the_next_one(self):
        out = self.run_example(WEATHER, "--submit-in", "3600")
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn("Submitted org.example.Weather.refresh", out.stdout)
        self.assertFalse(self.name_has_owner("org.example.Weather"), "the app exits after submitting")
        self.ctl("run", "org.example.Weather", "org.example.Weather.refresh")
        run = self.finished_run("org.example.Weather.refresh")
        self.assertEqual((run["Outcome"], bool(run["Simulated"])), ("completed", True))
        forecast = os.path.join(self.env["XDG_CACHE_HOME"], "org.example.Weather", "forecast")
        with open(forecast) as f:
            self.assertIn("sunny", f.read())
        pending = self.list_requests()
        self.assertEqual([r["Identifier"] for r in pending], ["org.example.Weather.refresh"])
        self.assertGreater(pending[0]["EarliestBeginDate"] / 1e6, time.time() + 25 * 60)

    def test_the_c_example_serves_a_refresh_due_soon_in_its_own_process(self):
        out = self.run_example(WEATHER, "--submit-in", "1")
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn("refresh launched", out.stdout)
        self.assertEqual(self.finished_run("org.example.Weather.refresh")["Outcome"], "completed")

    def test_the_export_example_reports_progress_and_completes(self):
        target = os.path.join(self.tmp, "exports")
        out = self.run_example(EXPORT, "--items", "6", "--item-ms", "40", "--to", target)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn('started "Exporting 6 photos"', out.stdout)
        self.assertIn("100%", out.stdout)
        self.assertEqual(len(os.listdir(target)), 6)
        runs = self.history(App="org.example.Export")
        self.assertEqual(len(runs), 1)
        self.assertEqual((runs[0]["Outcome"], runs[0]["Kind"]), ("completed", "continued-processing"))
        self.assertTrue(runs[0]["Identifier"].startswith("org.example.Export.export."), runs[0])

    def test_the_export_example_cancelled_by_the_user_ends_as_failed(self):
        target = os.path.join(self.tmp, "exports")
        proc = subprocess.Popen([EXPORT, "--items", "400", "--item-ms", "20", "--to", target], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(self._stop_proc, proc)
        eventually(lambda: os.path.isdir(target) and len(os.listdir(target)) >= 3, 10)
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 1, output)
        self.assertIn("cancelled after", output)
        self.assertLess(len(os.listdir(target)), 400)
        run = eventually(lambda: self.history(App="org.example.Export"), 5)[0]
        self.assertEqual(run["Outcome"], "failed")

    def test_the_export_example_stops_when_bgtaskd_expires_it(self):
        target = os.path.join(self.tmp, "exports")
        proc = subprocess.Popen([EXPORT, "--items", "400", "--item-ms", "20", "--to", target], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(self._stop_proc, proc)
        running = eventually(lambda: [r for r in self.list_running() if r["App"] == "org.example.Export"], 10)[0]
        self.ctl("expire", "org.example.Export", running["Identifier"])
        output, _ = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 1, output)
        self.assertIn("bgtaskd asked to stop (simulated)", output)
        run = eventually(lambda: self.history(App="org.example.Export"), 5)[0]
        self.assertEqual((run["Outcome"], run["Reason"]), ("expired", "simulated"))

    def test_the_python_example_backs_up_when_launched_by_activation(self):
        files = os.path.join(self.data_dir, "org.example.Backup", "files")
        os.makedirs(os.path.join(files, "notes"))
        for name in ("a.txt", "notes/b.txt", "notes/c.txt"):
            with open(os.path.join(files, name), "w") as f:
                f.write(name)
        out = self.run_example(PYTHON, BACKUP, "--submit-in", "3600")
        self.assertEqual(out.returncode, 0, out.stdout)
        pending = self.list_requests()
        self.assertEqual([(r["Identifier"], r["Kind"]) for r in pending], [("org.example.Backup.backup", "processing")])
        self.assertTrue(pending[0]["Options"]["RequiresExternalPower"])
        self.ctl("run", "org.example.Backup", "org.example.Backup.backup")
        run = self.finished_run("org.example.Backup.backup")
        self.assertEqual(run["Outcome"], "completed")
        archives = glob.glob(os.path.join(self.env["XDG_CACHE_HOME"], "org.example.Backup", "backup-*.tar.gz"))
        self.assertEqual(len(archives), 1)
        with tarfile.open(archives[0]) as archive:
            self.assertEqual(sorted(archive.getnames()), ["a.txt", "notes/b.txt", "notes/c.txt"])

    def test_the_python_example_schedules_periodic_work_that_bgtaskd_keeps_submitting(self):
        out = self.run_example(PYTHON, BACKUP, "--every", "86400", "--flex", "3600")
        self.assertEqual(out.returncode, 0, out.stdout)
        # Due at once (nothing has run yet): the example serves it, then exits when idle.
        run = eventually(lambda: [r for r in self.history(App="org.example.Backup")
                                  if r["Outcome"] == "completed"], 15)[0]
        [request] = eventually(lambda: self.list_requests(), 5)
        self.assertEqual(int(request["EarliestBeginDate"]), int(run["EndedAt"]) + (86400 - 3600) * 1_000_000)
        self.assertEqual((int(request["Schedule"]["Interval"]), int(request["Schedule"]["BackoffDelay"])),
                         (86400 * 1_000_000, 600 * 1_000_000))
        self.assertTrue(request["Options"]["RequiresExternalPower"])


if __name__ == "__main__":
    unittest.main()

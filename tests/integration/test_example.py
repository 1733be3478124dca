# SPDX-License-Identifier: LGPL-2.1-or-later
"""The feeds example, built on the installed-style libbgtask API, end to end: it submits a
refresh and quits; bgtaskd activates it on time; it refreshes its SQLite cache from its feed
files, resubmits its next refresh and completes; bgtaskctl shows all of it."""
import json
import os
import shutil
import sqlite3
import subprocess
import time
import unittest

from bgtaskd_testlib import EXAMPLE_FEEDS, DaemonTestCase, eventually

APP = "org.example.Feeds"
ID = "org.example.Feeds.refresh"
BUILD = os.environ.get("BGTASK_BUILD_DIR", "")
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ExampleAppTest(DaemonTestCase):
    def install_apps(self):
        built = os.path.join(BUILD, "examples", "feeds")
        shutil.copy(os.path.join(built, "org.example.Feeds.conf"), self.apps_dir)
        shutil.copy(os.path.join(built, "org.example.Feeds.service"), self.bus_daemon.service_dir)
        feeds = os.path.join(self.data_dir, APP, "feeds")
        os.makedirs(feeds)
        for name in os.listdir(os.path.join(SOURCE, "examples", "feeds", "sample-feeds")):
            shutil.copy(os.path.join(SOURCE, "examples", "feeds", "sample-feeds", name), feeds)

    def test_activation_runs_the_examples_refresh_on_time_and_records_it(self):
        started = time.time()
        out = subprocess.run([EXAMPLE_FEEDS, "--submit-in", "6", "--interval", "3600"], env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn(ID, self.ctl("list").stdout)
        run = eventually(lambda: self.history(App=APP), 20)[0]
        self.assertEqual(run["Outcome"], "completed")
        self.assertGreaterEqual(run["StartedAt"] / 1e6, started + 6 - 0.01)
        self.assertLess(run["StartedAt"] / 1e6, started + 10)
        # The refresh filled the app's cache from the three sample feeds.
        cache = os.path.join(self.env["XDG_CACHE_HOME"], APP, "cache.db")
        feeds = eventually(lambda: os.path.exists(cache) and sqlite3.connect(cache).execute(
            "SELECT COUNT(DISTINCT feed) FROM items").fetchone()[0], 5)
        self.assertEqual(feeds, 3)
        # And resubmitted its next refresh, as Apple's sample does.
        pending = self.list_requests()
        self.assertEqual([(r["App"], r["Identifier"]) for r in pending], [(APP, ID)])
        history = json.loads(self.ctl("history", "--json").stdout)
        self.assertIn("completed", json.dumps(history))


if __name__ == "__main__":
    unittest.main()

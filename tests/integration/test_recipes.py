# SPDX-License-Identifier: LGPL-2.1-or-later
"""The timer-replacement recipes of docs/systemd.md cannot rot: every docs/examples/*.conf is loaded
by the real bgtaskd, which must report no problem with it and show its schedule as the recipe
documents it, and docs/systemd.md quotes each file exactly."""
import glob
import json
import os
import shutil
import unittest

from bgtaskd_testlib import DaemonTestCase

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.path.join(SOURCE, "docs", "examples")
GUIDE = os.path.join(SOURCE, "docs", "systemd.md")

US = 1_000_000
MIN = 60 * US
HOUR = 60 * MIN
DAY = 24 * HOUR

# app id → (identifier, interval, flex, randomized delay, backoff, max backoff)
RECIPES = {
    "local.AptDaily": ("local.AptDaily.update", 12 * HOUR, 0, HOUR, 10 * MIN, 6 * HOUR),
    "local.PlocateUpdatedb": ("local.PlocateUpdatedb.update", DAY, 2 * HOUR, 0, 30 * US, 5 * HOUR),
    "local.Fstrim": ("local.Fstrim.trim", 7 * DAY, 0, 100 * MIN, 30 * US, 5 * HOUR),
    "local.BtrfsScrubRoot": ("local.BtrfsScrubRoot.scrub", 28 * DAY, 0, DAY, HOUR, DAY),
    "local.Backup": ("local.Backup.nightly", DAY, 4 * HOUR, 0, 10 * MIN, 6 * HOUR),
}


class RecipesTest(DaemonTestCase):
    def install_apps(self):
        for path in glob.glob(os.path.join(EXAMPLES, "*.conf")):
            shutil.copy(path, self.apps_dir)

    def test_every_recipe_is_in_the_tree_and_quoted_exactly_in_the_guide(self):
        files = sorted(os.path.basename(p)[:-len(".conf")] for p in glob.glob(os.path.join(EXAMPLES, "*.conf")))
        self.assertEqual(files, sorted(RECIPES))
        with open(GUIDE) as f:
            guide = f.read()
        for app in RECIPES:
            with open(os.path.join(EXAMPLES, f"{app}.conf")) as f:
                text = f.read()
            self.assertIn(f"`docs/examples/{app}.conf`:\n\n```ini\n{text}```\n", guide, app)

    def test_bgtaskd_loads_every_recipe_without_a_problem(self):
        doc = json.loads(self.ctl("--json", "apps").stdout)
        self.assertEqual(doc["problems"], [])
        self.assertEqual(sorted(a["app"] for a in doc["apps"]), sorted(RECIPES))

    def test_each_recipe_schedules_what_it_documents(self):
        apps = {a["app"]: a for a in json.loads(self.ctl("--json", "apps").stdout)["apps"]}
        for app, (identifier, interval, flex, randomized, backoff, max_backoff) in RECIPES.items():
            with self.subTest(app=app):
                [schedule] = apps[app]["schedules"]
                self.assertEqual((schedule["identifier"], schedule["kind"], schedule["source"]),
                                 (identifier, "processing", "manifest"))
                self.assertEqual((schedule["intervalUsec"], schedule["flexUsec"], schedule["randomizedDelayUsec"],
                                  schedule["backoffDelayUsec"], schedule["maxBackoffDelayUsec"]),
                                 (interval, flex, randomized, backoff, max_backoff))
        # Every schedule has its request pending, or its task running (one snapshot).
        schedules = {str(s["Identifier"]): s for s in self.manager().ListSchedules()}
        self.assertEqual(sorted(schedules), sorted(r[0] for r in RECIPES.values()))
        for identifier, s in schedules.items():
            self.assertNotEqual(bool(s["Running"]), int(s["NextRunNotBefore"]) != 0, identifier)
        # The conditions travel with the request: apt-daily's waits for its randomized delay and
        # for an unmetered network, which nothing reports here.
        [apt] = [r for r in self.list_requests() if r["Identifier"] == "local.AptDaily.update"]
        self.assertEqual((bool(apt["Options"]["RequiresExternalPower"]), str(apt["Options"]["NetworkType"])),
                         (True, "unmetered"))
        explained = json.loads(self.ctl("--json", "explain", "local.AptDaily", "local.AptDaily.update").stdout)
        self.assertIn("network", [b["condition"] for b in explained["blockers"]])


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""Refresh timed to usage through the real bgtaskd: opens of an app that the user started are
learned into the store (launches by bgtaskd are not), and an app with a learned pattern (seeded
into the store file before start: the daemon has no test clock) has its due refresh held with
"usage-window: waiting for the usual use at ~HH:MM (learned from N launches)" and launched once
the window before the predicted use opens."""
import datetime
import json
import os
import sqlite3
import time
import unittest

import dbus

from bgtaskd_testlib import NO_FAIRNESS, DaemonTestCase, eventually

APP = "org.example.Habit"
REFRESH = f"{APP}.refresh"
LEAD = 20       # seconds: UsageLeadTime
TO_USE = 45     # seconds from now to the seeded usual use


def opens_in(db_path, app):
    with sqlite3.connect(db_path) as db:
        row = db.execute("SELECT opens FROM usage_patterns WHERE app = ?", (app,)).fetchone()
    return row[0] if row else 0


class UsageTestCase(DaemonTestCase):
    fairness = dict(NO_FAIRNESS, LearnUsage="true", UsageLeadTime=str(LEAD), UsageMinOpens="10")

    def install_apps(self):
        self.install_activatable_testapp(APP, [REFRESH])

    @property
    def db_path(self):
        return os.path.join(self.state_dir, "bgtaskd.db")

    def seed(self, use, opens=12):
        """A pattern whose only busy hour of the week holds `use` (local time, as bgtaskd's)."""
        local = datetime.datetime.fromtimestamp(use)
        hour = local.weekday() * 24 + local.hour
        minute = local.minute + local.second / 60 + local.microsecond / 60e6
        weights = [0.0] * 168
        minutes = [0.0] * 168
        weights[hour] = float(opens)
        minutes[hour] = opens * minute
        text = lambda values: " ".join(repr(v) for v in values)   # noqa: E731
        with sqlite3.connect(self.db_path) as db:
            db.execute("INSERT INTO usage_patterns VALUES (?, ?, ?, ?, ?)",
                       (APP, opens, int(time.time() * 1e6), text(weights), text(minutes)))


class LearnTest(UsageTestCase):
    def test_opens_by_the_user_are_learned_and_launches_by_bgtaskd_are_not(self):
        for n in range(3):
            proc = self.run_testapp(APP, "serve", [REFRESH])
            self._stop_proc(proc)
            eventually(lambda: not self.name_has_owner(APP), 10)
            eventually(lambda: opens_in(self.db_path, APP) == n + 1, 10, message=f"open {n + 1} not learned")
        self.submit_for(APP, "app-refresh", REFRESH)          # the app's own connection: an open
        eventually(lambda: opens_in(self.db_path, APP) == 4, 10)
        eventually(lambda: len(self.history(App=APP)) == 1, 20, message="the refresh did not run")
        eventually(lambda: not self.name_has_owner(APP), 20)
        time.sleep(0.5)   # a wrongly learned activation would be committed by now
        self.assertEqual(opens_in(self.db_path, APP), 4)


class LearnOffTest(UsageTestCase):
    fairness = dict(UsageTestCase.fairness, LearnUsage="false")

    def test_nothing_is_learned_with_learning_off(self):
        proc = self.run_testapp(APP, "serve", [REFRESH])
        self._stop_proc(proc)
        self.submit_for(APP, "app-refresh", REFRESH)
        eventually(lambda: len(self.history(App=APP)) == 1, 20, message="the refresh did not run")
        self.assertEqual(opens_in(self.db_path, APP), 0)


class AdministratorLearnOffTest(UsageTestCase):
    """The user's file may switch learning off but not on against the administrator's off."""

    def prepare_environment(self):
        os.makedirs(self.admin_config_dir, exist_ok=True)
        with open(os.path.join(self.admin_config_dir, "bgtaskd.conf"), "w") as f:
            f.write("[Fairness]\nLearnUsage=false\n")

    def test_the_users_learnusage_on_does_not_lift_the_administrators_off(self):
        self.assertRegex(self.daemon_log(), r"bgtaskd.conf:\d+: LearnUsage would lift the administrator's setting "
                                            r"\(\S+/bgtaskd.conf:2\), ignoring")
        proc = self.run_testapp(APP, "serve", [REFRESH])
        self._stop_proc(proc)
        self.submit_for(APP, "app-refresh", REFRESH)
        eventually(lambda: len(self.history(App=APP)) == 1, 20, message="the refresh did not run")
        self.assertEqual(opens_in(self.db_path, APP), 0)


class ApplyTest(UsageTestCase):
    def test_a_learned_app_is_refreshed_inside_the_window_before_its_usual_use(self):
        self.stop_bgtaskd()   # the store exists now; seed it while no daemon has it open
        use = time.time() + TO_USE
        self.seed(use)
        # The app is open before bgtaskd starts: that is no open learned, so the pattern stays
        # exactly the seeded one (an open now would move the hour's mean minute towards now).
        app = self.app_bus(APP)
        self.start_bgtaskd()
        self.scheduler(app).Submit("app-refresh", REFRESH, dbus.Dictionary({}, signature="sv"))
        app.release_name(APP)   # the app quits: bgtaskd activates it for the refresh
        waiting = eventually(lambda: [r for r in self.list_requests() if str(r["Identifier"]) == REFRESH], 10)
        clock = datetime.datetime.fromtimestamp(use).strftime("%H:%M")
        self.assertEqual(str(waiting[0]["Waiting"]),
                         f"usage-window: waiting for the usual use at ~{clock} (learned from 12 launches)")
        self.assertEqual(opens_in(self.db_path, APP), 12)
        explained = self.manager().Explain(APP, REFRESH)
        self.assertEqual([str(b[0]) for b in explained["Blockers"]], ["usage-window"])
        self.assertAlmostEqual(int(explained["DueAt"]) / 1e6, use - LEAD, delta=0.01)
        runs = eventually(lambda: self.history(App=APP), TO_USE + 30, message="the refresh never ran")
        self.assertGreaterEqual(int(runs[0]["StartedAt"]) / 1e6, use - LEAD - 0.01)


class ForgetTest(UsageTestCase):
    def test_apps_shows_the_next_use_and_forget_releases_the_refresh(self):
        self.stop_bgtaskd()
        use = time.time() + 3600
        self.seed(use)
        self.start_bgtaskd()
        apps = {a["app"]: a for a in json.loads(self.ctl("apps", "--json").stdout)["apps"]}
        self.assertEqual(apps[APP]["learnedOpens"], 12)
        self.assertIsNotNone(apps[APP]["nextUse"])
        self.assertIn("NEXT USE", self.ctl("apps").stdout)
        self.submit_for(APP, "app-refresh", REFRESH)
        eventually(lambda: any(str(r["Waiting"]).startswith("usage-window") for r in self.list_requests()), 10)
        out = self.ctl("forget", APP)
        self.assertIn(f"Forgot when {APP} is opened", out.stdout)
        self.assertEqual(opens_in(self.db_path, APP), 0)
        eventually(lambda: self.history(App=APP), 20, message="the refresh did not run once forgotten")
        missing = self.ctl("forget", "org.example.Nobody", check=False)
        self.assertEqual(missing.returncode, 3)   # not found
        self.assertIn("no such app", missing.stderr)


if __name__ == "__main__":
    unittest.main()

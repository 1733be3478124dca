# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fairness and budgets through the real bgtaskd and activated apps: the cap on concurrent
background tasks with round-robin between apps under a flood from one app, the minimum spacing
of one app's refresh launches, the daily background-time budget and the termination penalty,
each visible in ListApps and named by Explain, while another app's tasks still run."""
import time
import unittest

import dbus

from bgtaskd_testlib import FAST_LIMITS, NO_FAIRNESS, DaemonTestCase, eventually, stays_true, usec

FLOOD = "org.example.Flood"
QUIET = "org.example.Quiet"


def ids(app, n):
    return [f"{app}.job{i}" for i in range(n)]


class FairnessTestCase(DaemonTestCase):
    def submit(self, app_id, kind, identifier, **options):
        self.submit_for(app_id, kind, identifier, **options)

    def submit_all(self, app_id, kind, identifiers, **options):
        conn = self.app_bus(app_id)
        for identifier in identifiers:
            self.scheduler(conn).Submit(kind, identifier, dbus.Dictionary(options, signature="sv"))
        conn.release_name(app_id)

    def app(self, app_id):
        return next({str(k): v for k, v in a.items()} for a in self.manager().ListApps() if a["App"] == app_id)

    def blockers(self, app_id, identifier):
        return [str(b[0]) for b in self.manager().Explain(app_id, identifier)["Blockers"]]

    def runs(self, app_id=None):
        return self.history(**({"App": app_id} if app_id else {}))


class ConcurrencyTest(FairnessTestCase):
    fairness = dict(NO_FAIRNESS, MaxConcurrentTasks="2")

    def install_apps(self):
        self.install_activatable_testapp(FLOOD, ids(FLOOD, 8), kinds=("processing",),
                                         extra=["--work-seconds", "0.6"])
        self.install_activatable_testapp(QUIET, ids(QUIET, 1), kinds=("processing",),
                                         extra=["--work-seconds", "0.6"])

    def test_a_flood_from_one_app_runs_two_at_a_time_and_the_other_app_gets_its_turn(self):
        due = dbus.Int64(usec(1.5))   # all due at the same moment
        self.submit_all(FLOOD, "processing", ids(FLOOD, 8), EarliestBeginDate=due)
        self.submit_all(QUIET, "processing", ids(QUIET, 1), EarliestBeginDate=due)
        runs = eventually(lambda: len(self.runs()) == 9 and self.runs(), 40, message="not every task ran")
        self.assertTrue(all(str(r["Outcome"]) == "completed" for r in runs), runs)
        # Never more than two at once.
        edges = sorted([(int(r["StartedAt"]), 1) for r in runs] + [(int(r["EndedAt"]), -1) for r in runs])
        running, peak = 0, 0
        for _, step in edges:
            running += step
            peak = max(peak, running)
        self.assertLessEqual(peak, 2, runs)
        # Round-robin: the quiet app's task is in the first round, not behind the flood.
        order = [str(r["App"]) for r in sorted(runs, key=lambda r: int(r["StartedAt"]))]
        self.assertIn(QUIET, order[:2], order)

    def test_explain_names_the_concurrency_limit(self):
        self.submit_all(FLOOD, "processing", ids(FLOOD, 4))
        waiting = eventually(lambda: [r for r in self.list_requests()
                                      if str(r["Waiting"]).startswith("concurrency-limit: ")], 10)
        self.assertIn("concurrency-limit", self.blockers(FLOOD, str(waiting[0]["Identifier"])))
        eventually(lambda: len(self.runs(FLOOD)) == 4, 30)


class SpacingTest(FairnessTestCase):
    fairness = dict(NO_FAIRNESS, RefreshSpacing="3")

    def install_apps(self):
        self.install_activatable_testapp(FLOOD, [f"{FLOOD}.refresh"])
        self.install_activatable_testapp(QUIET, [f"{QUIET}.refresh"])

    def test_one_apps_refreshes_are_spaced_while_another_apps_refresh_runs(self):
        self.submit(FLOOD, "app-refresh", f"{FLOOD}.refresh")
        first = eventually(lambda: self.runs(FLOOD), 10)[0]
        # The flood: the app submits its refresh again and again (each replaces the last).
        for _ in range(5):
            self.submit(FLOOD, "app-refresh", f"{FLOOD}.refresh")
        self.assertEqual(self.blockers(FLOOD, f"{FLOOD}.refresh"), ["refresh-spacing"])
        explanation = self.manager().Explain(FLOOD, f"{FLOOD}.refresh")
        self.assertAlmostEqual(int(explanation["DueAt"]), int(first["StartedAt"]) + 3_000_000, delta=200_000)
        self.assertGreater(int(self.app(FLOOD)["NextRefreshAt"]), usec(0))
        # Another app's refresh is not held up by it.
        self.submit(QUIET, "app-refresh", f"{QUIET}.refresh")
        eventually(lambda: self.runs(QUIET), 10)
        second = eventually(lambda: len(self.runs(FLOOD)) == 2 and self.runs(FLOOD)[0], 15)
        self.assertGreaterEqual(int(second["StartedAt"]) - int(first["StartedAt"]), 3_000_000)
        stays_true(lambda: len(self.runs(FLOOD)) == 2, 1.0, message="the replaced requests ran too")


class BudgetTest(FairnessTestCase):
    fairness = dict(NO_FAIRNESS, DailyBudget="2")

    def install_apps(self):
        self.install_activatable_testapp(FLOOD, ids(FLOOD, 3), kinds=("processing",),
                                         extra=["--work-seconds", "2.2"])
        self.install_activatable_testapp(QUIET, ids(QUIET, 1), kinds=("processing",))

    def test_an_app_over_its_daily_budget_waits_for_the_reset_while_others_run(self):
        self.submit(FLOOD, "processing", ids(FLOOD, 1)[0])
        eventually(lambda: self.runs(FLOOD), 15)
        app = self.app(FLOOD)
        self.assertGreaterEqual(int(app["BudgetUsed"]), 2_000_000)
        self.assertEqual(int(app["BudgetLimit"]), 2_000_000)
        self.submit(FLOOD, "processing", ids(FLOOD, 3)[1])
        self.assertEqual(self.blockers(FLOOD, ids(FLOOD, 3)[1]), ["daily-budget"])
        explanation = self.manager().Explain(FLOOD, ids(FLOOD, 3)[1])
        self.assertEqual(int(explanation["DueAt"]), int(app["BudgetResetsAt"]))
        self.submit(QUIET, "processing", ids(QUIET, 1)[0])
        eventually(lambda: self.runs(QUIET), 10)
        stays_true(lambda: len(self.runs(FLOOD)) == 1, 1.0, message="ran over its budget")


class TerminationPenaltyTest(FairnessTestCase):
    fairness = dict(NO_FAIRNESS, DailyBudget="300", TerminationPenalty="600")

    def install_apps(self):
        self.install_activatable_testapp(FLOOD, [f"{FLOOD}.refresh"], behavior="never-complete")

    def test_a_terminated_task_costs_its_app_the_penalty(self):
        self.submit(FLOOD, "app-refresh", f"{FLOOD}.refresh")
        run = eventually(lambda: self.runs(FLOOD), 15)[0]
        self.assertEqual(str(run["Outcome"]), "terminated")
        app = self.app(FLOOD)
        self.assertEqual(int(app["Terminations"]), 1)
        self.assertGreaterEqual(int(app["BudgetUsed"]), 600_000_000)
        self.submit(FLOOD, "app-refresh", f"{FLOOD}.refresh")
        self.assertEqual(self.blockers(FLOOD, f"{FLOOD}.refresh"), ["daily-budget"])
        # Budget use comes from the history, so a restart keeps it.
        self.stop_bgtaskd()
        self.start_bgtaskd()
        self.assertEqual(int(self.app(FLOOD)["Terminations"]), 1)
        self.assertEqual(self.blockers(FLOOD, f"{FLOOD}.refresh"), ["daily-budget"])


if __name__ == "__main__":
    unittest.main()

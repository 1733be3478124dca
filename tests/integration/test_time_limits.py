# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every kind's time limit from bgtaskd.conf, Apple's rule for a task without an expiration
handler, and cancelling a running task (by the app and on its behalf) through the real
bgtaskd and activated test apps."""
import unittest

import dbus

from bgtaskd_testlib import FAST_LIMITS, DaemonTestCase, eventually, stays_true

APP = "org.example.Worker"
REFRESH = f"{APP}.refresh"
JOB = f"{APP}.job"
STUDY = f"{APP}.study"
KINDS = ("app-refresh", "processing", "health-research")


class TimeLimitTestCase(DaemonTestCase):
    limits = dict(FAST_LIMITS, AppRefreshTimeLimit="1", ProcessingTimeLimit="2", HealthResearchTimeLimit="3")
    behavior = "complete-on-expire"

    def install_apps(self):
        self.install_activatable_testapp(APP, [REFRESH, JOB, STUDY], behavior=self.behavior, kinds=KINDS)
        # health research needs its entitlement: rewrite the manifest with it
        self.install_manifest(APP, [REFRESH, JOB, STUDY], kinds=KINDS, entitlements=("health-research",))

    def submit(self, kind, identifier, **options):
        self.submit_for(APP, kind, identifier, **options)

    def run_of(self, identifier):
        runs = self.history(App=APP, Identifier=identifier)
        return runs[0] if runs else None


class TimeLimitTest(TimeLimitTestCase):
    def test_each_kind_is_expired_at_its_own_time_limit(self):
        for kind, identifier, limit in (("app-refresh", REFRESH, 1), ("processing", JOB, 2),
                                        ("health-research", STUDY, 3)):
            with self.subTest(kind=kind):
                self.submit(kind, identifier)
                run = eventually(lambda: self.run_of(identifier), 15)
                self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("expired", "time-limit"), run)
                launch = [e for e in self.app_events(APP, "launch") if e["identifier"] == identifier][0]
                expire = [e for e in self.app_events(APP, "expire") if e["task"] == launch["task"]][0]
                self.assertAlmostEqual(expire["time"] - launch["time"], limit, delta=0.6)
                self.assertAlmostEqual(launch["info"]["Deadline"] / 1e6 - launch["time"], limit, delta=0.6)


class NoExpirationHandlerTest(TimeLimitTestCase):
    behavior = "no-expire-handler"

    def test_a_task_without_an_expiration_handler_ends_as_failed_at_once(self):
        self.submit("app-refresh", REFRESH)
        run = eventually(lambda: self.run_of(REFRESH), 10)
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("failed", "no-expiration-handler: time-limit"))
        # Ended at expiry, without the grace period or termination.
        self.assertLess(int(run["EndedAt"]) - int(run["StartedAt"]), 1_000_000 + 700_000)
        expire = self.app_events(APP, "expire")
        self.assertEqual([e["reason"] for e in expire], ["time-limit"])
        self.assertNotIn("terminating", self.daemon_log())


class NoExpireMethodTest(NoExpirationHandlerTest):
    """An app that is not built on libbgtask and has no Expire method at all."""
    behavior = "no-expire-method"


class CancelRunningTest(TimeLimitTestCase):
    limits = dict(FAST_LIMITS, AppRefreshTimeLimit="30")
    behavior = "cancel-self"

    def test_an_app_cancelling_its_running_task_expires_it_as_app_cancelled(self):
        self.submit("app-refresh", REFRESH)
        expire = eventually(lambda: self.app_events(APP, "expire"), 10)[0]
        self.assertEqual(expire["reason"], "app-cancelled")
        self.assertTrue(self.app_events(APP, "cancelled-self"))
        run = eventually(lambda: self.run_of(REFRESH), 10)
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("expired", "app-cancelled"))


class ManagerCancelRunningTest(TimeLimitTestCase):
    limits = dict(FAST_LIMITS, AppRefreshTimeLimit="30")

    def test_cancel_on_the_apps_behalf_expires_its_running_task(self):
        self.submit("app-refresh", REFRESH)
        eventually(lambda: [t for t in self.list_running() if str(t["State"]) == "running"], 10)
        self.manager().Cancel(APP, REFRESH)
        expire = eventually(lambda: self.app_events(APP, "expire"), 10)[0]
        self.assertEqual(expire["reason"], "app-cancelled")
        run = eventually(lambda: self.run_of(REFRESH), 10)
        self.assertEqual(str(run["Reason"]), "app-cancelled")
        self.assertDbusError("org.bgtaskd.Error.NotFound", "no-such-request",
                             self.manager().Cancel, APP, REFRESH)


if __name__ == "__main__":
    unittest.main()

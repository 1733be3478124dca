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
                # Bounds that hold however late the messages travel on a loaded machine: the
                # deadline is stamped after the run started and before the app received Launch,
                # so it is at least the limit after the start and at most the limit after the
                # receipt; and the expiration never comes before the deadline.
                deadline = launch["info"]["Deadline"] / 1e6
                self.assertGreaterEqual(deadline - int(run["StartedAt"]) / 1e6, limit - 0.01, run)
                self.assertLessEqual(deadline - launch["time"], limit + 0.01, launch)
                self.assertGreaterEqual(expire["time"], deadline - 0.01, (expire, launch))


class NoExpirationHandlerTest(TimeLimitTestCase):
    behavior = "no-expire-handler"
    # A long grace period: a run that waited for it would end 16 s after its start at the
    # earliest, which the bound below tells apart from "at once" however loaded the machine.
    limits = dict(TimeLimitTestCase.limits, GracePeriod="15")

    def test_a_task_without_an_expiration_handler_ends_as_failed_at_once(self):
        self.submit("app-refresh", REFRESH)
        run = eventually(lambda: self.run_of(REFRESH), 12)
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("failed", "no-expiration-handler: time-limit"))
        # Ended at expiry, without the grace period or termination.
        self.assertLess(int(run["EndedAt"]) - int(run["StartedAt"]), 1_000_000 + 8_000_000)
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

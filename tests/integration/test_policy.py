# SPDX-License-Identifier: LGPL-2.1-or-later
"""The user's policy (Background App Refresh and continued processing, per app and for every
app) through Manager1, what apps see of it through Scheduler1, its durability across a daemon
restart, and the administrator's overrides in bgtaskd.conf."""
import os
import time
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, eventually, stays_true, usec

APP = "org.example.Feeds"
OTHER = "org.example.Mail"
REFRESH = f"{APP}.refresh"
JOB = f"{APP}.job"
EXPORT = f"{APP}.export.*"


class PolicyTestCase(DaemonTestCase):
    def install_apps(self):
        self.install_activatable_testapp(APP, [REFRESH, JOB])
        self.install_manifest(APP, [REFRESH, JOB, EXPORT], kinds=("app-refresh", "processing", "continued-processing"))
        self.install_activatable_testapp(OTHER, [f"{OTHER}.refresh"])

    def submit(self, app_id, kind, identifier, **options):
        conn = self.app_bus(app_id)
        try:
            self.scheduler(conn).Submit(kind, identifier, dbus.Dictionary(options, signature="sv"))
        finally:
            conn.release_name(app_id)

    def status_seen_by(self, app_id):
        conn = self.app_bus(app_id)
        try:
            return str(self.scheduler(conn).GetBackgroundRefreshStatus())
        finally:
            conn.release_name(app_id)

    def policy(self, app_id):
        return {str(k): v for k, v in self.manager().GetPolicy(app_id).items()}


class UserPolicyTest(PolicyTestCase):
    def test_refresh_off_for_an_app_refuses_its_refresh_submits_only(self):
        self.assertEqual(self.status_seen_by(APP), "available")
        self.manager().SetPolicy(APP, "refresh", False)
        policy = self.policy(APP)
        self.assertEqual((policy["Refresh"], policy["RefreshSource"], bool(policy["RefreshUser"])),
                         ("denied", "user", False))
        self.assertEqual(policy["Continued"], "available")
        self.assertEqual(self.status_seen_by(APP), "denied")
        self.assertEqual(self.status_seen_by(OTHER), "available")
        self.assertDbusError("org.bgtaskd.Error.Unavailable", "refresh-disabled-by-user",
                             self.submit, APP, "app-refresh", REFRESH)
        self.submit(APP, "processing", JOB, EarliestBeginDate=dbus.Int64(usec(3600)))   # unaffected
        self.submit(OTHER, "app-refresh", f"{OTHER}.refresh", EarliestBeginDate=dbus.Int64(usec(3600)))

    def test_a_pending_refresh_waits_while_refresh_is_off_and_runs_when_it_is_on_again(self):
        self.submit(APP, "app-refresh", REFRESH, EarliestBeginDate=dbus.Int64(usec(1)))
        self.manager().SetPolicy(APP, "refresh", False)
        time.sleep(1.5)
        stays_true(lambda: not self.app_events(APP, "launch"), 1.0, message="ran while refresh was off")
        waiting = self.list_requests()[0]
        self.assertTrue(str(waiting["Waiting"]).startswith("refresh-disabled-by-user: "), waiting)
        blockers = self.manager().Explain(APP, REFRESH)["Blockers"]
        self.assertEqual([str(b[0]) for b in blockers], ["refresh-disabled-by-user"])
        self.assertIn("bgtaskctl policy", str(blockers[0][2]))
        self.manager().SetPolicy(APP, "refresh", True)
        eventually(lambda: self.app_events(APP, "launch"), 10)

    def test_refresh_off_for_every_app_and_the_policy_survives_a_restart(self):
        self.manager().SetPolicy("", "refresh", False)
        self.assertEqual(self.policy("")["Refresh"], "denied")
        self.assertEqual(self.status_seen_by(OTHER), "denied")
        # The app's own switch on does not override the every-app one (Apple's rule).
        self.manager().SetPolicy(OTHER, "refresh", True)
        self.assertEqual(self.status_seen_by(OTHER), "denied")
        self.stop_bgtaskd()
        self.start_bgtaskd()
        self.assertEqual(self.policy("")["Refresh"], "denied")
        self.assertEqual(self.policy(OTHER)["RefreshSource"], "user")
        self.assertDbusError("org.bgtaskd.Error.Unavailable", "refresh-disabled-by-user",
                             self.submit, OTHER, "app-refresh", f"{OTHER}.refresh")
        self.manager().SetPolicy("", "refresh", True)
        self.assertEqual(self.status_seen_by(OTHER), "available")

    def test_continued_processing_off_refuses_continued_submits(self):
        self.manager().SetPolicy(APP, "continued", False)
        self.assertEqual(self.policy(APP)["Continued"], "denied")
        conn = self.app_bus(APP)
        sched = self.scheduler(conn)
        sched.Register([f"{APP}.export.1"])
        self.assertDbusError("org.bgtaskd.Error.Unavailable", "continued-disabled-by-user", sched.Submit,
                             "continued-processing", f"{APP}.export.1",
                             dbus.Dictionary({"Title": "Export"}, signature="sv"))

    def test_bad_policy_calls_are_typed_errors(self):
        self.assertDbusError("org.bgtaskd.Error.InvalidArgument", "unknown-setting",
                             self.manager().SetPolicy, APP, "wallpaper", False)
        self.assertDbusError("org.bgtaskd.Error.NotFound", "no-such-app",
                             self.manager().SetPolicy, "org.example.Nobody", "refresh", False)
        self.assertDbusError("org.bgtaskd.Error.NotFound", "no-such-app",
                             self.manager().GetPolicy, "org.example.Nobody")

    def test_list_apps_shows_policy_and_budget(self):
        self.manager().SetPolicy(APP, "continued", False)
        apps = {str(a["App"]): a for a in self.manager().ListApps()}
        feeds = apps[APP]
        self.assertEqual(str(feeds["Policy"]["Continued"]), "denied")
        self.assertEqual(str(feeds["Policy"]["Refresh"]), "available")
        self.assertEqual(int(feeds["BudgetUsed"]), 0)
        self.assertGreater(int(feeds["BudgetResetsAt"]), usec(0))
        self.assertLessEqual(int(feeds["BudgetResetsAt"]), usec(86400 + 3600))


class AdministratorPolicyTest(PolicyTestCase):
    config_extra = f"[Policy {APP}]\nRefresh=off\n[Policy]\nContinued=on\n"

    def test_the_administrators_switch_is_restricted_for_the_user(self):
        policy = self.policy(APP)
        self.assertEqual((policy["Refresh"], policy["RefreshSource"]), ("restricted", "administrator"))
        self.assertEqual(self.status_seen_by(APP), "restricted")
        self.assertEqual(self.status_seen_by(OTHER), "available")
        self.assertDbusError("org.bgtaskd.Error.Unavailable", "refresh-restricted",
                             self.submit, APP, "app-refresh", REFRESH)
        self.assertDbusError("org.bgtaskd.Error.NotPermitted", "restricted",
                             self.manager().SetPolicy, APP, "refresh", True)
        # Continued processing is forced on for every app: the user cannot switch it off.
        self.assertDbusError("org.bgtaskd.Error.NotPermitted", "restricted",
                             self.manager().SetPolicy, OTHER, "continued", False)
        self.manager().SetPolicy(OTHER, "refresh", False)   # not restricted
        self.assertEqual(self.status_seen_by(OTHER), "denied")


class AdministratorConfigDirTest(PolicyTestCase):
    """The administrator's files (bgtaskd.conf, then bgtaskd.conf.d/*.conf in lexical order) come
    before the user's file, which can tighten them but not lift them."""
    config_extra = (f"[Policy]\nRefresh=on\n[Policy {APP}]\nRefresh=on\n"
                    "[Quotas]\nMaxPendingProcessing=5\n")

    def install_apps(self):
        super().install_apps()
        self.install_manifest(APP, [REFRESH, JOB, JOB + "2"], kinds=("app-refresh", "processing"))

    def prepare_environment(self):
        drop_ins = os.path.join(self.admin_config_dir, "bgtaskd.conf.d")
        os.makedirs(drop_ins)
        with open(os.path.join(self.admin_config_dir, "bgtaskd.conf"), "w") as f:
            f.write("# the site's policy\n[Policy]\nRefresh=off\nContinued=on\n"
                    "[Quotas]\nMaxPendingProcessing=4\n")
        # Lexical order: 20- overrides 10-; a file not ending in .conf is not read.
        with open(os.path.join(drop_ins, "20-tight.conf"), "w") as f:
            f.write("[Quotas]\nMaxPendingProcessing=1\n")
        with open(os.path.join(drop_ins, "10-loose.conf"), "w") as f:
            f.write("[Quotas]\nMaxPendingProcessing=3\n")
        with open(os.path.join(drop_ins, "30-ignored.conf.disabled"), "w") as f:
            f.write("[Quotas]\nMaxPendingProcessing=9\n")

    def test_the_administrators_files_win_over_the_users(self):
        for app_id in (APP, OTHER):
            policy = self.policy(app_id)
            self.assertEqual((policy["Refresh"], policy["RefreshSource"]), ("restricted", "administrator"))
        self.assertDbusError("org.bgtaskd.Error.Unavailable", "refresh-restricted",
                             self.submit, APP, "app-refresh", REFRESH)
        # The last drop-in's quota of one holds, not the user's five.
        self.submit(APP, "processing", JOB, EarliestBeginDate=dbus.Int64(usec(3600)))
        self.assertDbusError("org.bgtaskd.Error.TooManyPendingTaskRequests", "quota",
                             self.submit, APP, "processing", JOB + "2", EarliestBeginDate=dbus.Int64(usec(3600)))
        log = self.daemon_log()
        self.assertRegex(log, r"bgtaskd.conf:\d+: MaxPendingProcessing would lift the administrator's setting "
                              r"\(\S+/bgtaskd.conf.d/20-tight.conf:2\), ignoring")
        self.assertRegex(log, r"bgtaskd.conf:\d+: refresh is switched off by the administrator "
                              r"\(\S+/etc-bgtaskd/bgtaskd.conf:3\), ignoring")

    def test_the_user_may_tighten_what_the_administrator_set(self):
        self.assertEqual(self.policy(OTHER)["Continued"], "available")
        self.stop_bgtaskd()
        with open(self.config, "a") as f:
            f.write(f"[Policy {OTHER}]\nContinued=off\n")
        self.start_bgtaskd()
        policy = self.policy(OTHER)
        self.assertEqual((policy["Continued"], policy["ContinuedSource"]), ("restricted", "administrator"))
        self.assertEqual(self.policy(APP)["Continued"], "available")


if __name__ == "__main__":
    unittest.main()

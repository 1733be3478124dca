# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scheduler1 through the real bgtaskd: validation, errors with sub-reasons, Apple's replace,
quota and cancel semantics, and pending requests as copies."""
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, eventually, usec

APP = "org.example.Feeds"
REFRESH = "org.example.Feeds.refresh"
E = "org.bgtaskd.Error."


class SubmitTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(APP, [REFRESH] + [f"{APP}.job{i}" for i in range(12)] + [f"{APP}.export.*"],
                              kinds=("app-refresh", "processing", "continued-processing"))
        self.install_manifest("org.example.Other", ["org.example.Other.refresh"])

    def setUp(self):
        super().setUp()
        self.conn = self.app_bus(APP)
        self.sched = self.scheduler(self.conn)

    def submit(self, kind, identifier, **options):
        return self.sched.Submit(kind, identifier, dbus.Dictionary(options, signature="sv"))

    def pending(self):
        return [(str(k), str(i), dict(o)) for k, i, o in self.sched.GetPendingTaskRequests()]

    def test_submitted_request_is_pending_with_its_options(self):
        when = usec(3600)
        self.submit("app-refresh", REFRESH, EarliestBeginDate=dbus.Int64(when))
        self.submit("processing", f"{APP}.job1", EarliestBeginDate=dbus.Int64(when), RequiresExternalPower=True,
                    NetworkType="unmetered")
        self.assertEqual(self.pending(), [
            ("app-refresh", REFRESH, {"EarliestBeginDate": when}),
            ("processing", f"{APP}.job1", {"EarliestBeginDate": when, "RequiresExternalPower": True,
                                            "NetworkType": "unmetered"}),
        ])
        listed = self.list_requests()
        self.assertEqual([(r["App"], r["Identifier"]) for r in listed], [(APP, REFRESH), (APP, f"{APP}.job1")])
        self.assertTrue(str(listed[0]["Waiting"]).startswith("earliest-begin-date: "), listed[0]["Waiting"])

    def test_same_identifier_replaces_the_pending_request(self):
        self.submit("app-refresh", REFRESH, EarliestBeginDate=dbus.Int64(usec(3600)))
        later = usec(7200)
        self.submit("app-refresh", REFRESH, EarliestBeginDate=dbus.Int64(later))
        self.assertEqual(self.pending(), [("app-refresh", REFRESH, {"EarliestBeginDate": later})])

    def test_second_refresh_identifier_exceeds_the_quota_of_one(self):
        self.install_manifest(APP, [REFRESH, f"{APP}.refresh2"], kinds=("app-refresh",))
        self.restart_with_manifests()
        self.submit("app-refresh", REFRESH, EarliestBeginDate=dbus.Int64(usec(3600)))
        self.assertDbusError(E + "TooManyPendingTaskRequests", "quota",
                             self.submit, "app-refresh", f"{APP}.refresh2")
        self.assertEqual(len(self.pending()), 1)

    def test_eleventh_processing_request_exceeds_the_quota_of_ten(self):
        for i in range(10):
            self.submit("processing", f"{APP}.job{i}", EarliestBeginDate=dbus.Int64(usec(3600)))
        self.assertDbusError(E + "TooManyPendingTaskRequests", "quota",
                             self.submit, "processing", f"{APP}.job10")
        # Replacing one of the ten is still allowed.
        self.submit("processing", f"{APP}.job3", EarliestBeginDate=dbus.Int64(usec(7200)))
        self.assertEqual(len(self.pending()), 10)

    def test_every_bad_input_gets_its_error_and_sub_reason(self):
        cases = [
            (E + "InvalidArgument", "unknown-kind", ("bogus", REFRESH), {}),
            (E + "InvalidArgument", "bad-identifier", ("app-refresh", "no dots"), {}),
            (E + "InvalidArgument", "unknown-option", ("app-refresh", REFRESH), {"Colour": "red"}),
            (E + "InvalidArgument", "wrong-type", ("app-refresh", REFRESH), {"EarliestBeginDate": "soon"}),
            (E + "InvalidArgument", "out-of-range", ("app-refresh", REFRESH), {"EarliestBeginDate": dbus.Int64(-5)}),
            (E + "InvalidArgument", "out-of-range", ("processing", f"{APP}.job1"), {"NetworkType": "wifi"}),
            (E + "InvalidArgument", "option-not-applicable", ("app-refresh", REFRESH), {"Title": "x"}),
            (E + "InvalidArgument", "missing-title", ("continued-processing", f"{APP}.export.1"), {}),
            (E + "NotPermitted", "not-in-manifest", ("app-refresh", "org.example.Feeds.nope"), {}),
            (E + "NotPermitted", "kind-not-permitted", ("health-research", REFRESH), {}),
            (E + "NotPermitted", "entitlement-missing", ("continued-processing", f"{APP}.export.2"),
             {"Title": "Export", "RequiredResources": dbus.Array(["gpu"], signature="s")}),
        ]
        for name, sub_reason, args, options in cases:
            with self.subTest(sub_reason=sub_reason, args=args):
                self.assertDbusError(name, sub_reason, self.sched.Submit, *args,
                                     dbus.Dictionary(options, signature="sv"))
        self.assertEqual(self.pending(), [])
        self.assertIsNone(self.daemon.poll())

    def test_a_caller_that_owns_no_app_name_is_denied(self):
        stranger = self.scheduler(self.bus)
        self.assertDbusError(E + "AccessDenied", "not-an-app", stranger.Submit, "app-refresh", REFRESH,
                             dbus.Dictionary({}, signature="sv"))
        self.assertDbusError(E + "AccessDenied", "not-an-app", stranger.Register, [REFRESH])

    def test_an_app_cannot_submit_for_another_apps_identifier(self):
        self.assertDbusError(E + "NotPermitted", "not-in-manifest", self.submit, "app-refresh",
                             "org.example.Other.refresh")

    def test_register_refuses_identifiers_outside_the_manifest(self):
        refused = self.sched.Register([REFRESH, f"{APP}.export.42", "org.example.Other.refresh"])
        self.assertEqual([str(x) for x in refused], ["org.example.Other.refresh"])

    def test_cancel_removes_one_and_unknown_identifiers_are_not_an_error(self):
        self.submit("processing", f"{APP}.job1", EarliestBeginDate=dbus.Int64(usec(3600)))
        self.submit("processing", f"{APP}.job2", EarliestBeginDate=dbus.Int64(usec(3600)))
        self.sched.Cancel(f"{APP}.job1")
        self.sched.Cancel(f"{APP}.never-submitted")
        self.assertEqual([i for _, i, _ in self.pending()], [f"{APP}.job2"])

    def test_cancel_all_removes_only_the_callers_requests(self):
        other = self.scheduler(self.app_bus("org.example.Other"))
        other.Submit("app-refresh", "org.example.Other.refresh",
                     dbus.Dictionary({"EarliestBeginDate": dbus.Int64(usec(3600))}, signature="sv"))
        for i in range(3):
            self.submit("processing", f"{APP}.job{i}", EarliestBeginDate=dbus.Int64(usec(3600)))
        self.sched.CancelAll()
        self.assertEqual(self.pending(), [])
        self.assertEqual([r["App"] for r in self.list_requests()], ["org.example.Other"])

    def test_losing_the_bus_name_ends_the_right_to_act_for_the_app(self):
        self.conn.release_name(APP)
        self.assertDbusError(E + "AccessDenied", "not-an-app", self.submit, "app-refresh", REFRESH)

    def test_continued_processing_runs_at_once_in_the_submitting_process(self):
        ident = f"{APP}.export.7"
        self.conn.release_name(APP)
        self.run_testapp(APP, behavior="serve", identifiers=[ident],
                         extra=["--submit", f"continued-processing:{ident}", "--title", "Exporting"])
        launch = eventually(lambda: self.app_events(APP, "launch"), 5)[0]
        self.assertEqual((launch["identifier"], launch["kind"], launch["info"]["Deadline"]),
                         (ident, "continued-processing", 0))
        run = eventually(lambda: self.history(App=APP), 5)[0]
        self.assertEqual(run["Outcome"], "completed")

    def test_continued_processing_needs_a_handler_in_the_caller(self):
        self.assertDbusError(E + "NotPermitted", "no-handler", self.submit, "continued-processing",
                             f"{APP}.export.8", Title="Export")

    def test_fail_strategy_is_refused_when_the_task_cannot_start_now(self):
        ident = f"{APP}.export.9"
        self.conn.release_name(APP)
        self.run_testapp(APP, behavior="never-complete", identifiers=[ident],
                         extra=["--submit", f"continued-processing:{ident}",
                                "--submit", f"continued-processing:{ident}", "--strategy", "fail",
                                "--idle-exit", "0"])
        error = eventually(lambda: self.app_events(APP, "submit-error"), 5)[0]
        self.assertEqual(error["error"], E + "ImmediateRunIneligible")
        self.assertTrue(error["message"].startswith("cannot-start-now: "), error["message"])

    def restart_with_manifests(self):
        self.stop_bgtaskd()
        self.start_bgtaskd()
        self.sched = self.scheduler(self.conn)   # proxies are bound to the old daemon's unique name


if __name__ == "__main__":
    unittest.main()

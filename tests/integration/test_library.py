# SPDX-License-Identifier: LGPL-2.1-or-later
"""libbgtask against the real bgtaskd on a private bus, through an app on the C++ API
(apps/libapp.cpp) with the library running its own bus thread: every Scheduler call and its
errors, registration rules, asynchronous calls, launch and expiration handlers and the thread
they run on, continued processing with progress. test_library_capi.py runs the same tests through
the C API."""
import os
import unittest

from bgtaskd_testlib import eventually, stays_true, usec
from library_testlib import SOURCE, LibraryTestCase

APP = "org.example.Lib"
REFRESH = f"{APP}.refresh"
REFRESH2 = f"{APP}.refresh2"
SYNC = f"{APP}.sync"
STUDY = f"{APP}.study"
EXPORT = f"{APP}.export"


def contract_has(interface, member):
    """Whether dbus/<interface>.xml (what this bgtaskd implements) declares member."""
    with open(os.path.join(SOURCE, "dbus", f"{interface}.xml")) as f:
        return f'name="{member}"' in f.read()


class LibraryTest(LibraryTestCase):
    loop = "library"
    # A launch handler that fails: C++ handlers throw; C has no exceptions (see test_library_capi).
    failing_handler = "throw"

    def install_apps(self):
        self.install_manifest(APP, [REFRESH, REFRESH2, SYNC, STUDY, f"{EXPORT}.*"]
                              + [f"{APP}.job{i}" for i in range(11)],
                              kinds=("app-refresh", "processing", "health-research", "continued-processing"),
                              entitlements=("health-research",))
        self.install_manifest("org.example.Other", ["org.example.Other.refresh"])

    def app(self, app_id=APP, **kwargs):
        return self.start_app(app_id, loop=self.loop, **kwargs)

    def assertHandlerThread(self, event):
        """Handlers run on the library's own thread (never the app's main thread)."""
        self.assertNotEqual(event["thread"], "main", event)

    # ---- registration ----------------------------------------------------------------------

    def test_register_returns_true_for_permitted_and_false_for_unlisted_identifiers(self):
        app = self.app()
        self.assertTrue(app.ok("register", REFRESH)["registered"])
        self.assertFalse(app.ok("register", f"{APP}.not-listed")["registered"])
        # A refused identifier is not kept: asking again gets the same answer, not "already-registered".
        self.assertFalse(app.ok("register", f"{APP}.not-listed")["registered"])
        self.assertEqual(app.ok("app-id")["appId"], APP)

    def test_registering_an_identifier_twice_is_an_error(self):
        app = self.app()
        app.ok("register", REFRESH)
        self.assertError(app.send("register", REFRESH), "InvalidArgument", "already-registered")
        app.ok("register-continued", f"{EXPORT}.1")
        self.assertError(app.send("register-continued", f"{EXPORT}.1"), "InvalidArgument", "already-registered")
        self.assertError(app.send("register", f"{EXPORT}.1"), "InvalidArgument", "already-registered")

    def test_refresh_and_processing_handlers_must_be_registered_before_launch_finished(self):
        app = self.app()
        app.ok("register", REFRESH)
        self.assertTrue(app.ok("launch-finished")["launchFinished"])
        self.assertError(app.send("register", SYNC), "InvalidArgument", "registration-closed")
        # Apple's exception: continued-processing handlers may come at any time.
        self.assertTrue(app.ok("register-continued", f"{EXPORT}.late")["registered"])
        # The handlers registered in time still work.
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        self.run_now(APP, REFRESH)
        self.assertEqual(self.finished_run(REFRESH)["Outcome"], "completed")

    # ---- errors ------------------------------------------------------------------------------

    def test_submit_errors_carry_apples_code_and_the_schedulers_sub_reason(self):
        app = self.app()
        app.ok("register", REFRESH)
        app.ok("register-continued", f"{EXPORT}.gpu")
        self.assertError(app.send("submit", "app-refresh", f"{APP}.nope"), "NotPermitted", "not-in-manifest", 3)
        self.assertError(app.send("submit", "continued-processing", f"{EXPORT}.gpu", "title=Render", "gpu=1"),
                         "NotPermitted", "entitlement-missing", 3)
        self.assertError(app.send("submit", "continued-processing", f"{EXPORT}.unregistered", "title=x"),
                         "NotPermitted", "no-handler", 3)
        self.assertError(app.send("submit", "continued-processing", f"{EXPORT}.gpu"),
                         "InvalidArgument", "missing-title", 0)
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        self.assertError(app.send("submit", "app-refresh", REFRESH2, "in=3600"),
                         "TooManyPendingTaskRequests", "quota", 2)
        for i in range(10):
            app.ok("submit", "processing", f"{APP}.job{i}", "in=3600")
        self.assertError(app.send("submit", "processing", f"{APP}.job10"), "TooManyPendingTaskRequests", "quota", 2)
        self.assertEqual(len(app.ok("pending")["requests"]), 11, "failed submits change nothing")
        # org.example.Other may use app-refresh only.
        other = self.app("org.example.Other")
        self.assertError(other.send("submit", "processing", "org.example.Other.refresh"),
                         "NotPermitted", "kind-not-permitted", 3)

    def test_a_second_continued_run_with_strategy_fail_is_ineligible_while_the_first_runs(self):
        app = self.app()
        app.ok("register-continued", f"{EXPORT}.one", "hold")
        app.ok("submit", "continued-processing", f"{EXPORT}.one", "title=Export")
        app.wait_event("launch", identifier=f"{EXPORT}.one")
        self.assertError(app.send("submit", "continued-processing", f"{EXPORT}.one", "title=Again", "strategy=fail"),
                         "ImmediateRunIneligible", "cannot-start-now", 4)
        app.ok("complete", f"{EXPORT}.one", "true")
        self.assertEqual(self.finished_run(f"{EXPORT}.one")["Outcome"], "completed")

    def test_errors_the_library_raises_itself(self):
        no_id = self.start_app(loop=self.loop)
        self.assertError(no_id.send("submit", "app-refresh", REFRESH), "Unavailable", "no-application-id", 1)
        self.assertError(no_id.send("register", REFRESH), "Unavailable", "no-application-id", 1)
        app = self.app()
        self.assertError(app.send("app", "org.example.Other"), "InvalidArgument", "application-id-already-set")
        app.ok("app", APP)   # the same id again is fine
        # Only one process can be the app: the second finds the name taken.
        second = self.start_app(loop=self.loop)
        self.assertError(second.send("app", APP), "Unavailable", "name-taken", 1)
        self.assertError(second.send("app", "not a bus name"), "InvalidArgument", "bad-application-id")

    def test_an_app_without_manifest_is_refused_by_the_scheduler(self):
        app = self.app("org.example.Stranger")
        self.assertError(app.send("register", "org.example.Stranger.refresh"), "AccessDenied", "not-an-app", 0)
        self.assertError(app.send("submit", "app-refresh", "org.example.Stranger.refresh"),
                         "AccessDenied", "not-an-app", 0)

    def test_no_scheduler_is_its_own_code_and_reads_as_unavailable_for_apple_code(self):
        app = self.app()
        self.stop_bgtaskd()
        reply = app.send("submit", "app-refresh", REFRESH)
        self.assertError(reply, "NoScheduler", "no-scheduler", 1)
        self.assertError(app.send("pending"), "NoScheduler", "no-scheduler", 1)

    # ---- requests ------------------------------------------------------------------------------

    def test_every_kind_and_option_comes_back_from_pending_requests(self):
        app = self.app()
        when = usec(3600)
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        app.ok("submit", "processing", SYNC, "in=7200", "network=1", "power=1", "battery=1", "network-type=unmetered")
        app.ok("submit", "health-research", STUDY, "protection=complete", "network=1")
        requests = app.ok("pending")["requests"]
        self.assertEqual([(r["kind"], r["identifier"]) for r in requests],
                         [("app-refresh", REFRESH), ("processing", SYNC), ("health-research", STUDY)])
        refresh, sync, study = requests
        self.assertAlmostEqual(refresh["earliest"], when, delta=5_000_000)
        self.assertAlmostEqual(sync["earliest"], when + 3600_000_000, delta=5_000_000)
        self.assertEqual((sync["network"], sync["power"], sync["battery"], sync["networkType"]),
                         (True, True, True, "unmetered"))
        self.assertNotIn("earliest", study)
        self.assertEqual((study["protection"], study["network"], study["power"]), ("complete", True, False))
        # What the app sees is what the scheduler holds.
        listed = self.list_requests()
        self.assertEqual([r["Identifier"] for r in listed], [REFRESH, SYNC, STUDY])
        self.assertEqual(int(listed[0]["EarliestBeginDate"]), refresh["earliest"])

    def test_submitting_the_same_identifier_replaces_the_pending_request(self):
        app = self.app()
        app.ok("submit", "processing", SYNC, "in=3600")
        app.ok("submit", "processing", SYNC, "in=7200", "power=1")
        requests = app.ok("pending")["requests"]
        self.assertEqual(len(requests), 1)
        self.assertTrue(requests[0]["power"])

    def test_cancel_removes_one_request_and_cancel_all_the_rest(self):
        app = self.app()
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        app.ok("submit", "processing", SYNC, "in=3600")
        app.ok("submit", "processing", f"{APP}.job1", "in=3600")
        app.ok("cancel", SYNC)
        app.ok("cancel", f"{APP}.never-submitted")   # Apple: not an error
        self.assertEqual([r["identifier"] for r in app.ok("pending")["requests"]], [REFRESH, f"{APP}.job1"])
        app.ok("cancel-all")
        self.assertEqual(app.ok("pending")["requests"], [])
        self.assertEqual(self.list_requests(), [])

    def test_asynchronous_calls_complete_on_the_handler_thread(self):
        app = self.app()
        app.ok("submit-async", "app-refresh", REFRESH, "in=3600")
        done = app.wait_event("submit-done", identifier=REFRESH)
        self.assertTrue(done["ok"], done)
        self.assertHandlerThread(done)
        app.ok("submit-async", "app-refresh", f"{APP}.nope")
        failed = app.wait_event("submit-done", identifier=f"{APP}.nope")
        self.assertEqual((failed["ok"], failed["code"], failed["subReason"], failed["appleCode"]),
                         (False, "NotPermitted", "not-in-manifest", 3))
        app.ok("pending-async")
        pending = app.wait_event("pending-done")
        self.assertEqual([r["identifier"] for r in pending["requests"]], [REFRESH])
        app.ok("submit", "processing", SYNC, "in=3600")
        app.ok("cancel-async", REFRESH)
        self.assertTrue(app.wait_event("cancel-done")["ok"])
        self.assertEqual([r["Identifier"] for r in self.list_requests()], [SYNC])
        app.ok("cancel-all-async")
        self.assertTrue(app.wait_event("cancel-all-done")["ok"])
        self.assertEqual(self.list_requests(), [])
        threads = {e["thread"] for e in app.events() if e["event"].endswith("-done")}
        self.assertEqual(len(threads), 1, f"completions ran on several threads: {threads}")

    def test_resources_and_refresh_status_are_the_daemons_answers(self):
        # Each question is answered by bgtaskd (no caching in the library): supported resources
        # follow the machine's render nodes and the app's gpu entitlement, the refresh status
        # follows the user's policy.
        mon = self.monitor("GetSupportedResources", "GetBackgroundRefreshStatus")
        app = self.app()
        state = self.manager().Get("org.bgtaskd.Manager1", "SystemState",
                                   dbus_interface="org.freedesktop.DBus.Properties")
        entitled = "gpu" in [str(e) for a in self.manager().ListApps() if a["App"] == APP for e in a["Entitlements"]]
        expected = ["gpu"] if entitled and bool(state.get("GpuAvailable", False)) else []
        for _ in range(2):
            self.assertEqual(app.ok("resources")["resources"], expected)
            self.assertEqual(app.ok("refresh-status")["status"], "available")
        self.manager().SetPolicy(APP, "refresh", False)
        self.assertEqual(app.ok("refresh-status")["status"], "denied")
        eventually(lambda: mon.calls("GetSupportedResources") == 2 and mon.calls("GetBackgroundRefreshStatus") == 3,
                   5, message=f"not asked each time: {mon.lines}")

    def test_the_refresh_status_handler_hears_each_change_of_the_apps_status_once(self):
        app = self.app()
        app.ok("watch-refresh-status")
        manager = self.manager()
        manager.SetPolicy(APP, "continued", False)     # not a refresh change
        manager.SetPolicy(APP, "refresh", False)
        self.assertEqual(app.wait_event("refresh-status-changed")["status"], "denied")
        manager.SetPolicy("", "refresh", False)        # still denied
        manager.SetPolicy(APP, "refresh", True)        # still denied: every app is off
        manager.SetPolicy("", "refresh", True)         # available again
        eventually(lambda: len(app.events("refresh-status-changed")) == 2, 5)
        stays_true(lambda: [e["status"] for e in app.events("refresh-status-changed")] == ["denied", "available"],
                   0.5, message=f"{app.events('refresh-status-changed')}")

    # ---- launches ------------------------------------------------------------------------------

    def test_launch_and_expiration_handlers_run_on_the_library_thread_and_get_the_reason(self):
        app = self.app()
        app.ok("register", REFRESH, "hold")
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        self.run_now(APP, REFRESH)
        launch = app.wait_event("launch", identifier=REFRESH)
        self.assertHandlerThread(launch)
        self.assertEqual((launch["kind"], launch["simulated"], launch["hasDeadline"], launch["isContinuedTask"]),
                         ("app-refresh", True, True, False))
        # AppRefreshTimeLimit is 2 s in these tests.
        expire = app.wait_event("expire", identifier=REFRESH, timeout=10)
        self.assertEqual((expire["reason"], expire["code"]), ("time-limit", "time-limit"))
        self.assertEqual(expire["thread"], launch["thread"], "one handler thread")
        run = self.finished_run(REFRESH)
        self.assertEqual((run["Outcome"], run["Reason"]), ("expired", "time-limit"))

    def test_bgtaskctl_expire_reaches_the_expiration_handler_with_its_reason(self):
        app = self.app()
        app.ok("register", SYNC, "hold")
        app.ok("register-continued", f"{EXPORT}.long", "hold")
        app.ok("submit", "processing", SYNC, "in=3600")
        self.run_now(APP, SYNC)
        app.wait_event("launch", identifier=SYNC)
        self.ctl("expire", APP, SYNC)
        expire = app.wait_event("expire", identifier=SYNC)
        self.assertEqual((expire["reason"], expire["code"]), ("simulated", "simulated"))
        self.assertHandlerThread(expire)
        run = self.finished_run(SYNC)
        self.assertEqual((run["Outcome"], run["Reason"]), ("expired", "simulated"))
        # A continued task has no time limit; expiring it is what the desktop's Cancel does.
        app.ok("submit", "continued-processing", f"{EXPORT}.long", "title=Long")
        app.wait_event("launch", identifier=f"{EXPORT}.long")
        self.ctl("expire", APP, f"{EXPORT}.long")
        self.assertEqual(app.wait_event("expire", identifier=f"{EXPORT}.long")["reason"], "simulated")
        self.assertEqual(self.finished_run(f"{EXPORT}.long")["Outcome"], "expired")

    def test_a_task_completed_from_a_worker_thread_or_inside_its_handler_is_recorded(self):
        app = self.app()
        app.ok("register", REFRESH, "complete")
        app.ok("register", SYNC, "complete-in-handler")
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        app.ok("submit", "processing", SYNC, "in=3600")
        self.run_now(APP, REFRESH)
        self.run_now(APP, SYNC)
        self.assertEqual(self.finished_run(REFRESH)["Outcome"], "completed")
        self.assertEqual(self.finished_run(SYNC)["Outcome"], "completed")
        self.assertEqual(self.list_running(), [])

    def test_a_handler_may_submit_its_next_request_before_completing(self):
        app = self.app()
        app.ok("register", REFRESH, "resubmit")
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        self.run_now(APP, REFRESH)
        self.assertEqual(self.finished_run(REFRESH)["Outcome"], "completed")
        self.assertEqual([r["identifier"] for r in app.ok("pending")["requests"]], [REFRESH])

    # ---- checkpoints -------------------------------------------------------------------------

    def launch_now(self, app, identifier, count):
        app.ok("submit", "processing", identifier, "in=3600")
        self.run_now(APP, identifier)
        eventually(lambda: len(app.events("launch", identifier=identifier)) >= count, 10,
                   message=f"launch {count} of {identifier} did not come")
        # The app records the launch just before it keeps the task: wait for the new one.
        eventually(lambda: app.send("task", identifier).get("completed") is False, 10)

    def runs_of(self, identifier, count):
        return eventually(lambda: (lambda runs: runs if len(runs) >= count else None)(
            self.history(Identifier=identifier)), 10, message=f"no {count} finished runs of {identifier}")

    def test_a_checkpoint_reaches_the_next_launch_until_a_success_clears_it(self):
        app = self.app()
        app.ok("register", SYNC, "hold")
        self.launch_now(app, SYNC, 1)
        self.assertEqual(app.ok("checkpoint", SYNC)["checkpoint"], "")
        app.ok("save-checkpoint", SYNC, "7061676520330066")   # "page 3\0f": bytes, not text
        self.assertEqual(app.ok("checkpoint", SYNC)["checkpoint"], "7061676520330066")
        self.assertError(app.send("save-checkpoint", SYNC, "ab", str(64 * 1024 + 1)),
                         "InvalidArgument", "checkpoint-too-large")
        self.assertEqual(app.ok("checkpoint", SYNC)["checkpoint"], "7061676520330066")
        app.ok("complete", SYNC, "false")
        self.assertEqual(str(self.runs_of(SYNC, 1)[0]["Outcome"]), "failed")
        self.assertError(app.send("save-checkpoint", SYNC, "00"), "NotFound", "task-completed")

        self.launch_now(app, SYNC, 2)
        self.assertEqual(app.ok("checkpoint", SYNC)["checkpoint"], "7061676520330066")
        app.ok("complete", SYNC, "true")
        self.assertEqual(str(self.runs_of(SYNC, 2)[0]["Outcome"]), "completed")
        self.launch_now(app, SYNC, 3)
        self.assertEqual(app.ok("checkpoint", SYNC)["checkpoint"], "")
        app.ok("complete", SYNC, "true")

    # ---- periodic work and retries ---------------------------------------------------------

    def schedule_of(self, identifier):
        return next((s for s in self.manager().ListSchedules() if s["Identifier"] == identifier), None)

    def pending_of(self, identifier):
        return [r for r in self.list_requests() if r["Identifier"] == identifier]

    def test_periodic_work_is_submitted_again_after_its_run_though_the_app_does_not(self):
        app = self.app()
        app.ok("register", REFRESH, "complete")
        app.ok("schedule-periodic", "app-refresh", REFRESH, "in=3600", "interval=7200", "flex=600",
               "backoff=20", "max-backoff=600")
        [first] = self.pending_of(REFRESH)
        self.assertEqual(int(first["Options"]["RepeatInterval"]), 7200 * 10**6)
        self.run_now(APP, REFRESH)
        run = self.finished_run(REFRESH)
        self.assertEqual(run["Outcome"], "completed")
        [request] = eventually(lambda: self.pending_of(REFRESH))
        self.assertEqual(int(request["EarliestBeginDate"]), int(run["EndedAt"]) + (7200 - 600) * 10**6)
        schedule = request["Schedule"]
        self.assertEqual((str(schedule["Source"]), int(schedule["Flex"]), int(schedule["BackoffDelay"]),
                          int(schedule["MaxBackoffDelay"])), ("app", 600 * 10**6, 20 * 10**6, 600 * 10**6))
        self.assertEqual([r["identifier"] for r in app.ok("pending")["requests"]], [REFRESH])
        # Declaring it again at the next start keeps its clock; cancel ends it.
        app.ok("schedule-periodic", "app-refresh", REFRESH, "interval=7200", "flex=600")
        self.assertEqual(int(self.pending_of(REFRESH)[0]["EarliestBeginDate"]), int(request["EarliestBeginDate"]))
        app.ok("cancel", REFRESH)
        self.assertEqual(self.pending_of(REFRESH), [])
        self.assertIsNone(self.schedule_of(REFRESH))

    def test_periodic_work_backs_off_after_a_failed_run(self):
        app = self.app()
        app.ok("register", f"{APP}.job1", "fail")
        app.ok("schedule-periodic", "processing", f"{APP}.job1", "in=3600", "interval=86400", "backoff=20")
        self.run_now(APP, f"{APP}.job1")
        run = self.finished_run(f"{APP}.job1")
        self.assertEqual(run["Outcome"], "failed")
        [request] = eventually(lambda: self.pending_of(f"{APP}.job1"))
        delay = int(request["EarliestBeginDate"]) - int(run["EndedAt"])
        self.assertTrue(10 * 10**6 <= delay <= 20 * 10**6, delay)
        self.assertEqual(int(request["Schedule"]["Failures"]), 1)
        self.assertEqual(int(request["Schedule"]["MaxBackoffDelay"]), 5 * 3600 * 10**6)   # the default

    def test_work_submitted_with_retry_is_retried_after_a_failure_and_done_after_a_success(self):
        app = self.app()
        app.ok("register", f"{APP}.job2", "fail")
        app.ok("register", f"{APP}.job3", "complete")
        for ident in (f"{APP}.job2", f"{APP}.job3"):
            app.ok("submit-retry", "processing", ident, "in=3600", "backoff=30", "max-backoff=60")
            self.run_now(APP, ident)
        failed = self.finished_run(f"{APP}.job2")
        [retry] = eventually(lambda: self.pending_of(f"{APP}.job2"))
        delay = int(retry["EarliestBeginDate"]) - int(failed["EndedAt"])
        self.assertTrue(15 * 10**6 <= delay <= 30 * 10**6, delay)
        self.assertEqual(int(retry["Schedule"]["Interval"]), 0)
        self.assertEqual(self.finished_run(f"{APP}.job3")["Outcome"], "completed")
        eventually(lambda: self.schedule_of(f"{APP}.job3") is None)
        self.assertEqual(self.pending_of(f"{APP}.job3"), [])

    def test_periodic_work_out_of_bounds_is_refused(self):
        app = self.app()
        self.assertError(app.send("schedule-periodic", "app-refresh", REFRESH, "interval=30"),
                         "InvalidArgument", "out-of-range")
        self.assertError(app.send("schedule-periodic", "app-refresh", REFRESH, "interval=600", "flex=600"),
                         "InvalidArgument", "out-of-range")
        self.assertError(app.send("submit-retry", "app-refresh", REFRESH, "backoff=5"), "InvalidArgument",
                         "out-of-range")
        self.assertError(app.send("schedule-periodic", "continued-processing", f"{EXPORT}.1", "title=Export",
                                  "interval=600"), "InvalidArgument", "option-not-applicable")
        self.assertEqual(self.pending_of(REFRESH), [])

    def test_failures_in_the_app_complete_the_task_as_failed_or_expired(self):
        app = self.app()
        app.ok("register", REFRESH, self.failing_handler)
        app.ok("register", SYNC, "hold-no-expiration-handler")
        app.ok("register", f"{APP}.job1", "fail")
        for kind, ident in (("app-refresh", REFRESH), ("processing", SYNC), ("processing", f"{APP}.job1")):
            app.ok("submit", kind, ident, "in=3600")
            self.run_now(APP, ident)
        self.assertEqual(self.finished_run(REFRESH)["Outcome"], "failed")
        self.assertEqual(self.finished_run(f"{APP}.job1")["Outcome"], "failed")
        # No expiration handler: the library answers Expire with no-expiration-handler and bgtaskd
        # ends the task as failed at once, Apple's completed-unsuccessful (ProcessingTimeLimit 4 s).
        run = self.finished_run(SYNC, timeout=15)
        self.assertEqual((run["Outcome"], run["Reason"]), ("failed", "no-expiration-handler: time-limit"))

    def test_continued_processing_runs_in_the_submitting_process_with_title_and_progress(self):
        mon = self.monitor("UpdateProgress", "UpdateTitle")
        app = self.app()
        ident = f"{EXPORT}.42"
        app.ok("register-continued", ident, "export:400")
        app.ok("submit", "continued-processing", ident, "title=Export photos", "subtitle=3 albums")
        launch = app.wait_event("launch", identifier=ident)
        self.assertHandlerThread(launch)
        self.assertEqual((launch["kind"], launch["isContinuedTask"], launch["title"], launch["subtitle"]),
                         ("continued-processing", True, "Export photos", "3 albums"))
        done = app.wait_event("export-done", identifier=ident, timeout=20)
        self.assertEqual((done["completedUnits"], done["totalUnits"], done["finished"]), (400, 400, True))
        self.assertEqual((done["title"], done["subtitle"]), ("Exporting", "half way"))
        run = self.finished_run(ident)
        self.assertEqual((run["Outcome"], run["Kind"]), ("completed", "continued-processing"))
        # 400 updates in about half a second, coalesced to at most one call per 250 ms (plus the
        # last word before completion). This bgtaskd has no UpdateProgress yet: the library learns
        # that from the first call and sends nothing more.
        updates = mon.calls("UpdateProgress")
        self.assertGreaterEqual(updates, 1)
        self.assertLessEqual(updates, done["ms"] // 250 + 2, mon.lines)
        if not contract_has("org.bgtaskd.Task1", "UpdateProgress"):
            self.assertEqual(updates, 1, "asked again after UnknownMethod")
            self.assertEqual(mon.calls("UpdateTitle"), 1)

    def test_completing_a_continued_task_in_its_handler_right_after_progress_does_not_stall(self):
        # The progress flusher sends from its own thread while the handler thread completes the
        # task, which first sends the pending progress: neither may wait for the other.
        app = self.app()
        for i in range(3):
            ident = f"{EXPORT}.quick{i}"
            app.ok("register-continued", ident, "progress-and-complete-in-handler")
            app.ok("submit", "continued-processing", ident, "title=Quick")
            run = self.finished_run(ident)
            self.assertEqual(run["Outcome"], "completed")
            self.assertLess((run["EndedAt"] - run["StartedAt"]) / 1e6, 2.0, run)

    def test_a_continued_task_reaches_a_handler_registered_with_register_task_as_its_full_type(self):
        app = self.app()
        ident = f"{EXPORT}.generic"
        app.ok("register", ident, "hold")
        app.ok("submit", "continued-processing", ident, "title=Generic")
        launch = app.wait_event("launch", identifier=ident)
        self.assertTrue(launch["isContinuedTask"])
        app.ok("progress", ident, "3", "10")
        app.ok("title", ident, "Still going", "3 of 10")
        task = app.ok("task", ident)
        self.assertEqual((task["completedUnits"], task["totalUnits"], task["title"], task["subtitle"]),
                         (3, 10, "Still going", "3 of 10"))
        self.assertAlmostEqual(task["fraction"], 0.3)
        app.ok("complete", ident, "false")
        self.assertEqual(self.finished_run(ident)["Outcome"], "failed")
        self.assertTrue(app.ok("task", ident)["completed"])

    def test_a_launch_of_another_kind_for_a_continued_handler_is_refused(self):
        app = self.app()
        app.ok("register-continued", REFRESH, "complete")
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        self.run_now(APP, REFRESH)
        run = self.finished_run(REFRESH)
        self.assertEqual(run["Outcome"], "launch-failed")
        self.assertIn("kind-mismatch", run["Reason"])
        self.assertEqual(app.events("launch"), [])



if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""Schedules with the real bgtaskd: a manifest's [Schedule] group has its request at start, runs,
is submitted again an interval after the run and is still exactly one after a restart and after
kill -9; a failing run backs off as documented and the failure count survives a restart; cancel
skips an occurrence of a manifest schedule and ends an app's own; a reload replaces or drops a
schedule; an app's periodic request (RepeatInterval over D-Bus) goes on without the app; and
list, explain and apps show schedules."""
import json
import os
import signal
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, eventually, stays_true, usec

APP = "org.example.Nightly"
NIGHTLY = "org.example.Nightly.sync"
FAILING = "org.example.Failing"
RETRY = "org.example.Failing.upload"
SLOW = "org.example.Slow"
SLOW_ID = "org.example.Slow.sync"
OWN = "org.example.Own"
OWN_ID = "org.example.Own.refresh"

HOUR = 3600 * 1_000_000
MINUTE = 60 * 1_000_000


def schedule_group(identifier, body):
    return f"[Schedule {identifier}]\nKind=app-refresh\n{body}"


class ScheduleTestCase(DaemonTestCase):
    def requests_of(self, identifier):
        return [r for r in self.list_requests() if r["Identifier"] == identifier]

    def running_of(self, identifier):
        return [t for t in self.list_running() if t["Identifier"] == identifier]

    def schedules(self):
        return {str(s["Identifier"]): s for s in self.manager().ListSchedules()}

    def finished_runs(self, app):
        return self.history(App=app)

    def as_app(self, app):
        """A connection acting for the app, once the activated test app (which exits when idle)
        has let its name go."""
        eventually(lambda: not self.name_has_owner(app), 15)
        return self.app_bus(app)

    def restart(self, sig=signal.SIGTERM):
        if sig == signal.SIGKILL:
            os.kill(self.daemon.pid, signal.SIGKILL)
            self.daemon.wait()
        self.stop_bgtaskd()
        self.start_bgtaskd()


class ManifestScheduleTest(ScheduleTestCase):
    def install_apps(self):
        self.install_activatable_testapp(APP, [NIGHTLY], manifest_extra=schedule_group(NIGHTLY, "Interval=12h\n"))
        self.install_activatable_testapp(
            FAILING, [RETRY], behavior="fail",
            manifest_extra=schedule_group(RETRY, "Interval=1h\nBackoffDelay=1min\n"))

    def completed_once(self):
        runs = eventually(lambda: [r for r in self.finished_runs(APP) if r["Outcome"] == "completed"], 15)
        # The next request exists once the run's end is committed.
        [request] = eventually(lambda: self.requests_of(NIGHTLY), 5)
        return runs[0], request

    def test_the_request_exists_at_start_runs_and_is_submitted_again_an_interval_after_the_run(self):
        run, request = self.completed_once()
        self.assertEqual(int(request["EarliestBeginDate"]), int(run["EndedAt"]) + 12 * HOUR)
        schedule = request["Schedule"]
        self.assertEqual(str(schedule["Source"]), "manifest")
        self.assertEqual(int(schedule["Interval"]), 12 * HOUR)
        self.assertEqual(int(schedule["LastSuccess"]), int(run["EndedAt"]))
        self.assertEqual(int(schedule["Failures"]), 0)
        self.assertEqual(int(request["Options"]["RepeatInterval"]), 12 * HOUR)
        self.assertEqual([e["identifier"] for e in self.app_events(APP, "launch")], [NIGHTLY])

    def test_after_a_restart_and_after_kill_9_there_is_still_exactly_one_request(self):
        _, before = self.completed_once()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            self.restart(sig)
            [after] = self.requests_of(NIGHTLY)
            self.assertEqual(int(after["EarliestBeginDate"]), int(before["EarliestBeginDate"]), sig)
            self.assertEqual(self.running_of(NIGHTLY), [])
            self.assertEqual(len(self.finished_runs(APP)), 1)

    def test_a_failing_run_backs_off_as_documented_and_the_count_survives_a_restart(self):
        def failures():
            s = self.schedules().get(RETRY)
            return s is not None and not s["Running"] and int(s["NextRunNotBefore"]) and int(s["Failures"])

        self.assertEqual(eventually(failures, 15), 1)
        [run] = self.finished_runs(FAILING)
        self.assertEqual(run["Outcome"], "failed")
        [request] = self.requests_of(RETRY)
        delay = int(request["EarliestBeginDate"]) - int(run["EndedAt"])
        self.assertTrue(30 * 1_000_000 <= delay <= MINUTE, delay)   # half to all of 1 min

        self.ctl("run", FAILING, RETRY)
        self.assertEqual(eventually(lambda: failures() == 2 and 2, 15), 2)
        newest = self.finished_runs(FAILING)[0]
        [request] = self.requests_of(RETRY)
        delay = int(request["EarliestBeginDate"]) - int(newest["EndedAt"])
        self.assertTrue(MINUTE <= delay <= 2 * MINUTE, delay)   # half to all of 2 min

        for sig in (signal.SIGTERM, signal.SIGKILL):
            self.restart(sig)
            schedule = self.schedules()[RETRY]
            self.assertEqual(int(schedule["Failures"]), 2)
            self.assertEqual(int(schedule["LastRunEnd"]), int(newest["EndedAt"]))
            self.assertEqual(int(schedule["LastSuccess"]), 0)
            [after] = self.requests_of(RETRY)
            self.assertEqual(int(after["EarliestBeginDate"]), int(request["EarliestBeginDate"]))

    def test_cancel_skips_one_occurrence_of_a_manifest_schedule(self):
        self.completed_once()
        before = usec(0)
        self.ctl("cancel", APP, NIGHTLY)
        after = usec(0)
        [request] = self.requests_of(NIGHTLY)
        due = int(request["EarliestBeginDate"])
        self.assertTrue(before + 12 * HOUR <= due <= after + 12 * HOUR, due)
        schedule = request["Schedule"]
        self.assertEqual(int(schedule["Failures"]), 0)
        self.assertTrue(before <= int(schedule["PeriodStart"]) <= after)
        # The app itself can neither submit nor cancel it away.
        conn = self.as_app(APP)
        self.assertDbusError("org.bgtaskd.Error.NotPermitted", "scheduled-in-manifest",
                             self.scheduler(conn).Submit, "app-refresh", NIGHTLY, dbus.Dictionary({}, signature="sv"))
        self.scheduler(conn).Cancel(NIGHTLY)
        self.assertEqual(len(self.requests_of(NIGHTLY)), 1)
        self.scheduler(conn).CancelAll()
        self.assertEqual(len(self.requests_of(NIGHTLY)), 1)

    def test_a_reload_replaces_a_changed_schedule_and_drops_a_removed_one(self):
        run, _ = self.completed_once()
        path = os.path.join(self.apps_dir, f"{APP}.conf")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("Interval=12h", "Interval=1d\nRequiresExternalPower=true"))
        self.daemon.send_signal(signal.SIGHUP)
        [request] = eventually(lambda: [r for r in self.requests_of(NIGHTLY)
                                        if int(r["Options"]["RepeatInterval"]) == 24 * HOUR], 10)
        self.assertTrue(bool(request["Options"]["RequiresExternalPower"]))
        self.assertEqual(int(request["EarliestBeginDate"]), int(run["EndedAt"]) + 24 * HOUR)

        with open(path, "w") as f:
            f.write(text.split("[Schedule")[0])
        self.daemon.send_signal(signal.SIGHUP)
        eventually(lambda: not self.requests_of(NIGHTLY), 10)
        self.assertNotIn(NIGHTLY, self.schedules())
        self.restart()
        self.assertEqual(self.requests_of(NIGHTLY), [])

    def test_list_explain_and_apps_show_schedules(self):
        run, _ = self.completed_once()
        listing = self.ctl("list").stdout
        self.assertIn("Schedules:", listing)
        line = next(line for line in listing.splitlines() if NIGHTLY in line and "every 12 h" in line)
        self.assertIn("manifest", line)
        doc = json.loads(self.ctl("--json", "list").stdout)
        schedule = next(s for s in doc["schedules"] if s["identifier"] == NIGHTLY)
        self.assertEqual((schedule["source"], schedule["intervalUsec"]), ("manifest", 12 * HOUR))
        request = next(r for r in doc["requests"] if r["identifier"] == NIGHTLY)
        self.assertEqual(request["schedule"]["failures"], 0)

        text = self.ctl("explain", APP, NIGHTLY).stdout
        self.assertIn("scheduled every 12 h (from the app's manifest)", text)
        self.assertIn("next run: not before ", text)
        self.assertIn("12 h after the last success at ", text)
        explained = json.loads(self.ctl("--json", "explain", APP, NIGHTLY).stdout)
        self.assertEqual(explained["schedule"]["lastSuccess"] is not None, True)

        failing = eventually(lambda: "failures: " in self.ctl("explain", FAILING, RETRY).stdout
                             and self.ctl("explain", FAILING, RETRY).stdout, 15)
        self.assertIn("retrying with backoff (1 min, doubling up to 5 h)", failing)
        self.assertIn("a retry after the failed run at ", failing)

        apps = self.ctl("apps").stdout
        self.assertIn(f"{NIGHTLY} every 12 h", apps)
        app = next(a for a in json.loads(self.ctl("--json", "apps").stdout)["apps"] if a["app"] == APP)
        self.assertEqual([s["identifier"] for s in app["schedules"]], [NIGHTLY])


class RunningScheduleTest(ScheduleTestCase):
    def install_apps(self):
        self.install_activatable_testapp(SLOW, [SLOW_ID], behavior="never-complete", extra=["--idle-exit", "0"],
                                         manifest_extra=schedule_group(SLOW_ID, "Interval=12h\n"))

    def test_a_run_interrupted_by_kill_9_comes_back_once_and_runs_again(self):
        eventually(lambda: [t for t in self.running_of(SLOW_ID) if t["State"] == "running"], 15)
        self.assertEqual(self.requests_of(SLOW_ID), [])
        self.restart(signal.SIGKILL)
        runs = self.finished_runs(SLOW)
        self.assertEqual((runs[0]["Outcome"], runs[0]["Reason"]), ("interrupted", "daemon-restart"))
        eventually(lambda: len(self.app_events(SLOW, "launch")) >= 2, 15)
        stays_true(lambda: len(self.requests_of(SLOW_ID)) + len(self.running_of(SLOW_ID)) == 1, 1.0)
        self.assertEqual(self.schedules()[SLOW_ID]["Failures"], 0)


class AppPeriodicTest(ScheduleTestCase):
    def install_apps(self):
        self.install_activatable_testapp(OWN, [OWN_ID])

    def submit(self, **options):
        conn = self.as_app(OWN)
        try:
            self.scheduler(conn).Submit("app-refresh", OWN_ID, dbus.Dictionary(options, signature="sv"))
        finally:
            conn.release_name(OWN)

    def test_a_periodic_request_is_submitted_again_after_its_run_without_the_app(self):
        self.submit(RepeatInterval=dbus.Int64(MINUTE), BackoffDelay=dbus.Int64(20 * 1_000_000))
        run = eventually(lambda: [r for r in self.finished_runs(OWN) if r["Outcome"] == "completed"], 15)[0]
        [request] = eventually(lambda: self.requests_of(OWN_ID), 5)
        self.assertEqual(int(request["EarliestBeginDate"]), int(run["EndedAt"]) + MINUTE)
        self.assertEqual(str(request["Schedule"]["Source"]), "app")
        self.assertEqual(int(request["Schedule"]["BackoffDelay"]), 20 * 1_000_000)
        # (The test app never submits anything itself: the request is bgtaskd's.)
        self.restart(signal.SIGKILL)
        self.assertEqual(len(self.requests_of(OWN_ID)), 1)

        # Declared again (as an app does at each start): the clock is kept.
        self.submit(RepeatInterval=dbus.Int64(MINUTE))
        [again] = self.requests_of(OWN_ID)
        self.assertEqual(int(again["EarliestBeginDate"]), int(run["EndedAt"]) + MINUTE)

        # Cancel ends it for good.
        conn = self.as_app(OWN)
        self.scheduler(conn).Cancel(OWN_ID)
        self.assertEqual(self.requests_of(OWN_ID), [])
        self.assertNotIn(OWN_ID, self.schedules())

    def test_a_retried_request_is_done_after_a_successful_run(self):
        self.submit(BackoffDelay=dbus.Int64(MINUTE))
        self.assertEqual(str(self.schedules()[OWN_ID]["Source"]), "app")
        eventually(lambda: [r for r in self.finished_runs(OWN) if r["Outcome"] == "completed"], 15)
        eventually(lambda: OWN_ID not in self.schedules(), 5)
        self.assertEqual(self.requests_of(OWN_ID), [])

    def test_schedule_options_out_of_bounds_are_refused(self):
        cases = [
            ({"RepeatInterval": dbus.Int64(30 * 1_000_000)}, "out-of-range"),
            ({"RepeatInterval": dbus.Int64(HOUR), "Flex": dbus.Int64(HOUR)}, "out-of-range"),
            ({"RepeatInterval": dbus.Int64(HOUR), "BackoffDelay": dbus.Int64(1_000_000)}, "out-of-range"),
            ({"Flex": dbus.Int64(MINUTE)}, "option-not-applicable"),
            ({"MaxBackoffDelay": dbus.Int64(HOUR)}, "option-not-applicable"),
            # The smallest int64 is what "unset" is in the daemon's compact request; it must be
            # refused as negative, not taken for an unset option.
            ({"RepeatInterval": dbus.Int64(-(1 << 63))}, "out-of-range"),
            ({"RepeatInterval": dbus.Int64(HOUR), "Flex": dbus.Int64(-(1 << 63))}, "out-of-range"),
            ({"BackoffDelay": dbus.Int64(-(1 << 63))}, "out-of-range"),
        ]
        for options, sub_reason in cases:
            with self.subTest(options=options):
                self.assertDbusError("org.bgtaskd.Error.InvalidArgument", sub_reason, self.submit, **options)
        self.assertDbusError("org.bgtaskd.Error.InvalidArgument", "wrong-type", self.submit,
                             RepeatInterval=dbus.String("1h"))
        self.assertEqual(self.requests_of(OWN_ID), [])
        self.assertEqual(self.schedules(), {})


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""Continued processing through the real bgtaskd: the system-wide queue (strategy queue and
fail), progress published as Task1 properties and in a desktop notification (python-dbusmock's
notification_daemon on the private session bus), the stall timeout, the user's Cancel action,
one notification per identifier across resubmits, and what happens when the app's process
goes away."""
import os
import signal
import subprocess
import unittest

import dbus

from bgtaskd_testlib import (FAST_LIMITS, NO_FAIRNESS, PYTHON, TASK, DaemonTestCase, eventually,
                             stays_true)

APP = "org.example.Export"
JOB1 = f"{APP}.job.1"
JOB2 = f"{APP}.job.2"
NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
MOCK = "org.freedesktop.DBus.Mock"
PROPS = "org.freedesktop.DBus.Properties"


class ContinuedTestCase(DaemonTestCase):
    limits = dict(FAST_LIMITS, StallTimeout="2")
    fairness = dict(NO_FAIRNESS, MaxConcurrentContinued="1")

    def install_apps(self):
        self.install_manifest(APP, [f"{APP}.job.*"], kinds=("continued-processing",))
        self.start_notification_daemon()

    def start_notification_daemon(self):
        env = dict(self.env, DBUS_SESSION_BUS_ADDRESS=self.bus_daemon.address)
        env.pop("LD_PRELOAD", None)
        proc = subprocess.Popen([PYTHON, "-m", "dbusmock", "--session", "--template", "notification_daemon",
                                 "-l", os.path.join(self.tmp, "notifications.log")],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self._stop_proc, proc)
        eventually(lambda: self.name_has_owner(NOTIFICATIONS), 15, message="notification mock did not start")

    # ---- helpers ------------------------------------------------------------------------
    def start_app(self, behavior, submit=(), extra=()):
        args = ["--idle-exit", "0", "--title", "Export", "--subtitle", "Photos", *extra]
        for identifier in submit:
            args += ["--submit", f"continued-processing:{identifier}"]
        proc = self.run_testapp(APP, behavior, [JOB1, JOB2], args)
        for identifier in submit:
            eventually(lambda: [e for e in self.app_events(APP) if e.get("identifier") == identifier
                                and e["event"] in ("submitted", "submit-error")], 10)
        return proc

    def control(self):
        unique = self.app_events(APP, "ready")[-1]["unique_name"]
        return dbus.Interface(self.bus.get_object(unique, "/Test"), "org.bgtaskd.Test")

    def submit(self, identifier, title="Export", **options):
        opts = dbus.Dictionary({"Title": title, **options}, signature="sv")
        return str(self.control().Submit("continued-processing", identifier, opts))

    def launches(self, identifier=None):
        return [e for e in self.app_events(APP, "launch") if identifier is None or e["identifier"] == identifier]

    def mock(self):
        return dbus.Interface(self.bus.get_object(NOTIFICATIONS, NOTIFICATIONS_PATH), MOCK)

    def calls(self, method):
        return [list(args) for _, args in self.mock().GetMethodCalls(method)]

    def notify_calls(self):
        """(replaces_id, summary, body, actions, hints) of every Notify call."""
        return [(int(a[1]), str(a[3]), str(a[4]), [str(x) for x in a[5]], {str(k): v for k, v in a[6].items()})
                for a in self.calls("Notify")]

    def closed_ids(self):
        return [int(a[0]) for a in self.calls("CloseNotification")]

    def run_of(self, identifier):
        runs = self.history(App=APP, Identifier=identifier)
        return runs[0] if runs else None


class ProgressTest(ContinuedTestCase):
    def test_progress_is_published_as_properties_and_in_one_notification_closed_at_the_end(self):
        self.start_app("progress", submit=[JOB1], extra=["--progress", "1/4,2/4,3/4,4/4"])
        launch = eventually(lambda: self.launches(JOB1), 10)[0]
        self.assertEqual((launch["kind"], launch["info"]["Title"], launch["info"]["Subtitle"]),
                         ("continued-processing", "Export", "Photos"))
        self.assertEqual(launch["info"]["Deadline"], 0, "continued processing has no time limit")
        run = eventually(lambda: self.run_of(JOB1), 15)
        self.assertEqual(run["Outcome"], "completed", run)

        # Task1 properties: every step arrived as PropertiesChanged on the task object.
        changes = [e["changed"] for e in self.app_events(APP, "properties") if e["task"] == launch["task"]]
        completed = [c["CompletedUnitCount"] for c in changes if "CompletedUnitCount" in c]
        self.assertEqual(completed, [1, 2, 3, 4], changes)
        self.assertIn(4, [c["TotalUnitCount"] for c in changes if "TotalUnitCount" in c])
        self.assertTrue(all("StallDeadline" in c for c in changes if "CompletedUnitCount" in c),
                        "advancing progress moves the stall deadline")

        # The notification: created once, then replaced in place with the fraction, closed at the end.
        notes = self.notify_calls()
        self.assertEqual([n[0] for n in notes].count(0), 1, notes)
        note_id = next(n[0] for n in notes if n[0] != 0)
        self.assertTrue(all(n[0] in (0, note_id) for n in notes), notes)
        self.assertEqual(notes[0][1], "Export")
        self.assertTrue(notes[0][2].startswith("Photos"), notes[0])
        self.assertIn("cancel", notes[0][3])
        self.assertEqual(str(notes[0][4]["desktop-entry"]), APP)
        values = [int(n[4]["value"]) for n in notes if "value" in n[4]]
        self.assertEqual(values, [25, 50, 75, 100], notes)
        eventually(lambda: note_id in self.closed_ids(), 5, message="the notification was not closed")

    def test_a_task_object_shows_progress_and_refuses_bad_values(self):
        self.start_app("complete-on-expire", submit=[JOB1])
        launch = eventually(lambda: self.launches(JOB1), 10)[0]
        task = self.bus.get_object("org.bgtaskd", launch["task"])
        props = eventually(lambda: task.GetAll(TASK, dbus_interface=PROPS), 5)
        self.assertEqual((str(props["Title"]), str(props["Subtitle"])), ("Export", "Photos"))
        self.assertEqual((int(props["CompletedUnitCount"]), int(props["TotalUnitCount"])), (0, 0))
        self.assertGreater(int(props["StallDeadline"]), 0)
        # The app changes its title; bad values are typed errors and change nothing.
        self.assertEqual(str(self.control().UpdateTitle(launch["task"], "Export done soon", "3 left")), "ok")
        eventually(lambda: str(task.Get(TASK, "Title", dbus_interface=PROPS)) == "Export done soon", 5)
        self.assertEqual(str(task.Get(TASK, "Subtitle", dbus_interface=PROPS)), "3 left")
        eventually(lambda: [n for n in self.notify_calls() if n[1] == "Export done soon" and n[2] == "3 left"], 5)
        answer = str(self.control().UpdateTitle(launch["task"], "", "no title"))
        self.assertTrue(answer.startswith("org.bgtaskd.Error.InvalidArgument: missing-title: "), answer)
        answer = str(self.control().UpdateTitle(launch["task"], "x" * 257, ""))
        self.assertTrue(answer.startswith("org.bgtaskd.Error.InvalidArgument: out-of-range: "), answer)
        for completed, total in ((5, 2), (-1, 4), (1, -4)):
            answer = str(self.control().UpdateProgress(launch["task"], completed, total))
            self.assertTrue(answer.startswith("org.bgtaskd.Error.InvalidArgument: out-of-range: "), answer)
        self.assertEqual((int(task.Get(TASK, "CompletedUnitCount", dbus_interface=PROPS)),
                          str(task.Get(TASK, "Title", dbus_interface=PROPS))), (0, "Export done soon"))
        # Only the connection the task was handed to may report its progress.
        self.assertDbusError("org.bgtaskd.Error.AccessDenied", "not-task-owner",
                             task.UpdateProgress, dbus.Int64(1), dbus.Int64(2), dbus_interface=TASK)
        self.assertEqual(self.run_of(JOB1), None, "a refused update does not end the task")


class StallTest(ContinuedTestCase):
    def test_a_task_without_progress_is_expired_as_stalled(self):
        self.start_app("complete-on-expire", submit=[JOB1])
        launch = eventually(lambda: self.launches(JOB1), 10)[0]
        expire = eventually(lambda: self.app_events(APP, "expire"), 10)[0]
        self.assertEqual(expire["reason"], "stalled")
        self.assertGreaterEqual(expire["time"] - launch["time"], 1.8)
        run = eventually(lambda: self.run_of(JOB1), 10)
        self.assertEqual((run["Outcome"], run["Reason"]), ("expired", "stalled"))

    def test_a_task_that_keeps_progressing_runs_past_the_stall_timeout(self):
        steps = ",".join(f"{i}/10" for i in range(1, 11))   # 10 steps, 0.5 s apart: 5 s > 2 s
        self.start_app("progress", submit=[JOB1], extra=["--progress", steps, "--progress-interval", "0.5"])
        run = eventually(lambda: self.run_of(JOB1), 20)
        self.assertEqual(run["Outcome"], "completed", run)
        self.assertGreaterEqual(int(run["EndedAt"]) - int(run["StartedAt"]), 4_500_000)
        self.assertEqual(self.app_events(APP, "expire"), [])


class CancelTest(ContinuedTestCase):
    def test_cancel_in_the_notification_expires_the_task_as_user_cancelled(self):
        self.start_app("complete-on-expire", submit=[JOB1], extra=["--progress", ""])
        eventually(lambda: self.launches(JOB1), 10)
        note_id = eventually(lambda: [n for n in self.notify_calls()], 5)[0]
        # The mock numbers notifications from 1; ours was the first.
        self.mock().EmitSignal(NOTIFICATIONS, "ActionInvoked", "us", [dbus.UInt32(1), "cancel"])
        expire = eventually(lambda: self.app_events(APP, "expire"), 10)[0]
        self.assertEqual(expire["reason"], "user-cancelled")
        run = eventually(lambda: self.run_of(JOB1), 10)
        self.assertEqual((run["Outcome"], run["Reason"]), ("expired", "user-cancelled"))
        eventually(lambda: 1 in self.closed_ids(), 5, message=f"notification not closed: {note_id}")

    def test_cancel_in_a_waiting_requests_notification_drops_the_request(self):
        self.start_app("complete-on-expire", submit=[JOB1])
        eventually(lambda: self.launches(JOB1), 10)
        self.assertEqual(self.submit(JOB2, title="Second"), "ok")
        eventually(lambda: [n for n in self.notify_calls() if n[1] == "Second"], 5)
        self.mock().EmitSignal(NOTIFICATIONS, "ActionInvoked", "us", [dbus.UInt32(2), "cancel"])
        eventually(lambda: self.list_requests() == [], 5, message="the waiting request was kept")
        eventually(lambda: 2 in self.closed_ids(), 5, message="its notification was not closed")
        self.assertEqual(self.app_events(APP, "expire"), [], "the running task is not touched")

    def test_a_foreign_action_or_another_notification_changes_nothing(self):
        self.start_app("complete-on-expire", submit=[JOB1])
        eventually(lambda: self.launches(JOB1), 10)
        eventually(lambda: self.notify_calls(), 5)
        self.mock().EmitSignal(NOTIFICATIONS, "ActionInvoked", "us", [dbus.UInt32(1), "default"])
        self.mock().EmitSignal(NOTIFICATIONS, "ActionInvoked", "us", [dbus.UInt32(77), "cancel"])
        stays_true(lambda: not self.app_events(APP, "expire"), 1.0)


class CrashTest(ContinuedTestCase):
    def test_notifications_left_on_screen_by_kill_9_are_closed_at_the_next_start(self):
        """Issue 11, defect 8: the ids are kept in the store and closed at start."""
        self.start_app("complete-on-expire", submit=[JOB1], extra=["--progress", ""])
        eventually(lambda: self.launches(JOB1), 10)
        self.assertEqual(self.submit(JOB2, title="Second"), "ok")   # waits: one at a time
        eventually(lambda: len(self.notify_calls()) >= 2, 5)
        # The mock hands out ids 1 and 2. The daemon has them once it replaces each in place:
        # a progress update of the running task, a resubmit of the waiting one.
        task = self.launches(JOB1)[0]["task"]
        self.assertEqual(self.control().UpdateProgress(task, 1, 4), "ok")
        self.assertEqual(self.submit(JOB2, title="Second again"), "ok")
        eventually(lambda: {1, 2} <= {n[0] for n in self.notify_calls()}, 5,
                   message=f"not replaced in place: {self.notify_calls()}")
        self.assertEqual(self.closed_ids(), [])

        self.stop_bgtaskd(signal.SIGKILL)
        self.assertEqual(self.closed_ids(), [], "nothing closes them on kill -9")
        self.start_bgtaskd()

        eventually(lambda: {1, 2} <= set(self.closed_ids()), 10,
                   message=f"notifications left on screen: closed {self.closed_ids()}")
        self.assertIn("notification(s) the previous run of bgtaskd left on screen", self.daemon_log())
        # Forgotten once closed: a second restart closes nothing more of them.
        closed = self.closed_ids()
        self.stop_bgtaskd(signal.SIGKILL)
        self.start_bgtaskd()
        stays_true(lambda: [i for i in self.closed_ids() if i in (1, 2)] == [i for i in closed if i in (1, 2)], 1.0,
                   message=f"closed again: {self.closed_ids()}")


class QueueTest(ContinuedTestCase):
    def test_a_full_limit_queues_or_refuses_by_strategy(self):
        self.start_app("complete-on-expire", submit=[JOB1], extra=["--progress", ""])
        eventually(lambda: self.launches(JOB1), 10)
        answer = self.submit(JOB2, Strategy="fail")
        self.assertTrue(answer.startswith("org.bgtaskd.Error.ImmediateRunIneligible: cannot-start-now: "), answer)
        self.assertEqual(self.list_requests(), [], "a refused request is not kept")
        self.assertEqual(self.submit(JOB2, title="Second", Strategy="queue"), "ok")
        waiting = eventually(lambda: self.list_requests(), 5)[0]
        self.assertTrue(str(waiting["Waiting"]).startswith("continued-queue: "), waiting)
        blockers = self.manager().Explain(APP, JOB2)["Blockers"]
        self.assertEqual([str(b[0]) for b in blockers], ["continued-queue"])
        stays_true(lambda: not self.launches(JOB2), 0.5, message="the queued task started above the limit")
        self.manager().Expire(APP, JOB1)   # frees the slot (the app completes on expire)
        eventually(lambda: self.launches(JOB2), 10)
        self.assertEqual(str(self.run_of(JOB1)["Outcome"]), "expired")

    def test_resubmitting_a_queued_identifier_replaces_its_notification(self):
        self.start_app("complete-on-expire", submit=[JOB1], extra=["--progress", ""])
        eventually(lambda: self.launches(JOB1), 10)
        self.assertEqual(self.submit(JOB2, title="Second"), "ok")
        queued = eventually(lambda: [n for n in self.notify_calls() if n[1] == "Second"], 5)[0]
        self.assertIn("Waiting", queued[2])
        self.assertEqual(self.submit(JOB2, title="Second again"), "ok")
        again = eventually(lambda: [n for n in self.notify_calls() if n[1] == "Second again"], 5)[0]
        self.assertNotEqual(again[0], 0, "a resubmit must replace, not add, a notification")
        self.assertEqual([n[0] for n in self.notify_calls()].count(0), 2, self.notify_calls())

    def test_the_apps_process_going_away_drops_its_queue_and_cancels_its_running_task(self):
        proc = self.start_app("complete-on-expire", submit=[JOB1], extra=["--progress", ""])
        eventually(lambda: self.launches(JOB1), 10)
        self.assertEqual(self.submit(JOB2, title="Second"), "ok")
        eventually(lambda: self.list_requests(), 5)
        eventually(lambda: len(self.notify_calls()) >= 2, 5)
        proc.kill()
        run = eventually(lambda: self.run_of(JOB1), 10)
        self.assertEqual(run["Outcome"], "cancelled", run)
        eventually(lambda: self.list_requests() == [], 5, message="the queued request was kept")
        stays_true(lambda: not self.run_of(JOB2), 0.5, message="the dropped request ran")
        eventually(lambda: sorted(self.closed_ids()) == [1, 2], 5,
                   message=f"notifications left open: {self.closed_ids()}")

    def test_continued_processing_is_refused_without_a_handler_or_outside_the_manifest(self):
        self.start_app("serve")
        answer = self.submit(f"{APP}.other")
        self.assertTrue(answer.startswith("org.bgtaskd.Error.NotPermitted: not-in-manifest: "), answer)
        self.assertEqual([str(x) for x in self.control().Register([f"{APP}.job.77"])], [])
        self.assertEqual(self.submit(f"{APP}.job.77"), "ok")
        eventually(lambda: self.launches(f"{APP}.job.77"), 10)
        answer = self.submit(f"{APP}.job.78")
        self.assertTrue(answer.startswith("org.bgtaskd.Error.NotPermitted: no-handler: "), answer)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""Launching through the real bgtaskd and a real dbus-daemon: D-Bus activation, Launch,
SetTaskCompleted, the time limit with Expire, grace and termination, and every kind of launch
failure, each recorded in the history with its reason."""
import os
import time
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, eventually, process_gone, stays_true, usec

APP = "org.example.Worker"
ID = "org.example.Worker.refresh"


class LaunchTest(DaemonTestCase):
    behavior = "complete"

    def install_apps(self):
        self.install_activatable_testapp(APP, [ID], behavior=self.behavior)

    def submit_as_app(self, app_id=APP, identifier=ID, kind="app-refresh", delay=None):
        conn = self.app_bus(app_id)
        options = {} if delay is None else {"EarliestBeginDate": dbus.Int64(usec(delay))}
        self.scheduler(conn).Submit(kind, identifier, dbus.Dictionary(options, signature="sv"))
        conn.release_name(app_id)   # the "app" quits; bgtaskd must start it again
        return conn

    def last_run(self, **filters):
        runs = self.history(**filters)
        return runs[0] if runs else None

    def test_activation_launches_the_app_at_its_earliest_begin_date_and_records_completion(self):
        submitted = time.time()
        self.submit_as_app(delay=1.5)
        self.assertEqual(self.app_events(APP), [])
        stays_true(lambda: not self.app_events(APP, "launch"), 1.0, message="launched before its date")
        launch = eventually(lambda: self.app_events(APP, "launch"), 10)[0]
        self.assertGreaterEqual(launch["time"], submitted + 1.5)
        self.assertLess(launch["time"], submitted + 4.0)
        self.assertEqual((launch["identifier"], launch["kind"]), (ID, "app-refresh"))
        run = eventually(lambda: self.last_run(App=APP), 10)
        self.assertEqual((run["Outcome"], run["Identifier"], bool(run["Simulated"])), ("completed", ID, False))
        # SetTaskCompleted was answered (not left without a reply or failed).
        self.assertEqual(len(eventually(lambda: self.app_events(APP, "completed"), 5)), 1)
        self.assertEqual(self.app_events(APP, "complete-error"), [])
        self.assertEqual(self.list_requests(), [], "a launched request is consumed")

    def test_an_app_that_quits_while_its_request_falls_due_is_activated_again(self):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit("app-refresh", ID, dbus.Dictionary({}, signature="sv"))
        # The name is still held (by a process that will never register) when the run starts.
        eventually(lambda: self.list_running(), 5)
        time.sleep(0.5)
        conn.release_name(APP)
        run = eventually(lambda: self.last_run(App=APP), 10)
        self.assertEqual(run["Outcome"], "completed")
        self.assertIn("activating it again", self.daemon_log())

    def test_a_running_task_is_listed_with_its_deadline_and_task_object(self):
        self.install_activatable_testapp(APP, [ID], behavior="complete", extra=["--work-seconds", "1.5"])
        self.submit_as_app()
        running = eventually(lambda: [r for r in self.list_running() if r["State"] == "running"], 10)[0]
        self.assertEqual((running["App"], running["Identifier"], running["Kind"]), (APP, ID, "app-refresh"))
        self.assertTrue(running["LaunchedByDaemon"])
        task = self.bus.get_object("org.bgtaskd", running["Task"])
        props = task.GetAll("org.bgtaskd.Task1", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertEqual(str(props["Identifier"]), ID)
        self.assertEqual(int(props["Deadline"]), int(running["Deadline"]))
        # Stamped when the app was found, after the start: the 2 s limit, plus however long that took.
        self.assertGreaterEqual(int(props["Deadline"]) - int(running["StartedAt"]), 2_000_000)
        self.assertLess(int(props["Deadline"]) - int(running["StartedAt"]), 2_000_000 + 5_000_000)
        eventually(lambda: self.last_run(App=APP), 10)
        eventually(lambda: self.list_running() == [], 5)

    def test_only_the_launched_connection_may_complete_the_task(self):
        self.install_activatable_testapp(APP, [ID], behavior="complete", extra=["--work-seconds", "1.5"])
        self.submit_as_app()
        running = eventually(lambda: [r for r in self.list_running() if r["State"] == "running"], 10)[0]
        task = self.bus.get_object("org.bgtaskd", running["Task"])
        self.assertDbusError("org.bgtaskd.Error.AccessDenied", "not-task-owner",
                             task.SetTaskCompleted, True, dbus_interface="org.bgtaskd.Task1")
        self.assertEqual(eventually(lambda: self.last_run(App=APP), 10)["Outcome"], "completed")

    def test_run_now_launches_a_future_request_as_a_simulation(self):
        self.submit_as_app(delay=3600)
        self.manager().RunNow(APP, ID)
        run = eventually(lambda: self.last_run(App=APP), 10)
        self.assertEqual(run["Outcome"], "completed")
        self.assertTrue(run["Simulated"])
        self.assertTrue(self.app_events(APP, "launch")[0]["info"]["Simulated"])

    def test_run_now_of_an_unknown_request_is_not_found(self):
        self.assertDbusError("org.bgtaskd.Error.NotFound", "no-such-request", self.manager().RunNow, APP, ID)

    def test_manager_cancel_removes_a_pending_request(self):
        self.submit_as_app(delay=3600)
        self.manager().Cancel(APP, ID)
        self.assertEqual(self.list_requests(), [])
        self.assertDbusError("org.bgtaskd.Error.NotFound", "no-such-request", self.manager().Cancel, APP, ID)

    def test_app_reporting_failure_is_recorded_as_failed(self):
        self.install_activatable_testapp(APP, [ID], behavior="fail")
        self.submit_as_app()
        self.assertEqual(eventually(lambda: self.last_run(App=APP), 10)["Outcome"], "failed")

    def test_app_that_never_completes_is_expired_then_terminated(self):
        self.install_activatable_testapp(APP, [ID], behavior="never-complete")
        self.submit_as_app()
        expire = eventually(lambda: self.app_events(APP, "expire"), 10)[0]
        self.assertEqual(expire["reason"], "time-limit")
        launch = self.app_events(APP, "launch")[0]
        # The deadline is the 2 s limit after the app was found, so at most 2 s after the app
        # received Launch, and the expiration never comes before it (bounds that hold under load).
        deadline = launch["info"]["Deadline"] / 1e6
        self.assertLessEqual(deadline - launch["time"], 2.0 + 0.01, launch)
        self.assertGreaterEqual(expire["time"], deadline - 0.01, (expire, launch))
        run = eventually(lambda: self.last_run(App=APP), 10)
        self.assertEqual((run["Outcome"], run["Reason"]), ("terminated", "time-limit"))
        pid = launch["pid"]
        eventually(lambda: process_gone(pid), 10,
                   message="the app bgtaskd launched was not terminated")

    def test_app_that_completes_after_expire_is_recorded_as_expired_with_the_reason(self):
        self.install_activatable_testapp(APP, [ID], behavior="complete-on-expire")
        self.submit_as_app()
        run = eventually(lambda: self.last_run(App=APP), 10)
        self.assertEqual((run["Outcome"], run["Reason"]), ("expired", "time-limit"))

    def test_a_task_in_an_app_bgtaskd_did_not_start_is_expired_but_not_killed(self):
        proc = self.run_testapp(APP, behavior="never-complete", identifiers=[ID],
                                extra=["--idle-exit", "0", "--submit", f"app-refresh:{ID}"])
        launch = eventually(lambda: self.app_events(APP, "launch"), 10)[0]
        self.assertFalse(launch["info"]["Simulated"])
        run = eventually(lambda: self.last_run(App=APP), 12)
        self.assertEqual(run["Outcome"], "terminated")
        self.assertIn("not started by bgtaskd", run["Reason"])
        self.assertEqual([e["reason"] for e in self.app_events(APP, "expire")], ["time-limit"])
        self.assertIsNone(proc.poll(), "a process the user started must not be killed")

    def unreachable_blocker(self, app_id, identifier):
        for r in self.list_requests():
            if r["App"] == app_id and r["Identifier"] == identifier:
                reason = str(r.get("Waiting", ""))
                return reason if reason.startswith("app-unreachable: ") else None
        return None

    def test_a_not_activatable_app_keeps_its_request_until_it_registers(self):
        # Issue 11, defect 1: a launch that cannot reach the app never consumes the request.
        ghost, ghost_id = "org.example.Ghost", "org.example.Ghost.refresh"
        self.install_manifest(ghost, [ghost_id])
        self.restart()
        self.submit_as_app(ghost, ghost_id)
        reason = eventually(lambda: self.unreachable_blocker(ghost, ghost_id), 10)
        self.assertIn("not-activatable: ", reason)
        self.assertIn("ServiceUnknown", reason)
        self.assertEqual(self.history(App=ghost), [], "an attempt that reached nothing is no run")
        explained = self.ctl("explain", ghost, ghost_id).stdout
        self.assertIn("app-unreachable", explained)
        # It survives a restart, and is launched when the app starts and registers.
        self.restart()
        eventually(lambda: self.unreachable_blocker(ghost, ghost_id), 10)
        self.run_testapp(ghost, behavior="complete", identifiers=[ghost_id], extra=["--idle-exit", "0"])
        run = eventually(lambda: self.last_run(App=ghost), 10)
        self.assertEqual(run["Outcome"], "completed")
        self.assertEqual(self.list_requests(), [])

    def test_a_running_app_that_has_not_registered_keeps_its_request(self):
        # The app was started by hand (not by bgtaskd) and has not registered the identifier:
        # the launch window ends without reaching it, and the request waits for it.
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit("app-refresh", ID, dbus.Dictionary({}, signature="sv"))
        reason = eventually(lambda: self.unreachable_blocker(APP, ID), 12)
        self.assertIn("not-registered: ", reason)
        self.assertEqual(self.history(App=APP), [])
        conn.release_name(APP)
        self.run_testapp(APP, behavior="complete", identifiers=[ID], extra=["--idle-exit", "0"])
        self.assertEqual(eventually(lambda: self.last_run(App=APP), 10)["Outcome"], "completed")

    def control(self, app_id, pid=None):
        ready = [e for e in self.app_events(app_id, "ready") if pid is None or e["pid"] == pid][-1]
        return dbus.Interface(self.bus.get_object(ready["unique_name"], "/Test"), "org.bgtaskd.Test")

    def test_a_connection_that_released_the_name_gets_no_launch_and_cannot_act(self):
        # Issue 11, defect 2: an app acts only while it owns its name.
        self.install_activatable_testapp(APP, [ID], behavior="complete")
        old = self.app_bus(APP)
        self.scheduler(old).Register([ID])
        old.release_name(APP)
        self.assertDbusError("org.bgtaskd.Error.AccessDenied", "not-an-app", self.scheduler(old).Register, [ID])
        self.assertDbusError("org.bgtaskd.Error.AccessDenied", "not-an-app", self.scheduler(old).Submit,
                             "app-refresh", ID, dbus.Dictionary({}, signature="sv"))
        # A process that registered and then let its name go is sent no Launch: the task goes
        # to the app activated for it.
        proc = self.run_testapp(APP, behavior="never-complete", identifiers=[ID], extra=["--idle-exit", "0"])
        self.assertEqual(self.control(APP, proc.pid).ReleaseName(APP), "ok")
        self.submit_as_app()
        self.assertEqual(eventually(lambda: self.last_run(App=APP), 10)["Outcome"], "completed")
        launches = self.app_events(APP, "launch")
        self.assertEqual(len(launches), 1)
        self.assertNotEqual(launches[0]["pid"], proc.pid, "Launch reached a connection without the name")

    def test_a_task_holder_that_releases_its_name_cannot_complete_the_task(self):
        proc = self.run_testapp(APP, behavior="never-complete", identifiers=[ID],
                                extra=["--idle-exit", "0", "--submit", f"app-refresh:{ID}"])
        task = eventually(lambda: self.app_events(APP, "launch"), 10)[0]["task"]
        control = self.control(APP, proc.pid)
        self.assertEqual(control.ReleaseName(APP), "ok")
        answer = control.Complete(task, True)
        self.assertTrue(answer.startswith("org.bgtaskd.Error.NotPermitted: name-not-owned: "), answer)
        self.assertEqual(self.list_running()[0]["State"] in ("running", "expiring"), True)
        # Owning its name again, it may.
        self.assertEqual(control.RequestName(APP), "ok")
        self.assertEqual(control.Complete(task, True), "ok")
        run = eventually(lambda: self.last_run(App=APP), 10)
        self.assertIn(run["Outcome"], ("completed", "expired"))   # expired if the 2 s limit passed meanwhile

    def test_exec_is_used_when_bus_activation_is_unavailable(self):
        cmd = self.app_command("org.example.Execd", "complete", ["org.example.Execd.refresh"])
        self.install_manifest("org.example.Execd", ["org.example.Execd.refresh"], exec_line=" ".join(cmd))
        self.restart()
        self.submit_as_app("org.example.Execd", "org.example.Execd.refresh")
        run = eventually(lambda: self.last_run(App="org.example.Execd"), 10)
        self.assertEqual(run["Outcome"], "completed")
        self.assertIn("Exec command", self.daemon_log())

    def test_app_that_never_registers_is_a_launch_failure_after_the_launch_window_and_is_stopped(self):
        self.install_activatable_testapp(APP, [ID], behavior="no-register", extra=["--idle-exit", "0"])
        self.submit_as_app()
        run = eventually(lambda: self.last_run(App=APP), 12)
        self.assertEqual(run["Outcome"], "launch-failed")
        self.assertTrue(run["Reason"].startswith("never-registered: "), run["Reason"])
        # Issue 11, defect 7: bgtaskd started it, so it does not leave it running.
        pid = self.app_events(APP, "ready")[0]["pid"]
        eventually(lambda: process_gone(pid), 10,
                   message="the activated app that never registered was left running")

    def test_no_sigkill_warning_for_an_app_that_exited_on_sigterm_but_is_not_reaped_yet(self):
        # Issue 11, defect 10: the app's parent never reaps it, so after SIGTERM it is a zombie
        # when the kill delay ends. It did exit: no SIGKILL, and no warning that it would not.
        self.install_activatable_testapp(APP, [ID], behavior="never-complete",
                                         extra=["--unreaped-child", "--idle-exit", "0"])
        self.submit_as_app()
        run = eventually(lambda: self.last_run(App=APP), 15)
        self.assertEqual((run["Outcome"], run["Reason"]), ("terminated", "time-limit"))
        pid = self.app_events(APP, "ready")[0]["pid"]
        eventually(lambda: _state(pid) == "Z", 10, message="the app did not exit on SIGTERM")
        eventually(lambda: f"Pid {pid} exited after SIGTERM" in self.daemon_log()
                   or "did not exit after SIGTERM" in self.daemon_log(), 10)
        self.assertNotIn("did not exit after SIGTERM", self.daemon_log())

    def test_an_exec_started_app_gets_sigterm_and_is_reaped(self):
        app_id, identifier = "org.example.Execd", "org.example.Execd.refresh"
        cmd = self.app_command(app_id, "never-complete", [identifier], ["--idle-exit", "0"])
        self.install_manifest(app_id, [identifier], exec_line=" ".join(cmd))
        self.restart()
        self.submit_as_app(app_id, identifier)
        run = eventually(lambda: self.last_run(App=app_id), 15)
        self.assertEqual((run["Outcome"], run["Reason"]), ("terminated", "time-limit"))
        ready = self.app_events(app_id, "ready")[0]
        self.assertEqual(int(ready["sigblk"], 16), 0, "the Exec command inherited bgtaskd's blocked signals")
        self.assertEqual(ready["sid"], ready["pid"], "the Exec command runs in its own session")
        # bgtaskd is its parent: it reaps it, so not even a zombie stays in /proc.
        eventually(lambda: not os.path.exists(f"/proc/{ready['pid']}"), 10,
                   message="the Exec-started app was not terminated and reaped")
        self.assertIn("started by bgtaskd", self.daemon_log())

    def test_a_user_started_app_is_never_marked_launched_after_an_exec_fallback(self):
        # The Exec command runs but never takes the app's name; the user starts the app by hand.
        app_id, identifier = "org.example.Execd", "org.example.Execd.refresh"
        self.install_manifest(app_id, [identifier], exec_line="/bin/sleep 30")
        # The user's app must register within the launch window, also on a loaded machine.
        self.limits = dict(self.limits, LaunchWindow="30")
        self.write_config()
        self.restart()
        self.submit_as_app(app_id, identifier)
        eventually(lambda: "with its Exec command" in self.daemon_log(), 10)
        proc = self.run_testapp(app_id, behavior="never-complete", identifiers=[identifier],
                                extra=["--idle-exit", "0"])
        running = eventually(lambda: [r for r in self.list_running() if r["State"] == "running"], 10)[0]
        self.assertFalse(running["LaunchedByDaemon"])
        run = eventually(lambda: self.last_run(App=app_id), 15)
        self.assertEqual(run["Outcome"], "terminated")
        self.assertIn("not started by bgtaskd", run["Reason"])
        self.assertIsNone(proc.poll(), "a process the user started must not be killed")

    def test_an_app_that_dies_at_start_is_activated_again_once_not_in_a_loop(self):
        self.install_activatable_testapp(APP, [ID], behavior="exit-at-start")
        self.submit_as_app()
        run = eventually(lambda: self.last_run(App=APP), 15)
        self.assertEqual(run["Outcome"], "launch-failed")
        self.assertLessEqual(len(self.app_events(APP, "exit")), 2, "restarted in a loop")

    def test_app_refusing_launch_is_a_launch_failure(self):
        self.install_activatable_testapp(APP, [ID], behavior="refuse-launch")
        self.submit_as_app()
        run = eventually(lambda: self.last_run(App=APP), 10)
        self.assertEqual(run["Outcome"], "launch-failed")
        self.assertIn("org.example.Error.Refused", run["Reason"])

    def test_app_crashing_during_its_task_is_recorded_as_app_exited(self):
        self.install_activatable_testapp(APP, [ID], behavior="crash-on-launch")
        self.submit_as_app()
        run = eventually(lambda: self.last_run(App=APP), 10)
        self.assertEqual(run["Outcome"], "app-exited")
        self.assertIn("connection-closed", run["Reason"])

    def test_history_filters_by_app_and_identifier(self):
        self.submit_as_app()
        eventually(lambda: self.last_run(App=APP), 10)
        self.assertEqual(self.history(App="org.example.Nobody"), [])
        self.assertEqual(len(self.history(Identifier=ID)), 1)
        self.assertDbusError("org.bgtaskd.Error.InvalidArgument", "unknown-option", self.manager().GetHistory,
                             dbus.Dictionary({"Colour": "red"}, signature="sv"))

    def restart(self):
        self.stop_bgtaskd()
        self.start_bgtaskd()


def _state(pid):
    """The process's state letter from /proc/<pid>/stat (R, S, Z, ...), None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0]
    except FileNotFoundError:
        return None


if __name__ == "__main__":
    unittest.main()

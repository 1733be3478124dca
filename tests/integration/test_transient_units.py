# SPDX-License-Identifier: LGPL-2.1-or-later
"""Exec= apps in transient units (issue 10, item 4): where the service manager of bgtaskd's bus
answers, the real bgtaskd starts an Exec= app with StartTransientUnit instead of spawning it,
counts only a connection whose process is in that unit as launched, stops it with StopUnit
(never a signal of its own) and records the unit's accounting and systemd's result.

The service manager is python-dbusmock's systemd template with systemd_transient_mock.py loaded
into it: it really runs ExecStart, samples the process's CPU time and peak memory into the unit's
properties, answers GetUnit/GetUnitByPID and sends SIGTERM on StopUnit. Without a systemd1 on
the bus the spawner fallback applies (test_launch.py, test_sysbus_exec.py)."""
import json
import os
import signal
import time
import unittest

import dbus

from bgtaskd_testlib import (BUS_NAME, FAST_LIMITS, OBJECT_PATH, PYTHON, SCHEDULER, DaemonTestCase, PrivateBus,
                             ServiceManagerBus, eventually)

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEMD = "org.freedesktop.systemd1"
SYSTEMD_PATH = "/org/freedesktop/systemd1"
MANAGER_IFACE = "org.freedesktop.systemd1.Manager"
MOCK = "org.freedesktop.DBus.Mock"

APP = "org.example.Indexer"
REFRESH = f"{APP}.refresh"

# Loads the mock's source with `mock` bound to the manager object, then routes the manager's
# methods to it.
LOAD = "ns = {'mock': self}; exec(args[0], ns); self.transient = ns"
OVERRIDES = (
    ("StartTransientUnit", "ssa(sv)a(sa(sv))", "o", "ret = self.transient['start'](*args)"),
    ("StopUnit", "ss", "o", "ret = self.transient['stop'](*args)"),
    ("GetUnit", "s", "o", "ret = self.transient['get_unit'](*args)"),
    ("GetUnitByPID", "u", "o", "ret = self.transient['get_unit_by_pid'](*args)"),
)


def kill_through(pidfd):
    """SIGKILL through a pidfd: the process it was opened on or none, never a recycled pid."""
    try:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    except ProcessLookupError:
        pass


class TransientUnitTestCase(ServiceManagerBus, DaemonTestCase):
    limits = dict(FAST_LIMITS, LaunchWindow="20")   # a Python app must register in time under load
    start_daemon = False

    def prepare_environment(self):
        os.chmod(self.tmp, 0o755)             # apps run as User= reach their events and the bus
        os.chmod(self.events_dir, 0o777)
        self.system_bus_daemon = PrivateBus(os.path.join(self.tmp, "sysbus"), self.env, "system")
        self.env["DBUS_SYSTEM_BUS_ADDRESS"] = self.system_bus_daemon.address
        self.addCleanup(self.system_bus_daemon.stop)

    def setUp(self):
        super().setUp()
        self.start_systemd()
        self.start_bgtaskd(["--system"] if self.system_instance else [])

    def start_systemd(self):
        self.start_systemd_mock(os.path.join(self.tmp, "systemd-calls.log"))
        manager = self.bus.get_object(SYSTEMD, SYSTEMD_PATH)
        manager.AddMethod(MOCK, "LoadTransient", "s", "", LOAD, dbus_interface=MOCK)
        manager.AddMethod(MOCK, "Transient", "", "s", "ret = self.transient['report']()", dbus_interface=MOCK)
        manager.AddMethod(MOCK, "Refuse", "ss", "", "self.transient['refused'][args[0]] = args[1]",
                          dbus_interface=MOCK)
        with open(os.path.join(HERE, "systemd_transient_mock.py")) as f:
            manager.LoadTransient(f.read(), dbus_interface=MOCK)
        for name, in_sig, out_sig, code in OVERRIDES:
            manager.AddMethod(MANAGER_IFACE, name, in_sig, out_sig, code, dbus_interface=MOCK)

    def units(self):
        """What the service manager was asked to run: unit name → pid, properties, stops, active."""
        return json.loads(str(self.bus.get_object(SYSTEMD, SYSTEMD_PATH).Transient(dbus_interface=MOCK)))

    def install_exec_app(self, behavior="complete", extra=(), exec_line=None, manifest_extra=""):
        cmd = self.app_command(APP, behavior, [REFRESH], ["--idle-exit", "0", *extra])
        if self.system_instance:
            cmd.append("--system")
        self.install_manifest(APP, [REFRESH], exec_line=exec_line or " ".join(cmd), extra=manifest_extra)
        self.stop_bgtaskd()
        self.start_bgtaskd(["--system"] if self.system_instance else [])

    def submit(self, options=None):
        conn = dbus.bus.BusConnection(self.system_bus_daemon.address if self.system_instance
                                      else self.bus_daemon.address)
        try:
            conn.request_name(APP, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
            dbus.Interface(conn.get_object(BUS_NAME, OBJECT_PATH), SCHEDULER).Submit(
                "app-refresh", REFRESH, dbus.Dictionary(options or {}, signature="sv"))
            conn.release_name(APP)
        finally:
            conn.close()

    def manager_calls(self, method, unit):
        with open(os.path.join(self.tmp, "systemd-calls.log")) as f:
            return [line for line in f if f" {method} " in f" {line} " and unit in line]

    def last_run(self):
        runs = self.history(App=APP, Identifier=REFRESH)
        return runs[0] if runs else None

    def the_unit(self):
        [(name, unit)] = eventually(lambda: list(self.units().items()), 15,
                                    message="StartTransientUnit was never called")
        return name, unit


class UserInstanceTransientUnitTest(TransientUnitTestCase):
    def test_an_exec_app_runs_in_a_transient_unit_and_its_accounting_lands_in_the_history(self):
        self.install_exec_app("complete")
        self.submit()
        run = eventually(self.last_run, 30, message="the run never ended")
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("completed", ""), run)
        name, unit = self.the_unit()
        self.assertTrue(name.startswith(f"bgtask-{APP}-") and name.endswith(".service"), name)
        self.assertEqual(unit["mode"], "fail")
        props = unit["properties"]
        self.assertEqual(props["ExecStart"][0][0], PYTHON)
        self.assertEqual(props["ExecStart"][0][1][:2], [PYTHON, os.path.join(HERE, "apps", "testapp.py")])
        self.assertEqual((props["Type"], props["CollectMode"], props["KillMode"]),
                         ("exec", "inactive-or-failed", "mixed"), props)
        self.assertEqual(props["TimeoutStopUSec"], 1_000_000)      # the configured KillDelay
        self.assertNotIn("User", props)                              # the manifest names none
        # The app in the unit is the one bgtaskd started: it ran the task.
        self.assertEqual(len(self.app_events(APP, "launch")), 1)
        [ready] = self.app_events(APP, "ready")
        self.assertEqual(ready["pid"], unit["pid"])
        self.assertIn(f"(pid {unit['pid']}) runs in {name}, which bgtaskd started for {APP}", self.daemon_log())
        # Telling the app's process is in the unit took GetUnitByPID alone: the unit's path was
        # known from following it (one GetUnit, the follower's).
        self.assertTrue(self.manager_calls("GetUnitByPID", ""))
        self.assertEqual(len(self.manager_calls("GetUnit", name)), 1, self.manager_calls("GetUnit", ""))
        # What the unit used by the time the app completed: the CPU time and peak memory of a
        # Python interpreter that loaded dbus and GLib (not zero, not "[not set]").
        self.assertGreater(int(run["CPUUsageNSec"]), 0, run)
        self.assertGreater(int(run["MemoryPeak"]), 1 << 20, run)
        self.assertNotIn("IOReadBytes", run)                         # the manager has no IO accounting
        self.assertNotIn("EndCause", run)
        out = json.loads(self.ctl("--json", "history", "--app", APP).stdout)
        [entry] = out["runs"]
        self.assertEqual((entry["cpuNsec"], entry["memoryPeakBytes"]),
                         (int(run["CPUUsageNSec"]), int(run["MemoryPeak"])))

    def test_at_its_time_limit_the_unit_is_stopped_through_systemd_and_bgtaskd_sends_no_signal(self):
        self.install_exec_app("never-complete", ["--record-sigterm"])
        self.submit()
        run = eventually(self.last_run, 30, message="the run never ended")
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("terminated", "time-limit"), run)
        self.assertGreater(int(run["CPUUsageNSec"]), 0, run)
        name, unit = self.the_unit()
        eventually(lambda: self.units()[name]["stops"] == 1, 10, message="StopUnit was never called")
        self.assertEqual([e["reason"] for e in self.app_events(APP, "expire")], ["time-limit"])
        [sigterm] = eventually(lambda: self.app_events(APP, "sigterm"), 10, message="the app never got SIGTERM")
        self.assertEqual(sigterm["sender"], self.systemd.pid,
                         f"SIGTERM came from pid {sigterm['sender']}, not the service manager (bgtaskd is "
                         f"{self.daemon.pid})")
        eventually(lambda: not self.units()[name]["active"], 10, message="the unit never ended")
        self.assertEqual(len(self.app_events(APP, "sigterm")), 1)

    def test_a_unit_that_fails_before_its_app_registers_records_systemds_result(self):
        self.install_exec_app(exec_line="/bin/false")
        self.submit()
        run = eventually(self.last_run, 30, message="the run never ended")
        self.assertEqual((str(run["Outcome"]), str(run["Reason"]), str(run["EndCause"])),
                         ("failed", "exit-code", "exit-code"), run)
        name, unit = self.the_unit()
        self.assertEqual(unit["properties"]["ExecStart"][0][1], ["/bin/false"])
        self.assertFalse(unit["active"])
        human = self.ctl("history", "--app", APP).stdout
        self.assertIn("exit-code", human)

    def test_an_app_that_dies_during_its_task_records_systemds_result_and_accounting(self):
        for behavior, cause in (("crash-on-launch", "exit-code"), ("killed-on-launch", "signal")):
            with self.subTest(behavior=behavior):
                self.install_exec_app(behavior)
                runs = len(self.history(App=APP))
                self.submit()
                run = eventually(lambda: len(self.history(App=APP)) > runs and self.last_run(), 30,
                                 message="the run never ended")
                self.assertEqual((str(run["Outcome"]), str(run["Reason"]), str(run["EndCause"])),
                                 ("failed", cause, cause), run)
                self.assertGreater(int(run["CPUUsageNSec"]), 0, run)
                self.assertGreater(int(run["MemoryPeak"]), 1 << 20, run)

    def test_a_user_started_app_outside_the_unit_is_never_marked_launched(self):
        # The unit's command never takes the app's name; the user starts the app by hand.
        self.install_exec_app(exec_line="/bin/sleep 30")
        self.submit()
        name, unit = self.the_unit()
        sleeper = os.pidfd_open(unit["pid"])
        self.addCleanup(os.close, sleeper)
        self.addCleanup(kill_through, sleeper)
        proc = self.run_testapp(APP, "never-complete", [REFRESH], ["--idle-exit", "0"])
        run = eventually(self.last_run, 30, message="the run never ended")
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])),
                         ("terminated", "time-limit; process not started by bgtaskd, left running"), run)
        self.assertIsNone(proc.poll(), "the user's app was stopped")
        self.assertIn(f"is not in {name}: not started by bgtaskd", self.daemon_log())
        self.assertEqual(self.units()[name]["stops"], 0)

    def test_a_manager_that_refuses_the_unit_is_a_launch_failure_not_a_plain_process(self):
        self.bus.get_object(SYSTEMD, SYSTEMD_PATH).Refuse(f"bgtask-{APP}-", "org.freedesktop.DBus.Error.AccessDenied",
                                                         dbus_interface=MOCK)
        self.install_exec_app("complete")
        self.submit()
        run = eventually(self.last_run, 30, message="the run never ended")
        self.assertEqual(str(run["Outcome"]), "launch-failed", run)
        self.assertTrue(str(run["Reason"]).startswith(f"unit-start-failed: bgtask-{APP}-"), run)
        self.assertIn("org.freedesktop.DBus.Error.AccessDenied", str(run["Reason"]))
        self.assertEqual(self.app_events(APP, "ready"), [], "the command ran anyway")


OTHER = f"{APP}.other"
TEST_IFACE = "org.bgtaskd.Test"


class TransientUnitEdgeCaseTest(TransientUnitTestCase):
    """Orders and repeats around one transient unit: its end heard before the app's connection
    closes, a second task for the app that runs in it, and a reactivation while the first unit
    is still active. The time limit is long: each test ends its runs itself."""
    limits = dict(FAST_LIMITS, LaunchWindow="20", AppRefreshTimeLimit="120")

    def app_control(self, unique_name):
        return dbus.Interface(self.bus.get_object(unique_name, "/Test"), TEST_IFACE)

    def unit_cpu(self, path):
        return int(self.bus.get_object(SYSTEMD, path).Get("org.freedesktop.systemd1.Service", "CPUUsageNSec",
                                                          dbus_interface="org.freedesktop.DBus.Properties"))

    def runs_in_unit(self, name):
        eventually(lambda: f"runs in {name}, which bgtaskd started for {APP}" in self.daemon_log(), 15,
                   message="the app's connection was never recognised in its unit")

    def test_a_unit_whose_end_is_heard_before_its_apps_connection_closes_records_its_accounting(self):
        # The unit's main process (the one that connected) exits cleanly once `release` exists;
        # its forked child keeps the app's connection open after the unit ended.
        release = os.path.join(self.tmp, "release")
        self.install_exec_app("never-complete", ["--fork-after-connect", release])
        self.submit()
        name, unit = self.the_unit()
        [forked] = eventually(lambda: self.app_events(APP, "forked"), 15, message="the app never forked")
        holder = os.pidfd_open(forked["pid"])
        self.addCleanup(os.close, holder)
        self.addCleanup(kill_through, holder)
        eventually(lambda: self.app_events(APP, "launch"), 15, message="the task was never delivered")
        self.runs_in_unit(name)
        self.assertEqual(self.last_run(), None)
        open(release, "w").close()
        eventually(lambda: f"{name} is inactive (result success" in self.daemon_log(), 15,
                   message="bgtaskd never saw the unit end")
        # Only now does the connection close.
        kill_through(holder)
        run = eventually(self.last_run, 30, message="the run never ended")
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])),
                         ("app-exited", "connection-closed: the app's connection went away during the task"), run)
        self.assertGreater(int(run.get("CPUUsageNSec", 0)), 0, run)
        self.assertGreater(int(run.get("MemoryPeak", 0)), 1 << 20, run)
        self.assertNotIn("EndCause", run)

    def test_a_second_task_for_an_app_running_in_its_unit_is_charged_only_what_the_unit_used_since(self):
        self.install_manifest(APP, [REFRESH, OTHER], exec_line=" ".join(
            self.app_command(APP, "never-complete", [REFRESH, OTHER], ["--idle-exit", "0"])))
        self.stop_bgtaskd()
        self.start_bgtaskd()
        self.submit()
        name, unit = self.the_unit()
        [first] = eventually(lambda: self.app_events(APP, "launch"), 15, message="the first task never came")
        self.runs_in_unit(name)
        [ready] = self.app_events(APP, "ready")
        app = self.app_control(ready["unique_name"])
        # The app works for a second of CPU time during the first task; the unit counts it.
        app.Burn(1.0, timeout=120)
        burnt = eventually(lambda: (lambda cpu: cpu >= 10**9 and cpu)(self.unit_cpu(unit["path"])), 15,
                           message="the unit's CPUUsageNSec never grew")
        # A second task for the same app, while the first one runs: delivered to the app in the unit.
        self.assertEqual(str(app.Submit("app-refresh", OTHER, dbus.Dictionary({}, signature="sv"))), "ok")
        second = eventually(lambda: [e for e in self.app_events(APP, "launch") if e["identifier"] == OTHER], 30,
                            message="the second task never came")[0]
        self.assertEqual(str(app.Complete(second["task"], True)), "ok")
        run = eventually(lambda: (self.history(App=APP, Identifier=OTHER) or [None])[0], 30,
                         message="the second run never ended")
        self.assertEqual(str(run["Outcome"]), "completed", run)
        self.assertIn("CPUUsageNSec", run)
        # Not the unit's total: the burnt second happened before this run started.
        self.assertLess(int(run["CPUUsageNSec"]), burnt // 2, (run, burnt))
        self.assertEqual(str(app.Complete(first["task"], True)), "ok")
        run = eventually(self.last_run, 30, message="the first run never ended")
        self.assertEqual(str(run["Outcome"]), "completed", run)
        self.assertGreaterEqual(int(run["CPUUsageNSec"]), burnt, run)

    def test_an_app_started_again_while_its_first_unit_is_still_active_gets_a_unit_of_its_own(self):
        # The first start takes the name without registering and gives it up but lives on (its
        # unit stays active); the second start is a working app.
        first = self.app_command(APP, "no-register", [REFRESH], ["--idle-exit", "0"])
        second = self.app_command(APP, "complete", [REFRESH], ["--idle-exit", "0"])
        script = os.path.join(self.tmp, "start-indexer")
        mark = os.path.join(self.tmp, "started-once")
        with open(script, "w") as f:
            f.write(f"#!/bin/sh\nif mkdir {mark} 2>/dev/null; then exec {' '.join(first)}; fi\n"
                    f"exec {' '.join(second)}\n")
        os.chmod(script, 0o755)
        self.install_exec_app(exec_line=script)
        # Due in an hour and run now by hand: the submitter's name is gone before the launch, so
        # the only name lost during it is the first start's.
        self.submit({"EarliestBeginDate": dbus.Int64((int(time.time()) + 3600) * 10**6)})
        self.ctl("run", APP, REFRESH)
        name, unit = self.the_unit()
        lingering = os.pidfd_open(unit["pid"])
        self.addCleanup(os.close, lingering)
        self.addCleanup(kill_through, lingering)
        [ready] = eventually(lambda: self.app_events(APP, "ready"), 15, message="the first start never came up")
        self.assertEqual(str(self.app_control(ready["unique_name"]).ReleaseName(APP)), "ok")
        run = eventually(self.last_run, 30, message="the run never ended")
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("completed", ""), run)
        units = self.units()
        self.assertEqual(sorted(units), sorted([name, name[:-len(".service")] + "-2.service"]), units)
        self.assertTrue(units[name]["active"], "the first unit ended: the test did not cover the collision")
        self.assertEqual(len(self.app_events(APP, "launch")), 1)


class SystemInstanceTransientUnitTest(TransientUnitTestCase):
    system_instance = True

    def test_the_system_instance_runs_the_exec_app_as_its_user_in_a_transient_unit(self):
        self.install_exec_app("complete", manifest_extra="User=nobody\n")
        self.submit()
        run = eventually(self.last_run, 30, message="the run never ended")
        self.assertEqual(str(run["Outcome"]), "completed", run)
        name, unit = self.the_unit()
        self.assertEqual(unit["properties"]["User"], "nobody")
        [ready] = self.app_events(APP, "ready")
        self.assertEqual((ready["uid"], ready["pid"]), (65534, unit["pid"]))
        self.assertGreater(int(run["CPUUsageNSec"]), 0, run)


if __name__ == "__main__":
    unittest.main()

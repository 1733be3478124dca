# SPDX-License-Identifier: LGPL-2.1-or-later
"""Systemd units as tasks (manifest key Unit=): the real bgtaskd starts and stops a unit through
python-dbusmock's systemd template, follows its job and ActiveState/Result, records the outcome
with the unit's accounting, and waits for external power from a umockdev power supply. The
per-user instance talks to the user manager on the session bus; --system to the system manager
on the system bus."""
import json
import os
import unittest

import dbus

from bgtaskd_testlib import (BUS_NAME, FAST_LIMITS, OBJECT_PATH, PYTHON, SCHEDULER, ServiceManagerBus,  # noqa: F401
                             eventually, stays_true)
from system_testlib import MOCK, SystemStateTestCase

SYSTEMD = "org.freedesktop.systemd1"
SYSTEMD_PATH = "/org/freedesktop/systemd1"
UNIT_IFACE = "org.freedesktop.systemd1.Unit"
SERVICE_IFACE = "org.freedesktop.systemd1.Service"

APP = "org.example.AptDaily"
JOB = f"{APP}.update"
UNIT = "apt-daily.service"
UNIT_PATH = f"{SYSTEMD_PATH}/unit/apt_daily_service"
GIB = 1 << 30


class UnitTestCase(ServiceManagerBus, SystemStateTestCase):
    limits = dict(FAST_LIMITS, ProcessingTimeLimit="60")
    mocks = ()                 # no NetworkManager/logind/ppd needed: power comes from umockdev
    ac_online = True
    system_instance = False    # True: bgtaskd --system, systemd on the system bus
    with_systemd = True
    start_daemon = False

    def setUp(self):
        super().setUp()
        if self.with_systemd:
            self.start_systemd()
        self.install_manifest(APP, [JOB], kinds=("processing",), extra=f"Unit={UNIT}\n")
        self.start_bgtaskd(["--system"] if self.system_instance else [])

    # ---- buses ----------------------------------------------------------------------------
    def start_systemd(self):
        self.systemd_log = os.path.join(self.tmp, "systemd-calls.log")
        self.start_systemd_mock(self.systemd_log)
        self.systemd_mock().AddMockUnit(UNIT, dbus_interface=MOCK)
        # The template's units have only the Unit interface; a service has Result and accounting.
        self.unit_mock().AddProperties(SERVICE_IFACE, dbus.Dictionary({
            "Result": "success",
            "CPUUsageNSec": dbus.UInt64(0),
            "MemoryPeak": dbus.UInt64(2**64 - 1),      # "[not set]", as systemd 252 has it
            "IOReadBytes": dbus.UInt64(2**64 - 1),
            "IOWriteBytes": dbus.UInt64(2**64 - 1),
        }, signature="sv"), dbus_interface=MOCK)

    def systemd_mock(self):
        return self.bus.get_object(SYSTEMD, SYSTEMD_PATH)

    def unit_mock(self):
        return self.bus.get_object(SYSTEMD, UNIT_PATH)

    def manager_calls(self, method):
        """The calls the service manager received, as (method, first argument)."""
        if not os.path.exists(self.systemd_log):
            return []
        with open(self.systemd_log) as f:
            return [line for line in f if f" {method} " in f" {line} " and UNIT in line]

    def active_state(self):
        return str(self.unit_mock().Get(UNIT_IFACE, "ActiveState", dbus_interface="org.freedesktop.DBus.Properties"))

    def unit_ends(self, result, state="inactive", **accounting):
        """The unit's main process exits: Result and accounting first, then ActiveState, as
        systemd orders its PropertiesChanged signals."""
        props = {"Result": result}
        props.update({k: dbus.UInt64(v) for k, v in accounting.items()})
        self.unit_mock().UpdateProperties(SERVICE_IFACE, dbus.Dictionary(props, signature="sv"), dbus_interface=MOCK)
        self.unit_mock().UpdateProperties(UNIT_IFACE, dbus.Dictionary({"ActiveState": state}, signature="sv"),
                                          dbus_interface=MOCK)

    # ---- requests -------------------------------------------------------------------------
    def submit(self, **options):
        """Submits for the service as its bus name's owner (before schedules in manifests, this
        is how a request for a unit is made)."""
        conn = dbus.bus.BusConnection(self._address())
        try:
            conn.request_name(APP, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
            dbus.Interface(conn.get_object(BUS_NAME, OBJECT_PATH), SCHEDULER).Submit(
                "processing", JOB, dbus.Dictionary(options, signature="sv"))
        finally:
            conn.close()

    def _address(self):
        return self.system_bus_daemon.address if self.system_instance else self.bus_daemon.address

    def ctl_args(self, *args):
        return ("--system", *args) if self.system_instance else args

    def last_run(self):
        runs = self.history(App=APP, Identifier=JOB)
        return runs[0] if runs else None

    def wait_started(self, count=1):
        eventually(lambda: len(self.manager_calls("StartUnit")) >= count, 10,
                   message=f"StartUnit({UNIT}) was never called")
        eventually(lambda: any(str(r["State"]) == "running" for r in self.list_running()), 10,
                   message=f"the run never became running: {self.list_running()}")

    def wait_ended(self):
        return eventually(self.last_run, 10, message="the run never ended")


class UserInstanceUnitTest(UnitTestCase):
    ac_online = False

    def test_a_unit_waits_on_battery_starts_on_plug_in_and_completes_with_its_accounting(self):
        self.submit(RequiresExternalPower=True)
        stays_true(lambda: not self.manager_calls("StartUnit"), 1.0, message="started on battery")
        [request] = self.list_requests()
        self.assertEqual(str(request["Identifier"]), JOB)
        self.set_ac(True)
        self.wait_started()
        self.assertEqual(self.active_state(), "active")
        self.unit_ends("success", CPUUsageNSec=1_500_000_000, IOReadBytes=4096, IOWriteBytes=8192)
        run = self.wait_ended()
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("completed", ""), run)
        self.assertEqual(int(run["CPUUsageNSec"]), 1_500_000_000)
        self.assertEqual((int(run["IOReadBytes"]), int(run["IOWriteBytes"])), (4096, 8192))
        self.assertNotIn("MemoryPeak", run)     # systemd without MemoryPeak: not recorded
        self.assertNotIn("EndCause", run)
        self.assertFalse(self.list_running())

        out = json.loads(self.ctl("--json", "history", "--app", APP).stdout)
        [entry] = out["runs"]
        self.assertEqual((entry["cpuNsec"], entry["memoryPeakBytes"], entry["ioReadBytes"], entry["endCause"]),
                         (1_500_000_000, None, 4096, None))
        human = self.ctl("history", "--app", APP).stdout
        self.assertIn("PEAK MEM", human)
        self.assertIn("1.5 s", human)
        self.assertIn("4.0 KiB/8.0 KiB", human)

    def test_a_running_unit_is_stopped_when_the_charger_is_pulled(self):
        self.set_ac(True)
        self.submit(RequiresExternalPower=True)
        self.wait_started()
        self.set_ac(False)
        eventually(lambda: self.manager_calls("StopUnit"), 10, message="StopUnit was never called")
        run = self.wait_ended()
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("expired", "external-power-lost"), run)
        self.assertEqual(self.active_state(), "inactive")

    def test_a_failing_unit_records_systemds_result_and_accounting(self):
        for n, (result, state) in enumerate((("oom-kill", "failed"), ("exit-code", "failed"),
                                             ("signal", "inactive"), ("core-dump", "failed")), start=1):
            with self.subTest(result=result):
                self.submit()
                self.wait_started(n)
                self.unit_ends(result, state, CPUUsageNSec=250_000_000 * n, MemoryPeak=GIB)
                run = eventually(lambda: (r := self.last_run()) and int(r["Run"]) == n and r, 10)
                self.assertEqual((str(run["Outcome"]), str(run["Reason"]), str(run["EndCause"])),
                                 ("failed", result, result), run)
                self.assertEqual((int(run["CPUUsageNSec"]), int(run["MemoryPeak"])), (250_000_000 * n, GIB))
        human = self.ctl("history", "--app", APP).stdout
        self.assertIn("1.0 GiB", human)
        self.assertIn("oom-kill", human)

    def test_run_and_expire_from_bgtaskctl_start_and_stop_the_unit(self):
        self.submit(EarliestBeginDate=dbus.Int64(2**52))
        stays_true(lambda: not self.manager_calls("StartUnit"), 0.5)
        self.ctl(*self.ctl_args("run", APP, JOB))
        self.wait_started()
        self.ctl(*self.ctl_args("expire", APP, JOB))
        eventually(lambda: self.manager_calls("StopUnit"), 10, message="StopUnit was never called")
        run = self.wait_ended()
        self.assertEqual((str(run["Outcome"]), str(run["Reason"]), bool(run["Simulated"])),
                         ("expired", "simulated", True), run)

    def test_the_time_limit_stops_the_unit_and_the_budget_charges_its_cpu_time(self):
        self.stop_bgtaskd()
        self.limits = dict(FAST_LIMITS, ProcessingTimeLimit="1")
        self.write_config()
        self.start_bgtaskd()
        self.submit()
        self.wait_started()
        # The mock's StopUnit makes the unit inactive without a Result of its own.
        self.unit_mock().UpdateProperties(SERVICE_IFACE, dbus.Dictionary(
            {"CPUUsageNSec": dbus.UInt64(30_000)}, signature="sv"), dbus_interface=MOCK)
        eventually(lambda: self.manager_calls("StopUnit"), 10, message="the time limit never stopped the unit")
        run = self.wait_ended()
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("expired", "time-limit"), run)
        [app] = [a for a in self.manager().ListApps() if str(a["App"]) == APP]
        self.assertEqual(int(app["BudgetUsed"]), 30)   # 30 µs of CPU, not the second it ran


class UnitLaunchFailureTest(UnitTestCase):
    def test_an_unknown_unit_ends_as_launch_failed_with_the_managers_error(self):
        self.stop_bgtaskd()
        self.install_manifest(APP, [JOB], kinds=("processing",), extra="Unit=no-such.service\n")
        self.start_bgtaskd()
        self.submit()
        run = self.wait_ended()
        self.assertEqual(str(run["Outcome"]), "launch-failed", run)
        self.assertTrue(str(run["Reason"]).startswith("unit-start-failed: no-such.service: "), run)

    def test_a_unit_whose_manager_leaves_mid_run_fails_visibly(self):
        self.submit()
        self.wait_started()
        self._stop_proc(self.systemd)
        run = self.wait_ended()
        self.assertEqual(str(run["Outcome"]), "failed", run)
        self.assertTrue(str(run["Reason"]).startswith("unit-manager-lost: "), run)


class NoSystemdTest(UnitTestCase):
    with_systemd = False

    def test_without_a_service_manager_a_unit_run_is_a_typed_launch_failure(self):
        self.submit()
        run = self.wait_ended()
        self.assertEqual(str(run["Outcome"]), "launch-failed", run)
        self.assertTrue(str(run["Reason"]).startswith(f"no-systemd: no service manager answers on this bus for {UNIT}: "),
                        run)


class SystemInstanceUnitTest(UnitTestCase):
    system_instance = True

    def test_the_system_instance_starts_the_unit_through_the_system_manager(self):
        self.submit(RequiresExternalPower=True)
        self.wait_started()
        self.unit_ends("success", CPUUsageNSec=42)
        run = self.wait_ended()
        self.assertEqual((str(run["Outcome"]), int(run["CPUUsageNSec"])), ("completed", 42), run)
        self.submit(EarliestBeginDate=dbus.Int64(2**52))
        self.ctl(*self.ctl_args("run", APP, JOB))
        self.wait_started(2)
        self.ctl(*self.ctl_args("expire", APP, JOB))
        eventually(lambda: self.manager_calls("StopUnit"), 10)
        run = eventually(lambda: (r := self.last_run()) and int(r["Run"]) == 2 and r, 10)
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("expired", "simulated"), run)


if __name__ == "__main__":
    unittest.main()

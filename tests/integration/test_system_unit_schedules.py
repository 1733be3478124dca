# SPDX-License-Identifier: LGPL-2.1-or-later
"""A timer-replacement recipe end to end: docs/examples/local.PlocateUpdatedb.conf, as shipped,
makes the real bgtaskd start plocate-updatedb.service through python-dbusmock's systemd template
on external power (umockdev) with no code and no Submit; after the unit succeeds the next request
is due an interval (less flex) later and stays the only one across kill -9; a failing unit is
retried with the documented backoff."""
import os
import shutil
import signal
import unittest

import dbus

from bgtaskd_testlib import eventually, stays_true
from system_testlib import MOCK, SystemStateTestCase
from test_system_units import SERVICE_IFACE, SYSTEMD_PATH, UNIT_IFACE, UnitTestCase

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RECIPE = os.path.join(SOURCE, "docs", "examples", "local.PlocateUpdatedb.conf")
APP = "local.PlocateUpdatedb"
JOB = "local.PlocateUpdatedb.update"
UNIT = "plocate-updatedb.service"
UNIT_PATH = f"{SYSTEMD_PATH}/unit/plocate_updatedb_service"
HOUR = 3600 * 1_000_000


class UnitScheduleRecipeTest(UnitTestCase):
    def setUp(self):
        SystemStateTestCase.setUp(self)   # buses and power; bgtaskd starts below
        self.start_systemd()
        self.systemd_mock().AddMockUnit(UNIT, dbus_interface=MOCK)
        self.recipe_unit().AddProperties(SERVICE_IFACE, dbus.Dictionary({
            "Result": "success",
            "CPUUsageNSec": dbus.UInt64(0),
            "MemoryPeak": dbus.UInt64(2**64 - 1),
            "IOReadBytes": dbus.UInt64(2**64 - 1),
            "IOWriteBytes": dbus.UInt64(2**64 - 1),
        }, signature="sv"), dbus_interface=MOCK)
        shutil.copy(RECIPE, self.apps_dir)
        self.start_bgtaskd()

    def recipe_unit(self):
        return self.bus.get_object("org.freedesktop.systemd1", UNIT_PATH)

    def starts(self):
        if not os.path.exists(self.systemd_log):
            return []
        with open(self.systemd_log) as f:
            return [line for line in f if " StartUnit " in f" {line} " and UNIT in line]

    def recipe_unit_ends(self, result, state):
        self.recipe_unit().UpdateProperties(SERVICE_IFACE, dbus.Dictionary({"Result": result}, signature="sv"),
                                            dbus_interface=MOCK)
        self.recipe_unit().UpdateProperties(UNIT_IFACE, dbus.Dictionary({"ActiveState": state}, signature="sv"),
                                            dbus_interface=MOCK)

    def run_of_recipe(self, n):
        return eventually(lambda: (runs := self.history(App=APP)) and len(runs) >= n and runs[0], 10)

    def requests(self):
        return [r for r in self.list_requests() if r["Identifier"] == JOB]

    def test_the_recipe_starts_its_unit_at_once_and_keeps_one_request_after_it_succeeds(self):
        eventually(self.starts, 10, message=f"StartUnit({UNIT}) was never called")
        eventually(lambda: any(r["Identifier"] == JOB and str(r["State"]) == "running" for r in self.list_running()), 10)
        self.recipe_unit_ends("success", "inactive")
        run = self.run_of_recipe(1)
        self.assertEqual(str(run["Outcome"]), "completed", run)
        [request] = eventually(self.requests, 5)
        self.assertEqual(int(request["EarliestBeginDate"]), int(run["EndedAt"]) + 22 * HOUR)   # 1d less 2h flex
        self.assertEqual(str(request["Schedule"]["Source"]), "manifest")

        os.kill(self.daemon.pid, signal.SIGKILL)
        self.daemon.wait()
        self.stop_bgtaskd()
        self.start_bgtaskd()
        self.assertEqual([int(r["EarliestBeginDate"]) for r in self.requests()], [int(request["EarliestBeginDate"])])
        stays_true(lambda: len(self.starts()) == 1, 1.0, message="the unit started again before its interval")

    def test_a_failing_unit_is_retried_with_backoff(self):
        eventually(self.starts, 10, message=f"StartUnit({UNIT}) was never called")
        eventually(lambda: any(r["Identifier"] == JOB and str(r["State"]) == "running" for r in self.list_running()), 10)
        self.recipe_unit_ends("exit-code", "failed")
        run = self.run_of_recipe(1)
        self.assertEqual((str(run["Outcome"]), str(run["Reason"])), ("failed", "exit-code"), run)
        [request] = eventually(self.requests, 5)
        delay = int(request["EarliestBeginDate"]) - int(run["EndedAt"])
        self.assertTrue(15 * 1_000_000 <= delay <= 30 * 1_000_000, delay)   # the default 30 s backoff
        self.assertEqual(int(request["Schedule"]["Failures"]), 1)


if __name__ == "__main__":
    unittest.main()

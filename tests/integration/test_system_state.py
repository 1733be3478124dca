# SPDX-License-Identifier: LGPL-2.1-or-later
"""Real system state drives when tasks run and when they expire: umockdev power supplies and
render nodes seen through sd-device, python-dbusmock NetworkManager, logind and
power-profiles-daemon on a private system bus, the real bgtaskd and activated test apps.
Runs under umockdev-wrapper (see CMakeLists.txt)."""
import json
import unittest

import dbus

from bgtaskd_testlib import eventually, stays_true
from system_testlib import SystemStateTestCase

APP = "org.example.Worker"
JOB = "org.example.Worker.job"
REFRESH = "org.example.Worker.refresh"
STUDY = "org.example.Worker.study"
E = "org.bgtaskd.Error."


class SystemStateTest(SystemStateTestCase):
    limits = {"AppRefreshTimeLimit": "2", "ProcessingTimeLimit": "30", "HealthResearchTimeLimit": "30",
              "GracePeriod": "1", "LaunchWindow": "5", "KillDelay": "1"}
    behavior = "never-complete"

    def install_apps(self):
        self.install_activatable_testapp(APP, [JOB, REFRESH, STUDY], behavior=self.behavior,
                                         kinds=("app-refresh", "processing", "health-research"),
                                         extra=["--idle-exit", "0"])
        # health research needs its entitlement
        self.install_manifest(APP, [JOB, REFRESH, STUDY], kinds=("app-refresh", "processing", "health-research"),
                              entitlements=("health-research",))

    def setUp(self):
        super().setUp()
        # The user is idle unless a test says otherwise, so processing is not held for that.
        self.set_session(IdleHint=True)
        self.wait_state("UserIdle", True)

    def submit(self, kind, identifier, **options):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit(kind, identifier, dbus.Dictionary(options, signature="sv"))
        conn.release_name(APP)

    def launched(self, identifier=JOB):
        return [e for e in self.app_events(APP, "launch") if e["identifier"] == identifier]

    def waiting_reason(self, identifier=JOB):
        for r in self.list_requests():
            if r["Identifier"] == identifier:
                return str(r["Waiting"])
        return None

    def test_system_state_reports_every_source(self):
        state = eventually(lambda: (lambda s: s if "Connectivity" in s and "LowPowerMode" in s else None)(
            self.system_state()), 10)
        self.assertEqual(state["OnExternalPower"], True)
        self.assertEqual(int(state["BatteryPercent"]), 80)
        self.assertEqual(state["BatteryState"], "discharging")
        self.assertEqual(state["Connectivity"], "full")
        self.assertEqual(state["GpuAvailable"], True)
        self.assertEqual(state["SessionLocked"], False)
        self.assertEqual(state["LowPowerMode"], False)
        sources = {str(k): str(v) for k, v in state["Sources"].items()}
        self.assertEqual((sources["OnExternalPower"], sources["Connectivity"], sources["GpuAvailable"],
                          sources["SessionLocked"], sources["LowPowerMode"]),
                         ("power", "network", "gpu", "session", "power-profile"))

    def test_bgtaskctl_status_shows_the_state_and_its_sources(self):
        eventually(lambda: "Connectivity" in self.system_state() and "LowPowerMode" in self.system_state(), 10)
        self.set_ac(False)
        self.wait_state("OnExternalPower", False)
        human = self.ctl("status").stdout
        self.assertRegex(human, r"External power\s+no \(on battery\)\s+power")
        self.assertRegex(human, r"Battery\s+80 %, discharging\s+power")
        self.assertRegex(human, r"Network\s+full\s+network")
        self.assertRegex(human, r"Low Power Mode\s+off\s+power-profile")
        doc = json.loads(self.ctl("status", "--json").stdout)
        self.assertEqual(doc["system"]["onExternalPower"], False)
        self.assertEqual(doc["system"]["batteryPercent"], 80)
        self.assertEqual(doc["sources"]["Connectivity"], "network")
        self.assertEqual((doc["pending"], doc["running"]), (0, 0))

    def test_external_power_task_waits_on_battery_then_launches_on_plug_in(self):
        self.set_ac(False)
        self.wait_state("OnExternalPower", False)
        self.submit("processing", JOB, RequiresExternalPower=True)
        stays_true(lambda: not self.launched(), 1.0, message="launched on battery")
        self.assertTrue(self.waiting_reason().startswith("external-power: "), self.waiting_reason())
        self.set_ac(True)
        eventually(self.launched, 10)

    def test_unplugging_expires_a_running_external_power_task(self):
        self.submit("processing", JOB, RequiresExternalPower=True)
        eventually(lambda: [r for r in self.list_running() if r["State"] == "running"], 10)
        self.set_ac(False)
        expire = eventually(lambda: self.app_events(APP, "expire"), 10)[0]
        self.assertEqual(expire["reason"], "external-power-lost")
        run = eventually(lambda: self.history(App=APP), 10)[0]
        self.assertEqual((run["Outcome"], run["Reason"]), ("terminated", "external-power-lost"))

    def test_network_task_waits_for_connectivity_then_launches(self):
        self.set_connectivity(1)   # none
        self.wait_state("Connectivity", "none")
        self.submit("processing", JOB, RequiresNetworkConnectivity=True)
        stays_true(lambda: not self.launched(), 1.0)
        self.assertTrue(self.waiting_reason().startswith("network: "), self.waiting_reason())
        self.set_connectivity(4)
        eventually(self.launched, 10)

    def test_unmetered_task_waits_while_the_connection_is_metered(self):
        self.set_metered(1)   # yes
        self.wait_state("Metered", True)
        self.submit("processing", JOB, NetworkType="unmetered")
        stays_true(lambda: not self.launched(), 1.0)
        self.assertTrue(self.waiting_reason().startswith("network-unmetered: "), self.waiting_reason())
        self.set_metered(2)   # no
        eventually(self.launched, 10)

    def test_complete_protection_waits_while_locked_and_expires_on_lock(self):
        self.set_session(LockedHint=True)
        self.wait_state("SessionLocked", True)
        self.submit("health-research", STUDY, ProtectionTypeOfRequiredData="complete")
        stays_true(lambda: not self.launched(STUDY), 1.0)
        self.assertTrue(self.waiting_reason(STUDY).startswith("data-protection: "), self.waiting_reason(STUDY))
        self.set_session(LockedHint=False)
        eventually(lambda: self.launched(STUDY), 10)
        eventually(lambda: [r for r in self.list_running() if r["State"] == "running"], 10)
        self.set_session(LockedHint=True)
        expire = eventually(lambda: self.app_events(APP, "expire"), 10)[0]
        self.assertEqual(expire["reason"], "session-locked")

    def test_processing_waits_for_an_idle_user_and_expires_when_the_user_returns(self):
        self.set_session(IdleHint=False)
        self.wait_state("UserIdle", False)
        self.submit("processing", JOB)
        stays_true(lambda: not self.launched(), 1.0)
        self.assertTrue(self.waiting_reason().startswith("user-idle: "), self.waiting_reason())
        self.set_session(IdleHint=True)
        eventually(self.launched, 10)
        eventually(lambda: [r for r in self.list_running() if r["State"] == "running"], 10)
        self.set_session(IdleHint=False)
        expire = eventually(lambda: self.app_events(APP, "expire"), 10)[0]
        self.assertEqual(expire["reason"], "user-active")

    def test_app_refresh_does_not_wait_for_idle(self):
        self.set_session(IdleHint=False)
        self.wait_state("UserIdle", False)
        self.submit("app-refresh", REFRESH)
        eventually(lambda: self.launched(REFRESH), 10)

    def test_power_saver_pauses_app_refresh(self):
        self.set_profile("power-saver")
        self.wait_state("LowPowerMode", True)
        self.submit("app-refresh", REFRESH)
        stays_true(lambda: not self.launched(REFRESH), 1.0)
        self.assertTrue(self.waiting_reason(REFRESH).startswith("low-power-mode: "), self.waiting_reason(REFRESH))
        self.set_profile("balanced")
        eventually(lambda: self.launched(REFRESH), 10)

    def test_low_battery_holds_opportunistic_work(self):
        self.set_ac(False)
        self.set_battery(12)
        self.wait_state("BatteryPercent", 12)
        self.submit("app-refresh", REFRESH)
        stays_true(lambda: not self.launched(REFRESH), 1.0)
        self.assertTrue(self.waiting_reason(REFRESH).startswith("low-battery: "), self.waiting_reason(REFRESH))
        self.set_battery(12, "Charging")
        eventually(lambda: self.launched(REFRESH), 10)

    def test_network_manager_appearing_late_and_vanishing_again(self):
        self.stop_mock("networkmanager")
        eventually(lambda: "Connectivity" not in self.system_state(), 10)
        self.submit("processing", JOB, RequiresNetworkConnectivity=True)
        stays_true(lambda: not self.launched(), 1.0)
        self.assertIn("unknown", self.waiting_reason())
        self.start_mock("networkmanager")
        self.wait_state("Connectivity", "full")
        eventually(self.launched, 10)
        self.stop_mock("networkmanager")
        eventually(lambda: "Connectivity" not in self.system_state(), 10)


class NoGpuTest(SystemStateTestCase):
    render_node = False
    battery = None
    mocks = ()

    def test_without_render_node_or_battery_the_machine_is_on_mains_without_gpu(self):
        state = eventually(lambda: (lambda s: s if "GpuAvailable" in s else None)(self.system_state()), 10)
        self.assertEqual(state["GpuAvailable"], False)
        self.assertEqual(state["OnExternalPower"], True)
        self.assertNotIn("BatteryPercent", state)
        # No system-bus backends: their fields are unknown, and the daemon runs fine.
        self.assertNotIn("Connectivity", state)
        self.assertNotIn("SessionLocked", state)

    def test_bgtaskctl_status_says_unknown_for_missing_backends(self):
        self.wait_state("GpuAvailable", False)
        human = self.ctl("status").stdout
        self.assertRegex(human, r"Network\s+unknown\s+-")
        self.assertRegex(human, r"GPU\s+no render node\s+gpu")
        self.assertIsNone(json.loads(self.ctl("--json", "status").stdout)["system"]["connectivity"])

    def test_a_render_node_appearing_makes_the_gpu_available(self):
        self.wait_state("GpuAvailable", False)
        self.testbed.add_device("drm", "renderD129", None, ["dev", "226:129"], ["DEVNAME", "/dev/dri/renderD129"])
        self.wait_state("GpuAvailable", True)


class DisabledSourceTest(SystemStateTestCase):
    mocks = ("networkmanager",)

    def start_bgtaskd(self, extra_args=()):
        super().start_bgtaskd(("--disable-source=network", *extra_args))

    def test_a_disabled_source_leaves_its_state_unknown(self):
        state = eventually(lambda: (lambda s: s if "OnExternalPower" in s else None)(self.system_state()), 10)
        self.assertNotIn("Connectivity", state)
        self.assertEqual([str(x) for x in state["DisabledSources"]], ["network"])


if __name__ == "__main__":
    unittest.main()

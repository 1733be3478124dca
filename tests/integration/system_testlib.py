# SPDX-License-Identifier: LGPL-2.1-or-later
"""Harness for tests of the system-state sources: a private "system" bus with python-dbusmock
NetworkManager, logind and power-profiles-daemon, and a umockdev testbed with fake power
supplies and render nodes that bgtaskd sees through sd-device.

The test process must run under umockdev-wrapper (it owns the testbed and sends the uevents);
bgtaskd inherits the preload and UMOCKDEV_DIR."""
import os
import signal
import subprocess

import dbus
import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402

from bgtaskd_testlib import OBJECT_PATH, BUS_NAME, MANAGER, PYTHON, DaemonTestCase, PrivateBus, eventually  # noqa: E402

NM = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
LOGIND = "org.freedesktop.login1"
PPD = "net.hadess.PowerProfiles"
PPD_PATH = "/net/hadess/PowerProfiles"
MOCK = "org.freedesktop.DBus.Mock"
PROPS = "org.freedesktop.DBus.Properties"

TEMPLATES = {"networkmanager": NM, "logind": LOGIND, "power_profiles_daemon": PPD}


class SystemStateTestCase(DaemonTestCase):
    mocks = ("networkmanager", "logind", "power_profiles_daemon")
    ac_online = True
    battery = 80          # None: no battery
    render_node = True

    def prepare_environment(self):
        if "umockdev" not in os.environ.get("LD_PRELOAD", ""):
            raise AssertionError("run this module under umockdev-wrapper")
        self.testbed = UMockdev.Testbed.new()
        self.ac = self.testbed.add_device("power_supply", "AC", None,
                                          ["type", "Mains", "online", "1" if self.ac_online else "0"],
                                          ["POWER_SUPPLY_ONLINE", "1" if self.ac_online else "0"])
        self.bat = None
        if self.battery is not None:
            self.bat = self.testbed.add_device("power_supply", "BAT0", None,
                                               ["type", "Battery", "status", "Discharging",
                                                "capacity", str(self.battery)], [])
        self.gpu = None
        if self.render_node:
            self.gpu = self.testbed.add_device("drm", "renderD128", None, ["dev", "226:128"],
                                               ["DEVNAME", "/dev/dri/renderD128"])
        self.env["UMOCKDEV_DIR"] = self.testbed.get_root_dir()
        self.system_bus_daemon = PrivateBus(os.path.join(self.tmp, "sysbus"), self.env, "system")
        self.env["DBUS_SYSTEM_BUS_ADDRESS"] = self.system_bus_daemon.address
        self.addCleanup(self.system_bus_daemon.stop)
        self.system_bus = dbus.bus.BusConnection(self.system_bus_daemon.address)
        self.addCleanup(self.system_bus.close)
        self.mock_procs = {}
        for template in self.mocks:
            self.start_mock(template)

    # ---- mocks ---------------------------------------------------------------------------
    def start_mock(self, template):
        env = dict(self.env)
        env.pop("LD_PRELOAD", None)   # the mocks need no fake devices
        proc = subprocess.Popen([PYTHON, "-m", "dbusmock", "--system", "--template", template, "-l", "/dev/null"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.mock_procs[template] = proc
        self.addCleanup(self._stop_proc, proc)
        name = TEMPLATES[template]
        eventually(lambda: self.system_bus.name_has_owner(name), 15, message=f"{name} mock did not start")
        if template == "networkmanager":
            self.nm_mock().AddProperty(NM, "Metered", dbus.UInt32(4), dbus_interface=MOCK)
        if template == "logind":
            # python-dbusmock 0.28.7's GetUser adds a number to a string and always fails.
            self.logind_mock().AddMethod("org.freedesktop.login1.Manager", "GetUser", "u", "o",
                                         "ret = '/org/freedesktop/login1/user/%d' % args[0]",
                                         dbus_interface=MOCK)
            self.session_path = self.logind_mock().AddSession("c1", "seat0", dbus.UInt32(os.getuid()),
                                                              "tester", True, dbus_interface=MOCK)
        return proc

    def stop_mock(self, template):
        proc = self.mock_procs.pop(template)
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        eventually(lambda: not self.system_bus.name_has_owner(TEMPLATES[template]), 10)

    def nm_mock(self):
        return self.system_bus.get_object(NM, NM_PATH)

    def logind_mock(self):
        return self.system_bus.get_object(LOGIND, "/org/freedesktop/login1")

    def set_connectivity(self, value):
        self.nm_mock().SetConnectivity(dbus.UInt32(value), dbus_interface=MOCK)

    def set_metered(self, value):
        self.nm_mock().Set(NM, "Metered", dbus.UInt32(value), dbus_interface=PROPS)

    def set_session(self, **props):
        self.system_bus.get_object(LOGIND, self.session_path).UpdateProperties(
            "org.freedesktop.login1.Session", dbus.Dictionary(props, signature="sv"), dbus_interface=MOCK)

    def set_profile(self, profile):
        self.system_bus.get_object(PPD, PPD_PATH).Set(PPD, "ActiveProfile", profile, dbus_interface=PROPS)

    # ---- devices -------------------------------------------------------------------------
    def set_ac(self, online):
        value = "1" if online else "0"
        self.testbed.set_attribute(self.ac, "online", value)
        self.testbed.set_property(self.ac, "POWER_SUPPLY_ONLINE", value)
        self.testbed.uevent(self.ac, "change")

    def set_battery(self, capacity, status="Discharging"):
        self.testbed.set_attribute(self.bat, "capacity", str(capacity))
        self.testbed.set_attribute(self.bat, "status", status)
        self.testbed.uevent(self.bat, "change")

    # ---- the daemon's view ---------------------------------------------------------------
    def system_state(self):
        obj = self.bus.get_object(BUS_NAME, OBJECT_PATH)
        return {str(k): v for k, v in obj.Get(MANAGER, "SystemState", dbus_interface=PROPS).items()}

    def wait_state(self, key, value, timeout=10):
        return eventually(lambda: self.system_state().get(key) == value, timeout,
                          message=f"SystemState {key} never became {value!r}: {self.system_state()!r}")

# SPDX-License-Identifier: LGPL-2.1-or-later
"""What bench/state-latency runs besides bgtaskd and the dbus-daemons (those come from benchenv).

A umockdev testbed with AC, BAT0 and renderD128; python-dbusmock NetworkManager, logind and
power-profiles-daemon on the private "system" bus; and the app, which lives inside the driver:
its own bus connection owns the app's name, has called Scheduler1.Register, and answers
Handler1.Launch on the driver's GLib main loop, taking CLOCK_MONOTONIC first thing.

The driver process owns the testbed and must run under umockdev-wrapper; children inherit the
preload, and get UMOCKDEV_DIR explicitly. Everything here is single-threaded: the driver runs
the GLib loop only while it waits for something, and blocks in plain calls otherwise.
"""
import contextlib
import ctypes
import os
import signal
import subprocess
import time

import dbus
import dbus.mainloop.glib
import dbus.service
import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import GLib, UMockdev  # noqa: E402

from benchenv import BGTASKD_NAME, BGTASKD_PATH, MANAGER, wait_for  # noqa: E402

SCHEDULER = "org.bgtaskd.Scheduler1"
TASK = "org.bgtaskd.Task1"
HANDLER = "org.bgtaskd.Handler1"
HANDLER_PATH = "/org/bgtaskd/Handler"
PROBE = "org.bgtaskd.StateBench1"   # the driver's own floor probe; not part of bgtaskd's API
PROPS = "org.freedesktop.DBus.Properties"
MOCK = "org.freedesktop.DBus.Mock"
PYTHON = "/usr/bin/python3"
NM, NM_PATH = "org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager"
LOGIND, LOGIND_PATH = "org.freedesktop.login1", "/org/freedesktop/login1"
PPD = "net.hadess.PowerProfiles"
TEMPLATES = {"networkmanager": NM, "logind": LOGIND, "power_profiles_daemon": PPD}

MAINLOOP = dbus.mainloop.glib.DBusGMainLoop()
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    """preexec_fn: a mock gets SIGTERM if the driver dies without cleaning up."""
    _libc.prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG


@contextlib.contextmanager
def without_preload():
    """Children started inside (dbus-daemon, mocks) do not get the umockdev preload: it wraps
    their socket calls and would add its cost to the bus hops that are being measured."""
    saved = os.environ.pop("LD_PRELOAD", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["LD_PRELOAD"] = saved


def plain(value):
    """A D-Bus value as the Python value it stands for (dbus.Boolean prints as 1, not True)."""
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, (dbus.Int16, dbus.Int32, dbus.Int64, dbus.UInt16, dbus.UInt32, dbus.UInt64, dbus.Byte)):
        return int(value)
    if isinstance(value, dbus.Dictionary):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, dbus.Array):
        return [plain(v) for v in value]
    return value


class Devices:
    """The testbed: a laptop with a mains adapter, one battery and a render node."""

    def __init__(self, ac_online):
        self.testbed = UMockdev.Testbed.new()
        online = "1" if ac_online else "0"
        self.ac = self.testbed.add_device("power_supply", "AC", None, ["type", "Mains", "online", online],
                                          ["POWER_SUPPLY_ONLINE", online])
        self.bat = self.testbed.add_device("power_supply", "BAT0", None,
                                           ["type", "Battery", "status", "Discharging", "capacity", "80"], [])
        self.gpu = self.testbed.add_device("drm", "renderD128", None, ["dev", "226:128"],
                                           ["DEVNAME", "/dev/dri/renderD128"])
        self.root = self.testbed.get_root_dir()

    def set_ac(self, online, uevent=True):
        """Sets AC online; returns CLOCK_MONOTONIC ns taken just before the change uevent."""
        value = "1" if online else "0"
        self.testbed.set_attribute(self.ac, "online", value)
        self.testbed.set_property(self.ac, "POWER_SUPPLY_ONLINE", value)
        t0 = time.monotonic_ns()
        if uevent:
            self.testbed.uevent(self.ac, "change")
        return t0


class Mock:
    """One python-dbusmock template on the private system bus (not preloaded)."""

    def __init__(self, template, env, system_bus):
        env = {k: v for k, v in env.items() if k != "LD_PRELOAD"}
        self.template, self.name = template, TEMPLATES[template]
        self.proc = subprocess.Popen([PYTHON, "-m", "dbusmock", "--system", "--template", template,
                                      "-l", "/dev/null"], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        wait_for(lambda: self.proc.poll() is not None or system_bus.name_has_owner(self.name), 15,
                 f"the {template} mock to own {self.name}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"the {template} mock exited with status {self.proc.returncode}")
        if template == "networkmanager":
            obj = system_bus.get_object(NM, NM_PATH, introspect=False)
            obj.AddProperty(NM, "Metered", dbus.UInt32(4), dbus_interface=MOCK)   # not in the template
        elif template == "logind":
            obj = system_bus.get_object(LOGIND, LOGIND_PATH, introspect=False)
            # python-dbusmock 0.28.7's GetUser adds a number to a string and always fails.
            obj.AddMethod("org.freedesktop.login1.Manager", "GetUser", "u", "o",
                          "ret = '/org/freedesktop/login1/user/%d' % args[0]", dbus_interface=MOCK)
            obj.AddSession("c1", "seat0", dbus.UInt32(os.getuid()), "bench", True, dbus_interface=MOCK)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Loop:
    """The driver's GLib loop, run only while waiting: handlers poke() it when something arrived."""

    def __init__(self):
        self.loop = GLib.MainLoop()
        self.pred = None

    def poke(self):
        if self.pred is not None and self.pred():
            self.loop.quit()

    def wait(self, pred, timeout):
        """Runs the loop until pred() holds or timeout seconds passed; returns pred()."""
        if pred():
            return True
        fired = []

        def on_timeout():
            fired.append(True)
            self.loop.quit()
            return False

        self.pred = pred
        source = GLib.timeout_add(max(1, int(timeout * 1000)), on_timeout)
        try:
            self.loop.run()
        finally:
            self.pred = None
            if not fired:
                GLib.source_remove(source)
        return pred()


class Observer:
    """A plain connection on the loop: Manager1 calls, and every SystemState PropertiesChanged
    with the CLOCK_MONOTONIC time its handler ran, to split a launch's latency."""

    def __init__(self, address, loop):
        self.loop = loop
        self.conn = dbus.bus.BusConnection(address, mainloop=MAINLOOP)
        self.manager = dbus.Interface(self.conn.get_object(BGTASKD_NAME, BGTASKD_PATH, introspect=False), MANAGER)
        self.props = dbus.Interface(self.conn.get_object(BGTASKD_NAME, BGTASKD_PATH, introspect=False), PROPS)
        self.power = []   # (t_ns, OnExternalPower) per PropertiesChanged that carries it
        self.conn.add_signal_receiver(self._changed, "PropertiesChanged", PROPS, None, BGTASKD_PATH, arg0=MANAGER)

    def _changed(self, _interface, changed, invalidated):
        t = time.monotonic_ns()
        if "SystemState" in changed and "OnExternalPower" in changed["SystemState"]:
            self.power.append((t, bool(changed["SystemState"]["OnExternalPower"])))
        elif "SystemState" in invalidated:
            self.power.append((t, None))
        self.loop.poke()

    def system_state(self):
        return {str(k): plain(v) for k, v in self.props.Get(MANAGER, "SystemState").items()}

    def waiting(self, app, identifier):
        for r in self.manager.ListRequests():
            if r["App"] == app and r["Identifier"] == identifier:
                return str(r["Waiting"])
        return None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class App(dbus.service.Object):
    """The registered app, inside the driver: Launch and Expire are answered at once; Launch
    records CLOCK_MONOTONIC before anything else the handler does."""

    def __init__(self, address, app_id, identifier, loop):
        self.app_id, self.identifier, self.loop = app_id, identifier, loop
        self.conn = dbus.bus.BusConnection(address, mainloop=MAINLOOP)
        if self.conn.request_name(app_id, dbus.bus.NAME_FLAG_DO_NOT_QUEUE) != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
            raise RuntimeError(f"could not own {app_id}")
        super().__init__(self.conn, HANDLER_PATH)
        self.launches = []   # (t_ns, task path, identifier, kind)
        self.expires = []    # (t_ns, task path, reason)
        self.pings = []      # t_ns
        self.scheduler = dbus.Interface(self.conn.get_object(BGTASKD_NAME, BGTASKD_PATH, introspect=False), SCHEDULER)
        refused = self.scheduler.Register([identifier])
        if refused:
            raise RuntimeError(f"bgtaskd refused to register {list(refused)}")

    @dbus.service.method(HANDLER, in_signature="ossa{sv}", out_signature="")
    def Launch(self, task, identifier, kind, _info):
        self.launches.append((time.monotonic_ns(), str(task), str(identifier), str(kind)))
        self.loop.poke()

    @dbus.service.method(HANDLER, in_signature="os", out_signature="")
    def Expire(self, task, reason):
        self.expires.append((time.monotonic_ns(), str(task), str(reason)))
        self.loop.poke()

    @dbus.service.method(PROBE, in_signature="", out_signature="")
    def Ping(self):
        self.pings.append(time.monotonic_ns())
        self.loop.poke()

    def submit(self, **options):
        self.scheduler.Submit("processing", self.identifier, dbus.Dictionary(options, signature="sv"))

    def complete(self, task):
        self.conn.get_object(BGTASKD_NAME, task, introspect=False).SetTaskCompleted(True, dbus_interface=TASK)

    def close(self):
        if self.conn is not None:
            self.remove_from_connection()
            self.conn.close()
            self.conn = None

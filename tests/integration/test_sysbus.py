# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskd --system on a private system bus that uses the installed bus policy
(systemd/org.bgtaskd.conf): every user may schedule and read, only root may change what
Manager1 changes (policy, simulated launch and expiration, cancel on an app's behalf)."""
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

import dbus

from bgtaskd_testlib import BGTASKD, BUS_NAME, MANAGER, OBJECT_PATH, PYTHON, eventually

HERE = os.path.dirname(os.path.abspath(__file__))
POLICY = os.path.join(HERE, "..", "..", "systemd", "org.bgtaskd.conf")
APP = "org.example.Backup"

# What a peer that is not root tries; prints the D-Bus error name or "ok" per call.
AS_NOBODY = r"""
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
manager = dbus.Interface(bus.get_object("org.bgtaskd", "/org/bgtaskd"), "org.bgtaskd.Manager1")
for name, call in (("ListApps", lambda: manager.ListApps()),
                   ("GetPolicy", lambda: manager.GetPolicy("")),
                   ("SetPolicy", lambda: manager.SetPolicy("", "refresh", False)),
                   ("RunNow", lambda: manager.RunNow("org.example.Backup", "org.example.Backup.nightly")),
                   ("Expire", lambda: manager.Expire("org.example.Backup", "org.example.Backup.nightly")),
                   ("Cancel", lambda: manager.Cancel("org.example.Backup", "org.example.Backup.nightly"))):
    try:
        call()
        print(name, "ok")
    except dbus.exceptions.DBusException as e:
        print(name, e.get_dbus_name())
"""


@unittest.skipUnless(os.geteuid() == 0, "needs root to run a peer as nobody")
class SystemBusPolicyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bgtaskd-sysbus-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.chmod(self.tmp, 0o755)   # nobody must reach the socket
        conf = os.path.join(self.tmp, "system.conf")
        with open(conf, "w") as f:
            f.write(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path={self.tmp}/system.sock</listen><auth>EXTERNAL</auth>
<policy context="default">
  <allow user="*"/><deny own="*"/><deny send_type="method_call"/>
  <allow send_type="signal"/>
  <allow send_requested_reply="true" send_type="method_return"/>
  <allow send_requested_reply="true" send_type="error"/>
  <allow receive_type="method_call"/><allow receive_type="method_return"/>
  <allow receive_type="error"/><allow receive_type="signal"/>
  <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
  <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
</policy>
<policy user="root"><allow own_prefix="org.example"/></policy>
<include>{os.path.abspath(POLICY)}</include>
</busconfig>
""")
        out = subprocess.run(["dbus-daemon", f"--config-file={conf}", "--fork", "--print-address=1",
                              "--print-pid=2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
        self.address = out.stdout.strip()
        pid = int(out.stderr.strip().splitlines()[-1])
        self.addCleanup(os.kill, pid, signal.SIGTERM)
        data = os.path.join(self.tmp, "data")
        os.makedirs(os.path.join(data, "bgtaskd", "apps"))
        with open(os.path.join(data, "bgtaskd", "apps", f"{APP}.conf"), "w") as f:
            f.write(f"[Application]\nId={APP}\nPermittedIdentifiers={APP}.nightly;\nKinds=processing;\n")
        config = os.path.join(self.tmp, "bgtaskd.conf")
        open(config, "w").close()
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self.log = open(os.path.join(self.tmp, "bgtaskd.log"), "w")
        self.addCleanup(self.log.close)
        self.daemon = subprocess.Popen([BGTASKD, "--system", "-v", f"--state-dir={self.tmp}/state",
                                        f"--config={config}", f"--data-dir={data}"],
                                       stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.addCleanup(self.stop_daemon)
        self.bus = dbus.bus.BusConnection(self.address)
        self.addCleanup(self.bus.close)
        eventually(lambda: self.bus.name_has_owner(BUS_NAME) or self.daemon.poll() is not None, 20)
        self.assertIsNone(self.daemon.poll(), "bgtaskd --system exited")

    def stop_daemon(self):
        if self.daemon.poll() is None:
            self.daemon.terminate()
            self.daemon.wait(20)

    def test_an_app_schedules_on_the_system_bus(self):
        app = dbus.bus.BusConnection(self.address)
        self.addCleanup(app.close)
        app.request_name(APP, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        scheduler = dbus.Interface(app.get_object(BUS_NAME, OBJECT_PATH), "org.bgtaskd.Scheduler1")
        scheduler.Submit("processing", f"{APP}.nightly",
                         dbus.Dictionary({"EarliestBeginDate": dbus.Int64(2**52)}, signature="sv"))
        manager = dbus.Interface(self.bus.get_object(BUS_NAME, OBJECT_PATH), MANAGER)
        [request] = manager.ListRequests()
        self.assertEqual((str(request["App"]), str(request["Identifier"])), (APP, f"{APP}.nightly"))

    def test_only_root_changes_what_manager1_changes(self):
        out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                              PYTHON, "-c", AS_NOBODY, self.address],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        answers = dict(line.split(" ", 1) for line in out.stdout.splitlines())
        denied = "org.freedesktop.DBus.Error.AccessDenied"
        self.assertEqual(answers, {"ListApps": "ok", "GetPolicy": "ok", "SetPolicy": denied,
                                   "RunNow": denied, "Expire": denied, "Cancel": denied})
        # Root may: the same call from this (root) process is answered by bgtaskd itself.
        manager = dbus.Interface(self.bus.get_object(BUS_NAME, OBJECT_PATH), MANAGER)
        manager.SetPolicy("", "refresh", False)
        self.assertEqual(str(manager.GetPolicy("")["Refresh"]), "denied")


if __name__ == "__main__":
    unittest.main()

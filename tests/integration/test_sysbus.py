# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskd --system under its installed bus policy (dbus-1/system.d/org.bgtaskd.conf, installed
by cmake --install) on a bus that denies method calls by default, as Debian's does: a system
service running as another user is activated, launched and completes; the policy opens exactly
what bgtaskd and its callers need and nothing else."""
import os
import subprocess
import unittest

import dbus

from bgtaskd_testlib import PYTHON, SCHEDULER, TESTAPP, eventually
from sysbus_testlib import AS_NOBODY, BUS_DENIED, SystemBusTestCase

APP = "org.example.Backup"
NIGHTLY = f"{APP}.nightly"
HANDLER = "org.bgtaskd.Handler1"


class InstalledPolicyTest(SystemBusTestCase):
    def write_app_policies(self):
        self.allow_own(APP, "nobody")

    def install_apps(self):
        self.install_activatable_testapp(APP, [NIGHTLY], behavior="complete", user="nobody")

    def test_a_service_running_as_another_user_is_activated_launched_and_completes(self):
        self.submit_as_nobody(APP, "app-refresh", NIGHTLY)
        [run] = eventually(lambda: self.history(APP), 20)
        self.assertEqual((run["Identifier"], run["Outcome"]), (NIGHTLY, "completed"), run)
        [launch] = self.app_events(APP, "launch")
        self.assertEqual((launch["uid"], launch["identifier"]), (65534, NIGHTLY))
        # The app writes its event once SetTaskCompleted has returned, after bgtaskd recorded it.
        eventually(lambda: self.app_events(APP, "completed"), 10,
                   message=f"the app saw no completion: {self.app_events(APP)}")
        self.assertEqual(len(self.app_events(APP, "completed")), 1, self.app_events(APP))

    def test_nobody_may_use_scheduler1_and_reach_manager1_but_not_own_org_bgtaskd(self):
        # Scheduler1 reaches bgtaskd, which answers for itself (this caller owns no app's name).
        [refresh] = self.call_as_nobody((SCHEDULER, "GetBackgroundRefreshStatus"))
        self.assertTrue(refresh.get("error", "").startswith("org.bgtaskd.Error."), refresh)
        # Manager1 reaches bgtaskd too: polkit decides there, not the bus policy.
        [listed] = self.call_as_nobody(("ListRequests",))
        self.assertDenied(listed, "not-authorized")
        [version] = self.call_as_nobody(("org.freedesktop.DBus.Properties", "Get", "org.bgtaskd.Manager1", "Version"))
        self.assertIn("ok", version)
        # Only root may own org.bgtaskd: another user cannot stand in for the scheduler.
        out = subprocess.run(AS_NOBODY + [PYTHON, "-c", "import dbus; dbus.SystemBus().request_name('org.bgtaskd')"],
                             env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertIn(BUS_DENIED, out.stderr)

    def test_root_may_call_handler1_on_apps_and_nothing_else_of_theirs(self):
        self.start_app_by_hand()
        owner = self.bus.get_name_owner(APP)
        # bgtaskd's rule: Handler1 at /org/bgtaskd/Handler; the app itself answers (no such task).
        handler = self.bus.get_object(owner, "/org/bgtaskd/Handler", introspect=False)
        handler.Expire(dbus.ObjectPath("/org/bgtaskd/task/1"), "simulated", dbus_interface=HANDLER,
                       signature="os")
        self.assertEqual(self.app_events(APP, "expire")[-1]["task"], "/org/bgtaskd/task/1")
        # Not the app's other interfaces, nor Handler1 on another object.
        control = self.bus.get_object(owner, "/Test", introspect=False)
        for call in (lambda: control.Submit("app-refresh", NIGHTLY, dbus.Dictionary({}, signature="sv"),
                                            dbus_interface="org.bgtaskd.Test", signature="ssa{sv}"),
                     lambda: control.Expire(dbus.ObjectPath("/org/bgtaskd/task/1"), "simulated",
                                            dbus_interface=HANDLER, signature="os")):
            with self.assertRaises(dbus.exceptions.DBusException) as denied:
                call()
            self.assertEqual(denied.exception.get_dbus_name(), BUS_DENIED)
        self.assertEqual(len(self.app_events(APP, "expire")), 1)

    def start_app_by_hand(self):
        events = os.path.join(self.events_dir, f"{APP}.jsonl")
        proc = subprocess.Popen(AS_NOBODY + [PYTHON, TESTAPP, "--system", "--app-id", APP, "--behavior", "serve",
                                             "--identifier", NIGHTLY, "--events", events, "--idle-exit", "0"],
                                env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.terminate)
        eventually(lambda: self.app_events(APP, "ready") and self.name_has_owner(APP), 10)
        return proc


if __name__ == "__main__":
    unittest.main()

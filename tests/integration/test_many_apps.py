# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskd starts and tracks app names whatever the number of manifests. It follows each app's
name with an arg0 match rule; a bus daemon limits a connection's rules (dbus-daemon: 512 by
default, max_match_rules_per_connection), and with more apps than that bgtaskd used to exit at
start with LimitsExceeded. Past its own cap, or when the bus refuses a rule, it follows every
NameOwnerChanged through one rule and filters the names itself."""
import unittest

from bgtaskd_testlib import DaemonTestCase, eventually

APP = "org.example.Tracked"
ID = "org.example.Tracked.work"


class ManyAppsTestMixin:
    apps = 0

    def install_apps(self):
        for i in range(self.apps):
            self.install_manifest(f"org.example.Many{i}", [f"org.example.Many{i}.refresh"])
        self.install_manifest(APP, [ID])

    def last_run(self, **filters):
        runs = self.history(**filters)
        return runs[0] if runs else None

    def test_bgtaskd_starts_lists_every_app_and_still_tracks_an_apps_name(self):
        apps = {a["App"] for a in self.manager().ListApps()}
        self.assertEqual(len(apps), self.apps + 1)
        self.assertIn("org.example.Many0", apps)
        # Name tracking still works: the running app's name is known to be owned, so its task
        # is launched into it and completes there; its connection leaving is noticed.
        proc = self.run_testapp(APP, behavior="complete", identifiers=[ID],
                                extra=["--idle-exit", "0", "--submit", f"app-refresh:{ID}"])
        self.assertEqual(eventually(lambda: self.last_run(App=APP), 15)["Outcome"], "completed")
        launches = self.app_events(APP, "launch")
        self.assertEqual([e["pid"] for e in launches], [proc.pid])
        self.assertIn("Following every NameOwnerChanged", self.daemon_log())


class MoreAppsThanTheBusAllowsRulesTest(ManyAppsTestMixin, DaemonTestCase):
    # dbus-daemon's built-in limit (512 rules) is in force on the test bus.
    apps = 600


class ABusWithATightLimitTest(ManyAppsTestMixin, DaemonTestCase):
    # The bus refuses a rule long before bgtaskd's own cap.
    apps = 40
    bus_config_extra = '<limit name="max_match_rules_per_connection">24</limit>'


if __name__ == "__main__":
    unittest.main()

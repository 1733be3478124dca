# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskctl held to systemctl's manners, through the real binary against the real bgtaskd: an
unknown verb or option named, parse errors with the bgtaskctl: prefix, help as a verb, a daemon
that is not reachable explained with what to do, --no-legend, the count footer, every request's
state in list --json, and long table cells cut to the width with an ellipsis unless --full."""
import json
import os
import subprocess
import unittest

import dbus

from bgtaskd_testlib import BGTASKCTL, BGTASKD, DaemonTestCase, usec

APP = "org.example.Worker"
LATER = "org.example.Worker.later"
SOON = "org.example.Worker.soon"


def ctl_without_daemon(*args, env=None):
    env = dict(env or os.environ)
    env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/bgtaskctl-test-bus"
    return subprocess.run([BGTASKCTL, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=30)


class CtlUsageTest(unittest.TestCase):
    def test_an_unknown_verb_is_named(self):
        out = ctl_without_daemon("lst")
        self.assertEqual((out.returncode, out.stderr), (2, "Unknown command verb 'lst'.\n"))
        out = ctl_without_daemon("--json", "histroy", "--since", "1h")
        self.assertEqual((out.returncode, out.stderr), (2, "Unknown command verb 'histroy'.\n"))

    def test_parse_errors_name_the_option_and_carry_the_prefix(self):
        out = ctl_without_daemon("list", "--frobnicate")
        self.assertEqual(out.returncode, 2)
        self.assertTrue(out.stderr.startswith("bgtaskctl: "), out.stderr)
        self.assertIn("--frobnicate", out.stderr)
        out = ctl_without_daemon("list", "--kind", "sometimes")
        self.assertEqual(out.returncode, 2)
        self.assertTrue(out.stderr.startswith("bgtaskctl: --kind: sometimes"), out.stderr)

    def test_help_is_a_verb_too(self):
        general = ctl_without_daemon("help")
        self.assertEqual(general.returncode, 0)
        self.assertIn("Usage: bgtaskctl [OPTIONS] SUBCOMMAND", general.stdout)
        self.assertEqual(general.stdout, ctl_without_daemon("--help").stdout)
        one = ctl_without_daemon("help", "history")
        self.assertEqual(one.returncode, 0)
        self.assertIn("Usage: bgtaskctl history [OPTIONS]", one.stdout)
        self.assertIn("--since", one.stdout)
        self.assertEqual(ctl_without_daemon("help", "lst").stderr, "Unknown command verb 'lst'.\n")

    def test_not_reachable_says_what_to_do(self):
        out = ctl_without_daemon("list")
        self.assertEqual(out.returncode, 5)
        self.assertIn("bgtaskctl: bgtaskd is not reachable", out.stderr)
        self.assertIn("systemctl --user start bgtaskd", out.stderr)
        self.assertIn("DBUS_SESSION_BUS_ADDRESS", out.stderr)

    def test_bgtaskd_version_says_what_it_is(self):
        out = subprocess.run([BGTASKD, "--version"], stdout=subprocess.PIPE, text=True, timeout=30)
        self.assertRegex(out.stdout, r"^bgtaskd \d+\.\d+")


class CtlTablesTest(DaemonTestCase):
    def install_apps(self):
        self.install_activatable_testapp(APP, [LATER, SOON], kinds=("app-refresh", "processing"))
        long_id = "org.example.AVeryLongApplicationIdentifierThatWillNotFitIntoANarrowTerminal"
        self.long_id = long_id
        self.install_manifest(long_id, [f"{long_id}.refresh"])

    def submit(self, identifier, kind, **options):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit(kind, identifier, dbus.Dictionary(options, signature="sv"))
        conn.release_name(APP)

    def test_list_has_a_footer_and_no_legend_drops_it(self):
        self.submit(LATER, "processing", EarliestBeginDate=dbus.Int64(usec(7199)))
        human = self.ctl("list").stdout
        self.assertIn("\n1 request listed.\n", human)
        self.assertIn("APP", human)
        self.assertIn("in 1 h 59 min", human)   # exact, as systemctl rounds: not "in 1 h"
        self.submit(SOON, "processing", EarliestBeginDate=dbus.Int64(usec(3600)))
        self.assertIn("\n2 requests listed.\n", self.ctl("list").stdout)
        bare = self.ctl("list", "--no-legend").stdout
        self.assertEqual(len(bare.splitlines()), 2, bare)
        self.assertTrue(all(line.startswith(APP) for line in bare.splitlines()), bare)

    def test_list_json_gives_every_request_its_state(self):
        self.submit(LATER, "processing", EarliestBeginDate=dbus.Int64(usec(3600)))
        [request] = json.loads(self.ctl("list", "--json").stdout)["requests"]
        self.assertEqual(request["state"], "waiting")
        self.assertTrue(request["submittedAt"].endswith("Z"))   # machine time kept

    def test_long_cells_are_cut_to_the_width_unless_full(self):
        env = self.native_env()
        env["COLUMNS"] = "120"
        run = lambda *args: subprocess.run([BGTASKCTL, *args], env=env, stdout=subprocess.PIPE, text=True,
                                           timeout=30).stdout
        narrow = run("apps")
        for line in narrow.splitlines():
            self.assertLessEqual(len(line), 120, line)
        self.assertIn("…", narrow)
        self.assertNotIn(self.long_id + " ", narrow)
        full = run("apps", "--full")
        self.assertIn(self.long_id, full)
        self.assertEqual(run("apps", "-l"), full)


if __name__ == "__main__":
    unittest.main()

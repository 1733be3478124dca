# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskctl's bash completion and the options behind it, through the real binaries: app ids and
identifiers completed from the running bgtaskd with bash and bgtaskctl alone (no python3, no other
program on PATH), --no-activate that never starts bgtaskd (a Tab must not), and --timeout."""
import os
import signal
import subprocess
import unittest

from bgtaskd_testlib import BGTASKCTL, BUS_NAME, DaemonTestCase, HERE, eventually

COMPLETION = os.path.join(HERE, "..", "..", "cli", "bgtaskctl.bash")
APP = "org.example.Worker"
OTHER = "org.example.Other"
IDS = ["org.example.Worker.refresh", "org.example.Worker.sync"]


class CompletionTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(APP, IDS + ["org.example.Worker.export.*"],
                              kinds=("app-refresh", "continued-processing"))
        self.install_manifest(OTHER, ["org.example.Other.refresh"])
        # bgtaskd itself is activatable on this bus: starting it leaves a mark.
        self.marker = os.path.join(self.tmp, "activated")
        with open(os.path.join(self.bus_daemon.service_dir, f"{BUS_NAME}.service"), "w") as f:
            f.write(f"[D-BUS Service]\nName={BUS_NAME}\nExec=/usr/bin/touch {self.marker}\n")

    def complete(self, *words):
        """What Tab offers after `bgtaskctl WORDS`, the last word being the one completed, with
        a PATH that holds bgtaskctl and nothing else."""
        bindir = os.path.join(self.tmp, "bin")
        if not os.path.isdir(bindir):
            os.makedirs(bindir)
            os.symlink(BGTASKCTL, os.path.join(bindir, "bgtaskctl"))
        words = ["bgtaskctl", *words]
        script = (f"source {COMPLETION}\n"
                  f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
                  "_bgtaskctl\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
        env = dict(self.native_env(), PATH=bindir)
        out = subprocess.run(["/bin/bash", "--norc", "--noprofile", "-c", script], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr, "")
        return [w for w in out.stdout.splitlines() if w]

    def test_app_ids_and_identifiers_come_from_the_running_daemon(self):
        self.assertEqual(sorted(self.complete("explain", "")), sorted([APP, OTHER]))
        self.assertEqual(self.complete("run", "org.example.W"), [APP])
        self.assertEqual(sorted(self.complete("--json", "expire", APP, "")), IDS)
        self.assertEqual(self.complete("list", "--app", "org.example.O"), [OTHER])
        self.assertEqual(sorted(self.complete("policy", "--all", "")), ["continued", "refresh"])
        self.assertIn("--no-activate", self.complete("--no-"))

    def test_apps_prints_bare_names_for_scripts(self):
        self.assertEqual(self.ctl("apps", "--names").stdout.split(), sorted([APP, OTHER]))
        self.assertEqual(self.ctl("apps", "--identifiers", APP).stdout.split(), IDS)
        self.assertEqual(self.ctl("apps", "--identifiers", "org.example.None").stdout, "")

    def test_no_activate_never_starts_bgtaskd(self):
        self.stop_bgtaskd()
        self.assertEqual(self.complete("explain", ""), [])
        out = self.ctl("--no-activate", "list", check=False)
        self.assertEqual(out.returncode, 5, out.stderr)
        self.assertIn("bgtaskd is not running", out.stderr)
        self.assertFalse(os.path.exists(self.marker), "bgtaskd was activated")
        # Without the flag the same call activates it: the check above could have failed.
        self.ctl("--timeout", "1", "list", check=False)
        eventually(lambda: os.path.exists(self.marker), message="bgtaskd was not activatable")

    def test_timeout_bounds_a_call_to_a_daemon_that_does_not_answer(self):
        self.assertEqual(self.ctl("--timeout", "5s", "list").returncode, 0)
        self.daemon.send_signal(signal.SIGSTOP)
        try:
            # Well below the 25 s default: the subprocess's own limit would fail the test.
            out = subprocess.run([BGTASKCTL, "--timeout", "300ms", "list"], env=self.native_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
        finally:
            self.daemon.send_signal(signal.SIGCONT)
        self.assertEqual(out.returncode, 5, out.stderr)
        self.assertTrue(out.stderr.startswith("bgtaskctl: "), out.stderr)

    def test_a_bad_timeout_is_a_usage_error(self):
        for bad in ("0", "-1", "soon", "2h"):
            out = self.ctl("--timeout", bad, "list", check=False)
            self.assertEqual(out.returncode, 2, (bad, out.stderr))
            self.assertTrue(out.stderr.startswith("bgtaskctl: "), (bad, out.stderr))


if __name__ == "__main__":
    unittest.main()

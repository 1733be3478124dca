# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtask-dev, the app developer's loop, run as a developer would: with a manifest and an
activation file from a "build tree", it starts a throwaway bus and the real bgtaskd, says how to
reach them, lets the app's task be launched by activation and completed, and leaves nothing
behind when it ends (after a command, or on Ctrl-C)."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

from bgtaskd_testlib import BGTASKCTL, BGTASKD, HERE, PYTHON, TESTAPP, eventually

SCRIPT = os.path.join(HERE, "..", "..", "scripts", "bgtask-dev")
APP = "org.example.Dev"
ID = "org.example.Dev.refresh"

# Runs inside bgtask-dev: the app submits (then lets its name go), bgtaskctl launches the
# request now, bgtaskd activates the app from the activation file, and the run completes.
SESSION = r"""
import json, subprocess, sys, time
import dbus
ctl = sys.argv[1]
assert subprocess.run([ctl, "apps", "--names"], capture_output=True, text=True).stdout.split() == ["%(app)s"]
bus = dbus.bus.BusConnection(__import__("os").environ["DBUS_SESSION_BUS_ADDRESS"])
bus.request_name("%(app)s")
dbus.Interface(bus.get_object("org.bgtaskd", "/org/bgtaskd"), "org.bgtaskd.Scheduler1").Submit(
    "app-refresh", "%(id)s",
    dbus.Dictionary({"EarliestBeginDate": dbus.Int64(int((time.time() + 3600) * 1e6))}, signature="sv"))
bus.release_name("%(app)s")
subprocess.run([ctl, "run", "%(app)s", "%(id)s"], check=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    runs = json.loads(subprocess.run([ctl, "--json", "history"], capture_output=True, text=True).stdout)["runs"]
    if runs:
        print("outcome:", runs[0]["outcome"])
        sys.exit(0)
    time.sleep(0.05)
sys.exit("no run recorded")
""" % {"app": APP, "id": ID}


class BgtaskDevTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bgtask-dev-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.build = os.path.join(self.tmp, "build")   # the developer's build tree
        self.runtime = os.path.join(self.tmp, "runtime")   # bgtask-dev's TMPDIR
        os.makedirs(self.build)
        os.makedirs(self.runtime)
        self.manifest = os.path.join(self.build, f"{APP}.conf")
        with open(self.manifest, "w") as f:
            f.write(f"[Application]\nId={APP}\nPermittedIdentifiers={ID};\nKinds=app-refresh;\n")
        self.service = os.path.join(self.build, f"{APP}.service")
        events = os.path.join(self.tmp, "events.jsonl")
        with open(self.service, "w") as f:
            f.write(f"[D-BUS Service]\nName={APP}\nExec={PYTHON} {TESTAPP} --app-id {APP} "
                    f"--behavior complete --events {events} --identifier {ID}\n")
        self.env = dict(os.environ, TMPDIR=self.runtime)
        self.env.pop("DBUS_SESSION_BUS_ADDRESS", None)

    def command(self, *extra):
        return [SCRIPT, "--bgtaskd", BGTASKD, "--bgtaskctl", BGTASKCTL, self.manifest, self.service, *extra]

    def test_a_command_runs_against_the_throwaway_bgtaskd_and_nothing_is_left(self):
        out = subprocess.run(self.command("--", PYTHON, "-c", SESSION, BGTASKCTL), env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.splitlines()[-1], "outcome: completed", out.stderr)
        self.assertRegex(out.stderr, r"export DBUS_SESSION_BUS_ADDRESS='unix:path=[^']+'")
        self.assertIn(f"bgtaskctl run {APP} IDENTIFIER", out.stderr)
        self.assertEqual(os.listdir(self.runtime), [], "bgtask-dev left its directory behind")

    def test_the_commands_status_is_bgtask_devs(self):
        out = subprocess.run(self.command("--", "sh", "-c", "exit 7"), env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=120)
        self.assertEqual(out.returncode, 7, out.stderr)
        self.assertEqual(os.listdir(self.runtime), [])

    def test_it_runs_until_interrupted_and_prints_how_to_reach_it(self):
        proc = subprocess.Popen(self.command(), env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        self.addCleanup(lambda: proc.poll() is None and os.killpg(proc.pid, signal.SIGKILL))
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if "press Ctrl-C" in line:
                break
        address = re.search(r"export DBUS_SESSION_BUS_ADDRESS='([^']+)'", "".join(lines))
        self.assertTrue(address, "".join(lines))
        env = dict(self.env, DBUS_SESSION_BUS_ADDRESS=address.group(1))
        names = subprocess.run([BGTASKCTL, "apps", "--names"], env=env, stdout=subprocess.PIPE, text=True,
                               timeout=30).stdout.split()
        self.assertEqual(names, [APP])
        os.killpg(proc.pid, signal.SIGINT)   # Ctrl-C reaches the terminal's whole process group
        self.assertEqual(proc.wait(60), 130)
        proc.stderr.close()
        eventually(lambda: os.listdir(self.runtime) == [], message="bgtask-dev left its directory behind")
        self.assertNotEqual(subprocess.run([BGTASKCTL, "--no-activate", "list"], env=env, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, timeout=30).returncode, 0)

    def test_a_missing_manifest_is_a_clear_error(self):
        out = subprocess.run([SCRIPT, "--bgtaskd", BGTASKD, os.path.join(self.build, "nope.conf")], env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(out.returncode, 1)
        self.assertIn("bgtask-dev: no manifest", out.stderr)


if __name__ == "__main__":
    unittest.main()

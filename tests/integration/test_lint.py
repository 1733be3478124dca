# SPDX-License-Identifier: LGPL-2.1-or-later
"""The real bgtaskctl lint on manifest files, with no bus and no bgtaskd: one test per class of
problem, the exit statuses, and the --activation-dir a package build uses."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from bgtaskd_testlib import BGTASKCTL

APP = "org.example.Lint"
GOOD = f"""[Application]
Id={APP}
PermittedIdentifiers={APP}.refresh;
Kinds=app-refresh;
"""


class LintTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="bgtaskd-lint-")
        self.data_home = os.path.join(self.root, "home")
        self.services = os.path.join(self.data_home, "dbus-1", "services")
        self.staging = os.path.join(self.root, "staging")
        os.makedirs(self.services)
        os.makedirs(self.staging)
        # Only the test's own data dirs: the host's service files must not decide the outcome.
        self.env = dict(os.environ, XDG_DATA_HOME=self.data_home,
                        XDG_DATA_DIRS=os.path.join(self.root, "none"), HOME=self.root)
        self.env.pop("DBUS_SESSION_BUS_ADDRESS", None)

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def activation_file(self, bus_name, directory=None):
        with open(os.path.join(directory or self.services, f"{bus_name}.service"), "w") as f:
            f.write(f"[D-BUS Service]\nName={bus_name}\nExec=/usr/bin/true\n")

    def manifest(self, text, app_id=APP):
        path = os.path.join(self.root, f"{app_id}.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def lint(self, *args):
        return subprocess.run([BGTASKCTL, "lint", *args], env=self.env, capture_output=True,
                              text=True, timeout=60)

    def test_a_clean_manifest_exits_0_and_prints_nothing(self):
        self.activation_file(APP)
        out = self.lint(self.manifest(GOOD))
        self.assertEqual((out.returncode, out.stdout), (0, ""), out.stderr)

    def test_the_daemons_own_problems_are_reported_at_file_and_line(self):
        self.activation_file(APP)
        path = self.manifest(GOOD.replace("Kinds=app-refresh;", "Kinds=app-refresh;sometimes;"))
        out = self.lint(path)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"{path}:4: error: Kinds lists unknown kind 'sometimes'", out.stdout)

    def test_a_near_miss_key_gets_a_suggestion(self):
        self.activation_file(APP)
        path = self.manifest(GOOD + "Entitlments=gpu;\n\n"
                             f"[Schedule {APP}.nightly]\nKind=processing\nInterval=1d\nFelx=1h\n"
                             "[Aplication]\n")
        out = self.lint(path)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"{path}:5: warning: key Entitlments is not known in [Application] and is ignored; "
                      "did you mean Entitlements?", out.stdout)
        self.assertIn(f"{path}:10: warning: key Felx is not known in [Schedule] and is ignored; "
                      "did you mean Flex?", out.stdout)
        self.assertIn(f"{path}:11: warning: group [Aplication] is not known and is ignored; "
                      "did you mean [Application]?", out.stdout)
        # Each problem once, even though the daemon's parser also warns about these lines.
        self.assertEqual(out.stdout.count(":5: "), 1)

    def test_a_typo_is_also_reported_when_the_manifest_is_rejected(self):
        self.activation_file(APP)
        path = self.manifest(GOOD.replace("PermittedIdentifiers", "PermitedIdentifiers"))
        out = self.lint(path)
        self.assertEqual(out.returncode, 1)
        self.assertIn("required key PermittedIdentifiers is missing", out.stdout)
        self.assertIn(f"{path}:3: warning: key PermitedIdentifiers", out.stdout)
        self.assertIn("did you mean PermittedIdentifiers?", out.stdout)

    def test_identifiers_that_do_not_start_with_the_app_id(self):
        self.activation_file(APP)
        path = self.manifest(GOOD.replace(f"{APP}.refresh;", f"{APP}.refresh;com.other.refresh;")
                             + "[Schedule org.example.Lintx.nightly]\nKind=processing\nInterval=1d\n")
        out = self.lint(path)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"{path}:3: warning: identifier 'com.other.refresh' does not start with the app id {APP}",
                      out.stdout)
        self.assertIn(f"{path}:5: warning: identifier 'org.example.Lintx.nightly' does not start", out.stdout)
        self.assertNotIn(f"'{APP}.refresh'", out.stdout)

    def test_a_missing_activation_file_and_the_activation_dir_of_a_package_build(self):
        path = self.manifest(GOOD)
        out = self.lint(path)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"{path}:2: error: no D-Bus activation file names {APP} (searched {self.services}",
                      out.stdout)
        self.assertIn("install one, or set Exec= or Unit=", out.stdout)
        self.activation_file(APP, self.staging)
        out = self.lint("--activation-dir", self.staging, path)
        self.assertEqual((out.returncode, out.stdout), (0, ""))
        # Exec= starts the app where activation cannot.
        out = self.lint(self.manifest(GOOD + "Exec=/usr/bin/lint-app\n"))
        self.assertEqual((out.returncode, out.stdout), (0, ""))

    def test_schedules_that_nothing_can_start(self):
        text = (f"[Application]\nId={APP}\n\n[Schedule {APP}.nightly]\nKind=processing\nInterval=1d\n")
        path = self.manifest(text)
        out = self.lint(path)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"{path}:4: error: [Schedule {APP}.nightly]: nothing can start it: no Unit=, no Exec=, "
                      f"and no D-Bus activation file names {APP}", out.stdout)
        out = self.lint(self.manifest(text.replace(f"Id={APP}\n", f"Id={APP}\nUnit=lint-job.service\n")))
        self.assertEqual((out.returncode, out.stdout), (0, ""))

    def test_json_lists_every_file_with_its_problems(self):
        self.activation_file(APP)
        good = self.manifest(GOOD)
        bad = self.manifest(GOOD.replace(APP, "org.example.Other"), app_id="org.example.Bad")
        out = subprocess.run([BGTASKCTL, "--json", "lint", good, bad], env=self.env, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 1)
        doc = json.loads(out.stdout)
        self.assertEqual([f["file"] for f in doc["files"]], [good, bad])
        self.assertEqual(doc["files"][0]["problems"], [])
        [problem] = doc["files"][1]["problems"]
        self.assertEqual((problem["line"], problem["severity"]), (2, "error"))
        self.assertIn("does not match the file name", problem["message"])

    def test_usage_errors_exit_2_and_unreadable_files_1(self):
        self.assertEqual(self.lint().returncode, 2)
        out = self.lint(os.path.join(self.root, "missing.conf"))
        self.assertEqual(out.returncode, 1)
        self.assertIn("missing.conf: error: cannot read the file", out.stdout)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""Exec= on the system bus (issue 10, item 4): without User= the manifest is refused at the Exec
line and nothing runs; with User= the command runs as that user, spawned by bgtaskd itself (no
activation file), with an empty signal mask, and is reaped."""
import os
import unittest

from bgtaskd_testlib import PYTHON, TESTAPP, eventually
from sysbus_testlib import SystemBusTestCase

APP = "org.example.Indexer"
NIGHTLY = f"{APP}.nightly"
ROOTLESS = "org.example.Rootless"


class ExecUserTest(SystemBusTestCase):
    def write_app_policies(self):
        self.allow_own(APP, "nobody")
        self.allow_own(ROOTLESS, "root", "nobody")

    def exec_line(self, app_id, identifier, behavior="complete"):
        events = os.path.join(self.events_dir, f"{app_id}.jsonl")
        return " ".join([PYTHON, TESTAPP, "--system", "--app-id", app_id, "--behavior", behavior,
                         "--events", events, "--identifier", identifier])

    def install_apps(self):
        for app_id, identifier, user in ((APP, NIGHTLY, "nobody"), (ROOTLESS, f"{ROOTLESS}.nightly", None)):
            with open(os.path.join(self.apps_dir, f"{app_id}.conf"), "w") as f:
                f.write(f"[Application]\nId={app_id}\nPermittedIdentifiers={identifier};\n"
                        f"Kinds=app-refresh;\nExec={self.exec_line(app_id, identifier)}\n" +
                        (f"User={user}\n" if user else ""))

    def test_exec_without_user_is_a_manifest_problem_and_nothing_runs(self):
        problems = [tuple(p) for p in self.manager().GetManifestProblems()]
        mine = [p for p in problems if str(p[0]).endswith(f"{ROOTLESS}.conf")]
        self.assertEqual(len(mine), 1, problems)
        _, line, message, fatal = mine[0]
        self.assertEqual((int(line), bool(fatal)), (5, True))
        self.assertTrue(str(message).startswith("Exec needs User= on the system bus"), message)
        listed = {str(a["App"]): a for a in self.manager().ListApps()}
        self.assertEqual(str(listed[APP]["User"]), "nobody")
        self.assertNotIn(ROOTLESS, listed)
        self.assertEqual(self.app_events(ROOTLESS), [])

    def test_exec_with_user_runs_as_that_user_with_a_clean_signal_mask_and_is_reaped(self):
        self.submit_as_nobody(APP, "app-refresh", NIGHTLY)
        [run] = eventually(lambda: self.history(APP), 30)
        self.assertEqual(run["Outcome"], "completed", run)
        [ready] = self.app_events(APP, "ready")
        self.assertEqual(ready["uid"], 65534)
        self.assertEqual(int(ready["sigblk"], 16), 0, "the Exec command inherited bgtaskd's blocked signals")
        self.assertEqual(ready["sid"], ready["pid"], "the Exec command runs in its own session")
        self.assertEqual(ready["inherited_fds"], [], "the Exec command inherited descriptors of bgtaskd's")
        # It exits when idle, and bgtaskd (its parent) reaps it: no zombie stays behind.
        eventually(lambda: not os.path.exists(f"/proc/{ready['pid']}"), 30,
                   message="the Exec command was left a zombie")


if __name__ == "__main__":
    unittest.main()

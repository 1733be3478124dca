# SPDX-License-Identifier: LGPL-2.1-or-later
"""The crash semantics of the launch path (bgtaskd(8), CRASHES): bgtaskd calls Handler1.Launch
first and commits the run's start in the group commit right after it, so

- a launch whose start was not yet written when the daemon died left no run behind: its request
  is still pending after the restart and launches again (under a new run id: ids are reserved
  in the store ahead of use, never handed out twice);
- a start that was committed is recorded as interrupted at the restart and its request launches
  again;
- nothing acknowledged to a client is lost either way.

The first case is made deterministic with the storage fault shim (tests/fault/): it stalls every
write to the database, so bgtaskd can get no further than the commit after the Launch. Before
the launch path changed, the run's start was committed before Launch went out, so under the
stall the app never heard of its task."""
import os
import signal
import sqlite3
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, eventually, usec

APP = "org.example.Crashy"
DUE = f"{APP}.due"
LATER = f"{APP}.later"
SHIM = os.environ.get("BGTASKD_FAULT_SHIM", "")
LIMITS = {"AppRefreshTimeLimit": "600", "LaunchWindow": "30", "GracePeriod": "1", "KillDelay": "1"}


class LaunchCrashTest(DaemonTestCase):
    limits = LIMITS

    def install_apps(self):
        self.install_manifest(APP, [DUE, LATER], kinds=("app-refresh", "processing"))
        self.use_fault_shim()

    def kill_9(self):
        os.kill(self.daemon.pid, signal.SIGKILL)
        self.daemon.wait()
        self.daemon = None
        self._daemon_log.close()
        self.set_fault("none")

    def launches(self):
        return [e for e in self.app_events(APP, "launch") if e["identifier"] == DUE]

    def runs_of(self, identifier):
        """Finished runs, from the history."""
        return [r for r in self.history(App=APP) if str(r["Identifier"]) == identifier]

    def recorded_runs(self, identifier):
        """(id, outcome) of every run in the database file, finished or not."""
        db = sqlite3.connect(f"file:{os.path.join(self.state_dir, 'bgtaskd.db')}?mode=ro", uri=True)
        try:
            return db.execute("SELECT id, outcome FROM runs WHERE app = ? AND identifier = ? ORDER BY id",
                              (APP, identifier)).fetchall()
        finally:
            db.close()

    def pending(self):
        return sorted(str(r["Identifier"]) for r in self.list_requests())

    def test_a_launch_killed_before_or_after_its_commit_launches_again_and_loses_nothing(self):
        self.assertTrue(SHIM and os.path.exists(SHIM), "BGTASKD_FAULT_SHIM names no built shim")
        # The app is running and registered, so that the launch is one Handler1.Launch call.
        self.run_testapp(APP, behavior="never-complete", identifiers=[DUE, LATER])
        self.assertEqual(self.app_events(APP, "ready")[0]["refused"], [])
        self.submit_for(APP, "processing", LATER, EarliestBeginDate=dbus.Int64(usec(3600)))
        self.submit_for(APP, "app-refresh", DUE, EarliestBeginDate=dbus.Int64(usec(1.5)))
        # Both are acknowledged (committed). From now on the disk answers no write.
        self.set_fault("stall")
        first = eventually(self.launches, 15, message="the app never heard of its task while "
                           "the database stalled: the launch waited for its commit")
        self.assertEqual(len(first), 1)

        # Killed before the start could be written: no run, the request pending and launched
        # again, with a run id the dead daemon never recorded either.
        self.kill_9()
        self.assertEqual(self.recorded_runs(DUE), [])
        self.start_bgtaskd()
        self.assertIn(LATER, self.pending())
        second = eventually(lambda: self.launches()[1:], 15, message="the request did not launch again")
        old_id = int(first[0]["task"].rsplit("/", 1)[1])
        new_id = int(second[0]["task"].rsplit("/", 1)[1])
        self.assertGreater(new_id, old_id)
        # Its start becomes durable right after the Launch (the commit of the same loop turn).
        eventually(lambda: self.recorded_runs(DUE) == [(new_id, None)], 10,
                   message="the launched run's start was never recorded")

        # Killed after the start was committed: recorded as interrupted, launched again.
        self.kill_9()
        self.assertEqual(self.recorded_runs(DUE), [(new_id, None)])
        self.start_bgtaskd()
        runs = self.runs_of(DUE)
        self.assertEqual([(int(r["Run"]), str(r["Outcome"]), str(r["Reason"])) for r in runs],
                         [(new_id, "interrupted", "daemon-restart")])
        eventually(lambda: self.launches()[2:], 15, message="the interrupted run's request did not launch again")
        self.assertIn(LATER, self.pending())
        self.assertNotIn(DUE, self.pending())


if __name__ == "__main__":
    unittest.main()

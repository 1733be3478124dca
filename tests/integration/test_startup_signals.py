# SPDX-License-Identifier: LGPL-2.1-or-later
"""Signals that arrive while bgtaskd is still starting: `systemctl reload` (SIGHUP) or a stop
(SIGTERM) sent just after the process started must not end it by the signal's default action.
bgtaskd blocks its signals first thing in main(), so they wait until the loop reads them: SIGHUP
then reloads the manifests, SIGTERM shuts down cleanly with status 0.

The start-up is held still, deterministically, with the storage fault shim (tests/fault/): its
"stall" mode stops the first write to the new database, which happens while the store is
opened, before the bus name is requested and before the loop handles any signal. Before the
fix, the signals were blocked only when the loop registered its handlers, at the end of the
start-up, and either signal killed bgtaskd here."""
import os
import signal
import unittest

from bgtaskd_testlib import BUS_NAME, DaemonTestCase, eventually

APP = "org.example.Early"


class StartupSignalsTest(DaemonTestCase):
    start_daemon = False

    def install_apps(self):
        self.install_manifest(APP, [f"{APP}.refresh"])
        self.use_fault_shim()

    def start_stalled(self):
        """Starts bgtaskd with every database write stalled and waits until it has created its
        database: it is then inside the store's first write, past main()'s first line."""
        shim = os.environ.get("BGTASKD_FAULT_SHIM", "")
        self.assertTrue(shim and os.path.exists(shim), "BGTASKD_FAULT_SHIM names no built shim")
        self.set_fault("stall")
        self.start_bgtaskd(wait=False)
        database = os.path.join(self.state_dir, "bgtaskd.db")
        eventually(lambda: os.path.exists(database) or self.daemon.poll() is not None, 20,
                   message="bgtaskd never created its database")
        self.assertIsNone(self.daemon.poll(), "bgtaskd exited before its first write:\n" + self.daemon_log())
        self.assertFalse(self.name_has_owner(BUS_NAME), "the stall did not hold the start-up")

    def test_a_sighup_during_start_up_waits_and_reloads(self):
        self.start_stalled()
        os.kill(self.daemon.pid, signal.SIGHUP)
        self.set_fault("none")
        # Before the fix the process died of SIGHUP here ("bgtaskd exited during start-up").
        self.wait_for_bgtaskd()
        eventually(lambda: "SIGHUP" in self.daemon_log(), 10,
                   message="the SIGHUP received during start-up was never handled")
        self.assertIsNone(self.daemon.poll())
        # Still serving, with its manifests.
        self.assertIn(APP, [str(a["App"]) for a in self.manager().ListApps()])
        self.assertEqual(self.stop_bgtaskd(), 0)

    def test_a_sigterm_during_start_up_shuts_down_cleanly(self):
        self.start_stalled()
        os.kill(self.daemon.pid, signal.SIGTERM)
        self.set_fault("none")
        # Before the fix the return code was -SIGTERM: killed by the default action.
        self.assertEqual(self.daemon.wait(30), 0, self.daemon_log())
        self.assertIn("Received SIGTERM, shutting down", self.daemon_log())


if __name__ == "__main__":
    unittest.main()

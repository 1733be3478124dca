# SPDX-License-Identifier: LGPL-2.1-or-later
"""Faults of the storage under bgtaskd's database, injected into the real daemon: a full disk,
a read-only file system, failing writes and fsyncs (an LD_PRELOAD shim, tests/fault/), and the
database locked by another process (a real SQLite connection holding the write lock).

Under each fault a Submit gets Unavailable with the fault's sub-reason and is not stored, reads
go on and the daemon answers a ping; once the fault is gone the same Submit succeeds without a
restart, and after a kill -9 exactly the acknowledged requests are there in a sound database."""
import os
import signal
import sqlite3
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, usec

APP = "org.example.Disk"
IDS = [f"{APP}.job{i}" for i in range(4)]
UNAVAILABLE = "org.bgtaskd.Error.Unavailable"
SHIM = os.environ.get("BGTASKD_FAULT_SHIM", "")


class StorageFaultTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(APP, IDS, kinds=("processing",))
        # Only bgtaskd (started after this hook, through native_env) and bgtaskctl get the shim.
        self.use_fault_shim()

    def submit(self, ident):
        if getattr(self, "_app_conn", None) is None:
            self._app_conn = self.app_bus(APP)
        conn = self._app_conn
        opts = dbus.Dictionary({"EarliestBeginDate": dbus.Int64(usec(3600))}, signature="sv")
        self.scheduler(conn).Submit("processing", ident, opts)

    def pending(self):
        return sorted(str(r["Identifier"]) for r in self.list_requests())

    def ping(self):
        self.bus.get_object("org.bgtaskd", "/org/bgtaskd").Ping(dbus_interface="org.freedesktop.DBus.Peer")

    def integrity(self):
        db = sqlite3.connect(os.path.join(self.state_dir, "bgtaskd.db"))
        try:
            return db.execute("PRAGMA integrity_check").fetchall()
        finally:
            db.close()

    def kill_and_restart(self):
        os.kill(self.daemon.pid, signal.SIGKILL)
        self.daemon.wait()
        self.daemon = None
        self._daemon_log.close()
        self.assertEqual(self.integrity(), [("ok",)])
        self.start_bgtaskd()

    def check_fault(self, mode, sub_reason, release=None):
        self.assertTrue(SHIM and os.path.exists(SHIM), "BGTASKD_FAULT_SHIM names no built shim")
        self.submit(IDS[0])
        self.set_fault(mode)
        e = self.assertDbusError(UNAVAILABLE, sub_reason, self.submit, IDS[1])
        self.assertNotIn("store-failed", e.get_dbus_message())
        # A second one fails the same way: the daemon did not give up or wedge.
        self.assertDbusError(UNAVAILABLE, sub_reason, self.submit, IDS[2])
        # Reads go on: the pending list (from memory), the history (from the database), a ping.
        self.ping()
        self.assertEqual(self.pending(), [IDS[0]])
        self.history(App=APP)
        self.assertEqual(self.ctl("list").returncode, 0)
        self.assertIsNone(self.daemon.poll(), "bgtaskd exited under the fault")
        (release or (lambda: self.set_fault("none")))()
        # It recovers by itself: the same calls now succeed.
        self.submit(IDS[1])
        self.assertEqual(self.pending(), [IDS[0], IDS[1]])
        self.kill_and_restart()
        self.assertEqual(self.pending(), [IDS[0], IDS[1]])

    def test_a_full_disk_refuses_submits_as_storage_full_and_recovers(self):
        self.check_fault("enospc", "storage-full")

    def test_a_read_only_file_system_refuses_submits_as_storage_readonly_and_recovers(self):
        self.check_fault("erofs", "storage-readonly")

    def test_failing_writes_refuse_submits_as_storage_io_and_recover(self):
        self.check_fault("eio", "storage-io")

    def test_a_failing_fsync_refuses_submits_as_storage_io_and_recovers(self):
        self.check_fault("eio-fsync", "storage-io")

    def test_a_database_locked_by_another_process_refuses_submits_as_storage_busy(self):
        # Another process's connection takes the write lock and keeps it (WAL: readers go on).
        other = sqlite3.connect(os.path.join(self.state_dir, "bgtaskd.db"), isolation_level=None)
        self.addCleanup(other.close)

        def lock():
            other.execute("BEGIN IMMEDIATE")
            other.execute("CREATE TABLE IF NOT EXISTS squatter(x)")   # a real write in its transaction

        def unlock():
            other.execute("ROLLBACK")

        self.set_fault = lambda mode: lock() if mode != "none" else unlock()
        self.check_fault("locked", "storage-busy", release=unlock)
        # The other process's uncommitted write left nothing behind.
        db = sqlite3.connect(os.path.join(self.state_dir, "bgtaskd.db"))
        self.addCleanup(db.close)
        self.assertEqual(db.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'squatter'").fetchone(), (0,))


    def test_the_daemon_starts_and_answers_with_a_failing_fsync_and_recovers_without_a_restart(self):
        self.assertTrue(SHIM and os.path.exists(SHIM), "BGTASKD_FAULT_SHIM names no built shim")
        self.submit(IDS[0])
        self.stop_bgtaskd()
        self.set_fault("eio-fsync")
        # Starting writes nothing that must succeed: the run ids it reserves at start are
        # reserved again by the first launch.
        self.start_bgtaskd()
        self.ping()
        self.assertEqual(self.pending(), [IDS[0]])
        self.assertDbusError(UNAVAILABLE, "storage-io", self.submit, IDS[1])
        self.set_fault("none")
        self.submit(IDS[1])
        self.assertEqual(self.pending(), [IDS[0], IDS[1]])


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""A list too large for one D-Bus message: ListRequests is refused with a typed error and
bgtaskd stays on the bus (a reply above the bus daemon's max_message_size, 32 MiB by default,
used to get bgtaskd disconnected, which ended it). The requests are written straight into the
real SQLite file between two runs of the real daemon: filling 40,000 (over 32 MiB listed) through Submit would take
minutes."""
import sqlite3
import time
import unittest

from bgtaskd_testlib import DaemonTestCase, usec

APP = "org.example.Big"
COUNT = 40_000
PAD = "x" * 200


class BigListTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(APP, [f"{APP}.one"], kinds=("processing",))

    def fill_store(self):
        self.stop_bgtaskd()
        db = sqlite3.connect(f"{self.state_dir}/bgtaskd.db")
        now = int(time.time() * 1e6)
        with db:
            db.executemany(
                "INSERT INTO requests (app, identifier, kind, submitted_at, earliest_begin, title, subtitle) "
                "VALUES (?, ?, 'processing', ?, ?, ?, ?)",
                ((APP, f"{APP}.{PAD}.{n}", now, usec(86400), PAD, PAD) for n in range(COUNT)))
        db.close()
        self.start_bgtaskd()

    def test_a_list_too_large_for_one_message_is_refused_and_bgtaskd_stays(self):
        self.fill_store()
        self.assertDbusError("org.bgtaskd.Error.Unavailable", "too-many-requests",
                             lambda: self.manager().ListRequests(timeout=120))
        self.assertIsNone(self.daemon.poll(), "bgtaskd exited")
        self.assertTrue(self.name_has_owner("org.bgtaskd"))
        explained = self.manager().Explain(APP, f"{APP}.{PAD}.7")
        self.assertEqual((str(explained["State"]), str(explained["Kind"])), ("pending", "processing"))


if __name__ == "__main__":
    unittest.main()

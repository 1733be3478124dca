# SPDX-License-Identifier: LGPL-2.1-or-later
"""Long work off the daemon's loop: a manifest reload (SIGHUP, or a change seen by the apps
directory watch) reads and parses the files on a worker thread and only applies the result on
the loop, so other calls are answered meanwhile. These tests assert orderings through the real
bus, never times: the daemon says (debug log) when a reading starts, and the test calls it
while the reading of many manifests is still going on."""
import os
import signal
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, eventually, usec

STAYS = "org.example.Stays"
GOES = "org.example.Goes"
NEW = "org.example.New"
LATER = "org.example.Later"
# Enough manifests that reading them takes far longer than a few calls' round trips, in any
# build type (a reload of 2,000 took 30-70 ms in RelWithDebInfo, bench/README.md).
MANY = 6000


def refresh(app):
    return f"{app}.refresh"


class ReloadOffLoopTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(STAYS, [refresh(STAYS), f"{STAYS}.other"], kinds=("app-refresh", "processing"))
        self.goes_path = self.install_manifest(GOES, [refresh(GOES)])
        # The bulk lives in a second data directory, written before the daemon starts (and so
        # not seen by the watch): every reload reads it all.
        self.bulk_data = os.path.join(self.tmp, "bulk")
        bulk_apps = os.path.join(self.bulk_data, "bgtaskd", "apps")
        os.makedirs(bulk_apps)
        for i in range(MANY):
            app = f"org.example.bulk.App{i}"
            with open(os.path.join(bulk_apps, f"{app}.conf"), "w") as f:
                f.write(f"[Application]\nId={app}\nKinds=app-refresh;processing;\n"
                        f"PermittedIdentifiers={app}.a;{app}.b;{app}.c;{app}.d;\n")

    def start_bgtaskd(self, extra_args=()):
        super().start_bgtaskd(extra_args=[f"--data-dir={self.bulk_data}", *extra_args])

    def app_ids(self):
        return {str(a["App"]) for a in self.manager().ListApps()}

    def pending(self):
        return sorted((str(r["App"]), str(r["Identifier"])) for r in self.list_requests())

    def readings_started(self):
        return self.daemon_log().count("Reading the manifests off the loop")

    def reloads_applied(self):
        return self.daemon_log().count("Reloaded manifests (")

    def submit_later(self, app, identifier=None, kind="app-refresh"):
        self.submit_for(app, kind, identifier or refresh(app), EarliestBeginDate=dbus.Int64(usec(3600)))

    def sighup_and_wait_for_reading(self):
        started = self.readings_started()
        self.daemon.send_signal(signal.SIGHUP)
        eventually(lambda: self.readings_started() > started, 30, message="no reading started")

    def test_calls_are_answered_while_a_reload_reads_and_its_result_is_applied_after(self):
        self.submit_later(STAYS)
        self.submit_later(GOES)
        applied = self.reloads_applied()
        # Manifests that ManifestWatch sees would start a reading of their own; written under
        # another name and renamed after the SIGHUP's reading started, they are read by the
        # next one. Here the removal and the new app are what SIGHUP is to find.
        os.unlink(self.goes_path)
        self.install_manifest(NEW, [refresh(NEW)])
        self.sighup_and_wait_for_reading()
        # The reading of thousands of files is going on: the loop answers, from the registry
        # as it was (an app's submit, the tools' questions). Cheap calls only: a ListApps of
        # thousands of apps would outlast the reading.
        self.submit_later(STAYS, f"{STAYS}.other", "processing")
        pending = self.pending()
        with self.assertRaises(dbus.exceptions.DBusException) as unknown:
            self.submit_later(NEW)
        # All of that was answered before the reload was applied (its log line comes in the
        # same loop turn as the registry swap).
        self.assertEqual(self.reloads_applied(), applied,
                         "the reload was applied before the calls made during its reading were answered")
        self.assertIn((GOES, refresh(GOES)), pending)
        self.assertTrue(unknown.exception.get_dbus_message().startswith("not-an-app: "),
                        unknown.exception.get_dbus_message())
        # Then it is applied: the new app known, the removed one's request dropped with its record.
        eventually(lambda: NEW in self.app_ids(), 60, message="the reload was never applied")
        self.assertNotIn(GOES, self.app_ids())
        eventually(lambda: (GOES, refresh(GOES)) not in self.pending(), message="the removed app's request stayed")
        self.assertEqual(self.pending(), sorted([(STAYS, refresh(STAYS)), (STAYS, f"{STAYS}.other")]))
        [record] = self.history(App=GOES)
        self.assertEqual(record["Outcome"], "dropped")
        self.assertEqual(len(self.app_ids()), MANY + 2)

    def test_a_sighup_during_a_reading_brings_one_more_reload_that_sees_later_changes(self):
        self.sighup_and_wait_for_reading()
        readings = self.readings_started()
        # Written while the first reading goes on (after it may have listed the directory):
        # the SIGHUPs that follow ask for one more reading, not one each, nor a second thread.
        self.install_manifest(LATER, [refresh(LATER)])
        self.daemon.send_signal(signal.SIGHUP)
        self.daemon.send_signal(signal.SIGHUP)
        eventually(lambda: LATER in self.app_ids(), 60, message="the change made during a reading was lost")
        self.assertLessEqual(self.readings_started(), readings + 2, self.daemon_log()[-3000:])
        self.submit_later(LATER)
        self.assertIn((LATER, refresh(LATER)), self.pending())

    def test_sigterm_during_a_reading_exits_cleanly(self):
        self.sighup_and_wait_for_reading()
        rc = self.stop_bgtaskd(signal.SIGTERM)
        self.assertEqual(rc, 0)
        log = self.daemon_log()
        self.assertIn("Received SIGTERM, shutting down", log)
        self.assertNotIn("ERROR", log.upper().replace("NO ERROR", ""))


if __name__ == "__main__":
    unittest.main()

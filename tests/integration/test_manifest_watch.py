# SPDX-License-Identifier: LGPL-2.1-or-later
"""Manifests picked up live: the real bgtaskd watches every apps directory with inotify, so a
manifest written, removed or broken while it runs takes effect without SIGHUP. A removed app's
pending requests are dropped with a history record; a manifest broken in place holds its app."""
import json
import os
import shutil
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, eventually, stays_true, usec

STAYS = "org.example.Stays"
GOES = "org.example.Goes"
LATE = "org.example.Late"


def refresh(app):
    return f"{app}.refresh"


class ManifestWatchTest(DaemonTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        # A second data directory that does not exist yet, not even its parent: the daemon
        # watches the nearest existing ancestor until a package creates it.
        self.late_data = os.path.join(self.tmp, "late", "share")
        self.start_bgtaskd(extra_args=[f"--data-dir={self.late_data}"])

    def install_apps(self):
        self.install_manifest(STAYS, [refresh(STAYS)])
        self.goes_path = self.install_manifest(GOES, [refresh(GOES)])

    def app_ids(self):
        return [str(a["App"]) for a in self.manager().ListApps()]

    def pending(self):
        return sorted((str(r["App"]), str(r["Identifier"])) for r in self.list_requests())

    def submit_later(self, app):
        self.submit_for(app, "app-refresh", refresh(app), EarliestBeginDate=dbus.Int64(usec(3600)))

    def test_a_manifest_written_while_the_daemon_runs_is_live(self):
        self.assertNotIn(LATE, self.app_ids())
        self.install_manifest(LATE, [refresh(LATE)])
        eventually(lambda: LATE in self.app_ids(), message="the new manifest was not picked up")
        self.submit_later(LATE)
        self.assertIn((LATE, refresh(LATE)), self.pending())

    def test_a_manifest_in_an_apps_directory_created_later_is_live(self):
        apps = os.path.join(self.late_data, "bgtaskd", "apps")
        os.makedirs(apps)
        # As dpkg does: a temporary name, then a rename into place.
        path = os.path.join(apps, f"{LATE}.conf")
        with open(path + ".dpkg-new", "w") as f:
            f.write(f"[Application]\nId={LATE}\nPermittedIdentifiers={refresh(LATE)};\nKinds=app-refresh;\n")
        os.rename(path + ".dpkg-new", path)
        eventually(lambda: LATE in self.app_ids(), message="the manifest in the new directory was not picked up")
        self.submit_later(LATE)
        # And the directory is watched from now on: its removal is seen too.
        shutil.rmtree(os.path.join(self.tmp, "late"))
        eventually(lambda: LATE not in self.app_ids(), message="the removed directory's app stayed")
        self.assertNotIn((LATE, refresh(LATE)), self.pending())

    def test_removing_a_manifest_drops_the_apps_requests_with_a_history_record(self):
        self.submit_later(STAYS)
        self.submit_later(GOES)
        self.assertEqual(self.pending(), sorted([(STAYS, refresh(STAYS)), (GOES, refresh(GOES))]))
        os.unlink(self.goes_path)
        eventually(lambda: self.pending() == [(STAYS, refresh(STAYS))],
                   message="the removed app's request was not dropped")
        self.assertEqual(self.app_ids(), [STAYS])
        [record] = self.history(App=GOES)
        self.assertEqual(record["Identifier"], refresh(GOES))
        self.assertEqual(record["Outcome"], "dropped")
        self.assertTrue(str(record["Reason"]).startswith("manifest-removed: "), record["Reason"])
        self.assertEqual(self.history(App=STAYS), [])
        # bgtaskctl shows the record, reason once.
        line = [l for l in self.ctl("history", "--app", GOES).stdout.splitlines() if refresh(GOES) in l]
        self.assertEqual(len(line), 1, line)
        self.assertIn("dropped", line[0])
        self.assertEqual(line[0].count("manifest-removed"), 1, line[0])
        # The request is gone for good: a restarted daemon does not bring it back.
        self.stop_bgtaskd()
        self.start_bgtaskd(extra_args=[f"--data-dir={self.late_data}"])
        self.assertEqual(self.pending(), [(STAYS, refresh(STAYS))])

    def test_a_manifest_broken_in_place_holds_its_app_and_loses_nothing_else(self):
        self.submit_later(STAYS)
        self.submit_later(GOES)
        with open(self.goes_path, "w") as f:   # in place: truncated and rewritten
            f.write("[Application]\nId=org.example.Goes\nthis line is not a key\n")

        def problem_shown():
            doc = json.loads(self.ctl("--json", "apps").stdout)
            return any(p["file"] == self.goes_path and p["fatal"] for p in doc["problems"])
        eventually(problem_shown, message="the broken manifest's problem was not reported")
        self.assertEqual(self.app_ids(), [STAYS])
        # Held, not removed: its request waits for a fix and nothing is recorded as dropped.
        stays_true(lambda: len(self.pending()) == 2, 0.5)
        self.assertEqual(self.history(App=GOES), [])
        self.install_manifest(GOES, [refresh(GOES)])
        eventually(lambda: sorted(self.app_ids()) == sorted([STAYS, GOES]),
                   message="the repaired manifest was not picked up")
        self.assertEqual(self.pending(), sorted([(STAYS, refresh(STAYS)), (GOES, refresh(GOES))]))


    def test_a_manifest_removed_while_the_daemon_was_down_drops_the_apps_requests_at_start(self):
        self.submit_later(STAYS)
        self.submit_later(GOES)
        self.stop_bgtaskd()
        # While bgtaskd is down: one manifest removed, the other broken in place.
        os.unlink(self.goes_path)
        stays_path = os.path.join(self.apps_dir, f"{STAYS}.conf")
        with open(stays_path, "w") as f:
            f.write(f"[Application]\nId={STAYS}\nthis line is not a key\n")
        self.start_bgtaskd(extra_args=[f"--data-dir={self.late_data}"])
        # As a reload while it ran would have done: the removed app's request is dropped with
        # its record, the broken one's is held until the file is fixed.
        self.assertEqual(self.pending(), [(STAYS, refresh(STAYS))])
        eventually(lambda: len(self.history(App=GOES)) == 1, message="no record of the dropped request")
        [record] = self.history(App=GOES)
        self.assertEqual(record["Identifier"], refresh(GOES))
        self.assertEqual(record["Outcome"], "dropped")
        self.assertTrue(str(record["Reason"]).startswith("manifest-removed: "), record["Reason"])
        self.assertEqual(self.history(App=STAYS), [])
        self.install_manifest(STAYS, [refresh(STAYS)])
        eventually(lambda: self.app_ids() == [STAYS], message="the repaired manifest was not picked up")
        self.assertEqual(self.pending(), [(STAYS, refresh(STAYS))])


if __name__ == "__main__":
    unittest.main()

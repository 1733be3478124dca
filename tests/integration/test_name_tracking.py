# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskd follows NameOwnerChanged only for the names it cares about (arg0 rules, one per app
bus name and per connection that called Scheduler1): other clients joining and leaving the bus
do not wake it. That a caller that leaves is still noticed is test_continued's
test_the_apps_process_going_away_drops_its_queue_and_cancels_its_running_task; the same with
hundreds of apps, and under a bus daemon's limit on match rules, is test_many_apps'."""
import unittest

from bgtaskd_testlib import DaemonTestCase

APP = "org.example.Tracked"
ID = "org.example.Tracked.work"
STRANGERS = 20


class NameTrackingTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(APP, [ID])

    def test_clients_that_never_call_bgtaskd_do_not_wake_it(self):
        woken = self.strangers_wake_ups(STRANGERS)
        # Each stranger used to cost at least one wake-up (its arrival and its departure were
        # both broadcast to bgtaskd); allow for an unrelated one, not one per stranger.
        self.assertLess(woken, STRANGERS // 2, f"{STRANGERS} strangers woke bgtaskd {woken} times")


if __name__ == "__main__":
    unittest.main()

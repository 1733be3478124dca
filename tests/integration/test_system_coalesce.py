# SPDX-License-Identifier: LGPL-2.1-or-later
"""Network coalescing through the real bgtaskd, activated apps and NetworkManager from
python-dbusmock: three apps' network requests launch together when the network comes up (one
of them before its earliest begin date, which falls inside NetworkCoalesceWindow), sharing one
CoalesceGroup in the history and in `bgtaskctl history --json`; with the network up, explain
names the group a request will launch with, and the group launches at its first request's
date."""
import json
import time
import unittest

import dbus

from bgtaskd_testlib import NO_FAIRNESS, eventually, usec
from system_testlib import SystemStateTestCase

APPS = ["org.example.NetA", "org.example.NetB", "org.example.NetC"]
WINDOW = 60   # seconds


def job(app):
    return f"{app}.sync"


class CoalesceTestCase(SystemStateTestCase):
    fairness = dict(NO_FAIRNESS, NetworkCoalesceWindow=str(WINDOW))

    def install_apps(self):
        for app in APPS:
            self.install_activatable_testapp(app, [job(app)], kinds=("processing",))

    def setUp(self):
        super().setUp()
        # Processing waits for an idle user; the user is idle here.
        self.set_session(IdleHint=True)
        self.wait_state("UserIdle", True)

    def submit_network(self, app, due):
        self.submit_for(app, "processing", job(app), RequiresNetworkConnectivity=True,
                        EarliestBeginDate=dbus.Int64(due))

    def runs_by_app(self):
        return {str(r["App"]): r for r in self.history()}


class NetworkComesUpTest(CoalesceTestCase):
    def test_three_apps_network_requests_launch_together_when_the_network_comes_up(self):
        self.set_connectivity(1)   # none
        self.wait_state("Connectivity", "none")
        late = usec(WINDOW / 2)    # inside the window of the others, far from due
        self.submit_network(APPS[0], usec(0.5))
        self.submit_network(APPS[1], usec(1))
        self.submit_network(APPS[2], late)
        eventually(lambda: sum(str(r["Waiting"]).startswith("network") for r in self.list_requests()) == 2, 10,
                   message="the two due requests do not wait for the network")
        self.set_connectivity(4)   # full
        runs = eventually(lambda: len(self.history()) == 3 and self.runs_by_app(), 30,
                          message="the three requests did not all run")
        groups = {int(r.get("CoalesceGroup", 0)) for r in runs.values()}
        self.assertEqual(len(groups), 1, runs)
        self.assertNotIn(0, groups, runs)
        self.assertLess(int(runs[APPS[2]]["StartedAt"]), late, "the third did not launch with the others")
        self.assertTrue(all(str(r["Outcome"]) == "completed" for r in runs.values()), runs)
        history = json.loads(self.ctl("history", "--json").stdout)["runs"]
        self.assertEqual({r["coalesceGroup"] for r in history}, groups)
        self.assertIn("GROUP", self.ctl("history").stdout)


class DueTogetherTest(CoalesceTestCase):
    def test_explain_names_the_group_and_it_launches_at_the_first_date(self):
        first = usec(6)
        last = usec(40)
        self.submit_network(APPS[0], first)
        self.submit_network(APPS[1], usec(8))
        self.submit_network(APPS[2], last)
        explained = self.manager().Explain(APPS[2], job(APPS[2]))
        blockers = [(str(b[0]), str(b[1])) for b in explained["Blockers"]]
        self.assertEqual(len(blockers), 1, blockers)
        self.assertEqual(blockers[0][0], "earliest-begin-date")
        self.assertRegex(blockers[0][1], r"; coalesced with 2 other network requests at \S+Z$")
        self.assertEqual(int(explained["DueAt"]), first)
        listed = {str(r["App"]): str(r["Waiting"]) for r in self.list_requests()}
        self.assertNotIn("coalesced", listed[APPS[0]])
        runs = eventually(lambda: len(self.history()) == 3 and self.runs_by_app(), 40,
                          message="the three requests did not all run")
        self.assertEqual(len({int(r.get("CoalesceGroup", 0)) for r in runs.values()}), 1, runs)
        self.assertNotIn(0, [int(r.get("CoalesceGroup", 0)) for r in runs.values()])
        self.assertLess(int(runs[APPS[2]]["StartedAt"]), last)
        self.assertGreaterEqual(min(int(r["StartedAt"]) for r in runs.values()), first)


if __name__ == "__main__":
    unittest.main()

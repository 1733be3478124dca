# SPDX-License-Identifier: LGPL-2.1-or-later
"""The what-if simulator through the real bgtaskd and bgtaskctl, with NetworkManager and logind
from python-dbusmock and a umockdev power supply: `bgtaskctl simulate --scenario` predicts the
launch order of a scripted day compressed into seconds, then the mocks are driven through the
same scenario at the moments the prediction names and the daemon's real launch order (its
history) must match; simulate itself changes nothing. Broken scenarios and out-of-range hours
are typed errors with file:line. (test_system_ rather than test_simulate: the power supply is a
umockdev device, and such modules run under umockdev-wrapper.)"""
import json
import os
import time
import unittest

import dbus

from bgtaskd_testlib import eventually, usec
from system_testlib import SystemStateTestCase

POWER = "org.example.SimPower"          # processing, needs external power
UNMETERED = "org.example.SimUnmetered"  # processing, needs an unmetered network
DATED = "org.example.SimDated"          # processing, only an earliest begin date
APPS = (POWER, UNMETERED, DATED)
NM_METERED_YES = 1
NM_METERED_NO = 2

# The scripted day, relative to the simulation's start: the dated request comes first (its date
# is set before the scenario starts), then the network stops being metered, then AC comes.
SCENARIO = """# a day on battery and metered Wi-Fi, compressed into seconds
+10s  metered=no
+5s   power=ac
"""


def job(app):
    return f"{app}.job"


class SimulateTestCase(SystemStateTestCase):
    ac_online = False

    def install_apps(self):
        for app in APPS:
            self.install_activatable_testapp(app, [job(app)], kinds=("processing",))

    def setUp(self):
        super().setUp()
        self.set_session(IdleHint=True)   # processing waits for an idle user
        self.set_connectivity(4)
        self.set_metered(NM_METERED_YES)
        self.wait_state("UserIdle", True)
        self.wait_state("Connectivity", "full")
        self.wait_state("Metered", True)
        self.wait_state("OnExternalPower", False)

    def write_scenario(self, text, name="day.scenario"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def submit_day(self):
        self.submit_for(POWER, "processing", job(POWER), RequiresExternalPower=True)
        self.submit_for(UNMETERED, "processing", job(UNMETERED), NetworkType="unmetered")
        self.submit_for(DATED, "processing", job(DATED), EarliestBeginDate=dbus.Int64(usec(6)))

    def pending_snapshot(self):
        return sorted((str(r["App"]), str(r["Identifier"]), int(r["SubmittedAt"]), int(r["EarliestBeginDate"]))
                      for r in self.list_requests())

    def simulate_json(self, *args):
        return json.loads(self.ctl("simulate", "--json", *args).stdout)


class PredictionTest(SimulateTestCase):
    def test_the_daemon_follows_the_predicted_launch_order_of_a_scripted_day(self):
        self.submit_day()
        before = self.pending_snapshot()
        self.assertEqual(len(before), 3, before)
        scenario = self.write_scenario(SCENARIO)
        prediction = self.simulate_json("--hours", "1", "--scenario", scenario)
        self.assertFalse(prediction["truncated"])
        events = prediction["events"]
        launches = [e for e in events if e["event"] == "launch"]
        predicted = [e["app"] for e in launches]
        self.assertEqual(predicted, [DATED, UNMETERED, POWER], events)
        # Why each waits, before it launches: explain's reasons.
        first_wait = {e["app"]: e["reason"] for e in reversed(events) if e["event"] == "wait"}
        self.assertTrue(first_wait[POWER].startswith("external-power"), first_wait)
        self.assertTrue(first_wait[UNMETERED].startswith("network-unmetered"), first_wait)
        self.assertTrue(first_wait[DATED].startswith("earliest-begin-date"), first_wait)
        ends = [e for e in events if e["event"] == "end"]
        self.assertEqual(sorted(e["app"] for e in ends), sorted(APPS), events)
        self.assertTrue(all(e["outcome"] == "completed" for e in ends), ends)
        self.assertTrue(all(e["duration"] > 0 for e in launches), launches)

        # Simulate changed nothing: the same requests, nothing launched, nothing in the history.
        self.assertEqual(self.pending_snapshot(), before)
        self.assertEqual(self.history(), [])
        self.assertEqual([e for app in APPS for e in self.app_events(app, "launch")], [])

        # Now drive the mocks through the same scenario, at the moments the prediction names.
        steps = [e for e in events if e["event"] == "state"]
        self.assertEqual([s["reason"] for s in steps], ["metered=no", "power=ac"], steps)
        actions = {"metered=no": lambda: self.set_metered(NM_METERED_NO), "power=ac": lambda: self.set_ac(True)}
        for step in steps:
            at = iso_to_epoch(step["at"])
            time.sleep(max(0.0, at - time.time()))
            actions[step["reason"]]()
        runs = eventually(lambda: len(self.history()) == 3 and self.history(), 60,
                          message="the three requests did not all run")
        actual = [str(r["App"]) for r in sorted(runs, key=lambda r: int(r["StartedAt"]))]
        self.assertEqual(actual, predicted, runs)
        self.assertTrue(all(str(r["Outcome"]) == "completed" for r in runs), runs)

        # The next prediction takes the run's real duration as the identifier's usual one.
        run = next(r for r in runs if str(r["App"]) == DATED)
        took = int(run["EndedAt"]) - int(run["StartedAt"])
        self.submit_for(DATED, "processing", job(DATED), EarliestBeginDate=dbus.Int64(usec(3600)))
        again = self.simulate_json("--hours", "2", "--app", DATED)["events"]
        launch = [e for e in again if e["event"] == "launch"]
        self.assertEqual(len(launch), 1, again)
        self.assertEqual(launch[0]["duration"], took, again)

    def test_without_a_scenario_the_state_stays_and_only_the_dated_request_launches(self):
        self.submit_day()
        events = self.simulate_json("--hours", "2")["events"]
        launches = [e["app"] for e in events if e["event"] == "launch"]
        self.assertEqual(launches, [DATED], events)
        self.assertEqual([e for e in events if e["event"] == "state"], [])

    def test_the_app_filter_keeps_that_apps_events_and_the_state_steps(self):
        self.submit_day()
        scenario = self.write_scenario(SCENARIO)
        events = self.simulate_json("--scenario", scenario, "--app", POWER)["events"]
        self.assertTrue(events)
        self.assertEqual({e["app"] for e in events if e["event"] != "state"}, {POWER}, events)
        self.assertEqual(len([e for e in events if e["event"] == "state"]), 2, events)

    def test_the_human_timeline_names_each_launch_and_its_reason(self):
        self.submit_day()
        out = self.ctl("simulate", "--scenario", self.write_scenario(SCENARIO)).stdout
        self.assertIn("TIME", out)
        for app in APPS:
            self.assertIn(f"{app} {job(app)}", out)
        self.assertIn("launch, runs ~", out)
        self.assertIn("external-power", out)
        self.assertIn("metered=no", out)
        self.assertIn("Nothing was launched or changed", out)


class ErrorTest(SimulateTestCase):
    def test_a_broken_scenario_is_a_typed_error_with_file_and_line(self):
        path = self.write_scenario("# fine\n+1h power=mains\n", "broken.scenario")
        out = self.ctl("simulate", "--scenario", path, check=False)
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn(f"{path}:2: power=mains: expected ac, battery or unknown", out.stderr)
        self.assertDbusError("org.bgtaskd.Error.InvalidArgument", "bad-scenario", self.manager().Simulate,
                             dbus.Dictionary({"Scenario": "18:00\n", "ScenarioName": "x"}, signature="sv"))

    def test_a_missing_scenario_file_is_a_usage_error(self):
        out = self.ctl("simulate", "--scenario", os.path.join(self.tmp, "none"), check=False)
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("cannot read it", out.stderr)

    def test_an_endless_scenario_file_is_refused_not_read_forever(self):
        out = self.ctl("simulate", "--scenario", "/dev/zero", check=False)
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("/dev/zero: larger than 1048576 bytes", out.stderr)

    def test_hours_out_of_range_and_unknown_options_are_invalid_arguments(self):
        for hours in ("0", "169"):
            out = self.ctl("simulate", "--hours", hours, check=False)
            self.assertEqual(out.returncode, 2, out.stderr)
            self.assertIn("Hours must be from 1 to 168", out.stderr)
        manager = self.manager()
        self.assertDbusError("org.bgtaskd.Error.InvalidArgument", "out-of-range", manager.Simulate,
                             dbus.Dictionary({"Hours": dbus.UInt32(1000)}, signature="sv"))
        self.assertDbusError("org.bgtaskd.Error.InvalidArgument", "wrong-type", manager.Simulate,
                             dbus.Dictionary({"Hours": "24"}, signature="sv"))
        self.assertDbusError("org.bgtaskd.Error.InvalidArgument", "unknown-option", manager.Simulate,
                             dbus.Dictionary({"Days": dbus.UInt32(1)}, signature="sv"))
        self.assertDbusError("org.bgtaskd.Error.NotFound", "no-such-app", manager.Simulate,
                             dbus.Dictionary({"App": "org.example.Nobody"}, signature="sv"))


def iso_to_epoch(text):
    """"2026-12-06T23:10:00.123456Z" (bgtaskctl --json) as seconds since the epoch."""
    from datetime import datetime, timezone
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in text else "%Y-%m-%dT%H:%M:%SZ"
    return datetime.strptime(text, pattern).replace(tzinfo=timezone.utc).timestamp()


if __name__ == "__main__":
    unittest.main()

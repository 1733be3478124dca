# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskctl explain after each kind of system-state change: umockdev power supplies and
python-dbusmock NetworkManager, logind and power-profiles-daemon on a private system bus drive
the real bgtaskd; explain (JSON and human) names the one condition that holds a request, with the
value bgtaskd observed, since when and what would unblock it, and the request launches once the
change is undone. Runs under umockdev-wrapper (see CMakeLists.txt)."""
import datetime
import json
import re
import unittest

import dbus

from bgtaskd_testlib import FAST_LIMITS, eventually, stays_true, usec
from system_testlib import SystemStateTestCase

APP = "org.example.Worker"
JOB = f"{APP}.job"
REFRESH = f"{APP}.refresh"
STUDY = f"{APP}.study"
KINDS = ("app-refresh", "processing", "health-research")


def iso_usec(text):
    when = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(when.timestamp()) * 1_000_000 + when.microsecond


class SystemExplainTest(SystemStateTestCase):
    limits = dict(FAST_LIMITS, ProcessingTimeLimit="30", HealthResearchTimeLimit="30")

    def install_apps(self):
        self.install_activatable_testapp(APP, [JOB, REFRESH, STUDY], kinds=KINDS)
        # health research needs its entitlement
        self.install_manifest(APP, [JOB, REFRESH, STUDY], kinds=KINDS, entitlements=("health-research",))

    def setUp(self):
        super().setUp()
        # Every backend has answered, and the user is idle unless a test says otherwise, so
        # nothing but the test's own change holds a request.
        self.set_session(IdleHint=True)
        self.wait_state("UserIdle", True)
        self.wait_state("Connectivity", "full")
        self.wait_state("Metered", False)
        self.wait_state("SessionLocked", False)
        self.wait_state("LowPowerMode", False)
        self.wait_state("OnExternalPower", True)

    # ---- helpers ---------------------------------------------------------------------------
    def submit(self, kind, identifier, **options):
        self.submit_for(APP, kind, identifier, **options)

    def explain(self, identifier):
        return json.loads(self.ctl("--json", "explain", APP, identifier).stdout)

    def launched(self, identifier):
        return [e for e in self.app_events(APP, "launch") if e["identifier"] == identifier]

    def assertHeld(self, kind, identifier, expected, **options):
        """Submits, then checks that explain names exactly the expected blockers
        ([(condition, reason, remedy)]), in JSON and in words, each seen since the submit, and
        that the request does not launch."""
        submitted = usec(0)
        self.submit(kind, identifier, **options)
        doc = self.explain(identifier)
        self.assertEqual((doc["state"], doc["kind"]), ("pending", kind), doc)
        self.assertEqual([(b["condition"], b["reason"], b["remedy"]) for b in doc["blockers"]],
                         [(c, f"{c}: {reason}", remedy) for c, reason, remedy in expected])
        for b in doc["blockers"]:
            self.assertIsNotNone(b["since"], b)
            self.assertGreaterEqual(iso_usec(b["since"]), submitted - 10_000, b)
            self.assertLessEqual(iso_usec(b["since"]), usec(0), b)
        self.assertIsNone(doc["dueAt"], "a system condition has no known end")
        human = self.ctl("explain", APP, identifier).stdout
        self.assertIn(f"{identifier} of {APP} ({kind}): pending\n", human)
        for condition, reason, remedy in expected:
            self.assertRegex(human, rf"✗ {re.escape(condition)}: {re.escape(reason)} — since "
                                    rf"(now|\d+ s ago) — {re.escape(remedy)}\n")
        self.assertIn("would run: when the blockers above clear", human)
        stays_true(lambda: not self.launched(identifier), 0.5, message=f"{identifier} launched while held")
        # Since when: the first time bgtaskd saw it, not the time of the question.
        again = self.explain(identifier)
        self.assertEqual([b["since"] for b in again["blockers"]], [b["since"] for b in doc["blockers"]])
        return doc

    def assertReleased(self, identifier):
        eventually(lambda: self.launched(identifier), 10, message=f"{identifier} did not launch once unblocked")
        self.assertIn(self.explain(identifier)["state"], ("running", "finished"))

    # ---- power -----------------------------------------------------------------------------
    def test_explain_names_external_power_on_battery_until_the_charger_is_plugged_in(self):
        self.set_ac(False)
        self.wait_state("OnExternalPower", False)
        self.assertHeld("processing", JOB, [("external-power", "on battery (80 %, discharging)",
                                             "plug in the charger")],
                        RequiresExternalPower=True)
        self.set_ac(True)
        self.assertReleased(JOB)

    def test_explain_names_a_low_discharging_battery_until_it_charges(self):
        self.set_ac(False)
        self.set_battery(10)
        self.wait_state("BatteryPercent", 10)
        self.assertHeld("processing", JOB, [("battery-not-low", "10 % and discharging", "charge the battery"),
                                            ("low-battery", "10 % and discharging", "charge the battery")],
                        RequiresBatteryNotLow=True)
        self.assertHeld("app-refresh", REFRESH, [("low-battery", "10 % and discharging", "charge the battery")])
        self.set_battery(10, "Charging")
        self.assertReleased(JOB)
        self.assertReleased(REFRESH)

    def test_explain_names_low_power_mode_for_app_refresh_until_power_saver_is_off(self):
        self.set_profile("power-saver")
        self.wait_state("LowPowerMode", True)
        self.assertHeld("app-refresh", REFRESH, [("low-power-mode", "Low Power Mode is on; app refresh is paused",
                                                  "turn off power-saver mode")])
        self.set_profile("balanced")
        self.assertReleased(REFRESH)

    # ---- network ---------------------------------------------------------------------------
    def test_explain_names_the_network_behind_a_captive_portal_until_connectivity_is_full(self):
        self.set_connectivity(2)   # portal
        self.wait_state("Connectivity", "portal")
        self.assertHeld("processing", JOB, [("network", "connectivity is portal (a captive portal asks for a login)",
                                             "connect to a network with full connectivity")],
                        RequiresNetworkConnectivity=True)
        self.set_connectivity(4)
        self.assertReleased(JOB)

    def test_explain_names_a_metered_connection_for_an_unmetered_task_until_it_is_unmetered(self):
        self.set_metered(1)   # yes
        self.wait_state("Metered", True)
        self.assertHeld("processing", JOB, [("network-unmetered", "the connection is metered",
                                             "switch to an unmetered connection")],
                        NetworkType="unmetered")
        self.set_metered(2)   # no
        self.assertReleased(JOB)

    # ---- session ---------------------------------------------------------------------------
    def test_explain_names_an_active_user_for_processing_until_the_user_is_idle(self):
        self.set_session(IdleHint=False)
        self.wait_state("UserIdle", False)
        self.assertHeld("processing", JOB, [("user-idle", "the user is active", "leave the computer idle")])
        self.set_session(IdleHint=True)
        self.assertReleased(JOB)

    def test_explain_names_data_protection_for_complete_health_data_until_the_session_is_unlocked(self):
        self.set_session(LockedHint=True)
        self.wait_state("SessionLocked", True)
        self.assertHeld("health-research", STUDY,
                        [("data-protection", "the session is locked (complete protection needs it unlocked)",
                          "unlock the session")],
                        ProtectionTypeOfRequiredData="complete")
        self.set_session(LockedHint=False)
        self.assertReleased(STUDY)

    # ---- a change while a request waits ----------------------------------------------------
    def test_explain_adds_a_blocker_when_the_state_changes_under_a_waiting_request_and_drops_it_when_undone(self):
        self.submit("processing", JOB, RequiresExternalPower=True, EarliestBeginDate=dbus.Int64(usec(3600)))
        doc = self.explain(JOB)
        [date] = doc["blockers"]
        self.assertEqual(date["condition"], "earliest-begin-date")
        due = doc["dueAt"]
        self.assertIsNotNone(due)
        unplugged = usec(0)
        self.set_ac(False)
        doc = eventually(lambda: (lambda d: d if len(d["blockers"]) == 2 else None)(self.explain(JOB)), 10)
        self.assertEqual([b["condition"] for b in doc["blockers"]], ["earliest-begin-date", "external-power"])
        power = doc["blockers"][1]
        self.assertEqual(power["remedy"], "plug in the charger")
        self.assertEqual(doc["blockers"][0]["since"], date["since"], "the date's since moved")
        self.assertGreaterEqual(iso_usec(power["since"]), unplugged)
        self.assertIsNone(doc["dueAt"], "a condition without a known end hides the due time")
        human = self.ctl("explain", APP, JOB).stdout
        self.assertIn("✗ earliest-begin-date: ", human)
        self.assertIn("✗ external-power: on battery (80 %, discharging) — since ", human)
        self.assertIn("would run: when the blockers above clear", human)
        self.set_ac(True)
        doc = eventually(lambda: (lambda d: d if len(d["blockers"]) == 1 else None)(self.explain(JOB)), 10)
        self.assertEqual(doc["blockers"][0], date)
        self.assertEqual(doc["dueAt"], due)
        self.assertIn("would run: in 59 min", self.ctl("explain", APP, JOB).stdout)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""The real bgtaskctl against the real bgtaskd on a private session bus: `policy` and `apps` in
human and JSON form with their exit statuses, `explain` naming each policy and fairness blocker
with its remedy (and the blocker going away when it is lifted), and `explain` and `history`
showing how a run ended after each kind of end."""
import datetime
import json
import math
import re
import time
import unittest

import dbus

from bgtaskd_testlib import FAST_LIMITS, NO_FAIRNESS, DaemonTestCase, eventually, stays_true, usec

FEEDS = "org.example.Feeds"
REFRESH = f"{FEEDS}.refresh"
JOB = f"{FEEDS}.job"
MAIL = "org.example.Mail"
MAIL_REFRESH = f"{MAIL}.refresh"
NOBODY = "org.example.Nobody"


def iso_usec(text):
    """bgtaskctl's ISO time ("2026-11-28T10:00:00.123456Z") in microseconds since the epoch."""
    when = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(when.timestamp()) * 1_000_000 + when.microsecond


class CtlTestCase(DaemonTestCase):
    def json_of(self, *args):
        return json.loads(self.ctl("--json", *args).stdout)

    def explain(self, app, identifier):
        return self.json_of("explain", app, identifier)

    def conditions(self, app, identifier):
        return [b["condition"] for b in self.explain(app, identifier).get("blockers", [])]

    def launched(self, app, identifier):
        return [e for e in self.app_events(app, "launch") if e["identifier"] == identifier]

    def run_of(self, app, identifier):
        runs = self.history(App=app, Identifier=identifier)
        return runs[0] if runs else None

    def app_row(self, app):
        return next(a for a in self.json_of("apps")["apps"] if a["app"] == app)

    def human_row(self, text, app):
        """The line of a bgtaskctl table that starts with app."""
        rows = [line for line in text.splitlines() if line.startswith(app + " ")]
        self.assertEqual(len(rows), 1, text)
        return rows[0]

    def assertBlocker(self, doc, condition, remedy_words):
        """doc (explain --json) is pending with exactly this blocker, seen since a time, with a
        remedy that says remedy_words."""
        self.assertEqual(doc["state"], "pending", doc)
        [blocker] = doc["blockers"]
        self.assertEqual(blocker["condition"], condition, doc)
        self.assertTrue(blocker["reason"].startswith(condition + ": "), blocker)
        self.assertIn(remedy_words, blocker["remedy"])
        self.assertIsNotNone(blocker["since"])
        self.assertLessEqual(iso_usec(blocker["since"]), usec(1))
        return blocker


# ---- policy ---------------------------------------------------------------------------------
class PolicyCommandTest(CtlTestCase):
    def install_apps(self):
        self.install_activatable_testapp(FEEDS, [REFRESH, JOB])
        self.install_manifest(FEEDS, [REFRESH, JOB], kinds=("app-refresh", "processing", "continued-processing"))
        self.install_activatable_testapp(MAIL, [MAIL_REFRESH])

    def policy(self, app):
        return {str(k): v for k, v in self.manager().GetPolicy(app).items()}

    def test_policy_shows_every_app_available_until_the_user_switches_one_apps_refresh_off(self):
        human = self.ctl("policy").stdout
        self.assertIn("Every app: refresh on, continued on", human)
        self.assertRegex(self.human_row(human, FEEDS), rf"^{FEEDS}\s+available\s+available$")
        doc = self.json_of("policy")
        available = {"status": "available", "source": "default", "user": True}
        self.assertEqual(doc["everyApp"], {"refresh": available, "continued": available})
        self.assertEqual([a["app"] for a in doc["apps"]], [FEEDS, MAIL])
        self.assertEqual(doc["apps"][0], {"app": FEEDS, "refresh": available, "continued": available})

        out = self.ctl("policy", FEEDS, "refresh", "off")
        self.assertIn(f"Background App Refresh switched off for {FEEDS}.", out.stdout)
        self.assertIn(f"{FEEDS}: refresh denied (off for this app)", out.stdout)
        self.assertEqual(self.policy(FEEDS)["Refresh"], "denied", "bgtaskctl did not switch it in bgtaskd")

        human = self.ctl("policy").stdout
        self.assertIn("Every app: refresh on, continued on", human)
        self.assertRegex(self.human_row(human, FEEDS), rf"^{FEEDS}\s+denied \(off for this app\)\s+available$")
        self.assertRegex(self.human_row(human, MAIL), rf"^{MAIL}\s+available\s+available$")
        doc = self.json_of("policy", FEEDS)
        self.assertEqual(doc, {"app": FEEDS, "refresh": {"status": "denied", "source": "user", "user": False},
                               "continued": available})
        self.assertEqual(self.ctl("policy", FEEDS).stdout,
                         f"{FEEDS}\n  refresh:   denied (off for this app)\n  continued: available\n")

        doc = self.json_of("policy", FEEDS, "refresh", "on")
        self.assertEqual((doc["app"], doc["setting"], doc["enabled"], doc["refresh"]["status"]),
                         (FEEDS, "refresh", True, "available"))
        self.assertEqual(self.policy(FEEDS)["Refresh"], "available")

    def test_policy_all_switches_continued_off_for_every_app_and_an_apps_own_switch_does_not_override_it(self):
        out = self.ctl("policy", "--all", "continued", "off")
        self.assertIn("Continued processing switched off for every app.", out.stdout)
        self.assertIn("Every app: continued off", out.stdout)
        self.assertEqual(self.policy("")["Continued"], "denied")

        human = self.ctl("policy").stdout
        self.assertIn("Every app: refresh on, continued off", human)
        for app in (FEEDS, MAIL):
            self.assertRegex(self.human_row(human, app), rf"^{app}\s+available\s+denied \(off for every app\)$")
        doc = self.json_of("policy")
        self.assertEqual(doc["everyApp"]["continued"], {"status": "denied", "source": "user", "user": False})
        self.assertEqual(doc["apps"][0]["continued"], {"status": "denied", "source": "user", "user": True})
        self.assertEqual(self.json_of("policy", "--all")["continued"]["status"], "denied")

        # The app's own switch on does not win over every app's off, and bgtaskctl says so.
        out = self.ctl("policy", FEEDS, "continued", "on")
        self.assertIn(f"{FEEDS}: continued denied (off for every app)", out.stdout)
        self.assertIn("It stays off while it is off for every app: bgtaskctl policy --all continued on", out.stdout)
        doc = self.json_of("policy", FEEDS, "continued", "on")
        self.assertEqual((doc["setting"], doc["enabled"], doc["continued"]["status"]), ("continued", True, "denied"))

        self.ctl("policy", "--all", "continued", "on")
        self.assertEqual(self.json_of("policy", FEEDS)["continued"]["status"], "available")

    def test_policy_of_an_app_without_a_manifest_exits_3(self):
        for args in ((NOBODY,), (NOBODY, "refresh", "off")):
            out = self.ctl("policy", *args, check=False)
            self.assertEqual(out.returncode, 3, out.stderr)
            self.assertTrue(out.stderr.startswith("bgtaskctl: no such app (none with a valid manifest has this id): "),
                            out.stderr)
            self.assertEqual(out.stdout, "")

    def test_policy_with_an_unknown_setting_or_switch_exits_2_and_changes_nothing(self):
        for args in ((FEEDS, "wallpaper", "off"), (FEEDS, "refresh", "maybe"), (FEEDS, "refresh"),
                     ("--all", "refresh"), (FEEDS, "refresh", "off", "now")):
            with self.subTest(args=args):
                out = self.ctl("policy", *args, check=False)
                self.assertEqual(out.returncode, 2, out.stderr)
                self.assertTrue(out.stderr.strip(), "a usage error must say what is wrong")
        self.assertIn("unknown setting 'wallpaper'", self.ctl("policy", FEEDS, "wallpaper", "off", check=False).stderr)
        self.assertEqual((self.policy(FEEDS)["Refresh"], self.policy("")["Refresh"]), ("available", "available"))

    def test_explain_names_the_users_refresh_switch_while_a_refresh_waits_and_it_runs_once_switched_on(self):
        # Due in 2 s: switched off well before then, the request waits for the switch alone.
        self.submit_for(FEEDS, "app-refresh", REFRESH, EarliestBeginDate=dbus.Int64(usec(2)))
        self.ctl("policy", FEEDS, "refresh", "off")
        doc = eventually(lambda: (lambda d: d if [b["condition"] for b in d["blockers"]] ==
                                  ["refresh-disabled-by-user"] else None)(self.explain(FEEDS, REFRESH)), 10)
        blocker = self.assertBlocker(doc, "refresh-disabled-by-user", "bgtaskctl policy")
        self.assertEqual(blocker["reason"], f"refresh-disabled-by-user: Background App Refresh is off for {FEEDS}")
        self.assertIsNone(doc["dueAt"])
        human = self.ctl("explain", FEEDS, REFRESH).stdout
        self.assertIn(f"{REFRESH} of {FEEDS} (app-refresh): pending", human)
        self.assertRegex(human, r"✗ refresh-disabled-by-user: Background App Refresh is off for "
                                rf"{re.escape(FEEDS)} — since .+ — turn Background App Refresh on")
        self.assertIn("would run: when the blockers above clear", human)
        stays_true(lambda: not self.launched(FEEDS, REFRESH), 0.5, message="ran while refresh was off")
        self.ctl("policy", FEEDS, "refresh", "on")
        eventually(lambda: self.launched(FEEDS, REFRESH), 10)
        eventually(lambda: self.explain(FEEDS, REFRESH)["state"] == "finished", 10)


class AdministratorPolicyCommandTest(CtlTestCase):
    config_extra = f"[Policy {FEEDS}]\nRefresh=off\n"

    def install_apps(self):
        self.install_activatable_testapp(FEEDS, [REFRESH, JOB])
        self.install_activatable_testapp(MAIL, [MAIL_REFRESH])

    def restart_with(self, config_extra):
        self.stop_bgtaskd()
        self.config_extra = config_extra
        self.write_config()
        self.start_bgtaskd()

    def test_switching_a_setting_the_administrator_decides_exits_4_in_plain_words(self):
        out = self.ctl("policy", FEEDS, "refresh", "on", check=False)
        self.assertEqual(out.returncode, 4, out.stderr)
        self.assertTrue(out.stderr.startswith(
            "bgtaskctl: restricted: the administrator's configuration decides this setting: "), out.stderr)
        self.assertEqual(self.ctl("policy", FEEDS).stdout,
                         f"{FEEDS}\n  refresh:   restricted by the administrator\n  continued: available\n")
        self.assertEqual(self.json_of("policy", FEEDS)["refresh"],
                         {"status": "restricted", "source": "administrator", "user": True})
        human = self.ctl("policy").stdout
        self.assertRegex(self.human_row(human, FEEDS), rf"^{FEEDS}\s+restricted by the administrator\s+available$")
        self.assertRegex(self.human_row(human, MAIL), rf"^{MAIL}\s+available\s+available$")
        # What the administrator left to the user is the user's to switch.
        self.ctl("policy", FEEDS, "continued", "off")
        self.assertEqual(self.json_of("policy", FEEDS)["continued"]["status"], "denied")

    def test_explain_names_the_administrators_restriction_of_a_refresh_pending_from_before(self):
        # A refresh submitted while the administrator allowed it, held by the user's switch, then
        # restricted by a new configuration: the administrator's word is the blocker now.
        self.restart_with("")
        self.submit_for(FEEDS, "app-refresh", REFRESH, EarliestBeginDate=dbus.Int64(usec(2)))
        self.ctl("policy", FEEDS, "refresh", "off")
        eventually(lambda: self.conditions(FEEDS, REFRESH) == ["refresh-disabled-by-user"], 10)
        self.restart_with(f"[Policy {FEEDS}]\nRefresh=off\n")
        doc = self.explain(FEEDS, REFRESH)
        blocker = self.assertBlocker(doc, "refresh-restricted", "ask the administrator")
        self.assertEqual(blocker["reason"],
                         f"refresh-restricted: Background App Refresh is switched off by the administrator for {FEEDS}")
        self.assertIsNone(doc["dueAt"])
        human = self.ctl("explain", FEEDS, REFRESH).stdout
        self.assertRegex(human, r"✗ refresh-restricted: .* — since .+ — ask the administrator: "
                                r"bgtaskd.conf switches refresh off")
        # The user's switch on is refused and changes nothing.
        self.assertEqual(self.ctl("policy", FEEDS, "refresh", "on", check=False).returncode, 4)
        stays_true(lambda: not self.launched(FEEDS, REFRESH), 0.5, message="ran while restricted")
        self.assertEqual(self.conditions(FEEDS, REFRESH), ["refresh-restricted"])


# ---- apps: policy and budget -----------------------------------------------------------------
class AppsCommandTest(CtlTestCase):
    fairness = dict(NO_FAIRNESS, DailyBudget="60")

    def install_apps(self):
        self.install_activatable_testapp(FEEDS, [REFRESH], extra=["--work-seconds", "1.2"])
        self.install_activatable_testapp(MAIL, [MAIL_REFRESH])

    def test_apps_shows_each_apps_policy_and_the_budget_a_finished_run_used(self):
        row = self.app_row(FEEDS)
        self.assertEqual(row["policy"]["refresh"], {"status": "available", "source": "default", "user": True})
        self.assertEqual((row["budgetUsedUsec"], row["budgetLimitUsec"], row["terminations"], row["lastLaunch"]),
                         (0, 60_000_000, 0, None))
        resets = iso_usec(row["budgetResetsAt"])
        self.assertGreater(resets, usec(0))
        self.assertLessEqual(resets, usec(86400 + 3600))
        line = self.human_row(self.ctl("apps").stdout, FEEDS)
        self.assertIn("refresh: available, continued: available", line)
        self.assertRegex(line, r"  0m/1m, resets \d\d:\d\d  ")
        self.assertRegex(line, r"  never  ")

        self.submit_for(FEEDS, "app-refresh", REFRESH)
        run = eventually(lambda: self.run_of(FEEDS, REFRESH), 15)
        self.assertEqual(run["Outcome"], "completed")
        self.ctl("policy", FEEDS, "continued", "off")

        row = self.app_row(FEEDS)
        self.assertAlmostEqual(row["budgetUsedUsec"], int(run["EndedAt"]) - int(run["StartedAt"]), delta=1000)
        self.assertGreaterEqual(row["budgetUsedUsec"], 1_200_000)
        self.assertEqual((row["budgetLimitUsec"], row["terminations"]), (60_000_000, 0))
        self.assertEqual(iso_usec(row["budgetResetsAt"]), resets)
        self.assertIsNotNone(row["lastLaunch"])
        self.assertEqual(row["policy"]["continued"], {"status": "denied", "source": "user", "user": False})
        self.assertEqual(self.app_row(MAIL)["budgetUsedUsec"], 0)
        line = self.human_row(self.ctl("apps").stdout, FEEDS)
        self.assertIn("refresh: available, continued: denied (off for this app)", line)
        self.assertRegex(line, r"  [12]s/1m, resets \d\d:\d\d  ")
        self.assertNotIn("terminated", line)
        self.assertRegex(line, r"  \d+ s ago  ")


class TerminationsCommandTest(CtlTestCase):
    fairness = dict(NO_FAIRNESS, DailyBudget="300", TerminationPenalty="600")

    def install_apps(self):
        self.install_activatable_testapp(FEEDS, [REFRESH], behavior="never-complete")

    def test_apps_counts_a_terminated_task_and_charges_its_penalty(self):
        self.submit_for(FEEDS, "app-refresh", REFRESH)
        run = eventually(lambda: self.run_of(FEEDS, REFRESH), 15)
        self.assertEqual(run["Outcome"], "terminated")
        row = self.app_row(FEEDS)
        self.assertEqual(row["terminations"], 1)
        ran = int(run["EndedAt"]) - int(run["StartedAt"])
        self.assertAlmostEqual(row["budgetUsedUsec"], 600_000_000 + ran, delta=1000)
        self.assertEqual(row["budgetLimitUsec"], 300_000_000)
        line = self.human_row(self.ctl("apps").stdout, FEEDS)
        self.assertRegex(line, r"  10m/5m, resets \d\d:\d\d, 1 terminated  ")


# ---- explain: fairness blockers ------------------------------------------------------------
class RefreshSpacingExplainTest(CtlTestCase):
    fairness = dict(NO_FAIRNESS, RefreshSpacing="30")

    def install_apps(self):
        self.install_activatable_testapp(FEEDS, [REFRESH])

    def test_explain_names_refresh_spacing_for_a_refresh_right_after_the_first_and_when_it_will_run(self):
        self.submit_for(FEEDS, "app-refresh", REFRESH)
        first = eventually(lambda: self.run_of(FEEDS, REFRESH), 10)
        self.submit_for(FEEDS, "app-refresh", REFRESH)
        doc = self.explain(FEEDS, REFRESH)
        blocker = self.assertBlocker(doc, "refresh-spacing", "spaced apart")
        self.assertIn(f"{FEEDS} launched a refresh at ", blocker["reason"])
        self.assertIsNotNone(doc["dueAt"], "spacing ends at a known time")
        self.assertAlmostEqual(iso_usec(doc["dueAt"]), int(first["StartedAt"]) + 30_000_000, delta=200_000)
        self.assertEqual(self.app_row(FEEDS)["nextRefreshAt"], doc["dueAt"])
        due = iso_usec(doc["dueAt"])

        def printed_seconds_match(command, pattern):
            # The time left is what remained between the call's start and its end (a loaded
            # machine may take seconds), not a fixed figure.
            most = math.ceil((due - time.time() * 1e6) / 1e6)
            out = self.ctl(*command).stdout
            least = math.floor((due - time.time() * 1e6) / 1e6)
            match = re.search(pattern, out)
            self.assertIsNotNone(match, out)
            self.assertTrue(least <= int(match.group(1)) <= most, f"{match.group(0)!r} not in {least}..{most} s")
            return out

        human = printed_seconds_match(("explain", FEEDS, REFRESH), r"would run: in (\d+) s")
        self.assertRegex(human, r"✗ refresh-spacing: .* — since .+ — wait: one app's refresh launches are spaced apart")
        row = printed_seconds_match(("apps",), rf"(?m)^{re.escape(FEEDS)} .*  in (\d+) s  ")
        self.assertIn(FEEDS, row)
        stays_true(lambda: len(self.launched(FEEDS, REFRESH)) == 1, 0.5, message="ran within the spacing")


class DailyBudgetExplainTest(CtlTestCase):
    fairness = dict(NO_FAIRNESS, DailyBudget="1")

    def install_apps(self):
        self.install_activatable_testapp(FEEDS, [REFRESH], extra=["--work-seconds", "1.2"])

    def test_explain_names_the_daily_budget_once_a_run_spent_it_and_bgtaskctl_run_still_launches(self):
        self.submit_for(FEEDS, "app-refresh", REFRESH)
        eventually(lambda: self.run_of(FEEDS, REFRESH), 15)
        self.submit_for(FEEDS, "app-refresh", REFRESH)
        doc = self.explain(FEEDS, REFRESH)
        blocker = self.assertBlocker(doc, "daily-budget", "wait for the daily budget to reset")
        self.assertIn("bgtaskctl run", blocker["remedy"])
        self.assertIn(f"{FEEDS} has used ", blocker["reason"])
        self.assertEqual(doc["dueAt"], self.app_row(FEEDS)["budgetResetsAt"])
        human = self.ctl("explain", FEEDS, REFRESH).stdout
        self.assertRegex(human, r"✗ daily-budget: .* — since .+ — wait for the daily budget to reset")
        self.assertRegex(human, r"would run: in \d+ (s|min|h)")
        stays_true(lambda: len(self.launched(FEEDS, REFRESH)) == 1, 0.5, message="ran over its budget")
        self.ctl("run", FEEDS, REFRESH)
        eventually(lambda: len(self.launched(FEEDS, REFRESH)) == 2, 10)


class ConcurrencyExplainTest(CtlTestCase):
    limits = dict(FAST_LIMITS, AppRefreshTimeLimit="30")
    fairness = dict(NO_FAIRNESS, MaxConcurrentTasks="1")

    def install_apps(self):
        self.install_activatable_testapp(MAIL, [MAIL_REFRESH], behavior="complete-on-expire")
        self.install_activatable_testapp(FEEDS, [REFRESH])

    def test_explain_names_the_concurrency_limit_until_the_running_task_ends(self):
        self.submit_for(MAIL, "app-refresh", MAIL_REFRESH)
        eventually(lambda: [r for r in self.list_running() if r["State"] == "running"], 10)
        self.submit_for(FEEDS, "app-refresh", REFRESH)
        doc = self.explain(FEEDS, REFRESH)
        blocker = self.assertBlocker(doc, "concurrency-limit", "wait for a running background task to end")
        self.assertEqual(blocker["reason"], "concurrency-limit: 1 background task is running (limit 1)")
        self.assertIsNone(doc["dueAt"])
        human = self.ctl("explain", FEEDS, REFRESH).stdout
        self.assertIn("✗ concurrency-limit: 1 background task is running (limit 1) — since ", human)
        self.assertIn("would run: when the blockers above clear", human)
        stays_true(lambda: not self.launched(FEEDS, REFRESH), 0.5, message="ran above the limit")
        self.ctl("expire", MAIL, MAIL_REFRESH)
        eventually(lambda: self.launched(FEEDS, REFRESH), 10)


class ContinuedQueueExplainTest(CtlTestCase):
    limits = dict(FAST_LIMITS, StallTimeout="30")
    fairness = dict(NO_FAIRNESS, MaxConcurrentContinued="1")
    JOB1 = f"{FEEDS}.export.1"
    JOB2 = f"{FEEDS}.export.2"

    def install_apps(self):
        self.install_manifest(FEEDS, [f"{FEEDS}.export.*"], kinds=("continued-processing",))

    def start_app(self):
        proc = self.run_testapp(FEEDS, "complete-on-expire", [self.JOB1, self.JOB2],
                                ["--idle-exit", "0", "--title", "Export", "--progress", "",
                                 "--submit", f"continued-processing:{self.JOB1}"])
        eventually(lambda: self.launched(FEEDS, self.JOB1), 10)
        return proc

    def test_explain_names_the_continued_queue_until_the_running_task_ends(self):
        self.start_app()
        # The running app submits more, as its user asked it to.
        self.submit_for(FEEDS, "continued-processing", self.JOB2, Title="Second")
        doc = self.explain(FEEDS, self.JOB2)
        self.assertEqual(doc["kind"], "continued-processing")
        blocker = self.assertBlocker(doc, "continued-queue", "wait for a running continued-processing task to end")
        self.assertEqual(blocker["reason"],
                         "continued-queue: position 1 in the queue; 1 of 1 continued-processing slots are taken")
        self.assertIsNone(doc["dueAt"])
        human = self.ctl("explain", FEEDS, self.JOB2).stdout
        self.assertIn("✗ continued-queue: position 1 in the queue; 1 of 1 continued-processing slots are taken"
                      " — since ", human)
        stays_true(lambda: not self.launched(FEEDS, self.JOB2), 0.5, message="started above the limit")
        self.ctl("expire", FEEDS, self.JOB1)
        eventually(lambda: self.launched(FEEDS, self.JOB2), 10)
        self.assertEqual(self.explain(FEEDS, self.JOB2)["state"], "running")

    def test_history_and_explain_show_a_continued_task_cancelled_when_its_process_went_away(self):
        proc = self.start_app()
        eventually(lambda: self.explain(FEEDS, self.JOB1)["state"] == "running", 5)
        proc.kill()
        proc.wait(5)
        run = eventually(lambda: self.run_of(FEEDS, self.JOB1), 10)
        self.assertEqual(run["Outcome"], "cancelled")
        [doc] = self.json_of("history", "--app", FEEDS)["runs"]
        self.assertEqual((doc["outcome"], doc["reason"]), ("cancelled", run["Reason"]))
        self.assertIn("cancelled (app-quit: ", self.human_row(self.ctl("history").stdout, "1"))
        doc = self.explain(FEEDS, self.JOB1)
        self.assertEqual((doc["state"], doc["outcome"]), ("finished", "cancelled"))
        self.assertIn("last run: cancelled (app-quit: ", self.ctl("explain", FEEDS, self.JOB1).stdout)


# ---- explain: how a run ended ----------------------------------------------------------------
# app id → (behaviour, outcome, how the reason starts ("" for none))
ENDINGS = {
    "org.example.Done": ("complete", "completed", ""),
    "org.example.Fails": ("fail", "failed", ""),
    "org.example.Late": ("complete-on-expire", "expired", "time-limit"),
    "org.example.NoHandler": ("no-expire-handler", "failed", "no-expiration-handler: time-limit"),
    "org.example.Hung": ("never-complete", "terminated", "time-limit"),
    "org.example.Refuses": ("refuse-launch", "launch-failed", "launch-refused: "),
    "org.example.Dies": ("exit-at-start", "launch-failed", "never-registered: "),
    "org.example.Crashes": ("crash-on-launch", "app-exited", "connection-closed: "),
}
SIMULATED = "org.example.Simulated"
CANCELLED = "org.example.Cancelled"


class OutcomeExplainTest(CtlTestCase):
    # Processing gets a long limit: bgtaskctl expires or cancels it while it runs.
    limits = dict(FAST_LIMITS, ProcessingTimeLimit="60", LaunchWindow="6")

    def install_apps(self):
        for app, (behavior, _, _) in ENDINGS.items():
            self.install_activatable_testapp(app, [f"{app}.refresh"], behavior=behavior)
        for app in (SIMULATED, CANCELLED):
            self.install_activatable_testapp(app, [f"{app}.job"], behavior="complete-on-expire",
                                             kinds=("processing",))

    def assertEnded(self, app, identifier, kind, outcome, reason_start):
        run = eventually(lambda: self.run_of(app, identifier), 20, message=f"{app} never finished")
        doc = self.explain(app, identifier)
        self.assertEqual((doc["state"], doc["kind"], doc["outcome"]), ("finished", kind, outcome), doc)
        self.assertEqual(doc["reason"], str(run["Reason"]))
        if reason_start:
            self.assertTrue(doc["reason"].startswith(reason_start), doc)
        else:
            self.assertEqual(doc["reason"], "")
        self.assertEqual(iso_usec(doc["endedAt"]), int(run["EndedAt"]))
        human = self.ctl("explain", app, identifier).stdout
        self.assertIn(f"{identifier} of {app} ({kind}): finished\n", human)
        described = f"{outcome} ({doc['reason']})" if doc["reason"] else outcome
        self.assertIn(f"last run: {described}, ended ", human)
        self.assertIn(described, self.human_row(self.ctl("history", "--app", app).stdout, str(run["Run"])))

    def test_explain_shows_the_outcome_and_reason_of_each_kind_of_end_of_a_run(self):
        for app in ENDINGS:
            self.submit_for(app, "app-refresh", f"{app}.refresh")
        for app, (_, outcome, reason) in ENDINGS.items():
            with self.subTest(app=app, outcome=outcome):
                self.assertEnded(app, f"{app}.refresh", "app-refresh", outcome, reason)

    def test_explain_shows_a_run_expired_by_bgtaskctl_expire_and_one_cancelled_by_bgtaskctl_cancel(self):
        for app in (SIMULATED, CANCELLED):
            self.submit_for(app, "processing", f"{app}.job")
        eventually(lambda: len([r for r in self.list_running() if r["State"] == "running"]) == 2, 15)
        self.assertEqual(self.explain(SIMULATED, f"{SIMULATED}.job")["state"], "running")
        self.ctl("expire", SIMULATED, f"{SIMULATED}.job")
        self.ctl("cancel", CANCELLED, f"{CANCELLED}.job")
        with self.subTest("simulated"):
            self.assertEnded(SIMULATED, f"{SIMULATED}.job", "processing", "expired", "simulated")
            self.assertEqual(self.explain(SIMULATED, f"{SIMULATED}.job")["reason"], "simulated")
        with self.subTest("app-cancelled"):
            self.assertEnded(CANCELLED, f"{CANCELLED}.job", "processing", "expired", "app-cancelled")
            self.assertEqual(self.explain(CANCELLED, f"{CANCELLED}.job")["reason"], "app-cancelled")


class LaunchWindowReasonTest(CtlTestCase):
    limits = dict(FAST_LIMITS, LaunchWindow="2")

    def install_apps(self):
        self.install_activatable_testapp(FEEDS, [REFRESH], behavior="no-register", extra=["--idle-exit", "0"])

    def test_explain_states_the_launch_window_of_a_never_registered_app_in_plain_seconds(self):
        self.submit_for(FEEDS, "app-refresh", REFRESH)
        eventually(lambda: self.run_of(FEEDS, REFRESH), 10)
        doc = self.explain(FEEDS, REFRESH)
        self.assertEqual(doc["outcome"], "launch-failed")
        self.assertEqual(doc["reason"], f"never-registered: the app did not register {REFRESH} within 2 s")


if __name__ == "__main__":
    unittest.main()

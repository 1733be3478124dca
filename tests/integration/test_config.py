# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskd.conf through the real bgtaskd: every bad group, key or value of the fairness, policy
and limits settings stops the daemon at start with the file and line, and nothing is served."""
import os
import subprocess
import tempfile
import unittest

from bgtaskd_testlib import BGTASKD


class ConfigTest(unittest.TestCase):
    def start_with(self, text):
        with tempfile.TemporaryDirectory(prefix="bgtaskd-config-") as tmp:
            config = os.path.join(tmp, "bgtaskd.conf")
            with open(config, "w") as f:
                f.write(text)
            # No bus at all: a bad file must stop the daemon before it connects anywhere.
            env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
            env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp}/no-bus"
            out = subprocess.run([BGTASKD, f"--state-dir={tmp}/state", f"--config={config}",
                                  f"--data-dir={tmp}/data"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=30)
            return out.returncode, out.stdout.replace(config, "bgtaskd.conf")

    def test_each_bad_setting_is_refused_with_file_and_line(self):
        cases = {
            "[Fairness]\nMaxConcurrentTasks=0\n": "bgtaskd.conf:2: MaxConcurrentTasks: expected a count",
            "[Fairness]\nRefreshSpacing=soon\n": "bgtaskd.conf:2: RefreshSpacing: expected a number of seconds",
            "[Fairness]\n\nBudgetResetTime=25:00\n": "bgtaskd.conf:3: BudgetResetTime: expected a time of day HH:MM",
            "[Fairness]\nBudgetResetTime=4:00\n": "bgtaskd.conf:2: BudgetResetTime: expected a time of day HH:MM",
            "[Fairness]\nBudget=60\n": "bgtaskd.conf:2: unknown setting Budget in [Fairness]",
            "[Fairness]\nCatchUpLaunches=-1\n": "bgtaskd.conf:2: CatchUpLaunches: expected a count",
            "[Fairness]\nCatchUpWindow=a minute\n": "bgtaskd.conf:2: CatchUpWindow: expected a number of seconds",
            "[Limits]\nStallTimeout=-1\n": "bgtaskd.conf:2: StallTimeout: expected a number of seconds",
            # Found by fuzz_config: NaN passed the range check and its conversion was undefined.
            "[Limits]\nGracePeriod=nan\n": "bgtaskd.conf:2: GracePeriod: expected a number of seconds",
            "[Limits]\n\nKillDelay=-nan\n": "bgtaskd.conf:3: KillDelay: expected a number of seconds",
            "[Policy]\nRefresh=maybe\n": "bgtaskd.conf:2: Refresh: expected on or off",
            "[Policy org.example.Feeds]\nWallpaper=off\n": "bgtaskd.conf:2: unknown setting Wallpaper in [Policy org.example.Feeds]",
            "[Policies]\nRefresh=off\n": "bgtaskd.conf:2: unknown setting Refresh in [Policies]",
        }
        for text, message in cases.items():
            with self.subTest(text=text):
                rc, output = self.start_with(text)
                self.assertEqual(rc, 1, output)
                self.assertIn(message, output)

    def test_good_settings_get_as_far_as_the_bus(self):
        rc, output = self.start_with("[Fairness]\nMaxConcurrentTasks=2\nBudgetResetTime=03:30\nDailyBudget=0\n"
                                     "[Policy]\nRefresh=on\n[Policy org.example.Feeds]\nContinued=off\n"
                                     "[Limits]\nStallTimeout=30\n")
        # The file was accepted; what stops this daemon is the missing bus.
        self.assertEqual(rc, 1, output)
        self.assertNotIn("bgtaskd.conf:", output)
        self.assertIn("bus", output.lower())


if __name__ == "__main__":
    unittest.main()

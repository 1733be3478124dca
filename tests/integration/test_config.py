# SPDX-License-Identifier: LGPL-2.1-or-later
"""bgtaskd.conf through the real bgtaskd: every bad group, key or value of the fairness, policy
and limits settings stops the daemon at start with the file and line, and nothing is served."""
import os
import re
import subprocess
import tempfile
import unittest

from bgtaskd_testlib import BGTASKD

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def man_page_sample():
    """The sample configuration of bgtaskd(8), as a reader would copy it from the page."""
    with open(os.path.join(TOP, "docs", "man", "bgtaskd.8")) as f:
        page = f.read()
    section = page[page.index(".SH CONFIGURATION"):]
    block = section[section.index(".RS\n") + 4:section.index(".RE\n")]
    return block.replace("\\-", "-")


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
                                  f"--config-dir={tmp}/etc", f"--data-dir={tmp}/data"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=30)
            return out.returncode, out.stdout.replace(config, "bgtaskd.conf")

    def test_the_man_pages_sample_configuration_is_accepted(self):
        sample = man_page_sample()
        self.assertIn("[Policy org.example.Feeds]", sample)
        rc, output = self.start_with(sample)
        self.assertEqual(rc, 1, output)
        self.assertNotIn("bgtaskd.conf:", output)
        self.assertIn("bus", output.lower())

    def test_the_installed_example_holds_the_man_pages_settings_commented_out(self):
        with open(os.path.join(TOP, "systemd", "bgtaskd.conf")) as f:
            example = f.read()
        # As shipped it sets nothing; with every setting uncommented it is the man page's sample.
        self.assertFalse([line for line in example.splitlines() if line and line[0] not in "#["])
        uncommented = re.sub(r"^#(?=[A-Z\[])", "", example, flags=re.M)
        settings = lambda text: [l for l in text.splitlines() if l and not l.startswith("#")]
        self.assertEqual(settings(uncommented), settings(man_page_sample()))
        for text in (example, uncommented):
            rc, output = self.start_with(text)
            self.assertNotIn("bgtaskd.conf:", output)
            self.assertIn("bus", output.lower())

    def test_an_inline_remark_is_part_of_the_value_and_refused(self):
        rc, output = self.start_with("[Limits]\nGracePeriod=5   # seconds\n")
        self.assertEqual(rc, 1, output)
        self.assertIn("bgtaskd.conf:2: GracePeriod: expected a number of seconds, got '5   # seconds'", output)

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

# SPDX-License-Identifier: LGPL-2.1-or-later
"""What cmake --install puts in place for the system instance: the system-bus activation file
(it starts the installed bgtaskd as root, and under systemd through bgtaskd.service) and the polkit
actions (valid against polkit's DTD, the ones bgtaskd asks for)."""
import configparser
import os
import shlex
import subprocess
import unittest
import xml.dom.minidom

from bgtaskd_testlib import BUS_NAME
from sysbus_testlib import SystemBusTestCase

POLKIT_DTD = "/usr/share/polkit-1/policyconfig-1.dtd"
OBSERVE = "org.bgtaskd.observe"
MANAGE = "org.bgtaskd.manage"


def read_ini(path, section):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return dict(parser[section])


class InstalledActivationTest(SystemBusTestCase):
    start_daemon = False

    def activation_file(self):
        return self.installed.find("dbus-1/system-services/org.bgtaskd.service")

    def test_the_activation_file_names_the_installed_daemon_the_unit_and_root(self):
        entry = read_ini(self.activation_file(), "D-BUS Service")
        exec_line = shlex.split(entry.pop("Exec"))
        self.assertEqual(entry, {"Name": BUS_NAME, "User": "root", "SystemdService": "bgtaskd.service"})
        self.assertEqual(exec_line[1:], ["--system"])
        installed = self.installed.staged(exec_line[0])
        self.assertEqual(os.path.basename(installed), "bgtaskd")
        version = subprocess.run([installed, "--version"], stdout=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(version.returncode, 0)
        # The unit it names is the installed system unit, which serves the same name the same way.
        unit = read_ini(self.installed.find("systemd/system/bgtaskd.service"), "Service")
        self.assertEqual(unit["BusName"], BUS_NAME)
        self.assertEqual(shlex.split(unit["ExecStart"])[:2], exec_line)

    def test_a_call_from_another_user_activates_bgtaskd_as_root(self):
        entry = read_ini(self.activation_file(), "D-BUS Service")
        binary, *args = shlex.split(entry["Exec"])
        # This bus has no activation helper (User= needs a setuid helper); the installed binary
        # runs with the installed arguments plus this test's directories.
        exec_line = [self.installed.staged(binary), *args] + self.bgtaskd_args()[2:]
        with open(os.path.join(self.service_dir, "org.bgtaskd.service"), "w") as f:
            f.write(f"[D-BUS Service]\nName={entry['Name']}\nExec={' '.join(exec_line)}\nUser={entry['User']}\n"
                    f"SystemdService={entry['SystemdService']}\n")
        self.assertFalse(self.name_has_owner(BUS_NAME))
        [version] = self.call_as_nobody(("org.freedesktop.DBus.Properties", "Get", "org.bgtaskd.Manager1", "Version"))
        self.assertIn("ok", version)
        self.assertEqual(int(self.bus.get_unix_user(BUS_NAME)), 0)
        # Manager1 of the activated daemon is guarded like the started one.
        self.polkit_allow(OBSERVE)
        listed, changed = self.call_as_nobody(("ListRequests",), ("SetPolicy", "", "refresh", False))
        self.assertEqual((listed, changed.get("error")), ({"ok": []}, "org.bgtaskd.Error.AccessDenied"))
        declared = {a.getAttribute("id") for a in xml.dom.minidom.parse(
            self.installed.find("polkit-1/actions/org.bgtaskd.policy")).getElementsByTagName("action")}
        asked = {check[1] for check in self.polkit_checks()}
        self.assertEqual(asked, {OBSERVE, MANAGE})
        self.assertLessEqual(asked, declared)

    def test_the_polkit_actions_are_valid_and_admin_only_by_default(self):
        path = self.installed.find("polkit-1/actions/org.bgtaskd.policy")
        out = subprocess.run(["xmllint", "--noout", "--dtdvalid", POLKIT_DTD, path], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        self.assertEqual(out.returncode, 0, out.stdout)
        actions = {}
        for action in xml.dom.minidom.parse(path).getElementsByTagName("action"):
            defaults = action.getElementsByTagName("defaults")[0]
            answers = {node.tagName: node.firstChild.data for node in defaults.childNodes
                       if node.nodeType == node.ELEMENT_NODE}
            implies = [a.firstChild.data for a in action.getElementsByTagName("annotate")
                       if a.getAttribute("key") == "org.freedesktop.policykit.imply"]
            actions[action.getAttribute("id")] = (answers, implies)
        self.assertEqual(set(actions), {OBSERVE, MANAGE})
        for answers, _ in actions.values():
            self.assertEqual(set(answers), {"allow_any", "allow_inactive", "allow_active"})
            self.assertTrue(all(v.startswith("auth_admin") for v in answers.values()), answers)
        self.assertEqual(actions[MANAGE][1], [OBSERVE])


if __name__ == "__main__":
    unittest.main()

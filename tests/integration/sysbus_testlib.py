# SPDX-License-Identifier: LGPL-2.1-or-later
"""Harness for the system instance under its installed files.

bgtaskd is installed once per test module into a staging root (DESTDIR=… cmake --install), as
a package would install it. Each test gets a private system bus whose configuration is modelled
on Debian's /usr/share/dbus-1/system.conf (method calls and name ownership denied by default,
requested replies and signals allowed) and includes the installed dbus-1/system.d directory
(bgtaskd's own policy, unchanged), polkit's bus policy from the polkitd package and a policy
for the test apps, as their packages would ship one. python-dbusmock's polkitd template runs as
the polkitd user; bgtaskd --system runs as root; callers run as nobody through setpriv."""
import atexit
import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

import dbus

from bgtaskd_testlib import (BGTASKD, BUS_NAME, FAST_LIMITS, MANAGER, NO_FAIRNESS, OBJECT_PATH, PYTHON,
                             SCHEDULER, TESTAPP, eventually)

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("BGTASK_BUILD_DIR", "")
CALLER = os.path.join(HERE, "apps", "sysbus_caller.py")
POLKIT_BUS_POLICY = "/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf"
POLKIT = "org.freedesktop.PolicyKit1"
POLKIT_PATH = "/org/freedesktop/PolicyKit1/Authority"
MOCK = "org.freedesktop.DBus.Mock"
DENIED = "org.bgtaskd.Error.AccessDenied"
BUS_DENIED = "org.freedesktop.DBus.Error.AccessDenied"
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
AS_POLKITD = ["setpriv", "--reuid=polkitd", "--regid=polkitd", "--clear-groups"]

# Debian's system bus defaults (system.conf), without its includes; the test adds its own.
DEBIAN_DEFAULTS = """
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
"""


class Installation:
    """bgtaskd installed into a staging root, as a package would install it."""

    _shared = None

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="bgtaskd-staged-")
        atexit.register(shutil.rmtree, self.root, True)
        out = subprocess.run(["cmake", "--install", BUILD], env=dict(os.environ, DESTDIR=self.root),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
        if out.returncode != 0:
            raise AssertionError(f"cmake --install failed:\n{out.stdout}")
        self.bus_policy_dir = os.path.dirname(self.find("dbus-1/system.d/org.bgtaskd.conf"))

    def find(self, relative):
        """The one installed file whose path ends with relative (under any prefix)."""
        found = glob.glob(os.path.join(self.root, "**", relative), recursive=True)
        if len(found) != 1:
            raise AssertionError(f"expected one installed {relative}, found {found}")
        return found[0]

    def staged(self, absolute):
        """Where a path that the installed files name (e.g. an Exec=) lives in the staging root."""
        return os.path.join(self.root, absolute.lstrip("/"))

    @classmethod
    def shared(cls):
        if cls._shared is None:
            cls._shared = Installation()
        return cls._shared


class SystemBusTestCase(unittest.TestCase):
    """A private Debian-like system bus with the installed policy, the polkit mock and bgtaskd."""

    polkit = True          # start python-dbusmock's polkitd
    start_daemon = True

    def setUp(self):
        if os.geteuid() != 0:
            raise AssertionError("these tests run bgtaskd as root and callers as nobody: run them as root")
        self.installed = Installation.shared()
        self.tmp = tempfile.mkdtemp(prefix="bgtaskd-sysbus-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.chmod(self.tmp, 0o755)   # other users reach the socket and the test app
        self.data_dir = os.path.join(self.tmp, "data")
        self.apps_dir = os.path.join(self.data_dir, "bgtaskd", "apps")
        os.makedirs(self.apps_dir)
        self.events_dir = os.path.join(self.tmp, "events")
        os.makedirs(self.events_dir)
        os.chmod(self.events_dir, 0o777)   # apps running as nobody write their events here
        self.service_dir = os.path.join(self.tmp, "system-services")
        os.makedirs(self.service_dir)
        self.app_policy_dir = os.path.join(self.tmp, "system.d")
        os.makedirs(self.app_policy_dir)
        self.logs = []
        self.daemon = None
        self.start_bus()
        self.bus = dbus.bus.BusConnection(self.address)   # root
        self.addCleanup(self.bus.close)
        if self.polkit:
            self.start_polkit()
        self.install_apps()
        if self.start_daemon:
            self.start_bgtaskd()

    def tearDown(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is not None and any(test is self for test, _ in result.failures + result.errors):
            for path in self.logs + sorted(glob.glob(os.path.join(self.events_dir, "*"))):
                with open(path) as f:
                    print(f"\n----- {os.path.basename(path)} -----\n{f.read()}")

    # ---- bus, polkit, daemon ------------------------------------------------------------
    def start_bus(self):
        conf = os.path.join(self.tmp, "system.conf")
        with open(conf, "w") as f:
            f.write(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={self.tmp}/system.sock</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{self.service_dir}</servicedir>
{DEBIAN_DEFAULTS}
  <includedir>{self.installed.bus_policy_dir}</includedir>
  <include>{POLKIT_BUS_POLICY}</include>
  <includedir>{self.app_policy_dir}</includedir>
</busconfig>
""")
        # The bus re-reads included directories on inotify; app policies go in before it starts.
        self.write_app_policies()
        out = subprocess.run(["dbus-daemon", f"--config-file={conf}", "--fork", "--print-address=1",
                              "--print-pid=2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             check=True)
        self.address = out.stdout.strip()
        pid = int(out.stderr.strip().splitlines()[-1])
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self.env.pop("DBUS_SESSION_BUS_ADDRESS", None)

        def stop():
            try:
                os.killpg(pid, signal.SIGTERM)   # the bus and what it activated
            except ProcessLookupError:
                pass
        self.addCleanup(stop)

    def write_app_policies(self):
        """Hook: the bus policies of the test apps (allow_own), as their packages would install them."""

    def allow_own(self, app_id, *users):
        rules = "".join(f'<policy user="{u}"><allow own="{app_id}"/></policy>' for u in users)
        with open(os.path.join(self.app_policy_dir, f"{app_id}.conf"), "w") as f:
            f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
                    ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                    f"<busconfig>{rules}</busconfig>\n")

    def start_polkit(self):
        log = os.path.join(self.tmp, "polkit.log")
        open(log, "w").close()
        shutil.chown(log, "polkitd", "polkitd")
        self.polkit_log = log
        self.polkit_proc = subprocess.Popen(
            AS_POLKITD + [PYTHON, "-m", "dbusmock", "--system", "--template", "polkitd", "-l", log],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop_polkit)
        eventually(lambda: self.name_has_owner(POLKIT) or self.polkit_proc.poll() is not None, 10)
        self.assertIsNone(self.polkit_proc.poll(), "the polkitd mock exited")

    def stop_polkit(self):
        if self.polkit_proc.poll() is None:
            self.polkit_proc.terminate()
            self.polkit_proc.wait(10)
        eventually(lambda: not self.name_has_owner(POLKIT), 5)

    def polkit_mock(self):
        return dbus.Interface(self.bus.get_object(POLKIT, POLKIT_PATH), MOCK)

    def polkit_allow(self, *actions):
        self.polkit_mock().SetAllowed(dbus.Array(actions, signature="s"))

    def polkit_checks(self):
        """(subject's bus name, action id, details, flags) of each CheckAuthorization polkit saw."""
        checks = []
        with open(self.polkit_log) as f:
            for line in f:
                if " CheckAuthorization " not in line:
                    continue
                name = line.split("dbus.String('name'): dbus.String('", 1)[1].split("'", 1)[0]
                rest = line.split("signature=None) ", 1)[1]
                action, details, flags, _ = self._split_check(rest)
                checks.append((name, action, details, flags))
        return checks

    @staticmethod
    def _split_check(rest):
        # '"org.bgtaskd.observe" {"app": "x"} 1 "bgtaskd-1"'
        action, rest = rest.split(" ", 1)
        details, rest = rest.rsplit("} ", 1)
        flags, cancellation = rest.split(" ", 1)
        return json.loads(action), json.loads(details + "}"), int(flags), json.loads(cancellation)

    def install_apps(self):
        """Hook: manifests and activation files before bgtaskd starts."""

    def config_text(self):
        return ("[Limits]\n" + "".join(f"{k}={v}\n" for k, v in FAST_LIMITS.items()) +
                "[Fairness]\n" + "".join(f"{k}={v}\n" for k, v in NO_FAIRNESS.items()))

    def bgtaskd_args(self):
        config = os.path.join(self.tmp, "bgtaskd.conf")
        with open(config, "w") as f:
            f.write(self.config_text())
        return ["--system", "-vv", f"--state-dir={self.tmp}/state", f"--config={config}",
                f"--data-dir={self.data_dir}"]

    def start_bgtaskd(self):
        log = os.path.join(self.tmp, f"bgtaskd-{len(self.logs)}.log")
        self.logs.append(log)
        self.daemon_log = open(log, "w")
        self.addCleanup(self.daemon_log.close)
        self.daemon = subprocess.Popen([BGTASKD, *self.bgtaskd_args()], stdout=self.daemon_log,
                                       stderr=subprocess.STDOUT, env=self.env)
        self.addCleanup(self.stop_bgtaskd)
        eventually(lambda: self.name_has_owner(BUS_NAME) or self.daemon.poll() is not None, 20)
        self.assertIsNone(self.daemon.poll(), "bgtaskd --system exited during start-up")

    def stop_bgtaskd(self):
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.terminate()
            self.daemon.wait(20)

    def name_has_owner(self, name):
        return bool(self.bus.name_has_owner(name))

    # ---- as root ------------------------------------------------------------------------
    def manager(self):
        return dbus.Interface(self.bus.get_object(BUS_NAME, OBJECT_PATH), MANAGER)

    def history(self, app):
        return [dict(r) for r in self.manager().GetHistory(dbus.Dictionary({"App": app}, signature="sv"))]

    # ---- apps ---------------------------------------------------------------------------
    def install_manifest(self, app_id, identifiers, kinds=("app-refresh",)):
        with open(os.path.join(self.apps_dir, f"{app_id}.conf"), "w") as f:
            f.write(f"[Application]\nId={app_id}\nPermittedIdentifiers={';'.join(identifiers)};\n"
                    f"Kinds={';'.join(kinds)};\n")

    def install_activatable_testapp(self, app_id, identifiers, behavior="complete", user="nobody"):
        """Manifest plus a system-bus activation file. A real system service's file says User=
        and the bus's activation helper switches to it; this bus has no helper (it is not setuid
        here), so Exec= switches with setpriv."""
        self.install_manifest(app_id, identifiers)
        events = os.path.join(self.events_dir, f"{app_id}.jsonl")
        cmd = [PYTHON, TESTAPP, "--system", "--app-id", app_id, "--behavior", behavior, "--events", events]
        for i in identifiers:
            cmd += ["--identifier", i]
        if user != "root":
            cmd = ["/usr/bin/setpriv", f"--reuid={user}", f"--regid={user if user != 'nobody' else 'nogroup'}",
                   "--clear-groups"] + cmd
        path = os.path.join(self.service_dir, f"{app_id}.service")
        with open(path + ".tmp", "w") as f:
            f.write(f"[D-BUS Service]\nName={app_id}\nExec={' '.join(cmd)}\nUser={user}\n")
        os.rename(path + ".tmp", path)

    def app_events(self, app_id, kind=None):
        path = os.path.join(self.events_dir, f"{app_id}.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            events = [json.loads(line) for line in f if line.strip().endswith("}")]
        return [e for e in events if kind is None or e["event"] == kind]

    # ---- as nobody ----------------------------------------------------------------------
    def call_as_nobody(self, *calls, own=None, extra_env=None):
        """Runs the calls, each (method, arg…) on Manager1 or (interface, method, arg…) with a
        full interface name, from a process running as nobody; returns one answer per call."""
        proc = self.start_as_nobody(*calls, own=own, extra_env=extra_env)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        answers = [json.loads(line) for line in out.splitlines()]
        return answers[1:] if own else answers

    def start_as_nobody(self, *calls, own=None, extra_env=None):
        full = []
        for call in calls:
            if "." in call[0]:
                interface, method, *args = call
            else:
                interface, method, args = MANAGER, call[0], list(call[1:])
            full.append([BUS_NAME, OBJECT_PATH, interface, method, *args])
        cmd = AS_NOBODY + [PYTHON, CALLER] + (["--own", own] if own else []) + [json.dumps(full)]
        return subprocess.Popen(cmd, env=dict(self.env, **(extra_env or {})), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def submit_as_nobody(self, app_id, kind, identifier, earliest=None):
        options = {"EarliestBeginDate": {"int64": earliest}} if earliest is not None else {}
        [answer] = self.call_as_nobody((SCHEDULER, "Submit", kind, identifier, options), own=app_id)
        self.assertIn("ok", answer, answer)

    def assertDenied(self, answer, sub_reason, error=DENIED):
        self.assertEqual(answer.get("error"), error, answer)
        if sub_reason:
            self.assertTrue(answer["message"].startswith(sub_reason + ": "), answer)

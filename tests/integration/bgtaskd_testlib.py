# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared harness of the integration layer.

Every test gets its own private session bus (a real dbus-daemon with its own service
directory, so D-Bus activation of test apps is real), its own XDG data dir with app manifests,
its own state dir and a real bgtaskd process. Nothing touches the host's buses.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import dbus

BGTASKD = os.environ.get("BGTASKD", "bgtaskd")
BGTASKCTL = os.environ.get("BGTASKCTL", "bgtaskctl")
EXAMPLE_FEEDS = os.environ.get("BGTASK_EXAMPLE_FEEDS", "")
HERE = os.path.dirname(os.path.abspath(__file__))
TESTAPP = os.path.join(HERE, "apps", "testapp.py")
PYTHON = "/usr/bin/python3"

BUS_NAME = "org.bgtaskd"
OBJECT_PATH = "/org/bgtaskd"
SCHEDULER = "org.bgtaskd.Scheduler1"
MANAGER = "org.bgtaskd.Manager1"
TASK = "org.bgtaskd.Task1"

FAST_LIMITS = {
    "AppRefreshTimeLimit": "2",
    "ProcessingTimeLimit": "4",
    "HealthResearchTimeLimit": "4",
    "GracePeriod": "1",
    "LaunchWindow": "4",
    "KillDelay": "1",
}

# Fairness out of the way (tests launch one app's refresh again and again); the fairness tests
# set their own.
NO_FAIRNESS = {
    "MaxConcurrentTasks": "64",
    "RefreshSpacing": "0",
    "DailyBudget": "0",
    "CatchUpLaunches": "0",
    "NetworkCoalesceWindow": "0",
    "LearnUsage": "false",
}


def eventually(cond, timeout=10.0, interval=0.02, message=None):
    """Polls cond() until it returns a truthy value; returns it, or fails after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout} s (last value {last!r})")


def process_gone(pid):
    """The process has exited: no longer there, or a zombie nobody has reaped yet."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def stays_true(cond, duration=1.0, interval=0.02, message=None):
    """Fails as soon as cond() is falsy during duration seconds."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        if not cond():
            raise AssertionError(message or "condition stopped holding")
        time.sleep(interval)


def wake_ups(pid):
    """Wake-ups of every thread of pid so far: a thread that wakes and goes back to sleep makes one
    voluntary context switch. Involuntary ones are preemptions by other processes while it runs,
    which a loaded machine adds to the same wake-up; they are not counted."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches"):
                    total += int(line.split()[1])
    return total


def usec(seconds_from_now):
    return int((time.time() + seconds_from_now) * 1_000_000)


class ServiceManagerBus:
    """Mixin for tests whose bgtaskd talks to python-dbusmock's systemd template: bgtaskd and
    the service manager share the bus bgtaskd serves on (the system bus when system_instance is
    set, which the test case must provide as system_bus_daemon)."""

    system_instance = False

    @property
    def bus(self):
        """The bus bgtaskd serves on (and the service manager it uses lives on)."""
        if self._bus is None:
            address = self.system_bus_daemon.address if self.system_instance else self.bus_daemon.address
            self._bus = dbus.bus.BusConnection(address)
        return self._bus

    def start_systemd_mock(self, log):
        """Starts the template (its calls logged to `log`) and waits for its bus name."""
        env = dict(self.env)
        env.pop("LD_PRELOAD", None)   # the mock needs no fake devices
        where = "--system" if self.system_instance else "--session"
        self.systemd = subprocess.Popen([PYTHON, "-m", "dbusmock", where, "--template", "systemd", "-l", log],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self._stop_proc, self.systemd)
        eventually(lambda: self.bus.name_has_owner("org.freedesktop.systemd1"), 15,
                   message="systemd mock did not start")


class PrivateBus:
    """A dbus-daemon (session or "system" type) with its own service directory."""

    def __init__(self, root, env, bus_type="session", extra_config=""):
        self.root = root
        self.service_dir = os.path.join(root, "services")
        os.makedirs(self.service_dir, exist_ok=True)
        conf = os.path.join(root, f"{bus_type}.conf")
        with open(conf, "w") as f:
            f.write(
                '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
                ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                f"<busconfig><type>{bus_type}</type><listen>unix:path={root}/{bus_type}.sock</listen>"
                f"<auth>EXTERNAL</auth><servicedir>{self.service_dir}</servicedir>"
                '<policy context="default"><allow user="*"/><allow own="*"/>'
                '<allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/></policy>'
                f"{extra_config}</busconfig>\n")
        out = subprocess.run(
            ["dbus-daemon", f"--config-file={conf}", "--fork", "--print-address=1", "--print-pid=2"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True, env=env)
        self.address = out.stdout.strip()
        self.pid = int(out.stderr.strip().splitlines()[-1])

    def stop(self):
        # --fork made the daemon a session leader and activated services share its group.
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


class DaemonTestCase(unittest.TestCase):
    """Base class: private bus, manifests, config, and a running bgtaskd."""

    limits = FAST_LIMITS
    fairness = NO_FAIRNESS
    config_extra = ""      # more config file text, e.g. [Policy] groups
    bus_config_extra = ""  # more bus configuration, e.g. <limit> elements
    start_daemon = True

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bgtaskd-test-")
        # Cleanups run last-in first-out, also when setUp fails half-way (tearDown would not).
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.data_dir = os.path.join(self.tmp, "data")
        self.apps_dir = os.path.join(self.data_dir, "bgtaskd", "apps")
        os.makedirs(self.apps_dir)
        self.state_dir = os.path.join(self.tmp, "state")
        self.events_dir = os.path.join(self.tmp, "events")
        os.makedirs(self.events_dir)
        self.config = os.path.join(self.tmp, "bgtaskd.conf")
        # The administrator's directory (never the host's /etc/bgtaskd): empty unless a test fills it.
        self.admin_config_dir = os.path.join(self.tmp, "etc-bgtaskd")
        self.write_config()
        self.env = os.environ.copy()
        self.env["XDG_DATA_HOME"] = self.data_dir
        self.env["XDG_DATA_DIRS"] = self.data_dir
        self.env["XDG_CACHE_HOME"] = os.path.join(self.tmp, "cache")
        self.env["HOME"] = self.tmp
        self.prepare_environment()
        # Activated apps inherit the bus daemon's environment, so it gets the test's.
        self.bus_daemon = PrivateBus(os.path.join(self.tmp, "bus"), self.env,
                                     extra_config=self.bus_config_extra)
        self.addCleanup(self.bus_daemon.stop)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_daemon.address
        self.daemon = None
        self.daemon_logs = []
        self._bus = None
        self._failed_before = self._outcome_failures()
        self.install_apps()
        if self.start_daemon:
            self.start_bgtaskd()

    def tearDown(self):
        failed = self._outcome_failures() > self._failed_before
        self.stop_bgtaskd()
        if self._bus is not None:
            self._bus.close()
            self._bus = None
        if failed:
            for path in self.daemon_logs:
                with open(path) as f:
                    print(f"\n----- {os.path.basename(path)} -----\n{f.read()}")
            for name in sorted(os.listdir(self.events_dir)):
                with open(os.path.join(self.events_dir, name)) as f:
                    print(f"----- events {name} -----\n{f.read()}")

    def write_config(self):
        with open(self.config, "w") as f:
            f.write("[Limits]\n" + "".join(f"{k}={v}\n" for k, v in self.limits.items()))
            f.write("[Fairness]\n" + "".join(f"{k}={v}\n" for k, v in self.fairness.items()))
            f.write(self.config_extra)

    def _outcome_failures(self):
        result = getattr(self, "_outcome", None)
        result = getattr(result, "result", None)
        if result is None:
            return 0
        return len(result.failures) + len(result.errors)

    def install_apps(self):
        """Hook: install manifests and service files before bgtaskd starts."""

    def prepare_environment(self):
        """Hook: start what bgtaskd and the apps need (system bus, mocks) and extend self.env."""

    # ---- daemon -------------------------------------------------------------------------
    def start_bgtaskd(self, extra_args=(), wait=True):
        """Starts bgtaskd and, with wait, waits until it owns its bus name."""
        log = os.path.join(self.tmp, f"bgtaskd-{len(self.daemon_logs)}.log")
        self.daemon_logs.append(log)
        self._daemon_log = open(log, "w")
        cmd = [BGTASKD, "-vv", f"--state-dir={self.state_dir}", f"--config={self.config}",
               f"--config-dir={self.admin_config_dir}", f"--data-dir={self.data_dir}", *extra_args]
        wrapper = os.environ.get("BGTASKD_WRAPPER")
        if wrapper:
            cmd = wrapper.split() + cmd
        self.daemon = subprocess.Popen(cmd, stdout=self._daemon_log, stderr=subprocess.STDOUT,
                                       env=self.native_env())
        if not getattr(self, "_stop_registered", False):
            # Cleanups run even when a subclass's setUp fails after this point (tearDown would not).
            self.addCleanup(self.stop_bgtaskd)
            self._stop_registered = True
        if wait:
            self.wait_for_bgtaskd()

    def wait_for_bgtaskd(self):
        """Waits until the started bgtaskd owns its bus name; fails if it exits first."""
        eventually(lambda: self.name_has_owner(BUS_NAME) or self.daemon.poll() is not None, 20,
                   message="bgtaskd did not take its bus name")
        if self.daemon.poll() is not None:
            self.fail("bgtaskd exited during start-up:\n" + self.daemon_log()[-4000:])

    def stop_bgtaskd(self, sig=signal.SIGTERM):
        if self.daemon is None:
            return None
        if self.daemon.poll() is None:
            self.daemon.send_signal(sig)
            try:
                self.daemon.wait(20)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        rc = self.daemon.returncode
        self.daemon = None
        self._daemon_log.close()
        if self._bus is not None:
            eventually(lambda: not self.name_has_owner(BUS_NAME), 5)
        return rc

    def daemon_log(self):
        with open(self.daemon_logs[-1]) as f:
            return f.read()

    def native_env(self):
        """The environment for programs that run our (possibly sanitized) code: in an ASan
        build the runtime must come first in the preload list, ahead of umockdev's preload and
        also for programs built outside the tree that load the sanitized libbgtask."""
        env = dict(self.env)
        env.update(getattr(self, "fault_env", {}))
        runtime = os.environ.get("BGTASKD_ASAN_RUNTIME")
        preload = env.get("LD_PRELOAD", "")
        if runtime and runtime not in preload:
            env["LD_PRELOAD"] = f"{runtime}:{preload}" if preload else runtime
        return env

    # ---- bus ----------------------------------------------------------------------------
    @property
    def bus(self):
        if self._bus is None:
            self._bus = dbus.bus.BusConnection(self.bus_daemon.address)
        return self._bus

    def name_has_owner(self, name):
        return bool(self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
                    .NameHasOwner(name, dbus_interface="org.freedesktop.DBus"))

    def manager(self):
        return dbus.Interface(self.bus.get_object(BUS_NAME, OBJECT_PATH), MANAGER)

    def strangers_wake_ups(self, strangers):
        """bgtaskd's wake-ups while `strangers` clients that never call it join the bus and
        leave it again, one after the other, plus the few of one ListRequests call."""
        self.list_requests()   # bgtaskd is up and answering
        before = wake_ups(self.daemon.pid)
        for _ in range(strangers):
            conn = dbus.bus.BusConnection(self.bus_daemon.address)   # Hello, then gone
            conn.close()
        # The bus daemon has sent bgtaskd every NameOwnerChanged once a later call of ours to
        # it returns, and bgtaskd read them before that call (bus order), when it answers.
        self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").GetId(
            dbus_interface="org.freedesktop.DBus")
        self.list_requests()
        return wake_ups(self.daemon.pid) - before

    def list_requests(self):
        return [dict(r) for r in self.manager().ListRequests()]

    def list_running(self):
        return [dict(r) for r in self.manager().ListRunningTasks()]

    def history(self, **filters):
        f = dbus.Dictionary({}, signature="sv")
        for k, v in filters.items():
            f[k] = v
        return [dict(r) for r in self.manager().GetHistory(f)]

    # ---- apps ---------------------------------------------------------------------------
    def install_manifest(self, app_id, identifiers, kinds=("app-refresh",), exec_line=None,
                         entitlements=(), bus_name=None, extra=""):
        lines = ["[Application]", f"Id={app_id}",
                 "PermittedIdentifiers=" + ";".join(identifiers) + ";",
                 "Kinds=" + ";".join(kinds) + ";"]
        if bus_name:
            lines.append(f"BusName={bus_name}")
        if entitlements:
            lines.append("Entitlements=" + ";".join(entitlements) + ";")
        if exec_line:
            lines.append(f"Exec={exec_line}")
        path = os.path.join(self.apps_dir, f"{app_id}.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n" + extra)
        return path

    def use_fault_shim(self):
        """Call from install_apps: bgtaskd and bgtaskctl start with the storage fault shim
        (tests/fault/), its control file saying "none"; set_fault changes the fault at once."""
        self.fault_control = os.path.join(self.tmp, "fault")
        self.set_fault("none")
        # Through native_env only: test apps (Python) must not load the shim, which an ASan
        # build instruments.
        self.fault_env = {"LD_PRELOAD": os.environ.get("BGTASKD_FAULT_SHIM", ""),
                          "BGTASKD_FAULT_CONTROL": self.fault_control}

    def set_fault(self, mode):
        with open(self.fault_control + ".tmp", "w") as f:
            f.write(mode + "\n")
        os.rename(self.fault_control + ".tmp", self.fault_control)

    def app_command(self, app_id, behavior="complete", identifiers=(), extra=()):
        events = os.path.join(self.events_dir, f"{app_id}.jsonl")
        cmd = [PYTHON, TESTAPP, "--app-id", app_id, "--behavior", behavior, "--events", events]
        for i in identifiers:
            cmd += ["--identifier", i]
        return cmd + list(extra)

    def install_activatable_testapp(self, app_id, identifiers, behavior="complete", kinds=("app-refresh",),
                                    extra=(), manifest_extra=""):
        """Manifest (with manifest_extra appended, e.g. [Schedule] groups) + D-Bus service file:
        bgtaskd can start this app by activation."""
        self.install_manifest(app_id, identifiers, kinds, extra=manifest_extra)
        cmd = self.app_command(app_id, behavior, identifiers, extra)
        # Atomically: dbus-daemon re-reads its service directory on inotify and must never
        # see a half-written file.
        final = os.path.join(self.bus_daemon.service_dir, f"{app_id}.service")
        with open(final + ".tmp", "w") as f:
            f.write(f"[D-BUS Service]\nName={app_id}\nExec={' '.join(cmd)}\n")
        os.rename(final + ".tmp", final)

    def run_testapp(self, app_id, behavior="serve", identifiers=(), extra=()):
        """Starts a test app in the foreground (as a user would); returns the process once it
        is ready (a ready event of its own: an earlier instance's does not count) or has quit."""
        earlier = len(self.app_events(app_id, "ready"))
        proc = subprocess.Popen(self.app_command(app_id, behavior, identifiers, extra), env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(self._stop_proc, proc)
        eventually(lambda: len(self.app_events(app_id, "ready")) > earlier or proc.poll() is not None, 10)
        return proc

    @staticmethod
    def _stop_proc(proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()

    def app_events(self, app_id, kind=None):
        path = os.path.join(self.events_dir, f"{app_id}.jsonl")
        if not os.path.exists(path):
            return []
        events = []
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        events.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass   # a line being written right now
        return [e for e in events if kind is None or e["event"] == kind]

    def app_bus(self, app_id):
        """A new connection that owns app_id's bus name: it acts for the app."""
        conn = dbus.bus.BusConnection(self.bus_daemon.address)
        self.addCleanup(conn.close)
        conn.request_name(app_id, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        return conn

    def submit_for(self, app_id, kind, identifier, **options):
        """Submits as the app: through a connection of our own that takes the app's name and
        lets it go again (the app quits, so bgtaskd activates it later), or, while an activated
        test app holds the name, through that app's /Test control object."""
        opts = dbus.Dictionary(options, signature="sv")
        for _ in range(20):
            conn = dbus.bus.BusConnection(self.bus_daemon.address)
            try:
                if conn.request_name(app_id, dbus.bus.NAME_FLAG_DO_NOT_QUEUE) in (
                        dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER, dbus.bus.REQUEST_NAME_REPLY_ALREADY_OWNER):
                    self.scheduler(conn).Submit(kind, identifier, opts)
                    conn.release_name(app_id)
                    return
            finally:
                conn.close()
            try:
                owner = self.bus.get_name_owner(app_id)
                control = dbus.Interface(self.bus.get_object(owner, "/Test"), "org.bgtaskd.Test")
                answer = str(control.Submit(kind, identifier, opts))
            except dbus.exceptions.DBusException:
                time.sleep(0.05)   # the app quit meanwhile: take the name ourselves
                continue
            if answer != "ok":
                name, _, message = answer.partition(": ")
                raise dbus.exceptions.DBusException(message, name=name)
            return
        raise AssertionError(f"could not submit as {app_id}")

    def scheduler(self, conn):
        return dbus.Interface(conn.get_object(BUS_NAME, OBJECT_PATH), SCHEDULER)

    def ctl(self, *args, check=True):
        out = subprocess.run([BGTASKCTL, *args], env=self.native_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=30)
        if check and out.returncode != 0:
            raise AssertionError(f"bgtaskctl {' '.join(args)} exited {out.returncode}: {out.stderr}")
        return out

    def assertDbusError(self, name, sub_reason, fn, *args, **kwargs):
        with self.assertRaises(dbus.exceptions.DBusException) as ctx:
            fn(*args, **kwargs)
        self.assertEqual(ctx.exception.get_dbus_name(), name, ctx.exception.get_dbus_message())
        self.assertTrue(ctx.exception.get_dbus_message().startswith(sub_reason + ": "),
                        ctx.exception.get_dbus_message())
        return ctx.exception

# SPDX-License-Identifier: LGPL-2.1-or-later
"""The scale phase of bench/run: one bgtaskd filled to SCALE_PENDING requests over SCALE_APPS
apps through `bgtaskd-bench-client fill`, measured on the way (submit cost at each step of
SERIES) and at the top (idle and peak RSS, re-plan cost after a state change, restart time to
the first answer, RSS after the restart), plus the same number of one-off jobs queued with
`at now + 1 hour` where `at` is installed.

The daemon gets a private "system" bus with python-dbusmock's power-profiles-daemon, so that a
state change (LowPowerMode on and off) can be made on demand."""
import concurrent.futures
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import dbus

import benchenv
from benchenv import BGTASKD_NAME, BGTASKD_PATH, MANAGER, Bus, Idle, wait_for

SCALE_APPS = 1000                      # the default of --scale-apps
PER_APP = 100
SCALE_PENDING = SCALE_APPS * PER_APP
SERIES = (0, 1_000, 10_000, 100_000)   # pending requests at which submit cost is measured (up to the fill)
STATE_CHANGES = 20                     # LowPowerMode flips for the re-plan cost
STRANGERS = 20                         # clients that join the bus and leave it, never calling bgtaskd
AT_JOBS = 1000                         # one-off jobs queued with at (each is a process)
PPD, PPD_PATH = "net.hadess.PowerProfiles", "/net/hadess/PowerProfiles"
PROPS = "org.freedesktop.DBus.Properties"


class ScaleResult:
    def __init__(self):
        self.series = []          # (pending, Phase)
        self.fill = []            # (requests, errors, seconds) per fill step
        self.idle = None          # Idle at SCALE_PENDING, after the fill
        self.restart_idle = None  # Idle after the restart
        self.restart_s = None
        self.replan = None        # dict: changes, daemon µs per change, seen
        self.pending = None       # Manager1.ListRequests count after everything (None: failed)
        self.pending_error = None
        self.at = None            # dict or a reason string
        self.strangers = []       # (label, bgtaskd's wake-ups while STRANGERS clients joined and left)


class Scale:
    """Borrows the Bench (its bus, environment, clients and run_phase)."""

    def __init__(self, bench):
        self.bench = bench
        self.args = bench.args
        self.data_dir = os.path.join(bench.tmp, "data-scale")
        self.apps = [f"org.bgtaskd.bench.scale{i:04}" for i in range(bench.args.scale_apps)]
        self.pending = len(self.apps) * PER_APP
        self.result = ScaleResult()
        self.result.pending_total = self.pending
        self.result.alive_after_list = None
        self.system = None
        self.env = None

    def write_manifests(self):
        apps_dir = os.path.join(self.data_dir, "bgtaskd", "apps")
        os.makedirs(apps_dir)
        ids = ";".join(f"bench.fill.t{i}" for i in range(PER_APP))
        for app in self.apps:
            with open(os.path.join(apps_dir, f"{app}.conf"), "w") as f:
                f.write(f"[Application]\nId={app}\nPermittedIdentifiers={ids};\nKinds=processing;app-refresh;\n")
        # The submit clients of the series, with the manifests bench/run gave them.
        for app in self.bench.apps:
            shutil.copy(os.path.join(self.bench.data_dir, "bgtaskd", "apps", f"{app}.conf"), apps_dir)

    def start_system_bus(self):
        import stateenv   # GLib and umockdev bindings: only loaded when the scale phase runs
        self.system = Bus(os.path.join(self.bench.tmp, "sysbus"))
        self.bench.processes.append(self.system.stop)
        self.env = dict(self.bench.env, DBUS_SYSTEM_BUS_ADDRESS=self.system.address)
        mock = stateenv.Mock("power_profiles_daemon", self.env, self.system.conn)
        self.bench.processes.append(mock.stop)

    def start_daemon(self, name):
        daemon = benchenv.Daemon(self.bench.targets["bgtaskd"], self.bench.bus, self.env,
                                 os.path.join(self.bench.tmp, "state-scale"), self.data_dir, self.bench.config,
                                 os.path.join(self.bench.tmp, f"{name}.log"))
        self.bench.processes.append(daemon.stop)
        return daemon

    # ---- the run ------------------------------------------------------------------------------
    def run(self):
        self.write_manifests()
        self.start_system_bus()
        daemon = self.start_daemon("bgtaskd-scale")
        daemons = [daemon]
        filled = 0
        for target in [p for p in SERIES if p < self.pending] + [self.pending]:
            if target > filled:
                self.fill_to(filled, target)
                filled = target
            self.result.series.append((target, self.submit_phase(daemon, target)))
        # No ListRequests here: it is tried once, at the end.
        self.result.idle = self.bench.idle(f"{self.pending:,} pending, after the fill", daemon, count=False)
        self.result.strangers.append(("after the fill", self.strangers(daemon)))
        self.result.replan = self.replan(daemon)
        daemon.stop()
        restarted = self.start_daemon("bgtaskd-scale-restarted")
        daemons.append(restarted)
        self.result.restart_s = restarted.first_answer_s()
        self.result.restart_idle = self.bench.idle(f"{self.pending:,} pending, after a restart", restarted,
                                                   count=False)
        self.result.restart_idle.pending = self.stored_requests()
        self.result.strangers.append(("after a restart", self.strangers(restarted)))
        self.list_requests(restarted)
        self.result.at = at_comparison(self.bench.tmp)
        return self.result, daemons

    def strangers(self, daemon):
        """bgtaskd's wake-ups while STRANGERS clients that never call it join its bus and leave it
        again, one after the other: with an app name per manifest to follow, bgtaskd used to
        follow every NameOwnerChanged and woke twice for each (issue 13: 0)."""
        before = benchenv.ProcSample(daemon.pid).switches
        for _ in range(STRANGERS):
            dbus.bus.BusConnection(self.bench.bus.address).close()
        time.sleep(0.5)   # were bgtaskd woken, it would have run by now
        return benchenv.ProcSample(daemon.pid).switches - before

    def fill_to(self, start, end):
        first, last = start // PER_APP, end // PER_APP
        progress(f"scale: filling to {end:,} pending requests ({last - first} apps × {PER_APP}) …")

        def one(app):
            out = subprocess.run([self.bench.targets["client"], "fill", f"--app-id={app}", "--prefix=bench.fill",
                                  f"--count={PER_APP}", f"--depth={self.args.fill_depth}"], env=self.env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
            words = out.stdout.split()
            if out.returncode != 0 or words[:1] != ["done"]:
                raise RuntimeError(f"fill client {app} exited {out.returncode}: {out.stderr.strip()}")
            return int(words[1]), int(words[2])

        begin = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(self.args.clients) as pool:
            results = list(pool.map(one, self.apps[first:last]))
        self.result.fill.append((sum(r[0] for r in results), sum(r[1] for r in results), time.monotonic() - begin))

    def submit_phase(self, daemon, pending):
        n = self.args.clients
        return self.bench.run_phase(f"submit, {n} clients, {pending:,} pending", daemon.pid,
                                    [self.bench.submit_cmd(i) for i in range(n)])

    def stored_requests(self):
        db = sqlite3.connect(f"file:{os.path.join(self.bench.tmp, 'state-scale', 'bgtaskd.db')}?mode=ro", uri=True)
        try:
            return db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
        finally:
            db.close()

    def list_requests(self, daemon):
        """Manager1.ListRequests with everything pending: a whole list or a typed error, and
        bgtaskd still running afterwards either way."""
        progress(f"scale: Manager1.ListRequests with {self.pending:,} pending …")
        try:
            self.result.pending = self.bench.bus.count_pending_requests()
        except dbus.exceptions.DBusException as e:
            self.result.pending_error = f"{e.get_dbus_name()}: {e.get_dbus_message()}"
        # A daemon that lost its bus exits a moment after the bus daemon dropped it.
        time.sleep(1)
        self.result.alive_after_list = daemon.proc.poll() is None and self.bench.bus.has_owner(BGTASKD_NAME)

    def replan(self, daemon):
        """bgtaskd's CPU time per state change: LowPowerMode flips through the ppd mock, each
        waited for until bgtaskd shows it and its CPU time stops growing (the re-plan is done)."""
        progress(f"scale: {STATE_CHANGES} state changes (LowPowerMode) with {self.pending:,} pending …")
        ppd = self.system.conn.get_object(PPD, PPD_PATH, introspect=False)
        props = dbus.Interface(self.bench.bus.conn.get_object(BGTASKD_NAME, BGTASKD_PATH, introspect=False), PROPS)

        def low_power():
            return bool(props.Get(MANAGER, "SystemState").get("LowPowerMode", False))

        costs_ns, seen = [], 0
        for n in range(STATE_CHANGES):
            saving = n % 2 == 0
            settle(daemon.pid)
            before = benchenv.cpu_ns_of(daemon.pid)
            ppd.Set(PPD, "ActiveProfile", "power-saver" if saving else "balanced", dbus_interface=PROPS)
            wait_for(lambda: benchenv.cpu_ns_of(daemon.pid) > before, 10, "bgtaskd to notice the state change",
                     interval=0.001)
            after = settle(daemon.pid)
            costs_ns.append(after - before)
            # Asked after the measurement: the answer is not part of the cost.
            seen += low_power() == saving
        costs_ns.sort()
        return {"changes": STATE_CHANGES, "seen": seen, "p50_us": costs_ns[len(costs_ns) // 2] / 1000,
                "max_us": costs_ns[-1] / 1000, "mean_us": sum(costs_ns) / len(costs_ns) / 1000}


def settle(pid, quiet_s=0.05, timeout=30):
    """Waits until pid has used no CPU for quiet_s; returns its CPU time so far (ns)."""
    deadline = time.monotonic() + timeout
    last, since = benchenv.cpu_ns_of(pid), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.005)
        now = benchenv.cpu_ns_of(pid)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return now
    raise RuntimeError(f"process {pid} never went quiet")


def at_comparison(tmp):
    """AT_JOBS one-off jobs queued with `at now + 1 hour` (no atd needed to queue), timed, then
    removed again: what the classic tool costs per job. Returns a reason when at is missing."""
    at, atrm, atq = shutil.which("at"), shutil.which("atrm"), shutil.which("atq")
    if not (at and atrm and atq):
        return "at is not installed"
    progress(f"scale: queueing {AT_JOBS:,} jobs with at now + 1 hour …")
    before = set(_at_jobs(atq))
    out = os.path.join(tmp, "at.out")
    begin = time.monotonic()
    with open(out, "w") as sink:
        for _ in range(AT_JOBS):
            subprocess.run([at, "-M", "now", "+", "1", "hour"], input="true\n", text=True, stdout=sink,
                           stderr=subprocess.STDOUT, check=True, timeout=30)
    seconds = time.monotonic() - begin
    ours = [j for j in _at_jobs(atq) if j not in before]
    spool = _spool_bytes(ours)
    for i in range(0, len(ours), 200):
        subprocess.run([atrm, *ours[i:i + 200]], check=False, timeout=60)
    return {"jobs": AT_JOBS, "queued": len(ours), "seconds": seconds, "spool_bytes": spool}


def _at_jobs(atq):
    out = subprocess.run([atq], stdout=subprocess.PIPE, text=True, timeout=60).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _spool_bytes(jobs):
    """Bytes of the at job files in the spool (Debian's), 0 when it cannot be read."""
    spool = "/var/spool/cron/atjobs"
    try:
        names = os.listdir(spool)
    except OSError:
        return 0
    total = 0
    for name in names:
        # Debian names a job file a<5 hex digits of the job number><8 hex digits of the time>.
        if name.startswith("a") and len(name) >= 6 and str(int(name[1:6], 16)) in jobs:
            total += os.path.getsize(os.path.join(spool, name))
    return total


def progress(text):
    print(f"bench/run: {text}", file=sys.stderr, flush=True)

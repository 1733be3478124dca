#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Crash test: rounds of kill -9 of the real bgtaskd under concurrent load, each followed by a
restart and a check of everything that was acknowledged.

Load of one round, on a private session bus, all at once:
  - one worker per client app submitting, cancelling and cancelling all (far-future requests,
    so that nothing of theirs runs and the expected pending set is exact);
  - a launch worker submitting due requests through a running test app, which bgtaskd launches
    and which completes them (so runs start, end and are interrupted by the kill);
  - a policy worker switching the client apps' Background App Refresh on and off.
Each worker logs "try" before a call and "ok"/"err" after it, flushed line by line. After
bgtaskd was killed (at a random moment, after a random number of acknowledged calls):
  - PRAGMA integrity_check of the database the kill left behind is "ok";
  - after the restart every acknowledged call is reflected: a client app's pending set is
    exactly what its acknowledged submits and cancels leave (a call cut off by the kill may
    have gone either way), the policy is the last one acknowledged, and every acknowledged
    due submit is pending, running or in the history as a run that started after it;
  - nothing cancelled comes back (the same check of the pending sets);
  - runs cut off by the kill are recorded "interrupted" (daemon-restart) and their requests
    are pending again or have run since (README, "Durability").

  crash_test.py [--rounds N] [--seed S]    (BGTASKD names the binary; exit 0 when all held)
"""
import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import shutil

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bgtaskd_testlib import (BUS_NAME, FAST_LIMITS, MANAGER, NO_FAIRNESS, OBJECT_PATH, PYTHON,  # noqa: E402
                             SCHEDULER, TESTAPP, PrivateBus, eventually)

CLIENTS = [f"org.example.Crash{i}" for i in range(3)]
JOBS = 12                                 # identifiers per client app
LAUNCHED = "org.example.CrashLaunch"
RUNS = 4                                  # identifiers of the launched app
FAR = 86400 * 1_000_000                   # client requests begin a day from now


def now_usec():
    return int(time.time() * 1_000_000)


# ---- workers (child processes) ---------------------------------------------------------------
def worker(role, app, log_path, seed):
    try:
        work(role, app, open(log_path, "a", buffering=1), random.Random(seed))
    except dbus.exceptions.DBusException:
        pass   # the daemon was killed before this worker got going


def work(role, app, log, rng):
    bus = dbus.SessionBus()

    def call(entry, fn):
        entry["t0"] = now_usec()
        log.write(json.dumps({"try": entry}) + "\n")
        try:
            fn()
        except dbus.exceptions.DBusException as e:
            name = e.get_dbus_name()
            log.write(json.dumps({"err": name}) + "\n")
            # Connection-level errors end the worker: the daemon is gone.
            return name not in ("org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.ServiceUnknown",
                                "org.freedesktop.DBus.Error.Disconnected", "org.freedesktop.DBus.Error.NameHasNoOwner")
        log.write(json.dumps({"ok": True}) + "\n")
        return True

    if role == "client":
        bus.request_name(app, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        sched = dbus.Interface(bus.get_object(BUS_NAME, OBJECT_PATH), SCHEDULER)
        log.write(json.dumps({"ready": True}) + "\n")
        while True:
            ident = f"{app}.job{rng.randrange(JOBS)}"
            r = rng.random()
            if r < 0.6:
                opts = dbus.Dictionary({"EarliestBeginDate": dbus.Int64(now_usec() + FAR)}, signature="sv")
                going = call({"op": "submit", "id": ident}, lambda: sched.Submit("processing", ident, opts))
            elif r < 0.95:
                going = call({"op": "cancel", "id": ident}, lambda: sched.Cancel(ident))
            else:
                going = call({"op": "cancelall"}, lambda: sched.CancelAll())
            if not going:
                return
    elif role == "launch":
        control = dbus.Interface(bus.get_object(app, "/Test"), "org.bgtaskd.Test")

        def submit(kind, ident):
            answer = str(control.Submit(kind, ident, dbus.Dictionary({}, signature="sv")))
            if answer != "ok":
                name, _, message = answer.partition(": ")
                raise dbus.exceptions.DBusException(message, name=name)
        log.write(json.dumps({"ready": True}) + "\n")
        while True:
            ident = f"{app}.run{rng.randrange(RUNS)}"
            kind = rng.choice(["processing", "app-refresh"])
            if not call({"op": "submit", "id": ident}, lambda: submit(kind, ident)):
                return
            time.sleep(rng.uniform(0.02, 0.2))
    elif role == "policy":
        manager = dbus.Interface(bus.get_object(BUS_NAME, OBJECT_PATH), MANAGER)
        log.write(json.dumps({"ready": True}) + "\n")
        while True:
            target = rng.choice(CLIENTS)
            enabled = rng.random() < 0.5
            if not call({"op": "policy", "app": target, "enabled": enabled},
                        lambda: manager.SetPolicy(target, "refresh", enabled)):
                return
            time.sleep(rng.uniform(0.0, 0.05))


def is_ready(path):
    with open(path) as f:
        return '"ready"' in f.readline()


def read_log(path):
    """[(entry, outcome)] with outcome "ok", an error name, or None when cut off."""
    calls = []
    if not os.path.exists(path):
        return calls
    with open(path) as f:
        for line in f:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue   # a line cut off by the kill of the worker
            if "try" in rec:
                calls.append([rec["try"], None])
            elif calls and calls[-1][1] is None:
                calls[-1][1] = "ok" if "ok" in rec else rec["err"]
    return calls


# ---- the harness -----------------------------------------------------------------------------
class CrashTest:
    def __init__(self, bgtaskd, seed):
        self.bgtaskd = bgtaskd
        self.rng = random.Random(seed)
        self.seed = seed
        self.tmp = tempfile.mkdtemp(prefix="bgtaskd-crash-")
        self.state_dir = os.path.join(self.tmp, "state")
        self.data_dir = os.path.join(self.tmp, "data")
        self.apps_dir = os.path.join(self.data_dir, "bgtaskd", "apps")
        self.logs = os.path.join(self.tmp, "logs")
        os.makedirs(self.apps_dir)
        os.makedirs(self.logs)
        self.config = os.path.join(self.tmp, "bgtaskd.conf")
        with open(self.config, "w") as f:
            f.write("[Limits]\n" + "".join(f"{k}={v}\n" for k, v in FAST_LIMITS.items()))
            f.write("[Fairness]\n" + "".join(f"{k}={v}\n" for k, v in NO_FAIRNESS.items()))
            f.write(f"[Quotas]\nMaxPendingProcessing={JOBS * 4}\nMaxPendingAppRefresh={RUNS * 2}\n")
        for app in CLIENTS:
            self.manifest(app, [f"{app}.job{i}" for i in range(JOBS)], "processing;app-refresh")
        self.manifest(LAUNCHED, [f"{LAUNCHED}.run{i}" for i in range(RUNS)], "processing;app-refresh")
        self.env = os.environ.copy()
        self.env.update(XDG_DATA_HOME=self.data_dir, XDG_DATA_DIRS=self.data_dir, HOME=self.tmp)
        self.bus_daemon = PrivateBus(os.path.join(self.tmp, "bus"), self.env)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_daemon.address
        self.bus = dbus.bus.BusConnection(self.bus_daemon.address)
        self.daemon = None
        self.daemon_log = None
        self.app = None
        # The model: what each client app has pending, the policy last acknowledged, and the
        # launched app's acknowledged submits (identifier → start of the newest acknowledged
        # call whose run was not seen yet).
        self.pending = {app: set() for app in CLIENTS}
        self.policy = {}
        self.due = {}
        self.figures = {"rounds": 0, "acknowledged": 0, "cut-off": 0, "interrupted": 0, "runs": 0}

    def manifest(self, app, identifiers, kinds):
        with open(os.path.join(self.apps_dir, f"{app}.conf"), "w") as f:
            f.write(f"[Application]\nId={app}\nPermittedIdentifiers={';'.join(identifiers)}\nKinds={kinds}\n")

    def start_daemon(self):
        self.daemon_log = os.path.join(self.logs, f"bgtaskd-{self.figures['rounds']}.log")
        cmd = [self.bgtaskd, "-vv", f"--state-dir={self.state_dir}", f"--config={self.config}",
               f"--data-dir={self.data_dir}"]
        self.daemon = subprocess.Popen(cmd, stdout=open(self.daemon_log, "w"), stderr=subprocess.STDOUT, env=self.env)
        eventually(lambda: self.has_owner(BUS_NAME) or self.daemon.poll() is not None, 30,
                   message="bgtaskd did not take its bus name")
        if self.daemon.poll() is not None:
            raise AssertionError(f"bgtaskd exited at start:\n{open(self.daemon_log).read()}")

    def has_owner(self, name):
        return bool(self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
                    .NameHasOwner(name, dbus_interface="org.freedesktop.DBus"))

    def start_app(self):
        events = os.path.join(self.logs, "launched.jsonl")
        cmd = [PYTHON, TESTAPP, "--app-id", LAUNCHED, "--behavior", "complete", "--events", events,
               "--idle-exit", "0", "--work-seconds", "0.2"]
        for i in range(RUNS):
            cmd += ["--identifier", f"{LAUNCHED}.run{i}"]
        self.app = subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        eventually(lambda: self.has_owner(LAUNCHED), 20, message="the launched app did not take its name")

    def manager(self):
        return dbus.Interface(self.bus.get_object(BUS_NAME, OBJECT_PATH), MANAGER)

    def round(self, n):
        workers = []
        logs = {}
        roles = [("client", app) for app in CLIENTS] + [("launch", LAUNCHED), ("policy", "")]
        for role, app in roles:
            path = os.path.join(self.logs, f"round{n}-{role}-{app or 'all'}.jsonl")
            logs[(role, app)] = path
            open(path, "w").close()
            workers.append(subprocess.Popen([PYTHON, __file__, "--worker", role, app, path,
                                             str(self.rng.randrange(1 << 30))], env=self.env))
        eventually(lambda: all(is_ready(p) for p in logs.values()), 30, message="the workers did not start")
        # Kill after a random number of acknowledged calls (some of them due submits, so that
        # runs are under way), so that the kill lands in every phase of a call and of a run.
        target = self.rng.randrange(20, 300)
        launches = self.rng.randrange(1, 6)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            acked = sum(1 for p in logs.values() for _, o in read_log(p) if o == "ok")
            due = sum(1 for _, o in read_log(logs[("launch", LAUNCHED)]) if o == "ok")
            if acked >= target and due >= launches:
                break
            time.sleep(self.rng.uniform(0.0, 0.02))
        self.daemon.send_signal(signal.SIGKILL)
        self.daemon.wait()
        for w in workers:
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:
                w.kill()
                raise AssertionError("a worker did not stop after the daemon died")
        self.check_integrity()
        self.start_daemon()
        self.check(logs)
        self.figures["rounds"] += 1

    def check_integrity(self):
        db = sqlite3.connect(os.path.join(self.state_dir, "bgtaskd.db"))
        try:
            result = db.execute("PRAGMA integrity_check").fetchall()
        finally:
            db.close()
        if result != [("ok",)]:
            raise AssertionError(f"integrity_check after kill -9: {result}")

    def apply(self, logs):
        """Moves the model forward by the round's calls; returns what is uncertain (cut off)."""
        unsure = {app: set() for app in CLIENTS}
        unsure_policy = set()
        for (role, app), path in logs.items():
            for entry, outcome in read_log(path):
                if outcome == "ok":
                    self.figures["acknowledged"] += 1
                elif outcome is None or outcome.startswith("org.freedesktop.DBus.Error.NoReply"):
                    self.figures["cut-off"] += 1
                op = entry["op"]
                if role == "client":
                    ids = set(self.pending[app] | unsure[app]) if op == "cancelall" else {entry["id"]}
                    if outcome == "ok":
                        if op == "submit":
                            self.pending[app] |= ids
                        else:
                            self.pending[app] -= ids
                        unsure[app] -= ids
                    elif outcome is None or outcome == "org.freedesktop.DBus.Error.NoReply":
                        unsure[app] |= ids
                elif role == "launch" and outcome == "ok":
                    self.due[entry["id"]] = entry["t0"]   # the newest acknowledged submit
                elif role == "policy":
                    if outcome == "ok":
                        self.policy[entry["app"]] = entry["enabled"]
                        unsure_policy.discard(entry["app"])
                    elif outcome is None or outcome == "org.freedesktop.DBus.Error.NoReply":
                        unsure_policy.add(entry["app"])
        return unsure, unsure_policy

    def check(self, logs):
        unsure, unsure_policy = self.apply(logs)
        requests = [dict(r) for r in self.manager().ListRequests()]
        running = [dict(r) for r in self.manager().ListRunningTasks()]
        history = [dict(r) for r in self.manager().GetHistory(
            dbus.Dictionary({"App": LAUNCHED, "Limit": dbus.UInt32(10000)}, signature="sv"))]
        for app in CLIENTS:
            seen = {str(r["Identifier"]) for r in requests if str(r["App"]) == app}
            wrong = (seen ^ self.pending[app]) - unsure[app]
            if wrong:
                raise AssertionError(f"{app}: pending {sorted(seen)}, acknowledged calls leave "
                                     f"{sorted(self.pending[app])} (either way: {sorted(unsure[app])})")
            self.pending[app] = seen   # what was cut off is decided now
        for app, enabled in self.policy.items():
            if app in unsure_policy:
                continue
            got = bool(self.manager().GetPolicy(app)["RefreshUser"])
            if got != enabled:
                raise AssertionError(f"{app}: RefreshUser is {got}, the last acknowledged SetPolicy said {enabled}")
        for app in unsure_policy:
            self.policy[app] = bool(self.manager().GetPolicy(app)["RefreshUser"])
        # The launched app: every acknowledged due submit is pending, running or has run since.
        now_pending = {str(r["Identifier"]) for r in requests if str(r["App"]) == LAUNCHED}
        now_running = {str(r["Identifier"]) for r in running if str(r["App"]) == LAUNCHED}
        for ident, t0 in list(self.due.items()):
            ran = [h for h in history if str(h["Identifier"]) == ident and int(h["StartedAt"]) >= t0]
            if ran:
                del self.due[ident]
            elif ident not in now_pending and ident not in now_running:
                raise AssertionError(f"{ident}: submitted (acknowledged) at {t0}, but neither pending, "
                                     "running nor run since")
        # Runs the kill cut off: interrupted, and their request back (or run again since).
        interrupted = [h for h in history if str(h["Outcome"]) == "interrupted"]
        for h in interrupted:
            if str(h["Reason"]) != "daemon-restart":
                raise AssertionError(f"interrupted run with reason {h['Reason']}")
            ident = str(h["Identifier"])
            later = [x for x in history if str(x["Identifier"]) == ident and int(x["StartedAt"]) > int(h["StartedAt"])]
            if not later and ident not in now_pending and ident not in now_running:
                raise AssertionError(f"{ident}: its run was interrupted, but the request did not come back")
        self.figures["interrupted"] = len(interrupted)
        self.figures["runs"] = len(history)

    def run(self, rounds):
        try:
            self.start_daemon()
            self.start_app()
            for n in range(rounds):
                self.round(n)
                print(f"round {n + 1}/{rounds}: ok ({self.figures['acknowledged']} acknowledged calls so far)",
                      flush=True)
        except BaseException:
            print(f"FAILED in round {self.figures['rounds'] + 1} (seed {self.seed}); daemon log:", file=sys.stderr)
            if self.daemon_log and os.path.exists(self.daemon_log):
                print(open(self.daemon_log).read()[-20000:], file=sys.stderr)
            raise
        finally:
            self.stop()
        f = self.figures
        print(f"crash test: {f['rounds']} kill -9 rounds, {f['acknowledged']} acknowledged calls all reflected, "
              f"{f['cut-off']} calls cut off by a kill, {f['runs']} runs of the launched app, "
              f"{f['interrupted']} interrupted and resolved, integrity_check ok every round")

    def stop(self):
        for p in (self.app, self.daemon):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        self.bus.close()
        self.bus_daemon.stop()
        shutil.rmtree(self.tmp, True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--worker", nargs=4, metavar=("ROLE", "APP", "LOG", "SEED"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        role, app, log, seed = args.worker
        worker(role, app, log, int(seed))
        return 0
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"crash test: {args.rounds} rounds, seed {seed}", flush=True)
    CrashTest(os.environ.get("BGTASKD", "bgtaskd"), seed).run(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())

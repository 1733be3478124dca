# SPDX-License-Identifier: LGPL-2.1-or-later
"""The processes of the bgtaskd benchmark and what /proc says about them.

A private dbus-daemon (its process group is killed at the end), the real bgtaskd with its own
state, data and config, the echo server, and bgtaskd-bench-client processes that speak the
ready/go/done line protocol. Nothing here touches the host's buses or XDG directories.
"""
import ctypes
import os
import select
import signal
import sqlite3
import subprocess
import time

import dbus

BGTASKD_NAME = "org.bgtaskd"
BGTASKD_PATH = "/org/bgtaskd"
MANAGER = "org.bgtaskd.Manager1"

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    """preexec_fn: a long-lived child gets SIGTERM if the driver dies without cleaning up."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_for(cond, timeout, what, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


class Bus:
    """A private dbus-daemon of type session; --fork makes it a process group leader."""

    def __init__(self, root):
        os.makedirs(root, exist_ok=True)
        conf = os.path.join(root, "session.conf")
        with open(conf, "w") as f:
            f.write(
                '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
                ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                f"<busconfig><type>session</type><listen>unix:path={root}/session.sock</listen>"
                "<auth>EXTERNAL</auth>"
                '<policy context="default"><allow user="*"/><allow own="*"/>'
                '<allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/></policy>'
                "</busconfig>\n")
        out = subprocess.run(
            ["dbus-daemon", f"--config-file={conf}", "--fork", "--print-address=1", "--print-pid=2"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
        self.address = out.stdout.strip()
        self.pid = int(out.stderr.strip().splitlines()[-1])
        self._conn = None

    @property
    def conn(self):
        if self._conn is None:
            self._conn = dbus.bus.BusConnection(self.address)
        return self._conn

    def has_owner(self, name):
        return bool(self.conn.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
                    .NameHasOwner(name, dbus_interface="org.freedesktop.DBus"))

    def count_pending_requests(self):
        manager = dbus.Interface(self.conn.get_object(BGTASKD_NAME, BGTASKD_PATH), MANAGER)
        return len(manager.ListRequests(timeout=60))

    def stop(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


class Daemon:
    """The real bgtaskd on the private bus, logging to a file at its default verbosity."""

    def __init__(self, binary, bus, env, state_dir, data_dir, config, log_path):
        self.bus = bus
        self.log_path = log_path
        self._log = open(log_path, "w")
        if bus.has_owner(BGTASKD_NAME):   # else the measurements would go to the previous daemon
            raise RuntimeError("org.bgtaskd is still owned by a previous bgtaskd")
        cmd = [binary, f"--state-dir={state_dir}", f"--data-dir={data_dir}", f"--config={config}"]
        self.spawned_ns = time.monotonic_ns()   # for the restart time: spawn to first answer
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                     preexec_fn=_die_with_parent)
        self._stopped = False
        # Asking dbus-daemon costs bgtaskd nothing, so poll it often: the restart time counts.
        wait_for(lambda: self.proc.poll() is not None or bus.has_owner(BGTASKD_NAME), 30,
                 "bgtaskd to own org.bgtaskd", interval=0.002)
        if self.proc.poll() is not None:
            raise RuntimeError(f"bgtaskd exited during start-up:\n{self.log()}")

    @property
    def pid(self):
        return self.proc.pid

    def first_answer_s(self):
        """Seconds from the spawn to the first Manager1 answer (the Version property)."""
        props = dbus.Interface(self.bus.conn.get_object(BGTASKD_NAME, BGTASKD_PATH, introspect=False),
                               "org.freedesktop.DBus.Properties")
        props.Get(MANAGER, "Version", timeout=60)
        return (time.monotonic_ns() - self.spawned_ns) / 1e9

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self._stopped:
            return self.proc.returncode
        self._stopped = True
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        # The name must be free before a successor can take it.
        wait_for(lambda: not self.bus.has_owner(BGTASKD_NAME), 10, "org.bgtaskd to be released")
        return self.proc.returncode


class Client:
    """A bgtaskd-bench-client process: stdout lines in, "go" line out, stderr to a file."""

    def __init__(self, cmd, env, err_path, pdeathsig=False):
        self.cmd = cmd
        self.err_path = err_path
        self._err = open(err_path, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err,
                                     env=env, preexec_fn=_die_with_parent if pdeathsig else None)
        self._buf = b""

    def read_line(self, deadline):
        """The next stdout line, or RuntimeError (with the client's stderr) at the deadline or EOF."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
            chunk = os.read(fd, 4096) if ready else None
            if not chunk:
                self.proc.poll()
                raise RuntimeError(f"{' '.join(self.cmd[1:3])} {'exited' if chunk == b'' else 'timed out'}"
                                   f" (status {self.proc.returncode}): {self.stderr().strip()}")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode()

    def expect(self, word, deadline):
        line = self.read_line(deadline)
        if line.split()[:1] != [word]:
            raise RuntimeError(f"expected '{word}' from {' '.join(self.cmd[1:3])}, got '{line}'")
        return line.split()[1:]

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream:
                stream.close()
        self._err.close()


# ---- /proc ------------------------------------------------------------------------------
def _status_fields(path):
    fields = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def _tasks(pid):
    return [os.path.join(f"/proc/{pid}/task", t) for t in os.listdir(f"/proc/{pid}/task")]


def memory_kib(pid):
    """VmRSS, VmHWM (peak RSS), RssAnon (heap, stacks) and RssFile (mapped files) in KiB."""
    fields = _status_fields(f"/proc/{pid}/status")
    return {key: int(fields[key][0]) for key in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


class ProcSample:
    """What a process has used so far: context switches and CPU time, summed over its threads."""

    def __init__(self, pid):
        self.switches = 0
        self.cpu_ns = 0
        self.threads = 0
        for task in _tasks(pid):
            try:
                fields = _status_fields(os.path.join(task, "status"))
                with open(os.path.join(task, "schedstat")) as f:
                    cpu_ns = int(f.read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                continue   # the thread ended between listdir and open
            self.switches += int(fields["voluntary_ctxt_switches"][0]) + int(fields["nonvoluntary_ctxt_switches"][0])
            self.cpu_ns += cpu_ns
            self.threads += 1
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # utime and stime, fields 14 and 15 of proc(5), counted from 1 before ")" was cut.
        self.ticks = int(fields[11]) + int(fields[12])


def cpu_ns_of(pid):
    """Run time of all threads of pid so far, in ns (the first field of each task's schedstat)."""
    total = 0
    for task in _tasks(pid):
        try:
            with open(os.path.join(task, "schedstat")) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


class Usage:
    """CPU time of every process on the machine, to tell the benchmark's share from others'.
    Everything is schedstat run time, so the shares add up; a process that ends between two
    samples is missed, one that starts between them is counted whole."""

    def __init__(self):
        self.time_ns = time.monotonic_ns()
        self.cpu_ns = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    self.cpu_ns[int(entry)] = cpu_ns_of(int(entry))
                except (FileNotFoundError, ProcessLookupError):
                    pass   # it ended while we looked

    def since(self, before, pids):
        """(CPU ns of each of pids, busy share of all CPUs, share used by processes not in pids)."""
        used = {pid: ns - before.cpu_ns.get(pid, 0) for pid, ns in self.cpu_ns.items()}
        ours = [used.get(pid, 0) for pid in pids]
        others = sum(ns for pid, ns in used.items() if pid not in pids)
        capacity_ns = (self.time_ns - before.time_ns) * os.cpu_count()
        return ours, (sum(ours) + others) / capacity_ns, others / capacity_ns


class Idle:
    """An idle period of a daemon: RSS before it, and wake-ups and CPU time during it."""

    def __init__(self, label, pid, seconds):
        self.label = label
        self.memory = memory_kib(pid)
        self.rss_kib = self.memory["VmRSS"]
        before = ProcSample(pid)
        time.sleep(seconds)
        after = ProcSample(pid)
        self.hwm_kib = memory_kib(pid)["VmHWM"]
        self.wakeups = after.switches - before.switches
        self.cpu_ms = (after.ticks - before.ticks) * 1000 / os.sysconf("SC_CLK_TCK")
        self.cpu_us = (after.cpu_ns - before.cpu_ns) / 1000
        self.threads = after.threads
        self.pending = None


def durable_commits(path, start_ns, end_ns):
    """Latencies (ns) of one-row SQLite transactions in WAL mode with synchronous=FULL, as the
    store commits, made from start_ns to end_ns: what one fsync costs on this disk right now."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, app TEXT, identifier TEXT, options BLOB)")
        latencies = []
        while time.monotonic_ns() < start_ns:
            time.sleep(0.001)
        while (begin := time.monotonic_ns()) < end_ns:
            db.execute("BEGIN")
            db.execute("INSERT INTO t (app, identifier, options) VALUES (?, ?, ?)",
                       ("org.bgtaskd.bench.app0", "bench.process.n0", b"x" * 64))
            db.execute("COMMIT")
            if (done := time.monotonic_ns()) < end_ns:
                latencies.append(done - begin)
        return latencies
    finally:
        db.close()


def fs_type(path):
    out = subprocess.run(["stat", "-f", "-c", "%T", path], stdout=subprocess.PIPE, text=True)
    return out.stdout.strip() or "unknown"

# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers of the libbgtask integration tests (test_library*.py), on top of bgtaskd_testlib.

LibApp drives one app process that speaks the line protocol of apps/libapp.cpp (C++ API) or
apps/capi_app.py (C API through ctypes): commands go to its stdin, replies and events come back
as JSON lines on its stdout. LibraryTestCase starts such apps against the test's bgtaskd.
"""
import json
import os
import queue
import subprocess
import threading
import time
import urllib.parse

import dbus

from bgtaskd_testlib import PYTHON, DaemonTestCase, eventually

BUILD = os.environ.get("BGTASK_BUILD_DIR", "")
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
LIBAPP = os.path.join(BUILD, "tests", "integration", "apps", "bgtask-test-libapp")
CAPI_APP = os.path.join(HERE, "apps", "capi_app.py")
LIBRARY = os.path.join(BUILD, "libclient", "libbgtask.so.0")


def word(value):
    """One protocol word: percent-encoded so that it may contain spaces."""
    return urllib.parse.quote(str(value), safe="=.:-_+/")


class LibApp:
    def __init__(self, cmd, env, name):
        self.name = name
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.replies = queue.Queue()
        self.lock = threading.Lock()
        self.all_events = []
        self.stderr_lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.err_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.err_reader.start()
        self.ready = self.wait_event("ready", timeout=10)

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                self.stderr_lines.append("unparsable: " + line)
                continue
            if "reply" in message:
                self.replies.put(message)
            else:
                with self.lock:
                    self.all_events.append(message)

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line.rstrip("\n"))

    def send(self, *words, timeout=15):
        """Sends one command; returns its reply (a dict with "ok")."""
        line = " ".join(word(w) for w in words)
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        try:
            reply = self.replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.name}: no reply to {line!r} within {timeout} s; stderr: "
                                 + "\n".join(self.stderr_lines)) from None
        assert reply["reply"] == words[0], (reply, line)
        return reply

    def ok(self, *words, **kwargs):
        reply = self.send(*words, **kwargs)
        assert reply["ok"], f"{' '.join(map(str, words))} failed: {reply}"
        return reply

    def events(self, kind=None, **match):
        with self.lock:
            found = list(self.all_events)
        return [e for e in found if (kind is None or e.get("event") == kind)
                and all(e.get(k) == v for k, v in match.items())]

    def wait_event(self, kind, timeout=10, **match):
        return eventually(lambda: self.events(kind, **match), timeout,
                          message=f"{self.name}: no {kind} event {match or ''} within {timeout} s; "
                                  f"events {self.events()}; stderr {self.stderr_lines}")[0]

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.stdin.close()
            except (BrokenPipeError, ValueError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(2)
        return self.proc.returncode


class BusMonitor:
    """dbus-monitor on the test bus, counting method calls and signals of the given members."""

    def __init__(self, address, members, signals=()):
        rules = [f"type='method_call',member='{m}'" for m in members]
        rules += [f"type='signal',member='{m}'" for m in signals]
        self.proc = subprocess.Popen(["dbus-monitor", "--address", address, *rules],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        # dbus-monitor says it has become a monitor with a NameLost/NameAcquired signal first.
        eventually(lambda: self.lines, 5, message="dbus-monitor did not start")

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def calls(self, member):
        return sum(1 for line in list(self.lines) if line.startswith("method call") and f"member={member}" in line)

    def signals(self, member):
        return sum(1 for line in list(self.lines) if line.startswith("signal") and f"member={member}" in line)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)


class LibraryTestCase(DaemonTestCase):
    """A bgtaskd per test, and apps on libbgtask started on demand."""

    # "cpp": apps/libapp.cpp on the C++ API; "capi": apps/capi_app.py on the C API.
    api = "cpp"

    def app_cmd(self, loop="library", extra=()):
        if self.api == "capi":
            return [PYTHON, CAPI_APP, "--library", LIBRARY, "--loop", loop, *extra]
        return [LIBAPP, "--loop", loop, *extra]

    def start_app(self, app_id=None, loop="library", extra=(), env=None):
        env = dict(env or self.env)
        runtime = os.environ.get("BGTASKD_ASAN_RUNTIME")
        if self.api == "capi" and runtime:
            # A sanitized libbgtask loaded into the (uninstrumented) Python needs ASan's runtime
            # first, and libstdc++ loaded at start so that ASan finds the real __cxa_throw;
            # Python's own allocations are not this test's business.
            env["LD_PRELOAD"] = " ".join(filter(None, [runtime, "libstdc++.so.6", env.get("LD_PRELOAD")]))
            env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
        app = LibApp(self.app_cmd(loop, extra), env, f"{self.api}-app")
        self.addCleanup(self._stop_app, app)
        if app_id:
            app.ok("app", app_id)
        return app

    def _stop_app(self, app):
        app.stop()
        if self._outcome_failures() > self._failed_before:
            print(f"\n----- {app.name} stderr -----\n" + "\n".join(app.stderr_lines))
            print(f"----- {app.name} events -----\n" + "\n".join(map(json.dumps, app.events())))

    def monitor(self, *members):
        mon = BusMonitor(self.bus_daemon.address, members)
        self.addCleanup(mon.stop)
        return mon

    def last_run(self, **filters):
        runs = self.history(**filters)
        return runs[0] if runs else None

    def finished_run(self, identifier, timeout=10):
        return eventually(lambda: self.last_run(Identifier=identifier), timeout,
                          message=f"no finished run of {identifier}")

    def run_now(self, app_id, identifier):
        self.manager().RunNow(app_id, identifier)

    def assertError(self, reply, code, sub_reason, apple_code=None):
        self.assertFalse(reply["ok"], reply)
        self.assertEqual((reply["code"], reply["subReason"]), (code, sub_reason), reply)
        self.assertTrue(reply["message"], reply)
        if apple_code is not None:
            self.assertEqual(reply["appleCode"], apple_code, reply)

# SPDX-License-Identifier: LGPL-2.1-or-later
"""Malformed input on every method of every interface of the real bgtaskd (issue 11).

The methods come from the running daemon's introspection data, so a method added later is
covered without touching this file; the option keys of a{sv} arguments come from the doc
comments of dbus/*.xml. Each method gets calls with the wrong signature (no arguments, one too
many, each argument of another type) and calls with well-typed but bad values (empty and 1 MiB
strings, extreme dates, unknown keys, known keys with the wrong variant type or extreme values,
huge arrays), as the app itself, as another app and as a connection that is no app; Task1 on
the app's own running task, on another app's and on a finished one.

Each call must end in success or a typed error: org.bgtaskd.Error.* whose message starts with a
sub-reason and stays within the documented bound, or the standard InvalidArgs for a signature
mismatch. After every call the daemon must answer org.freedesktop.DBus.Peer.Ping."""
import os
import re
import unittest
import xml.etree.ElementTree as ET

import dbus

from bgtaskd_testlib import BUS_NAME, FAST_LIMITS, OBJECT_PATH, DaemonTestCase, eventually

APP = "org.example.Malformed"
REFRESH = f"{APP}.refresh"
JOB = f"{APP}.job.1"
OTHER = "org.example.Other"
DBUS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dbus")
MIB = 1 << 20
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
TYPED = re.compile(r"^org\.bgtaskd\.Error\.[A-Za-z]+$")
SUB_REASON = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*: ")
MAX_ERROR_TEXT = 4096            # core::kMaxErrorTextBytes, documented in bgtaskd(8)
MAX_REGISTER = 1024              # core::kMaxRegisterIdentifiers, documented in Scheduler1.xml
MAX_HANDLERS = 4096              # core::kMaxHandlersPerConnection, documented there too
PEER = "org.freedesktop.DBus.Peer"
TIMEOUT = 60


def documented_keys():
    """{(interface, method): {key: type}} of every a{sv} argument's keys, from the XML docs: the
    lines "Key (t)" of the comment before the method."""
    keys = {}
    pattern = re.compile(r"\b([A-Z][A-Za-z]+) \(([a-z]+)\)")
    for name in os.listdir(DBUS_DIR):
        if not name.endswith(".xml"):
            continue
        with open(os.path.join(DBUS_DIR, name)) as f:
            text = f.read()
        for interface in re.finditer(r'<interface name="([^"]+)">(.*?)</interface>', text, re.S):
            body = interface.group(2)
            for method in re.finditer(r'<!--(.*?)-->\s*<method name="([^"]+)">', body, re.S):
                found = dict(pattern.findall(method.group(1)))
                if found:
                    keys[(interface.group(1), method.group(2))] = found
    return keys


def extremes(sig):
    """Well-typed but bad (or edge) values of one D-Bus type."""
    if sig == "s":
        return [dbus.String(""), dbus.String("x" * MIB), dbus.String("é" * 300), dbus.String("a.b"),
                dbus.String("../../etc"), dbus.String(f"{OTHER}.refresh")]
    if sig == "x":
        return [dbus.Int64(v) for v in (0, -1, INT64_MIN, INT64_MAX)]
    if sig == "t":
        return [dbus.UInt64(v) for v in (0, (1 << 64) - 1)]
    if sig == "i":
        return [dbus.Int32(v) for v in (0, -1, -(1 << 31), (1 << 31) - 1)]
    if sig == "u":
        return [dbus.UInt32(v) for v in (0, (1 << 32) - 1)]
    if sig == "d":
        return [dbus.Double(v) for v in (float("nan"), float("inf"), float("-inf"), -1.0)]
    if sig == "b":
        return [dbus.Boolean(False), dbus.Boolean(True)]
    if sig == "o":
        return [dbus.ObjectPath(p) for p in ("/", "/org/bgtaskd/task/0", "/org/bgtaskd/task/99999999")]
    if sig == "as":
        return [dbus.Array([], signature="s"), dbus.Array([""], signature="s"),
                dbus.Array(["x" * MIB], signature="s"),
                dbus.Array([f"{APP}.job.{i}" for i in range(MAX_REGISTER + 1)], signature="s"),
                dbus.Array([f"{APP}.job.{i}" for i in range(100_000)], signature="s")]
    if sig == "ay":
        return [dbus.ByteArray(b""), dbus.ByteArray(b"\xff" * (64 * 1024 + 1)), dbus.ByteArray(b"\0" * MIB)]
    if sig == "a{sv}":
        return [dbus.Dictionary({}, signature="sv"), dbus.Dictionary({"NoSuchKey": dbus.Int32(1)}, signature="sv"),
                dbus.Dictionary({"": dbus.String("")}, signature="sv"),
                dbus.Dictionary({"x" * MIB: dbus.Boolean(True)}, signature="sv")]
    raise AssertionError(f"no extreme values for type {sig}: add them")


def wrong_type(sig):
    """A value of another type than sig, and its signature."""
    return (dbus.Int32(7), "i") if sig == "s" else (dbus.String("x"), "s")


class MalformedInputTest(DaemonTestCase):
    limits = dict(FAST_LIMITS, StallTimeout="3600")

    def install_apps(self):
        self.install_manifest(APP, [REFRESH, f"{APP}.job.*"],
                              kinds=("app-refresh", "processing", "continued-processing"))
        self.install_manifest(OTHER, [f"{OTHER}.refresh"])

    def setUp(self):
        super().setUp()
        self.calls = 0
        self.app_proc = self.run_testapp(APP, "never-complete", [JOB],
                                         ["--idle-exit", "0", "--submit", f"continued-processing:{JOB}"])
        launch = eventually(lambda: self.app_events(APP, "launch"), 10)[0]
        self.task = launch["task"]
        unique = self.app_events(APP, "ready")[-1]["unique_name"]
        self.control = dbus.Interface(self.bus.get_object(unique, "/Test"), "org.bgtaskd.Test")
        self.other = self.app_bus(OTHER)

    # ---- calling ----------------------------------------------------------------------------
    def as_app(self, path, interface, method, signature, args):
        answer = str(self.control.Call(path, interface, method, signature, repr(list(args)), timeout=TIMEOUT))
        if answer == "ok":
            return ("ok", "")
        name, _, message = answer.partition(": ")
        return (name, message)

    @staticmethod
    def on(conn, path, interface, method, signature, args):
        try:
            conn.call_blocking(BUS_NAME, path, interface, method, signature, list(args), timeout=TIMEOUT)
            return ("ok", "")
        except dbus.exceptions.DBusException as e:
            return (e.get_dbus_name(), e.get_dbus_message() or "")

    def check(self, label, result, mismatch=False, allow_ok=True):
        self.calls += 1
        name, message = result
        short = f"{label}: {name}: {message[:300]}"
        if name == "ok":
            self.assertTrue(allow_ok, f"{label} succeeded")
        elif not (mismatch and name == INVALID_ARGS):
            self.assertRegex(name, TYPED, short)
            self.assertRegex(message, SUB_REASON, short)
            self.assertLessEqual(len(message.encode()), MAX_ERROR_TEXT, short)
        if mismatch:
            self.assertNotEqual(name, "ok", f"{label}: a call with the wrong signature was accepted")
        # The daemon is still there and answers.
        self.assertIsNone(self.daemon.poll(), f"bgtaskd exited after {label}")
        self.bus.call_blocking(BUS_NAME, OBJECT_PATH, PEER, "Ping", "", [], timeout=TIMEOUT)
        return name, message

    # ---- the interfaces, as the daemon describes them -----------------------------------------
    def introspect(self, path):
        xml = self.bus.call_blocking(BUS_NAME, path, "org.freedesktop.DBus.Introspectable", "Introspect", "", [])
        methods = {}
        for interface in ET.fromstring(str(xml)).iter("interface"):
            name = interface.get("name")
            if not name.startswith("org.bgtaskd."):
                continue
            for method in interface.iter("method"):
                args = [(a.get("name"), a.get("type")) for a in method.iter("arg")
                        if a.get("direction", "in") == "in"]
                methods[(name, method.get("name"))] = args
        return methods

    def base(self, interface, method, name, sig):
        """A harmless valid value for the arguments not under test."""
        if sig == "s":
            return dbus.String({"kind": "app-refresh", "identifier": REFRESH, "app": APP,
                                "setting": "refresh", "title": "Title", "subtitle": "",
                                "reason": "simulated"}.get(name, "x"))
        if sig == "o":
            return dbus.ObjectPath(self.task)
        if sig == "b":
            return dbus.Boolean(True)
        if sig == "as":
            return dbus.Array([], signature="s")
        if sig == "ay":
            return dbus.ByteArray(b"checkpoint")
        if sig == "a{sv}":
            return dbus.Dictionary({}, signature="sv")
        if sig in ("x", "t", "i", "u"):
            return {"x": dbus.Int64, "t": dbus.UInt64, "i": dbus.Int32, "u": dbus.UInt32}[sig](1)
        if sig == "d":
            return dbus.Double(1.0)
        raise AssertionError(f"no base value for type {sig}: add one")

    def cases(self, interface, method, args, keys):
        """(label, signature, arguments, mismatch) of every case of one method."""
        sig = "".join(t for _, t in args)
        base = [self.base(interface, method, n, t) for n, t in args]
        label = f"{interface.rsplit('.', 1)[1]}.{method}"
        if args:
            yield f"{label}()", "", [], True
        yield f"{label}(+extra)", sig + "s", base + [dbus.String("extra")], True
        for i, (name, t) in enumerate(args):
            value, wrong = wrong_type(t)
            yield (f"{label}({name}: {wrong} for {t})",
                   "".join(wrong if j == i else tt for j, (_, tt) in enumerate(args)),
                   base[:i] + [value] + base[i + 1:], True)
        for i, (name, t) in enumerate(args):
            for value in extremes(t):
                yield f"{label}({name}={self.describe(value)})", sig, base[:i] + [value] + base[i + 1:], False
            if t == "a{sv}":
                for key, ktype in keys.get((interface, method), {}).items():
                    value, wrong = wrong_type(ktype)
                    opts = dbus.Dictionary({key: value}, signature="sv")
                    yield f"{label}({key}: {wrong} for {ktype})", sig, base[:i] + [opts] + base[i + 1:], False
                    if ktype in ("s", "x", "b", "d", "u", "i", "t", "as"):
                        for extreme in extremes(ktype):
                            opts = dbus.Dictionary({key: extreme}, signature="sv")
                            yield (f"{label}({key}={self.describe(extreme)})", sig,
                                   base[:i] + [opts] + base[i + 1:], False)

    @staticmethod
    def describe(value):
        text = repr(value)
        return text if len(text) < 60 else f"{text[:40]}… ({len(text)} chars)"

    # ---- the test -----------------------------------------------------------------------------
    def test_every_method_answers_malformed_input_with_a_typed_error_and_the_daemon_stays_up(self):
        methods = self.introspect(OBJECT_PATH)
        methods.update(self.introspect(self.task))
        interfaces = {i for i, _ in methods}
        self.assertTrue({"org.bgtaskd.Scheduler1", "org.bgtaskd.Manager1", "org.bgtaskd.Task1"} <= interfaces,
                        interfaces)
        keys = documented_keys()
        self.assertIn("EarliestBeginDate", keys[("org.bgtaskd.Scheduler1", "Submit")])
        paths = {"org.bgtaskd.Task1": self.task}

        done = set()
        for (interface, method), args in sorted(methods.items()):
            if (interface, method) == ("org.bgtaskd.Task1", "SetTaskCompleted"):
                continue   # below, once the rest has run on the running task
            path = paths.get(interface, OBJECT_PATH)
            for label, sig, values, mismatch in self.cases(interface, method, args, keys):
                # As the app itself: the app's own requests and its own running task.
                self.check(f"{label} as the app", self.as_app(path, interface, method, sig, values), mismatch)
                if not mismatch and interface != "org.bgtaskd.Manager1":
                    # As another app (its task is not theirs) and as a connection that is no app.
                    self.check(f"{label} as another app",
                               self.on(self.other, path, interface, method, sig, values), mismatch,
                               allow_ok=interface != "org.bgtaskd.Task1")
                    self.check(f"{label} as no app", self.on(self.bus, path, interface, method, sig, values),
                               mismatch, allow_ok=False)
                if interface == "org.bgtaskd.Manager1":
                    self.check(f"{label} from a plain connection",
                               self.on(self.bus, path, interface, method, sig, values), mismatch)
            done.add((interface, method))
            # The app's task must still be running for the next Task1 cases.
            self.assertEqual([str(t["Task"]) for t in self.list_running()], [self.task], f"after {method}")

        # SetTaskCompleted: the wrong signatures while it runs, then the real completion; then
        # every Task1 call on the finished task.
        args = methods[("org.bgtaskd.Task1", "SetTaskCompleted")]
        for label, sig, values, mismatch in self.cases("org.bgtaskd.Task1", "SetTaskCompleted", args, keys):
            if mismatch:
                self.check(f"{label} as the app", self.as_app(self.task, "org.bgtaskd.Task1", "SetTaskCompleted",
                                                              sig, values), True)
            else:
                self.check(f"{label} as another app", self.on(self.other, self.task, "org.bgtaskd.Task1",
                                                               "SetTaskCompleted", sig, values), False, allow_ok=False)
        self.assertEqual(self.as_app(self.task, "org.bgtaskd.Task1", "SetTaskCompleted", "b", [dbus.Boolean(True)]),
                         ("ok", ""))
        done.add(("org.bgtaskd.Task1", "SetTaskCompleted"))
        for (interface, method), args in sorted(methods.items()):
            if interface != "org.bgtaskd.Task1":
                continue
            for label, sig, values, mismatch in self.cases(interface, method, args, keys):
                name, message = self.check(f"{label} on the finished task",
                                           self.as_app(self.task, interface, method, sig, values), mismatch,
                                           allow_ok=False)
                if not mismatch:
                    self.assertEqual(name, "org.bgtaskd.Error.NotFound", f"{label}: {message[:200]}")
        self.assertEqual(done, set(methods), "a method was not tried")
        print(f"\n{self.calls} malformed calls over {len(methods)} methods, each answered and followed by a Ping")
        self.assertEqual(self.history(App=APP)[0]["Outcome"], "completed")

    def test_an_error_never_echoes_a_huge_argument_whole(self):
        huge = f"{APP}." + "x" * MIB
        for label, result in (
                ("Submit", self.as_app(OBJECT_PATH, "org.bgtaskd.Scheduler1", "Submit", "ssa{sv}",
                                       ["app-refresh", huge, dbus.Dictionary({}, signature="sv")])),
                ("Register", self.as_app(OBJECT_PATH, "org.bgtaskd.Scheduler1", "Register", "as",
                                         [dbus.Array([huge], signature="s")])),
                ("Manager1.Explain", self.on(self.bus, OBJECT_PATH, "org.bgtaskd.Manager1", "Explain", "ss",
                                             [APP, huge]))):
            name, message = self.check(label, result)
            self.assertNotEqual(name, "ok", label)
            self.assertLessEqual(len(message.encode()), 1024, f"{label}: {len(message)} bytes")
        self.assertFalse("x" * 2000 in self.daemon_log(), "a huge identifier reached the log whole")

    def test_register_refuses_more_identifiers_than_its_bounds_and_keeps_what_was_registered(self):
        ids = dbus.Array([f"{APP}.job.{i}" for i in range(MAX_REGISTER + 1)], signature="s")
        name, message = self.as_app(OBJECT_PATH, "org.bgtaskd.Scheduler1", "Register", "as", [ids])
        self.assertEqual(name, "org.bgtaskd.Error.InvalidArgument", message[:300])
        self.assertTrue(message.startswith("too-many-identifiers: "), message[:300])
        register = lambda first, last: self.as_app(  # noqa: E731
            OBJECT_PATH, "org.bgtaskd.Scheduler1", "Register", "as",
            [dbus.Array([f"{APP}.job.{i}" for i in range(first, last)], signature="s")])
        # Up to the connection's bound in calls within the call's bound (job.1 was registered at start).
        for first in range(0, MAX_HANDLERS, MAX_REGISTER):
            self.assertEqual(register(first, first + MAX_REGISTER), ("ok", ""))
        name, message = register(MAX_HANDLERS, MAX_HANDLERS + 1)
        self.assertEqual((name, message.split(":")[0]), ("org.bgtaskd.Error.InvalidArgument", "too-many-identifiers"),
                         message)
        self.assertEqual(register(5, 6), ("ok", ""), "registering again adds nothing and stays allowed")
        # The identifier registered at start still serves continued processing.
        self.assertEqual([str(t["Task"]) for t in self.list_running()], [self.task])


if __name__ == "__main__":
    unittest.main()

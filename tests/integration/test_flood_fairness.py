# SPDX-License-Identifier: LGPL-2.1-or-later
"""One connection flooding bgtaskd with calls that write cannot hold up another's (issue 13,
item 5): bgtaskd queues Scheduler1's Submit, Cancel and CancelAll and Manager1's RunNow, Cancel,
Expire, ForgetUsage and SetPolicy per connection and serves the queues round-robin, one call of
each waiting connection per round, round after round until the turn's budget is spent, each
turn's calls committed together before they are answered.

To make the flood's arrival deterministic, bgtaskd is stopped (SIGSTOP) while the calls are
sent, so that all of them wait in its socket when it continues and it reads them in one go, as
a daemon that is busy when a flood arrives would. No timing is asserted (bench/run measures the
latency); what is asserted is the order in which bgtaskd served the calls (Manager1.ListRequests
lists the pending requests in the order they were stored), the answers, and the bound."""
import os
import signal
import unittest

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

from bgtaskd_testlib import (BUS_NAME, FAST_LIMITS, MANAGER, OBJECT_PATH, SCHEDULER, DaemonTestCase,
                             eventually, usec)

FLOOD = "org.example.Flood"
OTHER = "org.example.Polite"
FLOOD_IDS = [f"{FLOOD}.job{i}" for i in range(4)]
OTHER_IDS = [f"{OTHER}.job{i}" for i in range(4)]
BOUND = 16      # MaxCallsInFlight of FloodFairnessTest
BIG_FLOOD = 640 # calls in flight in FloodWhileServedTest: many turns of kTurnCalls (8), and of 128 calls too
FLOOD_CALLS = 64
UNAVAILABLE = "org.bgtaskd.Error.Unavailable"


class FloodTestCase(DaemonTestCase):
    """Two apps on connections of their own, and the helpers; no tests."""

    def install_apps(self):
        self.install_manifest(FLOOD, FLOOD_IDS, kinds=("processing",))
        self.install_manifest(OTHER, OTHER_IDS, kinds=("processing",))

    def connect(self, app):
        conn = dbus.bus.BusConnection(self.bus_daemon.address, mainloop=DBusGMainLoop())
        self.addCleanup(conn.close)
        conn.request_name(app, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        # One answered call first: the daemon knows the connection (and follows it).
        self.scheduler(conn).Submit("processing", f"{app}.job0", self.options())
        return conn

    @staticmethod
    def options():
        return dbus.Dictionary({"EarliestBeginDate": dbus.Int64(usec(3600))}, signature="sv")

    def submit_async(self, conn, identifier, answers, tag):
        conn.call_async(BUS_NAME, OBJECT_PATH, SCHEDULER, "Submit", "ssa{sv}",
                        ("processing", identifier, self.options()),
                        lambda: answers.append((tag, "ok", "")),
                        lambda e: answers.append((tag, e.get_dbus_name(), e.get_dbus_message())),
                        timeout=120)

    @staticmethod
    def delivered(conn):
        """Returns once the bus daemon has routed everything conn sent before: it handles one
        connection's messages in order, so its answer to GetId comes after them."""
        conn.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId", "", ())

    def stop_daemon(self):
        os.kill(self.daemon.pid, signal.SIGSTOP)
        self.addCleanup(lambda: self.daemon and os.kill(self.daemon.pid, signal.SIGCONT))

    def wait_for(self, answers, count):
        context = GLib.MainContext.default()

        def done():
            while context.pending():
                context.iteration(False)
            return len(answers) >= count
        eventually(done, 60, interval=0.005, message=f"{count - len(answers)} calls were not answered")

    def pending_apps(self):
        return [str(r["App"]) for r in self.list_requests()]


class FloodFairnessTest(FloodTestCase):
    limits = {**FAST_LIMITS, "MaxCallsInFlight": str(BOUND)}

    def test_another_apps_calls_are_served_in_the_next_turn_and_the_flood_meets_its_bound(self):
        flood = self.connect(FLOOD)
        other = self.connect(OTHER)
        answers = []
        self.stop_daemon()
        for i in range(FLOOD_CALLS):
            self.submit_async(flood, FLOOD_IDS[i % len(FLOOD_IDS)], answers, ("flood", i))
        self.delivered(flood)
        for i, ident in enumerate(OTHER_IDS):
            self.submit_async(other, ident, answers, ("other", i))
        self.delivered(other)
        os.kill(self.daemon.pid, signal.SIGCONT)
        self.wait_for(answers, FLOOD_CALLS + len(OTHER_IDS))

        # Every call of the other app succeeded.
        self.assertEqual(sorted(a for a in answers if a[0][0] == "other"),
                         [(("other", i), "ok", "") for i in range(len(OTHER_IDS))])
        # The flood: the first BOUND calls were taken, every later one refused with the typed error.
        flood_answers = sorted(a for a in answers if a[0][0] == "flood")
        self.assertEqual([a[1] for a in flood_answers[:BOUND]], ["ok"] * BOUND)
        for tag, name, message in flood_answers[BOUND:]:
            self.assertEqual(name, UNAVAILABLE, (tag, message))
            self.assertTrue(message.startswith("too-many-calls: "), message)
        # Served round-robin: the other app's calls, sent after the whole flood, were stored in the
        # first four rounds, each beside one of the flood's calls, before the flood's last
        # replacement of each identifier. Served in arrival order, the four would come last.
        self.assertEqual(self.pending_apps(), [OTHER] * len(OTHER_IDS) + [FLOOD] * len(FLOOD_IDS))
        self.assertIsNone(self.daemon.poll())

    def test_the_queued_calls_of_a_connection_that_left_are_dropped(self):
        flood = self.connect(FLOOD)
        other = self.connect(OTHER)
        answers = []
        self.stop_daemon()
        for i in range(BOUND):
            self.submit_async(flood, FLOOD_IDS[(i % 3) + 1], answers, ("flood", i))
        self.delivered(flood)
        flood.close()   # gone before bgtaskd read a single one of its calls
        self.submit_async(other, OTHER_IDS[1], answers, ("other", 0))
        self.delivered(other)
        os.kill(self.daemon.pid, signal.SIGCONT)
        eventually(lambda: self.wait_for(answers, 1) or [a for a in answers if a[0][0] == "other"], 60)
        self.assertEqual([a for a in answers if a[0][0] == "other"], [(("other", 0), "ok", "")])
        # bgtaskd learned of the departure before it served the queue: nothing of it was done.
        requests = [(str(r["App"]), str(r["Identifier"])) for r in self.list_requests()]
        self.assertEqual(sorted(requests), [(FLOOD, FLOOD_IDS[0]), (OTHER, OTHER_IDS[0]), (OTHER, OTHER_IDS[1])])
        self.assertIsNone(self.daemon.poll())



class FloodWhileServedTest(FloodTestCase):
    limits = {**FAST_LIMITS, "MaxCallsInFlight": str(BIG_FLOOD)}
    # The bus daemon's own bound on one connection's pending calls is 128 by default.
    bus_config_extra = '<limit name="max_replies_per_connection">1024</limit>'

    def install_apps(self):
        super().install_apps()
        self.use_fault_shim()

    def stalled_in_a_commit(self):
        """bgtaskd's loop waits in the fault shim's stall (a write or fsync of its database)."""
        with open(f"/proc/{self.daemon.pid}/wchan") as f:
            return f.read().strip() == "hrtimer_nanosleep"

    def test_a_call_arriving_while_a_flood_is_being_served_waits_for_one_turn(self):
        """Not only what arrived with the flood: a call that comes while bgtaskd is working
        through a queued flood (one commit per turn) is read and served in the next turns, not
        after the whole flood."""
        flood = self.connect(FLOOD)
        other = self.connect(OTHER)
        answers = []
        # The whole flood waits in bgtaskd's socket and is read in one go; it takes bgtaskd
        # several turns (the turn's budget is well under BIG_FLOOD calls), each ending in a commit.
        self.stop_daemon()
        for i in range(BIG_FLOOD):
            self.submit_async(flood, FLOOD_IDS[i % len(FLOOD_IDS)], answers, ("flood", i))
        self.delivered(flood)
        # The disk stops answering: bgtaskd reads the flood, serves its first turn and waits in
        # that turn's commit. Only then does the other app call, so that its call arrives while
        # the flood is being served, however fast or slow the machine is.
        self.set_fault("stall")
        self.addCleanup(self.set_fault, "none")
        os.kill(self.daemon.pid, signal.SIGCONT)
        eventually(self.stalled_in_a_commit, 30, message="bgtaskd never reached the first turn's commit")
        self.submit_async(other, OTHER_IDS[1], answers, ("other", 0))
        self.delivered(other)
        self.set_fault("none")
        self.wait_for(answers, BIG_FLOOD + 1)
        self.assertEqual([a for a in answers if a[0][0] == "other"], [(("other", 0), "ok", "")])
        self.assertEqual(sorted(a[1] for a in answers if a[0][0] == "flood"), ["ok"] * BIG_FLOOD)
        # Stored long before the flood's last turn (the last replacement of each flood identifier).
        pending = self.pending_apps()
        self.assertEqual(pending[-len(FLOOD_IDS):], [FLOOD] * len(FLOOD_IDS), pending)


class ManagerFloodFairnessTest(FloodTestCase):
    """Manager1's calls that write share the per-connection queues: one tool's flood of SetPolicy
    calls cannot hold up another connection's."""

    def test_another_tools_call_is_served_in_the_first_round_of_a_managers_flood(self):
        flood = dbus.bus.BusConnection(self.bus_daemon.address, mainloop=DBusGMainLoop())
        self.addCleanup(flood.close)
        other = dbus.bus.BusConnection(self.bus_daemon.address, mainloop=DBusGMainLoop())
        self.addCleanup(other.close)
        changed = []   # the apps of PolicyChanged, in the order bgtaskd made the changes
        monitor = dbus.bus.BusConnection(self.bus_daemon.address, mainloop=DBusGMainLoop())
        self.addCleanup(monitor.close)
        monitor.add_signal_receiver(lambda app, policy: changed.append(str(app)), "PolicyChanged", MANAGER,
                                    BUS_NAME, OBJECT_PATH)
        self.delivered(monitor)   # the match rule is in place
        answers = []

        def set_policy(conn, app, enabled, tag):
            conn.call_async(BUS_NAME, OBJECT_PATH, MANAGER, "SetPolicy", "ssb", (app, "refresh", enabled),
                            lambda: answers.append((tag, "ok")),
                            lambda e: answers.append((tag, e.get_dbus_name())), timeout=120)

        self.stop_daemon()
        for i in range(FLOOD_CALLS):
            set_policy(flood, FLOOD, i % 2 == 1, ("flood", i))
        self.delivered(flood)
        set_policy(other, OTHER, False, ("other", 0))
        self.delivered(other)
        os.kill(self.daemon.pid, signal.SIGCONT)
        self.wait_for(answers, FLOOD_CALLS + 1)
        self.wait_for(changed, FLOOD_CALLS + 1)

        self.assertEqual(sorted(answers), sorted([(("flood", i), "ok") for i in range(FLOOD_CALLS)] +
                                                 [(("other", 0), "ok")]))
        # The other tool's change, sent after the whole flood, was made in the first round, right
        # after the flood's first. In arrival order it would come last, after all 64.
        self.assertEqual(changed, [FLOOD, OTHER] + [FLOOD] * (FLOOD_CALLS - 1))
        # The flood's own calls kept their order: its last one (refresh on) decides.
        policy = self.manager().GetPolicy(FLOOD)
        self.assertEqual(bool(policy["RefreshUser"]), True, policy)
        self.assertEqual(bool(self.manager().GetPolicy(OTHER)["RefreshUser"]), False)
        self.assertIsNone(self.daemon.poll())


if __name__ == "__main__":
    unittest.main()

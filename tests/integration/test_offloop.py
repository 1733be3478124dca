# SPDX-License-Identifier: LGPL-2.1-or-later
"""Long work off the daemon's loop: a manifest reload (SIGHUP, or a change seen by the apps
directory watch) reads and parses the files on a worker thread and only applies the result on
the loop; Manager1.Simulate runs on a worker thread, one at a time; other calls are answered
meanwhile. These tests assert orderings through the real
bus, never times: the daemon says (debug log) when a reading or a simulation starts, and the test
calls it while that work is still going on."""
import os
import signal
import subprocess
import unittest

import dbus

from bgtaskd_testlib import MANAGER, PYTHON, DaemonTestCase, eventually, usec

STAYS = "org.example.Stays"
GOES = "org.example.Goes"
NEW = "org.example.New"
LATER = "org.example.Later"
# Enough manifests that reading them takes far longer than a few calls' round trips, in any
# build type (a reload of 2,000 took 30-70 ms in RelWithDebInfo, bench/README.md).
MANY = 6000


def refresh(app):
    return f"{app}.refresh"


class ReloadOffLoopTest(DaemonTestCase):
    def install_apps(self):
        self.install_manifest(STAYS, [refresh(STAYS), f"{STAYS}.other"], kinds=("app-refresh", "processing"))
        self.goes_path = self.install_manifest(GOES, [refresh(GOES)])
        # The bulk lives in a second data directory, written before the daemon starts (and so
        # not seen by the watch): every reload reads it all.
        self.bulk_data = os.path.join(self.tmp, "bulk")
        bulk_apps = os.path.join(self.bulk_data, "bgtaskd", "apps")
        os.makedirs(bulk_apps)
        for i in range(MANY):
            app = f"org.example.bulk.App{i}"
            with open(os.path.join(bulk_apps, f"{app}.conf"), "w") as f:
                f.write(f"[Application]\nId={app}\nKinds=app-refresh;processing;\n"
                        f"PermittedIdentifiers={app}.a;{app}.b;{app}.c;{app}.d;\n")

    def start_bgtaskd(self, extra_args=()):
        super().start_bgtaskd(extra_args=[f"--data-dir={self.bulk_data}", *extra_args])

    def app_ids(self):
        return {str(a["App"]) for a in self.manager().ListApps()}

    def pending(self):
        return sorted((str(r["App"]), str(r["Identifier"])) for r in self.list_requests())

    def readings_started(self):
        return self.daemon_log().count("Reading the manifests off the loop")

    def reloads_applied(self):
        return self.daemon_log().count("Reloaded manifests (")

    def submit_later(self, app, identifier=None, kind="app-refresh"):
        self.submit_for(app, kind, identifier or refresh(app), EarliestBeginDate=dbus.Int64(usec(3600)))

    def sighup_and_wait_for_reading(self):
        started = self.readings_started()
        self.daemon.send_signal(signal.SIGHUP)
        eventually(lambda: self.readings_started() > started, 30, message="no reading started")

    def test_calls_are_answered_while_a_reload_reads_and_its_result_is_applied_after(self):
        self.submit_later(STAYS)
        self.submit_later(GOES)
        applied = self.reloads_applied()
        # Manifests that ManifestWatch sees would start a reading of their own; written under
        # another name and renamed after the SIGHUP's reading started, they are read by the
        # next one. Here the removal and the new app are what SIGHUP is to find.
        os.unlink(self.goes_path)
        self.install_manifest(NEW, [refresh(NEW)])
        self.sighup_and_wait_for_reading()
        # The reading of thousands of files is going on: the loop answers, from the registry
        # as it was (an app's submit, the tools' questions). Cheap calls only: a ListApps of
        # thousands of apps would outlast the reading.
        self.submit_later(STAYS, f"{STAYS}.other", "processing")
        pending = self.pending()
        with self.assertRaises(dbus.exceptions.DBusException) as unknown:
            self.submit_later(NEW)
        # All of that was answered before the reload was applied (its log line comes in the
        # same loop turn as the registry swap).
        self.assertEqual(self.reloads_applied(), applied,
                         "the reload was applied before the calls made during its reading were answered")
        self.assertIn((GOES, refresh(GOES)), pending)
        self.assertTrue(unknown.exception.get_dbus_message().startswith("not-an-app: "),
                        unknown.exception.get_dbus_message())
        # Then it is applied: the new app known, the removed one's request dropped with its record.
        eventually(lambda: NEW in self.app_ids(), 60, message="the reload was never applied")
        self.assertNotIn(GOES, self.app_ids())
        eventually(lambda: (GOES, refresh(GOES)) not in self.pending(), message="the removed app's request stayed")
        self.assertEqual(self.pending(), sorted([(STAYS, refresh(STAYS)), (STAYS, f"{STAYS}.other")]))
        [record] = self.history(App=GOES)
        self.assertEqual(record["Outcome"], "dropped")
        self.assertEqual(len(self.app_ids()), MANY + 2)

    def test_a_sighup_during_a_reading_brings_one_more_reload_that_sees_later_changes(self):
        self.sighup_and_wait_for_reading()
        readings = self.readings_started()
        # Written while the first reading goes on (after it may have listed the directory):
        # the SIGHUPs that follow ask for one more reading, not one each, nor a second thread.
        self.install_manifest(LATER, [refresh(LATER)])
        self.daemon.send_signal(signal.SIGHUP)
        self.daemon.send_signal(signal.SIGHUP)
        eventually(lambda: LATER in self.app_ids(), 60, message="the change made during a reading was lost")
        self.assertLessEqual(self.readings_started(), readings + 2, self.daemon_log()[-3000:])
        self.submit_later(LATER)
        self.assertIn((LATER, refresh(LATER)), self.pending())

    def test_sigterm_during_a_reading_exits_cleanly(self):
        self.sighup_and_wait_for_reading()
        rc = self.stop_bgtaskd(signal.SIGTERM)
        self.assertEqual(rc, 0)
        log = self.daemon_log()
        self.assertIn("Received SIGTERM, shutting down", log)
        self.assertNotIn("ERROR", log.upper().replace("NO ERROR", ""))


SIM_APPS = [f"org.example.sim.App{i}" for i in range(30)]
PER_APP = 10   # the processing quota
CALLER = "org.example.Caller"
SIMULATE_SCRIPT = """
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
manager = dbus.Interface(bus.get_object("org.bgtaskd", "/org/bgtaskd"), "org.bgtaskd.Manager1")
try:
    events, truncated = manager.Simulate(dbus.Dictionary({"Hours": dbus.UInt32(168)}, signature="sv"), timeout=600)
    print("ok", len(events), bool(truncated))
except dbus.exceptions.DBusException as e:
    print("error", e.get_dbus_name(), e.get_dbus_message())
"""


class SimulateOffLoopTest(DaemonTestCase):
    """A week of 300 requests, each at its own date: a simulation that plans at hundreds of
    moments over all of them, seconds of work in a Debug build."""

    def install_apps(self):
        for app in SIM_APPS:
            self.install_manifest(app, [f"{app}.t{i}" for i in range(PER_APP)], kinds=("processing",))
        self.install_manifest(CALLER, [refresh(CALLER)])

    def setUp(self):
        super().setUp()
        hour = 0
        for app in SIM_APPS:
            conn = dbus.bus.BusConnection(self.bus_daemon.address)
            try:
                conn.request_name(app, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
                for i in range(PER_APP):
                    hour += 1
                    self.scheduler(conn).Submit("processing", f"{app}.t{i}", dbus.Dictionary(
                        {"EarliestBeginDate": dbus.Int64(usec(hour * 1800))}, signature="sv"))
            finally:
                conn.close()

    def simulations_started(self):
        return self.daemon_log().count("Simulating off the loop")

    def start_simulation(self):
        started = self.simulations_started()
        proc = subprocess.Popen([PYTHON, "-c", SIMULATE_SCRIPT, self.bus_daemon.address],
                                stdout=subprocess.PIPE, text=True, env=self.native_env())
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        eventually(lambda: self.simulations_started() > started or proc.poll() is not None, 60,
                   message="no simulation started")
        return proc

    def test_other_callers_are_answered_while_a_simulation_runs_and_a_second_one_is_busy(self):
        sim = self.start_simulation()
        # Asked after the simulation started; answered while it still runs.
        version = self.manager().Get(MANAGER, "Version", dbus_interface="org.freedesktop.DBus.Properties")
        self.submit_for(CALLER, "app-refresh", refresh(CALLER), EarliestBeginDate=dbus.Int64(usec(3600)))
        self.assertIn((CALLER, refresh(CALLER)),
                      [(str(r["App"]), str(r["Identifier"])) for r in self.list_requests()])
        second = subprocess.run([PYTHON, "-c", SIMULATE_SCRIPT, self.bus_daemon.address],
                                stdout=subprocess.PIPE, text=True, env=self.native_env(), timeout=120)
        self.assertIsNone(sim.poll(), "the simulation was answered before calls made while it ran")
        self.assertTrue(str(version))
        self.assertEqual(second.stdout.split()[:3], ["error", "org.bgtaskd.Error.Unavailable", "busy:"],
                         second.stdout)
        # And then the simulation answers, with the week it simulated.
        out, _ = sim.communicate(timeout=300)
        status, count, _truncated = out.split()
        self.assertEqual(status, "ok", out)
        self.assertGreater(int(count), len(SIM_APPS) * PER_APP)   # a launch and an end each, at least
        # Once it is over, the next one may run.
        again = self.start_simulation()
        self.assertEqual(again.communicate(timeout=300)[0].split()[0], "ok")

    def test_sigterm_during_a_simulation_exits_cleanly(self):
        sim = self.start_simulation()
        self.assertIsNone(sim.poll())
        rc = self.stop_bgtaskd(signal.SIGTERM)
        self.assertEqual(rc, 0)
        self.assertIn("Received SIGTERM, shutting down", self.daemon_log())
        sim.communicate(timeout=60)   # the caller is not left waiting: the daemon's connection went


if __name__ == "__main__":
    unittest.main()

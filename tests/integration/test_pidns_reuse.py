# SPDX-License-Identifier: LGPL-2.1-or-later
"""Termination never reaches a process that took a recycled pid (issue 10, item 5).

The app's bus connection is opened by one process and held by its child; the process that
connected (the pid the bus daemon reports for the connection) exits, and the test puts another
process on that very pid. When bgtaskd then terminates the app at the end of its grace period,
the newcomer must not be signalled. CMake runs this module in its own pid namespace (unshare),
where /proc/sys/kernel/ns_last_pid chooses the next pid."""
import os
import subprocess
import unittest

import dbus

from bgtaskd_testlib import FAST_LIMITS, DaemonTestCase, eventually, stays_true

APP = "org.example.Forker"
ID = "org.example.Forker.refresh"


def reaped(pid):
    """Whether pid is gone. This test is the namespace's init: the bus daemon's activated
    services (it double-forks) are its orphans, so it reaps them itself."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    return not os.path.exists(f"/proc/{pid}")


class PidReuseTest(DaemonTestCase):
    # The task ends only when the test expires it, after the pid has been recycled.
    limits = dict(FAST_LIMITS, AppRefreshTimeLimit="600")

    @classmethod
    def setUpClass(cls):
        if os.getpid() != 1:
            raise AssertionError("this module places processes on chosen pids: run it as the first process of "
                                 "its own pid namespace (unshare --pid --fork --mount-proc, as ctest does)")

    def install_apps(self):
        self.gate = os.path.join(self.tmp, "connector-may-exit")
        self.install_activatable_testapp(APP, [ID], behavior="never-complete",
                                         extra=["--fork-after-connect", self.gate, "--idle-exit", "0"])

    def place_on_pid(self, pid):
        """Starts a process that gets exactly pid (a few attempts: bgtaskd or the bus may fork between)."""
        for _ in range(20):
            with open("/proc/sys/kernel/ns_last_pid", "w") as f:
                f.write(str(pid - 1))
            proc = subprocess.Popen(["sleep", "600"])
            if proc.pid == pid:
                self.addCleanup(self._stop_proc, proc)
                return proc
            proc.kill()
            proc.wait()
        self.fail(f"could not start a process on pid {pid}")

    def test_a_process_on_the_recycled_pid_of_the_connection_is_never_signalled(self):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit("app-refresh", ID, dbus.Dictionary({}, signature="sv"))
        conn.release_name(APP)   # the app quits: bgtaskd activates it, so it may terminate it
        eventually(lambda: self.app_events(APP, "launch"), 15)
        connector = self.app_events(APP, "forked")[0]["connector"]
        # bgtaskd knew the connection's process while it was there; then it exits and its pid
        # goes to a stranger.
        eventually(lambda: f"Pinned pid {connector} of" in self.daemon_log(), 10)
        open(self.gate, "w").close()
        eventually(lambda: reaped(connector), 10,
                   message="the process that connected did not exit and get reaped")
        stranger = self.place_on_pid(connector)

        self.manager().Expire(APP, ID)
        run = eventually(lambda: self.history(App=APP), 15)[0]
        self.assertEqual((run["Outcome"], run["Reason"]), ("terminated", "simulated"))
        self.assertIn("terminating", self.daemon_log())
        # SIGTERM would end sleep at once, SIGKILL follows a kill delay (1 s) later.
        stays_true(lambda: stranger.poll() is None, 2.5,
                   message=f"bgtaskd signalled pid {connector}, which another process had taken")


if __name__ == "__main__":
    unittest.main()

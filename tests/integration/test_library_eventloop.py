# SPDX-License-Identifier: LGPL-2.1-or-later
"""libbgtask on the app's own event loop: every test of test_library.py again, first with
useExternalEventLoop() (the app's main thread polls eventFd() and calls process(), so every
handler and completion must run on the main thread), then on an sdbus-c++ connection of the app's
handed over with useSdbusConnection() (callbacks run on the thread sdbus-c++ runs it on)."""
import unittest

import test_library
from bgtaskd_testlib import eventually

APP = test_library.APP
REFRESH = test_library.REFRESH


class ExternalLoopTest(test_library.LibraryTest):
    loop = "fd"

    def assertHandlerThread(self, event):
        self.assertEqual(event["thread"], "main", event)

    def test_the_descriptor_exists_before_anything_connects_and_never_changes(self):
        app = self.start_app(loop=self.loop)
        fd = app.ready["fd"]
        self.assertGreaterEqual(fd, 0)
        self.assertEqual(app.ok("event-fd")["fd"], fd)
        self.assertEqual(app.ok("use-external-loop")["fd"], fd, "asking again is harmless")
        app.ok("app", APP)
        self.assertEqual(app.ok("event-fd")["fd"], fd)

    def test_work_queued_by_other_threads_wakes_the_loop(self):
        # The worker threads of "complete" and "export:" call setTaskCompleted() and update progress
        # off the loop; each completion must still reach bgtaskd without any other traffic.
        app = self.app()
        app.ok("register", REFRESH, "complete")
        app.ok("register-continued", f"{test_library.EXPORT}.7", "export:50")
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        self.run_now(APP, REFRESH)
        self.assertEqual(self.finished_run(REFRESH)["Outcome"], "completed")
        app.ok("submit", "continued-processing", f"{test_library.EXPORT}.7", "title=Export")
        self.assertEqual(self.finished_run(f"{test_library.EXPORT}.7")["Outcome"], "completed")


    def chain_app(self):
        """An app on its own loop, connected by a first submit."""
        app = self.app()
        app.ok("app", APP)
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        return app

    def submit_chain(self, app, count):
        """count submits, each sent from the previous one's completion, all answered."""
        app.ok("submit-chain", "app-refresh", REFRESH, "in=3600", f"count={count}")
        done = app.wait_event("chain-done")
        self.assertEqual((done["ok"], done["left"]), (True, 0), done)

    def test_a_call_sent_from_a_completion_costs_no_extra_wake_up(self):
        # A completion runs inside process(), which re-arms the descriptor from the bus's state
        # before it returns: a submit sent from there must not poke the descriptor as well, or the
        # app's loop wakes a second time per reply and finds nothing to do.
        app = self.chain_app()
        count = 20
        before = app.ok("process-calls")["calls"]
        self.submit_chain(app, count)
        calls = app.ok("process-calls")["calls"] - before
        # One for the first submit (sent from outside process()), then at most one per reply;
        # with a wake-up per chained submit it was about twice as many.
        self.assertLessEqual(calls, count + 1)

    def test_a_reply_costs_no_read_of_the_wake_descriptor(self):
        # process() reads the library's wake eventfd only when a wake() wrote it; a reply, and the
        # submit its completion sends, write nothing. It used to read (and fail with EAGAIN) once
        # per process() call, so once per reply of a chained submit.
        app = self.chain_app()
        count = 20
        before = app.ok("read-calls")["calls"]
        self.assertGreaterEqual(before, 0, "no task I/O accounting on this kernel")
        process_before = app.ok("process-calls")["calls"]
        self.submit_chain(app, count)
        process_calls = app.ok("process-calls")["calls"] - process_before
        reads = app.ok("read-calls")["calls"] - before
        # What remains are the app's own reads: its command lines from stdin and the counter
        # itself (a few), and the one wake-up of the first submit, sent from outside process().
        self.assertGreaterEqual(process_calls, count // 2)
        self.assertLessEqual(reads, 8, f"{reads} reads over {process_calls} process() calls")


class LibraryThreadModeTest(test_library.LibraryTestCase):
    """Choosing the loop is only possible before the connection exists."""

    def install_apps(self):
        self.install_manifest(APP, [REFRESH])

    def test_external_loop_cannot_be_chosen_once_connected(self):
        app = self.start_app(APP, loop="library")
        self.assertEqual(app.ok("event-fd")["fd"], -1)
        reply = app.send("use-external-loop")
        self.assertEqual((reply["ok"], reply["code"], reply["subReason"]),
                         (False, "InvalidArgument", "already-connected"))


class SdbusConnectionTest(test_library.LibraryTest):
    loop = "sdbus"

    def test_a_connection_that_owns_the_app_name_already_is_shared(self):
        app = self.start_app(loop=self.loop, extra=["--own-name", APP])
        eventually(lambda: self.name_has_owner(APP), 5)
        app.ok("app", APP)   # no name-taken: the library shares the connection's name
        self.assertTrue(app.ok("register", REFRESH, "hold")["registered"])
        app.ok("submit", "app-refresh", REFRESH, "in=3600")
        self.run_now(APP, REFRESH)
        launch = app.wait_event("launch", identifier=REFRESH)
        self.assertHandlerThread(launch)
        app.ok("complete", REFRESH, "true")
        self.assertEqual(self.finished_run(REFRESH)["Outcome"], "completed")


if __name__ == "__main__":
    unittest.main()

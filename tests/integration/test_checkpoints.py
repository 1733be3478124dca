# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checkpoints (Task1.SaveCheckpoint): saved durably before the reply, handed to the next Launch
of the identifier after a crash of the app or a kill -9 of the daemon, cleared by a success,
bounded, and only ever saved by the connection the task was handed to."""
import json
import os
import signal
import unittest

import dbus

from bgtaskd_testlib import FAST_LIMITS, TASK, DaemonTestCase, eventually

APP = "org.example.Resume"
IDENT = f"{APP}.sync"
MAX_CHECKPOINT = 64 * 1024


class CheckpointTest(DaemonTestCase):
    # Long enough that no time limit ends a task while the test works with it.
    limits = dict(FAST_LIMITS, AppRefreshTimeLimit="120", LaunchWindow="20")

    def install_apps(self):
        self.install_activatable_testapp(APP, [IDENT], behavior="never-complete", extra=["--idle-exit", "0"])
        self.install_manifest("org.example.Other", ["org.example.Other.sync"])

    def launches(self):
        return self.app_events(APP, "launch")

    def submit_and_wait_for_launch(self, count):
        self.submit_for(APP, "app-refresh", IDENT)
        eventually(lambda: len(self.launches()) >= count, 20, message=f"launch {count} did not come")
        launch = self.launches()[count - 1]
        eventually(lambda: any(str(r["Task"]) == launch["task"] and r["State"] == "running"
                               for r in self.list_running()), 10)
        return launch

    def control(self):
        owner = self.bus.get_name_owner(APP)
        return dbus.Interface(self.bus.get_object(owner, "/Test"), "org.bgtaskd.Test")

    def save(self, task, data):
        return str(self.control().SaveCheckpoint(dbus.ObjectPath(task), dbus.ByteArray(data)))

    @staticmethod
    def checkpoint_of(launch):
        data = launch["info"].get("Checkpoint")
        return None if data is None else bytes(data)

    def kill_daemon(self):
        os.kill(self.daemon.pid, signal.SIGKILL)
        self.daemon.wait()
        self.daemon = None
        self._daemon_log.close()

    def test_a_checkpoint_survives_kill_9_of_the_app_and_of_the_daemon_until_a_success(self):
        first = self.submit_and_wait_for_launch(1)
        self.assertIsNone(self.checkpoint_of(first))
        self.assertEqual(self.save(first["task"], b"page 3\x00of 40"), "ok")
        explained = self.manager().Explain(APP, IDENT)
        self.assertEqual(int(explained["CheckpointSize"]), 12)
        self.assertGreater(int(explained["CheckpointSavedAt"]), 0)

        # kill -9 of the app: the run ends as app-exited, the checkpoint stays.
        os.kill(first["pid"], signal.SIGKILL)
        eventually(lambda: self.history(App=APP), 20, message="the crashed run was not recorded")
        crashed = self.history(App=APP)[0]
        self.assertEqual(str(crashed["Outcome"]), "app-exited")
        self.assertEqual(int(crashed["CheckpointSize"]), 12)

        second = self.submit_and_wait_for_launch(2)
        self.assertEqual(self.checkpoint_of(second), b"page 3\x00of 40")
        self.assertEqual(self.save(second["task"], b"page 7"), "ok")

        # kill -9 of the daemon right after the reply: what was acknowledged is on disk, and
        # the interrupted run's request comes back with it.
        self.kill_daemon()
        self.start_bgtaskd()
        eventually(lambda: len(self.launches()) >= 3, 20, message="the interrupted run was not launched again")
        third = self.launches()[2]
        self.assertEqual(self.checkpoint_of(third), b"page 7")
        interrupted = self.history(App=APP)[0]
        self.assertEqual(str(interrupted["Outcome"]), "interrupted")
        self.assertEqual(int(interrupted["CheckpointSize"]), 6)

        # A success clears it: explain shows none and the next launch carries none.
        eventually(lambda: any(str(r["Task"]) == third["task"] for r in self.list_running()), 10)
        self.assertEqual(str(self.control().Complete(dbus.ObjectPath(third["task"]), True)), "ok")
        eventually(lambda: str(self.history(App=APP)[0]["Outcome"]) == "completed", 10)
        self.assertNotIn("CheckpointSize", self.manager().Explain(APP, IDENT))
        fourth = self.submit_and_wait_for_launch(4)
        self.assertIsNone(self.checkpoint_of(fourth))

    def test_bgtaskctl_explain_and_history_show_the_checkpoint_and_its_size(self):
        launch = self.submit_and_wait_for_launch(1)
        self.assertEqual(self.save(launch["task"], b"x" * 2048), "ok")
        human = self.ctl("explain", APP, IDENT).stdout
        self.assertIn("checkpoint: 2048 bytes", human)
        explained = json.loads(self.ctl("--json", "explain", APP, IDENT).stdout)
        self.assertEqual(explained["checkpointBytes"], 2048)
        self.assertEqual(str(self.control().Complete(dbus.ObjectPath(launch["task"]), False)), "ok")
        eventually(lambda: self.history(App=APP), 10)
        runs = json.loads(self.ctl("--json", "history", "--app", APP).stdout)["runs"]
        self.assertEqual(runs[0]["checkpointBytes"], 2048)
        self.assertIn("2.0 KiB", self.ctl("history", "--app", APP).stdout)
        # A failure keeps the checkpoint for the next attempt.
        self.assertEqual(json.loads(self.ctl("--json", "explain", APP, IDENT).stdout)["checkpointBytes"], 2048)

    def test_an_empty_checkpoint_removes_it(self):
        launch = self.submit_and_wait_for_launch(1)
        self.assertEqual(self.save(launch["task"], b"abc"), "ok")
        self.assertEqual(self.save(launch["task"], b""), "ok")
        self.assertNotIn("CheckpointSize", self.manager().Explain(APP, IDENT))

    def test_a_checkpoint_over_64_KiB_is_refused_with_a_typed_error_and_the_old_one_stays(self):
        launch = self.submit_and_wait_for_launch(1)
        self.assertEqual(self.save(launch["task"], b"kept"), "ok")
        answer = self.save(launch["task"], b"y" * (MAX_CHECKPOINT + 1))
        self.assertTrue(answer.startswith("org.bgtaskd.Error.InvalidArgument: checkpoint-too-large: "), answer)
        self.assertEqual(self.save(launch["task"], b"z" * MAX_CHECKPOINT), "ok")
        self.assertEqual(int(self.manager().Explain(APP, IDENT)["CheckpointSize"]), MAX_CHECKPOINT)
        self.assertIsNone(self.daemon.poll())

    def test_another_app_cannot_save_into_the_task(self):
        launch = self.submit_and_wait_for_launch(1)
        self.assertEqual(self.save(launch["task"], b"mine"), "ok")
        other = self.app_bus("org.example.Other")
        task = dbus.Interface(other.get_object("org.bgtaskd", launch["task"]), TASK)
        self.assertDbusError("org.bgtaskd.Error.AccessDenied", "not-task-owner",
                             task.SaveCheckpoint, dbus.ByteArray(b"theirs"), signature="ay")
        anonymous = dbus.Interface(self.bus.get_object("org.bgtaskd", launch["task"]), TASK)
        self.assertDbusError("org.bgtaskd.Error.AccessDenied", "not-task-owner",
                             anonymous.SaveCheckpoint, dbus.ByteArray(b"theirs"), signature="ay")
        self.assertEqual(int(self.manager().Explain(APP, IDENT)["CheckpointSize"]), 4)


if __name__ == "__main__":
    unittest.main()

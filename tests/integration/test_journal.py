# SPDX-License-Identifier: LGPL-2.1-or-later
"""Logging to the journal: when $JOURNAL_STREAM names bgtaskd's stderr (as systemd sets it), every
message goes to the journal socket by the native protocol with its PRIORITY, and task events carry
BGTASK_APP, BGTASK_IDENTIFIER, BGTASK_RUN_ID and BGTASK_OUTCOME. The journal here is a datagram
socket of the test's (BGTASKD_JOURNAL_SOCKET); without a socket, messages fall back to stderr with
<N> priority prefixes."""
import os
import socket
import struct
import threading
import unittest

import dbus

from bgtaskd_testlib import DaemonTestCase, eventually

APP = "org.example.Worker"
ID = "org.example.Worker.refresh"


def parse(datagram):
    """The fields of one native-protocol datagram (KEY=value lines, or KEY, size, binary value)."""
    fields = {}
    pos = 0
    while pos < len(datagram):
        end = datagram.index(b"\n", pos)
        line = datagram[pos:end]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            pos = end + 1
        else:
            key = line
            (size,) = struct.unpack("<Q", datagram[end + 1:end + 9])
            value = datagram[end + 9:end + 9 + size]
            assert datagram[end + 9 + size:end + 10 + size] == b"\n", datagram
            pos = end + 10 + size
        fields[key.decode()] = value.decode()
    return fields


class JournalTestCase(DaemonTestCase):
    journal = True   # False: no journal socket listens

    def install_apps(self):
        self.install_activatable_testapp(APP, [ID], behavior="complete")
        with open(os.path.join(self.apps_dir, "org.example.Broken.conf"), "w") as f:
            f.write("this is not a key file\n")
        self.journal_path = os.path.join(self.tmp, "journal.socket")
        if self.journal:
            self.journal_socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.journal_socket.bind(self.journal_path)
            self.journal_socket.settimeout(0.2)
            self.addCleanup(self.journal_socket.close)
            # Drained all along, as journald would: bgtaskd never waits for a full socket.
            self.reading = True
            self.reader = threading.Thread(target=self.read_journal, daemon=True)
            self.reader.start()
            self.addCleanup(self.reader.join)
            self.addCleanup(setattr, self, "reading", False)
        self.entries = []
        self.entries_lock = threading.Lock()
        # bgtaskd's stderr is the log file start_bgtaskd() opens: created here, it keeps its inode.
        log = os.path.join(self.tmp, "bgtaskd-0.log")
        open(log, "w").close()
        st = os.stat(log)
        self.env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
        self.env["BGTASKD_JOURNAL_SOCKET"] = self.journal_path

    def read_journal(self):
        while self.reading:
            try:
                datagram = self.journal_socket.recv(1 << 20)
            except (socket.timeout, OSError):
                continue
            with self.entries_lock:
                self.entries.append(parse(datagram))

    def received(self):
        with self.entries_lock:
            return list(self.entries)

    def entries_where(self, **fields):
        return [e for e in self.received() if all(e.get(k) == v for k, v in fields.items())]

    def run_a_refresh(self):
        conn = self.app_bus(APP)
        self.scheduler(conn).Submit("app-refresh", ID, dbus.Dictionary({}, signature="sv"))
        conn.release_name(APP)
        return eventually(lambda: self.history(App=APP), 10)[0]


class JournalTest(JournalTestCase):
    def test_task_events_carry_their_fields_and_every_message_its_priority(self):
        run = self.run_a_refresh()
        self.assertEqual(run["Outcome"], "completed")
        [finished] = eventually(lambda: self.entries_where(BGTASK_OUTCOME="completed"), 5)
        self.assertEqual({k: v for k, v in finished.items() if k.startswith("BGTASK_")},
                         {"BGTASK_APP": APP, "BGTASK_IDENTIFIER": ID, "BGTASK_RUN_ID": str(int(run["Run"])),
                          "BGTASK_OUTCOME": "completed"})
        self.assertEqual((finished["PRIORITY"], finished["SYSLOG_IDENTIFIER"]), ("6", "bgtaskd"))
        self.assertIn(f"Run {int(run['Run'])}: {ID} completed", finished["MESSAGE"])
        [launching] = [e for e in self.entries_where(BGTASK_APP=APP) if "launching" in e["MESSAGE"]]
        self.assertEqual((launching["BGTASK_RUN_ID"], launching["PRIORITY"]), (str(int(run["Run"])), "6"))
        self.assertNotIn("BGTASK_OUTCOME", launching)
        # The broken manifest is a warning; -vv debug messages are debug; neither is about a task.
        broken = [e for e in self.received() if "org.example.Broken.conf" in e["MESSAGE"]]
        self.assertIn("4", [e["PRIORITY"] for e in broken], broken)
        self.assertEqual([e for e in broken if "BGTASK_APP" in e], [])
        self.assertTrue(self.entries_where(PRIORITY="7"))
        # Nothing of it went to stderr as well.
        self.assertNotIn("launching", self.daemon_log())


class JournalFallbackTest(JournalTestCase):
    journal = False

    def test_without_a_journal_socket_messages_go_to_stderr_with_priority_prefixes(self):
        self.assertEqual(self.run_a_refresh()["Outcome"], "completed")
        lines = eventually(lambda: [line for line in self.daemon_log().splitlines() if f"{ID} completed" in line], 5)
        self.assertTrue(lines[0].startswith("<6>runs: Run "), lines)
        self.assertTrue([line for line in self.daemon_log().splitlines()
                         if line.startswith("<4>") and "org.example.Broken.conf" in line], self.daemon_log())


if __name__ == "__main__":
    unittest.main()

// SPDX-License-Identifier: LGPL-2.1-or-later
// The asynchronous submit's ceiling: a one-thread server that owns org.bgtaskd and answers
// org.bgtaskd.Scheduler1.Submit(ssa{sv}) as bgtaskd promises to, after a durable commit, but does
// nothing else: no manifest, quota, validation or planning. It reads the calls one loop turn
// brings, stores each (an INSERT OR REPLACE of the caller, kind, identifier and the options'
// bytes, WAL with synchronous=FULL), commits the turn's calls in one transaction and answers
// them (group commit, as bgtaskd does). libbgtask's submit clients talk to it unchanged, so a
// phase against it measures what dbus-daemon and the clients cost when the daemon costs almost
// nothing. Runs until it is killed.
#pragma once

#include <string>

namespace bgtask::bench {

// Prints "ready" once org.bgtaskd is owned. Never returns normally.
int runCommitOnlyServer(const std::string& database);

} // namespace bgtask::bench

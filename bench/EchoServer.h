// SPDX-License-Identifier: LGPL-2.1-or-later
// The raw D-Bus baseline: a one-thread sdbus-c++ server whose method Echo(s) → s does nothing
// but answer. Given a database file it also serves EchoCommitted(s) → s, which answers only
// after one single-row SQLite transaction is durably committed (WAL, synchronous=FULL, the
// row the bench's SQLite baseline writes): a daemon that does nothing but keep bgtaskd's
// promise that a call returns after its commit, so the most any such daemon reaches with one
// synchronous client. It owns its connection, object and database, and runs until it is
// killed. The names below are shared with the echo clients.
#pragma once

#include <string>

namespace bgtask::bench {

inline constexpr const char* kEchoBusName = "org.bgtaskd.Bench";
inline constexpr const char* kEchoObjectPath = "/org/bgtaskd/Bench";
inline constexpr const char* kEchoInterface = "org.bgtaskd.Bench1";
inline constexpr const char* kEchoMethod = "Echo";
inline constexpr const char* kEchoCommittedMethod = "EchoCommitted";

// Serves Echo (and, with a database path, EchoCommitted) on the session bus; prints "ready"
// once the name is owned. Never returns normally.
int runEchoServer(const std::string& database);

} // namespace bgtask::bench

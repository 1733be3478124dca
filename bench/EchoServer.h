// SPDX-License-Identifier: LGPL-2.1-or-later
// The raw D-Bus baseline: a one-thread sdbus-c++ server whose only method, Echo(s) → s, does
// nothing but answer. It owns its connection and object and runs until it is killed. The names
// below are shared with the echo clients.
#pragma once

namespace bgtask::bench {

inline constexpr const char* kEchoBusName = "org.bgtaskd.Bench";
inline constexpr const char* kEchoObjectPath = "/org/bgtaskd/Bench";
inline constexpr const char* kEchoInterface = "org.bgtaskd.Bench1";
inline constexpr const char* kEchoMethod = "Echo";

// Serves Echo on the session bus; prints "ready" once the name is owned. Never returns normally.
int runEchoServer();

} // namespace bgtask::bench

// SPDX-License-Identifier: LGPL-2.1-or-later
// Clients of the echo server, measuring what the bus alone costs. Three ways of calling:
//  - Sync: blocking calls on a connection with no event-loop thread (plain sd_bus_call).
//  - SyncLoop: blocking calls from the main thread while a library thread runs the connection's
//    event loop, which is how libbgtask calls bgtaskd; the difference to Sync is the cost of the
//    thread hand-off, not of the bus.
//  - Pipelined: one thread keeping `depth` asynchronous calls in flight.
// With `committed`, each call is EchoCommitted: the server answers after a durable commit.
#pragma once

#include <string>

namespace bgtask::bench {

enum class EchoMode { Sync, SyncLoop, Pipelined };

struct EchoOptions {
    EchoMode mode = EchoMode::Sync;
    unsigned depth = 8;          // calls in flight, Pipelined only
    bool committed = false;      // EchoCommitted instead of Echo
    std::string latencyFile;
};

int runEchoClient(const EchoOptions& options);

} // namespace bgtask::bench

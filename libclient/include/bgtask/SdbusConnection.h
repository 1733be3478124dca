// SPDX-License-Identifier: LGPL-2.1-or-later
// Opt-in, for apps that already use sdbus-c++: hand libbgtask the app's own bus connection instead
// of letting it open one. The other public headers never mention sdbus-c++; this one only names
// sdbus::IConnection (declared, not included), so only apps that include it need sdbus-c++, and they
// must use the same sdbus-c++ (libsdbus-c++.so.1) that libbgtask links.
#pragma once

#include <bgtask/Export.h>

#include <memory>

namespace sdbus {
class IConnection;
}

namespace bgtask {

// Makes Scheduler::shared() use this connection. Call it before anything connects (before
// setApplicationId(), registerTask(), …). The library keeps a reference until the process ends.
//
// The app runs the connection (enterEventLoopAsync(), enterEventLoop() or its own
// processPendingRequest() loop), and launch handlers, expiration handlers and asynchronous
// completions are called wherever it does. setApplicationId() exports /org/bgtaskd/Handler on it
// and then requests the app's bus name; when the connection already owns the name the library
// shares it (the usual case for an app that is a D-Bus service itself). Synchronous library calls
// follow sdbus-c++'s rules for the connection: from a thread other than the one that runs it they
// wait for that thread.
//
// Throws SchedulerError(InvalidArgument, "already-connected") when the scheduler already has a
// connection, and (InvalidArgument, "no-connection") for a null pointer.
BGTASK_EXPORT void useSdbusConnection(std::shared_ptr<sdbus::IConnection> connection);

} // namespace bgtask

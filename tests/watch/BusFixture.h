// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's loop for the D-Bus source tests: the real app::EventLoop and app::BusLoopSource
// driving a fresh system-bus connection, a recording sink, and eventually()/staysTrue() that
// run that loop. Sources made in a test body go before the fixture, as in the daemon.
#pragma once

#include "DbusMock.h"
#include "Eventually.h"

#include "app/BusLoopSource.h"
#include "app/EventLoop.h"

#include <sdbus-c++/IConnection.h>

#include <memory>

namespace bgtask::watch::test {

struct BusFixture {
    BusFixture() { requirePrivateSystemBus(); }

    app::EventLoop loop;
    std::unique_ptr<sdbus::IConnection> bus = sdbus::createSystemBusConnection();
    app::BusLoopSource busSource{loop, *bus, {}};
    RecordingSink sink;

    bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5000ms)
    {
        return test::eventually(loop.raw(), condition, timeout);
    }
    bool staysTrue(const std::function<bool()>& condition, std::chrono::milliseconds duration = 300ms)
    {
        return test::staysTrue(loop.raw(), condition, duration);
    }
};

} // namespace bgtask::watch::test

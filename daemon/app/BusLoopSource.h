// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives an sdbus-c++ 1.2 connection from sd-event on the daemon's thread: the connection's fd
// and timeout become an io source and a monotonic timer, refreshed before every poll.
#pragma once

#include <sdbus-c++/IConnection.h>

#include <functional>

typedef struct sd_event_source sd_event_source;

namespace bgtask::app {

class EventLoop;

class BusLoopSource {
public:
    // onDisconnected runs once when the connection is lost (the bus went away); the source
    // then stops watching it. afterIo, if given, runs after the messages an io event brought
    // were processed, in the same loop turn: the work they asked for need not wait for a turn
    // of its own.
    BusLoopSource(EventLoop& loop, sdbus::IConnection& connection, std::function<void()> onDisconnected,
                  std::function<void()> afterIo = {});
    ~BusLoopSource();
    BusLoopSource(const BusLoopSource&) = delete;
    BusLoopSource& operator=(const BusLoopSource&) = delete;

    // Processes everything the connection has queued.
    void process();

private:
    static int onIo(sd_event_source*, int, std::uint32_t, void* self);
    static int onTimer(sd_event_source*, std::uint64_t, void* self);
    static int onPrepare(sd_event_source*, void* self);

    void disconnected();

    sdbus::IConnection& connection_;
    std::function<void()> onDisconnected_;
    std::function<void()> afterIo_;
    bool connected_ = true;
    sd_event_source* io_ = nullptr;
    sd_event_source* timer_ = nullptr;
};

} // namespace bgtask::app

// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's one event loop (sd-event) and the three kinds of source it needs besides the bus:
// deferred calls that run after the events at hand, the one wall-clock scheduling timer, and
// signals. Everything runs on this thread; there are no locks in the daemon.
#pragma once

#include "core/Time.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

typedef struct sd_event sd_event;
typedef struct sd_event_source sd_event_source;

namespace bgtask::app {

class EventLoop {
public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    sd_event* raw() const { return event_; }
    int run();
    void exit(int code);

    // Runs fn once on a later turn, after the bus messages at hand: a defer source that became
    // pending earlier than the next bus wake-up is dispatched before it, so floods cannot starve it.
    void post(std::function<void()> fn);

    // Calls handler for each of the signals (blocked for the whole process first).
    void onSignals(const std::vector<int>& signals, std::function<void(int)> handler);

private:
    static int dispatchPosted(sd_event_source*, void* self);

    sd_event* event_ = nullptr;
    sd_event_source* postSource_ = nullptr;
    std::vector<std::function<void()>> posted_;
    std::function<void(int)> signalHandler_;
    std::vector<sd_event_source*> signalSources_;
};

// A coalescing deferred call: schedule() any number of times, fn runs once per turn.
class Deferred {
public:
    Deferred(EventLoop& loop, std::function<void()> fn);
    ~Deferred();
    void schedule();
    bool scheduled() const;
    // Runs fn now, in the turn under way, if it is scheduled, instead of on a turn of its own
    // (a loop turn costs an epoll_wait and the prepare callbacks); returns whether it ran.
    // A schedule() from within fn schedules it again, for a later turn.
    bool runIfScheduled();
    // Takes back a schedule(): fn does not run for it.
    void cancel();

private:
    static int dispatch(sd_event_source*, void* self);
    sd_event_source* source_ = nullptr;
    std::function<void()> fn_;
};

// One CLOCK_REALTIME timer at an absolute wall-clock moment; absolute realtime timers follow
// clock changes by themselves.
class WallTimer {
public:
    WallTimer(EventLoop& loop, std::function<void()> fn);
    ~WallTimer();
    void arm(std::optional<core::TimePoint> at);

private:
    static int dispatch(sd_event_source*, std::uint64_t, void* self);
    sd_event_source* source_ = nullptr;
    std::function<void()> fn_;
};

// Calls fn once no poke() has come for `quiet` (on CLOCK_MONOTONIC): after a burst of work.
// A burst arms the timer once, where re-arming it on every poke() would cost a timerfd_settime
// each time; when it fires early (pokes came meanwhile) it re-arms itself for the rest.
class QuietTimer {
public:
    QuietTimer(EventLoop& loop, core::Duration quiet, std::function<void()> fn);
    ~QuietTimer();
    QuietTimer(const QuietTimer&) = delete;
    QuietTimer& operator=(const QuietTimer&) = delete;
    void poke();
    bool armed() const { return armed_; }

private:
    static int dispatch(sd_event_source*, std::uint64_t, void* self);
    void armAt(std::uint64_t usec);
    sd_event* event_;
    sd_event_source* source_ = nullptr;
    std::uint64_t quiet_;
    std::uint64_t lastPoke_ = 0;
    bool armed_ = false;
    std::function<void()> fn_;
};

// Calls fn whenever the wall clock is set (timerfd TFD_TIMER_CANCEL_ON_SET), so that decisions
// taken against the old clock are re-planned.
class ClockChangeWatch {
public:
    ClockChangeWatch(EventLoop& loop, std::function<void()> fn);
    ~ClockChangeWatch();

private:
    void rearm();
    static int dispatch(sd_event_source*, int fd, std::uint32_t, void* self);
    int fd_ = -1;
    sd_event_source* source_ = nullptr;
    std::function<void()> fn_;
};

} // namespace bgtask::app

// SPDX-License-Identifier: LGPL-2.1-or-later
#include "EventLoop.h"

#include "service/Log.h"

#include <systemd/sd-event.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>

#include <limits>

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace bgtask::app {
namespace {

// Every callback of the loop runs through here: an exception is a bug to log, never a reason
// for the daemon to stop serving.
template <typename F>
void guarded(const char* what, F&& f)
{
    try {
        f();
    } catch (const std::exception& e) {
        service::logger("daemon")->error("Failed to run {}: {}, ignoring", what, e.what());
    }
}

void check(int r, const char* what)
{
    if (r < 0)
        throw std::runtime_error(std::string("Failed to ") + what + ": " + std::strerror(-r));
}

} // namespace

EventLoop::EventLoop()
{
    check(sd_event_new(&event_), "create the event loop");
    check(sd_event_add_defer(event_, &postSource_, &EventLoop::dispatchPosted, this), "add a defer source");
    sd_event_source_set_enabled(postSource_, SD_EVENT_OFF);
}

EventLoop::~EventLoop()
{
    for (auto* s : signalSources_)
        sd_event_source_unref(s);
    sd_event_source_unref(postSource_);
    sd_event_unref(event_);
}

int EventLoop::run() { return sd_event_loop(event_); }

void EventLoop::exit(int code) { sd_event_exit(event_, code); }

void EventLoop::post(std::function<void()> fn)
{
    posted_.push_back(std::move(fn));
    sd_event_source_set_enabled(postSource_, SD_EVENT_ONESHOT);
}

int EventLoop::dispatchPosted(sd_event_source*, void* self)
{
    auto& loop = *static_cast<EventLoop*>(self);
    auto batch = std::move(loop.posted_);
    loop.posted_.clear();
    for (auto& fn : batch)
        guarded("a deferred call", fn);
    return 0;
}

void EventLoop::onSignals(const std::vector<int>& signals, std::function<void(int)> handler)
{
    signalHandler_ = std::move(handler);
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : signals)
        sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    for (int s : signals) {
        sd_event_source* source = nullptr;
        check(sd_event_add_signal(event_, &source, s,
                                  [](sd_event_source*, const signalfd_siginfo* si, void* self) {
                                      auto& loop = *static_cast<EventLoop*>(self);
                                      guarded("a signal handler", [&] { loop.signalHandler_(static_cast<int>(si->ssi_signo)); });
                                      return 0;
                                  },
                                  this),
              "add a signal source");
        signalSources_.push_back(source);
    }
}

Deferred::Deferred(EventLoop& loop, std::function<void()> fn) : fn_(std::move(fn))
{
    check(sd_event_add_defer(loop.raw(), &source_, &Deferred::dispatch, this), "add a defer source");
    sd_event_source_set_enabled(source_, SD_EVENT_OFF);
}

Deferred::~Deferred() { sd_event_source_unref(source_); }

void Deferred::schedule() { sd_event_source_set_enabled(source_, SD_EVENT_ONESHOT); }

bool Deferred::scheduled() const
{
    int enabled = SD_EVENT_OFF;
    return sd_event_source_get_enabled(source_, &enabled) >= 0 && enabled != SD_EVENT_OFF;
}

bool Deferred::runIfScheduled()
{
    if (!scheduled())
        return false;
    cancel();   // as sd-event does before it dispatches a oneshot source
    guarded("a deferred call", fn_);
    return true;
}

void Deferred::cancel() { sd_event_source_set_enabled(source_, SD_EVENT_OFF); }

int Deferred::dispatch(sd_event_source*, void* self)
{
    guarded("a deferred call", static_cast<Deferred*>(self)->fn_);
    return 0;
}

WallTimer::WallTimer(EventLoop& loop, std::function<void()> fn) : fn_(std::move(fn))
{
    // 1 ms accuracy: sd-event's default of 250 ms would delay every launch by up to that much.
    check(sd_event_add_time(loop.raw(), &source_, CLOCK_REALTIME, UINT64_MAX, 1000,
                            &WallTimer::dispatch, this),
          "add the scheduling timer");
    sd_event_source_set_enabled(source_, SD_EVENT_OFF);
}

WallTimer::~WallTimer() { sd_event_source_unref(source_); }

void WallTimer::arm(std::optional<core::TimePoint> at)
{
    if (!at) {
        sd_event_source_set_enabled(source_, SD_EVENT_OFF);
        return;
    }
    const auto usec = core::toUsec(*at);
    sd_event_source_set_time(source_, usec > 0 ? static_cast<std::uint64_t>(usec) : 1);
    sd_event_source_set_enabled(source_, SD_EVENT_ONESHOT);
}

int WallTimer::dispatch(sd_event_source*, std::uint64_t, void* self)
{
    guarded("the scheduling timer", static_cast<WallTimer*>(self)->fn_);
    return 0;
}

QuietTimer::QuietTimer(EventLoop& loop, core::Duration quiet, std::function<void()> fn)
    : event_(loop.raw()), quiet_(static_cast<std::uint64_t>(quiet.count())), fn_(std::move(fn))
{
    // sd-event's default accuracy (250 ms): the moment matters little, a shared wake-up more.
    check(sd_event_add_time(event_, &source_, CLOCK_MONOTONIC, UINT64_MAX, 0, &QuietTimer::dispatch, this),
          "add a timer");
    sd_event_source_set_enabled(source_, SD_EVENT_OFF);
}

QuietTimer::~QuietTimer() { sd_event_source_unref(source_); }

void QuietTimer::poke()
{
    // The time the loop woke up at, read without a system call once the loop runs.
    sd_event_now(event_, CLOCK_MONOTONIC, &lastPoke_);
    if (!armed_)
        armAt(lastPoke_ + quiet_);
}

void QuietTimer::armAt(std::uint64_t usec)
{
    armed_ = true;
    sd_event_source_set_time(source_, usec);
    sd_event_source_set_enabled(source_, SD_EVENT_ONESHOT);
}

int QuietTimer::dispatch(sd_event_source*, std::uint64_t, void* self)
{
    auto& timer = *static_cast<QuietTimer*>(self);
    std::uint64_t now = 0;
    sd_event_now(timer.event_, CLOCK_MONOTONIC, &now);
    if (now < timer.lastPoke_ + timer.quiet_) {
        timer.armAt(timer.lastPoke_ + timer.quiet_);
        return 0;
    }
    timer.armed_ = false;
    guarded("a timer", timer.fn_);
    return 0;
}

ClockChangeWatch::ClockChangeWatch(EventLoop& loop, std::function<void()> fn) : fn_(std::move(fn))
{
    fd_ = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd_ < 0)
        throw std::runtime_error(std::string("Failed to create a timerfd: ") + std::strerror(errno));
    rearm();
    check(sd_event_add_io(loop.raw(), &source_, fd_, EPOLLIN, &ClockChangeWatch::dispatch, this),
          "watch for clock changes");
}

ClockChangeWatch::~ClockChangeWatch()
{
    sd_event_source_unref(source_);
    if (fd_ >= 0)
        close(fd_);
}

void ClockChangeWatch::rearm()
{
    itimerspec spec{};
    spec.it_value.tv_sec = std::numeric_limits<time_t>::max();
    timerfd_settime(fd_, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, nullptr);
}

int ClockChangeWatch::dispatch(sd_event_source*, int fd, std::uint32_t, void* self)
{
    auto& watch = *static_cast<ClockChangeWatch*>(self);
    std::uint64_t expirations = 0;
    const auto n = read(fd, &expirations, sizeof expirations);
    if (n < 0 && errno == ECANCELED) {
        watch.rearm();
        guarded("a clock change", watch.fn_);
    }
    return 0;
}

} // namespace bgtask::app

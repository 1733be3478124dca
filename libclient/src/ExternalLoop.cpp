// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ExternalLoop.h"

#include "ErrorTranslation.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <string>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace bgtask::detail {
namespace {

thread_local int tProcessing = 0;
// The loop whose process() runs on this thread, if any.
thread_local const ExternalLoop* tProcessingLoop = nullptr;

[[noreturn]] void fail(const char* what)
{
    throw SchedulerError(SchedulerError::Code::Internal, "event-loop",
                         std::string("cannot create the event loop descriptor (") + what + ": " +
                             std::strerror(errno) + ")");
}

std::uint32_t epollEvents(short pollEvents)
{
    std::uint32_t events = 0;
    if (pollEvents & POLLIN)
        events |= EPOLLIN;
    if (pollEvents & POLLOUT)
        events |= EPOLLOUT;
    return events;
}

} // namespace

ExternalLoop::ExternalLoop()
{
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0)
        fail("epoll_create1");
    wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    timerFd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (wakeFd_ < 0 || timerFd_ < 0) {
        const char* what = wakeFd_ < 0 ? "eventfd" : "timerfd_create";
        const int saved = errno;
        closeAll();
        errno = saved;
        fail(what);
    }
    for (int fd : {wakeFd_, timerFd_}) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) < 0) {
            const int saved = errno;
            closeAll();
            errno = saved;
            fail("epoll_ctl");
        }
    }
}

ExternalLoop::~ExternalLoop()
{
    closeAll();
}

void ExternalLoop::closeAll() noexcept
{
    for (int* fd : {&timerFd_, &wakeFd_, &epoll_}) {
        if (*fd >= 0)
            ::close(*fd);
        *fd = -1;
    }
}

void ExternalLoop::attach(sdbus::IConnection& connection)
{
    const auto poll = translatingErrors([&] { return connection.getEventLoopPollData(); });
    epoll_event event{};
    event.events = epollEvents(poll.events);
    event.data.fd = poll.fd;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, poll.fd, &event) < 0)
        fail("epoll_ctl");
    busFd_ = poll.fd;
    busEvents_ = event.events;
    connection_.store(&connection);
    // Whatever the set-up queued (name request replies, signals) is processed on the app's loop.
    wake();
}

void ExternalLoop::wake() noexcept
{
    // Inside process() (a completion that sends the next call, a handler's synchronous call):
    // process() re-arms from the bus's own state before it returns, and a write here would only
    // make the app call it again for nothing.
    if (tProcessingLoop == this)
        return;
    // A wake-up is outstanding: the process() that takes it comes after this, and finds whatever
    // the caller changed.
    if (wakePending_.exchange(true))
        return;
    const std::uint64_t one = 1;
    // It cannot fail (one write at a time never fills the counter); if it did, the next wake()
    // must try again.
    if (::write(wakeFd_, &one, sizeof one) < 0)
        wakePending_.store(false);
}

void ExternalLoop::takeWake() noexcept
{
    if (!wakePending_.load())
        return;
    // The wake() that set the flag may not have written yet: then the read fails, the flag stays
    // and the eventfd becomes readable once it has. One read takes the whole counter.
    // An exchange, not a store: it reads what the last wake() wrote, so whatever that caller
    // changed before it (even one that found the flag set and did not write) is visible to the
    // processing that follows.
    std::uint64_t value = 0;
    if (::read(wakeFd_, &value, sizeof value) > 0)
        wakePending_.exchange(false);
}

bool ExternalLoop::isProcessingThread() noexcept
{
    return tProcessing > 0;
}

void ExternalLoop::process() noexcept
{
    if (tProcessing > 0)
        return;  // from inside a handler: sd_bus_process() cannot nest
    ++tProcessing;
    tProcessingLoop = this;
    // Before the bus is processed: whatever a wake() that finds the flag still set announces is
    // then processed below.
    takeWake();
    drainTimerIfDue();
    auto* connection = connection_.load();
    if (connection && !failed_.load()) {
        try {
            while (connection->processPendingRequest()) {
            }
            rearm(*connection);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "libbgtask: Lost the bus connection: %s\n", e.what());
            detachAfterFailure();
        }
    }
    tProcessingLoop = nullptr;
    --tProcessing;
}

void ExternalLoop::drainTimerIfDue() noexcept
{
    if (timerDeadline_ == kNoTimer)
        return;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const auto nowUsec =
        static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 + static_cast<std::uint64_t>(now.tv_nsec) / 1000;
    if (nowUsec < timerDeadline_)
        return;
    // Disarmed only once its expiry is read: the kernel may fire it a moment after the clock
    // passed the deadline, and an expiry left unread would keep the descriptor readable for good.
    std::uint64_t expirations = 0;
    if (::read(timerFd_, &expirations, sizeof expirations) > 0)
        timerDeadline_ = kNoTimer;
}

void ExternalLoop::rearm(sdbus::IConnection& connection)
{
    const auto poll = connection.getEventLoopPollData();
    const auto events = epollEvents(poll.events);
    if (events != busEvents_) {
        epoll_event event{};
        event.events = events;
        event.data.fd = busFd_;
        if (::epoll_ctl(epoll_, EPOLL_CTL_MOD, busFd_, &event) < 0)
            throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
        busEvents_ = events;
    }
    // The timer only moves earlier. Armed for a deadline that has since gone (the reply came), it
    // fires early once: process() then finds nothing due and arms it for the bus's next deadline.
    // Moving it at every process() cost a syscall per reply, since each reply moves sd-bus's
    // earliest deadline a little later.
    const auto usec = poll.timeout_usec;  // kNoTimer: nothing to wait for
    if (usec >= timerDeadline_)
        return;
    // Absolute CLOCK_MONOTONIC; 0 (something is queued already) must still fire, so at least 1 ns.
    itimerspec timer{};
    timer.it_value.tv_sec = static_cast<time_t>(usec / 1'000'000);
    timer.it_value.tv_nsec = static_cast<long>((usec % 1'000'000) * 1000);
    if (usec == 0)
        timer.it_value.tv_nsec = 1;
    if (::timerfd_settime(timerFd_, TFD_TIMER_ABSTIME, &timer, nullptr) < 0)
        throw std::runtime_error(std::string("timerfd_settime: ") + std::strerror(errno));
    timerDeadline_ = usec;
}

void ExternalLoop::detachAfterFailure() noexcept
{
    failed_.store(true);
    if (busFd_ >= 0)
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, busFd_, nullptr);
    itimerspec off{};
    ::timerfd_settime(timerFd_, 0, &off, nullptr);
    timerDeadline_ = kNoTimer;
}

} // namespace bgtask::detail

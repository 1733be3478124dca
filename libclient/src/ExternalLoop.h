// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs the library's bus connection on the app's event loop: one descriptor for the app to watch
// (an epoll set holding the bus socket, a timerfd for the bus's timeouts and an eventfd that other
// threads poke) and a process() that does everything pending without blocking. Owns the three
// descriptors; borrows the connection, which must outlive it.
//
// Why the eventfd: a synchronous call made on another thread reads the bus socket itself and may
// queue messages meant for the loop, which the socket then no longer signals; and an asynchronous
// call made elsewhere may change the bus's timeout or need POLLOUT. Callers wake() after each.
#pragma once

#include <sdbus-c++/IConnection.h>

#include <atomic>
#include <cstdint>
#include <limits>

namespace bgtask::detail {

class ExternalLoop {
public:
    // Throws SchedulerError(Internal) when a descriptor cannot be created.
    ExternalLoop();
    ~ExternalLoop();
    ExternalLoop(const ExternalLoop&) = delete;
    ExternalLoop& operator=(const ExternalLoop&) = delete;

    // The descriptor the app watches for reading.
    int fd() const noexcept { return epoll_; }
    // Starts watching the connection's socket. Once.
    void attach(sdbus::IConnection& connection);
    // Makes fd() readable, so that the app calls process() soon. Any thread; cheap: one write
    // until process() has taken it, none while one is outstanding. Does nothing on the thread
    // inside this loop's process(), which re-arms before it returns.
    void wake() noexcept;
    // Processes every pending message (callbacks run here) and re-arms the descriptors. Does
    // nothing when called from inside itself (a handler), or after the connection failed.
    void process() noexcept;
    // Whether the calling thread is inside process().
    static bool isProcessingThread() noexcept;

private:
    static constexpr std::uint64_t kNoTimer = std::numeric_limits<std::uint64_t>::max();

    void takeWake() noexcept;
    void drainTimerIfDue() noexcept;
    void rearm(sdbus::IConnection& connection);
    void detachAfterFailure() noexcept;
    void closeAll() noexcept;

    int epoll_ = -1;
    int wakeFd_ = -1;
    int timerFd_ = -1;
    int busFd_ = -1;
    std::atomic<sdbus::IConnection*> connection_{nullptr};
    std::atomic<bool> failed_{false};
    // Whether a wake() has written the eventfd (or is about to) and process() has not read it
    // yet. Set only by the wake() that writes, cleared only by the process() that read what it
    // wrote: at most one write is outstanding, and the eventfd is never readable while this is
    // false, so process() reads it only when something woke the loop, not once per call.
    std::atomic<bool> wakePending_{false};
    // The loop thread's own (attach() sets them before the connection is published): what the
    // bus descriptor is watched for, and the deadline the timer is armed for (CLOCK_MONOTONIC µs,
    // sd-bus's clock). process() changes either only when it must: a syscall each, per process().
    std::uint32_t busEvents_ = 0;
    std::uint64_t timerDeadline_ = kNoTimer;
};

} // namespace bgtask::detail

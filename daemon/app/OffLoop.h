// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs long pure work (reading the manifests, a simulation) on threads of its own so that the
// loop keeps answering, and hands each job's end back to the loop through an eventfd. The
// daemon's state stays on the loop thread: work gets only what it was given (copies) and
// touches no sd-bus object, no store and no service; done runs on the loop, after the worker
// thread has been joined (which also makes work's results visible to it). At most maxJobs
// jobs run at once. Owns the threads, the eventfd and its event source; borrows the loop.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>

typedef struct sd_event_source sd_event_source;

namespace bgtask::app {

class EventLoop;

class OffLoop {
public:
    // Work is told when to give up: the flag turns true when the daemon shuts down.
    using Work = std::function<void(const std::atomic<bool>& cancelled)>;

    OffLoop(EventLoop& loop, std::size_t maxJobs);
    // Cancels and joins every job still running; their dones never run. No thread outlives it.
    ~OffLoop();
    OffLoop(const OffLoop&) = delete;
    OffLoop& operator=(const OffLoop&) = delete;

    // Starts work on a new thread and returns true; done runs on the loop once work returned
    // (or threw: that is logged, and done runs all the same). false, starting nothing, when
    // maxJobs jobs are running already.
    bool run(Work work, std::function<void()> done);
    std::size_t running() const { return jobs_.size(); }

private:
    struct Job {
        std::thread thread;
        std::function<void()> done;
        std::string failure;   // what work threw, if anything
        std::atomic<bool> finished{false};
    };
    void reap();
    static int onWake(sd_event_source*, int fd, std::uint32_t, void* self);

    std::size_t maxJobs_;
    int fd_ = -1;
    sd_event_source* source_ = nullptr;
    std::atomic<bool> cancelled_{false};
    std::list<std::unique_ptr<Job>> jobs_;
};

} // namespace bgtask::app

// SPDX-License-Identifier: LGPL-2.1-or-later
#include "OffLoop.h"

#include "EventLoop.h"

#include "service/Log.h"

#include <systemd/sd-event.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace bgtask::app {
namespace {
auto log() { static auto l = service::logger("daemon"); return l; }
} // namespace

OffLoop::OffLoop(EventLoop& loop, std::size_t maxJobs) : maxJobs_(maxJobs)
{
    fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd_ < 0)
        throw std::runtime_error(std::string("Failed to create an eventfd: ") + std::strerror(errno));
    if (const int r = sd_event_add_io(loop.raw(), &source_, fd_, EPOLLIN, &OffLoop::onWake, this); r < 0) {
        close(fd_);
        throw std::runtime_error(std::string("Failed to add a worker to the event loop: ") + std::strerror(-r));
    }
}

OffLoop::~OffLoop()
{
    cancelled_.store(true);
    for (auto& job : jobs_)
        job->thread.join();
    sd_event_source_unref(source_);
    close(fd_);
}

bool OffLoop::run(Work work, std::function<void()> done)
{
    if (jobs_.size() >= maxJobs_)
        return false;
    auto job = std::make_unique<Job>();
    job->done = std::move(done);
    Job* raw = job.get();
    // The thread is started before the job is listed: if it cannot start, nothing is left behind.
    job->thread = std::thread([this, raw, work = std::move(work)] {
        try {
            work(cancelled_);
        } catch (const std::exception& e) {
            raw->failure = e.what();   // logged on the loop
        }
        raw->finished.store(true);
        const std::uint64_t one = 1;
        // Cannot fail short of a full counter (2^64 - 2 wake-ups), which nothing reads as lost:
        // the loop looks at every job's flag on each wake-up.
        [[maybe_unused]] const auto n = write(fd_, &one, sizeof one);
    });
    jobs_.push_back(std::move(job));
    return true;
}

void OffLoop::reap()
{
    std::uint64_t count = 0;
    [[maybe_unused]] const auto n = read(fd_, &count, sizeof count);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
        if (!(*it)->finished.load()) {
            ++it;
            continue;
        }
        (*it)->thread.join();
        if (!(*it)->failure.empty())
            log()->error("Failed to finish work off the loop: {}", (*it)->failure);
        auto done = std::move((*it)->done);
        it = jobs_.erase(it);
        // Last: done may start the next job.
        try {
            done();
        } catch (const std::exception& e) {
            log()->error("Failed to finish work off the loop: {}, ignoring", e.what());
        }
    }
}

int OffLoop::onWake(sd_event_source*, int, std::uint32_t, void* self)
{
    static_cast<OffLoop*>(self)->reap();
    return 0;
}

} // namespace bgtask::app

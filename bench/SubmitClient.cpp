// SPDX-License-Identifier: LGPL-2.1-or-later
#include "SubmitClient.h"

#include "Window.h"

#include <bgtask/bgtask.h>

#include <poll.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

namespace bgtask::bench {
namespace {

// Far enough ahead that the planner never finds a request due during the benchmark.
TimePoint oneDayFromNow()
{
    return Clock::now() + std::chrono::hours(24);
}

ProcessingTaskRequest requestFor(std::string identifier, TimePoint notBefore)
{
    return ProcessingTaskRequest{.identifier = std::move(identifier), .earliestBeginDate = notBefore};
}

// Keeps `depth` asynchronous submits in flight on one thread, as the pipelined echo client does:
// the app's loop polls the library's descriptor and calls process(), and each completion (run
// inside process()) records its call and sends the next one while the window is open.
class Chain {
public:
    Chain(Scheduler& scheduler, const SubmitOptions& options, TimePoint notBefore, Window& window)
        : scheduler_(scheduler), options_(options), notBefore_(notBefore), window_(window)
    {
    }

    void run(int fd)
    {
        for (unsigned i = 0; i < options_.depth; ++i)
            send();
        // Calls still in flight at the end are abandoned after a grace second.
        const auto giveUp = window_.end() + std::chrono::seconds(1);
        for (auto now = SteadyClock::now(); inFlight_ > 0 && now < giveUp; now = SteadyClock::now()) {
            pollfd pfd{fd, POLLIN, 0};
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(giveUp - now).count();
            if (::poll(&pfd, 1, static_cast<int>(left)) > 0)
                scheduler_.process();
        }
    }

private:
    void send()
    {
        const auto begin = SteadyClock::now();
        ++inFlight_;
        scheduler_.submit(requestFor(options_.identifiers[next_++ % options_.identifiers.size()], notBefore_),
                          [this, begin](std::optional<SchedulerError> error) { onDone(begin, error); });
    }

    void onDone(SteadyClock::time_point begin, const std::optional<SchedulerError>& error)
    {
        --inFlight_;
        const auto now = SteadyClock::now();
        if (error) {
            window_.fail(now);
            if (!std::exchange(reported_, true))
                std::cerr << "bgtaskd-bench-client: Failed to submit for " << options_.appId << ": " << error->what()
                          << '\n';
        } else {
            window_.record(begin, now);
        }
        if (window_.open(now))
            send();
    }

    Scheduler& scheduler_;
    const SubmitOptions& options_;
    TimePoint notBefore_;
    Window& window_;
    unsigned inFlight_ = 0;
    std::size_t next_ = 1;
    bool reported_ = false;
};

// The same from the app's thread: it waits for a free slot and submits; completions run on the
// library's thread and hand the slot back under a lock.
void submitFromAppThread(Scheduler& scheduler, const SubmitOptions& options, TimePoint notBefore, Window& window)
{
    std::mutex mutex;
    std::condition_variable changed;
    unsigned inFlight = 0;
    bool reported = false;
    std::size_t next = 1;
    for (auto now = SteadyClock::now(); window.open(now); now = SteadyClock::now(), ++next) {
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return inFlight < options.depth; });
            ++inFlight;
        }
        const auto begin = SteadyClock::now();
        scheduler.submit(requestFor(options.identifiers[next % options.identifiers.size()], notBefore),
                         [&, begin](std::optional<SchedulerError> error) {
                             const auto done = SteadyClock::now();
                             std::lock_guard lock(mutex);
                             if (error) {
                                 window.fail(done);
                                 if (!std::exchange(reported, true))
                                     std::cerr << "bgtaskd-bench-client: Failed to submit for " << options.appId
                                               << ": " << error->what() << '\n';
                             } else {
                                 window.record(begin, done);
                             }
                             --inFlight;
                             changed.notify_one();
                         });
    }
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return inFlight == 0; });
}

} // namespace

int runSubmitClient(const SubmitOptions& options)
{
    if (options.identifiers.empty())
        throw std::invalid_argument("no identifiers to submit");
    auto& scheduler = Scheduler::shared();
    const bool chained = options.depth > 1 && !options.appThread;
    const int fd = chained ? scheduler.useExternalEventLoop() : -1;
    scheduler.setApplicationId(options.appId);
    const auto notBefore = oneDayFromNow();
    // Warm-up, and the proof that manifest and quota fit before anything is measured.
    scheduler.submit(requestFor(options.identifiers.front(), notBefore));

    auto window = Window::await();
    if (chained) {
        scheduler.process();   // whatever the warm-up left queued
        Chain(scheduler, options, notBefore, window).run(fd);
        window.report(options.latencyFile);
        return 0;
    }
    if (options.depth > 1) {
        submitFromAppThread(scheduler, options, notBefore, window);
        window.report(options.latencyFile);
        return 0;
    }
    std::size_t next = 1;
    bool reported = false;
    for (auto now = SteadyClock::now(); window.open(now); ++next) {
        const auto begin = now;
        try {
            scheduler.submit(requestFor(options.identifiers[next % options.identifiers.size()], notBefore));
            now = SteadyClock::now();
            window.record(begin, now);
        } catch (const SchedulerError& e) {
            now = SteadyClock::now();
            window.fail(now);
            if (!std::exchange(reported, true))
                std::cerr << "bgtaskd-bench-client: Failed to submit for " << options.appId << ": " << e.what() << '\n';
        }
    }
    window.report(options.latencyFile);
    return 0;
}

int runFill(const FillOptions& options)
{
    auto& scheduler = Scheduler::shared();
    scheduler.setApplicationId(options.appId);
    const auto notBefore = oneDayFromNow();
    std::mutex mutex;
    std::condition_variable changed;
    unsigned inFlight = 0;
    unsigned submitted = 0;
    unsigned errors = 0;
    auto finished = [&](const SchedulerError* error) {
        std::lock_guard lock(mutex);
        if (!error)
            ++submitted;
        else if (errors++ == 0)
            std::cerr << "bgtaskd-bench-client: Failed to submit for " << options.appId << ": " << error->what() << '\n';
        --inFlight;
        changed.notify_one();
    };
    for (unsigned i = 0; i < options.count; ++i) {
        auto request = requestFor(options.identifierPrefix + ".t" + std::to_string(i), notBefore);
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return inFlight < options.depth; });
            ++inFlight;
        }
        if (options.depth > 1) {
            scheduler.submit(std::move(request), [&](std::optional<SchedulerError> error) {
                finished(error ? &*error : nullptr);
            });
            continue;
        }
        try {
            scheduler.submit(std::move(request));
            finished(nullptr);
        } catch (const SchedulerError& e) {
            finished(&e);
        }
    }
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return inFlight == 0; });
    announce("done " + std::to_string(submitted) + " " + std::to_string(errors));
    return 0;
}

} // namespace bgtask::bench

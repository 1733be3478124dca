// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bgtask/Scheduler.h"

#include "RequestCodec.h"
#include "SchedulerCore.h"

#include <bgtask/SdbusConnection.h>

#include <sdbus-c++/Types.h>

namespace bgtask {

// The one way into the core from outside the class (useSdbusConnection(), the C API).
class SchedulerAccess {
public:
    static detail::SchedulerCore& core(Scheduler& scheduler) { return *scheduler.core_; }
};

Scheduler& Scheduler::shared()
{
    static Scheduler instance;
    return instance;
}

Scheduler::Scheduler()
    : core_(std::make_shared<detail::SchedulerCore>())
{
    // sdbus-c++ keeps the messages of every Variant on a function-local static connection.
    // Creating it now makes it outlive this (static) scheduler, whose bus thread may still
    // destroy Variants until the destructor has joined it.
    sdbus::Variant prime(false);
}

Scheduler::~Scheduler()
{
    // exit() from inside a handler destroys the scheduler on the thread that runs the bus, which
    // cannot join or unregister itself. The process is ending: leave the core alive rather than
    // crash in the teardown.
    if (core_->isLoopThread()) {
        auto* leaked = new std::shared_ptr<detail::SchedulerCore>(std::move(core_));
        static_cast<void>(leaked);
    }
}

void Scheduler::setApplicationId(std::string appId)
{
    auto busName = appId;
    core_->setApplicationId(std::move(appId), std::move(busName));
}

void Scheduler::setApplicationId(std::string appId, std::string busName)
{
    core_->setApplicationId(std::move(appId), std::move(busName));
}

std::string Scheduler::applicationId() const { return core_->applicationId(); }

bool Scheduler::registerTask(std::string identifier, LaunchHandler handler)
{
    return core_->registerTask(std::move(identifier), std::move(handler));
}

bool Scheduler::registerContinuedProcessingTask(std::string identifier, ContinuedProcessingLaunchHandler handler)
{
    return core_->registerContinuedProcessingTask(std::move(identifier), std::move(handler));
}

void Scheduler::launchFinished() noexcept { core_->launchFinished(); }
bool Scheduler::isLaunchFinished() const noexcept { return core_->isLaunchFinished(); }

void Scheduler::submit(const TaskRequest& request) { core_->submit(request); }
void Scheduler::submit(const TaskRequest& request, Completion completion)
{
    core_->submit(request, std::move(completion));
}

void Scheduler::schedulePeriodic(const TaskRequest& request, std::chrono::microseconds interval,
                                 std::chrono::microseconds flex, const Backoff& backoff)
{
    core_->submit(request, detail::encodePeriodic(interval, flex, backoff));
}

void Scheduler::submitWithRetry(const TaskRequest& request, const Backoff& backoff)
{
    core_->submit(request, detail::encodeRetry(backoff));
}

void Scheduler::cancel(const std::string& identifier) { core_->cancel(identifier); }
void Scheduler::cancel(const std::string& identifier, Completion completion)
{
    core_->cancel(identifier, std::move(completion));
}

void Scheduler::cancelAll() { core_->cancelAll(); }
void Scheduler::cancelAll(Completion completion) { core_->cancelAll(std::move(completion)); }

std::vector<PendingTaskRequest> Scheduler::pendingTaskRequests() { return core_->pendingTaskRequests(); }
void Scheduler::pendingTaskRequests(PendingTaskRequestsCompletion completion)
{
    core_->pendingTaskRequests(std::move(completion));
}

Resources Scheduler::supportedResources() noexcept { return core_->supportedResources(); }
BackgroundRefreshStatus Scheduler::backgroundRefreshStatus() noexcept { return core_->backgroundRefreshStatus(); }
void Scheduler::setBackgroundRefreshStatusHandler(BackgroundRefreshStatusHandler handler)
{
    core_->setBackgroundRefreshStatusHandler(std::move(handler));
}

int Scheduler::useExternalEventLoop() { return core_->useExternalEventLoop(); }
int Scheduler::eventFd() const noexcept { return core_->eventFd(); }
void Scheduler::process() noexcept { core_->process(); }

void useSdbusConnection(std::shared_ptr<sdbus::IConnection> connection)
{
    SchedulerAccess::core(Scheduler::shared()).useConnection(std::move(connection));
}

} // namespace bgtask

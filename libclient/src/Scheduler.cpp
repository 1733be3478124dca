// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bgtask/Scheduler.h"

#include "SchedulerCore.h"

#include <sdbus-c++/Types.h>

namespace bgtask {

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
    // exit() from inside a handler destroys the scheduler on its own bus thread, which cannot
    // join itself. The process is ending: leave the core alive rather than crash in the join.
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

void Scheduler::submit(const TaskRequest& request) { core_->submit(request); }
void Scheduler::cancel(const std::string& identifier) { core_->cancel(identifier); }
void Scheduler::cancelAll() { core_->cancelAll(); }
std::vector<PendingTaskRequest> Scheduler::pendingTaskRequests() { return core_->pendingTaskRequests(); }

} // namespace bgtask

// SPDX-License-Identifier: LGPL-2.1-or-later
#include "DaemonEffects.h"

#include <chrono>

namespace bgtask::app {

DaemonEffects::DaemonEffects(Deferred& plan, WallTimer& timer) : plan_(plan), timer_(timer)
{
}

void DaemonEffects::bind(bus::TaskObjects& tasks, bus::ManagerAdaptor& manager)
{
    tasks_ = &tasks;
    manager_ = &manager;
}

core::TimePoint DaemonEffects::now()
{
    return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
}

void DaemonEffects::publishTask(const core::RunningTask& run)
{
    if (tasks_)
        tasks_->publish(run);
}

void DaemonEffects::withdrawTask(std::int64_t runId)
{
    if (tasks_)
        tasks_->withdraw(runId);
}

void DaemonEffects::emitTaskChanged(const service::TaskEvent& event)
{
    if (manager_)
        manager_->publish(event);
}

void DaemonEffects::updateTask(std::int64_t runId, const service::TaskProgress& progress)
{
    if (tasks_)
        tasks_->update(runId, progress);
}

void DaemonEffects::showNotification(const service::TaskNotification& notification)
{
    if (notifications_.show)
        notifications_.show(notification);
}

void DaemonEffects::closeNotification(const std::string& app, const std::string& identifier)
{
    if (notifications_.close)
        notifications_.close(app, identifier);
}

void DaemonEffects::emitPolicyChanged(const std::string& app)
{
    if (manager_)
        manager_->policyChanged(app);
}

} // namespace bgtask::app

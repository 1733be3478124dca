// SPDX-License-Identifier: LGPL-2.1-or-later
#include "DaemonEffects.h"

#include <chrono>

namespace bgtask::app {

DaemonEffects::DaemonEffects(Deferred& plan, WallTimer& timer, launch::Activator& activator,
                             launch::HandlerClient& handlers, launch::ProcessTerminator& terminator)
    : plan_(plan), timer_(timer), activator_(activator), handlers_(handlers), terminator_(terminator)
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

void DaemonEffects::activate(const core::Manifest& app, std::function<void(service::ActivationResult)> done)
{
    activator_.activate(app, std::move(done));
}

void DaemonEffects::callLaunch(const std::string& connection, const core::RunningTask& run,
                               std::function<void(std::optional<std::string>)> done)
{
    handlers_.launch(connection, run, std::move(done));
}

void DaemonEffects::callExpire(const std::string& connection, const core::RunningTask& run,
                               const std::string& reason, std::function<void(std::optional<std::string>)> done)
{
    handlers_.expire(connection, run, reason, std::move(done));
}

void DaemonEffects::terminateConnectionProcess(const std::string& connection)
{
    terminator_.terminate(connection);
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

// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bgtask/Task.h"

#include "TaskImpl.h"

#include <bgtask/SchedulerError.h>

#include <array>
#include <cstdio>
#include <exception>
#include <utility>

namespace bgtask {
namespace {

using ReasonCode = ExpirationReason::Code;

constexpr std::array<std::pair<ReasonCode, std::string_view>, 10> kReasonNames{{
    {ReasonCode::TimeLimit, "time-limit"},
    {ReasonCode::ExternalPowerLost, "external-power-lost"},
    {ReasonCode::NetworkLost, "network-lost"},
    {ReasonCode::SessionLocked, "session-locked"},
    {ReasonCode::UserActive, "user-active"},
    {ReasonCode::UserCancelled, "user-cancelled"},
    {ReasonCode::Stalled, "stalled"},
    {ReasonCode::Simulated, "simulated"},
    {ReasonCode::AppCancelled, "app-cancelled"},
    {ReasonCode::DaemonShutdown, "daemon-shutdown"},
}};

} // namespace

std::string_view toString(ExpirationReason::Code code) noexcept
{
    for (const auto& [c, spelling] : kReasonNames)
        if (c == code)
            return spelling;
    return "other";
}

ExpirationReason ExpirationReason::fromString(std::string name)
{
    ExpirationReason reason;
    for (const auto& [code, spelling] : kReasonNames)
        if (spelling == name)
            reason.code = code;
    reason.name = std::move(name);
    return reason;
}

Task::Task(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl))
{
}

Task::~Task() = default;

const std::string& Task::identifier() const noexcept { return impl_->identifier_; }
TaskKind Task::kind() const noexcept { return impl_->kind_; }
std::optional<TimePoint> Task::deadline() const noexcept { return impl_->deadline_; }
bool Task::isSimulated() const noexcept { return impl_->simulated_; }

std::vector<std::uint8_t> Task::checkpoint() const
{
    std::lock_guard lock(impl_->mutex_);
    return impl_->checkpoint_;
}

void Task::saveCheckpoint(std::span<const std::uint8_t> data)
{
    if (isCompleted())
        throw SchedulerError(SchedulerError::Code::NotFound, "task-completed",
                             impl_->identifier_ + " is completed; a checkpoint belongs to a running task");
    auto completer = impl_->completer_.lock();
    if (!completer)
        throw SchedulerError(SchedulerError::Code::NoScheduler, "no-scheduler",
                             "the scheduler of " + impl_->identifier_ + " is gone");
    // Not under the lock: the call may wait for the bus thread, which may need the task.
    completer->saveCheckpoint(impl_->path_, data);
    std::lock_guard lock(impl_->mutex_);
    impl_->checkpoint_.assign(data.begin(), data.end());
}

void Task::setExpirationHandler(ExpirationHandler handler)
{
    // The handler replaced (or refused, after completion) is destroyed outside the lock, with
    // whatever it captured.
    std::lock_guard lock(impl_->mutex_);
    if (!impl_->completed_)
        std::swap(impl_->expirationHandler_, handler);
}

bool Task::isCompleted() const noexcept
{
    std::lock_guard lock(impl_->mutex_);
    return impl_->completed_;
}

void Task::setTaskCompleted(bool success)
{
    ExpirationHandler dropped;
    std::function<void()> observer;
    {
        std::lock_guard lock(impl_->mutex_);
        if (impl_->completed_)
            return;
        impl_->completed_ = true;
        // Drop the handler so that a task captured in it is not kept alive by itself.
        std::swap(dropped, impl_->expirationHandler_);
        std::swap(observer, impl_->completionObserver_);
    }
    if (auto completer = impl_->completer_.lock())
        completer->completeTask(impl_->path_, success);
    // Last: the observer and the dropped handler may release the final reference to this task
    // other than the caller's.
    if (observer)
        observer();
}

bool Task::Impl::endWithoutHandler()
{
    std::function<void()> observer;
    {
        std::lock_guard lock(mutex_);
        if (completed_ || expired_ || expirationHandler_)
            return false;
        completed_ = true;
        expired_ = true;
        std::swap(observer, completionObserver_);
    }
    if (auto completer = completer_.lock())
        completer->forgetTask(path_);
    if (observer)
        observer();
    return true;
}

void Task::Impl::expire(Task& self, const ExpirationReason& reason)
{
    ExpirationHandler handler;
    {
        std::lock_guard lock(mutex_);
        if (completed_ || expired_)
            return;
        expired_ = true;
        std::swap(handler, expirationHandler_);  // called at most once
    }
    if (!handler) {
        self.setTaskCompleted(false);
        return;
    }
    try {
        handler(reason);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "libbgtask: Expiration handler of %s failed: %s; completing it as failed\n",
                     identifier_.c_str(), e.what());
        self.setTaskCompleted(false);
    }
}

} // namespace bgtask

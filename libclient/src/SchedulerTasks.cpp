// SPDX-License-Identifier: LGPL-2.1-or-later
// SchedulerCore: tasks — launches and expirations from bgtaskd, completion, and progress and titles
// on their way to bgtaskd.
#include "SchedulerCore.h"

#include "CallbackScope.h"
#include "ErrorTranslation.h"
#include "ProposedMembers.h"

#include <bgtask-api/Names.h>

#include <chrono>
#include <cstdio>
#include <exception>

namespace bgtask::detail {
namespace {

using Code = SchedulerError::Code;

// Progress must never make the flusher wait for long: a slow bgtaskd only delays the next update.
constexpr std::chrono::seconds kProgressCallTimeout{5};
// How long completing a task may wait for a progress send of the flusher's that is under way.
constexpr std::chrono::milliseconds kNoWait{0};
constexpr std::chrono::milliseconds kFlusherWait{100};

void warn(const char* what, const std::string& subject, const char* reason)
{
    std::fprintf(stderr, "libbgtask: Failed to %s %s: %s\n", what, subject.c_str(), reason);
}

} // namespace

std::function<void()> SchedulerCore::onLaunch(LaunchCall call)
{
    const auto kind = taskKindFromString(call.kind);
    if (!kind)
        throw SchedulerError(Code::InvalidArgument, "unknown-kind", "this app does not know the kind " + call.kind);
    const bool continued = *kind == TaskKind::ContinuedProcessing;
    std::shared_ptr<const Registration> registration;
    TitleValue title;
    {
        std::lock_guard lock(mutex_);
        if (auto it = handlers_.find(call.identifier); it != handlers_.end())
            registration = it->second;
        if (auto it = submittedTitles_.find(call.identifier); continued && it != submittedTitles_.end()) {
            title = std::move(it->second);
            submittedTitles_.erase(it);
        }
    }
    if (!registration)
        throw SchedulerError(Code::NotFound, "no-handler", "no launch handler is registered for " + call.identifier);
    if (registration->continuedHandler && !continued)
        throw SchedulerError(Code::InvalidArgument, "kind-mismatch",
                             call.identifier + " is registered for continued processing, not " + call.kind);
    // bgtaskd's own record of the title wins over what this process remembers submitting.
    if (call.title)
        title = TitleValue{*call.title, call.subtitle.value_or(std::string())};

    std::shared_ptr<ProgressChannel> channel;
    std::shared_ptr<sdbus::IProxy> proxy;
    if (continued) {
        proxy = translatingErrors([&] { return sdbus::createProxy(*connection_, api::kBusName, call.task); });
        channel = flusher_->open(call.task, std::move(title));
    }
    auto impl = std::make_unique<Task::Impl>(weak_from_this(), call.task, call.identifier, *kind, call.deadline,
                                             call.simulated, channel, std::move(call.checkpoint));
    auto* implPtr = impl.get();
    std::shared_ptr<Task> task;
    if (continued)
        task = std::make_shared<ContinuedProcessingTask>(std::move(impl));
    else
        task = std::make_shared<Task>(std::move(impl));
    {
        std::lock_guard lock(mutex_);
        running_[call.task] = RunningTask{task, implPtr};
        if (proxy)
            taskProxies_[call.task] = std::move(proxy);
    }
    return [registration = std::move(registration), task = std::move(task)] {
        try {
            if (registration->continuedHandler)
                registration->continuedHandler(std::static_pointer_cast<ContinuedProcessingTask>(task));
            else
                registration->handler(task);
        } catch (const std::exception& e) {
            warn("run the launch handler of", task->identifier(), e.what());
            task->setTaskCompleted(false);
        } catch (...) {
            warn("run the launch handler of", task->identifier(), "it threw");
            task->setTaskCompleted(false);
        }
    };
}

std::function<void()> SchedulerCore::onExpire(const std::string& path, std::string reason)
{
    RunningTask running;
    {
        std::lock_guard lock(mutex_);
        auto it = running_.find(path);
        if (it == running_.end())
            throw SchedulerError(Code::NotFound, "no-such-task", "this app runs no task " + path);
        running = it->second;
    }
    // Decided before the reply: bgtaskd ends a task without a handler as failed itself.
    if (running.impl->endWithoutHandler())
        throw SchedulerError(Code::NotFound, "no-expiration-handler",
                             running.task->identifier() + " has no expiration handler; it ends as failed (" +
                                 reason + ")");
    return [running = std::move(running), reason = std::move(reason)] {
        running.impl->expire(*running.task, ExpirationReason::fromString(reason));
    };
}

void SchedulerCore::forgetTask(const std::string& path) noexcept
{
    RunningTask forgotten;  // released after the lock
    std::shared_ptr<sdbus::IProxy> proxy;
    {
        std::lock_guard lock(mutex_);
        if (auto it = running_.find(path); it != running_.end()) {
            forgotten = std::move(it->second);
            running_.erase(it);
        }
        if (auto it = taskProxies_.find(path); it != taskProxies_.end()) {
            proxy = std::move(it->second);
            taskProxies_.erase(it);
        }
    }
    if (forgotten.impl != nullptr && forgotten.impl->channel() != nullptr)
        flusher_->close(*forgotten.impl->channel(), kNoWait);
}

void SchedulerCore::completeTask(const std::string& path, bool success) noexcept
{
    RunningTask forgotten;  // released after the lock
    {
        std::lock_guard lock(mutex_);
        if (auto it = running_.find(path); it != running_.end()) {
            forgotten = std::move(it->second);
            running_.erase(it);
        }
    }
    // The last progress first: bgtaskd should record where the work ended. close() only queues it,
    // and must not wait for the flusher on a thread that runs the bus (see ProgressFlusher::close).
    if (forgotten.impl != nullptr && forgotten.impl->channel() != nullptr)
        flusher_->close(*forgotten.impl->channel(), isLoopThread() ? kNoWait : kFlusherWait);
    std::shared_ptr<sdbus::IProxy> proxy;  // its pending replies are of no interest any more
    {
        std::lock_guard lock(mutex_);
        if (auto it = taskProxies_.find(path); it != taskProxies_.end()) {
            proxy = std::move(it->second);
            taskProxies_.erase(it);
        }
    }
    try {
        call([&] {
            TaskProxy task(*connection_, path);
            task.SetTaskCompleted(success);
        });
    } catch (const SchedulerError& error) {
        // NotFound: bgtaskd already ended the task (after expiry, for instance); nothing to do.
        if (error.code() != Code::NotFound)
            warn("complete task", path, error.what());
    } catch (const std::exception& e) {
        warn("complete task", path, e.what());
    }
}

void SchedulerCore::saveCheckpoint(const std::string& path, std::span<const std::uint8_t> data)
{
    call([&] {
        TaskProxy task(*connection_, path);
        task.SaveCheckpoint(std::vector<std::uint8_t>(data.begin(), data.end()));
    });
}

std::shared_ptr<sdbus::IProxy> SchedulerCore::taskProxy(const std::string& path)
{
    std::lock_guard lock(mutex_);
    auto it = taskProxies_.find(path);
    return it == taskProxies_.end() ? nullptr : it->second;
}

void SchedulerCore::reportOutcome(const char* what, const std::string& path, const sdbus::Error* error,
                                  const Report& report) noexcept
{
    if (error == nullptr) {
        report(Outcome::Sent);
        return;
    }
    if (meansUnknownMember(*error)) {
        report(Outcome::Unsupported);  // an older bgtaskd: this stays local from now on
        return;
    }
    const auto translated = translateError(*error);
    // NotFound or UnknownObject: the task has ended meanwhile; nothing to say.
    if (translated.code() != Code::NotFound && translated.subReason() != "protocol-mismatch")
        warn(what, path, translated.what());
    report(Outcome::Failed);
}

void SchedulerCore::sendProgress(const std::string& path, const ProgressValue& value, Report report) noexcept
{
    auto proxy = taskProxy(path);
    if (!proxy) {
        report(Outcome::Failed);
        return;
    }
    try {
        proxy->callMethodAsync(proposed::kUpdateProgress)
            .onInterface(api::kTaskInterface)
            .withTimeout(kProgressCallTimeout)
            .withArguments(value.completed, value.total)
            .uponReplyInvoke([this, path, report](const sdbus::Error* error) {
                CallbackScope scope;
                reportOutcome("send the progress of", path, error, report);
            });
    } catch (const sdbus::Error& e) {
        reportOutcome("send the progress of", path, &e, report);
    }
    wake();
}

void SchedulerCore::sendTitle(const std::string& path, const TitleValue& value, Report report) noexcept
{
    auto proxy = taskProxy(path);
    if (!proxy) {
        report(Outcome::Failed);
        return;
    }
    try {
        proxy->callMethodAsync(proposed::kUpdateTitle)
            .onInterface(api::kTaskInterface)
            .withTimeout(kProgressCallTimeout)
            .withArguments(value.title, value.subtitle)
            .uponReplyInvoke([this, path, report](const sdbus::Error* error) {
                CallbackScope scope;
                reportOutcome("send the title of", path, error, report);
            });
    } catch (const sdbus::Error& e) {
        reportOutcome("send the title of", path, &e, report);
    }
    wake();
}

} // namespace bgtask::detail

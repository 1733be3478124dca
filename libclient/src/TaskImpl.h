// SPDX-License-Identifier: LGPL-2.1-or-later
// Task's state behind the pimpl: what the launch said, the expiration handler, whether the task is
// done and, for continued processing, its progress channel. Borrows the completer (the scheduler
// core) weakly, so a task that outlives the scheduler completes into nothing instead of into freed
// memory.
#pragma once

#include "ProgressChannel.h"

#include <bgtask/Task.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bgtask::detail {

class TaskCompleter {
public:
    // Sends what the task's progress channel still holds, then Task1.SetTaskCompleted for the task
    // at path, and forgets the task. Never throws.
    virtual void completeTask(const std::string& path, bool success) noexcept = 0;
    // Forgets the task at path without telling bgtaskd, which has ended it already. Never throws.
    virtual void forgetTask(const std::string& path) noexcept = 0;
    // Task1.SaveCheckpoint for the task at path; returns once bgtaskd has stored it. Throws
    // SchedulerError.
    virtual void saveCheckpoint(const std::string& path, std::span<const std::uint8_t> data) = 0;

protected:
    ~TaskCompleter() = default;
};

} // namespace bgtask::detail

namespace bgtask {

// Hidden: nested in an exported class, it would otherwise be exported too.
class __attribute__((visibility("hidden"))) Task::Impl {
public:
    Impl(std::weak_ptr<detail::TaskCompleter> completer, std::string path, std::string identifier, TaskKind kind,
         std::optional<TimePoint> deadline, bool simulated,
         std::shared_ptr<detail::ProgressChannel> channel = nullptr, std::vector<std::uint8_t> checkpoint = {})
        : completer_(std::move(completer))
        , path_(std::move(path))
        , identifier_(std::move(identifier))
        , kind_(kind)
        , deadline_(deadline)
        , simulated_(simulated)
        , channel_(std::move(channel))
        , checkpoint_(std::move(checkpoint))
    {
    }

    const std::string& path() const noexcept { return path_; }
    // Continued processing only; null otherwise.
    detail::ProgressChannel* channel() const noexcept { return channel_.get(); }

    // Runs the expiration handler, or completes unsuccessfully when there is none. `self` is the
    // Task that owns this Impl; the caller keeps it alive for the call.
    void expire(Task& self, const ExpirationReason& reason);
    // Apple's rule for a task without an expiration handler at expiry: it is completed
    // unsuccessfully. bgtaskd does that itself when Expire is answered with
    // "no-expiration-handler", so the task is only marked completed here. False (and nothing
    // changes) when a handler is set or the task has ended.
    bool endWithoutHandler();

    // Called once, after the task is completed, whoever completed it (the C API releases its
    // handle here). Set before the task reaches the app.
    void setCompletionObserver(std::function<void()> observer)
    {
        std::lock_guard lock(mutex_);
        completionObserver_ = std::move(observer);
    }

private:
    friend class bgtask::Task;

    std::weak_ptr<detail::TaskCompleter> completer_;
    const std::string path_;
    const std::string identifier_;
    const TaskKind kind_;
    const std::optional<TimePoint> deadline_;
    const bool simulated_;
    const std::shared_ptr<detail::ProgressChannel> channel_;
    std::function<void()> completionObserver_;

    mutable std::mutex mutex_;
    ExpirationHandler expirationHandler_;
    bool completed_ = false;
    bool expired_ = false;  // Expire was handled; a second one changes nothing
    std::vector<std::uint8_t> checkpoint_;
};

} // namespace bgtask

namespace bgtask::detail {

// The library's way to a task's state (the C API and the tests use it).
class TaskAccess {
public:
    static Task::Impl& impl(Task& task) noexcept { return *task.impl_; }
};

} // namespace bgtask::detail

// SPDX-License-Identifier: LGPL-2.1-or-later
// Task's state behind the pimpl: what the launch said, the expiration handler and whether the
// task is done. Borrows the completer (the scheduler core) weakly, so a task that outlives the
// scheduler completes into nothing instead of into freed memory.
#pragma once

#include <bgtask/Task.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace bgtask::detail {

class TaskCompleter {
public:
    // Sends Task1.SetTaskCompleted for the task at path and forgets the task. Never throws.
    virtual void completeTask(const std::string& path, bool success) noexcept = 0;

protected:
    ~TaskCompleter() = default;
};

} // namespace bgtask::detail

namespace bgtask {

// Hidden: nested in an exported class, it would otherwise be exported too.
class __attribute__((visibility("hidden"))) Task::Impl {
public:
    Impl(std::weak_ptr<detail::TaskCompleter> completer, std::string path, std::string identifier, TaskKind kind,
         std::optional<TimePoint> deadline, bool simulated)
        : completer_(std::move(completer))
        , path_(std::move(path))
        , identifier_(std::move(identifier))
        , kind_(kind)
        , deadline_(deadline)
        , simulated_(simulated)
    {
    }

    const std::string& path() const noexcept { return path_; }

    // Runs the expiration handler, or completes unsuccessfully when there is none. `self` is the
    // Task that owns this Impl.
    void expire(Task& self, const ExpirationReason& reason);

private:
    friend class bgtask::Task;

    std::weak_ptr<detail::TaskCompleter> completer_;
    const std::string path_;
    const std::string identifier_;
    const TaskKind kind_;
    const std::optional<TimePoint> deadline_;
    const bool simulated_;

    mutable std::mutex mutex_;
    ExpirationHandler expirationHandler_;
    bool completed_ = false;
    bool expired_ = false;  // Expire was handled; a second one changes nothing
};

} // namespace bgtask

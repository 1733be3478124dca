// SPDX-License-Identifier: LGPL-2.1-or-later
// A running background task, after Apple's BGTask. The library creates one per launch and hands
// it to the app's launch handler as std::shared_ptr<Task>; the library keeps its own reference
// until the task is completed, so the app may drop or keep its pointer as it likes.
#pragma once

#include <bgtask/Export.h>
#include <bgtask/TaskKind.h>
#include <bgtask/TaskRequest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace bgtask {

// Why the scheduler wants a task to stop (Apple gives no reason; bgtaskd always does).
struct BGTASK_EXPORT ExpirationReason {
    enum class Code {
        TimeLimit,          // "time-limit": the kind's time budget is used up
        ExternalPowerLost,  // "external-power-lost"
        NetworkLost,        // "network-lost"
        SessionLocked,      // "session-locked": protected data became inaccessible
        UserActive,         // "user-active": the user came back (processing tasks)
        UserCancelled,      // "user-cancelled": cancelled from the desktop or bgtaskctl
        Stalled,            // "stalled": no progress
        Simulated,          // "simulated": bgtaskctl expire
        AppCancelled,       // "app-cancelled": the app cancelled its own request
        DaemonShutdown,     // "daemon-shutdown"
        Other,              // a reason newer than this library; see name
    };

    Code code = Code::Other;
    std::string name;  // the reason as the scheduler sent it, e.g. "time-limit"

    static ExpirationReason fromString(std::string name);
};

class BGTASK_EXPORT Task {
public:
    using ExpirationHandler = std::function<void(const ExpirationReason&)>;

    class Impl;
    // Library-internal: apps receive tasks from their launch handler.
    explicit Task(std::unique_ptr<Impl> impl);
    ~Task();
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    const std::string& identifier() const noexcept;
    TaskKind kind() const noexcept;
    // When the scheduler expires the task with "time-limit"; unset when the kind has no limit.
    std::optional<TimePoint> deadline() const noexcept;
    // True when the launch was simulated ("bgtaskctl run").
    bool isSimulated() const noexcept;

    // Called (on the library's bus thread) when the scheduler wants the task to stop: cancel the
    // work, then call setTaskCompleted(false) soon. Called at most once; the library drops the
    // handler after calling it and after completion, so capturing the task in it does not leak.
    // A task that expires without a handler is completed unsuccessfully by the library (Apple's rule).
    void setExpirationHandler(ExpirationHandler handler);

    // Tells the scheduler the work is done. Callable from any thread; only the first call counts,
    // later ones do nothing. Never throws: a task the scheduler already ended is simply gone.
    void setTaskCompleted(bool success);
    bool isCompleted() const noexcept;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace bgtask

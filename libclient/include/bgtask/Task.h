// SPDX-License-Identifier: LGPL-2.1-or-later
// A running background task, after Apple's BGTask, and its continued-processing variant with
// progress, after BGContinuedProcessingTask. The library creates one per launch and hands it to the
// app's launch handler as std::shared_ptr; it keeps its own reference until the task is completed,
// so the app may drop or keep its pointer as it likes.
#pragma once

#include <bgtask/Export.h>
#include <bgtask/TaskKind.h>
#include <bgtask/TaskRequest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask {

namespace detail {
class ProgressChannel;
class TaskAccess;
}

// Why the scheduler wants a task to stop (Apple gives no reason; bgtaskd always does).
struct BGTASK_EXPORT ExpirationReason {
    enum class Code {
        TimeLimit,          // "time-limit": the kind's time budget is used up
        ExternalPowerLost,  // "external-power-lost"
        NetworkLost,        // "network-lost"
        SessionLocked,      // "session-locked": protected data became inaccessible
        UserActive,         // "user-active": the user came back (processing tasks)
        UserCancelled,      // "user-cancelled": cancelled from the desktop or bgtaskctl
        Stalled,            // "stalled": a continued-processing task made no progress
        Simulated,          // "simulated": bgtaskctl expire
        AppCancelled,       // "app-cancelled": the app cancelled its own request
        DaemonShutdown,     // "daemon-shutdown"
        Other,              // a reason newer than this library; see name
    };

    // The reason's code; Other for a reason this library does not know.
    Code code = Code::Other;
    // The reason as the scheduler sent it, e.g. "time-limit". Log this one: it is always exact.
    std::string name;

    // The reason for a name on the bus; unknown names give Code::Other and keep the name.
    static ExpirationReason fromString(std::string name);
};

// "time-limit" and so on; "other" for ExpirationReason::Code::Other.
BGTASK_EXPORT std::string_view toString(ExpirationReason::Code code) noexcept;

class BGTASK_EXPORT Task {
public:
    // Called with the reason when the scheduler wants the task to stop.
    using ExpirationHandler = std::function<void(const ExpirationReason&)>;

    // Library-internal: apps receive tasks from their launch handler.
    class Impl;
    explicit Task(std::unique_ptr<Impl> impl);
    virtual ~Task();
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    // The identifier the request was submitted with (BGTask.identifier).
    const std::string& identifier() const noexcept;
    // Which kind of work this is; a ContinuedProcessing task is a ContinuedProcessingTask.
    TaskKind kind() const noexcept;
    // When the scheduler expires the task with "time-limit"; unset when the kind has no limit.
    std::optional<TimePoint> deadline() const noexcept;
    // True when the launch was simulated ("bgtaskctl run").
    bool isSimulated() const noexcept;

    // Checkpoints: where the work got to, so that a later attempt resumes instead of starting over.
    //
    // The checkpoint of this identifier: what an earlier run saved and no successful run has
    // cleared since (handed over at launch), or what this run saved last. Empty when there is none.
    std::vector<std::uint8_t> checkpoint() const;
    // Saves a checkpoint for the next run of this identifier, should this one end without success
    // (expiration, crash, termination, a kill -9 of the app or of bgtaskd); a successful
    // completion clears it. Opaque bytes, at most kMaxCheckpointSize; empty data removes it.
    // Returns once bgtaskd has stored it durably (a synchronous call: not for every item of a
    // loop). Callable from any thread, for any kind of task. Throws SchedulerError:
    // InvalidArgument "checkpoint-too-large"; NotFound once the task has ended; Internal
    // "protocol-mismatch" from a bgtaskd without checkpoints; NoScheduler without a scheduler.
    void saveCheckpoint(std::span<const std::uint8_t> data);
    static constexpr std::size_t kMaxCheckpointSize = 64 * 1024;

    // Called (on the thread that runs the library's bus connection, like the launch handler) when the
    // scheduler wants the task to stop: cancel the work, then call setTaskCompleted(false) soon.
    // Called at most once; the library drops the handler after calling it and after completion, so
    // capturing the task in it does not leak. A task that expires without a handler is completed
    // unsuccessfully by the library (Apple's rule). Setting a handler replaces the previous one.
    void setExpirationHandler(ExpirationHandler handler);

    // Tells the scheduler the work is done (BGTask.setTaskCompleted(success:)). Callable from any
    // thread; only the first call counts, later ones do nothing. Never throws: a task the scheduler
    // already ended is simply gone. To retry a failed task, submit a new request before this call.
    void setTaskCompleted(bool success);
    // Whether setTaskCompleted() was called (by the app, or by the library after an expiration
    // without handler).
    bool isCompleted() const noexcept;

protected:
    Impl& impl() const noexcept { return *impl_; }

private:
    friend class detail::TaskAccess;
    std::unique_ptr<Impl> impl_;
};

// The progress of a continued-processing task, after the Progress object of
// BGContinuedProcessingTask: a total and a completed unit count. Apple requires continued tasks to
// report progress, and bgtaskd may expire a task that stops making any with reason "stalled".
//
// Updating is cheap and may happen as often as the work likes, from any thread: values are kept
// locally and coalesced, and at most one update per task reaches the bus every 250 ms (the last
// value always arrives, and setTaskCompleted() sends what is pending first). Negative counts are
// stored as 0. When the scheduler does not support progress yet, the values stay local.
class BGTASK_EXPORT Progress {
public:
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // The amount of work, in units the app chooses (files, bytes, frames); 0 until set.
    std::int64_t totalUnitCount() const noexcept;
    void setTotalUnitCount(std::int64_t count) noexcept;
    // How many units are done; 0 until set.
    std::int64_t completedUnitCount() const noexcept;
    void setCompletedUnitCount(std::int64_t count) noexcept;
    // Both counts at once, so that no intermediate pair is ever reported.
    void setUnitCounts(std::int64_t completed, std::int64_t total) noexcept;
    // completed / total in [0, 1]; 0 while the total is 0.
    double fractionCompleted() const noexcept;
    // True when total > 0 and completed >= total.
    bool isFinished() const noexcept;

private:
    friend class ContinuedProcessingTask;
    explicit Progress(detail::ProgressChannel& channel) noexcept;

    detail::ProgressChannel& channel_;
};

// BGContinuedProcessingTask: work the user started in the running app, which continues while the
// app is in the background, shows its title and progress on the desktop and can be cancelled by the
// user (the expiration handler then gets "user-cancelled"). Delivered to handlers registered with
// Scheduler::registerContinuedProcessingTask(), and as a Task (std::dynamic_pointer_cast to this
// type) to handlers registered with registerTask().
class BGTASK_EXPORT ContinuedProcessingTask final : public Task {
public:
    // Library-internal: apps receive tasks from their launch handler.
    explicit ContinuedProcessingTask(std::unique_ptr<Impl> impl);
    ~ContinuedProcessingTask() override;

    // Report the work's progress here; see Progress.
    Progress& progress() noexcept { return progress_; }
    const Progress& progress() const noexcept { return progress_; }

    // What the desktop shows; starts as the request's title and subtitle.
    std::string title() const;
    std::string subtitle() const;
    // Changes both strings (there is no way to change just one, as in Apple's API). Coalesced like
    // progress; callable from any thread; ignored after completion.
    void updateTitle(std::string title, std::string subtitle);

private:
    Progress progress_;
};

} // namespace bgtask

// SPDX-License-Identifier: LGPL-2.1-or-later
// A run: one launch of a request, from the moment its request is consumed until it ends.
// RunningTask is the live view the planner reasons about; RunRecord is a line of history.
#pragma once

#include "RunUsage.h"
#include "TaskRequest.h"
#include "Time.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::core {

enum class RunState {
    Launching,   // activation and registration under way; Launch not yet acknowledged
    Running,     // the app acknowledged Launch
    Expiring,    // Expire sent; waiting for SetTaskCompleted until the grace period ends
};

enum class Outcome {
    Completed,     // SetTaskCompleted(true)
    Failed,        // SetTaskCompleted(false) before any expiration
    Expired,       // SetTaskCompleted after Expire (reason: the expiration's)
    Terminated,    // grace period passed without SetTaskCompleted
    LaunchFailed,  // no service, never registered, Launch refused or timed out
    AppExited,     // the app's connection went away while the task ran
    Interrupted,   // the daemon stopped or died while the task ran
    Cancelled,     // continued processing whose process went away (Apple: app quit by the user)
    Dropped,       // a pending request bgtaskd removed without running it (reason
                   // "manifest-removed"); its record starts and ends at the removal
};

std::string_view toString(RunState s);   // "launching" | "running" | "expiring"
std::string_view toString(Outcome o);    // "completed" | "failed" | "expired" | "terminated" |
                                         // "launch-failed" | "app-exited" | "interrupted" |
                                         // "cancelled" | "dropped"
std::optional<Outcome> parseOutcome(std::string_view s);

struct RunningTask {
    std::int64_t runId = 0;
    TaskRequest request;                     // the consumed request, kept for recovery
    RunState state = RunState::Launching;
    TimePoint startedAt{};
    TimePoint launchWindowEnd{};             // Launching must become Running before this
    std::optional<TimePoint> deadline;       // time limit; nullopt: none
    std::optional<TimePoint> stallDeadline;  // continued processing while Running: the last
                                             // progress (or the start) plus the stall timeout
    std::optional<TimePoint> graceEnd;       // set when Expiring
    std::string expireReason;                // set when Expiring
    bool simulated = false;                  // started by Manager1.RunNow
    // The checkpoint an earlier run of the identifier saved, handed to this run's Launch;
    // empty when there is none.
    std::vector<std::uint8_t> checkpoint;
};

// Task1.SaveCheckpoint's bound: a checkpoint is a small resume marker, not a data store.
inline constexpr std::size_t kMaxCheckpointSize = 64 * 1024;

// The most a run's reason may hold (RunRecord::reason, the Reason of GetHistory and TaskChanged):
// it often quotes an app's own error text, which is cut to this many bytes with
// kTruncationMarker (Utf8.h) at its end before it is stored or logged.
inline constexpr std::size_t kMaxReasonBytes = 1024;

struct RunRecord {
    std::int64_t runId = 0;
    std::string app;
    std::string identifier;
    TaskKind kind = TaskKind::AppRefresh;
    TimePoint startedAt{};
    std::optional<TimePoint> endedAt;        // nullopt while running
    std::optional<Outcome> outcome;          // nullopt while running
    std::string reason;
    bool simulated = false;
    RunUsage usage;                          // what the run used, where it was measured
    // The run id of the first run of the network coalescing group it launched in; nullopt
    // when it launched on its own.
    std::optional<std::int64_t> coalesceGroup;
    // The size of the checkpoint the run saved last (Task1.SaveCheckpoint; 0 when it removed
    // it); nullopt when it saved none.
    std::optional<std::int64_t> checkpointBytes;

    bool operator==(const RunRecord&) const = default;
};

} // namespace bgtask::core

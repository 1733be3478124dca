// SPDX-License-Identifier: LGPL-2.1-or-later
// The scheduling decision as a pure function of (pending requests, running tasks, system state,
// gating policy, now): which requests to launch, which runs to time out, expire or terminate,
// and when to look again. Every waiting request gets its reasons, which Manager1 and bgtaskctl
// show. The overloads without a state assume one in which every condition is met.
#pragma once

#include "Conditions.h"
#include "Limits.h"
#include "Run.h"
#include "TaskRequest.h"
#include "Time.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace bgtask::core {

struct Readiness {
    bool due = false;
    std::string reason;                  // empty when due, else unmet.front().reason
    std::optional<TimePoint> dueAt;      // when it becomes due if nothing else changes: set only
                                         // when the earliest begin date is the one blocker
    // Every blocker, in order: previous-run-active, earliest-begin-date, then the conditions
    // in the order of unmetConditions(). Empty when due.
    std::vector<Unmet> unmet;
};

// Whether one pending request may launch now. A request waits while a run of the same app and
// identifier is still active ("previous-run-active"), until its earliest begin date
// ("earliest-begin-date") and while the state leaves a condition unmet (unmetConditions()).
Readiness evaluate(const TaskRequest& request, std::span<const RunningTask> running,
                   const SystemState& state, const GatingPolicy& policy, TimePoint now);
// The same in favourableSystemState() with the default policy: dates and active runs only.
Readiness evaluate(const TaskRequest& request, std::span<const RunningTask> running, TimePoint now);

struct Plan {
    std::vector<std::int64_t> launch;          // request ids, oldest submission first
    std::vector<std::int64_t> launchTimedOut;  // run ids still Launching past launchWindowEnd
    std::vector<std::int64_t> expire;          // run ids Running past their deadline ("time-limit")
    std::vector<std::int64_t> terminate;       // run ids Expiring past graceEnd
    std::optional<TimePoint> nextWakeup;       // earliest future moment any of the above changes
    // (run id, reason) for runs Running within their deadline whose condition was lost
    // (lostCondition(), e.g. "user-active"); a run past its deadline is in `expire` instead.
    std::vector<std::pair<std::int64_t, std::string>> expireFor;
};

Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running,
          const SystemState& state, const GatingPolicy& policy, TimePoint now);
// The same in favourableSystemState() with the default policy: expireFor stays empty.
Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running, TimePoint now);

} // namespace bgtask::core

// SPDX-License-Identifier: LGPL-2.1-or-later
// The scheduling decision as a pure function of (pending requests, running tasks, limits, now):
// which requests to launch, which runs to time out, expire or terminate, and when to look again.
// Every waiting request gets a reason that Manager1 and bgtaskctl show.
#pragma once

#include "Limits.h"
#include "Run.h"
#include "TaskRequest.h"
#include "Time.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bgtask::core {

struct Readiness {
    bool due = false;
    std::string reason;                  // empty when due, e.g. "earliest-begin-date: 2026-…"
    std::optional<TimePoint> dueAt;      // when it becomes due if nothing else changes
};

// Whether one pending request may launch now. A request waits while a run of the same app and
// identifier is still active ("previous-run-active").
Readiness evaluate(const TaskRequest& request, std::span<const RunningTask> running, TimePoint now);

struct Plan {
    std::vector<std::int64_t> launch;          // request ids, oldest submission first
    std::vector<std::int64_t> launchTimedOut;  // run ids still Launching past launchWindowEnd
    std::vector<std::int64_t> expire;          // run ids Running past their deadline ("time-limit")
    std::vector<std::int64_t> terminate;       // run ids Expiring past graceEnd
    std::optional<TimePoint> nextWakeup;       // earliest future moment any of the above changes
};

Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running, TimePoint now);

} // namespace bgtask::core

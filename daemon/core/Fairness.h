// SPDX-License-Identifier: LGPL-2.1-or-later
// Fairness between apps and the budgets that bound each one: how many background tasks run at
// once, how launches rotate between apps, how far apart one app's refresh launches are, how
// much background time an app may use per day, and what ending by termination costs. Pure: the
// service keeps the usage up to date and passes it in.
#pragma once

#include "Time.h"

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

namespace bgtask::core {

struct FairnessLimits {
    // Runs of the scheduled kinds (app-refresh, processing, health-research) active at once,
    // whatever their state, simulated ones included; the planner launches no more.
    std::size_t maxConcurrentTasks = 4;
    // Continued-processing runs active at once, system-wide; further ones wait in FIFO order
    // (strategy queue) or are refused (strategy fail).
    std::size_t maxConcurrentContinued = 2;
    // Minimum time between two launches of one app's app-refresh tasks.
    Duration refreshSpacing = std::chrono::minutes(15);
    // Background time per app per budget day for the scheduled kinds (continued processing is
    // the user's own and is not charged). Zero: no budget.
    Duration dailyBudget = std::chrono::minutes(60);
    // Charged to the app's budget for every run that ended by termination.
    Duration terminationPenalty = std::chrono::minutes(5);

    bool operator==(const FairnessLimits&) const = default;
    // No cap, no spacing, no budget, no penalty: what the planner overloads without a
    // Scheduling argument use.
    static FairnessLimits unlimited();
};

// One app's use of background time in the current budget day.
struct AppUsage {
    Duration runTime{};                      // finished, non-simulated runs of scheduled kinds
    std::size_t terminations = 0;            // of those, ended by termination
    std::optional<TimePoint> lastLaunch;     // newest launch of a scheduled kind (any day)
    std::optional<TimePoint> lastRefreshLaunch;  // newest app-refresh launch (any day)

    // runTime plus terminations × penalty.
    Duration charged(const FairnessLimits& limits) const;
    bool operator==(const AppUsage&) const = default;
};

// Everything beyond the system conditions that decides whether a request may launch.
struct Scheduling {
    FairnessLimits limits = FairnessLimits::unlimited();
    std::map<std::string, AppUsage, std::less<>> usage;   // by app id; absent: no use yet
    TimePoint budgetResetsAt{};                           // end of the current budget day
};

// Stable blocker ids shown by explain.
inline constexpr const char* kBlockerConcurrencyLimit = "concurrency-limit";
inline constexpr const char* kBlockerContinuedQueue = "continued-queue";
inline constexpr const char* kBlockerRefreshSpacing = "refresh-spacing";
inline constexpr const char* kBlockerDailyBudget = "daily-budget";

} // namespace bgtask::core

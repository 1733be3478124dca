// SPDX-License-Identifier: LGPL-2.1-or-later
// Fairness between apps and the budgets that bound each one: how many background tasks run at
// once, how launches rotate between apps, how far apart one app's refresh launches are, how
// much background time an app may use per day, and what ending by termination costs. Pure: the
// service keeps the usage up to date and passes it in.
#pragma once

#include "CatchUp.h"
#include "Run.h"
#include "UsagePattern.h"
#include "TaskRequest.h"
#include "Time.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
    // The catch-up governor (CatchUp.h): launches per sliding window while catching up.
    CatchUpLimits catchUp{4, std::chrono::seconds(60)};
    // Network requests due within this much of one launching launch with it
    // (NetworkCoalescing.h); zero: no coalescing.
    Duration networkCoalesceWindow = std::chrono::minutes(10);
    // Refresh timed to usage (UsagePattern.h).
    UsageLimits usage;

    bool operator==(const FairnessLimits&) const = default;
    // No cap, no spacing, no budget, no penalty, no catch-up governor: what the planner overloads without a
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
    CatchUpState catchUp;                                 // the current catch-up, if any
    std::map<std::string, UsagePattern, std::less<>> patterns;   // learned opens, by app id
    Duration utcOffset{};                                 // local time minus UTC, for patterns
};

// Stable blocker ids shown by explain.
inline constexpr const char* kBlockerConcurrencyLimit = "concurrency-limit";
inline constexpr const char* kBlockerContinuedQueue = "continued-queue";
inline constexpr const char* kBlockerRefreshSpacing = "refresh-spacing";
inline constexpr const char* kBlockerDailyBudget = "daily-budget";

// The app's use so far, or nullptr when it has none.
const AppUsage* usageOf(const Scheduling& scheduling, std::string_view app);

// When refresh spacing lets this app-refresh request launch, if that is later than now;
// nullopt for the other kinds, without spacing, or when it may launch now.
std::optional<TimePoint> refreshSpacingEnd(const TaskRequest& request, const Scheduling& scheduling,
                                           TimePoint now);

// Whether the request is of a scheduled kind and its app has used up its daily budget.
bool dailyBudgetSpent(const TaskRequest& request, const Scheduling& scheduling);

// Which of the due requests of the scheduled kinds take the `slots` free slots, in launch
// order: round robin between apps (never launched first, then the oldest last launch, ties
// by the app's oldest due request), one request per app per round, each app's oldest first.
// An app launches at most one app-refresh when there is refresh spacing, and never two
// requests of one identifier.
std::vector<const TaskRequest*> takeSlotsInTurn(std::span<const TaskRequest* const> due,
                                                const Scheduling& scheduling, std::size_t slots);

// The bookkeeping of a launch (UsageLedger's and the simulator's): the app's last launch and
// last refresh launch, and the catch-up's launches inside its window. Simulated runs and
// continued processing leave no trace.
void recordLaunch(Scheduling& scheduling, const TaskRequest& request, TimePoint at, bool simulated = false);

// Whether a run that ended with this outcome is charged to its app's budget: scheduled kinds,
// not simulated, and neither a launch that never got going nor one the daemon itself cut short.
bool chargedToBudget(const RunningTask& run, Outcome outcome);
// Charges an ended run to its app's budget (budgetCharge()) and counts a termination. The
// caller checks that the run started in the current budget day.
void chargeRun(Scheduling& scheduling, const RunningTask& run, Outcome outcome, TimePoint endedAt,
               std::optional<std::int64_t> cpuNsec);

} // namespace bgtask::core

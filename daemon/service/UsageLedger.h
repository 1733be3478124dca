// SPDX-License-Identifier: LGPL-2.1-or-later
// Each app's use of background time in the current budget day, kept current as runs start and
// end, and the fairness limits it is measured against: the core::Scheduling the planner reads.
// Borrows the store, from which it loads the day's use at start.
#pragma once

#include "core/Fairness.h"
#include "core/Run.h"
#include "core/RunUsage.h"
#include "store/Store.h"

#include <chrono>
#include <string>

namespace bgtask::service {

class UsageLedger {
public:
    // resetTime: the local time of day at which a budget day begins.
    UsageLedger(store::Store& store, core::FairnessLimits limits, std::chrono::minutes resetTime);

    // Loads the current day's use from the history (every outcome must be committed).
    void load(core::TimePoint now);
    // Starts a new budget day once now has reached its end: run time and terminations go back
    // to zero, last launches stay. True when it did.
    bool rollOver(core::TimePoint now);

    void launched(const core::TaskRequest& request, bool simulated, core::TimePoint now);
    // cpuNsec: the CPU time the run used where its target measured it (core::budgetCharge).
    void ended(const core::RunningTask& run, core::Outcome outcome, core::TimePoint endedAt,
               std::optional<std::int64_t> cpuNsec = std::nullopt);

    // The catch-up governor (core/CatchUp.h): a catch-up begins (again) at now for the cause
    // explain names; launched() records its launches; ends when the service says so.
    void beginCatchUp(core::TimePoint now, std::string cause);
    void endCatchUp() { scheduling_.catchUp = {}; }
    const core::CatchUpState& catchUp() const { return scheduling_.catchUp; }

    // Refresh timed to usage (core/UsagePattern.h): the app was opened by the user at `at`.
    // Returns the app's pattern with the open learned (for the caller to store).
    const core::UsagePattern& learnOpen(const std::string& app, core::TimePoint at);
    // Drops what was learned of the app; false when nothing was.
    bool forget(std::string_view app);
    const core::UsagePattern* patternOf(std::string_view app) const;

    const core::Scheduling& scheduling() const { return scheduling_; }
    const core::AppUsage* usageOf(std::string_view app) const;
    core::TimePoint dayStart() const { return dayStart_; }

    // The budget day containing t for a local reset time: [start, start + 1 day), computed in
    // local time so that it follows daylight-saving changes.
    static std::pair<core::TimePoint, core::TimePoint> budgetDay(core::TimePoint t,
                                                                 std::chrono::minutes resetTime);

private:
    store::Store& store_;
    std::chrono::minutes resetTime_;
    core::Scheduling scheduling_;
    core::TimePoint dayStart_{};
};

} // namespace bgtask::service

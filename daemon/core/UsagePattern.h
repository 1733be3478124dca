// SPDX-License-Identifier: LGPL-2.1-or-later
// Refresh timed to usage: when the user opens an app (its bus name appears and bgtaskd did not
// launch it), the app's histogram by hour of the week (168 buckets, local time) learns one open;
// older opens fade by kWeeklyDecay per week. An app with at least `minOpens` opens has a
// predicted next use, and its due app-refresh requests wait ("usage-window") until `leadTime`
// before it, never longer than `maxHold` past the moment they became due; dates and conditions
// still apply. Pure: the service records opens and passes the histograms in.
#pragma once

#include "TaskRequest.h"
#include "Time.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace bgtask::core {

inline constexpr std::size_t kHoursPerWeek = 168;
// Each week an open counts for 0.9 of what it counted the week before: a habit fades over a
// couple of months, and a change of habit takes over within a few weeks.
inline constexpr double kWeeklyDecay = 0.9;

struct UsagePattern {
    std::array<double, kHoursPerWeek> weight{};    // decayed opens per local hour of the week
    std::array<double, kHoursPerWeek> minutes{};   // the same, times the minute of the hour
    std::int64_t opens = 0;                        // every open learned, undecayed
    TimePoint decayedAt{};                         // the moment the weights were decayed to

    bool operator==(const UsagePattern&) const = default;
};

struct UsageLimits {
    bool learn = true;                                   // LearnUsage=
    std::int64_t minOpens = 10;                          // opens before it predicts anything
    Duration leadTime = std::chrono::minutes(60);        // launch this long before the use
    Duration maxHold = std::chrono::hours(6);            // never held longer past due

    bool operator==(const UsageLimits&) const = default;
};

// Stable blocker id shown by explain.
inline constexpr const char* kBlockerUsageWindow = "usage-window";

// The hour of the week (0: Monday 00:00-00:59 local time) and the minute of a moment, for a
// local time `utcOffset` ahead of UTC.
std::size_t hourOfWeek(TimePoint t, Duration utcOffset);

// The pattern after one more open at `at` (decayed to `at` first).
UsagePattern learnOpen(UsagePattern pattern, TimePoint at, Duration utcOffset);

// The next moment, at or after now, of the usual use: the first hour of the week from now on
// whose decayed weight is at least half the busiest hour's, at its mean minute. nullopt with
// fewer than `minOpens` opens.
std::optional<TimePoint> predictNextUse(const UsagePattern& pattern, const UsageLimits& limits, TimePoint now,
                                        Duration utcOffset);

// When a due app-refresh request of an app with this pattern may launch, if later than now:
// leadTime before the predicted use, but no later than maxHold after `dueSince`. nullopt when it
// may launch now, for the other kinds, without a prediction, or with learning off.
std::optional<TimePoint> usageWindowStart(const TaskRequest& request, const UsagePattern* pattern,
                                          const UsageLimits& limits, TimePoint dueSince, TimePoint now,
                                          Duration utcOffset);

// "usage-window: waiting for the usual use at ~08:10 (learned from 23 launches)"
std::string usageWindowReason(TimePoint use, std::int64_t opens, Duration utcOffset);

} // namespace bgtask::core

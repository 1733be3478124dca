// SPDX-License-Identifier: LGPL-2.1-or-later
#include "UsagePattern.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bgtask::core {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

constexpr Duration kWeek = std::chrono::weeks(1);

// 1970-01-01 was a Thursday: three days after a Monday.
constexpr Duration kEpochToMonday = days(3);

Duration sinceWeekStart(TimePoint t, Duration utcOffset)
{
    const Duration local = t.time_since_epoch() + utcOffset + kEpochToMonday;
    const Duration within = local % kWeek;
    return within < Duration{0} ? within + kWeek : within;
}

UsagePattern decayedTo(UsagePattern pattern, TimePoint at)
{
    if (at <= pattern.decayedAt)
        return pattern;
    const double weeks = std::chrono::duration<double>(at - pattern.decayedAt) / kWeek;
    const double factor = pattern.decayedAt == TimePoint{} ? 1.0 : std::pow(kWeeklyDecay, weeks);
    for (std::size_t h = 0; h < kHoursPerWeek; ++h) {
        pattern.weight[h] *= factor;
        pattern.minutes[h] *= factor;
    }
    pattern.decayedAt = at;
    return pattern;
}

} // namespace

std::size_t hourOfWeek(TimePoint t, Duration utcOffset)
{
    return static_cast<std::size_t>(std::chrono::duration_cast<hours>(sinceWeekStart(t, utcOffset)).count());
}

UsagePattern learnOpen(UsagePattern pattern, TimePoint at, Duration utcOffset)
{
    pattern = decayedTo(std::move(pattern), at);
    const Duration within = sinceWeekStart(at, utcOffset);
    const auto hour = static_cast<std::size_t>(std::chrono::duration_cast<hours>(within).count());
    const double minute = std::chrono::duration<double, std::ratio<60>>(within % hours(1)).count();
    pattern.weight[hour] += 1.0;
    pattern.minutes[hour] += minute;
    ++pattern.opens;
    return pattern;
}

// The weights' proportions do not change with decay, so the busiest hour and the half-of-it
// threshold need no decaying here.
std::optional<TimePoint> predictNextUse(const UsagePattern& pattern, const UsageLimits& limits, TimePoint now,
                                        Duration utcOffset)
{
    if (pattern.opens < limits.minOpens)
        return std::nullopt;
    const double busiest = *std::ranges::max_element(pattern.weight);
    if (busiest <= 0)
        return std::nullopt;
    const Duration within = sinceWeekStart(now, utcOffset);
    const TimePoint hourStart = now - within % hours(1);
    const std::size_t first = hourOfWeek(now, utcOffset);
    for (std::size_t step = 0; step <= kHoursPerWeek; ++step) {
        const std::size_t h = (first + step) % kHoursPerWeek;
        if (pattern.weight[h] < busiest / 2)
            continue;
        const double minute = pattern.minutes[h] / pattern.weight[h];
        const TimePoint use = hourStart + hours(step) +
                              std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::ratio<60>>(minute));
        if (use >= now)
            return use;
    }
    return std::nullopt;
}

std::optional<TimePoint> usageWindowStart(const TaskRequest& request, const UsagePattern* pattern,
                                          const UsageLimits& limits, TimePoint dueSince, TimePoint now,
                                          Duration utcOffset)
{
    if (request.kind != TaskKind::AppRefresh || !pattern || !limits.learn)
        return std::nullopt;
    const auto use = predictNextUse(*pattern, limits, now, utcOffset);
    if (!use)
        return std::nullopt;
    const TimePoint start = std::min(*use - limits.leadTime, dueSince + limits.maxHold);
    return start > now ? std::optional(start) : std::nullopt;
}

std::string usageWindowReason(TimePoint use, std::int64_t opens, Duration utcOffset)
{
    const Duration within = sinceWeekStart(use, utcOffset) % days(1);
    char clock[16];
    std::snprintf(clock, sizeof clock, "%02d:%02d", static_cast<int>(std::chrono::duration_cast<hours>(within).count()),
                  static_cast<int>(std::chrono::duration_cast<minutes>(within % hours(1)).count()));
    return std::string(kBlockerUsageWindow) + ": waiting for the usual use at ~" + clock + " (learned from " +
           std::to_string(opens) + (opens == 1 ? " launch)" : " launches)");
}

} // namespace bgtask::core

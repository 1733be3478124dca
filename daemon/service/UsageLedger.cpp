// SPDX-License-Identifier: LGPL-2.1-or-later
#include "UsageLedger.h"

#include <ctime>

namespace bgtask::service {
namespace {

core::TimePoint localTimeToday(const std::tm& day, std::chrono::minutes at, int dayOffset)
{
    std::tm local = day;
    local.tm_mday += dayOffset;
    local.tm_hour = static_cast<int>(at.count() / 60);
    local.tm_min = static_cast<int>(at.count() % 60);
    local.tm_sec = 0;
    local.tm_isdst = -1;
    const std::time_t t = std::mktime(&local);
    return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::from_time_t(t));
}

// The local time's offset from UTC now; patterns use it for the whole budget day, so a
// daylight-saving change shifts them by an hour until the next day begins.
core::Duration utcOffsetAt(core::TimePoint t)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
    std::tm local{};
    localtime_r(&seconds, &local);
    return std::chrono::seconds(local.tm_gmtoff);
}

} // namespace

UsageLedger::UsageLedger(store::Store& store, core::FairnessLimits limits, std::chrono::minutes resetTime)
    : store_(store), resetTime_(resetTime)
{
    scheduling_.limits = limits;
}

std::pair<core::TimePoint, core::TimePoint> UsageLedger::budgetDay(core::TimePoint t,
                                                                   std::chrono::minutes resetTime)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
    std::tm today{};
    localtime_r(&seconds, &today);
    auto start = localTimeToday(today, resetTime, 0);
    if (start > t)
        start = localTimeToday(today, resetTime, -1);
    std::tm startDay{};
    const std::time_t startSeconds = std::chrono::system_clock::to_time_t(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(start));
    localtime_r(&startSeconds, &startDay);
    return {start, localTimeToday(startDay, resetTime, 1)};
}

void UsageLedger::load(core::TimePoint now)
{
    const auto [start, end] = budgetDay(now, resetTime_);
    dayStart_ = start;
    scheduling_.budgetResetsAt = end;
    scheduling_.usage = store_.loadUsage(start);
    scheduling_.patterns = store_.loadUsagePatterns();
    scheduling_.utcOffset = utcOffsetAt(now);
}

const core::UsagePattern& UsageLedger::learnOpen(const std::string& app, core::TimePoint at)
{
    auto& pattern = scheduling_.patterns[app];
    pattern = core::learnOpen(pattern, at, scheduling_.utcOffset);
    return pattern;
}

bool UsageLedger::forget(std::string_view app)
{
    const auto it = scheduling_.patterns.find(app);
    if (it == scheduling_.patterns.end())
        return false;
    scheduling_.patterns.erase(it);
    return true;
}

const core::UsagePattern* UsageLedger::patternOf(std::string_view app) const
{
    const auto it = scheduling_.patterns.find(app);
    return it == scheduling_.patterns.end() ? nullptr : &it->second;
}

bool UsageLedger::rollOver(core::TimePoint now)
{
    if (now < scheduling_.budgetResetsAt && now >= dayStart_)
        return false;
    const auto [start, end] = budgetDay(now, resetTime_);
    dayStart_ = start;
    scheduling_.budgetResetsAt = end;
    scheduling_.utcOffset = utcOffsetAt(now);
    for (auto& [app, usage] : scheduling_.usage) {
        usage.runTime = {};
        usage.terminations = 0;
    }
    return true;
}

void UsageLedger::launched(const core::TaskRequest& request, bool simulated, core::TimePoint now)
{
    core::recordLaunch(scheduling_, request, now, simulated);
}

void UsageLedger::ended(const core::RunningTask& run, core::Outcome outcome, core::TimePoint endedAt,
                        std::optional<std::int64_t> cpuNsec)
{
    if (run.startedAt < dayStart_)
        return;
    core::chargeRun(scheduling_, run, outcome, endedAt, cpuNsec);
}

// A new cause restarts the window from now but keeps the launches already made inside it,
// so that back-to-back triggers (start-up, then power reported) never grant a second quota.
void UsageLedger::beginCatchUp(core::TimePoint now, std::string cause)
{
    scheduling_.catchUp.since = now;
    scheduling_.catchUp.cause = std::move(cause);
}

const core::AppUsage* UsageLedger::usageOf(std::string_view app) const
{
    const auto it = scheduling_.usage.find(app);
    return it == scheduling_.usage.end() ? nullptr : &it->second;
}

} // namespace bgtask::service

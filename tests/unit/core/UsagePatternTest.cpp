// SPDX-License-Identifier: LGPL-2.1-or-later
// Refresh timed to usage: hours of the week, learning with weekly decay, the predicted next use,
// the usage window of app-refresh requests (lead time, the bound past due, the other kinds) and
// the planner holding and then launching a learned app's refresh, with explain's reason.
#include "Fixtures.h"

#include "core/Fairness.h"
#include "core/Planner.h"
#include "core/UsagePattern.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace bgtask::core;
using namespace bgtask::core::test;
using namespace std::chrono_literals;

namespace {

// Monday 2026-11-30 00:00 UTC.
TimePoint monday()
{
    using namespace std::chrono;
    return TimePoint{sys_days{year{2026} / November / 30}};
}

// `count` opens on consecutive days at hh:mm UTC, the last one `before` the moment returned
// by the caller's clock.
UsagePattern dailyAt(int count, std::chrono::hours h, std::chrono::minutes m, TimePoint from)
{
    UsagePattern pattern;
    for (int day = 0; day < count; ++day)
        pattern = learnOpen(pattern, from + std::chrono::days(day) + h + m, 0s);
    return pattern;
}

TaskRequest refreshOf(std::string app, TimePoint submitted, std::int64_t id = 1)
{
    TaskRequest r;
    r.id = id;
    r.app = std::move(app);
    r.identifier = r.app + ".refresh";
    r.kind = TaskKind::AppRefresh;
    r.submittedAt = submitted;
    return r;
}

} // namespace

TEST_CASE("Hours of the week count from Monday 00:00 local time")
{
    CHECK(hourOfWeek(monday(), 0s) == 0);
    CHECK(hourOfWeek(monday() + 8h + 59min, 0s) == 8);
    CHECK(hourOfWeek(monday() - 1s, 0s) == 167);
    CHECK(hourOfWeek(monday() + 6 * 24h + 23h, 0s) == 167);
    // 23:30 UTC on Sunday is 00:30 on Monday at UTC+1, 18:30 on Sunday at UTC-5.
    CHECK(hourOfWeek(monday() - 30min, 1h) == 0);
    CHECK(hourOfWeek(monday() - 30min, -5h) == 6 * 24 + 18);
}

TEST_CASE("Learning an open adds to its hour and older opens fade by 0.9 a week")
{
    const int weeks = GENERATE(0, 1, 2, 5);
    UsagePattern pattern = learnOpen({}, monday() + 8h + 10min, 0s);
    pattern = learnOpen(pattern, monday() + std::chrono::weeks(weeks) + 9h, 0s);
    CHECK(pattern.opens == 2);
    // The decay is continuous: the second open comes `weeks` weeks and 50 minutes later.
    const double factor = std::pow(kWeeklyDecay, (std::chrono::duration<double>(std::chrono::weeks(weeks) + 50min) /
                                                  std::chrono::weeks(1)));
    CHECK(pattern.weight[8] == Approx(factor));
    CHECK(pattern.minutes[8] == Approx(10 * factor));
    CHECK(pattern.weight[9] == Approx(1.0));
}

TEST_CASE("The next use is the next busy hour at its mean minute, once there are enough opens")
{
    const UsageLimits limits;
    // Workdays from Monday, each with opens at 08:00 and 08:20: every workday's 08:00 hour has
    // the mean minute 08:10 (the earlier open fades 20 minutes more, a thousandth of a minute).
    const int workdays = GENERATE(4, 5, 10);   // 8, 10 and 20 opens
    UsagePattern pattern;
    int day = 0;
    for (int done = 0; done < workdays; ++day) {
        if (day % 7 >= 5)
            continue;
        for (const auto minute : {0min, 20min})
            pattern = learnOpen(pattern, monday() + std::chrono::days(day) + 8h + minute, 0s);
        ++done;
    }
    CHECK(pattern.opens == 2 * workdays);
    // Friday noon: the weekend's hours were never busy, so the next use is Monday's.
    const TimePoint friday = monday() + std::chrono::days(day - 1);
    const TimePoint nextMonday8 = friday + std::chrono::days(3) + 8h;
    const auto next = predictNextUse(pattern, limits, friday + 12h, 0s);
    if (pattern.opens < limits.minOpens) {
        CHECK_FALSE(next);
        return;
    }
    REQUIRE(next);
    CHECK(*next >= nextMonday8 + 10min - 1s);
    CHECK(*next <= nextMonday8 + 10min + 1s);
    CHECK(usageWindowReason(*next, pattern.opens, 0s) ==
          "usage-window: waiting for the usual use at ~08:10 (learned from " + std::to_string(pattern.opens) +
              " launches)");
    // Friday before eight: today's hour is still ahead.
    const auto sameDay = predictNextUse(pattern, limits, friday + 7h, 0s);
    REQUIRE(sameDay);
    CHECK(*sameDay >= friday + 8h + 10min - 1s);
    CHECK(*sameDay <= friday + 8h + 10min + 1s);
}

TEST_CASE("A due refresh waits until the lead time before the use, never longer than the bound past due")
{
    UsageLimits limits;
    const UsagePattern pattern = dailyAt(14, 8h, 10min, monday());
    const TimePoint use = monday() + std::chrono::days(14) + 8h + 10min;
    const auto dueAgo = GENERATE(as<Duration>{}, 0min, 1h, 5h + 50min, 7h);
    const auto toUse = GENERATE(as<Duration>{}, 10min, 59min, 61min, 3h, 8h);
    const TimePoint now = use - toUse;
    const auto request = refreshOf("org.example.Feeds", now - dueAgo);
    const auto start = usageWindowStart(request, &pattern, limits, request.submittedAt, now, 0s);
    const TimePoint expected = std::min(use - 60min, request.submittedAt + 6h);
    if (expected > now)
        CHECK(start == expected);
    else
        CHECK_FALSE(start);

    auto processing = request;
    processing.kind = TaskKind::Processing;
    CHECK_FALSE(usageWindowStart(processing, &pattern, limits, request.submittedAt, now, 0s));
    CHECK_FALSE(usageWindowStart(request, nullptr, limits, request.submittedAt, now, 0s));
    limits.learn = false;
    CHECK_FALSE(usageWindowStart(request, &pattern, limits, request.submittedAt, now, 0s));
}

TEST_CASE("The planner holds a learned app's refresh with its reason and launches it in the window")
{
    const TimePoint use = monday() + std::chrono::days(14) + 8h + 10min;
    Scheduling scheduling;
    scheduling.limits.usage = UsageLimits{};
    scheduling.patterns["org.example.Feeds"] = dailyAt(23, 8h, 10min, monday() - std::chrono::days(9));
    const std::vector<TaskRequest> pending{refreshOf("org.example.Feeds", use - 4h),
                                           refreshOf("org.example.Other", use - 4h, 2)};
    const TimePoint early = use - 3h;
    const auto held = plan(pending, {}, favourableSystemState(), GatingPolicy{}, PolicyTable{}, scheduling, early);
    CHECK(held.launch == std::vector<std::int64_t>{2});   // the app without a pattern goes
    const auto readiness = evaluateAll(pending, {}, favourableSystemState(), GatingPolicy{}, PolicyTable{},
                                       scheduling, early);
    CHECK(readiness[0].reason == "usage-window: waiting for the usual use at ~08:10 (learned from 23 launches)");
    CHECK(readiness[0].dueAt == use - 60min);
    CHECK(readiness[1].due);
    CHECK(held.nextWakeup == use - 60min);
    const auto inWindow = plan(std::vector<TaskRequest>{pending[0]}, {}, favourableSystemState(), GatingPolicy{},
                               PolicyTable{}, scheduling, use - 60min);
    CHECK(inWindow.launch == std::vector<std::int64_t>{1});
}

TEST_CASE("The daemon's defaults learn and unlimited() does not")
{
    CHECK(FairnessLimits{}.usage == UsageLimits{true, 10, 60min, 6h});
    CHECK_FALSE(FairnessLimits::unlimited().usage.learn);
}

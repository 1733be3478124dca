// SPDX-License-Identifier: LGPL-2.1-or-later
// The catch-up governor: its sliding-window quota, the line it keeps (oldest-overdue first),
// plan() launching no more than the quota and waking when the window makes room, and the
// "catch-up: position N" reasons of evaluateAll().
#include "Fixtures.h"

#include "core/CatchUp.h"
#include "core/Fairness.h"
#include "core/Planner.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace bgtask::core;
using namespace bgtask::core::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

// Request `id` of app (id % apps), due since `dueSince` (its earliest begin date; submitted
// a day before).
TaskRequest overdue(std::int64_t id, TimePoint dueSince, int apps = 5)
{
    TaskRequest r;
    r.id = id;
    r.app = "org.example.App" + std::to_string(id % apps);
    r.identifier = r.app + ".task" + std::to_string(id);
    r.kind = id % 3 == 0 ? TaskKind::AppRefresh : TaskKind::Processing;
    r.submittedAt = referenceTime() - 24h;
    r.options.earliestBeginDate = dueSince;
    return r;
}

Scheduling catchingUp(std::size_t launches, Duration window, TimePoint since)
{
    Scheduling s;
    s.limits.catchUp = {launches, window};
    s.catchUp.since = since;
    s.catchUp.cause = "a resume from sleep";
    return s;
}

Plan planAt(const std::vector<TaskRequest>& pending, const Scheduling& scheduling, TimePoint now)
{
    return plan(pending, {}, favourableSystemState(), GatingPolicy{}, PolicyTable{}, scheduling, now);
}

} // namespace

TEST_CASE("The catch-up quota counts the launches inside the sliding window")
{
    const TimePoint now = referenceTime();
    const std::size_t limit = GENERATE(1u, 2u, 4u, 7u);
    const int inside = GENERATE(0, 1, 3, 8);
    const int outside = GENERATE(0, 2);
    CatchUpState state;
    state.since = now - 10min;
    for (int i = 0; i < outside; ++i)
        state.launches.push_back(now - 5min + std::chrono::seconds(i));
    for (int i = 0; i < inside; ++i)
        state.launches.push_back(now - 59s + std::chrono::seconds(i));
    const CatchUpLimits limits{limit, 60s};
    const auto expected = static_cast<std::size_t>(inside) < limit ? limit - static_cast<std::size_t>(inside) : 0;
    CHECK(catchUpQuota(state, limits, now) == expected);
    if (expected == 0)
        CHECK(catchUpReopens(state, limits, now) == state.launches[state.launches.size() - limit] + 60s);
    else
        CHECK_FALSE(catchUpReopens(state, limits, now));
}

TEST_CASE("The governor is unbounded when not catching up or switched off")
{
    const TimePoint now = referenceTime();
    CatchUpState idle;
    CHECK(catchUpQuota(idle, {4, 60s}, now) == kUnbounded);
    CatchUpState active;
    active.since = now;
    CHECK(catchUpQuota(active, {0, 60s}, now) == kUnbounded);
    CHECK(catchUpQuota(active, {4, 0s}, now) == kUnbounded);
    CHECK(catchUpQuota(active, {4, 60s}, now) == 4);
    CHECK(FairnessLimits::unlimited().catchUp.launches == 0);
    CHECK(FairnessLimits{}.catchUp == CatchUpLimits{4, 60s});
}

TEST_CASE("A catch-up lasts at least one window")
{
    const TimePoint now = referenceTime();
    CatchUpState state;
    CHECK_FALSE(catchUpMayEnd(state, {4, 60s}, now));
    state.since = now - 30s;
    CHECK_FALSE(catchUpMayEnd(state, {4, 60s}, now));
    state.since = now - 60s;
    CHECK(catchUpMayEnd(state, {4, 60s}, now));
}

TEST_CASE("Catching up launches the quota oldest-overdue first and wakes when the window makes room")
{
    const TimePoint now = referenceTime();
    std::vector<TaskRequest> pending;
    // Ids in submission order, due times shuffled: the line follows the due times.
    const std::vector<int> hoursOverdue{3, 9, 1, 7, 5, 2, 8, 4, 6, 10};
    for (std::size_t i = 0; i < hoursOverdue.size(); ++i)
        pending.push_back(overdue(static_cast<std::int64_t>(i + 1), now - std::chrono::hours(hoursOverdue[i]), 10));
    auto scheduling = catchingUp(4, 60s, now - 10s);
    scheduling.catchUp.launches = {now - 10s};   // one launch already inside the window
    const auto result = planAt(pending, scheduling, now);
    REQUIRE(result.launch.size() == 3);
    CHECK(std::ranges::is_permutation(result.launch, std::vector<std::int64_t>{10, 2, 7}));
    CHECK(result.catchUpHeld == 7);
    auto after = scheduling;
    after.catchUp.launches.insert(after.catchUp.launches.end(), 3, now);
    auto remaining = pending;
    std::erase_if(remaining, [&](const TaskRequest& r) { return std::ranges::count(result.launch, r.id) > 0; });
    const auto next = planAt(remaining, after, now);
    CHECK(next.launch.empty());
    CHECK(next.catchUpHeld == 7);
    CHECK(next.nextWakeup == now + 50s);   // the launch 10 s ago leaves the window

    const auto readiness = evaluateAll(pending, {}, favourableSystemState(), GatingPolicy{}, PolicyTable{},
                                       scheduling, now);
    // Positions 1-3 (ids 10, 2, 7) may go; id 4 (7 h overdue) is 4th, id 1 (1 h) last.
    for (const std::int64_t id : {10, 2, 7})
        CHECK(readiness[static_cast<std::size_t>(id - 1)].due);
    CHECK(readiness[3].reason ==
          "catch-up: position 4 in line after a resume from sleep; at most 4 launches per 60 s");
    CHECK(readiness[2].reason ==
          "catch-up: position 10 in line after a resume from sleep; at most 4 launches per 60 s");
    CHECK(readiness[3].unmet.front().condition == kBlockerCatchUp);
    CHECK_FALSE(readiness[3].dueAt);
}

TEST_CASE("Not catching up, a burst within the quota launches at once")
{
    const TimePoint now = referenceTime();
    const std::size_t count = GENERATE(1u, 3u, 4u);
    std::vector<TaskRequest> pending;
    for (std::size_t i = 0; i < count; ++i)
        pending.push_back(overdue(static_cast<std::int64_t>(i + 1), now - std::chrono::minutes(i + 1), 12));
    Scheduling scheduling;
    scheduling.limits.catchUp = {4, 60s};
    const auto result = planAt(pending, scheduling, now);
    CHECK(result.launch.size() == count);
    CHECK(result.catchUpHeld == 0);
    CHECK_FALSE(result.catchUpBegins);
}

TEST_CASE("A burst larger than the quota begins a catch-up unless the governor is off")
{
    const TimePoint now = referenceTime();
    std::vector<TaskRequest> pending;
    for (std::int64_t id = 1; id <= 12; ++id)
        pending.push_back(overdue(id, now - std::chrono::minutes(id), 12));
    Scheduling scheduling;
    scheduling.limits.catchUp = {4, 60s};
    const auto result = planAt(pending, scheduling, now);
    CHECK(std::ranges::is_permutation(result.launch, std::vector<std::int64_t>{12, 11, 10, 9}));
    CHECK(result.catchUpHeld == 8);
    CHECK(result.catchUpBegins == "12 requests due at once");
    const auto readiness = evaluateAll(pending, {}, favourableSystemState(), GatingPolicy{}, PolicyTable{},
                                       scheduling, now);
    CHECK(readiness[7].reason == "catch-up: position 5 in line after 12 requests due at once; "
                                 "at most 4 launches per 60 s");
    CHECK(readiness[8].due);

    scheduling.limits.catchUp.launches = 0;
    const auto off = planAt(pending, scheduling, now);
    CHECK(off.launch.size() == 12);
    CHECK_FALSE(off.catchUpBegins);
}

TEST_CASE("Requests held by other blockers take no place in the catch-up line")
{
    const TimePoint now = referenceTime();
    std::vector<TaskRequest> pending{overdue(1, now - 5h, 10), overdue(2, now + 1h, 10), overdue(3, now - 1h, 10)};
    pending[0].options.requiresExternalPower = true;
    SystemState battery = favourableSystemState();
    battery.onExternalPower = false;
    const auto scheduling = catchingUp(1, 60s, now);
    const auto readiness = evaluateAll(pending, {}, battery, GatingPolicy{}, PolicyTable{}, scheduling, now);
    CHECK(readiness[2].due);   // first in line: 1 is waiting for power, 2 for its date
    CHECK(readiness[0].unmet.size() == 1);
    CHECK(readiness[1].unmet.size() == 1);
    const auto result = plan(pending, {}, battery, GatingPolicy{}, PolicyTable{}, scheduling, now);
    CHECK(result.launch == std::vector<std::int64_t>{3});
    CHECK(result.catchUpHeld == 0);
}

TEST_CASE("A catch-up replayed over time never launches more than the quota in any window")
{
    const std::size_t limit = GENERATE(1u, 3u, 4u, 10u);
    const auto window = GENERATE(as<Duration>{}, 15s, 60s, 300s);
    const std::size_t count = GENERATE(5u, 50u);
    const std::size_t slots = GENERATE(2u, 64u);
    INFO("limit " << limit << ", window " << window.count() << " us, " << count << " requests, " << slots
                  << " slots");
    TimePoint now = referenceTime();
    std::vector<TaskRequest> pending;
    for (std::size_t i = 0; i < count; ++i)
        pending.push_back(overdue(static_cast<std::int64_t>(i + 1),
                                  now - std::chrono::minutes((i * 37) % 500 + 1)));
    auto scheduling = catchingUp(limit, window, now);
    scheduling.limits.maxConcurrentTasks = slots;
    struct Launch {
        TimePoint at;
        TimePoint dueSince;
        int plan;
    };
    std::vector<Launch> launched;
    for (int step = 0; step < 1000 && !pending.empty(); ++step) {
        const auto result = planAt(pending, scheduling, now);
        for (const auto id : result.launch) {
            const auto it = std::ranges::find(pending, id, &TaskRequest::id);
            launched.push_back({now, dueSince(*it), step});
            scheduling.catchUp.launches.push_back(now);
            pending.erase(it);
        }
        if (!result.launch.empty())
            continue;   // runs end at once here: re-plan at the same moment
        REQUIRE(result.nextWakeup);
        now = *result.nextWakeup;
    }
    REQUIRE(pending.empty());
    REQUIRE(launched.size() == count);
    for (std::size_t i = 0; i + limit < launched.size(); ++i)
        CHECK(launched[i + limit].at - launched[i].at >= window);
    // Oldest-overdue first: every launch of a plan was due before every launch of later plans.
    for (std::size_t i = 0; i < launched.size(); ++i)
        for (std::size_t j = i + 1; j < launched.size(); ++j)
            if (launched[j].plan != launched[i].plan)
                CHECK(launched[i].dueSince <= launched[j].dueSince);
}

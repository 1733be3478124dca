// SPDX-License-Identifier: LGPL-2.1-or-later
// Network coalescing: network requests due within the window of one that launches launch with
// it (plan()), grouped; what does not join (other kinds of blocker, no network need, outside
// the window, no room); and the groups evaluateAll() predicts, with their reasons and due times.
#include "Fixtures.h"

#include "core/Fairness.h"
#include "core/NetworkCoalescing.h"
#include "core/Planner.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

using namespace bgtask::core;
using namespace bgtask::core::test;
using namespace std::chrono_literals;

namespace {

using Ids = std::vector<std::int64_t>;

// A processing request of its own app, needing the network, due at `due`.
TaskRequest networkRequest(std::int64_t id, TimePoint due, bool network = true)
{
    TaskRequest r;
    r.id = id;
    r.app = "org.example.Net" + std::to_string(id);
    r.identifier = r.app + ".sync";
    r.kind = TaskKind::Processing;
    r.submittedAt = referenceTime() - 1h;
    r.options.earliestBeginDate = due;
    if (network)
        r.options.requiresNetworkConnectivity = true;
    return r;
}

Scheduling coalescing(Duration window)
{
    Scheduling s;
    s.limits.networkCoalesceWindow = window;
    return s;
}

Plan planWith(const std::vector<TaskRequest>& pending, const Scheduling& scheduling,
              const SystemState& state = favourableSystemState())
{
    return plan(pending, {}, state, GatingPolicy{}, PolicyTable{}, scheduling, referenceTime());
}

Ids sorted(Ids ids)
{
    std::ranges::sort(ids);
    return ids;
}

} // namespace

TEST_CASE("A network request launching takes those due within the window along")
{
    const TimePoint now = referenceTime();
    const auto window = GENERATE(as<Duration>{}, 0min, 5min, 10min);
    const auto offset = GENERATE(as<Duration>{}, 1s, 5min, 10min, 11min);
    const std::vector<TaskRequest> pending{networkRequest(1, now - 1min), networkRequest(2, now + offset)};
    const auto result = planWith(pending, coalescing(window));
    const bool joins = window > 0min && offset <= window;
    CHECK(result.launch == (joins ? Ids{1, 2} : Ids{1}));
    CHECK(result.coalesced == (joins ? Ids{1, 2} : Ids{}));
    if (!joins)
        CHECK(result.nextWakeup == now + offset);
}

TEST_CASE("Only network requests held by nothing but their date join a group")
{
    const TimePoint now = referenceTime();
    std::vector<TaskRequest> pending{networkRequest(1, now), networkRequest(2, now + 1min, false),
                                     networkRequest(3, now + 2min), networkRequest(4, now + 3min),
                                     networkRequest(5, now + 4min)};
    pending[3].options.requiresExternalPower = true;   // on battery below
    pending[4].kind = TaskKind::AppRefresh;            // its spacing has not ended
    auto scheduling = coalescing(10min);
    scheduling.limits.refreshSpacing = 15min;
    scheduling.usage[pending[4].app].lastRefreshLaunch = now - 14min;
    SystemState battery = favourableSystemState();
    battery.onExternalPower = false;
    const auto result = planWith(pending, scheduling, battery);
    CHECK(sorted(result.launch) == Ids{1, 3});
    CHECK(sorted(result.coalesced) == Ids{1, 3});
}

TEST_CASE("Without a network request launching nothing is pulled forward")
{
    const TimePoint now = referenceTime();
    const std::vector<TaskRequest> pending{networkRequest(1, now, false), networkRequest(2, now + 3min),
                                           networkRequest(3, now + 4min)};
    const auto result = planWith(pending, coalescing(10min));
    CHECK(result.launch == Ids{1});
    CHECK(result.coalesced.empty());
    CHECK(result.nextWakeup == now + 3min);
}

TEST_CASE("The network coming up launches every waiting network request and those due soon as one group")
{
    const TimePoint now = referenceTime();
    const std::vector<TaskRequest> pending{networkRequest(1, now - 20min), networkRequest(2, now - 5min),
                                           networkRequest(3, now + 8min), networkRequest(4, now + 30min)};
    SystemState offline = favourableSystemState();
    offline.connectivity = Connectivity::None;
    CHECK(planWith(pending, coalescing(10min), offline).launch.empty());
    const auto online = planWith(pending, coalescing(10min));
    CHECK(sorted(online.launch) == Ids{1, 2, 3});
    CHECK(sorted(online.coalesced) == Ids{1, 2, 3});
}

TEST_CASE("Coalescing takes no more than the free slots and the catch-up quota leave")
{
    const TimePoint now = referenceTime();
    const std::size_t slots = GENERATE(1u, 2u, 3u, 8u);
    const std::vector<TaskRequest> pending{networkRequest(1, now), networkRequest(2, now + 1min),
                                           networkRequest(3, now + 2min), networkRequest(4, now + 3min)};
    auto scheduling = coalescing(10min);
    scheduling.limits.maxConcurrentTasks = slots;
    CHECK(planWith(pending, scheduling).launch.size() == std::min<std::size_t>(slots, 4));
    scheduling.limits.catchUp = {2, 60s};
    scheduling.catchUp.since = now;
    CHECK(planWith(pending, scheduling).launch.size() == std::min<std::size_t>(slots, 2));
}

TEST_CASE("Explain predicts the groups with their moment and size")
{
    const TimePoint now = referenceTime();
    const std::vector<TaskRequest> pending{networkRequest(1, now + 2min), networkRequest(2, now + 5min),
                                           networkRequest(3, now + 12min), networkRequest(4, now + 15min),
                                           networkRequest(5, now + 3min, false)};
    const auto readiness = evaluateAll(pending, {}, favourableSystemState(), GatingPolicy{}, PolicyTable{},
                                       coalescing(10min), now);
    CHECK(readiness[0].reason == "earliest-begin-date: not before 2026-11-28T10:02:00Z");
    CHECK(readiness[0].dueAt == now + 2min);
    CHECK(readiness[1].reason == "earliest-begin-date: not before 2026-11-28T10:05:00Z; coalesced with 2 other "
                                 "network requests at 2026-11-28T10:02:00Z");
    CHECK(readiness[1].dueAt == now + 2min);
    CHECK(readiness[2].dueAt == now + 2min);
    // 15 min is past the first group's window: it leads a group of its own.
    CHECK(readiness[3].reason == "earliest-begin-date: not before 2026-11-28T10:15:00Z");
    CHECK(readiness[3].dueAt == now + 15min);
    CHECK(readiness[4].dueAt == now + 3min);   // needs no network
    CHECK(coalescedText(1, now) == "coalesced with 1 other network request at 2026-11-28T10:00:00Z");
}

TEST_CASE("The daemon's defaults coalesce within 10 minutes and unlimited() does not")
{
    CHECK(FairnessLimits{}.networkCoalesceWindow == 10min);
    CHECK(FairnessLimits::unlimited().networkCoalesceWindow == 0min);
}

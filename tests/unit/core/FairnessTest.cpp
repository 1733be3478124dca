// SPDX-License-Identifier: LGPL-2.1-or-later
// Fairness in the planner: the cap on scheduled runs, the rotation between apps, refresh
// spacing, daily budgets and their termination penalty, the continued-processing queue, stalled
// continued processing and the user's policy, each in plan() and in evaluateAll()'s reasons.
#include "Fixtures.h"

#include "core/Fairness.h"
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

constexpr const char* kAppA = "org.example.A";
constexpr const char* kAppB = "org.example.B";
constexpr const char* kAppC = "org.example.C";

TaskRequest request(std::int64_t id, std::string app, TaskKind kind = TaskKind::Processing)
{
    TaskRequest r;
    r.id = id;
    r.identifier = app + ".task" + std::to_string(id);
    r.app = std::move(app);
    r.kind = kind;
    if (kind == TaskKind::ContinuedProcessing)
        r.options.title = "Exporting";
    return r;
}

// An active run far from any of its moments, so it only occupies a slot.
RunningTask runOf(std::int64_t runId, std::string app, TaskKind kind = TaskKind::Processing,
                  RunState state = RunState::Running)
{
    const TimePoint now = referenceTime();
    RunningTask run;
    run.runId = runId;
    run.request = request(1000 + runId, std::move(app), kind);
    run.state = state;
    run.startedAt = now - 1min;
    run.launchWindowEnd = state == RunState::Launching ? now + 1h : now - 50s;
    if (kind != TaskKind::ContinuedProcessing)
        run.deadline = now + 1h;
    if (state == RunState::Expiring) {
        run.graceEnd = now + 1h;
        run.expireReason = "time-limit";
    }
    return run;
}

// No limits but the ones a test sets.
Scheduling unlimited()
{
    return Scheduling{};
}

Scheduling capped(std::size_t maxTasks, std::size_t maxContinued = SIZE_MAX)
{
    Scheduling s;
    s.limits.maxConcurrentTasks = maxTasks;
    s.limits.maxConcurrentContinued = maxContinued;
    return s;
}

Plan planWith(const std::vector<TaskRequest>& pending, const std::vector<RunningTask>& running,
              const Scheduling& scheduling, const PolicyTable& policy = {}, TimePoint now = referenceTime())
{
    return plan(pending, running, favourableSystemState(), GatingPolicy{}, policy, scheduling, now);
}

std::vector<Readiness> evaluateWith(const std::vector<TaskRequest>& pending,
                                    const std::vector<RunningTask>& running, const Scheduling& scheduling,
                                    const PolicyTable& policy = {}, TimePoint now = referenceTime())
{
    return evaluateAll(pending, running, favourableSystemState(), GatingPolicy{}, policy, scheduling, now);
}

std::vector<std::string> conditionsOf(const Readiness& readiness)
{
    std::vector<std::string> ids;
    for (const auto& u : readiness.unmet)
        ids.push_back(u.condition);
    return ids;
}

using Ids = std::vector<std::int64_t>;

} // namespace

TEST_CASE("Unlimited fairness has no cap, spacing, budget or penalty")
{
    const FairnessLimits limits = FairnessLimits::unlimited();
    CHECK(limits.maxConcurrentTasks == SIZE_MAX);
    CHECK(limits.maxConcurrentContinued == SIZE_MAX);
    CHECK(limits.refreshSpacing == Duration{0});
    CHECK(limits.dailyBudget == Duration{0});
    CHECK(limits.terminationPenalty == Duration{0});
    CHECK(Scheduling{}.limits == limits);
    CHECK(FairnessLimits{} != limits);   // the daemon's defaults do bound apps
}

TEST_CASE("An app is charged its run time plus a penalty for every termination")
{
    const auto [runTime, terminations, penalty, charged] = GENERATE(table<Duration, std::size_t, Duration, Duration>({
        {0min, 0, 5min, 0min},
        {42min, 0, 5min, 42min},
        {10min, 1, 5min, 15min},
        {10min, 3, 5min, 25min},
        {10min, 3, 0min, 10min},
        {0min, 2, 7s, 14s},
    }));
    AppUsage usage;
    usage.runTime = runTime;
    usage.terminations = terminations;
    FairnessLimits limits;
    limits.terminationPenalty = penalty;
    CHECK(usage.charged(limits) == charged);
}

// ---- Concurrency -------------------------------------------------------------------------

TEST_CASE("Planner launches no more scheduled tasks than the cap, counting runs in every state")
{
    const std::size_t runs = GENERATE(0U, 1U, 3U, 4U, 5U);
    const auto state = GENERATE(RunState::Launching, RunState::Running, RunState::Expiring);
    const bool simulated = GENERATE(false, true);
    CAPTURE(runs, toString(state), simulated);
    std::vector<RunningTask> running;
    for (std::size_t i = 0; i < runs; ++i) {
        running.push_back(runOf(static_cast<std::int64_t>(i + 1), kAppA, TaskKind::AppRefresh, state));
        running.back().simulated = simulated;
    }
    running.push_back(runOf(99, kAppB, TaskKind::ContinuedProcessing));   // never counts here
    std::vector<TaskRequest> pending;
    for (std::int64_t id = 1; id <= 6; ++id)
        pending.push_back(request(id, "org.example.App" + std::to_string(id)));

    const Plan p = planWith(pending, running, capped(4));
    const std::size_t free = runs < 4 ? 4 - runs : 0;
    CHECK(p.launch.size() == free);
    CHECK(std::ranges::is_sorted(p.launch));   // apps never launched rotate in submission order

    const auto readiness = evaluateWith(pending, running, capped(4));
    for (const auto& r : readiness) {
        CHECK(r.due == (runs < 4));
        if (runs >= 4) {
            CHECK(conditionsOf(r) == std::vector<std::string>{"concurrency-limit"});
            CHECK(r.reason == "concurrency-limit: " + std::to_string(runs) +
                                  " background tasks are running (limit 4)");
        }
    }
}

TEST_CASE("The concurrency reason speaks of one task in the singular")
{
    const std::vector<RunningTask> running{runOf(1, kAppA)};
    const auto readiness = evaluateWith({request(2, kAppB)}, running, capped(1));
    CHECK(readiness.front().reason == "concurrency-limit: 1 background task is running (limit 1)");
}

TEST_CASE("A request waiting for a date while the scheduled slots are full needs no wakeup")
{
    const bool full = GENERATE(false, true);
    const TimePoint now = referenceTime();
    TaskRequest r = request(1, kAppA);
    r.options.earliestBeginDate = now + 10min;
    const std::vector<RunningTask> running{runOf(1, kAppB)};

    const Plan p = planWith({r}, running, capped(full ? 1 : 2));
    CHECK(p.nextWakeup == (full ? std::optional(now + 1h) : std::optional(now + 10min)));   // 1h: the run's deadline
    const auto readiness = evaluateWith({r}, running, capped(full ? 1 : 2));
    CHECK(readiness.front().dueAt == (full ? std::nullopt : std::optional(now + 10min)));
}

// ---- Rotation between apps ---------------------------------------------------------------

TEST_CASE("Apps take free slots in turns, so one app's flood does not starve the others")
{
    // A floods with ids 1-10, B and C submit one each afterwards; nobody has launched yet.
    std::vector<TaskRequest> pending;
    for (std::int64_t id = 1; id <= 10; ++id)
        pending.push_back(request(id, kAppA));
    pending.push_back(request(11, kAppB));
    pending.push_back(request(12, kAppC));

    const auto [slots, expected] = GENERATE(table<std::size_t, Ids>({
        {1, {1}},
        {2, {1, 11}},
        {3, {1, 11, 12}},
        {5, {1, 11, 12, 2, 3}},
        {20, {1, 11, 12, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
    }));
    CAPTURE(slots);
    CHECK(planWith(pending, {}, capped(slots)).launch == expected);
}

TEST_CASE("With one slot free at a time, every app gets a turn before the flooding app's second")
{
    // Cap 2 with one slot taken; after each launch the app's last launch is now, as the store
    // would report it, and time moves on a minute.
    std::vector<TaskRequest> pending;
    for (std::int64_t id = 1; id <= 10; ++id)
        pending.push_back(request(id, kAppA));
    pending.push_back(request(11, kAppB));
    pending.push_back(request(12, kAppC));
    const std::vector<RunningTask> running{runOf(100, "org.example.Busy")};
    Scheduling scheduling = capped(2);
    TimePoint now = referenceTime();

    Ids order;
    for (int round = 0; round < 5; ++round) {
        const Plan p = planWith(pending, running, scheduling, {}, now);
        REQUIRE(p.launch.size() == 1);
        const auto launched = std::ranges::find(pending, p.launch.front(), &TaskRequest::id);
        scheduling.usage[launched->app].lastLaunch = now;
        order.push_back(launched->id);
        pending.erase(launched);
        now += 1min;
    }
    CHECK(order == Ids{1, 11, 12, 2, 3});
}

TEST_CASE("Apps take turns in the order of their last launch, never-launched ones first")
{
    const TimePoint now = referenceTime();
    const std::vector<TaskRequest> pending{request(1, kAppA), request(2, kAppA), request(3, kAppB),
                                           request(4, kAppC), request(5, kAppC)};
    const auto [lastA, lastB, lastC, expected] =
        GENERATE(table<std::optional<Duration>, std::optional<Duration>, std::optional<Duration>, Ids>({
            {std::nullopt, std::nullopt, std::nullopt, {1, 3, 4, 2, 5}},
            {1h, 2h, std::nullopt, {4, 3, 1, 5, 2}},   // C never, then B (2 h ago), then A
            {3h, 2h, 1h, {1, 3, 4, 2, 5}},
            {1h, 1h, 1h, {1, 3, 4, 2, 5}},             // a tie: the oldest due request first
            {std::nullopt, 1h, 2h, {1, 4, 3, 2, 5}},
        }));
    Scheduling scheduling = capped(10);
    const auto setLast = [&](const char* app, std::optional<Duration> ago) {
        if (ago)
            scheduling.usage[app].lastLaunch = now - *ago;
    };
    setLast(kAppA, lastA);
    setLast(kAppB, lastB);
    setLast(kAppC, lastC);
    CHECK(planWith(pending, {}, scheduling).launch == expected);
}

TEST_CASE("An app launches at most one refresh per plan while refresh spacing is on")
{
    const Duration spacing = GENERATE(as<Duration>{}, 0min, 15min);
    CAPTURE(spacing.count());
    const std::vector<TaskRequest> pending{request(1, kAppA, TaskKind::AppRefresh),
                                           request(2, kAppA, TaskKind::AppRefresh),
                                           request(3, kAppA, TaskKind::Processing),
                                           request(4, kAppB, TaskKind::AppRefresh)};
    Scheduling scheduling = capped(10);
    scheduling.limits.refreshSpacing = spacing;
    const Plan p = planWith(pending, {}, scheduling);
    CHECK(p.launch == (spacing > Duration{0} ? Ids{1, 4, 3} : Ids{1, 4, 2, 3}));
}

TEST_CASE("Two requests of one app and identifier never launch together, whatever the rotation")
{
    std::vector<TaskRequest> pending{request(1, kAppA), request(2, kAppA), request(3, kAppB)};
    pending[1].identifier = pending[0].identifier;
    CHECK(planWith(pending, {}, capped(10)).launch == Ids{1, 3});
}

// ---- Refresh spacing and daily budget ----------------------------------------------------

TEST_CASE("Refresh spacing holds an app's next refresh and says until when")
{
    const TimePoint now = referenceTime();
    const auto ago = GENERATE(as<Duration>{}, 1us, 5min, 15min - 1us, 15min, 20min);
    const auto kind = GENERATE(TaskKind::AppRefresh, TaskKind::Processing);
    CAPTURE(ago.count(), toString(kind));
    Scheduling scheduling;
    scheduling.limits.refreshSpacing = 15min;
    scheduling.usage[kAppA].lastRefreshLaunch = now - ago;
    const std::vector<TaskRequest> pending{request(1, kAppA, kind)};

    const bool held = kind == TaskKind::AppRefresh && ago < 15min;
    const auto readiness = evaluateWith(pending, {}, scheduling).front();
    const Plan p = planWith(pending, {}, scheduling);
    CHECK(readiness.due == !held);
    CHECK(p.launch.empty() == held);
    if (held) {
        CHECK(conditionsOf(readiness) == std::vector<std::string>{"refresh-spacing"});
        CHECK(readiness.dueAt == now - ago + 15min);
        CHECK(p.nextWakeup == now - ago + 15min);
    }
    if (ago == 5min && held)
        CHECK(readiness.reason == "refresh-spacing: org.example.A launched a refresh at 2026-11-28T09:55:00Z; "
                                  "the next not before 2026-11-28T10:10:00Z");
}

TEST_CASE("An app whose charged time reached the daily budget waits for the reset, continued processing never")
{
    const TimePoint now = referenceTime();
    const TimePoint reset = now + 14h;
    const auto [runTime, terminations, held] = GENERATE(table<Duration, std::size_t, bool>({
        {0min, 0, false},
        {59min, 0, false},
        {60min, 0, true},
        {61min, 0, true},
        {50min, 1, false},   // 55 charged
        {50min, 2, true},    // 60 charged: the penalty tips it over
    }));
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    CAPTURE(runTime.count(), terminations, toString(kind));
    Scheduling scheduling;
    scheduling.limits.dailyBudget = 60min;
    scheduling.limits.terminationPenalty = 5min;
    scheduling.budgetResetsAt = reset;
    scheduling.usage[kAppA].runTime = runTime;
    scheduling.usage[kAppA].terminations = terminations;
    const std::vector<TaskRequest> pending{request(1, kAppA, kind), request(2, kAppB, kind)};

    const bool blocked = held && kind != TaskKind::ContinuedProcessing;
    const auto readiness = evaluateWith(pending, {}, scheduling);
    const Plan p = planWith(pending, {}, scheduling);
    CHECK(readiness[0].due == !blocked);
    CHECK(readiness[1].due);
    CHECK(p.launch == (blocked ? Ids{2} : Ids{1, 2}));
    if (blocked) {
        CHECK(conditionsOf(readiness[0]) == std::vector<std::string>{"daily-budget"});
        CHECK(readiness[0].dueAt == reset);
        CHECK(p.nextWakeup == reset);
        const std::string used = std::to_string((runTime + static_cast<int>(terminations) * 5min).count() / 60'000'000);
        CHECK(readiness[0].reason == "daily-budget: org.example.A has used " + used +
                                         " min of its 60 min of background time today; the budget resets at "
                                         "2026-11-29T00:00:00Z");
    }
}

TEST_CASE("A budget under a minute is told in seconds")
{
    Scheduling scheduling;
    scheduling.limits.dailyBudget = 2s;
    scheduling.usage["org.example.A"].runTime = 2500ms;
    scheduling.budgetResetsAt = TimePoint{} + 24h;
    const std::vector<TaskRequest> pending{request(1, kAppA)};
    const auto readiness = evaluateAll(pending, {}, favourableSystemState(), GatingPolicy{}, PolicyTable{},
                                       scheduling, TimePoint{} + 1h);
    REQUIRE(conditionsOf(readiness[0]) == std::vector<std::string>{"daily-budget"});
    CHECK(readiness[0].reason.starts_with("daily-budget: org.example.A has used 2 s of its 2 s of background time today"));
}

TEST_CASE("A request waiting only for time is due at the latest of its date, its spacing and its budget reset")
{
    const TimePoint now = referenceTime();
    const bool early = GENERATE(false, true);
    const bool spaced = GENERATE(false, true);
    const bool spent = GENERATE(false, true);
    const bool unpowered = GENERATE(false, true);
    const auto [dateIn, spacingIn, resetIn] = GENERATE(table<Duration, Duration, Duration>({
        {10min, 20min, 30min},
        {30min, 10min, 20min},
        {20min, 30min, 10min},
    }));
    CAPTURE(early, spaced, spent, unpowered, dateIn.count(), spacingIn.count(), resetIn.count());

    TaskRequest r = request(1, kAppA, TaskKind::AppRefresh);
    r.options.requiresExternalPower = true;
    if (early)
        r.options.earliestBeginDate = now + dateIn;
    Scheduling scheduling;
    scheduling.limits.refreshSpacing = 1h;
    scheduling.limits.dailyBudget = 1h;
    scheduling.budgetResetsAt = now + resetIn;
    if (spaced)
        scheduling.usage[kAppA].lastRefreshLaunch = now - 1h + spacingIn;
    if (spent)
        scheduling.usage[kAppA].runTime = 2h;
    SystemState state = favourableSystemState();
    if (unpowered)
        state.onExternalPower = false;

    std::vector<std::string> expected;
    std::optional<TimePoint> dueAt;
    const auto add = [&](bool on, const char* id, Duration in) {
        if (!on)
            return;
        expected.push_back(id);
        if (!dueAt || now + in > *dueAt)
            dueAt = now + in;
    };
    add(early, "earliest-begin-date", dateIn);
    if (unpowered)
        expected.push_back("external-power");
    add(spaced, "refresh-spacing", spacingIn);
    add(spent, "daily-budget", resetIn);
    if (unpowered)
        dueAt.reset();

    const std::vector<TaskRequest> pending{r};
    const auto readiness = evaluateAll(pending, {}, state, GatingPolicy{}, PolicyTable{}, scheduling, now).front();
    CHECK(conditionsOf(readiness) == expected);
    CHECK(readiness.dueAt == dueAt);
    const Plan p = plan(pending, {}, state, GatingPolicy{}, PolicyTable{}, scheduling, now);
    CHECK(p.launch.size() == (expected.empty() ? 1U : 0U));
    CHECK(p.nextWakeup == dueAt);
}

// ---- Continued processing ----------------------------------------------------------------

TEST_CASE("Continued processing takes the free continued slots first come, first served")
{
    const std::size_t runs = GENERATE(0U, 1U, 2U, 3U);
    const auto strategy = GENERATE(Strategy::Queue, Strategy::Fail);
    CAPTURE(runs, toString(strategy));
    std::vector<RunningTask> running;
    for (std::size_t i = 0; i < runs; ++i)
        running.push_back(runOf(static_cast<std::int64_t>(i + 1), kAppC, TaskKind::ContinuedProcessing));
    running.push_back(runOf(50, kAppC));   // a scheduled run takes no continued slot
    // Submitted in the order 3, 5, 8, 9 but handed over shuffled; 5 waits for a GPU and so
    // stands in nobody's way.
    std::vector<TaskRequest> pending{request(9, kAppA, TaskKind::ContinuedProcessing),
                                     request(3, kAppB, TaskKind::ContinuedProcessing),
                                     request(8, kAppA, TaskKind::ContinuedProcessing),
                                     request(5, kAppA, TaskKind::ContinuedProcessing)};
    for (auto& r : pending)
        r.options.strategy = strategy;
    pending[3].options.requiredResources = std::vector<std::string>{"gpu"};
    SystemState state = favourableSystemState();
    state.gpuAvailable = false;
    const Scheduling scheduling = capped(1, 2);

    const Plan p = plan(pending, running, state, GatingPolicy{}, PolicyTable{}, scheduling, referenceTime());
    const Ids queueOrder{3, 8, 9};
    const std::size_t free = runs < 2 ? 2 - runs : 0;
    CHECK(p.launch == Ids(queueOrder.begin(), queueOrder.begin() + static_cast<std::ptrdiff_t>(free)));

    const auto readiness =
        evaluateAll(pending, running, state, GatingPolicy{}, PolicyTable{}, scheduling, referenceTime());
    // Positions: 3 → 1, 5 → 2 (behind 3; itself waiting for the gpu), 8 → 2, 9 → 3.
    const auto check = [&](std::size_t index, std::size_t position, bool gpu) {
        const auto& r = readiness[index];
        CAPTURE(pending[index].id, position);
        const bool queued = runs + position > 2;
        std::vector<std::string> expected;
        if (gpu)
            expected.push_back("gpu");
        if (queued)
            expected.push_back("continued-queue");
        CHECK(conditionsOf(r) == expected);
        CHECK_FALSE(r.dueAt.has_value());
        if (queued)
            CHECK(r.unmet.back().reason == "continued-queue: position " + std::to_string(position) +
                                               " in the queue; " + std::to_string(runs) +
                                               " of 2 continued-processing slots are taken");
    };
    check(1, 1, false);
    check(3, 2, true);
    check(2, 2, false);
    check(0, 3, false);
}

TEST_CASE("Continued processing and the scheduled kinds have separate pools of slots")
{
    const std::vector<RunningTask> running{runOf(1, kAppA), runOf(2, kAppB, TaskKind::ContinuedProcessing)};
    const std::vector<TaskRequest> pending{request(10, kAppC, TaskKind::ContinuedProcessing),
                                           request(11, kAppC, TaskKind::Processing)};
    CHECK(planWith(pending, running, capped(1, 2)).launch == Ids{10});
    CHECK(planWith(pending, running, capped(2, 1)).launch == Ids{11});
    CHECK(planWith(pending, running, capped(2, 2)).launch == Ids{11, 10});
    CHECK(planWith(pending, running, capped(1, 1)).launch.empty());
}

TEST_CASE("A continued task that made no progress by its stall deadline is expired as stalled")
{
    const TimePoint now = referenceTime();
    const auto offset = GENERATE(as<Duration>{}, -1min, -1us, 0us, 1us, 1min);   // now - stall deadline
    const auto state = GENERATE(RunState::Launching, RunState::Running, RunState::Expiring);
    const auto kind = GENERATE(TaskKind::ContinuedProcessing, TaskKind::Processing);
    CAPTURE(offset.count(), toString(state), toString(kind));
    RunningTask run = runOf(7, kAppA, kind, state);
    run.deadline.reset();
    run.launchWindowEnd = now + 2h;
    run.graceEnd = state == RunState::Expiring ? std::optional(now + 2h) : std::nullopt;
    run.stallDeadline = now - offset;

    const Plan p = planWith({}, {run}, unlimited());
    const bool applies = state == RunState::Running && kind == TaskKind::ContinuedProcessing;
    using Expiry = std::vector<std::pair<std::int64_t, std::string>>;
    const bool stalled = applies && offset >= Duration{0};
    CHECK(p.expireFor == (stalled ? Expiry{{7, "stalled"}} : Expiry{}));
    CHECK(p.expire.empty());
    std::optional<TimePoint> wakeup;
    if (applies && !stalled)
        wakeup = now - offset;
    else if (state != RunState::Running)
        wakeup = now + 2h;
    CHECK(p.nextWakeup == wakeup);
}

TEST_CASE("A continued task without a stall deadline never stalls")
{
    RunningTask run = runOf(7, kAppA, TaskKind::ContinuedProcessing);
    run.stallDeadline.reset();
    const Plan p = planWith({}, {run}, unlimited());
    CHECK(p.expireFor.empty());
    CHECK_FALSE(p.nextWakeup.has_value());
}

// ---- Policy ------------------------------------------------------------------------------

TEST_CASE("A request whose setting is off waits with the policy blocker and is not launched")
{
    const TimePoint now = referenceTime();
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const bool off = GENERATE(false, true);
    const bool early = GENERATE(false, true);
    CAPTURE(toString(kind), off, early);
    PolicyTable policy;
    if (off) {
        policy.user[kAppA].refresh = false;
        policy.user[kAppA].continued = false;
    }
    TaskRequest r = request(1, kAppA, kind);
    if (early)
        r.options.earliestBeginDate = now + 5min;
    const std::vector<TaskRequest> pending{r, request(2, kAppB, kind)};

    const bool governed = kind == TaskKind::AppRefresh || kind == TaskKind::ContinuedProcessing;
    const bool blocked = off && governed;
    const bool waitsForDate = early && kind != TaskKind::ContinuedProcessing;
    const auto readiness = evaluateWith(pending, {}, unlimited(), policy, now);
    std::vector<std::string> expected;
    if (blocked)
        expected.push_back(kind == TaskKind::AppRefresh ? "refresh-disabled-by-user" : "continued-disabled-by-user");
    if (waitsForDate)
        expected.push_back("earliest-begin-date");
    CHECK(conditionsOf(readiness[0]) == expected);
    CHECK(readiness[1].due);
    // The switch ends at no known time, so neither a due time nor a wakeup.
    CHECK(readiness[0].dueAt == (waitsForDate && !blocked ? std::optional(now + 5min) : std::nullopt));

    const Plan p = planWith(pending, {}, unlimited(), policy, now);
    CHECK(p.launch == (blocked || waitsForDate ? Ids{2} : Ids{1, 2}));
    CHECK(p.nextWakeup == (waitsForDate && !blocked ? std::optional(now + 5min) : std::nullopt));
    if (blocked && kind == TaskKind::AppRefresh)
        CHECK(readiness[0].reason == "refresh-disabled-by-user: Background App Refresh is off for org.example.A");
}

// ---- Order and equivalence ---------------------------------------------------------------

TEST_CASE("Every blocker is listed in the documented order")
{
    const TimePoint now = referenceTime();
    TaskRequest r = request(1, kAppA, TaskKind::AppRefresh);
    r.options.earliestBeginDate = now + 1h;
    r.options.requiresExternalPower = true;
    RunningTask same = runOf(1, kAppA, TaskKind::AppRefresh);
    same.request.identifier = r.identifier;
    PolicyTable policy;
    policy.admin[kAppA].refresh = false;
    Scheduling scheduling = capped(1);
    scheduling.limits.refreshSpacing = 15min;
    scheduling.limits.dailyBudget = 1h;
    scheduling.usage[kAppA].lastRefreshLaunch = now - 1min;
    scheduling.usage[kAppA].runTime = 1h;
    scheduling.budgetResetsAt = now + 2h;
    SystemState state = favourableSystemState();
    state.onExternalPower = false;

    const std::vector<TaskRequest> pending{r};
    const auto readiness = evaluateAll(pending, std::vector{same}, state, GatingPolicy{}, policy, scheduling, now);
    CHECK(conditionsOf(readiness.front()) ==
          std::vector<std::string>{"previous-run-active", "refresh-restricted", "earliest-begin-date",
                                   "external-power", "refresh-spacing", "daily-budget", "concurrency-limit"});
    CHECK(readiness.front().reason == readiness.front().unmet.front().reason);
    CHECK_FALSE(readiness.front().dueAt.has_value());
}

TEST_CASE("evaluateAll answers for every request in the order given")
{
    const std::vector<TaskRequest> pending{request(9, kAppA), request(2, kAppB), request(5, kAppC)};
    const std::vector<RunningTask> running{runOf(1, kAppB)};
    auto sameAsRun = pending;
    sameAsRun[1].identifier = running[0].request.identifier;
    const auto readiness = evaluateWith(sameAsRun, running, unlimited());
    REQUIRE(readiness.size() == 3);
    CHECK(readiness[0].due);
    CHECK_FALSE(readiness[1].due);
    CHECK(readiness[2].due);
}

TEST_CASE("The planner without a policy table or scheduling plans with no policy and unlimited fairness")
{
    const TimePoint now = referenceTime();
    const std::vector<TaskRequest> pending{
        request(1, kAppA, TaskKind::AppRefresh), request(2, kAppA, TaskKind::AppRefresh),
        request(3, kAppB, TaskKind::ContinuedProcessing), request(4, kAppB, TaskKind::ContinuedProcessing),
        request(5, kAppC)};
    const std::vector<RunningTask> running{runOf(1, kAppC), runOf(2, kAppC, TaskKind::ContinuedProcessing)};
    const Plan old = plan(pending, running, favourableSystemState(), GatingPolicy{}, now);
    const Plan full = planWith(pending, running, Scheduling{}, PolicyTable{}, now);
    CHECK(old.launch == full.launch);
    CHECK(old.launch == Ids{1, 5, 2, 3, 4});
    CHECK(old.nextWakeup == full.nextWakeup);
}

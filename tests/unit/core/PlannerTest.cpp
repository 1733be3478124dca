// SPDX-License-Identifier: LGPL-2.1-or-later
// The planner as a pure function of time and system state: earliest begin dates, one active run
// per identifier, the moments at which runs time out, expire or are terminated, the next
// wakeup, requests held by unmet conditions and runs expired for a lost one.
#include "Fixtures.h"

#include "core/Planner.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

using namespace bgtask::core;
using namespace bgtask::core::test;
using namespace std::chrono_literals;

namespace {

TaskRequest pendingRequest(std::int64_t id, TaskKind kind, std::string identifier,
                           std::optional<TimePoint> earliest = std::nullopt, std::string app = kApp)
{
    TaskRequest r;
    r.id = id;
    r.app = std::move(app);
    r.kind = kind;
    r.identifier = std::move(identifier);
    r.options.earliestBeginDate = earliest;
    return r;
}

// A run whose state-changing moment (launch window end, deadline or grace end) is `moment`.
RunningTask runIn(RunState state, std::int64_t runId, TimePoint moment,
                  std::string identifier = "org.example.Feeds.run")
{
    RunningTask run;
    run.runId = runId;
    run.request = pendingRequest(runId, TaskKind::Processing, std::move(identifier));
    run.state = state;
    run.startedAt = moment - 1h;
    run.launchWindowEnd = state == RunState::Launching ? moment : moment - 50min;
    if (state != RunState::Launching)
        run.deadline = state == RunState::Running ? moment : moment - 10s;
    if (state == RunState::Expiring) {
        run.graceEnd = moment;
        run.expireReason = "time-limit";
    }
    return run;
}

} // namespace

TEST_CASE("Planner holds a scheduled request until its earliest begin date")
{
    const TimePoint earliest = referenceTime();
    const auto kind = GENERATE(TaskKind::AppRefresh, TaskKind::Processing, TaskKind::HealthResearch);
    const auto offset = GENERATE(as<Duration>{}, -1h, -1s, -1us, 0us, 1us, 1s, 1h);   // now - earliest
    const TimePoint now = earliest + offset;
    CAPTURE(toString(kind), offset.count());

    const auto request = pendingRequest(1, kind, kRefreshId, earliest);
    const auto readiness = evaluate(request, {}, now);
    const Plan p = plan(std::span(&request, 1), {}, now);
    if (offset >= Duration{0}) {
        CHECK(readiness.due);
        CHECK(readiness.reason.empty());
        CHECK_FALSE(readiness.dueAt.has_value());
        CHECK(p.launch == std::vector<std::int64_t>{1});
        CHECK_FALSE(p.nextWakeup.has_value());
    } else {
        CHECK_FALSE(readiness.due);
        CHECK(readiness.reason == "earliest-begin-date: not before 2026-11-28T10:00:00Z");
        CHECK(readiness.dueAt == earliest);
        CHECK(p.launch.empty());
        CHECK(p.nextWakeup == earliest);
    }
}

TEST_CASE("Planner launches a request without an earliest begin date at once")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto readiness = evaluate(pendingRequest(1, kind, kRefreshId), {}, referenceTime());
    CHECK(readiness.due);
    CHECK(readiness.reason.empty());
}

TEST_CASE("Planner starts continued processing at once whatever its earliest begin date")
{
    const auto offset = GENERATE(as<Duration>{}, -1h, 0us, 1h);
    const auto request =
        pendingRequest(1, TaskKind::ContinuedProcessing, "org.example.Feeds.export.j", referenceTime() + offset);
    const auto readiness = evaluate(request, {}, referenceTime());
    CHECK(readiness.due);
    CHECK_FALSE(readiness.dueAt.has_value());
}

TEST_CASE("Planner writes earliest begin dates as exact UTC times")
{
    using namespace std::chrono;
    const auto [date, text] = GENERATE(table<TimePoint, std::string>({
        {TimePoint{sys_days{year{2026} / November / 28} + 10h}, "2026-11-28T10:00:00Z"},
        {TimePoint{sys_days{year{2028} / February / 29} + 23h + 59min + 59s}, "2028-02-29T23:59:59Z"},
        {TimePoint{sys_days{year{2030} / January / 2} + 3h + 4min + 5s + 6us}, "2030-01-02T03:04:05.000006Z"},
        {TimePoint{sys_days{year{2030} / January / 2} + 500ms}, "2030-01-02T00:00:00.500000Z"},
    }));
    const auto readiness = evaluate(pendingRequest(1, TaskKind::Processing, kRefreshId, date), {}, fromUsec(0));
    CHECK(readiness.reason == "earliest-begin-date: not before " + text);
}

TEST_CASE("Planner holds a request while a run of the same app and identifier is active")
{
    const auto state = GENERATE(RunState::Launching, RunState::Running, RunState::Expiring);
    const auto [app, identifier, blocked] = GENERATE(table<std::string, std::string, bool>({
        {kApp, "org.example.Feeds.run", true},
        {kApp, "org.example.Feeds.other", false},
        {"org.example.Other", "org.example.Feeds.run", false},
    }));
    CAPTURE(toString(state), app, identifier);
    const TimePoint now = referenceTime();
    const RunningTask run = runIn(state, 100, now + 1min);
    const auto request = pendingRequest(1, TaskKind::Processing, identifier, std::nullopt, app);

    const auto readiness = evaluate(request, std::span(&run, 1), now);
    const Plan p = plan(std::span(&request, 1), std::span(&run, 1), now);
    CHECK(readiness.due == !blocked);
    CHECK(p.launch.empty() == blocked);
    if (blocked) {
        CHECK(readiness.reason == "previous-run-active: a run of this identifier is still active");
        CHECK_FALSE(readiness.dueAt.has_value());
    }
    CHECK(p.nextWakeup == now + 1min);   // the run's own moment, not the request's
}

TEST_CASE("An active run blocks its identifier even when the earliest begin date has not come")
{
    const TimePoint now = referenceTime();
    const RunningTask run = runIn(RunState::Running, 100, now + 1h);
    const auto request = pendingRequest(1, TaskKind::Processing, "org.example.Feeds.run", now + 1min);
    const auto readiness = evaluate(request, std::span(&run, 1), now);
    CHECK(readiness.reason.starts_with("previous-run-active: "));
    CHECK_FALSE(readiness.dueAt.has_value());
}

TEST_CASE("Planner acts on each run state at and after its moment, and wakes up for it before")
{
    const auto state = GENERATE(RunState::Launching, RunState::Running, RunState::Expiring);
    const auto offset = GENERATE(as<Duration>{}, -1min, -1us, 0us, 1us, 1min);   // now - moment
    const TimePoint moment = referenceTime();
    const TimePoint now = moment + offset;
    CAPTURE(toString(state), offset.count());

    const RunningTask run = runIn(state, 7, moment);
    const Plan p = plan({}, std::span(&run, 1), now);
    const bool acted = offset >= Duration{0};
    const std::vector<std::int64_t> hit{7};
    const std::vector<std::int64_t> none;
    CHECK(p.launchTimedOut == (acted && state == RunState::Launching ? hit : none));
    CHECK(p.expire == (acted && state == RunState::Running ? hit : none));
    CHECK(p.terminate == (acted && state == RunState::Expiring ? hit : none));
    CHECK(p.launch.empty());
    if (acted)
        CHECK_FALSE(p.nextWakeup.has_value());
    else
        CHECK(p.nextWakeup == moment);
}

TEST_CASE("A running task without a deadline is never expired by the planner")
{
    RunningTask run = runIn(RunState::Running, 3, referenceTime());
    run.deadline.reset();   // continued processing has no time limit
    const auto offset = GENERATE(as<Duration>{}, -1h, 0us, 1h);
    const Plan p = plan({}, std::span(&run, 1), referenceTime() + offset);
    CHECK(p.expire.empty());
    CHECK_FALSE(p.nextWakeup.has_value());
}

TEST_CASE("Planner wakes up at the earliest future moment of any request or run")
{
    // now - moment for: a pending request's earliest begin date, a launch window end, a
    // deadline and a grace end. Negative values lie in the future.
    const auto [a, b, c, d] = GENERATE(table<int, int, int, int>({
        {-10, -20, -30, -40},
        {-40, -30, -20, -10},
        {-30, -10, -40, -20},
        {-20, -40, -10, -30},
        {5, -20, -30, -40},
        {5, 0, -30, -40},
        {5, 0, 1, -40},
        {5, 0, 1, 0},
        {-10, 10, 10, 10},
        {0, 0, 0, 0},
        {1, 2, 3, 4},
    }));
    CAPTURE(a, b, c, d);
    const TimePoint now = referenceTime();
    const auto at = [&](int secondsAgo) { return now - std::chrono::seconds(secondsAgo); };
    const std::vector<TaskRequest> pending{pendingRequest(1, TaskKind::AppRefresh, kRefreshId, at(a))};
    const std::vector<RunningTask> running{runIn(RunState::Launching, 11, at(b), "org.example.Feeds.r1"),
                                           runIn(RunState::Running, 12, at(c), "org.example.Feeds.r2"),
                                           runIn(RunState::Expiring, 13, at(d), "org.example.Feeds.r3")};
    const Plan p = plan(pending, running, now);

    std::optional<int> soonest;   // smallest number of seconds until a future moment
    for (int ago : {a, b, c, d}) {
        if (ago < 0 && (!soonest || -ago < *soonest))
            soonest = -ago;
    }
    if (soonest)
        CHECK(p.nextWakeup == now + std::chrono::seconds(*soonest));
    else
        CHECK_FALSE(p.nextWakeup.has_value());
    CHECK(p.launch.size() == (a >= 0 ? 1U : 0U));
    CHECK(p.launchTimedOut.size() == (b >= 0 ? 1U : 0U));
    CHECK(p.expire.size() == (c >= 0 ? 1U : 0U));
    CHECK(p.terminate.size() == (d >= 0 ? 1U : 0U));
}

TEST_CASE("Planner launches due requests oldest first and waiting ones not at all")
{
    const TimePoint now = referenceTime();
    const std::vector<TaskRequest> pending{
        pendingRequest(5, TaskKind::Processing, "org.example.Feeds.e"),
        pendingRequest(2, TaskKind::AppRefresh, "org.example.Feeds.b"),
        pendingRequest(9, TaskKind::ContinuedProcessing, "org.example.Feeds.export.x"),
        pendingRequest(4, TaskKind::Processing, "org.example.Feeds.d", now + 1s),
        pendingRequest(1, TaskKind::HealthResearch, "org.example.Feeds.a", now - 1s, "org.example.Other"),
    };
    const Plan p = plan(pending, {}, now);
    CHECK(p.launch == std::vector<std::int64_t>{1, 2, 5, 9});
    CHECK(p.nextWakeup == now + 1s);
}

TEST_CASE("Planner launches only the oldest of two requests for one app and identifier")
{
    const std::vector<TaskRequest> pending{
        pendingRequest(7, TaskKind::Processing, "org.example.Feeds.same"),
        pendingRequest(3, TaskKind::Processing, "org.example.Feeds.same"),
        pendingRequest(5, TaskKind::Processing, "org.example.Feeds.same", std::nullopt, "org.example.Other"),
    };
    const Plan p = plan(pending, {}, referenceTime());
    CHECK(p.launch == std::vector<std::int64_t>{3, 5});
}

TEST_CASE("Planner lists runs to act on in run id order and has nothing to wake for with nothing pending")
{
    const TimePoint now = referenceTime();
    const std::vector<RunningTask> running{runIn(RunState::Running, 30, now - 1s, "org.example.Feeds.c"),
                                           runIn(RunState::Running, 10, now, "org.example.Feeds.a"),
                                           runIn(RunState::Running, 20, now - 1h, "org.example.Feeds.b")};
    const Plan p = plan({}, running, now);
    CHECK(p.expire == std::vector<std::int64_t>{10, 20, 30});
    CHECK_FALSE(p.nextWakeup.has_value());
    CHECK_FALSE(plan({}, {}, now).nextWakeup.has_value());
}

// ---- System state and gating policy ------------------------------------------------------

namespace {

std::vector<std::string> conditionsOf(const Readiness& readiness)
{
    std::vector<std::string> ids;
    for (const auto& u : readiness.unmet)
        ids.push_back(u.condition);
    return ids;
}

// One way to leave each condition unmet: the kind and options that ask for it and the change
// to a favourable state that fails it.
struct Gate {
    std::string condition;
    TaskKind kind;
    void (*ask)(RequestOptions&);
    void (*spoil)(SystemState&);
};

const Gate kGates[] = {
    {"network", TaskKind::Processing, [](RequestOptions& o) { o.requiresNetworkConnectivity = true; },
     [](SystemState& s) { s.connectivity = Connectivity::Portal; }},
    {"network-unmetered", TaskKind::AppRefresh,
     [](RequestOptions& o) { o.networkType = NetworkType::Unmetered; },
     [](SystemState& s) { s.metered = true; }},
    {"external-power", TaskKind::Processing, [](RequestOptions& o) { o.requiresExternalPower = true; },
     [](SystemState& s) { s.onExternalPower.reset(); }},
    {"battery-not-low", TaskKind::HealthResearch,
     [](RequestOptions& o) { o.requiresBatteryNotLow = true; },
     [](SystemState& s) {
         s.batteryPercent = 12;
         s.batteryState = BatteryState::NotCharging;
     }},
    {"low-battery", TaskKind::AppRefresh, [](RequestOptions&) {},
     [](SystemState& s) {
         s.batteryPercent = 12;
         s.batteryState = BatteryState::Discharging;
     }},
    {"user-idle", TaskKind::Processing, [](RequestOptions&) {},
     [](SystemState& s) { s.userIdle = false; }},
    {"low-power-mode", TaskKind::AppRefresh, [](RequestOptions&) {},
     [](SystemState& s) { s.lowPowerMode = true; }},
    {"data-protection", TaskKind::HealthResearch,
     [](RequestOptions& o) { o.protectionTypeOfRequiredData = Protection::Complete; },
     [](SystemState& s) { s.sessionLocked = true; }},
    {"gpu", TaskKind::ContinuedProcessing,
     [](RequestOptions& o) { o.requiredResources = std::vector<std::string>{"gpu"}; },
     [](SystemState& s) { s.gpuAvailable = false; }},
};

TaskRequest gatedRequest(const Gate& gate, std::int64_t id = 1,
                         std::optional<TimePoint> earliest = std::nullopt)
{
    TaskRequest r = pendingRequest(id, gate.kind, "org.example.Feeds.run", earliest);
    gate.ask(r.options);
    return r;
}

} // namespace

TEST_CASE("Planner holds a request for each unmet condition and launches it once the condition is met")
{
    const auto gate = GENERATE(from_range(std::begin(kGates), std::end(kGates)));
    CAPTURE(gate.condition);
    const TimePoint now = referenceTime();
    const TaskRequest request = gatedRequest(gate);
    SystemState spoilt = favourableSystemState();
    gate.spoil(spoilt);

    const auto waiting = evaluate(request, {}, spoilt, GatingPolicy{}, now);
    CHECK_FALSE(waiting.due);
    CHECK(conditionsOf(waiting) == std::vector<std::string>{gate.condition});
    CHECK(waiting.reason == waiting.unmet.front().reason);
    CHECK(waiting.reason.starts_with(gate.condition + ": "));
    CHECK_FALSE(waiting.dueAt.has_value());
    const Plan held = plan(std::span(&request, 1), {}, spoilt, GatingPolicy{}, now);
    CHECK(held.launch.empty());
    CHECK_FALSE(held.nextWakeup.has_value());   // a state change, not a moment, will free it

    const auto met = evaluate(request, {}, favourableSystemState(), GatingPolicy{}, now);
    CHECK(met.due);
    CHECK(met.reason.empty());
    CHECK(met.unmet.empty());
    const Plan launched =
        plan(std::span(&request, 1), {}, favourableSystemState(), GatingPolicy{}, now);
    CHECK(launched.launch == std::vector<std::int64_t>{1});
}

TEST_CASE("Planner lists every blocker in order and knows a due time only when the date is the one blocker")
{
    const bool active = GENERATE(false, true);
    const bool early = GENERATE(false, true);
    const bool unpowered = GENERATE(false, true);
    CAPTURE(active, early, unpowered);
    const TimePoint now = referenceTime();
    const TimePoint earliest = now + 1min;

    TaskRequest request = pendingRequest(1, TaskKind::Processing, "org.example.Feeds.run",
                                         early ? std::optional(earliest) : std::nullopt);
    request.options.requiresExternalPower = true;
    std::vector<RunningTask> running;
    if (active)
        running.push_back(runIn(RunState::Running, 100, now + 2h));
    SystemState state = favourableSystemState();
    if (unpowered)
        state.onExternalPower = false;

    std::vector<std::string> expected;
    if (active)
        expected.push_back("previous-run-active");
    if (early)
        expected.push_back("earliest-begin-date");
    if (unpowered)
        expected.push_back("external-power");
    const auto readiness = evaluate(request, running, state, GatingPolicy{}, now);
    CHECK(conditionsOf(readiness) == expected);
    CHECK(readiness.due == expected.empty());
    CHECK(readiness.reason == (expected.empty() ? "" : readiness.unmet.front().reason));
    const bool dateOnly = early && !active && !unpowered;
    CHECK(readiness.dueAt == (dateOnly ? std::optional(earliest) : std::nullopt));

    const Plan p = plan(std::span(&request, 1), running, state, GatingPolicy{}, now);
    CHECK(p.launch.size() == (expected.empty() ? 1U : 0U));
    const std::optional<TimePoint> wakeup =
        dateOnly ? std::optional(earliest) : active ? std::optional(now + 2h) : std::nullopt;
    CHECK(p.nextWakeup == wakeup);
}

TEST_CASE("Planner expires a running task whose condition was lost, for that condition")
{
    const auto [lost, reason] = GENERATE(table<std::string, std::string>({
        {"nothing", ""},
        {"power", "external-power-lost"},
        {"network", "network-lost"},
        {"lock", "session-locked"},
        {"activity", "user-active"},
    }));
    const auto runState = GENERATE(RunState::Launching, RunState::Running, RunState::Expiring);
    const bool simulated = GENERATE(false, true);
    CAPTURE(lost, toString(runState), simulated);
    const TimePoint now = referenceTime();

    RunningTask run = runIn(runState, 7, now + 1min);
    run.simulated = simulated;
    run.request.kind = TaskKind::HealthResearch;
    run.request.options.requiresExternalPower = true;
    run.request.options.requiresNetworkConnectivity = true;
    run.request.options.protectionTypeOfRequiredData = Protection::Complete;
    SystemState state = favourableSystemState();
    if (lost == "power")
        state.onExternalPower = false;
    if (lost == "network")
        state.connectivity = Connectivity::None;
    if (lost == "lock")
        state.sessionLocked = true;
    if (lost == "activity")
        state.userIdle = false;

    const Plan p = plan({}, std::span(&run, 1), state, GatingPolicy{}, now);
    const bool expires = !reason.empty() && runState == RunState::Running && !simulated;
    using Expiry = std::vector<std::pair<std::int64_t, std::string>>;
    CHECK(p.expireFor == (expires ? Expiry{{7, reason}} : Expiry{}));
    CHECK(p.expire.empty());
    CHECK(p.launchTimedOut.empty());
    CHECK(p.terminate.empty());
    // A run being expired is acted on now; any other still wakes the planner at its moment.
    CHECK(p.nextWakeup == (expires ? std::nullopt : std::optional(now + 1min)));
}

TEST_CASE("A run past its deadline expires for the time limit and not again for a lost condition")
{
    const TimePoint now = referenceTime();
    const auto offset = GENERATE(as<Duration>{}, -1s, 0us, 1s);   // now - deadline
    CAPTURE(offset.count());
    const RunningTask run = runIn(RunState::Running, 7, now - offset);
    SystemState state = favourableSystemState();
    state.userIdle = false;

    const Plan p = plan({}, std::span(&run, 1), state, GatingPolicy{}, now);
    const bool pastDeadline = offset >= Duration{0};
    CHECK(p.expire == (pastDeadline ? std::vector<std::int64_t>{7} : std::vector<std::int64_t>{}));
    CHECK(p.expireFor.size() == (pastDeadline ? 0U : 1U));
}

TEST_CASE("Planner lists exactly the runs whose condition was lost, in run id order")
{
    const TimePoint now = referenceTime();
    const auto run = [&](std::int64_t id, TaskKind kind, RunState state, void (*ask)(RequestOptions&)) {
        RunningTask r = runIn(state, id, now + 1h, "org.example.Feeds.r" + std::to_string(id));
        r.request.kind = kind;
        ask(r.request.options);
        return r;
    };
    const auto power = [](RequestOptions& o) { o.requiresExternalPower = true; };
    const auto nothing = [](RequestOptions&) {};
    const auto complete = [](RequestOptions& o) { o.protectionTypeOfRequiredData = Protection::Complete; };
    std::vector<RunningTask> running{
        run(40, TaskKind::AppRefresh, RunState::Running, power),           // power lost
        run(10, TaskKind::Processing, RunState::Running, nothing),         // user active
        run(20, TaskKind::AppRefresh, RunState::Running, nothing),         // refresh: exempt
        run(30, TaskKind::HealthResearch, RunState::Running, complete),    // session locked
        run(50, TaskKind::Processing, RunState::Expiring, power),          // already expiring
        run(60, TaskKind::Processing, RunState::Launching, power),         // not yet running
        run(70, TaskKind::ContinuedProcessing, RunState::Running, nothing),
    };
    running.push_back(run(80, TaskKind::Processing, RunState::Running, power));
    running.back().simulated = true;                                      // RunNow: never expired
    SystemState state = favourableSystemState();
    state.onExternalPower = false;
    state.userIdle = false;
    state.sessionLocked = true;

    const Plan p = plan({}, running, state, GatingPolicy{}, now);
    using Expiry = std::vector<std::pair<std::int64_t, std::string>>;
    CHECK(p.expireFor ==
          Expiry{{10, "user-active"}, {30, "session-locked"}, {40, "external-power-lost"}});
    CHECK(p.expire.empty());
    CHECK(p.terminate.empty());
}

TEST_CASE("The planner without a system state plans as in a favourable state with the default policy")
{
    // The daemon still calls the old overloads; they must stay what they were.
    const TimePoint now = referenceTime();
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto offset = GENERATE(as<Duration>{}, -1min, 0us, 1min);   // earliest - now
    const bool active = GENERATE(false, true);
    const auto runState = GENERATE(RunState::Launching, RunState::Running, RunState::Expiring);
    CAPTURE(toString(kind), offset.count(), active, toString(runState));

    TaskRequest request = pendingRequest(1, kind, "org.example.Feeds.run", now + offset);
    request.options.requiresExternalPower = true;   // met in a favourable state
    request.options.networkType = NetworkType::Unmetered;
    const RunningTask run =
        runIn(runState, 9, now + 30s, active ? "org.example.Feeds.run" : "org.example.Feeds.else");

    const auto before = evaluate(request, std::span(&run, 1), now);
    const auto after =
        evaluate(request, std::span(&run, 1), favourableSystemState(), GatingPolicy{}, now);
    CHECK(before.due == after.due);
    CHECK(before.reason == after.reason);
    CHECK(before.dueAt == after.dueAt);
    CHECK(conditionsOf(before) == conditionsOf(after));
    CHECK(before.due == (!active && (kind == TaskKind::ContinuedProcessing || offset <= Duration{0})));

    const Plan old = plan(std::span(&request, 1), std::span(&run, 1), now);
    const Plan fresh =
        plan(std::span(&request, 1), std::span(&run, 1), favourableSystemState(), GatingPolicy{}, now);
    CHECK(old.launch == fresh.launch);
    CHECK(old.launchTimedOut == fresh.launchTimedOut);
    CHECK(old.expire == fresh.expire);
    CHECK(old.terminate == fresh.terminate);
    CHECK(old.nextWakeup == fresh.nextWakeup);
    CHECK(old.expireFor.empty());
    CHECK(fresh.expireFor.empty());
}

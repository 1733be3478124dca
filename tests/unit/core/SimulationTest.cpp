// SPDX-License-Identifier: LGPL-2.1-or-later
// The what-if simulator over the real planner: launches when a scenario meets a request's
// conditions, waits with explain's reasons, runs expired by a lost condition or a time limit,
// schedules resubmitting, fairness and budgets ordering launches, usual durations, bounds.
#include "Fixtures.h"

#include "core/Planner.h"
#include "core/Scenario.h"
#include "core/Schedule.h"
#include "core/Simulation.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <string>
#include <vector>

using namespace bgtask::core;
using namespace bgtask::core::test;
using namespace std::chrono_literals;

namespace {

using Type = SimulationEvent::Type;

TaskRequest request(std::int64_t id, std::string app, std::string identifier, TaskKind kind = TaskKind::AppRefresh)
{
    TaskRequest r;
    r.id = id;
    r.app = std::move(app);
    r.identifier = std::move(identifier);
    r.kind = kind;
    r.submittedAt = referenceTime() - 1h;
    return r;
}

SimulationInput onBattery()
{
    SimulationInput in;
    in.state = favourableSystemState();
    in.state.onExternalPower = false;
    in.state.batteryPercent = 60;
    in.state.batteryState = BatteryState::Discharging;
    return in;
}

SimulationOptions over(Duration span, std::string scenario = {})
{
    SimulationOptions o;
    o.now = referenceTime();   // 10:00 UTC
    o.span = span;
    o.scenario = parseScenario(scenario, "test", o.now, Duration{0});
    return o;
}

std::vector<SimulationEvent> ofType(const SimulationResult& result, Type type)
{
    std::vector<SimulationEvent> out;
    std::ranges::copy_if(result.events, std::back_inserter(out), [type](const auto& e) { return e.type == type; });
    return out;
}

} // namespace

TEST_CASE("Simulate: a power request launches when the scenario plugs in")
{
    const auto [plugIn, offset] = GENERATE(table<std::string, Duration>({{"18:00", 8h}, {"+90s", 90s}, {"10:00", 0h}}));
    CAPTURE(plugIn);
    auto in = onBattery();
    auto r = request(1, "org.example.Feeds", "org.example.Feeds.sync", TaskKind::Processing);
    r.options.requiresExternalPower = true;
    in.pending = {r};
    const auto result = simulate(in, over(24h, plugIn + " power=ac\n"));
    const auto launches = ofType(result, Type::Launch);
    REQUIRE(launches.size() == 1);
    CHECK(launches[0].at == referenceTime() + offset);
    CHECK(launches[0].identifier == "org.example.Feeds.sync");
    CHECK(launches[0].duration == kDefaultUsualDuration);
    const auto ends = ofType(result, Type::End);
    REQUIRE(ends.size() == 1);
    CHECK(ends[0].at == referenceTime() + offset + kDefaultUsualDuration);
    CHECK(ends[0].outcome == "completed");
    if (offset > 0h) {
        const auto waits = ofType(result, Type::Wait);
        REQUIRE_FALSE(waits.empty());
        CHECK(waits[0].at == referenceTime());
        CHECK_THAT(waits[0].reason, Catch::Matchers::StartsWith("external-power"));
    }
    CHECK_FALSE(result.truncated);
}

TEST_CASE("Simulate: a metered window delays an unmetered request and not a connected one")
{
    const auto [type, expected] = GENERATE(table<NetworkType, Duration>({{NetworkType::Unmetered, 2h}, {NetworkType::Connected, 0h}}));
    auto in = onBattery();
    in.state.metered = true;
    auto r = request(1, "org.example.Feeds", "org.example.Feeds.refresh");
    r.options.networkType = type;
    in.pending = {r};
    const auto result = simulate(in, over(24h, "12:00 metered=no\n"));
    const auto launches = ofType(result, Type::Launch);
    REQUIRE(launches.size() == 1);
    CHECK(launches[0].at == referenceTime() + expected);
}

TEST_CASE("Simulate: a running task on power is expired when AC is lost")
{
    SimulationInput in;
    in.state = favourableSystemState();
    in.state.batteryPercent = 80;
    in.state.batteryState = BatteryState::Charging;
    RunningTask run;
    run.runId = 7;
    run.request = request(3, "org.example.Photos", "org.example.Photos.index", TaskKind::Processing);
    run.request.options.requiresExternalPower = true;
    run.state = RunState::Running;
    run.startedAt = referenceTime() - 1min;
    run.deadline = run.startedAt + 10min;
    in.running = {run};
    in.usualDurations[{"org.example.Photos", "org.example.Photos.index"}] = 5min;
    const auto result = simulate(in, over(1h, "+1min power=battery\n"));
    const auto ends = ofType(result, Type::End);
    REQUIRE(ends.size() == 1);
    CHECK(ends[0].at == referenceTime() + 1min);
    CHECK(ends[0].outcome == "expired");
    CHECK(ends[0].reason == "external-power-lost");
    CHECK(ends[0].duration == 2min);
}

TEST_CASE("Simulate: a run longer than its time limit is expired by the limit")
{
    SimulationInput in;
    in.state = favourableSystemState();
    in.pending = {request(1, "org.example.Feeds", "org.example.Feeds.refresh")};
    in.usualDurations[{"org.example.Feeds", "org.example.Feeds.refresh"}] = 2min;
    const auto result = simulate(in, over(1h));
    const auto ends = ofType(result, Type::End);
    REQUIRE(ends.size() == 1);
    CHECK(ends[0].at == referenceTime() + Limits{}.appRefreshTimeLimit);
    CHECK(ends[0].outcome == "expired");
    CHECK(ends[0].reason == "time-limit");
}

TEST_CASE("Simulate: a periodic schedule resubmits after each run")
{
    SimulationInput in;
    in.state = favourableSystemState();
    auto r = request(1, "org.example.Feeds", "org.example.Feeds.poll", TaskKind::Processing);
    r.options.repeatInterval = 1h;
    in.pending = {r};
    in.schedules[{r.app, r.identifier}] = {*scheduleOf(r.options), {}};
    in.usualDurations[{r.app, r.identifier}] = 1min;
    const auto result = simulate(in, over(4h));
    const auto launches = ofType(result, Type::Launch);
    REQUIRE(launches.size() == 4);
    for (std::size_t i = 0; i < launches.size(); ++i)
        CHECK(launches[i].at == referenceTime() + i * 61min);
    const auto resubmits = ofType(result, Type::Resubmit);
    REQUIRE(resubmits.size() == 4);
    CHECK(resubmits[0].at == referenceTime() + 1min);
    CHECK_THAT(resubmits[0].reason, Catch::Matchers::Contains(formatUtc(referenceTime() + 61min)));
}

TEST_CASE("Simulate: a retried request backs off after an expiration and stops after a success")
{
    SimulationInput in;
    in.state = favourableSystemState();
    auto r = request(1, "org.example.Feeds", "org.example.Feeds.upload", TaskKind::Processing);
    r.options.backoffDelay = 1min;
    in.pending = {r};
    in.schedules[{r.app, r.identifier}] = {*scheduleOf(r.options), {}};
    in.usualDurations[{r.app, r.identifier}] = 20min;   // past the 10 min limit: always expires
    const auto result = simulate(in, over(1h));
    const auto ends = ofType(result, Type::End);
    REQUIRE(ends.size() >= 2);
    CHECK(ends[0].reason == "time-limit");
    const auto launches = ofType(result, Type::Launch);
    REQUIRE(launches.size() >= 2);
    // The second launch waits for the backoff: at least half the first delay after the end.
    CHECK(launches[1].at >= ends[0].at + 30s);
    CHECK(launches[1].at <= ends[0].at + 1min);
}

TEST_CASE("Simulate: fairness launches the app that waited longest first when slots are short")
{
    SimulationInput in;
    in.state = favourableSystemState();
    in.scheduling.limits.maxConcurrentTasks = 1;
    in.pending = {request(1, "org.example.A", "org.example.A.job", TaskKind::Processing),
                  request(2, "org.example.B", "org.example.B.job", TaskKind::Processing)};
    in.scheduling.usage["org.example.A"].lastLaunch = referenceTime() - 1h;
    in.scheduling.usage["org.example.B"].lastLaunch = referenceTime() - 5h;
    const auto result = simulate(in, over(1h));
    const auto launches = ofType(result, Type::Launch);
    REQUIRE(launches.size() == 2);
    CHECK(launches[0].app == "org.example.B");
    CHECK(launches[0].at == referenceTime());
    CHECK(launches[1].app == "org.example.A");
    CHECK(launches[1].at == referenceTime() + kDefaultUsualDuration);   // when B's run frees the slot
    const auto waits = ofType(result, Type::Wait);
    REQUIRE(waits.size() == 1);
    CHECK(waits[0].app == "org.example.A");
    CHECK_THAT(waits[0].reason, Catch::Matchers::StartsWith("concurrency-limit"));
}

TEST_CASE("Simulate: an app whose daily budget is spent waits for the next budget day")
{
    SimulationInput in;
    in.state = favourableSystemState();
    in.scheduling.limits.dailyBudget = 60min;
    in.scheduling.budgetResetsAt = referenceTime() + 18h;   // 04:00 the next day
    in.scheduling.usage["org.example.A"].runTime = 60min;
    in.pending = {request(1, "org.example.A", "org.example.A.job", TaskKind::Processing),
                  request(2, "org.example.B", "org.example.B.job", TaskKind::Processing)};
    const auto result = simulate(in, over(24h));
    const auto launches = ofType(result, Type::Launch);
    REQUIRE(launches.size() == 2);
    CHECK(launches[0].app == "org.example.B");
    CHECK(launches[0].at == referenceTime());
    CHECK(launches[1].app == "org.example.A");
    CHECK(launches[1].at == referenceTime() + 18h);
}

TEST_CASE("Simulate: the state staying as it is launches what is due and holds the rest to the end")
{
    auto in = onBattery();
    auto power = request(1, "org.example.A", "org.example.A.power", TaskKind::Processing);
    power.options.requiresExternalPower = true;
    auto later = request(2, "org.example.B", "org.example.B.later");
    later.options.earliestBeginDate = referenceTime() + 3h;
    in.pending = {power, later};
    const auto result = simulate(in, over(24h));
    const auto launches = ofType(result, Type::Launch);
    REQUIRE(launches.size() == 1);
    CHECK(launches[0].app == "org.example.B");
    CHECK(launches[0].at == referenceTime() + 3h);
    CHECK(result.end == referenceTime() + 24h);
    CHECK(ofType(result, Type::State).empty());
}

TEST_CASE("Simulate: the app filter keeps that app's events and the state changes")
{
    auto in = onBattery();
    in.pending = {request(1, "org.example.A", "org.example.A.job"), request(2, "org.example.B", "org.example.B.job")};
    auto options = over(1h, "+5min power=ac\n");
    options.app = "org.example.B";
    const auto result = simulate(in, options);
    REQUIRE_FALSE(result.events.empty());
    for (const auto& e : result.events)
        CHECK((e.app == "org.example.B" || e.type == Type::State));
    CHECK(ofType(result, Type::State).size() == 1);
}

namespace {
// One request repeating every minute for a week: a long simulation.
SimulationInput everyMinute()
{
    SimulationInput in;
    in.state = favourableSystemState();
    auto r = request(1, "org.example.Feeds", "org.example.Feeds.poll", TaskKind::Processing);
    r.options.repeatInterval = 1min;
    in.pending = {r};
    in.schedules[{r.app, r.identifier}] = {*scheduleOf(r.options), {}};
    return in;
}
} // namespace

TEST_CASE("Simulate: the event list is capped with a truncated flag")
{
    const auto in = everyMinute();
    auto options = over(168h);
    options.maxEvents = 50;
    const auto result = simulate(in, options);
    CHECK(result.truncated);
    CHECK(result.events.size() == 50);
    CHECK(result.end < referenceTime() + 168h);
}

TEST_CASE("Simulate: a cancelled simulation stops where it is, truncated")
{
    const auto in = everyMinute();
    auto options = over(168h);
    int moments = 0;
    options.cancelled = [&moments] { return ++moments > 3; };   // the daemon shutting down
    const auto result = simulate(in, options);
    CHECK(result.truncated);
    CHECK(moments == 4);
    CHECK(result.end < referenceTime() + 1h);
}

TEST_CASE("Usual durations are the median of the newest completed runs")
{
    const auto run = [](std::string id, Outcome outcome, Duration took, int age) {
        RunRecord r;
        r.app = "org.example.A";
        r.identifier = std::move(id);
        r.startedAt = referenceTime() - std::chrono::hours(age);
        r.endedAt = r.startedAt + took;
        r.outcome = outcome;
        return r;
    };
    std::vector<RunRecord> history = {run("x", Outcome::Completed, 10s, 1), run("x", Outcome::Expired, 30s, 2),
                                      run("x", Outcome::Completed, 40s, 3), run("x", Outcome::Completed, 20s, 4),
                                      run("y", Outcome::Completed, 10s, 1), run("y", Outcome::Completed, 30s, 2)};
    for (int i = 0; i < 20; ++i)   // older than the newest kUsualDurationRuns: ignored
        history.push_back(run("x", Outcome::Completed, 1h, 10 + i));
    const auto usual = usualDurations(history);
    CHECK(usual.at({"org.example.A", "x"}) == 1h);   // 10, 20, 40 s and six of 1 h: the median is 1 h
    CHECK(usual.at({"org.example.A", "y"}) == 20s);  // even count: the mean of the middle two
    std::vector<RunRecord> few = {history[0], history[1], history[2], history[3]};
    CHECK(usualDurations(few).at({"org.example.A", "x"}) == 20s);
}

TEST_CASE("Simulate: the work over many waiting requests is bounded with the truncated flag")
{
    auto in = onBattery();
    for (std::int64_t id = 1; id <= 5000; ++id) {
        auto r = request(id, "org.example.App" + std::to_string(id % 50), "job" + std::to_string(id), TaskKind::Processing);
        r.options.requiresExternalPower = true;
        in.pending.push_back(r);
    }
    auto poll = request(5001, "org.example.Poll", "org.example.Poll.poll", TaskKind::Processing);
    poll.options.repeatInterval = 1min;
    in.pending.push_back(poll);
    in.schedules[{poll.app, poll.identifier}] = {*scheduleOf(poll.options), {}};
    const auto result = simulate(in, over(168h));
    CHECK(result.truncated);
    CHECK(result.events.size() < kMaxSimulationEvents);
    CHECK(result.end < referenceTime() + 168h);
    CHECK_FALSE(ofType(result, Type::Launch).empty());
}

// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskd-bench-simulate: how long one what-if simulation (core::simulate, Manager1.Simulate)
// holds the daemon's loop, over a synthetic snapshot: APPS apps with PER_APP requests each (an
// app-refresh and processing requests; a third need external power, a third the network, half
// repeat hourly), dates spread over the first hours, fairness at the daemon's defaults, and a
// scenario of four steps (AC at 18:00, the network down and up again, battery at 08:00).
// Prints requests, span, events, whether the caps truncated it, and the time. A report, not a
// test: see bench/README.md.
#include "core/Conditions.h"
#include "core/Schedule.h"
#include "core/Simulation.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace bgtask::core;
using namespace std::chrono_literals;

namespace {

SimulationInput snapshot(int apps, int perApp, TimePoint now)
{
    SimulationInput in;
    in.state = favourableSystemState();
    in.state.onExternalPower = false;
    in.state.batteryPercent = 70;
    in.state.batteryState = BatteryState::Discharging;
    in.scheduling.limits = FairnessLimits{};
    in.scheduling.budgetResetsAt = now + 18h;
    std::int64_t id = 1;
    for (int a = 0; a < apps; ++a) {
        for (int i = 0; i < perApp; ++i) {
            TaskRequest r;
            r.id = id++;
            r.app = "org.example.App" + std::to_string(a);
            r.identifier = r.app + ".t" + std::to_string(i);
            r.kind = i == 0 ? TaskKind::AppRefresh : TaskKind::Processing;
            r.submittedAt = now - 1h;
            r.options.requiresExternalPower = i % 3 == 1;
            r.options.requiresNetworkConnectivity = i % 3 == 2;
            if (i % 2 == 0)
                r.options.repeatInterval = 1h;
            r.options.earliestBeginDate = now + std::chrono::minutes(i * 7 + a);
            if (const auto rules = scheduleOf(r.options))
                in.schedules[{r.app, r.identifier}] = {*rules, {}};
            in.pending.push_back(std::move(r));
        }
    }
    return in;
}

} // namespace

int main(int argc, char** argv)
{
    const int apps = argc > 1 ? std::atoi(argv[1]) : 100;
    const int perApp = argc > 2 ? std::atoi(argv[2]) : 10;
    const int hours = argc > 3 ? std::atoi(argv[3]) : 24;
    const auto now = TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 12 / 7} + 10h};
    SimulationOptions options;
    options.now = now;
    options.span = std::chrono::hours(hours);
    options.scenario = parseScenario("18:00 power=ac\n+1h network=none\n+1h network=wifi\n08:00 power=battery\n",
                                     "bench", now, Duration{0});
    const auto input = snapshot(apps, perApp, now);
    const auto start = std::chrono::steady_clock::now();
    const auto result = simulate(input, options);
    const auto took = std::chrono::steady_clock::now() - start;
    std::printf("%d requests, %d h: %zu events%s, %.1f ms\n", apps * perApp, hours, result.events.size(),
                result.truncated ? " (truncated)" : "", std::chrono::duration<double, std::milli>(took).count());
    return 0;
}

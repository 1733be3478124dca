// SPDX-License-Identifier: LGPL-2.1-or-later
// The simulator's scenario text: its times (now, HH:MM, +SPAN, each after the step before),
// its settings applied to a SystemState, and typed errors that name the file and line.
#include "Fixtures.h"

#include "core/Scenario.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>

using namespace bgtask::core;
using namespace bgtask::core::test;
using namespace std::chrono_literals;

TEST_CASE("Scenario times count from the step before")
{
    const auto now = referenceTime();   // 10:00 UTC
    const auto steps = parseScenario("# a day\n"
                                     "now power=battery\n"
                                     "\n"
                                     "18:00 power=ac\n"
                                     "+2h network=wifi metered=yes\n"
                                     "09:30 metered=no\n"
                                     "+90s locked=yes\n"
                                     "+1h30min idle=no\n",
                                     "day.scenario", now, Duration{0});
    REQUIRE(steps.size() == 6);
    CHECK(steps[0].at == now);
    CHECK(steps[0].line == 2);
    CHECK(steps[1].at == now + 8h);
    CHECK(steps[1].line == 4);
    CHECK(steps[2].at == now + 10h);
    CHECK(steps[2].text == "network=wifi metered=yes");
    CHECK(steps[3].at == now + 23h + 30min);   // the next 09:30 after 20:00
    CHECK(steps[4].at == now + 23h + 31min + 30s);
    CHECK(steps[5].at == steps[4].at + 90min);
}

TEST_CASE("Scenario clock times are local")
{
    const auto now = referenceTime();   // 10:00 UTC, 12:00 at UTC+2
    const auto steps = parseScenario("13:00 power=ac\n11:00:30 power=battery\n", "s", now, 2h);
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].at == now + 1h);
    CHECK(steps[1].at == now + 23h + 30s);
}

TEST_CASE("Scenario settings change the state field they name")
{
    using Check = std::function<bool(const SystemState&)>;
    const auto [setting, check] = GENERATE(table<std::string, Check>({
        {"power=ac", [](const SystemState& s) { return s.onExternalPower == true && s.batteryState == BatteryState::Charging; }},
        {"power=battery", [](const SystemState& s) { return s.onExternalPower == false && s.batteryState == BatteryState::Discharging; }},
        {"power=unknown", [](const SystemState& s) { return !s.onExternalPower; }},
        {"battery-level=15", [](const SystemState& s) { return s.batteryPercent == 15; }},
        {"battery-level=80%", [](const SystemState& s) { return s.batteryPercent == 80; }},
        {"battery=full", [](const SystemState& s) { return s.batteryState == BatteryState::Full; }},
        {"network=none", [](const SystemState& s) { return s.connectivity == Connectivity::None; }},
        {"network=wifi", [](const SystemState& s) { return s.connectivity == Connectivity::Full; }},
        {"network=portal", [](const SystemState& s) { return s.connectivity == Connectivity::Portal; }},
        {"metered=yes", [](const SystemState& s) { return s.metered == true; }},
        {"metered=no", [](const SystemState& s) { return s.metered == false; }},
        {"locked=yes", [](const SystemState& s) { return s.sessionLocked == true; }},
        {"idle=no", [](const SystemState& s) { return s.userIdle == false; }},
        {"logged-in=no", [](const SystemState& s) { return s.userLoggedInSinceBoot == false; }},
        {"gpu=no", [](const SystemState& s) { return s.gpuAvailable == false; }},
        {"low-power-mode=yes", [](const SystemState& s) { return s.lowPowerMode == true; }},
        {"power-profile=power-saver", [](const SystemState& s) { return s.lowPowerMode == true; }},
        {"power-profile=balanced", [](const SystemState& s) { return s.lowPowerMode == false; }},
        {"idle=unknown", [](const SystemState& s) { return !s.userIdle; }},
    }));
    CAPTURE(setting);
    SystemState state;
    state.onExternalPower = true;
    state.batteryState = BatteryState::Discharging;
    state.userIdle = true;
    const auto eq = setting.find('=');
    applyScenarioSetting(state, setting.substr(0, eq), setting.substr(eq + 1));
    CHECK(check(state));
}

TEST_CASE("A broken scenario is an InvalidArgument naming its file and line")
{
    const auto [text, expected] = GENERATE(table<std::string, std::string>({
        {"power=ac\n", "day:1: \"power=ac\" is no time"},
        {"# ok\n18:00\n", "day:2: a time without a setting"},
        {"25:00 power=ac\n", "day:1: \"25:00\" is no time"},
        {"+2x power=ac\n", "day:1: \"+2x\" is no time span"},
        {"now power=mains\n", "day:1: power=mains: expected ac, battery or unknown"},
        {"now colour=blue\n", "day:1: unknown key \"colour\""},
        {"now battery-level=101\n", "day:1: battery-level=101: expected a percentage"},
        {"now metered\n", "day:1: \"metered\" is no key=value setting"},
        {"now power=ac\n+1h locked=maybe\n", "day:2: locked=maybe: expected yes, no or unknown"},
    }));
    CAPTURE(text);
    const auto message = requireError([&] { parseScenario(text, "day", referenceTime(), Duration{0}); },
                                      ErrorCode::InvalidArgument, "bad-scenario");
    CHECK_THAT(message, Catch::Matchers::Contains(expected));
}

TEST_CASE("A scenario is bounded in size and steps")
{
    std::string many;
    for (std::size_t i = 0; i <= kMaxScenarioSteps; ++i)
        many += "+1s idle=yes\n";
    CHECK_THAT(requireError([&] { parseScenario(many, "big", referenceTime(), Duration{0}); },
                            ErrorCode::InvalidArgument, "bad-scenario"),
               Catch::Matchers::Contains("big:1001: more than 1000 steps"));
    const std::string huge(kMaxScenarioBytes + 1, '#');
    requireError([&] { parseScenario(huge, "huge", referenceTime(), Duration{0}); }, ErrorCode::InvalidArgument,
                 "bad-scenario");
}

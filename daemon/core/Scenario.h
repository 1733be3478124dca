// SPDX-License-Identifier: LGPL-2.1-or-later
// The what-if simulator's scenario: a small text of timed changes to the system state, e.g.
//
//   # on battery until 18:00, then AC
//   now    power=battery battery-level=60
//   18:00  power=ac
//   +2h    network=wifi metered=yes
//
// One step per line: a time, then one or more key=value settings; blank lines and lines
// starting with '#' are skipped. Times, each relative to the step before (the simulation's
// start for the first), so that steps never go back:
//   now          the same moment as the step before
//   HH:MM[:SS]   the first such local time at or after the step before
//   +SPAN        SPAN after the step before (systemd's spans: "+90s", "+2h", "+1h 30min")
// Keys and values (every key also takes "unknown"), matching the fields of SystemState:
//   power=ac|battery                 external power (battery: the battery discharges, ac: it
//                                    charges, where a battery state is known)
//   battery-level=0…100              the battery's charge in percent
//   battery=charging|discharging|full|not-charging
//   network=none|portal|limited|full (wifi, ethernet, wwan, vpn and connected mean full)
//   metered=yes|no   locked=yes|no   idle=yes|no   logged-in=yes|no   gpu=yes|no
//   low-power-mode=yes|no            power-profile=power-saver|balanced|performance
// Pure: local time comes in as the offset from UTC; the parser owns and borrows nothing.
#pragma once

#include "SystemState.h"
#include "Time.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bgtask::core {

// Bounds on what one scenario may hold, so that a simulation's cost stays bounded.
inline constexpr std::size_t kMaxScenarioBytes = 64 * 1024;
inline constexpr std::size_t kMaxScenarioSteps = 1000;

struct ScenarioStep {
    TimePoint at{};
    std::size_t line = 0;                                       // 1-based, in the text
    std::vector<std::pair<std::string, std::string>> settings;  // key, value; in the line's order
    std::string text;                                           // the settings as written
};

// The steps of a scenario, in time order. Throws Error InvalidArgument "bad-scenario" with
// "<name>:<line>: <what is wrong>" (name: the file name the user gave, for the message).
std::vector<ScenarioStep> parseScenario(std::string_view text, std::string_view name, TimePoint now,
                                        Duration utcOffset);

// Applies one setting to the state. Throws Error InvalidArgument "bad-scenario" with a
// sentence (no file or line) for an unknown key or a value the key does not take.
void applyScenarioSetting(SystemState& state, std::string_view key, std::string_view value);

} // namespace bgtask::core

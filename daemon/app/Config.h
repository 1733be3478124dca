// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's configuration file (bgtaskd.conf): time limits, grace, launch window, quotas,
// fairness and budgets, and the administrator's policy. A missing file means the defaults; a
// bad value is an error naming file and line.
#pragma once

#include "core/Fairness.h"
#include "core/Limits.h"
#include "core/Policy.h"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace bgtask::app {

struct Config {
    core::Limits limits;
    core::Duration killDelay = std::chrono::seconds(3);   // SIGTERM → SIGKILL
    // The defaults of a shipped daemon, not FairnessLimits::unlimited().
    core::FairnessLimits fairness;
    std::chrono::minutes budgetResetTime{4 * 60};          // local time of day the budgets reset
    // [Policy] and [Policy APP-ID]: the administrator's switches (restricted for the user).
    core::Switches adminGlobal;
    std::map<std::string, core::Switches, std::less<>> adminApps;
};

// Throws std::runtime_error("<file>:<line>: …") on a malformed file or value.
Config loadConfig(const std::filesystem::path& file);
// The same for text already read; fileName only names the file in messages.
Config parseConfig(std::string_view text, const std::string& fileName);

} // namespace bgtask::app

// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's configuration (bgtaskd.conf): time limits, grace, launch window, quotas, fairness
// and budgets, and the administrator's policy. Read in layers: the administrator's files
// (/etc/bgtaskd/bgtaskd.conf, then /etc/bgtaskd/bgtaskd.conf.d/*.conf in lexical order, a later
// file overriding an earlier one), then the user's file, which may tighten what the administrator
// set but never lift it. Missing files mean the defaults; a bad value is an error naming file and line.
#pragma once

#include "core/Fairness.h"
#include "core/Limits.h"
#include "core/Policy.h"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::app {

struct Config {
    core::Limits limits;
    core::Duration killDelay = std::chrono::seconds(3);   // SIGTERM → SIGKILL
    std::size_t maxCallsInFlight = 256;                   // unanswered writing calls per connection
    // The defaults of a shipped daemon, not FairnessLimits::unlimited().
    core::FairnessLimits fairness;
    std::chrono::minutes budgetResetTime{4 * 60};          // local time of day the budgets reset
    // [Policy] and [Policy APP-ID]: the administrator's switches (restricted for the user).
    core::Switches adminGlobal;
    std::map<std::string, core::Switches, std::less<>> adminApps;
};

struct ConfigFiles {
    std::vector<std::filesystem::path> admin;   // in the order they are read
    std::filesystem::path user;                 // empty: none
};

// DIR/bgtaskd.conf and DIR/bgtaskd.conf.d/*.conf (lexical order), those that exist.
std::vector<std::filesystem::path> adminConfigFiles(const std::filesystem::path& dir);

struct LoadedConfig {
    Config config;
    // User settings ignored because they would lift an administrator's ("<file>:<line>: …").
    std::vector<std::string> ignored;
};

// Throws std::runtime_error("<file>:<line>: …") on a malformed file or value, in any layer.
LoadedConfig loadConfig(const ConfigFiles& files);
// One file's text alone (no layers); fileName only names the file in messages.
Config parseConfig(std::string_view text, const std::string& fileName);

} // namespace bgtask::app

// SPDX-License-Identifier: LGPL-2.1-or-later
// How bgtaskctl words the user's policy switches and an app's budget: the cells of `policy` and
// `apps`, their JSON objects, and the arguments `policy` reads. Pure functions of their
// arguments ("now" is passed in); they borrow the JsonWriter they write to.
#pragma once

#include "Output.h"

#include <bgtask/Manager.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgtaskctl {

// One setting of one app in a few words: "available", "denied (off for this app)",
// "denied (off for every app)", "restricted by the administrator",
// "available (set by the administrator)"; "-" when the daemon did not say.
std::string describeSetting(const bgtask::SettingPolicy& setting);
// The every-app level: "on", "off", "restricted by the administrator", …
std::string describeEveryApp(const bgtask::SettingPolicy& setting);
// "refresh: available, continued: denied (off for this app)".
std::string describePolicy(const bgtask::AppPolicy& policy);
// {"status": …, "source": …, "user": true|false} as the value of an open key.
void writeSetting(JsonWriter& json, const bgtask::SettingPolicy& setting);
// "refresh": {…}, "continued": {…} as members of an open object.
void writePolicy(JsonWriter& json, const bgtask::AppPolicy& policy);

// "12m/60m, resets 04:00", "12m, no limit", with ", 2 terminated" when there were terminations.
// The reset is a local clock time when within a day, else relative.
std::string describeBudget(const bgtask::AppRecord& app, bgtask::TimePoint now);
// A budget amount: "0m", "45s", "12m", "90m".
std::string budgetAmount(std::chrono::microseconds length);

// The SETTING and STATE arguments of `policy`: "refresh" | "continued", "on" | "off".
std::optional<bgtask::PolicySetting> parseSetting(std::string_view text);
std::optional<bool> parseSwitch(std::string_view text);

// What `bgtaskctl policy` was asked; app "" is every app.
struct PolicyRequest {
    enum class Action { ShowAll, Show, Set } action = Action::ShowAll;
    std::string app;
    bgtask::PolicySetting setting = bgtask::PolicySetting::Refresh;
    bool enabled = true;

    bool operator==(const PolicyRequest&) const = default;
};
// The positional words and --all: nothing (every app's statuses), APP (one app's), --all (the
// every-app switches), APP SETTING STATE or --all SETTING STATE (switch). Throws
// CLI::ValidationError, a usage error, for anything else.
PolicyRequest parsePolicyArguments(const std::vector<std::string>& words, bool all);

} // namespace bgtaskctl

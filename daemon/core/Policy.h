// SPDX-License-Identifier: LGPL-2.1-or-later
// The user's switches over background work (Apple's Background App Refresh switch, plus one for
// continued processing), global and per app, and the administrator's overrides of them. Pure:
// the store keeps the user's choices, the config file the administrator's.
//
// Resolution, for one app and one setting, the first rule that applies:
//   1. the administrator set it for this app:   on → available, off → restricted
//   2. the administrator set it for every app:  on → available, off → restricted
//   3. the user switched it off for every app, or for this app → denied
//   4. otherwise → available (the default)
// An administrator's setting cannot be changed by the user (SetPolicy answers NotPermitted
// "restricted"), whichever way it points.
#pragma once

#include "Conditions.h"
#include "TaskRequest.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace bgtask::core {

enum class PolicySetting { Refresh, Continued };
enum class PolicyStatus { Available, Denied, Restricted };
enum class PolicySource { Default, User, Administrator };

std::string_view toString(PolicySetting s);   // "refresh" | "continued"
std::string_view toString(PolicyStatus s);    // "available" | "denied" | "restricted"
std::string_view toString(PolicySource s);    // "default" | "user" | "administrator"
std::optional<PolicySetting> parsePolicySetting(std::string_view s);   // nullopt when unknown

// The kind a setting governs: Refresh → app-refresh, Continued → continued-processing.
// Processing and health research are governed by neither.
std::optional<PolicySetting> settingFor(TaskKind kind);

struct Switches {
    std::optional<bool> refresh;     // nullopt: not set at this level
    std::optional<bool> continued;

    std::optional<bool>& operator[](PolicySetting s) { return s == PolicySetting::Refresh ? refresh : continued; }
    const std::optional<bool>& operator[](PolicySetting s) const { return s == PolicySetting::Refresh ? refresh : continued; }
    bool operator==(const Switches&) const = default;
};

struct PolicyDecision {
    PolicyStatus status = PolicyStatus::Available;
    PolicySource source = PolicySource::Default;
    bool global = false;             // the deciding setting is the every-app one

    bool operator==(const PolicyDecision&) const = default;
};

struct PolicyTable {
    Switches userGlobal;
    std::map<std::string, Switches, std::less<>> user;    // by app id
    Switches adminGlobal;
    std::map<std::string, Switches, std::less<>> admin;   // by app id

    PolicyDecision decide(std::string_view app, PolicySetting setting) const;
    bool operator==(const PolicyTable&) const = default;
};

// Condition ids of the policy blockers (stable, like the conditions of Conditions.h).
inline constexpr const char* kBlockerRefreshDisabled = "refresh-disabled-by-user";
inline constexpr const char* kBlockerRefreshRestricted = "refresh-restricted";
inline constexpr const char* kBlockerContinuedDisabled = "continued-disabled-by-user";
inline constexpr const char* kBlockerContinuedRestricted = "continued-restricted";

// The policy blocker of a request, if its kind's setting is not available for its app. The
// reason names who switched it off and where ("refresh-disabled-by-user: Background App
// Refresh is off for org.example.Feeds" / "… off for every app").
std::optional<Unmet> policyBlocker(const TaskRequest& request, const PolicyTable& policy);

// The same as an error for Submit: Unavailable with the blocker's id as sub-reason.
// Throws nothing when the setting is available.
void checkPolicyAllowsSubmit(const TaskRequest& request, const PolicyTable& policy);

} // namespace bgtask::core

// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Policy.h"

#include "Error.h"

namespace bgtask::core {

namespace {

constexpr PolicySetting kAllSettings[] = {PolicySetting::Refresh, PolicySetting::Continued};

// The switch an app has at one level, or nullopt when that level says nothing about it.
std::optional<bool> switchOf(const std::map<std::string, Switches, std::less<>>& perApp,
                             std::string_view app, PolicySetting setting)
{
    const auto it = perApp.find(app);
    if (it == perApp.end())
        return std::nullopt;
    return it->second[setting];
}

PolicyDecision administratorDecision(bool on, bool global)
{
    return {on ? PolicyStatus::Available : PolicyStatus::Restricted, PolicySource::Administrator, global};
}

// What was switched off, as the subject of the blocker's sentence.
std::string subjectOf(PolicySetting setting)
{
    return setting == PolicySetting::Refresh ? "Background App Refresh" : "continued processing";
}

const char* blockerId(PolicySetting setting, PolicyStatus status)
{
    const bool restricted = status == PolicyStatus::Restricted;
    if (setting == PolicySetting::Refresh)
        return restricted ? kBlockerRefreshRestricted : kBlockerRefreshDisabled;
    return restricted ? kBlockerContinuedRestricted : kBlockerContinuedDisabled;
}

// The sentence without its id: "Background App Refresh is off for org.example.Feeds".
std::string blockerText(const std::string& app, PolicySetting setting, const PolicyDecision& decision)
{
    const std::string whom = decision.global ? "every app" : app;
    if (decision.status == PolicyStatus::Restricted)
        return subjectOf(setting) + " is switched off by the administrator for " + whom;
    return subjectOf(setting) + " is off for " + whom;
}

} // namespace

// The spellings appear in SetPolicy's arguments, GetPolicy's answer and the store, so they are
// stable.
std::string_view toString(PolicySetting s)
{
    switch (s) {
    case PolicySetting::Refresh: return "refresh";
    case PolicySetting::Continued: return "continued";
    }
    return "unknown";
}

std::string_view toString(PolicyStatus s)
{
    switch (s) {
    case PolicyStatus::Available: return "available";
    case PolicyStatus::Denied: return "denied";
    case PolicyStatus::Restricted: return "restricted";
    }
    return "unknown";
}

std::string_view toString(PolicySource s)
{
    switch (s) {
    case PolicySource::Default: return "default";
    case PolicySource::User: return "user";
    case PolicySource::Administrator: return "administrator";
    }
    return "unknown";
}

std::optional<PolicySetting> parsePolicySetting(std::string_view s)
{
    for (PolicySetting setting : kAllSettings) {
        if (toString(setting) == s)
            return setting;
    }
    return std::nullopt;
}

std::optional<PolicySetting> settingFor(TaskKind kind)
{
    switch (kind) {
    case TaskKind::AppRefresh: return PolicySetting::Refresh;
    case TaskKind::ContinuedProcessing: return PolicySetting::Continued;
    case TaskKind::Processing:
    case TaskKind::HealthResearch: break;
    }
    return std::nullopt;
}

// The administrator's word is final at either level, and the per-app one is the more specific.
// The user's switches only ever take away: an app switched on while every app is switched off
// stays off, as with Apple's Background App Refresh, and then it is the every-app switch that
// decided. A user's "on" decides nothing beyond the default, so the source stays Default.
PolicyDecision PolicyTable::decide(std::string_view app, PolicySetting setting) const
{
    if (const auto forApp = switchOf(admin, app, setting))
        return administratorDecision(*forApp, false);
    if (const auto forAll = adminGlobal[setting])
        return administratorDecision(*forAll, true);
    if (userGlobal[setting] == false)
        return {PolicyStatus::Denied, PolicySource::User, true};
    if (switchOf(user, app, setting) == false)
        return {PolicyStatus::Denied, PolicySource::User, false};
    return {};
}

std::optional<Unmet> policyBlocker(const TaskRequest& request, const PolicyTable& policy)
{
    const auto setting = settingFor(request.kind);
    if (!setting)
        return std::nullopt;
    const auto decision = policy.decide(request.app, *setting);
    if (decision.status == PolicyStatus::Available)
        return std::nullopt;
    const std::string id = blockerId(*setting, decision.status);
    return Unmet{id, id + ": " + blockerText(request.app, *setting, decision)};
}

// Apple's submit(_:) fails with .unavailable while Background App Refresh is off; the sub-reason
// tells the app (and bgtaskctl) whether the user or the administrator is the one to ask.
void checkPolicyAllowsSubmit(const TaskRequest& request, const PolicyTable& policy)
{
    const auto setting = settingFor(request.kind);
    if (!setting)
        return;
    const auto decision = policy.decide(request.app, *setting);
    if (decision.status == PolicyStatus::Available)
        return;
    throw Error(ErrorCode::Unavailable, blockerId(*setting, decision.status),
                blockerText(request.app, *setting, decision));
}

} // namespace bgtask::core

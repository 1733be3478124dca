// SPDX-License-Identifier: LGPL-2.1-or-later
// The user's and the administrator's switches over background work: how the four levels
// resolve, which kinds they govern, the blockers they put on pending requests and the error
// Submit answers while a setting is off.
#include "Fixtures.h"

#include "core/Policy.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace bgtask::core;
using namespace bgtask::core::test;

namespace {

constexpr const char* kOtherApp = "org.example.Other";

// -1: not set at this level, 0: off, 1: on; keeps the tables below one line per case.
std::optional<bool> sw(int value)
{
    return value < 0 ? std::nullopt : std::optional(value == 1);
}

// A table with the given switches for `setting` at each level, for kApp (per-app levels) and
// the opposite switches for kOtherApp and for the other setting, which must not leak in.
PolicyTable tableWith(PolicySetting setting, int adminApp, int adminGlobal, int userGlobal, int userApp)
{
    const PolicySetting other = setting == PolicySetting::Refresh ? PolicySetting::Continued : PolicySetting::Refresh;
    const auto flip = [](int v) { return sw(v < 0 ? 0 : 1 - v); };
    PolicyTable t;
    t.admin[kApp][setting] = sw(adminApp);
    t.adminGlobal[setting] = sw(adminGlobal);
    t.userGlobal[setting] = sw(userGlobal);
    t.user[kApp][setting] = sw(userApp);
    t.admin[kApp][other] = flip(adminApp);
    t.user[kApp][other] = flip(userApp);
    t.admin[kOtherApp][setting] = flip(adminApp);
    t.user[kOtherApp][setting] = flip(userApp);
    return t;
}

TaskRequest requestOf(TaskKind kind, std::string app = kApp)
{
    TaskRequest r = validRequest(kind);
    r.id = 1;
    r.app = std::move(app);
    return r;
}

} // namespace

TEST_CASE("Policy settings, statuses and sources have stable spellings")
{
    const auto [setting, name] = GENERATE(table<PolicySetting, std::string>({
        {PolicySetting::Refresh, "refresh"},
        {PolicySetting::Continued, "continued"},
    }));
    CHECK(toString(setting) == name);
    CHECK(parsePolicySetting(name) == setting);

    CHECK(toString(PolicyStatus::Available) == "available");
    CHECK(toString(PolicyStatus::Denied) == "denied");
    CHECK(toString(PolicyStatus::Restricted) == "restricted");
    CHECK(toString(PolicySource::Default) == "default");
    CHECK(toString(PolicySource::User) == "user");
    CHECK(toString(PolicySource::Administrator) == "administrator");
}

TEST_CASE("Strings that are not a setting's spelling are not settings")
{
    const std::string name = GENERATE("", "Refresh", "app-refresh", "continued-processing", "refresh ", "bar");
    CAPTURE(name);
    CHECK_FALSE(parsePolicySetting(name).has_value());
}

TEST_CASE("App refresh and continued processing are each governed by one setting, the other kinds by none")
{
    CHECK(settingFor(TaskKind::AppRefresh) == PolicySetting::Refresh);
    CHECK(settingFor(TaskKind::ContinuedProcessing) == PolicySetting::Continued);
    CHECK_FALSE(settingFor(TaskKind::Processing).has_value());
    CHECK_FALSE(settingFor(TaskKind::HealthResearch).has_value());
}

TEST_CASE("A setting resolves by the first rule that applies: administrator per app, administrator for all, user, default")
{
    const auto setting = GENERATE(PolicySetting::Refresh, PolicySetting::Continued);
    // Switches: admin for the app, admin for every app, user for every app, user for the app.
    const auto [adminApp, adminGlobal, userGlobal, userApp, status, source, global] =
        GENERATE(table<int, int, int, int, PolicyStatus, PolicySource, bool>({
            // 4. nothing set, or only the user's "on": the default
            {-1, -1, -1, -1, PolicyStatus::Available, PolicySource::Default, false},
            {-1, -1, 1, 1, PolicyStatus::Available, PolicySource::Default, false},
            {-1, -1, 1, -1, PolicyStatus::Available, PolicySource::Default, false},
            // 3. the user switched it off for every app or for this one
            {-1, -1, 0, -1, PolicyStatus::Denied, PolicySource::User, true},
            {-1, -1, -1, 0, PolicyStatus::Denied, PolicySource::User, false},
            {-1, -1, 1, 0, PolicyStatus::Denied, PolicySource::User, false},
            {-1, -1, 0, 1, PolicyStatus::Denied, PolicySource::User, true},   // app "on" cannot undo it
            {-1, -1, 0, 0, PolicyStatus::Denied, PolicySource::User, true},
            // 2. the administrator for every app overrides the user either way
            {-1, 0, -1, -1, PolicyStatus::Restricted, PolicySource::Administrator, true},
            {-1, 0, 1, 1, PolicyStatus::Restricted, PolicySource::Administrator, true},
            {-1, 1, 0, 0, PolicyStatus::Available, PolicySource::Administrator, true},
            {-1, 1, -1, -1, PolicyStatus::Available, PolicySource::Administrator, true},
            // 1. the administrator for this app overrides everything
            {0, 1, 1, 1, PolicyStatus::Restricted, PolicySource::Administrator, false},
            {0, -1, -1, -1, PolicyStatus::Restricted, PolicySource::Administrator, false},
            {1, 0, 0, 0, PolicyStatus::Available, PolicySource::Administrator, false},
            {1, -1, -1, -1, PolicyStatus::Available, PolicySource::Administrator, false},
        }));
    CAPTURE(toString(setting), adminApp, adminGlobal, userGlobal, userApp);

    const PolicyTable t = tableWith(setting, adminApp, adminGlobal, userGlobal, userApp);
    CHECK(t.decide(kApp, setting) == PolicyDecision{status, source, global});
}

TEST_CASE("Every switch at the global and per-app levels decides as the rules say")
{
    // The whole grid, checked against the rules written out once more as plain conditions.
    const auto setting = GENERATE(PolicySetting::Refresh, PolicySetting::Continued);
    const int adminApp = GENERATE(-1, 0, 1);
    const int adminGlobal = GENERATE(-1, 0, 1);
    const int userGlobal = GENERATE(-1, 0, 1);
    const int userApp = GENERATE(-1, 0, 1);
    CAPTURE(toString(setting), adminApp, adminGlobal, userGlobal, userApp);

    const auto d = tableWith(setting, adminApp, adminGlobal, userGlobal, userApp).decide(kApp, setting);
    if (adminApp >= 0 || adminGlobal >= 0) {
        const int admin = adminApp >= 0 ? adminApp : adminGlobal;
        CHECK(d.status == (admin == 1 ? PolicyStatus::Available : PolicyStatus::Restricted));
        CHECK(d.source == PolicySource::Administrator);
        CHECK(d.global == (adminApp < 0));
    } else if (userGlobal == 0 || userApp == 0) {
        CHECK(d == PolicyDecision{PolicyStatus::Denied, PolicySource::User, userGlobal == 0});
    } else {
        CHECK(d == PolicyDecision{});
    }
}

TEST_CASE("An app without switches of its own follows the every-app ones")
{
    PolicyTable t;
    t.user[kApp].refresh = false;
    CHECK(t.decide(kOtherApp, PolicySetting::Refresh) == PolicyDecision{});
    t.userGlobal.refresh = false;
    CHECK(t.decide(kOtherApp, PolicySetting::Refresh) ==
          PolicyDecision{PolicyStatus::Denied, PolicySource::User, true});
    CHECK(t.decide(kOtherApp, PolicySetting::Continued) == PolicyDecision{});
}

TEST_CASE("A request whose setting is off gets a blocker naming who switched it off and for whom")
{
    const auto [kind, adminApp, adminGlobal, userGlobal, userApp, id, text] =
        GENERATE(table<TaskKind, int, int, int, int, std::string, std::string>({
            {TaskKind::AppRefresh, -1, -1, -1, 0, "refresh-disabled-by-user",
             "Background App Refresh is off for org.example.Feeds"},
            {TaskKind::AppRefresh, -1, -1, 0, -1, "refresh-disabled-by-user",
             "Background App Refresh is off for every app"},
            {TaskKind::AppRefresh, 0, -1, -1, -1, "refresh-restricted",
             "Background App Refresh is switched off by the administrator for org.example.Feeds"},
            {TaskKind::AppRefresh, -1, 0, -1, -1, "refresh-restricted",
             "Background App Refresh is switched off by the administrator for every app"},
            {TaskKind::ContinuedProcessing, -1, -1, -1, 0, "continued-disabled-by-user",
             "continued processing is off for org.example.Feeds"},
            {TaskKind::ContinuedProcessing, -1, -1, 0, -1, "continued-disabled-by-user",
             "continued processing is off for every app"},
            {TaskKind::ContinuedProcessing, 0, -1, -1, -1, "continued-restricted",
             "continued processing is switched off by the administrator for org.example.Feeds"},
            {TaskKind::ContinuedProcessing, -1, 0, 1, 1, "continued-restricted",
             "continued processing is switched off by the administrator for every app"},
        }));
    CAPTURE(id, text);
    const PolicyTable t = tableWith(*settingFor(kind), adminApp, adminGlobal, userGlobal, userApp);
    const TaskRequest request = requestOf(kind);

    const auto blocker = policyBlocker(request, t);
    REQUIRE(blocker.has_value());
    CHECK(blocker->condition == id);
    CHECK(blocker->reason == id + ": " + text);

    const std::string message = requireError([&] { checkPolicyAllowsSubmit(request, t); },
                                             ErrorCode::Unavailable, id);
    CHECK(message == blocker->reason);
}

TEST_CASE("The blocker ids are the stable spellings the constants hold")
{
    CHECK(std::string(kBlockerRefreshDisabled) == "refresh-disabled-by-user");
    CHECK(std::string(kBlockerRefreshRestricted) == "refresh-restricted");
    CHECK(std::string(kBlockerContinuedDisabled) == "continued-disabled-by-user");
    CHECK(std::string(kBlockerContinuedRestricted) == "continued-restricted");
}

TEST_CASE("A request whose setting is available, or that no setting governs, is neither blocked nor refused")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const bool everythingOff = GENERATE(false, true);
    CAPTURE(toString(kind), everythingOff);
    PolicyTable t;
    if (everythingOff) {
        t.adminGlobal = Switches{false, false};
        t.userGlobal = Switches{false, false};
    }
    const TaskRequest request = requestOf(kind);
    const bool governed = settingFor(kind).has_value();
    const bool blocked = everythingOff && governed;

    CHECK(policyBlocker(request, t).has_value() == blocked);
    if (blocked)
        requireError([&] { checkPolicyAllowsSubmit(request, t); }, ErrorCode::Unavailable,
                     kind == TaskKind::AppRefresh ? kBlockerRefreshRestricted : kBlockerContinuedRestricted);
    else
        CHECK_NOTHROW(checkPolicyAllowsSubmit(request, t));
}

TEST_CASE("An administrator's on keeps a setting available that the user switched off")
{
    const bool perApp = GENERATE(false, true);
    PolicyTable t;
    t.userGlobal.refresh = false;
    t.user[kApp].refresh = false;
    if (perApp)
        t.admin[kApp].refresh = true;
    else
        t.adminGlobal.refresh = true;
    const TaskRequest request = requestOf(TaskKind::AppRefresh);
    CHECK_FALSE(policyBlocker(request, t).has_value());
    CHECK_NOTHROW(checkPolicyAllowsSubmit(request, t));
}

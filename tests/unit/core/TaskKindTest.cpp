// SPDX-License-Identifier: LGPL-2.1-or-later
// The shared vocabulary: wire names of kinds, option values, run states, outcomes and
// entitlements, and the time limit of each kind.
#include "Fixtures.h"

#include "core/Limits.h"
#include "core/Manifest.h"
#include "core/RequestOptions.h"
#include "core/Run.h"
#include "core/TaskKind.h"

#include <catch2/catch.hpp>

#include <string>
#include <tuple>

using namespace bgtask::core;
using bgtask::core::test::requireError;

TEST_CASE("Task kinds round-trip through their wire names")
{
    const auto [kind, name, scheduled] = GENERATE(table<TaskKind, std::string, bool>({
        {TaskKind::AppRefresh, "app-refresh", true},
        {TaskKind::Processing, "processing", true},
        {TaskKind::HealthResearch, "health-research", true},
        {TaskKind::ContinuedProcessing, "continued-processing", false},
    }));
    CAPTURE(name);
    CHECK(toString(kind) == name);
    CHECK(parseTaskKind(name) == kind);
    CHECK(isScheduledKind(kind) == scheduled);
}

TEST_CASE("Names that are not exactly a kind's wire name are not kinds")
{
    const std::string name = GENERATE("", "App-Refresh", "app_refresh", "refresh", " processing",
                                      "processing ", "continued", "continuedProcessing", "BGAppRefresh");
    CAPTURE(name);
    CHECK_FALSE(parseTaskKind(name).has_value());
}

TEST_CASE("Network types round-trip through their option values")
{
    const auto [value, name] = GENERATE(table<NetworkType, std::string>({
        {NetworkType::Any, "any"},
        {NetworkType::Connected, "connected"},
        {NetworkType::Unmetered, "unmetered"},
    }));
    CHECK(toString(value) == name);
    CHECK(parseNetworkType(name) == value);
}

TEST_CASE("Data protection types round-trip through their option values")
{
    const auto [value, name] = GENERATE(table<Protection, std::string>({
        {Protection::None, "none"},
        {Protection::Complete, "complete"},
        {Protection::CompleteUnlessOpen, "complete-unless-open"},
        {Protection::CompleteUntilFirstUserAuthentication, "complete-until-first-user-authentication"},
    }));
    CHECK(toString(value) == name);
    CHECK(parseProtection(name) == value);
}

TEST_CASE("Submission strategies round-trip through their option values")
{
    const auto [value, name] = GENERATE(table<Strategy, std::string>({
        {Strategy::Queue, "queue"},
        {Strategy::Fail, "fail"},
    }));
    CHECK(toString(value) == name);
    CHECK(parseStrategy(name) == value);
}

TEST_CASE("An unknown option value is out of range and the message names the option and the choices")
{
    const auto [parser, value, expected] = GENERATE(table<int, std::string, std::string>({
        {0, "wifi", "NetworkType must be one of any, connected, unmetered, not 'wifi'"},
        {0, "", "NetworkType must be one of any, connected, unmetered, not ''"},
        {0, "Any", "NetworkType must be one of any, connected, unmetered, not 'Any'"},
        {1, "completeUnlessOpen",
         "ProtectionTypeOfRequiredData must be one of none, complete, complete-unless-open, "
         "complete-until-first-user-authentication, not 'completeUnlessOpen'"},
        {2, "later", "Strategy must be one of queue, fail, not 'later'"},
        {2, "queue ", "Strategy must be one of queue, fail, not 'queue '"},
    }));
    CAPTURE(parser, value);
    const auto message = requireError(
        [&] {
            switch (parser) {
            case 0: parseNetworkType(value); break;
            case 1: parseProtection(value); break;
            default: parseStrategy(value); break;
            }
        },
        ErrorCode::InvalidArgument, "out-of-range");
    CHECK(message == "out-of-range: " + expected);
}

TEST_CASE("Run outcomes round-trip through their history spellings")
{
    const auto [outcome, name] = GENERATE(table<Outcome, std::string>({
        {Outcome::Completed, "completed"},
        {Outcome::Failed, "failed"},
        {Outcome::Expired, "expired"},
        {Outcome::Terminated, "terminated"},
        {Outcome::LaunchFailed, "launch-failed"},
        {Outcome::AppExited, "app-exited"},
        {Outcome::Interrupted, "interrupted"},
        {Outcome::Cancelled, "cancelled"},
        {Outcome::Dropped, "dropped"},
    }));
    CHECK(toString(outcome) == name);
    CHECK(parseOutcome(name) == outcome);
}

TEST_CASE("Strings that are not an outcome's spelling are not outcomes")
{
    const std::string name = GENERATE("", "Completed", "launch_failed", "killed", "success");
    CAPTURE(name);
    CHECK_FALSE(parseOutcome(name).has_value());
}

TEST_CASE("Run states have their wire names")
{
    const auto [state, name] = GENERATE(table<RunState, std::string>({
        {RunState::Launching, "launching"},
        {RunState::Running, "running"},
        {RunState::Expiring, "expiring"},
    }));
    CHECK(toString(state) == name);
}

TEST_CASE("Entitlements round-trip through their manifest spellings")
{
    const auto [entitlement, name] = GENERATE(table<Entitlement, std::string>({
        {Entitlement::Gpu, "gpu"},
        {Entitlement::HealthResearch, "health-research"},
    }));
    CHECK(toString(entitlement) == name);
    CHECK(parseEntitlement(name) == entitlement);
    CHECK_FALSE(parseEntitlement("GPU").has_value());
    CHECK_FALSE(parseEntitlement("healthresearch").has_value());
}

TEST_CASE("Each scheduled kind has its own time limit and continued processing has none")
{
    Limits limits;
    limits.appRefreshTimeLimit = std::chrono::seconds(31);
    limits.processingTimeLimit = std::chrono::seconds(601);
    limits.healthResearchTimeLimit = std::chrono::seconds(602);
    const auto [kind, expected] = GENERATE(table<TaskKind, std::optional<Duration>>({
        {TaskKind::AppRefresh, std::chrono::seconds(31)},
        {TaskKind::Processing, std::chrono::seconds(601)},
        {TaskKind::HealthResearch, std::chrono::seconds(602)},
        {TaskKind::ContinuedProcessing, std::nullopt},
    }));
    CAPTURE(toString(kind));
    CHECK(limits.timeLimit(kind) == expected);
}

TEST_CASE("Default limits follow Apple's published numbers")
{
    const Limits limits;
    CHECK(limits.maxPendingAppRefresh == 1);
    CHECK(limits.maxPendingProcessing == 10);
    CHECK(limits.timeLimit(TaskKind::AppRefresh) == std::chrono::seconds(30));
    CHECK(limits.timeLimit(TaskKind::Processing) == std::chrono::minutes(10));
}

// SPDX-License-Identifier: LGPL-2.1-or-later
// [Schedule <identifier>] groups in manifests: what they declare, what they permit, and every
// problem at the line it is on.
#include "Fixtures.h"

#include "core/ManifestParser.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace bgtask::core;
using namespace std::chrono_literals;

namespace {

constexpr const char* kFileName = "org.example.Backup.conf";

std::string describe(const ManifestParseResult& result)
{
    std::string text = result.manifest ? "usable;" : "rejected;";
    for (const auto& p : result.problems)
        text += " [" + std::to_string(p.line) + "] " + p.message + ";";
    return text;
}

// Only [Application] Id and one schedule: Kinds and PermittedIdentifiers come from it.
std::string withSchedule(const std::string& body)
{
    return "[Application]\n"                           // 1
           "Id=org.example.Backup\n"                   // 2
           "\n"                                        // 3
           "[Schedule org.example.Backup.nightly]\n"   // 4
           + body;                                     // 5…
}

bool hasProblem(const ManifestParseResult& result, int line, const std::string& fragment)
{
    return std::ranges::any_of(result.problems, [&](const ManifestProblem& p) {
        return p.line == line && p.message.find(fragment) != std::string::npos;
    });
}

} // namespace

TEST_CASE("A schedule group declares its identifier, kind, interval, conditions and schedule keys")
{
    const auto result = parseManifest(withSchedule("Kind=processing\n"
                                                   "Interval=1d\n"
                                                   "RandomizedDelay=1h\n"
                                                   "Flex=2h\n"
                                                   "BackoffDelay=5min\n"
                                                   "MaxBackoffDelay=6h\n"
                                                   "RequiresExternalPower=true\n"
                                                   "RequiresNetworkConnectivity=yes\n"
                                                   "RequiresBatteryNotLow=off\n"
                                                   "NetworkType=unmetered\n"),
                                      kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    CHECK(result.problems.empty());
    const auto& m = *result.manifest;
    REQUIRE(m.schedules.size() == 1);
    const auto& s = m.schedules.front();
    CHECK(s.identifier == "org.example.Backup.nightly");
    CHECK(s.kind == TaskKind::Processing);
    RequestOptions expected;
    expected.repeatInterval = 24h;
    expected.randomizedDelay = 1h;
    expected.flex = 2h;
    expected.backoffDelay = 5min;
    expected.maxBackoffDelay = 6h;
    expected.requiresExternalPower = true;
    expected.requiresNetworkConnectivity = true;
    expected.requiresBatteryNotLow = false;
    expected.networkType = NetworkType::Unmetered;
    CHECK(s.options == expected);
    CHECK(m.scheduleFor("org.example.Backup.nightly") == &s);
    CHECK(m.scheduleFor("org.example.Backup.other") == nullptr);
}

TEST_CASE("A schedule permits its identifier for its kind, so Kinds and PermittedIdentifiers may be left out")
{
    const auto result = parseManifest(withSchedule("Kind=app-refresh\nInterval=12h\n"), kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    const auto& m = *result.manifest;
    CHECK(m.identifiers == std::vector<Atom>{"org.example.Backup.nightly"});
    CHECK(m.kinds == std::set<TaskKind>{TaskKind::AppRefresh});
    CHECK(m.permitsIdentifier("org.example.Backup.nightly", TaskKind::AppRefresh));
    CHECK(m.permitsAnyKind("org.example.Backup.nightly"));
}

TEST_CASE("A schedule adds to the identifiers and kinds the manifest lists, once")
{
    const std::string text = "[Application]\n"
                             "Id=org.example.Backup\n"
                             "PermittedIdentifiers=org.example.Backup.nightly;org.example.Backup.now\n"
                             "Kinds=app-refresh\n"
                             "[Schedule org.example.Backup.nightly]\n"
                             "Kind=processing\n"
                             "Interval=1d\n"
                             "[Schedule org.example.Backup.weekly]\n"
                             "Kind=processing\n"
                             "Interval=1w\n";
    const auto result = parseManifest(text, kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    const auto& m = *result.manifest;
    CHECK(m.identifiers == std::vector<Atom>{"org.example.Backup.nightly", "org.example.Backup.now",
                                                    "org.example.Backup.weekly"});
    CHECK(m.kinds == std::set<TaskKind>{TaskKind::AppRefresh, TaskKind::Processing});
    REQUIRE(m.schedules.size() == 2);
    CHECK(m.schedules[1].options.repeatInterval == std::optional<Duration>(7 * 24h));
}

TEST_CASE("A manifest without schedules still needs Kinds and PermittedIdentifiers")
{
    const auto result = parseManifest("[Application]\nId=org.example.Backup\n", kFileName);
    INFO(describe(result));
    CHECK_FALSE(result.manifest.has_value());
    CHECK(hasProblem(result, 0, "required key Kinds is missing"));
    CHECK(hasProblem(result, 0, "required key PermittedIdentifiers is missing"));
}

TEST_CASE("Every problem of a schedule group is an error at its line and rejects the manifest")
{
    const auto [body, line, fragment] = GENERATE(table<std::string, int, std::string>({
        {"Interval=1d\n", 4, "required key Kind is missing"},
        {"Kind=processing\n", 4, "required key Interval is missing"},
        {"Kind=continued-processing\nInterval=1d\n", 5, "Kind 'continued-processing' is not a kind a schedule"},
        {"Kind=nightly\nInterval=1d\n", 5, "Kind 'nightly'"},
        {"Kind=processing\nInterval=daily\n", 6, "Interval 'daily' is not a time span"},
        {"Kind=processing\nInterval=30s\n", 4, "RepeatInterval must be between 1min and"},
        {"Kind=processing\nInterval=1h\nFlex=1h\n", 4, "Flex must be at least 0 and less than"},
        {"Kind=processing\nInterval=1h\nBackoffDelay=5s\n", 4, "BackoffDelay must be between 10s"},
        {"Kind=processing\nInterval=1h\nMaxBackoffDelay=20s\n", 4, "MaxBackoffDelay must be between 30s"},
        {"Kind=processing\nInterval=1h\nRandomizedDelay=soon\n", 7, "RandomizedDelay 'soon'"},
        {"Kind=processing\nInterval=1h\nRequiresExternalPower=maybe\n", 7,
         "RequiresExternalPower 'maybe' is not a boolean"},
        {"Kind=processing\nInterval=1h\nNetworkType=wifi\n", 7, "NetworkType must be one of any, connected, unmetered"},
        {"Kind=processing\nInterval=1h\nInterval=2h\n", 7, "key Interval is set twice (first on line 6)"},
        {"Kind=processing\nInterval=1h\nProtectionTypeOfRequiredData=none\n", 4,
         "ProtectionTypeOfRequiredData does not apply to processing"},
        {"Kind=health-research\nInterval=1h\n", 4, "lacks the health-research entitlement"},
    }));
    CAPTURE(body);
    const auto result = parseManifest(withSchedule(body), kFileName);
    INFO(describe(result));
    CHECK_FALSE(result.manifest.has_value());
    CHECK(hasProblem(result, line, fragment));
}

TEST_CASE("A schedule group's name must be a valid identifier, once per manifest")
{
    const std::string bad = "[Application]\nId=org.example.Backup\n[Schedule nightly]\nKind=processing\nInterval=1d\n";
    const auto invalid = parseManifest(bad, kFileName);
    INFO(describe(invalid));
    CHECK_FALSE(invalid.manifest.has_value());
    CHECK(hasProblem(invalid, 3, "'nightly' is not a valid identifier"));

    const std::string twice = withSchedule("Kind=processing\nInterval=1d\n") +
                              "[Schedule org.example.Backup.nightly]\nKind=processing\nInterval=2d\n";
    const auto repeated = parseManifest(twice, kFileName);
    INFO(describe(repeated));
    CHECK_FALSE(repeated.manifest.has_value());
    CHECK(hasProblem(repeated, 7, "appears more than once (first on line 4)"));
}

TEST_CASE("An unknown key in a schedule group is a warning and leaves the schedule usable")
{
    const auto result = parseManifest(withSchedule("Kind=processing\nInterval=1d\nPersistent=true\n"), kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    CHECK(result.manifest->schedules.size() == 1);
    CHECK(hasProblem(result, 7, "key Persistent is not known in a [Schedule] group"));
}

TEST_CASE("A health-research schedule needs the entitlement, which the manifest may give it")
{
    const std::string text = "[Application]\n"
                             "Id=org.example.Backup\n"
                             "Entitlements=health-research\n"
                             "[Schedule org.example.Backup.study]\n"
                             "Kind=health-research\n"
                             "Interval=1d\n"
                             "ProtectionTypeOfRequiredData=none\n";
    const auto result = parseManifest(text, kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    CHECK(result.manifest->schedules.front().options.protectionTypeOfRequiredData ==
          std::optional<Protection>(Protection::None));
}

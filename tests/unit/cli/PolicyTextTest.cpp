// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl's words for the policy, the budget, continued-processing progress and outcomes, the
// JSON of the policy, the arguments of `policy`, and the errors and exit codes of SetPolicy.
#include "ExitCodes.h"
#include "Output.h"
#include "PolicyText.h"

#include <CLI/Error.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

using namespace bgtaskctl;
using namespace std::chrono_literals;
using bgtask::PolicySetting;
using bgtask::SchedulerError;
using bgtask::SettingPolicy;
using Action = PolicyRequest::Action;
using Words = std::vector<std::string>;

namespace {

const bgtask::TimePoint kNow{std::chrono::seconds{1'700'000'000}};   // 2023-11-14T22:13:20Z

// Local times in these tests are UTC.
struct UtcZone {
    UtcZone()
    {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
};

bgtask::AppRecord budget(std::chrono::microseconds used, std::optional<std::chrono::microseconds> limit,
                         std::optional<bgtask::TimePoint> resetsAt, std::uint32_t terminations = 0)
{
    bgtask::AppRecord a;
    a.budgetUsed = used;
    a.budgetLimit = limit;
    a.budgetResetsAt = resetsAt;
    a.terminations = terminations;
    return a;
}

} // namespace

TEST_CASE("A setting reads as its status and, when it is off, where it was switched off")
{
    const auto [setting, text] = GENERATE(table<SettingPolicy, std::string>({
        {{"available", "default", true}, "available"},
        {{"available", "user", true}, "available"},
        {{"available", "administrator", false}, "available (set by the administrator)"},
        {{"denied", "user", false}, "denied (off for this app)"},
        {{"denied", "user", true}, "denied (off for every app)"},
        {{"restricted", "administrator", true}, "restricted by the administrator"},
        {{"restricted", "administrator", false}, "restricted by the administrator"},
        {{"paused", "user", true}, "paused (user)"},
        {{"paused", "default", true}, "paused"},
        {{"", "", true}, "-"},
    }));
    INFO(setting.status << "/" << setting.source << "/" << setting.user);
    CHECK(describeSetting(setting) == text);
}

TEST_CASE("The every-app level reads as the user's switch unless the administrator decides")
{
    CHECK(describeEveryApp({"available", "default", true}) == "on");
    CHECK(describeEveryApp({"denied", "user", false}) == "off");
    CHECK(describeEveryApp({"restricted", "administrator", true}) == "restricted by the administrator");
    CHECK(describeEveryApp({"available", "administrator", false}) == "on (set by the administrator)");
    CHECK(describeEveryApp({"", "", true}) == "-");
}

TEST_CASE("An app's policy reads as one line naming both settings")
{
    const bgtask::AppPolicy policy{{"available", "default", true}, {"denied", "user", false}};
    CHECK(describePolicy(policy) == "refresh: available, continued: denied (off for this app)");
}

TEST_CASE("An app's policy is written as JSON objects with status, source and user")
{
    std::ostringstream out;
    JsonWriter json(out);
    json.beginObject();
    writePolicy(json, {{"denied", "user", false}, {"restricted", "administrator", true}});
    json.endObject();
    CHECK(out.str() == R"({"refresh":{"status":"denied","source":"user","user":false},)"
                       R"("continued":{"status":"restricted","source":"administrator","user":true}})"
                       "\n");
}

TEST_CASE("Budget amounts are whole minutes, or seconds below a minute")
{
    CHECK(budgetAmount(0s) == "0m");
    CHECK(budgetAmount(-5s) == "0m");
    CHECK(budgetAmount(400ms) == "0s");
    CHECK(budgetAmount(45s) == "45s");
    CHECK(budgetAmount(60s) == "1m");
    CHECK(budgetAmount(12min + 59s) == "12m");
    CHECK(budgetAmount(90min) == "90m");
}

TEST_CASE("The budget reads as used of limit, with the local reset time within a day")
{
    const UtcZone utc;
    CHECK(describeBudget(budget(12min, 60min, kNow + 5h + 46min + 40s), kNow) == "12m/60m, resets 04:00");
    CHECK(describeBudget(budget(12min, 60min, kNow + 5h + 46min + 40s, 2), kNow) ==
          "12m/60m, resets 04:00, 2 terminated");
    CHECK(describeBudget(budget(0s, 60min, std::nullopt), kNow) == "0m/60m");
    CHECK(describeBudget(budget(3min, std::nullopt, kNow + 1h, 1), kNow) == "3m, no limit, 1 terminated");
    // A reset more than a day away (or already past: a stale answer) is relative.
    CHECK(describeBudget(budget(1min, 60min, kNow + 48h), kNow) == "1m/60m, resets in 2 d");
    CHECK(describeBudget(budget(1min, 60min, kNow - 10s), kNow) == "1m/60m, resets 10 s ago");
}

TEST_CASE("Settings and switches are read from their command-line words only")
{
    CHECK(parseSetting("refresh") == PolicySetting::Refresh);
    CHECK(parseSetting("continued") == PolicySetting::Continued);
    CHECK_FALSE(parseSetting("Refresh"));
    CHECK_FALSE(parseSetting("app-refresh"));
    CHECK_FALSE(parseSetting(""));
    CHECK(parseSwitch("on") == true);
    CHECK(parseSwitch("off") == false);
    CHECK_FALSE(parseSwitch("yes"));
    CHECK_FALSE(parseSwitch("ON"));
    CHECK_FALSE(parseSwitch(""));
}

TEST_CASE("The policy arguments select showing every app, one app, the every-app level or a switch")
{
    using R = PolicyRequest;
    CHECK(parsePolicyArguments({}, false) == R{Action::ShowAll, "", PolicySetting::Refresh, true});
    CHECK(parsePolicyArguments({}, true) == R{Action::Show, "", PolicySetting::Refresh, true});
    CHECK(parsePolicyArguments({"org.example.Feeds"}, false) ==
          R{Action::Show, "org.example.Feeds", PolicySetting::Refresh, true});
    CHECK(parsePolicyArguments({"org.example.Feeds", "refresh", "off"}, false) ==
          R{Action::Set, "org.example.Feeds", PolicySetting::Refresh, false});
    CHECK(parsePolicyArguments({"org.example.Feeds", "continued", "on"}, false) ==
          R{Action::Set, "org.example.Feeds", PolicySetting::Continued, true});
    CHECK(parsePolicyArguments({"continued", "off"}, true) ==
          R{Action::Set, "", PolicySetting::Continued, false});
    CHECK(parsePolicyArguments({"", "refresh", "off"}, false) ==
          R{Action::Set, "", PolicySetting::Refresh, false});
}

TEST_CASE("Policy arguments in no documented form are a usage error")
{
    const auto [words, all] = GENERATE(table<Words, bool>({
        {{"org.example.Feeds", "refresh"}, false},
        {{"org.example.Feeds", "refresh", "off", "now"}, false},
        {{"org.example.Feeds"}, true},
        {{"org.example.Feeds", "refresh", "off"}, true},
        {{"org.example.Feeds", "bogus", "off"}, false},
        {{"org.example.Feeds", "refresh", "maybe"}, false},
        {{"refresh", "true"}, true},
    }));
    INFO(words.size() << " words, --all " << all);
    CHECK_THROWS_AS(parsePolicyArguments(words, all), CLI::ValidationError);
}

TEST_CASE("A bad setting or switch is named in the usage error")
{
    CHECK_THROWS_WITH(parsePolicyArguments({"a", "bogus", "on"}, false),
                      Catch::Contains("unknown setting 'bogus'") && Catch::Contains("refresh or continued"));
    CHECK_THROWS_WITH(parsePolicyArguments({"a", "refresh", "maybe"}, false),
                      Catch::Contains("expected on or off") && Catch::Contains("'maybe'"));
}

TEST_CASE("SetPolicy's refusals print in plain words and exit as not permitted, not found, usage")
{
    const auto [code, subReason, line, status] = GENERATE(table<SchedulerError::Code, std::string, std::string, int>({
        {SchedulerError::Code::NotPermitted, "restricted",
         "bgtaskctl: restricted: the administrator's configuration decides this setting: m\n",
         kExitNotPermitted},
        {SchedulerError::Code::NotFound, "no-such-app",
         "bgtaskctl: no such app (none with a valid manifest has this id): m\n", kExitNotFound},
        {SchedulerError::Code::InvalidArgument, "unknown-setting",
         "bgtaskctl: unknown setting (bgtaskd knows refresh and continued): m\n", kExitUsage},
    }));
    const SchedulerError error(code, subReason, "m");
    std::ostringstream err;
    printError(err, error);
    CHECK(err.str() == line);
    CHECK(exitCodeFor(error) == status);
}

TEST_CASE("Continued-processing progress reads as units done of the total, with a percentage")
{
    CHECK(progressText(3, 12) == "3 of 12 (25%)");
    CHECK(progressText(0, 12) == "0 of 12 (0%)");
    CHECK(progressText(12, 12) == "12 of 12 (100%)");
    CHECK(progressText(15, 12) == "15 of 12 (100%)");
    CHECK(progressText(7, 0) == "7 done, total unknown");
    CHECK(progressText(INT64_MAX / 2, INT64_MAX) == std::to_string(INT64_MAX / 2) + " of " +
                                                        std::to_string(INT64_MAX) + " (50%)");
}

TEST_CASE("Outcomes read with their reason, and cancelled says what happened without one")
{
    CHECK(describeOutcome("completed", "") == "completed");
    CHECK(describeOutcome("expired", "time limit reached") == "expired (time limit reached)");
    CHECK(describeOutcome("cancelled", "") == "cancelled (its process went away while it ran)");
    CHECK(describeOutcome("cancelled", "app-exited") == "cancelled (app-exited)");
    CHECK(describeOutcome("something-new", "") == "something-new");
    CHECK(describeOutcome("dropped", "manifest-removed: the manifest of a is gone") ==
          "dropped (manifest-removed: the manifest of a is gone)");
}

TEST_CASE("An outcome is said once: a reason that repeats it is left out")
{
    CHECK(describeOutcome("failed", "failed") == "failed");
    CHECK(describeOutcome("failed", "failed: exit status 3") == "failed (exit status 3)");
    CHECK(describeOutcome("failed", "exit-code") == "failed (exit-code)");
    CHECK(describeOutcome("expired", "expired-before-launch: time-limit") ==
          "expired (expired-before-launch: time-limit)");
}

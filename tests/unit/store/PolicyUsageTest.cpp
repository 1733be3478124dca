// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RawSqlite.h"
#include "StringMakers.h"
#include "TempDir.h"

#include "store/Store.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

using namespace bgtask;
using namespace std::chrono_literals;
using bgtask::core::PolicySetting;
using bgtask::core::Switches;
using bgtask::store::Store;
using bgtask::store::test::queryColumn;
using bgtask::store::test::TempDir;

namespace {

using Strings = std::vector<std::string>;

const core::TimePoint kDayStart = core::fromUsec(1'767'225'600'000'000);   // 2026-01-01T00:00Z
constexpr std::optional<bool> kUnset;

const std::string kApp = "org.example.news";
const std::string kOther = "org.example.photos";

// One run in the history: started, and finished unless outcome is unset.
struct RunSpec {
    std::string app = kApp;
    core::TaskKind kind = core::TaskKind::Processing;
    core::TimePoint startedAt = kDayStart + 1h;
    core::Duration ranFor = 1min;
    std::optional<core::Outcome> outcome = core::Outcome::Completed;
    bool simulated = false;
};

void record(Store& store, const RunSpec& spec)
{
    core::RunningTask run;
    run.request.app = spec.app;
    run.request.identifier = spec.app + ".task";
    run.request.kind = spec.kind;
    run.request.submittedAt = spec.startedAt - 1min;
    run.state = core::RunState::Launching;
    run.startedAt = spec.startedAt;
    run.launchWindowEnd = spec.startedAt + 15s;
    run.simulated = spec.simulated;
    const std::int64_t id = store.startRun(run);
    if (spec.outcome)
        store.finishRun(id, *spec.outcome, "", spec.startedAt + spec.ranFor);
}

RunSpec counted(core::Duration ranFor)
{
    RunSpec spec;
    spec.ranFor = ranFor;
    return spec;
}

std::string policyRows(const std::filesystem::path& file)
{
    std::string rows;
    for (const std::string& row :
         queryColumn(file, "SELECT quote(app) || ' ' || quote(refresh) || ' ' || quote(continued)"
                           " FROM policy ORDER BY app"))
        rows += row + "\n";
    return rows;
}

} // namespace

TEST_CASE("A user policy switch is set, changed and cleared, one setting at a time")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    CHECK(store.loadUserPolicy().empty());

    store.setUserPolicy(kApp, PolicySetting::Refresh, false);
    CHECK(store.loadUserPolicy().at(kApp) == Switches{false, kUnset});
    store.setUserPolicy(kApp, PolicySetting::Continued, true);
    CHECK(store.loadUserPolicy().at(kApp) == Switches{false, true});
    store.setUserPolicy(kApp, PolicySetting::Refresh, true);
    CHECK(store.loadUserPolicy().at(kApp) == Switches{true, true});
    store.setUserPolicy(kApp, PolicySetting::Refresh, std::nullopt);
    CHECK(store.loadUserPolicy().at(kApp) == Switches{kUnset, true});
    CHECK(store.loadUserPolicy().size() == 1);
}

TEST_CASE("A policy row is deleted once both of its switches are cleared")
{
    const PolicySetting last = GENERATE(PolicySetting::Refresh, PolicySetting::Continued);
    const PolicySetting first =
        last == PolicySetting::Refresh ? PolicySetting::Continued : PolicySetting::Refresh;
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    Store store(file);
    store.setUserPolicy(kApp, PolicySetting::Refresh, false);
    store.setUserPolicy(kApp, PolicySetting::Continued, false);

    store.setUserPolicy(kApp, first, std::nullopt);
    CHECK(store.loadUserPolicy().count(kApp) == 1);
    store.setUserPolicy(kApp, last, std::nullopt);
    CHECK(store.loadUserPolicy().empty());
    CHECK(policyRows(file).empty());
}

TEST_CASE("Clearing a switch that was never set leaves no row behind")
{
    const PolicySetting setting = GENERATE(PolicySetting::Refresh, PolicySetting::Continued);
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    Store store(file);
    store.setUserPolicy(kApp, setting, std::nullopt);
    store.setUserPolicy("", setting, std::nullopt);
    CHECK(store.loadUserPolicy().empty());
    CHECK(policyRows(file).empty());
}

TEST_CASE("The every-app switches are the row of the empty app id, apart from each app's")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    Store store(file);
    store.setUserPolicy("", PolicySetting::Refresh, false);
    store.setUserPolicy(kOther, PolicySetting::Refresh, true);
    store.setUserPolicy("", PolicySetting::Continued, true);

    const auto policy = store.loadUserPolicy();
    CHECK(policy.size() == 2);
    CHECK(policy.at("") == Switches{false, true});
    CHECK(policy.at(kOther) == Switches{true, kUnset});
    CHECK(policyRows(file) == "'' 0 1\n'org.example.photos' 1 NULL\n");

    store.setUserPolicy("", PolicySetting::Refresh, std::nullopt);
    store.setUserPolicy("", PolicySetting::Continued, std::nullopt);
    CHECK(store.loadUserPolicy().count("") == 0);
    CHECK(store.loadUserPolicy().at(kOther) == Switches{true, kUnset});
}

TEST_CASE("The user's policy survives reopening the file")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    {
        Store store(file);
        store.setUserPolicy("", PolicySetting::Continued, false);
        store.setUserPolicy(kApp, PolicySetting::Refresh, true);
        store.setUserPolicy(kOther, PolicySetting::Refresh, false);
        store.setUserPolicy(kOther, PolicySetting::Refresh, std::nullopt);
    }
    Store store(file);
    const auto policy = store.loadUserPolicy();
    CHECK(policy.size() == 2);
    CHECK(policy.at("") == Switches{kUnset, false});
    CHECK(policy.at(kApp) == Switches{true, kUnset});
}

TEST_CASE("A policy change belongs to the caller's transaction: kept on commit, gone on rollback")
{
    const bool commit = GENERATE(true, false);
    INFO((commit ? "committed" : "rolled back"));
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    {
        Store store(file);
        store.setUserPolicy(kApp, PolicySetting::Refresh, false);
        Store::Transaction transaction(store);
        store.setUserPolicy(kApp, PolicySetting::Refresh, std::nullopt);   // deletes the row
        store.setUserPolicy(kOther, PolicySetting::Continued, true);
        CHECK(store.loadUserPolicy().size() == 1);
        if (commit)
            transaction.commit();
    }
    Store store(file);
    const auto policy = store.loadUserPolicy();
    REQUIRE(policy.size() == 1);
    if (commit)
        CHECK(policy.at(kOther) == Switches{kUnset, true});
    else
        CHECK(policy.at(kApp) == Switches{false, kUnset});
}

TEST_CASE("Usage of an empty history is empty")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    CHECK(store.loadUsage(kDayStart).empty());
}

TEST_CASE("Usage sums the day's finished runs of the scheduled kinds, per app, with terminations")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    record(store, {kApp, core::TaskKind::Processing, kDayStart, 10min, core::Outcome::Completed});
    record(store, {kApp, core::TaskKind::AppRefresh, kDayStart + 1h, 30s, core::Outcome::Failed});
    record(store, {kApp, core::TaskKind::HealthResearch, kDayStart + 2h, 5min,
                   core::Outcome::Expired});
    record(store, {kApp, core::TaskKind::AppRefresh, kDayStart + 3h, 2min,
                   core::Outcome::Terminated});
    record(store, {kApp, core::TaskKind::Processing, kDayStart + 4h, 1min,
                   core::Outcome::Terminated});
    record(store, {kApp, core::TaskKind::Processing, kDayStart + 5h, 3s, core::Outcome::AppExited});
    record(store, {kOther, core::TaskKind::Processing, kDayStart + 30min, 7min,
                   core::Outcome::Completed});

    const auto usage = store.loadUsage(kDayStart);
    CHECK(usage.size() == 2);
    CHECK(usage.at(kApp) ==
          core::AppUsage{10min + 30s + 5min + 2min + 1min + 3s, 2, kDayStart + 5h, kDayStart + 3h});
    CHECK(usage.at(kOther) == core::AppUsage{7min, 0, kDayStart + 30min, std::nullopt});
}

TEST_CASE("Usage leaves out runs that are not charged to the app's day")
{
    struct Case {
        const char* name;
        RunSpec run;
    };
    auto with = [](auto change) {
        RunSpec spec;
        spec.ranFor = 20min;
        spec.outcome = core::Outcome::Terminated;   // would also count as a termination
        change(spec);
        return spec;
    };
    const Case c = GENERATE_COPY(
        Case{"simulated", with([](RunSpec& s) { s.simulated = true; })},
        Case{"continued processing",
             with([](RunSpec& s) { s.kind = core::TaskKind::ContinuedProcessing; })},
        Case{"launch failed", with([](RunSpec& s) { s.outcome = core::Outcome::LaunchFailed; })},
        Case{"interrupted", with([](RunSpec& s) { s.outcome = core::Outcome::Interrupted; })},
        Case{"still running", with([](RunSpec& s) { s.outcome.reset(); })},
        Case{"started a microsecond before the day, ended in it",
             with([](RunSpec& s) { s.startedAt = kDayStart - 1us; })},
        Case{"started yesterday", with([](RunSpec& s) { s.startedAt = kDayStart - 23h; })});
    INFO(c.name);
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    record(store, counted(1min));
    record(store, c.run);

    const core::AppUsage usage = store.loadUsage(kDayStart).at(kApp);
    CHECK(usage.runTime == 1min);
    CHECK(usage.terminations == 0);
}

TEST_CASE("A run that starts exactly at the start of the day is charged to it")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    record(store, {kApp, core::TaskKind::AppRefresh, kDayStart, 4min, core::Outcome::Terminated});
    CHECK(store.loadUsage(kDayStart).at(kApp) ==
          core::AppUsage{4min, 1, kDayStart, kDayStart});
    CHECK(store.loadUsage(kDayStart + 1us).at(kApp) ==
          core::AppUsage{0s, 0, kDayStart, kDayStart});
}

TEST_CASE("A run that ended before it started (clock set back) is charged nothing, not refunded")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    record(store, counted(5min));
    record(store, counted(-3min));
    CHECK(store.loadUsage(kDayStart).at(kApp).runTime == 5min);
}

TEST_CASE("Last launches are the newest non-simulated starts of any day, running or not")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    const core::TimePoint threeDaysAgo = kDayStart - 72h;
    const core::TimePoint yesterday = kDayStart - 5h;
    record(store, {kApp, core::TaskKind::AppRefresh, threeDaysAgo, 1min, core::Outcome::Completed});
    record(store, {kApp, core::TaskKind::AppRefresh, threeDaysAgo + 1h, 1min,
                   core::Outcome::LaunchFailed});
    record(store, {kApp, core::TaskKind::Processing, yesterday, 1min, std::nullopt});
    // Newer, but not scheduled launches: simulated or continued processing.
    record(store, {kApp, core::TaskKind::AppRefresh, yesterday + 1h, 1min,
                   core::Outcome::Completed, true});
    record(store, {kApp, core::TaskKind::ContinuedProcessing, yesterday + 2h, 1min,
                   core::Outcome::Completed});

    const auto usage = store.loadUsage(kDayStart);
    CHECK(usage.at(kApp) == core::AppUsage{0s, 0, yesterday, threeDaysAgo + 1h});
}

TEST_CASE("Apps with only simulated or continued-processing runs are absent from usage")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    record(store, {kOther, core::TaskKind::ContinuedProcessing, kDayStart, 1h,
                   core::Outcome::Completed});
    record(store, {"org.example.sim", core::TaskKind::AppRefresh, kDayStart, 1min,
                   core::Outcome::Completed, true});
    record(store, {kApp, core::TaskKind::AppRefresh, kDayStart - 48h, 1min,
                   core::Outcome::Completed});

    const auto usage = store.loadUsage(kDayStart);
    CHECK(usage.size() == 1);
    CHECK(usage.count(kApp) == 1);
}

TEST_CASE("Usage stays exact with many apps and a long history")
{
    // Exercises the per-app skip scan with app ids that sort next to each other.
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    Store::Transaction batch(store);
    for (int app = 0; app < 40; ++app) {
        for (int day = 0; day < 10; ++day) {
            RunSpec spec;
            spec.app = "org.example.app" + std::to_string(app);
            spec.kind = day % 2 == 0 ? core::TaskKind::AppRefresh : core::TaskKind::Processing;
            spec.startedAt = kDayStart - std::chrono::hours(24 * day) + std::chrono::minutes(app);
            spec.ranFor = std::chrono::seconds(app + 1);
            record(store, spec);
        }
    }
    batch.commit();

    const auto usage = store.loadUsage(kDayStart);
    REQUIRE(usage.size() == 40);
    for (int app = 0; app < 40; ++app) {
        INFO("app " << app);
        const core::AppUsage& u = usage.at("org.example.app" + std::to_string(app));
        CHECK(u.runTime == std::chrono::seconds(app + 1));
        CHECK(u.lastLaunch == kDayStart + std::chrono::minutes(app));
        CHECK(u.lastRefreshLaunch == kDayStart + std::chrono::minutes(app));
    }
}

TEST_CASE("A dropped request leaves a history record that is no launch")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    record(store, {kApp, core::TaskKind::AppRefresh, kDayStart + 1h, 1min, core::Outcome::Completed});
    core::TaskRequest request;
    request.app = kApp;
    request.identifier = std::string(kApp) + ".refresh";
    request.kind = core::TaskKind::AppRefresh;
    request.submittedAt = kDayStart;
    request.id = store.upsertRequest(request);

    const auto runId = store.recordDropped(request, "manifest-removed: gone", kDayStart + 2h);

    CHECK(store.loadRequests().empty());
    const auto history = store.history({kApp, request.identifier, std::nullopt, 10});
    REQUIRE(history.size() == 1);
    CHECK(history[0].runId == runId);
    CHECK(history[0].outcome == core::Outcome::Dropped);
    CHECK(history[0].reason == "manifest-removed: gone");
    CHECK(history[0].startedAt == kDayStart + 2h);
    CHECK(history[0].endedAt == kDayStart + 2h);
    // The completed refresh an hour earlier stays the last launch.
    CHECK(store.loadUsage(kDayStart).at(kApp) == core::AppUsage{1min, 0, kDayStart + 1h, kDayStart + 1h});
}

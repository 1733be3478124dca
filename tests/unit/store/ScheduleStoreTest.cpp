// SPDX-License-Identifier: LGPL-2.1-or-later
// Schema v4: the periodic and retry options of requests and runs, and the schedules' state,
// written and read back through the Store, migrated from version 2 and read from the
// version-4 fixture.
#include "CaptureError.h"
#include "RawSqlite.h"
#include "StringMakers.h"
#include "TempDir.h"

#include "store/Store.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <limits>
#include <string>
#include <vector>

using namespace bgtask;
using namespace std::chrono_literals;
using bgtask::store::Store;
using namespace bgtask::store::test;

namespace {

using Strings = std::vector<std::string>;

const core::TimePoint kT0 = core::fromUsec(1'767'225'600'000'000);   // 2026-01-01T00:00:00Z

core::TaskRequest periodicRequest()
{
    core::TaskRequest request;
    request.app = "org.example.backup";
    request.identifier = "org.example.backup.nightly";
    request.kind = core::TaskKind::Processing;
    request.submittedAt = kT0;
    request.options.earliestBeginDate = kT0 + 24h;
    request.options.repeatInterval = 24h;
    request.options.flex = 2h;
    request.options.randomizedDelay = 30min;
    request.options.backoffDelay = 1min;
    request.options.maxBackoffDelay = 1h;
    return request;
}

} // namespace

TEST_CASE("Each schedule option of a request survives the store, set or unset, also through a run")
{
    const int which = GENERATE(range(0, 6));
    auto request = periodicRequest();
    // 0: all set; 1-5: one left unset each
    core::SlimOptional<core::Duration>* members[] = {nullptr, &request.options.repeatInterval, &request.options.flex,
                                                &request.options.randomizedDelay, &request.options.backoffDelay,
                                                &request.options.maxBackoffDelay};
    if (members[which])
        members[which]->reset();
    CAPTURE(which);
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    request.id = store.upsertRequest(request);
    const auto loaded = store.loadRequests();
    REQUIRE(loaded.size() == 1);
    CHECK(loaded.front() == request);

    core::RunningTask run;
    run.request = request;
    run.startedAt = kT0 + 25h;
    run.runId = store.startRun(run);
    CHECK(store.loadRequests().empty());
    const auto unfinished = store.loadUnfinishedRuns();
    REQUIRE(unfinished.size() == 1);
    auto expected = request;
    expected.id = 0;
    CHECK(unfinished.front().request == expected);
}

TEST_CASE("A schedule's state is inserted, replaced and deleted by app and identifier")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    CHECK(store.loadSchedules().empty());
    const core::ScheduleRecord fresh{"org.example.b", "org.example.b.x", core::ScheduleSource::Manifest, {}};
    const core::ScheduleRecord other{"org.example.a", "org.example.a.y", core::ScheduleSource::App,
                                     {kT0, kT0, kT0 + 1h, 3}};
    store.putSchedule(fresh);
    store.putSchedule(other);
    CHECK(store.loadSchedules() == std::vector<core::ScheduleRecord>{other, fresh});   // by app

    auto moved = fresh;
    moved.state = core::advance(moved.state, core::RunVerdict::Failure, kT0 + 2h);
    moved.state.failures = std::numeric_limits<std::uint32_t>::max();
    store.putSchedule(moved);
    CHECK(store.loadSchedules() == std::vector<core::ScheduleRecord>{other, moved});

    CHECK(store.deleteSchedule("org.example.b", "org.example.b.x"));
    CHECK_FALSE(store.deleteSchedule("org.example.b", "org.example.b.x"));
    CHECK(store.loadSchedules() == std::vector<core::ScheduleRecord>{other});
}

TEST_CASE("The schedules table refuses unknown sources and negative failure counts")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    { Store store(file); }
    CHECK_THROWS(executeSql(file, "INSERT INTO schedules (app, identifier, source) VALUES ('a', 'a.b', 'user')"));
    CHECK_THROWS(
        executeSql(file, "INSERT INTO schedules (app, identifier, source, failures) VALUES ('a', 'a.b', 'app', -1)"));
    CHECK_THROWS(executeSql(file, "INSERT INTO schedules (app, identifier, source, period_start)"
                                  " VALUES ('a', 'a.b', 'app', 'yesterday')"));
}

TEST_CASE("A version-2 database opens with every request and run unscheduled and no schedule state")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v2.sql"));
    Store store(file);
    CHECK(store.schemaVersion() >= 4);
    for (const auto& r : store.loadRequests())
        CHECK_FALSE(core::scheduleOf(r.options).has_value());
    for (const auto& run : store.loadUnfinishedRuns())
        CHECK_FALSE(core::scheduleOf(run.request.options).has_value());
    CHECK(store.loadSchedules().empty());
}

TEST_CASE("The version-4 fixture's schedule options and schedules read back through the Store")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v4.sql"));
    Store store(file);

    const auto requests = store.loadRequests();
    REQUIRE(requests.size() == 3);
    const auto& nightly = requests.back();
    CHECK(nightly.identifier == "org.example.backup.nightly");
    CHECK(nightly.options.requiresExternalPower == std::optional<bool>(true));
    CHECK(core::scheduleOf(nightly.options) ==
          std::optional<core::Schedule>(core::Schedule{24h, 2h, 30min, 1min, 1h}));

    const auto runs = store.loadUnfinishedRuns();
    REQUIRE(runs.size() == 3);
    const auto& upload = runs.back();
    CHECK(upload.request.identifier == "org.example.backup.upload");
    CHECK(core::scheduleOf(upload.request.options) ==
          std::optional<core::Schedule>(core::Schedule{std::nullopt, 0s, 0s, 20s, core::kDefaultMaxBackoffDelay}));

    const core::TimePoint success = core::fromUsec(1'767'223'800'000'000);
    CHECK(store.loadSchedules() ==
          std::vector<core::ScheduleRecord>{
              {"org.example.backup", "org.example.backup.nightly", core::ScheduleSource::App,
               {success, success, core::fromUsec(1'767'229'000'000'000), 2}},
              {"org.example.backup", "org.example.backup.upload", core::ScheduleSource::App, {}},
              {"org.example.news", "org.example.news.refresh", core::ScheduleSource::Manifest, {}}});
}

// SPDX-License-Identifier: LGPL-2.1-or-later
#include "CaptureError.h"
#include "RawSqlite.h"
#include "StringMakers.h"
#include "TempDir.h"

#include "store/Database.h"
#include "store/Migrations.h"
#include "store/Store.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <span>
#include <map>
#include <string>
#include <vector>

using namespace bgtask;
using namespace std::chrono_literals;
using bgtask::store::Database;
using bgtask::store::Migration;
using bgtask::store::Store;
using namespace bgtask::store::test;

namespace {

using Strings = std::vector<std::string>;

// A test-only history: each step logs itself, and later steps depend on earlier ones.
constexpr Migration kSteps[] = {
    {1, "CREATE TABLE log (step INTEGER NOT NULL); INSERT INTO log VALUES (1);"},
    {2, "INSERT INTO log VALUES (2); CREATE TABLE t (a TEXT); INSERT INTO t VALUES ('x');"},
    {3, "INSERT INTO log VALUES (3); ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'three';"},
};
// kSteps plus a step that changes data and then fails.
constexpr Migration kFailingSteps[] = {
    kSteps[0], kSteps[1], kSteps[2],
    {4, "INSERT INTO log VALUES (4); UPDATE t SET a = 'changed';"
        "INSERT INTO no_such_table VALUES (1);"},
};

Strings filesIn(const TempDir& dir)
{
    Strings names;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string schemaOf(const std::filesystem::path& file)
{
    std::string schema;
    for (const std::string& line :
         queryColumn(file, "SELECT type || ' ' || name || ': ' || coalesce(sql, '')"
                           " FROM sqlite_schema ORDER BY type, name"))
        schema += line + "\n";
    return schema;
}

std::string fixtureName(int version)
{
    return "schema-v" + std::to_string(version) + ".sql";
}

} // namespace

TEST_CASE("A new store file is created at the latest schema version, in WAL mode")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    {
        Store store(file);
        CHECK(store.schemaVersion() == Store::latestSchemaVersion());
    }
    CHECK(Store::latestSchemaVersion() >= 1);
    CHECK(queryColumn(file, "PRAGMA user_version") ==
          Strings{std::to_string(Store::latestSchemaVersion())});
    CHECK(queryColumn(file, "PRAGMA journal_mode") == Strings{"wal"});
}

TEST_CASE("A store in a directory that does not exist is refused as store-open-failed")
{
    TempDir dir;
    const auto file = dir / "missing" / "bgtaskd.db";
    const core::Error error = captureError([&] { Store store(file); });
    CHECK(error.code() == core::ErrorCode::Internal);
    CHECK(error.subReason() == "store-open-failed");
    CHECK_THAT(error.what(), Catch::Contains(file.string()));
    CHECK_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST_CASE("A file that is not a database is refused and left byte for byte as it was")
{
    const std::string content = GENERATE(std::string("not a database\n"),
                                         std::string(4096, 'x'),
                                         std::string("SQLite format 2\0", 16) + std::string(8192, '\x7f'));
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    {
        std::ofstream out(file, std::ios::binary);
        out << content;
    }

    const core::Error error = captureError([&] { Store store(file); });
    CHECK(error.code() == core::ErrorCode::Internal);
    CHECK(error.subReason() == "store-open-failed");
    CHECK_THAT(error.what(), Catch::StartsWith("store-open-failed: " + file.string() +
                                               ": file is not a database"));
    CHECK(readFileBytes(file) == content);
    CHECK(filesIn(dir) == Strings{"bgtaskd.db"});   // no journal or WAL left behind either
}

TEST_CASE("A database with a newer schema version is refused and left untouched")
{
    const std::string journalMode = GENERATE("delete", "wal");
    INFO("journal mode " << journalMode);
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    const int future = Store::latestSchemaVersion() + 1;
    executeSql(file, "PRAGMA journal_mode = " + journalMode + ";"
                     "CREATE TABLE requests (future_column TEXT); INSERT INTO requests VALUES "
                     "('from the future'); PRAGMA user_version = " + std::to_string(future) + ";");
    const std::string before = readFileBytes(file);

    const core::Error error = captureError([&] { Store store(file); });
    CHECK(error.code() == core::ErrorCode::Internal);
    CHECK(error.subReason() == "schema-too-new");
    CHECK(std::string(error.what()) ==
          "schema-too-new: " + file.string() + ": schema version " + std::to_string(future) +
              " is newer than this bgtaskd understands (" +
              std::to_string(Store::latestSchemaVersion()) + "); refusing to touch it");
    CHECK(readFileBytes(file) == before);
    CHECK(filesIn(dir) == Strings{"bgtaskd.db"});
}

TEST_CASE("A store whose migration fails refuses to open and leaves the file untouched")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    // Version 0 but not empty: someone else's file, whose table the first step cannot create.
    executeSql(file, "CREATE TABLE requests (theirs TEXT); INSERT INTO requests VALUES ('keep');");
    const std::string before = readFileBytes(file);

    const core::Error error = captureError([&] { Store store(file); });
    CHECK(error.code() == core::ErrorCode::Internal);
    CHECK(error.subReason() == "migration-failed");
    CHECK_THAT(error.what(), Catch::Contains(file.string()));
    CHECK(readFileBytes(file) == before);
    CHECK(queryColumn(file, "SELECT theirs FROM requests") == Strings{"keep"});
    CHECK(queryColumn(file, "PRAGMA user_version") == Strings{"0"});
}

TEST_CASE("Migrating applies the missing steps in order from the current version")
{
    const int start = GENERATE(0, 1, 2, 3);
    INFO("starting at version " << start);
    TempDir dir;
    Database db(dir / "test.db");
    store::migrate(db, std::span(kSteps).first(static_cast<std::size_t>(start)));
    REQUIRE(db.userVersion() == start);

    store::migrate(db, kSteps);
    CHECK(db.userVersion() == 3);
    CHECK(queryColumn(dir / "test.db", "SELECT step FROM log ORDER BY rowid") ==
          Strings{"1", "2", "3"});
    CHECK(queryColumn(dir / "test.db", "SELECT a || b FROM t") == Strings{"xthree"});

    store::migrate(db, kSteps);   // already there: nothing runs again
    CHECK(queryColumn(dir / "test.db", "SELECT count(*) FROM log") == Strings{"3"});
}

TEST_CASE("A failing migration rolls back every step and leaves version and data untouched")
{
    TempDir dir;
    const auto file = dir / "test.db";
    {
        Database db(file);
        store::migrate(db, std::span(kSteps).first(2));
    }
    const std::string before = readFileBytes(file);
    {
        Database db(file);
        const core::Error error = captureError([&] { store::migrate(db, kFailingSteps); });
        CHECK(error.code() == core::ErrorCode::Internal);
        CHECK(error.subReason() == "migration-failed");
        CHECK_THAT(error.what(), Catch::Contains("version 4") &&
                                     Catch::Contains("no such table: no_such_table"));
        CHECK(db.userVersion() == 2);
        CHECK_FALSE(db.inTransaction());
    }
    CHECK(readFileBytes(file) == before);
    CHECK(queryColumn(file, "SELECT step FROM log ORDER BY rowid") == Strings{"1", "2"});
    CHECK(queryColumn(file, "SELECT a FROM t") == Strings{"x"});   // step 3's column is gone too
    CHECK(queryColumn(file, "SELECT count(*) FROM pragma_table_info('t')") == Strings{"1"});
}

TEST_CASE("Migrating a database newer than the steps is refused and changes nothing")
{
    TempDir dir;
    Database db(dir / "test.db");
    store::migrate(db, kSteps);
    const core::Error error = captureError([&] { store::migrate(db, std::span(kSteps).first(1)); });
    CHECK(error.subReason() == "schema-too-new");
    CHECK(db.userVersion() == 3);
}

TEST_CASE("A migration that breaks a foreign key is rolled back")
{
    constexpr Migration kBreaksForeignKey[] = {
        {1, "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
            "CREATE TABLE child (parent INTEGER REFERENCES parent (id));"
            "INSERT INTO child VALUES (7);"},
    };
    TempDir dir;
    Database db(dir / "test.db");
    db.execute("PRAGMA foreign_keys = ON");

    const core::Error error = captureError([&] { store::migrate(db, kBreaksForeignKey); });
    CHECK(error.subReason() == "migration-failed");
    CHECK_THAT(error.what(), Catch::Contains("child"));
    CHECK(db.userVersion() == 0);
    CHECK(queryColumn(dir / "test.db", "SELECT count(*) FROM sqlite_schema") == Strings{"0"});
    store::Statement enforced = db.prepare("PRAGMA foreign_keys");   // restored for the Store
    REQUIRE(enforced.step());
    CHECK(enforced.boolAt(0));
}

TEST_CASE("A migration list with a gap in its versions is refused before anything runs")
{
    constexpr Migration kGap[] = {kSteps[0], {3, "CREATE TABLE never (x);"}};
    TempDir dir;
    Database db(dir / "test.db");
    CHECK(captureError([&] { store::migrate(db, kGap); }).subReason() == "migration-failed");
    CHECK(db.userVersion() == 0);
    CHECK(queryColumn(dir / "test.db", "SELECT count(*) FROM sqlite_schema") == Strings{"0"});
}

TEST_CASE("The product's migrations are numbered 1 to the latest version")
{
    const std::span<const Migration> steps = store::migrations();
    REQUIRE_FALSE(steps.empty());
    for (std::size_t i = 0; i < steps.size(); ++i)
        CHECK(steps[i].version == static_cast<int>(i) + 1);
    CHECK(store::latestVersion(steps) == Store::latestSchemaVersion());
}

TEST_CASE("Every old schema fixture opens and is migrated to the latest version")
{
    const int version = GENERATE(range(1, Store::latestSchemaVersion() + 1));
    INFO(fixtureName(version));
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData(fixtureName(version)));
    REQUIRE(queryColumn(file, "PRAGMA user_version") == Strings{std::to_string(version)});

    Store store(file);
    CHECK(store.schemaVersion() == Store::latestSchemaVersion());
    CHECK_FALSE(store.loadRequests().empty());
    CHECK_FALSE(store.loadUnfinishedRuns().empty());
    CHECK_FALSE(store.history({}).empty());
}

TEST_CASE("A new database has exactly the schema of the latest version's fixture")
{
    // Fails when a released migration is edited in place, or when a new version comes without
    // its fixture: add a step, then commit `sqlite3 <file> .dump` as schema-v<N>.sql.
    TempDir dir;
    { Store store(dir / "new.db"); }
    executeSql(dir / "fixture.db", readTestData(fixtureName(Store::latestSchemaVersion())));
    CHECK(schemaOf(dir / "new.db") == schemaOf(dir / "fixture.db"));
}

TEST_CASE("The version-1 fixture's rows read back through the Store")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v1.sql"));
    Store store(file);
    const core::TimePoint t0 = core::fromUsec(1'767'225'600'000'000);

    core::TaskRequest news{2, "org.example.news", "org.example.news.refresh",
                           core::TaskKind::AppRefresh, {}, t0 + 5min, std::nullopt};
    news.options.earliestBeginDate = t0 + 2h;
    core::TaskRequest backup{3, "org.example.photos", "org.example.photos.backup",
                             core::TaskKind::Processing, {}, t0 + 6min, std::nullopt};
    backup.options.requiresNetworkConnectivity = true;
    backup.options.requiresExternalPower = false;
    backup.options.protectionTypeOfRequiredData = core::Protection::CompleteUnlessOpen;
    backup.options.networkType = core::NetworkType::Unmetered;
    backup.options.requiresBatteryNotLow = true;
    CHECK(store.loadRequests() == std::vector<core::TaskRequest>{news, backup});

    const std::vector<core::RunningTask> running = store.loadUnfinishedRuns();
    REQUIRE(running.size() == 2);
    CHECK(running[0].runId == 3);
    core::TaskRequest export1{0, "org.example.photos", "org.example.photos.export.1",
                              core::TaskKind::ContinuedProcessing, {}, t0 + 11min, std::nullopt};
    export1.options.title = "Exporting 12 photos";
    export1.options.subtitle = "";
    export1.options.strategy = core::Strategy::Fail;
    export1.options.requiredResources = Strings{"gpu"};
    CHECK(running[0].request == export1);
    CHECK(running[0].startedAt == t0 + 11min);
    CHECK_FALSE(running[0].deadline);
    CHECK(running[1].runId == 4);
    CHECK(running[1].request.options.title == "R\xC3\xA9glages \xE2\x9C\x93 \"quoted\"; semi");
    CHECK_FALSE(running[1].request.options.subtitle);
    CHECK(running[1].request.options.requiredResources == Strings{});
    CHECK(running[1].deadline == t0 + 42min);

    const std::vector<core::RunRecord> history = store.history({});
    REQUIRE(history.size() == 2);
    CHECK(history[0] == core::RunRecord{2, "org.example.news", "org.example.news.refresh",
                                        core::TaskKind::AppRefresh, t0 + 10min,
                                        t0 + 10min + 31s, core::Outcome::Expired,
                                        "time limit reached", true, {}, std::nullopt});
    CHECK(history[1] == core::RunRecord{1, "org.example.health", "org.example.health.study",
                                        core::TaskKind::HealthResearch, t0 + 8min, t0 + 9min,
                                        core::Outcome::Completed, "", false, {}, std::nullopt});

    // Ids continue after the fixture's, which had already used request ids up to 4.
    CHECK(store.upsertRequest(news) == 5);
}

namespace {

// Every row of a table, each as one line of its quoted columns in rowid order: what a migration
// must carry over unchanged.
Strings columnsOf(const std::filesystem::path& file, const std::string& table)
{
    return queryColumn(file, "SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid");
}

// The rows of a table, each as its quoted values joined by '|': of every column, or of the
// given ones (those an older schema had, to see that later steps left them intact).
Strings rowsOf(const std::filesystem::path& file, const std::string& table, const Strings& names)
{
    std::string columns;
    for (const std::string& name : names)
        columns += (columns.empty() ? "quote(" : " || '|' || quote(") + name + ")";
    return queryColumn(file, "SELECT " + columns + " FROM " + table + " ORDER BY rowid");
}

Strings rowsOf(const std::filesystem::path& file, const std::string& table)
{
    return rowsOf(file, table, columnsOf(file, table));
}

} // namespace

TEST_CASE("A version-1 database with data opens at the latest version with every row intact and no policy")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v1.sql"));
    const Strings requestColumns = columnsOf(file, "requests");
    const Strings runColumns = columnsOf(file, "runs");
    const Strings requests = rowsOf(file, "requests");
    const Strings runs = rowsOf(file, "runs");
    const Strings sequences = rowsOf(file, "sqlite_sequence");
    REQUIRE(requests.size() == 2);
    REQUIRE(runs.size() == 4);

    {
        Store store(file);
        CHECK(store.schemaVersion() == Store::latestSchemaVersion());
        CHECK(store.loadUserPolicy().empty());
    }
    CHECK(queryColumn(file, "PRAGMA user_version") == Strings{std::to_string(Store::latestSchemaVersion())});
    CHECK(rowsOf(file, "requests", requestColumns) == requests);
    CHECK(rowsOf(file, "runs", runColumns) == runs);
    CHECK(rowsOf(file, "sqlite_sequence") == sequences);
    CHECK(queryColumn(file, "SELECT count(*) FROM policy") == Strings{"0"});
    CHECK(queryColumn(file, "SELECT name FROM sqlite_schema"
                            " WHERE type = 'index' AND sql IS NOT NULL ORDER BY name") ==
          Strings{"runs_by_app", "runs_by_start", "runs_unfinished"});
}

TEST_CASE("The version-2 fixture opens and its policy switches and usage read back")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v2.sql"));
    const Strings runColumns = columnsOf(file, "runs");
    const Strings runs = rowsOf(file, "runs");
    Store store(file);
    CHECK(store.schemaVersion() == Store::latestSchemaVersion());
    CHECK(rowsOf(file, "runs", runColumns) == runs);

    const auto policy = store.loadUserPolicy();
    CHECK(policy.size() == 3);
    CHECK(policy.at("") == core::Switches{false, std::nullopt});
    CHECK(policy.at("org.example.news") == core::Switches{true, std::nullopt});
    CHECK(policy.at("org.example.photos") == core::Switches{std::nullopt, false});

    const core::TimePoint t0 = core::fromUsec(1'767'225'600'000'000);
    const auto usage = store.loadUsage(t0);
    CHECK(usage.size() == 2);   // photos only ran continued processing
    // Run 2 was simulated; run 5 ran 60 s and was terminated.
    CHECK(usage.at("org.example.news") ==
          core::AppUsage{60s, 1, t0 + 1400s, t0 + 1400s});
    CHECK(usage.at("org.example.health") ==
          core::AppUsage{60s, 0, t0 + 8min, std::nullopt});
}

TEST_CASE("The version-3 fixture's unit run reads back with its accounting and is charged its CPU time")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v3.sql"));
    Store store(file);
    const auto history = store.history({"org.example.aptdaily", std::nullopt, std::nullopt});
    REQUIRE(history.size() == 1);
    CHECK(history[0].outcome == core::Outcome::Failed);
    CHECK(history[0].reason == "oom-kill");
    CHECK(history[0].usage == core::RunUsage{2'500'000'000, 104'857'600, 4096, std::nullopt, "oom-kill"});
    // Other runs have no accounting.
    const auto news = store.history({"org.example.news", std::nullopt, std::nullopt});
    REQUIRE_FALSE(news.empty());
    CHECK(news[0].usage == core::RunUsage{});

    // It ran 60 s of wall time but used 2.5 s of CPU: the budget charges the CPU time.
    const auto usage = store.loadUsage(core::fromUsec(1'767'225'600'000'000));
    CHECK(usage.at("org.example.aptdaily").runTime == 2500ms);
    CHECK(usage.at("org.example.news").runTime == 60s);
}

TEST_CASE("The version-5 fixture's coalesced runs read back with their group and older runs have none")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v5.sql"));
    Store store(file);
    std::map<std::int64_t, std::optional<std::int64_t>> groups;
    for (const auto& record : store.history({}))
        groups[record.runId] = record.coalesceGroup;
    CHECK(groups.at(8) == 8);
    CHECK(groups.at(9) == 8);
    CHECK(groups.at(6) == std::nullopt);
}

TEST_CASE("The version-6 fixture's notifications read back and are recorded and forgotten by owner and id")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v6.sql"));
    Store store(file);
    using store::NotificationRecord;
    CHECK(store.loadNotifications() ==
          std::vector<NotificationRecord>{{":1.7", 3, "org.example.photos", "org.example.photos.export.1"},
                                          {":1.7", 4, "org.example.photos", "org.example.photos.export.2"}});
    {
        Store::Transaction txn(store);
        store.putNotification({":1.9", 3, "org.example.news", "org.example.news.job"});   // same id, other service
        store.putNotification({":1.7", 4, "org.example.photos", "org.example.photos.export.9"});   // replaced
        store.deleteNotification(":1.7", 3);
        store.deleteNotification(":1.7", 99);   // none: no error
        txn.commit();
    }
    CHECK(store.loadNotifications() ==
          std::vector<NotificationRecord>{{":1.7", 4, "org.example.photos", "org.example.photos.export.9"},
                                          {":1.9", 3, "org.example.news", "org.example.news.job"}});
}

TEST_CASE("A version-5 file migrates to no notifications recorded")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v5.sql"));
    Store store(file);
    CHECK(store.loadNotifications().empty());
}

TEST_CASE("A version-4 file migrates to coalesce groups that are empty until set")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v4.sql"));
    Store store(file);
    const auto before = store.history({});
    REQUIRE_FALSE(before.empty());
    CHECK(std::ranges::none_of(before, [](const auto& r) { return r.coalesceGroup.has_value(); }));
    store.setCoalesceGroup(before.front().runId, 42);
    CHECK(store.history({}).front().coalesceGroup == 42);
}

TEST_CASE("The version-7 fixture's usage pattern reads back and patterns save, replace and delete")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v7.sql"));
    Store store(file);
    auto patterns = store.loadUsagePatterns();
    REQUIRE(patterns.size() == 1);
    const auto& news = patterns.at("org.example.news");
    CHECK(news.opens == 23);
    CHECK(news.weight[8] == Approx(4.6));
    CHECK(news.minutes[8] / news.weight[8] == Approx(10.0));
    CHECK(news.weight[9] == 0.0);

    core::UsagePattern learned = core::learnOpen({}, core::fromUsec(1'767'229'000'000'000), std::chrono::hours(1));
    learned.weight[100] = 0.1 + 0.2;   // not exact in binary: must read back bit for bit
    store.saveUsagePattern("org.example.mail", learned);
    store.saveUsagePattern("org.example.mail", learned);
    patterns = store.loadUsagePatterns();
    CHECK(patterns.at("org.example.mail") == learned);
    CHECK(store.deleteUsagePattern("org.example.news"));
    CHECK_FALSE(store.deleteUsagePattern("org.example.news"));
    CHECK(store.loadUsagePatterns().size() == 1);
}

TEST_CASE("A run's accounting is recorded once it has finished and reads back in the history")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    core::RunningTask run;
    run.request.app = "org.example.unit";
    run.request.identifier = "org.example.unit.job";
    run.request.kind = core::TaskKind::Processing;
    run.startedAt = core::fromUsec(1'000'000);
    run.runId = store.startRun(run);
    store.finishRun(run.runId, core::Outcome::Failed, "signal", core::fromUsec(9'000'000));
    const core::RunUsage usage{123, std::nullopt, 7, 8, "signal"};
    store.recordUsage(run.runId, usage);
    const auto history = store.history({});
    REQUIRE(history.size() == 1);
    CHECK(history[0].usage == usage);
}

TEST_CASE("A version-2 file stamped with a version this build does not know is refused untouched")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    executeSql(file, readTestData("schema-v2.sql") + "PRAGMA user_version = " +
                         std::to_string(Store::latestSchemaVersion() + 1) + ";");
    const std::string before = readFileBytes(file);

    const core::Error error = captureError([&] { Store store(file); });
    CHECK(error.subReason() == "schema-too-new");
    CHECK(readFileBytes(file) == before);
    CHECK(filesIn(dir) == Strings{"bgtaskd.db"});
}

TEST_CASE("The policy table refuses switch values other than 0, 1 and NULL")
{
    const std::string value = GENERATE("2", "-1", "'on'", "0.5", "x'01'");
    INFO("value " << value);   // ('1' would be stored as 1: STRICT converts losslessly)
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    { Store store(file); }
    CHECK_THROWS(executeSql(file, "INSERT INTO policy (app, refresh) VALUES ('a', " + value + ")"));
    CHECK_THROWS(
        executeSql(file, "INSERT INTO policy (app, continued) VALUES ('a', " + value + ")"));
    CHECK_THROWS(executeSql(file, "INSERT INTO policy (app) VALUES (NULL)"));
    CHECK_NOTHROW(executeSql(file, "INSERT INTO policy VALUES ('a', 1, NULL), ('b', 0, 1)"));
    CHECK(queryColumn(file, "SELECT count(*) FROM policy") == Strings{"2"});
}

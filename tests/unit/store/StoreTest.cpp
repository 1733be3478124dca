// SPDX-License-Identifier: LGPL-2.1-or-later
#include "CaptureError.h"
#include "RawSqlite.h"
#include "StringMakers.h"
#include "TempDir.h"

#include "store/Store.h"

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace bgtask;
using namespace std::chrono_literals;
using bgtask::store::HistoryFilter;
using bgtask::store::Store;
using bgtask::store::test::captureError;
using bgtask::store::test::TempDir;

namespace {

const core::TimePoint kT0 = core::fromUsec(1'767'225'600'000'000);   // 2026-01-01T00:00:00Z

core::TaskRequest makeRequest(std::string app, std::string identifier,
                              core::TaskKind kind = core::TaskKind::Processing,
                              core::TimePoint submittedAt = kT0)
{
    core::TaskRequest request;
    request.app = std::move(app);
    request.identifier = std::move(identifier);
    request.kind = kind;
    request.submittedAt = submittedAt;
    return request;
}

core::RunningTask makeRun(const core::TaskRequest& request, core::TimePoint startedAt)
{
    core::RunningTask run;
    run.request = request;
    run.state = core::RunState::Launching;
    run.startedAt = startedAt;
    run.launchWindowEnd = startedAt + 15s;
    return run;
}

HistoryFilter filter(std::optional<std::string> app, std::optional<std::string> identifier,
                     std::optional<core::TimePoint> since = {}, std::size_t limit = 100)
{
    HistoryFilter f;
    f.app = std::move(app);
    f.identifier = std::move(identifier);
    f.since = since;
    f.limit = limit;
    return f;
}

struct OptionVariant {
    std::string name;
    std::function<void(core::RequestOptions&)> apply;
};

core::RequestOptions everyOptionSet()
{
    core::RequestOptions o;
    o.earliestBeginDate = kT0 + 1h;
    o.requiresNetworkConnectivity = true;
    o.requiresExternalPower = true;
    o.protectionTypeOfRequiredData = core::Protection::Complete;
    o.title = "Exporting";
    o.subtitle = "3 of 12";
    o.strategy = core::Strategy::Queue;
    o.requiredResources = std::vector<std::string>{"gpu"};
    o.networkType = core::NetworkType::Connected;
    o.requiresBatteryNotLow = true;
    return o;
}

// Each option through its unset state, its edge values and every enumerator.
std::vector<OptionVariant> optionVariants()
{
    using O = core::RequestOptions;
    std::vector<OptionVariant> v;
    auto add = [&v](std::string name, std::function<void(O&)> apply) {
        v.push_back({std::move(name), std::move(apply)});
    };
    add("nothing changed", [](O&) {});
    add("earliest begin unset", [](O& o) { o.earliestBeginDate.reset(); });
    add("earliest begin at the epoch", [](O& o) { o.earliestBeginDate = core::fromUsec(0); });
    add("earliest begin before the epoch", [](O& o) { o.earliestBeginDate = core::fromUsec(-1); });
    add("earliest begin at the largest time", [](O& o) {
        o.earliestBeginDate = core::fromUsec(std::numeric_limits<std::int64_t>::max());
    });
    for (bool b : {false, true}) {
        const std::string s = b ? "true" : "false";
        add("network " + s, [b](O& o) { o.requiresNetworkConnectivity = b; });
        add("power " + s, [b](O& o) { o.requiresExternalPower = b; });
        add("battery not low " + s, [b](O& o) { o.requiresBatteryNotLow = b; });
    }
    add("network unset", [](O& o) { o.requiresNetworkConnectivity.reset(); });
    add("power unset", [](O& o) { o.requiresExternalPower.reset(); });
    add("battery not low unset", [](O& o) { o.requiresBatteryNotLow.reset(); });
    add("protection unset", [](O& o) { o.protectionTypeOfRequiredData.reset(); });
    for (auto p : {core::Protection::None, core::Protection::Complete,
                   core::Protection::CompleteUnlessOpen,
                   core::Protection::CompleteUntilFirstUserAuthentication})
        add("protection " + std::string(core::toString(p)),
            [p](O& o) { o.protectionTypeOfRequiredData = p; });
    add("title unset", [](O& o) { o.title.reset(); });
    add("title empty", [](O& o) { o.title = ""; });
    add("title with quotes, ';' and non-ASCII",
        [](O& o) { o.title = "R\xC3\xA9glages \xE2\x9C\x93 \"q\"; 'semi'"; });
    add("title with an embedded NUL", [](O& o) { o.title = std::string("a\0b", 3); });
    add("subtitle unset", [](O& o) { o.subtitle.reset(); });
    add("subtitle empty", [](O& o) { o.subtitle = ""; });
    add("strategy unset", [](O& o) { o.strategy.reset(); });
    add("strategy queue", [](O& o) { o.strategy = core::Strategy::Queue; });
    add("strategy fail", [](O& o) { o.strategy = core::Strategy::Fail; });
    add("resources unset", [](O& o) { o.requiredResources.reset(); });
    add("resources empty", [](O& o) { o.requiredResources = std::vector<std::string>{}; });
    add("resources gpu", [](O& o) { o.requiredResources = std::vector<std::string>{"gpu"}; });
    add("resources two", [](O& o) {
        o.requiredResources = std::vector<std::string>{"gpu", "npu"};
    });
    add("network type unset", [](O& o) { o.networkType.reset(); });
    for (auto n : {core::NetworkType::Any, core::NetworkType::Connected,
                   core::NetworkType::Unmetered})
        add("network type " + std::string(core::toString(n)), [n](O& o) { o.networkType = n; });
    return v;
}

} // namespace

TEST_CASE("Every request option, set or unset, round-trips through requests and runs")
{
    const bool othersSet = GENERATE(false, true);
    const OptionVariant variant = GENERATE(Catch::Generators::from_range(optionVariants()));
    INFO("other options " << (othersSet ? "all set" : "all unset") << ", " << variant.name);
    TempDir dir;
    Store store(dir / "bgtaskd.db");

    core::TaskRequest request = makeRequest("org.example.app", "org.example.app.task");
    request.options = othersSet ? everyOptionSet() : core::RequestOptions{};
    variant.apply(request.options);

    request.id = store.upsertRequest(request);
    const std::vector<core::TaskRequest> requests = store.loadRequests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0] == request);

    core::RunningTask run = makeRun(requests[0], kT0 + 2h);
    run.deadline = kT0 + 2h + 10min;
    const std::int64_t runId = store.startRun(run);
    const std::vector<core::RunningTask> runs = store.loadUnfinishedRuns();
    REQUIRE(runs.size() == 1);
    core::TaskRequest expected = request;
    expected.id = 0;
    CHECK(runs[0].request == expected);
    CHECK(runs[0].runId == runId);
}

TEST_CASE("Every task kind round-trips through requests, runs and history")
{
    const core::TaskKind kind = GENERATE(Catch::Generators::from_range(std::begin(core::kAllTaskKinds),
                                                                        std::end(core::kAllTaskKinds)));
    INFO(core::toString(kind));
    TempDir dir;
    Store store(dir / "bgtaskd.db");

    const std::int64_t id = store.upsertRequest(makeRequest("a", "a.task", kind));
    REQUIRE(store.loadRequests().at(0).kind == kind);
    core::RunningTask run = makeRun(store.loadRequests().at(0), kT0);
    const std::int64_t runId = store.startRun(run);
    REQUIRE(store.loadUnfinishedRuns().at(0).request.kind == kind);
    store.finishRun(runId, core::Outcome::Completed, "", kT0 + 1s);
    CHECK(store.history({}).at(0).kind == kind);
    CHECK(id > 0);
}

TEST_CASE("Every outcome round-trips through history")
{
    const core::Outcome outcome =
        GENERATE(core::Outcome::Completed, core::Outcome::Failed, core::Outcome::Expired,
                 core::Outcome::Terminated, core::Outcome::LaunchFailed,
                 core::Outcome::AppExited, core::Outcome::Interrupted);
    INFO(core::toString(outcome));
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    const std::int64_t runId = store.startRun(makeRun(makeRequest("a", "a.task"), kT0));
    store.finishRun(runId, outcome, "why", kT0 + 1s);
    CHECK(store.history({}).at(0).outcome == outcome);
}

TEST_CASE("Replacing a request gives it a new id and keeps a single row")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    const std::int64_t first = store.upsertRequest(makeRequest("a", "a.refresh"));
    const std::int64_t other = store.upsertRequest(makeRequest("a", "a.other"));
    core::TaskRequest replacement = makeRequest("a", "a.refresh", core::TaskKind::AppRefresh,
                                                kT0 + 1min);
    replacement.options.requiresNetworkConnectivity = true;
    const std::int64_t second = store.upsertRequest(replacement);

    CHECK(second > other);
    CHECK(other > first);
    const std::vector<core::TaskRequest> requests = store.loadRequests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].identifier == "a.other");   // oldest submission first
    replacement.id = second;
    CHECK(requests[1] == replacement);
}

TEST_CASE("Replacing a request in a batch replaces its one row, under a new id, with no other row touched")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    const std::int64_t other = store.upsertRequest(makeRequest("b", "a.refresh"));
    Store::Transaction tx(store);
    const std::int64_t first = store.upsertRequest(makeRequest("a", "a.refresh"));
    const std::int64_t second = store.upsertRequest(makeRequest("a", "a.refresh", core::TaskKind::Processing));
    tx.commit();

    CHECK(second > first);
    const std::vector<core::TaskRequest> requests = store.loadRequests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].id == other);
    CHECK(requests[0].app == "b");
    CHECK(requests[1].id == second);
    CHECK(requests[1].kind == core::TaskKind::Processing);
}

TEST_CASE("Opening a database turns SQLite's process-wide memory statistics off")
{
    // They would cost a global mutex around each of SQLite's allocations (Database.cpp).
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    store.upsertRequest(makeRequest("a", "a.task"));
    sqlite3_int64 allocations = -1;
    sqlite3_int64 highest = -1;
    REQUIRE(sqlite3_status64(SQLITE_STATUS_MALLOC_COUNT, &allocations, &highest, 0) == SQLITE_OK);
    CHECK(allocations == 0);
}

TEST_CASE("The same identifier in two apps is two requests")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    store.upsertRequest(makeRequest("a", "shared.id"));
    store.upsertRequest(makeRequest("b", "shared.id"));
    CHECK(store.loadRequests().size() == 2);
}

TEST_CASE("Ids are never reused, even after the newest row is deleted and the file reopened")
{
    TempDir dir;
    std::int64_t requestId = 0;
    std::int64_t runId = 0;
    {
        Store store(dir / "bgtaskd.db");
        requestId = store.upsertRequest(makeRequest("a", "a.task"));
        REQUIRE(store.deleteRequest("a", "a.task"));
        runId = store.startRun(makeRun(makeRequest("a", "a.run"), kT0));
    }
    // The Store never deletes runs; do it around it to check that the id is still not reused.
    bgtask::store::test::executeSql(dir / "bgtaskd.db", "DELETE FROM runs");
    Store store(dir / "bgtaskd.db");
    CHECK(store.upsertRequest(makeRequest("a", "a.task")) > requestId);
    CHECK(store.startRun(makeRun(makeRequest("a", "a.run"), kT0)) > runId);
}

TEST_CASE("Deleting a request reports whether there was one")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    store.upsertRequest(makeRequest("a", "a.task"));
    store.upsertRequest(makeRequest("b", "a.task"));

    CHECK_FALSE(store.deleteRequest("a", "a.unknown"));
    CHECK_FALSE(store.deleteRequest("c", "a.task"));
    CHECK(store.deleteRequest("a", "a.task"));
    CHECK_FALSE(store.deleteRequest("a", "a.task"));
    const std::vector<core::TaskRequest> left = store.loadRequests();
    REQUIRE(left.size() == 1);
    CHECK(left[0].app == "b");
}

TEST_CASE("Deleting all requests of an app removes and counts only that app's requests")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    store.upsertRequest(makeRequest("a", "a.1"));
    store.upsertRequest(makeRequest("b", "b.1"));
    store.upsertRequest(makeRequest("a", "a.2"));
    store.upsertRequest(makeRequest("a", "a.3"));

    CHECK(store.deleteAllRequests("a") == 3);
    CHECK(store.deleteAllRequests("a") == 0);
    CHECK(store.deleteAllRequests("nobody") == 0);
    const std::vector<core::TaskRequest> left = store.loadRequests();
    REQUIRE(left.size() == 1);
    CHECK(left[0].identifier == "b.1");
}

TEST_CASE("Starting a run consumes its request and nothing else")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    core::TaskRequest consumed = makeRequest("a", "a.1");
    consumed.id = store.upsertRequest(consumed);
    store.upsertRequest(makeRequest("a", "a.2"));

    store.startRun(makeRun(consumed, kT0 + 1min));
    std::vector<core::TaskRequest> left = store.loadRequests();
    REQUIRE(left.size() == 1);
    CHECK(left[0].identifier == "a.2");

    SECTION("a run without a stored request (continued processing) deletes nothing")
    {
        store.startRun(makeRun(makeRequest("a", "a.2", core::TaskKind::ContinuedProcessing),
                               kT0 + 2min));
        CHECK(store.loadRequests().size() == 1);
    }
    SECTION("a request replaced after it was picked keeps its replacement")
    {
        core::TaskRequest picked = left[0];
        const std::int64_t replacementId = store.upsertRequest(makeRequest("a", "a.2"));
        store.startRun(makeRun(picked, kT0 + 2min));
        left = store.loadRequests();
        REQUIRE(left.size() == 1);
        CHECK(left[0].id == replacementId);
    }
    CHECK(store.loadUnfinishedRuns().size() == 2);
}

TEST_CASE("Reserved run ids are used as given and no run without an id of its own takes one")
{
    TempDir dir;
    std::int64_t reservedId = 0;
    std::int64_t givenId = 0;
    {
        Store store(dir / "bgtaskd.db");
        CHECK(store.runIdHighWater() == 0);
        const auto first = store.startRun(makeRun(makeRequest("a", "a.1"), kT0));
        CHECK(store.runIdHighWater() == first);

        store.reserveRunIds(first + 10);
        CHECK(store.runIdHighWater() == first + 10);
        // An id of the block, given by the caller (the launch hands it out before recording).
        auto run = makeRun(makeRequest("a", "a.2"), kT0 + 1min);
        givenId = run.runId = first + 3;
        CHECK(store.startRun(run) == givenId);
        // A run without an id (a dropped request's record) goes above the block.
        CHECK(store.recordDropped(makeRequest("a", "a.3"), "manifest-removed: gone", kT0 + 2min) == first + 11);
        // A reservation below what is used already changes nothing.
        store.reserveRunIds(first + 5);
        CHECK(store.runIdHighWater() == first + 11);
        reservedId = first + 20;
        store.reserveRunIds(reservedId);
    }
    // The reservation is in the file: ids handed out from it before a crash are not used again.
    Store reopened(dir / "bgtaskd.db");
    CHECK(reopened.runIdHighWater() == reservedId);
    CHECK(reopened.startRun(makeRun(makeRequest("a", "a.4"), kT0 + 3min)) == reservedId + 1);
    const auto unfinished = reopened.loadUnfinishedRuns();
    REQUIRE(unfinished.size() == 3);
    CHECK(unfinished[1].runId == givenId);
}

TEST_CASE("A finished run leaves the unfinished runs and appears in history")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    core::TaskRequest request = makeRequest("a", "a.refresh", core::TaskKind::AppRefresh);
    request.id = store.upsertRequest(request);
    core::RunningTask run = makeRun(request, kT0 + 1min);
    run.simulated = true;
    const std::int64_t runId = store.startRun(run);
    CHECK(store.history({}).empty());   // history lists finished runs only

    store.finishRun(runId, core::Outcome::Expired, "time limit reached", kT0 + 1min + 31s);

    CHECK(store.loadUnfinishedRuns().empty());
    core::RunRecord expected;
    expected.runId = runId;
    expected.app = "a";
    expected.identifier = "a.refresh";
    expected.kind = core::TaskKind::AppRefresh;
    expected.startedAt = kT0 + 1min;
    expected.endedAt = kT0 + 1min + 31s;
    expected.outcome = core::Outcome::Expired;
    expected.reason = "time limit reached";
    expected.simulated = true;
    const std::vector<core::RunRecord> history = store.history({});
    REQUIRE(history.size() == 1);
    CHECK(history[0] == expected);
}

TEST_CASE("Finishing an unknown or already finished run is refused as no-such-run")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    const std::int64_t runId = store.startRun(makeRun(makeRequest("a", "a.1"), kT0));

    const core::Error unknown = captureError(
        [&] { store.finishRun(runId + 1, core::Outcome::Completed, "", kT0 + 1s); });
    CHECK(unknown.code() == core::ErrorCode::NotFound);
    CHECK(unknown.subReason() == "no-such-run");

    store.finishRun(runId, core::Outcome::Failed, "first", kT0 + 1s);
    const core::Error twice = captureError(
        [&] { store.finishRun(runId, core::Outcome::Completed, "second", kT0 + 2s); });
    CHECK(twice.code() == core::ErrorCode::NotFound);
    CHECK(twice.subReason() == "no-such-run");
    const std::vector<core::RunRecord> history = store.history({});
    REQUIRE(history.size() == 1);
    CHECK(history[0].reason == "first");   // the first ending stands
}

TEST_CASE("History lists finished runs newest first, filtered and limited")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    // (app, identifier, started at minute), recorded out of start order so that id order and
    // start order differ; two runs share a start time to test the tie-break on id.
    struct Spec {
        const char* app;
        const char* identifier;
        int minute;
    };
    const Spec specs[] = {{"a", "a.x", 6}, {"b", "b.x", 2}, {"a", "a.y", 3},
                          {"a", "a.x", 3}, {"b", "b.x", 5}, {"a", "a.x", 1}};
    std::vector<std::int64_t> ids;
    for (const Spec& s : specs) {
        const core::TimePoint start = kT0 + std::chrono::minutes(s.minute);
        ids.push_back(store.startRun(makeRun(makeRequest(s.app, s.identifier), start)));
        store.finishRun(ids.back(), core::Outcome::Completed, "", start + 10s);
    }
    store.startRun(makeRun(makeRequest("a", "a.x"), kT0 + 9min));   // unfinished: never listed

    const auto runIds = [&](const HistoryFilter& filter) {
        std::vector<std::int64_t> out;
        for (const core::RunRecord& r : store.history(filter))
            out.push_back(r.runId);
        return out;
    };
    using V = std::vector<std::int64_t>;

    const std::optional<std::string> any;
    CHECK(runIds({}) == V{ids[0], ids[4], ids[3], ids[2], ids[1], ids[5]});
    CHECK(runIds(filter("a", any)) == V{ids[0], ids[3], ids[2], ids[5]});
    CHECK(runIds(filter("a", "a.x")) == V{ids[0], ids[3], ids[5]});
    CHECK(runIds(filter(any, "b.x")) == V{ids[4], ids[1]});
    CHECK(runIds(filter(any, any, kT0 + 3min)) == V{ids[0], ids[4], ids[3], ids[2]});   // inclusive
    CHECK(runIds(filter("b", any, kT0 + 3min)) == V{ids[4]});
    CHECK(runIds(filter(any, any, {}, 2)) == V{ids[0], ids[4]});
    CHECK(runIds(filter("a", any, {}, 3)) == V{ids[0], ids[3], ids[2]});
    CHECK(runIds(filter(any, any, {}, 0)).empty());
    CHECK(runIds(filter("nobody", any)).empty());
}

TEST_CASE("Runs left unfinished when the daemon stopped are loaded after reopening the file")
{
    TempDir dir;
    core::TaskRequest request = makeRequest("a", "a.task", core::TaskKind::Processing, kT0);
    request.options.requiresExternalPower = true;
    core::RunningTask run;
    {
        Store store(dir / "bgtaskd.db");
        request.id = store.upsertRequest(request);
        run = makeRun(request, kT0 + 5min);
        run.deadline = kT0 + 15min;
        run.simulated = true;
        run.runId = store.startRun(run);
        const std::int64_t done = store.startRun(makeRun(makeRequest("b", "b.task"), kT0));
        store.finishRun(done, core::Outcome::Completed, "", kT0 + 1min);
        // Destroyed without finishing the first run, as when bgtaskd is stopped or killed.
    }
    Store store(dir / "bgtaskd.db");
    const std::vector<core::RunningTask> runs = store.loadUnfinishedRuns();
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].runId == run.runId);
    core::TaskRequest expected = request;
    expected.id = 0;
    CHECK(runs[0].request == expected);
    CHECK(runs[0].state == core::RunState::Running);
    CHECK(runs[0].startedAt == kT0 + 5min);
    CHECK(runs[0].deadline == kT0 + 15min);
    CHECK(runs[0].simulated);
    CHECK(store.loadRequests().empty());
}

TEST_CASE("A run started by a process that is killed is found by the next process")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    { Store created(file); }
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // No destructors, no sqlite3_close: the WAL is left for the next opener to recover.
        try {
            Store store(file);
            store.startRun(makeRun(makeRequest("a", "a.task"), kT0));
        } catch (...) {
            _exit(1);
        }
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    Store store(file);
    const std::vector<core::RunningTask> runs = store.loadUnfinishedRuns();
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].request.identifier == "a.task");
}

TEST_CASE("Requests and history survive reopening the store")
{
    TempDir dir;
    std::vector<core::TaskRequest> requests;
    std::vector<core::RunRecord> history;
    {
        Store store(dir / "bgtaskd.db");
        for (int i = 0; i < 3; ++i) {
            core::TaskRequest r = makeRequest("a", "a." + std::to_string(i),
                                              core::TaskKind::Processing, kT0 + std::chrono::seconds(i));
            r.options = everyOptionSet();
            r.id = store.upsertRequest(r);
            requests.push_back(r);
        }
        const std::int64_t runId = store.startRun(makeRun(makeRequest("b", "b.1"), kT0));
        store.finishRun(runId, core::Outcome::AppExited, "connection closed", kT0 + 1s);
        history = store.history({});
    }
    Store store(dir / "bgtaskd.db");
    CHECK(store.loadRequests() == requests);
    CHECK(store.history({}) == history);
    CHECK(store.schemaVersion() == Store::latestSchemaVersion());
}

TEST_CASE("A transaction that is not committed is rolled back")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    const std::int64_t kept = store.upsertRequest(makeRequest("a", "a.kept"));
    const std::int64_t runId = store.startRun(makeRun(makeRequest("a", "a.run"), kT0));

    SECTION("when it goes out of scope")
    {
        Store::Transaction tx(store);
        store.upsertRequest(makeRequest("a", "a.new"));
        store.deleteRequest("a", "a.kept");
        store.finishRun(runId, core::Outcome::Completed, "", kT0 + 1s);
    }
    SECTION("when an exception leaves the scope")
    {
        CHECK_THROWS_AS(
            [&] {
                Store::Transaction tx(store);
                store.upsertRequest(makeRequest("a", "a.new"));
                store.deleteAllRequests("a");
                store.finishRun(runId + 100, core::Outcome::Completed, "", kT0);   // throws
                tx.commit();
            }(),
            core::Error);
    }
    const std::vector<core::TaskRequest> requests = store.loadRequests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].id == kept);
    CHECK(store.loadUnfinishedRuns().size() == 1);
    CHECK(store.history({}).empty());
}

TEST_CASE("A replacement that fails inside a batch leaves the replaced request in place")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    { Store created(file); }
    // Makes the insert half of a replacement fail after its delete half has run.
    bgtask::store::test::executeSql(
        file, "CREATE TRIGGER refuse BEFORE INSERT ON requests WHEN NEW.title = 'refused'"
              " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
    Store store(file);
    core::TaskRequest original = makeRequest("a", "a.task");
    original.id = store.upsertRequest(original);

    Store::Transaction tx(store);
    core::TaskRequest replacement = original;
    replacement.options.title = "refused";
    const core::Error error = captureError([&] { store.upsertRequest(replacement); });
    CHECK(error.subReason() == "store-failed");
    CHECK_THAT(error.what(), Catch::Contains("refused by the test"));
    store.upsertRequest(makeRequest("a", "a.other"));   // the batch carries on
    tx.commit();

    const std::vector<core::TaskRequest> requests = store.loadRequests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0] == original);
}

TEST_CASE("A committed transaction is kept after reopening")
{
    TempDir dir;
    {
        Store store(dir / "bgtaskd.db");
        Store::Transaction tx(store);
        for (int i = 0; i < 100; ++i)
            store.upsertRequest(makeRequest("a", "a." + std::to_string(i)));
        tx.commit();
    }
    Store store(dir / "bgtaskd.db");
    CHECK(store.loadRequests().size() == 100);
}

TEST_CASE("Transactions do not nest and commit only once")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    Store::Transaction outer(store);
    store.upsertRequest(makeRequest("a", "a.1"));

    const core::Error nested = captureError([&] { Store::Transaction inner(store); });
    CHECK(nested.code() == core::ErrorCode::Internal);
    CHECK(nested.subReason() == "store-failed");

    outer.commit();   // the failed inner one did not disturb the outer one
    CHECK(captureError([&] { outer.commit(); }).subReason() == "store-failed");
    CHECK(store.loadRequests().size() == 1);
    Store::Transaction next(store);   // a new one can start once the first is done
    next.commit();
}

TEST_CASE("A required resource name the store cannot represent is refused, not mangled")
{
    const std::vector<std::string> resources =
        GENERATE(std::vector<std::string>{""}, std::vector<std::string>{"gpu;npu"},
                 std::vector<std::string>{"gpu", ""});
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    core::TaskRequest request = makeRequest("a", "a.1");
    request.options.requiredResources = resources;

    CHECK(captureError([&] { store.upsertRequest(request); }).subReason() == "store-failed");
    CHECK(captureError([&] { store.startRun(makeRun(request, kT0)); }).subReason() ==
          "store-failed");
    CHECK(store.loadRequests().empty());
    CHECK(store.loadUnfinishedRuns().empty());
}

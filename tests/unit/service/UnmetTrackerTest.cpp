// SPDX-License-Identifier: LGPL-2.1-or-later
#include "service/UnmetTracker.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <map>

using namespace bgtask;
using namespace std::chrono_literals;

namespace {

core::TaskRequest request(const std::string& identifier)
{
    core::TaskRequest r;
    r.app = "org.example.A";
    r.identifier = identifier;
    return r;
}

core::Readiness blockedBy(std::initializer_list<const char*> conditions)
{
    core::Readiness r;
    for (const char* c : conditions)
        r.unmet.push_back({c, std::string(c) + ": …"});
    return r;
}

const core::TimePoint t0 = core::TimePoint{} + 1000h;

} // namespace

TEST_CASE("A blocker keeps the time it was first seen across full passes and is forgotten once met")
{
    service::UnmetTracker tracker;
    CHECK(tracker.needsAll());
    const std::vector<core::TaskRequest> pending{request("org.example.A.one")};
    tracker.recordAll(pending, std::vector{blockedBy({"network"})}, t0);
    CHECK_FALSE(tracker.needsAll());
    tracker.recordAll(pending, std::vector{blockedBy({"network", "external-power"})}, t0 + 5s);
    CHECK(tracker.since("org.example.A", "org.example.A.one", "network") == t0);
    CHECK(tracker.since("org.example.A", "org.example.A.one", "external-power") == t0 + 5s);
    tracker.recordAll(pending, std::vector{blockedBy({"external-power"})}, t0 + 9s);
    CHECK_FALSE(tracker.since("org.example.A", "org.example.A.one", "network"));
    tracker.recordAll(pending, std::vector{blockedBy({"network", "external-power"})}, t0 + 12s);
    CHECK(tracker.since("org.example.A", "org.example.A.one", "network") == t0 + 12s);
}

TEST_CASE("A full pass in parts keeps and forgets first-seen times as one pass over everything does")
{
    service::UnmetTracker tracker;
    const std::vector<core::TaskRequest> first{request("org.example.A.one")};
    const std::vector<core::TaskRequest> second{request("org.example.A.two")};
    tracker.recordAll(std::vector{first[0], second[0]},
                      std::vector{blockedBy({"network"}), blockedBy({"external-power"})}, t0);
    tracker.touch("org.example.A", "org.example.A.one");
    tracker.beginAll();
    // The first part: still waits for the network (kept), now also for power (new).
    tracker.recordPart(first, std::vector{blockedBy({"network", "external-power"})}, t0 + 5s);
    // Until endAll(), what is known stays as it was.
    CHECK_FALSE(tracker.since("org.example.A", "org.example.A.one", "external-power"));
    // The second part: no longer waits for power (forgotten).
    tracker.recordPart(second, std::vector{core::Readiness{}}, t0 + 5s);
    tracker.endAll();
    CHECK(tracker.since("org.example.A", "org.example.A.one", "network") == t0);
    CHECK(tracker.since("org.example.A", "org.example.A.one", "external-power") == t0 + 5s);
    CHECK_FALSE(tracker.since("org.example.A", "org.example.A.two", "external-power"));
    CHECK(tracker.touched().empty());
    CHECK_FALSE(tracker.needsAll());
}

TEST_CASE("Only touched requests are looked at again, and a resubmit starts their blockers afresh")
{
    service::UnmetTracker tracker;
    const std::vector<core::TaskRequest> pending{request("org.example.A.one"), request("org.example.A.two")};
    tracker.recordAll(pending, std::vector{blockedBy({"network"}), blockedBy({"network"})}, t0);

    tracker.touch("org.example.A", "org.example.A.two");   // resubmitted
    tracker.touch("org.example.A", "org.example.A.three"); // submitted and cancelled again
    REQUIRE(tracker.touched().size() == 2);
    const std::vector<core::TaskRequest> stillPending{request("org.example.A.two")};
    tracker.recordTouched(stillPending, std::vector{blockedBy({"earliest-begin-date"})}, t0 + 7s);
    CHECK(tracker.touched().empty());
    CHECK(tracker.since("org.example.A", "org.example.A.one", "network") == t0);
    CHECK_FALSE(tracker.since("org.example.A", "org.example.A.two", "network"));
    CHECK(tracker.since("org.example.A", "org.example.A.two", "earliest-begin-date") == t0 + 7s);
    CHECK_FALSE(tracker.since("org.example.A", "org.example.A.three", "earliest-begin-date"));
}

TEST_CASE("Touching one identifier leaves a longer identifier with the same beginning alone")
{
    service::UnmetTracker tracker;
    const std::vector<core::TaskRequest> pending{request("org.example.A.job"), request("org.example.A.job2")};
    tracker.recordAll(pending, std::vector{blockedBy({"network"}), blockedBy({"network"})}, t0);
    tracker.touch("org.example.A", "org.example.A.job");
    tracker.recordTouched({}, {}, t0 + 1s);
    CHECK_FALSE(tracker.since("org.example.A", "org.example.A.job", "network"));
    CHECK(tracker.since("org.example.A", "org.example.A.job2", "network") == t0);
}

TEST_CASE("A stale request is looked at again and keeps the first-seen time of what is still unmet")
{
    service::UnmetTracker tracker;
    const std::vector<core::TaskRequest> pending{request("org.example.A.one"), request("org.example.A.two")};
    tracker.recordAll(pending, std::vector{blockedBy({"daily-budget"}), blockedBy({"daily-budget"})}, t0);
    tracker.refresh("org.example.A", "org.example.A.one");
    REQUIRE(tracker.stale().size() == 1);
    tracker.recordStale(std::vector{pending[0]}, std::vector{blockedBy({"daily-budget", "continued-queue"})}, t0 + 3s);
    CHECK(tracker.stale().empty());
    CHECK(tracker.since("org.example.A", "org.example.A.one", "daily-budget") == t0);
    CHECK(tracker.since("org.example.A", "org.example.A.one", "continued-queue") == t0 + 3s);
    tracker.refresh("org.example.A", "org.example.A.one");
    tracker.recordStale(std::vector{pending[0]}, std::vector{blockedBy({"continued-queue"})}, t0 + 5s);
    CHECK_FALSE(tracker.since("org.example.A", "org.example.A.one", "daily-budget"));
    CHECK(tracker.since("org.example.A", "org.example.A.one", "continued-queue") == t0 + 3s);
    CHECK(tracker.since("org.example.A", "org.example.A.two", "daily-budget") == t0);   // not stale: untouched
}

TEST_CASE("Conditions are tracked per condition key, at one evaluation per key")
{
    service::UnmetTracker tracker;
    core::TaskRequest powered = request("org.example.A.power");
    powered.kind = core::TaskKind::Processing;
    powered.options.requiresExternalPower = true;
    core::TaskRequest plain = request("org.example.A.plain");
    plain.kind = core::TaskKind::Processing;
    const std::map<core::ConditionKey, std::size_t> keys{{core::conditionKeyOf(powered), 50000},
                                                         {core::conditionKeyOf(plain), 50000}};
    auto battery = core::favourableSystemState();
    battery.onExternalPower = false;
    tracker.recordConditions(keys, core::favourableSystemState(), core::GatingPolicy{}, t0);
    CHECK_FALSE(tracker.conditionSince(core::conditionKeyOf(powered), "external-power"));
    tracker.recordConditions(keys, battery, core::GatingPolicy{}, t0 + 1s);
    tracker.recordConditions(keys, battery, core::GatingPolicy{}, t0 + 2s);
    CHECK(tracker.conditionSince(core::conditionKeyOf(powered), "external-power") == t0 + 1s);
    CHECK_FALSE(tracker.conditionSince(core::conditionKeyOf(plain), "external-power"));
    battery.lowPowerMode = true;   // processing waits for Low Power Mode on battery: both keys
    tracker.recordConditions(keys, battery, core::GatingPolicy{}, t0 + 4s);
    CHECK(tracker.conditionSince(core::conditionKeyOf(powered), "external-power") == t0 + 1s);
    CHECK(tracker.conditionSince(core::conditionKeyOf(powered), "low-power-mode") == t0 + 4s);
    CHECK(tracker.conditionSince(core::conditionKeyOf(plain), "low-power-mode") == t0 + 4s);
    tracker.recordConditions(keys, core::favourableSystemState(), core::GatingPolicy{}, t0 + 6s);
    tracker.recordConditions(keys, battery, core::GatingPolicy{}, t0 + 8s);
    CHECK(tracker.conditionSince(core::conditionKeyOf(powered), "external-power") == t0 + 8s);
}

TEST_CASE("A shared blocker keeps the time it was first seen until it is met")
{
    service::UnmetTracker tracker;
    tracker.recordShared("concurrency-limit", true, t0);
    tracker.recordShared("concurrency-limit", true, t0 + 1s);
    CHECK(tracker.sharedSince("concurrency-limit") == t0);
    tracker.recordShared("concurrency-limit", false, t0 + 2s);
    CHECK_FALSE(tracker.sharedSince("concurrency-limit"));
    tracker.recordShared("concurrency-limit", true, t0 + 3s);
    CHECK(tracker.sharedSince("concurrency-limit") == t0 + 3s);
}

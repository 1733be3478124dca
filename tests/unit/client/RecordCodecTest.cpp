// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RecordCodec.h"

#include <catch2/catch.hpp>

#include <cstdint>

using namespace bgtask;
using namespace bgtask::detail;

namespace {

const std::int64_t kMicros = 1'700'000'000'000'000;
const TimePoint kTime{std::chrono::microseconds{kMicros}};

} // namespace

TEST_CASE("A request record decodes with its options into a typed request")
{
    VariantMap options;
    options["RequiresExternalPower"] = sdbus::Variant(true);
    VariantMap record;
    record["App"] = sdbus::Variant(std::string("org.example.Sync"));
    record["Identifier"] = sdbus::Variant(std::string("org.example.Sync.db"));
    record["Kind"] = sdbus::Variant(std::string("processing"));
    record["SubmittedAt"] = sdbus::Variant(kMicros);
    record["EarliestBeginDate"] = sdbus::Variant(std::int64_t{0});
    record["Options"] = sdbus::Variant(options);
    record["Waiting"] = sdbus::Variant(std::string("on battery"));

    const auto r = decodeRequestRecord(record);
    CHECK(r.app == "org.example.Sync");
    CHECK(r.identifier == "org.example.Sync.db");
    CHECK(r.kind == "processing");
    CHECK(r.submittedAt == kTime);
    CHECK_FALSE(r.earliestBeginDate.has_value());
    CHECK(r.waiting == "on battery");
    REQUIRE(r.request.has_value());
    const auto& request = std::get<ProcessingTaskRequest>(*r.request);
    CHECK(request.identifier == "org.example.Sync.db");
    CHECK(request.requiresExternalPower);
}

TEST_CASE("Records ignore unknown keys and keep defaults for missing ones")
{
    VariantMap record;
    record["Identifier"] = sdbus::Variant(std::string("org.example.X"));
    record["Kind"] = sdbus::Variant(std::string("quantum"));
    record["SomethingNew"] = sdbus::Variant(std::uint32_t{3});
    record["Simulated"] = sdbus::Variant(std::string("not a bool"));

    const auto request = decodeRequestRecord(record);
    CHECK(request.app.empty());
    CHECK(request.kind == "quantum");
    CHECK_FALSE(request.request.has_value());

    const auto history = decodeHistoryRecord(record);
    CHECK(history.run == 0);
    CHECK_FALSE(history.simulated);
    CHECK_FALSE(history.startedAt.has_value());
}

TEST_CASE("A running-task record decodes its object path, state and flags")
{
    VariantMap record;
    record["Task"] = sdbus::Variant(sdbus::ObjectPath("/org/bgtaskd/task/42"));
    record["App"] = sdbus::Variant(std::string("org.example.Feeds"));
    record["State"] = sdbus::Variant(std::string("expiring"));
    record["StartedAt"] = sdbus::Variant(kMicros);
    record["Deadline"] = sdbus::Variant(kMicros + 30'000'000);
    record["LaunchedByDaemon"] = sdbus::Variant(true);
    record["ExpireReason"] = sdbus::Variant(std::string("time-limit"));

    const auto r = decodeRunningTaskRecord(record);
    CHECK(r.task == "/org/bgtaskd/task/42");
    CHECK(r.state == "expiring");
    CHECK(r.startedAt == kTime);
    CHECK(r.deadline == kTime + std::chrono::seconds(30));
    CHECK(r.launchedByDaemon);
    CHECK_FALSE(r.simulated);
    CHECK(r.expireReason == "time-limit");
}

TEST_CASE("A history record decodes its run number and outcome")
{
    VariantMap record;
    record["Run"] = sdbus::Variant(std::uint64_t{7});
    record["Outcome"] = sdbus::Variant(std::string("expired"));
    record["Reason"] = sdbus::Variant(std::string("time-limit"));
    record["EndedAt"] = sdbus::Variant(kMicros);
    record["Simulated"] = sdbus::Variant(true);

    const auto r = decodeHistoryRecord(record);
    CHECK(r.run == 7);
    CHECK(r.outcome == "expired");
    CHECK(r.reason == "time-limit");
    CHECK(r.endedAt == kTime);
    CHECK(r.simulated);
}

TEST_CASE("A history filter sends only the keys that are set, with the documented types")
{
    CHECK(encodeHistoryFilter({}).empty());

    HistoryFilter filter;
    filter.app = "org.example.Feeds";
    filter.since = kTime;
    filter.limit = 5;
    const auto map = encodeHistoryFilter(filter);
    CHECK(map.size() == 3);
    CHECK(map.at("App").get<std::string>() == "org.example.Feeds");
    CHECK(map.at("Since").peekValueType() == "x");
    CHECK(map.at("Since").get<std::int64_t>() == kMicros);
    CHECK(map.at("Limit").peekValueType() == "u");
    CHECK(map.at("Limit").get<std::uint32_t>() == 5);
}

TEST_CASE("A history record decodes a unit's accounting and end cause, and their absence")
{
    VariantMap record;
    record["Run"] = sdbus::Variant(std::uint64_t{9});
    const auto bare = decodeHistoryRecord(record);
    CHECK_FALSE(bare.cpuTime.has_value());
    CHECK_FALSE(bare.memoryPeakBytes.has_value());
    CHECK_FALSE(bare.ioReadBytes.has_value());
    CHECK_FALSE(bare.ioWriteBytes.has_value());
    CHECK(bare.endCause.empty());

    record["CPUUsageNSec"] = sdbus::Variant(std::uint64_t{2'500'000'000});
    record["MemoryPeak"] = sdbus::Variant(std::uint64_t{1} << 30);
    record["IOReadBytes"] = sdbus::Variant(std::uint64_t{4096});
    record["IOWriteBytes"] = sdbus::Variant(std::string("wrong type"));
    record["EndCause"] = sdbus::Variant(std::string("oom-kill"));
    const auto r = decodeHistoryRecord(record);
    CHECK(r.cpuTime == std::chrono::nanoseconds(2'500'000'000));
    CHECK(r.memoryPeakBytes == (std::uint64_t{1} << 30));
    CHECK(r.ioReadBytes == 4096u);
    CHECK_FALSE(r.ioWriteBytes.has_value());   // a value of another type reads as unknown
    CHECK(r.endCause == "oom-kill");
}

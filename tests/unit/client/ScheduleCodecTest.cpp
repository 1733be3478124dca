// SPDX-License-Identifier: LGPL-2.1-or-later
// Periodic and retried work on the wire: the Submit options schedulePeriodic() and
// submitWithRetry() add, and Manager1's schedule records decoded wherever they appear.
#include "RecordCodec.h"
#include "RequestCodec.h"

#include <bgtask-api/OptionKeys.h>

#include <catch2/catch.hpp>

#include <cstdint>

using namespace bgtask;
using namespace bgtask::detail;
using namespace std::chrono_literals;

namespace {

const std::int64_t kMicros = 1'700'000'000'000'000;
const TimePoint kTime{std::chrono::microseconds{kMicros}};

std::int64_t int64(const VariantMap& map, const char* key)
{
    REQUIRE(map.count(key) == 1);
    REQUIRE(map.at(key).containsValueOfType<std::int64_t>());
    return map.at(key).get<std::int64_t>();
}

VariantMap scheduleRecord()
{
    VariantMap r;
    r["App"] = sdbus::Variant(std::string("org.example.Sync"));
    r["Identifier"] = sdbus::Variant(std::string("org.example.Sync.db"));
    r["Kind"] = sdbus::Variant(std::string("processing"));
    r["Source"] = sdbus::Variant(std::string("manifest"));
    r["Interval"] = sdbus::Variant(std::int64_t{43'200'000'000});
    r["Flex"] = sdbus::Variant(std::int64_t{0});
    r["RandomizedDelay"] = sdbus::Variant(std::int64_t{3'600'000'000});
    r["BackoffDelay"] = sdbus::Variant(std::int64_t{30'000'000});
    r["MaxBackoffDelay"] = sdbus::Variant(std::int64_t{18'000'000'000});
    r["PeriodStart"] = sdbus::Variant(kMicros);
    r["LastSuccess"] = sdbus::Variant(kMicros);
    r["LastRunEnd"] = sdbus::Variant(kMicros + 5);
    r["Failures"] = sdbus::Variant(std::uint32_t{2});
    r["NextRunNotBefore"] = sdbus::Variant(std::int64_t{0});
    r["Running"] = sdbus::Variant(true);
    r["Newer"] = sdbus::Variant(std::string("ignored"));
    return r;
}

} // namespace

TEST_CASE("Periodic work sends RepeatInterval, BackoffDelay, MaxBackoffDelay and a Flex that is not 0, in microseconds")
{
    const auto options = encodePeriodic(12h, 1h, Backoff{2min, 6h});
    CHECK(options.size() == 4);
    CHECK(int64(options, api::key::kRepeatInterval) == 43'200'000'000);
    CHECK(int64(options, api::key::kFlex) == 3'600'000'000);
    CHECK(int64(options, api::key::kBackoffDelay) == 120'000'000);
    CHECK(int64(options, api::key::kMaxBackoffDelay) == 21'600'000'000);
    const auto noFlex = encodePeriodic(1h, 0s, Backoff{});
    CHECK(noFlex.count(api::key::kFlex) == 0);
    CHECK(int64(noFlex, api::key::kBackoffDelay) == 30'000'000);
    CHECK(int64(noFlex, api::key::kMaxBackoffDelay) == 18'000'000'000);
}

TEST_CASE("Retried work sends only its backoff")
{
    const auto options = encodeRetry(Backoff{10s, 1h});
    CHECK(options.size() == 2);
    CHECK(int64(options, api::key::kBackoffDelay) == 10'000'000);
    CHECK(int64(options, api::key::kMaxBackoffDelay) == 3'600'000'000);
}

TEST_CASE("A schedule record decodes every key, ignoring unknown ones, with 0 as unset")
{
    const auto s = decodeScheduleRecord(scheduleRecord());
    CHECK((s.app == "org.example.Sync" && s.identifier == "org.example.Sync.db" && s.kind == "processing"));
    CHECK(s.source == "manifest");
    CHECK(s.interval == 12h);
    CHECK(s.flex == 0s);
    CHECK(s.randomizedDelay == 1h);
    CHECK(s.backoffDelay == 30s);
    CHECK(s.maxBackoffDelay == 5h);
    CHECK(s.periodStart == kTime);
    CHECK(s.lastSuccess == kTime);
    CHECK(s.lastRunEnd == kTime + 5us);
    CHECK(s.failures == 2);
    CHECK_FALSE(s.nextRunNotBefore.has_value());
    CHECK(s.running);
}

TEST_CASE("Requests, explanations and apps carry their schedules when the daemon sends them")
{
    VariantMap request;
    request["Kind"] = sdbus::Variant(std::string("processing"));
    CHECK_FALSE(decodeRequestRecord(request).schedule.has_value());
    request["Schedule"] = sdbus::Variant(scheduleRecord());
    REQUIRE(decodeRequestRecord(request).schedule.has_value());
    CHECK(decodeRequestRecord(request).schedule->failures == 2);

    VariantMap explanation;
    explanation["State"] = sdbus::Variant(std::string("running"));
    explanation["Schedule"] = sdbus::Variant(scheduleRecord());
    REQUIRE(decodeExplanation(explanation).schedule.has_value());
    CHECK(decodeExplanation(explanation).schedule->interval == 12h);

    VariantMap app;
    app["App"] = sdbus::Variant(std::string("org.example.Sync"));
    CHECK(decodeAppRecord(app).schedules.empty());
    app["Schedules"] = sdbus::Variant(std::vector<VariantMap>{scheduleRecord(), scheduleRecord()});
    CHECK(decodeAppRecord(app).schedules.size() == 2);
}

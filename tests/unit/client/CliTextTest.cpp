// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl's text: relative times, --since, JSON, error lines and exit codes.
#include "ExitCodes.h"
#include "Output.h"
#include "TimeText.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace bgtaskctl;
using namespace std::chrono_literals;
using bgtask::SchedulerError;
using Code = SchedulerError::Code;

namespace {

const bgtask::TimePoint kNow{std::chrono::seconds{1'700'000'000}};

} // namespace

TEST_CASE("Relative times round as systemctl does, two units where the second matters")
{
    const auto [offset, text] = GENERATE(table<std::chrono::seconds, std::string>({
        {0s, "now"},
        {4s, "in 4 s"},
        {-59s, "59 s ago"},
        {-180s, "3 min ago"},
        {185s, "in 3 min 5 s"},
        {299s, "in 4 min 59 s"},
        {300s, "in 5 min"},
        {3599s, "in 59 min"},
        {7200s, "in 2 h"},
        {7199s, "in 1 h 59 min"},
        {-(5h + 59min + 59s), "5 h 59 min ago"},
        {6h + 59min, "in 6 h"},
        {-24h - 59min, "24 h ago"},
        {25h + 30min, "in 1 d 1 h"},
        {-47h, "1 d 23 h ago"},
        {-72h, "3 d ago"},
        {8 * 24h + 5h, "in 1 w 1 d"},
        {14 * 24h, "in 2 w"},
    }));
    CHECK(relativeTime(kNow + offset, kNow) == text);
}

TEST_CASE("Durations keep a decimal below ten seconds and two units above a minute")
{
    CHECK(duration(400ms) == "0.4 s");
    CHECK(duration(12s) == "12 s");
    CHECK(duration(185s) == "3 min 5 s");
    CHECK(duration(2h + 10min) == "2 h 10 min");
    CHECK(duration(-5s) == "0.0 s");
}

TEST_CASE("ISO times are UTC with microseconds")
{
    CHECK(isoTime(kNow + 123456us) == "2023-11-14T22:13:20.123456Z");
}

TEST_CASE("The since argument takes seconds ago, durations with a unit, and ISO dates")
{
    CHECK(parseSince("3600", kNow) == kNow - 1h);
    CHECK(parseSince("90s", kNow) == kNow - 90s);
    CHECK(parseSince("15m", kNow) == kNow - 15min);
    CHECK(parseSince("15min", kNow) == kNow - 15min);
    CHECK(parseSince("2h", kNow) == kNow - 2h);
    CHECK(parseSince("1d", kNow) == kNow - 24h);
    CHECK(parseSince("2023-11-14T22:13:20Z", kNow) == kNow);
    CHECK(parseSince("2023-11-14 22:13Z", kNow) == kNow - 20s);
    CHECK(parseSince("2023-11-14Z", kNow) == kNow - 22h - 13min - 20s);
    CHECK(parseSince("2023-11-14", kNow).has_value());  // local midnight
}

TEST_CASE("The since argument rejects what it cannot read")
{
    const auto text = GENERATE(as<std::string>{}, "", "bogus", "1y", "-5", "2023-13-01", "2023-11-14T25:00",
                               "2023-11-14T10", "2023-11-14X10:00", "h");
    CHECK_FALSE(parseSince(text, kNow).has_value());
}

TEST_CASE("The JSON writer nests, separates and escapes")
{
    std::ostringstream out;
    JsonWriter json(out);
    json.beginObject();
    json.key("a").value("x\"y\\z\n\x01");
    json.key("list").beginArray().value(true).value(std::int64_t{-3}).null().beginObject().endObject().endArray();
    json.key("when").time(kNow);
    json.key("never").time(std::nullopt);
    json.endObject();
    CHECK(out.str() == "{\"a\":\"x\\\"y\\\\z\\n\\u0001\",\"list\":[true,-3,null,{}],"
                       "\"when\":\"2023-11-14T22:13:20.000000Z\",\"never\":null}\n");
}

TEST_CASE("Request options read as short words in tables")
{
    bgtask::ProcessingTaskRequest processing;
    processing.requiresExternalPower = true;
    processing.networkType = bgtask::NetworkType::Unmetered;
    CHECK(describeOptions(processing) == "network=unmetered, external-power");
    CHECK(describeOptions(bgtask::AppRefreshTaskRequest{"x"}) == "-");
    bgtask::ContinuedProcessingTaskRequest continued;
    continued.requiredResources = bgtask::Resources::Gpu;
    CHECK(describeOptions(continued) == "gpu");
}

TEST_CASE("Errors print their sub-reason in plain words")
{
    std::ostringstream err;
    printError(err, SchedulerError(Code::NotFound, "no-such-request", "app x has no pending request y"));
    printError(err, SchedulerError(Code::NotPermitted, "kind-not-permitted", "no processing for x"));
    printError(err, SchedulerError(Code::Internal, "", "it broke"));
    CHECK(err.str() == "bgtaskctl: no such pending request: app x has no pending request y\n"
                       "bgtaskctl: kind not permitted: no processing for x\n"
                       "bgtaskctl: it broke\n");
}

TEST_CASE("Every scheduler error code has its exit status")
{
    const auto [code, status] = GENERATE(table<Code, int>({
        {Code::Unavailable, 1},
        {Code::TooManyPendingTaskRequests, 1},
        {Code::NotPermitted, 4},
        {Code::ImmediateRunIneligible, 1},
        {Code::InvalidArgument, 2},
        {Code::NotFound, 3},
        {Code::AccessDenied, 4},
        {Code::Internal, 1},
        {Code::NoScheduler, 5},
    }));
    CHECK(exitCodeFor(SchedulerError(code, "x", "y")) == status);
}

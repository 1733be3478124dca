// SPDX-License-Identifier: LGPL-2.1-or-later
// formatUtc writes its digits by hand: the text must stay what the printf formatting wrote,
// which the reasons of explain and the tests of every layer read.
#include "core/Planner.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <random>

using namespace bgtask::core;
using namespace std::chrono;

namespace {

// The former implementation, through snprintf: the reference.
std::string formatUtcByPrintf(TimePoint t)
{
    const auto day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss time{t - day};
    char text[64];
    const auto micros = time.subseconds().count();
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02lld", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<long long>(time.seconds().count()));
    std::string result = text;
    if (micros != 0) {
        std::snprintf(text, sizeof text, ".%06lld", static_cast<long long>(micros));
        result += text;
    }
    return result + "Z";
}

TimePoint at(sys_days day, microseconds since = microseconds{0}) { return TimePoint{day} + since; }

} // namespace

TEST_CASE("formatUtc writes ISO 8601 in UTC, with microseconds only when there are any", "[format-utc]")
{
    CHECK(formatUtc(at(2026y / 11 / 28, 10h)) == "2026-11-28T10:00:00Z");
    CHECK(formatUtc(TimePoint{}) == "1970-01-01T00:00:00Z");
    CHECK(formatUtc(at(2026y / 12 / 31, 23h + 59min + 59s + 999999us)) == "2026-12-31T23:59:59.999999Z");
    CHECK(formatUtc(at(2024y / 2 / 29, 7h + 5min + 3s + 1us)) == "2024-02-29T07:05:03.000001Z");
    CHECK(formatUtc(at(2026y / 1 / 2, 120ms)) == "2026-01-02T00:00:00.120000Z");
    CHECK(formatUtc(TimePoint{} - 1us) == "1969-12-31T23:59:59.999999Z");
    CHECK(formatUtc(at(year{33} / 3 / 4)) == "0033-03-04T00:00:00Z");
    CHECK(formatUtc(at(year{12345} / 6 / 7)) == "12345-06-07T00:00:00Z");
    CHECK(formatUtc(at(year{-5} / 1 / 1)) == "-005-01-01T00:00:00Z");
}

TEST_CASE("formatUtc writes what the printf formatting wrote", "[format-utc]")
{
    // Fixed edges, then many moments across the years a TimePoint's date can name.
    std::vector<TimePoint> moments{TimePoint{}, TimePoint{} - 1us, TimePoint{} + 1us, at(2026y / 12 / 7),
                                   at(year{0} / 1 / 1), at(year{-1} / 12 / 31, 23h + 59min + 59s + 999999us),
                                   at(year{9999} / 12 / 31, 23h + 59min + 59s), at(year{10000} / 1 / 1),
                                   at(year{-9999} / 1 / 1), at(year{-10000} / 1 / 1, 1us)};
    std::mt19937_64 random(13);
    const auto range = (sys_days{year{30000} / 1 / 1} - sys_days{year{-30000} / 1 / 1});
    const auto span = duration_cast<microseconds>(range).count();
    const auto from = duration_cast<microseconds>(sys_days{year{-30000} / 1 / 1}.time_since_epoch()).count();
    std::uniform_int_distribution<std::int64_t> anywhere(0, span - 1);
    std::uniform_int_distribution<std::int64_t> nearNow(0, duration_cast<microseconds>(years{200}).count());
    for (int i = 0; i < 20000; ++i) {
        auto t = TimePoint{microseconds{from + anywhere(random)}};
        moments.push_back(i % 3 == 0 ? floor<seconds>(t) : t);   // a third without microseconds
        moments.push_back(at(1900y / 1 / 1) + microseconds{nearNow(random)});
    }
    for (const auto t : moments) {
        INFO(t.time_since_epoch().count());
        REQUIRE(formatUtc(t) == formatUtcByPrintf(t));
    }
}

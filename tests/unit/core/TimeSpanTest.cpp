// SPDX-License-Identifier: LGPL-2.1-or-later
// Time spans in manifests: systemd's units, sums, what is refused, and the spelling printed back.
#include "core/TimeSpan.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>

using namespace bgtask::core;
using namespace std::chrono_literals;

TEST_CASE("Time spans read systemd's units and add up their items")
{
    const auto [text, expected] = GENERATE(table<std::string, Duration>({
        {"90", 90s},
        {"0", 0s},
        {"12h", 12h},
        {"1d", 24h},
        {"1w", 7 * 24h},
        {"2weeks", 14 * 24h},
        {"30min", 30min},
        {"30m", 30min},
        {"5 min", 5min},
        {"1h 30min", 90min},
        {"1h30min", 90min},
        {"1d 6h", 30h},
        {"  45s  ", 45s},
        {"10sec", 10s},
        {"1 second", 1s},
        {"3 seconds", 3s},
        {"2hr", 2h},
        {"1 hour", 1h},
        {"2 hours", 2h},
        {"1 day", 24h},
        {"3 days", 72h},
        {"1 minute", 1min},
        {"2 minutes", 2min},
        {"1week", 7 * 24h},
        {"250ms", 250ms},
        {"250msec", 250ms},
        {"7us", 7us},
        {"7usec", 7us},
        {"1h\t15min", 75min},
        {"36500d", 36500 * 24h},
    }));
    CAPTURE(text);
    CHECK(parseTimeSpan(text) == std::optional<Duration>(expected));
}

TEST_CASE("Anything but numbers with known units is not a time span")
{
    const std::string text = GENERATE("", "   ", "h", "12x", "12 hh", "-5min", "1.5h", "+3s", "1h,2min",
                                      "1 month", "1y", "12H", "1D", "abc", "5min x", "99999999999999999999",
                                      "36601d", "100000000000000s");
    CAPTURE(text);
    CHECK_FALSE(parseTimeSpan(text).has_value());
}

TEST_CASE("Time spans print in the largest units first and read back exactly")
{
    const auto [span, text] = GENERATE(table<Duration, std::string>({
        {0s, "0"},
        {-5s, "0"},
        {12h, "12h"},
        {24h, "1d"},
        {30h, "1d 6h"},
        {90s, "1min 30s"},
        {7 * 24h + 1s, "1w 1s"},
        {1500ms, "1s 500ms"},
        {3us, "3us"},
        {5h, "5h"},
    }));
    CAPTURE(text);
    CHECK(formatTimeSpan(span) == text);
    if (span > 0s)
        CHECK(parseTimeSpan(text) == std::optional<Duration>(span));
}

// SPDX-License-Identifier: LGPL-2.1-or-later
#include "TimeText.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace bgtaskctl {
namespace {

using std::chrono::duration_cast;
using Micros = std::chrono::microseconds;

// Two units where the second still matters, one where it does not, each truncated: the steps
// of systemctl's relative times ("1h 59min", "6h", "1 day 2h"), in bgtaskctl's spelling.
std::string amount(std::int64_t seconds)
{
    const auto two = [](std::int64_t big, const char* bigUnit, std::int64_t small, const char* smallUnit) {
        auto text = std::to_string(big) + " " + bigUnit;
        if (small > 0)
            text += " " + std::to_string(small) + " " + smallUnit;
        return text;
    };
    constexpr std::int64_t kMinute = 60, kHour = 3600, kDay = 86400, kWeek = 7 * kDay;
    if (seconds < kMinute)
        return std::to_string(seconds) + " s";
    if (seconds < 5 * kMinute)
        return two(seconds / kMinute, "min", seconds % kMinute, "s");
    if (seconds < kHour)
        return std::to_string(seconds / kMinute) + " min";
    if (seconds < 6 * kHour)
        return two(seconds / kHour, "h", seconds % kHour / kMinute, "min");
    if (seconds < 25 * kHour)
        return std::to_string(seconds / kHour) + " h";
    if (seconds < 2 * kDay)
        return two(1, "d", (seconds - kDay) / kHour, "h");
    if (seconds < kWeek)
        return std::to_string(seconds / kDay) + " d";
    return two(seconds / kWeek, "w", seconds % kWeek / kDay, "d");
}

std::optional<std::int64_t> number(std::string_view digits)
{
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size())
        return std::nullopt;
    return value;
}

// "90", "90s", "15m", "15min", "2h", "1d" → seconds.
std::optional<std::int64_t> secondsAgo(std::string_view text)
{
    std::size_t split = 0;
    while (split < text.size() && std::isdigit(static_cast<unsigned char>(text[split])))
        ++split;
    const auto value = number(text.substr(0, split));
    if (!value)
        return std::nullopt;
    const auto unit = text.substr(split);
    if (unit.empty() || unit == "s")
        return *value;
    if (unit == "m" || unit == "min")
        return *value * 60;
    if (unit == "h")
        return *value * 3600;
    if (unit == "d")
        return *value * 86400;
    return std::nullopt;
}

std::optional<TimePoint> isoDate(std::string_view text)
{
    std::string s(text);
    bool utc = false;
    if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) {
        utc = true;
        s.pop_back();
    }
    std::tm tm{};
    int consumed = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &consumed) != 3 ||
        consumed != 10)
        return std::nullopt;
    std::string_view rest = std::string_view(s).substr(10);
    if (!rest.empty()) {
        if (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ')
            return std::nullopt;
        const std::string clock(rest.substr(1));
        int end = 0;
        if (std::sscanf(clock.c_str(), "%2d:%2d%n:%2d%n", &tm.tm_hour, &tm.tm_min, &end, &tm.tm_sec, &end) < 2 ||
            static_cast<std::size_t>(end) != clock.size())
            return std::nullopt;
    }
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    const std::time_t seconds = utc ? timegm(&tm) : std::mktime(&tm);
    if (seconds == static_cast<std::time_t>(-1))
        return std::nullopt;
    return bgtask::Clock::from_time_t(seconds);
}

} // namespace

std::string relativeTime(TimePoint time, TimePoint now)
{
    const auto delta = duration_cast<std::chrono::seconds>(time - now).count();
    if (delta == 0)
        return "now";
    return delta > 0 ? "in " + amount(delta) : amount(-delta) + " ago";
}

std::string duration(Micros length)
{
    const auto micros = length.count() < 0 ? 0 : length.count();
    if (micros < 10'000'000) {
        char text[32];
        std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(micros) / 1e6);
        return text;
    }
    const auto seconds = micros / 1'000'000;
    if (seconds < 60)
        return std::to_string(seconds) + " s";
    if (seconds < 3600)
        return std::to_string(seconds / 60) + " min " + std::to_string(seconds % 60) + " s";
    return std::to_string(seconds / 3600) + " h " + std::to_string(seconds % 3600 / 60) + " min";
}

std::string isoTime(TimePoint time)
{
    const auto micros = duration_cast<Micros>(time.time_since_epoch()).count();
    auto seconds = static_cast<std::time_t>(micros / 1'000'000);
    auto fraction = micros % 1'000'000;
    if (fraction < 0) {
        fraction += 1'000'000;
        --seconds;
    }
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[96];  // room for any int, as far as the compiler knows
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(fraction));
    return text;
}

std::optional<std::chrono::milliseconds> parseTimeout(std::string_view text)
{
    std::optional<std::chrono::milliseconds> timeout;
    if (text.ends_with("ms")) {
        if (const auto ms = number(text.substr(0, text.size() - 2)))
            timeout = std::chrono::milliseconds(*ms);
    } else if (text.find_first_of("hd") == std::string_view::npos) {   // a call takes seconds, not days
        if (const auto seconds = secondsAgo(text))
            timeout = std::chrono::seconds(*seconds);
    }
    if (!timeout || timeout->count() <= 0)
        return std::nullopt;
    return timeout;
}

std::optional<TimePoint> parseSince(std::string_view text, TimePoint now)
{
    // Dates have dashes; durations never do.
    if (text.find('-') != std::string_view::npos)
        return isoDate(text);
    if (auto seconds = secondsAgo(text))
        return now - std::chrono::seconds(*seconds);
    return std::nullopt;
}

} // namespace bgtaskctl

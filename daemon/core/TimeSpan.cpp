// SPDX-License-Identifier: LGPL-2.1-or-later
#include "TimeSpan.h"

#include <array>
#include <cctype>
#include <cstdint>

namespace bgtask::core {

namespace {

using namespace std::chrono_literals;

struct Unit {
    std::string_view name;
    Duration length;
};

// Longer spellings first is not needed: a unit is the whole run of letters after a number.
constexpr std::array kUnits{
    Unit{"us", 1us},         Unit{"usec", 1us},     Unit{"ms", 1ms},       Unit{"msec", 1ms},
    Unit{"s", 1s},           Unit{"sec", 1s},       Unit{"second", 1s},    Unit{"seconds", 1s},
    Unit{"m", 1min},         Unit{"min", 1min},     Unit{"minute", 1min},  Unit{"minutes", 1min},
    Unit{"h", 1h},           Unit{"hr", 1h},        Unit{"hour", 1h},      Unit{"hours", 1h},
    Unit{"d", 24h},          Unit{"day", 24h},      Unit{"days", 24h},     Unit{"w", 7 * 24h},
    Unit{"week", 7 * 24h},   Unit{"weeks", 7 * 24h},
};

// Printed from the largest unit down, each once.
constexpr std::array kPrintUnits{Unit{"w", 7 * 24h}, Unit{"d", 24h}, Unit{"h", 1h}, Unit{"min", 1min},
                                 Unit{"s", 1s},      Unit{"ms", 1ms}, Unit{"us", 1us}};

constexpr Duration kMaxSpan = 100 * 366 * 24h;

bool isBlank(char c) { return c == ' ' || c == '\t'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::optional<Duration> unitLength(std::string_view name)
{
    for (const auto& unit : kUnits)
        if (unit.name == name)
            return unit.length;
    return std::nullopt;
}

} // namespace

std::optional<Duration> parseTimeSpan(std::string_view text)
{
    Duration total{};
    std::size_t i = 0;
    bool any = false;
    while (true) {
        while (i < text.size() && isBlank(text[i]))
            ++i;
        if (i == text.size())
            break;
        if (!isDigit(text[i]))
            return std::nullopt;
        std::int64_t number = 0;
        for (; i < text.size() && isDigit(text[i]); ++i) {
            number = number * 10 + (text[i] - '0');
            if (number > kMaxSpan.count())
                return std::nullopt;
        }
        while (i < text.size() && isBlank(text[i]))
            ++i;
        const std::size_t start = i;
        while (i < text.size() && isLetter(text[i]))
            ++i;
        const auto unit = start == i ? std::optional<Duration>(1s) : unitLength(text.substr(start, i - start));
        if (!unit || number > kMaxSpan / *unit)
            return std::nullopt;
        total += number * *unit;
        if (total > kMaxSpan)
            return std::nullopt;
        any = true;
    }
    if (!any)
        return std::nullopt;
    return total;
}

std::string formatTimeSpan(Duration span)
{
    if (span <= Duration::zero())
        return "0";
    std::string text;
    for (const auto& unit : kPrintUnits) {
        const auto count = span / unit.length;
        if (count == 0)
            continue;
        span -= count * unit.length;
        text += (text.empty() ? "" : " ") + std::to_string(count) + std::string(unit.name);
    }
    return text;
}

} // namespace bgtask::core

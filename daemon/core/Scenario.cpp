// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Scenario.h"

#include "Error.h"
#include "TimeSpan.h"

#include <charconv>
#include <optional>

namespace bgtask::core {
namespace {

[[noreturn]] void fail(const std::string& text)
{
    throw Error(ErrorCode::InvalidArgument, "bad-scenario", text);
}

std::optional<int> number(std::string_view text)
{
    int value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end)
        return std::nullopt;
    return value;
}

// "yes"/"no" (also true/false, on/off) or "unknown" (nullopt); throws for anything else.
std::optional<bool> flag(std::string_view key, std::string_view value)
{
    if (value == "yes" || value == "true" || value == "on")
        return true;
    if (value == "no" || value == "false" || value == "off")
        return false;
    if (value == "unknown")
        return std::nullopt;
    fail(std::string(key) + "=" + std::string(value) + ": expected yes, no or unknown");
}

std::optional<Connectivity> connectivityOf(std::string_view value)
{
    if (value == "none")
        return Connectivity::None;
    if (value == "portal")
        return Connectivity::Portal;
    if (value == "limited")
        return Connectivity::Limited;
    for (std::string_view full : {"full", "wifi", "ethernet", "wwan", "vpn", "connected"})
        if (value == full)
            return Connectivity::Full;
    if (value == "unknown")
        return std::nullopt;
    fail("network=" + std::string(value) + ": expected none, portal, limited, full (or wifi, ethernet, wwan, "
         "vpn, connected) or unknown");
}

std::optional<BatteryState> batteryStateOf(std::string_view value)
{
    for (auto s : {BatteryState::Charging, BatteryState::Discharging, BatteryState::Full, BatteryState::NotCharging})
        if (value == toString(s))
            return s;
    if (value == "unknown")
        return std::nullopt;
    fail("battery=" + std::string(value) + ": expected charging, discharging, full, not-charging or unknown");
}

void applyPower(SystemState& state, std::string_view value)
{
    if (value == "ac") {
        state.onExternalPower = true;
        if (state.batteryState && state.batteryState != BatteryState::Full)
            state.batteryState = BatteryState::Charging;
    } else if (value == "battery") {
        state.onExternalPower = false;
        if (state.batteryState)
            state.batteryState = BatteryState::Discharging;
    } else if (value == "unknown") {
        state.onExternalPower.reset();
    } else {
        fail("power=" + std::string(value) + ": expected ac, battery or unknown");
    }
}

void applyBatteryLevel(SystemState& state, std::string_view value)
{
    if (value == "unknown") {
        state.batteryPercent.reset();
        return;
    }
    const auto percent = number(value.ends_with('%') ? value.substr(0, value.size() - 1) : value);
    if (!percent || *percent < 0 || *percent > 100)
        fail("battery-level=" + std::string(value) + ": expected a percentage from 0 to 100 or unknown");
    state.batteryPercent = *percent;
}

void applyPowerProfile(SystemState& state, std::string_view value)
{
    if (value == "power-saver")
        state.lowPowerMode = true;
    else if (value == "balanced" || value == "performance")
        state.lowPowerMode = false;
    else if (value == "unknown")
        state.lowPowerMode.reset();
    else
        fail("power-profile=" + std::string(value) + ": expected power-saver, balanced, performance or unknown");
}

constexpr std::string_view kBlanks = " \t\r";

std::vector<std::string_view> words(std::string_view line)
{
    std::vector<std::string_view> out;
    while (true) {
        const auto start = line.find_first_not_of(kBlanks);
        if (start == std::string_view::npos)
            return out;
        line.remove_prefix(start);
        const auto end = std::min(line.find_first_of(kBlanks), line.size());
        out.push_back(line.substr(0, end));
        line.remove_prefix(end);
    }
}

// "HH:MM" or "HH:MM:SS" as seconds after local midnight.
std::optional<Duration> clockTime(std::string_view text)
{
    std::vector<int> parts;
    while (true) {
        const auto colon = text.find(':');
        const auto part = text.substr(0, colon);
        if (part.size() != 2)
            return std::nullopt;
        const auto value = number(part);
        if (!value)
            return std::nullopt;
        parts.push_back(*value);
        if (colon == std::string_view::npos)
            break;
        text.remove_prefix(colon + 1);
    }
    if (parts.size() < 2 || parts.size() > 3 || parts[0] > 23 || parts[1] > 59 || (parts.size() == 3 && parts[2] > 59))
        return std::nullopt;
    return std::chrono::hours(parts[0]) + std::chrono::minutes(parts[1]) +
           std::chrono::seconds(parts.size() == 3 ? parts[2] : 0);
}

// The first moment at or after `after` whose local time of day is `timeOfDay`.
TimePoint nextLocal(TimePoint after, Duration timeOfDay, Duration utcOffset)
{
    const auto local = after + utcOffset;
    const auto midnight = std::chrono::floor<std::chrono::days>(local);
    auto candidate = midnight + timeOfDay;
    if (candidate < local)
        candidate += std::chrono::days(1);
    return candidate - utcOffset;
}

TimePoint stepTime(std::string_view word, TimePoint previous, Duration utcOffset)
{
    if (word == "now")
        return previous;
    if (word.starts_with('+')) {
        const auto span = parseTimeSpan(word.substr(1));
        if (!span)
            fail("\"" + std::string(word) + "\" is no time span (e.g. +90s, +30min, +2h)");
        return previous + *span;
    }
    const auto clock = clockTime(word);
    if (!clock)
        fail("\"" + std::string(word) + "\" is no time: expected now, HH:MM, HH:MM:SS or +SPAN");
    return nextLocal(previous, *clock, utcOffset);
}

} // namespace

void applyScenarioSetting(SystemState& state, std::string_view key, std::string_view value)
{
    if (key == "power")
        applyPower(state, value);
    else if (key == "battery-level")
        applyBatteryLevel(state, value);
    else if (key == "battery")
        state.batteryState = batteryStateOf(value);
    else if (key == "network")
        state.connectivity = connectivityOf(value);
    else if (key == "metered")
        state.metered = flag(key, value);
    else if (key == "locked")
        state.sessionLocked = flag(key, value);
    else if (key == "idle")
        state.userIdle = flag(key, value);
    else if (key == "logged-in")
        state.userLoggedInSinceBoot = flag(key, value);
    else if (key == "gpu")
        state.gpuAvailable = flag(key, value);
    else if (key == "low-power-mode")
        state.lowPowerMode = flag(key, value);
    else if (key == "power-profile")
        applyPowerProfile(state, value);
    else
        fail("unknown key \"" + std::string(key) + "\" (known: power, battery-level, battery, network, metered, "
             "locked, idle, logged-in, gpu, low-power-mode, power-profile)");
}

std::vector<ScenarioStep> parseScenario(std::string_view text, std::string_view name, TimePoint now,
                                        Duration utcOffset)
{
    if (text.size() > kMaxScenarioBytes)
        fail(std::string(name) + ": the scenario has " + std::to_string(text.size()) + " bytes, at most " +
             std::to_string(kMaxScenarioBytes));
    std::vector<ScenarioStep> steps;
    TimePoint previous = now;
    std::size_t lineNo = 0;
    SystemState scratch;
    while (!text.empty()) {
        const auto newline = std::min(text.find('\n'), text.size());
        const auto line = text.substr(0, newline);
        text.remove_prefix(std::min(newline + 1, text.size()));
        ++lineNo;
        const auto items = words(line);
        if (items.empty() || items.front().starts_with('#'))
            continue;
        const auto where = std::string(name) + ":" + std::to_string(lineNo) + ": ";
        if (steps.size() == kMaxScenarioSteps)
            fail(where + "more than " + std::to_string(kMaxScenarioSteps) + " steps");
        ScenarioStep step;
        step.line = lineNo;
        try {
            step.at = stepTime(items.front(), previous, utcOffset);
            if (items.size() == 1)
                fail("a time without a setting: expected e.g. \"" + std::string(items.front()) + " power=ac\"");
            for (std::size_t i = 1; i < items.size(); ++i) {
                const auto eq = items[i].find('=');
                if (eq == std::string_view::npos || eq == 0)
                    fail("\"" + std::string(items[i]) + "\" is no key=value setting");
                const auto key = items[i].substr(0, eq);
                const auto value = items[i].substr(eq + 1);
                applyScenarioSetting(scratch, key, value);
                step.settings.emplace_back(key, value);
                step.text += (step.text.empty() ? "" : " ") + std::string(items[i]);
            }
        } catch (const Error& e) {
            const std::string message = e.what();
            fail(where + message.substr(message.find(": ") + 2));
        }
        previous = step.at;
        steps.push_back(std::move(step));
    }
    return steps;
}

} // namespace bgtask::core

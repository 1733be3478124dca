// SPDX-License-Identifier: LGPL-2.1-or-later
#include "PowerSupplyReader.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace bgtask::watch {
namespace {

using core::BatteryState;

std::string attribute(const SupplyAttributes& s, const std::string& name)
{
    const auto it = s.find(name);
    if (it == s.end())
        return {};
    // sysfs values end with a newline; sd-device strips it, other readers may not.
    const auto& v = it->second;
    const auto first = v.find_first_not_of(" \t\n");
    if (first == std::string::npos)
        return {};
    return v.substr(first, v.find_last_not_of(" \t\n") - first + 1);
}

std::optional<long long> number(const SupplyAttributes& s, const std::string& name)
{
    const auto text = attribute(s, name);
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

bool isExternalType(const std::string& type)
{
    return type == "Mains" || type == "USB" || type.starts_with("USB_") || type == "Wireless";
}

std::optional<BatteryState> statusOf(const SupplyAttributes& s)
{
    const auto status = attribute(s, "status");
    if (status == "Charging")
        return BatteryState::Charging;
    if (status == "Discharging")
        return BatteryState::Discharging;
    if (status == "Full")
        return BatteryState::Full;
    if (status == "Not charging")
        return BatteryState::NotCharging;
    return std::nullopt;
}

// The energy-weighted percentage, when every battery reports one kind of counter.
std::optional<int> weightedPercent(const std::vector<const SupplyAttributes*>& batteries)
{
    for (const char* unit : {"energy", "charge"}) {
        long long now = 0, full = 0;
        bool complete = true;
        for (const auto* b : batteries) {
            const auto n = number(*b, std::string(unit) + "_now");
            const auto f = number(*b, std::string(unit) + "_full");
            if (!n || !f || *f <= 0) {
                complete = false;
                break;
            }
            now += *n;
            full += *f;
        }
        if (complete && full > 0)
            return static_cast<int>(std::lround(100.0 * static_cast<double>(now) / static_cast<double>(full)));
    }
    return std::nullopt;
}

std::optional<int> percentOf(const std::vector<const SupplyAttributes*>& batteries)
{
    // Capacities of batteries of different sizes do not average; their energy does.
    auto weighted = weightedPercent(batteries);
    if (weighted)
        weighted = std::clamp(*weighted, 0, 100);
    if (batteries.size() > 1 && weighted)
        return weighted;
    long long sum = 0;
    for (const auto* b : batteries) {
        const auto capacity = number(*b, "capacity");
        if (!capacity)
            return weighted;
        sum += std::clamp<long long>(*capacity, 0, 100);
    }
    return static_cast<int>(std::lround(static_cast<double>(sum) / static_cast<double>(batteries.size())));
}

std::optional<BatteryState> combinedState(const std::vector<const SupplyAttributes*>& batteries)
{
    std::vector<std::optional<BatteryState>> states;
    for (const auto* b : batteries)
        states.push_back(statusOf(*b));
    const auto any = [&](BatteryState s) { return std::find(states.begin(), states.end(), s) != states.end(); };
    for (const auto s : {BatteryState::Discharging, BatteryState::Charging, BatteryState::NotCharging})
        if (any(s))
            return s;
    if (std::all_of(states.begin(), states.end(), [](auto s) { return s == BatteryState::Full; }))
        return BatteryState::Full;
    return std::nullopt;
}

} // namespace

const std::vector<std::string>& powerSupplyAttributeNames()
{
    static const std::vector<std::string> names{"type", "online", "status", "capacity", "scope", "present",
                                                "energy_now", "energy_full", "charge_now", "charge_full"};
    return names;
}

PowerView readPowerSupplies(const std::vector<SupplyAttributes>& supplies)
{
    std::vector<const SupplyAttributes*> batteries;
    std::vector<const SupplyAttributes*> external;
    for (const auto& s : supplies) {
        if (attribute(s, "scope") == "Device")
            continue;
        const auto type = attribute(s, "type");
        if (type == "Battery" && attribute(s, "present") != "0")
            batteries.push_back(&s);
        else if (isExternalType(type))
            external.push_back(&s);
    }

    PowerView view;
    if (batteries.empty()) {
        view.onExternalPower = true;
        return view;
    }
    view.batteryPercent = percentOf(batteries);
    view.batteryState = combinedState(batteries);
    if (!external.empty()) {
        view.onExternalPower = std::any_of(external.begin(), external.end(),
                                           [](const auto* s) { return attribute(*s, "online") == "1"; });
    } else if (view.batteryState) {
        view.onExternalPower = *view.batteryState != BatteryState::Discharging;
    }
    return view;
}

} // namespace bgtask::watch

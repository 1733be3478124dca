// SPDX-License-Identifier: LGPL-2.1-or-later
// PowerSupplyReader as a grid: which supplies mean external power, and how batteries combine.
#include "watch/PowerSupplyReader.h"

#include <catch2/catch.hpp>

using bgtask::core::BatteryState;
using namespace bgtask::watch;

namespace {

SupplyAttributes mains(const char* online) { return {{"type", "Mains"}, {"online", online}}; }

SupplyAttributes battery(const char* status, const char* capacity)
{
    return {{"type", "Battery"}, {"status", status}, {"capacity", capacity}, {"present", "1"}};
}

} // namespace

TEST_CASE("A machine without supplies counts as on external power with unknown battery")
{
    const auto view = readPowerSupplies({});
    CHECK(view.onExternalPower == true);
    CHECK_FALSE(view.batteryPercent);
    CHECK_FALSE(view.batteryState);
}

TEST_CASE("A machine without a battery counts as on external power even when its AC reads offline")
{
    CHECK(readPowerSupplies({mains("0")}).onExternalPower == true);
}

TEST_CASE("External power is any online Mains, USB or USB_* supply")
{
    const auto [type, online, expected] = GENERATE(table<const char*, const char*, bool>({
        {"Mains", "1", true},  {"Mains", "0", false},  {"USB", "1", true},    {"USB", "0", false},
        {"USB_C", "1", true},  {"USB_PD", "1", true},  {"USB_PD", "0", false}, {"Wireless", "1", true},
    }));
    CAPTURE(type, online);
    const auto view = readPowerSupplies({{{"type", type}, {"online", online}}, battery("Discharging", "50")});
    CHECK(view.onExternalPower == expected);
}

TEST_CASE("Two external supplies count as external power when either is online")
{
    CHECK(readPowerSupplies({mains("0"), {{"type", "USB_C"}, {"online", "1"}}, battery("Charging", "10")})
              .onExternalPower == true);
    CHECK(readPowerSupplies({mains("0"), {{"type", "USB_C"}, {"online", "0"}}, battery("Discharging", "10")})
              .onExternalPower == false);
}

TEST_CASE("Without external supplies, external power is inferred from the battery status")
{
    const auto [status, expected] = GENERATE(table<const char*, std::optional<bool>>({
        {"Discharging", false},
        {"Charging", true},
        {"Full", true},
        {"Not charging", true},
        {"Unknown", std::nullopt},
    }));
    CAPTURE(status);
    CHECK(readPowerSupplies({battery(status, "70")}).onExternalPower == expected);
}

TEST_CASE("Battery status maps to BatteryState and unknown statuses to unknown")
{
    const auto [status, expected] = GENERATE(table<const char*, std::optional<BatteryState>>({
        {"Charging", BatteryState::Charging},
        {"Discharging", BatteryState::Discharging},
        {"Full", BatteryState::Full},
        {"Not charging", BatteryState::NotCharging},
        {"Unknown", std::nullopt},
        {"", std::nullopt},
    }));
    CAPTURE(status);
    CHECK(readPowerSupplies({mains("1"), battery(status, "70")}).batteryState == expected);
}

TEST_CASE("Battery capacity is read as a percentage, clamped, and unknown when unreadable")
{
    const auto [capacity, expected] = GENERATE(table<const char*, std::optional<int>>({
        {"0", 0}, {"42", 42}, {"100", 100}, {"42\n", 42}, {"130", 100}, {"-5", 0},
        {"", std::nullopt}, {"abc", std::nullopt}, {"4x", std::nullopt},
    }));
    CAPTURE(capacity);
    CHECK(readPowerSupplies({battery("Discharging", capacity)}).batteryPercent == expected);
}

TEST_CASE("A single battery without capacity falls back to its energy counters")
{
    SupplyAttributes b{{"type", "Battery"}, {"status", "Discharging"}, {"energy_now", "25000"}, {"energy_full", "50000"}};
    CHECK(readPowerSupplies({b}).batteryPercent == 50);
}

TEST_CASE("Two batteries combine energy-weighted when both report energy")
{
    auto big = battery("Discharging", "100");
    big["energy_now"] = "60000";
    big["energy_full"] = "60000";
    auto small = battery("Discharging", "0");
    small["energy_now"] = "0";
    small["energy_full"] = "20000";
    CHECK(readPowerSupplies({big, small}).batteryPercent == 75);
}

TEST_CASE("Two batteries without energy counters combine as the mean of their capacities")
{
    CHECK(readPowerSupplies({battery("Discharging", "80"), battery("Discharging", "41")}).batteryPercent == 61);
}

TEST_CASE("Two batteries combine their state: any discharging, else any charging, else full when all are")
{
    const auto [a, b, expected] = GENERATE(table<const char*, const char*, std::optional<BatteryState>>({
        {"Discharging", "Full", BatteryState::Discharging},
        {"Charging", "Full", BatteryState::Charging},
        {"Charging", "Discharging", BatteryState::Discharging},
        {"Not charging", "Full", BatteryState::NotCharging},
        {"Full", "Full", BatteryState::Full},
        {"Full", "Unknown", std::nullopt},
    }));
    CAPTURE(a, b);
    CHECK(readPowerSupplies({mains("1"), battery(a, "50"), battery(b, "50")}).batteryState == expected);
}

TEST_CASE("Device-scoped supplies such as a mouse battery are ignored")
{
    auto mouse = battery("Discharging", "5");
    mouse["scope"] = "Device";
    const auto view = readPowerSupplies({mouse});
    CHECK(view.onExternalPower == true);
    CHECK_FALSE(view.batteryPercent);
    CHECK(readPowerSupplies({mouse, battery("Charging", "90")}).batteryPercent == 90);
}

TEST_CASE("An empty battery bay is not a battery")
{
    auto bay = battery("Unknown", "0");
    bay["present"] = "0";
    const auto view = readPowerSupplies({mains("0"), bay});
    CHECK(view.onExternalPower == true);
    CHECK_FALSE(view.batteryPercent);
}

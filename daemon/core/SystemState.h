// SPDX-License-Identifier: LGPL-2.1-or-later
// What bgtaskd knows about the machine: power, battery, network, GPU, session lock, user idle
// and low power mode. Every field may be unknown (nullopt) when its backend is absent; the
// gating rules say what unknown means for each condition. Pure data, compared as a whole so
// that only real changes are published.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bgtask::core {

enum class BatteryState { Charging, Discharging, Full, NotCharging };
// NetworkManager's NMConnectivityState without "unknown": None (1), Portal (2), Limited (3), Full (4).
enum class Connectivity { None, Portal, Limited, Full };

std::string_view toString(BatteryState s);   // "charging" | "discharging" | "full" | "not-charging"
std::string_view toString(Connectivity c);   // "none" | "portal" | "limited" | "full"

struct SystemState {
    // Power (udev power_supply): a machine without a battery counts as on external power.
    std::optional<bool> onExternalPower;
    std::optional<int> batteryPercent;               // 0-100; nullopt also when there is no battery
    std::optional<BatteryState> batteryState;
    // Network (NetworkManager)
    std::optional<Connectivity> connectivity;
    std::optional<bool> metered;                     // NM Metered yes/guess-yes
    // GPU (udev drm render nodes)
    std::optional<bool> gpuAvailable;
    // Session (logind)
    std::optional<bool> sessionLocked;
    std::optional<bool> userIdle;
    std::optional<bool> userLoggedInSinceBoot;       // the user has (had) a session since boot
    // power-profiles-daemon: "power-saver" is Low Power Mode
    std::optional<bool> lowPowerMode;

    bool operator==(const SystemState&) const = default;
};

} // namespace bgtask::core

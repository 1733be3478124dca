// SPDX-License-Identifier: LGPL-2.1-or-later
#include "SystemState.h"

namespace bgtask::core {

// Spelled as udev's POWER_SUPPLY_STATUS and NetworkManager's connectivity in lower case with
// dashes; bgtaskctl and the reasons of the gating rules show them.
std::string_view toString(BatteryState s)
{
    switch (s) {
    case BatteryState::Charging: return "charging";
    case BatteryState::Discharging: return "discharging";
    case BatteryState::Full: return "full";
    case BatteryState::NotCharging: return "not-charging";
    }
    return "unknown";
}

std::string_view toString(Connectivity c)
{
    switch (c) {
    case Connectivity::None: return "none";
    case Connectivity::Portal: return "portal";
    case Connectivity::Limited: return "limited";
    case Connectivity::Full: return "full";
    }
    return "unknown";
}

} // namespace bgtask::core

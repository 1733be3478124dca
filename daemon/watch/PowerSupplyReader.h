// SPDX-License-Identifier: LGPL-2.1-or-later
// The pure mapping from the sysfs attributes of a machine's power supplies to the power fields
// of SystemState. Knows the kernel's power_supply vocabulary (type, online, status, capacity,
// scope, present, energy/charge counters); owns nothing and does no I/O, so it is tested as a grid.
#pragma once

#include "core/SystemState.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bgtask::watch {

// One supply's sysfs attributes by name ("type" → "Battery", "capacity" → "42", …).
using SupplyAttributes = std::map<std::string, std::string>;

// The attributes the reader looks at; a source reads these and no others.
const std::vector<std::string>& powerSupplyAttributeNames();

struct PowerView {
    std::optional<bool> onExternalPower;
    std::optional<int> batteryPercent;
    std::optional<core::BatteryState> batteryState;

    bool operator==(const PowerView&) const = default;
};

// Rules (after UPower's): supplies with scope=Device (a mouse's battery) and batteries with
// present=0 (an empty bay) are ignored.
// - No system battery: on external power, battery fields unknown.
// - Otherwise, when there are external supplies (Mains, USB, USB_*, Wireless), external power is
//   "any of them online=1"; without any, it is inferred from the batteries' status (a
//   discharging battery means on battery; charging, full or not charging mean on external power).
// - Several batteries are combined: the percentage is energy-weighted when every battery reports
//   energy_now/energy_full (or charge_now/charge_full), else the mean of their capacities; the
//   state is Discharging if any discharges, else Charging if any charges, else NotCharging if any
//   is not charging, else Full when all are full, else unknown.
PowerView readPowerSupplies(const std::vector<SupplyAttributes>& supplies);

} // namespace bgtask::watch

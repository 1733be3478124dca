// SPDX-License-Identifier: LGPL-2.1-or-later
// The "power" source: external power, battery percentage and battery state from udev's
// power_supply devices. Keeps the attributes of every supply (by syspath), refreshed from sysfs
// on each uevent, and derives the whole view from all of them with PowerSupplyReader. Owns its
// device monitor; borrows the sd_event loop and the sink.
#pragma once

#include "DeviceMonitor.h"
#include "PowerSupplyReader.h"
#include "StateSource.h"

#include <map>
#include <optional>
#include <string>

namespace bgtask::watch {

class PowerSupplySource final : public StateSource {
public:
    explicit PowerSupplySource(sd_event* event);

    std::string_view name() const override { return "power"; }
    void start(StateSink& sink) override;

private:
    void onDevice(sd_device* device, sd_device_action_t action);
    PowerView view() const;
    void publish(const PowerView& view);

    DeviceMonitor monitor_;
    StateSink* sink_ = nullptr;
    std::map<std::string, SupplyAttributes> supplies_;
    std::optional<PowerView> published_;
};

} // namespace bgtask::watch

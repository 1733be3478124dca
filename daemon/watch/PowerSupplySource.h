// SPDX-License-Identifier: LGPL-2.1-or-later
// The "power" source: external power, battery percentage and battery state from udev's
// power_supply devices. On every uevent it reads every known supply from sysfs again (the
// kernel announces some changes, such as a battery's capacity, rarely or never) and derives
// the whole view with PowerSupplyReader; there is no polling, so a silent change is seen at
// the next uevent of any supply. Owns its device monitor; borrows the sd_event loop and sink.
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
    static SupplyAttributes read(sd_device* device);
    PowerView view() const;
    void publish(const PowerView& view);

    DeviceMonitor monitor_;
    StateSink* sink_ = nullptr;
    std::map<std::string, SupplyAttributes> supplies_;
    std::optional<PowerView> published_;
};

} // namespace bgtask::watch

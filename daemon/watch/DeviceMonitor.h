// SPDX-License-Identifier: LGPL-2.1-or-later
// Watches one udev subsystem on the daemon's sd-event loop: enumerates the devices present at
// start and then reports every uevent. Owns the sd_device_monitor; borrows the sd_event.
// The sd_device handed to the callbacks is fresh (its sysattrs are read from sysfs, never from a
// cache kept since enumeration) and valid only during the call.
#pragma once

#include <functional>
#include <string>

#include <systemd/sd-device.h>

typedef struct sd_event sd_event;

namespace bgtask::watch {

class DeviceMonitor {
public:
    using Handler = std::function<void(sd_device* device, sd_device_action_t action)>;

    DeviceMonitor(sd_event* event, std::string subsystem);
    ~DeviceMonitor();
    DeviceMonitor(const DeviceMonitor&) = delete;
    DeviceMonitor& operator=(const DeviceMonitor&) = delete;

    // Starts listening, then calls onEvent(device, SD_DEVICE_ADD) for each device present (so
    // that nothing between the enumeration and the first event is lost; a device may be seen
    // twice), then onEvent for each uevent. Returns an error text when sysfs or the monitor is
    // unavailable; nothing is watched then.
    std::string start(Handler onEvent);

private:
    std::string enumerate();
    static int dispatch(sd_device_monitor*, sd_device* device, void* self);

    sd_event* event_;
    std::string subsystem_;
    sd_device_monitor* monitor_ = nullptr;
    Handler onEvent_;
};

// sd-device's attribute reader as a string; empty when the attribute is missing or unreadable.
std::string sysattr(sd_device* device, const char* name);

} // namespace bgtask::watch

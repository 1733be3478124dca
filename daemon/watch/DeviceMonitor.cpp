// SPDX-License-Identifier: LGPL-2.1-or-later
#include "DeviceMonitor.h"

#include "service/Log.h"

#include <cstring>

#include <unistd.h>

namespace bgtask::watch {
namespace {

std::string failure(const char* what, int r) { return std::string(what) + ": " + std::strerror(-r); }

} // namespace

DeviceMonitor::DeviceMonitor(sd_event* event, std::string subsystem)
    : event_(event), subsystem_(std::move(subsystem))
{
}

DeviceMonitor::~DeviceMonitor() { sd_device_monitor_unref(monitor_); }

std::string DeviceMonitor::start(Handler onEvent)
{
    onEvent_ = std::move(onEvent);
    // Without sysfs an empty enumeration would read as "no devices"; it is "don't know".
    if (access("/sys/class", F_OK) < 0)
        return failure("access /sys/class", -errno);
    int r = sd_device_monitor_new(&monitor_);
    if (r < 0)
        return failure("create a device monitor", r);
    r = sd_device_monitor_filter_add_match_subsystem_devtype(monitor_, subsystem_.c_str(), nullptr);
    if (r >= 0)
        r = sd_device_monitor_attach_event(monitor_, event_);
    if (r >= 0)
        r = sd_device_monitor_start(monitor_, &DeviceMonitor::dispatch, this);
    if (r < 0) {
        monitor_ = sd_device_monitor_unref(monitor_);
        return failure("start the device monitor", r);
    }
    if (auto error = enumerate(); !error.empty()) {
        monitor_ = sd_device_monitor_unref(monitor_);
        return error;
    }
    return {};
}

std::string DeviceMonitor::enumerate()
{
    sd_device_enumerator* e = nullptr;
    int r = sd_device_enumerator_new(&e);
    if (r >= 0)
        r = sd_device_enumerator_add_match_subsystem(e, subsystem_.c_str(), true);
    if (r < 0) {
        sd_device_enumerator_unref(e);
        return failure("enumerate devices", r);
    }
    for (sd_device* d = sd_device_enumerator_get_device_first(e); d; d = sd_device_enumerator_get_device_next(e))
        onEvent_(d, SD_DEVICE_ADD);
    sd_device_enumerator_unref(e);
    return {};
}

int DeviceMonitor::dispatch(sd_device_monitor*, sd_device* device, void* self)
{
    auto& monitor = *static_cast<DeviceMonitor*>(self);
    sd_device_action_t action = SD_DEVICE_CHANGE;
    if (sd_device_get_action(device, &action) < 0)
        action = SD_DEVICE_CHANGE;
    try {
        monitor.onEvent_(device, action);
    } catch (const std::exception& e) {
        service::logger("watch")->error("Failed to handle a {} uevent: {}, ignoring", monitor.subsystem_, e.what());
    }
    return 0;
}

std::string sysattr(sd_device* device, const char* name)
{
    const char* value = nullptr;
    if (sd_device_get_sysattr_value(device, name, &value) < 0 || !value)
        return {};
    return value;
}

} // namespace bgtask::watch

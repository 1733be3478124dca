// SPDX-License-Identifier: LGPL-2.1-or-later
#include "PowerSupplySource.h"

#include "service/Log.h"

#include <vector>

namespace bgtask::watch {
namespace {

auto log()
{
    static auto l = service::logger("watch.power");
    return l;
}

std::string describe(const std::optional<bool>& b, const char* yes, const char* no)
{
    return b ? (*b ? yes : no) : "unknown";
}

std::string describe(const PowerView& v)
{
    std::string text = describe(v.onExternalPower, "on external power", "on battery");
    if (v.batteryPercent)
        text += ", battery " + std::to_string(*v.batteryPercent) + "%";
    if (v.batteryState)
        text += std::string(", ") + std::string(core::toString(*v.batteryState));
    return text;
}

} // namespace

PowerSupplySource::PowerSupplySource(sd_event* event) : monitor_(event, "power_supply") {}

void PowerSupplySource::start(StateSink& sink)
{
    sink_ = &sink;
    const auto error = monitor_.start([this](sd_device* d, sd_device_action_t a) { onDevice(d, a); });
    if (!error.empty()) {
        log()->warn("Failed to watch power supplies: {}, power state unknown", error);
        publish(PowerView{});
        return;
    }
    publish(view());
}

void PowerSupplySource::onDevice(sd_device* device, sd_device_action_t action)
{
    const char* syspath = nullptr;
    if (sd_device_get_syspath(device, &syspath) < 0 || !syspath)
        return;
    // A removed device's directory may still be in sysfs when its uevent arrives: drop it by name.
    if (action == SD_DEVICE_REMOVE || action == SD_DEVICE_UNBIND) {
        supplies_.erase(syspath);
        log()->debug("{} removed", syspath);
    } else {
        supplies_[syspath] = read(device);
    }
    if (!published_)
        return;   // still enumerating: start() publishes once with every supply
    // The kernel does not send a uevent for every change of every supply (a battery's capacity
    // often moves silently): any uevent is a reason to read them all again.
    for (auto it = supplies_.begin(); it != supplies_.end();) {
        sd_device* other = nullptr;
        if (it->first == syspath) {
            ++it;
        } else if (sd_device_new_from_syspath(&other, it->first.c_str()) < 0) {
            log()->debug("{} is gone", it->first);
            it = supplies_.erase(it);
        } else {
            it->second = read(other);
            sd_device_unref(other);
            ++it;
        }
    }
    publish(view());
}

// A fresh sd_device (from the monitor or just created) reads sysfs, never an old cache.
SupplyAttributes PowerSupplySource::read(sd_device* device)
{
    SupplyAttributes attributes;
    for (const auto& name : powerSupplyAttributeNames())
        if (auto value = sysattr(device, name.c_str()); !value.empty())
            attributes[name] = std::move(value);
    if (log()->should_log(spdlog::level::debug)) {
        const char* syspath = "?";
        sd_device_get_syspath(device, &syspath);
        std::string evidence;
        for (const auto& [key, value] : attributes)
            evidence += " " + key + "=" + value;
        log()->debug("{}:{}", syspath, evidence);
    }
    return attributes;
}

PowerView PowerSupplySource::view() const
{
    std::vector<SupplyAttributes> all;
    for (const auto& [path, attributes] : supplies_)
        all.push_back(attributes);
    return readPowerSupplies(all);
}

void PowerSupplySource::publish(const PowerView& view)
{
    if (published_ == view)
        return;
    log()->info("Power: {}", describe(view));
    published_ = view;
    sink_->update(name(), [view](core::SystemState& s) {
        s.onExternalPower = view.onExternalPower;
        s.batteryPercent = view.batteryPercent;
        s.batteryState = view.batteryState;
    });
}

} // namespace bgtask::watch

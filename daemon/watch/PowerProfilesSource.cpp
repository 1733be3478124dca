// SPDX-License-Identifier: LGPL-2.1-or-later
#include "PowerProfilesSource.h"

#include "BusProperties.h"
#include "service/Log.h"

#include <sdbus-c++/Error.h>

namespace bgtask::watch {
namespace {

struct Backend {
    const char* busName;
    const char* path;
    const char* interface;
};

constexpr std::array<Backend, 2> kBackends{{
    {"org.freedesktop.UPower.PowerProfiles", "/org/freedesktop/UPower/PowerProfiles",
     "org.freedesktop.UPower.PowerProfiles"},
    {"net.hadess.PowerProfiles", "/net/hadess/PowerProfiles", "net.hadess.PowerProfiles"},
}};

auto log()
{
    static auto l = service::logger("watch.power-profile");
    return l;
}

} // namespace

PowerProfilesSource::PowerProfilesSource(sdbus::IConnection& systemBus) : bus_(systemBus)
{
    for (std::size_t i = 0; i < kBackends.size(); ++i)
        owners_[i] = std::make_unique<NameOwnerWatch>(bus_, kBackends[i].busName, [this](const std::string&) { choose(); });
}

std::optional<bool> PowerProfilesSource::lowPowerModeOf(const std::optional<std::string>& activeProfile)
{
    if (!activeProfile)
        return std::nullopt;
    return *activeProfile == "power-saver";
}

void PowerProfilesSource::start(StateSink& sink)
{
    sink_ = &sink;
    try {
        for (std::size_t i = 0; i < kBackends.size(); ++i) {
            const auto& b = kBackends[i];
            matches_[i] = bus_.addMatch(propertiesChangedRule(b.busName, b.path, b.interface),
                                        [this, i](sdbus::Message& m) { onPropertiesChanged(i, m); });
        }
        for (auto& owner : owners_)
            owner->start();
    } catch (const sdbus::Error& e) {
        log()->warn("Failed to watch power-profiles-daemon: {}, low power mode unknown", e.getMessage());
        publish(std::nullopt);
    }
}

// The first backend whose name is owned wins; current ppd owns both names in one process.
void PowerProfilesSource::choose()
{
    for (const auto& owner : owners_)
        if (!owner->known())
            return;   // choose once both names have answered, rather than flip at start
    std::optional<std::size_t> chosen;
    for (std::size_t i = 0; i < kBackends.size() && !chosen; ++i)
        if (!owners_[i]->owner().empty())
            chosen = i;
    const auto owner = chosen ? owners_[*chosen]->owner() : std::string();
    if (published_ && chosen == active_ && owner == activeOwner_)
        return;
    active_ = chosen;
    activeOwner_ = owner;
    proxy_.reset();
    if (!chosen) {
        log()->info("power-profiles-daemon is not running");
        publish(std::nullopt);
        return;
    }
    log()->info("power-profiles-daemon is running as {} ({})", owner, kBackends[*chosen].busName);
    proxy_ = sdbus::createProxy(bus_, owner, kBackends[*chosen].path);
    read();
}

void PowerProfilesSource::read()
{
    proxy_->callMethodAsync("Get").onInterface(kPropertiesInterface).withTimeout(kBackendCallTimeout)
        .withArguments(kBackends[*active_].interface, "ActiveProfile")
        .uponReplyInvoke([this](const sdbus::Error* error, const sdbus::Variant& value) {
            if (error) {
                log()->warn("Failed to read the active power profile: {}, low power mode unknown",
                            error->getMessage());
                publish(std::nullopt);
                return;
            }
            publish(lowPowerModeOf(propertyValue<std::string>({{"ActiveProfile", value}}, "ActiveProfile")));
        });
}

void PowerProfilesSource::onPropertiesChanged(std::size_t backend, sdbus::Message& message)
{
    if (!proxy_ || backend != active_ || message.getSender() != activeOwner_)
        return;
    const auto change = readPropertiesChanged(message);
    if (change.changed.contains("ActiveProfile"))
        publish(lowPowerModeOf(propertyValue<std::string>(change.changed, "ActiveProfile")));
    else if (change.invalidates("ActiveProfile"))
        read();
}

void PowerProfilesSource::publish(std::optional<bool> lowPowerMode)
{
    if (published_ && *published_ == lowPowerMode)
        return;
    published_ = lowPowerMode;
    log()->info("Low power mode: {}", lowPowerMode ? (*lowPowerMode ? "on" : "off") : "unknown");
    sink_->update(name(), [lowPowerMode](core::SystemState& s) { s.lowPowerMode = lowPowerMode; });
}

} // namespace bgtask::watch

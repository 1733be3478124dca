// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NetworkManagerSource.h"

#include "service/Log.h"

#include <sdbus-c++/Error.h>

namespace bgtask::watch {
namespace {

constexpr const char* kNmName = "org.freedesktop.NetworkManager";
constexpr const char* kNmPath = "/org/freedesktop/NetworkManager";
constexpr const char* kNmInterface = "org.freedesktop.NetworkManager";

auto log()
{
    static auto l = service::logger("watch.network");
    return l;
}

std::string describe(const NetworkView& v)
{
    const std::string connectivity = v.connectivity ? std::string(core::toString(*v.connectivity)) : "unknown";
    const std::string metered = v.metered ? (*v.metered ? "metered" : "not metered") : "metered unknown";
    return "connectivity " + connectivity + ", " + metered;
}

} // namespace

NetworkManagerSource::NetworkManagerSource(sdbus::IConnection& systemBus)
    : bus_(systemBus), owner_(systemBus, kNmName, [this](const std::string& o) { onOwner(o); })
{
}

void NetworkManagerSource::start(StateSink& sink)
{
    sink_ = &sink;
    try {
        propertiesMatch_ = bus_.addMatch(propertiesChangedRule(kNmName, kNmPath, kNmInterface),
                                         [this](sdbus::Message& m) { onPropertiesChanged(m); });
        owner_.start();
    } catch (const sdbus::Error& e) {
        log()->warn("Failed to watch NetworkManager: {}, network state unknown", e.getMessage());
        publish();
    }
}

void NetworkManagerSource::onOwner(const std::string& owner)
{
    manager_.reset();   // cancels a read still in flight from the previous owner
    properties_ = {};
    if (owner.empty()) {
        log()->info("NetworkManager is not running");
        publish();
        return;
    }
    log()->info("NetworkManager is running as {}; reading its state", owner);
    manager_ = sdbus::createProxy(bus_, owner, kNmPath);
    readAll();
}

void NetworkManagerSource::readAll()
{
    manager_->callMethodAsync("GetAll").onInterface(kPropertiesInterface).withTimeout(kBackendCallTimeout)
        .withArguments(kNmInterface)
        .uponReplyInvoke([this](const sdbus::Error* error, const PropertyMap& properties) {
            if (error) {
                log()->warn("Failed to read NetworkManager's properties: {}, network state unknown",
                            error->getMessage());
                properties_ = {};
            } else {
                take(properties);
            }
            publish();
        });
}

void NetworkManagerSource::onPropertiesChanged(sdbus::Message& message)
{
    // A signal still queued from an owner that has gone is not evidence about the new one.
    if (!manager_ || message.getSender() != owner_.owner())
        return;
    const auto change = readPropertiesChanged(message);
    take(change.changed);
    if (change.invalidates("Connectivity") || change.invalidates("Metered") || change.invalidates("State"))
        readAll();
    publish();
}

void NetworkManagerSource::take(const PropertyMap& properties)
{
    if (properties.contains("Connectivity"))
        properties_.connectivity = propertyValue<std::uint32_t>(properties, "Connectivity");
    if (properties.contains("Metered"))
        properties_.metered = propertyValue<std::uint32_t>(properties, "Metered");
    if (properties.contains("State"))
        properties_.state = propertyValue<std::uint32_t>(properties, "State");
    log()->debug("NetworkManager: Connectivity={} Metered={} State={}", properties_.connectivity.value_or(0),
                 properties_.metered.value_or(0), properties_.state.value_or(0));
}

void NetworkManagerSource::publish()
{
    const auto view = mapNetwork(properties_);
    if (published_ == view)
        return;
    log()->info("Network: {}", describe(view));
    published_ = view;
    sink_->update(name(), [view](core::SystemState& s) {
        s.connectivity = view.connectivity;
        s.metered = view.metered;
    });
}

} // namespace bgtask::watch

// SPDX-License-Identifier: LGPL-2.1-or-later
// The "network" source: connectivity and metered from NetworkManager on the system bus. Follows
// NetworkManager's bus name; while it is owned, reads the manager's Connectivity, Metered and
// State (asynchronously, with a timeout) and follows their PropertiesChanged; while it is not,
// reports unknown. Owns its match, name watch and proxy; borrows the connection and the sink.
#pragma once

#include "BusProperties.h"
#include "NameOwnerWatch.h"
#include "NetworkStateMapping.h"
#include "StateSource.h"

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <memory>
#include <optional>

namespace bgtask::watch {

class NetworkManagerSource final : public StateSource {
public:
    explicit NetworkManagerSource(sdbus::IConnection& systemBus);

    std::string_view name() const override { return "network"; }
    void start(StateSink& sink) override;

private:
    void onOwner(const std::string& owner);
    void readAll();
    void onPropertiesChanged(sdbus::Message& message);
    void take(const PropertyMap& properties);
    void publish();

    sdbus::IConnection& bus_;
    NameOwnerWatch owner_;
    StateSink* sink_ = nullptr;
    sdbus::Slot propertiesMatch_;
    std::unique_ptr<sdbus::IProxy> manager_;   // addressed to the current owner's unique name
    NetworkProperties properties_;
    std::optional<NetworkView> published_;
};

} // namespace bgtask::watch

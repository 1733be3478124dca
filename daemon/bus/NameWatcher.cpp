// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NameWatcher.h"

#include "service/Log.h"

namespace bgtask::bus {
namespace {
constexpr const char* kDbusName = "org.freedesktop.DBus";
constexpr const char* kDbusPath = "/org/freedesktop/DBus";
} // namespace

NameWatcher::NameWatcher(sdbus::IConnection& connection, service::TaskService& service)
    : proxy_(sdbus::createProxy(connection, kDbusName, kDbusPath)), service_(service)
{
    proxy_->uponSignal("NameOwnerChanged").onInterface(kDbusName).call(
        [this](const std::string& name, const std::string& oldOwner, const std::string& newOwner) {
            service_.nameOwnerChanged(name, oldOwner, newOwner);
        });
    proxy_->finishRegistration();
}

void NameWatcher::seed()
{
    for (const auto& app : service_.manifests().all()) {
        bool has = false;
        proxy_->callMethod("NameHasOwner").onInterface(kDbusName).withArguments(app.busName).storeResultsTo(has);
        if (!has)
            continue;
        std::string owner;
        proxy_->callMethod("GetNameOwner").onInterface(kDbusName).withArguments(app.busName).storeResultsTo(owner);
        service::logger("bus")->debug("{} is owned by {}", app.busName, owner);
        service_.nameOwnerKnown(app.busName, owner);
    }
}

} // namespace bgtask::bus

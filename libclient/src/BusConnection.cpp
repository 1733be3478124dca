// SPDX-License-Identifier: LGPL-2.1-or-later
#include "BusConnection.h"

#include "ErrorTranslation.h"

#include <sdbus-c++/IProxy.h>

#include <cstdlib>
#include <string>

namespace bgtask::detail {
namespace {

std::string_view environment(const char* name)
{
    const char* value = std::getenv(name);
    return value ? std::string_view(value) : std::string_view();
}

} // namespace

Bus busFromEnvironment()
{
    const auto requested = environment("BGTASK_BUS");
    if (requested == "system")
        return Bus::System;
    if (requested == "session" || requested == "user")
        return Bus::Session;
    if (environment("DBUS_STARTER_BUS_TYPE") == "system")
        return Bus::System;
    return Bus::Session;
}

std::string_view describe(Bus bus)
{
    return bus == Bus::System ? "system bus" : "session bus";
}

std::unique_ptr<sdbus::IConnection> openConnection(Bus bus)
{
    try {
        return bus == Bus::System ? sdbus::createSystemBusConnection() : sdbus::createSessionBusConnection();
    } catch (const sdbus::Error& e) {
        throw connectionError(e, describe(bus));
    }
}

bool nameHasOwner(sdbus::IConnection& connection, std::string_view name)
{
    bool owned = false;
    try {
        auto bus = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        bus->callMethod("NameHasOwner").onInterface("org.freedesktop.DBus").withArguments(std::string(name))
            .storeResultsTo(owned);
    } catch (const sdbus::Error& e) {
        throw translateError(e);
    }
    return owned;
}

} // namespace bgtask::detail

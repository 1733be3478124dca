// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NameOwnerWatch.h"

#include "service/Log.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>

namespace bgtask::watch {
namespace {

constexpr const char* kDbusName = "org.freedesktop.DBus";
constexpr const char* kDbusPath = "/org/freedesktop/DBus";

} // namespace

NameOwnerWatch::NameOwnerWatch(sdbus::IConnection& bus, std::string name,
                               std::function<void(const std::string&)> onOwner)
    : bus_(bus), name_(std::move(name)), onOwner_(std::move(onOwner))
{
}

void NameOwnerWatch::start()
{
    const auto rule = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                      "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" + name_ + "'";
    match_ = bus_.addMatch(rule, [this](sdbus::Message& message) {
        std::string name, oldOwner, newOwner;
        message >> name >> oldOwner >> newOwner;
        if (name == name_)
            set(newOwner);
    });
    // The bus daemon answers in order: a NameOwnerChanged that arrives before this reply is
    // older than the reply, so the reply always wins.
    dbus_ = sdbus::createProxy(bus_, kDbusName, kDbusPath);
    dbus_->callMethodAsync("GetNameOwner").onInterface(kDbusName).withTimeout(kBackendCallTimeout)
        .withArguments(name_)
        .uponReplyInvoke([this](const sdbus::Error* error, const std::string& owner) {
            if (error && error->getName() != "org.freedesktop.DBus.Error.NameHasNoOwner")
                service::logger("watch")->warn("Failed to ask for the owner of {}: {}, assuming none",
                                               name_, error->getMessage());
            set(error ? std::string() : owner);
        });
}

void NameOwnerWatch::set(const std::string& owner)
{
    if (owner_ == owner)
        return;
    owner_ = owner;
    service::logger("watch")->debug("{} is {}", name_, owner.empty() ? "not owned" : "owned by " + owner);
    onOwner_(owner);
}

std::string propertiesChangedRule(const std::string& sender, const std::string& path, const std::string& interface)
{
    const auto pathMatch = path.ends_with("/*") ? "path_namespace='" + path.substr(0, path.size() - 2) + "'"
                                                : "path='" + path + "'";
    return "type='signal',sender='" + sender + "'," + pathMatch +
           ",interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'" +
           (interface.empty() ? std::string() : ",arg0='" + interface + "'");
}

} // namespace bgtask::watch

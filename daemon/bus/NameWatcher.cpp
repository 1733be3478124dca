// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NameWatcher.h"

#include "service/Log.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>

namespace bgtask::bus {
namespace {
constexpr const char* kDbusName = "org.freedesktop.DBus";
constexpr const char* kDbusPath = "/org/freedesktop/DBus";
constexpr std::uint64_t kCallTimeoutUs = 25'000'000;

bool isUniqueName(const std::string& name) { return !name.empty() && name.front() == ':'; }
} // namespace

NameWatcher::NameWatcher(sdbus::IConnection& connection, service::TaskService& service)
    : connection_(connection), proxy_(sdbus::createProxy(connection, kDbusName, kDbusPath)), service_(service)
{
    proxy_->finishRegistration();
}

void NameWatcher::addMatch(const std::string& name)
{
    const auto rule = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                      "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" + name + "'";
    matches_.emplace(name, connection_.addMatch(rule, [this](sdbus::Message& message) {
        std::string changedName, oldOwner, newOwner;
        message >> changedName >> oldOwner >> newOwner;
        changed(changedName, oldOwner, newOwner);
    }));
}

void NameWatcher::changed(const std::string& name, const std::string& oldOwner, const std::string& newOwner)
{
    retired_.clear();   // rules of connections that left earlier; never the one running now
    if (isUniqueName(name)) {
        auto it = matches_.find(name);
        if (!newOwner.empty() || it == matches_.end())
            return;   // reported once: the rule goes now, a second report finds none
        // This may run inside the rule's own callback: the slot is released on the next change.
        retired_.push_back(std::move(it->second));
        matches_.erase(it);
    } else if (!newOwner.empty()) {
        watchConnection(newOwner);
    }
    service_.nameOwnerChanged(name, oldOwner, newOwner);
    if (isUniqueName(name) && onGone_)
        onGone_(name);
}

void NameWatcher::seed()
{
    for (const auto& app : service_.manifests().all()) {
        if (!matches_.contains(app.busName))
            addMatch(app.busName);
        bool has = false;
        proxy_->callMethod("NameHasOwner").onInterface(kDbusName).withArguments(app.busName).storeResultsTo(has);
        if (!has)
            continue;
        std::string owner;
        proxy_->callMethod("GetNameOwner").onInterface(kDbusName).withArguments(app.busName).storeResultsTo(owner);
        service::logger("bus")->debug("{} is owned by {}", app.busName, owner);
        watchConnection(owner);
        service_.nameOwnerKnown(app.busName, owner);
    }
}

void NameWatcher::watchConnection(const std::string& uniqueName)
{
    if (!isUniqueName(uniqueName) || matches_.contains(uniqueName))
        return;
    addMatch(uniqueName);
    // The connection may have left before the rule was in place: then no signal comes, and
    // the bus daemon's answer (after the rule, in order) says so.
    proxy_->callMethodAsync("GetNameOwner").onInterface(kDbusName).withTimeout(kCallTimeoutUs)
        .withArguments(uniqueName)
        .uponReplyInvoke([this, uniqueName](const sdbus::Error* error, const std::string& /*owner*/) {
            if (error && error->getName() == "org.freedesktop.DBus.Error.NameHasNoOwner")
                changed(uniqueName, uniqueName, "");
        });
}

} // namespace bgtask::bus

// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NameWatcher.h"

#include "service/Log.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>

#include <string_view>

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
    names_.insert(name);
    if (broad_)
        return;
    if (matches_.size() >= kMaxNameRules) {
        followAllNames("more names than arg0 rules are kept");
        return;
    }
    const auto rule = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                      "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" + name + "'";
    try {
        matches_.emplace(name, connection_.addMatch(rule, [this](sdbus::Message& message) {
            if (broad_)
                return;   // a retired rule: the broad one reports this change
            std::string changedName, oldOwner, newOwner;
            message >> changedName >> oldOwner >> newOwner;
            dispatching_ = changedName;
            changed(changedName, oldOwner, newOwner);
            dispatching_.clear();
        }));
    } catch (const sdbus::Error& error) {
        // org.freedesktop.DBus.Error.LimitsExceeded: the bus daemon's limit on match rules.
        service::logger("bus")->debug("The bus refused a rule for {}: {}", name, error.getMessage());
        followAllNames("the bus daemon limits this connection's match rules");
    }
}

void NameWatcher::followAllNames(const char* why)
{
    // The per-name rules go first, to make room for the broad one under the bus daemon's limit;
    // the one whose callback may be running now (a watch added from a change) goes on the next
    // change, and does nothing until then.
    for (auto& [name, slot] : matches_) {
        if (name == dispatching_)
            retired_.push_back(std::move(slot));
    }
    matches_.clear();
    const auto rule = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                      "interface='org.freedesktop.DBus',member='NameOwnerChanged'";
    broad_ = connection_.addMatch(rule, [this](sdbus::Message& message) {
        std::string changedName, oldOwner, newOwner;
        message >> changedName >> oldOwner >> newOwner;
        if (names_.contains(changedName))
            changed(changedName, oldOwner, newOwner);
    });
    service::logger("bus")->info("Following every NameOwnerChanged for {} name(s): {}", names_.size(), why);
}

void NameWatcher::changed(const std::string& name, const std::string& oldOwner, const std::string& newOwner)
{
    retired_.clear();   // rules of connections that left earlier; never the one running now
    if (isUniqueName(name)) {
        if (!newOwner.empty() || !names_.contains(name))
            return;   // reported once: the name is forgotten now, a second report finds none
        names_.erase(name);
        // This may run inside the rule's own callback: the slot is released on the next change.
        if (auto it = matches_.find(name); it != matches_.end()) {
            retired_.push_back(std::move(it->second));
            matches_.erase(it);
        }
    } else if (!newOwner.empty()) {
        watchConnection(newOwner);
    }
    service_.nameOwnerChanged(name, oldOwner, newOwner);
    if (isUniqueName(name) && onGone_)
        onGone_(name);
}

void NameWatcher::seed()
{
    const auto& apps = service_.manifests().all();
    // More app names than arg0 rules are kept: the broad rule at once, rather than adding
    // kMaxNameRules rules (one blocking AddMatch each) only to drop them again.
    if (!broad_) {
        std::set<std::string_view> fresh;
        for (const auto& app : apps)
            if (!names_.contains(app.busName))
                fresh.insert(app.busName);
        if (matches_.size() + fresh.size() > kMaxNameRules)
            followAllNames("more names than arg0 rules are kept");
    }
    for (const auto& app : apps)
        if (!names_.contains(app.busName))
            addMatch(app.busName);
    // Which names have an owner: one ListNames after the rules are in place (a change after it
    // arrives as a signal), not one blocking NameHasOwner per app, which made a reload or a
    // start with 2,000 manifests wait for 2,000 round trips to the bus daemon.
    std::vector<std::string> listed;
    proxy_->callMethod("ListNames").onInterface(kDbusName).storeResultsTo(listed);
    const std::set<std::string_view> owned(listed.begin(), listed.end());
    for (const auto& app : apps) {
        if (!owned.contains(app.busName))
            continue;
        std::string owner;
        try {
            proxy_->callMethod("GetNameOwner").onInterface(kDbusName).withArguments(app.busName).storeResultsTo(owner);
        } catch (const sdbus::Error&) {
            continue;   // released since ListNames answered: its rule reports the change
        }
        service::logger("bus")->debug("{} is owned by {}", app.busName, owner);
        watchConnection(owner);
        service_.nameOwnerKnown(app.busName, owner);
    }
}

void NameWatcher::watchConnection(const std::string& uniqueName)
{
    if (!isUniqueName(uniqueName) || names_.contains(uniqueName))
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

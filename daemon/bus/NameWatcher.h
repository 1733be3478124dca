// SPDX-License-Identifier: LGPL-2.1-or-later
// Follows the bus daemon's NameOwnerChanged for the names bgtaskd cares about and feeds the
// service, so that bgtaskd knows which connection owns which app's name and when a connection
// it holds state for goes away. Like sd-bus's name tracking, it matches with arg0, one rule per
// name: the apps' bus names (from the manifests) and the unique name of every connection that
// called Scheduler1 or owns an app's name; so other clients joining and leaving the bus never
// wake bgtaskd. A unique name's rule is removed when the connection leaves. A bus daemon limits
// the match rules of one connection (dbus-daemon: max_match_rules_per_connection, 512 unless its
// configuration says otherwise); when it refuses a rule, or the names would need more than
// kMaxNameRules, the watcher follows every NameOwnerChanged through one rule instead and filters
// by name itself: more wake-ups, but bgtaskd starts and tracks any number of apps. Owns its proxy
// and match slots; borrows the connection and the service.
#pragma once

#include "service/TaskService.h"

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bgtask::bus {

class NameWatcher {
public:
    NameWatcher(sdbus::IConnection& connection, service::TaskService& service);
    // Matches every app's bus name (again after a reload: new apps get a rule) and asks the bus
    // daemon for their current owners.
    void seed();
    // Follows a connection's unique name until it leaves; idempotent. A connection that left
    // before its rule was in place is reported as gone once the bus daemon says it has no owner.
    void watchConnection(const std::string& uniqueName);
    // Called (after the service) with each followed connection that left the bus.
    void onConnectionGone(std::function<void(const std::string&)> hook) { onGone_ = std::move(hook); }

    // At most this many arg0 rules; beyond, one rule for every NameOwnerChanged.
    static constexpr std::size_t kMaxNameRules = 256;
    // Whether the watcher follows every NameOwnerChanged through one rule (for tests and logs).
    bool followsAllNames() const { return broad_.has_value(); }

private:
    void addMatch(const std::string& name);
    void followAllNames(const char* why);
    void changed(const std::string& name, const std::string& oldOwner, const std::string& newOwner);

    sdbus::IConnection& connection_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    service::TaskService& service_;
    std::set<std::string, std::less<>> names_;                 // every name followed
    std::map<std::string, sdbus::Slot, std::less<>> matches_;   // name → its arg0 rule
    std::optional<sdbus::Slot> broad_;                          // the one rule for all names
    std::string dispatching_;   // the name whose arg0 rule's callback is running, if any
    // Rules of connections that left, released outside their own callback.
    std::vector<sdbus::Slot> retired_;
    std::function<void(const std::string&)> onGone_;
};

} // namespace bgtask::bus

// SPDX-License-Identifier: LGPL-2.1-or-later
// Follows the bus daemon's NameOwnerChanged for the names bgtaskd cares about and feeds the
// service, so that bgtaskd knows which connection owns which app's name and when a connection
// it holds state for goes away. Owns its proxy and match slots; borrows the connection, the
// service and a way to run a call on a later turn of the loop.
//
// Match rules. A client that joins the bus and leaves again changes only its unique name
// (":1.42"); so that such clients never wake bgtaskd, every rule names what it follows in arg0:
// - the unique name of each connection that called Scheduler1, subscribed to Manager1 or owns
//   an app's name: one exact arg0 rule each, removed when the connection leaves;
// - the apps' bus names (from the manifests): one exact arg0 rule each while they fit in half
//   the budget of rules, otherwise the deepest arg0namespace prefixes that fit there
//   (core::coverNames; "org.example" matches org.example.* and never a unique name). The watcher
//   drops the changes of names it does not follow; only other programs' well-known names under
//   such a prefix can still wake it.
// The budget is kMaxNameRules, lowered to what the bus daemon accepted when it refuses a rule
// (dbus-daemon's max_match_rules_per_connection is 512 unless its configuration says otherwise,
// and counts bgtaskd's other rules too). Only when the followed connections do not fit beside
// the apps' rules does one rule follow every NameOwnerChanged (and every client joining or
// leaving wakes bgtaskd); the narrow rules come back when the names fit in three quarters of the
// budget again, so that a count going up and down by one does not swap rules each time. New
// rules are added before old ones go, so no change falls between them; when the bus refuses the
// overlap, the old rules go first and the owners are asked again.
//
// Why every app's name and not only those of the apps with pending or running requests: an app
// that opens while nothing of it is pending teaches usage patterns (learnOpens), its Submit must
// be attributed to it by name, and in the scale case (1,000 apps × 100 pending) every app has
// requests anyway; one namespace rule covers any number of apps.
#pragma once

#include "core/NameCover.h"
#include "service/TaskService.h"

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <cstdint>
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
    // post runs a call on a later turn of the loop (a rule's slot cannot go inside its own callback).
    using Post = std::function<void(std::function<void()>)>;

    NameWatcher(sdbus::IConnection& connection, service::TaskService& service, Post post);
    // Matches every app's bus name (again after a reload: new apps are covered) and asks the bus
    // daemon for their current owners.
    void seed();
    // Follows a connection's unique name until it leaves; idempotent. A connection that left
    // before its rule was in place is reported as gone once the bus daemon says it has no owner.
    void watchConnection(const std::string& uniqueName);
    // Called (after the service) with each followed connection that left the bus.
    void onConnectionGone(std::function<void(const std::string&)> hook) { onGone_ = std::move(hook); }

    // At most this many rules for names (lower once the bus daemon refused one).
    static constexpr std::size_t kMaxNameRules = 256;
    // Whether the watcher follows every NameOwnerChanged through one rule (for tests and logs).
    bool followsAllNames() const { return rules_.contains(std::string()); }

private:
    struct Rule {
        std::uint64_t id = 0;
        sdbus::Slot slot;
    };

    // Puts in place the rules the names need now (narrow if they fit, else the broad one).
    void arrange();
    void apply(const std::set<std::string>& plan);
    Rule addRule(const std::string& clause);
    void release(Rule rule);
    void dispatch(sdbus::Message& message, const std::string& clause, std::uint64_t id);
    void changed(const std::string& name, const std::string& oldOwner, const std::string& newOwner);
    void askOwners(bool connectionsToo);
    void checkConnection(const std::string& uniqueName);

    sdbus::IConnection& connection_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    service::TaskService& service_;
    Post post_;
    std::set<std::string, std::less<>> apps_;          // the apps' bus names followed
    std::set<std::string, std::less<>> connections_;   // unique names followed
    std::size_t budget_ = kMaxNameRules;
    std::optional<std::optional<std::vector<core::NameRule>>> cover_;   // of apps_ at budget_ / 2, once computed
    // arg0 clause ("arg0='…'", "arg0namespace='…'", or "" for every name) → its rule.
    std::map<std::string, Rule, std::less<>> rules_;
    std::uint64_t lastRuleId_ = 0;
    std::uint64_t dispatching_ = 0;   // the rule whose callback is running, if any
    std::vector<sdbus::Slot> retired_;   // released inside their own callback; go on the next turn
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::function<void(const std::string&)> onGone_;
};

} // namespace bgtask::bus

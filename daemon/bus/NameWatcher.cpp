// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NameWatcher.h"

#include "service/Log.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>

#include <algorithm>
#include <string_view>

namespace bgtask::bus {
namespace {
constexpr const char* kDbusName = "org.freedesktop.DBus";
constexpr const char* kDbusPath = "/org/freedesktop/DBus";
constexpr std::uint64_t kCallTimeoutUs = 25'000'000;
constexpr const char* kRule = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                              "interface='org.freedesktop.DBus',member='NameOwnerChanged'";

bool isUniqueName(std::string_view name) { return !name.empty() && name.front() == ':'; }
std::string exactClause(const std::string& name) { return "arg0='" + name + "'"; }
std::string namespaceClause(const std::string& name) { return "arg0namespace='" + name + "'"; }
} // namespace

NameWatcher::NameWatcher(sdbus::IConnection& connection, service::TaskService& service, Post post)
    : connection_(connection), proxy_(sdbus::createProxy(connection, kDbusName, kDbusPath)), service_(service),
      post_(std::move(post))
{
    proxy_->finishRegistration();
}

void NameWatcher::seed()
{
    bool fresh = false;
    for (const auto& app : service_.manifests().all())
        fresh = apps_.insert(app.busName).second || fresh;
    if (fresh || !cover_) {
        cover_ = core::coverNames({apps_.begin(), apps_.end()}, budget_ / 2);
        if (*cover_ && (*cover_)->size() < apps_.size())
            service::logger("bus")->info("Following the {} apps' bus names through {} rule(s) on their common prefixes",
                                         apps_.size(), (*cover_)->size());
    }
    arrange();
    askOwners(false);
}

void NameWatcher::watchConnection(const std::string& uniqueName)
{
    if (!isUniqueName(uniqueName) || !connections_.insert(uniqueName).second)
        return;
    arrange();
    checkConnection(uniqueName);
}

// The connection may have left before its rule was in place: then no signal comes, and the bus
// daemon's answer (after the rule, in order) says so.
void NameWatcher::checkConnection(const std::string& uniqueName)
{
    proxy_->callMethodAsync("GetNameOwner").onInterface(kDbusName).withTimeout(kCallTimeoutUs)
        .withArguments(uniqueName)
        .uponReplyInvoke([this, uniqueName](const sdbus::Error* error, const std::string& /*owner*/) {
            if (error && error->getName() == "org.freedesktop.DBus.Error.NameHasNoOwner")
                changed(uniqueName, uniqueName, "");
        });
}

void NameWatcher::arrange()
{
    if (!cover_)
        cover_ = core::coverNames({apps_.begin(), apps_.end()}, budget_ / 2);
    const auto& cover = *cover_;
    const bool wasBroad = followsAllNames();
    // Back from the broad rule only with room to spare: a count moving by one around the budget
    // does not swap every rule each time.
    const auto room = wasBroad ? budget_ - budget_ / 4 : budget_;
    std::set<std::string> plan;
    if (cover && cover->size() + connections_.size() <= room) {
        for (const auto& rule : *cover)
            plan.insert(rule.isNamespace ? namespaceClause(rule.name) : exactClause(rule.name));
        for (const auto& name : connections_)
            plan.insert(exactClause(name));
    } else {
        plan.insert(std::string());
    }
    apply(plan);
    if (wasBroad == followsAllNames())
        return;
    if (wasBroad) {
        service::logger("bus")->info("Following NameOwnerChanged by name again: {} rule(s) for the apps, {} for connections",
                                     cover ? cover->size() : 0, connections_.size());
    } else if (!cover) {
        service::logger("bus")->info("Following every NameOwnerChanged for {} app name(s): even their top-level "
                                     "prefixes need more than {} rules", apps_.size(), budget_ / 2);
    } else {
        service::logger("bus")->info("Following every NameOwnerChanged for {} connection(s): they need more than "
                                     "the {} rules left beside the apps' {}", connections_.size(),
                                     budget_ - cover->size(), cover->size());
    }
}

// New rules first, then the stale ones go: no change falls between the two. When the bus daemon
// refuses a rule, the budget becomes what it accepted, the stale rules go to make room, the
// rules are planned again and the owners asked for again (a change may have fallen in between).
void NameWatcher::apply(const std::set<std::string>& plan)
{
    std::vector<std::string> stale;
    for (const auto& [clause, rule] : rules_)
        if (!plan.contains(clause))
            stale.push_back(clause);
    const auto dropStale = [this, &stale] {
        for (const auto& clause : stale)
            if (auto node = rules_.extract(clause))
                release(std::move(node.mapped()));
    };
    for (const auto& clause : plan) {
        if (rules_.contains(clause))
            continue;
        try {
            rules_.emplace(clause, addRule(clause));
        } catch (const sdbus::Error& error) {
            // org.freedesktop.DBus.Error.LimitsExceeded: the bus daemon's limit on match rules.
            const auto held = rules_.size() + retired_.size();
            if (held == 0 || budget_ == 0)
                throw;   // not even one rule: bgtaskd cannot follow names on this bus
            budget_ = std::min(budget_, held) - 1;
            cover_.reset();
            service::logger("bus")->warn("The bus daemon refused a match rule ({}): following names through at "
                                         "most {} rules", error.getMessage(), budget_);
            dropStale();
            arrange();
            askOwners(true);
            return;
        }
    }
    dropStale();
}

NameWatcher::Rule NameWatcher::addRule(const std::string& clause)
{
    const auto id = ++lastRuleId_;
    const auto rule = clause.empty() ? std::string(kRule) : std::string(kRule) + "," + clause;
    return {id, connection_.addMatch(rule, [this, clause, id](sdbus::Message& message) {
                dispatch(message, clause, id);
            })};
}

void NameWatcher::release(Rule rule)
{
    if (rule.id != dispatching_)
        return;   // its slot goes with it
    // sdbus-c++ keeps the running callback in the slot: it goes on the next turn of the loop.
    retired_.push_back(std::move(rule.slot));
    post_([this, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.lock())
            retired_.clear();
    });
}

void NameWatcher::dispatch(sdbus::Message& message, const std::string& clause, std::uint64_t id)
{
    // A rule that was replaced: the one in its place (or the broad one) reports this change.
    const auto it = rules_.find(clause);
    if (it == rules_.end() || it->second.id != id)
        return;
    std::string name, oldOwner, newOwner;
    message >> name >> oldOwner >> newOwner;
    if (!apps_.contains(name) && !connections_.contains(name))
        return;   // under an apps' namespace, or the broad rule: not a name followed
    dispatching_ = id;
    struct Reset {
        std::uint64_t& id;
        ~Reset() { id = 0; }
    } reset{dispatching_};
    changed(name, oldOwner, newOwner);
}

void NameWatcher::changed(const std::string& name, const std::string& oldOwner, const std::string& newOwner)
{
    if (isUniqueName(name)) {
        if (!newOwner.empty() || !connections_.contains(name))
            return;   // reported once: the name is forgotten now, a second report finds none
        connections_.erase(name);
        arrange();   // its rule goes
    } else if (!newOwner.empty()) {
        watchConnection(newOwner);
    }
    service_.nameOwnerChanged(name, oldOwner, newOwner);
    if (isUniqueName(name) && onGone_)
        onGone_(name);
}

// Which names have an owner: one ListNames after the rules are in place (a change after it
// arrives as a signal), not one blocking NameHasOwner per app, which made a reload or a start
// with 2,000 manifests wait for 2,000 round trips to the bus daemon.
void NameWatcher::askOwners(bool connectionsToo)
{
    if (connectionsToo)
        for (const auto& name : std::vector<std::string>(connections_.begin(), connections_.end()))
            checkConnection(name);
    std::vector<std::string> listed;
    proxy_->callMethod("ListNames").onInterface(kDbusName).storeResultsTo(listed);
    const std::set<std::string_view> owned(listed.begin(), listed.end());
    for (const auto& app : std::vector<std::string>(apps_.begin(), apps_.end())) {
        if (!owned.contains(app))
            continue;
        std::string owner;
        try {
            proxy_->callMethod("GetNameOwner").onInterface(kDbusName).withArguments(app).storeResultsTo(owner);
        } catch (const sdbus::Error&) {
            continue;   // released since ListNames answered: its rule reports the change
        }
        service::logger("bus")->debug("{} is owned by {}", app, owner);
        watchConnection(owner);
        service_.nameOwnerKnown(app, owner);
    }
}

} // namespace bgtask::bus
